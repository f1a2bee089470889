//! Measures the simulator at scale over loopback HTTP: creates N standard requests (one per
//! synthetic customer) over C keep-alive connections, then reads every page of the system's
//! request list (50 a page, the lossy quirk on), looks requests up by external ref and posts
//! some again (the dedupe). Prints per-call p50/p99 for the first and the last 1,000 creates and
//! the other figures; asserts only correctness.
//!
//! ```text
//! cargo run --release -p altinn-sim --example load -- [--requests 100000] [--connections 16]
//!     [--latency MS] [--state FILE] [--call-log-limit N]
//! ```

#[path = "../tests/loadgen/mod.rs"]
mod loadgen;

use std::time::{Duration, Instant};

use altinn_sim::{synthetic_org_no, SimOptions, Simulator};
use loadgen::{p50_p99, quantile_ms};

const READ: &str = "altinn:authentication/systemuser.request.read";
const WRITE: &str = "altinn:authentication/systemuser.request.write";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let number = |name: &str, default: usize| arg(name).map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name} {v}: a number")));
    let n = number("--requests", 100_000);
    let connections = number("--connections", 16);
    let latency = number("--latency", 0) as u64;
    let state = arg("--state");
    let mut options = SimOptions::default()
        .with_admin(true)
        .with_synthetic_customers(u32::try_from(n).expect("requests"))
        .with_latency(latency, 0)
        .with_state_file(state.as_deref());
    if let Some(limit) = arg("--call-log-limit") {
        options = options.with_call_log_limit(limit.parse().expect("--call-log-limit N"));
    }
    if let Some(s) = &state {
        let _ = std::fs::remove_file(s);
        let _ = std::fs::remove_file(format!("{s}.journal"));
    }
    let sim = Simulator::start(options).expect("start the simulator");
    let addr = sim.addr();
    let token = sim.mint_token("314248295", &[READ, WRITE]);
    let customers: Vec<String> = (0..n as u32).map(synthetic_org_no).collect();

    println!(
        "altinn-sim load: {n} requests, {connections} connections, latency {latency} ms, state file {}",
        state.as_deref().unwrap_or("none")
    );
    let t = Instant::now();
    let created = loadgen::create_all(addr, &token, &customers, connections);
    let create_wall = t.elapsed();
    assert!(created.iter().all(|c| c.status == 201), "every create answers 201");
    let ids: std::collections::HashSet<&str> = created.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), n, "every request has an id of its own");
    let window = 1000.min(n);
    let first: Vec<Duration> = created[..window].iter().map(|c| c.took).collect();
    let last: Vec<Duration> = created[n - window..].iter().map(|c| c.took).collect();

    let listing = loadgen::list_all(addr, &token, loadgen::SYSTEM);
    let seen = loadgen::check_lossy_listing(&listing, &created, 50);

    let sample: Vec<String> = customers[n - window..].to_vec();
    let lookups = loadgen::lookups(addr, &token, &sample);
    let repeats = loadgen::repeats(addr, &token, &sample);

    let t = Instant::now();
    let mut conn = loadgen::Conn::new(addr);
    let calls = conn.call("GET", "/_sim/calls", "", None).expect("call log").json();
    let calls_took = t.elapsed();
    assert_eq!(calls["counts"]["create_request"]["201"], n as u64);

    println!();
    println!("| what | calls | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    let row = |what: &str, times: &[Duration]| {
        let s = p50_p99(times);
        let (p50, p99) = s.split_at(8);
        println!("| {what} | {} | {} | {} | {:.3} |", times.len(), p50.trim(), p99.trim(), quantile_ms(times, 1.0));
    };
    row(&format!("create, first {window}"), &first);
    row(&format!("create, last {window}"), &last);
    row(&format!("list page (of {} pages)", listing.pages.len()), &listing.page_times);
    row(&format!("get by external ref, last {window}"), &lookups);
    row(&format!("create again (dedupe, 200), last {window}"), &repeats);
    println!();
    println!(
        "creates: {n} in {:.2} s ({:.0}/s); every page of the list: {} pages, {seen} items ({} lost at page boundaries, the quirk) in {:.3} s; \
         GET /_sim/calls ({} kept) {:.1} ms",
        create_wall.as_secs_f64(),
        n as f64 / create_wall.as_secs_f64(),
        listing.pages.len(),
        n - seen,
        listing.took.as_secs_f64(),
        calls["kept"],
        calls_took.as_secs_f64() * 1000.0,
    );
    println!("create p99 last/first: {:.2}", quantile_ms(&last, 0.99) / quantile_ms(&first, 0.99).max(0.001));
    drop(sim);
    if let Some(s) = &state {
        let size = std::fs::metadata(s).map(|m| m.len()).unwrap_or(0);
        println!("state file after stop: {:.1} MB", size as f64 / 1e6);
    }
}
