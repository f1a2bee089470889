//! Building requests: inputs validated, every path segment checked and percent-encoded,
//! always on the configured base.

use super::{scopes, Call, Outgoing};
use crate::error::{Error, Violation};
use crate::http::{accept_headers, Header, HttpRequest, Method, MAX_RESPONSE_BYTES};
use crate::identifiers;
use crate::model::{Config, RequestKind};
use crate::url::encode_component;
use crate::validation;
use crate::wire;

const API: &str = "/authentication/api/v1/";
/// Generous for a JWT, small enough that a runaway token source is caught.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

pub fn build(config: &Config, call: &Call) -> Result<Outgoing, Error> {
    let base = format!("{}{API}", config.environment.platform_url());
    let (method, path, body) = match call {
        Call::CreateStandardRequest(input) => {
            let input = validation::validate_standard(input.clone(), None)?;
            (Method::Post, "systemuser/request/vendor".to_string(), Some(wire::encode_standard_request(&input)))
        }
        Call::CreateAgentRequest(input) => {
            let input = validation::validate_agent(input.clone(), None)?;
            (Method::Post, "systemuser/request/vendor/agent".to_string(), Some(wire::encode_agent_request(&input)))
        }
        Call::GetRequest { kind, id } => {
            let id = segment(identifiers::check_request_id(id, "id"))?;
            (Method::Get, format!("systemuser/request/vendor/{}{id}", agent_prefix(*kind)), None)
        }
        Call::GetRequestByExternalRef { kind, system_id, org_no, external_ref } => {
            let (system, org, ext) = all_ok(
                identifiers::check_system_id(system_id, "systemId"),
                identifiers::check_org_no(org_no, "orgNo"),
                identifiers::check_external_ref(external_ref, "externalRef"),
            )?;
            (Method::Get, format!("systemuser/request/vendor/{}byexternalref/{system}/{org}/{ext}", agent_prefix(*kind)), None)
        }
        Call::ListRequests { kind, system_id, page } => {
            let system = segment(identifiers::check_system_id(system_id, "systemId"))?;
            (
                Method::Get,
                format!("systemuser/request/vendor/{}bysystem/{system}{}", agent_prefix(*kind), page_query(page.as_deref())?),
                None,
            )
        }
        Call::WithdrawRequest(id) => {
            let id = segment(identifiers::check_request_id(id, "id"))?;
            (Method::Delete, format!("systemuser/request/vendor/{id}"), None)
        }
        Call::VerifySystemUser { system_id, org_no, external_ref } => {
            let (system, org, ext) = all_ok(
                identifiers::check_system_id(system_id, "systemId"),
                identifiers::check_org_no(org_no, "orgNo"),
                external_ref.as_deref().map_or(Ok(String::new()), |r| identifiers::check_external_ref(r, "externalRef")),
            )?;
            let ext = if ext.is_empty() { String::new() } else { format!("&external-ref={ext}") };
            (Method::Get, format!("systemuser/vendor/byquery?system-id={system}&orgno={org}{ext}"), None)
        }
        Call::ListSystemUsers { system_id, page } => {
            let system = segment(identifiers::check_system_id(system_id, "systemId"))?;
            (Method::Get, format!("systemuser/vendor/bysystem/{system}{}", page_query(page.as_deref())?), None)
        }
        Call::GetRegisteredSystem(system_id) => {
            let system = segment(identifiers::check_system_id(system_id, "systemId"))?;
            (Method::Get, format!("systemregister/vendor/{system}"), None)
        }
        Call::CreateChangeRequest(change) => {
            let (user, correlation) = both_ok(
                identifiers::check_request_id(&change.system_user_id, "systemUserId"),
                identifiers::check_correlation_id(&change.correlation_id, "correlationId"),
            )?;
            let body = wire::encode_change_request(change);
            (Method::Post, format!("systemuser/changerequest/vendor?correlation-id={correlation}&system-user-id={user}"), Some(body))
        }
        Call::GetChangeRequest(id) => {
            let id = segment(identifiers::check_request_id(id, "id"))?;
            (Method::Get, format!("systemuser/changerequest/vendor/{id}"), None)
        }
        Call::GetChangeRequestByExternalRef { system_id, org_no, external_ref } => {
            let (system, org, ext) = all_ok(
                identifiers::check_system_id(system_id, "systemId"),
                identifiers::check_org_no(org_no, "orgNo"),
                identifiers::check_external_ref(external_ref, "externalRef"),
            )?;
            (Method::Get, format!("systemuser/changerequest/vendor/byexternalref/{system}/{org}/{ext}"), None)
        }
        Call::ListChangeRequests { system_id } => {
            let system = segment(identifiers::check_system_id(system_id, "systemId"))?;
            (Method::Get, format!("systemuser/changerequest/vendor/bysystem/{system}"), None)
        }
        Call::WithdrawChangeRequest(id) => {
            let id = segment(identifiers::check_request_id(id, "id"))?;
            (Method::Delete, format!("systemuser/changerequest/vendor/{id}"), None)
        }
        Call::ListSystems => (Method::Get, "systemregister/vendor".to_string(), None),
        Call::RegisterSystem(system) => {
            let system = validation::validate_system(system.clone())?;
            (Method::Post, "systemregister/vendor".to_string(), Some(wire::encode_registered_system(&system)))
        }
        Call::ReplaceSystem(system) => {
            let system = validation::validate_system(system.clone())?;
            let id = encode_component(&system.id);
            (Method::Put, format!("systemregister/vendor/{id}"), Some(wire::encode_registered_system(&system)))
        }
        Call::SetSystemRights { system_id, rights } => {
            let system = segment(identifiers::check_system_id(system_id, "systemId"))?;
            let rights = validation::validate_system_rights(rights.clone())?;
            (Method::Put, format!("systemregister/vendor/{system}/rights"), Some(wire::encode_rights(&rights)))
        }
        Call::SetSystemAccessPackages { system_id, access_packages } => {
            let system = segment(identifiers::check_system_id(system_id, "systemId"))?;
            // Visibility is the stored system's: the operation checks agent-only packages against it.
            let packages = validation::validate_system_packages(access_packages.clone(), false)?;
            (Method::Put, format!("systemregister/vendor/{system}/accesspackages"), Some(wire::encode_packages(&packages)))
        }
        Call::DeleteSystem(system_id) => {
            let system = segment(identifiers::check_system_id(system_id, "systemId"))?;
            (Method::Delete, format!("systemregister/vendor/{system}"), None)
        }
        Call::SystemChangelog(system_id) => {
            let system = segment(identifiers::check_system_id(system_id, "systemId"))?;
            (Method::Get, format!("systemregister/vendor/{system}/changelog"), None)
        }
        Call::ExchangeToken => (Method::Get, "exchange/maskinporten".to_string(), None),
        Call::ListAgents { party_org_no } => {
            let org = segment(identifiers::check_org_no(party_org_no, "party"))?;
            (Method::Get, format!("enduser/systemuser/agents?party={org}"), None)
        }
        Call::ListAvailableClients { agent } => {
            let agent = segment(identifiers::check_request_id(agent, "agent"))?;
            (Method::Get, format!("enduser/systemuser/clients/available?agent={agent}"), None)
        }
        Call::ListClients { agent } => {
            let agent = segment(identifiers::check_request_id(agent, "agent"))?;
            (Method::Get, format!("enduser/systemuser/clients?agent={agent}"), None)
        }
        Call::AddClient { agent, client } | Call::RemoveClient { agent, client } => {
            let (agent, client) = both_ok(identifiers::check_request_id(agent, "agent"), identifiers::check_request_id(client, "client"))?;
            let method = if matches!(call, Call::AddClient { .. }) { Method::Post } else { Method::Delete };
            (method, format!("enduser/systemuser/clients?agent={agent}&client={client}"), None)
        }
    };
    // The exchange answers with the Altinn token as bare text.
    let accept = if matches!(call, Call::ExchangeToken) { "text/plain" } else { "application/json" };
    let mut headers = accept_headers(accept);
    if body.is_some() {
        headers.push(Header { name: "Content-Type".into(), value: "application/json".into() });
    }
    Ok(Outgoing {
        request: HttpRequest {
            method,
            url: format!("{base}{path}"),
            headers,
            body,
            timeout_ms: config.timeout_ms,
            max_response_bytes: MAX_RESPONSE_BYTES,
        },
        scopes: scopes(call),
    })
}

