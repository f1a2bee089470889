//! The Rust library's and the CLI's names against `tests/vocabulary.json`, the one vocabulary
//! every host follows (the root README's table is written from it).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vocabulary() -> Value {
    let text = std::fs::read_to_string(root().join("tests/vocabulary.json")).expect("tests/vocabulary.json");
    serde_json::from_str(&text).expect("tests/vocabulary.json is JSON")
}

/// Every `.rs` file under `dir`, concatenated.
fn sources(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out += &sources(&path);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out += &std::fs::read_to_string(&path).unwrap();
        }
    }
    out
}

fn names<'a>(v: &'a Value, table: &str, host: &str) -> Vec<(&'a str, &'a str)> {
    v[table].as_array().unwrap().iter().filter_map(|row| Some((row["concept"].as_str()?, row[host].as_str()?))).collect()
}

#[test]
fn every_operation_of_the_vocabulary_is_a_public_method_of_the_client() {
    let v = vocabulary();
    let src = sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let ops = names(&v, "operations", "rust");
    assert!(ops.len() >= 25, "{ops:?}");
    let missing: Vec<_> = ops.iter().filter(|(_, name)| !src.contains(&format!("pub fn {name}("))).collect();
    assert!(missing.is_empty(), "named in tests/vocabulary.json, not a `pub fn` of the Rust host: {missing:?}");
}

#[test]
fn the_error_kinds_of_the_vocabulary_are_the_cores_error_variants() {
    let v = vocabulary();
    let core = std::fs::read_to_string(root().join("src/error.rs")).unwrap();
    for (concept, name) in names(&v, "errors", "rust") {
        let variant = name.strip_prefix("Error::").unwrap_or(name);
        let found = if name == "ClientError" {
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/client.rs")).unwrap().contains("pub enum ClientError")
        } else {
            core.contains(&format!("    {variant}("))
        };
        assert!(found, "{concept}: {name} is not what the Rust host calls it");
    }
}

#[test]
fn every_cli_command_of_the_vocabulary_exists() {
    let v = vocabulary();
    for (concept, words) in names(&v, "operations", "cli") {
        let (command, flags): (Vec<&str>, Vec<&str>) = words.split(' ').partition(|w| !w.starts_with("--"));
        let out = Command::new(env!("CARGO_BIN_EXE_systemuser")).args(&command).arg("--help").output().unwrap();
        assert!(out.status.success(), "{concept}: `systemuser {words}` is not a command: {}", String::from_utf8_lossy(&out.stderr));
        let help = String::from_utf8_lossy(&out.stdout);
        for flag in flags {
            assert!(help.contains(flag), "{concept}: `systemuser {}` has no {flag}", command.join(" "));
        }
    }
}

#[test]
fn the_environment_variables_of_the_vocabulary_are_the_ones_read() {
    let v = vocabulary();
    let src = sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    for e in v["environment"].as_array().unwrap() {
        let readers: Vec<&str> = e["read_by"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        if readers.iter().any(|r| *r == "cli" || *r == "rust") {
            for name in e["name"].as_str().unwrap().split(", ") {
                assert!(src.contains(&format!("\"{name}\"")), "{name} is not read by the Rust host");
            }
        }
    }
    // And the CLI reads no variable of another spelling of these (ALTINN_TOKEN and the like).
    for stale in ["\"ALTINN_TOKEN\"", "\"ALTINN_ENV\"", "\"ALTINN_BASE_URL\""] {
        assert!(!src.contains(stale), "the Rust host reads {stale}, not the vocabulary's name");
    }
}
