//! One typed method per export of the component, on `Session`. Each returns
//! `Result<answer, HostError>`: the outer error is the host's (a trap), the answer is exactly
//! what the WIT function returns, including its own `result`.

use crate::bindings::wit::{
    AgentRequestInput, Call, Config, Datetime, Error, Event, HttpResponse, Outcome, Outgoing, RegisteredSystem, RequestKind, RequestStatus,
    StandardRequestInput, SystemUserRequest, Task, Violation,
};
use crate::error::HostError;
use crate::runtime::Session;

/// `altinn:systemuser/validation`.
impl Session {
    pub fn validate_standard_request(
        &mut self,
        input: &StandardRequestInput,
        system: Option<&RegisteredSystem>,
    ) -> Result<Result<StandardRequestInput, Vec<Violation>>, HostError> {
        self.call(|c, s| c.altinn_systemuser_validation().call_validate_standard_request(s, input, system))
    }

    pub fn validate_agent_request(
        &mut self,
        input: &AgentRequestInput,
        system: Option<&RegisteredSystem>,
    ) -> Result<Result<AgentRequestInput, Vec<Violation>>, HostError> {
        self.call(|c, s| c.altinn_systemuser_validation().call_validate_agent_request(s, input, system))
    }

    /// A create body as JSON (and the registered system as JSON), validated; Ok is the normalised
    /// body exactly as it would be sent. See `Session::validate_standard` for a friendlier form.
    pub fn validate_json(
        &mut self,
        kind: RequestKind,
        body: &[u8],
        system: Option<&[u8]>,
    ) -> Result<Result<Vec<u8>, Vec<Violation>>, HostError> {
        self.call(|c, s| c.altinn_systemuser_validation().call_validate_json(s, kind, body, system))
    }

    pub fn check_org_no(&mut self, org_no: &str) -> Result<Result<String, Violation>, HostError> {
        self.call(|c, s| c.altinn_systemuser_validation().call_check_org_no(s, org_no))
    }

    pub fn check_system_id(&mut self, system_id: &str) -> Result<Result<String, Violation>, HostError> {
        self.call(|c, s| c.altinn_systemuser_validation().call_check_system_id(s, system_id))
    }

    pub fn check_external_ref(&mut self, external_ref: &str) -> Result<Result<String, Violation>, HostError> {
        self.call(|c, s| c.altinn_systemuser_validation().call_check_external_ref(s, external_ref))
    }

    pub fn check_request_id(&mut self, id: &str) -> Result<Result<String, Violation>, HostError> {
        self.call(|c, s| c.altinn_systemuser_validation().call_check_request_id(s, id))
    }
}

/// `altinn:systemuser/lifecycle`.
impl Session {
    pub fn transition(&mut self, status: &RequestStatus, event: Event) -> Result<Option<RequestStatus>, HostError> {
        self.call(|c, s| c.altinn_systemuser_lifecycle().call_transition(s, status, event))
    }

    pub fn is_terminal(&mut self, status: &RequestStatus) -> Result<bool, HostError> {
        self.call(|c, s| c.altinn_systemuser_lifecycle().call_is_terminal(s, status))
    }

    pub fn is_timed_out(&mut self, request: &SystemUserRequest, now: Option<Datetime>, window_seconds: u64) -> Result<bool, HostError> {
        self.call(|c, s| c.altinn_systemuser_lifecycle().call_is_timed_out(s, request, now, window_seconds))
    }

    pub fn effective_status(
        &mut self,
        request: &SystemUserRequest,
        now: Option<Datetime>,
        window_seconds: u64,
    ) -> Result<RequestStatus, HostError> {
        self.call(|c, s| c.altinn_systemuser_lifecycle().call_effective_status(s, request, now, window_seconds))
    }
}

/// `altinn:systemuser/protocol`.
impl Session {
    pub fn build(&mut self, config: &Config, call: &Call) -> Result<Result<Outgoing, Vec<Violation>>, HostError> {
        self.call(|c, s| c.altinn_systemuser_protocol().call_build(s, config, call))
    }

    pub fn parse(&mut self, config: &Config, call: &Call, response: &HttpResponse) -> Result<Result<Outcome, Error>, HostError> {
        self.call(|c, s| c.altinn_systemuser_protocol().call_parse(s, config, call, response))
    }
}

/// `altinn:systemuser/client`. The `operations` state machines (a resource) are reached through
/// `Session::call`; a resource lives in the store of the session that made it.
impl Session {
    /// Runs `task` to its end through this session's capabilities (HTTP, token, timer) and
    /// returns its result. The fuel budget covers the whole run; time spent waiting on the
    /// network or the timer costs none.
    pub fn run(&mut self, config: &Config, task: &Task) -> Result<Result<Outcome, Error>, HostError> {
        self.call(|c, store| {
            let operation = c.altinn_systemuser_client().call_run(&mut *store, config, task)?;
            let result = c.altinn_systemuser_operations().operation().call_finish(&mut *store, operation);
            // Free the guest's state machine whatever `finish` said.
            operation.resource_drop(&mut *store)?;
            result
        })
    }
}
