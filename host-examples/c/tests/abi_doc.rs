//! ABI.md, the header and the schema say the same thing: the C signatures ABI.md lists are the
//! header's, byte for byte (spacing aside), and what ABI.md calls optional is optional in the
//! schema and in the library alike.

mod common;

use common::abi::Runtime;
use common::schema;
use serde_json::json;

fn normalise(text: &str) -> String {
    let spaced = text.split_whitespace().collect::<Vec<_>>().join(" ");
    spaced.replace("( ", "(").replace(" )", ")").replace(" ,", ",")
}

/// The prototypes of a C text: every statement that declares an `su_` function (comments,
/// preprocessor lines and `extern "C"` braces left out).
fn prototypes(text: &str) -> Vec<String> {
    let code: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            !(l.is_empty()
                || l.starts_with("//")
                || l.starts_with("/*")
                || l.starts_with('*')
                || l.starts_with('#')
                || l.starts_with("extern \"C\"")
                || l.starts_with('}'))
        })
        .collect();
    let mut found: Vec<String> =
        code.join(" ").split(';').map(normalise).filter(|s| s.contains("su_") && s.contains('(') && !s.starts_with("typedef")).collect();
    found.sort();
    found
}

#[test]
fn abi_md_lists_exactly_the_header_s_functions() {
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/systemuser.h")).unwrap();
    let abi = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ABI.md")).unwrap();
    let block = abi.split("```c").nth(1).and_then(|b| b.split("```").next()).expect("ABI.md has a ```c block");
    let (from_header, from_abi) = (prototypes(&header), prototypes(block));
    assert_eq!(from_header.len(), 17, "{from_header:#?}");
    assert_eq!(from_abi, from_header);
    assert!(block.contains("#define SU_ABI_VERSION 1") && header.contains("#define SU_ABI_VERSION 1"));
}

#[test]
fn optional_members_may_be_null_in_the_schema_and_the_library() {
    let runtime = Runtime::load(&common::component_path(), r#"{"v": 1, "cacheDir": null, "pooling": null}"#).unwrap();
    let config = json!({"v": 1, "environment": "tt02", "timeoutMs": null, "maskinporten": null});
    let client = runtime.client(&config).unwrap();
    for task in [
        json!({"v": 1, "task": "get-request", "id": "3f0c4a4e-8c3f-4a7b-9d55-6f8f2b7f1a10", "kind": null}),
        json!({"v": 1, "task": "list-requests", "systemId": "314248295_smartregnskap", "kind": null, "page": null}),
        json!({"v": 1, "task": "verify-system-user", "systemId": "314248295_smartregnskap", "orgNo": "310816191", "externalRef": null}),
        json!({"v": 1, "task": "create-standard-request", "request": {"systemId": "314248295_smartregnskap", "partyOrgNo": "310816191", "externalRef": null, "rights": null}}),
        json!({"v": 1, "task": "update-system", "update": {"id": "314248295_smartregnskap", "name": null, "rights": null, "clientId": null, "isVisible": null}}),
        json!({"v": 1, "task": "register-system", "system": {"id": "314248295_ny", "vendor": null, "vendorOrgNo": "314248295",
            "name": {"nb": "Ny", "nn": null, "en": "New"}, "description": {"en": "New"}, "rights": null, "clientIds": null, "isDeleted": null}}),
        json!({"v": 1, "task": "list-agents", "bureau": {"orgNo": "310816191", "externalRef": null}}),
    ] {
        let step = client.operation(&task).unwrap().start().unwrap();
        assert!(["token", "done"].contains(&step["step"].as_str().unwrap()), "{step}");
    }
    // Both spellings of a system's client ids at once: the library refuses it (the schema, kept to
    // the keywords every binding's validator knows, says so in words only).
    let both = json!({"v": 1, "task": "register-system", "system": {"id": "314248295_ny", "vendorOrgNo": "314248295", "clientId": [], "clientIds": []}});
    assert_eq!(client.operation_raw(both.to_string()).unwrap_err().kind, "invalid-argument");
    let verdict = client.validate(&json!({"v": 1, "kind": "standard", "request": {"systemId": "x"}, "system": null})).unwrap();
    assert_eq!(verdict["valid"], false);
    // Required members may not be null, in either; nor may a system's name be null, or a list of
    // rights to set.
    for task in [
        json!({"v": 1, "task": "get-request", "id": null}),
        json!({"v": 1, "task": "register-system", "system": {"id": "314248295_ny", "vendorOrgNo": "314248295", "name": null}}),
        json!({"v": 1, "task": "set-system-rights", "systemId": "314248295_ny", "rights": null}),
        json!({"v": 1, "task": "add-client", "bureau": {"orgNo": "310816191"}, "agent": "a"}),
        json!({"v": 1, "task": "list-systems", "systemId": "314248295_ny"}),
    ] {
        schema::check_invalid("task", &task);
        assert_eq!(client.operation_raw(task.to_string()).unwrap_err().kind, "invalid-argument", "{task}");
    }
}

#[test]
fn abi_md_names_every_task_and_outcome_of_the_schema() {
    let abi = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ABI.md")).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/systemuser.schema.json")).unwrap())
            .unwrap();
    let consts = |def: &str, member: &str| -> Vec<String> {
        schema["$defs"][def]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["properties"][member]["const"].as_str().unwrap().to_string())
            .collect()
    };
    let tasks = consts("task", "task");
    assert!(tasks.len() >= 29, "{tasks:?}");
    for task in &tasks {
        assert!(abi.contains(&format!("| `{task}` |")), "ABI.md's task table lacks {task}");
    }
    let outcomes = consts("outcome", "outcome");
    for outcome in &outcomes {
        assert!(
            abi.contains(&format!("\"outcome\": \"{outcome}\"")) || abi.contains(&format!("\"outcome\":\n\"{outcome}\"")),
            "ABI.md lacks the outcome {outcome}"
        );
    }
    // The send step's methods, in ABI.md and the schema alike.
    assert_eq!(schema["$defs"]["httpRequest"]["properties"]["method"]["enum"], json!(["GET", "POST", "PUT", "DELETE"]));
    assert!(abi.contains(r#""GET"\|"POST"\|"PUT"\|"DELETE""#));
}
