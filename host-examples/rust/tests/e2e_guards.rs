//! End to end through the built component against the simulator: the client's guards (the
//! confirm link, the next-page link, the pre-flight) and the reconciliation of a create
//! whose answer was lost.

mod common;
mod e2e;

use altinn_sim::{FaultKind, FaultSpec, SimOptions};
use e2e::*;
use systemuser_host::wit::{Error, RequestKind, RequestStatus};
use systemuser_host::{Capabilities, StaticToken};

#[test]
fn foreign_confirm_host_is_refused_and_the_request_is_still_found_by_external_ref() {
    let sim = start_with(SimOptions::default().with_confirm_host(Some("https://evil.example")));
    let client = client(&sim);
    let org = CUSTOMERS[0];

    let err = altinn_error(client.create_standard_request(standard_input(org, Some("guard-1"))));
    let Error::InvalidResponse(message) = err else { panic!("expected invalid-response, got {err:?}") };
    assert!(message.contains("evil.example") || message.contains("another host"), "{message}");

    // The server did store it (one request, one create call): the refusal is the client's.
    let key = dedupe_entry(&sim, org, "guard-1", STANDARD_SYSTEM).expect("the key reached the server");
    assert_eq!((key["createCalls"].as_u64(), key["requestsStored"].as_u64()), (Some(1), Some(1)), "{key}");
    let stored = stored_requests(&sim);
    assert_eq!(stored.len(), 1);
    let id = stored[0]["id"].as_str().unwrap().to_string();

    // While the server still hands out the foreign link, single reads refuse it too; the list
    // (no confirm links) shows the request.
    let err = altinn_error(client.get_request_by_external_ref(standard_key(org, "guard-1")));
    assert!(matches!(err, Error::InvalidResponse(_)), "{err:?}");
    let listed = client.list_all_requests(RequestKind::Standard, STANDARD_SYSTEM).unwrap();
    assert_eq!(listed.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec![id.as_str()]);

    // Once the server behaves, the request is found by its external ref, and creating again
    // gives the same one: nothing was lost or duplicated.
    let mut settings = sim.settings();
    settings.confirm_host = None;
    sim.set_settings(settings);
    let found = client.get_request_by_external_ref(standard_key(org, "guard-1")).expect("findable by external ref");
    assert_eq!(found.id, id);
    assert_eq!(found.status, RequestStatus::New);
    assert!(found.confirm_url.is_some_and(|u| u.starts_with(&sim.url())));
    let again = client.create_standard_request(standard_input(org, Some("guard-1"))).unwrap();
    assert!(!again.is_new && again.request.id == id, "{again:?}");
}

#[test]
fn internal_next_link_host_is_never_contacted() {
    let internal = "http://altinn-platform-internal.local";
    let sim = start_with(SimOptions::default().with_page_size(2).with_next_link_host(Some(internal)).with_list_quirks(false));
    let setup = client(&sim);
    let mut ids = Vec::new();
    for (i, org) in CUSTOMERS.iter().take(7).enumerate() {
        let id = setup.create_standard_request(standard_input(org, Some(&format!("next-{i}")))).unwrap().request.id;
        if i < 5 {
            sim.approve(&id).expect("approve");
        }
        ids.push(id);
    }

    let transport = RecordingTransport::new();
    let caps = Capabilities::new(transport.clone(), StaticToken::new(full_token(&sim)).unwrap());
    let client = client_with(caps, fast_config(&sim.url()));

    // The server really does point at the internal host.
    let first = altinn_sim_page(&sim);
    assert!(first.starts_with(internal), "{first}");
    clear_calls(&sim);

    let mut got: Vec<String> =
        client.list_all_requests(RequestKind::Standard, STANDARD_SYSTEM).expect("every page").into_iter().map(|r| r.id).collect();
    got.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(got, want, "every request, once");

    let mut users: Vec<String> = client.list_all_system_users(STANDARD_SYSTEM).expect("every page").into_iter().map(|u| u.id).collect();
    users.sort();
    let mut want_users = ids[..5].to_vec();
    want_users.sort();
    assert_eq!(users, want_users, "every system user, once");

    // Page by page too: the token is usable on the configured base.
    let page = client.list_requests(RequestKind::Standard, STANDARD_SYSTEM, None).unwrap();
    let next = client.list_requests(RequestKind::Standard, STANDARD_SYSTEM, page.next_page).unwrap();
    assert_eq!(next.items.len(), 2);

    let urls = transport.urls();
    assert_eq!(urls.len(), 4 + 3 + 2, "4 + 3 pages and 2 single pages: {urls:#?}");
    for url in &urls {
        assert!(url.starts_with(&format!("{}/", sim.url())), "a request left the configured base: {url}");
        assert!(!url.contains("altinn-platform-internal"), "{url}");
    }
    // And the simulator saw every page (a request to the internal host would not be here).
    let seen = calls(&sim);
    assert_eq!(seen.iter().filter(|c| c["route"] == "list_requests").count(), 4 + 2);
    assert_eq!(seen.iter().filter(|c| c["route"] == "list_system_users").count(), 3);
}

