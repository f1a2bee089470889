//! Client delegation to agent system users (API.md §12): Access Management's client lists and
//! delegations as Authentication uses them (`SystemUserService.DelegateToAgentSystemUser`,
//! `ValidateClientForAgentSystemUser`, AM's `ClientDelegationService.GetClients`), and the PDP's
//! answer on `altinn_client_administration`. The API routes, the clients page and the admin route
//! all delegate through here, into one store: a system user's `clients`.

use serde_json::Value;

use crate::fixture::Organization;
use crate::settings::AccessManagementFailure;
use crate::state::Inner;
use crate::store::{Kind, SystemUser};
use crate::tokens::AccessClaims;

/// The package that lets a system user administer its owner's clients.
pub const KLIENTADMINISTRATOR: &str = "urn:altinn:accesspackage:klientadministrator";

/// A client of a bureau as Access Management lists it.
#[derive(Debug, Clone)]
pub struct Client<'a> {
    pub org: &'a Organization,
    pub party_uuid: &'a str,
    /// The client's packages at the bureau among those asked for.
    pub packages: Vec<&'a str>,
}

/// How a client is named: by organisation number (the clients page, the admin route) or by party
/// uuid (the API).
#[derive(Debug, Clone, Copy)]
pub enum ClientKey<'a> {
    Org(&'a str),
    PartyUuid(&'a str),
}

impl ClientKey<'_> {
    fn names(&self, c: &Client<'_>) -> bool {
        match self {
            ClientKey::Org(o) => c.org.org_no() == *o,
            ClientKey::PartyUuid(u) => c.party_uuid == *u,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DelegationError {
    /// AUTH-00015: the system user is unknown or deleted.
    #[error("the system user was not found")]
    SystemUserNotFound,
    /// AUTH-00034: not an agent system user.
    #[error("the system user is not an agent")]
    NotAgent,
    /// AUTH-00063: the agent system user holds no packages.
    #[error("the system user holds no access packages")]
    NoPackages,
    /// AUTH-00044: Access Management refused to list the clients (the token lacks the read scope).
    #[error("access management refused the client list")]
    ClientsForbidden,
    /// AUTH-00045: Access Management failed to list the clients.
    #[error("access management failed to list the clients")]
    ClientsFailed,
    /// AUTH-00079: not among the bureau's clients that hold any of the user's packages.
    #[error("client not found")]
    ClientNotFound,
    /// AUTH-00080: the client lacks one of the user's packages.
    #[error("the client does not hold every package of the agent system user")]
    ClientMissingPackages,
    /// AUTH-00002: Access Management failed to delegate.
    #[error("the delegation failed")]
    DelegationFailed,
    /// AUTH-00031: Access Management failed to revoke.
    #[error("the revocation failed")]
    RevokeFailed,
}

impl DelegationError {
    pub fn code(self) -> &'static str {
        match self {
            DelegationError::SystemUserNotFound => "AUTH-00015",
            DelegationError::NotAgent => "AUTH-00034",
            DelegationError::NoPackages => "AUTH-00063",
            DelegationError::ClientsForbidden => "AUTH-00044",
            DelegationError::ClientsFailed => "AUTH-00045",
            DelegationError::ClientNotFound => "AUTH-00079",
            DelegationError::ClientMissingPackages => "AUTH-00080",
            DelegationError::DelegationFailed => "AUTH-00002",
            DelegationError::RevokeFailed => "AUTH-00031",
        }
    }

    /// Extension members of its problem (`AUTH-00045` carries Access Management's detail).
    pub fn extensions(self) -> Vec<(&'static str, String)> {
        match self {
            DelegationError::ClientsFailed => vec![("Problem Detail : ", "Access Management could not list the clients.".into())],
            _ => Vec::new(),
        }
    }
}

/// Access Management's client list of a bureau (`GET clientdelegations/clients?party=&packages=`):
/// the clients holding at least one of `packages` (all of them when none are given), each with
/// those of its packages that were asked for, in the fixture's order.
pub fn clients_of<'a>(inner: &'a Inner, bureau: &str, packages: &[String]) -> Result<Vec<Client<'a>>, DelegationError> {
    if inner.settings.access_management_failure == AccessManagementFailure::Reads {
        return Err(DelegationError::ClientsFailed);
    }
    let fixture = &inner.fixture;
    Ok(fixture
        .client_relations
        .iter()
        .filter(|r| r.bureau == bureau)
        .filter_map(|r| {
            let org = inner.orgs.fixture(&r.client)?;
            let held: Vec<&str> =
                r.packages.iter().map(String::as_str).filter(|p| packages.is_empty() || packages.iter().any(|w| w == p)).collect();
            (!held.is_empty()).then_some(Client { org, party_uuid: org.party_uuid()?, packages: held })
        })
        .collect())
}

/// The packages an agent system user holds, as URNs.
fn package_urns(user: &SystemUser) -> Vec<String> {
    user.access_packages.iter().filter_map(|p| p.urn.clone()).collect()
}

