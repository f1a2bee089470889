//! Test helpers: a tiny HTTP/1.1 client over std TCP (so tests see exactly what goes on
//! the wire, empty bodies and dropped connections included), and assertion signing with
//! the TEST-ONLY key under `tests/keys/`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use altinn_sim::{SimHandle, SimOptions, Simulator};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;

pub const VENDOR: &str = "314248295";
pub const OTHER_VENDOR: &str = "313367002";
pub const STD_SYSTEM: &str = "314248295_smartregnskap";
pub const AGENT_SYSTEM: &str = "314248295_smartbyraa";
pub const NOREDIRECT_SYSTEM: &str = "314248295_smartarkiv";
pub const FOREIGN_SYSTEM: &str = "313367002_konkurrent";
pub const CUSTOMER: &str = "310816191";
pub const CUSTOMER2: &str = "314224965";
pub const READ: &str = "altinn:authentication/systemuser.request.read";
pub const WRITE: &str = "altinn:authentication/systemuser.request.write";
pub const REGISTER: &str = "altinn:authentication/systemregister.write";
pub const API: &str = "/authentication/api/v1";

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Asserts an AUTH problem in the current shape and returns its body.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert!(self.header("content-type").unwrap_or("").starts_with("application/problem+json"), "{:?}", self.headers);
        let v = self.json();
        assert_eq!(v["code"], code, "{v}");
        assert_eq!(v["type"], format!("urn:altinn:error:{code}"));
        assert_eq!(v["status"], status);
        let trace = v["traceId"].as_str().unwrap();
        assert!(trace.starts_with("00-") && trace.len() == 55, "{trace}");
        v
    }
    pub fn validation(&self) -> Value {
        assert_eq!(self.status, 400, "body: {}", self.text());
        let v = self.json();
        assert_eq!(v["type"], "https://tools.ietf.org/html/rfc9110#section-15.5.1");
        assert_eq!(v["title"], "One or more validation errors occurred.");
        assert!(v["errors"].is_object(), "{v}");
        assert!(v.get("code").is_none());
        v
    }
    pub fn assert_empty(&self, status: u16) {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert!(self.body.is_empty(), "expected empty body, got {:?}", self.text());
    }
}

/// Sends one request on a fresh connection and reads the answer to EOF.
pub fn raw(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    parse_response(&buf)
}

fn parse_response(buf: &[u8]) -> std::io::Result<Resp> {
    let err = |m: &str| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, m.to_string());
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| err("connection closed without a response"))?;
    let head = String::from_utf8_lossy(&buf[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| err("no status line"))?;
    let status: u16 = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| err("bad status line"))?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    let mut body = buf[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Ok(Resp { status, headers, body })
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(p) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..p]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[p + 2..p + 2 + size]);
        b = &b[p + 4 + size..];
    }
    out
}

/// A running simulator plus shortcuts.
pub struct Sim {
    pub h: SimHandle,
}

impl Sim {
    pub fn start() -> Self {
        Self::with(SimOptions::default().with_admin(true))
    }
    pub fn with(o: SimOptions) -> Self {
        Self { h: Simulator::start(o).expect("start simulator") }
    }
    pub fn addr(&self) -> SocketAddr {
        self.h.addr()
    }
    pub fn token(&self, scopes: &[&str]) -> String {
        self.h.mint_token(VENDOR, scopes)
    }
    pub fn rw(&self) -> String {
        self.token(&[READ, WRITE, REGISTER])
    }
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap()).unwrap_or_default();
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        raw(self.addr(), method, path, &headers, &bytes).expect("HTTP call")
    }
    pub fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None)
    }
    pub fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call("POST", path, Some(token), Some(body))
    }
    pub fn create(&self, body: &Value) -> Resp {
        self.post(&format!("{API}/systemuser/request/vendor"), &self.rw(), body)
    }
    pub fn create_agent(&self, body: &Value) -> Resp {
        self.post(&format!("{API}/systemuser/request/vendor/agent"), &self.rw(), body)
    }
    pub fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        self.call(method, path, None, body)
    }
    pub fn approve(&self, id: &str) -> Resp {
        self.admin("POST", &format!("/_sim/requests/{id}/approve"), None)
    }
    pub fn form(&self, path: &str, form: &str) -> Resp {
        raw(self.addr(), "POST", path, &[("Content-Type", "application/x-www-form-urlencoded")], form.as_bytes()).expect("HTTP call")
    }
}

