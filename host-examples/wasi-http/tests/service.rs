//! The onboarding service component (target/wasm/onboarding_service.wasm, `make component`)
//! served by wasmtime's own wasi:http, against the local Altinn, over real HTTP on loopback:
//! onboard, approve, status; refusals before anything is sent; limits; its imports.

use altinn_sim::{FaultKind, FaultSpec, SimHandle, SimOptions, Simulator};
use serde_json::Value;
use std::path::PathBuf;
use wasi_http_serve::{serve, Served};

const VENDOR: &str = "314248295";
const SYSTEM: &str = "314248295_smartregnskap";
const CUSTOMER: &str = "310816191";
const SCOPES: [&str; 2] = ["altinn:authentication/systemuser.request.read", "altinn:authentication/systemuser.request.write"];

fn component() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/wasm/onboarding_service.wasm");
    assert!(path.exists(), "{} is missing: run `make component` (cargo run -p xtask -- service)", path.display());
    path
}

/// The simulator, and the service configured for it through its environment.
struct Stack {
    sim: SimHandle,
    service: Served,
    http: ureq::Agent,
}

fn env(sim: &SimHandle, token: Option<String>) -> Vec<(String, String)> {
    let mut vars = vec![
        ("SYSTEMUSER_ENV", "custom".to_string()),
        ("SYSTEMUSER_PLATFORM_URL", sim.url()),
        ("SYSTEMUSER_CONFIRM_URL", sim.url()),
        ("SYSTEMUSER_SYSTEM_ID", SYSTEM.into()),
        ("SYSTEMUSER_ACCESS_PACKAGES", "urn:altinn:accesspackage:skattegrunnlag".into()),
    ];
    if let Some(token) = token {
        vars.push(("SYSTEMUSER_TOKEN", token));
    }
    vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn stack() -> Stack {
    stack_with(&[])
}

/// With more configuration.
fn stack_with(extra: &[(&str, &str)]) -> Stack {
    let sim = Simulator::start(SimOptions::default().with_admin(true)).expect("simulator");
    let token = sim.mint_token(VENDOR, &SCOPES);
    let mut vars = env(&sim, Some(token));
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let service = serve(&component(), vars, "127.0.0.1:0".parse().unwrap()).expect("serving the component");
    Stack { sim, service, http: agent() }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// Status, headers we look at, and the body as JSON.
struct Answer {
    status: u16,
    content_type: String,
    location: Option<String>,
    json: Value,
}

fn read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = response.expect("an HTTP answer from the service");
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (content_type, location) = (header("content-type").unwrap_or_default(), header("location"));
    let text = response.body_mut().read_to_string().expect("a body");
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    Answer { status: response.status().as_u16(), content_type, location, json }
}

/// `POST {service}/onboard` with a JSON body.
fn onboard_at(http: &ureq::Agent, service: &str, body: &str) -> Answer {
    read(http.post(format!("{service}/onboard")).header("content-type", "application/json").send(body))
}

impl Stack {
    fn onboard(&self, body: &str) -> Answer {
        onboard_at(&self.http, self.service.url(), body)
    }

    fn status(&self, path: &str) -> Answer {
        read(self.http.get(format!("{}{path}", self.service.url())).call())
    }

    /// The Altinn calls the simulator has seen (its admin log).
    fn altinn_calls(&self) -> Vec<Value> {
        let log = read(self.http.get(format!("{}/_sim/calls", self.sim.url())).call());
        log.json["calls"].as_array().cloned().unwrap_or_default()
    }
}

#[test]
fn onboard_approve_and_status_through_wasi_http() {
    let stack = stack();
    let created = stack.onboard(&format!(r#"{{"orgNo":"{CUSTOMER}","externalRef":"wasi-http-1"}}"#));
    assert_eq!(created.status, 201, "{}", created.json);
    assert!(created.content_type.starts_with("application/json"));
    let id = created.json["id"].as_str().expect("an id").to_string();
    assert_eq!(created.location.as_deref(), Some(format!("/onboard/{id}").as_str()));
    assert_eq!(created.json["status"], "New");
    assert_eq!(created.json["isNew"], true);
    assert_eq!(created.json["partyOrgNo"], CUSTOMER);
    assert_eq!(created.json["externalRef"], "wasi-http-1");
    let confirm = created.json["confirmUrl"].as_str().expect("a confirm link");
    assert!(confirm.starts_with(&stack.sim.url()) && confirm.contains(&id), "{confirm}");

    // The same onboarding again is the same request (idempotent create), answered 200.
    let again = stack.onboard(&format!(r#"{{"orgNo":"{CUSTOMER}","externalRef":"wasi-http-1"}}"#));
    assert_eq!((again.status, again.json["id"].as_str(), again.json["isNew"].as_bool()), (200, Some(id.as_str()), Some(false)));

    let pending = stack.status(&format!("/onboard/{id}"));
    assert_eq!(
        (pending.status, pending.json["status"].as_str(), pending.json["effectiveStatus"].as_str()),
        (200, Some("New"), Some("New"))
    );

    stack.sim.approve(&id).expect("the customer approves");
    let accepted = stack.status(&format!("/onboard/{id}"));
    assert_eq!(accepted.status, 200, "{}", accepted.json);
    assert_eq!(accepted.json["status"], "Accepted");
    assert_eq!(accepted.json["effectiveStatus"], "Accepted");
    assert_eq!(accepted.json["id"].as_str(), Some(id.as_str()));
    assert!(accepted.json["created"].is_string());
}

#[test]
fn a_request_left_unanswered_past_the_window_is_effectively_timed_out() {
    let stack = stack();
    let created = stack.onboard(&format!(r#"{{"orgNo":"{CUSTOMER}","externalRef":"never-answered"}}"#));
    let id = created.json["id"].as_str().expect("an id").to_string();
    stack.sim.advance_clock(std::time::Duration::from_secs(181 * 86_400));
    let old = stack.status(&format!("/onboard/{id}"));
    assert_eq!(old.status, 200, "{}", old.json);
    assert_eq!((old.json["status"].as_str(), old.json["effectiveStatus"].as_str()), (Some("New"), Some("Timedout")), "{}", old.json);
    assert_eq!(old.json["timedOut"], true);
}

#[test]
fn an_unknown_request_is_a_404_problem() {
    let stack = stack();
    let missing = stack.status("/onboard/8c3a6f41-0000-4000-8000-000000000000");
    assert_eq!(missing.status, 404, "{}", missing.json);
    assert!(missing.content_type.starts_with("application/problem+json"));
    assert_eq!(missing.json["title"], "No such request");
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let stack = stack();
    let bad_org = stack.onboard(r#"{"orgNo":"123456789"}"#);
    assert_eq!(bad_org.status, 400, "{}", bad_org.json);
    assert!(bad_org.content_type.starts_with("application/problem+json"));
    let violations = bad_org.json["violations"].as_array().expect("violations");
    assert!(violations.iter().any(|v| v["field"] == "partyOrgNo"), "{violations:?}");

    let not_a_string = stack.onboard(r#"{"orgNo":310816191}"#);
    assert_eq!((not_a_string.status, not_a_string.json["violations"][0]["field"].as_str()), (400, Some("orgNo")));
    let not_json = stack.onboard("orgNo=310816191");
    assert_eq!(not_json.status, 400);
    let wrong_type = read(stack.http.post(format!("{}/onboard", stack.service.url())).header("content-type", "text/plain").send("{}"));
    assert_eq!(wrong_type.status, 415);
    let wrong_method = read(stack.http.delete(format!("{}/onboard/x", stack.service.url())).call());
    assert_eq!(wrong_method.status, 405);
    let elsewhere = stack.status("/admin");
    assert_eq!(elsewhere.status, 404);
    let too_big = stack.onboard(&format!(r#"{{"orgNo":"{CUSTOMER}","externalRef":"{}"}}"#, "x".repeat(20_000)));
    assert_eq!(too_big.status, 413);

    assert_eq!(stack.altinn_calls(), Vec::<Value>::new(), "no refused request may reach Altinn");
    // The log does see the service's calls: a valid onboarding shows up in it.
    assert_eq!(stack.onboard(&format!(r#"{{"orgNo":"{CUSTOMER}"}}"#)).status, 201);
    assert!(stack.altinn_calls().iter().any(|c| c["method"] == "POST"), "{:?}", stack.altinn_calls());
}

#[test]
fn an_oversized_answer_is_a_clear_error_not_a_trap() {
    let stack = stack();
    let created = stack.onboard(&format!(r#"{{"orgNo":"{CUSTOMER}"}}"#));
    let id = created.json["id"].as_str().expect("an id").to_string();

    // 100 MB where a request of 1 KB belongs: the service stops reading at its cap.
    stack.sim.arm_fault(FaultSpec::new("get_request", FaultKind::HugeBody).size_bytes(100_000_000)).unwrap();
    let huge = stack.status(&format!("/onboard/{id}"));
    assert_eq!(huge.status, 502, "{}", huge.json);
    assert_eq!(huge.json["transportKind"], "too-large");

    // A compressed answer is refused unread (it could inflate past any cap).
    stack.sim.arm_fault(FaultSpec::new("get_request", FaultKind::GzipBomb)).unwrap();
    let bomb = stack.status(&format!("/onboard/{id}"));
    assert_eq!((bomb.status, bomb.json["transportKind"].as_str()), (502, Some("too-large")), "{}", bomb.json);

    // The same instance setup serves the next request normally: nothing trapped.
    let fine = stack.status(&format!("/onboard/{id}"));
    assert_eq!((fine.status, fine.json["status"].as_str()), (200, Some("New")), "{}", fine.json);
}

#[test]
fn an_answer_that_trickles_in_past_the_timeout_is_a_timeout() {
    let stack = stack_with(&[("SYSTEMUSER_TIMEOUT_MS", "400")]);
    let created = stack.onboard(&format!(r#"{{"orgNo":"{CUSTOMER}"}}"#));
    let id = created.json["id"].as_str().expect("an id").to_string();
    // Every attempt (the read is retried) gets a byte every 100 ms: never idle, never done.
    stack.sim.arm_fault(FaultSpec::new("get_request", FaultKind::SlowBody).interval_ms(100).times(10)).unwrap();
    let slow = stack.status(&format!("/onboard/{id}"));
    assert_eq!((slow.status, slow.json["transportKind"].as_str()), (504, Some("timeout")), "{}", slow.json);
}

#[test]
fn credentials_altinn_refuses_are_the_operators_problem_and_never_quoted() {
    let sim = Simulator::start(SimOptions::default().with_admin(true)).expect("simulator");
    let expired = sim.mint_token_with(VENDOR, &SCOPES, 0, true);
    let service = serve(&component(), env(&sim, Some(expired.clone())), "127.0.0.1:0".parse().unwrap()).unwrap();
    let answer = onboard_at(&agent(), service.url(), &format!(r#"{{"orgNo":"{CUSTOMER}"}}"#));
    assert_eq!(answer.status, 502, "{}", answer.json);
    assert!(!answer.json.to_string().contains(&expired), "the token must never be quoted");

    // No token configured: said plainly, nothing sent.
    let unconfigured = serve(&component(), env(&sim, None), "127.0.0.1:0".parse().unwrap()).unwrap();
    let answer = onboard_at(&agent(), unconfigured.url(), &format!(r#"{{"orgNo":"{CUSTOMER}"}}"#));
    assert_eq!(answer.status, 502, "{}", answer.json);
}
