//! A local Altinn: the system user request API and change requests, the System Register's vendor
//! routes, client delegation to agent system users with the Maskinporten → Altinn token exchange,
//! Maskinporten's JWT-bearer grant, and the customer's pages, answering as the real server does
//! (see `docs/altinn/API.md`), quirks included.
//!
//! ```no_run
//! use altinn_sim::{SimOptions, Simulator};
//! let sim = Simulator::start(SimOptions::default().with_admin(true)).unwrap();
//! let token = sim.mint_token("314248295", &["altinn:authentication/systemuser.request.write"]);
//! println!("{} {}", sim.url(), token.len());
//! ```

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

mod change_rules;
mod clock;
mod delegation;
mod error_codes;
mod faults;
mod fixture;
mod hostile;
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
mod orgs;
mod persist;
mod problems;
mod realism;
mod register;
mod register_rules;
mod routes;
mod rules;
mod secret_log;
mod settings;
mod state;
mod store;
mod tokens;
mod urlmatch;
mod views;

/// The default fixture's Maskinporten client and its key, for the demo and tests only.
///
/// TEST-ONLY: this private key is public (it is in this repository). The simulator trusts it;
/// nothing else ever should.
pub mod test_client {
    /// The client of vendor 314248295's system `314248295_smartregnskap`.
    pub const CLIENT_ID: &str = "sim-smartregnskap-client";
    /// The key id the fixture registers on that client.
    pub const KID: &str = "sim-test-key-1";
    /// The matching private key (PKCS#8 PEM).
    pub const KEY_PEM: &str = include_str!("../tests/keys/TEST-ONLY-client-key.pk8.pem");
    /// The fixture client's business certificate for `KEY_PEM` (self-signed, TEST-ONLY), for
    /// grants that name their key by `x5c`.
    pub const CERT_PEM: &str = include_str!("../tests/keys/TEST-ONLY-client-cert.pem");
    /// A well-formed key the simulator does not know (grants signed with it fail MP-120).
    pub const UNREGISTERED_KEY_PEM: &str = include_str!("../tests/keys/TEST-ONLY-unregistered-key.pk8.pem");
}

/// Every Maskinporten client of the default fixture with its own key, for tests only (a grant
/// signed with another client's key fails MP-120).
///
/// TEST-ONLY: these private keys are public (they are in this repository).
pub mod test_clients {
    /// A fixture client, the `kid` it registers and the matching private key (PKCS#8 PEM).
    #[derive(Debug, Clone, Copy)]
    pub struct TestClient {
        pub client_id: &'static str,
        pub kid: &'static str,
        pub key_pem: &'static str,
    }

    /// The client of `314248295_smartregnskap` (the same as [`super::test_client`]).
    pub const SMARTREGNSKAP: TestClient =
        TestClient { client_id: super::test_client::CLIENT_ID, kid: super::test_client::KID, key_pem: super::test_client::KEY_PEM };
    /// The client of the agent system `314248295_smartbyraa`.
    pub const SMARTBYRAA: TestClient = TestClient {
        client_id: "sim-smartbyraa-client",
        kid: "sim-smartbyraa-key-1",
        key_pem: include_str!("../tests/keys/TEST-ONLY-smartbyraa-client-key.pk8.pem"),
    };
    /// A client of vendor 314248295 tagged on no system: for a system the vendor registers through
    /// the System Register API (`"clientId": ["sim-spare-client"]`).
    pub const SPARE: TestClient = TestClient {
        client_id: "sim-spare-client",
        kid: "sim-spare-key-1",
        key_pem: include_str!("../tests/keys/TEST-ONLY-spare-client-key.pk8.pem"),
    };
    /// The client of the other vendor's system `313367002_konkurrent`.
    pub const KONKURRENT: TestClient = TestClient {
        client_id: "sim-konkurrent-client",
        kid: "sim-konkurrent-key-1",
        key_pem: include_str!("../tests/keys/TEST-ONLY-konkurrent-client-key.pk8.pem"),
    };
}

