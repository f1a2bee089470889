//! The shared vector tables in `tests/vectors/`, loaded for two runners: the core natively
//! (`tests/vectors.rs`) and the built component through the Rust host
//! (`host-examples/rust/tests/vectors.rs`). Each runner turns its results into the plain shapes
//! here, so both are checked against the same expectations and against each other.
#![allow(dead_code)] // each runner uses a different part

use serde_json::Value;
use std::path::PathBuf;

pub const REQUEST_ID: &str = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f";
pub const SYSTEM_ID: &str = "314248295_smartregnskap";
pub const ORG_NO: &str = "310816191";
pub const EXTERNAL_REF: &str = "kunde-42";

/// The workspace root (where `tests/vectors` lives), from any member crate.
pub fn root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("tests/vectors/validation.json").exists() {
        assert!(dir.pop(), "tests/vectors not found above {}", env!("CARGO_MANIFEST_DIR"));
    }
    dir
}

fn load(name: &str) -> Value {
    let path = root().join("tests/vectors").join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("vector file is JSON")
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("vector member {key} missing in {v}")).to_string()
}

pub struct IdentifierVector {
    pub check: String,
    pub input: String,
    pub expect: Option<String>,
    pub normalized: Option<String>,
}

pub struct RequestVector {
    pub name: String,
    pub agent: bool,
    pub body: Vec<u8>,
    pub system: Option<Vec<u8>>,
    pub expect: Vec<String>,
    pub normalized: Option<Value>,
}

/// A validation outcome on either side: the normalised body, or (code, field, message) triples.
#[derive(Debug, Clone, PartialEq)]
pub enum Validated {
    Ok(Vec<u8>),
    Invalid(Vec<(String, String, String)>),
}

pub fn identifier_vectors() -> Vec<IdentifierVector> {
    let all = load("validation.json");
    all["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| IdentifierVector {
            check: text(v, "check"),
            input: text(v, "input"),
            expect: v["expect"].as_str().map(String::from),
            normalized: v["normalized"].as_str().map(String::from),
        })
        .collect()
}

pub fn request_vectors() -> Vec<RequestVector> {
    let all = load("validation.json");
    let systems = load("systems.json");
    all["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| RequestVector {
            name: text(v, "name"),
            agent: text(v, "kind") == "agent",
            // A string is the raw body (malformed JSON cases); anything else is the JSON body.
            body: match &v["request"] {
                Value::String(raw) => raw.clone().into_bytes(),
                other => serde_json::to_vec(other).unwrap(),
            },
            system: v["system"].as_str().map(|name| serde_json::to_vec(&systems[name]).unwrap()),
            expect: v["expect"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect(),
            normalized: v.get("body").cloned(),
        })
        .collect()
}

pub fn check_identifier(v: &IdentifierVector, got: &Result<String, (String, String, String)>) -> Result<(), String> {
    match (got, &v.expect) {
        (Ok(value), None) if v.normalized.as_ref().is_none_or(|n| n == value) => Ok(()),
        (Err((code, _, message)), Some(expected)) if code == expected && !message.is_empty() => Ok(()),
        _ => Err(format!("{} {:?}: expected {:?} / {:?}, got {got:?}", v.check, v.input, v.expect, v.normalized)),
    }
}

pub fn check_request(v: &RequestVector, got: &Validated) -> Result<(), String> {
    match got {
        Validated::Ok(body) if v.expect.is_empty() => {
            let body: Value = serde_json::from_slice(body).map_err(|e| format!("{}: the normalised body is not JSON: {e}", v.name))?;
            match &v.normalized {
                Some(expected) if *expected != body => Err(format!("{}: normalised body {body} != {expected}", v.name)),
                _ => Ok(()),
            }
        }
        Validated::Invalid(violations) => {
            let codes: Vec<&str> = violations.iter().map(|(c, _, _)| c.as_str()).collect();
            if codes != v.expect {
                return Err(format!("{}: expected {:?}, got {violations:?}", v.name, v.expect));
            }
            match violations.iter().find(|(_, _, message)| message.len() < 10) {
                Some(bad) => Err(format!("{}: violation without a useful message: {bad:?}", v.name)),
                None => Ok(()),
            }
        }
        Validated::Ok(_) => Err(format!("{}: expected {:?}, got a valid request", v.name, v.expect)),
    }
}

pub struct ResponseVector {
    pub name: String,
    pub call: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub expect: Value,
}

/// Hostile bodies are generated rather than stored.
fn generated_body(spec: &Value) -> Vec<u8> {
    if let Some(hex) = spec["hex"].as_str() {
        return (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    }
    if let Some(depth) = spec["nest"].as_u64() {
        return format!("{}{}", "[".repeat(depth as usize), "]".repeat(depth as usize)).into_bytes();
    }
    if let Some(size) = spec["big"].as_u64() {
        let mut body = format!("{{\"id\":\"{REQUEST_ID}\",\"integrationTitle\":\"").into_bytes();
        body.resize(size as usize, b'x');
        body.extend_from_slice(b"\"}");
        return body;
    }
    panic!("unknown body_gen {spec}")
}

pub fn response_vectors() -> Vec<ResponseVector> {
    let all = load("responses.json");
    all["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| ResponseVector {
            name: text(v, "name"),
            call: text(v, "call"),
            status: v["status"].as_u64().unwrap() as u16,
            headers: v["headers"].as_object().unwrap().iter().map(|(k, h)| (k.clone(), h.as_str().unwrap().to_string())).collect(),
            body: if let Some(spec) = v.get("body_gen") {
                generated_body(spec)
            } else if let Some(raw) = v["body_text"].as_str() {
                raw.as_bytes().to_vec()
            } else {
                serde_json::to_vec(&v["body"]).unwrap()
            },
            expect: v["expect"].clone(),
        })
        .collect()
}

/// Every member of the vector's `expect` must equal the same member of `summary`.
pub fn check_response(v: &ResponseVector, summary: &Value) -> Result<(), String> {
    for (key, expected) in v.expect.as_object().unwrap() {
        let got = summary.get(key).unwrap_or(&Value::Null);
        if got != expected {
            return Err(format!("{}: {key} expected {expected}, got {got} (summary {summary})", v.name));
        }
    }
    Ok(())
}

/// Panics with every failure, after all vectors ran.
pub fn report(what: &str, total: usize, failures: Vec<String>) {
    assert!(total > 0, "no {what} vectors were loaded");
    assert!(failures.is_empty(), "{} of {total} {what} vectors failed:\n{}", failures.len(), failures.join("\n"));
    println!("{total} {what} vectors passed");
}
