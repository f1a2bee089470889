//! Memory: linear memory per instance, host RSS per live instance (1,000 tenants), RSS over
//! 1,000,000 operations on one instance.

use std::time::Instant;

use wasmtime::component::Component;
use wasmtime::Store;

use crate::harness::{kib, rss_kib};
use crate::host::{self, BenchState, EngineKind};
use crate::inputs::{self, Case};
use crate::report::Report;
use systemuser_host::generated::Systemuser;

pub struct MemResult {
    pub linear_max: usize,
}

pub fn run(report: &mut Report, component: &[u8], cases: &[Case], base: &str) -> MemResult {
    let cfg = inputs::wit_config(base);
    let mut rows = Vec::new();
    let mut linear_max = 0usize;

    for pooling in [false, true] {
        let kind = EngineKind { pooling, fuel: true };
        let engine = host::engine(kind);
        let compiled = Component::from_binary(&engine, component).expect("compiles");
        let pre = host::pre(&engine, &compiled);
        // One instance: linear memory after start and after each operation.
        let (mut store, b) = host::instantiate(&engine, &pre, true);
        let at_start = store.data().memory;
        for c in cases {
            let p = b.altinn_systemuser_protocol();
            p.call_build(&mut store, &cfg, &c.wit_call).unwrap().unwrap();
            p.call_parse(&mut store, &cfg, &c.wit_call, &c.wit_response).unwrap().unwrap();
        }
        let after_ops = store.data().memory;
        linear_max = linear_max.max(after_ops);
        drop(store);

        // 1,000 tenants alive at once, each having run a create build + parse.
        let before = rss_kib();
        let t = Instant::now();
        let mut alive: Vec<(Store<BenchState>, Systemuser)> = Vec::with_capacity(1000);
        for _ in 0..1000 {
            let (mut store, b) = host::instantiate(&engine, &pre, true);
            let p = b.altinn_systemuser_protocol();
            p.call_build(&mut store, &cfg, &cases[0].wit_call).unwrap().unwrap();
            p.call_parse(&mut store, &cfg, &cases[0].wit_call, &cases[0].wit_response).unwrap().unwrap();
            alive.push((store, b));
        }
        let took = t.elapsed();
        let after = rss_kib();
        let linear_sum: usize = alive.iter().map(|(s, _)| s.data().memory).sum();
        drop(alive);
        let name = if pooling { "pooling" } else { "on-demand" };
        rows.push(vec![
            format!("{name} allocator"),
            kib(at_start as u64),
            kib(after_ops as u64),
            format!("{} MiB", (before as f64 / 1024.0).round()),
            format!("{} MiB", (after as f64 / 1024.0).round()),
            kib((after.saturating_sub(before) * 1024) / 1000),
            format!("{:.1} MiB", linear_sum as f64 / 1048576.0),
            format!("{:.1} ms", took.as_secs_f64() * 1e3),
        ]);
    }
    report.table(
        "Memory per instance, and 1,000 instances alive at once",
        "Linear memory: the guest's memory size as the store's `ResourceLimiter` saw it grow (after start; after a create, \
         a get and a 50-item list page were built and parsed). RSS: `VmRSS` of this process before and after 1,000 \
         `Store`s with instances (each ran a create build + parse) were made and kept alive. Baseline: the same process \
         before them (engine, compiled component, simulator thread).",
        &[
            "allocator",
            "linear memory at start",
            "after create+get+list",
            "RSS before",
            "RSS with 1,000 alive",
            "host RSS per instance",
            "linear memory of the 1,000",
            "time to make the 1,000",
        ],
        rows,
    );
    MemResult { linear_max }
}

/// RSS and linear memory over `operations` build + parse of a get on one long-lived instance.
pub fn flat(report: &mut Report, component: &[u8], cases: &[Case], base: &str, operations: u64) {
    let cfg = inputs::wit_config(base);
    let engine = host::engine(EngineKind { pooling: true, fuel: true });
    let compiled = Component::from_binary(&engine, component).expect("compiles");
    let pre = host::pre(&engine, &compiled);
    let (mut store, b) = host::instantiate(&engine, &pre, true);
    let get = &cases[1];
    let list = &cases[2];
    let mut rows = Vec::new();
    let checkpoints = [0, operations / 100, operations / 10, operations / 4, operations / 2, operations];
    let t = Instant::now();
    let mut done = 0u64;
    let start_rss = rss_kib();
    for &cp in &checkpoints {
        while done < cp {
            let p = b.altinn_systemuser_protocol();
            // Mostly gets, every 100th a 50-item list page (larger allocations).
            let c = if done % 100 == 99 { list } else { get };
            p.call_build(&mut store, &cfg, &c.wit_call).unwrap().unwrap();
            p.call_parse(&mut store, &cfg, &c.wit_call, &c.wit_response).unwrap().unwrap();
            store.set_fuel(host::FUEL).unwrap();
            done += 1;
        }
        let rss = rss_kib();
        rows.push(vec![
            format!("{cp}"),
            format!("{} KiB", rss),
            format!("{:+} KiB", rss as i64 - start_rss as i64),
            kib(store.data().memory as u64),
            format!("{:.1} s", t.elapsed().as_secs_f64()),
        ]);
    }
    report.table(
        &format!("RSS over {operations} operations on one instance"),
        "Each operation: build + parse of a get (every 100th: a 50-item list page) through one instance, pooling allocator. \
         Baseline: the first row (RSS after instantiation).",
        &["operations", "VmRSS", "vs start", "linear memory", "elapsed"],
        rows,
    );
}
