//! The fixture: what exists in the simulated Altinn before any request arrives
//! (registered systems, organisations, the access-package catalogue, Maskinporten clients).
//! Every field is documented in `simulator/README.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{PackageRef, Right};
use crate::orgno;

/// The built-in fixture, used when no file is given.
pub const DEFAULT_FIXTURE_JSON: &str = include_str!("../fixtures/default.json");

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("cannot read fixture file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("fixture is not valid JSON for the fixture format: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("fixture is inconsistent: {0}")]
    Invalid(String),
}

/// A complete fixture. Unknown fields are refused so a typo does not silently drop data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixture {
    #[serde(default)]
    pub systems: Vec<RegisteredSystem>,
    #[serde(default)]
    pub organizations: Vec<Organization>,
    #[serde(default)]
    pub access_packages: Vec<CatalogueEntry>,
    #[serde(default)]
    pub maskinporten_clients: Vec<MaskinportenClient>,
}

/// A system in the System Register, in Altinn's registered-system shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisteredSystem {
    pub id: String,
    pub vendor: VendorInfo,
    #[serde(default)]
    pub name: BTreeMap<String, String>,
    #[serde(default)]
    pub description: BTreeMap<String, String>,
    #[serde(default)]
    pub rights: Vec<Right>,
    #[serde(default)]
    pub access_packages: Vec<PackageRef>,
    #[serde(default)]
    pub client_id: Vec<String>,
    #[serde(default = "yes")]
    pub is_visible: bool,
    #[serde(default)]
    pub allowed_redirect_urls: Vec<String>,
    #[serde(default)]
    pub is_deleted: bool,
}

fn yes() -> bool {
    true
}

/// `{"ID": "0192:<orgno>"}` (the server never serialises `authority`, it is a C# field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(default, skip_serializing)]
    pub authority: Option<String>,
}

impl RegisteredSystem {
    /// The vendor's bare organisation number.
    pub fn vendor_org_no(&self) -> &str {
        orgno::strip_icd(&self.vendor.id)
    }

    /// `name.nb`, the server's default `integrationTitle`.
    pub fn name_nb(&self) -> Option<&str> {
        self.name.get("nb").map(String::as_str)
    }
}

/// An organisation in the register: a bare number, or `{"orgNo", "name"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Organization {
    Number(String),
    Named {
        #[serde(rename = "orgNo")]
        org_no: String,
        #[serde(default)]
        name: Option<String>,
    },
}

impl Organization {
    pub fn org_no(&self) -> &str {
        match self {
            Organization::Number(n) => n,
            Organization::Named { org_no, .. } => org_no,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Organization::Number(_) => None,
            Organization::Named { name, .. } => name.as_deref(),
        }
    }
}

/// One entry of the access-package catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogueEntry {
    pub urn: String,
    #[serde(default)]
    pub name: Option<String>,
    pub is_assignable: bool,
    pub is_delegable: bool,
}

/// A Maskinporten client: who it is, what it may ask for, its public keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MaskinportenClient {
    pub client_id: String,
    pub org_no: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Business certificates (base64 DER) the client may sign grants with instead of a `kid`
    /// (the header's `x5c`, leaf first). The simulator trusts exactly these; the real
    /// Maskinporten checks the chain against the trusted CAs and the organisation number.
    #[serde(default)]
    pub certificates: Vec<String>,
    pub jwks: Jwks,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// An RSA public key in JWK form (`n`, `e` base64url). Other members are kept but unused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
}

impl Default for Fixture {
    /// The built-in fixture. It is checked by a unit test, so a broken edit fails the
    /// build's tests rather than a user's run; should it still fail, an empty fixture
    /// is better than a panic.
    fn default() -> Self {
        Self::from_json_str(DEFAULT_FIXTURE_JSON).unwrap_or_else(|_| Fixture {
            systems: Vec::new(),
            organizations: Vec::new(),
            access_packages: Vec::new(),
            maskinporten_clients: Vec::new(),
        })
    }
}

