//! Admin routes (off unless enabled), settings for the client-guard tests, inspection,
//! and the `altinn-sim` binary with and without a fixture file.

mod common;

use std::process::Command;
use std::time::Duration;

use altinn_sim::{Fixture, SimOptions};
use common::*;
use serde_json::json;

#[test]
fn admin_routes_do_not_exist_unless_enabled() {
    let sim = Sim::with(SimOptions::default());
    for (m, p) in [("POST", "/_sim/token"), ("GET", "/_sim/state"), ("POST", "/_sim/clock/advance"), ("GET", "/_sim/faults")] {
        sim.call(m, p, None, Some(&json!({}))).assert_empty(404);
    }
    // The Altinn routes work as usual.
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
}

#[test]
fn confirm_host_setting_hands_out_a_foreign_confirm_url() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_confirm_host(Some("https://evil.example/")));
    let v = sim.create(&std_body(CUSTOMER, None)).json();
    let url = v["confirmUrl"].as_str().unwrap();
    assert!(url.starts_with("https://evil.example/accessmanagement/ui/systemuser/request?id="), "{url}");
    // Switched back at run time.
    let r = sim.admin("PUT", "/_sim/settings", Some(&json!({"confirmHost": null})));
    assert_eq!(r.json()["confirmHost"], serde_json::Value::Null);
    let v = sim.create(&std_body(CUSTOMER, None)).json();
    assert!(v["confirmUrl"].as_str().unwrap().starts_with(&sim.h.url()));
}

#[test]
fn settings_route_validates_and_switches_problem_shape() {
    let sim = Sim::start();
    let s = sim.admin("GET", "/_sim/settings", None).json();
    assert_eq!(s["problemShape"], "current");
    assert_eq!(s["pageSize"], 50);
    for bad in [json!({"pageSize": 0}), json!({"problemShape": "old"}), json!({"nope": 1}), json!({"nextLinkHost": "ftp://x"})] {
        assert_eq!(sim.admin("PUT", "/_sim/settings", Some(&bad)).status, 400, "{bad}");
    }
    sim.admin("PUT", "/_sim/settings", Some(&json!({"problemShape": "legacy", "nextLinkHost": "http://altinn-platform-internal.local"})));
    let mut b = std_body(CUSTOMER, None);
    b["systemId"] = json!(FOREIGN_SYSTEM);
    let v = sim.create(&b).json();
    assert_eq!(v["detail"], "The Id does not refer to a Registered System.");
}

#[test]
fn inspection_reset_and_clock() {
    let sim = Sim::start();
    let id = sim.create(&std_body(CUSTOMER, Some("i"))).json()["id"].as_str().unwrap().to_string();
    sim.create(&std_body(CUSTOMER, Some("i")));
    sim.approve(&id);
    let state = sim.admin("GET", "/_sim/state", None).json();
    assert_eq!(state["requests"][0]["id"], id.as_str());
    assert_eq!(state["requests"][0]["status"], "Accepted");
    assert_eq!(state["systemUsers"][0]["id"], id.as_str());
    assert_eq!(state["dedupe"][0]["createCalls"], 2);
    assert!(state["clock"]["now"].is_string());
    let r = sim.admin("POST", "/_sim/clock/advance", Some(&json!({"days": -1})));
    assert_eq!(r.status, 400);
    sim.admin("POST", "/_sim/clock/advance", Some(&json!({"hours": 5})));
    assert_eq!(sim.admin("GET", "/_sim/clock", None).json()["offsetSeconds"], 5 * 3600);
    assert_eq!(sim.admin("POST", "/_sim/reset", None).status, 204);
    let state = sim.admin("GET", "/_sim/state", None).json();
    assert_eq!(state["requests"], json!([]));
    assert_eq!(state["clock"]["offsetSeconds"], 0);
    let fixture = sim.admin("GET", "/_sim/fixture", None).json();
    assert_eq!(fixture["systems"][0]["id"], STD_SYSTEM);
}

#[test]
fn index_page() {
    let sim = Sim::start();
    let r = sim.call("GET", "/", None, None);
    assert!(r.text().contains(STD_SYSTEM));
}

#[test]
fn binary_starts_without_a_fixture_and_prints_one_line() {
    let (mut child, line, took) = spawn_binary(&["--listen", "127.0.0.1:0", "--admin"]);
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    let addr: std::net::SocketAddr = line.trim().trim_start_matches("listening on http://").parse().unwrap();
    let r = raw(
        addr,
        "POST",
        "/_sim/token",
        &[("Content-Type", "application/json")],
        br#"{"vendorOrgNo":"314248295","scopes":["altinn:authentication/systemregister.write"]}"#,
    )
    .unwrap();
    let token = r.json()["access_token"].as_str().unwrap().to_string();
    let auth = format!("Bearer {token}");
    let r = raw(addr, "GET", &format!("{API}/systemregister/vendor/{STD_SYSTEM}"), &[("Authorization", &auth)], b"").unwrap();
    assert_eq!(r.status, 200);
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn binary_starts_with_a_fixture_file() {
    let mut f = Fixture::default();
    f.systems.retain(|s| s.id == STD_SYSTEM);
    f.systems[0].allowed_redirect_urls = vec!["https://custom.example/cb".into()];
    let path = std::env::temp_dir().join(format!("altinn-sim-fixture-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec_pretty(&f).unwrap()).unwrap();
    let (mut child, line, _) = spawn_binary(&[
        "--listen",
        "127.0.0.1:0",
        "--fixtures",
        path.to_str().unwrap(),
        "--problem-shape",
        "legacy",
        "--timeout-mode",
        "legacy",
        "--page-size",
        "7",
    ]);
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line:?}");
    let addr: std::net::SocketAddr = line.trim().trim_start_matches("listening on http://").parse().unwrap();
    // No admin: the admin route does not exist.
    assert_eq!(raw(addr, "GET", "/_sim/state", &[], b"").unwrap().status, 404);
    // The metadata works without a token, and the issuer is this server.
    let v = raw(addr, "GET", "/.well-known/oauth-authorization-server", &[], b"").unwrap().json();
    assert_eq!(v["issuer"], format!("http://{addr}/"));
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_file(&path);
}

#[test]
fn binary_refuses_a_bad_fixture_and_bad_arguments() {
    let path = std::env::temp_dir().join(format!("altinn-sim-bad-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"organizations": ["999888777"]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_altinn-sim")).args(["--fixtures", path.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("999888777"));
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_file(&path);
    let out = Command::new(env!("CARGO_BIN_EXE_altinn-sim")).args(["--page-size", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_altinn-sim")).args(["--fixtures", "/nonexistent.json"]).output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn handle_stop_and_drop() {
    let mut h = altinn_sim::Simulator::start(SimOptions::default()).unwrap();
    let addr = h.addr();
    assert!(h.url().starts_with("http://127.0.0.1:") && !h.url().ends_with('/'));
    h.stop();
    h.stop();
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err());
    drop(h);
}

#[test]
fn binary_listens_on_loopback_only_unless_allowed() {
    let out = Command::new(env!("CARGO_BIN_EXE_altinn-sim")).args(["--listen", "0.0.0.0:0"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address") && err.contains("--allow-remote"), "{err}");
    assert!(out.stdout.is_empty());
    let out = Command::new(env!("CARGO_BIN_EXE_altinn-sim")).args(["--max-connections", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let (mut child, line, _) = spawn_binary(&["--listen", "0.0.0.0:0", "--allow-remote", "--max-connections", "8"]);
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line:?}");
    child.kill().unwrap();
    let _ = child.wait();
}
