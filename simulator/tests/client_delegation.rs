//! Client delegation for agent system users (API.md §12) over real HTTP: the five
//! `enduser/systemuser` routes, every check in order (each test shows the earlier check winning),
//! the delegation policy, AUTH-00079/00080, Access Management failing, and one store shared with
//! the clients page and the admin route.

mod common;

use altinn_sim::test_clients::{KONKURRENT, SMARTREGNSKAP};
use altinn_sim::{AccessManagementFailure, SimOptions};
use common::*;
use serde_json::{json, Value};

const E: &str = "/authentication/api/v1/enduser/systemuser";

fn clients_path(route: &str, agent: &str) -> String {
    format!("{E}/{route}?agent={agent}")
}

fn change_path(agent: &str, client: &str) -> String {
    format!("{E}/clients?agent={agent}&client={client}")
}

fn post(sim: &Sim, path: &str, token: &str) -> Resp {
    sim.call("POST", path, Some(token), None)
}

fn delete(sim: &Sim, path: &str, token: &str) -> Resp {
    sim.call("DELETE", path, Some(token), None)
}

/// The organisation numbers of a ClientList's `data` (asserts its shape).
fn orgs_of(r: &Resp, agent: &str, owner: &str) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 3, "links, systemUserInformation, data: {keys:?}");
    assert!(r.text().starts_with("{\"links\":{},\"systemUserInformation\":{\"systemUserId\":"), "{}", r.text());
    assert_eq!(v["systemUserInformation"], json!({"systemUserId": agent, "systemUserOwnerOrg": owner}));
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let org = c["clientOrganizationNumber"].as_str().unwrap().to_string();
            assert_eq!(c["clientId"], party_uuid(&org));
            assert!(c["clientOrganizationName"].as_str().is_some_and(|n| !n.is_empty()));
            org
        })
        .collect()
}

fn vld(r: &Resp) -> Vec<(String, String)> {
    let v = r.problem(400, "STD-00000");
    v["validationErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let path = i["paths"][0].as_str().unwrap();
            assert!(path == "?agent" || path == "?client", "{i}");
            (i["code"].as_str().unwrap().to_string(), i["title"].as_str().unwrap().to_string())
        })
        .collect()
}

/// A bureau agent system user holding `regnskapsforer-lonn` and the bureau's exchanged
/// klientadministrator token.
fn setup() -> (Sim, String, String) {
    let sim = Sim::start();
    let agent = sim.agent_user(BUREAU, None);
    let token = sim.client_admin_token(BUREAU);
    (sim, agent, token)
}

// ---- check 1: token and scope ----

#[test]
fn check1_token_and_scopes_of_the_five_routes() {
    let (sim, agent, _) = setup();
    let client = party_uuid(CUSTOMER2);
    let routes = [
        ("GET", format!("{E}/agents?party={BUREAU}"), CLIENTS_READ),
        ("GET", clients_path("clients/available", &agent), CLIENTS_READ),
        ("GET", clients_path("clients", &agent), CLIENTS_READ),
        ("POST", change_path(&agent, &client), CLIENTS_WRITE),
        ("DELETE", change_path(&agent, &client), CLIENTS_WRITE),
    ];
    for (method, path, scope) in &routes {
        sim.call(method, path, None, None).assert_empty(401);
        let other = if *scope == CLIENTS_READ { CLIENTS_WRITE } else { CLIENTS_READ };
        sim.call(method, path, Some(&sim.token(&[other, READ, WRITE, REGISTER])), None).assert_empty(403);
    }
    // The token check comes before the framework's binding.
    sim.call("GET", &clients_path("clients", "not-a-guid"), None, None).assert_empty(401);
}

#[test]
fn post_needs_the_read_scope_too() {
    let sim = Sim::start();
    let agent = sim.agent_user(BUREAU, None);
    sim.h.approve_client_administrator(BUREAU, None).unwrap();
    let write_only = sim.exchange(&sim.grant_token(&SMARTREGNSKAP, Some(BUREAU), None, &[CLIENTS_WRITE]));
    // Authentication lets it in; Access Management's client list refuses it.
    let v = post(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &write_only).problem(403, "AUTH-00044");
    assert_eq!(v["title"], "Forbidden");
    // DELETE does not read the list.
    assert_eq!(delete(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &write_only).status, 200);
}

// ---- check 2: one validation problem ----

