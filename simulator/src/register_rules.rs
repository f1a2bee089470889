//! The System Register's vendor routes (API.md §13): the checks in the server's order and the
//! writes with their change-log rows (Altinn/altinn-authentication `SystemRegisterController`,
//! `SystemRegisterService`, `SystemRegisterRepository`, `SystemChangeLogRepository`). The bearer
//! token, the scope and the framework's binding are the route's; this runs from there.

use serde_json::{json, Value};

use crate::error_codes::vld;
use crate::fixture::{RegisteredSystem, VendorInfo};
use crate::json_in::SystemBody;
use crate::model::{PackageRef, Right};
use crate::problems::ValidationItem;
use crate::register::{ChangeLogEntry, ChangeType, SystemRow};
use crate::state::Inner;

/// `ErrorPathConstant`.
mod path {
    pub const VENDOR_ID: &str = "/registersystemrequest/vendor/id";
    pub const SYSTEM_ID: &str = "/registersystemrequest/systemid";
    pub const ALLOWED_REDIRECT_URLS: &str = "/registersystemrequest/allowedredirecturls";
    pub const CLIENT_ID: &str = "/registersystemrequest/clientid";
    pub const ACCESS_PACKAGES: &str = "/registersystemrequest/accesspackages";
    pub const RIGHTS: &str = "/registersystemrequest/rights/resource";
}

/// .NET's message for a `NullReferenceException`.
const NULL_REFERENCE: &str = "Object reference not set to an instance of an object.";
/// .NET's message for an `IndexOutOfRangeException`.
const INDEX_OUT_OF_RANGE: &str = "Index was outside the bounds of the array.";
/// .NET's message for `ArgumentNullException` on `JsonConvert.DeserializeObject(null)`.
const VALUE_NULL: &str = "Value cannot be null. (Parameter 'value')";
/// The bare-string 400 of the PUT routes on a deleted system.
pub const DELETED: &str = "Cannot update a system marked as deleted.";
/// `system_id varchar(255)`: the insert fails on a longer id.
const MAX_SYSTEM_ID: usize = 255;

/// Who calls: the token's `consumer` organisation, whether it carries the admin scope, its
/// `client_id`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub vendor: Option<String>,
    /// `AuthenticationHelper.HasAdminAccess`: the scope string *contains* the admin scope.
    pub admin: bool,
    pub client_id: String,
}

/// How a System Register call fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterError {
    /// 400 `STD-00000` with these items.
    Validation(Vec<ValidationItem>),
    /// 403, empty body (`Forbid()`).
    Forbidden,
    /// A bare string body (`NotFound("…")`, `BadRequest("…")`, `Conflict("…")`, `StatusCode(500, e.Message)`).
    Text(u16, String),
    /// An exception the action does not catch: the error controller's 500.
    Internal,
    /// `DELETE` of an unknown system: `ValidationProblem` with `errors.return`.
    DeleteNotFound,
    /// 400 with an empty body (`BadRequest()`).
    EmptyBadRequest,
}

fn not_found_text(id: &str) -> RegisterError {
    RegisterError::Text(404, format!("System with ID '{id}' not found."))
}

/// `AuthenticationHelper.GetOrgNumber`: `None` for an empty id, the part after `0192:`; an id
/// without a second part throws.
fn org_number(vendor_id: &str) -> Result<Option<&str>, &'static str> {
    if vendor_id.is_empty() {
        return Ok(None);
    }
    let mut parts = vendor_id.split(':');
    if parts.next() != Some("0192") {
        return Err("Invalid authority for the org number, unexpected ISO6523 identifier");
    }
    parts.next().map(Some).ok_or(INDEX_OUT_OF_RANGE)
}

/// `AuthenticationHelper.HasWriteAccess`: the admin scope, or the caller's `consumer` is the owner.
fn has_write_access(caller: &Caller, owner: Option<&str>) -> Result<bool, &'static str> {
    if caller.admin {
        return Ok(true);
    }
    match (&caller.vendor, owner) {
        (None, _) => Ok(false),
        (Some(_), None) => Err(NULL_REFERENCE),
        (Some(v), Some(o)) => Ok(v.eq_ignore_ascii_case(o)),
    }
}

