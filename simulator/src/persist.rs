//! State kept across a restart: requests, change requests, system users, dedupe counters, used `jti`s, the data
//! clock's offset and the token key, as one JSON document in `FILE` (a snapshot), plus a journal
//! `FILE.journal` of what changed since: one JSON line per call that changed something (any
//! non-GET request, and the handle's approve/reject/clock calls), holding only the rows that
//! changed, as they are now. So a call costs what it changed, not the size of the state. The
//! whole snapshot is written at start, on stop, after a reset, and whenever the journal has grown
//! past the snapshot's size (at least 4 MB), to `FILE.tmp` then renamed over `FILE`, and the
//! journal is then emptied; a crash leaves the previous whole snapshot and its journal. Each
//! snapshot has a generation and each journal line names the generation it follows, so lines
//! left over from an older snapshot are never applied to a newer one; a torn last line is
//! ignored. Faults, settings and the call log are test configuration, not server state: they
//! are not in the file (an in-process `SimHandle::restart` carries them over in memory).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clock::DataClock;
use crate::maskinporten::JtiCache;
use crate::register::SystemRegister;
use crate::state::Inner;
use crate::store::{Changes, DedupeKey, KeyCounters, Kind, Store, StoredChangeRequest, StoredRequest, SystemUser};
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
    /// Counts whole snapshots written to this file; journal lines name the one they follow.
    #[serde(default)]
    generation: u64,
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
            generation: 0,
            token_key: crate::ids::hex(key.secret()),
            clock_offset_micros: inner.clock.offset_micros(),
            next_sequence: inner.store.sequence(),
            requests: inner.store.requests().to_vec(),
            change_requests: inner.store.change_requests().to_vec(),
            system_users: inner.store.system_users().to_vec(),
            counters: inner
                .store
                .counters()
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
        let counters = self.counters.into_iter().map(|e| ((e.kind, e.key), e.counters)).collect();
        inner.store = Store::from_rows(
            self.requests,
            self.system_users,
            self.change_requests,
            counters,
            self.deregistered_organizations,
            self.next_sequence,
        );
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

    /// `None` when the file does not exist or is empty (a first start). The journal's lines of
    /// the snapshot's generation are applied.
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
        let mut snapshot = Self::from_json(&bytes).map_err(|reason| StateError::Parse { path: shown.clone(), reason })?;
        let journal_path = journal_path(path);
        let journal = match std::fs::read(&journal_path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(StateError::Read { path: journal_path.display().to_string(), reason: e.kind().to_string() }),
        };
        snapshot.apply_journal(&journal).map_err(|reason| StateError::Parse { path: journal_path.display().to_string(), reason })?;
        Ok(Some(snapshot))
    }

    /// Applies the journal's lines of this snapshot's generation, in order. A last line that does
    /// not parse was torn by a crash and is left out; any other is an error.
    fn apply_journal(&mut self, journal: &[u8]) -> Result<(), String> {
        let lines: Vec<&[u8]> = journal.split(|b| *b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).collect();
        let mut requests: HashMap<String, usize> = self.requests.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        let mut users: HashMap<String, usize> = self.system_users.iter().enumerate().map(|(i, u)| (u.id.clone(), i)).collect();
        let mut changes: HashMap<String, usize> = self.change_requests.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        let mut counters: BTreeMap<(Kind, DedupeKey), KeyCounters> =
            std::mem::take(&mut self.counters).into_iter().map(|e| ((e.kind, e.key), e.counters)).collect();
        fn upsert<T>(rows: &mut Vec<T>, at: &mut HashMap<String, usize>, id: String, row: T) {
            match at.get(&id) {
                Some(i) => rows[*i] = row,
                None => {
                    at.insert(id, rows.len());
                    rows.push(row);
                }
            }
        }
        for (n, line) in lines.iter().enumerate() {
            let delta: Delta = match serde_json::from_slice(line) {
                Ok(d) => d,
                Err(_) if n + 1 == lines.len() => break,
                Err(e) => return Err(format!("line {}: {e}", n + 1)),
            };
            if delta.generation != self.generation {
                continue;
            }
            for r in delta.requests {
                upsert(&mut self.requests, &mut requests, r.id.clone(), r);
            }
            for u in delta.system_users {
                upsert(&mut self.system_users, &mut users, u.id.clone(), u);
            }
            for c in delta.change_requests {
                upsert(&mut self.change_requests, &mut changes, c.id.clone(), c);
            }
            for e in delta.counters {
                counters.insert((e.kind, e.key), e.counters);
            }
            if let Some(v) = delta.clock_offset_micros {
                self.clock_offset_micros = v;
            }
            if let Some(v) = delta.next_sequence {
                self.next_sequence = v;
            }
            if let Some(v) = delta.used_jtis {
                self.used_jtis = v;
            }
            if let Some(v) = delta.system_register {
                self.system_register = Some(v);
            }
            if let Some(v) = delta.deregistered_organizations {
                self.deregistered_organizations = v;
            }
        }
        self.counters = counters.into_iter().map(|((kind, key), counters)| CounterEntry { kind, key, counters }).collect();
        Ok(())
    }
}

