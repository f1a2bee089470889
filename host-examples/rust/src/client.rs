//! A vendor's client: typed methods over the component's `client.run`. Sessions (one store
//! each) are kept in a small pool and reused: instantiating costs tens of microseconds per
//! operation otherwise, and a session already drops its store after a trap, so a reused one is
//! never poisoned. All client logic (pre-flight, idempotent create, reconciliation, pagination,
//! retries, guards) runs inside the component; this is only the Rust face of it.

use std::sync::{Arc, Mutex};

use crate::bindings::wit::{
    self, AccessPackage, AgentRequestInput, AgentSystemUser, ClientLink, ClientList, Config, CreatedRequest, CustomEnvironment, Delegation,
    Environment, ExternalRefKey, ListRequestsQuery, ListSystemUsersQuery, Outcome, RegisteredSystem, RequestId, RequestKind, RequestPage,
    Right, StandardRequestInput, SystemChange, SystemUpdate, SystemUser, SystemUserPage, SystemUserRequest, Task, VerifyQuery,
};
use crate::capabilities::{Capabilities, Secret};
use crate::convert::describe_error;
use crate::error::HostError;
use crate::runtime::{Runtime, Session};

/// Idle sessions kept for reuse; more concurrent callers simply make more.
const IDLE_SESSIONS: usize = 16;

/// What a client call can fail with: the component's typed answer, or the host's own failure.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The typed error of the WIT contract (validation, Altinn problem, transport, …).
    #[error("{}", describe_error(.0))]
    Altinn(wit::Error),
    /// The component could not run (missing file, trap, instantiation).
    #[error(transparent)]
    Host(#[from] HostError),
}

impl ClientError {
    /// The component's error, if that is what this is.
    pub fn altinn(&self) -> Option<&wit::Error> {
        match self {
            ClientError::Altinn(e) => Some(e),
            ClientError::Host(_) => None,
        }
    }
}

/// A configuration with the defaults a vendor wants (the core's, SECURITY.md's limits policy):
/// 30 s per exchange, 60 s per operation, 3 retries, back-off from 200 ms.
pub fn config(environment: Environment) -> Config {
    Config { environment, timeout_ms: 30_000, deadline_ms: 60_000, retry_budget: 3, backoff_ms: 200, maskinporten: None }
}

/// `config(environment)` with the component getting its own tokens from Maskinporten as
/// `client_id`, signed with the key `key` names (its `kid`, or its certificate chain: a
/// signer's `identity()`); the host supplies the key itself through `Capabilities::with_key`.
pub fn config_with_maskinporten(environment: Environment, client_id: &str, key: wit::KeyIdentity) -> Config {
    Config { maskinporten: Some(wit::MaskinportenClient { client_id: client_id.to_string(), resource: None, key }), ..config(environment) }
}

/// A local deployment (the simulator) at `base_url`: platform, confirm page and Maskinporten
/// all on the same origin.
pub fn custom_environment(base_url: &str) -> Environment {
    let base = base_url.trim_end_matches('/').to_string();
    Environment::Custom(CustomEnvironment {
        platform_url: base.clone(),
        confirm_url: base.clone(),
        maskinporten_issuer: format!("{base}/"),
    })
}

/// Runs the vendor operations of API.md §3 through the component.
#[derive(Debug, Clone)]
pub struct Client {
    runtime: Runtime,
    caps: Capabilities,
    config: Config,
    idle: Arc<Mutex<Vec<Session>>>,
}

