//! The glue to the `onboarding-service` world: the incoming request read (bounded), handed to
//! `app::handle`, the answer written; each Altinn exchange sent through
//! `wasi:http/outgoing-handler` with the exchange's timeout and answer cap enforced here.

// The WIT is put together by `cargo run -p xtask -- service` (the world from
// wit/onboarding-service/, the wasi packages from the wasmtime-wasi-http crate's source).
wit_bindgen::generate!({
    path: "../target/wasm/onboarding-service-wit",
    world: "altinn:onboarding-service/onboarding-service",
    generate_all,
});

use crate::app::{self, Answer, Platform, Settings, MAX_BODY};
use altinn_systemuser::http::{Header, HttpRequest, HttpResponse, Method as CoreMethod};
use altinn_systemuser::model::DateTime;
use altinn_systemuser::operation::Io;
use altinn_systemuser::{TransportErrorKind, TransportFailure};
use exports::wasi::http::incoming_handler::Guest;
use wasi::cli::environment;
use wasi::clocks::{monotonic_clock, wall_clock};
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingRequest, OutgoingResponse, RequestOptions,
    ResponseOutparam, Scheme,
};
use wasi::io::poll;
use wasi::io::streams::{InputStream, StreamError};

struct Service;
export!(Service);

/// `blocking-write-and-flush` takes at most this many bytes a call.
const WRITE_CHUNK: usize = 4096;
const NANOS_PER_MS: u64 = 1_000_000;

impl Guest for Service {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let answer = serve(request);
        let headers = Fields::new();
        for (name, value) in &answer.headers {
            // Our own header names and values: always valid.
            let _ = headers.append(name, value.as_bytes());
        }
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(answer.status);
        let Ok(body) = response.body() else { return };
        ResponseOutparam::set(response_out, Ok(response));
        if let Ok(stream) = body.write() {
            for chunk in answer.body.chunks(WRITE_CHUNK) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
        }
        let _ = OutgoingBody::finish(body, None);
    }
}

fn serve(request: IncomingRequest) -> Answer {
    let settings = match Settings::from_vars(&environment::get_environment()) {
        Ok(settings) => settings,
        Err(e) => return app::misconfigured(&e),
    };
    let method = match request.method() {
        Method::Get => "GET".to_string(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Patch => "PATCH".into(),
        Method::Options => "OPTIONS".into(),
        Method::Connect => "CONNECT".into(),
        Method::Trace => "TRACE".into(),
        Method::Other(other) => other,
    };
    let path = request.path_with_query().unwrap_or_else(|| "/".into());
    let content_type = header(&request.headers(), "content-type");
    let body = if method == "POST" { read_incoming(&request) } else { Some(Vec::new()) };
    let mut platform = Wasi { settings: settings.clone() };
    app::handle(&settings, &mut platform, &method, &path, content_type.as_deref(), body.as_deref())
}

fn header(fields: &Fields, name: &str) -> Option<String> {
    fields.get(name).into_iter().next().and_then(|v| String::from_utf8(v).ok())
}

/// The request body, `None` past `MAX_BODY` (or when it cannot be read).
fn read_incoming(request: &IncomingRequest) -> Option<Vec<u8>> {
    let body = request.consume().ok()?;
    let stream = body.stream().ok()?;
    let mut out = Vec::new();
    loop {
        match stream.blocking_read(MAX_BODY as u64 + 1) {
            Ok(chunk) => {
                out.extend_from_slice(&chunk);
                if out.len() > MAX_BODY {
                    return None;
                }
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(_)) => return None,
        }
    }
    drop(stream);
    let _ = IncomingBody::finish(body);
    Some(out)
}

/// The platform as the operation machine sees it.
struct Wasi {
    settings: Settings,
}

impl Platform for Wasi {
    fn seed(&mut self) -> Vec<u8> {
        wasi::random::random::get_random_bytes(32)
    }
}

impl Io for Wasi {
    fn token(&mut self, _scopes: &[String]) -> Result<String, String> {
        self.settings.token()
    }

    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        send(request)
    }

    fn sign(&mut self, _data: &[u8]) -> Result<Vec<u8>, String> {
        // Never asked: this service sets no `config.maskinporten` (service/README.md).
        Err("this service holds no signing key".into())
    }

    fn sleep(&mut self, ms: u32) {
        monotonic_clock::subscribe_duration(u64::from(ms) * NANOS_PER_MS).block();
    }

    fn now(&mut self) -> DateTime {
        let now = wall_clock::now();
        DateTime { seconds: i64::try_from(now.seconds).unwrap_or(i64::MAX), nanoseconds: now.nanoseconds }
    }
}

fn failure(kind: TransportErrorKind, message: impl Into<String>) -> TransportFailure {
    TransportFailure { kind, message: message.into() }
}

