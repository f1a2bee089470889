//! The operation state machines, driven step by step natively with scripted inputs (they are
//! sans-IO: no network is involved at this level). End-to-end runs against the simulator live in
//! the hosts' tests.

use altinn_systemuser::error::{Error, TransportErrorKind, TransportFailure};
use altinn_systemuser::http::{Header, HttpRequest, HttpResponse, Method};
use altinn_systemuser::model::{AccessPackage, AttributePair, Config, DateTime, Environment, RequestKind, Right, StandardRequestInput};
use altinn_systemuser::operation::{drive, Input, Io, Operation, Outcome, Step, Task, MAX_PAGES};
use altinn_systemuser::protocol::Call;
use altinn_systemuser::secret::Secret;

const ID: &str = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl";

const T0: DateTime = DateTime { seconds: 1_790_000_000, nanoseconds: 0 };

fn config() -> Config {
    Config { retry_budget: 3, backoff_ms: 100, ..Config::new(Environment::Tt02) }
}

fn new_op(task: Task) -> Operation {
    Operation::new(config(), task, T0, &[9; 16])
}

/// Answers at a fixed clock (`T0`) unless a test moves it.
trait AtT0 {
    fn next(&mut self, input: Input) -> Step;
}

impl AtT0 for Operation {
    fn next(&mut self, input: Input) -> Step {
        self.advance(input, T0)
    }
}

fn at(ms: i64) -> DateTime {
    DateTime { seconds: T0.seconds + ms / 1000, nanoseconds: (ms % 1000) as u32 * 1_000_000 }
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
    expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Get, SYSTEM_PATH);
    expect_token(op.next(json(200, SYSTEM)), "systemuser.request.write");
    let post = expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Post, CREATE);
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
    let mut op = new_op(Task::CreateStandardRequest(input()));
    to_post(&mut op);
    assert_eq!(created(op.next(json(201, &request_json("New")))), (true, false));
    // Finished: further input gives the same result, no panic.
    assert!(matches!(op.next(Input::Waited), Step::Done(Ok(Outcome::Created { .. }))));
}

#[test]
fn an_existing_request_is_reported_as_not_new() {
    let mut op = new_op(Task::CreateStandardRequest(input()));
    to_post(&mut op);
    assert_eq!(created(op.next(json(200, &request_json("Rejected")))), (false, false));
}

#[test]
fn no_systemregister_scope_skips_the_preflight() {
    let mut op = new_op(Task::CreateStandardRequest(input()));
    expect_token(op.start(), "systemregister.write");
    expect_token(op.next(Input::TokenFailed("scope not granted".into())), "systemuser.request.write");
    expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Post, CREATE);
}

#[test]
fn preflight_refuses_an_unregistered_redirect_before_sending() {
    let mut bad = input();
    bad.redirect_url = Some("https://smartregnskap.example/other".into());
    let mut op = new_op(Task::CreateStandardRequest(bad));
    expect_token(op.start(), "systemregister.write");
    expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Get, SYSTEM_PATH);
    match op.next(json(200, SYSTEM)) {
        Step::Done(Err(Error::Validation(v))) => assert_eq!(v[0].code, "AUTH-00021"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn local_validation_fails_before_any_step() {
    let mut bad = input();
    bad.party_org_no = "123456789".into();
    let mut op = new_op(Task::CreateStandardRequest(bad));
    assert!(matches!(op.start(), Step::Done(Err(Error::Validation(_)))));
}

#[test]
fn a_lost_answer_is_reconciled_not_resent() {
    let mut op = new_op(Task::CreateStandardRequest(input()));
    to_post(&mut op);
    let lost = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::ConnectionLost, message: "reset".into() });
    expect_token(op.next(lost), "systemuser.request.read");
    expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Get, BY_REF);
    assert_eq!(created(op.next(json(200, &request_json("New")))), (false, true));
}

