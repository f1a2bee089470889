//! The customer's side of a change request (API.md §11): the confirm page in Norwegian and
//! English, Approve and Reject on it and on the admin routes and `SimHandle`, 409 on a second
//! decision, and the system user's rights and packages visibly changing (admin view and the
//! system user's page; the vendor routes show no rights, as the server's `SystemUserExternalDTO`).

mod common;

use std::time::Duration;

use altinn_sim::{DelegationCheck, SimOptions};
use common::*;
use serde_json::json;

const UI: &str = "/accessmanagement/ui/systemuser";

fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").unwrap().1;
    format!("/{}", after_scheme.split_once('/').unwrap().1)
}

/// A standard system user and a `New` change request on it (`change_body`).
fn user_and_change(sim: &Sim) -> (String, String, serde_json::Value) {
    let su = sim.standard_user(CUSTOMER, None);
    let corr = uuid();
    let r = sim.change(&corr, &su, &change_body());
    assert_eq!(r.status, 201, "{}", r.text());
    (su, corr, r.json())
}

fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<ul id=\"{id}\">")).unwrap_or_else(|| panic!("no {id}"));
    let end = html[start..].find("</ul>").unwrap() + start;
    &html[start..end]
}

#[test]
fn page_shows_what_is_added_removed_and_held_in_both_languages() {
    let sim = Sim::start();
    let (su, corr, v) = user_and_change(&sim);
    let page = sim.call("GET", &path_of(v["confirmUrl"].as_str().unwrap()), None, None);
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    let html = page.text();
    for needle in [
        "lang=\"nb\"",
        "Godkjenn endring av systemtilgang",
        "Approve a change of system access",
        "Legges til",
        "Will be added",
        "Fjernes",
        "Will be removed",
        "Systembrukeren har nå",
        "The system user has now",
        "SmartRegnskap",
        "SMARTREGNSKAP AS",
        "FJORDGLØTT BAKERI AS",
        "Godkjenn / Approve",
        "Ikke godkjenn / Reject",
        "data-status=\"New\"",
        &format!("name=\"id\" value=\"{corr}\""),
        &format!("<code>{su}</code>"),
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    let add = section(&html, "add");
    assert!(add.contains(A_ORDNING) && add.contains("Merverdiavgift"), "{add}");
    let remove = section(&html, "remove");
    assert!(remove.contains(KRAV) && remove.contains("Skattegrunnlag"), "{remove}");
    let current = section(&html, "current");
    assert!(current.contains(KRAV) && current.contains("skattegrunnlag") && !current.contains("merverdiavgift"), "{current}");
    // Unknown or malformed ids.
    assert_eq!(sim.call("GET", &format!("{UI}/changerequest?id={}", uuid()), None, None).status, 404);
    assert_eq!(sim.call("GET", &format!("{UI}/changerequest?id=nope"), None, None).status, 404);
    // A request's id is not a change request's.
    let req = created_id(sim.create(&std_body(CUSTOMER2, None)));
    assert_eq!(sim.call("GET", &format!("{UI}/changerequest?id={req}"), None, None).status, 404);
}

#[test]
fn approve_on_the_page_changes_the_system_users_access_visibly() {
    let sim = Sim::start();
    let (su, corr, _) = user_and_change(&sim);
    assert_eq!(sim.rights_of(&su), [KRAV]);
    assert_eq!(sim.packages_of(&su), [format!("{PKG}skattegrunnlag")]);
    let r = sim.form(&format!("{UI}/changerequest/approve"), &format!("id={corr}"));
    assert_eq!(r.status, 303);
    let done = r.header("location").unwrap().to_string();
    assert_eq!(done, format!("{UI}/done?id={corr}"));
    let page = sim.call("GET", &done, None, None).text();
    assert!(page.contains("data-status=\"Accepted\"") && page.contains(&format!("{UI}/details?id={su}")), "{page}");
    // The vendor sees `Accepted`.
    let v = sim.get(&format!("{API}/systemuser/changerequest/vendor/{corr}"), &sim.token(&[READ])).json();
    assert_eq!(v["status"], "Accepted");
    // The system user now holds the a-ordning right and merverdiavgift, not krav and skattegrunnlag.
    assert_eq!(sim.rights_of(&su), [A_ORDNING]);
    assert_eq!(sim.packages_of(&su), [format!("{PKG}merverdiavgift")]);
    // The system user's page shows it.
    let details = sim.call("GET", &format!("{UI}/details?id={su}"), None, None).text();
    assert!(section(&details, "rights").contains(A_ORDNING) && !section(&details, "rights").contains(KRAV));
    assert!(section(&details, "packages").contains("Merverdiavgift") && !section(&details, "packages").contains("Skattegrunnlag"));
    // The vendor's byquery is unchanged in shape: the server shows no rights there.
    let q = sim.get(&format!("{API}/systemuser/vendor/byquery?system-id={STD_SYSTEM}&orgno={CUSTOMER}"), &sim.token(&[WRITE])).json();
    assert_eq!(q["id"], su.as_str());
    assert!(q.get("rights").is_none() && q.get("accessPackages").is_none(), "{q}");
    // The page no longer offers the buttons.
    let page = sim.call("GET", &format!("{UI}/changerequest?id={corr}"), None, None).text();
    assert!(!page.contains("id=\"approve\"") && page.contains("data-status=\"Accepted\""));
    assert!(section(&page, "current").contains("merverdiavgift"));
}

#[test]
fn reject_on_the_page_changes_nothing_and_follows_the_redirect_url() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let corr = uuid();
    let mut b = change_body();
    b["redirectUrl"] = json!("https://smartregnskap.example/callback?cr=9");
    created_id(sim.change(&corr, &su, &b));
    let r = sim.form(&format!("{UI}/changerequest/reject"), &format!("id={corr}"));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("https://smartregnskap.example/callback?cr=9"));
    let v = sim.get(&format!("{API}/systemuser/changerequest/vendor/{corr}"), &sim.token(&[READ])).json();
    assert_eq!(v["status"], "Rejected");
    assert_eq!(sim.rights_of(&su), [KRAV]);
    assert_eq!(sim.packages_of(&su), [format!("{PKG}skattegrunnlag")]);
}

