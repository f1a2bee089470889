"""`AsyncClient`: the `Client`'s operations for asyncio.

Each operation is the component's sans-IO state machine (`operations.operation`: `start`, then
`advance(input, now)` until `done`, then `finish`), the one the Node host and the C ABI pump; the
component decides everything (validation, pre-flight, retries, `Retry-After`, deadlines,
reconciliation, Maskinporten grants) and this module only does the I/O it asks for: HTTP with
`httpx` (`_aio_http.HttpxTransport`), tokens, signatures, `asyncio.sleep`.

Component calls are synchronous and short (~0.2 ms a step, `AsyncClient._enter`): they run on
the event loop's thread, in one wasmtime store per client (one token cache for all its tasks),
under a lock so that two threads never enter it at once.

The methods' arguments are checked, and their tasks built, by `Client`'s own methods: each
`AsyncClient` method runs the `Client` method of the same name against a stand-in (`_Replay`)
whose `_run` answers with the results obtained so far and hands over the next task instead of
running it. So the two clients check the same things, send the same tasks and make the same of
the results.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import time
from types import SimpleNamespace
from typing import Any, AsyncIterator, Awaitable, Callable, List, Optional

from . import _args as A
from . import _wit
from . import errors as E
from ._aio_http import AsyncGrants, HttpxTransport
from ._runtime import _imp_send, _imp_sign, _imp_sleep, _imp_token
from .client import Client, Component
from .environments import Environment
from .models import RequestKind, SystemUserRequest
from .tokens import TokenLike

__all__ = ["AsyncClient", "HttpxTransport"]

#: Bytes of randomness each operation is seeded with (its grants' `jti`).
SEED_BYTES = 16


class _Capture(BaseException):
    """The next task of a borrowed `Client` method (a `BaseException`: no `except Exception` in
    between may catch it)."""

    def __init__(self, task: Any, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self.task, self.convert = task, convert


class _Replay(Client):
    """A `Client` whose `_run` replays `done` and then raises `_Capture` with the next task."""

    def __init__(self, component: Component, done: List[Any]) -> None:  # noqa: D107 - no Client.__init__
        self.component = component
        self._done = done
        self._at = 0

    def _run(self, task: Any, convert: Callable[[Any], Any] = _wit.outcome_from) -> Any:
        if self._at < len(self._done):
            self._at += 1
            return self._done[self._at - 1]
        raise _Capture(task, convert)

    def __repr__(self) -> str:
        return "AsyncClient._Replay()"


def _borrow(method: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """The `AsyncClient` method for a `Client` method (same signature, documentation and result)."""

    @functools.wraps(method)
    async def run(self: "AsyncClient", *args: Any, **kw: Any) -> Any:
        done: List[Any] = []
        while True:
            try:
                return method(_Replay(self.component, done), *args, **kw)
            except _Capture as c:
                task, convert = c.task, c.convert
            # Outside the handler: an error of the operation does not carry the capture along.
            done.append(await self._operate(task, convert))

    run.__qualname__ = f"AsyncClient.{method.__name__}"
    return run


class _Settled:
    """A token provider, signer or timer whose answer is already known (awaited, raised or
    recorded): lets the synchronous host's import bodies (`_runtime._imp_*`) judge it, so both
    clients answer the component alike."""

    def __init__(self, value: Any = None, error: Optional[BaseException] = None) -> None:
        self.value, self.error = value, error

    def _answer(self, *_: Any, **__: Any) -> Any:
        if self.error is not None:
            raise self.error
        return self.value

    get_token = sign = send = _answer


async def _settle(fn: Callable[..., Any], *args: Any) -> _Settled:
    """`fn(*args)` (awaited when it returns an awaitable) as a `_Settled`."""
    try:
        got = fn(*args)
        if inspect.isawaitable(got):
            got = await got
        return _Settled(got)
    except Exception as e:
        return _Settled(error=e)


def _judged(import_body: Callable[..., Any], host: Any, *args: Any) -> Any:
    """What the sync host's import would answer (`_runtime._imp_*`, undecorated)."""
    return import_body.__wrapped__(host, *args)


#: The options whose kind differs from `Client`'s.
_ASYNC_OPTIONS = {
    "sleep": {"default": asyncio.sleep, "annotation": "Callable[[float], Awaitable[Any]]"},
    "transport": {"annotation": "Optional[HttpxTransport]"},
}


