//! Wasmtime host for the `altinn:systemuser` component.
//!
//! - [`Runtime`]: the component compiled once (engine + `InstancePre`), cheap to clone.
//! - [`Session`]: one store with fuel and memory limits; typed methods for every export
//!   (`check_org_no`, `build`, `parse`, …), [`Session::call`] for raw access to the bindings,
//!   and [`Session::validate_standard`] / [`Session::validate_agent`] for JSON documents.
//! - [`capabilities`]: the imports: HTTP over ureq, a [`TokenSource`], a [`Timer`], and for
//!   Maskinporten grants a [`Signer`] (e.g. [`RsaSigner`] from a PEM or JWK file), a [`Clock`] and
//!   [`Random`].
//! - [`json`]: the one JSON vocabulary (the CLI's `--json`, the C ABI's documents), both ways.
//! - [`wit`]: the WIT types.
//!
//! A trap never poisons anything: it comes back as [`HostError::Trap`] and the session's next
//! call runs in a new store.
//!
//! ```no_run
//! use systemuser_host::{wit::RequestKind, Runtime, Validated};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = Runtime::load("target/wasm/altinn_systemuser.wasm")?; // compile once, clone freely
//! match runtime.validate_standard(&std::fs::read("req.json")?, None)? {
//!     Validated::Valid(body) => println!("send this: {}", String::from_utf8_lossy(&body)),
//!     Validated::Invalid(violations) => {
//!         for v in violations {
//!             println!("{}: {} [{}]", v.field, v.message, v.code)
//!         }
//!     }
//! }
//! let mut session = runtime.session(); // one store; reuse it for a unit of work
//! let org = session.check_org_no(" 0192:310816191 ")?; // Ok(Ok("310816191"))
//! let raw = session.call(|c, store| {
//!     c.altinn_systemuser_validation().call_validate_json(store, RequestKind::Agent, b"{}", None)
//! })?;
//! # let _ = (org, raw);
//! # Ok(())
//! # }
//! ```

// `ClientError` carries the component's whole typed error by value; it is off the hot path and
// boxing it would only make matching clumsier for callers.
#![allow(clippy::result_large_err)]

mod bindings;
mod cache;
mod calls;
pub mod capabilities;
pub mod client;
pub mod convert;
mod error;
mod inputs;
pub mod json;
mod locate;
mod runtime;
mod validate;

pub use bindings::{wit, Systemuser};
pub use cache::{default_cache_dir, CACHE_DIR_ENV};
pub use capabilities::{
    Capabilities, Clock, HttpTransport, NoSigner, NoToken, OsRandom, Random, RsaSigner, Secret, Signer, StaticToken, SystemClock,
    ThreadSleep, Timer, TokenSource, UreqTransport,
};
pub use client::{config, config_with_maskinporten, custom_environment, Bureau, ChangeOutcome, Client, ClientError, SystemUserToken};
pub use error::{HostError, TrapKind};
pub use locate::{locate_component, COMPONENT_ENV, COMPONENT_RELATIVE};
pub use runtime::{HostState, Limits, Runtime, RuntimeConfig, Session};
pub use validate::{Validated, INVALID_JSON};

/// The generated bindings in full (the `exports::…::Guest` types, the import `Host` traits).
pub mod generated {
    pub use crate::bindings::*;
}
