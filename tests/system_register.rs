//! The System Register (API.md §13) through the operation machine, natively with scripted
//! answers: a system registered exactly once (a lost answer settled by reading it), an update
//! that keeps what it does not name (the server's PUT would reset it), rights and packages
//! checked against the stored system, a delete that survives the server's ambiguous 400, and
//! the listing and changelog read.

#![allow(clippy::result_large_err)] // the typed error is matched by value here

use altinn_systemuser::error::{Error, TransportErrorKind, TransportFailure};
use altinn_systemuser::http::{Header, HttpRequest, HttpResponse, Method};
use altinn_systemuser::model::{
    AccessPackage, AttributePair, Config, DateTime, Environment, LocalizedText, RegisteredSystem, Right, SystemUpdate,
};
use altinn_systemuser::operation::{Input, Operation, Outcome, Step, Task};
use altinn_systemuser::protocol::Call;
use altinn_systemuser::secret::Secret;
use serde_json::{json, Value};

const T0: DateTime = DateTime { seconds: 1_790_000_000, nanoseconds: 0 };
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl";
const SYSTEM: &str = "314248295_smartregnskap";
const BASE: &str = "https://platform.tt02.altinn.no/authentication/api/v1/";
const INTERNAL: &str = "7c1e5e2a-7d4b-4a8e-9f3a-1b2c3d4e5f60";

fn config() -> Config {
    Config { retry_budget: 2, backoff_ms: 0, ..Config::new(Environment::Tt02) }
}

fn text(nb: &str) -> LocalizedText {
    LocalizedText { nb: Some(nb.into()), nn: Some(format!("{nb} (nn)")), en: Some(format!("{nb} (en)")) }
}

fn right(resource: &str) -> Right {
    Right { action: None, resource: vec![AttributePair { id: "urn:altinn:resource".into(), value: resource.into() }] }
}

fn system() -> RegisteredSystem {
    RegisteredSystem {
        id: SYSTEM.into(),
        vendor_org_no: "314248295".into(),
        name: text("Smart Regnskap"),
        description: text("Regnskap for små bedrifter"),
        rights: vec![right("ske-krav-og-betalinger")],
        access_packages: vec![AccessPackage { urn: "urn:altinn:accesspackage:skattegrunnlag".into() }],
        client_ids: vec!["a2ed712d-4144-4471-839f-80ae4a68146b".into()],
        is_visible: true,
        allowed_redirect_urls: vec!["https://smartregnskap.no/ferdig".into()],
        is_deleted: false,
    }
}

/// The system as `GET systemregister/vendor/{id}` answers it.
fn stored(deleted: bool) -> String {
    json!({
        "id": SYSTEM, "vendor": {"ID": "0192:314248295"}, "name": {"nb": "Smart Regnskap", "nn": "Smart Regnskap (nn)", "en": "Smart Regnskap (en)"},
        "description": {"nb": "Regnskap for små bedrifter", "nn": "Regnskap for små bedrifter (nn)", "en": "Regnskap for små bedrifter (en)"},
        "rights": [{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}],
        "accessPackages": [{"urn": "urn:altinn:accesspackage:skattegrunnlag"}],
        "clientId": ["a2ed712d-4144-4471-839f-80ae4a68146b"], "isVisible": true,
        "allowedRedirectUrls": ["https://smartregnskap.no/ferdig"], "isDeleted": deleted
    })
    .to_string()
}

fn op(task: Task) -> Operation {
    Operation::new(config(), task, T0, &[5; 16])
}

fn answer(status: u16, body: &str) -> Input {
    Input::Response(HttpResponse {
        status,
        headers: vec![Header { name: "Content-Type".into(), value: "application/json".into() }],
        body: body.as_bytes().to_vec(),
    })
}

const SUCCEEDED: &str = r#"{"succeeded":true}"#;

fn next(op: &mut Operation, input: Input) -> Step {
    op.advance(input, T0)
}

#[track_caller]
fn sent(step: Step, method: Method, path: &str) -> HttpRequest {
    match step {
        Step::Send(r) => {
            assert_eq!((r.method, r.url.as_str()), (method, format!("{BASE}{path}").as_str()), "{r:?}");
            r
        }
        other => panic!("expected {method:?} {path}, got {other:?}"),
    }
}

fn body(request: &HttpRequest) -> Value {
    serde_json::from_slice(request.body.as_deref().expect("a body")).expect("JSON")
}

