//! Throughput end to end: creates against the simulator (its own process) on loopback, with
//! 1, 4 and 16 workers; the share of this process's CPU spent inside the component.

use std::cell::Cell;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use altinn_systemuser as core_;
use systemuser_host::wit::{self, Outcome, Task};
use systemuser_host::{Capabilities, HttpTransport, Runtime, RuntimeConfig, TokenSource, UreqTransport};

use crate::harness::{other_process_cpu_ns, process_cpu_ns, thread_cpu_ns, Stat};
use crate::inputs;
use crate::report::Report;

thread_local! {
    /// CPU time this thread spent inside host imports (HTTP, token).
    static IMPORT_CPU: Cell<u64> = const { Cell::new(0) };
}

static HTTP_REQUESTS: AtomicU64 = AtomicU64::new(0);

fn timed<T>(f: impl FnOnce() -> T) -> T {
    let t = thread_cpu_ns();
    let out = f();
    IMPORT_CPU.with(|c| c.set(c.get() + thread_cpu_ns() - t));
    out
}

struct TimedHttp(UreqTransport);
impl HttpTransport for TimedHttp {
    fn send(&self, request: wit::HttpRequest) -> Result<wit::HttpResponse, wit::TransportFailure> {
        HTTP_REQUESTS.fetch_add(1, Ordering::Relaxed);
        timed(|| self.0.send(request))
    }
}

struct TimedToken(String);
impl TokenSource for TimedToken {
    fn access_token(&self, _scopes: &[String]) -> Result<String, String> {
        timed(|| Ok(self.0.clone()))
    }
}

/// The simulator binary in its own process, so that this process's CPU time is the host's.
pub struct Sim {
    child: Child,
    pub base: String,
}

impl Sim {
    pub fn start(bin: &Path) -> Sim {
        let mut child = Command::new(bin)
            .args(["--listen", "127.0.0.1:0", "--admin"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e} (run `make build`)", bin.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the simulator prints its address");
        let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_string();
        Sim { child, base }
    }
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Component,
    Native,
}

struct Run {
    wall: f64,
    latency: Stat,
    process_cpu: f64,
    logic_cpu: f64,
    import_cpu: f64,
    sim_cpu: f64,
    http: u64,
}

fn one(mode: Mode, runtime: &Runtime, sim_bin: &Path, creates: usize, workers: usize) -> Run {
    let sim = Sim::start(sim_bin);
    let http = UreqTransport::new();
    let token = inputs::mint_token(&http, &sim.base);
    let wcfg = inputs::wit_config(&sim.base);
    let ccfg = inputs::core_config(&sim.base);
    let next = AtomicUsize::new(0);
    let logic = AtomicU64::new(0);
    let imports = AtomicU64::new(0);
    let latencies = Mutex::new(Vec::with_capacity(creates));
    HTTP_REQUESTS.store(0, Ordering::Relaxed);
    let caps = Capabilities::new(TimedHttp(UreqTransport::new()), TimedToken(token.clone()));
    let token = Arc::new(token);
    let (cpu0, sim0) = (process_cpu_ns(), other_process_cpu_ns(sim.pid()));
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let transport = TimedHttp(UreqTransport::new());
                // As `Client` does: one session per worker, reused (a trap would drop its store).
                let mut session = runtime.session_with(caps.clone());
                // The native core's counterpart of the session's instance: one cache per worker
                // (tokens and the registered system its pre-flights read).
                let cache = core_::instance::SharedCache::default();
                let mut lat = Vec::new();
                let (mut my_logic, mut my_imports) = (0u64, 0u64);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= creates {
                        break;
                    }
                    let ext = format!("B-{i:06}");
                    let t = Instant::now();
                    let cpu = thread_cpu_ns();
                    let imp = IMPORT_CPU.with(Cell::get);
                    match mode {
                        Mode::Component => {
                            let out = session.run(&wcfg, &Task::CreateStandardRequest(inputs::wit_input(&ext))).expect("no trap");
                            assert!(matches!(out, Ok(Outcome::Created(ref c)) if c.is_new), "create {ext}: {out:?}");
                        }
                        Mode::Native => {
                            let task = core_::operation::Task::CreateStandardRequest(inputs::core_input(&ext));
                            let now = core_::model::DateTime { seconds: 1_790_000_000, nanoseconds: 0 };
                            let mut op = core_::operation::Operation::with_cache(ccfg.clone(), task, now, &[7; 16], cache.clone());
                            core_::operation::drive(&mut op, &mut NativeIo { token: &token, transport: &transport, now });
                            let out = op.finish();
                            assert!(matches!(out, Ok(core_::protocol::Outcome::Created { is_new: true, .. })), "create {ext}: {out:?}");
                        }
                    }
                    let d_imp = IMPORT_CPU.with(Cell::get) - imp;
                    my_logic += (thread_cpu_ns() - cpu).saturating_sub(d_imp);
                    my_imports += d_imp;
                    lat.push(t.elapsed().as_nanos() as f64);
                }
                logic.fetch_add(my_logic, Ordering::Relaxed);
                imports.fetch_add(my_imports, Ordering::Relaxed);
                latencies.lock().unwrap().extend(lat);
            });
        }
    });
    let wall = t0.elapsed().as_secs_f64();
    let (cpu1, sim1) = (process_cpu_ns(), other_process_cpu_ns(sim.pid()));
    Run {
        wall,
        latency: Stat::from_samples(latencies.into_inner().unwrap()),
        process_cpu: (cpu1 - cpu0) as f64 / 1e9,
        logic_cpu: logic.into_inner() as f64 / 1e9,
        import_cpu: imports.into_inner() as f64 / 1e9,
        sim_cpu: (sim1 - sim0) as f64 / 1e9,
        http: HTTP_REQUESTS.load(Ordering::Relaxed),
    }
}

