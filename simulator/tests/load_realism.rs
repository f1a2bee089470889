//! Realism for load runs (#20): latency per route (fixed plus seeded jitter), the token-bucket
//! throttle answering 429 with `Retry-After`, both from CLI flags and changed at run time through
//! `PUT /_sim/settings`; synthetic customers; the bounded call log; and a state of 100,000
//! requests paged through exactly once. Timing is only ever asserted as a lower bound.

mod common;
mod loadgen;

use std::collections::HashSet;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use altinn_sim::{RouteThrottle, SimOptions, Throttle};
use common::*;
use serde_json::{json, Value};

const REGISTERED: &str = "get_registered_system";

fn system_path() -> String {
    format!("{API}/systemregister/vendor/{STD_SYSTEM}")
}

/// One call of `get_registered_system`, answering 200 unless throttled.
fn get_system(sim: &Sim) -> Resp {
    sim.get(&system_path(), &sim.token(&[REGISTER]))
}

/// The `latencyMs` the call log shows for every kept call of `route`, oldest first.
fn latencies(sim: &Sim, route: &str) -> Vec<u64> {
    let v = sim.admin("GET", "/_sim/calls", None).json();
    v["calls"].as_array().unwrap().iter().filter(|c| c["route"] == route).map(|c| c["latencyMs"].as_u64().unwrap_or(0)).collect()
}

/// Asserts the throttle's 429: no body, an integer `Retry-After`; returns its seconds.
fn throttled(r: &Resp) -> u64 {
    r.assert_empty(429);
    let after = r.header("retry-after").expect("a 429 says when to come back");
    after.parse::<u64>().unwrap_or_else(|_| panic!("Retry-After {after:?} is not whole seconds"))
}

fn settings(sim: &Sim) -> Value {
    sim.admin("GET", "/_sim/settings", None).json()
}

#[test]
fn latency_applies_per_route_and_the_default_to_the_others() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_latency(60, 0).with_route_latency(REGISTERED, 150, 0));
    let t = Instant::now();
    assert_eq!(get_system(&sim).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150), "{:?}", t.elapsed());
    let t = Instant::now();
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
    assert!(t.elapsed() >= Duration::from_millis(60), "{:?}", t.elapsed());
    assert_eq!(latencies(&sim, REGISTERED), [150]);
    assert_eq!(latencies(&sim, "create_request"), [60]);
    // Admin routes are the test's, not Altinn's: no latency.
    let calls = sim.admin("GET", "/_sim/calls", None).json();
    assert!(calls["calls"].as_array().unwrap().iter().filter(|c| c["route"].is_null()).all(|c| c["latencyMs"].is_null()), "{calls}");

    // Changed at run time: the route's own value goes, the default applies to it.
    let s = sim.admin("PUT", "/_sim/settings", Some(&json!({"latency": {"fixedMs": 80}})));
    assert_eq!(s.status, 200, "{}", s.text());
    assert_eq!(s.json()["latency"], json!({"fixedMs": 80, "jitterMs": 0, "seed": null, "routes": {}}));
    let t = Instant::now();
    assert_eq!(get_system(&sim).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(80), "{:?}", t.elapsed());
    assert_eq!(latencies(&sim, REGISTERED), [150, 80]);
    // `null`: no latency at all.
    sim.admin("PUT", "/_sim/settings", Some(&json!({"latency": null})));
    assert_eq!(get_system(&sim).status, 200);
    assert_eq!(latencies(&sim, REGISTERED), [150, 80, 0]);
}

#[test]
fn jitter_draws_repeat_with_the_same_seed() {
    let draws = |sim: &Sim| {
        for _ in 0..6 {
            assert_eq!(get_system(sim).status, 200);
        }
        latencies(sim, REGISTERED)
    };
    let seeded = |seed| Sim::with(SimOptions::default().with_admin(true).with_latency(1, 40).with_latency_seed(Some(seed)));
    let (a, b, c) = (seeded(42), seeded(42), seeded(43));
    let first = draws(&a);
    assert_eq!(first.len(), 6);
    assert!(first.iter().all(|d| (1..=41).contains(d)), "{first:?}");
    assert_eq!(draws(&b), first, "the same seed draws the same");
    assert_ne!(draws(&c), first, "another seed draws otherwise");
    // A new latency setting restarts the draws: back to seed 42, the same sequence again.
    for seed in [7, 42] {
        let r = a.admin("PUT", "/_sim/settings", Some(&json!({"latency": {"fixedMs": 1, "jitterMs": 40, "seed": seed}})));
        assert_eq!(r.status, 200, "{}", r.text());
    }
    a.admin("DELETE", "/_sim/calls", None).assert_empty(204);
    assert_eq!(draws(&a), first);
}

