//! HTTP plumbing: our own small request/response values (so routes are plain
//! synchronous functions), and the hyper server loop that applies faults around them, with
//! its limits: a header-read timeout (which also ends idle keep-alive connections) and a cap on
//! concurrent connections.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::faults::FaultAction;
use crate::hostile;
use crate::problems;
use crate::routes;
use crate::state::{CallRecord, Shared};

/// Bodies above this are refused with 413; no legitimate call comes near it.
const MAX_BODY: usize = 1 << 20;

/// A connection whose request head is not complete this long after it opened or after its
/// previous answer (an idle keep-alive connection too: hyper runs one timer for both) is closed.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

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

    /// The first value of a query parameter; names match case-insensitively, as ASP.NET's
    /// query value provider does.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
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
        match serde_json::to_vec(body) {
            Ok(body) => Self { status, headers: vec![("content-type".into(), content_type.into())], body },
            // Never an empty answer under the route's status: a body that cannot be written is
            // the server's failure, as ASP.NET's would be.
            Err(e) => Self::text(500, &format!("the simulator could not write its answer: {e}")),
        }
    }

    pub fn json<T: Serialize>(status: u16, body: &T) -> Self {
        Self::with_body(status, "application/json; charset=utf-8", body)
    }

    pub fn problem<T: Serialize>(status: u16, body: &T) -> Self {
        Self::with_body(status, "application/problem+json; charset=utf-8", body)
    }

    /// A bare string, as a controller's `BadRequest("…")` writes it (the string formatter).
    pub fn text(status: u16, text: &str) -> Self {
        Self { status, headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())], body: text.as_bytes().to_vec() }
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
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an armed fault")
    }
}

impl std::error::Error for Dropped {}

/// Path segments, each percent-decoded on its own, so `%2F` never splits a segment.
fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(|s| percent_decode(s, false)).collect()
}

async fn to_request(req: hyper::Request<Incoming>) -> Result<Request, Response> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let segments = segments(&path);
    let query = parts.uri.query().map(parse_urlencoded).unwrap_or_default();
    let headers =
        parts.headers.iter().map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Err(problems::framework_problem(413)),
    };
    Ok(Request { method: parts.method.as_str().to_string(), path, segments, query, headers, body })
}

/// A response body: whole, or (a `truncated` fault) cut short and then failed, which makes
/// hyper close the connection with fewer bytes sent than its `Content-Length` says, or a
/// hostile stream.
pub enum SimBody {
    Full(Option<Bytes>),
    Truncated { part: Option<Bytes>, pause: Pin<Box<tokio::time::Sleep>> },
    Stream(hostile::Stream),
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = Dropped;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Dropped>>> {
        match self.get_mut() {
            SimBody::Full(b) => Poll::Ready(b.take().filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b)))),
            SimBody::Truncated { part, pause } => {
                if let Some(p) = part.take().filter(|p| !p.is_empty()) {
                    return Poll::Ready(Some(Ok(Frame::data(p))));
                }
                // Pending first, so hyper flushes the head and the part already written.
                match pause.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Dropped))),
                    Poll::Pending => Poll::Pending,
                }
            }
            SimBody::Stream(s) => s.poll_next(cx).map(|b| b.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            SimBody::Full(b) => b.is_none(),
            SimBody::Truncated { .. } => false,
            SimBody::Stream(s) => s.is_end(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SimBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            SimBody::Truncated { .. } => SizeHint::default(),
            SimBody::Stream(s) => s.size_hint(),
        }
    }
}

fn to_hyper(resp: Response) -> hyper::Response<SimBody> {
    build_hyper(resp.status, &resp.headers, SimBody::Full(Some(Bytes::from(resp.body))))
}

