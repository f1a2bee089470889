//! The operation state machines, driven step by step natively with scripted inputs (they are
//! sans-IO: no network is involved at this level). End-to-end runs against the simulator live in
//! the hosts' tests.

use altinn_systemuser::error::{Error, TransportErrorKind, TransportFailure};
use altinn_systemuser::http::{Header, HttpRequest, HttpResponse, Method};
use altinn_systemuser::model::{AccessPackage, AttributePair, Config, Environment, RequestKind, Right, StandardRequestInput};
use altinn_systemuser::operation::{Input, Operation, Outcome, Step, Task};
use altinn_systemuser::protocol::Call;
use altinn_systemuser::secret::Secret;

const ID: &str = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl";

fn config() -> Config {
    Config { retry_budget: 3, backoff_ms: 100, ..Config::new(Environment::Tt02) }
}

fn input() -> StandardRequestInput {
    StandardRequestInput {
        system_id: "314248295_smartregnskap".into(),
        party_org_no: "310816191".into(),
        external_ref: Some("kunde-42".into()),
        rights: Some(vec![Right {
            action: None,
            resource: vec![AttributePair { id: "urn:altinn:resource".into(), value: "ske-krav-og-betalinger".into() }],
        }]),
        redirect_url: Some("https://smartregnskap.example/callback".into()),
        ..Default::default()
    }
}

fn json(status: u16, body: &str) -> Input {
    Input::Response(HttpResponse {
        status,
        headers: vec![Header { name: "Content-Type".into(), value: "application/json".into() }],
        body: body.as_bytes().to_vec(),
    })
}

fn empty(status: u16) -> Input {
    Input::Response(HttpResponse { status, headers: vec![], body: vec![] })
}

fn request_json(status: &str) -> String {
    format!(
        r#"{{"id":"{ID}","externalRef":"kunde-42","systemId":"314248295_smartregnskap","partyOrgNo":"310816191","rights":[],"status":"{status}","confirmUrl":"https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/request?id={ID}&DONTCHOOSEREPORTEE=true","created":"2026-03-01T10:15:00.5"}}"#
    )
}

const SYSTEM: &str = r#"{"id":"314248295_smartregnskap","vendor":{"ID":"0192:314248295"},"rights":[{"resource":[{"id":"urn:altinn:resource","value":"ske-krav-og-betalinger"}]}],"accessPackages":[],"allowedRedirectUrls":["https://smartregnskap.example/callback"]}"#;

fn expect_token(step: Step, scope: &str) {
    match step {
        Step::NeedToken(scopes) => assert_eq!(scopes, vec![format!("altinn:authentication/{scope}")]),
        other => panic!("expected a token request for {scope}, got {other:?}"),
    }
}

fn expect_send(step: Step, method: Method, path: &str) -> HttpRequest {
    match step {
        Step::Send(request) => {
            assert_eq!(request.method, method);
            assert_eq!(request.url, format!("https://platform.tt02.altinn.no/authentication/api/v1/{path}"));
            assert!(request.headers.iter().any(|h| h.name == "Authorization" && h.value == format!("Bearer {TOKEN}")));
            request
        }
        other => panic!("expected {method:?} {path}, got {other:?}"),
    }
}

const CREATE: &str = "systemuser/request/vendor";
const BY_REF: &str = "systemuser/request/vendor/byexternalref/314248295_smartregnskap/310816191/kunde-42";
const SYSTEM_PATH: &str = "systemregister/vendor/314248295_smartregnskap";

/// Runs the pre-flight and returns the machine at the point where the POST is sent.
fn to_post(op: &mut Operation) {
    expect_token(op.start(), "systemregister.write");
    expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Get, SYSTEM_PATH);
    expect_token(op.advance(json(200, SYSTEM)), "systemuser.request.write");
    let post = expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Post, CREATE);
    let body = String::from_utf8(post.body.unwrap()).unwrap();
    assert!(body.contains(r#""externalRef":"kunde-42""#), "{body}");
}

fn created(step: Step) -> (bool, bool) {
    match step {
        Step::Done(Ok(Outcome::Created { request, is_new, reconciled })) => {
            assert_eq!(request.id, ID);
            (is_new, reconciled)
        }
        other => panic!("expected a created request, got {other:?}"),
    }
}

#[test]
fn create_with_preflight() {
    let mut op = Operation::new(config(), Task::CreateStandardRequest(input()));
    to_post(&mut op);
    assert_eq!(created(op.advance(json(201, &request_json("New")))), (true, false));
    // Finished: further input gives the same result, no panic.
    assert!(matches!(op.advance(Input::Waited), Step::Done(Ok(Outcome::Created { .. }))));
}

#[test]
fn an_existing_request_is_reported_as_not_new() {
    let mut op = Operation::new(config(), Task::CreateStandardRequest(input()));
    to_post(&mut op);
    assert_eq!(created(op.advance(json(200, &request_json("Rejected")))), (false, false));
}

#[test]
fn no_systemregister_scope_skips_the_preflight() {
    let mut op = Operation::new(config(), Task::CreateStandardRequest(input()));
    expect_token(op.start(), "systemregister.write");
    expect_token(op.advance(Input::TokenFailed("scope not granted".into())), "systemuser.request.write");
    expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Post, CREATE);
}

