//! Fuzz targets for the altinn-systemuser core. Each target is a plain function: the libFuzzer
//! binaries in `fuzz_targets/` wrap them for `cargo +nightly fuzz run`, and the stable test
//! `tests/short_run.rs` replays the committed corpus plus a fixed number of deterministic
//! mutations through them. A target panics (a finding) when the core panics or when one of its
//! invariants is broken; otherwise any result, error or not, is fine.

pub mod decode;
pub mod mutate;

use altinn_systemuser::error::{Error, TransportErrorKind, TransportFailure};
use altinn_systemuser::http::{Header, HttpRequest, HttpResponse, Method};
use altinn_systemuser::model::{
    AccessPackage, AgentRequestInput, AttributePair, ChangeRequest, ChangeRequestInput, Config, CustomEnvironment, DateTime, Environment,
    KeyIdentity, MaskinportenClient, NewChangeRequest, RegisteredSystem, RequestKind, Right, StandardRequestInput,
};
use altinn_systemuser::operation::{Input, Operation, Step, Task};
use altinn_systemuser::protocol::{self, Call, Outcome};
use altinn_systemuser::secret::Secret;
use altinn_systemuser::{url, validation};
use decode::{json_string, Reader};

pub const REQUEST_ID: &str = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f";
pub const SYSTEM_ID: &str = "314248295_smartregnskap";
pub const ORG_NO: &str = "310816191";
pub const EXTERNAL_REF: &str = "kunde-42";
/// The correlation id of the named change-request calls (tests/calls.json).
pub const CHANGE_ID: &str = "7c3e1f2a-9b4d-4e6f-8a1b-2c3d4e5f6a7b";
pub const SKATTEGRUNNLAG: &str = "urn:altinn:accesspackage:skattegrunnlag";

/// Every target by name, for the short run and `run.sh`.
/// A fuzz target: any bytes, panics on a finding.
pub type Target = fn(&[u8]);

pub const TARGETS: [(&str, Target); 4] =
    [("parse_response", parse_response), ("validate_request", validate_request), ("operation", operation), ("url_guards", url_guards)];

pub fn config(custom: bool) -> Config {
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

/// The core `Call` for a name of `decode::CALLS`: the calls of `tests/calls.json`.
pub fn call(name: &str) -> Call {
    let kind = if name.ends_with("-agent") { RequestKind::Agent } else { RequestKind::Standard };
    match name {
        "create-standard" => Call::CreateStandardRequest(standard_input()),
        "create-agent" => Call::CreateAgentRequest(agent_input()),
        "get" | "get-agent" => Call::GetRequest { kind, id: REQUEST_ID.into() },
        "by-external-ref" => {
            Call::GetRequestByExternalRef { kind, system_id: SYSTEM_ID.into(), org_no: ORG_NO.into(), external_ref: EXTERNAL_REF.into() }
        }
        "list" | "list-agent" => Call::ListRequests { kind, system_id: SYSTEM_ID.into(), page: None },
        "withdraw" => Call::WithdrawRequest(REQUEST_ID.into()),
        "verify" => Call::VerifySystemUser { system_id: SYSTEM_ID.into(), org_no: ORG_NO.into(), external_ref: Some(EXTERNAL_REF.into()) },
        "list-users" => Call::ListSystemUsers { system_id: SYSTEM_ID.into(), page: None },
        "create-change" => Call::CreateChangeRequest(NewChangeRequest {
            system_user_id: REQUEST_ID.into(),
            correlation_id: CHANGE_ID.into(),
            required_access_packages: vec![AccessPackage { urn: SKATTEGRUNNLAG.into() }],
            ..Default::default()
        }),
        "get-change" => Call::GetChangeRequest(CHANGE_ID.into()),
        "change-by-external-ref" => {
            Call::GetChangeRequestByExternalRef { system_id: SYSTEM_ID.into(), org_no: ORG_NO.into(), external_ref: EXTERNAL_REF.into() }
        }
        "list-changes" => Call::ListChangeRequests { system_id: SYSTEM_ID.into() },
        _ => Call::GetRegisteredSystem(SYSTEM_ID.into()),
    }
}

/// A change of the system user (`SYSTEM_ID`, `ORG_NO`, `EXTERNAL_REF`): one more package.
pub fn change_input() -> ChangeRequestInput {
    ChangeRequestInput {
        system_id: SYSTEM_ID.into(),
        party_org_no: ORG_NO.into(),
        external_ref: Some(EXTERNAL_REF.into()),
        required_access_packages: vec![AccessPackage { urn: SKATTEGRUNNLAG.into() }],
        ..Default::default()
    }
}

pub fn standard_input() -> StandardRequestInput {
    StandardRequestInput {
        system_id: SYSTEM_ID.into(),
        party_org_no: ORG_NO.into(),
        external_ref: Some(EXTERNAL_REF.into()),
        rights: Some(vec![Right {
            action: None,
            resource: vec![AttributePair { id: "urn:altinn:resource".into(), value: "ske-krav-og-betalinger".into() }],
        }]),
        ..Default::default()
    }
}

pub fn agent_input() -> AgentRequestInput {
    AgentRequestInput {
        system_id: SYSTEM_ID.into(),
        party_org_no: ORG_NO.into(),
        external_ref: Some(EXTERNAL_REF.into()),
        access_packages: vec![AccessPackage { urn: "urn:altinn:accesspackage:regnskapsforer-lonn".into() }],
        ..Default::default()
    }
}

/// The kind of a parse result, as both the native and the component side name it.
pub fn outcome_kind(result: &Result<Outcome, Error>) -> &'static str {
    match result {
        Ok(Outcome::Created { .. }) => "created",
        Ok(Outcome::Request(_)) => "request",
        Ok(Outcome::Requests(_)) => "requests",
        Ok(Outcome::Withdrawn) => "withdrawn",
        Ok(Outcome::SystemUser(_)) => "system-user",
        Ok(Outcome::SystemUsers(_)) => "system-users",
        Ok(Outcome::RegisteredSystem(_)) => "registered-system",
        Ok(Outcome::Token(_)) => "token",
        Ok(Outcome::ChangeRequestCreated { .. }) => "change-request-created",
        Ok(Outcome::NoChangeNeeded) => "no-change-needed",
        Ok(Outcome::ChangeRequest(_)) => "change-request",
        Ok(Outcome::ChangeRequests(_)) => "change-requests",
        Ok(_) => "another outcome",
        Err(e) => error_kind(e),
    }
}

