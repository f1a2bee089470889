//! State kept across a restart: requests, change requests, system users, dedupe counters, used `jti`s, the data
//! clock's offset and the token key, as one JSON document. Written after every call that can
//! change the state (any non-GET request, and the handle's approve/reject/clock calls) and on
//! stop, to `FILE.tmp` then renamed over `FILE`, so a crash leaves the previous whole
//! snapshot. Faults, settings and the call log are test configuration, not server state: they
//! are not in the file (an in-process `SimHandle::restart` carries them over in memory).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::clock::DataClock;
use crate::maskinporten::JtiCache;
use crate::register::SystemRegister;
use crate::state::Inner;
use crate::store::{DedupeKey, KeyCounters, Kind, Store, StoredChangeRequest, StoredRequest, SystemUser};
use crate::tokens::TokenKey;

const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct CounterEntry {
    kind: Kind,
    key: DedupeKey,
    counters: KeyCounters,
}

/// The state file's document.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Snapshot {
    version: u32,
    /// HMAC key of the access tokens (hex), so tokens issued before a restart stay valid
    /// after it, as a real deployment's keys do. A test key: never a real secret.
    token_key: String,
    clock_offset_micros: i64,
    next_sequence: i64,
    requests: Vec<StoredRequest>,
    /// Absent in files written before change requests existed.
    #[serde(default)]
    change_requests: Vec<StoredChangeRequest>,
    system_users: Vec<SystemUser>,
    counters: Vec<CounterEntry>,
    used_jtis: BTreeMap<String, i64>,
    /// The System Register with its change log; absent in files written before it could change
    /// (the fixture's systems then).
    #[serde(default)]
    system_register: Option<SystemRegister>,
    /// Organisations taken out of the register.
    #[serde(default)]
    deregistered_organizations: Vec<String>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("requests", &self.requests.len())
            .field("system_users", &self.system_users.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the state file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the state file {path} is not a simulator state (version {VERSION}): {reason}")]
    Parse { path: String, reason: String },
    #[error("cannot write the state file {path}: {reason}")]
    Write { path: String, reason: String },
}

impl Snapshot {
    pub fn capture(inner: &Inner, key: &TokenKey) -> Self {
        Snapshot {
            version: VERSION,
            token_key: crate::ids::hex(key.secret()),
            clock_offset_micros: inner.clock.offset_micros(),
            next_sequence: inner.store.sequence(),
            requests: inner.store.requests.clone(),
            change_requests: inner.store.change_requests.clone(),
            system_users: inner.store.system_users.clone(),
            counters: inner
                .store
                .counters
                .iter()
                .map(|((kind, key), counters)| CounterEntry { kind: *kind, key: key.clone(), counters: counters.clone() })
                .collect(),
            used_jtis: inner.jtis.entries().map(|(j, e)| (j.clone(), *e)).collect(),
            system_register: Some(inner.systems.clone()),
            deregistered_organizations: inner.store.deregistered.clone(),
        }
    }

    /// Puts this snapshot's data into `inner` (fixture, settings, faults and calls untouched)
    /// and returns the token key it carried.
    pub fn restore(self, inner: &mut Inner) -> Result<TokenKey, String> {
        if self.version != VERSION {
            return Err(format!("version {} is not {VERSION}", self.version));
        }
        let key = unhex32(&self.token_key).ok_or("tokenKey is not 64 hex digits")?;
        let mut store = Store::default();
        store.requests = self.requests;
        store.change_requests = self.change_requests;
        store.system_users = self.system_users;
        store.deregistered = self.deregistered_organizations;
        store.recount_rows();
        store.set_sequence(self.next_sequence);
        for e in self.counters {
            store.counters.insert((e.kind, e.key), e.counters);
        }
        inner.store = store;
        if let Some(systems) = self.system_register {
            inner.systems = systems.restored(&inner.fixture);
        }
        inner.clock = DataClock::with_offset(self.clock_offset_micros);
        inner.jtis = JtiCache::restore(self.used_jtis);
        Ok(TokenKey::from_secret(key))
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }

    /// `None` when the file does not exist or is empty (a first start).
    pub fn load(path: &Path) -> Result<Option<Self>, StateError> {
        let shown = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::Read { path: shown, reason: e.kind().to_string() }),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        Self::from_json(&bytes).map(Some).map_err(|reason| StateError::Parse { path: shown, reason })
    }

    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let write = |reason: std::io::Error| StateError::Write { path: path.display().to_string(), reason: reason.kind().to_string() };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, self.to_json()).map_err(write)?;
        std::fs::rename(&tmp, path).map_err(write)
    }
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        let h = (b[2 * i] as char).to_digit(16)?;
        let l = (b[2 * i + 1] as char).to_digit(16)?;
        *o = (h * 16 + l) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::Fixture;
    use crate::settings::Settings;

    #[test]
    fn round_trip_keeps_the_key_and_the_data() {
        let mut inner = Inner::new(Fixture::default(), Settings::default());
        inner.store.set_sequence(7);
        inner.clock.advance_micros(5_000_000);
        let key = TokenKey::generate();
        let json = Snapshot::capture(&inner, &key).to_json();
        let mut back = Inner::new(Fixture::default(), Settings::default());
        let key2 = Snapshot::from_json(&json).unwrap().restore(&mut back).unwrap();
        assert_eq!(key.secret(), key2.secret());
        assert_eq!(back.store.sequence(), 7);
        assert_eq!(back.clock.offset_micros(), 5_000_000);
        assert!(unhex32("zz").is_none());
    }
}
