//! Route table: which handler answers which method and path, and the stable route
//! names faults are armed on.

use crate::http::{Request, Response};
use crate::state::Shared;
use crate::store::Kind;

pub mod admin;
pub mod auth;
pub mod changerequest;
pub mod confirm;
pub mod enduser;
pub mod exchange;
pub mod maskinporten;
pub mod systemregister;
pub mod systemusers;
pub mod vendor;

/// A customer's decision on the confirm page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    CreateRequest(Kind),
    GetRequest(Kind, String),
    GetRequestByExternalRef { kind: Kind, system_id: String, org_no: String, external_ref: String },
    ListRequests(Kind, String),
    DeleteRequest(String),
    GetSystemUserByQuery,
    ListSystemUsers(String),
    ListRegisteredSystems,
    GetRegisteredSystem(String),
    CreateRegisteredSystem,
    ReplaceRegisteredSystem(String),
    SetSystemRights(String),
    SetSystemAccessPackages(String),
    DeleteRegisteredSystem(String),
    GetSystemChangelog(String),
    ExchangeToken(String),
    ListAgents,
    ListAvailableClients,
    ListClients,
    ChangeClient { add: bool },
    CreateChangeRequest,
    GetChangeRequest(String),
    GetChangeRequestByExternalRef { system_id: String, org_no: String, external_ref: String },
    ListChangeRequests(String),
    DeleteChangeRequest(String),
    MaskinportenToken,
    MaskinportenMetadata,
    ConfirmPage(Kind),
    ConfirmDecision(Kind, Decision),
    ChangeConfirmPage,
    ChangeDecision(Decision),
    SystemUserPage,
    SystemUserDelete,
    AgentClientsPage,
    AgentClientsChange { add: bool },
    DonePage,
    Index,
    Admin(Vec<String>),
    MethodNotAllowed,
    NotFound,
}

/// Every route name a fault can be armed on.
pub const FAULT_ROUTES: &[&str] = &[
    "create_request",
    "create_agent_request",
    "get_request",
    "get_agent_request",
    "get_request_by_external_ref",
    "get_agent_request_by_external_ref",
    "list_requests",
    "list_agent_requests",
    "delete_request",
    "get_system_user_by_query",
    "list_system_users",
    "list_registered_systems",
    "get_registered_system",
    "create_registered_system",
    "update_registered_system",
    "update_registered_system_rights",
    "update_registered_system_access_packages",
    "delete_registered_system",
    "get_registered_system_changelog",
    "exchange_token",
    "list_agents",
    "list_available_clients",
    "list_clients",
    "add_client",
    "remove_client",
    "create_change_request",
    "get_change_request",
    "get_change_request_by_external_ref",
    "list_change_requests",
    "delete_change_request",
    "maskinporten_token",
];

/// The list routes, whose pages carry `links.next` (for `fresh_page_token`).
pub const PAGE_ROUTES: &[&str] = &["list_requests", "list_agent_requests", "list_system_users", "list_change_requests"];

/// The routes that answer requests or system users (for `mismatch`): all but delete (202, no
/// body), the registered system and Maskinporten.
pub const MISMATCH_ROUTES: &[&str] = &[
    "create_request",
    "create_agent_request",
    "get_request",
    "get_agent_request",
    "get_request_by_external_ref",
    "get_agent_request_by_external_ref",
    "list_requests",
    "list_agent_requests",
    "get_system_user_by_query",
    "list_system_users",
];

