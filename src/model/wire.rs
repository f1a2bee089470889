//! Altinn's JSON shapes (API.md §4) and their mapping to the model. Member names are read
//! case-insensitively (as the server reads its input); unknown members are ignored; `null` is
//! the same as absent; a member of the wrong type is an error. Written camelCase, nulls omitted.
//!
//! Read by hand from `Json`: one code path for every shape keeps the component small.

use super::{
    AccessPackage, AgentRequestInput, AttributePair, ChangeRequest, ChangeRequestStatus, DateTime, LocalizedText, NewChangeRequest, Page,
    RegisteredSystem, RequestKind, RequestStatus, Right, StandardRequestInput, SystemUser, SystemUserRequest, UserType,
};
use crate::identifiers;
use crate::json::{self, same_name, Value};
use std::cell::Cell;
use std::fmt;

/// Parses a body; member names are then looked up ASCII-case-insensitively.
pub fn parse_body(body: &[u8]) -> Result<Value<'_>, String> {
    json::parse_borrowed(body).map_err(|e| format!("not valid JSON: {e}"))
}

/// Where a value is, for error messages: written out only when there is an error.
#[derive(Clone, Copy)]
enum Path<'p> {
    /// The whole body by name (`""` for a create body, whose members are named bare).
    Root(&'p str),
    Member(&'p Path<'p>, &'p str),
    Item(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Member(Path::Root(""), name) => f.write_str(name),
            Path::Member(parent, name) => write!(f, "{parent}.{name}"),
            Path::Item(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// An object whose members are read by name (ASCII-case-insensitively); errors name the path.
struct Obj<'v, 'p> {
    members: &'v [(std::borrow::Cow<'v, str>, Value<'v>)],
    path: Path<'p>,
    /// Where the next lookup starts: just after the member found last.
    next: Cell<usize>,
}

fn type_name(v: &Value<'_>) -> &'static str {
    v.type_name()
}

impl<'v, 'p> Obj<'v, 'p> {
    fn new(value: &'v Value<'v>, path: Path<'p>) -> Result<Self, String> {
        match value {
            Value::Object(members) => Ok(Obj { members, path, next: Cell::new(0) }),
            other => Err(format!("{path} must be an object, not {}", type_name(other))),
        }
    }

    fn get(&self, name: &str) -> Option<&'v Value<'v>> {
        // Names are unique (the parser refuses duplicates), so where the search starts does not
        // change what it finds; starting after the last member found makes reading the members
        // in the order the server writes them one comparison each.
        let n = self.members.len();
        let start = self.next.get();
        for k in 0..n {
            let i = if start + k >= n { start + k - n } else { start + k };
            let (key, value) = &self.members[i];
            if same_name(key, name) {
                self.next.set(i + 1);
                return (!matches!(value, Value::Null)).then_some(value);
            }
        }
        None
    }

    fn wrong(&self, name: &str, expected: &str, got: &Value<'_>) -> String {
        format!("{} must be {expected}, not {}", Path::Member(&self.path, name), type_name(got))
    }

    /// The string member `name` as it is in the body.
    fn text(&self, name: &str) -> Result<Option<&'v str>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(name, "a string", other)),
        }
    }

    fn str(&self, name: &str) -> Result<Option<String>, String> {
        Ok(self.text(name)?.map(str::to_string))
    }

    fn required_text(&self, name: &str) -> Result<&'v str, String> {
        self.text(name)?.filter(|s| !s.is_empty()).ok_or_else(|| format!("{} is missing", Path::Member(&self.path, name)))
    }

    fn required(&self, name: &str) -> Result<String, String> {
        self.required_text(name).map(str::to_string)
    }

    fn bool(&self, name: &str) -> Result<bool, String> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.wrong(name, "true or false", other)),
        }
    }

    /// Each item of list `name` read with `item`, or `None` when the member is absent.
    fn each<T>(&self, name: &str, item: impl Fn(&'v Value<'v>, &Path<'_>) -> Result<T, String>) -> Result<Option<Vec<T>>, String> {
        let items = match self.get(name) {
            None => return Ok(None),
            Some(Value::Array(items)) => items,
            Some(other) => return Err(self.wrong(name, "a list", other)),
        };
        let path = Path::Member(&self.path, name);
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            out.push(item(v, &Path::Item(&path, i))?);
        }
        Ok(Some(out))
    }

    fn strings(&self, name: &str) -> Result<Vec<String>, String> {
        Ok(self
            .each(name, |v, path| match v {
                Value::String(s) => Ok(s.to_string()),
                other => Err(format!("{path} must be a string, not {}", type_name(other))),
            })?
            .unwrap_or_default())
    }

    fn obj<'s>(&'s self, name: &'s str) -> Result<Option<Obj<'v, 's>>, String> {
        self.get(name).map(|v| Obj::new(v, Path::Member(&self.path, name))).transpose()
    }
}

