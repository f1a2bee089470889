//! Every error kind of the library's own functions: `invalid-argument`, `load`, `component`,
//! `misuse`, `panic`, and that the library keeps working after each.

mod common;

use std::ptr;

use common::abi::{take, AbiError, Runtime};
use common::binding::Binding;
use common::schema;
use common::sim::{self, create_standard, STANDARD_SYSTEM};
use serde_json::{json, Value};
use systemuser::*;

fn kind(result: Result<impl std::fmt::Debug, AbiError>) -> (String, String) {
    match result {
        Err(e) => (e.kind, e.message),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

#[test]
fn abi_version_matches_the_header() {
    assert_eq!(su_abi_version(), SU_ABI_VERSION);
    assert_eq!(SU_ABI_VERSION, 1);
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/systemuser.h")).unwrap();
    assert!(header.contains("#define SU_ABI_VERSION 1"));
}

#[test]
fn handles_are_send_and_sync_as_abi_md_says() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<su_runtime_t>();
    send_sync::<su_client_t>();
    send_sync::<su_operation_t>();
}

#[test]
fn null_pointers_are_invalid_arguments_never_crashes() {
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let config = json!({"v": 1, "environment": "tt02"}).to_string();
    let path = common::component_path();
    let path = path.as_os_str().as_encoded_bytes();
    unsafe {
        let mut rt = ptr::null_mut();
        let expect_invalid = |e: *mut su_error_t, what: &str| {
            let err = take(e).expect_err(what);
            assert_eq!(err.kind, "invalid-argument", "{what}: {err:?}");
            assert!(err.message.contains("NULL") || err.message.contains("empty"), "{what}: {}", err.message);
        };
        expect_invalid(su_runtime_load(ptr::null(), 5, ptr::null(), 0, &mut rt), "load: NULL path");
        expect_invalid(su_runtime_load(path.as_ptr(), path.len(), ptr::null(), 0, ptr::null_mut()), "load: NULL out");
        expect_invalid(su_runtime_load(path.as_ptr(), path.len(), ptr::null(), 3, &mut rt), "load: NULL options with a length");
        expect_invalid(su_runtime_from_bytes(ptr::null(), 0, ptr::null(), 0, &mut rt), "from_bytes: NULL wasm");
        assert!(rt.is_null(), "out-parameters are written only on success");
        let mut client = ptr::null_mut();
        expect_invalid(su_client_new(ptr::null(), config.as_ptr(), config.len(), &mut client), "client: NULL runtime");
        expect_invalid(su_client_new(runtime.0, ptr::null(), 0, &mut client), "client: NULL config");
        expect_invalid(su_client_new(runtime.0, config.as_ptr(), config.len(), ptr::null_mut()), "client: NULL out");
        let client = runtime.client(&json!({"v": 1, "environment": "tt02"})).unwrap();
        let mut buffer = ptr::null_mut();
        expect_invalid(su_client_validate(ptr::null(), config.as_ptr(), config.len(), &mut buffer), "validate: NULL client");
        expect_invalid(su_client_validate(client.0, ptr::null(), 0, &mut buffer), "validate: NULL doc");
        expect_invalid(su_client_validate(client.0, config.as_ptr(), config.len(), ptr::null_mut()), "validate: NULL out");
        let task = json!({"v": 1, "task": "get-registered-system", "systemId": STANDARD_SYSTEM}).to_string();
        let mut op = ptr::null_mut();
        expect_invalid(su_operation_new(ptr::null(), task.as_ptr(), task.len(), &mut op), "operation: NULL client");
        expect_invalid(su_operation_new(client.0, ptr::null(), 0, &mut op), "operation: NULL task");
        expect_invalid(su_operation_new(client.0, task.as_ptr(), task.len(), ptr::null_mut()), "operation: NULL out");
        let operation = client.operation(&serde_json::from_str(&task).unwrap()).unwrap();
        let mut step = ptr::null_mut();
        expect_invalid(su_operation_start(ptr::null_mut(), &mut step), "start: NULL operation");
        expect_invalid(su_operation_start(operation.0, ptr::null_mut()), "start: NULL out");
        let waited = br#"{"v":1,"input":"waited"}"#;
        expect_invalid(su_operation_advance(ptr::null_mut(), waited.as_ptr(), waited.len(), &mut step), "advance: NULL operation");
        expect_invalid(su_operation_advance(operation.0, ptr::null(), 0, &mut step), "advance: NULL input");
        expect_invalid(su_operation_advance(operation.0, waited.as_ptr(), waited.len(), ptr::null_mut()), "advance: NULL out");
        assert!(step.is_null() && buffer.is_null() && op.is_null());
        // The accessors and deletes take NULL.
        let mut len = 7usize;
        assert!(su_error_kind(ptr::null(), &mut len).is_null() && len == 0);
        assert!(su_error_message(ptr::null(), &mut len).is_null() && len == 0);
        assert!(su_buffer_data(ptr::null(), &mut len).is_null() && len == 0);
        su_error_delete(ptr::null_mut());
        su_buffer_delete(ptr::null_mut());
        su_operation_delete(ptr::null_mut());
        su_client_delete(ptr::null_mut());
        su_runtime_delete(ptr::null_mut());
        // The operation still works after all that.
        assert_eq!(operation.start().unwrap()["step"], "token");
    }
}

#[test]
fn documents_that_are_not_json_or_of_another_version_are_refused() {
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let refused = |doc: &str, def: &str, expect: &str| {
        let (k, message) = kind(runtime.client(&json!({"v": 1, "environment": "tt02"})).unwrap().operation_raw(doc).map(|_| ()));
        assert_eq!(k, "invalid-argument", "{doc}");
        assert!(message.contains(expect), "{doc}: {message}");
        if let Ok(value) = serde_json::from_str::<Value>(doc) {
            schema::check_invalid(def, &value);
        }
    };
    refused("", "task", "empty");
    refused("{\"v\":1,", "task", "not UTF-8 JSON");
    refused("[1]", "task", "not a JSON object");
    refused(r#"{"task":"get-request","id":"x"}"#, "task", "no \"v\"");
    refused(r#"{"v":2,"task":"get-request","id":"x"}"#, "task", "another \"v\"");
    refused(r#"{"v":"1","task":"get-request","id":"x"}"#, "task", "another \"v\"");
    refused(r#"{"v":1,"task":"get-requests","id":"x"}"#, "task", "unknown variant");
    refused(r#"{"v":1,"task":"get-request"}"#, "task", "missing field `id`");
    refused(r#"{"v":1,"task":"get-request","id":"x","kind":"Agent"}"#, "task", "unknown variant");
    refused(
        r#"{"v":1,"task":"create-standard-request","request":{"systemId":"s","partyOrgNo":"1","externalReference":"r"}}"#,
        "task",
        "externalReference",
    );
    // Invalid UTF-8.
    let client = runtime.client(&json!({"v": 1, "environment": "tt02"})).unwrap();
    let (k, _) = kind(client.operation_raw(b"{\"v\":1,\"task\":\"\xff\"}").map(|_| ()));
    assert_eq!(k, "invalid-argument");

    for (config, expect) in [
        (r#"{"v":1}"#, "missing field `environment`"),
        (r#"{"v":1,"environment":"TT02"}"#, "an environment"),
        (r#"{"v":1,"environment":"tt02","timeoutMS":5}"#, "timeoutMS"),
        (r#"{"v":1,"environment":"tt02","maskinporten":{"clientId":"c","key":{"jwk":"k"}}}"#, "expected `kid` or `x5c`"),
    ] {
        let (k, message) = kind(common::abi::Client::new_raw(&runtime, config).map(|_| ()));
        assert_eq!(k, "invalid-argument", "{config}");
        assert!(message.contains(expect), "{config}: {message}");
        schema::check_invalid("config", &serde_json::from_str(config).unwrap());
    }
    for (doc, expect) in [
        (r#"{"v":1,"kind":"standard"}"#, "missing field `request`"),
        (r#"{"v":1,"kind":"standard","request":[]}"#, "invalid type"),
        (r#"{"v":1,"kind":"both","request":{}}"#, "unknown variant"),
    ] {
        let (k, message) = kind(client.validate_raw(doc));
        assert_eq!(k, "invalid-argument", "{doc}");
        assert!(message.contains(expect), "{doc}: {message}");
        schema::check_invalid("validate", &serde_json::from_str(doc).unwrap());
    }
    for (options, expect) in [(r#"{"v":1,"cache":"/tmp"}"#, "unknown field `cache`"), (r#"{"pooling":true}"#, "no \"v\"")] {
        let (k, message) = kind(Runtime::load_raw(&common::component_path(), options).map(|_| ()));
        assert_eq!(k, "invalid-argument", "{options}");
        assert!(message.contains(expect), "{options}: {message}");
        schema::check_invalid("runtimeOptions", &serde_json::from_str(options).unwrap());
    }
}

#[test]
fn inputs_that_are_not_input_documents_change_nothing() {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = runtime.client(&sim::config(&sim)).unwrap();
    let binding = Binding::with_token(&sim::full_token(&sim));
    let operation = client.operation(&json!({"v": 1, "task": "get-registered-system", "systemId": STANDARD_SYSTEM})).unwrap();
    assert_eq!(operation.start().unwrap()["step"], "token");
    for (input, expect) in [
        (r#"{"v":1,"input":"token"}"#, "missing field `token`"),
        (r#"{"v":1,"input":"tokens","token":"t"}"#, "unknown variant"),
        (r#"{"v":1,"input":"signature","signature":"***"}"#, "base64"),
        (r#"{"v":1,"input":"response","response":{"status":200,"headers":[],"body":"e30="},"extra":1}"#, "unknown field"),
    ] {
        let (k, message) = kind(operation.advance_raw(input.as_bytes()));
        assert_eq!(k, "invalid-argument", "{input}");
        assert!(message.contains(expect), "{input}: {message}");
        schema::check_invalid("input", &serde_json::from_str(input).unwrap());
    }
    // The operation still waits for its token.
    let run = binding.pump_from(&operation, json!({"v": 1, "input": "token", "token": binding.token.clone().unwrap()}));
    assert_eq!(run.outcome()["outcome"], "registered-system");
}

#[test]
fn a_component_that_cannot_be_read_or_compiled_is_a_load_error() {
    let (k, message) = kind(Runtime::load(std::path::Path::new("/nonexistent/altinn_systemuser.wasm"), ""));
    assert_eq!(k, "load");
    assert!(message.contains("/nonexistent/altinn_systemuser.wasm"), "{message}");
    let (k, message) = kind(Runtime::from_bytes(b"\0asm\x0d\0\x01\0 not a component", ""));
    assert_eq!(k, "load");
    assert!(message.contains("cannot load the component"), "{message}");
    // A core module, not a component.
    let (k, _) = kind(Runtime::from_bytes(b"\0asm\x01\0\0\0", ""));
    assert_eq!(k, "load");
}

#[test]
fn a_trap_is_a_component_error_and_the_same_client_goes_on_working() {
    let sim = sim::start();
    let runtime = Runtime::load(&common::trap_component_path(), "").unwrap();
    let client = runtime.client(&sim::config(&sim)).unwrap();
    let binding = Binding::with_token(&sim::full_token(&sim));

    let doomed = client.operation(&create_standard("310816191", "test-trap")).unwrap();
    let (k, message) = kind(doomed.start());
    assert_eq!(k, "component");
    assert!(message.contains("trapped"), "{message}");
    // The operation is lost for good, and says so.
    let (k, message) = kind(doomed.start());
    assert_eq!(k, "component");
    assert!(message.contains("lost earlier"), "{message}");
    let (k, _) = kind(doomed.advance(&json!({"v": 1, "input": "waited"})));
    assert_eq!(k, "component");
    drop(doomed);

    // The next calls on the same client work: a create, a read, a validation.
    let created = binding.run(&client, &create_standard("310816191", "after-trap"));
    assert_eq!(created.outcome()["isNew"], true);
    let system = binding.run(&client, &json!({"v": 1, "task": "get-registered-system", "systemId": STANDARD_SYSTEM}));
    assert_eq!(system.outcome()["outcome"], "registered-system");
    let valid = client.validate(&json!({"v": 1, "kind": "standard", "request": sim::standard_body("310816191", "x")})).unwrap();
    assert_eq!(valid["valid"], true);
    // And a second trap after all that is again only a component error.
    let (k, _) = kind(client.operation(&create_standard("314224965", "test-trap")).unwrap().start());
    assert_eq!(k, "component");
    assert_eq!(binding.run(&client, &create_standard("314224965", "after-trap")).outcome()["isNew"], true);
}

#[test]
fn a_panic_is_caught_at_the_boundary() {
    let err = take(su_test_panic()).expect_err("su_test_panic returns an error");
    assert_eq!(err.kind, "panic");
    assert!(err.message.contains("su_test_panic"), "{}", err.message);
    // The library is fine afterwards, on this thread and others.
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let handle = std::thread::spawn(|| take(su_test_panic()).unwrap_err().kind);
    assert_eq!(handle.join().unwrap(), "panic");
    let client = runtime.client(&json!({"v": 1, "environment": "tt02"})).unwrap();
    let verdict =
        client.validate(&json!({"v": 1, "kind": "standard", "request": {"systemId": STANDARD_SYSTEM, "partyOrgNo": "123456789"}})).unwrap();
    assert_eq!((verdict["valid"].as_bool(), verdict["violations"][0]["field"].as_str()), (Some(false), Some("partyOrgNo")));
}
