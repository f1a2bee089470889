"""Exceptions. One class per case of the WIT `error` variant, plus the host's own failures.

```
AltinnError
├── ValidationError          the input is invalid; nothing was sent (.violations)
├── ProblemError             Altinn answered with an error (.status .code .title .detail .trace_id)
│   ├── AltinnProblemError   any other 4xx/5xx problem (.extensions .field_errors)
│   ├── UnauthorizedError    401: no token, or one Altinn does not accept
│   ├── ForbiddenError       403: the token lacks the scope
│   ├── NotFoundError        404: no such request / system / system user
│   └── ConflictError        409: e.g. AUTH-00013, the request is no longer New
├── TransportError           the HTTP exchange failed (.kind: connect|timeout|connection-lost|other)
├── MaskinportenError        Maskinporten refused a grant (.code MP-nnn .title .detail .status)
├── TokenError               the token provider or signer failed, or gave a token that cannot be sent
├── SigningKeyError          a Maskinporten key that cannot be used (also a ValueError)
├── InvalidResponseError     Altinn's answer could not be understood or is not safe to use
└── ComponentError           the WebAssembly component itself
    ├── ComponentNotFoundError   no component file
    └── ComponentTrapError       a trap (fuel or memory exhausted, a guest panic); the store was rebuilt
```

No message, `repr` or attribute of these carries an access token, an assertion or key material.
"""

from __future__ import annotations

import enum
import re
from typing import Any, Dict, List, Optional, Sequence

from .models import Violation

__all__ = [
    "AltinnError",
    "ValidationError",
    "ProblemError",
    "AltinnProblemError",
    "UnauthorizedError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "TransportError",
    "TransportErrorKind",
    "MaskinportenError",
    "TokenError",
    "SigningKeyError",
    "InvalidResponseError",
    "ComponentError",
    "ComponentNotFoundError",
    "ComponentTrapError",
]

# Anything that looks like a JWT (three base64url parts) or a bearer credential.
_SECRETISH = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*|(?i:bearer)\s+\S+")


def scrub(text: str) -> str:
    """Masks anything in `text` that looks like a token (JWTs, `Bearer …`)."""
    return _SECRETISH.sub("[redacted]", text)


class AltinnError(Exception):
    """Base class of everything this package raises."""

    def __init__(self, message: str) -> None:
        message = scrub(message)
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ValidationError(AltinnError, ValueError):
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


class _StatusProblem(AltinnError):
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
        self.title = title
        self.detail = detail
        self.trace_id = trace_id

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, title={self.title!r}, "
            f"trace_id={self.trace_id!r}, message={self.message!r})"
        )


class ProblemError(_StatusProblem):
    """Altinn answered with an error status. Key on `code` (e.g. `AUTH-00011`) where there is one."""


class AltinnProblemError(ProblemError):
    """A problem-details answer (4xx/5xx other than 401, 403, 404 and 409)."""

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
        self.extensions: Dict[str, str] = dict(extensions or {})
        #: Field errors of a validation problem.
        self.field_errors: List[Violation] = list(field_errors)


class UnauthorizedError(ProblemError):
    """401: no token, or a token Altinn does not accept (expired, wrong issuer, no consumer)."""


class ForbiddenError(ProblemError):
    """403: the token lacks the scope this operation needs."""


class NotFoundError(ProblemError):
    """404: no such request, system or system user (another vendor's system looks the same)."""


class ConflictError(ProblemError):
    """409: e.g. AUTH-00013, the request is no longer `New`."""


class TransportErrorKind(str, enum.Enum):
    #: No connection was made: the request was certainly not sent.
    CONNECT = "connect"
    #: No answer in time: the request may or may not have been processed.
    TIMEOUT = "timeout"
    #: The connection broke after sending began.
    CONNECTION_LOST = "connection-lost"
    OTHER = "other"


class TransportError(AltinnError):
    """The HTTP exchange failed before a response arrived (after any retries)."""

    def __init__(self, kind: TransportErrorKind, message: str) -> None:
        self.kind = kind
        super().__init__(f"{kind.value}: {message}")


class MaskinportenError(_StatusProblem):
    """Maskinporten refused a grant (Maskinporten mode). `code` is its MP code (e.g. `MP-130`:
    the host clock is off), `title` the OAuth `error`, `detail` its `error_description`;
    the message says what to fix."""

    def __init__(self, message: str, **fields: Any) -> None:
        if fields.get("detail"):
            fields["detail"] = scrub(fields["detail"])
        super().__init__(message, **fields)


class TokenError(AltinnError):
    """The token provider or the signer failed, or a token cannot be sent."""


class SigningKeyError(AltinnError, ValueError):
    """A Maskinporten signing key that cannot be used: unreadable, not an RSA private key, no key
    id. The message names the file and the reason, never the key."""


class InvalidResponseError(AltinnError):
    """Altinn's answer could not be understood or is not safe to use (e.g. a foreign confirm URL)."""


class ComponentError(AltinnError):
    """The WebAssembly component could not be loaded or run."""


class ComponentNotFoundError(ComponentError, FileNotFoundError):
    """No component file where one was looked for."""


class ComponentTrapError(ComponentError):
    """The component trapped (fuel or memory exhausted, a guest panic). Its store was dropped; the
    next call gets a fresh one, so the client stays usable."""