#[test]
fn a_lost_request_that_was_not_stored_is_sent_again() {
    let mut op = new_op(Task::CreateStandardRequest(input()));
    to_post(&mut op);
    let timeout = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::Timeout, message: "timed out".into() });
    expect_token(op.next(timeout), "systemuser.request.read");
    expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Get, BY_REF);
    assert_eq!(op.next(empty(404)), Step::Wait(100));
    // The write token is reused: no new token request.
    expect_send(op.next(Input::Waited), Method::Post, CREATE);
    assert_eq!(created(op.next(json(201, &request_json("New")))), (true, false));
}

#[test]
fn a_5xx_on_create_is_reconciled() {
    let mut op = new_op(Task::CreateStandardRequest(input()));
    to_post(&mut op);
    expect_token(op.next(empty(503)), "systemuser.request.read");
    expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Get, BY_REF);
    assert_eq!(created(op.next(json(200, &request_json("New")))), (false, true));
}

#[test]
fn a_connect_failure_resends_after_backoff() {
    let mut op = new_op(Task::CreateStandardRequest(input()));
    to_post(&mut op);
    let refused = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::Connect, message: "refused".into() });
    assert_eq!(op.next(refused), Step::Wait(100));
    expect_send(op.next(Input::Waited), Method::Post, CREATE);
}

