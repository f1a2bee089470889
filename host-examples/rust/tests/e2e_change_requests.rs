//! Change requests (API.md §11) end to end: the Rust host, the BUILT component and the simulator
//! over real HTTP. Every operation (create, get by id and by external ref, list, withdraw), the
//! customer's decisions, exactly-once create under a lost answer, the replay checks, what the
//! component refuses before sending, the list quirk and the confirm-link guard. What the system
//! user holds is read from the simulator's admin view (Altinn's vendor API never shows it).

// `ClientError` carries the component's whole typed error by value (the library's choice).
#![allow(clippy::result_large_err)]

mod common;
mod e2e;

use altinn_sim::{FaultKind, FaultSpec, SimHandle, SimOptions};
use e2e::*;
use serde_json::Value;
use systemuser_host::wit::{self, AccessPackage, AttributePair, ChangeRequestInput, ChangeRequestStatus, Error, Right};
use systemuser_host::{ChangeOutcome, Client, ClientError};

const MERVERDIAVGIFT: &str = "urn:altinn:accesspackage:merverdiavgift";
const SKATTEGRUNNLAG: &str = "urn:altinn:accesspackage:skattegrunnlag";
const RAPPORT: &str = "urn:altinn:accesspackage:regnskap-okonomi-rapport";
const KRAV: &str = "ske-krav-og-betalinger";

fn package(urn: &str) -> AccessPackage {
    AccessPackage { urn: urn.into() }
}

fn right(value: &str) -> Right {
    Right { action: None, resource: vec![AttributePair { id: "urn:altinn:resource".into(), value: value.into() }] }
}

/// A change of `org`'s system user (external ref `external_ref`) asking for `packages`.
fn change(org: &str, external_ref: &str, packages: &[&str]) -> ChangeRequestInput {
    ChangeRequestInput {
        system_id: STANDARD_SYSTEM.into(),
        party_org_no: org.into(),
        external_ref: Some(external_ref.into()),
        correlation_id: None,
        required_rights: vec![],
        unwanted_rights: vec![],
        required_access_packages: packages.iter().map(|p| package(p)).collect(),
        unwanted_access_packages: vec![],
        redirect_url: None,
    }
}

/// A standard system user for (`org`, `external_ref`): requested with the right
/// `ske-krav-og-betalinger` and the package `skattegrunnlag`, approved by the customer.
fn approved_user(sim: &SimHandle, client: &Client, org: &str, external_ref: &str) -> String {
    let mut input = standard_input(org, Some(external_ref));
    input.access_packages = Some(vec![package(SKATTEGRUNNLAG)]);
    let created = client.create_standard_request(input).expect("the request is created");
    sim.approve(&created.request.id).expect("the customer approves");
    created.request.id
}

#[track_caller]
fn created(outcome: Result<ChangeOutcome, ClientError>) -> wit::CreatedChangeRequest {
    match outcome {
        Ok(ChangeOutcome::Created(c)) => c,
        other => panic!("expected a change request, got {other:?}"),
    }
}

/// Every change request the simulator stores (withdrawn ones too).
fn stored_changes(sim: &SimHandle) -> Vec<Value> {
    admin_get(sim, "/_sim/changerequests")["changeRequests"].as_array().cloned().unwrap_or_default()
}

fn stored_changes_of(sim: &SimHandle, system_user_id: &str) -> Vec<Value> {
    stored_changes(sim).into_iter().filter(|c| c["systemUserId"] == system_user_id).collect()
}

/// What the system user holds now (the admin view): its packages' URNs and its rights' values.
fn holdings(sim: &SimHandle, system_user_id: &str) -> (Vec<String>, Vec<String>) {
    let user = admin_get(sim, &format!("/_sim/systemusers/{system_user_id}"));
    let packages = user["accessPackages"].as_array().unwrap().iter().map(|p| p["urn"].as_str().unwrap().to_string()).collect();
    let rights = user["rights"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["resource"].as_array().unwrap().iter().map(|p| p["value"].as_str().unwrap().to_string()))
        .collect();
    (packages, rights)
}

