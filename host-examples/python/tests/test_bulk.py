"""Bulk onboarding: 1,000 customers from SQLite, a CSV run through the command, a run killed
with SIGKILL halfway and run again, and the watch."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from altinn_systemuser import Client, RequestStatus, StandardRequest
from altinn_systemuser.bulk import CsvStore, Onboarding, SqliteStore, external_ref_for
from altinn_systemuser.cli import main as cli_main
from altinn_systemuser.testing import STANDARD_SYSTEM, VENDOR

PKG = "urn:altinn:accesspackage:skattegrunnlag"


def make_db(path, orgs, id_fmt="ERP-{:05d}"):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (customer_id TEXT PRIMARY KEY, org_no TEXT, name TEXT, balance REAL)")
    db.executemany(
        "INSERT INTO customers VALUES (?, ?, ?, ?)",
        [(id_fmt.format(i), o, f"Kunde {i} AS", i * 1.5) for i, o in enumerate(orgs)],
    )
    db.commit()
    db.close()


def rows(path):
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    out = [dict(r) for r in db.execute("SELECT * FROM customers ORDER BY rowid")]
    db.close()
    return out


def assert_one_request_per_key(sim, expected_keys):
    keys = [k for k in sim.dedupe() if k["systemId"] == STANDARD_SYSTEM]
    assert len(keys) == expected_keys
    assert all(k["requestsStored"] == 1 for k in keys), [k for k in keys if k["requestsStored"] != 1][:3]
    assert all(k["created"] == 1 for k in keys), [k for k in keys if k["created"] != 1][:3]


def test_external_ref_for():
    assert external_ref_for("ERP-00042") == "ERP-00042"
    odd = external_ref_for("K/2024.7 æ")
    assert odd.startswith("c-") and odd == external_ref_for("K/2024.7 æ")
    assert odd != external_ref_for("K/2024.8 æ")
    assert external_ref_for("42", prefix="acme-") == "acme-42"


def test_bulk_1000_customers_links_creates_and_reruns(client, sim, tmp_path):
    orgs = sim.orgs[:1000]
    db = str(tmp_path / "erp.db")
    make_db(db, orgs)
    # Two customers already have system users: one under the ERP's ref, one made in the portal.
    pre = []
    for i, ref in ((3, "ERP-00003"), (7, orgs[7])):
        r = client.create_standard_request(StandardRequest(STANDARD_SYSTEM, orgs[i], external_ref=ref, access_packages=[PKG])).request
        sim.approve(r.id)
        pre.append(r.id)

    ob = Onboarding(client, STANDARD_SYSTEM, access_packages=[PKG])
    with SqliteStore(db) as store:
        rep = ob.run(store, progress=False)
    assert rep.total == 1000 and rep.linked == 2 and rep.created == 998
    assert rep.failed == rep.invalid == rep.existing == 0
    got = rows(db)
    assert all(r["altinn_request_id"] for r in got)
    assert len({r["altinn_request_id"] for r in got}) == 1000
    assert got[3]["altinn_request_id"] == pre[0] and got[3]["altinn_note"] == "linked"
    assert got[7]["altinn_request_id"] == pre[1] and got[7]["altinn_status"] == "Accepted"
    new = [r for r in got if r["altinn_note"] == "created"]
    assert all(r["altinn_status"] == "New" and r["altinn_confirm_url"].startswith(sim.base) for r in new)
    assert got[0]["balance"] == 0.0 and got[0]["name"] == "Kunde 0 AS"  # the ERP's own columns untouched
    assert len(sim.requests()) == 1000
    assert_one_request_per_key(sim, 1000)

    # A second run does nothing.
    calls_before = sum(k["createCalls"] for k in sim.dedupe())
    with SqliteStore(db) as store:
        rep2 = ob.run(store, progress=False)
    assert rep2.skipped == 1000 and rep2.created == 0
    assert sum(k["createCalls"] for k in sim.dedupe()) == calls_before

    # Customers decide; the watch follows until everything is terminal.
    ids = [r["altinn_request_id"] for r in new]
    for rid in ids[:10]:
        sim.approve(rid)
    for rid in ids[10:15]:
        sim.reject(rid)
    with SqliteStore(db) as store:
        w = ob.watch(store, max_rounds=1, progress=False)
    assert not w.done and w.pending == 998 - 15
    assert w.by_status == {"Accepted": 12, "Rejected": 5, "New": 983}
    for rid in ids[15:]:
        sim.approve(rid)
    with SqliteStore(db) as store:
        w = ob.watch(store, interval=0.01, max_rounds=5, progress=False)
    assert w.done and w.by_status == {"Accepted": 995, "Rejected": 5}
    assert Counter(r["altinn_status"] for r in rows(db)) == {"Accepted": 995, "Rejected": 5}


def test_bulk_csv_through_the_command(sim, tmp_path, capsys):
    csv_path = tmp_path / "customers.csv"
    orgs = sim.orgs[1000:1010]
    lines = ["customer_id,org_no,name"] + [f"K/{i}.7,{o},Kunde {i}" for i, o in enumerate(orgs)]
    lines.append("K/bad,123456789,Bad Org AS")
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = [
        "onboard", "--db", str(csv_path), "--system-id", STANDARD_SYSTEM, "--env", sim.base,
        "--sim-vendor", VENDOR, "--package", PKG, "--json", "--no-progress",
    ]
    code = cli_main(args)
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # one invalid customer
    assert out["onboard"]["created"] == 10 and out["onboard"]["invalid"] == 1
    assert out["onboard"]["errors"][0]["customer_id"] == "K/bad"
    store = CsvStore(csv_path)
    cs = store.load()
    assert all(c.request_id for c in cs[:10]) and all(c.external_ref.startswith("c-") for c in cs[:10])
    assert cs[10].status == "Invalid" and "org-no-checksum" in cs[10].error
    # Watch through the command after approvals: exit 0 when everything is terminal.
    for c in cs[:10]:
        sim.approve(c.request_id)
    code = cli_main(["watch", "--db", str(csv_path), "--system-id", STANDARD_SYSTEM, "--env", sim.base,
                     "--sim-vendor", VENDOR, "--json", "--no-progress", "--interval", "0.01", "--max-rounds", "3"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["watch"]["done"] and out["watch"]["by_status"] == {"Accepted": 10, "Invalid": 1}
    assert_one_request_per_key(sim, 10)


def test_bulk_killed_halfway_and_rerun(sim, tmp_path):
    n = 1000
    orgs = sim.orgs[:n]
    db = str(tmp_path / "erp.db")
    make_db(db, orgs)
    cmd = [
        sys.executable, "-m", "altinn_systemuser", "onboard", "--db", db, "--system-id", STANDARD_SYSTEM,
        "--env", sim.base, "--sim-vendor", VENDOR, "--package", PKG, "--no-progress",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    created = 0
    while time.monotonic() < deadline:
        created = sum(k["created"] for k in sim.dedupe())
        if created >= n // 2 or proc.poll() is not None:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed: " + proc.stderr.read().decode()[-500:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    created_at_kill = sum(k["created"] for k in sim.dedupe())
    assert n // 2 <= created_at_kill < n
    recorded = {r["customer_id"]: r["altinn_request_id"] for r in rows(db) if r["altinn_request_id"]}
    assert len(recorded) < n  # the kill left work undone

    done = subprocess.run(cmd + ["--json"], capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    rep = json.loads(done.stdout)["onboard"]
    assert rep["skipped"] == len(recorded)
    assert rep["created"] + rep["existing"] == n - len(recorded)
    assert rep["created"] == n - created_at_kill  # the rest were found, not created again

    final = rows(db)
    assert all(r["altinn_request_id"] for r in final)
    # Nothing lost: what the first run wrote back is unchanged.
    assert all(next(r for r in final if r["customer_id"] == cid)["altinn_request_id"] == rid for cid, rid in recorded.items())
    # Exactly one request per customer at Altinn, and the ERP's ids match them.
    reqs = sim.requests()
    assert len(reqs) == n
    by_ref = {r["externalRef"]: r["id"] for r in reqs}
    assert all(by_ref[r["customer_id"]] == r["altinn_request_id"] for r in final)
    assert_one_request_per_key(sim, n)
