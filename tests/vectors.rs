//! The shared vector tables, run natively against the core (the component runs the same
//! tables in host-examples/rust/tests/vectors.rs).

#[path = "common/native.rs"]
mod native;
#[path = "common/vectors.rs"]
mod vectors;

use altinn_systemuser::error::Error;
use altinn_systemuser::model::RequestKind;
use altinn_systemuser::protocol;
use altinn_systemuser::{identifiers, validation};
use native::{call, summary, tt02};
use serde_json::json;
use vectors::*;

pub fn validated(result: Result<Vec<u8>, Error>) -> Validated {
    match result {
        Ok(body) => Validated::Ok(body),
        Err(Error::Validation(v)) => Validated::Invalid(v.into_iter().map(|v| (v.code, v.field, v.message)).collect()),
        Err(other) => panic!("validation gave a non-validation error: {other:?}"),
    }
}

#[test]
fn identifier_vectors_native() {
    let vectors = identifier_vectors();
    let failures = vectors
        .iter()
        .filter_map(|v| {
            let got = match v.check.as_str() {
                "org-no" => identifiers::check_org_no(&v.input, "f"),
                "system-id" => identifiers::check_system_id(&v.input, "f"),
                "external-ref" => identifiers::check_external_ref(&v.input, "f"),
                "request-id" => identifiers::check_request_id(&v.input, "f"),
                other => panic!("unknown check {other}"),
            };
            check_identifier(v, &got.map_err(|e| (e.code, e.field, e.message))).err()
        })
        .collect();
    report("identifier", vectors.len(), failures);
}

#[test]
fn request_vectors_native() {
    let vectors = request_vectors();
    let failures = vectors
        .iter()
        .filter_map(|v| {
            let kind = if v.agent { RequestKind::Agent } else { RequestKind::Standard };
            check_request(v, &validated(validation::validate_json(kind, &v.body, v.system.as_deref()))).err()
        })
        .collect();
    report("request", vectors.len(), failures);
}

#[test]
fn response_vectors_native() {
    let vectors = response_vectors();
    let failures = vectors
        .iter()
        .filter_map(|v| {
            let response = altinn_systemuser::http::HttpResponse {
                status: v.status,
                headers: v
                    .headers
                    .iter()
                    .map(|(name, value)| altinn_systemuser::http::Header { name: name.clone(), value: value.clone() })
                    .collect(),
                body: v.body.clone(),
            };
            let s = summary(protocol::parse(&tt02(), &call(&v.call), &response));
            if s["message_ok"] == json!(false) {
                return Some(format!("{}: empty error message", v.name));
            }
            check_response(v, &s).err()
        })
        .collect();
    report("response", vectors.len(), failures);
}
