//! A trap (fuel, memory) is a typed error, and it poisons nothing: the next call works.

mod common;

use systemuser_host::wit::RequestKind;
use systemuser_host::{HostError, Limits, Runtime, RuntimeConfig, TrapKind};

fn runtime() -> Runtime {
    Runtime::load(common::component_path()).expect("the built component loads")
}

#[track_caller]
fn assert_trap(result: Result<impl std::fmt::Debug, HostError>, expected: TrapKind) {
    match result {
        Err(HostError::Trap { kind, message, .. }) => {
            assert_eq!(kind, expected, "{message}");
            assert!(!message.is_empty());
        }
        other => panic!("expected a {expected:?} trap, got {other:?}"),
    }
}

#[test]
fn fuel_exhaustion_is_a_trap_and_the_next_call_succeeds() {
    let runtime = runtime();
    let request = common::read_data("standard_valid.json");
    let mut session = runtime.session();

    session.set_limits(Limits { fuel_per_call: 1_000, ..Limits::DEFAULT });
    assert_trap(session.validate_standard(&request, None), TrapKind::OutOfFuel);
    // Still starved: a fresh store, and the same typed error again.
    assert_trap(session.validate_standard(&request, None), TrapKind::OutOfFuel);

    session.set_limits(Limits::DEFAULT);
    let verdict = session.validate_standard(&request, None).expect("the same session recovers");
    assert!(verdict.is_valid(), "{verdict:?}");
    // And the runtime itself was never touched.
    assert!(runtime.validate_standard(&request, None).expect("runtime works").is_valid());
}

#[test]
fn memory_limit_is_a_trap_and_the_next_call_succeeds() {
    let runtime = runtime();
    let mut session = runtime.session();
    session.set_limits(Limits { memory_bytes: 8 << 20, ..Limits::DEFAULT });
    // Make the session live first, so the trap below comes from the call, not start-up.
    assert_eq!(session.check_org_no("310816191").expect("small call fits"), Ok("310816191".to_owned()));

    // 32 MiB of JSON cannot be copied into an 8 MiB memory.
    let mut huge = b"{\"systemId\": \"".to_vec();
    huge.resize(32 << 20, b'a');
    huge.extend_from_slice(b"\"}");
    assert_trap(session.validate_json(RequestKind::Standard, &huge, None), TrapKind::MemoryLimit);

    let request = common::read_data("standard_valid.json");
    assert!(session.validate_standard(&request, None).expect("recovers").is_valid());
}

#[test]
fn the_runtime_is_shared_across_threads() {
    let runtime = runtime();
    let request = common::read_data("standard_valid.json");
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let (runtime, request) = (runtime.clone(), &request);
            scope.spawn(move || {
                assert!(runtime.validate_standard(request, None).expect("validates").is_valid());
            });
        }
    });
}

#[test]
fn pooling_allocator_recovers_too() {
    let config = RuntimeConfig { pooling: true, ..RuntimeConfig::default() };
    let runtime = Runtime::load_with(common::component_path(), config).expect("loads with pooling");
    let request = common::read_data("standard_valid.json");
    let mut session = runtime.session();
    session.set_limits(Limits { fuel_per_call: 1_000, ..Limits::DEFAULT });
    assert_trap(session.validate_standard(&request, None), TrapKind::OutOfFuel);
    session.set_limits(Limits::DEFAULT);
    assert!(session.validate_standard(&request, None).expect("recovers").is_valid());
}
