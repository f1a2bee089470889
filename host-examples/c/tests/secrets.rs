//! No secret leaves the library where it should not: the bearer token only in a `send` step's
//! `Authorization` header, a grant's assertion only in the body of the `send` step that posts
//! it, a system-user token only in the `token` outcome; never in an error of the component or
//! of the library, even when the server quotes them back.

mod common;

use altinn_sim::{FaultKind, FaultSpec};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::abi::{Client, Runtime};
use common::binding::{Binding, Run};
use common::sim::{self, create_standard, STANDARD_SYSTEM};
use serde_json::{json, Value};

/// `doc` with every `Authorization` header of a send step blanked.
fn without_authorization(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(headers) = doc.pointer_mut("/request/headers").and_then(Value::as_array_mut) {
        for header in headers.iter_mut().filter(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case("authorization"))) {
            header[1] = json!("[checked]");
        }
    }
    doc
}

/// The bearer tokens of a run's send steps.
fn bearer_tokens(run: &Run) -> Vec<String> {
    run.steps
        .iter()
        .filter(|s| s["step"] == "send")
        .flat_map(|s| s["request"]["headers"].as_array().unwrap().clone())
        .filter(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("authorization"))
        .map(|h| h[1].as_str().unwrap().trim_start_matches("Bearer ").to_string())
        .collect()
}

/// The assertions a run posted to Maskinporten (the only place they may be).
fn assertions(run: &Run) -> Vec<String> {
    run.steps
        .iter()
        .filter(|s| s["step"] == "send" && s["request"]["url"].as_str().unwrap().ends_with("/token"))
        .map(|s| {
            let body = String::from_utf8(STANDARD.decode(s["request"]["body"].as_str().unwrap()).unwrap()).unwrap();
            body.split('&').find_map(|p| p.strip_prefix("assertion=")).expect("an assertion").to_string()
        })
        .collect()
}

#[track_caller]
fn assert_absent(secret: &str, text: &str, where_: &str) {
    assert!(secret.len() > 20, "not a secret: {secret}");
    assert!(!text.contains(secret), "a secret (starting {}) in {where_}", &secret[..6]);
    // The signature segment of a JWT alone counts too.
    if let Some(signature) = secret.rsplit('.').next().filter(|s| s.len() > 20) {
        assert!(!text.contains(signature), "a JWT signature in {where_}");
    }
}

fn setup(config: impl Fn(&altinn_sim::SimHandle) -> Value) -> (altinn_sim::SimHandle, Runtime, Client) {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = runtime.client(&config(&sim)).unwrap();
    (sim, runtime, client)
}