/// The owner check on a stored system (its vendor id is always well-formed here).
fn may_write(caller: &Caller, row: &SystemRow) -> bool {
    has_write_access(caller, Some(row.system.vendor_org_no())).unwrap_or(false)
}

/// `changedby_orgnumber`: the `consumer` claim's organisation; without one the server throws.
fn changed_by(caller: &Caller) -> Result<String, &'static str> {
    caller.vendor.clone().ok_or(VALUE_NULL)
}

// ---- validation --------------------------------------------------------------------------

/// `ValidateRights`: attribute ids other than `urn:altinn:resource` (AUTH.VLD-00009), resources
/// not in the Resource Registry (00003) or of a type that cannot be delegated (00017), then
/// duplicates (00006).
pub fn validate_rights(inner: &Inner, rights: &[Right]) -> Vec<ValidationItem> {
    let (mut invalid, mut not_found, mut not_delegable) = (Vec::new(), Vec::new(), Vec::new());
    for pair in rights.iter().flat_map(|r| &r.resource) {
        let value = pair.value.clone().unwrap_or_default();
        if pair.id.as_deref() != Some("urn:altinn:resource") {
            invalid.push(value);
            continue;
        }
        match inner.fixture.resource(&value) {
            None => not_found.push(value),
            Some(r) if !r.resource_type.is_delegable() => not_delegable.push(value),
            Some(_) => {}
        }
    }
    let mut items = Vec::new();
    for (list, descriptor, label) in [
        (invalid, vld::RESOURCE_ID_FORMAT, "Invalid Resource Id Details : "),
        (not_found, vld::RESOURCE_NOT_FOUND, "ResourceIds Not Found : "),
        (not_delegable, vld::RESOURCE_NOT_DELEGABLE, "ResourceIds Not Delegable : "),
    ] {
        if !list.is_empty() {
            items.push(ValidationItem::new(descriptor, path::RIGHTS).with_extension(label, list.join(" | ")));
        }
    }
    // `HasDuplicateRights`: `{Action}:{id:value,…}` as written, order included.
    let mut seen = std::collections::BTreeSet::new();
    let duplicate = rights.iter().any(|r| {
        let pairs: Vec<String> =
            r.resource.iter().map(|p| format!("{}:{}", p.id.as_deref().unwrap_or(""), p.value.as_deref().unwrap_or(""))).collect();
        !seen.insert(format!("{}:{}", r.action.as_deref().unwrap_or(""), pairs.join(",")))
    });
    if duplicate {
        items.push(ValidationItem::new(vld::DUPLICATE_RIGHTS, path::RIGHTS));
    }
    items
}

