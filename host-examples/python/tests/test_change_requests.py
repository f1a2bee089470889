"""Change requests (API.md §11) end to end: through the component, against the simulator over
real HTTP. What reached the server is read from its own call log (`/_sim/calls`) and its store
(`/_sim/changerequests`, `/_sim/systemusers`)."""

import datetime as dt
import json
import uuid

import pytest

from altinn_systemuser import (
    NO_CHANGE_NEEDED,
    AccessPackage,
    ChangeRequest,
    ChangeRequestList,
    ChangeRequestStatus,
    Client,
    Component,
    ConflictError,
    CreatedChangeRequest,
    Environment,
    NoChangeNeeded,
    NotFoundError,
    Right,
    StandardRequest,
    SystemClock,
    SystemUserChangeRequest,
    ValidationError,
    AgentRequest,
)
from altinn_systemuser.testing import AGENT_SYSTEM, STANDARD_SYSTEM
from shared import CALLS, ROOT, wit_call

ORG = "310816191"
PKG = "urn:altinn:accesspackage:skattegrunnlag"
MVA = "urn:altinn:accesspackage:merverdiavgift"
AGENT_PKG = "urn:altinn:accesspackage:regnskapsforer-lonn"
RIGHT = "ske-krav-og-betalinger"


def approved_user(client, sim, org=ORG, ref="cust-1", packages=(PKG,)):
    """A standard system user the customer approved (its id is its request's)."""
    r = client.create_standard_request(StandardRequest(STANDARD_SYSTEM, org, external_ref=ref, access_packages=list(packages)))
    sim.approve(r.request.id)
    return r.request.id


def vendor_calls(sim):
    """The routes the client called since the log was cleared (admin routes left out)."""
    return [c for c in sim.calls() if not c["path"].startswith("/_sim/")]


def routes(sim):
    return [c["route"] for c in vendor_calls(sim)]


def change(ref="cust-1", org=ORG, **kw):
    kw.setdefault("required_access_packages", ["merverdiavgift"])
    return ChangeRequest(STANDARD_SYSTEM, org, external_ref=ref, **kw)


def test_the_model_takes_short_names_and_resource_ids():
    c = ChangeRequest(
        STANDARD_SYSTEM, ORG, required_access_packages="skattegrunnlag",
        unwanted_access_packages=[AccessPackage(MVA), " regnskap-okonomi-rapport "],
        required_rights=[RIGHT], unwanted_rights=[Right.for_resource("ske-innrapportering-a-ordning")],
    )
    assert c.required_access_packages == [AccessPackage(PKG)]
    assert c.unwanted_access_packages == [AccessPackage(MVA), AccessPackage("urn:altinn:accesspackage:regnskap-okonomi-rapport")]
    assert c.required_rights == [Right.for_resource(RIGHT)]
    assert not c.is_empty and ChangeRequest(STANDARD_SYSTEM, ORG).is_empty
    assert AccessPackage.of("urn:other:x").urn == "urn:other:x" and AccessPackage(PKG).short_name == "skattegrunnlag"
    assert ChangeRequestStatus.TIMED_OUT.is_terminal and not ChangeRequestStatus.NEW.is_terminal
    assert not ChangeRequestStatus.UNKNOWN.is_terminal


