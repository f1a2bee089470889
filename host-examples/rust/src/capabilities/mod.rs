//! What the host hands the component: its imports (`http`, `token`, `timer`, and `signer`,
//! `clock`, `random` for Maskinporten grants). The component can reach nothing else, so these
//! are the whole of its authority.

pub mod http;
pub mod signer;
pub mod timer;
pub mod token;

use std::fmt;
use std::sync::Arc;

pub use self::http::{HttpTransport, UreqTransport};
pub use self::signer::{Clock, NoSigner, OsRandom, Random, RsaSigner, Signer, SystemClock};
pub use self::timer::{ThreadSleep, Timer};
pub use self::token::{NoToken, Secret, StaticToken, TokenSource};

/// The imports one session gets. Cheap to clone; shared between sessions.
#[derive(Clone)]
pub struct Capabilities {
    pub http: Arc<dyn HttpTransport>,
    pub token: Arc<dyn TokenSource>,
    pub timer: Arc<dyn Timer>,
    pub signer: Arc<dyn Signer>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Random>,
}

impl Capabilities {
    /// `http` and `token` as given, `ThreadSleep` for waits.
    pub fn new(http: impl HttpTransport + 'static, token: impl TokenSource + 'static) -> Self {
        Capabilities {
            http: Arc::new(http),
            token: Arc::new(token),
            timer: Arc::new(ThreadSleep::default()),
            signer: Arc::new(NoSigner),
            clock: Arc::new(SystemClock::default()),
            random: Arc::new(OsRandom::default()),
        }
    }

    /// `http` and a Maskinporten key: the component gets every token itself (set
    /// `config.maskinporten` to the client id).
    pub fn with_key(http: impl HttpTransport + 'static, signer: impl Signer + 'static) -> Self {
        Self::new(http, NoToken).with_signer(signer)
    }

    pub fn with_signer(mut self, signer: impl Signer + 'static) -> Self {
        self.signer = Arc::new(signer);
        self
    }

    /// Replaces the clock (e.g. one that runs ahead, in tests).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Replaces the random source (e.g. a broken one, in tests).
    pub fn with_random(mut self, random: impl Random + 'static) -> Self {
        self.random = Arc::new(random);
        self
    }

    /// Replaces the timer (e.g. one that records waits instead of sleeping, in tests).
    pub fn with_timer(mut self, timer: impl Timer + 'static) -> Self {
        self.timer = Arc::new(timer);
        self
    }

    /// Real HTTP (proxy from the environment) and no token: enough for validation and the
    /// sans-IO exports, which never call the imports.
    pub fn offline() -> Self {
        Self::new(UreqTransport::new(), NoToken)
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Self::offline()
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token source is opaque on purpose: it may hold a secret.
        f.debug_struct("Capabilities").finish_non_exhaustive()
    }
}
