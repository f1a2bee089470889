//! The request status machine (API.md §6): New → Accepted | Rejected, or timed out.

use crate::model::{DateTime, RequestStatus, SystemUserRequest};

/// The current servers' window (180 days); older servers rewrote the status after 10 days.
pub const DEFAULT_TIMEOUT_WINDOW_SECONDS: u64 = 180 * 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Approve,
    Reject,
    TimeOut,
    Escalate,
}

pub const EVENTS: [Event; 4] = [Event::Approve, Event::Reject, Event::TimeOut, Event::Escalate];

/// The status after `event`, or `None` where the server refuses it (409 AUTH-00013).
pub fn transition(status: &RequestStatus, event: Event) -> Option<RequestStatus> {
    match (status, event) {
        (RequestStatus::New, Event::Approve) => Some(RequestStatus::Accepted),
        (RequestStatus::New, Event::Reject) => Some(RequestStatus::Rejected),
        (RequestStatus::New, Event::TimeOut) => Some(RequestStatus::TimedOut),
        // Escalation forwards the request inside the customer organisation; status stays New.
        (RequestStatus::New, Event::Escalate) => Some(RequestStatus::New),
        _ => None,
    }
}

/// No further transition can happen. An unknown status is not terminal: keep watching it.
pub fn is_terminal(status: &RequestStatus) -> bool {
    matches!(status, RequestStatus::Accepted | RequestStatus::Rejected | RequestStatus::Denied | RequestStatus::TimedOut)
}

/// Legacy `Timedout` status, the `timedOut` flag, or still `New` past `created + window`.
pub fn is_timed_out(request: &SystemUserRequest, now: Option<DateTime>, window_seconds: u64) -> bool {
    if request.status == RequestStatus::TimedOut || (request.timed_out && request.status == RequestStatus::New) {
        return true;
    }
    match (&request.status, request.created, now) {
        (RequestStatus::New, Some(created), Some(now)) => {
            let window = i64::try_from(window_seconds).unwrap_or(i64::MAX);
            created.seconds.saturating_add(window) <= now.seconds
        }
        _ => false,
    }
}

/// The status a vendor should act on.
pub fn effective_status(request: &SystemUserRequest, now: Option<DateTime>, window_seconds: u64) -> RequestStatus {
    if is_timed_out(request, now, window_seconds) {
        RequestStatus::TimedOut
    } else {
        request.status.clone()
    }
}

/// Whether a change request counts as timed out: the server's flag, or still `New` and
/// `created + window_seconds <= now` (its single GET never sets the flag, API.md §11).
pub fn change_request_timed_out(change: &crate::model::ChangeRequest, now: DateTime, window_seconds: u64) -> bool {
    change.timed_out
        || (change.status == crate::model::ChangeRequestStatus::New
            && change.created.is_some_and(|c| c.seconds.saturating_add(window_seconds as i64) <= now.seconds))
}
