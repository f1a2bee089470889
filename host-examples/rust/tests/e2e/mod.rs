//! What the end-to-end tests share: the built component (compiled once per test binary), a
//! simulator started in-process on port 0, clients over real HTTP, the simulator's admin
//! routes, and host capabilities that record or fail on purpose.
#![allow(dead_code)] // each e2e test crate uses a different part

use std::sync::{Arc, Mutex, OnceLock};

use altinn_sim::{SimHandle, SimOptions, Simulator};
use serde_json::Value;
use systemuser_host::wit::{self, AccessPackage, AgentRequestInput, AttributePair, Config, Right, StandardRequestInput};
use systemuser_host::{
    custom_environment, Capabilities, Client, ClientError, HttpTransport, Runtime, StaticToken, Timer, TokenSource, UreqTransport,
};

use crate::common;

pub const VENDOR: &str = "314248295";
pub const STANDARD_SYSTEM: &str = "314248295_smartregnskap";
pub const AGENT_SYSTEM: &str = "314248295_smartbyraa";
pub const FOREIGN_VENDOR: &str = "313367002";
pub const FOREIGN_SYSTEM: &str = "313367002_konkurrent";
/// The registered redirect URL of `STANDARD_SYSTEM`.
pub const REDIRECT: &str = "https://smartregnskap.example/callback";

/// Valid customer organisations of the default fixture (the two vendors left out).
pub const CUSTOMERS: [&str; 11] = [
    "310816191",
    "314224965",
    "317103360",
    "316501389",
    "313981436",
    "316859356",
    "312317761",
    "313526011",
    "314941888",
    "313093808",
    "314456726",
];

pub const READ: &str = "altinn:authentication/systemuser.request.read";
pub const WRITE: &str = "altinn:authentication/systemuser.request.write";
pub const REGISTER: &str = "altinn:authentication/systemregister.write";

/// The built component, compiled once per test binary. Panics (never skips) when it is missing.
pub fn runtime() -> Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::load(common::component_path()).expect("the built component loads")).clone()
}

/// A simulator with its admin routes, on a free loopback port.
pub fn start() -> SimHandle {
    start_with(SimOptions::default())
}

pub fn start_with(options: SimOptions) -> SimHandle {
    Simulator::start(options.with_admin(true)).expect("the simulator starts")
}

/// A config for the simulator: short back-off so retries cost milliseconds.
pub fn fast_config(base: &str) -> Config {
    Config {
        environment: custom_environment(base),
        timeout_ms: 5_000,
        deadline_ms: 60_000,
        retry_budget: 5,
        backoff_ms: 1,
        maskinporten: None,
    }
}

/// Every scope a vendor's client needs.
pub fn full_token(sim: &SimHandle) -> String {
    sim.mint_token(VENDOR, &[READ, WRITE, REGISTER])
}

/// A client of the default vendor holding every scope, over real HTTP.
pub fn client(sim: &SimHandle) -> Client {
    client_with_token(sim, &full_token(sim))
}

pub fn client_with_token(sim: &SimHandle, token: &str) -> Client {
    let caps = Capabilities::new(UreqTransport::new(), StaticToken::new(token).expect("a sendable token"));
    Client::new(runtime(), caps, fast_config(&sim.url()))
}

pub fn client_with(caps: Capabilities, config: Config) -> Client {
    Client::new(runtime(), caps, config)
}

/// A standard request for `org`, asking for one right the system has.
pub fn standard_input(org: &str, external_ref: Option<&str>) -> StandardRequestInput {
    StandardRequestInput {
        system_id: STANDARD_SYSTEM.into(),
        party_org_no: org.into(),
        external_ref: external_ref.map(String::from),
        integration_title: None,
        rights: Some(vec![Right {
            action: None,
            resource: vec![AttributePair { id: "urn:altinn:resource".into(), value: "ske-krav-og-betalinger".into() }],
        }]),
        access_packages: None,
        redirect_url: None,
    }
}

/// An agent request for `org` with one delegable package of the agent system.
pub fn agent_input(org: &str, external_ref: Option<&str>) -> AgentRequestInput {
    AgentRequestInput {
        system_id: AGENT_SYSTEM.into(),
        party_org_no: org.into(),
        external_ref: external_ref.map(String::from),
        integration_title: Some("Lønn for klienter".into()),
        access_packages: vec![AccessPackage { urn: "urn:altinn:accesspackage:regnskapsforer-lonn".into() }],
        redirect_url: None,
        rights: None,
    }
}

pub fn standard_key(org: &str, external_ref: &str) -> wit::ExternalRefKey {
    wit::ExternalRefKey {
        kind: wit::RequestKind::Standard,
        system_id: STANDARD_SYSTEM.into(),
        org_no: org.into(),
        external_ref: external_ref.into(),
    }
}

