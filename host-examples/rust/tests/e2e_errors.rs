//! End to end through the built component against the simulator: every class of the WIT
//! `error` variant, each from a real exchange (or from the absence of one).
//!
//! `conflict` (409): no vendor route of Altinn answers 409 by itself; only the customer's
//! decision on a request that is no longer `New` does (AUTH-00013). The simulator's `conflict`
//! fault makes a vendor route answer exactly that, so the mapping is tested over real HTTP.

mod common;
mod e2e;

use std::net::TcpListener;

use altinn_sim::{FaultKind, FaultSpec};
use e2e::*;
use systemuser_host::wit::{AccessPackage, Error, RequestKind, TransportErrorKind};
use systemuser_host::{Capabilities, UreqTransport};

const UNKNOWN_ID: &str = "0b6f6c1e-2f4a-4c7e-9d55-3a1e2b9c8d70";

#[test]
fn validation_is_refused_before_anything_is_sent() {
    let sim = start();
    let client = client(&sim);
    // 123456789 fails mod-11; the default external ref would be it too.
    let err = altinn_error(client.create_standard_request(standard_input("123456789", None)));
    let Error::Validation(violations) = err else { panic!("expected validation, got {err:?}") };
    assert!(violations.iter().any(|v| v.field == "partyOrgNo"), "{violations:?}");
    assert!(violations.iter().all(|v| !v.code.is_empty() && !v.message.is_empty()));

    // Rights on an agent request are refused, not silently dropped.
    let mut agent = agent_input(CUSTOMERS[0], None);
    agent.rights = Some(standard_input(CUSTOMERS[0], None).rights.unwrap());
    assert!(matches!(altinn_error(client.create_agent_request(agent)), Error::Validation(_)));

    // A path segment that would change the route.
    let err = altinn_error(client.get_request_by_external_ref(standard_key(CUSTOMERS[0], "../x")));
    assert!(matches!(err, Error::Validation(_)), "{err:?}");

    assert!(calls(&sim).is_empty(), "nothing reached the server: {:?}", calls(&sim));
}

#[test]
fn altinn_system_user_exists_is_auth_00004() {
    let sim = start();
    let client = client(&sim);
    let request = client.create_standard_request(standard_input(CUSTOMERS[0], Some("exists-1"))).unwrap().request;
    sim.approve(&request.id).expect("approve");
    let err = altinn_error(client.create_standard_request(standard_input(CUSTOMERS[0], Some("exists-1"))));
    let Error::Altinn(problem) = err else { panic!("expected altinn, got {err:?}") };
    assert_eq!(problem.status, 400);
    assert_eq!(problem.code.as_deref(), Some("AUTH-00004"), "{problem:?}");
    assert!(!problem.message.is_empty());
}

#[test]
fn altinn_unknown_customer_org_is_auth_00000() {
    let sim = start();
    let client = client(&sim);
    let org = unknown_valid_org();
    let err = altinn_error(client.create_standard_request(standard_input(&org, None)));
    let Error::Altinn(problem) = err else { panic!("expected altinn, got {err:?}") };
    assert_eq!((problem.status, problem.code.as_deref()), (400, Some("AUTH-00000")), "{problem:?}");
}

#[test]
fn package_not_on_the_system_is_auth_00063() {
    let sim = start();
    let package = |input: &mut systemuser_host::wit::StandardRequestInput| {
        input.rights = None;
        input.access_packages = Some(vec![AccessPackage { urn: "urn:altinn:accesspackage:lonn".into() }]);
    };

    // With the System Register scope the pre-flight refuses it, with the server's code.
    let mut input = standard_input(CUSTOMERS[1], None);
    package(&mut input);
    let err = altinn_error(client(&sim).create_standard_request(input.clone()));
    let Error::Validation(violations) = err else { panic!("expected the pre-flight's validation, got {err:?}") };
    assert!(violations.iter().any(|v| v.code == "AUTH-00063"), "{violations:?}");
    assert!(calls_of(&sim, "create_request").is_empty());

    // Without it (no pre-flight possible) the server answers, with NotFoundPackages.
    let no_register = client_with_token(&sim, &sim.mint_token(VENDOR, &[READ, WRITE]));
    let err = altinn_error(no_register.create_standard_request(input));
    let Error::Altinn(problem) = err else { panic!("expected altinn, got {err:?}") };
    assert_eq!((problem.status, problem.code.as_deref()), (400, Some("AUTH-00063")), "{problem:?}");
    let ext = problem.extensions.iter().find(|e| e.name.eq_ignore_ascii_case("NotFoundPackages")).expect("NotFoundPackages");
    assert!(ext.json.contains("urn:altinn:accesspackage:lonn"), "{ext:?}");
}

