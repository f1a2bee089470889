//! Armed faults, per route: answer 500 or 503, delay, or lose the response (the route
//! does its work, then the connection is dropped unanswered) or the request (dropped
//! before any work), reset the connection (the route does its work, then the connection is
//! closed with a TCP RST instead of an answer), or truncate the answer (the route does its
//! work; status and headers go out with a `Content-Length` larger than the body that follows,
//! then the connection is closed); or play a hostile or broken server (429, a gzip bomb, huge,
//! endless or slow answers, page tokens that never end, an echoed token, an answer to another
//! question: the answers themselves are in `hostile.rs`). Each has a remaining count, and
//! optionally fires at random with a probability from a seeded generator so runs are reproducible.

use serde::{Deserialize, Serialize};

use crate::routes::{MISMATCH_ROUTES, PAGE_ROUTES};

/// `expandBytes` of a gzip bomb when not given: 2 GiB.
pub const DEFAULT_EXPAND_BYTES: u64 = 2 << 30;
/// `sizeBytes` of a huge body when not given: 100 MB.
pub const DEFAULT_SIZE_BYTES: u64 = 100_000_000;
/// `intervalMs` of the slow kinds when not given.
pub const DEFAULT_INTERVAL_MS: u64 = 2000;
/// `retryAfterSecs` of a 429 when not given (a 429 always says when to come back).
pub const DEFAULT_429_RETRY_AFTER_SECS: u32 = 1;
/// Upper bound of `expandBytes` and `sizeBytes`: 1 TiB.
const MAX_BYTES: u64 = 1 << 40;
/// The smallest huge body: `{"data":[` and `]}`.
pub const MIN_SIZE_BYTES: u64 = 11;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer 500 (the error controller's problem) without doing the route's work.
    #[serde(alias = "status_500")]
    Status500,
    /// Answer 503 with an empty body without doing the route's work.
    #[serde(alias = "status_503")]
    Status503,
    /// Wait `delayMs`, then handle normally; a client that gives up meanwhile does not cancel
    /// the work (it is committed late, answered to nobody).
    Delay,
    /// Do the route's work (commit a create), then close the connection unanswered.
    LostResponse,
    /// Close the connection unanswered before doing anything.
    LostRequest,
    /// Do the route's work (commit a create), then reset the connection (TCP RST, no answer):
    /// what a crashing proxy or a load balancer dropping the flow looks like.
    Reset,
    /// Do the route's work, then send the status line and headers with a `Content-Length`
    /// larger than the body (half of the real body is sent), then close the connection.
    Truncated,
    /// Answer 409 AUTH-00013 ("the Status of the Request is not New") without doing the route's
    /// work: the answer a decision race gets, which no vendor route gives on its own.
    Conflict,
    /// Answer 429 with an empty body and a `Retry-After`, without doing the route's work.
    #[serde(alias = "status_429")]
    Status429,
    /// Answer 200 JSON, `Content-Encoding: gzip`, with a small body that expands to
    /// `expandBytes` of zeros; no route work.
    GzipBomb,
    /// Answer 200 JSON with a `Content-Length` of `sizeBytes`, streamed; no route work.
    HugeBody,
    /// Answer 200 JSON, chunked, never ending (until the client goes, or 10 minutes); no route work.
    EndlessBody,
    /// Send the status line, then one byte of header every `intervalMs`, never ending the head.
    /// Decided per connection, on the first request of a connection accepted while armed.
    SlowHeaders,
    /// Send status and headers at once, then the (small) body one byte every `intervalMs`; no
    /// route work.
    SlowBody,
    /// On list routes: the real page, with a `links.next` carrying a new random token every time.
    FreshPageToken,
    /// Answer 400 with a problem (or a Maskinporten error) quoting the caller's token or
    /// assertion; no route work.
    EchoToken,
    /// Do the route's work, then answer as if to another question (`field` says which member).
    Mismatch,
}

impl FaultKind {
    /// The JSON name (`status503`, `gzip_bomb`, …), for messages.
    pub fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }

    /// Whether this kind can answer on a route: page tokens exist only on the list routes, and
    /// only request and system-user answers have the members `mismatch` rewrites.
    fn applies_to(self, route: &str) -> bool {
        match self {
            FaultKind::FreshPageToken => PAGE_ROUTES.contains(&route),
            FaultKind::Mismatch => MISMATCH_ROUTES.contains(&route),
            _ => true,
        }
    }
}

