//! What makes a run against the simulator behave like one against the real Altinn under load:
//! the latency every named route waits before its answer is written (fixed plus seeded jitter),
//! the token-bucket throttle answering 429, and a call log whose cost per call stays constant
//! (a bounded ring of the newest calls plus counts per route and status).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Value};

use crate::settings::{Latency, RouteThrottle, Throttle};

/// The route the shared bucket never covers (Maskinporten is another service).
const NOT_ALTINN: &[&str] = &["maskinporten_token"];

/// The jitter's generator: splitmix64, seeded from the setting's `seed` (or at random), reset
/// whenever the latency setting changes.
#[derive(Debug)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    pub fn new(seed: Option<u64>) -> Self {
        Self { state: seed.unwrap_or_else(|| u64::from_le_bytes(crate::ids::random_bytes::<8>())) }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The wait of one call of `route`, in milliseconds: fixed + a uniform draw from
    /// `0..=jitter`. A route without jitter takes no draw.
    pub fn draw(&mut self, latency: &Latency, route: &str) -> u64 {
        let l = latency.of(route);
        match l.jitter_ms {
            0 => l.fixed_ms,
            j => l.fixed_ms + self.next() % (j + 1),
        }
    }
}

/// One token bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Takes a token, or tells how many seconds until one is there.
    fn take(&mut self, rate: RouteThrottle, now: Instant) -> Result<(), f64> {
        let capacity = rate.capacity();
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.requests_per_second).min(capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.tokens) / rate.requests_per_second)
        }
    }
}

/// The buckets of the throttle setting in force; emptied (all full again) when it changes.
#[derive(Debug, Default)]
pub struct Buckets {
    shared: Option<Bucket>,
    routes: HashMap<String, Bucket>,
}

impl Buckets {
    /// `None` when the call may go on; else the `Retry-After` in seconds.
    pub fn check(&mut self, throttle: &Throttle, route: &str, now: Instant) -> Option<u64> {
        let (rate, bucket) = match throttle.routes.get(route) {
            Some(r) => (*r, self.routes.entry(route.to_string()).or_insert(Bucket { tokens: r.capacity(), at: now })),
            None if NOT_ALTINN.contains(&route) => return None,
            None => {
                let r = throttle.shared_bucket()?;
                (r, self.shared.get_or_insert(Bucket { tokens: r.capacity(), at: now }))
            }
        };
        let wait = bucket.take(rate, now).err()?;
        Some(throttle.retry_after_secs.map_or_else(|| (wait.ceil() as u64).max(1), u64::from))
    }
}

/// One HTTP call as the inspection route shows it. Never holds headers or bodies, so
/// no token can end up here.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    pub seq: u64,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// The latency the call waited before its answer was written (left out when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

/// The call log: the newest `limit` calls, and counts of every call since the last clear per
/// route (`"-"` for admin routes and pages) and status (`"none"` when no answer was sent).
/// Recording a call costs the same whatever the log holds.
#[derive(Debug, Default)]
pub struct CallLog {
    entries: VecDeque<CallRecord>,
    next_seq: u64,
    total: u64,
    counts: BTreeMap<&'static str, BTreeMap<Option<u16>, u64>>,
}

impl CallLog {
    pub fn record(&mut self, mut call: CallRecord, limit: usize) {
        self.next_seq += 1;
        self.total += 1;
        call.seq = self.next_seq;
        *self.counts.entry(call.route.unwrap_or("-")).or_default().entry(call.status).or_default() += 1;
        if limit == 0 {
            self.entries.clear();
            return;
        }
        while self.entries.len() >= limit {
            self.entries.pop_front();
        }
        self.entries.push_back(call);
    }

    /// Forgets the calls and the counts; sequence numbers go on.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.total = 0;
        self.counts.clear();
    }

    /// `{"calls":[…], "total", "kept", "counts":{route:{status:n}}}`.
    pub fn to_json(&self) -> Value {
        let counts: BTreeMap<&str, BTreeMap<String, u64>> = self
            .counts
            .iter()
            .map(|(route, by_status)| {
                let by: BTreeMap<String, u64> =
                    by_status.iter().map(|(s, n)| (s.map_or_else(|| "none".to_string(), |s| s.to_string()), *n)).collect();
                (*route, by)
            })
            .collect();
        json!({"calls": self.entries, "total": self.total, "kept": self.entries.len(), "counts": counts})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn jitter_is_bounded_and_reproducible() {
        let l = Latency { fixed_ms: 10, jitter_ms: 5, seed: Some(3), routes: BTreeMap::new() };
        let draws = |seed| {
            let mut j = Jitter::new(Some(seed));
            (0..1000).map(|_| j.draw(&l, "get_request")).collect::<Vec<_>>()
        };
        let a = draws(3);
        assert_eq!(a, draws(3));
        assert_ne!(a, draws(4));
        assert!(a.iter().all(|d| (10..=15).contains(d)));
        assert!(a.contains(&10) && a.contains(&15), "both ends are drawn");
    }

    #[test]
    fn bucket_refills_at_the_rate() {
        let t = Throttle { requests_per_second: Some(2.0), burst: Some(2), ..Throttle::default() };
        let mut b = Buckets::default();
        let t0 = Instant::now();
        assert_eq!(b.check(&t, "get_request", t0), None);
        assert_eq!(b.check(&t, "create_request", t0), None);
        assert_eq!(b.check(&t, "get_request", t0), Some(1));
        assert_eq!(b.check(&t, "maskinporten_token", t0), None, "not Altinn");
        assert_eq!(b.check(&t, "get_request", t0 + Duration::from_millis(500)), None, "one token after 1/rate");
        assert_eq!(b.check(&t, "get_request", t0 + Duration::from_millis(500)), Some(1));
    }

    #[test]
    fn call_log_keeps_the_newest_and_counts_all() {
        let mut log = CallLog::default();
        let call = |status| CallRecord {
            seq: 0,
            method: "GET".into(),
            path: "/".into(),
            route: Some("get_request"),
            status,
            fault: None,
            latency_ms: None,
        };
        for i in 0..10 {
            log.record(call(Some(if i % 2 == 0 { 200 } else { 429 })), 3);
        }
        log.record(call(None), 3);
        let v = log.to_json();
        assert_eq!(v["kept"], 3);
        assert_eq!(v["total"], 11);
        assert_eq!(v["calls"][2]["seq"], 11);
        assert_eq!(v["counts"]["get_request"], json!({"200": 5, "429": 5, "none": 1}));
        log.record(call(Some(200)), 0);
        assert_eq!(log.to_json()["kept"], 0);
    }
}
