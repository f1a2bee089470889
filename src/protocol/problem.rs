//! Error answers: RFC 7807 problem details in both shapes (API.md §8), ASP.NET validation
//! problems, `validationErrors` lists and empty bodies, mapped to the one `Error` type with a
//! message that says what to do.

use super::{scopes, Call};
use crate::error::{Error, Problem, Violation};
use crate::http::HttpResponse;
use crate::json::Json;
use crate::text::clip;

/// Members that are part of the problem itself, not extensions (compared lower-cased).
const KNOWN: [&str; 10] =
    ["type", "title", "status", "detail", "instance", "code", "traceid", "statusdescription", "errors", "validationerrors"];

pub fn problem_error(call: &Call, response: &HttpResponse) -> Error {
    let mut problem = read_problem(response);
    problem.retry_after_seconds = super::retry_after(response, None);
    problem.message = message(call, &problem);
    match response.status {
        401 => Error::Unauthorized(problem),
        403 => Error::Forbidden(problem),
        404 => Error::NotFound(problem),
        409 => Error::Conflict(problem),
        429 | 500..=599 => Error::Unavailable(problem),
        _ => Error::Altinn(problem),
    }
}

/// " (it asks to wait N s)" when the server said how long.
pub fn wait_hint(retry_after_seconds: Option<u32>) -> String {
    retry_after_seconds.map(|s| format!("; it asks to wait {s} s")).unwrap_or_default()
}

fn text(object: &Json, key: &str) -> Option<String> {
    match object.member(key)? {
        Json::String(s) if !s.is_empty() => Some(crate::text::clip(s, 2000)),
        _ => None,
    }
}

/// Whatever can be read from the body; an empty body gives just the status. Some routes answer
/// a 400 with a bare string (API.md §11, §13), as JSON or as plain text: that is the detail.
pub(super) fn read_problem(response: &HttpResponse) -> Problem {
    let mut problem = Problem { status: response.status, ..Problem::default() };
    let Ok(body) = crate::json::parse(&response.body) else {
        let plain = response.header("content-type").is_some_and(|t| t.to_ascii_lowercase().starts_with("text/plain"));
        let text = String::from_utf8_lossy(&response.body);
        if plain && !text.trim().is_empty() {
            problem.detail = Some(clip(text.trim(), 300));
        }
        return problem;
    };
    let members = match &body {
        Json::Object(members) => members,
        Json::String(s) if !s.trim().is_empty() => {
            problem.detail = Some(clip(s.trim(), 300));
            return problem;
        }
        _ => return problem,
    };
    problem.code = text(&body, "code");
    problem.title = text(&body, "title");
    problem.detail = text(&body, "detail");
    problem.trace_id = text(&body, "traceId");
    if let Some(Json::Object(errors)) = body.member("errors") {
        for (field, messages) in errors {
            let Json::Array(messages) = messages else { continue };
            for message in messages {
                if let Json::String(message) = message {
                    problem.field_errors.push(Violation::new("invalid-body", field.clone(), message.clone()));
                }
            }
        }
    }
    if let Some(Json::Array(items)) = body.member("validationErrors") {
        for item in items {
            let paths: Vec<&str> = match item.member("paths") {
                Some(Json::Array(paths)) => {
                    paths.iter().filter_map(|p| if let Json::String(p) = p { Some(p.as_str()) } else { None }).collect()
                }
                _ => Vec::new(),
            };
            problem.field_errors.push(Violation::new(
                &text(item, "code").unwrap_or_default(),
                paths.join(", "),
                text(item, "title").or_else(|| text(item, "detail")).unwrap_or_default(),
            ));
        }
    }
    for (name, value) in members {
        if !KNOWN.contains(&name.to_ascii_lowercase().as_str()) {
            problem.extensions.push((name.clone(), value.to_text()));
        }
    }
    problem
}

/// A call to the System Register's vendor routes (API.md §13).
fn system_register(call: &Call) -> bool {
    matches!(
        call,
        Call::GetRegisteredSystem(_)
            | Call::ListSystems
            | Call::RegisterSystem(_)
            | Call::ReplaceSystem(_)
            | Call::SetSystemRights { .. }
            | Call::SetSystemAccessPackages { .. }
            | Call::DeleteSystem(_)
            | Call::SystemChangelog(_)
    )
}

fn is_change_request(call: &Call) -> bool {
    matches!(
        call,
        Call::CreateChangeRequest(_)
            | Call::GetChangeRequest(_)
            | Call::GetChangeRequestByExternalRef { .. }
            | Call::ListChangeRequests { .. }
            | Call::WithdrawChangeRequest(_)
    )
}

