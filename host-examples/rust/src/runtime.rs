//! Loading the component once and running calls in fresh, bounded stores.
//!
//! One `Engine` and one `InstancePre` per `Runtime` (compiled once, shared through an `Arc`);
//! one `Store` per `Session`. A trap poisons a wasmtime store for good, so a session drops its
//! store after any failed call and the next call instantiates a new one.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, ResourceLimiter, Store};

use crate::bindings::{altinn::systemuser as imports, wit, Systemuser, SystemuserPre};
use crate::capabilities::Capabilities;
use crate::error::HostError;

/// Bounds on one store. The defaults are generous for this component (a few hundred KB of
/// code, small JSON documents) and still stop a runaway guest quickly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel for each call into the component (about one unit per wasm instruction).
    pub fuel_per_call: u64,
    /// Upper bound of the guest's linear memory, in bytes.
    pub memory_bytes: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits { fuel_per_call: 10_000_000_000, memory_bytes: 64 << 20 };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// How the engine is set up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuntimeConfig {
    /// The limits each new session starts with.
    pub limits: Limits,
    /// Pre-allocate instance slots (worth it for servers running many short sessions; it
    /// reserves address space up front, so it is off by default).
    pub pooling: bool,
    /// Keep the compiled component in this directory (created if missing) and load it from
    /// there on the next start: milliseconds instead of a compilation. The file is named by
    /// the component's SHA-256 and the engine's compatibility hash, so a new component or
    /// wasmtime never loads a stale one. **The directory must be trusted**: a compiled
    /// artifact is machine code that is mapped into the process as is, so only the service's
    /// own user may write there. A directory that cannot be written costs a compilation on
    /// each start, never a failure.
    pub cache_dir: Option<PathBuf>,
}

/// The memory limiter refused to grow the guest's memory past `Limits::memory_bytes`.
#[derive(Debug, thiserror::Error)]
#[error("the component asked for {desired} bytes of memory; the limit is {limit}")]
pub(crate) struct MemoryLimitExceeded {
    desired: usize,
    limit: usize,
}

struct Limiter {
    memory_bytes: usize,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        // An error (not `Ok(false)`) traps right away with a cause the host can name; `false`
        // would make the guest's allocator abort with an anonymous `unreachable`.
        if desired > self.memory_bytes {
            return Err(MemoryLimitExceeded { desired, limit: self.memory_bytes }.into());
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// The data of one store: the limiter and the capabilities the imports call.
pub struct HostState {
    limiter: Limiter,
    caps: Capabilities,
}

impl fmt::Debug for HostState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostState").field("memory_bytes", &self.limiter.memory_bytes).finish_non_exhaustive()
    }
}

impl imports::types::Host for HostState {}

impl imports::http::Host for HostState {
    fn send(&mut self, request: wit::HttpRequest) -> Result<wit::HttpResponse, wit::TransportFailure> {
        self.caps.http.send(request)
    }
}

impl imports::timer::Host for HostState {
    fn sleep(&mut self, ms: u32) {
        self.caps.timer.sleep(ms)
    }
}

impl imports::signer::Host for HostState {
    fn sign(&mut self, data: Vec<u8>) -> Result<Vec<u8>, String> {
        self.caps.signer.sign(&data)
    }
}

impl imports::clock::Host for HostState {
    fn now(&mut self) -> wit::Datetime {
        self.caps.clock.now()
    }
}

impl imports::random::Host for HostState {
    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        self.caps.random.random_bytes(len)
    }
}

impl imports::token::Host for HostState {
    fn access_token(&mut self, scopes: Vec<String>) -> Result<String, String> {
        self.caps.token.access_token(&scopes)
    }
}

struct Shared {
    engine: Engine,
    pre: SystemuserPre<HostState>,
    limits: Limits,
}

/// The compiled component, ready to instantiate. Clone it freely: clones share the engine
/// and the compiled code.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime").field("limits", &self.shared.limits).finish_non_exhaustive()
    }
}

