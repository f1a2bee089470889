//! Maskinporten inside the component (API.md §10): the JWT-bearer grant is built here, signed
//! by the host's key (which never enters the component), posted like any other request, and
//! its token cached per identity. Time and randomness come from the host too.
//!
//! `grant` builds the assertion (signed by the host in a `sign` step) and the request, `answer`
//! reads Maskinporten's reply (and names what to fix for each MP code), `cache` keeps tokens
//! until shortly before they expire, `jws` holds the encodings. The operation machine decides
//! when a token is needed; time and the `jti` seed come in with its inputs.

mod answer;
mod cache;
mod grant;
mod jws;

use crate::model::DateTime;
use crate::secret::Secret;

pub use crate::model::KeyIdentity;
pub use cache::{TokenCache, TokenKey, MARGIN_SECS};
pub use grant::{accept, next, token_key, JtiSource, Next, Pending, Unsigned, GRANT_LIFETIME_SECS};

/// A JWT's claims, if readable. Read only to know how long to cache a token and whom it is
/// for; never trusted for anything else (the server checks the signature).
fn jwt_claims(token: &str) -> Option<crate::json::Json> {
    crate::json::parse(&jws::base64url_decode(token.split('.').nth(1)?)?).ok()
}

/// When a JWT says it expires (its `exp` claim), if it says so readably.
pub fn jwt_expiry(token: &str) -> Option<DateTime> {
    match jwt_claims(token)?.member("exp")? {
        crate::json::Json::Number(n) => n.parse::<i64>().ok().map(|seconds| DateTime { seconds, nanoseconds: 0 }),
        _ => None,
    }
}

/// The organisation a system-user JWT acts for (`authorization_details[0].systemuser_org.ID`,
/// `0192:` stripped), if it names one. A one-item array may come as the item itself: .NET's JWT
/// handler writes it so.
pub fn jwt_system_user_org(token: &str) -> Option<String> {
    let claims = jwt_claims(token)?;
    let details = match claims.member("authorization_details")? {
        crate::json::Json::Array(items) => items.first()?,
        item => item,
    };
    match details.member("systemuser_org")?.member("ID")? {
        crate::json::Json::String(id) => Some(crate::identifiers::normalize_org_no(id).to_string()),
        _ => None,
    }
}

/// The cache an instance's operations share (tokens among what it keeps).
pub use crate::instance::SharedCache;

/// A token from Maskinporten. `expires_at` is when Maskinporten says it expires, by the host's
/// clock; the cache stops handing it out `MARGIN_SECS` earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token: Secret,
    pub scope: String,
    pub expires_at: DateTime,
}

/// The customer a system-user token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUserOf {
    pub org_no: String,
    pub external_ref: Option<String>,
}

/// A token wanted: a vendor token for `scopes`, or a system user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub scopes: Vec<String>,
    pub system_user: Option<SystemUserOf>,
}
