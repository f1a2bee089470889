//! The `systemuser` commands end to end: the real binary, the built component, and an
//! in-process simulator on a free port (`--base-url`), the token in `SYSTEMUSER_TOKEN`.
//! Every run checks that the token appears in no output.

mod cli;
mod common;

use std::net::TcpListener;
use std::time::Duration;

use altinn_sim::SimOptions;
use cli::*;
use serde_json::Value;

/// Valid customers in the simulator's default fixture.
const ORGS: [&str; 6] = ["310816191", "314224965", "317103360", "316501389", "313981436", "316859356"];

/// Blocks until the simulator has served a status read of request `id` (the CLI's first poll),
/// so a decision made afterwards is one the watch must see as a transition, however slowly the
/// CLI started.
fn wait_for_first_read(sim: &Sim, id: &str) {
    let url = format!("{}/_sim/calls", sim.handle.url());
    for _ in 0..600 {
        let text = ureq::get(&url).call().expect("call log").body_mut().read_to_string().expect("call log");
        let calls: Value = serde_json::from_str(&text).expect("call log is JSON");
        let read = calls["calls"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["route"].as_str().is_some_and(|r| r.starts_with("get_")) && c["path"].as_str().is_some_and(|p| p.contains(id)));
        if read {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the CLI never read request {id}");
}

// ---- request create -------------------------------------------------------------------------

#[test]
fn create_prints_the_confirm_link_boxed() {
    let sim = sim();
    let out = run(&sim, &create_args(ORGS[0], "erp-1"));
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("✓ request created\n"), "{text}");
    assert!(text.contains("status:       New"), "{text}");
    assert!(text.contains("right:        urn:altinn:resource=ske-krav-og-betalinger"), "{text}");
    assert!(text.contains("package:      urn:altinn:accesspackage:skattegrunnlag"), "{text}");
    let link = format!("{}/accessmanagement/ui/systemuser/request?id=", sim.handle.url());
    let line = text.lines().find(|l| l.contains(&link)).unwrap_or_else(|| panic!("no confirm link: {text}"));
    assert!(line.starts_with("│ ") && line.ends_with(" │"), "the link is boxed: {line}");
    assert!(text.contains("┌") && text.contains("└"), "{text}");
    assert!(text.contains("--watch"), "says what to do next: {text}");
}

#[test]
fn create_json_has_id_status_outcome_and_link() {
    let sim = sim();
    let out = run(&sim, &[&create_args(ORGS[0], "erp-1")[..], &["--json"]].concat());
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["isNew"], true);
    assert_eq!(v["reconciled"], false);
    assert_eq!(v["outcome"], "new");
    assert_eq!(v["status"], "New");
    assert_eq!(v["kind"], "standard");
    assert_eq!(v["systemId"], SYSTEM);
    assert_eq!(v["partyOrgNo"], ORGS[0]);
    assert_eq!(v["externalRef"], "erp-1");
    assert_eq!(v["redirectUrl"], REDIRECT);
    assert_eq!(v["rights"][0]["resource"][0]["value"], "ske-krav-og-betalinger");
    assert_eq!(v["accessPackages"][0]["urn"], "urn:altinn:accesspackage:skattegrunnlag");
    let id = v["id"].as_str().unwrap();
    assert!(v["confirmUrl"].as_str().unwrap().ends_with(&format!("?id={id}&DONTCHOOSEREPORTEE=true")), "{v}");
}

#[test]
fn create_again_finds_the_existing_request() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    let out = run(&sim, &[&create_args(ORGS[0], "erp-1")[..], &["--json"]].concat());
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!((v["id"].as_str(), &v["isNew"], &v["outcome"]), (Some(id.as_str()), &Value::Bool(false), &Value::from("existing")));

    let out = run(&sim, &create_args(ORGS[0], "erp-1"));
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("already exists (not new)"), "{}", stdout(&out));
}