#[test]
fn check2_framework_400_for_a_malformed_guid() {
    let (sim, agent, token) = setup();
    let v = sim.get(&clients_path("clients", "nope"), &token).validation();
    assert_eq!(v["errors"]["agent"], json!(["The value 'nope' is not valid."]));
    let v = post(&sim, &change_path(&agent, "12"), &token).validation();
    assert!(v["errors"]["client"].is_array());
    let v = post(&sim, &format!("{E}/clients?agent=&client=x"), &token).validation();
    assert!(v["errors"]["agent"].is_array() && v["errors"]["client"].is_array(), "{v}");
}

#[test]
fn check2_agent_and_client_in_one_validation_problem() {
    let (sim, agent, token) = setup();
    const MISSING: (&str, &str) = ("AUTH.VLD-00014", "The agent query parameter is missing or invalid");
    const NOT_FOUND: (&str, &str) = ("AUTH.VLD-00014", "System user not found");
    const NOT_AGENT: (&str, &str) = ("AUTH.VLD-00015", "SystemUser is not a valid system user of type agent");
    const NO_CLIENT: (&str, &str) = ("AUTH.VLD-00016", "The client query parameter is missing or invalid");
    let p = |(code, title): (&str, &str)| (code.to_string(), title.to_string());
    assert_eq!(vld(&sim.get(&format!("{E}/clients/available"), &token)), [p(MISSING)]);
    assert_eq!(vld(&sim.get(&clients_path("clients", &uuid()), &token)), [p(NOT_FOUND)]);
    let standard = sim.standard_user(CUSTOMER2, None);
    assert_eq!(vld(&sim.get(&clients_path("clients", &standard), &token)), [p(NOT_AGENT)]);
    // POST and DELETE report agent and client together.
    assert_eq!(vld(&post(&sim, &format!("{E}/clients"), &token)), [p(MISSING), p(NO_CLIENT)]);
    assert_eq!(vld(&delete(&sim, &format!("{E}/clients?agent={standard}"), &token)), [p(NOT_AGENT), p(NO_CLIENT)]);
    assert_eq!(vld(&post(&sim, &format!("{E}/clients?agent={agent}"), &token)), [p(NO_CLIENT)]);
    // A deleted agent system user is not found; the check comes before the owner checks (a
    // vendor's token would get 403 there).
    sim.h.delete_system_user(&agent).unwrap();
    assert_eq!(vld(&sim.get(&clients_path("clients", &agent), &sim.token(&[CLIENTS_READ]))), [p(NOT_FOUND)]);
}

// ---- checks 3 and 4: the owner ----

#[test]
fn check3_owner_not_in_the_register_is_a_404_without_code() {
    let (sim, agent, _) = setup();
    sim.h.deregister_organization(BUREAU).unwrap();
    for r in [
        sim.get(&clients_path("clients/available", &agent), &sim.token(&[CLIENTS_READ])),
        post(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &sim.token(&[CLIENTS_WRITE])),
    ] {
        // Before the PDP: a vendor's token gets the 404 too.
        assert_eq!(r.status, 404, "{}", r.text());
        assert!(r.header("content-type").unwrap_or("").starts_with("application/problem+json"));
        let v = r.json();
        assert_eq!(v["title"], "System Owner not Found");
        assert_eq!(v["detail"], format!("No associated party information found for systemuser owner {BUREAU}"));
        assert!(v.get("code").is_none() && v.get("type").is_none());
    }
    // And the organisation is out of the register for new requests too.
    sim.create(&std_body(BUREAU, Some("after"))).problem(400, "AUTH-00000");
    assert_eq!(sim.admin("DELETE", &format!("/_sim/organizations/{BUREAU}"), None).status, 404);
}

#[test]
fn check4_owner_without_a_party_uuid_is_an_empty_401() {
    let sim = Sim::start();
    let agent = sim.agent_user(NO_PARTY_UUID, None);
    // Before the PDP: a vendor's own token gets 401, not 403.
    sim.get(&clients_path("clients", &agent), &sim.token(&[CLIENTS_READ])).assert_empty(401);
    delete(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &sim.token(&[CLIENTS_WRITE])).assert_empty(401);
}

// ---- check 5: the PDP ----

