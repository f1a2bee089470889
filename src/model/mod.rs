//! The domain model: what vendors send, what Altinn returns, where they talk to.
//! Plain Rust; the WIT glue (`component.rs`) maps these to and from the WIT types.

mod datetime;
mod environment;
pub(crate) mod wire;

pub use datetime::DateTime;
pub use environment::{Config, CustomEnvironment, Environment, KeyIdentity, MaskinportenClient};

/// One attribute of a resource, e.g. `urn:altinn:resource` = `ske-krav-og-betalinger`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttributePair {
    pub id: String,
    pub value: String,
}

/// A right on a resource; the resource is a set of attribute pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Right {
    pub action: Option<String>,
    pub resource: Vec<AttributePair>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPackage {
    pub urn: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Standard,
    Agent,
}

/// A standard create body. `None` and empty lists differ: the server answers them differently.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StandardRequestInput {
    pub system_id: String,
    pub party_org_no: String,
    pub external_ref: Option<String>,
    pub integration_title: Option<String>,
    pub rights: Option<Vec<Right>>,
    pub access_packages: Option<Vec<AccessPackage>>,
    pub redirect_url: Option<String>,
}

/// An agent create body. `rights` is only ever present to be refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentRequestInput {
    pub system_id: String,
    pub party_org_no: String,
    pub external_ref: Option<String>,
    pub integration_title: Option<String>,
    pub access_packages: Vec<AccessPackage>,
    pub redirect_url: Option<String>,
    pub rights: Option<Vec<Right>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestStatus {
    New,
    Accepted,
    Rejected,
    Denied,
    TimedOut,
    Unknown(String),
}

impl RequestStatus {
    /// Reads the server's status string (`Timedout` is the legacy spelling; case-insensitive).
    pub fn from_wire(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "new" => Self::New,
            "accepted" => Self::Accepted,
            "rejected" => Self::Rejected,
            "denied" => Self::Denied,
            "timedout" => Self::TimedOut,
            _ => Self::Unknown(text.to_string()),
        }
    }

    /// The server's spelling.
    pub fn as_wire(&self) -> &str {
        match self {
            Self::New => "New",
            Self::Accepted => "Accepted",
            Self::Rejected => "Rejected",
            Self::Denied => "Denied",
            Self::TimedOut => "Timedout",
            Self::Unknown(text) => text,
        }
    }
}

/// A request as Altinn returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUserRequest {
    pub id: String,
    pub kind: RequestKind,
    pub external_ref: String,
    pub system_id: String,
    pub party_org_no: String,
    pub integration_title: Option<String>,
    pub rights: Vec<Right>,
    pub access_packages: Vec<AccessPackage>,
    pub status: RequestStatus,
    pub redirect_url: Option<String>,
    pub confirm_url: Option<String>,
    pub escalated: bool,
    pub created: Option<DateTime>,
    pub timed_out: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserType {
    Standard,
    Agent,
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUser {
    pub id: String,
    pub integration_title: Option<String>,
    pub system_id: String,
    pub product_name: Option<String>,
    pub reportee_org_no: String,
    pub created: Option<DateTime>,
    pub is_deleted: bool,
    pub supplier_name: Option<String>,
    pub supplier_org_no: Option<String>,
    pub external_ref: Option<String>,
    pub user_type: UserType,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalizedText {
    pub nb: Option<String>,
    pub nn: Option<String>,
    pub en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegisteredSystem {
    pub id: String,
    pub vendor_org_no: String,
    pub name: LocalizedText,
    pub description: LocalizedText,
    pub rights: Vec<Right>,
    pub access_packages: Vec<AccessPackage>,
    pub client_ids: Vec<String>,
    pub is_visible: bool,
    pub allowed_redirect_urls: Vec<String>,
    pub is_deleted: bool,
}

/// A change to a standard system user's rights and access packages (API.md §11), as a vendor
/// asks for it. The system user is named by the vendor's key (system, customer, external ref):
/// the operation looks it up, and refuses an agent system user as the server would.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangeRequestInput {
    pub system_id: String,
    pub party_org_no: String,
    pub external_ref: Option<String>,
    /// The vendor's idempotency key (a uuid); `None`: derived from the system user and the change.
    pub correlation_id: Option<String>,
    pub required_rights: Vec<Right>,
    pub unwanted_rights: Vec<Right>,
    pub required_access_packages: Vec<AccessPackage>,
    pub unwanted_access_packages: Vec<AccessPackage>,
    pub redirect_url: Option<String>,
}

impl ChangeRequestInput {
    /// Whether it asks for nothing (the server answers `NoChangeNeeded` without storing it).
    pub fn is_empty(&self) -> bool {
        self.required_rights.is_empty()
            && self.unwanted_rights.is_empty()
            && self.required_access_packages.is_empty()
            && self.unwanted_access_packages.is_empty()
    }
}

/// What `POST systemuser/changerequest/vendor` sends: the system user by id, the key, the change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewChangeRequest {
    pub system_user_id: String,
    pub correlation_id: String,
    pub required_rights: Vec<Right>,
    pub unwanted_rights: Vec<Right>,
    pub required_access_packages: Vec<AccessPackage>,
    pub unwanted_access_packages: Vec<AccessPackage>,
    pub redirect_url: Option<String>,
}

/// A change request's status. `NoChangeNeeded` is only ever a reply, never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRequestStatus {
    New,
    Accepted,
    Rejected,
    NoChangeNeeded,
    Unknown(String),
}

