"""Bulk onboarding: what an ERP does when it adopts system users for its customers.

1. Read the customers (a CSV file, or a SQLite table standing in for the ERP's database).
2. Look once at the system users that already exist (one paged call) and *link* a customer that
   already has one instead of asking again.
3. Create the missing requests (one idempotent component call each) with a progress bar, and
   write back request id, status and confirm link.
4. `watch`: poll the system's requests (one paged call per round) and update statuses until
   every customer is in a terminal state.

Each customer gets a deterministic `external_ref` derived from its ERP id, and Altinn dedupes
creates on (org, external ref, system): a run can be killed at any point and run again without
creating a duplicate. Rows already written back are skipped; rows whose write-back was lost
(killed between the create and the commit) are created again, Altinn answers with the existing
request, and the row is filled in.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import errors as E
from ._progress import Progress
from .client import Client
from .models import (
    AccessPackage,
    AgentRequest,
    RequestKind,
    RequestStatus,
    Right,
    StandardRequest,
    SystemUser,
)

__all__ = [
    "Customer",
    "CustomerStore",
    "SqliteStore",
    "CsvStore",
    "Onboarding",
    "OnboardingReport",
    "WatchReport",
    "external_ref_for",
    "open_store",
]

_REF_OK = re.compile(r"^[A-Za-z0-9_-]{1,200}$")

#: Status values written back besides Altinn's (`New`, `Accepted`, …).
STATUS_INVALID = "Invalid"  # the component refused the input (bad org no…); fix the data and rerun
STATUS_WITHDRAWN = "Withdrawn"  # the request no longer exists at Altinn
_LOCAL_TERMINAL = {STATUS_INVALID, STATUS_WITHDRAWN}


def external_ref_for(customer_id: str, prefix: str = "") -> str:
    """A deterministic external ref for an ERP customer id: the id itself when it is made of
    `[A-Za-z0-9_-]` (Maskinporten's set, minus æøå), else `c-` and a hash of it."""
    cid = str(customer_id).strip()
    ref = prefix + cid
    if _REF_OK.match(ref):
        return ref
    return prefix + "c-" + hashlib.sha256(cid.encode("utf-8")).hexdigest()[:32]


def _bare_org(org: str) -> str:
    o = str(org).strip().replace(" ", "")
    return o[5:] if o.startswith("0192:") else o


@dataclass
class Customer:
    """One ERP customer and what onboarding wrote back for it."""

    customer_id: str
    org_no: str
    name: str = ""
    external_ref: str = ""
    request_id: str = ""
    status: str = ""
    confirm_url: str = ""
    #: What happened last: created, existing, reconciled, linked, invalid, error (Altinn said
    #: no), retry (Altinn could not tell: unavailable or unreachable; the next run tries again).
    note: str = ""
    error: str = ""
    updated: str = ""
    #: For an `Invalid` row: a digest of the input that was refused. A later run tries the row
    #: again when its input (org number, external ref, or the run's request options) differs.
    input_hash: str = ""

    # What a store reads and writes for a kind of row (`Customer` here, `campaign.ChangeRow`):
    # every row has `customer_id`, `org_no` and `name`; `INPUTS` maps more attributes to the
    # columns they are read from (a missing column reads as ""), `WRITEBACK` names the
    # attributes written back, each into column `altinn_<attribute>` (added when missing).
    INPUTS: ClassVar[Dict[str, str]] = {}
    WRITEBACK: ClassVar[Tuple[str, ...]] = (
        "external_ref", "request_id", "status", "confirm_url", "note", "error", "updated", "input_hash",
    )

    @property
    def recorded(self) -> bool:
        return bool(self.request_id) or self.status == STATUS_INVALID


WRITEBACK = Customer.WRITEBACK


def _row_schema(row_type: type, input_columns: Optional[Dict[str, str]]) -> Tuple[Dict[str, str], Tuple[str, ...]]:
    inputs = dict(getattr(row_type, "INPUTS", {}))
    for attr, column in (input_columns or {}).items():
        if attr not in inputs:
            raise ValueError(f"{row_type.__name__} reads no {attr!r} column")
        inputs[attr] = column
    return inputs, tuple(getattr(row_type, "WRITEBACK"))


class CustomerStore:
    """Where customers come from and results go. `save` may buffer; `flush` makes it durable."""

    #: Input attribute → column, of the columns this store has (see `has_input`).
    present_inputs: Dict[str, str] = {}

    def load(self) -> List[Customer]:  # pragma: no cover - interface
        raise NotImplementedError

    def has_input(self, attr: str) -> bool:
        """Whether the column an input attribute is read from exists (else it reads as "")."""
        return attr in self.present_inputs

    def save(self, customer: Customer) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> "CustomerStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SqliteStore(CustomerStore):
    """A table of customers in SQLite (an ERP's database, or a stand-in for one).

    The table needs an id column and an org number column (names configurable); the write-back
    columns `altinn_<field>` are added when missing. Commits every `commit_every` saves or
    `commit_seconds`, whichever comes first, and on `flush`/`close`. `row_type` (default
    `Customer`) says what else is read and written back; `input_columns` renames its inputs'
    columns.
    """

    def __init__(
        self,
        path: Union[str, os.PathLike],
        table: str = "customers",
        *,
        id_column: str = "customer_id",
        org_column: str = "org_no",
        name_column: Optional[str] = "name",
        commit_every: int = 50,
        commit_seconds: float = 1.0,
        row_type: type = Customer,
        input_columns: Optional[Dict[str, str]] = None,
    ) -> None:
        self.row_type = row_type
        self.inputs, self.writeback = _row_schema(row_type, input_columns)
        for ident in (table, id_column, org_column, name_column or "x", *self.inputs.values()):
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", ident):
                raise ValueError(f"not a plain SQL identifier: {ident!r}")
        self.path = str(path)
        if self.path != ":memory:" and not os.path.isfile(self.path):
            # sqlite3.connect would create an empty database there (a typo'd path): refuse.
            raise FileNotFoundError(f"{self.path}: no such database file")
        self.table = table
        self.id_column = id_column
        self.org_column = org_column
        self.name_column = name_column
        self.commit_every = commit_every
        self.commit_seconds = commit_seconds
        self.db = sqlite3.connect(self.path, timeout=30)
        self._pending = 0
        self._last_commit = time.monotonic()
        cols = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
        if not cols:
            raise ValueError(f"{self.path} has no table {table!r}")
        for c in (id_column, org_column):
            if c not in cols:
                raise ValueError(f"table {table!r} has no column {c!r}")
        if name_column and name_column not in cols:
            self.name_column = None
        self.present_inputs = {a: c for a, c in self.inputs.items() if c in cols}
        for f in self.writeback:
            if f"altinn_{f}" not in cols:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN altinn_{f} TEXT")
        self.db.commit()

    def load(self) -> List[Customer]:
        name = self.name_column or "''"
        inputs = list(self.inputs)
        selected = [self.present_inputs.get(a, "''") for a in inputs] + [f"altinn_{f}" for f in self.writeback]
        out = []
        for row in self.db.execute(
            f"SELECT {self.id_column}, {self.org_column}, {name}, {', '.join(selected)} FROM {self.table} ORDER BY rowid"
        ):
            c = self.row_type(str(row[0]), str(row[1] or ""), str(row[2] or ""))
            for f, v in zip(inputs + list(self.writeback), row[3:]):
                setattr(c, f, "" if v is None else str(v))
            out.append(c)
        return out

    def save(self, customer: Customer) -> None:
        sets = ", ".join(f"altinn_{f} = ?" for f in self.writeback)
        self.db.execute(
            f"UPDATE {self.table} SET {sets} WHERE {self.id_column} = ?",
            [getattr(customer, f) or None for f in self.writeback] + [customer.customer_id],
        )
        self._pending += 1
        if self._pending >= self.commit_every or time.monotonic() - self._last_commit >= self.commit_seconds:
            self.flush()

    def flush(self) -> None:
        self.db.commit()
        self._pending = 0
        self._last_commit = time.monotonic()

    def close(self) -> None:
        self.flush()
        self.db.close()


class CsvStore(CustomerStore):
    """A CSV file with a header row: the id and org number columns (names configurable), any
    other columns kept as they are, and the write-back columns `altinn_<field>` added. The file
    is rewritten atomically (temporary file + rename) every `flush_seconds` and on close.
    `row_type` and `input_columns` as for `SqliteStore`."""

    def __init__(
        self,
        path: Union[str, os.PathLike],
        *,
        id_column: str = "customer_id",
        org_column: str = "org_no",
        name_column: str = "name",
        flush_seconds: float = 1.0,
        row_type: type = Customer,
        input_columns: Optional[Dict[str, str]] = None,
    ) -> None:
        self.row_type = row_type
        self.inputs, self.writeback = _row_schema(row_type, input_columns)
        self.path = Path(path)
        self.id_column = id_column
        self.org_column = org_column
        self.name_column = name_column
        self.flush_seconds = flush_seconds
        with self.path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            self.fields = list(reader.fieldnames or [])
            self.rows = list(reader)
        for c in (id_column, org_column):
            if c not in self.fields:
                raise ValueError(f"{self.path} has no column {c!r}")
        self.present_inputs = {a: c for a, c in self.inputs.items() if c in self.fields}
        for f in self.writeback:
            if f"altinn_{f}" not in self.fields:
                self.fields.append(f"altinn_{f}")
        self._index = {r[id_column]: i for i, r in enumerate(self.rows)}
        self._dirty = False
        self._last = time.monotonic()

    def load(self) -> List[Customer]:
        out = []
        for r in self.rows:
            c = self.row_type(r[self.id_column], r.get(self.org_column) or "", r.get(self.name_column) or "")
            for a, col in self.inputs.items():
                setattr(c, a, r.get(col) or "")
            for f in self.writeback:
                setattr(c, f, r.get(f"altinn_{f}") or "")
            out.append(c)
        return out

    def save(self, customer: Customer) -> None:
        r = self.rows[self._index[customer.customer_id]]
        for f in self.writeback:
            r[f"altinn_{f}"] = getattr(customer, f)
        self._dirty = True
        if time.monotonic() - self._last >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        self._last = time.monotonic()
        if not self._dirty:
            return
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", dir=str(self.path.parent))
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=self.fields)
            w.writeheader()
            w.writerows(self.rows)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self._dirty = False


