//! API.md §6 over HTTP: the customer's confirm page (approve, reject, second decision,
//! redirect), agent client delegation, escalation, and timeouts in both modes.

mod common;

use std::time::Duration;

use altinn_sim::{SimOptions, TimeoutMode};
use common::*;
use serde_json::json;

fn new_id(r: Resp) -> String {
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

fn status_of(sim: &Sim, id: &str) -> serde_json::Value {
    sim.get(&format!("{API}/systemuser/request/vendor/{id}"), &sim.token(&[READ])).json()
}

fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").unwrap().1;
    format!("/{}", after_scheme.split_once('/').unwrap().1)
}

#[test]
fn confirm_page_shows_system_customer_rights_and_buttons() {
    let sim = Sim::start();
    let r = sim.create(&std_body(CUSTOMER, None));
    let v = r.json();
    let page = sim.call("GET", &path_of(v["confirmUrl"].as_str().unwrap()), None, None);
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    let html = page.text();
    for needle in [
        "SmartRegnskap",
        "FJORDGLØTT BAKERI AS",
        CUSTOMER,
        "ske-krav-og-betalinger",
        "id=\"approve\"",
        "id=\"reject\"",
        "Godkjenn",
        "Approve",
        "lang=\"nb\"",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
}

#[test]
fn approve_through_the_page_form_creates_the_system_user() {
    let sim = Sim::start();
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    let r = sim.form("/accessmanagement/ui/systemuser/request/approve", &format!("id={id}"));
    assert_eq!(r.status, 303);
    let done = r.header("location").unwrap().to_string();
    assert!(done.contains(&id));
    let page = sim.call("GET", &done, None, None);
    assert!(page.text().contains("data-status=\"Accepted\""));
    assert_eq!(status_of(&sim, &id)["status"], "Accepted");
    let su = sim.get(&format!("{API}/systemuser/vendor/byquery?system-id={STD_SYSTEM}&orgno={CUSTOMER}"), &sim.token(&[WRITE]));
    assert_eq!(su.json()["id"], id.as_str(), "system user id = request id");
    // A second decision: 409 AUTH-00013.
    let again = sim.form("/accessmanagement/ui/systemuser/request/reject", &format!("id={id}"));
    assert_eq!(again.status, 409);
    assert!(again.text().contains("AUTH-00013"));
    assert!(again.text().contains("The Status of the Request is not New."));
    // The page no longer offers the buttons.
    let page = sim.call("GET", &format!("/accessmanagement/ui/systemuser/request?id={id}"), None, None);
    assert!(!page.text().contains("id=\"approve\""));
}

#[test]
fn reject_through_the_page_then_redirects_to_redirect_url() {
    let sim = Sim::start();
    let mut b = std_body(CUSTOMER, None);
    b["redirectUrl"] = json!("https://smartregnskap.example/callback?state=1");
    let id = new_id(sim.create(&b));
    let r = sim.form("/accessmanagement/ui/systemuser/request/reject", &format!("id={id}"));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("https://smartregnskap.example/callback?state=1"));
    assert_eq!(status_of(&sim, &id)["status"], "Rejected");
    let again = sim.form("/accessmanagement/ui/systemuser/request/approve", &format!("id={id}"));
    assert_eq!(again.status, 409);
}

#[test]
fn admin_decisions_answer_409_on_a_second_decision() {
    let sim = Sim::start();
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    let r = sim.approve(&id);
    assert_eq!(r.json()["systemUserId"], id.as_str());
    sim.approve(&id).problem(409, "AUTH-00013");
    sim.admin("POST", &format!("/_sim/requests/{id}/reject"), None).problem(409, "AUTH-00013");
    sim.admin("POST", "/_sim/requests/3fa85f64-5717-4562-b3fc-2c963f66afa6/approve", None).problem(404, "AUTH-00010");
}

#[test]
fn wrong_kind_page_and_unknown_id() {
    let sim = Sim::start();
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    assert_eq!(sim.call("GET", &format!("/accessmanagement/ui/systemuser/agentrequest?id={id}"), None, None).status, 404);
    assert_eq!(sim.call("GET", "/accessmanagement/ui/systemuser/request?id=nope", None, None).status, 404);
    let r = sim.form("/accessmanagement/ui/systemuser/agentrequest/approve", &format!("id={id}"));
    assert_eq!(r.status, 404);
}

