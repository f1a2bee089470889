//! The System Register (API.md §13) through the component, against the simulator over real
//! HTTP: a system registered, read, updated (the members an update leaves out are kept), its
//! rights and packages set, its changelog, deleted (and deleted again); a system registered by
//! API used at once for a request and a system-user token; a lost answer to the register POST
//! settled without a second system; another vendor's system forbidden; and the local checks
//! that refuse a system before anything is sent.

#![allow(clippy::result_large_err)] // the typed error is matched by value here

mod common;
mod e2e;

use altinn_sim::test_clients::SPARE;
use altinn_sim::{FaultKind, FaultSpec, SimHandle};
use e2e::*;
use serde_json::Value;
use systemuser_host::wit::{self, AccessPackage, AttributePair, LocalizedText, RegisteredSystem, Right, SystemUpdate};
use systemuser_host::{config_with_maskinporten, custom_environment, Capabilities, Client, RsaSigner, UreqTransport};

const NEW_SYSTEM: &str = "314248295_smartlonn";
const NEW_REDIRECT: &str = "https://smartlonn.example/callback";

fn text(nb: &str, en: &str) -> LocalizedText {
    LocalizedText { nb: Some(nb.into()), nn: Some(nb.into()), en: Some(en.into()) }
}

fn resource(value: &str) -> Right {
    Right { action: None, resource: vec![AttributePair { id: "urn:altinn:resource".into(), value: value.into() }] }
}

fn package(name: &str) -> AccessPackage {
    AccessPackage { urn: format!("urn:altinn:accesspackage:{name}") }
}

/// A system of the default vendor with the spare Maskinporten client (tagged on no fixture
/// system), so that its grants act for this system's system users.
fn new_system(id: &str) -> RegisteredSystem {
    RegisteredSystem {
        id: id.into(),
        vendor_org_no: format!("0192:{VENDOR}"),
        name: text("SmartLønn", "SmartPayroll"),
        description: text("Lønn for små bedrifter", "Payroll for small businesses"),
        rights: vec![resource("ske-krav-og-betalinger")],
        access_packages: vec![package("skattegrunnlag")],
        client_ids: vec![SPARE.client_id.into()],
        is_visible: true,
        allowed_redirect_urls: vec![NEW_REDIRECT.into()],
        is_deleted: false,
    }
}

/// The System Register as the simulator holds it (deleted systems too), by id.
fn stored_systems(sim: &SimHandle, id: &str) -> Vec<Value> {
    admin_get(sim, "/_sim/systems")["systems"].as_array().cloned().unwrap_or_default().into_iter().filter(|s| s["id"] == id).collect()
}

