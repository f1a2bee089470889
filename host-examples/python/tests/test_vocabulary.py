"""The package's public names against tests/vocabulary.json, the one vocabulary every host follows
(the root README's table is written from it): operations are methods of `Client`, error kinds are
exported classes under the one base, statuses are Altinn's spelling, and the CLI reads the same
environment variables as the Rust CLI (tried for real against the simulator)."""

import json
from pathlib import Path

import altinn_systemuser as pkg
from altinn_systemuser import ChangeRequestStatus, Client, RequestStatus
from altinn_systemuser._compiled import CACHE_DIR_ENV
from altinn_systemuser._runtime import COMPONENT_ENV
from altinn_systemuser.cli import BASE_URL_ENV, ENV_ENV, TOKEN_ENV
from altinn_systemuser.cli import main as cli_main
from altinn_systemuser.testing import STANDARD_SYSTEM

VOCABULARY = json.loads((Path(__file__).resolve().parents[3] / "tests" / "vocabulary.json").read_text(encoding="utf-8"))
PKG = "urn:altinn:accesspackage:skattegrunnlag"


def named(table):
    return [(row["concept"], row["python"]) for row in VOCABULARY[table] if row.get("python")]


def test_every_operation_is_a_method_of_the_client_and_of_the_async_client():
    ops = named("operations")
    assert len(ops) >= 25
    for cls in (Client, pkg.AsyncClient):
        missing = [(c, n) for c, n in ops if not callable(getattr(cls, n, None))]
        assert missing == [], f"named in tests/vocabulary.json, not a method of {cls.__name__}"


def test_every_error_kind_is_an_exported_class_under_the_one_base():
    (_, base_name), *kinds = named("errors")
    base = getattr(pkg, base_name)
    assert base is pkg.SystemUserError
    for concept, name in kinds:
        cls = getattr(pkg, name, None)
        assert isinstance(cls, type) and issubclass(cls, base), f"{concept}: {name}"
    assert issubclass(pkg.AltinnError, pkg.ProblemError) and pkg.AltinnError is not base


def test_statuses_are_spelled_as_altinn_spells_them():
    assert [s.value for s in RequestStatus if s is not RequestStatus.UNKNOWN] == VOCABULARY["statuses"]["request"]
    change = [s.value for s in ChangeRequestStatus]
    assert all(s in change for s in VOCABULARY["statuses"]["change_request"])


def test_the_environment_variables_are_the_vocabularys():
    names = {n for e in VOCABULARY["environment"] for n in e["name"].split(", ") if {"python", "python-cli"} & set(e["read_by"])}
    assert names == {TOKEN_ENV, ENV_ENV, BASE_URL_ENV, CACHE_DIR_ENV, COMPONENT_ENV, "ALTINN_SIM"}


def test_the_cli_reads_the_base_url_and_the_token_from_the_environment(sim, tmp_path, capsys, monkeypatch):
    csv_path = tmp_path / "customers.csv"
    csv_path.write_text(f"customer_id,org_no\nk1,{sim.orgs[0]}\n", encoding="utf-8")
    monkeypatch.setenv(BASE_URL_ENV, sim.base)
    monkeypatch.setenv(ENV_ENV, "production")  # the base URL wins over the environment's name
    monkeypatch.setenv(TOKEN_ENV, sim.mint(["altinn:authentication/systemuser.request.read", "altinn:authentication/systemuser.request.write",
                                            "altinn:authentication/systemregister.write"]))
    code = cli_main(["onboard", "--db", str(csv_path), "--system-id", STANDARD_SYSTEM, "--package", PKG, "--no-progress", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert [r["partyOrgNo"] for r in sim.requests()] == [sim.orgs[0]]
