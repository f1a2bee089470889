"""What several test files share: the repository's one table of named calls (`tests/calls.json`)
as this package's values, the names the catalogue gives errors and outcomes, a guard against a
hang, and a hunt for secrets in an error."""

import json
import threading
import time
from pathlib import Path

from altinn_systemuser import (
    AccessPackage,
    AccessToken,
    AgentRequest,
    AgentSystemUser,
    AltinnError,
    AttributePair,
    Bureau,
    ChangeRequestList,
    ClientLink,
    ClientList,
    ConflictError,
    CreatedChangeRequest,
    CreatedRequest,
    ForbiddenError,
    InvalidResponseError,
    MaskinportenError,
    MisuseError,
    NoChangeNeeded,
    NotFoundError,
    Page,
    RegisteredSystem,
    RequestKind,
    Right,
    StandardRequest,
    SystemChange,
    SystemRegistration,
    SystemUser,
    SystemUserChangeRequest,
    SystemUserRequest,
    TokenError,
    TransportError,
    UnauthorizedError,
    UnavailableError,
    ValidationError,
)
from altinn_systemuser import _wit

ROOT = Path(__file__).resolve().parents[3]
CALLS = json.loads((ROOT / "tests" / "calls.json").read_text(encoding="utf-8"))["calls"]


# -- the named calls ---------------------------------------------------------------------------


def _rights(v):
    if v is None:
        return None
    return [Right([AttributePair(p["id"], p["value"]) for p in r["resource"]], r.get("action")) for r in v]


def _packages(v):
    return None if v is None else [AccessPackage(p["urn"]) for p in v]


def request_of(spec):
    """A create call's request."""
    common = dict(
        system_id=spec["systemId"],
        party_org_no=spec["partyOrgNo"],
        external_ref=spec.get("externalRef"),
        integration_title=spec.get("integrationTitle"),
        redirect_url=spec.get("redirectUrl"),
        rights=_rights(spec.get("rights")),
    )
    if spec["call"] == "create-agent-request":
        return AgentRequest(access_packages=_packages(spec.get("accessPackages")) or [], **common)
    return StandardRequest(access_packages=_packages(spec.get("accessPackages")), **common)


def _kind(spec):
    return RequestKind(spec.get("kind", "standard"))


def wit_call(name):
    """The call named `name` as `protocol.parse` takes it (built with the package's converters)."""
    spec = CALLS[name]
    tag = spec["call"]
    if tag == "create-change-request":
        # The POST itself, for a system user known by id (a task looks it up first).
        return _wit.task(
            tag,
            _wit.new_change_request(
                spec["systemUserId"],
                spec["correlationId"],
                _rights(spec.get("requiredRights")) or [],
                _rights(spec.get("unwantedRights")) or [],
                _packages(spec.get("requiredAccessPackages")) or [],
                _packages(spec.get("unwantedAccessPackages")) or [],
                spec.get("redirectUrl"),
            ),
        )
    if tag.startswith("create-"):
        return _wit.create_task(request_of(spec))
    if tag in ("register-system", "replace-system"):
        return _wit.task(tag, _wit.registered_system(RegisteredSystem.from_json(spec["system"])))
    if tag == "list-systems":
        return _wit.task(tag, None)
    payload = {
        "get-request": lambda: _wit.request_id(_kind(spec), spec["id"]),
        "get-request-by-external-ref": lambda: _wit.external_ref_key(
            _kind(spec), spec["systemId"], spec["orgNo"], spec["externalRef"]
        ),
        "list-requests": lambda: _wit.list_requests_query(_kind(spec), spec["systemId"], spec.get("page")),
        "withdraw-request": lambda: spec["id"],
        "verify-system-user": lambda: _wit.verify_query(spec["systemId"], spec["orgNo"], spec.get("externalRef")),
        "list-system-users": lambda: _wit.list_system_users_query(spec["systemId"], spec.get("page")),
        "get-registered-system": lambda: spec["systemId"],
        "get-change-request": lambda: spec["id"],
        "get-change-request-by-external-ref": lambda: _wit.change_request_key(
            spec["systemId"], spec["orgNo"], spec["externalRef"]
        ),
        "list-change-requests": lambda: spec["systemId"],
        "withdraw-change-request": lambda: spec["id"],
        "set-system-rights": lambda: _wit.system_rights(spec["systemId"], _rights(spec["rights"])),
        "set-system-access-packages": lambda: _wit.system_access_packages(
            spec["systemId"], _packages(spec["accessPackages"])
        ),
        "delete-system": lambda: spec["systemId"],
        "system-changelog": lambda: spec["systemId"],
        "list-agents": lambda: spec["partyOrgNo"],
        "list-available-clients": lambda: spec["agent"],
        "list-clients": lambda: spec["agent"],
        "add-client": lambda: _wit.client_link(spec["agent"], spec["client"]),
        "remove-client": lambda: _wit.client_link(spec["agent"], spec["client"]),
    }[tag]()
    return _wit.task(tag, payload)


