//! The README samples run as written (#18): every `$ systemuser …` sample in this crate's README
//! and the root README that needs no Altinn (no `--base-url`) runs from the repository root, as
//! a reader pastes it, and prints exactly the lines the README shows under it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root")
}

/// A `$ systemuser …` sample: the command's words (after `systemuser`) and the lines shown under
/// it; or a `target/release/systemuser validate …` line of a shell block (no output shown: it
/// must succeed).
#[derive(Debug)]
struct Sample {
    readme: &'static str,
    command: String,
    expected: Vec<String>,
    output_shown: bool,
}

fn samples(readme: &'static str) -> Vec<Sample> {
    let text = std::fs::read_to_string(root().join(readme)).unwrap_or_else(|e| panic!("{readme}: {e}"));
    let mut found = Vec::new();
    let mut in_block = false;
    let mut current: Option<Sample> = None;
    let mut continued = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            found.extend(current.take());
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(command) = line.strip_prefix("target/release/systemuser validate ") {
            found.extend(current.take());
            found.push(Sample { readme, command: format!("systemuser validate {command}"), expected: Vec::new(), output_shown: false });
        } else if let Some(command) = line.strip_prefix("$ ") {
            found.extend(current.take());
            current = Some(Sample {
                readme,
                command: command.trim_end_matches('\\').trim().to_string(),
                expected: Vec::new(),
                output_shown: true,
            });
            continued = command.ends_with('\\');
        } else if let Some(sample) = current.as_mut() {
            if continued {
                sample.command.push(' ');
                sample.command.push_str(line.trim_end_matches('\\').trim());
                continued = line.ends_with('\\');
            } else if line.is_empty() {
                found.extend(current.take());
            } else {
                sample.expected.push(line.to_string());
            }
        }
    }
    found
}

#[test]
fn cli_samples_run_as_written_from_the_repository_root() {
    let all: Vec<Sample> = ["README.md", "host-examples/rust/README.md"].into_iter().flat_map(samples).collect();
    let offline: Vec<&Sample> = all.iter().filter(|s| s.command.starts_with("systemuser ") && !s.command.contains("--base-url")).collect();
    assert!(offline.len() >= 3, "the READMEs show validate samples: {all:#?}");
    assert!(offline.iter().any(|s| s.readme == "README.md"), "the root README's sample: {all:#?}");
    // The component as a reader has it after `make build`: target/wasm under the root.
    let component = root().join("target/wasm/altinn_systemuser.wasm");
    for sample in offline {
        let words: Vec<&str> = sample.command.split_whitespace().skip(1).collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemuser"));
        cmd.args(&words).current_dir(root()).env("NO_COLOR", "1").env_remove("SYSTEMUSER_TOKEN");
        if component.is_file() {
            cmd.env_remove("SYSTEMUSER_COMPONENT");
        } else {
            cmd.env("SYSTEMUSER_COMPONENT", common::component_path());
        }
        let out = cmd.output().expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !sample.output_shown {
            assert_eq!(out.status.code(), Some(0), "{}: `{}`: {}", sample.readme, sample.command, String::from_utf8_lossy(&out.stderr));
            continue;
        }
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}: `{}` failed: {:?}\n{}",
            sample.readme,
            sample.command,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            stdout.lines().collect::<Vec<_>>(),
            sample.expected,
            "{}: `{}` prints what the README shows",
            sample.readme,
            sample.command
        );
    }
    // The samples that need a simulator show hints that carry their --base-url.
    for sample in all.iter().filter(|s| s.command.contains("--base-url")) {
        for line in sample.expected.iter().filter(|l| l.contains("`systemuser ")) {
            assert!(line.contains("`systemuser --base-url "), "{}: a hint without the sample's --base-url: {line}", sample.readme);
        }
    }
}