fn agent(inner: &Inner, system_user_id: &str) -> Result<SystemUser, DelegationError> {
    let user = inner.store.active_system_user(system_user_id).cloned().ok_or(DelegationError::SystemUserNotFound)?;
    match user.kind {
        Kind::Agent => Ok(user),
        Kind::Standard => Err(DelegationError::NotAgent),
    }
}

/// The clients an agent system user's owner could delegate to it (`clients/available`).
pub fn available<'a>(inner: &'a Inner, user: &SystemUser) -> Result<Vec<Client<'a>>, DelegationError> {
    clients_of(inner, &user.reportee_org_no, &package_urns(user))
}

/// The clients delegated to an agent system user, as Access Management lists them (`clients`).
pub fn delegated<'a>(inner: &'a Inner, user: &SystemUser) -> Result<Vec<&'a Organization>, DelegationError> {
    if inner.settings.access_management_failure == AccessManagementFailure::Reads {
        return Err(DelegationError::ClientsFailed);
    }
    Ok(user.clients.iter().filter_map(|c| inner.orgs.fixture(c)).collect())
}

/// Delegates a client to an agent system user: the user must hold packages (AUTH-00063); Access
/// Management lists the owner's clients holding any of them (AUTH-00044 when the token may not
/// read, AUTH-00045 when it fails); the client must be among them (AUTH-00079) and hold every one
/// (AUTH-00080); then Access Management delegates (AUTH-00002 when it fails). A client delegated
/// already stays delegated once.
pub fn delegate(inner: &mut Inner, system_user_id: &str, client: ClientKey<'_>, token_may_read: bool) -> Result<(), DelegationError> {
    let user = agent(inner, system_user_id)?;
    let wanted = package_urns(&user);
    if wanted.is_empty() {
        return Err(DelegationError::NoPackages);
    }
    if !token_may_read {
        return Err(DelegationError::ClientsForbidden);
    }
    let clients = clients_of(inner, &user.reportee_org_no, &wanted)?;
    let found = clients.iter().find(|c| client.names(c)).ok_or(DelegationError::ClientNotFound)?;
    if !wanted.iter().all(|w| found.packages.contains(&w.as_str())) {
        return Err(DelegationError::ClientMissingPackages);
    }
    if inner.settings.access_management_failure == AccessManagementFailure::Writes {
        return Err(DelegationError::DelegationFailed);
    }
    let org = found.org.org_no().to_string();
    inner.store.update_system_user(system_user_id, |u| {
        if !u.clients.contains(&org) {
            u.clients.push(org);
        }
    });
    Ok(())
}

/// Removes a client from an agent system user (Access Management's `agents/clients` DELETE with
/// `cascade=true`): a client that is not delegated is no error; AUTH-00031 when it fails.
pub fn revoke(inner: &mut Inner, system_user_id: &str, client: ClientKey<'_>) -> Result<(), DelegationError> {
    agent(inner, system_user_id)?;
    if inner.settings.access_management_failure == AccessManagementFailure::Writes {
        return Err(DelegationError::RevokeFailed);
    }
    let org = match client {
        ClientKey::Org(o) => Some(o.to_string()),
        ClientKey::PartyUuid(u) => inner.orgs.by_party_uuid(u).map(|o| o.org_no().to_string()),
    };
    if let Some(org) = org {
        inner.store.update_system_user(system_user_id, |u| u.clients.retain(|c| *c != org));
    }
    Ok(())
}

/// The ids a system-user `authorization_details` item names (an array, or one id).
fn ids_of(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// The PDP on `altinn_client_administration` for `owner` (read or write, the same policy): an
/// Altinn token from the Maskinporten exchange (`altinn_issuer`, authentication level 3 or more)
/// of a system-user token for `owner` whose system user is active, standard, owned by `owner` and
/// holds `klientadministrator` now. A vendor's own token, a token not exchanged, or one for
/// another organisation's system user gets no.
pub fn may_administer_clients(inner: &Inner, claims: &AccessClaims, altinn_issuer: &str, owner: &str) -> bool {
    let exchanged = claims.iss == altinn_issuer
        && claims.altinn.authenticate_method.as_deref() == Some(crate::routes::exchange::METHOD_MASKINPORTEN)
        && claims.altinn.auth_level.is_some_and(|l| l >= 3);
    if !exchanged {
        return false;
    }
    let items: Vec<&Value> = match &claims.authorization_details {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => Vec::new(),
    };
    let owner_id = format!("0192:{owner}");
    items.into_iter().any(|item| {
        item.get("type").and_then(Value::as_str) == Some("urn:altinn:systemuser")
            && item.pointer("/systemuser_org/ID").and_then(Value::as_str) == Some(owner_id.as_str())
            && ids_of(item.get("systemuser_id")).into_iter().any(|id| {
                inner.store.active_system_user(id).is_some_and(|u| {
                    u.kind == Kind::Standard
                        && u.reportee_org_no == owner
                        && u.access_packages.iter().any(|p| p.urn.as_deref() == Some(KLIENTADMINISTRATOR))
                })
            })
    })
}