impl Fixture {
    pub fn from_json_str(json: &str) -> Result<Self, FixtureError> {
        let f: Fixture = serde_json::from_str(json)?;
        f.validate()?;
        Ok(f)
    }

    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self, FixtureError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read { path: path.display().to_string(), source })?;
        Self::from_json_str(&text)
    }

    /// Checks what would make the simulator answer nonsense: bad org numbers, a system id
    /// that does not start with its vendor, duplicate ids, a client id on two systems,
    /// unusable keys.
    pub fn validate(&self) -> Result<(), FixtureError> {
        let bad = |m: String| Err(FixtureError::Invalid(m));
        let mut orgs = BTreeSet::new();
        for o in &self.organizations {
            if !orgno::is_valid(o.org_no()) {
                return bad(format!("organization {:?} is not a valid organisation number", o.org_no()));
            }
            orgs.insert(o.org_no());
        }
        let mut ids = BTreeSet::new();
        let mut client_owner: BTreeMap<&str, &str> = BTreeMap::new();
        for s in &self.systems {
            if !ids.insert(s.id.as_str()) {
                return bad(format!("system id {:?} appears twice", s.id));
            }
            let vendor = s.vendor_org_no();
            if !orgno::is_valid(vendor) {
                return bad(format!("system {:?}: vendor {:?} is not a valid organisation number", s.id, s.vendor.id));
            }
            if !s.id.starts_with(&format!("{vendor}_")) || s.id.contains(' ') {
                return bad(format!("system id {:?} must be <vendor orgno>_<name> without spaces", s.id));
            }
            for c in &s.client_id {
                if let Some(other) = client_owner.insert(c, &s.id) {
                    return bad(format!("client id {c:?} is on both {other:?} and {:?}", s.id));
                }
            }
            for u in &s.allowed_redirect_urls {
                if crate::urlmatch::LeftPart::parse(u).is_err() {
                    return bad(format!("system {:?}: redirect URL {u:?} is not absolute", s.id));
                }
            }
        }
        let mut urns = BTreeSet::new();
        for p in &self.access_packages {
            if !urns.insert(p.urn.as_str()) {
                return bad(format!("access package {:?} appears twice", p.urn));
            }
        }
        let mut clients = BTreeSet::new();
        for c in &self.maskinporten_clients {
            if !clients.insert(c.client_id.as_str()) {
                return bad(format!("Maskinporten client {:?} appears twice", c.client_id));
            }
            if !orgno::is_valid(&c.org_no) {
                return bad(format!("Maskinporten client {:?}: orgNo {:?} is not valid", c.client_id, c.org_no));
            }
            for k in &c.jwks.keys {
                if crate::maskinporten::rsa_components(k).is_none() {
                    return bad(format!("Maskinporten client {:?}: key {:?} is not an RSA key with n and e", c.client_id, k.kid));
                }
            }
        }
        Ok(())
    }

    pub fn system(&self, id: &str) -> Option<&RegisteredSystem> {
        self.systems.iter().find(|s| s.id == id && !s.is_deleted)
    }

    /// A system whether deleted or not: what a system user's row joins to for its vendor
    /// (`supplierOrgno`, the owner checks on system users).
    pub fn system_including_deleted(&self, id: &str) -> Option<&RegisteredSystem> {
        self.systems.iter().find(|s| s.id == id)
    }

    /// The vendor (bare organisation number) of a system user's system, deleted or not.
    pub fn supplier_of(&self, system_id: &str) -> Option<&str> {
        self.system_including_deleted(system_id).map(RegisteredSystem::vendor_org_no)
    }

    pub fn organization(&self, org_no: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.org_no() == org_no)
    }

    pub fn package(&self, urn: &str) -> Option<&CatalogueEntry> {
        self.access_packages.iter().find(|p| p.urn == urn)
    }

    pub fn client(&self, client_id: &str) -> Option<&MaskinportenClient> {
        self.maskinporten_clients.iter().find(|c| c.client_id == client_id)
    }

    /// The system a Maskinporten client is tagged on (System Register `clientId`).
    pub fn system_of_client(&self, client_id: &str) -> Option<&RegisteredSystem> {
        self.systems.iter().find(|s| !s.is_deleted && s.client_id.iter().any(|c| c == client_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_fixture_is_valid() {
        let f = Fixture::from_json_str(DEFAULT_FIXTURE_JSON).expect("default fixture");
        assert!(f.system("314248295_smartregnskap").is_some());
        assert!(f.system("314248295_smartbyraa").is_some());
        assert!(f.organizations.len() >= 10);
        assert!(f.organizations.iter().all(|o| orgno::is_valid(o.org_no())));
        let std = f.system("314248295_smartregnskap").unwrap();
        assert!(!std.access_packages.iter().any(|p| p.urn.as_deref() == Some("urn:altinn:accesspackage:regnskapsforer-lonn")));
    }

    #[test]
    fn refuses_bad_org_numbers() {
        let j = r#"{"organizations":["123456789"]}"#;
        assert!(matches!(Fixture::from_json_str(j), Err(FixtureError::Invalid(_))));
    }

    #[test]
    fn refuses_unknown_fields() {
        let j = r#"{"organisations":["310816191"]}"#;
        assert!(matches!(Fixture::from_json_str(j), Err(FixtureError::Parse(_))));
    }
}
