//! Grants inside the operation machine, natively with a scripted host (sans-IO): the steps a
//! host sees, retries with a fresh `jti`, a strict reading of the answer, the pre-flight skipped
//! when its grant is refused, the `x5c` header, and server text that cannot echo the assertion.
//! The same flows against the simulator's Maskinporten run in the hosts' tests.

use std::cell::Cell;
use std::rc::Rc;

use altinn_systemuser::error::{Error, TransportErrorKind, TransportFailure};
use altinn_systemuser::http::{Header, HttpRequest, HttpResponse};
use altinn_systemuser::maskinporten::{GrantHost, Grants, KeyIdentity};
use altinn_systemuser::model::{AccessPackage, Config, DateTime, Environment, MaskinportenClient, RequestKind, StandardRequestInput};
use altinn_systemuser::operation::{Input, Operation, Outcome, Step, Task};
use altinn_systemuser::protocol::Call;

const NOW: i64 = 1_790_000_000;
const ISSUER: &str = "https://test.maskinporten.no/";

struct ScriptedHost {
    identity: KeyIdentity,
    counter: Cell<u8>,
}

impl GrantHost for ScriptedHost {
    fn now(&self) -> DateTime {
        DateTime { seconds: NOW, nanoseconds: 0 }
    }
    fn random_bytes(&self, len: u32) -> Vec<u8> {
        self.counter.set(self.counter.get() + 1);
        vec![self.counter.get(); len as usize]
    }
    fn identity(&self) -> Result<KeyIdentity, String> {
        Ok(self.identity.clone())
    }
    fn sign(&self, _data: &[u8]) -> Result<Vec<u8>, String> {
        Ok(vec![0xab; 256])
    }
}

fn grants(identity: KeyIdentity) -> Grants {
    Grants::new(Rc::new(ScriptedHost { identity, counter: Cell::new(0) }))
}

fn config() -> Config {
    Config {
        retry_budget: 2,
        backoff_ms: 100,
        maskinporten: Some(MaskinportenClient { client_id: "my-client".into(), resource: None }),
        ..Config::new(Environment::Tt02)
    }
}

fn read_task() -> Task {
    Task::Read(Call::GetRequest { kind: RequestKind::Standard, id: "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f".into() })
}

fn answer(status: u16, body: &str) -> Input {
    Input::Response(HttpResponse {
        status,
        headers: vec![Header { name: "Content-Type".into(), value: "application/json".into() }],
        body: body.as_bytes().to_vec(),
    })
}

const TOKEN_ANSWER: &str = r#"{"access_token":"eyJ0eXAiOiJKV1QifQ.e30.c2ln","token_type":"Bearer","expires_in":120,"scope":"s"}"#;

#[track_caller]
fn sent(step: Step) -> HttpRequest {
    match step {
        Step::Send(request) => request,
        other => panic!("expected a send, got {other:?}"),
    }
}

fn assertion(grant: &HttpRequest) -> String {
    let body = String::from_utf8(grant.body.clone().unwrap()).unwrap();
    body.strip_prefix("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=").expect("the form").to_string()
}

fn base64url_json(part: &str) -> serde_json::Value {
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bits: Vec<u8> = part.bytes().map(|b| alphabet.find(b as char).expect("base64url") as u8).collect();
    let mut bytes = Vec::new();
    let (mut acc, mut n) = (0u32, 0);
    for b in bits {
        acc = (acc << 6) | u32::from(b);
        n += 6;
        if n >= 8 {
            n -= 8;
            bytes.push((acc >> n) as u8);
        }
    }
    serde_json::from_slice(&bytes).expect("JSON")
}

#[test]
fn the_host_sees_the_grant_then_the_call_with_the_granted_token() {
    let mut op = Operation::with_grants(config(), read_task(), grants(KeyIdentity::KeyId("k1".into())));
    let grant = sent(op.start());
    assert_eq!(grant.url, format!("{ISSUER}token"));
    assert!(grant.headers.iter().any(|h| h.name == "Content-Type" && h.value == "application/x-www-form-urlencoded"));
    assert!(grant.headers.iter().all(|h| !h.name.eq_ignore_ascii_case("authorization")));
    assert!(!format!("{grant:?}").contains(&assertion(&grant)), "Debug shows the body's length only");
    let call = sent(op.advance(answer(200, TOKEN_ANSWER)));
    assert!(call.url.starts_with("https://platform.tt02.altinn.no/"));
    assert!(call.headers.iter().any(|h| h.value == "Bearer eyJ0eXAiOiJKV1QifQ.e30.c2ln"));
    assert!(matches!(op.advance(answer(404, "")), Step::Done(Err(Error::NotFound(_)))));
}

#[test]
fn a_lost_or_failing_grant_is_retried_with_a_fresh_jti_within_the_budget() {
    let mut op = Operation::with_grants(config(), read_task(), grants(KeyIdentity::KeyId("k1".into())));
    let first = sent(op.start());
    let lost = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::Timeout, message: "timed out".into() });
    assert_eq!(op.advance(lost), Step::Wait(100));
    let second = sent(op.advance(Input::Waited));
    assert_eq!(op.advance(answer(503, "")), Step::Wait(200));
    let third = sent(op.advance(Input::Waited));
    let jti = |g: &HttpRequest| base64url_json(assertion(g).split('.').nth(1).unwrap())["jti"].clone();
    assert_ne!(jti(&first), jti(&second));
    assert_ne!(jti(&second), jti(&third));
    match op.advance(answer(503, r#"{"error":"server_error","error_description":"down"}"#)) {
        Step::Done(Err(Error::Maskinporten(p))) => {
            assert_eq!((p.status, p.title.as_deref()), (503, Some("server_error")));
            assert!(p.message.contains("try again later"), "{}", p.message);
        }
        other => panic!("budget spent: the refusal, got {other:?}"),
    }
}

