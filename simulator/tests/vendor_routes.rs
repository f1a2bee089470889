//! The read and delete routes of API.md §3, pagination, system users and the system
//! register, over real HTTP.

mod common;

use altinn_sim::SimOptions;
use common::*;
use serde_json::{json, Value};

fn new_id(r: Resp) -> String {
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

#[test]
fn get_request_by_id() {
    let sim = Sim::start();
    let id = new_id(sim.create(&std_body(CUSTOMER, Some("g"))));
    let r = sim.get(&format!("{API}/systemuser/request/vendor/{id}"), &sim.token(&[READ]));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["status"], "New");
    assert!(v["confirmUrl"].as_str().unwrap().ends_with("&DONTCHOOSEREPORTEE=true"));
    // Upper-case and brace forms of the Guid bind too.
    let upper = id.to_uppercase();
    assert_eq!(sim.get(&format!("{API}/systemuser/request/vendor/{upper}"), &sim.token(&[READ])).status, 200);
}

#[test]
fn get_request_unknown_wrong_kind_and_not_a_guid() {
    let sim = Sim::start();
    let read = sim.token(&[READ]);
    sim.get(&format!("{API}/systemuser/request/vendor/3fa85f64-5717-4562-b3fc-2c963f66afa6"), &read).problem(404, "AUTH-00010");
    let agent = new_id(sim.create_agent(&agent_body(CUSTOMER, None)));
    // The standard route does not see agent requests, and the other way round.
    sim.get(&format!("{API}/systemuser/request/vendor/{agent}"), &read).problem(404, "AUTH-00010");
    let std = new_id(sim.create(&std_body(CUSTOMER, None)));
    sim.get(&format!("{API}/systemuser/request/vendor/agent/{std}"), &read).problem(404, "AUTH-00010");
    let v = sim.get(&format!("{API}/systemuser/request/vendor/not-a-guid"), &read).validation();
    assert!(v["errors"]["requestId"].is_array());
}

#[test]
fn get_agent_request_by_id() {
    let sim = Sim::start();
    let id = new_id(sim.create_agent(&agent_body(CUSTOMER, Some("a"))));
    let v = sim.get(&format!("{API}/systemuser/request/vendor/agent/{id}"), &sim.token(&[READ])).json();
    assert_eq!(v["id"], id.as_str());
    assert!(v.get("rights").is_none());
    assert!(v["confirmUrl"].as_str().unwrap().contains("/agentrequest?id="));
}

#[test]
fn get_request_of_another_vendor_is_auth_00011() {
    let sim = Sim::start();
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    let foreign = sim.h.mint_token(OTHER_VENDOR, &[READ]);
    sim.get(&format!("{API}/systemuser/request/vendor/{id}"), &foreign).problem(404, "AUTH-00011");
}

#[test]
fn get_by_external_ref_standard_and_agent() {
    let sim = Sim::start();
    let read = sim.token(&[READ]);
    let id = new_id(sim.create(&std_body(CUSTOMER, Some("ext-1"))));
    let r = sim.get(&format!("{API}/systemuser/request/vendor/byexternalref/{STD_SYSTEM}/{CUSTOMER}/ext-1"), &read);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], id.as_str());
    sim.get(&format!("{API}/systemuser/request/vendor/byexternalref/{STD_SYSTEM}/{CUSTOMER}/nope"), &read).problem(404, "AUTH-00010");
    let aid = new_id(sim.create_agent(&agent_body(CUSTOMER, None)));
    let r = sim.get(&format!("{API}/systemuser/request/vendor/agent/byexternalref/{AGENT_SYSTEM}/{CUSTOMER}/{CUSTOMER}"), &read);
    assert_eq!(r.json()["id"], aid.as_str());
    // Percent-encoded segments stay one segment: a '/' inside the ref does not change the route.
    let id2 = new_id(sim.create(&std_body(CUSTOMER, Some("a/b"))));
    let r = sim.get(&format!("{API}/systemuser/request/vendor/byexternalref/{STD_SYSTEM}/{CUSTOMER}/a%2Fb"), &read);
    assert_eq!(r.json()["id"], id2.as_str());
    // Foreign vendor.
    let foreign = sim.h.mint_token(OTHER_VENDOR, &[READ]);
    sim.get(&format!("{API}/systemuser/request/vendor/byexternalref/{STD_SYSTEM}/{CUSTOMER}/ext-1"), &foreign).problem(404, "AUTH-00011");
}

