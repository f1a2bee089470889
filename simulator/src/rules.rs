//! Creating a system user request: the server's rules in the server's order
//! (API.md §5; Altinn/altinn-authentication `RequestSystemUserController` and
//! `RequestSystemUserService`).

use crate::fixture::{Fixture, RegisteredSystem};
use crate::json_in::CreateBody;
use crate::model::Right;
use crate::register::SystemRegister;
use crate::settings::Settings;
use crate::state::Inner;
use crate::store::{DedupeKey, Kind, Status, StoredRequest};
use crate::urlmatch;
use crate::views;

/// Database columns for these are `varchar(255)`; longer values make the insert throw.
const MAX_STORED_LEN: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// 201: a new request with this id.
    New(String),
    /// 200: the existing request with this id (rule 4).
    Existing(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    /// An AUTH problem, with extension members.
    Problem(&'static str, Vec<(&'static str, String)>),
    /// The server throws (500 from the error controller).
    Internal,
}

pub fn problem(code: &'static str) -> RuleError {
    RuleError::Problem(code, Vec::new())
}

/// The vendor owns the system (`consumer` org = system vendor org).
fn owned_by<'a>(systems: &'a SystemRegister, system_id: &str, vendor: &str) -> Option<&'a RegisteredSystem> {
    systems.system(system_id).filter(|s| s.vendor_org_no() == vendor)
}

/// Rule 9, rights: each requested right must equal a system right as a set of pairs.
/// A right with an empty resource list makes the server index out of range (500). The server's
/// `SystemUserService.ValidateRights`, also run on a change request's required rights (§11).
pub fn validate_rights(requested: &[Right], system: &RegisteredSystem) -> Result<(), RuleError> {
    if requested.len() > system.rights.len() {
        return Err(problem("AUTH-00001"));
    }
    for r in requested {
        let top = r.resource.first().ok_or(RuleError::Internal)?;
        let candidates: Vec<&Right> =
            system.rights.iter().filter(|s| s.resource.iter().any(|p| p.id == top.id && p.value == top.value)).collect();
        if candidates.is_empty() {
            return Err(problem("AUTH-00001"));
        }
        let full = candidates.iter().any(|s| {
            s.resource.len() == r.resource.len()
                && s.resource.iter().all(|sp| r.resource.iter().any(|rp| rp.id == sp.id && rp.value == sp.value))
        });
        if !full {
            return Err(problem("AUTH-00001"));
        }
    }
    Ok(())
}

/// Rule 9, packages: in the system's list (AUTH-00063 + `NotFoundPackages`), then
/// assignable for standard (AUTH-00064) or delegable for agent (AUTH-00065), both with
/// `NotDelegablePackages`. Lists are joined with ", " as the server does. The server's
/// `SystemUserService.ValidateAccessPackages`, also run on a change request's required packages.
pub fn validate_packages(
    requested: &[crate::model::PackageRef],
    system: &RegisteredSystem,
    fixture: &Fixture,
    kind: Kind,
) -> Result<(), RuleError> {
    if system.access_packages.len() < requested.len() {
        return Err(problem("AUTH-00063"));
    }
    let mut not_found = Vec::new();
    let mut not_delegable = Vec::new();
    for p in requested {
        let urn = p.urn.clone().unwrap_or_default();
        let in_system = p.urn.is_some() && system.access_packages.iter().any(|s| s.urn == p.urn);
        if !in_system {
            not_found.push(urn);
            continue;
        }
        let entry = fixture.package(&urn);
        let ok = match kind {
            Kind::Standard => entry.is_some_and(|e| e.is_assignable),
            Kind::Agent => entry.is_some_and(|e| e.is_delegable),
        };
        if !ok {
            not_delegable.push(urn);
        }
    }
    if !not_found.is_empty() {
        return Err(RuleError::Problem("AUTH-00063", vec![("NotFoundPackages", not_found.join(", "))]));
    }
    if !not_delegable.is_empty() {
        let code = match kind {
            Kind::Standard => "AUTH-00064",
            Kind::Agent => "AUTH-00065",
        };
        return Err(RuleError::Problem(code, vec![("NotDelegablePackages", not_delegable.join(", "))]));
    }
    Ok(())
}

/// Rule 7 (and §11 step 11): a non-empty `redirectUrl` must match one of the system's
/// (`AuthenticationHelper.ValidateRedirectUrl`); a relative one makes the server throw.
pub fn check_redirect(url: Option<&str>, system: &RegisteredSystem) -> Result<(), RuleError> {
    let Some(url) = url.filter(|u| !u.is_empty()) else { return Ok(()) };
    if system.allowed_redirect_urls.is_empty() {
        return Err(problem("AUTH-00026"));
    }
    match urlmatch::matches_any(url, &system.allowed_redirect_urls) {
        Ok(true) => Ok(()),
        Ok(false) => Err(problem("AUTH-00021")),
        Err(_) => Err(RuleError::Internal),
    }
}

