//! Reading create bodies the way ASP.NET + System.Text.Json do: member names matched
//! case-insensitively (last one wins), unknown members ignored, wrong types and
//! malformed JSON reported as validation errors, `required` and `[Required]` members
//! checked, then top-level strings trimmed (the server's TrimStringsActionFilter).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::{AttributePair, PackageRef, Right};
use crate::store::Kind;

/// A create body after binding and trimming.
#[derive(Debug, Clone, Default)]
pub struct CreateBody {
    pub system_id: String,
    pub party_org_no: String,
    pub external_ref: Option<String>,
    pub integration_title: Option<String>,
    pub rights: Option<Vec<Right>>,
    pub access_packages: Option<Vec<PackageRef>>,
    pub redirect_url: Option<String>,
}

/// A change-request body (API.md §11) after binding and trimming: an absent list is `[]`.
#[derive(Debug, Clone, Default)]
pub struct ChangeBody {
    pub required_rights: Vec<Right>,
    pub unwanted_rights: Vec<Right>,
    pub required_access_packages: Vec<PackageRef>,
    pub unwanted_access_packages: Vec<PackageRef>,
    pub redirect_url: Option<String>,
}

impl ChangeBody {
    /// All four lists empty: the §11 step 6 `NoChangeNeeded` reply.
    pub fn is_empty(&self) -> bool {
        self.required_rights.is_empty()
            && self.unwanted_rights.is_empty()
            && self.required_access_packages.is_empty()
            && self.unwanted_access_packages.is_empty()
    }
}

/// Validation errors in ASP.NET's `errors` map order.
pub type Errors = Vec<(String, Vec<String>)>;

/// The C# model a body binds to: its action parameter's name (in `errors`) and its type name
/// (in System.Text.Json's messages).
#[derive(Debug, Clone, Copy)]
struct Model {
    param: &'static str,
    type_name: &'static str,
}

const STANDARD: Model =
    Model { param: "createRequest", type_name: "Altinn.Platform.Authentication.Core.Models.SystemUsers.CreateRequestSystemUser" };
const AGENT: Model =
    Model { param: "createAgentRequest", type_name: "Altinn.Platform.Authentication.Core.Models.SystemUsers.CreateAgentRequestSystemUser" };
const CHANGE: Model =
    Model { param: "createRequest", type_name: "Altinn.Platform.Authentication.Core.Models.SystemUsers.ChangeRequestSystemUser" };

fn model(kind: Kind) -> Model {
    match kind {
        Kind::Standard => STANDARD,
        Kind::Agent => AGENT,
    }
}

fn body_required(m: Model) -> (String, Vec<String>) {
    (m.param.to_string(), vec![format!("The {} field is required.", m.param)])
}

/// Position text as System.Text.Json writes it (0-based line and byte).
fn position(line: usize, column: usize) -> String {
    format!("LineNumber: {} | BytePositionInLine: {}.", line.saturating_sub(1), column.saturating_sub(1))
}

fn conversion_error(m: Model, path: &str, target: &str) -> Errors {
    vec![
        (path.to_string(), vec![format!("The JSON value could not be converted to {target}. Path: {path} | {}", position(1, 1))]),
        body_required(m),
    ]
}

/// Finds a member case-insensitively; the last duplicate wins, as in System.Text.Json.
fn member<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v).next_back()
}

