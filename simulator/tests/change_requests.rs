//! API.md §11 over HTTP: the change-request create checks in the server's order (one test or more
//! per row, each showing the earlier check wins), the other four vendor routes, the response
//! shapes, and the quirks (replay ignores the body, a deleted id can't be reused, single GETs never
//! time out, byexternalref drops the package lists, the list repeats page one).

mod common;

use std::time::Duration;

use altinn_sim::{FaultKind, FaultSpec, Fixture, SimOptions, Simulator};
use common::*;
use serde_json::{json, Value};

const MISSING: &str = "Missing or invalid QueryParameter: correlation-id. Generate a unique UUID (RFC 4122) for this Change Request, \
                       and add as a Query Parameter.";
const SAME: &str = "The correlation-id should not be the same as the system-user-id. Generate a unique id.";

fn assert_bare(r: &Resp, text: &str) {
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.text(), text);
}

fn get_change(sim: &Sim, id: &str) -> Resp {
    sim.get(&format!("{API}/systemuser/changerequest/vendor/{id}"), &sim.token(&[READ]))
}

/// A system user of the other vendor's system `313367002_konkurrent` for `CUSTOMER`.
fn foreign_user(sim: &Sim) -> String {
    let t = sim.h.mint_token(OTHER_VENDOR, &[READ, WRITE]);
    let body = json!({"systemId": FOREIGN_SYSTEM, "partyOrgNo": CUSTOMER, "rights": [right(KRAV)]});
    let id = created_id(sim.post(&format!("{API}/systemuser/request/vendor"), &t, &body));
    assert_eq!(sim.approve(&id).status, 200);
    id
}

/// A change request of the other vendor, on its own system user, under `correlation_id`.
fn foreign_change(sim: &Sim, correlation_id: &str) {
    let user = foreign_user(sim);
    let t = sim.h.mint_token(OTHER_VENDOR, &[READ, WRITE]);
    let r = sim.post(&change_path(Some(correlation_id), Some(&user)), &t, &json!({"unwantedRights": [right(KRAV)]}));
    assert_eq!(r.status, 201, "{}", r.text());
}

// ---- step 0: token, scope, binding ----

#[test]
fn step0_token_and_scope_come_first() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let path = change_path(Some(&uuid()), Some(&su));
    sim.call("POST", &path, None, Some(&change_body())).assert_empty(401);
    sim.post(&path, &sim.token(&[READ]), &change_body()).assert_empty(403);
    // Even a body the framework would refuse: the token is checked first.
    let r = raw(sim.addr(), "POST", &path, &[("Content-Type", "application/json")], b"{nope").unwrap();
    r.assert_empty(401);
}

#[test]
fn step0_binding_errors_are_framework_400s() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let t = sim.rw();
    let auth = format!("Bearer {t}");
    let path = change_path(Some(&uuid()), Some(&su));
    // Malformed JSON, an empty body, a body that is not an object.
    for body in [&b"{nope"[..], b"", b"[]"] {
        let r = raw(sim.addr(), "POST", &path, &[("Authorization", &auth), ("Content-Type", "application/json")], body).unwrap();
        let v = r.validation();
        assert!(v["errors"]["createRequest"].is_array(), "{v}");
    }
    // Not JSON at all: 415.
    let r = raw(sim.addr(), "POST", &path, &[("Authorization", &auth), ("Content-Type", "text/plain")], b"{}").unwrap();
    assert_eq!(r.status, 415);
    // A list of the wrong type, and a null list.
    let v = sim.post(&path, &t, &json!({"requiredRights": 5})).validation();
    assert!(v["errors"]["$.requiredRights"][0].as_str().unwrap().contains("Models.Right]"), "{v}");
    let v = sim.post(&path, &t, &json!({"requiredRights": null, "unwantedAccessPackages": null})).validation();
    assert_eq!(v["errors"]["RequiredRights"], json!(["The RequiredRights field is required."]));
    assert_eq!(v["errors"]["UnwantedAccessPackages"], json!(["The UnwantedAccessPackages field is required."]));
    // Query parameters that are not Guids: reported with the body's errors.
    let v = sim
        .post(&format!("{API}/systemuser/changerequest/vendor?correlation-id=abc&system-user-id="), &t, &json!({"requiredRights": null}))
        .validation();
    assert_eq!(v["errors"]["correlation-id"], json!(["The value 'abc' is not valid."]));
    assert_eq!(v["errors"]["system-user-id"], json!(["The value '' is invalid."]));
    assert!(v["errors"]["RequiredRights"].is_array());
    // Nothing was stored.
    assert_eq!(sim.admin("GET", "/_sim/changerequests", None).json()["changeRequests"], json!([]));
}

