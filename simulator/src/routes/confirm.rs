//! The customer's side: the confirm pages `confirmUrl` points at (Approve / Reject) for requests
//! and change requests, the result page, a system user's page (what it holds; Delete), and the
//! page to delegate clients to an agent system user.

use crate::delegation::{self, ClientKey};
use crate::html::{esc, frame};
use crate::http::{percent_encode, Request, Response};
use crate::ids;
use crate::lifecycle::{self, DecisionError};
use crate::model::{PackageRef, Right};
use crate::problems;
use crate::routes::Decision;
use crate::state::{Inner, Shared};
use crate::store::{Kind, Status, StoredChangeRequest, StoredRequest};
use crate::views;

const UI: &str = "/accessmanagement/ui/systemuser";

fn org_label(inner: &Inner, org_no: &str) -> String {
    match inner.orgs.get(org_no).as_deref().and_then(|o| o.name()) {
        Some(name) => format!("{} ({})", esc(name), esc(org_no)),
        None => esc(org_no),
    }
}

fn error_page(status: u16, code: &str, nb: &str) -> Response {
    let (_, title) = problems::lookup(code);
    let body = format!(
        "<div class=\"error\" id=\"error\"><p>{}</p><p class=\"en\">{}</p><p><code>{}</code> (HTTP {status})</p></div>",
        esc(nb),
        esc(title),
        esc(code)
    );
    Response::html(status, frame("Noe gikk galt", "Something went wrong", &body))
}

fn not_found_page() -> Response {
    error_page(404, "AUTH-00010", "Fant ingen forespørsel med denne id-en.")
}

/// One `<li>` per right and package, with the package's name from the catalogue.
fn access_items(inner: &Inner, rights: &[Right], packages: &[PackageRef]) -> String {
    let mut items = String::new();
    for right in rights {
        let pairs: Vec<String> = right
            .resource
            .iter()
            .map(|p| {
                format!("<code>{}</code> = <code>{}</code>", esc(p.id.as_deref().unwrap_or("")), esc(p.value.as_deref().unwrap_or("")))
            })
            .collect();
        items.push_str(&format!("<li>Rettighet / Right: {}</li>", pairs.join(", ")));
    }
    for p in packages {
        let urn = p.urn.as_deref().unwrap_or("");
        let name = inner.fixture.package(urn).and_then(|e| e.name.as_deref()).unwrap_or(urn);
        items.push_str(&format!(
            "<li data-urn=\"{}\">Tilgangspakke / Access package: <strong>{}</strong> <code>{}</code></li>",
            esc(urn),
            esc(name),
            esc(urn)
        ));
    }
    if items.is_empty() {
        items.push_str("<li class=\"none\">Ingen <span class=\"en\">/ None</span></li>");
    }
    items
}

fn what_is_asked(inner: &Inner, r: &StoredRequest) -> String {
    format!("<ul id=\"asked\">{}</ul>", access_items(inner, &r.rights, &r.access_packages))
}

fn status_text(status: Status, timed_out: bool) -> (&'static str, &'static str) {
    if timed_out || status == Status::Timedout {
        return ("Forespørselen er utløpt.", "The request has timed out.");
    }
    match status {
        Status::New => ("Venter på godkjenning.", "Waiting for approval."),
        Status::Accepted => ("Forespørselen er godkjent.", "The request has been approved."),
        Status::Rejected => ("Forespørselen er avvist.", "The request has been rejected."),
        Status::Denied => ("Forespørselen er avslått.", "The request has been denied."),
        Status::Timedout => ("Forespørselen er utløpt.", "The request has timed out."),
    }
}