/// The top-level object's members in document order (`Map` sorts them, and "last one
/// wins" is about the document).
struct Members(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Members, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Rebuilds the object so that, for each name, the member written last in the document
/// is the one kept, under the lower-cased name.
fn last_wins(body: &[u8]) -> Option<Map<String, Value>> {
    let Members(members) = serde_json::from_slice(body).ok()?;
    let mut out = Map::new();
    for (k, v) in members {
        out.insert(k.to_ascii_lowercase(), v);
    }
    Some(out)
}

fn string_member(m: Model, obj: &Map<String, Value>, name: &str) -> Result<Option<String>, Errors> {
    match member(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(conversion_error(m, &format!("$.{name}"), "System.String")),
    }
}

fn list_type(inner: &str) -> String {
    format!("System.Collections.Generic.List`1[{inner}]")
}

/// A `Right[]` member (`name` as written in paths, e.g. `rights`, `requiredRights`).
fn parse_rights(m: Model, name: &str, v: &Value) -> Result<Option<Vec<Right>>, Errors> {
    parse_rights_at(m, &format!("$.{name}"), v)
}

/// A `Right[]` at a JSON path (`$.rights`, or `$` for a body that is the list).
fn parse_rights_at(m: Model, base: &str, v: &Value) -> Result<Option<Vec<Right>>, Errors> {
    let right_type = "Altinn.Platform.Authentication.Core.Models.Right";
    let items = match v {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        _ => return Err(conversion_error(m, base, &list_type(right_type))),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{base}[{i}]");
        let obj = match item {
            Value::Object(o) => o,
            _ => return Err(conversion_error(m, &path, right_type)),
        };
        let action = match member(obj, "action") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(conversion_error(m, &format!("{path}.action"), "System.String")),
        };
        let resource = match member(obj, "resource") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(pairs)) => {
                let mut ps = Vec::with_capacity(pairs.len());
                for (j, p) in pairs.iter().enumerate() {
                    let ppath = format!("{path}.resource[{j}]");
                    let po = match p {
                        Value::Object(o) => o,
                        _ => return Err(conversion_error(m, &ppath, "Altinn.Platform.Authentication.Core.Models.AttributePair")),
                    };
                    let get = |n: &str| -> Result<Option<String>, Errors> {
                        match member(po, n) {
                            None | Some(Value::Null) => Ok(None),
                            Some(Value::String(s)) => Ok(Some(s.clone())),
                            Some(_) => Err(conversion_error(m, &format!("{ppath}.{n}"), "System.String")),
                        }
                    };
                    ps.push(AttributePair { id: get("id")?, value: get("value")? });
                }
                ps
            }
            Some(_) => {
                return Err(conversion_error(
                    m,
                    &format!("{path}.resource"),
                    &list_type("Altinn.Platform.Authentication.Core.Models.AttributePair"),
                ))
            }
        };
        out.push(Right { action, resource });
    }
    Ok(Some(out))
}

/// An `AccessPackage[]` member (`name` as written in paths, e.g. `accessPackages`).
fn parse_packages(m: Model, name: &str, v: &Value) -> Result<Option<Vec<PackageRef>>, Errors> {
    parse_packages_at(m, &format!("$.{name}"), v)
}

/// An `AccessPackage[]` at a JSON path (`$.accessPackages`, or `$` for a body that is the list).
fn parse_packages_at(m: Model, base: &str, v: &Value) -> Result<Option<Vec<PackageRef>>, Errors> {
    let pkg_type = "Altinn.Platform.Authentication.Core.Models.AccessPackages.AccessPackage";
    let items = match v {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        _ => return Err(conversion_error(m, base, &list_type(pkg_type))),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{base}[{i}]");
        let obj = match item {
            Value::Object(o) => o,
            _ => return Err(conversion_error(m, &path, pkg_type)),
        };
        let urn = match member(obj, "urn") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(conversion_error(m, &format!("{path}.urn"), "System.String")),
        };
        out.push(PackageRef { urn });
    }
    Ok(Some(out))
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

fn trim(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string())
}

/// Reads a body up to its members: empty, malformed and non-object bodies are the framework's
/// 400s. The members come back in document order, last one winning.
fn read_object(m: Model, body: &[u8]) -> Result<Map<String, Value>, Errors> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![(String::new(), vec!["A non-empty request body is required.".into()]), body_required(m)]);
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![
                (
                    "$".into(),
                    vec![format!(
                        "The JSON value is not valid: {}. Path: $ | {}",
                        e.to_string().split(" at line ").next().unwrap_or("syntax error"),
                        position(e.line(), e.column())
                    )],
                ),
                body_required(m),
            ])
        }
    };
    let ordered = match &value {
        Value::Object(_) => last_wins(body),
        _ => None,
    };
    ordered.ok_or_else(|| conversion_error(m, "$", m.type_name))
}

