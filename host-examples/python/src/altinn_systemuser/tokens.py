"""Token providers: where the component's `token.access-token` import gets its access tokens.

A provider is anything with `get_token(scopes) -> str`, or any callable `f(scopes) -> str`.
`scopes` is the exact list of Maskinporten scopes the operation needs (API.md §3). A provider
that cannot give a token raises; the call then fails with `TokenError`. Its message is kept
(type and text), with anything token-like masked: JWTs and any piece of one, `Bearer …`, and
the value of every `token`/`secret`/`password`/`assertion`/`authorization` key.

No provider shows its token in `repr`, `str` or an error message.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, Optional, Protocol, Sequence, Tuple, Union, runtime_checkable

__all__ = [
    "TokenProvider",
    "StaticToken",
    "CallableToken",
    "SimulatorToken",
    "as_token_provider",
    "mask",
    "SCOPE_REQUEST_READ",
    "SCOPE_REQUEST_WRITE",
    "SCOPE_REGISTER_WRITE",
]

SCOPE_REQUEST_READ = "altinn:authentication/systemuser.request.read"
SCOPE_REQUEST_WRITE = "altinn:authentication/systemuser.request.write"
SCOPE_REGISTER_WRITE = "altinn:authentication/systemregister.write"
ALL_VENDOR_SCOPES = (SCOPE_REQUEST_READ, SCOPE_REQUEST_WRITE, SCOPE_REGISTER_WRITE)


def mask(token: str) -> str:
    """A token fit to show a person: its first 6 characters and its length, nothing else."""
    return f"{token[:6]}…({len(token)} chars)" if token else "(empty)"


def _is_control(ch: str) -> bool:
    o = ord(ch)
    return o < 0x20 or 0x7F <= o <= 0x9F


@runtime_checkable
class TokenProvider(Protocol):
    def get_token(self, scopes: Sequence[str]) -> str:  # pragma: no cover - protocol
        ...


class StaticToken:
    r"""One token for every operation (it must carry every scope you use).

    A token read from a file usually ends with a newline: exactly one trailing `\n` (or
    `\r\n`) is dropped. Any other control character is refused with a `ValueError` that names
    the character, never the token.
    """

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        if not isinstance(token, str) or not token:
            raise ValueError("StaticToken needs a non-empty string")
        if token.endswith("\r\n"):
            token = token[:-2]
        elif token.endswith("\n"):
            token = token[:-1]
        bad = next((ch for ch in token if _is_control(ch)), None)
        if bad is not None:
            raise ValueError(
                f"StaticToken: the token holds a control character (U+{ord(bad):04X}); only one "
                "trailing newline is dropped (a token file may end with one)"
            )
        if not token:
            raise ValueError("StaticToken needs a non-empty string")
        self._token = token

    def get_token(self, scopes: Sequence[str]) -> str:
        return self._token

    def __repr__(self) -> str:
        return "StaticToken(<hidden>)"

    __str__ = __repr__


class CallableToken:
    """Wraps `f(scopes) -> str` (e.g. your own Maskinporten client with its cache)."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Callable[[Sequence[str]], str]) -> None:
        self._fn = fn

    def get_token(self, scopes: Sequence[str]) -> str:
        return self._fn(list(scopes))

    def __repr__(self) -> str:
        return f"CallableToken({getattr(self._fn, '__qualname__', type(self._fn).__name__)})"


class SimulatorToken:
    """Mints vendor tokens from the local simulator's admin route (`POST /_sim/token`).

    For tests and demos against `altinn-sim --admin` only; cached per scope set until 30 s
    before expiry.
    """

    def __init__(self, base_url: str, vendor_org_no: str, *, lifetime: int = 3600, session=None) -> None:
        import requests

        self._url = base_url.rstrip("/") + "/_sim/token"
        self.vendor_org_no = vendor_org_no
        self._lifetime = lifetime
        self._session = session or requests.Session()
        self._cache: Dict[Tuple[str, ...], Tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get_token(self, scopes: Sequence[str]) -> str:
        key = tuple(sorted(scopes))
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[1] > now:
                return hit[0]
        r = self._session.post(
            self._url,
            json={"vendorOrgNo": self.vendor_org_no, "scopes": list(key), "expiresIn": self._lifetime},
            timeout=10,
        )
        if r.status_code != 200:
            raise RuntimeError(f"the simulator refused to mint a token ({r.status_code})")
        body = r.json()
        token = body["access_token"]
        ttl = float(body.get("expires_in", self._lifetime))
        with self._lock:
            self._cache[key] = (token, now + max(0.0, ttl - 30))
        return token

    def __repr__(self) -> str:
        return f"SimulatorToken({self._url!r}, vendor={self.vendor_org_no!r})"


TokenLike = Union[str, TokenProvider, Callable[[Sequence[str]], str]]


def as_token_provider(token: Optional[TokenLike]) -> TokenProvider:
    """A provider from a string (static token), a provider, or a callable."""
    if token is None:
        raise ValueError("a token provider is required: a token string, a callable or a TokenProvider")
    if isinstance(token, str):
        return StaticToken(token)
    if isinstance(token, TokenProvider):
        return token
    if callable(token):
        return CallableToken(token)
    raise TypeError(f"not a token provider: {type(token).__name__}")
