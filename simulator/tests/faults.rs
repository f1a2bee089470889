//! Faults armed per route: 500, 503, delay, lost response (committed, then the
//! connection drops), lost request, counts, and seeded random firing.

mod common;

use std::time::{Duration, Instant};

use altinn_sim::{FaultKind, FaultSpec};
use common::*;
use serde_json::json;

fn create_path() -> String {
    format!("{API}/systemuser/request/vendor")
}

#[test]
fn status_500_then_normal() {
    let sim = Sim::start();
    let r = sim.admin("POST", "/_sim/faults", Some(&json!({"route": "create_request", "kind": "status500"})));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["remaining"], 1);
    let r = sim.create(&std_body(CUSTOMER, None));
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["title"], "An error occurred while processing your request.");
    // Nothing was stored.
    assert_eq!(sim.admin("GET", "/_sim/requests", None).json()["requests"], json!([]));
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
}

#[test]
fn status_503_with_count_and_retry_after() {
    let sim = Sim::start();
    sim.admin(
        "POST",
        "/_sim/faults",
        Some(&json!({"route": "get_registered_system", "kind": "status503", "count": 2, "retryAfterSecs": 3})),
    );
    let p = format!("{API}/systemregister/vendor/{STD_SYSTEM}");
    let t = sim.token(&[REGISTER]);
    for _ in 0..2 {
        let r = sim.get(&p, &t);
        r.assert_empty(503);
        assert_eq!(r.header("retry-after"), Some("3"));
    }
    assert_eq!(sim.get(&p, &t).status, 200);
    let faults = sim.admin("GET", "/_sim/faults", None).json();
    assert_eq!(faults["faults"][0]["remaining"], 0);
    assert_eq!(faults["faults"][0]["fired"], 2);
}