#[test]
fn step0_runs_before_step1() {
    let sim = Sim::start();
    // No correlation id (step 1) and a bad body (step 0): the framework's 400 wins.
    let r = sim.post(&change_path(None, None), &sim.rw(), &json!({"unwantedRights": null}));
    r.validation();
}

// ---- step 1: correlation id ----

#[test]
fn step1_missing_or_empty_correlation_id_is_a_bare_string_400() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    assert_bare(&sim.post(&change_path(None, Some(&su)), &sim.rw(), &change_body()), MISSING);
    assert_bare(&sim.change("00000000-0000-0000-0000-000000000000", &su, &change_body()), MISSING);
    // Before the consumer check (step 2) and the system user (step 3).
    let no_consumer = sim.h.mint_token_with(VENDOR, &[READ, WRITE], 600, false);
    assert_bare(&sim.post(&change_path(None, Some(&uuid())), &no_consumer, &change_body()), MISSING);
}

// ---- step 2: consumer ----

#[test]
fn step2_no_consumer_is_an_empty_401() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let no_consumer = sim.h.mint_token_with(VENDOR, &[READ, WRITE], 600, false);
    sim.post(&change_path(Some(&uuid()), Some(&su)), &no_consumer, &change_body()).assert_empty(401);
    // Before step 3: an unknown system user gets the same.
    sim.post(&change_path(Some(&uuid()), Some(&uuid())), &no_consumer, &change_body()).assert_empty(401);
}

// ---- step 3: system user ----

#[test]
fn step3_unknown_missing_or_deleted_system_user_is_auth_00015() {
    let sim = Sim::start();
    sim.change(&uuid(), &uuid(), &change_body()).problem(404, "AUTH-00015");
    sim.post(&change_path(Some(&uuid()), None), &sim.rw(), &change_body()).problem(404, "AUTH-00015");
    let su = sim.standard_user(CUSTOMER, None);
    sim.h.delete_system_user(&su).unwrap();
    sim.change(&uuid(), &su, &change_body()).problem(404, "AUTH-00015");
    // Before step 4: the correlation id equal to an unknown system user id is still "not found".
    let ghost = uuid();
    sim.change(&ghost, &ghost, &change_body()).problem(404, "AUTH-00015");
}

// ---- step 4: correlation id = system user id ----

#[test]
fn step4_correlation_id_equal_to_the_system_user_id_is_a_bare_string_400() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    assert_bare(&sim.change(&su, &su, &change_body()), SAME);
    // Upper case binds to the same Guid.
    assert_bare(&sim.change(&su.to_uppercase(), &su, &change_body()), SAME);
    // Before step 5: another vendor gets the same.
    let foreign = sim.h.mint_token(OTHER_VENDOR, &[WRITE]);
    assert_bare(&sim.post(&change_path(Some(&su), Some(&su)), &foreign, &change_body()), SAME);
}

// ---- step 5: another vendor's system user ----

#[test]
fn step5_another_vendors_system_user_is_an_empty_401() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let foreign = sim.h.mint_token(OTHER_VENDOR, &[READ, WRITE]);
    sim.post(&change_path(Some(&uuid()), Some(&su)), &foreign, &change_body()).assert_empty(401);
    // Before step 6: empty lists too.
    sim.post(&change_path(Some(&uuid()), Some(&su)), &foreign, &json!({})).assert_empty(401);
}

// ---- step 6: nothing asked ----

