"""Client delegation (API.md §12) through the package, over real HTTP against a simulator of its
own (the fixture plus 40 clients of bureau 310816191 holding both of the agent's packages):

- from nothing: the vendor registers its systems by API, the bureau approves a klientadministrator
  system user and an agent system user, and the bureau's software delegates a client, lists and
  removes it, by org number;
- one token exchange for many calls (counted on `/_sim/calls`), renewed after it expires (the
  client's clock moved past it, the simulator's exchanged tokens made to live one minute);
- token mode: the host's token (the bureau's system-user token) exchanged the same way; a token
  of another bureau refused;
- every refusal typed with its advice, and no Maskinporten or Altinn token (the simulator's secret
  log: every token it minted) in any error, repr or log line, an echoing server included;
- the bulk helper: a summary (added, already delegated, refused with the reason), progress, exit
  codes; interrupted half-way in-process, and its CLI killed with SIGKILL half-way, then rerun:
  nothing added twice.
"""

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from altinn_systemuser import (
    AgentRequest,
    AgentSystemUser,
    SystemUserError,
    AltinnError,
    Bureau,
    BureauClient,
    Client,
    ClientLink,
    ClientList,
    ForbiddenError,
    Maskinporten,
    MaskinportenError,
    NotFoundError,
    RegisteredSystem,
    RsaSigner,
    StandardRequest,
    SystemClock,
    TokenError,
    UnauthorizedError,
    ValidationError,
)
from altinn_systemuser.cli import main as cli_main
from altinn_systemuser.delegation import ClientStatus, delegate_clients, read_client_list
from altinn_systemuser.testing import AGENT_SYSTEM, STANDARD_SYSTEM, VENDOR, Simulator, builtin_fixture, valid_org_numbers
from conftest import CLIENT_ID, CLIENT_KEY, KEYS, KID
from shared import leaks, texts_of

BUREAU = "310816191"
BUREAU_REF = "byraa-selv"
R_LONN = "urn:altinn:accesspackage:regnskapsforer-lonn"
R_MED = "urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet"
KLIENTADM = "urn:altinn:accesspackage:klientadministrator"
SCOPES = ["altinn:clientdelegations.read", "altinn:clientdelegations.write"]
#: Fixture clients of 310816191 (simulator/README.md): 314224965 holds both packages, 317103360
#: only r-lonn (AUTH-00080), 316859356 neither (not available: AUTH-00079).
BOTH, LACKS_ONE, NOT_A_CLIENT = "314224965", "317103360", "316859356"
EXTRA_CLIENTS = 40
#: A JWT the simulator never issued (`{"exp": 4102444800}`).
CANNED_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln"


# -- the simulator of this module ---------------------------------------------------------------