#[test]
fn check5_who_may_administer_the_bureaus_clients() {
    let sim = Sim::start();
    let agent = sim.agent_user(BUREAU, None);
    let path = clients_path("clients/available", &agent);
    let both = [CLIENTS_READ, CLIENTS_WRITE];
    // The vendor's own Maskinporten token, and the same exchanged: 403.
    let vendor = sim.grant_token(&SMARTREGNSKAP, None, None, &both);
    sim.get(&path, &vendor).assert_empty(403);
    sim.get(&path, &sim.exchange(&vendor)).assert_empty(403);
    // A system-user token of the bureau for a system user without klientadministrator: 403.
    sim.standard_user(BUREAU, None);
    let plain = sim.grant_token(&SMARTREGNSKAP, Some(BUREAU), None, &both);
    sim.get(&path, &sim.exchange(&plain)).assert_empty(403);
    // The bureau approves its klientadministrator system user (another externalRef).
    let admin_user = sim.h.approve_client_administrator(BUREAU, Some("klientadmin")).unwrap();
    let mp = sim.grant_token(&SMARTREGNSKAP, Some(BUREAU), Some("klientadmin"), &both);
    // Not exchanged: 403. Exchanged: allowed.
    sim.get(&path, &mp).assert_empty(403);
    let altinn = sim.exchange(&mp);
    assert_eq!(sim.get(&path, &altinn).status, 200);
    // Another bureau's klientadministrator may not administer this bureau's clients.
    let other = sim.client_admin_token(CUSTOMER2);
    sim.get(&path, &other).assert_empty(403);
    // The konkurrent vendor's client has no system user for the bureau at all.
    let theirs = sim.grant_token(&KONKURRENT, None, None, &both);
    sim.get(&path, &sim.exchange(&theirs)).assert_empty(403);
    // The PDP reads the system user as it is now: deleted, the same token is refused.
    sim.h.delete_system_user(&admin_user).unwrap();
    sim.get(&path, &altinn).assert_empty(403);
}

#[test]
fn klientadministrator_is_assignable_not_delegable() {
    let sim = Sim::start();
    let mut b = agent_body(BUREAU, None);
    b["accessPackages"] = json!([package("klientadministrator")]);
    let v = sim.create_agent(&b).problem(400, "AUTH-00065");
    assert_eq!(v["NotDelegablePackages"], "urn:altinn:accesspackage:klientadministrator");
    let mut s = std_body(BUREAU, None);
    s["accessPackages"] = json!([package("klientadministrator")]);
    assert_eq!(sim.create(&s).status, 201);
}

// ---- the routes after the checks ----

#[test]
fn available_lists_the_bureaus_clients_holding_any_of_the_agents_packages() {
    let (sim, agent, token) = setup();
    assert_eq!(
        orgs_of(&sim.get(&clients_path("clients/available", &agent), &token), &agent, BUREAU),
        [CUSTOMER2, "317103360", "316501389"]
    );
    let both = sim.agent_user_with(BUREAU, "both", &["regnskapsforer-lonn", "regnskapsforer-med-signeringsrettighet"]);
    assert_eq!(
        orgs_of(&sim.get(&clients_path("clients/available", &both), &token), &both, BUREAU),
        [CUSTOMER2, "317103360", "316501389", "313981436"]
    );
    // No paging: no `links.next`, whatever the page size.
    let r = sim.admin("PUT", "/_sim/settings", Some(&json!({"pageSize": 1})));
    assert_eq!(r.status, 200);
    assert_eq!(orgs_of(&sim.get(&clients_path("clients/available", &both), &token), &both, BUREAU).len(), 4);
}