/// Whether the existing request may be handed back (rule 4): the caller owns its system
/// and it does not show as `Timedout` (legacy servers skipped those and created anew).
fn reusable(existing: &StoredRequest, systems: &SystemRegister, vendor: &str, now: i64, s: &Settings) -> bool {
    owned_by(systems, &existing.system_id, vendor).is_some() && views::effective_status(existing, now, s).0 != Status::Timedout
}

/// Runs the create rules. `vendor` is the token's `consumer` org, if any.
pub fn create(inner: &mut Inner, kind: Kind, vendor: Option<&str>, body: CreateBody, id: String) -> Result<Created, RuleError> {
    let now = inner.clock.now_micros();

    // 1. The vendor comes from the token.
    let vendor = vendor.ok_or_else(|| problem("AUTH-00023"))?;

    // 2. Dedupe key; `externalRef: ""` stays "" here (the quirk of rule 10).
    let key = DedupeKey {
        party_org_no: body.party_org_no.clone(),
        external_ref: body.external_ref.clone().unwrap_or_else(|| body.party_org_no.clone()),
        system_id: body.system_id.clone(),
    };
    inner.store.count(kind, &key).create_calls += 1;

    // 3. An active system user with this key.
    if inner.store.system_user_by_key(&key).is_some() {
        return Err(problem("AUTH-00004"));
    }

    // 4. A non-deleted request of this kind with this key: 200 with it.
    if let Some(existing) = inner.store.request_by_key(kind, &key) {
        if reusable(existing, &inner.systems, vendor, now, &inner.settings) {
            let id = existing.id.clone();
            inner.store.count(kind, &key).existing += 1;
            return Ok(Created::Existing(id));
        }
    }

    // 5. The system: unknown and foreign answer alike. In the server the foreign check
    // comes after a status check on standard requests with the key (AUTH-00006..9),
    // which only a foreign vendor's or a legacy-timed-out duplicate can reach.
    let fixture = &inner.fixture;
    let system = inner.systems.system(&body.system_id).ok_or_else(|| problem("AUTH-00011"))?;
    if let Some(r) = inner.store.request_by_key(Kind::Standard, &key) {
        match views::effective_status(r, now, &inner.settings).0 {
            Status::Accepted => return Err(problem("AUTH-00006")),
            Status::New => return Err(problem("AUTH-00007")),
            Status::Denied => return Err(problem("AUTH-00008")),
            Status::Rejected => return Err(problem("AUTH-00009")),
            Status::Timedout => {}
        }
    }
    if system.vendor_org_no() != vendor {
        return Err(problem("AUTH-00011"));
    }

    // 6. The customer must exist in the register.
    if inner.organization(&body.party_org_no).is_none() {
        return Err(problem("AUTH-00000"));
    }

    // 7. Redirect URL.
    check_redirect(body.redirect_url.as_deref(), system)?;

    // 8 and 9. What is asked for.
    match kind {
        Kind::Standard => {
            if body.rights.is_none() && body.access_packages.is_none() {
                return Err(problem("AUTH-00001"));
            }
            let rights = body.rights.as_deref().unwrap_or_default();
            let packages = body.access_packages.as_deref().unwrap_or_default();
            if rights.is_empty() && packages.is_empty() {
                return Err(problem("AUTH-00059"));
            }
            if !rights.is_empty() {
                validate_rights(rights, system)?;
            }
            if !packages.is_empty() {
                validate_packages(packages, system, fixture, kind)?;
            }
        }
        Kind::Agent => {
            let packages = body.access_packages.as_deref().unwrap_or_default();
            if packages.is_empty() {
                return Err(problem("AUTH-00058"));
            }
            validate_packages(packages, system, fixture, kind)?;
        }
    }

    // 10. Empty or missing externalRef is stored as the customer's org number.
    let external_ref = match body.external_ref.as_deref() {
        None | Some("") => body.party_org_no.clone(),
        Some(r) => r.to_string(),
    };
    // 11. Title defaults to the system's `name.nb`; over-long strings make the insert throw.
    let integration_title = body.integration_title.clone().or_else(|| system.name_nb().map(str::to_string));
    if external_ref.chars().count() > MAX_STORED_LEN || integration_title.as_deref().is_some_and(|t| t.chars().count() > MAX_STORED_LEN) {
        return Err(RuleError::Internal);
    }
    let stored = StoredRequest {
        id: id.clone(),
        kind,
        integration_title,
        external_ref,
        system_id: body.system_id,
        party_org_no: body.party_org_no,
        rights: match kind {
            Kind::Standard => body.rights.unwrap_or_default(),
            Kind::Agent => Vec::new(),
        },
        access_packages: body.access_packages.unwrap_or_default(),
        status: Status::New,
        redirect_url: body.redirect_url,
        escalated: false,
        created_micros: now,
        is_deleted: false,
        row: 0,
    };
    inner.store.insert_request(stored);
    inner.store.count(kind, &key).created += 1;
    Ok(Created::New(id))
}
