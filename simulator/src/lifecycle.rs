//! The customer's side of the lifecycle (API.md §6, §11, §14): approve (creates the system user,
//! id = request id), reject, escalate, decide change requests, delete system users, and delegate
//! clients to agent system users. Shared by the confirm pages, the admin routes and `SimHandle`.

use crate::model::{PackageRef, Right};
use crate::rules;
use crate::settings::DelegationCheck;
use crate::state::Inner;
use crate::store::{DedupeKey, Kind, Status, SystemUser};
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
    /// The customer's delegation check said no (the code of its reason, `DelegationCheck`).
    #[error("the delegation check failed")]
    NotDelegable(&'static str),
    /// AUTH-00011, 404: the change request's system is not in the register.
    #[error("the system does not exist")]
    SystemNotFound,
    /// AUTH-00015, 404: the change request's system user is unknown or deleted.
    #[error("the system user was not found")]
    SystemUserNotFound,
    /// AUTH-00001, 400: a required right is not among the system's, or may not be delegated.
    #[error("one or more rights not found or not delegable")]
    RightsNotDelegable,
}

impl DecisionError {
    pub fn code(self) -> &'static str {
        match self {
            DecisionError::NotFound => "AUTH-00010",
            DecisionError::NotNew => "AUTH-00013",
            DecisionError::AlreadyExists => "AUTH-00004",
            DecisionError::NotDelegable(code) => code,
            DecisionError::SystemNotFound => "AUTH-00011",
            DecisionError::SystemUserNotFound => "AUTH-00015",
            DecisionError::RightsNotDelegable => "AUTH-00001",
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

/// Approves: the request becomes `Accepted` and a system user with the same id appears. A
/// standard request with rights first passes the customer's delegation check, whose reason the
/// server maps to an AUTH code (`DelegationHelper.MapDetailExternalErrorListToProblemInstance`).
pub fn approve(inner: &mut Inner, id: &str, kind: Option<Kind>) -> Result<SystemUser, DecisionError> {
    decidable(inner, id, kind)?;
    let now = inner.clock.now_micros();
    let r = inner.store.request(id).cloned().ok_or(DecisionError::NotFound)?;
    if inner.store.system_user_by_key(&r.key()).is_some() {
        return Err(DecisionError::AlreadyExists);
    }
    if r.kind == Kind::Standard && !r.rights.is_empty() {
        if let Some(code) = inner.settings.customer_delegation_check.request_code() {
            return Err(DecisionError::NotDelegable(code));
        }
    }
    let title = r
        .integration_title
        .clone()
        .unwrap_or_else(|| inner.systems.system(&r.system_id).and_then(|s| s.name_nb()).unwrap_or_default().to_string());
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
    inner.store.insert_system_user(user.clone());
    inner.store.update_request(id, |stored| stored.status = Status::Accepted);
    Ok(user)
}

pub fn reject(inner: &mut Inner, id: &str, kind: Option<Kind>) -> Result<(), DecisionError> {
    decidable(inner, id, kind)?;
    inner.store.update_request(id, |r| r.status = Status::Rejected);
    Ok(())
}

/// The customer forwards the request to someone who may approve; status is unchanged.
pub fn escalate(inner: &mut Inner, id: &str) -> Result<(), DecisionError> {
    match inner.store.update_request(id, |r| r.escalated = true) {
        true => Ok(()),
        false => Err(DecisionError::NotFound),
    }
}

/// Whether two rights name the same resource (the same set of attribute pairs; `action` is not
/// part of it, as in the create rules).
fn same_right(a: &Right, b: &Right) -> bool {
    let covers = |x: &Right, y: &Right| x.resource.iter().all(|p| y.resource.iter().any(|q| q.id == p.id && q.value == p.value));
    covers(a, b) && covers(b, a)
}

/// Approves a change request (`ChangeRequestSystemUserService.ApproveAndDelegateChangeOnSystemUser`):
/// only from `New` (AUTH-00013), its system and system user must exist (AUTH-00011, AUTH-00015);
/// the required rights must be the system's and pass the customer's delegation check (else
/// AUTH-00001, whatever the reason). Then the required packages not yet held are delegated, the
/// required rights delegated, every unwanted right revoked, the unwanted packages held removed, and
/// the change request becomes `Accepted`. Required packages already held are no change (45cd68fd).
pub fn approve_change(inner: &mut Inner, id: &str) -> Result<(), DecisionError> {
    let c = inner.store.change_request(id).cloned().ok_or(DecisionError::NotFound)?;
    if c.status != Status::New {
        return Err(DecisionError::NotNew);
    }
    let system = inner.systems.system(&c.system_id).ok_or(DecisionError::SystemNotFound)?;
    let user = inner.store.active_system_user(&c.system_user_id).ok_or(DecisionError::SystemUserNotFound)?;
    let held = |p: &PackageRef| user.access_packages.iter().any(|h| h.urn == p.urn);
    let add_packages: Vec<PackageRef> = c.required_access_packages.iter().filter(|p| !held(p)).cloned().collect();
    let remove_packages: Vec<PackageRef> = c.unwanted_access_packages.iter().filter(|p| held(p)).cloned().collect();
    if !c.required_rights.is_empty() {
        rules::validate_rights(&c.required_rights, system).map_err(|_| DecisionError::RightsNotDelegable)?;
        if inner.settings.customer_delegation_check != DelegationCheck::Ok {
            return Err(DecisionError::RightsNotDelegable);
        }
    }
    inner.store.update_system_user(&c.system_user_id, |u| {
        for p in add_packages {
            if !u.access_packages.contains(&p) {
                u.access_packages.push(p);
            }
        }
        for r in &c.required_rights {
            if !u.rights.iter().any(|h| same_right(h, r)) {
                u.rights.push(r.clone());
            }
        }
        u.rights.retain(|h| !c.unwanted_rights.iter().any(|r| same_right(h, r)));
        u.access_packages.retain(|h| !remove_packages.contains(h));
    });
    inner.store.update_change_request(id, |c| c.status = Status::Accepted);
    Ok(())
}

/// Rejects a change request: only from `New` (AUTH-00013); nothing else changes.
pub fn reject_change(inner: &mut Inner, id: &str) -> Result<(), DecisionError> {
    let c = inner.store.change_request(id).ok_or(DecisionError::NotFound)?;
    if c.status != Status::New {
        return Err(DecisionError::NotNew);
    }
    inner.store.update_change_request(id, |c| c.status = Status::Rejected);
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeleteError {
    /// AUTH-00015: no such system user, or it is deleted already.
    #[error("the system user was not found")]
    NotFound,
    /// Access Management failed while taking away what the system user holds.
    #[error("access management failed to remove the system user's delegations")]
    AccessManagement(Kind),
}

impl DeleteError {
    pub fn code(self) -> &'static str {
        match self {
            DeleteError::NotFound => "AUTH-00015",
            // `SystemUser_FailedToDelete` and `AgentSystemUser_DeleteFailed`.
            DeleteError::AccessManagement(Kind::Standard) => "AUTH-00056",
            DeleteError::AccessManagement(Kind::Agent) => "AUTH-00033",
        }
    }
}

/// Soft-deletes the request of a system user's key (`DeleteRequestForSystemUser`: the request of
/// the same kind with the same orgNo, externalRef and systemId, if there is one).
fn delete_request_of(inner: &mut Inner, user: &SystemUser) {
    let key = DedupeKey {
        party_org_no: user.reportee_org_no.clone(),
        external_ref: user.external_ref.clone(),
        system_id: user.system_id.clone(),
    };
    if let Some(id) = inner.store.request_by_key(user.kind, &key).map(|r| r.id.clone()) {
        inner.store.update_request(&id, |r| r.is_deleted = true);
    }
}

/// The customer deletes a system user in the portal (API.md §14, `SystemUserController`). Standard:
/// its rights and packages are revoked in Access Management, it is flagged deleted, then its request
/// is soft-deleted (so the key takes a new request: 201). Agent: the request is soft-deleted first,
/// then the client delegations go (cascade) and the user is flagged; if Access Management fails
/// (`access_management_fails`), the agent user stays without its request, and a standard one is left
/// untouched. Change requests of the user stay.
pub fn delete_system_user(inner: &mut Inner, id: &str, access_management_fails: bool) -> Result<(), DeleteError> {
    let user = inner.store.active_system_user(id).cloned().ok_or(DeleteError::NotFound)?;
    match user.kind {
        Kind::Standard => {
            if access_management_fails {
                return Err(DeleteError::AccessManagement(Kind::Standard));
            }
            inner.store.update_system_user(id, |u| {
                u.rights.clear();
                u.access_packages.clear();
                u.is_deleted = true;
            });
            delete_request_of(inner, &user);
        }
        Kind::Agent => {
            delete_request_of(inner, &user);
            if access_management_fails {
                return Err(DeleteError::AccessManagement(Kind::Agent));
            }
            inner.store.update_system_user(id, |u| {
                u.clients.clear();
                u.is_deleted = true;
            });
        }
    }
    Ok(())
}

/// A bureau's own standard system user for a system holding `klientadministrator` (API.md §12),
/// as the vendor would create the request and the bureau approve it: `system_id`, or the first
/// system of the register that lists the package. Returns the system user. Fails as the create or
/// the approval would (e.g. AUTH-00004 when the key holds a system user already).
pub fn approve_client_administrator(
    inner: &mut Inner,
    system_id: Option<&str>,
    bureau: &str,
    external_ref: Option<&str>,
) -> Result<SystemUser, String> {
    let holds = |s: &crate::fixture::RegisteredSystem| {
        s.access_packages.iter().any(|p| p.urn.as_deref() == Some(crate::delegation::KLIENTADMINISTRATOR))
    };
    let system = match system_id {
        Some(id) => inner.systems.system(id),
        None => inner.systems.active().find(|s| holds(s)),
    }
    .filter(|s| holds(s))
    .cloned()
    .ok_or("no system in the register holds urn:altinn:accesspackage:klientadministrator")?;
    let body = crate::json_in::CreateBody {
        system_id: system.id.clone(),
        party_org_no: bureau.to_string(),
        external_ref: external_ref.map(str::to_string),
        access_packages: Some(vec![PackageRef::new(crate::delegation::KLIENTADMINISTRATOR)]),
        ..Default::default()
    };
    let id = match rules::create(inner, Kind::Standard, Some(system.vendor_org_no()), body, crate::ids::uuid_v4()) {
        Ok(rules::Created::New(id) | rules::Created::Existing(id)) => id,
        Err(rules::RuleError::Problem(code, _)) => return Err(format!("{code}: {}", crate::problems::lookup(code).1)),
        Err(rules::RuleError::Internal) => return Err("the request could not be stored".into()),
    };
    approve(inner, &id, Some(Kind::Standard)).map_err(|e| format!("{}: {e}", e.code()))
}