def run_call(client, name):
    """The call named `name` through the client's public method for it."""
    spec = CALLS[name]
    tag = spec["call"]
    if tag == "create-change-request":
        raise AssertionError(
            f"{name}: the POST of a change request for a system user id is no client method "
            "(Client.create_change_request looks its system user up first)"
        )
    if tag.startswith("create-"):
        return client.create_request(request_of(spec))
    return {
        "get-request": lambda: client.get_request(spec["id"], _kind(spec)),
        "get-request-by-external-ref": lambda: client.get_request_by_external_ref(
            spec["systemId"], spec["orgNo"], spec["externalRef"], _kind(spec)
        ),
        "list-requests": lambda: client.list_requests(spec["systemId"], _kind(spec), spec.get("page")),
        "withdraw-request": lambda: client.withdraw_request(spec["id"]),
        "verify-system-user": lambda: client.verify_system_user(spec["systemId"], spec["orgNo"], spec.get("externalRef")),
        "list-system-users": lambda: client.list_system_users(spec["systemId"], spec.get("page")),
        "get-registered-system": lambda: client.get_registered_system(spec["systemId"]),
        "get-change-request": lambda: client.get_change_request(spec["id"]),
        "get-change-request-by-external-ref": lambda: client.get_change_request_by_external_ref(
            spec["systemId"], spec["orgNo"], spec["externalRef"]
        ),
        "list-change-requests": lambda: client.list_change_requests(spec["systemId"]),
        "withdraw-change-request": lambda: client.withdraw_change_request(spec["id"]),
        "list-systems": lambda: client.list_systems(),
        "register-system": lambda: client.register_system(spec["system"]),
        # A replacement of the whole record is what `update_system` sends after its merge.
        "replace-system": lambda: client.update_system(_update_of(spec["system"])),
        "set-system-rights": lambda: client.set_system_rights(spec["systemId"], spec["rights"]),
        "set-system-access-packages": lambda: client.set_system_access_packages(spec["systemId"], spec["accessPackages"]),
        "delete-system": lambda: client.delete_system(spec["systemId"]),
        "system-changelog": lambda: client.system_changelog(spec["systemId"]),
        "list-agents": lambda: client.list_agents(Bureau(spec["partyOrgNo"])),
        "list-available-clients": lambda: client.list_available_clients(DELEGATION_BUREAU, spec["agent"]),
        "list-clients": lambda: client.list_clients(DELEGATION_BUREAU, spec["agent"]),
        "add-client": lambda: client.add_client(DELEGATION_BUREAU, spec["agent"], spec["client"]),
        "remove-client": lambda: client.remove_client(DELEGATION_BUREAU, spec["agent"], spec["client"]),
    }[tag]()


#: The bureau a named delegation call is made for (calls.json names the agent and client only).
DELEGATION_BUREAU = Bureau("310816191")


def _update_of(system):
    """Every member of a system in Altinn's shape as a `SystemUpdate` (the id and the rest)."""
    s = RegisteredSystem.from_json(system)
    return {k: v for k, v in s.to_json().items() if k != "vendor"}


# -- names in the catalogue's terms ------------------------------------------------------------

ERROR_NAMES = {
    ValidationError: "validation",
    AltinnError: "altinn",
    UnauthorizedError: "unauthorized",
    ForbiddenError: "forbidden",
    NotFoundError: "not-found",
    ConflictError: "conflict",
    UnavailableError: "unavailable",
    TransportError: "transport",
    TokenError: "token",
    MaskinportenError: "maskinporten",
    InvalidResponseError: "invalid-response",
    MisuseError: "misuse",
}