#[test]
fn expired_token_is_unauthorized() {
    let sim = start();
    let expired = sim.mint_token_with(VENDOR, &[READ, WRITE, REGISTER], 0, true);
    let client = client_with_token(&sim, &expired);
    let err = altinn_error(client.get_request(RequestKind::Standard, UNKNOWN_ID));
    let Error::Unauthorized(problem) = err else { panic!("expected unauthorized, got {err:?}") };
    assert_eq!(problem.status, 401);
    assert!(!problem.message.is_empty());
    let err = altinn_error(client.create_standard_request(standard_input(CUSTOMERS[0], None)));
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert!(stored_requests(&sim).is_empty());
}

#[test]
fn token_without_the_scope_is_forbidden() {
    let sim = start();
    // Read only: writes and the System Register are forbidden.
    let reader = client_with_token(&sim, &sim.mint_token(VENDOR, &[READ]));
    let err = altinn_error(reader.create_standard_request(standard_input(CUSTOMERS[0], None)));
    let Error::Forbidden(problem) = err else { panic!("expected forbidden, got {err:?}") };
    assert_eq!(problem.status, 403);
    assert!(matches!(altinn_error(reader.get_registered_system(STANDARD_SYSTEM)), Error::Forbidden(_)));
    assert!(matches!(altinn_error(reader.verify_system_user(STANDARD_SYSTEM, CUSTOMERS[0], None)), Error::Forbidden(_)));
    assert!(stored_requests(&sim).is_empty());

    // Write only: reads are forbidden.
    let writer = client_with_token(&sim, &sim.mint_token(VENDOR, &[WRITE]));
    assert!(matches!(altinn_error(writer.get_request(RequestKind::Standard, UNKNOWN_ID)), Error::Forbidden(_)));
    assert!(matches!(altinn_error(writer.list_all_requests(RequestKind::Standard, STANDARD_SYSTEM)), Error::Forbidden(_)));
}

#[test]
fn not_found_unknown_request_and_foreign_system() {
    let sim = start();
    let client = client(&sim);
    let err = altinn_error(client.get_request(RequestKind::Standard, UNKNOWN_ID));
    let Error::NotFound(problem) = err else { panic!("expected not-found, got {err:?}") };
    assert_eq!((problem.status, problem.code.as_deref()), (404, Some("AUTH-00010")), "{problem:?}");
    assert!(matches!(altinn_error(client.withdraw_request(UNKNOWN_ID)), Error::NotFound(_)));
    assert!(matches!(altinn_error(client.get_request_by_external_ref(standard_key(CUSTOMERS[0], "nothing"))), Error::NotFound(_)));
    // An unknown system in the register: the server's empty 404.
    assert!(matches!(altinn_error(client.get_registered_system("314248295_finnesikke")), Error::NotFound(_)));

    // Another vendor's system looks like no system: AUTH-00011.
    let err = altinn_error(client.list_all_requests(RequestKind::Standard, FOREIGN_SYSTEM));
    let Error::NotFound(problem) = err else { panic!("expected not-found, got {err:?}") };
    assert_eq!(problem.code.as_deref(), Some("AUTH-00011"), "{problem:?}");
    let mut input = standard_input(CUSTOMERS[0], None);
    input.system_id = FOREIGN_SYSTEM.into();
    let err = altinn_error(client.create_standard_request(input));
    let Error::NotFound(problem) = err else { panic!("expected not-found, got {err:?}") };
    assert_eq!(problem.code.as_deref(), Some("AUTH-00011"), "{problem:?}");
    let err = altinn_error(client.list_all_system_users(FOREIGN_SYSTEM));
    let Error::NotFound(problem) = err else { panic!("expected not-found, got {err:?}") };
    assert_eq!(problem.code.as_deref(), Some("AUTH-00011"), "{problem:?}");

    // The foreign vendor's own request is not visible to this vendor either.
    let foreign = client_with_token(&sim, &sim.mint_token(FOREIGN_VENDOR, &[READ, WRITE]));
    let mut theirs = standard_input(CUSTOMERS[1], None);
    theirs.system_id = FOREIGN_SYSTEM.into();
    theirs.rights = None;
    theirs.access_packages = Some(vec![AccessPackage { urn: "urn:altinn:accesspackage:skattegrunnlag".into() }]);
    let theirs = foreign.create_standard_request(theirs).expect("the other vendor creates on its own system").request;
    let err = altinn_error(client.get_request(RequestKind::Standard, &theirs.id));
    let Error::NotFound(problem) = err else { panic!("expected not-found, got {err:?}") };
    assert_eq!(problem.code.as_deref(), Some("AUTH-00011"), "{problem:?}");
}

