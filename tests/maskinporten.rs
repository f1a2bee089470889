//! Grants inside the operation machine, natively with a scripted host (sans-IO): the steps a
//! host sees, retries with a fresh `jti`, a strict reading of the answer, the pre-flight skipped
//! when its grant is refused, the `x5c` header, and server text that cannot echo the assertion.
//! The same flows against the simulator's Maskinporten run in the hosts' tests.

use altinn_systemuser::error::{Error, TransportErrorKind, TransportFailure};
use altinn_systemuser::http::{Header, HttpRequest, HttpResponse};
use altinn_systemuser::maskinporten::{KeyIdentity, SharedCache};
use altinn_systemuser::model::{AccessPackage, Config, DateTime, Environment, MaskinportenClient, RequestKind, StandardRequestInput};
use altinn_systemuser::operation::{Input, Operation, Outcome, Step, Task};
use altinn_systemuser::protocol::Call;

const NOW: i64 = 1_790_000_000;
const T0: DateTime = DateTime { seconds: NOW, nanoseconds: 0 };
const ISSUER: &str = "https://test.maskinporten.no/";
const SEED: [u8; 16] = [7; 16];
const SIGNATURE: [u8; 256] = [0xab; 256];

fn config_with(key: KeyIdentity) -> Config {
    Config {
        retry_budget: 2,
        backoff_ms: 100,
        maskinporten: Some(MaskinportenClient { client_id: "my-client".into(), resource: None, key }),
        ..Config::new(Environment::Tt02)
    }
}

fn config() -> Config {
    config_with(KeyIdentity::KeyId("k1".into()))
}

fn operation(config: Config, task: Task) -> Operation {
    Operation::new(config, task, T0, &SEED)
}

