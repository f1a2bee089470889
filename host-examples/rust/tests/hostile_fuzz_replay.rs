//! The fuzz corpus (fuzz/corpus/) and a fixed number of deterministic mutations of it through
//! the BUILT component, for the response-parsing and request-validation targets: every call
//! must return from wasmtime (no trap), and give the same kind of result as the native core on
//! the same input. Inputs are decoded exactly as the fuzz targets decode them (the fuzz crate's
//! dependency-free `decode` and `mutate` modules are included by path).
//! `FUZZ_EXECUTIONS` sets the mutations per target (default 5000).

mod common;

use common::calls::{native_call, wit_call};

#[allow(dead_code)]
#[path = "../../../fuzz/src/decode.rs"]
mod decode;
#[allow(dead_code)]
#[path = "../../../fuzz/src/mutate.rs"]
mod mutate;

use altinn_systemuser as core_;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use systemuser_host::wit;
use systemuser_host::{Runtime, Session};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// The corpus, then `FUZZ_EXECUTIONS` mutations of it (fixed seed).
fn inputs(target: &str) -> Vec<Vec<u8>> {
    let seeds = corpus(target);
    let n: usize = std::env::var("FUZZ_EXECUTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(5000);
    let mut rng = mutate::Rng::new(0xc0ffee ^ target.len() as u64);
    let mut all = seeds.clone();
    for _ in 0..n {
        let base = &seeds[rng.below(seeds.len())];
        all.push(mutate::mutate(base, &seeds, &mut rng));
    }
    all
}

fn wit_config(custom: bool) -> wit::Config {
    let environment = if custom {
        wit::Environment::Custom(wit::CustomEnvironment {
            platform_url: decode::CUSTOM_PLATFORM.into(),
            confirm_url: decode::CUSTOM_CONFIRM.into(),
            maskinporten_issuer: decode::CUSTOM_ISSUER.into(),
        })
    } else {
        wit::Environment::Tt02
    };
    wit::Config { environment, timeout_ms: 30_000, deadline_ms: 60_000, retry_budget: 3, backoff_ms: 200, maskinporten: None }
}

fn native_config(custom: bool) -> core_::model::Config {
    use core_::model::{Config, CustomEnvironment, Environment};
    if custom {
        Config::new(Environment::Custom(CustomEnvironment {
            platform_url: decode::CUSTOM_PLATFORM.into(),
            confirm_url: decode::CUSTOM_CONFIRM.into(),
            maskinporten_issuer: decode::CUSTOM_ISSUER.into(),
        }))
    } else {
        Config::new(Environment::Tt02)
    }
}

fn wit_kind(r: &Result<wit::Outcome, wit::Error>) -> String {
    match r {
        Ok(wit::Outcome::Created(c)) => format!("created new={} {}", c.is_new, c.request.id),
        Ok(wit::Outcome::Request(q)) => format!("request {}", q.id),
        Ok(wit::Outcome::Requests(p)) => format!("requests {} next={:?}", p.items.len(), p.next_page),
        Ok(wit::Outcome::Withdrawn) => "withdrawn".into(),
        Ok(wit::Outcome::SystemUser(u)) => format!("system-user {:?}", u.as_ref().map(|u| &u.id)),
        Ok(wit::Outcome::SystemUsers(p)) => format!("system-users {} next={:?}", p.items.len(), p.next_page),
        Ok(wit::Outcome::RegisteredSystem(s)) => format!("registered-system {}", s.id),
        Err(wit::Error::Validation(_)) => "validation".into(),
        Err(wit::Error::Altinn(p)) => format!("altinn {}", p.status),
        Err(wit::Error::Unauthorized(_)) => "unauthorized".into(),
        Err(wit::Error::Forbidden(_)) => "forbidden".into(),
        Err(wit::Error::NotFound(_)) => "not-found".into(),
        Err(wit::Error::Conflict(_)) => "conflict".into(),
        Err(wit::Error::Transport(_)) => "transport".into(),
        Err(wit::Error::Token(_)) => "token".into(),
        Err(wit::Error::InvalidResponse(_)) => "invalid-response".into(),
        Ok(wit::Outcome::Token(t)) => format!("token {}", t.scope),
        Ok(wit::Outcome::ChangeRequestCreated(c)) => format!("change-request-created new={} {}", c.is_new, c.change_request.id),
        Ok(wit::Outcome::NoChangeNeeded) => "no-change-needed".into(),
        Ok(wit::Outcome::ChangeRequest(c)) => format!("change-request {}", c.id),
        Ok(wit::Outcome::ChangeRequests(l)) => format!("change-requests {} incomplete={}", l.items.len(), l.may_be_incomplete),
        Ok(wit::Outcome::Systems(l)) => format!("systems {}", l.len()),
        Ok(wit::Outcome::SystemRegistered(r)) => format!("system-registered {:?}", r.internal_id),
        Ok(wit::Outcome::SystemChanged) => "system-changed".into(),
        Ok(wit::Outcome::SystemChangelog(l)) => format!("system-changelog {}", l.len()),
        Ok(wit::Outcome::Agents(l)) => format!("agents {}", l.len()),
        Ok(wit::Outcome::Clients(l)) => format!("clients {} {}", l.system_user_id, l.clients.len()),
        Ok(wit::Outcome::ClientAdded(l)) => format!("client-added {} {}", l.agent, l.client),
        Ok(wit::Outcome::ClientRemoved(l)) => format!("client-removed {} {}", l.agent, l.client),
        Err(wit::Error::Maskinporten(p)) => format!("maskinporten {}", p.status),
        Err(wit::Error::Unavailable(o)) => format!("unavailable {}", o.status),
        Err(wit::Error::Misuse(_)) => "misuse".into(),
    }
}

fn native_kind(r: &Result<core_::protocol::Outcome, core_::Error>) -> String {
    use core_::protocol::Outcome as O;
    use core_::Error as E;
    match r {
        Ok(O::Created { request, is_new, .. }) => format!("created new={is_new} {}", request.id),
        Ok(O::Request(q)) => format!("request {}", q.id),
        Ok(O::Requests(p)) => format!("requests {} next={:?}", p.items.len(), p.next_page),
        Ok(O::Withdrawn) => "withdrawn".into(),
        Ok(O::SystemUser(u)) => format!("system-user {:?}", u.as_ref().map(|u| &u.id)),
        Ok(O::SystemUsers(p)) => format!("system-users {} next={:?}", p.items.len(), p.next_page),
        Ok(O::RegisteredSystem(s)) => format!("registered-system {}", s.id),
        Err(E::Validation(_)) => "validation".into(),
        Err(E::Altinn(p)) => format!("altinn {}", p.status),
        Err(E::Unauthorized(_)) => "unauthorized".into(),
        Err(E::Forbidden(_)) => "forbidden".into(),
        Err(E::NotFound(_)) => "not-found".into(),
        Err(E::Conflict(_)) => "conflict".into(),
        Err(E::Transport(_)) => "transport".into(),
        Err(E::Token(_)) => "token".into(),
        Err(E::InvalidResponse(_)) => "invalid-response".into(),
        Ok(O::Token(t)) => format!("token {}", t.scope),
        Ok(O::ChangeRequestCreated { change_request, is_new, .. }) => format!("change-request-created new={is_new} {}", change_request.id),
        Ok(O::NoChangeNeeded) => "no-change-needed".into(),
        Ok(O::ChangeRequest(c)) => format!("change-request {}", c.id),
        Ok(O::ChangeRequests(l)) => format!("change-requests {} incomplete={}", l.items.len(), l.may_be_incomplete),
        Ok(O::Systems(l)) => format!("systems {}", l.len()),
        Ok(O::SystemRegistered { internal_id, .. }) => format!("system-registered {internal_id:?}"),
        Ok(O::SystemChanged) => "system-changed".into(),
        Ok(O::SystemChangelog(l)) => format!("system-changelog {}", l.len()),
        Ok(O::Agents(l)) => format!("agents {}", l.len()),
        Ok(O::Clients(l)) => format!("clients {} {}", l.system_user_id, l.clients.len()),
        Ok(O::ClientAdded(l)) => format!("client-added {} {}", l.agent, l.client),
        Ok(O::ClientRemoved(l)) => format!("client-removed {} {}", l.agent, l.client),
        Err(E::Maskinporten(p)) => format!("maskinporten {}", p.status),
        Err(E::Unavailable(p)) => format!("unavailable {}", p.status),
        Err(E::Misuse(_)) => "misuse".into(),
        Ok(other) => panic!("an outcome this runner does not know: {other:?}"),
        Err(other) => panic!("an error this runner does not know: {other:?}"),
    }
}

fn native<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let m = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
        format!("native panic: {m}")
    })
}

