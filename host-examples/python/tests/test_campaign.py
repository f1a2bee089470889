"""Change campaigns: 1,000 onboarded customers asked for a change by a process killed with
SIGKILL halfway and run again (0 duplicate change requests), then watched to the end; a CSV
through the command; a campaign-wide change followed by another one."""

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

from altinn_systemuser import Client, SystemClock
from altinn_systemuser.bulk import CsvStore, Onboarding, SqliteStore
from altinn_systemuser.campaign import ChangeCampaign, ChangeRow, change_text, items_text, parse_change, parse_items
from altinn_systemuser.cli import main as cli_main
from altinn_systemuser.testing import STANDARD_SYSTEM, VENDOR

PKG = "urn:altinn:accesspackage:skattegrunnlag"
MVA = "urn:altinn:accesspackage:merverdiavgift"
REPORT = "urn:altinn:accesspackage:regnskap-okonomi-rapport"


def make_db(path, orgs, packages=None):
    db = sqlite3.connect(path)
    cols = "customer_id TEXT PRIMARY KEY, org_no TEXT, name TEXT" + (", packages TEXT" if packages else "")
    db.execute(f"CREATE TABLE customers ({cols})")
    rows = [(f"ERP-{i:05d}", o, f"Kunde {i} AS") + ((packages(i),) if packages else ()) for i, o in enumerate(orgs)]
    db.executemany(f"INSERT INTO customers VALUES ({', '.join('?' * len(rows[0]))})", rows)
    db.commit()
    db.close()


def rows(path):
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    out = [dict(r) for r in db.execute("SELECT * FROM customers ORDER BY rowid")]
    db.close()
    return out


def onboard_and_approve(client, sim, store):
    """What came before the campaign: every customer onboarded with skattegrunnlag and approved."""
    rep = Onboarding(client, STANDARD_SYSTEM, access_packages=[PKG]).run(store, progress=False)
    assert rep.failed == rep.invalid == rep.retry_later == 0
    for r in sim.requests():
        sim.approve(r["id"])


def vendor_routes(sim):
    return Counter(c["route"] for c in sim.calls() if not c["path"].startswith("/_sim/"))


def test_cells_and_what_was_asked_round_trip():
    items = parse_items("skattegrunnlag, urn:altinn:accesspackage:merverdiavgift;right:ske-krav-og-betalinger "
                        "right:urn:altinn:org=ttd&urn:altinn:app=regnskap")
    assert items_text(items) == ("merverdiavgift right:ske-krav-og-betalinger "
                                 "right:urn:altinn:app=regnskap&urn:altinn:org=ttd skattegrunnlag")
    assert parse_items(items_text(items)) == items
    assert items_text(set()) == "-" and parse_items("-") == set()
    assert parse_items("ske-krav-og-betalinger", rights=True) == {("right", (("urn:altinn:resource", "ske-krav-og-betalinger"),))}
    required, unwanted = parse_items("merverdiavgift"), parse_items("skattegrunnlag")
    text = change_text(required, unwanted)
    assert text == "+merverdiavgift -skattegrunnlag" and parse_change(text) == (required, unwanted)


