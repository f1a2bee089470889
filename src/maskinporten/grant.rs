//! The JWT-bearer grant exactly as API.md §10 says: header `alg` RS256 with one of `kid` or
//! `x5c`; claims `aud` (the issuer), `iss`, `iat`, `exp`, a fresh `jti`, `scope`, the optional
//! `resource`, and `authorization_details` for a system user; nothing else.

use super::cache::TokenCache;
use super::cache::TokenKey;
use super::{answer, jws, AccessToken, KeyIdentity, Want};
use crate::error::Error;
use crate::http::{accept_headers, Header, HttpRequest, HttpResponse, Method, MAX_RESPONSE_BYTES};
use crate::json::Json;
use crate::model::{Config, DateTime};

/// `exp - iat`: Maskinporten's limit.
pub const GRANT_LIFETIME_SECS: i64 = 120;
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const MAX_TEXT: usize = 255;
const MAX_CHAIN_BYTES: usize = 64 * 1024;
/// RS256 with a 2048–8192-bit key.
const SIGNATURE_BYTES: std::ops::RangeInclusive<usize> = 256..=1024;

/// A token at hand, or a grant to have signed first.
#[derive(Debug)]
pub enum Next {
    Cached(AccessToken),
    Sign(Unsigned),
}

/// A grant waiting for the host's signature over `signing_input`.
#[derive(Debug)]
pub struct Unsigned {
    key: TokenKey,
    context: answer::Context,
    signing_input: String,
}

/// What the answer to a grant is read with.
#[derive(Debug)]
pub struct Pending {
    key: TokenKey,
    context: answer::Context,
    /// The assertion's parts, never to be echoed back in an error.
    sent: Vec<String>,
}

/// Each grant's `jti`: a UUID v4 drawn from the host's seed (16 secure random bytes) plus a
/// counter, so an operation needs randomness once, at construction.
#[derive(Debug)]
pub struct JtiSource {
    seed: Option<u128>,
    seed_len: usize,
    drawn: u64,
}

impl JtiSource {
    pub fn new(seed: &[u8]) -> Self {
        let seed16: Option<[u8; 16]> = seed.get(..16).and_then(|s| s.try_into().ok());
        JtiSource { seed: seed16.map(u128::from_le_bytes), seed_len: seed.len(), drawn: 0 }
    }

    fn draw(&mut self) -> Result<String, Error> {
        let seed = self.seed.ok_or_else(|| {
            token_failure(format!("the host seeded the operation with {} random bytes; a grant's jti needs 16", self.seed_len))
        })?;
        self.drawn += 1;
        Ok(jws::uuid_v4(seed.wrapping_add(u128::from(self.drawn)).to_le_bytes()))
    }
}

fn token_failure(message: impl Into<String>) -> Error {
    Error::Token(message.into())
}

/// A client id, kid or resource: short, printable, no spaces.
fn check_text(what: &str, text: &str) -> Result<(), Error> {
    if text.is_empty() || text.len() > MAX_TEXT || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(token_failure(format!("the {what} must be 1–{MAX_TEXT} printable ASCII characters without spaces")));
    }
    Ok(())
}

/// The key's label in the cache key, once its identity is checked.
fn key_label(identity: &KeyIdentity) -> Result<String, Error> {
    match identity {
        KeyIdentity::KeyId(kid) => {
            check_text("key id (kid)", kid)?;
            Ok(format!("kid:{kid}"))
        }
        KeyIdentity::CertificateChain(chain) => {
            let total: usize = chain.iter().map(String::len).sum();
            if chain.is_empty() || total > MAX_CHAIN_BYTES || !chain.iter().all(|c| jws::is_base64(c)) {
                return Err(token_failure(format!(
                    "the certificate chain (x5c) must be 1 or more base64 DER certificates, leaf first, at most {MAX_CHAIN_BYTES} bytes"
                )));
            }
            Ok(format!("x5c:{}", chain[0]))
        }
    }
}

fn string(text: &str) -> Json {
    Json::String(text.to_string())
}

fn header(identity: &KeyIdentity) -> Json {
    let key = match identity {
        KeyIdentity::KeyId(kid) => ("kid".to_string(), string(kid)),
        KeyIdentity::CertificateChain(chain) => ("x5c".to_string(), Json::Array(chain.iter().map(|c| string(c)).collect())),
    };
    Json::Object(vec![("alg".into(), string("RS256")), key])
}

/// `authorization_details` for a system user: one organisation per grant.
fn system_user_details(org_no: &str, external_ref: Option<&str>) -> Json {
    let org = Json::Object(vec![("authority".into(), string("iso6523-actorid-upis")), ("ID".into(), string(&format!("0192:{org_no}")))]);
    let mut item = vec![("type".to_string(), string("urn:altinn:systemuser")), ("systemuser_org".to_string(), org)];
    if let Some(r) = external_ref {
        item.push(("externalRef".into(), string(r)));
    }
    Json::Array(vec![Json::Object(item)])
}

