//! The answers of a hostile or broken server (the fault kinds after `conflict`): `Retry-After`
//! values, a problem that echoes the caller's secret, answers rewritten to belong to another
//! question or to never end a listing, streamed bodies that are a gzip bomb, huge, endless or
//! slow, and a response head that never ends. Nothing here is logged: the call log only gets the
//! fault's name.

use std::collections::VecDeque;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Duration;

use flate2::write::DeflateEncoder;
use flate2::Compression;
use hyper::body::{Bytes, SizeHint};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use crate::clock;
use crate::faults::{MismatchField, RetryAfter, RetryAfterForm, MIN_SIZE_BYTES};
use crate::http::{Request, Response};
use crate::ids;
use crate::ordered::{Node, Ordered};
use crate::problems;
use crate::routes::vendor::opaque_encode;
use crate::secret_log;

/// The longest a hostile answer runs, so that no client can hold the simulator forever.
pub const MAX_DURATION: Duration = Duration::from_secs(600);

const JSON: &str = "application/json; charset=utf-8";

// ---- Answers made wrong ----

/// A `Retry-After` value: seconds, or the HTTP date of real time now plus the seconds. Real
/// time, as in the `Date` header and token validity, not the shiftable data clock: the client
/// compares the date with its own clock.
pub fn retry_after(r: RetryAfter) -> String {
    match r.form {
        RetryAfterForm::Seconds => r.secs.to_string(),
        RetryAfterForm::Date => clock::http_date(clock::real_secs() + i64::from(r.secs)),
    }
}

/// A 400 quoting the caller's secret wherever a client might show text: the bearer token (the
/// whole header and the bare token) on Altinn routes, the assertion on Maskinporten's. The secret
/// goes to the secret log, so the scan finds it wherever a client lets it out.
pub fn echo_token(req: &Request, route: &str) -> Response {
    if route == "maskinporten_token" {
        let assertion = req.form().into_iter().find(|(k, _)| k == "assertion").map(|(_, v)| v).unwrap_or_default();
        secret_log::record(&assertion);
        return Response::json(400, &json!({"error": "invalid_grant", "error_description": format!("Invalid assertion: {assertion}")}));
    }
    let whole = req.header("authorization").unwrap_or_default();
    let bare = whole.split_once(' ').map_or(whole, |(_, token)| token).trim();
    secret_log::record(bare);
    let body = Ordered::new()
        .with("type", problems::rfc9110_type(400))
        .with("title", format!("The Authorization header '{whole}' is not valid."))
        .with("status", 400u16)
        .with("detail", format!("The access token {bare} was refused."))
        .with("code", "STD-00000")
        .with("echo", whole)
        .with(
            "validationErrors",
            json!([{
                "code": "AUTH.VLD-00000",
                "title": format!("Invalid token: {whole}"),
                "detail": format!("The token {bare} is not valid."),
                "paths": ["Authorization"],
            }]),
        )
        .with("errors", json!({"Authorization": [format!("The value '{whole}' is not valid.")], "token": [bare]}))
        .with("traceId", ids::trace_id());
    Response::problem(400, &body)
}

/// The route's answer made to belong to another question: `field` rewritten in the object, or
/// in every item of a page's `data`.
pub fn mismatch(resp: Response, field: MismatchField) -> Response {
    rewrite_json(resp, |body| match body.get_mut("data") {
        Some(Node::Array(items)) => {
            for item in items {
                if let Node::Object(o) = item {
                    mismatch_one(o, field);
                }
            }
        }
        _ => mismatch_one(body, field),
    })
}

fn mismatch_one(o: &mut Ordered, field: MismatchField) {
    let system_user = o.get("userType").is_some();
    match field {
        MismatchField::Id => o.set("id", ids::uuid_v4()),
        MismatchField::SystemId => other(o, "systemId", "991825827_othersystem", "991825827_anothersystem"),
        MismatchField::PartyOrgNo => other(o, if system_user { "reporteeOrgNo" } else { "partyOrgNo" }, "313367002", "310816191"),
        MismatchField::ExternalRef => other(o, "externalRef", "other-ref", "another-ref"),
        MismatchField::Kind if system_user => other(o, "userType", "agent", "standard"),
        // Standard answers always carry `rights`, agent answers never do.
        MismatchField::Kind => {
            if o.remove("rights").is_none() {
                o.insert_after("partyOrgNo", "rights", json!([{"resource": [{"id": "urn:altinn:resource", "value": "x"}]}]));
            }
        }
    }
}

