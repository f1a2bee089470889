//! End to end through the built component against the simulator: every operation of the
//! client, the lifecycle (idempotency, rejection, withdrawal, timeouts), the agent flow and
//! pagination over several pages.

mod common;
mod e2e;

use std::time::Duration;

use altinn_sim::{SimOptions, TimeoutMode};
use e2e::*;
use systemuser_host::wit::{RequestKind, RequestStatus, UserType};

#[test]
fn every_operation_of_a_standard_request() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[0];

    // The registered system, as the vendor reads it.
    let system = client.get_registered_system(STANDARD_SYSTEM).expect("get_registered_system");
    assert_eq!(system.id, STANDARD_SYSTEM);
    assert_eq!(system.vendor_org_no, VENDOR);
    assert_eq!(system.allowed_redirect_urls, vec![REDIRECT.to_string()]);
    assert!(!system.rights.is_empty() && !system.access_packages.is_empty());

    // Create (with a registered redirect URL): 201, New, confirm link on the simulator.
    let mut input = standard_input(org, Some("ops-1"));
    input.redirect_url = Some(REDIRECT.into());
    let created = client.create_standard_request(input).expect("create_standard_request");
    assert!(created.is_new && !created.reconciled, "{created:?}");
    let request = created.request;
    assert_eq!(request.kind, RequestKind::Standard);
    assert_eq!(request.status, RequestStatus::New);
    assert_eq!((request.party_org_no.as_str(), request.external_ref.as_str()), (org, "ops-1"));
    assert_eq!(request.system_id, STANDARD_SYSTEM);
    assert_eq!(request.redirect_url.as_deref(), Some(REDIRECT));
    assert_eq!(request.integration_title.as_deref(), Some("SmartRegnskap"), "default title is the system's name.nb");
    let confirm = request.confirm_url.clone().expect("a 201 carries the confirm link");
    assert!(confirm.starts_with(&sim.url()) && confirm.contains(&request.id), "{confirm}");
    assert!(!request.timed_out);
    assert!(request.created.is_some());

    // Get by id and by external ref: the same request.
    let by_id = client.get_request(RequestKind::Standard, &request.id).expect("get_request");
    assert_eq!((by_id.id.as_str(), &by_id.status), (request.id.as_str(), &RequestStatus::New));
    let by_ref = client.get_request_by_external_ref(standard_key(org, "ops-1")).expect("get_request_by_external_ref");
    assert_eq!(by_ref.id, request.id);

    // Listed, on one page and through list-all.
    let page = client.list_requests(RequestKind::Standard, STANDARD_SYSTEM, None).expect("list_requests");
    assert!(page.next_page.is_none());
    assert_eq!(page.items.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec![request.id.as_str()]);
    assert!(page.items[0].confirm_url.is_none(), "list items carry no confirm link");
    let all = client.list_all_requests(RequestKind::Standard, STANDARD_SYSTEM).expect("list_requests");
    assert_eq!(all.len(), 1);

    // No system user before approval: verify says none, the list is empty.
    assert_eq!(client.verify_system_user(STANDARD_SYSTEM, org, Some("ops-1")).expect("verify"), None);
    assert!(client.list_all_system_users(STANDARD_SYSTEM).expect("list_system_users").is_empty());

    // The customer approves: the system user has the request's id.
    sim.approve(&request.id).expect("approve");
    assert_eq!(client.get_request(RequestKind::Standard, &request.id).unwrap().status, RequestStatus::Accepted);
    let user = client.verify_system_user(STANDARD_SYSTEM, org, Some("ops-1")).expect("verify").expect("a system user after approval");
    assert_eq!(user.id, request.id);
    assert_eq!(user.user_type, UserType::Standard);
    assert_eq!(user.reportee_org_no, org);
    assert_eq!(user.system_id, STANDARD_SYSTEM);
    assert_eq!(user.external_ref.as_deref(), Some("ops-1"));
    // Passed through as the server sends it (the simulator sends the vendor's `0192:` id).
    assert_eq!(user.supplier_org_no.as_deref().map(|o| o.trim_start_matches("0192:")), Some(VENDOR));
    // The default external ref (the org number) is another key: no system user there.
    assert_eq!(client.verify_system_user(STANDARD_SYSTEM, org, None).unwrap(), None);

    let users = client.list_all_system_users(STANDARD_SYSTEM).expect("list_system_users");
    assert_eq!(users.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), vec![request.id.as_str()]);
    let page = client.list_system_users(STANDARD_SYSTEM, None).expect("list_system_users");
    assert_eq!(page.items.len(), 1);
    assert!(page.next_page.is_none());

    // Withdraw a second (still new) request: gone for get and list.
    let other = client.create_standard_request(standard_input(CUSTOMERS[1], None)).unwrap().request;
    assert_eq!(other.external_ref, CUSTOMERS[1], "the external ref defaults to the org number");
    client.withdraw_request(&other.id).expect("withdraw_request");
    let err = altinn_error(client.get_request(RequestKind::Standard, &other.id));
    assert!(matches!(err, systemuser_host::wit::Error::NotFound(_)), "{err:?}");
    let all = client.list_all_requests(RequestKind::Standard, STANDARD_SYSTEM).unwrap();
    assert_eq!(all.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec![request.id.as_str()]);
}