#[test]
fn step6_all_lists_empty_is_no_change_needed_and_not_stored() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, Some("nc"));
    let corr = uuid();
    let r = sim.change(&corr, &su, &json!({"requiredRights": [], "unwantedAccessPackages": []}));
    assert_eq!(r.status, 200, "{}", r.text());
    let expected = format!(
        r#"{{"id":"{corr}","externalRef":"nc","systemId":"{STD_SYSTEM}","systemUserId":"{su}","partyOrgNo":"{CUSTOMER}","requiredRights":[],"unwantedRights":[],"requiredAccessPackages":[],"unwantedAccessPackages":[],"status":"NoChangeNeeded","confirmUrl":"","created":"0001-01-01T00:00:00","timedOut":false}}"#
    );
    assert_eq!(r.text(), expected, "members and their order");
    assert!(r.header("location").is_none());
    get_change(&sim, &corr).problem(404, "AUTH-00010");
    assert_eq!(sim.admin("GET", "/_sim/changerequests", None).json()["changeRequests"], json!([]));
    // The body's redirectUrl comes back unchecked (a URL the system does not allow).
    let v = sim.change(&uuid(), &su, &json!({"redirectUrl": " https://elsewhere.example/ "})).json();
    assert_eq!(v["redirectUrl"], "https://elsewhere.example/");
    // Before step 7: an existing correlation id with an empty body is not replayed.
    let stored = uuid();
    created_id(sim.change(&stored, &su, &change_body()));
    assert_eq!(sim.change(&stored, &su, &json!({})).json()["status"], "NoChangeNeeded");
    // Before step 8: an agent system user gets the same 200.
    let agent = sim.agent_user(CUSTOMER, None);
    let v = sim.change(&uuid(), &agent, &json!({})).json();
    assert_eq!((v["status"].as_str(), v["systemId"].as_str()), (Some("NoChangeNeeded"), Some(AGENT_SYSTEM)));
}

// ---- step 7: replay ----

#[test]
fn step7_an_existing_correlation_id_replays_the_stored_one_whatever_the_body() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let other = sim.standard_user(CUSTOMER2, None);
    let corr = uuid();
    let first = sim.change(&corr, &su, &change_body());
    assert_eq!(first.status, 201);
    let stored = first.json();
    // Another body, another system user, another redirect: the stored one, 200.
    let r = sim.change(&corr, &other, &json!({"requiredAccessPackages": [package("regnskap-okonomi-rapport")], "redirectUrl": "nope"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v, stored, "the replay is the stored change request");
    assert_eq!(v["systemUserId"], su.as_str());
    // Decided or not, and after 181 days: still the replay, and never `timedOut`.
    sim.h.reject_change(&corr).unwrap();
    sim.h.advance_clock(Duration::from_secs(181 * 86_400));
    let v = sim.change(&corr, &su, &change_body()).json();
    assert_eq!((v["status"].as_str(), v["timedOut"].as_bool()), (Some("Rejected"), Some(false)));
    // Before step 8: even an agent system user's id.
    let agent = sim.agent_user(CUSTOMER, None);
    assert_eq!(sim.change(&corr, &agent, &change_body()).status, 200);
    assert_eq!(sim.admin("GET", "/_sim/changerequests", None).json()["changeRequests"].as_array().unwrap().len(), 1);
}

#[test]
fn step7_a_lost_201_is_recovered_by_posting_the_same_correlation_id() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    sim.h.arm_fault(FaultSpec::new("create_change_request", FaultKind::LostResponse)).unwrap();
    let corr = uuid();
    let path = change_path(Some(&corr), Some(&su));
    let auth = format!("Bearer {}", sim.rw());
    let body = serde_json::to_vec(&change_body()).unwrap();
    let lost = raw(sim.addr(), "POST", &path, &[("Authorization", &auth), ("Content-Type", "application/json")], &body);
    assert!(lost.is_err(), "the connection closes unanswered");
    let r = sim.change(&corr, &su, &change_body());
    assert_eq!(r.status, 200, "committed before the connection was dropped");
    assert_eq!(r.json()["id"], corr.as_str());
}

// ---- step 8: agent ----

#[test]
fn step8_an_agent_system_user_is_auth_00015() {
    let sim = Sim::start();
    let agent = sim.agent_user(CUSTOMER, None);
    sim.change(&uuid(), &agent, &json!({"requiredAccessPackages": [package("skattegrunnlag")]})).problem(404, "AUTH-00015");
    // Before step 9: another vendor's correlation id does not matter here.
    let foreign_corr = uuid();
    foreign_change(&sim, &foreign_corr);
    sim.change(&foreign_corr, &agent, &change_body()).problem(404, "AUTH-00015");
}

