//! What the tests of the C ABI share: safe wrappers that call the `extern "C"` functions
//! themselves (checking every document against the JSON Schema on the way in and out), a
//! binding that pumps operations over real HTTP against an in-process simulator, and the
//! simulator's admin routes.
#![allow(dead_code)] // each test crate uses a different part

pub mod abi;
pub mod binding;
pub mod schema;
pub mod sim;

use std::path::PathBuf;

/// The built component; a missing one is a failure, never a skip.
pub fn component_path() -> PathBuf {
    built("altinn_systemuser.wasm", "cargo run -q -p xtask -- component")
}

/// The test build whose `start` of a create with external ref `test-trap` traps.
pub fn trap_component_path() -> PathBuf {
    built("altinn_systemuser.test-trap.wasm", "cargo run -q -p xtask -- component --test-trap")
}

fn built(name: &str, how: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/wasm").join(name);
    assert!(path.is_file(), "{} is missing: build it with `{how}`", path.display());
    path
}
