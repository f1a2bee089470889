//! Parsing responses: success shapes per operation, errors through `problem`, the guards
//! against a server that points the customer or the bearer token somewhere else, and the check
//! that an answer is to the question asked.

use super::problem::problem_error;
use super::{Call, Outcome};
use crate::error::Error;
use crate::error::Problem;
use crate::http::{HttpResponse, MAX_RESPONSE_BYTES};
use crate::identifiers::normalize_org_no;
use crate::model::{
    AccessPackage, ChangeRequest, ChangeRequestList, ChangeRequestStatus, Config, NewChangeRequest, RequestKind, Right, SystemUser,
    SystemUserRequest,
};
use crate::text::quote;
use crate::url;
use crate::wire;

pub fn parse(config: &Config, call: &Call, response: &HttpResponse) -> Result<Outcome, Error> {
    let status = response.status;
    if response.body.len() > MAX_RESPONSE_BYTES as usize {
        return Err(Error::InvalidResponse(format!(
            "the {status} response body has {} bytes, more than the {} MiB an Altinn answer can have",
            response.body.len(),
            MAX_RESPONSE_BYTES / (1024 * 1024)
        )));
    }
    let outcome = match (call, status) {
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
        (Call::CreateChangeRequest(asked), 200 | 201) => changed(config, asked, response),
        (Call::GetChangeRequest(_) | Call::GetChangeRequestByExternalRef { .. }, 200) => {
            Ok(Outcome::ChangeRequest(guard_change_confirm(config, change_request(response)?)?))
        }
        (Call::ListChangeRequests { .. }, 200) => {
            let (page, next) = wire::page_from_value(&json(response)?, wire::change_request_from_value).map_err(Error::InvalidResponse)?;
            // Never followed: the server ignores the token of this list (API.md §11).
            Ok(Outcome::ChangeRequests(ChangeRequestList { items: page.items, may_be_incomplete: next.is_some() }))
        }
        (Call::WithdrawChangeRequest(_), 200..=299) => Ok(Outcome::Withdrawn),
        (Call::ListSystems, 200) => Ok(Outcome::Systems(list(response, "the systems", wire::system_summary_from_value)?)),
        (Call::RegisterSystem(_), 200) => registered(response),
        (Call::ReplaceSystem(_) | Call::SetSystemRights { .. } | Call::SetSystemAccessPackages { .. } | Call::DeleteSystem(_), 200) => {
            succeeded(response)
        }
        (Call::SystemChangelog(_), 200) => Ok(Outcome::SystemChangelog(list(response, "the changelog", wire::system_change_from_value)?)),
        (Call::ListAgents { .. }, 200) => Ok(Outcome::Agents(list(response, "the agent system users", wire::agent_from_value)?)),
        (Call::ListAvailableClients { .. } | Call::ListClients { .. }, 200) => {
            Ok(Outcome::Clients(wire::client_list_from_value(&json(response)?).map_err(Error::InvalidResponse)?))
        }
        (Call::AddClient { .. }, 200) => Ok(Outcome::ClientAdded(link(response)?)),
        (Call::RemoveClient { .. }, 200) => Ok(Outcome::ClientRemoved(link(response)?)),
        (_, 400..=599) => Err(problem_error(call, response)),
        _ => Err(Error::InvalidResponse(format!("Altinn answered with HTTP status {status}, which this operation never returns"))),
    }?;
    answers(call, &outcome)?;
    Ok(outcome)
}

fn json(response: &HttpResponse) -> Result<crate::json::Value<'_>, Error> {
    if let Some(content_type) = response.header("content-type") {
        if !content_type.to_ascii_lowercase().contains("json") {
            return Err(Error::InvalidResponse(format!("expected JSON but the content type is {}", quote(content_type))));
        }
    }
    wire::parse_body(&response.body).map_err(|e| Error::InvalidResponse(format!("the {} response is {e}", response.status)))
}

