//! Error answers as the server sends them: AUTH problem details (current or pre-2026
//! shape), ASP.NET validation problems, the error controller's 500, and empty bodies.

use crate::error_codes::PROBLEM_CODES;
use crate::http::Response;
use crate::ids;
use crate::ordered::{Node, Ordered};

/// Which problem-details shape AUTH errors use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemShape {
    /// Mid-2026 servers: `type` `urn:altinn:error:AUTH-…`, `title` = message, `statusDescription`.
    #[default]
    Current,
    /// Earlier servers: RFC 9110 `type`, `title` = reason phrase, message in `detail`.
    Legacy,
}

impl std::str::FromStr for ProblemShape {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "current" => Ok(Self::Current),
            "legacy" => Ok(Self::Legacy),
            other => Err(format!("unknown problem shape {other:?} (current|legacy)")),
        }
    }
}

pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// The RFC 9110 section ASP.NET links for a status.
pub fn rfc9110_type(status: u16) -> &'static str {
    match status {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        _ => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
    }
}

/// Status and title of an AUTH code; an unknown code is a bug here, answered as AUTH-00005.
pub fn lookup(code: &str) -> (u16, &'static str) {
    PROBLEM_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, s, t)| (*s, *t))
        .unwrap_or((400, "Default error at the end of logic chain. Not supposed to appear."))
}

/// An AUTH problem in the chosen shape. `extensions` become extra top-level members
/// (`NotFoundPackages`, `NotDelegablePackages`).
pub fn auth_problem(shape: ProblemShape, code: &str, extensions: &[(&str, String)]) -> Response {
    let (status, title) = lookup(code);
    let mut members: Vec<(String, Node)> = match shape {
        ProblemShape::Current => vec![
            ("type".into(), Node::from(format!("urn:altinn:error:{code}"))),
            ("title".into(), Node::from(title)),
            ("status".into(), Node::from(status)),
            ("code".into(), Node::from(code)),
            ("traceId".into(), Node::from(ids::trace_id())),
            ("statusDescription".into(), Node::from(reason_phrase(status))),
        ],
        ProblemShape::Legacy => vec![
            ("type".into(), Node::from(rfc9110_type(status))),
            ("title".into(), Node::from(reason_phrase(status))),
            ("status".into(), Node::from(status)),
            ("detail".into(), Node::from(title)),
            ("code".into(), Node::from(code)),
            ("traceId".into(), Node::from(ids::trace_id())),
        ],
    };
    for (k, v) in extensions {
        members.push(((*k).to_string(), Node::from(v.as_str())));
    }
    Response::problem(status, &Ordered(members))
}

/// One item of a validation problem's `validationErrors` (`AltinnValidationError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationItem {
    pub code: &'static str,
    pub title: &'static str,
    pub paths: Vec<String>,
    /// Extension members after `paths` (`ProblemExtensionData`), e.g.
    /// `("ResourceIds Not Found : ", "a | b")`.
    pub extensions: Vec<(String, String)>,
}

impl ValidationItem {
    pub fn new(descriptor: crate::error_codes::vld::Descriptor, path: &str) -> Self {
        Self { code: descriptor.0, title: descriptor.1, paths: vec![path.to_string()], extensions: Vec::new() }
    }

    pub fn with_extension(mut self, key: &str, value: String) -> Self {
        self.extensions.push((key.to_string(), value));
        self
    }
}