/// The calls the simulator logged on Altinn's and Maskinporten's routes (its admin routes,
/// which the test itself calls, have no route name).
fn api_calls(sim: &SimHandle) -> Vec<Value> {
    calls(sim).into_iter().filter(|c| c["route"].is_string()).collect()
}

fn posts(sim: &SimHandle) -> usize {
    api_calls(sim).iter().filter(|c| c["method"] == "POST").count()
}

/// A uuid (version 4 shape) for an explicit correlation id, distinct per `n`.
fn uuid(n: u64) -> String {
    format!("{:08x}-5a5a-4{:03x}-8{:03x}-{:012x}", n, n % 0xfff, (n * 7) % 0xfff, n * 0x1_0001)
}

#[test]
fn create_then_approve_gives_accepted_and_the_system_user_holds_the_change() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[0];
    let user_id = approved_user(&sim, &client, org, "cr-approve");
    assert_eq!(holdings(&sim, &user_id), (vec![SKATTEGRUNNLAG.to_string()], vec![KRAV.to_string()]));

    let mut input = change(org, "cr-approve", &[MERVERDIAVGIFT]);
    input.unwanted_rights = vec![right(KRAV)];
    input.redirect_url = Some(REDIRECT.into());
    let c = created(client.create_change_request(input));
    assert!(c.is_new && !c.reconciled, "{c:?}");
    let cr = &c.change_request;
    assert_eq!(cr.status, ChangeRequestStatus::New);
    assert_eq!((cr.system_user_id.as_str(), cr.system_id.as_str(), cr.party_org_no.as_str()), (user_id.as_str(), STANDARD_SYSTEM, org));
    assert_eq!(cr.external_ref, "cr-approve");
    assert_eq!(cr.required_access_packages, vec![package(MERVERDIAVGIFT)]);
    assert_eq!(cr.unwanted_rights, vec![right(KRAV)]);
    assert_eq!(cr.redirect_url.as_deref(), Some(REDIRECT));
    let confirm = cr.confirm_url.as_deref().expect("a confirm link");
    assert_eq!(confirm, format!("{}/accessmanagement/ui/systemuser/changerequest?id={}&DONTCHOOSEREPORTEE=true", sim.url(), cr.id));
    assert!(!cr.timed_out);
    // The correlation id was derived (version 8): the vendor gave none.
    assert_eq!(&cr.id[14..15], "8", "{}", cr.id);

    sim.approve_change(&cr.id).expect("the customer approves the change");
    let after = client.get_change_request(&cr.id).expect("get by id");
    assert_eq!(after.status, ChangeRequestStatus::Accepted);
    assert_eq!(after.confirm_url.as_deref(), Some(confirm));
    let (packages, rights) = holdings(&sim, &user_id);
    assert_eq!(packages, vec![SKATTEGRUNNLAG.to_string(), MERVERDIAVGIFT.to_string()], "the required package was added");
    assert!(rights.is_empty(), "the unwanted right was revoked: {rights:?}");

    // By the system user's key: the server's hint (package lists empty), the same change request.
    let hint = client
        .get_change_request_by_external_ref(wit::ChangeRequestKey {
            system_id: STANDARD_SYSTEM.into(),
            org_no: org.into(),
            external_ref: "cr-approve".into(),
        })
        .expect("get by external ref");
    assert_eq!((hint.id.as_str(), &hint.status), (cr.id.as_str(), &ChangeRequestStatus::Accepted));
    assert!(hint.required_access_packages.is_empty(), "the server drops the package lists there");

    let list = client.list_change_requests(STANDARD_SYSTEM).expect("list");
    assert!(!list.may_be_incomplete);
    assert_eq!(list.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec![cr.id.as_str()]);
    assert_eq!(list.items[0].confirm_url, None, "list items carry no confirm link");
}