fn right<'v>(value: &'v Value<'v>, path: &Path<'_>) -> Result<Right, String> {
    let o = Obj::new(value, *path)?;
    let resource = o.each("resource", |v, p| {
        let pair = Obj::new(v, *p)?;
        Ok(AttributePair { id: pair.str("id")?.unwrap_or_default(), value: pair.str("value")?.unwrap_or_default() })
    })?;
    Ok(Right { action: o.str("action")?, resource: resource.unwrap_or_default() })
}

fn package<'v>(value: &'v Value<'v>, path: &Path<'_>) -> Result<AccessPackage, String> {
    Ok(AccessPackage { urn: Obj::new(value, *path)?.str("urn")?.unwrap_or_default() })
}

fn created(o: &Obj<'_, '_>) -> Result<Option<DateTime>, String> {
    o.text("created")?.filter(|t| !t.is_empty()).map_or(Ok(None), DateTime::parse)
}

/// A create body as a vendor writes it (both kinds).
struct Create {
    system_id: String,
    party_org_no: String,
    external_ref: Option<String>,
    integration_title: Option<String>,
    rights: Option<Vec<Right>>,
    access_packages: Option<Vec<AccessPackage>>,
    redirect_url: Option<String>,
}

fn decode_create(body: &[u8]) -> Result<Create, String> {
    let value = parse_body(body)?;
    let o = Obj::new(&value, Path::Root("the create body"))?;
    let o = Obj { path: Path::Root(""), ..o };
    Ok(Create {
        system_id: o.str("systemId")?.unwrap_or_default(),
        party_org_no: o.str("partyOrgNo")?.unwrap_or_default(),
        external_ref: o.str("externalRef")?,
        integration_title: o.str("integrationTitle")?,
        rights: o.each("rights", right)?,
        access_packages: o.each("accessPackages", package)?,
        redirect_url: o.str("redirectUrl")?,
    })
}

pub fn decode_standard_request(body: &[u8]) -> Result<StandardRequestInput, String> {
    let c = decode_create(body)?;
    Ok(StandardRequestInput {
        system_id: c.system_id,
        party_org_no: c.party_org_no,
        external_ref: c.external_ref,
        integration_title: c.integration_title,
        rights: c.rights,
        access_packages: c.access_packages,
        redirect_url: c.redirect_url,
    })
}

pub fn decode_agent_request(body: &[u8]) -> Result<AgentRequestInput, String> {
    let c = decode_create(body)?;
    Ok(AgentRequestInput {
        system_id: c.system_id,
        party_org_no: c.party_org_no,
        external_ref: c.external_ref,
        integration_title: c.integration_title,
        access_packages: c.access_packages.unwrap_or_default(),
        redirect_url: c.redirect_url,
        rights: c.rights,
    })
}

/// A create body written straight from the input: camelCase, absent members left out, in the
/// order `systemId`, `partyOrgNo`, `externalRef`, `integrationTitle`, `redirectUrl`, `rights`,
/// `accessPackages`.
struct CreateOut<'a> {
    system_id: &'a str,
    party_org_no: &'a str,
    external_ref: Option<&'a str>,
    integration_title: Option<&'a str>,
    redirect_url: Option<&'a str>,
    rights: Option<&'a [Right]>,
    access_packages: Option<&'a [AccessPackage]>,
}