// ---- step 9: another vendor's correlation id ----

#[test]
fn step9_another_vendors_correlation_id_is_auth_00007_while_new_then_auth_00061() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let corr = uuid();
    foreign_change(&sim, &corr);
    sim.change(&corr, &su, &change_body()).problem(400, "AUTH-00007");
    sim.h.approve_change(&corr).unwrap();
    let v = sim.change(&corr, &su, &change_body()).problem(409, "AUTH-00061");
    assert_eq!(v["title"], "The Status of the Request is not New. Please generate a new CorrellationId for a new Change Request");
    // Before step 11: a bad redirect does not matter yet.
    let mut b = change_body();
    b["redirectUrl"] = json!("https://elsewhere.example/");
    sim.change(&corr, &su, &b).problem(409, "AUTH-00061");
}

// ---- step 10: system and customer ----

/// A system user made under the default fixture, then the simulator restarted on the same state
/// with `fixture` (the register changed under it).
fn user_then_restart_with(fixture: Fixture) -> (Sim, String, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("altinn-sim-step10-{}-{}.json", std::process::id(), uuid()));
    let first = Sim::with(SimOptions::default().with_admin(true).with_state_file(Some(&path)));
    let su = first.standard_user(CUSTOMER, None);
    drop(first);
    let sim =
        Sim { h: Simulator::start(SimOptions::default().with_admin(true).with_state_file(Some(&path)).with_fixture(fixture)).unwrap() };
    (sim, su, path)
}

#[test]
fn step10_a_deleted_system_is_auth_00011_and_an_unknown_customer_auth_00000() {
    let mut deleted = Fixture::default();
    deleted.systems.iter_mut().filter(|s| s.id == STD_SYSTEM).for_each(|s| s.is_deleted = true);
    let (sim, su, path) = user_then_restart_with(deleted);
    sim.change(&uuid(), &su, &change_body()).problem(404, "AUTH-00011");
    // Before step 11: a bad redirect does not matter yet.
    let mut b = change_body();
    b["redirectUrl"] = json!("relative/url");
    sim.change(&uuid(), &su, &b).problem(404, "AUTH-00011");
    drop(sim);
    let _ = std::fs::remove_file(&path);

    let mut no_customer = Fixture::default();
    no_customer.organizations.retain(|o| o.org_no() != CUSTOMER);
    let (sim, su, path) = user_then_restart_with(no_customer);
    sim.change(&uuid(), &su, &b).problem(400, "AUTH-00000");
    drop(sim);
    let _ = std::fs::remove_file(&path);
}

// ---- step 11: redirect ----

#[test]
fn step11_redirect_url_is_checked_as_for_requests() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let with = |url: &str| {
        let mut b = change_body();
        b["redirectUrl"] = json!(url);
        b
    };
    sim.change(&uuid(), &su, &with("https://elsewhere.example/callback")).problem(400, "AUTH-00021");
    sim.change(&uuid(), &su, &with("https://smartregnskap.example/callback/sub")).problem(400, "AUTH-00021");
    assert_eq!(sim.change(&uuid(), &su, &with("relative/callback")).status, 500);
    // Query and case of scheme and host do not matter; a long query is stored (text column).
    let long = format!("HTTPS://SmartRegnskap.example/callback?state={}", "s".repeat(400));
    let v = sim.change(&uuid(), &su, &with(&long)).json();
    assert_eq!(v["redirectUrl"], long.as_str());
    // A system without redirect URLs.
    let arkiv = created_id(sim.create(&json!({"systemId": NOREDIRECT_SYSTEM, "partyOrgNo": CUSTOMER, "rights": [right(KRAV)]})));
    sim.approve(&arkiv);
    sim.change(&uuid(), &arkiv, &json!({"unwantedRights": [right(KRAV)], "redirectUrl": "https://x.example/"})).problem(400, "AUTH-00026");
    // Before step 12: a bad redirect and a right the system lacks.
    let mut b = with("https://elsewhere.example/");
    b["requiredRights"] = json!([right("not-on-the-system")]);
    sim.change(&uuid(), &su, &b).problem(400, "AUTH-00021");
}

// ---- step 12: what is required ----

