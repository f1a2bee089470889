//! The System Register tasks (API.md §13) end to end through the C ABI functions, against the
//! simulator over real HTTP: register, list, read, a partial update (PUT of the merged record),
//! rights, packages, the changelog, delete, and the typed errors. Every document in and out is
//! checked against the schema by the wrappers.

mod common;

use common::abi::{Client, Runtime};
use common::binding::{Binding, Run};
use common::sim::{self, VENDOR};
use serde_json::{json, Value};

const LONN: &str = "urn:altinn:accesspackage:regnskapsforer-lonn";
const MED: &str = "urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet";

/// A new name (Altinn stores a text only with all three languages: a 500 otherwise).
fn name_2() -> Value {
    json!({"nb": "Byråklient 2", "nn": "Byråklient 2", "en": "Bureau client 2"})
}

fn setup() -> (altinn_sim::SimHandle, Runtime, Client, Binding) {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").expect("the component loads");
    let client = runtime.client(&sim::config(&sim)).expect("a client");
    let binding = Binding::with_token(&sim::full_token(&sim));
    (sim, runtime, client, binding)
}

/// A client system in Altinn's shape: agent packages only, not visible, the spare Maskinporten client.
fn system(id: &str) -> Value {
    json!({
        "id": id, "vendor": {"ID": format!("0192:{VENDOR}")},
        "name": {"nb": "Byråklient", "nn": "Byråklient", "en": "Bureau client"},
        "description": {"nb": "Klientsystem registrert med API", "nn": "Klientsystem registrert med API", "en": "Client system registered by API"},
        "accessPackages": [{"urn": LONN}, {"urn": MED}], "clientId": ["sim-spare-client"], "isVisible": false,
    })
}

fn task(name: &str, members: Value) -> Value {
    let mut doc = json!({"v": 1, "task": name});
    doc.as_object_mut().unwrap().extend(members.as_object().unwrap().clone());
    doc
}

