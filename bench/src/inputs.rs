//! The same inputs for the component (WIT types) and the native core, and real responses
//! taken from the simulator once.

use altinn_systemuser as core_;
use core_::model as m;
use systemuser_host::{custom_environment, wit, HttpTransport, UreqTransport};

pub const VENDOR: &str = "314248295";
pub const SYSTEM: &str = "314248295_smartregnskap";
pub const ORG: &str = "310816191";
pub const REDIRECT: &str = "https://smartregnskap.example/callback";
pub const RESOURCE: &str = "ske-krav-og-betalinger";
pub const READ: &str = "altinn:authentication/systemuser.request.read";
pub const WRITE: &str = "altinn:authentication/systemuser.request.write";
pub const REGISTER: &str = "altinn:authentication/systemregister.write";

pub fn wit_config(base: &str) -> wit::Config {
    wit::Config {
        environment: custom_environment(base),
        timeout_ms: 30_000,
        deadline_ms: 60_000,
        retry_budget: 3,
        backoff_ms: 200,
        maskinporten: None,
    }
}

pub fn core_config(base: &str) -> m::Config {
    let base = base.trim_end_matches('/').to_string();
    m::Config {
        environment: m::Environment::Custom(m::CustomEnvironment {
            platform_url: base.clone(),
            confirm_url: base.clone(),
            maskinporten_issuer: format!("{base}/"),
        }),
        timeout_ms: 30_000,
        deadline_ms: 60_000,
        retry_budget: 3,
        backoff_ms: 200,
        maskinporten: None,
    }
}

pub fn wit_input(external_ref: &str) -> wit::StandardRequestInput {
    wit::StandardRequestInput {
        system_id: SYSTEM.into(),
        party_org_no: ORG.into(),
        external_ref: Some(external_ref.into()),
        integration_title: None,
        rights: Some(vec![wit::Right {
            action: None,
            resource: vec![wit::AttributePair { id: "urn:altinn:resource".into(), value: RESOURCE.into() }],
        }]),
        access_packages: None,
        redirect_url: Some(REDIRECT.into()),
    }
}

pub fn core_input(external_ref: &str) -> m::StandardRequestInput {
    m::StandardRequestInput {
        system_id: SYSTEM.into(),
        party_org_no: ORG.into(),
        external_ref: Some(external_ref.into()),
        integration_title: None,
        rights: Some(vec![m::Right {
            action: None,
            resource: vec![m::AttributePair { id: "urn:altinn:resource".into(), value: RESOURCE.into() }],
        }]),
        access_packages: None,
        redirect_url: Some(REDIRECT.into()),
    }
}

/// One operation on both sides, with the response the simulator gave to it.
pub struct Case {
    pub name: &'static str,
    pub wit_call: wit::Call,
    pub core_call: core_::protocol::Call,
    pub wit_response: wit::HttpResponse,
    pub core_response: core_::http::HttpResponse,
}

pub fn to_wit_request(r: &core_::http::HttpRequest) -> wit::HttpRequest {
    wit::HttpRequest {
        method: match r.method {
            core_::http::Method::Get => wit::Method::Get,
            core_::http::Method::Post => wit::Method::Post,
            core_::http::Method::Put => wit::Method::Put,
            core_::http::Method::Delete => wit::Method::Delete,
        },
        url: r.url.clone(),
        headers: r.headers.iter().map(|h| wit::Header { name: h.name.clone(), value: h.value.clone() }).collect(),
        body: r.body.clone(),
        timeout_ms: r.timeout_ms,
        max_response_bytes: r.max_response_bytes,
    }
}

pub fn to_core_response(r: wit::HttpResponse) -> core_::http::HttpResponse {
    core_::http::HttpResponse {
        status: r.status,
        headers: r.headers.into_iter().map(|h| core_::http::Header { name: h.name, value: h.value }).collect(),
        body: r.body,
    }
}

pub fn to_core_failure(f: wit::TransportFailure) -> core_::TransportFailure {
    let kind = match f.kind {
        wit::TransportErrorKind::Connect => core_::TransportErrorKind::Connect,
        wit::TransportErrorKind::Timeout => core_::TransportErrorKind::Timeout,
        wit::TransportErrorKind::ConnectionLost => core_::TransportErrorKind::ConnectionLost,
        wit::TransportErrorKind::TooLarge => core_::TransportErrorKind::TooLarge,
        wit::TransportErrorKind::Other => core_::TransportErrorKind::Other,
    };
    core_::TransportFailure { kind, message: f.message }
}