fn agent_prefix(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Standard => "",
        RequestKind::Agent => "agent/",
    }
}

fn segment(checked: Result<String, Violation>) -> Result<String, Error> {
    checked.map(|s| encode_component(&s)).map_err(|v| Error::Validation(vec![v]))
}

fn both_ok(a: Result<String, Violation>, b: Result<String, Violation>) -> Result<(String, String), Error> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((encode_component(&a), encode_component(&b))),
        (a, b) => Err(Error::Validation([a.err(), b.err()].into_iter().flatten().collect())),
    }
}

fn all_ok(
    a: Result<String, Violation>,
    b: Result<String, Violation>,
    c: Result<String, Violation>,
) -> Result<(String, String, String), Error> {
    match (a, b, c) {
        (Ok(a), Ok(b), Ok(c)) => Ok((encode_component(&a), encode_component(&b), encode_component(&c))),
        (a, b, c) => Err(Error::Validation([a.err(), b.err(), c.err()].into_iter().flatten().collect())),
    }
}

fn page_query(page: Option<&str>) -> Result<String, Error> {
    match page {
        None => Ok(String::new()),
        Some(token) if !super::is_usable_page_token(token) => {
            Err(Error::invalid("page-token", "page", "the page token must be the non-empty `next-page` value of the previous page"))
        }
        Some(token) => Ok(format!("?token={}", encode_component(token))),
    }
}

/// Adds the bearer token. Refuses what cannot be a header value; the error never holds the token.
pub fn authorize(mut request: HttpRequest, token: &str) -> Result<HttpRequest, Error> {
    if token.is_empty() {
        return Err(Error::Token("the token source gave an empty token".into()));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::Token(format!(
            "the token source gave a token of {} bytes; more than {MAX_TOKEN_LEN} is not a Maskinporten token",
            token.len()
        )));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::Token(
            "the token holds a character that cannot be sent in an HTTP header (a newline, space, NUL or non-ASCII); check the token source".into(),
        ));
    }
    request.headers.retain(|h| !h.name.eq_ignore_ascii_case("authorization"));
    request.headers.push(Header { name: "Authorization".into(), value: format!("Bearer {token}") });
    Ok(request)
}
