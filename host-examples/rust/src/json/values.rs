//! What Altinn returns, as JSON: requests (with the status a vendor acts on), system users,
//! registered systems.

use serde_json::{json, Value};

use super::time::datetime;
use crate::bindings::wit::{
    AccessPackage, AgentSystemUser, ChangeRequest, ChangeRequestStatus, ClientList, CreatedRequest, Datetime, LocalizedText,
    RegisteredSystem, RequestKind, RequestStatus, Right, SystemChange, SystemUser, SystemUserRequest, UserType,
};

/// Altinn's spelling of a status (`Timedout` is the legacy timeout form); unknown ones verbatim.
pub fn status_name(status: &RequestStatus) -> String {
    match status {
        RequestStatus::New => "New".into(),
        RequestStatus::Accepted => "Accepted".into(),
        RequestStatus::Rejected => "Rejected".into(),
        RequestStatus::Denied => "Denied".into(),
        RequestStatus::TimedOut => "Timedout".into(),
        RequestStatus::Unknown(s) => s.clone(),
    }
}

/// A status in JSON: Altinn's spelling, or `Unknown` for one this version does not know
/// (Altinn's text is kept in `statusText`), so a script never mistakes it for a known one.
pub fn status_json(status: &RequestStatus) -> String {
    match status {
        RequestStatus::Unknown(_) => "Unknown".into(),
        known => status_name(known),
    }
}

/// The status a vendor acts on: `Timedout` when the request carries the `timedOut` flag.
pub fn effective_status(request: &SystemUserRequest) -> RequestStatus {
    if request.timed_out && request.status == RequestStatus::New {
        RequestStatus::TimedOut
    } else {
        request.status.clone()
    }
}

pub fn kind_name(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Standard => "standard",
        RequestKind::Agent => "agent",
    }
}

fn opt_datetime(dt: &Option<Datetime>) -> Value {
    dt.as_ref().map_or(Value::Null, |d| Value::String(datetime(d)))
}

pub fn right_json(right: &Right) -> Value {
    let resource: Vec<Value> = right.resource.iter().map(|p| json!({"id": p.id, "value": p.value})).collect();
    match &right.action {
        Some(action) => json!({"action": action, "resource": resource}),
        None => json!({"resource": resource}),
    }
}

fn packages_json(packages: &[AccessPackage]) -> Value {
    Value::Array(packages.iter().map(|p| json!({"urn": p.urn})).collect())
}

/// A request: Altinn's members plus `kind`, `statusText` and `effectiveStatus`.
pub fn request_json(r: &SystemUserRequest) -> Value {
    json!({
        "id": r.id,
        "kind": kind_name(r.kind),
        "status": status_json(&r.status),
        "statusText": status_name(&r.status),
        "effectiveStatus": status_json(&effective_status(r)),
        "systemId": r.system_id,
        "partyOrgNo": r.party_org_no,
        "externalRef": r.external_ref,
        "integrationTitle": r.integration_title,
        "rights": r.rights.iter().map(right_json).collect::<Vec<_>>(),
        "accessPackages": packages_json(&r.access_packages),
        "redirectUrl": r.redirect_url,
        "confirmUrl": r.confirm_url,
        "escalated": r.escalated,
        "created": opt_datetime(&r.created),
        "timedOut": r.timed_out,
    })
}

/// A created request flattened, as the CLI prints it: the request's members plus `isNew`,
/// `reconciled` and `outcome` (`new`, `existing` or `reconciled`).
pub fn created_json(c: &CreatedRequest) -> Value {
    let mut value = request_json(&c.request);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("isNew".into(), Value::Bool(c.is_new));
        obj.insert("reconciled".into(), Value::Bool(c.reconciled));
        obj.insert("outcome".into(), Value::String(created_outcome(c).into()));
    }
    value
}

pub fn created_outcome(c: &CreatedRequest) -> &'static str {
    match (c.is_new, c.reconciled) {
        (_, true) => "reconciled",
        (true, false) => "new",
        (false, false) => "existing",
    }
}

pub fn user_type_name(t: &UserType) -> String {
    match t {
        UserType::Standard => "standard".into(),
        UserType::Agent => "agent".into(),
        UserType::Unknown(s) => s.clone(),
    }
}