pub use faults::{FaultKind, FaultSpec, MismatchField, RetryAfterForm};
pub use fixture::{
    CatalogueEntry, Fixture, FixtureError, Jwk, Jwks, MaskinportenClient, Organization, RegisteredSystem, VendorInfo, DEFAULT_FIXTURE_JSON,
};
pub use model::{AttributePair, PackageRef, Right};
pub use orgno::is_valid as is_valid_org_no;
pub use persist::StateError;
pub use problems::ProblemShape;
pub use routes::FAULT_ROUTES;
pub use secret_log::SECRET_LOG_ENV;
pub use settings::{
    synthetic_org_no, AccessManagementFailure, DelegationCheck, Latency, RouteLatency, RouteThrottle, Settings, Throttle, TimeoutMode,
    DEFAULT_CALL_LOG_LIMIT,
};

use state::{Inner, Shared};

/// How to start a simulator. `Default`: loopback, any free port, the built-in fixture,
/// admin routes off, current problem shape and timeout mode, 50 items a page, 512 connections.
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
    /// Keep the state (requests, system users, counters, used `jti`s, clock offset, token key)
    /// in this JSON file: loaded at start when it exists, written after every change and on stop.
    pub state_file: Option<PathBuf>,
    /// Connections open at once; past it a new connection is closed at once.
    pub max_connections: usize,
    /// Listen on a non-loopback address too. Off: anyone who can reach the simulator can approve
    /// or reject requests on its confirm page, and it trusts TEST-ONLY keys whose private halves
    /// are public.
    pub allow_remote: bool,
    /// Request lists lose the item at every page boundary, as the server's do (API.md §14).
    pub lossy_request_pages: bool,
    /// Agent request lists come in heap order, not by id, as the server's do (API.md §14).
    pub unordered_agent_requests: bool,
    /// The change-request list ignores its token and repeats page one, as the server's does
    /// (API.md §11).
    pub repeating_change_request_pages: bool,
    /// What the customer's delegation check says at approval (`DelegationCheck::Ok`).
    pub customer_delegation_check: DelegationCheck,
    /// Lifetime in minutes of the Altinn tokens the Maskinporten exchange issues (30, the
    /// server's `JwtValidityMinutes`).
    pub jwt_validity_minutes: u32,
    /// Whether Access Management fails behind the client-delegation routes (`None`).
    pub access_management_failure: AccessManagementFailure,
    /// Wait before answering each named route (none by default).
    pub latency: Latency,
    /// 429 past a rate (`None`: never).
    pub throttle: Option<Throttle>,
    /// Synthetic customer organisations in the register besides the fixture's (0).
    pub synthetic_customers: u32,
    /// Calls `/_sim/calls` keeps (10,000; 0: counts only).
    pub call_log_limit: usize,
}