#[test]
fn a_rejected_change_changes_nothing() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[1];
    let user_id = approved_user(&sim, &client, org, "cr-reject");
    let before = holdings(&sim, &user_id);
    let c = created(client.create_change_request(change(org, "cr-reject", &[MERVERDIAVGIFT, RAPPORT])));
    sim.reject_change(&c.change_request.id).expect("the customer rejects");
    assert_eq!(client.get_change_request(&c.change_request.id).unwrap().status, ChangeRequestStatus::Rejected);
    assert_eq!(holdings(&sim, &user_id), before);
    // Asking for the same change again finds the rejected one: the derived correlation id is the same.
    let again = created(client.create_change_request(change(org, "cr-reject", &[RAPPORT, MERVERDIAVGIFT])));
    assert!(!again.is_new);
    assert_eq!(
        (again.change_request.id.as_str(), &again.change_request.status),
        (c.change_request.id.as_str(), &ChangeRequestStatus::Rejected)
    );
    assert_eq!(stored_changes_of(&sim, &user_id).len(), 1);
}

#[test]
fn a_withdrawn_change_request_is_not_found_afterwards() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[2];
    approved_user(&sim, &client, org, "cr-withdraw");
    let c = created(client.create_change_request(change(org, "cr-withdraw", &[MERVERDIAVGIFT])));
    let id = c.change_request.id;
    client.withdraw_change_request(&id).expect("withdraw");
    let e = altinn_error(client.get_change_request(&id));
    assert!(matches!(&e, Error::NotFound(p) if p.code.as_deref() == Some("AUTH-00010")), "{e:?}");
    let e = altinn_error(client.withdraw_change_request(&id));
    assert!(matches!(&e, Error::NotFound(p) if p.code.as_deref() == Some("AUTH-00010")), "a second withdraw: {e:?}");
    let stored = stored_changes(&sim);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["isDeleted"], true);
}

#[test]
fn a_lost_answer_is_reconciled_with_no_duplicate() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[3];
    let user_id = approved_user(&sim, &client, org, "cr-lost");
    sim.arm_fault(FaultSpec::new("create_change_request", FaultKind::LostResponse)).unwrap();
    clear_calls(&sim);
    let c = created(client.create_change_request(change(org, "cr-lost", &[MERVERDIAVGIFT])));
    assert!(c.reconciled && !c.is_new, "{c:?}");
    assert_eq!(c.change_request.status, ChangeRequestStatus::New);
    assert_eq!(calls_of(&sim, "create_change_request").len(), 1, "the POST was not sent again: the lookup found it");
    assert_eq!(calls_of(&sim, "create_change_request")[0]["fault"], "lost_response");
    let lookups = calls_of(&sim, "get_change_request");
    assert_eq!(lookups.len(), 1);
    assert!(lookups[0]["path"].as_str().unwrap().ends_with(&c.change_request.id), "{lookups:?}");
    let stored = stored_changes_of(&sim, &user_id);
    assert_eq!(stored.len(), 1, "0 duplicate change requests: {stored:?}");
    assert_eq!(stored[0]["id"], c.change_request.id.as_str());

    // Lost again, then answered: 3 runs of the same change, still one change request.
    sim.arm_fault(FaultSpec::new("create_change_request", FaultKind::LostResponse)).unwrap();
    let again = created(client.create_change_request(change(org, "cr-lost", &[MERVERDIAVGIFT])));
    let third = created(client.create_change_request(change(org, "cr-lost", &[MERVERDIAVGIFT])));
    assert_eq!(
        (again.change_request.id.as_str(), third.change_request.id.as_str()),
        (stored[0]["id"].as_str().unwrap(), stored[0]["id"].as_str().unwrap())
    );
    assert!(!third.is_new && !third.reconciled);
    assert_eq!(stored_changes_of(&sim, &user_id).len(), 1);
}

#[test]
fn a_lost_request_is_sent_again_once_the_lookup_finds_nothing() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[4];
    let user_id = approved_user(&sim, &client, org, "cr-lost-request");
    sim.arm_fault(FaultSpec::new("create_change_request", FaultKind::LostRequest)).unwrap();
    clear_calls(&sim);
    let c = created(client.create_change_request(change(org, "cr-lost-request", &[MERVERDIAVGIFT])));
    assert!(c.is_new, "the second POST made it: {c:?}");
    assert_eq!(calls_of(&sim, "create_change_request").len(), 2);
    assert_eq!(calls_of(&sim, "get_change_request").len(), 1, "looked for it before sending again");
    assert_eq!(stored_changes_of(&sim, &user_id).len(), 1);
}