def test_change_campaign_1000_customers_killed_halfway_and_rerun(client, sim, tmp_path, show):
    n = 1000
    orgs = sim.orgs[:n]
    db = str(tmp_path / "erp.db")
    # Most customers should get merverdiavgift as well; every tenth should swap skattegrunnlag for it.
    make_db(db, orgs, packages=lambda i: "merverdiavgift" if i % 10 == 0 else "skattegrunnlag merverdiavgift")
    t0 = time.monotonic()
    with SqliteStore(db) as store:
        onboard_and_approve(client, sim, store)
    assert len(sim.system_users()) == n
    setup_seconds = time.monotonic() - t0
    sim.clear_calls()

    cmd = [
        sys.executable, "-m", "altinn_systemuser", "change-campaign", "--db", db, "--system-id", STANDARD_SYSTEM,
        "--env", sim.base, "--sim-vendor", VENDOR, "--no-progress",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        # Halfway, and while some change requests made are not yet written back (the store
        # commits every 50 rows): the kill loses those write-backs, the rerun must find them.
        made = len(sim.change_requests())
        if made >= n // 2 and made - sum(1 for r in rows(db) if r["altinn_change_id"]) >= 10:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed: " + proc.stderr.read().decode()[-500:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    made_by_first_run = len(sim.change_requests())
    assert n // 2 <= made_by_first_run < n
    recorded = {r["customer_id"]: r["altinn_change_id"] for r in rows(db) if r["altinn_change_id"]}
    assert len(recorded) < n  # the kill left work undone
    assert made_by_first_run - len(recorded) >= 10  # made, but their write-back lost

    done = subprocess.run(cmd + ["--json"], capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    rep = json.loads(done.stdout)["campaign"]
    assert rep["total"] == n and rep["skipped"] == len(recorded)
    assert rep["created"] + rep["existing"] == n - len(recorded)
    # The change requests the kill left unrecorded were found again (the same derived
    # correlation id), not made a second time.
    assert rep["existing"] == made_by_first_run - len(recorded)
    assert rep["created"] == n - made_by_first_run
    assert rep["failed"] == rep["invalid"] == rep["no_system_user"] == rep["retry_later"] == 0

    # Every customer exactly one change request, the one its row names, asking for its change.
    final = rows(db)
    stored = sim.change_requests()
    per_user = Counter(c["systemUserId"] for c in stored)
    duplicates = sum(k - 1 for k in per_user.values())
    assert len(stored) == n and len(per_user) == n and duplicates == 0
    by_user = {c["systemUserId"]: c for c in stored}
    for i, r in enumerate(final):
        c = by_user[r["altinn_system_user_id"]]
        assert r["altinn_change_id"] == c["id"] and r["altinn_change_status"] == "New"
        assert c["partyOrgNo"] == r["org_no"] and r["altinn_system_user_id"] == r["altinn_request_id"]
        assert [p["urn"] for p in c["requiredAccessPackages"]] == [MVA]
        if i % 10 == 0:
            assert [p["urn"] for p in c["unwantedAccessPackages"]] == [PKG]
            assert r["altinn_change_asked"] == "+merverdiavgift -skattegrunnlag"
        else:
            assert c["unwantedAccessPackages"] == [] and r["altinn_change_asked"] == "+merverdiavgift"
        assert r["altinn_held"] == "skattegrunnlag"
        assert r["altinn_change_confirm_url"].startswith(sim.base + "/accessmanagement/ui/systemuser/changerequest?id=")
    assert all(recorded[cid] == next(r for r in final if r["customer_id"] == cid)["altinn_change_id"] for cid in recorded)

    calls = vendor_routes(sim)
    assert calls["create_change_request"] == n + rep["existing"]  # a POST per customer, plus one per replay
    show(
        "",
        "change campaign, killed with SIGKILL halfway and run again:",
        f"  customers                    {n}",
        f"  change requests created      {len(stored)} ({made_by_first_run} by the killed run, {rep['created']} by the rerun;"
        f" {rep['existing']} found again, {rep['skipped']} skipped)",
        f"  duplicates                   {duplicates}",
        f"  HTTP calls (/_sim/calls)     {sum(calls.values())}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(calls.items())),
        f"  (setup: 1,000 onboarded and approved in {setup_seconds:.1f} s; rerun {rep['seconds']:.1f} s)",
    )

    # The customers decide: 900 accept, 50 reject, 50 never answer.
    ids = [r["altinn_change_id"] for r in final]
    for cid in ids[:900]:
        sim.approve_change(cid)
    for cid in ids[900:950]:
        sim.reject_change(cid)
    campaign = ChangeCampaign(client, STANDARD_SYSTEM)
    with SqliteStore(db, row_type=ChangeRow) as store:
        w = campaign.watch(store, max_rounds=1, progress=False)
    assert not w.done and w.pending == 50 and w.decided == 950 and w.asked == n
    assert w.by_status == {"Accepted": 900, "Rejected": 50, "New": 50}
    # 181 days later, the rest have timed out.
    later = Client(sim.environment, token=sim.token_provider(), clock=SystemClock(dt.timedelta(days=181)))
    with SqliteStore(db, row_type=ChangeRow) as store:
        w = ChangeCampaign(later, STANDARD_SYSTEM).watch(store, interval=0.01, max_rounds=3, progress=False)
    assert w.done and w.by_status == {"Accepted": 900, "Rejected": 50, "TimedOut": 50}
    final = rows(db)
    held = {u["id"]: sorted(p["urn"] for p in u["accessPackages"]) for u in sim.system_users()}
    for i, r in enumerate(final[:900]):
        want = [MVA] if i % 10 == 0 else [MVA, PKG]
        assert held[r["altinn_system_user_id"]] == want
        assert r["altinn_held"] == ("merverdiavgift" if i % 10 == 0 else "merverdiavgift skattegrunnlag")
    assert all(held[r["altinn_system_user_id"]] == [PKG] and r["altinn_held"] == "skattegrunnlag" for r in final[900:])

    # A third run asks nothing: accepted ones hold what their rows say, the others were asked.
    sim.clear_calls()
    with SqliteStore(db, row_type=ChangeRow) as store:
        again = campaign.run(store, progress=False)
    assert again.skipped == n and again.created == again.existing == 0 and again.http_requests == 0
    assert vendor_routes(sim) == Counter()
    assert len(sim.change_requests()) == n


def test_change_campaign_csv_through_the_commands(client, sim, tmp_path, capsys):
    orgs = sim.orgs[1000:1008]
    csv_path = tmp_path / "customers.csv"
    wanted = ["skattegrunnlag merverdiavgift"] * 5 + ["skattegrunnlag", "", "merverdiavgift"]
    lines = ["customer_id,org_no,name,packages"] + [f"K/{i}.7,{o},Kunde {i},{w}" for i, (o, w) in enumerate(zip(orgs, wanted))]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = CsvStore(csv_path)
    rep = Onboarding(client, STANDARD_SYSTEM, access_packages=[PKG]).run(store, progress=False)
    store.close()
    assert rep.created == 8
    # The last customer never approves its request: it has no system user yet.
    for r in sim.requests():
        if r["partyOrgNo"] != orgs[7]:
            sim.approve(r["id"])
    base = ["--db", str(csv_path), "--system-id", STANDARD_SYSTEM, "--env", sim.base, "--sim-vendor", VENDOR,
            "--json", "--no-progress"]
    # Bad usage: exit 2, nothing asked.
    assert cli_main(["change-campaign", *base, "--require", "merverdiavgift", "--remove", MVA]) == 2
    assert cli_main(["change-campaign", *base, "--packages-column", "no such"]) == 2
    capsys.readouterr()
    assert sim.change_requests() == []
    sim.clear_calls()
    code = cli_main(["change-campaign", *base])
    out = json.loads(capsys.readouterr().out)["campaign"]
    assert code == 1  # a customer without a system user needs a person (or a finished onboarding)
    assert out["created"] == 5 and out["up_to_date"] == 2 and out["no_system_user"] == 1
    assert out["errors"][0]["customer_id"] == "K/7.7"
    # Up to date: answered by the component itself, no POST.
    assert vendor_routes(sim)["create_change_request"] == 5
    cs = CsvStore(csv_path, row_type=ChangeRow).load()
    assert [c.change_status for c in cs] == ["New"] * 5 + ["NoChangeNeeded"] * 2 + [""]
    assert [c.change_note for c in cs] == ["created"] * 5 + ["up-to-date"] * 2 + ["no-system-user"]
    assert all(c.change_asked == "+merverdiavgift" for c in cs[:5])
    assert cs[0].name == "Kunde 0" and cs[0].request_id and cs[0].external_ref.startswith("c-")  # onboarding's columns kept

    # The last customer approves; the next run asks it, and only it.
    sim.approve(next(r["id"] for r in sim.requests() if r["partyOrgNo"] == orgs[7]))
    code = cli_main(["change-campaign", *base])
    out = json.loads(capsys.readouterr().out)["campaign"]
    assert code == 0 and out["created"] == 1 and out["skipped"] == 7
    cs = CsvStore(csv_path, row_type=ChangeRow).load()
    assert cs[7].change_asked == "+merverdiavgift -skattegrunnlag"

    for c in cs:
        if c.change_id:
            sim.approve_change(c.change_id)
    code = cli_main(["change-watch", *base, "--interval", "0.01", "--max-rounds", "3"])
    out = json.loads(capsys.readouterr().out)["watch"]
    assert code == 0 and out["done"] and out["by_status"] == {"Accepted": 6} and out["decided"] == 6
    held = {u["reporteeOrgNo"]: sorted(p["urn"] for p in u["accessPackages"]) for u in sim.system_users()}
    assert [held[o] for o in orgs] == [[MVA, PKG]] * 5 + [[PKG], [PKG], [MVA]]
    assert len(sim.change_requests()) == 6


def test_a_campaign_wide_change_then_another(client, sim, tmp_path):
    orgs = sim.orgs[1100:1120]
    db = str(tmp_path / "erp.db")
    make_db(db, orgs)  # no packages column: the campaign says what everyone should hold
    with SqliteStore(db) as store:
        onboard_and_approve(client, sim, store)
    first = ChangeCampaign(client, STANDARD_SYSTEM, require=["merverdiavgift"], remove=[PKG])
    with SqliteStore(db, row_type=ChangeRow) as store:
        rep = first.run(store, progress=False)
        assert rep.created == 20
        for c in sim.change_requests():
            sim.approve_change(c["id"])
        assert first.watch(store, progress=False).done
    assert {r["altinn_held"] for r in rows(db)} == {"merverdiavgift"}
    # The next change builds on what is held now (known from the accepted change, not asked of Altinn).
    second = ChangeCampaign(client, STANDARD_SYSTEM, require=["regnskap-okonomi-rapport"])
    with SqliteStore(db, row_type=ChangeRow) as store:
        rep = second.run(store, progress=False)
    assert rep.created == 20
    asked = [c for c in sim.change_requests() if c["status"] == "New"]
    assert len(asked) == 20 and all(
        [p["urn"] for p in c["requiredAccessPackages"]] == [REPORT] and c["unwantedAccessPackages"] == [] for c in asked
    )
    assert {r["altinn_change_asked"] for r in rows(db)} == {"+regnskap-okonomi-rapport"}
    # Run again while they wait: nothing new.
    with SqliteStore(db, row_type=ChangeRow) as store:
        assert second.run(store, progress=False).skipped == 20
    assert len(sim.change_requests()) == 40
