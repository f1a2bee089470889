//! Maskinporten inside the component (API.md §10), against the simulator's Maskinporten over
//! real HTTP: the grant field by field, every MP error typed, clock skew, the token cache (hit,
//! miss, expiry, separation), fresh `jti`s, system-user tokens, and no secret in any error.

#![allow(clippy::result_large_err)] // the typed error is matched by value here

mod common;
mod e2e;

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use altinn_sim::test_client::{CERT_PEM, CLIENT_ID, KEY_PEM, KID, UNREGISTERED_KEY_PEM};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use e2e::*;
use serde_json::{json, Value};
use systemuser_host::wit::{self, Config, Datetime, KeyIdentity, RequestKind};
use systemuser_host::{Capabilities, Client, Clock, HttpTransport, Random, RsaSigner, Signer, SystemClock, UreqTransport};

const SERVICE_SCOPE: &str = "ttd:regnskap.read";

/// Real HTTP that keeps the assertion of every grant it sends.
#[derive(Clone, Default)]
struct GrantRecorder {
    inner: UreqTransport,
    assertions: Arc<Mutex<Vec<String>>>,
}

impl GrantRecorder {
    fn assertions(&self) -> Vec<String> {
        self.assertions.lock().unwrap().clone()
    }
}

impl HttpTransport for GrantRecorder {
    fn send(&self, request: wit::HttpRequest) -> Result<wit::HttpResponse, wit::TransportFailure> {
        if request.url.ends_with("/token") {
            let body = String::from_utf8(request.body.clone().unwrap_or_default()).unwrap();
            let assertion = body.split('&').find_map(|p| p.strip_prefix("assertion=")).expect("an assertion in the form").to_string();
            self.assertions.lock().unwrap().push(assertion);
        }
        self.inner.send(request)
    }
}

/// A clock whose offset from the system's a test moves.
#[derive(Clone, Default)]
struct MovableClock(Arc<AtomicI64>);

impl Clock for MovableClock {
    fn now(&self) -> Datetime {
        SystemClock::shifted(self.0.load(Ordering::SeqCst)).now()
    }
}

/// Randomness that always gives the same bytes (a broken host).
struct StuckRandom;

impl Random for StuckRandom {
    fn random_bytes(&self, len: u32) -> Vec<u8> {
        vec![7; len as usize]
    }
}

fn signer() -> RsaSigner {
    RsaSigner::from_text(KEY_PEM, Some(KID)).expect("the TEST-ONLY key loads")
}

fn grant_config(sim_url: &str, client_id: &str, key: KeyIdentity) -> Config {
    Config { maskinporten: Some(wit::MaskinportenClient { client_id: client_id.into(), resource: None, key }), ..fast_config(sim_url) }
}

/// A client in Maskinporten mode whose config names the key its signer names (the fixture's
/// `kid` when the signer names none).
fn grant_client(sim: &altinn_sim::SimHandle, caps: Capabilities) -> Client {
    let key = caps.signer.identity().unwrap_or_else(|_| KeyIdentity::KeyId(KID.into()));
    client_with(caps, grant_config(&sim.url(), CLIENT_ID, key))
}

fn grants_made(sim: &altinn_sim::SimHandle) -> usize {
    calls_of(sim, "maskinporten_token").len()
}

