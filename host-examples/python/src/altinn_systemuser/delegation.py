"""Bulk client delegation: an accounting bureau's list of client organisation numbers delegated to
one of its agent system users, by API (API.md §12), safe to stop and run again.

```python
from altinn_systemuser import Bureau
from altinn_systemuser.delegation import delegate_clients

report = delegate_clients(client, Bureau("310816191"), agent_id, ["314224965", "316501389"],
                          on_progress=lambda r, done, total: print(done, total, r.org_no, r.status.value))
print(report.summary())          # 2 clients: 1 added, 1 already delegated, 0 refused, 0 to retry later
for r in report.refused: print(r.org_no, r.code, r.reason)
```

How it stays rerunnable: it reads the agent system user's delegated clients first and skips
them (nothing is added twice, whatever a killed run left behind: Altinn's own list is the
state), then the clients that could be added (one call: org number → party uuid), then adds each
remaining client once. A client Altinn lists as neither is refused without a call (AUTH-00079:
not the bureau's client with any of the agent's packages). An add whose answer was lost, or not
understood, is settled by reading the delegated list once more at the end.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Union

from . import errors as E
from .models import Bureau, ClientList, SystemUser

__all__ = ["ClientStatus", "ClientResult", "DelegationReport", "delegate_clients", "read_client_list", "MAX_COULD_NOT_TELL"]

#: After this many adds in a row that Altinn could not answer (unavailable, unreachable), the
#: remaining clients are not tried (noted `retry-later`): run again later.
MAX_COULD_NOT_TELL = 5


class ClientStatus(str, enum.Enum):
    """What became of one client."""

    #: Delegated by this run.
    ADDED = "added"
    #: Delegated before (by an earlier run, another tool or the portal): nothing sent.
    ALREADY = "already-delegated"
    #: Altinn said no, or the org number is invalid or not the bureau's client: `code`, `reason`.
    REFUSED = "refused"
    #: Altinn could not tell (429/5xx after the retries, the network, a deadline): run again.
    RETRY_LATER = "retry-later"


@dataclass
class ClientResult:
    org_no: str
    status: ClientStatus
    #: The client's party uuid, when Altinn listed it.
    client_id: Optional[str] = None
    name: Optional[str] = None
    #: Why it was refused or left: Altinn's code (`AUTH-00080`, `AUTH-00079`), a violation code
    #: (`org-no-checksum`), or the error's kind.
    code: Optional[str] = None
    reason: Optional[str] = None

    def as_dict(self) -> Dict[str, Any]:
        return {
            "orgNo": self.org_no,
            "status": self.status.value,
            "clientId": self.client_id,
            "name": self.name,
            "code": self.code,
            "reason": self.reason,
        }


@dataclass
class DelegationReport:
    """The outcome of `delegate_clients`, client by client, in the order given."""

    bureau: str
    agent: str
    results: List[ClientResult] = field(default_factory=list)
    #: HTTP exchanges this run made (token grant and exchange included).
    http_requests: int = 0
    seconds: float = 0.0

    def _with(self, status: ClientStatus) -> List[ClientResult]:
        return [r for r in self.results if r.status is status]

    @property
    def added(self) -> List[ClientResult]:
        return self._with(ClientStatus.ADDED)

    @property
    def already(self) -> List[ClientResult]:
        return self._with(ClientStatus.ALREADY)

    @property
    def refused(self) -> List[ClientResult]:
        return self._with(ClientStatus.REFUSED)

    @property
    def retry_later(self) -> List[ClientResult]:
        return self._with(ClientStatus.RETRY_LATER)

    @property
    def ok(self) -> bool:
        """Every client is delegated now."""
        return all(r.status in (ClientStatus.ADDED, ClientStatus.ALREADY) for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 every client delegated, 1 any refused, 4 Altinn could not tell for some (none refused)."""
        if self.refused:
            return 1
        return 4 if self.retry_later else 0

    def summary(self) -> str:
        return (
            f"{len(self.results)} clients: {len(self.added)} added, {len(self.already)} already delegated, "
            f"{len(self.refused)} refused, {len(self.retry_later)} to retry later "
            f"({self.http_requests} HTTP calls, {self.seconds:.1f} s)"
        )

    def as_dict(self) -> Dict[str, Any]:
        return {
            "bureau": self.bureau,
            "agent": self.agent,
            "total": len(self.results),
            "added": len(self.added),
            "alreadyDelegated": len(self.already),
            "refused": len(self.refused),
            "retryLater": len(self.retry_later),
            "httpRequests": self.http_requests,
            "seconds": self.seconds,
            "clients": [r.as_dict() for r in self.results],
        }


ProgressCallback = Callable[[ClientResult, int, int], None]


def _bare(org: str) -> str:
    org = org.strip()
    return org[5:] if org.startswith("0192:") else org


def _unique(org_nos: Iterable[str]) -> List[str]:
    seen = set()
    out = []
    for o in org_nos:
        if not isinstance(o, str):
            raise TypeError(f"client org numbers are strings, not {type(o).__name__}")
        b = _bare(o)
        if b and b not in seen:
            seen.add(b)
            out.append(b)
    return out