/// A standard create body with one right.
pub fn std_body(org: &str, ext: Option<&str>) -> Value {
    let mut v = serde_json::json!({
        "systemId": STD_SYSTEM,
        "partyOrgNo": org,
        "rights": [{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}],
    });
    if let Some(e) = ext {
        v["externalRef"] = Value::from(e);
    }
    v
}

pub fn agent_body(org: &str, ext: Option<&str>) -> Value {
    let mut v = serde_json::json!({
        "systemId": AGENT_SYSTEM,
        "partyOrgNo": org,
        "accessPackages": [{"urn": "urn:altinn:accesspackage:regnskapsforer-lonn"}],
    });
    if let Some(e) = ext {
        v["externalRef"] = Value::from(e);
    }
    v
}

// ---- Maskinporten assertions, signed with the TEST-ONLY keys ----

pub const CLIENT_ID: &str = "sim-smartregnskap-client";
pub const KID: &str = "sim-test-key-1";

fn pem_to_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(b64).expect("PEM body")
}

pub fn test_key() -> ring::signature::RsaKeyPair {
    let pem = include_str!("../keys/TEST-ONLY-client-key.pk8.pem");
    ring::signature::RsaKeyPair::from_pkcs8(&pem_to_der(pem)).expect("TEST-ONLY key")
}

pub fn unregistered_key() -> ring::signature::RsaKeyPair {
    let pem = include_str!("../keys/TEST-ONLY-unregistered-key.pk8.pem");
    ring::signature::RsaKeyPair::from_pkcs8(&pem_to_der(pem)).expect("TEST-ONLY key")
}

/// The TEST-ONLY key of a fixture client (`altinn_sim::test_clients`).
pub fn key_of(client: &altinn_sim::test_clients::TestClient) -> ring::signature::RsaKeyPair {
    ring::signature::RsaKeyPair::from_pkcs8(&pem_to_der(client.key_pem)).expect("TEST-ONLY key")
}

pub fn sign(key: &ring::signature::RsaKeyPair, header: &Value, claims: &Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap());
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap());
    let input = format!("{h}.{c}");
    let alg = match header["alg"].as_str() {
        Some("RS384") => &ring::signature::RSA_PKCS1_SHA384,
        Some("RS512") => &ring::signature::RSA_PKCS1_SHA512,
        _ => &ring::signature::RSA_PKCS1_SHA256,
    };
    let mut sig = vec![0u8; key.public().modulus_len()];
    key.sign(alg, &ring::rand::SystemRandom::new(), input.as_bytes(), &mut sig).expect("sign");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

static JTI: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn fresh_jti() -> String {
    format!("jti-{}-{}", now(), JTI.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
}

/// Claims of a valid grant for `CLIENT_ID` against `sim`.
pub fn good_claims(sim: &Sim, scope: &str) -> Value {
    let t = now();
    serde_json::json!({
        "aud": sim.h.issuer(),
        "iss": CLIENT_ID,
        "iat": t,
        "exp": t + 60,
        "jti": fresh_jti(),
        "scope": scope,
    })
}

pub fn good_header() -> Value {
    serde_json::json!({"alg": "RS256", "kid": KID})
}

/// Sends `head` (and `body`) on a fresh connection and reads the response head: returns the
/// stream, the head as text (lower-cased) and the body bytes that came with it. For answers a
/// test must not read whole.
pub fn open(addr: SocketAddr, head: &str, body: &[u8]) -> (TcpStream, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let rest = buf[end + 4..].to_vec();
            return (s, head, rest);
        }
        let n = s.read(&mut chunk).expect("read the head");
        assert!(n > 0, "closed before the head ended: {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Reads until `have` holds `n` bytes (or the stream ends); never more than a chunk past `n`.
pub fn read_at_least(s: &mut TcpStream, have: &mut Vec<u8>, n: usize) {
    let mut chunk = [0u8; 64 * 1024];
    while have.len() < n {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(k) => have.extend_from_slice(&chunk[..k]),
        }
    }
}

/// A header's value from a lower-cased head.
pub fn head_value<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.trim()))
}

