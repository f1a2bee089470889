//! The vendor's change-request routes (API.md §11): create, get, get by external ref, list,
//! delete, under `systemuser/changerequest/vendor`.

use crate::change_rules::{self, ChangeCreated, ChangeError, ChangeQuery};
use crate::http::{percent_encode, Request, Response};
use crate::ids;
use crate::json_in::{self, Errors};
use crate::problems::{self, auth_problem};
use crate::routes::auth::{self, SCOPE_REQUEST_READ, SCOPE_REQUEST_WRITE};
use crate::routes::vendor::{bad_guid, confirm_origin, guid_query, is_json_content_type, next_origin, opaque_decode, opaque_encode};
use crate::rules::RuleError;
use crate::state::{Inner, Shared};
use crate::store::StoredChangeRequest;
use crate::views::{self, ChangeShape};

const ROUTE: &str = "authentication/api/v1/systemuser/changerequest";

fn render(shared: &Shared, inner: &Inner, c: &StoredChangeRequest, shape: ChangeShape) -> crate::ordered::Ordered {
    views::change_request_json(c, shape, &confirm_origin(shared, inner), inner.clock.now_micros(), &inner.settings)
}

/// `POST …/changerequest/vendor?correlation-id=&system-user-id=`.
pub fn create(shared: &Shared, req: &Request) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REQUEST_WRITE]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !is_json_content_type(req) {
        return problems::framework_problem(415);
    }
    // Step 0: the framework binds the query and the body, and reports every error together.
    let mut errors = Errors::new();
    let query = ChangeQuery {
        correlation_id: guid_query(req, "correlation-id", &mut errors),
        system_user_id: guid_query(req, "system-user-id", &mut errors),
    };
    let body = match json_in::parse_change_body(&req.body) {
        Ok(b) if errors.is_empty() => b,
        Ok(_) => return problems::validation_problem(errors),
        Err(body_errors) => {
            errors.extend(body_errors);
            return problems::validation_problem(errors);
        }
    };
    let mut inner = shared.lock();
    let shape = inner.settings.problem_shape;
    match change_rules::create(&mut inner, claims.vendor_org_no(), query, body) {
        Ok(ChangeCreated::New(id)) => match inner.store.change_request(&id) {
            Some(c) => Response::json(201, &render(shared, &inner, c, ChangeShape::Single))
                .header("location", &format!("{}/{ROUTE}/{id}", shared.base_url)),
            None => problems::internal_error(),
        },
        Ok(ChangeCreated::Existing(id)) => match inner.store.change_request(&id) {
            Some(c) => Response::json(200, &render(shared, &inner, c, ChangeShape::Single)),
            None => problems::internal_error(),
        },
        Ok(ChangeCreated::NoChangeNeeded { correlation_id, system_user_id, user, redirect_url }) => {
            Response::json(200, &views::no_change_needed_json(&correlation_id, &system_user_id, &user, redirect_url.as_deref()))
        }
        Err(ChangeError::BadRequest(text)) => Response::text(400, text),
        Err(ChangeError::Unauthorized) => Response::empty(401),
        Err(ChangeError::Rule(RuleError::Problem(code, ext))) => auth_problem(shape, code, &ext),
        Err(ChangeError::Rule(RuleError::Internal)) => problems::internal_error(),
    }
}

/// `GET …/changerequest/vendor/{id}`: unknown or deleted → AUTH-00010, another vendor's → AUTH-00011.
pub fn get(shared: &Shared, req: &Request, raw_id: &str) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REQUEST_READ]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(id) = ids::parse_guid(raw_id) else {
        return bad_guid("requestId", raw_id);
    };
    let Some(vendor) = claims.vendor_org_no() else {
        return Response::empty(401);
    };
    let inner = shared.lock();
    let shape = inner.settings.problem_shape;
    match inner.store.change_request(&id) {
        None => auth_problem(shape, "AUTH-00010", &[]),
        Some(c) if !change_rules::owns(&inner, c, vendor) => auth_problem(shape, "AUTH-00011", &[]),
        Some(c) => Response::json(200, &render(shared, &inner, c, ChangeShape::Single)),
    }
}

