//! One client shared by 8 threads creating 200 requests: every request created once, no
//! duplicate in the simulator's dedupe view.

mod common;

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;

use common::abi::Runtime;
use common::binding::Binding;
use common::sim::{self, create_standard, CUSTOMERS, STANDARD_SYSTEM};

const THREADS: usize = 8;
const PER_THREAD: usize = 25;

#[test]
fn eight_threads_share_one_client_and_create_200_requests_without_duplicates() {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = Arc::new(runtime.client(&sim::config(&sim)).unwrap());
    let token = sim::full_token(&sim);
    let started = std::time::Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (client, token) = (client.clone(), token.clone());
            std::thread::spawn(move || {
                let binding = Binding::with_token(&token);
                (0..PER_THREAD)
                    .map(|i| {
                        let (org, external_ref) = (CUSTOMERS[(t + i) % CUSTOMERS.len()], format!("thread-{t}-{i}"));
                        let run = binding.run(&client, &create_standard(org, &external_ref));
                        assert_eq!(run.outcome()["isNew"], true, "{org} {external_ref}");
                        (org.to_string(), external_ref, run.outcome()["request"]["id"].as_str().unwrap().to_string())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let created: Vec<(String, String, String)> = handles.into_iter().flat_map(|h| h.join().expect("a thread panicked")).collect();
    let _ = writeln!(std::io::stderr(), "{} creates from {THREADS} threads in {:.2} s", created.len(), started.elapsed().as_secs_f64());
    assert_eq!(created.len(), THREADS * PER_THREAD);
    assert_eq!(created.iter().map(|c| &c.2).collect::<HashSet<_>>().len(), created.len(), "distinct request ids");

    let keys = sim::dedupe(&sim);
    let ours: Vec<_> = keys.iter().filter(|k| k["systemId"] == STANDARD_SYSTEM).collect();
    assert_eq!(ours.len(), created.len(), "one dedupe key per create");
    let duplicates: Vec<_> = ours.iter().filter(|k| k["requestsStored"] != 1 || k["createCalls"] != 1).collect();
    assert!(duplicates.is_empty(), "duplicates: {duplicates:?}");
    for (org, external_ref, _) in &created {
        assert!(ours.iter().any(|k| k["partyOrgNo"] == org.as_str() && k["externalRef"] == external_ref.as_str()), "{org} {external_ref}");
    }
}