#[test]
fn preflight_refuses_an_unregistered_redirect_before_sending() {
    let mut bad = input();
    bad.redirect_url = Some("https://smartregnskap.example/other".into());
    let mut op = Operation::new(config(), Task::CreateStandardRequest(bad));
    expect_token(op.start(), "systemregister.write");
    expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Get, SYSTEM_PATH);
    match op.advance(json(200, SYSTEM)) {
        Step::Done(Err(Error::Validation(v))) => assert_eq!(v[0].code, "AUTH-00021"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn local_validation_fails_before_any_step() {
    let mut bad = input();
    bad.party_org_no = "123456789".into();
    let mut op = Operation::new(config(), Task::CreateStandardRequest(bad));
    assert!(matches!(op.start(), Step::Done(Err(Error::Validation(_)))));
}

#[test]
fn a_lost_answer_is_reconciled_not_resent() {
    let mut op = Operation::new(config(), Task::CreateStandardRequest(input()));
    to_post(&mut op);
    let lost = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::ConnectionLost, message: "reset".into() });
    expect_token(op.advance(lost), "systemuser.request.read");
    expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Get, BY_REF);
    assert_eq!(created(op.advance(json(200, &request_json("New")))), (false, true));
}

#[test]
fn a_lost_request_that_was_not_stored_is_sent_again() {
    let mut op = Operation::new(config(), Task::CreateStandardRequest(input()));
    to_post(&mut op);
    let timeout = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::Timeout, message: "timed out".into() });
    expect_token(op.advance(timeout), "systemuser.request.read");
    expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Get, BY_REF);
    assert_eq!(op.advance(empty(404)), Step::Wait(100));
    // The write token is reused: no new token request.
    expect_send(op.advance(Input::Waited), Method::Post, CREATE);
    assert_eq!(created(op.advance(json(201, &request_json("New")))), (true, false));
}

#[test]
fn a_5xx_on_create_is_reconciled() {
    let mut op = Operation::new(config(), Task::CreateStandardRequest(input()));
    to_post(&mut op);
    expect_token(op.advance(empty(503)), "systemuser.request.read");
    expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Get, BY_REF);
    assert_eq!(created(op.advance(json(200, &request_json("New")))), (false, true));
}

#[test]
fn a_connect_failure_resends_after_backoff() {
    let mut op = Operation::new(config(), Task::CreateStandardRequest(input()));
    to_post(&mut op);
    let refused = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::Connect, message: "refused".into() });
    assert_eq!(op.advance(refused), Step::Wait(100));
    expect_send(op.advance(Input::Waited), Method::Post, CREATE);
}