/// Answers a `sign` step with a signature and returns the grant it leads to.
#[track_caller]
fn signed(op: &mut Operation, step: Step) -> HttpRequest {
    match step {
        Step::Sign(data) => {
            let text = String::from_utf8(data).expect("the signing input is ASCII");
            assert_eq!(text.split('.').count(), 2, "header.claims");
            sent(op.advance(Input::Signature(SIGNATURE.to_vec()), T0))
        }
        other => panic!("expected a sign step, got {other:?}"),
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

fn advance(op: &mut Operation, input: Input) -> Step {
    op.advance(input, T0)
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
fn the_host_signs_then_sees_the_grant_then_the_call_with_the_granted_token() {
    let mut op = operation(config(), read_task());
    let Step::Sign(data) = op.start() else { panic!("a grant is signed first") };
    let grant = sent(op.advance(Input::Signature(SIGNATURE.to_vec()), T0));
    let jws = assertion(&grant);
    assert_eq!(jws.rsplit_once('.').unwrap().0.as_bytes(), data.as_slice(), "the host signs exactly the header and claims");
    assert_eq!(grant.url, format!("{ISSUER}token"));
    assert!(grant.headers.iter().any(|h| h.name == "Content-Type" && h.value == "application/x-www-form-urlencoded"));
    assert!(grant.headers.iter().any(|h| h.name == "Accept-Encoding" && h.value == "identity"));
    assert!(grant.headers.iter().all(|h| !h.name.eq_ignore_ascii_case("authorization")));
    assert!(!format!("{grant:?}").contains(&jws), "Debug shows the body's length only");
    let call = sent(advance(&mut op, answer(200, TOKEN_ANSWER)));
    assert!(call.url.starts_with("https://platform.tt02.altinn.no/"));
    assert!(call.headers.iter().any(|h| h.value == "Bearer eyJ0eXAiOiJKV1QifQ.e30.c2ln"));
    assert!(matches!(advance(&mut op, answer(404, "")), Step::Done(Err(Error::NotFound(_)))));
}

#[test]
fn a_signer_that_fails_or_gives_a_wrong_length_ends_the_operation_with_nothing_sent() {
    let mut op = operation(config(), read_task());
    assert!(matches!(op.start(), Step::Sign(_)));
    match op.advance(Input::SignFailed("HSM offline".into()), T0) {
        Step::Done(Err(Error::Token(m))) => assert!(m.contains("could not sign") && m.contains("HSM offline"), "{m}"),
        other => panic!("expected a token error, got {other:?}"),
    }
    let mut op = operation(config(), read_task());
    assert!(matches!(op.start(), Step::Sign(_)));
    match op.advance(Input::Signature(vec![1; 16]), T0) {
        Step::Done(Err(Error::Token(m))) => assert!(m.contains("16-byte signature"), "{m}"),
        other => panic!("expected a token error, got {other:?}"),
    }
}

#[test]
fn a_lost_or_failing_grant_is_retried_with_a_fresh_jti_within_the_budget() {
    let mut op = operation(config(), read_task());
    let step = op.start();
    let first = signed(&mut op, step);
    let lost = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::Timeout, message: "timed out".into() });
    assert_eq!(advance(&mut op, lost), Step::Wait(100));
    let step = advance(&mut op, Input::Waited);
    let second = signed(&mut op, step);
    assert_eq!(advance(&mut op, answer(503, "")), Step::Wait(200));
    let step = advance(&mut op, Input::Waited);
    let third = signed(&mut op, step);
    let jti = |g: &HttpRequest| base64url_json(assertion(g).split('.').nth(1).unwrap())["jti"].clone();
    assert_ne!(jti(&first), jti(&second));
    assert_ne!(jti(&second), jti(&third));
    match advance(&mut op, answer(503, r#"{"error":"server_error","error_description":"down"}"#)) {
        Step::Done(Err(Error::Unavailable(p))) => {
            assert_eq!((p.status, p.title.as_deref()), (503, Some("server_error")));
            assert!(p.message.contains("try again later"), "{}", p.message);
        }
        other => panic!("budget spent: unavailable, got {other:?}"),
    }
}

#[test]
fn a_rate_limited_grant_waits_as_maskinporten_asks() {
    let mut op = operation(config(), read_task());
    let step = op.start();
    signed(&mut op, step);
    let mut limited = answer(429, r#"{"error":"slow_down"}"#);
    if let Input::Response(r) = &mut limited {
        r.headers.push(Header { name: "Retry-After".into(), value: "3".into() });
    }
    assert_eq!(advance(&mut op, limited), Step::Wait(3000));
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
        let mut op = operation(config(), read_task());
        let step = op.start();
        signed(&mut op, step);
        match advance(&mut op, answer(200, body)) {
            Step::Done(Err(Error::InvalidResponse(m))) => assert!(!m.contains("secret"), "{m}"),
            other => panic!("{body}: expected invalid-response, got {other:?}"),
        }
    }
}

#[test]
fn server_text_cannot_echo_the_assertion_back() {
    let mut op = operation(config(), read_task());
    let step = op.start();
    let grant = signed(&mut op, step);
    let jws = assertion(&grant);
    let body = format!(r#"{{"error":"invalid_grant","error_description":"bad {jws} and {} (MP-130)"}}"#, jws.rsplit('.').next().unwrap());
    match advance(&mut op, answer(400, &body)) {
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

#[test]
fn altinn_text_cannot_echo_the_maskinporten_token_back() {
    let mut op = operation(config(), read_task());
    let step = op.start();
    signed(&mut op, step);
    sent(advance(&mut op, answer(200, TOKEN_ANSWER)));
    let echo = r#"{"title":"bad Bearer eyJ0eXAiOiJKV1QifQ.e30.c2ln","detail":"eyJ0eXAiOiJKV1QifQ.e30.c2ln","status":400,"code":"AUTH-00002","echo":"eyJ0eXAiOiJKV1QifQ.e30.c2ln"}"#;
    match advance(&mut op, answer(400, echo)) {
        Step::Done(Err(e @ Error::Altinn(_))) => {
            let text = format!("{e} {e:?}");
            assert!(!text.contains("eyJ0eXAiOiJKV1QifQ.e30.c2ln"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
        other => panic!("expected an altinn error, got {other:?}"),
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
    let mut op = operation(config(), create_task());
    let step = op.start();
    let preflight_grant = signed(&mut op, step);
    let scope = |g: &HttpRequest| base64url_json(assertion(g).split('.').nth(1).unwrap())["scope"].clone();
    assert_eq!(scope(&preflight_grant), "altinn:authentication/systemregister.write");
    let refused = r#"{"error":"invalid_scope","error_description":"Client is not allowed scope (MP-201)"}"#;
    let step = advance(&mut op, answer(400, refused));
    let create_grant = signed(&mut op, step);
    assert_eq!(scope(&create_grant), "altinn:authentication/systemuser.request.write");
}

#[test]
fn any_other_pre_flight_grant_refusal_ends_the_create_after_one_grant() {
    let mut op = operation(config(), create_task());
    let step = op.start();
    signed(&mut op, step);
    let clock = r#"{"error":"invalid_grant","error_description":"Invalid assertion. iat is in the future (MP-130)"}"#;
    match advance(&mut op, answer(400, clock)) {
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
    let mut op = operation(config_with(KeyIdentity::CertificateChain(chain.clone())), task);
    let step = op.start();
    let grant = signed(&mut op, step);
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
    match advance(&mut op, answer(200, TOKEN_ANSWER)) {
        Step::Done(Ok(Outcome::Token(t))) => {
            assert_eq!((t.scope.as_str(), t.expires_at.seconds), ("s", NOW + 120));
            assert!(!format!("{t:?}").contains("c2ln"), "Debug never shows the token");
        }
        other => panic!("expected the token, got {other:?}"),
    }
}

#[test]
fn a_seed_too_short_or_repeated_is_caught_before_maskinporten_sees_it() {
    let mut op = Operation::new(config(), read_task(), T0, &[1, 2, 3]);
    match op.start() {
        Step::Done(Err(Error::Token(m))) => assert!(m.contains("3 random bytes"), "{m}"),
        other => panic!("expected a token error, got {other:?}"),
    }
    // Two operations of one instance seeded alike would send the same jti: the cache notices.
    let cache = SharedCache::default();
    let mut first = Operation::with_cache(config(), read_task(), T0, &SEED, cache.clone());
    assert!(matches!(first.start(), Step::Sign(_)));
    let mut second = Operation::with_cache(config(), read_task(), T0, &SEED, cache);
    match second.start() {
        Step::Done(Err(Error::Token(m))) => assert!(m.contains("repeated"), "{m}"),
        other => panic!("expected a token error, got {other:?}"),
    }
}

#[test]
fn a_token_cached_by_one_operation_serves_the_next_without_a_grant() {
    let cache = SharedCache::default();
    let mut first = Operation::with_cache(config(), read_task(), T0, &SEED, cache.clone());
    let step = first.start();
    signed(&mut first, step);
    sent(advance(&mut first, answer(200, TOKEN_ANSWER)));
    let mut second = Operation::with_cache(config(), read_task(), T0, &[8; 16], cache);
    let call = sent(second.start());
    assert!(call.url.starts_with("https://platform.tt02.altinn.no/"), "straight to Altinn: {}", call.url);
}
