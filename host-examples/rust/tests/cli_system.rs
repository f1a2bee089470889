//! `systemuser system list | show | register | update | set-rights | set-packages | delete |
//! changelog`, end to end: the real binary, the built component and an in-process simulator on
//! a free port (`--base-url`), the token in `SYSTEMUSER_TOKEN`. Human output, `--json`, exit
//! codes, hints that carry the global options in force, files that do not decode; every run
//! checks that the token appears in no output.

mod cli;
mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use altinn_sim::{FaultKind, FaultSpec};
use cli::*;
use serde_json::{json, Value};

const NEW_SYSTEM: &str = "314248295_smartlonn";

/// A file in the temp dir, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("systemuser-cli-system-{}-{n}.json", std::process::id()));
        std::fs::write(&path, contents).expect("temp file");
        TempFile(path)
    }

    fn arg(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

/// The routes of the calls on Altinn's routes so far.
fn routes(sim: &Sim) -> Vec<String> {
    let calls = admin_get(sim, "/_sim/calls")["calls"].as_array().cloned().unwrap_or_default();
    calls.iter().filter_map(|c| c["route"].as_str().map(String::from)).collect()
}

fn stored(sim: &Sim, id: &str) -> Vec<Value> {
    admin_get(sim, "/_sim/systems")["systems"].as_array().cloned().unwrap_or_default().into_iter().filter(|s| s["id"] == id).collect()
}

/// The new system in Altinn's shape, as a vendor writes the file.
fn system_document() -> Value {
    json!({
        "id": NEW_SYSTEM,
        "vendor": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{VENDOR}")},
        "name": {"nb": "SmartLønn", "nn": "SmartLøn", "en": "SmartPayroll"},
        "description": {"nb": "Lønn for små bedrifter", "nn": "Løn for små verksemder", "en": "Payroll for small businesses"},
        "rights": [{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}],
        "accessPackages": [{"urn": "urn:altinn:accesspackage:skattegrunnlag"}],
        "clientId": ["sim-spare-client"],
        "isVisible": true,
        "allowedRedirectUrls": ["https://smartlonn.example/callback"]
    })
}

#[test]
fn register_show_update_set_changelog_and_delete() {
    let sim = sim();
    let inv = invocation(&sim);
    let file = TempFile::new(&system_document().to_string());

    let out = run(&sim, &["system", "register", "--file", file.arg()]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("✓ system {NEW_SYSTEM} registered\n  internal id:   ")), "{text}");
    let internal = stored(&sim, NEW_SYSTEM)[0]["internalId"].as_str().unwrap().to_string();
    for line in [
        format!("  internal id:   {internal}\n"),
        "  name:          SmartPayroll\n".into(),
        "  rights:        1 right\n".into(),
        "  packages:      1 access package\n".into(),
        "  client ids:    sim-spare-client\n".into(),
        format!("next: `{inv} system show {NEW_SYSTEM}`; requests for it can be created at once: `{inv} request create --system-id {NEW_SYSTEM} --org ORGNO …`\n"),
    ] {
        assert!(text.contains(&line), "missing {line:?}:\n{text}");
    }

    // Usable at once: a request for it.
    let out = run(&sim, &["request", "create", "--system-id", NEW_SYSTEM, "--org", "310816191", "--package", "skattegrunnlag"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains(&format!("  system:       {NEW_SYSTEM}\n")), "{}", stdout(&out));

    // The same file again: the id is taken (Altinn's AUTH.VLD-00002), one system stays.
    let out = run(&sim, &["--json", "system", "register", "--file", file.arg()]);
    assert_exit(&out, 1);
    let doc = json(&out);
    assert_eq!((doc["ok"].as_bool(), doc["exitCode"].as_u64(), doc["error"]["kind"].as_str()), (Some(false), Some(1), Some("altinn")));
    assert!(doc["error"]["violations"].as_array().unwrap().iter().any(|v| v["code"] == "AUTH.VLD-00002"), "{doc}");
    let hint = doc["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains(&format!("`{inv} system show {NEW_SYSTEM}`")) && hint.contains(&format!("`{inv} system update --file FILE.json`")),
        "{hint}"
    );
    assert!(
        stderr(&out).contains("\n  ✗ /registersystemrequest/systemid: The system id already exists [AUTH.VLD-00002]"),
        "{}",
        stderr(&out)
    );
    // The status and code are said once, not once by the component and again by the host.
    let message = doc["error"]["message"].as_str().unwrap();
    assert_eq!(message.matches("Altinn refused the request").count(), 1, "{message}");
    assert!(stderr(&out).starts_with("error: Altinn refused the request (400 "), "{}", stderr(&out));
    assert_eq!(stored(&sim, NEW_SYSTEM).len(), 1);

    // `system show --json` goes back through `system update --file` as it is, edited.
    let out = run(&sim, &["--json", "system", "show", NEW_SYSTEM]);
    assert_exit(&out, 0);
    let mut shown = json(&out);
    assert_eq!(shown["vendorOrgNo"], VENDOR);
    assert_eq!(shown["clientIds"], json!(["sim-spare-client"]));
    shown["name"]["en"] = json!("SmartPayroll Pro");
    let edited = TempFile::new(&shown.to_string());
    let out = run(&sim, &["system", "update", "--file", edited.arg()]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "✓ system {NEW_SYSTEM} updated\n  replaced:      name, description, rights, accessPackages, clientId, isVisible, allowedRedirectUrls\n  kept:          (nothing)\nnext: `{inv} system show {NEW_SYSTEM}`\n"
        )
    );

    // A file that names one member: the rest is kept as stored.
    let partial = TempFile::new(&json!({"id": NEW_SYSTEM, "isVisible": false}).to_string());
    let out = run(&sim, &["--json", "system", "update", "--file", partial.arg()]);
    assert_exit(&out, 0);
    assert_eq!(json(&out), json!({"ok": true, "outcome": "updated", "systemId": NEW_SYSTEM, "replaced": ["isVisible"]}));
    let after = json(&run(&sim, &["--json", "system", "show", NEW_SYSTEM]));
    assert_eq!(after["isVisible"], false);
    assert_eq!(after["name"]["en"], "SmartPayroll Pro");
    for member in ["description", "rights", "accessPackages", "clientIds", "allowedRedirectUrls"] {
        assert_eq!(after[member], shown[member], "{member} kept");
    }

    let out = run(
        &sim,
        &[
            "system",
            "set-rights",
            NEW_SYSTEM,
            "--right",
            "ske-krav-og-betalinger",
            "--right",
            "urn:altinn:resource=ske-innrapportering-a-ordning",
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!("✓ rights of {NEW_SYSTEM} set: 2 rights\n  right:         urn:altinn:resource=ske-krav-og-betalinger\n  right:         urn:altinn:resource=ske-innrapportering-a-ordning\n")
    );
    let out = run(
        &sim,
        &[
            "--json",
            "system",
            "set-packages",
            NEW_SYSTEM,
            "--package",
            "skattegrunnlag",
            "--package",
            "urn:altinn:accesspackage:merverdiavgift",
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(
        json(&out),
        json!({"ok": true, "outcome": "access-packages-set", "systemId": NEW_SYSTEM, "accessPackages": [
            {"urn": "urn:altinn:accesspackage:skattegrunnlag"}, {"urn": "urn:altinn:accesspackage:merverdiavgift"}]})
    );
    let out = run(&sim, &["system", "show", NEW_SYSTEM]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    for line in [
        format!("{NEW_SYSTEM}  SmartPayroll Pro\n"),
        "  visible:       no\n".into(),
        "  rights:        urn:altinn:resource=ske-krav-og-betalinger\n                 urn:altinn:resource=ske-innrapportering-a-ordning\n"
            .into(),
        "  packages:      urn:altinn:accesspackage:skattegrunnlag\n                 urn:altinn:accesspackage:merverdiavgift\n".into(),
        "  redirect urls: https://smartlonn.example/callback\n".into(),
        "  client ids:    sim-spare-client\n".into(),
    ] {
        assert!(text.contains(&line), "missing {line:?}:\n{text}");
    }

    let out = run(&sim, &["system", "changelog", NEW_SYSTEM]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("5 changes to {NEW_SYSTEM}\nWHEN ")), "{text}");
    for kind in ["  create ", "  update ", "  rightsupdate ", "  accesspackageupdate "] {
        assert!(text.contains(kind), "missing {kind:?}:\n{text}");
    }
    assert!(text.contains(&format!("`{inv} --json system changelog {NEW_SYSTEM}` shows the body each change sent")), "{text}");
    let log = json(&run(&sim, &["--json", "system", "changelog", NEW_SYSTEM]));
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|c| c["systemInternalId"] == internal.as_str() && c["changedByOrgNo"] == VENDOR));
    let rights = items.iter().find(|c| c["changeType"] == "rightsupdate").unwrap();
    assert!(rights["changedData"].is_array(), "changedData is the body sent, as JSON: {rights}");

    let out = run(&sim, &["system", "list"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("4 systems in the System Register\nID "), "{text}");
    assert!(text.contains(&format!("\n{NEW_SYSTEM}      no       2       2         SmartPayroll Pro\n")), "{text}");
    let listed = json(&run(&sim, &["--json", "system", "list"]));
    assert!(listed["items"].as_array().unwrap().iter().any(|s| s["id"] == NEW_SYSTEM));

    let out = run(&sim, &["system", "delete", NEW_SYSTEM]);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with(&format!("✓ system {NEW_SYSTEM} deleted\n")), "{}", stdout(&out));
    let out = run(&sim, &["--json", "system", "delete", NEW_SYSTEM]);
    assert_exit(&out, 0);
    assert_eq!(json(&out), json!({"ok": true, "outcome": "deleted", "systemId": NEW_SYSTEM}));
    assert_eq!(routes(&sim).iter().filter(|r| *r == "delete_registered_system").count(), 1, "deleting again sends no DELETE");

    // A deleted system stays deleted.
    let out = run(&sim, &["system", "set-rights", NEW_SYSTEM, "--none"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("[AUTH.VLD") || err.contains("is deleted"), "{err}");
    assert!(err.contains("hint: a deleted system stays deleted and its id is never reused"), "{err}");
    let out = run(&sim, &["--json", "system", "update", "--file", partial.arg()]);
    assert_exit(&out, 1);
    assert_eq!(json(&out)["error"]["code"], "system-deleted");
    assert!(!json(&run(&sim, &["--json", "system", "list"]))["items"].as_array().unwrap().iter().any(|s| s["id"] == NEW_SYSTEM));
}

#[test]
fn a_bad_system_is_refused_before_sending_and_a_bad_file_is_exit_2() {
    let sim = sim();
    let mut bad = system_document();
    bad["id"] = json!("314248295_smart lonn");
    bad["allowedRedirectUrls"] = json!(["http://smartlonn.example/callback"]);
    let file = TempFile::new(&bad.to_string());
    let out = run(&sim, &["system", "register", "--file", file.arg()]);
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.starts_with("error: validation failed (2 violations):\n"), "{err}");
    assert!(err.contains("\n  ✗ id: the system id \"314248295_smart lonn\" holds a space [AUTH.VLD-00013]"), "{err}");
    assert!(
        err.contains("\n  ✗ allowedRedirectUrls[0]: \"http://smartlonn.example/callback\" is not an absolute https URL [AUTH.VLD-00005]"),
        "{err}"
    );
    assert!(err.contains("hint: nothing was sent"), "{err}");
    let out = run(&sim, &["--json", "system", "register", "--file", file.arg()]);
    assert_exit(&out, 1);
    let doc = json(&out);
    assert_eq!(doc["error"]["kind"], "validation");
    let codes: Vec<&str> = doc["error"]["violations"].as_array().unwrap().iter().map(|v| v["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["AUTH.VLD-00013", "AUTH.VLD-00005"]);
    assert!(routes(&sim).is_empty(), "nothing was sent: {:?}", routes(&sim));

    // An agent-only package on a visible system: only the stored system is read.
    let out = run(&sim, &["system", "set-packages", "314248295_smartregnskap", "--package", "regnskapsforer-lonn"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("[AUTH.VLD-00018]"), "{}", stderr(&out));
    assert_eq!(routes(&sim), ["get_registered_system"]);

    // Files that do not decode, and bad usage: exit 2, nothing on stdout, nothing sent.
    let not_json = TempFile::new("{\"id\": ");
    let misspelt = TempFile::new(&json!({"id": NEW_SYSTEM, "clientIdz": ["x"]}).to_string());
    let list = TempFile::new("[1, 2]");
    let other_vendor = TempFile::new(&json!({"id": NEW_SYSTEM, "vendor": {"ID": "0192:313367002"}, "isVisible": true}).to_string());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["system", "register", "--file", not_json.arg()], "cannot decode the system file"),
        (vec!["system", "register", "--file", misspelt.arg()], "clientIdz"),
        (vec!["system", "update", "--file", misspelt.arg()], "clientIdz"),
        (vec!["system", "update", "--file", list.arg()], "it is not a JSON object"),
        (vec!["system", "update", "--file", other_vendor.arg()], "a system never changes vendor"),
        (vec!["system", "register", "--file", "/nonexistent/system.json"], "cannot read the system file"),
        (vec!["system", "set-rights", NEW_SYSTEM], "--right"),
        (vec!["system", "set-packages", NEW_SYSTEM, "--package", "skattegrunnlag", "--none"], "cannot be used with"),
        (vec!["system", "register"], "--file"),
    ];
    for (args, said) in cases {
        let mut json_args = vec!["--json"];
        json_args.extend(&args);
        let out = run(&sim, &json_args);
        assert_exit(&out, 2);
        assert_eq!(stdout(&out), "", "{args:?}: a usage error leaves stdout empty");
        assert!(stderr(&out).contains(said), "{args:?}: expected {said:?} in:\n{}", stderr(&out));
    }
    assert_eq!(routes(&sim), ["get_registered_system"], "nothing more was sent");
}

#[test]
fn another_vendors_system_unknown_ones_and_an_unreachable_altinn() {
    let sim = sim();
    let inv = invocation(&sim);
    // Another vendor's system is an answer (exit 1), as `request list` gives for it: the token
    // reads this vendor's own systems, so the 403 is not about its scope.
    for args in [&["system", "show", FOREIGN_SYSTEM][..], &["system", "delete", FOREIGN_SYSTEM], &["system", "changelog", FOREIGN_SYSTEM]] {
        let out = run(&sim, args);
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(err.contains(&format!("error: system {FOREIGN_SYSTEM} is not yours")), "{args:?}: {err}");
        assert!(err.contains(&format!("hint: `{inv} system list` lists your systems (yours start with {VENDOR}_)")), "{err}");
    }
    let out = run(&sim, &["--json", "system", "set-rights", FOREIGN_SYSTEM, "--right", "ske-krav-og-betalinger"]);
    assert_exit(&out, 1);
    let doc = json(&out);
    assert_eq!(
        (doc["exitCode"].as_u64(), doc["error"]["kind"].as_str(), doc["error"]["status"].as_u64()),
        (Some(1), Some("forbidden"), Some(403))
    );
    let out = run(&sim, &["request", "list", "--system-id", FOREIGN_SYSTEM]);
    assert_exit(&out, 1);
    // A token without the System Register's scope: the 403 is about the token (exit 4).
    let narrow = sim.handle.mint_token(VENDOR, &["altinn:authentication/systemuser.request.read"]);
    let out = base_command()
        .args(["--base-url", &sim.handle.url(), "system", "show", FOREIGN_SYSTEM])
        .env("SYSTEMUSER_TOKEN", &narrow)
        .output()
        .unwrap();
    assert_exit(&out, 4);
    assert!(stderr(&out).contains("hint: the token needs the scope altinn:authentication/systemregister.write"), "{}", stderr(&out));
    assert_eq!(
        admin_get(&sim, "/_sim/systems")["systems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["id"] == FOREIGN_SYSTEM && s["isDeleted"] == false)
            .count(),
        1
    );

    let out = run(&sim, &["system", "show", "314248295_ukjent"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("no registered system \"314248295_ukjent\""), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("hint: `{inv} system list` lists your systems")), "{}", stderr(&out));

    let out = base_command()
        .args(["--base-url", "http://127.0.0.1:9", "--deadline", "2", "system", "list"])
        .env("SYSTEMUSER_TOKEN", &sim.token)
        .output()
        .unwrap();
    assert_exit(&out, 4);
    let out = base_command().args(["--base-url", &sim.handle.url(), "system", "list"]).output().unwrap();
    assert_exit(&out, 4);
    assert!(stderr(&out).contains("SYSTEMUSER_TOKEN"), "no token: says how to give one: {}", stderr(&out));
}

#[test]
fn a_lost_answer_to_register_is_found_again() {
    let sim = sim();
    sim.handle.arm_fault(FaultSpec::new("create_registered_system", FaultKind::LostResponse)).unwrap();
    let file = TempFile::new(&system_document().to_string());
    let out = run(&sim, &["system", "register", "--file", file.arg()]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).starts_with(&format!("✓ system {NEW_SYSTEM} registered (the answer was lost; found it registered by its id)\n")),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("internal id"), "{}", stdout(&out));
    assert_eq!(stored(&sim, NEW_SYSTEM).len(), 1);

    let sim = self::sim();
    sim.handle.arm_fault(FaultSpec::new("create_registered_system", FaultKind::LostResponse)).unwrap();
    let out = run(&sim, &["--json", "system", "register", "--file", "-"]);
    // `-` reads stdin: nothing there is a file that does not decode.
    assert_exit(&out, 2);
    let mut child = base_command()
        .args(["--base-url", &sim.handle.url(), "--json", "system", "register", "--file", "-"])
        .env("SYSTEMUSER_TOKEN", &sim.token)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(system_document().to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_exit(&out, 0);
    assert_eq!(json(&out), json!({"ok": true, "outcome": "reconciled", "systemId": NEW_SYSTEM, "internalId": null, "reconciled": true}));
    assert_eq!(stored(&sim, NEW_SYSTEM).len(), 1);
    assert_eq!(routes(&sim).iter().filter(|r| *r == "create_registered_system").count(), 1);
}