/// Everything that tells the token for `want` apart from others (the cache's key).
pub fn token_key(config: &Config, want: &Want) -> Result<TokenKey, Error> {
    let Some(client) = &config.maskinporten else {
        return Err(token_failure("no Maskinporten client is configured (config.maskinporten)"));
    };
    check_text("Maskinporten client id", &client.client_id)?;
    if let Some(r) = &client.resource {
        check_text("resource", r)?;
    }
    // Sorted by insertion: a generic sort would be another 3 KB of component for 1–3 items.
    let mut scopes: Vec<String> = Vec::new();
    for scope in &want.scopes {
        if let Err(at) = scopes.binary_search(scope) {
            scopes.insert(at, scope.clone());
        }
    }
    let label = key_label(&client.key)?;
    let issuer = config.environment.maskinporten_issuer();
    let resource = if want.system_user.is_some() { None } else { client.resource.clone() };
    let key = TokenKey {
        issuer: issuer.clone(),
        client_id: client.client_id.clone(),
        key: label,
        scopes,
        resource,
        customer_org_no: want.system_user.as_ref().map(|s| s.org_no.clone()),
        external_ref: want.system_user.as_ref().and_then(|s| s.external_ref.clone()),
    };
    Ok(key)
}

/// The cached token for `want`, or the grant (issued at `now`) for the host to sign.
pub fn next(cache: &mut TokenCache, config: &Config, want: &Want, now: DateTime, jti: &mut JtiSource) -> Result<Next, Error> {
    let key = token_key(config, want)?;
    let Some(client) = &config.maskinporten else {
        return Err(token_failure("no Maskinporten client is configured (config.maskinporten)"));
    };
    if let Some(token) = cache.get(&key, now) {
        return Ok(Next::Cached(token));
    }
    let jti = jti.draw()?;
    if !cache.fresh_jti(&jti) {
        return Err(token_failure(
            "the host's randomness repeated itself (the same jti twice): the operation's seed must come from a secure generator",
        ));
    }
    let number = |n: i64| Json::Number(n.to_string());
    let mut claims = vec![
        ("aud".to_string(), string(&key.issuer)),
        ("iss".to_string(), string(&client.client_id)),
        ("iat".to_string(), number(now.seconds)),
        ("exp".to_string(), number(now.seconds + GRANT_LIFETIME_SECS)),
        ("jti".to_string(), string(&jti)),
        ("scope".to_string(), string(&key.scopes.join(" "))),
    ];
    if let Some(r) = &key.resource {
        claims.push(("resource".into(), string(r)));
    }
    if let Some(org_no) = &key.customer_org_no {
        claims.push(("authorization_details".into(), system_user_details(org_no, key.external_ref.as_deref())));
    }
    let signing_input = format!(
        "{}.{}",
        jws::base64url(header(&client.key).to_text().as_bytes()),
        jws::base64url(Json::Object(claims).to_text().as_bytes())
    );
    let context = answer::Context::new(&key, &client.key, now);
    Ok(Next::Sign(Unsigned { key, context, signing_input }))
}

impl Unsigned {
    /// The bytes the host signs (RS256).
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    /// The grant request with the host's signature.
    pub fn signed(self, config: &Config, signature: &[u8]) -> Result<(HttpRequest, Pending), Error> {
        if !SIGNATURE_BYTES.contains(&signature.len()) {
            return Err(token_failure(format!(
                "the host's signer gave a {}-byte signature; RS256 with a 2048–8192-bit RSA key gives 256–1024 bytes",
                signature.len()
            )));
        }
        let signature = jws::base64url(signature);
        let assertion = format!("{}.{signature}", self.signing_input);
        let body = format!("grant_type={}&assertion={assertion}", crate::url::encode_component(GRANT_TYPE));
        let mut headers = accept_headers("application/json");
        headers.push(Header { name: "Content-Type".into(), value: "application/x-www-form-urlencoded".into() });
        let request = HttpRequest {
            method: Method::Post,
            url: format!("{}token", self.key.issuer),
            headers,
            body: Some(body.into_bytes()),
            timeout_ms: config.timeout_ms,
            max_response_bytes: MAX_RESPONSE_BYTES,
        };
        Ok((request, Pending { key: self.key, context: self.context, sent: vec![assertion, signature] }))
    }
}

/// Reads the answer to a grant; a token is cached before it is returned.
pub fn accept(cache: &mut TokenCache, pending: Pending, response: &HttpResponse) -> Result<AccessToken, Error> {
    let sent: Vec<&str> = pending.sent.iter().map(String::as_str).collect();
    let token = answer::read(&pending.context, response, &sent)?;
    cache.put(pending.key, token.clone(), pending.context.issued_at);
    Ok(token)
}
