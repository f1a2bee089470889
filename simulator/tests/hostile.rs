//! The hostile-server faults over real HTTP on loopback, checked on the wire: 429 with both
//! `Retry-After` forms, a gzip bomb, huge, endless and slow bodies, a head that never ends, page
//! tokens that never end a listing, an echoed secret, answers to another question. A bomb, huge
//! or endless body is read only up to a bounded prefix, then the connection is closed.

mod common;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use altinn_sim::{FaultKind, FaultSpec, MismatchField, RetryAfterForm};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use serde_json::{json, Value};

fn create_path() -> String {
    format!("{API}/systemuser/request/vendor")
}

fn system_path() -> String {
    format!("{API}/systemregister/vendor/{STD_SYSTEM}")
}

fn arm(sim: &Sim, spec: Value) {
    let r = sim.admin("POST", "/_sim/faults", Some(&spec));
    assert_eq!(r.status, 201, "{spec}: {}", r.text());
}

fn stored_requests(sim: &Sim) -> usize {
    sim.admin("GET", "/_sim/requests", None).json()["requests"].as_array().unwrap().len()
}

/// The call log's entries of one fault.
fn calls_of(sim: &Sim, fault: &str) -> Vec<Value> {
    let calls = sim.admin("GET", "/_sim/calls", None).json();
    calls["calls"].as_array().unwrap().iter().filter(|c| c["fault"] == fault).cloned().collect()
}

/// Opens a create call and reads its head.
fn open_create(sim: &Sim) -> (TcpStream, String, Vec<u8>) {
    let body = serde_json::to_vec(&std_body(CUSTOMER, None)).unwrap();
    open(sim.addr(), &request_head("POST", &create_path(), &sim.rw(), body.len()), &body)
}

/// Everything that arrives on `s` within `window`.
fn read_for(s: &mut TcpStream, window: Duration) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let (start, mut got, mut chunk) = (Instant::now(), Vec::new(), [0u8; 1024]);
    while start.elapsed() < window {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
    }
    got
}

#[test]
fn gzip_bomb_is_two_megabytes_of_gzip_that_inflate_to_2_gib_without_the_route_work() {
    let sim = Sim::start();
    arm(&sim, json!({"route": "create_request", "kind": "gzip_bomb", "count": 2}));
    for _ in 0..2 {
        let started = Instant::now();
        let (mut s, head, mut gz) = open_create(&sim);
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head_value(&head, "content-type").is_some_and(|t| t.starts_with("application/json")), "{head}");
        assert_eq!(head_value(&head, "content-encoding"), Some("gzip"));
        let len: usize = head_value(&head, "content-length").unwrap().parse().unwrap();
        assert!((1_500_000..3_000_000).contains(&len), "{len}");
        // The compressed bytes are small: read them whole.
        read_at_least(&mut s, &mut gz, len);
        assert_eq!(gz.len(), len);
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(gz[..3], [0x1f, 0x8b, 8]);
        assert_eq!(u32::from_le_bytes(gz[len - 4..].try_into().unwrap()), 1 << 31, "ISIZE: 2 GiB mod 2^32");
        // Inflate a bounded prefix only: 8 MiB of zeros.
        let mut out = vec![1u8; 8 << 20];
        flate2::read::GzDecoder::new(gz.as_slice()).read_exact(&mut out).unwrap();
        assert!(out.iter().all(|b| *b == 0));
    }
    assert_eq!(stored_requests(&sim), 0, "no route work");
    let calls = calls_of(&sim, "gzip_bomb");
    assert_eq!(calls.len(), 2);
    assert_eq!((calls[0]["route"].clone(), calls[0]["status"].clone()), (json!("create_request"), json!(200)));
}

#[test]
fn gzip_bomb_inflates_to_exactly_expand_bytes() {
    let sim = Sim::start();
    let expand = (3u64 << 20) + 7;
    sim.h.arm_fault(FaultSpec::new("get_registered_system", FaultKind::GzipBomb).expand_bytes(expand)).unwrap();
    let r = sim.get(&system_path(), &sim.token(&[REGISTER]));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    // The decoder checks the trailer's CRC and length.
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(r.body.as_slice()).read_to_end(&mut out).unwrap();
    assert_eq!(out.len() as u64, expand);
    assert!(out.iter().all(|b| *b == 0));
}