/// `GET …/request?id=…` and `GET …/agentrequest?id=…`.
pub fn page(shared: &Shared, req: &Request, kind: Kind) -> Response {
    let Some(id) = req.query_param("id").and_then(ids::parse_guid) else {
        return not_found_page();
    };
    let inner = shared.lock();
    let Some(r) = inner.store.request(&id).filter(|r| r.kind == kind) else {
        return not_found_page();
    };
    let now = inner.clock.now_micros();
    let (status, _) = views::effective_status(r, now, &inner.settings);
    let timed_out = views::is_timed_out(r, now, &inner.settings);
    let system = inner.systems.system(&r.system_id);
    let system_name = system.and_then(|s| s.name_nb()).unwrap_or(&r.system_id);
    let system_en = system.and_then(|s| s.name.get("en")).map(String::as_str).unwrap_or("");
    let vendor = system.map(|s| org_label(&inner, s.vendor_org_no())).unwrap_or_default();
    let (title_nb, title_en, lead_nb, lead_en, page_path) = match kind {
        Kind::Standard => (
            "Godkjenn systemtilgang",
            "Approve system access",
            "vil ha tilgang til å handle på vegne av virksomheten din med disse rettighetene:",
            "asks for access to act on behalf of your organisation with these rights:",
            "request",
        ),
        Kind::Agent => (
            "Godkjenn klientsystemtilgang",
            "Approve agent system access",
            "vil ha tilgang til å handle for kundene (klientene) til virksomheten din med disse tilgangspakkene:",
            "asks for access to act for your organisation's clients with these access packages:",
            "agentrequest",
        ),
    };
    let (st_nb, st_en) = status_text(status, timed_out);
    let mut body = format!(
        "<p><strong>{sys}</strong> <span class=\"en\">({sys_en})</span> {lead_nb}<br><span class=\"en\">{lead_en}</span></p>\
<dl><dt>System <span class=\"en\">/ System</span></dt><dd id=\"system\">{sys} <code>{sys_id}</code></dd>\
<dt>Leverandør <span class=\"en\">/ Vendor</span></dt><dd id=\"vendor\">{vendor}</dd>\
<dt>Virksomhet <span class=\"en\">/ Organisation</span></dt><dd id=\"customer\">{customer}</dd>\
<dt>Integrasjon <span class=\"en\">/ Integration</span></dt><dd id=\"title\">{title}</dd>\
<dt>Status</dt><dd id=\"status\" data-status=\"{status}\">{st_nb} <span class=\"en\">/ {st_en}</span></dd></dl>\
<h2>Tilganger <span class=\"en\">/ Access</span></h2>{asked}",
        sys = esc(system_name),
        sys_en = esc(system_en),
        sys_id = esc(&r.system_id),
        customer = org_label(&inner, &r.party_org_no),
        title = esc(r.integration_title.as_deref().unwrap_or("")),
        status = status.as_str(),
        asked = what_is_asked(&inner, r),
    );
    if status == Status::New && !timed_out {
        body.push_str(&decision_buttons(page_path, &r.id));
    } else {
        body.push_str(&format!(
            "<p class=\"notice\" id=\"handled\">Denne forespørselen kan ikke lenger behandles. \
<span class=\"en\">This request can no longer be decided.</span></p>{}",
            agent_link(&inner, r)
        ));
    }
    Response::html(200, frame(title_nb, title_en, &body))
}

fn agent_link(inner: &Inner, r: &StoredRequest) -> String {
    let has_user = inner.store.system_user(&r.id).is_some_and(|u| !u.is_deleted);
    if r.kind == Kind::Agent && r.status == Status::Accepted && has_user {
        format!("<p><a id=\"clients-link\" href=\"{UI}/agentclients?id={}\">Deleger klienter / Delegate clients</a></p>", esc(&r.id))
    } else {
        String::new()
    }
}

/// The form posts of Approve and Reject.
pub fn decide(shared: &Shared, req: &Request, kind: Kind, decision: Decision) -> Response {
    let form = req.form();
    let Some(id) = form.iter().find(|(k, _)| k == "id").and_then(|(_, v)| ids::parse_guid(v)) else {
        return not_found_page();
    };
    let mut inner = shared.lock();
    let result = match decision {
        Decision::Approve => lifecycle::approve(&mut inner, &id, Some(kind)).map(|_| ()),
        Decision::Reject => lifecycle::reject(&mut inner, &id, Some(kind)),
    };
    match result {
        Ok(()) => {
            let redirect = inner.store.request(&id).and_then(|r| r.redirect_url.clone()).filter(|u| !u.is_empty());
            match redirect {
                Some(url) => Response::see_other(&url),
                None => Response::see_other(&format!("{UI}/done?id={}", percent_encode(&id))),
            }
        }
        Err(e) => decision_error_page(e),
    }
}