#[test]
fn a_second_decision_is_409_auth_00013() {
    let sim = Sim::start();
    let (_, corr, _) = user_and_change(&sim);
    assert_eq!(sim.form(&format!("{UI}/changerequest/approve"), &format!("id={corr}")).status, 303);
    for what in ["approve", "reject"] {
        let r = sim.form(&format!("{UI}/changerequest/{what}"), &format!("id={corr}"));
        assert_eq!(r.status, 409);
        assert!(r.text().contains("AUTH-00013") && r.text().contains("The Status of the Request is not New."));
        sim.admin("POST", &format!("/_sim/changerequests/{corr}/{what}"), None).problem(409, "AUTH-00013");
    }
    assert!(sim.h.approve_change(&corr).unwrap_err().to_string().contains("AUTH-00013"));
    assert!(sim.h.reject_change(&corr).unwrap_err().to_string().contains("AUTH-00013"));
    // Unknown ids.
    assert_eq!(sim.form(&format!("{UI}/changerequest/approve"), &format!("id={}", uuid())).status, 404);
    sim.admin("POST", &format!("/_sim/changerequests/{}/approve", uuid()), None).problem(404, "AUTH-00010");
}

#[test]
fn admin_and_handle_decisions() {
    let sim = Sim::start();
    let (su, corr, _) = user_and_change(&sim);
    let r = sim.admin("POST", &format!("/_sim/changerequests/{corr}/approve"), None);
    assert_eq!(r.json(), json!({"id": corr, "status": "Accepted", "systemUserId": su}));
    assert_eq!(sim.packages_of(&su), [format!("{PKG}merverdiavgift")]);
    let second = uuid();
    created_id(sim.change(&second, &su, &json!({"requiredAccessPackages": [package("regnskap-okonomi-rapport")]})));
    sim.h.reject_change(&second).unwrap();
    assert_eq!(sim.packages_of(&su), [format!("{PKG}merverdiavgift")]);
    let third = uuid();
    created_id(sim.change(&third, &su, &json!({"requiredAccessPackages": [package("regnskap-okonomi-rapport")]})));
    sim.h.approve_change(&third).unwrap();
    assert_eq!(sim.packages_of(&su), [format!("{PKG}merverdiavgift"), format!("{PKG}regnskap-okonomi-rapport")]);
    let all = sim.admin("GET", "/_sim/changerequests", None).json();
    let statuses: Vec<&str> = all["changeRequests"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["Accepted", "Rejected", "Accepted"]);
}

