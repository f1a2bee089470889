//! How fuzz bytes become inputs, shared by the native targets (`lib.rs`) and the component
//! replay (`host-examples/rust/tests/hostile_fuzz_replay.rs`, which includes this file by path).
//! Dependency-free on purpose: it yields plain descriptions each side maps to its own types.

/// The calls of `protocol::parse`, named as in tests/vectors/responses.json (and defined in
/// tests/calls.json). New calls go at the end: a call byte below 11 names what it always did.
pub const CALLS: [&str; 15] = [
    "create-standard",
    "create-agent",
    "get",
    "get-agent",
    "by-external-ref",
    "list",
    "list-agent",
    "withdraw",
    "verify",
    "list-users",
    "system",
    "create-change",
    "get-change",
    "change-by-external-ref",
    "list-changes",
];

/// Statuses worth hitting; index 255 of the status byte means "a raw u16 follows".
pub const STATUSES: [u16; 20] = [200, 201, 204, 400, 401, 403, 404, 409, 500, 502, 503, 302, 100, 0, 299, 599, 600, 65535, 202, 429];

/// Content types chosen by bits 1-3 of the flags byte (`None`: no header; 6: a raw value
/// from the input; 7: two conflicting headers).
pub const CONTENT_TYPES: [Option<&str>; 6] = [
    Some("application/json; charset=utf-8"),
    None,
    Some("text/html"),
    Some("application/problem+json"),
    Some("APPLICATION/JSON"),
    Some(""),
];

/// Registered systems in Altinn's shape (tests/vectors/systems.json).
pub const SYSTEMS: [&str; 2] = [
    r#"{"id":"314248295_smartregnskap","vendor":{"authority":"iso6523-actorid-upis","ID":"0192:314248295"},"name":{"nb":"SmartRegnskap","nn":"SmartRekneskap","en":"SmartAccounting"},"description":{"nb":"Regnskap for sm\u00e5 bedrifter","en":"Accounting for small businesses"},"rights":[{"resource":[{"id":"urn:altinn:resource","value":"ske-krav-og-betalinger"}]},{"action":"read","resource":[{"id":"urn:altinn:org","value":"ttd"},{"id":"urn:altinn:app","value":"regnskap"}]}],"accessPackages":[{"urn":"urn:altinn:accesspackage:skattegrunnlag"},{"urn":"urn:altinn:accesspackage:regnskap-og-okonomirapportering"}],"clientId":["a2ab6b8b-5a4d-4a42-9d2b-0c9d4b1b7f11"],"isVisible":true,"allowedRedirectUrls":["https://smartregnskap.example/callback","https://smartregnskap.example:8443/cb","https://Smartregnskap.example/Return?source=altinn"],"isDeleted":false}"#,
    r#"{"id":"314248295_smartbyraa","vendor":{"ID":"0192:314248295"},"name":{"nb":"SmartByr\u00e5"},"rights":[],"accessPackages":[{"urn":"urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet"},{"urn":"urn:altinn:accesspackage:regnskapsforer-lonn"},{"urn":"urn:altinn:accesspackage:ansvarlig-revisor"}],"clientId":[],"isVisible":true,"allowedRedirectUrls":["https://smartbyraa.example/done"]}"#,
];

/// The local environment used when the custom bit is set.
pub const CUSTOM_PLATFORM: &str = "http://127.0.0.1:5101";
pub const CUSTOM_CONFIRM: &str = "http://127.0.0.1:5102";
pub const CUSTOM_ISSUER: &str = "http://127.0.0.1:5103/";

/// Reads bytes front to back; past the end everything is zero.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    /// A length-prefixed slice (one length byte).
    pub fn chunk(&mut self) -> &'a [u8] {
        let n = self.byte() as usize;
        self.take(n)
    }

    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        let end = (start + n).min(self.data.len());
        self.pos = self.pos.saturating_add(n);
        &self.data[start..end]
    }

    pub fn rest(&mut self) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        self.pos = self.data.len();
        &self.data[start..]
    }
}

/// One `protocol::parse` input: call, environment, status, headers, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseInput {
    pub call: &'static str,
    pub custom_env: bool,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Layout: call byte, flags byte (bit 0 custom environment, bits 1-3 content type), status
/// byte (index into `STATUSES`, or 255 then a big-endian u16), [a length-prefixed raw content
/// type when bits 1-3 are 6], body.
pub fn parse_input(data: &[u8]) -> ParseInput {
    let mut r = Reader::new(data);
    let call = CALLS[r.byte() as usize % CALLS.len()];
    let flags = r.byte();
    let status_byte = r.byte();
    let status = if status_byte == 255 { r.u16() } else { STATUSES[status_byte as usize % STATUSES.len()] };
    let headers = match (flags >> 1) & 7 {
        6 => vec![("Content-Type".to_string(), String::from_utf8_lossy(r.chunk()).into_owned())],
        7 => vec![("content-type".to_string(), "application/json".to_string()), ("Content-Type".to_string(), "text/plain".to_string())],
        i => CONTENT_TYPES[i as usize].map(|ct| vec![("content-type".to_string(), ct.to_string())]).unwrap_or_default(),
    };
    ParseInput { call, custom_env: flags & 1 == 1, status, headers, body: r.rest().to_vec() }
}

/// The inverse of `parse_input` for a seed (used to write the committed corpus).
pub fn encode_parse_input(call: &str, status: u16, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
    let call = CALLS.iter().position(|c| *c == call).expect("known call") as u8;
    let ct = CONTENT_TYPES.iter().position(|c| *c == content_type).unwrap_or(0) as u8;
    let mut out = vec![call, ct << 1];
    match STATUSES.iter().position(|s| *s == status) {
        Some(i) => out.push(i as u8),
        None => {
            out.push(255);
            out.extend_from_slice(&status.to_be_bytes());
        }
    }
    out.extend_from_slice(body);
    out
}

/// One `validation::validate_json` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateInput {
    pub agent: bool,
    pub body: Vec<u8>,
    pub system: Option<Vec<u8>>,
}

/// Layout: flags byte (bit 0 agent; bits 1-2: 0 no system, 1 smartregnskap, 2 smartbyraa,
/// 3 a system from the input after the first 0xFF byte), then the body.
pub fn validate_input(data: &[u8]) -> ValidateInput {
    let mut r = Reader::new(data);
    let flags = r.byte();
    let rest = r.rest();
    let (body, system) = match (flags >> 1) & 3 {
        0 => (rest.to_vec(), None),
        3 => match rest.iter().position(|b| *b == 0xFF) {
            Some(i) => (rest[..i].to_vec(), Some(rest[i + 1..].to_vec())),
            None => (rest.to_vec(), Some(Vec::new())),
        },
        i => (rest.to_vec(), Some(SYSTEMS[i as usize - 1].as_bytes().to_vec())),
    };
    ValidateInput { agent: flags & 1 == 1, body, system }
}

/// JSON string literal for `text` (quotes included).
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
