//! `Default` and builders for the request inputs, so that a caller names only what it asks for.
//!
//! The input types are generated from the WIT (`wit::StandardRequestInput`, …); their fields
//! stay public, and these impls live here, beside the bindings, because the types are this
//! crate's own.
//!
//! ```
//! use systemuser_host::wit::{AccessPackage, Right, StandardRequestInput};
//!
//! let input = StandardRequestInput::new("314248295_smartregnskap", "310816191")
//!     .external_ref("erp-42")
//!     .right(Right::resource("ske-krav-og-betalinger"))
//!     .access_package("skattegrunnlag") // short for urn:altinn:accesspackage:skattegrunnlag
//!     .redirect_url("https://smartregnskap.example/callback");
//! assert_eq!(input.access_packages, Some(vec![AccessPackage::named("skattegrunnlag")]));
//! assert_eq!(input.integration_title, None);
//! ```

use crate::bindings::wit::{AccessPackage, AgentRequestInput, AttributePair, ChangeRequestInput, Right, StandardRequestInput};

/// The prefix a bare access package name gets.
const PACKAGE_PREFIX: &str = "urn:altinn:accesspackage:";

impl Right {
    /// A right on one resource: `urn:altinn:resource` = `id` (`ske-krav-og-betalinger`).
    pub fn resource(id: impl Into<String>) -> Self {
        Right { action: None, resource: vec![AttributePair { id: "urn:altinn:resource".into(), value: id.into() }] }
    }

    /// A right on a resource named by several attribute pairs (`urn:altinn:org` = `ttd`,
    /// `urn:altinn:app` = `regnskap`).
    pub fn attributes<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Right {
            action: None,
            resource: pairs.into_iter().map(|(id, value)| AttributePair { id: id.into(), value: value.into() }).collect(),
        }
    }
}

impl AccessPackage {
    /// An access package by URN, or by its bare name (`skattegrunnlag` is
    /// `urn:altinn:accesspackage:skattegrunnlag`).
    pub fn named(name: impl Into<String>) -> Self {
        let name = name.into();
        let urn = if name.starts_with("urn:") { name } else { format!("{PACKAGE_PREFIX}{name}") };
        AccessPackage { urn }
    }
}

impl Default for StandardRequestInput {
    /// Everything empty: set `system_id` and `party_org_no` (or use [`StandardRequestInput::new`]).
    fn default() -> Self {
        StandardRequestInput {
            system_id: String::new(),
            party_org_no: String::new(),
            external_ref: None,
            integration_title: None,
            rights: None,
            access_packages: None,
            redirect_url: None,
        }
    }
}

impl StandardRequestInput {
    /// A request for `system_id` to customer `party_org_no`, asking for nothing yet.
    pub fn new(system_id: impl Into<String>, party_org_no: impl Into<String>) -> Self {
        StandardRequestInput { system_id: system_id.into(), party_org_no: party_org_no.into(), ..Default::default() }
    }

    /// The vendor's own key for this customer (defaults to the org number).
    pub fn external_ref(mut self, external_ref: impl Into<String>) -> Self {
        self.external_ref = Some(external_ref.into());
        self
    }

    /// The title the customer sees (defaults to the system's name).
    pub fn integration_title(mut self, title: impl Into<String>) -> Self {
        self.integration_title = Some(title.into());
        self
    }

    /// One more right.
    pub fn right(mut self, right: Right) -> Self {
        self.rights.get_or_insert_with(Vec::new).push(right);
        self
    }

    /// One more access package, by URN or bare name.
    pub fn access_package(mut self, package: impl Into<String>) -> Self {
        self.access_packages.get_or_insert_with(Vec::new).push(AccessPackage::named(package));
        self
    }

    /// Where the customer's browser goes after deciding (registered on the system).
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_url = Some(url.into());
        self
    }
}

impl Default for AgentRequestInput {
    /// Everything empty: set `system_id`, `party_org_no` and at least one access package (or use
    /// [`AgentRequestInput::new`]).
    fn default() -> Self {
        AgentRequestInput {
            system_id: String::new(),
            party_org_no: String::new(),
            external_ref: None,
            integration_title: None,
            access_packages: Vec::new(),
            redirect_url: None,
            rights: None,
        }
    }
}

impl AgentRequestInput {
    /// An agent request for `system_id` to customer `party_org_no`; add its access packages.
    pub fn new(system_id: impl Into<String>, party_org_no: impl Into<String>) -> Self {
        AgentRequestInput { system_id: system_id.into(), party_org_no: party_org_no.into(), ..Default::default() }
    }

    pub fn external_ref(mut self, external_ref: impl Into<String>) -> Self {
        self.external_ref = Some(external_ref.into());
        self
    }

    pub fn integration_title(mut self, title: impl Into<String>) -> Self {
        self.integration_title = Some(title.into());
        self
    }

    /// One more access package, by URN or bare name.
    pub fn access_package(mut self, package: impl Into<String>) -> Self {
        self.access_packages.push(AccessPackage::named(package));
        self
    }

    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_url = Some(url.into());
        self
    }
}

impl Default for ChangeRequestInput {
    /// A change that asks for nothing: set `system_id` and `party_org_no` (or use
    /// [`ChangeRequestInput::new`]), then what to add or take away.
    fn default() -> Self {
        ChangeRequestInput {
            system_id: String::new(),
            party_org_no: String::new(),
            external_ref: None,
            correlation_id: None,
            required_rights: Vec::new(),
            unwanted_rights: Vec::new(),
            required_access_packages: Vec::new(),
            unwanted_access_packages: Vec::new(),
            redirect_url: None,
        }
    }
}

impl ChangeRequestInput {
    /// A change to the standard system user of `system_id` for customer `party_org_no`.
    pub fn new(system_id: impl Into<String>, party_org_no: impl Into<String>) -> Self {
        ChangeRequestInput { system_id: system_id.into(), party_org_no: party_org_no.into(), ..Default::default() }
    }

    /// The system user's external ref (defaults to the org number).
    pub fn external_ref(mut self, external_ref: impl Into<String>) -> Self {
        self.external_ref = Some(external_ref.into());
        self
    }

    /// The idempotency key (a uuid); by default derived from the system user and the change.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// A right the system user should get.
    pub fn require_right(mut self, right: Right) -> Self {
        self.required_rights.push(right);
        self
    }

    /// A right the system user should lose.
    pub fn remove_right(mut self, right: Right) -> Self {
        self.unwanted_rights.push(right);
        self
    }

    /// An access package the system user should get, by URN or bare name.
    pub fn require_access_package(mut self, package: impl Into<String>) -> Self {
        self.required_access_packages.push(AccessPackage::named(package));
        self
    }

    /// An access package the system user should lose, by URN or bare name.
    pub fn remove_access_package(mut self, package: impl Into<String>) -> Self {
        self.unwanted_access_packages.push(AccessPackage::named(package));
        self
    }

    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_url = Some(url.into());
        self
    }
}