/// The page a failed decision answers, with the status of its AUTH code.
fn decision_error_page(e: DecisionError) -> Response {
    let nb = match e {
        DecisionError::NotFound => return not_found_page(),
        DecisionError::NotNew => "Forespørselen er allerede behandlet eller utløpt, og kan ikke godkjennes eller avvises på nytt.",
        DecisionError::AlreadyExists => "Det finnes allerede en systembruker for dette systemet og denne referansen.",
        DecisionError::NotDelegable(_) => "Du har ikke rettigheter til å delegere det systemet ber om.",
        DecisionError::SystemNotFound => "Systemet finnes ikke i systemregisteret.",
        DecisionError::SystemUserNotFound => "Fant ikke systembrukeren.",
        DecisionError::RightsNotDelegable => "En eller flere rettigheter finnes ikke eller kan ikke delegeres.",
    };
    let (status, _) = problems::lookup(e.code());
    error_page(status, e.code(), nb)
}

/// A link to a system user's page, when it exists.
fn details_link(inner: &Inner, system_user_id: &str) -> String {
    match inner.store.system_user(system_user_id) {
        Some(u) => {
            format!("<p><a id=\"details-link\" href=\"{UI}/details?id={}\">Se systembrukeren / See the system user</a></p>", esc(&u.id))
        }
        None => String::new(),
    }
}

/// Where the browser lands after a decision without `redirectUrl` (a request's or a change
/// request's id).
pub fn done_page(shared: &Shared, req: &Request) -> Response {
    let Some(id) = req.query_param("id").and_then(ids::parse_guid) else {
        return not_found_page();
    };
    let inner = shared.lock();
    let now = inner.clock.now_micros();
    let (status, timed_out, links) = match (inner.store.request(&id), inner.store.change_request(&id)) {
        (Some(r), _) => {
            let (status, _) = views::effective_status(r, now, &inner.settings);
            (status, views::is_timed_out(r, now, &inner.settings), format!("{}{}", agent_link(&inner, r), details_link(&inner, &r.id)))
        }
        (None, Some(c)) => (c.status, false, details_link(&inner, &c.system_user_id)),
        (None, None) => return not_found_page(),
    };
    let (nb, en) = status_text(status, timed_out);
    let body = format!(
        "<p class=\"ok\" id=\"result\" data-status=\"{}\">{} <span class=\"en\">/ {}</span></p>{links}",
        status.as_str(),
        esc(nb),
        esc(en),
    );
    Response::html(200, frame("Ferdig", "Done", &body))
}