struct Tally {
    target: &'static str,
    executions: usize,
    traps: Vec<String>,
    mismatches: Vec<String>,
}

fn report(t: &Tally) {
    println!("{:<18} {:>11} {:>6} {:>11}", t.target, t.executions, t.traps.len(), t.mismatches.len());
}

fn hex_head(data: &[u8]) -> String {
    data.iter().take(48).map(|b| format!("{b:02x}")).collect()
}

fn replay_parse(session: &mut Session) -> Tally {
    let mut t = Tally { target: "parse_response", executions: 0, traps: vec![], mismatches: vec![] };
    for data in inputs("parse_response") {
        let input = decode::parse_input(&data);
        let response = wit::HttpResponse {
            status: input.status,
            headers: input.headers.iter().map(|(name, value)| wit::Header { name: name.clone(), value: value.clone() }).collect(),
            body: input.body.clone(),
        };
        let (config, call) = (wit_config(input.custom_env), wit_call(input.call));
        t.executions += 1;
        let got = session.call(|c, st| c.altinn_systemuser_protocol().call_parse(st, &config, &call, &response));
        let native_response = core_::http::HttpResponse {
            status: input.status,
            headers: input.headers.iter().map(|(name, value)| core_::http::Header { name: name.clone(), value: value.clone() }).collect(),
            body: input.body.clone(),
        };
        let want =
            native(|| native_kind(&core_::protocol::parse(&native_config(input.custom_env), &native_call(input.call), &native_response)));
        match got {
            Err(trap) => {
                t.traps.push(format!("{} status {} body {}: {trap} (native: {want:?})", input.call, input.status, hex_head(&input.body)))
            }
            Ok(r) if Ok(wit_kind(&r)) != want => {
                t.mismatches.push(format!("{} {}: component {} != native {want:?}", input.call, input.status, wit_kind(&r)))
            }
            Ok(_) => {}
        }
    }
    t
}

