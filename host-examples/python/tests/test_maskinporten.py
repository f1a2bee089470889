"""Maskinporten mode: the component gets its own tokens from the simulator's Maskinporten (real
JWT grants signed by the TEST-ONLY key), caches them, and asks for system-user tokens; every MP
refusal comes back as `MaskinportenError`; no token, assertion or key leaks."""

import base64
import datetime as dt
import json
import logging
import pickle

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from altinn_systemuser import (
    AccessToken,
    AgentRequest,
    SystemUserError,
    CertificateChain,
    Client,
    KeyId,
    Maskinporten,
    MaskinportenError,
    NotFoundError,
    RequestKind,
    RequestsTransport,
    RequestStatus,
    RsaSigner,
    SigningKeyError,
    StandardRequest,
    SystemClock,
    TokenError,
    ValidationError,
)
from altinn_systemuser.testing import AGENT_SYSTEM, STANDARD_SYSTEM
from conftest import CLIENT_CERT, CLIENT_ID, CLIENT_KEY, KEYS, KID, UNREGISTERED_KEY

ORG = "310816191"
PKG = "urn:altinn:accesspackage:skattegrunnlag"
AGENT_PKG = "urn:altinn:accesspackage:regnskapsforer-lonn"
API_SCOPE = "ttd:regnskap.read"


def std(org=ORG, ref="cust-1"):
    return StandardRequest(STANDARD_SYSTEM, org, external_ref=ref, access_packages=[PKG])


def calls(sim):
    return [c for c in sim.admin("GET", "calls")["calls"]]


def grants(sim):
    """How many grants reached Maskinporten (`POST /token`)."""
    return sum(1 for c in calls(sim) if c["method"] == "POST" and c["path"] == "/token")


def mp(signer=None, client_id=CLIENT_ID, **kw):
    return Maskinporten(client_id, signer, **kw)