impl Client {
    pub fn new(runtime: Runtime, caps: Capabilities, config: Config) -> Self {
        Client { runtime, caps, config, idle: Arc::default() }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The same client (runtime, capabilities, idle sessions) with another configuration.
    pub fn with_config(self, config: Config) -> Self {
        Client { config, ..self }
    }

    /// Runs any task and returns its outcome.
    pub fn run(&self, task: &Task) -> Result<Outcome, ClientError> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut session = pooled.unwrap_or_else(|| self.runtime.session_with(self.caps.clone()));
        let result = session.run(&self.config, task);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < IDLE_SESSIONS {
                idle.push(session);
            }
        }
        result?.map_err(ClientError::Altinn)
    }

    /// Creates (or finds, by its external ref) a standard request.
    pub fn create_standard_request(&self, input: StandardRequestInput) -> Result<CreatedRequest, ClientError> {
        match self.run(&Task::CreateStandardRequest(input))? {
            Outcome::Created(created) => Ok(created),
            other => Err(unexpected("create", other)),
        }
    }

    /// Creates (or finds) an agent request for a client system.
    pub fn create_agent_request(&self, input: AgentRequestInput) -> Result<CreatedRequest, ClientError> {
        match self.run(&Task::CreateAgentRequest(input))? {
            Outcome::Created(created) => Ok(created),
            other => Err(unexpected("create", other)),
        }
    }

    pub fn get_request(&self, kind: RequestKind, id: &str) -> Result<SystemUserRequest, ClientError> {
        self.request(Task::GetRequest(RequestId { kind, id: id.to_string() }))
    }

    pub fn get_request_by_external_ref(&self, key: ExternalRefKey) -> Result<SystemUserRequest, ClientError> {
        self.request(Task::GetRequestByExternalRef(key))
    }

    fn request(&self, task: Task) -> Result<SystemUserRequest, ClientError> {
        match self.run(&task)? {
            Outcome::Request(request) => Ok(request),
            other => Err(unexpected("get", other)),
        }
    }

    /// Every request of a system, all pages.
    pub fn list_all_requests(&self, kind: RequestKind, system_id: &str) -> Result<Vec<SystemUserRequest>, ClientError> {
        Ok(self.request_page(Task::ListAllRequests(wit::AllRequestsQuery { kind, system_id: system_id.to_string() }))?.items)
    }

    /// One page; `page` is the previous page's `next_page`.
    pub fn list_requests(&self, kind: RequestKind, system_id: &str, page: Option<String>) -> Result<RequestPage, ClientError> {
        self.request_page(Task::ListRequests(ListRequestsQuery { kind, system_id: system_id.to_string(), page }))
    }

    fn request_page(&self, task: Task) -> Result<RequestPage, ClientError> {
        match self.run(&task)? {
            Outcome::Requests(page) => Ok(page),
            other => Err(unexpected("list", other)),
        }
    }

    pub fn withdraw_request(&self, id: &str) -> Result<(), ClientError> {
        match self.run(&Task::WithdrawRequest(id.to_string()))? {
            Outcome::Withdrawn => Ok(()),
            other => Err(unexpected("withdraw", other)),
        }
    }

    /// The system user for (system, customer, external ref), if the customer approved one.
    pub fn verify_system_user(&self, system_id: &str, org_no: &str, external_ref: Option<&str>) -> Result<Option<SystemUser>, ClientError> {
        let query =
            VerifyQuery { system_id: system_id.to_string(), org_no: org_no.to_string(), external_ref: external_ref.map(String::from) };
        match self.run(&Task::VerifySystemUser(query))? {
            Outcome::SystemUser(user) => Ok(user),
            other => Err(unexpected("verify", other)),
        }
    }

    /// Every system user of a system, all pages.
    pub fn list_all_system_users(&self, system_id: &str) -> Result<Vec<SystemUser>, ClientError> {
        Ok(self.user_page(Task::ListAllSystemUsers(system_id.to_string()))?.items)
    }

    pub fn list_system_users(&self, system_id: &str, page: Option<String>) -> Result<SystemUserPage, ClientError> {
        self.user_page(Task::ListSystemUsers(ListSystemUsersQuery { system_id: system_id.to_string(), page }))
    }

    fn user_page(&self, task: Task) -> Result<SystemUserPage, ClientError> {
        match self.run(&task)? {
            Outcome::SystemUsers(page) => Ok(page),
            other => Err(unexpected("list system users", other)),
        }
    }

    /// The vendor's own registered system (needs `systemregister.write`).
    pub fn get_registered_system(&self, system_id: &str) -> Result<RegisteredSystem, ClientError> {
        match self.run(&Task::GetRegisteredSystem(system_id.to_string()))? {
            Outcome::RegisteredSystem(system) => Ok(system),
            other => Err(unexpected("read the registered system", other)),
        }
    }
}

