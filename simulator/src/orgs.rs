//! The register's organisations, looked up in constant time: the fixture's, and the synthetic
//! customers (`syntheticCustomers`), each with a name, a party id and a party uuid, so that many
//! distinct customers can be onboarded. A synthetic customer is computed from its number when
//! looked up, never stored: a million of them cost no memory and no time to set up.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::fixture::{Fixture, NamedOrganization, Organization};
use crate::settings::synthetic_org_no;

/// `partyId` of synthetic customer 0; the others follow.
const SYNTHETIC_PARTY_ID: i64 = 60_000_000;
/// The party uuid of synthetic customer `i` is this and `i` in 12 digits.
const SYNTHETIC_UUID_PREFIX: &str = "5e000000-0000-4000-8000-";

/// Which synthetic customer has this organisation number, if any (`synthetic_org_no` backwards).
fn synthetic_index(org_no: &str) -> Option<u32> {
    let body: u64 = org_no.get(..8)?.parse().ok()?;
    let i = u32::try_from(body.checked_sub(20_000_000)? / 10).ok()?;
    (synthetic_org_no(i) == org_no).then_some(i)
}

/// Which synthetic customer has this party uuid, if any.
fn synthetic_uuid_index(party_uuid: &str) -> Option<u32> {
    let digits = party_uuid.strip_prefix(SYNTHETIC_UUID_PREFIX)?;
    (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok()).flatten()
}

/// The organisation of the `i`-th synthetic customer.
pub fn synthetic_organization(i: u32) -> Organization {
    Organization::Named(NamedOrganization {
        org_no: synthetic_org_no(i),
        name: Some(format!("SYNTETISK KUNDE {i} AS")),
        party_id: Some(SYNTHETIC_PARTY_ID + i64::from(i)),
        party_uuid: Some(format!("{SYNTHETIC_UUID_PREFIX}{i:012}")),
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
    /// with the same number or party uuid wins).
    pub fn new(fixture: &Fixture, synthetic: u32) -> Self {
        let mut orgs = Orgs { synthetic, ..Orgs::default() };
        for o in &fixture.organizations {
            if let Some(u) = o.party_uuid() {
                orgs.by_uuid.entry(u.to_string()).or_insert_with(|| o.org_no().to_string());
            }
            orgs.by_org.entry(o.org_no().to_string()).or_insert_with(|| o.clone());
        }
        orgs
    }

    pub fn synthetic(&self) -> u32 {
        self.synthetic
    }

    /// One of the fixture's organisations (the client relations name only those).
    pub fn fixture(&self, org_no: &str) -> Option<&Organization> {
        self.by_org.get(org_no)
    }

    /// An organisation of the register: the fixture's, or a synthetic customer.
    pub fn get(&self, org_no: &str) -> Option<Cow<'_, Organization>> {
        match self.by_org.get(org_no) {
            Some(o) => Some(Cow::Borrowed(o)),
            None => self.synthetic_customer(synthetic_index(org_no)?),
        }
    }

    pub fn by_party_uuid(&self, party_uuid: &str) -> Option<Cow<'_, Organization>> {
        match self.by_uuid.get(party_uuid).and_then(|o| self.by_org.get(o)) {
            Some(o) => Some(Cow::Borrowed(o)),
            None => self.synthetic_customer(synthetic_uuid_index(party_uuid)?),
        }
    }

    fn synthetic_customer(&self, i: u32) -> Option<Cow<'_, Organization>> {
        (i < self.synthetic).then(|| Cow::Owned(synthetic_organization(i)))
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
        assert_eq!(orgs.by_party_uuid(u).map(|o| o.org_no().to_string()), Some(synthetic_org_no(999)));
        assert!(orgs.get(&synthetic_org_no(1000)).is_none());
        assert!(orgs.by_party_uuid("5e000000-0000-4000-8000-000000001000").is_none());
        for bad in ["", "2", "200000000", "20000001x", "199999999", "5e000000-0000-4000-8000-00000000099"] {
            assert!(orgs.get(bad).is_none() && orgs.by_party_uuid(bad).is_none(), "{bad}");
        }
        // Every synthetic number maps back to its index, and a fixture organisation wins.
        for i in (0..1000).chain([999_999]) {
            assert_eq!(synthetic_index(&synthetic_org_no(i)), Some(i));
        }
        assert!(matches!(orgs.get("314248295"), Some(Cow::Borrowed(_))));
    }
}