pub fn error_kind(error: &Error) -> &'static str {
    error.kind()
}

fn check_error(error: &Error) {
    let message = match error {
        Error::Validation(list) => {
            assert!(!list.is_empty(), "a validation error without violations");
            for v in list {
                assert!(!v.code.is_empty() && !v.message.is_empty(), "a violation without code or message: {v:?}");
            }
            return;
        }
        Error::Altinn(p)
        | Error::Unauthorized(p)
        | Error::Forbidden(p)
        | Error::NotFound(p)
        | Error::Conflict(p)
        | Error::Maskinporten(p)
        | Error::Unavailable(p) => &p.message,
        Error::Transport(t) => &t.message,
        Error::Token(m) | Error::InvalidResponse(m) | Error::Misuse(m) => m,
        other => panic!("an error kind the fuzz target does not know: {other:?}"),
    };
    assert!(!message.is_empty(), "an error without a message: {error:?}");
    // Error messages quote untrusted text clipped: a 64 KB input must not come back whole.
    assert!(message.chars().count() <= 4_000, "an error message is not clipped ({} characters)", message.chars().count());
}

/// What must hold for every parse result.
fn check_parse(config: &Config, call: &Call, response: &HttpResponse, result: &Result<Outcome, Error>) {
    if let Err(e) = result {
        check_error(e);
    }
    let status = response.status;
    if !(200..=599).contains(&status) {
        assert!(matches!(result, Err(Error::InvalidResponse(_))), "status {status} gave {}", outcome_kind(result));
    }
    match (status, result) {
        (401, r) => assert!(matches!(r, Err(Error::Unauthorized(_))), "401 gave {}", outcome_kind(r)),
        (403, r) => assert!(matches!(r, Err(Error::Forbidden(_))), "403 gave {}", outcome_kind(r)),
        (409, r) => assert!(matches!(r, Err(Error::Conflict(_))), "409 gave {}", outcome_kind(r)),
        (429 | 500..=599, r) => assert!(matches!(r, Err(Error::Unavailable(_))), "{status} gave {}", outcome_kind(r)),
        _ => {}
    }
    let confirm_checked = |request: &altinn_systemuser::model::SystemUserRequest| {
        if let Some(link) = &request.confirm_url {
            let path = match request.kind {
                RequestKind::Standard => "/accessmanagement/ui/systemuser/request",
                RequestKind::Agent => "/accessmanagement/ui/systemuser/agentrequest",
            };
            check_confirm_url(config, link, &request.id, path);
        }
    };
    let change_checked = |c: &ChangeRequest| {
        if let Some(link) = &c.confirm_url {
            check_confirm_url(config, link, &c.id, "/accessmanagement/ui/systemuser/changerequest");
        }
        check_bound(call, &c.system_id, Some(&c.party_org_no));
    };
    match result {
        Ok(Outcome::Created { request, .. }) | Ok(Outcome::Request(request)) => {
            confirm_checked(request);
            check_bound(call, &request.system_id, Some(&request.party_org_no));
        }
        Ok(Outcome::Requests(page)) => {
            page.items.iter().for_each(confirm_checked);
            page.items.iter().for_each(|r| check_bound(call, &r.system_id, None));
            check_next_page(config, call, page.next_page.as_deref());
        }
        Ok(Outcome::SystemUsers(page)) => {
            page.items.iter().for_each(|u| check_bound(call, &u.system_id, None));
            check_next_page(config, call, page.next_page.as_deref())
        }
        Ok(Outcome::SystemUser(Some(u))) => check_bound(call, &u.system_id, Some(&u.reportee_org_no)),
        Ok(Outcome::RegisteredSystem(s)) => check_bound(call, &s.id, None),
        Ok(Outcome::ChangeRequestCreated { change_request: c, is_new, reconciled }) => {
            change_checked(c);
            let Call::CreateChangeRequest(asked) = call else { panic!("a created change request answers {call:?}") };
            assert!(c.id.eq_ignore_ascii_case(&asked.correlation_id), "a change request under another correlation id was accepted");
            assert!(protocol::change_differs(asked, c).is_none(), "a change request of another change was accepted as created");
            assert_eq!(*is_new, status == 201, "is-new on a {status}");
            assert!(!reconciled, "parse reconciled");
        }
        Ok(Outcome::NoChangeNeeded) => {
            assert!(matches!(call, Call::CreateChangeRequest(_)), "no-change-needed answers {call:?}")
        }
        Ok(Outcome::ChangeRequest(c)) => {
            change_checked(c);
            if let Call::GetChangeRequest(id) = call {
                assert!(c.id.eq_ignore_ascii_case(id.trim()), "a change request under another id was accepted");
            }
        }
        Ok(Outcome::ChangeRequests(list)) => {
            for c in &list.items {
                if let Some(link) = &c.confirm_url {
                    check_confirm_url(config, link, &c.id, "/accessmanagement/ui/systemuser/changerequest");
                }
                check_bound(call, &c.system_id, None);
            }
        }
        _ => {}
    }
}