/// Binds a create body. `Err` carries the validation problem's `errors` map.
pub fn parse_create_body(kind: Kind, body: &[u8]) -> Result<CreateBody, Errors> {
    let m = model(kind);
    let type_name = m.type_name;
    let ordered = read_object(m, body)?;
    let obj = &ordered;

    // C# `required` members (standard body only): absent, not merely null, fails
    // deserialisation as a whole.
    if kind == Kind::Standard {
        let missing: Vec<&str> = ["systemId", "partyOrgNo"].into_iter().filter(|n| member(obj, n).is_none()).collect();
        if !missing.is_empty() {
            let list = missing.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
            return Err(vec![
                (
                    "$".into(),
                    vec![format!("JSON deserialization for type '{type_name}' was missing required properties including: {list}.")],
                ),
                body_required(m),
            ]);
        }
    }

    let system_id = string_member(m, obj, "systemId")?;
    let party_org_no = string_member(m, obj, "partyOrgNo")?;
    let external_ref = string_member(m, obj, "externalRef")?;
    let integration_title = string_member(m, obj, "integrationTitle")?;
    let redirect_url = string_member(m, obj, "redirectUrl")?;
    // The agent model has no `rights`: the member is ignored there, whatever its type.
    let rights = match (kind, member(obj, "rights")) {
        (Kind::Standard, Some(v)) => parse_rights(m, "rights", v)?,
        _ => None,
    };
    let access_packages = match member(obj, "accessPackages") {
        Some(v) => parse_packages(m, "accessPackages", v)?,
        None => None,
    };

    // [Required] attributes: null, empty or white space fails.
    let mut errors: Errors = Vec::new();
    if blank(&system_id) {
        errors.push(("SystemId".into(), vec!["The SystemId field is required.".into()]));
    }
    if blank(&party_org_no) {
        errors.push(("PartyOrgNo".into(), vec!["The PartyOrgNo field is required.".into()]));
    }
    if kind == Kind::Agent && access_packages.is_none() {
        errors.push(("AccessPackages".into(), vec!["The AccessPackages field is required.".into()]));
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    Ok(CreateBody {
        system_id: trim(system_id).unwrap_or_default(),
        party_org_no: trim(party_org_no).unwrap_or_default(),
        external_ref: trim(external_ref),
        integration_title: trim(integration_title),
        rights,
        access_packages,
        redirect_url: trim(redirect_url),
    })
}

/// Binds a change-request body (`ChangeRequestSystemUser`): the four lists default to `[]` when
/// absent; a `null` list fails validation (non-nullable under `#nullable enable`), all such
/// errors together; `redirectUrl` is trimmed.
pub fn parse_change_body(body: &[u8]) -> Result<ChangeBody, Errors> {
    let m = CHANGE;
    let obj = read_object(m, body)?;
    let obj = &obj;
    let required_rights = match member(obj, "requiredRights") {
        Some(v) => parse_rights(m, "requiredRights", v)?,
        None => Some(Vec::new()),
    };
    let unwanted_rights = match member(obj, "unwantedRights") {
        Some(v) => parse_rights(m, "unwantedRights", v)?,
        None => Some(Vec::new()),
    };
    let required_access_packages = match member(obj, "requiredAccessPackages") {
        Some(v) => parse_packages(m, "requiredAccessPackages", v)?,
        None => Some(Vec::new()),
    };
    let unwanted_access_packages = match member(obj, "unwantedAccessPackages") {
        Some(v) => parse_packages(m, "unwantedAccessPackages", v)?,
        None => Some(Vec::new()),
    };
    let redirect_url = string_member(m, obj, "redirectUrl")?;
    let mut errors: Errors = Vec::new();
    let mut required = |name: &str, missing: bool| {
        if missing {
            errors.push((name.to_string(), vec![format!("The {name} field is required.")]));
        }
    };
    required("RequiredRights", required_rights.is_none());
    required("UnwantedRights", unwanted_rights.is_none());
    required("RequiredAccessPackages", required_access_packages.is_none());
    required("UnwantedAccessPackages", unwanted_access_packages.is_none());
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ChangeBody {
        required_rights: required_rights.unwrap_or_default(),
        unwanted_rights: unwanted_rights.unwrap_or_default(),
        required_access_packages: required_access_packages.unwrap_or_default(),
        unwanted_access_packages: unwanted_access_packages.unwrap_or_default(),
        redirect_url: trim(redirect_url),
    })
}

