//! Maskinporten's JWT-bearer grant (API.md §10), checked in this order: grant type,
//! assertion shape, header (`alg`, exactly one of `kid`/`x5c`), no unknown claims,
//! client (`iss`, MP-100), signature by `kid` (MP-120), `aud` (MP-110), times with 10 s
//! skew and at most 120 s lifetime (MP-130), `jti` replay (MP-012), scopes (MP-200/201/250),
//! `authorization_details` for system-user tokens (MP-301/302/303).

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::signature::{self, RsaPublicKeyComponents};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::fixture::{Fixture, Jwk};
use crate::jwt;
use crate::store::Store;
use crate::tokens::{AccessClaims, Consumer, TokenKey};

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub const SKEW_SECS: i64 = 10;
pub const MAX_LIFETIME_SECS: i64 = 120;
const ALLOWED_CLAIMS: &[&str] = &["aud", "iss", "iat", "exp", "jti", "scope", "resource", "authorization_details"];

/// An error as Maskinporten sends it: `{"error", "error_description"}`, HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MpError {
    pub error: &'static str,
    pub error_description: String,
}

impl MpError {
    fn new(error: &'static str, code: Option<&str>, text: impl Into<String>) -> Self {
        let text = text.into();
        let error_description = match code {
            Some(c) => format!("{text} ({c})"),
            None => text,
        };
        Self { error, error_description }
    }

    fn grant(code: Option<&str>, text: impl Into<String>) -> Self {
        Self::new("invalid_grant", code, text)
    }
}

/// The success answer.
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u32,
    pub scope: String,
}

/// `n` and `e` of an RSA JWK as big-endian bytes.
pub fn rsa_components(k: &Jwk) -> Option<(Vec<u8>, Vec<u8>)> {
    if k.kty != "RSA" {
        return None;
    }
    let n = jwt::b64url_decode(k.n.as_deref()?)?;
    let e = jwt::b64url_decode(k.e.as_deref()?)?;
    (!n.is_empty() && !e.is_empty()).then_some((n, e))
}

/// State the grant needs beyond the fixture: `jti`s already seen, with their expiry.
#[derive(Debug, Default)]
pub struct JtiCache {
    seen: HashMap<String, i64>,
}

impl JtiCache {
    /// Every remembered `jti` with the expiry of its assertion (for the state file).
    pub fn entries(&self) -> impl Iterator<Item = (&String, &i64)> {
        self.seen.iter()
    }

    pub fn restore(entries: impl IntoIterator<Item = (String, i64)>) -> Self {
        Self { seen: entries.into_iter().collect() }
    }

    /// Records a `jti`; false when it was already used. Forgets ids whose assertion
    /// can no longer be valid anyway.
    fn remember(&mut self, jti: &str, exp: i64, now: i64) -> bool {
        self.seen.retain(|_, e| *e + SKEW_SECS >= now);
        if self.seen.contains_key(jti) {
            return false;
        }
        self.seen.insert(jti.to_string(), exp);
        true
    }
}

pub struct GrantContext<'a> {
    pub fixture: &'a Fixture,
    pub systems: &'a crate::register::SystemRegister,
    pub store: &'a Store,
    pub jtis: &'a mut JtiCache,
    pub key: &'a TokenKey,
    pub issuer: &'a str,
    pub now_secs: i64,
    pub lifetime_secs: u32,
}

fn form_value<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn int_claim(claims: &Map<String, Value>, name: &str) -> Result<i64, MpError> {
    match claims.get(name) {
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or_else(|| MpError::grant(Some("MP-130"), format!("Invalid assertion. The {name} claim is not a number"))),
        Some(_) => Err(MpError::grant(Some("MP-130"), format!("Invalid assertion. The {name} claim is not a number"))),
        None => Err(MpError::grant(Some("MP-130"), format!("Invalid assertion. The {name} claim is missing"))),
    }
}

fn is_external_ref_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | 'ø' | 'æ' | 'å' | 'Ø' | 'Æ' | 'Å')
}

/// How the grant's header names its key.
enum KeyRef {
    Kid(String),
    /// The leaf certificate of `x5c`, DER.
    Certificate(Vec<u8>),
}

