//! The native side of the shared vectors: the core's calls and results in the plain shapes both
//! runners compare (used by tests/vectors.rs and host-examples/rust/tests/vectors.rs).
#![allow(dead_code)]

use altinn_systemuser::error::Error;
use altinn_systemuser::model::{ChangeRequest, ChangeRequestStatus, Config, Environment, RequestKind, RequestStatus, UserType};
use altinn_systemuser::protocol::{Call, Outcome};
use serde_json::{json, Value};

/// The named calls of `tests/calls.json` (one definition for every runner and host).
pub fn calls() -> Value {
    let mut dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("tests/calls.json").exists() {
        assert!(dir.pop(), "tests/calls.json not found above {}", env!("CARGO_MANIFEST_DIR"));
    }
    let path = dir.join("tests/calls.json");
    let all: Value = serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("JSON");
    all["calls"].clone()
}

/// The call named `name` in `tests/calls.json`, as the core takes it.
pub fn call(name: &str) -> Call {
    let spec = &calls()[name];
    let text = |key: &str| spec[key].as_str().unwrap_or_else(|| panic!("{name}: no {key}")).to_string();
    let body = serde_json::to_vec(spec).unwrap();
    let kind = if spec["kind"] == "agent" { RequestKind::Agent } else { RequestKind::Standard };
    match spec["call"].as_str().unwrap_or_else(|| panic!("unknown call {name}")) {
        "create-standard-request" => Call::CreateStandardRequest(altinn_systemuser::decode::standard_request(&body).unwrap()),
        "create-agent-request" => Call::CreateAgentRequest(altinn_systemuser::decode::agent_request(&body).unwrap()),
        "get-request" => Call::GetRequest { kind, id: text("id") },
        "get-request-by-external-ref" => {
            Call::GetRequestByExternalRef { kind, system_id: text("systemId"), org_no: text("orgNo"), external_ref: text("externalRef") }
        }
        "list-requests" => Call::ListRequests { kind, system_id: text("systemId"), page: None },
        "withdraw-request" => Call::WithdrawRequest(text("id")),
        "verify-system-user" => Call::VerifySystemUser {
            system_id: text("systemId"),
            org_no: text("orgNo"),
            external_ref: spec["externalRef"].as_str().map(String::from),
        },
        "list-system-users" => Call::ListSystemUsers { system_id: text("systemId"), page: None },
        "get-registered-system" => Call::GetRegisteredSystem(text("systemId")),
        "create-change-request" => {
            let input = altinn_systemuser::decode::change_request(&body).unwrap();
            Call::CreateChangeRequest(altinn_systemuser::model::NewChangeRequest {
                system_user_id: text("systemUserId"),
                correlation_id: text("correlationId"),
                required_rights: input.required_rights,
                unwanted_rights: input.unwanted_rights,
                required_access_packages: input.required_access_packages,
                unwanted_access_packages: input.unwanted_access_packages,
                redirect_url: input.redirect_url,
            })
        }
        "get-change-request" => Call::GetChangeRequest(text("id")),
        "get-change-request-by-external-ref" => {
            Call::GetChangeRequestByExternalRef { system_id: text("systemId"), org_no: text("orgNo"), external_ref: text("externalRef") }
        }
        "list-change-requests" => Call::ListChangeRequests { system_id: text("systemId") },
        "list-systems" => Call::ListSystems,
        "register-system" => Call::RegisterSystem(system(&spec["system"])),
        "replace-system" => Call::ReplaceSystem(system(&spec["system"])),
        // Lists in Altinn's shape, read as a system's.
        "set-system-rights" => {
            Call::SetSystemRights { system_id: text("systemId"), rights: system(&json!({"id": "x", "rights": spec["rights"]})).rights }
        }
        "set-system-access-packages" => Call::SetSystemAccessPackages {
            system_id: text("systemId"),
            access_packages: system(&json!({"id": "x", "accessPackages": spec["accessPackages"]})).access_packages,
        },
        "delete-system" => Call::DeleteSystem(text("systemId")),
        "system-changelog" => Call::SystemChangelog(text("systemId")),
        "list-agents" => Call::ListAgents { party_org_no: text("partyOrgNo") },
        "list-available-clients" => Call::ListAvailableClients { agent: text("agent") },
        "list-clients" => Call::ListClients { agent: text("agent") },
        "add-client" => Call::AddClient { agent: text("agent"), client: text("client") },
        "remove-client" => Call::RemoveClient { agent: text("agent"), client: text("client") },
        other => panic!("unknown call {other}"),
    }
}

/// A system in Altinn's shape.
fn system(value: &Value) -> altinn_systemuser::model::RegisteredSystem {
    altinn_systemuser::decode::registered_system(&serde_json::to_vec(value).unwrap()).unwrap()
}

fn status_name(s: &RequestStatus) -> String {
    match s {
        RequestStatus::Unknown(text) => format!("Unknown({text})"),
        other => format!("{other:?}"),
    }
}

fn change_status_name(s: &ChangeRequestStatus) -> String {
    match s {
        ChangeRequestStatus::Unknown(text) => format!("Unknown({text})"),
        other => format!("{other:?}"),
    }
}

/// A change request in the summary shape both runners build.
pub fn change_summary(c: &ChangeRequest) -> Value {
    json!({"id": c.id, "status": change_status_name(&c.status), "system_user_id": c.system_user_id, "system_id": c.system_id,
           "party_org_no": c.party_org_no, "external_ref": c.external_ref, "confirm_url": c.confirm_url, "redirect_url": c.redirect_url,
           "created": c.created.map(|c| c.format()), "timed_out": c.timed_out, "required_rights": c.required_rights.len(),
           "unwanted_rights": c.unwanted_rights.len(), "required_packages": c.required_access_packages.len(),
           "unwanted_packages": c.unwanted_access_packages.len()})
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
        Ok(Outcome::ChangeRequestCreated { change_request, is_new, reconciled }) => {
            merge(json!({"reply": "change-request-created", "is_new": is_new, "reconciled": reconciled}), change_summary(&change_request))
        }
        Ok(Outcome::NoChangeNeeded) => json!({"reply": "no-change-needed"}),
        Ok(Outcome::ChangeRequest(c)) => merge(json!({"reply": "change-request"}), change_summary(&c)),
        Ok(Outcome::ChangeRequests(list)) => json!({"reply": "change-requests", "count": list.items.len(),
            "incomplete": list.may_be_incomplete, "ids": list.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
            "timed_out": list.items.iter().filter(|c| c.timed_out).count(),
            "confirm_urls": list.items.iter().filter(|c| c.confirm_url.is_some()).count()}),
        Ok(other) => panic!("no summary for {other:?}"),
        Err(e) => {
            let name = e.kind();
            let mut s = json!({"error": name, "message_ok": !e.to_string().is_empty()});
            if let Error::Altinn(p)
            | Error::Unauthorized(p)
            | Error::Forbidden(p)
            | Error::NotFound(p)
            | Error::Conflict(p)
            | Error::Maskinporten(p)
            | Error::Unavailable(p) = &e
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