fn decode(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

/// Header and claims of a JWS, and checks its RS256 signature with the fixture's public key.
fn open_assertion(sim: &altinn_sim::SimHandle, assertion: &str) -> (Value, Value) {
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS");
    let fixture = admin_get(sim, "/_sim/fixture");
    let client = fixture["maskinportenClients"].as_array().unwrap().iter().find(|c| c["clientId"] == CLIENT_ID).unwrap().clone();
    let jwk = &client["jwks"]["keys"][0];
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature verifies with the registered key");
    (decode(parts[0]), decode(parts[1]))
}

fn is_uuid_v4(text: &str) -> bool {
    let b = text.as_bytes();
    text.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
        && text.chars().filter(|c| *c != '-').all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

fn now_secs() -> i64 {
    SystemClock::default().now().seconds
}

/// The typed Maskinporten error of a call that must fail.
#[track_caller]
fn mp_error<T: std::fmt::Debug>(result: Result<T, systemuser_host::ClientError>) -> wit::StatusProblem {
    match altinn_error(result) {
        wit::Error::Maskinporten(p) => p,
        other => panic!("expected a maskinporten error, got {other:?}"),
    }
}

/// Creates a standard request for `org` and has the customer approve it.
fn approved(sim: &altinn_sim::SimHandle, client: &Client, org: &str, external_ref: Option<&str>) {
    let created = client.create_standard_request(standard_input(org, external_ref)).expect("created on a real grant");
    sim.approve(&created.request.id).expect("approved");
}

#[test]
fn the_grant_is_exactly_what_api_md_says_field_by_field() {
    let sim = start();
    let http = GrantRecorder::default();
    let client = grant_client(&sim, Capabilities::with_key(http.clone(), signer()));
    let before = now_secs();
    client.get_request_by_external_ref(standard_key(CUSTOMERS[0], "none")).expect_err("no such request");
    let after = now_secs();

    let assertions = http.assertions();
    assert_eq!(assertions.len(), 1, "one grant for one read");
    let (header, claims) = open_assertion(&sim, &assertions[0]);
    assert_eq!(header, json!({"alg": "RS256", "kid": KID}), "header: alg and kid, nothing else");
    let names: HashSet<&str> = claims.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(names, HashSet::from(["aud", "iss", "iat", "exp", "jti", "scope"]), "no other claims");
    assert_eq!(claims["aud"], sim.issuer(), "aud is the issuer with its slash, not the token URL");
    assert!(claims["aud"].as_str().unwrap().ends_with('/'));
    assert_eq!(claims["iss"], CLIENT_ID);
    let iat = claims["iat"].as_i64().expect("iat is a number");
    assert!((before..=after).contains(&iat), "iat {iat} is now");
    assert_eq!(claims["exp"].as_i64().unwrap() - iat, 120, "exp - iat is Maskinporten's limit");
    assert!(is_uuid_v4(claims["jti"].as_str().unwrap()), "jti is a uuid v4: {}", claims["jti"]);
    assert_eq!(claims["scope"], READ, "exactly the scope the operation needs");
}

#[test]
fn a_registered_business_certificate_names_the_key_in_x5c() {
    let sim = start();
    let http = GrantRecorder::default();
    let chain: Vec<String> = vec![CERT_PEM.lines().filter(|l| !l.starts_with("-----")).collect()];
    let signer = signer().with_certificate_chain(chain.clone());
    let client = grant_client(&sim, Capabilities::with_key(http.clone(), signer));
    client.list_requests(RequestKind::Standard, STANDARD_SYSTEM, None).expect("a grant signed under the certificate");
    let (header, _) = open_assertion(&sim, &http.assertions()[0]);
    assert_eq!(header, json!({"alg": "RS256", "x5c": chain}));
}

#[test]
fn a_system_user_grant_carries_authorization_details_and_the_token_acts_for_the_customer() {
    let sim = start();
    let http = GrantRecorder::default();
    let client = grant_client(&sim, Capabilities::with_key(http.clone(), signer()));
    let org = CUSTOMERS[1];
    approved(&sim, &client, org, Some("lonn-2026"));

    let token = client.system_user_token(org, Some("lonn-2026"), &[SERVICE_SCOPE]).expect("a system-user token");
    assert_eq!(token.scope, SERVICE_SCOPE);
    assert!((token.expires_at - now_secs() - 120).abs() <= 2, "expires in the simulator's 120 s");
    assert!(!format!("{token:?}").contains(token.token.expose()), "Debug never shows the token");

    let (_, claims) = open_assertion(&sim, http.assertions().last().unwrap());
    assert_eq!(
        claims["authorization_details"],
        json!([{"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")}, "externalRef": "lonn-2026"}])
    );
    assert_eq!(claims["scope"], SERVICE_SCOPE);
    // What Maskinporten put in the token: the system user of this customer.
    let payload = decode(token.token.expose().split('.').nth(1).unwrap());
    let details = &payload["authorization_details"][0];
    assert_eq!(details["systemuser_org"]["ID"], format!("0192:{org}"));
    assert_eq!(details["externalRef"], "lonn-2026");
    assert_eq!(details["system_id"], STANDARD_SYSTEM);
}

