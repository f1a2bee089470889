//! Every task kind end to end through the C ABI functions, against the simulator over real
//! HTTP: the binding answers each step itself.

mod common;

use altinn_sim::SimOptions;
use common::abi::{Client, Runtime};
use common::binding::Binding;
use common::sim::{self, create_agent, create_standard, AGENT_SYSTEM, STANDARD_SYSTEM};
use serde_json::{json, Value};

fn setup(options: SimOptions) -> (altinn_sim::SimHandle, Runtime, Client, Binding) {
    let sim = sim::start_with(options);
    let runtime = Runtime::load(&common::component_path(), "").expect("the component loads");
    let client = runtime.client(&sim::config(&sim)).expect("a client");
    let binding = Binding::with_token(&sim::full_token(&sim));
    (sim, runtime, client, binding)
}

#[test]
fn create_get_by_ref_and_withdraw_a_standard_request() {
    let (_sim, _runtime, client, binding) = setup(SimOptions::default());
    let run = binding.run(&client, &create_standard("310816191", "erp-1"));
    let created = run.outcome();
    assert_eq!(
        (created["outcome"].as_str(), created["isNew"].as_bool(), created["reconciled"].as_bool()),
        (Some("created"), Some(true), Some(false))
    );
    let request = &created["request"];
    assert_eq!((request["status"].as_str(), request["kind"].as_str()), (Some("New"), Some("standard")));
    assert!(request["confirmUrl"].as_str().unwrap().contains(request["id"].as_str().unwrap()));
    // Token mode: every exchange asked for a token first (pre-flight read, then the create).
    assert_eq!(run.count("token"), 2, "{:?}", run.steps.iter().map(|s| &s["step"]).collect::<Vec<_>>());
    assert_eq!(run.count("send"), 2);
    let id = request["id"].as_str().unwrap();

    let again = binding.run(&client, &create_standard("310816191", "erp-1"));
    assert_eq!((again.outcome()["isNew"].as_bool(), again.outcome()["request"]["id"].as_str()), (Some(false), Some(id)));

    let got = binding.run(&client, &json!({"v": 1, "task": "get-request", "id": id}));
    assert_eq!(got.outcome()["outcome"], "request");
    assert_eq!(got.outcome()["request"]["id"], id);

    let by_ref = binding.run(
        &client,
        &json!({"v": 1, "task": "get-request-by-external-ref", "systemId": STANDARD_SYSTEM, "orgNo": "310816191", "externalRef": "erp-1"}),
    );
    assert_eq!(by_ref.outcome()["request"]["id"], id);

    let withdrawn = binding.run(&client, &json!({"v": 1, "task": "withdraw-request", "id": id}));
    assert_eq!(withdrawn.outcome(), &json!({"outcome": "withdrawn"}));
    let gone = binding.run(&client, &json!({"v": 1, "task": "get-request", "id": id}));
    assert_eq!(gone.error()["kind"], "not-found");
}

#[test]
fn create_and_get_an_agent_request() {
    let (_sim, _runtime, client, binding) = setup(SimOptions::default());
    let created = binding.run(&client, &create_agent("314224965", "bureau-1"));
    let request = &created.outcome()["request"];
    assert_eq!((request["kind"].as_str(), request["systemId"].as_str()), (Some("agent"), Some(AGENT_SYSTEM)));
    assert_eq!(request["rights"], json!([]));
    let id = request["id"].as_str().unwrap();
    let got = binding.run(&client, &json!({"v": 1, "task": "get-request", "id": id, "kind": "agent"}));
    assert_eq!(got.outcome()["request"]["id"], id);
    let by_ref = binding.run(
        &client,
        &json!({"v": 1, "task": "get-request-by-external-ref", "kind": "agent", "systemId": AGENT_SYSTEM, "orgNo": "314224965", "externalRef": "bureau-1"}),
    );
    assert_eq!(by_ref.outcome()["request"]["id"], id);
}

