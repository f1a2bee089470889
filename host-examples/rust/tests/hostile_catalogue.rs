//! The hostile-input catalogue (tests/hostile/catalogue.json at the workspace root) through the
//! BUILT component: malformed and adversarial identifiers, create bodies, server responses,
//! invalid UTF-8 and tokens that cannot be sent. Every case must give its expected typed error
//! (variant, and violation code where one exists) without a trap; the native core runs the same
//! case and must agree. The Node host runs the same list (host-examples/node/test/hostile.test.js).

mod common;

use common::calls::{native_call, wit_call, ORG, SYS};

use altinn_systemuser as core_;
use serde_json::Value;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use systemuser_host::wit;
use systemuser_host::{Runtime, Session};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn catalogue() -> Value {
    let path = root().join("tests/hostile/catalogue.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("catalogue is JSON")
}

/// The catalogue's generators: text, {hex}, {repeat, times}, {concat}, {json}.
fn generate(spec: &Value) -> Vec<u8> {
    match spec {
        Value::String(s) => s.clone().into_bytes(),
        Value::Object(o) if o.contains_key("hex") => {
            let hex = o["hex"].as_str().unwrap();
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
        }
        Value::Object(o) if o.contains_key("repeat") => {
            o["repeat"].as_str().unwrap().repeat(o["times"].as_u64().unwrap() as usize).into_bytes()
        }
        Value::Object(o) if o.contains_key("concat") => o["concat"].as_array().unwrap().iter().flat_map(generate).collect(),
        Value::Object(o) if o.contains_key("json") => serde_json::to_vec(&o["json"]).unwrap(),
        other => panic!("unknown generator {other}"),
    }
}

fn text(spec: &Value) -> String {
    String::from_utf8(generate(spec)).expect("identifier and token inputs are UTF-8")
}

fn config(env: &str) -> wit::Config {
    let environment = match env {
        "custom" => wit::Environment::Custom(wit::CustomEnvironment {
            platform_url: "http://127.0.0.1:5101".into(),
            confirm_url: "http://127.0.0.1:5102".into(),
            maskinporten_issuer: "http://127.0.0.1:5103/".into(),
        }),
        _ => wit::Environment::Tt02,
    };
    wit::Config { environment, timeout_ms: 30_000, deadline_ms: 60_000, retry_budget: 2, backoff_ms: 0, maskinporten: None }
}

fn native_config(env: &str) -> core_::model::Config {
    use core_::model::{Config, CustomEnvironment, Environment};
    let mut c = match env {
        "custom" => Config::new(Environment::Custom(CustomEnvironment {
            platform_url: "http://127.0.0.1:5101".into(),
            confirm_url: "http://127.0.0.1:5102".into(),
            maskinporten_issuer: "http://127.0.0.1:5103/".into(),
        })),
        _ => Config::new(Environment::Tt02),
    };
    c.retry_budget = 2;
    c.backoff_ms = 0;
    c
}

fn standard() -> wit::StandardRequestInput {
    wit::StandardRequestInput {
        system_id: SYS.into(),
        party_org_no: ORG.into(),
        external_ref: None,
        integration_title: None,
        rights: None,
        access_packages: Some(vec![wit::AccessPackage { urn: "urn:altinn:accesspackage:skattegrunnlag".into() }]),
        redirect_url: None,
    }
}

fn agent() -> wit::AgentRequestInput {
    wit::AgentRequestInput {
        system_id: "314248295_smartbyraa".into(),
        party_org_no: ORG.into(),
        external_ref: None,
        integration_title: None,
        access_packages: vec![wit::AccessPackage { urn: "urn:altinn:accesspackage:regnskapsforer-lonn".into() }],
        redirect_url: None,
        rights: None,
    }
}

fn task(name: &str) -> wit::Task {
    match name {
        "create-standard" => wit::Task::CreateStandardRequest(standard()),
        "create-agent" => wit::Task::CreateAgentRequest(agent()),
        "list-all" => wit::Task::ListAllRequests(wit::AllRequestsQuery { kind: wit::RequestKind::Standard, system_id: SYS.into() }),
        "list-all-users" => wit::Task::ListAllSystemUsers(SYS.into()),
        other => match wit_call(other) {
            wit::Call::GetRequest(r) => wit::Task::GetRequest(r),
            wit::Call::GetRequestByExternalRef(k) => wit::Task::GetRequestByExternalRef(k),
            wit::Call::ListRequests(q) => wit::Task::ListRequests(q),
            wit::Call::WithdrawRequest(id) => wit::Task::WithdrawRequest(id),
            wit::Call::VerifySystemUser(q) => wit::Task::VerifySystemUser(q),
            wit::Call::ListSystemUsers(q) => wit::Task::ListSystemUsers(q),
            wit::Call::GetRegisteredSystem(id) => wit::Task::GetRegisteredSystem(id),
            other => panic!("no task for {other:?}"),
        },
    }
}

fn error_name(e: &wit::Error) -> &'static str {
    match e {
        wit::Error::Validation(_) => "validation",
        wit::Error::Altinn(_) => "altinn",
        wit::Error::Unauthorized(_) => "unauthorized",
        wit::Error::Forbidden(_) => "forbidden",
        wit::Error::NotFound(_) => "not-found",
        wit::Error::Conflict(_) => "conflict",
        wit::Error::Transport(_) => "transport",
        wit::Error::Token(_) => "token",
        wit::Error::InvalidResponse(_) => "invalid-response",
        wit::Error::Maskinporten(_) => "maskinporten",
        wit::Error::Unavailable(_) => "unavailable",
        wit::Error::Misuse(_) => "misuse",
    }
}