#[track_caller]
fn first(op: &mut Operation, method: Method, path: &str) -> HttpRequest {
    assert_eq!(op.start(), Step::NeedToken(vec!["altinn:authentication/systemregister.write".into()]));
    sent(next(op, Input::Token(Secret::new(TOKEN))), method, path)
}

#[test]
fn a_system_is_registered_with_its_whole_record_and_the_internal_id_comes_back() {
    let mut register = op(Task::RegisterSystem(system()));
    let post = first(&mut register, Method::Post, "systemregister/vendor");
    assert_eq!(
        body(&post),
        json!({
            "id": SYSTEM, "vendor": {"authority": "iso6523-actorid-upis", "ID": "0192:314248295"},
            "name": {"nb": "Smart Regnskap", "nn": "Smart Regnskap (nn)", "en": "Smart Regnskap (en)"},
            "description": {"nb": "Regnskap for små bedrifter", "nn": "Regnskap for små bedrifter (nn)", "en": "Regnskap for små bedrifter (en)"},
            "rights": [{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}],
            "accessPackages": [{"urn": "urn:altinn:accesspackage:skattegrunnlag"}],
            "clientId": ["a2ed712d-4144-4471-839f-80ae4a68146b"], "isVisible": true,
            "allowedRedirectUrls": ["https://smartregnskap.no/ferdig"]
        })
    );
    let done = next(&mut register, answer(200, &format!("\"{}\"", INTERNAL.to_uppercase())));
    assert_eq!(done, Step::Done(Ok(Outcome::SystemRegistered { internal_id: Some(INTERNAL.into()), reconciled: false })));
}

#[test]
fn a_system_the_server_would_refuse_is_refused_before_anything_is_sent() {
    let mut bad = system();
    bad.id = "999999999_smartregnskap".into();
    bad.allowed_redirect_urls = vec!["http://smartregnskap.no/ferdig".into()];
    bad.access_packages.push(AccessPackage { urn: "urn:altinn:accesspackage:regnskapsforer-lonn".into() });
    bad.rights.push(right("ske-krav-og-betalinger"));
    let Step::Done(Err(Error::Validation(violations))) = op(Task::RegisterSystem(bad)).start() else { panic!("refused locally") };
    let codes: Vec<&str> = violations.iter().map(|v| v.code.as_str()).collect();
    assert_eq!(codes, ["AUTH.VLD-00001", "AUTH.VLD-00005", "AUTH.VLD-00006", "AUTH.VLD-00018"], "{violations:?}");

    // A name or description without all three languages (Altinn's database refuses it with a
    // 500), and a vendor under another authority than 0192 (AUTH.VLD-00000, reported alone).
    let mut bad = system();
    bad.description.en = None;
    let Step::Done(Err(Error::Validation(violations))) = op(Task::RegisterSystem(bad)).start() else { panic!("refused locally") };
    assert_eq!((violations[0].code.as_str(), violations[0].field.as_str()), ("required", "description.en"), "{violations:?}");
    let mut bad = system();
    bad.vendor_org_no = "0088:314248295".into();
    bad.id = "x y".into();
    let Step::Done(Err(Error::Validation(violations))) = op(Task::RegisterSystem(bad)).start() else { panic!("refused locally") };
    assert_eq!(violations.iter().map(|v| v.code.as_str()).collect::<Vec<_>>(), ["AUTH.VLD-00000"]);
}

