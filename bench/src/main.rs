//! `make bench`: where the component stands against the same core compiled natively, against
//! the runtime's limits, and end to end against the simulator. Prints markdown tables (each
//! with its baseline from the same run and a ratio column) and writes them to `--out`.
//! Asserts nothing about time.

mod e2e;
mod harness;
mod host;
mod inputs;
mod inst;
mod mem;
mod ops;
mod profile;
mod report;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use report::Report;

const USAGE: &str = "systemuser-bench [--quick] [--out FILE] [--component FILE] [--creates N] [--operations N] [--skip-e2e]

  --quick          fewer samples (the figures get noisier, the sizes of the runs stay)
  --out FILE       also write the tables (targets first) as markdown to FILE
  --component FILE the component (default: target/wasm/altinn_systemuser.wasm)
  --creates N      creates per end-to-end row (default 10000)
  --operations N   operations on one instance for the RSS table (default 1000000)
  --skip-e2e       leave out the end-to-end table

systemuser-bench profile prepare|run|report …   instruction counts under callgrind (bench/profile.sh)";

struct Args {
    quick: bool,
    out: Option<PathBuf>,
    component: PathBuf,
    creates: usize,
    operations: u64,
    skip_e2e: bool,
}

fn args(root: &Path) -> Args {
    let mut a = Args {
        quick: false,
        out: None,
        component: root.join("target/wasm/altinn_systemuser.wasm"),
        creates: 10_000,
        operations: 1_000_000,
        skip_e2e: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().unwrap_or_else(|| die(&format!("{name} needs a value")));
        match arg.as_str() {
            "--quick" => a.quick = true,
            "--skip-e2e" => a.skip_e2e = true,
            "--out" => a.out = Some(value("--out").into()),
            "--component" => a.component = value("--component").into(),
            "--creates" => a.creates = value("--creates").parse().unwrap_or_else(|_| die("--creates N")),
            "--operations" => a.operations = value("--operations").parse().unwrap_or_else(|_| die("--operations N")),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => die(&format!("unknown argument {other}")),
        }
    }
    a
}

fn die(msg: &str) -> ! {
    eprintln!("systemuser-bench: {msg}\n\n{USAGE}");
    std::process::exit(2)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("workspace root");
    if std::env::args().nth(1).as_deref() == Some("profile") {
        return profile::main(&root, &std::env::args().skip(2).collect::<Vec<_>>());
    }
    let a = args(&root);
    let bin_dir =
        std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)).unwrap_or_else(|| root.join("target/release"));
    let sim_bin = bin_dir.join("altinn-sim");
    let cli = bin_dir.join("systemuser");
    let component = std::fs::read(&a.component)
        .unwrap_or_else(|e| die(&format!("cannot read the component {}: {e} (run `make build`)", a.component.display())));
    let effort = harness::Effort::new(a.quick);
    let mut report = Report::default();
    let started = Instant::now();

    // Size.
    let core_raw = file_len(&root.join("target/wasm32-unknown-unknown/wasm/altinn_systemuser.wasm"));
    let core_opt = file_len(&root.join("target/wasm/altinn_systemuser.core.opt.wasm"));
    let gz = gzip_len(&a.component);
    let size = component.len() as u64;
    let pct = |x: u64| if core_raw > 0 { format!("{:.0} %", x as f64 / core_raw as f64 * 100.0) } else { "—".into() };
    let mut rows = vec![vec!["core module from rustc (`--profile wasm`: opt z, LTO, strip)".into(), bytes(core_raw), "baseline".into()]];
    rows.push(vec!["core module after `wasm-opt -Oz`".into(), bytes(core_opt), pct(core_opt)]);
    rows.push(vec!["**component** (`wit-component` over the optimised core)".into(), format!("**{}**", bytes(size)), pct(size)]);
    if let Some(gz) = gz {
        rows.push(vec!["component, gzip -9 (what a download costs)".into(), bytes(gz), pct(gz)]);
    }
    report.table(
        "Size",
        &format!("`{}`; ratio against the core module as rustc wrote it.", a.component.display()),
        &["artefact", "bytes", "ratio"],
        rows,
    );
    report.target(
        "component size",
        "≤ 150 KB (153,600 B)",
        bytes(size),
        size <= 150 * 1024,
        "wasm-opt -Oz applied; gzip size in the Size table",
    );

    // Responses from a real simulator, then the per-operation table.
    eprintln!("[{:>5.1} s] per operation …", started.elapsed().as_secs_f64());
    let sim = e2e::Sim::start(&sim_bin);
    let cases = inputs::cases(&sim.base);
    let base = sim.base.clone();
    let ops = ops::run(&mut report, effort, &component, &cases, &base);
    report.target(
        "component / native per operation",
        "≤ 1.5×",
        format!("{:.2}× (worst: {})", ops.worst_ratio, ops.worst_name.replace("**", "")),
        ops.worst_ratio <= 1.5,
        "build + parse rows, product path",
    );

    eprintln!("[{:>5.1} s] instantiation …", started.elapsed().as_secs_f64());
    let inst = inst::run(&mut report, effort, &component, &root, &cli, a.quick);
    report.target(
        "instantiate with pooling",
        "≤ 20 µs",
        format!("{:.1} µs", inst.pooled_us),
        inst.pooled_us <= 20.0,
        "fresh Store + instance from InstancePre",
    );

    eprintln!("[{:>5.1} s] memory …", started.elapsed().as_secs_f64());
    let m = mem::run(&mut report, &component, &cases, &base);
    report.target(
        "linear memory per instance",
        "≤ 1 MB",
        harness::kib(m.linear_max as u64),
        m.linear_max <= 1 << 20,
        "after a create, a get and a 50-item page",
    );
    eprintln!("[{:>5.1} s] {} operations on one instance …", started.elapsed().as_secs_f64(), a.operations);
    mem::flat(&mut report, &component, &cases, &base, a.operations);
    drop(sim);

    if !a.skip_e2e {
        eprintln!("[{:>5.1} s] end to end …", started.elapsed().as_secs_f64());
        let share = e2e::run(&mut report, &component, &sim_bin, a.creates);
        report.target("component share of end-to-end CPU", "≤ 5 %", format!("{share:.1} % (worst of 1/4/16 workers)"), share <= 5.0, "");
    }
    eprintln!("[{:>5.1} s] done", started.elapsed().as_secs_f64());

    let md = report.markdown();
    println!("{}", md.split("\n\n###").next().unwrap_or(""));
    if let Some(out) = &a.out {
        std::fs::write(out, md).unwrap_or_else(|e| die(&format!("cannot write {}: {e}", out.display())));
    }
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn gzip_len(p: &Path) -> Option<u64> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(p).output().ok()?;
    out.status.success().then_some(out.stdout.len() as u64)
}

fn bytes(n: u64) -> String {
    if n == 0 {
        return "—".into();
    }
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} B ({:.1} KB)", n as f64 / 1024.0)
}
