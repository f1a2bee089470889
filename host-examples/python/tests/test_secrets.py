"""No secret anywhere: what a token provider or signer says when it fails (it may quote a
credential), a token file's trailing newline, and a server that quotes the bearer token (or the
grant's assertion) back, in token mode, in Maskinporten mode and through the command. Every
field, `str`, `repr`, attribute, log record and line of output is searched."""

import json
import logging
import re

import pytest

from altinn_systemuser import (
    AltinnError,
    Client,
    KeyId,
    Maskinporten,
    MaskinportenError,
    RequestsTransport,
    StaticToken,
    TokenError,
)
from altinn_systemuser.cli import main as cli_main
from altinn_systemuser.testing import STANDARD_SYSTEM, VENDOR
from conftest import CLIENT_ID, CLIENT_KEY, KID
from shared import CALLS, leaks, texts_of

ALL_SCOPES = [
    "altinn:authentication/systemuser.request.read",
    "altinn:authentication/systemuser.request.write",
    "altinn:authentication/systemregister.write",
]
PKG = "urn:altinn:accesspackage:skattegrunnlag"
# Never a real token: a JWT's header and claims, and secrets in the shapes providers write them.
FAKE_JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ2ZW5kb3ItMzE0MjQ4Mjk1In0.c2lnbmF0dXJlLW9mLWEtZmFrZS1qd3Q"
PROVIDER_SECRETS = {
    "a JWT cut to 30 characters": FAKE_JWT[:30],
    "a refresh token": "r3fresh-9f8e7d6c5b4a",
    "a client secret": "cl1ent-s3cret-0a1b2c3d",
    "a JSON access token": "acc3ss-t0ken-5e6f7a8b",
    "a password": "p4ssw0rd-hunter2-xyz",
    "an assertion": "ass3rtion-7c6b5a4d3e",
    "a basic credential": "dXNlcjpwYXNzd29yZA==",
    "an id token in a repr": "id-t0ken-1a2b3c4d5e",
}
PROVIDER_TEXT = (
    f"vault said no: jwt={PROVIDER_SECRETS['a JWT cut to 30 characters']}…, "
    f"refresh_token: {PROVIDER_SECRETS['a refresh token']}; client_secret={PROVIDER_SECRETS['a client secret']} "
    f"body {json.dumps({'access_token': PROVIDER_SECRETS['a JSON access token'], 'scope': 'x'})} "
    f"password = {PROVIDER_SECRETS['a password']}, client_assertion={PROVIDER_SECRETS['an assertion']}&x=1 "
    f"Authorization: Basic {PROVIDER_SECRETS['a basic credential']} "
    f"{ {'id_token': PROVIDER_SECRETS['an id token in a repr']} }"
)


def assert_nothing_of(texts, secrets):
    found = leaks(texts, list(secrets))
    assert found == [], found


# -- what providers and signers say --------------------------------------------------------------


def test_a_providers_failure_shows_no_secret_in_any_shape(sim, show):
    def provider(scopes):
        raise RuntimeError(PROVIDER_TEXT)

    with pytest.raises(TokenError) as ei:
        Client(sim.environment, token=provider).get_registered_system(STANDARD_SYSTEM)
    e = ei.value
    show(f"provider failure: {e!r}")
    assert "vault said no" in str(e) and "RuntimeError" in str(e)  # still says what happened
    for what, secret in PROVIDER_SECRETS.items():
        assert leaks(texts_of(e), [secret]) == [], what
    assert e.__context__ is None and e.__cause__ is None  # the provider's exception is not kept


def test_a_signers_failure_shows_no_secret(sim, show):
    class Hsm:
        def __init__(self, fail_identity):
            self.fail_identity = fail_identity

        def identity(self):
            if self.fail_identity:
                raise RuntimeError(PROVIDER_TEXT)
            return KeyId(KID)

        def sign(self, data):
            raise RuntimeError(PROVIDER_TEXT)

    for fail_identity in (False, True):
        c = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, Hsm(fail_identity)))
        with pytest.raises(TokenError) as ei:
            c.get_registered_system(STANDARD_SYSTEM)
        e = ei.value
        show(f"signer failure: {e!r}")
        assert "vault said no" in str(e) and ("identity()" in str(e)) == fail_identity
        for what, secret in PROVIDER_SECRETS.items():
            assert leaks(texts_of(e), [secret]) == [], what
        assert e.__context__ is None and e.__cause__ is None


def test_a_token_read_from_a_file_loses_one_trailing_newline(sim):
    token = sim.mint(ALL_SCOPES)
    for text in (token + "\n", token + "\r\n"):
        assert Client(sim.environment, token=text).get_registered_system(STANDARD_SYSTEM).id == STANDARD_SYSTEM
    for bad in (token + "\n\n", token[:20] + "\x00" + token[20:], "\t" + token, token + "\x7f", token + "\x85"):
        with pytest.raises(ValueError) as ei:
            StaticToken(bad)
        assert "control character" in str(ei.value)
        assert_nothing_of([str(ei.value), repr(ei.value)], [token[:16], token[20:36]])


# -- a server that quotes the secret back ---------------------------------------------------------