#[test]
fn reads_retry_5xx_with_growing_backoff_then_give_up() {
    let call = Call::GetRequest { kind: RequestKind::Standard, id: ID.into() };
    let mut op = Operation::new(config(), Task::Read(call));
    expect_token(op.start(), "systemuser.request.read");
    let path = format!("systemuser/request/vendor/{ID}");
    expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Get, &path);
    for wait in [100, 200, 400] {
        assert_eq!(op.advance(empty(503)), Step::Wait(wait));
        expect_send(op.advance(Input::Waited), Method::Get, &path);
    }
    match op.advance(empty(503)) {
        Step::Done(Err(Error::Altinn(p))) => assert_eq!(p.status, 503),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_4xx_is_never_retried() {
    let mut op = Operation::new(config(), Task::Read(Call::GetRequest { kind: RequestKind::Standard, id: ID.into() }));
    expect_token(op.start(), "systemuser.request.read");
    op.advance(Input::Token(Secret::new(TOKEN)));
    assert!(matches!(op.advance(empty(404)), Step::Done(Err(Error::NotFound(_)))));
}

fn page(ids: &[&str], next: Option<&str>) -> String {
    let items: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(r#"{{"id":"{id}","externalRef":"r","systemId":"314248295_smartregnskap","partyOrgNo":"310816191","status":"New"}}"#)
        })
        .collect();
    let links = next.map(|n| format!(r#"{{"next":"{n}"}}"#)).unwrap_or_else(|| "{}".into());
    format!(r#"{{"links":{links},"data":[{}]}}"#, items.join(","))
}

#[test]
fn all_pages_are_followed_on_the_configured_base_only() {
    let mut op =
        Operation::new(config(), Task::ListAllRequests { kind: RequestKind::Standard, system_id: "314248295_smartregnskap".into() });
    expect_token(op.start(), "systemuser.request.read");
    let first = "systemuser/request/vendor/bysystem/314248295_smartregnskap";
    expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Get, first);
    // The server points at an internal host: only the token is taken.
    let internal = "http://altinn-platform-internal.local/authentication/api/v1/systemuser/request/vendor/bysystem/x?token=p%2B2";
    let second = expect_send(op.advance(json(200, &page(&[ID], Some(internal)))), Method::Get, &format!("{first}?token=p%2B2"));
    assert!(second.url.starts_with("https://platform.tt02.altinn.no/"));
    expect_send(
        op.advance(json(200, &page(&["1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d"], Some("https://x/?token=p3")))),
        Method::Get,
        &format!("{first}?token=p3"),
    );
    match op.advance(json(200, &page(&[], None))) {
        Step::Done(Ok(Outcome::Requests(page))) => assert_eq!((page.items.len(), page.next_page), (2, None)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pages_that_never_end_are_refused() {
    let mut op = Operation::new(config(), Task::ListAllSystemUsers { system_id: "314248295_smartregnskap".into() });
    op.start();
    op.advance(Input::Token(Secret::new(TOKEN)));
    let looping = r#"{"links":{"next":"https://p/?token=same"},"data":[]}"#;
    assert!(matches!(op.advance(json(200, looping)), Step::Send(_)));
    assert!(matches!(op.advance(json(200, looping)), Step::Done(Err(Error::InvalidResponse(_)))));
}

#[test]
fn a_token_with_a_newline_is_refused_and_never_echoed() {
    let mut op = Operation::new(config(), Task::WithdrawRequest(ID.into()));
    expect_token(op.start(), "systemuser.request.write");
    match op.advance(Input::Token(Secret::new("secret-part\r\nX-Injected: 1"))) {
        Step::Done(Err(e @ Error::Token(_))) => assert!(!format!("{e} {e:?}").contains("secret-part")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_wrong_input_is_a_typed_error() {
    let mut op = Operation::new(config(), Task::WithdrawRequest(ID.into()));
    op.start();
    assert!(matches!(op.advance(Input::Waited), Step::Done(Err(Error::InvalidResponse(_)))));
}

#[test]
fn withdraw_and_debug_output_hides_the_token() {
    let mut op = Operation::new(config(), Task::WithdrawRequest(ID.into()));
    op.start();
    let request = expect_send(op.advance(Input::Token(Secret::new(TOKEN))), Method::Delete, &format!("systemuser/request/vendor/{ID}"));
    assert!(!format!("{request:?} {op:?}").contains(TOKEN), "Debug output must not show the token");
    assert_eq!(op.advance(empty(202)), Step::Done(Ok(Outcome::Withdrawn)));
}

#[test]
fn run_loops_through_capabilities() {
    let mut sent = Vec::new();
    let outcome = altinn_systemuser::operation::run(
        config(),
        Task::CreateAgentRequest(altinn_systemuser::model::AgentRequestInput {
            system_id: "314248295_smartbyraa".into(),
            party_org_no: "310816191".into(),
            access_packages: vec![AccessPackage { urn: "urn:altinn:accesspackage:regnskapsforer-lonn".into() }],
            ..Default::default()
        }),
        |scopes| if scopes[0].ends_with("systemregister.write") { Err("not granted".into()) } else { Ok(TOKEN.into()) },
        |request| {
            sent.push(request.url.clone());
            let body = request_json("New").replace("/request?id", "/agentrequest?id").replace("kunde-42", "310816191");
            Ok(HttpResponse { status: 201, headers: vec![], body: body.into_bytes() })
        },
        |_| panic!("no wait expected"),
    );
    assert!(matches!(outcome, Ok(Outcome::Created { is_new: true, .. })), "{outcome:?}");
    assert_eq!(sent, vec!["https://platform.tt02.altinn.no/authentication/api/v1/systemuser/request/vendor/agent"]);
}
