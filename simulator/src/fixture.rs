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
    /// The Resource Registry: what a system's rights may name (System Register checks).
    #[serde(default)]
    pub resources: Vec<Resource>,
    /// Access Management's client relations: which clients each bureau has, with the packages
    /// each client holds at the bureau (ER roles and delegated packages, folded together).
    #[serde(default)]
    pub client_relations: Vec<ClientRelation>,
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

/// An organisation in the register: a bare number, or `{"orgNo", "name", "partyId", "partyUuid"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Organization {
    Number(String),
    Named(NamedOrganization),
}

/// An organisation with its name and party identifiers (Register's `Party`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamedOrganization {
    pub org_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Register's party id (`partyId` in the client-delegation answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_id: Option<i64>,
    /// Register's party uuid: what the client-delegation routes name a client by. Without it the
    /// organisation cannot be a client, and as a system user's owner it answers 401 there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_uuid: Option<String>,
}

impl Organization {
    pub fn org_no(&self) -> &str {
        match self {
            Organization::Number(n) => n,
            Organization::Named(o) => &o.org_no,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Organization::Number(_) => None,
            Organization::Named(o) => o.name.as_deref(),
        }
    }

    pub fn party_id(&self) -> Option<i64> {
        match self {
            Organization::Number(_) => None,
            Organization::Named(o) => o.party_id,
        }
    }

