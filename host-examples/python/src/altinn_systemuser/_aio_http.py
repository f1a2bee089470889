"""HTTP for `AsyncClient`, over `httpx.AsyncClient`, under the limits policy the synchronous
transport obeys (`transport.py`; SECURITY.md, "The limits policy"), with its rules and words:

- `timeout` covers the whole exchange (connect, headers and body together): the exchange runs
  under `asyncio.wait_for`, so a server trickling bytes cannot stretch it;
- every request says `Accept-Encoding: identity`; an answer with another `Content-Encoding`, or
  a `Content-Length` over the cap, is refused before its body is read (`transport._read_capped`
  judges the head);
- the body is read raw (never decoded), chunk by chunk, and reading stops once it is longer than
  `max_response_bytes`: `too-large`;
- redirects are never followed; 4xx/5xx come back as responses;
- failures are `TransportError` with the same kinds and messages (the host only).

Also here: `AsyncGrants`, one Maskinporten grant in flight per grant for all of a client's tasks.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Sequence, Tuple

import httpx

from ._grants import grant_key
from .errors import TransportError, TransportErrorKind
from .transport import _CHUNK, _WHAT, DEFAULT_MAX_RESPONSE_BYTES, _identity_only, _read_capped, _where, classify

__all__ = ["HttpxTransport", "AsyncGrants"]

Answer = Tuple[int, List[Tuple[str, str]], bytes]

# httpx's failures by what they mean for the component (anything else: `transport.classify`,
# which reads the OS errors in the chain).
_KINDS = (
    ((httpx.ConnectError, httpx.ConnectTimeout), TransportErrorKind.CONNECT),
    ((httpx.TimeoutException,), TransportErrorKind.TIMEOUT),
    ((httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.CloseError), TransportErrorKind.CONNECTION_LOST),
)


def _kind(e: BaseException) -> TransportErrorKind:
    for types, kind in _KINDS:
        if isinstance(e, types):
            return kind
    return classify(e)


class _Received:
    """An answer as `transport._read_capped` reads one: its headers, and the bytes received so
    far as the raw stream (so the sync transport's rules and messages judge the async one's)."""

    __slots__ = ("headers", "_body", "_at")

    def __init__(self, headers: Any, body: bytes) -> None:
        self.headers = headers
        self._body = body
        self._at = 0

    @property
    def raw(self) -> "_Received":
        return self

    def read(self, n: int, decode_content: bool = False) -> bytes:
        out = self._body[self._at : self._at + n]
        self._at += len(out)
        return out


class _InTime:
    """The deadline is `asyncio.wait_for`'s here: `_read_capped` never sees it pass."""

    @staticmethod
    def left() -> float:
        return 1.0

    @staticmethod
    def expire() -> None:  # pragma: no cover - never reached (left() stays positive)
        pass


