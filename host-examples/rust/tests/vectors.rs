//! The shared vector tables (tests/vectors/*.json at the workspace root) run through the BUILT
//! component, checked against the tables' expectations and against the native core on the same
//! inputs: the two must agree exactly (codes, fields, messages, normalised bodies, summaries).

mod common;

use common::calls::native;
#[path = "../../../tests/common/vectors.rs"]
mod vectors;

use altinn_systemuser as core_;
use serde_json::{json, Value};
use systemuser_host::generated::exports::altinn::systemuser::lifecycle::Event;
use systemuser_host::wit;
use systemuser_host::{Runtime, Session};
use vectors::*;

fn session() -> Session {
    Runtime::load(common::component_path()).expect("component loads").session()
}

fn triple(v: wit::Violation) -> (String, String, String) {
    (v.code, v.field, v.message)
}

#[test]
fn identifier_vectors_through_the_component() {
    let mut s = session();
    let list = identifier_vectors();
    let mut failures = Vec::new();
    for v in &list {
        let validation = |s: &mut Session| -> Result<String, wit::Violation> {
            let input = v.input.as_str();
            s.call(|c, st| {
                let f = c.altinn_systemuser_validation();
                match v.check.as_str() {
                    "org-no" => f.call_check_org_no(st, input),
                    "system-id" => f.call_check_system_id(st, input),
                    "external-ref" => f.call_check_external_ref(st, input),
                    _ => f.call_check_request_id(st, input),
                }
            })
            .expect("no trap")
        };
        let got = validation(&mut s).map_err(triple);
        let native = match v.check.as_str() {
            "org-no" => core_::identifiers::check_org_no(&v.input, "orgNo"),
            "system-id" => core_::identifiers::check_system_id(&v.input, "systemId"),
            "external-ref" => core_::identifiers::check_external_ref(&v.input, "externalRef"),
            _ => core_::identifiers::check_request_id(&v.input, "id"),
        }
        .map_err(|e| (e.code, e.field, e.message));
        if got != native {
            failures.push(format!("{} {:?}: component {got:?} != native {native:?}", v.check, v.input));
        }
        if let Err(e) = check_identifier(v, &got) {
            failures.push(e);
        }
    }
    report("identifier (component)", list.len(), failures);
}

#[test]
fn request_vectors_through_the_component() {
    let mut s = session();
    let list = request_vectors();
    let mut failures = Vec::new();
    for v in &list {
        let kind = if v.agent { wit::RequestKind::Agent } else { wit::RequestKind::Standard };
        let got =
            s.call(|c, st| c.altinn_systemuser_validation().call_validate_json(st, kind, &v.body, v.system.as_deref())).expect("no trap");
        let got = match got {
            Ok(body) => Validated::Ok(body),
            Err(violations) => Validated::Invalid(violations.into_iter().map(triple).collect()),
        };
        let native_kind = if v.agent { core_::model::RequestKind::Agent } else { core_::model::RequestKind::Standard };
        let native = match core_::validation::validate_json(native_kind, &v.body, v.system.as_deref()) {
            Ok(body) => Validated::Ok(body),
            Err(core_::Error::Validation(list)) => Validated::Invalid(list.into_iter().map(|v| (v.code, v.field, v.message)).collect()),
            Err(other) => panic!("{}: native gave {other:?}", v.name),
        };
        if got != native {
            failures.push(format!("{}: component {got:?} != native {native:?}", v.name));
        }
        if let Err(e) = check_request(v, &got) {
            failures.push(e);
        }
    }
    report("request (component)", list.len(), failures);
}

fn call(name: &str) -> wit::Call {
    common::calls::wit_call(name)
}

fn status_name(s: &wit::RequestStatus) -> String {
    use wit::RequestStatus as S;
    match s {
        S::New => "New".into(),
        S::Accepted => "Accepted".into(),
        S::Rejected => "Rejected".into(),
        S::Denied => "Denied".into(),
        S::TimedOut => "TimedOut".into(),
        S::Unknown(text) => format!("Unknown({text})"),
    }
}

