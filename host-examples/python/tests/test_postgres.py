"""The PostgreSQL store for many workers (issue #20), on a real PostgreSQL that the tests start
themselves (`testing.PostgresServer`: Debian's binaries, a temporary directory, a loopback
port) and the simulator over real HTTP: the schema, row leases (`FOR UPDATE SKIP LOCKED`, expiry
after a worker died), four worker processes sharing 5,000 customers while one is killed with
SIGKILL twice, and a watch round over lossy request pages."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import psycopg
import pytest

from altinn_systemuser import Client
from altinn_systemuser.bulk import Customer, Onboarding, PostgresStore, open_store
from altinn_systemuser.testing import STANDARD_SYSTEM, VENDOR, PostgresServer, Simulator
from test_bulk import assert_one_request_per_key

PKG = "urn:altinn:accesspackage:skattegrunnlag"


@pytest.fixture(scope="module")
def pg():
    with PostgresServer() as server:
        yield server


@pytest.fixture
def table(request):
    return "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]


def query(pg, sql, *args):
    with psycopg.connect(pg.dsn, autocommit=True) as db:
        cur = db.execute(sql, args)
        return cur.fetchall() if cur.description else None


def synthetic_orgs(sim, n):
    out = []
    while len(out) < n:
        page = sim.admin("GET", f"syntheticcustomers?offset={len(out)}&limit={min(1000, n - len(out))}")
        assert page["orgNos"], page
        out += page["orgNos"]
    return out


def customers(orgs, prefix="ERP-"):
    return [Customer(f"{prefix}{i:05d}", o, f"Kunde {i} AS") for i, o in enumerate(orgs)]


def test_postgres_server_runs_as_postgres_user_and_is_removed(pg):
    assert pg.dsn.startswith("postgresql://postgres@127.0.0.1:")
    (version,) = query(pg, "SHOW server_version")[0]
    assert version
    (user,) = query(pg, "SELECT current_user")[0]
    assert user == "postgres"
    with PostgresServer() as other:
        path = other._tmpdir
        assert os.path.isdir(path)
        assert query(other, "SELECT 1") == [(1,)]
    assert not os.path.exists(path) and other.proc is None


def test_schema_add_customers_and_leases(pg, table):
    ddl = PostgresStore.schema_sql(table)
    for col in ("customer_id text PRIMARY KEY", "org_no text NOT NULL", "altinn_request_id text",
                "altinn_lease_owner text", "altinn_lease_until timestamptz", "WHERE altinn_request_id IS NULL"):
        assert col in ddl
    store = open_store(pg.dsn, table)
    assert isinstance(store, PostgresStore)
    with pytest.raises(ValueError, match="no table"):
        store.load()
    store.create_schema()
    store.create_schema()  # idempotent
    assert store.add_customers(customers(["310816191"] * 10)) == 10
    # An existing id is left alone (its name is not overwritten), a new one added.
    assert store.add_customers([Customer("ERP-00000", "314224965", "Renamed AS"), Customer("ERP-00010", "310816191")]) == 1
    assert query(pg, f"SELECT name FROM {table} WHERE customer_id = 'ERP-00000'") == [("Kunde 0 AS",)]

    a = store.claim("w1", 4, 30)
    other = PostgresStore(pg.dsn, table)
    b = other.claim("w2", 4, 30)
    assert [c.customer_id for c in a] == [f"ERP-{i:05d}" for i in range(4)]
    assert not {c.customer_id for c in a} & {c.customer_id for c in b} and len(b) == 4
    assert store.leased() == 8
    assert store.pending() == (11, pytest.approx(30, abs=2))
    # Writing back releases the lease; the row no longer needs work.
    a[0].request_id, a[0].status = "req-1", "New"
    store.save(a[0])
    store.flush()
    assert store.leased() == 7 and store.pending()[0] == 10
    store.release("w1", [c.customer_id for c in a[1:]])
    assert [c.customer_id for c in other.claim("w2", 2, 30)] == ["ERP-00001", "ERP-00002"]
    # A lease that runs out (its worker died) makes the row claimable again.
    short = store.claim("w1", 1, 0.2)
    assert [c.customer_id for c in short] == ["ERP-00003"]
    assert [c.customer_id for c in other.claim("w2", 5, 30, exclude=["ERP-00008"])] == ["ERP-00009", "ERP-00010"]
    time.sleep(0.3)
    assert [c.customer_id for c in other.claim("w2", 5, 30)] == ["ERP-00003", "ERP-00008"]
    assert store.counts() == (11, 1)
    store.close()
    other.close()


def test_an_existing_vendor_table_gets_the_columns(pg, table):
    query(pg, f"CREATE TABLE {table} (kundenr integer PRIMARY KEY, orgnr text, firma text, saldo numeric)")
    query(pg, f"INSERT INTO {table} VALUES (1, '310816191', 'A AS', 10), (2, '314224965', 'B AS', 20)")
    with PostgresStore(pg.dsn, table, id_column="kundenr", org_column="orgnr", name_column="firma") as store:
        cols = {r[0] for r in query(pg, "SELECT column_name FROM information_schema.columns WHERE table_name = %s", table)}
        assert {"altinn_request_id", "altinn_lease_owner", "altinn_lease_until", "saldo"} <= cols
        got = store.claim("w", 5, 10)
        assert [(c.customer_id, c.org_no, c.name) for c in got] == [("1", "310816191", "A AS"), ("2", "314224965", "B AS")]
        got[1].request_id = "r"
        store.save(got[1])
    assert query(pg, f"SELECT kundenr, altinn_request_id, altinn_lease_owner, saldo FROM {table} ORDER BY kundenr") == [
        (1, None, "w", 10), (2, "r", None, 20)]


def start_worker(sim, pg, table, worker_id, log_dir):
    log = open(os.path.join(log_dir, f"{worker_id}.log"), "ab")
    cmd = [sys.executable, "-m", "altinn_systemuser", "onboard", "--db", pg.dsn, "--table", table,
           "--system-id", STANDARD_SYSTEM, "--package", PKG, "--env", sim.base, "--sim-vendor", VENDOR,
           "--concurrency", "4", "--worker-id", worker_id, "--lease-seconds", "3", "--json", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    log.close()
    return proc


def test_four_workers_one_killed_twice_onboard_5000_exactly_once(pg, table, tmp_path, show):
    n = 5000
    with Simulator.start(args=["--synthetic-customers", str(n), "--latency", "3"]) as sim:
        orgs = synthetic_orgs(sim, n)
        assert len(set(orgs)) == n
        with PostgresStore(pg.dsn, table) as store:
            store.create_schema()
            assert store.add_customers(customers(orgs)) == n

        def recorded():
            return query(pg, f"SELECT count(altinn_request_id) FROM {table}")[0][0]

        t0 = time.monotonic()
        workers = {f"w{i}": start_worker(sim, pg, table, f"w{i}", str(tmp_path)) for i in range(4)}
        kills = []
        for threshold in (n // 5, n // 2):
            while recorded() < threshold and time.monotonic() - t0 < 300:
                time.sleep(0.02)
            victim = workers["w0"]
            assert victim.poll() is None, "w0 ended before it could be killed"
            held = query(pg, f"SELECT count(*) FROM {table} WHERE altinn_lease_owner = 'w0'")[0][0]
            victim.send_signal(signal.SIGKILL)
            assert victim.wait(30) == -signal.SIGKILL
            victim.stdout.close()
            kills.append((recorded(), held))
            workers["w0"] = start_worker(sim, pg, table, "w0", str(tmp_path))
        reports = {}
        for wid, proc in workers.items():
            out, _ = proc.communicate(timeout=300)
            assert proc.returncode == 0, (wid, proc.returncode, (tmp_path / f"{wid}.log").read_text()[-2000:])
            reports[wid] = json.loads(out)["onboard"]
        seconds = time.monotonic() - t0

        reqs = [r for r in sim.requests() if r["systemId"] == STANDARD_SYSTEM]
        keys = Counter((r["partyOrgNo"], r["externalRef"]) for r in reqs)
        dupes = [k for k, v in keys.items() if v > 1]
        assert not dupes, dupes[:5]
        assert len(reqs) == n and {k[0] for k in keys} == set(orgs)
        rows = query(pg, f"SELECT customer_id, altinn_request_id, altinn_external_ref, altinn_lease_owner, altinn_lease_until FROM {table}")
        assert len(rows) == n
        assert [r for r in rows if not r[1]] == []  # 0 lost
        assert [r for r in rows if r[3] is not None or r[4] is not None] == []  # every lease released
        by_key = {(r["partyOrgNo"], r["externalRef"]): r["id"] for r in reqs}
        org_of = dict(zip((f"ERP-{i:05d}" for i in range(n)), orgs))
        assert all(by_key[(org_of[cid], ref)] == rid for cid, rid, ref, _, _ in rows)
        counts = sim.admin("GET", "calls")["counts"]
        creates = sum(counts.get("create_request", {}).values())
        done = {w: (r["created"], r["existing"]) for w, r in reports.items()}
        show(
            "",
            f"4 workers on PostgreSQL, {n} customers, w0 killed twice (at {kills[0][0]} and {kills[1][0]} recorded; "
            f"it held {kills[0][1]} and {kills[1][1]} leases): {seconds:.1f} s",
            f"  creates sent {creates} (taken over after a kill and answered with the existing request: "
            f"{sum(r['existing'] for r in reports.values())}); (created, existing) of the workers that finished: {done}",
        )
        assert_one_request_per_key(sim, n)  # Altinn's dedupe: each key created once, stored once
        assert creates >= n and any(held for _, held in kills)  # rows were held by the killed worker
        assert all(r["failed"] == r["invalid"] == r["retry_later"] == 0 for r in reports.values())


def test_watch_over_lossy_pages_decides_every_row(pg, table):
    n = 23
    with Simulator.start(args=["--synthetic-customers", str(n), "--page-size", "5", "--lossy-request-pages", "on"]) as sim:
        client = Client(sim.environment, token=sim.token_provider(), timeout=5.0, retries=2, backoff=0.01)
        ob = Onboarding(client, STANDARD_SYSTEM, access_packages=[PKG])
        with PostgresStore(pg.dsn, table) as store:
            store.create_schema()
            store.add_customers(customers(synthetic_orgs(sim, n)))
            rep = ob.run(store, concurrency=4, worker_id="w", progress=False)
            assert rep.created == n and rep.ok
            rows = store.load()
            for i, c in enumerate(rows):
                (sim.approve if i % 2 == 0 else sim.reject)(c.request_id)
            sim.clear_calls()
            wr = ob.watch(store, max_rounds=1, progress=False)
            counts = sim.admin("GET", "calls")["counts"]
            after = {c.customer_id: c.status for c in store.load()}
        assert wr.rounds == 1 and wr.pending == 0 and wr.decided == n and wr.done
        assert wr.by_status == {"Accepted": 12, "Rejected": 11}
        assert after == {c.customer_id: ("Accepted" if i % 2 == 0 else "Rejected") for i, c in enumerate(rows)}
        pages = sum(counts.get("list_requests", {}).values())
        singles = sum(counts.get("get_request", {}).values())
        # 23 requests, 5 a page, one lost at each page boundary (API.md §14): 4 pages listing
        # 20, and the 3 lost ones read on their own. N/page-size reads, not N.
        assert pages == 4 and singles == pages - 1, counts
        assert pages + singles < n / 2


def test_a_run_waits_out_a_dead_workers_lease_and_leaves_invalid_rows_alone(pg, table):
    with Simulator.start(args=["--synthetic-customers", "12"]) as sim:
        client = Client(sim.environment, token=sim.token_provider(), timeout=5.0, retries=2, backoff=0.01)
        ob = Onboarding(client, STANDARD_SYSTEM, access_packages=[PKG])
        with PostgresStore(pg.dsn, table) as store:
            store.create_schema()
            store.add_customers(customers(synthetic_orgs(sim, 12)) + [Customer("BAD-1", "123456789")])
            dead = store.claim("dead", 5, 1.5)  # a worker that claimed rows and died
            assert len(dead) == 5
            t0 = time.monotonic()
            rep = ob.run(store, concurrency=3, worker_id="alive", batch_size=4, progress=False)
            waited = time.monotonic() - t0
            assert rep.created == 12 and rep.invalid == 1 and rep.total == 13
            assert waited >= 1.0  # the dead worker's rows were taken only once its lease ran out
            assert store.leased() == 0 and store.pending() == (1, None)  # the invalid row, not leased
            # Run again: the invalid row (data unchanged) is looked at once, released, not retried.
            again = ob.run(store, concurrency=3, worker_id="alive", progress=False)
            assert again.total == 1 and again.still_invalid == 1 and again.skipped == 1 and not again.ok
            assert store.leased() == 0
        assert len([r for r in sim.requests() if r["systemId"] == STANDARD_SYSTEM]) == 12
