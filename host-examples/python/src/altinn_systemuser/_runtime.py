"""Loading and running the component: one compiled component per process, one `Store` per
unit of work, and the imports it needs (`http`, `token`, `timer`, `clock`, `random` for each
operation's deadline and seed, and `signer` for Maskinporten grants), nothing else.

A unit of work is a `Session`: a store with its instance, used by one thread. A trap (fuel or
memory exhausted, a guest panic, a host function that blew up) poisons a wasmtime store, so
the session drops it and the next call builds a new one; the caller gets
`ComponentTrapError`.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import wasmtime
from wasmtime import component as wc
from wasmtime.component import Variant

from . import _codec, _compiled, _wit
from . import errors as E
from .maskinporten import NO_KEY_MESSAGE, SystemClock

log = logging.getLogger("altinn_systemuser")

COMPONENT_ENV = "SYSTEMUSER_COMPONENT"
#: The earlier name of COMPONENT_ENV, still read when that is unset.
OLD_COMPONENT_ENV = "ALTINN_SYSTEMUSER_COMPONENT"
COMPONENT_FILE = "altinn_systemuser.wasm"
PACKAGE = "altinn:systemuser"
VERSION = "0.1.0"

#: Fuel per component call (roughly instructions); a runaway guest traps instead of hanging.
DEFAULT_FUEL = 10_000_000_000
#: Linear memory limit per store.
DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024


def _iface(name: str) -> str:
    return f"{PACKAGE}/{name}@{VERSION}"


def locate_component(path: Optional[os.PathLike] = None) -> Path:
    """The component file: `path`, else `$SYSTEMUSER_COMPONENT` (or its old name `$ALTINN_SYSTEMUSER_COMPONENT`), else the copy bundled in
    this package, else `target/wasm/altinn_systemuser.wasm` of the repository this package sits
    in (an editable install)."""
    tried = []
    if path is not None:
        p = Path(path)
        if p.is_file():
            return p
        raise E.ComponentNotFoundError(f"no component at {p}")
    env = os.environ.get(COMPONENT_ENV) or os.environ.get(OLD_COMPONENT_ENV)
    if env:
        p = Path(env)
        if p.is_file():
            return p
        raise E.ComponentNotFoundError(f"${COMPONENT_ENV} names {p}, which is not a file")
    here = Path(__file__).resolve().parent
    bundled = here / COMPONENT_FILE
    tried.append(str(bundled))
    if bundled.is_file():
        return bundled
    for parent in here.parents:
        cand = parent / "target" / "wasm" / COMPONENT_FILE
        if (parent / "wit").is_dir() or cand.is_file():
            tried.append(str(cand))
            if cand.is_file():
                return cand
    raise E.ComponentNotFoundError(
        f"no component found (tried {', '.join(tried)}): build it with `make component` "
        f"or set ${COMPONENT_ENV}"
    )


# ---------------------------------------------------------------------------------------------
# The host side of the imports. The linker is shared, so its functions find the host of the
# call in progress through a thread-local.

_current = threading.local()


class Host:
    """What the component's imports do during one call: the token provider (or the Maskinporten
    signer), the transport, the timer, the clock and the randomness, plus time accounting (how
    long the call spent outside the component). The transport gets each request's timeout (the
    whole exchange) and answer cap."""

    __slots__ = (
        "token_provider", "transport", "sleep", "signer", "clock", "random_bytes",
        "host_seconds", "pending", "requests_sent", "send_takes_cap",
    )

    def __init__(
        self,
        token_provider: Any,
        transport: Any,
        sleep: Callable[[float], None] = time.sleep,
        *,
        signer: Any = None,
        clock: Callable[[], Any] = SystemClock(),
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self.token_provider = token_provider
        self.transport = transport
        self.send_takes_cap = accepts_answer_cap(transport)
        self.sleep = sleep
        self.signer = signer
        self.clock = clock
        self.random_bytes = random_bytes
        self.host_seconds = 0.0
        self.requests_sent = 0
        #: An exception raised where the import cannot answer with an error (Ctrl-C anywhere, a
        #: failing clock), re-raised after the trap it causes.
        self.pending: Optional[BaseException] = None


def _host() -> Host:
    h = getattr(_current, "host", None)
    if h is None:  # the component called an import outside a call: refuse loudly (traps)
        raise RuntimeError("no host for this call")
    return h


def _import(fn: Callable[..., Any]) -> Callable[..., Any]:
    """An import's body runs with the call's host and its time is counted. Failures the WIT lets
    it report are caught inside `fn`; anything else escaping it traps the call, and is re-raised
    to the caller after the store is dropped."""

    @functools.wraps(fn)
    def run(store: Any, *args: Any) -> Any:
        h = _host()
        t0 = time.perf_counter()
        try:
            return fn(h, *args)
        except BaseException as e:
            h.pending = e
            raise RuntimeError("interrupted") from None
        finally:
            h.host_seconds += time.perf_counter() - t0

    return run


def accepts_answer_cap(transport: Any) -> bool:
    """Whether `transport.send` takes `max_response_bytes` (transports written before the cap
    existed take five arguments; their answers are checked against the cap afterwards)."""
    cls = type(transport)
    hit = _ACCEPTS_CAP.get(cls)
    if hit is None:
        try:
            params = inspect.signature(transport.send).parameters.values()
            hit = any(p.name == "max_response_bytes" or p.kind is p.VAR_KEYWORD for p in params)
        except (TypeError, ValueError):
            hit = False
        _ACCEPTS_CAP[cls] = hit
    return hit


_ACCEPTS_CAP: Dict[type, bool] = {}


@_import
def _imp_send(h: Host, req: Any) -> Any:
    try:
        method, url, headers, body, timeout, cap = _wit.http_request_from(req)
        h.requests_sent += 1  # every exchange tried, answered or not
        if h.send_takes_cap:
            status, rheaders, rbody = h.transport.send(method, url, headers, body, timeout, max_response_bytes=cap)
        else:
            status, rheaders, rbody = h.transport.send(method, url, headers, body, timeout)
        if len(rbody) > cap:  # a transport that read past the cap: the answer is still refused
            return Variant("err", _wit.transport_failure("too-large", f"the answer is longer than {cap} bytes"))
        return Variant("ok", _wit.http_response(status, rheaders, rbody))
    except E.TransportError as e:
        return Variant("err", _wit.transport_failure(e.kind.value, e.reason))
    except Exception as e:  # a transport bug must not trap: report it as `other`
        return Variant("err", _wit.transport_failure("other", E.scrub(f"{type(e).__name__}: {e}")))


@_import
def _imp_token(h: Host, scopes: Sequence[str]) -> Any:
    if h.token_provider is None:  # Maskinporten mode: the component never asks
        return Variant("err", "this client has no token provider (it gets its tokens from Maskinporten)")
    try:
        tok = h.token_provider.get_token(list(scopes))
        if not isinstance(tok, str):
            return Variant("err", f"the token provider returned {type(tok).__name__}, not a string")
        return Variant("ok", tok)
    except Exception as e:
        # A provider may have put a credential into its message.
        return Variant("err", E.provider_failure("the token provider", e))


@_import
def _imp_sleep(h: Host, ms: int) -> None:
    h.sleep(min(ms, 60_000) / 1000.0)


@_import
def _imp_sign(h: Host, data: bytes) -> Any:
    if h.signer is None:
        return _wit.sign_result(error=NO_KEY_MESSAGE)
    try:
        return _wit.sign_result(h.signer.sign(data))
    except Exception as e:
        return _wit.sign_result(error=E.provider_failure("the signer", e))


@_import
def _imp_now(h: Host) -> Any:
    # The WIT clock cannot fail: a clock that raises (or returns nonsense) traps the call.
    return _wit.wall_time(h.clock())


@_import
def _imp_random(h: Host, n: int) -> bytes:
    # The WIT randomness cannot fail either; a short answer is caught by the component.
    return bytes(h.random_bytes(min(n, 4096)))


class Runtime:
    """A compiled component and a linker with the host imports. Compile once; share freely."""

    _cache: Dict[Tuple[str, bool, bool], "Runtime"] = {}
    _cache_lock = threading.Lock()

    def __init__(self, path: Path, fuel: bool = True, fast: bool = True) -> None:
        cfg = wasmtime.Config()
        cfg.consume_fuel = fuel
        self.path = path
        self.fuel = fuel
        #: Cached value converters (`_codec`) instead of wasmtime-py's per-node type queries.
        self.fast = fast
        self.engine = wasmtime.Engine(cfg)
        t0 = time.perf_counter()
        try:
            wasm = Path(path).read_bytes()
            # Compiled once per machine into the user's cache (`_compiled`), then loaded from it.
            self.component, self.from_cache = _compiled.load_or_compile(self.engine, wasm, fuel, _compiled.default_cache_dir())
        except OSError as e:
            raise E.ComponentError(f"{path} cannot be read: {e.strerror}") from None
        except wasmtime.WasmtimeError as e:
            raise E.ComponentError(f"{path} is not a usable component: {e}") from None
        #: Seconds spent compiling, or loading the compiled component from the cache.
        self.compile_seconds = time.perf_counter() - t0
        self.linker = wc.Linker(self.engine)
        def add(inst: Any, name: str, fn: Callable[..., Any]) -> None:
            if fast:
                _codec.add_func(inst, name, fn)
            else:
                inst.add_func(name, fn)

        with self.linker.root() as root:
            with root.add_instance(_iface("http")) as i:
                add(i, "send", _imp_send)
            with root.add_instance(_iface("token")) as i:
                add(i, "access-token", _imp_token)
            with root.add_instance(_iface("timer")) as i:
                add(i, "sleep", _imp_sleep)
            with root.add_instance(_iface("signer")) as i:
                add(i, "sign", _imp_sign)
            with root.add_instance(_iface("clock")) as i:
                add(i, "now", _imp_now)
            with root.add_instance(_iface("random")) as i:
                add(i, "random-bytes", _imp_random)

    @classmethod
    def get(cls, path: Optional[os.PathLike] = None, fuel: bool = True, fast: bool = True) -> "Runtime":
        p = locate_component(path).resolve()
        key = (str(p), fuel, fast)
        with cls._cache_lock:
            rt = cls._cache.get(key)
            if rt is None:
                rt = cls._cache[key] = Runtime(p, fuel, fast)
            return rt

    def session(self, fuel: Optional[int] = DEFAULT_FUEL, memory_limit: int = DEFAULT_MEMORY_LIMIT) -> "Session":
        return Session(self, fuel, memory_limit)


class _Instance:
    __slots__ = ("store", "instance", "funcs", "calls", "fast")

    def __init__(self, rt: Runtime, memory_limit: int) -> None:
        self.store = wasmtime.Store(rt.engine)
        self.store.set_limits(memory_size=memory_limit)
        if rt.fuel:
            self.store.set_fuel(DEFAULT_FUEL)
        try:
            self.instance = rt.linker.instantiate(self.store, rt.component)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as e:
            raise E.ComponentError(f"the component cannot be instantiated: {e}") from None
        self.funcs: Dict[Tuple[str, str], Any] = {}
        self.calls = 0
        self.fast = rt.fast

    def func(self, iface: str, name: str) -> wc.Func:
        key = (iface, name)
        f = self.funcs.get(key)
        if f is None:
            idx = self.instance.get_export_index(self.store, _iface(iface))
            fidx = self.instance.get_export_index(self.store, name, idx) if idx is not None else None
            f = self.instance.get_func(self.store, fidx) if fidx is not None else None
            if f is None:
                raise E.ComponentError(f"the component does not export {iface}#{name}")
            if self.fast:
                f = _codec.FastFunc(f, self.store)
            self.funcs[key] = f
        return f


def _trap_message(e: BaseException) -> str:
    """The cause of a wasmtime error without its backtrace, e.g. `wasm trap: all fuel consumed`."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    if not lines:
        return type(e).__name__
    if "Caused by:" in lines:
        cause = lines[lines.index("Caused by:") + 1 :]
        if cause:
            return "; ".join(cause[:3])
    trap_code = getattr(e, "trap_code", None)
    return lines[-1] if trap_code is None else f"{lines[0]} ({trap_code})"