/// A System Register body (`RegisterSystemRequest`, API.md §13) after binding, validation and the
/// trim filter (which trims `id` and `vendor.ID` only: it does not walk into lists or dictionaries).
#[derive(Debug, Clone, Default)]
pub struct SystemBody {
    pub id: String,
    pub vendor_id: String,
    pub name: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    /// `null` is allowed (`List<Right>?`); the validation then throws (a 500).
    pub rights: Option<Vec<Right>>,
    /// `null` is allowed and stored as SQL `NULL`.
    pub access_packages: Option<Vec<PackageRef>>,
    pub client_id: Vec<String>,
    pub is_visible: bool,
    pub allowed_redirect_urls: Vec<String>,
}

const REGISTER_TYPE: &str = "Altinn.Platform.Authentication.Core.SystemRegister.Models.RegisterSystemRequest";
const RIGHT_LIST: &str = "System.Collections.Generic.List`1[Altinn.Platform.Authentication.Core.Models.Right]";
const PACKAGE_LIST: &str = "System.Collections.Generic.List`1[Altinn.Platform.Authentication.Core.Models.AccessPackages.AccessPackage]";

/// Which System Register action a body is bound for (the action parameter's name shows in errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterAction {
    /// `POST vendor` (`registerNewSystem`).
    Create,
    /// `PUT vendor/{id}` (`proposedUpdateToSystem`).
    Replace,
}

fn register_model(action: RegisterAction) -> Model {
    match action {
        RegisterAction::Create => Model { param: "registerNewSystem", type_name: REGISTER_TYPE },
        RegisterAction::Replace => Model { param: "proposedUpdateToSystem", type_name: REGISTER_TYPE },
    }
}

/// `null`, empty or white space: what the implicit `[Required]` of a non-nullable string refuses.
fn missing_text(s: Option<&str>) -> bool {
    s.is_none_or(|s| s.trim().is_empty())
}

/// The `[Required]` checks inside a `Right[]` (`AttributePair.Id`/`Value`, and a non-nullable
/// `Resource`), keyed as ASP.NET's model state keys them (`Rights[0].Resource[0].Id`, or
/// `[0].Resource[0].Id` for a body that is the list).
fn required_in_rights(prefix: &str, raw: &Value, rights: &[Right], errors: &mut Errors) {
    for (i, r) in rights.iter().enumerate() {
        let resource_null = raw.get(i).and_then(Value::as_object).and_then(|o| member(o, "resource")).is_some_and(Value::is_null);
        if resource_null {
            errors.push((format!("{prefix}[{i}].Resource"), vec!["The Resource field is required.".into()]));
        }
        for (j, p) in r.resource.iter().enumerate() {
            if missing_text(p.id.as_deref()) {
                errors.push((format!("{prefix}[{i}].Resource[{j}].Id"), vec!["The Id field is required.".into()]));
            }
            if missing_text(p.value.as_deref()) {
                errors.push((format!("{prefix}[{i}].Resource[{j}].Value"), vec!["The Value field is required.".into()]));
            }
        }
    }
}