def test_create_get_by_external_ref_and_list(client, sim):
    uid = approved_user(client, sim)
    sim.clear_calls()
    created = client.create_change_request(
        change(unwanted_access_packages=["skattegrunnlag"], required_rights=[RIGHT])
    )
    assert isinstance(created, CreatedChangeRequest) and not created.no_change_needed
    assert created.is_new and not created.reconciled
    cr = created.change_request
    assert isinstance(cr, SystemUserChangeRequest)
    assert cr.status is ChangeRequestStatus.NEW and cr.effective_status is ChangeRequestStatus.NEW and not cr.is_terminal
    assert cr.system_user_id == uid and cr.party_org_no == ORG and cr.external_ref == "cust-1"
    assert cr.system_id == STANDARD_SYSTEM and str(uuid.UUID(cr.id)) == cr.id
    assert [p.urn for p in cr.required_access_packages] == [MVA]
    assert [p.urn for p in cr.unwanted_access_packages] == [PKG]
    assert cr.required_rights == [Right.for_resource(RIGHT)] and cr.unwanted_rights == []
    assert cr.confirm_url == f"{sim.base}/accessmanagement/ui/systemuser/changerequest?id={cr.id}&DONTCHOOSEREPORTEE=true"
    assert cr.created.tzinfo is not None and not cr.timed_out
    # The system user looked up by its key, the change checked against the system the client
    # read for approved_user's create (an instance keeps it five minutes: no second read), one POST.
    assert routes(sim) == ["get_system_user_by_query", "create_change_request"]

    got = client.get_change_request(cr.id)
    assert got == cr
    by_ref = client.get_change_request_by_external_ref(STANDARD_SYSTEM, ORG, "cust-1")
    assert by_ref.id == cr.id and by_ref.required_rights == cr.required_rights
    assert by_ref.required_access_packages == [] and by_ref.unwanted_access_packages == []  # the server's quirk
    listed = client.list_change_requests(STANDARD_SYSTEM)
    assert isinstance(listed, ChangeRequestList) and not listed.may_be_incomplete
    assert [c.id for c in listed] == [cr.id] and listed.items[0].confirm_url is None
    stored = sim.change_requests()
    assert len(stored) == 1 and stored[0]["id"] == cr.id and stored[0]["status"] == "New"


def test_the_same_change_again_finds_the_same_change_request(client, sim):
    approved_user(client, sim)
    first = client.create_change_request(change(required_access_packages=["merverdiavgift", "regnskap-okonomi-rapport"]))
    # The same change in another order: the same derived correlation id, Altinn's 200 replay.
    again = client.create_change_request(change(required_access_packages=["regnskap-okonomi-rapport", MVA]))
    assert first.is_new and not again.is_new and not again.reconciled
    assert again.change_request.id == first.change_request.id
    assert len(sim.change_requests()) == 1
    # Another change is another change request.
    other = client.create_change_request(change(required_access_packages=["regnskap-okonomi-rapport"]))
    assert other.is_new and other.change_request.id != first.change_request.id
    assert len(sim.change_requests()) == 2


def test_a_lost_answer_is_found_again_without_a_duplicate(client, sim):
    approved_user(client, sim)
    sim.clear_calls()
    sim.fault("create_change_request", "lost_response")
    created = client.create_change_request(change())
    assert created.reconciled and not created.is_new
    assert created.change_request.status is ChangeRequestStatus.NEW
    stored = sim.change_requests()
    assert len(stored) == 1 and stored[0]["id"] == created.change_request.id  # 0 duplicates
    calls = vendor_calls(sim)
    posts = [c for c in calls if c["route"] == "create_change_request"]
    assert [c.get("fault") for c in posts] == ["lost_response"]  # found by its id, not sent again
    assert calls[-1]["route"] == "get_change_request"
    # And a rerun of the same change later finds it too.
    assert client.create_change_request(change()).change_request.id == created.change_request.id
    assert len(sim.change_requests()) == 1


def test_a_correlation_id_reused_for_another_change_is_a_conflict(client, sim):
    approved_user(client, sim)
    cid = str(uuid.uuid4())
    first = client.create_change_request(change(correlation_id=cid))
    assert first.is_new and first.change_request.id == cid
    # Altinn answers 200 with the stored change request whatever the body: never a success.
    with pytest.raises(ConflictError) as e:
        client.create_change_request(change(correlation_id=cid, required_access_packages=["regnskap-okonomi-rapport"]))
    assert e.value.code == "correlation-id-reused" and not e.value.retryable
    assert "correlation id" in str(e.value)
    stored = sim.change_requests()
    assert len(stored) == 1 and [p["urn"] for p in stored[0]["requiredAccessPackages"]] == [MVA]


