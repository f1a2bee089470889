"""What users of the best Python libraries take for granted (issue #18): statuses that write
themselves as Altinn spells them, `Client` as a context manager, `to_dict`/`from_dict` on the
models that round-trip real answers of the simulator through JSON."""

import json
import sqlite3

import pytest

from altinn_systemuser import (
    AgentRequest,
    ChangeRequest,
    ChangeRequestStatus,
    Client,
    CreatedRequest,
    RegisteredSystem,
    RequestKind,
    RequestStatus,
    RequestsTransport,
    Right,
    StandardRequest,
    SystemChangeType,
    SystemUser,
    SystemUserChangeRequest,
    SystemUserRequest,
    UserType,
)
from altinn_systemuser.testing import AGENT_SYSTEM, STANDARD_SYSTEM

ORG = "310816191"
PKG = "urn:altinn:accesspackage:skattegrunnlag"


# -- StrEnum statuses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "member,text",
    [
        (RequestStatus.ACCEPTED, "Accepted"),
        (RequestStatus.TIMED_OUT, "Timedout"),
        (RequestKind.AGENT, "agent"),
        (ChangeRequestStatus.NO_CHANGE_NEEDED, "NoChangeNeeded"),
        (UserType.STANDARD, "standard"),
        (SystemChangeType.RIGHTS_UPDATE, "rightsupdate"),
    ],
)
def test_enums_write_themselves_as_altinn_spells_them(member, text):
    assert str(member) == text
    assert f"{member}" == text and "%s" % member == text and format(member, ">3") == format(text, ">3")
    assert json.dumps(member) == json.dumps(text)
    assert member == text and type(member)(text) is member
    db = sqlite3.connect(":memory:")
    db.execute("create table t (s text)")
    db.execute("insert into t values (?)", (str(member),))
    db.execute("insert into t values (?)", (member,))
    assert [r[0] for r in db.execute("select s from t")] == [text, text]


# -- Client as a context manager ----------------------------------------------------------------


def test_client_is_a_context_manager_that_closes_its_transport(sim):
    with Client(sim.environment, token=sim.token_provider()) as client:
        assert isinstance(client, Client)
        created = client.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, access_packages=[PKG]))
        assert created.is_new
        transport = client.transport
        assert isinstance(transport, RequestsTransport) and transport._made
    assert client.closed and transport.closed and not transport._made
    with pytest.raises(RuntimeError, match="closed"):
        client.get_request(created.request.id)
    client.close()  # closing twice is no error


def test_a_transport_given_to_the_client_is_left_open(sim):
    transport = RequestsTransport()
    with Client(sim.environment, token=sim.token_provider(), transport=transport) as client:
        client.list_requests(STANDARD_SYSTEM)
    assert not transport.closed
    # still usable by another client
    with Client(sim.environment, token=sim.token_provider(), transport=transport) as again:
        assert again.list_requests(STANDARD_SYSTEM).items == []


# -- to_dict / from_dict --------------------------------------------------------------------------


def _round_trip(model):
    data = json.loads(json.dumps(model.to_dict()))  # JSON-ready: json.dumps takes it as it is
    back = type(model).from_dict(data)
    assert back == model, (model, back)
    return data


def test_requests_and_answers_round_trip_through_json(client, sim):
    req = StandardRequest(
        STANDARD_SYSTEM, ORG, external_ref="rt", integration_title="Regnskap",
        rights=[Right.for_resource("ske-krav-og-betalinger")], access_packages=[PKG],
        redirect_url="https://smartregnskap.example/callback",
    )
    body = _round_trip(req)
    assert body["systemId"] == STANDARD_SYSTEM and body["partyOrgNo"] == ORG
    assert body["accessPackages"] == [{"urn": PKG}]
    assert body["rights"] == [{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}]
    _round_trip(AgentRequest(AGENT_SYSTEM, ORG, access_packages=["regnskapsforer-lonn"], external_ref="a"))

    created = client.create_standard_request(req)
    data = _round_trip(created)
    assert data["request"]["status"] == "New" and data["request"]["kind"] == "standard"
    assert data["request"]["created"].endswith("Z")
    _round_trip(created.request)
    page = client.list_requests(STANDARD_SYSTEM)
    for item in page:
        _round_trip(item)

    sim.approve(created.request.id)
    approved = client.get_request(created.request.id)
    assert approved.to_dict()["status"] == "Accepted"
    user = client.verify_system_user(STANDARD_SYSTEM, ORG, "rt")
    assert isinstance(user, SystemUser)
    data = _round_trip(user)
    assert data["userType"] == "standard" and "supplierOrgno" in data

    system = client.get_registered_system(STANDARD_SYSTEM)
    data = _round_trip(system)
    assert data["vendor"] == {"ID": "0192:314248295"} and "isDeleted" in data


def test_change_requests_round_trip(client, sim):
    c = client.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, external_ref="chg", access_packages=[PKG]))
    sim.approve(c.request.id)
    change = ChangeRequest(STANDARD_SYSTEM, ORG, external_ref="chg", required_rights=["ske-krav-og-betalinger"])
    _round_trip(change)
    made = client.create_change_request(change.to_dict())  # a dict in that shape is accepted too
    assert made.is_new
    _round_trip(made)
    got = client.get_change_request(made.change_request.id)
    assert isinstance(got, SystemUserChangeRequest)
    _round_trip(got)


def test_from_dict_reads_altinns_members_and_refuses_unknown_ones():
    r = SystemUserRequest.from_dict(
        {"id": "x", "kind": "agent", "externalRef": "e", "systemId": "s", "partyOrgNo": ORG, "status": "Accepted",
         "created": "2025-01-02T03:04:05Z", "timedOut": False}
    )
    assert r.status is RequestStatus.ACCEPTED and r.kind is RequestKind.AGENT and r.created.tzinfo is not None
    # snake_case too
    assert SystemUserRequest.from_dict({**r.to_dict(), "party_org_no": "314224965"}).party_org_no == "314224965"
    # a status this version does not know is UNKNOWN, as in answers
    assert SystemUserRequest.from_dict({**r.to_dict(), "status": "Frozen"}).status is RequestStatus.UNKNOWN
    with pytest.raises(ValueError, match="partyOrgNumber"):
        SystemUserRequest.from_dict({**r.to_dict(), "partyOrgNumber": ORG})
    with pytest.raises(TypeError):
        CreatedRequest.from_dict("not a dict")
    assert RegisteredSystem.from_dict(RegisteredSystem("314248295_x", "314248295", name="X").to_dict()).name.nn == "X"
