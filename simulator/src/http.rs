//! HTTP plumbing: our own small request/response values (so routes are plain
//! synchronous functions), and the hyper server loop that applies faults around them.

use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpListener;

use crate::faults::FaultAction;
use crate::problems;
use crate::routes;
use crate::state::{CallRecord, Shared};

/// Bodies above this are refused with 413; no legitimate call comes near it.
const MAX_BODY: usize = 1 << 20;

/// A request as the routes see it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// The raw path, as sent.
    pub path: String,
    /// Path segments, each percent-decoded on its own, so `%2F` never splits a segment.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body read as `application/x-www-form-urlencoded`.
    pub fn form(&self) -> Vec<(String, String)> {
        parse_urlencoded(&String::from_utf8_lossy(&self.body))
    }

    /// `http://<Host header>`, which is what ASP.NET's `Url.Link` builds on.
    pub fn origin(&self, fallback: &str) -> String {
        match self.header("host") {
            Some(h) if !h.is_empty() && !h.contains(['/', ' ', '@']) => format!("http://{h}"),
            _ => fallback.to_string(),
        }
    }
}

/// A response as the routes build it.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn empty(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new() }
    }

    fn with_body<T: Serialize>(status: u16, content_type: &str, body: &T) -> Self {
        Self { status, headers: vec![("content-type".into(), content_type.into())], body: serde_json::to_vec(body).unwrap_or_default() }
    }

    pub fn json<T: Serialize>(status: u16, body: &T) -> Self {
        Self::with_body(status, "application/json; charset=utf-8", body)
    }

    pub fn problem<T: Serialize>(status: u16, body: &T) -> Self {
        Self::with_body(status, "application/problem+json; charset=utf-8", body)
    }

    pub fn html(status: u16, page: String) -> Self {
        Self { status, headers: vec![("content-type".into(), "text/html; charset=utf-8".into())], body: page.into_bytes() }
    }

    /// 303 See Other: after a form POST the browser follows with a GET.
    pub fn see_other(location: &str) -> Self {
        Self::empty(303).header("location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes; `plus_is_space` for query strings and forms.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn parse_urlencoded(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(p, true), String::new()),
        })
        .collect()
}

/// Why a connection was dropped on purpose (a lost-response or lost-request fault).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an armed fault")
    }
}

impl std::error::Error for Dropped {}

async fn to_request(req: hyper::Request<Incoming>) -> Result<Request, Response> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let segments = path.split('/').filter(|s| !s.is_empty()).map(|s| percent_decode(s, false)).collect();
    let query = parts.uri.query().map(parse_urlencoded).unwrap_or_default();
    let headers =
        parts.headers.iter().map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Err(problems::framework_problem(413)),
    };
    Ok(Request { method: parts.method.as_str().to_string(), path, segments, query, headers, body })
}

fn to_hyper(resp: Response) -> hyper::Response<Full<Bytes>> {
    let mut b = hyper::Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Full::new(Bytes::from(resp.body))).unwrap_or_else(|_| {
        let mut r = hyper::Response::new(Full::new(Bytes::new()));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

async fn handle(shared: Arc<Shared>, req: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let req = match to_request(req).await {
        Ok(r) => r,
        Err(resp) => return Ok(to_hyper(resp)),
    };
    let route = routes::resolve(&req, shared.admin);
    let name = routes::fault_name(&route);
    let action = name.and_then(|n| shared.lock().faults.take(n));
    let fault_label = action.map(|a| match a {
        FaultAction::Status500 => "status_500",
        FaultAction::Status503 { .. } => "status_503",
        FaultAction::Delay { .. } => "delay",
        FaultAction::LostResponse => "lost_response",
        FaultAction::LostRequest => "lost_request",
        FaultAction::Conflict => "conflict",
    });
    let record = |status: Option<u16>| CallRecord {
        seq: 0,
        method: req.method.clone(),
        path: match req.query.is_empty() {
            true => req.path.clone(),
            false => format!("{}?…", req.path),
        },
        route: name,
        status,
        fault: fault_label,
    };
    let resp = match action {
        Some(FaultAction::Status500) => problems::internal_error(),
        Some(FaultAction::Conflict) => {
            let shape = shared.lock().settings.problem_shape;
            problems::auth_problem(shape, "AUTH-00013", &[])
        }
        Some(FaultAction::Status503 { retry_after_secs }) => {
            let r = Response::empty(503);
            match retry_after_secs {
                Some(s) => r.header("retry-after", &s.to_string()),
                None => r,
            }
        }
        Some(FaultAction::LostRequest) => {
            shared.lock().record_call(record(None));
            return Err(Dropped);
        }
        Some(FaultAction::LostResponse) => {
            let done = routes::handle(&shared, &req, &route);
            shared.lock().record_call(record(Some(done.status)));
            return Err(Dropped);
        }
        Some(FaultAction::Delay { ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            routes::handle(&shared, &req, &route)
        }
        None => routes::handle(&shared, &req, &route),
    };
    shared.lock().record_call(record(Some(resp.status)));
    Ok(to_hyper(resp))
}

/// Accepts connections until the runtime is dropped.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            // Transient accept errors (e.g. too many open files): back off briefly.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(shared.clone(), req));
            // Errors here are dropped connections (ours or the client's); nothing to do.
            let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%2Fb", false), "a/b");
        assert_eq!(percent_decode("a+b%", true), "a b%");
        assert_eq!(percent_decode("%zz", false), "%zz");
        assert_eq!(percent_decode("%C3%B8", false), "ø");
        assert_eq!(percent_encode("a/b ø"), "a%2Fb%20%C3%B8");
        assert_eq!(
            parse_urlencoded("a=1&b=x+y&c"),
            vec![("a".into(), "1".into()), ("b".into(), "x y".into()), ("c".into(), String::new())]
        );
    }
}
