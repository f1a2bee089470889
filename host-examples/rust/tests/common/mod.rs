//! What the tests share: where the built component is, and the sample files.
#![allow(dead_code)] // each test crate uses a different part

use std::path::PathBuf;

pub mod calls;

/// The built component: `$SYSTEMUSER_COMPONENT`, else `target/wasm/altinn_systemuser.wasm` in
/// the workspace. These tests exist to check the built file, so a missing one is a failure.
pub fn component_path() -> PathBuf {
    let path = match std::env::var_os("SYSTEMUSER_COMPONENT").filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/wasm/altinn_systemuser.wasm"),
    };
    assert!(
        path.is_file(),
        "the component {} is missing: run `make build` (or `cargo run -q -p xtask -- component`) first",
        path.display()
    );
    path
}

pub fn component_bytes() -> Vec<u8> {
    let path = component_path();
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

pub fn read_data(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap_or_else(|e| panic!("cannot read test data {name}: {e}"))
}
