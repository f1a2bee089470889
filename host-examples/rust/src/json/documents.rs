//! JSON into WIT values: a client's configuration, a task, an answer to a step, a create body.
//! Strict on purpose: member names are exact (camelCase), unknown members are refused (a
//! misspelt `externalRef` must not silently create a request keyed on the org number), and
//! every error names the member and never quotes a value (which could be a secret).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use crate::bindings::wit::{
    AccessPackage, AgentRequestInput, AllRequestsQuery, AttributePair, Bureau, ChangeRequestInput, ChangeRequestKey, ClientDelegation,
    ClientLink, Config, CustomEnvironment, Delegation, Environment, ExternalRefKey, Header, HttpResponse, Input, KeyIdentity,
    ListRequestsQuery, ListSystemUsersQuery, LocalizedText, MaskinportenClient, RegisteredSystem, RequestId, RequestKind, Right,
    StandardRequestInput, SystemAccessPackages, SystemRights, SystemUpdate, SystemUserTokenQuery, Task, TransportErrorKind,
    TransportFailure, VerifyQuery,
};
use crate::client::config;

/// A create body in Altinn's JSON (API.md §4), camelCase, no other members.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBody {
    pub system_id: String,
    pub party_org_no: String,
    pub external_ref: Option<String>,
    pub integration_title: Option<String>,
    pub rights: Option<Vec<RightDoc>>,
    pub access_packages: Option<Vec<PackageDoc>>,
    pub redirect_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RightDoc {
    pub action: Option<String>,
    pub resource: Vec<PairDoc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairDoc {
    pub id: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageDoc {
    pub urn: String,
}

impl CreateBody {
    fn rights(rights: Option<Vec<RightDoc>>) -> Option<Vec<Right>> {
        rights.map(|rs| {
            rs.into_iter()
                .map(|r| Right {
                    action: r.action,
                    resource: r.resource.into_iter().map(|p| AttributePair { id: p.id, value: p.value }).collect(),
                })
                .collect()
        })
    }

    fn packages(packages: Option<Vec<PackageDoc>>) -> Option<Vec<AccessPackage>> {
        packages.map(|ps| ps.into_iter().map(|p| AccessPackage { urn: p.urn }).collect())
    }

    pub fn into_standard(self) -> StandardRequestInput {
        StandardRequestInput {
            system_id: self.system_id,
            party_org_no: self.party_org_no,
            external_ref: self.external_ref,
            integration_title: self.integration_title,
            rights: Self::rights(self.rights),
            access_packages: Self::packages(self.access_packages),
            redirect_url: self.redirect_url,
        }
    }

    /// Rights are kept, so that the component refuses them (`rights-on-agent-request`) instead
    /// of Altinn silently dropping them.
    pub fn into_agent(self) -> AgentRequestInput {
        AgentRequestInput {
            system_id: self.system_id,
            party_org_no: self.party_org_no,
            external_ref: self.external_ref,
            integration_title: self.integration_title,
            access_packages: Self::packages(self.access_packages).unwrap_or_default(),
            redirect_url: self.redirect_url,
            rights: Self::rights(self.rights),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigDoc {
    environment: EnvironmentDoc,
    timeout_ms: Option<u32>,
    deadline_ms: Option<u32>,
    retry_budget: Option<u32>,
    backoff_ms: Option<u32>,
    maskinporten: Option<MaskinportenDoc>,
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "an environment: production, tt02, at22, at23, at24, yt01, or {\"platformUrl\", \"confirmUrl\", \"maskinportenIssuer\"}"
)]
enum EnvironmentDoc {
    Named(NamedEnvironment),
    Custom(CustomDoc),
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum NamedEnvironment {
    Production,
    Tt02,
    At22,
    At23,
    At24,
    Yt01,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CustomDoc {
    platform_url: String,
    confirm_url: String,
    maskinporten_issuer: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MaskinportenDoc {
    client_id: String,
    resource: Option<String>,
    key: KeyDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a key: {\"kid\": \"…\"} or {\"x5c\": [\"base64 DER\", …]}")]
enum KeyDoc {
    #[serde(rename = "kid")]
    Kid(String),
    #[serde(rename = "x5c")]
    X5c(Vec<String>),
}

/// A client's configuration: `{"environment", "timeoutMs"?, "deadlineMs"?, "retryBudget"?,
/// "backoffMs"?, "maskinporten"?}`; omitted numbers take the defaults of [`config`].
pub fn config_from_json(value: Value) -> Result<Config, String> {
    let doc: ConfigDoc = read(value, "config")?;
    let environment = match doc.environment {
        EnvironmentDoc::Named(name) => match name {
            NamedEnvironment::Production => Environment::Production,
            NamedEnvironment::Tt02 => Environment::Tt02,
            NamedEnvironment::At22 => Environment::At22,
            NamedEnvironment::At23 => Environment::At23,
            NamedEnvironment::At24 => Environment::At24,
            NamedEnvironment::Yt01 => Environment::Yt01,
        },
        EnvironmentDoc::Custom(c) => Environment::Custom(CustomEnvironment {
            platform_url: c.platform_url,
            confirm_url: c.confirm_url,
            maskinporten_issuer: c.maskinporten_issuer,
        }),
    };
    let defaults = config(environment);
    Ok(Config {
        timeout_ms: doc.timeout_ms.unwrap_or(defaults.timeout_ms),
        deadline_ms: doc.deadline_ms.unwrap_or(defaults.deadline_ms),
        retry_budget: doc.retry_budget.unwrap_or(defaults.retry_budget),
        backoff_ms: doc.backoff_ms.unwrap_or(defaults.backoff_ms),
        maskinporten: doc.maskinporten.map(|m| MaskinportenClient {
            client_id: m.client_id,
            resource: m.resource,
            key: match m.key {
                KeyDoc::Kid(kid) => KeyIdentity::KeyId(kid),
                KeyDoc::X5c(chain) => KeyIdentity::CertificateChain(chain),
            },
        }),
        ..defaults
    })
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindDoc {
    Standard,
    Agent,
}

fn kind(kind: Option<KindDoc>) -> RequestKind {
    match kind {
        None | Some(KindDoc::Standard) => RequestKind::Standard,
        Some(KindDoc::Agent) => RequestKind::Agent,
    }
}

#[derive(Deserialize)]
#[serde(tag = "task", rename_all = "kebab-case", rename_all_fields = "camelCase", deny_unknown_fields)]
enum TaskDoc {
    CreateStandardRequest { request: CreateBody },
    CreateAgentRequest { request: CreateBody },
    GetRequest { id: String, kind: Option<KindDoc> },
    GetRequestByExternalRef { system_id: String, org_no: String, external_ref: String, kind: Option<KindDoc> },
    ListRequests { system_id: String, kind: Option<KindDoc>, page: Option<String> },
    ListAllRequests { system_id: String, kind: Option<KindDoc> },
    WithdrawRequest { id: String },
    VerifySystemUser { system_id: String, org_no: String, external_ref: Option<String> },
    ListSystemUsers { system_id: String, page: Option<String> },
    ListAllSystemUsers { system_id: String },
    GetRegisteredSystem { system_id: String },
    SystemUserToken { customer_org_no: String, external_ref: Option<String>, scopes: Vec<String> },
    CreateChangeRequest { change: ChangeDoc },
    GetChangeRequest { id: String },
    GetChangeRequestByExternalRef { system_id: String, org_no: String, external_ref: String },
    ListChangeRequests { system_id: String },
    WithdrawChangeRequest { id: String },
    ListSystems {},
    RegisterSystem { system: SystemDoc },
    UpdateSystem { update: SystemUpdateDoc },
    SetSystemRights { system_id: String, rights: Vec<RightDoc> },
    SetSystemAccessPackages { system_id: String, access_packages: Vec<PackageDoc> },
    DeleteSystem { system_id: String },
    SystemChangelog { system_id: String },
    ListAgents { bureau: BureauDoc },
    ListAvailableClients { bureau: BureauDoc, agent: String },
    ListClients { bureau: BureauDoc, agent: String },
    AddClient { bureau: BureauDoc, agent: String, client: String },
    RemoveClient { bureau: BureauDoc, agent: String, client: String },
}

/// A text in the three official languages (each optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedDoc {
    pub nb: Option<String>,
    pub nn: Option<String>,
    pub en: Option<String>,
}

impl From<LocalizedDoc> for LocalizedText {
    fn from(t: LocalizedDoc) -> Self {
        LocalizedText { nb: t.nb, nn: t.nn, en: t.en }
    }
}

/// `{"ID": "0192:<org no>", "authority"?}` (Altinn's vendor member; the component checks the ID).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorDoc {
    #[serde(rename = "ID")]
    pub id: String,
    #[allow(dead_code)]
    pub authority: Option<String>,
}

/// A system in Altinn's shape (API.md §13: `vendor.ID`, `clientId`), as `GET
/// systemregister/vendor/{id}` answers it; this vocabulary's own spelling (`vendorOrgNo`,
/// `clientIds`, as `system show --json` prints it) is read too, so a system printed can be
/// edited and sent back. `isDeleted` is read and ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SystemDoc {
    pub id: String,
    pub vendor: Option<VendorDoc>,
    pub vendor_org_no: Option<String>,
    #[serde(default)]
    pub name: LocalizedDoc,
    #[serde(default)]
    pub description: LocalizedDoc,
    pub rights: Option<Vec<RightDoc>>,
    pub access_packages: Option<Vec<PackageDoc>>,
    #[serde(alias = "clientIds")]
    pub client_id: Option<Vec<String>>,
    pub is_visible: Option<bool>,
    pub allowed_redirect_urls: Option<Vec<String>>,
    #[allow(dead_code)]
    pub is_deleted: Option<bool>,
}

impl SystemDoc {
    pub fn into_system(self) -> RegisteredSystem {
        RegisteredSystem {
            id: self.id,
            vendor_org_no: self.vendor.map(|v| v.id).or(self.vendor_org_no).unwrap_or_default(),
            name: self.name.into(),
            description: self.description.into(),
            rights: CreateBody::rights(self.rights).unwrap_or_default(),
            access_packages: CreateBody::packages(self.access_packages).unwrap_or_default(),
            client_ids: self.client_id.unwrap_or_default(),
            // Altinn's default for a system that does not say.
            is_visible: self.is_visible.unwrap_or(true),
            allowed_redirect_urls: self.allowed_redirect_urls.unwrap_or_default(),
            is_deleted: false,
        }
    }
}

/// The members of a system to replace (absent: kept as stored).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SystemUpdateDoc {
    pub id: String,
    pub name: Option<LocalizedDoc>,
    pub description: Option<LocalizedDoc>,
    pub rights: Option<Vec<RightDoc>>,
    pub access_packages: Option<Vec<PackageDoc>>,
    #[serde(alias = "clientIds")]
    pub client_id: Option<Vec<String>>,
    pub is_visible: Option<bool>,
    pub allowed_redirect_urls: Option<Vec<String>>,
}

impl SystemUpdateDoc {
    pub fn into_update(self) -> SystemUpdate {
        SystemUpdate {
            id: self.id,
            name: self.name.map(Into::into),
            description: self.description.map(Into::into),
            rights: CreateBody::rights(self.rights),
            access_packages: CreateBody::packages(self.access_packages),
            client_ids: self.client_id,
            is_visible: self.is_visible,
            allowed_redirect_urls: self.allowed_redirect_urls,
        }
    }
}

/// The accounting bureau: `{"orgNo", "externalRef"?}` (the key of its own system user).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BureauDoc {
    pub org_no: String,
    pub external_ref: Option<String>,
}

fn delegation(bureau: BureauDoc, delegation: Delegation) -> Task {
    Task::ClientDelegation(ClientDelegation { bureau: Bureau { org_no: bureau.org_no, external_ref: bureau.external_ref }, delegation })
}

/// A change request as the vendor asks for it (`change-request-input`): the system user by the
/// vendor's key, the four lists (absent = empty), the optional correlation id and redirect URL.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeDoc {
    pub system_id: String,
    pub party_org_no: String,
    pub external_ref: Option<String>,
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub required_rights: Vec<RightDoc>,
    #[serde(default)]
    pub unwanted_rights: Vec<RightDoc>,
    #[serde(default)]
    pub required_access_packages: Vec<PackageDoc>,
    #[serde(default)]
    pub unwanted_access_packages: Vec<PackageDoc>,
    pub redirect_url: Option<String>,
}

impl ChangeDoc {
    pub fn into_input(self) -> ChangeRequestInput {
        ChangeRequestInput {
            system_id: self.system_id,
            party_org_no: self.party_org_no,
            external_ref: self.external_ref,
            correlation_id: self.correlation_id,
            required_rights: CreateBody::rights(Some(self.required_rights)).unwrap_or_default(),
            unwanted_rights: CreateBody::rights(Some(self.unwanted_rights)).unwrap_or_default(),
            required_access_packages: CreateBody::packages(Some(self.required_access_packages)).unwrap_or_default(),
            unwanted_access_packages: CreateBody::packages(Some(self.unwanted_access_packages)).unwrap_or_default(),
            redirect_url: self.redirect_url,
        }
    }
}

/// A task: `{"task": NAME, …}` with the members ABI.md lists for it.
pub fn task_from_json(value: Value) -> Result<Task, String> {
    Ok(match read::<TaskDoc>(value, "task")? {
        TaskDoc::CreateStandardRequest { request } => Task::CreateStandardRequest(request.into_standard()),
        TaskDoc::CreateAgentRequest { request } => Task::CreateAgentRequest(request.into_agent()),
        TaskDoc::GetRequest { id, kind: k } => Task::GetRequest(RequestId { kind: kind(k), id }),
        TaskDoc::GetRequestByExternalRef { system_id, org_no, external_ref, kind: k } => {
            Task::GetRequestByExternalRef(ExternalRefKey { kind: kind(k), system_id, org_no, external_ref })
        }
        TaskDoc::ListRequests { system_id, kind: k, page } => Task::ListRequests(ListRequestsQuery { kind: kind(k), system_id, page }),
        TaskDoc::ListAllRequests { system_id, kind: k } => Task::ListAllRequests(AllRequestsQuery { kind: kind(k), system_id }),
        TaskDoc::WithdrawRequest { id } => Task::WithdrawRequest(id),
        TaskDoc::VerifySystemUser { system_id, org_no, external_ref } => {
            Task::VerifySystemUser(VerifyQuery { system_id, org_no, external_ref })
        }
        TaskDoc::ListSystemUsers { system_id, page } => Task::ListSystemUsers(ListSystemUsersQuery { system_id, page }),
        TaskDoc::ListAllSystemUsers { system_id } => Task::ListAllSystemUsers(system_id),
        TaskDoc::GetRegisteredSystem { system_id } => Task::GetRegisteredSystem(system_id),
        TaskDoc::SystemUserToken { customer_org_no, external_ref, scopes } => {
            Task::SystemUserToken(SystemUserTokenQuery { customer_org_no, external_ref, scopes })
        }
        TaskDoc::CreateChangeRequest { change } => Task::CreateChangeRequest(change.into_input()),
        TaskDoc::GetChangeRequest { id } => Task::GetChangeRequest(id),
        TaskDoc::GetChangeRequestByExternalRef { system_id, org_no, external_ref } => {
            Task::GetChangeRequestByExternalRef(ChangeRequestKey { system_id, org_no, external_ref })
        }
        TaskDoc::ListChangeRequests { system_id } => Task::ListChangeRequests(system_id),
        TaskDoc::WithdrawChangeRequest { id } => Task::WithdrawChangeRequest(id),
        TaskDoc::ListSystems {} => Task::ListSystems,
        TaskDoc::RegisterSystem { system } => Task::RegisterSystem(system.into_system()),
        TaskDoc::UpdateSystem { update } => Task::UpdateSystem(update.into_update()),
        TaskDoc::SetSystemRights { system_id, rights } => {
            Task::SetSystemRights(SystemRights { system_id, rights: CreateBody::rights(Some(rights)).unwrap_or_default() })
        }
        TaskDoc::SetSystemAccessPackages { system_id, access_packages } => Task::SetSystemAccessPackages(SystemAccessPackages {
            system_id,
            access_packages: CreateBody::packages(Some(access_packages)).unwrap_or_default(),
        }),
        TaskDoc::DeleteSystem { system_id } => Task::DeleteSystem(system_id),
        TaskDoc::SystemChangelog { system_id } => Task::SystemChangelog(system_id),
        TaskDoc::ListAgents { bureau } => delegation(bureau, Delegation::ListAgents),
        TaskDoc::ListAvailableClients { bureau, agent } => delegation(bureau, Delegation::ListAvailableClients(agent)),
        TaskDoc::ListClients { bureau, agent } => delegation(bureau, Delegation::ListClients(agent)),
        TaskDoc::AddClient { bureau, agent, client } => delegation(bureau, Delegation::AddClient(ClientLink { agent, client })),
        TaskDoc::RemoveClient { bureau, agent, client } => delegation(bureau, Delegation::RemoveClient(ClientLink { agent, client })),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseDoc {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureDoc {
    kind: FailureKindDoc,
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum FailureKindDoc {
    Connect,
    Timeout,
    ConnectionLost,
    TooLarge,
    Other,
}

#[derive(Deserialize)]
#[serde(tag = "input", rename_all = "kebab-case", deny_unknown_fields)]
enum InputDoc {
    Response { response: ResponseDoc },
    TransportFailed { failure: FailureDoc },
    Signature { signature: String },
    SignFailed { message: String },
    Token { token: String },
    TokenFailed { message: String },
    Waited {},
}

/// An answer to a step: `{"input": NAME, …}`: `response`, `transport-failed`, `signature`,
/// `sign-failed`, `token`, `token-failed`, `waited`.
pub fn input_from_json(value: Value) -> Result<Input, String> {
    Ok(match read::<InputDoc>(value, "input")? {
        InputDoc::Response { response } => Input::Response(HttpResponse {
            status: response.status,
            headers: response.headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
            body: base64(&response.body, "response.body")?,
        }),
        InputDoc::TransportFailed { failure } => Input::TransportFailed(TransportFailure {
            kind: match failure.kind {
                FailureKindDoc::Connect => TransportErrorKind::Connect,
                FailureKindDoc::Timeout => TransportErrorKind::Timeout,
                FailureKindDoc::ConnectionLost => TransportErrorKind::ConnectionLost,
                FailureKindDoc::TooLarge => TransportErrorKind::TooLarge,
                FailureKindDoc::Other => TransportErrorKind::Other,
            },
            message: failure.message,
        }),
        InputDoc::Signature { signature } => Input::Signature(base64(&signature, "signature")?),
        InputDoc::SignFailed { message } => Input::SignFailed(message),
        InputDoc::Token { token } => Input::Token(token),
        InputDoc::TokenFailed { message } => Input::TokenFailed(message),
        InputDoc::Waited {} => Input::Waited,
    })
}

/// The name of an input's case, as [`input_from_json`] reads it.
pub fn input_name(input: &Input) -> &'static str {
    match input {
        Input::Token(_) => "token",
        Input::TokenFailed(_) => "token-failed",
        Input::Response(_) => "response",
        Input::TransportFailed(_) => "transport-failed",
        Input::Signature(_) => "signature",
        Input::SignFailed(_) => "sign-failed",
        Input::Waited => "waited",
    }
}

fn base64(text: &str, member: &str) -> Result<Vec<u8>, String> {
    STANDARD.decode(text).map_err(|_| format!("{member} is not standard base64 (RFC 4648 §4, with padding)"))
}

/// Deserialises `value` as a `what` document; the error says what is wrong without quoting a
/// value.
fn read<T: for<'de> Deserialize<'de>>(value: Value, what: &str) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| format!("the {what} document does not match its schema: {}", unquoted(&e.to_string())))
}

/// serde quotes a string value it did not expect (`invalid type: string "…"`); that value may
/// be a token put in the wrong member, so it is cut out. Member names (in backticks) stay.
pub fn unquoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    for c in message.chars() {
        match (c, in_quote) {
            ('"', false) => {
                in_quote = true;
                out.push_str("\"…");
            }
            ('"', true) => {
                in_quote = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tasks_refuse_unknown_members_and_take_defaults() {
        let task = task_from_json(json!({"task": "get-request", "id": "x"})).unwrap();
        assert_eq!(task, Task::GetRequest(RequestId { kind: RequestKind::Standard, id: "x".into() }));
        let err = task_from_json(json!({"task": "get-request", "id": "x", "kindd": "agent"})).unwrap_err();
        assert!(err.contains("kindd"), "{err}");
        let err = task_from_json(
            json!({"task": "create-standard-request", "request": {"systemId": "s", "partyOrgNo": "1", "externalReference": "r"}}),
        )
        .unwrap_err();
        assert!(err.contains("externalReference"), "{err}");
    }

    #[test]
    fn errors_never_quote_a_value() {
        let err = input_from_json(json!({"input": "token", "token": 5})).unwrap_err();
        assert!(err.contains("expected a string"), "{err}");
        let err = config_from_json(json!({"environment": "tt02", "timeoutMs": "s3cr3t-value"})).unwrap_err();
        assert!(!err.contains("s3cr3t"), "{err}");
        assert!(err.contains("invalid type"), "{err}");
        let err = input_from_json(json!({"input": "signature", "signature": "not base64 s3cr3t!"})).unwrap_err();
        assert!(!err.contains("s3cr3t"), "{err}");
    }

    #[test]
    fn config_defaults_and_keys() {
        let c = config_from_json(json!({"environment": "tt02", "maskinporten": {"clientId": "c", "key": {"kid": "k"}}})).unwrap();
        assert_eq!((c.timeout_ms, c.deadline_ms, c.retry_budget, c.backoff_ms), (30_000, 60_000, 3, 200));
        assert_eq!(c.maskinporten.unwrap().key, KeyIdentity::KeyId("k".into()));
        let err = config_from_json(json!({"environment": "TT02"})).unwrap_err();
        assert!(err.contains("an environment"), "{err}");
    }

    #[test]
    fn inputs_read_back() {
        let input =
            input_from_json(json!({"input": "response", "response": {"status": 200, "headers": [["a", "b"]], "body": "e30="}})).unwrap();
        assert_eq!(
            input,
            Input::Response(HttpResponse {
                status: 200,
                headers: vec![Header { name: "a".into(), value: "b".into() }],
                body: b"{}".to_vec()
            })
        );
        assert_eq!(input_from_json(json!({"input": "waited"})).unwrap(), Input::Waited);
        assert!(input_from_json(json!({"input": "waited", "ms": 1})).is_err());
    }
}
