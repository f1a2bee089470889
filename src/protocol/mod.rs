//! The Altinn wire protocol without I/O (API.md §3): `build` turns an operation into an HTTP
//! request, `parse` turns the HTTP response into a typed reply or a typed error.

mod build;
mod parse;
mod problem;

pub use build::{authorize, build, MAX_TOKEN_LEN};
pub use parse::{change_differs, parse, parse_exchange};
pub use problem::wait_hint;

use crate::http::{HttpRequest, HttpResponse};
use crate::model::{
    AccessPackage, AgentRequestInput, AgentSystemUser, ChangeRequest, ChangeRequestList, ClientLink, ClientList, DateTime,
    NewChangeRequest, Page, RegisteredSystem, RequestKind, Right, StandardRequestInput, SystemChange, SystemUser, SystemUserRequest,
};

pub const SCOPE_REQUEST_WRITE: &str = "altinn:authentication/systemuser.request.write";
pub const SCOPE_REQUEST_READ: &str = "altinn:authentication/systemuser.request.read";
pub const SCOPE_SYSTEMREGISTER_WRITE: &str = "altinn:authentication/systemregister.write";
pub const SCOPE_CLIENTS_READ: &str = "altinn:clientdelegations.read";
pub const SCOPE_CLIENTS_WRITE: &str = "altinn:clientdelegations.write";

/// Every operation a vendor uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    CreateStandardRequest(StandardRequestInput),
    CreateAgentRequest(AgentRequestInput),
    GetRequest {
        kind: RequestKind,
        id: String,
    },
    GetRequestByExternalRef {
        kind: RequestKind,
        system_id: String,
        org_no: String,
        external_ref: String,
    },
    ListRequests {
        kind: RequestKind,
        system_id: String,
        page: Option<String>,
    },
    WithdrawRequest(String),
    VerifySystemUser {
        system_id: String,
        org_no: String,
        external_ref: Option<String>,
    },
    ListSystemUsers {
        system_id: String,
        page: Option<String>,
    },
    GetRegisteredSystem(String),
    /// `POST systemuser/changerequest/vendor` (API.md §11).
    CreateChangeRequest(NewChangeRequest),
    GetChangeRequest(String),
    GetChangeRequestByExternalRef {
        system_id: String,
        org_no: String,
        external_ref: String,
    },
    /// Page one only: the server ignores the page token of this list.
    ListChangeRequests {
        system_id: String,
    },
    WithdrawChangeRequest(String),
    /// The System Register (API.md §13): the vendor's own systems.
    ListSystems,
    RegisterSystem(RegisteredSystem),
    /// The whole record: the server resets what a body leaves out.
    ReplaceSystem(RegisteredSystem),
    SetSystemRights {
        system_id: String,
        rights: Vec<Right>,
    },
    SetSystemAccessPackages {
        system_id: String,
        access_packages: Vec<AccessPackage>,
    },
    DeleteSystem(String),
    SystemChangelog(String),
    /// `GET exchange/maskinporten`: a Maskinporten token in, an Altinn token out (API.md §12).
    /// Read by `parse_exchange`, never by `parse`.
    ExchangeToken,
    /// Client delegation (API.md §12), with the exchanged Altinn token of the bureau.
    ListAgents {
        party_org_no: String,
    },
    ListAvailableClients {
        agent: String,
    },
    ListClients {
        agent: String,
    },
    AddClient {
        agent: String,
        client: String,
    },
    RemoveClient {
        agent: String,
        client: String,
    },
}

