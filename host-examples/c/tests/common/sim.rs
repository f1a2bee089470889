//! The simulator in-process on a free loopback port, tokens, configurations and its admin
//! routes.

use altinn_sim::{SimHandle, SimOptions, Simulator};
use serde_json::{json, Value};
use systemuser_host::wit::{HttpRequest, Method};
use systemuser_host::{HttpTransport, UreqTransport};

pub const VENDOR: &str = "314248295";
pub const STANDARD_SYSTEM: &str = "314248295_smartregnskap";
pub const AGENT_SYSTEM: &str = "314248295_smartbyraa";
pub const READ: &str = "altinn:authentication/systemuser.request.read";
pub const WRITE: &str = "altinn:authentication/systemuser.request.write";
pub const REGISTER: &str = "altinn:authentication/systemregister.write";
/// Valid customers of the default fixture (the vendors left out).
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

pub fn start() -> SimHandle {
    start_with(SimOptions::default())
}

pub fn start_with(options: SimOptions) -> SimHandle {
    Simulator::start(options.with_admin(true)).expect("the simulator starts")
}

/// A token with every scope a vendor needs.
pub fn full_token(sim: &SimHandle) -> String {
    sim.mint_token(VENDOR, &[READ, WRITE, REGISTER])
}

/// The `config` document for the simulator: short back-off, so retries cost milliseconds.
pub fn config(sim: &SimHandle) -> Value {
    let base = sim.url();
    json!({
        "v": 1,
        "environment": {"platformUrl": base, "confirmUrl": base, "maskinportenIssuer": format!("{base}/")},
        "timeoutMs": 5000, "deadlineMs": 60000, "retryBudget": 3, "backoffMs": 1,
    })
}

/// The same, with the component getting its own tokens as the fixture's Maskinporten client.
pub fn maskinporten_config(sim: &SimHandle) -> Value {
    let mut config = config(sim);
    config["maskinporten"] = json!({"clientId": altinn_sim::test_client::CLIENT_ID, "key": {"kid": altinn_sim::test_client::KID}});
    config
}

/// A create body for a standard request with one right of the system.
pub fn standard_body(org: &str, external_ref: &str) -> Value {
    json!({
        "systemId": STANDARD_SYSTEM, "partyOrgNo": org, "externalRef": external_ref,
        "rights": [{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}],
    })
}

pub fn create_standard(org: &str, external_ref: &str) -> Value {
    json!({"v": 1, "task": "create-standard-request", "request": standard_body(org, external_ref)})
}

pub fn create_agent(org: &str, external_ref: &str) -> Value {
    json!({"v": 1, "task": "create-agent-request", "request": {
        "systemId": AGENT_SYSTEM, "partyOrgNo": org, "externalRef": external_ref,
        "accessPackages": [{"urn": "urn:altinn:accesspackage:regnskapsforer-lonn"}],
    }})
}

/// A GET of an admin route, as JSON.
pub fn admin_get(sim: &SimHandle, path: &str) -> Value {
    let request = HttpRequest {
        method: Method::Get,
        url: format!("{}{path}", sim.url()),
        headers: vec![],
        body: None,
        timeout_ms: 10_000,
        max_response_bytes: 64 << 20,
    };
    let response = UreqTransport::new().send(request).unwrap_or_else(|e| panic!("admin {path}: {}", e.message));
    assert_eq!(response.status, 200, "admin {path}");
    serde_json::from_slice(&response.body).expect("admin JSON")
}

/// The simulator's dedupe view: one entry per key the server computes.
pub fn dedupe(sim: &SimHandle) -> Vec<Value> {
    admin_get(sim, "/_sim/dedupe")["keys"].as_array().cloned().unwrap_or_default()
}