#[test]
fn reads_retry_5xx_with_growing_backoff_then_give_up() {
    let call = Call::GetRequest { kind: RequestKind::Standard, id: ID.into() };
    let mut op = new_op(Task::Read(call));
    expect_token(op.start(), "systemuser.request.read");
    let path = format!("systemuser/request/vendor/{ID}");
    expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Get, &path);
    for wait in [100, 200, 400] {
        assert_eq!(op.next(empty(503)), Step::Wait(wait));
        expect_send(op.next(Input::Waited), Method::Get, &path);
    }
    match op.next(empty(503)) {
        Step::Done(Err(e @ Error::Unavailable(_))) => {
            assert!(e.is_retryable());
            assert!(e.to_string().contains("not a \"no\""), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_4xx_is_never_retried() {
    let mut op = new_op(Task::Read(Call::GetRequest { kind: RequestKind::Standard, id: ID.into() }));
    expect_token(op.start(), "systemuser.request.read");
    let _ = op.next(Input::Token(Secret::new(TOKEN)));
    assert!(matches!(op.next(empty(404)), Step::Done(Err(Error::NotFound(_)))));
}

fn page(ids: &[&str], next: Option<&str>) -> String {
    let items: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(r#"{{"id":"{id}","externalRef":"r","systemId":"314248295_smartregnskap","partyOrgNo":"310816191","rights":[],"status":"New"}}"#)
        })
        .collect();
    let links = next.map(|n| format!(r#"{{"next":"{n}"}}"#)).unwrap_or_else(|| "{}".into());
    format!(r#"{{"links":{links},"data":[{}]}}"#, items.join(","))
}

#[test]
fn all_pages_are_followed_on_the_configured_base_only() {
    let mut op = new_op(Task::ListAllRequests { kind: RequestKind::Standard, system_id: "314248295_smartregnskap".into() });
    expect_token(op.start(), "systemuser.request.read");
    let first = "systemuser/request/vendor/bysystem/314248295_smartregnskap";
    expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Get, first);
    // The server points at an internal host: only the token is taken.
    let internal = "http://altinn-platform-internal.local/authentication/api/v1/systemuser/request/vendor/bysystem/x?token=p%2B2";
    let second = expect_send(op.next(json(200, &page(&[ID], Some(internal)))), Method::Get, &format!("{first}?token=p%2B2"));
    assert!(second.url.starts_with("https://platform.tt02.altinn.no/"));
    expect_send(
        op.next(json(200, &page(&["1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d"], Some("https://x/?token=p3")))),
        Method::Get,
        &format!("{first}?token=p3"),
    );
    match op.next(json(200, &page(&[], None))) {
        Step::Done(Ok(Outcome::Requests(page))) => assert_eq!((page.items.len(), page.next_page), (2, None)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pages_that_loop_over_the_same_items_end_the_list_or_are_refused() {
    let user = |id: &str| format!(r#"{{"id":"{id}","systemId":"314248295_smartregnskap","reporteeOrgNo":"310816191"}}"#);
    let page = |token: &str, ids: &[&str]| {
        format!(
            r#"{{"links":{{"next":"https://p/?token={token}"}},"data":[{}]}}"#,
            ids.iter().map(|i| user(i)).collect::<Vec<_>>().join(",")
        )
    };
    // A page that brings nothing new ends the list: repeated items are kept once.
    let mut op = new_op(Task::ListAllSystemUsers { system_id: "314248295_smartregnskap".into() });
    let _ = op.start();
    let _ = op.next(Input::Token(Secret::new(TOKEN)));
    assert!(matches!(op.next(json(200, &page("a", &[ID]))), Step::Send(_)));
    assert!(
        matches!(op.next(json(200, &page("b", &[ID, &ID.to_uppercase()]))), Step::Done(Ok(Outcome::SystemUsers(p))) if p.items.len() == 1)
    );
    // New items behind a token seen before: the pages loop.
    let mut op = new_op(Task::ListAllSystemUsers { system_id: "314248295_smartregnskap".into() });
    let _ = op.start();
    let _ = op.next(Input::Token(Secret::new(TOKEN)));
    assert!(matches!(op.next(json(200, &page("same", &[ID]))), Step::Send(_)));
    let other = "1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d";
    assert!(matches!(op.next(json(200, &page("same", &[other]))), Step::Done(Err(Error::InvalidResponse(m))) if m.contains("loop")));
}

#[test]
fn a_token_with_a_newline_is_refused_and_never_echoed() {
    let mut op = new_op(Task::WithdrawRequest(ID.into()));
    expect_token(op.start(), "systemuser.request.write");
    match op.next(Input::Token(Secret::new("secret-part\r\nX-Injected: 1"))) {
        Step::Done(Err(e @ Error::Token(_))) => assert!(!format!("{e} {e:?}").contains("secret-part")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_wrong_input_is_a_typed_error() {
    let mut op = new_op(Task::WithdrawRequest(ID.into()));
    let _ = op.start();
    assert!(matches!(op.next(Input::Waited), Step::Done(Err(Error::Misuse(_)))));
}

#[test]
fn withdraw_and_debug_output_hides_the_token() {
    let mut op = new_op(Task::WithdrawRequest(ID.into()));
    let _ = op.start();
    let request = expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Delete, &format!("systemuser/request/vendor/{ID}"));
    assert!(!format!("{request:?} {op:?}").contains(TOKEN), "Debug output must not show the token");
    assert_eq!(op.next(empty(202)), Step::Done(Ok(Outcome::Withdrawn)));
}

/// Scripted capabilities for `drive`.
struct Script {
    sent: Vec<String>,
}

impl Io for Script {
    fn token(&mut self, scopes: &[String]) -> Result<String, String> {
        if scopes[0].ends_with("systemregister.write") {
            Err("not granted".into())
        } else {
            Ok(TOKEN.into())
        }
    }
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        self.sent.push(request.url.clone());
        let body = request_json("New")
            .replace("/request?id", "/agentrequest?id")
            .replace("kunde-42", "310816191")
            .replace("314248295_smartregnskap", "314248295_smartbyraa")
            .replace(r#""rights":[],"#, "");
        Ok(HttpResponse { status: 201, headers: vec![], body: body.into_bytes() })
    }
    fn sign(&mut self, _data: &[u8]) -> Result<Vec<u8>, String> {
        panic!("no grant expected")
    }
    fn sleep(&mut self, _ms: u32) {
        panic!("no wait expected")
    }
    fn now(&mut self) -> DateTime {
        T0
    }
}

#[test]
fn drive_loops_through_capabilities() {
    let mut op = new_op(Task::CreateAgentRequest(altinn_systemuser::model::AgentRequestInput {
        system_id: "314248295_smartbyraa".into(),
        party_org_no: "310816191".into(),
        access_packages: vec![AccessPackage { urn: "urn:altinn:accesspackage:regnskapsforer-lonn".into() }],
        ..Default::default()
    }));
    let mut script = Script { sent: Vec::new() };
    drive(&mut op, &mut script);
    let outcome = op.finish();
    assert!(matches!(outcome, Ok(Outcome::Created { is_new: true, .. })), "{outcome:?}");
    assert_eq!(script.sent, vec!["https://platform.tt02.altinn.no/authentication/api/v1/systemuser/request/vendor/agent"]);
}

fn with_headers(status: u16, headers: &[(&str, &str)], body: &str) -> Input {
    let mut all = vec![Header { name: "Content-Type".into(), value: "application/json".into() }];
    all.extend(headers.iter().map(|(n, v)| Header { name: (*n).into(), value: (*v).into() }));
    Input::Response(HttpResponse { status, headers: all, body: body.as_bytes().to_vec() })
}

fn read_op(config: Config) -> (Operation, String) {
    let call = Call::GetRequest { kind: RequestKind::Standard, id: ID.into() };
    let mut op = Operation::new(config, Task::Read(call), T0, &[9; 16]);
    expect_token(op.start(), "systemuser.request.read");
    let path = format!("systemuser/request/vendor/{ID}");
    expect_send(op.next(Input::Token(Secret::new(TOKEN))), Method::Get, &path);
    (op, path)
}

#[test]
fn retry_after_in_seconds_or_as_a_date_is_honoured_within_the_cap() {
    let (mut op, path) = read_op(config());
    assert_eq!(op.next(with_headers(429, &[("Retry-After", "2")], "")), Step::Wait(2000));
    expect_send(op.next(Input::Waited), Method::Get, &path);
    // An HTTP date 5 s after the clock the host gives with the answer.
    let date = "Wed, 21 Sep 2026 10:13:25 GMT";
    let now = DateTime { seconds: DateTime::parse_http_date(date).unwrap().seconds - 5, nanoseconds: 0 };
    let (mut op, _) = read_op(Config { deadline_ms: 0, ..config() });
    assert_eq!(op.advance(with_headers(503, &[("Retry-After", date)], ""), now), Step::Wait(5000));
    // The back-off still applies when the server asks for less.
    let (mut op, _) = read_op(config());
    assert_eq!(op.next(with_headers(503, &[("Retry-After", "0")], "")), Step::Wait(100));
}

#[test]
fn a_retry_after_past_the_cap_is_unavailable_at_once_with_the_servers_figure() {
    let (mut op, _) = read_op(config());
    match op.next(with_headers(429, &[("Retry-After", "3600")], "")) {
        Step::Done(Err(Error::Unavailable(p))) => {
            assert_eq!((p.status, p.retry_after_seconds), (429, Some(3600)));
            assert!(p.message.contains("rate-limiting") && p.message.contains("3600 s"), "{}", p.message);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_503_storm_ends_unavailable_after_the_budget() {
    let (mut op, path) = read_op(config());
    for wait in [1000, 2000, 4000] {
        assert_eq!(op.next(with_headers(503, &[("Retry-After", &(wait / 1000).to_string())], "")), Step::Wait(wait));
        expect_send(op.next(Input::Waited), Method::Get, &path);
    }
    match op.next(with_headers(503, &[("Retry-After", "1")], "")) {
        Step::Done(Err(Error::Unavailable(p))) => assert_eq!((p.status, p.retry_after_seconds), (503, Some(1))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_429_on_create_resends_the_post_without_reconciling() {
    let mut op = new_op(Task::CreateStandardRequest(input()));
    to_post(&mut op);
    assert_eq!(op.next(with_headers(429, &[("Retry-After", "1")], "")), Step::Wait(1000));
    expect_send(op.next(Input::Waited), Method::Post, CREATE);
    assert_eq!(created(op.next(json(201, &request_json("New")))), (true, false));
}

#[test]
fn the_deadline_bounds_every_exchange_and_every_retry() {
    let config = Config { deadline_ms: 10_000, timeout_ms: 30_000, ..config() };
    let call = Call::GetRequest { kind: RequestKind::Standard, id: ID.into() };
    let mut op = Operation::new(config, Task::Read(call), T0, &[9; 16]);
    expect_token(op.start(), "systemuser.request.read");
    let first = expect_send(op.advance(Input::Token(Secret::new(TOKEN)), at(0)), Method::Get, &format!("systemuser/request/vendor/{ID}"));
    assert_eq!(first.timeout_ms, 10_000, "no exchange may outlive the deadline");
    let timeout = || Input::TransportFailed(TransportFailure { kind: TransportErrorKind::Timeout, message: "no answer".into() });
    assert_eq!(op.advance(timeout(), at(6_000)), Step::Wait(100));
    let second = expect_send(op.advance(Input::Waited, at(6_100)), Method::Get, &format!("systemuser/request/vendor/{ID}"));
    assert_eq!(second.timeout_ms, 3_900, "what is left of it");
    match op.advance(timeout(), at(9_900)) {
        Step::Done(Err(Error::Transport(t))) => assert_eq!(t.kind, TransportErrorKind::Timeout),
        other => panic!("no time left to retry: {other:?}"),
    }
}

#[test]
fn a_deadline_that_passes_before_a_create_is_sent_sends_nothing() {
    let config = Config { deadline_ms: 1_000, ..config() };
    let mut op = Operation::new(config, Task::CreateStandardRequest(input()), T0, &[9; 16]);
    expect_token(op.start(), "systemregister.write");
    expect_send(op.advance(Input::Token(Secret::new(TOKEN)), at(0)), Method::Get, SYSTEM_PATH);
    expect_token(op.advance(json(200, SYSTEM), at(900)), "systemuser.request.write");
    match op.advance(Input::Token(Secret::new(TOKEN)), at(1_200)) {
        Step::Done(Err(Error::Transport(t))) => assert!(t.message.contains("deadline"), "{}", t.message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_oversized_or_compressed_answer_is_not_retried() {
    let (mut op, _) = read_op(config());
    let big = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::TooLarge, message: "larger than 1048576 bytes".into() });
    assert!(matches!(op.next(big), Step::Done(Err(Error::Transport(t))) if t.kind == TransportErrorKind::TooLarge));
}

#[test]
fn every_answer_must_be_to_the_question_asked() {
    let mismatched = [
        ("systemId", request_json("New").replace(r#""systemId":"314248295_smartregnskap""#, r#""systemId":"991825827_other""#), "system"),
        ("partyOrgNo", request_json("New").replace(r#""partyOrgNo":"310816191""#, r#""partyOrgNo":"313367002""#), "customer"),
        ("externalRef", request_json("New").replace(r#""externalRef":"kunde-42""#, r#""externalRef":"other""#), "external ref"),
        ("kind", request_json("New").replace(r#""rights":[],"#, ""), "kind"),
    ];
    for (field, body, named) in mismatched {
        let mut op = new_op(Task::CreateStandardRequest(input()));
        to_post(&mut op);
        match op.next(json(201, &body)) {
            Step::Done(Err(Error::InvalidResponse(m))) => assert!(m.contains(named), "{field}: {m}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    let (mut op, _) = read_op(config());
    let other_id = request_json("New").replace(ID, "1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d");
    assert!(matches!(op.next(json(200, &other_id)), Step::Done(Err(Error::InvalidResponse(m))) if m.contains("another request")));
    let mut op = new_op(Task::ListAllRequests { kind: RequestKind::Standard, system_id: "314248295_smartregnskap".into() });
    let _ = op.start();
    let _ = op.next(Input::Token(Secret::new(TOKEN)));
    let foreign = page(&[ID], None).replace("314248295_smartregnskap", "991825827_other");
    assert!(matches!(op.next(json(200, &foreign)), Step::Done(Err(Error::InvalidResponse(m))) if m.contains("another system")));
    let call = Call::VerifySystemUser { system_id: "314248295_smartregnskap".into(), org_no: "310816191".into(), external_ref: None };
    let mut op = new_op(Task::Read(call));
    let _ = op.start();
    let _ = op.next(Input::Token(Secret::new(TOKEN)));
    let user = format!(r#"{{"id":"{ID}","systemId":"314248295_smartregnskap","reporteeOrgNo":"313367002","externalRef":"313367002"}}"#);
    assert!(matches!(op.next(json(200, &user)), Step::Done(Err(Error::InvalidResponse(m))) if m.contains("reporteeOrgNo")));
}

#[test]
fn pages_with_fresh_tokens_stop_at_the_page_cap_and_say_so() {
    let mut op = new_op(Task::ListAllSystemUsers { system_id: "314248295_smartregnskap".into() });
    let _ = op.start();
    let mut step = op.next(Input::Token(Secret::new(TOKEN)));
    let mut sent = 1;
    // Every page a new item and a new token: only the page cap stops it.
    while let Step::Send(_) = step {
        let item =
            format!(r#"{{"id":"00000000-0000-4000-8000-{sent:012}","systemId":"314248295_smartregnskap","reporteeOrgNo":"310816191"}}"#);
        step = op.next(json(200, &format!(r#"{{"links":{{"next":"https://p/?token=t{sent}"}},"data":[{item}]}}"#)));
        sent += 1;
    }
    assert_eq!(sent, MAX_PAGES + 1);
    assert!(matches!(step, Step::Done(Err(Error::InvalidResponse(m))) if m.contains("stopped after 5000 pages")));
}

#[test]
fn a_next_link_with_userinfo_or_a_line_break_is_named_for_what_it_is() {
    let cases = [
        ("https://user:pw@p/?token=t", "not a plain absolute URL"),
        (r"https://p/?token=t\r\nX: y", "not a plain absolute URL"),
        ("https://p/?token=t%0d%0aX:%20y", "cannot be sent back"),
    ];
    for (link, said) in cases {
        let mut op = new_op(Task::ListAllSystemUsers { system_id: "314248295_smartregnskap".into() });
        let _ = op.start();
        let _ = op.next(Input::Token(Secret::new(TOKEN)));
        match op.next(json(200, &format!(r#"{{"links":{{"next":"{link}"}},"data":[]}}"#))) {
            Step::Done(Err(Error::InvalidResponse(m))) => assert!(m.contains(said), "{m}"),
            other => panic!("{link}: {other:?}"),
        }
    }
}

#[test]
fn a_bearer_token_quoted_back_by_the_server_is_redacted_everywhere() {
    let (mut op, _) = read_op(config());
    let echo = format!(
        r#"{{"title":"Bearer {TOKEN}","detail":"{TOKEN}","status":400,"code":"AUTH-00002","echo":"{TOKEN}","errors":{{"{TOKEN}":["{TOKEN}"]}},"validationErrors":[{{"code":"X","title":"{TOKEN}","paths":["{TOKEN}"]}}]}}"#
    );
    match op.next(json(400, &echo)) {
        Step::Done(Err(e @ Error::Altinn(_))) => {
            let text = format!("{e} {e:?}");
            assert!(!text.contains(TOKEN) && !text.contains("c2lnbmF0dXJl"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn start_twice_is_misuse_and_a_finished_operation_keeps_its_result() {
    let mut op = new_op(Task::WithdrawRequest(ID.into()));
    let _ = op.start();
    let _ = op.next(Input::Token(Secret::new(TOKEN)));
    assert_eq!(op.next(empty(202)), Step::Done(Ok(Outcome::Withdrawn)));
    assert_eq!(op.start(), Step::Done(Ok(Outcome::Withdrawn)), "start on a finished operation changes nothing");
    assert_eq!(op.finish(), Ok(Outcome::Withdrawn));
    let mut op = new_op(Task::WithdrawRequest(ID.into()));
    assert!(matches!(op.finish(), Err(Error::Misuse(_))), "no result before done");
    let _ = op.start();
    assert!(matches!(op.start(), Step::Done(Err(Error::Misuse(m))) if m.contains("twice")));
}

/// An operation sharing `cache` (an instance's), started at `now`.
fn shared(cache: &altinn_systemuser::instance::SharedCache, input: StandardRequestInput, now: DateTime) -> Operation {
    Operation::with_cache(config(), Task::CreateStandardRequest(input), now, &[9; 16], cache.clone())
}

fn another_customer(org: &str) -> StandardRequestInput {
    StandardRequestInput { party_org_no: org.into(), external_ref: None, ..input() }
}

#[test]
fn one_pre_flight_read_serves_the_instances_next_creates_for_a_while() {
    let cache = altinn_systemuser::instance::SharedCache::default();
    let mut first = shared(&cache, input(), T0);
    to_post(&mut first);
    created(first.next(json(201, &request_json("New"))));
    // The next create of the instance: straight to the POST, no read of the system.
    let mut second = shared(&cache, another_customer("314248295"), at(60_000));
    expect_token(second.start(), "systemuser.request.write");
    expect_send(second.advance(Input::Token(Secret::new(TOKEN)), at(60_000)), Method::Post, CREATE);
    // Five minutes after the read, the system is read again.
    let later = at(300_000);
    let mut third = shared(&cache, another_customer("313725138"), later);
    expect_token(third.start(), "systemregister.write");
    expect_send(third.advance(Input::Token(Secret::new(TOKEN)), later), Method::Get, SYSTEM_PATH);
}

#[test]
fn a_create_refused_for_a_rule_of_the_registration_drops_the_kept_system() {
    let cache = altinn_systemuser::instance::SharedCache::default();
    let mut first = shared(&cache, input(), T0);
    to_post(&mut first);
    let refused = r#"{"status":400,"title":"The RedirectUri was not found or not valid.","code":"AUTH-00021"}"#;
    assert!(matches!(first.next(json(400, refused)), Step::Done(Err(_))));
    let mut second = shared(&cache, another_customer("314248295"), T0);
    expect_token(second.start(), "systemregister.write");
    expect_send(second.next(Input::Token(Secret::new(TOKEN))), Method::Get, SYSTEM_PATH);
}

#[test]
fn a_kept_system_that_would_refuse_is_read_again_before_refusing() {
    let cache = altinn_systemuser::instance::SharedCache::default();
    let mut first = shared(&cache, input(), T0);
    to_post(&mut first);
    created(first.next(json(201, &request_json("New"))));
    // The vendor registered a new redirect URL since: the kept system does not know it.
    let new_url = "https://smartregnskap.example/ny";
    let mut second = shared(&cache, StandardRequestInput { redirect_url: Some(new_url.into()), ..another_customer("314248295") }, T0);
    expect_token(second.start(), "systemregister.write");
    expect_send(second.next(Input::Token(Secret::new(TOKEN))), Method::Get, SYSTEM_PATH);
    let updated = SYSTEM.replace(r#""allowedRedirectUrls":["#, &format!(r#""allowedRedirectUrls":["{new_url}","#));
    expect_token(second.next(json(200, &updated)), "systemuser.request.write");
    expect_send(second.next(Input::Token(Secret::new(TOKEN))), Method::Post, CREATE);
    // Still not registered after the fresh read: refused locally, nothing posted.
    let mut third = shared(
        &cache,
        StandardRequestInput { redirect_url: Some("https://elsewhere.example/".into()), ..another_customer("313725138") },
        T0,
    );
    expect_token(third.start(), "systemregister.write");
    expect_send(third.next(Input::Token(Secret::new(TOKEN))), Method::Get, SYSTEM_PATH);
    assert!(matches!(third.next(json(200, &updated)), Step::Done(Err(Error::Validation(_)))));
}
