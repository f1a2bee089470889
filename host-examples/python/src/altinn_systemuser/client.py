"""The client: every Altinn operation is one coarse call into the component
(`client.run` + `finish`), which does validation, the wire protocol, retries, reconciliation and
pagination, and asks this host for tokens and HTTP through its imports.

`Component` holds the offline half (validation, lifecycle, the sans-IO protocol) for code that
needs no network.
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets
import threading
import time
import dataclasses
import re
from typing import Any, Callable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _args as A
from . import defaults
from . import _wit
from . import errors as E
from ._runtime import DEFAULT_FUEL, DEFAULT_MEMORY_LIMIT, Host, Runtime, Session
from .environments import Environment
from .maskinporten import Maskinporten, SystemClock, key_identity_of
from .models import (
    AccessToken,
    AgentRequest,
    AgentSystemUser,
    Bureau,
    BureauClient,
    ChangeRequest,
    ChangeRequestList,
    ChangeResult,
    ClientLink,
    ClientList,
    CreatedRequest,
    PackageLike,
    Page,
    RegisteredSystem,
    RequestKind,
    RequestStatus,
    RightLike,
    StandardRequest,
    SystemChange,
    SystemRegistration,
    SystemUpdate,
    SystemUser,
    SystemUserChangeRequest,
    SystemUserRequest,
    Violation,
    _package_list,
    _rights_list,
)
from .tokens import TokenLike, as_token_provider
from ._grants import SharedGrants
from .transport import RequestsTransport, Transport

__all__ = ["Client", "Component", "Stats"]

DEFAULT_TIMEOUT_WINDOW = 180 * 86400

# The core's defaults (`Config::new`), kept in one place: `defaults.py`.
DEFAULT_TIMEOUT = defaults.TIMEOUT
DEFAULT_DEADLINE = defaults.DEADLINE
DEFAULT_RETRIES = defaults.RETRIES
DEFAULT_BACKOFF = defaults.BACKOFF


def _ms(seconds: float) -> int:
    """Seconds as the u32 milliseconds of the config."""
    if seconds < 0:
        raise ValueError("timeouts, deadlines and back-offs cannot be negative")
    return min(int(round(seconds * 1000)), 2**32 - 1)


_LIFECYCLE_EVENTS = ("approve", "reject", "time-out", "escalate")


class Stats:
    """Where the time of a client's calls went."""

    __slots__ = ("operations", "total_seconds", "host_seconds", "http_requests")

    def __init__(self) -> None:
        self.operations = 0
        #: Wall time inside component calls, including the host functions they called.
        self.total_seconds = 0.0
        #: Of that, time in host functions (HTTP, tokens, back-off sleeps).
        self.host_seconds = 0.0
        #: HTTP exchanges tried (answered or failed).
        self.http_requests = 0

    @property
    def component_seconds(self) -> float:
        """Time in the component and in value conversion (total minus host functions)."""
        return self.total_seconds - self.host_seconds

    def as_dict(self) -> dict:
        return {
            "operations": self.operations,
            "total_seconds": self.total_seconds,
            "host_seconds": self.host_seconds,
            "component_seconds": self.component_seconds,
            "http_requests": self.http_requests,
        }

    def __repr__(self) -> str:
        return f"Stats({self.as_dict()})"


class _Sessions:
    """One store per thread (a `Session`), created on first use and rebuilt after a trap."""

    def __init__(self, runtime: Runtime, fuel: Optional[int], memory_limit: int) -> None:
        self.runtime = runtime
        self.fuel = fuel
        self.memory_limit = memory_limit
        self._local = threading.local()

    def get(self) -> Session:
        s = getattr(self._local, "s", None)
        if s is None:
            s = self._local.s = self.runtime.session(self.fuel, self.memory_limit)
        return s


_ORG_NO = re.compile(r"^(0192:)?[0-9]{9}$")


def _agent_id(agent: Union[str, SystemUser]) -> str:
    if isinstance(agent, SystemUser):
        return agent.id
    if not isinstance(agent, str):
        raise TypeError(f"agent must be an agent system user's id (str) or the AgentSystemUser, not {A._what(agent)}")
    return agent.strip()


def _standard(request: Any, name: str = "request") -> StandardRequest:
    if isinstance(request, StandardRequest):
        return request
    if isinstance(request, Mapping):
        return StandardRequest.from_dict(request)
    raise TypeError(f"{name} must be a StandardRequest or a dict in Altinn's shape ({{\"systemId\", \"partyOrgNo\", …}}), not {A._what(request)}")


def _agent(request: Any, name: str = "request") -> AgentRequest:
    if isinstance(request, AgentRequest):
        return request
    if isinstance(request, Mapping):
        return AgentRequest.from_dict(request)
    raise TypeError(f"{name} must be an AgentRequest or a dict in Altinn's shape ({{\"systemId\", \"partyOrgNo\", …}}), not {A._what(request)}")