fn page(sim: &Sim, path: &str) -> Value {
    let r = sim.get(path, &sim.token(&[READ, REGISTER]));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// Follows `links.next` by taking only its `token` (never its host) and checks every item.
fn walk(sim: &Sim, first: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut path = first.to_string();
    loop {
        let v = page(sim, &path);
        pages += 1;
        items.extend(v["data"].as_array().unwrap().iter().cloned());
        match v["links"]["next"].as_str() {
            Some(next) => {
                let token = next.split("token=").nth(1).unwrap();
                path = format!("{first}?token={token}");
            }
            None => {
                assert_eq!(v["links"], json!({}));
                return (items, pages);
            }
        }
    }
}

/// Lists that page completely, in id order: the server's list quirks (API.md §14) off; they are
/// tested in `lists_and_deletion.rs`.
fn complete_lists() -> SimOptions {
    SimOptions::default().with_admin(true).with_list_quirks(false)
}

#[test]
fn list_requests_paginates_50_per_page_with_absolute_next() {
    let sim = Sim::with(complete_lists());
    for i in 0..120 {
        new_id(sim.create(&std_body(CUSTOMER, Some(&format!("p{i}")))));
    }
    let first = format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}");
    let v = page(&sim, &first);
    assert_eq!(v["data"].as_array().unwrap().len(), 50);
    let next = v["links"]["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/authentication/api/v1/systemuser/request/vendor/bysystem/{STD_SYSTEM}?token=", sim.h.url())),
        "{next}"
    );
    assert!(v["data"][0].get("confirmUrl").is_none(), "list items have no confirmUrl");
    assert!(v["data"][0]["rights"].is_array());
    let (items, pages) = walk(&sim, &first);
    assert_eq!(pages, 3);
    assert_eq!(items.len(), 120);
    let mut ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    let sorted = {
        let mut s = ids.clone();
        s.sort();
        s
    };
    assert_eq!(ids, sorted, "ordered by id");
    ids.dedup();
    assert_eq!(ids.len(), 120);
}

#[test]
fn list_agent_requests_and_page_size_setting() {
    let sim = Sim::with(complete_lists().with_page_size(3));
    for i in 0..7 {
        new_id(sim.create_agent(&agent_body(CUSTOMER, Some(&format!("a{i}")))));
    }
    new_id(sim.create(&std_body(CUSTOMER, None)));
    let first = format!("{API}/systemuser/request/vendor/agent/bysystem/{AGENT_SYSTEM}");
    let v = page(&sim, &first);
    assert!(v["links"]["next"].as_str().unwrap().contains("/authentication/api/v1/systemuser/request/vendor/agent/bysystem/"));
    let (items, pages) = walk(&sim, &first);
    assert_eq!((items.len(), pages), (7, 3));
    assert!(items.iter().all(|i| i.get("rights").is_none()));
    // Exactly one full page: no next link.
    let sim = Sim::with(complete_lists().with_page_size(2));
    new_id(sim.create(&std_body(CUSTOMER, Some("1"))));
    new_id(sim.create(&std_body(CUSTOMER, Some("2"))));
    let v = page(&sim, &format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"));
    assert_eq!(v["links"], json!({}));
}

#[test]
fn list_requests_errors() {
    let sim = Sim::start();
    let read = sim.token(&[READ]);
    sim.get(&format!("{API}/systemuser/request/vendor/bysystem/{FOREIGN_SYSTEM}"), &read).problem(404, "AUTH-00011");
    sim.get(&format!("{API}/systemuser/request/vendor/bysystem/314248295_none"), &read).problem(404, "AUTH-00011");
    sim.get(&format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}?token=%%%"), &read).validation();
    // Empty list.
    let v = sim.get(&format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"), &read).json();
    assert_eq!(v, json!({"links": {}, "data": []}));
}

#[test]
fn next_link_can_point_at_an_internal_host() {
    let sim = Sim::with(complete_lists().with_page_size(1).with_next_link_host(Some("http://altinn-platform-internal.local")));
    new_id(sim.create(&std_body(CUSTOMER, Some("1"))));
    new_id(sim.create(&std_body(CUSTOMER, Some("2"))));
    let first = format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}");
    let v = page(&sim, &first);
    let next = v["links"]["next"].as_str().unwrap();
    assert!(next.starts_with("http://altinn-platform-internal.local/authentication/api/v1/systemuser/request/vendor/bysystem/"), "{next}");
    // Its token works on the real base.
    let (items, _) = walk(&sim, &first);
    assert_eq!(items.len(), 2);
}

#[test]
fn delete_request_is_202_empty_then_404() {
    let sim = Sim::start();
    let write = sim.token(&[WRITE]);
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    sim.call("DELETE", &format!("{API}/systemuser/request/vendor/{id}"), Some(&write), None).assert_empty(202);
    sim.get(&format!("{API}/systemuser/request/vendor/{id}"), &sim.token(&[READ])).problem(404, "AUTH-00010");
    sim.call("DELETE", &format!("{API}/systemuser/request/vendor/{id}"), Some(&write), None).problem(404, "AUTH-00010");
    // Agent requests are deleted on the same route.
    let aid = new_id(sim.create_agent(&agent_body(CUSTOMER, None)));
    sim.call("DELETE", &format!("{API}/systemuser/request/vendor/{aid}"), Some(&write), None).assert_empty(202);
    // Needs the write scope.
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    sim.call("DELETE", &format!("{API}/systemuser/request/vendor/{id}"), Some(&sim.token(&[READ])), None).assert_empty(403);
}

#[test]
fn system_user_by_query() {
    let sim = Sim::start();
    let write = sim.token(&[WRITE]);
    let q = |ext: Option<&str>| {
        let mut p = format!("{API}/systemuser/vendor/byquery?system-id={STD_SYSTEM}&orgno={CUSTOMER}");
        if let Some(e) = ext {
            p.push_str(&format!("&external-ref={e}"));
        }
        p
    };
    sim.get(&q(None), &write).assert_empty(404);
    let id = new_id(sim.create(&std_body(CUSTOMER, None)));
    sim.get(&q(None), &write).assert_empty(404);
    assert_eq!(sim.approve(&id).status, 200);
    let r = sim.get(&q(None), &write);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["reporteeOrgNo"], CUSTOMER);
    assert_eq!(v["externalRef"], CUSTOMER);
    assert_eq!(v["supplierOrgno"], "0192:314248295");
    assert_eq!(v["supplierName"], "SMARTREGNSKAP AS");
    assert_eq!(v["userType"], "standard");
    assert_eq!(v["isDeleted"], false);
    assert_eq!(v["systemId"], STD_SYSTEM);
    // external-ref defaults to orgno; explicitly given too.
    assert_eq!(sim.get(&q(Some(CUSTOMER)), &write).status, 200);
    sim.get(&q(Some("other")), &write).assert_empty(404);
    // The read scope is not enough.
    sim.get(&q(None), &sim.token(&[READ])).assert_empty(403);
    // Another vendor: empty 404.
    sim.get(&q(None), &sim.h.mint_token(OTHER_VENDOR, &[WRITE])).assert_empty(404);
    // Missing parameters.
    let v = sim.get(&format!("{API}/systemuser/vendor/byquery?orgno={CUSTOMER}"), &write).validation();
    assert!(v["errors"]["system-id"].is_array());
}

