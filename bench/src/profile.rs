//! `systemuser-bench profile …`: one operation N times and nothing else, for
//! `valgrind --tool=callgrind` (instruction counts are repeatable on a busy machine, wall time
//! is not). `bench/profile.sh` drives it:
//!
//! - `profile prepare DIR [--component FILE]`: asks a simulator once for the responses to a
//!   create, a get and a list page (kept in `DIR/responses.json`, so that the profiled runs need
//!   no simulator and no network), and precompiles the component for each engine setup into
//!   `DIR/<setup>.cwasm` (run it under `valgrind --tool=none`: the code must be compiled for the
//!   CPU features valgrind reports, or `Component::deserialize` refuses it).
//! - `profile run DIR OP SIDE N [--warmup W]`: OP is `create`, `get` or `list`; SIDE is `native`
//!   (`altinn_systemuser::protocol` compiled natively) or a component setup: `fuel` (the product
//!   path: fuel metering, a fresh budget before every call, as `Session::call` does), `nofuel`,
//!   `epoch` (epoch interruption instead of fuel). W warm-up operations (default 20), then N
//!   operations inside [`measured`], the only function callgrind collects in
//!   (`--collect-atstart=no --toggle-collect='*profile::measured*'`): engine creation, loading
//!   the component, instantiation and the first calls stay out of the counts, and Ir / N is the
//!   cost of one operation (build + parse).
//! - `profile report DIR [OP …]`: reads `DIR/<op>.<side>.callgrind` (N from the command line
//!   callgrind recorded in each) and prints the markdown tables.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use wasmtime::component::Component;
use wasmtime::{Engine, Store};

use systemuser_host::wit;

use crate::host::{self, BenchState};
use crate::inputs;

/// The component setups profiled, with what `report` calls them.
pub const SETUPS: [(&str, &str); 3] =
    [("fuel", "component, fuel (product path)"), ("nofuel", "component, no fuel"), ("epoch", "component, epoch interruption")];
/// The operations profiled, with what `report` calls them.
pub const OPS: [(&str, &str); 3] =
    [("create", "create: build + parse"), ("get", "get: build + parse"), ("list", "list page (50 items): build + parse")];

const USAGE: &str = "systemuser-bench profile prepare DIR [--component FILE]
systemuser-bench profile run DIR create|get|list native|fuel|nofuel|epoch N [--warmup W]
systemuser-bench profile report DIR [OP …]   (default: create list)";

pub fn main(root: &Path, args: &[String]) {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["prepare", dir, rest @ ..] => {
            let component = match rest {
                [] => root.join("target/wasm/altinn_systemuser.wasm"),
                ["--component", file] => PathBuf::from(file),
                _ => die("prepare DIR [--component FILE]"),
            };
            prepare(root, Path::new(dir), &component)
        }
        ["run", dir, op, side, n, rest @ ..] => {
            let warmup = match rest {
                [] => 20,
                ["--warmup", w] => w.parse().unwrap_or_else(|_| die("--warmup W")),
                _ => die("run … [--warmup W]"),
            };
            run(Path::new(dir), op, side, n.parse().unwrap_or_else(|_| die("N")), warmup)
        }
        ["report", dir, ops @ ..] => {
            let ops: Vec<&str> = if ops.is_empty() { vec!["create", "list"] } else { ops.to_vec() };
            print!("{}", report(Path::new(dir), &ops))
        }
        _ => die("unknown profile command"),
    }
}

fn die(msg: &str) -> ! {
    eprintln!("systemuser-bench profile: {msg}\n\n{USAGE}");
    std::process::exit(2)
}

// ---------------------------------------------------------------------------------------------
// prepare

fn response_json(r: &wit::HttpResponse) -> Value {
    json!({
        "status": r.status,
        "headers": r.headers.iter().map(|h| [h.name.as_str(), h.value.as_str()]).collect::<Vec<_>>(),
        "body": String::from_utf8(r.body.clone()).expect("the simulator answers in UTF-8"),
    })
}

