"""The data model, as plain dataclasses and enums (no WIT in sight).

Inputs (`StandardRequest`, `AgentRequest`) are what a vendor asks for; everything else is what
Altinn answers. Field names are snake_case; the JSON names Altinn uses are documented on the
fields where they differ in more than case.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
from dataclasses import dataclass, field
from typing import Any, Dict, Generic, Iterator, List, Mapping, Optional, Sequence, TypeVar, Union

from . import _args as A
from .tokens import mask

__all__ = [
    "RequestKind",
    "RequestStatus",
    "UserType",
    "AttributePair",
    "Right",
    "AccessPackage",
    "StandardRequest",
    "AgentRequest",
    "SystemUserRequest",
    "SystemUser",
    "LocalizedText",
    "RegisteredSystem",
    "Page",
    "CreatedRequest",
    "Violation",
    "AccessToken",
    "ChangeRequestStatus",
    "ChangeRequest",
    "SystemUserChangeRequest",
    "CreatedChangeRequest",
    "NoChangeNeeded",
    "NO_CHANGE_NEEDED",
    "ChangeResult",
    "ChangeRequestList",
    "SystemUpdate",
    "SystemRegistration",
    "SystemChangeType",
    "SystemChange",
    "Bureau",
    "AgentSystemUser",
    "BureauClient",
    "ClientList",
    "ClientLink",
    "PACKAGE_URN_PREFIX",
]


if hasattr(enum, "StrEnum"):  # Python 3.11+

    class _StrEnum(enum.StrEnum):  # type: ignore[misc]
        """`str(member)` and f-strings give the value, as Altinn spells it (`"Accepted"`)."""

else:

    class _StrEnum(str, enum.Enum):  # type: ignore[no-redef]
        """`str(member)` and f-strings give the value, as Altinn spells it (`"Accepted"`)."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return format(str(self.value), spec)


# -- to_dict / from_dict ------------------------------------------------------------------------

#: Members whose JSON name is not the camelCase of the field's name (Altinn's own spellings).
_JSON_NAME_EXCEPTIONS = {"supplier_org_no": "supplierOrgno"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def _iso(t: _dt.datetime) -> str:
    if t.tzinfo is not None and t.utcoffset() == _dt.timedelta(0):
        return t.replace(tzinfo=None).isoformat() + "Z"
    return t.isoformat()


def _plain(v: Any) -> Any:
    """A value as JSON-ready data: models by their `to_dict`, enums by their value, times as ISO
    8601 (UTC with `Z`)."""
    if isinstance(v, _Model):
        return v.to_dict()
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, _dt.datetime):
        return _iso(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _parse_time(name: str, v: Any) -> _dt.datetime:
    if isinstance(v, _dt.datetime):
        return v
    if not isinstance(v, str):
        raise TypeError(f"{name} must be an ISO 8601 time (str) or a datetime, not {type(v).__name__}")
    text = v.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        t = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} is not an ISO 8601 time: {v!r}") from None
    return t if t.tzinfo is not None else t.replace(tzinfo=_dt.timezone.utc)


def _from_hint(name: str, hint: Any, v: Any) -> Any:
    """`v` (JSON data) as a value of the type `hint`."""
    import typing

    if v is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Union:
        real = [a for a in args if a is not type(None)]
        return _from_hint(name, real[0], v) if len(real) == 1 else v  # a forgiving input: the model converts it
    if origin in (list, List, Sequence, tuple) or (origin is not None and origin.__name__ in ("Sequence", "list")):
        if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, (list, tuple)):
            return v  # a forgiving input (one item for a list): the model checks it
        item = args[0] if args else Any
        return [_from_hint(f"{name}[{i}]", item, x) for i, x in enumerate(v)]
    if isinstance(hint, type):
        if issubclass(hint, enum.Enum):
            if isinstance(v, hint):
                return v
            if not isinstance(v, str):
                raise TypeError(f"{name} must be a str, not {type(v).__name__}")
            try:
                return hint(v)
            except ValueError:
                unknown = getattr(hint, "UNKNOWN", None)
                if unknown is None:
                    raise ValueError(f"{name}: {v!r} is not one of {', '.join(m.value for m in hint)}") from None
                return unknown
        if hint is _dt.datetime:
            return _parse_time(name, v)
        if issubclass(hint, _Model):
            return hint.from_dict(v) if isinstance(v, Mapping) else v
    return v