fn out_create(c: CreateOut<'_>) -> Vec<u8> {
    let mut out = String::with_capacity(512);
    out.push_str("{\"systemId\":");
    json::write_string(c.system_id, &mut out);
    out.push_str(",\"partyOrgNo\":");
    json::write_string(c.party_org_no, &mut out);
    let optional =
        [(",\"externalRef\":", c.external_ref), (",\"integrationTitle\":", c.integration_title), (",\"redirectUrl\":", c.redirect_url)];
    for (name, value) in optional {
        if let Some(v) = value {
            out.push_str(name);
            json::write_string(v, &mut out);
        }
    }
    if let Some(rights) = c.rights {
        write_rights(",\"rights\":", rights, &mut out);
    }
    if let Some(packages) = c.access_packages {
        write_packages(",\"accessPackages\":", packages, &mut out);
    }
    out.push('}');
    out.into_bytes()
}

pub fn encode_standard_request(input: &StandardRequestInput) -> Vec<u8> {
    out_create(CreateOut {
        system_id: &input.system_id,
        party_org_no: &input.party_org_no,
        external_ref: input.external_ref.as_deref(),
        integration_title: input.integration_title.as_deref(),
        redirect_url: input.redirect_url.as_deref(),
        rights: input.rights.as_deref(),
        access_packages: input.access_packages.as_deref(),
    })
}

/// The agent body never carries rights (validation refuses them before this point).
pub fn encode_agent_request(input: &AgentRequestInput) -> Vec<u8> {
    out_create(CreateOut {
        system_id: &input.system_id,
        party_org_no: &input.party_org_no,
        external_ref: input.external_ref.as_deref(),
        integration_title: input.integration_title.as_deref(),
        redirect_url: input.redirect_url.as_deref(),
        rights: None,
        access_packages: Some(&input.access_packages),
    })
}

/// `RequestSystemResponse`.
pub fn request_from_value(value: &Value<'_>, kind: RequestKind) -> Result<SystemUserRequest, String> {
    let o = Obj::new(value, Path::Root("the request"))?;
    let id = o.required_text("id")?;
    let id = identifiers::check_request_id(id, "id").map_err(|v| format!("the request's id is unusable: {}", v.message))?;
    let party_org_no = o.required("partyOrgNo")?;
    // Standard answers always carry `rights` (maybe `[]`); agent answers never carry one. The
    // other shape is an answer about another kind of request than asked.
    let rights = o.each("rights", right)?;
    match (kind, &rights) {
        (RequestKind::Standard, None) => {
            return Err("the answer is about another kind of request than asked: it has no rights member, as an agent request has not, but a standard request was asked for".into())
        }
        (RequestKind::Agent, Some(r)) if !r.is_empty() => {
            return Err("the answer is about another kind of request than asked: it carries rights, as only a standard request does, but an agent request was asked for".into())
        }
        _ => {}
    }
    Ok(SystemUserRequest {
        id,
        kind,
        external_ref: o.text("externalRef")?.filter(|r| !r.is_empty()).map_or_else(|| party_org_no.clone(), str::to_string),
        system_id: o.required("systemId")?,
        party_org_no,
        integration_title: o.str("integrationTitle")?,
        rights: rights.unwrap_or_default(),
        access_packages: o.each("accessPackages", package)?.unwrap_or_default(),
        status: RequestStatus::from_wire(o.required_text("status")?),
        redirect_url: o.text("redirectUrl")?.filter(|u| !u.is_empty()).map(str::to_string),
        confirm_url: o.text("confirmUrl")?.filter(|u| !u.is_empty()).map(str::to_string),
        escalated: o.bool("escalated")?,
        created: created(&o)?,
        timed_out: o.bool("timedOut")?,
    })
}

/// A change request as a vendor writes it (absent lists are empty).
pub fn decode_change_request(body: &[u8]) -> Result<super::ChangeRequestInput, String> {
    let value = parse_body(body)?;
    let o = Obj::new(&value, Path::Root("the change request"))?;
    let o = Obj { path: Path::Root(""), ..o };
    Ok(super::ChangeRequestInput {
        system_id: o.str("systemId")?.unwrap_or_default(),
        party_org_no: o.str("partyOrgNo")?.unwrap_or_default(),
        external_ref: o.str("externalRef")?,
        correlation_id: o.str("correlationId")?,
        required_rights: o.each("requiredRights", right)?.unwrap_or_default(),
        unwanted_rights: o.each("unwantedRights", right)?.unwrap_or_default(),
        required_access_packages: o.each("requiredAccessPackages", package)?.unwrap_or_default(),
        unwanted_access_packages: o.each("unwantedAccessPackages", package)?.unwrap_or_default(),
        redirect_url: o.str("redirectUrl")?,
    })
}