#[test]
fn a_lost_answer_is_settled_by_reading_the_system_never_by_a_second_blind_post() {
    let lost = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::ConnectionLost, message: "reset".into() });
    // Stored after all: found, reconciled.
    let mut register = op(Task::RegisterSystem(system()));
    first(&mut register, Method::Post, "systemregister/vendor");
    sent(next(&mut register, lost.clone()), Method::Get, &format!("systemregister/vendor/{SYSTEM}"));
    let done = next(&mut register, answer(200, &stored(false)));
    assert_eq!(done, Step::Done(Ok(Outcome::SystemRegistered { internal_id: None, reconciled: true })));

    // Not stored: then (and only then) the POST goes again.
    let mut register = op(Task::RegisterSystem(system()));
    first(&mut register, Method::Post, "systemregister/vendor");
    sent(next(&mut register, lost.clone()), Method::Get, &format!("systemregister/vendor/{SYSTEM}"));
    sent(next(&mut register, answer(404, "")), Method::Post, "systemregister/vendor");
    let done = next(&mut register, answer(200, &format!("\"{INTERNAL}\"")));
    assert_eq!(done, Step::Done(Ok(Outcome::SystemRegistered { internal_id: Some(INTERNAL.into()), reconciled: false })));

    // A deleted system holds the id for ever: a conflict, said plainly.
    let mut register = op(Task::RegisterSystem(system()));
    first(&mut register, Method::Post, "systemregister/vendor");
    sent(next(&mut register, lost), Method::Get, &format!("systemregister/vendor/{SYSTEM}"));
    match next(&mut register, answer(200, &stored(true))) {
        Step::Done(Err(Error::Conflict(p))) => assert!(p.message.contains("never reused"), "{p:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_update_keeps_every_member_it_does_not_name() {
    let update = SystemUpdate { id: SYSTEM.into(), name: Some(text("Smart Regnskap Pro")), is_visible: Some(false), ..Default::default() };
    let mut change = op(Task::UpdateSystem(update));
    first(&mut change, Method::Get, &format!("systemregister/vendor/{SYSTEM}"));
    let put = sent(next(&mut change, answer(200, &stored(false))), Method::Put, &format!("systemregister/vendor/{SYSTEM}"));
    let sent_body = body(&put);
    assert_eq!(sent_body["name"], json!({"nb": "Smart Regnskap Pro", "nn": "Smart Regnskap Pro (nn)", "en": "Smart Regnskap Pro (en)"}));
    assert_eq!(sent_body["isVisible"], json!(false));
    // What the update left out goes as stored, not as the server's defaults.
    assert_eq!(sent_body["clientId"], json!(["a2ed712d-4144-4471-839f-80ae4a68146b"]));
    assert_eq!(sent_body["allowedRedirectUrls"], json!(["https://smartregnskap.no/ferdig"]));
    assert_eq!(sent_body["rights"][0]["resource"][0]["value"], json!("ske-krav-og-betalinger"));
    assert_eq!(next(&mut change, answer(200, SUCCEEDED)), Step::Done(Ok(Outcome::SystemChanged)));
}

#[test]
fn a_change_to_an_unknown_or_deleted_system_is_refused_without_a_write() {
    let update = SystemUpdate { id: SYSTEM.into(), name: Some(text("x")), ..Default::default() };
    let mut change = op(Task::UpdateSystem(update));
    first(&mut change, Method::Get, &format!("systemregister/vendor/{SYSTEM}"));
    assert!(matches!(next(&mut change, answer(404, "")), Step::Done(Err(Error::NotFound(_)))));

    // The server answers rights for an unknown system with a 500: here it is a 404 first.
    let mut rights = op(Task::SetSystemRights { system_id: SYSTEM.into(), rights: vec![right("ske-krav-og-betalinger")] });
    first(&mut rights, Method::Get, &format!("systemregister/vendor/{SYSTEM}"));
    match next(&mut rights, answer(200, &stored(true))) {
        Step::Done(Err(Error::Conflict(p))) => assert_eq!(p.code.as_deref(), Some("system-deleted"), "{p:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn packages_are_checked_against_the_stored_visibility_and_rights_sent_as_a_bare_list() {
    let agent_only = vec![AccessPackage { urn: "urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet".into() }];
    let mut packages = op(Task::SetSystemAccessPackages { system_id: SYSTEM.into(), access_packages: agent_only });
    first(&mut packages, Method::Get, &format!("systemregister/vendor/{SYSTEM}"));
    match next(&mut packages, answer(200, &stored(false))) {
        Step::Done(Err(Error::Validation(v))) => assert_eq!(v[0].code, "AUTH.VLD-00018", "{v:?}"),
        other => panic!("{other:?}"),
    }

    let mut rights = op(Task::SetSystemRights { system_id: SYSTEM.into(), rights: vec![right("app_skatt_mva")] });
    first(&mut rights, Method::Get, &format!("systemregister/vendor/{SYSTEM}"));
    let put = sent(next(&mut rights, answer(200, &stored(false))), Method::Put, &format!("systemregister/vendor/{SYSTEM}/rights"));
    assert_eq!(body(&put), json!([{"resource": [{"id": "urn:altinn:resource", "value": "app_skatt_mva"}]}]));
    // A PUT is idempotent: an outage is waited out and the same PUT sent again.
    let again = next(&mut rights, answer(503, ""));
    sent(again, Method::Put, &format!("systemregister/vendor/{SYSTEM}/rights"));
    assert_eq!(next(&mut rights, answer(200, SUCCEEDED)), Step::Done(Ok(Outcome::SystemChanged)));
}

#[test]
fn a_delete_succeeds_once_the_system_is_deleted_whatever_the_server_answered() {
    let path = format!("systemregister/vendor/{SYSTEM}");
    // Already deleted: nothing to send.
    let mut delete = op(Task::DeleteSystem(SYSTEM.into()));
    first(&mut delete, Method::Get, &path);
    assert_eq!(next(&mut delete, answer(200, &stored(true))), Step::Done(Ok(Outcome::SystemChanged)));

    // The server flags it deleted and answers an empty 400 (a system without client ids): read again.
    let mut delete = op(Task::DeleteSystem(SYSTEM.into()));
    first(&mut delete, Method::Get, &path);
    sent(next(&mut delete, answer(200, &stored(false))), Method::Delete, &path);
    sent(next(&mut delete, answer(400, "")), Method::Get, &path);
    assert_eq!(next(&mut delete, answer(200, &stored(true))), Step::Done(Ok(Outcome::SystemChanged)));

    // A 400 that left the system in place is the error it was.
    let mut delete = op(Task::DeleteSystem(SYSTEM.into()));
    first(&mut delete, Method::Get, &path);
    sent(next(&mut delete, answer(200, &stored(false))), Method::Delete, &path);
    sent(next(&mut delete, answer(400, r#"{"status":400,"errors":{"return":["System not found"]}}"#)), Method::Get, &path);
    assert!(matches!(next(&mut delete, answer(200, &stored(false))), Step::Done(Err(Error::Altinn(_) | Error::Validation(_)))));
}

#[test]
fn the_listing_and_the_changelog_are_read() {
    let listing = json!([{
        "systemId": SYSTEM, "systemVendorOrgNumber": "314248295", "systemVendorOrgName": "", "name": {"nb": "Smart Regnskap"},
        "description": {"nb": "x"}, "rights": [], "accessPackages": [{"urn": "urn:altinn:accesspackage:skattegrunnlag"}], "isVisible": true
    }]);
    let mut list = op(Task::Read(Call::ListSystems));
    first(&mut list, Method::Get, "systemregister/vendor");
    match next(&mut list, answer(200, &listing.to_string())) {
        Step::Done(Ok(Outcome::Systems(systems))) => {
            assert_eq!((systems.len(), systems[0].id.as_str(), systems[0].vendor_org_no.as_str()), (1, SYSTEM, "314248295"));
        }
        other => panic!("{other:?}"),
    }

    let changelog = json!([{
        "systemInternalId": INTERNAL, "changedByOrgNumber": "0192:314248295", "changeType": "create",
        "changedData": {"id": SYSTEM}, "clientId": "a2ed712d-4144-4471-839f-80ae4a68146b", "created": "2026-12-01T10:00:00Z"
    }]);
    let mut log = op(Task::Read(Call::SystemChangelog(SYSTEM.into())));
    first(&mut log, Method::Get, &format!("systemregister/vendor/{SYSTEM}/changelog"));
    match next(&mut log, answer(200, &changelog.to_string())) {
        Step::Done(Ok(Outcome::SystemChangelog(entries))) => {
            let e = &entries[0];
            assert_eq!((e.change_type.as_str(), e.changed_by_org_no.as_str()), ("create", "314248295"));
            assert_eq!(serde_json::from_str::<Value>(&e.changed_data).unwrap(), json!({"id": SYSTEM}));
        }
        other => panic!("{other:?}"),
    }
    // A listing that is not a list is an invalid response, not an empty one.
    let mut list = op(Task::Read(Call::ListSystems));
    first(&mut list, Method::Get, "systemregister/vendor");
    assert!(matches!(next(&mut list, answer(200, r#"{"data":[]}"#)), Step::Done(Err(Error::InvalidResponse(_)))));
}

#[test]
fn the_servers_list_of_validation_errors_is_the_message() {
    let mut register = op(Task::RegisterSystem(system()));
    first(&mut register, Method::Post, "systemregister/vendor");
    let problem = json!({
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "One or more validation errors occurred.", "status": 400,
        "code": "STD-00000",
        "validationErrors": [{"code": "AUTH.VLD-00002", "title": "The system id already exists", "paths": ["id"]}]
    });
    match next(&mut register, answer(400, &problem.to_string())) {
        Step::Done(Err(Error::Altinn(p))) => {
            assert_eq!(p.message, "Altinn refused the request (400 STD-00000): AUTH.VLD-00002 id: The system id already exists");
            assert_eq!(p.field_errors[0].code, "AUTH.VLD-00002");
        }
        other => panic!("{other:?}"),
    }
}
