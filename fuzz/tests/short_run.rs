//! The short fuzz run for `make test` (stable Rust, deterministic): every committed corpus file
//! of every target, then a fixed number of mutations of them (xorshift, fixed seed). Prints a
//! table and fails on any crash (a panic in the core or a broken invariant); the crashing
//! inputs are written to fuzz/artifacts/short/<target>/ for `cargo fuzz run <target> <file>`.
//!
//! `FUZZ_EXECUTIONS` (mutations per target, default 20000) and `FUZZ_SEED` change the run.
//! `seed_corpus_holds_every_vector` checks that the committed seed corpus holds every vector of
//! tests/vectors/; with `FUZZ_WRITE_SEED_CORPUS=1` it rewrites those seeds instead.

use altinn_systemuser_fuzz::mutate::{mutate, Rng};
use altinn_systemuser_fuzz::{decode, outcome_kind, run_operation, TARGETS};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files.iter().map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(p).expect("corpus file"))).collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Row {
    target: &'static str,
    files: usize,
    executions: u64,
    crashes: Vec<(String, String)>,
}

fn run_target(target: &'static str, f: fn(&[u8]), mutations: u64, seed: u64) -> Row {
    let seeds = corpus(target);
    let inputs: Vec<Vec<u8>> = seeds.iter().map(|(_, d)| d.clone()).collect();
    let mut row = Row { target, files: seeds.len(), executions: 0, crashes: Vec::new() };
    let one = |name: String, data: &[u8], row: &mut Row| {
        row.executions += 1;
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| f(data))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into());
            let dir = fuzz_dir().join("artifacts/short").join(target);
            std::fs::create_dir_all(&dir).ok();
            let file = dir.join(format!("crash-{}", row.crashes.len()));
            std::fs::write(&file, data).ok();
            row.crashes.push((format!("{name} -> {}", file.display()), message.chars().take(300).collect()));
        }
    };
    for (name, data) in &seeds {
        one(format!("corpus/{target}/{name}"), data, &mut row);
    }
    let mut rng = Rng::new(seed ^ target.len() as u64 ^ 0x9e37_79b9_7f4a_7c15);
    for i in 0..mutations {
        if inputs.is_empty() {
            break;
        }
        let base = &inputs[rng.below(inputs.len())];
        let data = mutate(base, &inputs, &mut rng);
        one(format!("mutation #{i}"), &data, &mut row);
    }
    row
}