/// A `{ "nb": "…", … }` dictionary member; `None` when `null`.
fn text_map(m: Model, name: &str, v: &Value) -> Result<Option<BTreeMap<String, String>>, Errors> {
    let dict = "System.Collections.Generic.IDictionary`2[System.String,System.String]";
    match v {
        Value::Null => Ok(None),
        Value::Object(o) => {
            let mut out = BTreeMap::new();
            for (k, v) in o {
                match v {
                    Value::String(t) => {
                        out.insert(k.clone(), t.clone());
                    }
                    _ => return Err(conversion_error(m, &format!("$.{name}.{k}"), "System.String")),
                }
            }
            Ok(Some(out))
        }
        _ => Err(conversion_error(m, &format!("$.{name}"), dict)),
    }
}

/// A `string[]` member (`clientId`, `allowedRedirectUrls`); `None` when `null`.
fn string_list(m: Model, name: &str, v: &Value, item_type: &str) -> Result<Option<Vec<String>>, Errors> {
    match v {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(t) => Ok(t.clone()),
                _ => Err(conversion_error(m, &format!("$.{name}[{i}]"), item_type)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        _ => Err(conversion_error(m, &format!("$.{name}"), &list_type(item_type))),
    }
}

/// Binds a System Register body as the server does: member names case-insensitive, the four C#
/// `required` members (`id`, `vendor`, `name`, `description`) must be present, non-nullable members
/// must not be `null` (nor an empty string), `[Required]` attribute pairs, all model-state errors
/// together; then the trim filter.
pub fn parse_system_body(action: RegisterAction, body: &[u8]) -> Result<SystemBody, Errors> {
    let m = register_model(action);
    let obj = read_object(m, body)?;
    let obj = &obj;
    let missing: Vec<&str> = ["id", "vendor", "name", "description"].into_iter().filter(|n| member(obj, n).is_none()).collect();
    if !missing.is_empty() {
        let list = missing.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
        return Err(vec![
            (
                "$".into(),
                vec![format!("JSON deserialization for type '{REGISTER_TYPE}' was missing required properties including: {list}.")],
            ),
            body_required(m),
        ]);
    }
    let id = string_member(m, obj, "id")?;
    let vendor = match member(obj, "vendor") {
        None | Some(Value::Null) => None,
        Some(Value::Object(v)) => Some(match member(v, "id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(conversion_error(m, "$.vendor.ID", "System.String")),
        }),
        Some(_) => return Err(conversion_error(m, "$.vendor", "Altinn.Platform.Authentication.Core.Models.VendorInfo")),
    };
    let map = |name: &str| member(obj, name).map_or(Ok(None), |v| text_map(m, name, v));
    let (name, description) = (map("name")?, map("description")?);
    let raw_rights = member(obj, "rights");
    let rights = match raw_rights {
        Some(v) => parse_rights(m, "rights", v)?,
        None => Some(Vec::new()),
    };
    let access_packages = match member(obj, "accessPackages") {
        Some(v) => parse_packages(m, "accessPackages", v)?,
        None => Some(Vec::new()),
    };
    let client_id = match member(obj, "clientId") {
        Some(v) => string_list(m, "clientId", v, "System.String")?,
        None => Some(Vec::new()),
    };
    let is_visible = match member(obj, "isVisible") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(conversion_error(m, "$.isVisible", "System.Boolean")),
    };
    let allowed_redirect_urls = match member(obj, "allowedRedirectUrls") {
        Some(v) => string_list(m, "allowedRedirectUrls", v, "System.Uri")?,
        None => Some(Vec::new()),
    };

    // Model validation, in the model's member order.
    let mut errors: Errors = Vec::new();
    let mut required = |key: &str, name: &str, missing: bool| {
        if missing {
            errors.push((key.to_string(), vec![format!("The {name} field is required.")]));
        }
    };
    required("Id", "Id", missing_text(id.as_deref()));
    required("Vendor", "Vendor", vendor.is_none());
    required("Vendor.ID", "ID", vendor.as_ref().is_some_and(|v| missing_text(v.as_deref())));
    required("Name", "Name", name.is_none());
    required("Description", "Description", description.is_none());
    if let (Some(rights), Some(raw)) = (&rights, raw_rights) {
        required_in_rights("Rights", raw, rights, &mut errors);
    }
    let mut required = |key: &str, missing: bool| {
        if missing {
            errors.push((key.to_string(), vec![format!("The {key} field is required.")]));
        }
    };
    required("ClientId", client_id.is_none());
    required("AllowedRedirectUrls", allowed_redirect_urls.is_none());
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(SystemBody {
        id: trim(id).unwrap_or_default(),
        vendor_id: trim(vendor.flatten()).unwrap_or_default(),
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        rights,
        access_packages,
        client_id: client_id.unwrap_or_default(),
        is_visible,
        allowed_redirect_urls: allowed_redirect_urls.unwrap_or_default(),
    })
}

