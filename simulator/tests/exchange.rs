//! `GET authentication/api/v1/exchange/maskinporten` (API.md §12): a Maskinporten token for an
//! Altinn token, as bare text; the 401, 400 and 410 forms.

mod common;

use altinn_sim::SimOptions;
use common::*;
use serde_json::json;

fn now_secs() -> i64 {
    now()
}

#[test]
fn exchange_keeps_the_source_claims_and_adds_altinn_ones() {
    let sim = Sim::start();
    sim.h.approve_client_administrator(BUREAU, None).unwrap();
    let mp = sim.grant_token(&altinn_sim::test_clients::SMARTREGNSKAP, Some(BUREAU), None, &[CLIENTS_READ, CLIENTS_WRITE]);
    let r = sim.exchange_at("maskinporten", &mp);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap_or("").starts_with("text/plain"), "{:?}", r.headers);
    let altinn = r.text();
    assert!(!altinn.starts_with('"'), "bare text, not a JSON string");
    let (src, c) = (claims_of(&mp), claims_of(&altinn));
    for kept in ["scope", "consumer", "authorization_details", "client_id", "jti", "token_type"] {
        assert_eq!(c[kept], src[kept], "{kept} is kept");
    }
    assert_eq!(c["urn:altinn:orgNumber"], VENDOR, "the consumer's organisation");
    assert_eq!(c["urn:altinn:authenticatemethod"], "maskinporten");
    assert_eq!(c["urn:altinn:authlevel"], 3);
    assert_eq!(c["iss"], sim.h.altinn_issuer());
    assert_eq!(c["iss"], format!("{}/authentication/api/v1/openid/", sim.h.url()));
    assert_ne!(c["iss"], src["iss"]);
    assert!(c["sid"].as_str().is_some_and(|s| s.len() == 36));
    // JwtValidityMinutes = 30, not the source token's 120 s.
    let (iat, exp) = (c["iat"].as_i64().unwrap(), c["exp"].as_i64().unwrap());
    assert_eq!(exp - iat, 30 * 60);
    assert!((iat - now_secs()).abs() < 5 && c["nbf"] == c["iat"]);
    // Every exchange has its own session id.
    assert_ne!(claims_of(&sim.exchange(&mp))["sid"], c["sid"]);
    // The Altinn token works on the Altinn routes.
    let v = sim.get(&format!("{API}/enduser/systemuser/agents?party={BUREAU}"), &altinn);
    assert_eq!(v.status, 200, "{}", v.text());
}

#[test]
fn lifetime_is_a_setting() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_jwt_validity_minutes(5));
    let c = claims_of(&sim.exchange(&sim.token(&[READ])));
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    let r = sim.admin("PUT", "/_sim/settings", Some(&json!({"jwtValidityMinutes": 60})));
    assert_eq!(r.json()["jwtValidityMinutes"], 60);
    let c = claims_of(&sim.exchange(&sim.token(&[READ])));
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 3600);
    assert_eq!(sim.admin("PUT", "/_sim/settings", Some(&json!({"jwtValidityMinutes": 0}))).status, 400);
}

#[test]
fn missing_or_invalid_tokens_are_an_empty_401() {
    let sim = Sim::start();
    let path = format!("{API}/exchange/maskinporten");
    sim.call("GET", &path, None, None).assert_empty(401);
    let r = raw(sim.addr(), "GET", &path, &[("Authorization", "Basic dXNlcjpwYXNz")], b"").unwrap();
    r.assert_empty(401);
    sim.exchange_at("maskinporten", "not-a-jwt").assert_empty(401);
    // Expired (beyond the 10 s skew), from another run, tampered.
    sim.exchange_at("maskinporten", &sim.h.mint_token_with(VENDOR, &[READ], -20, true)).assert_empty(401);
    let other = Sim::start();
    sim.exchange_at("maskinporten", &other.token(&[READ])).assert_empty(401);
    let mut tampered = sim.token(&[READ]);
    tampered.push('A');
    sim.exchange_at("maskinporten", &tampered).assert_empty(401);
    // No consumer claim.
    sim.exchange_at("maskinporten", &sim.h.mint_token_with(VENDOR, &[READ], 600, false)).assert_empty(401);
    // An Altinn token is not a Maskinporten token (another issuer).
    let altinn = sim.exchange(&sim.token(&[READ]));
    sim.exchange_at("maskinporten", &altinn).assert_empty(401);
    // ID-porten and Altinn Studio are known providers, but no token here is theirs.
    sim.exchange_at("id-porten", &sim.token(&[READ])).assert_empty(401);
    sim.exchange_at("AltinnStudio", &sim.token(&[READ])).assert_empty(401);
    // The provider is case-insensitive.
    assert_eq!(sim.exchange_at("MaskinPorten", &sim.token(&[READ])).status, 200);
}

#[test]
fn an_unknown_provider_is_a_bare_string_400_after_the_token_checks() {
    let sim = Sim::start();
    let r = sim.exchange_at("azuread", &sim.token(&[READ]));
    assert_eq!(r.status, 400);
    assert!(r.header("content-type").unwrap_or("").starts_with("text/plain"));
    assert_eq!(r.text(), "Invalid token provider: azuread. Trusted token providers are 'Maskinporten', 'Id-porten' and 'AltinnStudio'.");
    // No token: 401 first.
    sim.call("GET", &format!("{API}/exchange/azuread"), None, None).assert_empty(401);
    // Only GET.
    sim.call("POST", &format!("{API}/exchange/maskinporten"), Some(&sim.token(&[READ])), None).assert_empty(405);
}

#[test]
fn the_enterprise_user_header_is_410_for_a_valid_token_only() {
    let sim = Sim::start();
    let path = format!("{API}/exchange/maskinporten");
    let auth = format!("Bearer {}", sim.token(&[READ]));
    let r = raw(sim.addr(), "GET", &path, &[("Authorization", &auth), ("X-Altinn-EnterpriseUser-Authentication", "dXNlcjpwYXNz")], b"")
        .unwrap();
    assert_eq!(r.status, 410);
    assert!(r.header("content-type").unwrap_or("").starts_with("application/problem+json"));
    let v = r.json();
    assert_eq!(v["title"], "Virksomhetsbruker is no longer available");
    assert_eq!((v["type"].as_str(), v["status"].as_u64()), (Some("https://docs.altinn.studio"), Some(410)));
    // An invalid token with the header: 401.
    let r =
        raw(sim.addr(), "GET", &path, &[("Authorization", "Bearer x.y.z"), ("X-Altinn-EnterpriseUser-Authentication", "x")], b"").unwrap();
    r.assert_empty(401);
}

#[test]
fn binary_takes_the_exchange_and_access_management_flags() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_altinn-sim"))
        .args(["--listen", "127.0.0.1:0", "--admin", "--jwt-validity-minutes", "7", "--access-management-failure", "reads"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr: std::net::SocketAddr = line.trim().trim_start_matches("listening on http://").parse().unwrap();
    let s = raw(addr, "GET", "/_sim/settings", &[], b"").unwrap().json();
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!((&s["jwtValidityMinutes"], &s["accessManagementFailure"]), (&json!(7), &json!("reads")));
    for bad in [&["--jwt-validity-minutes", "0"][..], &["--access-management-failure", "sometimes"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_altinn-sim")).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}