#[test]
fn mp_303_names_the_external_ref_when_the_request_used_another() {
    let sim = start();
    let client = grant_client(&sim, Capabilities::with_key(UreqTransport::new(), signer()));
    let org = CUSTOMERS[2];
    approved(&sim, &client, org, Some("lonn-2026"));

    let p = mp_error(client.system_user_token(org, None, &[SERVICE_SCOPE]));
    assert_eq!((p.status, p.code.as_deref(), p.title.as_deref()), (400, Some("MP-303"), Some("invalid_altinn_customer_configuration")));
    assert!(p.message.contains("external ref the request was created with"), "{}", p.message);
    assert!(p.message.contains(org), "{}", p.message);
    let p = mp_error(client.system_user_token(org, Some("other-ref"), &[SERVICE_SCOPE]));
    assert_eq!(p.code.as_deref(), Some("MP-303"));
    assert!(p.message.contains("\"other-ref\""), "{}", p.message);
    // An org without any approval: MP-303 as well.
    assert_eq!(mp_error(client.system_user_token(CUSTOMERS[3], None, &[SERVICE_SCOPE])).code.as_deref(), Some("MP-303"));
}

#[test]
fn every_maskinporten_refusal_is_typed_with_its_code_and_what_to_fix() {
    let sim = start();
    let read = |client: &Client| client.list_requests(RequestKind::Standard, STANDARD_SYSTEM, None);

    let unknown = client_with(
        Capabilities::with_key(UreqTransport::new(), signer()),
        grant_config(&sim.url(), "no-such-client", KeyIdentity::KeyId(KID.into())),
    );
    let p = mp_error(read(&unknown));
    assert_eq!((p.code.as_deref(), p.title.as_deref()), (Some("MP-100"), Some("invalid_client")));
    assert!(p.message.contains("\"no-such-client\" is unknown"), "{}", p.message);

    let wrong_key = RsaSigner::from_text(UNREGISTERED_KEY_PEM, Some(KID)).unwrap();
    let p = mp_error(read(&grant_client(&sim, Capabilities::with_key(UreqTransport::new(), wrong_key))));
    assert_eq!(p.code.as_deref(), Some("MP-120"));
    assert!(p.message.contains("signature was refused") && p.message.contains(KID), "{}", p.message);

    let unknown_kid = RsaSigner::from_text(KEY_PEM, Some("rotated-away")).unwrap();
    assert_eq!(
        mp_error(read(&grant_client(&sim, Capabilities::with_key(UreqTransport::new(), unknown_kid)))).code.as_deref(),
        Some("MP-120")
    );

    // `localhost` reaches the same simulator, whose issuer is `http://127.0.0.1:…/`.
    let mut config = grant_config(&sim.url(), CLIENT_ID, KeyIdentity::KeyId(KID.into()));
    config.environment = systemuser_host::custom_environment(&sim.url().replace("127.0.0.1", "localhost"));
    let p = mp_error(read(&client_with(Capabilities::with_key(UreqTransport::new(), signer()), config)));
    assert_eq!(p.code.as_deref(), Some("MP-110"));
    assert!(p.message.contains("issuer"), "{}", p.message);

    let p = mp_error(grant_client(&sim, Capabilities::with_key(UreqTransport::new(), signer())).system_user_token(
        CUSTOMERS[0],
        None,
        &["ttd:not-granted"],
    ));
    assert_eq!((p.code.as_deref(), p.title.as_deref()), (Some("MP-201"), Some("invalid_scope")));
    assert!(p.message.contains("ttd:not-granted") && p.message.contains(CLIENT_ID), "{}", p.message);
}

