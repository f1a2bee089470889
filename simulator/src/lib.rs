//! A local Altinn: the system user request API, the System Register (vendor read),
//! Maskinporten's JWT-bearer grant, and the customer's confirm page, answering as the
//! real server does (see `shared/altinn/API.md`), quirks included.
//!
//! ```no_run
//! use altinn_sim::{SimOptions, Simulator};
//! let sim = Simulator::start(SimOptions::default().with_admin(true)).unwrap();
//! let token = sim.mint_token("314248295", &["altinn:authentication/systemuser.request.write"]);
//! println!("{} {}", sim.url(), token.len());
//! ```

use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

mod clock;
mod error_codes;
mod faults;
mod fixture;
mod html;
mod http;
mod ids;
mod json_in;
mod jwt;
mod lifecycle;
mod maskinporten;
mod model;
mod ordered;
mod orgno;
mod problems;
mod routes;
mod rules;
mod settings;
mod state;
mod store;
mod tokens;
mod urlmatch;
mod views;

pub use faults::{FaultKind, FaultSpec};
pub use fixture::{
    CatalogueEntry, Fixture, FixtureError, Jwk, Jwks, MaskinportenClient, Organization, RegisteredSystem, VendorInfo, DEFAULT_FIXTURE_JSON,
};
pub use model::{AttributePair, PackageRef, Right};
pub use orgno::is_valid as is_valid_org_no;
pub use problems::ProblemShape;
pub use routes::FAULT_ROUTES;
pub use settings::{Settings, TimeoutMode};

use state::{Inner, Shared};

/// How to start a simulator. `Default`: loopback, any free port, the built-in fixture,
/// admin routes off, current problem shape and timeout mode, 50 items a page.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// What exists in the register before any request.
    pub fixture: Fixture,
    /// Serve the `/_sim/` admin routes.
    pub admin: bool,
    /// Problem-details shape of AUTH errors.
    pub problem_shape: ProblemShape,
    /// How timeouts show.
    pub timeout_mode: TimeoutMode,
    /// Items per page on list routes.
    pub page_size: usize,
    /// Timeout window in days; `None` = 180 (current) or 10 (legacy).
    pub timeout_days: Option<u32>,
    /// Origin put in `confirmUrl` instead of the simulator's own (e.g. `https://evil.example`).
    pub confirm_host: Option<String>,
    /// Origin put in `links.next` instead of the request's own host
    /// (e.g. `http://altinn-platform-internal.local`).
    pub next_link_host: Option<String>,
    /// Answer 201s with `created: "0001-01-01T00:00:00"` as older servers did.
    pub zero_created_on_create: bool,
    /// `expires_in` of Maskinporten tokens in seconds (120 by default).
    pub token_lifetime_secs: u32,
}

impl Default for SimOptions {
    fn default() -> Self {
        let s = Settings::default();
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            fixture: Fixture::default(),
            admin: false,
            problem_shape: s.problem_shape,
            timeout_mode: s.timeout_mode,
            page_size: s.page_size,
            timeout_days: s.timeout_days,
            confirm_host: s.confirm_host,
            next_link_host: s.next_link_host,
            zero_created_on_create: s.zero_created_on_create,
            token_lifetime_secs: s.token_lifetime_secs,
        }
    }
}