fn user_type_name(t: wit::UserType) -> String {
    match t {
        wit::UserType::Standard => "Standard".into(),
        wit::UserType::Agent => "Agent".into(),
        wit::UserType::Unknown(text) => format!("Unknown({text})"),
    }
}

fn created_text(c: &Option<wit::Datetime>) -> Option<String> {
    c.map(|c| core_::model::DateTime { seconds: c.seconds, nanoseconds: c.nanoseconds }.format())
}

fn change_status_name(s: &wit::ChangeRequestStatus) -> String {
    use wit::ChangeRequestStatus as S;
    match s {
        S::New => "New".into(),
        S::Accepted => "Accepted".into(),
        S::Rejected => "Rejected".into(),
        S::NoChangeNeeded => "NoChangeNeeded".into(),
        S::Unknown(text) => format!("Unknown({text})"),
    }
}

/// A change request in the summary shape of the native runner (`native::change_summary`).
fn change_summary(c: &wit::ChangeRequest) -> Value {
    json!({"id": c.id, "status": change_status_name(&c.status), "system_user_id": c.system_user_id, "system_id": c.system_id,
           "party_org_no": c.party_org_no, "external_ref": c.external_ref, "confirm_url": c.confirm_url, "redirect_url": c.redirect_url,
           "created": created_text(&c.created), "timed_out": c.timed_out, "required_rights": c.required_rights.len(),
           "unwanted_rights": c.unwanted_rights.len(), "required_packages": c.required_access_packages.len(),
           "unwanted_packages": c.unwanted_access_packages.len()})
}

fn merge(mut a: Value, b: Value) -> Value {
    a.as_object_mut().unwrap().extend(b.as_object().unwrap().clone());
    a
}

