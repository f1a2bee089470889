//! Client delegation (API.md §12) end to end through the C ABI functions, against the simulator
//! over real HTTP: the vendor registers a system through the API, an accounting bureau approves
//! an agent request for it and its own klientadministrator system user, and the bureau's
//! software delegates clients with an exchanged token: one exchange for many calls, the typed
//! refusals, and no token in any error.

mod common;

use altinn_sim::SimHandle;
use common::abi::{Client, Runtime};
use common::binding::{Binding, Run};
use common::sim::{self, VENDOR};
use serde_json::{json, Value};

const BUREAU: &str = "310816191";
const ADMIN_REF: &str = "byraa-klientadm";
const LONN: &str = "urn:altinn:accesspackage:regnskapsforer-lonn";
const MED: &str = "urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet";
const READ_WRITE: [&str; 2] = ["altinn:clientdelegations.read", "altinn:clientdelegations.write"];

fn task(name: &str, members: Value) -> Value {
    let mut doc = json!({"v": 1, "task": name});
    doc.as_object_mut().unwrap().extend(members.as_object().unwrap().clone());
    doc
}

fn bureau(org: &str, external_ref: &str) -> Value {
    json!({"orgNo": org, "externalRef": external_ref})
}

fn routes(sim: &SimHandle, name: &str) -> usize {
    sim::admin_get(sim, "/_sim/calls")["calls"].as_array().unwrap().iter().filter(|c| c["route"] == name).count()
}

fn party_uuid(sim: &SimHandle, org: &str) -> String {
    let fixture = sim::admin_get(sim, "/_sim/fixture");
    let orgs = fixture["organizations"].as_array().unwrap();
    orgs.iter().find(|o| o["orgNo"] == org).and_then(|o| o["partyUuid"].as_str()).expect("a party uuid").to_string()
}

/// The vendor (Maskinporten mode, the fixture's client) registers a client system through the API.
fn register(client: &Client, binding: &Binding, system_id: &str) {
    let system = json!({
        "id": system_id, "vendor": {"ID": format!("0192:{VENDOR}")}, "name": {"nb": "Byråklient", "nn": "Byråklient", "en": "Bureau client"},
        "description": {"nb": "Registrert med API", "nn": "Registrert med API", "en": "Registered by API"}, "accessPackages": [{"urn": LONN}, {"urn": MED}], "isVisible": false,
        "clientId": ["sim-spare-client"],
    });
    let registered = binding.run(client, &task("register-system", json!({"system": system})));
    assert_eq!(registered.outcome()["outcome"], "system-registered");
}

/// The vendor creates an agent request for the bureau with `packages` on the registered system
/// and the bureau approves it. Returns the agent system user's id.
fn agent_for(sim: &SimHandle, client: &Client, binding: &Binding, system_id: &str, external_ref: &str, packages: &[&str]) -> String {
    let packages: Vec<Value> = packages.iter().map(|p| json!({"urn": p})).collect();
    let request = json!({"systemId": system_id, "partyOrgNo": BUREAU, "externalRef": external_ref, "accessPackages": packages});
    let created = binding.run(client, &task("create-agent-request", json!({"request": request})));
    let id = created.outcome()["request"]["id"].as_str().unwrap().to_string();
    sim.approve(&id).expect("the bureau approves the agent request");
    id
}