class HttpxTransport:
    """The default transport of `AsyncClient`: `await send(method, url, headers, body, timeout,
    max_response_bytes=...)` -> `(status, headers, body)`.

    `client`: your own `httpx.AsyncClient` (proxies, certificates, limits); yours to close, and
    used on your event loop. Without one, the transport makes its own on the event loop of its
    first exchange (pooled, keep-alive; proxies and `SSL_CERT_FILE` from the environment), closed
    by `aclose()`; used later from another event loop after that one ended, it makes a new one
    (connections cannot outlive their loop).
    """

    def __init__(self, client: Optional[httpx.AsyncClient] = None, *, max_connections: int = 100) -> None:
        if client is not None and not isinstance(client, httpx.AsyncClient):
            raise TypeError(f"client must be an httpx.AsyncClient, not {type(client).__name__}")
        self._given = client
        self._max_connections = max_connections
        self._own: Optional[httpx.AsyncClient] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def _client(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        loop = self._forget_other_loops()
        if self._own is None:
            n = self._max_connections
            self._own = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
                follow_redirects=False,
                headers={"Accept-Encoding": "identity"},
            )
            self._loop = loop
        return self._own

    def _forget_other_loops(self) -> asyncio.AbstractEventLoop:
        """The running loop; the client made on another one is dropped if that loop has ended
        (its connections went with it; closing them would need it)."""
        loop = asyncio.get_running_loop()
        if self._own is not None and self._loop is not loop:
            if self._loop is not None and self._loop.is_running():
                raise RuntimeError(
                    "this transport's connections belong to an event loop still running in another thread: "
                    "give each event loop its own AsyncClient"
                )
            self._own = None
        return loop

    async def send(
        self,
        method: str,
        url: str,
        headers: Sequence[Tuple[str, str]],
        body: Optional[bytes],
        timeout: float,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> Answer:
        where = _where(url)
        if timeout <= 0:
            raise TransportError(TransportErrorKind.TIMEOUT, f"no time was left for an exchange with {where}")
        client = self._client()
        failure: Optional[BaseException] = None
        try:
            return await asyncio.wait_for(
                self._exchange(client, method, url, headers, body, timeout, int(max_response_bytes), where), timeout
            )
        except TransportError:
            raise
        except asyncio.TimeoutError:
            kind = TransportErrorKind.TIMEOUT
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as e:
            failure = e
            kind = _kind(e)
        # Raised here, outside the handler: httpx's exception (whose text holds the URL) is not
        # kept as the context.
        raise TransportError(kind, _WHAT[kind].format(w=where, s=timeout, t=type(failure).__name__))

    @staticmethod
    async def _exchange(
        client: httpx.AsyncClient, method: str, url: str, headers: Any, body: Optional[bytes], timeout: float, cap: int, where: str
    ) -> Answer:
        async with client.stream(
            method, url, headers=_identity_only(headers), content=body, timeout=timeout, follow_redirects=False
        ) as r:
            _read_capped(_Received(r.headers, b""), _InTime, cap, where)  # the head: compressed, or announced too long
            out = bytearray()
            async for chunk in r.aiter_raw(_CHUNK):
                out += chunk
                if len(out) > cap:  # stop reading; the sync transport's words for it
                    _read_capped(_Received(r.headers, bytes(out)), _InTime, cap, where)
            return r.status_code, list(r.headers.multi_items()), bytes(out)

    async def aclose(self) -> None:
        """Closes the connections of the `httpx.AsyncClient` this transport made (one you gave it
        is yours to close)."""
        self._forget_other_loops()
        own, self._own = self._own, None
        if own is not None:
            await own.aclose()

    def __repr__(self) -> str:
        return "HttpxTransport()"


class AsyncGrants:
    """One Maskinporten grant in flight at a time per grant (`_grants.grant_key`: same endpoint,
    key and claims) for all the tasks of a client: the tasks that ask while one is on its way
    wait for it and get its answer. The component's token cache is per store and an
    `AsyncClient` has one store, so once the answer is in, later operations take the token from
    that cache and ask no more; a grant asked for after that (a token expired or refused) goes
    to Maskinporten. Only a 200 is shared: if the grant in flight fails or its task is
    cancelled, the waiting tasks send their own, again one at a time."""

    def __init__(self) -> None:
        self._in_flight: Dict[str, Tuple[asyncio.AbstractEventLoop, "asyncio.Future[Optional[Answer]]"]] = {}
        #: Grants sent to Maskinporten / answered from one in flight (for tests and stats).
        self.sent = 0
        self.shared = 0

    async def send(self, transport: Any, method: str, url: str, headers: Any, body: Any, timeout: float, cap: int) -> Answer:
        key = grant_key(method, url, headers, body)
        if key is None:
            return await transport.send(method, url, headers, body, timeout, max_response_bytes=cap)
        loop = asyncio.get_running_loop()
        while True:
            held = self._in_flight.get(key)
            if held is None or held[0] is not loop:
                break
            answer = await asyncio.shield(held[1])
            if answer is not None:
                self.shared += 1
                return answer
        done: "asyncio.Future[Optional[Answer]]" = loop.create_future()
        self._in_flight[key] = (loop, done)
        shared: Optional[Answer] = None
        try:
            self.sent += 1
            answer = await transport.send(method, url, headers, body, timeout, max_response_bytes=cap)
            if answer[0] == 200:
                shared = answer
            return answer
        finally:
            if self._in_flight.get(key, (None, None))[1] is done:
                del self._in_flight[key]
            done.set_result(shared)
