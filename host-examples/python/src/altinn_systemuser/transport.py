"""HTTP for the component's `http.send` import, over `requests`, obeying the limits each request
carries (SECURITY.md, "The limits policy"):

- `timeout` covers the whole exchange (connect, headers and body together): a watchdog shuts the
  exchange's socket down when it passes, so a server trickling bytes cannot stretch it
  (`requests`' own timeout is per socket read);
- answers are never compressed and never decompressed: every request says
  `Accept-Encoding: identity`, and an answer with another `Content-Encoding` is refused unread;
- the body is read raw, in chunks, and reading stops past `max_response_bytes` (or at once when
  `Content-Length` announces more): `too-large`;
- redirects are never followed (a bearer token must not go to another host);
- 4xx/5xx come back as responses, not errors;
- proxies and CA bundles come from the environment (`HTTPS_PROXY`, `NO_PROXY`, `REQUESTS_CA_BUNDLE`…);
- one pooled session per thread (keep-alive);
- failures become `TransportError` with kind `connect`, `timeout`, `connection-lost`,
  `too-large` or `other` and a message that names the host only (never a header, a token or a
  query string).

Any object with the same `send` method can replace it (`Client(transport=...)`).
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import logging
import os
import socket
import threading
import time
from typing import Any, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .errors import TransportError, TransportErrorKind

log = logging.getLogger("altinn_systemuser.http")

__all__ = ["Transport", "RequestsTransport", "DEFAULT_MAX_RESPONSE_BYTES"]

Headers = List[Tuple[str, str]]

#: The policy's answer cap, for callers that give none (the component's requests always carry it).
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024

_CHUNK = 64 * 1024


class Transport:
    """The interface: send one request as given and return `(status, headers, body)`, giving up
    after `timeout` seconds for the whole exchange and refusing a body longer than
    `max_response_bytes` (`TransportError`, kind `too-large`)."""

    def send(
        self,
        method: str,
        url: str,
        headers: Sequence[Tuple[str, str]],
        body: Optional[bytes],
        timeout: float,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> Tuple[int, Headers, bytes]:  # pragma: no cover - interface
        raise NotImplementedError


def _where(url: str) -> str:
    try:
        u = urlsplit(url)
        return f"{u.scheme}://{u.netloc}" if u.netloc else "(no host)"
    except ValueError:
        return "(unparseable URL)"


def _chain(e: BaseException) -> List[BaseException]:
    out: List[BaseException] = []
    seen = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        out.append(x)
        stack.extend([getattr(x, "reason", None), x.__cause__, x.__context__])
        stack.extend(a for a in getattr(x, "args", ()) if isinstance(a, BaseException))
    return out


def classify(e: BaseException) -> TransportErrorKind:
    """How a `requests`/`urllib3` failure maps onto the WIT `transport-error-kind`."""
    import urllib3.exceptions as u3

    if isinstance(e, requests.exceptions.ConnectTimeout):
        return TransportErrorKind.CONNECT
    if isinstance(e, requests.exceptions.Timeout):
        return TransportErrorKind.TIMEOUT
    chain = _chain(e)
    if any(isinstance(x, (u3.NewConnectionError, u3.NameResolutionError, ConnectionRefusedError)) for x in chain):
        return TransportErrorKind.CONNECT
    if any(
        isinstance(x, (u3.ProtocolError, ConnectionResetError, BrokenPipeError, http.client.IncompleteRead)) for x in chain
    ) or isinstance(e, requests.exceptions.ChunkedEncodingError):
        return TransportErrorKind.CONNECTION_LOST
    if any(isinstance(x, (u3.ReadTimeoutError, TimeoutError, socket.timeout)) for x in chain):
        return TransportErrorKind.TIMEOUT
    if isinstance(e, (requests.exceptions.ConnectionError, ConnectionError)):
        return TransportErrorKind.CONNECTION_LOST
    return TransportErrorKind.OTHER


_WHAT = {
    TransportErrorKind.CONNECT: "could not connect to {w}",
    TransportErrorKind.TIMEOUT: "no complete answer from {w} within {s:g} s",
    TransportErrorKind.CONNECTION_LOST: "the connection to {w} broke before a complete answer arrived",
    TransportErrorKind.OTHER: "the exchange with {w} failed ({t})",
}

# What a failing exchange can raise (beyond our own `TransportError`).
_FAILURES = (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


# ---------------------------------------------------------------------------------------------
# The whole-exchange deadline: the exchange of this thread, the sockets it uses, and one
# watchdog thread that shuts them down when the deadline passes (a blocked read then returns).


def _shutdown(sock: Any) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):  # already closed, or detached by the TLS wrapper
        pass


class _Exchange:
    __slots__ = ("deadline", "_lock", "_socks", "expired", "done")

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._socks: List[Any] = []
        self.expired = False
        self.done = False

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def watch(self, sock: Any) -> None:
        with self._lock:
            if self.done or any(s is sock for s in self._socks):
                return
            if self.expired:
                _shutdown(sock)
            else:
                self._socks.append(sock)

    def unwatch(self, sock: Any) -> None:
        # A connection going back to the pool: from now on it may serve another exchange.
        with self._lock:
            self._socks = [s for s in self._socks if s is not sock]

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            for s in self._socks:
                _shutdown(s)

    def end(self) -> bool:
        """Stops watching; whether the deadline passed first."""
        with self._lock:
            self.done = True
            self._socks = []
            return self.expired


class _Watchdog:
    """One daemon thread for every exchange of the process."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: List[Tuple[float, int, _Exchange]] = []
        self._seq = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def add(self, ex: _Exchange) -> None:
        with self._cond:
            heapq.heappush(self._heap, (ex.deadline, next(self._seq), ex))
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._run, name="altinn-systemuser-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)[2].expire()