_STORE_OPTIONS = ("id_column", "org_column", "name_column", "row_type", "input_columns")


def open_store(path: Union[str, os.PathLike], table: str = "customers", **kw: object) -> CustomerStore:
    """A `CsvStore` for `*.csv`, else a `SqliteStore` (options: `id_column`, `org_column`,
    `name_column`, `row_type`, `input_columns`)."""
    p = str(path)
    opts = {k: v for k, v in kw.items() if k in _STORE_OPTIONS}
    if p.lower().endswith(".csv"):
        return CsvStore(p, **opts)  # type: ignore[arg-type]
    return SqliteStore(p, table, **opts)  # type: ignore[arg-type]


@dataclass
class OnboardingReport:
    total: int = 0
    #: Already written back by an earlier run: nothing done.
    skipped: int = 0
    created: int = 0
    #: Altinn already had a request for the key (an earlier run whose write-back was lost).
    existing: int = 0
    #: The customer already had a system user: linked, nothing asked.
    linked: int = 0
    invalid: int = 0
    #: Altinn said no (a problem answer): the row needs a person.
    failed: int = 0
    #: Altinn could not tell (429/5xx after the retries, transport, deadline): nothing about the
    #: customer follows; the next run tries again.
    retry_later: int = 0
    #: Rows marked `Invalid` by an earlier run whose input has not changed since (not tried
    #: again; `retry_invalid=True` / `--retry-invalid` forces it). Counted in `skipped` too.
    still_invalid: int = 0
    seconds: float = 0.0
    errors: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def any_invalid(self) -> bool:
        """Whether any row is invalid after this run (refused now, or still as before)."""
        return self.invalid > 0 or self.still_invalid > 0

    @property
    def ok(self) -> bool:
        """Every customer is recorded: none invalid, none refused (retry-later rows aside)."""
        return not self.any_invalid and self.failed == 0

    def as_dict(self) -> dict:
        d = asdict(self)
        d["errors"] = [{"customer_id": c, "error": e} for c, e in self.errors]
        return d

    def summary(self) -> str:
        return (
            f"{self.total} customers: {self.created} requests created, {self.existing} already requested, "
            f"{self.linked} linked to existing system users, {self.skipped} already recorded, "
            f"{self.invalid} invalid, {self.still_invalid} still invalid (data unchanged), {self.failed} refused, "
            f"{self.retry_later} to retry later ({self.seconds:.1f} s)"
        )


