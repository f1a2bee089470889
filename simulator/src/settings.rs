//! Behaviour switches that tests flip: problem shape, timeout mode, page size, the hosts handed
//! out in `confirmUrl` and `links.next` (to test a client's guards), the server's list quirks
//! (on by default, as the server has them), the outcome of the customer's delegation check, and
//! the load-test realism: per-route latency with jitter, a token-bucket throttle answering 429,
//! synthetic customers in the register and the size of the call log.
//!
//! `Settings::apply_patch` is the one place a JSON patch (`PUT /_sim/settings`, `--settings FILE`)
//! is checked and applied.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

/// Upper bound of `fixedMs` and `jitterMs` (10 minutes).
pub const MAX_LATENCY_MS: u64 = 600_000;
/// Upper bound of `syntheticCustomers`.
pub const MAX_SYNTHETIC_CUSTOMERS: u32 = 1_000_000;
/// `callLogLimit` by default: the call log keeps the last 10,000 calls.
pub const DEFAULT_CALL_LOG_LIMIT: usize = 10_000;
/// Upper bound of `callLogLimit`.
pub const MAX_CALL_LOG_LIMIT: usize = 1_000_000;

/// Latency of one route: `fixedMs` plus a uniform draw from `0..=jitterMs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteLatency {
    #[serde(default)]
    pub fixed_ms: u64,
    #[serde(default)]
    pub jitter_ms: u64,
}

/// How long every answer of a named route (the names of `/_sim/calls`, `FAULT_ROUTES`) waits
/// before it is written, so a run's wall time is bounded by latency as against the real Altinn.
/// The wait is a timer on the connection's task: other connections are served meanwhile. Admin
/// routes and the customer's pages never wait.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Latency {
    /// Every named route without an entry in `routes`.
    #[serde(default)]
    pub fixed_ms: u64,
    #[serde(default)]
    pub jitter_ms: u64,
    /// Seeds the jitter's generator: the n-th draw after the setting is applied is the same on
    /// every run (`None`: seeded at random).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Per-route overrides by route name.
    #[serde(default)]
    pub routes: BTreeMap<String, RouteLatency>,
}

impl Latency {
    /// Fixed latency and jitter for every named route.
    pub fn new(fixed_ms: u64, jitter_ms: u64) -> Self {
        Self { fixed_ms, jitter_ms, ..Self::default() }
    }

    /// What applies to a route.
    pub fn of(&self, route: &str) -> RouteLatency {
        self.routes.get(route).copied().unwrap_or(RouteLatency { fixed_ms: self.fixed_ms, jitter_ms: self.jitter_ms })
    }

    /// Whether any route waits at all.
    pub fn is_zero(&self) -> bool {
        self.fixed_ms == 0 && self.jitter_ms == 0 && self.routes.values().all(|r| r.fixed_ms == 0 && r.jitter_ms == 0)
    }

    fn validate(&self, routes: &[&str]) -> Result<(), String> {
        let all = std::iter::once(("latency".to_string(), RouteLatency { fixed_ms: self.fixed_ms, jitter_ms: self.jitter_ms }))
            .chain(self.routes.iter().map(|(k, v)| (format!("latency of {k}"), *v)));
        for (name, l) in all {
            if l.fixed_ms > MAX_LATENCY_MS || l.jitter_ms > MAX_LATENCY_MS {
                return Err(format!("{name}: fixedMs and jitterMs must be 0..={MAX_LATENCY_MS}"));
            }
        }
        match self.routes.keys().find(|k| !routes.contains(&k.as_str())) {
            Some(k) => Err(format!("latency: unknown route {k:?}")),
            None => Ok(()),
        }
    }
}

/// A token bucket: `requestsPerSecond` refill, `burst` capacity (default: the rate rounded up,
/// at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteThrottle {
    pub requests_per_second: f64,
    #[serde(default)]
    pub burst: Option<u32>,
}

impl RouteThrottle {
    pub fn capacity(&self) -> f64 {
        self.burst.map_or_else(|| self.requests_per_second.ceil().max(1.0), f64::from)
    }
}

/// Past the rate, a named route answers 429 with `Retry-After` (seconds) and a problem body,
/// without doing the route's work (a gateway in front of Altinn). One bucket for every Altinn
/// route (`requestsPerSecond`, `burst`), and a bucket of its own for each route in `routes` (which
/// then does not draw from the shared one). `maskinporten_token` (another service) is throttled
/// only with an entry of its own.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Throttle {
    /// The shared bucket's rate; `None`: only the routes in `routes` are throttled.
    #[serde(default)]
    pub requests_per_second: Option<f64>,
    #[serde(default)]
    pub burst: Option<u32>,
    /// `Retry-After` of every 429; `None`: the seconds until the bucket holds a token again,
    /// rounded up (at least 1).
    #[serde(default)]
    pub retry_after_secs: Option<u32>,
    #[serde(default)]
    pub routes: BTreeMap<String, RouteThrottle>,
}

impl Throttle {
    /// One shared bucket at this rate for every Altinn route.
    pub fn per_second(requests_per_second: f64) -> Self {
        Self { requests_per_second: Some(requests_per_second), ..Self::default() }
    }