#[test]
fn a_rerun_of_the_same_change_finds_the_same_change_request() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[5];
    let user_id = approved_user(&sim, &client, org, "cr-rerun");
    let first = created(client.create_change_request(change(org, "cr-rerun", &[MERVERDIAVGIFT, RAPPORT])));
    // The same change in another order and with the org number in Altinn's `0192:` form.
    let mut same = change(&format!("0192:{org}"), "cr-rerun", &[RAPPORT, MERVERDIAVGIFT]);
    same.required_access_packages.push(package(RAPPORT));
    let second = created(client.create_change_request(same));
    assert!(first.is_new && !second.is_new && !second.reconciled);
    assert_eq!(first.change_request.id, second.change_request.id);
    assert_eq!(stored_changes_of(&sim, &user_id).len(), 1);
    // Another change of the same system user is another change request.
    let other = created(client.create_change_request(change(org, "cr-rerun", &[MERVERDIAVGIFT])));
    assert!(other.is_new && other.change_request.id != first.change_request.id);
    assert_eq!(stored_changes_of(&sim, &user_id).len(), 2);
}

#[test]
fn a_correlation_id_reused_for_another_change_is_a_conflict() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[6];
    let user_id = approved_user(&sim, &client, org, "cr-mismatch");
    let id = uuid(7);
    let mut first = change(org, "cr-mismatch", &[MERVERDIAVGIFT]);
    first.correlation_id = Some(id.to_uppercase());
    let c = created(client.create_change_request(first.clone()));
    assert_eq!(c.change_request.id, id, "the explicit correlation id is the change request's id");

    let mut other = change(org, "cr-mismatch", &[RAPPORT]);
    other.correlation_id = Some(id.clone());
    let e = altinn_error(client.create_change_request(other));
    let Error::Conflict(p) = &e else { panic!("expected a conflict, got {e:?}") };
    assert_eq!((p.status, p.code.as_deref()), (200, Some("correlation-id-reused")));
    assert!(
        p.message.contains(&id) && p.message.contains("required access packages") && p.message.contains("new correlation id"),
        "{}",
        p.message
    );
    let stored = stored_changes_of(&sim, &user_id);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["requiredAccessPackages"][0]["urn"], MERVERDIAVGIFT, "the stored change is untouched");

    // The same explicit id with the same change is a replay, not a conflict.
    let replay = created(client.create_change_request(first));
    assert!(!replay.is_new && replay.change_request.id == id);
}

#[test]
fn an_agent_system_user_is_refused_before_sending() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[7];
    let created_request = client.create_agent_request(agent_input(org, None)).expect("agent request");
    sim.approve(&created_request.request.id).expect("approved");
    clear_calls(&sim);
    let input = ChangeRequestInput {
        system_id: AGENT_SYSTEM.into(),
        external_ref: None,
        // A package the agent system has and a standard one could hold: only the kind is wrong.
        ..change(org, org, &[SKATTEGRUNNLAG])
    };
    let e = altinn_error(client.create_change_request(input));
    let Error::Validation(violations) = &e else { panic!("expected a refusal before sending, got {e:?}") };
    assert_eq!(violations.len(), 1);
    assert_eq!((violations[0].code.as_str(), violations[0].field.as_str()), ("AUTH-00015", "systemUser"));
    assert!(violations[0].message.contains("standard system users only"), "{}", violations[0].message);
    assert_eq!(posts(&sim), 0, "nothing was posted: {:?}", api_calls(&sim));
    assert_eq!(calls_of(&sim, "get_system_user_by_query").len(), 1, "only the lookup");
    assert!(stored_changes(&sim).is_empty());
}

#[test]
fn an_empty_change_is_answered_locally() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[8];
    approved_user(&sim, &client, org, "cr-empty");
    clear_calls(&sim);
    let outcome = client.create_change_request(change(org, "cr-empty", &[])).expect("no error");
    assert_eq!(outcome, ChangeOutcome::NoChangeNeeded);
    // Even a system user that does not exist: nothing is asked, so nothing is looked up.
    let outcome = client.create_change_request(change(CUSTOMERS[9], "nobody", &[])).expect("no error");
    assert_eq!(outcome, ChangeOutcome::NoChangeNeeded);
    assert!(api_calls(&sim).is_empty(), "0 calls: {:?}", api_calls(&sim));
    assert!(stored_changes(&sim).is_empty());
}