#[test]
fn the_token_answer_is_read_strictly_and_never_quoted() {
    let bad = [
        r#"{"access_token":"tok-secret","token_type":"mac","expires_in":120}"#,
        r#"{"access_token":"tok secret","token_type":"Bearer","expires_in":120}"#,
        r#"{"access_token":"tok-secret","token_type":"Bearer","expires_in":0}"#,
        r#"{"access_token":"tok-secret","token_type":"Bearer","expires_in":"120"}"#,
        r#"{"token_type":"Bearer","expires_in":120}"#,
        "tok-secret",
    ];
    for body in bad {
        let mut op = Operation::with_grants(config(), read_task(), grants(KeyIdentity::KeyId("k1".into())));
        sent(op.start());
        match op.advance(answer(200, body)) {
            Step::Done(Err(Error::InvalidResponse(m))) => assert!(!m.contains("secret"), "{m}"),
            other => panic!("{body}: expected invalid-response, got {other:?}"),
        }
    }
}

#[test]
fn server_text_cannot_echo_the_assertion_back() {
    let mut op = Operation::with_grants(config(), read_task(), grants(KeyIdentity::KeyId("k1".into())));
    let grant = sent(op.start());
    let jws = assertion(&grant);
    let body = format!(r#"{{"error":"invalid_grant","error_description":"bad {jws} and {} (MP-130)"}}"#, jws.rsplit('.').next().unwrap());
    match op.advance(answer(400, &body)) {
        Step::Done(Err(e @ Error::Maskinporten(_))) => {
            let Error::Maskinporten(p) = &e else { unreachable!() };
            assert_eq!(p.code.as_deref(), Some("MP-130"));
            let text = format!("{e} {e:?}");
            assert!(!text.contains(jws.rsplit('.').next().unwrap()), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
        other => panic!("expected a maskinporten error, got {other:?}"),
    }
}

fn create_task() -> Task {
    Task::CreateStandardRequest(StandardRequestInput {
        system_id: "314248295_smartregnskap".into(),
        party_org_no: "310816191".into(),
        access_packages: Some(vec![AccessPackage { urn: "urn:altinn:accesspackage:skattegrunnlag".into() }]),
        ..Default::default()
    })
}

#[test]
fn a_refused_pre_flight_grant_skips_the_pre_flight_not_the_create() {
    let mut op = Operation::with_grants(config(), create_task(), grants(KeyIdentity::KeyId("k1".into())));
    let preflight_grant = sent(op.start());
    let scope = |g: &HttpRequest| base64url_json(assertion(g).split('.').nth(1).unwrap())["scope"].clone();
    assert_eq!(scope(&preflight_grant), "altinn:authentication/systemregister.write");
    let refused = r#"{"error":"invalid_scope","error_description":"Client is not allowed scope (MP-201)"}"#;
    let create_grant = sent(op.advance(answer(400, refused)));
    assert_eq!(scope(&create_grant), "altinn:authentication/systemuser.request.write");
}

#[test]
fn any_other_pre_flight_grant_refusal_ends_the_create_after_one_grant() {
    let mut op = Operation::with_grants(config(), create_task(), grants(KeyIdentity::KeyId("k1".into())));
    sent(op.start());
    let clock = r#"{"error":"invalid_grant","error_description":"Invalid assertion. iat is in the future (MP-130)"}"#;
    match op.advance(answer(400, clock)) {
        Step::Done(Err(Error::Maskinporten(p))) => assert_eq!(p.code.as_deref(), Some("MP-130")),
        other => panic!("the create's grant would fail the same way: expected MP-130 now, got {other:?}"),
    }
}

#[test]
fn a_certificate_chain_goes_in_x5c_and_a_system_user_grant_has_its_details() {
    let chain = vec!["MIIBszCCAVmgAwIBAgIU".to_string(), "MIIBrTCCAVOgAwIBAgIU".to_string()];
    let task = Task::SystemUserToken {
        customer_org_no: "0192:310816191".into(),
        external_ref: None,
        scopes: vec!["b:s".into(), "a:s".into(), "b:s".into()],
    };
    let mut op = Operation::with_grants(config(), task, grants(KeyIdentity::CertificateChain(chain.clone())));
    let grant = sent(op.start());
    let jws = assertion(&grant);
    let mut parts = jws.split('.');
    assert_eq!(base64url_json(parts.next().unwrap()), serde_json::json!({"alg": "RS256", "x5c": chain}));
    let claims = base64url_json(parts.next().unwrap());
    assert_eq!(claims["scope"], "a:s b:s", "sorted, without repeats");
    assert_eq!(
        claims["authorization_details"],
        serde_json::json!([{"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:310816191"}}])
    );
    assert_eq!((claims["iat"].as_i64(), claims["exp"].as_i64()), (Some(NOW), Some(NOW + 120)));
    match op.advance(answer(200, TOKEN_ANSWER)) {
        Step::Done(Ok(Outcome::Token(t))) => {
            assert_eq!((t.scope.as_str(), t.expires_at.seconds), ("s", NOW + 120));
            assert!(!format!("{t:?}").contains("c2ln"), "Debug never shows the token");
        }
        other => panic!("expected the token, got {other:?}"),
    }
}

#[test]
fn without_grants_a_maskinporten_config_fails_clearly() {
    let mut op = Operation::new(config(), read_task());
    match op.start() {
        Step::Done(Err(Error::Token(m))) => assert!(m.contains("no signer"), "{m}"),
        other => panic!("expected a token error, got {other:?}"),
    }
}
