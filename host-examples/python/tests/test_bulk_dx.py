"""Bulk onboarding as a user expects it (issue #18): a row marked Invalid is tried again once its
data is fixed (or with --retry-invalid), a run with invalid rows exits non-zero every time, short
access package names work, an on_progress callback, and no empty database for a wrong path."""

import json
import sqlite3

import pytest

from altinn_systemuser import Client
from altinn_systemuser.bulk import Onboarding, SqliteStore
from altinn_systemuser.cli import main as cli_main
from altinn_systemuser.testing import STANDARD_SYSTEM, VENDOR

PKG = "urn:altinn:accesspackage:skattegrunnlag"
BAD_ORG = "123456789"  # fails the mod-11 check


def make_db(path, orgs):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (customer_id TEXT PRIMARY KEY, org_no TEXT, name TEXT)")
    db.executemany("INSERT INTO customers VALUES (?, ?, ?)", [(f"C{i}", o, f"Kunde {i}") for i, o in enumerate(orgs)])
    db.commit()
    db.close()


def row(path, cid):
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    r = dict(db.execute("SELECT * FROM customers WHERE customer_id = ?", (cid,)).fetchone())
    db.close()
    return r


def set_org(path, cid, org):
    db = sqlite3.connect(path)
    db.execute("UPDATE customers SET org_no = ? WHERE customer_id = ?", (org, cid))
    db.commit()
    db.close()


def onboard(sim, db, capsys, *extra):
    code = cli_main(
        ["onboard", "--db", str(db), "--system-id", STANDARD_SYSTEM, "--env", sim.base, "--sim-vendor", VENDOR,
         "--package", "skattegrunnlag", "--json", "--no-progress", *extra]
    )
    return code, json.loads(capsys.readouterr().out)["onboard"]


def test_an_invalid_row_keeps_the_exit_code_non_zero_until_its_data_is_fixed(sim, tmp_path, capsys):
    db = tmp_path / "erp.db"
    make_db(db, [sim.orgs[0], BAD_ORG, sim.orgs[1]])
    code, rep = onboard(sim, db, capsys)
    assert code == 1 and rep["created"] == 2 and rep["invalid"] == 1
    assert row(db, "C1")["altinn_status"] == "Invalid"
    # Run again, nothing changed: the row is not tried again, and the run still says so.
    code, rep = onboard(sim, db, capsys)
    assert code == 1
    assert rep["still_invalid"] == 1 and rep["invalid"] == 0 and rep["created"] == 0 and rep["skipped"] == 3
    assert rep["errors"][0]["customer_id"] == "C1" and "still invalid" in rep["errors"][0]["error"]
    # The ERP fixes the org number: the next run creates its request and exits 0.
    set_org(db, "C1", sim.orgs[2])
    code, rep = onboard(sim, db, capsys)
    assert code == 0, rep
    assert rep["created"] == 1 and rep["still_invalid"] == 0 and rep["invalid"] == 0
    r = row(db, "C1")
    assert r["altinn_status"] == "New" and r["altinn_request_id"] and r["altinn_error"] is None
    assert len(sim.requests()) == 3
    code, rep = onboard(sim, db, capsys)
    assert code == 0 and rep["skipped"] == 3


def test_retry_invalid_tries_unchanged_rows_again(sim, tmp_path, capsys):
    db = tmp_path / "erp.db"
    make_db(db, [BAD_ORG])
    assert onboard(sim, db, capsys)[0] == 1
    code, rep = onboard(sim, db, capsys, "--retry-invalid")
    assert code == 1 and rep["invalid"] == 1 and rep["still_invalid"] == 0  # tried, refused again
    # changed run options count as changed input too
    ob = Onboarding(Client(sim.environment, token=sim.token_provider()),
                    STANDARD_SYSTEM, access_packages=["skattegrunnlag"])
    with SqliteStore(db) as store:
        assert ob.run(store, progress=False).still_invalid == 1
    ob.integration_title = "Ny tittel"
    with SqliteStore(db) as store:
        r = ob.run(store, progress=False)
    assert r.still_invalid == 0 and r.invalid == 1


def test_short_package_names_in_the_command_and_the_api(sim, tmp_path, capsys):
    db = tmp_path / "erp.db"
    make_db(db, sim.orgs[10:12])
    code, rep = onboard(sim, db, capsys)
    assert code == 0 and rep["created"] == 2
    assert all([p["urn"] for p in r["accessPackages"]] == [PKG] for r in sim.requests())


def test_on_progress_is_called_after_every_row(client, sim, tmp_path):
    db = tmp_path / "erp.db"
    make_db(db, [sim.orgs[20], BAD_ORG, sim.orgs[21]])
    seen = []
    ob = Onboarding(client, STANDARD_SYSTEM, access_packages=["skattegrunnlag"])
    with SqliteStore(db) as store:
        rep = ob.run(store, progress=False, on_progress=lambda done, total, c, r: seen.append((done, total, c.customer_id, c.status)))
    assert [(d, t, cid) for d, t, cid, _ in seen] == [(1, 3, "C0"), (2, 3, "C1"), (3, 3, "C2")]
    assert [s for *_, s in seen] == ["New", "Invalid", "New"]
    assert rep.created == 2 and rep.invalid == 1 and not rep.ok
    with pytest.raises(TypeError, match="on_progress"):
        with SqliteStore(db) as store:
            ob.run(store, progress=False, on_progress="print")


def test_a_database_path_that_does_not_exist_is_refused_and_not_created(sim, tmp_path, capsys):
    missing = tmp_path / "typo.db"
    code = cli_main(["onboard", "--db", str(missing), "--system-id", STANDARD_SYSTEM, "--env", sim.base,
                     "--sim-vendor", VENDOR, "--package", PKG, "--json", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "no such database" in err
    assert not missing.exists()
    with pytest.raises(FileNotFoundError):
        SqliteStore(missing)
    assert not missing.exists()