    /// The shared bucket, if any.
    pub fn shared_bucket(&self) -> Option<RouteThrottle> {
        self.requests_per_second.map(|r| RouteThrottle { requests_per_second: r, burst: self.burst })
    }

    fn validate(&self, routes: &[&str]) -> Result<(), String> {
        let rate_ok = |r: f64| r.is_finite() && r > 0.0 && r <= 1e9;
        if self.requests_per_second.is_some_and(|r| !rate_ok(r)) {
            return Err("throttle.requestsPerSecond must be a number > 0".into());
        }
        if self.burst == Some(0) || self.routes.values().any(|r| r.burst == Some(0)) {
            return Err("throttle: burst must be at least 1".into());
        }
        if self.retry_after_secs.is_some_and(|s| !(1..=86_400).contains(&s)) {
            return Err("throttle.retryAfterSecs must be 1..=86400".into());
        }
        for (k, r) in &self.routes {
            if !routes.contains(&k.as_str()) {
                return Err(format!("throttle: unknown route {k:?}"));
            }
            if !rate_ok(r.requests_per_second) {
                return Err(format!("throttle of {k}: requestsPerSecond must be a number > 0"));
            }
        }
        Ok(())
    }
}

/// The switches that can change while the simulator runs (`PUT /_sim/settings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Wait before answering a named route.
    #[serde(default)]
    pub latency: Latency,
    /// 429 past a rate; `None`: never.
    #[serde(default)]
    pub throttle: Option<Throttle>,
    /// This many synthetic customer organisations in the register besides the fixture's
    /// (`synthetic_org_no(0..n)`), so that many distinct customers can be onboarded.
    #[serde(default)]
    pub synthetic_customers: u32,
    /// Calls the call log keeps (the newest); 0: counts only (`/_sim/calls` totals per route and
    /// status are kept whatever the limit).
    #[serde(default = "default_call_log_limit")]
    pub call_log_limit: usize,
}

fn default_call_log_limit() -> usize {
    DEFAULT_CALL_LOG_LIMIT
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
            latency: Latency::default(),
            throttle: None,
            synthetic_customers: 0,
            call_log_limit: DEFAULT_CALL_LOG_LIMIT,
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

    /// Checks what a patch cannot express wrongly but a `Settings` value can: route names (of
    /// `routes`, the named routes) and ranges.
    pub fn validate(&self, routes: &[&str]) -> Result<(), String> {
        self.latency.validate(routes)?;
        if let Some(t) = &self.throttle {
            t.validate(routes)?;
        }
        if self.synthetic_customers > MAX_SYNTHETIC_CUSTOMERS {
            return Err(format!("syntheticCustomers must be 0..={MAX_SYNTHETIC_CUSTOMERS}"));
        }
        if self.call_log_limit > MAX_CALL_LOG_LIMIT {
            return Err(format!("callLogLimit must be 0..={MAX_CALL_LOG_LIMIT}"));
        }
        Ok(())
    }

    /// Applies a JSON patch as `PUT /_sim/settings` takes it: only the members given change
    /// (`null` clears a host, `timeoutDays`, `throttle`, and sets `latency` to none);
    /// `"listQuirks"` (write-only) sets the three list quirks at once. All or nothing: on an
    /// error nothing changes. `routes` are the route names latency and throttle may name.
    pub fn apply_patch(&mut self, patch: &Map<String, Value>, routes: &[&str]) -> Result<(), String> {
        let mut s = self.clone();
        let host = |v: &Value| -> Result<Option<String>, String> {
            match v {
                Value::Null => Ok(None),
                Value::String(h) if h.starts_with("http://") || h.starts_with("https://") => Ok(Some(h.trim_end_matches('/').to_string())),
                _ => Err("hosts must be null or an absolute http(s) origin".into()),
            }
        };
        let positive_u32 = |v: &Value, name: &str| {
            v.as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0).ok_or(format!("{name} must be a positive number"))
        };
        for (k, v) in patch {
            match k.as_str() {
                "problemShape" => s.problem_shape = v.as_str().ok_or("problemShape must be a string")?.parse::<ProblemShape>()?,
                "timeoutMode" => s.timeout_mode = v.as_str().ok_or("timeoutMode must be a string")?.parse::<TimeoutMode>()?,
                "pageSize" => s.page_size = v.as_u64().filter(|n| (1..=10_000).contains(n)).ok_or("pageSize must be 1..=10000")? as usize,
                "timeoutDays" => {
                    s.timeout_days = match v {
                        Value::Null => None,
                        _ => Some(v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or("timeoutDays must be a number or null")?),
                    }
                }
                "confirmHost" => s.confirm_host = host(v)?,
                "nextLinkHost" => s.next_link_host = host(v)?,
                "zeroCreatedOnCreate" => s.zero_created_on_create = v.as_bool().ok_or("zeroCreatedOnCreate must be a boolean")?,
                "lossyRequestPages" => s.lossy_request_pages = v.as_bool().ok_or("lossyRequestPages must be a boolean")?,
                "unorderedAgentRequests" => s.unordered_agent_requests = v.as_bool().ok_or("unorderedAgentRequests must be a boolean")?,
                "repeatingChangeRequestPages" => {
                    s.repeating_change_request_pages = v.as_bool().ok_or("repeatingChangeRequestPages must be a boolean")?
                }
                // Write-only: the three list quirks at once.
                "listQuirks" => s.set_list_quirks(v.as_bool().ok_or("listQuirks must be a boolean")?),
                "customerDelegationCheck" => {
                    s.customer_delegation_check =
                        v.as_str().ok_or("customerDelegationCheck must be a string")?.parse::<DelegationCheck>()?
                }
                "jwtValidityMinutes" => s.jwt_validity_minutes = positive_u32(v, "jwtValidityMinutes")?,
                "accessManagementFailure" => {
                    s.access_management_failure =
                        v.as_str().ok_or("accessManagementFailure must be a string")?.parse::<AccessManagementFailure>()?
                }
                "tokenLifetimeSecs" => s.token_lifetime_secs = positive_u32(v, "tokenLifetimeSecs")?,
                "latency" => {
                    s.latency = match v {
                        Value::Null => Latency::default(),
                        _ => serde_json::from_value(v.clone()).map_err(|e| format!("latency: {e}"))?,
                    }
                }
                "throttle" => {
                    s.throttle = match v {
                        Value::Null => None,
                        _ => Some(serde_json::from_value(v.clone()).map_err(|e| format!("throttle: {e}"))?),
                    }
                }
                "syntheticCustomers" => {
                    s.synthetic_customers = v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or("syntheticCustomers must be a number")?
                }
                "callLogLimit" => {
                    s.call_log_limit = v.as_u64().and_then(|n| usize::try_from(n).ok()).ok_or("callLogLimit must be a number")?
                }
                other => return Err(format!("unknown setting {other:?}")),
            }
        }
        s.validate(routes)?;
        *self = s;
        Ok(())
    }
}