/// `SimOptions::max_connections` by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

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
            state_file: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            allow_remote: false,
            lossy_request_pages: s.lossy_request_pages,
            unordered_agent_requests: s.unordered_agent_requests,
            repeating_change_request_pages: s.repeating_change_request_pages,
            customer_delegation_check: s.customer_delegation_check,
            jwt_validity_minutes: s.jwt_validity_minutes,
            access_management_failure: s.access_management_failure,
            latency: s.latency,
            throttle: s.throttle,
            synthetic_customers: s.synthetic_customers,
            call_log_limit: s.call_log_limit,
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
    pub fn with_state_file(mut self, path: Option<impl Into<PathBuf>>) -> Self {
        self.state_file = path.map(Into::into);
        self
    }
    pub fn with_zero_created_on_create(mut self, on: bool) -> Self {
        self.zero_created_on_create = on;
        self
    }
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }
    pub fn with_allow_remote(mut self, allow: bool) -> Self {
        self.allow_remote = allow;
        self
    }
    pub fn with_lossy_request_pages(mut self, on: bool) -> Self {
        self.lossy_request_pages = on;
        self
    }
    pub fn with_unordered_agent_requests(mut self, on: bool) -> Self {
        self.unordered_agent_requests = on;
        self
    }
    pub fn with_repeating_change_request_pages(mut self, on: bool) -> Self {
        self.repeating_change_request_pages = on;
        self
    }
    /// The three list quirks together: `false` gives lists that page completely, in id order.
    pub fn with_list_quirks(self, on: bool) -> Self {
        self.with_lossy_request_pages(on).with_unordered_agent_requests(on).with_repeating_change_request_pages(on)
    }
    pub fn with_customer_delegation_check(mut self, check: DelegationCheck) -> Self {
        self.customer_delegation_check = check;
        self
    }
    pub fn with_jwt_validity_minutes(mut self, minutes: u32) -> Self {
        self.jwt_validity_minutes = minutes;
        self
    }
    pub fn with_access_management_failure(mut self, failure: AccessManagementFailure) -> Self {
        self.access_management_failure = failure;
        self
    }

    /// Every member of `Settings` at once (e.g. from `Settings::apply_patch` on a settings file).
    pub fn with_settings(mut self, s: Settings) -> Self {
        self.problem_shape = s.problem_shape;
        self.timeout_mode = s.timeout_mode;
        self.page_size = s.page_size;
        self.timeout_days = s.timeout_days;
        self.confirm_host = s.confirm_host;
        self.next_link_host = s.next_link_host;
        self.zero_created_on_create = s.zero_created_on_create;
        self.token_lifetime_secs = s.token_lifetime_secs;
        self.lossy_request_pages = s.lossy_request_pages;
        self.unordered_agent_requests = s.unordered_agent_requests;
        self.repeating_change_request_pages = s.repeating_change_request_pages;
        self.customer_delegation_check = s.customer_delegation_check;
        self.jwt_validity_minutes = s.jwt_validity_minutes;
        self.access_management_failure = s.access_management_failure;
        self.latency = s.latency;
        self.throttle = s.throttle;
        self.synthetic_customers = s.synthetic_customers;
        self.call_log_limit = s.call_log_limit;
        self
    }
    /// The same latency (fixed plus a uniform `0..=jitter_ms`) on every named route; per-route
    /// values set with `with_route_latency` stay.
    pub fn with_latency(mut self, fixed_ms: u64, jitter_ms: u64) -> Self {
        self.latency.fixed_ms = fixed_ms;
        self.latency.jitter_ms = jitter_ms;
        self
    }
    /// Latency of one route (a name of `FAULT_ROUTES`, as `/_sim/calls` shows it).
    pub fn with_route_latency(mut self, route: &str, fixed_ms: u64, jitter_ms: u64) -> Self {
        self.latency.routes.insert(route.to_string(), RouteLatency { fixed_ms, jitter_ms });
        self
    }
    /// Seeds the jitter, so the n-th call's draw is the same on every run.
    pub fn with_latency_seed(mut self, seed: Option<u64>) -> Self {
        self.latency.seed = seed;
        self
    }
    pub fn with_throttle(mut self, throttle: Option<Throttle>) -> Self {
        self.throttle = throttle;
        self
    }
    pub fn with_synthetic_customers(mut self, n: u32) -> Self {
        self.synthetic_customers = n;
        self
    }
    pub fn with_call_log_limit(mut self, n: usize) -> Self {
        self.call_log_limit = n;
        self
    }

    /// The settings these options start with.
    pub fn settings(&self) -> Settings {
        Settings {
            problem_shape: self.problem_shape,
            timeout_mode: self.timeout_mode,
            page_size: self.page_size.max(1),
            timeout_days: self.timeout_days,
            confirm_host: self.confirm_host.clone(),
            next_link_host: self.next_link_host.clone(),
            zero_created_on_create: self.zero_created_on_create,
            token_lifetime_secs: self.token_lifetime_secs.max(1),
            lossy_request_pages: self.lossy_request_pages,
            unordered_agent_requests: self.unordered_agent_requests,
            repeating_change_request_pages: self.repeating_change_request_pages,
            customer_delegation_check: self.customer_delegation_check,
            jwt_validity_minutes: self.jwt_validity_minutes.max(1),
            access_management_failure: self.access_management_failure,
            latency: self.latency.clone(),
            throttle: self.throttle.clone(),
            synthetic_customers: self.synthetic_customers,
            call_log_limit: self.call_log_limit,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(
        "refusing to listen on {0}: not a loopback address. Anyone who can reach the simulator can approve or reject \
         requests on its confirm page, and it trusts TEST-ONLY keys whose private halves are public. Pass --allow-remote \
         (SimOptions::allow_remote) to listen there anyway."
    )]
    NotLoopback(SocketAddr),
    #[error("cannot start the simulator's runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error("{0}")]
    Admin(String),
    #[error(transparent)]
    State(#[from] StateError),
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Binds, then serves on a thread of its own (with its own runtime) until the handle
    /// is stopped or dropped. Usable from synchronous code. With `state_file`, the state in
    /// that file (if any) is loaded first.
    pub fn start(options: SimOptions) -> Result<SimHandle, SimError> {
        if !options.listen.ip().is_loopback() && !options.allow_remote {
            return Err(SimError::NotLoopback(options.listen));
        }
        options.fixture.validate()?;
        let std_listener = StdListener::bind(options.listen).map_err(|source| SimError::Bind { addr: options.listen, source })?;
        let addr = std_listener.local_addr().map_err(SimError::Runtime)?;
        let base_url = format!("http://{addr}");
        let settings = options.settings();
        settings.validate(FAULT_ROUTES).map_err(SimError::Admin)?;
        let mut inner = Inner::new(options.fixture.clone(), settings);
        let (key, generation) = match &options.state_file {
            Some(path) => match persist::Snapshot::load(path)? {
                Some(snapshot) => {
                    let generation = snapshot.generation();
                    let key =
                        snapshot.restore(&mut inner).map_err(|reason| StateError::Parse { path: path.display().to_string(), reason })?;
                    (key, generation)
                }
                None => (tokens::TokenKey::generate(), 0),
            },
            None => (tokens::TokenKey::generate(), 0),
        };
        let shared = Arc::new(Shared::new(inner, key, options.admin, base_url.clone(), options.state_file.clone(), generation));
        shared.persist();
        let server = serve_on(std_listener, shared, options.max_connections)?;
        Ok(SimHandle {
            url: base_url,
            addr,
            state_file: options.state_file,
            max_connections: options.max_connections,
            server: Mutex::new(Some(server)),
        })
    }
}

/// One serving thread and its stop switch.
struct Server {
    shared: Arc<Shared>,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl Server {
    /// Stops serving (every open connection is dropped), waits for the thread, and writes the
    /// state file one last time. Returns the state it stopped with.
    fn shut_down(self) -> Arc<Shared> {
        let _ = self.stop.send(());
        let _ = self.thread.join();
        self.shared.persist_whole();
        self.shared
    }
}

fn serve_on(std_listener: StdListener, shared: Arc<Shared>, max_connections: usize) -> Result<Server, SimError> {
    std_listener.set_nonblocking(true).map_err(SimError::Runtime)?;
    let port = std_listener.local_addr().map_err(SimError::Runtime)?.port();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_io().enable_time().build().map_err(SimError::Runtime)?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serve_shared = shared.clone();
    // Registering the listener needs the runtime's context.
    let listener = {
        let _guard = runtime.enter();
        tokio::net::TcpListener::from_std(std_listener).map_err(SimError::Runtime)?
    };
    let thread = std::thread::Builder::new()
        .name(format!("altinn-sim-{port}"))
        .spawn(move || {
            runtime.block_on(async move {
                tokio::spawn(http::serve(listener, serve_shared, max_connections));
                let _ = stop_rx.await;
            });
            // Dropping the runtime cancels the accept loop and every connection.
            runtime.shutdown_timeout(Duration::from_millis(200));
        })
        .map_err(SimError::Runtime)?;
    Ok(Server { shared, stop: stop_tx, thread })
}

/// A running simulator. Stops when dropped. `Sync`: one thread may `restart` it while others
/// use it.
pub struct SimHandle {
    url: String,
    addr: SocketAddr,
    state_file: Option<PathBuf>,
    max_connections: usize,
    server: Mutex<Option<Server>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle").field("url", &self.url).finish_non_exhaustive()
    }
}

impl SimHandle {
    /// The state of the server running now (after a restart, the new one's).
    fn shared(&self) -> Arc<Shared> {
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner());
        match server.as_ref() {
            Some(s) => s.shared.clone(),
            // Stopped: an empty state, so calls on a stopped handle do not panic.
            None => Arc::new(Shared::new(
                Inner::new(Fixture::default(), Settings::default()),
                tokens::TokenKey::generate(),
                false,
                self.url.clone(),
                None,
                0,
            )),
        }
    }

    /// Restarts the simulator on the same address, as a process restart would look: every open
    /// connection is dropped (in-flight calls see a reset or a closed connection, and their
    /// route's work is either committed before or not done at all), nothing listens for
    /// `downtime` (new connections are refused), then a new server starts from the persisted
    /// state: the state file when there is one, else the same JSON snapshot kept in memory.
    /// Tokens issued before stay valid (the key is part of the state). Faults, settings and the
    /// call log are carried over in memory.
    pub fn restart(&self, downtime: Duration) -> Result<(), SimError> {
        let mut guard = self.server.lock().unwrap_or_else(|p| p.into_inner());
        let old = guard.take().ok_or_else(|| SimError::Admin("the simulator is stopped".into()))?.shut_down();
        if let Some(e) = old.lock().persist_error.take() {
            return Err(SimError::Admin(e));
        }
        let snapshot = match &self.state_file {
            Some(path) => persist::Snapshot::load(path)?.ok_or_else(|| SimError::Admin("the state file is empty".into()))?,
            None => persist::Snapshot::from_json(&old.snapshot().to_json()).map_err(SimError::Admin)?,
        };
        let generation = snapshot.generation();
        let (fixture, settings, faults, calls) = {
            let mut o = old.lock();
            (o.fixture.clone(), o.settings.clone(), std::mem::take(&mut o.faults), std::mem::take(&mut o.calls))
        };
        let mut inner = Inner::new(fixture, settings);
        inner.faults = faults;
        inner.calls = calls;
        let key = snapshot.restore(&mut inner).map_err(SimError::Admin)?;
        std::thread::sleep(downtime);
        // The old listener is closed; bind again (SO_REUSEADDR is set by std on Unix), retrying
        // briefly in case the OS has not released the port yet.
        let mut tries = 0;
        let listener = loop {
            match StdListener::bind(self.addr) {
                Ok(l) => break l,
                Err(source) if tries >= 50 => return Err(SimError::Bind { addr: self.addr, source }),
                Err(_) => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        };
        let shared = Arc::new(Shared::new(inner, key, old.admin, self.url.clone(), self.state_file.clone(), generation));
        *guard = Some(serve_on(listener, shared, self.max_connections)?);
        Ok(())
    }

    /// The last failure to write the state file, if any (cleared by reading it).
    pub fn take_state_error(&self) -> Option<String> {
        self.shared().lock().persist_error.take()
    }

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
        self.shared().issuer()
    }

    /// Maskinporten token endpoint: `{url}/token`.
    pub fn token_endpoint(&self) -> String {
        format!("{}/token", self.url)
    }

    /// An access token for a vendor with these scopes, valid for an hour; the in-process
    /// equivalent of `POST /_sim/token`.
    pub fn mint_token(&self, vendor_org_no: &str, scopes: &[&str]) -> String {
        routes::admin::mint(&self.shared(), vendor_org_no, scopes, 3600, true)
    }

    /// Like `mint_token` with a chosen lifetime (zero or negative: already expired) and
    /// optionally without the `consumer` claim.
    pub fn mint_token_with(&self, vendor_org_no: &str, scopes: &[&str], expires_in_secs: i64, consumer: bool) -> String {
        routes::admin::mint(&self.shared(), vendor_org_no, scopes, expires_in_secs, consumer)
    }

    /// Approves a request as the customer would (creates the system user).
    pub fn approve(&self, request_id: &str) -> Result<(), SimError> {
        let shared = self.shared();
        let done =
            lifecycle::approve(&mut shared.lock(), request_id, None).map(|_| ()).map_err(|e| SimError::Admin(format!("{}: {e}", e.code())));
        shared.persist();
        done
    }

    /// Rejects a request as the customer would.
    pub fn reject(&self, request_id: &str) -> Result<(), SimError> {
        let shared = self.shared();
        let done = lifecycle::reject(&mut shared.lock(), request_id, None).map_err(|e| SimError::Admin(format!("{}: {e}", e.code())));
        shared.persist();
        done
    }

    /// Approves a change request as the customer would: the system user gets the required rights
    /// and packages and loses the unwanted ones.
    pub fn approve_change(&self, change_request_id: &str) -> Result<(), SimError> {
        let shared = self.shared();
        let done =
            lifecycle::approve_change(&mut shared.lock(), change_request_id).map_err(|e| SimError::Admin(format!("{}: {e}", e.code())));
        shared.persist();
        done
    }

    /// Rejects a change request as the customer would.
    pub fn reject_change(&self, change_request_id: &str) -> Result<(), SimError> {
        let shared = self.shared();
        let done =
            lifecycle::reject_change(&mut shared.lock(), change_request_id).map_err(|e| SimError::Admin(format!("{}: {e}", e.code())));
        shared.persist();
        done
    }

    /// Deletes a system user as the customer would in the portal (API.md §14): a standard one
    /// loses its rights and packages, is flagged deleted, then its request is soft-deleted; an
    /// agent one has its request soft-deleted first, then loses its clients and is flagged.
    pub fn delete_system_user(&self, system_user_id: &str) -> Result<(), SimError> {
        let shared = self.shared();
        let done = lifecycle::delete_system_user(&mut shared.lock(), system_user_id, false)
            .map_err(|e| SimError::Admin(format!("{}: {e}", e.code())));
        shared.persist();
        done
    }

    /// The bureau `bureau_org_no` approves its own standard system user for the register's first
    /// system holding `urn:altinn:accesspackage:klientadministrator` (`314248295_smartregnskap` in
    /// the default fixture), with `external_ref` (default: the org number): the request is created
    /// as that system's vendor would and approved. Returns the system user id. A Maskinporten
    /// system-user token for it with `altinn:clientdelegations.read`/`.write`, exchanged at
    /// `exchange/maskinporten`, may then administer the bureau's clients (API.md §12).
    pub fn approve_client_administrator(&self, bureau_org_no: &str, external_ref: Option<&str>) -> Result<String, SimError> {
        let shared = self.shared();
        let done = lifecycle::approve_client_administrator(&mut shared.lock(), None, bureau_org_no, external_ref)
            .map(|u| u.id)
            .map_err(SimError::Admin);
        shared.persist();
        done
    }

    /// Takes an organisation out of the register (as when it leaves the Central Coordinating
    /// Register): new requests for it get AUTH-00000, and the client-delegation routes answer 404
    /// for a system user it owns. `POST /_sim/reset` brings it back.
    pub fn deregister_organization(&self, org_no: &str) -> Result<(), SimError> {
        let shared = self.shared();
        let done = {
            let mut inner = shared.lock();
            match inner.organization(org_no) {
                Some(_) => {
                    inner.store.deregistered.push(org_no.to_string());
                    Ok(())
                }
                None => Err(SimError::Admin(format!("{org_no} is not in the register"))),
            }
        };
        shared.persist();
        done
    }

    /// The organisation numbers of the synthetic customers in the register now
    /// (`syntheticCustomers`), in order: `synthetic_org_no(0..n)`.
    pub fn synthetic_customers(&self) -> Vec<String> {
        let n = self.shared().lock().settings.synthetic_customers;
        (0..n).map(synthetic_org_no).collect()
    }

    /// The `iss` of the Altinn tokens the Maskinporten exchange issues:
    /// `{url}/authentication/api/v1/openid/`.
    pub fn altinn_issuer(&self) -> String {
        routes::exchange::altinn_issuer(&self.shared())
    }

    /// Moves the data clock forward (request timestamps and timeouts; not token validity).
    pub fn advance_clock(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        let shared = self.shared();
        shared.lock().clock.advance_micros(micros);
        shared.persist();
    }

    /// Arms a fault; returns its id.
    pub fn arm_fault(&self, spec: FaultSpec) -> Result<u64, SimError> {
        self.shared().lock().faults.arm(spec, FAULT_ROUTES).map_err(|e| SimError::Admin(e.to_string()))
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.shared().lock().settings.clone()
    }

    /// Replaces the settings while running (route names in `latency` and `throttle` that are
    /// not route names simply never match; `PUT /_sim/settings` refuses them).
    pub fn set_settings(&self, settings: Settings) {
        self.shared().lock().set_settings(settings);
    }

    /// Stops serving, waits for the server thread and writes the state file one last time.
    /// Idempotent.
    pub fn stop(&mut self) {
        let server = self.server.get_mut().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(server) = server {
            server.shut_down();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