class Recording(RequestsTransport):
    """Real HTTP; keeps the secrets that went over the wire (bearer tokens sent, Maskinporten
    assertions posted and tokens received) and whether an answer quoted one back, so that the
    checks below could fail. Bodies are not kept."""

    def __init__(self):
        super().__init__()
        self.secrets = []
        self.echoed = 0

    def send(self, method, url, headers, body, timeout, max_response_bytes=1024 * 1024):
        sent = [v.split(" ", 1)[1] for k, v in headers if k.lower() == "authorization"]
        if url.endswith("/token") and body:
            sent += [v for k, v in (p.split("=", 1) for p in body.decode().split("&")) if k == "assertion"]
        self.secrets += sent
        status, h, b = super().send(method, url, headers, body, timeout, max_response_bytes)
        if url.endswith("/token") and status == 200:
            self.secrets.append(json.loads(b)["access_token"])
        self.echoed += sum(1 for s in sent if s.encode() in b)
        return status, h, b


def run_echoed(c, wire, caplog, show, call):
    caplog.set_level(logging.DEBUG)
    with pytest.raises((AltinnError, MaskinportenError)) as ei:
        call()
    e = ei.value
    show(f"echoed: {e!r}")
    assert wire.echoed >= 1, "the server did not quote the secret: the check could not fail"
    assert wire.secrets
    assert_nothing_of(texts_of(e) + [r.getMessage() for r in caplog.records], wire.secrets)
    return e


def test_an_echoed_bearer_token_shows_nowhere_in_token_mode(sim, caplog, show):
    wire = Recording()
    c = Client(sim.environment, token=sim.token_provider(), transport=wire)
    sim.fault("get_request", "echo_token")
    e = run_echoed(c, wire, caplog, show, lambda: c.get_request(CALLS["get"]["id"]))
    # The problem's fields are there, with the token taken out of each.
    assert e.status == 400 and e.code == "STD-00000" and "[redacted]" in e.title and "[redacted]" in e.detail
    assert e.extensions and e.field_errors


def test_an_echoed_token_shows_nowhere_in_maskinporten_mode(sim, signer, caplog, show):
    # The bearer is the component's own Maskinporten token: this host never saw it but on the wire.
    wire = Recording()
    c = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer), transport=wire)
    sim.fault("get_request", "echo_token")
    e = run_echoed(c, wire, caplog, show, lambda: c.get_request(CALLS["get"]["id"]))
    assert e.status == 400 and e.extensions
    # Maskinporten quoting the grant's assertion back.
    sim.fault("maskinporten_token", "echo_token")
    wire2 = Recording()
    c2 = Client(sim.environment, maskinporten=Maskinporten(CLIENT_ID, signer), transport=wire2, retries=0)
    e2 = run_echoed(c2, wire2, caplog, show, lambda: c2.list_requests(STANDARD_SYSTEM))
    assert isinstance(e2, MaskinportenError) and e2.status == 400


_JWT_RUN = re.compile(r"eyJ[A-Za-z0-9_-]{10,}")


def test_the_command_shows_no_echoed_token(sim, tmp_path, capsys, monkeypatch, show):
    token = sim.mint(ALL_SCOPES)
    monkeypatch.setenv("SYSTEMUSER_TOKEN", token + "\n")
    csv_path = tmp_path / "customers.csv"
    csv_path.write_text("customer_id,org_no\n" + "".join(f"k{i},{o}\n" for i, o in enumerate(sim.orgs[:2])), encoding="utf-8")
    sim.fault("create_request", "echo_token", count=10)
    common = ["--db", str(csv_path), "--system-id", STANDARD_SYSTEM, "--env", sim.base, "--no-progress", "--package", PKG]
    outputs = []
    for extra in ([], ["--json"]):
        code = cli_main(["onboard", *common, *extra])
        out = capsys.readouterr()
        outputs += [out.out, out.err]
        assert code == 1  # Altinn said no (a 400), for every customer
    assert "STD-00000" in outputs[0] and json.loads(outputs[2])["onboard"]["failed"] == 2
    # Maskinporten mode: the token is the component's own; no JWT of any kind may show.
    sim.admin("DELETE", "faults")
    sim.fault("create_request", "echo_token", count=10)
    code = cli_main(["onboard", *common, "--client-id", CLIENT_ID, "--key", str(CLIENT_KEY), "--kid", KID])
    out = capsys.readouterr()
    outputs += [out.out, out.err]
    assert code == 1 and "[redacted]" in out.out
    show("", *(x for x in outputs if x.strip()))
    assert_nothing_of(outputs, [token])
    assert [m.group()[:6] for x in outputs for m in _JWT_RUN.finditer(x)] == []


def test_a_cli_run_that_could_not_tell_exits_4(sim, tmp_path, capsys):
    csv_path = tmp_path / "customers.csv"
    csv_path.write_text("customer_id,org_no\n" + "".join(f"k{i},{o}\n" for i, o in enumerate(sim.orgs[:2])), encoding="utf-8")
    sim.fault("create_request", "status429", retryAfterSecs=3600, count=10)
    args = ["onboard", "--db", str(csv_path), "--system-id", STANDARD_SYSTEM, "--env", sim.base,
            "--sim-vendor", VENDOR, "--package", PKG, "--no-progress", "--json"]
    assert cli_main(args) == 4
    rep = json.loads(capsys.readouterr().out)["onboard"]
    assert rep["retry_later"] == 2 and rep["failed"] == 0 and rep["created"] == 0
    # Nothing was marked as refused: the next run creates both.
    sim.admin("DELETE", "faults")
    assert cli_main(args) == 0
    assert json.loads(capsys.readouterr().out)["onboard"]["created"] == 2
