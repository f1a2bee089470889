//! The customer's side of the lifecycle (API.md §6): approve (creates the system user,
//! id = request id), reject, escalate, and delegating clients to agent system users.
//! Shared by the confirm pages and the admin routes.

use crate::state::Inner;
use crate::store::{Kind, Status, SystemUser};
use crate::views;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    /// AUTH-00010, 404.
    #[error("the request does not exist")]
    NotFound,
    /// AUTH-00013, 409: only `New` requests can be decided.
    #[error("the status of the request is not New")]
    NotNew,
    /// AUTH-00004, 400: an active system user already holds the key.
    #[error("a system user already exists for this key")]
    AlreadyExists,
}

impl DecisionError {
    pub fn code(self) -> &'static str {
        match self {
            DecisionError::NotFound => "AUTH-00010",
            DecisionError::NotNew => "AUTH-00013",
            DecisionError::AlreadyExists => "AUTH-00004",
        }
    }
}

/// Finds a decidable request: exists, of the expected kind if given, `New`, not timed out.
fn decidable(inner: &Inner, id: &str, kind: Option<Kind>) -> Result<(), DecisionError> {
    let r = inner.store.request(id).filter(|r| kind.is_none_or(|k| k == r.kind)).ok_or(DecisionError::NotFound)?;
    let now = inner.clock.now_micros();
    if r.status != Status::New || views::is_timed_out(r, now, &inner.settings) {
        return Err(DecisionError::NotNew);
    }
    Ok(())
}

/// Approves: the request becomes `Accepted` and a system user with the same id appears.
pub fn approve(inner: &mut Inner, id: &str, kind: Option<Kind>) -> Result<SystemUser, DecisionError> {
    decidable(inner, id, kind)?;
    let now = inner.clock.now_micros();
    let r = inner.store.request(id).cloned().ok_or(DecisionError::NotFound)?;
    if inner.store.system_user_by_key(&r.key()).is_some() {
        return Err(DecisionError::AlreadyExists);
    }
    let title = r
        .integration_title
        .clone()
        .unwrap_or_else(|| inner.fixture.system(&r.system_id).and_then(|s| s.name_nb()).unwrap_or_default().to_string());
    let user = SystemUser {
        id: r.id.clone(),
        kind: r.kind,
        integration_title: title,
        system_id: r.system_id.clone(),
        reportee_org_no: r.party_org_no.clone(),
        external_ref: r.external_ref.clone(),
        created_micros: now,
        is_deleted: false,
        sequence_no: inner.store.next_sequence(),
        rights: r.rights.clone(),
        access_packages: r.access_packages.clone(),
        clients: Vec::new(),
    };
    inner.store.system_users.push(user.clone());
    if let Some(stored) = inner.store.request_mut(id) {
        stored.status = Status::Accepted;
    }
    Ok(user)
}

pub fn reject(inner: &mut Inner, id: &str, kind: Option<Kind>) -> Result<(), DecisionError> {
    decidable(inner, id, kind)?;
    if let Some(r) = inner.store.request_mut(id) {
        r.status = Status::Rejected;
    }
    Ok(())
}

/// The customer forwards the request to someone who may approve; status is unchanged.
pub fn escalate(inner: &mut Inner, id: &str) -> Result<(), DecisionError> {
    let r = inner.store.request_mut(id).ok_or(DecisionError::NotFound)?;
    r.escalated = true;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// AUTH-00015, 404.
    #[error("the system user was not found")]
    SystemUserNotFound,
    /// AUTH-00034, 400.
    #[error("the system user is not an agent")]
    NotAgent,
    /// AUTH-00079, 400.
    #[error("client not found")]
    ClientNotFound,
    /// AUTH-00038, 400.
    #[error("delegation not found")]
    DelegationNotFound,
}

impl ClientError {
    pub fn code(self) -> &'static str {
        match self {
            ClientError::SystemUserNotFound => "AUTH-00015",
            ClientError::NotAgent => "AUTH-00034",
            ClientError::ClientNotFound => "AUTH-00079",
            ClientError::DelegationNotFound => "AUTH-00038",
        }
    }
}

/// Adds or removes a client (an organisation in the register) on an agent system user.
pub fn change_client(inner: &mut Inner, system_user_id: &str, client: &str, add: bool) -> Result<(), ClientError> {
    let known = inner.fixture.organization(client).is_some();
    let user = inner.store.system_user_mut(system_user_id).filter(|u| !u.is_deleted).ok_or(ClientError::SystemUserNotFound)?;
    if user.kind != Kind::Agent {
        return Err(ClientError::NotAgent);
    }
    if add {
        if !known || client == user.reportee_org_no {
            return Err(ClientError::ClientNotFound);
        }
        if !user.clients.iter().any(|c| c == client) {
            user.clients.push(client.to_string());
        }
    } else {
        let before = user.clients.len();
        user.clients.retain(|c| c != client);
        if user.clients.len() == before {
            return Err(ClientError::DelegationNotFound);
        }
    }
    Ok(())
}
