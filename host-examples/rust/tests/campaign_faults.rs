//! Fault campaign: exactly-once creates and correct reads through the built component while
//! the simulator misbehaves in every way the issue lists, on a seeded schedule:
//!
//! - lost responses and lost requests, 500 and 503, delays (400 ms) past the client's timeout
//!   (200 ms), connection resets (TCP RST after the work is done) and truncated answers
//!   (`Content-Length` larger than the body, after the work is done), at random with fixed
//!   seeds on the create route, the reconciliation lookup, the read route and the pre-flight;
//! - three restarts of the simulator mid-run (state kept in a state file, 300 ms of downtime
//!   during which connections are refused), each while an agent create is in flight (held by a
//!   one-shot delay on a route no random fault touches, so the restart always cuts it).
//!
//! 2,000 standard creates each followed by a read of the id it returned, plus one agent create
//! per restart. A call that still fails after the component's own retries is made again by the
//! test, as a real caller would. At the end: no key holds more than one request (duplicates),
//! every key holds the request the client was given (lost), and every fault kind fired.
//!
//! Print the table: `cargo test --release -p systemuser-host --test campaign_faults -- --nocapture`

mod common;
mod e2e;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use altinn_sim::{FaultKind, FaultSpec, SimOptions};
use e2e::*;
use systemuser_host::wit::{self, Config, Error, RequestKind, TransportErrorKind};
use systemuser_host::{custom_environment, Capabilities, Client, ClientError, HttpTransport, StaticToken, UreqTransport};

const CREATES: usize = 2_000;
const RESTART_AT: [usize; 3] = [500, 1_000, 1_500];
const RESTART_DOWNTIME: Duration = Duration::from_millis(300);
/// The client's timeout per exchange, and the delay fault that overruns it.
const CLIENT_TIMEOUT_MS: u32 = 200;
const DELAY_MS: u64 = 400;
/// Attempts the test allows one operation before calling the run broken.
const MAX_ATTEMPTS: u32 = 40;

fn key_of(i: usize) -> (&'static str, String) {
    (CUSTOMERS[i % CUSTOMERS.len()], format!("cf-{i:04}"))
}

/// Real HTTP that counts what the component sent and how each exchange ended.
#[derive(Clone, Default)]
struct CountingTransport {
    inner: UreqTransport,
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
    sent: Arc<AtomicU64>,
}

impl CountingTransport {
    fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.lock().unwrap().clone()
    }
}

impl HttpTransport for CountingTransport {
    fn send(&self, request: wit::HttpRequest) -> Result<wit::HttpResponse, wit::TransportFailure> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let result = self.inner.send(request);
        let label = match &result {
            Ok(r) => format!("answered {}xx", r.status / 100),
            Err(f) => format!("transport failure: {}", kind_name(f.kind)),
        };
        *self.counts.lock().unwrap().entry(label).or_default() += 1;
        result
    }
}

fn kind_name(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Connect => "connect (refused)",
        TransportErrorKind::Timeout => "timeout",
        TransportErrorKind::ConnectionLost => "connection-lost",
        TransportErrorKind::TooLarge => "too-large",
        TransportErrorKind::Other => "other",
    }
}

/// Whether a failed call may simply be made again (the component says its outcome is unknown
/// or that it was not done). Anything else is a wrong answer and fails the test.
fn retryable(err: &ClientError) -> bool {
    match err {
        // "Could not tell": the outage and transport kinds, nothing else.
        ClientError::Altinn(Error::Transport(_) | Error::Unavailable(_)) => true,
        _ => false,
    }
}

#[derive(Default)]
struct Tally {
    create_calls: u64,
    create_retries_by_test: u64,
    read_calls: u64,
    read_retries_by_test: u64,
    reconciled: u64,
    answered_new: u64,
}