#[test]
fn create_again_after_a_rejection_says_withdraw_first() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    sim.handle.reject(&id).unwrap();
    let out = run(&sim, &create_args(ORGS[0], "erp-1"));
    assert_exit(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("status Rejected"), "{text}");
    assert!(text.contains(&format!("`{} request withdraw {id}`", invocation(&sim))), "{text}");

    let out = run(&sim, &[&create_args(ORGS[0], "erp-1")[..], &["--json"]].concat());
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!((v["ok"].as_bool(), v["isNew"].as_bool(), v["status"].as_str()), (Some(false), Some(false), Some("Rejected")));
    assert_eq!(v["nextStep"], format!("{} request withdraw {id}", invocation(&sim)));
}

#[test]
fn create_when_a_system_user_exists_suggests_verify() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    sim.handle.approve(&id).unwrap();
    let out = run(&sim, &create_args(ORGS[0], "erp-1"));
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("a system user already exists for this customer"), "{err}");
    assert!(err.contains(&format!("`{} verify --system-id 314248295_smartregnskap --org 310816191`", invocation(&sim))), "{err}");

    let out = run(&sim, &[&create_args(ORGS[0], "erp-1")[..], &["--json"]].concat());
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["exitCode"], 1);
    assert_eq!(v["error"]["code"], "AUTH-00004");
    assert_eq!(v["error"]["status"], 400);
}

#[test]
fn create_refuses_invalid_input_before_sending() {
    let sim = sim();
    // A placeholder org number and a redirect URL the system never registered.
    let out = run(&sim, &["request", "create", "--system-id", SYSTEM, "--org", "123456789", "--package", "skattegrunnlag"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("partyOrgNo") && stderr(&out).contains("[org-no-checksum]"), "{}", stderr(&out));

    let out = run(
        &sim,
        &[
            "request",
            "create",
            "--json",
            "--system-id",
            SYSTEM,
            "--org",
            ORGS[0],
            "--package",
            "skattegrunnlag",
            "--redirect-url",
            "https://smartregnskap.example/callback/",
        ],
    );
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "validation");
    assert_eq!(v["error"]["violations"][0]["code"], "AUTH-00021");
    assert_eq!(v["error"]["violations"][0]["field"], "redirectUrl");
}

#[test]
fn create_from_a_request_file() {
    let sim = sim();
    // Member names in any case, spaces, `0192:`: the component normalises them first.
    let body = r#"{"SystemId": " 314248295_smartregnskap ", "partyOrgNo": "0192:314224965", "externalRef": "from-file",
        "rights": [{"resource": [{"id": "urn:altinn:org", "value": "ttd"}, {"id": "urn:altinn:app", "value": "regnskap"}]}],
        "redirectUrl": "https://smartregnskap.example/callback"}"#;
    let file = temp_file("create.json", body);
    let out = run(&sim, &["request", "create", "--json", "--request", file.to_str().unwrap()]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!((v["partyOrgNo"].as_str(), v["externalRef"].as_str()), (Some("314224965"), Some("from-file")));
    assert_eq!(v["rights"][0]["resource"].as_array().map(Vec::len), Some(2));

    // The sample file names a redirect URL the simulator's system does not register.
    let out = run(&sim, &["request", "create", "--request", &common::data("standard_valid.json").display().to_string()]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("[AUTH-00021]"), "{}", stderr(&out));

    let out = run(&sim, &["request", "create", "--request", &common::data("malformed.json").display().to_string()]);
    assert_exit(&out, 2);
    let _ = std::fs::remove_file(file);
}

