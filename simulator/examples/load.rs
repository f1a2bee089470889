//! Does the simulator hold 100,000 requests without slowing down per call? Fills one simulator
//! per level over loopback HTTP (one standard request per synthetic customer, each approved, so
//! each has a system user) to 1,000, 10,000 and 100,000 requests, then times, one call at a time
//! on one keep-alive connection per simulator, the levels taking turns in small batches (so the
//! machine's other work falls on all of them alike): `create_request` (new customers), `get_request`, a page of
//! the system's request list (starting after an id spread over the whole list) and the vendor's
//! system user lookup (`byquery`), each over ids spread evenly over what is stored. Latency 0,
//! no throttle, no state file unless `--state FILE` (then persisted as `--state` does). Prints a
//! markdown table of the median and p99 in microseconds; asserts only that the calls succeed,
//! never a time.
//!
//! ```text
//! cargo run --release -p altinn-sim --example load [-- --samples 1000] [--connections 4] [--state FILE]
//! ```

#[path = "../tests/loadgen/mod.rs"]
mod loadgen;

use std::time::{Duration, Instant};

use altinn_sim::{SimHandle, SimOptions, Simulator};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use loadgen::{quantile_us, Conn, API, SYSTEM};

const READ: &str = "altinn:authentication/systemuser.request.read";
const WRITE: &str = "altinn:authentication/systemuser.request.write";
const LEVELS: [usize; 3] = [1_000, 10_000, 100_000];
/// Batches each level's calls are timed in, taking turns with the other levels.
const ROUNDS: usize = 100;

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

/// One simulator filled to its level, and what was timed on it.
struct Level {
    /// Held for its lifetime: dropping it stops the simulator.
    _sim: SimHandle,
    conn: Conn,
    token: String,
    customers: Vec<String>,
    /// The requests' ids, `ids[i]` being `customers[i]`'s.
    ids: Vec<String>,
    stored: usize,
    /// create_request, get_request, list page, systemuser byquery.
    times: [Vec<Duration>; 4],
}

impl Level {
    /// A simulator holding `stored` requests, one per synthetic customer, each approved.
    fn fill(stored: usize, samples: usize, connections: usize, state: Option<&str>) -> Self {
        let state = state.map(|s| format!("{s}.{stored}"));
        if let Some(s) = &state {
            // A fresh state: a file and its journal from an earlier run would be loaded.
            let _ = std::fs::remove_file(s);
            let _ = std::fs::remove_file(format!("{s}.journal"));
        }
        let options = SimOptions::default()
            .with_admin(true)
            .with_synthetic_customers(u32::try_from(stored + samples).expect("customers"))
            .with_latency(0, 0)
            .with_state_file(state.as_deref());
        let sim = Simulator::start(options).expect("start the simulator");
        let token = sim.mint_token("314248295", &[READ, WRITE]);
        let customers = sim.synthetic_customers();
        let ids: Vec<String> = loadgen::create_all(sim.addr(), &token, &customers[..stored], connections)
            .into_iter()
            .map(|c| {
                assert_eq!(c.status, 201);
                sim.approve(&c.id).expect("approve");
                c.id
            })
            .collect();
        let conn = Conn::new(sim.addr());
        Level { _sim: sim, conn, token, customers, ids, stored, times: Default::default() }
    }

    /// Times `n` calls of each kind, the `i`-th of each kind (from `from`) on the `i`-th of
    /// `samples` points spread evenly over the stored requests.
    fn measure(&mut self, from: usize, n: usize, samples: usize) {
        let Level { conn, token, customers, ids, stored, times, .. } = self;
        let spread = |i: usize| (from + i) * *stored / samples;
        let (get, _) = timed(conn, token, n, 200, |i| ("GET", format!("{API}/systemuser/request/vendor/{}", ids[spread(i)]), None));
        let (page, _) = timed(conn, token, n, 200, |i| {
            let after = URL_SAFE_NO_PAD.encode(format!("\"{}\"", ids[spread(i)]));
            ("GET", format!("{API}/systemuser/request/vendor/bysystem/{SYSTEM}?token={after}"), None)
        });
        let (by_query, _) = timed(conn, token, n, 200, |i| {
            let c = &customers[spread(i)];
            ("GET", format!("{API}/systemuser/vendor/byquery?system-id={SYSTEM}&orgno={c}&external-ref=load-{c}"), None)
        });
        // New customers' requests (left unapproved; not among the points spread over).
        let fresh = &customers[*stored + from..*stored + from + n];
        let (create, _) =
            timed(conn, token, n, 201, |i| ("POST", format!("{API}/systemuser/request/vendor"), Some(loadgen::create_body(&fresh[i]))));
        for (all, new) in times.iter_mut().zip([create, get, page, by_query]) {
            all.extend(new);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |name: &str, default: usize| {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map_or(default, |v| v.parse().expect("a number"))
    };
    let samples = number("--samples", 1000).max(ROUNDS);
    let connections = number("--connections", 4);
    let state = args.iter().position(|a| a == "--state").and_then(|i| args.get(i + 1)).cloned();
    let started = Instant::now();
    let mut levels: Vec<Level> = LEVELS.iter().map(|n| Level::fill(*n, samples, connections, state.as_deref())).collect();
    // Round-robin in small batches: whatever else the machine does meanwhile falls on every
    // level alike, so the levels compare within the run.
    let batch = samples / ROUNDS;
    for round in 0..ROUNDS {
        for level in &mut levels {
            level.measure(round * batch, batch, samples);
        }
    }
    println!(
        "altinn-sim load: {} calls of each kind per level, one simulator per level, measured round-robin in {ROUNDS} rounds on one \
         keep-alive connection each; latency 0; state file {}; filled over {connections} connections",
        batch * ROUNDS,
        state.as_deref().map_or("none".to_string(), |s| format!("{s}.<level>"))
    );
    println!();
    println!("| requests stored | create_request p50 / p99 µs | get_request p50 / p99 µs | list page p50 / p99 µs | systemuser byquery p50 / p99 µs |");
    println!("|---:|---:|---:|---:|---:|");
    for level in &levels {
        let cells: Vec<String> = level.times.iter().map(|t| format!("{} / {}", quantile_us(t, 0.5), quantile_us(t, 0.99))).collect();
        println!("| {} | {} |", level.stored, cells.join(" | "));
    }
    println!();
    println!("whole run: {:.1} s", started.elapsed().as_secs_f64());
}