def _either(request: Any, name: str = "request") -> Union[StandardRequest, AgentRequest]:
    """A `StandardRequest`, an `AgentRequest`, or a dict (a standard request's body)."""
    if isinstance(request, (StandardRequest, AgentRequest)):
        return request
    if isinstance(request, Mapping):
        return StandardRequest.from_dict(request)
    raise TypeError(
        f"{name} must be a StandardRequest, an AgentRequest or a dict in Altinn's shape, not {A._what(request)}"
    )


def _kind_arg(kind: Any) -> RequestKind:
    return A.choice("kind", kind, RequestKind)


def _status_arg(status: Any, name: str = "status") -> RequestStatus:
    """A status as the member or as Altinn spells it (`"Accepted"`, `"Timedout"`/`"TimedOut"`)."""
    return A.choice(name, status, RequestStatus)


def _system_user_request(request: Any) -> SystemUserRequest:
    if isinstance(request, SystemUserRequest):
        return request
    if isinstance(request, Mapping):
        return SystemUserRequest.from_dict(request)
    raise TypeError(f"request must be a SystemUserRequest or a dict in Altinn's shape, not {A._what(request)}")


def _now_arg(now: Any) -> Optional[_dt.datetime]:
    return A.instance("now", now, _dt.datetime, optional=True)


def _system_arg(system: Any, name: str = "system") -> RegisteredSystem:
    if isinstance(system, (RegisteredSystem, Mapping)):
        return RegisteredSystem.from_json(system)
    raise TypeError(f"{name} must be a RegisteredSystem or a dict in Altinn's shape, not {A._what(system)}")


def _change_arg(change: Any) -> ChangeRequest:
    if isinstance(change, ChangeRequest):
        return change
    if isinstance(change, Mapping):
        return ChangeRequest.from_dict(change)
    raise TypeError(f"change must be a ChangeRequest or a dict ({{\"systemId\", \"partyOrgNo\", …}}), not {A._what(change)}")


def _req_kind(req: Any) -> RequestKind:
    return RequestKind.AGENT if isinstance(req, AgentRequest) else RequestKind.STANDARD


