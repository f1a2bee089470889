//! The CLI never strands its user (#18): a closed pipe ends it quietly, every suggested command
//! carries the options in force (flags or `SYSTEMUSER_BASE_URL` / `SYSTEMUSER_ENV`), exit codes
//! agree with the README, messages say each thing once in the CLI's words, and the compiled
//! component is cached so that a second start takes milliseconds. The real binary against an
//! in-process simulator, as in `cli_commands`.

mod cli;
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use altinn_sim::SimOptions;
use cli::component_in_env_command as base_command;
use cli::*;
use serde_json::Value;

/// Pages of 2, so that a listing has a next page to suggest; the component in
/// `SYSTEMUSER_COMPONENT`, so that the suggested commands carry only the options each test gives.
fn sim() -> Sim {
    start(SimOptions::default().with_page_size(2), Component::Env)
}

/// A directory of its own under the system's temp dir, removed afterwards.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let dir = std::env::temp_dir().join(format!("systemuser-cli-dx-{}-{name}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every line holding a suggested command (`` `systemuser …` `` or after `more:`), the command.
fn suggested_commands(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(start) = rest.find("`systemuser") {
            let after = &rest[start + 1..];
            let end = after.find('`').unwrap_or(after.len());
            found.push(after[..end].to_string());
            rest = &after[end..];
            rest = rest.get(1..).unwrap_or("");
        }
        if let Some(more) = line.strip_prefix("more: ") {
            found.push(more.to_string());
        }
    }
    found
}

// ---- 1. a closed pipe ----------------------------------------------------------------------

/// Runs `cmd` with its stdout a pipe whose reading end is closed before the process writes
/// (as `systemuser … | head -0` does, or `head` after its lines).
fn with_stdout_closed(mut cmd: Command) -> Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawns");
    drop(child.stdout.take());
    child.wait_with_output().expect("runs")
}

