//! The `server` cases of the hostile catalogue (tests/hostile/catalogue.json) through the Rust
//! client, against the simulator playing a hostile or broken server over real HTTP: gzip bomb,
//! 100 MB and endless bodies, slowloris headers, a slow body, 429 with `Retry-After` in seconds
//! and as a date, a 503 storm, a fresh page token on every page, a token quoted back, answers
//! for another question. Each must end with its typed error (or its answer) within its time
//! bound, with no secret in any output, and the process stays small. The Python and Node hosts
//! run the same cases.

#![allow(clippy::result_large_err)]

mod common;
mod e2e;

use std::time::{Duration, Instant};

use e2e::*;
use serde_json::Value;
use systemuser_host::wit::{self, Config, RequestKind};
use systemuser_host::{custom_environment, Capabilities, Client, ClientError, StaticToken, UreqTransport};

fn server_cases() -> Vec<Value> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile/catalogue.json");
    let all: Value = serde_json::from_slice(&std::fs::read(&path).expect("the catalogue")).expect("JSON");
    all["cases"].as_array().unwrap().iter().filter(|c| c["op"] == "server").cloned().collect()
}

fn config(base: &str, c: &Value) -> Config {
    let n = |key: &str| c[key].as_u64().unwrap_or_else(|| panic!("config.{key}")) as u32;
    Config {
        environment: custom_environment(base),
        timeout_ms: n("timeoutMs"),
        deadline_ms: n("deadlineMs"),
        retry_budget: n("retryBudget"),
        backoff_ms: n("backoffMs"),
        maskinporten: None,
    }
}

/// What the task gave: the outcome's name, or the error.
fn run(client: &Client, task: &str) -> Result<&'static str, ClientError> {
    match task {
        "get" => client.get_request(RequestKind::Standard, "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f").map(|_| "request"),
        "list-all" => client.list_all_requests(RequestKind::Standard, STANDARD_SYSTEM).map(|_| "requests"),
        "create" => client.create_standard_request(standard_input(CUSTOMERS[0], None)).map(|_| "created"),
        other => panic!("unknown task {other}"),
    }
}

fn error_name(e: &wit::Error) -> &'static str {
    match e {
        wit::Error::Validation(_) => "validation",
        wit::Error::Altinn(_) => "altinn",
        wit::Error::Unauthorized(_) => "unauthorized",
        wit::Error::Forbidden(_) => "forbidden",
        wit::Error::NotFound(_) => "not-found",
        wit::Error::Conflict(_) => "conflict",
        wit::Error::Unavailable(_) => "unavailable",
        wit::Error::Transport(_) => "transport",
        wit::Error::Token(_) => "token",
        wit::Error::Maskinporten(_) => "maskinporten",
        wit::Error::InvalidResponse(_) => "invalid-response",
        wit::Error::Misuse(_) => "misuse",
    }
}

fn transport_name(kind: wit::TransportErrorKind) -> &'static str {
    match kind {
        wit::TransportErrorKind::Connect => "connect",
        wit::TransportErrorKind::Timeout => "timeout",
        wit::TransportErrorKind::ConnectionLost => "connection-lost",
        wit::TransportErrorKind::TooLarge => "too-large",
        wit::TransportErrorKind::Other => "other",
    }
}

/// Why the result does not meet the case's expectation, if it does not.
fn check(case: &Value, result: &Result<&'static str, ClientError>, elapsed: Duration, token: &str) -> Option<String> {
    let expect = &case["expect"];
    let seconds = elapsed.as_secs_f64();
    if seconds > case["max_seconds"].as_f64().unwrap() {
        return Some(format!("took {seconds:.1} s, more than {}", case["max_seconds"]));
    }
    if let Some(min) = case["min_seconds"].as_f64() {
        if seconds < min {
            return Some(format!("took {seconds:.2} s, less than {min}: the wait was not honoured"));
        }
    }
    let e = match (result, expect["ok"].as_str()) {
        (Ok(got), Some(want)) => return (*got != want).then(|| format!("answered {got}, expected {want}")),
        (Ok(got), None) => return Some(format!("answered {got}, expected an error {expect}")),
        (Err(ClientError::Altinn(e)), _) => e,
        (Err(other), _) => return Some(format!("host error {other}")),
    };
    if expect["ok"].is_string() || error_name(e) != expect["error"] {
        return Some(format!("got {} ({e:?}), expected {expect}", error_name(e)));
    }
    if let (Some(want), wit::Error::Transport(t)) = (expect["transport"].as_str(), e) {
        if transport_name(t.kind) != want {
            return Some(format!("transport {}, expected {want}", transport_name(t.kind)));
        }
    }
    if let Some(want) = expect["retry_after_seconds"].as_u64() {
        match e {
            wit::Error::Unavailable(o) if o.retry_after_seconds == Some(want as u32) => {}
            other => return Some(format!("retry-after-seconds missing or wrong in {other:?}")),
        }
    }
    let text = format!("{e:?} {}", ClientError::Altinn(e.clone()));
    if let Some(want) = expect["message_contains"].as_str() {
        if !text.contains(want) {
            return Some(format!("the error does not say {want:?}: {text}"));
        }
    }
    if case["no_secret"] == true && (text.contains(token) || !text.contains("[redacted]")) {
        return Some("the error shows the bearer token (or redacts nothing)".into());
    }
    None
}

/// Peak resident memory of this process so far (`VmHWM`), in MB.
fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kb.unwrap_or(0) / 1024
}

#[test]
fn hostile_server_cases_through_the_rust_client() {
    let cases = server_cases();
    assert!(cases.len() >= 15, "the catalogue has {} server cases", cases.len());
    let mut failures = Vec::new();
    println!("\n{:<72} {:>8} {:>9}", "hostile server case (Rust client)", "seconds", "peak MB");
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let sim = start();
        let token = full_token(&sim);
        let plain = client_with_token(&sim, &token);
        for step in case["setup"].as_array().into_iter().flatten() {
            assert_eq!(run(&plain, step.as_str().unwrap()).map_err(|e| e.to_string()), Ok("created"), "{name}: setup");
        }
        let faults = match &case["fault"] {
            Value::Array(list) => list.clone(),
            one => vec![one.clone()],
        };
        for fault in &faults {
            admin_post(&sim, "/_sim/faults", fault);
        }
        let caps = Capabilities::new(UreqTransport::new(), StaticToken::new(&token).unwrap());
        let client = Client::new(runtime(), caps, config(&sim.url(), &case["config"]));
        let started = Instant::now();
        let result = run(&client, case["task"].as_str().unwrap());
        let elapsed = started.elapsed();
        if let Err(e) = &result {
            // Printed on purpose: the secret scan of `make test` reads this output.
            println!("  error: {e}");
        }
        println!("{name:<72} {:>8.2} {:>9}", elapsed.as_secs_f64(), peak_rss_mb());
        if let Some(why) = check(case, &result, elapsed, &token) {
            failures.push(format!("{name}: {why}"));
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{} hostile server cases failed (see above)", failures.len());
    assert!(peak_rss_mb() < 200, "the test process peaked at {} MB", peak_rss_mb());
}