fn message(call: &Call, p: &Problem) -> String {
    let said = p.detail.as_deref().or(p.title.as_deref()).unwrap_or("no details given");
    // Server text is clipped: a hostile body must not become a megabyte-long message.
    let extension = |name: &str| clip(p.extensions.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map_or("", |(_, v)| v.as_str()), 500);
    match (p.status, p.code.as_deref()) {
        (401, _) => "Altinn refused the token (401): it is missing, expired, or not a Maskinporten token for this environment".into(),
        (403, _) if system_register(call) => format!(
            "Altinn refused (403): the token lacks {}, or the system belongs to another vendor",
            scopes(call).join(" ")
        ),
        (403, _) if super::needs_exchange(call) => "the bureau's token may not administer its clients (403): the bureau must approve its own standard system user for a system holding the access package klientadministrator, and the token must be that system user's".into(),
        (_, Some("AUTH-00079")) => "that organisation is not one of the bureau's clients (AUTH-00079): only clients the bureau already has (roles or delegated packages) can be added".into(),
        (_, Some("AUTH-00080")) => "the client lacks one of the agent system user's access packages (AUTH-00080): a client must hold every package of the agent system user; have the client delegate it to the bureau first".into(),
        (_, Some("AUTH-00063")) if matches!(call, Call::AddClient { .. }) => {
            "the agent system user has no access packages (AUTH-00063): clients can only be added to an agent system user that holds packages".into()
        }
        (403, _) => format!("the token lacks the scope this operation needs (403): ask Maskinporten for {}", scopes(call).join(" ")),
        (_, Some("AUTH-00004")) => {
            "a system user already exists for this customer, system and external ref (AUTH-00004): verify it and use it instead of asking again".into()
        }
        (_, Some("AUTH-00011")) => "Altinn knows no such system for this vendor (AUTH-00011): check the system id, and that the token's organisation owns the system".into(),
        (_, Some("AUTH-00010")) if is_change_request(call) => {
            "no such change request (AUTH-00010): it may have been withdrawn, or was a change that needed none; check the id".into()
        }
        (_, Some("AUTH-00010")) => "no such request (AUTH-00010): it may have been withdrawn; check the id".into(),
        (_, Some("AUTH-00015")) => "no such system user (AUTH-00015): it was never approved, was deleted by the customer, or is an agent system user (change requests are for standard system users only)".into(),
        (_, Some("AUTH-00061")) => "this correlation id names a change request that is no longer New (AUTH-00061): use a new correlation id for a new change".into(),
        (_, Some("AUTH-00007")) if matches!(call, Call::CreateChangeRequest(_)) => {
            "this correlation id names another vendor's pending change request (AUTH-00007): use a new correlation id".into()
        }
        (_, Some("AUTH-00012")) => "Altinn could not store the request (AUTH-00012): try again later".into(),
        (_, Some("AUTH-00013")) => "the request is no longer New (AUTH-00013): it was already approved, rejected or timed out".into(),
        (_, Some("AUTH-00000")) => "Altinn does not know the customer organisation (AUTH-00000): check the organisation number".into(),
        (_, Some("AUTH-00021")) => "the redirect URL is not registered on the system (AUTH-00021): use one of the system's allowedRedirectUrls".into(),
        (_, Some("AUTH-00026")) => "the system has no allowed redirect URLs (AUTH-00026): register one, or leave redirectUrl out".into(),
        (_, Some("AUTH-00063")) => format!("access packages not found on the system (AUTH-00063): {}", extension("NotFoundPackages")),
        (_, Some(code @ ("AUTH-00064" | "AUTH-00065"))) => {
            format!("access packages that cannot be delegated this way ({code}): {}", extension("NotDelegablePackages"))
        }
        (404, None) => match call {
            Call::GetRegisteredSystem(id) => format!("Altinn has no registered system {} for this vendor (404)", crate::text::quote(id)),
            Call::ListAgents { .. } | Call::ListAvailableClients { .. } | Call::ListClients { .. } | Call::AddClient { .. } | Call::RemoveClient { .. } => {
                format!("Altinn knows no such bureau or agent system user (404: {said})")
            }
            _ => "Altinn found nothing there (404)".into(),
        },
        // The generic code of a list of validation errors says nothing: the list does (the code
        // still named once, where every other refusal names its code).
        (400, code @ (None | Some("STD-00000"))) if !p.field_errors.is_empty() => format!(
            "{}: {}",
            match code {
                Some(code) => format!("Altinn refused the request (400 {code})"),
                None => "Altinn refused the body (400)".into(),
            },
            clip(
                &p.field_errors
                    .iter()
                    .map(|v| match (v.code.as_str(), v.field.is_empty()) {
                        ("invalid-body" | "", false) => format!("{}: {}", v.field, v.message),
                        ("invalid-body" | "", true) => v.message.clone(),
                        (code, false) => format!("{code} {}: {}", v.field, v.message),
                        (code, true) => format!("{code}: {}", v.message),
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                1000
            )
        ),
        (429, _) => format!(
            "Altinn is rate-limiting this client (429){}: nothing was done; try again later (this is not a \"no\")",
            wait_hint(p.retry_after_seconds)
        ),
        (status @ 500..=599, code) => format!(
            "Altinn failed ({status}{}): {said}{}; try again later (this is not a \"no\")",
            code.map(|c| format!(" {c}")).unwrap_or_default(),
            wait_hint(p.retry_after_seconds)
        ),
        (status, Some(code)) => format!("Altinn refused the request ({status} {code}): {said}"),
        (status, None) => format!("Altinn refused the request ({status}): {said}"),
    }
}