/// A change request (API.md §11): the four lists are always present on the wire; read absent
/// ones as empty all the same.
pub fn change_request_from_value(value: &Value<'_>) -> Result<ChangeRequest, String> {
    let o = Obj::new(value, Path::Root("the change request"))?;
    let id = o.required_text("id")?;
    let id = identifiers::check_request_id(id, "id").map_err(|v| format!("the change request's id is unusable: {}", v.message))?;
    let party_org_no = o.required("partyOrgNo")?;
    Ok(ChangeRequest {
        id,
        external_ref: o.text("externalRef")?.filter(|r| !r.is_empty()).map_or_else(|| party_org_no.clone(), str::to_string),
        system_id: o.required("systemId")?,
        system_user_id: o.required("systemUserId")?,
        party_org_no,
        required_rights: o.each("requiredRights", right)?.unwrap_or_default(),
        unwanted_rights: o.each("unwantedRights", right)?.unwrap_or_default(),
        required_access_packages: o.each("requiredAccessPackages", package)?.unwrap_or_default(),
        unwanted_access_packages: o.each("unwantedAccessPackages", package)?.unwrap_or_default(),
        status: ChangeRequestStatus::from_wire(o.required_text("status")?),
        redirect_url: o.text("redirectUrl")?.filter(|u| !u.is_empty()).map(str::to_string),
        confirm_url: o.text("confirmUrl")?.filter(|u| !u.is_empty()).map(str::to_string),
        created: created(&o)?,
        timed_out: o.bool("timedOut")?,
    })
}

fn write_rights(name: &str, rights: &[Right], out: &mut String) {
    out.push_str(name);
    out.push('[');
    for (i, r) in rights.iter().enumerate() {
        out.push_str(if i > 0 { ",{" } else { "{" });
        if let Some(action) = &r.action {
            out.push_str("\"action\":");
            json::write_string(action, out);
            out.push(',');
        }
        out.push_str("\"resource\":[");
        for (j, p) in r.resource.iter().enumerate() {
            out.push_str(if j > 0 { ",{\"id\":" } else { "{\"id\":" });
            json::write_string(&p.id, out);
            out.push_str(",\"value\":");
            json::write_string(&p.value, out);
            out.push('}');
        }
        out.push_str("]}");
    }
    out.push(']');
}

fn write_packages(name: &str, packages: &[AccessPackage], out: &mut String) {
    out.push_str(name);
    out.push('[');
    for (i, p) in packages.iter().enumerate() {
        out.push_str(if i > 0 { ",{\"urn\":" } else { "{\"urn\":" });
        json::write_string(&p.urn, out);
        out.push('}');
    }
    out.push(']');
}

/// The change request body: the four lists always (an absent list counts as `[]`, a `null` one
/// is refused by the server), `redirectUrl` when given.
pub fn encode_change_request(c: &NewChangeRequest) -> Vec<u8> {
    let mut out = String::with_capacity(256);
    write_rights("{\"requiredRights\":", &c.required_rights, &mut out);
    write_rights(",\"unwantedRights\":", &c.unwanted_rights, &mut out);
    write_packages(",\"requiredAccessPackages\":", &c.required_access_packages, &mut out);
    write_packages(",\"unwantedAccessPackages\":", &c.unwanted_access_packages, &mut out);
    if let Some(u) = &c.redirect_url {
        out.push_str(",\"redirectUrl\":");
        json::write_string(u, &mut out);
    }
    out.push('}');
    out.into_bytes()
}

pub fn system_user_from_value(value: &Value<'_>) -> Result<SystemUser, String> {
    let o = Obj::new(value, Path::Root("the system user"))?;
    let user_type = o.text("userType")?;
    Ok(SystemUser {
        id: o.required("id")?,
        integration_title: o.str("integrationTitle")?,
        system_id: o.required("systemId")?,
        product_name: o.str("productName")?,
        reportee_org_no: o.required("reporteeOrgNo")?,
        created: created(&o)?,
        is_deleted: o.bool("isDeleted")?,
        supplier_name: o.str("supplierName")?,
        supplier_org_no: o.text("supplierOrgNo")?.map(|org| identifiers::normalize_org_no(org).to_string()),
        external_ref: o.str("externalRef")?,
        user_type: match user_type {
            None => UserType::Standard,
            Some(t) if t.eq_ignore_ascii_case("standard") => UserType::Standard,
            Some(t) if t.eq_ignore_ascii_case("agent") => UserType::Agent,
            Some(t) => UserType::Unknown(t.to_string()),
        },
    })
}