/// Sends the natively built request for `call` with `token` and returns the raw response.
fn exchange(http: &UreqTransport, config: &m::Config, call: &core_::protocol::Call, token: &str) -> wit::HttpResponse {
    let out = core_::protocol::build(config, call).expect("a valid call");
    let req = core_::protocol::authorize(out.request, token).expect("a sendable token");
    http.send(to_wit_request(&req)).expect("the simulator answers")
}

/// Mints a token with every vendor scope through the simulator's admin route.
pub fn mint_token(http: &UreqTransport, base: &str) -> String {
    let body = serde_json::json!({ "vendorOrgNo": VENDOR, "scopes": [READ, WRITE, REGISTER] }).to_string();
    let response = http
        .send(wit::HttpRequest {
            method: wit::Method::Post,
            url: format!("{base}/_sim/token"),
            headers: vec![wit::Header { name: "content-type".into(), value: "application/json".into() }],
            body: Some(body.into_bytes()),
            timeout_ms: 10_000,
            max_response_bytes: 1 << 20,
        })
        .expect("the simulator answers /_sim/token");
    let v: serde_json::Value = serde_json::from_slice(&response.body).expect("token JSON");
    v["access_token"].as_str().expect("access_token").to_string()
}

/// Creates 60 requests at the simulator (so a list page is full: 50 items and a next link) and
/// records the answers to a create, a get and a list page.
pub fn cases(base: &str) -> Vec<Case> {
    let http = UreqTransport::new();
    let token = mint_token(&http, base);
    let config = core_config(base);
    let create = |ext: &str| core_::protocol::Call::CreateStandardRequest(core_input(ext));
    let created = exchange(&http, &config, &create("ERP-00000"), &token);
    assert_eq!(created.status, 201, "create: {}", String::from_utf8_lossy(&created.body));
    for i in 1..60 {
        let r = exchange(&http, &config, &create(&format!("ERP-{i:05}")), &token);
        assert_eq!(r.status, 201);
    }
    let id = serde_json::from_slice::<serde_json::Value>(&created.body).expect("JSON")["id"].as_str().expect("id").to_string();
    let get = core_::protocol::Call::GetRequest { kind: m::RequestKind::Standard, id: id.clone() };
    let got = exchange(&http, &config, &get, &token);
    assert_eq!(got.status, 200);
    let list = core_::protocol::Call::ListRequests { kind: m::RequestKind::Standard, system_id: SYSTEM.into(), page: None };
    let page = exchange(&http, &config, &list, &token);
    assert_eq!(page.status, 200);
    from_responses(&id, created, got, page)
}

/// The three cases (create, get, a list page) from the simulator's answers to them; `id` is
/// the id of the created request (what the get asks for). Also used by `profile`, which
/// replays recorded answers without a simulator.
pub fn from_responses(id: &str, created: wit::HttpResponse, got: wit::HttpResponse, page: wit::HttpResponse) -> Vec<Case> {
    let create = |ext: &str| core_::protocol::Call::CreateStandardRequest(core_input(ext));
    let get = core_::protocol::Call::GetRequest { kind: m::RequestKind::Standard, id: id.to_string() };
    let list = core_::protocol::Call::ListRequests { kind: m::RequestKind::Standard, system_id: SYSTEM.into(), page: None };
    vec![
        Case {
            name: "create",
            wit_call: wit::Call::CreateStandardRequest(wit_input("ERP-00000")),
            core_call: create("ERP-00000"),
            core_response: to_core_response(created.clone()),
            wit_response: created,
        },
        Case {
            name: "get",
            wit_call: wit::Call::GetRequest(wit::RequestId { kind: wit::RequestKind::Standard, id: id.to_string() }),
            core_call: get,
            core_response: to_core_response(got.clone()),
            wit_response: got,
        },
        Case {
            name: "list page (50 items)",
            wit_call: wit::Call::ListRequests(wit::ListRequestsQuery {
                kind: wit::RequestKind::Standard,
                system_id: SYSTEM.into(),
                page: None,
            }),
            core_call: list,
            core_response: to_core_response(page.clone()),
            wit_response: page,
        },
    ]
}