fn outcome_name(o: &wit::Outcome) -> (String, Option<String>) {
    let next = match o {
        wit::Outcome::Requests(p) => p.next_page.clone(),
        wit::Outcome::SystemUsers(p) => p.next_page.clone(),
        _ => None,
    };
    (systemuser_host::json::outcome_json(o)["outcome"].as_str().unwrap_or_default().to_string(), next)
}

/// What a case gave, in the catalogue's terms: {"error", "code"?, "sent"?} or {"ok", "next"?}.
type Got = BTreeMap<&'static str, Value>;

fn got_error(name: &str, code: Option<Vec<String>>) -> Got {
    let mut g = Got::new();
    g.insert("error", Value::from(name));
    if let Some(codes) = code {
        g.insert("codes", Value::from(codes));
    }
    g
}

fn got_ok(name: &str, next: Option<String>) -> Got {
    let mut g = Got::new();
    g.insert("ok", Value::from(name));
    g.insert("next", next.map(Value::from).unwrap_or(Value::Null));
    g
}

/// Does `got` meet `expect`?
fn meets(expect: &Value, got: &Got) -> bool {
    if let Some(ok) = expect.get("ok") {
        return got.get("ok") == Some(ok) && expect.get("next").is_none_or(|n| got.get("next") == Some(n));
    }
    let variant_ok =
        got.get("error") == expect.get("error") || (expect["error"] == "violation" && got.get("error") == Some(&Value::from("validation")));
    let code_ok = match expect.get("code") {
        None => true,
        Some(code) => got.get("codes").and_then(Value::as_array).is_some_and(|codes| codes.contains(code)),
    };
    let sent_ok = expect.get("sent").is_none_or(|s| got.get("sent") == Some(s));
    variant_ok && code_ok && sent_ok
}