/// The first page's `links.next` as the simulator sends it (read with a plain HTTP client).
fn altinn_sim_page(sim: &altinn_sim::SimHandle) -> String {
    let url = format!("{}/authentication/api/v1/systemuser/request/vendor/bysystem/{STANDARD_SYSTEM}", sim.url());
    let mut response = ureq::get(url).header("authorization", format!("Bearer {}", full_token(sim))).call().expect("a page");
    let page: serde_json::Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    page["links"]["next"].as_str().expect("a next link").to_string()
}

#[test]
fn lost_create_response_is_reconciled_into_one_request() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[1];
    sim.arm_fault(FaultSpec::new("create_request", FaultKind::LostResponse)).unwrap();

    let created = client.create_standard_request(standard_input(org, Some("lost-1"))).expect("reconciled");
    assert!(created.reconciled, "{created:?}");
    assert!(!created.is_new);
    assert_eq!(created.request.status, RequestStatus::New);

    let key = dedupe_entry(&sim, org, "lost-1", STANDARD_SYSTEM).expect("key");
    assert_eq!(key["requestsStored"], 1, "{key}");
    assert_eq!(key["createCalls"], 1, "found by external ref, not posted again: {key}");
    let stored = stored_requests(&sim);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"].as_str(), Some(created.request.id.as_str()));
    let create_calls = calls_of(&sim, "create_request");
    assert_eq!(create_calls.len(), 1);
    assert_eq!(create_calls[0]["fault"], "lost_response");
    assert_eq!(calls_of(&sim, "get_request_by_external_ref").len(), 1);

    // The default external ref (the org number) is the key the lookup uses.
    sim.arm_fault(FaultSpec::new("create_request", FaultKind::LostResponse)).unwrap();
    let created = client.create_standard_request(standard_input(CUSTOMERS[4], None)).expect("reconciled");
    assert!(created.reconciled && created.request.external_ref == CUSTOMERS[4], "{created:?}");
    assert_eq!(dedupe_entry(&sim, CUSTOMERS[4], CUSTOMERS[4], STANDARD_SYSTEM).expect("key")["requestsStored"], 1);

    // Same for an agent create.
    sim.arm_fault(FaultSpec::new("create_agent_request", FaultKind::LostResponse)).unwrap();
    let created = client.create_agent_request(agent_input(org, Some("lost-2"))).expect("reconciled");
    assert!(created.reconciled && created.request.kind == RequestKind::Agent, "{created:?}");
    assert_eq!(dedupe_entry(&sim, org, "lost-2", AGENT_SYSTEM).expect("key")["requestsStored"], 1);
}

#[test]
fn server_error_on_create_is_looked_up_then_posted_again() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[2];
    // A 500 does no work: the lookup finds nothing, and the create is sent again.
    sim.arm_fault(FaultSpec::new("create_request", FaultKind::Status500)).unwrap();
    let created = client.create_standard_request(standard_input(org, Some("err-1"))).expect("created on the second POST");
    assert!(created.is_new && !created.reconciled, "{created:?}");
    let key = dedupe_entry(&sim, org, "err-1", STANDARD_SYSTEM).expect("key");
    assert_eq!(key["requestsStored"], 1, "{key}");
    assert_eq!(calls_of(&sim, "create_request").len(), 2);
    assert_eq!(calls_of(&sim, "get_request_by_external_ref").len(), 1);
}

#[test]
fn unregistered_redirect_url_is_refused_before_the_create() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[3];
    let mut input = standard_input(org, Some("pre-1"));
    input.redirect_url = Some("https://smartregnskap.example/callback/other".into());

    let err = altinn_error(client.create_standard_request(input));
    let Error::Validation(violations) = err else { panic!("expected validation, got {err:?}") };
    assert!(violations.iter().any(|v| v.code == "AUTH-00021" && v.field == "redirectUrl"), "{violations:?}");

    // The pre-flight read the registered system, and no create was ever sent.
    assert_eq!(calls_of(&sim, "get_registered_system").len(), 1);
    assert!(calls_of(&sim, "create_request").is_empty(), "{:?}", calls(&sim));
    assert!(dedupe_entry(&sim, org, "pre-1", STANDARD_SYSTEM).is_none(), "the simulator saw a create for the key");
    assert!(stored_requests(&sim).is_empty());

    // The registered URL passes (query ignored, as the server matches).
    let mut input = standard_input(org, Some("pre-1"));
    input.redirect_url = Some(format!("{REDIRECT}?state=abc"));
    assert!(client.create_standard_request(input).unwrap().is_new);
}
