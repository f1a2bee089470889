//! An operation's steps (what the host must do next) and its outcome, as JSON. The envelope a
//! document travels in (the C ABI's `"v"`) is the caller's business.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use super::errors::error_json;
use super::time::datetime;
use super::values::{agent_json, change_request_json, client_list_json, request_json, system_change_json, system_json, user_json};
use crate::bindings::wit::{Error, HttpRequest, Method, Outcome, Step};

/// `GET`, `POST`, `PUT`, `DELETE`.
pub fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    }
}

/// `{"method", "url", "headers": [[name, value], …], "body": base64 | null, "timeoutMs",
/// "maxResponseBytes"}`. The headers hold the bearer token: never log this document.
pub fn http_request_json(r: &HttpRequest) -> Value {
    json!({
        "method": method_name(r.method),
        "url": r.url,
        "headers": r.headers.iter().map(|h| json!([h.name, h.value])).collect::<Vec<_>>(),
        "body": r.body.as_ref().map(|b| STANDARD.encode(b)),
        "timeoutMs": r.timeout_ms,
        "maxResponseBytes": r.max_response_bytes,
    })
}

/// A step that asks the host for something: `send`, `sign`, `token`, `wait`. `None` for
/// `done`, whose document needs the operation's result: [`done_step_json`].
pub fn pending_step_json(step: &Step) -> Option<Value> {
    Some(match step {
        Step::Send(request) => json!({"step": "send", "request": http_request_json(request)}),
        Step::Sign(data) => json!({"step": "sign", "data": STANDARD.encode(data)}),
        Step::NeedToken(scopes) => json!({"step": "token", "scopes": scopes}),
        Step::Wait(ms) => json!({"step": "wait", "ms": ms}),
        Step::Done => return None,
    })
}

/// `{"step": "done", "outcome": …}` or `{"step": "done", "error": …}`.
pub fn done_step_json(result: &Result<Outcome, Error>) -> Value {
    match result {
        Ok(outcome) => json!({"step": "done", "outcome": outcome_json(outcome)}),
        Err(error) => json!({"step": "done", "error": error_json(error)}),
    }
}

/// Any step: a pending one, or `done` with the result `finish` gives (called only then).
pub fn step_json(step: &Step, finish: impl FnOnce() -> Result<Outcome, Error>) -> Value {
    pending_step_json(step).unwrap_or_else(|| done_step_json(&finish()))
}

/// An operation's result: `{"outcome": NAME, …}`. The `token` outcome holds a system-user
/// token: a secret.
pub fn outcome_json(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Created(c) => {
            json!({"outcome": "created", "request": request_json(&c.request), "isNew": c.is_new, "reconciled": c.reconciled})
        }
        Outcome::Request(r) => json!({"outcome": "request", "request": request_json(r)}),
        Outcome::Requests(page) => json!({
            "outcome": "requests", "items": page.items.iter().map(request_json).collect::<Vec<_>>(), "nextPage": page.next_page,
        }),
        Outcome::Withdrawn => json!({"outcome": "withdrawn"}),
        Outcome::SystemUser(user) => json!({"outcome": "system-user", "systemUser": user.as_ref().map(user_json)}),
        Outcome::SystemUsers(page) => json!({
            "outcome": "system-users", "items": page.items.iter().map(user_json).collect::<Vec<_>>(), "nextPage": page.next_page,
        }),
        Outcome::RegisteredSystem(system) => json!({"outcome": "registered-system", "system": system_json(system)}),
        Outcome::Token(t) => json!({
            "outcome": "token", "token": {"accessToken": t.token, "scope": t.scope, "expiresAt": datetime(&t.expires_at)},
        }),
        Outcome::ChangeRequestCreated(c) => json!({
            "outcome": "change-request-created", "changeRequest": change_request_json(&c.change_request), "isNew": c.is_new,
            "reconciled": c.reconciled,
        }),
        Outcome::NoChangeNeeded => json!({"outcome": "no-change-needed"}),
        Outcome::ChangeRequest(c) => json!({"outcome": "change-request", "changeRequest": change_request_json(c)}),
        Outcome::ChangeRequests(list) => json!({
            "outcome": "change-requests", "items": list.items.iter().map(change_request_json).collect::<Vec<_>>(),
            "mayBeIncomplete": list.may_be_incomplete,
        }),
        Outcome::Systems(list) => json!({"outcome": "systems", "items": list.iter().map(system_json).collect::<Vec<_>>()}),
        Outcome::SystemRegistered(r) => json!({"outcome": "system-registered", "internalId": r.internal_id, "reconciled": r.reconciled}),
        Outcome::SystemChanged => json!({"outcome": "system-changed"}),
        Outcome::SystemChangelog(list) => {
            json!({"outcome": "system-changelog", "items": list.iter().map(system_change_json).collect::<Vec<_>>()})
        }
        Outcome::Agents(list) => json!({"outcome": "agents", "items": list.iter().map(agent_json).collect::<Vec<_>>()}),
        Outcome::Clients(list) => json!({"outcome": "clients", "clients": client_list_json(list)}),
        Outcome::ClientAdded(l) => json!({"outcome": "client-added", "agent": l.agent, "client": l.client}),
        Outcome::ClientRemoved(l) => json!({"outcome": "client-removed", "agent": l.agent, "client": l.client}),
    }
}