/// The same summary shape as the native runner (tests/vectors.rs), built from WIT values.
fn summary(result: Result<wit::Outcome, wit::Error>) -> Value {
    let request = |r: &wit::SystemUserRequest| {
        json!({"id": r.id, "status": status_name(&r.status), "confirm_url": r.confirm_url, "external_ref": r.external_ref,
               "created": created_text(&r.created), "timed_out": r.timed_out, "escalated": r.escalated,
               "kind": if r.kind == wit::RequestKind::Agent { "agent" } else { "standard" }, "rights": r.rights.len(),
               "packages": r.access_packages.len(), "redirect_url": r.redirect_url})
    };
    match result {
        Ok(wit::Outcome::Created(c)) => {
            merge(json!({"reply": "created", "is_new": c.is_new, "reconciled": c.reconciled}), request(&c.request))
        }
        Ok(wit::Outcome::Request(r)) => merge(json!({"reply": "request"}), request(&r)),
        Ok(wit::Outcome::Requests(p)) => json!({"reply": "request-page", "count": p.items.len(), "next": p.next_page}),
        Ok(wit::Outcome::Withdrawn) => json!({"reply": "withdrawn"}),
        Ok(wit::Outcome::SystemUser(u)) => json!({"reply": "system-user", "id": u.as_ref().map(|u| u.id.clone()),
            "user_type": u.map(|u| user_type_name(u.user_type))}),
        Ok(wit::Outcome::SystemUsers(p)) => json!({"reply": "system-user-page", "count": p.items.len(), "next": p.next_page}),
        Ok(wit::Outcome::RegisteredSystem(s)) => {
            json!({"reply": "registered-system", "id": s.id, "vendor": s.vendor_org_no, "redirects": s.allowed_redirect_urls.len()})
        }
        Ok(wit::Outcome::Token(t)) => json!({"reply": "token", "scope": t.scope, "expires_at": t.expires_at.seconds}),
        Ok(wit::Outcome::ChangeRequestCreated(c)) => merge(
            json!({"reply": "change-request-created", "is_new": c.is_new, "reconciled": c.reconciled}),
            change_summary(&c.change_request),
        ),
        Ok(wit::Outcome::NoChangeNeeded) => json!({"reply": "no-change-needed"}),
        Ok(wit::Outcome::ChangeRequest(c)) => merge(json!({"reply": "change-request"}), change_summary(&c)),
        Ok(wit::Outcome::ChangeRequests(l)) => json!({"reply": "change-requests", "count": l.items.len(),
            "incomplete": l.may_be_incomplete, "ids": l.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
            "timed_out": l.items.iter().filter(|c| c.timed_out).count(),
            "confirm_urls": l.items.iter().filter(|c| c.confirm_url.is_some()).count()}),
        Ok(other) => panic!("no vector has an outcome of this kind: {}", systemuser_host::json::outcome_json(&other)["outcome"]),
        Err(e) => {
            let brief = |name: &str, p: &wit::StatusProblem| json!({"error": name, "message_ok": !p.message.is_empty(), "status": p.status, "code": p.code, "detail": p.detail, "trace_id": p.trace_id});
            match &e {
                wit::Error::Validation(v) => json!({"error": "validation", "message_ok": !v.is_empty()}),
                wit::Error::Altinn(p) => json!({"error": "altinn", "message_ok": !p.message.is_empty(), "status": p.status, "code": p.code,
                    "detail": p.detail, "trace_id": p.trace_id, "field_errors": p.field_errors.len(),
                    "extensions": p.extensions.iter().map(|x| x.name.clone()).collect::<Vec<_>>()}),
                wit::Error::Unauthorized(p) => brief("unauthorized", p),
                wit::Error::Forbidden(p) => brief("forbidden", p),
                wit::Error::NotFound(p) => brief("not-found", p),
                wit::Error::Conflict(p) => brief("conflict", p),
                wit::Error::Transport(t) => json!({"error": "transport", "message_ok": !t.message.is_empty()}),
                wit::Error::Token(m) => json!({"error": "token", "message_ok": !m.is_empty()}),
                wit::Error::InvalidResponse(m) => json!({"error": "invalid-response", "message_ok": !m.is_empty()}),
                wit::Error::Maskinporten(p) => brief("maskinporten", p),
                wit::Error::Unavailable(o) => json!({"error": "unavailable", "message_ok": !o.message.is_empty(), "status": o.status,
                    "code": o.code, "detail": o.detail, "trace_id": o.trace_id}),
                wit::Error::Misuse(m) => json!({"error": "misuse", "message_ok": !m.is_empty()}),
            }
        }
    }
}

#[test]
fn response_vectors_through_the_component() {
    let mut s = session();
    let config = wit::Config {
        environment: wit::Environment::Tt02,
        timeout_ms: 30_000,
        deadline_ms: 60_000,
        retry_budget: 3,
        backoff_ms: 200,
        maskinporten: None,
    };
    let native_config = native::tt02();
    let list = response_vectors();
    let mut failures = Vec::new();
    for v in &list {
        let headers: Vec<wit::Header> =
            v.headers.iter().map(|(name, value)| wit::Header { name: name.clone(), value: value.clone() }).collect();
        let response = wit::HttpResponse { status: v.status, headers, body: v.body.clone() };
        let got = s.call(|c, st| c.altinn_systemuser_protocol().call_parse(st, &config, &call(&v.call), &response));
        let got = match got {
            Ok(result) => summary(result),
            Err(trap) => {
                failures.push(format!("{}: the component trapped: {trap}", v.name));
                continue;
            }
        };
        let native_response = core_::http::HttpResponse {
            status: v.status,
            headers: v.headers.iter().map(|(name, value)| core_::http::Header { name: name.clone(), value: value.clone() }).collect(),
            body: v.body.clone(),
        };
        let native = native::summary(core_::protocol::parse(&native_config, &native::call(&v.call), &native_response));
        if got != native {
            failures.push(format!("{}: component {got} != native {native}", v.name));
        }
        if got["message_ok"] == json!(false) {
            failures.push(format!("{}: empty error message", v.name));
        }
        if let Err(e) = check_response(v, &got) {
            failures.push(e);
        }
    }
    report("response (component)", list.len(), failures);
}

