//! API.md §14 over HTTP: a customer deleting a system user (standard and agent, the order of the
//! steps, the portal page, the admin route and `SimHandle`), the request lists' quirks (one item
//! lost at every page boundary; agent lists in no fixed order) with their settings on and off,
//! system-user lists staying complete, and the delegation-check codes (AUTH-00068…00071) at
//! approval.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use altinn_sim::{DelegationCheck, SimOptions};
use common::*;
use serde_json::{json, Value};

const UI: &str = "/accessmanagement/ui/systemuser";

fn by_query(sim: &Sim, system: &str, ext: Option<&str>) -> Resp {
    let mut p = format!("{API}/systemuser/vendor/byquery?system-id={system}&orgno={CUSTOMER}");
    if let Some(e) = ext {
        p.push_str(&format!("&external-ref={e}"));
    }
    sim.get(&p, &sim.token(&[WRITE]))
}

// ---- deletion ----

#[test]
fn deleting_a_standard_system_user_revokes_flags_and_frees_the_key() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, Some("del"));
    let corr = uuid();
    created_id(sim.change(&corr, &su, &change_body()));
    assert_eq!(sim.admin("DELETE", &format!("/_sim/systemusers/{su}"), None).status, 204);
    // The user: flagged, its rights and packages revoked.
    let u = sim.system_user(&su);
    assert_eq!((u["isDeleted"].as_bool(), &u["rights"], &u["accessPackages"]), (Some(true), &json!([]), &json!([])));
    // Its request: soft-deleted.
    sim.get(&format!("{API}/systemuser/request/vendor/{su}"), &sim.token(&[READ])).problem(404, "AUTH-00010");
    sim.get(&format!("{API}/systemuser/request/vendor/byexternalref/{STD_SYSTEM}/{CUSTOMER}/del"), &sim.token(&[READ]))
        .problem(404, "AUTH-00010");
    by_query(&sim, STD_SYSTEM, Some("del")).assert_empty(404);
    let requests = sim.admin("GET", "/_sim/requests", None).json();
    assert_eq!(requests["requests"][0]["isDeleted"], true);
    // The key takes a new request: 201 New.
    let again = sim.create(&std_body(CUSTOMER, Some("del")));
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.json()["status"], "New");
    // Its change requests stay; new ones: the system user is not found.
    assert_eq!(sim.get(&format!("{API}/systemuser/changerequest/vendor/{corr}"), &sim.token(&[READ])).status, 200);
    sim.change(&uuid(), &su, &change_body()).problem(404, "AUTH-00015");
    // Deleting again: no such (active) system user.
    assert_eq!(sim.admin("DELETE", &format!("/_sim/systemusers/{su}"), None).status, 404);
    assert!(sim.h.delete_system_user(&su).unwrap_err().to_string().contains("AUTH-00015"));
}

#[test]
fn deleting_an_agent_system_user_deletes_its_request_first() {
    let sim = Sim::start();
    let agent = sim.agent_user(CUSTOMER, None);
    sim.admin("POST", &format!("/_sim/systemusers/{agent}/clients"), Some(&json!({"orgNo": CUSTOMER2})));
    // Access Management fails after the request is gone: the user stays without its request.
    sim.admin("DELETE", &format!("/_sim/systemusers/{agent}?failAccessManagement=true"), None).problem(400, "AUTH-00033");
    sim.get(&format!("{API}/systemuser/request/vendor/agent/{agent}"), &sim.token(&[READ])).problem(404, "AUTH-00010");
    let still = by_query(&sim, AGENT_SYSTEM, None);
    assert_eq!(still.status, 200, "the agent system user is still there");
    assert_eq!(sim.system_user(&agent)["clients"], json!([CUSTOMER2]));
    // Then it goes, with its clients (cascade).
    assert_eq!(sim.admin("DELETE", &format!("/_sim/systemusers/{agent}"), None).status, 204);
    by_query(&sim, AGENT_SYSTEM, None).assert_empty(404);
    let u = sim.system_user(&agent);
    assert_eq!((u["isDeleted"].as_bool(), &u["clients"]), (Some(true), &json!([])));
    assert_eq!(sim.create_agent(&agent_body(CUSTOMER, None)).status, 201);
}