/// Sets `key` to `first`, or to `second` when it holds `first` already: never the same answer.
fn other(o: &mut Ordered, key: &str, first: &str, second: &str) {
    let is_first = matches!(o.get(key), Some(Node::Value(Value::String(s))) if s == first);
    o.set(key, if is_first { second } else { first });
}

/// The route's page with a `links.next` on a new random token, so that a client following `next`
/// never reaches the end. The token is well-formed for the route (`Opaque<Guid>` for requests,
/// `Opaque<long>` for system users), so following it gives a real page again.
pub fn fresh_page_token(resp: Response, route: &str, page_url: &str) -> Response {
    let token = match route {
        "list_system_users" => opaque_encode(&(u32::from_be_bytes(ids::random_bytes::<4>()) >> 1).to_string()),
        _ => opaque_encode(&format!("\"{}\"", ids::uuid_v4())),
    };
    rewrite_json(resp, |body| body.set("links", json!({"next": format!("{page_url}?token={token}")})))
}

/// Edits a 2xx JSON object answer in place, keeping member order; other answers pass unchanged.
fn rewrite_json(resp: Response, edit: impl FnOnce(&mut Ordered)) -> Response {
    if !(200..300).contains(&resp.status) {
        return resp;
    }
    let Ok(Node::Object(mut body)) = serde_json::from_slice::<Node>(&resp.body) else { return resp };
    edit(&mut body);
    match serde_json::to_vec(&body) {
        Ok(bytes) => Response { body: bytes, ..resp },
        Err(_) => resp,
    }
}

// ---- Streamed bodies ----

/// Sent that many times: until the client goes away.
const FOREVER: u64 = u64::MAX;

/// A streamed body. Hyper asks for the next frame only once the previous ones are written
/// (backpressure), so none of these ever holds more than a chunk. The connection fails them
/// after `MAX_DURATION` (see `http::Conn`).
pub enum Stream {
    /// Pieces in order, each sent a number of times (`FOREVER`: endless).
    Pieces(VecDeque<(Bytes, u64)>),
    /// One byte of `body` every `interval`, the first after one interval.
    Drip { body: Bytes, sent: usize, interval: Duration, next: Pin<Box<Sleep>> },
}

impl Stream {
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        match self {
            Stream::Pieces(pieces) => {
                while let Some((piece, times)) = pieces.front_mut() {
                    if *times == 0 || piece.is_empty() {
                        pieces.pop_front();
                        continue;
                    }
                    if *times != FOREVER {
                        *times -= 1;
                    }
                    return Poll::Ready(Some(piece.clone()));
                }
                Poll::Ready(None)
            }
            Stream::Drip { body, sent, interval, next } => {
                if *sent >= body.len() {
                    return Poll::Ready(None);
                }
                if next.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                next.as_mut().reset(Instant::now() + *interval);
                *sent += 1;
                Poll::Ready(Some(body.slice(*sent - 1..*sent)))
            }
        }
    }

    pub fn is_end(&self) -> bool {
        match self {
            Stream::Pieces(pieces) => pieces.is_empty(),
            Stream::Drip { body, sent, .. } => *sent >= body.len(),
        }
    }

    /// Exact when the length is known (hyper then sends a `Content-Length`), else open (chunked).
    pub fn size_hint(&self) -> SizeHint {
        let exact = match self {
            Stream::Pieces(pieces) => pieces.iter().try_fold(0u64, |sum, (piece, times)| match *times {
                FOREVER => None,
                n => sum.checked_add((piece.len() as u64).checked_mul(n)?),
            }),
            Stream::Drip { body, sent, .. } => Some(body.len().saturating_sub(*sent) as u64),
        };
        exact.map(SizeHint::with_exact).unwrap_or_default()
    }
}

