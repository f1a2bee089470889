//! `cargo run -p xtask -- component`: builds the component crate for `wasm32-unknown-unknown`
//! with the `wasm` profile and wraps the core module into a component with `wit-component`.
//! This route keeps std's WASI imports out: the component imports only what `wit/` declares.
//!
//! `cargo run -p xtask -- service`: the same for the onboarding service (service/), a second
//! component in the `onboarding-service` world (wit/onboarding-service/), whose wasi WIT comes
//! from the wasmtime-wasi-http crate's source that cargo downloaded (nothing third-party is
//! committed).
//!
//! `cargo run -p xtask -- imports FILE`: prints a component's imports, one per line.
//! `cargo run -p xtask -- check-wit`: parses `wit/` and reports errors.
//! `cargo run -p xtask -- c-header [--check]`: writes `host-examples/c/include/systemuser.h`
//! with cbindgen; `--check` writes nothing and fails when the committed header differs.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const CORE_MODULE: &str = "target/wasm32-unknown-unknown/wasm/altinn_systemuser.wasm";
const OPTIMIZED_MODULE: &str = "target/wasm/altinn_systemuser.core.opt.wasm";
const COMPONENT: &str = "target/wasm/altinn_systemuser.wasm";
/// binaryen's wasm-opt, installed by `make` from tools/package.json (npm; no native build).
const WASM_OPT: &str = "tools/node_modules/.bin/wasm-opt";

fn main() -> Result<()> {
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("component") => build_component(args.get(1).map(String::as_str) == Some("--test-trap")),
        Some("service") => build_service(),
        Some("imports") => {
            let file = args.get(1).map(PathBuf::from).unwrap_or_else(|| COMPONENT.into());
            for name in component_imports(&std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?)? {
                println!("{name}");
            }
            Ok(())
        }
        Some("check-wit") => {
            let mut resolve = wit_parser::Resolve::default();
            resolve.push_dir("wit")?;
            println!("wit/ parses: {} interfaces", resolve.interfaces.len());
            Ok(())
        }
        Some("c-header") => c_header(args.get(1).map(String::as_str) == Some("--check")),
        _ => bail!("usage: xtask component [--test-trap] | service | imports [FILE] | check-wit | c-header [--check]"),
    }
}

const C_CRATE: &str = "host-examples/c";
const C_HEADER: &str = "host-examples/c/include/systemuser.h";

/// The C header from the ABI crate's source; with `check`, a failure when it differs from the
/// committed one (the first differing lines are shown).
fn c_header(check: bool) -> Result<()> {
    let config = cbindgen::Config::from_file(format!("{C_CRATE}/cbindgen.toml")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(C_CRATE)
        .with_config(config)
        .generate()
        .context("cbindgen could not read the C ABI crate")?
        .write(&mut generated);
    let generated = String::from_utf8(generated)?;
    if !check {
        std::fs::write(C_HEADER, &generated)?;
        println!("c-header: wrote {C_HEADER}");
        return Ok(());
    }
    let committed = std::fs::read_to_string(C_HEADER).unwrap_or_default();
    if committed == generated {
        println!("c-header: {C_HEADER} matches the source");
        return Ok(());
    }
    eprintln!("c-header: {C_HEADER} differs from what cbindgen writes from {C_CRATE}/src:");
    let (old, new): (Vec<&str>, Vec<&str>) = (committed.lines().collect(), generated.lines().collect());
    let mut shown = 0;
    for i in 0..old.len().max(new.len()) {
        let (a, b) = (old.get(i), new.get(i));
        if a != b && shown < 20 {
            eprintln!("@@ line {}", i + 1);
            if let Some(a) = a {
                eprintln!("- {a}");
            }
            if let Some(b) = b {
                eprintln!("+ {b}");
            }
            shown += 1;
        }
    }
    bail!("the committed header is stale: run `cargo run -p xtask -- c-header` and commit {C_HEADER}")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// The component, or with `test_trap` the test build that can trap on purpose (its own target
/// directory, so the two builds never invalidate each other).
fn build_component(test_trap: bool) -> Result<()> {
    let (target_dir, core_module, optimized, output) = if test_trap {
        (
            "target/test-trap",
            "target/test-trap/wasm32-unknown-unknown/wasm/altinn_systemuser.wasm",
            "target/wasm/altinn_systemuser.test-trap.core.opt.wasm",
            "target/wasm/altinn_systemuser.test-trap.wasm",
        )
    } else {
        ("target", CORE_MODULE, OPTIMIZED_MODULE, COMPONENT)
    };
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.args(["build", "--lib", "-p", "altinn-systemuser", "--target", TARGET, "--profile", "wasm", "--target-dir", target_dir]);
    if test_trap {
        cargo.args(["--features", "test-trap"]);
    }
    if !cargo.status().context("running cargo build for the component")?.success() {
        bail!("cargo build of the core module failed");
    }
    componentize(core_module, optimized, output)
}

/// wasm-opt over a core module, then wit-component: the component written to `output`, its
/// imports listed.
fn componentize(core_module: &str, optimized: &str, output: &str) -> Result<()> {
    std::fs::create_dir_all("target/wasm")?;
    optimize(core_module, optimized)?;
    let module = std::fs::read(optimized).with_context(|| format!("reading {optimized}"))?;
    let component = wit_component::ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()
        .context("wrapping the core module into a component")?;
    let component = without_custom_section(&component, "component-name")?;
    std::fs::write(output, &component)?;
    println!("component: {output} ({} bytes)", component.len());
    for name in component_imports(&component)? {
        println!("  imports {name}");
    }
    Ok(())
}

const SERVICE_WORLD: &str = "wit/onboarding-service/world.wit";
/// Where the service's WIT is put together: its world and, in deps/, the wasi packages.
/// `service/src/lib.rs` names this folder (relative to its manifest).
const SERVICE_WIT: &str = "target/wasm/onboarding-service-wit";
const SERVICE_CORE: &str = "target/wasm32-unknown-unknown/wasm/onboarding_service.wasm";
const SERVICE_OPTIMIZED: &str = "target/wasm/onboarding_service.core.opt.wasm";
const SERVICE_COMPONENT: &str = "target/wasm/onboarding_service.wasm";
/// The crate whose source ships the wasi:http WIT the harness implements (same version).
const WASI_HTTP_CRATE: &str = "wasmtime-wasi-http";

/// The onboarding service's component: its WIT put together, the crate built for
/// `wasm32-unknown-unknown` (no WASI adapter: the imports are the world's), then as above.
fn build_service() -> Result<()> {
    let deps = wasi_wit_deps()?;
    let out = Path::new(SERVICE_WIT);
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    std::fs::create_dir_all(out.join("deps"))?;
    std::fs::copy(SERVICE_WORLD, out.join("world.wit"))?;
    for entry in std::fs::read_dir(&deps)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wit") {
            std::fs::copy(&path, out.join("deps").join(path.file_name().context("a file name")?))?;
        }
    }
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.args(["build", "--lib", "-p", "onboarding-service", "--target", TARGET, "--profile", "wasm"]);
    if !cargo.status().context("running cargo build for the service")?.success() {
        bail!("cargo build of the service's core module failed");
    }
    componentize(SERVICE_CORE, SERVICE_OPTIMIZED, SERVICE_COMPONENT)
}