#[test]
fn a_change_that_contradicts_itself_or_the_system_is_refused_before_sending() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[10];
    approved_user(&sim, &client, org, "cr-invalid");
    clear_calls(&sim);
    let mut both = change(org, "cr-invalid", &[MERVERDIAVGIFT]);
    both.unwanted_access_packages = vec![package(MERVERDIAVGIFT)];
    let e = altinn_error(client.create_change_request(both));
    assert!(matches!(&e, Error::Validation(v) if v.iter().any(|v| v.code == "change-contradicts")), "{e:?}");
    assert!(api_calls(&sim).is_empty(), "refused before the lookup: {:?}", api_calls(&sim));
    // Not among the system's packages: found by the pre-flight read of the registered system.
    let e = altinn_error(client.create_change_request(change(org, "cr-invalid", &["urn:altinn:accesspackage:lonn"])));
    assert!(matches!(&e, Error::Validation(v) if v.iter().any(|v| v.code == "AUTH-00063")), "{e:?}");
    assert_eq!(posts(&sim), 0);
}

#[test]
fn no_change_request_for_a_deleted_system_user() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[0];
    let user_id = approved_user(&sim, &client, org, "cr-deleted");
    let earlier = created(client.create_change_request(change(org, "cr-deleted", &[RAPPORT])));
    sim.delete_system_user(&user_id).expect("the customer deletes the system user");
    clear_calls(&sim);

    // The lookup finds no system user: not found, nothing posted.
    let e = altinn_error(client.create_change_request(change(org, "cr-deleted", &[MERVERDIAVGIFT])));
    let Error::NotFound(p) = &e else { panic!("expected not found, got {e:?}") };
    assert!(p.message.contains("no system user") && p.message.contains("cr-deleted"), "{}", p.message);
    assert_eq!(posts(&sim), 0);
    // Its earlier change request stays (API.md §14).
    assert_eq!(client.get_change_request(&earlier.change_request.id).unwrap().status, ChangeRequestStatus::New);

    // Deleted between the lookup and the POST (during a slow pre-flight): the server's 404 AUTH-00015.
    let org = CUSTOMERS[1];
    let user_id = approved_user(&sim, &client, org, "cr-deleted-late");
    sim.arm_fault(FaultSpec::new("get_registered_system", FaultKind::Delay).delay_ms(1_500)).unwrap();
    clear_calls(&sim);
    let asking = {
        // A client of its own: an instance keeps the system it read for five minutes, so only
        // one that has not read it yet has a pre-flight read to be slow.
        let client = e2e::client(&sim);
        std::thread::spawn(move || client.create_change_request(change(org, "cr-deleted-late", &[MERVERDIAVGIFT])))
    };
    for _ in 0..200 {
        if !calls_of(&sim, "get_system_user_by_query").is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(calls_of(&sim, "get_system_user_by_query").len(), 1, "the lookup was answered");
    sim.delete_system_user(&user_id).expect("deleted during the pre-flight");
    let e = altinn_error(asking.join().unwrap());
    assert!(matches!(&e, Error::NotFound(p) if p.code.as_deref() == Some("AUTH-00015") && p.status == 404), "{e:?}");
    assert_eq!(calls_of(&sim, "create_change_request").len(), 1);
    assert!(stored_changes_of(&sim, &user_id).is_empty());
}

