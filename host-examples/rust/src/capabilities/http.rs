//! The `http` import over ureq: one request as given, no redirects, the request's timeout for
//! the whole exchange (connect, headers and body), the request's answer cap counted on the
//! bytes received, no decompression, non-2xx statuses as responses, transport failures as
//! `transport-failure` (SECURITY.md, the limits policy).

use std::fmt;
use std::io;
use std::time::Duration;

use ureq::http;

use crate::bindings::wit::{Header, HttpRequest, HttpResponse, Method, TransportErrorKind, TransportFailure};

/// Sends the component's HTTP requests. Implementations must not follow redirects and must
/// not put header values or bodies in a `TransportFailure` message.
pub trait HttpTransport: Send + Sync {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportFailure>;
}

/// Used when a request says `timeout-ms: 0`, which cannot mean "give up at once".
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Real HTTP with ureq. Proxies come from the environment (`HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY`, `NO_PROXY`).
#[derive(Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The agent's config may hold proxy credentials: show nothing of it.
        f.debug_struct("UreqTransport").finish_non_exhaustive()
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl UreqTransport {
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            // A bearer token must never follow a redirect to another host: hand 3xx back.
            .max_redirects(0)
            // 4xx/5xx carry Altinn's problem details; the component parses them.
            .http_status_as_error(false)
            .proxy(ureq::Proxy::try_from_env())
            .user_agent(concat!("systemuser-host/", env!("CARGO_PKG_VERSION")))
            .build();
        UreqTransport { agent: config.new_agent() }
    }
}

impl HttpTransport for UreqTransport {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportFailure> {
        let target = Target::of(&request.url);
        let timeout = match request.timeout_ms {
            0 => DEFAULT_TIMEOUT,
            ms => Duration::from_millis(ms.into()),
        };
        let mut builder = http::Request::builder()
            .method(match request.method {
                Method::Get => http::Method::GET,
                Method::Post => http::Method::POST,
                Method::Put => http::Method::PUT,
                Method::Delete => http::Method::DELETE,
            })
            .uri(request.url.as_str());
        for header in &request.headers {
            // Checked here so that a bad value is reported by name only.
            let name = http::HeaderName::from_bytes(header.name.as_bytes())
                .map_err(|_| other(format!("invalid header name `{}`", printable(&header.name))))?;
            let value = http::HeaderValue::from_str(&header.value)
                .map_err(|_| other(format!("the value of header `{name}` cannot be sent (control characters)")))?;
            builder = builder.header(name, value);
        }
        let result = match request.body {
            Some(body) => self.run(builder.body(body), timeout),
            None => self.run(builder.body(()), timeout),
        };
        let mut response = result.map_err(|e| failure(e, &target, timeout, request.max_response_bytes))?;

        // Never decompressed: a compressed answer could expand past any cap after it was counted.
        if let Some(encoding) = response.headers().get("content-encoding").filter(|e| !e.as_bytes().eq_ignore_ascii_case(b"identity")) {
            let encoding = printable(&String::from_utf8_lossy(encoding.as_bytes()));
            return Err(too_large(format!(
                "the answer from {} is compressed ({encoding}), which was not asked for; refused unread",
                target.0
            )));
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| Header { name: name.as_str().to_owned(), value: String::from_utf8_lossy(value.as_bytes()).into_owned() })
            .collect();
        let cap = u64::from(request.max_response_bytes);
        let body = response
            .body_mut()
            .with_config()
            .limit(cap)
            .read_to_vec()
            .map_err(|e| failure(e, &target, timeout, request.max_response_bytes))?;
        Ok(HttpResponse { status, headers, body })
    }
}

impl UreqTransport {
    fn run<B: ureq::AsSendBody>(
        &self,
        request: Result<http::Request<B>, http::Error>,
        timeout: Duration,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let request = self
            .agent
            .configure_request(request?)
            .timeout_global(Some(timeout))
            // Same deadline; ureq reports the phase that ran out, so a connect that times out
            // is told apart from a server that does not answer.
            .timeout_resolve(Some(timeout))
            .timeout_connect(Some(timeout))
            .build();
        self.agent.run(request)
    }
}

/// `host:port` of a URL, for messages (never the path or query: a page token lives there).
struct Target(String);

impl Target {
    fn of(url: &str) -> Self {
        let text = match url.parse::<http::Uri>() {
            Ok(uri) => match (uri.host(), uri.port_u16()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_owned(),
                _ => "the server".to_owned(),
            },
            Err(_) => "the server".to_owned(),
        };
        Target(text)
    }
}

fn other(message: String) -> TransportFailure {
    TransportFailure { kind: TransportErrorKind::Other, message }
}

fn too_large(message: String) -> TransportFailure {
    TransportFailure { kind: TransportErrorKind::TooLarge, message }
}

fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// Maps a ureq error to the WIT failure. The messages are written here rather than taken from
/// ureq, whose texts may quote a URL or a proxy answer.
fn failure(err: ureq::Error, target: &Target, timeout: Duration, cap: u32) -> TransportFailure {
    use TransportErrorKind::{Connect, ConnectionLost, Other, Timeout, TooLarge};
    let host = &target.0;
    let ms = timeout.as_millis();
    let (kind, message) = match err {
        ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
            (Connect, format!("could not connect to {host} within {ms} ms"))
        }
        ureq::Error::Timeout(_) => (Timeout, format!("no answer from {host} within {ms} ms")),
        ureq::Error::HostNotFound => (Connect, format!("host {host} not found")),
        ureq::Error::ConnectionFailed => (Connect, format!("could not connect to {host}")),
        ureq::Error::Io(e) => return io_failure(&e, host),
        ureq::Error::Protocol(_) => (ConnectionLost, format!("the answer from {host} is not valid HTTP/1.1")),
        ureq::Error::BadUri(_) => (Other, "the request URL is not a valid absolute URL".into()),
        ureq::Error::Http(_) => (Other, "the request cannot be built (bad method, URL or header)".into()),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) | ureq::Error::TlsRequired => {
            (Other, format!("TLS failed with {host}"))
        }
        ureq::Error::InvalidProxyUrl | ureq::Error::ConnectProxyFailed(_) => {
            (Other, format!("the proxy (from HTTPS_PROXY/HTTP_PROXY/ALL_PROXY) refused or failed the connection to {host}"))
        }
        ureq::Error::BodyExceedsLimit(_) => (TooLarge, format!("the answer from {host} is larger than {cap} bytes; stopped reading")),
        ureq::Error::LargeResponseHeader(_, _) => (Other, format!("the answer from {host} has oversized headers")),
        _ => (Other, format!("the HTTP exchange with {host} failed")),
    };
    TransportFailure { kind, message }
}

fn io_failure(e: &io::Error, host: &str) -> TransportFailure {
    use io::ErrorKind as K;
    use TransportErrorKind::{Connect, ConnectionLost, Other, Timeout};
    let kind = match e.kind() {
        K::ConnectionRefused
        | K::AddrNotAvailable
        | K::NotConnected
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NetworkDown
        | K::AddrInUse => Connect,
        K::TimedOut | K::WouldBlock => Timeout,
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => ConnectionLost,
        _ => Other,
    };
    // std's resolver failure is an uncategorised error whose text says so ("failed to lookup
    // address information: …"): the kind alone would read "uncategorized error".
    if e.to_string().starts_with("failed to lookup address") {
        return TransportFailure { kind: Connect, message: format!("host {host} not found (the name does not resolve)") };
    }
    if e.kind() == K::InvalidData {
        return TransportFailure {
            kind: Other,
            message: format!("the answer from {host} could not be read (https to a plain-http server, or the reverse?)"),
        };
    }
    // `ErrorKind`'s text ("connection refused") and not the error's own, which may be the OS's.
    TransportFailure { kind, message: format!("HTTP exchange with {host}: {}", e.kind()) }
}

/// A `Debug`-safe view of a request for logs: the method, URL and header names, not values.
pub fn redacted(request: &HttpRequest) -> String {
    let names: Vec<&str> = request.headers.iter().map(|h| h.name.as_str()).collect();
    format!("{:?} {} headers=[{}] body={} bytes", request.method, request.url, names.join(", "), request.body.as_ref().map_or(0, Vec::len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn get(url: String, timeout_ms: u32) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url,
            headers: vec![Header { name: "authorization".into(), value: "Bearer s3cr3t".into() }],
            body: None,
            timeout_ms,
            max_response_bytes: 1 << 20,
        }
    }

    /// Answers one connection with `answer`, after reading the request head.
    fn serve_once(answer: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            stream.write_all(answer.as_bytes()).unwrap();
        });
        format!("http://{addr}/x")
    }

    #[test]
    fn non_2xx_and_redirects_come_back_as_responses() {
        let url = serve_once("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
        let response = UreqTransport::new().send(get(url, 5_000)).unwrap();
        assert_eq!(response.status, 404);

        let url = serve_once("HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/elsewhere\r\ncontent-length: 0\r\n\r\n");
        let response = UreqTransport::new().send(get(url, 5_000)).unwrap();
        assert_eq!(response.status, 302);
    }

    #[test]
    fn refused_connection_is_connect_and_secret_free() {
        // Bind then drop: the port is (almost certainly) closed now.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = UreqTransport::new().send(get(format!("http://127.0.0.1:{port}/x?token=page"), 5_000)).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Connect, "{}", err.message);
        assert!(!err.message.contains("s3cr3t") && !err.message.contains("page"));
    }

    #[test]
    fn silent_server_is_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x", listener.local_addr().unwrap());
        let err = UreqTransport::new().send(get(url, 300)).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Timeout, "{}", err.message);
        drop(listener);
    }

    #[test]
    fn a_compressed_answer_is_refused_unread() {
        let url = serve_once("HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: 4\r\n\r\nGZIP");
        let err = UreqTransport::new().send(get(url, 5_000)).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::TooLarge, "{}", err.message);
        assert!(err.message.contains("compressed (gzip)"), "{}", err.message);
    }

    #[test]
    fn an_answer_over_the_cap_stops_at_the_cap() {
        let url = serve_once("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789012345678901234567890123456789");
        let mut request = get(url, 5_000);
        request.max_response_bytes = 16;
        let err = UreqTransport::new().send(request).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::TooLarge, "{}", err.message);
    }

    #[test]
    fn a_trickling_body_ends_at_the_exchange_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n");
            for _ in 0..1000 {
                if stream.write_all(b" ").is_err() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        let started = std::time::Instant::now();
        let err = UreqTransport::new().send(get(url, 700)).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Timeout, "{}", err.message);
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "took {:?}", started.elapsed());
    }

    #[test]
    fn bad_header_value_is_named_not_shown() {
        let mut request = get("http://127.0.0.1:9/".into(), 1_000);
        request.headers[0].value = "Bearer s3cr3t\r\nx: y".into();
        let err = UreqTransport::new().send(request).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Other);
        assert!(err.message.contains("authorization") && !err.message.contains("s3cr3t"));
    }
}