/// One exchange: the whole of it (connect, headers, body) within `timeout_ms`, the answer's
/// body cut off past `max_response_bytes` (`too-large`), a compressed answer refused. No
/// redirect is followed (wasi:http never follows one).
fn send(request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
    let deadline = monotonic_clock::now().saturating_add(u64::from(request.timeout_ms) * NANOS_PER_MS);
    let (scheme, authority, path) =
        split_url(&request.url).ok_or_else(|| failure(TransportErrorKind::Other, "the URL is not absolute http(s)"))?;
    let headers = Fields::new();
    for Header { name, value } in &request.headers {
        headers
            .append(name, value.as_bytes())
            .map_err(|_| failure(TransportErrorKind::Other, format!("the host refuses the header {name}")))?;
    }
    let outgoing = OutgoingRequest::new(headers);
    let method = match request.method {
        CoreMethod::Get => Method::Get,
        CoreMethod::Post => Method::Post,
        CoreMethod::Put => Method::Put,
        CoreMethod::Delete => Method::Delete,
    };
    let set = outgoing.set_method(&method).is_ok()
        && outgoing.set_scheme(Some(&scheme)).is_ok()
        && outgoing.set_authority(Some(authority)).is_ok()
        && outgoing.set_path_with_query(Some(path)).is_ok();
    if !set {
        return Err(failure(TransportErrorKind::Other, "the host refuses the request's URL"));
    }
    let options = RequestOptions::new();
    let timeout = Some(u64::from(request.timeout_ms) * NANOS_PER_MS);
    // Hosts may not support every timeout: the deadline below holds regardless.
    let _ = options.set_connect_timeout(timeout);
    let _ = options.set_first_byte_timeout(timeout);
    let _ = options.set_between_bytes_timeout(timeout);
    let body = outgoing.body().map_err(|_| failure(TransportErrorKind::Other, "no request body"))?;
    let future = outgoing_handler::handle(outgoing, Some(options)).map_err(error_code)?;
    if let Some(bytes) = &request.body {
        let stream = body.write().map_err(|_| failure(TransportErrorKind::Other, "no request body stream"))?;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|_| failure(TransportErrorKind::ConnectionLost, "the request body could not be sent"))?;
        }
    }
    OutgoingBody::finish(body, None).map_err(error_code)?;
    wait_until(&future.subscribe(), deadline)?;
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Err(error_code(code)),
        _ => return Err(failure(TransportErrorKind::Other, "the host lost the response")),
    };
    let headers: Vec<Header> = response
        .headers()
        .entries()
        .into_iter()
        .filter_map(|(name, value)| String::from_utf8(value).ok().map(|value| Header { name, value }))
        .collect();
    let encoded =
        headers.iter().any(|h| h.name.eq_ignore_ascii_case("content-encoding") && !h.value.trim().eq_ignore_ascii_case("identity"));
    if encoded {
        return Err(failure(TransportErrorKind::TooLarge, "the answer is compressed; this service never decompresses"));
    }
    let status = response.status();
    let incoming = response.consume().map_err(|_| failure(TransportErrorKind::Other, "no response body"))?;
    let stream = incoming.stream().map_err(|_| failure(TransportErrorKind::Other, "no response body stream"))?;
    let body = read_capped(&stream, request.max_response_bytes, deadline)?;
    drop(stream);
    drop(incoming);
    Ok(HttpResponse { status, headers, body })
}

/// Waits for `pollable` or the deadline, whichever comes first.
fn wait_until(pollable: &poll::Pollable, deadline: u64) -> Result<(), TransportFailure> {
    let timer = monotonic_clock::subscribe_instant(deadline);
    let ready = poll::poll(&[pollable, &timer]);
    if ready.contains(&0) {
        Ok(())
    } else {
        Err(failure(TransportErrorKind::Timeout, "Altinn did not answer in time"))
    }
}

/// The body, read as it arrives; more than `cap` bytes is `too-large` (reading stops there).
fn read_capped(stream: &InputStream, cap: u32, deadline: u64) -> Result<Vec<u8>, TransportFailure> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut body = Vec::new();
    loop {
        match stream.read(64 * 1024) {
            Ok(chunk) if chunk.is_empty() => wait_until(&stream.subscribe(), deadline)?,
            Ok(chunk) => {
                body.extend_from_slice(&chunk);
                if body.len() > cap {
                    return Err(failure(TransportErrorKind::TooLarge, format!("the answer is longer than {cap} bytes")));
                }
            }
            Err(StreamError::Closed) => return Ok(body),
            Err(StreamError::LastOperationFailed(_)) => {
                return Err(failure(TransportErrorKind::ConnectionLost, "the answer's body broke off"))
            }
        }
    }
}

fn error_code(code: ErrorCode) -> TransportFailure {
    let kind = match code {
        ErrorCode::DnsTimeout
        | ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => TransportErrorKind::Timeout,
        ErrorCode::DnsError(_)
        | ErrorCode::DestinationNotFound
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionRefused => TransportErrorKind::Connect,
        ErrorCode::ConnectionTerminated | ErrorCode::HttpResponseIncomplete => TransportErrorKind::ConnectionLost,
        ErrorCode::HttpResponseBodySize(_) | ErrorCode::HttpResponseHeaderSize(_) | ErrorCode::HttpResponseHeaderSectionSize(_) => {
            TransportErrorKind::TooLarge
        }
        _ => TransportErrorKind::Other,
    };
    failure(kind, format!("{code:?}"))
}

/// `scheme://authority/path?query` split for wasi:http; `None` for anything else.
fn split_url(url: &str) -> Option<(Scheme, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = match scheme {
        "https" => Scheme::Https,
        "http" => Scheme::Http,
        _ => return None,
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    Some((scheme, authority, if path.is_empty() { "/" } else { path }))
}