impl Runtime {
    /// Reads and compiles the component at `path` with the default configuration.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, HostError> {
        Self::load_with(path, RuntimeConfig::default())
    }

    pub fn load_with(path: impl AsRef<Path>, config: RuntimeConfig) -> Result<Self, HostError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| HostError::ComponentMissing { path: path.to_owned(), reason: e.to_string() })?;
        Self::from_bytes_with(&bytes, config)
    }

    /// Compiles a component held in memory (binary or WAT text is not accepted: binary only).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, HostError> {
        Self::from_bytes_with(bytes, RuntimeConfig::default())
    }

    pub fn from_bytes_with(bytes: &[u8], config: RuntimeConfig) -> Result<Self, HostError> {
        let load = |e: wasmtime::Error| HostError::Load(format!("{e:#}"));
        let mut engine_config = wasmtime::Config::new();
        engine_config.consume_fuel(true);
        if config.pooling {
            let mut pool = wasmtime::PoolingAllocationConfig::default();
            // 100 concurrent sessions; each slot reserves address space, not memory.
            pool.total_component_instances(100)
                .total_core_instances(100)
                .total_memories(100)
                .total_tables(100)
                .max_memory_size(config.limits.memory_bytes);
            engine_config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        }
        let engine = Engine::new(&engine_config).map_err(load)?;
        let component = match &config.cache_dir {
            Some(dir) => crate::cache::load_or_compile(&engine, bytes, dir).map_err(load)?,
            None => Component::from_binary(&engine, bytes).map_err(load)?,
        };

        let mut linker = Linker::<HostState>::new(&engine);
        Systemuser::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state).map_err(load)?;
        // Fails here, once, when the component needs an import this host does not provide
        // (e.g. built against another version of the WIT).
        let pre = linker.instantiate_pre(&component).map_err(load)?;
        let pre = SystemuserPre::new(pre).map_err(load)?;
        Ok(Runtime { shared: Arc::new(Shared { engine, pre, limits: config.limits }) })
    }

    /// The engine, e.g. to inspect the component's type.
    pub fn engine(&self) -> &Engine {
        &self.shared.engine
    }

    /// The compiled component (its imports and exports are in `component().component_type()`).
    pub fn component(&self) -> &Component {
        self.shared.pre.instance_pre().component()
    }

    /// The limits new sessions start with.
    pub fn limits(&self) -> Limits {
        self.shared.limits
    }

    /// A session with no token and real HTTP: enough for validation and the sans-IO exports.
    pub fn session(&self) -> Session {
        self.session_with(Capabilities::offline())
    }

    /// A session whose imports use `caps`.
    pub fn session_with(&self, caps: Capabilities) -> Session {
        Session { runtime: self.clone(), caps, limits: self.shared.limits, live: None }
    }
}

struct Live {
    store: Store<HostState>,
    bindings: Systemuser,
}

/// A unit of work: one store and one instance, created on the first call and replaced after
/// a failed one. Not `Sync`: give each thread or task its own session (they are cheap).
pub struct Session {
    runtime: Runtime,
    caps: Capabilities,
    limits: Limits,
    live: Option<Live>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").field("limits", &self.limits).field("instantiated", &self.live.is_some()).finish_non_exhaustive()
    }
}

impl Session {
    /// The limits used from the next call on (memory applies to the current store too).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        if let Some(live) = &mut self.live {
            live.store.data_mut().limiter.memory_bytes = limits.memory_bytes;
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Calls into the component through its generated bindings; every export is reachable this
    /// way. The store gets a fresh fuel budget first. On any error the store is dropped, so a
    /// trap never leaks into the next call.
    ///
    /// ```no_run
    /// # let runtime = systemuser_host::Runtime::load("component.wasm")?;
    /// let mut session = runtime.session();
    /// let org = session.call(|component, store| {
    ///     component.altinn_systemuser_validation().call_check_org_no(store, "0192:310816191")
    /// })?;
    /// # Ok::<(), systemuser_host::HostError>(())
    /// ```
    pub fn call<R>(&mut self, f: impl FnOnce(&Systemuser, &mut Store<HostState>) -> wasmtime::Result<R>) -> Result<R, HostError> {
        let fuel = self.limits.fuel_per_call;
        let live = self.live()?;
        live.store.set_fuel(fuel).map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
        match f(&live.bindings, &mut live.store) {
            Ok(value) => Ok(value),
            Err(err) => {
                self.live = None;
                Err(HostError::from_call(err))
            }
        }
    }

    fn live(&mut self) -> Result<&mut Live, HostError> {
        if self.live.is_none() {
            self.live = Some(self.instantiate()?);
        }
        self.live.as_mut().ok_or_else(|| HostError::Instantiate("no instance".into()))
    }

    fn instantiate(&self) -> Result<Live, HostError> {
        let shared = &self.runtime.shared;
        let state = HostState { limiter: Limiter { memory_bytes: self.limits.memory_bytes }, caps: self.caps.clone() };
        let mut store = Store::new(&shared.engine, state);
        store.limiter(|state| &mut state.limiter);
        store.set_fuel(self.limits.fuel_per_call).map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
        let bindings = shared.pre.instantiate(&mut store).map_err(|e| match HostError::from_call(e) {
            // Running out of fuel or memory while starting up is still a trap.
            trap @ HostError::Trap { kind: crate::TrapKind::OutOfFuel | crate::TrapKind::MemoryLimit, .. } => trap,
            HostError::Trap { message, .. } => HostError::Instantiate(message),
            other => other,
        })?;
        Ok(Live { store, bindings })
    }
}