fn response_from(v: &Value) -> wit::HttpResponse {
    wit::HttpResponse {
        status: v["status"].as_u64().expect("status") as u16,
        headers: v["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .map(|h| wit::Header { name: h[0].as_str().expect("name").into(), value: h[1].as_str().expect("value").into() })
            .collect(),
        body: v["body"].as_str().expect("body").as_bytes().to_vec(),
    }
}

/// The engine of one setup. No pooling allocator: valgrind cannot reserve its address space.
fn engine(setup: &str) -> Engine {
    let mut config = wasmtime::Config::new();
    match setup {
        "fuel" => {
            config.consume_fuel(true);
        }
        "nofuel" => {}
        "epoch" => {
            config.epoch_interruption(true);
        }
        other => die(&format!("unknown setup {other}")),
    }
    Engine::new(&config).expect("engine")
}

fn prepare(root: &Path, dir: &Path, component: &Path) {
    std::fs::create_dir_all(dir).expect("profile dir");
    let bytes = std::fs::read(component).unwrap_or_else(|e| die(&format!("cannot read {}: {e}", component.display())));
    let bin_dir =
        std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)).unwrap_or_else(|| root.join("target/release"));
    let sim = crate::e2e::Sim::start(&bin_dir.join("altinn-sim"));
    let cases = inputs::cases(&sim.base);
    let base = sim.base.clone();
    drop(sim);
    let id = match &cases[1].wit_call {
        wit::Call::GetRequest(r) => r.id.clone(),
        _ => unreachable!("the second case is the get"),
    };
    let recorded = json!({
        "base": base,
        "id": id,
        "create": response_json(&cases[0].wit_response),
        "get": response_json(&cases[1].wit_response),
        "list": response_json(&cases[2].wit_response),
    });
    std::fs::write(dir.join("responses.json"), serde_json::to_string_pretty(&recorded).expect("JSON")).expect("responses.json");
    for (setup, _) in SETUPS {
        let code = engine(setup).precompile_component(&bytes).expect("the component compiles");
        std::fs::write(dir.join(format!("{setup}.cwasm")), code).expect("cwasm");
    }
    eprintln!("profile: {} ready ({} B component, {})", dir.display(), bytes.len(), component.display());
}

// ---------------------------------------------------------------------------------------------
// run

/// The profiled loop: callgrind counts instructions only while this function is on the stack.
#[inline(never)]
fn measured(n: u64, op: &mut dyn FnMut()) {
    for _ in 0..n {
        op();
    }
}

fn run(dir: &Path, op: &str, side: &str, n: u64, warmup: u64) {
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("responses.json")).unwrap_or_else(|e| die(&format!("{}: {e} (run prepare)", dir.display()))),
    )
    .expect("responses.json");
    let base = recorded["base"].as_str().expect("base").to_string();
    let cases = inputs::from_responses(
        recorded["id"].as_str().expect("id"),
        response_from(&recorded["create"]),
        response_from(&recorded["get"]),
        response_from(&recorded["list"]),
    );
    let c = &cases[match op {
        "create" => 0,
        "get" => 1,
        "list" => 2,
        other => die(&format!("unknown operation {other}")),
    }];
    let (wcfg, ccfg) = (inputs::wit_config(&base), inputs::core_config(&base));
    if side == "native" {
        let mut once = || {
            altinn_systemuser::protocol::build(&ccfg, &c.core_call).expect("valid");
            std::hint::black_box(altinn_systemuser::protocol::parse(&ccfg, &c.core_call, &c.core_response).expect("parses"));
        };
        measured(0, &mut once);
        for _ in 0..warmup {
            once();
        }
        measured(n, &mut once);
        return;
    }
    let engine = engine(side);
    // SAFETY: the file was written by `prepare` with `Engine::precompile_component` of the same
    // wasmtime and the same setup, and nothing changes it while it is mapped.
    let component = unsafe { Component::deserialize_file(&engine, dir.join(format!("{side}.cwasm"))) }
        .unwrap_or_else(|e| die(&format!("{side}.cwasm: {e:#} (prepare it under the same valgrind)")));
    write_jit_map(&dir.join(format!("{op}.{side}.jitmap")), &component);
    let pre = host::pre(&engine, &component);
    let mut store = Store::new(&engine, BenchState::default());
    store.limiter(|s| s);
    let fuel = side == "fuel";
    if fuel {
        store.set_fuel(host::FUEL).expect("fuel");
    }
    if side == "epoch" {
        store.set_epoch_deadline(1 << 40);
    }
    let bindings = pre.instantiate(&mut store).expect("instantiate");
    let mut once = || {
        let p = bindings.altinn_systemuser_protocol();
        // What `Session::call` does before each call on the product path.
        if fuel {
            store.set_fuel(host::FUEL).expect("fuel");
        }
        p.call_build(&mut store, &wcfg, &c.wit_call).expect("no trap").expect("valid");
        if fuel {
            store.set_fuel(host::FUEL).expect("fuel");
        }
        std::hint::black_box(p.call_parse(&mut store, &wcfg, &c.wit_call, &c.wit_response).expect("no trap").expect("parses"));
    };
    for _ in 0..warmup {
        once();
    }
    measured(n, &mut once);
}