impl ChangeRequestStatus {
    pub fn from_wire(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "new" => Self::New,
            "accepted" => Self::Accepted,
            "rejected" => Self::Rejected,
            "nochangeneeded" => Self::NoChangeNeeded,
            _ => Self::Unknown(text.to_string()),
        }
    }
}

/// A change request as Altinn returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    /// The correlation id the vendor chose.
    pub id: String,
    pub external_ref: String,
    pub system_id: String,
    pub system_user_id: String,
    pub party_org_no: String,
    pub required_rights: Vec<Right>,
    pub unwanted_rights: Vec<Right>,
    pub required_access_packages: Vec<AccessPackage>,
    pub unwanted_access_packages: Vec<AccessPackage>,
    pub status: ChangeRequestStatus,
    pub redirect_url: Option<String>,
    /// The customer's approval link; absent on list items.
    pub confirm_url: Option<String>,
    /// `None` for the placeholder `0001-01-01T00:00:00`.
    pub created: Option<DateTime>,
    /// The server's flag, or (set by the operation, which has the clock) still `New` 180 days
    /// after `created`: the single GET never sets the flag itself.
    pub timed_out: bool,
}

/// One page of a system's change requests. The server ignores the page token of this list and
/// repeats page one forever past 50 items, so it is never followed: `may_be_incomplete` says
/// there was more (look change requests up by id or by external ref instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequestList {
    pub items: Vec<ChangeRequest>,
    pub may_be_incomplete: bool,
}

/// A replacement of some of a registered system's members (API.md §13). `None` keeps the stored
/// value: the operation reads the system and sends the whole record, as the server's PUT
/// replaces everything and would silently reset what a partial body leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemUpdate {
    pub id: String,
    pub name: Option<LocalizedText>,
    pub description: Option<LocalizedText>,
    pub rights: Option<Vec<Right>>,
    pub access_packages: Option<Vec<AccessPackage>>,
    pub client_ids: Option<Vec<String>>,
    pub is_visible: Option<bool>,
    pub allowed_redirect_urls: Option<Vec<String>>,
}

impl SystemUpdate {
    /// The stored system with this update's members put in.
    pub fn apply(&self, mut system: RegisteredSystem) -> RegisteredSystem {
        if let Some(name) = &self.name {
            system.name = name.clone();
        }
        if let Some(description) = &self.description {
            system.description = description.clone();
        }
        if let Some(rights) = &self.rights {
            system.rights.clone_from(rights);
        }
        if let Some(packages) = &self.access_packages {
            system.access_packages.clone_from(packages);
        }
        if let Some(ids) = &self.client_ids {
            system.client_ids.clone_from(ids);
        }
        if let Some(visible) = self.is_visible {
            system.is_visible = visible;
        }
        if let Some(urls) = &self.allowed_redirect_urls {
            system.allowed_redirect_urls.clone_from(urls);
        }
        system
    }
}

/// One entry of a registered system's changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemChange {
    pub system_internal_id: String,
    pub changed_by_org_no: String,
    /// `create`, `update`, `rightsupdate`, `accesspackageupdate` or `delete`.
    pub change_type: String,
    /// The body that was sent, as JSON text.
    pub changed_data: String,
    pub client_id: Option<String>,
    pub created: Option<DateTime>,
}

/// The accounting bureau whose clients are administered (API.md §12): its own standard system
/// user, for a system holding `klientadministrator`, named by the vendor's key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bureau {
    pub org_no: String,
    pub external_ref: Option<String>,
}

/// An agent system user as the client-delegation routes list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSystemUser {
    pub system_user: SystemUser,
    pub system_internal_id: Option<String>,
    pub party_uuid: Option<String>,
    pub access_packages: Vec<AccessPackage>,
}

/// A client of an accounting bureau.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The client's party uuid (what `add-client` takes).
    pub id: String,
    pub org_no: String,
    pub name: Option<String>,
}

/// The clients of an agent system user (delegated, or available to delegate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientList {
    pub system_user_id: String,
    pub owner_org_no: String,
    pub clients: Vec<Client>,
}

/// A client delegated to (or removed from) an agent system user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLink {
    pub agent: String,
    pub client: String,
}

/// One page of a paginated list; `next_page` is the opaque token of `links.next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_page: Option<String>,
}