/// The member a `mismatch` fault makes belong to another question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MismatchField {
    /// Another uuid.
    Id,
    /// Another vendor's system.
    SystemId,
    /// Another organisation (`reporteeOrgNo` in system-user answers).
    PartyOrgNo,
    /// Another external ref.
    ExternalRef,
    /// The other kind: standard answers lose `rights`, agent answers gain it, system users flip
    /// `userType`.
    Kind,
}

/// How `Retry-After` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetryAfterForm {
    /// `Retry-After: 7`.
    #[default]
    Seconds,
    /// `Retry-After: Sun, 06 Nov 1994 08:49:37 GMT` (real time now + the seconds).
    Date,
}

/// What `POST /_sim/faults` takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// A route name (see README) or `*` for every Altinn and Maskinporten route.
    pub route: String,
    pub kind: FaultKind,
    /// How many times it fires; default 1.
    #[serde(default = "one")]
    pub count: u32,
    /// For `delay`.
    #[serde(default)]
    pub delay_ms: u64,
    /// Chance in 0..=1 that a matching call triggers it; default 1.
    #[serde(default)]
    pub probability: Option<f64>,
    /// Seed of the generator used with `probability`.
    #[serde(default)]
    pub seed: Option<u64>,
    /// For 503 and 429: a `Retry-After` value in seconds.
    #[serde(default)]
    pub retry_after_secs: Option<u32>,
    /// For 503 and 429: `Retry-After` as seconds (default) or as an HTTP date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_form: Option<RetryAfterForm>,
    /// For `gzip_bomb`: how many bytes the body expands to (default 2 GiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expand_bytes: Option<u64>,
    /// For `huge_body`: the body's size (default 100 MB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// For `slow_headers` and `slow_body`: the time between two bytes (default 2000 ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<u64>,
    /// For `mismatch` (required): which member belongs to another question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<MismatchField>,
}

fn one() -> u32 {
    1
}

impl FaultSpec {
    pub fn new(route: &str, kind: FaultKind) -> Self {
        Self {
            route: route.to_string(),
            kind,
            count: 1,
            delay_ms: 0,
            probability: None,
            seed: None,
            retry_after_secs: None,
            retry_after_form: None,
            expand_bytes: None,
            size_bytes: None,
            interval_ms: None,
            field: None,
        }
    }

    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    pub fn random(mut self, probability: f64, seed: u64) -> Self {
        self.probability = Some(probability);
        self.seed = Some(seed);
        self
    }

    pub fn retry_after(mut self, secs: u32, form: RetryAfterForm) -> Self {
        self.retry_after_secs = Some(secs);
        self.retry_after_form = Some(form);
        self
    }

    pub fn expand_bytes(mut self, n: u64) -> Self {
        self.expand_bytes = Some(n);
        self
    }

    pub fn size_bytes(mut self, n: u64) -> Self {
        self.size_bytes = Some(n);
        self
    }

    pub fn interval_ms(mut self, ms: u64) -> Self {
        self.interval_ms = Some(ms);
        self
    }

    pub fn field(mut self, field: MismatchField) -> Self {
        self.field = Some(field);
        self
    }

