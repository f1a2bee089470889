//! A bare host over the generated bindings: our own engine (pooling or not, fuel or not), a
//! limiter that records the guest's linear memory, and imports that do nothing. Used where the
//! bench needs what `systemuser_host::Runtime` keeps private (the `InstancePre`, the engine
//! config, the memory size, serialization).

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ResourceLimiter, Store};

use systemuser_host::generated::altinn::systemuser as imports;
use systemuser_host::generated::{Systemuser, SystemuserPre};
use systemuser_host::wit;

pub const FUEL: u64 = 10_000_000_000;
pub const MEMORY_LIMIT: usize = 64 << 20;

#[derive(Default)]
pub struct BenchState {
    /// The largest linear memory (bytes) the guest has had in this store.
    pub memory: usize,
}

impl ResourceLimiter for BenchState {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.memory = self.memory.max(desired);
        Ok(desired <= MEMORY_LIMIT)
    }
    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

impl imports::types::Host for BenchState {}
impl imports::http::Host for BenchState {
    fn send(&mut self, _request: wit::HttpRequest) -> Result<wit::HttpResponse, wit::TransportFailure> {
        Err(wit::TransportFailure { kind: wit::TransportErrorKind::Other, message: "no network in this bench".into() })
    }
}
impl imports::timer::Host for BenchState {
    fn sleep(&mut self, _ms: u32) {}
}
impl imports::signer::Host for BenchState {
    fn sign(&mut self, _data: Vec<u8>) -> Result<Vec<u8>, String> {
        Err("no key in this bench".into())
    }
}
impl imports::clock::Host for BenchState {
    fn now(&mut self) -> wit::Datetime {
        wit::Datetime { seconds: 0, nanoseconds: 0 }
    }
}
impl imports::random::Host for BenchState {
    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        vec![0; len as usize]
    }
}
impl imports::token::Host for BenchState {
    fn access_token(&mut self, _scopes: Vec<String>) -> Result<String, String> {
        Err("no token in this bench".into())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineKind {
    pub pooling: bool,
    pub fuel: bool,
}

/// Slots of the pooling allocator: room for the 1,000-tenant test.
pub const POOL_SLOTS: u32 = 1_100;

pub fn engine(kind: EngineKind) -> Engine {
    let mut config = wasmtime::Config::new();
    config.consume_fuel(kind.fuel);
    if kind.pooling {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(POOL_SLOTS)
            // wit-component adds shim modules: several core instances and tables per component.
            .total_core_instances(POOL_SLOTS * 4)
            .total_memories(POOL_SLOTS)
            .total_tables(POOL_SLOTS * 4)
            .max_memory_size(MEMORY_LIMIT);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config).expect("engine")
}

pub fn pre(engine: &Engine, component: &Component) -> SystemuserPre<BenchState> {
    let mut linker = Linker::<BenchState>::new(engine);
    Systemuser::add_to_linker::<BenchState, HasSelf<BenchState>>(&mut linker, |s| s).expect("linker");
    SystemuserPre::new(linker.instantiate_pre(component).expect("instantiate_pre")).expect("bindings")
}

/// A fresh store and instance: what a host does per unit of work.
pub fn instantiate(engine: &Engine, pre: &SystemuserPre<BenchState>, fuel: bool) -> (Store<BenchState>, Systemuser) {
    let mut store = Store::new(engine, BenchState::default());
    store.limiter(|s| s);
    if fuel {
        store.set_fuel(FUEL).expect("fuel");
    }
    let bindings = pre.instantiate(&mut store).expect("instantiate");
    (store, bindings)
}