/// What asking for a change gives: a change request (new, or the same change found again), or
/// nothing to ask (the change asks for nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // a value handed back once per call; a box would only add an allocation
pub enum ChangeOutcome {
    Created(wit::CreatedChangeRequest),
    NoChangeNeeded,
}

impl Client {
    /// Asks the customer for a change of its system user's rights and access packages (API.md
    /// §11), exactly once: the system user is looked up by (system, customer, external ref), the
    /// change checked against the registered system, the correlation id derived from the change
    /// unless given (a rerun finds the same change request).
    pub fn create_change_request(&self, input: wit::ChangeRequestInput) -> Result<ChangeOutcome, ClientError> {
        match self.run(&Task::CreateChangeRequest(input))? {
            Outcome::ChangeRequestCreated(created) => Ok(ChangeOutcome::Created(created)),
            Outcome::NoChangeNeeded => Ok(ChangeOutcome::NoChangeNeeded),
            other => Err(unexpected("change request", other)),
        }
    }

    pub fn get_change_request(&self, id: &str) -> Result<wit::ChangeRequest, ClientError> {
        self.change_request(Task::GetChangeRequest(id.to_string()))
    }

    /// A change request of the system user with this key: Altinn answers one of several (any
    /// status, package lists empty): a hint; get it by its id for the whole of it.
    pub fn get_change_request_by_external_ref(&self, key: wit::ChangeRequestKey) -> Result<wit::ChangeRequest, ClientError> {
        self.change_request(Task::GetChangeRequestByExternalRef(key))
    }

    fn change_request(&self, task: Task) -> Result<wit::ChangeRequest, ClientError> {
        match self.run(&task)? {
            Outcome::ChangeRequest(c) => Ok(c),
            other => Err(unexpected("get change request", other)),
        }
    }

    /// Page one of a system's change requests (the server repeats it past 50 items, so no more
    /// is read): `may_be_incomplete` says there was more.
    pub fn list_change_requests(&self, system_id: &str) -> Result<wit::ChangeRequestList, ClientError> {
        match self.run(&Task::ListChangeRequests(system_id.to_string()))? {
            Outcome::ChangeRequests(list) => Ok(list),
            other => Err(unexpected("list change requests", other)),
        }
    }

    pub fn withdraw_change_request(&self, id: &str) -> Result<(), ClientError> {
        match self.run(&Task::WithdrawChangeRequest(id.to_string()))? {
            Outcome::Withdrawn => Ok(()),
            other => Err(unexpected("withdraw change request", other)),
        }
    }
}

/// A Maskinporten token to act as a customer's system user. `Debug` never shows the token.
#[derive(Debug, Clone)]
pub struct SystemUserToken {
    pub token: Secret,
    /// The scopes granted, space-separated.
    pub scope: String,
    /// When Maskinporten says it expires (seconds since the epoch, by the host's clock).
    pub expires_at: i64,
}

impl Client {
    /// A token to act as the customer's system user, once the customer approved the request.
    /// `external_ref` is the request's, when it was not the org number (else MP-303). Needs
    /// `config.maskinporten` and a signer; tokens are cached inside the component.
    pub fn system_user_token(
        &self,
        customer_org_no: &str,
        external_ref: Option<&str>,
        scopes: &[&str],
    ) -> Result<SystemUserToken, ClientError> {
        let query = wit::SystemUserTokenQuery {
            customer_org_no: customer_org_no.to_string(),
            external_ref: external_ref.map(String::from),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        };
        match self.run(&Task::SystemUserToken(query))? {
            Outcome::Token(t) => Ok(SystemUserToken { token: Secret::new(t.token), scope: t.scope, expires_at: t.expires_at.seconds }),
            other => Err(unexpected("system-user token", other)),
        }
    }
}