/// `GET …/changerequest?id=…`: what the change adds and removes, what the system user holds
/// now, and Approve / Reject while the change request is `New`.
pub fn change_page(shared: &Shared, req: &Request) -> Response {
    let Some(id) = req.query_param("id").and_then(ids::parse_guid) else {
        return not_found_page();
    };
    let inner = shared.lock();
    let Some(c) = inner.store.change_request(&id) else {
        return not_found_page();
    };
    let system = inner.systems.system_including_deleted(&c.system_id);
    let system_name = system.and_then(|s| s.name_nb()).unwrap_or(&c.system_id);
    let system_en = system.and_then(|s| s.name.get("en")).map(String::as_str).unwrap_or("");
    let vendor = system.map(|s| org_label(&inner, s.vendor_org_no())).unwrap_or_default();
    let user = inner.store.system_user(&c.system_user_id);
    let title = user.map(|u| u.integration_title.as_str()).unwrap_or("");
    let current = match user {
        Some(u) if !u.is_deleted => access_items(&inner, &u.rights, &u.access_packages),
        _ => "<li class=\"none\">Systembrukeren er slettet <span class=\"en\">/ The system user is deleted</span></li>".to_string(),
    };
    let (st_nb, st_en) = status_text(c.status, false);
    let mut body = format!(
        "<p><strong>{sys}</strong> <span class=\"en\">({sys_en})</span> vil endre tilgangene til systembrukeren til virksomheten din:\
<br><span class=\"en\">asks to change the access of your organisation's system user:</span></p>\
<dl><dt>System <span class=\"en\">/ System</span></dt><dd id=\"system\">{sys} <code>{sys_id}</code></dd>\
<dt>Leverandør <span class=\"en\">/ Vendor</span></dt><dd id=\"vendor\">{vendor}</dd>\
<dt>Virksomhet <span class=\"en\">/ Organisation</span></dt><dd id=\"customer\">{customer}</dd>\
<dt>Systembruker <span class=\"en\">/ System user</span></dt><dd id=\"system-user\">{title} <code>{user_id}</code></dd>\
<dt>Status</dt><dd id=\"status\" data-status=\"{status}\">{st_nb} <span class=\"en\">/ {st_en}</span></dd></dl>\
<h2>Legges til <span class=\"en\">/ Will be added</span></h2><ul id=\"add\">{add}</ul>\
<h2>Fjernes <span class=\"en\">/ Will be removed</span></h2><ul id=\"remove\">{remove}</ul>\
<h2>Systembrukeren har nå <span class=\"en\">/ The system user has now</span></h2><ul id=\"current\">{current}</ul>",
        sys = esc(system_name),
        sys_en = esc(system_en),
        sys_id = esc(&c.system_id),
        customer = org_label(&inner, &c.party_org_no),
        title = esc(title),
        user_id = esc(&c.system_user_id),
        status = c.status.as_str(),
        add = access_items(&inner, &c.required_rights, &c.required_access_packages),
        remove = access_items(&inner, &c.unwanted_rights, &c.unwanted_access_packages),
    );
    if c.status == Status::New {
        body.push_str(&decision_buttons("changerequest", &c.id));
    } else {
        body.push_str(&format!(
            "<p class=\"notice\" id=\"handled\">Denne forespørselen kan ikke lenger behandles. \
<span class=\"en\">This request can no longer be decided.</span></p>{}",
            details_link(&inner, &c.system_user_id)
        ));
    }
    Response::html(200, frame("Godkjenn endring av systemtilgang", "Approve a change of system access", &body))
}

/// The Approve and Reject forms of a confirm page.
fn decision_buttons(page_path: &str, id: &str) -> String {
    format!(
        "<div class=\"actions\">\
<form method=\"post\" action=\"{UI}/{page_path}/approve\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
<button id=\"approve\" class=\"primary\" type=\"submit\">Godkjenn / Approve</button></form>\
<form method=\"post\" action=\"{UI}/{page_path}/reject\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
<button id=\"reject\" class=\"secondary\" type=\"submit\">Ikke godkjenn / Reject</button></form></div>",
        id = esc(id)
    )
}

/// The form posts of Approve and Reject on the change-request page.
pub fn decide_change(shared: &Shared, req: &Request, decision: Decision) -> Response {
    let form = req.form();
    let Some(id) = form.iter().find(|(k, _)| k == "id").and_then(|(_, v)| ids::parse_guid(v)) else {
        return not_found_page();
    };
    let mut inner = shared.lock();
    let result = match decision {
        Decision::Approve => lifecycle::approve_change(&mut inner, &id),
        Decision::Reject => lifecycle::reject_change(&mut inner, &id),
    };
    match result {
        Ok(()) => {
            let redirect =
                inner.store.change_request(&id).and_then(|c: &StoredChangeRequest| c.redirect_url.clone()).filter(|u| !u.is_empty());
            match redirect {
                Some(url) => Response::see_other(&url),
                None => Response::see_other(&format!("{UI}/done?id={}", percent_encode(&id))),
            }
        }
        Err(e) => decision_error_page(e),
    }
}