#[test]
fn a_standard_delete_failing_in_access_management_changes_nothing() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    sim.admin("DELETE", &format!("/_sim/systemusers/{su}?failAccessManagement=true"), None).problem(400, "AUTH-00056");
    assert_eq!(sim.system_user(&su)["isDeleted"], false);
    assert_eq!(sim.rights_of(&su), [KRAV]);
    assert_eq!(sim.get(&format!("{API}/systemuser/request/vendor/{su}"), &sim.token(&[READ])).status, 200);
    assert_eq!(sim.admin("DELETE", &format!("/_sim/systemusers/{su}?failAccessManagement=maybe"), None).status, 400);
}

#[test]
fn deleting_on_the_system_users_page() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let page = sim.call("GET", &format!("{UI}/details?id={su}"), None, None).text();
    for needle in ["Slett systembruker / Delete system user", "data-state=\"active\"", "FJORDGLØTT BAKERI AS", KRAV, "Skattegrunnlag"] {
        assert!(page.contains(needle), "missing {needle}");
    }
    let r = sim.form(&format!("{UI}/details/delete"), &format!("id={su}"));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some(format!("{UI}/details?id={su}").as_str()));
    let page = sim.call("GET", &format!("{UI}/details?id={su}"), None, None).text();
    assert!(page.contains("data-state=\"deleted\"") && !page.contains("id=\"delete\""));
    sim.get(&format!("{API}/systemuser/request/vendor/{su}"), &sim.token(&[READ])).problem(404, "AUTH-00010");
    // Twice, or an unknown id.
    assert_eq!(sim.form(&format!("{UI}/details/delete"), &format!("id={su}")).status, 404);
    assert_eq!(sim.call("GET", &format!("{UI}/details?id={}", uuid()), None, None).status, 404);
}

#[test]
fn the_handle_deletes_a_system_user() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    sim.h.delete_system_user(&su).unwrap();
    by_query(&sim, STD_SYSTEM, None).assert_empty(404);
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 201);
}

// ---- request lists ----

fn ids(v: &Value) -> Vec<String> {
    v["data"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

/// Follows `next` by its token only; returns every page's ids.
fn walk(sim: &Sim, first: &str) -> Vec<Vec<String>> {
    let t = sim.token(&[READ]);
    let (mut path, mut pages) = (first.to_string(), Vec::new());
    loop {
        let v = sim.get(&path, &t).json();
        pages.push(ids(&v));
        match v["links"]["next"].as_str() {
            Some(n) => path = format!("{first}?token={}", n.split("token=").nth(1).unwrap()),
            None => return pages,
        }
        assert!(pages.len() < 50, "no end");
    }
}

#[test]
fn standard_request_lists_lose_one_item_at_every_page_boundary() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_page_size(3));
    let mut made: Vec<String> = (0..10).map(|i| created_id(sim.create(&std_body(CUSTOMER, Some(&format!("l{i}")))))).collect();
    made.sort();
    let pages = walk(&sim, &format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"));
    // Page 1 ends before made[3], whose id is the token; `id >` it starts page 2 at made[4].
    assert_eq!(pages, vec![made[0..3].to_vec(), made[4..7].to_vec(), made[8..10].to_vec()]);
    // The same with the quirk off: everything, once.
    let r = sim.admin("PUT", "/_sim/settings", Some(&json!({"lossyRequestPages": false})));
    assert_eq!(r.json()["lossyRequestPages"], false);
    let pages = walk(&sim, &format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}"));
    assert_eq!(pages.concat(), made);
    assert_eq!(pages.len(), 4);
}

/// The server's agent list: rows in heap order, `id >` the token, the token the first id past
/// the page (API.md §14). Rows may be lost and may come twice.
fn server_agent_pages(heap: &[String], page_size: usize) -> Vec<Vec<String>> {
    let (mut after, mut pages): (Option<String>, Vec<Vec<String>>) = (None, Vec::new());
    loop {
        let rows: Vec<String> = heap.iter().filter(|id| after.as_ref().is_none_or(|a| *id > a)).cloned().collect();
        pages.push(rows.iter().take(page_size).cloned().collect());
        match rows.get(page_size) {
            Some(t) => after = Some(t.clone()),
            None => return pages,
        }
    }
}

#[test]
fn agent_request_lists_come_in_heap_order_and_page_as_the_server_does() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_page_size(50));
    let mut heap: Vec<String> = (0..12).map(|i| created_id(sim.create_agent(&agent_body(CUSTOMER, Some(&format!("a{i}")))))).collect();
    let first = format!("{API}/systemuser/request/vendor/agent/bysystem/{AGENT_SYSTEM}");
    // No ORDER BY: the order they were written in, not by id.
    assert_eq!(walk(&sim, &first), vec![heap.clone()]);
    // An update (escalation) moves the row to the end of the heap.
    assert_eq!(sim.admin("POST", &format!("/_sim/requests/{}/escalate", heap[0]), None).status, 200);
    heap.rotate_left(1);
    assert_eq!(walk(&sim, &first), vec![heap.clone()]);
    // Paged: what the server's SQL gives, which skips more than one item per boundary in general.
    sim.admin("PUT", "/_sim/settings", Some(&json!({"pageSize": 3})));
    let pages = walk(&sim, &first);
    assert_eq!(pages, server_agent_pages(&heap, 3));
    // The row whose id is the token is never shown (`id >` it, and the token only grows); rows
    // already shown may come again (`id >` does not exclude them in heap order).
    let mut unique: Vec<String> = pages.concat();
    unique.sort();
    unique.dedup();
    assert!(!unique.contains(&heap[3]), "the first token's row is lost");
    assert!(unique.len() < heap.len(), "items are lost: {} of {}", unique.len(), heap.len());
    // Ordered by id with `unorderedAgentRequests` off; still lossy.
    sim.admin("PUT", "/_sim/settings", Some(&json!({"unorderedAgentRequests": false})));
    let mut sorted = heap.clone();
    sorted.sort();
    let pages = walk(&sim, &first);
    assert_eq!(pages[0], sorted[0..3]);
    assert_eq!(pages[1], sorted[4..7]);
    // Both off: complete, by id.
    sim.admin("PUT", "/_sim/settings", Some(&json!({"lossyRequestPages": false})));
    assert_eq!(walk(&sim, &first).concat(), sorted);
}

