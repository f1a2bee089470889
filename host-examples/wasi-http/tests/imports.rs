//! The onboarding service's component imports the wasi:http proxy world's interfaces and
//! `wasi:cli/environment` (its configuration), nothing else, and exports only the incoming
//! handler. Checked two ways: the exact list, and instantiation with a linker that holds only
//! wasmtime-wasi-http's proxy world (plus the environment).

use std::path::PathBuf;
use wasi_http_serve::{linker, Capabilities};
use wasmtime::component::Component;
use wasmtime::Engine;

fn component(engine: &Engine) -> Component {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/wasm/onboarding_service.wasm");
    assert!(path.exists(), "{} is missing: run `make component` (cargo run -p xtask -- service)", path.display());
    Component::from_file(engine, &path).expect("a valid component")
}

#[test]
fn imports_are_the_proxy_world_and_the_environment_only() {
    let engine = Engine::default();
    let component = component(&engine);
    let ty = component.component_type();
    let mut imports: Vec<String> = ty.imports(&engine).map(|(name, _)| name.to_string()).collect();
    imports.sort();
    assert_eq!(
        imports,
        [
            "wasi:cli/environment@0.2.12",
            "wasi:clocks/monotonic-clock@0.2.12",
            "wasi:clocks/wall-clock@0.2.12",
            "wasi:http/outgoing-handler@0.2.12",
            "wasi:http/types@0.2.12",
            "wasi:io/error@0.2.12",
            "wasi:io/poll@0.2.12",
            "wasi:io/streams@0.2.12",
            "wasi:random/random@0.2.12",
        ]
    );
    let exports: Vec<String> = ty.exports(&engine).map(|(name, _)| name.to_string()).collect();
    assert_eq!(exports, ["wasi:http/incoming-handler@0.2.12"]);
}

#[test]
fn a_proxy_world_host_with_the_environment_can_instantiate_it() {
    let engine = Engine::default();
    let component = component(&engine);
    let linker = linker(&engine, Capabilities::ProxyAndEnvironment).unwrap();
    linker.instantiate_pre(&component).expect("every import is the proxy world's or the environment");

    // The environment is the one import beyond the proxy world: without it, instantiation
    // fails and names it.
    let proxy_only = linker_without_environment(&engine);
    let err = proxy_only.instantiate_pre(&component).err().expect("the environment is needed");
    assert!(format!("{err:?}").contains("wasi:cli/environment"), "{err:?}");
}

fn linker_without_environment(engine: &Engine) -> wasmtime::component::Linker<wasi_http_serve::State> {
    linker(engine, Capabilities::Proxy).unwrap()
}
