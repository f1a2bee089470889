//! The onboarding service as a wasi:http component (world `onboarding-service`,
//! wit/onboarding-service/): `app` is the HTTP surface and knows no platform; `wasi` (wasm only)
//! is the glue to wasi:http, the clocks, random and the environment. Built by
//! `cargo run -p xtask -- service`; see service/README.md.

pub mod app;

#[cfg(target_arch = "wasm32")]
mod wasi;