#[test]
fn throttle_passes_the_burst_then_answers_429_until_refilled() {
    let throttle = Throttle { requests_per_second: Some(0.5), burst: Some(2), ..Throttle::default() };
    let sim = Sim::with(SimOptions::default().with_admin(true).with_throttle(Some(throttle)));
    assert_eq!(get_system(&sim).status, 200);
    // The bucket is shared by every Altinn route.
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
    let wait = throttled(&get_system(&sim));
    assert!((1..=2).contains(&wait), "one token takes 2 s at 0.5/s: {wait}");
    // A refused call does no work: the create is not made.
    throttled(&sim.create(&std_body(CUSTOMER2, None)));
    let calls = sim.admin("GET", "/_sim/calls", None).json();
    assert_eq!(calls["counts"]["create_request"], json!({"201": 1, "429": 1}), "{calls}");
    assert_eq!(calls["counts"][REGISTERED], json!({"200": 1, "429": 1}), "{calls}");
    assert!(calls["calls"].as_array().unwrap().iter().any(|c| c["status"] == 429 && c["fault"] == "throttle"), "{calls}");
    // Maskinporten is another service: the shared bucket does not cover it.
    for _ in 0..3 {
        let a = sign(&test_key(), &good_header(), &good_claims(&sim, WRITE));
        assert_eq!(grant(&sim, &a).status, 200);
    }
    sleep(Duration::from_secs(wait) + Duration::from_millis(100));
    assert_eq!(get_system(&sim).status, 200, "refilled after Retry-After");
    // The bucket holds at most the burst (2): within two more calls it is empty again.
    let again: Vec<u16> = (0..2).map(|_| get_system(&sim).status).collect();
    assert!(again.contains(&429), "{again:?}");
}

#[test]
fn route_throttle_has_a_bucket_of_its_own_and_a_fixed_retry_after() {
    let mut throttle = Throttle { retry_after_secs: Some(7), ..Throttle::default() };
    throttle.routes.insert(REGISTERED.into(), RouteThrottle { requests_per_second: 0.1, burst: Some(1) });
    let sim = Sim::with(SimOptions::default().with_admin(true).with_throttle(Some(throttle)));
    assert_eq!(get_system(&sim).status, 200);
    assert_eq!(throttled(&get_system(&sim)), 7);
    // No shared rate: every other route passes.
    for _ in 0..5 {
        assert_eq!(sim.get(&format!("{API}/systemregister/vendor"), &sim.token(&[REGISTER])).status, 200);
    }
    // Maskinporten throttled only with an entry of its own, set at run time.
    let r = sim.admin("PUT", "/_sim/settings", Some(&json!({"throttle": {"routes": {"maskinporten_token": {"requestsPerSecond": 0.1}}}})));
    assert_eq!(r.status, 200, "{}", r.text());
    let grant_now = || grant(&sim, &sign(&test_key(), &good_header(), &good_claims(&sim, WRITE)));
    assert_eq!(grant_now().status, 200);
    let wait = throttled(&grant_now());
    assert!((1..=10).contains(&wait), "{wait}");
    // The new setting dropped the old route's bucket: it passes again, once.
    assert_eq!(get_system(&sim).status, 200);
    assert_eq!(get_system(&sim).status, 200, "no longer throttled");
    // `null` switches the throttle off.
    sim.admin("PUT", "/_sim/settings", Some(&json!({"throttle": null})));
    assert_eq!(grant_now().status, 200);
    assert_eq!(settings(&sim)["throttle"], Value::Null);
}

