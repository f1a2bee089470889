//! `runtimeOptions.cacheDir`: the first start compiles and writes the compiled component, the
//! second loads it in a fraction of the time; a damaged file is compiled again and replaced.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use common::abi::Runtime;
use serde_json::json;

fn fresh_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("su-cache-{name}-{}-{nanos}", std::process::id()));
    assert!(!dir.exists());
    dir
}

fn options(dir: &std::path::Path) -> String {
    json!({"v": 1, "cacheDir": dir.to_str().unwrap()}).to_string()
}

fn cached_files(dir: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "cwasm")).collect()
}

/// The runtime works: a validation runs in it.
fn works(runtime: &Runtime) {
    let client = runtime.client(&json!({"v": 1, "environment": "tt02"})).unwrap();
    let verdict = client
        .validate(&json!({"v": 1, "kind": "agent", "request": {"systemId": "314248295_smartbyraa", "partyOrgNo": "310816191"}}))
        .unwrap();
    assert_eq!(verdict["valid"], false);
}

#[test]
fn a_second_start_from_the_cache_is_much_faster() {
    let dir = fresh_dir("timing");
    let started = Instant::now();
    let cold = Runtime::load(&common::component_path(), &options(&dir)).unwrap();
    let compile = started.elapsed();
    works(&cold);
    let files = cached_files(&dir);
    assert_eq!(files.len(), 1, "one compiled component: {files:?}");
    let name = files[0].file_stem().unwrap().to_str().unwrap().to_string();
    let (component_hash, engine_hash) = name.split_once('-').expect("<sha256>-<engine hash>");
    assert_eq!(component_hash.len(), 64, "a SHA-256 in hex: {name}");
    assert!(!engine_hash.is_empty());

    let started = Instant::now();
    let warm = Runtime::load(&common::component_path(), &options(&dir)).unwrap();
    let cached = started.elapsed();
    works(&warm);
    // Straight to stderr (the harness does not capture it): the timings belong in every log.
    let _ = writeln!(
        std::io::stderr(),
        "runtime start: compiled and cached {:.1} ms, from the cache {:.1} ms",
        compile.as_secs_f64() * 1e3,
        cached.as_secs_f64() * 1e3
    );
    assert!(cached * 5 < compile, "from the cache {cached:?} is not much faster than compiling {compile:?}");
    assert_eq!(cached_files(&dir), files, "nothing new written");
    // Without a cache directory nothing is written anywhere and it still compiles.
    works(&Runtime::load(&common::component_path(), "").unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_damaged_cache_file_is_compiled_again_and_replaced() {
    let dir = fresh_dir("damaged");
    drop(Runtime::load(&common::component_path(), &options(&dir)).unwrap());
    let file = cached_files(&dir).remove(0);
    let good = std::fs::read(&file).unwrap();
    std::fs::write(&file, b"not machine code").unwrap();
    let runtime = Runtime::load(&common::component_path(), &options(&dir)).unwrap();
    works(&runtime);
    assert_eq!(std::fs::read(&file).unwrap().len(), good.len(), "the file was rewritten");
    // Another component (the test-trap build) gets a file of its own.
    works(&Runtime::load(&common::trap_component_path(), &options(&dir)).unwrap());
    assert_eq!(cached_files(&dir).len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cache_directory_that_cannot_be_written_costs_a_compilation_not_a_failure() {
    // A regular file where the directory should be: nothing can be created under it.
    let blocker = fresh_dir("blocked");
    std::fs::write(&blocker, b"a file").unwrap();
    let runtime = Runtime::load(&common::component_path(), &options(&blocker.join("cache"))).unwrap();
    works(&runtime);
    std::fs::remove_file(&blocker).unwrap();
}