#[test]
fn a_host_clock_ahead_by_more_than_the_skew_is_mp_130_with_a_clock_hint() {
    let sim = start();
    let within = grant_client(&sim, Capabilities::with_key(UreqTransport::new(), signer()).with_clock(SystemClock::shifted(5)));
    within.list_requests(RequestKind::Standard, STANDARD_SYSTEM, None).expect("5 s ahead is within the 10 s skew");

    let ahead = grant_client(&sim, Capabilities::with_key(UreqTransport::new(), signer()).with_clock(SystemClock::shifted(60)));
    let p = mp_error(ahead.list_requests(RequestKind::Standard, STANDARD_SYSTEM, None));
    assert_eq!(p.code.as_deref(), Some("MP-130"));
    assert!(p.message.contains("host clock") && p.message.contains("NTP"), "{}", p.message);

    let behind = grant_client(&sim, Capabilities::with_key(UreqTransport::new(), signer()).with_clock(SystemClock::shifted(-600)));
    assert_eq!(mp_error(behind.list_requests(RequestKind::Standard, STANDARD_SYSTEM, None)).code.as_deref(), Some("MP-130"));
}

#[test]
fn tokens_are_cached_per_identity_until_shortly_before_expiry() {
    let sim = start();
    let clock = MovableClock::default();
    let client = grant_client(&sim, Capabilities::with_key(UreqTransport::new(), signer()).with_clock(clock.clone()));
    let org = CUSTOMERS[4];

    client.list_requests(RequestKind::Standard, STANDARD_SYSTEM, None).unwrap();
    assert_eq!(grants_made(&sim), 1);
    client.get_request_by_external_ref(standard_key(org, "none")).expect_err("not found");
    client.list_all_requests(RequestKind::Agent, AGENT_SYSTEM).unwrap();
    assert_eq!(grants_made(&sim), 1, "same scope: cache hits, across operations");

    client.create_standard_request(standard_input(org, Some("cache"))).unwrap();
    // The create reads the registered system first (systemregister.write), then posts (write).
    assert_eq!(grants_made(&sim), 3, "other scopes: one grant each");

    // 85 s later (by the host's clock) the 120 s read token is still outside the 30 s margin.
    clock.0.store(85, Ordering::SeqCst);
    client.list_requests(RequestKind::Standard, STANDARD_SYSTEM, None).unwrap();
    assert_eq!(grants_made(&sim), 3, "still fresh");
    clock.0.store(0, Ordering::SeqCst);
    // The simulator checks `iat` against its own clock, so the host clock cannot run ahead
    // past its skew: shrink the simulator's token lifetime instead, then let it lapse.
    let mut settings = sim.settings();
    settings.token_lifetime_secs = 35;
    sim.set_settings(settings);
    client.verify_system_user(STANDARD_SYSTEM, org, Some("cache")).unwrap(); // write scope: cached
    assert_eq!(grants_made(&sim), 3);
    client.list_all_system_users(STANDARD_SYSTEM).unwrap(); // systemregister.write: cached
    assert_eq!(grants_made(&sim), 3);
    let short = client.system_user_token(org, Some("cache"), &[SERVICE_SCOPE]);
    assert_eq!(mp_error(short).code.as_deref(), Some("MP-303"), "not approved yet");
    assert_eq!(grants_made(&sim), 4);

    // System-user tokens are cached per customer and external ref.
    let created = client.get_request_by_external_ref(standard_key(org, "cache")).unwrap();
    sim.approve(&created.id).unwrap();
    let first = client.system_user_token(org, Some("cache"), &[SERVICE_SCOPE]).unwrap();
    assert_eq!(grants_made(&sim), 5);
    let again = client.system_user_token(org, Some("cache"), &[SERVICE_SCOPE]).unwrap();
    assert_eq!(grants_made(&sim), 5, "the same system-user token from the cache");
    assert_eq!(first.token, again.token);
    assert!((first.expires_at - now_secs() - 35).abs() <= 2);
    // A 35 s token has 5 s of use before the 30 s margin: 6 s later it is fetched again.
    clock.0.store(6, Ordering::SeqCst);
    let renewed = client.system_user_token(org, Some("cache"), &[SERVICE_SCOPE]).unwrap();
    assert_eq!(grants_made(&sim), 6, "expired from the cache: a new grant");
    assert_ne!(renewed.token, first.token);
    mp_error(client.system_user_token(CUSTOMERS[5], Some("cache"), &[SERVICE_SCOPE]));
    assert_eq!(grants_made(&sim), 7, "another customer: another grant");
}