def test_approval_changes_what_the_system_user_holds(client, sim):
    uid = approved_user(client, sim)
    cr = client.create_change_request(
        change(unwanted_access_packages=["skattegrunnlag"], required_rights=[RIGHT])
    ).change_request
    sim.approve_change(cr.id)
    got = client.get_change_request(cr.id)
    assert got.status is ChangeRequestStatus.ACCEPTED and got.is_terminal
    held = sim.system_user(uid)
    assert [p["urn"] for p in held["accessPackages"]] == [MVA]
    assert [r["resource"][0]["value"] for r in held["rights"]] == [RIGHT]
    # Asking for the same change again replays the decided one: no second change request.
    again = client.create_change_request(change(unwanted_access_packages=["skattegrunnlag"], required_rights=[RIGHT]))
    assert not again.is_new and again.change_request.status is ChangeRequestStatus.ACCEPTED
    assert len(sim.change_requests()) == 1


def test_rejection_changes_nothing(client, sim):
    uid = approved_user(client, sim)
    cr = client.create_change_request(change()).change_request
    sim.reject_change(cr.id)
    got = client.get_change_request(cr.id)
    assert got.status is ChangeRequestStatus.REJECTED and got.is_terminal
    assert [p["urn"] for p in sim.system_user(uid)["accessPackages"]] == [PKG]


def test_withdraw(client, sim):
    approved_user(client, sim)
    cr = client.create_change_request(change()).change_request
    assert client.withdraw_change_request(cr.id) is None
    with pytest.raises(NotFoundError) as e:
        client.get_change_request(cr.id)
    assert e.value.code == "AUTH-00010"
    assert [c["isDeleted"] for c in sim.change_requests()] == [True]
    with pytest.raises(NotFoundError):
        client.withdraw_change_request(cr.id)
    # A withdrawn change request's id can never be used again (API.md §11): the same change
    # asked again takes a correlation id of its own.
    fresh = client.create_change_request(change(correlation_id=str(uuid.uuid4())))
    assert fresh.is_new and fresh.change_request.id != cr.id


def test_an_agent_system_user_is_refused_before_sending(client, sim):
    r = client.create_agent_request(AgentRequest(AGENT_SYSTEM, ORG, access_packages=[AGENT_PKG], external_ref="a-1"))
    sim.approve(r.request.id)
    sim.clear_calls()
    with pytest.raises(ValidationError) as e:
        # (a package a standard system user may hold: an agent-only one is refused even sooner)
        client.create_change_request(ChangeRequest(AGENT_SYSTEM, ORG, external_ref="a-1", required_access_packages=["skattegrunnlag"]))
    assert e.value.codes == ["AUTH-00015"] and "agent" in str(e.value)
    assert "create_change_request" not in routes(sim)  # only the lookup that found it
    assert sim.change_requests() == []


def test_an_empty_change_is_answered_without_a_call(client, sim):
    approved_user(client, sim)
    sim.clear_calls()
    before = client.stats.http_requests
    result = client.create_change_request(ChangeRequest(STANDARD_SYSTEM, ORG, external_ref="cust-1"))
    assert result is NO_CHANGE_NEEDED and isinstance(result, NoChangeNeeded)
    assert result.no_change_needed and not result.is_new
    assert vendor_calls(sim) == [] and client.stats.http_requests == before  # 0 calls
    assert sim.change_requests() == []


def test_what_the_system_refuses_is_refused_before_the_post(client, sim):
    approved_user(client, sim)
    sim.clear_calls()
    cases = [
        (change(required_access_packages=["lonn"]), "AUTH-00063"),  # not one of the system's
        (change(required_access_packages=["revisormedarbeider"]), "AUTH-00064"),  # agent-only
        (change(required_rights=["ske-innrapportering-mva"]), "AUTH-00001"),
        (change(redirect_url="https://elsewhere.example/callback"), "AUTH-00021"),
        (change(unwanted_access_packages=["merverdiavgift"]), "change-contradicts"),
        (change(org="123456789"), "org-no-checksum"),
        (change(correlation_id="not-a-uuid"), None),
    ]
    for c, code in cases:
        with pytest.raises(ValidationError) as e:
            client.create_change_request(c)
        assert code is None or code in e.value.codes, (code, e.value.codes)
    assert "create_change_request" not in routes(sim)
    assert sim.change_requests() == []


