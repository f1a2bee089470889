//! JSON answers in the server's shapes and member order (API.md §4).

use serde_json::json;

use crate::clock::{format_timestamp, format_utc, ZERO_TIMESTAMP};
use crate::fixture::{Organization, RegisteredSystem};
use crate::ordered::{node_of, Node, Ordered};
use crate::register::{ChangeLogEntry, SystemRow};
use crate::settings::{Settings, TimeoutMode};
use crate::state::Inner;
use crate::store::{Kind, Status, StoredChangeRequest, StoredRequest, SystemUser};

/// Status and `timedOut` as a read shows them now (computed on every read, §6).
pub fn effective_status(r: &StoredRequest, now_micros: i64, s: &Settings) -> (Status, Option<bool>) {
    let window = i64::from(s.timeout_window_days()) * crate::clock::MICROS_PER_DAY;
    let expired = r.created_micros < now_micros.saturating_sub(window);
    match s.timeout_mode {
        TimeoutMode::Current => (r.status, Some(expired)),
        TimeoutMode::Legacy => {
            let status = if expired && r.status == Status::New { Status::Timedout } else { r.status };
            (status, None)
        }
    }
}

/// Whether the request has timed out in either form.
pub fn is_timed_out(r: &StoredRequest, now_micros: i64, s: &Settings) -> bool {
    matches!(effective_status(r, now_micros, s), (Status::Timedout, _) | (_, Some(true)))
}

/// Where the customer's confirm page lives for a request.
pub fn confirm_url(origin: &str, r: &StoredRequest) -> String {
    let page = match r.kind {
        Kind::Standard => "request",
        Kind::Agent => "agentrequest",
    };
    format!("{origin}/accessmanagement/ui/systemuser/{page}?id={}&DONTCHOOSEREPORTEE=true", r.id)
}

pub struct RequestRender<'a> {
    pub now_micros: i64,
    pub settings: &'a Settings,
    /// `Some` on single-request answers, `None` in list items.
    pub confirm_origin: Option<&'a str>,
    /// The fresh object of a 201 (integration title may be absent, `created` may be zeroed).
    pub fresh: bool,
}

pub fn request_json(r: &StoredRequest, o: &RequestRender<'_>) -> Ordered {
    let (status, timed_out) = effective_status(r, o.now_micros, o.settings);
    let mut m = Ordered::new();
    m.put("id", r.id.as_str());
    match (&r.integration_title, o.fresh) {
        (Some(t), _) => {
            m.put("integrationTitle", t.as_str());
        }
        (None, true) => {}
        (None, false) => {
            m.put("integrationTitle", "");
        }
    }
    m.put("externalRef", r.external_ref.as_str()).put("systemId", r.system_id.as_str()).put("partyOrgNo", r.party_org_no.as_str());
    if r.kind == Kind::Standard {
        m.put("rights", node_of(&r.rights));
    }
    m.put("accessPackages", node_of(&r.access_packages)).put("status", status.as_str());
    if let Some(u) = &r.redirect_url {
        m.put("redirectUrl", u.as_str());
    }
    if let Some(origin) = o.confirm_origin {
        m.put("confirmUrl", confirm_url(origin, r));
    }
    m.put("escalated", r.escalated);
    let created =
        if o.fresh && o.settings.zero_created_on_create { ZERO_TIMESTAMP.to_string() } else { format_timestamp(r.created_micros) };
    m.put("created", created);
    if let Some(t) = timed_out {
        m.put("timedOut", t);
    }
    m
}

/// Where the customer's confirm page lives for a change request.
pub fn change_confirm_url(origin: &str, id: &str) -> String {
    format!("{origin}/accessmanagement/ui/systemuser/changerequest?id={id}&DONTCHOOSEREPORTEE=true")
}

/// Whether a change request is older than the window (`ChangeRequestRepository`: 180 days).
pub fn change_timed_out(c: &StoredChangeRequest, now_micros: i64, s: &Settings) -> bool {
    let window = i64::from(s.change_timeout_window_days()) * crate::clock::MICROS_PER_DAY;
    c.created_micros < now_micros.saturating_sub(window)
}

/// How a change request is shown; each shape is what one server path fills in (API.md §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeShape {
    /// GET by id, the 201 and the step-7 replay (`GetChangeRequestByGuid`): everything but
    /// `timedOut`, which is never set.
    Single,
    /// GET byexternalref: the package lists are not copied (`[]`), `timedOut` never set.
    ByExternalRef,
    /// A list item (the repository's row as read): no `confirmUrl`, `timedOut` computed.
    ListItem,
}

/// `ChangeRequestResponse` in the server's member order; `confirm_origin` is needed for the
/// shapes that carry `confirmUrl`.
pub fn change_request_json(c: &StoredChangeRequest, shape: ChangeShape, confirm_origin: &str, now_micros: i64, s: &Settings) -> Ordered {
    let packages = |list| if shape == ChangeShape::ByExternalRef { Node::Array(Vec::new()) } else { node_of(list) };
    let mut m = Ordered::new();
    m.put("id", c.id.as_str())
        .put("externalRef", c.external_ref.as_str())
        .put("systemId", c.system_id.as_str())
        .put("systemUserId", c.system_user_id.as_str())
        .put("partyOrgNo", c.party_org_no.as_str())
        .put("requiredRights", node_of(&c.required_rights))
        .put("unwantedRights", node_of(&c.unwanted_rights))
        .put("requiredAccessPackages", packages(&c.required_access_packages))
        .put("unwantedAccessPackages", packages(&c.unwanted_access_packages))
        .put("status", c.status.as_str());
    if let Some(u) = &c.redirect_url {
        m.put("redirectUrl", u.as_str());
    }
    if shape != ChangeShape::ListItem {
        m.put("confirmUrl", change_confirm_url(confirm_origin, &c.id));
    }
    let timed_out = shape == ChangeShape::ListItem && change_timed_out(c, now_micros, s);
    m.put("created", format_utc(c.created_micros)).put("timedOut", timed_out);
    m
}