#[test]
fn list_quirks_off_from_the_start() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_page_size(2).with_list_quirks(false));
    let s = sim.admin("GET", "/_sim/settings", None).json();
    assert_eq!(
        (&s["lossyRequestPages"], &s["unorderedAgentRequests"], &s["repeatingChangeRequestPages"]),
        (&json!(false), &json!(false), &json!(false))
    );
    let mut std: Vec<String> = (0..5).map(|i| created_id(sim.create(&std_body(CUSTOMER, Some(&format!("q{i}")))))).collect();
    let mut agent: Vec<String> = (0..5).map(|i| created_id(sim.create_agent(&agent_body(CUSTOMER, Some(&format!("q{i}")))))).collect();
    std.sort();
    agent.sort();
    assert_eq!(walk(&sim, &format!("{API}/systemuser/request/vendor/bysystem/{STD_SYSTEM}")).concat(), std);
    assert_eq!(walk(&sim, &format!("{API}/systemuser/request/vendor/agent/bysystem/{AGENT_SYSTEM}")).concat(), agent);
}

#[test]
fn system_user_lists_stay_complete_with_the_quirks_on() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_page_size(2));
    let made: Vec<String> = (0..5).map(|i| sim.standard_user(CUSTOMER, Some(&format!("u{i}")))).collect();
    let t = sim.token(&[REGISTER]);
    let first = format!("{API}/systemuser/vendor/bysystem/{STD_SYSTEM}");
    let (mut path, mut seen) = (first.clone(), Vec::new());
    loop {
        let v = sim.get(&path, &t).json();
        seen.extend(ids(&v));
        match v["links"]["next"].as_str() {
            Some(n) => path = format!("{first}?token={}", n.split("token=").nth(1).unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, made, "every system user once, in creation order");
}

#[test]
fn quirk_settings_validate_and_switch_together() {
    let sim = Sim::start();
    let s = sim.admin("GET", "/_sim/settings", None).json();
    assert_eq!(
        (&s["lossyRequestPages"], &s["unorderedAgentRequests"], &s["repeatingChangeRequestPages"], &s["customerDelegationCheck"]),
        (&json!(true), &json!(true), &json!(true), &json!("ok")),
        "on by default, as the server"
    );
    for bad in [json!({"lossyRequestPages": "no"}), json!({"listQuirks": 1}), json!({"customerDelegationCheck": "nope"})] {
        assert_eq!(sim.admin("PUT", "/_sim/settings", Some(&bad)).status, 400, "{bad}");
    }
    // What GET gives, PUT takes back (the Python and Node harnesses reset settings that way).
    let r = sim.admin("PUT", "/_sim/settings", Some(&s));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), s);
    let s = sim.admin("PUT", "/_sim/settings", Some(&json!({"listQuirks": false}))).json();
    assert_eq!(
        (&s["lossyRequestPages"], &s["unorderedAgentRequests"], &s["repeatingChangeRequestPages"]),
        (&json!(false), &json!(false), &json!(false))
    );
    assert!(s.get("listQuirks").is_none(), "write-only");
    let mut settings = sim.h.settings();
    assert!(!settings.lossy_request_pages);
    settings.unordered_agent_requests = true;
    sim.h.set_settings(settings);
    assert_eq!(sim.admin("GET", "/_sim/settings", None).json()["unorderedAgentRequests"], true);
}

