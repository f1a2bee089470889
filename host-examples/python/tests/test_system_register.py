"""The System Register (API.md §13) through the package, over real HTTP against the simulator:
a system registered from Altinn's JSON shape, listed, read, updated by merge (members not named
are kept, the whole record goes out as a PUT), its rights and packages set, its changelog read,
deleted; a system registered by API usable at once for a request, its approval and a
Maskinporten system-user token; and every refusal typed, with nothing sent when the package or
the component can tell before."""

import json
import logging
from collections import Counter

import pytest

from altinn_systemuser import (
    AccessPackage,
    AltinnError,
    Client,
    ConflictError,
    ForbiddenError,
    LocalizedText,
    Maskinporten,
    NotFoundError,
    RegisteredSystem,
    Right,
    RsaSigner,
    StandardRequest,
    SystemChangeType,
    SystemRegistration,
    SystemUpdate,
    ValidationError,
)
from altinn_systemuser.testing import VENDOR
from conftest import KEYS
from shared import leaks, texts_of

SPARE_KEY = KEYS / "TEST-ONLY-spare-client-key.pk8.pem"
SPARE_CLIENT = "sim-spare-client"
SPARE_KID = "sim-spare-key-1"
NEW_ID = f"{VENDOR}_regnskapsapi"
PKG = "urn:altinn:accesspackage:skattegrunnlag"
MVA = "urn:altinn:accesspackage:merverdiavgift"


def altinn_shape(system_id=NEW_ID, **extra):
    """A system as Altinn's own JSON writes it."""
    body = {
        "id": system_id,
        "vendor": {"ID": f"0192:{VENDOR}"},
        "name": {"nb": "Regnskaps-API", "nn": "Rekneskaps-API", "en": "Accounting API"},
        "description": {"nb": "Regnskap", "nn": "Rekneskap", "en": "Accounting"},
        "rights": [{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}],
        "accessPackages": [{"urn": PKG}],
        "clientId": [SPARE_CLIENT],
        "isVisible": True,
        "allowedRedirectUrls": ["https://regnskapsapi.example/ferdig"],
    }
    body.update(extra)
    return body


def vendor_calls(sim):
    return [c for c in sim.calls() if not c["path"].startswith("/_sim/")]