fn replay_validate(session: &mut Session) -> Tally {
    let mut t = Tally { target: "validate_request", executions: 0, traps: vec![], mismatches: vec![] };
    for data in inputs("validate_request") {
        let input = decode::validate_input(&data);
        let kind = if input.agent { wit::RequestKind::Agent } else { wit::RequestKind::Standard };
        t.executions += 1;
        let got = session.call(|c, st| c.altinn_systemuser_validation().call_validate_json(st, kind, &input.body, input.system.as_deref()));
        let native_kind = if input.agent { core_::model::RequestKind::Agent } else { core_::model::RequestKind::Standard };
        let want = native(|| match core_::validation::validate_json(native_kind, &input.body, input.system.as_deref()) {
            Ok(body) => Ok(body),
            Err(core_::Error::Validation(list)) => Err(list.into_iter().map(|v| (v.code, v.field)).collect::<Vec<_>>()),
            Err(other) => Err(vec![(format!("not a validation error: {other}"), String::new())]),
        });
        match got {
            Err(trap) => t.traps.push(format!("body {}: {trap}", hex_head(&input.body))),
            Ok(r) => {
                let r = r.map_err(|list| list.into_iter().map(|v| (v.code, v.field)).collect::<Vec<_>>());
                if Ok(&r) != want.as_ref() {
                    t.mismatches.push(format!("body {}: component {r:?} != native {want:?}", hex_head(&input.body)));
                }
            }
        }
    }
    t
}

#[test]
fn fuzz_corpus_and_mutations_through_the_component() {
    let runtime = Runtime::load(common::component_path()).expect("component loads");
    let mut session = runtime.session();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let tallies = [replay_parse(&mut session), replay_validate(&mut session)];
    std::panic::set_hook(hook);
    println!("\nfuzz corpus + mutations through the component");
    println!("{:<18} {:>11} {:>6} {:>11}", "target", "executions", "traps", "mismatches");
    tallies.iter().for_each(report);
    for t in &tallies {
        for line in t.traps.iter().chain(&t.mismatches).take(8) {
            println!("{}: {line}", t.target);
        }
    }
    let bad: usize = tallies.iter().map(|t| t.traps.len() + t.mismatches.len()).sum();
    assert_eq!(bad, 0, "traps or disagreements with the native core (see above)");
}
