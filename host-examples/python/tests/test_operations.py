"""Every operation, against the simulator over real HTTP."""

import datetime as dt
import json
import secrets
import time

import pytest

from altinn_systemuser import (
    AgentRequest,
    Component,
    CreatedRequest,
    Environment,
    Maskinporten,
    MisuseError,
    NotFoundError,
    RegisteredSystem,
    RequestKind,
    RequestStatus,
    RequestsTransport,
    Right,
    StandardRequest,
    SystemUser,
    SystemUserRequest,
    UserType,
)
from altinn_systemuser import _wit
from altinn_systemuser.bulk import Onboarding
from altinn_systemuser.testing import AGENT_SYSTEM, STANDARD_SYSTEM
from conftest import CLIENT_ID
from shared import ROOT, wit_call

ORG = "310816191"
ORG2 = "314224965"
PKG = "urn:altinn:accesspackage:skattegrunnlag"
AGENT_PKG = "urn:altinn:accesspackage:regnskapsforer-lonn"


def std(org=ORG, ref="cust-1", **kw):
    return StandardRequest(STANDARD_SYSTEM, org, external_ref=ref, access_packages=[PKG], **kw)


def test_get_registered_system(client):
    s = client.get_registered_system(STANDARD_SYSTEM)
    assert isinstance(s, RegisteredSystem)
    assert s.vendor_org_no == "314248295"
    assert s.name.nb == "SmartRegnskap"
    assert "https://smartregnskap.example/callback" in s.allowed_redirect_urls
    assert any(p.urn == PKG for p in s.access_packages)
    assert any(r.resource[0].value == "ske-krav-og-betalinger" for r in s.rights)


def test_create_standard_request_is_idempotent(client, sim):
    first = client.create_standard_request(std(rights=[Right.for_resource("ske-krav-og-betalinger")]))
    assert isinstance(first, CreatedRequest)
    assert first.is_new and not first.reconciled
    r = first.request
    assert r.status is RequestStatus.NEW and r.kind is RequestKind.STANDARD
    assert r.external_ref == "cust-1" and r.party_org_no == ORG
    assert r.confirm_url.startswith(sim.base)
    assert isinstance(r.created, dt.datetime) and r.created.tzinfo is not None
    again = client.create_standard_request(std(rights=[Right.for_resource("ske-krav-og-betalinger")]))
    assert not again.is_new and again.request.id == r.id
    assert len(sim.requests()) == 1


def test_create_normalises_org_prefix_and_default_ref(client):
    c = client.create_standard_request(StandardRequest(STANDARD_SYSTEM, " 0192:" + ORG2, access_packages=[PKG]))
    assert c.request.party_org_no == ORG2
    assert c.request.external_ref == ORG2


def test_create_with_redirect_url(client):
    c = client.create_standard_request(std(redirect_url="https://smartregnskap.example/callback"))
    assert c.request.redirect_url == "https://smartregnskap.example/callback"


def test_create_agent_request_and_get(client):
    c = client.create_agent_request(AgentRequest(AGENT_SYSTEM, ORG, access_packages=[AGENT_PKG], external_ref="a-1"))
    assert c.is_new
    r = c.request
    assert r.kind is RequestKind.AGENT and r.rights == []
    got = client.get_request(r.id, RequestKind.AGENT)
    assert got.id == r.id and got.access_packages[0].urn == AGENT_PKG
    by_ref = client.get_request_by_external_ref(AGENT_SYSTEM, ORG, "a-1", RequestKind.AGENT)
    assert by_ref.id == r.id
    assert [x.id for x in client.list_all_requests(AGENT_SYSTEM, RequestKind.AGENT)] == [r.id]


def test_get_request_and_by_external_ref(client):
    c = client.create_standard_request(std())
    got = client.get_request(c.request.id)
    assert isinstance(got, SystemUserRequest) and got.id == c.request.id
    assert got.confirm_url
    by_ref = client.get_request_by_external_ref(STANDARD_SYSTEM, ORG, "cust-1")
    assert by_ref.id == c.request.id


def test_list_requests_pages_and_all(client, sim):
    # Without the server's lossy page boundaries (API.md §14), to see every item.
    sim.settings(pageSize=3, listQuirks=False)
    ids = {client.create_standard_request(std(org=o, ref=f"r{i}")).request.id for i, o in enumerate(sim.orgs[:7])}
    page = client.list_requests(STANDARD_SYSTEM)
    assert len(page) == 3 and page.next_page
    assert all(r.confirm_url is None for r in page)  # list items carry no confirm link
    page2 = client.list_requests(STANDARD_SYSTEM, page=page.next_page)
    assert len(page2) == 3 and {r.id for r in page2}.isdisjoint({r.id for r in page})
    every = client.list_all_requests(STANDARD_SYSTEM)
    assert {r.id for r in every} == ids