/// An accepted answer is about the system (and customer) the call asked about.
fn check_bound(call: &Call, system_id: &str, org_no: Option<&str>) {
    let asked_system = match call {
        Call::CreateStandardRequest(i) => Some((i.system_id.as_str(), Some(i.party_org_no.as_str()))),
        Call::CreateAgentRequest(i) => Some((i.system_id.as_str(), Some(i.party_org_no.as_str()))),
        Call::GetRequestByExternalRef { system_id, org_no, .. }
        | Call::VerifySystemUser { system_id, org_no, .. }
        | Call::GetChangeRequestByExternalRef { system_id, org_no, .. } => Some((system_id.as_str(), Some(org_no.as_str()))),
        Call::ListRequests { system_id, .. }
        | Call::ListSystemUsers { system_id, .. }
        | Call::GetRegisteredSystem(system_id)
        | Call::ListChangeRequests { system_id } => Some((system_id.as_str(), None)),
        _ => None,
    };
    let Some((asked, asked_org)) = asked_system else { return };
    assert_eq!(system_id, asked.trim(), "an answer about another system was accepted");
    if let (Some(org), Some(asked_org)) = (org_no, asked_org) {
        assert_eq!(
            altinn_systemuser::identifiers::normalize_org_no(org),
            altinn_systemuser::identifiers::normalize_org_no(asked_org),
            "an answer about another customer was accepted"
        );
    }
}

/// An accepted confirmUrl is the configured confirm page (`path`) for this very request.
fn check_confirm_url(config: &Config, link: &str, id: &str, path: &str) {
    let expected = config.environment.confirm_url();
    let parsed = url::parse(link).unwrap_or_else(|e| panic!("accepted confirmUrl {link:?} does not parse: {e:?}"));
    let origin = url::parse(&expected).expect("configured confirm origin parses");
    assert!(parsed.same_origin(&origin), "accepted confirmUrl {link:?} is not on {expected}");
    assert_eq!(parsed.path, path, "accepted confirmUrl {link:?} is not the confirm page");
    assert!(parsed.query_value("id").is_some_and(|v| v.eq_ignore_ascii_case(id)), "accepted confirmUrl {link:?} is for another request");
    assert!(parsed.fragment.is_none(), "accepted confirmUrl {link:?} has a fragment");
    assert!(
        parsed.query_pairs().all(|(k, _)| k == "id" || k == "DONTCHOOSEREPORTEE"),
        "accepted confirmUrl {link:?} carries another parameter"
    );
}

/// A next-page token the component handed out can be handed back: the next page is built on
/// the configured base, whatever the server's link said.
fn check_next_page(config: &Config, call: &Call, token: Option<&str>) {
    let Some(token) = token else { return };
    assert!(!token.is_empty(), "an empty next-page token");
    let next = match call {
        Call::ListRequests { kind, system_id, .. } => {
            Call::ListRequests { kind: *kind, system_id: system_id.clone(), page: Some(token.into()) }
        }
        Call::ListSystemUsers { system_id, .. } => Call::ListSystemUsers { system_id: system_id.clone(), page: Some(token.into()) },
        other => panic!("a next page for {other:?}"),
    };
    let built = protocol::build(config, &next)
        .unwrap_or_else(|e| panic!("the next-page token {:?} that parse accepted cannot be sent back: {e}", clip(token)));
    check_on_base(config, &built.request.url);
}

fn clip(text: &str) -> String {
    text.chars().take(80).collect()
}

