"""`altinn-systemuser` (also `python -m altinn_systemuser`): bulk onboarding and change
campaigns from the shell.

```
altinn-systemuser onboard --db erp.db --table customers --system-id 991825827_smartcloud \\
    --package urn:altinn:accesspackage:skattegrunnlag --env tt02 [--watch]
altinn-systemuser watch   --db erp.db --system-id 991825827_smartcloud --env tt02 --interval 60
altinn-systemuser change-campaign --db erp.db --system-id 991825827_smartcloud \\
    --require merverdiavgift --env tt02 [--watch]
altinn-systemuser change-watch --db erp.db --system-id 991825827_smartcloud --env tt02
altinn-systemuser agents --bureau 310816191 --env tt02 --client-id ID --key FILE
altinn-systemuser delegate-clients --bureau 310816191 --agent AGENT-ID --clients clients.txt 314224965 \\
    --env tt02 --client-id ID --key FILE
```

`delegate-clients` delegates a bureau's clients (org numbers, and files of them) to one of its
agent system users by API: rerunnable (the delegated ones are read first and skipped), with a
progress bar on stderr and a summary (added, already delegated, refused with the reason); exit 1
when any client is refused, 4 when Altinn could not tell for some. It needs the bureau's own
system-user token: with `--client-id/--key` the component gets it from Maskinporten for
`--bureau` (and `--bureau-ref`, the external ref of the bureau's klientadministrator system
user); else `$SYSTEMUSER_TOKEN` must hold it.

`--db` is a SQLite file, a `.csv` file, or a `postgresql://` URL (a table shared by several
workers through row leases: run `onboard` on as many machines as you like, each with its own
`--worker-id`; `--concurrency N` keeps N creates in flight in each). Tokens come from Maskinporten with `--client-id ID
--key FILE [--kid KID]` (a PEM or JWK private key: the component posts its own grants), else
the token in `$SYSTEMUSER_TOKEN` (or `--token-env NAME`); where: `--env`/`--base-url`, else
`$SYSTEMUSER_BASE_URL` or `$SYSTEMUSER_ENV`, else tt02 (the root README's "One vocabulary"); against the local simulator,
`--sim-vendor ORGNO` mints one from its admin route. Human output by default, `--json` for
scripts. Exit 0 when every customer is recorded (onboard, change-campaign) or terminal (watch,
change-watch); 1 when Altinn said no (an invalid or refused customer, a customer without a
system user, or the run stopped on a refusal) or a watch ended with requests still pending; 4
when Altinn could not tell (unavailable, unreachable, a deadline passed: run again later); 2 on
bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional

from . import defaults
from . import errors as E
from .bulk import Onboarding, open_store
from ._progress import Progress
from .campaign import ChangeCampaign, ChangeRow
from .client import Client
from .delegation import ClientResult, ClientStatus, delegate_clients, read_client_list
from .environments import Environment
from .maskinporten import Maskinporten, RsaSigner
from .models import Bureau, RequestKind, Right
from .tokens import SimulatorToken, StaticToken

# The environment variables every CLI reads (tests/vocabulary.json).
TOKEN_ENV = "SYSTEMUSER_TOKEN"
ENV_ENV = "SYSTEMUSER_ENV"
BASE_URL_ENV = "SYSTEMUSER_BASE_URL"
#: This CLI's earlier name for SYSTEMUSER_TOKEN, still read (with a note) when that is unset.
OLD_TOKEN_ENV = "ALTINN_TOKEN"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="altinn-systemuser", description="Altinn system user onboarding for ERP hosts.")
    sub = p.add_subparsers(dest="command", required=True)

    def connection(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--env", help="production, tt02, at22…yt01, or the simulator's URL (default: $SYSTEMUSER_ENV, else tt02)")
        sp.add_argument("--base-url", help="a base URL instead of an environment, e.g. the simulator's (default: $SYSTEMUSER_BASE_URL)")
        sp.add_argument("--client-id", help="Maskinporten client id: get tokens with JWT grants signed by --key")
        sp.add_argument("--key", help="the Maskinporten client's private key file (PEM, or a JWK)")
        sp.add_argument("--kid", help="the key's id on the Maskinporten client (default: the JWK's kid)")
        sp.add_argument("--token-env", default=TOKEN_ENV, help=f"environment variable holding the access token (default: {TOKEN_ENV})")
        sp.add_argument("--timeout", type=float, default=defaults.TIMEOUT, help="one HTTP exchange (connect, headers, body), seconds")
        sp.add_argument("--deadline", type=float, default=defaults.DEADLINE, help="one operation, retries and waits included, seconds")
        sp.add_argument("--retries", type=int, default=defaults.RETRIES, help="retries one operation may make in all")
        sp.add_argument("--backoff", type=float, default=defaults.BACKOFF, help="first back-off, seconds (doubled each retry)")
        sp.add_argument("--component", help="path to altinn_systemuser.wasm (default: bundled)")
        sp.add_argument("--json", action="store_true", help="machine-readable output on stdout")

    def bureau(sp: argparse.ArgumentParser) -> None:
        connection(sp)
        sp.add_argument("--bureau", required=True, metavar="ORG", help="the accounting bureau's organisation number")
        sp.add_argument("--bureau-ref", metavar="REF",
                        help="external ref of the bureau's klientadministrator system user (default: its org number)")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--db", required=True, help="SQLite database file, a .csv file, or a postgresql:// URL")
        sp.add_argument("--table", default="customers", help="SQLite or PostgreSQL table (default: customers)")
        sp.add_argument("--id-column", default="customer_id")
        sp.add_argument("--org-column", default="org_no")
        sp.add_argument("--name-column", default="name")
        sp.add_argument("--system-id", required=True)
        sp.add_argument("--agent", action="store_true", help="agent requests (client systems)")
        connection(sp)
        sp.add_argument("--sim-vendor", help="mint tokens from the local simulator for this vendor org (tests, demos)")
        sp.add_argument("--no-progress", action="store_true")

    o = sub.add_parser("onboard", help="create the missing requests and write back id, status, link")
    common(o)
    o.add_argument("--package", action="append", default=None, help="access package URN (repeatable)")
    o.add_argument("--right", action="append", default=None, help="resource id of a right (repeatable)")
    o.add_argument("--redirect-url")
    o.add_argument("--title", help="integration title")
    o.add_argument("--ref-prefix", default="", help="prefix for the external refs derived from customer ids")
    o.add_argument("--no-link-by-org", action="store_true", help="link only system users with the same external ref")
    o.add_argument("--concurrency", type=int, default=1, help="creates kept in flight at once (default 1)")
    o.add_argument("--worker-id", help="this worker's name in the lease columns (postgresql:// only; default: host-pid-random)")
    o.add_argument("--lease-seconds", type=float, default=60.0,
                   help="how long a claimed row stays leased to this worker without news (postgresql:// only)")
    o.add_argument("--watch", action="store_true", help="then watch until every request is terminal")
    o.add_argument("--retry-invalid", action="store_true",
                   help="try rows marked Invalid again even when their data did not change (changed ones always are)")
    o.add_argument("--interval", type=float, default=30.0)
    o.add_argument("--max-wait", type=float, default=None)

    w = sub.add_parser("watch", help="update statuses until every request is terminal")
    common(w)
    w.add_argument("--interval", type=float, default=30.0)
    w.add_argument("--max-wait", type=float, default=None)
    w.add_argument("--max-rounds", type=int, default=None)

    c = sub.add_parser(
        "change-campaign",
        help="ask every customer whose system user lacks a package or right (or holds an unwanted one) "
        "for that change, once, and write back id, status, link",
    )
    common(c)
    c.add_argument("--require", action="append", default=[], metavar="PACKAGE",
                   help="an access package every system user should hold: short name or URN (repeatable)")
    c.add_argument("--remove", action="append", default=[], metavar="PACKAGE",
                   help="an access package no system user should hold (repeatable)")
    c.add_argument("--require-right", action="append", default=[], metavar="RESOURCE",
                   help="resource id of a right every system user should hold (repeatable)")
    c.add_argument("--remove-right", action="append", default=[], metavar="RESOURCE",
                   help="resource id of a right no system user should hold (repeatable)")
    c.add_argument("--packages-column",
                   help="column saying which packages each customer should hold (default: packages, if there is one)")
    c.add_argument("--rights-column",
                   help="column saying which rights each customer should hold (default: rights, if there is one)")
    c.add_argument("--redirect-url")
    c.add_argument("--ref-prefix", default="", help="prefix of the external refs onboarding derived from customer ids")
    c.add_argument("--no-link-by-org", action="store_true", help="only system users with the customer's external ref")
    c.add_argument("--watch", action="store_true", help="then watch until every change request is decided or timed out")
    c.add_argument("--interval", type=float, default=30.0)
    c.add_argument("--max-wait", type=float, default=None)

    cw = sub.add_parser("change-watch", help="update change-request statuses until none is pending")
    common(cw)
    cw.add_argument("--interval", type=float, default=30.0)
    cw.add_argument("--max-wait", type=float, default=None)
    cw.add_argument("--max-rounds", type=int, default=None)

    # Client delegation (API.md §12): with the bureau's own system-user token, never a vendor token.
    ag = sub.add_parser("agents", help="list a bureau's agent system users (client delegation)")
    bureau(ag)

    dc = sub.add_parser(
        "delegate-clients",
        help="delegate a bureau's clients to one of its agent system users by API (rerunnable)",
    )
    bureau(dc)
    dc.add_argument("--agent", required=True, metavar="ID", help="the agent system user's id (see `agents`)")
    dc.add_argument("--clients", required=True, nargs="+", metavar="FILE|ORG",
                    help="client org numbers, or files of them (one per line, or a .csv with --org-column)")
    dc.add_argument("--org-column", default="org_no", help="the org-number column of a .csv client file")
    dc.add_argument("--no-progress", action="store_true")
    return p


def _environment(a: argparse.Namespace) -> Environment:
    """A flag wins, then `$SYSTEMUSER_BASE_URL`, then `$SYSTEMUSER_ENV`, else tt02 (as the Rust CLI)."""
    where = a.base_url or a.env or os.environ.get(BASE_URL_ENV) or os.environ.get(ENV_ENV) or "tt02"
    return Environment.parse(where)


def _token_text(a: argparse.Namespace) -> Optional[str]:
    raw = os.environ.get(a.token_env)
    if not raw and a.token_env == TOKEN_ENV and os.environ.get(OLD_TOKEN_ENV):
        print(f"note: reading ${OLD_TOKEN_ENV}, this CLI's old name for ${TOKEN_ENV}", file=sys.stderr)
        raw = os.environ.get(OLD_TOKEN_ENV)
    return raw


def _client(a: argparse.Namespace) -> Client:
    env = _environment(a)
    if not hasattr(a, "sim_vendor"):  # the client-delegation commands: the bureau's token
        a.sim_vendor = None
    if a.client_id or a.key:
        if not (a.client_id and a.key) or a.sim_vendor:
            raise SystemExit("Maskinporten needs both --client-id and --key (and no --sim-vendor)")
        signer = RsaSigner.from_file(a.key, kid=a.kid)
        return Client(
            env, maskinporten=Maskinporten(a.client_id, signer), timeout=a.timeout, deadline=a.deadline, retries=a.retries, backoff=a.backoff, component=a.component
        )
    if a.sim_vendor:
        if not env.is_custom or not env.platform_url:
            raise SystemExit("--sim-vendor needs --env or --base-url set to the simulator's URL")
        token = SimulatorToken(env.platform_url, a.sim_vendor)
    else:
        raw = _token_text(a)
        if not raw and a.command in ("agents", "delegate-clients"):
            raise SystemExit(
                f"no token: use --client-id and --key (the bureau's system-user token is then got from Maskinporten), "
                f"or set ${a.token_env} to the bureau's Maskinporten system-user token"
            )
        if not raw:
            raise SystemExit(f"no token: set ${a.token_env} to a Maskinporten access token (or use --sim-vendor)")
        token = StaticToken(raw.strip())
    return Client(env, token, timeout=a.timeout, deadline=a.deadline, retries=a.retries, backoff=a.backoff, component=a.component)


#: Exit codes: Altinn said no; Altinn could not tell (try again later).
EXIT_NO = 1
EXIT_COULD_NOT_TELL = 4


def _clients_arg(items: List[str], org_column: str) -> List[str]:
    """Org numbers given on the command line, and those in the files named there."""
    out: List[str] = []
    for item in items:
        text = item.strip()
        if os.path.isfile(text):
            out.extend(read_client_list(text, org_column))
        elif any(ch.isdigit() for ch in text) and os.sep not in text:
            out.extend(t for t in text.replace(";", ",").split(",") if t.strip())
        else:
            raise ValueError(f"{item!r} is neither an organisation number nor a file")
    return out


def _delegation_main(a: argparse.Namespace, client: Client) -> int:
    bureau = Bureau(a.bureau.strip(), a.bureau_ref)
    try:
        if a.command == "agents":
            agents = client.list_agents(bureau)
            if a.json:
                print(json.dumps({"agents": [
                    {"id": u.id, "systemId": u.system_id, "externalRef": u.external_ref,
                     "integrationTitle": u.integration_title, "accessPackages": [p.urn for p in u.access_packages]}
                    for u in agents]}))
            else:
                for u in agents:
                    packages = " ".join(p.short_name for p in u.access_packages)
                    print(f"{u.id}  {u.system_id}  ref {u.external_ref}  {packages}")
                if not agents:
                    print(f"bureau {bureau.org_no} has no agent system users")
            return 0
        try:
            org_nos = _clients_arg(a.clients, a.org_column)
        except (ValueError, OSError) as e:
            print(f"altinn-systemuser: {e}", file=sys.stderr)
            return 2
        bar = Progress(len(set(org_nos)), "clients", enabled=not a.no_progress)
        counts = {s: 0 for s in ClientStatus}

        def progress(r: ClientResult, done: int, total: int) -> None:
            counts[r.status] += 1
            bar.advance(
                1,
                extra=f"added {counts[ClientStatus.ADDED]} already {counts[ClientStatus.ALREADY]} "
                f"refused {counts[ClientStatus.REFUSED]} retry {counts[ClientStatus.RETRY_LATER]}",
            )

        try:
            report = delegate_clients(client, bureau, a.agent, org_nos, on_progress=progress)
        finally:
            bar.close()
    except E.SystemUserError as e:
        print(f"altinn-systemuser: {e}", file=sys.stderr)
        if a.json:
            print(json.dumps({"error": {"type": type(e).__name__, "message": str(e), "retryable": e.retryable}}))
        return EXIT_COULD_NOT_TELL if e.retryable else EXIT_NO
    if a.json:
        print(json.dumps(report.as_dict()))
    else:
        print(report.summary())
        for r in report.refused + report.retry_later:
            print(f"  {r.org_no}: {r.status.value} [{r.code}] {r.reason}")
    return report.exit_code


def main(argv: Optional[List[str]] = None) -> int:
    a = _parser().parse_args(argv)
    try:
        client = _client(a)
    except (ValueError, E.ComponentError) as e:
        print(f"altinn-systemuser: {e}", file=sys.stderr)
        return 2
    if a.command in ("agents", "delegate-clients"):
        return _delegation_main(a, client)
    kind = RequestKind.AGENT if a.agent else RequestKind.STANDARD
    store_options: dict = {}
    # Input columns named on the command line must exist (the defaults may be absent).
    named = {k: v for k, v in (("packages", getattr(a, "packages_column", None)), ("rights", getattr(a, "rights_column", None))) if v}
    if a.command.startswith("change-"):
        store_options = {"row_type": ChangeRow, "input_columns": named}
    try:
        store = open_store(
            a.db, a.table, id_column=a.id_column, org_column=a.org_column, name_column=a.name_column, **store_options
        )
        missing = [col for attr, col in named.items() if not store.has_input(attr)]
        if missing:
            store.close()
            raise ValueError(f"{a.db} has no column {missing[0]!r}")
    except (ValueError, OSError, ImportError) as e:
        print(f"altinn-systemuser: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # the database server did not answer (psycopg's errors): try again later
        if not type(e).__module__.startswith("psycopg"):
            raise
        print(f"altinn-systemuser: {a.db.split('@')[-1]}: {e}", file=sys.stderr)
        return EXIT_COULD_NOT_TELL
    out: dict = {}
    ok = True
    could_not_tell = False
    try:
        with store:
            if a.command == "onboard":
                ob = Onboarding(
                    client,
                    a.system_id,
                    kind=kind,
                    access_packages=a.package,
                    rights=[Right.for_resource(r) for r in a.right] if a.right else None,
                    redirect_url=a.redirect_url,
                    integration_title=a.title,
                    ref_prefix=a.ref_prefix,
                    link_by_org=not a.no_link_by_org,
                )
                rep = ob.run(
                    store, progress=not a.no_progress, retry_invalid=a.retry_invalid, concurrency=a.concurrency,
                    worker_id=a.worker_id, lease_seconds=a.lease_seconds,
                )
                out["onboard"] = rep.as_dict()
                ok = rep.ok
                could_not_tell = rep.retry_later > 0
                if not a.json:
                    print(rep.summary())
                    for cid, err in rep.errors[:20]:
                        print(f"  {cid}: {err}")
                    if len(rep.errors) > 20:
                        print(f"  … and {len(rep.errors) - 20} more")
                if a.watch:
                    wr = ob.watch(store, interval=a.interval, max_wait=a.max_wait, progress=not a.no_progress)
                    out["watch"] = wr.as_dict()
                    ok = ok and wr.done
                    if not a.json:
                        print(wr.summary())
            elif a.command in ("change-campaign", "change-watch"):
                if a.command == "change-campaign":
                    campaign = ChangeCampaign(
                        client,
                        a.system_id,
                        require=a.require,
                        remove=a.remove,
                        require_rights=a.require_right,
                        remove_rights=a.remove_right,
                        redirect_url=a.redirect_url,
                        ref_prefix=a.ref_prefix,
                        link_by_org=not a.no_link_by_org,
                    )
                    cr = campaign.run(store, progress=not a.no_progress)
                    out["campaign"] = cr.as_dict()
                    ok = cr.failed == 0 and cr.invalid == 0 and cr.no_system_user == 0
                    could_not_tell = cr.retry_later > 0
                    if not a.json:
                        print(cr.summary())
                        for cid, err in cr.errors[:20]:
                            print(f"  {cid}: {err}")
                        if len(cr.errors) > 20:
                            print(f"  … and {len(cr.errors) - 20} more")
                    watch = a.watch
                    max_rounds = None
                else:
                    campaign = ChangeCampaign(client, a.system_id)
                    watch = True
                    max_rounds = a.max_rounds
                if watch:
                    cw = campaign.watch(
                        store, interval=a.interval, max_wait=a.max_wait, max_rounds=max_rounds, progress=not a.no_progress
                    )
                    out["watch"] = cw.as_dict()
                    ok = ok and cw.done
                    if not a.json:
                        print(cw.summary())
            else:
                ob = Onboarding(client, a.system_id, kind=kind)
                wr = ob.watch(
                    store, interval=a.interval, max_wait=a.max_wait, max_rounds=a.max_rounds, progress=not a.no_progress
                )
                out["watch"] = wr.as_dict()
                ok = wr.done
                if not a.json:
                    print(wr.summary())
    except E.SystemUserError as e:
        print(f"altinn-systemuser: {e}", file=sys.stderr)
        if a.json:
            print(json.dumps({"error": {"type": type(e).__name__, "message": str(e), "retryable": e.retryable}}))
        return EXIT_COULD_NOT_TELL if e.retryable else EXIT_NO
    except ValueError as e:  # bad usage found late (e.g. a package both required and removed)
        print(f"altinn-systemuser: {e}", file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(out))
    if not ok:
        return EXIT_NO
    return EXIT_COULD_NOT_TELL if could_not_tell else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