    /// The fields only some kinds take: each refused on the others, each within its range.
    fn check_fields(&self) -> Result<(), FaultError> {
        use FaultKind::*;
        let kind = self.kind;
        let only = |given: bool, field: &'static str, kinds: &[FaultKind]| match given && !kinds.contains(&kind) {
            true => Err(FaultError::NotForKind { field, kind: kind.name() }),
            false => Ok(()),
        };
        only(self.retry_after_form.is_some(), "retryAfterForm", &[Status429, Status503])?;
        only(self.expand_bytes.is_some(), "expandBytes", &[GzipBomb])?;
        only(self.size_bytes.is_some(), "sizeBytes", &[HugeBody])?;
        only(self.interval_ms.is_some(), "intervalMs", &[SlowHeaders, SlowBody])?;
        only(self.field.is_some(), "field", &[Mismatch])?;
        let within = |value: Option<u64>, field: &'static str, min: u64, max: u64| match value {
            Some(v) if !(min..=max).contains(&v) => Err(FaultError::OutOfRange { field, min, max }),
            _ => Ok(()),
        };
        within(self.expand_bytes, "expandBytes", 1, MAX_BYTES)?;
        within(self.size_bytes, "sizeBytes", MIN_SIZE_BYTES, MAX_BYTES)?;
        within(self.interval_ms, "intervalMs", 1, 60_000)?;
        if kind == Mismatch && self.field.is_none() {
            return Err(FaultError::Missing { field: "field", kind: kind.name() });
        }
        // A 503 has a `Retry-After` only when asked for, so its form alone says nothing.
        if kind == Status503 && self.retry_after_form.is_some() && self.retry_after_secs.is_none() {
            return Err(FaultError::Missing { field: "retryAfterSecs", kind: "status503 with retryAfterForm".into() });
        }
        Ok(())
    }

    /// Whether this fault may fire on a call of `route`.
    fn matches(&self, route: &str) -> bool {
        (self.route == "*" || self.route == route) && self.kind.applies_to(route)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("unknown route {0:?}")]
    UnknownRoute(String),
    #[error("count must be at least 1")]
    ZeroCount,
    #[error("probability must be within 0..=1")]
    BadProbability,
    #[error("{field} does not apply to kind {kind}")]
    NotForKind { field: &'static str, kind: String },
    #[error("kind {kind} does not apply to route {route}")]
    NotForRoute { kind: String, route: String },
    #[error("{kind} needs {field}")]
    Missing { field: &'static str, kind: String },
    #[error("{field} must be within {min}..={max}")]
    OutOfRange { field: &'static str, min: u64, max: u64 },
}

/// An armed fault and what it has done so far.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmedFault {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
    pub remaining: u32,
    pub fired: u32,
    #[serde(skip)]
    rng: u64,
}

/// A `Retry-After` to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    pub secs: u32,
    pub form: RetryAfterForm,
}

/// What the HTTP layer must do for one call (defaults filled in). `slow_headers` is not here:
/// it is decided per connection (`Faults::take_slow_headers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    Status500,
    Status503 { retry_after: Option<RetryAfter> },
    Delay { ms: u64 },
    LostResponse,
    LostRequest,
    Reset,
    Truncated,
    Conflict,
    Status429 { retry_after: RetryAfter },
    GzipBomb { expand_bytes: u64 },
    HugeBody { size_bytes: u64 },
    EndlessBody,
    SlowBody { interval_ms: u64 },
    FreshPageToken,
    EchoToken,
    Mismatch { field: MismatchField },
}

impl FaultAction {
    /// The action of an armed spec; `None` for `slow_headers`.
    fn of(spec: &FaultSpec) -> Option<Self> {
        let interval_ms = spec.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS);
        let retry_after = |secs| RetryAfter { secs, form: spec.retry_after_form.unwrap_or_default() };
        Some(match spec.kind {
            FaultKind::Status500 => Self::Status500,
            FaultKind::Status503 => Self::Status503 { retry_after: spec.retry_after_secs.map(retry_after) },
            FaultKind::Delay => Self::Delay { ms: spec.delay_ms },
            FaultKind::LostResponse => Self::LostResponse,
            FaultKind::LostRequest => Self::LostRequest,
            FaultKind::Reset => Self::Reset,
            FaultKind::Truncated => Self::Truncated,
            FaultKind::Conflict => Self::Conflict,
            FaultKind::Status429 => {
                Self::Status429 { retry_after: retry_after(spec.retry_after_secs.unwrap_or(DEFAULT_429_RETRY_AFTER_SECS)) }
            }
            FaultKind::GzipBomb => Self::GzipBomb { expand_bytes: spec.expand_bytes.unwrap_or(DEFAULT_EXPAND_BYTES) },
            FaultKind::HugeBody => Self::HugeBody { size_bytes: spec.size_bytes.unwrap_or(DEFAULT_SIZE_BYTES) },
            FaultKind::EndlessBody => Self::EndlessBody,
            FaultKind::SlowHeaders => return None,
            FaultKind::SlowBody => Self::SlowBody { interval_ms },
            FaultKind::FreshPageToken => Self::FreshPageToken,
            FaultKind::EchoToken => Self::EchoToken,
            FaultKind::Mismatch => Self::Mismatch { field: spec.field.unwrap_or(MismatchField::Id) },
        })
    }

    /// The name the call log shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Status500 => "status_500",
            Self::Status503 { .. } => "status_503",
            Self::Delay { .. } => "delay",
            Self::LostResponse => "lost_response",
            Self::LostRequest => "lost_request",
            Self::Reset => "reset",
            Self::Truncated => "truncated",
            Self::Conflict => "conflict",
            Self::Status429 { .. } => "status_429",
            Self::GzipBomb { .. } => "gzip_bomb",
            Self::HugeBody { .. } => "huge_body",
            Self::EndlessBody => "endless_body",
            Self::SlowBody { .. } => "slow_body",
            Self::FreshPageToken => "fresh_page_token",
            Self::EchoToken => "echo_token",
            Self::Mismatch { .. } => "mismatch",
        }
    }
}

