"""Onboarding at a large vendor's scale (#20): N customers against the simulator with a fixed
latency per Altinn call, PostgreSQL as the ERP's database, 1 or 4 worker processes.

Prints one markdown table. Each row is a fresh simulator and a fresh table; every worker is a
process of its own (`scale.py worker …`), so CPU and peak RSS are each worker's own. Figures:

- wall: from the first worker's start to the last one's end;
- limit: the latency-bound limit, Altinn calls × latency ÷ creates in flight (concurrency × workers);
- calls/customer: every HTTP call the simulator saw (Maskinporten's included) ÷ customers;
- duplicates: requests at the simulator sharing (org, external ref) with another (must be 0);
- undone: rows without a request id when all workers have ended (must be 0), a worker having
  been killed with SIGKILL mid-run in the rows that say so.

Run by `make bench` (bench/run.sh) in the Python package's venv:

    host-examples/python/.venv/bin/python bench/scale.py --customers 100000 --latency-ms 50

Asserts nothing about time; exits non-zero when a row has duplicates or undone customers.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

from altinn_systemuser import Client, Environment, Maskinporten, RsaSigner
from altinn_systemuser.bulk import Customer, Onboarding, PostgresStore
from altinn_systemuser.testing import STANDARD_SYSTEM, PostgresServer, Simulator

ROOT = Path(__file__).resolve().parents[1]
#: The simulator fixture's TEST-ONLY Maskinporten client (read in place, never copied).
CLIENT_KEY = ROOT / "simulator" / "tests" / "keys" / "TEST-ONLY-client-key.pk8.pem"
CLIENT_ID = "sim-smartregnskap-client"
KID = "sim-test-key-1"
PKG = "urn:altinn:accesspackage:skattegrunnlag"


def _client(base: str) -> Client:
    return Client(Environment.local(base), maskinporten=Maskinporten(CLIENT_ID, RsaSigner.from_file(CLIENT_KEY, kid=KID)))


def worker(a: argparse.Namespace) -> None:
    """One worker process: onboards what it can claim, then prints its own CPU and peak RSS."""
    ob = Onboarding(_client(a.base), STANDARD_SYSTEM, access_packages=[PKG])
    with PostgresStore(a.dsn, table=a.table) as store:
        rep = ob.run(store, concurrency=a.concurrency, worker_id=a.worker_id, lease_seconds=a.lease_seconds, progress=False)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "cpu": ru.ru_utime + ru.ru_stime,
        "rss_mb": _peak_rss_kb(ru) / 1024,
        "done": rep.created + rep.existing + rep.linked,
        "failed": rep.failed + rep.invalid + rep.retry_later,
    }), flush=True)


def _peak_rss_kb(ru) -> float:
    """This process's own peak RSS: `VmHWM` (reset by exec). `ru_maxrss` is not: Linux keeps the
    parent's peak across fork and exec, so a worker would report the benchmark's own."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return float(ru.ru_maxrss)


def _synthetic_orgs(sim: Simulator, n: int) -> List[str]:
    orgs: List[str] = []
    while len(orgs) < n:
        page = sim.admin("GET", f"syntheticcustomers?offset={len(orgs)}&limit={min(50_000, n - len(orgs))}")
        if not page["orgNos"]:
            raise SystemExit(f"the simulator has only {len(orgs)} synthetic customers, {n} wanted")
        orgs += page["orgNos"]
    return orgs


def _counts(sim: Simulator) -> dict:
    """Calls per route since the last clear: {route: n}."""
    return {route: sum(by_status.values()) for route, by_status in sim.admin("GET", "calls")["counts"].items()}


class Row:
    def __init__(self, label: str, customers: int, concurrency: int, workers: int, kill: bool = False) -> None:
        self.label, self.customers, self.concurrency, self.workers, self.kill = label, customers, concurrency, workers, kill
        self.bad = False
        self.watch: Optional[List[str]] = None


def run_row(row: Row, pg: PostgresServer, latency_ms: int, lease_seconds: float, watch: bool) -> List[str]:
    args = ["--synthetic-customers", str(row.customers), "--latency", str(latency_ms), "--call-log-limit", "1000"]
    with Simulator.start(args=args) as sim:
        orgs = _synthetic_orgs(sim, row.customers)
        table = f"bench_{row.label}"
        with PostgresStore(pg.dsn, table=table) as store:
            store.create_schema()
            store.add_customers(Customer(f"ERP-{i:06d}", o, f"Kunde {i}") for i, o in enumerate(orgs))
        sim.admin("DELETE", "calls")
        cmd = [sys.executable, __file__, "worker", "--base", sim.base, "--dsn", pg.dsn, "--table", table,
               "--concurrency", str(row.concurrency), "--lease-seconds", str(lease_seconds)]
        t0 = time.perf_counter()
        procs = [subprocess.Popen(cmd + ["--worker-id", f"w{w}"], stdout=subprocess.PIPE, text=True) for w in range(row.workers)]
        killed = 0
        if row.kill:
            # SIGKILL worker 0 once a third of the creates are done; the others take over its leases.
            while _counts(sim).get("create_request", 0) < row.customers // 3 and procs[0].poll() is None:
                time.sleep(0.2)
            procs[0].send_signal(signal.SIGKILL)
            killed = 1
        results = []
        for p in procs:
            out, _ = p.communicate()
            if p.returncode == 0:
                results.append(json.loads(out.strip().splitlines()[-1]))
            elif not (row.kill and p is procs[0]):
                raise SystemExit(f"worker {p.args[-1]} exited with {p.returncode}")
        wall = time.perf_counter() - t0
        counts = _counts(sim)
        grants = counts.get("maskinporten_token", 0)
        calls = sum(counts.values())
        altinn_calls = calls - grants
        limit = altinn_calls * latency_ms / 1000 / (row.concurrency * row.workers)
        keys = collections.Counter((r.get("partyOrgNo"), r.get("externalRef")) for r in sim.requests())
        dupes = sum(n - 1 for n in keys.values() if n > 1)
        with PostgresStore(pg.dsn, table=table) as store:
            customers = store.load()
        undone = sum(1 for c in customers if not c.request_id)
        cpu = sum(r["cpu"] for r in results)
        rss = max((r["rss_mb"] for r in results), default=0.0)
        failed = sum(r["failed"] for r in results)
        row.bad = dupes > 0 or undone > 0
        cells = [
            f"{row.customers:,}", f"{row.concurrency} × {row.workers}" + (f" ({killed} killed)" if killed else ""),
            f"{wall:.1f} s", f"{limit:.1f} s", f"{wall / limit:.2f}×" if limit else "-",
            f"{calls / row.customers:.4f}", str(grants), f"{rss:.0f} MB",
            f"{cpu / row.customers * 1e3:.2f} ms" + ("" if not killed else " (survivors)"),
            str(dupes), str(undone), str(failed),
        ]
        if watch:
            row.watch = watch_round(sim, pg, table, customers, latency_ms)
            row.bad = row.bad or row.watch[3] != "0"
        return cells


