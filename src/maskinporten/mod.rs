//! Maskinporten inside the component (API.md §10): the JWT-bearer grant is built here, signed
//! by the host's key (which never enters the component), posted like any other request, and
//! its token cached per identity. Time and randomness come from the host too.
//!
//! `grant` builds the assertion and the request, `answer` reads Maskinporten's reply (and
//! names what to fix for each MP code), `cache` keeps tokens until shortly before they expire,
//! `jws` holds the encodings. The operation machine decides when a token is needed.

mod answer;
mod cache;
mod grant;
mod jws;

use std::cell::RefCell;
use std::rc::Rc;

use crate::model::DateTime;
use crate::secret::Secret;

pub use cache::{TokenCache, TokenKey, MARGIN_SECS};
pub use grant::{Next, Pending, GRANT_LIFETIME_SECS};

/// How Maskinporten finds the public key: the header's `kid`, or an `x5c` certificate chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyIdentity {
    KeyId(String),
    CertificateChain(Vec<String>),
}

/// What the host supplies for grants (the `signer`, `clock` and `random` imports).
pub trait GrantHost {
    fn now(&self) -> DateTime;
    fn random_bytes(&self, len: u32) -> Vec<u8>;
    fn identity(&self) -> Result<KeyIdentity, String>;
    /// RS256: RSASSA-PKCS1-v1_5 with SHA-256.
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, String>;
}

/// The host's capabilities and the token cache, shared by every operation of an instance.
#[derive(Clone)]
pub struct Grants {
    pub host: Rc<dyn GrantHost>,
    pub cache: Rc<RefCell<TokenCache>>,
}

impl Grants {
    pub fn new(host: Rc<dyn GrantHost>) -> Self {
        Grants { host, cache: Rc::new(RefCell::new(TokenCache::default())) }
    }
}

impl std::fmt::Debug for Grants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Grants {{ cached tokens: {} }}", self.cache.borrow().len())
    }
}

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