#[test]
fn binary_takes_the_quirk_and_delegation_check_flags() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_altinn-sim"))
        .args(["--listen", "127.0.0.1:0", "--admin", "--list-quirks", "off", "--unordered-agent-requests", "on"])
        .args(["--customer-delegation-check", "resourceIsMaskinportenSchema"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr: std::net::SocketAddr = line.trim().trim_start_matches("listening on http://").parse().unwrap();
    let s = raw(addr, "GET", "/_sim/settings", &[], b"").unwrap().json();
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(
        (&s["lossyRequestPages"], &s["unorderedAgentRequests"], &s["repeatingChangeRequestPages"], &s["customerDelegationCheck"]),
        (&json!(false), &json!(true), &json!(false), &json!("resourceIsMaskinportenSchema"))
    );
    for bad in [&["--list-quirks", "maybe"][..], &["--lossy-request-pages"], &["--customer-delegation-check", "nope"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_altinn-sim")).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

// ---- the newer codes at approval ----

#[test]
fn the_customers_delegation_check_gives_the_newer_codes_at_approval() {
    let cases = [
        (DelegationCheck::Unknown, "AUTH-00014"),
        (DelegationCheck::MissingRoleAccess, "AUTH-00016"),
        (DelegationCheck::MissingDelegationAccess, "AUTH-00018"),
        (DelegationCheck::MissingSrrRightAccess, "AUTH-00019"),
        (DelegationCheck::InsufficientAuthenticationLevel, "AUTH-00020"),
        (DelegationCheck::MissingPackageAccess, "AUTH-00068"),
        (DelegationCheck::AccessListValidationFail, "AUTH-00069"),
        (DelegationCheck::ResourceNotDelegable, "AUTH-00070"),
        (DelegationCheck::ResourceIsMaskinportenSchema, "AUTH-00071"),
    ];
    let sim = Sim::start();
    for (i, (check, code)) in cases.into_iter().enumerate() {
        sim.h.set_settings(altinn_sim::Settings { customer_delegation_check: check, ..sim.h.settings() });
        let id = created_id(sim.create(&std_body(CUSTOMER, Some(&format!("dc{i}")))));
        // On the confirm page.
        let r = sim.form(&format!("{UI}/request/approve"), &format!("id={id}"));
        assert_eq!(r.status, 403, "{check:?}");
        assert!(r.text().contains(code), "{check:?}: {}", r.text());
        // On the admin route, in the problem shape.
        let v = sim.approve(&id).problem(403, code);
        assert!(v["title"].as_str().unwrap().starts_with("DelegationCheck failed"), "{v}");
        // The request stays New, and no system user appears.
        let r = sim.get(&format!("{API}/systemuser/request/vendor/{id}"), &sim.token(&[READ])).json();
        assert_eq!(r["status"], "New");
        by_query(&sim, STD_SYSTEM, Some(&format!("dc{i}"))).assert_empty(404);
    }
    // A request with packages only is not checked; an agent request neither.
    let only =
        created_id(sim.create(&json!({"systemId": STD_SYSTEM, "partyOrgNo": CUSTOMER2, "accessPackages": [package("skattegrunnlag")]})));
    assert_eq!(sim.approve(&only).status, 200);
    let agent = created_id(sim.create_agent(&agent_body(CUSTOMER2, None)));
    assert_eq!(sim.approve(&agent).status, 200);
    // Back to ok: approval works.
    sim.admin("PUT", "/_sim/settings", Some(&json!({"customerDelegationCheck": "ok"})));
    let id = created_id(sim.create(&std_body(CUSTOMER, Some("dc-ok"))));
    assert_eq!(sim.approve(&id).status, 200);
}