#[test]
fn agent_flow_create_approve_verify() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[2];

    let created = client.create_agent_request(agent_input(org, Some("agent-1"))).expect("create_agent_request");
    assert!(created.is_new);
    let request = created.request;
    assert_eq!(request.kind, RequestKind::Agent);
    assert_eq!(request.status, RequestStatus::New);
    assert!(request.rights.is_empty(), "agent requests carry no rights");
    assert_eq!(request.access_packages.len(), 1);
    let confirm = request.confirm_url.clone().expect("confirm link");
    assert!(confirm.contains("/accessmanagement/ui/systemuser/agentrequest") && confirm.contains(&request.id), "{confirm}");

    // The agent routes: by id, by external ref, list.
    assert_eq!(client.get_request(RequestKind::Agent, &request.id).unwrap().id, request.id);
    let key = systemuser_host::wit::ExternalRefKey {
        kind: RequestKind::Agent,
        system_id: AGENT_SYSTEM.into(),
        org_no: org.into(),
        external_ref: "agent-1".into(),
    };
    assert_eq!(client.get_request_by_external_ref(key).unwrap().id, request.id);
    let listed = client.list_all_requests(RequestKind::Agent, AGENT_SYSTEM).unwrap();
    assert_eq!(listed.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec![request.id.as_str()]);
    // An agent request is not found through the standard route.
    assert!(matches!(altinn_error(client.get_request(RequestKind::Standard, &request.id)), systemuser_host::wit::Error::NotFound(_)));

    // Idempotent like a standard create.
    let again = client.create_agent_request(agent_input(org, Some("agent-1"))).unwrap();
    assert!(!again.is_new && again.request.id == request.id, "{again:?}");

    sim.approve(&request.id).expect("approve");
    assert_eq!(client.get_request(RequestKind::Agent, &request.id).unwrap().status, RequestStatus::Accepted);
    let user = client.verify_system_user(AGENT_SYSTEM, org, Some("agent-1")).expect("verify").expect("an agent system user");
    assert_eq!(user.id, request.id);
    assert_eq!(user.user_type, UserType::Agent);
    assert_eq!(user.system_id, AGENT_SYSTEM);
    let users = client.list_all_system_users(AGENT_SYSTEM).unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].user_type, UserType::Agent);
}

#[test]
fn same_external_ref_twice_is_the_same_request() {
    let sim = start();
    let client = client(&sim);
    let first = client.create_standard_request(standard_input(CUSTOMERS[3], Some("idem-1"))).unwrap();
    let second = client.create_standard_request(standard_input(CUSTOMERS[3], Some("idem-1"))).unwrap();
    assert!(first.is_new && !first.reconciled);
    assert!(!second.is_new && !second.reconciled, "{second:?}");
    assert_eq!(second.request.id, first.request.id);
    assert_eq!(second.request.status, RequestStatus::New);
    // A 0192: prefix and surrounding blanks name the same customer.
    let third = client.create_standard_request(standard_input(&format!(" 0192:{} ", CUSTOMERS[3]), Some("idem-1"))).unwrap();
    assert_eq!((third.is_new, third.request.id.as_str()), (false, first.request.id.as_str()));

    let key = dedupe_entry(&sim, CUSTOMERS[3], "idem-1", STANDARD_SYSTEM).expect("the key is known to the simulator");
    assert_eq!(key["createCalls"], 3);
    assert_eq!(key["created"], 1);
    assert_eq!(key["requestsStored"], 1);
}

#[test]
fn rejected_request_reposted_is_the_rejected_one() {
    let sim = start();
    let client = client(&sim);
    let first = client.create_standard_request(standard_input(CUSTOMERS[4], Some("rej-1"))).unwrap().request;
    sim.reject(&first.id).expect("reject");
    assert_eq!(client.get_request(RequestKind::Standard, &first.id).unwrap().status, RequestStatus::Rejected);

    let again = client.create_standard_request(standard_input(CUSTOMERS[4], Some("rej-1"))).unwrap();
    assert!(!again.is_new, "{again:?}");
    assert_eq!(again.request.id, first.id);
    assert_eq!(again.request.status, RequestStatus::Rejected);
}

#[test]
fn withdraw_then_create_again_is_a_new_request() {
    let sim = start();
    let client = client(&sim);
    let first = client.create_standard_request(standard_input(CUSTOMERS[5], Some("wd-1"))).unwrap().request;
    sim.reject(&first.id).expect("reject");
    client.withdraw_request(&first.id).expect("withdraw");

    let second = client.create_standard_request(standard_input(CUSTOMERS[5], Some("wd-1"))).unwrap();
    assert!(second.is_new, "{second:?}");
    assert_ne!(second.request.id, first.id);
    assert_eq!(second.request.status, RequestStatus::New);
    assert_eq!(client.get_request_by_external_ref(standard_key(CUSTOMERS[5], "wd-1")).unwrap().id, second.request.id);
}