fn build_hyper(status: u16, headers: &[(String, String)], body: SimBody) -> hyper::Response<SimBody> {
    let mut b = hyper::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(body).unwrap_or_else(|_| {
        let mut r = hyper::Response::new(SimBody::Full(None));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

/// The route's real status and headers with a `Content-Length` of the whole body (or 16 when
/// it is empty), but only the first half of the body, then the connection is closed.
fn truncated(resp: Response) -> hyper::Response<SimBody> {
    let declared = if resp.body.is_empty() { 16 } else { resp.body.len() };
    let mut headers: Vec<(String, String)> = resp.headers.into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case("content-length")).collect();
    headers.push(("content-length".into(), declared.to_string()));
    let part = Bytes::from(resp.body[..resp.body.len() / 2].to_vec());
    let pause = Box::pin(tokio::time::sleep(std::time::Duration::from_millis(20)));
    build_hyper(resp.status, &headers, SimBody::Truncated { part: Some(part), pause })
}

/// Runs a route, then persists the state when the call may have changed it.
fn run_route(shared: &Shared, req: &Request, route: &routes::Route) -> Response {
    let resp = routes::handle(shared, req, route);
    if !matches!(req.method.as_str(), "GET" | "HEAD") {
        shared.persist();
    }
    resp
}

/// What a handler tells the connection it runs on.
#[derive(Default)]
struct ConnFlags {
    /// A `reset` fault fired: close with a TCP RST.
    reset: AtomicBool,
    /// A hostile answer started: fail the connection `hostile::MAX_DURATION` from now.
    hostile: AtomicBool,
}

/// The call log's path: the query is never shown.
fn logged_path(path: &str, has_query: bool) -> String {
    match has_query {
        true => format!("{path}?…"),
        false => path.to_string(),
    }
}

/// What the call log keeps of one call (one place for every path that answers).
fn call_record(
    req: &Request,
    route: Option<&'static str>,
    status: Option<u16>,
    fault: Option<&'static str>,
    latency_ms: u64,
) -> CallRecord {
    CallRecord {
        seq: 0,
        method: req.method.clone(),
        path: logged_path(&req.path, !req.query.is_empty()),
        route,
        status,
        fault,
        latency_ms: (latency_ms > 0).then_some(latency_ms),
    }
}

/// A 429 as the contract documents one (`429 Too Many Requests`, no content: the exchange route
/// of openapi-authentication; API.md describes no rate limiting): an empty body and `Retry-After`.
/// The throttle and the `status429` fault both answer it.
fn too_many_requests(retry_after: &str) -> Response {
    Response::empty(429).header("retry-after", retry_after)
}

/// Serves one call: the throttle first (a gateway in front of Altinn: a 429 does no work and
/// takes no fault), then the route with any armed fault; every answer of a named route then
/// waits its latency (a timer: other connections are served meanwhile) before it is written.
async fn handle(shared: Arc<Shared>, flags: Arc<ConnFlags>, req: hyper::Request<Incoming>) -> Result<hyper::Response<SimBody>, Dropped> {
    let req = match to_request(req).await {
        Ok(r) => r,
        Err(resp) => return Ok(to_hyper(resp)),
    };
    let route = routes::resolve(&req, shared.admin);
    let name = routes::fault_name(&route);
    let (latency_ms, throttle) = match name {
        Some(n) => {
            let mut inner = shared.lock();
            let throttle = inner.throttled(n);
            (inner.draw_latency(n), throttle)
        }
        None => (0, None),
    };
    let out = match throttle {
        Some(retry_after) => {
            let resp = too_many_requests(&retry_after.to_string());
            shared.lock().record_call(call_record(&req, name, Some(resp.status), Some("throttle"), latency_ms));
            Ok(to_hyper(resp))
        }
        None => answer(&shared, &flags, &req, &route, name, latency_ms).await,
    };
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    out
}

/// The route's answer, with the fault armed on it if any; records the call.
async fn answer(
    shared: &Arc<Shared>,
    flags: &ConnFlags,
    req: &Request,
    route: &routes::Route,
    name: Option<&'static str>,
    latency_ms: u64,
) -> Result<hyper::Response<SimBody>, Dropped> {
    let (shared, req, route) = (shared.clone(), req, route);
    let action = name.and_then(|n| shared.lock().faults.take(n));
    let record = |status: Option<u16>| call_record(req, name, status, action.map(FaultAction::label), latency_ms);
    // A streamed hostile answer: logged when its head goes out, capped in time by the connection.
    let streamed = |(head, body): (Response, hostile::Stream)| {
        shared.lock().record_call(record(Some(head.status)));
        flags.hostile.store(true, Ordering::SeqCst);
        Ok(build_hyper(head.status, &head.headers, SimBody::Stream(body)))
    };
    let resp = match action {
        None => run_route(&shared, req, route),
        Some(FaultAction::Status500) => problems::internal_error(),
        Some(FaultAction::Conflict) => {
            let shape = shared.lock().settings.problem_shape;
            problems::auth_problem(shape, "AUTH-00013", &[])
        }
        Some(FaultAction::Status503 { retry_after }) => match retry_after {
            Some(r) => Response::empty(503).header("retry-after", &hostile::retry_after(r)),
            None => Response::empty(503),
        },
        Some(FaultAction::Status429 { retry_after }) => too_many_requests(&hostile::retry_after(retry_after)),
        Some(FaultAction::EchoToken) => hostile::echo_token(req, name.unwrap_or_default()),
        Some(FaultAction::Mismatch { field }) => hostile::mismatch(run_route(&shared, req, route), field),
        Some(FaultAction::FreshPageToken) => {
            let done = run_route(&shared, req, route);
            let origin = routes::vendor::next_origin(&shared, &shared.lock(), req);
            hostile::fresh_page_token(done, name.unwrap_or_default(), &format!("{origin}{}", req.path))
        }
        Some(FaultAction::GzipBomb { expand_bytes }) => return streamed(hostile::gzip_bomb(expand_bytes)),
        Some(FaultAction::HugeBody { size_bytes }) => return streamed(hostile::huge_body(size_bytes)),
        Some(FaultAction::EndlessBody) => return streamed(hostile::endless_body()),
        Some(FaultAction::SlowBody { interval_ms }) => return streamed(hostile::slow_body(interval_ms)),
        Some(FaultAction::LostRequest) => {
            shared.lock().record_call(record(None));
            return Err(Dropped);
        }
        Some(FaultAction::LostResponse) => {
            let done = run_route(&shared, req, route);
            shared.lock().record_call(record(Some(done.status)));
            return Err(Dropped);
        }
        Some(FaultAction::Reset) => {
            let done = run_route(&shared, req, route);
            shared.lock().record_call(record(Some(done.status)));
            flags.reset.store(true, Ordering::SeqCst);
            return Err(Dropped);
        }
        Some(FaultAction::Truncated) => {
            let done = run_route(&shared, req, route);
            shared.lock().record_call(record(Some(done.status)));
            return Ok(truncated(done));
        }
        Some(FaultAction::Delay { ms }) => {
            // On a task of its own: a client that gives up (closes the connection) does not
            // cancel the work, as with a real server. The answer then goes nowhere. A restart
            // (the runtime dropped) does cancel it.
            let (task_shared, task_req, task_route) = (shared.clone(), req.clone(), route.clone());
            let work = tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                let resp = run_route(&task_shared, &task_req, &task_route);
                let record = call_record(&task_req, routes::fault_name(&task_route), Some(resp.status), Some("delay"), latency_ms);
                task_shared.lock().record_call(record);
                resp
            });
            return match work.await {
                Ok(resp) => Ok(to_hyper(resp)),
                Err(_) => Err(Dropped),
            };
        }
    };
    shared.lock().record_call(record(Some(resp.status)));
    Ok(to_hyper(resp))
}