#[test]
fn post_delegates_and_checks_the_clients_packages() {
    let (sim, _, token) = setup();
    let agent = sim.agent_user_with(BUREAU, "both", &["regnskapsforer-lonn", "regnskapsforer-med-signeringsrettighet"]);
    // Not among the bureau's clients holding any of the packages: AUTH-00079 (a client of the
    // bureau with other packages, another bureau's client, an unknown uuid).
    for org in ["316859356", "313526011"] {
        post(&sim, &change_path(&agent, &party_uuid(org)), &token).problem(400, "AUTH-00079");
    }
    post(&sim, &change_path(&agent, &uuid()), &token).problem(400, "AUTH-00079");
    // Among them but missing one of the agent's packages: AUTH-00080.
    let v = post(&sim, &change_path(&agent, &party_uuid("317103360")), &token).problem(400, "AUTH-00080");
    assert_eq!(v["title"], "Client does not have the accesspackages the agent system user requires");
    post(&sim, &change_path(&agent, &party_uuid("313981436")), &token).problem(400, "AUTH-00080");
    // Holding them all: delegated.
    let client = party_uuid(CUSTOMER2);
    let r = post(&sim, &change_path(&agent, &client), &token);
    assert_eq!((r.status, r.json()), (200, json!({"agent": agent, "client": client})));
    assert_eq!(r.text(), format!("{{\"agent\":\"{agent}\",\"client\":\"{client}\"}}"));
    // Again: no error, delegated once.
    assert_eq!(post(&sim, &change_path(&agent, &client), &token).status, 200);
    assert_eq!(orgs_of(&sim.get(&clients_path("clients", &agent), &token), &agent, BUREAU), [CUSTOMER2]);
    assert_eq!(sim.system_user(&agent)["clients"], json!([CUSTOMER2]));
}

#[test]
fn delete_removes_and_is_idempotent() {
    let (sim, agent, token) = setup();
    for org in [CUSTOMER2, "316501389"] {
        assert_eq!(post(&sim, &change_path(&agent, &party_uuid(org)), &token).status, 200);
    }
    let r = delete(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &token);
    assert_eq!((r.status, r.json()), (200, json!({"agent": agent, "client": party_uuid(CUSTOMER2)})));
    assert_eq!(orgs_of(&sim.get(&clients_path("clients", &agent), &token), &agent, BUREAU), ["316501389"]);
    // A client that is not delegated (or unknown): Access Management has nothing to remove, 200.
    assert_eq!(delete(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &token).status, 200);
    assert_eq!(delete(&sim, &change_path(&agent, &uuid()), &token).status, 200);
}

#[test]
fn api_page_and_admin_share_one_store() {
    let (sim, agent, token) = setup();
    // Delegated on the clients page: the API lists it.
    let r = sim.form("/accessmanagement/ui/systemuser/agentclients/add", &format!("id={agent}&orgNo=317103360"));
    assert_eq!(r.status, 303);
    // Delegated by API: the page shows it delegated, the admin view lists it.
    assert_eq!(post(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &token).status, 200);
    assert_eq!(orgs_of(&sim.get(&clients_path("clients", &agent), &token), &agent, BUREAU), ["317103360", CUSTOMER2]);
    let page = sim.call("GET", &format!("/accessmanagement/ui/systemuser/agentclients?id={agent}"), None, None).text();
    assert!(page.contains(&format!("data-client=\"{CUSTOMER2}\"")) && page.contains("data-client=\"317103360\""), "{page}");
    // The page offers only the bureau's clients that hold the agent's package and are not delegated.
    assert!(page.contains("id=\"add-316501389\"") && !page.contains("id=\"add-313981436\"") && !page.contains("id=\"add-316859356\""));
    assert_eq!(sim.system_user(&agent)["clients"], json!(["317103360", CUSTOMER2]));
    // The page and the admin route apply the same rules.
    let r = sim.form("/accessmanagement/ui/systemuser/agentclients/add", &format!("id={agent}&orgNo=313981436"));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("AUTH-00079"));
    let both = sim.agent_user_with(BUREAU, "both", &["regnskapsforer-lonn", "regnskapsforer-med-signeringsrettighet"]);
    sim.admin("POST", &format!("/_sim/systemusers/{both}/clients"), Some(&json!({"orgNo": "317103360"}))).problem(400, "AUTH-00080");
    // Removed by the admin route: gone from the API's list.
    let r = sim.admin("DELETE", &format!("/_sim/systemusers/{agent}/clients/317103360"), None);
    assert_eq!(r.json()["clients"], json!([CUSTOMER2]));
    assert_eq!(orgs_of(&sim.get(&clients_path("clients", &agent), &token), &agent, BUREAU), [CUSTOMER2]);
}