/// The `STD-00000` validation problem (`AltinnValidationProblemDetails`) carrying every item
/// together. Current shape: items `{code, title, paths, …extensions}`; legacy: the message in
/// `detail`, as AUTH problems before fda30fb4.
pub fn validation_errors(shape: ProblemShape, items: &[ValidationItem]) -> Response {
    let message = "One or more validation errors occurred.";
    let list: Vec<Ordered> = items
        .iter()
        .map(|i| {
            let text = match shape {
                ProblemShape::Current => "title",
                ProblemShape::Legacy => "detail",
            };
            let mut o = Ordered::new().with("code", i.code).with(text, i.title).with("paths", Node::from(serde_json::json!(i.paths)));
            for (k, v) in &i.extensions {
                o.put(k, v.as_str());
            }
            o
        })
        .collect();
    let mut members: Vec<(String, Node)> = match shape {
        ProblemShape::Current => vec![
            ("type".into(), Node::from("urn:altinn:error:STD-00000")),
            ("title".into(), Node::from(message)),
            ("status".into(), Node::from(400)),
            ("code".into(), Node::from("STD-00000")),
            ("traceId".into(), Node::from(ids::trace_id())),
            ("statusDescription".into(), Node::from(reason_phrase(400))),
        ],
        ProblemShape::Legacy => vec![
            ("type".into(), Node::from(rfc9110_type(400))),
            ("title".into(), Node::from(reason_phrase(400))),
            ("status".into(), Node::from(400)),
            ("detail".into(), Node::from(message)),
            ("code".into(), Node::from("STD-00000")),
            ("traceId".into(), Node::from(ids::trace_id())),
        ],
    };
    members.push(("validationErrors".into(), Node::from(list)));
    Response::problem(400, &Ordered(members))
}

/// A `ProblemDetails` a controller builds by hand (`NotFound(new ProblemDetails { … })`): only the
/// members it sets, no `code`, no `traceId`.
pub fn plain_problem(status: u16, problem_type: Option<&str>, title: &str, detail: &str) -> Response {
    let mut body = Ordered::new();
    if let Some(t) = problem_type {
        body.put("type", t);
    }
    body.put("title", title).put("status", status).put("detail", detail);
    Response::problem(status, &body)
}

/// ASP.NET's automatic 400 for model binding and validation failures.
pub fn validation_problem(errors: Vec<(String, Vec<String>)>) -> Response {
    let errors = Ordered(errors.into_iter().map(|(k, msgs)| (k, Node::from(msgs))).collect());
    let body = Ordered(vec![
        ("type".into(), Node::from(rfc9110_type(400))),
        ("title".into(), Node::from("One or more validation errors occurred.")),
        ("status".into(), Node::from(400)),
        ("errors".into(), Node::Object(errors)),
        ("traceId".into(), Node::from(ids::trace_id())),
    ]);
    Response::problem(400, &body)
}

/// A framework problem without AUTH code (415, 405 with body, …).
pub fn framework_problem(status: u16) -> Response {
    let body = Ordered(vec![
        ("type".into(), Node::from(rfc9110_type(status))),
        ("title".into(), Node::from(reason_phrase(status))),
        ("status".into(), Node::from(status)),
        ("traceId".into(), Node::from(ids::trace_id())),
    ]);
    Response::problem(status, &body)
}

/// The error controller's answer to an unhandled exception.
pub fn internal_error() -> Response {
    let body = Ordered(vec![
        ("type".into(), Node::from(rfc9110_type(500))),
        ("title".into(), Node::from("An error occurred while processing your request.")),
        ("status".into(), Node::from(500)),
        ("traceId".into(), Node::from(ids::trace_id())),
    ]);
    Response::problem(500, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn body(r: &Response) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    #[test]
    fn current_shape() {
        let r = auth_problem(ProblemShape::Current, "AUTH-00011", &[]);
        assert_eq!(r.status, 404);
        let v = body(&r);
        assert_eq!(v["type"], "urn:altinn:error:AUTH-00011");
        assert_eq!(v["title"], "The Id does not refer to a Registered System.");
        assert_eq!(v["code"], "AUTH-00011");
        assert_eq!(v["statusDescription"], "Not Found");
        assert!(v.get("detail").is_none());
        let text = String::from_utf8(r.body.clone()).unwrap();
        assert!(text.starts_with("{\"type\":"));
    }

    #[test]
    fn legacy_shape() {
        let r = auth_problem(ProblemShape::Legacy, "AUTH-00007", &[("X", "y".into())]);
        let v = body(&r);
        assert_eq!(v["type"], "https://tools.ietf.org/html/rfc9110#section-15.5.1");
        assert_eq!(v["title"], "Bad Request");
        assert_eq!(v["detail"], lookup("AUTH-00007").1);
        assert_eq!(v["X"], "y");
    }
}