/// `FILE.journal` beside the state file `FILE`.
pub fn journal_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".journal");
    PathBuf::from(p)
}

/// One journal line: the rows and counters that changed, as they are now; the small parts of the
/// state whole when they changed.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Delta {
    generation: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    requests: Vec<StoredRequest>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    change_requests: Vec<StoredChangeRequest>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    system_users: Vec<SystemUser>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    counters: Vec<CounterEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clock_offset_micros: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_sequence: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_jtis: Option<BTreeMap<String, i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    system_register: Option<SystemRegister>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deregistered_organizations: Option<Vec<String>>,
}

impl Delta {
    fn is_empty(&self) -> bool {
        self.requests.is_empty()
            && self.change_requests.is_empty()
            && self.system_users.is_empty()
            && self.counters.is_empty()
            && self.clock_offset_micros.is_none()
            && self.next_sequence.is_none()
            && self.used_jtis.is_none()
            && self.system_register.is_none()
            && self.deregistered_organizations.is_none()
    }
}

/// The small parts of the state as last written, to tell whether they changed.
#[derive(Debug, Default, PartialEq)]
struct Small {
    clock_offset_micros: i64,
    next_sequence: i64,
    used_jtis: Vec<u8>,
    system_register: Vec<u8>,
    deregistered: Vec<String>,
}

impl Small {
    fn of(inner: &Inner) -> Self {
        let jtis: BTreeMap<&String, &i64> = inner.jtis.entries().collect();
        Small {
            clock_offset_micros: inner.clock.offset_micros(),
            next_sequence: inner.store.sequence(),
            used_jtis: serde_json::to_vec(&jtis).unwrap_or_default(),
            system_register: serde_json::to_vec(&inner.systems).unwrap_or_default(),
            deregistered: inner.store.deregistered.clone(),
        }
    }
}

/// Below this size the journal is never folded into a whole snapshot.
const MIN_JOURNAL_BYTES: u64 = 4 << 20;

/// What to write, taken under the state's lock, written after it is released.
pub enum Work {
    Whole(Box<Snapshot>),
    Delta(Vec<u8>),
    Nothing,
}

/// The state file's writer: the snapshot's generation and size, the journal being appended to.
/// Kept under `Shared`'s persist lock, so writes happen in the order their changes were taken.
#[derive(Debug, Default)]
pub struct Journal {
    generation: u64,
    file: Option<File>,
    bytes: u64,
    snapshot_bytes: u64,
    /// A whole snapshot is due: nothing written yet, or the last write failed.
    stale: bool,
    small: Option<Small>,
}

impl Journal {
    /// A writer for a file loaded at `generation` (0 for a new one). Its first write is whole.
    pub fn new(generation: u64) -> Self {
        Journal { generation, stale: true, ..Journal::default() }
    }

