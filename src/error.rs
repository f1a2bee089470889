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
    /// How long the server asked the client to wait (`Retry-After`), on a 429 or 5xx.
    pub retry_after_seconds: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    Connect,
    Timeout,
    ConnectionLost,
    /// Longer than `max_response_bytes`, or compressed: the host stopped reading.
    TooLarge,
    Other,
}

impl TransportErrorKind {
    /// The WIT name of the kind (`connection-lost`, …), as hosts and the service report it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::ConnectionLost => "connection-lost",
            Self::TooLarge => "too-large",
            Self::Other => "other",
        }
    }

    /// Whether the same exchange may well work on a second try.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Connect | Self::Timeout | Self::ConnectionLost)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    pub kind: TransportErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
    /// 429, or 5xx after the retries allowed: the server could not say; try again later.
    #[error("{}", .0.message)]
    Unavailable(Problem),
    #[error("transport failure: {}", .0.message)]
    Transport(TransportFailure),
    #[error("token: {0}")]
    Token(String),
    #[error("{}", .0.message)]
    Maskinporten(Problem),
    #[error("invalid response: {0}")]
    InvalidResponse(String),
    /// The host broke the operation's protocol (a bug in the host, not the server).
    #[error("host misuse: {0}")]
    Misuse(String),
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
            Error::Unavailable(_) => "unavailable",
            Error::Transport(_) => "transport",
            Error::Token(_) => "token",
            Error::Maskinporten(_) => "maskinporten",
            Error::InvalidResponse(_) => "invalid-response",
            Error::Misuse(_) => "misuse",
        }
    }

    /// Whether the answer was "could not tell" (rate limit, outage, transport, deadline) rather
    /// than a "no": the same call may work later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Unavailable(_) | Error::Transport(_))
    }

    /// Every text of the error with each of `secrets` (and each part of a JWT among them)
    /// replaced by `[redacted]`: a server may quote back the bearer token it was sent.
    pub fn redacted(mut self, secrets: &[&str]) -> Self {
        let scrub = |text: &mut String| crate::secret::scrub(text, secrets);
        match &mut self {
            Error::Validation(list) => list.iter_mut().for_each(|v| scrub(&mut v.message)),
            Error::Altinn(p)
            | Error::Unauthorized(p)
            | Error::Forbidden(p)
            | Error::NotFound(p)
            | Error::Conflict(p)
            | Error::Maskinporten(p)
            | Error::Unavailable(p) => {
                for text in [&mut p.title, &mut p.detail, &mut p.code, &mut p.trace_id].into_iter().flatten() {
                    scrub(text);
                }
                scrub(&mut p.message);
                for (name, json) in &mut p.extensions {
                    scrub(name);
                    scrub(json);
                }
                for v in &mut p.field_errors {
                    scrub(&mut v.code);
                    scrub(&mut v.field);
                    scrub(&mut v.message);
                }
            }
            Error::Transport(t) => scrub(&mut t.message),
            Error::Token(text) | Error::InvalidResponse(text) | Error::Misuse(text) => scrub(text),
        }
        self
    }

    pub fn invalid(code: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![Violation::new(code, field, message)])
    }
}

fn describe_violations(list: &[Violation]) -> String {
    list.iter().map(|v| format!("{}: {} [{}]", v.field, v.message, v.code)).collect::<Vec<_>>().join("; ")
}