#[test]
fn huge_body_declares_100_mb_and_streams_them() {
    let sim = Sim::start();
    arm(&sim, json!({"route": "create_request", "kind": "huge_body"}));
    let (mut s, head, mut body) = open_create(&sim);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(head_value(&head, "content-length"), Some("100000000"));
    assert!(head_value(&head, "content-type").is_some_and(|t| t.starts_with("application/json")));
    read_at_least(&mut s, &mut body, 1 << 20);
    assert!(body.starts_with(b"{\"data\":[   "), "{:?}", String::from_utf8_lossy(&body[..20]));
    assert!(body[9..].iter().all(|b| *b == b' '));
    drop(s);
    assert_eq!(stored_requests(&sim), 0, "no route work");
    assert_eq!(calls_of(&sim, "huge_body").len(), 1);
    // A small one read whole is exactly `sizeBytes` of valid JSON; the simulator goes on serving.
    arm(&sim, json!({"route": "get_registered_system", "kind": "huge_body", "sizeBytes": 70_000}));
    let r = sim.get(&system_path(), &sim.token(&[REGISTER]));
    assert_eq!(r.body.len(), 70_000);
    assert_eq!(r.json(), json!({"data": []}));
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
}

#[test]
fn endless_body_is_chunked_and_never_ends() {
    let sim = Sim::start();
    sim.h.arm_fault(FaultSpec::new("*", FaultKind::EndlessBody)).unwrap();
    let (mut s, head, mut raw) = open(sim.addr(), &request_head("GET", &system_path(), &sim.token(&[REGISTER]), 0), b"");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(head_value(&head, "transfer-encoding"), Some("chunked"));
    assert_eq!(head_value(&head, "content-length"), None);
    let started = Instant::now();
    read_at_least(&mut s, &mut raw, 16 << 20);
    assert!(raw.len() >= 16 << 20, "the stream ended after {} bytes", raw.len());
    assert!(started.elapsed() < Duration::from_secs(20));
    let text = String::from_utf8_lossy(&raw[..64]);
    assert!(text.contains("{\"data\":["), "{text}");
    assert!(!raw.windows(5).any(|w| w == b"\r\n0\r\n"), "no last chunk");
    drop(s);
    // The client went away; the simulator serves the next call.
    assert_eq!(sim.get(&system_path(), &sim.token(&[REGISTER])).status, 200);
    assert_eq!(calls_of(&sim, "endless_body").len(), 1);
}

#[test]
fn slow_headers_sends_the_status_line_then_one_header_byte_per_interval() {
    let sim = Sim::start();
    arm(&sim, json!({"route": "*", "kind": "slow_headers", "intervalMs": 400}));
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    write!(s, "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n", system_path(), sim.token(&[REGISTER])).unwrap();
    let first = read_for(&mut s, Duration::from_millis(100));
    assert_eq!(first, b"HTTP/1.1 200 OK\r\n", "the status line at once");
    let more = read_for(&mut s, Duration::from_millis(1600));
    assert!((3..=5).contains(&more.len()), "about one byte per 400 ms, got {:?}", String::from_utf8_lossy(&more));
    assert!(!more.contains(&b'\n'), "the head never ends");
    assert!(b"x-sim-slow-header: ".starts_with(&more));
    drop(s);
    let calls = calls_of(&sim, "slow_headers");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["route"], "get_registered_system");
}

#[test]
fn slow_headers_on_one_route_lets_other_connections_through_untouched() {
    let sim = Sim::start();
    sim.h.arm_fault(FaultSpec::new("get_registered_system", FaultKind::SlowHeaders).interval_ms(50)).unwrap();
    // Other routes are read by hand first, then handed on whole: a POST with its body works.
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
    assert_eq!(sim.admin("GET", "/_sim/faults", None).json()["faults"][0]["remaining"], 1);
    let t = sim.token(&[REGISTER]);
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    write!(s, "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t}\r\n\r\n", system_path()).unwrap();
    let got = read_for(&mut s, Duration::from_millis(400));
    assert!(got.starts_with(b"HTTP/1.1 200 OK\r\nx-sim"), "{:?}", String::from_utf8_lossy(&got));
    assert!(!got.ends_with(b"\r\n"));
    drop(s);
    // Used up: the route answers normally again.
    assert_eq!(sim.get(&system_path(), &t).status, 200);
}

