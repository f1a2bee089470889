//! The `signer`, `clock` and `random` imports: what the component needs to get its own
//! Maskinporten tokens. The private key stays here; the component only sees signatures.

use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use ring::rsa::{KeyPairComponents, PublicKeyComponents};
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

use crate::bindings::wit::{Datetime, KeyIdentity};
use crate::error::HostError;

/// Signs grants (RS256) and names the key. Implementations must never show key material in an
/// error, a log line or a `Debug` output.
pub trait Signer: Send + Sync {
    fn identity(&self) -> Result<KeyIdentity, String>;
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, String>;
}

/// Wall-clock time for grants and the token cache.
pub trait Clock: Send + Sync {
    fn now(&self) -> Datetime;
}

/// Secure random bytes for each grant's `jti`.
pub trait Random: Send + Sync {
    fn random_bytes(&self, len: u32) -> Vec<u8>;
}

/// An RSA private key from a file: PEM (`PRIVATE KEY` PKCS#8 or `RSA PRIVATE KEY` PKCS#1) or a
/// JWK (with `d`, `p`, `q`, `dp`, `dq`, `qi`). Named by its `kid` or a certificate chain.
pub struct RsaSigner {
    key: RsaKeyPair,
    identity: KeyIdentity,
    rng: SystemRandom,
}

impl fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let identity = match &self.identity {
            KeyIdentity::KeyId(kid) => format!("kid {kid}"),
            KeyIdentity::CertificateChain(chain) => format!("x5c chain of {}", chain.len()),
        };
        write!(f, "RsaSigner({} bits, {identity}, key redacted)", self.key.public().modulus_len() * 8)
    }
}

fn key_error(path: &Path, why: impl fmt::Display) -> HostError {
    HostError::Token(format!("the key file {}: {why}", path.display()))
}

impl RsaSigner {
    /// Reads a PEM or JWK key file. A JWK's own `kid` is used when `kid` is `None`.
    pub fn from_file(path: &Path, kid: Option<&str>) -> Result<Self, HostError> {
        // The io error names the cause, never the contents.
        let text = std::fs::read_to_string(path).map_err(|e| key_error(path, format!("cannot be read: {e}")))?;
        Self::from_text(&text, kid).map_err(|why| key_error(path, why))
    }

    /// A PEM or JWK key given as text; the error never quotes it.
    pub fn from_text(text: &str, kid: Option<&str>) -> Result<Self, String> {
        let text = text.trim();
        let (key, jwk_kid) = if text.starts_with('{') { jwk_key(text)? } else { (pem_key(text)?, None) };
        let kid = kid.map(str::to_string).or(jwk_kid).ok_or("no key id: give one (--kid), or use a JWK with a kid")?;
        Ok(Self::with_identity(key, KeyIdentity::KeyId(kid)))
    }

    /// Names the key by a business certificate chain (base64 DER, leaf first) instead.
    pub fn with_certificate_chain(self, chain: Vec<String>) -> Self {
        Self::with_identity(self.key, KeyIdentity::CertificateChain(chain))
    }

    /// How Maskinporten finds this key: what `config_with_maskinporten` takes.
    pub fn key_identity(&self) -> KeyIdentity {
        self.identity.clone()
    }

    fn with_identity(key: RsaKeyPair, identity: KeyIdentity) -> Self {
        RsaSigner { key, identity, rng: SystemRandom::new() }
    }
}

fn pem_key(text: &str) -> Result<RsaKeyPair, String> {
    let label = text.lines().next().unwrap_or_default().trim();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    let der = STANDARD.decode(body).map_err(|_| "is not PEM: its body is not base64".to_string())?;
    match label {
        "-----BEGIN PRIVATE KEY-----" => RsaKeyPair::from_pkcs8(&der).map_err(|e| format!("is not an RSA PKCS#8 key ({e})")),
        "-----BEGIN RSA PRIVATE KEY-----" => RsaKeyPair::from_der(&der).map_err(|e| format!("is not an RSA PKCS#1 key ({e})")),
        _ => Err("is neither a PEM private key (BEGIN PRIVATE KEY / BEGIN RSA PRIVATE KEY) nor a JWK".into()),
    }
}

