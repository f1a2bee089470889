//! Altinn's JSON shapes (API.md §4) and their mapping to the model. Member names are read
//! case-insensitively (as the server reads its input); unknown members are ignored; `null` is
//! the same as absent; a member of the wrong type is an error. Written camelCase, nulls omitted.
//!
//! Read by hand from `Json`: one code path for every shape keeps the component small.

use super::{
    AccessPackage, AgentRequestInput, AttributePair, DateTime, LocalizedText, Page, RegisteredSystem, RequestKind, RequestStatus, Right,
    StandardRequestInput, SystemUser, SystemUserRequest, UserType,
};
use crate::identifiers;
use crate::json::{self, Json};

/// Parses a body; member names are then looked up ASCII-case-insensitively.
pub fn parse_body(body: &[u8]) -> Result<Json, String> {
    json::parse(body).map_err(|e| format!("not valid JSON: {e}"))
}

/// An object whose members are read by (lower-case) name; errors name the path.
struct Obj<'a> {
    value: &'a Json,
    path: String,
}

fn type_name(v: &Json) -> &'static str {
    v.type_name()
}

impl<'a> Obj<'a> {
    fn new(value: &'a Json, path: &str) -> Result<Self, String> {
        match value {
            Json::Object(_) => Ok(Obj { value, path: path.to_string() }),
            other => Err(format!("{path} must be an object, not {}", type_name(other))),
        }
    }

    fn get(&self, name: &str) -> Option<&'a Json> {
        self.value.member(name).filter(|v| **v != Json::Null)
    }

    fn wrong(&self, name: &str, expected: &str, got: &Json) -> String {
        format!("{}{name} must be {expected}, not {}", self.prefix(), type_name(got))
    }

    fn prefix(&self) -> String {
        if self.path.is_empty() {
            String::new()
        } else {
            format!("{}.", self.path)
        }
    }

    /// `name` is the wire name; it is looked up lower-cased.
    fn str(&self, name: &str) -> Result<Option<String>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong(name, "a string", other)),
        }
    }

    fn required(&self, name: &str) -> Result<String, String> {
        self.str(name)?.filter(|s| !s.is_empty()).ok_or_else(|| format!("{}{name} is missing", self.prefix()))
    }

    fn bool(&self, name: &str) -> Result<bool, String> {
        match self.get(name) {
            None => Ok(false),
            Some(Json::Bool(b)) => Ok(*b),
            Some(other) => Err(self.wrong(name, "true or false", other)),
        }
    }

    fn list(&self, name: &str) -> Result<Option<&'a Vec<Json>>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.wrong(name, "a list", other)),
        }
    }

    /// Each item of list `name` read with `item`, or `None` when the member is absent.
    fn each<T>(&self, name: &str, item: impl Fn(&'a Json, &str) -> Result<T, String>) -> Result<Option<Vec<T>>, String> {
        let Some(items) = self.list(name)? else { return Ok(None) };
        let path = format!("{}{name}", self.prefix());
        items.iter().enumerate().map(|(i, v)| item(v, &format!("{path}[{i}]"))).collect::<Result<_, _>>().map(Some)
    }

    fn strings(&self, name: &str) -> Result<Vec<String>, String> {
        Ok(self
            .each(name, |v, path| match v {
                Json::String(s) => Ok(s.clone()),
                other => Err(format!("{path} must be a string, not {}", type_name(other))),
            })?
            .unwrap_or_default())
    }

    fn obj(&self, name: &str) -> Result<Option<Obj<'a>>, String> {
        let path = format!("{}{name}", self.prefix());
        self.get(name).map(|v| Obj::new(v, &path)).transpose()
    }
}

fn right(value: &Json, path: &str) -> Result<Right, String> {
    let o = Obj::new(value, path)?;
    let resource = o.each("resource", |v, p| {
        let pair = Obj::new(v, p)?;
        Ok(AttributePair { id: pair.str("id")?.unwrap_or_default(), value: pair.str("value")?.unwrap_or_default() })
    })?;
    Ok(Right { action: o.str("action")?, resource: resource.unwrap_or_default() })
}

fn package(value: &Json, path: &str) -> Result<AccessPackage, String> {
    Ok(AccessPackage { urn: Obj::new(value, path)?.str("urn")?.unwrap_or_default() })
}