/// `ValidateAccessPackages`: empty or short URNs, unknown packages and packages neither
/// delegable nor assignable together (AUTH.VLD-00008), duplicates (00007), and `isVisible` with a
/// package that is not assignable (00018).
pub fn validate_packages(inner: &Inner, packages: Option<&[PackageRef]>, is_visible: bool) -> Vec<ValidationItem> {
    let (mut invalid, mut not_found, mut not_delegable, mut not_assignable) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in packages.unwrap_or_default() {
        let urn = p.urn.clone().unwrap_or_default();
        if urn.is_empty() || urn.split(':').count() < 4 {
            invalid.push(urn);
            continue;
        }
        match inner.fixture.package(&urn) {
            None => not_found.push(urn),
            Some(e) => {
                if !e.is_delegable && !e.is_assignable {
                    not_delegable.push(urn.clone());
                }
                if !e.is_assignable {
                    not_assignable.push(urn);
                }
            }
        }
    }
    let mut items = Vec::new();
    if !invalid.is_empty() || !not_found.is_empty() || !not_delegable.is_empty() {
        let mut details = Vec::new();
        for (label, list) in [("Invalid format", &invalid), ("Not found", &not_found), ("Not possible to delegate", &not_delegable)] {
            if !list.is_empty() {
                details.push(format!("{label}: {}", list.join(", ")));
            }
        }
        items.push(
            ValidationItem::new(vld::PACKAGE_NOT_VALID, path::ACCESS_PACKAGES)
                .with_extension("Invalid Urn Details : ", details.join(" | ")),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    if packages.unwrap_or_default().iter().any(|p| !seen.insert(p.urn.clone().unwrap_or_default())) {
        items.push(ValidationItem::new(vld::DUPLICATE_PACKAGES, path::ACCESS_PACKAGES));
    }
    if is_visible && !not_assignable.is_empty() {
        items.push(ValidationItem::new(vld::VISIBLE_WITH_CLIENT_PACKAGE, path::ACCESS_PACKAGES));
    }
    items
}

/// `IsValidRedirectUrl`: every URL absolute and `https`.
fn absolute_https(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("https")) && crate::urlmatch::LeftPart::parse(url).is_ok()
}

/// `Uri.ToString()` of an absolute URL, as the column stores it: scheme and host in lower case,
/// the default port dropped, an empty path written `/`. Anything else is kept as sent.
pub fn normalize_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let scheme = scheme.to_ascii_lowercase();
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let default_port = match scheme.as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => "",
    };
    let hostport = hostport.to_ascii_lowercase();
    let hostport = match hostport.strip_suffix(default_port) {
        Some(h) if !default_port.is_empty() => h.to_string(),
        _ => hostport,
    };
    let tail = if tail.starts_with('/') { tail.to_string() } else { format!("/{tail}") };
    format!("{scheme}://{userinfo}{hostport}{tail}")
}

/// The `business_application.uri` domain: `^https?://[^.]+`.
fn uri_domain_ok(stored: &str) -> bool {
    ["https://", "http://"].iter().any(|p| stored.strip_prefix(p).and_then(|r| r.chars().next()).is_some_and(|c| c != '.'))
}

/// The `translated_text` domain: `name` and `description` must hold `en`, `nb` and `nn`
/// (checked in that order, name first). The PostgreSQL message.
fn translated_text_violation(b: &SystemBody) -> Option<String> {
    [&b.name, &b.description].into_iter().find_map(|map| {
        ["en", "nb", "nn"].into_iter().find(|k| !map.contains_key(*k)).map(|k| {
            format!(
                "23514: value for domain business_application.translated_text violates check constraint \"translated_text_contains_{k}\""
            )
        })
    })
}

// ---- the changed data as the change log keeps it ------------------------------------------

fn rights_data(rights: Option<&[Right]>) -> Value {
    match rights {
        None => Value::Null,
        Some(list) => Value::Array(
            list.iter()
                .map(|r| {
                    let pairs: Vec<Value> = r.resource.iter().map(|p| json!({"id": p.id, "value": p.value})).collect();
                    json!({"Action": r.action, "Resource": pairs})
                })
                .collect(),
        ),
    }
}

fn packages_data(packages: Option<&[PackageRef]>) -> Value {
    match packages {
        None => Value::Null,
        Some(list) => Value::Array(list.iter().map(|p| json!({"Urn": p.urn})).collect()),
    }
}

/// `RegisterSystemRequest` as `JsonSerializer.Serialize` writes it (the `[JsonIgnore]` members
/// left out, `VendorInfo.Authority` is a field and not written, URLs as sent).
fn system_data(b: &SystemBody) -> Value {
    json!({
        "Id": b.id,
        "Vendor": {"ID": b.vendor_id},
        "Name": b.name,
        "Description": b.description,
        "Rights": rights_data(b.rights.as_deref()),
        "AccessPackages": packages_data(b.access_packages.as_deref()),
        "ClientId": b.client_id,
        "IsVisible": b.is_visible,
        "AllowedRedirectUrls": b.allowed_redirect_urls,
    })
}

fn log(inner: &mut Inner, internal_id: &str, caller: &Caller, by: String, change_type: ChangeType, changed_data: Value) {
    let created_micros = inner.clock.now_micros();
    inner.systems.log(ChangeLogEntry {
        system_internal_id: internal_id.to_string(),
        changed_by_org_number: Some(by),
        change_type,
        changed_data,
        client_id: Some(caller.client_id.clone()),
        created_micros,
    });
}