fn component_case(s: &mut Session, case: &Value) -> Result<Got, String> {
    let trap = |e: systemuser_host::HostError| format!("the component trapped: {e}");
    match case["op"].as_str().unwrap() {
        "identifier" => {
            let input = text(&case["input"]);
            let check = case["check"].as_str().unwrap();
            let r = s
                .call(|c, st| {
                    let f = c.altinn_systemuser_validation();
                    match check {
                        "org-no" => f.call_check_org_no(st, &input),
                        "system-id" => f.call_check_system_id(st, &input),
                        "external-ref" => f.call_check_external_ref(st, &input),
                        _ => f.call_check_request_id(st, &input),
                    }
                })
                .map_err(trap)?;
            Ok(match r {
                Ok(v) => got_ok(&format!("valid {v:.40}"), None),
                Err(v) => got_error("validation", Some(vec![v.code])),
            })
        }
        "create" => {
            let kind = if case["kind"] == "agent" { wit::RequestKind::Agent } else { wit::RequestKind::Standard };
            let body = generate(&case["body"]);
            let system = system_bytes(case);
            let r =
                s.call(|c, st| c.altinn_systemuser_validation().call_validate_json(st, kind, &body, system.as_deref())).map_err(trap)?;
            Ok(match r {
                Ok(_) => got_ok("valid", None),
                Err(list) => got_error("validation", Some(list.into_iter().map(|v| v.code).collect())),
            })
        }
        "response" => {
            let response = wit::HttpResponse {
                status: case["status"].as_u64().unwrap() as u16,
                headers: headers(case).into_iter().map(|(name, value)| wit::Header { name, value }).collect(),
                body: generate(&case["body"]),
            };
            let config = config(case["env"].as_str().unwrap_or("tt02"));
            let call = wit_call(case["call"].as_str().unwrap());
            let r = s.call(|c, st| c.altinn_systemuser_protocol().call_parse(st, &config, &call, &response)).map_err(trap)?;
            Ok(match r {
                Ok(o) => {
                    let (name, next) = outcome_name(&o);
                    got_ok(&name, next)
                }
                Err(e) => got_error(error_name(&e), None),
            })
        }
        "token" => {
            let token = text(&case["token"]);
            let task = task(case["task"].as_str().unwrap());
            let config = config("tt02");
            let (step, finished, sent) = s
                .call(|c, st| {
                    let ops = c.altinn_systemuser_operations().operation();
                    let now = wit::Datetime { seconds: 1_790_000_000, nanoseconds: 0 };
                    let op = ops.call_constructor(&mut *st, &config, &task, now, &[7; 16])?;
                    let mut sent = 0;
                    let mut step = ops.call_start(&mut *st, op)?;
                    if matches!(step, wit::Step::NeedToken(_)) {
                        step = ops.call_advance(&mut *st, op, &wit::Input::Token(token.clone()), now)?;
                    }
                    if matches!(step, wit::Step::Send(_)) {
                        sent += 1;
                    }
                    let finished = ops.call_finish(&mut *st, op)?;
                    op.resource_drop(&mut *st)?;
                    Ok((step, finished, sent))
                })
                .map_err(trap)?;
            let mut g = match (&step, finished) {
                (wit::Step::Done, Err(e)) => got_error(error_name(&e), None),
                (wit::Step::Done, Ok(o)) => got_ok(&outcome_name(&o).0, None),
                (other, _) => got_ok(
                    match other {
                        wit::Step::Send(_) => "step send",
                        wit::Step::NeedToken(_) => "step need-token",
                        _ => "step wait",
                    },
                    None,
                ),
            };
            g.insert("sent", Value::from(sent));
            Ok(g)
        }
        other => panic!("unknown op {other}"),
    }
}

fn system_bytes(case: &Value) -> Option<Vec<u8>> {
    match case.get("system") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if !name.is_empty() && !name.starts_with('{') => {
            let systems: Value = serde_json::from_slice(&std::fs::read(root().join("tests/vectors/systems.json")).unwrap()).unwrap();
            Some(serde_json::to_vec(&systems[name.as_str()]).unwrap())
        }
        Some(spec) => Some(generate(spec)),
    }
}

fn headers(case: &Value) -> Vec<(String, String)> {
    case["headers"].as_object().map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect()).unwrap_or_default()
}