/// `GET …/changerequest/vendor/byexternalref/{systemId}/{orgNo}/{externalRef}`: the first row of
/// the key in heap order (no `ORDER BY`: any status, an arbitrary one of several), not found →
/// AUTH-00010, then the path's system unknown or another vendor's → AUTH-00011.
pub fn get_by_external_ref(shared: &Shared, req: &Request, system_id: &str, org_no: &str, external_ref: &str) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REQUEST_READ]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(vendor) = claims.vendor_org_no() else {
        return Response::empty(401);
    };
    let inner = shared.lock();
    let shape = inner.settings.problem_shape;
    let found = inner.store.change_request_by_key(system_id, org_no, external_ref);
    let Some(c) = found else {
        return auth_problem(shape, "AUTH-00010", &[]);
    };
    if inner.systems.system(system_id).is_none_or(|s| s.vendor_org_no() != vendor) {
        return auth_problem(shape, "AUTH-00011", &[]);
    }
    Response::json(200, &render(shared, &inner, c, ChangeShape::ByExternalRef))
}

/// `GET …/changerequest/vendor/bysystem/{systemId}`. With `repeating_change_request_pages` (the
/// server): no `ORDER BY` (heap order) and the `token` ignored, so every call is page one, with a
/// `next` carrying the first id of the second page. Off: by id, the token honoured.
pub fn list(shared: &Shared, req: &Request, system_id: &str) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REQUEST_READ]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(vendor) = claims.vendor_org_no() else {
        return Response::empty(401);
    };
    // `Opaque<Guid>` binds (and fails) whether or not the service then uses it.
    let after = match req.query_param("token") {
        None | Some("") => None,
        Some(t) => match opaque_decode(t).and_then(|v| v.as_str().map(str::to_string)).and_then(|s| ids::parse_guid(&s)) {
            Some(id) => Some(id),
            None => return bad_guid("token", t),
        },
    };
    let inner = shared.lock();
    let shape = inner.settings.problem_shape;
    match inner.systems.system(system_id) {
        Some(s) if s.vendor_org_no() == vendor => {}
        _ => return auth_problem(shape, "AUTH-00011", &[]),
    }
    let repeat = inner.settings.repeating_change_request_pages;
    let page_size = inner.settings.page_size.max(1);
    // Repeating: heap order, the token ignored. One past the page: the token item.
    let after = if repeat { None } else { after };
    let mut items: Vec<&StoredChangeRequest> = inner.store.change_request_page(system_id, after.as_deref(), repeat, page_size + 1);
    // `Page.Create`: the token of the first item of the next page; a correct list uses the last
    // item of this one.
    let token_item = match repeat {
        true => items.get(page_size),
        false => items.get(page_size).and(items.get(page_size - 1)),
    };
    let next = token_item.map(|c| {
        format!(
            "{}/{ROUTE}/vendor/bysystem/{}?token={}",
            next_origin(shared, &inner, req),
            percent_encode(system_id),
            opaque_encode(&format!("\"{}\"", c.id))
        )
    });
    items.truncate(page_size);
    let data = items.iter().map(|c| render(shared, &inner, c, ChangeShape::ListItem)).collect();
    Response::json(200, &views::page_json(next, data))
}

/// `DELETE …/changerequest/vendor/{id}`: 202 empty; no consumer, owner or status check; unknown or
/// already deleted → AUTH-00010. A soft delete: the id stays taken.
pub fn delete(shared: &Shared, req: &Request, raw_id: &str) -> Response {
    if let Err(r) = auth::require(shared, req, &[SCOPE_REQUEST_WRITE]) {
        return r;
    }
    let Some(id) = ids::parse_guid(raw_id) else {
        return bad_guid("requestId", raw_id);
    };
    let mut inner = shared.lock();
    let shape = inner.settings.problem_shape;
    match inner.store.update_change_request(&id, |c| c.is_deleted = true) {
        true => Response::empty(202),
        false => auth_problem(shape, "AUTH-00010", &[]),
    }
}