#[test]
fn every_grant_has_a_fresh_jti_and_a_repeating_random_source_is_caught() {
    let sim = start();
    let http = GrantRecorder::default();
    let client = grant_client(&sim, Capabilities::with_key(http.clone(), signer()));
    // Each customer is another identity, so each is a grant (refused MP-303: no approval).
    for org in CUSTOMERS {
        for external_ref in ["a", "b", "c"] {
            assert_eq!(mp_error(client.system_user_token(org, Some(external_ref), &[SERVICE_SCOPE])).code.as_deref(), Some("MP-303"));
        }
    }
    let jtis: HashSet<String> = http.assertions().iter().map(|a| open_assertion(&sim, a).1["jti"].as_str().unwrap().to_string()).collect();
    assert_eq!(jtis.len(), CUSTOMERS.len() * 3, "no jti twice");

    // A host whose randomness repeats: the component refuses the second grant itself...
    let stuck = grant_client(&sim, Capabilities::with_key(UreqTransport::new(), signer()).with_random(StuckRandom));
    mp_error(stuck.system_user_token(CUSTOMERS[0], Some("x"), &[SERVICE_SCOPE]));
    let before = grants_made(&sim);
    match altinn_error(stuck.system_user_token(CUSTOMERS[1], Some("x"), &[SERVICE_SCOPE])) {
        wit::Error::Token(m) => assert!(m.contains("repeated itself"), "{m}"),
        other => panic!("expected a token error, got {other:?}"),
    }
    assert_eq!(grants_made(&sim), before, "nothing sent");
    // ...and across instances (caches) Maskinporten does: MP-012.
    let other_instance = grant_client(&sim, Capabilities::with_key(UreqTransport::new(), signer()).with_random(StuckRandom));
    let p = mp_error(other_instance.system_user_token(CUSTOMERS[1], Some("x"), &[SERVICE_SCOPE]));
    assert_eq!(p.code.as_deref(), Some("MP-012"));
    assert!(p.message.contains("secure generator"), "{}", p.message);
}

/// A signer that fails, or names a key badly.
struct BrokenSigner(KeyIdentity, bool);

impl Signer for BrokenSigner {
    fn identity(&self) -> Result<KeyIdentity, String> {
        Ok(self.0.clone())
    }
    fn sign(&self, _data: &[u8]) -> Result<Vec<u8>, String> {
        if self.1 {
            Err("the HSM is offline (test)".into())
        } else {
            Ok(vec![1; 16])
        }
    }
}

