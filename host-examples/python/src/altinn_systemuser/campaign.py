"""Change campaigns: when a product needs an access package (or a right) its customers' system
users do not hold, or should stop holding one, ask every customer for that change once, write
back what was asked, and follow the answers.

1. Read the customers (a CSV file or a SQLite table, the same stores as bulk onboarding; the
   table bulk onboarding filled works as it is). A row says what the customer's system user
   should hold (column `packages`: short names or URNs; column `rights`: resource ids), or the
   campaign's `require`/`remove` say it for everyone.
2. Look once at the system's system users (one paged call) and find each customer's.
3. What it holds now: what the campaign wrote back last time (`altinn_held`), else what its
   request asked for (the system user's id is its request's id; one paged call plus a GET for a
   request the list lost).
4. For a customer whose system user lacks something or holds something unwanted: one change
   request (`Client.create_change_request`), written back with its id, status, what was asked
   and the confirm link; a customer that needs nothing is noted as up to date, without a call.
5. `watch`: follow every change request asked until the customer accepted or rejected it, or it
   timed out; an accepted one updates what the system user holds.

Safe to stop and rerun at any point: the component derives each change request's correlation id
from the system user and the change, so asking again for the same change (a row whose write-back
a kill lost) finds the change request made before instead of making a second one; rows already
asked are skipped, and write-backs are committed in batches (50 rows or 1 s).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import ClassVar, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from . import errors as E
from ._progress import Progress
from .bulk import CustomerStore, _bare_org, _listed_or_read, _now, external_ref_for
from .client import Client
from .models import (
    AccessPackage,
    AttributePair,
    ChangeRequest,
    ChangeRequestStatus,
    RequestKind,
    Right,
    SystemUser,
    SystemUserChangeRequest,
)

__all__ = [
    "ChangeRow",
    "ChangeCampaign",
    "CampaignReport",
    "CampaignWatchReport",
    "parse_items",
    "items_text",
]

#: Statuses written back besides Altinn's (`New`, `Accepted`, `Rejected`, `NoChangeNeeded`) and
#: `TimedOut` (a `New` change request past its window).
STATUS_WITHDRAWN = "Withdrawn"  # the change request no longer exists at Altinn
_NOT_FOLLOWED = {
    ChangeRequestStatus.ACCEPTED.value,
    ChangeRequestStatus.REJECTED.value,
    ChangeRequestStatus.NO_CHANGE_NEEDED.value,
    STATUS_WITHDRAWN,
    "",
}
_RESOURCE = "urn:altinn:resource"

# -- what a system user holds, as text in a cell ---------------------------------------------------
#
# An item is a package, ("package", urn), or a right, ("right", its attribute pairs sorted). In a
# cell, items are separated by spaces, commas or semicolons: a package by its short name
# (`skattegrunnlag`) or URN, a right as `right:<resource id>` or `right:<id>=<value>&<id>=<value>`
# (in the `rights` column without the `right:`). What was asked is the same with `+` (required)
# or `-` (unwanted) in front of each item. An empty set is written `-`.

Item = Tuple[str, Union[str, Tuple[Tuple[str, str], ...]]]

_SEP = re.compile(r"[\s,;]+")


def _right_item(text: str) -> Item:
    text = text.strip()
    if "=" not in text:
        return ("right", ((_RESOURCE, text),))
    pairs = []
    for part in text.split("&"):
        k, _, v = part.partition("=")
        pairs.append((k.strip(), v.strip()))
    return ("right", tuple(sorted(set(pairs))))


def _package_item(text: str) -> Item:
    return ("package", AccessPackage.of(text).urn)


def _item(token: str) -> Item:
    return _right_item(token[6:]) if token.startswith("right:") else _package_item(token)


def _item_text(item: Item) -> str:
    kind, value = item
    if kind == "package":
        return AccessPackage(str(value)).short_name
    pairs = value  # type: ignore[assignment]
    if len(pairs) == 1 and pairs[0][0] == _RESOURCE:
        return "right:" + pairs[0][1]
    return "right:" + "&".join(f"{k}={v}" for k, v in pairs)


def parse_items(text: str, *, rights: bool = False) -> Set[Item]:
    """The items of a cell (`rights=True`: a `rights` column, where every token is a right)."""
    tokens = [t for t in _SEP.split(text or "") if t and t != "-"]
    return {(_right_item(t) if rights else _item(t)) for t in tokens}


def items_text(items: Iterable[Item]) -> str:
    """The canonical text of a set of items (sorted; `-` when empty)."""
    return " ".join(sorted(_item_text(i) for i in items)) or "-"


def change_text(required: Iterable[Item], unwanted: Iterable[Item]) -> str:
    """What a change asks for, canonically: `+item` for each required, `-item` for each unwanted."""
    return " ".join(sorted(["+" + _item_text(i) for i in required] + ["-" + _item_text(i) for i in unwanted]))


def parse_change(text: str) -> Tuple[Set[Item], Set[Item]]:
    """(required, unwanted) of a `change_text`."""
    required: Set[Item] = set()
    unwanted: Set[Item] = set()
    for t in _SEP.split(text or ""):
        if len(t) > 1 and t[0] in "+-":
            (required if t[0] == "+" else unwanted).add(_item(t[1:]))
    return required, unwanted


def _rights_of(items: Iterable[Item]) -> List[Right]:
    return [Right([AttributePair(k, v) for k, v in i[1]]) for i in sorted(items, key=_item_text) if i[0] == "right"]  # type: ignore[misc]


def _packages_of(items: Iterable[Item]) -> List[AccessPackage]:
    return [AccessPackage(str(i[1])) for i in sorted(items, key=_item_text) if i[0] == "package"]


def _items_of(rights: Sequence[Right], packages: Sequence[AccessPackage]) -> Set[Item]:
    out: Set[Item] = {("package", p.urn) for p in packages}
    out |= {("right", tuple(sorted({(p.id, p.value) for p in r.resource}))) for r in rights}
    return out


def _given_items(packages: Sequence[Union[str, AccessPackage]], rights: Sequence[Union[str, Right]]) -> Set[Item]:
    rs = [r if isinstance(r, Right) else Right.for_resource(str(r).strip()) for r in rights]
    return {("package", AccessPackage.of(p).urn) for p in packages} | _items_of(rs, [])


# -- rows and reports ------------------------------------------------------------------------------


@dataclass
class ChangeRow:
    """One customer in a change campaign: what the row says, and what the campaign wrote back."""

    customer_id: str
    org_no: str
    name: str = ""
    #: What the customer's system user should hold (column `packages`; empty: as it is).
    packages: str = ""
    #: The rights it should hold (column `rights`; empty: as it is).
    rights: str = ""
    #: Bulk onboarding's `altinn_external_ref` and `altinn_request_id`, when the table has them.
    external_ref: str = ""
    request_id: str = ""
    # Written back:
    system_user_id: str = ""
    #: What the system user holds, as far as the campaign knows (after an accepted change: with it).
    held: str = ""
    change_id: str = ""
    #: `New`, `Accepted`, `Rejected`, `TimedOut`, `NoChangeNeeded`, `Withdrawn`, or an unknown text.
    change_status: str = ""
    #: What the change request asked for (`+merverdiavgift -skattegrunnlag`).
    change_asked: str = ""
    change_confirm_url: str = ""
    #: What happened last: created, existing (the same change found again), reconciled (found
    #: after a lost answer), up-to-date (nothing to ask), no-system-user, invalid, error (Altinn
    #: said no), retry (Altinn could not tell; the next run tries again).
    change_note: str = ""
    change_error: str = ""
    change_updated: str = ""

    INPUTS: ClassVar[Dict[str, str]] = {
        "packages": "packages",
        "rights": "rights",
        "external_ref": "altinn_external_ref",
        "request_id": "altinn_request_id",
    }
    WRITEBACK: ClassVar[Tuple[str, ...]] = (
        "system_user_id",
        "held",
        "change_id",
        "change_status",
        "change_asked",
        "change_confirm_url",
        "change_note",
        "change_error",
        "change_updated",
    )


@dataclass
class CampaignReport:
    total: int = 0
    #: Asked before (pending, or decided with nothing new to ask): nothing done.
    skipped: int = 0
    #: Change requests made by this run.
    created: int = 0
    #: Asked again for a change already asked (a run whose write-back was lost): found, not made.
    existing: int = 0
    #: Needed nothing: no call made.
    up_to_date: int = 0
    #: The customer has no system user of the system (yet): nothing asked.
    no_system_user: int = 0
    invalid: int = 0
    #: Altinn said no: the row needs a person.
    failed: int = 0
    #: Altinn could not tell (429/5xx after the retries, transport, deadline): the next run tries again.
    retry_later: int = 0
    #: HTTP exchanges this run made.
    http_requests: int = 0
    seconds: float = 0.0
    errors: List[Tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["errors"] = [{"customer_id": c, "error": e} for c, e in self.errors]
        return d

    def summary(self) -> str:
        return (
            f"{self.total} customers: {self.created} change requests created, {self.existing} found again, "
            f"{self.up_to_date} up to date, {self.skipped} already asked, {self.no_system_user} without a system user, "
            f"{self.invalid} invalid, {self.failed} refused, {self.retry_later} to retry later "
            f"({self.http_requests} HTTP calls, {self.seconds:.1f} s)"
        )


@dataclass
class CampaignWatchReport:
    rounds: int = 0
    #: Customers with a change request asked.
    asked: int = 0
    by_status: Dict[str, int] = field(default_factory=dict)
    #: Change requests the customers have decided (accepted or rejected).
    decided: int = 0
    #: Change requests still waiting for the customer (not timed out).
    pending: int = 0
    changed: int = 0
    seconds: float = 0.0

    @property
    def done(self) -> bool:
        return self.pending == 0

    def as_dict(self) -> dict:
        d = asdict(self)
        d["done"] = self.done
        return d

    def summary(self) -> str:
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_status.items()))
        return (
            f"after {self.rounds} round(s): {parts}; {self.decided} of {self.asked} decided, "
            f"{self.pending} pending ({self.seconds:.1f} s)"
        )


# -- the campaign ----------------------------------------------------------------------------------


def _status_text(cr: SystemUserChangeRequest) -> str:
    st = cr.effective_status
    return cr.status_text if st is ChangeRequestStatus.UNKNOWN else st.value


class ChangeCampaign:
    """One change, asked of every customer whose system user needs it.

    ```python
    campaign = ChangeCampaign(client, "991825827_smartcloud", require=["merverdiavgift"])
    with SqliteStore("erp.db", "customers", row_type=ChangeRow) as store:
        print(campaign.run(store).summary())
        print(campaign.watch(store, interval=60, max_wait=3600).summary())
    ```

    What a customer's system user should hold: the row's `packages` and `rights` cells when they
    are filled, else what it holds now; plus `require` (packages or `Right`s/resource ids for
    everyone), minus `remove`. The change asks for what that lacks and for the removal of what it
    holds beyond it.
    """

    def __init__(
        self,
        client: Client,
        system_id: str,
        *,
        require: Sequence[Union[str, AccessPackage]] = (),
        remove: Sequence[Union[str, AccessPackage]] = (),
        require_rights: Sequence[Union[str, Right]] = (),
        remove_rights: Sequence[Union[str, Right]] = (),
        redirect_url: Optional[str] = None,
        ref_prefix: str = "",
        link_by_org: bool = True,
    ) -> None:
        self.client = client
        self.system_id = system_id
        self.require: Set[Item] = _given_items(require, require_rights)
        self.remove: Set[Item] = _given_items(remove, remove_rights)
        both = self.require & self.remove
        if both:
            raise ValueError(f"{items_text(both)} both required and removed")
        self.redirect_url = redirect_url
        self.ref_prefix = ref_prefix
        self.link_by_org = link_by_org
        self._users: Optional[Tuple[Dict[str, SystemUser], Dict[Tuple[str, str], SystemUser], Dict[str, SystemUser]]] = None
        self._requests: Optional[Dict[str, Set[Item]]] = None

    # -- what each customer needs ---------------------------------------------------------------

    def wanted(self, row: ChangeRow, held: Set[Item], store: Optional[CustomerStore] = None) -> Set[Item]:
        """What the row's system user should hold."""
        per_packages = row.packages.strip() and (store is None or store.has_input("packages"))
        per_rights = row.rights.strip() and (store is None or store.has_input("rights"))
        out = parse_items(row.packages) if per_packages else {i for i in held if i[0] == "package"}
        out |= parse_items(row.rights, rights=True) if per_rights else {i for i in held if i[0] == "right"}
        return (out | self.require) - self.remove

    def _user_index(self) -> Tuple[Dict[str, SystemUser], Dict[Tuple[str, str], SystemUser], Dict[str, SystemUser]]:
        if self._users is None:
            by_id: Dict[str, SystemUser] = {}
            by_key: Dict[Tuple[str, str], SystemUser] = {}
            by_org: Dict[str, SystemUser] = {}
            for u in self.client.list_all_system_users(self.system_id):
                if u.is_deleted:
                    continue
                by_id[u.id.lower()] = u
                by_key[(u.reportee_org_no, u.external_ref or u.reportee_org_no)] = u
                by_org.setdefault(u.reportee_org_no, u)
            self._users = (by_id, by_key, by_org)
        return self._users

    def _user_for(self, row: ChangeRow) -> Optional[SystemUser]:
        by_id, by_key, by_org = self._user_index()
        for uid in (row.system_user_id, row.request_id):
            if uid and uid.lower() in by_id:
                return by_id[uid.lower()]
        org = _bare_org(row.org_no)
        ref = row.external_ref or external_ref_for(row.customer_id, self.ref_prefix)
        return by_key.get((org, ref)) or (by_org.get(org) if self.link_by_org else None)

    def _baseline(self, user: SystemUser) -> Set[Item]:
        """What a system user got at approval: what its request (the same id) asked for."""
        if self._requests is None:
            self._requests = {
                r.id.lower(): _items_of(r.rights, r.access_packages)
                for r in self.client.list_all_requests(self.system_id, RequestKind.STANDARD)
            }
        got = self._requests.get(user.id.lower())
        if got is None:
            # Request lists lose an item at every page boundary (API.md §14): ask for it.
            try:
                r = self.client.get_request(user.id, RequestKind.STANDARD)
                got = _items_of(r.rights, r.access_packages)
            except E.NotFoundError:
                got = set()  # a system user without a request: nothing known
            self._requests[user.id.lower()] = got
        return got

    # -- the run --------------------------------------------------------------------------------

    def run(self, store: CustomerStore, *, progress: bool = True) -> CampaignReport:
        """Asks every customer that needs the change, once; safe to interrupt and run again."""
        t0 = time.monotonic()
        http0 = self.client.stats.http_requests
        self._users = None
        self._requests = None
        rep = CampaignReport()
        rows: List[ChangeRow] = store.load()  # type: ignore[assignment]
        rep.total = len(rows)
        # Asked and still waiting for the customer: the watch follows those.
        todo = [r for r in rows if not (r.change_id and r.change_status == ChangeRequestStatus.NEW.value)]
        rep.skipped = rep.total - len(todo)
        bar = Progress(len(todo), "change campaign", enabled=progress)
        for row in todo:
            try:
                save = self._one(row, store, rep)
            except E.ValidationError as e:
                row.change_note, row.change_error = "invalid", str(e)
                rep.invalid += 1
                rep.errors.append((row.customer_id, str(e)))
                save = True
            except E.ComponentTrapError:
                raise
            except E.SystemUserError as e:
                if e.retryable:
                    row.change_note = "retry"
                    rep.retry_later += 1
                else:
                    row.change_note = "error"
                    rep.failed += 1
                row.change_error = str(e)
                rep.errors.append((row.customer_id, str(e)))
                save = True
            if save:
                row.change_updated = _now()
                store.save(row)
            bar.advance(
                extra=f"new {rep.created} found {rep.existing} up-to-date {rep.up_to_date} "
                f"failed {rep.failed + rep.invalid + rep.no_system_user} retry {rep.retry_later}"
            )
        store.flush()
        bar.close()
        rep.http_requests = self.client.stats.http_requests - http0
        rep.seconds = time.monotonic() - t0
        return rep

    def _one(self, row: ChangeRow, store: CustomerStore, rep: CampaignReport) -> bool:
        """Asks one customer if it needs it. False: nothing to write back."""
        if row.held:
            held = parse_items(row.held)
            wanted = self.wanted(row, held, store)
            required, unwanted = wanted - held, held - wanted
            nothing = not required and not unwanted
            asked = change_text(required, unwanted)
            if row.change_id and (nothing or asked == row.change_asked):
                rep.skipped += 1  # asked before, and nothing new since
                return False
            if nothing and row.change_status == ChangeRequestStatus.NO_CHANGE_NEEDED.value:
                rep.skipped += 1
                return False
        user = self._user_for(row)
        if user is None:
            row.change_note = "no-system-user"
            row.change_error = f"no system user of {self.system_id} for customer {row.org_no}: onboard it first"
            rep.no_system_user += 1
            rep.errors.append((row.customer_id, row.change_error))
            return True
        held = parse_items(row.held) if row.held else self._baseline(user)
        wanted = self.wanted(row, held, store)
        required, unwanted = wanted - held, held - wanted
        result = self.client.create_change_request(
            ChangeRequest(
                system_id=self.system_id,
                party_org_no=user.reportee_org_no,
                external_ref=user.external_ref or user.reportee_org_no,
                required_rights=_rights_of(required),
                unwanted_rights=_rights_of(unwanted),
                required_access_packages=_packages_of(required),
                unwanted_access_packages=_packages_of(unwanted),
                redirect_url=self.redirect_url,
            )
        )
        row.system_user_id = user.id
        row.held = items_text(held)
        row.change_error = ""
        if result.no_change_needed:
            row.change_note = "up-to-date"
            if not row.change_id:
                row.change_status = ChangeRequestStatus.NO_CHANGE_NEEDED.value
            rep.up_to_date += 1
            return True
        cr = result.change_request  # type: ignore[union-attr]
        row.change_id = cr.id
        row.change_status = _status_text(cr)
        row.change_asked = change_text(required, unwanted)
        row.change_confirm_url = cr.confirm_url or ""
        if cr.status is ChangeRequestStatus.ACCEPTED:
            row.held = items_text((held - unwanted) | required)
        if result.is_new:
            row.change_note = "created"
            rep.created += 1
        else:
            row.change_note = "reconciled" if result.reconciled else "existing"
            rep.existing += 1
        return True

    # -- watching -------------------------------------------------------------------------------

    def watch(
        self,
        store: CustomerStore,
        *,
        interval: float = 30.0,
        max_wait: Optional[float] = None,
        max_rounds: Optional[int] = None,
        progress: bool = True,
        sleep=time.sleep,
    ) -> CampaignWatchReport:
        """Follows the change requests asked until none waits for its customer any more (accepted,
        rejected or timed out; a timed-out one is looked at again in later rounds, as Altinn still
        lets the customer approve it), or `max_wait` seconds / `max_rounds` rounds have passed.
        Page one of the system's list per round, and a GET for each one not on it."""
        t0 = time.monotonic()
        rep = CampaignWatchReport()
        while True:
            rep.rounds += 1
            rows: List[ChangeRow] = store.load()  # type: ignore[assignment]
            follow = [r for r in rows if r.change_id and r.change_status not in _NOT_FOLLOWED]
            if follow:
                listed = {c.id.lower(): c for c in self.client.list_change_requests(self.system_id).items}
                for r in follow:
                    cr, error = _listed_or_read(
                        listed.get(r.change_id.lower()), lambda: self.client.get_change_request(r.change_id)
                    )
                    if error:
                        r.change_error = error
                        store.save(r)
                        continue
                    new_status = STATUS_WITHDRAWN if cr is None else _status_text(cr)
                    if new_status != r.change_status:
                        r.change_status = new_status
                        if new_status == ChangeRequestStatus.ACCEPTED.value:
                            required, unwanted = parse_change(r.change_asked)
                            r.held = items_text((parse_items(r.held) - unwanted) | required)
                        r.change_updated = _now()
                        r.change_error = ""
                        rep.changed += 1
                        store.save(r)
                store.flush()
                rows = store.load()  # type: ignore[assignment]
            asked = [r for r in rows if r.change_id]
            rep.asked = len(asked)
            rep.by_status = {}
            for r in asked:
                rep.by_status[r.change_status] = rep.by_status.get(r.change_status, 0) + 1
            rep.decided = sum(
                1 for r in asked if r.change_status in (ChangeRequestStatus.ACCEPTED.value, ChangeRequestStatus.REJECTED.value)
            )
            rep.pending = sum(
                1 for r in asked if r.change_status not in _NOT_FOLLOWED and r.change_status != ChangeRequestStatus.TIMED_OUT.value
            )
            rep.seconds = time.monotonic() - t0
            if progress:
                print(f"change watch: {rep.summary()}", file=sys.stderr, flush=True)
            if rep.pending == 0:
                return rep
            if max_rounds is not None and rep.rounds >= max_rounds:
                return rep
            if max_wait is not None and time.monotonic() - t0 + interval > max_wait:
                return rep
            sleep(interval)
