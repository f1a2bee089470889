//! Maskinporten's answer to a grant: the token, or `{"error","error_description"}` turned into
//! `Error::Maskinporten` with its MP code and a message that says what to fix.

use super::cache::TokenKey;
use super::{AccessToken, KeyIdentity};
use crate::error::{Error, Problem};
use crate::http::HttpResponse;
use crate::json::Json;
use crate::model::DateTime;
use crate::protocol::MAX_TOKEN_LEN;
use crate::secret::Secret;
use crate::text::{clip, quote};

/// A day: Maskinporten tokens live minutes; a larger figure is not to be trusted with a cache.
const MAX_EXPIRES_IN: i64 = 86_400;

/// What the messages name: the inputs of the grant.
#[derive(Debug)]
pub struct Context {
    client_id: String,
    issuer: String,
    key: String,
    scopes: String,
    customer: Option<(String, Option<String>)>,
    pub issued_at: DateTime,
}

impl Context {
    pub fn new(key: &TokenKey, identity: &KeyIdentity, issued_at: DateTime) -> Self {
        Context {
            client_id: key.client_id.clone(),
            issuer: key.issuer.clone(),
            key: match identity {
                KeyIdentity::KeyId(kid) => format!("the key with kid {}", quote(kid)),
                KeyIdentity::CertificateChain(_) => "the business certificate (x5c)".into(),
            },
            scopes: key.scopes.join(" "),
            customer: key.customer_org_no.clone().map(|org| (org, key.external_ref.clone())),
            issued_at,
        }
    }
}

/// Reads the answer; `sent` are secrets of the grant that must not be echoed back.
pub fn read(context: &Context, response: &HttpResponse, sent: &[&str]) -> Result<AccessToken, Error> {
    if response.status != 200 {
        return Err(refusal(context, response, sent));
    }
    let invalid = |what: &str| Error::InvalidResponse(format!("Maskinporten's token answer {what}"));
    let body = crate::json::parse(&response.body).map_err(|_| invalid("is not JSON"))?;
    let text = |name: &str| match body.member(name) {
        Some(Json::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let token = text("access_token").ok_or_else(|| invalid("has no access_token string"))?;
    if token.is_empty() || token.len() > MAX_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid("has an access_token that cannot be sent as a bearer token"));
    }
    if !text("token_type").is_some_and(|t| t.eq_ignore_ascii_case("bearer")) {
        return Err(invalid("does not say token_type Bearer"));
    }
    let expires_in = match body.member("expires_in") {
        Some(Json::Number(n)) => n.parse::<i64>().ok().filter(|s| (1..=MAX_EXPIRES_IN).contains(s)),
        _ => None,
    }
    .ok_or_else(|| invalid(&format!("has no expires_in between 1 and {MAX_EXPIRES_IN} seconds")))?;
    let scope = text("scope").map_or_else(|| context.scopes.clone(), str::to_string);
    Ok(AccessToken {
        token: Secret::new(token),
        scope,
        expires_at: DateTime { seconds: context.issued_at.seconds + expires_in, nanoseconds: context.issued_at.nanoseconds },
    })
}

/// `MP-nnn` in a description, if any.
fn mp_code(description: &str) -> Option<String> {
    description.match_indices("MP-").find_map(|(at, _)| {
        let digits = description.get(at + 3..at + 6)?;
        digits.bytes().all(|b| b.is_ascii_digit()).then(|| format!("MP-{digits}"))
    })
}

/// Server text without anything of ours that is secret, clipped.
fn scrub(text: &str, sent: &[&str]) -> String {
    let mut text = text.to_string();
    crate::secret::scrub(&mut text, sent);
    clip(&text, 300)
}