/// The system a body describes, as stored.
fn stored_system(b: &SystemBody, vendor_id: String, is_deleted: bool) -> RegisteredSystem {
    RegisteredSystem {
        id: b.id.clone(),
        vendor: VendorInfo { id: vendor_id, authority: None },
        name: b.name.clone(),
        description: b.description.clone(),
        rights: b.rights.clone().unwrap_or_default(),
        access_packages: b.access_packages.clone().unwrap_or_default(),
        client_id: b.client_id.clone(),
        is_visible: b.is_visible,
        allowed_redirect_urls: b.allowed_redirect_urls.iter().map(|u| normalize_url(u)).collect(),
        is_deleted,
    }
}

// ---- the routes --------------------------------------------------------------------------

/// `GET vendor`: the caller's systems that are not deleted, in heap order; no `consumer` → 403.
pub fn list<'a>(inner: &'a Inner, caller: &Caller) -> Result<Vec<&'a SystemRow>, RegisterError> {
    let vendor = caller.vendor.as_deref().ok_or(RegisterError::Forbidden)?;
    Ok(inner.systems.rows_in_heap_order().into_iter().filter(|r| !r.system.is_deleted && r.system.vendor_org_no() == vendor).collect())
}

/// `GET vendor/{id}`: deleted systems too; unknown → empty 404; another vendor's → empty 403.
pub fn read<'a>(inner: &'a Inner, caller: &Caller, id: &str) -> Result<&'a SystemRow, RegisterError> {
    let row = inner.systems.row(id).ok_or(RegisterError::Text(404, String::new()))?;
    match may_write(caller, row) {
        true => Ok(row),
        false => Err(RegisterError::Forbidden),
    }
}

/// `POST vendor`: AUTH.VLD-00000 alone, then the system, rights and packages checks collected,
/// the owner check (403) before they are answered, then the insert. Answers the internal id.
pub fn create(inner: &mut Inner, caller: &Caller, b: SystemBody) -> Result<String, RegisterError> {
    let text500 = |m: &str| RegisterError::Text(500, m.to_string());
    // `IsValidOrgIdentifier`: reported alone.
    if b.vendor_id.split(':').next() != Some("0192") {
        return Err(RegisterError::Validation(vec![ValidationItem::new(vld::INVALID_ORG_IDENTIFIER, path::VENDOR_ID)]));
    }
    // `ValidateRegisteredSystem`.
    let mut items = Vec::new();
    if b.id.contains(' ') {
        items.push(ValidationItem::new(vld::SYSTEM_ID_SPACES, path::SYSTEM_ID));
    }
    let owner = org_number(&b.vendor_id).map_err(text500)?;
    if owner.is_none_or(|o| b.id.split('_').next() != Some(o)) {
        items.push(ValidationItem::new(vld::INVALID_SYSTEM_ID_FORMAT, path::SYSTEM_ID));
    }
    if inner.systems.row(&b.id).is_some() {
        items.push(ValidationItem::new(vld::SYSTEM_ID_EXISTS, path::SYSTEM_ID));
    }
    if !b.allowed_redirect_urls.iter().all(|u| absolute_https(u)) {
        items.push(ValidationItem::new(vld::INVALID_REDIRECT_URL, path::ALLOWED_REDIRECT_URLS));
    }
    if !inner.systems.client_usages(&b.client_id).is_empty() {
        items.push(ValidationItem::new(vld::CLIENT_ID_EXISTS, path::CLIENT_ID));
    }
    let rights = b.rights.as_deref().ok_or_else(|| text500(NULL_REFERENCE))?;
    items.extend(validate_rights(inner, rights));
    items.extend(validate_packages(inner, b.access_packages.as_deref(), b.is_visible));
    if !has_write_access(caller, owner).map_err(text500)? {
        return Err(RegisterError::Forbidden);
    }
    if !items.is_empty() {
        return Err(RegisterError::Validation(items));
    }
    let by = changed_by(caller).map_err(text500)?;
    // The insert, in the table's column order, then one `maskinporten_client` row per client id.
    if b.id.chars().count() > MAX_SYSTEM_ID {
        return Err(text500("22001: value too long for type character varying(255)"));
    }
    if let Some(message) = translated_text_violation(&b) {
        return Err(RegisterError::Text(500, message));
    }
    let stored = stored_system(&b, format!("0192:{}", owner.unwrap_or_default()), false);
    if !stored.allowed_redirect_urls.iter().all(|u| uri_domain_ok(u)) {
        return Err(text500("23514: value for domain business_application.uri violates check constraint \"uri_scheme_check\""));
    }
    let mut seen = std::collections::BTreeSet::new();
    if b.client_id.iter().any(|c| !seen.insert(c.as_str())) {
        return Err(RegisterError::Text(409, format!("The System already exist: {}", b.id)));
    }
    let internal_id = inner.systems.insert(stored, b.access_packages.is_none());
    log(inner, &internal_id, caller, by, ChangeType::Create, system_data(&b));
    Ok(internal_id)
}