def test_register_list_read_update_by_merge_and_delete(client, sim):
    reg = client.register_system(altinn_shape())
    assert isinstance(reg, SystemRegistration)
    assert reg.system_id == NEW_ID and reg.internal_id and not reg.reconciled
    assert any(s["id"] == NEW_ID for s in sim.admin("GET", "systems")["systems"])

    listed = {s.id: s for s in client.list_systems()}
    assert {f"{VENDOR}_smartregnskap", NEW_ID} <= set(listed)
    assert all(s.vendor_org_no == VENDOR for s in listed.values())
    assert listed[NEW_ID].access_packages == [AccessPackage(PKG)]

    s = client.get_registered_system(NEW_ID)
    assert s.client_ids == [SPARE_CLIENT] and s.allowed_redirect_urls == ["https://regnskapsapi.example/ferdig"]
    assert s.name == LocalizedText("Regnskaps-API", "Rekneskaps-API", "Accounting API") and s.is_visible
    # What the package reads, it writes back in the same shape.
    assert RegisteredSystem.from_json(s.to_json()) == s

    # An update names one member: the rest is kept, although Altinn's PUT resets what a body
    # leaves out (the component read the system and sent the whole record, as a PUT).
    sim.clear_calls()
    client.update_system(NEW_ID, name="Regnskaps-API 2")
    assert [(c["method"], c["route"]) for c in vendor_calls(sim)] == [
        ("GET", "get_registered_system"),
        ("PUT", "update_registered_system"),
    ]
    after = client.get_registered_system(NEW_ID)
    assert after.name == LocalizedText("Regnskaps-API 2", "Regnskaps-API 2", "Regnskaps-API 2")
    assert (after.rights, after.access_packages, after.client_ids, after.allowed_redirect_urls, after.is_visible) == (
        s.rights, s.access_packages, s.client_ids, s.allowed_redirect_urls, s.is_visible
    )

    # The same from Altinn's shape, and from a SystemUpdate; [] empties a list.
    client.update_system({"id": NEW_ID, "allowedRedirectUrls": ["https://regnskapsapi.example/ny"]})
    client.update_system(SystemUpdate(NEW_ID, description={"nb": "Ny", "nn": "Ny", "en": "New"}, rights=[]))
    after = client.get_registered_system(NEW_ID)
    assert after.allowed_redirect_urls == ["https://regnskapsapi.example/ny"]
    assert after.description == LocalizedText("Ny", "Ny", "New") and after.rights == []
    assert after.access_packages == [AccessPackage(PKG)] and after.client_ids == [SPARE_CLIENT]

    # Rights and packages set on their own routes (short names, URNs, dicts all taken).
    client.set_system_rights(NEW_ID, ["ske-krav-og-betalinger", {"resource": [{"id": "urn:altinn:resource", "value": "ttd-melding"}]}])
    client.set_system_access_packages(NEW_ID, ["skattegrunnlag", {"urn": MVA}])
    after = client.get_registered_system(NEW_ID)
    assert after.rights == [Right.for_resource("ske-krav-og-betalinger"), Right.for_resource("ttd-melding")]
    assert after.access_packages == [AccessPackage(PKG), AccessPackage(MVA)]
    routes = Counter((c["method"], c["route"]) for c in vendor_calls(sim))
    assert routes[("PUT", "update_registered_system_rights")] == 1
    assert routes[("PUT", "update_registered_system_access_packages")] == 1

    client.delete_system(NEW_ID)
    client.delete_system(NEW_ID)  # deleting a deleted system succeeds
    assert NEW_ID not in {s.id for s in client.list_systems()}
    assert client.get_registered_system(NEW_ID).is_deleted

    log = client.system_changelog(NEW_ID)
    kinds = Counter(c.change_type for c in log)
    assert kinds == Counter(
        {
            SystemChangeType.CREATE: 1,
            SystemChangeType.UPDATE: 3,
            SystemChangeType.RIGHTS_UPDATE: 1,
            SystemChangeType.ACCESS_PACKAGE_UPDATE: 1,
            SystemChangeType.DELETE: 1,
        }
    ), kinds
    create = next(c for c in log if c.change_type is SystemChangeType.CREATE)
    assert create.changed_by_org_no.endswith(VENDOR) and create.system_internal_id == reg.internal_id
    assert isinstance(create.changed_data, dict) and create.changed_data.get("Id") == NEW_ID
    assert create.created is not None


def test_a_system_registered_by_api_is_usable_at_once(client, sim):
    """register → request → approve → a system-user token with the system's own Maskinporten client."""
    client.register_system(
        RegisteredSystem(
            id=NEW_ID,
            vendor_org_no=f"0192:{VENDOR}",
            name="Regnskaps-API",
            description="Regnskap",
            access_packages=["skattegrunnlag"],
            client_ids=[SPARE_CLIENT],
            is_visible=True,
            allowed_redirect_urls=["https://regnskapsapi.example/ferdig"],
        )
    )
    created = client.create_standard_request(
        StandardRequest(system_id=NEW_ID, party_org_no="310816191", external_ref="api-kunde", access_packages=[PKG],
                        redirect_url="https://regnskapsapi.example/ferdig")
    )
    assert created.is_new
    sim.approve(created.request.id)
    user = client.verify_system_user(NEW_ID, "310816191", "api-kunde")
    assert user is not None and user.id == created.request.id

    mp = Client(sim.environment, maskinporten=Maskinporten(SPARE_CLIENT, RsaSigner.from_file(SPARE_KEY, kid=SPARE_KID)))
    token = mp.system_user_token("310816191", "api-kunde", scopes=["ttd:regnskap.read"])
    assert token.scopes == ["ttd:regnskap.read"] and "…" in repr(token)


def test_local_violations_are_refused_before_anything_is_sent(client, sim):
    sim.clear_calls()
    bad = altinn_shape(
        f"{VENDOR}_med mellomrom",
        allowedRedirectUrls=["http://usikker.example/"],
        accessPackages=[{"urn": PKG}, {"urn": PKG}, {"urn": "urn:altinn:accesspackage:regnskapsforer-lonn"}],
    )
    with pytest.raises(ValidationError) as e:
        client.register_system(bad)
    assert e.value.codes == ["AUTH.VLD-00013", "AUTH.VLD-00005", "AUTH.VLD-00007", "AUTH.VLD-00018"]
    with pytest.raises(ValidationError) as e:
        client.register_system(altinn_shape("313367002_fremmed"))
    assert e.value.codes == ["AUTH.VLD-00001"]
    with pytest.raises(ValidationError) as e:  # a member Altinn does not have: a typo is not dropped
        client.register_system(altinn_shape(isVisibel=False))
    assert e.value.codes == ["json-shape"] and "isVisibel" in str(e.value)
    # An update's merge is checked after its read: only that GET went out.
    with pytest.raises(ValidationError) as e:
        client.update_system(f"{VENDOR}_smartregnskap", rights=["ske-krav-og-betalinger", "ske-krav-og-betalinger"])
    assert "AUTH.VLD-00006" in e.value.codes
    with pytest.raises(ValidationError) as e:
        client.set_system_access_packages(f"{VENDOR}_smartregnskap", ["skattegrunnlag", "skattegrunnlag"])
    assert "AUTH.VLD-00007" in e.value.codes
    sent = [c["route"] for c in vendor_calls(sim)]
    assert "create_registered_system" not in sent and not any(r.startswith("update_") for r in sent), sent