/// Where the JIT code of each guest function lies in this process (valgrind sees the code as
/// anonymous memory without symbols): `text START LEN`, then `START LEN MODULE INDEX NAME` per
/// function (NAME `-` when the component has no name section).
fn write_jit_map(path: &Path, component: &Component) {
    let text = component.text();
    let base = text.as_ptr() as usize;
    let mut out = format!("text {base:x} {}\n", text.len());
    let number = |debug: String| debug.chars().filter(char::is_ascii_digit).collect::<String>();
    for f in component.functions() {
        out.push_str(&format!(
            "{:x} {} {} {} {}\n",
            base + f.offset,
            f.len,
            number(format!("{:?}", f.module)),
            number(format!("{:?}", f.index)),
            f.name.as_deref().unwrap_or("-").replace(char::is_whitespace, "_")
        ));
    }
    std::fs::write(path, out).expect("jit map");
}

/// The guest functions' code ranges, from [`write_jit_map`].
struct JitMap {
    text: (usize, usize),
    /// (start, len, label), sorted by start.
    funcs: Vec<(usize, usize, String)>,
}

impl JitMap {
    fn load(path: &Path) -> Option<JitMap> {
        let text = std::fs::read_to_string(path).ok()?;
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next()?.split_whitespace().collect();
        let hex = |s: &str| usize::from_str_radix(s, 16).ok();
        let text_range = (hex(head.get(1)?)?, head.get(2)?.parse().ok()?);
        let mut funcs = Vec::new();
        for l in lines {
            let w: Vec<&str> = l.split_whitespace().collect();
            if w.len() < 5 {
                continue;
            }
            let (Some(start), Ok(len)) = (hex(w[0]), w[1].parse::<usize>()) else { continue };
            let name = if w[4] == "-" { String::new() } else { format!(" {}", w[4]) };
            funcs.push((start, len, format!("wasm[{}]::function[{}]{name}", w[2], w[3])));
        }
        funcs.sort();
        Some(JitMap { text: text_range, funcs })
    }