#[test]
fn slow_body_sends_the_head_at_once_then_one_byte_per_interval() {
    let sim = Sim::start();
    sim.h.arm_fault(FaultSpec::new("create_request", FaultKind::SlowBody).interval_ms(200)).unwrap();
    let started = Instant::now();
    let (mut s, head, body) = open_create(&sim);
    assert!(started.elapsed() < Duration::from_millis(150), "{:?}", started.elapsed());
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(head_value(&head, "content-length"), Some("22"));
    assert!(body.is_empty());
    let got = read_for(&mut s, Duration::from_millis(1100));
    assert!((3..=7).contains(&got.len()), "about one byte per 200 ms, got {}", got.len());
    assert!(br#"{"links":{},"data":[]}"#.starts_with(&got));
    drop(s);
    // Read whole (fast), it is a small valid JSON page; no route work.
    sim.h.arm_fault(FaultSpec::new("create_request", FaultKind::SlowBody).interval_ms(5)).unwrap();
    let r = sim.create(&std_body(CUSTOMER, None));
    assert_eq!(r.json(), json!({"links": {}, "data": []}));
    assert_eq!(stored_requests(&sim), 0);
    assert_eq!(calls_of(&sim, "slow_body").len(), 2);
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn parse_http_date(s: &str) -> i64 {
    let p: Vec<&str> = s.split(' ').collect();
    assert_eq!((p.len(), p[5]), (6, "GMT"), "{s}");
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = months.iter().position(|x| *x == p[2]).unwrap() as i64 + 1;
    let (d, y): (i64, i64) = (p[1].parse().unwrap(), p[3].parse().unwrap());
    let t: Vec<i64> = p[4].split(':').map(|x| x.parse().unwrap()).collect();
    // Days from civil (H. Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]
}

#[test]
fn status_429_says_when_to_retry_in_seconds_or_as_a_date() {
    let sim = Sim::start();
    arm(&sim, json!({"route": "create_request", "kind": "status_429"}));
    let r = sim.create(&std_body(CUSTOMER, None));
    r.assert_empty(429);
    assert_eq!(r.header("retry-after"), Some("1"), "the default");
    arm(&sim, json!({"route": "create_request", "kind": "status429", "retryAfterSecs": 7, "retryAfterForm": "seconds"}));
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).header("retry-after"), Some("7"));
    // The date is real time (as the `Date` header), not the data clock: a jump of 181 days
    // does not move it.
    sim.h.advance_clock(Duration::from_secs(181 * 86_400));
    sim.h.arm_fault(FaultSpec::new("create_request", FaultKind::Status429).retry_after(30, RetryAfterForm::Date)).unwrap();
    let r = sim.create(&std_body(CUSTOMER, None));
    assert_eq!(r.status, 429);
    let at = parse_http_date(r.header("retry-after").unwrap());
    let date = parse_http_date(r.header("date").unwrap());
    assert!((29..=31).contains(&(at - date)), "{at} - {date}");
    assert!((at - now() - 30).abs() <= 2);
    assert_eq!(stored_requests(&sim), 0, "no route work");
    assert_eq!(calls_of(&sim, "status_429").len(), 3);
    // 503 takes the date form too.
    arm(&sim, json!({"route": "create_request", "kind": "status_503", "retryAfterSecs": 5, "retryAfterForm": "date"}));
    let r = sim.create(&std_body(CUSTOMER, None));
    r.assert_empty(503);
    assert!((parse_http_date(r.header("retry-after").unwrap()) - now() - 5).abs() <= 2);
}

#[test]
fn fresh_page_token_hands_out_a_new_next_link_on_every_page() {
    let sim = Sim::start();
    for i in 0..3 {
        assert_eq!(sim.create(&std_body(CUSTOMER, Some(&format!("page-{i}")))).status, 201);
    }
    let t = sim.token(&[READ]);
    let first = format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}");
    assert_eq!(sim.get(&first, &t).json()["links"], json!({}), "one page without the fault");
    arm(&sim, json!({"route": "list_requests", "kind": "fresh_page_token", "count": 1000}));
    let origin = format!("http://{}", sim.addr());
    let (mut path, mut tokens) = (first.clone(), HashSet::new());
    for page in 0..8 {
        let v = sim.get(&path, &t).json();
        if page == 0 {
            assert_eq!(v["data"].as_array().unwrap().len(), 3, "the real page");
        }
        let next = v["links"]["next"].as_str().unwrap_or_else(|| panic!("no next: {v}"));
        let token = next.strip_prefix(&format!("{origin}{first}?token=")).unwrap_or_else(|| panic!("{next}"));
        // Well-formed for the route (`Opaque<Guid>`), so following it gives a real page again.
        let decoded: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token).unwrap()).unwrap();
        assert_eq!(decoded.as_str().unwrap().len(), 36, "{decoded}");
        assert!(tokens.insert(token.to_string()), "a new token every time");
        path = next.trim_start_matches(&origin).to_string();
    }
    assert_eq!(calls_of(&sim, "fresh_page_token").len(), 8);
    // System users: `Opaque<long>`.
    let id = sim.create(&std_body(CUSTOMER2, None)).json()["id"].as_str().unwrap().to_string();
    assert_eq!(sim.approve(&id).status, 200);
    sim.h.arm_fault(FaultSpec::new("list_system_users", FaultKind::FreshPageToken)).unwrap();
    let v = sim.get(&format!("{API}/systemuser/vendor/bysystem/{STD_SYSTEM}"), &sim.token(&[REGISTER])).json();
    assert_eq!(v["data"][0]["id"], id.as_str());
    let next = v["links"]["next"].as_str().unwrap();
    let token = next.split("?token=").nth(1).unwrap();
    let decoded: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token).unwrap()).unwrap();
    assert!(decoded.is_u64(), "{decoded}");
}

