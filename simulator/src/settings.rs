//! Behaviour switches that tests flip: problem shape, timeout mode, page size, the hosts handed
//! out in `confirmUrl` and `links.next` (to test a client's guards), the server's list quirks
//! (on by default, as the server has them), and the outcome of the customer's delegation check.

use serde::{Deserialize, Serialize};

pub use crate::problems::ProblemShape;

/// How request timeouts show (API.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeoutMode {
    /// Servers since 2025-11-20: status kept, `timedOut: true` after 180 days.
    #[default]
    Current,
    /// Older servers: status rewritten to `Timedout` after 10 days; no `timedOut` member.
    Legacy,
}

impl TimeoutMode {
    pub fn default_days(self) -> u32 {
        match self {
            TimeoutMode::Current => 180,
            TimeoutMode::Legacy => 10,
        }
    }
}

impl std::str::FromStr for TimeoutMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "current" => Ok(Self::Current),
            "legacy" => Ok(Self::Legacy),
            other => Err(format!("unknown timeout mode {other:?} (current|legacy)")),
        }
    }
}

/// What Access Management's delegation check says when the customer approves a standard request
/// with rights (or a change request with required rights): `ok`, or why the customer may not
/// delegate them (`DetailCodeExternal`, API.md §14 7d4470f6). A request answers the code of the
/// reason (`DelegationHelper.MapDetailExternalErrorListToProblemInstance`); a change request always
/// answers AUTH-00001 (its service does not map the reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DelegationCheck {
    /// The customer may delegate everything asked for.
    #[default]
    Ok,
    /// AUTH-00014: the check failed for an unknown reason (or could not be made).
    Unknown,
    /// AUTH-00016.
    MissingRoleAccess,
    /// AUTH-00018.
    MissingDelegationAccess,
    /// AUTH-00019.
    MissingSrrRightAccess,
    /// AUTH-00020.
    InsufficientAuthenticationLevel,
    /// AUTH-00068.
    MissingPackageAccess,
    /// AUTH-00069.
    AccessListValidationFail,
    /// AUTH-00070.
    ResourceNotDelegable,
    /// AUTH-00071.
    ResourceIsMaskinportenSchema,
}

impl DelegationCheck {
    /// The AUTH code a request approval answers; `None` when the check passes.
    pub fn request_code(self) -> Option<&'static str> {
        Some(match self {
            DelegationCheck::Ok => return None,
            DelegationCheck::Unknown => "AUTH-00014",
            DelegationCheck::MissingRoleAccess => "AUTH-00016",
            DelegationCheck::MissingDelegationAccess => "AUTH-00018",
            DelegationCheck::MissingSrrRightAccess => "AUTH-00019",
            DelegationCheck::InsufficientAuthenticationLevel => "AUTH-00020",
            DelegationCheck::MissingPackageAccess => "AUTH-00068",
            DelegationCheck::AccessListValidationFail => "AUTH-00069",
            DelegationCheck::ResourceNotDelegable => "AUTH-00070",
            DelegationCheck::ResourceIsMaskinportenSchema => "AUTH-00071",
        })
    }
}

impl std::str::FromStr for DelegationCheck {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::from(s)).map_err(|_| {
            format!(
                "unknown delegation check {s:?} (ok|unknown|missingRoleAccess|missingDelegationAccess|missingSrrRightAccess|\
                 insufficientAuthenticationLevel|missingPackageAccess|accessListValidationFail|resourceNotDelegable|\
                 resourceIsMaskinportenSchema)"
            )
        })
    }
}

/// Whether Access Management fails behind the client-delegation routes (API.md §12), to reach the
/// codes Authentication maps its failures to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AccessManagementFailure {
    /// Access Management answers.
    #[default]
    None,
    /// Its client lists fail with 400: AUTH-00045 on `clients/available`, `clients` and the
    /// client check of a POST (and of the clients page).
    Reads,
    /// Its delegation and revocation fail: AUTH-00002 on a POST, AUTH-00031 on a DELETE (and the
    /// same on the clients page).
    Writes,
}

impl std::str::FromStr for AccessManagementFailure {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Self::None),
            "reads" => Ok(Self::Reads),
            "writes" => Ok(Self::Writes),
            other => Err(format!("unknown access management failure {other:?} (none|reads|writes)")),
        }
    }
}

/// The switches that can change while the simulator runs (`PUT /_sim/settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub problem_shape: ProblemShape,
    pub timeout_mode: TimeoutMode,
    /// Items per page on the list routes (server: 50).
    pub page_size: usize,
    /// Timeout window in days; `None` = the mode's default (180 current, 10 legacy).
    pub timeout_days: Option<u32>,
    /// Origin put in `confirmUrl` instead of our own (e.g. `https://evil.example`).
    pub confirm_host: Option<String>,
    /// Origin put in `links.next` instead of the request's own host
    /// (e.g. `http://altinn-platform-internal.local`).
    pub next_link_host: Option<String>,
    /// Answer 201s with `created: 0001-01-01T00:00:00`, as older servers did.
    pub zero_created_on_create: bool,
    /// `expires_in` of Maskinporten tokens, seconds.
    pub token_lifetime_secs: u32,
    /// Request lists lose the item at every page boundary: the token is the first id of the
    /// next page, but the SQL asks for `id >` it (API.md §14). Off: the token is the last id of
    /// the page, and nothing is lost.
    pub lossy_request_pages: bool,
    /// Agent request lists have no `ORDER BY`: rows come in heap order (the order they were
    /// last written), and `id >` the token then skips more (API.md §14). Off: ordered by id.
    pub unordered_agent_requests: bool,
    /// The change-request list (`changerequest/vendor/bysystem`) has no `ORDER BY` and ignores
    /// its `token`, so past one page `links.next` gives page one again, forever (API.md §11).
    /// Off: ordered by id, and the token pages correctly.
    pub repeating_change_request_pages: bool,
    /// What the customer's delegation check says at approval.
    pub customer_delegation_check: DelegationCheck,
    /// Lifetime of the Altinn tokens `exchange/maskinporten` issues (`JwtValidityMinutes`, 30).
    pub jwt_validity_minutes: u32,
    /// Whether Access Management fails behind the client-delegation routes.
    pub access_management_failure: AccessManagementFailure,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            problem_shape: ProblemShape::Current,
            timeout_mode: TimeoutMode::Current,
            page_size: 50,
            timeout_days: None,
            confirm_host: None,
            next_link_host: None,
            zero_created_on_create: false,
            token_lifetime_secs: 120,
            lossy_request_pages: true,
            unordered_agent_requests: true,
            repeating_change_request_pages: true,
            customer_delegation_check: DelegationCheck::Ok,
            jwt_validity_minutes: 30,
            access_management_failure: AccessManagementFailure::None,
        }
    }
}

impl Settings {
    pub fn timeout_window_days(&self) -> u32 {
        self.timeout_days.unwrap_or_else(|| self.timeout_mode.default_days())
    }

    /// The window after which a change-request list item shows `timedOut: true`: the
    /// repository's fixed 180 days, or `timeoutDays` when set (the timeout mode does not apply:
    /// change requests never show `Timedout`).
    pub fn change_timeout_window_days(&self) -> u32 {
        self.timeout_days.unwrap_or(180)
    }

    /// Turns the three list quirks on or off together.
    pub fn set_list_quirks(&mut self, on: bool) {
        self.lossy_request_pages = on;
        self.unordered_agent_requests = on;
        self.repeating_change_request_pages = on;
    }
}
