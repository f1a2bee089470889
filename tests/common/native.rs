//! The native side of the shared vectors: the core's calls and results in the plain shapes both
//! runners compare (used by tests/vectors.rs and host-examples/rust/tests/vectors.rs).
#![allow(dead_code)]

use super::vectors::{EXTERNAL_REF, ORG_NO, REQUEST_ID, SYSTEM_ID};
use altinn_systemuser::error::Error;
use altinn_systemuser::model::{Config, Environment, RequestKind, RequestStatus, UserType};
use altinn_systemuser::protocol::{Call, Outcome};
use serde_json::{json, Value};

pub fn call(name: &str) -> Call {
    let kind = if name.ends_with("-agent") { RequestKind::Agent } else { RequestKind::Standard };
    match name {
        "create-standard" => Call::CreateStandardRequest(Default::default()),
        "create-agent" => Call::CreateAgentRequest(Default::default()),
        "get" | "get-agent" => Call::GetRequest { kind, id: REQUEST_ID.into() },
        "by-external-ref" => {
            Call::GetRequestByExternalRef { kind, system_id: SYSTEM_ID.into(), org_no: ORG_NO.into(), external_ref: EXTERNAL_REF.into() }
        }
        "list" | "list-agent" => Call::ListRequests { kind, system_id: SYSTEM_ID.into(), page: None },
        "withdraw" => Call::WithdrawRequest(REQUEST_ID.into()),
        "verify" => Call::VerifySystemUser { system_id: SYSTEM_ID.into(), org_no: ORG_NO.into(), external_ref: None },
        "list-users" => Call::ListSystemUsers { system_id: SYSTEM_ID.into(), page: None },
        "system" => Call::GetRegisteredSystem(SYSTEM_ID.into()),
        other => panic!("unknown call {other}"),
    }
}

fn status_name(s: &RequestStatus) -> String {
    match s {
        RequestStatus::Unknown(text) => format!("Unknown({text})"),
        other => format!("{other:?}"),
    }
}

/// The same summary shape the component runner builds from WIT values.
pub fn summary(result: Result<Outcome, Error>) -> Value {
    let request = |r: &altinn_systemuser::model::SystemUserRequest| {
        json!({"id": r.id, "status": status_name(&r.status), "confirm_url": r.confirm_url, "external_ref": r.external_ref,
               "created": r.created.map(|c| c.format()), "timed_out": r.timed_out, "escalated": r.escalated,
               "kind": if r.kind == RequestKind::Agent { "agent" } else { "standard" }, "rights": r.rights.len(),
               "packages": r.access_packages.len(), "redirect_url": r.redirect_url})
    };
    let merge = |mut a: Value, b: Value| {
        a.as_object_mut().unwrap().extend(b.as_object().unwrap().clone());
        a
    };
    match result {
        Ok(Outcome::Created { request: r, is_new, reconciled }) => {
            merge(json!({"reply": "created", "is_new": is_new, "reconciled": reconciled}), request(&r))
        }
        Ok(Outcome::Request(r)) => merge(json!({"reply": "request"}), request(&r)),
        Ok(Outcome::Requests(p)) => json!({"reply": "request-page", "count": p.items.len(), "next": p.next_page}),
        Ok(Outcome::Withdrawn) => json!({"reply": "withdrawn"}),
        Ok(Outcome::SystemUser(u)) => json!({"reply": "system-user", "id": u.as_ref().map(|u| u.id.clone()),
            "user_type": u.map(|u| match u.user_type { UserType::Unknown(t) => format!("Unknown({t})"), t => format!("{t:?}") })}),
        Ok(Outcome::SystemUsers(p)) => json!({"reply": "system-user-page", "count": p.items.len(), "next": p.next_page}),
        Ok(Outcome::RegisteredSystem(s)) => {
            json!({"reply": "registered-system", "id": s.id, "vendor": s.vendor_org_no, "redirects": s.allowed_redirect_urls.len()})
        }
        Ok(Outcome::Token(t)) => json!({"reply": "token", "scope": t.scope, "expires_at": t.expires_at.seconds}),
        Err(e) => {
            let name = e.kind();
            let mut s = json!({"error": name, "message_ok": !e.to_string().is_empty()});
            if let Error::Altinn(p)
            | Error::Unauthorized(p)
            | Error::Forbidden(p)
            | Error::NotFound(p)
            | Error::Conflict(p)
            | Error::Maskinporten(p) = &e
            {
                s = merge(s, json!({"status": p.status, "code": p.code, "detail": p.detail, "trace_id": p.trace_id}));
                if let Error::Altinn(p) = &e {
                    s = merge(
                        s,
                        json!({"field_errors": p.field_errors.len(), "extensions": p.extensions.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()}),
                    );
                }
            }
            s
        }
    }
}

pub fn tt02() -> Config {
    Config::new(Environment::Tt02)
}
