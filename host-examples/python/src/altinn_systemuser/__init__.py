"""Altinn system user requests for Python ERP hosts, over the `altinn:systemuser` WebAssembly
component (wasmtime-py). See README.md.

```python
from altinn_systemuser import Client, Environment, StandardRequest
client = Client(Environment.TT02, token=my_token_provider)
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
    AltinnError,
    AltinnProblemError,
    ComponentError,
    ComponentNotFoundError,
    ComponentTrapError,
    ConflictError,
    ForbiddenError,
    InvalidResponseError,
    NotFoundError,
    ProblemError,
    TokenError,
    TransportError,
    TransportErrorKind,
    UnauthorizedError,
    ValidationError,
)
from .models import (
    AccessPackage,
    AgentRequest,
    AttributePair,
    CreatedRequest,
    LocalizedText,
    Page,
    RegisteredSystem,
    RequestKind,
    RequestStatus,
    Right,
    StandardRequest,
    SystemUser,
    SystemUserRequest,
    UserType,
    Violation,
)
from .tokens import CallableToken, SimulatorToken, StaticToken, TokenProvider
from .transport import RequestsTransport, Transport

__version__ = "0.1.0"

__all__ = [
    "Client", "Component", "Stats", "Environment", "locate_component", "COMPONENT_ENV",
    "AltinnError", "ValidationError", "ProblemError", "AltinnProblemError", "UnauthorizedError",
    "ForbiddenError", "NotFoundError", "ConflictError", "TransportError", "TransportErrorKind",
    "TokenError", "InvalidResponseError", "ComponentError", "ComponentNotFoundError", "ComponentTrapError",
    "AccessPackage", "AgentRequest", "AttributePair", "CreatedRequest", "LocalizedText", "Page",
    "RegisteredSystem", "RequestKind", "RequestStatus", "Right", "StandardRequest", "SystemUser",
    "SystemUserRequest", "UserType", "Violation",
    "TokenProvider", "StaticToken", "CallableToken", "SimulatorToken", "Transport", "RequestsTransport",
]