def test_the_servers_refusals_are_typed(sim, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = []
    minted = sim.token_provider()

    def provider(scopes):
        tokens.append(minted.get_token(scopes))
        return tokens[-1]

    client = Client(sim.environment, token=provider, timeout=5.0, retries=1, backoff=0.01)
    errors = []
    # Another vendor's system: the empty 403.
    with pytest.raises(ForbiddenError) as e:
        client.set_system_rights("313367002_konkurrent", ["ske-krav-og-betalinger"])
    assert "another vendor" in str(e.value)
    errors.append(e.value)
    # Unknown systems: 404 on every route (the server's 500 and 400 forms included).
    for call in (
        lambda: client.update_system(f"{VENDOR}_finnesikke", name="x"),
        lambda: client.set_system_rights(f"{VENDOR}_finnesikke", ["ske-krav-og-betalinger"]),
        lambda: client.delete_system(f"{VENDOR}_finnesikke"),
        lambda: client.system_changelog(f"{VENDOR}_finnesikke"),
    ):
        with pytest.raises(NotFoundError) as e:
            call()
        errors.append(e.value)
    # An id taken: Altinn's validation problem, its AUTH.VLD code in `codes`.
    with pytest.raises(AltinnError) as e:
        client.register_system(altinn_shape(f"{VENDOR}_smartregnskap", clientId=[]))
    assert "AUTH.VLD-00002" in e.value.codes
    errors.append(e.value)
    # A resource the Resource Registry does not know.
    with pytest.raises(AltinnError) as e:
        client.register_system(altinn_shape(rights=[{"resource": [{"id": "urn:altinn:resource", "value": "finnes-ikke"}]}]))
    assert "AUTH.VLD-00003" in e.value.codes
    errors.append(e.value)
    # A deleted system cannot be changed: conflict `system-deleted`, said plainly.
    client.register_system(altinn_shape())
    client.delete_system(NEW_ID)
    for call in (
        lambda: client.update_system(NEW_ID, name="x"),
        lambda: client.set_system_rights(NEW_ID, []),
        lambda: client.set_system_access_packages(NEW_ID, []),
    ):
        with pytest.raises(ConflictError) as e:
            call()
        assert e.value.code == "system-deleted" and "deleted" in str(e.value)
        errors.append(e.value)
    # Its id is never reused.
    with pytest.raises(AltinnError) as e:
        client.register_system(altinn_shape(clientId=[]))
    assert "AUTH.VLD-00002" in e.value.codes
    errors.append(e.value)

    assert tokens, "no token was handed out: the check could not fail"
    texts = [t for err in errors for t in texts_of(err)] + [r.getMessage() for r in caplog.records]
    assert leaks(texts, tokens) == []


def test_a_lost_registration_answer_is_settled_by_reading_the_system(client, sim):
    sim.fault("create_registered_system", "lost_response")
    reg = client.register_system(altinn_shape())
    assert reg.reconciled and reg.internal_id is None and reg.system_id == NEW_ID
    assert sum(s["id"] == NEW_ID for s in sim.admin("GET", "systems")["systems"]) == 1
    routes = [c["route"] for c in vendor_calls(sim)]
    assert routes.count("create_registered_system") == 1, routes
    # Registered once: registering it again is Altinn's AUTH.VLD-00002, not a second system.
    with pytest.raises(AltinnError) as e:
        client.register_system(altinn_shape(clientId=[]))
    assert "AUTH.VLD-00002" in e.value.codes
    assert json.dumps(RegisteredSystem.from_json(altinn_shape()).to_json())  # stays JSON