/// Runs the grant. On success the token is minted; on failure the Maskinporten error.
pub fn grant(ctx: GrantContext<'_>, form: &[(String, String)]) -> Result<TokenResponse, MpError> {
    match form_value(form, "grant_type") {
        None => return Err(MpError::new("invalid_request", None, "Missing grant_type")),
        Some(GRANT_TYPE) => {}
        Some(_) => {
            return Err(MpError::new("unsupported_grant_type", None, "Only urn:ietf:params:oauth:grant-type:jwt-bearer is supported"))
        }
    }
    let assertion = form_value(form, "assertion")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| MpError::new("invalid_request", None, "Missing assertion"))?;
    let parts = jwt::split(assertion).ok_or_else(|| MpError::grant(None, "Invalid assertion. The JWT could not be parsed"))?;

    // Header.
    let alg_name = parts.header.get("alg").and_then(Value::as_str).unwrap_or_default();
    let (alg, cert_alg): (_, &dyn rustls_pki_types::SignatureVerificationAlgorithm) = match alg_name {
        "RS256" => (&signature::RSA_PKCS1_2048_8192_SHA256, webpki::ring::RSA_PKCS1_2048_8192_SHA256),
        "RS384" => (&signature::RSA_PKCS1_2048_8192_SHA384, webpki::ring::RSA_PKCS1_2048_8192_SHA384),
        "RS512" => (&signature::RSA_PKCS1_2048_8192_SHA512, webpki::ring::RSA_PKCS1_2048_8192_SHA512),
        _ => return Err(MpError::grant(None, "Invalid assertion. alg must be RS256, RS384 or RS512")),
    };
    let key_ref = match (parts.header.get("kid"), parts.header.get("x5c")) {
        (Some(Value::String(k)), None) => KeyRef::Kid(k.clone()),
        (None, Some(Value::Array(chain))) => {
            let leaf = chain.first().and_then(Value::as_str).and_then(|c| STANDARD.decode(c).ok());
            KeyRef::Certificate(
                leaf.ok_or_else(|| MpError::grant(None, "Invalid assertion. x5c must be a list of base64 DER certificates, leaf first"))?,
            )
        }
        _ => return Err(MpError::grant(None, "Invalid assertion. The header must have exactly one of kid or x5c")),
    };

    // Claims: nothing unknown.
    let claims = &parts.claims;
    if let Some(unknown) = claims.keys().find(|k| !ALLOWED_CLAIMS.contains(&k.as_str())) {
        return Err(MpError::grant(None, format!("Invalid assertion. Unknown claim: {unknown}")));
    }

    // Client and signature.
    let client_id = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| MpError::new("invalid_client", Some("MP-100"), "Invalid assertion. Missing iss claim"))?;
    let client = ctx.fixture.client(client_id).ok_or_else(|| MpError::new("invalid_client", Some("MP-100"), "Unknown client"))?;
    let bad_signature = || MpError::grant(Some("MP-120"), "Invalid assertion. Signature validation failed");
    match &key_ref {
        KeyRef::Kid(kid) => {
            let key = client
                .jwks
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid.as_str()))
                .and_then(rsa_components)
                .ok_or_else(|| MpError::grant(Some("MP-120"), "Invalid assertion. No registered key with this kid"))?;
            RsaPublicKeyComponents { n: &key.0, e: &key.1 }
                .verify(alg, parts.signing_input.as_bytes(), &parts.signature)
                .map_err(|_| bad_signature())?;
        }
        KeyRef::Certificate(der) => {
            // Trusted here means registered on the client (the real server checks the chain
            // against the CAs it trusts and the organisation number in the certificate).
            let registered = client.certificates.iter().any(|c| STANDARD.decode(c).ok().as_ref() == Some(der));
            if !registered {
                return Err(MpError::grant(Some("MP-120"), "Invalid assertion. The certificate (x5c) is not trusted for this client"));
            }
            let der = rustls_pki_types::CertificateDer::from(der.as_slice());
            let cert = webpki::EndEntityCert::try_from(&der)
                .map_err(|_| MpError::grant(Some("MP-120"), "Invalid assertion. The x5c certificate cannot be read"))?;
            cert.verify_signature(cert_alg, parts.signing_input.as_bytes(), &parts.signature).map_err(|_| bad_signature())?;
        }
    }

    // Audience.
    match claims.get("aud").and_then(Value::as_str) {
        Some(aud) if aud == ctx.issuer => {}
        _ => return Err(MpError::grant(Some("MP-110"), format!("Invalid assertion. Invalid aud claim value; expected {}", ctx.issuer))),
    }

    // Times.
    let iat = int_claim(claims, "iat")?;
    let exp = int_claim(claims, "exp")?;
    let now = ctx.now_secs;
    if exp - iat > MAX_LIFETIME_SECS {
        return Err(MpError::grant(Some("MP-130"), "Invalid assertion. exp - iat exceeds 120 seconds"));
    }
    if iat > now + SKEW_SECS {
        return Err(MpError::grant(Some("MP-130"), "Invalid assertion. iat is in the future (check the client clock)"));
    }
    if exp + SKEW_SECS <= now {
        return Err(MpError::grant(Some("MP-130"), "Invalid assertion. The assertion has expired"));
    }

    // Replay.
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty())
        .ok_or_else(|| MpError::grant(None, "Invalid assertion. Missing jti claim"))?;
    if !ctx.jtis.remember(jti, exp, now) {
        return Err(MpError::grant(Some("MP-012"), "Invalid assertion. The jti has already been used"));
    }

    // Scopes.
    let scope = match claims.get("scope") {
        None => return Err(MpError::new("invalid_scope", Some("MP-200"), "No scope requested")),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(MpError::new("invalid_scope", Some("MP-250"), "The scope claim must be a string")),
    };
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if scopes.is_empty() {
        return Err(MpError::new("invalid_scope", Some("MP-200"), "No scope requested"));
    }
    if let Some(bad) = scopes.iter().find(|s| !client.scopes.iter().any(|c| c == *s)) {
        return Err(MpError::new("invalid_scope", Some("MP-201"), format!("Client is not allowed scope: {bad}")));
    }

    // System user.
    let authorization_details = match claims.get("authorization_details") {
        None => None,
        Some(details) => Some(system_user_details(&ctx, client_id, details)?),
    };

    let claims = AccessClaims {
        iss: ctx.issuer.to_string(),
        client_id: client_id.to_string(),
        consumer: Some(Consumer::for_org(&client.org_no)),
        scope: scopes.join(" "),
        iat: now,
        exp: now + i64::from(ctx.lifetime_secs),
        jti: crate::ids::uuid_v4(),
        authorization_details,
        token_type: "Bearer".into(),
        altinn: Default::default(),
    };
    Ok(TokenResponse { access_token: ctx.key.mint(&claims), token_type: "Bearer", expires_in: ctx.lifetime_secs, scope: claims.scope })
}