#[test]
fn every_lifecycle_pair_agrees_with_the_native_core() {
    use core_::lifecycle::Event as NE;
    use core_::model::RequestStatus as N;
    let mut s = session();
    let statuses = [
        (wit::RequestStatus::New, N::New),
        (wit::RequestStatus::Accepted, N::Accepted),
        (wit::RequestStatus::Rejected, N::Rejected),
        (wit::RequestStatus::Denied, N::Denied),
        (wit::RequestStatus::TimedOut, N::TimedOut),
        (wit::RequestStatus::Unknown("Archived".into()), N::Unknown("Archived".into())),
    ];
    let events =
        [(Event::Approve, NE::Approve), (Event::Reject, NE::Reject), (Event::TimeOut, NE::TimeOut), (Event::Escalate, NE::Escalate)];
    let name = |s: &wit::RequestStatus| status_name(s);
    let mut pairs = 0;
    for (status, native_status) in &statuses {
        for (event, native_event) in &events {
            let got = s.call(|c, st| c.altinn_systemuser_lifecycle().call_transition(st, status, *event)).expect("no trap");
            let native = core_::lifecycle::transition(native_status, *native_event);
            assert_eq!(
                got.as_ref().map(name),
                native.as_ref().map(|n| match n {
                    N::Unknown(t) => format!("Unknown({t})"),
                    n => format!("{n:?}"),
                }),
                "{status:?} {event:?}"
            );
            pairs += 1;
        }
        let terminal = s.call(|c, st| c.altinn_systemuser_lifecycle().call_is_terminal(st, status)).expect("no trap");
        assert_eq!(terminal, core_::lifecycle::is_terminal(native_status), "{status:?}");
    }
    assert_eq!(pairs, 24);
    // Both timeout forms and the window, through the component.
    let request = |status: wit::RequestStatus, timed_out: bool, created: Option<i64>| wit::SystemUserRequest {
        id: REQUEST_ID.into(),
        kind: wit::RequestKind::Standard,
        external_ref: ORG_NO.into(),
        system_id: SYSTEM_ID.into(),
        party_org_no: ORG_NO.into(),
        integration_title: None,
        rights: vec![],
        access_packages: vec![],
        status,
        redirect_url: None,
        confirm_url: None,
        escalated: false,
        created: created.map(|seconds| wit::Datetime { seconds, nanoseconds: 0 }),
        timed_out,
    };
    let now = Some(wit::Datetime { seconds: 1_000 * 86_400, nanoseconds: 0 });
    let cases = [
        (request(wit::RequestStatus::TimedOut, false, None), None, true),
        (request(wit::RequestStatus::New, true, None), None, true),
        (request(wit::RequestStatus::New, false, Some(990 * 86_400)), now, true),
        (request(wit::RequestStatus::New, false, Some(990 * 86_400 + 1)), now, false),
        (request(wit::RequestStatus::Accepted, false, Some(0)), now, false),
    ];
    for (r, now, expected) in cases {
        let got = s.call(|c, st| c.altinn_systemuser_lifecycle().call_is_timed_out(st, &r, now, 10 * 86_400)).expect("no trap");
        assert_eq!(got, expected, "{r:?} at {now:?}");
        let effective = s.call(|c, st| c.altinn_systemuser_lifecycle().call_effective_status(st, &r, now, 10 * 86_400)).expect("no trap");
        assert_eq!(effective == wit::RequestStatus::TimedOut, expected);
    }
}