#[test]
fn closed_port_is_transport_connect() {
    let sim = start();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let timer = RecordingTimer::default();
    let caps =
        Capabilities::new(UreqTransport::new(), systemuser_host::StaticToken::new(full_token(&sim)).unwrap()).with_timer(timer.clone());
    let client = client_with(caps, fast_config(&base));

    let err = altinn_error(client.get_request(RequestKind::Standard, UNKNOWN_ID));
    let Error::Transport(failure) = err else { panic!("expected transport, got {err:?}") };
    assert_eq!(failure.kind, TransportErrorKind::Connect, "{}", failure.message);
    assert_eq!(timer.waits(), vec![1, 2, 4, 8, 16], "a read is retried within the budget, doubling the back-off");

    let err = altinn_error(client.create_standard_request(standard_input(CUSTOMERS[0], None)));
    let Error::Transport(failure) = err else { panic!("expected transport, got {err:?}") };
    assert_eq!(failure.kind, TransportErrorKind::Connect, "{}", failure.message);
}

#[test]
fn failing_token_source_is_token() {
    let sim = start();
    let caps = Capabilities::new(UreqTransport::new(), FailingToken);
    let client = client_with(caps, fast_config(&sim.url()));
    let err = altinn_error(client.get_request(RequestKind::Standard, UNKNOWN_ID));
    let Error::Token(message) = err else { panic!("expected token, got {err:?}") };
    assert!(message.contains("key vault is unreachable"), "{message}");
    let err = altinn_error(client.create_standard_request(standard_input(CUSTOMERS[0], None)));
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    assert!(calls(&sim).is_empty(), "nothing was sent without a token: {:?}", calls(&sim));
}

#[test]
fn token_with_crlf_is_token_and_never_sent() {
    let sim = start();
    let token = format!("{}\r\nX-Injected: yes", full_token(&sim));
    let caps = Capabilities::new(UreqTransport::new(), RawToken(token.clone()));
    let client = client_with(caps, fast_config(&sim.url()));
    let err = altinn_error(client.get_request(RequestKind::Standard, UNKNOWN_ID));
    let Error::Token(message) = err else { panic!("expected token, got {err:?}") };
    assert!(!message.contains(&token[..20]), "the message must not quote the token: {message}");
    let err = altinn_error(client.create_standard_request(standard_input(CUSTOMERS[0], None)));
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    assert!(calls(&sim).is_empty(), "nothing was sent: {:?}", calls(&sim));
}

#[test]
fn foreign_confirm_host_is_invalid_response() {
    let sim = start();
    let mut settings = sim.settings();
    settings.confirm_host = Some("https://evil.example".into());
    sim.set_settings(settings);
    let client = client(&sim);
    let err = altinn_error(client.create_standard_request(standard_input(CUSTOMERS[0], Some("evil-1"))));
    let Error::InvalidResponse(message) = err else { panic!("expected invalid-response, got {err:?}") };
    assert!(message.contains("confirmUrl"), "{message}");
}

#[test]
fn a_409_is_conflict_with_its_code_and_is_not_retried() {
    let sim = start();
    let client = client(&sim);
    let created = client.create_standard_request(standard_input(CUSTOMERS[0], Some("conflict-1"))).expect("created");
    sim.arm_fault(FaultSpec::new("delete_request", FaultKind::Conflict)).unwrap();
    let err = altinn_error(client.withdraw_request(&created.request.id));
    let Error::Conflict(problem) = err else { panic!("expected conflict, got {err:?}") };
    assert_eq!((problem.status, problem.code.as_deref()), (409, Some("AUTH-00013")));
    assert!(problem.message.contains("no longer New"), "{}", problem.message);
    assert!(problem.trace_id.is_some());
    // One DELETE only (a 4xx is never retried), and the request is still there.
    assert_eq!(calls_of(&sim, "delete_request").len(), 1);
    assert_eq!(client.get_request(RequestKind::Standard, &created.request.id).expect("still stored").id, created.request.id);
}