#[test]
fn step12_required_rights_and_packages_must_be_the_systems() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    sim.change(&uuid(), &su, &json!({"requiredRights": [right("not-on-the-system")]})).problem(400, "AUTH-00001");
    let v = sim.change(&uuid(), &su, &json!({"requiredAccessPackages": [package("lonn")]})).problem(400, "AUTH-00063");
    assert_eq!(v["NotFoundPackages"], format!("{PKG}lonn"));
    let v = sim.change(&uuid(), &su, &json!({"requiredAccessPackages": [package("revisormedarbeider")]})).problem(400, "AUTH-00064");
    assert_eq!(v["NotDelegablePackages"], format!("{PKG}revisormedarbeider"));
    assert_eq!(sim.change(&uuid(), &su, &json!({"requiredRights": [{"resource": []}]})).status, 500);
    // Rights before packages.
    sim.change(&uuid(), &su, &json!({"requiredRights": [right("nope")], "requiredAccessPackages": [package("lonn")]}))
        .problem(400, "AUTH-00001");
    // Nothing checks the unwanted lists.
    let r = sim.change(&uuid(), &su, &json!({"unwantedRights": [right("nope")], "unwantedAccessPackages": [package("lonn")]}));
    assert_eq!(r.status, 201, "{}", r.text());
}

// ---- step 13: the insert ----

#[test]
fn step13_a_deleted_correlation_id_cannot_be_reused() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let corr = uuid();
    created_id(sim.change(&corr, &su, &change_body()));
    sim.call("DELETE", &format!("{API}/systemuser/changerequest/vendor/{corr}"), Some(&sim.rw()), None).assert_empty(202);
    get_change(&sim, &corr).problem(404, "AUTH-00010");
    let r = sim.change(&corr, &su, &change_body());
    assert_eq!(r.status, 500, "{}", r.text());
    assert_eq!(r.json()["title"], "An error occurred while processing your request.");
    // Another vendor's deleted one too: the id is the table's key.
    let foreign_corr = uuid();
    foreign_change(&sim, &foreign_corr);
    sim.call("DELETE", &format!("{API}/systemuser/changerequest/vendor/{foreign_corr}"), Some(&sim.rw()), None).assert_empty(202);
    assert_eq!(sim.change(&foreign_corr, &su, &change_body()).status, 500);
}

// ---- ok ----

#[test]
fn created_201_shape_and_location() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, Some("ext-1"));
    let corr = uuid();
    let r = sim.change(&corr, &su, &change_body());
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("location"), Some(format!("{}/authentication/api/v1/systemuser/changerequest/{corr}", sim.h.url()).as_str()));
    let v = r.json();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let text = r.text();
    let order = [
        "id",
        "externalRef",
        "systemId",
        "systemUserId",
        "partyOrgNo",
        "requiredRights",
        "unwantedRights",
        "requiredAccessPackages",
        "unwantedAccessPackages",
        "status",
        "confirmUrl",
        "created",
        "timedOut",
    ];
    let at: Vec<usize> = order.iter().map(|k| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} in {text}"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "member order: {text}");
    assert_eq!(keys.len(), order.len(), "redirectUrl left out when null: {text}");
    assert_eq!(v["id"], corr.as_str());
    assert_eq!(
        (v["externalRef"].as_str(), v["partyOrgNo"].as_str(), v["systemId"].as_str()),
        (Some("ext-1"), Some(CUSTOMER), Some(STD_SYSTEM))
    );
    assert_eq!(v["status"], "New");
    assert_eq!(v["requiredAccessPackages"], json!([package("merverdiavgift")]));
    assert_eq!(v["confirmUrl"], format!("{}/accessmanagement/ui/systemuser/changerequest?id={corr}&DONTCHOOSEREPORTEE=true", sim.h.url()));
    let created = v["created"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.starts_with("20"), "{created}");
    assert_eq!(v["timedOut"], false);
    // With a redirect URL.
    let mut b = change_body();
    b["redirectUrl"] = json!("https://smartregnskap.example/callback?cr=1");
    assert_eq!(sim.change(&uuid(), &su, &b).json()["redirectUrl"], "https://smartregnskap.example/callback?cr=1");
}