    /// Takes what changed from `inner` (under its lock): a whole snapshot when one is due, else
    /// the journal line of the changes.
    pub fn take(&mut self, inner: &mut Inner, key: &TokenKey, whole: bool) -> Work {
        let changes = inner.store.take_changes();
        let small = Small::of(inner);
        let whole = whole || self.stale || self.bytes > self.snapshot_bytes.max(MIN_JOURNAL_BYTES);
        let changes = match changes {
            Some(c) if !whole => c,
            _ => {
                self.small = Some(small);
                return Work::Whole(Box::new(Snapshot::capture(inner, key)));
            }
        };
        let Changes { requests, system_users, change_requests, counters } = changes;
        let before = self.small.take().unwrap_or_default();
        let jtis = || inner.jtis.entries().map(|(j, e)| (j.clone(), *e)).collect();
        let delta = Delta {
            generation: self.generation,
            requests,
            change_requests,
            system_users,
            counters: counters.into_iter().map(|(kind, key, counters)| CounterEntry { kind, key, counters }).collect(),
            clock_offset_micros: (small.clock_offset_micros != before.clock_offset_micros).then_some(small.clock_offset_micros),
            next_sequence: (small.next_sequence != before.next_sequence).then_some(small.next_sequence),
            used_jtis: (small.used_jtis != before.used_jtis).then(jtis),
            system_register: (small.system_register != before.system_register).then(|| inner.systems.clone()),
            deregistered_organizations: (small.deregistered != before.deregistered).then(|| small.deregistered.clone()),
        };
        self.small = Some(small);
        match delta.is_empty() {
            true => Work::Nothing,
            false => {
                let mut line = serde_json::to_vec(&delta).unwrap_or_default();
                line.push(b'\n');
                Work::Delta(line)
            }
        }
    }

    /// Writes what `take` gave. On failure the next write is whole.
    pub fn write(&mut self, path: &Path, work: Work) -> Result<(), StateError> {
        let done = match work {
            Work::Nothing => Ok(()),
            Work::Whole(mut snapshot) => self.write_whole(path, &mut snapshot),
            Work::Delta(line) => self.append(path, &line),
        };
        if done.is_err() {
            self.stale = true;
            self.file = None;
        }
        done
    }

    fn write_whole(&mut self, path: &Path, snapshot: &mut Snapshot) -> Result<(), StateError> {
        let journal = journal_path(path);
        let failed = |reason: std::io::Error| StateError::Write { path: journal.display().to_string(), reason: reason.kind().to_string() };
        self.generation += 1;
        snapshot.generation = self.generation;
        let json = snapshot.to_json();
        snapshot.save_bytes(path, &json)?;
        // Lines of the older generation are ignored at load, so emptying the journal after the
        // rename (not before) loses nothing if we stop in between.
        self.file = Some(File::create(&journal).map_err(failed)?);
        self.bytes = 0;
        self.snapshot_bytes = json.len() as u64;
        self.stale = false;
        Ok(())
    }

    fn append(&mut self, path: &Path, line: &[u8]) -> Result<(), StateError> {
        let journal = journal_path(path);
        let failed = |reason: std::io::Error| StateError::Write { path: journal.display().to_string(), reason: reason.kind().to_string() };
        if self.file.is_none() {
            self.file = Some(std::fs::OpenOptions::new().create(true).append(true).open(&journal).map_err(failed)?);
        }
        if let Some(f) = self.file.as_mut() {
            f.write_all(line).map_err(failed)?;
        }
        self.bytes += line.len() as u64;
        Ok(())
    }
}

impl Snapshot {
    /// The generation this snapshot was written as.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn save_bytes(&self, path: &Path, json: &[u8]) -> Result<(), StateError> {
        let write = |reason: std::io::Error| StateError::Write { path: path.display().to_string(), reason: reason.kind().to_string() };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, json).map_err(write)?;
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