impl SimOptions {
    pub fn with_listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }
    pub fn with_fixture(mut self, fixture: Fixture) -> Self {
        self.fixture = fixture;
        self
    }
    pub fn with_admin(mut self, admin: bool) -> Self {
        self.admin = admin;
        self
    }
    pub fn with_problem_shape(mut self, shape: ProblemShape) -> Self {
        self.problem_shape = shape;
        self
    }
    pub fn with_timeout_mode(mut self, mode: TimeoutMode) -> Self {
        self.timeout_mode = mode;
        self
    }
    pub fn with_page_size(mut self, n: usize) -> Self {
        self.page_size = n;
        self
    }
    pub fn with_timeout_days(mut self, days: Option<u32>) -> Self {
        self.timeout_days = days;
        self
    }
    pub fn with_confirm_host(mut self, origin: Option<&str>) -> Self {
        self.confirm_host = origin.map(|o| o.trim_end_matches('/').to_string());
        self
    }
    pub fn with_next_link_host(mut self, origin: Option<&str>) -> Self {
        self.next_link_host = origin.map(|o| o.trim_end_matches('/').to_string());
        self
    }
    pub fn with_zero_created_on_create(mut self, on: bool) -> Self {
        self.zero_created_on_create = on;
        self
    }

    fn settings(&self) -> Settings {
        Settings {
            problem_shape: self.problem_shape,
            timeout_mode: self.timeout_mode,
            page_size: self.page_size.max(1),
            timeout_days: self.timeout_days,
            confirm_host: self.confirm_host.clone(),
            next_link_host: self.next_link_host.clone(),
            zero_created_on_create: self.zero_created_on_create,
            token_lifetime_secs: self.token_lifetime_secs.max(1),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot start the simulator's runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error("{0}")]
    Admin(String),
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Binds, then serves on a thread of its own (with its own runtime) until the handle
    /// is stopped or dropped. Usable from synchronous code.
    pub fn start(options: SimOptions) -> Result<SimHandle, SimError> {
        options.fixture.validate()?;
        let std_listener = StdListener::bind(options.listen).map_err(|source| SimError::Bind { addr: options.listen, source })?;
        std_listener.set_nonblocking(true).map_err(SimError::Runtime)?;
        let addr = std_listener.local_addr().map_err(SimError::Runtime)?;
        let base_url = format!("http://{addr}");
        let inner = Inner::new(options.fixture.clone(), options.settings());
        let shared = Arc::new(Shared::new(inner, options.admin, base_url.clone()));

        let runtime = tokio::runtime::Builder::new_current_thread().enable_io().enable_time().build().map_err(SimError::Runtime)?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let serve_shared = shared.clone();
        // Registering the listener needs the runtime's context.
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener).map_err(SimError::Runtime)?
        };
        let thread = std::thread::Builder::new()
            .name(format!("altinn-sim-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::spawn(http::serve(listener, serve_shared));
                    let _ = stop_rx.await;
                });
                // Dropping the runtime cancels the accept loop and every connection.
                runtime.shutdown_timeout(Duration::from_millis(200));
            })
            .map_err(SimError::Runtime)?;
        Ok(SimHandle { url: base_url, addr, shared, stop: Some(stop_tx), thread: Some(thread) })
    }
}

/// A running simulator. Stops when dropped.
pub struct SimHandle {
    url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle").field("url", &self.url).finish_non_exhaustive()
    }
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`, no trailing slash. Altinn routes are under
    /// `{url}/authentication/api/v1/`; Maskinporten's issuer is `{url}/`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Maskinporten issuer (the `aud` of assertions): `{url}/`.
    pub fn issuer(&self) -> String {
        self.shared.issuer()
    }

    /// Maskinporten token endpoint: `{url}/token`.
    pub fn token_endpoint(&self) -> String {
        format!("{}/token", self.url)
    }

    /// An access token for a vendor with these scopes, valid for an hour; the in-process
    /// equivalent of `POST /_sim/token`.
    pub fn mint_token(&self, vendor_org_no: &str, scopes: &[&str]) -> String {
        routes::admin::mint(&self.shared, vendor_org_no, scopes, 3600, true)
    }

    /// Like `mint_token` with a chosen lifetime (zero or negative: already expired) and
    /// optionally without the `consumer` claim.
    pub fn mint_token_with(&self, vendor_org_no: &str, scopes: &[&str], expires_in_secs: i64, consumer: bool) -> String {
        routes::admin::mint(&self.shared, vendor_org_no, scopes, expires_in_secs, consumer)
    }

    /// Approves a request as the customer would (creates the system user).
    pub fn approve(&self, request_id: &str) -> Result<(), SimError> {
        let mut inner = self.shared.lock();
        lifecycle::approve(&mut inner, request_id, None).map(|_| ()).map_err(|e| SimError::Admin(format!("{}: {e}", e.code())))
    }

    /// Rejects a request as the customer would.
    pub fn reject(&self, request_id: &str) -> Result<(), SimError> {
        let mut inner = self.shared.lock();
        lifecycle::reject(&mut inner, request_id, None).map_err(|e| SimError::Admin(format!("{}: {e}", e.code())))
    }

    /// Moves the data clock forward (request timestamps and timeouts; not token validity).
    pub fn advance_clock(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.shared.lock().clock.advance_micros(micros);
    }

    /// Arms a fault; returns its id.
    pub fn arm_fault(&self, spec: FaultSpec) -> Result<u64, SimError> {
        self.shared.lock().faults.arm(spec, FAULT_ROUTES).map_err(|e| SimError::Admin(e.to_string()))
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.shared.lock().settings.clone()
    }

    /// Replaces the settings while running.
    pub fn set_settings(&self, settings: Settings) {
        self.shared.lock().settings = settings;
    }

    /// Stops serving and waits for the server thread. Idempotent.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
