//! The simulator's shared state: one mutex around everything that changes, held only
//! for short, non-async sections.

use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::clock::DataClock;
use crate::faults::Faults;
use crate::fixture::{Fixture, Organization};
use crate::maskinporten::JtiCache;
use crate::register::SystemRegister;
use crate::settings::Settings;
use crate::store::Store;
use crate::tokens::TokenKey;

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
}

const MAX_CALLS: usize = 10_000;

pub struct Inner {
    /// What was loaded at start. Its systems seed `systems`; nothing reads them from here.
    pub fixture: Fixture,
    /// The System Register as it stands now.
    pub systems: SystemRegister,
    pub store: Store,
    pub settings: Settings,
    pub clock: DataClock,
    pub faults: Faults,
    pub jtis: JtiCache,
    pub calls: Vec<CallRecord>,
    next_call: u64,
    /// The last failure to write the state file, if any.
    pub persist_error: Option<String>,
}

impl Inner {
    pub fn new(fixture: Fixture, settings: Settings) -> Self {
        Self {
            systems: SystemRegister::from_fixture(&fixture),
            fixture,
            store: Store::default(),
            settings,
            clock: DataClock::default(),
            faults: Faults::default(),
            jtis: JtiCache::default(),
            calls: Vec::new(),
            next_call: 0,
            persist_error: None,
        }
    }

    /// An organisation in the register (Register's party lookup), unless it has been taken out
    /// of it (`DELETE /_sim/organizations/{orgNo}`).
    pub fn organization(&self, org_no: &str) -> Option<&Organization> {
        self.fixture.organization(org_no).filter(|_| !self.store.deregistered.iter().any(|d| d == org_no))
    }

    pub fn record_call(&mut self, mut call: CallRecord) {
        self.next_call += 1;
        call.seq = self.next_call;
        if self.calls.len() >= MAX_CALLS {
            self.calls.remove(0);
        }
        self.calls.push(call);
    }
}

pub struct Shared {
    inner: Mutex<Inner>,
    pub key: TokenKey,
    /// Where the state is persisted (`SimOptions::state_file`), if anywhere.
    pub state_file: Option<std::path::PathBuf>,
    /// Serialises snapshot-and-write, so an older snapshot never overwrites a newer one.
    persist_lock: Mutex<()>,
    pub admin: bool,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
}

impl Shared {
    pub fn new(inner: Inner, key: TokenKey, admin: bool, base_url: String, state_file: Option<std::path::PathBuf>) -> Self {
        Self { inner: Mutex::new(inner), key, state_file, persist_lock: Mutex::new(()), admin, base_url }
    }

    /// The state as the state file holds it.
    pub fn snapshot(&self) -> crate::persist::Snapshot {
        crate::persist::Snapshot::capture(&self.lock(), &self.key)
    }

    /// Writes the state file, when there is one. Called after every call that may have
    /// changed the state; a failed write is kept in `persist_error` for `SimHandle` to report.
    pub fn persist(&self) {
        let Some(path) = &self.state_file else { return };
        let _guard = self.persist_lock.lock().unwrap_or_else(|p| p.into_inner());
        let snapshot = self.snapshot();
        if let Err(e) = snapshot.save(path) {
            self.lock().persist_error = Some(e.to_string());
        }
    }

    /// Locks the state. A panic while holding the lock cannot leave it half-written in a
    /// way that matters for a test server, so a poisoned lock is simply taken over.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The Maskinporten issuer: our base with its trailing slash.
    pub fn issuer(&self) -> String {
        format!("{}/", self.base_url)
    }
}