/// The same case through the native core (a panic is reported, not propagated).
fn native_case(case: &Value) -> Result<Got, String> {
    use core_::error::Error;
    let name = Error::kind;
    let run = || -> Got {
        match case["op"].as_str().unwrap() {
            "identifier" => {
                let input = text(&case["input"]);
                let r = match case["check"].as_str().unwrap() {
                    "org-no" => core_::identifiers::check_org_no(&input, "orgNo"),
                    "system-id" => core_::identifiers::check_system_id(&input, "systemId"),
                    "external-ref" => core_::identifiers::check_external_ref(&input, "externalRef"),
                    _ => core_::identifiers::check_request_id(&input, "id"),
                };
                match r {
                    Ok(v) => got_ok(&format!("valid {v:.40}"), None),
                    Err(v) => got_error("validation", Some(vec![v.code])),
                }
            }
            "create" => {
                let kind = if case["kind"] == "agent" { core_::model::RequestKind::Agent } else { core_::model::RequestKind::Standard };
                match core_::validation::validate_json(kind, &generate(&case["body"]), system_bytes(case).as_deref()) {
                    Ok(_) => got_ok("valid", None),
                    Err(Error::Validation(list)) => got_error("validation", Some(list.into_iter().map(|v| v.code).collect())),
                    Err(e) => got_error(name(&e), None),
                }
            }
            "response" => {
                let response = core_::http::HttpResponse {
                    status: case["status"].as_u64().unwrap() as u16,
                    headers: headers(case).into_iter().map(|(name, value)| core_::http::Header { name, value }).collect(),
                    body: generate(&case["body"]),
                };
                let config = native_config(case["env"].as_str().unwrap_or("tt02"));
                match core_::protocol::parse(&config, &native_call(case["call"].as_str().unwrap()), &response) {
                    Ok(core_::protocol::Outcome::Requests(p)) => got_ok("requests", p.next_page),
                    Ok(core_::protocol::Outcome::SystemUsers(p)) => got_ok("system-users", p.next_page),
                    Ok(core_::protocol::Outcome::Request(_)) => got_ok("request", None),
                    Ok(core_::protocol::Outcome::ChangeRequest(_)) => got_ok("change-request", None),
                    Ok(core_::protocol::Outcome::ChangeRequests(_)) => got_ok("change-requests", None),
                    Ok(core_::protocol::Outcome::Systems(_)) => got_ok("systems", None),
                    Ok(core_::protocol::Outcome::SystemRegistered { .. }) => got_ok("system-registered", None),
                    Ok(core_::protocol::Outcome::SystemChanged) => got_ok("system-changed", None),
                    Ok(core_::protocol::Outcome::SystemChangelog(_)) => got_ok("system-changelog", None),
                    Ok(core_::protocol::Outcome::Agents(_)) => got_ok("agents", None),
                    Ok(core_::protocol::Outcome::Clients(_)) => got_ok("clients", None),
                    Ok(core_::protocol::Outcome::ClientAdded(_)) => got_ok("client-added", None),
                    Ok(core_::protocol::Outcome::ClientRemoved(_)) => got_ok("client-removed", None),
                    Ok(_) => got_ok("other", None),
                    Err(e) => got_error(name(&e), None),
                }
            }
            _ => Got::new(), // token cases: the component only (they need the resource)
        }
    };
    catch_unwind(AssertUnwindSafe(run)).map_err(|p| {
        let message = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
        format!("the native core panicked: {message}")
    })
}

fn brief(got: &Result<Got, String>) -> String {
    match got {
        Ok(g) => serde_json::to_string(g).unwrap().chars().take(200).collect(),
        Err(e) => e.chars().take(300).collect(),
    }
}

#[test]
fn hostile_catalogue_through_the_component() {
    let all = catalogue();
    // The server cases need the simulator: tests/hostile_server.rs runs them.
    let cases: Vec<&Value> = all["cases"].as_array().unwrap().iter().filter(|c| c["op"] != "server").collect();
    assert!(cases.len() >= 100, "the catalogue has {} cases", cases.len());
    let runtime = Runtime::load(common::component_path()).expect("component loads");
    let mut session = runtime.session();
    let mut per_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for &case in &cases {
        let name = case["name"].as_str().unwrap();
        let category = case["category"].as_str().unwrap().to_string();
        let got = component_case(&mut session, case);
        let native = native_case(case);
        let mut ok = true;
        match &got {
            Ok(g) if meets(&case["expect"], g) => {}
            _ => {
                ok = false;
                failures.push(format!("{name}: expected {}, component gave {}", case["expect"], brief(&got)));
            }
        }
        if case["op"] != "token" {
            let same = match (&got, &native) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if !same {
                ok = false;
                failures.push(format!("{name}: component {} != native {}", brief(&got), brief(&native)));
            }
        }
        let entry = per_category.entry(category).or_default();
        entry.0 += 1;
        entry.1 += usize::from(ok);
    }
    std::panic::set_hook(hook);
    println!("\nhostile catalogue through the component ({} cases)", cases.len());
    println!("{:<12} {:>6} {:>6}", "category", "cases", "passed");
    for (category, (n, passed)) in &per_category {
        println!("{category:<12} {n:>6} {passed:>6}");
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{} hostile cases failed (see above)", failures.len());
}
