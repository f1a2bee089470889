//! Every typed error of the component that a real exchange can reach comes back in a `done`
//! step, in the CLI's error shape, checked against the schema.

mod common;

use altinn_sim::{FaultKind, FaultSpec, MismatchField, RetryAfterForm};
use common::abi::{Client, Runtime};
use common::binding::Binding;
use common::sim::{self, create_standard, READ, STANDARD_SYSTEM, VENDOR};
use serde_json::{json, Value};

fn client(config: &Value) -> (Runtime, Client) {
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = runtime.client(config).unwrap();
    (runtime, client)
}

fn registered_system() -> Value {
    json!({"v": 1, "task": "get-registered-system", "systemId": STANDARD_SYSTEM})
}

#[test]
fn validation_altinn_not_found_and_conflict() {
    let sim = sim::start();
    let (_rt, client) = client(&sim::config(&sim));
    let binding = Binding::with_token(&sim::full_token(&sim));

    let invalid = binding.run(&client, &create_standard("123456789", "bad-org"));
    let error = invalid.error();
    assert_eq!((error["kind"].as_str(), error["violations"][0]["code"].as_str()), (Some("validation"), Some("org-no-checksum")));
    assert_eq!(invalid.steps.len(), 1, "nothing was asked for, nothing sent");

    let created = binding.run(&client, &create_standard("310816191", "approved"));
    let id = created.outcome()["request"]["id"].as_str().unwrap().to_string();
    sim.approve(&id).unwrap();
    let refused = binding.run(&client, &create_standard("310816191", "approved"));
    let error = refused.error();
    assert_eq!((error["kind"].as_str(), error["code"].as_str(), error["status"].as_u64()), (Some("altinn"), Some("AUTH-00004"), Some(400)));
    assert!(error["traceId"].is_string(), "{error}");
    assert!(error["extensions"].is_object());

    let missing = binding.run(&client, &json!({"v": 1, "task": "get-request", "id": "3f0c4a4e-8c3f-4a7b-9d55-6f8f2b7f1a10"}));
    assert_eq!((missing.error()["kind"].as_str(), missing.error()["status"].as_u64()), (Some("not-found"), Some(404)));

    sim.arm_fault(FaultSpec::new("get_request", FaultKind::Conflict)).unwrap();
    let conflict = binding.run(&client, &json!({"v": 1, "task": "get-request", "id": id}));
    assert_eq!((conflict.error()["kind"].as_str(), conflict.error()["code"].as_str()), (Some("conflict"), Some("AUTH-00013")));
}

#[test]
fn unauthorized_forbidden_and_token() {
    let sim = sim::start();
    let (_rt, client) = client(&sim::config(&sim));
    let expired = Binding::with_token(&sim.mint_token_with(VENDOR, &[READ], -60, true));
    let run = expired.run(&client, &json!({"v": 1, "task": "get-request", "id": "3f0c4a4e-8c3f-4a7b-9d55-6f8f2b7f1a10"}));
    assert_eq!((run.error()["kind"].as_str(), run.error()["status"].as_u64()), (Some("unauthorized"), Some(401)));

    let read_only = Binding::with_token(&sim.mint_token(VENDOR, &[READ]));
    let run = read_only.run(&client, &registered_system());
    assert_eq!((run.error()["kind"].as_str(), run.error()["status"].as_u64()), (Some("forbidden"), Some(403)));

    // A binding that cannot get a token answers token-failed.
    let no_token = Binding::empty();
    let run = no_token.run(&client, &registered_system());
    assert_eq!(run.error()["kind"], "token");
    assert!(run.error()["message"].as_str().unwrap().contains("this binding holds no token"));
}

#[test]
fn unavailable_transport_and_invalid_response() {
    let sim = sim::start();
    let (_rt, client) = client(&sim::config(&sim));
    let binding = Binding::with_token(&sim::full_token(&sim));

    // A Retry-After past 30 s: could not tell, at once, with the server's figure.
    sim.arm_fault(FaultSpec::new("get_registered_system", FaultKind::Status429).retry_after(120, RetryAfterForm::Seconds)).unwrap();
    let run = binding.run(&client, &registered_system());
    let error = run.error();
    assert_eq!(
        (error["kind"].as_str(), error["status"].as_u64(), error["retryAfterSeconds"].as_u64()),
        (Some("unavailable"), Some(429), Some(120))
    );

    // A 503 storm longer than the budget: every retry waited for (wait steps), then unavailable.
    sim.arm_fault(FaultSpec::new("get_registered_system", FaultKind::Status503).times(10)).unwrap();
    let run = binding.run(&client, &registered_system());
    assert_eq!(run.error()["kind"], "unavailable");
    assert_eq!(run.count("wait"), 3, "the config's retry budget");

    let created = binding.run(&client, &create_standard("314224965", "mismatch"));
    let id = created.outcome()["request"]["id"].as_str().unwrap().to_string();
    sim.arm_fault(FaultSpec::new("get_request", FaultKind::Mismatch).field(MismatchField::Id)).unwrap();
    let run = binding.run(&client, &json!({"v": 1, "task": "get-request", "id": id}));
    assert_eq!(run.error()["kind"], "invalid-response");

    // Nothing listens on this port: a real connect failure, no retries allowed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let config = json!({"v": 1, "environment": {"platformUrl": base, "confirmUrl": base, "maskinportenIssuer": format!("{base}/")}, "retryBudget": 0});
    let (_rt2, closed) = self::client(&config);
    let run = binding.run(&closed, &registered_system());
    assert_eq!((run.error()["kind"].as_str(), run.error()["transport"].as_str()), (Some("transport"), Some("connect")));
}

#[test]
fn maskinporten_refusals_are_typed() {
    let sim = sim::start();
    let (_rt, client) = client(&sim::maskinporten_config(&sim));
    // Signed with a key Maskinporten does not know.
    let wrong_key = Binding::with_key(altinn_sim::test_client::UNREGISTERED_KEY_PEM);
    let run = wrong_key.run(&client, &registered_system());
    let error = run.error();
    assert_eq!((error["kind"].as_str(), error["code"].as_str()), (Some("maskinporten"), Some("MP-120")));
    // No system user for that customer: MP-303.
    let key = Binding::with_key(altinn_sim::test_client::KEY_PEM);
    let task = json!({"v": 1, "task": "system-user-token", "customerOrgNo": "316501389", "scopes": ["ttd:regnskap.read"]});
    let run = key.run(&client, &task);
    assert_eq!((run.error()["kind"].as_str(), run.error()["code"].as_str()), (Some("maskinporten"), Some("MP-303")));
    // A binding that cannot sign answers sign-failed: a token error.
    let no_key = Binding::empty();
    let run = no_key.run(&client, &registered_system());
    assert_eq!(run.error()["kind"], "token");
}
