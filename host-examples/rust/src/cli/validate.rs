//! `systemuser validate`: decode and validate a create body through the component.

use std::path::{Path, PathBuf};

use serde::Serialize;
use systemuser_host::convert::{field_or_body, pretty_json, ViolationJson};
use systemuser_host::{wit::Violation, HostError, Validated};

use super::{load_runtime, read_input, Exit, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The create body (API.md §4 JSON); `-` reads standard input.
    #[arg(long, value_name = "REQ.json")]
    pub request: PathBuf,

    /// The body is an agent request (`POST systemuser/request/vendor/agent`).
    #[arg(long)]
    pub agent: bool,

    /// The vendor's registered system (`GET systemregister/vendor/{systemId}`), to also check
    /// the redirect URL, rights and packages against it.
    #[arg(long, value_name = "SYSTEM.json")]
    pub system: Option<PathBuf>,
}

/// With `json`: print only `{"ok": bool, "violations": [{"code", "field", "message"}]}`.
pub fn run(component: Option<&Path>, json: bool, args: &Args) -> Result<Exit, Failure> {
    // Files first: a typo in a path should not wait for the component to compile.
    let request = read_input(&args.request, "request")?;
    let system = args.system.as_deref().map(|p| read_input(p, "registered system")).transpose()?;
    let runtime = load_runtime(component)?;

    let verdict = if args.agent {
        split(runtime.validate_agent(&request, system.as_deref()))
    } else {
        split(runtime.validate_standard(&request, system.as_deref()))
    };
    let (violations, body) = verdict.map_err(|err| name_the_file(err, args))?;

    if json {
        let verdict = JsonVerdict { ok: body.is_some(), violations: violations.iter().map(ViolationJson::from).collect() };
        // Serialising strings and a bool cannot fail.
        println!("{}", serde_json::to_string(&verdict).unwrap_or_default());
    } else {
        print_human(&violations, body.as_ref());
    }
    Ok(if body.is_some() { Exit::Ok } else { Exit::No })
}

/// What `--json` prints, exactly.
#[derive(Serialize)]
struct JsonVerdict<'a> {
    ok: bool,
    violations: Vec<ViolationJson<'a>>,
}

/// The violations, and the normalised body (indented) when there are none.
fn split(verdict: Result<Validated<Vec<u8>>, HostError>) -> Result<(Vec<Violation>, Option<String>), HostError> {
    Ok(match verdict? {
        Validated::Valid(body) => (Vec::new(), Some(pretty_json(&body))),
        Validated::Invalid(violations) => (violations, None),
    })
}

/// A decode failure says which file it is about.
fn name_the_file(err: HostError, args: &Args) -> Failure {
    let file = match &err {
        HostError::Decode { document: "request", .. } => Some(&args.request),
        HostError::Decode { .. } => args.system.as_ref(),
        _ => None,
    };
    let mut failure = Failure::from(err);
    if let Some(file) = file {
        let name = if file.as_os_str() == "-" { "standard input".into() } else { file.display().to_string() };
        failure.message = format!("{name}: {}", failure.message);
    }
    failure
}

fn print_human(violations: &[Violation], body: Option<&String>) {
    if let Some(body) = body {
        println!("✓ request is valid");
        println!("{body}");
        return;
    }
    for v in violations {
        println!("✗ {}: {} [{}]", field_or_body(&v.field), v.message, v.code);
    }
    let n = violations.len();
    println!("request is invalid: {n} violation{}; Altinn would refuse it", if n == 1 { "" } else { "s" });
}