# The outcome a call (WIT case) answers with, and the Python value that stands for it (or
# several: outcome name → class).
OUTCOMES = {
    "create-standard-request": ("created", CreatedRequest),
    "create-agent-request": ("created", CreatedRequest),
    "get-request": ("request", SystemUserRequest),
    "get-request-by-external-ref": ("request", SystemUserRequest),
    "list-requests": ("requests", Page),
    "list-all-requests": ("requests", list),
    "withdraw-request": ("withdrawn", type(None)),
    "verify-system-user": ("system-user", (SystemUser, type(None))),
    "list-system-users": ("system-users", Page),
    "list-all-system-users": ("system-users", list),
    "get-registered-system": ("registered-system", RegisteredSystem),
    "system-user-token": ("token", AccessToken),
    "create-change-request": {"change-request-created": CreatedChangeRequest, "no-change-needed": NoChangeNeeded},
    "get-change-request": ("change-request", SystemUserChangeRequest),
    "get-change-request-by-external-ref": ("change-request", SystemUserChangeRequest),
    "list-change-requests": ("change-requests", ChangeRequestList),
    "withdraw-change-request": ("withdrawn", type(None)),
    "list-systems": ("systems", lambda v: _list_of(v, RegisteredSystem)),
    "register-system": ("system-registered", SystemRegistration),
    "replace-system": ("system-changed", type(None)),
    "update-system": ("system-changed", type(None)),
    "set-system-rights": ("system-changed", type(None)),
    "set-system-access-packages": ("system-changed", type(None)),
    "delete-system": ("system-changed", type(None)),
    "system-changelog": ("system-changelog", lambda v: _list_of(v, SystemChange)),
    "list-agents": ("agents", lambda v: _list_of(v, AgentSystemUser)),
    "list-available-clients": ("clients", ClientList),
    "list-clients": ("clients", ClientList),
    "add-client": ("client-added", ClientLink),
    "remove-client": ("client-removed", ClientLink),
}


def _list_of(value, cls):
    return isinstance(value, list) and all(isinstance(x, cls) for x in value)


def outcome_name(call_tag, value):
    """The outcome's name when `value` is of the kind `call_tag` answers with, else a description."""
    expected = OUTCOMES[call_tag]
    for name, cls in expected.items() if isinstance(expected, dict) else [expected]:
        if (cls(value) if callable(cls) and not isinstance(cls, type) else isinstance(value, cls)):
            return name
    return f"unexpected {type(value).__name__}"


# -- guards ------------------------------------------------------------------------------------


def within(seconds, fn):
    """Runs `fn` in a thread and gives (elapsed seconds, result or exception); fails the test
    (instead of hanging the suite) when it has not finished after `seconds`."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            box["error"] = e

    t0 = time.monotonic()
    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(seconds)
    elapsed = time.monotonic() - t0
    assert not th.is_alive(), f"still running after {seconds} s: a hang"
    return elapsed, box.get("value"), box.get("error")


def pieces(secret):
    """A secret and, for a JWT, each of its parts that could identify it (16+ characters; the
    header is shared by every token of an issuer and is not itself a secret)."""
    parts = secret.split(".")
    return [secret] + [p for p in parts[1:] if len(p) >= 16]


def texts_of(e):
    """Every text an error shows: `str`, `repr`, and each attribute, nested values included."""
    out = [str(e), repr(e)]

    def walk(v, depth):
        if depth > 4:
            return
        if isinstance(v, dict):
            for k, x in v.items():
                walk(k, depth + 1)
                walk(x, depth + 1)
        elif isinstance(v, (list, tuple, set)):
            for x in v:
                walk(x, depth + 1)
        elif v is not None:
            out.append(str(v))
            out.append(repr(v))
            if hasattr(v, "__dict__") and not isinstance(v, type):
                walk(vars(v), depth + 1)

    walk(vars(e), 0)
    return out


def leaks(texts, secrets):
    """Where a secret or one of its parts shows: (its first 6 characters, which text, where in
    it); never more of the secret, so that a failure's report is not a leak itself."""
    found = []
    for s in secrets:
        for p in pieces(s):
            for i, t in enumerate(texts):
                at = t.find(p)
                if at >= 0:
                    found.append((p[:6] + "…", f"text {i}", f"offset {at}"))
    return found