    pub fn party_uuid(&self) -> Option<&str> {
        match self {
            Organization::Number(_) => None,
            Organization::Named(o) => o.party_uuid.as_deref(),
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

/// A resource's type in the Resource Registry (`ResourceType`). The System Register accepts
/// rights on `AltinnApp`, `Systemresource`, `Default`, `CorrespondenceService`, `BrokerService`,
/// `GenericAccessResource` and `MigratedApp` only (AUTH.VLD-00017 otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceType {
    Default,
    Systemresource,
    MaskinportenSchema,
    Altinn2Service,
    AltinnApp,
    GenericAccessResource,
    BrokerService,
    CorrespondenceService,
    Consent,
    MigratedApp,
}

impl ResourceType {
    /// Whether a system may hold rights on it (`SystemRegisterService.WhitelistedResourceTypes`).
    pub fn is_delegable(self) -> bool {
        matches!(
            self,
            ResourceType::AltinnApp
                | ResourceType::Systemresource
                | ResourceType::Default
                | ResourceType::CorrespondenceService
                | ResourceType::BrokerService
                | ResourceType::GenericAccessResource
                | ResourceType::MigratedApp
        )
    }
}

/// A resource in the Resource Registry (`urn:altinn:resource` = `id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resource {
    pub id: String,
    #[serde(rename = "type")]
    pub resource_type: ResourceType,
}

/// A client of a bureau in Access Management: `client` holds `packages` at `bureau` (through an
/// ER role such as REGN or REVI, or delegated packages; the simulator does not tell them apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientRelation {
    pub bureau: String,
    pub client: String,
    pub packages: Vec<String>,
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
            resources: Vec::new(),
            client_relations: Vec::new(),
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
        let mut party_uuids = BTreeSet::new();
        for o in &self.organizations {
            if !orgno::is_valid(o.org_no()) {
                return bad(format!("organization {:?} is not a valid organisation number", o.org_no()));
            }
            if !orgs.insert(o.org_no()) {
                return bad(format!("organization {:?} appears twice", o.org_no()));
            }
            if let Some(u) = o.party_uuid() {
                if crate::ids::parse_guid(u).as_deref() != Some(u) {
                    return bad(format!("organization {:?}: partyUuid {u:?} is not a lower-case hyphenated uuid", o.org_no()));
                }
                if !party_uuids.insert(u) {
                    return bad(format!("partyUuid {u:?} appears twice"));
                }
            }
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
        let mut resources = BTreeSet::new();
        for r in &self.resources {
            if !resources.insert(r.id.as_str()) {
                return bad(format!("resource {:?} appears twice", r.id));
            }
        }
        let mut relations = BTreeSet::new();
        for r in &self.client_relations {
            let what = format!("client relation {:?} → {:?}", r.client, r.bureau);
            if !relations.insert((r.bureau.as_str(), r.client.as_str())) {
                return bad(format!("{what} appears twice"));
            }
            // A client lists only when it is in the register with a party uuid (the routes name
            // clients by it); that is not checked here, so a test may take organisations out.
            if r.bureau == r.client || !orgno::is_valid(&r.bureau) || !orgno::is_valid(&r.client) {
                return bad(format!("{what}: bureau and client must be two valid organisation numbers"));
            }
            for p in &r.packages {
                if !self.package(p).is_some_and(|e| e.is_delegable) {
                    return bad(format!("{what}: package {p:?} is not a delegable package of the catalogue"));
                }
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

    pub fn organization(&self, org_no: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.org_no() == org_no)
    }

    pub fn package(&self, urn: &str) -> Option<&CatalogueEntry> {
        self.access_packages.iter().find(|p| p.urn == urn)
    }

    pub fn client(&self, client_id: &str) -> Option<&MaskinportenClient> {
        self.maskinporten_clients.iter().find(|c| c.client_id == client_id)
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id == id)
    }

    /// The organisation with this party uuid.
    pub fn organization_by_party_uuid(&self, party_uuid: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.party_uuid() == Some(party_uuid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_fixture_is_valid() {
        let f = Fixture::from_json_str(DEFAULT_FIXTURE_JSON).expect("default fixture");
        let system = |id: &str| f.systems.iter().find(|s| s.id == id);
        assert!(system("314248295_smartbyraa").is_some());
        assert!(f.organizations.len() >= 10);
        assert!(f.organizations.iter().all(|o| orgno::is_valid(o.org_no())));
        let std = system("314248295_smartregnskap").unwrap();
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

    #[test]
    fn checks_parties_resources_and_client_relations() {
        let f = Fixture::default();
        assert!(f.resources.iter().any(|r| !r.resource_type.is_delegable()));
        assert!(f.package("urn:altinn:accesspackage:klientadministrator").is_some_and(|p| p.is_assignable && !p.is_delegable));
        assert!(f.organizations.iter().any(|o| o.party_uuid().is_none()));
        let org = |extra: &str| format!(r#"{{"organizations":[{{"orgNo":"310816191"{extra}}}]}}"#);
        assert!(Fixture::from_json_str(&org(r#","partyUuid":"7c9e2d41-8a3b-4f6c-b5d2-3e1a9f0c7b03","partyId":1"#)).is_ok());
        assert!(matches!(Fixture::from_json_str(&org(r#","partyUuid":"NOT-A-UUID""#)), Err(FixtureError::Invalid(_))));
        assert!(matches!(Fixture::from_json_str(&org(r#","partyUUID":"x""#)), Err(FixtureError::Parse(_))));
        let dup = r#"{"resources":[{"id":"a","type":"AltinnApp"},{"id":"a","type":"Consent"}]}"#;
        assert!(matches!(Fixture::from_json_str(dup), Err(FixtureError::Invalid(_))));
        assert!(matches!(Fixture::from_json_str(r#"{"resources":[{"id":"a","type":"Nope"}]}"#), Err(FixtureError::Parse(_))));
        let relation = |pkg: &str| {
            format!(
                r#"{{"accessPackages":[{{"urn":"p","isAssignable":true,"isDelegable":{pkg}}}],"clientRelations":[{{"bureau":"310816191","client":"314224965","packages":["p"]}}]}}"#
            )
        };
        assert!(Fixture::from_json_str(&relation("true")).is_ok());
        assert!(matches!(Fixture::from_json_str(&relation("false")), Err(FixtureError::Invalid(_))));
    }
}