fn json_head() -> Response {
    Response::empty(200).header("content-type", JSON)
}

/// Deflate runs of this many zeros make up the gzip bomb.
const UNIT: usize = 1 << 20;
static ZEROS: [u8; UNIT] = [0; UNIT];
static SPACES: [u8; 64 * 1024] = [b' '; 64 * 1024];
/// Gzip member header: deflate, no flags, no time, best compression, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255];

/// The gzip bomb's pieces, built once per process: the gzip header with a deflate run of
/// `UNIT` zeros, and a run of `UNIT` more zeros that may follow any run of zeros (a sync flush
/// ends each run on a byte boundary without ending the stream, and its back-references reach
/// only zeros).
struct Bomb {
    head: Bytes,
    unit: Bytes,
}

fn bomb() -> &'static Bomb {
    static BOMB: OnceLock<Bomb> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut deflate = DeflateEncoder::new(GZIP_HEADER.to_vec(), Compression::best());
        // Writing to a Vec cannot fail.
        let mut run = || {
            let _ = deflate.write_all(&ZEROS);
            let _ = deflate.flush();
            Bytes::from(std::mem::take(deflate.get_mut()))
        };
        let head = run();
        Bomb { head, unit: run() }
    })
}

/// 200 JSON, `Content-Encoding: gzip`: about a thousandth of `expand_bytes` on the wire, which
/// inflates to `expand_bytes` zeros (a valid stream, with a CRC and length that check out).
pub fn gzip_bomb(expand_bytes: u64) -> (Response, Stream) {
    let (units, rest) = (expand_bytes / UNIT as u64, (expand_bytes % UNIT as u64) as usize);
    // The rest as a deflate stream of its own (final block), then the gzip trailer.
    let mut tail = DeflateEncoder::new(Vec::new(), Compression::best());
    let _ = tail.write_all(&ZEROS[..rest]);
    let mut end = tail.finish().unwrap_or_default();
    end.extend_from_slice(&crc_of_zeros(expand_bytes).to_le_bytes());
    end.extend_from_slice(&(expand_bytes as u32).to_le_bytes()); // ISIZE: the length mod 2^32
    let pieces = match units {
        0 => VecDeque::from([(Bytes::from_static(&GZIP_HEADER), 1), (Bytes::from(end), 1)]),
        n => VecDeque::from([(bomb().head.clone(), 1), (bomb().unit.clone(), n - 1), (Bytes::from(end), 1)]),
    };
    (json_head().header("content-encoding", "gzip"), Stream::Pieces(pieces))
}

/// CRC-32 of `len` zero bytes without reading them: runs of zeros doubled with `combine`.
fn crc_of_zeros(len: u64) -> u32 {
    let mut total = crc32fast::Hasher::new();
    let mut run = crc32fast::Hasher::new();
    run.update(&[0]);
    let mut n = len;
    while n > 0 {
        if n & 1 == 1 {
            total.combine(&run);
        }
        let twice = run.clone();
        run.combine(&twice);
        n >>= 1;
    }
    total.finalize()
}

/// 200 JSON with a `Content-Length` of `size_bytes`: `{"data":[`, spaces, `]}`.
pub fn huge_body(size_bytes: u64) -> (Response, Stream) {
    let spaces = size_bytes.saturating_sub(MIN_SIZE_BYTES);
    let chunk = SPACES.len() as u64;
    let pieces = VecDeque::from([
        (Bytes::from_static(b"{\"data\":["), 1),
        (Bytes::from_static(&SPACES), spaces / chunk),
        (Bytes::from_static(&SPACES[..(spaces % chunk) as usize]), 1),
        (Bytes::from_static(b"]}"), 1),
    ]);
    (json_head(), Stream::Pieces(pieces))
}

/// 200 JSON, chunked: `{"data":[`, then spaces until the client goes away.
pub fn endless_body() -> (Response, Stream) {
    (json_head(), Stream::Pieces(VecDeque::from([(Bytes::from_static(b"{\"data\":["), 1), (Bytes::from_static(&SPACES), FOREVER)])))
}

/// What `slow_body` sends: an empty page, valid JSON.
pub const SLOW_BODY: &[u8] = br#"{"links":{},"data":[]}"#;

