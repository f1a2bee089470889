//! The JWT-bearer grant exactly as API.md §10 says: header `alg` RS256 with one of `kid` or
//! `x5c`; claims `aud` (the issuer), `iss`, `iat`, `exp`, a fresh `jti`, `scope`, the optional
//! `resource`, and `authorization_details` for a system user; nothing else.

use super::cache::TokenKey;
use super::{answer, jws, AccessToken, Grants, KeyIdentity, Want};
use crate::error::Error;
use crate::http::{Header, HttpRequest, HttpResponse, Method};
use crate::json::Json;
use crate::model::{Config, MaskinportenClient};

/// `exp - iat`: Maskinporten's limit.
pub const GRANT_LIFETIME_SECS: i64 = 120;
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const MAX_TEXT: usize = 255;
const MAX_CHAIN_BYTES: usize = 64 * 1024;
/// RS256 with a 2048–8192-bit key.
const SIGNATURE_BYTES: std::ops::RangeInclusive<usize> = 256..=1024;

/// A token at hand, or a grant to send first.
#[derive(Debug)]
pub enum Next {
    Cached(AccessToken),
    Send(HttpRequest, Pending),
}

/// What the answer to a grant is read with.
#[derive(Debug)]
pub struct Pending {
    key: TokenKey,
    context: answer::Context,
    /// The assertion's parts, never to be echoed back in an error.
    sent: Vec<String>,
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

fn identity(grants: &Grants) -> Result<(KeyIdentity, String), Error> {
    let identity =
        grants.host.identity().map_err(|m| token_failure(format!("the host has no signing key: {}", crate::text::clip(&m, 300))))?;
    let label = match &identity {
        KeyIdentity::KeyId(kid) => {
            check_text("key id (kid)", kid)?;
            format!("kid:{kid}")
        }
        KeyIdentity::CertificateChain(chain) => {
            let total: usize = chain.iter().map(String::len).sum();
            if chain.is_empty() || total > MAX_CHAIN_BYTES || !chain.iter().all(|c| jws::is_base64(c)) {
                return Err(token_failure(format!(
                    "the certificate chain (x5c) must be 1 or more base64 DER certificates, leaf first, at most {MAX_CHAIN_BYTES} bytes"
                )));
            }
            format!("x5c:{}", chain[0])
        }
    };
    Ok((identity, label))
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

impl Grants {
    /// The cached token for `want`, or the grant to send for it.
    pub fn next(&self, config: &Config, want: &Want) -> Result<Next, Error> {
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
        let (identity, label) = identity(self)?;
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
        let now = self.host.now();
        if let Some(token) = self.cache.borrow().get(&key, now) {
            return Ok(Next::Cached(token));
        }
        let (assertion, sent) = self.assertion(&identity, &key, client, now.seconds)?;
        let body = format!("grant_type={}&assertion={assertion}", crate::url::encode_component(GRANT_TYPE));
        let request = HttpRequest {
            method: Method::Post,
            url: format!("{issuer}token"),
            headers: vec![
                Header { name: "Content-Type".into(), value: "application/x-www-form-urlencoded".into() },
                Header { name: "Accept".into(), value: "application/json".into() },
            ],
            body: Some(body.into_bytes()),
            timeout_ms: config.timeout_ms,
        };
        let context = answer::Context::new(&key, &identity, now);
        Ok(Next::Send(request, Pending { key, context, sent }))
    }

    /// Reads the answer to a grant; a token is cached before it is returned.
    pub fn accept(&self, pending: Pending, response: &HttpResponse) -> Result<AccessToken, Error> {
        let sent: Vec<&str> = pending.sent.iter().map(String::as_str).collect();
        let token = answer::read(&pending.context, response, &sent)?;
        self.cache.borrow_mut().put(pending.key, token.clone(), pending.context.issued_at);
        Ok(token)
    }

    /// The signed JWS, and its parts (to keep them out of error messages).
    fn assertion(
        &self,
        identity: &KeyIdentity,
        key: &TokenKey,
        client: &MaskinportenClient,
        now: i64,
    ) -> Result<(String, Vec<String>), Error> {
        let random = self.host.random_bytes(16);
        let bytes: [u8; 16] = random
            .as_slice()
            .try_into()
            .map_err(|_| token_failure(format!("the host's random capability gave {} bytes when 16 were asked for", random.len())))?;
        let jti = jws::uuid_v4(bytes);
        if !self.cache.borrow_mut().fresh_jti(&jti) {
            return Err(token_failure("the host's random capability repeated itself (the same jti twice); it must be a secure generator"));
        }
        let number = |n: i64| Json::Number(n.to_string());
        let mut claims = vec![
            ("aud".to_string(), string(&key.issuer)),
            ("iss".to_string(), string(&client.client_id)),
            ("iat".to_string(), number(now)),
            ("exp".to_string(), number(now + GRANT_LIFETIME_SECS)),
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
            jws::base64url(header(identity).to_text().as_bytes()),
            jws::base64url(Json::Object(claims).to_text().as_bytes())
        );
        let signature = self
            .host
            .sign(signing_input.as_bytes())
            .map_err(|m| token_failure(format!("the host could not sign the grant: {}", crate::text::clip(&m, 300))))?;
        if !SIGNATURE_BYTES.contains(&signature.len()) {
            return Err(token_failure(format!(
                "the host's signer gave a {}-byte signature; RS256 with a 2048–8192-bit RSA key gives 256–1024 bytes",
                signature.len()
            )));
        }
        let signature = jws::base64url(&signature);
        let assertion = format!("{signing_input}.{signature}");
        let sent = vec![assertion.clone(), signature];
        Ok((assertion, sent))
    }
}