/// `GET …/details?id=<system user id>`: the system user as the customer sees it in the portal:
/// its rights and packages (they change when a change request is approved), and Delete.
pub fn system_user_page(shared: &Shared, req: &Request) -> Response {
    let Some(id) = req.query_param("id").and_then(ids::parse_guid) else {
        return error_page(404, "AUTH-00015", "Fant ikke systembrukeren.");
    };
    let inner = shared.lock();
    let Some(u) = inner.store.system_user(&id) else {
        return error_page(404, "AUTH-00015", "Fant ikke systembrukeren.");
    };
    let system = inner.systems.system_including_deleted(&u.system_id);
    let vendor = system.map(|s| org_label(&inner, s.vendor_org_no())).unwrap_or_default();
    let (state, state_nb, state_en) = match u.is_deleted {
        true => ("deleted", "Slettet", "Deleted"),
        false => ("active", "Aktiv", "Active"),
    };
    let mut body = format!(
        "<dl><dt>Systembruker <span class=\"en\">/ System user</span></dt><dd id=\"system-user\">{title} <code>{id}</code></dd>\
<dt>System <span class=\"en\">/ System</span></dt><dd id=\"system\"><code>{sys_id}</code></dd>\
<dt>Leverandør <span class=\"en\">/ Vendor</span></dt><dd id=\"vendor\">{vendor}</dd>\
<dt>Virksomhet <span class=\"en\">/ Organisation</span></dt><dd id=\"customer\">{customer}</dd>\
<dt>Referanse <span class=\"en\">/ Reference</span></dt><dd id=\"external-ref\"><code>{ext}</code></dd>\
<dt>Type</dt><dd id=\"user-type\">{kind}</dd>\
<dt>Status</dt><dd id=\"state\" data-state=\"{state}\">{state_nb} <span class=\"en\">/ {state_en}</span></dd></dl>\
<h2>Rettigheter <span class=\"en\">/ Rights</span></h2><ul id=\"rights\">{rights}</ul>\
<h2>Tilgangspakker <span class=\"en\">/ Access packages</span></h2><ul id=\"packages\">{packages}</ul>",
        title = esc(&u.integration_title),
        id = esc(&u.id),
        sys_id = esc(&u.system_id),
        customer = org_label(&inner, &u.reportee_org_no),
        ext = esc(&u.external_ref),
        kind = u.kind.as_str(),
        rights = access_items(&inner, &u.rights, &[]),
        packages = access_items(&inner, &[], &u.access_packages),
    );
    if !u.is_deleted {
        if u.kind == Kind::Agent {
            body.push_str(&format!(
                "<p><a id=\"clients-link\" href=\"{UI}/agentclients?id={}\">Deleger klienter / Delegate clients</a></p>",
                esc(&u.id)
            ));
        }
        body.push_str(&format!(
            "<div class=\"actions\"><form method=\"post\" action=\"{UI}/details/delete\">\
<input type=\"hidden\" name=\"id\" value=\"{}\">\
<button id=\"delete\" class=\"secondary\" type=\"submit\">Slett systembruker / Delete system user</button></form></div>",
            esc(&u.id)
        ));
    }
    Response::html(200, frame("Systembruker", "System user", &body))
}

/// The form post of Delete on a system user's page (API.md §14).
pub fn system_user_delete(shared: &Shared, req: &Request) -> Response {
    let form = req.form();
    let Some(id) = form.iter().find(|(k, _)| k == "id").and_then(|(_, v)| ids::parse_guid(v)) else {
        return error_page(404, "AUTH-00015", "Fant ikke systembrukeren.");
    };
    let mut inner = shared.lock();
    match lifecycle::delete_system_user(&mut inner, &id, false) {
        Ok(()) => Response::see_other(&format!("{UI}/details?id={}", percent_encode(&id))),
        Err(e) => {
            let (status, _) = problems::lookup(e.code());
            error_page(status, e.code(), "Kunne ikke slette systembrukeren.")
        }
    }
}

