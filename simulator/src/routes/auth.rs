//! Bearer checks every Altinn route runs first: a token we issued, unexpired (401 with
//! an empty body otherwise), carrying one of the route's scopes (403, empty body).

use crate::clock;
use crate::http::{Request, Response};
use crate::state::Shared;
use crate::tokens::AccessClaims;

pub const SCOPE_REQUEST_READ: &str = "altinn:authentication/systemuser.request.read";
pub const SCOPE_REQUEST_WRITE: &str = "altinn:authentication/systemuser.request.write";
pub const SCOPE_REGISTER_WRITE: &str = "altinn:authentication/systemregister.write";
pub const SCOPE_REGISTER_ADMIN: &str = "altinn:authentication/systemregister.admin";

/// Any one of `scopes` is enough (ASP.NET `RequireScopeAnyOf`).
pub fn require(shared: &Shared, req: &Request, scopes: &[&str]) -> Result<AccessClaims, Response> {
    let token = req
        .header("authorization")
        .and_then(|h| {
            let (scheme, rest) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Response::empty(401).header("www-authenticate", "Bearer"))?;
    let claims = shared
        .key
        .verify(token, clock::real_secs())
        .map_err(|_| Response::empty(401).header("www-authenticate", "Bearer error=\"invalid_token\""))?;
    if !scopes.iter().any(|s| claims.has_scope(s)) {
        return Err(Response::empty(403));
    }
    Ok(claims)
}
