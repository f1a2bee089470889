"""Altinn system user requests for Python ERP hosts, over the `altinn:systemuser` WebAssembly
component (wasmtime-py). See README.md.

```python
from altinn_systemuser import Client, Environment, Maskinporten, RsaSigner, StandardRequest
client = Client(Environment.TT02, maskinporten=Maskinporten(
    "my-client-id", RsaSigner.from_file("maskinporten-key.pem", kid="my-kid")))
created = client.create_standard_request(StandardRequest(
    system_id="991825827_smartcloud", party_org_no="310816191", external_ref="cust-42",
    access_packages=["urn:altinn:accesspackage:skattegrunnlag"]))
print(created.request.status, created.request.confirm_url)
```
"""

from ._runtime import COMPONENT_ENV, locate_component
from .client import Client, Component, Stats
from .environments import Environment
from .errors import (
    SystemUserError,
    AltinnError,
    AltinnProblemError,
    ComponentError,
    ComponentNotFoundError,
    ComponentTrapError,
    ConflictError,
    DecisionTimeoutError,
    ForbiddenError,
    InvalidResponseError,
    MaskinportenError,
    MisuseError,
    NotFoundError,
    ProblemError,
    SigningKeyError,
    TokenError,
    TransportError,
    TransportErrorKind,
    UnauthorizedError,
    UnavailableError,
    ValidationError,
)
from .maskinporten import CertificateChain, KeyId, KeyIdentity, Maskinporten, RsaSigner, Signer, SystemClock
from .models import (
    AccessPackage,
    AccessToken,
    AgentRequest,
    AgentSystemUser,
    AttributePair,
    Bureau,
    BureauClient,
    ChangeRequest,
    ChangeRequestList,
    ChangeRequestStatus,
    ChangeResult,
    ClientLink,
    ClientList,
    CreatedChangeRequest,
    CreatedRequest,
    LocalizedText,
    NO_CHANGE_NEEDED,
    NoChangeNeeded,
    Page,
    RegisteredSystem,
    RequestKind,
    RequestStatus,
    Right,
    StandardRequest,
    SystemChange,
    SystemChangeType,
    SystemRegistration,
    SystemUpdate,
    SystemUser,
    SystemUserChangeRequest,
    SystemUserRequest,
    UserType,
    Violation,
)
from .tokens import CallableToken, SimulatorToken, StaticToken, TokenProvider
from .transport import DEFAULT_MAX_RESPONSE_BYTES, RequestsTransport, Transport

__version__ = "0.1.0"


def __getattr__(name: str):
    # `AsyncClient` (and httpx) load on first use: `import altinn_systemuser` stays as quick.
    if name in ("AsyncClient", "HttpxTransport"):
        from . import aio

        return getattr(aio, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Client", "AsyncClient", "HttpxTransport", "Component", "Stats", "Environment", "locate_component", "COMPONENT_ENV",
    "SystemUserError", "ValidationError", "ProblemError", "AltinnError", "AltinnProblemError", "UnauthorizedError",
    "ForbiddenError", "NotFoundError", "ConflictError", "DecisionTimeoutError", "UnavailableError", "TransportError", "TransportErrorKind",
    "TokenError", "MaskinportenError", "SigningKeyError", "InvalidResponseError", "MisuseError",
    "ComponentError", "ComponentNotFoundError", "ComponentTrapError",
    "AccessPackage", "AgentRequest", "AttributePair", "CreatedRequest", "LocalizedText", "Page",
    "RegisteredSystem", "RequestKind", "RequestStatus", "Right", "StandardRequest", "SystemUser",
    "SystemUserRequest", "UserType", "Violation", "AccessToken",
    "ChangeRequest", "ChangeRequestStatus", "SystemUserChangeRequest", "CreatedChangeRequest", "NoChangeNeeded",
    "NO_CHANGE_NEEDED", "ChangeResult", "ChangeRequestList",
    "SystemUpdate", "SystemRegistration", "SystemChange", "SystemChangeType",
    "Bureau", "AgentSystemUser", "BureauClient", "ClientList", "ClientLink",
    "Maskinporten", "Signer", "RsaSigner", "KeyId", "CertificateChain", "KeyIdentity", "SystemClock",
    "TokenProvider", "StaticToken", "CallableToken", "SimulatorToken", "Transport", "RequestsTransport",
    "DEFAULT_MAX_RESPONSE_BYTES",
]