#[test]
fn echo_token_quotes_the_bearer_token_in_every_member_without_the_route_work() {
    let sim = Sim::start();
    arm(&sim, json!({"route": "create_request", "kind": "echo_token"}));
    let token = sim.rw();
    let r = sim.post(&create_path(), &token, &std_body(CUSTOMER, None));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.header("content-type").is_some_and(|t| t.starts_with("application/problem+json")));
    let v = r.json();
    let whole = format!("Bearer {token}");
    let has = |member: &Value, s: &str| member.as_str().is_some_and(|m| m.contains(s));
    assert!(has(&v["title"], &whole), "{v}");
    assert!(has(&v["detail"], &token) && !has(&v["detail"], "Bearer"), "{v}");
    assert_eq!(v["echo"], whole.as_str());
    assert!(has(&v["validationErrors"][0]["title"], &whole));
    assert!(has(&v["validationErrors"][0]["detail"], &token));
    assert!(has(&v["errors"]["Authorization"][0], &whole));
    assert_eq!(v["errors"]["token"][0], token.as_str());
    assert_eq!(stored_requests(&sim), 0, "no route work");
    // The simulator's own call log never shows it.
    let log = sim.admin("GET", "/_sim/calls", None).text();
    assert!(log.contains("echo_token") && !log.contains(&token), "{log}");
}

#[test]
fn echo_token_on_maskinporten_quotes_the_assertion() {
    let sim = Sim::start();
    sim.h.arm_fault(FaultSpec::new("maskinporten_token", FaultKind::EchoToken)).unwrap();
    let assertion = sign(&test_key(), &good_header(), &good_claims(&sim, READ));
    let r = grant(&sim, &assertion);
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["error"], "invalid_grant");
    assert!(v["error_description"].as_str().unwrap().contains(&assertion), "{v}");
    // No route work: the assertion's jti was never used.
    assert_eq!(grant(&sim, &assertion).status, 200);
}

