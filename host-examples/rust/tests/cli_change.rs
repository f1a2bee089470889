//! `systemuser change create | get | list | withdraw` and `systemuser status` of a change
//! request, end to end: the real binary, the built component and an in-process simulator on a
//! free port (`--base-url`), the token in `SYSTEMUSER_TOKEN`. Human output, `--json`, exit
//! codes, hints that carry the global options in force; every run checks that the token
//! appears in no output.

mod cli;
mod common;

use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

use altinn_sim::SimOptions;
use cli::*;
use serde_json::Value;

const MERVERDIAVGIFT: &str = "urn:altinn:accesspackage:merverdiavgift";
const RAPPORT: &str = "urn:altinn:accesspackage:regnskap-okonomi-rapport";

/// The calls on Altinn's routes since the log was last cleared (`route`, `method`, `path`).
fn api_calls(sim: &Sim) -> Vec<Value> {
    admin_get(sim, "/_sim/calls")["calls"].as_array().cloned().unwrap_or_default().into_iter().filter(|c| c["route"].is_string()).collect()
}

fn clear_calls(sim: &Sim) {
    ureq::delete(format!("{}/_sim/calls", sim.handle.url())).call().expect("clear the call log");
}

/// A standard system user for (`org`, `external_ref`) with the right `ske-krav-og-betalinger`
/// and the package `skattegrunnlag`, approved by the customer; its id.
fn approved_user(sim: &Sim, org: &str, external_ref: &str) -> String {
    let id = create(sim, org, external_ref);
    sim.handle.approve(&id).expect("the customer approves");
    id
}

/// `change create --system-id SYSTEM --org ORG --external-ref REF` and `more`.
fn change_args<'a>(org: &'a str, external_ref: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    [&["change", "create", "--system-id", SYSTEM, "--org", org, "--external-ref", external_ref][..], more].concat()
}

/// Creates a change request through the CLI; its id.
fn create_change(sim: &Sim, org: &str, external_ref: &str, more: &[&str]) -> String {
    let out = run(sim, &[&change_args(org, external_ref, more)[..], &["--json"]].concat());
    assert_exit(&out, 0);
    json(&out)["id"].as_str().expect("an id").to_string()
}

fn what_a_system_user_holds(sim: &Sim, id: &str) -> Vec<String> {
    let user = admin_get(sim, &format!("/_sim/systemusers/{id}"));
    user["accessPackages"].as_array().unwrap().iter().map(|p| p["urn"].as_str().unwrap().to_string()).collect()
}

// ---- change create ----------------------------------------------------------------------

