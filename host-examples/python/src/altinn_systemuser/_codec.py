"""Fast lowering/lifting of component values for wasmtime-py.

wasmtime-py's own conversion asks the C API for a value's type again at every node of every
value (and converts `list<u8>` byte by byte), which costs about a millisecond for one Altinn
request record. This module walks each function's type once, builds one Python closure per
type node, and reuses them. The Python shapes are exactly wasmtime-py's (`Record` with
kebab-case attributes, `Variant` where cases could be confused, `None`/payload for options,
`bytes` for `list<u8>`), so `_wit` does not care which path ran.

Ownership follows wasmtime-py: the caller owns (and deletes) the parameter and result values of
a guest call; a host function owns (and deletes) its arguments and fills its result in place.
"""

from __future__ import annotations

import ctypes
from ctypes import byref, string_at
from typing import Any, Callable, Dict, List, Optional, Tuple

from wasmtime import _ffi as ffi
from wasmtime.component import Record, Variant
from wasmtime.component import _types as T
from wasmtime.component._enter import catch_exceptions, enter_wasm
from wasmtime.component._types import FuncType

VAL = ffi.wasmtime_component_val_t
SIZE = ctypes.sizeof(VAL)
OFF = VAL.of.offset

K_BOOL = ffi.WASMTIME_COMPONENT_BOOL.value
K_U8 = ffi.WASMTIME_COMPONENT_U8.value
K_U16 = ffi.WASMTIME_COMPONENT_U16.value
K_U32 = ffi.WASMTIME_COMPONENT_U32.value
K_U64 = ffi.WASMTIME_COMPONENT_U64.value
K_S32 = ffi.WASMTIME_COMPONENT_S32.value
K_S64 = ffi.WASMTIME_COMPONENT_S64.value
K_STRING = ffi.WASMTIME_COMPONENT_STRING.value
K_LIST = ffi.WASMTIME_COMPONENT_LIST.value
K_RECORD = ffi.WASMTIME_COMPONENT_RECORD.value
K_VARIANT = ffi.WASMTIME_COMPONENT_VARIANT.value
K_ENUM = ffi.WASMTIME_COMPONENT_ENUM.value
K_OPTION = ffi.WASMTIME_COMPONENT_OPTION.value
K_RESULT = ffi.WASMTIME_COMPONENT_RESULT.value

_val_new = ffi.wasmtime_component_val_new
_val_delete = ffi.wasmtime_component_val_delete
_list_new = ffi.wasmtime_component_vallist_new_uninit
_record_new = ffi.wasmtime_component_valrecord_new_uninit
_byte_vec_new = ffi.wasm_byte_vec_new_uninitialized
_memmove = ctypes.memmove

Lower = Callable[[Any, Any, Any], None]  # (store, value, VAL instance)
Lift = Callable[[Any], Any]  # VAL instance -> python


class Unsupported(Exception):
    pass


def _capi_bytes(b: bytes) -> Any:
    vec = ffi.wasm_byte_vec_t()
    n = len(b)
    _byte_vec_new(byref(vec), n)
    if n:
        _memmove(vec.data, b, n)
    return vec


def _s(v: Any) -> str:
    return string_at(v.data, v.size).decode("utf-8")


def _scalar(kind: int, field: str, check: type) -> Tuple[Lower, Lift]:
    def lower(store: Any, x: Any, v: Any) -> None:
        if not isinstance(x, check):
            raise TypeError(f"expected {check.__name__}, got {type(x).__name__}")
        v.kind = kind
        setattr(v.of, field, x)

    def lift(v: Any) -> Any:
        return check(getattr(v.of, field))

    return lower, lift


def _tagged(ty: Any) -> bool:
    return ty._tagged()


