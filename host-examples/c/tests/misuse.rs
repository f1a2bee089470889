//! A binding's mistakes: answers that do not fit the step, calls out of order, two threads on
//! one operation. Each is a `misuse` error that changes nothing; a finished operation keeps its
//! result.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::abi::Runtime;
use common::binding::Binding;
use common::sim::{self, STANDARD_SYSTEM};
use serde_json::json;

fn task() -> serde_json::Value {
    json!({"v": 1, "task": "get-registered-system", "systemId": STANDARD_SYSTEM})
}

#[test]
fn answers_that_do_not_fit_the_step_change_nothing() {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = runtime.client(&sim::config(&sim)).unwrap();
    let binding = Binding::with_token(&sim::full_token(&sim));
    let operation = client.operation(&task()).unwrap();

    let early = operation.advance(&json!({"v": 1, "input": "waited"})).unwrap_err();
    assert_eq!(early.kind, "misuse");
    assert!(early.message.contains("su_operation_start first"), "{}", early.message);

    let token_step = operation.start().unwrap();
    assert_eq!(token_step["step"], "token");
    let twice = operation.start().unwrap_err();
    assert_eq!(twice.kind, "misuse");
    assert!(twice.message.contains("called already"), "{}", twice.message);

    for wrong in [
        json!({"v": 1, "input": "waited"}),
        json!({"v": 1, "input": "signature", "signature": STANDARD.encode([1, 2, 3])}),
        json!({"v": 1, "input": "response", "response": {"status": 200, "headers": [], "body": ""}}),
    ] {
        let err = operation.advance(&wrong).unwrap_err();
        assert_eq!(err.kind, "misuse", "{wrong}");
        assert!(err.message.contains("token or token-failed"), "{}", err.message);
    }
    // Still waiting for its token: the right answer goes on as if nothing happened.
    let send = operation.advance(&binding.answer(&token_step)).unwrap();
    assert_eq!(send["step"], "send");
    let err = operation.advance(&json!({"v": 1, "input": "token", "token": "t"})).unwrap_err();
    assert_eq!(err.kind, "misuse");
    assert!(err.message.contains("response or transport-failed"), "{}", err.message);
    let done = operation.advance(&binding.answer(&send)).unwrap();
    assert_eq!((done["step"].as_str(), done["outcome"]["outcome"].as_str()), (Some("done"), Some("registered-system")));
}

#[test]
fn after_done_every_call_returns_the_same_result() {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = runtime.client(&sim::config(&sim)).unwrap();
    let binding = Binding::with_token(&sim::full_token(&sim));
    let operation = client.operation(&task()).unwrap();
    let run = binding.pump(&operation);
    let done = run.done().clone();
    assert_eq!(operation.start().unwrap(), done);
    assert_eq!(operation.advance(&json!({"v": 1, "input": "waited"})).unwrap(), done);
    assert_eq!(operation.advance_raw(b"not even JSON").unwrap(), done, "the input is not read once done");
    assert_eq!(operation.start().unwrap(), done);

    // An operation that ended in an error keeps its error too.
    let failing = client.operation(&json!({"v": 1, "task": "get-request", "id": "not-a-uuid"})).unwrap();
    let failed = failing.start().unwrap();
    assert_eq!((failed["step"].as_str(), failed["error"]["kind"].as_str()), (Some("done"), Some("validation")));
    assert_eq!(failing.advance(&json!({"v": 1, "input": "waited"})).unwrap(), failed);
}

#[test]
fn a_second_thread_on_one_operation_is_refused() {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = runtime.client(&sim::config(&sim)).unwrap();
    // A large answer keeps the first call busy (reading 16 MB of JSON) while the second
    // thread calls; tried a few times so that scheduling cannot hide the refusal.
    let body = STANDARD.encode(vec![b' '; 12 << 20]);
    let big = json!({"v": 1, "input": "response", "response": {"status": 200, "headers": [], "body": body}}).to_string();
    let mut refused = None;
    for _ in 0..10 {
        let operation = Arc::new(client.operation(&task()).unwrap());
        let token = operation.start().unwrap();
        let send = operation.advance(&Binding::with_token("t").answer(&token)).unwrap();
        assert_eq!(send["step"], "send");
        let (barrier, busy) = (Arc::new(Barrier::new(2)), Arc::new(AtomicBool::new(true)));
        let first = {
            let (operation, barrier, busy, big) = (operation.clone(), barrier.clone(), busy.clone(), big.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let result = operation.advance_raw(big.as_bytes());
                busy.store(false, Ordering::SeqCst);
                result
            })
        };
        barrier.wait();
        while busy.load(Ordering::SeqCst) {
            match operation.start() {
                Err(e) if e.message.contains("another call on this operation is running") => {
                    assert_eq!(e.kind, "misuse");
                    refused = Some(e);
                    break;
                }
                _ => std::thread::yield_now(),
            }
        }
        // The first call went through whatever the second did.
        let step = first.join().unwrap().expect("the first call is not disturbed");
        assert_eq!(step["step"], "done");
        if refused.is_some() {
            break;
        }
    }
    assert!(refused.is_some(), "a concurrent call was never refused");
}