class _Model:
    """`to_dict()` / `from_dict(d)`: a model as JSON-ready data, in Altinn's member names
    (camelCase; `from_dict` also reads snake_case), and back: `M.from_dict(m.to_dict()) == m`."""

    __slots__ = ()

    @classmethod
    def _hints(cls) -> Dict[str, Any]:
        import typing

        cached = cls.__dict__.get("_hints_cache")
        if cached is None:
            cached = typing.get_type_hints(cls)
            setattr(cls, "_hints_cache", cached)
        return cached

    @classmethod
    def _json_names(cls) -> Dict[str, str]:
        return {f.name: _JSON_NAME_EXCEPTIONS.get(f.name, _camel(f.name)) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready data (`json.dumps` takes it): Altinn's member names, enums as Altinn
        spells them, times as ISO 8601."""
        names = self._json_names()
        return {names[f.name]: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls: Any, d: Any) -> Any:
        """A model from `to_dict`'s data or Altinn's JSON (camelCase or snake_case members). A
        member the model does not have is refused (`ValidationError`, code `json-shape`: a typo
        would otherwise be lost)."""
        if isinstance(d, cls):
            return d
        if not isinstance(d, Mapping):
            raise TypeError(f"{cls.__name__}.from_dict takes a dict, not {type(d).__name__}")
        names = cls._json_names()
        by_key = {}
        for field_name, json_name in names.items():
            by_key[json_name] = field_name
            by_key[field_name] = field_name
        hints = cls._hints()
        kw: Dict[str, Any] = {}
        for k, v in d.items():
            f = by_key.get(k) if isinstance(k, str) else None
            if f is None:
                raise _shape_error(str(k), f"{cls.__name__} has no member {k!r} (its members: {', '.join(names.values())})")
            kw[f] = _from_hint(names[f], hints.get(f, Any), v)
        try:
            return cls(**kw)
        except TypeError as e:
            if "required" in str(e) and "argument" in str(e):
                missing = [names[f.name] for f in dataclasses.fields(cls) if f.name not in kw and f.init  # type: ignore[arg-type]
                           and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]  # type: ignore[misc]
                raise _shape_error(missing[0] if missing else "", f"{cls.__name__} needs {', '.join(missing)}") from None
            raise


class RequestKind(_StrEnum):
    """The two request families; they have separate routes."""

    STANDARD = "standard"
    AGENT = "agent"


class RequestStatus(_StrEnum):
    """A request's status. Values are Altinn's strings (`Timedout` is the legacy timeout form)."""

    NEW = "New"
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    DENIED = "Denied"
    TIMED_OUT = "Timedout"
    #: A status string this version does not know; the text is kept in `SystemUserRequest.status_text`.
    UNKNOWN = "Unknown"

    @property
    def is_terminal(self) -> bool:
        """Whether no further transition can happen (an unknown status is not terminal)."""
        return self in _TERMINAL


_TERMINAL = frozenset({RequestStatus.ACCEPTED, RequestStatus.REJECTED, RequestStatus.DENIED, RequestStatus.TIMED_OUT})


class UserType(_StrEnum):
    STANDARD = "standard"
    AGENT = "agent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class AttributePair(_Model):
    """One attribute of a resource, e.g. `AttributePair("urn:altinn:resource", "ske-krav-og-betalinger")`."""

    id: str
    value: str

    def __post_init__(self) -> None:
        A.text("id", self.id)
        A.text("value", self.value)


@dataclass(frozen=True)
class Right(_Model):
    """A right on a resource (a set of attribute pairs). `action` is ignored by the server."""

    resource: Sequence[AttributePair]
    action: Optional[str] = None

    def __post_init__(self) -> None:
        pairs = A.sequence("resource", self.resource)
        for i, p in enumerate(pairs):
            if isinstance(p, Mapping):
                _only(p, ("id", "value"), f"resource[{i}]")
                pairs[i] = p = AttributePair(A.text(f"resource[{i}].id", p.get("id")), A.text(f"resource[{i}].value", p.get("value")))
            A.instance(f"resource[{i}]", p, AttributePair, hint='or {"id": …, "value": …}')
        object.__setattr__(self, "resource", pairs)
        A.text("action", self.action, optional=True)

    def to_dict(self) -> Dict[str, Any]:
        """Altinn's JSON shape (as `to_json`)."""
        return self.to_json()

    @classmethod
    def from_dict(cls, d: Any) -> "Right":
        """Altinn's JSON shape (as `of`)."""
        if not isinstance(d, (Right, Mapping)):
            raise TypeError(f"Right.from_dict takes a dict, not {type(d).__name__}")
        return cls.of(d)

    @classmethod
    def for_resource(cls, resource_id: str, action: Optional[str] = None) -> "Right":
        """The common case: one `urn:altinn:resource` attribute."""
        return cls([AttributePair("urn:altinn:resource", resource_id)], action)

    @classmethod
    def of(cls, right: Union[str, "Right", Mapping[str, Any]]) -> "Right":
        """A right from a `Right`, a resource id (`"ske-krav-og-betalinger"`), or Altinn's JSON
        shape (`{"resource": [{"id": "urn:altinn:resource", "value": "…"}], "action"?: …}`)."""
        if isinstance(right, Right):
            return right
        if isinstance(right, Mapping):
            _only(right, ("resource", "action"), "a right")
            pairs = right.get("resource")
            if not isinstance(pairs, (list, tuple)):
                raise _shape_error("resource", "a right needs a `resource` list of {id, value} pairs")
            out = []
            for i, p in enumerate(pairs):
                if not isinstance(p, Mapping) or not isinstance(p.get("id"), str) or not isinstance(p.get("value"), str):
                    raise _shape_error(f"resource[{i}]", "each attribute of a right is {\"id\": …, \"value\": …} (strings)")
                _only(p, ("id", "value"), f"resource[{i}]")
                out.append(AttributePair(p["id"], p["value"]))
            action = right.get("action")
            return cls(out, action if isinstance(action, str) else None)
        if isinstance(right, str):
            return cls.for_resource(right.strip())
        raise TypeError(f"not a right: {A._what(right)} (a Right, a resource id or a dict in Altinn's shape)")

    def to_json(self) -> Dict[str, Any]:
        """Altinn's JSON shape."""
        out: Dict[str, Any] = {"resource": [{"id": p.id, "value": p.value} for p in self.resource]}
        if self.action is not None:
            out["action"] = self.action
        return out


#: The prefix of Altinn's access package URNs; `AccessPackage.of("skattegrunnlag")` adds it.
PACKAGE_URN_PREFIX = "urn:altinn:accesspackage:"


@dataclass(frozen=True)
class AccessPackage(_Model):
    """An access package, e.g. `AccessPackage("urn:altinn:accesspackage:skattegrunnlag")`."""

    urn: str

    def __post_init__(self) -> None:
        A.text("urn", self.urn)

    @classmethod
    def of(cls, package: Union[str, "AccessPackage", Mapping[str, Any]]) -> "AccessPackage":
        """A package from its URN or its short name: `AccessPackage.of("skattegrunnlag")` is
        `urn:altinn:accesspackage:skattegrunnlag`; a text with a `:` is taken as a URN as it is."""
        if isinstance(package, AccessPackage):
            return package
        if isinstance(package, Mapping):  # Altinn's {"urn": …}
            _only(package, ("urn",), "an access package")
            urn = package.get("urn")
            if not isinstance(urn, str):
                raise _shape_error("urn", "an access package is {\"urn\": …}")
            return cls(urn.strip())
        if not isinstance(package, str):
            raise TypeError(f"not an access package: {A._what(package)} (a URN, a short name, an AccessPackage or {{\"urn\": …}})")
        text = package.strip()
        return cls(text if ":" in text or not text else PACKAGE_URN_PREFIX + text)

    @property
    def short_name(self) -> str:
        """The name after `urn:altinn:accesspackage:` (the whole URN for any other form)."""
        return self.urn[len(PACKAGE_URN_PREFIX):] if self.urn.startswith(PACKAGE_URN_PREFIX) else self.urn


PackageLike = Union[str, AccessPackage, Mapping[str, Any]]
RightLike = Union[str, Right, Mapping[str, Any]]


def _shape_error(field: str, message: str) -> Exception:
    # A `ValidationError` (also a ValueError): imported here, as `errors` imports this module.
    from .errors import ValidationError

    return ValidationError([Violation("json-shape", field, message)])


def _only(d: Mapping[str, Any], allowed: Sequence[str], what: str) -> None:
    """Refuses a member `d` should not have (a typo would otherwise be dropped silently)."""
    extra = [k for k in d if k not in allowed]
    if extra:
        raise _shape_error(
            str(extra[0]), f"{what} has no member {extra[0]!r} (Altinn's members: {', '.join(allowed)})"
        )


def _prefixed(name: str, e: Exception) -> Exception:
    """A shape error of one item, its field named from the parameter (`rights[0].resource`)."""
    from .errors import ValidationError

    if isinstance(e, ValidationError):
        return ValidationError([Violation(v.code, f"{name}.{v.field}" if v.field else name, v.message) for v in e.violations])
    return TypeError(f"{name}: {e}")


def _rights_arg(name: str, items: Any, *, optional: bool = False) -> Optional[List[Right]]:
    """`items` (rights: resource ids, `Right`s or Altinn's dicts; one alone is a list of one)
    checked and converted; errors name `name[i]`."""
    seq = A.sequence(name, items, optional=optional)
    if seq is None:
        return None
    out = []
    for i, r in enumerate(seq):
        if not isinstance(r, (str, Right, Mapping)):
            raise TypeError(f"{name}[{i}] must be a resource id (str), a Right or a dict in Altinn's shape, not {A._what(r)}")
        try:
            out.append(Right.of(r))
        except (TypeError, ValueError) as e:
            raise _prefixed(f"{name}[{i}]", e) from None
    return out


def _packages_arg(name: str, items: Any, *, optional: bool = False) -> Optional[List[AccessPackage]]:
    """`items` (access packages: URNs, short names, `AccessPackage`s or `{"urn": …}`; one alone
    is a list of one) checked and converted; errors name `name[i]`."""
    seq = A.sequence(name, items, optional=optional)
    if seq is None:
        return None
    out = []
    for i, p in enumerate(seq):
        if not isinstance(p, (str, AccessPackage, Mapping)):
            raise TypeError(
                f"{name}[{i}] must be a URN or short name (str), an AccessPackage or {{\"urn\": …}}, not {A._what(p)}"
            )
        try:
            out.append(AccessPackage.of(p))
        except (TypeError, ValueError) as e:
            raise _prefixed(f"{name}[{i}]", e) from None
    return out


def _common_request_checks(r: Any) -> None:
    A.text("system_id", r.system_id)
    A.text("party_org_no", r.party_org_no)
    A.text("external_ref", r.external_ref, optional=True)
    A.text("integration_title", r.integration_title, optional=True)
    A.text("redirect_url", r.redirect_url, optional=True)


@dataclass
class StandardRequest(_Model):
    """What a vendor asks for in a standard request (the system acts for the customer itself).

    `rights` and `access_packages` keep the difference between `None` (absent) and `[]` (empty):
    Altinn answers the two differently. Access packages may be given as URNs, short names
    (`"skattegrunnlag"`), `AccessPackage`s or `{"urn": …}`; rights as resource ids, `Right`s or
    Altinn's `{"resource": [{"id", "value"}]}`. `StandardRequest.from_dict` reads Altinn's create
    body (`{"systemId", "partyOrgNo", …}`). Types are checked here: a wrong one is `TypeError`
    naming the field.
    """

    system_id: str
    party_org_no: str
    external_ref: Optional[str] = None
    integration_title: Optional[str] = None
    rights: Optional[Sequence[Right]] = None
    access_packages: Optional[Sequence[PackageLike]] = None
    redirect_url: Optional[str] = None

    def __post_init__(self) -> None:
        _common_request_checks(self)
        self.access_packages = _packages_arg("access_packages", self.access_packages, optional=True)
        self.rights = _rights_arg("rights", self.rights, optional=True)


@dataclass
class AgentRequest(_Model):
    """What a vendor asks for in an agent request (a client system acting for the customer's clients).

    Packages only; leave `rights` as `None` (an input with rights is refused, not narrowed).
    """

    system_id: str
    party_org_no: str
    access_packages: Sequence[PackageLike] = field(default_factory=list)
    external_ref: Optional[str] = None
    integration_title: Optional[str] = None
    redirect_url: Optional[str] = None
    rights: Optional[Sequence[Right]] = None

    def __post_init__(self) -> None:
        _common_request_checks(self)
        self.access_packages = _packages_arg("access_packages", self.access_packages, optional=True) or []
        self.rights = _rights_arg("rights", self.rights, optional=True)


@dataclass
class SystemUserRequest(_Model):
    """A system user request as Altinn returns it."""

    id: str
    kind: RequestKind
    external_ref: str
    system_id: str
    party_org_no: str
    status: RequestStatus
    integration_title: Optional[str] = None
    rights: List[Right] = field(default_factory=list)
    access_packages: List[AccessPackage] = field(default_factory=list)
    redirect_url: Optional[str] = None
    #: The customer's approval link; `None` on list items.
    confirm_url: Optional[str] = None
    escalated: bool = False
    #: UTC; `None` when the server sent nothing or the `0001-01-01` placeholder.
    created: Optional[_dt.datetime] = None
    #: The current servers' timeout flag.
    timed_out: bool = False
    #: Altinn's status text verbatim (differs from `status.value` only for unknown statuses).
    status_text: str = ""

    @property
    def effective_status(self) -> RequestStatus:
        """`TIMED_OUT` when the timeout flag is set, else `status` (see `Component.effective_status`
        for the clock-based form)."""
        return RequestStatus.TIMED_OUT if self.timed_out else self.status

    @property
    def is_terminal(self) -> bool:
        return self.effective_status.is_terminal


@dataclass
class SystemUser(_Model):
    """A system user (what approval creates); its `id` equals the approved request's id."""

    id: str
    system_id: str
    reportee_org_no: str
    user_type: UserType
    integration_title: Optional[str] = None
    product_name: Optional[str] = None
    created: Optional[_dt.datetime] = None
    is_deleted: bool = False
    supplier_name: Optional[str] = None
    supplier_org_no: Optional[str] = None
    external_ref: Optional[str] = None
    user_type_text: str = ""


@dataclass
class AgentSystemUser(SystemUser):
    """An agent system user as the client-delegation routes list it (`Client.list_agents`):
    a `SystemUser` plus the packages it holds, which every client delegated to it must hold too."""

    system_internal_id: Optional[str] = None
    party_uuid: Optional[str] = None
    access_packages: List[AccessPackage] = field(default_factory=list)


@dataclass
class LocalizedText(_Model):
    """A text in Norwegian Bokmål, Nynorsk and English (any may be missing)."""

    nb: Optional[str] = None
    nn: Optional[str] = None
    en: Optional[str] = None

    @classmethod
    def of(cls, text: Union[None, str, "LocalizedText", Mapping[str, Any]]) -> "LocalizedText":
        """From a `LocalizedText`, Altinn's `{"nb", "nn", "en"}`, or one string (the same text in
        all three: the System Register stores a system's name and description only with each of
        `nb`, `nn` and `en`)."""
        if text is None:
            return cls()
        if isinstance(text, LocalizedText):
            return text
        if isinstance(text, str):
            return cls(nb=text, nn=text, en=text)
        if isinstance(text, Mapping):
            _only(text, ("nb", "nn", "en"), "a text")
            return cls(text.get("nb"), text.get("nn"), text.get("en"))
        raise TypeError(f"not a text: {A._what(text)} (a str, a LocalizedText or {{nb, nn, en}})")

    def to_json(self) -> Dict[str, str]:
        return {k: v for k, v in (("nb", self.nb), ("nn", self.nn), ("en", self.en)) if v is not None}


TextLike = Union[str, LocalizedText, Mapping[str, Any]]


def _text_arg(name: str, value: Any) -> LocalizedText:
    try:
        return LocalizedText.of(value)
    except TypeError:
        raise TypeError(f"{name} must be a str, a LocalizedText or {{\"nb\", \"nn\", \"en\"}}, not {A._what(value)}") from None


def _texts_arg(name: str, value: Any) -> Optional[List[str]]:
    """A list of str (one str alone: a list of one), or None."""
    if isinstance(value, str):
        return [value]
    return A.texts(name, value, optional=True)

#: Altinn's members of a system (`GET systemregister/vendor/{id}`), and the spellings also read:
#: this package's own (`vendorOrgNo`, `clientIds`) and the vendor list's (`systemId`,
#: `systemVendorOrgNumber`, `systemVendorOrgName`).
_SYSTEM_MEMBERS = (
    "id", "vendor", "name", "description", "rights", "accessPackages", "clientId", "isVisible",
    "allowedRedirectUrls", "isDeleted", "vendorOrgNo", "clientIds", "systemId", "systemVendorOrgNumber",
    "systemVendorOrgName",
)


def _vendor_of(d: Mapping[str, Any]) -> str:
    v = d.get("vendor")
    if isinstance(v, Mapping):
        _only(v, ("ID", "authority"), "vendor")
        vid = v.get("ID")
        if not isinstance(vid, str):
            raise _shape_error("vendor.ID", 'the vendor is {"ID": "0192:<org no>"}')
        # Another authority is kept as it is: the component refuses it (AUTH.VLD-00000).
        return vid[5:] if vid.startswith("0192:") else vid
    if v is not None:
        raise _shape_error("vendor", 'the vendor is {"ID": "0192:<org no>"}')
    org = d.get("vendorOrgNo", d.get("systemVendorOrgNumber"))
    if not isinstance(org, str):
        raise _shape_error("vendor", 'a system needs its vendor: {"ID": "0192:<org no>"}')
    return org


def _str_list(d: Mapping[str, Any], *names: str) -> Optional[List[str]]:
    for n in names:
        if n in d and d[n] is not None:
            v = d[n]
            if not isinstance(v, (list, tuple)) or not all(isinstance(x, str) for x in v):
                raise _shape_error(n, f"{n} is a list of strings")
            return list(v)
    return None


@dataclass
class RegisteredSystem(_Model):
    """A system in Altinn's System Register (what `get_registered_system` returns and
    `register_system` takes).

    Inputs are forgiving: `name`/`description` may be one string (used for `nb`, `nn` and `en`:
    Altinn stores them only with all three) or `{"nb", "nn", "en"}`, `rights` resource ids or `Right`s, `access_packages` short names
    (`"skattegrunnlag"`), URNs or `AccessPackage`s; `vendor_org_no` is 9 digits (`0192:` accepted).
    `RegisteredSystem.from_json(d)` reads Altinn's JSON shape, `to_json()` writes it.
    """

    id: str
    vendor_org_no: str
    name: LocalizedText = field(default_factory=LocalizedText)
    description: LocalizedText = field(default_factory=LocalizedText)
    rights: List[Right] = field(default_factory=list)
    access_packages: List[AccessPackage] = field(default_factory=list)
    #: Maskinporten client ids tagged on the system (Altinn's `clientId`); a listing leaves them out.
    client_ids: List[str] = field(default_factory=list)
    #: Shown in the portal's list of systems. Altinn's own default (a body without it) is true.
    is_visible: bool = False
    #: Absolute https URLs a request may name as its `redirect_url`; a listing leaves them out.
    allowed_redirect_urls: List[str] = field(default_factory=list)
    is_deleted: bool = False

    def __post_init__(self) -> None:
        A.text("id", self.id)
        A.text("vendor_org_no", self.vendor_org_no)
        self.name = _text_arg("name", self.name)
        self.description = _text_arg("description", self.description)
        self.rights = _rights_list(self.rights)
        self.access_packages = _package_list(self.access_packages)
        self.client_ids = _texts_arg("client_ids", self.client_ids) or []
        self.allowed_redirect_urls = _texts_arg("allowed_redirect_urls", self.allowed_redirect_urls) or []
        A.flag("is_visible", self.is_visible)
        A.flag("is_deleted", self.is_deleted)

    def to_dict(self) -> Dict[str, Any]:
        """Altinn's shape (`to_json`) with `isDeleted`."""
        return {**self.to_json(), "isDeleted": self.is_deleted}

    @classmethod
    def from_dict(cls, d: Any) -> "RegisteredSystem":
        """Altinn's shape (`from_json`), `isDeleted` included."""
        s = cls.from_json(d)
        deleted = d.get("isDeleted") if isinstance(d, Mapping) else None
        if deleted is not None:
            s.is_deleted = A.flag("isDeleted", deleted)
        return s

    @property
    def vendor_id(self) -> str:
        """Altinn's `vendor.ID`: `0192:<org no>`."""
        org = self.vendor_org_no
        return org if ":" in org else f"0192:{org}"

    @classmethod
    def from_json(cls, d: Union["RegisteredSystem", Mapping[str, Any]]) -> "RegisteredSystem":
        """A system in Altinn's shape (`{"id", "vendor": {"ID": "0192:<org>"}, "name": {"nb", …},
        "description", "rights"?, "accessPackages"?, "clientId"?, "isVisible"?,
        "allowedRedirectUrls"?}`); `vendorOrgNo`/`clientIds` (this package's spelling) and the
        vendor list's `systemId`/`systemVendorOrgNumber` are read too, `isDeleted` is ignored.
        A member Altinn does not have is refused (`ValidationError`, code `json-shape`)."""
        if isinstance(d, RegisteredSystem):
            return d
        if not isinstance(d, Mapping):
            raise TypeError(f"not a system: {type(d).__name__} (a RegisteredSystem or a dict in Altinn's shape)")
        _only(d, _SYSTEM_MEMBERS, "a system")
        sid = d.get("id", d.get("systemId"))
        if not isinstance(sid, str):
            raise _shape_error("id", "a system needs its id: <vendor org no>_<name>")
        visible = d.get("isVisible")
        if visible is not None and not isinstance(visible, bool):
            raise _shape_error("isVisible", "isVisible is true or false")
        return cls(
            id=sid,
            vendor_org_no=_vendor_of(d),
            name=LocalizedText.of(d.get("name")),
            description=LocalizedText.of(d.get("description")),
            rights=_rights_list(d.get("rights")),
            access_packages=_package_list(d.get("accessPackages")),
            client_ids=_str_list(d, "clientId", "clientIds") or [],
            # Altinn's default for a body that does not say.
            is_visible=True if visible is None else visible,
            allowed_redirect_urls=_str_list(d, "allowedRedirectUrls") or [],
        )

    def to_json(self) -> Dict[str, Any]:
        """Altinn's shape, as `register_system` sends it (and `from_json` reads it back)."""
        return {
            "id": self.id,
            "vendor": {"ID": self.vendor_id},
            "name": self.name.to_json(),
            "description": self.description.to_json(),
            "rights": [r.to_json() for r in self.rights],
            "accessPackages": [{"urn": p.urn} for p in self.access_packages],
            "clientId": list(self.client_ids),
            "isVisible": self.is_visible,
            "allowedRedirectUrls": list(self.allowed_redirect_urls),
        }


_UPDATE_MEMBERS = ("id", "name", "description", "rights", "accessPackages", "clientId", "clientIds", "isVisible", "allowedRedirectUrls")


@dataclass
class SystemUpdate(_Model):
    """A change to some members of a registered system (`Client.update_system`). A member left
    `None` keeps its stored value: the component reads the system, merges, checks the result and
    sends the whole record (Altinn's PUT resets whatever a body leaves out). `[]` empties a list.
    Accepts the same forgiving inputs as `RegisteredSystem`; `SystemUpdate.from_json(d)` reads
    `{"id", …}` with any of Altinn's members."""

    id: str
    name: Optional[TextLike] = None
    description: Optional[TextLike] = None
    rights: Optional[Sequence[RightLike]] = None
    access_packages: Optional[Sequence[PackageLike]] = None
    client_ids: Optional[Sequence[str]] = None
    is_visible: Optional[bool] = None
    allowed_redirect_urls: Optional[Sequence[str]] = None

    def __post_init__(self) -> None:
        A.text("id", self.id)
        if self.name is not None:
            self.name = _text_arg("name", self.name)
        if self.description is not None:
            self.description = _text_arg("description", self.description)
        if self.rights is not None:
            self.rights = _rights_list(self.rights)
        if self.access_packages is not None:
            self.access_packages = _package_list(self.access_packages)
        self.client_ids = _texts_arg("client_ids", self.client_ids)
        self.allowed_redirect_urls = _texts_arg("allowed_redirect_urls", self.allowed_redirect_urls)
        if self.is_visible is not None:
            A.flag("is_visible", self.is_visible)

    def to_dict(self) -> Dict[str, Any]:
        """Altinn's member names; members left `None` (kept) are left out."""
        return {k: v for k, v in super().to_dict().items() if v is not None}

    @classmethod
    def from_dict(cls, d: Any) -> "SystemUpdate":
        """As `from_json`."""
        return cls.from_json(d)

    @classmethod
    def from_json(cls, d: Union["SystemUpdate", Mapping[str, Any]]) -> "SystemUpdate":
        if isinstance(d, SystemUpdate):
            return d
        if not isinstance(d, Mapping):
            raise TypeError(f"not a system update: {type(d).__name__} (a SystemUpdate or a dict in Altinn's shape)")
        _only(d, _UPDATE_MEMBERS, "a system update")
        if not isinstance(d.get("id"), str):
            raise _shape_error("id", "an update names the system: id")
        visible = d.get("isVisible")
        if visible is not None and not isinstance(visible, bool):
            raise _shape_error("isVisible", "isVisible is true or false")
        return cls(
            id=d["id"],
            name=d.get("name"),
            description=d.get("description"),
            rights=d.get("rights"),
            access_packages=d.get("accessPackages"),
            client_ids=_str_list(d, "clientId", "clientIds"),
            is_visible=visible,
            allowed_redirect_urls=_str_list(d, "allowedRedirectUrls"),
        )

    @property
    def is_empty(self) -> bool:
        """Changes nothing."""
        return all(
            v is None
            for v in (
                self.name, self.description, self.rights, self.access_packages, self.client_ids, self.is_visible,
                self.allowed_redirect_urls,
            )
        )


@dataclass(frozen=True)
class SystemRegistration(_Model):
    """`Client.register_system` registered the system (or found it registered by this call)."""

    #: The system's id (`None` only from the sans-IO `Component.parse`, which does not know it).
    system_id: Optional[str]
    #: Altinn's internal id of the system; `None` when the POST's answer was lost and the system
    #: was found by its id afterwards (`reconciled`).
    internal_id: Optional[str]
    reconciled: bool = False


class SystemChangeType(_StrEnum):
    """What a changelog entry records (Altinn's strings)."""

    CREATE = "create"
    UPDATE = "update"
    RIGHTS_UPDATE = "rightsupdate"
    ACCESS_PACKAGE_UPDATE = "accesspackageupdate"
    DELETE = "delete"
    #: A change type this version does not know; the text is in `SystemChange.change_type_text`.
    UNKNOWN = "unknown"


@dataclass
class SystemChange(_Model):
    """One entry of a registered system's changelog."""

    system_internal_id: str
    changed_by_org_no: str
    change_type: SystemChangeType
    #: The body that was sent, parsed from JSON (the text itself when it is not JSON).
    changed_data: Any = None
    #: The Maskinporten client id of the caller.
    client_id: Optional[str] = None
    created: Optional[_dt.datetime] = None
    change_type_text: str = ""


@dataclass(frozen=True)
class Bureau(_Model):
    """An accounting bureau whose clients are administered (client delegation), named by the key
    of its own **standard** system user for a system holding `klientadministrator`, which the
    bureau approved: its organisation number and that request's external ref (default: the org
    number). `Bureau.of` also takes an org number or `{"orgNo", "externalRef"?}`."""

    org_no: str
    external_ref: Optional[str] = None

    def __post_init__(self) -> None:
        A.text("bureau.org_no", self.org_no)
        A.text("bureau.external_ref", self.external_ref, optional=True)

    @classmethod
    def of(cls, bureau: Union[str, "Bureau", Mapping[str, Any]]) -> "Bureau":
        if isinstance(bureau, Bureau):
            return bureau
        if isinstance(bureau, str):
            return cls(bureau.strip())
        if isinstance(bureau, Mapping):
            _only(bureau, ("orgNo", "externalRef"), "a bureau")
            org = bureau.get("orgNo")
            if not isinstance(org, str):
                raise _shape_error("orgNo", 'a bureau is {"orgNo": …, "externalRef"?: …}')
            return cls(org.strip(), bureau.get("externalRef"))
        raise TypeError(f"bureau must be a Bureau, an org number (str) or {{orgNo, externalRef}}, not {A._what(bureau)}")


T = TypeVar("T")


@dataclass
class Page(_Model, Generic[T]):
    """One page of a list (or every page, then `next_page` is `None`)."""

    items: List[T]
    #: Opaque token for the next page; pass it as `page=` to get it.
    next_page: Optional[str] = None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class CreatedRequest(_Model):
    """The result of a create."""

    request: SystemUserRequest
    #: True when Altinn answered 201; False when the key already had a request (whatever its status).
    is_new: bool
    #: True when the POST's answer was lost and the request was found by its external ref.
    reconciled: bool = False


class ChangeRequestStatus(_StrEnum):
    """A change request's status. Values are Altinn's strings, except `TIMED_OUT`."""

    NEW = "New"
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    #: The change asked for nothing: only ever an answer, never stored (this package answers it
    #: itself, without a call: `NoChangeNeeded`).
    NO_CHANGE_NEEDED = "NoChangeNeeded"
    #: Never sent by Altinn (it keeps such a change request `New`): the `effective_status` of a
    #: change request still `New` when the timeout window has passed.
    TIMED_OUT = "TimedOut"
    #: A status string this version does not know; the text is kept in
    #: `SystemUserChangeRequest.status_text`.
    UNKNOWN = "Unknown"

    @property
    def is_terminal(self) -> bool:
        """Whether the customer has decided, or will not (an unknown status is not terminal). A
        timed-out change request can still be approved at Altinn, which checks only `New`."""
        return self in _CHANGE_TERMINAL


_CHANGE_TERMINAL = frozenset(
    {
        ChangeRequestStatus.ACCEPTED,
        ChangeRequestStatus.REJECTED,
        ChangeRequestStatus.NO_CHANGE_NEEDED,
        ChangeRequestStatus.TIMED_OUT,
    }
)


def _rights_list(items: Optional[Sequence[RightLike]], name: str = "rights") -> List[Right]:
    return _rights_arg(name, items, optional=True) or []


def _package_list(items: Optional[Sequence[PackageLike]], name: str = "access_packages") -> List[AccessPackage]:
    return _packages_arg(name, items, optional=True) or []


@dataclass
class ChangeRequest(_Model):
    """A change to what a customer's (standard) system user holds, as the vendor asks for it.

    The system user is named by the vendor's key, as for requests: `system_id`, the customer's
    `party_org_no` and the request's `external_ref` (default: the org number). Packages may be
    given as short names (`"skattegrunnlag"`), URNs or `AccessPackage`s, rights as resource ids
    (`"ske-krav-og-betalinger"`) or `Right`s. `correlation_id` is the idempotency key; leave it
    `None` and the component derives it from the system user and the change, so asking again for
    the same change (after a crash or a lost answer) finds the same change request.
    """

    system_id: str
    party_org_no: str
    external_ref: Optional[str] = None
    correlation_id: Optional[str] = None
    required_rights: Sequence[RightLike] = ()
    unwanted_rights: Sequence[RightLike] = ()
    required_access_packages: Sequence[PackageLike] = ()
    unwanted_access_packages: Sequence[PackageLike] = ()
    redirect_url: Optional[str] = None

    def __post_init__(self) -> None:
        A.text("system_id", self.system_id)
        A.text("party_org_no", self.party_org_no)
        A.text("external_ref", self.external_ref, optional=True)
        A.text("correlation_id", self.correlation_id, optional=True)
        A.text("redirect_url", self.redirect_url, optional=True)
        self.required_rights = _rights_list(self.required_rights, "required_rights")
        self.unwanted_rights = _rights_list(self.unwanted_rights, "unwanted_rights")
        self.required_access_packages = _package_list(self.required_access_packages, "required_access_packages")
        self.unwanted_access_packages = _package_list(self.unwanted_access_packages, "unwanted_access_packages")

    @property
    def is_empty(self) -> bool:
        """Asks for nothing (`create_change_request` answers `NoChangeNeeded` without a call)."""
        return not (
            self.required_rights or self.unwanted_rights or self.required_access_packages or self.unwanted_access_packages
        )


@dataclass
class SystemUserChangeRequest(_Model):
    """A change request as Altinn returns it. `id` is its correlation id."""

    id: str
    external_ref: str
    system_id: str
    system_user_id: str
    party_org_no: str
    status: ChangeRequestStatus
    required_rights: List[Right] = field(default_factory=list)
    unwanted_rights: List[Right] = field(default_factory=list)
    #: Empty when read by external ref (the server does not copy them there): get it by id.
    required_access_packages: List[AccessPackage] = field(default_factory=list)
    unwanted_access_packages: List[AccessPackage] = field(default_factory=list)
    redirect_url: Optional[str] = None
    #: The customer's approval link; `None` on list items.
    confirm_url: Optional[str] = None
    #: UTC; `None` when the server sent nothing or the `0001-01-01` placeholder.
    created: Optional[_dt.datetime] = None
    #: Still `New` after the timeout window: the server's flag (list items), or computed from
    #: `created` by the client's clock (the server's single GET never sets it).
    timed_out: bool = False
    #: Altinn's status text verbatim (differs from `status.value` only for unknown statuses).
    status_text: str = ""

    @property
    def effective_status(self) -> ChangeRequestStatus:
        """`TIMED_OUT` for a change request still `New` that timed out, else `status`."""
        if self.timed_out and self.status is ChangeRequestStatus.NEW:
            return ChangeRequestStatus.TIMED_OUT
        return self.status

    @property
    def is_terminal(self) -> bool:
        return self.effective_status.is_terminal


@dataclass
class CreatedChangeRequest(_Model):
    """`Client.create_change_request` made (or found) a change request."""

    change_request: SystemUserChangeRequest
    #: True when Altinn answered 201; False when the correlation id already named this change
    #: (a rerun), or the POST's answer was lost and the change request was found afterwards.
    is_new: bool
    #: True when the POST's answer was lost and the change request was found by its id.
    reconciled: bool = False

    #: Always False here (see `NoChangeNeeded`).
    no_change_needed = False


@dataclass(frozen=True)
class NoChangeNeeded(_Model):
    """`Client.create_change_request` for a change that asks for nothing: nothing was sent and
    nothing stored (Altinn would answer `NoChangeNeeded` the same way)."""

    #: Always True here (see `CreatedChangeRequest`).
    no_change_needed = True
    is_new = False
    reconciled = False


#: The one `NoChangeNeeded` value.
NO_CHANGE_NEEDED = NoChangeNeeded()

#: What `Client.create_change_request` returns: test `.no_change_needed`, or match on the class.
ChangeResult = Union[CreatedChangeRequest, NoChangeNeeded]


@dataclass
class ChangeRequestList(_Model):
    """A system's change requests, page one only: Altinn's list ignores its page token and repeats
    page one past 50 items, so it is never followed. `may_be_incomplete`: there were more; look
    change requests up by id (or by external ref) instead."""

    items: List[SystemUserChangeRequest]
    may_be_incomplete: bool = False

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class BureauClient(_Model):
    """A client of an accounting bureau (in a `ClientList`)."""

    #: The client's party uuid: what `add_client` and `remove_client` send.
    id: str
    org_no: str
    name: Optional[str] = None


@dataclass
class ClientList(_Model):
    """The clients of an agent system user: delegated (`list_clients`) or that could be added
    (`list_available_clients`, delegated ones included). Never paged."""

    system_user_id: str
    owner_org_no: str
    clients: List[BureauClient] = field(default_factory=list)

    def __iter__(self) -> Iterator[BureauClient]:
        return iter(self.clients)

    def __len__(self) -> int:
        return len(self.clients)

    def __contains__(self, org_no_or_id: object) -> bool:
        return isinstance(org_no_or_id, str) and self.find(org_no_or_id) is not None

    @property
    def org_nos(self) -> List[str]:
        return [c.org_no for c in self.clients]

    def find(self, org_no_or_id: str) -> Optional[BureauClient]:
        """The client with this org number (`0192:` accepted) or party uuid, or `None`."""
        key = org_no_or_id.strip()
        if key.startswith("0192:"):
            key = key[5:]
        low = key.lower()
        for c in self.clients:
            if c.org_no == key or c.id.lower() == low:
                return c
        return None


@dataclass(frozen=True)
class ClientLink(_Model):
    """A client (party uuid) delegated to, or removed from, an agent system user (its id)."""

    agent: str
    client: str


@dataclass(frozen=True)
class Violation(_Model):
    """One thing wrong with an input: a stable `code` (Altinn's AUTH code where it has one), the
    JSON path of the field, and a sentence saying what to do."""

    code: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class AccessToken(_Model):
    """A Maskinporten access token (`Client.system_user_token`). A secret: `repr` and `str` show
    only its first characters and length; use `.token` (or `.authorization`) to send it."""

    token: str
    #: The scopes granted, space-separated.
    scope: str
    #: When it expires: issue time plus Maskinporten's `expires_in`, by the host's clock (aware
    #: UTC). The component's cache stops handing it out 30 s before.
    expires_at: _dt.datetime

    @property
    def scopes(self) -> List[str]:
        return self.scope.split()

    @property
    def authorization(self) -> str:
        """The `Authorization` header value."""
        return f"Bearer {self.token}"

    def __repr__(self) -> str:
        return f"AccessToken(token={mask(self.token)}, scope={self.scope!r}, expires_at={self.expires_at.isoformat()})"

    __str__ = __repr__
