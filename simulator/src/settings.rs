//! Behaviour switches that tests flip: problem shape, timeout mode, page size, and the
//! hosts handed out in `confirmUrl` and `links.next` (to test a client's guards).

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
        }
    }
}

impl Settings {
    pub fn timeout_window_days(&self) -> u32 {
        self.timeout_days.unwrap_or_else(|| self.timeout_mode.default_days())
    }
}
