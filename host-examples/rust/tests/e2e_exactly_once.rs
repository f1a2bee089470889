//! Exactly-once create under faults, end to end through the built component: 200 creates
//! (distinct customers and external refs) while the simulator loses responses and requests
//! and answers 500 and 503 at random on the create route (and on the by-external-ref lookup
//! the reconciliation uses, and on the pre-flight read). A create that still fails is created
//! again by the test, as a real caller would. At the end the simulator holds exactly one
//! request per dedupe key, and the ids the client was given are exactly the ids stored.

mod common;
mod e2e;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use altinn_sim::{FaultKind, FaultSpec, SimOptions};
use e2e::*;
use systemuser_host::wit::{Config, Error, RequestKind};
use systemuser_host::{custom_environment, Capabilities, ClientError, StaticToken, UreqTransport};

const CREATES: usize = 200;
/// Attempts the test allows one create before calling the run broken.
const MAX_ATTEMPTS: u32 = 20;

fn key_of(i: usize) -> (&'static str, String) {
    (CUSTOMERS[i % CUSTOMERS.len()], format!("eo-{i:03}"))
}

#[test]
fn exactly_once_create_under_faults() {
    let started = Instant::now();
    // Every request is counted from the list at the end: the server's lossy pages (API.md §14) off.
    let sim = start_with(SimOptions::default().with_list_quirks(false));
    let config = Config {
        environment: custom_environment(&sim.url()),
        timeout_ms: 5_000,
        deadline_ms: 60_000,
        retry_budget: 5,
        backoff_ms: 2,
        maskinporten: None,
    };
    let caps = Capabilities::new(UreqTransport::new(), StaticToken::new(full_token(&sim)).unwrap());
    let client = client_with(caps, config);

    // Seeded: the same faults fire in the same places on every run (given the same calls).
    let arm = |route: &str, kind: FaultKind, p: f64, seed: u64| {
        sim.arm_fault(FaultSpec::new(route, kind).times(10_000).random(p, seed)).expect("arm a fault");
    };
    arm("create_request", FaultKind::LostResponse, 0.12, 101);
    arm("create_request", FaultKind::Status500, 0.10, 102);
    arm("create_request", FaultKind::Status503, 0.10, 103);
    arm("create_request", FaultKind::LostRequest, 0.04, 104);
    arm("get_request_by_external_ref", FaultKind::Status503, 0.15, 201);
    arm("get_request_by_external_ref", FaultKind::LostResponse, 0.08, 202);
    arm("get_registered_system", FaultKind::Status500, 0.05, 301);

    let mut attempted = 0u32;
    let mut failed_attempts = 0u32;
    let mut reconciliations = 0u32;
    let mut new_answers = 0u32;
    let mut ids: BTreeMap<(String, String), String> = BTreeMap::new();
    for i in 0..CREATES {
        let (org, external_ref) = key_of(i);
        let mut attempts = 0;
        let created = loop {
            attempts += 1;
            attempted += 1;
            assert!(attempts <= MAX_ATTEMPTS, "create {i} failed {MAX_ATTEMPTS} times in a row");
            match client.create_standard_request(standard_input(org, Some(&external_ref))) {
                Ok(created) => break created,
                // The client says the outcome is unknown and that creating again is safe.
                Err(ClientError::Altinn(Error::Transport(_) | Error::Unavailable(_))) => failed_attempts += 1,
                Err(other) => panic!("create {i}: unexpected error {other:?}"),
            }
        };
        reconciliations += u32::from(created.reconciled);
        new_answers += u32::from(created.is_new);
        assert_eq!(created.request.party_org_no, org);
        assert_eq!(created.request.external_ref, external_ref);
        let previous = ids.insert((org.to_string(), external_ref), created.request.id.clone());
        assert!(previous.is_none());
    }

    // What the simulator saw, and the faults it injected.
    let all_calls = calls(&sim);
    let create_http_calls = all_calls.iter().filter(|c| c["route"] == "create_request").count();
    let lookup_http_calls = all_calls.iter().filter(|c| c["route"] == "get_request_by_external_ref").count();
    let mut faults: BTreeMap<(String, String), u64> = BTreeMap::new();
    for call in &all_calls {
        if let Some(kind) = call["fault"].as_str() {
            *faults.entry((call["route"].as_str().unwrap_or("?").to_string(), kind.to_string())).or_default() += 1;
        }
    }
    admin_delete(&sim, "/_sim/faults");

    // Exactly one stored request per key, and it is the one the client was given.
    let keys = dedupe(&sim);
    let mut duplicates = 0u64;
    let mut lost = 0u64;
    for i in 0..CREATES {
        let (org, external_ref) = key_of(i);
        let stored = keys
            .iter()
            .find(|k| k["partyOrgNo"] == org && k["externalRef"] == external_ref.as_str() && k["systemId"] == STANDARD_SYSTEM)
            .map_or(0, |k| k["requestsStored"].as_u64().unwrap_or(0));
        duplicates += stored.saturating_sub(1);
        lost += u64::from(stored == 0);
    }
    // Keys the test never asked for would be strays.
    duplicates += keys.len().saturating_sub(CREATES) as u64;

    let stored_ids: BTreeSet<String> =
        stored_requests(&sim).iter().filter(|r| r["isDeleted"] != true).map(|r| r["id"].as_str().unwrap().to_string()).collect();
    let client_ids: BTreeSet<String> = ids.values().cloned().collect();
    // A stored request the client does not know is lost to it; one it knows that is not stored too.
    lost += client_ids.symmetric_difference(&stored_ids).count() as u64;

    // The client's own view agrees: every key answers the id it was given.
    let listed: BTreeSet<String> =
        client.list_all_requests(RequestKind::Standard, STANDARD_SYSTEM).expect("list").into_iter().map(|r| r.id).collect();
    for i in (0..CREATES).step_by(20) {
        let (org, external_ref) = key_of(i);
        let found = client.get_request_by_external_ref(standard_key(org, &external_ref)).expect("by external ref");
        assert_eq!(Some(&found.id), ids.get(&(org.to_string(), external_ref)));
    }

    let injected: u64 = faults.values().sum();
    println!();
    println!("exactly-once create under faults ({CREATES} keys, retry budget 5, back-off 2 ms)");
    println!("+------------------------------------------------------+--------+");
    let row = |name: &str, value: String| println!("| {name:<52} | {value:>6} |");
    row("requests attempted (create calls made by the test)", attempted.to_string());
    row("  of which failed and were created again by the test", failed_attempts.to_string());
    row("create HTTP calls the simulator saw", create_http_calls.to_string());
    row("by-external-ref lookups the simulator saw", lookup_http_calls.to_string());
    row("faults injected (all)", injected.to_string());
    for ((route, kind), n) in &faults {
        row(&format!("  {route} / {kind}"), n.to_string());
    }
    row("reconciliations (CreatedRequest.reconciled)", reconciliations.to_string());
    row("answered 201 new", new_answers.to_string());
    row("requests stored", stored_ids.len().to_string());
    row("duplicates", duplicates.to_string());
    row("lost", lost.to_string());
    println!("+------------------------------------------------------+--------+");
    println!("elapsed {:.1} s", started.elapsed().as_secs_f64());

    assert_eq!(duplicates, 0, "a dedupe key holds more than one request");
    assert_eq!(lost, 0, "a request is missing, or the client holds an id that is not stored");
    assert_eq!(client_ids, stored_ids, "ids returned == ids stored");
    assert_eq!(listed, stored_ids, "the client's list shows every stored request");
    assert_eq!(client_ids.len(), CREATES);
    // The run exercised what it claims to: each fault kind fired, and reconciliation happened.
    for kind in ["lost_response", "status_500", "status_503", "lost_request"] {
        assert!(faults.get(&("create_request".to_string(), kind.to_string())).is_some_and(|n| *n > 0), "no {kind} on create: {faults:?}");
    }
    assert!(faults.keys().any(|(route, _)| route == "get_request_by_external_ref"), "no fault on the lookup: {faults:?}");
    assert!(reconciliations > 0);
    assert!(create_http_calls > CREATES);
}