/// Accepts connections until the runtime is dropped. Past `max_connections` open ones, a new
/// connection is closed at once, so a flood cannot take the simulator down for the others.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, max_connections: usize) {
    let slots = Arc::new(Semaphore::new(max_connections.max(1)));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            // Transient accept errors (e.g. too many open files): back off briefly.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else { continue };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            serve_connection(stream, shared).await;
            drop(slot);
        });
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    // Hyper writes a response head in one go, so a `slow_headers` fault takes the connection by
    // hand: while one is armed, the request head is read here first to find its route.
    let mut prefix = Vec::new();
    if shared.lock().faults.slow_headers_armed() {
        let Some(head) = hostile::read_head(&stream, HEADER_READ_TIMEOUT).await else { return };
        if let Some((call, interval_ms)) = slow_headers_fault(&shared, &head) {
            shared.lock().record_call(call);
            hostile::slow_headers(&stream, Duration::from_millis(interval_ms)).await;
            return;
        }
        prefix = head;
    }
    let flags = Arc::new(ConnFlags::default());
    let io = Conn { inner: stream, flags: flags.clone(), prefix, until: None };
    let svc = service_fn(move |req| handle(shared.clone(), flags.clone(), req));
    // Errors here are dropped connections (ours or the client's) and timeouts; nothing to do.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), svc)
        .await;
}

