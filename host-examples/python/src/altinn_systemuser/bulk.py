"""Bulk onboarding: what an ERP does when it adopts system users for its customers.

1. Read the customers (a CSV file, a SQLite table standing in for the ERP's database, or a
   PostgreSQL table that several workers share through row leases: `PostgresStore`).
2. Look once at the system users that already exist (one paged call) and *link* a customer that
   already has one instead of asking again.
3. Create the missing requests (one idempotent component call each; `concurrency` of them in
   flight on threads sharing the client) with a progress bar, and write back request id,
   status and confirm link.
4. `watch`: poll the system's requests (one paged listing per round, plus a GET for a pending
   request the pages did not mention) and update statuses until every customer is in a
   terminal state.

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
import secrets
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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
    "PostgresStore",
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


def _make_row(row_type: type, attrs: Sequence[str], row: Sequence[Any]) -> Any:
    """A row object from a database row: id, org number, name, then `attrs` in order (NULL → "")."""
    c = row_type(str(row[0]), str(row[1] or ""), str(row[2] or ""))
    for f, v in zip(attrs, row[3:]):
        setattr(c, f, "" if v is None else str(v))
    return c


def _check_identifiers(*names: Optional[str]) -> None:
    for ident in names:
        if ident is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", ident):
            raise ValueError(f"not a plain SQL identifier: {ident!r}")


class CustomerStore:
    """Where customers come from and results go. `save` may buffer; `flush` makes it durable."""

    #: Input attribute → column, of the columns this store has (see `has_input`).
    present_inputs: Dict[str, str] = {}
    #: Whether several workers share the rows through leases (`claim`, `release`, `renew`,
    #: `pending`): `Onboarding.run` then claims batches instead of loading every row.
    leases: bool = False

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
        _check_identifiers(table, id_column, org_column, name_column, *self.inputs.values())
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
        attrs = inputs + list(self.writeback)
        return [
            _make_row(self.row_type, attrs, row)
            for row in self.db.execute(
                f"SELECT {self.id_column}, {self.org_column}, {name}, {', '.join(selected)} FROM {self.table} ORDER BY rowid"
            )
        ]

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


#: The lease columns a `PostgresStore` table has besides the write-back columns.
LEASE_OWNER = "altinn_lease_owner"
LEASE_UNTIL = "altinn_lease_until"


class PostgresStore(CustomerStore):
    """A table of customers on a PostgreSQL server, shared by several workers (processes, on one
    machine or many) through row leases. Needs psycopg 3 (`pip install 'altinn-systemuser[postgres]'`).

    The table: an id column, an org number column, optionally a name column (names
    configurable), the write-back columns `altinn_<field>` and the lease columns
    `altinn_lease_owner`, `altinn_lease_until` (`schema_sql()` prints the DDL; `create_schema()`
    runs it; columns missing from an existing table are added). `claim` takes rows that need
    work and are not under a live lease (`FOR UPDATE SKIP LOCKED`, so two workers never take the
    same row) and leases them until the database's `now()` + `lease_seconds`; `save` writes a
    row back and releases its lease (buffered: committed every `commit_every` saves or
    `commit_seconds`, and on `flush`/`close`). The lease of a worker that died expires and the
    row is claimable again; a create sent again for it is answered by Altinn's dedupe with the
    existing request, so no second request is made.
    """

    leases = True

    def __init__(
        self,
        dsn: str,
        table: str = "customers",
        *,
        id_column: str = "customer_id",
        org_column: str = "org_no",
        name_column: Optional[str] = "name",
        commit_every: int = 100,
        commit_seconds: float = 1.0,
        connect_timeout: float = 10.0,
        row_type: type = Customer,
        input_columns: Optional[Dict[str, str]] = None,
    ) -> None:
        try:
            import psycopg
        except ImportError as e:  # pragma: no cover - depends on the install
            raise ImportError("PostgresStore needs psycopg 3: pip install 'altinn-systemuser[postgres]'") from e
        self.row_type = row_type
        self.inputs, self.writeback = _row_schema(row_type, input_columns)
        _check_identifiers(table, id_column, org_column, name_column, *self.inputs.values())
        self.table = table
        self.id_column = id_column
        self.org_column = org_column
        self.name_column = name_column
        self._name_wanted = name_column
        self.commit_every = commit_every
        self.commit_seconds = commit_seconds
        # Autocommit: each claim is one statement (its own transaction); saves are written in
        # explicit transactions by `flush`.
        self.db = psycopg.connect(dsn, autocommit=True, connect_timeout=max(1, int(connect_timeout)))
        self._buffer: List[Tuple[Any, ...]] = []
        self._last_commit = time.monotonic()
        self._ready = False
        self._inspect()

    # -- schema -------------------------------------------------------------------------------

    @classmethod
    def schema_sql(
        cls,
        table: str = "customers",
        *,
        id_column: str = "customer_id",
        org_column: str = "org_no",
        name_column: Optional[str] = "name",
        row_type: type = Customer,
        input_columns: Optional[Dict[str, str]] = None,
    ) -> str:
        """The DDL of a customers table (for the vendor's own migrations): the input columns,
        the write-back columns, the lease columns, and the partial index `claim` scans."""
        inputs, writeback = _row_schema(row_type, input_columns)
        _check_identifiers(table, id_column, org_column, name_column, *inputs.values())
        cols = [f"{id_column} text PRIMARY KEY", f"{org_column} text NOT NULL"]
        if name_column:
            cols.append(f"{name_column} text NOT NULL DEFAULT ''")
        cols += [f"{c} text" for c in inputs.values()]
        cols += [f"altinn_{f} text" for f in writeback]
        cols += [f"{LEASE_OWNER} text", f"{LEASE_UNTIL} timestamptz"]
        sql = f"CREATE TABLE IF NOT EXISTS {table} (\n    " + ",\n    ".join(cols) + "\n);\n"
        if "request_id" in writeback:
            sql += (
                f"CREATE INDEX IF NOT EXISTS {table}_altinn_todo ON {table} ({id_column})"
                " WHERE altinn_request_id IS NULL;\n"
            )
        return sql

    def create_schema(self) -> None:
        """Creates the table and its index when missing (`schema_sql()`)."""
        sql = self.schema_sql(
            self.table, id_column=self.id_column, org_column=self.org_column, name_column=self._name_wanted,
            row_type=self.row_type, input_columns={a: c for a, c in self.inputs.items()},
        )
        with self.db.transaction():
            for stmt in sql.split(";\n"):
                if stmt.strip():
                    self.db.execute(stmt)
        self._inspect()

    def _inspect(self) -> None:
        cols = {
            r[0]
            for r in self.db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
                (self.table,),
            )
        }
        if not cols:
            return  # no table yet: create_schema(), or an error at first use
        for c in (self.id_column, self.org_column):
            if c not in cols:
                raise ValueError(f"table {self.table!r} has no column {c!r}")
        self.name_column = self._name_wanted if self._name_wanted in cols else None
        self.present_inputs = {a: c for a, c in self.inputs.items() if c in cols}
        wanted = [(f"altinn_{f}", "text") for f in self.writeback] + [(LEASE_OWNER, "text"), (LEASE_UNTIL, "timestamptz")]
        missing = [(c, t) for c, t in wanted if c not in cols]
        if missing:
            with self.db.transaction():
                for c, t in missing:
                    self.db.execute(f"ALTER TABLE {self.table} ADD COLUMN IF NOT EXISTS {c} {t}")
        self._ready = True

    def _check_ready(self) -> None:
        if not self._ready:
            self._inspect()
        if not self._ready:
            raise ValueError(
                f"the database has no table {self.table!r}: create it (PostgresStore.schema_sql(), or create_schema())"
            )

    # -- rows ---------------------------------------------------------------------------------

    def _select_list(self) -> Tuple[str, List[str]]:
        attrs = list(self.inputs) + list(self.writeback)
        cols = [self.id_column, self.org_column, self.name_column or "''"]
        cols += [self.present_inputs.get(a, "''") for a in self.inputs]
        cols += [f"altinn_{f}" for f in self.writeback]
        return ", ".join(cols), attrs

    def add_customers(self, customers: Iterable[Customer]) -> int:
        """Inserts rows (customers with their inputs and any write-back already known); a row
        whose id is already there is left as it is. Returns how many were added."""
        self._check_ready()
        attrs = list(self.present_inputs)
        cols = [self.id_column, self.org_column] + ([self.name_column] if self.name_column else [])
        cols += [self.present_inputs[a] for a in attrs] + [f"altinn_{f}" for f in self.writeback]
        sql = (
            f"INSERT INTO {self.table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
            f"ON CONFLICT ({self.id_column}) DO NOTHING"
        )
        rows = []
        for c in customers:
            row = [c.customer_id, c.org_no] + ([c.name or ""] if self.name_column else [])
            row += [getattr(c, a) or None for a in attrs] + [getattr(c, f) or None for f in self.writeback]
            rows.append(row)
        added = 0
        with self.db.transaction(), self.db.cursor() as cur:
            for i in range(0, len(rows), 5000):
                cur.executemany(sql, rows[i:i + 5000])
                added += max(0, cur.rowcount)
        return added

    def load(self) -> List[Customer]:
        self._check_ready()
        self.flush()
        cols, attrs = self._select_list()
        return [
            _make_row(self.row_type, attrs, r)
            for r in self.db.execute(f"SELECT {cols} FROM {self.table} ORDER BY {self.id_column}")
        ]

    def save(self, customer: Customer) -> None:
        self._buffer.append(tuple(getattr(customer, f) or None for f in self.writeback) + (customer.customer_id,))
        if len(self._buffer) >= self.commit_every or time.monotonic() - self._last_commit >= self.commit_seconds:
            self.flush()

    def flush(self) -> None:
        self._last_commit = time.monotonic()
        if not self._buffer:
            return
        sets = ", ".join(f"altinn_{f} = %s" for f in self.writeback)
        # Writing a row back ends its lease (whoever held it: the row is recorded or was tried).
        sql = (
            f"UPDATE {self.table} SET {sets}, {LEASE_OWNER} = NULL, {LEASE_UNTIL} = NULL "
            f"WHERE {self.id_column}::text = %s"
        )
        with self.db.transaction(), self.db.cursor() as cur:
            cur.executemany(sql, self._buffer)
        self._buffer = []

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.db.close()

    # -- leases -------------------------------------------------------------------------------

    def claim(self, worker_id: str, n: int, lease_seconds: float, exclude: Iterable[str] = ()) -> List[Customer]:
        """Leases up to `n` rows that need work (no request id yet) and are under no live lease,
        to `worker_id` for `lease_seconds`, skipping the ids in `exclude` (the rows this worker
        already tried in this run). Rows locked by another worker's claim are skipped, not
        waited for."""
        self._check_ready()
        self.flush()
        cols, attrs = self._select_list()
        t, ident = self.table, self.id_column
        rows = self.db.execute(
            f"UPDATE {t} SET {LEASE_OWNER} = %(w)s, {LEASE_UNTIL} = now() + %(s)s * interval '1 second' "
            f"WHERE {ident} IN (SELECT {ident} FROM {t} WHERE altinn_request_id IS NULL "
            f"AND ({LEASE_UNTIL} IS NULL OR {LEASE_UNTIL} < now()) AND NOT ({ident}::text = ANY(%(x)s::text[])) "
            f"ORDER BY {ident} LIMIT %(n)s FOR UPDATE SKIP LOCKED) "
            f"RETURNING {cols}",
            {"w": worker_id, "s": float(lease_seconds), "x": list(exclude), "n": int(n)},
        ).fetchall()
        return sorted((_make_row(self.row_type, attrs, r) for r in rows), key=lambda c: c.customer_id)

    def renew(self, worker_id: str, ids: Iterable[str], lease_seconds: float) -> None:
        """Extends this worker's leases on `ids` to `now()` + `lease_seconds`."""
        self.db.execute(
            f"UPDATE {self.table} SET {LEASE_UNTIL} = now() + %s * interval '1 second' "
            f"WHERE {LEASE_OWNER} = %s AND {self.id_column}::text = ANY(%s::text[])",
            (float(lease_seconds), worker_id, list(ids)),
        )

    def release(self, worker_id: str, ids: Iterable[str]) -> None:
        """Ends this worker's leases on `ids` without writing anything back."""
        self.flush()
        self.db.execute(
            f"UPDATE {self.table} SET {LEASE_OWNER} = NULL, {LEASE_UNTIL} = NULL "
            f"WHERE {LEASE_OWNER} = %s AND {self.id_column}::text = ANY(%s::text[])",
            (worker_id, list(ids)),
        )

    def pending(self, exclude: Iterable[str] = ()) -> Tuple[int, Optional[float]]:
        """Rows that need work (no request id) besides `exclude`, and the seconds until the
        first live lease among them expires (None when none is leased)."""
        self._check_ready()
        self.flush()
        n, first = self.db.execute(
            f"SELECT count(*), extract(epoch FROM min({LEASE_UNTIL}) FILTER (WHERE {LEASE_UNTIL} > now()) - now()) "
            f"FROM {self.table} WHERE altinn_request_id IS NULL AND NOT ({self.id_column}::text = ANY(%s::text[]))",
            (list(exclude),),
        ).fetchone()
        return int(n), (None if first is None else float(first))

    def counts(self) -> Tuple[int, int]:
        """(rows, rows with a request id): the whole table, every worker's work."""
        self._check_ready()
        total, recorded = self.db.execute(f"SELECT count(*), count(altinn_request_id) FROM {self.table}").fetchone()
        return int(total), int(recorded)

    def leased(self) -> int:
        """Rows under a live lease now."""
        self._check_ready()
        return int(self.db.execute(f"SELECT count(*) FROM {self.table} WHERE {LEASE_UNTIL} > now()").fetchone()[0])


_STORE_OPTIONS = ("id_column", "org_column", "name_column", "row_type", "input_columns")


def open_store(path: Union[str, os.PathLike], table: str = "customers", **kw: object) -> CustomerStore:
    """A `PostgresStore` for a `postgresql://` (or `postgres://`) URL, a `CsvStore` for `*.csv`,
    else a `SqliteStore` (options: `id_column`, `org_column`, `name_column`, `row_type`,
    `input_columns`)."""
    p = str(path)
    opts = {k: v for k, v in kw.items() if k in _STORE_OPTIONS}
    if p.startswith(("postgresql://", "postgres://")):
        return PostgresStore(p, table, **opts)  # type: ignore[arg-type]
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
    #: Recorded customers in a terminal state (approved, rejected, withdrawn, invalid…).
    decided: int = 0
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
        return f"after {self.rounds} round(s): {parts}; {self.decided} decided, {self.pending} pending ({self.seconds:.1f} s)"


def _listed_or_read(listed: Any, read: Callable[[], Any]) -> Tuple[Any, str]:
    """A watched item: as the listing gave it, else read on its own. (item, "") — the item is
    None when Altinn no longer has it — or (None, error) when Altinn could not be asked."""
    if listed is not None:
        return listed, ""
    try:
        return read(), ""
    except E.NotFoundError:
        return None, ""
    except E.SystemUserError as e:
        return None, str(e)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def _note_still_invalid(rep: OnboardingReport, c: Customer) -> None:
    rep.still_invalid += 1
    rep.errors.append((c.customer_id, f"still invalid (unchanged since {c.updated or 'an earlier run'}): {c.error}"))


class _Source:
    """Where a run's rows come from: `take` hands out rows to try (an empty list: none now),
    `idle` says whether to wait for more (seconds) or stop (None)."""

    #: The rows to try (what progress counts towards).
    total = 0

    def take(self) -> List[Customer]:  # pragma: no cover - interface
        raise NotImplementedError

    def finished(self, c: Customer) -> None:
        pass

    def idle(self) -> Optional[float]:
        return None

    def keep_alive(self, held: List[Customer]) -> None:
        pass

    def give_back(self, rows: List[Customer]) -> None:
        pass

    def advance(self, bar: Progress, extra: str) -> None:
        bar.advance(extra=extra)


class _ListSource(_Source):
    """A store without leases: loaded once; the rows that need work, in order."""

    def __init__(self, ob: "Onboarding", customers: List[Customer], retry_invalid: bool, rep: OnboardingReport) -> None:
        rep.total = len(customers)
        self.todo = []
        for c in customers:
            if c.request_id:
                continue
            if ob._still_invalid(c, retry_invalid):
                _note_still_invalid(rep, c)
                continue
            self.todo.append(c)
        rep.skipped = rep.total - len(self.todo)
        self.total = len(self.todo)

    def take(self) -> List[Customer]:
        out, self.todo = self.todo, []
        return out


class _LeaseSource(_Source):
    """A store shared by several workers: batches claimed under leases until no row needs work.
    The report counts the rows this worker claimed (`total`); progress counts every worker's."""

    def __init__(
        self, ob: "Onboarding", store: CustomerStore, worker_id: str, lease_seconds: float, batch_size: int,
        retry_invalid: bool, rep: OnboardingReport,
    ) -> None:
        self.ob, self.store, self.worker_id = ob, store, worker_id
        self.lease_seconds, self.batch_size, self.retry_invalid, self.rep = lease_seconds, batch_size, retry_invalid, rep
        #: Rows this run tried that still have no request id: not claimed again by this run.
        self.tried: set = set()
        self.dry = False
        self.last_renew = self.last_count = time.monotonic()
        rows, self.recorded_at_start = store.counts()  # type: ignore[attr-defined]
        self.total = rows - self.recorded_at_start

    def take(self) -> List[Customer]:
        if self.dry:  # the last claim found nothing: wait for `idle` before asking again
            return []
        batch = self.store.claim(self.worker_id, self.batch_size, self.lease_seconds, self.tried)  # type: ignore[attr-defined]
        if not batch:
            self.dry = True
            return []
        self.rep.total += len(batch)
        out, unchanged = [], []
        for c in batch:
            if self.ob._still_invalid(c, self.retry_invalid):
                _note_still_invalid(self.rep, c)
                self.rep.skipped += 1
                unchanged.append(c)
            else:
                out.append(c)
        if unchanged:
            self.tried.update(c.customer_id for c in unchanged)
            self.give_back(unchanged)
        return out

    def finished(self, c: Customer) -> None:
        if not c.request_id:
            self.tried.add(c.customer_id)

    def idle(self) -> Optional[float]:
        self.dry = False
        left, first_expiry = self.store.pending(self.tried)  # type: ignore[attr-defined]
        if left == 0:
            return None
        # Rows another worker holds: it writes them back soon, or its lease runs out (it died).
        return 0.05 if first_expiry is None else min(1.0, max(0.05, first_expiry))

    def keep_alive(self, held: List[Customer]) -> None:
        now = time.monotonic()
        if held and now - self.last_renew >= self.lease_seconds / 3:
            self.last_renew = now
            self.store.renew(self.worker_id, [c.customer_id for c in held], self.lease_seconds)  # type: ignore[attr-defined]

    def give_back(self, rows: List[Customer]) -> None:
        if rows:
            self.store.release(self.worker_id, [c.customer_id for c in rows])  # type: ignore[attr-defined]

    def advance(self, bar: Progress, extra: str) -> None:
        bar.advance(extra=extra)
        now = time.monotonic()
        if bar.enabled and now - self.last_count >= 2.0:  # every worker's progress, not only ours
            self.last_count = now
            bar.done = max(bar.done, self.store.counts()[1] - self.recorded_at_start)  # type: ignore[attr-defined]


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
        throttle_retries: int = 5,
        throttle_max_wait: float = 30.0,
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
        #: Times a create is sent again after Altinn throttled it past the client's own retries
        #: (429 with a Retry-After of at most `throttle_max_wait` seconds): every thread of the
        #: run waits that long first. A longer Retry-After leaves the row to a later run.
        self.throttle_retries = throttle_retries
        self.throttle_max_wait = throttle_max_wait
        self._pause_until = 0.0
        self._pause_lock = threading.Lock()
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
        concurrency: int = 1,
        worker_id: Optional[str] = None,
        lease_seconds: float = 60.0,
        batch_size: Optional[int] = None,
    ) -> OnboardingReport:
        """Creates the missing requests; safe to interrupt and run again.

        Rows with a request id are skipped. A row marked `Invalid` by an earlier run is tried
        again when its input changed since (the org number fixed in the ERP, other request
        options), or always with `retry_invalid=True`; left as it is, it counts in
        `still_invalid` (and `ok` is false). `on_progress(done, total, customer, report)` is
        called after each row tried (`total`: the rows to try this run; with a lease store, the
        rows that needed work in the whole table when the run started).

        `concurrency` creates are kept in flight, on threads sharing this client (one token
        cache, one grant per scope); results are written back by the calling thread. With a
        lease store (`PostgresStore`) the run claims `batch_size` rows at a time as `worker_id`
        (default: host, pid and a random tag) for `lease_seconds` (renewed while held) until no
        row needs work: rows another worker holds are waited for until that worker writes them
        back or its lease expires (it died), so the workers left finish everything. A row that
        is tried and still has no request id (refused, retry later) is not tried again by the
        same run."""
        if on_progress is not None and not callable(on_progress):
            raise TypeError(f"on_progress must be callable, not {type(on_progress).__name__}")
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
            raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
        if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1):
            raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
        if not isinstance(lease_seconds, (int, float)) or isinstance(lease_seconds, bool) or not lease_seconds > 0:
            raise ValueError(f"lease_seconds must be a number > 0, got {lease_seconds!r}")
        t0 = time.monotonic()
        rep = OnboardingReport()
        source: "_Source"
        if store.leases:
            source = _LeaseSource(
                self, store, worker_id or _default_worker_id(), float(lease_seconds),
                batch_size or max(50, 4 * concurrency), retry_invalid, rep,
            )
        else:
            source = _ListSource(self, store.load(), retry_invalid, rep)
        bar = Progress(source.total, "onboarding", enabled=progress, unit="customers")
        done = 0

        def finish(c: Customer, outcome: str, error: str) -> None:
            nonlocal done
            done += 1
            c.updated = _now()
            store.save(c)
            source.finished(c)
            self._tally(rep, c, outcome, error)
            source.advance(bar, f"new {rep.created} linked {rep.linked} failed {rep.failed + rep.invalid} retry {rep.retry_later}")
            if on_progress is not None:
                on_progress(done, source.total, c, rep)

        pool = ThreadPoolExecutor(concurrency, thread_name_prefix="onboarding") if concurrency > 1 else None
        queue: "deque[Customer]" = deque()
        inflight: Dict[Future, Customer] = {}
        index: Optional[Tuple[Dict[Tuple[str, str], SystemUser], Dict[str, SystemUser]]] = None
        try:
            while True:
                took_nothing = False
                if len(queue) < concurrency:
                    got = source.take()
                    queue.extend(got)
                    took_nothing = not got
                if queue and index is None:
                    index = self._user_index()
                if pool is None and queue:  # serial: one row per turn (leases renewed between rows)
                    c = queue.popleft()
                    finish(c, *self._attempt(c, index))  # type: ignore[arg-type]
                while pool is not None and queue and len(inflight) < concurrency:
                    c = queue.popleft()
                    inflight[pool.submit(self._attempt, c, index)] = c  # type: ignore[arg-type]
                if inflight:
                    completed, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                    for f in completed:
                        finish(inflight.pop(f), *f.result())
                elif not queue and took_nothing:
                    pause = source.idle()
                    if pause is None:
                        break
                    time.sleep(pause)
                source.keep_alive(list(queue) + list(inflight.values()))
        finally:
            # Stopped by an error (a trap, an interrupt): what is in flight is written back
            # first; the claimed rows not started go back to the other workers.
            for f, c in list(inflight.items()):
                try:
                    finish(c, *f.result())
                except BaseException:  # noqa: BLE001 - the first error is the one raised
                    pass
            if pool is not None:
                pool.shutdown(wait=True)
            source.give_back(list(queue))
            store.flush()
            bar.close()
        rep.seconds = time.monotonic() - t0
        return rep

    def _prepare(self, c: Customer) -> None:
        c.external_ref = c.external_ref or external_ref_for(c.customer_id, self.ref_prefix)
        if c.status == STATUS_INVALID:  # tried again: its data (or the options) changed
            c.status, c.note, c.error, c.input_hash = "", "", "", ""

    def _still_invalid(self, c: Customer, retry_invalid: bool) -> bool:
        return c.status == STATUS_INVALID and not retry_invalid and c.input_hash == self.input_hash(c)

    def _attempt(
        self, c: Customer, index: Tuple[Dict[Tuple[str, str], SystemUser], Dict[str, SystemUser]]
    ) -> Tuple[str, str]:
        """One customer: link or create. Runs on a worker thread; touches only `c`. Returns
        (outcome, error) for `_tally`."""
        self._prepare(c)
        by_key, by_org = index
        org = _bare_org(c.org_no)
        u = by_key.get((org, c.external_ref)) or (by_org.get(org) if self.link_by_org else None)
        try:
            if u is not None:
                self._link(c, u)
                return "linked", ""
            return self._create_when_allowed(c), ""
        except E.ValidationError as e:
            c.status, c.note, c.error = STATUS_INVALID, "invalid", str(e)
            c.input_hash = self.input_hash(c)
            return "invalid", str(e)
        except E.ComponentTrapError:
            raise
        except E.SystemUserError as e:
            # Nothing recorded as a request id: the next run tries this row again. Only a
            # "no" is an error; "could not tell" (unavailable, transport) says nothing yet.
            c.note = "retry" if e.retryable else "error"
            c.error = str(e)
            return c.note, str(e)

    @staticmethod
    def _tally(rep: OnboardingReport, c: Customer, outcome: str, error: str) -> None:
        counter = {"linked": "linked", "created": "created", "existing": "existing", "invalid": "invalid",
                   "error": "failed", "retry": "retry_later"}[outcome]
        setattr(rep, counter, getattr(rep, counter) + 1)
        if error:
            rep.errors.append((c.customer_id, error))

    def _create_when_allowed(self, c: Customer) -> str:
        """`_create`, waiting out Altinn's throttle: a 429 whose Retry-After outlasted the
        client's retries pauses every create of the run that long, then the create is sent
        again (safe: Altinn answers a repeated key with the request it has)."""
        attempt = 0
        while True:
            with self._pause_lock:
                wait_s = self._pause_until - time.monotonic()
            if wait_s > 0:
                time.sleep(wait_s)
            try:
                return self._create(c)
            except E.UnavailableError as e:
                wait_s = e.retry_after_seconds
                if wait_s is None or wait_s > self.throttle_max_wait or attempt >= self.throttle_retries:
                    raise
                attempt += 1
                with self._pause_lock:
                    self._pause_until = max(self._pause_until, time.monotonic() + float(wait_s))

    def _create(self, c: Customer) -> str:
        try:
            created = self.client.create_request(self.request_for(c))
        except E.AltinnError as e:
            if e.code not in ("AUTH-00004", "AUTH-00006"):
                raise
            # An active system user holds the key (created since we looked): link it.
            u = self.client.verify_system_user(self.system_id, c.org_no, c.external_ref)
            if u is None:
                raise
            self._link(c, u)
            return "linked"
        r = created.request
        c.request_id = r.id
        c.status = r.effective_status.value if r.status is not RequestStatus.UNKNOWN else r.status_text
        c.confirm_url = r.confirm_url or c.confirm_url
        c.error = ""
        if created.is_new:
            c.note = "created"
            return "created"
        c.note = "reconciled" if created.reconciled else "existing"
        return "existing"

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
        concurrency: int = 8,
    ) -> WatchReport:
        """Updates statuses until every recorded customer is terminal (or `max_wait` seconds /
        `max_rounds` rounds have passed). A round loads the store once and reads the system's
        request list (about N / page size page reads), plus a GET for each pending request the
        pages did not mention (one has left the list, or fell between two pages: API.md §14);
        those GETs run `concurrency` at a time on threads sharing the client."""
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
            raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
        t0 = time.monotonic()
        rep = WatchReport()
        while True:
            rep.rounds += 1
            customers = store.load()
            recorded = [c for c in customers if c.request_id]
            pending = [c for c in recorded if not self.is_terminal(c.status)]
            if pending:
                listed = {r.id: r for r in self.client.list_all_requests(self.system_id, self.kind)}
                missing = [c for c in pending if c.request_id not in listed]

                def read(c: Customer) -> Tuple[Any, str]:
                    return _listed_or_read(None, lambda: self.client.get_request(c.request_id, self.kind))

                if concurrency > 1 and len(missing) > 1:
                    with ThreadPoolExecutor(min(concurrency, len(missing)), thread_name_prefix="watch") as pool:
                        looked = dict(zip((c.customer_id for c in missing), pool.map(read, missing)))
                else:
                    looked = {c.customer_id: read(c) for c in missing}
                for c in pending:
                    r, error = looked[c.customer_id] if c.customer_id in looked else (listed[c.request_id], "")
                    self._watch_one(c, r, error, store, rep)
                store.flush()
            rep.by_status = dict(Counter(c.status for c in customers if c.status))
            rep.pending = sum(1 for c in recorded if not self.is_terminal(c.status))
            rep.decided = len(recorded) - rep.pending
            rep.seconds = time.monotonic() - t0
            if progress:
                print("watch: " + rep.summary(), file=sys.stderr, flush=True)
            if rep.pending == 0:
                return rep
            if max_rounds is not None and rep.rounds >= max_rounds:
                return rep
            if max_wait is not None and time.monotonic() - t0 + interval > max_wait:
                return rep
            sleep(interval)

    def _watch_one(self, c: Customer, r: Any, error: str, store: CustomerStore, rep: WatchReport) -> None:
        """One pending customer, with its request as listed or read (None: gone), or the error
        that kept it from being read."""
        if error:
            c.error = error
            store.save(c)
            return
        if r is None:
            new_status = STATUS_WITHDRAWN
        else:
            new_status = r.effective_status.value if r.status is not RequestStatus.UNKNOWN else r.status_text
        if new_status != c.status:
            c.status = new_status
            c.updated = _now()
            c.error = ""
            rep.changed += 1
            store.save(c)


def customers_to_json(customers: Iterable[Customer]) -> str:
    return json.dumps([asdict(c) for c in customers], ensure_ascii=False)