fn jwk_key(text: &str) -> Result<(RsaKeyPair, Option<String>), String> {
    let jwk: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("is not JSON (line {}, column {})", e.line(), e.column()))?;
    // A JWK Set with one key is accepted too.
    let jwk = match jwk.get("keys").and_then(|k| k.as_array()) {
        Some(keys) if keys.len() == 1 => keys[0].clone(),
        Some(_) => return Err("holds a JWK Set with more or fewer than one key".into()),
        None => jwk,
    };
    if jwk.get("kty").and_then(|k| k.as_str()) != Some("RSA") {
        return Err("is not an RSA JWK (kty must be RSA)".into());
    }
    let part = |name: &str| -> Result<Vec<u8>, String> {
        let text = jwk
            .get(name)
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("has no {name} member (a private RSA JWK needs n, e, d, p, q, dp, dq, qi)"))?;
        URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).map_err(|_| format!("has a {name} member that is not base64url"))
    };
    let (n, e, d, p, q, dp, dq, qi) = (part("n")?, part("e")?, part("d")?, part("p")?, part("q")?, part("dp")?, part("dq")?, part("qi")?);
    let components =
        KeyPairComponents { public_key: PublicKeyComponents { n: &n, e: &e }, d: &d, p: &p, q: &q, dP: &dp, dQ: &dq, qInv: &qi };
    let key = RsaKeyPair::from_components(&components).map_err(|e| format!("is not a consistent RSA key ({e})"))?;
    Ok((key, jwk.get("kid").and_then(|k| k.as_str()).map(str::to_string)))
}

impl Signer for RsaSigner {
    fn identity(&self) -> Result<KeyIdentity, String> {
        Ok(self.identity.clone())
    }

    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, String> {
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key.sign(&RSA_PKCS1_SHA256, &self.rng, data, &mut signature).map_err(|_| "RSA signing failed".to_string())?;
        Ok(signature)
    }
}

/// No key: the component's grants fail with a message that says how to give one. Enough for
/// hosts whose tokens come from the `token` capability.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSigner;

impl Signer for NoSigner {
    fn identity(&self) -> Result<KeyIdentity, String> {
        Err("no Maskinporten key is configured (give a PEM or JWK key file)".into())
    }

    fn sign(&self, _data: &[u8]) -> Result<Vec<u8>, String> {
        Err("no Maskinporten key is configured".into())
    }
}

/// The system clock, optionally shifted (a test of a host clock that runs ahead).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock {
    ahead_secs: i64,
}

impl SystemClock {
    /// A clock `secs` ahead of the system's (behind when negative).
    pub fn shifted(secs: i64) -> Self {
        SystemClock { ahead_secs: secs }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Datetime {
        let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        Datetime { seconds: since.as_secs() as i64 + self.ahead_secs, nanoseconds: since.subsec_nanos() }
    }
}

/// The operating system's secure generator (through ring).
#[derive(Debug, Clone)]
pub struct OsRandom(SystemRandom);

impl Default for OsRandom {
    fn default() -> Self {
        OsRandom(SystemRandom::new())
    }
}

impl Random for OsRandom {
    fn random_bytes(&self, len: u32) -> Vec<u8> {
        let mut bytes = vec![0; len.min(4096) as usize];
        // SystemRandom fails only when the OS has no generator at all; zeros then make the
        // component refuse the repeated jti rather than send it.
        let _ = self.0.fill(&mut bytes);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_errors_never_quote_the_file() {
        let secret = "-----BEGIN PRIVATE KEY-----\nU0VDUkVULUtFWS1NQVRFUklBTA==\n-----END PRIVATE KEY-----";
        let err = RsaSigner::from_text(secret, Some("k")).unwrap_err();
        assert!(!err.contains("U0VDUkVU"), "{err}");
        let err = RsaSigner::from_text(r#"{"kty":"RSA","n":"c2VjcmV0","e":"AQAB","d":"c2VjcmV0ZA"}"#, None).unwrap_err();
        assert!(!err.contains("c2VjcmV0"), "{err}");
        assert!(err.contains("has no p member"), "{err}");
    }

    #[test]
    fn a_shifted_clock_runs_ahead() {
        let (now, ahead) = (SystemClock::default().now(), SystemClock::shifted(60).now());
        assert!((ahead.seconds - now.seconds - 60).abs() <= 1);
    }
}