/// Reads a body that is a JSON array: empty, malformed and non-array bodies are the framework's 400s.
fn read_array(m: Model, body: &[u8]) -> Result<Value, Errors> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![(String::new(), vec!["A non-empty request body is required.".into()]), body_required(m)]);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Array(_)) => Ok(v),
        Ok(_) => Err(conversion_error(m, "$", m.type_name)),
        Err(e) => Err(vec![
            (
                "$".into(),
                vec![format!(
                    "The JSON value is not valid: {}. Path: $ | {}",
                    e.to_string().split(" at line ").next().unwrap_or("syntax error"),
                    position(e.line(), e.column())
                )],
            ),
            body_required(m),
        ]),
    }
}

/// Binds the body of `PUT systemregister/vendor/{id}/rights`: a `Right[]`.
pub fn parse_rights_body(body: &[u8]) -> Result<Vec<Right>, Errors> {
    let m = Model { param: "rights", type_name: RIGHT_LIST };
    let raw = read_array(m, body)?;
    let rights = parse_rights_at(m, "$", &raw)?.unwrap_or_default();
    let mut errors = Errors::new();
    required_in_rights("", &raw, &rights, &mut errors);
    match errors.is_empty() {
        true => Ok(rights),
        false => Err(errors),
    }
}

/// Binds the body of `PUT systemregister/vendor/{id}/accesspackages`: an `AccessPackage[]`.
pub fn parse_packages_body(body: &[u8]) -> Result<Vec<PackageRef>, Errors> {
    let m = Model { param: "accessPackages", type_name: PACKAGE_LIST };
    let raw = read_array(m, body)?;
    Ok(parse_packages_at(m, "$", &raw)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_last_wins_and_trimmed() {
        let b = br#"{"SYSTEMID":" a_b ","partyorgno":"1","systemId":" 314248295_x ","PartyOrgNo":" 310816191 ","unknown":5,"externalRef":"  r1 "}"#;
        let c = parse_create_body(Kind::Standard, b).unwrap();
        assert_eq!(c.system_id, "314248295_x");
        assert_eq!(c.party_org_no, "310816191");
        assert_eq!(c.external_ref.as_deref(), Some("r1"));
    }

    #[test]
    fn malformed_json() {
        let e = parse_create_body(Kind::Standard, b"{nope").unwrap_err();
        assert_eq!(e[0].0, "$");
        assert_eq!(e[1].0, "createRequest");
    }

    #[test]
    fn missing_required() {
        let e = parse_create_body(Kind::Standard, br#"{"systemId":"x"}"#).unwrap_err();
        assert!(e[0].1[0].contains("'partyOrgNo'"));
        let e = parse_create_body(Kind::Standard, br#"{"systemId":"x","partyOrgNo":"  "}"#).unwrap_err();
        assert_eq!(e[0].0, "PartyOrgNo");
        let e = parse_create_body(Kind::Agent, br#"{"partyOrgNo":"1"}"#).unwrap_err();
        assert_eq!(e[0].0, "SystemId");
        assert_eq!(e[1].0, "AccessPackages");
    }

    #[test]
    fn wrong_type() {
        let e = parse_create_body(Kind::Standard, br#"{"systemId":5,"partyOrgNo":"1"}"#).unwrap_err();
        assert_eq!(e[0].0, "$.systemId");
    }

    #[test]
    fn change_body_lists_default_to_empty_and_null_is_required() {
        let c = parse_change_body(b"{}").unwrap();
        assert!(c.is_empty() && c.redirect_url.is_none());
        let c = parse_change_body(br#"{"REQUIREDaccesspackages":[{"urn":"u"}],"redirectUrl":" https://x/ "}"#).unwrap();
        assert!(!c.is_empty());
        assert_eq!(c.redirect_url.as_deref(), Some("https://x/"));
        let e = parse_change_body(br#"{"unwantedRights":null,"requiredAccessPackages":null}"#).unwrap_err();
        assert_eq!(e.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["UnwantedRights", "RequiredAccessPackages"]);
        let e = parse_change_body(br#"{"requiredRights":5}"#).unwrap_err();
        assert_eq!(e[0].0, "$.requiredRights");
        assert_eq!(e[1].0, "createRequest");
        assert!(e[0].1[0].contains("List`1[Altinn.Platform.Authentication.Core.Models.Right]"));
        let e = parse_change_body(b"[]").unwrap_err();
        assert!(e[0].1[0].contains("ChangeRequestSystemUser"));
        let e = parse_change_body(b"").unwrap_err();
        assert_eq!(e[1].0, "createRequest");
    }

    #[test]
    fn agent_ignores_rights() {
        let c = parse_create_body(Kind::Agent, br#"{"systemId":"a","partyOrgNo":"1","rights":7,"accessPackages":[{"URN":"u"}]}"#).unwrap();
        assert!(c.rights.is_none());
        assert_eq!(c.access_packages.unwrap()[0].urn.as_deref(), Some("u"));
    }

    #[test]
    fn system_body_binding() {
        let ok = br#"{"ID":" 314248295_x ","vendor":{"id":" 0192:314248295 ","authority":"x"},"name":{"nb":"a"},"description":{},"rights":null}"#;
        let b = parse_system_body(RegisterAction::Create, ok).unwrap();
        assert_eq!((b.id.as_str(), b.vendor_id.as_str(), b.is_visible), ("314248295_x", "0192:314248295", true));
        assert!(b.rights.is_none() && b.access_packages.as_ref().is_some_and(Vec::is_empty));
        let e = parse_system_body(RegisterAction::Create, br#"{"id":"x"}"#).unwrap_err();
        assert!(e[0].1[0].contains("'vendor', 'name', 'description'"), "{e:?}");
        assert_eq!(e[1].0, "registerNewSystem");
        let e = parse_system_body(
            RegisterAction::Replace,
            br#"{"id":" ","vendor":{},"name":null,"description":{},"clientId":null,"rights":[{"resource":[{"id":"urn:altinn:resource"}]}]}"#,
        )
        .unwrap_err();
        let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["Id", "Vendor.ID", "Name", "Rights[0].Resource[0].Value", "ClientId"]);
        let e = parse_system_body(RegisterAction::Replace, br#"{"id":"a","vendor":{},"name":{},"description":{},"isVisible":"yes"}"#)
            .unwrap_err();
        assert_eq!((e[0].0.as_str(), e[1].0.as_str()), ("$.isVisible", "proposedUpdateToSystem"));
    }

    #[test]
    fn list_bodies() {
        assert_eq!(parse_rights_body(br#"[{"resource":[{"id":"a","value":"b"}]}]"#).unwrap().len(), 1);
        let e = parse_rights_body(br#"[{"resource":null}]"#).unwrap_err();
        assert_eq!(e[0].0, "[0].Resource");
        let e = parse_rights_body(br#"{}"#).unwrap_err();
        assert_eq!((e[0].0.as_str(), e[1].0.as_str()), ("$", "rights"));
        assert_eq!(parse_packages_body(br#"[{"urn":null}]"#).unwrap()[0].urn, None);
        let e = parse_packages_body(b"").unwrap_err();
        assert_eq!(e[1].0, "accessPackages");
    }
}