fn ids(run: &Run) -> Vec<(String, String)> {
    run.outcome()["clients"]["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["orgNo"].as_str().unwrap().to_string(), c["id"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn register_request_approve_delegate_list_and_remove_with_one_exchange() {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = runtime.client(&sim::maskinporten_config(&sim)).unwrap();
    let binding = Binding::with_key(altinn_sim::test_client::KEY_PEM);
    register(&client, &binding, "314248295_abibyraa");
    let agent = agent_for(&sim, &client, &binding, "314248295_abibyraa", "abi-agent", &[LONN]);
    sim.approve_client_administrator(BUREAU, Some(ADMIN_REF)).expect("the bureau approves its klientadministrator system user");
    let bureau = bureau(BUREAU, ADMIN_REF);
    assert_eq!(routes(&sim, "exchange_token"), 0);

    let agents = binding.run(&client, &task("list-agents", json!({"bureau": bureau})));
    // The first delegation task: a grant for the bureau's system user (sign, send), the exchange, the call.
    assert_eq!((agents.count("sign"), agents.count("send"), agents.count("token")), (1, 3, 0));
    let listed = agents.outcome()["items"].as_array().unwrap();
    let mine = listed.iter().find(|a| a["id"] == agent).expect("the agent system user is listed");
    assert_eq!((mine["userType"].as_str(), mine["reporteeOrgNo"].as_str()), (Some("agent"), Some(BUREAU)));
    assert_eq!(mine["accessPackages"], json!([{"urn": LONN}]));

    let available = binding.run(&client, &task("list-available-clients", json!({"bureau": bureau, "agent": agent})));
    assert_eq!((available.count("sign"), available.count("send")), (0, 1), "the exchanged token is kept");
    assert_eq!(
        (available.outcome()["clients"]["systemUserId"].as_str(), available.outcome()["clients"]["ownerOrgNo"].as_str()),
        (Some(agent.as_str()), Some(BUREAU))
    );
    let available = ids(&available);
    let pick =
        |org: &str| available.iter().find(|(o, _)| o == org).map(|(_, id)| id.clone()).unwrap_or_else(|| panic!("{org} in {available:?}"));
    let (first, second) = (pick("314224965"), pick("316501389"));

    for client_id in [&first, &second] {
        let added = binding.run(&client, &task("add-client", json!({"bureau": bureau, "agent": agent, "client": client_id})));
        assert_eq!(added.outcome(), &json!({"outcome": "client-added", "agent": agent, "client": client_id}));
    }
    let delegated = binding.run(&client, &task("list-clients", json!({"bureau": bureau, "agent": agent})));
    let mut orgs: Vec<String> = ids(&delegated).into_iter().map(|(o, _)| o).collect();
    orgs.sort();
    assert_eq!(orgs, ["314224965", "316501389"]);

    let removed = binding.run(&client, &task("remove-client", json!({"bureau": bureau, "agent": agent, "client": first})));
    assert_eq!(removed.outcome(), &json!({"outcome": "client-removed", "agent": agent, "client": first}));
    let delegated = binding.run(&client, &task("list-clients", json!({"bureau": bureau, "agent": agent})));
    assert_eq!(ids(&delegated), [("316501389".to_string(), second.clone())]);

    // Seven delegation calls, one exchange.
    assert_eq!(routes(&sim, "exchange_token"), 1);
    for route in ["list_agents", "list_available_clients", "list_clients", "add_client", "remove_client"] {
        assert!(routes(&sim, route) >= 1, "{route}");
    }
}

#[test]
fn the_servers_refusals_are_typed_and_quote_no_token() {
    let sim = sim::start();
    let runtime = Runtime::load(&common::component_path(), "").unwrap();
    let client = runtime.client(&sim::maskinporten_config(&sim)).unwrap();
    let binding = Binding::with_key(altinn_sim::test_client::KEY_PEM);
    register(&client, &binding, "314248295_abifeil");
    let lonn = agent_for(&sim, &client, &binding, "314248295_abifeil", "abi-lonn", &[LONN]);
    let both = agent_for(&sim, &client, &binding, "314248295_abifeil", "abi-both", &[LONN, MED]);
    sim.approve_client_administrator(BUREAU, Some(ADMIN_REF)).unwrap();
    let bureau = bureau(BUREAU, ADMIN_REF);
    let add = |agent: &str, org: &str| {
        binding.run(&client, &task("add-client", json!({"bureau": bureau, "agent": agent, "client": party_uuid(&sim, org)})))
    };
    // Not among the bureau's clients holding the agent's package.
    let e = add(&lonn, "316859356").error().clone();
    assert_eq!((e["kind"].as_str(), e["code"].as_str(), e["status"].as_u64()), (Some("altinn"), Some("AUTH-00079"), Some(400)), "{e}");
    // A client of the bureau lacking one of the agent's two packages.
    let e = add(&both, "317103360").error().clone();
    assert_eq!((e["kind"].as_str(), e["code"].as_str()), (Some("altinn"), Some("AUTH-00080")), "{e}");

    // A bureau whose own system user does not hold klientadministrator: Altinn's empty 403.
    let standard = json!({"systemId": "314248295_smartregnskap", "partyOrgNo": "314224965", "externalRef": "uten-kladm",
        "rights": [{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}]});
    let created = binding.run(&client, &task("create-standard-request", json!({"request": standard})));
    sim.approve(created.outcome()["request"]["id"].as_str().unwrap()).unwrap();
    let refused = binding.run(&client, &task("list-agents", json!({"bureau": {"orgNo": "314224965", "externalRef": "uten-kladm"}})));
    let e = refused.error();
    assert_eq!(e["kind"], "forbidden", "{e}");
    assert!(e["message"].as_str().unwrap().contains("klientadministrator"), "{e}");

    // Token mode: the host's token is the bureau's Maskinporten system-user token.
    let token =
        binding.run(&client, &task("system-user-token", json!({"customerOrgNo": BUREAU, "externalRef": ADMIN_REF, "scopes": READ_WRITE})));
    let bureau_token = token.outcome()["token"]["accessToken"].as_str().unwrap().to_string();
    let token_client = runtime.client(&sim::config(&sim)).unwrap();
    let host = Binding::with_token(&bureau_token);
    let agents = host.run(&token_client, &task("list-agents", json!({"bureau": bureau})));
    assert_eq!(agents.count("token"), 1);
    let asked = agents.steps.iter().find(|s| s["step"] == "token").unwrap();
    assert_eq!(asked["scopes"], json!(READ_WRITE));
    assert!(agents.outcome()["items"].as_array().unwrap().iter().any(|a| a["id"] == lonn));
    // The same token named for another bureau: the exchanged token acts for 310816191, refused.
    let other = host.run(&token_client, &task("list-agents", json!({"bureau": {"orgNo": "314224965"}})));
    let e = other.error();
    assert_eq!(e["kind"], "token", "{e}");
    let text = e.to_string();
    assert!(text.contains(BUREAU) && text.contains("314224965"), "{text}");
    let signature = bureau_token.rsplit('.').next().unwrap();
    assert!(!text.contains(&bureau_token) && !text.contains(signature), "no token in the error");
    for run in [&refused, &other] {
        assert!(!run.error().to_string().contains(signature));
    }
}
