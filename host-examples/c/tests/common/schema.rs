//! `schema/systemuser.schema.json`: every document the tests send or receive is checked
//! against its `$defs` entry.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Value};

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/systemuser.schema.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("the schema is readable")).expect("the schema is JSON")
    })
}

/// The errors of `doc` against `#/$defs/<def>` (empty: valid).
pub fn errors(def: &str, doc: &Value) -> Vec<String> {
    static VALIDATORS: OnceLock<Mutex<HashMap<String, &'static jsonschema::Validator>>> = OnceLock::new();
    let validator = {
        let mut map = VALIDATORS.get_or_init(Default::default).lock().unwrap();
        *map.entry(def.to_string()).or_insert_with(|| {
            let mut root = schema().clone();
            assert!(root["$defs"].get(def).is_some(), "the schema has no $defs/{def}");
            root["$ref"] = json!(format!("#/$defs/{def}"));
            Box::leak(Box::new(jsonschema::validator_for(&root).expect("the schema compiles")))
        })
    };
    validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

/// Panics unless `doc` is a valid `def` document.
#[track_caller]
pub fn check(def: &str, doc: &Value) {
    let errors = errors(def, doc);
    assert!(errors.is_empty(), "not a valid {def} document: {errors:?}\n{}", redacted(doc));
}

/// Panics if `doc` is a valid `def` document (the schema must refuse what the library refuses).
#[track_caller]
pub fn check_invalid(def: &str, doc: &Value) {
    assert!(!errors(def, doc).is_empty(), "the schema accepts a {def} document the library refuses: {doc}");
}

/// A document for a failure message: the headers of a send step hold a bearer token.
fn redacted(doc: &Value) -> String {
    let mut doc = doc.clone();
    if let Some(headers) = doc.pointer_mut("/request/headers") {
        *headers = json!("[not shown]");
    }
    doc.to_string()
}