#[test]
fn short_fuzz_run() {
    let mutations = env_number("FUZZ_EXECUTIONS", 20_000);
    let seed = env_number("FUZZ_SEED", 0x5eed);
    // Panics are expected findings here: report them in the table, not as noise.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let started = std::time::Instant::now();
    let rows: Vec<Row> = TARGETS.iter().map(|(name, f)| run_target(name, *f, mutations, seed)).collect();
    std::panic::set_hook(hook);
    println!(
        "\nshort fuzz run: {mutations} mutations per target after the corpus, seed {seed:#x}, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("{:<18} {:>12} {:>12} {:>8}", "target", "corpus files", "executions", "crashes");
    for r in &rows {
        println!("{:<18} {:>12} {:>12} {:>8}", r.target, r.files, r.executions, r.crashes.len());
    }
    let total: usize = rows.iter().map(|r| r.crashes.len()).sum();
    // Distinct findings: crashes grouped by their message up to the first quoted value.
    let mut distinct: Vec<(String, usize, String)> = Vec::new();
    for r in &rows {
        for (what, message) in &r.crashes {
            let key = format!("{}: {}", r.target, message.split(['"', '`', '\'', '(']).next().unwrap_or(message).trim());
            match distinct.iter_mut().find(|(k, _, _)| *k == key) {
                Some(entry) => entry.1 += 1,
                None => distinct.push((key, 1, what.clone())),
            }
        }
    }
    for (key, n, first) in &distinct {
        println!("FINDING {key}… ({n} inputs; first: {first})");
    }
    for r in &rows {
        for (what, message) in r.crashes.iter().take(3) {
            println!("CRASH {}: {what}\n    {message}", r.target);
        }
    }
    assert_eq!(total, 0, "{total} crashes (inputs under fuzz/artifacts/short/)");
}

/// `FUZZ_REPLAY_TARGET=<target> FUZZ_REPLAY_FILES=<file>:<file>…`: runs those files through the
/// target and prints what each gave (`bash fuzz/run.sh replay <target> <file>…`).
#[test]
fn replay_files() {
    let (Ok(target), Ok(files)) = (std::env::var("FUZZ_REPLAY_TARGET"), std::env::var("FUZZ_REPLAY_FILES")) else { return };
    let f = TARGETS.iter().find(|(name, _)| *name == target).unwrap_or_else(|| panic!("no target {target}")).1;
    std::panic::set_hook(Box::new(|_| {}));
    for file in files.split(':').filter(|f| !f.is_empty()) {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let outcome = match catch_unwind(AssertUnwindSafe(|| f(&data))) {
            Ok(()) => "ok".to_string(),
            Err(p) => p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default(),
        };
        println!("{file}: {}", outcome.chars().take(400).collect::<String>());
    }
    let _ = std::panic::take_hook();
}

// ---- the seed corpus --------------------------------------------------------------------

/// Writes the seed (with `FUZZ_WRITE_SEED_CORPUS=1`), or checks the committed one is the same.
fn write(dir: &Path, name: &str, data: &[u8]) {
    if std::env::var_os("FUZZ_WRITE_SEED_CORPUS").is_some() {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(name), data).unwrap();
        return;
    }
    let committed = std::fs::read(dir.join(name)).unwrap_or_default();
    assert!(committed == data, "seed {}/{name} is missing or stale: rerun with FUZZ_WRITE_SEED_CORPUS=1", dir.display());
}

fn load(name: &str) -> serde_json::Value {
    let path = fuzz_dir().join("../tests/vectors").join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn slug(text: &str) -> String {
    let s: String = text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-").chars().take(60).collect()
}

/// Files of 8 KB and less only: the corpus is committed.
const MAX_SEED: usize = 8 * 1024;

#[test]
fn seed_corpus_holds_every_vector() {
    let root = fuzz_dir().join("corpus");
    // parse_response: every response vector.
    for v in load("responses.json")["responses"].as_array().unwrap() {
        let gen = &v["body_gen"];
        let body = if let Some(hex) = gen["hex"].as_str() {
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
        } else if let Some(depth) = gen["nest"].as_u64() {
            format!("{}{}", "[".repeat(depth.min(2000) as usize), "]".repeat(depth.min(2000) as usize)).into_bytes()
        } else if !gen.is_null() {
            continue; // the big bodies: generated by the catalogue instead
        } else if let Some(raw) = v["body_text"].as_str() {
            raw.as_bytes().to_vec()
        } else if v["body"].is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&v["body"]).unwrap()
        };
        let ct = v["headers"]["content-type"].as_str();
        let ct = decode::CONTENT_TYPES.iter().copied().find(|c| *c == ct).unwrap_or(Some("application/json; charset=utf-8"));
        let data = decode::encode_parse_input(v["call"].as_str().unwrap(), v["status"].as_u64().unwrap() as u16, ct, &body);
        if data.len() <= MAX_SEED {
            write(&root.join("parse_response"), &format!("v-{}", slug(v["name"].as_str().unwrap())), &data);
        }
    }
    // validate_request: every request vector, with its system.
    let systems = load("systems.json");
    for v in load("validation.json")["requests"].as_array().unwrap() {
        let agent = v["kind"] == "agent";
        let body = match &v["request"] {
            serde_json::Value::String(raw) => raw.as_bytes().to_vec(),
            other => serde_json::to_vec(other).unwrap(),
        };
        let (flags, tail) = match v["system"].as_str() {
            None => (0u8, Vec::new()),
            Some("smartregnskap") => (1, Vec::new()),
            Some("smartbyraa") => (2, Vec::new()),
            Some(other) => (3, [&[0xFF][..], &serde_json::to_vec(&systems[other]).unwrap()].concat()),
        };
        let data = [&[flags << 1 | u8::from(agent)][..], &body, &tail].concat();
        write(&root.join("validate_request"), &format!("v-{}", slug(v["name"].as_str().unwrap())), &data);
    }
}