    /// The guest function at `addr`, or what else in the JIT code it is.
    fn label(&self, addr: usize) -> String {
        let i = self.funcs.partition_point(|f| f.0 <= addr);
        if i > 0 {
            let (start, len, label) = &self.funcs[i - 1];
            if addr < start + len.max(&1) {
                return label.clone();
            }
        }
        if addr >= self.text.0 && addr < self.text.0 + self.text.1 {
            "(JIT: trampolines between host and wasm)".into()
        } else {
            "(JIT code outside the component's text)".into()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// report: callgrind's output files, read directly (self cost per function, and the cost of
// each call arc for the caller split of malloc and memcpy).

#[derive(Default)]
struct Profile {
    total: u64,
    /// N of the `profile run` command that callgrind ran.
    n: u64,
    /// Self cost per (object, function).
    selfcost: HashMap<(String, String), u64>,
    /// Inclusive cost of calls, per (caller object, caller function, callee object, callee function).
    arcs: HashMap<(String, String, String, String), u64>,
}

fn load(path: &Path) -> Profile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
    let mut p = Profile::default();
    // Name compression: `fn=(12) name` defines id 12, `fn=(12)` refers to it; `ob`/`cob` and
    // `fn`/`cfn` share one table each.
    let (mut obs, mut fns): (HashMap<String, String>, HashMap<String, String>) = (HashMap::new(), HashMap::new());
    let name = |table: &mut HashMap<String, String>, v: &str| -> String {
        let v = v.trim();
        if let Some(rest) = v.strip_prefix('(') {
            let (id, tail) = rest.split_once(')').unwrap_or((rest, ""));
            let tail = tail.trim();
            if tail.is_empty() {
                table.get(id).cloned().unwrap_or_default()
            } else {
                table.insert(id.to_string(), tail.to_string());
                tail.to_string()
            }
        } else {
            v.to_string()
        }
    };
    let (mut ob, mut func, mut cob, mut cfn) = (String::new(), String::new(), String::new(), String::new());
    let mut cob_set = false;
    let mut in_call = false;
    let cost = |line: &str| -> u64 { line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0) };
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("ob=") {
            ob = name(&mut obs, v);
        } else if let Some(v) = line.strip_prefix("fn=") {
            func = name(&mut fns, v);
        } else if let Some(v) = line.strip_prefix("cob=") {
            cob = name(&mut obs, v);
            cob_set = true;
        } else if let Some(v) = line.strip_prefix("cfn=") {
            cfn = name(&mut fns, v);
        } else if line.starts_with("calls=") {
            in_call = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-' || c == '*') {
            let c = cost(line);
            if in_call {
                let callee_ob = if cob_set { cob.clone() } else { ob.clone() };
                *p.arcs.entry((ob.clone(), func.clone(), callee_ob, cfn.clone())).or_default() += c;
                in_call = false;
                cob_set = false;
            } else {
                *p.selfcost.entry((ob.clone(), func.clone())).or_default() += c;
            }
        } else if let Some(v) = line.strip_prefix("cmd:") {
            let words: Vec<&str> = v.split_whitespace().collect();
            p.n = words.iter().position(|w| *w == "run").and_then(|i| words.get(i + 4)).and_then(|w| w.parse().ok()).unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("summary:").or_else(|| line.strip_prefix("totals:")) {
            p.total = p.total.max(v.trim().parse().unwrap_or(0));
        }
    }
    let sum: u64 = p.selfcost.values().sum();
    p.total = p.total.max(sum);
    p
}

/// Where the component's instructions go.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
enum Cat {
    Guest,
    Builtins,
    LowerLift,
    Entry,
    Malloc,
    Memcpy,
    Rest,
}

const CATS: [(Cat, &str); 7] = [
    (Cat::Guest, "guest wasm code (JIT: the core compiled by cranelift, incl. fuel or epoch checks)"),
    (Cat::Builtins, "wasmtime builtins the guest calls (`memory.copy`/`fill`/`grow` libcalls …)"),
    (Cat::LowerLift, "lowering/lifting WIT values, host side (`component::func`, typed `Lower`/`Lift`, realloc calls, bindings)"),
    (Cat::Entry, "call entry/exit (trampolines into wasm, trap handling setup, store, fuel/epoch setting)"),
    (Cat::Malloc, "malloc/free (host side)"),
    (Cat::Memcpy, "memcpy/memmove/memset/memcmp"),
    (Cat::Rest, "the rest (host Rust: dropping results, the loop, …)"),
];

fn category(ob: &str, f: &str) -> Cat {
    let jit = ob == "???" || ob.is_empty() && f.starts_with("0x") || ob.ends_with(".cwasm");
    if jit {
        return Cat::Guest;
    }
    let libc = ob.contains("libc.so") || ob.contains("ld-linux") || ob.contains("libc-");
    let lf = f.to_ascii_lowercase();
    let any = |keys: &[&str]| keys.iter().any(|k| f.contains(k));
    if any(&["vm::libcalls", "libcalls::raw"]) {
        return Cat::Builtins;
    }
    if libc && ["malloc", "free", "alloc", "tcache", "chunk"].iter().any(|k| lf.contains(k))
        || any(&["__rust_alloc", "__rust_dealloc", "__rust_realloc", "__rdl_", "alloc::alloc::", "alloc::raw_vec::"])
    {
        return Cat::Malloc;
    }
    if libc && (lf.contains("mem") || lf.contains("str")) {
        return Cat::Memcpy;
    }
    if f.starts_with("core::ptr::drop_in_place") && !f.contains("wasmtime") {
        return Cat::Rest;
    }
    if any(&[
        "component::func",
        // The instance's memory and realloc as lowering/lifting looks them up.
        "component::instance::Instance::options",
        "component::store::StoreComponentInstanceId",
        "component::values",
        "component::matching",
        "component::typed",
        "as wasmtime::runtime::component::",
        "wasmtime_environ::component::",
        "LowerContext",
        "LiftContext",
        "::Lower",
        "::Lift",
        "systemuser_host::bindings",
        "systemuser_host::generated",
        // Lifting a string validates its UTF-8 and copies it into a host `String`.
        "core::str::converts::from_utf8",
        "as core::convert::From<alloc::borrow::Cow<str>>",
    ]) || lf.contains("realloc")
    {
        return Cat::LowerLift;
    }
    if any(&["wasmtime", "cranelift_bforest", "fuel", "epoch", "catch_unwind"]) {
        return Cat::Entry;
    }
    Cat::Rest
}

fn file(dir: &Path, op: &str, side: &str) -> PathBuf {
    dir.join(format!("{op}.{side}.callgrind"))
}

fn group(n: f64) -> String {
    let s = format!("{:.0}", n);
    let (sign, digits) = s.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", s.as_str()));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

struct Split {
    per_op: f64,
    cats: HashMap<Cat, f64>,
    /// Inclusive cost of calls into malloc/memcpy, per callee category and caller category.
    callers: HashMap<(Cat, Cat), f64>,
    top: Vec<(String, f64)>,
    /// The part of the JIT code that is trampolines, not guest functions.
    trampolines: f64,
    /// JIT code per [`AREAS`] (meaningful when `named`: the component had a name section).
    areas: [f64; AREAS.len()],
    named: bool,
}

/// Functions listed per operation (`PROFILE_TOP` to change).
const TOP: usize = 15;

fn split(p: &Profile, jit: Option<&JitMap>) -> Split {
    let n = p.n.max(1) as f64;
    let mut cats: HashMap<Cat, f64> = HashMap::new();
    let mut fns: Vec<(String, Cat, u64)> = Vec::new();
    for ((ob, f), c) in &p.selfcost {
        let cat = category(ob, f);
        *cats.entry(cat).or_default() += *c as f64 / n;
        fns.push((f.clone(), cat, *c));
    }
    let mut callers: HashMap<(Cat, Cat), f64> = HashMap::new();
    for ((ob, f, cob, cfn), c) in &p.arcs {
        let (from, to) = (category(ob, f), category(cob, cfn));
        if matches!(to, Cat::Malloc | Cat::Memcpy) && from != to {
            *callers.entry((to, from)).or_default() += *c as f64 / n;
        }
    }
    // The JIT shows up as many nameless pieces; one line for all of them.
    let mut merged: HashMap<String, f64> = HashMap::new();
    let mut tramp = 0.0;
    let trampolines = &mut tramp;
    for (f, cat, c) in fns {
        let key = if cat == Cat::Guest && (f.starts_with("0x") || f.is_empty()) {
            // Callgrind marks recursion depth with a `'N` suffix.
            let bare = f.split('\'').next().unwrap_or_default();
            match (jit, bare.strip_prefix("0x").and_then(|h| usize::from_str_radix(h, 16).ok())) {
                (Some(map), Some(addr)) => map.label(addr),
                _ => "(JIT code without a symbol: guest wasm)".to_string(),
            }
        } else {
            f
        };
        if cat == Cat::Guest && key.starts_with("(JIT: trampolines") {
            *trampolines += c as f64 / n;
        }
        *merged.entry(key).or_default() += c as f64 / n;
    }
    let guest: Vec<String> = merged.keys().filter(|k| k.starts_with("wasm[")).cloned().collect();
    let plain = demangle_all(&guest);
    let named = guest.iter().any(|g| g.contains(' '));
    let mut areas = [0.0; AREAS.len()];
    let mut top: Vec<(String, f64)> = Vec::new();
    for (f, c) in merged {
        let f = plain.get(&f).cloned().unwrap_or(f);
        if f.starts_with("wasm[") || f.starts_with("(JIT") {
            areas[area(&f)] += c;
        }
        top.push((f, c));
    }
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.truncate(std::env::var("PROFILE_TOP").ok().and_then(|v| v.parse().ok()).unwrap_or(TOP));
    Split { per_op: p.total as f64 / n, cats, callers, top, trampolines: tramp, areas, named }
}

/// Guest function labels (`wasm[M]::function[N] SYMBOL`, the symbol from the component's name
/// section when it has one) with their Rust symbols demangled by `c++filt` (one process for
/// all; left mangled when it is missing) and without hashes.
fn demangle_all(labels: &[String]) -> HashMap<String, String> {
    use std::io::Write;
    let syms: Vec<&str> =
        labels.iter().filter_map(|l| l.split_once(' ').map(|(_, s)| s)).filter(|s| s.starts_with("_ZN") || s.starts_with("_R")).collect();
    let mut plain: HashMap<&str, String> = HashMap::new();
    if !syms.is_empty() {
        let child = std::process::Command::new("c++filt")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn();
        if let Ok(mut child) = child {
            let input = syms.join("\n") + "\n";
            let mut stdin = child.stdin.take().expect("stdin");
            let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
            if let Ok(out) = child.wait_with_output() {
                let text = String::from_utf8_lossy(&out.stdout).to_string();
                let lines: Vec<&str> = text.lines().collect();
                if lines.len() == syms.len() {
                    for (sym, line) in syms.iter().zip(lines) {
                        plain.insert(sym, line.to_string());
                    }
                }
            }
            let _ = writer.join();
        }
    }
    let mut out = HashMap::new();
    for l in labels {
        let Some((head, sym)) = l.split_once(' ') else {
            out.insert(l.clone(), l.clone());
            continue;
        };
        let name = plain.get(sym).cloned().unwrap_or_else(|| sym.to_string());
        out.insert(l.clone(), format!("{head} {}", without_hashes(&name)));
    }
    out
}

/// Legacy symbols end in `::h<16 hex>`; v0 symbols carry crate hashes as `[<hex>]`.
fn without_hashes(name: &str) -> String {
    let mut clean = String::new();
    let mut rest = name;
    while let Some(i) = rest.find('[') {
        clean.push_str(&rest[..i]);
        match rest[i..].find(']') {
            Some(j) if j > 1 && rest[i + 1..i + j].chars().all(|c| c.is_ascii_hexdigit()) => rest = &rest[i + j + 1..],
            _ => {
                clean.push('[');
                rest = &rest[i + 1..];
            }
        }
    }
    clean.push_str(rest);
    if let Some(i) = clean.rfind("::h") {
        if clean.len() - i == 19 && clean[i + 3..].chars().all(|c| c.is_ascii_hexdigit()) {
            clean.truncate(i);
        }
    }
    clean
}

/// Areas of the guest code, by the (demangled) names of its functions.
const AREAS: [&str; 11] = [
    "allocator: dlmalloc, `__rdl_*`/`__rust_*alloc`, `RawVec` growth, `cabi_realloc`",
    "JSON reader and writer (`altinn_systemuser::json`)",
    "text a char at a time: `str`/`char` iteration and methods, `String::push`, case-insensitive compares",
    "formatting (`core::fmt`, `format!`)",
    "memcpy/memset/memcmp in the guest",
    "clones and drops (`Clone`, `to_vec`, `drop_in_place`)",
    "the rest of the core (`altinn_systemuser`: model, URL, validation, protocol)",
    "wit-bindgen glue in the guest",
    "other std/core code",
    "guest functions without a name (no name section, or made by wasm-opt)",
    "trampolines between host and wasm",
];

fn area(label: &str) -> usize {
    if label.starts_with("(JIT: trampolines") {
        return 10;
    }
    let Some((_, f)) = label.split_once(' ') else { return 9 };
    let any = |keys: &[&str]| keys.iter().any(|k| f.contains(k));
    if f.starts_with('(') {
        9
    } else if any(&[
        "dlmalloc",
        "__rdl_",
        "__rust_alloc",
        "__rust_dealloc",
        "__rust_realloc",
        "alloc::alloc::",
        "raw_vec",
        "RawVec",
        "Allocator",
        "Global>::alloc",
        "cabi_realloc",
        "Vec<T,A>::reserve",
        "finish_grow",
    ]) {
        0
    } else if any(&["altinn_systemuser::json"]) {
        1
    } else if any(&[
        "core::str::",
        "<str>::",
        "<char>::",
        "core::char::",
        "String>::push",
        "CharIndices",
        "Chars",
        "eq_ignore_ascii_case",
        "to_ascii_lowercase",
        "core::unicode",
        "SliceIndex<str>",
    ]) {
        2
    } else if any(&["core::fmt", "alloc::fmt", "fmt::Write"]) {
        3
    } else if ["memcpy", "memmove", "memset", "memcmp", "bcmp"].contains(&f) || any(&["compiler_builtins::mem"]) {
        4
    } else if any(&["drop_in_place", "as core::clone::Clone", "to_vec"]) {
        5
    } else if any(&["altinn_systemuser"]) {
        6
    } else if any(&["wit_bindgen", "_export_", "cabi_post"]) {
        7
    } else {
        8
    }
}

fn label(op: &str) -> &str {
    OPS.iter().find(|(k, _)| *k == op).map(|(_, l)| *l).unwrap_or(op)
}

fn pct(part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        "—".into()
    } else {
        format!("{:.1} %", part / whole * 100.0)
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b <= 0.0 {
        "—".into()
    } else {
        format!("{:.2}×", a / b)
    }
}

pub fn report(dir: &Path, ops: &[&str]) -> String {
    let mut s = String::new();
    let have = |op: &str, side: &str| file(dir, op, side).exists();
    let mut splits: HashMap<(String, String), Split> = HashMap::new();
    let mut counts = Vec::new();
    for op in ops {
        let mut ns = Vec::new();
        for side in ["native", "fuel", "nofuel", "epoch"] {
            if have(op, side) {
                let p = load(&file(dir, op, side));
                let jit = JitMap::load(&dir.join(format!("{op}.{side}.jitmap")));
                if !ns.contains(&p.n) {
                    ns.push(p.n);
                }
                splits.insert((op.to_string(), side.to_string()), split(&p, jit.as_ref()));
            }
        }
        counts.push(format!(
            "{} {}",
            group(*ns.iter().max().unwrap_or(&0) as f64),
            if *op == "list" { "list pages" } else { "operations" }
        ));
        if ns.len() > 1 {
            counts.push(format!("(N differs between the runs of {op}: {ns:?})"));
        }
    }
    let get = |op: &str, side: &str| splits.get(&(op.to_string(), side.to_string()));

    s.push_str("### Instructions per operation (callgrind)\n\n");
    s.push_str(&format!(
        "Instructions (Ir) per operation, counted by `valgrind --tool=callgrind` over {} after a warm-up, inside \
         the measured loop only (engine, loading the precompiled component, instantiation and the first calls are not \
         counted). Repeatable to a fraction of a per cent on a busy machine, unlike the µs above. Component: wasmtime, \
         on-demand allocator (valgrind cannot reserve the pooling allocator's address space), `InstancePre` instance, \
         precompiled for the CPU features valgrind reports. *fuel*: the product path (fuel metering, a fresh budget before \
         each call); *no fuel*: no metering; *epoch*: epoch interruption instead of fuel. `bash bench/profile.sh`.\n\n",
        counts.join(", ")
    ));
    s.push_str("| operation | native Ir/op | component, fuel | component, no fuel | component, epoch | fuel / native | no fuel / native | epoch / native |\n");
    s.push_str("|:---|---:|---:|---:|---:|---:|---:|---:|\n");
    for op in ops {
        let v = |side: &str| get(op, side).map(|x| x.per_op).unwrap_or(0.0);
        let cell = |x: f64| if x > 0.0 { group(x) } else { "—".into() };
        let (nat, fu, nf, ep) = (v("native"), v("fuel"), v("nofuel"), v("epoch"));
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            label(op),
            cell(nat),
            cell(fu),
            cell(nf),
            cell(ep),
            ratio(fu, nat),
            ratio(nf, nat),
            ratio(ep, nat)
        ));
    }
    s.push('\n');