/// The fault name of a route; `None` for pages, admin routes and misses.
pub fn fault_name(route: &Route) -> Option<&'static str> {
    let by_kind = |k: &Kind, std: &'static str, agent: &'static str| match k {
        Kind::Standard => std,
        Kind::Agent => agent,
    };
    Some(match route {
        Route::CreateRequest(k) => by_kind(k, "create_request", "create_agent_request"),
        Route::GetRequest(k, _) => by_kind(k, "get_request", "get_agent_request"),
        Route::GetRequestByExternalRef { kind, .. } => by_kind(kind, "get_request_by_external_ref", "get_agent_request_by_external_ref"),
        Route::ListRequests(k, _) => by_kind(k, "list_requests", "list_agent_requests"),
        Route::DeleteRequest(_) => "delete_request",
        Route::GetSystemUserByQuery => "get_system_user_by_query",
        Route::ListSystemUsers(_) => "list_system_users",
        Route::ListRegisteredSystems => "list_registered_systems",
        Route::GetRegisteredSystem(_) => "get_registered_system",
        Route::CreateRegisteredSystem => "create_registered_system",
        Route::ReplaceRegisteredSystem(_) => "update_registered_system",
        Route::SetSystemRights(_) => "update_registered_system_rights",
        Route::SetSystemAccessPackages(_) => "update_registered_system_access_packages",
        Route::DeleteRegisteredSystem(_) => "delete_registered_system",
        Route::GetSystemChangelog(_) => "get_registered_system_changelog",
        Route::ExchangeToken(_) => "exchange_token",
        Route::ListAgents => "list_agents",
        Route::ListAvailableClients => "list_available_clients",
        Route::ListClients => "list_clients",
        Route::ChangeClient { add: true } => "add_client",
        Route::ChangeClient { add: false } => "remove_client",
        Route::CreateChangeRequest => "create_change_request",
        Route::GetChangeRequest(_) => "get_change_request",
        Route::GetChangeRequestByExternalRef { .. } => "get_change_request_by_external_ref",
        Route::ListChangeRequests(_) => "list_change_requests",
        Route::DeleteChangeRequest(_) => "delete_change_request",
        Route::MaskinportenToken => "maskinporten_token",
        _ => return None,
    })
}