_WATCHDOG = _Watchdog()
_active = threading.local()


def _current() -> Optional[_Exchange]:
    return getattr(_active, "exchange", None)


def _watch(sock: Any) -> None:
    ex = _current()
    if ex is not None and sock is not None:
        ex.watch(sock)


class _WatchedConnection:
    """Registers every socket a connection uses with the exchange of the calling thread: the
    plain socket as soon as it exists (a TLS handshake or a proxy tunnel can trickle too), the
    final one after connecting, and a kept-alive one when it is used again."""

    def _new_conn(self) -> Any:
        sock = super()._new_conn()  # type: ignore[misc]
        _watch(sock)
        return sock

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _watch(getattr(self, "sock", None))

    def request(self, *args: Any, **kw: Any) -> Any:
        _watch(getattr(self, "sock", None))
        return super().request(*args, **kw)  # type: ignore[misc]


class _Conn(_WatchedConnection, HTTPConnection):
    pass


class _SConn(_WatchedConnection, HTTPSConnection):
    pass


class _ReleasingPool:
    def _put_conn(self, conn: Any) -> None:
        ex = _current()
        if ex is not None and conn is not None and getattr(conn, "sock", None) is not None:
            ex.unwatch(conn.sock)
        super()._put_conn(conn)  # type: ignore[misc]


class _Pool(_ReleasingPool, HTTPConnectionPool):
    ConnectionCls = _Conn


class _SPool(_ReleasingPool, HTTPSConnectionPool):
    ConnectionCls = _SConn


_POOLS = {"http": _Pool, "https": _SPool}


class _Adapter(HTTPAdapter):
    """`HTTPAdapter` whose pools use the watched connections (proxies too, SOCKS excepted: there
    the socket is found through the response once the head has arrived)."""

    def init_poolmanager(self, *args: Any, **kw: Any) -> None:
        super().init_poolmanager(*args, **kw)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **kw: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kw)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def _identity_only(headers: Sequence[Tuple[str, str]]) -> dict:
    """The request's headers, asking for an uncompressed answer whatever they said."""
    out = {k: v for k, v in headers if k.lower() != "accept-encoding"}
    out["Accept-Encoding"] = "identity"
    return out


def _read_capped(r: requests.Response, ex: _Exchange, cap: int, where: str) -> bytes:
    """The raw body (never decoded), or `too-large` once it is longer than `cap`."""
    encoding = (r.headers.get("Content-Encoding") or "").strip().lower()
    if encoding not in ("", "identity"):
        raise TransportError(
            TransportErrorKind.TOO_LARGE,
            f"{where} sent a compressed answer (a Content-Encoding other than identity); it was not read",
        )
    announced = (r.headers.get("Content-Length") or "").strip()
    if announced.isdigit() and int(announced) > cap:
        raise TransportError(
            TransportErrorKind.TOO_LARGE, f"the answer from {where} announces {int(announced)} bytes, more than the cap of {cap}"
        )
    out = bytearray()
    while ex.left() > 0:
        chunk = r.raw.read(min(_CHUNK, cap + 1 - len(out)), decode_content=False)
        if not chunk:
            return bytes(out)
        out += chunk
        if len(out) > cap:
            raise TransportError(TransportErrorKind.TOO_LARGE, f"the answer from {where} is longer than the cap of {cap} bytes")
    ex.expire()
    return bytes(out)


