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

/// `what (HTTP status, code): message`, saying each thing once: the status and the code are
/// left out of the parentheses when the message names them already, and `what` when the
/// message starts with the same word (the component's Maskinporten messages do: then the
/// message alone).
fn describe_problem(what: &str, status: u16, code: &Option<String>, message: &str) -> String {
    let mut said = Vec::new();
    if !mentions(message, &status.to_string()) {
        said.push(format!("HTTP {status}"));
    }
    if let Some(code) = code.as_deref().filter(|c| !c.is_empty() && !mentions(message, c)) {
        said.push(code.to_string());
    }
    // A message that starts as `what` does is a whole sentence of its own (the component's
    // Maskinporten messages name the issuer, the OAuth error and the MP code).
    let first_word = what.split(' ').next().unwrap_or(what);
    if first_word.len() > 3 && message.starts_with(first_word) {
        return message.to_string();
    }
    if said.is_empty() {
        format!("{what}: {message}")
    } else {
        format!("{what} ({}): {message}", said.join(", "))
    }
}

/// Whether `text` holds `word` as a whole word (not inside a longer number or code).
fn mentions(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

#[cfg(test)]
mod tests {
    use super::{describe_problem, pretty_json};

    #[test]
    fn a_problem_says_its_status_and_code_once() {
        let code = Some("AUTH-00011".to_string());
        assert_eq!(
            describe_problem("not found", 404, &code, "Altinn knows no such system (AUTH-00011): check the id"),
            "not found (HTTP 404): Altinn knows no such system (AUTH-00011): check the id"
        );
        assert_eq!(
            describe_problem("forbidden", 403, &None, "Altinn refused (403): no scope"),
            "forbidden: Altinn refused (403): no scope"
        );
        assert_eq!(describe_problem("conflict", 409, &code, "taken"), "conflict (HTTP 409, AUTH-00011): taken");
        // 40 inside 400, AUTH-0001 inside AUTH-00011: not a mention.
        assert_eq!(
            describe_problem("not found", 40, &Some("AUTH-0001".into()), "HTTP 400, AUTH-00011"),
            "not found (HTTP 40, AUTH-0001): HTTP 400, AUTH-00011"
        );
        let mp = Some("MP-100".to_string());
        assert_eq!(
            describe_problem(
                "Maskinporten refused the grant",
                400,
                &mp,
                "Maskinporten (http://x/) refused the grant (invalid_client: Unknown client (MP-100))."
            ),
            "Maskinporten (http://x/) refused the grant (invalid_client: Unknown client (MP-100))."
        );
    }

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
