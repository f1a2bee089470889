//! Instantiation: fresh store + instance with and without pooling; precompiled vs compiled at
//! start; the CLI's cold start.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use wasmtime::component::Component;

use crate::harness::{each, ms, ratio, single, us, Effort};
use crate::host::{self, EngineKind};
use crate::report::Report;

pub struct InstResult {
    pub pooled_us: f64,
}

pub fn run(report: &mut Report, effort: Effort, component: &[u8], root: &Path, cli: &Path, quick: bool) -> InstResult {
    let od = EngineKind { pooling: false, fuel: true };
    let pool = EngineKind { pooling: true, fuel: true };
    let e_od = host::engine(od);
    let e_pool = host::engine(pool);

    // Compile at start vs deserialize a precompiled component (what a host caches on disk).
    let compiles = if quick { 3 } else { 5 };
    let compile = each(compiles, || {
        Component::from_binary(&e_pool, component).expect("compiles");
    });
    let cwasm = e_pool.precompile_component(component).expect("precompiles");
    let deserialize = each(compiles * 4, || {
        // SAFETY: bytes this very engine produced a moment ago.
        unsafe { Component::deserialize(&e_pool, &cwasm) }.expect("deserializes");
    });
    let c_od = Component::from_binary(&e_od, component).expect("compiles");
    let c_pool = unsafe { Component::deserialize(&e_pool, &cwasm) }.expect("deserializes");
    let t = Instant::now();
    let pre_pool = host::pre(&e_pool, &c_pool);
    let pre_ns = t.elapsed().as_nanos() as f64;
    let pre_od = host::pre(&e_od, &c_od);

    let inst_od = single(effort, || drop(host::instantiate(&e_od, &pre_od, true)));
    let inst_pool = single(effort, || drop(host::instantiate(&e_pool, &pre_pool, true)));
    let first_call = |e: &wasmtime::Engine, p: &_| {
        let (mut store, b) = host::instantiate(e, p, true);
        b.altinn_systemuser_validation().call_check_org_no(&mut store, "310816191").unwrap().unwrap()
    };
    let first_od = single(effort, || first_call(&e_od, &pre_od));
    let first_pool = single(effort, || first_call(&e_pool, &pre_pool));
    let (mut store, b) = host::instantiate(&e_pool, &pre_pool, true);
    let warm_call = single(effort, || b.altinn_systemuser_validation().call_check_org_no(&mut store, "310816191").unwrap().unwrap());
    drop(store);

    let row = |what: &str, s: crate::harness::Stat, base: f64, base_name: &str| {
        vec![what.to_string(), us(s.median), us(s.p90), format!("{} ({base_name})", ratio(s.median, base))]
    };
    report.table(
        "Instantiation (fresh `Store` + instance from `InstancePre`, fuel on as in the product)",
        &format!(
            "µs, median and p90. Ratio column: against the on-demand allocator. Linking (`instantiate_pre`, once per process): {} µs.",
            us(pre_ns)
        ),
        &["what", "median µs", "p90 µs", "ratio"],
        vec![
            row("Store + instance, on-demand allocator", inst_od, inst_od.median, "baseline"),
            row("Store + instance, pooling allocator", inst_pool, inst_od.median, "vs on-demand"),
            row("… + first call (check-org-no), on-demand", first_od, inst_od.median, "vs bare on-demand"),
            row("… + first call (check-org-no), pooling", first_pool, inst_od.median, "vs bare on-demand"),
            row("check-org-no on a live instance", warm_call, inst_od.median, "vs bare on-demand"),
        ],
    );

    // The CLI: a process start that compiles the component (cache off: cold), one that loads it
    // from its cache of compiled components (warm), and the same binary not loading it.
    let runs = if quick { 5 } else { 10 };
    let request = root.join("host-examples/rust/tests/data/standard_valid.json");
    let cache = std::env::temp_dir().join(format!("systemuser-bench-cache-{}", std::process::id()));
    let spawn = |args: &[&str], cache_dir: &std::ffi::OsStr| {
        let out = Command::new(cli).args(args).current_dir(root).env("SYSTEMUSER_CACHE_DIR", cache_dir).output().expect("the CLI runs");
        assert!(out.status.success() || out.status.code() == Some(1), "{}: {}", cli.display(), String::from_utf8_lossy(&out.stderr));
    };
    let req = request.to_string_lossy().to_string();
    let off = std::ffi::OsStr::new("off");
    spawn(&["validate", "--request", &req], off); // page cache warm
    let cli_validate = each(runs, || spawn(&["validate", "--request", &req], off));
    spawn(&["validate", "--request", &req], cache.as_os_str()); // fills the cache
    let cli_cached = each(runs, || spawn(&["validate", "--request", &req], cache.as_os_str()));
    let _ = std::fs::remove_dir_all(&cache);
    let cli_version = each(runs, || spawn(&["--version"], off));
    report.table(
        "Start-up: compiling at start vs a precompiled (serialized) component; CLI cold and warm start",
        &format!(
            "ms, median and p90. Precompiled artefact (`Engine::precompile_component`): {} bytes. \
             CLI: `{} validate --request {}` from the workspace root, cold (`SYSTEMUSER_CACHE_DIR=off`: compiles) and warm (the compiled \
             component from its cache, checked by its SHA-256); baseline the same binary's `--version` (process start, no component).",
            cwasm.len(),
            cli.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
            "host-examples/rust/tests/data/standard_valid.json"
        ),
        &["what", "median ms", "p90 ms", "ratio"],
        vec![
            vec![
                "`Component::from_binary` (compile at start, cranelift, 2 cores)".into(),
                ms(compile.median),
                ms(compile.p90),
                "baseline".into(),
            ],
            vec![
                "`Component::deserialize` (precompiled)".into(),
                ms(deserialize.median),
                ms(deserialize.p90),
                ratio(deserialize.median, compile.median),
            ],
            vec!["CLI `--version` (no component)".into(), ms(cli_version.median), ms(cli_version.p90), "baseline".into()],
            vec![
                "CLI `validate`, cold (compiles the component at start)".into(),
                ms(cli_validate.median),
                ms(cli_validate.p90),
                ratio(cli_validate.median, cli_version.median),
            ],
            vec![
                "CLI `validate`, warm (the compiled component from the cache)".into(),
                ms(cli_cached.median),
                ms(cli_cached.p90),
                ratio(cli_cached.median, cli_version.median),
            ],
        ],
    );
    InstResult { pooled_us: inst_pool.median / 1e3 }
}
