//! A load generator for the simulator over loopback HTTP: keep-alive HTTP/1.1 connections on
//! threads of their own, each taking the next request number from a shared counter. Used by
//! `tests/load_realism.rs` (correctness at 100,000 requests) and `examples/load.rs` (the figures).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const API: &str = "/authentication/api/v1";
pub const SYSTEM: &str = "314248295_smartregnskap";

/// One keep-alive connection.
pub struct Conn {
    addr: SocketAddr,
    reader: Option<BufReader<TcpStream>>,
}

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr, reader: None }
    }

    /// Sends a request and reads its answer; reconnects once when the server closed the
    /// connection in between (an idle keep-alive connection).
    pub fn call(&mut self, method: &str, path: &str, token: &str, body: Option<&[u8]>) -> std::io::Result<Answer> {
        match self.try_call(method, path, token, body) {
            Ok(a) => Ok(a),
            Err(_) => {
                self.reader = None;
                self.try_call(method, path, token, body)
            }
        }
    }

    fn try_call(&mut self, method: &str, path: &str, token: &str, body: Option<&[u8]>) -> std::io::Result<Answer> {
        if self.reader.is_none() {
            let s = TcpStream::connect(self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(Duration::from_secs(60)))?;
            self.reader = Some(BufReader::new(s));
        }
        let reader = self.reader.as_mut().expect("connected");
        let body = body.unwrap_or_default();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n", self.addr);
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut out = head.into_bytes();
        out.extend_from_slice(body);
        reader.get_mut().write_all(&out)?;
        let eof = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed");
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(eof());
        }
        let status: u16 = line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(eof)?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Err(eof());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len: usize = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body)?;
        if headers.iter().any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close")) {
            self.reader = None;
        }
        Ok(Answer { status, headers, body })
    }
}

/// One create call.
#[derive(Debug, Clone)]
pub struct Created {
    pub status: u16,
    pub id: String,
    pub took: Duration,
}

/// A standard request for `customer` with one right (external ref `load-{customer}`).
pub fn create_body(customer: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "systemId": SYSTEM,
        "partyOrgNo": customer,
        "externalRef": format!("load-{customer}"),
        "rights": [{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}],
    }))
    .expect("JSON")
}

/// Creates one request per customer over `connections` keep-alive connections; the result is in
/// the customers' order.
pub fn create_all(addr: SocketAddr, token: &str, customers: &[String], connections: usize) -> Vec<Created> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::with_capacity(customers.len()));
    std::thread::scope(|s| {
        for _ in 0..connections.max(1) {
            s.spawn(|| {
                let mut conn = Conn::new(addr);
                let mut mine = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(customer) = customers.get(index) else { break };
                    let body = create_body(customer);
                    let t = Instant::now();
                    let a = conn.call("POST", &format!("{API}/systemuser/request/vendor"), token, Some(&body)).expect("create");
                    let took = t.elapsed();
                    let id = a.json()["id"].as_str().unwrap_or_default().to_string();
                    mine.push((index, Created { status: a.status, id, took }));
                }
                out.lock().unwrap_or_else(|p| p.into_inner()).extend(mine);
            });
        }
    });
    let mut all = out.into_inner().unwrap_or_else(|p| p.into_inner());
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, c)| c).collect()
}

/// The ids on every page of the system's standard request list, following `links.next` from
/// the first page.
pub fn list_all(addr: SocketAddr, token: &str, system: &str) -> Vec<Vec<String>> {
    let mut conn = Conn::new(addr);
    let mut path = format!("{API}/systemuser/request/vendor/bysystem/{system}");
    let mut pages = Vec::new();
    loop {
        let a = conn.call("GET", &path, token, None).expect("list page");
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        let v = a.json();
        pages.push(v["data"].as_array().map(|d| d.iter().filter_map(|i| i["id"].as_str().map(String::from)).collect()).unwrap_or_default());
        match v["links"]["next"].as_str() {
            Some(next) => path = path_of(next),
            None => break,
        }
    }
    pages
}

/// The path and query of an absolute URL (a `links.next`, whose origin is the request's host).
pub fn path_of(url: &str) -> String {
    url.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string())).expect("an absolute URL")
}

/// The `q`-quantile (0..=1) of some durations, in microseconds.
pub fn quantile_us(times: &[Duration], q: f64) -> u128 {
    let mut v: Vec<Duration> = times.to_vec();
    v.sort();
    match v.len() {
        0 => 0,
        n => v[((n - 1) as f64 * q).round() as usize].as_micros(),
    }
}