def delegate_clients(
    client: Any,
    bureau: Union[Bureau, str, Mapping[str, Any]],
    agent: Union[str, SystemUser],
    org_nos: Iterable[str],
    *,
    on_progress: Optional[ProgressCallback] = None,
) -> DelegationReport:
    """Delegates each client (organisation number; `0192:` accepted, repeats ignored) to the agent
    system user `agent` (its id, or the `AgentSystemUser`) of `bureau`, with `client` (a
    `Client` in Maskinporten mode, or with a token provider that gives the bureau's system-user
    token). `on_progress(result, done, total)` is called once per client as it is settled.

    Raises what concerns the bureau as a whole (before or between clients): `ForbiddenError` (the
    bureau has not approved its klientadministrator system user), `UnauthorizedError`,
    `TokenError`, `MaskinportenError`, `NotFoundError` (no such agent system user, or bureau), or
    `UnavailableError`/`TransportError` while reading the lists. What was added before stays
    added; a rerun skips it."""
    t0 = time.monotonic()
    b = Bureau.of(bureau)
    agent_id = agent.id if isinstance(agent, SystemUser) else str(agent).strip()
    wanted = _unique(org_nos)
    report = DelegationReport(b.org_no, agent_id)
    http0 = client.stats.http_requests
    total = len(wanted)
    done = 0

    def settle(r: ClientResult) -> None:
        nonlocal done
        report.results.append(r)
        done += 1
        if on_progress is not None:
            on_progress(r, done, total)

    try:
        # The state is Altinn's: what is delegated now (a killed run's adds included).
        delegated = client.list_clients(b, agent_id)
        available: Optional[ClientList] = None
        could_not_tell = 0
        sent: List[ClientResult] = []  # adds whose answer was lost or not understood
        for org in wanted:
            try:
                org = client.component.check_org_no(org)
            except E.ValidationError as e:
                v = e.violations[0]
                settle(ClientResult(org, ClientStatus.REFUSED, code=v.code, reason=v.message))
                continue
            known = delegated.find(org)
            if known is not None:
                settle(ClientResult(org, ClientStatus.ALREADY, known.id, known.name))
                continue
            if available is None:
                available = client.list_available_clients(b, agent_id)
            c = available.find(org)
            if c is None:
                settle(
                    ClientResult(
                        org,
                        ClientStatus.REFUSED,
                        code="AUTH-00079",
                        reason=f"not among the clients Altinn lists for bureau {b.org_no} holding any of the agent "
                        "system user's access packages (the bureau must have the client first); nothing was sent",
                    )
                )
                continue
            if could_not_tell >= MAX_COULD_NOT_TELL:
                settle(
                    ClientResult(
                        org, ClientStatus.RETRY_LATER, c.id, c.name, code="not-tried",
                        reason=f"not tried: Altinn could not answer the last {MAX_COULD_NOT_TELL} adds",
                    )
                )
                continue
            try:
                client.add_client(b, agent_id, c.id)
            except (E.ForbiddenError, E.UnauthorizedError, E.TokenError, E.MaskinportenError, E.ComponentError):
                raise  # the bureau as a whole (or this host): no client can be added
            except (E.UnavailableError, E.TransportError) as e:
                could_not_tell += 1
                r = ClientResult(org, ClientStatus.RETRY_LATER, c.id, c.name, code=_code(e), reason=str(e))
                sent.append(r)
                settle(r)
            except E.InvalidResponseError as e:
                r = ClientResult(org, ClientStatus.REFUSED, c.id, c.name, code="invalid-response", reason=str(e))
                sent.append(r)
                settle(r)
            except E.SystemUserError as e:
                could_not_tell = 0
                settle(ClientResult(org, ClientStatus.REFUSED, c.id, c.name, code=_code(e), reason=_reason(e)))
            else:
                could_not_tell = 0
                settle(ClientResult(org, ClientStatus.ADDED, c.id, c.name))
        if sent:
            # Settle the adds whose answer was lost: one more read of what is delegated.
            try:
                now = client.list_clients(b, agent_id)
            except (E.UnavailableError, E.TransportError, E.InvalidResponseError):
                now = None
            if now is not None:
                for r in sent:
                    if now.find(r.org_no) is not None:
                        r.status, r.code, r.reason = ClientStatus.ADDED, None, "its answer was lost; Altinn lists it"
    finally:
        report.http_requests = client.stats.http_requests - http0
        report.seconds = time.monotonic() - t0
    return report


def _reason(e: E.SystemUserError) -> str:
    if isinstance(e, E.AltinnError) and e.field_errors:
        return f"{e}: " + "; ".join(v.message for v in e.field_errors)
    return str(e)


def _code(e: E.SystemUserError) -> str:
    if isinstance(e, E.AltinnError) and e.field_errors:
        return e.field_errors[0].code  # Altinn's AUTH.VLD code, not the STD-00000 around it
    code = getattr(e, "code", None)
    if code:
        return code
    if isinstance(e, E.TransportError):
        return f"transport-{e.kind.value}"
    if isinstance(e, E.ValidationError) and e.violations:
        return e.violations[0].code
    return {
        E.UnavailableError: "unavailable",
        E.NotFoundError: "not-found",
        E.ConflictError: "conflict",
        E.AltinnError: "refused",
    }.get(type(e), type(e).__name__)


def read_client_list(path: str, org_column: str = "org_no") -> List[str]:
    """Client org numbers from a file: a `.csv` file's `org_column` (default `org_no`), else
    numbers separated by line breaks, spaces, commas or semicolons (`#` starts a comment; words
    without a digit, such as a header, are skipped)."""
    import csv
    import re

    with open(path, newline="", encoding="utf-8-sig") as f:
        if path.lower().endswith(".csv"):
            reader = csv.DictReader(f)
            if reader.fieldnames is None or org_column not in reader.fieldnames:
                raise ValueError(f"{path} has no column {org_column!r}")
            return [row[org_column].strip() for row in reader if (row.get(org_column) or "").strip()]
        out = []
        for line in f:
            line = line.split("#", 1)[0]
            out.extend(t for t in re.split(r"[\s,;]+", line) if t and any(ch.isdigit() for ch in t))
        return out
