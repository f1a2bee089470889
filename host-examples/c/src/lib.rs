//! `libsystemuser`: the altinn-systemuser component behind a small C ABI, for platforms that
//! cannot load a WIT component themselves (the JVM, .NET, Go, C). The specification is
//! `host-examples/c/ABI.md`; the header `include/systemuser.h` is written from this crate by
//! cbindgen (`cargo run -p xtask -- c-header`).
//!
//! JSON documents in and out and no callbacks: an operation hands out steps (send this
//! request, sign these bytes, get a token, wait, done) that the binding carries out with its
//! own platform's tools and answers. Every export catches panics, checks its pointers and
//! returns `NULL` or an error the caller owns.
//!
//! - [`error`]: `su_error_t` and its accessors; [`buffer`]: `su_buffer_t`;
//! - [`runtime`]: `su_runtime_t` (the compiled component, optionally from a cache);
//! - [`client`]: `su_client_t` (configuration and a pool of sessions) and validation;
//! - [`operation`]: `su_operation_t`, the exports that pump an operation, over [`pump`];
//! - [`documents`]: the `"v"` envelope and this crate's own documents; the JSON of WIT
//!   values is `systemuser_host::json`, shared with the CLI.

#![allow(non_camel_case_types)]
// Raw pointers are the ABI; each export checks them before use and documents its contract.
#![allow(clippy::missing_safety_doc)]

pub mod buffer;
pub mod client;
mod documents;
pub mod error;
mod ffi;
pub mod operation;
mod pump;
pub mod runtime;

pub use buffer::{su_buffer_data, su_buffer_delete, su_buffer_t};
pub use client::{su_client_delete, su_client_new, su_client_t, su_client_validate};
pub use error::{su_error_delete, su_error_kind, su_error_message, su_error_t, su_test_panic};
pub use operation::{su_operation_advance, su_operation_delete, su_operation_new, su_operation_start, su_operation_t};
pub use runtime::{su_runtime_delete, su_runtime_from_bytes, su_runtime_load, su_runtime_t};

/// The version of this ABI. A binding checks `su_abi_version() == SU_ABI_VERSION` at load and
/// refuses a library of another version; every JSON document carries it as `"v"`.
pub const SU_ABI_VERSION: u32 = 1;

/// The ABI version of this library (`SU_ABI_VERSION`). Any thread; never fails.
#[no_mangle]
pub extern "C" fn su_abi_version() -> u32 {
    SU_ABI_VERSION
}