/// The System Register (API.md §13): the vendor's own systems. Every call needs the scope
/// `altinn:authentication/systemregister.write`; a system of another vendor is `forbidden` (403).
impl Client {
    /// The vendor's systems (deleted ones left out). A listing carries no client ids or redirect
    /// URLs: read one system with [`Client::get_registered_system`] for those.
    pub fn list_systems(&self) -> Result<Vec<RegisteredSystem>, ClientError> {
        match self.run(&Task::ListSystems)? {
            Outcome::Systems(systems) => Ok(systems),
            other => Err(unexpected("list systems", other)),
        }
    }

    /// Registers a system exactly once: checked first with the server's rules (AUTH.VLD codes,
    /// nothing sent when it breaks one), then posted; a lost answer is settled by reading the
    /// system by its id (`reconciled`, no internal id), never by posting twice.
    pub fn register_system(&self, system: RegisteredSystem) -> Result<wit::RegisteredSystemId, ClientError> {
        match self.run(&Task::RegisterSystem(system))? {
            Outcome::SystemRegistered(id) => Ok(id),
            other => Err(unexpected("register system", other)),
        }
    }

    /// Replaces the members the update names and keeps the rest as stored: the component reads
    /// the system, merges, checks and sends the whole record (Altinn's PUT resets whatever a
    /// body leaves out). A deleted system is a `conflict` (`system-deleted`).
    pub fn update_system(&self, update: SystemUpdate) -> Result<(), ClientError> {
        self.system_changed("update system", Task::UpdateSystem(update))
    }

    /// Replaces a system's rights (each on `urn:altinn:resource`, none twice).
    pub fn set_system_rights(&self, system_id: &str, rights: Vec<Right>) -> Result<(), ClientError> {
        self.system_changed("set system rights", Task::SetSystemRights(wit::SystemRights { system_id: system_id.to_string(), rights }))
    }

    /// Replaces a system's access packages (none twice, no agent-only one on a visible system).
    pub fn set_system_access_packages(&self, system_id: &str, access_packages: Vec<AccessPackage>) -> Result<(), ClientError> {
        let task = Task::SetSystemAccessPackages(wit::SystemAccessPackages { system_id: system_id.to_string(), access_packages });
        self.system_changed("set system access packages", task)
    }

    /// Deletes a system (its id is never reused); deleting a deleted system succeeds.
    pub fn delete_system(&self, system_id: &str) -> Result<(), ClientError> {
        self.system_changed("delete system", Task::DeleteSystem(system_id.to_string()))
    }

    /// Every change made to a system (as Altinn lists them, newest first), with the body each
    /// change sent.
    pub fn system_changelog(&self, system_id: &str) -> Result<Vec<SystemChange>, ClientError> {
        match self.run(&Task::SystemChangelog(system_id.to_string()))? {
            Outcome::SystemChangelog(changes) => Ok(changes),
            other => Err(unexpected("system changelog", other)),
        }
    }

    fn system_changed(&self, what: &str, task: Task) -> Result<(), ClientError> {
        match self.run(&task)? {
            Outcome::SystemChanged => Ok(()),
            other => Err(unexpected(what, other)),
        }
    }
}

/// An accounting bureau whose clients its software administers (API.md §12), named by the key of
/// the bureau's own **standard** system user for a system holding the access package
/// `klientadministrator`, which the bureau approved once: its organisation number, and the
/// external ref that system user's request used when it was not the organisation number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bureau {
    pub org_no: String,
    pub external_ref: Option<String>,
}

impl Bureau {
    /// A bureau whose klientadministrator system user was asked for with its org number as the
    /// external ref (the default).
    pub fn new(org_no: impl Into<String>) -> Self {
        Bureau { org_no: org_no.into(), external_ref: None }
    }

    /// A bureau whose klientadministrator system user was asked for with `external_ref`.
    pub fn with_external_ref(org_no: impl Into<String>, external_ref: impl Into<String>) -> Self {
        Bureau { org_no: org_no.into(), external_ref: Some(external_ref.into()) }
    }
}

