//! Every Altinn route checks the bearer token: absent or invalid → 401 with an empty
//! body, wrong scope → 403 with an empty body, expired → 401; the vendor identity comes
//! from the `consumer` claim.

mod common;

use common::*;
use serde_json::json;

/// (method, path, scope that works) for every vendor route.
fn routes() -> Vec<(&'static str, String, &'static str)> {
    let id = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    vec![
        ("POST", format!("{API}/systemuser/request/vendor"), WRITE),
        ("POST", format!("{API}/systemuser/request/vendor/agent"), WRITE),
        ("GET", format!("{API}/systemuser/request/vendor/{id}"), READ),
        ("GET", format!("{API}/systemuser/request/vendor/agent/{id}"), READ),
        ("GET", format!("{API}/systemuser/request/vendor/byexternalref/{STD_SYSTEM}/{CUSTOMER}/x"), READ),
        ("GET", format!("{API}/systemuser/request/vendor/agent/byexternalref/{AGENT_SYSTEM}/{CUSTOMER}/x"), READ),
        ("GET", format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"), READ),
        ("GET", format!("{API}/systemuser/request/vendor/agent/bysystem/{AGENT_SYSTEM}"), READ),
        ("DELETE", format!("{API}/systemuser/request/vendor/{id}"), WRITE),
        ("GET", format!("{API}/systemuser/vendor/byquery?system-id={STD_SYSTEM}&orgno={CUSTOMER}"), WRITE),
        ("GET", format!("{API}/systemuser/vendor/bysystem/{STD_SYSTEM}"), REGISTER),
        ("GET", format!("{API}/systemregister/vendor/{STD_SYSTEM}"), REGISTER),
        ("POST", format!("{API}/systemuser/changerequest/vendor?correlation-id={id}&system-user-id={id}"), WRITE),
        ("GET", format!("{API}/systemuser/changerequest/vendor/{id}"), READ),
        ("GET", format!("{API}/systemuser/changerequest/vendor/byexternalref/{STD_SYSTEM}/{CUSTOMER}/x"), READ),
        ("GET", format!("{API}/systemuser/changerequest/vendor/bysystem/{STD_SYSTEM}"), READ),
        ("DELETE", format!("{API}/systemuser/changerequest/vendor/{id}"), WRITE),
    ]
}

fn body_for(path: &str) -> Option<serde_json::Value> {
    if path.contains("/changerequest/vendor?") {
        Some(json!({"requiredRights": []}))
    } else if path.ends_with("/vendor/agent") {
        Some(agent_body(CUSTOMER, None))
    } else if path.ends_with("/vendor") {
        Some(std_body(CUSTOMER, None))
    } else {
        None
    }
}

#[test]
fn no_token_is_401_with_empty_body_on_every_route() {
    let sim = Sim::start();
    for (m, p, _) in routes() {
        let r = sim.call(m, &p, None, body_for(&p).as_ref());
        r.assert_empty(401);
        assert_eq!(r.header("www-authenticate"), Some("Bearer"), "{m} {p}");
    }
}

#[test]
fn garbage_and_foreign_signature_tokens_are_401() {
    let sim = Sim::start();
    let other = Sim::start();
    let foreign_sig = other.h.mint_token(VENDOR, &[READ, WRITE, REGISTER]);
    for (m, p, _) in routes() {
        for t in ["not-a-jwt", "a.b.c", foreign_sig.as_str()] {
            sim.call(m, &p, Some(t), body_for(&p).as_ref()).assert_empty(401);
        }
    }
    // A Basic header is not a bearer token.
    let r = raw(sim.addr(), "GET", &format!("{API}/systemregister/vendor/{STD_SYSTEM}"), &[("Authorization", "Basic dXNlcjpwYXNz")], b"")
        .unwrap();
    r.assert_empty(401);
}

#[test]
fn expired_token_is_401() {
    let sim = Sim::start();
    let expired = sim.h.mint_token_with(VENDOR, &[READ, WRITE, REGISTER], -5, true);
    for (m, p, _) in routes() {
        let r = sim.call(m, &p, Some(&expired), body_for(&p).as_ref());
        r.assert_empty(401);
        assert!(r.header("www-authenticate").unwrap().contains("invalid_token"));
    }
}

#[test]
fn wrong_scope_is_403_with_empty_body() {
    let sim = Sim::start();
    let all = [READ, WRITE, REGISTER];
    for (m, p, needed) in routes() {
        let others: Vec<&str> = all.iter().copied().filter(|s| *s != needed).collect();
        let t = sim.token(&others);
        sim.call(m, &p, Some(&t), body_for(&p).as_ref()).assert_empty(403);
        // And the right scope alone gets past the check (whatever the route then answers).
        let t = sim.token(&[needed]);
        let r = sim.call(m, &p, Some(&t), body_for(&p).as_ref());
        assert!(r.status != 401 && r.status != 403, "{m} {p}: {}", r.status);
    }
}

#[test]
fn admin_scope_reads_the_register_too() {
    let sim = Sim::start();
    let t = sim.token(&["altinn:authentication/systemregister.admin"]);
    assert_eq!(sim.get(&format!("{API}/systemregister/vendor/{FOREIGN_SYSTEM}"), &t).status, 200);
}

#[test]
fn foreign_vendor_gets_auth_00011_on_system_routes() {
    let sim = Sim::start();
    let foreign = sim.h.mint_token(OTHER_VENDOR, &[READ, WRITE, REGISTER]);
    sim.post(&format!("{API}/systemuser/request/vendor"), &foreign, &std_body(CUSTOMER, None)).problem(404, "AUTH-00011");
    sim.post(&format!("{API}/systemuser/request/vendor/agent"), &foreign, &agent_body(CUSTOMER, None)).problem(404, "AUTH-00011");
    sim.get(&format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"), &foreign).problem(404, "AUTH-00011");
    sim.get(&format!("{API}/systemuser/vendor/bysystem/{STD_SYSTEM}"), &foreign).problem(404, "AUTH-00011");
    // Its own system works.
    let own = sim.post(
        &format!("{API}/systemuser/request/vendor"),
        &foreign,
        &json!({"systemId": FOREIGN_SYSTEM, "partyOrgNo": CUSTOMER, "accessPackages": [{"urn": "urn:altinn:accesspackage:skattegrunnlag"}]}),
    );
    assert_eq!(own.status, 201, "{}", own.text());
}

#[test]
fn missing_consumer_on_reads_is_empty_401() {
    let sim = Sim::start();
    let t = sim.h.mint_token_with(VENDOR, &[READ, WRITE, REGISTER], 600, false);
    sim.get(&format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"), &t).assert_empty(401);
    sim.get(&format!("{API}/systemuser/request/vendor/3fa85f64-5717-4562-b3fc-2c963f66afa6"), &t).assert_empty(401);
    sim.get(&format!("{API}/systemuser/vendor/byquery?system-id={STD_SYSTEM}&orgno={CUSTOMER}"), &t).assert_empty(401);
}

#[test]
fn admin_token_route_mints_working_tokens() {
    let sim = Sim::start();
    let r = sim.admin("POST", "/_sim/token", Some(&json!({"vendorOrgNo": VENDOR, "scopes": [WRITE]})));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    let t = v["access_token"].as_str().unwrap();
    assert_eq!(sim.post(&format!("{API}/systemuser/request/vendor"), t, &std_body(CUSTOMER, None)).status, 201);
    let r = sim.admin("POST", "/_sim/token", Some(&json!({"vendorOrgNo": "123456789", "scopes": []})));
    assert_eq!(r.status, 400);
    let r = sim.admin("POST", "/_sim/token", Some(&json!({"vendorOrgNo": VENDOR, "scopes": [READ], "expiresIn": 0})));
    let t = r.json()["access_token"].as_str().unwrap().to_string();
    sim.get(&format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"), &t).assert_empty(401);
}
