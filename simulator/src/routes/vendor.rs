//! The vendor's request routes (API.md §3): create, get, get by external ref, list,
//! delete.

use crate::http::{percent_encode, Request, Response};
use crate::ids;
use crate::json_in::{self, Errors};
use crate::jwt;
use crate::ordered::Ordered;
use crate::problems::{self, auth_problem};
use crate::routes::auth::{self, SCOPE_REQUEST_READ, SCOPE_REQUEST_WRITE};
use crate::rules::{self, Created, RuleError};
use crate::state::{Inner, Shared};
use crate::store::{Kind, StoredRequest};
use crate::views::{self, RequestRender};

/// `Opaque<T>` as the server writes it: base64url of the JSON of the value.
pub fn opaque_encode(json: &str) -> String {
    jwt::b64url(json.as_bytes())
}

pub fn opaque_decode(token: &str) -> Option<serde_json::Value> {
    serde_json::from_slice(&jwt::b64url_decode(token)?).ok()
}

/// The origin handed out in `confirmUrl`.
pub fn confirm_origin(shared: &Shared, inner: &Inner) -> String {
    inner.settings.confirm_host.clone().unwrap_or_else(|| shared.base_url.clone()).trim_end_matches('/').to_string()
}

pub fn is_json_content_type(req: &Request) -> bool {
    match req.header("content-type") {
        Some(ct) => {
            let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
        }
        None => false,
    }
}

fn render_one(shared: &Shared, inner: &Inner, r: &StoredRequest, fresh: bool) -> Ordered {
    let origin = confirm_origin(shared, inner);
    views::request_json(
        r,
        &RequestRender { now_micros: inner.clock.now_micros(), settings: &inner.settings, confirm_origin: Some(&origin), fresh },
    )
}

pub fn create(shared: &Shared, req: &Request, kind: Kind) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REQUEST_WRITE]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !is_json_content_type(req) {
        return problems::framework_problem(415);
    }
    let body = match json_in::parse_create_body(kind, &req.body) {
        Ok(b) => b,
        Err(errors) => return problems::validation_problem(errors),
    };
    let mut inner = shared.lock();
    let shape = inner.settings.problem_shape;
    match rules::create(&mut inner, kind, claims.vendor_org_no(), body, ids::uuid_v4()) {
        Ok(Created::New(id)) => match inner.store.request(&id) {
            Some(r) => {
                let json = render_one(shared, &inner, r, true);
                Response::json(201, &json).header("location", &format!("{}/authentication/api/v1/systemuser/request/{id}", shared.base_url))
            }
            None => problems::internal_error(),
        },
        Ok(Created::Existing(id)) => match inner.store.request(&id) {
            Some(r) => Response::json(200, &render_one(shared, &inner, r, false)),
            None => problems::internal_error(),
        },
        Err(RuleError::Problem(code, ext)) => auth_problem(shape, code, &ext),
        Err(RuleError::Internal) => problems::internal_error(),
    }
}

/// A `Guid` query parameter as ASP.NET binds it: absent → `None` (`Guid.Empty` downstream), an
/// empty or malformed value → a model-state error under the parameter's name.
pub fn guid_query(req: &Request, name: &str, errors: &mut Errors) -> Option<String> {
    let raw = req.query_param(name)?;
    if raw.trim().is_empty() {
        errors.push((name.to_string(), vec![format!("The value '{raw}' is invalid.")]));
        return None;
    }
    let id = ids::parse_guid(raw);
    if id.is_none() {
        errors.push((name.to_string(), vec![format!("The value '{raw}' is not valid.")]));
    }
    id
}

/// 400 for an id that is not a Guid, as ASP.NET model binding answers.
pub fn bad_guid(name: &str, raw: &str) -> Response {
    problems::validation_problem(vec![(name.to_string(), vec![format!("The value '{raw}' is not valid.")])])
}

/// The vendor owns the request's system; otherwise AUTH-00011 (as the server checks).
fn owned(inner: &Inner, r: &StoredRequest, vendor: &str) -> bool {
    inner.systems.system(&r.system_id).is_some_and(|s| s.vendor_org_no() == vendor)
}

pub fn get(shared: &Shared, req: &Request, kind: Kind, raw_id: &str) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REQUEST_READ]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(id) = ids::parse_guid(raw_id) else {
        return bad_guid("requestId", raw_id);
    };
    let Some(vendor) = claims.vendor_org_no() else {
        return Response::empty(401);
    };
    let inner = shared.lock();
    let shape = inner.settings.problem_shape;
    match inner.store.request(&id).filter(|r| r.kind == kind) {
        None => auth_problem(shape, "AUTH-00010", &[]),
        Some(r) if !owned(&inner, r, vendor) => auth_problem(shape, "AUTH-00011", &[]),
        Some(r) => Response::json(200, &render_one(shared, &inner, r, false)),
    }
}