/// Matches the Altinn routes (literals case-insensitive, as ASP.NET routing is).
fn resolve_altinn(method: &str, s: &[String]) -> Route {
    let l: Vec<String> = s.iter().map(|x| x.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    let v = |i: usize| s[i].clone();
    let only = |m: &str, r: Route| if method == m { r } else { Route::MethodNotAllowed };
    match l.as_slice() {
        ["systemuser", "request", "vendor"] => only("POST", Route::CreateRequest(Kind::Standard)),
        ["systemuser", "request", "vendor", "agent"] => match method {
            "POST" => Route::CreateRequest(Kind::Agent),
            // The GET and DELETE templates `vendor/{requestId}` take "agent" as an id.
            "GET" => Route::GetRequest(Kind::Standard, v(3)),
            "DELETE" => Route::DeleteRequest(v(3)),
            _ => Route::MethodNotAllowed,
        },
        ["systemuser", "request", "vendor", "agent", "byexternalref", _, _, _] => {
            only("GET", Route::GetRequestByExternalRef { kind: Kind::Agent, system_id: v(5), org_no: v(6), external_ref: v(7) })
        }
        ["systemuser", "request", "vendor", "agent", "bysystem", _] => only("GET", Route::ListRequests(Kind::Agent, v(5))),
        ["systemuser", "request", "vendor", "agent", _] => only("GET", Route::GetRequest(Kind::Agent, v(4))),
        ["systemuser", "request", "vendor", "byexternalref", _, _, _] => {
            only("GET", Route::GetRequestByExternalRef { kind: Kind::Standard, system_id: v(4), org_no: v(5), external_ref: v(6) })
        }
        ["systemuser", "request", "vendor", "bysystem", _] => only("GET", Route::ListRequests(Kind::Standard, v(4))),
        ["systemuser", "request", "vendor", _] => match method {
            "GET" => Route::GetRequest(Kind::Standard, v(3)),
            "DELETE" => Route::DeleteRequest(v(3)),
            _ => Route::MethodNotAllowed,
        },
        ["systemuser", "changerequest", "vendor"] => only("POST", Route::CreateChangeRequest),
        ["systemuser", "changerequest", "vendor", "byexternalref", _, _, _] => {
            only("GET", Route::GetChangeRequestByExternalRef { system_id: v(4), org_no: v(5), external_ref: v(6) })
        }
        ["systemuser", "changerequest", "vendor", "bysystem", _] => only("GET", Route::ListChangeRequests(v(4))),
        ["systemuser", "changerequest", "vendor", _] => match method {
            "GET" => Route::GetChangeRequest(v(3)),
            "DELETE" => Route::DeleteChangeRequest(v(3)),
            _ => Route::MethodNotAllowed,
        },
        ["systemuser", "vendor", "byquery"] => only("GET", Route::GetSystemUserByQuery),
        ["systemuser", "vendor", "bysystem", _] => only("GET", Route::ListSystemUsers(v(3))),
        ["systemregister", "vendor"] => match method {
            "GET" => Route::ListRegisteredSystems,
            "POST" => Route::CreateRegisteredSystem,
            _ => Route::MethodNotAllowed,
        },
        ["systemregister", "vendor", _] => match method {
            "GET" => Route::GetRegisteredSystem(v(2)),
            "PUT" => Route::ReplaceRegisteredSystem(v(2)),
            "DELETE" => Route::DeleteRegisteredSystem(v(2)),
            _ => Route::MethodNotAllowed,
        },
        ["systemregister", "vendor", _, "rights"] => only("PUT", Route::SetSystemRights(v(2))),
        ["systemregister", "vendor", _, "accesspackages"] => only("PUT", Route::SetSystemAccessPackages(v(2))),
        ["systemregister", "vendor", _, "changelog"] => only("GET", Route::GetSystemChangelog(v(2))),
        ["exchange", _] => only("GET", Route::ExchangeToken(v(1))),
        ["enduser", "systemuser", "agents"] => only("GET", Route::ListAgents),
        ["enduser", "systemuser", "clients", "available"] => only("GET", Route::ListAvailableClients),
        ["enduser", "systemuser", "clients"] => match method {
            "GET" => Route::ListClients,
            "POST" => Route::ChangeClient { add: true },
            "DELETE" => Route::ChangeClient { add: false },
            _ => Route::MethodNotAllowed,
        },
        _ => Route::NotFound,
    }
}

pub fn resolve(req: &Request, admin: bool) -> Route {
    let s = &req.segments;
    let m = req.method.as_str();
    let lower = |i: usize| s.get(i).map(|x| x.to_ascii_lowercase());
    if s.len() >= 3
        && lower(0).as_deref() == Some("authentication")
        && lower(1).as_deref() == Some("api")
        && lower(2).as_deref() == Some("v1")
    {
        return resolve_altinn(m, &s[3..]);
    }
    if s.first().map(String::as_str) == Some("_sim") {
        return if admin { Route::Admin(s[1..].to_vec()) } else { Route::NotFound };
    }
    let parts: Vec<&str> = s.iter().map(String::as_str).collect();
    match (m, parts.as_slice()) {
        ("GET", []) => Route::Index,
        ("POST", ["token"]) => Route::MaskinportenToken,
        (_, ["token"]) => Route::MethodNotAllowed,
        ("GET", [".well-known", "oauth-authorization-server"]) => Route::MaskinportenMetadata,
        ("GET", ["accessmanagement", "ui", "systemuser", "request"]) => Route::ConfirmPage(Kind::Standard),
        ("GET", ["accessmanagement", "ui", "systemuser", "agentrequest"]) => Route::ConfirmPage(Kind::Agent),
        ("GET", ["accessmanagement", "ui", "systemuser", "changerequest"]) => Route::ChangeConfirmPage,
        ("GET", ["accessmanagement", "ui", "systemuser", "details"]) => Route::SystemUserPage,
        ("POST", ["accessmanagement", "ui", "systemuser", page, decision]) => {
            let kind = match *page {
                "request" => Kind::Standard,
                "agentrequest" => Kind::Agent,
                "changerequest" => {
                    return match *decision {
                        "approve" => Route::ChangeDecision(Decision::Approve),
                        "reject" => Route::ChangeDecision(Decision::Reject),
                        _ => Route::NotFound,
                    }
                }
                "details" if *decision == "delete" => return Route::SystemUserDelete,
                "agentclients" => {
                    return match *decision {
                        "add" => Route::AgentClientsChange { add: true },
                        "remove" => Route::AgentClientsChange { add: false },
                        _ => Route::NotFound,
                    }
                }
                _ => return Route::NotFound,
            };
            match *decision {
                "approve" => Route::ConfirmDecision(kind, Decision::Approve),
                "reject" => Route::ConfirmDecision(kind, Decision::Reject),
                _ => Route::NotFound,
            }
        }
        ("GET", ["accessmanagement", "ui", "systemuser", "agentclients"]) => Route::AgentClientsPage,
        ("GET", ["accessmanagement", "ui", "systemuser", "done"]) => Route::DonePage,
        _ => Route::NotFound,
    }
}

pub fn handle(shared: &Shared, req: &Request, route: &Route) -> Response {
    match route {
        Route::CreateRequest(kind) => vendor::create(shared, req, *kind),
        Route::GetRequest(kind, id) => vendor::get(shared, req, *kind, id),
        Route::GetRequestByExternalRef { kind, system_id, org_no, external_ref } => {
            vendor::get_by_external_ref(shared, req, *kind, system_id, org_no, external_ref)
        }
        Route::ListRequests(kind, system_id) => vendor::list(shared, req, *kind, system_id),
        Route::DeleteRequest(id) => vendor::delete(shared, req, id),
        Route::GetSystemUserByQuery => systemusers::by_query(shared, req),
        Route::ListSystemUsers(system_id) => systemusers::list(shared, req, system_id),
        Route::ListRegisteredSystems => systemregister::list(shared, req),
        Route::GetRegisteredSystem(system_id) => systemregister::get(shared, req, system_id),
        Route::CreateRegisteredSystem => systemregister::create(shared, req),
        Route::ReplaceRegisteredSystem(system_id) => systemregister::replace(shared, req, system_id),
        Route::SetSystemRights(system_id) => systemregister::set_rights(shared, req, system_id),
        Route::SetSystemAccessPackages(system_id) => systemregister::set_packages(shared, req, system_id),
        Route::DeleteRegisteredSystem(system_id) => systemregister::delete(shared, req, system_id),
        Route::GetSystemChangelog(system_id) => systemregister::changelog(shared, req, system_id),
        Route::ExchangeToken(provider) => exchange::exchange(shared, req, provider),
        Route::ListAgents => enduser::agents(shared, req),
        Route::ListAvailableClients => enduser::available(shared, req),
        Route::ListClients => enduser::delegated(shared, req),
        Route::ChangeClient { add } => enduser::change(shared, req, *add),
        Route::CreateChangeRequest => changerequest::create(shared, req),
        Route::GetChangeRequest(id) => changerequest::get(shared, req, id),
        Route::GetChangeRequestByExternalRef { system_id, org_no, external_ref } => {
            changerequest::get_by_external_ref(shared, req, system_id, org_no, external_ref)
        }
        Route::ListChangeRequests(system_id) => changerequest::list(shared, req, system_id),
        Route::DeleteChangeRequest(id) => changerequest::delete(shared, req, id),
        Route::MaskinportenToken => maskinporten::token(shared, req),
        Route::MaskinportenMetadata => maskinporten::metadata(shared),
        Route::ConfirmPage(kind) => confirm::page(shared, req, *kind),
        Route::ConfirmDecision(kind, d) => confirm::decide(shared, req, *kind, *d),
        Route::ChangeConfirmPage => confirm::change_page(shared, req),
        Route::ChangeDecision(d) => confirm::decide_change(shared, req, *d),
        Route::SystemUserPage => confirm::system_user_page(shared, req),
        Route::SystemUserDelete => confirm::system_user_delete(shared, req),
        Route::AgentClientsPage => confirm::clients_page(shared, req),
        Route::AgentClientsChange { add } => confirm::clients_change(shared, req, *add),
        Route::DonePage => confirm::done_page(shared, req),
        Route::Index => confirm::index(shared),
        Route::Admin(rest) => admin::handle(shared, req, rest),
        Route::MethodNotAllowed => Response::empty(405),
        Route::NotFound => Response::empty(404),
    }
}
