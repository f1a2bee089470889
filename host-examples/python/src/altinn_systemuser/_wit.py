"""All conversion between WIT values (as wasmtime-py represents them) and the Python model.

wasmtime-py has no typed bindings: a WIT record is a `wasmtime.component.Record` whose
attributes keep their kebab-case names, a variant is a `Variant(tag, payload)` when its cases
could be confused (else the bare payload), an `option<T>` is `None` or the value, an enum is
its case name, `list<u8>` is `bytes`. Nothing outside this module knows that.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Dict, List, Optional, Sequence

from wasmtime.component import Record, Variant

from . import errors as E
from .environments import Environment
from .maskinporten import CertificateChain, KeyId, Maskinporten
from .models import (
    AccessPackage,
    AccessToken,
    AgentRequest,
    AgentSystemUser,
    AttributePair,
    Bureau,
    BureauClient,
    ClientLink,
    ClientList,
    ChangeRequest,
    ChangeRequestList,
    ChangeRequestStatus,
    CreatedChangeRequest,
    CreatedRequest,
    NO_CHANGE_NEEDED,
    LocalizedText,
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


def rec(fields: Dict[str, Any]) -> Record:
    """A WIT record from kebab-case field names."""
    r = Record()
    r.__dict__.update(fields)
    return r


def _g(r: Any, name: str) -> Any:
    return r.__dict__[name]


# ---------------------------------------------------------------------------------------------
# Python → WIT


def environment(env: Environment) -> Variant:
    if env.is_custom:
        return Variant(
            "custom",
            rec(
                {
                    "platform-url": env.platform_url,
                    "confirm-url": env.confirm_url,
                    "maskinporten-issuer": env.maskinporten_issuer,
                }
            ),
        )
    return Variant(env.name)


def key_identity(identity: Any) -> Any:
    """A `key-identity` (untagged: wasmtime-py tells a `kid` string from an `x5c` list by type)."""
    if isinstance(identity, KeyId):
        return identity.kid
    if isinstance(identity, CertificateChain):
        return list(identity.certificates)
    raise TypeError(f"the signer's identity() returned {type(identity).__name__}, not a KeyId or a CertificateChain")


def config(
    env: Environment,
    timeout_ms: int,
    retry_budget: int,
    backoff_ms: int,
    maskinporten: Optional[Maskinporten] = None,
    *,
    deadline_ms: int = 60_000,
    key: Any = None,
) -> Record:
    """A `types.config`. In Maskinporten mode `key` is the signer's identity (`KeyId` or
    `CertificateChain`)."""
    mp = None
    if maskinporten is not None:
        mp = rec({"client-id": maskinporten.client_id, "resource": maskinporten.resource, "key": key_identity(key)})
    return rec(
        {
            "environment": environment(env),
            "timeout-ms": int(timeout_ms),
            "deadline-ms": int(deadline_ms),
            "retry-budget": int(retry_budget),
            "backoff-ms": int(backoff_ms),
            "maskinporten": mp,
        }
    )


def _right(r: Right) -> Record:
    return rec({"action": r.action, "resource": [rec({"id": p.id, "value": p.value}) for p in r.resource]})


def _rights(rs: Optional[Sequence[Right]]) -> Optional[List[Record]]:
    return None if rs is None else [_right(r) for r in rs]


def _pkgs(ps: Optional[Sequence[Any]]) -> Optional[List[Record]]:
    return None if ps is None else [rec({"urn": p.urn}) for p in ps]


def standard_input(i: StandardRequest) -> Record:
    return rec(
        {
            "system-id": i.system_id,
            "party-org-no": i.party_org_no,
            "external-ref": i.external_ref,
            "integration-title": i.integration_title,
            "rights": _rights(i.rights),
            "access-packages": _pkgs(i.access_packages),
            "redirect-url": i.redirect_url,
        }
    )


def agent_input(i: AgentRequest) -> Record:
    return rec(
        {
            "system-id": i.system_id,
            "party-org-no": i.party_org_no,
            "external-ref": i.external_ref,
            "integration-title": i.integration_title,
            "access-packages": _pkgs(i.access_packages) or [],
            "redirect-url": i.redirect_url,
            "rights": _rights(i.rights),
        }
    )


def request_input(i: Any) -> Record:
    return agent_input(i) if isinstance(i, AgentRequest) else standard_input(i)


def _kind(kind: RequestKind) -> str:
    return RequestKind(kind).value


def request_id(kind: RequestKind, id: str) -> Record:
    return rec({"kind": _kind(kind), "id": id})


def external_ref_key(kind: RequestKind, system_id: str, org_no: str, external_ref: str) -> Record:
    return rec({"kind": _kind(kind), "system-id": system_id, "org-no": org_no, "external-ref": external_ref})


def list_requests_query(kind: RequestKind, system_id: str, page: Optional[str]) -> Record:
    return rec({"kind": _kind(kind), "system-id": system_id, "page": page})


def all_requests_query(kind: RequestKind, system_id: str) -> Record:
    return rec({"kind": _kind(kind), "system-id": system_id})


def verify_query(system_id: str, org_no: str, external_ref: Optional[str]) -> Record:
    return rec({"system-id": system_id, "org-no": org_no, "external-ref": external_ref})


def list_system_users_query(system_id: str, page: Optional[str]) -> Record:
    return rec({"system-id": system_id, "page": page})


def system_user_token_query(customer_org_no: str, external_ref: Optional[str], scopes: Sequence[str]) -> Record:
    return rec({"customer-org-no": customer_org_no, "external-ref": external_ref, "scopes": list(scopes)})


def change_request_input(c: ChangeRequest) -> Record:
    """A `types.change-request-input`."""
    return rec(
        {
            "system-id": c.system_id,
            "party-org-no": c.party_org_no,
            "external-ref": c.external_ref,
            "correlation-id": c.correlation_id,
            "required-rights": [_right(r) for r in c.required_rights],
            "unwanted-rights": [_right(r) for r in c.unwanted_rights],
            "required-access-packages": [rec({"urn": p.urn}) for p in c.required_access_packages],
            "unwanted-access-packages": [rec({"urn": p.urn}) for p in c.unwanted_access_packages],
            "redirect-url": c.redirect_url,
        }
    )


def new_change_request(
    system_user_id: str,
    correlation_id: str,
    required_rights: Sequence[Right] = (),
    unwanted_rights: Sequence[Right] = (),
    required_access_packages: Sequence[AccessPackage] = (),
    unwanted_access_packages: Sequence[AccessPackage] = (),
    redirect_url: Optional[str] = None,
) -> Record:
    """A `types.new-change-request` (the body of the POST, for the sans-IO `protocol` calls)."""
    return rec(
        {
            "system-user-id": system_user_id,
            "correlation-id": correlation_id,
            "required-rights": [_right(r) for r in required_rights],
            "unwanted-rights": [_right(r) for r in unwanted_rights],
            "required-access-packages": [rec({"urn": p.urn}) for p in required_access_packages],
            "unwanted-access-packages": [rec({"urn": p.urn}) for p in unwanted_access_packages],
            "redirect-url": redirect_url,
        }
    )


def change_request_key(system_id: str, org_no: str, external_ref: str) -> Record:
    """A `protocol.change-request-key`."""
    return rec({"system-id": system_id, "org-no": org_no, "external-ref": external_ref})


def task(tag: str, payload: Any) -> Variant:
    """An `operations.task` (the same case names serve `protocol.call`)."""
    return Variant(tag, payload)


def create_task(i: Any) -> Variant:
    if isinstance(i, AgentRequest):
        return Variant("create-agent-request", agent_input(i))
    return Variant("create-standard-request", standard_input(i))


def _localized(t: LocalizedText) -> Record:
    return rec({"nb": t.nb, "nn": t.nn, "en": t.en})


def registered_system(s: RegisteredSystem) -> Record:
    return rec(
        {
            "id": s.id,
            "vendor-org-no": s.vendor_org_no,
            "name": _localized(s.name),
            "description": _localized(s.description),
            "rights": [_right(r) for r in s.rights],
            "access-packages": [rec({"urn": p.urn}) for p in s.access_packages],
            "client-ids": list(s.client_ids),
            "is-visible": bool(s.is_visible),
            "allowed-redirect-urls": list(s.allowed_redirect_urls),
            "is-deleted": bool(s.is_deleted),
        }
    )


def _opt_localized(t: Optional[LocalizedText]) -> Optional[Record]:
    return None if t is None else _localized(t)


def system_update(u: SystemUpdate) -> Record:
    """A `types.system-update` (`None`: keep the stored member)."""
    return rec(
        {
            "id": u.id,
            "name": _opt_localized(u.name),
            "description": _opt_localized(u.description),
            "rights": _rights(u.rights),
            "access-packages": _pkgs(u.access_packages),
            "client-ids": None if u.client_ids is None else list(u.client_ids),
            "is-visible": None if u.is_visible is None else bool(u.is_visible),
            "allowed-redirect-urls": None if u.allowed_redirect_urls is None else list(u.allowed_redirect_urls),
        }
    )


def system_rights(system_id: str, rights: Sequence[Right]) -> Record:
    """A `protocol.system-rights`."""
    return rec({"system-id": system_id, "rights": [_right(r) for r in rights]})


def system_access_packages(system_id: str, packages: Sequence[AccessPackage]) -> Record:
    """A `protocol.system-access-packages`."""
    return rec({"system-id": system_id, "access-packages": [rec({"urn": p.urn}) for p in packages]})


def client_link(agent: str, client: str) -> Record:
    return rec({"agent": agent, "client": client})


def bureau(b: Bureau) -> Record:
    return rec({"org-no": b.org_no, "external-ref": b.external_ref})


def delegation(case: str, payload: Any = None) -> Variant:
    """An `operations.delegation`: `list-agents` (no payload), `list-available-clients` /
    `list-clients` (the agent system user's id), `add-client` / `remove-client` (a
    `client_link`)."""
    return Variant(case, payload)


def client_delegation_task(b: Bureau, case: str, payload: Any = None) -> Variant:
    """The `operations.task` `client-delegation`."""
    return Variant("client-delegation", rec({"bureau": bureau(b), "delegation": delegation(case, payload)}))


_STATUS_TAG = {
    RequestStatus.NEW: "new",
    RequestStatus.ACCEPTED: "accepted",
    RequestStatus.REJECTED: "rejected",
    RequestStatus.DENIED: "denied",
    RequestStatus.TIMED_OUT: "timed-out",
}
_TAG_STATUS = {v: k for k, v in _STATUS_TAG.items()}


def status(s: RequestStatus, text: str = "") -> Variant:
    tag = _STATUS_TAG.get(s)
    return Variant(tag) if tag else Variant("unknown", text or "")


def _datetime_to_wit(d: Optional[_dt.datetime]) -> Optional[Record]:
    if d is None:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.timezone.utc)
    delta = d - _EPOCH
    secs = delta.days * 86400 + delta.seconds
    return rec({"seconds": secs, "nanoseconds": delta.microseconds * 1000})


def datetime(d: Optional[_dt.datetime]) -> Optional[Record]:
    return _datetime_to_wit(d)


def system_user_request(r: SystemUserRequest) -> Record:
    return rec(
        {
            "id": r.id,
            "kind": _kind(r.kind),
            "external-ref": r.external_ref,
            "system-id": r.system_id,
            "party-org-no": r.party_org_no,
            "integration-title": r.integration_title,
            "rights": [_right(x) for x in r.rights],
            "access-packages": [rec({"urn": p.urn}) for p in r.access_packages],
            "status": status(r.status, r.status_text),
            "redirect-url": r.redirect_url,
            "confirm-url": r.confirm_url,
            "escalated": bool(r.escalated),
            "created": _datetime_to_wit(r.created),
            "timed-out": bool(r.timed_out),
        }
    )


def wall_time(now: Any) -> Record:
    """A clock's answer (an aware `datetime`, a naive one taken as local time as
    `datetime.timestamp` does, or seconds since the epoch) as a WIT `datetime`."""
    if isinstance(now, _dt.datetime):
        delta = (now if now.tzinfo is not None else now.astimezone()) - _EPOCH
        return rec({"seconds": delta.days * 86400 + delta.seconds, "nanoseconds": delta.microseconds * 1000})
    if isinstance(now, (int, float)) and not isinstance(now, bool):
        secs = int(now // 1)
        return rec({"seconds": secs, "nanoseconds": min(int((now - secs) * 1e9), 999_999_999)})
    raise TypeError(f"the clock returned {type(now).__name__}, not a datetime or a number of seconds")


def sign_result(signature: Any = None, error: Optional[str] = None) -> Any:
    """`result<list<u8>, string>`: untagged (bytes vs str)."""
    if error is not None:
        return error
    if not isinstance(signature, (bytes, bytearray, memoryview)):
        return f"the signer's sign() returned {type(signature).__name__}, not bytes"
    return bytes(signature)


def http_response(status_code: int, headers: Sequence[tuple], body: bytes) -> Record:
    return rec({"status": status_code, "headers": [rec({"name": n, "value": v}) for n, v in headers], "body": body})


def transport_failure(kind: str, message: str) -> Record:
    return rec({"kind": kind, "message": message})


# ---------------------------------------------------------------------------------------------
# WIT → Python

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _datetime(d: Any) -> Optional[_dt.datetime]:
    if d is None:
        return None
    return _EPOCH + _dt.timedelta(seconds=_g(d, "seconds"), microseconds=_g(d, "nanoseconds") // 1000)


def _right_from(r: Any) -> Right:
    return Right([AttributePair(_g(p, "id"), _g(p, "value")) for p in _g(r, "resource")], _g(r, "action"))


def _pkg_from(p: Any) -> AccessPackage:
    return AccessPackage(_g(p, "urn"))


def status_from(v: Any) -> tuple:
    """(RequestStatus, text)."""
    tag = v.tag
    if tag == "unknown":
        return RequestStatus.UNKNOWN, v.payload
    s = _TAG_STATUS[tag]
    return s, s.value


def request_from(r: Any) -> SystemUserRequest:
    st, text = status_from(_g(r, "status"))
    return SystemUserRequest(
        id=_g(r, "id"),
        kind=RequestKind(_g(r, "kind")),
        external_ref=_g(r, "external-ref"),
        system_id=_g(r, "system-id"),
        party_org_no=_g(r, "party-org-no"),
        status=st,
        integration_title=_g(r, "integration-title"),
        rights=[_right_from(x) for x in _g(r, "rights")],
        access_packages=[_pkg_from(p) for p in _g(r, "access-packages")],
        redirect_url=_g(r, "redirect-url"),
        confirm_url=_g(r, "confirm-url"),
        escalated=_g(r, "escalated"),
        created=_datetime(_g(r, "created")),
        timed_out=_g(r, "timed-out"),
        status_text=text,
    )


_CHANGE_STATUS_TAG = {
    ChangeRequestStatus.NEW: "new",
    ChangeRequestStatus.ACCEPTED: "accepted",
    ChangeRequestStatus.REJECTED: "rejected",
    ChangeRequestStatus.NO_CHANGE_NEEDED: "no-change-needed",
}
_TAG_CHANGE_STATUS = {v: k for k, v in _CHANGE_STATUS_TAG.items()}


def change_status_from(v: Any) -> tuple:
    """(ChangeRequestStatus, text) of a `change-request-status`."""
    if v.tag == "unknown":
        return ChangeRequestStatus.UNKNOWN, v.payload
    s = _TAG_CHANGE_STATUS[v.tag]
    return s, s.value


def change_request_from(r: Any) -> SystemUserChangeRequest:
    st, text = change_status_from(_g(r, "status"))
    return SystemUserChangeRequest(
        id=_g(r, "id"),
        external_ref=_g(r, "external-ref"),
        system_id=_g(r, "system-id"),
        system_user_id=_g(r, "system-user-id"),
        party_org_no=_g(r, "party-org-no"),
        status=st,
        required_rights=[_right_from(x) for x in _g(r, "required-rights")],
        unwanted_rights=[_right_from(x) for x in _g(r, "unwanted-rights")],
        required_access_packages=[_pkg_from(p) for p in _g(r, "required-access-packages")],
        unwanted_access_packages=[_pkg_from(p) for p in _g(r, "unwanted-access-packages")],
        redirect_url=_g(r, "redirect-url"),
        confirm_url=_g(r, "confirm-url"),
        created=_datetime(_g(r, "created")),
        timed_out=_g(r, "timed-out"),
        status_text=text,
    )


def system_user_from(u: Any) -> SystemUser:
    ut = _g(u, "user-type")
    if ut.tag == "unknown":
        user_type, ut_text = UserType.UNKNOWN, ut.payload
    else:
        user_type, ut_text = UserType(ut.tag), ut.tag
    return SystemUser(
        id=_g(u, "id"),
        system_id=_g(u, "system-id"),
        reportee_org_no=_g(u, "reportee-org-no"),
        user_type=user_type,
        integration_title=_g(u, "integration-title"),
        product_name=_g(u, "product-name"),
        created=_datetime(_g(u, "created")),
        is_deleted=_g(u, "is-deleted"),
        supplier_name=_g(u, "supplier-name"),
        supplier_org_no=_g(u, "supplier-org-no"),
        external_ref=_g(u, "external-ref"),
        user_type_text=ut_text,
    )


def _localized_from(t: Any) -> LocalizedText:
    return LocalizedText(_g(t, "nb"), _g(t, "nn"), _g(t, "en"))


def registered_system_from(s: Any) -> RegisteredSystem:
    return RegisteredSystem(
        id=_g(s, "id"),
        vendor_org_no=_g(s, "vendor-org-no"),
        name=_localized_from(_g(s, "name")),
        description=_localized_from(_g(s, "description")),
        rights=[_right_from(x) for x in _g(s, "rights")],
        access_packages=[_pkg_from(p) for p in _g(s, "access-packages")],
        client_ids=list(_g(s, "client-ids")),
        is_visible=_g(s, "is-visible"),
        allowed_redirect_urls=list(_g(s, "allowed-redirect-urls")),
        is_deleted=_g(s, "is-deleted"),
    )


def registered_system_id_from(p: Any) -> tuple:
    """(internal id or None, reconciled) of a `registered-system-id`."""
    return _g(p, "internal-id"), _g(p, "reconciled")


def system_change_from(c: Any) -> SystemChange:
    text = _g(c, "change-type")
    try:
        kind = SystemChangeType(text)
    except ValueError:
        kind = SystemChangeType.UNKNOWN
    raw = _g(c, "changed-data")
    try:
        data = json.loads(raw)
    except ValueError:
        data = raw
    return SystemChange(
        system_internal_id=_g(c, "system-internal-id"),
        changed_by_org_no=_g(c, "changed-by-org-no"),
        change_type=kind,
        changed_data=data,
        client_id=_g(c, "client-id"),
        created=_datetime(_g(c, "created")),
        change_type_text=text,
    )


def agent_from(a: Any) -> AgentSystemUser:
    u = system_user_from(_g(a, "system-user"))
    return AgentSystemUser(
        **{f: getattr(u, f) for f in u.__dataclass_fields__},
        system_internal_id=_g(a, "system-internal-id"),
        party_uuid=_g(a, "party-uuid"),
        access_packages=[_pkg_from(p) for p in _g(a, "access-packages")],
    )


def client_list_from(l: Any) -> ClientList:
    return ClientList(
        system_user_id=_g(l, "system-user-id"),
        owner_org_no=_g(l, "owner-org-no"),
        clients=[BureauClient(_g(c, "id"), _g(c, "org-no"), _g(c, "name")) for c in _g(l, "clients")],
    )


def client_link_from(l: Any) -> ClientLink:
    return ClientLink(_g(l, "agent"), _g(l, "client"))


def standard_input_from(r: Any) -> StandardRequest:
    rights = _g(r, "rights")
    pk = _g(r, "access-packages")
    return StandardRequest(
        system_id=_g(r, "system-id"),
        party_org_no=_g(r, "party-org-no"),
        external_ref=_g(r, "external-ref"),
        integration_title=_g(r, "integration-title"),
        rights=None if rights is None else [_right_from(x) for x in rights],
        access_packages=None if pk is None else [_pkg_from(p) for p in pk],
        redirect_url=_g(r, "redirect-url"),
    )


def agent_input_from(r: Any) -> AgentRequest:
    rights = _g(r, "rights")
    return AgentRequest(
        system_id=_g(r, "system-id"),
        party_org_no=_g(r, "party-org-no"),
        access_packages=[_pkg_from(p) for p in _g(r, "access-packages")],
        external_ref=_g(r, "external-ref"),
        integration_title=_g(r, "integration-title"),
        redirect_url=_g(r, "redirect-url"),
        rights=None if rights is None else [_right_from(x) for x in rights],
    )


def violation_from(v: Any) -> Violation:
    return Violation(_g(v, "code"), _g(v, "field"), _g(v, "message"))


def violations_from(vs: Any) -> List[Violation]:
    return [violation_from(v) for v in vs]


def outcome_from(v: Any) -> Any:
    """An `outcome` variant as the Python value a client method returns."""
    tag, p = v.tag, v.payload
    if tag == "created":
        return CreatedRequest(request_from(_g(p, "request")), _g(p, "is-new"), _g(p, "reconciled"))
    if tag == "request":
        return request_from(p)
    if tag == "requests":
        return Page([request_from(x) for x in _g(p, "items")], _g(p, "next-page"))
    if tag == "withdrawn":
        return None
    if tag == "system-user":
        return None if p is None else system_user_from(p)
    if tag == "system-users":
        return Page([system_user_from(x) for x in _g(p, "items")], _g(p, "next-page"))
    if tag == "registered-system":
        return registered_system_from(p)
    if tag == "token":
        return AccessToken(_g(p, "token"), _g(p, "scope"), _datetime(_g(p, "expires-at")))
    if tag == "change-request-created":
        return CreatedChangeRequest(
            change_request_from(_g(p, "change-request")), _g(p, "is-new"), _g(p, "reconciled")
        )
    if tag == "no-change-needed":
        return NO_CHANGE_NEEDED
    if tag == "change-request":
        return change_request_from(p)
    if tag == "change-requests":
        return ChangeRequestList([change_request_from(x) for x in _g(p, "items")], _g(p, "may-be-incomplete"))
    if tag == "systems":
        return [registered_system_from(x) for x in p]
    if tag == "system-registered":
        internal_id, reconciled = registered_system_id_from(p)
        return SystemRegistration(None, internal_id, reconciled)
    if tag == "system-changed":
        return None
    if tag == "system-changelog":
        return [system_change_from(x) for x in p]
    if tag == "agents":
        return [agent_from(x) for x in p]
    if tag == "clients":
        return client_list_from(p)
    if tag in ("client-added", "client-removed"):
        return client_link_from(p)
    raise E.InvalidResponseError(f"the component answered with an unknown outcome {tag!r}")


def _status_kw(p: Any) -> Dict[str, Any]:
    return {
        "status": _g(p, "status"),
        "code": _g(p, "code"),
        "title": _g(p, "title"),
        "detail": _g(p, "detail"),
        "trace_id": _g(p, "trace-id"),
    }


_STATUS_ERRORS = {
    "unauthorized": E.UnauthorizedError,
    "forbidden": E.ForbiddenError,
    "not-found": E.NotFoundError,
    "conflict": E.ConflictError,
}


def error_from(v: Any) -> E.SystemUserError:
    """The WIT `error` variant as the matching exception."""
    tag, p = v.tag, v.payload
    if tag == "validation":
        return E.ValidationError(violations_from(p))
    if tag == "altinn":
        return E.AltinnError(
            _g(p, "message"),
            extensions={_g(x, "name"): _g(x, "json") for x in _g(p, "extensions")},
            field_errors=violations_from(_g(p, "field-errors")),
            **_status_kw(p),
        )
    cls = _STATUS_ERRORS.get(tag)
    if cls is not None:
        return cls(_g(p, "message"), **_status_kw(p))
    if tag == "unavailable":
        return E.UnavailableError(_g(p, "message"), retry_after_seconds=_g(p, "retry-after-seconds"), **_status_kw(p))
    if tag == "transport":
        return transport_error_from(p)
    if tag == "maskinporten":
        return E.MaskinportenError(_g(p, "message"), **_status_kw(p))
    if tag == "token":
        return E.TokenError(p)
    if tag == "invalid-response":
        return E.InvalidResponseError(p)
    if tag == "misuse":
        return E.MisuseError(p)
    return E.InvalidResponseError(f"the component answered with an unknown error {tag!r}")


def transport_error_from(p: Any) -> E.TransportError:
    kind = _g(p, "kind")
    try:
        k = E.TransportErrorKind(kind)
    except ValueError:
        k = E.TransportErrorKind.OTHER
    return E.TransportError(k, _g(p, "message"))


def result(v: Any, on_ok: Any) -> Any:
    """Unwraps a tagged `result<outcome, error>`: the converted ok value, or raises."""
    if v.tag == "ok":
        return on_ok(v.payload)
    raise error_from(v.payload)


def http_request_from(r: Any) -> tuple:
    """(method, url, headers[(name, value)], body or None, timeout seconds, max response bytes)."""
    return (
        _g(r, "method").upper(),
        _g(r, "url"),
        [(_g(h, "name"), _g(h, "value")) for h in _g(r, "headers")],
        _g(r, "body"),
        _g(r, "timeout-ms") / 1000.0,
        _g(r, "max-response-bytes"),
    )


def step_from(v: Any) -> tuple:
    """An `operations.step` as (case, payload). wasmtime-py hands it over untagged (each case's
    payload has its own Python type): `None` done, a list the scopes of `need-token`, bytes the
    signing input of `sign`, an int the milliseconds of `wait`, a record the request of `send`
    (as `http_request_from` gives it)."""
    if v is None:
        return "done", None
    if isinstance(v, list):
        return "need-token", list(v)
    if isinstance(v, (bytes, bytearray)):
        return "sign", bytes(v)
    if isinstance(v, int):
        return "wait", v
    return "send", http_request_from(v)


def operation_input(case: str, payload: Any = None) -> Variant:
    """An `operations.input` (tagged: `token` and `token-failed` are both strings). Payloads:
    `token`/`token-failed`/`sign-failed` a string, `signature` bytes, `response` an
    `http_response(...)`, `transport-failed` a `transport_failure(...)`, `waited` none."""
    return Variant(case, payload)


def outgoing_from(o: Any) -> tuple:
    """protocol.outgoing → ((method, url, headers, body, timeout), scopes). The request's answer
    cap is left out (it is the policy's 1 MiB on every request, which `RequestsTransport.send`
    applies when not given one), so the tuple fits `Transport.send(*request)` as before."""
    return http_request_from(_g(o, "request"))[:5], list(_g(o, "scopes"))