#[derive(Debug, Default)]
pub struct Faults {
    armed: Vec<ArmedFault>,
    next_id: u64,
}

/// splitmix64: tiny, seedable, good enough to decide "fire or not".
fn next_random(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

impl Faults {
    pub fn arm(&mut self, spec: FaultSpec, known_routes: &[&str]) -> Result<u64, FaultError> {
        if spec.route != "*" && !known_routes.contains(&spec.route.as_str()) {
            return Err(FaultError::UnknownRoute(spec.route));
        }
        if spec.count == 0 {
            return Err(FaultError::ZeroCount);
        }
        if let Some(p) = spec.probability {
            if !(0.0..=1.0).contains(&p) || p.is_nan() {
                return Err(FaultError::BadProbability);
            }
        }
        spec.check_fields()?;
        if spec.route != "*" && !spec.kind.applies_to(&spec.route) {
            return Err(FaultError::NotForRoute { kind: spec.kind.name(), route: spec.route });
        }
        self.next_id += 1;
        let id = self.next_id;
        self.armed.push(ArmedFault { id, remaining: spec.count, fired: 0, rng: spec.seed.unwrap_or(0), spec });
        Ok(id)
    }

    /// The first armed fault for this route that fires now, if any; `slow_headers` faults are
    /// left to `take_slow_headers`.
    pub fn take(&mut self, route: &str) -> Option<FaultAction> {
        self.fire(route, false).and_then(FaultAction::of)
    }

    /// The interval of a `slow_headers` fault for this route that fires now, if any.
    pub fn take_slow_headers(&mut self, route: &str) -> Option<u64> {
        self.fire(route, true).map(|spec| spec.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS))
    }

    /// Whether a `slow_headers` fault may still fire (then new connections are read by hand).
    pub fn slow_headers_armed(&self) -> bool {
        self.armed.iter().any(|f| f.remaining > 0 && f.spec.kind == FaultKind::SlowHeaders)
    }

    /// Counts down and returns the first matching fault that fires now.
    fn fire(&mut self, route: &str, slow_headers: bool) -> Option<&FaultSpec> {
        for f in self.armed.iter_mut() {
            if f.remaining == 0 || (f.spec.kind == FaultKind::SlowHeaders) != slow_headers || !f.spec.matches(route) {
                continue;
            }
            if let Some(p) = f.spec.probability {
                if next_random(&mut f.rng) >= p {
                    continue;
                }
            }
            f.remaining -= 1;
            f.fired += 1;
            return Some(&f.spec);
        }
        None
    }

    pub fn list(&self) -> &[ArmedFault] {
        &self.armed
    }

    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.armed.len();
        self.armed.retain(|f| f.id != id);
        self.armed.len() != before
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down() {
        let mut f = Faults::default();
        f.arm(FaultSpec::new("create_request", FaultKind::Status503).times(2), &["create_request"]).unwrap();
        assert!(f.take("get_request").is_none());
        assert!(f.take("create_request").is_some());
        assert!(f.take("create_request").is_some());
        assert!(f.take("create_request").is_none());
        assert_eq!(f.list()[0].fired, 2);
    }

    #[test]
    fn random_is_reproducible() {
        let run = |seed| {
            let mut f = Faults::default();
            f.arm(FaultSpec::new("*", FaultKind::Status500).times(1000).random(0.3, seed), &[]).unwrap();
            (0..100).map(|_| f.take("x").is_some()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        let hits = run(7).iter().filter(|h| **h).count();
        assert!((10..60).contains(&hits), "{hits}");
    }

    #[test]
    fn refuses_unknown_route() {
        let mut f = Faults::default();
        assert!(f.arm(FaultSpec::new("nope", FaultKind::Delay), &["a"]).is_err());
    }

    #[test]
    fn fields_apply_to_their_kinds_only() {
        let mut f = Faults::default();
        let routes = &["get_request", "list_requests", "delete_request"];
        let mut arm = |spec: FaultSpec| f.arm(spec, routes).map_err(|e| e.to_string());
        assert_eq!(arm(FaultSpec::new("*", FaultKind::Mismatch)), Err("mismatch needs field".into()));
        assert!(arm(FaultSpec::new("*", FaultKind::Mismatch).field(MismatchField::Id)).is_ok());
        assert_eq!(
            arm(FaultSpec::new("*", FaultKind::Status500).field(MismatchField::Id)),
            Err("field does not apply to kind status500".into())
        );
        assert_eq!(arm(FaultSpec::new("*", FaultKind::SlowBody).interval_ms(0)), Err("intervalMs must be within 1..=60000".into()));
        assert!(arm(FaultSpec::new("*", FaultKind::SlowBody).interval_ms(60_000)).is_ok());
        assert!(arm(FaultSpec::new("*", FaultKind::HugeBody).expand_bytes(5)).is_err());
        assert!(arm(FaultSpec::new("*", FaultKind::HugeBody).size_bytes(10)).is_err());
        assert_eq!(
            arm(FaultSpec::new("get_request", FaultKind::FreshPageToken)),
            Err("kind fresh_page_token does not apply to route get_request".into())
        );
        assert!(arm(FaultSpec::new("delete_request", FaultKind::Mismatch).field(MismatchField::Kind)).is_err());
        let mut form_only = FaultSpec::new("*", FaultKind::Status503);
        form_only.retry_after_form = Some(RetryAfterForm::Date);
        assert!(arm(form_only).is_err());
        assert!(arm(FaultSpec::new("*", FaultKind::Status503).retry_after(3, RetryAfterForm::Date)).is_ok());
    }

    #[test]
    fn wildcard_faults_skip_routes_they_do_not_apply_to() {
        let mut f = Faults::default();
        f.arm(FaultSpec::new("*", FaultKind::FreshPageToken), &[]).unwrap();
        f.arm(FaultSpec::new("*", FaultKind::SlowHeaders), &[]).unwrap();
        assert_eq!(f.take("get_request"), None);
        assert_eq!(f.take("list_requests"), Some(FaultAction::FreshPageToken));
        assert!(f.slow_headers_armed());
        assert_eq!(f.take_slow_headers("get_request"), Some(DEFAULT_INTERVAL_MS));
        assert!(!f.slow_headers_armed());
    }

    #[test]
    fn defaults_are_filled_in() {
        let mut f = Faults::default();
        f.arm(FaultSpec::new("*", FaultKind::Status429), &[]).unwrap();
        f.arm(FaultSpec::new("*", FaultKind::GzipBomb), &[]).unwrap();
        f.arm(FaultSpec::new("*", FaultKind::HugeBody), &[]).unwrap();
        assert_eq!(f.take("x"), Some(FaultAction::Status429 { retry_after: RetryAfter { secs: 1, form: RetryAfterForm::Seconds } }));
        assert_eq!(f.take("x"), Some(FaultAction::GzipBomb { expand_bytes: 2_147_483_648 }));
        assert_eq!(f.take("x"), Some(FaultAction::HugeBody { size_bytes: 100_000_000 }));
    }

    #[test]
    fn kinds_read_both_spellings_of_the_status_kinds() {
        let k: FaultKind = serde_json::from_str("\"status_429\"").unwrap();
        assert_eq!(k, FaultKind::Status429);
        let k: FaultKind = serde_json::from_str("\"status503\"").unwrap();
        assert_eq!(k.name(), "status503");
        assert_eq!(FaultKind::GzipBomb.name(), "gzip_bomb");
    }
}