/// A page: its items read with `item`, and the raw `links.next` URL.
pub fn page_from_value<T>(value: &Value<'_>, item: impl Fn(&Value<'_>) -> Result<T, String>) -> Result<(Page<T>, Option<String>), String> {
    let o = Obj::new(value, Path::Root("the page"))?;
    let next = match o.obj("links")? {
        Some(links) => links.text("next")?.filter(|n| !n.is_empty()).map(str::to_string),
        None => None,
    };
    let items = o.each("data", |v, _| item(v))?.unwrap_or_default();
    Ok((Page { items, next_page: None }, next))
}

fn text(o: &Obj<'_, '_>, name: &str) -> Result<LocalizedText, String> {
    Ok(match o.obj(name)? {
        Some(t) => LocalizedText { nb: t.str("nb")?, nn: t.str("nn")?, en: t.str("en")? },
        None => LocalizedText::default(),
    })
}

pub fn registered_system_from_value(value: &Value<'_>) -> Result<RegisteredSystem, String> {
    let o = Obj::new(value, Path::Root("the registered system"))?;
    let vendor = match o.obj("vendor")? {
        Some(v) => v.text("ID")?.unwrap_or_default(),
        None => "",
    };
    Ok(RegisteredSystem {
        id: o.required("id")?,
        vendor_org_no: identifiers::normalize_org_no(vendor).to_string(),
        name: text(&o, "name")?,
        description: text(&o, "description")?,
        rights: o.each("rights", right)?.unwrap_or_default(),
        access_packages: o.each("accessPackages", package)?.unwrap_or_default(),
        client_ids: o.strings("clientId")?,
        is_visible: o.bool("isVisible")?,
        allowed_redirect_urls: o.strings("allowedRedirectUrls")?,
        is_deleted: o.bool("isDeleted")?,
    })
}

pub fn decode_registered_system(body: &[u8]) -> Result<RegisteredSystem, String> {
    registered_system_from_value(&parse_body(body)?)
}

fn write_strings(name: &str, list: &[String], out: &mut String) {
    out.push_str(name);
    out.push('[');
    for (i, s) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::write_string(s, out);
    }
    out.push(']');
}

fn write_text(name: &str, t: &LocalizedText, out: &mut String) {
    out.push_str(name);
    out.push('{');
    let mut first = true;
    for (lang, value) in [("nb", &t.nb), ("nn", &t.nn), ("en", &t.en)] {
        if let Some(v) = value {
            out.push_str(if first { "\"" } else { ",\"" });
            out.push_str(lang);
            out.push_str("\":");
            json::write_string(v, out);
            first = false;
        }
    }
    out.push('}');
}

/// A system as `POST`/`PUT systemregister/vendor` take it: the whole record, the vendor as
/// `{"authority": "iso6523-actorid-upis", "ID": "0192:<org>"}` (API.md §13).
pub fn encode_registered_system(s: &RegisteredSystem) -> Vec<u8> {
    let mut out = String::with_capacity(512);
    out.push_str("{\"id\":");
    json::write_string(&s.id, &mut out);
    out.push_str(",\"vendor\":{\"authority\":\"iso6523-actorid-upis\",\"ID\":");
    json::write_string(&format!("0192:{}", s.vendor_org_no), &mut out);
    out.push('}');
    write_text(",\"name\":", &s.name, &mut out);
    write_text(",\"description\":", &s.description, &mut out);
    write_rights(",\"rights\":", &s.rights, &mut out);
    write_packages(",\"accessPackages\":", &s.access_packages, &mut out);
    write_strings(",\"clientId\":", &s.client_ids, &mut out);
    out.push_str(if s.is_visible { ",\"isVisible\":true" } else { ",\"isVisible\":false" });
    write_strings(",\"allowedRedirectUrls\":", &s.allowed_redirect_urls, &mut out);
    out.push('}');
    out.into_bytes()
}