def build(ty: Any, cache: Dict[int, Tuple[Lower, Lift]]) -> Tuple[Lower, Lift]:
    if isinstance(ty, T.Bool):
        return _scalar(K_BOOL, "boolean", bool)
    if isinstance(ty, T.U8):
        return _scalar(K_U8, "u8", int)
    if isinstance(ty, T.U16):
        return _scalar(K_U16, "u16", int)
    if isinstance(ty, T.U32):
        return _scalar(K_U32, "u32", int)
    if isinstance(ty, T.U64):
        return _scalar(K_U64, "u64", int)
    if isinstance(ty, T.S32):
        return _scalar(K_S32, "s32", int)
    if isinstance(ty, T.S64):
        return _scalar(K_S64, "s64", int)
    if isinstance(ty, T.String):

        def lower_s(store: Any, x: Any, v: Any) -> None:
            if not isinstance(x, str):
                raise TypeError(f"expected str, got {type(x).__name__}")
            v.kind = K_STRING
            v.of.string = _capi_bytes(x.encode("utf-8"))

        def lift_s(v: Any) -> Any:
            s = v.of.string
            return string_at(s.data, s.size).decode("utf-8")

        return lower_s, lift_s
    if isinstance(ty, T.EnumType):
        names = set(ty.names)

        def lower_e(store: Any, x: Any, v: Any) -> None:
            if x not in names:
                raise ValueError(f"{x!r} is not one of {sorted(names)}")
            v.kind = K_ENUM
            v.of.enumeration = _capi_bytes(x.encode("utf-8"))

        def lift_e(v: Any) -> Any:
            return _s(v.of.enumeration)

        return lower_e, lift_e
    if isinstance(ty, T.ListType):
        elem = ty.element
        if isinstance(elem, T.U8):
            pattern_kind = bytes([K_U8])

            def lower_b(store: Any, x: Any, v: Any) -> None:
                if not isinstance(x, (bytes, bytearray)):
                    raise TypeError(f"expected bytes, got {type(x).__name__}")
                n = len(x)
                raw = ffi.wasmtime_component_vallist_t()
                _list_new(raw, n)
                if n:
                    # The C API wants one SIZE-byte value per byte (its kind, then the u8 at OFF):
                    # filled in place, as a Python copy of that array would double the peak
                    # (a 1 MiB answer is 32 MiB of values).
                    addr = ctypes.cast(raw.data, ctypes.c_void_p).value
                    view = memoryview((ctypes.c_ubyte * (n * SIZE)).from_address(addr)).cast("B")
                    view[0::SIZE] = pattern_kind * n
                    view[OFF::SIZE] = x
                    view.release()
                v.kind = K_LIST
                v.of.list = raw

            def lift_b(v: Any) -> Any:
                lst = v.of.list
                n = lst.size
                if not n:
                    return b""
                return string_at(lst.data, n * SIZE)[OFF::SIZE]

            return lower_b, lift_b
        el_lower, el_lift = build(elem, cache)

        def lower_l(store: Any, x: Any, v: Any) -> None:
            if not isinstance(x, list):
                raise TypeError(f"expected list, got {type(x).__name__}")
            raw = ffi.wasmtime_component_vallist_t()
            _list_new(raw, len(x))
            data = raw.data
            for i, e in enumerate(x):
                el_lower(store, e, data[i])
            v.kind = K_LIST
            v.of.list = raw

        def lift_l(v: Any) -> Any:
            lst = v.of.list
            data = lst.data
            return [el_lift(data[i]) for i in range(lst.size)]

        return lower_l, lift_l
    if isinstance(ty, T.RecordType):
        fields = [(name, name.encode("utf-8")) + build(fty, cache) for name, fty in ty.fields]
        nf = len(fields)

        def lower_r(store: Any, x: Any, v: Any) -> None:
            raw = ffi.wasmtime_component_valrecord_t()
            _record_new(raw, nf)
            data = raw.data
            d = x.__dict__
            for i, (name, bname, lo, _) in enumerate(fields):
                entry = data[i]
                entry.name = _capi_bytes(bname)
                lo(store, d[name] if name in d else getattr(x, name), entry.val)
            v.kind = K_RECORD
            v.of.record = raw

        def lift_r(v: Any) -> Any:
            rec = v.of.record
            data = rec.data
            out = Record()
            d = out.__dict__
            for i, (name, _, _, li) in enumerate(fields):
                d[name] = li(data[i].val)
            return out

        return lower_r, lift_r
    if isinstance(ty, (T.VariantType, T.OptionType, T.ResultType)):
        cases = [(name, None if cty is None else build(cty, cache)) for name, cty in ty._cases()]
        tagged = _tagged(ty)
        by_name = {name: conv for name, conv in cases}
        if not tagged:
            # Untagged: pick the case by the Python class of the value, as wasmtime-py does.
            matchers = []
            for name, cty in ty._cases():
                if cty is None:
                    matchers.append((name, None))
                else:
                    s: set = set()
                    cty.add_classes(s)
                    matchers.append((name, tuple(s)))

        def pick(x: Any) -> Tuple[str, Any]:
            if tagged:
                if not isinstance(x, Variant):
                    raise TypeError("expected a Variant")
                if x.tag not in by_name:
                    raise ValueError(f"no case {x.tag!r}")
                return x.tag, x.payload
            for name, classes in matchers:
                if classes is None:
                    if x is None:
                        return name, None
                elif isinstance(x, classes):
                    return name, x
            raise ValueError(f"{type(x).__name__} fits no case")

        def payload_ptr(store: Any, name: str, payload: Any) -> Any:
            conv = by_name[name]
            if conv is None:
                return None
            tmp = VAL()
            conv[0](store, payload, tmp)
            return _val_new(byref(tmp))

        if isinstance(ty, T.OptionType):

            def lower_o(store: Any, x: Any, v: Any) -> None:
                name, payload = pick(x)
                v.kind = K_OPTION
                v.of.option = payload_ptr(store, name, payload) if name == "some" else None

            def lift_o(v: Any) -> Any:
                p = v.of.option
                if not p:
                    return Variant("none") if tagged else None
                val = by_name["some"][1](p.contents)
                return Variant("some", val) if tagged else val

            return lower_o, lift_o
        if isinstance(ty, T.ResultType):

            def lower_res(store: Any, x: Any, v: Any) -> None:
                name, payload = pick(x)
                v.kind = K_RESULT
                v.of.result.is_ok = name == "ok"
                v.of.result.val = payload_ptr(store, name, payload)

            def lift_res(v: Any) -> Any:
                r = v.of.result
                name = "ok" if r.is_ok else "err"
                conv = by_name[name]
                val = None if conv is None or not r.val else conv[1](r.val.contents)
                return Variant(name, val) if tagged else val

            return lower_res, lift_res

        def lower_v(store: Any, x: Any, v: Any) -> None:
            name, payload = pick(x)
            v.kind = K_VARIANT
            v.of.variant.discriminant = _capi_bytes(name.encode("utf-8"))
            v.of.variant.val = payload_ptr(store, name, payload)

        def lift_v(v: Any) -> Any:
            var = v.of.variant
            name = _s(var.discriminant)
            conv = by_name[name]
            val = None if conv is None or not var.val else conv[1](var.val.contents)
            return Variant(name, val) if tagged else val

        return lower_v, lift_v
    if isinstance(ty, (T.OwnType, T.BorrowType)):
        # Resources: wasmtime-py's own conversion for this node (it takes the handle's ownership).
        def lower_h(store: Any, x: Any, v: Any) -> None:
            ty.convert_to_c(store, x, ctypes.pointer(v))

        def lift_h(v: Any) -> Any:
            out = ty.convert_from_c(v)
            v.kind = K_BOOL  # the handle now belongs to `out`: keep the final delete off it
            return out

        return lower_h, lift_h
    raise Unsupported(type(ty).__name__)


