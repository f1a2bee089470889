//! The calls the hostile catalogue and the fuzz corpus name (`get-agent`, `verify`, …, the
//! fuzz crate's `decode::CALLS`), as WIT values for the component and as the core's values for
//! the same case run natively.

use altinn_systemuser as core_;
use systemuser_host::wit;

pub const RID: &str = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f";
pub const SYS: &str = "314248295_smartregnskap";
pub const ORG: &str = "310816191";
const EXTERNAL_REF: &str = "kunde-42";

fn kind_of(name: &str) -> bool {
    name.ends_with("-agent")
}

/// The call named `name` as the component takes it. Creates carry the fuzz crate's inputs
/// (`parse` never reads them).
pub fn wit_call(name: &str) -> wit::Call {
    let kind = if kind_of(name) { wit::RequestKind::Agent } else { wit::RequestKind::Standard };
    match name {
        "create-standard" => wit::Call::CreateStandardRequest(wit::StandardRequestInput {
            system_id: SYS.into(),
            party_org_no: ORG.into(),
            external_ref: Some(EXTERNAL_REF.into()),
            integration_title: None,
            rights: Some(vec![wit::Right {
                action: None,
                resource: vec![wit::AttributePair { id: "urn:altinn:resource".into(), value: "ske-krav-og-betalinger".into() }],
            }]),
            access_packages: None,
            redirect_url: None,
        }),
        "create-agent" => wit::Call::CreateAgentRequest(wit::AgentRequestInput {
            system_id: "314248295_smartbyraa".into(),
            party_org_no: ORG.into(),
            external_ref: None,
            integration_title: None,
            access_packages: vec![wit::AccessPackage { urn: "urn:altinn:accesspackage:regnskapsforer-lonn".into() }],
            redirect_url: None,
            rights: None,
        }),
        "get" | "get-agent" => wit::Call::GetRequest(wit::RequestId { kind, id: RID.into() }),
        "by-external-ref" => wit::Call::GetRequestByExternalRef(wit::ExternalRefKey {
            kind,
            system_id: SYS.into(),
            org_no: ORG.into(),
            external_ref: EXTERNAL_REF.into(),
        }),
        "list" | "list-agent" => wit::Call::ListRequests(wit::ListRequestsQuery { kind, system_id: SYS.into(), page: None }),
        "withdraw" => wit::Call::WithdrawRequest(RID.into()),
        "verify" => wit::Call::VerifySystemUser(wit::VerifyQuery { system_id: SYS.into(), org_no: ORG.into(), external_ref: None }),
        "list-users" => wit::Call::ListSystemUsers(wit::ListSystemUsersQuery { system_id: SYS.into(), page: None }),
        "system" => wit::Call::GetRegisteredSystem(SYS.into()),
        other => panic!("unknown call {other}"),
    }
}

/// The same call for the native core (creates with default inputs: `parse` never reads them).
pub fn native_call(name: &str) -> core_::protocol::Call {
    use core_::model::RequestKind;
    use core_::protocol::Call;
    let kind = if kind_of(name) { RequestKind::Agent } else { RequestKind::Standard };
    match name {
        "create-standard" => Call::CreateStandardRequest(Default::default()),
        "create-agent" => Call::CreateAgentRequest(Default::default()),
        "get" | "get-agent" => Call::GetRequest { kind, id: RID.into() },
        "by-external-ref" => {
            Call::GetRequestByExternalRef { kind, system_id: SYS.into(), org_no: ORG.into(), external_ref: EXTERNAL_REF.into() }
        }
        "list" | "list-agent" => Call::ListRequests { kind, system_id: SYS.into(), page: None },
        "withdraw" => Call::WithdrawRequest(RID.into()),
        "verify" => Call::VerifySystemUser { system_id: SYS.into(), org_no: ORG.into(), external_ref: None },
        "list-users" => Call::ListSystemUsers { system_id: SYS.into(), page: None },
        "system" => Call::GetRegisteredSystem(SYS.into()),
        other => panic!("unknown call {other}"),
    }
}
