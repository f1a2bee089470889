//! What the CLI tests share: the real `systemuser` binary with the built component, an
//! in-process simulator on a free port with a vendor token, and readers of a run's output.
//! Every run through [`run`] checks that the token appears in no output.
#![allow(dead_code)] // each CLI test crate uses a different part

use std::path::PathBuf;
use std::process::{Command, Output};

use altinn_sim::{SimHandle, SimOptions, Simulator};
use serde_json::Value;

use crate::common;

pub const VENDOR: &str = "314248295";
pub const SYSTEM: &str = "314248295_smartregnskap";
pub const AGENT_SYSTEM: &str = "314248295_smartbyraa";
pub const FOREIGN_SYSTEM: &str = "313367002_konkurrent";
pub const REDIRECT: &str = "https://smartregnskap.example/callback";
pub const SCOPES: [&str; 3] = [
    "altinn:authentication/systemuser.request.write",
    "altinn:authentication/systemuser.request.read",
    "altinn:authentication/systemregister.write",
];

/// How a run is given the component.
#[derive(Clone, Copy)]
pub enum Component {
    /// `--component <path>`: every hint the CLI suggests carries it.
    Flag,
    /// `SYSTEMUSER_COMPONENT=<path>`, so that the suggested commands carry only the options a
    /// test gives.
    Env,
}

pub struct Sim {
    pub handle: SimHandle,
    pub token: String,
    pub component: Component,
}

/// A simulator with its admin routes and the vendor's token; runs give `--component`.
pub fn sim() -> Sim {
    sim_with(SimOptions::default())
}

/// As [`sim`], with these options (the admin routes always on).
pub fn sim_with(options: SimOptions) -> Sim {
    start(options, Component::Flag)
}

/// A simulator with these options (the admin routes always on), runs giving the component so.
pub fn start(options: SimOptions, component: Component) -> Sim {
    let handle = Simulator::start(options.with_admin(true)).expect("the simulator starts");
    let token = handle.mint_token(VENDOR, &SCOPES);
    Sim { handle, token, component }
}

/// The binary with the component given so; no variable inherited that could change the answer.
pub fn command(component: Component) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemuser"));
    match component {
        Component::Flag => {
            cmd.arg("--component").arg(common::component_path()).env_remove("SYSTEMUSER_COMPONENT");
        }
        Component::Env => {
            cmd.env("SYSTEMUSER_COMPONENT", common::component_path());
        }
    }
    cmd.env("NO_COLOR", "1");
    for var in [
        "SYSTEMUSER_TOKEN",
        "SYSTEMUSER_BASE_URL",
        "SYSTEMUSER_ENV",
        "SYSTEMUSER_KEY_FILE",
        "SYSTEMUSER_KID",
        "SYSTEMUSER_CLIENT_ID",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The binary with `--component <path>`.
pub fn base_command() -> Command {
    command(Component::Flag)
}

/// The binary with the component in `SYSTEMUSER_COMPONENT`.
pub fn component_in_env_command() -> Command {
    command(Component::Env)
}

/// What a hint's command starts with: the binary's name and this run's global options.
pub fn invocation(sim: &Sim) -> String {
    format!("systemuser --component {} --base-url {}", common::component_path().display(), sim.handle.url())
}

/// `systemuser --base-url <sim> ARGS` with the token in `SYSTEMUSER_TOKEN`.
pub fn run(sim: &Sim, args: &[&str]) -> Output {
    let out = command(sim.component)
        .arg("--base-url")
        .arg(sim.handle.url())
        .args(args)
        .env("SYSTEMUSER_TOKEN", &sim.token)
        .output()
        .expect("runs");
    assert_no_token(&out, &sim.token);
    out
}

#[track_caller]
pub fn assert_no_token(out: &Output, token: &str) {
    let signature = token.rsplit('.').next().unwrap_or(token);
    for (name, text) in [("stdout", stdout(out)), ("stderr", stderr(out))] {
        assert!(!text.contains(token) && !text.contains(signature), "the token appears on {name}:\n{text}");
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "exit status\n--- stdout\n{}\n--- stderr\n{}", stdout(out), stderr(out));
}

/// `--json` output: exactly one JSON document on one line.
#[track_caller]
pub fn json(out: &Output) -> Value {
    let text = stdout(out);
    assert_eq!(text.lines().count(), 1, "--json prints one line: {text:?}\n--- stderr\n{}", stderr(out));
    serde_json::from_str(&text).expect("--json output is JSON")
}

/// `request create` of a standard request for (`org`, `external_ref`) on [`SYSTEM`].
pub fn create_args<'a>(org: &'a str, external_ref: &'a str) -> Vec<&'a str> {
    vec![
        "request",
        "create",
        "--system-id",
        SYSTEM,
        "--org",
        org,
        "--external-ref",
        external_ref,
        "--right",
        "urn:altinn:resource=ske-krav-og-betalinger",
        "--package",
        "skattegrunnlag",
        "--redirect-url",
        REDIRECT,
    ]
}

/// Creates a standard request through the CLI and returns its id.
pub fn create(sim: &Sim, org: &str, external_ref: &str) -> String {
    let out = run(sim, &[&create_args(org, external_ref)[..], &["--json"]].concat());
    assert_exit(&out, 0);
    json(&out)["id"].as_str().expect("an id").to_string()
}

/// An admin route of the simulator, as JSON.
pub fn admin_get(sim: &Sim, path: &str) -> Value {
    let text = ureq::get(format!("{}{path}", sim.handle.url())).call().expect("admin route").body_mut().read_to_string().expect("body");
    serde_json::from_str(&text).expect("admin JSON")
}

/// A file `name` in the temp dir with these contents.
pub fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("systemuser-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).expect("temp file");
    path
}