#[test]
fn list_one_page_and_all_pages_of_requests() {
    // Without the server's lossy page boundaries (API.md §14), so that every item is counted.
    let (_sim, _runtime, client, binding) = setup(SimOptions::default().with_page_size(2).with_list_quirks(false));
    for (i, org) in sim::CUSTOMERS[..5].iter().enumerate() {
        binding.run(&client, &create_standard(org, &format!("list-{i}"))).outcome();
    }
    let first = binding.run(&client, &json!({"v": 1, "task": "list-requests", "systemId": STANDARD_SYSTEM}));
    let page = first.outcome();
    assert_eq!((page["outcome"].as_str(), page["items"].as_array().unwrap().len()), (Some("requests"), 2));
    let next = page["nextPage"].as_str().expect("a next page").to_string();
    let second = binding.run(&client, &json!({"v": 1, "task": "list-requests", "systemId": STANDARD_SYSTEM, "page": next}));
    assert!(!second.outcome()["items"].as_array().unwrap().is_empty());

    let all = binding.run(&client, &json!({"v": 1, "task": "list-all-requests", "systemId": STANDARD_SYSTEM}));
    let items = all.outcome()["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(all.outcome()["nextPage"].is_null());
    assert!(all.count("send") >= 3, "every page was fetched");
    let agents = binding.run(&client, &json!({"v": 1, "task": "list-all-requests", "systemId": AGENT_SYSTEM, "kind": "agent"}));
    assert_eq!(agents.outcome()["items"], json!([]));
}

#[test]
fn verify_and_list_system_users_after_approval() {
    let (sim, _runtime, client, binding) = setup(SimOptions::default().with_page_size(2));
    let verify =
        |org: &str, r: &str| json!({"v": 1, "task": "verify-system-user", "systemId": STANDARD_SYSTEM, "orgNo": org, "externalRef": r});
    let none = binding.run(&client, &verify("310816191", "verify-0"));
    assert_eq!(none.outcome(), &json!({"outcome": "system-user", "systemUser": null}));

    let mut ids = Vec::new();
    for (i, org) in sim::CUSTOMERS[..3].iter().enumerate() {
        let created = binding.run(&client, &create_standard(org, &format!("verify-{i}")));
        let id = created.outcome()["request"]["id"].as_str().unwrap().to_string();
        sim.approve(&id).expect("the customer approves");
        ids.push(id);
    }
    let found = binding.run(&client, &verify("310816191", "verify-0"));
    let user = &found.outcome()["systemUser"];
    assert_eq!((user["id"].as_str(), user["userType"].as_str()), (Some(ids[0].as_str()), Some("standard")));

    let page = binding.run(&client, &json!({"v": 1, "task": "list-system-users", "systemId": STANDARD_SYSTEM}));
    assert_eq!((page.outcome()["outcome"].as_str(), page.outcome()["items"].as_array().unwrap().len()), (Some("system-users"), 2));
    assert!(page.outcome()["nextPage"].is_string());
    let all = binding.run(&client, &json!({"v": 1, "task": "list-all-system-users", "systemId": STANDARD_SYSTEM}));
    let mut listed: Vec<String> =
        all.outcome()["items"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_string()).collect();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);
}

#[test]
fn read_the_registered_system() {
    let (_sim, _runtime, client, binding) = setup(SimOptions::default());
    let run = binding.run(&client, &json!({"v": 1, "task": "get-registered-system", "systemId": STANDARD_SYSTEM}));
    let system = &run.outcome()["system"];
    assert_eq!((system["id"].as_str(), system["vendorOrgNo"].as_str()), (Some(STANDARD_SYSTEM), Some(sim::VENDOR)));
    assert_eq!(system["allowedRedirectUrls"], json!(["https://smartregnskap.example/callback"]));

    // The outcome's shape is what su_client_validate takes as the system.
    let validate = |redirect: &str| {
        let mut body = sim::standard_body("310816191", "v-1");
        body["redirectUrl"] = json!(redirect);
        client.validate(&json!({"v": 1, "kind": "standard", "request": body, "system": system})).unwrap()
    };
    assert_eq!(validate("https://smartregnskap.example/callback")["valid"], true);
    let refused = validate("https://elsewhere.example/cb");
    assert_eq!((refused["valid"].as_bool(), refused["violations"][0]["code"].as_str()), (Some(false), Some("AUTH-00021")));
}

#[test]
fn system_user_token_with_the_component_making_its_own_grants() {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = runtime.client(&sim::maskinporten_config(&sim)).unwrap();
    let binding = Binding::with_key(altinn_sim::test_client::KEY_PEM);

    // Maskinporten mode: no token step; a grant is signed (sign step) and posted (send step).
    let created = binding.run(&client, &create_standard("313981436", "mp-1"));
    assert_eq!(created.count("token"), 0);
    // One grant per scope set: the pre-flight read of the registered system, then the create.
    assert_eq!(created.count("sign"), 2);
    let again = binding.run(&client, &create_standard("313981436", "mp-1"));
    assert_eq!(again.count("sign"), 0, "both tokens come from the instance's cache");
    let id = created.outcome()["request"]["id"].as_str().unwrap().to_string();
    sim.approve(&id).unwrap();

    let task =
        json!({"v": 1, "task": "system-user-token", "customerOrgNo": "313981436", "externalRef": "mp-1", "scopes": ["ttd:regnskap.read"]});
    let run = binding.run(&client, &task);
    assert_eq!(run.count("sign"), 1);
    let token = &run.outcome()["token"];
    assert_eq!(run.outcome()["outcome"], "token");
    assert_eq!(token["scope"], "ttd:regnskap.read");
    assert!(token["accessToken"].as_str().unwrap().split('.').count() == 3, "a JWT");
    let grant: &Value = run.steps.iter().find(|s| s["step"] == "send").unwrap();
    assert!(grant["request"]["url"].as_str().unwrap().ends_with("/token"));
}