fn create_standard(client: &Client, i: usize, tally: &mut Tally) -> wit::CreatedRequest {
    let (org, external_ref) = key_of(i);
    for attempt in 1..=MAX_ATTEMPTS {
        tally.create_calls += 1;
        match client.create_standard_request(standard_input(org, Some(&external_ref))) {
            Ok(created) => return created,
            Err(e) if retryable(&e) => {
                tally.create_retries_by_test += 1;
                // A caller backs off a little; during a restart this rides out the downtime.
                std::thread::sleep(Duration::from_millis(5 * u64::from(attempt)));
            }
            Err(e) => panic!("create {i}: unexpected error {e:?}"),
        }
    }
    panic!("create {i} failed {MAX_ATTEMPTS} times in a row");
}

fn read(client: &Client, i: usize, id: &str, tally: &mut Tally) -> wit::SystemUserRequest {
    for attempt in 1..=MAX_ATTEMPTS {
        tally.read_calls += 1;
        match client.get_request(RequestKind::Standard, id) {
            Ok(request) => return request,
            Err(e) if retryable(&e) => {
                tally.read_retries_by_test += 1;
                std::thread::sleep(Duration::from_millis(5 * u64::from(attempt)));
            }
            Err(e) => panic!("read {i}: unexpected error {e:?}"),
        }
    }
    panic!("read {i} failed {MAX_ATTEMPTS} times in a row");
}