def watch_round(sim: Simulator, pg: PostgresServer, table: str, customers: List[Customer], latency_ms: int) -> List[str]:
    """Approves 30 % of the requests (through the admin routes, which have no latency), then
    one watch round over every customer."""
    n = len(customers)
    approved = customers[: n * 3 // 10]
    for c in approved:
        sim.approve(c.request_id)
    sim.admin("DELETE", "calls")
    ob = Onboarding(_client(sim.base), STANDARD_SYSTEM, access_packages=[PKG])
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    with PostgresStore(pg.dsn, table=table) as store:
        rep = ob.watch(store, max_rounds=1, progress=False)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    counts = _counts(sim)
    calls = sum(counts.values())
    pages, lookups = counts.get("list_requests", 0), counts.get("get_request", 0)
    missed = rep.pending - (n - len(approved))  # approved rows the round did not see decided
    return [
        f"{n:,}", f"{len(approved):,}", f"{n - rep.pending:,}", str(missed), f"{wall:.1f} s",
        f"{pages:,}", f"{lookups:,}", f"{calls / n:.4f}", f"{n / max(pages, 1):.0f}", f"{cpu / n * 1e3:.3f} ms",
    ]


WATCH_HEADER = [
    "customers", "approved", "decided after the round", "approved but not seen", "wall", "page reads",
    "single lookups", "HTTP calls per customer", "customers per page read", "CPU per customer",
]
HEADER = [
    "customers", "concurrency × workers", "wall", "latency-bound limit", "wall ÷ limit", "HTTP calls per customer",
    "Maskinporten grants", "peak RSS per worker", "CPU per customer", "duplicates", "undone", "failed",
]


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    w = sub.add_parser("worker")
    for flag in ("--base", "--dsn", "--table", "--worker-id"):
        w.add_argument(flag, required=True)
    w.add_argument("--concurrency", type=int, required=True)
    w.add_argument("--lease-seconds", type=float, required=True)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--serial-customers", type=int, default=500, help="customers for the concurrency-1 row")
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--lease-seconds", type=float, default=15.0)
    a = ap.parse_args(argv)
    if a.cmd == "worker":
        worker(a)
        return 0
    n = a.customers
    rows = [
        Row("c1", min(n, a.serial_customers), 1, 1),
        Row("c16", n, 16, 1),
        Row("c64", n, 64, 1),
        Row("c16w4", n, 16, 4, kill=True),
        Row("c64w4", n, 64, 4),
    ]
    print(f"Onboarding against the simulator with {a.latency_ms} ms latency on every Altinn call; PostgreSQL "
          f"store; every worker a process of its own; leases of {a.lease_seconds:g} s. The concurrency-1 row "
          f"onboards {rows[0].customers:,} customers (at 1 in flight, {n:,} would take about "
          f"{n * a.latency_ms / 1000 / 60:.0f} min). Each worker process reads the registered system once per thread "
          f"and makes its own Maskinporten grants (one per scope set), which is what calls per customer above 1 are "
          f"at small N. The watch round follows the 16 × 1 row, after 30 % were approved.")
    print()
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---:|" * len(HEADER))
    bad = False
    with PostgresServer() as pg:
        for row in rows:
            print(f"scale: {row.label} ({row.customers} customers)…", file=sys.stderr, flush=True)
            cells = run_row(row, pg, a.latency_ms, a.lease_seconds, watch=row.label == "c16")
            print("| " + " | ".join(cells) + " |", flush=True)
            bad = bad or row.bad
    watched = [r.watch for r in rows if r.watch]
    if watched:
        print()
        print(f"One watch round after the {rows[1].customers:,}-customer 16 × 1 run, 30 % approved (the "
              "simulator's request pages lose one item per page boundary, as Altinn's do: the rows the pages "
              "missed are looked up singly):")
        print()
        print("| " + " | ".join(WATCH_HEADER) + " |")
        print("|" + "---:|" * len(WATCH_HEADER))
        for cells in watched:
            print("| " + " | ".join(cells) + " |")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
