"""Onboarding at scale (issue #20), over real HTTP to the simulator: one pre-flight read of the
registered system for 1,000 creates, N creates in flight on threads sharing one client (one
grant per scope), and Altinn's throttle (429 with Retry-After) honoured with no customer failed.
The PostgreSQL store and several workers: tests/test_postgres.py."""

import sqlite3
import threading

from altinn_systemuser import Client, Maskinporten
from altinn_systemuser.bulk import Onboarding, SqliteStore
from altinn_systemuser.testing import STANDARD_SYSTEM, Simulator
from altinn_systemuser.transport import RequestsTransport
from conftest import CLIENT_ID
from test_bulk import make_db, rows

PKG = "urn:altinn:accesspackage:skattegrunnlag"


def route_count(sim, route, status=None):
    counts = sim.admin("GET", "calls")["counts"].get(route, {})
    return sum(v for k, v in counts.items() if status is None or k == str(status))


class InFlight(RequestsTransport):
    """The real transport, counting the creates (POSTs) in flight at once."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.now = self.peak = 0

    def send(self, method, url, headers, body, timeout, *a, **kw):
        counted = method == "POST" and "/systemuser/request/" in url
        if counted:
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
        try:
            return super().send(method, url, headers, body, timeout, *a, **kw)
        finally:
            if counted:
                with self.lock:
                    self.now -= 1


def test_one_preflight_read_for_1000_creates(client, sim, tmp_path):
    db = str(tmp_path / "erp.db")
    make_db(db, sim.orgs[:1000])
    sim.clear_calls()
    with SqliteStore(db) as store:
        rep = Onboarding(client, STANDARD_SYSTEM, access_packages=[PKG]).run(store, concurrency=1, progress=False)
    assert rep.created == 1000 and rep.ok
    assert route_count(sim, "create_request") == 1000
    # The registered system is read once and kept (the component's cache), not before every create.
    assert route_count(sim, "get_registered_system") == 1


def test_sixteen_in_flight_share_one_client_and_one_grant_per_scope(signer, tmp_path):
    n = 400
    with Simulator.start(extra_orgs=n + 1, args=["--latency", "50"]) as sim:
        # What one create costs in grants on a fresh client (one per scope it uses).
        one = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer))
        db1 = str(tmp_path / "one.db")
        make_db(db1, sim.orgs[n:])
        sim.clear_calls()
        with SqliteStore(db1) as store:
            Onboarding(one, STANDARD_SYSTEM, access_packages=[PKG]).run(store, progress=False)
        per_run = route_count(sim, "maskinporten_token")
        assert per_run >= 1

        transport = InFlight()
        client = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer), transport=transport)
        db = str(tmp_path / "erp.db")
        make_db(db, sim.orgs[:n])
        sim.clear_calls()
        seen = []
        with SqliteStore(db) as store:
            rep = Onboarding(client, STANDARD_SYSTEM, access_packages=[PKG]).run(
                store, concurrency=16, progress=False, on_progress=lambda done, total, c, r: seen.append(done)
            )
        assert rep.created == n and rep.ok
        assert seen == list(range(1, n + 1))  # on_progress: once per row, from the calling thread, in order
        got = rows(db)
        assert len({r["altinn_request_id"] for r in got}) == n and all(r["altinn_status"] == "New" for r in got)
        assert route_count(sim, "create_request") == n
        assert transport.peak > 1, transport.peak  # creates overlapped (at most 16)
        assert transport.peak <= 16
        assert route_count(sim, "maskinporten_token") == per_run  # the threads shared the client's grants
        # The registered system is kept per component instance, and the client has one instance
        # per thread: at most one read per thread, not one per create.
        assert 1 <= route_count(sim, "get_registered_system") <= 16


def test_throttle_429_honoured_at_concurrency_8_no_customer_failed(tmp_path, show):
    n = 120
    with Simulator.start(extra_orgs=n, args=["--throttle", "40/8", "--throttle-retry-after", "1"]) as sim:
        client = Client(sim.environment, token=sim.token_provider(), retries=1, backoff=0.01)
        db = str(tmp_path / "erp.db")
        make_db(db, sim.orgs)
        sim.clear_calls()
        with SqliteStore(db) as store:
            rep = Onboarding(client, STANDARD_SYSTEM, access_packages=[PKG]).run(store, concurrency=8, progress=False)
        throttled = route_count(sim, "create_request", 429)
        show("", f"throttle 40/s: {n} creates at concurrency 8, {throttled} answered 429, {rep.seconds:.1f} s, {rep.summary()}")
        assert rep.created == n and rep.failed == rep.retry_later == rep.invalid == 0 and rep.ok
        assert throttled > 0  # the throttle did answer 429s, and they were waited out
        assert route_count(sim, "create_request", 201) == n
        db_rows = sqlite3.connect(db).execute("SELECT count(*) FROM customers WHERE altinn_request_id IS NOT NULL").fetchone()
        assert db_rows == (n,)


def test_cli_concurrency(sim, tmp_path, capsys):
    from altinn_systemuser.cli import main as cli_main
    from altinn_systemuser.testing import VENDOR

    db = str(tmp_path / "erp.db")
    make_db(db, sim.orgs[:60])
    base = ["onboard", "--db", db, "--system-id", STANDARD_SYSTEM, "--env", sim.base, "--sim-vendor", VENDOR,
            "--package", PKG, "--json", "--no-progress"]
    assert cli_main(base + ["--concurrency", "0"]) == 2
    assert "concurrency must be an int >= 1" in capsys.readouterr().err
    assert cli_main(base + ["--concurrency", "8"]) == 0
    assert '"created": 60' in capsys.readouterr().out
    assert all(r["altinn_request_id"] for r in rows(db))