#[test]
fn a_closed_pipe_ends_the_cli_quietly_with_141() {
    let sim = sim();
    for i in 0..3 {
        create(&sim, "310816191", &format!("pipe-{i}"));
    }
    let listings: [&[&str]; 4] = [
        &["request", "list", "--system-id", SYSTEM],
        &["--json", "request", "list", "--system-id", SYSTEM],
        &["system", "list"],
        &["users", "list", "--system-id", SYSTEM],
    ];
    for args in listings {
        let mut cmd = base_command();
        cmd.arg("--base-url").arg(sim.handle.url()).args(args).env("SYSTEMUSER_TOKEN", &sim.token);
        let out = with_stdout_closed(cmd);
        assert_eq!(out.status.code(), Some(141), "{args:?}: exit 141 (128 + SIGPIPE)\n{}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}: nothing on stderr, no panic, no backtrace");
    }
    // validate prints without Altinn: the same.
    let mut cmd = base_command();
    cmd.args(["validate", "--request"]).arg(common::data("standard_valid.json"));
    let out = with_stdout_closed(cmd);
    assert_eq!(out.status.code(), Some(141), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

// ---- 2. hints carry the options in force; SYSTEMUSER_BASE_URL / SYSTEMUSER_ENV -------------

#[test]
fn every_suggested_command_carries_the_global_options() {
    let sim = sim();
    let url = sim.handle.url();
    let inv = format!("systemuser --base-url {url} --deadline 30");
    let id = create(&sim, "310816191", "hint-1");
    let rejected = create(&sim, "314224965", "hint-2");
    sim.handle.reject(&rejected).unwrap();
    for i in 0..3 {
        create(&sim, "317103360", &format!("hint-page-{i}"));
    }

    let runs: [&[&str]; 6] = [
        &["request", "create", "--system-id", SYSTEM, "--org", "316501389", "--right", "ske-krav-og-betalinger"],
        &[
            "request",
            "create",
            "--system-id",
            SYSTEM,
            "--org",
            "314224965",
            "--external-ref",
            "hint-2",
            "--right",
            "ske-krav-og-betalinger",
        ],
        &["status", &rejected],
        &["status", &rejected, "--watch"],
        &["request", "list", "--system-id", SYSTEM, "--single-page"],
        &["verify", "--system-id", SYSTEM, "--org", "313981436"],
    ];
    let mut seen = 0;
    for args in runs {
        let out = run(&sim, &[&["--deadline", "30"][..], args].concat());
        let text = format!("{}{}", stdout(&out), stderr(&out));
        let commands = suggested_commands(&text);
        assert!(!commands.is_empty(), "{args:?} suggests a command:\n{text}");
        for command in commands {
            assert!(command.starts_with(&inv), "{args:?}: {command:?} does not carry `{inv}`");
            seen += 1;
        }
    }
    assert!(seen >= 6, "{seen}");

    // Asking an approved customer again: AUTH-00004, with the verify command to run.
    sim.handle.approve(&id).unwrap();
    let out = run(
        &sim,
        &[
            "request",
            "create",
            "--system-id",
            SYSTEM,
            "--org",
            "310816191",
            "--external-ref",
            "hint-1",
            "--right",
            "ske-krav-og-betalinger",
        ],
    );
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains(&format!("`systemuser --base-url {url} verify --system-id {SYSTEM} --org 310816191`")),
        "{}",
        stderr(&out)
    );
    // The JSON's nextStep too.
    let out = run(
        &sim,
        &[
            "--json",
            "request",
            "create",
            "--system-id",
            SYSTEM,
            "--org",
            "314224965",
            "--external-ref",
            "hint-2",
            "--right",
            "ske-krav-og-betalinger",
        ],
    );
    assert_exit(&out, 1);
    assert_eq!(json(&out)["nextStep"].as_str(), Some(format!("systemuser --base-url {url} request withdraw {rejected}").as_str()));
}

#[test]
fn systemuser_base_url_and_env_are_read_and_a_flag_wins() {
    let sim = sim();
    let url = sim.handle.url();
    let args =
        ["request", "create", "--system-id", SYSTEM, "--org", "310816191", "--external-ref", "env-1", "--right", "ske-krav-og-betalinger"];

    // The variable alone: the simulator is reached, and the hint names it.
    let out = base_command().args(args).env("SYSTEMUSER_TOKEN", &sim.token).env("SYSTEMUSER_BASE_URL", &url).output().unwrap();
    assert_exit(&out, 0);
    assert!(stdout(&out).contains(&format!("next: wait for the customer with `systemuser --base-url {url} status ")), "{}", stdout(&out));

    // A flag wins over either variable: a dead SYSTEMUSER_BASE_URL, or SYSTEMUSER_ENV, with --base-url.
    for (var, value) in [("SYSTEMUSER_BASE_URL", "http://127.0.0.1:9"), ("SYSTEMUSER_ENV", "at22")] {
        let out =
            base_command().arg("--base-url").arg(&url).args(args).env("SYSTEMUSER_TOKEN", &sim.token).env(var, value).output().unwrap();
        assert_exit(&out, 0);
        assert!(stdout(&out).contains(&format!("`systemuser --base-url {url} status ")), "{var}: {}", stdout(&out));
    }
    // --env wins over SYSTEMUSER_BASE_URL: the run goes to at22, not to the simulator, which
    // sees no call. A dead proxy keeps the run on this machine, and its failure names the host.
    let calls_before = sim_calls(&sim);
    let out = base_command()
        .args(["--env", "at22", "--deadline", "5", "request", "list", "--system-id", SYSTEM])
        .env("SYSTEMUSER_TOKEN", &sim.token)
        .env("SYSTEMUSER_BASE_URL", &url)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_exit(&out, 4);
    assert!(stderr(&out).contains("at22.altinn.cloud"), "{}", stderr(&out));
    assert_eq!(sim_calls(&sim), calls_before, "--env at22 was used, not SYSTEMUSER_BASE_URL");
    // SYSTEMUSER_ENV alone names the environment.
    let out = base_command()
        .args(["--deadline", "5", "request", "list", "--system-id", SYSTEM])
        .env("SYSTEMUSER_TOKEN", &sim.token)
        .env("SYSTEMUSER_ENV", "at22")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_exit(&out, 4);
    assert!(stderr(&out).contains("at22.altinn.cloud"), "{}", stderr(&out));

    // A wrong SYSTEMUSER_ENV, or both variables, is bad usage.
    let out = base_command().args(["request", "list", "--system-id", SYSTEM]).env("SYSTEMUSER_ENV", "staging").output().unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("SYSTEMUSER_ENV=\"staging\" names no environment"), "{}", stderr(&out));
    let out = base_command()
        .args(["request", "list", "--system-id", SYSTEM])
        .env("SYSTEMUSER_ENV", "tt02")
        .env("SYSTEMUSER_BASE_URL", &url)
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("SYSTEMUSER_BASE_URL and SYSTEMUSER_ENV are both set"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

fn sim_calls(sim: &Sim) -> usize {
    let text = ureq::get(format!("{}/_sim/calls", sim.handle.url())).call().unwrap().body_mut().read_to_string().unwrap();
    // Altinn's routes only (the log also holds the admin routes, this read included).
    serde_json::from_str::<Value>(&text).unwrap()["calls"]
        .as_array()
        .map_or(0, |calls| calls.iter().filter(|c| c["route"].is_string()).count())
}

// ---- 3. exit codes as the README says ------------------------------------------------------

#[test]
fn status_of_a_rejected_request_is_exit_1_with_or_without_watch() {
    let sim = sim();
    let id = create(&sim, "310816191", "exit-1");
    assert_exit(&run(&sim, &["status", &id]), 0);
    sim.handle.reject(&id).unwrap();
    for args in [&["status", &id][..], &["status", &id, "--watch"], &["--json", "status", &id], &["--json", "status", &id, "--watch"]] {
        let out = run(&sim, args);
        assert_exit(&out, 1);
    }
    let out = run(&sim, &["status", &id]);
    assert!(
        stdout(&out).contains(&format!(
            "✗ the request ended as Rejected; withdraw it (`systemuser --base-url {} request withdraw {id}`)",
            sim.handle.url()
        )),
        "{}",
        stdout(&out)
    );
    let approved = create(&sim, "314224965", "exit-2");
    sim.handle.approve(&approved).unwrap();
    assert_exit(&run(&sim, &["status", &approved]), 0);
}

#[test]
fn another_vendors_system_is_exit_1_for_system_show_as_for_request_list() {
    let sim = sim();
    let list = run(&sim, &["request", "list", "--system-id", FOREIGN_SYSTEM]);
    let show = run(&sim, &["system", "show", FOREIGN_SYSTEM]);
    assert_exit(&list, 1);
    assert_exit(&show, 1);
    assert!(stderr(&show).contains(&format!("system {FOREIGN_SYSTEM} is not yours")), "{}", stderr(&show));
    let out = run(&sim, &["--json", "system", "show", FOREIGN_SYSTEM]);
    assert_exit(&out, 1);
    assert_eq!(json(&out)["exitCode"].as_u64(), Some(1));
}

/// The README's exit table says what the code does: another vendor's system and a rejected
/// request's `status` are a "no" (1), not "could not tell" (4).
#[test]
fn the_readme_exit_table_says_so() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let row = |code: &str| {
        readme.lines().find(|l| l.starts_with(&format!("| {code} |"))).unwrap_or_else(|| panic!("no exit {code} row")).to_string()
    };
    assert!(row("1").contains("another vendor's system"), "{}", row("1"));
    assert!(row("1").contains("`status` of a rejected"), "{}", row("1"));
    assert!(!row("4").contains("another vendor's system"), "{}", row("4"));
    assert!(row("141").contains("closed"), "{}", row("141"));
}

// ---- 4. messages say each thing once, in the CLI's words -----------------------------------

#[track_caller]
fn assert_once(text: &str, what: &str) {
    assert_eq!(text.matches(what).count(), 1, "{what:?} once in:\n{text}");
}

#[test]
fn messages_say_each_thing_once_in_the_clis_words() {
    let sim = sim();
    // An Altinn code once (it was "(HTTP 404, AUTH-00011): … (AUTH-00011)").
    let out = run(&sim, &["request", "list", "--system-id", FOREIGN_SYSTEM]);
    assert_once(&stderr(&out), "AUTH-00011");
    assert_once(&stderr(&out), "404");
    let out = run(&sim, &["system", "show", "314248295_ukjent"]);
    assert_once(&stderr(&out), "404");

    // Maskinporten's refusal names the flag, not the component's configuration, and MP-100 once.
    let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../simulator/tests/keys/TEST-ONLY-client-key.pk8.pem");
    let out = base_command()
        .arg("--base-url")
        .arg(sim.handle.url())
        .arg("--key")
        .arg(&key)
        .args(["--kid", "sim-test-key-1", "--client-id", "no-such-client", "request", "list", "--system-id", SYSTEM])
        .output()
        .unwrap();
    assert_exit(&out, 4);
    let err = stderr(&out);
    assert!(err.contains("check --client-id"), "{err}");
    assert!(!err.contains("config."), "a WIT name in: {err}");
    assert_once(&err, "MP-100");
    assert_once(&err, "refused the grant");
    let out = base_command()
        .arg("--base-url")
        .arg(sim.handle.url())
        .arg("--key")
        .arg(&key)
        .args(["--json", "--kid", "sim-test-key-1", "--client-id", "no-such-client", "request", "list", "--system-id", SYSTEM])
        .output()
        .unwrap();
    let message = json(&out)["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("--client-id") && !message.contains("config."), "{message}");

    // "validation failed", not "the component refused".
    let out = run(&sim, &["request", "create", "--system-id", SYSTEM, "--org", "123456789", "--right", "ske-krav-og-betalinger"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.starts_with("error: validation failed (1 violation):\n"), "{err}");
    assert!(!err.contains("component"), "{err}");
    assert_once(&err, "nothing was sent");

    // Transport failures: said once, in words (no "connect: connect:", no "uncategorized").
    for (url, said) in
        [("http://127.0.0.1:9", "could not connect: "), ("http://no-such-host.invalid", "host no-such-host.invalid not found")]
    {
        let out = base_command()
            .args(["--base-url", url, "--deadline", "5", "request", "list", "--system-id", SYSTEM])
            .env("SYSTEMUSER_TOKEN", &sim.token)
            .output()
            .unwrap();
        assert_exit(&out, 4);
        let err = stderr(&out);
        assert!(err.contains(said), "{url}: {err}");
        assert!(!err.contains("uncategorized"), "{err}");
        for word in ["connect", "could not connect"] {
            assert!(!err.contains(&format!("{word}: {word}")), "{err}");
        }
    }
}

// ---- 5. the compiled component is cached ---------------------------------------------------

fn validate_with_cache(cache: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let out = base_command()
        .args(["validate", "--json", "--request"])
        .arg(common::data("standard_valid.json"))
        .env("SYSTEMUSER_CACHE_DIR", cache)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_exit(&out, 0);
    assert_eq!(stdout(&out).trim(), r#"{"ok":true,"violations":[]}"#);
    (out, took)
}

fn cached_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.sort();
    files
}

#[test]
fn the_compiled_component_is_cached_checked_and_a_damaged_copy_recompiled() {
    let dir = TempDir::new("cache");
    let cache = dir.0.join("nested/cache");
    let (_, cold) = validate_with_cache(&cache);
    let files = cached_files(&cache);
    assert_eq!(files.len(), 1, "one compiled component: {files:?}");
    let file = files[0].clone();
    assert_eq!(file.extension().and_then(|e| e.to_str()), Some("cwasm"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777, 0o700, "only this user may write the cache");
    }
    let written = std::fs::read(&file).unwrap();
    let (artifact, digest) = written.split_at(written.len() - 32);
    assert_eq!(ring::digest::digest(&ring::digest::SHA256, artifact).as_ref(), digest, "the artifact's SHA-256 ends the file");

    // Warm: the file is used as it is (not rewritten), and the start is much faster.
    let mut warm = Duration::MAX;
    for _ in 0..3 {
        warm = warm.min(validate_with_cache(&cache).1);
    }
    assert_eq!(std::fs::read(&file).unwrap(), written, "a sound file is not rewritten");
    println!("validate: cold {cold:?} (compiling into the cache), warm {warm:?} (best of 3)");
    assert!(warm * 3 < cold, "warm {warm:?} vs cold {cold:?}");

    // Damaged: a flipped byte in the code, a file cut short, garbage: recompiled, never loaded.
    let mut flipped = written.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x5a;
    for damaged in [flipped, written[..written.len() / 3].to_vec(), b"not a compiled component".to_vec(), Vec::new()] {
        std::fs::write(&file, &damaged).unwrap();
        validate_with_cache(&cache);
        let rewritten = std::fs::read(&file).unwrap();
        let (artifact, digest) = rewritten.split_at(rewritten.len() - 32);
        assert_eq!(ring::digest::digest(&ring::digest::SHA256, artifact).as_ref(), digest, "the damaged file was replaced by a sound one");
    }
    assert_eq!(cached_files(&cache).len(), 1, "no temp files left: {:?}", cached_files(&cache));

    // off: nothing is written.
    let off = TempDir::new("off");
    let out = base_command()
        .current_dir(&off.0)
        .args(["validate", "--request"])
        .arg(common::data("standard_valid.json"))
        .env("SYSTEMUSER_CACHE_DIR", "off")
        .env("HOME", &off.0)
        .env("XDG_CACHE_HOME", off.0.join("xdg"))
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(cached_files(&off.0).is_empty(), "{:?}", cached_files(&off.0));
    // Default: $XDG_CACHE_HOME/altinn-systemuser.
    let out = base_command()
        .args(["validate", "--request"])
        .arg(common::data("standard_valid.json"))
        .env_remove("SYSTEMUSER_CACHE_DIR")
        .env("XDG_CACHE_HOME", off.0.join("xdg"))
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(cached_files(&off.0.join("xdg/altinn-systemuser")).len(), 1);
}