#[test]
fn cli_flags_set_latency_throttle_synthetic_customers_and_call_log_limit() {
    let (mut child, line, _) = spawn_binary(&[
        "--listen",
        "127.0.0.1:0",
        "--admin",
        "--latency",
        "5+10",
        "--latency-seed",
        "9",
        "--route-latency",
        "get_request=150",
        "--throttle",
        "100/50",
        "--throttle-retry-after",
        "3",
        "--route-throttle",
        "create_request=2.5/4",
        "--synthetic-customers",
        "25",
        "--call-log-limit",
        "5",
    ]);
    let addr: std::net::SocketAddr = line.trim().trim_start_matches("listening on http://").parse().unwrap_or_else(|_| panic!("{line:?}"));
    let s = raw(addr, "GET", "/_sim/settings", &[], b"").unwrap().json();
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(s["latency"], json!({"fixedMs": 5, "jitterMs": 10, "seed": 9, "routes": {"get_request": {"fixedMs": 150, "jitterMs": 0}}}));
    assert_eq!(
        s["throttle"],
        json!({"requestsPerSecond": 100.0, "burst": 50, "retryAfterSecs": 3, "routes": {"create_request": {"requestsPerSecond": 2.5, "burst": 4}}})
    );
    assert_eq!(s["syntheticCustomers"], 25);
    assert_eq!(s["callLogLimit"], 5);

    for (args, says) in [
        (&["--latency", "abc"][..], "--latency abc"),
        (&["--route-latency", "nope=5"], "unknown route \"nope\""),
        (&["--route-latency", "get_request"], "ROUTE=VALUE"),
        (&["--latency", "600001"], "0..=600000"),
        (&["--throttle", "0"], "--throttle 0"),
        (&["--throttle", "5/0"], "--throttle 5/0"),
        (&["--route-throttle", "get_request=x"], "RPS"),
        (&["--throttle-retry-after", "0"], "seconds >= 1"),
        (&["--synthetic-customers", "1000001"], "syntheticCustomers must be 0..=1000000"),
        (&["--call-log-limit", "-1"], "--call-log-limit -1"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_altinn-sim")).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn settings_patch_refuses_invalid_values_and_changes_nothing() {
    let sim = Sim::start();
    let good = json!({
        "latency": {"fixedMs": 0, "jitterMs": 0, "routes": {"get_request": {"fixedMs": 1}}},
        "throttle": {"requestsPerSecond": 1000, "routes": {"create_request": {"requestsPerSecond": 500, "burst": 10}}},
        "syntheticCustomers": 3,
        "callLogLimit": 100,
    });
    let r = sim.admin("PUT", "/_sim/settings", Some(&good));
    assert_eq!(r.status, 200, "{}", r.text());
    let before = settings(&sim);
    assert_eq!(before["throttle"]["routes"]["create_request"], json!({"requestsPerSecond": 500.0, "burst": 10}));
    for (patch, says) in [
        (json!({"latency": {"routes": {"nope": {"fixedMs": 1}}}}), "unknown route \"nope\""),
        (json!({"latency": {"fixedMs": 600_001}}), "0..=600000"),
        (json!({"latency": {"fixed": 1}}), "unknown field `fixed`"),
        (json!({"latency": {"fixedMs": -1}}), "latency:"),
        (json!({"throttle": {"requestsPerSecond": 0}}), "requestsPerSecond must be a number > 0"),
        (json!({"throttle": {"requestsPerSecond": 1, "burst": 0}}), "burst must be at least 1"),
        (json!({"throttle": {"retryAfterSecs": 0}}), "retryAfterSecs must be 1..=86400"),
        (json!({"throttle": {"routes": {"nope": {"requestsPerSecond": 1}}}}), "unknown route \"nope\""),
        (json!({"syntheticCustomers": 1_000_001}), "syntheticCustomers must be 0..=1000000"),
        (json!({"syntheticCustomers": "many"}), "syntheticCustomers must be a number"),
        (json!({"callLogLimit": -5}), "callLogLimit must be a number"),
        // All or nothing: the good member of a bad patch is not applied either.
        (json!({"callLogLimit": 7, "throttle": {"requestsPerSecond": -1}}), "requestsPerSecond"),
    ] {
        let r = sim.admin("PUT", "/_sim/settings", Some(&patch));
        assert_eq!(r.status, 400, "{patch}: {}", r.text());
        let e = r.json()["error"].as_str().unwrap().to_string();
        assert!(e.contains(says), "{patch}: {e}");
        assert_eq!(settings(&sim), before, "{patch} changed nothing");
    }
}

/// API.md §7: weights 3,2,7,6,5,4,3,2; check = 0 if r = 0, else 11 − r; r = 1 is no number.
fn mod11_valid(org: &str) -> bool {
    let d: Vec<u32> = org.chars().filter_map(|c| c.to_digit(10)).collect();
    if org.len() != 9 || d.len() != 9 {
        return false;
    }
    let r = d.iter().zip([3, 2, 7, 6, 5, 4, 3, 2]).map(|(a, w)| a * w).sum::<u32>() % 11;
    match r {
        0 => d[8] == 0,
        1 => false,
        r => d[8] == 11 - r,
    }
}

#[test]
fn synthetic_customers_are_valid_customers_and_page_by_offset() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_synthetic_customers(2500));
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let v = sim.admin("GET", &format!("/_sim/syntheticcustomers?offset={offset}&limit=1000"), None).json();
        assert_eq!(v["total"], 2500);
        assert_eq!(v["offset"], offset);
        let page: Vec<String> = v["orgNos"].as_array().unwrap().iter().map(|o| o.as_str().unwrap().to_string()).collect();
        if page.is_empty() {
            break;
        }
        offset += page.len();
        all.extend(page);
    }
    assert_eq!(all.len(), 2500);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 2500, "distinct");
    assert!(all.iter().all(|o| mod11_valid(o)), "mod-11");
    assert_eq!(all, sim.h.synthetic_customers(), "the handle agrees");
    assert_eq!(all[0], altinn_sim::synthetic_org_no(0));
    // Defaults and bounds of the route.
    assert_eq!(sim.admin("GET", "/_sim/syntheticcustomers", None).json()["orgNos"].as_array().unwrap().len(), 1000);
    assert_eq!(sim.admin("GET", "/_sim/syntheticcustomers?limit=100001", None).status, 400);
    assert_eq!(sim.admin("GET", "/_sim/syntheticcustomers?offset=x", None).status, 400);

    // They are in the register: a standard request for the last one is created and its customer
    // can approve it; one past the count is not in the register (AUTH-00000).
    let last = &all[2499];
    let r = sim.create(&std_body(last, None));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["partyOrgNo"], last.as_str());
    assert_eq!(sim.approve(v["id"].as_str().unwrap()).status, 200);
    let beyond = altinn_sim::synthetic_org_no(2500);
    assert!(mod11_valid(&beyond));
    sim.create(&std_body(&beyond, None)).problem(400, "AUTH-00000");
    // More at run time.
    sim.admin("PUT", "/_sim/settings", Some(&json!({"syntheticCustomers": 2501})));
    assert_eq!(sim.create(&std_body(&beyond, None)).status, 201);
}