impl From<&Bureau> for wit::Bureau {
    fn from(b: &Bureau) -> Self {
        wit::Bureau { org_no: b.org_no.clone(), external_ref: b.external_ref.clone() }
    }
}

/// Client delegation (API.md §12): the bureau's software adds clients to an agent system user
/// by API. With `config.maskinporten` the component gets a Maskinporten system-user token for
/// the bureau itself (scopes `altinn:clientdelegations.read` and `.write`; the client id must be
/// on the system the bureau's klientadministrator system user is for); without it the token
/// source is asked for those two scopes and must give that token. The component exchanges it
/// for an Altinn token and keeps that per bureau in the session until 30 s before it expires,
/// so one exchange serves many calls. Neither token appears in any error.
impl Client {
    /// The bureau's agent system users (each with its access packages).
    pub fn list_agents(&self, bureau: &Bureau) -> Result<Vec<AgentSystemUser>, ClientError> {
        match self.delegation(bureau, Delegation::ListAgents)? {
            Outcome::Agents(agents) => Ok(agents),
            other => Err(unexpected("list agents", other)),
        }
    }

    /// The bureau's clients that could be added to the agent system user `agent` (those holding
    /// any of its packages, delegated already or not). Never paged.
    pub fn list_available_clients(&self, bureau: &Bureau, agent: &str) -> Result<ClientList, ClientError> {
        self.client_list("list available clients", bureau, Delegation::ListAvailableClients(agent.to_string()))
    }

    /// The clients delegated to the agent system user `agent`. Never paged.
    pub fn list_clients(&self, bureau: &Bureau, agent: &str) -> Result<ClientList, ClientError> {
        self.client_list("list clients", bureau, Delegation::ListClients(agent.to_string()))
    }

    /// Delegates the client (its party uuid, from [`Client::list_available_clients`]) to the
    /// agent system user. A client that is not the bureau's is `altinn` `AUTH-00079`; one that
    /// lacks one of the agent's packages `AUTH-00080`.
    pub fn add_client(&self, bureau: &Bureau, agent: &str, client: &str) -> Result<ClientLink, ClientError> {
        match self.delegation(bureau, Delegation::AddClient(link(agent, client)))? {
            Outcome::ClientAdded(link) => Ok(link),
            other => Err(unexpected("add client", other)),
        }
    }

    /// Takes the client (its party uuid) away from the agent system user; a client that was not
    /// delegated is no error.
    pub fn remove_client(&self, bureau: &Bureau, agent: &str, client: &str) -> Result<ClientLink, ClientError> {
        match self.delegation(bureau, Delegation::RemoveClient(link(agent, client)))? {
            Outcome::ClientRemoved(link) => Ok(link),
            other => Err(unexpected("remove client", other)),
        }
    }

    fn client_list(&self, what: &str, bureau: &Bureau, delegation: Delegation) -> Result<ClientList, ClientError> {
        match self.delegation(bureau, delegation)? {
            Outcome::Clients(list) => Ok(list),
            other => Err(unexpected(what, other)),
        }
    }

    fn delegation(&self, bureau: &Bureau, delegation: Delegation) -> Result<Outcome, ClientError> {
        self.run(&Task::ClientDelegation(wit::ClientDelegation { bureau: bureau.into(), delegation }))
    }
}

fn link(agent: &str, client: &str) -> ClientLink {
    ClientLink { agent: agent.to_string(), client: client.to_string() }
}

/// The component answered a task with the outcome of another kind: a contract violation.
fn unexpected(what: &str, outcome: Outcome) -> ClientError {
    // The name only: a token outcome's token stays in the discarded document.
    let kind = crate::json::outcome_json(&outcome)["outcome"].as_str().unwrap_or("unknown").to_string();
    ClientError::Altinn(wit::Error::InvalidResponse(format!("the component answered a {what} with a {kind} outcome")))
}
