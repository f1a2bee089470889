//! The built component reaches nothing but what the host hands it: its imports are our own
//! capability interfaces, never WASI. And it stays small enough to ship inside other software.

mod common;

use wasmtime::component::Component;
use wasmtime::{Config, Engine};

const MAX_SIZE: usize = 448 * 1024;

fn component() -> (Engine, Component) {
    let engine = Engine::new(&Config::new()).expect("engine");
    let component = Component::from_binary(&engine, &common::component_bytes()).expect("the built component does not load in wasmtime");
    (engine, component)
}

#[test]
fn imports_only_altinn_systemuser_interfaces() {
    let (engine, component) = component();
    let ty = component.component_type();
    let imports: Vec<String> = ty.imports(&engine).map(|(name, _)| name.to_owned()).collect();
    let wasi: Vec<&String> = imports.iter().filter(|n| n.contains("wasi:")).collect();
    assert!(wasi.is_empty(), "the component imports WASI: {wasi:?} (all imports: {imports:?})");
    let foreign: Vec<&String> = imports.iter().filter(|n| !(n.starts_with("altinn:systemuser/") && n.ends_with("@0.1.0"))).collect();
    assert!(foreign.is_empty(), "imports outside altinn:systemuser/*@0.1.0: {foreign:?}");
}

#[test]
fn exports_the_world() {
    let (engine, component) = component();
    let ty = component.component_type();
    let exports: Vec<String> = ty.exports(&engine).map(|(name, _)| name.to_owned()).collect();
    for interface in ["validation", "lifecycle", "protocol", "operations", "client"] {
        let name = format!("altinn:systemuser/{interface}@0.1.0");
        assert!(exports.contains(&name), "missing export {name}; exports: {exports:?}");
    }
}

#[test]
fn is_at_most_448_kib() {
    let size = common::component_bytes().len();
    assert!(size <= MAX_SIZE, "the component is {size} bytes; the budget is {MAX_SIZE} (448 KiB)");
}