/// The call record and interval of a `slow_headers` fault that fires on this request head.
fn slow_headers_fault(shared: &Shared, head: &[u8]) -> Option<(CallRecord, u64)> {
    let line = head.split(|b| *b == b'\n').next()?;
    let mut parts = std::str::from_utf8(line).ok()?.split_whitespace();
    let (method, target) = (parts.next()?, parts.next()?);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let req = Request { method: method.to_string(), path: path.to_string(), segments: segments(path), ..Request::default() };
    let name = routes::fault_name(&routes::resolve(&req, shared.admin))?;
    let interval_ms = shared.lock().faults.take_slow_headers(name)?;
    let call = CallRecord {
        seq: 0,
        method: req.method,
        path: logged_path(path, !query.is_empty()),
        route: Some(name),
        status: Some(200),
        fault: Some("slow_headers"),
        latency_ms: None,
    };
    Some((call, interval_ms))
}

/// A connection as hyper sees it: first the request head read by hand (`prefix`), if any; closed
/// with a TCP RST (`SO_LINGER` 0) when a `reset` fault fired on it; failed once a hostile answer
/// has run `hostile::MAX_DURATION`, even when the client stopped reading.
struct Conn {
    inner: TcpStream,
    flags: Arc<ConnFlags>,
    prefix: Vec<u8>,
    until: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Conn {
    /// An error once the hostile answer's time is up; the timer wakes a write stuck on a full
    /// socket buffer too.
    fn check_time(&mut self, cx: &mut Context<'_>) -> std::io::Result<()> {
        if self.until.is_none() && self.flags.hostile.load(Ordering::SeqCst) {
            self.until = Some(Box::pin(tokio::time::sleep(hostile::MAX_DURATION)));
        }
        match self.until.as_mut().map(|t| t.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "hostile answer ended")),
            _ => Ok(()),
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.flags.reset.load(Ordering::SeqCst) {
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(std::time::Duration::ZERO));
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        this.check_time(cx)?;
        if !this.prefix.is_empty() {
            let n = this.prefix.len().min(buf.remaining());
            buf.put_slice(&this.prefix[..n]);
            this.prefix.drain(..n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.check_time(cx)?;
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        this.check_time(cx)?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.check_time(cx)?;
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
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

    #[test]
    fn a_body_that_cannot_be_written_is_a_500_with_a_reason_never_an_empty_200() {
        // JSON object keys must be strings: a map keyed by pairs cannot be written.
        let unwritable: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into_iter().collect();
        let resp = Response::json(200, &unwritable);
        assert_eq!(resp.status, 500);
        assert!(String::from_utf8_lossy(&resp.body).contains("could not write its answer"));
        let ok = Response::json(200, &serde_json::json!({"a": 1}));
        assert_eq!((ok.status, ok.body.as_slice()), (200, br#"{"a":1}"#.as_slice()));
    }
}
