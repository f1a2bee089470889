"""Arguments are checked at the boundary, in Python: a wrong type is a `TypeError` (a value
outside what the parameter allows a `ValueError`) that names the parameter, before anything
reaches the component; dicts in Altinn's JSON shape are accepted where a model is expected;
statuses as Altinn spells them. After any such error the same client keeps working (issue #18)."""

import datetime as dt

import pytest

from altinn_systemuser import (
    AgentRequest,
    Bureau,
    ChangeRequest,
    Client,
    ComponentTrapError,
    RequestKind,
    RequestStatus,
    Right,
    StandardRequest,
    ValidationError,
)
from altinn_systemuser.testing import AGENT_SYSTEM, STANDARD_SYSTEM

ORG = "310816191"
PKG = "urn:altinn:accesspackage:skattegrunnlag"
RIGHT = {"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}


def _works(client, sim, ref="after-error"):
    """The same client still does real work against the simulator (its store was not lost)."""
    traps = client.component.session.traps
    created = client.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, external_ref=ref, access_packages=[PKG]))
    assert created.request.status is RequestStatus.NEW
    assert client.get_request(created.request.id).id == created.request.id
    assert client.component.session.traps == traps  # nothing trapped in between


# -- what the issue reproduced ----------------------------------------------------------------


def test_int_org_number_is_a_type_error_naming_the_parameter_not_a_trap(client, sim):
    with pytest.raises(TypeError, match=r"party_org_no must be a str.*'310816191'") as e:
        client.create_standard_request(StandardRequest(STANDARD_SYSTEM, 310816191, access_packages=[PKG]))
    assert not isinstance(e.value, ComponentTrapError)
    _works(client, sim)


def test_rights_as_altinn_dicts_are_accepted(client, sim):
    created = client.create_standard_request(
        StandardRequest(STANDARD_SYSTEM, ORG, external_ref="dict-rights", rights=[RIGHT], access_packages=[PKG])
    )
    assert [r.resource[0].value for r in created.request.rights] == ["ske-krav-og-betalinger"]
    # a right of the wrong shape names where it is
    with pytest.raises(ValidationError) as e:
        StandardRequest(STANDARD_SYSTEM, ORG, rights=[{"resource": [{"id": "urn:altinn:resource"}]}])
    assert e.value.violations[0].field.startswith("rights[0].resource[0]")
    with pytest.raises(TypeError, match=r"rights\[1\]"):
        StandardRequest(STANDARD_SYSTEM, ORG, rights=[RIGHT, 42])
    _works(client, sim)


def test_one_access_package_as_a_string_is_one_package_and_short_names_work(client, sim):
    one = StandardRequest(STANDARD_SYSTEM, ORG, external_ref="one-pkg", access_packages=PKG)
    assert [p.urn for p in one.access_packages] == [PKG]
    created = client.create_standard_request(
        StandardRequest(STANDARD_SYSTEM, ORG, external_ref="short", access_packages=["skattegrunnlag"])
    )
    assert [p.urn for p in created.request.access_packages] == [PKG]
    created = client.create_standard_request(one)
    assert [p.urn for p in created.request.access_packages] == [PKG]
    with pytest.raises(TypeError, match=r"access_packages\[0\]"):
        StandardRequest(STANDARD_SYSTEM, ORG, access_packages=[7])


def test_a_whole_request_as_altinns_dict(client, sim):
    body = {
        "systemId": STANDARD_SYSTEM,
        "partyOrgNo": ORG,
        "externalRef": "from-dict",
        "rights": [RIGHT],
        "accessPackages": [{"urn": PKG}],
    }
    created = client.create_standard_request(body)
    assert created.is_new and created.request.external_ref == "from-dict"
    assert client.create_request(body).request.id == created.request.id
    agent = client.create_agent_request(
        {"systemId": AGENT_SYSTEM, "partyOrgNo": ORG, "externalRef": "agent-dict",
         "accessPackages": ["urn:altinn:accesspackage:regnskapsforer-lonn"]}
    )
    assert agent.request.kind is RequestKind.AGENT
    # a member Altinn does not have is refused, not dropped
    with pytest.raises(ValidationError) as e:
        client.create_standard_request({**body, "partyOrgNumber": ORG})
    assert e.value.violations[0].field == "partyOrgNumber"
    with pytest.raises(TypeError, match="request must be a StandardRequest"):
        client.create_standard_request(["not", "a", "request"])
    _works(client, sim)