#[test]
fn create_agent_request() {
    let sim = sim();
    let out = run(&sim, &["request", "create-agent", "--system-id", AGENT_SYSTEM, "--org", ORGS[1], "--package", "regnskapsforer-lonn"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("kind:         agent"), "{text}");
    assert!(text.contains("/accessmanagement/ui/systemuser/agentrequest?id="), "{text}");
    assert!(text.contains("then delegate clients"), "{text}");

    let out = run(
        &sim,
        &[
            "request",
            "create-agent",
            "--json",
            "--system-id",
            AGENT_SYSTEM,
            "--org",
            ORGS[2],
            "--package",
            "urn:altinn:accesspackage:ansvarlig-revisor",
        ],
    );
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!((v["kind"].as_str(), v["isNew"].as_bool()), (Some("agent"), Some(true)));
    assert_eq!(v["rights"], Value::Array(vec![]));

    // Rights on an agent request: refused by the component, nothing sent.
    let out = run(
        &sim,
        &[
            "request",
            "create-agent",
            "--json",
            "--system-id",
            AGENT_SYSTEM,
            "--org",
            ORGS[3],
            "--package",
            "regnskapsforer-lonn",
            "--right",
            "ske-krav-og-betalinger",
        ],
    );
    assert_exit(&out, 1);
    assert_eq!(json(&out)["error"]["violations"][0]["code"], "rights-on-agent-request");
}

// ---- request get / list / withdraw ----------------------------------------------------------

#[test]
fn get_by_id_and_by_external_ref() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    let out = run(&sim, &["request", "get", &id]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains(&format!("id:           {id}")), "{}", stdout(&out));
    assert!(stdout(&out).contains("DONTCHOOSEREPORTEE"), "a New request shows its link: {}", stdout(&out));

    let out = run(&sim, &["request", "get", "--json", "--system-id", SYSTEM, "--org", ORGS[0], "--external-ref", "erp-1"]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["id"], id.as_str());

    // An agent request is found without --kind.
    let out = run(
        &sim,
        &["request", "create-agent", "--json", "--system-id", AGENT_SYSTEM, "--org", ORGS[1], "--package", "regnskapsforer-lonn"],
    );
    let agent_id = json(&out)["id"].as_str().unwrap().to_string();
    let out = run(&sim, &["request", "get", "--json", &agent_id]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["kind"], "agent");

    let out = run(&sim, &["request", "get", "--json", "--kind", "standard", "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b"]);
    assert_exit(&out, 1);
    assert_eq!(json(&out)["error"]["kind"], "not-found");
}

#[test]
fn list_follows_every_page() {
    // The server's lists lose an item at every page boundary (API.md §14): off, to see every page.
    let sim = sim_with(SimOptions::default().with_admin(true).with_page_size(2).with_list_quirks(false));
    let mut ids: Vec<String> = ORGS[..5].iter().map(|org| create(&sim, org, &format!("ref-{org}"))).collect();
    ids.sort();

    let out = run(&sim, &["request", "list", "--json", "--system-id", SYSTEM]);
    assert_exit(&out, 0);
    let v = json(&out);
    let mut listed: Vec<String> = v["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    listed.sort();
    assert_eq!(listed, ids);
    assert_eq!(v["nextPage"], Value::Null);

    let out = run(&sim, &["request", "list", "--system-id", SYSTEM]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("5 standard requests for 314248295_smartregnskap\nID "), "{text}");
    assert_eq!(text.lines().count(), 7, "{text}");

    // One page at a time.
    let out = run(&sim, &["request", "list", "--json", "--single-page", "--system-id", SYSTEM]);
    assert_exit(&out, 0);
    let first = json(&out);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let token = first["nextPage"].as_str().expect("a next page").to_string();
    let out = run(&sim, &["request", "list", "--system-id", SYSTEM, "--page", &token]);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with("2 standard requests"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!("more: {} request list --system-id 314248295_smartregnskap --page ", invocation(&sim))),
        "{}",
        stdout(&out)
    );

    let out = run(&sim, &["request", "list", "--json", "--agent", "--system-id", AGENT_SYSTEM]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["items"], Value::Array(vec![]));
}