/// `PUT vendor/{id}` (since f47dae8d): unknown → 404 text; 403; body vendor missing or not the
/// stored one → 404 text; body id ≠ path id → AUTH.VLD-00012 alone; deleted → 400 text; rights,
/// packages and client ids collected; then the whole record is replaced.
pub fn replace(inner: &mut Inner, caller: &Caller, id: &str, b: SystemBody) -> Result<(), RegisterError> {
    let current = inner.systems.row(id).cloned().ok_or_else(|| not_found_text(id))?;
    if !may_write(caller, &current) {
        return Err(RegisterError::Forbidden);
    }
    if b.vendor_id != current.system.vendor.id {
        return Err(not_found_text(id));
    }
    if b.id != id {
        return Err(RegisterError::Validation(vec![ValidationItem::new(vld::SYSTEM_ID_MISMATCH, path::SYSTEM_ID)]));
    }
    if current.system.is_deleted {
        return Err(RegisterError::Text(400, DELETED.into()));
    }
    let rights = b.rights.as_deref().ok_or(RegisterError::Internal)?;
    let mut items = validate_rights(inner, rights);
    items.extend(validate_packages(inner, b.access_packages.as_deref(), b.is_visible));
    // `ValidateClientIds`: duplicates (case-insensitive), then each client id tagged on another
    // active system, once per client id.
    let mut seen = std::collections::BTreeSet::new();
    if b.client_id.iter().any(|c| !seen.insert(c.to_lowercase())) {
        items.push(ValidationItem::new(vld::DUPLICATE_CLIENT_IDS, path::CLIENT_ID));
    }
    let usages = inner.systems.client_usages(&b.client_id);
    for c in &b.client_id {
        if usages.iter().any(|(used, system)| used.eq_ignore_ascii_case(c) && *system != current.internal_id) {
            items.push(ValidationItem::new(vld::CLIENT_ID_EXISTS, path::CLIENT_ID));
        }
    }
    if !items.is_empty() {
        return Err(RegisterError::Validation(items));
    }
    let by = changed_by(caller).map_err(|_| RegisterError::Internal)?;
    let stored = stored_system(&b, current.system.vendor.id.clone(), false);
    if translated_text_violation(&b).is_some() || !stored.allowed_redirect_urls.iter().all(|u| uri_domain_ok(u)) {
        return Err(RegisterError::Internal);
    }
    let packages_null = b.access_packages.is_none();
    inner.systems.update(id, |row| {
        row.system = stored;
        row.access_packages_null = packages_null;
    });
    log(inner, &current.internal_id, caller, by, ChangeType::Update, system_data(&b));
    Ok(())
}

/// The checks `PUT vendor/{id}/rights` and `…/accesspackages` share: unknown → 500 (the server
/// dereferences the missing system), 403, deleted → 400 text.
fn stored_for_partial_update(inner: &Inner, caller: &Caller, id: &str) -> Result<SystemRow, RegisterError> {
    let current = inner.systems.row(id).cloned().ok_or(RegisterError::Internal)?;
    if !may_write(caller, &current) {
        return Err(RegisterError::Forbidden);
    }
    if current.system.is_deleted {
        return Err(RegisterError::Text(400, DELETED.into()));
    }
    Ok(current)
}