def test_statuses_and_kinds_as_altinn_spells_them(client, sim):
    c = client.component
    assert c.transition("New", "approve") is RequestStatus.ACCEPTED
    assert c.transition("Accepted", "approve") is None
    assert c.is_terminal("Rejected") and not c.is_terminal("new")
    assert c.transition(RequestStatus.NEW, "reject") is RequestStatus.REJECTED
    with pytest.raises(ValueError, match=r"status must be one of .*'Accepted'.*not 'Approved'"):
        c.transition("Approved", "approve")
    with pytest.raises(TypeError, match="status must be a RequestStatus or a str"):
        c.transition(1, "approve")
    with pytest.raises(ValueError, match="event must be one of"):
        c.transition("New", "accept")
    created = client.create_agent_request(
        AgentRequest(AGENT_SYSTEM, ORG, external_ref="k", access_packages=["regnskapsforer-lonn"])
    )
    assert client.get_request(created.request.id, kind="agent").kind is RequestKind.AGENT
    assert client.get_request(created.request.id, kind="Agent").kind is RequestKind.AGENT
    with pytest.raises(ValueError, match="kind must be one of"):
        client.get_request(created.request.id, kind="agents")
    _works(client, sim)


# -- every public function, with a wrong type, names its parameter ------------------------------

REQ_ID = "6b0c8a0e-6f2c-4f7e-9e52-0c6a1b1a7d11"

BAD_CALLS = [
    ("get_request", (123,), {}, TypeError, "request_id"),
    ("get_request", (REQ_ID,), {"kind": 3}, TypeError, "kind"),
    ("get_request_by_external_ref", (STANDARD_SYSTEM, 310816191, "x"), {}, TypeError, "org_no"),
    ("get_request_by_external_ref", (STANDARD_SYSTEM, ORG, None), {}, TypeError, "external_ref"),
    ("list_requests", (None,), {}, TypeError, "system_id"),
    ("list_requests", (STANDARD_SYSTEM,), {"page": 2}, TypeError, "page"),
    ("list_all_requests", (STANDARD_SYSTEM,), {"kind": "both"}, ValueError, "kind"),
    ("withdraw_request", (b"id",), {}, TypeError, "request_id"),
    ("verify_system_user", (STANDARD_SYSTEM, 310816191), {}, TypeError, "org_no"),
    ("verify_system_user", (STANDARD_SYSTEM, ORG, 5), {}, TypeError, "external_ref"),
    ("list_system_users", (["x"],), {}, TypeError, "system_id"),
    ("list_all_system_users", (1,), {}, TypeError, "system_id"),
    ("get_registered_system", (1,), {}, TypeError, "system_id"),
    ("system_user_token", (310816191,), {"scopes": ["ttd:regnskap.read"]}, TypeError, "customer_org_no"),
    ("system_user_token", (ORG,), {"scopes": [1]}, TypeError, r"scopes\[0\]"),
    ("create_standard_request", (AgentRequest(AGENT_SYSTEM, ORG),), {}, TypeError, "request"),
    ("create_agent_request", (StandardRequest(STANDARD_SYSTEM, ORG),), {}, TypeError, "request"),
    ("create_request", ("a request",), {}, TypeError, "request"),
    ("create_change_request", ("change",), {}, TypeError, "change"),
    ("get_change_request", (None,), {}, TypeError, "change_request_id"),
    ("get_change_request_by_external_ref", (STANDARD_SYSTEM, 1, "x"), {}, TypeError, "org_no"),
    ("list_change_requests", (1,), {}, TypeError, "system_id"),
    ("withdraw_change_request", (1,), {}, TypeError, "change_request_id"),
    ("register_system", ("an id",), {}, TypeError, "system"),
    ("update_system", (42,), {}, TypeError, "update"),
    ("set_system_rights", (STANDARD_SYSTEM, [1]), {}, TypeError, r"rights\[0\]"),
    ("set_system_rights", (7, []), {}, TypeError, "system_id"),
    ("set_system_access_packages", (STANDARD_SYSTEM, [None]), {}, TypeError, r"access_packages\[0\]"),
    ("delete_system", (None,), {}, TypeError, "system_id"),
    ("system_changelog", (1.5,), {}, TypeError, "system_id"),
    ("list_agents", (314248295,), {}, TypeError, "bureau"),
    ("list_clients", (ORG, 5), {}, TypeError, "agent"),
    ("list_available_clients", ({"orgNo": 5},), {"agent": "x"}, ValueError, "orgNo"),
    ("add_client", (ORG, "agent-id", 310816191), {}, TypeError, "client"),
    ("remove_client", (ORG, "agent-id", None), {}, TypeError, "client"),
    ("validate", ({"systemId": STANDARD_SYSTEM, "partyOrgNo": 1},), {}, TypeError, "party_org_no"),
]


