//! The one error type a caller can get back, mirrored by the WIT `error` variant.

/// One thing wrong with an input: stable code, field path, what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: String,
    pub field: String,
    pub message: String,
}

impl Violation {
    pub fn new(code: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Violation { code: code.to_string(), field: field.into(), message: message.into() }
    }
}

/// An error answer from Altinn (either problem-details shape, or an empty body).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problem {
    pub status: u16,
    pub code: Option<String>,
    pub title: Option<String>,
    pub detail: Option<String>,
    pub trace_id: Option<String>,
    /// Other top-level members, values as JSON text.
    pub extensions: Vec<(String, String)>,
    pub field_errors: Vec<Violation>,
    /// For people: what happened and what to do.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    Connect,
    Timeout,
    ConnectionLost,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    pub kind: TransportErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {}", describe_violations(.0))]
    Validation(Vec<Violation>),
    #[error("{}", .0.message)]
    Altinn(Problem),
    #[error("{}", .0.message)]
    Unauthorized(Problem),
    #[error("{}", .0.message)]
    Forbidden(Problem),
    #[error("{}", .0.message)]
    NotFound(Problem),
    #[error("{}", .0.message)]
    Conflict(Problem),
    #[error("transport failure: {}", .0.message)]
    Transport(TransportFailure),
    #[error("token: {0}")]
    Token(String),
    #[error("{}", .0.message)]
    Maskinporten(Problem),
    #[error("invalid response: {0}")]
    InvalidResponse(String),
}

impl Error {
    /// The WIT case name of this error (`not-found`, `invalid-response`, …): stable, for logs,
    /// metrics and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation",
            Error::Altinn(_) => "altinn",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not-found",
            Error::Conflict(_) => "conflict",
            Error::Transport(_) => "transport",
            Error::Token(_) => "token",
            Error::Maskinporten(_) => "maskinporten",
            Error::InvalidResponse(_) => "invalid-response",
        }
    }

    pub fn invalid(code: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![Violation::new(code, field, message)])
    }
}

fn describe_violations(list: &[Violation]) -> String {
    list.iter().map(|v| format!("{}: {} [{}]", v.field, v.message, v.code)).collect::<Vec<_>>().join("; ")
}
