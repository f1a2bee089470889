//! `systemuser demo`: the whole story against its own in-process simulator.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn demo_walks_every_section_and_exits_0() {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_systemuser"))
        .arg("--component")
        .arg(common::component_path())
        .arg("demo")
        .env_remove("SYSTEMUSER_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "--- stdout\n{text}\n--- stderr\n{err}");
    assert!(started.elapsed() < Duration::from_secs(30), "the demo took {:?}", started.elapsed());
    for section in [
        "━━ 1. A standard request",
        "━━ 2. An agent request for the client system 314248295_smartbyraa",
        "━━ 3. A rejected request",
        "━━ 4. Requests the component refuses",
    ] {
        assert!(text.contains(section), "missing {section:?}:\n{text}");
    }
    for step in [
        "] New → Accepted",
        "] New → Rejected",
        "✓ system user found",
        "delegated clients of system user",
        "already exists (not new): status Rejected",
        "[rights-on-agent-request]",
        "[AUTH-00021]",
        "create calls the local Altinn received during this section: 0",
        "$ systemuser token --org 310816191 --external-ref erp-customer-42 --scope ttd:regnskap.read",
        "acts as: system user ",
        "[MP-303]",
        "Maskinporten grants: ",
    ] {
        assert!(text.contains(step), "missing {step:?}:\n{text}");
    }
    let last = text.lines().last().unwrap_or_default();
    assert!(last.starts_with("✓ demo finished: every step behaved as expected (") && last.ends_with(" s)"), "{last}");
    // No token is ever shown: a JWT (`eyJ…`) appears only masked, as its first 12 characters.
    for output in [&text, &err] {
        for (at, _) in output.match_indices("eyJ") {
            let run = output[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).count();
            assert!(run <= 12 && output[at + run..].starts_with('…'), "a token is shown:\n{output}");
        }
    }
}

#[test]
fn demo_has_no_json_and_takes_no_environment() {
    for args in [&["demo", "--json"][..], &["demo", "--base-url", "http://127.0.0.1:9"]] {
        let out =
            Command::new(env!("CARGO_BIN_EXE_systemuser")).arg("--component").arg(common::component_path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(out.stdout, b"", "{args:?}");
    }
}