/// The typed answer to an operation. Pages are one page, or every page with no `next_page`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    Created {
        request: SystemUserRequest,
        is_new: bool,
        reconciled: bool,
    },
    Request(SystemUserRequest),
    Requests(Page<SystemUserRequest>),
    Withdrawn,
    SystemUser(Option<SystemUser>),
    SystemUsers(Page<SystemUser>),
    RegisteredSystem(RegisteredSystem),
    /// A Maskinporten token (only from the operation machine's system-user-token task).
    Token(crate::maskinporten::AccessToken),
    /// A change request made (201, `is_new`), found again (a 200 replay of the same change, or
    /// after a lost answer: `reconciled`).
    ChangeRequestCreated {
        change_request: ChangeRequest,
        is_new: bool,
        reconciled: bool,
    },
    /// The change asks for nothing: the server answers `NoChangeNeeded` and stores nothing.
    NoChangeNeeded,
    ChangeRequest(ChangeRequest),
    ChangeRequests(ChangeRequestList),
    /// The vendor's systems (a listing: no client ids or redirect URLs; read one for them).
    Systems(Vec<RegisteredSystem>),
    /// A system registered: the server's internal id of it (`None` when the POST's answer was
    /// lost and the system was found by its id afterwards: `reconciled`).
    SystemRegistered {
        internal_id: Option<String>,
        reconciled: bool,
    },
    /// A system replaced, its rights or packages set, or it deleted.
    SystemChanged,
    SystemChangelog(Vec<SystemChange>),
    Agents(Vec<AgentSystemUser>),
    Clients(ClientList),
    ClientAdded(ClientLink),
    ClientRemoved(ClientLink),
}

/// A request to send and the scopes its bearer token must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub request: HttpRequest,
    pub scopes: Vec<String>,
}

/// The exact scopes API.md §3 names for each operation.
pub fn scopes(call: &Call) -> Vec<String> {
    let scope = match call {
        Call::CreateStandardRequest(_)
        | Call::CreateAgentRequest(_)
        | Call::WithdrawRequest(_)
        | Call::VerifySystemUser { .. }
        | Call::CreateChangeRequest(_)
        | Call::WithdrawChangeRequest(_) => SCOPE_REQUEST_WRITE,
        Call::GetRequest { .. }
        | Call::GetRequestByExternalRef { .. }
        | Call::ListRequests { .. }
        | Call::GetChangeRequest(_)
        | Call::GetChangeRequestByExternalRef { .. }
        | Call::ListChangeRequests { .. } => SCOPE_REQUEST_READ,
        Call::ListSystemUsers { .. }
        | Call::GetRegisteredSystem(_)
        | Call::ListSystems
        | Call::RegisterSystem(_)
        | Call::ReplaceSystem(_)
        | Call::SetSystemRights { .. }
        | Call::SetSystemAccessPackages { .. }
        | Call::DeleteSystem(_)
        | Call::SystemChangelog(_) => SCOPE_SYSTEMREGISTER_WRITE,
        // One token of the bureau for every client-delegation call: it carries both.
        Call::ExchangeToken
        | Call::ListAgents { .. }
        | Call::ListAvailableClients { .. }
        | Call::ListClients { .. }
        | Call::AddClient { .. }
        | Call::RemoveClient { .. } => return vec![SCOPE_CLIENTS_READ.to_string(), SCOPE_CLIENTS_WRITE.to_string()],
    };
    vec![scope.to_string()]
}

/// Longest page token accepted from a `links.next` or sent back in `?token=`.
pub const MAX_PAGE_TOKEN_LEN: usize = 4096;

/// A page token that can travel back in a query: non-empty, bounded, no control characters.
/// `parse` and `build` apply the same rule, so a token one accepts the other sends.
pub fn is_usable_page_token(token: &str) -> bool {
    !token.is_empty() && token.len() <= MAX_PAGE_TOKEN_LEN && !token.chars().any(char::is_control)
}

/// How long a 429 or 5xx answer asks the client to wait (`Retry-After`, RFC 9110 §10.2.3), in
/// whole seconds: delta-seconds, or an HTTP date counted from `now` (without `now` a date is
/// not read). A date in the past is 0.
pub fn retry_after(response: &HttpResponse, now: Option<DateTime>) -> Option<u32> {
    let value = response.header("retry-after")?.trim();
    if !value.is_empty() && value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse::<u64>().map_or(u32::MAX, |s| u32::try_from(s).unwrap_or(u32::MAX)));
    }
    let at = DateTime::parse_http_date(value)?;
    let wait = at.seconds.saturating_sub(now?.seconds).max(0);
    Some(u32::try_from(wait).unwrap_or(u32::MAX))
}

/// Whether the call goes with the bureau's exchanged Altinn token (client delegation).
pub fn needs_exchange(call: &Call) -> bool {
    matches!(
        call,
        Call::ListAgents { .. }
            | Call::ListAvailableClients { .. }
            | Call::ListClients { .. }
            | Call::AddClient { .. }
            | Call::RemoveClient { .. }
    )
}