#[test]
fn mismatch_answers_another_question_after_doing_the_work() {
    let sim = Sim::start();
    let id = sim.create(&std_body(CUSTOMER, Some("m-1"))).json()["id"].as_str().unwrap().to_string();
    let t = sim.token(&[READ, WRITE, REGISTER]);
    let get = || sim.get(&format!("{API}/systemuser/request/vendor/{id}"), &t);
    let real = get().json();
    let cases = [
        (MismatchField::Id, "id"),
        (MismatchField::SystemId, "systemId"),
        (MismatchField::PartyOrgNo, "partyOrgNo"),
        (MismatchField::ExternalRef, "externalRef"),
    ];
    for (field, member) in cases {
        sim.h.arm_fault(FaultSpec::new("get_request", FaultKind::Mismatch).field(field)).unwrap();
        let r = get();
        assert!(r.text().starts_with("{\"id\":"), "member order kept: {}", r.text());
        let v = r.json();
        assert_ne!(v[member], real[member], "{member}");
        for other in ["id", "systemId", "partyOrgNo", "externalRef", "status"].into_iter().filter(|m| *m != member) {
            assert_eq!(v[other], real[other], "{member}: {other}");
        }
        match member {
            "id" => assert_eq!(v["id"].as_str().unwrap().len(), 36),
            "systemId" => assert_eq!(v["systemId"], "991825827_othersystem"),
            "partyOrgNo" => assert_eq!(v["partyOrgNo"], "313367002"),
            _ => assert_eq!(v["externalRef"], "other-ref"),
        }
    }
    // Kind: a standard answer loses `rights`, an agent answer gains it.
    arm(&sim, json!({"route": "get_request", "kind": "mismatch", "field": "kind"}));
    assert!(real["rights"].is_array() && get().json().get("rights").is_none());
    let agent_id = sim.create_agent(&agent_body(CUSTOMER, None)).json()["id"].as_str().unwrap().to_string();
    arm(&sim, json!({"route": "get_agent_request", "kind": "mismatch", "field": "kind"}));
    let v = sim.get(&format!("{API}/systemuser/request/vendor/agent/{agent_id}"), &t).json();
    assert_eq!(v["rights"][0]["resource"][0]["value"], "x");
    // Every item of a page.
    sim.create(&std_body(CUSTOMER2, None));
    arm(&sim, json!({"route": "list_requests", "kind": "mismatch", "field": "partyOrgNo"}));
    let v = sim.get(&format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"), &t).json();
    let items = v["data"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["partyOrgNo"] == "313367002"), "{v}");
    // System users: `reporteeOrgNo`, and the kind flips `userType`.
    assert_eq!(sim.approve(&id).status, 200);
    let query = format!("{API}/systemuser/vendor/byquery?system-id={STD_SYSTEM}&orgno={CUSTOMER}&external-ref=m-1");
    arm(&sim, json!({"route": "get_system_user_by_query", "kind": "mismatch", "field": "partyOrgNo"}));
    assert_eq!(sim.get(&query, &t).json()["reporteeOrgNo"], "313367002");
    arm(&sim, json!({"route": "get_system_user_by_query", "kind": "mismatch", "field": "kind"}));
    assert_eq!(sim.get(&query, &t).json()["userType"], "agent");
    // A create does its work: stored under the real id, answered with another.
    arm(&sim, json!({"route": "create_request", "kind": "mismatch", "field": "id"}));
    let r = sim.create(&std_body(CUSTOMER, Some("m-2")));
    assert_eq!(r.status, 201);
    let requests = sim.admin("GET", "/_sim/requests", None).json();
    let stored = requests["requests"].as_array().unwrap().iter().find(|q| q["externalRef"] == "m-2").expect("stored")["id"].clone();
    assert_ne!(r.json()["id"], stored);
    assert_eq!(calls_of(&sim, "mismatch").len(), 10);
}

#[test]
fn hostile_specs_are_validated() {
    let sim = Sim::start();
    for bad in [
        json!({"route": "*", "kind": "mismatch"}),
        json!({"route": "*", "kind": "mismatch", "field": "nope"}),
        json!({"route": "*", "kind": "status500", "field": "id"}),
        json!({"route": "*", "kind": "slow_body", "intervalMs": 0}),
        json!({"route": "*", "kind": "slow_headers", "intervalMs": 60_001}),
        json!({"route": "*", "kind": "delay", "intervalMs": 5}),
        json!({"route": "*", "kind": "gzip_bomb", "expandBytes": 0}),
        json!({"route": "*", "kind": "huge_body", "sizeBytes": 10}),
        json!({"route": "*", "kind": "huge_body", "expandBytes": 10}),
        json!({"route": "*", "kind": "status503", "retryAfterForm": "date"}),
        json!({"route": "*", "kind": "status429", "retryAfterForm": "weeks"}),
        json!({"route": "*", "kind": "conflict", "retryAfterForm": "date", "retryAfterSecs": 1}),
        json!({"route": "get_request", "kind": "fresh_page_token"}),
        json!({"route": "delete_request", "kind": "mismatch", "field": "id"}),
        json!({"route": "maskinporten_token", "kind": "mismatch", "field": "id"}),
    ] {
        let r = sim.admin("POST", "/_sim/faults", Some(&bad));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(r.json()["error"].is_string());
    }
    assert!(sim.h.arm_fault(FaultSpec::new("*", FaultKind::Mismatch)).is_err());
    assert_eq!(sim.admin("GET", "/_sim/faults", None).json()["faults"], json!([]));
    // Both spellings of the status kinds; the listing shows the new fields when given.
    arm(&sim, json!({"route": "*", "kind": "status_429", "retryAfterSecs": 2, "retryAfterForm": "date"}));
    arm(&sim, json!({"route": "*", "kind": "slow_body", "intervalMs": 10}));
    arm(&sim, json!({"route": "*", "kind": "mismatch", "field": "externalRef"}));
    let faults = sim.admin("GET", "/_sim/faults", None).json()["faults"].clone();
    assert_eq!((faults[0]["kind"].clone(), faults[0]["retryAfterForm"].clone()), (json!("status429"), json!("date")));
    assert_eq!(faults[1]["intervalMs"], 10);
    assert_eq!(faults[2]["field"], "externalRef");
    assert!(faults[0].get("field").is_none());
}
