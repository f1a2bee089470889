//! Parsing responses: success shapes per operation, errors through `problem`, and the guards
//! against a server that points the customer or the bearer token somewhere else.

use super::problem::problem_error;
use super::{Call, Outcome};
use crate::error::Error;
use crate::http::HttpResponse;
use crate::model::{Config, RequestKind, SystemUserRequest};
use crate::text::quote;
use crate::url;
use crate::wire;

/// A 50-item page is ~50 KB; anything near this is not an Altinn answer.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub fn parse(config: &Config, call: &Call, response: &HttpResponse) -> Result<Outcome, Error> {
    let status = response.status;
    if response.body.len() > MAX_BODY_BYTES {
        return Err(Error::InvalidResponse(format!(
            "the {status} response body has {} bytes, more than the {} MiB an Altinn answer can have",
            response.body.len(),
            MAX_BODY_BYTES / (1024 * 1024)
        )));
    }
    match (call, status) {
        (Call::CreateStandardRequest(_), 200 | 201) => created(config, RequestKind::Standard, response),
        (Call::CreateAgentRequest(_), 200 | 201) => created(config, RequestKind::Agent, response),
        (Call::GetRequest { kind, .. } | Call::GetRequestByExternalRef { kind, .. }, 200) => {
            let request = wire::request_from_value(&json(response)?, *kind).map_err(Error::InvalidResponse)?;
            Ok(Outcome::Request(guard_confirm_url(config, request)?))
        }
        (Call::ListRequests { kind, .. }, 200) => {
            let (mut page, next) =
                wire::page_from_value(&json(response)?, |v| wire::request_from_value(v, *kind)).map_err(Error::InvalidResponse)?;
            page.next_page = next_page(next)?;
            Ok(Outcome::Requests(page))
        }
        (Call::WithdrawRequest(_), 200..=299) => Ok(Outcome::Withdrawn),
        (Call::VerifySystemUser { .. }, 200) => {
            Ok(Outcome::SystemUser(Some(wire::system_user_from_value(&json(response)?).map_err(Error::InvalidResponse)?)))
        }
        // The server's "no such system user" is an empty 404; a 404 problem is a real error.
        (Call::VerifySystemUser { .. }, 404) if response.body.iter().all(u8::is_ascii_whitespace) => Ok(Outcome::SystemUser(None)),
        (Call::ListSystemUsers { .. }, 200) => {
            let (mut page, next) = wire::page_from_value(&json(response)?, wire::system_user_from_value).map_err(Error::InvalidResponse)?;
            page.next_page = next_page(next)?;
            Ok(Outcome::SystemUsers(page))
        }
        (Call::GetRegisteredSystem(_), 200) => {
            Ok(Outcome::RegisteredSystem(wire::registered_system_from_value(&json(response)?).map_err(Error::InvalidResponse)?))
        }
        (_, 400..=599) => Err(problem_error(call, response)),
        _ => Err(Error::InvalidResponse(format!("Altinn answered with HTTP status {status}, which this operation never returns"))),
    }
}

fn json(response: &HttpResponse) -> Result<crate::json::Value<'_>, Error> {
    if let Some(content_type) = response.header("content-type") {
        if !content_type.to_ascii_lowercase().contains("json") {
            return Err(Error::InvalidResponse(format!("expected JSON but the content type is {}", quote(content_type))));
        }
    }
    wire::parse_body(&response.body).map_err(|e| Error::InvalidResponse(format!("the {} response is {e}", response.status)))
}

fn created(config: &Config, kind: RequestKind, response: &HttpResponse) -> Result<Outcome, Error> {
    let request = wire::request_from_value(&json(response)?, kind).map_err(Error::InvalidResponse)?;
    Ok(Outcome::Created { request: guard_confirm_url(config, request)?, is_new: response.status == 201, reconciled: false })
}

/// Takes only the opaque `token` of `links.next`: the next URL is rebuilt on the configured
/// base, so a link to an internal or foreign host never receives the bearer token.
fn next_page(next: Option<String>) -> Result<Option<String>, Error> {
    let Some(next) = next else { return Ok(None) };
    let token = match url::parse(&next) {
        Ok(u) => u.query_value("token"),
        Err(_) => None,
    };
    match token {
        Some(token) if super::is_usable_page_token(&token) => Ok(Some(token)),
        Some(_) => Err(Error::InvalidResponse(format!("links.next {} has a page token that cannot be sent back", quote(&next)))),
        None => Err(Error::InvalidResponse(format!("links.next {} has no page token", quote(&next)))),
    }
}

/// The confirmUrl is shown to the customer: it must be the configured environment's confirm
/// page for this very request, or it could send the customer anywhere.
fn guard_confirm_url(config: &Config, request: SystemUserRequest) -> Result<SystemUserRequest, Error> {
    let Some(link) = &request.confirm_url else { return Ok(request) };
    let expected_origin = config.environment.confirm_url();
    let expected_path = match request.kind {
        RequestKind::Standard => "/accessmanagement/ui/systemuser/request",
        RequestKind::Agent => "/accessmanagement/ui/systemuser/agentrequest",
    };
    let refuse = |why: &str| {
        Err(Error::InvalidResponse(format!(
            "refusing confirmUrl {}: {why}; a confirm link must be {expected_origin}{expected_path}?id={}",
            quote(link),
            request.id
        )))
    };
    let (Ok(parsed), Ok(origin)) = (url::parse(link), url::parse(&expected_origin)) else {
        return refuse("it is not a plain absolute URL");
    };
    if !parsed.same_origin(&origin) {
        return refuse("it points at another host");
    }
    if parsed.path != expected_path {
        return refuse("it is not the confirm page");
    }
    if !parsed.query_value("id").is_some_and(|id| id.eq_ignore_ascii_case(&request.id)) {
        return refuse("it is for another request");
    }
    Ok(request)
}
