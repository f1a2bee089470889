"""Every exception class, raised by real answers (or real failures) where the simulator can give
them; the trap and its recovery; and that no token leaks into messages, reprs or logs."""

import logging
import socket
import time

import pytest

import altinn_systemuser as asu
from altinn_systemuser import (
    SystemUserError,
    AltinnError,
    Client,
    ComponentNotFoundError,
    ComponentTrapError,
    ConflictError,
    Environment,
    ForbiddenError,
    InvalidResponseError,
    NotFoundError,
    ProblemError,
    RequestsTransport,
    Right,
    StandardRequest,
    StaticToken,
    TokenError,
    TransportError,
    TransportErrorKind,
    UnauthorizedError,
    ValidationError,
)
from altinn_systemuser.testing import STANDARD_SYSTEM

ORG = "310816191"
PKG = "urn:altinn:accesspackage:skattegrunnlag"
ALL_SCOPES = [
    "altinn:authentication/systemuser.request.read",
    "altinn:authentication/systemuser.request.write",
    "altinn:authentication/systemregister.write",
]


def std(**kw):
    base = dict(external_ref="cust-1", access_packages=[PKG])
    base.update(kw)
    return StandardRequest(STANDARD_SYSTEM, kw.pop("org", ORG), **{k: v for k, v in base.items() if k != "org"})


def test_validation_error_carries_violations_and_sends_nothing(client, sim):
    sim.admin("DELETE", "calls")
    with pytest.raises(ValidationError) as ei:
        client.create_standard_request(StandardRequest(STANDARD_SYSTEM, "123456789", external_ref="bad ref!", access_packages=[PKG]))
    e = ei.value
    assert isinstance(e, SystemUserError) and isinstance(e, ValueError)
    assert "org-no-checksum" in e.codes
    assert {v.field for v in e.violations} >= {"partyOrgNo", "externalRef"}
    assert all(v.message for v in e.violations)
    assert [x for x in sim.admin("GET", "calls")["calls"] if not x["path"].startswith("/_sim/")] == []
    with pytest.raises(ValidationError):
        client.get_request("not-a-uuid")


def test_altinn_problem_error_carries_code_status_title_trace(client, sim):
    # Valid mod-11 but not in the register: only the server can know.
    unknown = next(o for o in asu.testing.valid_org_numbers(50, start=33000000))
    with pytest.raises(AltinnError) as ei:
        client.create_standard_request(std(org=unknown))
    e = ei.value
    assert isinstance(e, ProblemError)
    assert e.status == 400 and e.code == "AUTH-00000"
    assert e.title and e.trace_id and e.message
    assert "AUTH-00000" in repr(e)


def test_altinn_problem_error_for_a_key_with_a_system_user(client, sim):
    r = client.create_standard_request(std()).request
    sim.approve(r.id)
    with pytest.raises(AltinnError) as ei:
        client.create_standard_request(std())
    assert ei.value.status == 400 and ei.value.code in ("AUTH-00004", "AUTH-00006")


def test_rights_outside_the_system_are_refused_before_sending(client):
    # The component checks the registered system first (pre-flight) and answers with the
    # server's code as a violation.
    with pytest.raises(ValidationError) as ei:
        client.create_standard_request(std(access_packages=None, rights=[Right.for_resource("no-such-resource")]))
    assert ei.value.codes == ["AUTH-00001"]


def test_not_found_error(client):
    with pytest.raises(NotFoundError) as ei:
        client.get_request("5c7a0a52-6b4f-4bd6-9a3c-9a5a0e4c1f11")
    assert ei.value.status == 404
    with pytest.raises(NotFoundError):
        client.get_registered_system("314248295_nosuchsystem")


def test_forbidden_for_another_vendors_system(client):
    # Altinn's Forbid(): an empty 403 for a system of another vendor.
    with pytest.raises(ForbiddenError) as ei:
        client.get_registered_system("313367002_konkurrent")
    assert ei.value.status == 403


