"""One Maskinporten token cache per client, shared by all its threads.

The component caches the tokens it gets from Maskinporten in its store, and a client has one
store per thread (wasmtime stores are not shared across threads). Without help, N threads of one
client make N grants for the same token (16 `asyncio.to_thread` calls made 6). This transport
wrapper, used by a client in Maskinporten mode, sees the grants the component posts (a form POST
with `grant_type=…jwt-bearer` and an `assertion`), and for the same grant (same endpoint, key and
claims apart from `iat`, `exp` and `jti`) lets only one go to Maskinporten at a time: the others
wait for it and get its answer, with `expires_in` lowered to what is left of the token's life.

A thread's store asks again for a grant it was already handed only when its own cache cannot use
that token any more (expired by its clock, refused by Altinn, or a rebuilt store): that request
goes to Maskinporten, and its answer replaces the shared one. Only 200 answers are shared; any
error goes to the thread that asked, as it came.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qs

#: A shared token is handed out only while more than this is left of its life (the component
#: itself stops using a token 30 s before it expires).
MARGIN_SECONDS = 45.0

_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _b64json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def grant_key(method: str, url: str, headers: Sequence[Tuple[str, str]], body: Optional[bytes]) -> Optional[str]:
    """The identity of a Maskinporten grant (None for any other request)."""
    if method.upper() != "POST" or not body or b"assertion=" not in body:
        return None
    try:
        form = parse_qs(body.decode("ascii"), strict_parsing=True)
        if form.get("grant_type") != [_JWT_BEARER] or len(form.get("assertion", ())) != 1:
            return None
        head, claims, _sig = form["assertion"][0].split(".")
        header, payload = _b64json(head), _b64json(claims)
        if not isinstance(header, dict) or not isinstance(payload, dict):
            return None
    except (ValueError, UnicodeDecodeError, KeyError):
        return None
    for varying in ("iat", "exp", "jti", "nbf"):
        payload.pop(varying, None)
    rest = {k: v for k, v in form.items() if k not in ("assertion",)}
    return json.dumps([url, header, payload, rest], sort_keys=True)


class _Entry:
    __slots__ = ("status", "headers", "answer", "expires_in", "obtained", "served")

    def __init__(self, status: int, headers: List[Tuple[str, str]], answer: Dict[str, Any], expires_in: float, me: int) -> None:
        self.status = status
        self.headers = headers
        self.answer = answer
        self.expires_in = expires_in
        self.obtained = time.monotonic()
        #: The threads whose stores were handed this token.
        self.served = {me}

    def left(self) -> float:
        return self.expires_in - (time.monotonic() - self.obtained)


class SharedGrants:
    """A transport that shares Maskinporten grants between the threads of one client."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._key_locks: Dict[str, threading.Lock] = {}
        self._entries: Dict[str, _Entry] = {}
        #: Grants sent to Maskinporten / answered from the shared cache (for tests and stats).
        self.sent = 0
        self.shared = 0
        # A number per thread, never reused (thread idents are, once a thread ends).
        self._local = threading.local()
        self._numbers = itertools.count()

    def _me(self) -> int:
        n = getattr(self._local, "n", None)
        if n is None:
            n = self._local.n = next(self._numbers)
        return n

    def send(self, method: str, url: str, headers: Any, body: Any, timeout: float, max_response_bytes: int = 1 << 20) -> Any:
        from ._runtime import accepts_answer_cap

        def forward() -> Any:
            if accepts_answer_cap(self.inner):
                return self.inner.send(method, url, headers, body, timeout, max_response_bytes=max_response_bytes)
            return self.inner.send(method, url, headers, body, timeout)

        key = grant_key(method, url, headers, body)
        if key is None:
            return forward()
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        me = self._me()
        with key_lock:  # one grant for this key in flight at a time; the others wait for it
            e = self._entries.get(key)
            if e is not None and me not in e.served and e.left() > MARGIN_SECONDS:
                e.served.add(me)
                self.shared += 1
                answer = dict(e.answer, expires_in=int(e.left()))
                out = json.dumps(answer).encode("utf-8")
                hs = [(k, v) for k, v in e.headers if k.lower() != "content-length"]
                hs.append(("content-length", str(len(out))))
                return e.status, hs, out
            self.sent += 1
            status, rheaders, rbody = forward()
            self._remember(key, status, rheaders, rbody, me)
            return status, rheaders, rbody

    def _remember(self, key: str, status: int, headers: Any, body: Any, me: int) -> None:
        if status != 200:
            return
        try:
            answer = json.loads(bytes(body))
        except (ValueError, TypeError):
            return
        exp = answer.get("expires_in") if isinstance(answer, dict) else None
        if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
            return
        if isinstance(exp, bool) or not isinstance(exp, (int, float)) or exp <= MARGIN_SECONDS:
            self._entries.pop(key, None)
            return
        self._entries[key] = _Entry(status, list(headers), answer, float(exp), me)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()
