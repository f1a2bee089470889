"""HTTP for the component's `http.send` import, over `requests`.

- the timeout is the one each request carries (`timeout-ms`);
- redirects are never followed (a bearer token must not go to another host);
- 4xx/5xx come back as responses, not errors;
- proxies and CA bundles come from the environment (`HTTPS_PROXY`, `NO_PROXY`, `REQUESTS_CA_BUNDLE`…);
- one pooled session per transport (keep-alive);
- failures become `TransportError` with kind `connect`, `timeout`, `connection-lost` or `other`
  and a message that names the host only (never a header, a token or a query string).

Any object with the same `send` method can replace it (`Client(transport=...)`).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from .errors import TransportError, TransportErrorKind

log = logging.getLogger("altinn_systemuser.http")

__all__ = ["Transport", "RequestsTransport"]

Headers = List[Tuple[str, str]]


class Transport:
    """The interface: send one request as given and return `(status, headers, body)`."""

    def send(
        self, method: str, url: str, headers: Sequence[Tuple[str, str]], body: Optional[bytes], timeout: float
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
    """How a `requests` failure maps onto the WIT `transport-error-kind`."""
    import urllib3.exceptions as u3

    if isinstance(e, requests.exceptions.ConnectTimeout):
        return TransportErrorKind.CONNECT
    if isinstance(e, requests.exceptions.Timeout):
        return TransportErrorKind.TIMEOUT
    chain = _chain(e)
    if any(isinstance(x, (u3.NewConnectionError, u3.NameResolutionError, ConnectionRefusedError)) for x in chain):
        return TransportErrorKind.CONNECT
    if any(isinstance(x, (u3.ProtocolError, ConnectionResetError, BrokenPipeError)) for x in chain) or isinstance(
        e, requests.exceptions.ChunkedEncodingError
    ):
        return TransportErrorKind.CONNECTION_LOST
    if any(isinstance(x, (u3.ReadTimeoutError, TimeoutError)) for x in chain):
        return TransportErrorKind.TIMEOUT
    if isinstance(e, requests.exceptions.ConnectionError):
        return TransportErrorKind.CONNECTION_LOST
    return TransportErrorKind.OTHER


_WHAT = {
    TransportErrorKind.CONNECT: "could not connect to {w}",
    TransportErrorKind.TIMEOUT: "no answer from {w} in time",
    TransportErrorKind.CONNECTION_LOST: "the connection to {w} broke before an answer arrived",
    TransportErrorKind.OTHER: "the exchange with {w} failed ({t})",
}


class RequestsTransport(Transport):
    """The default transport. `session` may be your own `requests.Session` (proxies, certs)."""

    def __init__(self, session: Optional[requests.Session] = None, *, pool_size: int = 16) -> None:
        self._own = session is None
        self._local = threading.local()
        self._shared = session
        self._pool_size = pool_size
        self._env_cache: dict = {}

    def _session(self) -> requests.Session:
        if self._shared is not None:
            return self._shared
        s = getattr(self._local, "s", None)
        if s is None:
            s = requests.Session()
            # The environment (proxies, CA bundle) is read once per origin below, not per request.
            s.trust_env = False
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self._pool_size, max_retries=0)
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            self._local.s = s
        return s

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

    def send(self, method, url, headers, body, timeout):  # type: ignore[override]
        try:
            proxies, verify = self._env(url)
            extra = {} if verify is None else {"proxies": proxies, "verify": verify}
            r = self._session().request(
                method,
                url,
                headers=dict(headers),
                data=body,
                timeout=timeout,
                allow_redirects=False,
                **extra,
            )
            content = r.content
        except requests.exceptions.RequestException as e:
            kind = classify(e)
            msg = _WHAT[kind].format(w=_where(url), t=type(e).__name__)
            log.debug("%s %s: %s", method, _where(url), msg)
            raise TransportError(kind, msg) from None
        log.debug("%s %s%s -> %s", method, _where(url), urlsplit(url).path, r.status_code)
        return r.status_code, list(r.headers.items()), content

    def __repr__(self) -> str:
        return "RequestsTransport()"
