//! Compact JWS plumbing shared by our access tokens and Maskinporten assertions.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url, tolerating `=` padding some libraries add.
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

/// A JWS split into its parts; `signing_input` is `header.payload` as sent.
pub struct Parts<'a> {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub signing_input: &'a str,
    pub signature: Vec<u8>,
}

/// Splits and decodes a compact JWS; `None` when it is not one.
pub fn split(token: &str) -> Option<Parts<'_>> {
    let mut it = token.split('.');
    let (h, p, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&b64url_decode(h)?).ok()?;
    let claims: Value = serde_json::from_slice(&b64url_decode(p)?).ok()?;
    let (Value::Object(header), Value::Object(claims)) = (header, claims) else {
        return None;
    };
    Some(Parts { header, claims, signing_input: &token[..h.len() + 1 + p.len()], signature: b64url_decode(s)? })
}
