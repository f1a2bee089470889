"""Exceptions. One class per case of the WIT `error` variant, plus the host's own failures.

```
SystemUserError
├── ValidationError          the input is invalid; nothing was sent (.violations)
├── ProblemError             Altinn answered with an error (.status .code .title .detail .trace_id)
│   ├── AltinnError   any other 4xx/5xx problem (.extensions .field_errors)
│   ├── UnauthorizedError    401: no token, or one Altinn does not accept
│   ├── ForbiddenError       403: the token lacks the scope
│   ├── NotFoundError        404: no such request / system / system user
│   └── ConflictError        409: e.g. AUTH-00013, the request is no longer New; a reused correlation id
├── UnavailableError         429, or 5xx after the retries allowed: "could not tell", not "no" (.retry_after_seconds)
├── TransportError           the exchange failed or the deadline passed (.kind: connect|timeout|connection-lost|too-large|other)
├── MaskinportenError        Maskinporten refused a grant (.code MP-nnn .title .detail .status)
├── TokenError               the token provider or signer failed, or gave a token that cannot be sent
├── SigningKeyError          a Maskinporten key that cannot be used (also a ValueError)
├── InvalidResponseError     Altinn's answer could not be understood, is not safe, or answers another question
├── MisuseError              this host broke the component's operation protocol (a bug here, not at Altinn)
└── ComponentError           the WebAssembly component itself
    ├── ComponentNotFoundError   no component file
    └── ComponentTrapError       a trap (fuel or memory exhausted, a guest panic); the store was rebuilt
```

`UnavailableError` and `TransportError` are the two "could not tell" errors (`retryable` is
true): the same call may work later, and nothing about the customer follows from them.

No message, `repr` or attribute of these carries an access token, an assertion or key material.
"""

from __future__ import annotations

import enum
import re
from typing import Any, Dict, List, Optional, Sequence

from .models import Violation

__all__ = [
    "SystemUserError",
    "DecisionTimeoutError",
    "ValidationError",
    "ProblemError",
    "AltinnError",
    "AltinnProblemError",
    "UnauthorizedError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "UnavailableError",
    "TransportError",
    "TransportErrorKind",
    "MaskinportenError",
    "TokenError",
    "SigningKeyError",
    "InvalidResponseError",
    "MisuseError",
    "ComponentError",
    "ComponentNotFoundError",
    "ComponentTrapError",
]

# A JWT or any piece of one (a JOSE header always starts `eyJ`), and a `Bearer` credential
# (8+ characters, so that prose such as "bearer token" stays).
_JWTISH = re.compile(r"eyJ[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*){0,2}")
_BEARER = re.compile(r"\b(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}")
_BASIC = re.compile(r"\b(?i:basic)\s+[A-Za-z0-9._~+/=-]{8,}")
# `key: value`, `key=value`, `"key": "value"`, `'key': 'value'` where the key names a credential;
# the value may start with its scheme (`Authorization: Bearer …`).
_SECRET_KEY = r"[A-Za-z0-9_.-]*(?:token|secret|password|passwd|assertion|authorization|api[_-]?key)[A-Za-z0-9_.-]*"
_KEY_VALUE = re.compile(
    r"(?i)([\"']?\b" + _SECRET_KEY + r"[\"']?\s*[:=]\s*)"
    r"(\[redacted\]|(?:(?:bearer|basic)\s+)?(?:\"(?:[^\"\\]|\\.)*\"?|'(?:[^'\\]|\\.)*'?|[^\s,;&\"'}\])]+))"
)
#: The longest text a token provider's or signer's failure keeps.
_MAX_PROVIDER_TEXT = 300


def scrub(text: str) -> str:
    """Masks anything in `text` that looks like a token: a JWT or any run of one (even cut
    short), `Bearer …`."""
    return _JWTISH.sub("[redacted]", _BEARER.sub("[redacted]", text))


def scrub_provider_text(text: str) -> str:
    """What a token provider's or signer's failure may show: `scrub`, and the value of every
    `token`/`secret`/`password`/`assertion`/`authorization` key (`k: v`, `k=v`, JSON, Python
    reprs) masked, then cut to a few hundred characters. Its authors may have quoted a
    credential; nothing of the provider's text reaches an error without passing here."""
    masked = _KEY_VALUE.sub(lambda m: m.group(1) + "[redacted]", _BASIC.sub("[redacted]", scrub(text)))
    if len(masked) > _MAX_PROVIDER_TEXT:
        masked = masked[:_MAX_PROVIDER_TEXT] + "…"
    return masked


def provider_failure(what: str, e: BaseException) -> str:
    """`<what> failed: <type>: <message>`, the message scrubbed for secrets."""
    return f"{what} failed: {type(e).__name__}: {scrub_provider_text(str(e))}"


class SystemUserError(Exception):
    """Base class of everything this package raises."""

    #: True for the "could not tell" errors (`UnavailableError`, `TransportError`): the server
    #: neither said yes nor no, and the same call may work later.
    retryable = False

    def __init__(self, message: str) -> None:
        message = scrub(message)
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ValidationError(SystemUserError, ValueError):
    """The input is invalid; nothing was sent. `violations` lists every problem in Altinn's rule order."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations: List[Violation] = list(violations)
        if len(self.violations) == 1:
            head = str(self.violations[0])
        else:
            head = f"{len(self.violations)} violations: " + "; ".join(str(v) for v in self.violations)
        super().__init__(f"invalid input: {head}")

    @property
    def codes(self) -> List[str]:
        return [v.code for v in self.violations]


class _StatusProblem(SystemUserError):
    """An error status with the fields of WIT's `status-problem`."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: Optional[str] = None,
        title: Optional[str] = None,
        detail: Optional[str] = None,
        trace_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        # Server text: the component has taken out every token it sent; anything else token-like
        # goes too.
        self.title = None if title is None else scrub(title)
        self.detail = None if detail is None else scrub(detail)
        self.trace_id = trace_id

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, title={self.title!r}, "
            f"trace_id={self.trace_id!r}, message={self.message!r})"
        )