#[test]
fn confirm_host_setting_applies_to_change_requests() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_confirm_host(Some("https://am.ui.tt02.altinn.no")));
    let su = sim.standard_user(CUSTOMER, None);
    let v = sim.change(&uuid(), &su, &change_body()).json();
    assert!(v["confirmUrl"].as_str().unwrap().starts_with("https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/changerequest?id="));
}

// ---- GET by id ----

#[test]
fn get_by_id_unknown_deleted_foreign_and_never_timed_out() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let corr = uuid();
    let created = sim.change(&corr, &su, &change_body()).json();
    let r = get_change(&sim, &corr);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), created);
    get_change(&sim, &uuid()).problem(404, "AUTH-00010");
    sim.get(&format!("{API}/systemuser/changerequest/vendor/{corr}"), &sim.h.mint_token(OTHER_VENDOR, &[READ])).problem(404, "AUTH-00011");
    sim.get(&format!("{API}/systemuser/changerequest/vendor/{corr}"), &sim.h.mint_token_with(VENDOR, &[READ], 600, false))
        .assert_empty(401);
    let v = sim.get(&format!("{API}/systemuser/changerequest/vendor/not-a-guid"), &sim.token(&[READ])).validation();
    assert!(v["errors"]["requestId"].is_array());
    // Quirk: a single GET never sets `timedOut` (the list does).
    sim.h.advance_clock(Duration::from_secs(181 * 86_400));
    assert_eq!(get_change(&sim, &corr).json()["timedOut"], false);
    let list = sim.get(&format!("{API}/systemuser/changerequest/vendor/bysystem/{STD_SYSTEM}"), &sim.token(&[READ])).json();
    assert_eq!(list["data"][0]["timedOut"], true);
    // Deleted.
    sim.call("DELETE", &format!("{API}/systemuser/changerequest/vendor/{corr}"), Some(&sim.rw()), None).assert_empty(202);
    get_change(&sim, &corr).problem(404, "AUTH-00010");
}

// ---- GET byexternalref ----

#[test]
fn get_by_external_ref_drops_package_lists_and_checks_in_order() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, Some("ext-2"));
    let corr = uuid();
    created_id(sim.change(&corr, &su, &change_body()));
    let path = |system: &str, ext: &str| format!("{API}/systemuser/changerequest/vendor/byexternalref/{system}/{CUSTOMER}/{ext}");
    let r = sim.get(&path(STD_SYSTEM, "ext-2"), &sim.token(&[READ]));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["id"], corr.as_str());
    assert_eq!(v["requiredRights"], json!([right(A_ORDNING)]), "rights are copied");
    assert_eq!((&v["requiredAccessPackages"], &v["unwantedAccessPackages"]), (&json!([]), &json!([])), "packages are not");
    assert!(v["confirmUrl"].as_str().unwrap().contains(&corr));
    assert!(v["created"].as_str().unwrap().ends_with('Z'));
    sim.h.advance_clock(Duration::from_secs(181 * 86_400));
    assert_eq!(sim.get(&path(STD_SYSTEM, "ext-2"), &sim.token(&[READ])).json()["timedOut"], false);
    // Not found before not owned: another vendor gets AUTH-00010 for an unknown key, AUTH-00011 for a known one.
    let foreign = sim.h.mint_token(OTHER_VENDOR, &[READ]);
    sim.get(&path(STD_SYSTEM, "nope"), &foreign).problem(404, "AUTH-00010");
    sim.get(&path(STD_SYSTEM, "ext-2"), &foreign).problem(404, "AUTH-00011");
    sim.get(&path(STD_SYSTEM, "nope"), &sim.token(&[READ])).problem(404, "AUTH-00010");
    sim.get(&path(STD_SYSTEM, "ext-2"), &sim.h.mint_token_with(VENDOR, &[READ], 600, false)).assert_empty(401);
    // Several for the key (any status): one of them.
    sim.h.reject_change(&corr).unwrap();
    let second = uuid();
    created_id(sim.change(&second, &su, &change_body()));
    let got = sim.get(&path(STD_SYSTEM, "ext-2"), &sim.token(&[READ])).json()["id"].as_str().unwrap().to_string();
    assert!(got == corr || got == second, "{got}");
}

// ---- GET bysystem ----