fn list<T>(response: &HttpResponse, what: &str, item: impl Fn(&crate::json::Value<'_>) -> Result<T, String>) -> Result<Vec<T>, Error> {
    wire::list_from_value(&json(response)?, what, item).map_err(Error::InvalidResponse)
}

fn link(response: &HttpResponse) -> Result<crate::model::ClientLink, Error> {
    wire::client_link_from_value(&json(response)?).map_err(Error::InvalidResponse)
}

/// `POST systemregister/vendor` answers 200 with a bare JSON string: the system's internal id.
fn registered(response: &HttpResponse) -> Result<Outcome, Error> {
    match json(response)? {
        crate::json::Value::String(id) if crate::identifiers::check_request_id(&id, "id").is_ok() => {
            Ok(Outcome::SystemRegistered { internal_id: Some(id.to_ascii_lowercase()), reconciled: false })
        }
        other => Err(Error::InvalidResponse(format!("the registered system's id must be a uuid string, not {}", other.type_name()))),
    }
}

/// The System Register's writes answer 200 `{"succeeded": true}`.
fn succeeded(response: &HttpResponse) -> Result<Outcome, Error> {
    let body = json(response)?;
    match &body {
        crate::json::Value::Object(members)
            if members.iter().any(|(k, v)| k.eq_ignore_ascii_case("succeeded") && matches!(v, crate::json::Value::Bool(true))) =>
        {
            Ok(Outcome::SystemChanged)
        }
        _ => Err(Error::InvalidResponse("the System Register did not say the change succeeded".into())),
    }
}

/// The token exchange's answer (API.md §12): an Altinn JWT as bare text, and when it expires
/// (its `exp`; 30 minutes after `issued_at`, the server's `JwtValidityMinutes`, when unreadable).
pub fn parse_exchange(response: &HttpResponse, issued_at: crate::model::DateTime) -> Result<crate::maskinporten::AccessToken, Error> {
    if response.status != 200 {
        let mut problem = super::problem::read_problem(response);
        problem.message = match response.status {
            401 => "Altinn refused to exchange the bureau's Maskinporten token (401): it must be a system-user token of the bureau's own standard system user (Maskinporten client, consumer and authorization_details as for any system-user token)".into(),
            410 => "Altinn refused the exchange (410): the enterprise-user header is not for Maskinporten tokens".into(),
            429 | 500..=599 => format!("Altinn could not exchange the token now ({}); try again later (this is not a \"no\")", response.status),
            status => format!("Altinn refused to exchange the token ({status}): {}", problem.detail.as_deref().unwrap_or("no details given")),
        };
        return Err(match response.status {
            401 => Error::Unauthorized(problem),
            429 | 500..=599 => Error::Unavailable(problem),
            _ => Error::Altinn(problem),
        });
    }
    let text = String::from_utf8_lossy(&response.body);
    let token = text.trim().trim_matches('"');
    if token.is_empty()
        || token.len() > super::MAX_TOKEN_LEN
        || !token.bytes().all(|b| b.is_ascii_graphic())
        || token.split('.').count() != 3
    {
        return Err(Error::InvalidResponse("the token exchange did not answer with a JWT".into()));
    }
    let expires_at =
        crate::maskinporten::jwt_expiry(token).unwrap_or(crate::model::DateTime { seconds: issued_at.seconds + 30 * 60, nanoseconds: 0 });
    Ok(crate::maskinporten::AccessToken { token: crate::secret::Secret::new(token), scope: String::new(), expires_at })
}

fn change_request(response: &HttpResponse) -> Result<ChangeRequest, Error> {
    wire::change_request_from_value(&json(response)?).map_err(Error::InvalidResponse)
}

/// The answer to a change request's POST: made (201), `NoChangeNeeded`, or the change request
/// stored under this correlation id (200), whose body the server ignored: it must be the change
/// asked for, or the correlation id was used for another one (a conflict, never a success).
fn changed(config: &Config, asked: &NewChangeRequest, response: &HttpResponse) -> Result<Outcome, Error> {
    let got = change_request(response)?;
    if got.status == ChangeRequestStatus::NoChangeNeeded {
        return Ok(Outcome::NoChangeNeeded);
    }
    let got = guard_change_confirm(config, got)?;
    if !got.id.eq_ignore_ascii_case(&asked.correlation_id) {
        return Err(mismatch("change request", &asked.correlation_id, &got.id));
    }
    if let Some(what) = change_differs(asked, &got) {
        let message = format!(
            "correlation id {} already names another change ({what} differ from what was asked): the server answered the stored one; use a new correlation id for this change",
            quote(&asked.correlation_id)
        );
        return Err(match response.status {
            200 => Error::Conflict(Problem { status: 200, code: Some("correlation-id-reused".into()), message, ..Problem::default() }),
            _ => Error::InvalidResponse(message),
        });
    }
    Ok(Outcome::ChangeRequestCreated { change_request: got, is_new: response.status == 201, reconciled: false })
}

/// What of a stored change request is not what was asked, if anything: the system user, or
/// one of the four lists as a set (rights as sets of attribute pairs, `action` ignored).
pub fn change_differs(asked: &NewChangeRequest, got: &ChangeRequest) -> Option<&'static str> {
    fn rights(list: &[Right]) -> Vec<Vec<(String, String)>> {
        let mut out: Vec<Vec<(String, String)>> = list
            .iter()
            .map(|r| {
                let mut pairs: Vec<(String, String)> = r.resource.iter().map(|p| (p.id.clone(), p.value.clone())).collect();
                pairs.sort();
                pairs.dedup();
                pairs
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
    fn packages(list: &[AccessPackage]) -> Vec<&str> {
        let mut out: Vec<&str> = list.iter().map(|p| p.urn.as_str()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
    if !got.system_user_id.eq_ignore_ascii_case(&asked.system_user_id) {
        Some("the system user")
    } else if rights(&got.required_rights) != rights(&asked.required_rights) {
        Some("the required rights")
    } else if rights(&got.unwanted_rights) != rights(&asked.unwanted_rights) {
        Some("the unwanted rights")
    } else if packages(&got.required_access_packages) != packages(&asked.required_access_packages) {
        Some("the required access packages")
    } else if packages(&got.unwanted_access_packages) != packages(&asked.unwanted_access_packages) {
        Some("the unwanted access packages")
    } else {
        None
    }
}

fn created(config: &Config, kind: RequestKind, response: &HttpResponse) -> Result<Outcome, Error> {
    let request = wire::request_from_value(&json(response)?, kind).map_err(Error::InvalidResponse)?;
    Ok(Outcome::Created { request: guard_confirm_url(config, request)?, is_new: response.status == 201, reconciled: false })
}

/// Takes only the opaque `token` of `links.next`: the next URL is rebuilt on the configured
/// base, so a link to an internal or foreign host never receives the bearer token.
fn next_page(next: Option<String>) -> Result<Option<String>, Error> {
    let Some(next) = next else { return Ok(None) };
    let refuse = |why: &str| Err(Error::InvalidResponse(format!("links.next {} {why}", quote(&next))));
    let Ok(link) = url::parse(&next) else {
        return refuse("is not a plain absolute URL (userinfo, spaces, control characters or no scheme)");
    };
    match link.query_value("token") {
        Some(token) if super::is_usable_page_token(&token) => Ok(Some(token)),
        Some(_) => refuse("has a page token that cannot be sent back"),
        None => refuse("has no page token"),
    }
}

fn guard_confirm_url(config: &Config, request: SystemUserRequest) -> Result<SystemUserRequest, Error> {
    let path = match request.kind {
        RequestKind::Standard => "/accessmanagement/ui/systemuser/request",
        RequestKind::Agent => "/accessmanagement/ui/systemuser/agentrequest",
    };
    check_confirm_url(config, request.confirm_url.as_deref(), &request.id, path)?;
    Ok(request)
}

fn guard_change_confirm(config: &Config, change: ChangeRequest) -> Result<ChangeRequest, Error> {
    check_confirm_url(config, change.confirm_url.as_deref(), &change.id, "/accessmanagement/ui/systemuser/changerequest")?;
    Ok(change)
}

/// A confirmUrl is shown to the customer: it must be the configured environment's confirm page
/// `expected_path` for this very request `id`, with nothing else in it (no other parameter, no
/// fragment), or it could send the customer anywhere.
fn check_confirm_url(config: &Config, link: Option<&str>, id: &str, expected_path: &str) -> Result<(), Error> {
    let Some(link) = link else { return Ok(()) };
    let expected_origin = config.environment.confirm_url();
    let refuse = |why: &str| {
        Err(Error::InvalidResponse(format!(
            "refusing confirmUrl {}: {why}; a confirm link must be {expected_origin}{expected_path}?id={id}",
            quote(link)
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
    if parsed.fragment.is_some() {
        return refuse("it has a fragment");
    }
    // Altinn's link carries the id and `DONTCHOOSEREPORTEE=true`, nothing else.
    let mut ids = 0;
    for (key, value) in parsed.query_pairs() {
        match key {
            "id" if url::percent_decode(value).eq_ignore_ascii_case(id) => ids += 1,
            "id" => return refuse("it is for another request"),
            "DONTCHOOSEREPORTEE" if value.eq_ignore_ascii_case("true") => {}
            _ => return refuse("it carries a parameter Altinn's link does not have"),
        }
    }
    if ids != 1 {
        return refuse("it does not name this request exactly once");
    }
    Ok(())
}

/// What a call asks about, for comparing with what came back.
struct Asked<'a> {
    system_id: &'a str,
    org_no: &'a str,
    external_ref: &'a str,
}

fn asked<'a>(system_id: &'a str, org_no: &'a str, external_ref: Option<&'a str>) -> Asked<'a> {
    let org_no = normalize_org_no(org_no);
    let external_ref = external_ref.map(str::trim).filter(|r| !r.is_empty()).unwrap_or(org_no);
    Asked { system_id: system_id.trim(), org_no, external_ref }
}

fn mismatch(what: &str, asked: &str, got: &str) -> Error {
    Error::InvalidResponse(format!("the answer is about another {what} than asked: asked {}, got {}", quote(asked), quote(got)))
}

fn same_system(asked: &str, got: &str) -> Result<(), Error> {
    if got != asked {
        return Err(mismatch("system", asked, got));
    }
    Ok(())
}

/// The same system, customer and external ref as asked (a request's or a change request's key).
fn same_key(a: &Asked<'_>, system_id: &str, party_org_no: &str, external_ref: &str) -> Result<(), Error> {
    same_system(a.system_id, system_id)?;
    if normalize_org_no(party_org_no) != a.org_no {
        return Err(mismatch("customer (partyOrgNo)", a.org_no, party_org_no));
    }
    if external_ref != a.external_ref {
        return Err(mismatch("external ref", a.external_ref, external_ref));
    }
    Ok(())
}

fn same_request(a: &Asked<'_>, r: &SystemUserRequest) -> Result<(), Error> {
    same_key(a, &r.system_id, &r.party_org_no, &r.external_ref)
}

fn same_user(a: &Asked<'_>, u: &SystemUser) -> Result<(), Error> {
    same_system(a.system_id, &u.system_id)?;
    if normalize_org_no(&u.reportee_org_no) != a.org_no {
        return Err(mismatch("customer (reporteeOrgNo)", a.org_no, &u.reportee_org_no));
    }
    match u.external_ref.as_deref() {
        Some(got) if !got.is_empty() && got != a.external_ref => Err(mismatch("external ref", a.external_ref, got)),
        _ => Ok(()),
    }
}

/// Binds the answer to the question: the same request id, system, customer and external ref
/// (the request's kind is checked while it is read), and for a page, every item of the system
/// asked about. A server or proxy that answers another question is `invalid-response`, never
/// a success.
fn answers(call: &Call, outcome: &Outcome) -> Result<(), Error> {
    match (call, outcome) {
        (Call::CreateStandardRequest(i), Outcome::Created { request, .. }) => {
            same_request(&asked(&i.system_id, &i.party_org_no, i.external_ref.as_deref()), request)
        }
        (Call::CreateAgentRequest(i), Outcome::Created { request, .. }) => {
            same_request(&asked(&i.system_id, &i.party_org_no, i.external_ref.as_deref()), request)
        }
        (Call::GetRequest { id, .. }, Outcome::Request(r)) if !r.id.eq_ignore_ascii_case(id.trim()) => Err(mismatch("request", id, &r.id)),
        (Call::GetRequestByExternalRef { system_id, org_no, external_ref, .. }, Outcome::Request(r)) => {
            same_request(&asked(system_id, org_no, Some(external_ref)), r)
        }
        (Call::ListRequests { system_id, .. }, Outcome::Requests(page)) => {
            page.items.iter().try_for_each(|r| same_system(system_id.trim(), &r.system_id))
        }
        (Call::VerifySystemUser { system_id, org_no, external_ref }, Outcome::SystemUser(Some(u))) => {
            same_user(&asked(system_id, org_no, external_ref.as_deref()), u)
        }
        (Call::ListSystemUsers { system_id, .. }, Outcome::SystemUsers(page)) => {
            page.items.iter().try_for_each(|u| same_system(system_id.trim(), &u.system_id))
        }
        (Call::GetRegisteredSystem(id), Outcome::RegisteredSystem(s)) => same_system(id.trim(), &s.id),
        (Call::GetChangeRequest(id), Outcome::ChangeRequest(c)) if !c.id.eq_ignore_ascii_case(id.trim()) => {
            Err(mismatch("change request", id, &c.id))
        }
        (Call::GetChangeRequestByExternalRef { system_id, org_no, external_ref }, Outcome::ChangeRequest(c)) => {
            same_key(&asked(system_id, org_no, Some(external_ref)), &c.system_id, &c.party_org_no, &c.external_ref)
        }
        (Call::ListChangeRequests { system_id }, Outcome::ChangeRequests(list)) => {
            list.items.iter().try_for_each(|c| same_system(system_id.trim(), &c.system_id))
        }
        (Call::ListAgents { party_org_no }, Outcome::Agents(agents)) => agents.iter().try_for_each(|a| {
            let owner = &a.system_user.reportee_org_no;
            match normalize_org_no(owner) == normalize_org_no(party_org_no) {
                true => Ok(()),
                false => Err(mismatch("bureau (reporteeOrgNo)", normalize_org_no(party_org_no), owner)),
            }
        }),
        (Call::ListAvailableClients { agent } | Call::ListClients { agent }, Outcome::Clients(list))
            if !list.system_user_id.eq_ignore_ascii_case(agent.trim()) =>
        {
            Err(mismatch("agent system user", agent, &list.system_user_id))
        }
        (Call::AddClient { agent, client } | Call::RemoveClient { agent, client }, Outcome::ClientAdded(l) | Outcome::ClientRemoved(l)) => {
            if !l.agent.eq_ignore_ascii_case(agent.trim()) {
                Err(mismatch("agent system user", agent, &l.agent))
            } else if !l.client.eq_ignore_ascii_case(client.trim()) {
                Err(mismatch("client", client, &l.client))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}