#[test]
fn timeout_after_180_days_is_the_timed_out_flag() {
    let sim = start();
    let client = client(&sim);
    let request = client.create_standard_request(standard_input(CUSTOMERS[6], Some("to-1"))).unwrap().request;
    sim.advance_clock(Duration::from_secs(179 * 86_400));
    assert!(!client.get_request(RequestKind::Standard, &request.id).unwrap().timed_out, "not yet at 179 days");

    sim.advance_clock(Duration::from_secs(2 * 86_400));
    let read = client.get_request(RequestKind::Standard, &request.id).unwrap();
    assert!(read.timed_out, "{read:?}");
    assert_eq!(read.status, RequestStatus::New, "current servers keep the status");
    let by_ref = client.get_request_by_external_ref(standard_key(CUSTOMERS[6], "to-1")).unwrap();
    assert!(by_ref.timed_out);
    let listed = client.list_all_requests(RequestKind::Standard, STANDARD_SYSTEM).unwrap();
    assert!(listed.iter().all(|r| r.timed_out), "{listed:?}");
    // A timed-out request still holds its key.
    let again = client.create_standard_request(standard_input(CUSTOMERS[6], Some("to-1"))).unwrap();
    assert!(!again.is_new && again.request.id == request.id && again.request.timed_out, "{again:?}");
}

#[test]
fn legacy_timeout_is_the_timed_out_status() {
    let sim = start_with(SimOptions::default().with_timeout_mode(TimeoutMode::Legacy));
    let client = client(&sim);
    let request = client.create_standard_request(standard_input(CUSTOMERS[7], Some("legacy-1"))).unwrap().request;
    assert_eq!(request.status, RequestStatus::New);
    sim.advance_clock(Duration::from_secs(11 * 86_400));
    let read = client.get_request(RequestKind::Standard, &request.id).unwrap();
    assert_eq!(read.status, RequestStatus::TimedOut, "{read:?}");
    let by_ref = client.get_request_by_external_ref(standard_key(CUSTOMERS[7], "legacy-1")).unwrap();
    assert_eq!(by_ref.status, RequestStatus::TimedOut);
    // Legacy servers skipped a `Timedout` request on create and stored a new one.
    let again = client.create_standard_request(standard_input(CUSTOMERS[7], Some("legacy-1"))).unwrap();
    assert!(again.is_new && again.request.id != request.id && again.request.status == RequestStatus::New, "{again:?}");
}

#[test]
fn requests_over_several_pages() {
    // The server's lists lose an item at every page boundary (API.md §14): off, to see every page.
    let sim = start_with(SimOptions::default().with_page_size(3).with_list_quirks(false));
    let client = client(&sim);
    let mut ids: Vec<String> = (0..10)
        .map(|i| {
            client
                .create_standard_request(standard_input(CUSTOMERS[i % CUSTOMERS.len()], Some(&format!("page-{i:02}"))))
                .unwrap()
                .request
                .id
        })
        .collect();
    ids.sort();

    // Page by page: 3 + 3 + 3 + 1, each next-page token leading on.
    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = client.list_requests(RequestKind::Standard, STANDARD_SYSTEM, token).expect("a page");
        pages += 1;
        assert!(page.items.len() <= 3);
        seen.extend(page.items.into_iter().map(|r| r.id));
        match page.next_page {
            Some(next) => token = Some(next),
            None => break,
        }
        assert!(pages < 10, "the pages do not end");
    }
    assert_eq!(pages, 4);
    seen.sort();
    assert_eq!(seen, ids);

    // All pages in one call: every item once.
    clear_calls(&sim);
    let mut all: Vec<String> =
        client.list_all_requests(RequestKind::Standard, STANDARD_SYSTEM).unwrap().into_iter().map(|r| r.id).collect();
    all.sort();
    assert_eq!(all, ids);
    assert_eq!(calls_of(&sim, "list_requests").len(), 4, "one exchange per page");
}

#[test]
fn system_users_over_several_pages() {
    let sim = start_with(SimOptions::default().with_page_size(2));
    let client = client(&sim);
    let mut ids = Vec::new();
    for (i, org) in CUSTOMERS.iter().take(7).enumerate() {
        let request = client.create_standard_request(standard_input(org, Some(&format!("su-{i}")))).unwrap().request;
        sim.approve(&request.id).expect("approve");
        ids.push(request.id);
    }
    ids.sort();

    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = client.list_system_users(STANDARD_SYSTEM, token).expect("a page");
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|u| u.id));
        match page.next_page {
            Some(next) => token = Some(next),
            None => break,
        }
        assert!(pages < 10, "the pages do not end");
    }
    assert_eq!(pages, 4);
    seen.sort();
    assert_eq!(seen, ids);

    clear_calls(&sim);
    let mut all: Vec<String> = client.list_all_system_users(STANDARD_SYSTEM).unwrap().into_iter().map(|u| u.id).collect();
    all.sort();
    assert_eq!(all, ids);
    assert_eq!(calls_of(&sim, "list_system_users").len(), 4, "one exchange per page");
}