    s.push_str("### Where the component's instructions go (callgrind, per operation)\n\n");
    s.push_str(
        "Self instructions per operation by function, grouped. Valgrind sees JIT code as anonymous memory without \
         symbols: every such frame is the guest (the core module as cranelift compiled it, with its fuel or epoch \
         checks inline, and the trampolines between host and wasm); the run records where each guest function's code \
         lies, so the top-functions lists below name them `wasm[0]::function[N]`. *fuel checks* = guest code with \
         fuel − guest code without (*epoch checks* likewise). *… of which called by* splits the malloc and memcpy \
         rows by the group of their direct caller (the inclusive cost of those calls). The last rows are for \
         comparison: the same operation natively, and the guest code alone against it.\n\n",
    );
    let mut head = vec!["where".to_string()];
    let mut sides = Vec::new();
    for op in ops {
        for (side, short) in [("fuel", "fuel"), ("nofuel", "no fuel")] {
            if get(op, side).is_some() {
                head.push(format!("{} ({short}) Ir/op", op));
                head.push("share".into());
                sides.push((op.to_string(), side));
            }
        }
    }
    s.push_str(&format!("| {} |\n", head.join(" | ")));
    s.push_str(&format!("|:---|{}\n", "---:|".repeat(head.len() - 1)));
    let row = |s: &mut String, name: &str, f: &dyn Fn(&Split, &str, &str) -> Option<f64>| {
        let mut cells = vec![name.to_string()];
        for (op, side) in &sides {
            let sp = get(op, side).expect("listed");
            match f(sp, op, side) {
                Some(x) => {
                    cells.push(group(x));
                    cells.push(pct(x, sp.per_op));
                }
                None => {
                    cells.push("—".into());
                    cells.push("".into());
                }
            }
        }
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    };
    for (cat, name) in CATS {
        row(&mut s, name, &|sp, _, _| Some(sp.cats.get(&cat).copied().unwrap_or(0.0)));
        if cat == Cat::Guest {
            row(&mut s, "… of which trampolines between host and wasm (JIT code outside guest functions)", &|sp, _, _| {
                Some(sp.trampolines)
            });
        }
        if matches!(cat, Cat::Malloc | Cat::Memcpy) {
            row(&mut s, "… of which called by lowering/lifting", &|sp, _, _| {
                Some(sp.callers.get(&(cat, Cat::LowerLift)).copied().unwrap_or(0.0))
            });
            row(&mut s, "… of which called by guest builtins", &|sp, _, _| {
                Some(sp.callers.get(&(cat, Cat::Builtins)).copied().unwrap_or(0.0))
            });
        }
    }
    row(&mut s, "**all (per operation)**", &|sp, _, _| Some(sp.per_op));
    row(&mut s, "fuel checks (guest code, fuel − no fuel)", &|sp, op, side| {
        let nf = get(op, "nofuel")?;
        (side == "fuel").then(|| sp.cats.get(&Cat::Guest).copied().unwrap_or(0.0) - nf.cats.get(&Cat::Guest).copied().unwrap_or(0.0))
    });
    row(&mut s, "epoch checks (guest code, epoch − no fuel)", &|_, op, side| {
        let (ep, nf) = (get(op, "epoch")?, get(op, "nofuel")?);
        (side == "nofuel").then(|| ep.cats.get(&Cat::Guest).copied().unwrap_or(0.0) - nf.cats.get(&Cat::Guest).copied().unwrap_or(0.0))
    });
    row(&mut s, "*native core, same operation*", &|_, op, _| get(op, "native").map(|x| x.per_op));
    let mut cells = vec!["*guest code alone / native*".to_string()];
    for (op, side) in &sides {
        let sp = get(op, side).expect("listed");
        let nat = get(op, "native").map(|x| x.per_op).unwrap_or(0.0);
        cells.push(ratio(sp.cats.get(&Cat::Guest).copied().unwrap_or(0.0), nat));
        cells.push(String::new());
    }
    s.push_str(&format!("| {} |\n\n", cells.join(" | ")));
    // The split the issue asks for: what the runtime costs whatever our code does, what fuel
    // costs, and what our own code costs against the same code compiled natively.
    s.push_str("### Ours and the runtime's (from the table above, fuel on)\n\n");
    s.push_str("| operation | runtime: lowering/lifting, call entry, host malloc/memcpy, builtins, trampolines | fuel checks | our guest code without fuel checks or trampolines | that guest code / native | whole component / native |\n");
    s.push_str("|:---|---:|---:|---:|---:|---:|\n");
    for op in ops {
        let (Some(fu), Some(nf), Some(nat)) = (get(op, "fuel"), get(op, "nofuel"), get(op, "native")) else { continue };
        let cat = |sp: &Split, c: Cat| sp.cats.get(&c).copied().unwrap_or(0.0);
        let runtime: f64 =
            [Cat::Builtins, Cat::LowerLift, Cat::Entry, Cat::Malloc, Cat::Memcpy, Cat::Rest].iter().map(|c| cat(fu, *c)).sum::<f64>()
                + fu.trampolines;
        let fuel = cat(fu, Cat::Guest) - cat(nf, Cat::Guest);
        let ours = cat(nf, Cat::Guest) - nf.trampolines;
        s.push_str(&format!(
            "| {} | {} ({}; {} of native) | {} ({}) | {} ({}) | {} | {} |\n",
            label(op),
            group(runtime),
            pct(runtime, fu.per_op),
            ratio(runtime, nat.per_op),
            group(fuel),
            pct(fuel, fu.per_op),
            group(ours),
            pct(ours, fu.per_op),
            ratio(ours, nat.per_op),
            ratio(fu.per_op, nat.per_op)
        ));
    }
    s.push_str(
        "\nThe runtime's column is paid on every call whatever the guest does; with fuel on, the checks come on top of \
         every function entry and loop (epoch interruption costs about as much, see the first table). The guest column is \
         ours: the core built for size (`opt-level = \"z\"`, the 448 KiB limit) and compiled by cranelift.\n\n",
    );
    if sides.iter().any(|(op, side)| get(op, side).is_some_and(|sp| sp.named)) {
        s.push_str("### The guest code by area (callgrind, per operation)\n\n");
        s.push_str(
            "The *guest wasm code* row above, split by the Rust functions the JIT code belongs to (names from the \
             component's name section; fuel or epoch checks are inside each function's code).\n\n",
        );
        s.push_str(&format!("| {} |\n", head.join(" | ")));
        s.push_str(&format!("|:---|{}\n", "---:|".repeat(head.len() - 1)));
        for (i, name) in AREAS.iter().enumerate() {
            row(&mut s, name, &|sp, _, _| Some(sp.areas[i]));
        }
        row(&mut s, "**guest code, all**", &|sp, _, _| Some(sp.areas.iter().sum()));
        s.push('\n');
    } else {
        s.push_str(
            "The guest functions below are numbered, not named: the component has no name section. For names, profile a \
             build that keeps it (rustc with `CARGO_PROFILE_WASM_STRIP=none`, `wasm-opt -g`: the same code, the same \
             counts) with `PROFILE_COMPONENT=FILE bash bench/profile.sh`; the report then also splits the guest code \
             by area (allocator, JSON, text, formatting …).\n\n",
        );
    }
    for op in ops {
        if let Some(sp) = get(op, "fuel") {
            s.push_str(&format!("Top functions by self instructions per operation, {} (fuel):\n\n", label(op)));
            s.push_str("| function | Ir/op | share |\n|:---|---:|---:|\n");
            for (f, c) in &sp.top {
                let f = if f.len() > 110 {
                    format!("{}…", &f[..f.char_indices().nth(108).map(|(i, _)| i).unwrap_or(f.len())])
                } else {
                    f.clone()
                };
                s.push_str(&format!("| `{}` | {} | {} |\n", f.replace('|', "\\|"), group(*c), pct(*c, sp.per_op)));
            }
            s.push('\n');
        }
    }
    s
}