/// The 200 of §11 step 6 when all four lists are empty: nothing stored, `NoChangeNeeded`, an
/// empty `confirmUrl` and the default `created`.
pub fn no_change_needed_json(correlation_id: &str, system_user_id: &str, u: &SystemUser, redirect_url: Option<&str>) -> Ordered {
    let mut m = Ordered::new();
    m.put("id", correlation_id)
        .put("externalRef", u.external_ref.as_str())
        .put("systemId", u.system_id.as_str())
        .put("systemUserId", system_user_id)
        .put("partyOrgNo", u.reportee_org_no.as_str());
    for list in ["requiredRights", "unwantedRights", "requiredAccessPackages", "unwantedAccessPackages"] {
        m.put(list, Node::Array(Vec::new()));
    }
    m.put("status", "NoChangeNeeded");
    if let Some(url) = redirect_url {
        m.put("redirectUrl", url);
    }
    m.put("confirmUrl", "").put("created", ZERO_TIMESTAMP).put("timedOut", false);
    m
}

pub fn system_user_json(u: &SystemUser, inner: &Inner) -> Ordered {
    let system = inner.systems.system_including_deleted(&u.system_id);
    let supplier_orgno = system.map(|s| s.vendor.id.clone()).unwrap_or_default();
    let supplier = system.and_then(|s| inner.orgs.get(s.vendor_org_no()));
    let supplier_name = supplier.as_deref().and_then(Organization::name).unwrap_or_default();
    let product = system.and_then(RegisteredSystem::name_nb).unwrap_or_default();
    Ordered::new()
        .with("id", u.id.as_str())
        .with("integrationTitle", u.integration_title.as_str())
        .with("systemId", u.system_id.as_str())
        .with("productName", product)
        .with("reporteeOrgNo", u.reportee_org_no.as_str())
        .with("created", format_timestamp(u.created_micros))
        .with("isDeleted", u.is_deleted)
        .with("supplierName", supplier_name)
        .with("supplierOrgno", supplier_orgno)
        .with("externalRef", u.external_ref.as_str())
        .with("userType", u.kind.as_str())
}

/// `RegisteredSystemResponse` (`GET systemregister/vendor/{id}`).
pub fn system_json(row: &SystemRow) -> Ordered {
    let s = &row.system;
    let packages = if row.access_packages_null { Node::Value(serde_json::Value::Null) } else { node_of(&s.access_packages) };
    Ordered::new()
        .with("id", s.id.as_str())
        .with("vendor", json!({"ID": s.vendor.id}))
        .with("name", json!(s.name))
        .with("description", json!(s.description))
        .with("rights", node_of(&s.rights))
        .with("accessPackages", packages)
        .with("isDeleted", s.is_deleted)
        .with("clientId", json!(s.client_id))
        .with("isVisible", s.is_visible)
        .with("allowedRedirectUrls", json!(s.allowed_redirect_urls))
}

/// `{"links": {"next": …}, "data": [...]}`; `links` is `{}` on the last page.
pub fn page_json(next: Option<String>, data: Vec<Ordered>) -> Ordered {
    let links = match next {
        Some(n) => json!({"next": n}),
        None => json!({}),
    };
    Ordered::new().with("links", links).with("data", data)
}

/// `RegisteredSystemDTO` (an item of `GET systemregister/vendor`).
pub fn system_list_item_json(row: &SystemRow) -> Ordered {
    let s = &row.system;
    let packages = if row.access_packages_null { Node::Value(serde_json::Value::Null) } else { node_of(&s.access_packages) };
    Ordered::new()
        .with("systemId", s.id.as_str())
        .with("systemVendorOrgNumber", s.vendor_org_no())
        .with("systemVendorOrgName", "")
        .with("name", json!(s.name))
        .with("description", json!(s.description))
        .with("rights", node_of(&s.rights))
        .with("accessPackages", packages)
        .with("isVisible", s.is_visible)
}

/// A JSON value as PostgreSQL's `jsonb` gives it back: object keys shorter first, then in byte
/// order (the last of duplicate keys kept).
pub fn jsonb(v: &serde_json::Value) -> Node {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.as_bytes().cmp(b.as_bytes())));
            Node::Object(Ordered(keys.into_iter().map(|k| (k.clone(), jsonb(&m[k]))).collect()))
        }
        serde_json::Value::Array(items) => Node::Array(items.iter().map(jsonb).collect()),
        other => Node::Value(other.clone()),
    }
}

/// `SystemChangeLog` (an item of `GET systemregister/vendor/{id}/changelog`); `created` is a
/// `DateTimeOffset` at offset zero.
pub fn changelog_json(e: &ChangeLogEntry) -> Ordered {
    Ordered::new()
        .with("systemInternalId", e.system_internal_id.as_str())
        .with("changedByOrgNumber", node_of(&e.changed_by_org_number))
        .with("changeType", node_of(&e.change_type))
        .with("changedData", jsonb(&e.changed_data))
        .with("clientId", node_of(&e.client_id))
        .with("created", format!("{}+00:00", format_timestamp(e.created_micros)))
}