fn system_user_details(ctx: &GrantContext<'_>, client_id: &str, details: &Value) -> Result<Value, MpError> {
    let bad = |t: &str| MpError::new("invalid_authorization_details", Some("MP-301"), t.to_string());
    let items = details.as_array().ok_or_else(|| bad("authorization_details must be an array"))?;
    let [item] = items.as_slice() else {
        return Err(bad("authorization_details must hold exactly one element (one organisation per grant)"));
    };
    let obj = item.as_object().ok_or_else(|| bad("authorization_details element must be an object"))?;
    if obj.get("type").and_then(Value::as_str) != Some("urn:altinn:systemuser") {
        return Err(bad("authorization_details type must be urn:altinn:systemuser"));
    }
    let org = obj.get("systemuser_org").and_then(Value::as_object);
    let org_no = match org {
        Some(o) if o.get("authority").and_then(Value::as_str) == Some("iso6523-actorid-upis") => o
            .get("ID")
            .and_then(Value::as_str)
            .and_then(|id| id.strip_prefix("0192:"))
            .filter(|n| n.len() == 9 && n.bytes().all(|b| b.is_ascii_digit())),
        _ => None,
    }
    .ok_or_else(|| bad("systemuser_org must be {\"authority\":\"iso6523-actorid-upis\",\"ID\":\"0192:<orgno>\"}"))?;
    let external_ref = match obj.get("externalRef") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) if !r.is_empty() && r.chars().all(is_external_ref_char) => Some(r.as_str()),
        Some(_) => {
            return Err(MpError::new(
                "invalid_authorization_details",
                Some("MP-302"),
                "externalRef may only contain a-z, A-Z, 0-9, æøå, ÆØÅ, _ and -",
            ))
        }
    };
    let customer = |t: &str| MpError::new("invalid_altinn_customer_configuration", Some("MP-303"), t.to_string());
    let system =
        ctx.systems.system_of_client(client_id).ok_or_else(|| customer("The client is not tagged on any system in the System Register"))?;
    let wanted_ref = external_ref.unwrap_or(org_no);
    let key =
        crate::store::DedupeKey { party_org_no: org_no.to_string(), external_ref: wanted_ref.to_string(), system_id: system.id.clone() };
    let user = ctx.store.system_user_by_key(&key).ok_or_else(|| customer("No system user for this customer, system and externalRef"))?;
    Ok(json!([{
        "type": "urn:altinn:systemuser",
        "systemuser_id": [user.id],
        "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{org_no}")},
        "system_id": system.id,
        "externalRef": user.external_ref,
    }]))
}