class AsyncClient:
    """`Client` for asyncio: the same options, methods and results, each method a coroutine.

    ```python
    async with AsyncClient(Environment.TT02, maskinporten=Maskinporten(
            "my-client-id", RsaSigner.from_file("key.pem", kid="my-kid"))) as client:
        created = await asyncio.gather(*(client.create_standard_request(r) for r in requests))
    ```

    Options as for `Client`, except:

    - `transport`: anything with `async send(method, url, headers, body, timeout,
      max_response_bytes=...)`; default `HttpxTransport()` (`httpx.AsyncClient`; pass
      `HttpxTransport(your_httpx_client)` for your own proxies and certificates);
    - `sleep`: `async (seconds) -> None`, default `asyncio.sleep`;
    - `token`: a provider's `get_token(scopes)` (or the callable) may be `async`; a synchronous
      one runs on the event loop, so it should answer from its cache (`SimulatorToken` does);
      a signer's `sign` may be `async` too (a KMS).

    One client serves any number of concurrent tasks on one event loop: one store, so one token
    cache, and one Maskinporten grant in flight per grant (`AsyncGrants`). A cancelled task
    leaves the client usable. `async with` closes the HTTP connections it made.
    """

    def __init__(self, environment: Environment, token: Optional[TokenLike] = None, **options: Any) -> None:
        # The options are `Client`'s (one list, checked there), `sleep` aside (see `__signature__`).
        options.setdefault("sleep", asyncio.sleep)
        transport = options.get("transport")
        if transport is not None and not inspect.iscoroutinefunction(getattr(transport, "send", None)):
            raise TypeError(
                "transport must have an async send(method, url, headers, body, timeout, max_response_bytes) "
                f"method, not {A._what(transport)}"
            )
        self._own_transport = transport is None
        self.transport = transport or HttpxTransport()
        # The sync client checks every option and keeps the config, tokens and stats; it never
        # sends (its transport is this one, and its `_run` is never called).
        self._core = Client(environment, token, **dict(options, transport=self.transport))
        core = self._core
        self.environment, self.maskinporten, self.component, self.stats = (
            core.environment, core.maskinporten, core.component, core.stats
        )
        # One store for all the client's tasks (the component keeps its token cache there).
        sessions = core.component._sessions
        self.session = core.component.runtime.session(sessions.fuel, sessions.memory_limit)
        self._store_lock = threading.Lock()
        self._sleep = options["sleep"]
        self.grants = AsyncGrants()
        #: Calls into the store (each operation: constructor, start, one advance a step, finish).
        self.component_calls = 0
        self._closed = False

    __init__.__signature__ = (lambda sig: sig.replace(parameters=[  # type: ignore[attr-defined]
        p.replace(**_ASYNC_OPTIONS[p.name]) if p.name in _ASYNC_OPTIONS else p for p in sig.parameters.values()
    ]))(inspect.signature(Client.__init__))

    # -- lifetime ------------------------------------------------------------------------------

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes the HTTP connections of the transport this client made (one you passed in is
        yours to close) and drops its store. A closed client refuses further calls
        (`RuntimeError`)."""
        if self._closed:
            return
        self._closed = True
        with self._store_lock:
            self.session.reset()
        if self._own_transport:
            await self.transport.aclose()

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        return "Async" + repr(self._core)

    # -- the one place that runs an operation ---------------------------------------------------

    def _component(self, name: str, *args: Any, inst: Any = None) -> Any:
        """One call into the store, never two at once. With `inst`: only while the store is the
        one the operation lives in (a trap in another task's call rebuilds it)."""
        with self._store_lock:
            if inst is not None and self.session._inst is not inst:
                raise E.ComponentTrapError(
                    "the component was rebuilt after a trap in another call of this client; this operation was lost with it"
                )
            self.component_calls += 1
            return self.session.call(None, "operations", name, *args, then=lambda i, out: (i, out))

    async def _enter(self, name: str, *args: Any, inst: Any = None) -> Any:
        """A component call from `_operate`, on the loop's thread. Measured against handing each
        call to a worker thread (`bench_async.py`): ~0.15-0.2 ms a call, mostly value conversion
        under the GIL; 200 creates with no added latency took 0.53-0.56 s here and 0.68-0.77 s with
        the thread, and no less with 50 ms latency. It also keeps a grant's answer and its entry
        into the token cache in one uninterrupted run (with the thread, a task could ask for the
        same grant in between: 3 grants instead of 2)."""
        return self._component(name, *args, inst=inst)

    async def _operate(self, task: Any, convert: Callable[[Any], Any] = _wit.outcome_from) -> Any:
        if self._closed:
            raise RuntimeError("this AsyncClient is closed (its `async with` block ended, or aclose() was called): make a new one")
        core = self._core
        config = core._current_config()
        signer = None if self.maskinporten is None else self.maskinporten.signer
        sent, host_s, comp_s = 0, 0.0, 0.0
        inst = op = None
        t0 = time.perf_counter()
        try:
            now = _wit.wall_time(core._clock())
            seed = bytes(core._random_bytes(SEED_BYTES))
            inst, op = await self._enter("[constructor]operation", config, task, now, seed)
            raw = (await self._enter("[method]operation.start", op, inst=inst))[1]
            comp_s += time.perf_counter() - t0
            while True:
                case, payload = _wit.step_from(raw)
                if case == "done":
                    break
                t1 = time.perf_counter()
                if case == "send":
                    sent += 1
                    method, url, headers, body, timeout, cap = payload
                    got = await _settle(self.grants.send, self.transport, method, url, headers, body, timeout, cap)
                    v = _judged(_imp_send, SimpleNamespace(transport=got, send_takes_cap=True, requests_sent=0), raw)
                    given = _wit.operation_input("response" if v.tag == "ok" else "transport-failed", v.payload)
                elif case == "need-token":
                    got = await _settle(core._token.get_token, payload) if core._token is not None else None
                    v = _judged(_imp_token, SimpleNamespace(token_provider=got), payload)
                    given = _wit.operation_input("token" if v.tag == "ok" else "token-failed", v.payload)
                elif case == "sign":
                    got = None if signer is None else await _settle(signer.sign, payload)
                    v = _judged(_imp_sign, SimpleNamespace(signer=got), payload)
                    given = _wit.operation_input("signature" if isinstance(v, bytes) else "sign-failed", v)
                else:  # wait
                    asked = _Settled()
                    _judged(_imp_sleep, SimpleNamespace(sleep=lambda s: setattr(asked, "value", s)), payload)
                    await self._sleep(asked.value)
                    given = _wit.operation_input("waited")
                t2 = time.perf_counter()
                host_s += t2 - t1
                raw = (await self._enter("[method]operation.advance", op, given, _wit.wall_time(core._clock()), inst=inst))[1]
                comp_s += time.perf_counter() - t2
            t3 = time.perf_counter()
            r = (await self._enter("[method]operation.finish", op, inst=inst))[1]
            comp_s += time.perf_counter() - t3
        finally:
            if op is not None:
                with self._store_lock:
                    if self.session._inst is inst:
                        try:
                            op.drop(inst.store)
                        except Exception:  # a store that trapped meanwhile: nothing to free
                            pass
            with core._stats_lock:  # `Stats` as Client keeps them; here the time is the component's plus the awaits'
                s = self.stats
                s.operations += 1
                s.total_seconds += comp_s + host_s
                s.host_seconds += host_s
                s.http_requests += sent
        return _wit.result(r, convert)

    # -- operations: `Client`'s, run here (see the module's note) -------------------------------

    create_standard_request = _borrow(Client.create_standard_request)
    create_agent_request = _borrow(Client.create_agent_request)
    create_request = _borrow(Client.create_request)
    get_request = _borrow(Client.get_request)
    get_request_by_external_ref = _borrow(Client.get_request_by_external_ref)
    list_requests = _borrow(Client.list_requests)
    list_all_requests = _borrow(Client.list_all_requests)
    withdraw_request = _borrow(Client.withdraw_request)
    verify_system_user = _borrow(Client.verify_system_user)
    list_system_users = _borrow(Client.list_system_users)
    list_all_system_users = _borrow(Client.list_all_system_users)
    get_registered_system = _borrow(Client.get_registered_system)
    system_user_token = _borrow(Client.system_user_token)
    create_change_request = _borrow(Client.create_change_request)
    get_change_request = _borrow(Client.get_change_request)
    get_change_request_by_external_ref = _borrow(Client.get_change_request_by_external_ref)
    list_change_requests = _borrow(Client.list_change_requests)
    withdraw_change_request = _borrow(Client.withdraw_change_request)
    list_systems = _borrow(Client.list_systems)
    register_system = _borrow(Client.register_system)
    update_system = _borrow(Client.update_system)
    set_system_rights = _borrow(Client.set_system_rights)
    set_system_access_packages = _borrow(Client.set_system_access_packages)
    delete_system = _borrow(Client.delete_system)
    system_changelog = _borrow(Client.system_changelog)
    list_agents = _borrow(Client.list_agents)
    list_available_clients = _borrow(Client.list_available_clients)
    list_clients = _borrow(Client.list_clients)
    add_client = _borrow(Client.add_client)
    remove_client = _borrow(Client.remove_client)

    # -- what awaits between operations ---------------------------------------------------------

    def iter_requests(self, system_id: str, kind: RequestKind = RequestKind.STANDARD, *, page: Optional[str] = None) -> AsyncIterator[SystemUserRequest]:
        """As `Client.iter_requests` (which checks the arguments here), for `async for`."""
        Client.iter_requests(self._checks(), system_id, kind, page=page)  # a generator not started: checks only
        return self._walk(lambda token: self.list_requests(system_id, kind, page=token), page)

    def iter_system_users(self, system_id: str, *, page: Optional[str] = None) -> AsyncIterator[Any]:
        """As `Client.iter_system_users`, for `async for`."""
        Client.iter_system_users(self._checks(), system_id, page=page)
        return self._walk(lambda token: self.list_system_users(system_id, page=token), page)

    def _checks(self) -> _Replay:
        """A stand-in on which a `Client` method checks its arguments and stops at its first
        operation (`_Capture`)."""
        return _Replay(self.component, [])

    @staticmethod
    async def _walk(fetch: Callable[[Optional[str]], Awaitable[Any]], token: Optional[str]) -> AsyncIterator[Any]:
        # `Client._walk`'s rules: de-duplicated by id, ended by a page with nothing new.
        seen: set = set()
        while True:
            p = await fetch(token)
            fresh = [x for x in p.items if x.id not in seen]
            seen.update(x.id for x in fresh)
            for x in fresh:
                yield x
            if not p.next_page or not fresh or p.next_page == token:
                return
            token = p.next_page

    async def wait_for_decision(self, request_id: str, **options: Any) -> SystemUserRequest:
        """As `Client.wait_for_decision`, with the same options (`on_progress` may be `async`);
        sleeps with this client's `sleep`. Cancel the task to stop waiting."""
        try:  # `Client.wait_for_decision` checks the arguments, and stops at its first read
            Client.wait_for_decision(self._checks(), request_id, **options)
        except _Capture:
            pass
        given = inspect.signature(Client.wait_for_decision).bind(self, request_id, **options)
        given.apply_defaults()
        o = given.arguments
        kind, timeout, interval, max_interval, on_progress = (o[k] for k in ("kind", "timeout", "interval", "max_interval", "on_progress"))
        start = time.monotonic()
        wait = interval

        async def look() -> SystemUserRequest:
            req = await self.get_request(request_id, kind)
            if on_progress is not None:
                shown = on_progress(req, time.monotonic() - start)
                if inspect.isawaitable(shown):
                    await shown
            return req

        req = await look()
        while not req.is_terminal:
            elapsed = time.monotonic() - start
            if timeout is not None and elapsed + wait > timeout:
                if elapsed < timeout:  # one last look at the deadline
                    await self._sleep(max(0.0, timeout - elapsed))
                    req = await look()
                    if req.is_terminal:
                        break
                raise E.DecisionTimeoutError(
                    f"request {request_id} is still {req.effective_status.value} after {timeout:g} s: the customer "
                    "has not decided yet (wait again later, or send them the confirm link again)",
                    req,
                )
            await self._sleep(wait)
            wait = min(wait * 1.5, max(max_interval, interval))
            req = await look()
        return req

    wait_for_decision.__signature__ = inspect.signature(Client.wait_for_decision).replace(  # type: ignore[attr-defined]
        return_annotation="SystemUserRequest"
    )

    # -- offline helpers (no network) -----------------------------------------------------------

    validate = Client.validate