@pytest.mark.parametrize("name,args,kwargs,exc,param", BAD_CALLS, ids=[f"{c[0]}-{c[4]}" for c in BAD_CALLS])
def test_every_public_method_names_the_wrong_parameter(client, sim, name, args, kwargs, exc, param):
    sim.admin("DELETE", "calls")
    with pytest.raises(exc, match=param) as e:
        getattr(client, name)(*args, **kwargs)
    assert not isinstance(e.value, ComponentTrapError)
    # refused in Python: nothing was sent
    assert [c for c in sim.admin("GET", "calls")["calls"] if not c["path"].startswith("/_sim/")] == []
    _works(client, sim, ref=f"after-{name}")


COMPONENT_BAD = [
    ("check_org_no", (310816191,), TypeError, "org_no"),
    ("check_system_id", (None,), TypeError, "system_id"),
    ("check_external_ref", (1,), TypeError, "external_ref"),
    ("check_request_id", (1,), TypeError, "request_id"),
    ("validate_json", ("standard", 12), TypeError, "body"),
    ("validate_json", ("weird", b"{}"), ValueError, "kind"),
    ("is_terminal", ("Done",), ValueError, "status"),
    ("is_timed_out", ("request",), TypeError, "request"),
    ("effective_status", ({"id": "x"},), ValidationError, "SystemUserRequest needs"),
]


@pytest.mark.parametrize("name,args,exc,param", COMPONENT_BAD, ids=[f"{c[0]}-{c[3]}" for c in COMPONENT_BAD])
def test_component_functions_name_the_wrong_parameter(client, sim, name, args, exc, param):
    with pytest.raises(exc, match=param) as e:
        getattr(client.component, name)(*args)
    assert not isinstance(e.value, ComponentTrapError)
    assert client.component.check_org_no(" 0192:" + ORG) == ORG
    _works(client, sim, ref=f"after-c-{name}")


def test_component_reads_a_request_in_altinns_shape(client):
    r = {
        "id": REQ_ID, "kind": "standard", "externalRef": "x", "systemId": STANDARD_SYSTEM, "partyOrgNo": ORG,
        "status": "New", "created": "2020-01-01T00:00:00Z",
    }
    assert client.component.is_timed_out(r, now=dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc))
    assert client.component.effective_status(r, now=dt.datetime(2020, 1, 2, tzinfo=dt.timezone.utc)) is RequestStatus.NEW


def test_models_check_their_fields():
    with pytest.raises(TypeError, match="system_id"):
        ChangeRequest(None, ORG)
    with pytest.raises(TypeError, match=r"required_access_packages\[0\]"):
        ChangeRequest(STANDARD_SYSTEM, ORG, required_access_packages=[1])
    with pytest.raises(TypeError, match="bureau.org_no"):
        Bureau(314248295)
    with pytest.raises(TypeError, match="action"):
        Right.for_resource("x", action=1)
    with pytest.raises(TypeError, match="integration_title"):
        AgentRequest(AGENT_SYSTEM, ORG, integration_title=["t"])


def test_client_options_are_checked(sim):
    for kw, exc, param in [
        ({"retries": "3"}, TypeError, "retries"),
        ({"retries": -1}, ValueError, "retries"),
        ({"timeout": None}, TypeError, "timeout"),
        ({"backoff": float("nan")}, ValueError, "backoff"),
        ({"deadline": "60"}, TypeError, "deadline"),
        ({"clock": "now"}, TypeError, "clock"),
        ({"transport": object()}, TypeError, "transport"),
    ]:
        with pytest.raises(exc, match=param):
            Client(sim.environment, token=sim.token_provider(), **kw)
    with pytest.raises(TypeError, match="environment must be an Environment"):
        Client(sim.base, token=sim.token_provider())
