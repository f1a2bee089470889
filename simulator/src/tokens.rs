//! The access tokens the simulator issues (from its Maskinporten route and from the
//! admin route) and checks on every Altinn route: HS256 JWTs under a key made fresh at
//! start, so a token from another simulator run never passes. The key never leaves
//! the process and is never logged.

use ring::hmac;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::jwt;

/// `consumer` claim: `{"authority":"iso6523-actorid-upis","ID":"0192:<orgno>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    pub authority: String,
    #[serde(rename = "ID")]
    pub id: String,
}

impl Consumer {
    pub fn for_org(org_no: &str) -> Self {
        Self { authority: "iso6523-actorid-upis".into(), id: format!("0192:{org_no}") }
    }

    /// The bare organisation number, when the claim is well-formed.
    pub fn org_no(&self) -> Option<&str> {
        let n = self.id.strip_prefix("0192:")?;
        (n.len() == 9 && n.bytes().all(|b| b.is_ascii_digit())).then_some(n)
    }
}

/// Claims of an access token, shaped like a Maskinporten token; an Altinn token from the
/// Maskinporten exchange carries the same claims plus the `Altinn` ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<Consumer>,
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<Value>,
    pub token_type: String,
    /// The Altinn claims the exchange adds (`None` on Maskinporten tokens).
    #[serde(flatten)]
    pub altinn: AltinnClaims,
}

/// What `exchange/maskinporten` adds to the source token's claims (AltinnCoreClaimTypes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AltinnClaims {
    #[serde(rename = "urn:altinn:orgNumber", default, skip_serializing_if = "Option::is_none")]
    pub org_number: Option<String>,
    #[serde(rename = "urn:altinn:authenticatemethod", default, skip_serializing_if = "Option::is_none")]
    pub authenticate_method: Option<String>,
    #[serde(rename = "urn:altinn:authlevel", default, skip_serializing_if = "Option::is_none")]
    pub auth_level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

impl AccessClaims {
    pub fn has_scope(&self, wanted: &str) -> bool {
        self.scope.split(' ').any(|s| s == wanted)
    }

    pub fn vendor_org_no(&self) -> Option<&str> {
        self.consumer.as_ref().and_then(Consumer::org_no)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a token we issued")]
    Malformed,
    #[error("bad signature")]
    Signature,
    #[error("expired")]
    Expired,
}

pub struct TokenKey {
    key: hmac::Key,
    /// The raw key, kept only so a state file can carry it across a restart.
    secret: [u8; 32],
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    pub fn generate() -> Self {
        Self::from_secret(crate::ids::random_bytes::<32>())
    }

    /// The key a state file carried over (tokens issued before a restart stay valid).
    pub fn from_secret(secret: [u8; 32]) -> Self {
        crate::secret_log::record(&crate::ids::hex(&secret));
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, &secret), secret }
    }

    /// The raw key, for the state file only.
    pub fn secret(&self) -> &[u8; 32] {
        &self.secret
    }

    pub fn mint(&self, claims: &AccessClaims) -> String {
        let header = jwt::b64url(br#"{"alg":"HS256","typ":"at+jwt","kid":"altinn-sim"}"#);
        let payload = jwt::b64url(&serde_json::to_vec(claims).unwrap_or_default());
        let input = format!("{header}.{payload}");
        let sig = hmac::sign(&self.key, input.as_bytes());
        let token = format!("{input}.{}", jwt::b64url(sig.as_ref()));
        crate::secret_log::record(&token);
        token
    }

    /// Checks signature and expiry (real clock, `now_secs`); scope is the caller's job.
    pub fn verify(&self, token: &str, now_secs: i64) -> Result<AccessClaims, TokenError> {
        let parts = jwt::split(token).ok_or(TokenError::Malformed)?;
        if parts.header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(TokenError::Malformed);
        }
        hmac::verify(&self.key, parts.signing_input.as_bytes(), &parts.signature).map_err(|_| TokenError::Signature)?;
        let claims: AccessClaims = serde_json::from_value(Value::Object(parts.claims)).map_err(|_| TokenError::Malformed)?;
        if claims.exp <= now_secs {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            iss: "http://x/".into(),
            client_id: "c".into(),
            consumer: Some(Consumer::for_org("314248295")),
            scope: "a b".into(),
            iat: 0,
            exp,
            jti: "j".into(),
            authorization_details: None,
            token_type: "Bearer".into(),
            altinn: AltinnClaims::default(),
        }
    }

    #[test]
    fn round_trip_and_checks() {
        let k = TokenKey::generate();
        let t = k.mint(&claims(100));
        let c = k.verify(&t, 50).unwrap();
        assert!(c.has_scope("b") && !c.has_scope("c"));
        assert_eq!(c.vendor_org_no(), Some("314248295"));
        assert_eq!(k.verify(&t, 100), Err(TokenError::Expired));
        let other = TokenKey::generate();
        assert_eq!(other.verify(&t, 50), Err(TokenError::Signature));
        let mut tampered = t.clone();
        tampered.push('A');
        assert!(k.verify(&tampered, 50).is_err());
        assert_eq!(k.verify("nope", 50), Err(TokenError::Malformed));
    }
}