/// The `i`-th synthetic customer's organisation number (`i` from 0): 9 digits starting with 2,
/// `2 000 000 00` + 10·`i` + the smallest last body digit (0 or 1) that gives a valid mod-11
/// check digit, then the check digit. Distinct for every `i` below 1,000,000, never one of the
/// default fixture's (which start with 31).
pub fn synthetic_org_no(i: u32) -> String {
    let base = 20_000_000 + 10 * u64::from(i);
    (0..10)
        .map(|d| format!("{:08}", base + d))
        .find_map(|body| crate::orgno::check_digit(&body).map(|c| format!("{body}{c}")))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_org_numbers_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for i in (0..200_000).chain([MAX_SYNTHETIC_CUSTOMERS - 1]) {
            let o = synthetic_org_no(i);
            assert!(crate::orgno::is_valid(&o), "{i}: {o}");
            assert!(o.starts_with('2'), "{o}");
            assert!(seen.insert(o.clone()), "{o} twice");
        }
    }

    #[test]
    fn patch_round_trips_and_refuses_unknown_routes() {
        let routes = ["create_request", "get_request"];
        let mut s = Settings::default();
        let patch = serde_json::json!({
            "latency": {"fixedMs": 50, "jitterMs": 10, "seed": 7, "routes": {"create_request": {"fixedMs": 200}}},
            "throttle": {"requestsPerSecond": 2.5, "routes": {"get_request": {"requestsPerSecond": 1, "burst": 3}}},
            "syntheticCustomers": 100000,
            "callLogLimit": 0,
        });
        s.apply_patch(patch.as_object().unwrap(), &routes).unwrap();
        assert_eq!(s.latency.of("create_request"), RouteLatency { fixed_ms: 200, jitter_ms: 0 });
        assert_eq!(s.latency.of("get_request"), RouteLatency { fixed_ms: 50, jitter_ms: 10 });
        assert_eq!(s.throttle.as_ref().unwrap().shared_bucket().unwrap().capacity(), 3.0);
        let back = serde_json::to_value(&s).unwrap();
        let mut again = Settings::default();
        again.apply_patch(back.as_object().unwrap(), &routes).unwrap();
        assert_eq!(again, s);
        for bad in [
            serde_json::json!({"latency": {"routes": {"nope": {"fixedMs": 1}}}}),
            serde_json::json!({"latency": {"fixedMs": 600001}}),
            serde_json::json!({"latency": {"fixed": 1}}),
            serde_json::json!({"throttle": {"requestsPerSecond": 0}}),
            serde_json::json!({"throttle": {"requestsPerSecond": 1, "burst": 0}}),
            serde_json::json!({"throttle": {"routes": {"nope": {"requestsPerSecond": 1}}}}),
            serde_json::json!({"syntheticCustomers": 1000001}),
        ] {
            let before = s.clone();
            assert!(s.apply_patch(bad.as_object().unwrap(), &routes).is_err(), "{bad}");
            assert_eq!(s, before, "nothing changes on an error");
        }
        s.apply_patch(serde_json::json!({"latency": null, "throttle": null}).as_object().unwrap(), &routes).unwrap();
        assert!(s.latency.is_zero() && s.throttle.is_none());
    }
}
