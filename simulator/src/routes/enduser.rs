//! The client-delegation routes for agent system users (API.md §12,
//! `SystemUserClientDelegationController`) under `enduser/systemuser/`: the agent system users of
//! an organisation, the clients that could be added, the delegated clients, add and remove. The
//! rules of Access Management and the PDP live in `delegation`.

use serde_json::json;

use crate::delegation::{self, ClientKey, DelegationError};
use crate::error_codes::vld;
use crate::http::{Request, Response};
use crate::json_in::Errors;
use crate::ordered::{node_of, Ordered};
use crate::problems::{self, auth_problem, ValidationItem};
use crate::routes::auth;
use crate::routes::exchange::altinn_issuer;
use crate::routes::vendor::guid_query;
use crate::state::{Inner, Shared};
use crate::store::{Kind, SystemUser};
use crate::tokens::AccessClaims;

pub const SCOPE_CLIENTS_READ: &str = "altinn:clientdelegations.read";
pub const SCOPE_CLIENTS_WRITE: &str = "altinn:clientdelegations.write";

/// What a route binds from its query: `agent`, and `client` on POST and DELETE (`None` there is
/// `Guid.Empty`).
struct Query {
    agent: Option<String>,
    client: Option<Option<String>>,
}

/// Token and scope, then the query's Guids (a malformed one is the framework's 400).
fn bind(shared: &Shared, req: &Request, scope: &str, with_client: bool) -> Result<(AccessClaims, Query), Response> {
    let claims = auth::require(shared, req, &[scope])?;
    let mut errors = Errors::new();
    let agent = guid_query(req, "agent", &mut errors);
    let client = with_client.then(|| guid_query(req, "client", &mut errors));
    if !errors.is_empty() {
        return Err(problems::validation_problem(errors));
    }
    Ok((claims, Query { agent, client }))
}

fn problem(inner: &Inner, e: DelegationError) -> Response {
    auth_problem(inner.settings.problem_shape, e.code(), &e.extensions())
}

/// Checks 2 to 5 of §12, in order: one validation problem for `agent` (missing, unknown or
/// deleted: AUTH.VLD-00014; not an agent: 00015) and `client` (missing: 00016); the owner not in
/// the register (404, no code); the owner without a party uuid (401); the PDP (403). Answers the
/// agent system user.
fn checked(inner: &Inner, shared: &Shared, claims: &AccessClaims, q: &Query) -> Result<SystemUser, Response> {
    let mut items = Vec::new();
    let user = match &q.agent {
        None => {
            items.push(ValidationItem::new(vld::AGENT_MISSING, "?agent"));
            None
        }
        Some(id) => match inner.store.active_system_user(id) {
            None => {
                items.push(ValidationItem::new(vld::AGENT_NOT_FOUND, "?agent"));
                None
            }
            Some(u) if u.kind != Kind::Agent => {
                items.push(ValidationItem::new(vld::AGENT_NOT_AGENT, "?agent"));
                None
            }
            Some(u) => Some(u.clone()),
        },
    };
    if let Some(None) = q.client {
        items.push(ValidationItem::new(vld::CLIENT_MISSING, "?client"));
    }
    let user = match (user, items.is_empty()) {
        (Some(u), true) => u,
        _ => return Err(problems::validation_errors(inner.settings.problem_shape, &items)),
    };
    let Some(owner) = inner.organization(&user.reportee_org_no) else {
        return Err(problems::plain_problem(
            404,
            None,
            "System Owner not Found",
            &format!("No associated party information found for systemuser owner {}", user.reportee_org_no),
        ));
    };
    if owner.party_uuid().is_none() {
        return Err(Response::empty(401));
    }
    if !delegation::may_administer_clients(inner, claims, &altinn_issuer(shared), &user.reportee_org_no) {
        return Err(Response::empty(403));
    }
    Ok(user)
}

/// `ClientInfoPaginated<ClientInfo>`: no paging, so `links` is always `{}`.
fn client_list(agent: &str, owner: &str, clients: Vec<(&str, &str, &str)>) -> Ordered {
    let data: Vec<Ordered> = clients
        .into_iter()
        .map(|(uuid, org, name)| {
            Ordered::new().with("clientId", uuid).with("clientOrganizationNumber", org).with("clientOrganizationName", name)
        })
        .collect();
    Ordered::new()
        .with("links", json!({}))
        .with("systemUserInformation", json!({"systemUserId": agent, "systemUserOwnerOrg": owner}))
        .with("data", data)
}