#[test]
fn fault_campaign_exactly_once_creates_and_reads() {
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("campaign-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state_file = dir.join("sim-state.json");
    let _ = std::fs::remove_file(&state_file);
    let sim = start_with(SimOptions::default().with_state_file(Some(&state_file)));

    let transport = CountingTransport::default();
    let config = Config {
        environment: custom_environment(&sim.url()),
        timeout_ms: CLIENT_TIMEOUT_MS,
        deadline_ms: 60_000,
        retry_budget: 3,
        backoff_ms: 2,
        maskinporten: None,
    };
    let caps = Capabilities::new(transport.clone(), StaticToken::new(full_token(&sim)).unwrap());
    let client = client_with(caps, config);

    // The seeded schedule: each armed fault fires with its probability from its own seeded
    // generator, so the same calls meet the same faults on every run.
    let arm = |route: &str, kind: FaultKind, p: f64, seed: u64| {
        let spec = FaultSpec::new(route, kind).times(1_000_000).random(p, seed).delay_ms(DELAY_MS);
        sim.arm_fault(spec).expect("arm a fault");
    };
    arm("create_request", FaultKind::LostResponse, 0.05, 11);
    arm("create_request", FaultKind::Status500, 0.04, 12);
    arm("create_request", FaultKind::Status503, 0.04, 13);
    arm("create_request", FaultKind::LostRequest, 0.02, 14);
    arm("create_request", FaultKind::Reset, 0.04, 15);
    arm("create_request", FaultKind::Truncated, 0.04, 16);
    arm("create_request", FaultKind::Delay, 0.01, 17);
    arm("get_request_by_external_ref", FaultKind::Status503, 0.05, 21);
    arm("get_request_by_external_ref", FaultKind::Reset, 0.03, 22);
    arm("get_request_by_external_ref", FaultKind::Truncated, 0.03, 23);
    arm("get_request", FaultKind::Status500, 0.03, 31);
    arm("get_request", FaultKind::Status503, 0.03, 32);
    arm("get_request", FaultKind::LostResponse, 0.02, 33);
    arm("get_request", FaultKind::Reset, 0.02, 34);
    arm("get_request", FaultKind::Truncated, 0.02, 35);
    arm("get_request", FaultKind::Delay, 0.005, 36);
    arm("get_registered_system", FaultKind::Status503, 0.02, 41);
    arm("get_registered_system", FaultKind::Reset, 0.01, 42);

    let mut tally = Tally::default();
    let mut ids: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut agent_ids: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut wrong_reads = 0u64;
    let mut restarts = 0u32;

    for i in 0..CREATES {
        if let Some(r) = RESTART_AT.iter().position(|at| *at == i) {
            // An agent create held 400 ms by a one-shot delay; the simulator restarts 100 ms in,
            // so the create is in flight (its work not yet done) when the connection goes.
            let org = CUSTOMERS[r % CUSTOMERS.len()];
            let external_ref = format!("cf-agent-{r}");
            sim.arm_fault(FaultSpec::new("create_agent_request", FaultKind::Delay).delay_ms(DELAY_MS)).unwrap();
            let created = std::thread::scope(|s| {
                s.spawn(|| {
                    std::thread::sleep(Duration::from_millis(100));
                    sim.restart(RESTART_DOWNTIME).expect("the simulator restarts");
                });
                let mut created = None;
                for attempt in 1..=MAX_ATTEMPTS {
                    tally.create_calls += 1;
                    match client.create_agent_request(agent_input(org, Some(&external_ref))) {
                        Ok(c) => {
                            created = Some(c);
                            break;
                        }
                        Err(e) if retryable(&e) => {
                            tally.create_retries_by_test += 1;
                            std::thread::sleep(Duration::from_millis(20 * u64::from(attempt)));
                        }
                        Err(e) => panic!("agent create {r}: unexpected error {e:?}"),
                    }
                }
                created.unwrap_or_else(|| panic!("agent create {r} failed {MAX_ATTEMPTS} times"))
            });
            restarts += 1;
            tally.reconciled += u64::from(created.reconciled);
            tally.answered_new += u64::from(created.is_new);
            agent_ids.insert((org.to_string(), external_ref), created.request.id);
        }

        let (org, external_ref) = key_of(i);
        let created = create_standard(&client, i, &mut tally);
        tally.reconciled += u64::from(created.reconciled);
        tally.answered_new += u64::from(created.is_new);
        assert_eq!(created.request.party_org_no, org);
        assert_eq!(created.request.external_ref, external_ref);
        let read_back = read(&client, i, &created.request.id, &mut tally);
        if read_back.id != created.request.id || read_back.external_ref != external_ref {
            wrong_reads += 1;
        }
        assert!(ids.insert((org.to_string(), external_ref), created.request.id).is_none());
    }
    let run_time = started.elapsed();

    // The faults that fired, from the simulator's own counters.
    let armed = admin_get(&sim, "/_sim/faults")["faults"].as_array().cloned().unwrap_or_default();
    admin_delete(&sim, "/_sim/faults");
    let mut fired: BTreeMap<(String, String), u64> = BTreeMap::new();
    for f in &armed {
        let n = f["fired"].as_u64().unwrap_or(0);
        *fired.entry((f["route"].as_str().unwrap_or("?").to_string(), f["kind"].as_str().unwrap_or("?").to_string())).or_default() += n;
    }
    let mut fired_by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for ((_, kind), n) in &fired {
        *fired_by_kind.entry(kind.clone()).or_default() += n;
    }

    // Exactly one stored request per key, and it is the one the client was given.
    let keys = dedupe(&sim);
    let find = |org: &str, external_ref: &str, system: &str| -> u64 {
        keys.iter()
            .find(|k| k["partyOrgNo"] == org && k["externalRef"] == external_ref && k["systemId"] == system)
            .map_or(0, |k| k["requestsStored"].as_u64().unwrap_or(0))
    };
    let mut duplicates = 0u64;
    let mut lost = 0u64;
    for ((org, external_ref), system) in ids.keys().map(|k| (k, STANDARD_SYSTEM)).chain(agent_ids.keys().map(|k| (k, AGENT_SYSTEM))) {
        let stored = find(org, external_ref, system);
        duplicates += stored.saturating_sub(1);
        lost += u64::from(stored == 0);
    }
    let expected_keys = ids.len() + agent_ids.len();
    duplicates += keys.len().saturating_sub(expected_keys) as u64;
    let stored_ids: BTreeSet<String> =
        stored_requests(&sim).iter().filter(|r| r["isDeleted"] != true).filter_map(|r| r["id"].as_str().map(String::from)).collect();
    let client_ids: BTreeSet<String> = ids.values().chain(agent_ids.values()).cloned().collect();
    lost += client_ids.difference(&stored_ids).count() as u64;
    let strays = stored_ids.difference(&client_ids).count() as u64;
    duplicates += strays;
    lost += wrong_reads;

    let create_counters: (u64, u64, u64) = keys.iter().fold((0, 0, 0), |acc, k| {
        let n = |f: &str| k[f].as_u64().unwrap_or(0);
        (acc.0 + n("createCalls"), acc.1 + n("created"), acc.2 + n("existing"))
    });
    let transport_counts = transport.counts();
    let state_bytes = std::fs::metadata(&state_file).map(|m| m.len()).unwrap_or(0);

    println!();
    println!(
        "fault campaign: {CREATES} standard creates + {} agent creates, a read after each standard create; \
         client timeout {CLIENT_TIMEOUT_MS} ms, retry budget 3, back-off 2 ms",
        agent_ids.len()
    );
    let line = "+--------------------------------------------------------------+----------+";
    println!("{line}");
    let row = |name: &str, value: String| println!("| {name:<60} | {value:>8} |");
    row("create calls made by the test (attempts)", tally.create_calls.to_string());
    row("  failed (outcome unknown / 5xx) and made again by the test", tally.create_retries_by_test.to_string());
    row("read calls made by the test (attempts)", tally.read_calls.to_string());
    row("  failed and made again by the test", tally.read_retries_by_test.to_string());
    row("HTTP exchanges the component asked the host for", transport.sent.load(Ordering::Relaxed).to_string());
    for (label, n) in &transport_counts {
        row(&format!("  {label}"), n.to_string());
    }
    row("create POSTs the simulator processed (all keys)", create_counters.0.to_string());
    row("  answered 201 new / 200 existing", format!("{}/{}", create_counters.1, create_counters.2));
    row("faults injected (all)", fired.values().sum::<u64>().to_string());
    for (kind, n) in &fired_by_kind {
        row(&format!("  {kind}"), n.to_string());
    }
    for ((route, kind), n) in &fired {
        row(&format!("    {route} / {kind}"), n.to_string());
    }
    row("simulator restarts (state file kept, 300 ms downtime)", restarts.to_string());
    row("creates resolved by reconciliation (reconciled = true)", tally.reconciled.to_string());
    row("creates answered 201 to the client (is_new = true)", tally.answered_new.to_string());
    row("requests stored", stored_ids.len().to_string());
    row("state file size after the run (bytes)", state_bytes.to_string());
    row("DUPLICATES (keys with > 1 request, stray requests)", duplicates.to_string());
    row("LOST (keys with no request, ids not stored, wrong reads)", lost.to_string());
    println!("{line}");
    println!("elapsed {:.1} s (run {:.1} s)", started.elapsed().as_secs_f64(), run_time.as_secs_f64());

    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(duplicates, 0, "a dedupe key holds more than one request, or a request nobody asked for is stored");
    assert_eq!(lost, 0, "a key has no request, the client holds an id that is not stored, or a read answered another request");
    assert_eq!(client_ids.len(), CREATES + RESTART_AT.len());
    assert_eq!(restarts as usize, RESTART_AT.len());
    for kind in ["status500", "status503", "delay", "lost_response", "lost_request", "reset", "truncated"] {
        assert!(fired_by_kind.get(kind).is_some_and(|n| *n > 0), "fault kind {kind} never fired: {fired:?}");
    }
    // The restarts were seen by the client: refused connections during the downtime, and
    // broken connections (the cut in-flight create, resets, truncated and lost answers).
    let failures =
        |kind: TransportErrorKind| transport_counts.get(&format!("transport failure: {}", kind_name(kind))).copied().unwrap_or(0);
    assert!(failures(TransportErrorKind::Connect) > 0, "no refused connection: {transport_counts:?}");
    assert!(failures(TransportErrorKind::ConnectionLost) > 0, "no broken connection: {transport_counts:?}");
    assert!(failures(TransportErrorKind::Timeout) > 0, "no timeout: {transport_counts:?}");
    assert!(tally.reconciled > 0, "no create was resolved by reconciliation");
}
