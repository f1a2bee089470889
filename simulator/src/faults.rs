//! Armed faults, per route: answer 500 or 503, delay, or lose the response (the route
//! does its work, then the connection is dropped unanswered) or the request (dropped
//! before any work), reset the connection (the route does its work, then the connection is
//! closed with a TCP RST instead of an answer), or truncate the answer (the route does its
//! work; status and headers go out with a `Content-Length` larger than the body that follows,
//! then the connection is closed). Each has a remaining count, and optionally fires at random with a
//! probability from a seeded generator so runs are reproducible.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer 500 (the error controller's problem) without doing the route's work.
    Status500,
    /// Answer 503 with an empty body without doing the route's work.
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
    /// For 503: a `Retry-After` value in seconds.
    #[serde(default)]
    pub retry_after_secs: Option<u32>,
}

fn one() -> u32 {
    1
}

impl FaultSpec {
    pub fn new(route: &str, kind: FaultKind) -> Self {
        Self { route: route.to_string(), kind, count: 1, delay_ms: 0, probability: None, seed: None, retry_after_secs: None }
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
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("unknown route {0:?}")]
    UnknownRoute(String),
    #[error("count must be at least 1")]
    ZeroCount,
    #[error("probability must be within 0..=1")]
    BadProbability,
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

/// What the HTTP layer must do for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    Status500,
    Status503 { retry_after_secs: Option<u32> },
    Delay { ms: u64 },
    LostResponse,
    LostRequest,
    Reset,
    Truncated,
    Conflict,
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
        self.next_id += 1;
        let id = self.next_id;
        self.armed.push(ArmedFault { id, remaining: spec.count, fired: 0, rng: spec.seed.unwrap_or(0), spec });
        Ok(id)
    }

    /// The first armed fault for this route that fires now, if any.
    pub fn take(&mut self, route: &str) -> Option<FaultAction> {
        for f in self.armed.iter_mut() {
            if f.remaining == 0 || (f.spec.route != "*" && f.spec.route != route) {
                continue;
            }
            if let Some(p) = f.spec.probability {
                if next_random(&mut f.rng) >= p {
                    continue;
                }
            }
            f.remaining -= 1;
            f.fired += 1;
            return Some(match f.spec.kind {
                FaultKind::Status500 => FaultAction::Status500,
                FaultKind::Status503 => FaultAction::Status503 { retry_after_secs: f.spec.retry_after_secs },
                FaultKind::Delay => FaultAction::Delay { ms: f.spec.delay_ms },
                FaultKind::LostResponse => FaultAction::LostResponse,
                FaultKind::LostRequest => FaultAction::LostRequest,
                FaultKind::Reset => FaultAction::Reset,
                FaultKind::Truncated => FaultAction::Truncated,
                FaultKind::Conflict => FaultAction::Conflict,
            });
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
}
