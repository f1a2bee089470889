#!/usr/bin/env python3
"""Benchmark of the Python host: prints tables, asserts nothing.

1. Per-operation CPU cost, no network: validate + build + parse of a create through the
   component (wasmtime-py, value conversion included) against the same logic written plainly
   in Python, measured in the same run.
2. Instantiation: compiling the component, and a new store + instance (one unit of work).
3. A bulk onboarding of N customers (default 10,000) against the local simulator over real
   HTTP, with the share of time spent in the component.

    host-examples/python/.venv/bin/python host-examples/python/bench.py [--customers 10000] [--iterations 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from typing import Callable, List, Optional

from altinn_systemuser import Client, Component, Environment, StandardRequest
from altinn_systemuser._runtime import _Instance
from altinn_systemuser.bulk import Onboarding, SqliteStore
from altinn_systemuser.testing import STANDARD_SYSTEM, Simulator

PKG = "urn:altinn:accesspackage:skattegrunnlag"
BASE = "http://127.0.0.1:5101"
REQ = StandardRequest(
    STANDARD_SYSTEM, "310816191", external_ref="ERP-00042", access_packages=[PKG],
    redirect_url="https://smartregnskap.example/callback",
)
RESP_BODY = json.dumps({
    "id": "48fbdeb0-807e-444e-91f9-e59832f840c6", "integrationTitle": "SmartRegnskap", "externalRef": "ERP-00042",
    "systemId": STANDARD_SYSTEM, "partyOrgNo": "310816191", "rights": [], "accessPackages": [{"urn": PKG}],
    "status": "New", "redirectUrl": "https://smartregnskap.example/callback",
    "confirmUrl": BASE + "/accessmanagement/ui/systemuser/request?id=48fbdeb0-807e-444e-91f9-e59832f840c6&DONTCHOOSEREPORTEE=true",
    "escalated": False, "created": "2026-03-01T10:15:00.123456", "timedOut": False,
}).encode()
RESP_HEADERS = [("Content-Type", "application/json; charset=utf-8")]


# ---------------------------------------------------------------------------------------------
# The same logic, plainly in Python (the baseline): what a vendor would write without the component.

_W = (3, 2, 7, 6, 5, 4, 3, 2)
_SYS = re.compile(r"^[0-9]{9}_[^\s/?#%\\]+$")
_REF = re.compile(r"^[A-Za-z0-9æøåÆØÅ_-]{1,255}$")
_STATUSES = {"New", "Accepted", "Rejected", "Denied", "Timedout"}


def py_check_org(o: str) -> Optional[str]:
    o = o.strip()
    if o.startswith("0192:"):
        o = o[5:]
    if len(o) != 9 or not o.isascii() or not o.isdigit():
        return None
    r = sum(int(d) * w for d, w in zip(o, _W)) % 11
    if r == 1:
        return None
    return o if (0 if r == 0 else 11 - r) == int(o[8]) else None


def py_validate(req: StandardRequest) -> dict:
    v = []
    org = py_check_org(req.party_org_no)
    if org is None:
        v.append(("org-no-checksum", "partyOrgNo"))
    sid = req.system_id.strip()
    if not _SYS.match(sid):
        v.append(("system-id", "systemId"))
    ref = (req.external_ref or "").strip() or org
    if ref and not _REF.match(ref):
        v.append(("external-ref", "externalRef"))
    if req.rights is None and req.access_packages is None:
        v.append(("AUTH-00001", "rights"))
    if req.redirect_url and not req.redirect_url.startswith("https://"):
        v.append(("redirect-url", "redirectUrl"))
    if v:
        raise ValueError(v)
    body = {"systemId": sid, "partyOrgNo": org, "externalRef": ref}
    if req.integration_title:
        body["integrationTitle"] = req.integration_title.strip()
    if req.rights is not None:
        body["rights"] = [{"resource": [{"id": p.id, "value": p.value} for p in r.resource]} for r in req.rights]
    if req.access_packages is not None:
        body["accessPackages"] = [{"urn": p.urn} for p in req.access_packages]
    if req.redirect_url:
        body["redirectUrl"] = req.redirect_url.strip()
    return body


def py_build(body: dict) -> tuple:
    return (
        "POST",
        BASE + "/authentication/api/v1/systemuser/request/vendor",
        [("Content-Type", "application/json"), ("Accept", "application/json")],
        json.dumps(body, separators=(",", ":")).encode(),
        ["altinn:authentication/systemuser.request.write"],
    )


def py_parse(status: int, body: bytes) -> dict:
    if status not in (200, 201):
        raise ValueError(status)
    d = {k.lower(): v for k, v in json.loads(body).items()}
    st = d.get("status")
    if st not in _STATUSES:
        st = f"unknown({st})"
    cu = d.get("confirmurl")
    if cu is not None and not cu.startswith(BASE + "/"):
        raise ValueError("foreign confirm url")
    return {
        "id": d["id"].lower(), "status": st, "external_ref": d.get("externalref"), "party_org_no": d.get("partyorgno"),
        "access_packages": [p["urn"] for p in d.get("accesspackages") or []], "confirm_url": cu,
        "timed_out": bool(d.get("timedout")), "created": d.get("created"), "is_new": status == 201,
    }


# ---------------------------------------------------------------------------------------------


def per_op(fn: Callable[[], object], iterations: int, repeats: int = 5) -> float:
    """Best-of-`repeats` mean CPU time per call, in microseconds."""
    for _ in range(min(50, iterations)):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(iterations):
            fn()
        best = min(best, (time.process_time() - t0) / iterations)
    return best * 1e6


def table(title: str, header: List[str], rows: List[List[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print(f"\n{title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(r, widths)) + " |")


def bench_ops(iterations: int) -> None:
    rows = []
    for label, fast in (("cached converters", True), ("wasmtime-py conversion", False)):
        rows_for = _ops(Component(fast_codec=fast), iterations if fast else max(50, iterations // 10))
        for r in rows_for:
            r.insert(1, label)
        rows += rows_for
    table(
        f"Per operation, CPU µs per call, no network (best of 5 runs)",
        ["operation", "value conversion", "component", "plain Python", "ratio", "overhead µs"],
        rows,
    )
    _instantiation(Component(), iterations)


def _ops(comp: Component, iterations: int) -> List[List[str]]:
    env = Environment.local(BASE)
    cfg = comp.wit_config(env)
    call = comp.call_create(REQ)

    def c_validate():
        return comp.validate(REQ)

    def c_build():
        return comp.build(cfg, call)

    def c_parse():
        return comp.parse(cfg, call, 201, RESP_HEADERS, RESP_BODY)

    def c_all():
        n = comp.validate(REQ)
        comp.build(cfg, comp.call_create(n))
        return comp.parse(cfg, call, 201, RESP_HEADERS, RESP_BODY)

    body_json = json.dumps(py_validate(REQ)).encode()

    rows = []
    cases = [
        ("check org no", lambda: comp.check_org_no("310816191"), lambda: py_check_org("310816191")),
        ("validate (JSON bytes in/out)", lambda: comp.validate_json("standard", body_json), lambda: py_validate(REQ)),
        ("validate (typed record)", c_validate, lambda: py_validate(REQ)),
        ("build create request", c_build, lambda: py_build(py_validate(REQ))),
        ("parse 201 response", c_parse, lambda: py_parse(201, RESP_BODY)),
        ("validate + build + parse", c_all, lambda: py_parse(201, RESP_BODY) and py_build(py_validate(REQ))),
    ]
    for name, cf, pf in cases:
        c = per_op(cf, iterations)
        p = per_op(pf, iterations)
        rows.append([name, f"{c:8.1f}", f"{p:6.1f}", f"{c / p:6.1f}x", f"{c - p:8.1f}"])
    return rows


def _instantiation(comp: Component, iterations: int) -> None:
    rt = comp.runtime
    from altinn_systemuser._compiled import CACHE_DIR_ENV
    from altinn_systemuser._runtime import Runtime

    # Cold: compiled (an empty cache directory); warm: loaded from the cache it just wrote.
    saved = os.environ.get(CACHE_DIR_ENV)
    starts = {}
    with tempfile.TemporaryDirectory(prefix="altinn-bench-cache-") as d:
        os.environ[CACHE_DIR_ENV] = d
        try:
            for label in ("cold", "warm"):
                t0 = time.perf_counter()
                r = Runtime(rt.path, fuel=True)
                starts[label] = ((time.perf_counter() - t0) * 1e3, r.from_cache)
        finally:
            if saved is None:
                os.environ.pop(CACHE_DIR_ENV, None)
            else:
                os.environ[CACHE_DIR_ENV] = saved
    (cold_ms, _), (warm_ms, warm_hit) = starts["cold"], starts["warm"]
    inst_us = per_op(lambda: _Instance(rt, 64 << 20), max(50, iterations // 20), repeats=3)
    first_call = []
    for _ in range(20):
        t0 = time.perf_counter()
        i = _Instance(rt, 64 << 20)
        i.func("validation", "check-org-no")(i.store, "310816191")
        first_call.append((time.perf_counter() - t0) * 1e6)
    table(
        "Instantiation",
        ["what", "cost"],
        [
            ["cold start: compile the component (first process on a machine)", f"{cold_ms:.1f} ms"],
            ["warm start: load it compiled from the cache (every later process)"
             + ("" if warm_hit else " (cache missed!)"), f"{warm_ms:.1f} ms ({cold_ms / warm_ms:.0f}× faster)"],
            ["new Store + instance (one unit of work)", f"{inst_us:.0f} µs CPU"],
            ["new Store + instance + first call (median)", f"{statistics.median(first_call):.0f} µs wall"],
        ],
    )


def bench_bulk(customers: int) -> None:
    with Simulator.start(extra_orgs=customers) as sim:
        tmp = tempfile.mkdtemp(prefix="altinn-bench-")
        db = os.path.join(tmp, "erp.db")
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE customers (customer_id TEXT PRIMARY KEY, org_no TEXT, name TEXT)")
        con.executemany(
            "INSERT INTO customers VALUES (?, ?, ?)", [(f"ERP-{i:06d}", o, f"Kunde {i}") for i, o in enumerate(sim.orgs)]
        )
        con.commit()
        con.close()
        client = Client(sim.environment, token=sim.token_provider())
        ob = Onboarding(client, STANDARD_SYSTEM, access_packages=[PKG])
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        with SqliteStore(db) as store:
            rep = ob.run(store, progress=sys.stderr.isatty())
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        s = client.stats
        t1 = time.perf_counter()
        with SqliteStore(db) as store:
            w = ob.watch(store, max_rounds=1, progress=False)
        watch_s = time.perf_counter() - t1
        outside = wall - s.total_seconds
        rows = [
            ["customers", f"{rep.total}", ""],
            ["requests created", f"{rep.created}", f"{len(sim.requests())} at the simulator"],
            ["wall time", f"{wall:.2f} s", f"{wall / rep.total * 1e3:.2f} ms per customer; {rep.total / wall:.0f}/s"],
            ["process CPU time", f"{cpu:.2f} s", "(the simulator runs in its own process)"],
            ["component calls", f"{s.operations}", f"{s.http_requests} HTTP requests"],
            ["in the component (incl. value conversion)", f"{s.component_seconds:.2f} s",
             f"{s.component_seconds / wall * 100:.1f} % of wall; {s.component_seconds / s.operations * 1e6:.0f} µs per call"],
            ["in host imports (HTTP, tokens)", f"{s.host_seconds:.2f} s", f"{s.host_seconds / wall * 100:.1f} % of wall"],
            ["outside component calls (SQLite, Python)", f"{outside:.2f} s", f"{outside / wall * 100:.1f} % of wall"],
            ["one watch round (list all pages)", f"{watch_s:.2f} s", f"{w.pending} pending"],
        ]
        table(f"Bulk onboarding of {customers} customers against the simulator (real HTTP, SQLite)", ["", "value", "note"], rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--skip-bulk", action="store_true")
    a = ap.parse_args()
    import platform

    import wasmtime  # noqa: F401

    print(f"Python {platform.python_version()}, wasmtime-py {_wasmtime_version()}, {os.cpu_count()} CPUs")
    bench_ops(a.iterations)
    if not a.skip_bulk:
        bench_bulk(a.customers)


def _wasmtime_version() -> str:
    try:
        from importlib.metadata import version

        return version("wasmtime")
    except Exception:
        return "?"


if __name__ == "__main__":
    main()