class ProblemError(_StatusProblem):
    """Altinn answered with an error status. Key on `code` (e.g. `AUTH-00011`) where there is one."""


class AltinnError(ProblemError):
    """Altinn refused with a problem-details answer (4xx/5xx other than 401, 403, 404 and 409),
    as `AltinnError` is in every host (the root README's "One vocabulary"; before 0.1 it was this
    package's base class, now `SystemUserError`)."""

    def __init__(
        self,
        message: str,
        *,
        extensions: Optional[Dict[str, str]] = None,
        field_errors: Sequence[Violation] = (),
        **fields: Any,
    ) -> None:
        super().__init__(message, **fields)
        #: Extra top-level members (e.g. `NotFoundPackages`), name → JSON text.
        self.extensions: Dict[str, str] = {k: scrub(v) for k, v in (extensions or {}).items()}
        #: Field errors of a validation problem.
        self.field_errors: List[Violation] = [
            Violation(v.code, v.field, scrub(v.message)) for v in field_errors
        ]

    @property
    def codes(self) -> List[str]:
        """`code` and the codes of the field errors: a validation problem (`STD-00000`) carries
        Altinn's AUTH.VLD codes there (e.g. `AUTH.VLD-00002` a system id taken,
        `AUTH.VLD-00014` no such agent system user, `AUTH.VLD-00015` not an agent)."""
        out = [] if self.code is None else [self.code]
        return out + [v.code for v in self.field_errors if v.code not in out]


#: The earlier name of `AltinnError` (the problem-details answer).
AltinnProblemError = AltinnError


class UnauthorizedError(ProblemError):
    """401: no token, or a token Altinn does not accept (expired, wrong issuer, no consumer)."""


class ForbiddenError(ProblemError):
    """403: the token lacks the scope this operation needs."""


class NotFoundError(ProblemError):
    """404: no such request, system or system user (another vendor's system looks the same)."""


class ConflictError(ProblemError):
    """409: e.g. AUTH-00013, the request is no longer `New`; AUTH-00061, a change request's
    correlation id used on another vendor's system. Also code `correlation-id-reused` (status 200):
    Altinn answered a change-request create with the change request already stored under that
    correlation id, and it is another change than asked (never reported as success)."""


class UnavailableError(_StatusProblem):
    """Altinn or Maskinporten could not answer now: 429, or 5xx after the retries the budget and
    the deadline allowed. Not a "no": try again later (after `retry_after_seconds` when the server
    said how long)."""

    retryable = True

    def __init__(self, message: str, *, retry_after_seconds: Optional[int] = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        #: The server's `Retry-After`, in seconds, when it gave one.
        self.retry_after_seconds = retry_after_seconds

    def __repr__(self) -> str:
        return (
            f"UnavailableError(status={self.status}, code={self.code!r}, retry_after_seconds={self.retry_after_seconds!r}, "
            f"trace_id={self.trace_id!r}, message={self.message!r})"
        )


class TransportErrorKind(str, enum.Enum):
    #: No connection was made: the request was certainly not sent.
    CONNECT = "connect"
    #: No complete answer in time (or the operation's deadline passed): the request may or may
    #: not have been processed.
    TIMEOUT = "timeout"
    #: The connection broke after sending began.
    CONNECTION_LOST = "connection-lost"
    #: The answer was longer than the request's cap, or compressed: not read.
    TOO_LARGE = "too-large"
    OTHER = "other"


class TransportError(SystemUserError):
    """The HTTP exchange failed before a usable response arrived (after any retries), or the
    operation's deadline passed."""

    retryable = True

    def __init__(self, kind: TransportErrorKind, message: str) -> None:
        self.kind = kind
        #: What happened, without the kind in front.
        self.reason = scrub(message)
        super().__init__(f"{kind.value}: {message}")


class MaskinportenError(_StatusProblem):
    """Maskinporten refused a grant (Maskinporten mode). `code` is its MP code (e.g. `MP-130`:
    the host clock is off), `title` the OAuth `error`, `detail` its `error_description`;
    the message says what to fix."""


class TokenError(SystemUserError):
    """The token provider or the signer failed, or a token cannot be sent."""


class SigningKeyError(SystemUserError, ValueError):
    """A Maskinporten signing key that cannot be used: unreadable, not an RSA private key, no key
    id. The message names the file and the reason, never the key."""


class InvalidResponseError(SystemUserError):
    """Altinn's answer could not be understood, is not safe to use (e.g. a foreign confirm URL),
    or answers another question (another id, system, customer, external ref or kind)."""


class MisuseError(SystemUserError):
    """This host broke the component's operation protocol (an answer for another step, `finish`
    before `done`): a bug in the host, not something Altinn said."""


class ComponentError(SystemUserError):
    """The WebAssembly component could not be loaded or run."""


class ComponentNotFoundError(ComponentError, FileNotFoundError):
    """No component file where one was looked for."""


class ComponentTrapError(ComponentError):
    """The component trapped (fuel or memory exhausted, a guest panic). Its store was dropped; the
    next call gets a fresh one, so the client stays usable."""


class DecisionTimeoutError(SystemUserError, TimeoutError):
    """`Client.wait_for_decision` gave up: the customer had not decided within `timeout`.
    `.request` is the last state read (still `New`); waiting again later is fine."""

    def __init__(self, message: str, request: Any = None) -> None:
        super().__init__(message)
        self.request = request