class Session:
    """One store (a unit of work) for one thread at a time. Rebuilt after a trap."""

    def __init__(self, rt: Runtime, fuel: Optional[int], memory_limit: int) -> None:
        self.runtime = rt
        self.fuel = fuel
        self.memory_limit = memory_limit
        self._inst: Optional[_Instance] = None
        self.instantiations = 0
        self.traps = 0

    def _instance(self) -> _Instance:
        inst = self._inst
        if inst is None:
            inst = self._inst = _Instance(self.runtime, self.memory_limit)
            self.instantiations += 1
        return inst

    def reset(self) -> None:
        """Drops the store; the next call builds a new one."""
        self._inst = None

    def call(self, host: Optional[Host], iface: str, name: str, *args: Any, then: Optional[Callable] = None) -> Any:
        """Calls one export. `then(instance, result)`, if given, runs inside the same store
        before it is released (for resource methods)."""
        inst = self._instance()
        if self.runtime.fuel:
            inst.store.set_fuel(self.fuel if self.fuel is not None else DEFAULT_FUEL)
        prev = getattr(_current, "host", None)
        _current.host = host
        try:
            out = inst.func(iface, name)(inst.store, *args)
            if then is not None:
                out = then(inst, out)
            inst.calls += 1
            return out
        except E.SystemUserError:
            raise
        except BaseException as e:
            # Whatever went wrong inside a call (a trap, or a host function that raised), the
            # store may be poisoned: drop it.
            self._inst = None
            self.traps += 1
            if host is not None and host.pending is not None:
                pending, host.pending = host.pending, None
                raise pending from None
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            msg = E.scrub(_trap_message(e))
            log.warning("component trap in %s#%s: %s (store rebuilt)", iface, name, msg)
            raise E.ComponentTrapError(f"the component trapped in {iface}#{name}: {msg}") from None
        finally:
            _current.host = prev

    def run_task(self, host: Host, config: Any, task: Any) -> Any:
        """`client.run(config, task)`, then `finish()` on the operation, in one store."""

        def finish(inst: _Instance, op: Any) -> Any:
            try:
                return inst.func("operations", "[method]operation.finish")(inst.store, op)
            finally:
                op.drop(inst.store)

        return self.call(host, "client", "run", config, task, then=finish)
