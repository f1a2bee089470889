//! The envelope every document travels in (`"v": 1`) and this crate's own documents: runtime
//! options and validation. The JSON of WIT values (config, task, step, input, outcome, error,
//! request, …) is `systemuser_host::json`, shared with the CLI.

use serde_json::{json, Map, Value};
use systemuser_host::json::documents::unquoted;

use crate::error::su_error_t;
use crate::SU_ABI_VERSION;

/// Reads a document: UTF-8 JSON, an object, `"v"` equal to this ABI's version. Returns its
/// members without `"v"`.
pub(crate) fn open(bytes: &[u8], what: &str) -> Result<Map<String, Value>, su_error_t> {
    if bytes.is_empty() {
        return Err(su_error_t::invalid(format!("the {what} document is empty")));
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| su_error_t::invalid(format!("the {what} document is not UTF-8 JSON: {e}")))?;
    let Value::Object(mut members) = value else {
        return Err(su_error_t::invalid(format!("the {what} document is not a JSON object")));
    };
    match members.remove("v") {
        Some(v) if v.as_u64() == Some(u64::from(SU_ABI_VERSION)) => Ok(members),
        Some(_) => Err(su_error_t::invalid(format!(
            "the {what} document has another \"v\" than {SU_ABI_VERSION}, the version of this library: use a binding and library of the same version"
        ))),
        None => Err(su_error_t::invalid(format!("the {what} document has no \"v\" member (it must be {SU_ABI_VERSION})"))),
    }
}

/// Writes a document: `"v"` and the members of `value` (an object).
pub(crate) fn seal(value: Value) -> Vec<u8> {
    let mut members = Map::new();
    members.insert("v".into(), json!(SU_ABI_VERSION));
    if let Value::Object(rest) = value {
        members.extend(rest);
    }
    serde_json::to_vec(&Value::Object(members)).unwrap_or_default()
}

/// Maps a conversion error of `systemuser_host::json` (which never quotes a value).
pub(crate) fn invalid(message: String) -> su_error_t {
    su_error_t::invalid(message)
}

/// Runtime options: `{"v": 1, "cacheDir"?: string, "pooling"?: bool}`; empty means defaults.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RuntimeOptions {
    pub cache_dir: Option<String>,
    pub pooling: Option<bool>,
}

pub(crate) fn runtime_options(bytes: &[u8]) -> Result<RuntimeOptions, su_error_t> {
    if bytes.is_empty() {
        return Ok(RuntimeOptions::default());
    }
    serde_json::from_value(Value::Object(open(bytes, "runtimeOptions")?))
        .map_err(|e| su_error_t::invalid(format!("the runtimeOptions document does not match its schema: {}", unquoted(&e.to_string()))))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Standard,
    Agent,
}

/// `{"v": 1, "kind", "request": create body, "system"?: registered system}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Validate {
    pub kind: Kind,
    pub request: Map<String, Value>,
    pub system: Option<Map<String, Value>>,
}

pub(crate) fn validate(bytes: &[u8]) -> Result<Validate, su_error_t> {
    serde_json::from_value(Value::Object(open(bytes, "validate")?)).map_err(|e| {
        su_error_t::invalid(format!(
            "the validate document does not match its schema ({{\"v\", \"kind\": \"standard\" | \"agent\", \"request\": {{…}}, \"system\"?: {{…}}}}): {}",
            unquoted(&e.to_string())
        ))
    })
}

/// A registered system in Altinn's own shape (what `validate-json` reads): the library's
/// `registeredSystem` shape (a `registered-system` outcome: `vendorOrgNo`, `clientIds`) is
/// turned back into it; Altinn's shape passes as it is.
pub(crate) fn altinn_system(mut system: Map<String, Value>) -> Map<String, Value> {
    let Some(vendor) = system.remove("vendorOrgNo") else { return system };
    let vendor = vendor.as_str().map(|v| format!("0192:{v}")).map_or(vendor, Value::String);
    system.insert("vendor".into(), json!({"ID": vendor}));
    if let Some(ids) = system.remove("clientIds") {
        system.insert("clientId".into(), ids);
    }
    system
}