class FastFunc:
    """A guest export called through the cached converters. Falls back to wasmtime-py's own
    path for types this module does not handle (resources)."""

    __slots__ = ("func", "lowers", "lift", "slow", "nparams")

    def __init__(self, func: Any, store: Any) -> None:
        self.func = func
        fty = func.type(store)
        cache: Dict[int, Tuple[Lower, Lift]] = {}
        try:
            self.lowers = [build(t, cache)[0] for _, t in fty.params]
            rt = fty.result
            self.lift = None if rt is None else build(rt, cache)[1]
            self.slow = False
        except Unsupported:
            self.lowers, self.lift, self.slow = [], None, True
        self.nparams = len(fty.params)

    def __call__(self, store: Any, *args: Any) -> Any:
        if self.slow:
            return self.func(store, *args)
        n = self.nparams
        if len(args) != n:
            raise TypeError(f"expected {n} arguments, got {len(args)}")
        params = (VAL * n)()
        done = 0
        try:
            for i in range(n):
                self.lowers[i](store, args[i], params[i])
                done += 1
            res = VAL()
            fptr = byref(self.func._func)
            ctx = store._context()
            has_result = self.lift is not None

            def run() -> Any:
                return ffi.wasmtime_component_func_call(fptr, ctx, params, n, byref(res) if has_result else None, 1 if has_result else 0)

            enter_wasm(run)
            if not has_result:
                return None
            try:
                return self.lift(res)
            finally:
                _val_delete(byref(res))
        finally:
            for i in range(done):
                _val_delete(byref(params[i]))


# ---------------------------------------------------------------------------------------------
# Host functions with cached converters.

_HOST: Dict[int, list] = {}
_next = [1]


@ffi.wasmtime_component_func_callback_t
def _host_impl(idx, context, ty_raw, args, nargs, results, nresults):  # type: ignore[no-untyped-def]
    def run(store: Any) -> None:
        entry = _HOST[idx or 0]
        fn, conv = entry
        if conv is None:
            with FuncType._from_ptr(ty_raw, owner=store) as fty:
                cache: Dict[int, Tuple[Lower, Lift]] = {}
                lifts = [build(t, cache)[1] for _, t in fty.params]
                rt = fty.result
                lower = None if rt is None else build(rt, cache)[0]
            conv = entry[1] = (lifts, lower)
        lifts, lower = conv
        pyargs = []
        for i in range(nargs):
            pyargs.append(lifts[i](args[i]))
        for i in range(nargs):
            _val_delete(ctypes.pointer(args[i]))
            args[i].kind = K_BOOL
        result = fn(store, *pyargs)
        if lower is not None:
            lower(store, result, results[0])

    return catch_exceptions(context, run)


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _host_finalize(idx):  # type: ignore[no-untyped-def]
    return None


def add_func(linker_instance: Any, name: str, fn: Callable[..., Any]) -> None:
    """`LinkerInstance.add_func`, with converters built once for the import's type."""
    linker_instance._assert_not_locked()
    idx = _next[0]
    _next[0] += 1
    _HOST[idx] = [fn, None]
    b = name.encode("utf-8")
    buf = ctypes.create_string_buffer(b)
    err = ffi.wasmtime_component_linker_instance_add_func(
        linker_instance.ptr(), buf, len(b), _host_impl, idx, _host_finalize
    )
    if err:
        from wasmtime import WasmtimeError

        raise WasmtimeError._from_ptr(err)