@pytest.fixture(scope="module")
def dsim():
    """A simulator whose bureau 310816191 has 40 more clients holding r-lonn and r-med, its
    secrets appended to the secret log (`make test`'s, or a file of this module)."""
    own_log = None
    if not os.environ.get("ALTINN_SIM_SECRET_LOG"):
        own_log = tempfile.NamedTemporaryFile(prefix="secret-log-", suffix=".txt", delete=False).name
        os.environ["ALTINN_SIM_SECRET_LOG"] = own_log
    log_path = Path(os.environ["ALTINN_SIM_SECRET_LOG"])
    log_start = log_path.stat().st_size if log_path.exists() else 0
    fx = builtin_fixture()
    known = {o["orgNo"] if isinstance(o, dict) else o for o in fx["organizations"]}
    extra = [o for o in valid_org_numbers(EXTRA_CLIENTS + len(known), start=33000000) if o not in known][:EXTRA_CLIENTS]
    fx["organizations"] += [
        {"orgNo": o, "name": f"KLIENT {i} AS", "partyUuid": str(uuid.uuid5(uuid.NAMESPACE_OID, o))} for i, o in enumerate(extra)
    ]
    fx["clientRelations"] += [{"bureau": BUREAU, "client": o, "packages": [R_LONN, R_MED]} for o in extra]
    tmp = tempfile.mkdtemp(prefix="delegation-fixture-")
    path = os.path.join(tmp, "fixture.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(fx, f)
    try:
        s = Simulator.start(args=["--fixtures", path])
    finally:
        if own_log is not None:
            del os.environ["ALTINN_SIM_SECRET_LOG"]
    s.extra_clients = extra
    s.party_uuids = {o["orgNo"]: o.get("partyUuid") for o in fx["organizations"] if isinstance(o, dict)}
    s.defaults = s.settings()
    s.secret_log = (log_path, log_start)
    yield s
    s.stop()
    if own_log is not None:
        os.unlink(own_log)
    os.unlink(path)
    os.rmdir(tmp)


@pytest.fixture
def sim(dsim):
    dsim.reset()
    dsim.admin("PUT", "settings", dsim.defaults)
    yield dsim
    dsim.admin("DELETE", "faults")


def secrets_of(sim):
    """Every secret the simulator wrote to the secret log since it started (tokens it minted,
    exchanged tokens, assertions it received)."""
    path, start = sim.secret_log
    with open(path, encoding="utf-8") as f:
        f.seek(start)
        return [line.strip() for line in f if line.strip()]


def vendor_client(sim):
    return Client(sim.environment, token=sim.token_provider(), timeout=5.0, retries=1, backoff=0.01)


def bureau_client(sim, clock=None, client_id=CLIENT_ID, key=CLIENT_KEY, kid=KID):
    """The bureau's software: Maskinporten mode with the vendor's client (the component gets the
    bureau's system-user token itself)."""
    kw = {} if clock is None else {"clock": clock}
    return Client(
        sim.environment, maskinporten=Maskinporten(client_id, RsaSigner.from_file(key, kid=kid)),
        timeout=5.0, retries=1, backoff=0.01, **kw,
    )


def approve_agent(sim, system_id=AGENT_SYSTEM, packages=(R_LONN, R_MED), bureau=BUREAU):
    """The bureau approves an agent request of the vendor's; its system user's id."""
    created = vendor_client(sim).create_agent_request(
        AgentRequest(system_id=system_id, party_org_no=bureau, access_packages=list(packages))
    )
    return sim.approve(created.request.id)["systemUserId"]


def setup_bureau(sim):
    """The bureau approved its klientadministrator system user (once) and an agent system user."""
    sim.admin("POST", "clientadministrators", {"orgNo": BUREAU, "externalRef": BUREAU_REF})
    return Bureau(BUREAU, BUREAU_REF), approve_agent(sim)


def routes(sim):
    return Counter(c["route"] for c in sim.calls() if not c["path"].startswith("/_sim/"))


def delegated(sim, agent):
    """The org numbers delegated to the agent system user, by the simulator's own state."""
    return [c if isinstance(c, str) else c["orgNo"] for c in sim.system_user(agent)["clients"]]


# -- the story from nothing -----------------------------------------------------------------------


def test_from_nothing_register_request_approve_delegate_list_remove(sim):
    vendor = vendor_client(sim)
    # The vendor registers its systems: a standard one holding klientadministrator (its
    # Maskinporten client is the spare one) and an agent (client) system, not visible.
    vendor.register_system(
        RegisteredSystem(
            id=f"{VENDOR}_byraaportal", vendor_org_no=VENDOR, name="Byråportal", description="For byråer",
            access_packages=["klientadministrator"], client_ids=["sim-spare-client"], is_visible=True,
        )
    )
    vendor.register_system(
        {
            "id": f"{VENDOR}_klientsystem", "vendor": {"ID": f"0192:{VENDOR}"},
            "name": {"nb": "Klientsystem", "nn": "Klientsystem", "en": "Client system"},
            "description": {"nb": "Lønn", "nn": "Løn", "en": "Payroll"},
            "accessPackages": [{"urn": R_LONN}, {"urn": R_MED}], "isVisible": False,
        }
    )
    # The requests, approved by the bureau.
    standard = vendor.create_standard_request(
        StandardRequest(system_id=f"{VENDOR}_byraaportal", party_org_no=BUREAU, external_ref=BUREAU_REF,
                        access_packages=["urn:altinn:accesspackage:klientadministrator"])
    )
    sim.approve(standard.request.id)
    agent_id = approve_agent(sim, f"{VENDOR}_klientsystem")

    # The bureau's software, with the vendor's (spare) Maskinporten client of that system.
    sim.clear_calls()
    bureau = bureau_client(
        sim, client_id="sim-spare-client", key=KEYS / "TEST-ONLY-spare-client-key.pk8.pem", kid="sim-spare-key-1"
    )
    b = Bureau(BUREAU, BUREAU_REF)
    agents = bureau.list_agents(b)
    assert [a.id for a in agents] == [agent_id]
    assert isinstance(agents[0], AgentSystemUser) and agents[0].system_id == f"{VENDOR}_klientsystem"
    assert {p.urn for p in agents[0].access_packages} == {R_LONN, R_MED}

    available = bureau.list_available_clients(b, agents[0])
    assert isinstance(available, ClientList) and available.system_user_id == agent_id and available.owner_org_no == BUREAU
    assert BOTH in available and LACKS_ONE in available and NOT_A_CLIENT not in available

    link = bureau.add_client(b, agent_id, BOTH)  # by org number
    assert link == ClientLink(agent_id, available.find(BOTH).id)
    listed = bureau.list_clients(b, agent_id)
    assert listed.org_nos == [BOTH] and isinstance(listed.clients[0], BureauClient) and listed.clients[0].name
    assert delegated(sim, agent_id) == [BOTH]

    assert bureau.remove_client(b, agent_id, BOTH) == link
    assert bureau.list_clients(b, agent_id).clients == [] and delegated(sim, agent_id) == []
    # A client not delegated is no error to remove (by party uuid).
    assert bureau.remove_client(b, agent_id, link.client) == link

    calls = routes(sim)
    assert calls["maskinporten_token"] == 1 and calls["exchange_token"] == 1, calls


# -- the exchange: once for many calls, renewed --------------------------------------------------


def test_one_exchange_serves_many_calls_and_is_renewed_after_it_expires(sim, show):
    sim.settings(jwtValidityMinutes=1)  # the exchanged token lives 60 s (cached until 30 s before)
    b, agent = setup_bureau(sim)
    clock = SystemClock(0)
    bureau = bureau_client(sim, clock=clock)
    sim.clear_calls()
    bureau.list_agents(b)
    bureau.list_available_clients(b, agent)
    bureau.add_client(b, agent, BOTH)
    bureau.add_client(b, agent, sim.extra_clients[0])
    bureau.list_clients(b, agent)
    bureau.remove_client(b, agent, BOTH)
    bureau.list_clients(b, agent)
    first = routes(sim)
    delegation_calls = sum(first[r] for r in ("list_agents", "list_available_clients", "list_clients", "add_client", "remove_client"))
    assert delegation_calls >= 9, first
    assert first["exchange_token"] == 1 and first["maskinporten_token"] == 1, first

    # 35 s later by the client's clock: the exchanged token is within 30 s of its expiry, so it is
    # exchanged again; the bureau's Maskinporten token (120 s) is still good and is reused. The
    # new exchanged token lives the shipped 30 minutes and serves the calls after it.
    sim.settings(jwtValidityMinutes=30)
    clock.offset = dt.timedelta(seconds=35)
    bureau.list_clients(b, agent)
    renewed = routes(sim)
    assert renewed["exchange_token"] == 2 and renewed["maskinporten_token"] == 1, renewed
    bureau.list_agents(b)
    bureau.list_clients(b, agent)
    later = routes(sim)
    assert later["exchange_token"] == 2 and later["maskinporten_token"] == 1, later
    show(f"  client delegation: {delegation_calls + 3} delegation calls, {later['exchange_token']} exchanges "
         f"(1 renewal after expiry), {later['maskinporten_token']} Maskinporten grant")


def test_token_mode_exchanges_the_hosts_bureau_token_and_refuses_another_bureaus(sim):
    b, agent = setup_bureau(sim)
    # The bureau's own system-user token, as the host's token provider would hold it.
    bureau_token = bureau_client(sim).system_user_token(BUREAU, BUREAU_REF, scopes=SCOPES).token
    asked = []

    def provider(scopes):
        asked.append(list(scopes))
        return bureau_token

    host = Client(sim.environment, token=provider, timeout=5.0, retries=1)
    sim.clear_calls()
    assert [a.id for a in host.list_agents(b)] == [agent]
    host.add_client(b, agent, BOTH)
    assert host.list_clients(b, agent).org_nos == [BOTH]
    host.remove_client(b, agent, BOTH)
    assert asked == [SCOPES], asked  # asked once, for exactly the two scopes
    assert routes(sim)["exchange_token"] == 1

    # Another bureau's klientadministrator token given for 310816191: the exchanged token acts
    # for 314224965, and is refused before any delegation call.
    sim.admin("POST", "clientadministrators", {"orgNo": "314224965"})
    other = bureau_client(sim).system_user_token("314224965", scopes=SCOPES).token
    wrong = Client(sim.environment, token=lambda scopes: other, timeout=5.0, retries=0)
    sim.clear_calls()
    with pytest.raises(TokenError) as e:
        wrong.list_agents(b)
    assert "314224965" in str(e.value) and BUREAU in str(e.value)
    assert leaks(texts_of(e.value), [other]) == []
    assert set(routes(sim)) == {"exchange_token"}


# -- refusals ---------------------------------------------------------------------------------------


def test_every_refusal_is_typed_with_advice_and_no_token_shows(sim, caplog):
    caplog.set_level(logging.DEBUG)
    b, agent = setup_bureau(sim)
    bureau = bureau_client(sim)
    errors = []

    def expect(cls, call):
        with pytest.raises(cls) as e:
            call()
        errors.append(e.value)
        return e.value

    # A vendor's own token (exchanged): the empty 403, with what to do.
    vendor = Client(sim.environment, token=sim.token_provider(), timeout=5.0, retries=0)
    e = expect(ForbiddenError, lambda: vendor.list_agents(b))
    assert e.status == 403 and "klientadministrator" in str(e) and "approve" in str(e)
    # The bureau's standard system user without klientadministrator: 403 as well.
    plain = vendor.create_standard_request(
        StandardRequest(system_id=STANDARD_SYSTEM, party_org_no="314224965", external_ref="uten-klientadm",
                        access_packages=["urn:altinn:accesspackage:skattegrunnlag"])
    )
    sim.approve(plain.request.id)
    e = expect(ForbiddenError, lambda: bureau.list_agents(Bureau("314224965", "uten-klientadm")))
    assert "klientadministrator" in str(e)
    # A bureau without such a system user at all: Maskinporten says so (MP-303).
    e = expect(MaskinportenError, lambda: bureau.list_agents(Bureau("312317761")))
    assert e.code == "MP-303" and "approved" in str(e)

    # A client lacking one of the agent's packages, and one that is not the bureau's.
    e = expect(AltinnError, lambda: bureau.add_client(b, agent, LACKS_ONE))
    assert e.code == "AUTH-00080" and "lacks" in str(e) and "package" in str(e)
    e = expect(AltinnError, lambda: bureau.add_client(b, agent, sim.party_uuids[NOT_A_CLIENT]))
    assert e.code == "AUTH-00079" and "not one of the bureau's clients" in str(e)
    # By org number the package finds it in neither list: refused before any add is sent.
    sim.clear_calls()
    e = expect(ValidationError, lambda: bureau.add_client(b, agent, NOT_A_CLIENT))
    assert e.codes == ["AUTH-00079"] and NOT_A_CLIENT in str(e)
    assert routes(sim)["add_client"] == 0
    e = expect(ValidationError, lambda: bureau.add_client(b, agent, "123456789"))
    assert e.codes == ["org-no-checksum"]
    e = expect(ValidationError, lambda: bureau.add_client(b, agent, "../../admin"))  # not a uuid either
    # No such agent system user; a system user that is not an agent.
    e = expect(AltinnError, lambda: bureau.list_clients(b, "11111111-2222-4333-8444-555555555555"))
    assert "AUTH.VLD-00014" in e.codes
    klientadm = next(u["id"] for u in sim.system_users() if u["kind"] == "standard" and u["reporteeOrgNo"] == BUREAU)
    e = expect(AltinnError, lambda: bureau.list_clients(b, klientadm))
    assert "AUTH.VLD-00015" in e.codes
    # Access Management failing behind the routes.
    sim.settings(accessManagementFailure="writes")
    e = expect(AltinnError, lambda: bureau.add_client(b, agent, sim.party_uuids[BOTH]))
    assert e.code == "AUTH-00002"
    sim.settings(accessManagementFailure="none")
    bureau.add_client(b, agent, BOTH)
    sim.settings(accessManagementFailure="writes")
    e = expect(AltinnError, lambda: bureau.remove_client(b, agent, sim.party_uuids[BOTH]))
    assert e.code == "AUTH-00031"
    sim.settings(accessManagementFailure="reads")
    e = expect(AltinnError, lambda: bureau.list_clients(b, agent))
    assert e.code == "AUTH-00045"
    sim.settings(accessManagementFailure="none")
    # The owner taken out of the register: the untitled 404.
    sim.admin("DELETE", f"organizations/{BUREAU}")
    e = expect(NotFoundError, lambda: bureau.list_clients(b, agent))
    assert e.status == 404
    sim.reset()
    b, agent = setup_bureau(sim)
    bureau = bureau_client(sim)
    # A token the exchange does not accept (host token mode): 401.
    e = expect(UnauthorizedError, lambda: Client(sim.environment, token=lambda s: CANNED_JWT, retries=0).list_agents(b))
    assert e.status == 401
    # A server that quotes the tokens back: the exchange's (the Maskinporten token), and a
    # delegation route's (the Altinn token).
    sim.fault("add_client", "echo_token")
    errors.append(pytest.raises(SystemUserError, bureau.add_client, b, agent, sim.party_uuids[BOTH]).value)
    sim.fault("exchange_token", "echo_token")
    errors.append(pytest.raises(SystemUserError, bureau_client(sim).list_agents, b).value)

    secrets = secrets_of(sim)
    assert len(secrets) >= 8, "the simulator's secret log holds the tokens of this test"
    texts = [t for err in errors for t in texts_of(err)] + [r.getMessage() for r in caplog.records]
    texts += [repr(bureau), repr(b), repr(vendor)]
    assert leaks(texts, secrets) == []


# -- the bulk helper --------------------------------------------------------------------------------


def test_bulk_delegation_summary_progress_and_reasons(sim):
    b, agent = setup_bureau(sim)
    bureau = bureau_client(sim)
    extra = sim.extra_clients[:3]
    bureau.add_client(b, agent, extra[0])  # delegated before: "already"
    seen = []
    wanted = [BOTH, *extra, LACKS_ONE, NOT_A_CLIENT, "123456789", f"0192:{extra[1]}", BOTH]
    sim.clear_calls()
    report = delegate_clients(bureau, b, agent, wanted, on_progress=lambda r, done, total: seen.append((r.org_no, r.status, done, total)))

    assert [r.org_no for r in report.results] == [BOTH, *extra, LACKS_ONE, NOT_A_CLIENT, "123456789"]
    assert [s for _, s, _, _ in seen] == [r.status for r in report.results]
    assert [(d, t) for _, _, d, t in seen] == [(i, 7) for i in range(1, 8)]
    assert {r.org_no for r in report.added} == {BOTH, extra[1], extra[2]}
    assert [r.org_no for r in report.already] == [extra[0]]
    refused = {r.org_no: r for r in report.refused}
    assert {o: r.code for o, r in refused.items()} == {
        LACKS_ONE: "AUTH-00080", NOT_A_CLIENT: "AUTH-00079", "123456789": "org-no-checksum"
    }
    assert all(r.reason for r in report.refused)
    assert report.exit_code == 1 and not report.ok
    assert report.summary().startswith("7 clients: 3 added, 1 already delegated, 3 refused, 0 to retry later")
    # One read of each list, one add per client to add; the 079 and the invalid one sent nothing.
    calls = routes(sim)
    assert (calls["list_clients"], calls["list_available_clients"], calls["add_client"]) == (1, 1, 4), calls
    assert sorted(delegated(sim, agent)) == sorted([BOTH, *extra])


def test_bulk_delegation_interrupted_half_way_and_rerun_adds_nothing_twice(sim):
    b, agent = setup_bureau(sim)
    bureau = bureau_client(sim)
    wanted = sim.extra_clients[:20]

    def stop_after_ten(r, done, total):
        if done == 10:
            raise KeyboardInterrupt  # what Ctrl-C does between two clients

    sim.clear_calls()
    with pytest.raises(KeyboardInterrupt):
        delegate_clients(bureau, b, agent, wanted, on_progress=stop_after_ten)
    assert len(delegated(sim, agent)) == 10
    report = delegate_clients(bureau, b, agent, wanted)
    assert (len(report.already), len(report.added), len(report.refused)) == (10, 10, 0)
    assert [r.org_no for r in report.already] == wanted[:10] and report.exit_code == 0
    assert sorted(delegated(sim, agent)) == sorted(wanted)
    assert routes(sim)["add_client"] == 20  # each client added once over both runs


def test_bulk_lost_answers_are_settled_and_an_unanswering_altinn_is_retry_later(sim):
    b, agent = setup_bureau(sim)
    bureau = bureau_client(sim)
    wanted = sim.extra_clients[:10]
    # The first add is done by the server but its answer is lost: the list read at the end says
    # it was added. Then 503s (each add tried twice, the client's retry): with the lost one, 5
    # adds in a row unanswered, and the other 5 clients are left untried.
    sim.fault("add_client", "lost_response", count=1)
    sim.fault("add_client", "status503", count=100)
    report = delegate_clients(bureau, b, agent, wanted)
    assert report.results[0].status is ClientStatus.ADDED and "lost" in report.results[0].reason
    retry = report.retry_later
    assert [r.code for r in retry] == ["unavailable"] * 4 + ["not-tried"] * 5, [(r.code, r.reason) for r in retry]
    assert report.exit_code == 4 and not report.refused
    # Run again once Altinn answers: the rest is added, the first not again.
    sim.admin("DELETE", "faults")
    sim.clear_calls()
    again = delegate_clients(bureau, b, agent, wanted)
    assert len(again.already) == 1 and len(again.added) == 9 and again.exit_code == 0
    assert routes(sim)["add_client"] == 9
    assert sorted(delegated(sim, agent)) == sorted(wanted)


def _cli(sim, agent, clients_arg, *extra):
    return [
        sys.executable, "-m", "altinn_systemuser", "delegate-clients", "--env", sim.base,
        "--client-id", CLIENT_ID, "--key", str(CLIENT_KEY), "--kid", KID,
        "--bureau", BUREAU, "--bureau-ref", BUREAU_REF, "--agent", agent, "--clients", *clients_arg, *extra,
    ]


def test_bulk_cli_killed_half_way_and_rerun_adds_nothing_twice(sim, tmp_path, show):
    b, agent = setup_bureau(sim)
    n = EXTRA_CLIENTS
    clients_file = tmp_path / "klienter.txt"
    clients_file.write_text("# klientene som skal delegeres\n" + "\n".join(sim.extra_clients) + "\n", encoding="utf-8")
    assert read_client_list(str(clients_file)) == sim.extra_clients
    # Each add takes 60 ms on the server, so the kill lands half-way.
    sim.fault("add_client", "delay", delayMs=60, count=10_000)
    sim.clear_calls()
    err = open(tmp_path / "first.err", "w+b")
    proc = subprocess.Popen(_cli(sim, agent, [str(clients_file)]), stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and len(delegated(sim, agent)) < n // 2:
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.3)  # an add in flight when the process died is committed late by the server
    by_first_run = len(delegated(sim, agent))
    assert n // 2 <= by_first_run < n
    err.seek(0)
    first_err = err.read()
    err.close()
    assert b"clients [" in first_err, "progress on stderr"

    sim.admin("DELETE", "faults")
    done = subprocess.run(_cli(sim, agent, [str(clients_file)], "--json"), capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    rep = json.loads(done.stdout)
    assert (rep["total"], rep["alreadyDelegated"], rep["added"], rep["refused"]) == (n, by_first_run, n - by_first_run, 0)
    assert b"clients [" in done.stderr
    final = delegated(sim, agent)
    assert sorted(final) == sorted(sim.extra_clients) and len(final) == n
    adds = routes(sim)["add_client"]
    assert adds == n, f"{adds} adds for {n} clients: one was added twice"
    outputs = [first_err.decode(), done.stdout.decode(), done.stderr.decode()]
    assert leaks(outputs, secrets_of(sim)) == []
    show(f"  delegate-clients killed with SIGKILL after {by_first_run} of {n} clients, rerun: "
         f"{rep['alreadyDelegated']} already delegated, {rep['added']} added, {adds} adds in all (0 duplicates)")


def test_cli_lists_agents_and_exits_1_with_the_reasons_when_a_client_is_refused(sim, capsys):
    b, agent = setup_bureau(sim)
    base = ["--env", sim.base, "--client-id", CLIENT_ID, "--key", str(CLIENT_KEY), "--kid", KID,
            "--bureau", BUREAU, "--bureau-ref", BUREAU_REF]
    assert cli_main(["agents", *base]) == 0
    out = capsys.readouterr().out
    assert agent in out and AGENT_SYSTEM in out and "regnskapsforer-lonn" in out

    code = cli_main(["delegate-clients", *base, "--agent", agent, "--clients", BOTH, f"{LACKS_ONE},{NOT_A_CLIENT}", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("3 clients: 1 added, 0 already delegated, 2 refused, 0 to retry later")
    assert f"{LACKS_ONE}: refused [AUTH-00080]" in out and f"{NOT_A_CLIENT}: refused [AUTH-00079]" in out
    # Rerun with only what can be delegated: exit 0, nothing added.
    assert cli_main(["delegate-clients", *base, "--agent", agent, "--clients", BOTH, "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith("1 clients: 0 added, 1 already delegated")
    # A bad argument is bad usage.
    assert cli_main(["delegate-clients", *base, "--agent", agent, "--clients", "no-such-file.txt"]) == 2