pub fn get_by_external_ref(shared: &Shared, req: &Request, kind: Kind, system_id: &str, org_no: &str, external_ref: &str) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REQUEST_READ]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(vendor) = claims.vendor_org_no() else {
        return Response::empty(401);
    };
    let inner = shared.lock();
    let shape = inner.settings.problem_shape;
    let key = crate::store::DedupeKey {
        party_org_no: org_no.to_string(),
        external_ref: external_ref.to_string(),
        system_id: system_id.to_string(),
    };
    let Some(r) = inner.store.request_by_key(kind, &key) else {
        return auth_problem(shape, "AUTH-00010", &[]);
    };
    if !owned(&inner, r, vendor) {
        return auth_problem(shape, "AUTH-00011", &[]);
    }
    Response::json(200, &render_one(shared, &inner, r, false))
}

/// The origin of `links.next`: the request's own host, or the configured internal host.
pub fn next_origin(shared: &Shared, inner: &Inner, req: &Request) -> String {
    match &inner.settings.next_link_host {
        Some(h) => h.trim_end_matches('/').to_string(),
        None => req.origin(&shared.base_url),
    }
}

pub fn list(shared: &Shared, req: &Request, kind: Kind, system_id: &str) -> Response {
    let claims = match auth::require(shared, req, &[SCOPE_REQUEST_READ]) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(vendor) = claims.vendor_org_no() else {
        return Response::empty(401);
    };
    // `Opaque<Guid>`: base64url of a JSON string holding the last id of the previous page.
    let after = match req.query_param("token") {
        None | Some("") => None,
        Some(t) => match opaque_decode(t).and_then(|v| v.as_str().map(str::to_string)).and_then(|s| ids::parse_guid(&s)) {
            Some(id) => Some(id),
            None => return bad_guid("token", t),
        },
    };
    let inner = shared.lock();
    let shape = inner.settings.problem_shape;
    match inner.systems.system(system_id) {
        Some(s) if s.vendor_org_no() == vendor => {}
        _ => return auth_problem(shape, "AUTH-00011", &[]),
    }
    // `id >` the token. Standard lists are `ORDER BY r.id`; agent lists have no ORDER BY and come
    // in heap order (with `unordered_agent_requests`, as the server).
    let page_size = inner.settings.page_size.max(1);
    let heap_order = kind == Kind::Agent && inner.settings.unordered_agent_requests;
    // One past the page: the token item.
    let mut items: Vec<&StoredRequest> = inner.store.request_page(kind, system_id, after.as_deref(), heap_order, page_size + 1);
    // `Page.Create` makes the token of the first item of the next page, which the next query then
    // skips (`id >`): one item lost at every boundary (`lossy_request_pages`, as the server). Off:
    // the last item of this page.
    let token_item = match inner.settings.lossy_request_pages {
        true => items.get(page_size),
        false => items.get(page_size).and(items.get(page_size - 1)),
    };
    let next = token_item.map(|r| {
        let route = match kind {
            Kind::Standard => "systemuser/request/vendor/bysystem",
            Kind::Agent => "systemuser/request/vendor/agent/bysystem",
        };
        format!(
            "{}/authentication/api/v1/{route}/{}?token={}",
            next_origin(shared, &inner, req),
            percent_encode(system_id),
            opaque_encode(&format!("\"{}\"", r.id))
        )
    });
    items.truncate(page_size);
    let render = RequestRender { now_micros: inner.clock.now_micros(), settings: &inner.settings, confirm_origin: None, fresh: false };
    let data = items.iter().map(|r| views::request_json(r, &render)).collect();
    Response::json(200, &views::page_json(next, data))
}

/// 202 with an empty body. The server checks neither the vendor nor the kind.
pub fn delete(shared: &Shared, req: &Request, raw_id: &str) -> Response {
    if let Err(r) = auth::require(shared, req, &[SCOPE_REQUEST_WRITE]) {
        return r;
    }
    let Some(id) = ids::parse_guid(raw_id) else {
        return bad_guid("requestId", raw_id);
    };
    let mut inner = shared.lock();
    let shape = inner.settings.problem_shape;
    match inner.store.update_request(&id, |r| r.is_deleted = true) {
        true => Response::empty(202),
        false => auth_problem(shape, "AUTH-00010", &[]),
    }
}
