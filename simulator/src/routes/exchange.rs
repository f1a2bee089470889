//! `GET authentication/api/v1/exchange/{tokenProvider}` (API.md §12, `AuthenticationController.
//! ExchangeExternalSystemToken`, anonymous): a Maskinporten token this simulator issued becomes an
//! Altinn token, answered as bare text. Only the Maskinporten provider is simulated: there is no
//! ID-porten or Altinn Studio here, so their tokens never validate (401, as a foreign token does).

use crate::clock;
use crate::http::{Request, Response};
use crate::jwt;
use crate::problems;
use crate::state::Shared;
use crate::tokens::{AccessClaims, AltinnClaims};

/// The path of Altinn's OIDC issuer under the base (`GeneralSettings.AltinnOidcIssuerUrl`).
pub const ALTINN_ISSUER_PATH: &str = "/authentication/api/v1/openid/";
/// `ClockSkew` of the source token's validation.
const CLOCK_SKEW_SECS: i64 = 10;
/// `authenticatemethod` of an exchanged Maskinporten token.
pub const METHOD_MASKINPORTEN: &str = "maskinporten";

/// The `iss` of the Altinn tokens this simulator issues.
pub fn altinn_issuer(shared: &Shared) -> String {
    format!("{}{ALTINN_ISSUER_PATH}", shared.base_url)
}

pub fn exchange(shared: &Shared, req: &Request, provider: &str) -> Response {
    let token = req
        .header("authorization")
        .and_then(|h| h.get(..7).filter(|p| p.eq_ignore_ascii_case("bearer ")).map(|_| h[7..].trim()))
        .filter(|t| !t.is_empty());
    // No token, or not a JWT (`CanReadToken`).
    let Some(token) = token.filter(|t| jwt::split(t).is_some()) else {
        return Response::empty(401);
    };
    match provider.to_lowercase().as_str() {
        "maskinporten" => maskinporten(shared, req, token),
        "id-porten" | "altinnstudio" => Response::empty(401),
        _ => Response::text(
            400,
            &format!("Invalid token provider: {provider}. Trusted token providers are 'Maskinporten', 'Id-porten' and 'AltinnStudio'."),
        ),
    }
}

/// `AuthenticateMaskinportenToken`: a valid token of our Maskinporten (signature, lifetime with
/// 10 s of skew, issuer) with a `consumer`; every claim is kept but `aud`, `iss`, `client_amr` and
/// `sid`; the org number, `authenticatemethod`, `authlevel` 3, Altinn's `iss` and a new `sid` are
/// added; it lives `JwtValidityMinutes`.
fn maskinporten(shared: &Shared, req: &Request, token: &str) -> Response {
    let now = clock::real_secs();
    let Ok(source) = shared.key.verify(token, now - CLOCK_SKEW_SECS) else {
        return Response::empty(401);
    };
    if source.iss != shared.issuer() {
        return Response::empty(401);
    }
    let Some(org_number) = source.vendor_org_no().map(str::to_string) else {
        return Response::empty(401);
    };
    if req.header("x-altinn-enterpriseuser-authentication").is_some_and(|v| !v.is_empty()) {
        return problems::plain_problem(
            410,
            Some("https://docs.altinn.studio"),
            "Virksomhetsbruker is no longer available",
            "Virksomhetsbruker (enterprise user) is no longer available. It has been replaced by Systembruker (system user) or \
             ID-porten, depending on the use case. See https://docs.altinn.studio for migration guidance.",
        );
    }
    let minutes = shared.lock().settings.jwt_validity_minutes;
    let claims = AccessClaims {
        iss: altinn_issuer(shared),
        iat: now,
        exp: now + i64::from(minutes) * 60,
        altinn: AltinnClaims {
            org_number: Some(org_number),
            authenticate_method: Some(METHOD_MASKINPORTEN.into()),
            auth_level: Some(3),
            sid: Some(crate::ids::uuid_v4()),
            nbf: Some(now),
        },
        ..source
    };
    Response::text(200, &shared.key.mint(&claims))
}
