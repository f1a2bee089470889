//! The vendor's system user routes: verify one (`byquery`) and list a system's.

use crate::http::{percent_encode, Request, Response};
use crate::problems::{self, auth_problem};
use crate::routes::auth::{self, SCOPE_REGISTER_ADMIN, SCOPE_REGISTER_WRITE, SCOPE_REQUEST_WRITE};
use crate::routes::vendor::{next_origin, opaque_decode, opaque_encode};
use crate::state::Shared;
use crate::store::{DedupeKey, SystemUser};
use crate::views;

/// `GET systemuser/vendor/byquery`: the write scope (not read); 404 with an empty body
/// when there is no such system user or it belongs to another vendor.
pub fn by_query(shared: &Shared, req: &Request) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REQUEST_WRITE]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let param = |n: &str| req.query_param(n).filter(|v| !v.is_empty());
    let mut errors = Vec::new();
    if param("system-id").is_none() {
        errors.push(("system-id".to_string(), vec!["The systemId field is required.".to_string()]));
    }
    if param("orgno").is_none() {
        errors.push(("orgno".to_string(), vec!["The orgno field is required.".to_string()]));
    }
    if !errors.is_empty() {
        return problems::validation_problem(errors);
    }
    let (system_id, org_no) = (param("system-id").unwrap_or_default(), param("orgno").unwrap_or_default());
    let Some(vendor) = claims.vendor_org_no() else {
        return Response::empty(401);
    };
    let key = DedupeKey {
        party_org_no: org_no.to_string(),
        external_ref: param("external-ref").unwrap_or(org_no).to_string(),
        system_id: system_id.to_string(),
    };
    let inner = shared.lock();
    let found = inner.store.system_user_by_key(&key).filter(|u| inner.systems.supplier_of(&u.system_id) == Some(vendor));
    match found {
        Some(u) => Response::json(200, &views::system_user_json(u, &inner)),
        None => Response::empty(404),
    }
}

/// `GET systemuser/vendor/bysystem/{systemId}`: paged by creation order (`Opaque<long>`).
pub fn list(shared: &Shared, req: &Request, system_id: &str) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REGISTER_WRITE, SCOPE_REGISTER_ADMIN]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(vendor) = claims.vendor_org_no() else {
        return Response::empty(401);
    };
    let after = match req.query_param("token") {
        None | Some("") => 0,
        Some(t) => match opaque_decode(t).and_then(|v| v.as_i64()) {
            Some(n) => n,
            None => return problems::validation_problem(vec![("token".into(), vec![format!("The value '{t}' is not valid.")])]),
        },
    };
    let inner = shared.lock();
    let shape = inner.settings.problem_shape;
    match inner.systems.system(system_id) {
        Some(s) if s.vendor_org_no() == vendor => {}
        _ => return auth_problem(shape, "AUTH-00011", &[]),
    }
    let page_size = inner.settings.page_size.max(1);
    let mut items: Vec<&SystemUser> = inner.store.system_user_page(system_id, after, page_size + 1);
    let more = items.len() > page_size;
    items.truncate(page_size);
    let next = match (more, items.last()) {
        (true, Some(last)) => Some(format!(
            "{}/authentication/api/v1/systemuser/vendor/bysystem/{}?token={}",
            next_origin(shared, &inner, req),
            percent_encode(system_id),
            opaque_encode(&last.sequence_no.to_string())
        )),
        _ => None,
    };
    let data = items.iter().map(|u| views::system_user_json(u, &inner)).collect();
    Response::json(200, &views::page_json(next, data))
}
