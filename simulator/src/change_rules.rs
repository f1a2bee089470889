//! Creating a change request: the server's checks in the server's order (API.md §11;
//! Altinn/altinn-authentication `ChangeRequestSystemUserController.CreateChangeRequest` and
//! `ChangeRequestSystemUserService.CreateChangeRequest` / `ValidateChangeRequest`). The bearer
//! token, the scope and the framework's binding (step 0) are the route's; this runs from step 1.

use crate::json_in::ChangeBody;
use crate::rules::{self, problem, RuleError};
use crate::state::Inner;
use crate::store::{Kind, Status, StoredChangeRequest, SystemUser};

/// Step 1's bare-string 400.
pub const MISSING_CORRELATION_ID: &str = "Missing or invalid QueryParameter: correlation-id. Generate a unique UUID (RFC 4122) for this \
                                          Change Request, and add as a Query Parameter.";
/// Step 4's bare-string 400.
pub const CORRELATION_ID_IS_SYSTEM_USER_ID: &str = "The correlation-id should not be the same as the system-user-id. Generate a unique id.";

const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// The two query parameters as bound (canonical Guids); `None` is a missing parameter, which
/// binds to `Guid.Empty`.
#[derive(Debug, Clone, Default)]
pub struct ChangeQuery {
    pub correlation_id: Option<String>,
    pub system_user_id: Option<String>,
}

#[derive(Debug, Clone)]
pub enum ChangeCreated {
    /// 201: stored with this id (the correlation id).
    New(String),
    /// 200: the stored change request with this id, whatever the body said (step 7).
    Existing(String),
    /// 200 `NoChangeNeeded` (step 6): nothing stored.
    NoChangeNeeded { correlation_id: String, system_user_id: String, user: Box<SystemUser>, redirect_url: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeError {
    /// 400 with a bare string body (`BadRequest("…")`).
    BadRequest(&'static str),
    /// 401 with an empty body (`Unauthorized()`).
    Unauthorized,
    /// An AUTH problem or the error controller's 500.
    Rule(RuleError),
}

impl From<RuleError> for ChangeError {
    fn from(e: RuleError) -> Self {
        ChangeError::Rule(e)
    }
}

fn auth(code: &'static str) -> ChangeError {
    ChangeError::Rule(problem(code))
}

/// The vendor owns the system a stored change request names (`RetrieveChosenSystemInfoAndValidateVendorOrgNo`).
pub fn owns(inner: &Inner, c: &StoredChangeRequest, vendor: &str) -> bool {
    inner.systems.system(&c.system_id).is_some_and(|s| s.vendor_org_no() == vendor)
}

/// Runs steps 1 to 13. `vendor` is the token's `consumer` org, if any.
pub fn create(inner: &mut Inner, vendor: Option<&str>, query: ChangeQuery, body: ChangeBody) -> Result<ChangeCreated, ChangeError> {
    // 1. The correlation id: missing or all zeros.
    let correlation_id = query.correlation_id.filter(|c| c != EMPTY_GUID).ok_or(ChangeError::BadRequest(MISSING_CORRELATION_ID))?;

    // 2. The vendor comes from the token.
    let vendor = vendor.ok_or(ChangeError::Unauthorized)?;

    // 3. The system user, unknown or deleted; a missing parameter is Guid.Empty, never found.
    let system_user_id = query.system_user_id.unwrap_or_else(|| EMPTY_GUID.to_string());
    let user = inner.store.active_system_user(&system_user_id).cloned().ok_or_else(|| auth("AUTH-00015"))?;

    // 4. The correlation id must not be the system user's id.
    if correlation_id == user.id {
        return Err(ChangeError::BadRequest(CORRELATION_ID_IS_SYSTEM_USER_ID));
    }

    // 5. Only the vendor of the system user's system.
    if inner.systems.supplier_of(&user.system_id) != Some(vendor) {
        return Err(ChangeError::Unauthorized);
    }

    // 6. Nothing asked: a reply that is not stored. Before the agent check.
    if body.is_empty() {
        return Ok(ChangeCreated::NoChangeNeeded { correlation_id, system_user_id, user: Box::new(user), redirect_url: body.redirect_url });
    }

    // 7. The correlation id is already a change request on one of the caller's systems: that
    // one, whatever this body asks and whichever system user it names.
    if inner.store.change_request(&correlation_id).is_some_and(|c| owns(inner, c, vendor)) {
        return Ok(ChangeCreated::Existing(correlation_id));
    }

    // 8. No change requests for agent system users (yet): "not found".
    if user.kind == Kind::Agent {
        return Err(auth("AUTH-00015"));
    }

    // 9. The correlation id is a change request of another vendor's system (`ValidateStatus`).
    if let Some(existing) = inner.store.change_request(&correlation_id) {
        return Err(match existing.status {
            Status::New => auth("AUTH-00007"),
            _ => auth("AUTH-00061"),
        });
    }

    // 10. The system user's system and customer.
    let fixture = &inner.fixture;
    let system = inner.systems.system(&user.system_id).filter(|s| s.vendor_org_no() == vendor).ok_or_else(|| auth("AUTH-00011"))?;
    if inner.organization(&user.reportee_org_no).is_none() {
        return Err(auth("AUTH-00000"));
    }

    // 11. Redirect URL, as for requests.
    rules::check_redirect(body.redirect_url.as_deref(), system)?;

    // 12. The required rights and packages must be the system's; nothing checks the unwanted ones.
    if !body.required_rights.is_empty() {
        rules::validate_rights(&body.required_rights, system)?;
    }
    if !body.required_access_packages.is_empty() {
        rules::validate_packages(&body.required_access_packages, system, fixture, Kind::Standard)?;
    }

    // 13. The insert: a deleted change request still holds its id (the primary key), so the
    // insert throws.
    if inner.store.change_request_id_taken(&correlation_id) {
        return Err(ChangeError::Rule(RuleError::Internal));
    }
    let now = inner.clock.now_micros();
    inner.store.insert_change_request(StoredChangeRequest {
        id: correlation_id.clone(),
        system_user_id: user.id.clone(),
        external_ref: user.external_ref.clone(),
        system_id: user.system_id.clone(),
        party_org_no: user.reportee_org_no.clone(),
        required_rights: body.required_rights,
        unwanted_rights: body.unwanted_rights,
        required_access_packages: body.required_access_packages,
        unwanted_access_packages: body.unwanted_access_packages,
        status: Status::New,
        redirect_url: body.redirect_url,
        created_micros: now,
        is_deleted: false,
        row: 0,
    });
    Ok(ChangeCreated::New(correlation_id))
}