/// A request head with a bearer token and a `Content-Length`.
pub fn request_head(method: &str, path: &str, token: &str, body_len: usize) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {body_len}\r\n\r\n")
}

/// Posts a grant; returns the response.
pub fn grant(sim: &Sim, assertion: &str) -> Resp {
    let form = format!("grant_type={}&assertion={}", "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer", assertion);
    sim.form("/token", &form)
}

// ---- Change requests (API.md §11) ----

pub const PKG: &str = "urn:altinn:accesspackage:";
pub const KRAV: &str = "ske-krav-og-betalinger";
pub const A_ORDNING: &str = "ske-innrapportering-a-ordning";

/// A right on one `urn:altinn:resource`.
pub fn right(resource: &str) -> Value {
    serde_json::json!({"resource": [{"id": "urn:altinn:resource", "value": resource}]})
}

/// A package reference by its short name.
pub fn package(name: &str) -> Value {
    serde_json::json!({"urn": format!("{PKG}{name}")})
}

/// The 201's id (asserts the 201).
pub fn created_id(r: Resp) -> String {
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

/// `POST …/changerequest/vendor` with the query parameters given (absent when `None`).
pub fn change_path(correlation_id: Option<&str>, system_user_id: Option<&str>) -> String {
    let mut q = Vec::new();
    if let Some(c) = correlation_id {
        q.push(format!("correlation-id={c}"));
    }
    if let Some(s) = system_user_id {
        q.push(format!("system-user-id={s}"));
    }
    format!("{API}/systemuser/changerequest/vendor?{}", q.join("&"))
}

/// A fresh uuid v4 for a correlation id.
pub fn uuid() -> String {
    let mut b = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).unwrap();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The change a standard system user from `standard_user` can ask for: add the a-ordning right
/// and `merverdiavgift`, drop the krav right and `skattegrunnlag`.
pub fn change_body() -> Value {
    serde_json::json!({
        "requiredRights": [right(A_ORDNING)],
        "unwantedRights": [right(KRAV)],
        "requiredAccessPackages": [package("merverdiavgift")],
        "unwantedAccessPackages": [package("skattegrunnlag")],
    })
}

impl Sim {
    /// An approved standard system user of `314248295_smartregnskap` for `org`/`ext` holding the
    /// krav right and `skattegrunnlag`.
    pub fn standard_user(&self, org: &str, ext: Option<&str>) -> String {
        let mut b = std_body(org, ext);
        b["accessPackages"] = serde_json::json!([package("skattegrunnlag")]);
        let id = created_id(self.create(&b));
        assert_eq!(self.approve(&id).status, 200);
        id
    }
    /// An approved agent system user of `314248295_smartbyraa`.
    pub fn agent_user(&self, org: &str, ext: Option<&str>) -> String {
        let id = created_id(self.create_agent(&agent_body(org, ext)));
        assert_eq!(self.approve(&id).status, 200);
        id
    }
    /// POSTs a change request with the vendor's read+write token.
    pub fn change(&self, correlation_id: &str, system_user_id: &str, body: &Value) -> Resp {
        self.post(&change_path(Some(correlation_id), Some(system_user_id)), &self.rw(), body)
    }
    /// The admin view of one system user.
    pub fn system_user(&self, id: &str) -> Value {
        let r = self.admin("GET", &format!("/_sim/systemusers/{id}"), None);
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }
    /// The URNs of the packages a system user holds now (admin view), sorted.
    pub fn packages_of(&self, id: &str) -> Vec<String> {
        let mut v: Vec<String> =
            self.system_user(id)["accessPackages"].as_array().unwrap().iter().map(|p| p["urn"].as_str().unwrap().to_string()).collect();
        v.sort();
        v
    }
    /// The resource values of the rights a system user holds now (admin view), sorted.
    pub fn rights_of(&self, id: &str) -> Vec<String> {
        let mut v: Vec<String> = self.system_user(id)["rights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["resource"].as_array().unwrap().iter().map(|p| p["value"].as_str().unwrap()).collect::<Vec<_>>().join("+"))
            .collect();
        v.sort();
        v
    }
}

// ---- System Register (API.md §13) and client delegation (API.md §12) ----

pub const REGISTER_ADMIN: &str = "altinn:authentication/systemregister.admin";
pub const CLIENTS_READ: &str = "altinn:clientdelegations.read";
pub const CLIENTS_WRITE: &str = "altinn:clientdelegations.write";
/// The bureau of the tests' agent system users (`agent_body`): clients 314224965, 317103360,
/// 316501389 (regnskapsforer-lonn), 313981436 (med-signering only), 316859356 (revisor).
pub const BUREAU: &str = CUSTOMER;
/// An organisation in the register without a party uuid.
pub const NO_PARTY_UUID: &str = "313093808";

/// The party uuid the default fixture gives an organisation.
pub fn party_uuid(org: &str) -> String {
    let f = altinn_sim::Fixture::default();
    f.organizations.iter().find(|o| o.org_no() == org).and_then(|o| o.party_uuid()).expect("an organisation with a party uuid").to_string()
}

/// The claims of a token (its payload, unverified).
pub fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims")
}

impl Sim {
    /// A Maskinporten token from a real grant by `client`, for the system user of (`org`, `ext`)
    /// when `org` is given.
    pub fn grant_token(
        &self,
        client: &altinn_sim::test_clients::TestClient,
        org: Option<&str>,
        ext: Option<&str>,
        scopes: &[&str],
    ) -> String {
        let mut c = good_claims(self, &scopes.join(" "));
        c["iss"] = Value::from(client.client_id);
        if let Some(org) = org {
            let mut d = serde_json::json!({"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")}});
            if let Some(e) = ext {
                d["externalRef"] = Value::from(e);
            }
            c["authorization_details"] = serde_json::json!([d]);
        }
        let r = grant(self, &sign(&key_of(client), &serde_json::json!({"alg": "RS256", "kid": client.kid}), &c));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["access_token"].as_str().unwrap().to_string()
    }
    /// `GET exchange/{provider}` with this bearer token.
    pub fn exchange_at(&self, provider: &str, token: &str) -> Resp {
        self.get(&format!("{API}/exchange/{provider}"), token)
    }
    /// Exchanges a Maskinporten token for an Altinn token (asserts the 200).
    pub fn exchange(&self, token: &str) -> String {
        let r = self.exchange_at("maskinporten", token);
        assert_eq!(r.status, 200, "{}", r.text());
        r.text()
    }
    /// The bureau's approved klientadministrator system user, and an exchanged Altinn token of it
    /// with both client-delegation scopes.
    pub fn client_admin_token(&self, bureau: &str) -> String {
        self.h.approve_client_administrator(bureau, None).expect("the bureau approves its klientadministrator system user");
        let mp = self.grant_token(&altinn_sim::test_clients::SMARTREGNSKAP, Some(bureau), None, &[CLIENTS_READ, CLIENTS_WRITE]);
        self.exchange(&mp)
    }
    /// An approved agent system user of the bureau holding these packages (short names).
    pub fn agent_user_with(&self, bureau: &str, ext: &str, packages: &[&str]) -> String {
        let mut b = agent_body(bureau, Some(ext));
        b["accessPackages"] = Value::Array(packages.iter().map(|p| package(p)).collect());
        let id = created_id(self.create_agent(&b));
        assert_eq!(self.approve(&id).status, 200);
        id
    }
}

/// Starts the `altinn-sim` binary with `args`: the child, its first stdout line and how long that
/// line took.
pub fn spawn_binary(args: &[&str]) -> (std::process::Child, String, Duration) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let start = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_altinn-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn altinn-sim");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line, start.elapsed())
}