#[test]
fn the_bearer_token_is_only_in_authorization_headers() {
    let (sim, _runtime, client) = setup(sim::config);
    let token = sim::full_token(&sim);
    let binding = Binding::with_token(&token);
    let mut runs = vec![
        binding.run(&client, &create_standard("310816191", "secret-1")),
        binding.run(&client, &json!({"v": 1, "task": "list-all-requests", "systemId": STANDARD_SYSTEM})),
    ];
    // The server quotes the token back in its problem: the component's error does not.
    sim.arm_fault(FaultSpec::new("get_registered_system", FaultKind::EchoToken)).unwrap();
    let echoed = binding.run(&client, &json!({"v": 1, "task": "get-registered-system", "systemId": STANDARD_SYSTEM}));
    assert_eq!(echoed.error()["kind"], "altinn");
    runs.push(echoed);
    let mut sends = 0;
    for run in &runs {
        for step in &run.steps {
            assert_absent(&token, &without_authorization(step).to_string(), &format!("a {} step", step["step"]));
        }
        sends += bearer_tokens(run).iter().inspect(|t| assert_eq!(t.as_str(), token)).count();
    }
    assert!(sends >= 4, "the token went where it should");

    // Library errors about a wrong answer never quote it, even a token put in the wrong place.
    let operation = client.operation(&json!({"v": 1, "task": "get-registered-system", "systemId": STANDARD_SYSTEM})).unwrap();
    assert_eq!(operation.start().unwrap()["step"], "token");
    let errors = [
        operation.advance_raw(
            json!({"v": 1, "input": "response", "response": {"status": token, "headers": [], "body": ""}}).to_string().as_bytes(),
        ),
        operation.advance_raw(json!({"v": 1, "input": "token", "token": token, "extra": token}).to_string().as_bytes()),
        operation.advance_raw(json!({"v": 1, "input": "signature", "signature": token}).to_string().as_bytes()),
        operation.advance_raw(json!({"v": 2, "input": "token", "token": token}).to_string().as_bytes()),
        operation.advance_raw(json!({"v": 1, "input": "sign-failed", "message": token}).to_string().as_bytes()),
    ];
    for error in errors {
        let error = error.expect_err("refused");
        assert_absent(&token, &error.message, &format!("a library error ({})", error.kind));
    }
    // A token source's failure message is the binding's own text; a token refused by Altinn
    // is not quoted in the unauthorized error.
    let expired = sim.mint_token_with(sim::VENDOR, &[sim::REGISTER], -60, true);
    let run = Binding::with_token(&expired).run(&client, &json!({"v": 1, "task": "get-registered-system", "systemId": STANDARD_SYSTEM}));
    assert_eq!(run.error()["kind"], "unauthorized");
    assert_absent(&expired, &run.error().to_string(), "an unauthorized error");
}

#[test]
fn grants_and_their_tokens_stay_where_they_belong() {
    let (sim, _runtime, client) = setup(sim::maskinporten_config);
    let binding = Binding::with_key(altinn_sim::test_client::KEY_PEM);
    let created = binding.run(&client, &create_standard("316859356", "secret-mp"));
    let id = created.outcome()["request"]["id"].as_str().unwrap().to_string();
    sim.approve(&id).unwrap();
    let token_task = json!({"v": 1, "task": "system-user-token", "customerOrgNo": "316859356", "externalRef": "secret-mp", "scopes": ["ttd:regnskap.read"]});
    let token_run = binding.run(&client, &token_task);
    let system_user_token = token_run.outcome()["token"]["accessToken"].as_str().unwrap().to_string();

    // Maskinporten quotes the assertion back in its error: not in the component's error.
    sim.arm_fault(FaultSpec::new("maskinporten_token", FaultKind::EchoToken)).unwrap();
    let other_scope = json!({"v": 1, "task": "system-user-token", "customerOrgNo": "316859356", "externalRef": "secret-mp", "scopes": ["altinn:authentication/systemuser.request.read"]});
    let echoed = binding.run(&client, &other_scope);
    assert_eq!(echoed.error()["kind"], "maskinporten");

    let runs = [created, token_run, echoed];
    let grants: Vec<String> = runs.iter().flat_map(assertions).collect();
    let bearers: Vec<String> = runs.iter().flat_map(bearer_tokens).collect();
    assert_eq!(grants.len(), 4, "two for the create, one per system-user token");
    assert!(!bearers.is_empty());
    for run in &runs {
        for step in &run.steps {
            let is_grant_post = step["step"] == "send" && step["request"]["url"].as_str().unwrap().ends_with("/token");
            let mut text = without_authorization(step);
            if is_grant_post {
                text["request"]["body"] = json!("[checked]");
            }
            let text = match step.pointer("/outcome/outcome") {
                // The token outcome is where the system-user token belongs.
                Some(o) if o == "token" => {
                    let mut t = text.clone();
                    t["outcome"]["token"]["accessToken"] = json!("[checked]");
                    t.to_string()
                }
                _ => text.to_string(),
            };
            for secret in grants.iter().chain(&bearers).chain([&system_user_token]) {
                assert_absent(secret, &text, &format!("a {} step", step["step"]));
            }
        }
    }
}
