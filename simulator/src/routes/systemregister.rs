//! `GET systemregister/vendor/{systemId}`: the vendor reads its own registered system.

use crate::http::{Request, Response};
use crate::routes::auth::{self, SCOPE_REGISTER_ADMIN, SCOPE_REGISTER_WRITE};
use crate::state::Shared;
use crate::views;

/// Unknown → empty 404; another vendor's system → empty 403 (the server's `Forbid()`).
pub fn get(shared: &Shared, req: &Request, system_id: &str) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REGISTER_WRITE, SCOPE_REGISTER_ADMIN]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let inner = shared.lock();
    let Some(system) = inner.fixture.system(system_id) else {
        return Response::empty(404);
    };
    let admin = claims.has_scope(SCOPE_REGISTER_ADMIN);
    if !admin && claims.vendor_org_no() != Some(system.vendor_org_no()) {
        return Response::empty(403);
    }
    Response::json(200, &views::system_json(system))
}
