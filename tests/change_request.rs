//! Change requests (API.md §11) through the operation machine, natively with scripted answers:
//! the system user looked up first (an agent one refused, none not found), the change checked
//! against the registered system, exactly once by a correlation id derived from the change, the
//! server's replay compared with what was asked, a lost answer reconciled by id, a change that
//! asks for nothing answered without a call, the list never followed, timeouts by the clock.

#![allow(clippy::result_large_err)] // the typed error is matched by value here

use altinn_systemuser::error::{Error, TransportErrorKind, TransportFailure};
use altinn_systemuser::http::{Header, HttpRequest, HttpResponse, Method};
use altinn_systemuser::model::{AccessPackage, ChangeRequestInput, ChangeRequestStatus, Config, DateTime, Environment};
use altinn_systemuser::operation::{Input, Operation, Outcome, Step, Task};
use altinn_systemuser::protocol::Call;
use altinn_systemuser::secret::Secret;

const T0: DateTime = DateTime { seconds: 1_790_000_000, nanoseconds: 0 };
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl";
const USER: &str = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f";
const SYSTEM: &str = "314248295_smartregnskap";
const BASE: &str = "https://platform.tt02.altinn.no/authentication/api/v1/";
const SKATT: &str = "urn:altinn:accesspackage:skattegrunnlag";
const LONN: &str = "urn:altinn:accesspackage:lonn";

fn config() -> Config {
    Config { retry_budget: 2, backoff_ms: 100, ..Config::new(Environment::Tt02) }
}

fn package(urn: &str) -> AccessPackage {
    AccessPackage { urn: urn.into() }
}

fn change() -> ChangeRequestInput {
    ChangeRequestInput {
        system_id: SYSTEM.into(),
        party_org_no: "310816191".into(),
        external_ref: Some("kunde-42".into()),
        required_access_packages: vec![package(SKATT)],
        ..Default::default()
    }
}

fn op(input: ChangeRequestInput) -> Operation {
    Operation::new(config(), Task::CreateChangeRequest(input), T0, &[3; 16])
}

fn json(status: u16, body: &str) -> Input {
    Input::Response(HttpResponse {
        status,
        headers: vec![Header { name: "Content-Type".into(), value: "application/json".into() }],
        body: body.as_bytes().to_vec(),
    })
}

fn next(op: &mut Operation, input: Input) -> Step {
    op.advance(input, T0)
}

#[track_caller]
fn sent(step: Step, method: Method, path: &str) -> HttpRequest {
    match step {
        Step::Send(r) => {
            assert_eq!((r.method, r.url.split('?').next().unwrap()), (method, format!("{BASE}{path}").as_str()), "{r:?}");
            r
        }
        other => panic!("expected {method:?} {path}, got {other:?}"),
    }
}