/// The `wit/deps` folder of the wasmtime-wasi-http crate in cargo's registry (from
/// `cargo metadata`, which downloads it when missing).
fn wasi_wit_deps() -> Result<PathBuf> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1"])
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let manifest = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == WASI_HTTP_CRATE)
        .and_then(|p| p["manifest_path"].as_str())
        .with_context(|| format!("{WASI_HTTP_CRATE} is not in the workspace's dependencies (host-examples/wasi-http needs it)"))?;
    let deps = Path::new(manifest).parent().context("a manifest's folder")?.join("wit/deps");
    if !deps.is_dir() {
        bail!("{} has no WIT folder", deps.display());
    }
    Ok(deps)
}

/// The component without a top-level custom section: `component-name` only names instances
/// and functions for debuggers (about 6 KB); runtimes never read it.
fn without_custom_section(component: &[u8], name: &str) -> Result<Vec<u8>> {
    fn leb(bytes: &[u8], at: &mut usize) -> Result<usize> {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = *bytes.get(*at).context("truncated section header")?;
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
            shift += 7;
        }
    }
    let mut out = component.get(..8).context("not a component")?.to_vec();
    let mut at = 8;
    while at < component.len() {
        let start = at;
        let id = component[at];
        at += 1;
        let size = leb(component, &mut at)?;
        let body = component.get(at..at + size).context("truncated section")?;
        at += size;
        if id == 0 {
            let mut name_at = 0;
            let len = leb(body, &mut name_at)?;
            if body.get(name_at..name_at + len) == Some(name.as_bytes()) {
                continue;
            }
        }
        out.extend_from_slice(&component[start..at]);
    }
    Ok(out)
}

/// `wasm-opt -Oz` over the core module (about a fifth smaller); keeps the component-type section.
fn optimize(input: &str, output: &str) -> Result<()> {
    let wasm_opt = std::env::var("WASM_OPT").unwrap_or_else(|_| WASM_OPT.to_string());
    if !Path::new(&wasm_opt).exists() && std::env::var("WASM_OPT").is_err() {
        bail!("{WASM_OPT} is missing: run `make build` (it runs `npm ci --prefix tools`), or set WASM_OPT to a wasm-opt binary");
    }
    let features = [
        "--enable-bulk-memory",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-nontrapping-float-to-int",
        "--enable-multivalue",
        "--enable-reference-types",
    ];
    let status = Command::new(&wasm_opt)
        .args(["-Oz", "--converge"])
        .args(features)
        .args([input, "-o", output])
        .status()
        .with_context(|| format!("running {wasm_opt}"))?;
    if !status.success() {
        bail!("wasm-opt failed on {input}");
    }
    let (before, after) = (std::fs::metadata(input)?.len(), std::fs::metadata(output)?.len());
    println!("wasm-opt: core module {before} -> {after} bytes");
    Ok(())
}

/// The names of a component's top-level imports.
fn component_imports(bytes: &[u8]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload? {
            wasmparser::Payload::ModuleSection { .. } | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    names.push(import?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(names)
}