#[test]
fn access_management_failures() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_access_management_failure(AccessManagementFailure::Reads));
    let agent = sim.agent_user(BUREAU, None);
    let token = sim.client_admin_token(BUREAU);
    for r in [
        sim.get(&clients_path("clients/available", &agent), &token),
        sim.get(&clients_path("clients", &agent), &token),
        post(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &token),
    ] {
        let v = r.problem(400, "AUTH-00045");
        assert!(v["Problem Detail : "].is_string(), "{v}");
    }
    let r = sim.admin("PUT", "/_sim/settings", Some(&json!({"accessManagementFailure": "writes"})));
    assert_eq!(r.json()["accessManagementFailure"], "writes");
    // The checks before Access Management still win (AUTH-00079 comes from its list).
    post(&sim, &change_path(&agent, &party_uuid("313981436")), &token).problem(400, "AUTH-00079");
    post(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &token).problem(400, "AUTH-00002");
    delete(&sim, &change_path(&agent, &party_uuid(CUSTOMER2)), &token).problem(400, "AUTH-00031");
    assert_eq!(sim.system_user(&agent)["clients"], json!([]));
    assert_eq!(sim.admin("PUT", "/_sim/settings", Some(&json!({"accessManagementFailure": "sometimes"}))).status, 400);
}

// ---- GET agents ----

#[test]
fn agents_of_an_organisation() {
    let (sim, agent, token) = setup();
    let v = sim.get(&format!("{E}/agents"), &token).validation();
    assert_eq!(v["errors"]["party"], json!(["The party field is required."]));
    let r = sim.get(&format!("{E}/agents?party=314456726"), &sim.token(&[CLIENTS_READ]));
    r.assert_empty(403);
    // Unknown organisation: 404 `Party not found`, before the PDP.
    let r = sim.get(&format!("{E}/agents?party=123456789"), &sim.token(&[CLIENTS_READ]));
    assert_eq!(r.status, 404);
    let v = r.json();
    assert_eq!((v["title"].as_str(), v["status"].as_u64()), (Some("Party not found"), Some(404)));
    assert_eq!(v["detail"], "No associated party information found for organisation 123456789");
    // No party uuid: the server dereferences it (500).
    assert_eq!(sim.get(&format!("{E}/agents?party={NO_PARTY_UUID}"), &sim.token(&[CLIENTS_READ])).status, 500);
    // Agent system users only, active ones only.
    sim.standard_user(BUREAU, Some("std"));
    let second = sim.agent_user_with(BUREAU, "second", &["regnskapsforer-lonn"]);
    sim.h.delete_system_user(&second).unwrap();
    let list = sim.get(&format!("{E}/agents?party={BUREAU}"), &token).json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let u = &list[0];
    let keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 15, "{keys:?}");
    assert_eq!(u["id"], agent.as_str());
    assert_eq!(
        (u["systemId"].as_str(), u["userType"].as_str(), u["reporteeOrgNo"].as_str()),
        (Some(AGENT_SYSTEM), Some("agent"), Some(BUREAU))
    );
    assert_eq!(u["partyId"], "50100003");
    assert_eq!((u["partyUuId"].as_str(), u["productName"].as_str(), u["supplierName"].as_str()), (Some(""), Some(""), Some("")));
    assert_eq!(u["supplierOrgno"], VENDOR);
    assert_eq!(u["accessPackages"], json!([package("regnskapsforer-lonn")]));
    let internal = sim.admin("GET", "/_sim/systems", None).json()["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == AGENT_SYSTEM)
        .map(|s| s["internalId"].clone())
        .unwrap_or(Value::Null);
    assert_eq!(u["systemInternalId"], internal);
    let text = sim.get(&format!("{E}/agents?party={BUREAU}"), &token).text();
    assert!(text.starts_with(&format!("[{{\"id\":\"{agent}\",\"integrationTitle\":")), "{text}");
}

#[test]
fn admin_route_approves_a_client_administrator() {
    let sim = Sim::start();
    let r = sim.admin("POST", "/_sim/clientadministrators", Some(&json!({"orgNo": BUREAU, "externalRef": "ka"})));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!((v["systemId"].as_str(), v["externalRef"].as_str()), (Some(STD_SYSTEM), Some("ka")));
    assert_eq!(sim.packages_of(v["systemUserId"].as_str().unwrap()), [format!("{PKG}klientadministrator")]);
    // Twice: the key holds a system user already.
    let r = sim.admin("POST", "/_sim/clientadministrators", Some(&json!({"orgNo": BUREAU, "externalRef": "ka"})));
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().starts_with("AUTH-00004"));
    let r = sim.admin("POST", "/_sim/clientadministrators", Some(&json!({"orgNo": BUREAU, "systemId": NOREDIRECT_SYSTEM})));
    assert_eq!(r.status, 400);
}