fn violation_codes(e: &wit::Error) -> Vec<String> {
    match e {
        wit::Error::Validation(v) => v.iter().map(|v| v.code.clone()).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The calls on Altinn's routes (the admin routes' own have no route name).
fn api_calls(sim: &SimHandle) -> Vec<Value> {
    calls(sim).into_iter().filter(|c| c["route"].is_string()).collect()
}

/// The calls on the System Register's changing routes.
fn register_writes(sim: &SimHandle) -> usize {
    calls(sim)
        .iter()
        .filter(|c| {
            matches!(
                c["route"].as_str(),
                Some(
                    "create_registered_system"
                        | "update_registered_system"
                        | "update_registered_system_rights"
                        | "update_registered_system_access_packages"
                        | "delete_registered_system"
                )
            )
        })
        .count()
}

#[test]
fn a_system_is_registered_read_updated_set_logged_and_deleted() {
    let sim = start();
    let client = client(&sim);

    let registered = client.register_system(new_system(NEW_SYSTEM)).expect("registered");
    assert!(!registered.reconciled);
    let internal = registered.internal_id.clone().expect("the POST answers the internal id");
    let stored = stored_systems(&sim, NEW_SYSTEM);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["internalId"], internal.as_str());

    let read = client.get_registered_system(NEW_SYSTEM).expect("read back");
    let mut expected = new_system(NEW_SYSTEM);
    expected.vendor_org_no = VENDOR.into();
    assert_eq!(read, expected, "the system reads back as registered (vendor as a bare org number)");
    let listed = client.list_systems().expect("listed");
    let item = listed.iter().find(|s| s.id == NEW_SYSTEM).expect("the new system is listed");
    assert!(item.client_ids.is_empty() && item.allowed_redirect_urls.is_empty(), "a listing has no client ids or redirect URLs");
    assert!(listed.iter().any(|s| s.id == STANDARD_SYSTEM) && !listed.iter().any(|s| s.id == FOREIGN_SYSTEM));

    // An update that names the name and the visibility only: everything else is kept, though
    // Altinn's PUT resets whatever its body leaves out (the component sends the whole record).
    clear_calls(&sim);
    let update = SystemUpdate {
        id: NEW_SYSTEM.into(),
        name: Some(text("SmartLønn Pro", "SmartPayroll Pro")),
        description: None,
        rights: None,
        access_packages: None,
        client_ids: None,
        is_visible: Some(false),
        allowed_redirect_urls: None,
    };
    client.update_system(update).expect("updated");
    assert_eq!(calls_of(&sim, "update_registered_system").len(), 1);
    let after = client.get_registered_system(NEW_SYSTEM).unwrap();
    assert_eq!(after.name, text("SmartLønn Pro", "SmartPayroll Pro"));
    assert!(!after.is_visible);
    assert_eq!(
        (after.description, after.rights, after.access_packages, after.client_ids, after.allowed_redirect_urls),
        (read.description, read.rights, read.access_packages, read.client_ids, read.allowed_redirect_urls),
        "the members the update did not name are kept"
    );

    client.set_system_rights(NEW_SYSTEM, vec![resource("ske-krav-og-betalinger"), resource("ske-innrapportering-a-ordning")]).unwrap();
    client.set_system_access_packages(NEW_SYSTEM, vec![package("skattegrunnlag"), package("merverdiavgift")]).unwrap();
    let set = client.get_registered_system(NEW_SYSTEM).unwrap();
    assert_eq!(set.rights, vec![resource("ske-krav-og-betalinger"), resource("ske-innrapportering-a-ordning")]);
    assert_eq!(set.access_packages, vec![package("skattegrunnlag"), package("merverdiavgift")]);
    assert_eq!(set.name, text("SmartLønn Pro", "SmartPayroll Pro"), "setting rights and packages changes nothing else");

    let log = client.system_changelog(NEW_SYSTEM).expect("changelog");
    let mut kinds: Vec<&str> = log.iter().map(|c| c.change_type.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["accesspackageupdate", "create", "rightsupdate", "update"]);
    assert!(log.iter().all(|c| c.system_internal_id == internal && c.changed_by_org_no == VENDOR && c.created.is_some()));
    let update = log.iter().find(|c| c.change_type == "update").unwrap();
    let body: Value = serde_json::from_str(&update.changed_data).expect("the body the update sent, as JSON");
    assert_eq!(body["ClientId"][0], SPARE.client_id, "the PUT carried the client id it did not name: {body}");
    assert_eq!(body["AllowedRedirectUrls"][0], NEW_REDIRECT, "{body}");
    assert_eq!(body["IsVisible"], false, "{body}");

    clear_calls(&sim);
    client.delete_system(NEW_SYSTEM).expect("deleted");
    assert_eq!(calls_of(&sim, "delete_registered_system").len(), 1);
    let deleted = client.get_registered_system(NEW_SYSTEM).expect("a deleted system can still be read");
    assert!(deleted.is_deleted);
    assert!(!client.list_systems().unwrap().iter().any(|s| s.id == NEW_SYSTEM), "deleted systems are left out of the list");
    client.delete_system(NEW_SYSTEM).expect("deleting a deleted system succeeds");
    assert_eq!(calls_of(&sim, "delete_registered_system").len(), 1, "nothing more is deleted: the stored system says so");
    assert!(client.system_changelog(NEW_SYSTEM).unwrap().iter().any(|c| c.change_type == "delete"));

    // A deleted system cannot change, and its id is never registered again.
    match altinn_error(client.set_system_rights(NEW_SYSTEM, vec![])) {
        wit::Error::Conflict(p) => {
            assert_eq!(p.code.as_deref(), Some("system-deleted"));
            assert!(p.message.contains("deleted") && p.message.contains("never reused"), "{}", p.message);
        }
        other => panic!("expected conflict system-deleted, got {other:?}"),
    }
    match altinn_error(client.register_system(new_system(NEW_SYSTEM))) {
        wit::Error::Altinn(p) => {
            assert_eq!(p.status, 400);
            assert!(p.field_errors.iter().any(|v| v.code == "AUTH.VLD-00002"), "{p:?}");
        }
        other => panic!("expected Altinn's AUTH.VLD-00002, got {other:?}"),
    }
    assert_eq!(stored_systems(&sim, NEW_SYSTEM).len(), 1);
}