pub fn user_json(u: &SystemUser) -> Value {
    json!({
        "id": u.id,
        "integrationTitle": u.integration_title,
        "systemId": u.system_id,
        "productName": u.product_name,
        "reporteeOrgNo": u.reportee_org_no,
        "created": opt_datetime(&u.created),
        "isDeleted": u.is_deleted,
        "supplierName": u.supplier_name,
        "supplierOrgNo": u.supplier_org_no,
        "externalRef": u.external_ref,
        "userType": user_type_name(&u.user_type),
    })
}

/// A change request's status as Altinn spells it (`Unknown` for one this version does not
/// know, its text in `statusText`).
pub fn change_status_name(status: &ChangeRequestStatus) -> &str {
    match status {
        ChangeRequestStatus::New => "New",
        ChangeRequestStatus::Accepted => "Accepted",
        ChangeRequestStatus::Rejected => "Rejected",
        ChangeRequestStatus::NoChangeNeeded => "NoChangeNeeded",
        ChangeRequestStatus::Unknown(text) => text,
    }
}

/// A change request: Altinn's members plus `statusText` (the status is `Unknown` for one this
/// version does not know) and `timedOut` by the clock.
pub fn change_request_json(c: &ChangeRequest) -> Value {
    let status = match &c.status {
        ChangeRequestStatus::Unknown(_) => "Unknown",
        known => change_status_name(known),
    };
    json!({
        "id": c.id,
        "status": status,
        "statusText": change_status_name(&c.status),
        "systemId": c.system_id,
        "systemUserId": c.system_user_id,
        "partyOrgNo": c.party_org_no,
        "externalRef": c.external_ref,
        "requiredRights": c.required_rights.iter().map(right_json).collect::<Vec<_>>(),
        "unwantedRights": c.unwanted_rights.iter().map(right_json).collect::<Vec<_>>(),
        "requiredAccessPackages": packages_json(&c.required_access_packages),
        "unwantedAccessPackages": packages_json(&c.unwanted_access_packages),
        "redirectUrl": c.redirect_url,
        "confirmUrl": c.confirm_url,
        "created": opt_datetime(&c.created),
        "timedOut": c.timed_out,
    })
}

fn localized_json(t: &LocalizedText) -> Value {
    json!({"nb": t.nb, "nn": t.nn, "en": t.en})
}

pub fn system_json(s: &RegisteredSystem) -> Value {
    json!({
        "id": s.id,
        "vendorOrgNo": s.vendor_org_no,
        "name": localized_json(&s.name),
        "description": localized_json(&s.description),
        "rights": s.rights.iter().map(right_json).collect::<Vec<_>>(),
        "accessPackages": packages_json(&s.access_packages),
        "clientIds": s.client_ids,
        "isVisible": s.is_visible,
        "allowedRedirectUrls": s.allowed_redirect_urls,
        "isDeleted": s.is_deleted,
    })
}

/// A changelog entry; `changedData` (the body that was sent) as JSON when it is JSON.
pub fn system_change_json(c: &SystemChange) -> Value {
    let data = serde_json::from_str::<Value>(&c.changed_data).unwrap_or_else(|_| Value::String(c.changed_data.clone()));
    json!({
        "systemInternalId": c.system_internal_id,
        "changedByOrgNo": c.changed_by_org_no,
        "changeType": c.change_type,
        "changedData": data,
        "clientId": c.client_id,
        "created": opt_datetime(&c.created),
    })
}

/// An agent system user: the system user's members plus `systemInternalId`, `partyUuid` and
/// `accessPackages`.
pub fn agent_json(a: &AgentSystemUser) -> Value {
    let mut value = user_json(&a.system_user);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("systemInternalId".into(), json!(a.system_internal_id));
        obj.insert("partyUuid".into(), json!(a.party_uuid));
        obj.insert("accessPackages".into(), packages_json(&a.access_packages));
    }
    value
}

/// `{"systemUserId", "ownerOrgNo", "clients": [{"id", "orgNo", "name"}]}`.
pub fn client_list_json(l: &ClientList) -> Value {
    json!({
        "systemUserId": l.system_user_id,
        "ownerOrgNo": l.owner_org_no,
        "clients": l.clients.iter().map(|c| json!({"id": c.id, "orgNo": c.org_no, "name": c.name})).collect::<Vec<_>>(),
    })
}