/// The simulator's call log: (method, route) of each call on an Altinn route.
fn calls(sim: &altinn_sim::SimHandle) -> Vec<(String, String)> {
    sim::admin_get(sim, "/_sim/calls")["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["method"].as_str()?.to_string(), c["route"].as_str()?.to_string())))
        .collect()
}

fn sent(run: &Run) -> Vec<String> {
    run.steps.iter().filter(|s| s["step"] == "send").map(|s| s["request"]["method"].as_str().unwrap().to_string()).collect()
}

#[test]
fn register_list_read_update_and_read_the_changelog() {
    let (sim, _runtime, client, binding) = setup();
    let id = "314248295_abiklient";
    let registered = binding.run(&client, &task("register-system", json!({"system": system(id)})));
    let outcome = registered.outcome();
    assert_eq!((outcome["outcome"].as_str(), outcome["reconciled"].as_bool()), (Some("system-registered"), Some(false)));
    let internal = outcome["internalId"].as_str().expect("the new internal id").to_string();
    assert_eq!(sent(&registered), ["POST"]);
    let stored = sim::admin_get(&sim, "/_sim/systems")["systems"].as_array().unwrap().iter().find(|s| s["id"] == id).cloned().unwrap();
    assert_eq!(stored["internalId"].as_str().map(str::to_lowercase), Some(internal.to_lowercase()));

    let listed = binding.run(&client, &task("list-systems", json!({})));
    assert_eq!(listed.outcome()["outcome"], "systems");
    let mine = listed.outcome()["items"].as_array().unwrap().iter().find(|s| s["id"] == id).cloned().expect("listed");
    assert_eq!((mine["vendorOrgNo"].as_str(), mine["isVisible"].as_bool()), (Some(VENDOR), Some(false)));

    let read =
        |binding: &Binding| binding.run(&client, &task("get-registered-system", json!({"systemId": id}))).outcome()["system"].clone();
    let before = read(&binding);
    assert_eq!(before["clientIds"], json!(["sim-spare-client"]));
    assert_eq!(before["accessPackages"], json!([{"urn": LONN}, {"urn": MED}]));

    // A partial update: only the name is given; the component reads, merges and PUTs the whole record.
    let updated = binding.run(&client, &task("update-system", json!({"update": {"id": id, "name": name_2()}})));
    assert_eq!(updated.outcome(), &json!({"outcome": "system-changed"}));
    assert_eq!(sent(&updated), ["GET", "PUT"]);
    let after = read(&binding);
    assert_eq!(after["name"], name_2());
    for member in ["description", "accessPackages", "clientIds", "isVisible", "allowedRedirectUrls", "rights"] {
        assert_eq!(after[member], before[member], "{member} is kept");
    }

    let rights = json!([{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}]);
    let set = binding.run(&client, &task("set-system-rights", json!({"systemId": id, "rights": rights})));
    assert_eq!((set.outcome()["outcome"].as_str(), sent(&set)), (Some("system-changed"), vec!["GET".to_string(), "PUT".to_string()]));
    let set = binding.run(&client, &task("set-system-access-packages", json!({"systemId": id, "accessPackages": [{"urn": LONN}]})));
    assert_eq!(set.outcome()["outcome"], "system-changed");
    let after = read(&binding);
    assert_eq!((&after["rights"], &after["accessPackages"]), (&rights, &json!([{"urn": LONN}])));

    let log = binding.run(&client, &task("system-changelog", json!({"systemId": id})));
    let items = log.outcome()["items"].as_array().unwrap();
    let types: Vec<&str> = items.iter().map(|c| c["changeType"].as_str().unwrap()).collect();
    assert_eq!(types, ["accesspackageupdate", "rightsupdate", "update", "create"], "newest first");
    assert!(items.iter().all(|c| c["systemInternalId"].as_str().map(str::to_lowercase) == Some(internal.to_lowercase())));
    // changedData is the body as the server stored it (PascalCase), as JSON.
    assert_eq!((items[3]["changedData"]["Id"].as_str(), items[0]["changedData"].clone()), (Some(id), json!([{"Urn": LONN}])));

    // Every transport of the binding sent PUT for the three replacements.
    let puts: Vec<String> = calls(&sim).into_iter().filter(|(m, _)| m == "PUT").map(|(_, r)| r).collect();
    assert_eq!(puts, ["update_registered_system", "update_registered_system_rights", "update_registered_system_access_packages"]);
}

#[test]
fn delete_then_a_change_is_the_typed_conflict_and_a_second_delete_succeeds() {
    let (sim, _runtime, client, binding) = setup();
    let id = "314248295_abislettes";
    binding.run(&client, &task("register-system", json!({"system": system(id)}))).outcome();
    let deleted = binding.run(&client, &task("delete-system", json!({"systemId": id})));
    assert_eq!(
        (deleted.outcome()["outcome"].as_str(), sent(&deleted)),
        (Some("system-changed"), vec!["GET".to_string(), "DELETE".to_string()])
    );
    let again = binding.run(&client, &task("delete-system", json!({"systemId": id})));
    assert_eq!((again.outcome()["outcome"].as_str(), sent(&again)), (Some("system-changed"), vec!["GET".to_string()]));
    let listed = binding.run(&client, &task("list-systems", json!({})));
    assert!(listed.outcome()["items"].as_array().unwrap().iter().all(|s| s["id"] != id), "deleted systems are not listed");

    let before = calls(&sim).len();
    let changed = binding.run(&client, &task("update-system", json!({"update": {"id": id, "isVisible": false}})));
    let error = changed.error();
    assert_eq!((error["kind"].as_str(), error["code"].as_str()), (Some("conflict"), Some("system-deleted")), "{error}");
    assert_eq!(calls(&sim).len(), before + 1, "the read only: nothing was sent after it");
    // Its id is never reused.
    let reused = binding.run(&client, &task("register-system", json!({"system": system(id)})));
    assert_eq!(reused.error()["kind"], "altinn", "{}", reused.error());
    assert_eq!(reused.error()["violations"][0]["code"], "AUTH.VLD-00002", "{}", reused.error());
}

#[test]
fn local_validation_refuses_before_anything_is_sent() {
    let (sim, _runtime, client, binding) = setup();
    let mut bad = system("314248295_has space");
    bad["allowedRedirectUrls"] = json!(["http://insecure.example/cb"]);
    bad["isVisible"] = json!(true); // with an agent-only package
    let run = binding.run(&client, &task("register-system", json!({"system": bad})));
    let error = run.error();
    assert_eq!(error["kind"], "validation");
    let codes: Vec<&str> = error["violations"].as_array().unwrap().iter().map(|v| v["code"].as_str().unwrap()).collect();
    for code in ["AUTH.VLD-00013", "AUTH.VLD-00005", "AUTH.VLD-00018"] {
        assert!(codes.contains(&code), "{codes:?}");
    }
    assert_eq!((run.count("send"), run.count("token")), (0, 0));
    let mut other_vendor = system("313367002_lureri");
    other_vendor["vendor"] = json!({"ID": "0192:313367002"});
    other_vendor["clientId"] = json!([]);
    // Another vendor's system id with another vendor: valid locally, Altinn's empty 403.
    let refused = binding.run(&client, &task("register-system", json!({"system": other_vendor})));
    assert_eq!(refused.error()["kind"], "forbidden", "{}", refused.error());
    assert!(calls(&sim).iter().all(|(m, _)| m != "PUT"));
}

#[test]
fn an_unknown_or_foreign_system_is_refused_typed() {
    let (_sim, _runtime, client, binding) = setup();
    let missing = binding.run(&client, &task("system-changelog", json!({"systemId": "314248295_finnesikke"})));
    assert_eq!(missing.error()["kind"], "not-found", "{}", missing.error());
    let foreign = binding.run(&client, &task("set-system-rights", json!({"systemId": "313367002_konkurrent", "rights": []})));
    assert_eq!(foreign.error()["kind"], "forbidden", "{}", foreign.error());
}