#[test]
fn signer_failures_are_token_errors_and_nothing_is_sent() {
    let sim = start();
    let cases: [(Capabilities, &str); 5] = [
        (Capabilities::new(UreqTransport::new(), systemuser_host::NoToken), "no Maskinporten key is configured"),
        (Capabilities::with_key(UreqTransport::new(), BrokenSigner(KeyIdentity::KeyId(KID.into()), true)), "the HSM is offline"),
        (Capabilities::with_key(UreqTransport::new(), BrokenSigner(KeyIdentity::KeyId(KID.into()), false)), "16-byte signature"),
        (Capabilities::with_key(UreqTransport::new(), BrokenSigner(KeyIdentity::KeyId("a kid\nwith a newline".into()), false)), "key id"),
        (
            Capabilities::with_key(UreqTransport::new(), BrokenSigner(KeyIdentity::CertificateChain(vec!["not base64!".into()]), false)),
            "x5c",
        ),
    ];
    for (caps, expected) in cases {
        match altinn_error(grant_client(&sim, caps).list_requests(RequestKind::Standard, STANDARD_SYSTEM, None)) {
            wit::Error::Token(m) => assert!(m.contains(expected), "{m} should say {expected}"),
            other => panic!("expected a token error, got {other:?}"),
        }
    }
    assert_eq!(grants_made(&sim), 0);

    // A failed pre-flight grant skips the pre-flight; the create's own grant then fails too.
    let caps = Capabilities::with_key(UreqTransport::new(), BrokenSigner(KeyIdentity::KeyId(KID.into()), true));
    assert!(matches!(
        altinn_error(grant_client(&sim, caps).create_standard_request(standard_input(CUSTOMERS[6], None))),
        wit::Error::Token(_)
    ));
    assert!(stored_requests(&sim).is_empty());
}

#[test]
fn system_user_token_inputs_are_validated_before_any_grant() {
    let sim = start();
    let client = grant_client(&sim, Capabilities::with_key(UreqTransport::new(), signer()));
    let codes = |result| match altinn_error(result) {
        wit::Error::Validation(v) => v.into_iter().map(|v| format!("{}:{}", v.field, v.code)).collect::<Vec<_>>(),
        other => panic!("expected violations, got {other:?}"),
    };
    assert_eq!(codes(client.system_user_token("123", None, &[SERVICE_SCOPE])), ["customerOrgNo:org-no-format"]);
    assert_eq!(codes(client.system_user_token(CUSTOMERS[0], Some(""), &[])), ["externalRef:required", "scopes:required"]);
    assert_eq!(codes(client.system_user_token(CUSTOMERS[0], None, &["two scopes"])), ["scopes[0]:scope-invalid"]);
    // Without a Maskinporten client in the config there is nobody to ask.
    let plain = client_with(Capabilities::with_key(UreqTransport::new(), signer()), fast_config(&sim.url()));
    assert_eq!(codes(plain.system_user_token(CUSTOMERS[0], None, &[SERVICE_SCOPE])), ["config.maskinporten:maskinporten-not-configured"]);
    assert_eq!(grants_made(&sim), 0);
}

#[test]
fn no_assertion_token_or_key_material_in_errors_or_debug_output() {
    let sim = start();
    let http = GrantRecorder::default();
    let mut texts = Vec::new();
    let client = grant_client(&sim, Capabilities::with_key(http.clone(), signer()));
    approved(&sim, &client, CUSTOMERS[7], None);
    let token = client.system_user_token(CUSTOMERS[7], None, &[SERVICE_SCOPE]).unwrap();
    texts.push(format!("{token:?}"));
    texts.push(format!("{client:?}"));
    texts.push(format!("{:?}", signer()));
    for result in [
        client.system_user_token(CUSTOMERS[8], None, &[SERVICE_SCOPE]).map(|_| ()),
        client.system_user_token(CUSTOMERS[8], None, &["ttd:not-granted"]).map(|_| ()),
        grant_client(&sim, Capabilities::with_key(http.clone(), signer()).with_clock(SystemClock::shifted(60)))
            .list_requests(RequestKind::Standard, STANDARD_SYSTEM, None)
            .map(|_| ()),
    ] {
        let e = result.unwrap_err();
        texts.push(e.to_string());
        texts.push(format!("{e:?}"));
    }
    let key_lines: Vec<&str> = KEY_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
    let assertions = http.assertions();
    assert!(assertions.len() >= 4);
    for text in &texts {
        assert!(!text.contains(token.token.expose()), "token in {text}");
        for a in &assertions {
            let signature = a.rsplit('.').next().unwrap();
            assert!(!text.contains(a.as_str()) && !text.contains(signature), "assertion in {text}");
        }
        for line in &key_lines {
            assert!(!text.contains(line), "key material in {text}");
        }
    }
}
