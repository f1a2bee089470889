//! The `systemuser` commands with a Maskinporten key instead of a token: `--key`, `--kid`,
//! `--client-id` (and their environment variables), and `systemuser token`. The real binary,
//! the built component and an in-process simulator; no secret in any output.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use altinn_sim::test_client::{CLIENT_ID, KEY_PEM, KID};
use altinn_sim::{SimHandle, SimOptions, Simulator};
use serde_json::Value;

const SYSTEM: &str = "314248295_smartregnskap";
const SCOPE: &str = "ttd:regnskap.read";

/// The TEST-ONLY key as the file a vendor would have (in the temp dir, removed on drop).
struct KeyFile(PathBuf);

impl KeyFile {
    fn new(name: &str, contents: &str) -> Self {
        let path = std::env::temp_dir().join(format!("systemuser-cli-mp-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("key file");
        KeyFile(path)
    }
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

fn sim() -> SimHandle {
    Simulator::start(SimOptions::default().with_admin(true)).expect("the simulator starts")
}

fn base(sim: &SimHandle) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemuser"));
    cmd.arg("--component").arg(common::component_path()).arg("--base-url").arg(sim.url()).env("NO_COLOR", "1");
    for var in ["SYSTEMUSER_COMPONENT", "SYSTEMUSER_TOKEN", "SYSTEMUSER_KEY_FILE", "SYSTEMUSER_KID", "SYSTEMUSER_CLIENT_ID"] {
        cmd.env_remove(var);
    }
    cmd
}

/// `systemuser --base-url <sim> --key <file> --kid … --client-id … ARGS`.
fn run(sim: &SimHandle, key: &KeyFile, args: &[&str]) -> Output {
    let out = base(sim).arg("--key").arg(&key.0).args(["--kid", KID, "--client-id", CLIENT_ID]).args(args).output().expect("runs");
    assert_no_key_material(&out);
    out
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[track_caller]
fn assert_no_key_material(out: &Output) {
    let all = text(out);
    for line in KEY_PEM.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!all.contains(line), "key material in the output:\n{all}");
    }
}

#[track_caller]
fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "exit status\n{}", text(out));
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

#[test]
fn commands_run_on_signed_grants_and_token_gives_a_system_user_token() {
    let sim = sim();
    let key = KeyFile::new("key.pem", KEY_PEM);
    let org = "314224965";
    let out = run(&sim, &key, &["request", "create", "--system-id", SYSTEM, "--org", org, "--package", "skattegrunnlag", "--json"]);
    assert_exit(&out, 0);
    let id = json(&out)["id"].as_str().unwrap().to_string();

    // Not approved yet: MP-303 is an answer (exit 1), with what to do.
    let out = run(&sim, &key, &["token", "--org", org, "--scope", SCOPE]);
    assert_exit(&out, 1);
    assert!(text(&out).contains("MP-303") && text(&out).contains("approved"), "{}", text(&out));

    sim.approve(&id).unwrap();
    let out = run(&sim, &key, &["token", "--org", org, "--scope", SCOPE, "--json"]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!(v["scope"], SCOPE);
    assert!(v["token"].as_str().unwrap().contains("the rest hidden"), "{v}");
    // Times as every host writes them: ISO 8601, UTC, with Z; and the seconds left beside.
    let at = v["expiresAt"].as_str().unwrap_or_default();
    assert!(at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T' && at.starts_with("20"), "{v}");
    assert!((1..=3600).contains(&v["expiresIn"].as_i64().unwrap_or(0)), "{v}");

    let out = run(&sim, &key, &["token", "--org", org, "--scope", SCOPE, "--reveal"]);
    assert_exit(&out, 0);
    let token = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(token.lines().count(), 1, "--reveal prints the token alone");
    assert_eq!(token.trim().split('.').count(), 3, "a JWT");
    let grants = sim_calls(&sim).iter().filter(|c| c["route"] == "maskinporten_token").count();
    assert!(grants >= 4, "create (2 scopes) and three token commands each made a grant: {grants}");
}

fn sim_calls(sim: &SimHandle) -> Vec<Value> {
    let text = ureq::get(format!("{}/_sim/calls", sim.url())).call().unwrap().body_mut().read_to_string().unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["calls"].as_array().cloned().unwrap()
}

#[test]
fn key_options_come_from_the_environment_too_and_mistakes_are_usage_errors() {
    let sim = sim();
    let key = KeyFile::new("env-key.pem", KEY_PEM);
    let out = base(&sim)
        .args(["request", "list", "--system-id", SYSTEM, "--json"])
        .env("SYSTEMUSER_KEY_FILE", &key.0)
        .env("SYSTEMUSER_KID", KID)
        .env("SYSTEMUSER_CLIENT_ID", CLIENT_ID)
        .output()
        .unwrap();
    assert_exit(&out, 0);

    let out = base(&sim).arg("--key").arg(&key.0).args(["--kid", KID, "request", "list", "--system-id", SYSTEM]).output().unwrap();
    assert_exit(&out, 2);
    assert!(text(&out).contains("--client-id"), "{}", text(&out));

    let broken = KeyFile::new("broken.pem", "-----BEGIN PRIVATE KEY-----\nTk9UQUtFWQ==\n-----END PRIVATE KEY-----\n");
    let out = run(&sim, &broken, &["request", "list", "--system-id", SYSTEM]);
    assert_exit(&out, 2);
    assert!(text(&out).contains("not an RSA PKCS#8 key") && !text(&out).contains("Tk9UQUtFWQ"), "{}", text(&out));

    let out = base(&sim).args(["token", "--org", "314224965", "--scope", SCOPE]).output().unwrap();
    assert_exit(&out, 2);
    assert!(text(&out).contains("--key"), "{}", text(&out));

    // A key the client does not have: exit 4, and the message names the kid to check.
    let out = base(&sim)
        .arg("--key")
        .arg(&key.0)
        .args(["--kid", "other-kid", "--client-id", CLIENT_ID, "request", "list", "--system-id", SYSTEM])
        .output()
        .unwrap();
    assert_exit(&out, 4);
    assert!(text(&out).contains("MP-120") && text(&out).contains("other-kid"), "{}", text(&out));
}

/// Whether `text` holds something shaped like a JWT (`eyJ…` then a dot).
fn has_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(at, _)| {
        let run: String = text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
        run.len() > 30 && run.contains('.')
    })
}

#[test]
fn the_components_own_token_quoted_back_by_the_server_appears_in_no_output() {
    let sim = sim();
    let key = KeyFile::new("echo-key.pem", KEY_PEM);
    let fault = serde_json::json!({"route": "list_requests", "kind": "echo_token"}).to_string();
    for json_flag in [true, false] {
        ureq::post(format!("{}/_sim/faults", sim.url())).header("content-type", "application/json").send(&fault).expect("armed");
        let mut args = vec!["request", "list", "--system-id", SYSTEM];
        if json_flag {
            args.push("--json");
        }
        let out = run(&sim, &key, &args);
        assert_exit(&out, 1);
        // Printed on purpose: the secret scan of `make test` knows the Maskinporten token.
        println!("{}", text(&out));
        assert!(text(&out).contains("[redacted]"), "{}", text(&out));
        assert!(!has_jwt(&text(&out)), "a token in the output:\n{}", text(&out));
    }
}