#[test]
fn a_system_registered_by_api_is_used_at_once_for_a_request_and_its_grants() {
    let sim = start();
    let vendor = client(&sim);
    vendor.register_system(new_system(NEW_SYSTEM)).expect("registered");

    let mut input = standard_input(CUSTOMERS[0], Some("payroll-1"));
    input.system_id = NEW_SYSTEM.into();
    input.access_packages = Some(vec![package("skattegrunnlag")]);
    input.redirect_url = Some(NEW_REDIRECT.into());
    let created = vendor.create_standard_request(input).expect("a request for the system registered a moment ago");
    assert!(created.is_new);
    assert_eq!(created.request.system_id, NEW_SYSTEM);
    sim.approve(&created.request.id).unwrap();

    // The system's Maskinporten client (the spare one) now gets a token for its system user.
    let signer = RsaSigner::from_text(SPARE.key_pem, Some(SPARE.kid)).unwrap();
    let config = config_with_maskinporten(custom_environment(&sim.url()), SPARE.client_id, signer.key_identity());
    let software = Client::new(runtime(), Capabilities::with_key(UreqTransport::new(), signer), config);
    let token = software.system_user_token(CUSTOMERS[0], Some("payroll-1"), &["ttd:regnskap.read"]).expect("a system-user token");
    assert_eq!(token.scope, "ttd:regnskap.read");
    assert!(!format!("{token:?}").contains(token.token.expose()), "Debug never shows the token");
}

#[test]
fn a_lost_answer_to_the_register_post_is_reconciled_without_a_second_system() {
    let sim = start();
    let client = client(&sim);
    sim.arm_fault(FaultSpec::new("create_registered_system", FaultKind::LostResponse)).unwrap();

    let registered = client.register_system(new_system(NEW_SYSTEM)).expect("reconciled");
    assert!(registered.reconciled, "{registered:?}");
    assert_eq!(registered.internal_id, None, "a reconciled register has no POST answer to read the internal id from");
    assert_eq!(calls_of(&sim, "create_registered_system").len(), 1, "the POST is never sent twice");
    assert!(!calls_of(&sim, "get_registered_system").is_empty(), "the id was looked up instead");
    assert_eq!(stored_systems(&sim, NEW_SYSTEM).len(), 1, "one system");
    assert_eq!(client.get_registered_system(NEW_SYSTEM).unwrap().client_ids, [SPARE.client_id]);

    // Registering the same system again later is no second system either: Altinn says the id
    // is taken.
    let again = altinn_error(client.register_system(new_system(NEW_SYSTEM)));
    assert!(matches!(&again, wit::Error::Altinn(p) if p.field_errors.iter().any(|v| v.code == "AUTH.VLD-00002")), "{again:?}");
    assert_eq!(stored_systems(&sim, NEW_SYSTEM).len(), 1);

    // A lost answer for an id that belongs to a deleted system: the reconciliation finds it
    // deleted and says so instead of claiming a registration.
    client.delete_system(NEW_SYSTEM).unwrap();
    sim.arm_fault(FaultSpec::new("create_registered_system", FaultKind::LostResponse)).unwrap();
    match altinn_error(client.register_system(new_system(NEW_SYSTEM))) {
        wit::Error::Conflict(p) => assert_eq!(p.code.as_deref(), Some("AUTH.VLD-00002"), "{p:?}"),
        other => panic!("expected conflict AUTH.VLD-00002, got {other:?}"),
    }
}

#[test]
fn another_vendors_system_is_forbidden() {
    let sim = start();
    let client = client(&sim);
    let before = stored_systems(&sim, FOREIGN_SYSTEM);
    let forbidden = |result: Result<(), systemuser_host::ClientError>, what: &str| match altinn_error(result) {
        wit::Error::Forbidden(p) => {
            assert_eq!(p.status, 403, "{what}");
            assert!(p.message.contains("another vendor"), "{what}: {}", p.message);
        }
        other => panic!("{what}: expected forbidden, got {other:?}"),
    };
    forbidden(client.get_registered_system(FOREIGN_SYSTEM).map(drop), "read");
    let update = SystemUpdate {
        id: FOREIGN_SYSTEM.into(),
        name: Some(text("Overtatt", "Taken over")),
        description: None,
        rights: None,
        access_packages: None,
        client_ids: None,
        is_visible: None,
        allowed_redirect_urls: None,
    };
    forbidden(client.update_system(update), "update");
    forbidden(client.set_system_rights(FOREIGN_SYSTEM, vec![resource("ske-krav-og-betalinger")]), "set rights");
    forbidden(client.set_system_access_packages(FOREIGN_SYSTEM, vec![package("skattegrunnlag")]), "set packages");
    forbidden(client.delete_system(FOREIGN_SYSTEM), "delete");
    forbidden(client.system_changelog(FOREIGN_SYSTEM).map(drop), "changelog");
    // Registering under another vendor's organisation number: refused by the owner check.
    let mut theirs = new_system(&format!("{FOREIGN_VENDOR}_kopi"));
    theirs.vendor_org_no = FOREIGN_VENDOR.into();
    theirs.client_ids = vec![];
    forbidden(client.register_system(theirs).map(drop), "register");
    assert_eq!(stored_systems(&sim, FOREIGN_SYSTEM), before, "the other vendor's system is unchanged");
    assert!(stored_systems(&sim, &format!("{FOREIGN_VENDOR}_kopi")).is_empty());
}