#[test]
fn delay_then_answers() {
    let sim = Sim::start();
    sim.h.arm_fault(FaultSpec::new("get_request", FaultKind::Delay).delay_ms(300)).unwrap();
    let id = sim.create(&std_body(CUSTOMER, None)).json()["id"].as_str().unwrap().to_string();
    let start = Instant::now();
    let r = sim.get(&format!("{API}/systemuser/request/vendor/{id}"), &sim.token(&[READ]));
    assert_eq!(r.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[test]
fn lost_response_commits_the_create_then_drops_the_connection() {
    let sim = Sim::start();
    sim.admin("POST", "/_sim/faults", Some(&json!({"route": "create_request", "kind": "lost_response"})));
    let auth = format!("Bearer {}", sim.rw());
    let body = serde_json::to_vec(&std_body(CUSTOMER, Some("exactly-once"))).unwrap();
    let r = raw(sim.addr(), "POST", &create_path(), &[("Authorization", &auth), ("Content-Type", "application/json")], &body);
    assert!(r.is_err(), "expected a dropped connection, got {r:?}");
    // It was committed: the retry gets 200 with the same request, and only one is stored.
    let again = sim.create(&std_body(CUSTOMER, Some("exactly-once")));
    assert_eq!(again.status, 200);
    let keys = sim.admin("GET", "/_sim/dedupe", None).json();
    let k = &keys["keys"][0];
    assert_eq!(k["createCalls"], 2);
    assert_eq!(k["created"], 1);
    assert_eq!(k["existing"], 1);
    assert_eq!(k["requestsStored"], 1);
    // The call log shows the fault, and no headers.
    let calls = sim.admin("GET", "/_sim/calls", None).json();
    let text = calls.to_string();
    assert!(text.contains("lost_response"));
    assert!(!text.contains("Bearer"));
}

#[test]
fn lost_request_stores_nothing() {
    let sim = Sim::start();
    sim.h.arm_fault(FaultSpec::new("create_agent_request", FaultKind::LostRequest)).unwrap();
    let auth = format!("Bearer {}", sim.rw());
    let body = serde_json::to_vec(&agent_body(CUSTOMER, None)).unwrap();
    let r = raw(
        sim.addr(),
        "POST",
        &format!("{API}/systemuser/request/vendor/agent"),
        &[("Authorization", &auth), ("Content-Type", "application/json")],
        &body,
    );
    assert!(r.is_err());
    assert_eq!(sim.admin("GET", "/_sim/requests", None).json()["requests"], json!([]));
    assert_eq!(sim.create_agent(&agent_body(CUSTOMER, None)).status, 201);
}

#[test]
fn maskinporten_route_takes_faults_too() {
    let sim = Sim::start();
    sim.h.arm_fault(FaultSpec::new("maskinporten_token", FaultKind::Status503)).unwrap();
    let a = sign(&test_key(), &good_header(), &good_claims(&sim, READ));
    assert_eq!(grant(&sim, &a).status, 503);
    let a = sign(&test_key(), &good_header(), &good_claims(&sim, READ));
    assert_eq!(grant(&sim, &a).status, 200);
}

#[test]
fn random_faults_are_reproducible_with_a_seed() {
    let run = || {
        let sim = Sim::start();
        sim.admin("POST", "/_sim/faults", Some(&json!({"route": "*", "kind": "status500", "count": 100, "probability": 0.5, "seed": 42})));
        let t = sim.token(&[REGISTER]);
        (0..20).map(|_| sim.get(&format!("{API}/systemregister/vendor/{STD_SYSTEM}"), &t).status).collect::<Vec<_>>()
    };
    let a = run();
    assert_eq!(a, run());
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
}

#[test]
fn fault_admin_validation_and_clearing() {
    let sim = Sim::start();
    let r = sim.admin("POST", "/_sim/faults", Some(&json!({"route": "nope", "kind": "status500"})));
    assert_eq!(r.status, 400);
    let r = sim.admin("POST", "/_sim/faults", Some(&json!({"route": "*", "kind": "status500", "count": 0})));
    assert_eq!(r.status, 400);
    let r = sim.admin("POST", "/_sim/faults", Some(&json!({"route": "*", "kind": "explode"})));
    assert_eq!(r.status, 400);
    let id =
        sim.admin("POST", "/_sim/faults", Some(&json!({"route": "*", "kind": "status500", "count": 5}))).json()["id"].as_u64().unwrap();
    assert_eq!(sim.admin("DELETE", &format!("/_sim/faults/{id}"), None).status, 204);
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
    sim.admin("POST", "/_sim/faults", Some(&json!({"route": "*", "kind": "status500", "count": 5})));
    assert_eq!(sim.admin("DELETE", "/_sim/faults", None).status, 204);
    assert_eq!(sim.admin("GET", "/_sim/faults", None).json()["faults"], json!([]));
    // Pages and admin routes never take faults.
    sim.admin("POST", "/_sim/faults", Some(&json!({"route": "*", "kind": "status500", "count": 5})));
    assert_eq!(sim.admin("GET", "/_sim/state", None).status, 200);
    assert_eq!(sim.call("GET", "/", None, None).status, 200);
}

#[test]
fn conflict_answers_409_auth_00013_without_doing_the_work() {
    let sim = Sim::start();
    let r = sim.admin("POST", "/_sim/faults", Some(&json!({"route": "create_request", "kind": "conflict"})));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = sim.create(&std_body(CUSTOMER, None));
    assert_eq!(r.status, 409);
    assert!(r.header("content-type").is_some_and(|t| t.starts_with("application/problem+json")));
    assert_eq!((r.json()["code"].clone(), r.json()["status"].clone()), (json!("AUTH-00013"), json!(409)));
    assert_eq!(sim.admin("GET", "/_sim/requests", None).json()["requests"], json!([]));
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
}

#[test]
fn faults_arm_on_the_system_register_exchange_and_client_routes() {
    let sim = Sim::start();
    let t = sim.token(&[REGISTER]);
    let body = json!({"id": "314248295_feil", "vendor": {"ID": "0192:314248295"}, "name": {"nb": "F", "nn": "F", "en": "F"}, "description": {"nb": "", "nn": "", "en": ""}});
    // A lost answer: the create is committed, the connection dropped.
    sim.h.arm_fault(FaultSpec::new("create_registered_system", FaultKind::LostResponse)).unwrap();
    assert!(raw(
        sim.addr(),
        "POST",
        &format!("{API}/systemregister/vendor"),
        &[("Authorization", &format!("Bearer {t}")), ("Content-Type", "application/json")],
        body.to_string().as_bytes()
    )
    .is_err());
    assert_eq!(sim.get(&format!("{API}/systemregister/vendor/314248295_feil"), &t).status, 200);
    // The exchange and the client routes take faults too.
    sim.h.arm_fault(FaultSpec::new("exchange_token", FaultKind::Status503)).unwrap();
    assert_eq!(sim.exchange_at("maskinporten", &sim.token(&[READ])).status, 503);
    sim.h.arm_fault(FaultSpec::new("list_available_clients", FaultKind::Status500)).unwrap();
    let r = sim.get(&format!("{API}/enduser/systemuser/clients/available?agent={}", uuid()), &sim.token(&[CLIENTS_READ]));
    assert_eq!(r.status, 500);
    for route in [
        "list_registered_systems",
        "update_registered_system",
        "update_registered_system_rights",
        "update_registered_system_access_packages",
        "delete_registered_system",
        "get_registered_system_changelog",
        "list_agents",
        "list_clients",
        "add_client",
        "remove_client",
    ] {
        assert!(sim.h.arm_fault(FaultSpec::new(route, FaultKind::Status500)).is_ok(), "{route}");
    }
    // Not a page route: no fresh page tokens there.
    assert!(sim.h.arm_fault(FaultSpec::new("list_clients", FaultKind::FreshPageToken)).is_err());
    let calls = sim.admin("GET", "/_sim/calls", None).json();
    let routes: Vec<&str> = calls["calls"].as_array().unwrap().iter().filter_map(|c| c["route"].as_str()).collect();
    assert!(
        routes.contains(&"create_registered_system") && routes.contains(&"exchange_token") && routes.contains(&"list_available_clients")
    );
}