#[test]
fn approval_succeeds_when_every_required_package_is_held_already() {
    let sim = Sim::start();
    let su = sim.standard_user(CUSTOMER, None);
    let corr = uuid();
    // skattegrunnlag is held; the right is held too: nothing to add (45cd68fd).
    created_id(sim.change(&corr, &su, &json!({"requiredAccessPackages": [package("skattegrunnlag")], "requiredRights": [right(KRAV)]})));
    assert_eq!(sim.form(&format!("{UI}/changerequest/approve"), &format!("id={corr}")).status, 303);
    assert_eq!(sim.packages_of(&su), [format!("{PKG}skattegrunnlag")], "no duplicate");
    assert_eq!(sim.rights_of(&su), [KRAV]);
    // Unwanted items the user does not hold are no change either.
    let corr = uuid();
    created_id(sim.change(
        &corr,
        &su,
        &json!({"unwantedAccessPackages": [package("merverdiavgift")], "unwantedRights": [right(A_ORDNING)]}),
    ));
    sim.h.approve_change(&corr).unwrap();
    assert_eq!(sim.packages_of(&su), [format!("{PKG}skattegrunnlag")]);
}

#[test]
fn approval_of_a_deleted_system_users_change_request_is_auth_00015() {
    let sim = Sim::start();
    let (su, corr, _) = user_and_change(&sim);
    sim.h.delete_system_user(&su).unwrap();
    // The change request stays.
    assert_eq!(sim.get(&format!("{API}/systemuser/changerequest/vendor/{corr}"), &sim.token(&[READ])).status, 200);
    let page = sim.call("GET", &format!("{UI}/changerequest?id={corr}"), None, None).text();
    assert!(page.contains("The system user is deleted"));
    let r = sim.form(&format!("{UI}/changerequest/approve"), &format!("id={corr}"));
    assert_eq!(r.status, 404);
    assert!(r.text().contains("AUTH-00015"));
    // Rejecting needs no system user.
    assert_eq!(sim.form(&format!("{UI}/changerequest/reject"), &format!("id={corr}")).status, 303);
}

#[test]
fn approval_needs_the_customers_delegation_check_for_required_rights() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_customer_delegation_check(DelegationCheck::MissingPackageAccess));
    // The system user is made while the check passes.
    sim.admin("PUT", "/_sim/settings", Some(&json!({"customerDelegationCheck": "ok"})));
    let (su, corr, _) = user_and_change(&sim);
    sim.admin("PUT", "/_sim/settings", Some(&json!({"customerDelegationCheck": "missingPackageAccess"})));
    // A change request does not map the reason: AUTH-00001, and nothing changes.
    let r = sim.form(&format!("{UI}/changerequest/approve"), &format!("id={corr}"));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("AUTH-00001"), "{}", r.text());
    sim.admin("POST", &format!("/_sim/changerequests/{corr}/approve"), None).problem(400, "AUTH-00001");
    assert_eq!(sim.rights_of(&su), [KRAV]);
    assert_eq!(sim.get(&format!("{API}/systemuser/changerequest/vendor/{corr}"), &sim.token(&[READ])).json()["status"], "New");
    // Without required rights there is no rights check.
    let only_packages = uuid();
    created_id(sim.change(&only_packages, &su, &json!({"requiredAccessPackages": [package("merverdiavgift")]})));
    sim.h.approve_change(&only_packages).unwrap();
}

#[test]
fn approval_is_not_stopped_by_the_timeout() {
    let sim = Sim::start();
    let (su, corr, _) = user_and_change(&sim);
    sim.h.advance_clock(Duration::from_secs(200 * 86_400));
    let list = sim.get(&format!("{API}/systemuser/changerequest/vendor/bysystem/{STD_SYSTEM}"), &sim.token(&[READ])).json();
    assert_eq!(list["data"][0]["timedOut"], true);
    // The server checks only the status.
    assert_eq!(sim.form(&format!("{UI}/changerequest/approve"), &format!("id={corr}")).status, 303);
    assert_eq!(sim.rights_of(&su), [A_ORDNING]);
}

#[test]
fn change_requests_and_the_changed_access_survive_a_restart() {
    let path = std::env::temp_dir().join(format!("altinn-sim-change-{}-{}.json", std::process::id(), uuid()));
    let sim = Sim::with(SimOptions::default().with_admin(true).with_state_file(Some(&path)));
    let (su, corr, _) = user_and_change(&sim);
    sim.h.approve_change(&corr).unwrap();
    let pending = uuid();
    created_id(sim.change(&pending, &su, &json!({"unwantedAccessPackages": [package("merverdiavgift")]})));
    sim.h.restart(Duration::from_millis(50)).unwrap();
    assert_eq!(sim.packages_of(&su), [format!("{PKG}merverdiavgift")]);
    let v = sim.get(&format!("{API}/systemuser/changerequest/vendor/{pending}"), &sim.token(&[READ])).json();
    assert_eq!(v["status"], "New");
    sim.h.approve_change(&pending).unwrap();
    assert!(sim.packages_of(&su).is_empty());
    drop(sim);
    let _ = std::fs::remove_file(&path);
}