/// A bare list of rights (`PUT …/rights`).
pub fn encode_rights(rights: &[Right]) -> Vec<u8> {
    let mut out = String::new();
    write_rights("", rights, &mut out);
    out.into_bytes()
}

/// A bare list of access packages (`PUT …/accesspackages`).
pub fn encode_packages(packages: &[AccessPackage]) -> Vec<u8> {
    let mut out = String::new();
    write_packages("", packages, &mut out);
    out.into_bytes()
}

/// Each item of a JSON array read with `item`.
pub fn list_from_value<T>(value: &Value<'_>, what: &str, item: impl Fn(&Value<'_>) -> Result<T, String>) -> Result<Vec<T>, String> {
    match value {
        Value::Array(items) => items.iter().map(item).collect(),
        other => Err(format!("{what} must be a list, not {}", type_name(other))),
    }
}

/// An item of `GET systemregister/vendor`: a summary without client ids or redirect URLs.
pub fn system_summary_from_value(value: &Value<'_>) -> Result<RegisteredSystem, String> {
    let o = Obj::new(value, Path::Root("the system"))?;
    Ok(RegisteredSystem {
        id: o.required("systemId")?,
        vendor_org_no: identifiers::normalize_org_no(o.text("systemVendorOrgNumber")?.unwrap_or_default()).to_string(),
        name: text(&o, "name")?,
        description: text(&o, "description")?,
        rights: o.each("rights", right)?.unwrap_or_default(),
        access_packages: o.each("accessPackages", package)?.unwrap_or_default(),
        client_ids: Vec::new(),
        is_visible: o.bool("isVisible")?,
        allowed_redirect_urls: Vec::new(),
        is_deleted: false,
    })
}

/// An entry of `GET systemregister/vendor/{id}/changelog`.
pub fn system_change_from_value(value: &Value<'_>) -> Result<super::SystemChange, String> {
    let o = Obj::new(value, Path::Root("the changelog entry"))?;
    Ok(super::SystemChange {
        system_internal_id: o.required("systemInternalId")?,
        changed_by_org_no: identifiers::normalize_org_no(o.text("changedByOrgNumber")?.unwrap_or_default()).to_string(),
        change_type: o.required("changeType")?,
        changed_data: o.get("changedData").map(Value::to_text).unwrap_or_default(),
        client_id: o.str("clientId")?,
        created: created(&o)?,
    })
}

/// An item of `GET enduser/systemuser/agents`: a system user with its packages and party.
pub fn agent_from_value(value: &Value<'_>) -> Result<super::AgentSystemUser, String> {
    let o = Obj::new(value, Path::Root("the agent system user"))?;
    Ok(super::AgentSystemUser {
        system_user: system_user_from_value(value)?,
        system_internal_id: o.str("systemInternalId")?,
        party_uuid: o.str("partyUuId")?,
        access_packages: o.each("accessPackages", package)?.unwrap_or_default(),
    })
}

/// `{"systemUserInformation": {"systemUserId", "systemUserOwnerOrg"}, "data": [client…]}`.
pub fn client_list_from_value(value: &Value<'_>) -> Result<super::ClientList, String> {
    let o = Obj::new(value, Path::Root("the client list"))?;
    let info = o.obj("systemUserInformation")?.ok_or("the client list has no systemUserInformation")?;
    let clients = o.each("data", |v, p| {
        let c = Obj::new(v, *p)?;
        Ok(super::Client {
            id: c.required("clientId")?,
            org_no: c.required("clientOrganizationNumber")?,
            name: c.str("clientOrganizationName")?,
        })
    })?;
    Ok(super::ClientList {
        system_user_id: info.required("systemUserId")?,
        owner_org_no: identifiers::normalize_org_no(info.text("systemUserOwnerOrg")?.unwrap_or_default()).to_string(),
        clients: clients.unwrap_or_default(),
    })
}

/// `{"agent", "client"}` (the answer to adding or removing a client).
pub fn client_link_from_value(value: &Value<'_>) -> Result<super::ClientLink, String> {
    let o = Obj::new(value, Path::Root("the answer"))?;
    Ok(super::ClientLink { agent: o.required("agent")?, client: o.required("client")? })
}
