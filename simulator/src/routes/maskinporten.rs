//! Maskinporten's token endpoint and its metadata document.

use serde_json::json;

use crate::clock;
use crate::http::{Request, Response};
use crate::maskinporten::{grant, GrantContext, MpError};
use crate::state::Shared;

pub fn token(shared: &Shared, req: &Request) -> Response {
    let form_ct =
        req.header("content-type").map(|c| c.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")).unwrap_or(false);
    if !form_ct {
        let e = MpError { error: "invalid_request", error_description: "Content-Type must be application/x-www-form-urlencoded".into() };
        return Response::json(400, &e);
    }
    let form = req.form();
    for (_, assertion) in form.iter().filter(|(k, _)| k == "assertion") {
        crate::secret_log::record(assertion);
    }
    let issuer = shared.issuer();
    let mut inner = shared.lock();
    let inner = &mut *inner;
    let ctx = GrantContext {
        fixture: &inner.fixture,
        systems: &inner.systems,
        store: &inner.store,
        jtis: &mut inner.jtis,
        key: &shared.key,
        issuer: &issuer,
        now_secs: clock::real_secs(),
        lifetime_secs: inner.settings.token_lifetime_secs,
    };
    match grant(ctx, &form) {
        Ok(t) => Response::json(200, &t).header("cache-control", "no-store").header("pragma", "no-cache"),
        Err(e) => Response::json(400, &e).header("cache-control", "no-store"),
    }
}

/// `/.well-known/oauth-authorization-server`, as Maskinporten publishes it.
pub fn metadata(shared: &Shared) -> Response {
    let issuer = shared.issuer();
    Response::json(
        200,
        &json!({
            "issuer": issuer,
            "token_endpoint": format!("{}/token", shared.base_url),
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512"],
            "authorization_details_types_supported": ["urn:altinn:systemuser"],
        }),
    )
}