/// The native core's capabilities: the same token and transport the component's host uses.
struct NativeIo<'a, T: HttpTransport> {
    token: &'a str,
    transport: &'a T,
    now: core_::model::DateTime,
}

impl<T: HttpTransport> core_::operation::Io for NativeIo<'_, T> {
    fn token(&mut self, _scopes: &[String]) -> Result<String, String> {
        timed(|| Ok(self.token.to_string()))
    }
    fn send(&mut self, request: &core_::http::HttpRequest) -> Result<core_::http::HttpResponse, core_::TransportFailure> {
        self.transport.send(inputs::to_wit_request(request)).map(inputs::to_core_response).map_err(inputs::to_core_failure)
    }
    fn sign(&mut self, _data: &[u8]) -> Result<Vec<u8>, String> {
        Err("no key in this bench".into())
    }
    fn sleep(&mut self, _ms: u32) {}
    fn now(&mut self) -> core_::model::DateTime {
        self.now
    }
}

/// Returns the largest share of process CPU spent in the component (over the worker counts).
pub fn run(report: &mut Report, component: &[u8], sim_bin: &Path, creates: usize) -> f64 {
    let runtime = Runtime::from_bytes_with(component, RuntimeConfig { pooling: true, ..RuntimeConfig::default() }).expect("loads");
    let mut rows = Vec::new();
    let mut worst_share = 0.0f64;
    for workers in [1usize, 4, 16] {
        let mut native_rate = 0.0;
        for mode in [Mode::Native, Mode::Component] {
            let r = one(mode, &runtime, sim_bin, creates, workers);
            let rate = creates as f64 / r.wall;
            let share = r.logic_cpu / r.process_cpu * 100.0;
            let vs = if mode == Mode::Native {
                native_rate = rate;
                "baseline".to_string()
            } else {
                worst_share = worst_share.max(share);
                format!("{:.2}×", native_rate / rate)
            };
            rows.push(vec![
                format!("{workers}"),
                if mode == Mode::Native { "native core".into() } else { "**component**".into() },
                format!("{:.2}", r.wall),
                format!("{rate:.0}"),
                vs,
                format!("{:.2} / {:.2}", r.latency.median / 1e6, r.latency.p90 / 1e6),
                format!("{}", r.http),
                format!("{:.2}", r.process_cpu),
                format!("{:.3} ({:.0} µs/op)", r.logic_cpu, r.logic_cpu / creates as f64 * 1e6),
                format!("**{share:.1} %**"),
                format!("{:.2}", r.import_cpu),
                format!("{:.2}", r.sim_cpu),
            ]);
            eprintln!("  e2e: {workers} workers, {:?}: {:.2} s", if mode == Mode::Native { "native" } else { "component" }, r.wall);
        }
    }
    report.table(
        &format!("Throughput end to end: {creates} creates against the simulator on loopback"),
        "The simulator runs as its own process (`target/release/altinn-sim`, fresh for each row); each create is the \
         component's idempotent create over real HTTP (ureq): the POST, after a pre-flight read of the registered system \
         only when the worker's instance has not read it in the last five minutes (one read per system per instance), so \
         HTTP requests are the creates plus one read per worker. \
         *component*: one `Session` (store + instance, pooling) per worker, reused for every create running `client.run`, as `Client`'s session pool does. \
         *native core*: the same state machine (`altinn_systemuser::operation::run`) compiled natively, same transport, one \
         instance cache per worker. \
         *logic CPU*: per-thread CPU time (`CLOCK_THREAD_CPUTIME_ID`) inside `Session::run` (or `operation::run`) minus the \
         CPU time inside the host imports (HTTP send incl. ureq and syscalls, token); for the component it includes \
         instantiation, fuel, WIT value lowering/lifting and the guest code. *share*: logic CPU / this process's CPU time \
         (`getrusage`, user + system). Simulator CPU is read from `/proc/PID/stat` (10 ms ticks).",
        &[
            "workers",
            "client",
            "wall s",
            "creates/s",
            "native / this",
            "latency p50 / p90 ms",
            "HTTP requests",
            "process CPU s",
            "logic CPU s",
            "logic share of process CPU",
            "imports CPU s",
            "simulator CPU s",
        ],
        rows,
    );
    worst_share
}