/// Every URL the core builds is on the configured platform, with nothing raw after the base.
fn check_on_base(config: &Config, built: &str) {
    let base = format!("{}/authentication/api/v1/", config.environment.platform_url());
    let rest = built.strip_prefix(&base).unwrap_or_else(|| panic!("{built:?} is not under {base}"));
    assert!(
        rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%/?=&".contains(&b)),
        "{built:?} holds a character that is not percent-encoded"
    );
    assert!(!rest.split(['/', '?', '&']).any(|seg| seg == ".." || seg == "."), "{built:?} has a dot segment");
}

/// Target: `protocol::parse` for every call, with arbitrary status, headers and body.
pub fn parse_response(data: &[u8]) {
    let input = decode::parse_input(data);
    let config = config(input.custom_env);
    let call = call(input.call);
    let response = HttpResponse {
        status: input.status,
        headers: input.headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
        body: input.body,
    };
    let result = protocol::parse(&config, &call, &response);
    check_parse(&config, &call, &response, &result);
}

/// Target: `validation::validate_json`, standard and agent, with and without a system.
pub fn validate_request(data: &[u8]) {
    let input = decode::validate_input(data);
    let kind = if input.agent { RequestKind::Agent } else { RequestKind::Standard };
    let result = validation::validate_json(kind, &input.body, input.system.as_deref());
    match &result {
        Err(e) => {
            assert!(matches!(e, Error::Validation(_)), "validate_json gave {}", error_kind(e));
            check_error(e);
        }
        Ok(normalized) => {
            // The normalised body is what would be sent: valid JSON, and stable when validated again.
            altinn_systemuser::json::parse(normalized).unwrap_or_else(|e| panic!("the normalised body is not JSON: {e}"));
            let again = validation::validate_json(kind, normalized, input.system.as_deref());
            assert_eq!(again.as_ref(), Ok(normalized), "validating the normalised body again changed it");
        }
    }
}

