//! WIT values into words and JSON: violations in the CLI's `--json` shape, errors as
//! sentences, bodies re-indented for people.

use serde::Serialize;

use crate::bindings::wit::{Error, Problem, StatusProblem, TransportErrorKind, Violation};

/// A violation as JSON: `{"code", "field", "message"}`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ViolationJson<'a> {
    pub code: &'a str,
    pub field: &'a str,
    pub message: &'a str,
}

impl<'a> From<&'a Violation> for ViolationJson<'a> {
    fn from(v: &'a Violation) -> Self {
        ViolationJson { code: &v.code, field: &v.field, message: &v.message }
    }
}

/// Re-indents compact JSON (as the component writes it) for people, keeping the member order
/// (a `serde_json::Value` round trip would sort the members). Input that is not JSON comes
/// back unchanged, as lossy UTF-8.
pub fn pretty_json(compact: &[u8]) -> String {
    let text = String::from_utf8_lossy(compact);
    if serde_json::from_str::<serde::de::IgnoredAny>(&text).is_err() {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len() * 2);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Keep `{}` and `[]` on one line.
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap_or(c));
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// One line per violation: `field: message [code]`.
pub fn describe_violations(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("{}: {} [{}]", field_or_body(&v.field), v.message, v.code)).collect::<Vec<_>>().join("; ")
}

/// The field name to show: an empty path means the document as a whole.
pub fn field_or_body(field: &str) -> &str {
    if field.is_empty() {
        "(body)"
    } else {
        field
    }
}

/// A sentence for any error the component can return.
pub fn describe_error(error: &Error) -> String {
    match error {
        Error::Validation(v) => format!("invalid input: {}", describe_violations(v)),
        // The component's own sentence for a code it has no words for names the status and the
        // code already: not twice.
        Error::Altinn(Problem { message, .. }) if message.starts_with("Altinn refused the request (") => message.clone(),
        Error::Altinn(Problem { status, code, message, .. }) => describe_problem("Altinn refused the request", *status, code, message),
        Error::Unauthorized(p) => describe_status("unauthorized", p),
        Error::Forbidden(p) => describe_status("forbidden", p),
        Error::NotFound(p) => describe_status("not found", p),
        Error::Conflict(p) => describe_status("conflict", p),
        Error::Unavailable(o) => describe_problem("could not tell", o.status, &o.code, &o.message),
        Error::Transport(t) => {
            let kind = match t.kind {
                TransportErrorKind::Connect => "could not connect",
                TransportErrorKind::Timeout => "timed out",
                TransportErrorKind::ConnectionLost => "connection lost",
                TransportErrorKind::TooLarge => "answer refused",
                TransportErrorKind::Other => "transport failure",
            };
            format!("{kind}: {}", t.message)
        }
        Error::Token(m) => format!("no usable token: {m}"),
        Error::Maskinporten(p) => describe_status("Maskinporten refused the grant", p),
        Error::InvalidResponse(m) => format!("unusable answer from the server: {m}"),
        Error::Misuse(m) => format!("host bug: {m}"),
    }
}

fn describe_status(what: &str, p: &StatusProblem) -> String {
    describe_problem(what, p.status, &p.code, &p.message)
}

fn describe_problem(what: &str, status: u16, code: &Option<String>, message: &str) -> String {
    match code {
        Some(code) => format!("{what} (HTTP {status}, {code}): {message}"),
        None => format!("{what} (HTTP {status}): {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::pretty_json;

    #[test]
    fn pretty_json_keeps_order_and_strings() {
        let compact = br#"{"b":"x, \"y\": {z}","a":[],"c":[{"d":1},{}]}"#;
        let pretty = pretty_json(compact);
        assert_eq!(pretty, "{\n  \"b\": \"x, \\\"y\\\": {z}\",\n  \"a\": [],\n  \"c\": [\n    {\n      \"d\": 1\n    },\n    {}\n  ]\n}");
        let back: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(back, serde_json::from_slice::<serde_json::Value>(compact).unwrap());
        assert_eq!(pretty_json(b"not json"), "not json");
    }
}
