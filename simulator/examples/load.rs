//! Does the simulator hold 100,000 requests without slowing down per call? Fills it over
//! loopback HTTP (one standard request per synthetic customer, each approved, so each has a
//! system user) to 1,000, 10,000 and 100,000 requests, and at each level times, one call at a
//! time on one keep-alive connection: `create_request` (new customers), `get_request`, a page of
//! the system's request list (starting after an id spread over the whole list) and the vendor's
//! system user lookup (`byquery`), each over ids spread evenly over what is stored. Latency 0,
//! no throttle. Prints a markdown table of the median and p99 in microseconds; asserts only
//! that the calls succeed, never a time.
//!
//! ```text
//! cargo run --release -p altinn-sim --example load [-- --samples 1000] [--connections 4]
//! ```

#[path = "../tests/loadgen/mod.rs"]
mod loadgen;

use std::time::{Duration, Instant};

use altinn_sim::{synthetic_org_no, SimOptions, Simulator};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use loadgen::{quantile_us, Conn, API, SYSTEM};

const READ: &str = "altinn:authentication/systemuser.request.read";
const WRITE: &str = "altinn:authentication/systemuser.request.write";
const LEVELS: [usize; 3] = [1_000, 10_000, 100_000];

/// Times `samples` calls, the i-th one being `call(i)`, which must answer `status`; returns the
/// times and the `id` of each answer.
fn timed(
    conn: &mut Conn,
    token: &str,
    samples: usize,
    status: u16,
    call: impl Fn(usize) -> (&'static str, String, Option<Vec<u8>>),
) -> (Vec<Duration>, Vec<String>) {
    (0..samples)
        .map(|i| {
            let (method, path, body) = call(i);
            let t = Instant::now();
            let a = conn.call(method, &path, token, body.as_deref()).expect("call");
            let took = t.elapsed();
            assert_eq!(a.status, status, "{method} {path}: {}", String::from_utf8_lossy(&a.body));
            (took, a.json()["id"].as_str().unwrap_or_default().to_string())
        })
        .unzip()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |name: &str, default: usize| {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map_or(default, |v| v.parse().expect("a number"))
    };
    let samples = number("--samples", 1000).max(1);
    let connections = number("--connections", 4);
    let total = LEVELS[LEVELS.len() - 1] + LEVELS.len() * samples;
    let sim = Simulator::start(
        SimOptions::default().with_admin(true).with_synthetic_customers(u32::try_from(total).expect("customers")).with_latency(0, 0),
    )
    .expect("start the simulator");
    let addr = sim.addr();
    let token = sim.mint_token("314248295", &[READ, WRITE]);
    let customers: Vec<String> = (0..total as u32).map(synthetic_org_no).collect();
    // Customers with a request, in creation order, and their requests' ids.
    let (mut used, mut ids): (usize, Vec<String>) = (0, Vec::with_capacity(total));
    let mut conn = Conn::new(addr);
    let mut rows = Vec::new();
    let started = Instant::now();
    for level in LEVELS {
        let fill = level.saturating_sub(ids.len());
        for c in loadgen::create_all(addr, &token, &customers[used..used + fill], connections) {
            assert_eq!(c.status, 201);
            sim.approve(&c.id).expect("approve");
            ids.push(c.id);
        }
        used += fill;
        let stored = ids.len();
        let spread = |i: usize| i * stored / samples;
        let (get, _) =
            timed(&mut conn, &token, samples, 200, |i| ("GET", format!("{API}/systemuser/request/vendor/{}", ids[spread(i)]), None));
        let (page, _) = timed(&mut conn, &token, samples, 200, |i| {
            let after = URL_SAFE_NO_PAD.encode(format!("\"{}\"", ids[spread(i)]));
            ("GET", format!("{API}/systemuser/request/vendor/bysystem/{SYSTEM}?token={after}"), None)
        });
        let (by_query, _) = timed(&mut conn, &token, samples, 200, |i| {
            let c = &customers[spread(i)];
            ("GET", format!("{API}/systemuser/vendor/byquery?system-id={SYSTEM}&orgno={c}&external-ref=load-{c}"), None)
        });
        let fresh = &customers[used..used + samples];
        let (create, new_ids) = timed(&mut conn, &token, samples, 201, |i| {
            ("POST", format!("{API}/systemuser/request/vendor"), Some(loadgen::create_body(&fresh[i])))
        });
        for id in &new_ids {
            sim.approve(id).expect("approve");
        }
        // The new requests stay: the next level's fill counts them.
        ids.extend(new_ids);
        used += samples;
        rows.push((stored, [create, get, page, by_query]));
    }
    println!("altinn-sim load: {samples} calls of each kind per level, one keep-alive connection, latency 0; filled over {connections} connections");
    println!();
    println!("| requests stored | create_request p50 / p99 µs | get_request p50 / p99 µs | list page p50 / p99 µs | systemuser byquery p50 / p99 µs |");
    println!("|---:|---:|---:|---:|---:|");
    for (stored, times) in &rows {
        let cells: Vec<String> = times.iter().map(|t| format!("{} / {}", quantile_us(t, 0.5), quantile_us(t, 0.99))).collect();
        println!("| {stored} | {} |", cells.join(" | "));
    }
    println!();
    println!("whole run: {:.1} s", started.elapsed().as_secs_f64());
}
