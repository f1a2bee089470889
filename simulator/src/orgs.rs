//! The register's organisations, looked up in constant time: the fixture's, and the synthetic
//! customers (`syntheticCustomers`), each with a name, a party id and a party uuid, so that many
//! distinct customers can be onboarded.

use std::collections::HashMap;

use crate::fixture::{Fixture, NamedOrganization, Organization};
use crate::settings::synthetic_org_no;

/// `partyId` of synthetic customer 0; the others follow.
const SYNTHETIC_PARTY_ID: i64 = 60_000_000;

/// The organisation of the `i`-th synthetic customer.
pub fn synthetic_organization(i: u32) -> Organization {
    Organization::Named(NamedOrganization {
        org_no: synthetic_org_no(i),
        name: Some(format!("SYNTETISK KUNDE {i} AS")),
        party_id: Some(SYNTHETIC_PARTY_ID + i64::from(i)),
        party_uuid: Some(format!("5e000000-0000-4000-8000-{i:012}")),
    })
}

#[derive(Debug, Default)]
pub struct Orgs {
    by_org: HashMap<String, Organization>,
    by_uuid: HashMap<String, String>,
    synthetic: u32,
}

impl Orgs {
    /// The fixture's organisations and `synthetic` synthetic customers (a fixture organisation
    /// with the same number wins).
    pub fn new(fixture: &Fixture, synthetic: u32) -> Self {
        let mut orgs = Orgs { synthetic, ..Orgs::default() };
        orgs.by_org.reserve(fixture.organizations.len() + synthetic as usize);
        for o in fixture.organizations.iter().cloned().chain((0..synthetic).map(synthetic_organization)) {
            if orgs.by_org.contains_key(o.org_no()) {
                continue;
            }
            if let Some(u) = o.party_uuid() {
                orgs.by_uuid.entry(u.to_string()).or_insert_with(|| o.org_no().to_string());
            }
            orgs.by_org.insert(o.org_no().to_string(), o);
        }
        orgs
    }

    pub fn synthetic(&self) -> u32 {
        self.synthetic
    }

    pub fn get(&self, org_no: &str) -> Option<&Organization> {
        self.by_org.get(org_no)
    }

    pub fn by_party_uuid(&self, party_uuid: &str) -> Option<&Organization> {
        self.by_uuid.get(party_uuid).and_then(|o| self.by_org.get(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_customers_join_the_fixtures() {
        let f = Fixture::default();
        let orgs = Orgs::new(&f, 1000);
        assert!(orgs.get("314248295").is_some());
        let o = orgs.get(&synthetic_org_no(999)).unwrap();
        assert_eq!(o.name(), Some("SYNTETISK KUNDE 999 AS"));
        assert_eq!(o.party_id(), Some(60_000_999));
        let u = o.party_uuid().unwrap();
        assert_eq!(crate::ids::parse_guid(u).as_deref(), Some(u));
        assert_eq!(orgs.by_party_uuid(u).map(Organization::org_no), Some(synthetic_org_no(999).as_str()));
        assert!(orgs.get(&synthetic_org_no(1000)).is_none());
    }
}