/// A change request as the server answers for (`id`, `system_user_id`), asking for `packages`.
fn change_body(id: &str, system_user_id: &str, packages: &[&str], status: &str, confirm: &str) -> String {
    let packages: Vec<String> = packages.iter().map(|p| format!(r#"{{"urn":{}}}"#, json_string(p))).collect();
    format!(
        r#"{{"id":{},"externalRef":"{EXTERNAL_REF}","systemId":"{SYSTEM_ID}","systemUserId":{},"partyOrgNo":"{ORG_NO}","requiredRights":[],"unwantedRights":[],"requiredAccessPackages":[{}],"unwantedAccessPackages":[],"status":"{status}","confirmUrl":{},"created":"2026-07-20T10:15:00Z","timedOut":false}}"#,
        json_string(id),
        json_string(system_user_id),
        packages.join(","),
        json_string(confirm)
    )
}

/// Answers to the change-request routes (and, during a change request's create, its lookup of
/// the system user), chosen by a byte: mostly the change asked for, echoing the correlation id
/// and system user id the request carried. `None`: the ordinary table answers.
fn change_route_body(r: &mut Reader<'_>, config: &Config, request: &HttpRequest, change_task: bool) -> Option<(u16, Vec<u8>)> {
    let link = url::parse(&request.url).ok()?;
    if change_task && link.path.ends_with("/systemuser/vendor/byquery") {
        // The system user of the key asked for (its external ref defaults to the org number).
        let external_ref = link.query_value("external-ref").unwrap_or_else(|| ORG_NO.to_string());
        let user = |kind: &str| {
            format!(
                r#"{{"id":"{REQUEST_ID}","systemId":"{SYSTEM_ID}","reporteeOrgNo":"{ORG_NO}","externalRef":{},"userType":"{kind}"}}"#,
                json_string(&external_ref)
            )
        };
        return match r.byte() % 4 {
            0 => Some((200, user("standard").into_bytes())),
            1 => Some((200, user("agent").into_bytes())),
            2 => Some((404, Vec::new())),
            _ => None,
        };
    }
    if !link.path.contains("/systemuser/changerequest/") {
        return None;
    }
    // The id the request named: the POST's correlation id, the last path segment of a GET by
    // id, or (by external ref, a list) the named calls' correlation id.
    let named = link.path.contains("/byexternalref/") || link.path.contains("/bysystem/");
    let id = match link.query_value("correlation-id") {
        Some(id) => id,
        None if named => CHANGE_ID.to_string(),
        None => link.path.rsplit('/').next().unwrap_or_default().to_string(),
    };
    let user = link.query_value("system-user-id").unwrap_or_else(|| REQUEST_ID.to_string());
    let confirm =
        format!("{}/accessmanagement/ui/systemuser/changerequest?id={id}&DONTCHOOSEREPORTEE=true", config.environment.confirm_url());
    let asked = [SKATTEGRUNNLAG];
    Some(match r.byte() % 12 {
        0 => (201, change_body(&id, &user, &asked, "New", &confirm).into_bytes()),
        1 => (200, change_body(&id, &user, &asked, "New", &confirm).into_bytes()),
        2 => (200, change_body(&id, &user, &[], "NoChangeNeeded", "").into_bytes()),
        // A replay of another change under the same correlation id.
        3 => (200, change_body(&id, &user, &["urn:altinn:accesspackage:merverdiavgift"], "Accepted", &confirm).into_bytes()),
        4 => {
            let item = change_body(&id, &user, &asked, "Accepted", "");
            let next = if r.byte().is_multiple_of(2) { "" } else { r#""next":"https://elsewhere.example/x?token=p1""# };
            (200, format!(r#"{{"links":{{{next}}},"data":[{item}]}}"#).into_bytes())
        }
        5 => (404, br#"{"status":404,"code":"AUTH-00010","title":"not found"}"#.to_vec()),
        6 => (404, br#"{"status":404,"code":"AUTH-00015","title":"no system user"}"#.to_vec()),
        7 => (500 + u16::from(r.byte() % 4), br#"{"title":"boom"}"#.to_vec()),
        8 => (400, br#""Missing or invalid QueryParameter: correlation-id.""#.to_vec()),
        9 => (409, br#"{"status":409,"code":"AUTH-00061"}"#.to_vec()),
        10 => (202, Vec::new()),
        _ => {
            let status = r.u16();
            (status, r.chunk().to_vec())
        }
    })
}

/// Bodies the operation target answers `request` with, chosen by a byte (so most exchanges
/// parse): the change-request routes and a change request's lookup get their own answers
/// (`change_route_body`), everything else (the pre-flight's registered system included) this
/// table.
fn operation_body(r: &mut Reader<'_>, config: &Config, page: &mut u32, request: &HttpRequest, change_task: bool) -> (u16, Vec<u8>) {
    if let Some(answer) = change_route_body(r, config, request, change_task) {
        return answer;
    }
    let confirm = format!("{}/accessmanagement/ui/systemuser/request?id={REQUEST_ID}", config.environment.confirm_url());
    let request = format!(
        r#"{{"id":"{REQUEST_ID}","externalRef":"{EXTERNAL_REF}","systemId":"{SYSTEM_ID}","partyOrgNo":"{ORG_NO}","rights":[],"status":"New","confirmUrl":{}}}"#,
        json_string(&confirm)
    );
    let user = format!(r#"{{"id":"{REQUEST_ID}","systemId":"{SYSTEM_ID}","reporteeOrgNo":"{ORG_NO}"}}"#);
    match r.byte() % 12 {
        0 => (201, request.into_bytes()),
        1 => (200, request.into_bytes()),
        2 => {
            *page += 1;
            let next = if r.byte().is_multiple_of(3) {
                String::new()
            } else {
                // Sometimes a repeated token, to reach the loop guard.
                let token = if r.byte().is_multiple_of(4) { 1 } else { *page };
                format!(r#","links":{{"next":"https://elsewhere.example/x?token=p{token}"}}"#)
            };
            (200, format!(r#"{{"data":[{request}]{next}}}"#).into_bytes())
        }
        3 => (200, format!(r#"{{"data":[{user}],"links":{{}}}}"#).into_bytes()),
        4 => (200, user.into_bytes()),
        5 => (200, decode::SYSTEMS[(r.byte() % 2) as usize].as_bytes().to_vec()),
        6 => (404, Vec::new()),
        7 => (500 + u16::from(r.byte() % 4), br#"{"title":"boom"}"#.to_vec()),
        8 => (decode::STATUSES[r.byte() as usize % decode::STATUSES.len()], Vec::new()),
        9 => (400, br#"{"status":400,"code":"AUTH-00021","detail":"x"}"#.to_vec()),
        10 => (204, Vec::new()),
        _ => {
            let status = r.u16();
            (status, r.chunk().to_vec())
        }
    }
}

/// Maskinporten's answer to a grant: a token, an MP error, an outage, or anything.
fn grant_body(r: &mut Reader<'_>) -> (u16, Vec<u8>) {
    match r.byte() % 6 {
        0 | 1 => (200, br#"{"access_token":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln","token_type":"Bearer","expires_in":120,"scope":"s"}"#.to_vec()),
        2 => (400, br#"{"error":"invalid_scope","error_description":"Client is not allowed scope (MP-201)"}"#.to_vec()),
        3 => (400, br#"{"error":"invalid_grant","error_description":"Invalid assertion (MP-130)"}"#.to_vec()),
        4 => (500 + u16::from(r.byte() % 4), Vec::new()),
        _ => {
            let status = r.u16();
            (status, r.chunk().to_vec())
        }
    }
}

fn token_text(r: &mut Reader<'_>) -> String {
    match r.byte() % 8 {
        0 => "eyJhbGciOiJSUzI1NiJ9.e30.c2ln".into(),
        1 => "tok\r\nX-Injected: 1".into(),
        2 => "tok en".into(),
        3 => "tok\0en".into(),
        4 => String::new(),
        5 => "x".repeat(16 * 1024 + 1),
        6 => String::from_utf8_lossy(r.chunk()).into_owned(),
        _ => "b".repeat(1 + r.byte() as usize),
    }
}

fn transport_failure(r: &mut Reader<'_>) -> TransportFailure {
    let kind = match r.byte() % 5 {
        0 => TransportErrorKind::Connect,
        1 => TransportErrorKind::Timeout,
        2 => TransportErrorKind::ConnectionLost,
        3 => TransportErrorKind::TooLarge,
        _ => TransportErrorKind::Other,
    };
    TransportFailure { kind, message: "fuzz".into() }
}

/// The task byte: 0-10 the request tasks, 11-15 the change-request tasks (a byte below 11
/// names what it always did).
fn operation_task(r: &mut Reader<'_>) -> Task {
    let kind = if r.byte() & 1 == 1 { RequestKind::Agent } else { RequestKind::Standard };
    match r.byte() % 16 {
        11 => {
            let mut input = change_input();
            match r.byte() % 4 {
                0 => {}
                1 => input.correlation_id = Some(CHANGE_ID.into()),
                2 => input.required_access_packages.clear(),
                _ => {
                    input.external_ref = None;
                    input.redirect_url = Some("https://smartregnskap.example/callback".into());
                }
            }
            Task::CreateChangeRequest(input)
        }
        12 => Task::Read(call("get-change")),
        13 => Task::Read(call("change-by-external-ref")),
        14 => Task::Read(call("list-changes")),
        15 => Task::WithdrawChangeRequest(CHANGE_ID.into()),
        0 => {
            let mut input = standard_input();
            if r.byte().is_multiple_of(4) {
                input.external_ref = None;
            }
            Task::CreateStandardRequest(input)
        }
        1 => Task::CreateAgentRequest(agent_input()),
        2 => Task::Read(Call::GetRequest { kind, id: REQUEST_ID.into() }),
        3 => Task::Read(call("by-external-ref")),
        4 => Task::Read(Call::ListRequests { kind, system_id: SYSTEM_ID.into(), page: None }),
        5 => Task::ListAllRequests { kind, system_id: SYSTEM_ID.into() },
        6 => Task::WithdrawRequest(REQUEST_ID.into()),
        7 => Task::Read(call("verify")),
        8 => Task::Read(call("list-users")),
        9 => Task::ListAllSystemUsers { system_id: SYSTEM_ID.into() },
        10 if r.byte().is_multiple_of(2) => {
            Task::SystemUserToken { customer_org_no: ORG_NO.into(), external_ref: Some(EXTERNAL_REF.into()), scopes: vec!["ttd:s".into()] }
        }
        _ => Task::Read(call("system")),
    }
}

/// Target: an operation fed arbitrary inputs. Mostly the input the step asks for (to get deep
/// into the machine), sometimes any input (host protocol errors).
pub fn operation(data: &[u8]) {
    let _ = run_operation(data);
}

/// The operation target's run: the result when the operation finished within the input.
pub fn run_operation(data: &[u8]) -> Option<Result<Outcome, Error>> {
    let mut r = Reader::new(data);
    let flags = r.byte();
    let mut config = config(flags & 1 == 1);
    config.retry_budget = u32::from((flags >> 1) & 3);
    config.backoff_ms = [0, 1, 200, u32::MAX][((flags >> 3) & 3) as usize];
    // Bit 5: the component gets its own tokens (grants to Maskinporten) instead of asking.
    let grants = flags & 0x20 != 0;
    if grants {
        let key = KeyIdentity::KeyId("fuzz-kid".into());
        config.maskinporten = Some(MaskinportenClient { client_id: "fuzz-client".into(), resource: None, key });
    }
    // Bit 6: a deadline, with the clock moving by what the input says at every step.
    config.deadline_ms = if flags & 0x40 != 0 { 5_000 } else { 0 };
    let mut now = DateTime { seconds: 1_790_000_000, nanoseconds: 0 };
    let token_url = format!("{}token", config.environment.maskinporten_issuer());
    let task = operation_task(&mut r);
    let is_create = matches!(task, Task::CreateStandardRequest(_) | Task::CreateAgentRequest(_));
    let change_task = match &task {
        Task::CreateChangeRequest(input) => Some(input.clone()),
        _ => None,
    };
    let mut op = Operation::new(config.clone(), task, now, &[0x5a; 16]);
    let mut step = op.start();
    let (mut posts, mut page) = (0u32, 0u32);
    let mut last_token: Option<String> = None;
    // The correlation id and system user id of the change-request POSTs sent, and whether the
    // system-user lookup said the user is an agent one.
    let mut change_posts: Vec<(String, String)> = Vec::new();
    for _ in 0..256 {
        match &step {
            Step::Done(result) => {
                if let Err(e) = result {
                    check_error(e);
                }
                assert_eq!(&op.finish(), result, "finish differs from the done step");
                let after = op.advance(Input::Waited, now);
                assert_eq!(&after, &step, "an input after done changed the result");
                assert_eq!(&op.start(), &step, "start after done changed the result");
                if is_create {
                    if let Ok(outcome) = result {
                        assert!(matches!(outcome, Outcome::Created { .. }), "a create finished with {}", outcome_kind(result));
                    }
                }
                if let Some(input) = &change_task {
                    check_change_create(input, &change_posts, result);
                }
                return Some(result.clone());
            }
            Step::NeedToken(scopes) => {
                assert!(!grants, "asked the host for a token while it makes its own grants");
                assert!(!scopes.is_empty(), "a token request without scopes")
            }
            Step::Send(request) if request.url == token_url => {
                assert!(grants, "a grant without config.maskinporten");
                assert!(request.headers.iter().all(|h| !h.name.eq_ignore_ascii_case("authorization")), "a grant carries a bearer token");
                let body = String::from_utf8(request.body.clone().unwrap_or_default()).expect("a form body");
                assert!(body.starts_with("grant_type=") && body.contains("&assertion="), "not a JWT-bearer grant: {}", body.len());
            }
            Step::Send(request) => {
                check_on_base(&config, &request.url);
                let auth: Vec<&Header> = request.headers.iter().filter(|h| h.name.eq_ignore_ascii_case("authorization")).collect();
                assert_eq!(auth.len(), 1, "a request without exactly one Authorization header");
                let token = auth[0].value.strip_prefix("Bearer ").expect("a bearer token");
                assert!(!token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic()), "a token that is not a header value was sent");
                if let Some(last) = &last_token {
                    assert!(last.bytes().all(|b| b.is_ascii_graphic()), "sent after a token with a forbidden character");
                }
                if request.method == Method::Post {
                    posts += 1;
                    assert!(posts <= config.retry_budget + 1, "{posts} POSTs with a retry budget of {}", config.retry_budget);
                    if let Ok(link) = url::parse(&request.url) {
                        if let (Some(id), Some(user)) = (link.query_value("correlation-id"), link.query_value("system-user-id")) {
                            assert!(change_task.is_some(), "a change-request POST for another task");
                            if let Some((first, _)) = change_posts.first() {
                                assert_eq!(first, &id, "a change request was posted again under another correlation id");
                            }
                            change_posts.push((id, user));
                        }
                    }
                }
            }
            Step::Wait(ms) => assert!(*ms <= 30_000, "a back-off of {ms} ms"),
            Step::Sign(data) => {
                assert!(grants, "asked to sign without config.maskinporten");
                assert!(data.split(|b| *b == b'.').count() == 2, "the signing input is not header.claims");
            }
            other => panic!("a step the fuzz target does not know: {other:?}"),
        }
        if let (Step::Send(request), Some(deadline)) = (&step, (config.deadline_ms > 0).then_some(config.deadline_ms)) {
            assert!(request.timeout_ms <= deadline, "an exchange of {} ms under a {deadline} ms deadline", request.timeout_ms);
        }
        if r.is_empty() {
            return None;
        }
        let choice = r.byte();
        let expected = choice < 224;
        let input = match (&step, expected) {
            (Step::NeedToken(_), true) if choice < 200 => Input::Token(Secret::new("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")),
            (Step::NeedToken(_), true) => {
                if choice.is_multiple_of(2) {
                    let t = token_text(&mut r);
                    last_token = Some(t.clone());
                    Input::Token(Secret::new(t))
                } else {
                    Input::TokenFailed("no scope".into())
                }
            }
            (Step::Send(request), true) if choice < 190 => {
                let (status, body) = if request.url == token_url {
                    grant_body(&mut r)
                } else {
                    operation_body(&mut r, &config, &mut page, request, change_task.is_some())
                };
                let headers = vec![Header { name: "Content-Type".into(), value: "application/json".into() }];
                Input::Response(HttpResponse { status, headers, body })
            }
            (Step::Send(_), true) => Input::TransportFailed(transport_failure(&mut r)),
            (Step::Wait(_), true) => Input::Waited,
            (Step::Sign(_), true) if choice < 210 => Input::Signature(vec![0x5a; 256]),
            (Step::Sign(_), true) => Input::SignFailed("no key".into()),
            _ => match choice % 7 {
                0 => Input::Token(Secret::new(token_text(&mut r))),
                1 => Input::TokenFailed(String::from_utf8_lossy(r.chunk()).into_owned()),
                2 => Input::Response(HttpResponse { status: r.u16(), headers: vec![], body: r.chunk().to_vec() }),
                3 => Input::TransportFailed(transport_failure(&mut r)),
                4 => Input::Signature(r.chunk().to_vec()),
                5 => Input::SignFailed(String::from_utf8_lossy(r.chunk()).into_owned()),
                _ => Input::Waited,
            },
        };
        if matches!(input, Input::Token(_)) && !matches!(step, Step::NeedToken(_)) {
            last_token = None;
        }
        if let (Input::Token(t), Step::NeedToken(_)) = (&input, &step) {
            last_token = Some(t.expose().to_string());
        }
        now.seconds += i64::from(r.byte() % 4);
        step = op.advance(input, now);
        if let (Some(t), Step::Send(_)) = (&last_token, &step) {
            assert!(
                t.bytes().all(|b| b.is_ascii_graphic()) && !t.is_empty(),
                "a request was sent after a token with a forbidden character"
            );
        }
    }
    None
}

/// What must hold when a change request's create finished: a change that asks for nothing is
/// answered without a POST; a change request returned is the one posted (its correlation id and
/// system user), never one of another change; a refused agent system user was never posted.
fn check_change_create(input: &ChangeRequestInput, posts: &[(String, String)], result: &Result<Outcome, Error>) {
    let empty = input.required_rights.is_empty()
        && input.unwanted_rights.is_empty()
        && input.required_access_packages.is_empty()
        && input.unwanted_access_packages.is_empty();
    if empty {
        assert!(posts.is_empty(), "an empty change was posted");
        assert_eq!(result, &Ok(Outcome::NoChangeNeeded), "an empty change gave {}", outcome_kind(result));
        return;
    }
    match result {
        Ok(Outcome::ChangeRequestCreated { change_request: c, .. }) => {
            let (id, user) = posts.last().expect("a change request created without a POST");
            assert!(c.id.eq_ignore_ascii_case(id), "the change request {} is not the one posted ({id})", c.id);
            assert!(c.system_user_id.eq_ignore_ascii_case(user), "the change request is another system user's");
            if let Some(given) = &input.correlation_id {
                assert!(id.eq_ignore_ascii_case(given), "the given correlation id was not used");
            }
            assert_eq!(c.required_access_packages, input.required_access_packages, "a change request of another change");
        }
        Ok(Outcome::NoChangeNeeded) => assert!(!posts.is_empty(), "no-change-needed for a change that asks for something, unasked"),
        Ok(_) => panic!("a change request's create finished with {}", outcome_kind(result)),
        Err(Error::Validation(v)) if v.iter().any(|v| v.code == "AUTH-00015") => {
            assert!(posts.is_empty(), "an agent system user's change was posted")
        }
        Err(_) => {}
    }
}

/// Target: URL handling: `url::parse`, the redirect match, the confirmUrl guard (a create
/// response with this confirmUrl) and the next-link guard (a list page with this links.next).
/// The input is the URL, optionally followed by a 0x00 and a second URL (the registered one).
pub fn url_guards(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\0').unwrap_or((&text, "https://smartregnskap.example/callback"));

    // url::parse and its helpers.
    if let Ok(u) = url::parse(a) {
        assert!(!u.host.is_empty() && u.host.is_ascii() && u.host == u.host.to_ascii_lowercase(), "host {:?}", u.host);
        assert!(u.same_endpoint(&u) && u.same_origin(&u));
        let _ = u.query_value("token");
        let rebuilt = format!(
            "{}://{}{}{}{}",
            u.scheme,
            u.host,
            u.port.map(|p| format!(":{p}")).unwrap_or_default(),
            u.path,
            u.query.map(|q| format!("?{q}")).unwrap_or_default()
        );
        let again = url::parse(&rebuilt).unwrap_or_else(|e| panic!("{a:?} parsed, its rebuilt form {rebuilt:?} does not: {e:?}"));
        assert!(again.same_endpoint(&u), "{a:?} and its rebuilt form {rebuilt:?} differ");
    }
    let encoded = url::encode_component(a);
    assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    assert_eq!(url::percent_decode(&encoded).replace('+', " "), a.replace('+', " "), "encode/decode round trip");

    // The redirect match, against a system that registers `b`.
    let system = RegisteredSystem { id: SYSTEM_ID.into(), allowed_redirect_urls: vec![b.to_string()], ..Default::default() };
    let input = StandardRequestInput { redirect_url: Some(a.to_string()), ..standard_input() };
    let result = validation::validate_standard(input, Some(&system));
    let redirect_refused = match &result {
        Err(Error::Validation(list)) => list.iter().any(|v| v.field == "redirectUrl"),
        _ => false,
    };
    let trimmed = a.trim();
    if !redirect_refused && !trimmed.is_empty() {
        let (ua, ub) = (url::parse(trimmed), url::parse(b));
        assert!(
            matches!((&ua, &ub), (Ok(x), Ok(y)) if x.same_endpoint(y) && x.scheme == "https"),
            "redirect {a:?} accepted for registered {b:?}"
        );
    }

    // The confirmUrl guard, both request kinds, both environments.
    for (custom, call_name) in [(false, "create-standard"), (true, "create-agent"), (false, "get-agent")] {
        let config = config(custom);
        let body = format!(
            r#"{{"id":"{REQUEST_ID}","systemId":"{SYSTEM_ID}","partyOrgNo":"{ORG_NO}","externalRef":"{EXTERNAL_REF}","rights":[],"status":"New","confirmUrl":{}}}"#,
            json_string(a)
        );
        let call = call(call_name);
        let status = if call_name == "get-agent" { 200 } else { 201 };
        let response = HttpResponse { status, headers: vec![], body: body.into_bytes() };
        let result = protocol::parse(&config, &call, &response);
        check_parse(&config, &call, &response, &result);
    }

    // The next-link guard.
    for (custom, call_name) in [(false, "list"), (true, "list-users")] {
        let config = config(custom);
        let body = format!(r#"{{"data":[],"links":{{"next":{}}}}}"#, json_string(a));
        let call = call(call_name);
        let response = HttpResponse { status: 200, headers: vec![], body: body.into_bytes() };
        let result = protocol::parse(&config, &call, &response);
        check_parse(&config, &call, &response, &result);
    }
}
