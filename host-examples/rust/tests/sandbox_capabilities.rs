//! The sandbox: the component can reach exactly the capabilities it declares and nothing else,
//! and the host's limits hold against an exhausting input.
//!
//! - its imports are exactly `altinn:systemuser/{types,http,token,timer}@0.1.0` (no WASI, no
//!   filesystem, sockets, environment, clocks, random, stdio or exit);
//! - a linker that provides all four instantiates it, and one that lacks any of the three
//!   function-bearing ones cannot (`types` has no functions: it grants nothing); there is no
//!   other way in or out;
//! - a 4 MB HTTP answer under a 3 MB memory limit traps (a typed `MemoryLimit` error, not a
//!   crash of the host), and the very next call on the same `Client` works in a fresh store.

mod common;
mod e2e;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use e2e::*;
use systemuser_host::wit;
use systemuser_host::{
    Capabilities, Client, ClientError, HostError, HttpTransport, Limits, Runtime, RuntimeConfig, StaticToken, TrapKind, UreqTransport,
};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

const DECLARED: [&str; 7] = ["types", "http", "token", "timer", "signer", "clock", "random"];

fn declared_names() -> BTreeSet<String> {
    DECLARED.iter().map(|i| format!("altinn:systemuser/{i}@0.1.0")).collect()
}

fn component() -> (Engine, Component) {
    let engine = Engine::new(&Config::new()).expect("engine");
    let component = Component::from_binary(&engine, &common::component_bytes()).expect("the built component loads");
    (engine, component)
}

#[test]
fn imports_are_exactly_the_declared_capabilities() {
    let (engine, component) = component();
    let imports: BTreeSet<String> = component.component_type().imports(&engine).map(|(name, _)| name.to_owned()).collect();
    assert_eq!(imports, declared_names(), "the component's imports are not exactly types, http, token, timer, signer, clock and random");
}

/// A linker with every function of every import except `omit` defined as a stub that traps
/// (nothing is called: instantiation alone decides).
fn linker_without(engine: &Engine, component: &Component, omit: Option<&str>) -> Linker<()> {
    let mut linker = Linker::<()>::new(engine);
    for (name, item) in component.component_type().imports(engine) {
        if omit.is_some_and(|o| name == format!("altinn:systemuser/{o}@0.1.0")) {
            continue;
        }
        let ComponentItem::ComponentInstance(instance) = item.ty else { panic!("import {name} is not an interface") };
        let mut inst = linker.instance(name).expect("define the interface");
        for (func, item) in instance.exports(engine) {
            if let ComponentItem::ComponentFunc(_) = item.ty {
                inst.func_new(func, |_store, _ty, _params, _results| Err(wasmtime::Error::msg("stub: not called in this test")))
                    .expect("stub");
            }
        }
    }
    linker
}

#[test]
fn instantiation_needs_every_declared_capability_and_nothing_else() {
    let (engine, component) = component();
    // All seven: it instantiates (the positive control, so the failures below mean something).
    let linker = linker_without(&engine, &component, None);
    linker.instantiate(&mut Store::new(&engine, ()), &component).expect("instantiates with exactly the declared imports");
    // `types` holds type definitions only: no function, so no capability (wasmtime does not
    // even need it defined). Check that it stays so.
    let types = component
        .component_type()
        .imports(&engine)
        .find(|(name, _)| name.starts_with("altinn:systemuser/types@"))
        .map(|(_, item)| item.ty)
        .expect("types is imported");
    let ComponentItem::ComponentInstance(types) = types else { panic!("types is not an interface") };
    let funcs: Vec<&str> =
        types.exports(&engine).filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentFunc(_))).map(|(name, _)| name).collect();
    assert!(funcs.is_empty(), "types exports functions: {funcs:?}");
    // Any capability missing: it cannot.
    for omit in ["http", "token", "timer", "signer", "clock", "random"] {
        let linker = linker_without(&engine, &component, Some(omit));
        let err = match linker.instantiate(&mut Store::new(&engine, ()), &component) {
            Ok(_) => panic!("instantiated without {omit}"),
            Err(e) => format!("{e:#}"),
        };
        assert!(err.contains(omit), "the failure without {omit} names it: {err}");
    }
}

/// Answers every exchange with 4 MB of JSON-ish bytes while `huge` is set; real HTTP otherwise.
struct HugeOnce {
    huge: Arc<AtomicBool>,
    real: UreqTransport,
}

impl HttpTransport for HugeOnce {
    fn send(&self, request: wit::HttpRequest) -> Result<wit::HttpResponse, wit::TransportFailure> {
        if self.huge.swap(false, Ordering::SeqCst) {
            let mut body = b"{\"id\":\"".to_vec();
            body.resize(4 << 20, b'a');
            body.extend_from_slice(b"\"}");
            let headers = vec![wit::Header { name: "content-type".into(), value: "application/json".into() }];
            return Ok(wit::HttpResponse { status: 200, headers, body });
        }
        self.real.send(request)
    }
}

#[test]
fn a_4_mb_answer_under_a_3_mb_limit_traps_and_the_next_call_works() {
    let sim = start();
    let config = RuntimeConfig { limits: Limits { memory_bytes: 3 << 20, ..Limits::DEFAULT }, ..RuntimeConfig::default() };
    let runtime = Runtime::load_with(common::component_path(), config).expect("loads");
    let huge = Arc::new(AtomicBool::new(true));
    let transport = HugeOnce { huge: huge.clone(), real: UreqTransport::new() };
    let caps = Capabilities::new(transport, StaticToken::new(full_token(&sim)).unwrap());
    let client = Client::new(runtime, caps, fast_config(&sim.url()));

    match client.get_registered_system(STANDARD_SYSTEM) {
        Err(ClientError::Host(HostError::Trap { kind, message, .. })) => {
            assert_eq!(kind, TrapKind::MemoryLimit, "{message}");
        }
        other => panic!("expected a memory-limit trap, got {other:?}"),
    }
    assert!(!huge.load(Ordering::SeqCst), "the huge answer was served");
    // The same client, the next call: a fresh store, real HTTP, a normal answer.
    let system = client.get_registered_system(STANDARD_SYSTEM).expect("the next call works");
    assert_eq!(system.id, STANDARD_SYSTEM);
    let created = client.create_standard_request(standard_input(CUSTOMERS[0], Some("sandbox-1"))).expect("and a create");
    assert!(created.is_new);
}