#[test]
fn withdraw_frees_the_key() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    let out = run(&sim, &["request", "withdraw", &id]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains(&format!("✓ request {id} withdrawn")), "{}", stdout(&out));

    let out = run(&sim, &["request", "get", &id]);
    assert_exit(&out, 1);
    let out = run(&sim, &[&create_args(ORGS[0], "erp-1")[..], &["--json"]].concat());
    assert_exit(&out, 0);
    assert_eq!(json(&out)["isNew"], true);

    let id = json(&out)["id"].as_str().unwrap().to_string();
    let out = run(&sim, &["request", "withdraw", "--json", &id]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["withdrawn"], true);
}

// ---- status ---------------------------------------------------------------------------------

#[test]
fn status_without_watch() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    let out = run(&sim, &["status", &id]);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with(&format!("{id} New\n")), "{}", stdout(&out));
    let out = run(&sim, &["status", "--json", &id]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["status"], "New");
}

#[test]
fn status_watch_reaches_accepted() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    let out = std::thread::scope(|s| {
        s.spawn(|| {
            wait_for_first_read(&sim, &id);
            std::thread::sleep(Duration::from_millis(500));
            sim.handle.approve(&id).unwrap();
        });
        run(&sim, &["status", &id, "--watch", "--interval", "0.2", "--timeout", "30"])
    });
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("[") && lines[0].ends_with("] New"), "{text}");
    assert!(lines.iter().any(|l| l.ends_with("] New → Accepted")), "{text}");
    assert!(text.contains("✓ the customer approved"), "{text}");
    assert!(stderr(&out).contains("waiting for the customer"), "progress on stderr: {}", stderr(&out));
}

#[test]
fn status_watch_json_reaches_rejected() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    let out = std::thread::scope(|s| {
        s.spawn(|| {
            wait_for_first_read(&sim, &id);
            sim.handle.reject(&id).unwrap();
        });
        run(&sim, &["status", &id, "--watch", "--json", "--interval", "0.2", "--timeout", "30"])
    });
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!((v["status"].as_str(), v["terminal"].as_bool(), v["gaveUp"].as_bool()), (Some("Rejected"), Some(true), Some(false)));
    let seen: Vec<&str> = v["transitions"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(seen, ["New", "Rejected"]);
}

#[test]
fn status_watch_times_out() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    let started = std::time::Instant::now();
    let out = run(&sim, &["status", &id, "--watch", "--interval", "0.2", "--timeout", "1"]);
    assert_exit(&out, 5);
    assert!(started.elapsed() < Duration::from_secs(15));
    let text = stdout(&out);
    assert!(text.contains("] New"), "{text}");
    assert!(text.contains("gave up after"), "{text}");

    let out = run(&sim, &["status", &id, "--watch", "--json", "--interval", "0.2", "--timeout", "0.5"]);
    assert_exit(&out, 5);
    let v = json(&out);
    assert_eq!((v["gaveUp"].as_bool(), v["status"].as_str()), (Some(true), Some("New")));
}

// ---- verify / users / system ----------------------------------------------------------------

