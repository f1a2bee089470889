//! Maskinporten's JWT-bearer grant (API.md §10): every rule refused with its MP code,
//! replay, skew, and system-user tokens.

mod common;

use common::*;
use serde_json::{json, Value};

fn err(r: &Resp) -> (String, String) {
    assert_eq!(r.status, 400, "{}", r.text());
    let v = r.json();
    (v["error"].as_str().unwrap().to_string(), v["error_description"].as_str().unwrap().to_string())
}

fn assert_mp(r: &Resp, error: &str, code: &str) {
    let (e, d) = err(r);
    assert_eq!(e, error, "{d}");
    assert!(d.contains(&format!("({code})")), "{d}");
}

#[test]
fn valid_grant_gives_a_token_that_works_on_altinn_routes() {
    let sim = Sim::start();
    let a = sign(&test_key(), &good_header(), &good_claims(&sim, &format!("{WRITE} {READ}")));
    let r = grant(&sim, &a);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 120);
    assert_eq!(v["scope"], format!("{WRITE} {READ}"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let token = v["access_token"].as_str().unwrap();
    let created = sim.post(&format!("{API}/systemuser/request/vendor"), token, &std_body(CUSTOMER, None));
    assert_eq!(created.status, 201, "{}", created.text());
}

#[test]
fn rs384_and_rs512_are_accepted() {
    let sim = Sim::start();
    for alg in ["RS384", "RS512"] {
        let a = sign(&test_key(), &json!({"alg": alg, "kid": KID}), &good_claims(&sim, READ));
        assert_eq!(grant(&sim, &a).status, 200, "{alg}");
    }
}

#[test]
fn grant_type_and_form_errors() {
    let sim = Sim::start();
    let r = sim.form("/token", "grant_type=client_credentials");
    assert_eq!(err(&r).0, "unsupported_grant_type");
    let r = sim.form("/token", "assertion=x");
    assert_eq!(err(&r).0, "invalid_request");
    let r = sim.form("/token", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
    assert_eq!(err(&r).0, "invalid_request");
    let r = raw(sim.addr(), "POST", "/token", &[("Content-Type", "application/json")], b"{}").unwrap();
    assert_eq!(err(&r).0, "invalid_request");
    let r = grant(&sim, "not.a.jwt");
    assert_eq!(err(&r).0, "invalid_grant");
    assert_eq!(sim.call("GET", "/token", None, None).status, 405);
}

#[test]
fn header_rules() {
    let sim = Sim::start();
    let c = || good_claims(&sim, READ);
    for header in [
        json!({"alg": "HS256", "kid": KID}),
        json!({"alg": "none", "kid": KID}),
        json!({"alg": "RS256"}),
        json!({"alg": "RS256", "kid": KID, "x5c": ["MIIB"]}),
        json!({"alg": "RS256", "x5c": ["MIIB"]}),
    ] {
        let r = grant(&sim, &sign(&test_key(), &header, &c()));
        assert_eq!(err(&r).0, "invalid_grant", "{header}");
    }
}

/// The fixture client's TEST-ONLY business certificate (for the TEST-ONLY key), base64 DER.
fn test_certificate() -> String {
    include_str!("keys/TEST-ONLY-client-cert.pem").lines().filter(|l| !l.starts_with("-----")).collect()
}

#[test]
fn a_registered_business_certificate_in_x5c_signs_grants() {
    let sim = Sim::start();
    let header = json!({"alg": "RS256", "x5c": [test_certificate()]});
    let r = grant(&sim, &sign(&test_key(), &header, &good_claims(&sim, READ)));
    assert_eq!(r.status, 200, "{}", r.text());
    // The right certificate, the wrong key: the signature fails.
    assert_mp(&grant(&sim, &sign(&unregistered_key(), &header, &good_claims(&sim, READ))), "invalid_grant", "MP-120");
    // A certificate the client does not have.
    let (_, d) = err(&grant(&sim, &sign(&test_key(), &json!({"alg": "RS256", "x5c": ["MIIB"]}), &good_claims(&sim, READ))));
    assert!(d.contains("not trusted") && d.contains("(MP-120)"), "{d}");
}

#[test]
fn unknown_claim_is_refused() {
    let sim = Sim::start();
    let mut c = good_claims(&sim, READ);
    c["sub"] = json!(CLIENT_ID);
    let (e, d) = err(&grant(&sim, &sign(&test_key(), &good_header(), &c)));
    assert_eq!(e, "invalid_grant");
    assert!(d.contains("sub"), "{d}");
    // `resource` is a known optional claim.
    let mut c = good_claims(&sim, READ);
    c["resource"] = json!("https://example.test/api");
    assert_eq!(grant(&sim, &sign(&test_key(), &good_header(), &c)).status, 200);
}

#[test]
fn mp100_unknown_client() {
    let sim = Sim::start();
    let mut c = good_claims(&sim, READ);
    c["iss"] = json!("no-such-client");
    assert_mp(&grant(&sim, &sign(&test_key(), &good_header(), &c)), "invalid_client", "MP-100");
}

#[test]
fn mp120_bad_signature_or_unknown_kid() {
    let sim = Sim::start();
    // Signed by a key the client never registered, under the registered kid.
    let r = grant(&sim, &sign(&unregistered_key(), &good_header(), &good_claims(&sim, READ)));
    assert_mp(&r, "invalid_grant", "MP-120");
    // An unknown kid.
    let r = grant(&sim, &sign(&test_key(), &json!({"alg": "RS256", "kid": "other"}), &good_claims(&sim, READ)));
    assert_mp(&r, "invalid_grant", "MP-120");
    // A tampered payload.
    let a = sign(&test_key(), &good_header(), &good_claims(&sim, READ));
    let mut parts: Vec<String> = a.split('.').map(str::to_string).collect();
    let mut c = good_claims(&sim, WRITE);
    c["jti"] = json!("tampered");
    parts[1] = base64_url(&serde_json::to_vec(&c).unwrap());
    assert_mp(&grant(&sim, &parts.join(".")), "invalid_grant", "MP-120");
}

fn base64_url(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn mp110_audience_must_be_the_issuer_with_trailing_slash() {
    let sim = Sim::start();
    for aud in [json!(sim.h.url()), json!(sim.h.token_endpoint()), json!("https://test.maskinporten.no/"), json!([sim.h.issuer()])] {
        let mut c = good_claims(&sim, READ);
        c["aud"] = aud.clone();
        assert_mp(&grant(&sim, &sign(&test_key(), &good_header(), &c)), "invalid_grant", "MP-110");
    }
}

#[test]
fn mp130_times_lifetime_and_skew() {
    let sim = Sim::start();
    let t = now();
    let cases: Vec<(i64, i64, bool)> = vec![
        (t, t + 121, false),      // lifetime over 120 s
        (t, t + 120, true),       // exactly 120 s
        (t + 30, t + 90, false),  // client clock 30 s ahead
        (t + 5, t + 65, true),    // 5 s ahead: within the 10 s skew
        (t - 100, t - 20, false), // expired
        (t - 60, t - 5, true),    // expired 5 s ago: within skew
    ];
    for (iat, exp, ok) in cases {
        let mut c = good_claims(&sim, READ);
        c["iat"] = json!(iat - t + now());
        c["exp"] = json!(exp - t + now());
        let r = grant(&sim, &sign(&test_key(), &good_header(), &c));
        if ok {
            assert_eq!(r.status, 200, "iat {iat} exp {exp}: {}", r.text());
        } else {
            assert_mp(&r, "invalid_grant", "MP-130");
        }
    }
    let mut c = good_claims(&sim, READ);
    c.as_object_mut().unwrap().remove("exp");
    assert_mp(&grant(&sim, &sign(&test_key(), &good_header(), &c)), "invalid_grant", "MP-130");
}

#[test]
fn mp012_replayed_jti() {
    let sim = Sim::start();
    let c = good_claims(&sim, READ);
    let a = sign(&test_key(), &good_header(), &c);
    assert_eq!(grant(&sim, &a).status, 200);
    assert_mp(&grant(&sim, &a), "invalid_grant", "MP-012");
    // The same jti in a freshly signed assertion is still a replay.
    let mut c2 = good_claims(&sim, READ);
    c2["jti"] = c["jti"].clone();
    assert_mp(&grant(&sim, &sign(&test_key(), &good_header(), &c2)), "invalid_grant", "MP-012");
    let mut c3 = good_claims(&sim, READ);
    c3.as_object_mut().unwrap().remove("jti");
    assert_eq!(err(&grant(&sim, &sign(&test_key(), &good_header(), &c3))).0, "invalid_grant");
}

#[test]
fn mp200_mp201_mp250_scopes() {
    let sim = Sim::start();
    let mut c = good_claims(&sim, READ);
    c.as_object_mut().unwrap().remove("scope");
    assert_mp(&grant(&sim, &sign(&test_key(), &good_header(), &c)), "invalid_scope", "MP-200");
    let c = good_claims(&sim, "  ");
    assert_mp(&grant(&sim, &sign(&test_key(), &good_header(), &c)), "invalid_scope", "MP-200");
    let c = good_claims(&sim, &format!("{READ} skatteetaten:secret"));
    assert_mp(&grant(&sim, &sign(&test_key(), &good_header(), &c)), "invalid_scope", "MP-201");
    let mut c = good_claims(&sim, READ);
    c["scope"] = json!([READ]);
    assert_mp(&grant(&sim, &sign(&test_key(), &good_header(), &c)), "invalid_scope", "MP-250");
}

fn details(org: &str, ext: Option<&str>) -> Value {
    let mut d = json!({
        "type": "urn:altinn:systemuser",
        "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")}
    });
    if let Some(e) = ext {
        d["externalRef"] = json!(e);
    }
    json!([d])
}

fn system_user_grant(sim: &Sim, details: Value) -> Resp {
    let mut c = good_claims(sim, "ttd:regnskap.read");
    c["authorization_details"] = details;
    grant(sim, &sign(&test_key(), &good_header(), &c))
}

fn token_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[test]
fn system_user_token_needs_an_active_system_user() {
    let sim = Sim::start();
    // No system user yet: MP-303.
    assert_mp(&system_user_grant(&sim, details(CUSTOMER, None)), "invalid_altinn_customer_configuration", "MP-303");
    let id = sim.create(&std_body(CUSTOMER, None)).json()["id"].as_str().unwrap().to_string();
    assert_mp(&system_user_grant(&sim, details(CUSTOMER, None)), "invalid_altinn_customer_configuration", "MP-303");
    assert_eq!(sim.approve(&id).status, 200);
    let r = system_user_grant(&sim, details(CUSTOMER, None));
    assert_eq!(r.status, 200, "{}", r.text());
    let claims = token_claims(r.json()["access_token"].as_str().unwrap());
    assert_eq!(claims["authorization_details"][0]["systemuser_id"][0], id.as_str());
    assert_eq!(claims["authorization_details"][0]["systemuser_org"]["ID"], format!("0192:{CUSTOMER}"));
    assert_eq!(claims["consumer"]["ID"], format!("0192:{VENDOR}"));
    // Default externalRef given explicitly matches too; another does not.
    assert_eq!(system_user_grant(&sim, details(CUSTOMER, Some(CUSTOMER))).status, 200);
    assert_mp(&system_user_grant(&sim, details(CUSTOMER, Some("other"))), "invalid_altinn_customer_configuration", "MP-303");
    // Another customer.
    assert_mp(&system_user_grant(&sim, details(CUSTOMER2, None)), "invalid_altinn_customer_configuration", "MP-303");
    // Deleted system user.
    assert_eq!(sim.admin("DELETE", &format!("/_sim/systemusers/{id}"), None).status, 204);
    assert_mp(&system_user_grant(&sim, details(CUSTOMER, None)), "invalid_altinn_customer_configuration", "MP-303");
}

#[test]
fn system_user_token_with_custom_external_ref_must_repeat_it() {
    let sim = Sim::start();
    let id = sim.create(&std_body(CUSTOMER, Some("Kunde-42_ø"))).json()["id"].as_str().unwrap().to_string();
    assert_eq!(sim.approve(&id).status, 200);
    assert_mp(&system_user_grant(&sim, details(CUSTOMER, None)), "invalid_altinn_customer_configuration", "MP-303");
    assert_eq!(system_user_grant(&sim, details(CUSTOMER, Some("Kunde-42_ø"))).status, 200);
}

#[test]
fn mp301_mp302_malformed_details() {
    let sim = Sim::start();
    let two = json!([details(CUSTOMER, None)[0].clone(), details(CUSTOMER2, None)[0].clone()]);
    for d in [
        json!({"type": "urn:altinn:systemuser"}),
        json!([]),
        two,
        json!([{"type": "urn:other", "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:310816191"}}]),
        json!([{"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "x", "ID": "0192:310816191"}}]),
        json!([{"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "310816191"}}]),
    ] {
        assert_mp(&system_user_grant(&sim, d.clone()), "invalid_authorization_details", "MP-301");
    }
    for bad in ["has space", "semi;colon", "slash/", ""] {
        assert_mp(&system_user_grant(&sim, details(CUSTOMER, Some(bad))), "invalid_authorization_details", "MP-302");
    }
}

#[test]
fn agent_client_gets_tokens_for_its_agent_system_user() {
    let sim = Sim::start();
    let id = sim.create_agent(&agent_body(CUSTOMER, None)).json()["id"].as_str().unwrap().to_string();
    assert_eq!(sim.approve(&id).status, 200);
    let byraa = altinn_sim::test_clients::SMARTBYRAA;
    let mut c = good_claims(&sim, READ);
    c["iss"] = json!(byraa.client_id);
    c["authorization_details"] = details(CUSTOMER, None);
    assert_eq!(grant(&sim, &sign(&key_of(&byraa), &json!({"alg": "RS256", "kid": byraa.kid}), &c)).status, 200);
    // The standard system's client has no system user for this customer.
    assert_mp(&system_user_grant(&sim, details(CUSTOMER, None)), "invalid_altinn_customer_configuration", "MP-303");
}

#[test]
fn mp120_each_client_has_its_own_key() {
    use altinn_sim::test_clients::{KONKURRENT, SMARTBYRAA, SMARTREGNSKAP, SPARE};
    let sim = Sim::start();
    let claims = |client: &str| {
        let mut c = good_claims(&sim, READ);
        c["iss"] = json!(client);
        c
    };
    let header = |kid: &str| json!({"alg": "RS256", "kid": kid});
    for client in [SMARTBYRAA, KONKURRENT, SPARE] {
        // Signed with another client's key, named by that key's kid: this client has no such kid.
        let r = grant(&sim, &sign(&key_of(&SMARTREGNSKAP), &header(SMARTREGNSKAP.kid), &claims(client.client_id)));
        assert_mp(&r, "invalid_grant", "MP-120");
        assert!(err(&r).1.contains("No registered key with this kid"), "{}", r.text());
        // Signed with another client's key under this client's kid: the signature fails.
        let r = grant(&sim, &sign(&key_of(&SMARTREGNSKAP), &header(client.kid), &claims(client.client_id)));
        assert_mp(&r, "invalid_grant", "MP-120");
        assert!(err(&r).1.contains("Signature validation failed"), "{}", r.text());
        // Signed with its own key: a token for that client's organisation.
        let r = grant(&sim, &sign(&key_of(&client), &header(client.kid), &claims(client.client_id)));
        assert_eq!(r.status, 200, "{}: {}", client.client_id, r.text());
    }
    // And the other way round: the smartregnskap client refuses the smartbyraa key.
    let r = grant(&sim, &sign(&key_of(&SMARTBYRAA), &header(SMARTBYRAA.kid), &claims(SMARTREGNSKAP.client_id)));
    assert_mp(&r, "invalid_grant", "MP-120");
    assert_eq!(grant(&sim, &sign(&key_of(&SMARTREGNSKAP), &header(KID), &claims(CLIENT_ID))).status, 200);
}

#[test]
fn metadata_document() {
    let sim = Sim::start();
    let v = sim.call("GET", "/.well-known/oauth-authorization-server", None, None).json();
    assert_eq!(v["issuer"], sim.h.issuer());
    assert_eq!(v["token_endpoint"], sim.h.token_endpoint());
}