def b64url(n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def private_jwk(key, kid=None):
    """The TEST-ONLY key as a private JWK, in memory only."""
    nums = key.private_numbers()
    jwk = {"kty": "RSA", "n": b64url(nums.public_numbers.n), "e": b64url(nums.public_numbers.e), "d": b64url(nums.d),
           "p": b64url(nums.p), "q": b64url(nums.q), "dp": b64url(nums.dmp1), "dq": b64url(nums.dmq1), "qi": b64url(nums.iqmp)}
    if kid:
        jwk["kid"] = kid
    return jwk


def client_key():
    return serialization.load_pem_private_key(CLIENT_KEY.read_bytes(), password=None)


# -- every operation on real grants --------------------------------------------------------------


def test_every_operation_runs_on_real_grants(mp_client, sim):
    sim.admin("DELETE", "calls")
    assert mp_client.get_registered_system(STANDARD_SYSTEM).id == STANDARD_SYSTEM
    created = mp_client.create_standard_request(std())
    assert created.is_new
    r = created.request
    assert mp_client.get_request(r.id).id == r.id
    assert mp_client.get_request_by_external_ref(STANDARD_SYSTEM, ORG, "cust-1").id == r.id
    assert [x.id for x in mp_client.list_requests(STANDARD_SYSTEM)] == [r.id]
    assert [x.id for x in mp_client.list_all_requests(STANDARD_SYSTEM)] == [r.id]
    agent = mp_client.create_agent_request(AgentRequest(AGENT_SYSTEM, ORG, access_packages=[AGENT_PKG], external_ref="a-1"))
    assert mp_client.get_request(agent.request.id, RequestKind.AGENT).id == agent.request.id
    assert mp_client.verify_system_user(STANDARD_SYSTEM, ORG, "cust-1") is None
    sim.approve(r.id)
    assert mp_client.get_request(r.id).status is RequestStatus.ACCEPTED
    assert mp_client.verify_system_user(STANDARD_SYSTEM, ORG, "cust-1").id == r.id
    assert [u.id for u in mp_client.list_system_users(STANDARD_SYSTEM)] == [r.id]
    assert [u.id for u in mp_client.list_all_system_users(STANDARD_SYSTEM)] == [r.id]
    mp_client.withdraw_request(agent.request.id)
    with pytest.raises(NotFoundError):
        mp_client.get_request(agent.request.id, RequestKind.AGENT)
    token = mp_client.system_user_token(ORG, "cust-1", scopes=[API_SCOPE])
    assert token.scope == API_SCOPE

    log = calls(sim)
    assert not [c for c in log if c["path"].startswith("/_sim/token")], "no minted token"
    altinn = [c for c in log if c["path"].startswith("/authentication/")]
    assert altinn and all(c["status"] < 500 for c in altinn)
    # One grant per scope set (register.write, request.write, request.read) and one for the
    # system user: everything else came from the cache.
    assert grants(sim) == 4
    assert [c["status"] for c in log if c["path"] == "/token"] == [200] * 4


# -- the cache -------------------------------------------------------------------------------------


def test_grants_are_cached_per_scope_set(mp_client, sim):
    sim.admin("DELETE", "calls")
    mp_client.get_registered_system(STANDARD_SYSTEM)
    assert grants(sim) == 1
    mp_client.get_registered_system(STANDARD_SYSTEM)  # the same scopes: no new grant
    assert grants(sim) == 1
    mp_client.list_requests(STANDARD_SYSTEM)  # request.read: a new grant
    assert grants(sim) == 2
    mp_client.list_requests(STANDARD_SYSTEM)
    mp_client.get_registered_system(STANDARD_SYSTEM)
    assert grants(sim) == 2
    # The cache belongs to the client's store: another client starts empty.
    other = Client(sim.environment, maskinporten=mp_client.maskinporten)
    other.get_registered_system(STANDARD_SYSTEM)
    assert grants(sim) == 3


def test_a_token_is_not_used_in_its_last_30_seconds(sim, signer):
    # Tokens of 40 s: granted with the host clock 5 s behind, a token is usable until 5 s past
    # now; with the clock 6 s ahead (within Maskinporten's 10 s) it is in its last 30 s.
    sim.settings(tokenLifetimeSecs=40)
    clock = SystemClock(-5)
    c = Client(sim.environment, maskinporten=mp(signer), clock=clock)
    sim.admin("DELETE", "calls")
    c.get_registered_system(STANDARD_SYSTEM)
    c.get_registered_system(STANDARD_SYSTEM)
    assert grants(sim) == 1
    clock.offset = dt.timedelta(seconds=6)
    c.get_registered_system(STANDARD_SYSTEM)
    assert grants(sim) == 2
    # A token shorter than the margin is never kept.
    sim.settings(tokenLifetimeSecs=30)
    c2 = Client(sim.environment, maskinporten=mp(signer))
    c2.get_registered_system(STANDARD_SYSTEM)
    c2.get_registered_system(STANDARD_SYSTEM)
    assert grants(sim) == 4


def test_a_grant_is_retried_after_a_503(mp_client, sim):
    sim.fault("maskinporten_token", "status503")
    sim.admin("DELETE", "calls")
    assert mp_client.get_registered_system(STANDARD_SYSTEM).id == STANDARD_SYSTEM
    assert [c["status"] for c in calls(sim) if c["path"] == "/token"] == [503, 200]


# -- system-user tokens ----------------------------------------------------------------------------


def test_system_user_token_for_an_approved_customer(mp_client, sim):
    r = mp_client.create_standard_request(std(ref="erp-42")).request
    sim.approve(r.id)
    before = dt.datetime.now(dt.timezone.utc)
    sim.admin("DELETE", "calls")
    t = mp_client.system_user_token(ORG, "erp-42", scopes=[API_SCOPE])
    assert isinstance(t, AccessToken)
    assert t.scope == API_SCOPE and t.scopes == [API_SCOPE]
    assert t.token and t.authorization == "Bearer " + t.token
    # The simulator's tokens live 120 s from the grant's iat.
    assert before + dt.timedelta(seconds=115) <= t.expires_at <= before + dt.timedelta(seconds=125)
    # The token carries the system user (the simulator's HS256 JWT; read, not verified).
    claims = json.loads(base64.urlsafe_b64decode(t.token.split(".")[1] + "=="))
    details = claims["authorization_details"][0]
    assert details["systemuser_id"] == [r.id] and details["externalRef"] == "erp-42"
    assert details["systemuser_org"]["ID"] == "0192:" + ORG
    # Cached like any token; a string of scopes is split.
    assert mp_client.system_user_token(ORG, "erp-42", scopes=API_SCOPE).token == t.token
    assert grants(sim) == 1


def test_system_user_token_with_the_default_external_ref(mp_client, sim):
    r = mp_client.create_standard_request(StandardRequest(STANDARD_SYSTEM, ORG, access_packages=[PKG])).request
    assert r.external_ref == ORG
    sim.approve(r.id)
    assert mp_client.system_user_token(ORG, scopes=[API_SCOPE]).scope == API_SCOPE


def test_mp_303_for_a_wrong_external_ref(mp_client, sim):
    sim.approve(mp_client.create_standard_request(std(ref="erp-42")).request.id)
    with pytest.raises(MaskinportenError) as ei:
        mp_client.system_user_token(ORG, "erp-43", scopes=[API_SCOPE])
    e = ei.value
    assert isinstance(e, SystemUserError)
    assert e.code == "MP-303" and e.status == 400
    assert e.title == "invalid_altinn_customer_configuration"
    assert "MP-303" in e.detail
    assert "erp-43" in e.message and "approved" in e.message
    assert "MP-303" in repr(e)


def test_mp_303_before_the_customer_approved(mp_client, sim):
    mp_client.create_standard_request(std())
    with pytest.raises(MaskinportenError) as ei:
        mp_client.system_user_token(ORG, "cust-1", scopes=[API_SCOPE])
    assert ei.value.code == "MP-303"


# -- refusals --------------------------------------------------------------------------------------


def assert_refused_before_altinn(sim):
    log = calls(sim)
    assert [c["status"] for c in log if c["path"] == "/token"] == [400]
    assert not [c for c in log if c["path"].startswith("/authentication/")]


def test_mp_130_when_the_host_clock_is_60_s_ahead(sim, signer):
    c = Client(sim.environment, maskinporten=mp(signer), clock=SystemClock(60), retries=0)
    sim.admin("DELETE", "calls")
    with pytest.raises(MaskinportenError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    e = ei.value
    assert e.code == "MP-130" and e.title == "invalid_grant" and e.status == 400
    assert "clock" in e.message
    assert_refused_before_altinn(sim)


def test_mp_120_with_an_unregistered_key(sim):
    c = Client(sim.environment, maskinporten=mp(RsaSigner.from_file(UNREGISTERED_KEY, kid=KID)), retries=0)
    sim.admin("DELETE", "calls")
    with pytest.raises(MaskinportenError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    e = ei.value
    assert e.code == "MP-120" and e.title == "invalid_grant"
    assert KID in e.message and CLIENT_ID in e.message
    assert_refused_before_altinn(sim)


def test_mp_100_with_an_unknown_client_id(sim, signer):
    c = Client(sim.environment, maskinporten=mp(signer, client_id="no-such-client"), retries=0)
    sim.admin("DELETE", "calls")
    with pytest.raises(MaskinportenError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    e = ei.value
    assert e.code == "MP-100" and e.title == "invalid_client"
    assert "no-such-client" in e.message
    assert_refused_before_altinn(sim)


def test_a_scope_the_client_lacks_is_mp_201(mp_client, sim):
    sim.approve(mp_client.create_standard_request(std()).request.id)
    with pytest.raises(MaskinportenError) as ei:
        mp_client.system_user_token(ORG, "cust-1", scopes=["ttd:not-granted"])
    assert ei.value.code == "MP-201" and ei.value.title == "invalid_scope"


def test_no_signer_is_a_token_error_that_says_so(sim):
    c = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID))
    sim.admin("DELETE", "calls")
    with pytest.raises(TokenError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    assert "no Maskinporten key is configured" in str(ei.value)
    assert grants(sim) == 0


def test_a_failing_signer_is_a_token_error(sim):
    class Hsm:
        def identity(self):
            return KeyId(KID)

        def sign(self, data):
            raise RuntimeError("the HSM is offline")

    with pytest.raises(TokenError) as ei:
        Client(sim.environment, maskinporten=mp(Hsm())).get_registered_system(STANDARD_SYSTEM)
    assert "the HSM is offline" in str(ei.value)


def test_token_mode_is_unchanged_and_has_no_system_user_tokens(client, sim):
    assert client.maskinporten is None
    assert client.get_registered_system(STANDARD_SYSTEM).id == STANDARD_SYSTEM
    assert grants(sim) == 0
    with pytest.raises(ValidationError) as ei:  # refused before anything is sent
        client.system_user_token(ORG, scopes=[API_SCOPE])
    assert ei.value.codes == ["maskinporten-not-configured"]
    assert grants(sim) == 0


def test_token_and_maskinporten_exclude_each_other(sim, signer):
    with pytest.raises(ValueError):
        Client(sim.environment, token="t", maskinporten=mp(signer))
    with pytest.raises(ValueError):
        Client(sim.environment)
    with pytest.raises(TypeError):
        Maskinporten(CLIENT_ID, signer=object())


# -- clock and randomness --------------------------------------------------------------------------


def test_clock_and_random_can_be_replaced(sim, signer):
    import time

    seen = []

    def rng(n):
        seen.append(n)
        return b"\x07" * n  # not random at all: the component catches the repeat

    c = Client(sim.environment, maskinporten=mp(signer), clock=time.time, random_bytes=rng)
    assert c.get_registered_system(STANDARD_SYSTEM).id == STANDARD_SYSTEM
    assert seen == [16]
    with pytest.raises(TokenError) as ei:
        c.list_requests(STANDARD_SYSTEM)  # another scope set: a second grant, the same jti
    assert "repeated" in str(ei.value)


# -- keys ------------------------------------------------------------------------------------------


def test_signer_from_pem_pkcs8_and_pkcs1(sim):
    pkcs8 = RsaSigner.from_file(CLIENT_KEY, kid=KID)
    assert pkcs8.identity() == KeyId(KID) and pkcs8.key_size == 2048
    pkcs1 = client_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert pkcs1.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    signer = RsaSigner.from_text(pkcs1.decode(), kid=KID)
    Client(sim.environment, maskinporten=mp(signer)).get_registered_system(STANDARD_SYSTEM)
    assert signer.sign(b"x") == pkcs8.sign(b"x")  # PKCS#1 v1.5 is deterministic


def test_signer_from_an_encrypted_pem():
    enc = client_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")
    )
    assert RsaSigner.from_text(enc, kid=KID, password="pw").identity() == KeyId(KID)
    with pytest.raises(SigningKeyError, match="password"):
        RsaSigner.from_text(enc, kid=KID)


def test_signer_from_a_private_jwk_takes_its_kid(sim):
    jwk = private_jwk(client_key(), kid=KID)
    signer = RsaSigner.from_text(json.dumps(jwk))
    assert signer.identity() == KeyId(KID)
    Client(sim.environment, maskinporten=mp(signer)).get_registered_system(STANDARD_SYSTEM)
    # A one-key JWKS; an explicit kid wins; n, e and d alone are enough.
    assert RsaSigner.from_text(json.dumps({"keys": [jwk]})).identity() == KeyId(KID)
    assert RsaSigner.from_text(json.dumps(jwk), kid="other").identity() == KeyId("other")
    short = {k: jwk[k] for k in ("kty", "n", "e", "d", "kid")}
    assert RsaSigner.from_text(json.dumps(short)).sign(b"x") == signer.sign(b"x")


def test_key_errors_name_the_problem_never_the_key(tmp_path):
    jwk = private_jwk(client_key())
    secrets_ = [jwk["d"], jwk["p"], jwk["n"][:40]]
    cases = [
        (lambda: RsaSigner.from_file(KEYS / "TEST-ONLY-client-key.jwks.json"), "public key"),
        (lambda: RsaSigner.from_text(json.dumps(jwk)), "no key id"),
        (lambda: RsaSigner.from_text(json.dumps(dict(jwk, p=jwk["q"]))), "consistent"),
        (lambda: RsaSigner.from_text(json.dumps({"keys": [jwk, jwk]}), kid="k"), "more or fewer than one"),
        (lambda: RsaSigner.from_text(json.dumps(dict(jwk, kty="EC")), kid="k"), "kty"),
        (lambda: RsaSigner.from_text('{"kty": "RSA", "d": "' + jwk["d"] + '"', kid="k"), "not JSON"),
        (lambda: RsaSigner.from_text("-----BEGIN PRIVATE KEY-----\n" + jwk["d"] + "\n-----END PRIVATE KEY-----", kid="k"), "PEM"),
        (lambda: RsaSigner.from_text(jwk["d"], kid="k"), "neither"),
        (lambda: RsaSigner.from_file(tmp_path / "missing.pem", kid="k"), "cannot be read"),
    ]
    for make, why in cases:
        with pytest.raises(SigningKeyError) as ei:
            make()
        e = ei.value
        assert isinstance(e, ValueError) and isinstance(e, SystemUserError)
        assert why in str(e), str(e)
        for s in secrets_:
            assert s not in str(e) and s not in repr(e)
        assert e.__cause__ is None and (e.__context__ is None or e.__suppress_context__)  # no chained text


def self_signed(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TEST-ONLY SMARTREGNSKAP AS")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert


def test_signer_with_a_certificate_chain(sim):
    key = client_key()
    cert = self_signed(key)
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    signer = RsaSigner.from_file(CLIENT_KEY, certificate_chain=[der])
    assert signer.identity() == CertificateChain((der,))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    assert RsaSigner.from_file(CLIENT_KEY, certificate_chain=pem).identity() == CertificateChain((der,))
    assert "x5c chain of 1" in repr(signer)
    with pytest.raises(SigningKeyError, match="not for this key"):
        RsaSigner.from_file(UNREGISTERED_KEY, certificate_chain=[der])
    with pytest.raises(SigningKeyError, match="not both"):
        RsaSigner.from_file(CLIENT_KEY, kid=KID, certificate_chain=[der])
    # The grant names the chain (x5c): a certificate the client does not have is refused...
    c = Client(sim.environment, maskinporten=mp(signer), retries=0)
    with pytest.raises(MaskinportenError) as ei:
        c.get_registered_system(STANDARD_SYSTEM)
    assert ei.value.code == "MP-120" and "x5c" in (ei.value.detail or "")
    # ...and the fixture client's registered TEST-ONLY certificate signs grants.
    registered = RsaSigner.from_file(CLIENT_KEY, certificate_chain=CLIENT_CERT.read_bytes())
    c = Client(sim.environment, maskinporten=mp(registered), retries=0)
    assert c.get_registered_system(STANDARD_SYSTEM).id == STANDARD_SYSTEM


# -- secrets ---------------------------------------------------------------------------------------


class Recording(RequestsTransport):
    """Keeps what went over the wire: the assertions sent and the tokens received."""

    def __init__(self):
        super().__init__()
        self.secrets = []

    def send(self, method, url, headers, body, timeout):
        status, h, b = super().send(method, url, headers, body, timeout)
        if url.endswith("/token"):
            form = dict(p.split("=", 1) for p in body.decode().split("&"))
            self.secrets.append(form["assertion"])
            self.secrets.extend(form["assertion"].split("."))
            if status == 200:
                self.secrets.append(json.loads(b)["access_token"])
        return status, h, b


def test_no_token_assertion_or_key_in_reprs_errors_or_logs(sim, signer, caplog):
    caplog.set_level(logging.DEBUG)
    wire = Recording()
    c = Client(sim.environment, maskinporten=mp(signer), transport=wire, retries=0)
    r = c.create_standard_request(std()).request
    sim.approve(r.id)
    token = c.system_user_token(ORG, "cust-1", scopes=[API_SCOPE])
    errors = []
    for make in (
        lambda: c.system_user_token(ORG, "wrong-ref", scopes=[API_SCOPE]),
        lambda: Client(sim.environment, maskinporten=mp(RsaSigner.from_file(UNREGISTERED_KEY, kid=KID)), transport=wire).get_registered_system(STANDARD_SYSTEM),
        lambda: Client(sim.environment, maskinporten=mp(signer), transport=wire, clock=SystemClock(60)).get_registered_system(STANDARD_SYSTEM),
        lambda: RsaSigner.from_text(json.dumps(private_jwk(client_key()))),
    ):
        with pytest.raises(SystemUserError) as ei:
            make()
        errors.append(ei.value)
    assert len(wire.secrets) >= 4 * 3 + 2  # assertions and their parts, tokens
    nums = client_key().private_numbers()
    pem_lines = [ln for ln in CLIENT_KEY.read_text().splitlines() if ln and not ln.startswith("-----")]
    secrets_ = [s for s in wire.secrets if len(s) >= 16] + pem_lines + [str(nums.d), f"{nums.d:x}", b64url(nums.d), b64url(nums.p)]

    texts = [repr(c), str(c.maskinporten), repr(signer), str(signer), repr(token), str(token), repr(c.stats)]
    for e in errors:
        texts += [str(e), repr(e)] + [str(v) for v in vars(e).values()]
    texts += [rec.getMessage() for rec in caplog.records]
    assert caplog.records, "expected debug log lines from the transport"
    for text in texts:
        for s in secrets_:
            assert s not in text
    with pytest.raises(TypeError):
        pickle.dumps(signer)


def test_the_command_gets_its_own_tokens(sim, tmp_path, capsys):
    from altinn_systemuser.cli import main as cli_main

    csv_path = tmp_path / "customers.csv"
    csv_path.write_text("customer_id,org_no\n" + "".join(f"k{i},{o}\n" for i, o in enumerate(sim.orgs[:3])), encoding="utf-8")
    sim.admin("DELETE", "calls")
    common = ["--db", str(csv_path), "--system-id", STANDARD_SYSTEM, "--env", sim.base, "--json", "--no-progress"]
    code = cli_main(["onboard", *common, "--package", PKG, "--client-id", CLIENT_ID, "--key", str(CLIENT_KEY), "--kid", KID])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["onboard"]["created"] == 3
    assert grants(sim) >= 1 and not [c for c in calls(sim) if c["path"].startswith("/_sim/token")]
    # A public JWKS is no signing key: usage error, and nothing of the file is printed.
    jwks = KEYS / "TEST-ONLY-client-key.jwks.json"
    code = cli_main(["watch", *common, "--client-id", CLIENT_ID, "--key", str(jwks)])
    err = capsys.readouterr().err
    assert code == 2 and "public key" in err
    assert json.loads(jwks.read_text())["keys"][0]["n"][:40] not in err
