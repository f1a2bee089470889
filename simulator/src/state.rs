//! The simulator's shared state: one mutex around everything that changes, held only
//! for short, non-async sections.

use std::sync::{Mutex, MutexGuard};

use crate::clock::DataClock;
use crate::faults::Faults;
use crate::fixture::{Fixture, Organization};
use crate::maskinporten::JtiCache;
use crate::orgs::Orgs;
use crate::persist::Journal;
use crate::realism::{Buckets, CallLog, Jitter};
use crate::register::SystemRegister;
use crate::settings::Settings;
use crate::store::Store;
use crate::tokens::TokenKey;

pub use crate::realism::CallRecord;

pub struct Inner {
    /// What was loaded at start. Its systems seed `systems`; nothing reads them from here.
    pub fixture: Fixture,
    /// The System Register as it stands now.
    pub systems: SystemRegister,
    /// The register's organisations: the fixture's and the synthetic customers.
    pub orgs: Orgs,
    pub store: Store,
    /// Change through `set_settings`, which keeps what depends on them in step.
    pub settings: Settings,
    pub clock: DataClock,
    pub faults: Faults,
    pub jtis: JtiCache,
    pub calls: CallLog,
    /// The latency's jitter generator.
    pub jitter: Jitter,
    /// The throttle's token buckets.
    pub buckets: Buckets,
    /// The last failure to write the state file, if any.
    pub persist_error: Option<String>,
}

impl Inner {
    pub fn new(fixture: Fixture, settings: Settings) -> Self {
        Self {
            systems: SystemRegister::from_fixture(&fixture),
            orgs: Orgs::new(&fixture, settings.synthetic_customers),
            jitter: Jitter::new(settings.latency.seed),
            fixture,
            store: Store::default(),
            settings,
            clock: DataClock::default(),
            faults: Faults::default(),
            jtis: JtiCache::default(),
            calls: CallLog::default(),
            buckets: Buckets::default(),
            persist_error: None,
        }
    }

    /// Replaces the settings: a new latency setting reseeds the jitter, a new throttle refills
    /// the buckets, a new synthetic-customer count rebuilds the register's organisations.
    pub fn set_settings(&mut self, settings: Settings) {
        if settings.latency != self.settings.latency {
            self.jitter = Jitter::new(settings.latency.seed);
        }
        if settings.throttle != self.settings.throttle {
            self.buckets = Buckets::default();
        }
        if settings.synthetic_customers != self.orgs.synthetic() {
            self.orgs = Orgs::new(&self.fixture, settings.synthetic_customers);
        }
        self.settings = settings;
    }

    /// An organisation in the register (Register's party lookup), unless it has been taken out
    /// of it (`DELETE /_sim/organizations/{orgNo}`).
    pub fn organization(&self, org_no: &str) -> Option<std::borrow::Cow<'_, Organization>> {
        self.orgs.get(org_no).filter(|_| !self.store.deregistered.iter().any(|d| d == org_no))
    }

    pub fn record_call(&mut self, call: CallRecord) {
        self.calls.record(call, self.settings.call_log_limit);
    }

    /// The latency to wait before answering a call of `route` (milliseconds; 0 for none).
    pub fn draw_latency(&mut self, route: &str) -> u64 {
        self.jitter.draw(&self.settings.latency, route)
    }

    /// `Some(retry_after_secs)` when the throttle refuses a call of `route` now.
    pub fn throttled(&mut self, route: &str) -> Option<u64> {
        let throttle = self.settings.throttle.as_ref()?;
        self.buckets.check(throttle, route, std::time::Instant::now())
    }
}

pub struct Shared {
    inner: Mutex<Inner>,
    pub key: TokenKey,
    /// Where the state is persisted (`SimOptions::state_file`), if anywhere.
    pub state_file: Option<std::path::PathBuf>,
    /// The state file's writer; its lock serialises take-and-write, so an older change never
    /// lands after a newer one.
    journal: Mutex<Journal>,
    pub admin: bool,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
}

impl Shared {
    /// `generation`: that of the state file loaded (0 when none was).
    pub fn new(
        inner: Inner,
        key: TokenKey,
        admin: bool,
        base_url: String,
        state_file: Option<std::path::PathBuf>,
        generation: u64,
    ) -> Self {
        Self { inner: Mutex::new(inner), key, state_file, journal: Mutex::new(Journal::new(generation)), admin, base_url }
    }

    /// The state as the state file holds it.
    pub fn snapshot(&self) -> crate::persist::Snapshot {
        crate::persist::Snapshot::capture(&self.lock(), &self.key)
    }

    /// Writes what changed to the state file, when there is one: a journal line, or the whole
    /// snapshot when one is due (without one, the store's record of changes is dropped). Called
    /// after every call that may have changed the state; a failed write is kept in
    /// `persist_error` for `SimHandle` to report.
    pub fn persist(&self) {
        self.write_state(false);
    }

    /// Writes the whole snapshot (on stop).
    pub fn persist_whole(&self) {
        self.write_state(true);
    }

    fn write_state(&self, whole: bool) {
        let Some(path) = &self.state_file else {
            self.lock().store.forget_changes();
            return;
        };
        let mut journal = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        let work = journal.take(&mut self.lock(), &self.key, whole);
        if let Err(e) = journal.write(path, work) {
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