#[test]
fn agent_approval_then_client_delegation() {
    let sim = Sim::start();
    let v = sim.create_agent(&agent_body(CUSTOMER, None)).json();
    let id = v["id"].as_str().unwrap().to_string();
    let page = sim.call("GET", &path_of(v["confirmUrl"].as_str().unwrap()), None, None).text();
    assert!(page.contains("SmartByrå") && page.contains("Regnskapsfører lønn"));
    let r = sim.form("/accessmanagement/ui/systemuser/agentrequest/approve", &format!("id={id}"));
    assert_eq!(r.status, 303);
    let done = sim.call("GET", r.header("location").unwrap(), None, None).text();
    assert!(done.contains("agentclients?id="));
    let su = sim.get(&format!("{API}/systemuser/vendor/byquery?system-id={AGENT_SYSTEM}&orgno={CUSTOMER}"), &sim.token(&[WRITE]));
    assert_eq!(su.json()["userType"], "agent");
    // Delegate two clients on the page, remove one.
    let clients_page = sim.call("GET", &format!("/accessmanagement/ui/systemuser/agentclients?id={id}"), None, None);
    assert!(clients_page.text().contains(CUSTOMER2));
    for org in [CUSTOMER2, "317103360"] {
        let r = sim.form("/accessmanagement/ui/systemuser/agentclients/add", &format!("id={id}&orgNo={org}"));
        assert_eq!(r.status, 303);
    }
    let r = sim.form("/accessmanagement/ui/systemuser/agentclients/remove", &format!("id={id}&orgNo=317103360"));
    assert_eq!(r.status, 303);
    let users = sim.admin("GET", "/_sim/systemusers", None).json();
    assert_eq!(users["systemUsers"][0]["clients"], json!([CUSTOMER2]));
    // Unknown client, and the admin endpoint.
    let r = sim.form("/accessmanagement/ui/systemuser/agentclients/add", &format!("id={id}&orgNo=123456789"));
    assert_eq!(r.status, 400);
    let r = sim.admin("POST", &format!("/_sim/systemusers/{id}/clients"), Some(&json!({"orgNo": "316501389"})));
    assert_eq!(r.json()["clients"], json!([CUSTOMER2, "316501389"]));
    let r = sim.admin("DELETE", &format!("/_sim/systemusers/{id}/clients/{CUSTOMER2}"), None);
    assert_eq!(r.json()["clients"], json!(["316501389"]));
    // A standard system user takes no clients.
    let sid = new_id(sim.create(&std_body(CUSTOMER, None)));
    sim.approve(&sid);
    sim.admin("POST", &format!("/_sim/systemusers/{sid}/clients"), Some(&json!({"orgNo": CUSTOMER2}))).problem(400, "AUTH-00034");
}

#[test]
fn escalation_keeps_status() {
    let sim = Sim::start();
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    assert_eq!(sim.admin("POST", &format!("/_sim/requests/{id}/escalate"), None).status, 200);
    let v = status_of(&sim, &id);
    assert_eq!(v["escalated"], true);
    assert_eq!(v["status"], "New");
}

#[test]
fn current_timeout_sets_timed_out_after_180_days_and_still_blocks_the_key() {
    let sim = Sim::start();
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    sim.h.advance_clock(Duration::from_secs(179 * 86_400));
    assert_eq!(status_of(&sim, &id)["timedOut"], false);
    let r = sim.admin("POST", "/_sim/clock/advance", Some(&json!({"days": 1, "seconds": 1})));
    assert_eq!(r.status, 200);
    let v = status_of(&sim, &id);
    assert_eq!(v["timedOut"], true);
    assert_eq!(v["status"], "New");
    // Still blocks its key (rule 4) and can no longer be approved.
    let again = sim.create(&std_body(CUSTOMER, None));
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["timedOut"], true);
    sim.approve(&id).problem(409, "AUTH-00013");
    // The list shows it too.
    let list = sim.get(&format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"), &sim.token(&[READ])).json();
    assert_eq!(list["data"][0]["timedOut"], true);
}

#[test]
fn legacy_timeout_rewrites_status_after_10_days() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_timeout_mode(TimeoutMode::Legacy));
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    let v = status_of(&sim, &id);
    assert!(v.get("timedOut").is_none(), "legacy servers had no timedOut: {v}");
    sim.h.advance_clock(Duration::from_secs(10 * 86_400 + 1));
    assert_eq!(status_of(&sim, &id)["status"], "Timedout");
    let page = sim.call("GET", &format!("/accessmanagement/ui/systemuser/request?id={id}"), None, None);
    assert!(page.text().contains("data-status=\"Timedout\""));
    let r = sim.form("/accessmanagement/ui/systemuser/request/approve", &format!("id={id}"));
    assert_eq!(r.status, 409);
    // Legacy servers skipped Timedout requests on create: a new request gets 201.
    let again = sim.create(&std_body(CUSTOMER, None));
    assert_eq!(again.status, 201);
    assert_ne!(again.json()["id"], id.as_str());
    // Accepted requests are not rewritten.
    let id2 = new_id(sim.create(&std_body(CUSTOMER2, None)));
    sim.approve(&id2);
    sim.h.advance_clock(Duration::from_secs(11 * 86_400));
    assert_eq!(status_of(&sim, &id2)["status"], "Accepted");
}

#[test]
fn timeout_window_and_mode_are_settings() {
    let sim = Sim::start();
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    let r = sim.admin("PUT", "/_sim/settings", Some(&json!({"timeoutMode": "legacy", "timeoutDays": 2})));
    assert_eq!(r.status, 200, "{}", r.text());
    sim.h.advance_clock(Duration::from_secs(2 * 86_400 + 1));
    assert_eq!(status_of(&sim, &id)["status"], "Timedout");
    sim.admin("PUT", "/_sim/settings", Some(&json!({"timeoutMode": "current", "timeoutDays": null})));
    let v = status_of(&sim, &id);
    assert_eq!((v["status"].as_str(), v["timedOut"].as_bool()), (Some("New"), Some(false)));
}

#[test]
fn system_user_created_uses_the_data_clock() {
    let sim = Sim::start();
    sim.h.advance_clock(Duration::from_secs(400 * 86_400));
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    sim.approve(&id);
    let clock = sim.admin("GET", "/_sim/clock", None).json();
    let su = sim.get(&format!("{API}/systemuser/vendor/byquery?system-id={STD_SYSTEM}&orgno={CUSTOMER}"), &sim.token(&[WRITE])).json();
    assert_eq!(&su["created"].as_str().unwrap()[..10], &clock["now"].as_str().unwrap()[..10]);
    assert!(clock["offsetSeconds"].as_i64().unwrap() >= 400 * 86_400);
}