fn user(kind: &str) -> String {
    format!(r#"{{"id":"{USER}","systemId":"{SYSTEM}","reporteeOrgNo":"310816191","externalRef":"kunde-42","userType":"{kind}"}}"#)
}

const SYSTEM_JSON: &str = r#"{"id":"314248295_smartregnskap","vendor":{"ID":"0192:314248295"},"rights":[],"accessPackages":[{"urn":"urn:altinn:accesspackage:skattegrunnlag"},{"urn":"urn:altinn:accesspackage:lonn"}]}"#;

fn stored(id: &str, status: &str, required: &[&str], created: &str) -> String {
    let packages: Vec<String> = required.iter().map(|u| format!(r#"{{"urn":"{u}"}}"#)).collect();
    format!(
        r#"{{"id":"{id}","externalRef":"kunde-42","systemId":"{SYSTEM}","systemUserId":"{USER}","partyOrgNo":"310816191","requiredRights":[],"unwantedRights":[],"requiredAccessPackages":[{}],"unwantedAccessPackages":[],"status":"{status}","confirmUrl":"https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/changerequest?id={id}&DONTCHOOSEREPORTEE=true","created":"{created}","timedOut":false}}"#,
        packages.join(",")
    )
}

/// Runs the lookup and the pre-flight; returns the POST and its correlation id.
fn to_post(op: &mut Operation) -> (HttpRequest, String) {
    assert!(matches!(op.start(), Step::NeedToken(_)));
    sent(next(op, Input::Token(Secret::new(TOKEN))), Method::Get, "systemuser/vendor/byquery");
    assert!(matches!(next(op, json(200, &user("standard"))), Step::NeedToken(_)));
    sent(next(op, Input::Token(Secret::new(TOKEN))), Method::Get, &format!("systemregister/vendor/{SYSTEM}"));
    // The write token of the lookup serves the POST: no new token.
    let post = sent(next(op, json(200, SYSTEM_JSON)), Method::Post, "systemuser/changerequest/vendor");
    let query = post.url.split_once('?').unwrap().1.to_string();
    let correlation = query.split('&').find_map(|p| p.strip_prefix("correlation-id=")).unwrap().to_string();
    assert!(query.contains(&format!("system-user-id={USER}")), "{query}");
    let body: serde_json::Value = serde_json::from_slice(post.body.as_ref().unwrap()).unwrap();
    for list in ["requiredRights", "unwantedRights", "requiredAccessPackages", "unwantedAccessPackages"] {
        assert!(body[list].is_array(), "the four lists are always sent: {body}");
    }
    (post, correlation)
}

#[test]
fn a_change_request_is_made_once_for_the_system_user_looked_up() {
    let mut first = op(change());
    let (post, id) = to_post(&mut first);
    let body: serde_json::Value = serde_json::from_slice(post.body.as_ref().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"requiredRights": [], "unwantedRights": [], "requiredAccessPackages": [{"urn": SKATT}], "unwantedAccessPackages": []})
    );
    match next(&mut first, json(201, &stored(&id, "New", &[SKATT], "2026-12-01T10:00:00Z"))) {
        Step::Done(Ok(Outcome::ChangeRequestCreated { change_request, is_new: true, reconciled: false })) => {
            assert_eq!((change_request.id.as_str(), change_request.status), (id.as_str(), ChangeRequestStatus::New));
        }
        other => panic!("{other:?}"),
    }
    // A rerun (another process, another day) names the same change request: the server replays it.
    let mut rerun = op(change());
    let (_, again) = to_post(&mut rerun);
    assert_eq!(again, id, "the correlation id is derived from the system user and the change");
    assert!(matches!(
        next(&mut rerun, json(200, &stored(&id, "Accepted", &[SKATT], "2026-12-01T10:00:00Z"))),
        Step::Done(Ok(Outcome::ChangeRequestCreated { is_new: false, reconciled: false, .. }))
    ));
    // Another change is another id; a given id is used as given.
    let mut other = op(ChangeRequestInput { required_access_packages: vec![package(LONN)], ..change() });
    assert_ne!(to_post(&mut other).1, id);
    let given = "1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d";
    let mut explicit = op(ChangeRequestInput { correlation_id: Some(given.to_uppercase()), ..change() });
    assert_eq!(to_post(&mut explicit).1, given);
}

#[test]
fn a_replay_of_another_change_under_the_same_correlation_id_is_a_conflict_not_a_success() {
    let mut op = op(change());
    let (_, id) = to_post(&mut op);
    match next(&mut op, json(200, &stored(&id, "New", &[LONN], "2026-12-01T10:00:00Z"))) {
        Step::Done(Err(Error::Conflict(p))) => {
            assert_eq!(p.code.as_deref(), Some("correlation-id-reused"));
            assert!(p.message.contains("required access packages"), "{}", p.message);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_answer_is_reconciled_by_the_correlation_id() {
    let mut op = op(change());
    let (_, id) = to_post(&mut op);
    let lost = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::ConnectionLost, message: "reset".into() });
    assert!(matches!(next(&mut op, lost), Step::NeedToken(_)), "the read scope for the lookup by id");
    sent(next(&mut op, Input::Token(Secret::new(TOKEN))), Method::Get, &format!("systemuser/changerequest/vendor/{id}"));
    assert!(matches!(
        next(&mut op, json(200, &stored(&id, "New", &[SKATT], "2026-12-01T10:00:00Z"))),
        Step::Done(Ok(Outcome::ChangeRequestCreated { is_new: false, reconciled: true, .. }))
    ));

    // Not stored: the same POST (the same correlation id) again.
    let mut op2 = self::op(change());
    let (_, id2) = to_post(&mut op2);
    let lost = Input::TransportFailed(TransportFailure { kind: TransportErrorKind::Timeout, message: "no answer".into() });
    let _ = next(&mut op2, lost);
    let _ = next(&mut op2, Input::Token(Secret::new(TOKEN)));
    let not_found = r#"{"status":404,"code":"AUTH-00010","title":"The Id does not refer to a Request in our system."}"#;
    assert_eq!(next(&mut op2, json(404, not_found)), Step::Wait(100));
    let again = sent(next(&mut op2, Input::Waited), Method::Post, "systemuser/changerequest/vendor");
    assert!(again.url.contains(&format!("correlation-id={id2}")));
}

#[test]
fn the_id_of_a_withdrawn_change_request_ends_in_a_conflict_not_an_endless_retry() {
    // Altinn answers 500 to the correlation id of a withdrawn change request, for ever (API.md
    // §11 step 13), and a GET of it is 404: after the second such round, a conflict that says
    // to use a new correlation id, not `unavailable` (which invites a retry that cannot work).
    let mut op = op(change());
    let (_, id) = to_post(&mut op);
    let not_found = r#"{"status":404,"code":"AUTH-00010","title":"The Id does not refer to a Request in our system."}"#;
    let mut sends = 1;
    let outcome = loop {
        let step = next(&mut op, json(500, ""));
        let step = if step == Step::NeedToken(vec!["altinn:authentication/systemuser.request.read".into()]) {
            next(&mut op, Input::Token(Secret::new(TOKEN)))
        } else {
            step
        };
        sent(step, Method::Get, &format!("systemuser/changerequest/vendor/{id}"));
        match next(&mut op, json(404, not_found)) {
            Step::Wait(_) => {
                sent(next(&mut op, Input::Waited), Method::Post, "systemuser/changerequest/vendor");
                sends += 1;
            }
            Step::Done(result) => break result,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(sends, 2, "one POST again, not the whole budget");
    match outcome {
        Err(Error::Conflict(p)) => {
            assert_eq!(p.code.as_deref(), Some("correlation-id-unusable"));
            assert!(p.message.contains(&id) && p.message.contains("new correlation id"), "{}", p.message);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_change_that_asks_for_nothing_is_answered_without_a_call() {
    let mut op = op(ChangeRequestInput { required_access_packages: vec![], ..change() });
    assert_eq!(op.start(), Step::Done(Ok(Outcome::NoChangeNeeded)));
}

#[test]
fn an_agent_system_user_or_none_is_refused_before_anything_is_sent() {
    let mut agent = op(change());
    let _ = agent.start();
    let _ = next(&mut agent, Input::Token(Secret::new(TOKEN)));
    match next(&mut agent, json(200, &user("agent"))) {
        Step::Done(Err(Error::Validation(v))) => assert_eq!(v[0].code, "AUTH-00015"),
        other => panic!("{other:?}"),
    }
    let mut none = op(change());
    let _ = none.start();
    let _ = next(&mut none, Input::Token(Secret::new(TOKEN)));
    match next(&mut none, Input::Response(HttpResponse { status: 404, headers: vec![], body: vec![] })) {
        Step::Done(Err(Error::NotFound(p))) => assert!(p.message.contains("must approve a request"), "{}", p.message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_change_is_checked_locally_and_against_the_registered_system() {
    let contradicts = ChangeRequestInput { unwanted_access_packages: vec![package(SKATT)], ..change() };
    match op(contradicts).start() {
        Step::Done(Err(Error::Validation(v))) => {
            assert_eq!((v[0].code.as_str(), v[0].field.as_str()), ("change-contradicts", "unwantedAccessPackages[0].urn"))
        }
        other => panic!("{other:?}"),
    }
    let agent_only =
        ChangeRequestInput { required_access_packages: vec![package("urn:altinn:accesspackage:regnskapsforer-lonn")], ..change() };
    assert!(matches!(op(agent_only).start(), Step::Done(Err(Error::Validation(v))) if v[0].code == "AUTH-00064"));
    let zero = ChangeRequestInput { correlation_id: Some("00000000-0000-0000-0000-000000000000".into()), ..change() };
    assert!(matches!(op(zero).start(), Step::Done(Err(Error::Validation(v))) if v[0].code == "correlation-id-zero"));
    // Not among the system's packages: found by the pre-flight, nothing posted.
    let mut unknown = op(ChangeRequestInput { required_access_packages: vec![package("urn:altinn:accesspackage:ukjent")], ..change() });
    let _ = unknown.start();
    let _ = next(&mut unknown, Input::Token(Secret::new(TOKEN)));
    let _ = next(&mut unknown, json(200, &user("standard")));
    let _ = next(&mut unknown, Input::Token(Secret::new(TOKEN)));
    assert!(matches!(next(&mut unknown, json(200, SYSTEM_JSON)), Step::Done(Err(Error::Validation(v))) if v[0].code == "AUTH-00063"));
}

fn read(call: Call, status: u16, body: &str, now: DateTime) -> Result<Outcome, Error> {
    let mut op = Operation::new(config(), Task::Read(call), now, &[3; 16]);
    let _ = op.start();
    let _ = op.advance(Input::Token(Secret::new(TOKEN)), now);
    match op.advance(json(status, body), now) {
        Step::Done(result) => result,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_new_change_request_times_out_by_the_clock_as_the_server_never_says() {
    let id = "1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d";
    let body = stored(id, "New", &[SKATT], "2026-01-01T00:00:00Z");
    let created = DateTime::parse("2026-01-01T00:00:00Z").unwrap().unwrap();
    let day = |n: i64| DateTime { seconds: created.seconds + n * 86_400, nanoseconds: 0 };
    let timed_out = |now| match read(Call::GetChangeRequest(id.into()), 200, &body, now) {
        Ok(Outcome::ChangeRequest(c)) => c.timed_out,
        other => panic!("{other:?}"),
    };
    assert!(!timed_out(day(179)));
    assert!(timed_out(day(180)));
}

#[test]
fn the_list_is_never_followed_and_says_it_may_be_incomplete() {
    let id = "1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d";
    let item = stored(id, "New", &[SKATT], "2026-12-01T10:00:00Z").replace(r#","confirmUrl":"https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/changerequest?id=1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d&DONTCHOOSEREPORTEE=true""#, "");
    let page = format!(r#"{{"links":{{"next":"https://p/?token=x"}},"data":[{item}]}}"#);
    match read(Call::ListChangeRequests { system_id: SYSTEM.into() }, 200, &page, T0) {
        Ok(Outcome::ChangeRequests(list)) => assert_eq!((list.items.len(), list.may_be_incomplete), (1, true)),
        other => panic!("{other:?}"),
    }
    let last = format!(r#"{{"links":{{}},"data":[{item}]}}"#);
    assert!(
        matches!(read(Call::ListChangeRequests { system_id: SYSTEM.into() }, 200, &last, T0), Ok(Outcome::ChangeRequests(l)) if !l.may_be_incomplete)
    );
}

#[test]
fn answers_about_another_change_request_or_a_foreign_confirm_link_are_refused() {
    let id = "1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d";
    let other = "2d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d";
    let body = stored(other, "New", &[SKATT], "2026-12-01T10:00:00Z");
    assert!(
        matches!(read(Call::GetChangeRequest(id.into()), 200, &body, T0), Err(Error::InvalidResponse(m)) if m.contains("another change request"))
    );
    let evil = stored(id, "New", &[SKATT], "2026-12-01T10:00:00Z").replace("am.ui.tt02.altinn.no", "evil.example");
    assert!(
        matches!(read(Call::GetChangeRequest(id.into()), 200, &evil, T0), Err(Error::InvalidResponse(m)) if m.contains("another host"))
    );
    let key = Call::GetChangeRequestByExternalRef { system_id: SYSTEM.into(), org_no: "310816191".into(), external_ref: "annen".into() };
    assert!(
        matches!(read(key, 200, &stored(id, "New", &[], "2026-12-01T10:00:00Z"), T0), Err(Error::InvalidResponse(m)) if m.contains("external ref"))
    );
    let bare = r#""correlation-id is required""#;
    let post = Call::CreateChangeRequest(Default::default());
    let response = HttpResponse { status: 400, headers: vec![], body: bare.as_bytes().to_vec() };
    match altinn_systemuser::protocol::parse(&config(), &post, &response) {
        Err(Error::Altinn(p)) => assert_eq!(p.detail.as_deref(), Some("correlation-id is required")),
        other => panic!("{other:?}"),
    }
}