#[test]
fn list_items_have_no_confirm_url_and_carry_packages() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let corr = uuid();
    created_id(sim.change(&corr, &su, &change_body()));
    let v = sim.get(&format!("{API}/systemuser/changerequest/vendor/bysystem/{STD_SYSTEM}"), &sim.token(&[READ])).json();
    assert_eq!(v["links"], json!({}));
    let item = &v["data"][0];
    assert_eq!(item["id"], corr.as_str());
    assert!(item.get("confirmUrl").is_none(), "{item}");
    assert_eq!(item["requiredAccessPackages"], json!([package("merverdiavgift")]));
    assert_eq!(item["timedOut"], false);
    // Another system of the vendor: empty.
    let v = sim.get(&format!("{API}/systemuser/changerequest/vendor/bysystem/{NOREDIRECT_SYSTEM}"), &sim.token(&[READ])).json();
    assert_eq!(v, json!({"links": {}, "data": []}));
}

#[test]
fn list_repeats_page_one_forever_by_default() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_page_size(2));
    let su = sim.standard_user(CUSTOMER, None);
    let mut made = Vec::new();
    for _ in 0..5 {
        let c = uuid();
        created_id(sim.change(&c, &su, &change_body()));
        made.push(c);
    }
    let first = format!("{API}/systemuser/changerequest/vendor/bysystem/{STD_SYSTEM}");
    let t = sim.token(&[READ]);
    let page_one = sim.get(&first, &t).json();
    let ids = |v: &Value| v["data"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    // No ORDER BY: heap order, here the order they were made in.
    assert_eq!(ids(&page_one), made[..2]);
    let next = page_one["links"]["next"].as_str().unwrap().to_string();
    assert!(next.starts_with(&format!("{}{first}?token=", sim.h.url())), "{next}");
    let mut path = next.trim_start_matches(&sim.h.url()).to_string();
    for _ in 0..10 {
        let v = sim.get(&path, &t).json();
        assert_eq!(v, page_one, "the token is ignored: page one again");
        path = v["links"]["next"].as_str().unwrap().trim_start_matches(&sim.h.url()).to_string();
    }
    // A decision moves the row to the end of the heap (the list's order changes).
    sim.h.reject_change(&made[0]).unwrap();
    assert_eq!(ids(&sim.get(&first, &t).json()), made[1..3]);
    // A token that does not bind is still a 400.
    sim.get(&format!("{first}?token=%%%"), &t).validation();
}

#[test]
fn list_pages_correctly_with_the_quirk_off() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_page_size(2));
    let r = sim.admin("PUT", "/_sim/settings", Some(&json!({"repeatingChangeRequestPages": false})));
    assert_eq!(r.json()["repeatingChangeRequestPages"], false);
    let su = sim.standard_user(CUSTOMER, None);
    let mut made = Vec::new();
    for _ in 0..5 {
        let c = uuid();
        created_id(sim.change(&c, &su, &change_body()));
        made.push(c);
    }
    made.sort();
    let first = format!("{API}/systemuser/changerequest/vendor/bysystem/{STD_SYSTEM}");
    let t = sim.token(&[READ]);
    let (mut path, mut seen, mut pages) = (first.clone(), Vec::new(), 0);
    loop {
        let v = sim.get(&path, &t).json();
        pages += 1;
        seen.extend(v["data"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match v["links"]["next"].as_str() {
            Some(n) => path = format!("{first}?token={}", n.split("token=").nth(1).unwrap()),
            None => break,
        }
    }
    assert_eq!((seen, pages), (made, 3), "every change request once, by id");
}

#[test]
fn list_of_an_unknown_or_foreign_system_is_auth_00011() {
    let sim = Sim::start();
    let t = sim.token(&[READ]);
    sim.get(&format!("{API}/systemuser/changerequest/vendor/bysystem/{FOREIGN_SYSTEM}"), &t).problem(404, "AUTH-00011");
    sim.get(&format!("{API}/systemuser/changerequest/vendor/bysystem/314248295_none"), &t).problem(404, "AUTH-00011");
    sim.get(&format!("{API}/systemuser/changerequest/vendor/bysystem/{STD_SYSTEM}"), &sim.h.mint_token_with(VENDOR, &[READ], 600, false))
        .assert_empty(401);
}

// ---- DELETE ----

#[test]
fn delete_checks_no_consumer_owner_or_status() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let del = |id: &str, token: &str| sim.call("DELETE", &format!("{API}/systemuser/changerequest/vendor/{id}"), Some(token), None);
    // Another vendor, and a token without a consumer, may delete.
    let a = uuid();
    created_id(sim.change(&a, &su, &change_body()));
    del(&a, &sim.h.mint_token(OTHER_VENDOR, &[WRITE])).assert_empty(202);
    let b = uuid();
    created_id(sim.change(&b, &su, &change_body()));
    del(&b, &sim.h.mint_token_with(VENDOR, &[WRITE], 600, false)).assert_empty(202);
    // An accepted one too.
    let c = uuid();
    created_id(sim.change(&c, &su, &change_body()));
    sim.h.approve_change(&c).unwrap();
    del(&c, &sim.rw()).assert_empty(202);
    // Unknown, or deleted already.
    del(&c, &sim.rw()).problem(404, "AUTH-00010");
    del(&uuid(), &sim.rw()).problem(404, "AUTH-00010");
    del("nope", &sim.rw()).validation();
    // Soft: the admin view still has them, flagged.
    let all = sim.admin("GET", "/_sim/changerequests", None).json();
    assert!(all["changeRequests"].as_array().unwrap().iter().all(|c| c["isDeleted"] == true));
}

