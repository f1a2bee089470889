//! altinn-systemuser: create and follow Altinn system user requests.
//!
//! The core is plain Rust (model, validation, lifecycle, protocol) and is tested natively;
//! `component` is the only module that knows about WIT, and exists only in the wasm build (not
//! with the `core-only` feature, which the onboarding service uses).

// Errors and steps are moved by value across the WIT boundary and are off the hot path; boxing
// them would only add allocations.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

// The API: the model and its rules, the sans-IO protocol and operation machines, errors.
pub mod error;
pub mod http;
pub mod identifiers;
pub mod instance;
pub mod lifecycle;
pub mod maskinporten;
pub mod model;
pub mod operation;
pub mod protocol;
pub mod secret;
pub mod validation;

// Not the API: the JSON reader/writer and the URL guards, public only for this workspace's fuzz
// targets, benchmarks and the onboarding service (hidden from the docs; no stability promise).
#[doc(hidden)]
pub mod json;
#[doc(hidden)]
pub mod url;

mod correlation;
mod text;

pub(crate) use model::wire;

pub use error::{Error, Problem, TransportErrorKind, TransportFailure, Violation};

/// Decoding of the JSON bodies a vendor writes by hand (create bodies, registered systems).
pub mod decode {
    use crate::error::Error;
    use crate::model::{AgentRequestInput, ChangeRequestInput, RegisteredSystem, StandardRequestInput};
    use crate::wire;

    fn json_error(message: String) -> Error {
        Error::invalid("invalid-json", "", message)
    }

    pub fn standard_request(body: &[u8]) -> Result<StandardRequestInput, Error> {
        wire::decode_standard_request(body).map_err(json_error)
    }

    pub fn agent_request(body: &[u8]) -> Result<AgentRequestInput, Error> {
        wire::decode_agent_request(body).map_err(json_error)
    }

    pub fn registered_system(body: &[u8]) -> Result<RegisteredSystem, Error> {
        wire::decode_registered_system(body).map_err(json_error)
    }

    /// A change request as the vendor asks for it (`systemId`, `partyOrgNo`, `externalRef`,
    /// `correlationId`, the four lists, `redirectUrl`; absent lists are empty).
    pub fn change_request(body: &[u8]) -> Result<ChangeRequestInput, Error> {
        wire::decode_change_request(body).map_err(json_error)
    }
}

#[cfg(all(target_arch = "wasm32", not(feature = "core-only")))]
mod component;
