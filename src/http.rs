//! HTTP values exchanged with the host (the `http` WIT interface), without any I/O.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// Never prints the value of `Authorization`.
impl std::fmt::Debug for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.name.eq_ignore_ascii_case("authorization") { "<redacted>" } else { &self.value };
        write!(f, "{}: {}", self.name, value)
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<Header>,
    pub body: Option<Vec<u8>>,
    pub timeout_ms: u32,
    /// The host stops reading (and never decompresses) an answer longer than this.
    pub max_response_bytes: u32,
}

/// The limits policy's answer cap (SECURITY.md): a 50-item page is 50–100 KB; anything near this
/// is not an Altinn or Maskinporten answer. Small enough that a host whose values cost much per
/// byte (wasmtime-py: ~80 bytes a byte on the way into the component) stays near 100 MB.
pub const MAX_RESPONSE_BYTES: u32 = 1024 * 1024;

/// The headers every request carries: JSON answers, never compressed (a compressed answer could
/// expand past any cap after it was counted).
pub fn accept_headers(accept: &str) -> Vec<Header> {
    vec![Header { name: "Accept".into(), value: accept.into() }, Header { name: "Accept-Encoding".into(), value: "identity".into() }]
}

/// Shows the body's length only: a grant's body holds a signed assertion.
impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .field("timeout_ms", &self.timeout_ms)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
    }
}