/// `GET …/agentclients?id=<system user id>`: delegate the customer's clients.
pub fn clients_page(shared: &Shared, req: &Request) -> Response {
    let Some(id) = req.query_param("id").and_then(ids::parse_guid) else {
        return error_page(404, "AUTH-00015", "Fant ikke systembrukeren.");
    };
    let inner = shared.lock();
    let Some(user) = inner.store.system_user(&id).filter(|u| !u.is_deleted) else {
        return error_page(404, "AUTH-00015", "Fant ikke systembrukeren.");
    };
    if user.kind != Kind::Agent {
        return error_page(400, "AUTH-00034", "Systembrukeren er ikke en klientsystembruker.");
    }
    let form = |action: &str, org: &str, label: &str, id_attr: &str| {
        format!(
            "<form method=\"post\" action=\"{UI}/agentclients/{action}\" style=\"display:inline\">\
<input type=\"hidden\" name=\"id\" value=\"{}\"><input type=\"hidden\" name=\"orgNo\" value=\"{}\">\
<button class=\"secondary\" id=\"{id_attr}-{}\" type=\"submit\">{label}</button></form>",
            esc(&user.id),
            esc(org),
            esc(org)
        )
    };
    let mut delegated = String::new();
    for c in &user.clients {
        delegated.push_str(&format!(
            "<li data-client=\"{}\">{} {}</li>",
            esc(c),
            org_label(&inner, c),
            form("remove", c, "Fjern / Remove", "remove")
        ));
    }
    // What Access Management lists: the owner's clients holding any of the user's packages.
    let clients = match delegation::available(&inner, user) {
        Ok(c) => c,
        Err(e) => {
            let (status, _) = problems::lookup(e.code());
            return error_page(status, e.code(), "Kunne ikke hente klientene.");
        }
    };
    let mut available = String::new();
    for c in clients {
        let org = c.org.org_no();
        if user.clients.iter().any(|d| d == org) {
            continue;
        }
        available.push_str(&format!("<li>{} {}</li>", org_label(&inner, org), form("add", org, "Legg til / Add", "add")));
    }
    let body = format!(
        "<p>Systembruker <span class=\"en\">/ System user</span> <code>{}</code> for {} ({})</p>\
<h2>Delegerte klienter <span class=\"en\">/ Delegated clients</span></h2><ul id=\"clients\">{delegated}</ul>\
<h2>Kunder <span class=\"en\">/ Customers</span></h2><ul id=\"available\">{available}</ul>",
        esc(&user.id),
        org_label(&inner, &user.reportee_org_no),
        esc(&user.system_id)
    );
    Response::html(200, frame("Klienter", "Clients", &body))
}

/// The form posts of Add / Remove on the clients page.
pub fn clients_change(shared: &Shared, req: &Request, add: bool) -> Response {
    let form = req.form();
    let get = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.trim().to_string());
    let (Some(id), Some(org)) = (get("id").and_then(|i| ids::parse_guid(&i)), get("orgNo")) else {
        return error_page(400, "AUTH-00079", "Mangler systembruker eller klient.");
    };
    let mut inner = shared.lock();
    let done = match add {
        true => delegation::delegate(&mut inner, &id, ClientKey::Org(&org), true),
        false => delegation::revoke(&mut inner, &id, ClientKey::Org(&org)),
    };
    match done {
        Ok(()) => Response::see_other(&format!("{UI}/agentclients?id={}", percent_encode(&id))),
        Err(e) => {
            let (status, _) = problems::lookup(e.code());
            error_page(status, e.code(), "Kunne ikke endre klientene.")
        }
    }
}

/// `GET /`: what this server is, for people who open it in a browser.
pub fn index(shared: &Shared) -> Response {
    let inner = shared.lock();
    let mut systems = String::new();
    for s in inner.systems.active() {
        systems.push_str(&format!("<li><code>{}</code> {}</li>", esc(&s.id), esc(s.name_nb().unwrap_or(""))));
    }
    let body = format!(
        "<p>Lokal simulator av Altinns systembruker-API, systemregisteret, Maskinporten og kundens godkjenningsside.\
<br><span class=\"en\">Local simulator of Altinn's system user API, System Register, Maskinporten and the customer's confirm page.</span></p>\
<dl><dt>Altinn API</dt><dd><code>{base}/authentication/api/v1/</code></dd>\
<dt>Maskinporten</dt><dd><code>{base}/token</code> (issuer <code>{base}/</code>)</dd>\
<dt>Admin</dt><dd>{admin}</dd></dl><h2>Systemer <span class=\"en\">/ Systems</span></h2><ul>{systems}</ul>",
        base = esc(&shared.base_url),
        admin = if shared.admin { "<code>/_sim/</code>" } else { "av / off" },
    );
    Response::html(200, frame("Altinn-simulator", "Altinn simulator", &body))
}