def test_unauthorized_error(sim):
    expired = sim.mint(ALL_SCOPES, expires_in=-60)
    c = Client(sim.environment, token=expired, retries=0)
    with pytest.raises(UnauthorizedError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    assert ei.value.status == 401
    assert expired not in str(ei.value) and expired not in repr(ei.value)


def test_forbidden_error(sim):
    read_only = sim.mint(["altinn:authentication/systemuser.request.read"])
    c = Client(sim.environment, token=read_only, retries=0)
    with pytest.raises(ForbiddenError) as ei:
        c.create_standard_request(std())
    assert ei.value.status == 403


class ConflictOnDelete(RequestsTransport):
    """The simulator has no vendor route that answers 409 (only the customer's decision does),
    so this transport forwards everything over real HTTP and answers a DELETE with Altinn's
    AUTH-00013 problem."""

    def send(self, method, url, headers, body, timeout):
        status, h, b = super().send(method, url, headers, body, timeout)
        if method == "DELETE":
            return 409, [("Content-Type", "application/problem+json")], (
                b'{"type":"urn:altinn:error:AUTH-00013","title":"The Status of the Request is not New.",'
                b'"status":409,"code":"AUTH-00013","traceId":"00-abc-def-01"}'
            )
        return status, h, b


def test_conflict_error(sim):
    c = Client(sim.environment, token=sim.token_provider(), transport=ConflictOnDelete())
    r = c.create_standard_request(std()).request
    with pytest.raises(ConflictError) as ei:
        c.withdraw_request(r.id)
    assert ei.value.status == 409 and ei.value.code == "AUTH-00013" and ei.value.trace_id == "00-abc-def-01"


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_transport_error_connect(sim):
    c = Client(Environment.local(f"http://127.0.0.1:{_free_port()}"), token="t0k3n-secret", retries=1, backoff=0.001)
    with pytest.raises(TransportError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    assert ei.value.kind is TransportErrorKind.CONNECT
    assert "t0k3n-secret" not in str(ei.value)


def test_transport_error_timeout(client, sim):
    c = Client(sim.environment, token=sim.token_provider(), timeout=0.2, retries=0)
    sim.fault("get_registered_system", "delay", delayMs=1500)
    with pytest.raises(TransportError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    assert ei.value.kind is TransportErrorKind.TIMEOUT
    # The simulator finishes (and logs) the delayed call after the client gave up: wait for it,
    # so that it does not land in the call log of a later test.
    deadline = time.monotonic() + 10
    while not any(x.get("route") == "get_registered_system" for x in sim.calls()) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_transport_error_connection_lost(sim):
    c = Client(sim.environment, token=sim.token_provider(), retries=0)
    sim.fault("get_registered_system", "lost_request")
    with pytest.raises(TransportError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    assert ei.value.kind is TransportErrorKind.CONNECTION_LOST


def test_token_error_from_a_failing_provider(sim):
    secret = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"

    def provider(scopes):
        raise RuntimeError(f"vault said no for {secret}")

    c = Client(sim.environment, token=provider)
    with pytest.raises(TokenError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    assert secret not in str(ei.value) and secret not in repr(ei.value)
    assert "vault said no" in str(ei.value)


def test_token_error_for_a_token_that_cannot_be_sent(sim):
    # A provider's token is checked by the component (a StaticToken refuses it earlier, below).
    bad = "abc\r\nX-Injected: 1"
    c = Client(sim.environment, token=lambda scopes: bad)
    with pytest.raises(TokenError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    assert "X-Injected" not in str(ei.value)
    with pytest.raises(ValueError) as ve:
        Client(sim.environment, token=bad)
    assert "X-Injected" not in str(ve.value) and "abc" not in str(ve.value)


def test_invalid_response_error_for_a_foreign_confirm_url(client, sim):
    sim.settings(confirmHost="https://evil.example")
    with pytest.raises(InvalidResponseError):
        client.create_standard_request(std())


def test_component_not_found_error(tmp_path, monkeypatch):
    monkeypatch.setenv(asu.COMPONENT_ENV, str(tmp_path / "nope.wasm"))
    with pytest.raises(ComponentNotFoundError):
        asu.locate_component()
    with pytest.raises(ComponentNotFoundError):
        Client(Environment.TT02, token="x", component=tmp_path / "missing.wasm")


def test_trap_then_successful_calls(sim):
    c = Client(sim.environment, token=sim.token_provider(), fuel=10_000)
    with pytest.raises(ComponentTrapError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    assert "fuel" in str(ei.value).lower()
    session = c.component.session
    assert session.traps == 1
    # The same client: raise the budget; the next call runs in a fresh store.
    c.component._sessions.fuel = 10_000_000_000
    session.fuel = 10_000_000_000
    assert c.get_registered_system(STANDARD_SYSTEM).id == STANDARD_SYSTEM
    r = c.create_standard_request(std()).request
    assert c.get_request(r.id).id == r.id
    assert c.component.check_org_no(ORG) == ORG
    assert session.instantiations == 2


def test_trap_from_a_host_interrupt_rebuilds_the_store(sim):
    calls = {"n": 0}

    def provider(scopes):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt
        return sim.token_provider().get_token(scopes)

    c = Client(sim.environment, token=provider)
    with pytest.raises(KeyboardInterrupt):
        c.get_registered_system(STANDARD_SYSTEM)
    assert c.get_registered_system(STANDARD_SYSTEM).id == STANDARD_SYSTEM
    assert c.component.session.traps == 1


def test_no_token_in_repr_messages_or_logs(sim, caplog):
    token = sim.mint(ALL_SCOPES)
    caplog.set_level(logging.DEBUG)
    c = Client(sim.environment, token=StaticToken(token), retries=0)
    assert token not in repr(c) and token not in repr(StaticToken(token)) and token not in str(StaticToken(token))
    c.get_registered_system(STANDARD_SYSTEM)
    r = c.create_standard_request(std()).request
    errors = []
    for call in (
        lambda: c.get_request("5c7a0a52-6b4f-4bd6-9a3c-9a5a0e4c1f11"),
        lambda: c.create_standard_request(std(org="123456789")),
        lambda: c.create_standard_request(std(access_packages=["urn:altinn:accesspackage:lonn"])),
    ):
        with pytest.raises(SystemUserError) as ei:
            call()
        errors.append(ei.value)
    sim.fault("get_request", "lost_request")
    with pytest.raises(TransportError) as ei:
        c.get_request(r.id)
    errors.append(ei.value)
    for e in errors:
        assert token not in str(e) and token not in repr(e)
        assert all(token not in str(v) for v in vars(e).values())
    assert caplog.records, "expected debug log lines from the transport"
    for rec in caplog.records:
        assert token not in rec.getMessage()