fn refusal(context: &Context, response: &HttpResponse, sent: &[&str]) -> Error {
    let body = crate::json::parse(&response.body).ok();
    let field = |name: &str| match body.as_ref().and_then(|b| b.member(name)) {
        Some(Json::String(s)) => Some(scrub(s, sent)),
        _ => None,
    };
    let error = field("error");
    let description = field("error_description");
    let code = description.as_deref().and_then(mp_code);
    let said = match (&error, &description) {
        (Some(e), Some(d)) => format!("{e}: {d}"),
        (Some(e), None) => e.clone(),
        _ => format!("HTTP {} without an OAuth error body", response.status),
    };
    let outage = response.status == 429 || response.status >= 500;
    let retry_after_seconds = crate::protocol::retry_after(response, Some(context.issued_at));
    let what = match response.status {
        429 => "is rate-limiting this client",
        500.. => "is failing",
        _ => "refused the grant",
    };
    let message = format!(
        "Maskinporten ({}) {what} ({said}){}. {}",
        context.issuer,
        crate::protocol::wait_hint(retry_after_seconds),
        advice(context, code.as_deref(), error.as_deref(), outage)
    );
    let problem =
        Problem { status: response.status, code, title: error, detail: description, message, retry_after_seconds, ..Problem::default() };
    if outage {
        Error::Unavailable(problem)
    } else {
        Error::Maskinporten(problem)
    }
}

/// What to fix, by MP code (API.md §10) or OAuth error.
fn advice(c: &Context, code: Option<&str>, error: Option<&str>, server_error: bool) -> String {
    let customer = || match &c.customer {
        Some((org, Some(r))) => format!("customer {org} with external ref {}", quote(r)),
        Some((org, None)) => format!("customer {org} (external ref = the org number)"),
        None => "no customer".into(),
    };
    match (code, error) {
        (Some("MP-100"), _) | (_, Some("invalid_client")) => format!(
            "Client id {} is unknown here: check config.maskinporten.client-id and that the client exists in this environment.",
            quote(&c.client_id)
        ),
        (Some("MP-110"), _) => "The audience was refused: check that the environment's Maskinporten issuer is the one the client belongs to.".into(),
        (Some("MP-120"), _) => format!(
            "The signature was refused: {} is not registered on client {}, or the signer uses another key than it names.",
            c.key,
            quote(&c.client_id)
        ),
        (Some("MP-124"), _) => "A test key was used in production or the other way round: use this environment's key.".into(),
        (Some("MP-130"), _) => {
            "The grant's times were refused: the host clock is probably wrong (Maskinporten allows 10 s of skew); synchronise it (NTP).".into()
        }
        (Some("MP-012"), _) => "A jti was used twice: the host's random capability must be a secure generator.".into(),
        (Some("MP-200" | "MP-201" | "MP-250"), _) | (_, Some("invalid_scope")) => format!(
            "Scope {} is not granted to client {}: ask the API owner for it, or ask for fewer scopes.",
            quote(&c.scopes),
            quote(&c.client_id)
        ),
        (Some("MP-301" | "MP-302"), _) => format!("The system user details for {} were refused: check the org number and external ref.", customer()),
        (Some("MP-303"), _) => format!(
            "There is no system user for {} on this client's system: check that the customer approved the request, and pass the external ref the request was created with (none when it was the org number).",
            customer()
        ),
        _ if server_error => "Maskinporten could not answer now: try again later (this is not a refusal).".into(),
        _ => "Check the client's configuration in Maskinporten.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mp_codes_are_found_anywhere_in_the_description() {
        assert_eq!(mp_code("Invalid assertion. The assertion has expired (MP-130)").as_deref(), Some("MP-130"));
        assert_eq!(mp_code("MP-303 no user").as_deref(), Some("MP-303"));
        assert_eq!(mp_code("MP-1"), None);
        assert_eq!(mp_code("MP-abc MP-2x0"), None);
        assert_eq!(mp_code("æøå MP-"), None);
    }

    #[test]
    fn scrub_removes_what_was_sent() {
        let sent = ["eyJhbGciOiJSUzI1NiJ9.eyJ.c2lnbmF0dXJl", "c2lnbmF0dXJlc2lnbmF0dXJl"];
        let text = scrub("bad eyJhbGciOiJSUzI1NiJ9.eyJ.c2lnbmF0dXJl and c2lnbmF0dXJlc2lnbmF0dXJl", &sent);
        assert_eq!(text, "bad [redacted] and [redacted]");
    }
}