#[test]
fn the_component_refuses_a_bad_system_before_anything_is_sent() {
    let sim = start();
    let client = client(&sim);
    let system = |change: &dyn Fn(&mut RegisteredSystem)| {
        let mut s = new_system(NEW_SYSTEM);
        change(&mut s);
        s
    };
    let cases: Vec<(&str, RegisteredSystem, &str)> = vec![
        ("a space in the id", system(&|s| s.id = "314248295_smart lonn".into()), "AUTH.VLD-00013"),
        ("an id of another organisation", system(&|s| s.id = "313367002_smartlonn".into()), "AUTH.VLD-00001"),
        ("an http redirect URL", system(&|s| s.allowed_redirect_urls = vec!["http://smartlonn.example/cb".into()]), "AUTH.VLD-00005"),
        ("a relative redirect URL", system(&|s| s.allowed_redirect_urls = vec!["/callback".into()]), "AUTH.VLD-00005"),
        (
            "a right twice",
            system(&|s| s.rights = vec![resource("ske-krav-og-betalinger"), resource("ske-krav-og-betalinger")]),
            "AUTH.VLD-00006",
        ),
        ("a package twice", system(&|s| s.access_packages = vec![package("skattegrunnlag"), package("skattegrunnlag")]), "AUTH.VLD-00007"),
        ("a client id twice", system(&|s| s.client_ids = vec!["c1".into(), "c1".into()]), "AUTH.VLD-00011"),
        (
            "an agent-only package on a visible system",
            system(&|s| s.access_packages = vec![package("regnskapsforer-lonn")]),
            "AUTH.VLD-00018",
        ),
        (
            "a right on an app instead of a resource",
            system(&|s| {
                s.rights = vec![Right {
                    action: None,
                    resource: vec![
                        AttributePair { id: "urn:altinn:org".into(), value: "ttd".into() },
                        AttributePair { id: "urn:altinn:app".into(), value: "regnskap".into() },
                    ],
                }]
            }),
            "AUTH.VLD-00009",
        ),
    ];
    for (what, bad, code) in cases {
        let codes = violation_codes(&altinn_error(client.register_system(bad)));
        assert!(codes.iter().any(|c| c == code), "{what}: expected {code}, got {codes:?}");
    }
    // An agent-only package is fine on a system that is not visible.
    let hidden = system(&|s| {
        s.access_packages = vec![package("regnskapsforer-lonn")];
        s.is_visible = false;
    });
    assert!(api_calls(&sim).is_empty(), "nothing was sent for a refused system: {:?}", api_calls(&sim));
    client.register_system(hidden).expect("an agent-only package on a hidden system");

    // Changes are checked against the stored system: the visible flag it has decides.
    clear_calls(&sim);
    client
        .update_system(SystemUpdate {
            id: NEW_SYSTEM.into(),
            name: None,
            description: None,
            rights: None,
            access_packages: None,
            client_ids: None,
            is_visible: Some(true),
            allowed_redirect_urls: None,
        })
        .map(|_| panic!("making a system with an agent-only package visible must be refused"))
        .unwrap_or_else(|e| {
            let codes = violation_codes(e.altinn().expect("a typed error"));
            assert!(codes.iter().any(|c| c == "AUTH.VLD-00018"), "{codes:?}");
        });
    let codes = violation_codes(&altinn_error(client.set_system_rights(NEW_SYSTEM, vec![resource("a"), resource("a")])));
    assert_eq!(codes, ["AUTH.VLD-00006"]);
    let codes = violation_codes(&altinn_error(client.delete_system("314248295 smartlonn")));
    assert!(!codes.is_empty());
    assert_eq!(register_writes(&sim), 0, "only reads were sent: {:?}", api_calls(&sim));
    assert!(api_calls(&sim).iter().all(|c| c["route"] == "get_registered_system"), "{:?}", api_calls(&sim));
}
