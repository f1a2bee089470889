//! The component's typed error as JSON: `kind` (the WIT case name), `message` (a sentence that
//! says what to do), and the members the case carries. Absent values are `null`.

use serde_json::{json, Map, Value};

use crate::bindings::wit::{Error, ProblemExtension, TransportErrorKind, Violation};
use crate::convert::{describe_error, ViolationJson};

/// The WIT case name of an error: `validation`, `altinn`, `unauthorized`, `forbidden`,
/// `not-found`, `conflict`, `unavailable`, `transport`, `token`, `maskinporten`,
/// `invalid-response`, `misuse`.
pub fn error_kind(e: &Error) -> &'static str {
    match e {
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

/// `{"code", "field", "message"}`.
pub fn violation_json(v: &Violation) -> Value {
    json!(ViolationJson::from(v))
}

fn violations_json(violations: &[Violation]) -> Value {
    Value::Array(violations.iter().map(violation_json).collect())
}

/// A problem's extension members by name, each as the JSON the server sent (text that is not
/// JSON stays a string).
fn extensions_json(extensions: &[ProblemExtension]) -> Value {
    let members: Map<String, Value> = extensions
        .iter()
        .map(|x| (x.name.clone(), serde_json::from_str(&x.json).unwrap_or_else(|_| Value::String(x.json.clone()))))
        .collect();
    Value::Object(members)
}

/// The error as JSON: `kind`, `message`, and by case `status`, `code`, `title`, `detail`,
/// `traceId`, `violations`, `extensions`, `retryAfterSeconds`, `transport`.
pub fn error_json(e: &Error) -> Value {
    let (kind, message) = (error_kind(e), describe_error(e));
    match e {
        Error::Validation(v) => json!({"kind": kind, "message": message, "violations": violations_json(v)}),
        Error::Altinn(p) => json!({
            "kind": kind, "message": message, "status": p.status, "code": p.code, "title": p.title, "detail": p.detail,
            "traceId": p.trace_id, "violations": violations_json(&p.field_errors), "extensions": extensions_json(&p.extensions),
        }),
        Error::Unauthorized(p) | Error::Forbidden(p) | Error::NotFound(p) | Error::Conflict(p) | Error::Maskinporten(p) => json!({
            "kind": kind, "message": message, "status": p.status, "code": p.code, "title": p.title, "detail": p.detail,
            "traceId": p.trace_id,
        }),
        Error::Unavailable(o) => json!({
            "kind": kind, "message": message, "status": o.status, "code": o.code, "title": o.title, "detail": o.detail,
            "traceId": o.trace_id, "retryAfterSeconds": o.retry_after_seconds,
        }),
        Error::Transport(t) => json!({"kind": kind, "message": message, "transport": transport_kind(t.kind)}),
        Error::Token(_) | Error::InvalidResponse(_) | Error::Misuse(_) => json!({"kind": kind, "message": message}),
    }
}

/// The WIT name of a transport failure's kind.
pub fn transport_kind(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Connect => "connect",
        TransportErrorKind::Timeout => "timeout",
        TransportErrorKind::ConnectionLost => "connection-lost",
        TransportErrorKind::TooLarge => "too-large",
        TransportErrorKind::Other => "other",
    }
}