#[test]
fn call_log_stays_bounded_while_counts_stay_exact() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_call_log_limit(5));
    for _ in 0..20 {
        assert_eq!(get_system(&sim).status, 200);
    }
    for org in [CUSTOMER, CUSTOMER2, CUSTOMER] {
        assert!([200, 201].contains(&sim.create(&std_body(org, None)).status));
    }
    let v = sim.admin("GET", "/_sim/calls", None).json();
    assert_eq!(v["kept"], 5);
    assert_eq!(v["calls"].as_array().unwrap().len(), 5);
    assert_eq!(v["counts"][REGISTERED], json!({"200": 20}));
    assert_eq!(v["counts"]["create_request"], json!({"201": 2, "200": 1}));
    // The newest are kept, numbered in order.
    let seqs: Vec<u64> = v["calls"].as_array().unwrap().iter().map(|c| c["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    assert_eq!(v["calls"][4]["route"], "create_request");
    // 0 at run time: counts only.
    sim.admin("PUT", "/_sim/settings", Some(&json!({"callLogLimit": 0})));
    assert_eq!(get_system(&sim).status, 200);
    let v = sim.admin("GET", "/_sim/calls", None).json();
    assert_eq!(v["kept"], 0);
    assert_eq!(v["counts"][REGISTERED], json!({"200": 21}));
}

#[test]
fn a_state_of_100000_requests_pages_through_exactly_once() {
    const N: usize = 100_000;
    let sim = Sim::with(
        SimOptions::default().with_admin(true).with_synthetic_customers(N as u32).with_lossy_request_pages(false).with_call_log_limit(100),
    );
    let token = sim.token(&[READ, WRITE]);
    let created = loadgen::create_all(sim.addr(), &token, &sim.h.synthetic_customers(), 4);
    assert!(created.iter().all(|c| c.status == 201), "every create answers 201");
    let made: HashSet<&str> = created.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(made.len(), N);

    let pages = loadgen::list_all(sim.addr(), &token, STD_SYSTEM);
    let page_size = settings(&sim)["pageSize"].as_u64().unwrap() as usize;
    assert_eq!(pages.len(), N.div_ceil(page_size));
    let mut seen = HashSet::new();
    for id in pages.iter().flatten() {
        assert!(made.contains(id.as_str()), "{id} was never created");
        assert!(seen.insert(id.as_str()), "{id} listed twice");
    }
    assert_eq!(seen.len(), N, "every request listed");

    let last = &created[N - 1].id;
    let r = sim.get(&format!("{API}/systemuser/request/vendor/{last}"), &token);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["id"], last.as_str());
    let calls = sim.admin("GET", "/_sim/calls", None).json();
    assert_eq!(calls["counts"]["create_request"]["201"], N as u64);
    assert_eq!(calls["kept"], 100);
}