/// 200 JSON with the `Content-Length` of a small body, whose bytes then come one per interval.
pub fn slow_body(interval_ms: u64) -> (Response, Stream) {
    let interval = Duration::from_millis(interval_ms);
    let next = Box::pin(tokio::time::sleep(interval));
    (json_head(), Stream::Drip { body: Bytes::from_static(SLOW_BODY), sent: 0, interval, next })
}

// ---- A response head that never ends (the connection by hand) ----

/// The longest request head read by hand; a longer one goes to hyper, which refuses it.
const MAX_HEAD: usize = 64 * 1024;

/// The request head as sent, up to its blank line (or `MAX_HEAD` bytes); `None` when the client
/// goes away or sends no whole head within `timeout`.
pub async fn read_head(stream: &TcpStream, timeout: Duration) -> Option<Vec<u8>> {
    let read = async {
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
            stream.readable().await.ok()?;
            match stream.try_read(&mut buf) {
                Ok(0) => return None,
                Ok(n) => head.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return None,
            }
        }
        Some(head)
    };
    tokio::time::timeout(timeout, read).await.ok().flatten()
}

/// The status line, then one byte of a header line every `interval`, never a line end: until
/// the client goes away (a write fails) or `MAX_DURATION` has passed.
pub async fn slow_headers(stream: &TcpStream, interval: Duration) {
    let until = Instant::now() + MAX_DURATION;
    if write_all(stream, b"HTTP/1.1 200 OK\r\n").await.is_err() {
        return;
    }
    let name = b"x-sim-slow-header: ";
    for i in 0.. {
        tokio::time::sleep_until((Instant::now() + interval).min(until)).await;
        if Instant::now() >= until {
            return;
        }
        if write_all(stream, &[name.get(i).copied().unwrap_or(b'a')]).await.is_err() {
            return;
        }
    }
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn collect(stream: &mut Stream) -> Vec<u8> {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(b)) = stream.poll_next(&mut cx) {
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn crc_of_zeros_matches_a_direct_crc() {
        for n in [0u64, 1, 2, 3, 1000, 65_537, (1 << 20) + 5] {
            assert_eq!(crc_of_zeros(n), crc32fast::hash(&vec![0u8; n as usize]), "{n}");
        }
    }

    #[test]
    fn gzip_bomb_inflates_to_exactly_expand_bytes() {
        for n in [0u64, 100, (1 << 20) as u64, (3 << 20) + 12_345] {
            let (head, mut body) = gzip_bomb(n);
            assert_eq!(head.status, 200);
            let declared = body.size_hint().exact();
            let gz = collect(&mut body);
            assert_eq!(declared, Some(gz.len() as u64));
            // GzDecoder checks the CRC and the length in the trailer.
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut out).unwrap();
            assert_eq!(out.len() as u64, n);
            assert!(out.iter().all(|b| *b == 0));
        }
    }

    #[test]
    fn huge_body_is_exactly_size_bytes_of_json() {
        for n in [11u64, 12, 65_547, 200_000] {
            let (_, mut body) = huge_body(n);
            assert_eq!(body.size_hint().exact(), Some(n));
            let bytes = collect(&mut body);
            assert_eq!(bytes.len() as u64, n);
            assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), json!({"data": []}));
        }
    }

    #[test]
    fn mismatch_rewrites_objects_and_page_items() {
        let resp = Response::json(200, &json!({"links": {}, "data": [{"id": "a", "partyOrgNo": "313367002", "rights": []}]}));
        let v: Value = serde_json::from_slice(&mismatch(resp, MismatchField::PartyOrgNo).body).unwrap();
        assert_eq!(v["data"][0]["partyOrgNo"], "310816191");
        let resp = Response::json(200, &json!({"id": "a", "partyOrgNo": "1"}));
        let v: Value = serde_json::from_slice(&mismatch(resp, MismatchField::Kind).body).unwrap();
        assert!(v["rights"].is_array());
        let error = Response::json(404, &json!({"id": "a"}));
        assert_eq!(mismatch(error, MismatchField::Id).body, br#"{"id":"a"}"#);
    }
}