#[test]
fn list_system_users_paginates() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_page_size(2));
    for i in 0..5 {
        let id = new_id(sim.create(&std_body(CUSTOMER, Some(&format!("su{i}")))));
        assert_eq!(sim.approve(&id).status, 200);
    }
    let aid = new_id(sim.create_agent(&agent_body(CUSTOMER, None)));
    assert_eq!(sim.approve(&aid).status, 200);
    let first = format!("{API}/systemuser/vendor/bysystem/{STD_SYSTEM}");
    let (items, pages) = walk(&sim, &first);
    assert_eq!((items.len(), pages), (5, 3));
    assert!(items.iter().all(|i| i["userType"] == "standard"));
    let (agents, _) = walk(&sim, &format!("{API}/systemuser/vendor/bysystem/{AGENT_SYSTEM}"));
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0]["userType"], "agent");
    // Scope: systemregister.write, not request.write.
    sim.get(&first, &sim.token(&[READ, WRITE])).assert_empty(403);
    // Foreign system.
    sim.get(&format!("{API}/systemuser/vendor/bysystem/{FOREIGN_SYSTEM}"), &sim.token(&[REGISTER])).problem(404, "AUTH-00011");
}

#[test]
fn read_own_registered_system() {
    let sim = Sim::start();
    let reg = sim.token(&[REGISTER]);
    let r = sim.get(&format!("{API}/systemregister/vendor/{STD_SYSTEM}"), &reg);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["id"], STD_SYSTEM);
    assert_eq!(v["vendor"], json!({"ID": "0192:314248295"}));
    assert_eq!(v["name"]["nb"], "SmartRegnskap");
    assert_eq!(v["allowedRedirectUrls"], json!(["https://smartregnskap.example/callback"]));
    assert_eq!(v["clientId"], json!(["sim-smartregnskap-client"]));
    assert_eq!(v["isVisible"], true);
    assert_eq!(v["isDeleted"], false);
    assert!(v["rights"].is_array() && v["accessPackages"].is_array());
    sim.get(&format!("{API}/systemregister/vendor/314248295_unknown"), &reg).assert_empty(404);
    sim.get(&format!("{API}/systemregister/vendor/{FOREIGN_SYSTEM}"), &reg).assert_empty(403);
    sim.get(&format!("{API}/systemregister/vendor/{STD_SYSTEM}"), &sim.token(&[READ, WRITE])).assert_empty(403);
}

#[test]
fn unknown_routes_and_methods() {
    let sim = Sim::start();
    sim.get(&format!("{API}/systemuser/request/nothing/here/at/all"), &sim.rw()).assert_empty(404);
    sim.call("PUT", &format!("{API}/systemuser/request/vendor"), Some(&sim.rw()), None).assert_empty(405);
    // The guide's agent route does not exist on the server (API.md §9).
    sim.post(&format!("{API}/systemuser/agent/request"), &sim.rw(), &agent_body(CUSTOMER, None)).assert_empty(404);
}