#[test]
fn create_prints_the_change_and_its_boxed_link_and_a_rerun_finds_it() {
    let sim = sim();
    let user = approved_user(&sim, "310816191", "erp-1");
    let args = change_args(
        "310816191",
        "erp-1",
        &["--require-package", "merverdiavgift", "--remove-right", "ske-krav-og-betalinger", "--redirect-url", REDIRECT],
    );
    let out = run(&sim, &args);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("✓ change request created\n"), "{text}");
    for line in [
        "  status:          New\n".to_string(),
        format!("  system user:     {user}\n"),
        "  external ref:    erp-1\n".into(),
        format!("  require package: {MERVERDIAVGIFT}\n"),
        "  remove right:    urn:altinn:resource=ske-krav-og-betalinger\n".into(),
        format!("  redirect url:    {REDIRECT}\n"),
        "│ Send this link to the customer; they approve the change in Altinn:".into(),
    ] {
        assert!(text.contains(&line), "missing {line:?}:\n{text}");
    }
    let link = format!("{}/accessmanagement/ui/systemuser/changerequest?id=", sim.handle.url());
    let boxed = text.lines().find(|l| l.contains(&link)).unwrap_or_else(|| panic!("no confirm link: {text}"));
    assert!(boxed.starts_with("│ ") && boxed.ends_with(" │"), "{boxed}");
    let id = boxed.split("?id=").nth(1).unwrap().get(..36).unwrap().to_string();
    // The next step names this very Altinn: the hint carries --base-url (and --component).
    assert!(text.contains(&format!("next: wait for the customer with `{} status {id} --watch`", invocation(&sim))), "{text}");

    // The same change again (flags in another order, the package as a URN): the same change request.
    let again = change_args(
        "310816191",
        "erp-1",
        &[
            "--redirect-url",
            REDIRECT,
            "--remove-right",
            "urn:altinn:resource=ske-krav-og-betalinger",
            "--require-package",
            MERVERDIAVGIFT,
            "--json",
        ],
    );
    let out = run(&sim, &again);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!(
        (v["id"].as_str(), v["ok"].as_bool(), v["isNew"].as_bool(), v["outcome"].as_str()),
        (Some(id.as_str()), Some(true), Some(false), Some("existing"))
    );
    assert_eq!(
        (v["status"].as_str(), v["systemUserId"].as_str(), v["systemId"].as_str()),
        (Some("New"), Some(user.as_str()), Some(SYSTEM))
    );
    assert_eq!(v["requiredAccessPackages"][0]["urn"], MERVERDIAVGIFT);
    assert_eq!(v["unwantedRights"][0]["resource"][0]["value"], "ske-krav-og-betalinger");
    assert!(v["confirmUrl"].as_str().unwrap().starts_with(&link), "{v}");
    let stored = admin_get(&sim, "/_sim/changerequests")["changeRequests"].as_array().unwrap().len();
    assert_eq!(stored, 1);

    let out = run(&sim, &again[..again.len() - 1]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("• this change was asked for before (the same change request, not new): status New\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn create_from_a_file_and_a_file_that_does_not_decode() {
    let sim = sim();
    approved_user(&sim, "314224965", "erp-2");
    let file = temp_file(
        "change.json",
        &serde_json::json!({
            "systemId": SYSTEM, "partyOrgNo": "0192:314224965", "externalRef": "erp-2",
            "requiredAccessPackages": [{"urn": RAPPORT}], "unwantedAccessPackages": [{"urn": "urn:altinn:accesspackage:skattegrunnlag"}],
        })
        .to_string(),
    );
    let out = run(&sim, &["change", "create", "--json", "--request", file.to_str().unwrap()]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!((v["outcome"].as_str(), v["partyOrgNo"].as_str()), (Some("new"), Some("314224965")));
    assert_eq!(v["unwantedAccessPackages"][0]["urn"], "urn:altinn:accesspackage:skattegrunnlag");

    // A misspelt list would ask for nothing: refused (exit 2), the member named, nothing on stdout.
    let bad = temp_file("bad.json", r#"{"systemId":"314248295_smartregnskap","partyOrgNo":"314224965","requiredPackages":[{"urn":"x"}]}"#);
    let out = run(&sim, &["change", "create", "--json", "--request", bad.to_str().unwrap()]);
    assert_exit(&out, 2);
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("requiredPackages") && stderr(&out).contains("requiredAccessPackages"), "{}", stderr(&out));
    // The flags and a file do not mix.
    let out = run(&sim, &["change", "create", "--request", bad.to_str().unwrap(), "--org", "314224965"]);
    assert_exit(&out, 2);
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(bad);
}

#[test]
fn an_empty_change_needs_no_change_and_no_call() {
    let sim = sim();
    clear_calls(&sim);
    let out = run(&sim, &["change", "create", "--system-id", SYSTEM, "--org", "317103360"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("✓ no change needed\n") && text.contains("Nothing was sent"), "{text}");
    let out = run(&sim, &["change", "create", "--system-id", SYSTEM, "--org", "317103360", "--json"]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!(
        (v["ok"].as_bool(), v["outcome"].as_str(), v["partyOrgNo"].as_str()),
        (Some(true), Some("no-change-needed"), Some("317103360"))
    );
    assert!(api_calls(&sim).is_empty(), "{:?}", api_calls(&sim));
}

#[test]
fn a_correlation_id_reused_for_another_change_is_a_conflict_with_a_fresh_one_offered() {
    let sim = sim();
    approved_user(&sim, "316501389", "erp-3");
    let given = "5d3c1a2b-7e8f-4a9b-8c7d-6e5f4a3b2c1d";
    create_change(&sim, "316501389", "erp-3", &["--require-package", "merverdiavgift", "--correlation-id", given]);
    let other = change_args("316501389", "erp-3", &["--require-package", "regnskap-okonomi-rapport", "--correlation-id", given]);
    let out = run(&sim, &other);
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("correlation-id-reused") && err.contains(given) && err.contains("required access packages"), "{err}");
    let hint = err.lines().find(|l| l.starts_with("hint: ")).unwrap_or_else(|| panic!("no hint: {err}"));
    let command = format!(
        "`{} change create --system-id {SYSTEM} --org 316501389 --external-ref erp-3 --require-package {RAPPORT} --correlation-id ",
        invocation(&sim)
    );
    assert!(hint.contains("Leave --correlation-id out") && hint.contains(&command), "{hint}");
    let fresh = hint.split("--correlation-id ").last().unwrap().trim_end_matches('`');
    assert!(fresh.len() == 36 && fresh != given, "a new uuid is offered: {hint}");

    let out = run(&sim, &[&other[..], &["--json"]].concat());
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!((v["ok"].as_bool(), v["exitCode"].as_u64()), (Some(false), Some(1)));
    assert_eq!(
        (v["error"]["kind"].as_str(), v["error"]["code"].as_str(), v["error"]["status"].as_u64()),
        (Some("conflict"), Some("correlation-id-reused"), Some(200))
    );
    assert!(v["error"]["hint"].as_str().unwrap().contains(&command), "{v}");
    // Running the offered command asks for the change under the new id.
    let out = run(&sim, &[&other[..other.len() - 1], &[fresh, "--json"]].concat());
    assert_exit(&out, 0);
    assert_eq!((json(&out)["id"].as_str(), json(&out)["outcome"].as_str()), (Some(fresh), Some("new")));
}

#[test]
fn an_agent_system_user_or_none_is_refused_before_anything_is_posted() {
    let sim = sim();
    let out = run(
        &sim,
        &["request", "create-agent", "--json", "--system-id", AGENT_SYSTEM, "--org", "313981436", "--package", "regnskapsforer-lonn"],
    );
    assert_exit(&out, 0);
    sim.handle.approve(json(&out)["id"].as_str().unwrap()).unwrap();
    clear_calls(&sim);
    let out = run(&sim, &["change", "create", "--system-id", AGENT_SYSTEM, "--org", "313981436", "--require-package", "skattegrunnlag"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("standard system users only [AUTH-00015]") && stderr(&out).contains("nothing was sent"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &sim,
        &["change", "create", "--json", "--system-id", AGENT_SYSTEM, "--org", "313981436", "--require-package", "skattegrunnlag"],
    );
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!((v["error"]["kind"].as_str(), v["error"]["violations"][0]["code"].as_str()), (Some("validation"), Some("AUTH-00015")));

    // No system user for that key: not found, and how to check.
    let out = run(&sim, &change_args("313981436", "nobody", &["--require-package", "merverdiavgift"]));
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("no system user for"), "{err}");
    assert!(err.contains(&format!("`{} verify --system-id {SYSTEM} --org 313981436 --external-ref nobody`", invocation(&sim))), "{err}");
    assert!(api_calls(&sim).iter().all(|c| c["method"] != "POST"), "nothing posted: {:?}", api_calls(&sim));
}

// ---- change get / list / withdraw -------------------------------------------------------

#[test]
fn get_by_id_and_by_the_system_users_key() {
    let sim = sim();
    let user = approved_user(&sim, "316859356", "erp-4");
    let id = create_change(&sim, "316859356", "erp-4", &["--require-package", "merverdiavgift"]);

    let out = run(&sim, &["change", "get", &id]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(&format!("  id:              {id}\n")) && text.contains(&format!("require package: {MERVERDIAVGIFT}")), "{text}");
    assert!(text.contains("│ Send this link to the customer; they approve the change in Altinn:"), "{text}");
    let out = run(&sim, &["change", "get", &id, "--json"]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!((v["id"].as_str(), v["status"].as_str(), v["systemUserId"].as_str()), (Some(id.as_str()), Some("New"), Some(user.as_str())));

    // By key: Altinn names one of the system user's change requests without its packages; the
    // CLI reads that one in full.
    let out = run(&sim, &["change", "get", "--system-id", SYSTEM, "--org", "316859356", "--external-ref", "erp-4"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("Altinn names change request {id} for this system user")), "{text}");
    assert!(text.contains(&format!("require package: {MERVERDIAVGIFT}")), "the packages are there: {text}");
    let out = run(&sim, &["change", "get", "--system-id", SYSTEM, "--org", "316859356", "--external-ref", "erp-4", "--json"]);
    assert_eq!(json(&out)["requiredAccessPackages"][0]["urn"], MERVERDIAVGIFT);

    let unknown = "0d1c2b3a-4f5e-4d6c-8b7a-9f8e7d6c5b4a";
    let out = run(&sim, &["change", "get", unknown]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains(&format!("Altinn knows no change request {unknown} (AUTH-00010)")), "{}", stderr(&out));
    let out = run(&sim, &["change", "get", unknown, "--json"]);
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!((v["error"]["kind"].as_str(), v["error"]["code"].as_str()), (Some("not-found"), Some("AUTH-00010")));
    assert!(v["error"]["message"].as_str().unwrap().contains("no change request"), "{v}");
    let out = run(&sim, &["change", "get", "--system-id", SYSTEM, "--org", "316859356"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("Altinn knows no change request for the system user of"), "{}", stderr(&out));
}

#[test]
fn list_says_plainly_when_it_may_be_incomplete() {
    // Two items a page: three change requests are more than Altinn's first page.
    let sim = sim_with(SimOptions::default().with_page_size(2));
    approved_user(&sim, "312317761", "erp-5");
    create_change(&sim, "312317761", "erp-5", &["--require-package", "merverdiavgift"]);
    let out = run(&sim, &["change", "list", "--system-id", SYSTEM]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("1 change request for {SYSTEM}\n")) && text.contains("+1 package"), "{text}");
    assert!(!text.contains("incomplete"), "{text}");
    let v = json(&run(&sim, &["change", "list", "--system-id", SYSTEM, "--json"]));
    assert_eq!((v["items"].as_array().unwrap().len(), v["mayBeIncomplete"].as_bool()), (1, Some(false)));
    assert!(v.get("hint").is_none(), "{v}");

    create_change(&sim, "312317761", "erp-5", &["--require-package", "regnskap-okonomi-rapport"]);
    create_change(&sim, "312317761", "erp-5", &["--remove-package", "skattegrunnlag"]);
    let out = run(&sim, &["change", "list", "--system-id", SYSTEM]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("2 change requests for {SYSTEM}\n")), "{text}");
    assert!(text.contains("⚠ this list may be incomplete"), "{text}");
    assert!(text.contains(&format!("`{} change get ID`", invocation(&sim))), "says how to look one up: {text}");
    let out = run(&sim, &["change", "list", "--system-id", SYSTEM, "--json"]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!((v["items"].as_array().unwrap().len(), v["mayBeIncomplete"].as_bool()), (2, Some(true)));
    assert!(v["hint"].as_str().unwrap().contains("change get --system-id SYSTEM --org ORGNO"), "{v}");
    assert!(v["items"][0].get("confirmUrl").is_some_and(Value::is_null), "list items carry no confirm link: {v}");
}

#[test]
fn withdraw_then_the_change_request_is_gone() {
    let sim = sim();
    approved_user(&sim, "313526011", "erp-6");
    let id = create_change(&sim, "313526011", "erp-6", &["--require-package", "merverdiavgift"]);
    let out = run(&sim, &["change", "withdraw", &id]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).starts_with(&format!("✓ change request {id} withdrawn\n")) && stdout(&out).contains("new --correlation-id"),
        "{}",
        stdout(&out)
    );
    let out = run(&sim, &["change", "get", &id]);
    assert_exit(&out, 1);
    let out = run(&sim, &["change", "withdraw", &id, "--json"]);
    assert_exit(&out, 1);
    assert_eq!(json(&out)["error"]["code"], "AUTH-00010");

    // The same change again: Altinn cannot take the withdrawn id (500 every time); a conflict
    // says so and the hint offers the command with a new one.
    let out = run(&sim, &change_args("313526011", "erp-6", &["--require-package", "merverdiavgift"]));
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("withdrawn change request") && err.contains("--correlation-id "), "{err}");

    let id2 = create_change(&sim, "313526011", "erp-6", &["--require-package", "regnskap-okonomi-rapport"]);
    let out = run(&sim, &["change", "withdraw", &id2, "--json"]);
    assert_exit(&out, 0);
    assert_eq!(json(&out), serde_json::json!({"ok": true, "id": id2, "withdrawn": true}));
}

#[test]
fn change_commands_that_cannot_reach_altinn_exit_4() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = base_command()
        .args(["--base-url", &format!("http://127.0.0.1:{port}"), "--deadline", "5", "change", "list", "--system-id", SYSTEM, "--json"])
        .env("SYSTEMUSER_TOKEN", "not-a-real-token")
        .output()
        .unwrap();
    assert_exit(&out, 4);
    assert_eq!(json(&out)["error"]["kind"], "transport");
}

// ---- status ---------------------------------------------------------------------------

/// Waits until the simulator served a read of change request `id` on its own route.
fn wait_for_change_read(sim: &Sim, id: &str) {
    for _ in 0..600 {
        if api_calls(sim).iter().any(|c| c["route"] == "get_change_request" && c["path"].as_str().is_some_and(|p| p.ends_with(id))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the CLI never read change request {id}");
}

#[test]
fn status_watch_follows_a_change_request_to_accepted() {
    let sim = sim();
    let user = approved_user(&sim, "314941888", "erp-7");
    let id = create_change(&sim, "314941888", "erp-7", &["--require-package", "merverdiavgift"]);

    // Without --watch: found after the request routes said no.
    let out = run(&sim, &["status", &id]);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with(&format!("{id} New (a change request)\n")), "{}", stdout(&out));
    let v = json(&run(&sim, &["status", &id, "--json"]));
    assert_eq!((v["kind"].as_str(), v["status"].as_str(), v["systemUserId"].as_str()), (Some("change"), Some("New"), Some(user.as_str())));

    clear_calls(&sim);
    let child = base_command()
        .args(["--base-url", &sim.handle.url(), "status", &id, "--watch", "--interval", "0.2", "--timeout", "60"])
        .env("SYSTEMUSER_TOKEN", &sim.token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_change_read(&sim, &id);
    sim.handle.approve_change(&id).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_no_token(&out, &sim.token);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("] New\n") && text.contains("] New → Accepted\n"), "{text}");
    assert!(text.contains("they approve the change in Altinn:"), "the first New shows the link: {text}");
    assert!(text.contains(&format!("✓ the customer approved the change: system user {user} holds it now")), "{text}");
    assert!(what_a_system_user_holds(&sim, &user).contains(&MERVERDIAVGIFT.to_string()));
    let calls = api_calls(&sim);
    assert!(calls.iter().any(|c| c["route"] == "get_request") && calls.iter().any(|c| c["route"] == "get_agent_request"), "{calls:?}");

    // --kind change asks the change-request route only; --json once decided.
    clear_calls(&sim);
    let out = run(&sim, &["status", &id, "--kind", "change", "--watch", "--json"]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!(
        (v["kind"].as_str(), v["status"].as_str(), v["terminal"].as_bool(), v["gaveUp"].as_bool()),
        (Some("change"), Some("Accepted"), Some(true), Some(false))
    );
    assert_eq!(v["changeRequest"]["id"], id.as_str());
    assert_eq!(v["transitions"].as_array().unwrap().len(), 1);
    assert!(api_calls(&sim).iter().all(|c| c["route"] == "get_change_request"), "{:?}", api_calls(&sim));
}

#[test]
fn status_watch_of_a_rejected_or_undecided_change_request() {
    let sim = sim();
    approved_user(&sim, "313093808", "erp-8");
    let id = create_change(&sim, "313093808", "erp-8", &["--require-package", "merverdiavgift"]);

    // Not decided yet, without --watch: exit 0.
    assert_exit(&run(&sim, &["status", &id]), 0);

    // Nobody decides: gives up (exit 5), saying how to watch again with the same options.
    let out = run(&sim, &["status", &id, "--watch", "--interval", "0.1", "--timeout", "0.3"]);
    assert_exit(&out, 5);
    assert!(stdout(&out).contains(&format!("run `{} status {id} --watch` again later", invocation(&sim))), "{}", stdout(&out));

    sim.handle.reject_change(&id).unwrap();
    let out = run(&sim, &["status", &id, "--watch"]);
    assert_exit(&out, 1);
    assert!(stdout(&out).contains("✗ the customer rejected the change") && stdout(&out).contains("new correlation id"), "{}", stdout(&out));
    let out = run(&sim, &["status", &id, "--watch", "--json"]);
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!((v["ok"].as_bool(), v["status"].as_str()), (Some(false), Some("Rejected")));
    // Without --watch the answer is the same "no": exit 1, as the README's exit table says.
    let out = run(&sim, &["status", &id]);
    assert_exit(&out, 1);
    assert!(stdout(&out).contains("✗ the customer rejected the change"), "{}", stdout(&out));
    let out = run(&sim, &["status", &id, "--json"]);
    assert_exit(&out, 1);
    assert_eq!(json(&out)["status"].as_str(), Some("Rejected"));

    // Asking for the same change finds the rejected one: exit 1, with the command that asks again.
    let out = run(&sim, &change_args("313093808", "erp-8", &["--require-package", "merverdiavgift", "--json"]));
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!((v["ok"].as_bool(), v["outcome"].as_str(), v["status"].as_str()), (Some(false), Some("existing"), Some("Rejected")));
    let next = v["nextStep"].as_str().unwrap();
    assert!(next.starts_with(&format!("{} change create --system-id {SYSTEM} --org 313093808", invocation(&sim))), "{next}");
    assert!(next.contains("--correlation-id ") && !next.contains(&id), "{next}");

    // An id that names nothing anywhere.
    let out = run(&sim, &["status", "0d1c2b3a-4f5e-4d6c-8b7a-9f8e7d6c5b4a"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("no request and no change request"), "{}", stderr(&out));
}
