//! Every (status, event) pair and both timeout forms, natively. The component runs the same
//! pairs in host-examples/rust/tests/vectors.rs and must agree.

use altinn_systemuser::lifecycle::{self, Event, EVENTS};
use altinn_systemuser::model::{DateTime, RequestKind, RequestStatus, SystemUserRequest};

fn statuses() -> Vec<RequestStatus> {
    use RequestStatus::*;
    vec![New, Accepted, Rejected, Denied, TimedOut, Unknown("Archived".into())]
}

#[test]
fn every_status_event_pair() {
    use RequestStatus::*;
    let mut checked = 0;
    for status in statuses() {
        for event in EVENTS {
            let expected = match (&status, event) {
                (New, Event::Approve) => Some(Accepted),
                (New, Event::Reject) => Some(Rejected),
                (New, Event::TimeOut) => Some(TimedOut),
                (New, Event::Escalate) => Some(New),
                _ => None,
            };
            assert_eq!(lifecycle::transition(&status, event), expected, "{status:?} + {event:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 24);
    let terminal: Vec<bool> = statuses().iter().map(lifecycle::is_terminal).collect();
    assert_eq!(terminal, [false, true, true, true, true, false]);
}

pub fn request(status: RequestStatus, timed_out: bool, created: Option<i64>) -> SystemUserRequest {
    SystemUserRequest {
        id: "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f".into(),
        kind: RequestKind::Standard,
        external_ref: "310816191".into(),
        system_id: "314248295_smartregnskap".into(),
        party_org_no: "310816191".into(),
        integration_title: None,
        rights: vec![],
        access_packages: vec![],
        status,
        redirect_url: None,
        confirm_url: None,
        escalated: false,
        created: created.map(|seconds| DateTime { seconds, nanoseconds: 0 }),
        timed_out,
    }
}

#[test]
fn both_timeout_forms_and_the_window() {
    let day = 86_400;
    let now = Some(DateTime { seconds: 1_000 * day, nanoseconds: 0 });
    let window = 10 * day as u64;
    // Legacy servers: the status string.
    assert!(lifecycle::is_timed_out(&request(RequestStatus::TimedOut, false, None), None, window));
    // Current servers: the flag, status still New.
    let flagged = request(RequestStatus::New, true, None);
    assert!(lifecycle::is_timed_out(&flagged, None, window));
    assert_eq!(lifecycle::effective_status(&flagged, None, window), RequestStatus::TimedOut);
    // Derived from created + window against a given now (boundary included).
    assert!(!lifecycle::is_timed_out(&request(RequestStatus::New, false, Some(990 * day + 1)), now, window));
    assert!(lifecycle::is_timed_out(&request(RequestStatus::New, false, Some(990 * day)), now, window));
    // No now, or no created: nothing to derive from.
    assert!(!lifecycle::is_timed_out(&request(RequestStatus::New, false, Some(0)), None, window));
    assert!(!lifecycle::is_timed_out(&request(RequestStatus::New, false, None), now, window));
    // A decided request never times out.
    let accepted = request(RequestStatus::Accepted, false, Some(0));
    assert!(!lifecycle::is_timed_out(&accepted, now, window));
    assert_eq!(lifecycle::effective_status(&accepted, now, window), RequestStatus::Accepted);
    // A huge window does not overflow.
    assert!(!lifecycle::is_timed_out(&request(RequestStatus::New, false, Some(0)), now, u64::MAX));
}