/// `PUT vendor/{id}/rights`.
pub fn set_rights(inner: &mut Inner, caller: &Caller, id: &str, rights: Vec<Right>) -> Result<(), RegisterError> {
    let current = stored_for_partial_update(inner, caller, id)?;
    let items = validate_rights(inner, &rights);
    if !items.is_empty() {
        return Err(RegisterError::Validation(items));
    }
    let by = changed_by(caller).map_err(|_| RegisterError::Internal)?;
    let data = rights_data(Some(&rights));
    inner.systems.update(id, |row| row.system.rights = rights);
    log(inner, &current.internal_id, caller, by, ChangeType::RightsUpdate, data);
    Ok(())
}

/// `PUT vendor/{id}/accesspackages`: AUTH.VLD-00018 reads the stored `isVisible`.
pub fn set_packages(inner: &mut Inner, caller: &Caller, id: &str, packages: Vec<PackageRef>) -> Result<(), RegisterError> {
    let current = stored_for_partial_update(inner, caller, id)?;
    let items = validate_packages(inner, Some(&packages), current.system.is_visible);
    if !items.is_empty() {
        return Err(RegisterError::Validation(items));
    }
    let by = changed_by(caller).map_err(|_| RegisterError::Internal)?;
    let data = packages_data(Some(&packages));
    inner.systems.update(id, |row| {
        row.system.access_packages = packages;
        row.access_packages_null = false;
    });
    log(inner, &current.internal_id, caller, by, ChangeType::AccessPackageUpdate, data);
    Ok(())
}

/// `DELETE vendor/{id}`: unknown → validation problem; 403; then `is_deleted` is set, the
/// system's `maskinporten_client` rows go and the change is logged; the answer is 200 only when
/// both statements changed rows, so a system without client ids, or one deleted already, gets an
/// empty 400 although it is (still) flagged.
pub fn delete(inner: &mut Inner, caller: &Caller, id: &str) -> Result<(), RegisterError> {
    let current = inner.systems.row(id).cloned().ok_or(RegisterError::DeleteNotFound)?;
    if !may_write(caller, &current) {
        return Err(RegisterError::Forbidden);
    }
    let by = changed_by(caller).map_err(|_| RegisterError::Internal)?;
    let client_rows = match current.system.is_deleted {
        true => 0,
        false => current.system.client_id.len(),
    };
    inner.systems.update(id, |row| row.system.is_deleted = true);
    log(inner, &current.internal_id, caller, by, ChangeType::Delete, Value::Null);
    match client_rows > 0 {
        true => Ok(()),
        false => Err(RegisterError::EmptyBadRequest),
    }
}

/// `GET vendor/{id}/changelog`: unknown → 404 text; 403; newest first.
pub fn changelog<'a>(inner: &'a Inner, caller: &Caller, id: &str) -> Result<Vec<&'a ChangeLogEntry>, RegisterError> {
    let row = inner.systems.row(id).ok_or_else(|| RegisterError::Text(404, format!("System with ID {id} not found.")))?;
    if !may_write(caller, row) {
        return Err(RegisterError::Forbidden);
    }
    Ok(inner.systems.changelog_of(&row.internal_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_as_the_column_stores_them() {
        assert_eq!(normalize_url("HTTPS://Example.COM:443"), "https://example.com/");
        assert_eq!(normalize_url("https://example.com:8443/Cb?x=1"), "https://example.com:8443/Cb?x=1");
        assert_eq!(normalize_url("/relative"), "/relative");
        assert!(absolute_https("HTTPS://x.example/cb") && !absolute_https("http://x.example") && !absolute_https("/cb"));
        assert!(uri_domain_ok("https://x/") && !uri_domain_ok("https://.x/") && !uri_domain_ok("ftp://x/"));
    }

    #[test]
    fn org_numbers_as_the_helper_reads_them() {
        assert_eq!(org_number("0192:314248295"), Ok(Some("314248295")));
        assert_eq!(org_number(""), Ok(None));
        assert_eq!(org_number("0192"), Err(INDEX_OUT_OF_RANGE));
    }
}
