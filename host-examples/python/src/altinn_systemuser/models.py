"""The data model, as plain dataclasses and enums (no WIT in sight).

Inputs (`StandardRequest`, `AgentRequest`) are what a vendor asks for; everything else is what
Altinn answers. Field names are snake_case; the JSON names Altinn uses are documented on the
fields where they differ in more than case.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, field
from typing import Generic, List, Optional, Sequence, TypeVar, Union

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
    "PACKAGE_URN_PREFIX",
]


class RequestKind(str, enum.Enum):
    """The two request families; they have separate routes."""

    STANDARD = "standard"
    AGENT = "agent"


class RequestStatus(str, enum.Enum):
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


class UserType(str, enum.Enum):
    STANDARD = "standard"
    AGENT = "agent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class AttributePair:
    """One attribute of a resource, e.g. `AttributePair("urn:altinn:resource", "ske-krav-og-betalinger")`."""

    id: str
    value: str


@dataclass(frozen=True)
class Right:
    """A right on a resource (a set of attribute pairs). `action` is ignored by the server."""

    resource: Sequence[AttributePair]
    action: Optional[str] = None

    @classmethod
    def for_resource(cls, resource_id: str, action: Optional[str] = None) -> "Right":
        """The common case: one `urn:altinn:resource` attribute."""
        return cls([AttributePair("urn:altinn:resource", resource_id)], action)


#: The prefix of Altinn's access package URNs; `AccessPackage.of("skattegrunnlag")` adds it.
PACKAGE_URN_PREFIX = "urn:altinn:accesspackage:"


@dataclass(frozen=True)
class AccessPackage:
    """An access package, e.g. `AccessPackage("urn:altinn:accesspackage:skattegrunnlag")`."""

    urn: str

    @classmethod
    def of(cls, package: Union[str, "AccessPackage"]) -> "AccessPackage":
        """A package from its URN or its short name: `AccessPackage.of("skattegrunnlag")` is
        `urn:altinn:accesspackage:skattegrunnlag`; a text with a `:` is taken as a URN as it is."""
        if isinstance(package, AccessPackage):
            return package
        text = str(package).strip()
        return cls(text if ":" in text or not text else PACKAGE_URN_PREFIX + text)

    @property
    def short_name(self) -> str:
        """The name after `urn:altinn:accesspackage:` (the whole URN for any other form)."""
        return self.urn[len(PACKAGE_URN_PREFIX):] if self.urn.startswith(PACKAGE_URN_PREFIX) else self.urn


PackageLike = Union[str, AccessPackage]
RightLike = Union[str, Right]


def _packages(items: Optional[Sequence[PackageLike]]) -> Optional[List[AccessPackage]]:
    if items is None:
        return None
    return [p if isinstance(p, AccessPackage) else AccessPackage(str(p)) for p in items]


@dataclass
class StandardRequest:
    """What a vendor asks for in a standard request (the system acts for the customer itself).

    `rights` and `access_packages` keep the difference between `None` (absent) and `[]` (empty):
    Altinn answers the two differently. Access packages may be given as URN strings.
    """

    system_id: str
    party_org_no: str
    external_ref: Optional[str] = None
    integration_title: Optional[str] = None
    rights: Optional[Sequence[Right]] = None
    access_packages: Optional[Sequence[PackageLike]] = None
    redirect_url: Optional[str] = None

    def __post_init__(self) -> None:
        self.access_packages = _packages(self.access_packages)
        if self.rights is not None:
            self.rights = list(self.rights)


@dataclass
class AgentRequest:
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
        self.access_packages = _packages(self.access_packages) or []
        if self.rights is not None:
            self.rights = list(self.rights)


@dataclass
class SystemUserRequest:
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
class SystemUser:
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
class LocalizedText:
    nb: Optional[str] = None
    nn: Optional[str] = None
    en: Optional[str] = None


@dataclass
class RegisteredSystem:
    """A system in Altinn's System Register."""

    id: str
    vendor_org_no: str
    name: LocalizedText = field(default_factory=LocalizedText)
    description: LocalizedText = field(default_factory=LocalizedText)
    rights: List[Right] = field(default_factory=list)
    access_packages: List[AccessPackage] = field(default_factory=list)
    client_ids: List[str] = field(default_factory=list)
    is_visible: bool = False
    allowed_redirect_urls: List[str] = field(default_factory=list)
    is_deleted: bool = False


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of a list (or every page, then `next_page` is `None`)."""

    items: List[T]
    #: Opaque token for the next page; pass it as `page=` to get it.
    next_page: Optional[str] = None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class CreatedRequest:
    """The result of a create."""

    request: SystemUserRequest
    #: True when Altinn answered 201; False when the key already had a request (whatever its status).
    is_new: bool
    #: True when the POST's answer was lost and the request was found by its external ref.
    reconciled: bool = False


class ChangeRequestStatus(str, enum.Enum):
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


def _rights_list(items: Optional[Sequence[RightLike]]) -> List[Right]:
    return [r if isinstance(r, Right) else Right.for_resource(str(r).strip()) for r in items or ()]


def _package_list(items: Optional[Sequence[PackageLike]]) -> List[AccessPackage]:
    if isinstance(items, (str, AccessPackage)):
        items = [items]
    return [AccessPackage.of(p) for p in items or ()]


@dataclass
class ChangeRequest:
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
        self.required_rights = _rights_list(self.required_rights)
        self.unwanted_rights = _rights_list(self.unwanted_rights)
        self.required_access_packages = _package_list(self.required_access_packages)
        self.unwanted_access_packages = _package_list(self.unwanted_access_packages)

    @property
    def is_empty(self) -> bool:
        """Asks for nothing (`create_change_request` answers `NoChangeNeeded` without a call)."""
        return not (
            self.required_rights or self.unwanted_rights or self.required_access_packages or self.unwanted_access_packages
        )


@dataclass
class SystemUserChangeRequest:
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
class CreatedChangeRequest:
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
class NoChangeNeeded:
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
class ChangeRequestList:
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
class Violation:
    """One thing wrong with an input: a stable `code` (Altinn's AUTH code where it has one), the
    JSON path of the field, and a sentence saying what to do."""

    code: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class AccessToken:
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