/// `GET clients/available?agent=`: the owner's clients that hold any of the agent's packages.
pub fn available(shared: &Shared, req: &Request) -> Response {
    let (claims, q) = match bind(shared, req, SCOPE_CLIENTS_READ, false) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let inner = shared.lock();
    let user = match checked(&inner, shared, &claims, &q) {
        Ok(u) => u,
        Err(r) => return r,
    };
    match delegation::available(&inner, &user) {
        Ok(clients) => {
            let rows = clients.iter().map(|c| (c.party_uuid, c.org.org_no(), c.org.name().unwrap_or_default())).collect();
            Response::json(200, &client_list(&user.id, &user.reportee_org_no, rows))
        }
        Err(e) => problem(&inner, e),
    }
}

/// `GET clients?agent=`: the clients delegated to the agent system user.
pub fn delegated(shared: &Shared, req: &Request) -> Response {
    let (claims, q) = match bind(shared, req, SCOPE_CLIENTS_READ, false) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let inner = shared.lock();
    let user = match checked(&inner, shared, &claims, &q) {
        Ok(u) => u,
        Err(r) => return r,
    };
    match delegation::delegated(&inner, &user) {
        Ok(orgs) => {
            let rows = orgs.iter().filter_map(|o| Some((o.party_uuid()?, o.org_no(), o.name().unwrap_or_default()))).collect();
            Response::json(200, &client_list(&user.id, &user.reportee_org_no, rows))
        }
        Err(e) => problem(&inner, e),
    }
}

/// `POST clients?agent=&client=` and `DELETE clients?agent=&client=`: `{"agent","client"}`.
pub fn change(shared: &Shared, req: &Request, add: bool) -> Response {
    let (claims, q) = match bind(shared, req, SCOPE_CLIENTS_WRITE, true) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut inner = shared.lock();
    let user = match checked(&inner, shared, &claims, &q) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let client = q.client.flatten().unwrap_or_default();
    let done = match add {
        // Access Management's client list needs the read scope too.
        true => delegation::delegate(&mut inner, &user.id, ClientKey::PartyUuid(&client), claims.has_scope(SCOPE_CLIENTS_READ)),
        false => delegation::revoke(&mut inner, &user.id, ClientKey::PartyUuid(&client)),
    };
    match done {
        Ok(()) => Response::json(200, &json!({"agent": user.id, "client": client})),
        Err(e) => problem(&inner, e),
    }
}

/// `GET agents?party=<orgno>`: the organisation's active agent system users
/// (`SystemUserInternalDTO`). Unknown organisation → 404 `Party not found`; no party uuid → 500
/// (the server dereferences it); then the PDP.
pub fn agents(shared: &Shared, req: &Request) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_CLIENTS_READ]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(party) = req.query_param("party").filter(|p| !p.trim().is_empty()) else {
        return problems::validation_problem(vec![("party".into(), vec!["The party field is required.".into()])]);
    };
    let inner = shared.lock();
    let Some(org) = inner.organization(party) else {
        return problems::plain_problem(
            404,
            None,
            "Party not found",
            &format!("No associated party information found for organisation {party}"),
        );
    };
    if org.party_uuid().is_none() {
        return problems::internal_error();
    }
    if !delegation::may_administer_clients(&inner, &claims, &altinn_issuer(shared), party) {
        return Response::empty(403);
    }
    let party_id = org.party_id().map(|n| n.to_string()).unwrap_or_default();
    let mut users: Vec<&SystemUser> = inner.store.system_users_of(party).filter(|u| !u.is_deleted && u.kind == Kind::Agent).collect();
    users.sort_by_key(|u| u.sequence_no);
    let list: Vec<Ordered> = users.into_iter().map(|u| agent_json(&inner, u, &party_id)).collect();
    Response::json(200, &list)
}

/// `SystemUserInternalDTO` as `GetAllActiveAgentSystemUsersForParty` fills it: no product name,
/// party uuid or supplier name (the query does not read them), the vendor's bare org number.
fn agent_json(inner: &Inner, u: &SystemUser, party_id: &str) -> Ordered {
    let system = inner.systems.row(&u.system_id);
    Ordered::new()
        .with("id", u.id.as_str())
        .with("integrationTitle", u.integration_title.as_str())
        .with("systemId", u.system_id.as_str())
        .with("productName", "")
        .with("systemInternalId", node_of(&system.map(|r| r.internal_id.as_str())))
        .with("partyId", party_id)
        .with("partyUuId", "")
        .with("reporteeOrgNo", u.reportee_org_no.as_str())
        .with("created", crate::clock::format_timestamp(u.created_micros))
        .with("isDeleted", u.is_deleted)
        .with("supplierName", "")
        .with("supplierOrgno", system.map(|r| r.system.vendor_org_no()).unwrap_or_default())
        .with("externalRef", u.external_ref.as_str())
        .with("userType", u.kind.as_str())
        .with("accessPackages", node_of(&u.access_packages))
}