/// The component's typed error of a call that must fail.
#[track_caller]
pub fn altinn_error<T: std::fmt::Debug>(result: Result<T, ClientError>) -> wit::Error {
    match result {
        Err(ClientError::Altinn(e)) => e,
        other => panic!("expected a typed error of the component, got {other:?}"),
    }
}

/// A valid (mod-11) organisation number that is not in the default fixture's register.
pub fn unknown_valid_org() -> String {
    const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
    let known = ["314248295", "313367002"];
    for n in 31_000_000u32.. {
        let digits: Vec<u32> = n.to_string().chars().map(|c| c.to_digit(10).unwrap()).collect();
        let r = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum::<u32>() % 11;
        let check = match r {
            0 => 0,
            1 => continue,
            r => 11 - r,
        };
        let org = format!("{n}{check}");
        if !CUSTOMERS.contains(&org.as_str()) && !known.contains(&org.as_str()) {
            return org;
        }
    }
    unreachable!()
}

// ---- the simulator's admin routes -------------------------------------------------------

fn read_json(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>, what: &str) -> Value {
    let mut response = response.unwrap_or_else(|e| panic!("admin {what}: {e}"));
    let text = response.body_mut().read_to_string().unwrap_or_else(|e| panic!("admin {what}: {e}"));
    if text.is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("admin {what}: {e}: {text}"))
}

pub fn admin_get(sim: &SimHandle, path: &str) -> Value {
    read_json(ureq::get(format!("{}{path}", sim.url())).call(), path)
}

pub fn admin_delete(sim: &SimHandle, path: &str) {
    ureq::delete(format!("{}{path}", sim.url())).call().unwrap_or_else(|e| panic!("admin DELETE {path}: {e}"));
}

pub fn admin_post(sim: &SimHandle, path: &str, body: &Value) -> Value {
    read_json(ureq::post(format!("{}{path}", sim.url())).header("content-type", "application/json").send(body.to_string()), path)
}

/// The simulator's call log (`GET /_sim/calls`): `{seq, method, path, route, status, fault}`.
pub fn calls(sim: &SimHandle) -> Vec<Value> {
    admin_get(sim, "/_sim/calls")["calls"].as_array().cloned().unwrap_or_default()
}

pub fn clear_calls(sim: &SimHandle) {
    admin_delete(sim, "/_sim/calls");
}

/// Calls of one fault route name (`create_request`, `get_request_by_external_ref`, …).
pub fn calls_of(sim: &SimHandle, route: &str) -> Vec<Value> {
    calls(sim).into_iter().filter(|c| c["route"] == route).collect()
}

/// Per dedupe key: `{kind, partyOrgNo, externalRef, systemId, createCalls, created, existing,
/// requestsStored, requestsActive, activeSystemUsers}`.
pub fn dedupe(sim: &SimHandle) -> Vec<Value> {
    admin_get(sim, "/_sim/dedupe")["keys"].as_array().cloned().unwrap_or_default()
}

pub fn dedupe_entry(sim: &SimHandle, org: &str, external_ref: &str, system_id: &str) -> Option<Value> {
    dedupe(sim).into_iter().find(|k| k["partyOrgNo"] == org && k["externalRef"] == external_ref && k["systemId"] == system_id)
}

/// Every request the simulator stores (deleted ones too).
pub fn stored_requests(sim: &SimHandle) -> Vec<Value> {
    admin_get(sim, "/_sim/requests")["requests"].as_array().cloned().unwrap_or_default()
}

// ---- capabilities -----------------------------------------------------------------------

/// Real HTTP that records every URL the component asks it to send to.
#[derive(Clone, Default)]
pub struct RecordingTransport {
    inner: UreqTransport,
    urls: Arc<Mutex<Vec<String>>>,
}

impl RecordingTransport {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn urls(&self) -> Vec<String> {
        self.urls.lock().unwrap().clone()
    }
}

impl HttpTransport for RecordingTransport {
    fn send(&self, request: wit::HttpRequest) -> Result<wit::HttpResponse, wit::TransportFailure> {
        self.urls.lock().unwrap().push(request.url.clone());
        self.inner.send(request)
    }
}

/// A token source that always fails.
pub struct FailingToken;

impl TokenSource for FailingToken {
    fn access_token(&self, _scopes: &[String]) -> Result<String, String> {
        Err("the key vault is unreachable (test)".into())
    }
}

/// A token source that hands out a fixed string as is (even one `StaticToken` would refuse).
pub struct RawToken(pub String);

impl TokenSource for RawToken {
    fn access_token(&self, _scopes: &[String]) -> Result<String, String> {
        Ok(self.0.clone())
    }
}

/// Records waits instead of sleeping.
#[derive(Clone, Default)]
pub struct RecordingTimer {
    waits: Arc<Mutex<Vec<u32>>>,
}

impl RecordingTimer {
    pub fn waits(&self) -> Vec<u32> {
        self.waits.lock().unwrap().clone()
    }
}

impl Timer for RecordingTimer {
    fn sleep(&self, ms: u32) {
        self.waits.lock().unwrap().push(ms);
    }
}
