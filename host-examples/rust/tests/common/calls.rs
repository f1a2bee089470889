//! The named calls of `tests/calls.json` (`get-agent`, `verify`, …: one definition for every
//! runner and host), as WIT values for the component and as the core's values for the same
//! case run natively.

use altinn_systemuser as core_;
use serde_json::Value;
use systemuser_host::wit;

#[path = "../../../../tests/common/native.rs"]
pub mod native;

pub const SYS: &str = "314248295_smartregnskap";
pub const ORG: &str = "310816191";

/// The call named `name`, as the component takes it.
pub fn wit_call(name: &str) -> wit::Call {
    let calls = native::calls();
    let spec = &calls[name];
    let text = |key: &str| spec[key].as_str().unwrap_or_else(|| panic!("{name}: no {key}")).to_string();
    let opt = |key: &str| spec[key].as_str().map(String::from);
    let kind = if spec["kind"] == "agent" { wit::RequestKind::Agent } else { wit::RequestKind::Standard };
    let packages =
        |v: &Value| v.as_array().map(|l| l.iter().map(|p| wit::AccessPackage { urn: p["urn"].as_str().unwrap().into() }).collect());
    let rights = |v: &Value| {
        v.as_array().map(|l| {
            l.iter()
                .map(|r| wit::Right {
                    action: r["action"].as_str().map(String::from),
                    resource: r["resource"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| wit::AttributePair { id: p["id"].as_str().unwrap().into(), value: p["value"].as_str().unwrap().into() })
                        .collect(),
                })
                .collect()
        })
    };
    match spec["call"].as_str().unwrap_or_else(|| panic!("unknown call {name}")) {
        "create-standard-request" => wit::Call::CreateStandardRequest(wit::StandardRequestInput {
            system_id: text("systemId"),
            party_org_no: text("partyOrgNo"),
            external_ref: opt("externalRef"),
            integration_title: opt("integrationTitle"),
            rights: rights(&spec["rights"]),
            access_packages: packages(&spec["accessPackages"]),
            redirect_url: opt("redirectUrl"),
        }),
        "create-agent-request" => wit::Call::CreateAgentRequest(wit::AgentRequestInput {
            system_id: text("systemId"),
            party_org_no: text("partyOrgNo"),
            external_ref: opt("externalRef"),
            integration_title: opt("integrationTitle"),
            access_packages: packages(&spec["accessPackages"]).unwrap_or_default(),
            redirect_url: opt("redirectUrl"),
            rights: rights(&spec["rights"]),
        }),
        "get-request" => wit::Call::GetRequest(wit::RequestId { kind, id: text("id") }),
        "get-request-by-external-ref" => wit::Call::GetRequestByExternalRef(wit::ExternalRefKey {
            kind,
            system_id: text("systemId"),
            org_no: text("orgNo"),
            external_ref: text("externalRef"),
        }),
        "list-requests" => wit::Call::ListRequests(wit::ListRequestsQuery { kind, system_id: text("systemId"), page: None }),
        "withdraw-request" => wit::Call::WithdrawRequest(text("id")),
        "verify-system-user" => wit::Call::VerifySystemUser(wit::VerifyQuery {
            system_id: text("systemId"),
            org_no: text("orgNo"),
            external_ref: opt("externalRef"),
        }),
        "list-system-users" => wit::Call::ListSystemUsers(wit::ListSystemUsersQuery { system_id: text("systemId"), page: None }),
        "get-registered-system" => wit::Call::GetRegisteredSystem(text("systemId")),
        "create-change-request" => wit::Call::CreateChangeRequest(wit::NewChangeRequest {
            system_user_id: text("systemUserId"),
            correlation_id: text("correlationId"),
            required_rights: rights(&spec["requiredRights"]).unwrap_or_default(),
            unwanted_rights: rights(&spec["unwantedRights"]).unwrap_or_default(),
            required_access_packages: packages(&spec["requiredAccessPackages"]).unwrap_or_default(),
            unwanted_access_packages: packages(&spec["unwantedAccessPackages"]).unwrap_or_default(),
            redirect_url: opt("redirectUrl"),
        }),
        "get-change-request" => wit::Call::GetChangeRequest(text("id")),
        "get-change-request-by-external-ref" => wit::Call::GetChangeRequestByExternalRef(wit::ChangeRequestKey {
            system_id: text("systemId"),
            org_no: text("orgNo"),
            external_ref: text("externalRef"),
        }),
        "list-change-requests" => wit::Call::ListChangeRequests(text("systemId")),
        "list-systems" => wit::Call::ListSystems,
        "register-system" => wit::Call::RegisterSystem(system(&spec["system"])),
        "replace-system" => wit::Call::ReplaceSystem(system(&spec["system"])),
        "set-system-rights" => wit::Call::SetSystemRights(wit::SystemRights {
            system_id: text("systemId"),
            rights: rights(&spec["rights"]).unwrap_or_default(),
        }),
        "set-system-access-packages" => wit::Call::SetSystemAccessPackages(wit::SystemAccessPackages {
            system_id: text("systemId"),
            access_packages: packages(&spec["accessPackages"]).unwrap_or_default(),
        }),
        "delete-system" => wit::Call::DeleteSystem(text("systemId")),
        "system-changelog" => wit::Call::SystemChangelog(text("systemId")),
        "list-agents" => wit::Call::ListAgents(text("partyOrgNo")),
        "list-available-clients" => wit::Call::ListAvailableClients(text("agent")),
        "list-clients" => wit::Call::ListClients(text("agent")),
        "add-client" => wit::Call::AddClient(wit::ClientLink { agent: text("agent"), client: text("client") }),
        "remove-client" => wit::Call::RemoveClient(wit::ClientLink { agent: text("agent"), client: text("client") }),
        other => panic!("unknown call {other}"),
    }
}

/// A system in Altinn's shape, read as the CLI and the C ABI read it.
fn system(value: &Value) -> wit::RegisteredSystem {
    serde_json::from_value::<systemuser_host::json::SystemDoc>(value.clone()).expect("a system in Altinn's shape").into_system()
}

/// The same call for the native core.
pub fn native_call(name: &str) -> core_::protocol::Call {
    native::call(name)
}
