//! A vendor's client: typed methods over the component's `client.run`. Sessions (one store
//! each) are kept in a small pool and reused: instantiating costs tens of microseconds per
//! operation otherwise, and a session already drops its store after a trap, so a reused one is
//! never poisoned. All client logic (pre-flight, idempotent create, reconciliation, pagination,
//! retries, guards) runs inside the component; this is only the Rust face of it.

use std::sync::{Arc, Mutex};

use crate::bindings::wit::{
    self, AgentRequestInput, Config, CreatedRequest, CustomEnvironment, Environment, ExternalRefKey, ListRequestsQuery,
    ListSystemUsersQuery, Outcome, RegisteredSystem, RequestId, RequestKind, RequestPage, StandardRequestInput, SystemUser, SystemUserPage,
    SystemUserRequest, Task, VerifyQuery,
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
    pub fn list_requests(&self, kind: RequestKind, system_id: &str) -> Result<Vec<SystemUserRequest>, ClientError> {
        Ok(self.request_page(Task::ListAllRequests(wit::AllRequestsQuery { kind, system_id: system_id.to_string() }))?.items)
    }

    /// One page; `page` is the previous page's `next_page`.
    pub fn list_requests_page(&self, kind: RequestKind, system_id: &str, page: Option<String>) -> Result<RequestPage, ClientError> {
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
    pub fn list_system_users(&self, system_id: &str) -> Result<Vec<SystemUser>, ClientError> {
        Ok(self.user_page(Task::ListAllSystemUsers(system_id.to_string()))?.items)
    }

    pub fn list_system_users_page(&self, system_id: &str, page: Option<String>) -> Result<SystemUserPage, ClientError> {
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

/// The component answered a task with the outcome of another kind: a contract violation.
fn unexpected(what: &str, outcome: Outcome) -> ClientError {
    // The name only: a token outcome's token stays in the discarded document.
    let kind = crate::json::outcome_json(&outcome)["outcome"].as_str().unwrap_or("unknown").to_string();
    ClientError::Altinn(wit::Error::InvalidResponse(format!("the component answered a {what} with a {kind} outcome")))
}
