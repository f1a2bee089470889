//! The one error type of the host. Messages say what happened and what to do; none of them
//! holds a token, a header value or a request body.

use std::path::PathBuf;

use crate::bindings::wit;

/// Why a trap happened, as far as the host can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapKind {
    /// The call used up its fuel budget (an endless loop, or a budget set too low).
    OutOfFuel,
    /// The guest asked for more linear memory than the store allows.
    MemoryLimit,
    /// Anything else: a guest panic (`unreachable`), a stack overflow, a bad memory access.
    Other,
}

/// Everything the host can fail with. The component's own answers (`wit::Error`, violations)
/// are not errors of the host: they come back inside `Ok`.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The component file could not be read.
    #[error("cannot read the component {}: {reason}. Build it with `make build` (or `cargo run -q -p xtask -- component`), or point SYSTEMUSER_COMPONENT at it", path.display())]
    ComponentMissing { path: PathBuf, reason: String },

    /// The bytes are not a component this host can run (corrupt, or built for another WIT).
    #[error("cannot load the component: {0}")]
    Load(String),

    /// A store or instance could not be created.
    #[error("cannot instantiate the component: {0}")]
    Instantiate(String),

    /// The guest trapped. The store it ran in is dropped; the next call gets a fresh one.
    #[error("the component trapped ({kind:?}): {message}")]
    Trap {
        kind: TrapKind,
        /// What wasmtime says happened, on one line.
        message: String,
        /// The guest's call stack (function indices and names only, never data), for bug reports.
        backtrace: Option<String>,
    },

    /// A JSON document could not be decoded by the component (`document` says which one).
    #[error("cannot decode the {document}: {message}")]
    Decode {
        document: &'static str,
        message: String,
        /// What the component found wrong, when it said so field by field.
        violations: Vec<wit::Violation>,
    },

    /// A token source could not be set up (the message never holds the token).
    #[error("token: {0}")]
    Token(String),
}

impl HostError {
    /// Maps an error of a call into the guest. A host import never fails with a trap (its
    /// failures are WIT results), so any error here comes from the guest or from wasmtime.
    pub(crate) fn from_call(err: wasmtime::Error) -> Self {
        let kind = if err.downcast_ref::<crate::runtime::MemoryLimitExceeded>().is_some() {
            TrapKind::MemoryLimit
        } else if matches!(err.downcast_ref::<wasmtime::Trap>(), Some(wasmtime::Trap::OutOfFuel)) {
            TrapKind::OutOfFuel
        } else {
            TrapKind::Other
        };
        HostError::Trap {
            kind,
            message: err.root_cause().to_string(),
            backtrace: err.downcast_ref::<wasmtime::WasmBacktrace>().map(ToString::to_string),
        }
    }
}