fn created(o: &Obj<'_>) -> Result<Option<DateTime>, String> {
    o.str("created")?.filter(|t| !t.is_empty()).map_or(Ok(None), |t| DateTime::parse(&t))
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
    let o = Obj::new(&value, "the create body")?;
    let o = Obj { path: String::new(), ..o };
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

fn out_rights(rights: &[Right]) -> Json {
    Json::Array(
        rights
            .iter()
            .map(|r| {
                let mut m = Vec::new();
                if let Some(action) = &r.action {
                    m.push(("action".into(), Json::String(action.clone())));
                }
                let pairs = r.resource.iter().map(|p| {
                    Json::Object(vec![("id".into(), Json::String(p.id.clone())), ("value".into(), Json::String(p.value.clone()))])
                });
                m.push(("resource".into(), Json::Array(pairs.collect())));
                Json::Object(m)
            })
            .collect(),
    )
}

fn out_packages(packages: &[AccessPackage]) -> Json {
    Json::Array(packages.iter().map(|p| Json::Object(vec![("urn".into(), Json::String(p.urn.clone()))])).collect())
}

fn out_create(c: Create) -> Vec<u8> {
    let mut m = vec![("systemId".to_string(), Json::String(c.system_id)), ("partyOrgNo".to_string(), Json::String(c.party_org_no))];
    let optional = [("externalRef", c.external_ref), ("integrationTitle", c.integration_title), ("redirectUrl", c.redirect_url)];
    for (name, value) in optional {
        if let Some(v) = value {
            m.push((name.into(), Json::String(v)));
        }
    }
    if let Some(rights) = c.rights {
        m.push(("rights".into(), out_rights(&rights)));
    }
    if let Some(packages) = c.access_packages {
        m.push(("accessPackages".into(), out_packages(&packages)));
    }
    Json::Object(m).to_text().into_bytes()
}

pub fn encode_standard_request(input: &StandardRequestInput) -> Vec<u8> {
    let i = input.clone();
    out_create(Create {
        system_id: i.system_id,
        party_org_no: i.party_org_no,
        external_ref: i.external_ref,
        integration_title: i.integration_title,
        rights: i.rights,
        access_packages: i.access_packages,
        redirect_url: i.redirect_url,
    })
}

/// The agent body never carries rights (validation refuses them before this point).
pub fn encode_agent_request(input: &AgentRequestInput) -> Vec<u8> {
    let i = input.clone();
    out_create(Create {
        system_id: i.system_id,
        party_org_no: i.party_org_no,
        external_ref: i.external_ref,
        integration_title: i.integration_title,
        rights: None,
        access_packages: Some(i.access_packages),
        redirect_url: i.redirect_url,
    })
}

/// `RequestSystemResponse`.
pub fn request_from_value(value: &Json, kind: RequestKind) -> Result<SystemUserRequest, String> {
    let o = Obj::new(value, "the request")?;
    let id = o.required("id")?;
    let id = identifiers::check_request_id(&id, "id").map_err(|v| format!("the request's id is unusable: {}", v.message))?;
    let party_org_no = o.required("partyOrgNo")?;
    Ok(SystemUserRequest {
        id,
        kind,
        external_ref: o.str("externalRef")?.filter(|r| !r.is_empty()).unwrap_or_else(|| party_org_no.clone()),
        system_id: o.required("systemId")?,
        party_org_no,
        integration_title: o.str("integrationTitle")?,
        rights: o.each("rights", right)?.unwrap_or_default(),
        access_packages: o.each("accessPackages", package)?.unwrap_or_default(),
        status: RequestStatus::from_wire(&o.required("status")?),
        redirect_url: o.str("redirectUrl")?.filter(|u| !u.is_empty()),
        confirm_url: o.str("confirmUrl")?.filter(|u| !u.is_empty()),
        escalated: o.bool("escalated")?,
        created: created(&o)?,
        timed_out: o.bool("timedOut")?,
    })
}

pub fn system_user_from_value(value: &Json) -> Result<SystemUser, String> {
    let o = Obj::new(value, "the system user")?;
    let user_type = o.str("userType")?;
    Ok(SystemUser {
        id: o.required("id")?,
        integration_title: o.str("integrationTitle")?,
        system_id: o.required("systemId")?,
        product_name: o.str("productName")?,
        reportee_org_no: o.required("reporteeOrgNo")?,
        created: created(&o)?,
        is_deleted: o.bool("isDeleted")?,
        supplier_name: o.str("supplierName")?,
        supplier_org_no: o.str("supplierOrgNo")?.map(|org| identifiers::normalize_org_no(&org).to_string()),
        external_ref: o.str("externalRef")?,
        user_type: match user_type.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("standard") => UserType::Standard,
            Some("agent") => UserType::Agent,
            Some(_) => UserType::Unknown(user_type.unwrap_or_default()),
        },
    })
}

/// A page: its items read with `item`, and the raw `links.next` URL.
pub fn page_from_value<T>(value: &Json, item: impl Fn(&Json) -> Result<T, String>) -> Result<(Page<T>, Option<String>), String> {
    let o = Obj::new(value, "the page")?;
    let next = match o.obj("links")? {
        Some(links) => links.str("next")?.filter(|n| !n.is_empty()),
        None => None,
    };
    let items = o.each("data", |v, _| item(v))?.unwrap_or_default();
    Ok((Page { items, next_page: None }, next))
}

fn text(o: &Obj<'_>, name: &str) -> Result<LocalizedText, String> {
    Ok(match o.obj(name)? {
        Some(t) => LocalizedText { nb: t.str("nb")?, nn: t.str("nn")?, en: t.str("en")? },
        None => LocalizedText::default(),
    })
}

pub fn registered_system_from_value(value: &Json) -> Result<RegisteredSystem, String> {
    let o = Obj::new(value, "the registered system")?;
    let vendor = match o.obj("vendor")? {
        Some(v) => v.str("ID")?.unwrap_or_default(),
        None => String::new(),
    };
    Ok(RegisteredSystem {
        id: o.required("id")?,
        vendor_org_no: identifiers::normalize_org_no(&vendor).to_string(),
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