// ---- scopes ----

#[test]
fn scopes_of_the_five_routes() {
    let sim = Sim::start();
    let id = uuid();
    let routes = [
        ("POST", change_path(Some(&uuid()), Some(&uuid())), WRITE),
        ("GET", format!("{API}/systemuser/changerequest/vendor/{id}"), READ),
        ("GET", format!("{API}/systemuser/changerequest/vendor/byexternalref/{STD_SYSTEM}/{CUSTOMER}/x"), READ),
        ("GET", format!("{API}/systemuser/changerequest/vendor/bysystem/{STD_SYSTEM}"), READ),
        ("DELETE", format!("{API}/systemuser/changerequest/vendor/{id}"), WRITE),
    ];
    for (m, p, needed) in routes {
        let body = (m == "POST").then(change_body);
        sim.call(m, &p, None, body.as_ref()).assert_empty(401);
        let others: Vec<&str> = [READ, WRITE, REGISTER].into_iter().filter(|s| *s != needed).collect();
        sim.call(m, &p, Some(&sim.token(&others)), body.as_ref()).assert_empty(403);
        let r = sim.call(m, &p, Some(&sim.token(&[needed])), body.as_ref());
        assert!(r.status != 401 && r.status != 403, "{m} {p}: {}", r.status);
    }
    // Other methods on the routes.
    sim.call("PUT", &format!("{API}/systemuser/changerequest/vendor/{id}"), Some(&sim.rw()), None).assert_empty(405);
    sim.call("GET", &format!("{API}/systemuser/changerequest/vendor"), Some(&sim.rw()), None).assert_empty(405);
}

// ---- faults ----

#[test]
fn faults_arm_on_change_request_routes() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    created_id(sim.change(&uuid(), &su, &change_body()));
    sim.h.arm_fault(FaultSpec::new("get_change_request", FaultKind::Status503)).unwrap();
    sim.get(&format!("{API}/systemuser/changerequest/vendor/{}", uuid()), &sim.token(&[READ])).assert_empty(503);
    sim.h.arm_fault(FaultSpec::new("list_change_requests", FaultKind::FreshPageToken).times(2)).unwrap();
    let first = format!("{API}/systemuser/changerequest/vendor/bysystem/{STD_SYSTEM}");
    let v = sim.get(&first, &sim.token(&[READ])).json();
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert!(v["links"]["next"].as_str().unwrap().contains("?token="));
    assert!(sim.h.arm_fault(FaultSpec::new("get_change_request", FaultKind::Mismatch).field(altinn_sim::MismatchField::Id)).is_err());
    let calls = sim.admin("GET", "/_sim/calls", None).json();
    let routes: Vec<&str> = calls["calls"].as_array().unwrap().iter().filter_map(|c| c["route"].as_str()).collect();
    assert!(routes.contains(&"create_change_request") && routes.contains(&"list_change_requests"), "{routes:?}");
}