@dataclass
class WatchReport:
    rounds: int = 0
    by_status: Dict[str, int] = field(default_factory=dict)
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
        return f"after {self.rounds} round(s): {parts}; {self.pending} pending ({self.seconds:.1f} s)"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Onboarding:
    """Bulk onboarding of customers onto one system.

    ```python
    ob = Onboarding(client, "991825827_smartcloud", access_packages=["urn:altinn:accesspackage:skattegrunnlag"])
    with SqliteStore("erp.db", "customers") as store:
        print(ob.run(store).summary())
        print(ob.watch(store, interval=30).summary())
    ```
    """

    def __init__(
        self,
        client: Client,
        system_id: str,
        *,
        kind: RequestKind = RequestKind.STANDARD,
        access_packages: Optional[Sequence[Union[str, AccessPackage]]] = None,
        rights: Optional[Sequence[Right]] = None,
        redirect_url: Optional[str] = None,
        integration_title: Optional[str] = None,
        ref_prefix: str = "",
        link_by_org: bool = True,
    ) -> None:
        self.client = client
        self.system_id = system_id
        self.kind = RequestKind(kind)
        self.access_packages = list(access_packages) if access_packages is not None else None
        self.rights = list(rights) if rights is not None else None
        self.redirect_url = redirect_url
        self.integration_title = integration_title
        self.ref_prefix = ref_prefix
        self.link_by_org = link_by_org
        self._terminal: Dict[str, bool] = {}

    # -- building requests --------------------------------------------------------------------

    def request_for(self, c: Customer) -> Union[StandardRequest, AgentRequest]:
        if self.kind is RequestKind.AGENT:
            return AgentRequest(
                system_id=self.system_id,
                party_org_no=c.org_no,
                access_packages=self.access_packages or [],
                external_ref=c.external_ref,
                integration_title=self.integration_title,
                redirect_url=self.redirect_url,
            )
        return StandardRequest(
            system_id=self.system_id,
            party_org_no=c.org_no,
            external_ref=c.external_ref,
            integration_title=self.integration_title,
            rights=self.rights,
            access_packages=self.access_packages,
            redirect_url=self.redirect_url,
        )

    def _user_index(self) -> Tuple[Dict[Tuple[str, str], SystemUser], Dict[str, SystemUser]]:
        want = "agent" if self.kind is RequestKind.AGENT else "standard"
        by_key: Dict[Tuple[str, str], SystemUser] = {}
        by_org: Dict[str, SystemUser] = {}
        for u in self.client.list_all_system_users(self.system_id):
            if u.is_deleted or u.user_type.value != want:
                continue
            by_key[(u.reportee_org_no, u.external_ref or u.reportee_org_no)] = u
            by_org.setdefault(u.reportee_org_no, u)
        return by_key, by_org

    @staticmethod
    def _link(c: Customer, u: SystemUser) -> None:
        c.request_id = u.id
        c.status = RequestStatus.ACCEPTED.value
        c.confirm_url = ""
        c.note = "linked"
        c.error = ""

    # -- the run ------------------------------------------------------------------------------

    def input_hash(self, c: Customer) -> str:
        """A digest of what a row's request is made of (its org number and external ref, and
        this run's system, kind, packages, rights, redirect URL and title)."""
        parts = [
            self.system_id, self.kind.value, _bare_org(c.org_no), c.external_ref or external_ref_for(c.customer_id, self.ref_prefix),
            [str(getattr(p, "urn", p)) for p in self.access_packages or ()], [repr(r) for r in self.rights or ()],
            self.redirect_url, self.integration_title, self.access_packages is None, self.rights is None,
        ]
        return hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()[:16]

    def run(
        self,
        store: CustomerStore,
        *,
        progress: bool = True,
        retry_invalid: bool = False,
        on_progress: Optional[Callable[[int, int, Customer, "OnboardingReport"], Any]] = None,
    ) -> OnboardingReport:
        """Creates the missing requests; safe to interrupt and run again.

        Rows with a request id are skipped. A row marked `Invalid` by an earlier run is tried
        again when its input changed since (the org number fixed in the ERP, other request
        options), or always with `retry_invalid=True`; left as it is, it counts in
        `still_invalid` (and `ok` is false). `on_progress(done, total, customer, report)` is
        called after each row tried (`total`: the rows to try this run)."""
        if on_progress is not None and not callable(on_progress):
            raise TypeError(f"on_progress must be callable, not {type(on_progress).__name__}")
        t0 = time.monotonic()
        rep = OnboardingReport()
        customers = store.load()
        rep.total = len(customers)
        todo = []
        for c in customers:
            if c.request_id:
                continue
            if c.status == STATUS_INVALID and not retry_invalid and c.input_hash == self.input_hash(c):
                rep.still_invalid += 1
                rep.errors.append((c.customer_id, f"still invalid (unchanged since {c.updated or 'an earlier run'}): {c.error}"))
                continue
            todo.append(c)
        rep.skipped = rep.total - len(todo)
        if todo:
            by_key, by_org = self._user_index()
        bar = Progress(len(todo), "onboarding", enabled=progress)
        for done, c in enumerate(todo, 1):
            c.external_ref = c.external_ref or external_ref_for(c.customer_id, self.ref_prefix)
            if c.status == STATUS_INVALID:  # tried again: its data (or the options) changed
                c.status, c.note, c.error, c.input_hash = "", "", "", ""
            org = _bare_org(c.org_no)
            u = by_key.get((org, c.external_ref)) or (by_org.get(org) if self.link_by_org else None)
            try:
                if u is not None:
                    self._link(c, u)
                    rep.linked += 1
                else:
                    self._create(c, rep)
            except E.ValidationError as e:
                c.status, c.note, c.error = STATUS_INVALID, "invalid", str(e)
                c.input_hash = self.input_hash(c)
                rep.invalid += 1
                rep.errors.append((c.customer_id, str(e)))
            except E.ComponentTrapError:
                raise
            except E.AltinnError as e:
                # Nothing recorded as a request id: the next run tries this row again. Only a
                # "no" is an error; "could not tell" (unavailable, transport) says nothing yet.
                if e.retryable:
                    c.note = "retry"
                    rep.retry_later += 1
                else:
                    c.note = "error"
                    rep.failed += 1
                c.error = str(e)
                rep.errors.append((c.customer_id, str(e)))
            c.updated = _now()
            store.save(c)
            bar.advance(
                extra=f"new {rep.created} linked {rep.linked} failed {rep.failed + rep.invalid} retry {rep.retry_later}"
            )
            if on_progress is not None:
                on_progress(done, len(todo), c, rep)
        store.flush()
        bar.close()
        rep.seconds = time.monotonic() - t0
        return rep

    def _create(self, c: Customer, rep: OnboardingReport) -> None:
        try:
            created = self.client.create_request(self.request_for(c))
        except E.AltinnProblemError as e:
            if e.code not in ("AUTH-00004", "AUTH-00006"):
                raise
            # An active system user holds the key (created since we looked): link it.
            u = self.client.verify_system_user(self.system_id, c.org_no, c.external_ref)
            if u is None:
                raise
            self._link(c, u)
            rep.linked += 1
            return
        r = created.request
        c.request_id = r.id
        c.status = r.effective_status.value if r.status is not RequestStatus.UNKNOWN else r.status_text
        c.confirm_url = r.confirm_url or c.confirm_url
        c.error = ""
        if created.is_new:
            c.note = "created"
            rep.created += 1
        else:
            c.note = "reconciled" if created.reconciled else "existing"
            rep.existing += 1

    # -- watching -----------------------------------------------------------------------------

    def is_terminal(self, status: str) -> bool:
        """Per the component's lifecycle (cached per status string)."""
        if status in _LOCAL_TERMINAL:
            return True
        hit = self._terminal.get(status)
        if hit is None:
            try:
                st = RequestStatus(status)
                text = ""
            except ValueError:
                st, text = RequestStatus.UNKNOWN, status
            hit = self._terminal[status] = self.client.component.is_terminal(st, text)
        return hit

    def watch(
        self,
        store: CustomerStore,
        *,
        interval: float = 30.0,
        max_wait: Optional[float] = None,
        max_rounds: Optional[int] = None,
        progress: bool = True,
        sleep=time.sleep,
    ) -> WatchReport:
        """Updates statuses until every recorded customer is terminal (or `max_wait` seconds /
        `max_rounds` rounds have passed). One paged list call per round, plus a GET for a
        request that has left the list."""
        t0 = time.monotonic()
        rep = WatchReport()
        while True:
            rep.rounds += 1
            customers = [c for c in store.load() if c.request_id]
            pending = [c for c in customers if not self.is_terminal(c.status)]
            if pending:
                listed = {r.id: r for r in self.client.list_all_requests(self.system_id, self.kind)}
                for c in pending:
                    r = listed.get(c.request_id)
                    if r is None:
                        try:
                            r = self.client.get_request(c.request_id, self.kind)
                        except E.NotFoundError:
                            r = None
                            new_status = STATUS_WITHDRAWN
                        except E.AltinnError as e:
                            c.error = str(e)
                            store.save(c)
                            continue
                    if r is not None:
                        new_status = r.effective_status.value if r.status is not RequestStatus.UNKNOWN else r.status_text
                    if new_status != c.status:
                        c.status = new_status
                        c.updated = _now()
                        c.error = ""
                        rep.changed += 1
                        store.save(c)
                store.flush()
            rep.by_status = {}
            for c in store.load():
                if c.status:
                    rep.by_status[c.status] = rep.by_status.get(c.status, 0) + 1
            rep.pending = sum(1 for c in store.load() if c.request_id and not self.is_terminal(c.status))
            rep.seconds = time.monotonic() - t0
            if progress:
                import sys

                print("watch: " + rep.summary(), file=sys.stderr, flush=True)
            if rep.pending == 0:
                return rep
            if max_rounds is not None and rep.rounds >= max_rounds:
                return rep
            if max_wait is not None and time.monotonic() - t0 + interval > max_wait:
                return rep
            sleep(interval)


def customers_to_json(customers: Iterable[Customer]) -> str:
    return json.dumps([asdict(c) for c in customers], ensure_ascii=False)
