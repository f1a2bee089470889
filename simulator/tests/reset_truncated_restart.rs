//! The `reset` and `truncated` faults, state kept across a restart (in memory and through a
//! state file), and the secret log.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use altinn_sim::{FaultKind, FaultSpec, SimOptions, Simulator};
use common::*;
use serde_json::json;

fn create_path() -> String {
    format!("{API}/systemuser/request/vendor")
}

/// Sends a create on a fresh connection and reads until EOF or error; returns what came back
/// and how the read ended.
fn send_create(sim: &Sim, body: &serde_json::Value) -> (Vec<u8>, std::io::Result<usize>) {
    let body = serde_json::to_vec(body).unwrap();
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        create_path(),
        sim.rw(),
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body).unwrap();
    let mut buf = Vec::new();
    let end = s.read_to_end(&mut buf);
    (buf, end)
}

#[test]
fn reset_commits_the_create_then_resets_the_connection() {
    let sim = Sim::start();
    sim.h.arm_fault(FaultSpec::new("create_request", FaultKind::Reset)).unwrap();
    let (buf, end) = send_create(&sim, &std_body(CUSTOMER, Some("reset-1")));
    assert!(buf.is_empty(), "no answer expected, got {:?}", String::from_utf8_lossy(&buf));
    let err = end.expect_err("a reset, not a clean EOF");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    // The work was done: the retry finds the stored request.
    assert_eq!(sim.create(&std_body(CUSTOMER, Some("reset-1"))).status, 200);
    let calls = sim.admin("GET", "/_sim/calls", None).json().to_string();
    assert!(calls.contains("\"fault\":\"reset\""), "{calls}");
}

#[test]
fn truncated_sends_head_and_half_the_body_then_closes() {
    let sim = Sim::start();
    sim.admin("POST", "/_sim/faults", Some(&json!({"route": "create_request", "kind": "truncated"})));
    let (buf, _end) = send_create(&sim, &std_body(CUSTOMER, Some("trunc-1")));
    let text = String::from_utf8_lossy(&buf).into_owned();
    let split = text.find("\r\n\r\n").expect("a head was sent");
    assert!(text.starts_with("HTTP/1.1 201"), "{text}");
    let declared: usize = text[..split]
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .expect("a content-length");
    let body_len = buf.len() - split - 4;
    assert!(body_len < declared, "body {body_len} bytes, declared {declared}");
    assert!(body_len > 0);
    // The work was done.
    assert_eq!(sim.create(&std_body(CUSTOMER, Some("trunc-1"))).status, 200);
}

#[test]
fn truncated_empty_body_still_declares_more() {
    let sim = Sim::start();
    let t = sim.token(&[REGISTER]);
    sim.h.arm_fault(FaultSpec::new("get_registered_system", FaultKind::Truncated)).unwrap();
    // 404 for an unknown system has an empty body; the fault declares 16 bytes anyway.
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {API}/systemregister/vendor/314248295_nope HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t}\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    assert!(text.contains("content-length: 16"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "{text}");
}

#[test]
fn restart_in_memory_keeps_requests_counters_and_tokens() {
    let sim = Sim::start();
    let token = sim.rw();
    assert_eq!(sim.post(&create_path(), &token, &std_body(CUSTOMER, Some("r-1"))).status, 201);
    sim.h.arm_fault(FaultSpec::new("get_request", FaultKind::Status503).times(3)).unwrap();
    sim.h.restart(Duration::from_millis(50)).unwrap();
    // Same address; the token issued before still works; the key is still taken.
    let again = sim.post(&create_path(), &token, &std_body(CUSTOMER, Some("r-1")));
    assert_eq!(again.status, 200, "{}", again.text());
    let keys = sim.admin("GET", "/_sim/dedupe", None).json();
    assert_eq!(keys["keys"][0]["createCalls"], 2);
    assert_eq!(keys["keys"][0]["requestsStored"], 1);
    // Faults were carried over.
    assert_eq!(sim.admin("GET", "/_sim/faults", None).json()["faults"][0]["remaining"], 3);
}

#[test]
fn restart_refuses_connections_during_the_downtime() {
    let sim = Sim::start();
    let addr = sim.addr();
    std::thread::scope(|s| {
        s.spawn(|| sim.h.restart(Duration::from_millis(400)).unwrap());
        std::thread::sleep(Duration::from_millis(150));
        let e = TcpStream::connect(addr).expect_err("nothing listens during the downtime");
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
    });
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
}

#[test]
fn state_file_survives_a_new_process_on_the_same_file() {
    let dir = std::env::temp_dir().join(format!("altinn-sim-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let options = SimOptions::default().with_admin(true).with_state_file(Some(&file));

    let (addr, token, id) = {
        let sim = Sim::with(options.clone());
        let token = sim.rw();
        let r = sim.post(&create_path(), &token, &std_body(CUSTOMER, Some("persist-1")));
        assert_eq!(r.status, 201);
        let id = r.json()["id"].as_str().unwrap().to_string();
        assert_eq!(sim.approve(&id).status, 200);
        sim.h.advance_clock(Duration::from_secs(86_400));
        (sim.addr(), token, id)
    };
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&id) && text.contains("persist-1"), "{text}");

    // A new simulator (as after a process restart) on the same file and port.
    let sim = Sim { h: Simulator::start(options.with_listen(addr)).unwrap() };
    let r = sim.get(&format!("{API}/systemuser/request/vendor/{id}"), &token);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "Accepted");
    let users = sim.admin("GET", "/_sim/systemusers", None).json();
    assert_eq!(users["systemUsers"].as_array().unwrap().len(), 1);
    // The system user still blocks the key (rule 3), so the counters and users came back.
    assert_eq!(sim.post(&create_path(), &token, &std_body(CUSTOMER, Some("persist-1"))).status, 400);
    assert!(sim.admin("GET", "/_sim/clock", None).json()["offsetSeconds"].as_i64().unwrap() >= 86_400);
    drop(sim);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_corrupt_state_file_is_refused_without_showing_it() {
    let file = std::env::temp_dir().join(format!("altinn-sim-bad-state-{}.json", std::process::id()));
    std::fs::write(&file, "{\"version\": 1, \"tokenKey\": \"SECRETISH\"").unwrap();
    let err = Simulator::start(SimOptions::default().with_state_file(Some(&file))).unwrap_err().to_string();
    std::fs::remove_file(&file).ok();
    assert!(err.contains("state file") && !err.contains("SECRETISH"), "{err}");
}