class Component:
    """The component's offline exports: validation, lifecycle and the sans-IO protocol.

    `component` is a path to the `.wasm` file (default: see `locate_component`). `fuel` bounds
    the work of one call (`None`: unbounded); a call that exhausts it raises
    `ComponentTrapError` and the next call gets a fresh store.
    """

    def __init__(
        self,
        component: Optional[os.PathLike] = None,
        *,
        fuel: Optional[int] = DEFAULT_FUEL,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        fast_codec: bool = True,
    ) -> None:
        self.runtime = Runtime.get(component, fuel=fuel is not None, fast=fast_codec)
        self._sessions = _Sessions(self.runtime, fuel, memory_limit)

    @property
    def path(self) -> str:
        return str(self.runtime.path)

    @property
    def session(self) -> Session:
        """This thread's session (store)."""
        return self._sessions.get()

    def _call(self, iface: str, name: str, *args: Any) -> Any:
        return self._sessions.get().call(None, iface, name, *args)

    # -- validation ---------------------------------------------------------------------------

    def validate(
        self, request: Union[StandardRequest, AgentRequest], system: Optional[RegisteredSystem] = None
    ) -> Union[StandardRequest, AgentRequest]:
        """Normalises and validates a create request (with `system`: also against the vendor's
        registered system). Returns the normalised request; raises `ValidationError`. A dict in
        Altinn's shape is read as a standard request."""
        request = _either(request)
        sys_val = None if system is None else _wit.registered_system(_system_arg(system))
        if isinstance(request, AgentRequest):
            r = self._call("validation", "validate-agent-request", _wit.agent_input(request), sys_val)
            conv = _wit.agent_input_from
        else:
            r = self._call("validation", "validate-standard-request", _wit.standard_input(request), sys_val)
            conv = _wit.standard_input_from
        if isinstance(r, list):
            raise E.ValidationError(_wit.violations_from(r))
        return conv(r)

    def validate_json(self, kind: RequestKind, body: bytes, system_json: Optional[bytes] = None) -> bytes:
        """Validates a create body given as JSON (optionally against a registered system as JSON).
        Returns the normalised body exactly as it would be sent."""
        kind = _kind_arg(kind)
        if isinstance(body, str):
            body = body.encode("utf-8")
        A.instance("body", body, bytes, bytearray, memoryview, hint="the JSON text")
        if isinstance(system_json, str):
            system_json = system_json.encode("utf-8")
        A.instance("system_json", system_json, bytes, bytearray, memoryview, optional=True, hint="the JSON text")
        r = self._call(
            "validation", "validate-json", kind.value, bytes(body), None if system_json is None else bytes(system_json)
        )
        if isinstance(r, list):
            raise E.ValidationError(_wit.violations_from(r))
        return r

    def _check(self, name: str, value: str) -> str:
        A.text(name[len("check-"):].replace("-", "_"), value)
        r = self._call("validation", name, value)
        if isinstance(r, str):
            return r
        raise E.ValidationError([_wit.violation_from(r)])

    def check_org_no(self, org_no: str) -> str:
        """The bare 9 digits of a valid organisation number (mod 11), or `ValidationError`."""
        return self._check("check-org-no", org_no)

    def check_system_id(self, system_id: str) -> str:
        return self._check("check-system-id", system_id)

    def check_external_ref(self, external_ref: str) -> str:
        return self._check("check-external-ref", external_ref)

    def check_request_id(self, request_id: str) -> str:
        return self._check("check-request-id", request_id)

    # -- lifecycle ----------------------------------------------------------------------------

    def transition(self, status: RequestStatus, event: str) -> Optional[RequestStatus]:
        """The status after `event` (`approve`, `reject`, `time-out`, `escalate`), or `None` when
        Altinn refuses that transition."""
        status = _status_arg(status)
        A.text("event", event)
        if event not in _LIFECYCLE_EVENTS:
            raise ValueError(f"event must be one of {', '.join(_LIFECYCLE_EVENTS)}, not {event!r}")
        r = self._call("lifecycle", "transition", _wit.status(status), event)
        return None if r is None else _wit.status_from(r)[0]

    def is_terminal(self, status: RequestStatus, text: str = "") -> bool:
        status = _status_arg(status)
        A.text("text", text)
        return bool(self._call("lifecycle", "is-terminal", _wit.status(status, text)))

    def is_timed_out(
        self, request: SystemUserRequest, now: Optional[_dt.datetime] = None, window_seconds: int = DEFAULT_TIMEOUT_WINDOW
    ) -> bool:
        request, now = _system_user_request(request), _now_arg(now)
        A.number("window_seconds", window_seconds, integer=True)
        return bool(
            self._call(
                "lifecycle", "is-timed-out", _wit.system_user_request(request), _wit.datetime(now), int(window_seconds)
            )
        )

    def effective_status(
        self, request: SystemUserRequest, now: Optional[_dt.datetime] = None, window_seconds: int = DEFAULT_TIMEOUT_WINDOW
    ) -> RequestStatus:
        request, now = _system_user_request(request), _now_arg(now)
        A.number("window_seconds", window_seconds, integer=True)
        r = self._call(
            "lifecycle", "effective-status", _wit.system_user_request(request), _wit.datetime(now), int(window_seconds)
        )
        return _wit.status_from(r)[0]

    # -- sans-IO protocol ---------------------------------------------------------------------

    def build(self, config: Any, call: Any) -> Tuple[tuple, List[str]]:
        """`protocol.build`: ((method, url, headers, body, timeout), scopes). `config` from
        `Client.wit_config`, `call` from `Component.call_*`. Whoever sends it must keep to the
        timeout for the whole exchange and to the 1 MiB answer cap (`RequestsTransport.send`
        does)."""
        r = self._call("protocol", "build", config, call)
        if isinstance(r, list):
            raise E.ValidationError(_wit.violations_from(r))
        return _wit.outgoing_from(r)

    def parse(self, config: Any, call: Any, status: int, headers: Sequence[Tuple[str, str]], body: bytes) -> Any:
        """`protocol.parse`: the typed reply, or raises the matching `SystemUserError`."""
        r = self._call("protocol", "parse", config, call, _wit.http_response(status, headers, body))
        return _wit.result(r, _wit.outcome_from)

    @staticmethod
    def call_create(request: Union[StandardRequest, AgentRequest]) -> Any:
        return _wit.create_task(_either(request))

    @staticmethod
    def call_get(request_id: str, kind: RequestKind = RequestKind.STANDARD) -> Any:
        return _wit.task("get-request", _wit.request_id(_kind_arg(kind), A.text("request_id", request_id)))

    @staticmethod
    def call_create_change(system_user_id: str, correlation_id: str, change: ChangeRequest) -> Any:
        """The POST of a change request, for `build`/`parse`: the system user by its id and the
        correlation id given (`Client.create_change_request` finds both itself; its system, org
        and external ref are not used here)."""
        A.text("system_user_id", system_user_id)
        A.text("correlation_id", correlation_id)
        change = _change_arg(change)
        return _wit.task(
            "create-change-request",
            _wit.new_change_request(
                system_user_id,
                correlation_id,
                change.required_rights,
                change.unwanted_rights,
                change.required_access_packages,
                change.unwanted_access_packages,
                change.redirect_url,
            ),
        )

    @staticmethod
    def call_get_change(change_request_id: str) -> Any:
        return _wit.task("get-change-request", A.text("change_request_id", change_request_id))

    @staticmethod
    def wit_config(
        environment: Environment,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        maskinporten: Optional[Maskinporten] = None,
        *,
        deadline: float = DEFAULT_DEADLINE,
    ) -> Any:
        """A `types.config` for `build`/`parse` (in Maskinporten mode it names the signer's key)."""
        key = None if maskinporten is None else key_identity_of(maskinporten)
        return _wit.config(
            environment, _ms(timeout), retries, _ms(backoff), maskinporten, deadline_ms=_ms(deadline), key=key
        )