def test_no_system_user_is_not_found(client, sim):
    with pytest.raises(NotFoundError) as e:
        client.create_change_request(change(ref="never-approved"))
    assert "approve" in str(e.value)
    assert sim.change_requests() == []


def test_the_list_says_when_it_may_be_incomplete(client, sim):
    sim.settings(pageSize=2)
    for i, org in enumerate(sim.orgs[:3]):
        approved_user(client, sim, org=org, ref=f"r{i}")
        client.create_change_request(change(ref=f"r{i}", org=org))
    listed = client.list_change_requests(STANDARD_SYSTEM)
    assert len(listed) == 2 and listed.may_be_incomplete
    # The reliable path: by id.
    assert {client.get_change_request(c["id"]).id for c in sim.change_requests()} == {c["id"] for c in sim.change_requests()}


def test_timed_out_is_computed_by_the_clock(client, sim):
    approved_user(client, sim)
    cr = client.create_change_request(change()).change_request
    later = Client(sim.environment, token=sim.token_provider(), clock=SystemClock(dt.timedelta(days=181)))
    got = later.get_change_request(cr.id)
    assert got.timed_out and got.status is ChangeRequestStatus.NEW
    assert got.effective_status is ChangeRequestStatus.TIMED_OUT and got.is_terminal
    assert not client.get_change_request(cr.id).timed_out


def test_maskinporten_mode(mp_client, client, sim):
    approved_user(client, sim)
    created = mp_client.create_change_request(change())
    assert created.is_new and mp_client.get_change_request(created.change_request.id).id == created.change_request.id


def test_an_unknown_status_is_kept(client):
    case = next(c for c in json.loads((ROOT / "tests" / "hostile" / "catalogue.json").read_text(encoding="utf-8"))["cases"]
                if c["name"] == "change request: a status this version does not know is kept")
    got = client.component.parse(
        Component.wit_config(Environment.TT02), wit_call("get-change"), 200, [("content-type", "application/json")],
        json.dumps(case["body"]["json"]).encode(),
    )
    assert got.status is ChangeRequestStatus.UNKNOWN and got.status_text == case["body"]["json"]["status"]
    assert not got.is_terminal


def test_the_named_post_builds_as_the_server_expects(client):
    spec = CALLS["create-change"]
    (method, url, headers, body, _), scopes = client.component.build(
        Component.wit_config(Environment.TT02), wit_call("create-change")
    )
    assert method == "POST"
    assert url == (
        "https://platform.tt02.altinn.no/authentication/api/v1/systemuser/changerequest/vendor"
        f"?correlation-id={spec['correlationId']}&system-user-id={spec['systemUserId']}"
    )
    assert scopes == ["altinn:authentication/systemuser.request.write"]
    sent = json.loads(body)
    assert sent["requiredAccessPackages"] == spec["requiredAccessPackages"]
    assert sent["unwantedRights"] == [] and "redirectUrl" not in sent
    # The same through the public helper.
    same = Component.call_create_change(
        spec["systemUserId"], spec["correlationId"], ChangeRequest(STANDARD_SYSTEM, ORG, required_access_packages=["skattegrunnlag"])
    )
    assert client.component.build(Component.wit_config(Environment.TT02), same)[0][:4] == (method, url, headers, body)


def test_sans_io_create_and_read_against_the_simulator(client, sim):
    uid = approved_user(client, sim)
    comp, cfg = client.component, Component.wit_config(sim.environment)
    cid = str(uuid.uuid4())
    for call in (Component.call_create_change(uid, cid, change()), Component.call_get_change(cid)):
        (method, url, headers, body, timeout), scopes = comp.build(cfg, call)
        resp = sim.http.request(method, url, data=body, headers=dict(headers, Authorization="Bearer " + sim.mint(scopes)), timeout=5)
        got = comp.parse(cfg, call, resp.status_code, list(resp.headers.items()), resp.content)
        cr = got.change_request if method == "POST" else got
        assert cr.id == cid and cr.system_user_id == uid
        assert method == "GET" or got.is_new
    with pytest.raises(NotFoundError):
        comp.parse(cfg, Component.call_get_change(cid), 404, [], b"")