def test_withdraw_request_frees_the_key(client):
    c = client.create_standard_request(std())
    client.withdraw_request(c.request.id)
    with pytest.raises(NotFoundError):
        client.get_request(c.request.id)
    again = client.create_standard_request(std())
    assert again.is_new and again.request.id != c.request.id


def test_verify_and_list_system_users(client, sim):
    c = client.create_standard_request(std())
    assert client.verify_system_user(STANDARD_SYSTEM, ORG, "cust-1") is None
    sim.approve(c.request.id)
    assert client.get_request(c.request.id).status is RequestStatus.ACCEPTED
    u = client.verify_system_user(STANDARD_SYSTEM, ORG, "cust-1")
    assert isinstance(u, SystemUser)
    assert u.id == c.request.id and u.reportee_org_no == ORG and u.user_type is UserType.STANDARD
    page = client.list_system_users(STANDARD_SYSTEM)
    assert [x.id for x in page] == [u.id] and page.next_page is None
    assert [x.id for x in client.list_all_system_users(STANDARD_SYSTEM)] == [u.id]


def test_list_all_system_users_pages(client, sim):
    sim.settings(pageSize=2)
    for i, o in enumerate(sim.orgs[:5]):
        sim.approve(client.create_standard_request(std(org=o, ref=f"u{i}")).request.id)
    assert len(client.list_system_users(STANDARD_SYSTEM)) == 2
    assert len(client.list_all_system_users(STANDARD_SYSTEM)) == 5


def test_rejected_request_status(client, sim):
    c = client.create_standard_request(std())
    sim.reject(c.request.id)
    r = client.get_request(c.request.id)
    assert r.status is RequestStatus.REJECTED and r.is_terminal
    # A rejected request still holds the key.
    again = client.create_standard_request(std())
    assert not again.is_new and again.request.status is RequestStatus.REJECTED


def test_timed_out_request(client, sim):
    c = client.create_standard_request(std())
    sim.admin("POST", "clock/advance", {"days": 181})
    r = client.get_request(c.request.id)
    assert r.timed_out and r.effective_status is RequestStatus.TIMED_OUT


def test_lost_response_on_create_is_reconciled(client, sim):
    sim.fault("create_request", "lost_response")
    c = client.create_standard_request(std())
    assert c.reconciled and not c.is_new
    assert len(sim.requests()) == 1


def test_reads_are_retried_after_a_503(client, sim):
    c = client.create_standard_request(std())
    sim.fault("get_request", "status503", count=2)
    assert client.get_request(c.request.id).id == c.request.id
    assert client.stats.http_requests >= 4


def test_offline_validation_and_lifecycle(client):
    comp = client.component
    assert comp.check_org_no("0192:310816191") == "310816191"
    assert comp.check_system_id(STANDARD_SYSTEM) == STANDARD_SYSTEM
    assert comp.check_external_ref("cust-1") == "cust-1"
    assert comp.check_request_id("48FBDEB0-807E-444E-91F9-E59832F840C6") == "48fbdeb0-807e-444e-91f9-e59832f840c6"
    norm = client.validate(StandardRequest(STANDARD_SYSTEM, " 310816191 ", access_packages=[PKG]))
    assert norm.party_org_no == ORG and norm.external_ref == ORG
    system = client.get_registered_system(STANDARD_SYSTEM)
    assert client.validate(std(redirect_url="https://smartregnskap.example/callback"), system).external_ref == "cust-1"
    body = comp.validate_json(RequestKind.STANDARD, b'{"systemId":"%s","partyOrgNo":"310816191","accessPackages":[{"urn":"%s"}]}' % (STANDARD_SYSTEM.encode(), PKG.encode()))
    assert b'"externalRef":"310816191"' in body
    assert comp.transition(RequestStatus.NEW, "approve") is RequestStatus.ACCEPTED
    assert comp.transition(RequestStatus.ACCEPTED, "reject") is None
    assert comp.is_terminal(RequestStatus.REJECTED) and not comp.is_terminal(RequestStatus.NEW)
    assert not comp.is_terminal(RequestStatus.UNKNOWN, "Pending")
    r = client.create_standard_request(std()).request
    later = r.created + dt.timedelta(days=11)
    assert comp.is_timed_out(r, later, window_seconds=10 * 86400)
    assert comp.effective_status(r, later, window_seconds=10 * 86400) is RequestStatus.TIMED_OUT
    assert comp.effective_status(r) is RequestStatus.NEW