#[test]
fn a_list_past_one_page_says_it_may_be_incomplete_with_the_quirk_on_or_off() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[2];
    approved_user(&sim, &client, org, "cr-list");
    // 50 change requests: one whole page, nothing more.
    for n in 0..50 {
        let mut input = change(org, "cr-list", &[MERVERDIAVGIFT]);
        input.correlation_id = Some(uuid(1_000 + n));
        assert!(created(client.create_change_request(input)).is_new);
    }
    let list = client.list_change_requests(STANDARD_SYSTEM).unwrap();
    assert_eq!((list.items.len(), list.may_be_incomplete), (50, false));

    let mut input = change(org, "cr-list", &[MERVERDIAVGIFT]);
    input.correlation_id = Some(uuid(2_000));
    created(client.create_change_request(input));
    assert_eq!(stored_changes(&sim).len(), 51);
    clear_calls(&sim);
    let list = client.list_change_requests(STANDARD_SYSTEM).unwrap();
    assert_eq!((list.items.len(), list.may_be_incomplete), (50, true), "page one only, and it says so");
    assert_eq!(calls_of(&sim, "list_change_requests").len(), 1, "the repeating next link is never followed");

    // With the server's quirk off the next link pages correctly, but one page is still all that is read.
    admin_put_settings(&sim, &serde_json::json!({"listQuirks": false}));
    assert!(!sim.settings().repeating_change_request_pages);
    clear_calls(&sim);
    let list = client.list_change_requests(STANDARD_SYSTEM).unwrap();
    assert_eq!((list.items.len(), list.may_be_incomplete), (50, true));
    assert_eq!(calls_of(&sim, "list_change_requests").len(), 1);
    let ids: std::collections::BTreeSet<&str> = list.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), 50, "no item twice");
}

fn admin_put_settings(sim: &SimHandle, body: &Value) {
    ureq::put(format!("{}/_sim/settings", sim.url()))
        .header("content-type", "application/json")
        .send(body.to_string())
        .unwrap_or_else(|e| panic!("PUT /_sim/settings: {e}"));
}

#[test]
fn a_confirm_link_on_a_foreign_host_is_refused() {
    let sim = start_with(SimOptions::default());
    let client = client(&sim);
    let org = CUSTOMERS[3];
    let user_id = approved_user(&sim, &client, org, "cr-evil");
    let before = created(client.create_change_request(change(org, "cr-evil", &[RAPPORT])));
    admin_put_settings(&sim, &serde_json::json!({"confirmHost": "https://evil.example"}));

    let e = altinn_error(client.create_change_request(change(org, "cr-evil", &[MERVERDIAVGIFT])));
    let Error::InvalidResponse(message) = &e else { panic!("expected the guard to refuse the answer, got {e:?}") };
    assert!(message.contains("evil.example"), "{message}");
    let e = altinn_error(client.get_change_request(&before.change_request.id));
    assert!(matches!(&e, Error::InvalidResponse(m) if m.contains("evil.example")), "{e:?}");
    // A list item carries no confirm link: nothing to guard.
    assert_eq!(client.list_change_requests(STANDARD_SYSTEM).unwrap().items.len(), 2);
    assert_eq!(stored_changes_of(&sim, &user_id).len(), 2, "the server stored it; the client refused its answer");
}

#[test]
fn asking_again_after_a_withdraw_takes_a_new_correlation_id() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[4];
    let user_id = approved_user(&sim, &client, org, "cr-again");
    let first = created(client.create_change_request(change(org, "cr-again", &[MERVERDIAVGIFT])));
    client.withdraw_change_request(&first.change_request.id).unwrap();
    // The same change derives the same correlation id, and Altinn never takes a withdrawn one
    // again (API.md §11 step 13: 500, and a GET of it is 404): after the second such round the
    // component says so, a conflict, instead of retrying what cannot work.
    clear_calls(&sim);
    let e = altinn_error(client.create_change_request(change(org, "cr-again", &[MERVERDIAVGIFT])));
    assert!(matches!(&e, Error::Conflict(p) if p.code.as_deref() == Some("correlation-id-unusable")), "{e:?}");
    let posts = calls_of(&sim, "create_change_request");
    assert_eq!(posts.len(), 2, "one POST again, not the whole retry budget");
    assert!(posts.iter().all(|c| c["status"] == 500));
    assert_eq!(stored_changes_of(&sim, &user_id).len(), 1, "nothing new stored");
    // A new correlation id asks again.
    let mut input = change(org, "cr-again", &[MERVERDIAVGIFT]);
    input.correlation_id = Some(uuid(42));
    let again = created(client.create_change_request(input));
    assert!(again.is_new && again.change_request.id == uuid(42));
    assert_eq!(stored_changes_of(&sim, &user_id).len(), 2);
}