#[test]
fn verify_found_and_not_found() {
    let sim = sim();
    let id = create(&sim, ORGS[0], "erp-1");
    let out = run(&sim, &["verify", "--system-id", SYSTEM, "--org", ORGS[0], "--external-ref", "erp-1"]);
    assert_exit(&out, 1);
    assert!(stdout(&out).starts_with("✗ no system user for"), "{}", stdout(&out));

    sim.handle.approve(&id).unwrap();
    let out = run(&sim, &["verify", "--system-id", SYSTEM, "--org", ORGS[0], "--external-ref", "erp-1"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with("✓ system user found"), "{}", stdout(&out));
    assert!(stdout(&out).contains(&id), "{}", stdout(&out));

    let out = run(&sim, &["verify", "--json", "--system-id", SYSTEM, "--org", ORGS[0], "--external-ref", "erp-1"]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!((v["found"].as_bool(), v["systemUser"]["id"].as_str()), (Some(true), Some(id.as_str())));
    assert_eq!(v["systemUser"]["userType"], "standard");

    // Without the external ref the key is (system, org, org): no system user there.
    let out = run(&sim, &["verify", "--json", "--system-id", SYSTEM, "--org", ORGS[0]]);
    assert_exit(&out, 1);
    assert_eq!(json(&out)["systemUser"], Value::Null);
}

#[test]
fn users_list_every_page() {
    let sim = sim_with(SimOptions::default().with_admin(true).with_page_size(2));
    for org in &ORGS[..3] {
        let id = create(&sim, org, "erp-1");
        sim.handle.approve(&id).unwrap();
    }
    let out = run(&sim, &["users", "list", "--system-id", SYSTEM]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("3 system users for 314248295_smartregnskap\nID "), "{text}");
    for org in &ORGS[..3] {
        assert!(text.contains(org), "{text}");
    }
    let out = run(&sim, &["users", "list", "--json", "--system-id", SYSTEM]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["items"].as_array().unwrap().len(), 3);

    let out = run(&sim, &["users", "list", "--json", "--single-page", "--system-id", SYSTEM]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert!(v["nextPage"].is_string(), "{v}");
}

#[test]
fn system_show() {
    let sim = sim();
    let out = run(&sim, &["system", "show", SYSTEM]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("314248295_smartregnskap  SmartAccounting\n"), "{text}");
    assert!(text.contains(REDIRECT), "{text}");
    assert!(text.contains("urn:altinn:org=ttd,urn:altinn:app=regnskap"), "{text}");
    assert!(text.contains("urn:altinn:accesspackage:skattegrunnlag"), "{text}");

    let out = run(&sim, &["system", "show", "--json", SYSTEM]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!(v["allowedRedirectUrls"][0], REDIRECT);
    assert_eq!(v["vendorOrgNo"], VENDOR);

    let out = run(&sim, &["system", "show", "314248295_nosuchsystem"]);
    assert_exit(&out, 1);
}

// ---- validate (offline, no token needed) ----------------------------------------------------

#[test]
fn validate_needs_no_simulator_and_no_token() {
    let out = base_command()
        .args(["validate", "--json", "--request"])
        .arg(common::data("agent_with_rights.json"))
        .arg("--agent")
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert_eq!(json(&out)["ok"], false);
    let out = base_command().args(["validate", "--request"]).arg(common::data("standard_valid.json")).output().unwrap();
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with("✓ request is valid"));
}

// ---- usage, transport, token ----------------------------------------------------------------

#[test]
fn bad_usage_exits_2() {
    let sim = sim();
    for args in [
        &["request", "create", "--org", "310816191"][..],
        &["request", "create", "--system-id", SYSTEM, "--org", ORGS[0], "--request", "x.json"],
        &["request"],
        &["status"],
        &["status", "x", "--watch", "--timeout", "-1"],
        &["verify", "--org", "310816191"],
        &["users", "list"],
        &["system", "show"],
        &["--env", "staging", "system", "show", SYSTEM],
        &["--base-url", "ftp://example", "system", "show", SYSTEM],
        &["request", "create", "--system-id", SYSTEM, "--org", ORGS[0], "--right", "urn:altinn:resource="],
        &["request", "create", "--request", "/nonexistent/req.json"],
        &["no-such-command"],
    ] {
        let out = run(&sim, args);
        assert_exit(&out, 2);
        assert_eq!(stdout(&out), "", "nothing on stdout for {args:?}");
    }
    // --env and --base-url together.
    let out = run(&sim, &["--env", "tt02", "system", "show", SYSTEM]);
    assert_exit(&out, 2);
}

#[test]
fn help_documents_commands_and_exit_codes() {
    let out = base_command().arg("--help").output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    for word in [
        "request",
        "status",
        "verify",
        "users",
        "system",
        "validate",
        "demo",
        "--env",
        "--base-url",
        "--json",
        "--token-file",
        "Exit status:",
        "  4  ",
        "  5  ",
        "SYSTEMUSER_TOKEN",
    ] {
        assert!(text.contains(word), "--help mentions {word:?}:\n{text}");
    }
}

#[test]
fn unreachable_base_url_exits_4() {
    // Bind then drop: the port is (almost certainly) closed now.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2VjcmV0LXNpZ25hdHVyZQ";
    let out = base_command()
        .args(["--base-url", &format!("http://127.0.0.1:{port}"), "system", "show", SYSTEM])
        .env("SYSTEMUSER_TOKEN", token)
        .output()
        .unwrap();
    assert_no_token(&out, token);
    assert_exit(&out, 4);
    assert!(stderr(&out).contains("could not connect"), "{}", stderr(&out));

    let out = base_command()
        .args(["--json", "--base-url", &format!("http://127.0.0.1:{port}"), "request", "get", "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b"])
        .env("SYSTEMUSER_TOKEN", token)
        .output()
        .unwrap();
    assert_no_token(&out, token);
    assert_exit(&out, 4);
    assert_eq!(json(&out)["error"]["kind"], "transport");
}

#[test]
fn no_token_exits_4_and_says_how_to_give_one() {
    let sim = sim();
    let out = base_command().args(["--base-url", &sim.handle.url(), "request", "list", "--system-id", SYSTEM]).output().unwrap();
    assert_exit(&out, 4);
    let err = stderr(&out);
    assert!(err.contains("no usable token") && err.contains("SYSTEMUSER_TOKEN") && err.contains("--token-file"), "{err}");

    let out = base_command()
        .args(["--json", "--base-url", &sim.handle.url(), "verify", "--system-id", SYSTEM, "--org", ORGS[0]])
        .output()
        .unwrap();
    assert_exit(&out, 4);
    assert_eq!(json(&out)["error"]["kind"], "token");
}

#[test]
fn token_file_and_refused_tokens() {
    let sim = sim();
    let file = temp_file("token", &format!("{}\n", sim.token));
    let out = base_command()
        .args(["--base-url", &sim.handle.url(), "--token-file", file.to_str().unwrap(), "system", "show", SYSTEM])
        .output()
        .unwrap();
    assert_no_token(&out, &sim.token);
    assert_exit(&out, 0);
    let _ = std::fs::remove_file(&file);

    let out = base_command()
        .args(["--base-url", &sim.handle.url(), "--token-file", "/nonexistent/token", "system", "show", SYSTEM])
        .output()
        .unwrap();
    assert_exit(&out, 2);

    // Expired: 401; lacking the scope: 403. Both exit 4, and neither token is printed.
    let expired = sim.handle.mint_token_with(VENDOR, &SCOPES, -60, true);
    let narrow = sim.handle.mint_token(VENDOR, &["altinn:authentication/systemuser.request.read"]);
    for (token, word) in [(expired, "unauthorized"), (narrow, "forbidden")] {
        let out = base_command()
            .args(["--json", "--base-url", &sim.handle.url(), "system", "show", SYSTEM])
            .env("SYSTEMUSER_TOKEN", &token)
            .output()
            .unwrap();
        assert_no_token(&out, &token);
        assert_exit(&out, 4);
        assert_eq!(json(&out)["error"]["kind"], word);
    }
}

/// Arms one simulator fault (`POST /_sim/faults`).
fn arm(sim: &Sim, fault: Value) {
    let url = format!("{}/_sim/faults", sim.handle.url());
    ureq::post(&url).header("content-type", "application/json").send(fault.to_string()).expect("the fault is armed");
}

#[test]
fn an_outage_on_verify_is_could_not_tell_exit_4_never_no() {
    let sim = sim();
    arm(&sim, serde_json::json!({"route": "get_system_user_by_query", "kind": "status500", "count": 100}));
    let out = run(&sim, &["--json", "--deadline", "5", "verify", "--system-id", SYSTEM, "--org", ORGS[0]]);
    assert_exit(&out, 4);
    assert_eq!(json(&out)["error"]["kind"], "unavailable");
    assert!(stderr(&out).contains("not a \"no\""), "{}", stderr(&out));
}

#[test]
fn a_rate_limit_asking_for_an_hour_exits_4_with_the_servers_figure() {
    let sim = sim();
    arm(&sim, serde_json::json!({"route": "list_requests", "kind": "status429", "retryAfterSecs": 3600}));
    let out = run(&sim, &["--json", "request", "list", "--system-id", SYSTEM]);
    assert_exit(&out, 4);
    let error = &json(&out)["error"];
    assert_eq!(
        (error["kind"].as_str(), error["status"].as_u64(), error["retryAfterSeconds"].as_u64()),
        (Some("unavailable"), Some(429), Some(3600))
    );
    assert!(error["hint"].as_str().unwrap().contains("3600 s"), "{error}");
}

#[test]
fn a_short_rate_limit_is_waited_out() {
    let sim = sim();
    arm(&sim, serde_json::json!({"route": "list_requests", "kind": "status429", "retryAfterSecs": 1, "retryAfterForm": "date"}));
    let started = std::time::Instant::now();
    let out = run(&sim, &["--json", "request", "list", "--system-id", SYSTEM]);
    assert_exit(&out, 0);
    assert!(started.elapsed() >= Duration::from_millis(900), "the Retry-After date was not waited for");
}

#[test]
fn the_deadline_bounds_a_server_that_trickles() {
    let sim = sim();
    arm(&sim, serde_json::json!({"route": "*", "kind": "slow_headers", "intervalMs": 500, "count": 10}));
    let started = std::time::Instant::now();
    let out = run(&sim, &["--json", "--deadline", "3", "request", "get", "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b"]);
    assert!(started.elapsed() < Duration::from_secs(6), "a trickling server held the CLI for {:?}", started.elapsed());
    assert_exit(&out, 4);
    assert_eq!((json(&out)["error"]["kind"].as_str(), json(&out)["error"]["transport"].as_str()), (Some("transport"), Some("timeout")));
}

#[test]
fn a_token_quoted_back_by_the_server_appears_in_no_output() {
    let sim = sim();
    arm(&sim, serde_json::json!({"route": "get_request", "kind": "echo_token"}));
    // `run` checks stdout and stderr for the token.
    let out = run(&sim, &["--json", "request", "get", "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b"]);
    assert_exit(&out, 1);
    let error = &json(&out)["error"];
    for field in ["message", "title", "detail"] {
        assert!(error[field].as_str().unwrap_or_default().contains("[redacted]"), "{field}: {error}");
    }
    arm(&sim, serde_json::json!({"route": "get_request", "kind": "echo_token"}));
    let out = run(&sim, &["request", "get", "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b"]);
    assert!(stderr(&out).contains("[redacted]"), "{}", stderr(&out));
}

/// A server that answers every request with `body` (HTTP 200, JSON), for answers the simulator
/// never gives (a status Altinn does not define).
fn answering(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            use std::io::{Read, Write};
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).map(|n| n == 1).unwrap_or(false) {
                head.push(byte[0]);
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn a_status_altinn_does_not_define_is_marked_unknown_in_json() {
    let id = "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b";
    let body = format!(
        r#"{{"id":"{id}","externalRef":"{}","systemId":"{SYSTEM}","partyOrgNo":"{}","rights":[],"status":"Withdrawn","escalated":false}}"#,
        ORGS[0], ORGS[0]
    );
    let url = answering(body);
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2VjcmV0LXNpZ25hdHVyZQ";
    let out = base_command().args(["--json", "--base-url", &url, "request", "get", id]).env("SYSTEMUSER_TOKEN", token).output().unwrap();
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!(
        (v["status"].as_str(), v["statusText"].as_str(), v["effectiveStatus"].as_str()),
        (Some("Unknown"), Some("Withdrawn"), Some("Unknown")),
        "{v}"
    );
    let out = base_command().args(["--base-url", &url, "request", "get", id]).env("SYSTEMUSER_TOKEN", token).output().unwrap();
    assert!(stdout(&out).contains("Withdrawn (a status this version does not know)"), "{}", stdout(&out));
}