def test_sans_io_build_and_parse(client, sim):
    comp = client.component
    cfg = comp.wit_config(sim.environment)
    call = comp.call_create(std())
    (method, url, headers, body, timeout), scopes = comp.build(cfg, call)
    assert method == "POST" and url == sim.base + "/authentication/api/v1/systemuser/request/vendor"
    assert scopes == ["altinn:authentication/systemuser.request.write"]
    assert all(name.lower() != "authorization" for name, _ in headers)
    token = sim.mint(scopes)
    import requests

    resp = requests.post(url, data=body, headers=dict(headers, Authorization="Bearer " + token), timeout=5)
    out = comp.parse(cfg, call, resp.status_code, list(resp.headers.items()), resp.content)
    assert isinstance(out, CreatedRequest) and out.is_new


def test_an_unknown_status_stays_marked(client):
    # The shared vector: a status this version does not know is kept as UNKNOWN with its text,
    # never read as one it knows, and never terminal.
    vectors = json.loads((ROOT / "tests" / "vectors" / "responses.json").read_text(encoding="utf-8"))["responses"]
    v = next(x for x in vectors if x["name"] == "get: unknown status is kept")
    r = client.component.parse(
        Component.wit_config(Environment.TT02), wit_call(v["call"]), v["status"], list(v["headers"].items()),
        json.dumps(v["body"]).encode(),
    )
    assert r.status is RequestStatus.UNKNOWN and r.status_text == "Archived"
    assert not r.is_terminal and not client.component.is_terminal(r.status, r.status_text)
    assert client.component.effective_status(r) is RequestStatus.UNKNOWN
    assert not Onboarding(client, STANDARD_SYSTEM).is_terminal("Archived")


def pump(comp, config, task, answer):
    """Drives one operation by hand through the resource's exports (what an asynchronous host
    does): constructor(config, task, now, seed), start, advance(input, now) until done, finish.
    Gives the result and the steps seen."""
    seen = []

    def then(inst, op):
        f = lambda name: inst.func("operations", name)  # noqa: E731
        try:
            step = _wit.step_from(f("[method]operation.start")(inst.store, op))
            while step[0] != "done" and len(seen) < 20:
                seen.append(step[0])
                nxt = f("[method]operation.advance")(inst.store, op, answer(*step), _wit.wall_time(time.time()))
                step = _wit.step_from(nxt)
            return f("[method]operation.finish")(inst.store, op)
        finally:
            op.drop(inst.store)

    now, seed = _wit.wall_time(time.time()), secrets.token_bytes(16)
    r = comp.session.call(None, "operations", "[constructor]operation", config, task, now, seed, then=then)
    return _wit.result(r, _wit.outcome_from), seen


def test_the_operation_resource_by_hand(sim, signer):
    comp = Component()
    transport = RequestsTransport()
    tokens = sim.token_provider()

    def answer(case, payload):
        if case == "need-token":
            return _wit.operation_input("token", tokens.get_token(payload))
        if case == "sign":
            return _wit.operation_input("signature", signer.sign(payload))
        if case == "wait":
            return _wit.operation_input("waited")
        method, url, headers, body, timeout, cap = payload
        assert cap == 1024 * 1024 and 0 < timeout <= 30
        status, h, b = transport.send(method, url, headers, body, timeout, max_response_bytes=cap)
        return _wit.operation_input("response", _wit.http_response(status, h, b))

    task = _wit.task("get-registered-system", STANDARD_SYSTEM)
    system, seen = pump(comp, comp.wit_config(sim.environment), task, answer)
    assert system.id == STANDARD_SYSTEM and seen == ["need-token", "send"]
    # A 503 first: a back-off step, then the answer.
    sim.fault("get_registered_system", "status503")
    system, seen = pump(comp, comp.wit_config(sim.environment, backoff=0.01), task, answer)
    assert system.id == STANDARD_SYSTEM and seen == ["need-token", "send", "wait", "send"]
    # Maskinporten: the grant is signed in a step of its own, then posted, then the call.
    mp = comp.wit_config(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer))
    system, seen = pump(comp, mp, task, answer)
    assert system.id == STANDARD_SYSTEM and seen == ["sign", "send", "send"]
    # An answer for another step is the host's bug: `misuse`, nothing sent.
    with pytest.raises(MisuseError):
        pump(comp, comp.wit_config(sim.environment), task, lambda case, payload: _wit.operation_input("waited"))
