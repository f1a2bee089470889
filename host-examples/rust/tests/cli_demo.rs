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
        "━━ 1. From zero: the vendor registers its system through the System Register API",
        "━━ 2. A standard request",
        "━━ 3. An agent request for the client system 314248295_smartbyraa, approved, then clients delegated by API",
        "━━ 4. A rejected request",
        "━━ 5. Requests the component refuses",
        "━━ 6. A change request: the approved customer of section 2 is asked for one more access package",
    ] {
        assert!(text.contains(section), "missing {section:?}:\n{text}");
    }
    for step in [
        "] New → Accepted",
        "] New → Rejected",
        "✓ system user found",
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
    // Section 1: the system registered through the API, after one the component refused.
    let chapter = section(&text, 1);
    for step in [
        "  smartklient.json, in Altinn's shape:\n    {\n      \"id\": \"314248295_smartklient\",\n",
        "\"clientId\": [\n        \"sim-spare-client\"\n      ],\n",
        "$ systemuser system register --file smartklient-typo.json\n",
        "  ✗ id: the system id \"314248295_smart klient\" holds a space [AUTH.VLD-00013]\n",
        "  ✗ allowedRedirectUrls[0]: \"http://smartklient.example/callback\" is not an absolute https URL [AUTH.VLD-00005]\n",
        "$ systemuser system register --file smartklient.json\n✓ system 314248295_smartklient registered\n  internal id:   ",
        "  register calls the local Altinn received: 1 (the refused system never left the component)\n",
        "$ systemuser system show 314248295_smartklient\n314248295_smartklient  SmartClient\n",
        "  packages:      urn:altinn:accesspackage:klientadministrator\n",
        "  client ids:    sim-spare-client\n",
    ] {
        assert!(chapter.contains(step), "section 1 is missing {step:?}:\n{chapter}");
    }
    // Section 3: the agent system user approved, the bureau's klientadministrator system user
    // approved once, two clients delegated by API on one token exchange, the clients page as
    // the fallback.
    let chapter = section(&text, 3);
    let agent = chapter.split("agentrequest?id=").nth(1).and_then(|rest| rest.get(..36)).expect("the agent request's id");
    let flags = "--bureau 314224965 --bureau-ref bureau-client-admin";
    let prefix = "$ systemuser --key smartklient.pem --kid sim-spare-key-1 --client-id sim-spare-client clients";
    for step in [
        "] New → Accepted".to_string(),
        "$ systemuser request create --system-id 314248295_smartklient --org 314224965 --external-ref bureau-client-admin --package klientadministrator --redirect-url https://smartklient.example/callback\n✓ request created\n".into(),
        "  package:      urn:altinn:accesspackage:klientadministrator\n".into(),
        "✓ the bureau approved: request ".into(),
        " is Accepted\n".into(),
        format!("{prefix} agents {flags}\nID "),
        format!("\n{agent}  314248295_smartbyraa  regnskapsforer-med-signeringsrettighet  "),
        format!("{prefix} available {flags} --agent {agent}\nORG NO     PARTY UUID                            NAME\n"),
        "313981436  4c6e8a0b-7d9f-4c1e-b3a5-2f4d6e8a0c07  SOLSIKKEN BARNEHAGE SA\n".into(),
        format!("{prefix} add {flags} --agent {agent} --client 313981436 --client 316501389\n"),
        format!("✓ 313981436 SOLSIKKEN BARNEHAGE SA delegated to agent system user {agent} (party 4c6e8a0b-7d9f-4c1e-b3a5-2f4d6e8a0c07)\n"),
        format!("✓ 316501389 HEIBAKKEN BYGG OG ANLEGG AS delegated to agent system user {agent} (party 8e3a5c7b-2f4d-4b6e-9c1a-7d5f3b1e8c06)\n"),
        format!("{prefix} list {flags} --agent {agent}\nORG NO     PARTY UUID                            NAME\n313981436  4c6e8a0b-7d9f-4c1e-b3a5-2f4d6e8a0c07  SOLSIKKEN BARNEHAGE SA\n316501389  8e3a5c7b-2f4d-4b6e-9c1a-7d5f3b1e8c06  HEIBAKKEN BYGG OG ANLEGG AS\n\n"),
        "  token exchanges: 1 for 5 client-delegation calls; Maskinporten grants: 1 (the bureau's system-user token)\n".into(),
        format!("  delegated clients of system user {agent}: 313981436, 316501389\n"),
        "  client by hand on Altinn's clients page, http://127.0.0.1:".into(),
        format!("/accessmanagement/ui/systemuser/agentclients?id={agent}\n"),
        "✓ system user found".into(),
    ] {
        assert!(chapter.contains(&step), "section 3 is missing {step:?}:\n{chapter}");
    }
    // The agent system user's clients came by API: the clients page was not used.
    assert!(!chapter.contains("POST of the Add form"), "{chapter}");
    // Section 6: the change request, approved on its confirm page, and what it changed.
    let chapter = section(&text, 6);
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
        assert!(chapter.contains(step), "section 6 is missing {step:?}:\n{chapter}");
    }
    // The change request is the one the confirm link names, and the system user the one of section 1.
    let change_id = chapter.split("changerequest?id=").nth(1).and_then(|rest| rest.get(..36)).expect("a change request id");
    assert!(chapter.contains(&format!("  id:              {change_id}")), "{chapter}");
    let user = text.split("✓ system user found\n  id:           ").nth(1).and_then(|rest| rest.get(..36)).expect("section 2's system user");
    assert!(
        chapter.contains(&format!("  system user:     {user}")) && chapter.contains(&format!("acts as: system user {user}")),
        "{chapter}"
    );
    let order: Vec<usize> = (1..=6).map(|n| text.find(&format!("━━ {n}. ")).expect("every section")).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "the sections come in order");
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

/// The text of section `n`, up to the next one (or the end).
fn section(text: &str, n: u32) -> &str {
    let start = text.find(&format!("━━ {n}. ")).unwrap_or_else(|| panic!("no section {n}:\n{text}"));
    let end = text[start..].find(&format!("━━ {}. ", n + 1)).map_or(text.len(), |i| start + i);
    &text[start..end]
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