class RequestsTransport(Transport):
    """The default transport.

    `session` may be your own `requests.Session` (proxies, certificates); its plain `http://` and
    `https://` adapters are replaced by this transport's, which keep the whole-exchange deadline
    from the first byte (a custom adapter is kept: then the deadline covers the body, and the
    head only through `requests`' per-read timeout).
    """

    def __init__(self, session: Optional[requests.Session] = None, *, pool_size: int = 16) -> None:
        self._own = session is None
        self._local = threading.local()
        self._shared = session
        self._pool_size = pool_size
        self._env_cache: dict = {}
        #: The sessions this transport made (one per thread), closed by `close`.
        self._made: list = []
        self._made_lock = threading.Lock()
        self.closed = False
        if session is not None:
            for prefix in ("http://", "https://"):
                if type(session.adapters.get(prefix)) is HTTPAdapter:
                    session.mount(prefix, _Adapter(pool_maxsize=pool_size, max_retries=0))

    def _session(self) -> requests.Session:
        if self._shared is not None:
            return self._shared
        s = getattr(self._local, "s", None)
        if s is None:
            s = requests.Session()
            # The environment (proxies, CA bundle) is read once per origin below, not per request.
            s.trust_env = False
            s.headers["Accept-Encoding"] = "identity"
            adapter = _Adapter(pool_connections=4, pool_maxsize=self._pool_size, max_retries=0)
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            self._local.s = s
            with self._made_lock:
                self._made.append(s)
        return s

    def close(self) -> None:
        """Closes the connections of the sessions this transport made (a session you gave it is
        yours to close). A closed transport opens new ones if used again."""
        with self._made_lock:
            made, self._made = self._made, []
        for s in made:
            s.close()
        self._local = threading.local()
        self.closed = True

    def _env(self, url: str) -> Tuple[dict, object]:
        if self._shared is not None:
            return {}, None  # the caller's session decides (its trust_env applies)
        u = urlsplit(url)
        key = (u.scheme, u.netloc)
        hit = self._env_cache.get(key)
        if hit is None:
            proxies = requests.utils.get_environ_proxies(url)
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            hit = self._env_cache[key] = (proxies, verify)
        return hit

    def send(self, method, url, headers, body, timeout, max_response_bytes=DEFAULT_MAX_RESPONSE_BYTES):  # type: ignore[override]
        where = _where(url)
        if timeout <= 0:
            raise TransportError(TransportErrorKind.TIMEOUT, f"no time was left for an exchange with {where}")
        ex = _Exchange(timeout)
        _WATCHDOG.add(ex)
        outer = _current()
        _active.exchange = ex
        r: Optional[requests.Response] = None
        failure: Optional[BaseException] = None
        content = b""
        try:
            proxies, verify = self._env(url)
            extra = {} if verify is None else {"proxies": proxies, "verify": verify}
            r = self._session().request(
                method,
                url,
                headers=_identity_only(headers),
                data=body,
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
                **extra,
            )
            # Without the watched connections (a SOCKS proxy, a custom adapter): the body at least.
            _watch(getattr(getattr(r.raw, "_connection", None), "sock", None))
            content = _read_capped(r, ex, int(max_response_bytes), where)
        except TransportError:
            raise
        except _FAILURES as e:
            failure = e
        finally:
            _active.exchange = outer
            expired = ex.end()
            if r is not None:
                r.close()  # a connection with an unread answer is closed, never reused
        if expired or failure is not None:
            # Raised here, outside the handler: the library's exception (whose text may hold the
            # query string) is not kept as the context.
            kind = TransportErrorKind.TIMEOUT if expired else classify(failure)  # type: ignore[arg-type]
            msg = _WHAT[kind].format(w=where, s=timeout, t=type(failure).__name__)
            log.debug("%s %s: %s", method, where, msg)
            raise TransportError(kind, msg)
        assert r is not None
        log.debug("%s %s%s -> %s (%d bytes)", method, where, urlsplit(url).path, r.status_code, len(content))
        return r.status_code, list(r.headers.items()), content

    def __repr__(self) -> str:
        return "RequestsTransport()"