class Client:
    """A vendor's client for Altinn's system user requests.

    ```python
    client = Client(Environment.TT02, maskinporten=Maskinporten(
        "my-client-id", RsaSigner.from_file("key.pem", kid="my-kid")))
    created = client.create_standard_request(StandardRequest(
        system_id="991825827_smartcloud", party_org_no="310816191",
        external_ref="cust-42", access_packages=["urn:altinn:accesspackage:skattegrunnlag"]))
    print(created.request.confirm_url)
    ```

    Tokens come from one of:

    - `maskinporten`: a `Maskinporten(client_id, signer)`: the component posts its own JWT
      grants and caches the tokens; one cache for all the client's threads (a grant made by
      one thread serves the others: `_grants.SharedGrants`);
    - `token`: a token string, a callable `f(scopes) -> str`, or a `TokenProvider`.

    Options:

    - `clock` (`() -> datetime`, default the system clock) and `random_bytes` (`n -> bytes`,
      default `secrets.token_bytes`): what grants are stamped with; tests replace them.
    - `timeout` (30 s): one HTTP exchange, connect, headers and body together. `deadline`
      (60 s; 0: none): one operation, every exchange, retry and wait included (each page of a
      `list_all_*` gets its own). `retries` (3): the retries one operation may make (reads after
      a transport error, a 429 or a 5xx; a create's lookups after a lost answer); `backoff`
      (0.2 s): the first back-off, doubled each time. These are the component's defaults.
    - `transport`: anything with `send(method, url, headers, body, timeout,
      max_response_bytes=...)`; default `RequestsTransport`.

    A client is safe to share between threads (each thread gets its own store).
    """

    def __init__(
        self,
        environment: Environment,
        token: Optional[TokenLike] = None,
        *,
        maskinporten: Optional[Maskinporten] = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        transport: Optional[Transport] = None,
        component: Union[None, os.PathLike, Component] = None,
        fuel: Optional[int] = DEFAULT_FUEL,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], Any] = SystemClock(),
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        if not isinstance(environment, Environment):
            raise TypeError(
                f"environment must be an Environment (e.g. Environment.TT02 or Environment.local(url)), not {A._what(environment)}"
            )
        for name, value in (("timeout", timeout), ("backoff", backoff), ("deadline", deadline)):
            A.number(name, value)
        A.number("retries", retries, integer=True)
        A.number("fuel", fuel, integer=True, minimum=1, optional=True)
        A.number("memory_limit", memory_limit, integer=True, minimum=1)
        for name, fn in (("sleep", sleep), ("clock", clock), ("random_bytes", random_bytes)):
            A.callable_(name, fn)
        if transport is not None and not callable(getattr(transport, "send", None)):
            raise TypeError(f"transport must have a send(method, url, headers, body, timeout) method, not {A._what(transport)}")
        if component is not None and not isinstance(component, (Component, str, os.PathLike)):
            raise TypeError(f"component must be a path or a Component, not {A._what(component)}")
        self.environment = environment
        if maskinporten is not None:
            if not isinstance(maskinporten, Maskinporten):
                raise TypeError(f"maskinporten must be a Maskinporten(client_id, signer), not {A._what(maskinporten)}")
            if token is not None:
                # The component never asks for a token in Maskinporten mode: one given is a mistake.
                raise ValueError("give either token or maskinporten, not both")
            self._token = None
        else:
            self._token = as_token_provider(token)
        self.maskinporten = maskinporten
        self._clock = clock
        self._random_bytes = random_bytes
        self._own_transport = transport is None
        self.transport = transport or RequestsTransport()
        # Maskinporten mode: one token cache for all the client's threads (each has its own store).
        self._grants = SharedGrants(self.transport) if maskinporten is not None else None
        self._closed = False
        self.component = (
            component if isinstance(component, Component) else Component(component, fuel=fuel, memory_limit=memory_limit)
        )
        if int(retries) < 0:
            raise ValueError("retries cannot be negative")
        self._limits = (_ms(timeout), min(int(retries), 2**32 - 1), _ms(backoff), _ms(deadline))
        # Token mode: one config. Maskinporten mode: one per key identity (asked per operation).
        self._config = None if maskinporten is not None else self._make_config(None)
        self._mp_config: Tuple[Any, Any] = (None, None)
        self._sleep = sleep
        self.stats = Stats()
        self._stats_lock = threading.Lock()

    # -- lifetime ------------------------------------------------------------------------------

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the HTTP connections of the transport this client made (one you passed in is
        yours to close) and drops this thread's store. A closed client refuses further calls
        (`RuntimeError`). `with Client(...) as client:` closes it at the end of the block."""
        if self._closed:
            return
        self._closed = True
        if self._own_transport:
            close = getattr(self.transport, "close", None)
            if callable(close):
                close()
        self.component.session.reset()

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        if self.maskinporten is not None:
            return f"Client(environment={self.environment}, maskinporten={self.maskinporten!r})"
        return f"Client(environment={self.environment}, token={self._token!r})"

    # -- the one place that runs an operation ---------------------------------------------------

    def _make_config(self, key: Any) -> Any:
        timeout_ms, retries, backoff_ms, deadline_ms = self._limits
        return _wit.config(
            self.environment, timeout_ms, retries, backoff_ms, self.maskinporten, deadline_ms=deadline_ms, key=key
        )

    def _current_config(self) -> Any:
        if self.maskinporten is None:
            return self._config
        key = key_identity_of(self.maskinporten)  # a signer may rotate keys between operations
        known, cfg = self._mp_config
        if cfg is None or key != known:
            cfg = self._make_config(key)
            self._mp_config = (key, cfg)
        return cfg

    def _run(self, task: Any, convert: Callable[[Any], Any] = _wit.outcome_from) -> Any:
        if self._closed:
            raise RuntimeError("this Client is closed (its `with` block ended, or close() was called): make a new one")
        config = self._current_config()
        host = Host(
            self._token,
            self.transport if self._grants is None else self._grants,
            self._sleep,
            signer=None if self.maskinporten is None else self.maskinporten.signer,
            clock=self._clock,
            random_bytes=self._random_bytes,
        )
        t0 = time.perf_counter()
        try:
            r = self.component.session.run_task(host, config, task)
        finally:
            dt = time.perf_counter() - t0
            with self._stats_lock:
                s = self.stats
                s.operations += 1
                s.total_seconds += dt
                s.host_seconds += host.host_seconds
                s.http_requests += host.requests_sent
        return _wit.result(r, convert)

    # -- operations -----------------------------------------------------------------------------

    def create_standard_request(self, request: StandardRequest) -> CreatedRequest:
        """Creates (or finds) the request for (org, external ref, system). Idempotent: a second
        call answers `is_new=False` with the request that holds the key, whatever its status."""
        return self._run(_wit.create_task(_standard(request)))

    def create_agent_request(self, request: AgentRequest) -> CreatedRequest:
        return self._run(_wit.create_task(_agent(request)))

    def create_request(self, request: Union[StandardRequest, AgentRequest]) -> CreatedRequest:
        """Either kind (a dict is a standard request's body in Altinn's shape)."""
        return self._run(_wit.create_task(_either(request)))

    def get_request(self, request_id: str, kind: RequestKind = RequestKind.STANDARD) -> SystemUserRequest:
        return self._run(_wit.task("get-request", _wit.request_id(_kind_arg(kind), A.text("request_id", request_id))))

    def get_request_by_external_ref(
        self, system_id: str, org_no: str, external_ref: str, kind: RequestKind = RequestKind.STANDARD
    ) -> SystemUserRequest:
        kind = _kind_arg(kind)
        A.text("system_id", system_id), A.text("org_no", org_no), A.text("external_ref", external_ref)
        return self._run(
            _wit.task("get-request-by-external-ref", _wit.external_ref_key(kind, system_id, org_no, external_ref))
        )

    def list_requests(
        self, system_id: str, kind: RequestKind = RequestKind.STANDARD, page: Optional[str] = None
    ) -> Page[SystemUserRequest]:
        """One page (50 items on Altinn); pass `page=result.next_page` for the next."""
        kind = _kind_arg(kind)
        A.text("system_id", system_id), A.text("page", page, optional=True)
        return self._run(_wit.task("list-requests", _wit.list_requests_query(kind, system_id, page)))

    def list_all_requests(self, system_id: str, kind: RequestKind = RequestKind.STANDARD) -> List[SystemUserRequest]:
        """Every page, in one component call."""
        kind = _kind_arg(kind)
        A.text("system_id", system_id)
        return self._run(_wit.task("list-all-requests", _wit.all_requests_query(kind, system_id))).items

    def iter_requests(
        self, system_id: str, kind: RequestKind = RequestKind.STANDARD, *, page: Optional[str] = None
    ) -> Iterator[SystemUserRequest]:
        """Every request of a system, one page fetched at a time as you iterate (`for r in
        client.iter_requests(system_id): …`): memory for one page, and a loop you can leave
        early. Starts at `page` (a `next_page` token) if given. Items are de-duplicated by id and
        a page with nothing new ends the walk: Altinn's request lists lose one item at every
        page boundary (API.md §14), so look a request you must have up by id."""
        kind = _kind_arg(kind)
        A.text("system_id", system_id), A.text("page", page, optional=True)
        return self._walk(lambda token: self.list_requests(system_id, kind, page=token), page)

    def iter_system_users(self, system_id: str, *, page: Optional[str] = None) -> Iterator[SystemUser]:
        """Every system user of a system, one page fetched at a time as you iterate."""
        A.text("system_id", system_id), A.text("page", page, optional=True)
        return self._walk(lambda token: self.list_system_users(system_id, page=token), page)

    @staticmethod
    def _walk(fetch: Callable[[Optional[str]], Page], token: Optional[str]) -> Iterator[Any]:
        seen = set()
        while True:
            p = fetch(token)
            new = [x for x in p.items if x.id not in seen]
            for x in new:
                seen.add(x.id)
                yield x
            if not p.next_page or not new or p.next_page == token:
                return
            token = p.next_page

    def wait_for_decision(
        self,
        request_id: str,
        *,
        kind: RequestKind = RequestKind.STANDARD,
        timeout: Optional[float] = 600.0,
        interval: float = 2.0,
        max_interval: float = 30.0,
        on_progress: Optional[Callable[[SystemUserRequest, float], Any]] = None,
    ) -> SystemUserRequest:
        """Waits until the customer decides: polls `get_request` until the request is terminal
        (`Accepted`, `Rejected`, `Denied`, timed out) and returns it. Polls every `interval`
        seconds, growing by half each time up to `max_interval`. `on_progress(request,
        elapsed_seconds)` is called after every read (the first one included), e.g. to log or to
        update a progress bar. After `timeout` seconds (`None`: no limit) raises
        `DecisionTimeoutError` (a `TimeoutError`) carrying the last `request`; errors of the
        reads themselves (`NotFoundError` for a withdrawn request…) are raised as they are."""
        A.text("request_id", request_id)
        kind = _kind_arg(kind)
        A.number("timeout", timeout, optional=True)
        A.number("interval", interval)
        A.number("max_interval", max_interval)
        A.callable_("on_progress", on_progress, optional=True)
        start = time.monotonic()
        wait = interval
        while True:
            req = self.get_request(request_id, kind)
            elapsed = time.monotonic() - start
            if on_progress is not None:
                on_progress(req, elapsed)
            if req.is_terminal:
                return req
            if timeout is not None and elapsed + wait > timeout:
                if elapsed < timeout:  # one last look at the deadline
                    self._sleep(max(0.0, timeout - elapsed))
                    req = self.get_request(request_id, kind)
                    if on_progress is not None:
                        on_progress(req, time.monotonic() - start)
                    if req.is_terminal:
                        return req
                raise E.DecisionTimeoutError(
                    f"request {request_id} is still {req.effective_status.value} after {timeout:g} s: the customer "
                    "has not decided yet (wait again later, or send them the confirm link again)",
                    req,
                )
            self._sleep(wait)
            wait = min(wait * 1.5, max(max_interval, interval))

    def withdraw_request(self, request_id: str) -> None:
        """Deletes a request (of either kind); frees its key for a new create."""
        self._run(_wit.task("withdraw-request", A.text("request_id", request_id)))

    def verify_system_user(self, system_id: str, org_no: str, external_ref: Optional[str] = None) -> Optional[SystemUser]:
        """The system user for (system, org, external ref), or `None` when there is none."""
        A.text("system_id", system_id), A.text("org_no", org_no), A.text("external_ref", external_ref, optional=True)
        return self._run(_wit.task("verify-system-user", _wit.verify_query(system_id, org_no, external_ref)))

    def list_system_users(self, system_id: str, page: Optional[str] = None) -> Page[SystemUser]:
        A.text("system_id", system_id), A.text("page", page, optional=True)
        return self._run(_wit.task("list-system-users", _wit.list_system_users_query(system_id, page)))

    def list_all_system_users(self, system_id: str) -> List[SystemUser]:
        return self._run(_wit.task("list-all-system-users", A.text("system_id", system_id))).items

    def get_registered_system(self, system_id: str) -> RegisteredSystem:
        return self._run(_wit.task("get-registered-system", A.text("system_id", system_id)))

    def system_user_token(
        self, customer_org_no: str, external_ref: Optional[str] = None, *, scopes: Sequence[str]
    ) -> AccessToken:
        """A Maskinporten token to act as the customer's system user (once the customer approved
        the request), for the API `scopes` you will call. `external_ref`: the request's, when it
        was not the org number. Maskinporten mode only; cached like every token. Raises
        `MaskinportenError` (e.g. code `MP-303`: no such system user)."""
        A.text("customer_org_no", customer_org_no), A.text("external_ref", external_ref, optional=True)
        scopes = A.texts("scopes", scopes, split=True)  # one str: space-separated, as OAuth writes scopes
        return self._run(_wit.task("system-user-token", _wit.system_user_token_query(customer_org_no, external_ref, scopes)))

    # -- change requests (API.md §11) ----------------------------------------------------------

    def create_change_request(self, change: ChangeRequest) -> ChangeResult:
        """Asks the customer to change what its (standard) system user holds, exactly once.

        The component looks the system user up by (system, customer, external ref), refuses an
        agent one (`ValidationError` AUTH-00015) or none (`NotFoundError`), checks the change
        against the registered system, and derives the correlation id from the system user and
        the change unless `change.correlation_id` is given: asking again for the same change
        answers `is_new=False` with the same change request, and an answer lost on the way is
        found again (`reconciled=True`). A correlation id that already names another change is
        `ConflictError` (code `correlation-id-reused`). A change that asks for nothing returns
        `NoChangeNeeded` (`.no_change_needed`) without a call."""
        return self._run(_wit.task("create-change-request", _wit.change_request_input(_change_arg(change))))

    def get_change_request(self, change_request_id: str) -> SystemUserChangeRequest:
        """A change request by its id (its correlation id); `timed_out` is computed from `created`
        by this client's clock (the server's single GET never sets it)."""
        return self._run(_wit.task("get-change-request", A.text("change_request_id", change_request_id)))

    def get_change_request_by_external_ref(self, system_id: str, org_no: str, external_ref: str) -> SystemUserChangeRequest:
        """A change request of the system user with this key. Altinn answers an arbitrary one of
        several (any status) and leaves its package lists empty: a hint; get it by its id for the
        whole of it."""
        A.text("system_id", system_id), A.text("org_no", org_no), A.text("external_ref", external_ref)
        return self._run(_wit.task("get-change-request-by-external-ref", _wit.change_request_key(system_id, org_no, external_ref)))

    def list_change_requests(self, system_id: str) -> ChangeRequestList:
        """Page one of a system's change requests (Altinn's list repeats page one forever, so its
        next link is never followed): `.items`, and `.may_be_incomplete` when there were more."""
        return self._run(_wit.task("list-change-requests", A.text("system_id", system_id)))

    def withdraw_change_request(self, change_request_id: str) -> None:
        """Deletes a change request (whatever its status). Its id cannot be used again."""
        self._run(_wit.task("withdraw-change-request", A.text("change_request_id", change_request_id)))

    # -- the System Register (API.md §13) ------------------------------------------------------

    def list_systems(self) -> List[RegisteredSystem]:
        """The vendor's own systems (deleted ones left out). A listing: no client ids or redirect
        URLs; `get_registered_system` reads the whole of one."""
        return self._run(_wit.task("list-systems", None))

    def register_system(self, system: Union[RegisteredSystem, Mapping[str, Any]]) -> SystemRegistration:
        """Registers a system, exactly once: its id is the key (Altinn never reuses one), so a
        lost answer is settled by reading the system (`reconciled=True`, `internal_id=None`).
        Takes a `RegisteredSystem` or a dict in Altinn's shape (`RegisteredSystem.from_json`).
        Checked before sending (`ValidationError` with Altinn's AUTH.VLD codes: the id
        `<vendor org no>_name` without spaces, https redirect URLs, duplicates, an agent-only
        package on a visible system); an id already taken is `ConflictError`."""
        s = _system_arg(system)
        done = self._run(_wit.task("register-system", _wit.registered_system(s)))
        return dataclasses.replace(done, system_id=s.id.strip())

    def update_system(self, update: Union[SystemUpdate, Mapping[str, Any], str], **changes: Any) -> None:
        """Replaces the members an update names and keeps the rest: the component reads the
        stored system, merges, checks and PUTs the whole record (Altinn's PUT would reset what a
        body leaves out). `update_system(SystemUpdate(id, name=…))`, a dict in Altinn's shape
        (`{"id": …, "allowedRedirectUrls": […]}`), or `update_system("id", rights=[…])` with
        `SystemUpdate`'s members as keywords. A deleted system is `ConflictError` code
        `system-deleted`; an unknown one `NotFoundError`."""
        if isinstance(update, str):
            u = SystemUpdate(update, **changes)
        else:
            if changes:
                raise TypeError("give the changes either in the update or as keywords, not both")
            if not isinstance(update, (SystemUpdate, Mapping)):
                raise TypeError(f"update must be a SystemUpdate, a dict in Altinn's shape or a system id, not {A._what(update)}")
            u = SystemUpdate.from_json(update)
        self._run(_wit.task("update-system", _wit.system_update(u)))

    def set_system_rights(self, system_id: str, rights: Sequence[RightLike]) -> None:
        """Replaces a system's rights (resource ids, `Right`s or Altinn's `{"resource": […]}`).
        An unknown system is `NotFoundError`, a deleted one `ConflictError` code `system-deleted`."""
        A.text("system_id", system_id)
        self._run(_wit.task("set-system-rights", _wit.system_rights(system_id, _rights_list(rights))))

    def set_system_access_packages(self, system_id: str, access_packages: Sequence[PackageLike]) -> None:
        """Replaces a system's access packages (short names, URNs, `AccessPackage`s or
        `{"urn": …}`); an agent-only package on a visible system is refused before sending
        (`ValidationError` AUTH.VLD-00018)."""
        A.text("system_id", system_id)
        packages = _package_list(access_packages)
        self._run(_wit.task("set-system-access-packages", _wit.system_access_packages(system_id, packages)))

    def delete_system(self, system_id: str) -> None:
        """Deletes a system (Altinn drops its Maskinporten client ids; its id is never usable
        again). Deleting a deleted system succeeds."""
        self._run(_wit.task("delete-system", A.text("system_id", system_id)))

    def system_changelog(self, system_id: str) -> List[SystemChange]:
        """What was done to a system, in Altinn's order: `change_type`, the body sent
        (`changed_data`), by whom and when. A deleted system's changelog can still be read."""
        return self._run(_wit.task("system-changelog", A.text("system_id", system_id)))

    # -- client delegation (API.md §12) ---------------------------------------------------------
    #
    # Each call is made with the bureau's token: in Maskinporten mode the component gets a
    # system-user token for the bureau (its own standard system user for a system holding
    # `klientadministrator`, named by `Bureau(org_no, external_ref)`) with the scopes
    # `altinn:clientdelegations.read altinn:clientdelegations.write`; in token mode your token
    # provider is asked for those two scopes and must return that token. The component
    # exchanges it for an Altinn token and keeps that (per bureau, per thread) until 30 s before
    # it expires: one exchange serves many calls. Neither token shows in any error or log.

    def _delegation(self, bureau: Union[Bureau, str, Mapping[str, Any]], case: str, payload: Any = None) -> Any:
        return self._run(_wit.client_delegation_task(Bureau.of(bureau), case, payload))

    def list_agents(self, bureau: Union[Bureau, str, Mapping[str, Any]]) -> List[AgentSystemUser]:
        """The bureau's agent system users (with the access packages each holds). A 403 is
        `ForbiddenError`: the bureau has not approved its klientadministrator system user (or the
        token is not the bureau's)."""
        return self._delegation(bureau, "list-agents")

    def list_available_clients(self, bureau: Union[Bureau, str, Mapping[str, Any]], agent: Union[str, SystemUser]) -> ClientList:
        """The bureau's clients that hold any of the agent system user's packages (delegated ones
        included): what `add_client` may add."""
        return self._delegation(bureau, "list-available-clients", _agent_id(agent))

    def list_clients(self, bureau: Union[Bureau, str, Mapping[str, Any]], agent: Union[str, SystemUser]) -> ClientList:
        """The clients delegated to the agent system user."""
        return self._delegation(bureau, "list-clients", _agent_id(agent))

    def add_client(
        self,
        bureau: Union[Bureau, str, Mapping[str, Any]],
        agent: Union[str, SystemUser],
        client: Union[str, BureauClient],
    ) -> ClientLink:
        """Delegates a client to the agent system user. `client`: its party uuid, a
        `BureauClient`, or its organisation number (looked up in the client lists first: one
        more call). Altinn refuses a client that is not the bureau's (`AltinnError`
        AUTH-00079) or lacks one of the agent's packages (AUTH-00080); an org number found in
        neither list is `ValidationError` code AUTH-00079 before any add is sent."""
        b = Bureau.of(bureau)
        agent_id = _agent_id(agent)
        client_id = self._resolve_client(b, agent_id, client, ("list-available-clients", "list-clients"))
        return self._delegation(b, "add-client", _wit.client_link(agent_id, client_id))

    def remove_client(
        self,
        bureau: Union[Bureau, str, Mapping[str, Any]],
        agent: Union[str, SystemUser],
        client: Union[str, BureauClient],
    ) -> ClientLink:
        """Takes a client from the agent system user (a client not delegated is no error).
        `client` as for `add_client` (an org number is looked up among the delegated clients,
        then the available ones)."""
        b = Bureau.of(bureau)
        agent_id = _agent_id(agent)
        client_id = self._resolve_client(b, agent_id, client, ("list-clients", "list-available-clients"))
        return self._delegation(b, "remove-client", _wit.client_link(agent_id, client_id))

    def _resolve_client(self, bureau: Bureau, agent_id: str, client: Union[str, BureauClient], lists: Sequence[str]) -> str:
        if isinstance(client, BureauClient):
            return client.id
        if not isinstance(client, str):
            raise TypeError(f"client must be a party uuid or an org number (str) or a BureauClient, not {A._what(client)}")
        org = client.strip()
        if not _ORG_NO.match(org):
            return org  # a party uuid: the component checks it
        org = self.component.check_org_no(org)
        for case in lists:
            found = self._delegation(bureau, case, agent_id).find(org)
            if found is not None:
                return found.id
        raise E.ValidationError(
            [
                Violation(
                    "AUTH-00079",
                    "client",
                    f"{org} is not among bureau {bureau.org_no}'s clients for agent system user {agent_id}: Altinn "
                    "lists none with that organisation number holding any of the agent's access packages (the "
                    "bureau must have the client, in the Register or by a delegated package)",
                )
            ]
        )

    # -- offline helpers (no network) -----------------------------------------------------------

    def validate(
        self, request: Union[StandardRequest, AgentRequest], system: Optional[RegisteredSystem] = None
    ) -> Union[StandardRequest, AgentRequest]:
        return self.component.validate(request, system)