/// Hex with spaces for reading, as bytes.
fn hex(text: &str) -> Vec<u8> {
    let digits: String = text.split_whitespace().collect();
    (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap()).collect()
}

/// The operation target's seeds for the change-request tasks, and what each must come to. The
/// bytes follow `operation`'s layout: flags (02: a retry budget of 1), request kind, task byte
/// (0b create, 0c get, 0d by external ref, 0e list, 0f withdraw), for a create its variant (00
/// derived correlation id, 01 given, 02 an empty change, 03 no external ref and a redirect
/// URL); then per step the host's choice (00: what the step asks for; c8: a lost connection,
/// then its kind), the answer's bytes (byquery during a create: 00 standard user, 01 agent, 02
/// none; the change routes: 00 201, 01 200 the same change, 03 200 another change, 05 404
/// AUTH-00010, 06 404 AUTH-00015, 07 5xx, 09 409 AUTH-00061, 04 a list page (01: with a next
/// link), 0a 202; else the request table: 05 00 the registered system), and a clock byte.
const CHANGE_OPERATION_SEEDS: [(&str, &str, &str); 16] = [
    ("change-create-ok", "02 00 0b 00  00 00  00 00 00  00 00  00 05 00 00  00 00 00", "change-request-created"),
    ("change-create-given-id-replay", "02 00 0b 01  00 00  00 00 00  00 00  00 05 00 00  00 01 00", "change-request-created"),
    ("change-create-replay-of-another-change", "02 00 0b 00  00 00  00 00 00  00 00  00 05 00 00  00 03 00", "conflict"),
    (
        "change-create-lost-reconcile-found",
        "02 00 0b 00  00 00  00 00 00  00 00  00 05 00 00  c8 02 00  00 00  00 01 00",
        "change-request-created",
    ),
    (
        "change-create-lost-reconcile-404-resend",
        "02 00 0b 00  00 00  00 00 00  00 00  00 05 00 00  c8 02 00  00 00  00 05 00  00 00 00",
        "change-request-created",
    ),
    (
        "change-create-500-reconcile-404-resend",
        "02 00 0b 00  00 00  00 00 00  00 00  00 05 00 00  00 07 00 00  00 00  00 05 00  00 00 00",
        "change-request-created",
    ),
    ("change-create-agent-user-refused", "02 00 0b 00  00 00  00 01 00", "validation"),
    ("change-create-no-system-user", "02 00 0b 00  00 00  00 02 00", "not-found"),
    ("change-create-empty", "02 00 0b 02", "no-change-needed"),
    ("change-create-no-ref-redirect", "02 00 0b 03  00 00  00 00 00  00 00  00 05 00 00  00 00 00", "change-request-created"),
    ("change-create-404-auth-00015", "02 00 0b 00  00 00  00 00 00  00 00  00 05 00 00  00 06 00", "not-found"),
    ("change-create-409-auth-00061", "02 00 0b 01  00 00  00 00 00  00 00  00 05 00 00  00 09 00", "conflict"),
    ("change-get-ok", "00 00 0c  00 00  00 01 00", "change-request"),
    ("change-by-external-ref-ok", "00 00 0d  00 00  00 01 00", "change-request"),
    ("change-list-incomplete", "00 00 0e  00 00  00 04 01 00", "change-requests"),
    ("change-withdraw-202", "00 00 0f  00 00  00 0a 00", "withdrawn"),
];

#[test]
fn seed_corpus_holds_the_change_request_operations() {
    let dir = fuzz_dir().join("corpus/operation");
    for (name, bytes, expected) in CHANGE_OPERATION_SEEDS {
        let data = hex(bytes);
        let Some(result) = run_operation(&data) else { panic!("seed {name} does not finish") };
        assert_eq!(outcome_kind(&result), expected, "seed {name}: {result:?}");
        write(&dir, name, &data);
    }
}
