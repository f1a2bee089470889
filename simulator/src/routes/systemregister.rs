//! The System Register's vendor routes (API.md §13) under `systemregister/vendor`: list own, read,
//! register, replace, set rights, set access packages, delete, change log. The checks live in
//! `register_rules`; this binds requests and writes answers.

use serde_json::json;

use crate::http::{Request, Response};
use crate::json_in::{self, RegisterAction};
use crate::problems;
use crate::register_rules::{self, Caller, RegisterError};
use crate::routes::auth::{self, SCOPE_REGISTER_ADMIN, SCOPE_REGISTER_WRITE};
use crate::routes::vendor::is_json_content_type;
use crate::state::Shared;
use crate::tokens::AccessClaims;
use crate::views;

/// Token and scope (`systemregister.write` or `.admin`), then who calls.
fn caller(shared: &Shared, req: &Request) -> Result<Caller, Response> {
    let claims: AccessClaims = auth::require(shared, req, &[SCOPE_REGISTER_WRITE, SCOPE_REGISTER_ADMIN])?;
    Ok(Caller {
        vendor: claims.vendor_org_no().map(str::to_string),
        admin: claims.scope.contains(SCOPE_REGISTER_ADMIN),
        client_id: claims.client_id.clone(),
    })
}

/// `[FromBody]`: a body that is not JSON is the framework's 415.
fn json_body(req: &Request) -> Result<(), Response> {
    match is_json_content_type(req) {
        true => Ok(()),
        false => Err(problems::framework_problem(415)),
    }
}

fn answer(shared: &Shared, e: RegisterError) -> Response {
    match e {
        RegisterError::Validation(items) => problems::validation_errors(shared.lock().settings.problem_shape, &items),
        RegisterError::Forbidden => Response::empty(403),
        RegisterError::Text(status, text) if text.is_empty() => Response::empty(status),
        RegisterError::Text(status, text) => Response::text(status, &text),
        RegisterError::Internal => problems::internal_error(),
        RegisterError::DeleteNotFound => problems::validation_problem(vec![("return".into(), vec!["System not found".into()])]),
        RegisterError::EmptyBadRequest => Response::empty(400),
    }
}

fn succeeded() -> Response {
    Response::json(200, &json!({"succeeded": true}))
}

/// `GET vendor`.
pub fn list(shared: &Shared, req: &Request) -> Response {
    let caller = match caller(shared, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let inner = shared.lock();
    match register_rules::list(&inner, &caller) {
        Ok(rows) => Response::json(200, &rows.into_iter().map(views::system_list_item_json).collect::<Vec<_>>()),
        Err(e) => {
            drop(inner);
            answer(shared, e)
        }
    }
}

/// `GET vendor/{systemId}`.
pub fn get(shared: &Shared, req: &Request, system_id: &str) -> Response {
    let caller = match caller(shared, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let inner = shared.lock();
    match register_rules::read(&inner, &caller, system_id) {
        Ok(row) => Response::json(200, &views::system_json(row)),
        Err(e) => {
            drop(inner);
            answer(shared, e)
        }
    }
}

/// `POST vendor`: 200 with the new internal id as a JSON string.
pub fn create(shared: &Shared, req: &Request) -> Response {
    let caller = match caller(shared, req).and_then(|c| json_body(req).map(|_| c)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = match json_in::parse_system_body(RegisterAction::Create, &req.body) {
        Ok(b) => b,
        Err(errors) => return problems::validation_problem(errors),
    };
    let done = register_rules::create(&mut shared.lock(), &caller, body);
    match done {
        Ok(internal_id) => Response::json(200, &internal_id),
        Err(e) => answer(shared, e),
    }
}

/// `PUT vendor/{systemId}`: the whole record.
pub fn replace(shared: &Shared, req: &Request, system_id: &str) -> Response {
    let caller = match caller(shared, req).and_then(|c| json_body(req).map(|_| c)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = match json_in::parse_system_body(RegisterAction::Replace, &req.body) {
        Ok(b) => b,
        Err(errors) => return problems::validation_problem(errors),
    };
    let done = register_rules::replace(&mut shared.lock(), &caller, system_id, body);
    done.map_or_else(|e| answer(shared, e), |()| succeeded())
}

/// `PUT vendor/{systemId}/rights`.
pub fn set_rights(shared: &Shared, req: &Request, system_id: &str) -> Response {
    let caller = match caller(shared, req).and_then(|c| json_body(req).map(|_| c)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let rights = match json_in::parse_rights_body(&req.body) {
        Ok(r) => r,
        Err(errors) => return problems::validation_problem(errors),
    };
    let done = register_rules::set_rights(&mut shared.lock(), &caller, system_id, rights);
    done.map_or_else(|e| answer(shared, e), |()| succeeded())
}

/// `PUT vendor/{systemId}/accesspackages`.
pub fn set_packages(shared: &Shared, req: &Request, system_id: &str) -> Response {
    let caller = match caller(shared, req).and_then(|c| json_body(req).map(|_| c)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let packages = match json_in::parse_packages_body(&req.body) {
        Ok(p) => p,
        Err(errors) => return problems::validation_problem(errors),
    };
    let done = register_rules::set_packages(&mut shared.lock(), &caller, system_id, packages);
    done.map_or_else(|e| answer(shared, e), |()| succeeded())
}

/// `DELETE vendor/{systemId}`.
pub fn delete(shared: &Shared, req: &Request, system_id: &str) -> Response {
    let caller = match caller(shared, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let done = register_rules::delete(&mut shared.lock(), &caller, system_id);
    done.map_or_else(|e| answer(shared, e), |()| succeeded())
}

/// `GET vendor/{systemId}/changelog`.
pub fn changelog(shared: &Shared, req: &Request, system_id: &str) -> Response {
    let caller = match caller(shared, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let inner = shared.lock();
    match register_rules::changelog(&inner, &caller, system_id) {
        Ok(entries) => Response::json(200, &entries.into_iter().map(views::changelog_json).collect::<Vec<_>>()),
        Err(e) => {
            drop(inner);
            answer(shared, e)
        }
    }
}
