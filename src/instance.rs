//! What an instance keeps between its operations: tokens (Maskinporten's, and the Altinn tokens
//! exchanged for a bureau), and the registered systems its pre-flights read, so that N creates
//! for one system cost N POSTs and one read, not 2N calls.

use std::cell::RefCell;
use std::rc::Rc;

use crate::maskinporten::TokenCache;
use crate::model::{DateTime, RegisteredSystem};

/// The cache an instance's operations share.
pub type SharedCache = Rc<RefCell<InstanceCache>>;

#[derive(Debug, Default)]
pub struct InstanceCache {
    pub tokens: TokenCache,
    pub systems: SystemCache,
}

/// How long a registered system read for a pre-flight is used again. The server still checks
/// every create; a create it refuses for a rule of the registration drops the entry, and a
/// pre-flight that would refuse locally on a kept system reads it again first, so a system
/// changed in the meantime is never held against the vendor.
pub const SYSTEM_TTL_SECS: i64 = 300;
/// More systems than any vendor registers.
const MAX_SYSTEMS: usize = 64;

/// Registered systems by environment and id, with when they were read.
#[derive(Debug, Default)]
pub struct SystemCache {
    entries: Vec<(String, RegisteredSystem, DateTime)>,
}

impl SystemCache {
    /// The system kept under `key`, unless it was read more than `SYSTEM_TTL_SECS` before `now`
    /// (or "after" it: a clock set back does not keep an entry alive).
    pub fn get(&self, key: &str, now: DateTime) -> Option<RegisteredSystem> {
        self.entries.iter().find(|(k, _, at)| k == key && fresh(*at, now)).map(|(_, s, _)| s.clone())
    }

    pub fn put(&mut self, key: String, system: RegisteredSystem, now: DateTime) {
        self.entries.retain(|(k, _, at)| *k != key && fresh(*at, now));
        if self.entries.len() >= MAX_SYSTEMS {
            self.entries.remove(0);
        }
        self.entries.push((key, system, now));
    }

    pub fn forget(&mut self, key: &str) {
        self.entries.retain(|(k, _, _)| k != key);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn fresh(read_at: DateTime, now: DateTime) -> bool {
    let age = now.seconds - read_at.seconds;
    (0..SYSTEM_TTL_SECS).contains(&age)
}
