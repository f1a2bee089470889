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
        "━━ 5. A change request: the approved customer of section 1 is asked for one more access package",
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
    // Section 5: the change request, approved on its confirm page, and what it changed.
    let chapter = &text[text.find("━━ 5.").unwrap()..];
    for step in [
        "it holds now: rights urn:altinn:resource=ske-krav-og-betalinger; access packages urn:altinn:accesspackage:skattegrunnlag\n",
        "$ systemuser change create --system-id 314248295_smartregnskap --org 310816191 --external-ref erp-customer-42 --require-package merverdiavgift",
        "✓ change request created",
        "require package: urn:altinn:accesspackage:merverdiavgift",
        "Send this link to the customer; they approve the change in Altinn:",
        "/accessmanagement/ui/systemuser/changerequest?id=",
        "] New → Accepted",
        "✓ the customer approved the change: system user ",
        "the customer's browser was sent to https://smartregnskap.example/callback",
        "access packages urn:altinn:accesspackage:skattegrunnlag, urn:altinn:accesspackage:merverdiavgift\n",
        "urn:altinn:accesspackage:merverdiavgift: delegated to it when the customer approved change request ",
        "simulator's admin view",
        "• this change was asked for before (the same change request, not new): status Accepted",
        "change requests the local Altinn stores for this system user: 1\n",
        "$ systemuser token --org 310816191 --external-ref erp-customer-42 --scope ttd:regnskap.read",
        "(1 new Maskinporten grant)",
    ] {
        assert!(chapter.contains(step), "section 5 is missing {step:?}:\n{chapter}");
    }
    // The change request is the one the confirm link names, and the system user the one of section 1.
    let change_id = chapter.split("changerequest?id=").nth(1).and_then(|rest| rest.get(..36)).expect("a change request id");
    assert!(chapter.contains(&format!("  id:              {change_id}")), "{chapter}");
    let user = text.split("✓ system user found\n  id:           ").nth(1).and_then(|rest| rest.get(..36)).expect("section 1's system user");
    assert!(
        chapter.contains(&format!("  system user:     {user}")) && chapter.contains(&format!("acts as: system user {user}")),
        "{chapter}"
    );
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
