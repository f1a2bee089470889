//! `systemuser validate` end to end: the real binary, the built component, sample files.

mod cli;
mod common;

use std::path::Path;
use std::process::{Command, Output};

use cli::*;
use serde_json::Value;

fn systemuser(args: &[&str]) -> Output {
    base_command().args(args).output().expect("the systemuser binary runs")
}

fn data(name: &str) -> String {
    common::data(name).display().to_string()
}

/// Parses `--json` output and checks its exact shape: one line,
/// `{"ok": bool, "violations": [{"code", "field", "message"}]}` and nothing else.
#[track_caller]
fn json_verdict(out: &Output) -> (bool, Vec<(String, String, String)>) {
    let text = stdout(out);
    assert_eq!(text.lines().count(), 1, "--json prints one line: {text:?}");
    let value: Value = serde_json::from_str(&text).expect("--json output is JSON");
    let object = value.as_object().expect("an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["ok", "violations"], "{text}");
    let ok = object["ok"].as_bool().expect("ok is a bool");
    let violations = object["violations"]
        .as_array()
        .expect("violations is an array")
        .iter()
        .map(|v| {
            let v = v.as_object().expect("a violation is an object");
            let mut keys: Vec<&str> = v.keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["code", "field", "message"], "{text}");
            let s = |k: &str| v[k].as_str().expect("a string").to_owned();
            (s("code"), s("field"), s("message"))
        })
        .collect();
    (ok, violations)
}

#[test]
fn valid_standard_request_exits_0_and_prints_the_normalised_body() {
    let out = systemuser(&["validate", "--request", &data("standard_valid.json")]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("✓ request is valid\n"), "{text}");
    let body: Value = serde_json::from_str(text.split_once('\n').unwrap().1).expect("body is JSON");
    assert_eq!(body["systemId"], "314248295_smartregnskap");
    assert_eq!(body["partyOrgNo"], "310816191");
    assert_eq!(body["externalRef"], "kunde-310816191");
    assert_eq!(body["rights"][0]["resource"][0]["value"], "ske-krav-og-betalinger");
}

#[test]
fn valid_standard_request_json() {
    let out = systemuser(&["validate", "--json", "--request", &data("standard_valid.json")]);
    assert_exit(&out, 0);
    assert_eq!(json_verdict(&out), (true, vec![]));
}

#[test]
fn valid_against_its_registered_system() {
    let out =
        systemuser(&["validate", "--json", "--request", &data("standard_valid.json"), "--system", &data("system_smartregnskap.json")]);
    assert_exit(&out, 0);
    assert_eq!(json_verdict(&out), (true, vec![]));
}

#[test]
fn normalises_what_the_server_would() {
    // Upper-case member name, spaces, `0192:` prefix, no externalRef, an unknown member.
    let out = systemuser(&["validate", "--request", &data("standard_untrimmed.json")]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let body: Value = serde_json::from_str(text.split_once('\n').unwrap().1).expect("body is JSON");
    assert_eq!(body["systemId"], "314248295_smartregnskap");
    assert_eq!(body["partyOrgNo"], "310816191");
    assert_eq!(body["externalRef"], "310816191");
}

#[test]
fn agent_request_with_rights_exits_1() {
    let out = systemuser(&["validate", "--agent", "--json", "--request", &data("agent_with_rights.json")]);
    assert_exit(&out, 1);
    let (ok, violations) = json_verdict(&out);
    assert!(!ok);
    assert!(violations.iter().any(|(code, field, _)| code == "rights-on-agent-request" && field == "rights"), "{violations:?}");
}

#[test]
fn valid_agent_request_exits_0() {
    let out = systemuser(&["validate", "--agent", "--request", &data("agent_valid.json"), "--system", &data("system_smartregnskap.json")]);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with("✓ request is valid\n"));
}

#[test]
fn unregistered_redirect_url_exits_1_with_auth_00021() {
    let args = ["validate", "--json", "--request", &data("standard_unregistered_redirect.json")];
    // Without the registered system nothing says the URL is wrong (`/callback/` ≠ `/callback`).
    let out = systemuser(&args);
    assert_exit(&out, 0);

    let system = data("system_smartregnskap.json");
    let out = systemuser(&[&args[..], &["--system", &system]].concat());
    assert_exit(&out, 1);
    let (ok, violations) = json_verdict(&out);
    assert!(!ok);
    assert_eq!(
        violations.iter().map(|(c, f, _)| (c.as_str(), f.as_str())).collect::<Vec<_>>(),
        [("AUTH-00021", "redirectUrl")],
        "{violations:?}"
    );
}

#[test]
fn invalid_request_in_plain_words() {
    let out = systemuser(&["validate", "--request", &data("standard_bad_org.json")]);
    assert_exit(&out, 1);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 2, "{text}");
    let (problems, summary) = lines.split_at(lines.len() - 1);
    for line in problems {
        assert!(line.starts_with("✗ ") && line.ends_with(']'), "not `✗ field: message [code]`: {line}");
    }
    assert!(problems.iter().any(|l| l.starts_with("✗ partyOrgNo: ")), "{text}");
    assert!(summary[0].contains("invalid"), "{text}");
}

#[test]
fn unreadable_file_exits_2_with_nothing_on_stdout() {
    let missing = common::data("no-such-file.json");
    let out = systemuser(&["validate", "--json", "--request", &missing.display().to_string()]);
    assert_exit(&out, 2);
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("no-such-file.json"), "{}", stderr(&out));

    let out = systemuser(&["validate", "--request", &data("standard_valid.json"), "--system", &missing.display().to_string()]);
    assert_exit(&out, 2);
}

#[test]
fn malformed_json_exits_2() {
    for json in [false, true] {
        let mut args = vec!["validate", "--request"];
        let file = data("malformed.json");
        args.push(&file);
        if json {
            args.push("--json");
        }
        let out = systemuser(&args);
        assert_exit(&out, 2);
        assert_eq!(stdout(&out), "");
        assert!(stderr(&out).contains("decode"), "{}", stderr(&out));
    }
}

#[test]
fn malformed_system_file_exits_2() {
    let out = systemuser(&["validate", "--request", &data("standard_valid.json"), "--system", &data("malformed.json")]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("registered system"), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_2() {
    assert_exit(&systemuser(&["validate"]), 2);
    assert_exit(&systemuser(&["no-such-command"]), 2);
}

#[test]
fn missing_component_exits_2_and_says_how_to_build_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_systemuser"))
        .args(["validate", "--component", "/nonexistent/component.wasm", "--request"])
        .arg(Path::new(&data("standard_valid.json")))
        .output()
        .expect("runs");
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("make build"), "{}", stderr(&out));
}
