//! The WIT glue: the only module that knows WIT exists. It converts between the generated
//! types and the core's, and forwards each export to the core. No logic lives here.

wit_bindgen::generate!({ path: "wit", world: "systemuser" });

use crate as core_;
use altinn::systemuser::{http as wh, types as w};
use exports::altinn::systemuser::{client as wc, lifecycle as wl, operations as wo, protocol as wp, validation as wv};

struct Component;
export!(Component);

/// In a `test-trap` build only: panics (a trap for the host) when asked to, so that hosts can
/// prove a trap leaves them working. A normal build has no way to trap on purpose.
fn trap_if_asked(text: &str) {
    #[cfg(feature = "test-trap")]
    if text == "test-trap" {
        panic!("deliberate trap: this is a test-trap build");
    }
    let _ = text;
}

/// A conversion between a core type and its WIT twin (both directions are implemented).
trait To<T> {
    fn to(self) -> T;
}

impl<A: To<B>, B> To<Vec<B>> for Vec<A> {
    fn to(self) -> Vec<B> {
        self.into_iter().map(To::to).collect()
    }
}

impl<A: To<B>, B> To<Option<B>> for Option<A> {
    fn to(self) -> Option<B> {
        self.map(To::to)
    }
}

macro_rules! same {
    ($($t:ty),*) => { $(impl To<$t> for $t { fn to(self) -> $t { self } })* };
}
same!(String, bool, u16, u32, u64, i64);

/// A record with the same name and fields on both sides.
macro_rules! record {
    ($core:path => $wit:path { $($f:ident),* }) => {
        impl To<$wit> for $core {
            fn to(self) -> $wit { type T = $wit; T { $($f: self.$f.to()),* } }
        }
        impl To<$core> for $wit {
            fn to(self) -> $core { type T = $core; T { $($f: self.$f.to()),* } }
        }
    };
}

/// An enum or variant whose cases match by name (unit cases, or one payload).
macro_rules! cases {
    ($core:path => $wit:path { $($unit:ident),* ; $($payload:ident),* }) => {
        impl To<$wit> for $core {
            fn to(self) -> $wit {
                type C = $core; type W = $wit;
                match self { $(C::$unit => W::$unit,)* $(C::$payload(x) => W::$payload(x.to()),)* }
            }
        }
        impl To<$core> for $wit {
            fn to(self) -> $core {
                type C = $core; type W = $wit;
                match self { $(W::$unit => C::$unit,)* $(W::$payload(x) => C::$payload(x.to()),)* }
            }
        }
    };
}

use core_::model as m;
record!(m::DateTime => w::Datetime { seconds, nanoseconds });
record!(m::AttributePair => w::AttributePair { id, value });
record!(m::Right => w::Right { action, resource });
record!(m::AccessPackage => w::AccessPackage { urn });
cases!(m::RequestKind => w::RequestKind { Standard, Agent ; });
record!(m::StandardRequestInput => w::StandardRequestInput { system_id, party_org_no, external_ref, integration_title, rights, access_packages, redirect_url });
record!(m::AgentRequestInput => w::AgentRequestInput { system_id, party_org_no, external_ref, integration_title, access_packages, redirect_url, rights });
cases!(m::RequestStatus => w::RequestStatus { New, Accepted, Rejected, Denied, TimedOut ; Unknown });
record!(m::SystemUserRequest => w::SystemUserRequest {
    id, kind, external_ref, system_id, party_org_no, integration_title, rights, access_packages, status, redirect_url, confirm_url, escalated, created, timed_out
});
cases!(m::UserType => w::UserType { Standard, Agent ; Unknown });
record!(m::SystemUser => w::SystemUser {
    id, integration_title, system_id, product_name, reportee_org_no, created, is_deleted, supplier_name, supplier_org_no, external_ref, user_type
});
record!(m::LocalizedText => w::LocalizedText { nb, nn, en });
record!(m::RegisteredSystem => w::RegisteredSystem {
    id, vendor_org_no, name, description, rights, access_packages, client_ids, is_visible, allowed_redirect_urls, is_deleted
});
record!(m::Page<m::SystemUserRequest> => w::RequestPage { items, next_page });
record!(m::ChangeRequestInput => w::ChangeRequestInput {
    system_id, party_org_no, external_ref, correlation_id, required_rights, unwanted_rights, required_access_packages,
    unwanted_access_packages, redirect_url
});
record!(m::NewChangeRequest => w::NewChangeRequest {
    system_user_id, correlation_id, required_rights, unwanted_rights, required_access_packages, unwanted_access_packages, redirect_url
});
cases!(m::ChangeRequestStatus => w::ChangeRequestStatus { New, Accepted, Rejected, NoChangeNeeded ; Unknown });
record!(m::ChangeRequest => w::ChangeRequest {
    id, external_ref, system_id, system_user_id, party_org_no, required_rights, unwanted_rights, required_access_packages,
    unwanted_access_packages, status, redirect_url, confirm_url, created, timed_out
});
record!(m::ChangeRequestList => w::ChangeRequestList { items, may_be_incomplete });
record!(m::Page<m::SystemUser> => w::SystemUserPage { items, next_page });
record!(m::SystemUpdate => w::SystemUpdate { id, name, description, rights, access_packages, client_ids, is_visible, allowed_redirect_urls });
record!(m::SystemChange => w::SystemChange { system_internal_id, changed_by_org_no, change_type, changed_data, client_id, created });
record!(m::Bureau => w::Bureau { org_no, external_ref });
record!(m::AgentSystemUser => w::AgentSystemUser { system_user, system_internal_id, party_uuid, access_packages });
record!(m::Client => w::Client { id, org_no, name });
record!(m::ClientList => w::ClientList { system_user_id, owner_org_no, clients });
record!(m::ClientLink => w::ClientLink { agent, client });
record!(m::CustomEnvironment => w::CustomEnvironment { platform_url, confirm_url, maskinporten_issuer });
cases!(m::Environment => w::Environment { Production, Tt02, At22, At23, At24, Yt01 ; Custom });
cases!(m::KeyIdentity => w::KeyIdentity { ; KeyId, CertificateChain });
record!(m::MaskinportenClient => w::MaskinportenClient { client_id, resource, key });
record!(m::Config => w::Config { environment, timeout_ms, deadline_ms, retry_budget, backoff_ms, maskinporten });
record!(core_::Violation => w::Violation { code, field, message });
cases!(core_::TransportErrorKind => w::TransportErrorKind { Connect, Timeout, ConnectionLost, TooLarge, Other ; });
record!(core_::TransportFailure => w::TransportFailure { kind, message });

/// 401/403/404/409 travel as the short `status-problem` (their bodies carry no lists).
impl To<w::Error> for core_::Error {
    fn to(self) -> w::Error {
        use core_::Error as C;
        let brief = |p: core_::Problem| w::StatusProblem {
            status: p.status,
            code: p.code,
            title: p.title,
            detail: p.detail,
            trace_id: p.trace_id,
            message: p.message,
        };
        match self {
            C::Validation(v) => w::Error::Validation(v.to()),
            C::Altinn(p) => w::Error::Altinn(p.to()),
            C::Unauthorized(p) => w::Error::Unauthorized(brief(p)),
            C::Forbidden(p) => w::Error::Forbidden(brief(p)),
            C::NotFound(p) => w::Error::NotFound(brief(p)),
            C::Conflict(p) => w::Error::Conflict(brief(p)),
            C::Unavailable(p) => w::Error::Unavailable(w::Outage {
                status: p.status,
                code: p.code,
                title: p.title,
                detail: p.detail,
                trace_id: p.trace_id,
                retry_after_seconds: p.retry_after_seconds,
                message: p.message,
            }),
            C::Transport(t) => w::Error::Transport(t.to()),
            C::Token(t) => w::Error::Token(t),
            C::Maskinporten(p) => w::Error::Maskinporten(brief(p)),
            C::InvalidResponse(t) => w::Error::InvalidResponse(t),
            C::Misuse(t) => w::Error::Misuse(t),
        }
    }
}

impl To<w::Problem> for core_::Problem {
    fn to(self) -> w::Problem {
        w::Problem {
            status: self.status,
            code: self.code,
            title: self.title,
            detail: self.detail,
            trace_id: self.trace_id,
            extensions: self.extensions.into_iter().map(|(name, json)| w::ProblemExtension { name, json }).collect(),
            field_errors: self.field_errors.to(),
            message: self.message,
        }
    }
}

use core_::http as h;
cases!(h::Method => wh::Method { Get, Post, Put, Delete ; });
record!(h::Header => wh::Header { name, value });
record!(h::HttpRequest => wh::HttpRequest { method, url, headers, body, timeout_ms, max_response_bytes });
record!(h::HttpResponse => wh::HttpResponse { status, headers, body });
same!(Vec<u8>);
impl To<wp::Outgoing> for wp::Outgoing {
    fn to(self) -> wp::Outgoing {
        self
    }
}

use core_::protocol::{Call, Outcome};
impl To<Call> for wp::Call {
    fn to(self) -> Call {
        match self {
            wp::Call::CreateStandardRequest(i) => Call::CreateStandardRequest(i.to()),
            wp::Call::CreateAgentRequest(i) => Call::CreateAgentRequest(i.to()),
            wp::Call::GetRequest(r) => Call::GetRequest { kind: r.kind.to(), id: r.id },
            wp::Call::GetRequestByExternalRef(k) => {
                Call::GetRequestByExternalRef { kind: k.kind.to(), system_id: k.system_id, org_no: k.org_no, external_ref: k.external_ref }
            }
            wp::Call::ListRequests(q) => Call::ListRequests { kind: q.kind.to(), system_id: q.system_id, page: q.page },
            wp::Call::WithdrawRequest(id) => Call::WithdrawRequest(id),
            wp::Call::VerifySystemUser(q) => {
                Call::VerifySystemUser { system_id: q.system_id, org_no: q.org_no, external_ref: q.external_ref }
            }
            wp::Call::ListSystemUsers(q) => Call::ListSystemUsers { system_id: q.system_id, page: q.page },
            wp::Call::GetRegisteredSystem(id) => Call::GetRegisteredSystem(id),
            wp::Call::CreateChangeRequest(c) => Call::CreateChangeRequest(c.to()),
            wp::Call::GetChangeRequest(id) => Call::GetChangeRequest(id),
            wp::Call::GetChangeRequestByExternalRef(k) => {
                Call::GetChangeRequestByExternalRef { system_id: k.system_id, org_no: k.org_no, external_ref: k.external_ref }
            }
            wp::Call::ListChangeRequests(system_id) => Call::ListChangeRequests { system_id },
            wp::Call::WithdrawChangeRequest(id) => Call::WithdrawChangeRequest(id),
            wp::Call::ListSystems => Call::ListSystems,
            wp::Call::RegisterSystem(s) => Call::RegisterSystem(s.to()),
            wp::Call::ReplaceSystem(s) => Call::ReplaceSystem(s.to()),
            wp::Call::SetSystemRights(r) => Call::SetSystemRights { system_id: r.system_id, rights: r.rights.to() },
            wp::Call::SetSystemAccessPackages(p) => {
                Call::SetSystemAccessPackages { system_id: p.system_id, access_packages: p.access_packages.to() }
            }
            wp::Call::DeleteSystem(id) => Call::DeleteSystem(id),
            wp::Call::SystemChangelog(id) => Call::SystemChangelog(id),
            wp::Call::ListAgents(party_org_no) => Call::ListAgents { party_org_no },
            wp::Call::ListAvailableClients(agent) => Call::ListAvailableClients { agent },
            wp::Call::ListClients(agent) => Call::ListClients { agent },
            wp::Call::AddClient(l) => Call::AddClient { agent: l.agent, client: l.client },
            wp::Call::RemoveClient(l) => Call::RemoveClient { agent: l.agent, client: l.client },
        }
    }
}

impl To<wp::Outcome> for Outcome {
    fn to(self) -> wp::Outcome {
        match self {
            Outcome::Created { request, is_new, reconciled } => {
                wp::Outcome::Created(wp::CreatedRequest { request: request.to(), is_new, reconciled })
            }
            Outcome::Request(r) => wp::Outcome::Request(r.to()),
            Outcome::Requests(p) => wp::Outcome::Requests(p.to()),
            Outcome::Withdrawn => wp::Outcome::Withdrawn,
            Outcome::SystemUser(u) => wp::Outcome::SystemUser(u.to()),
            Outcome::SystemUsers(p) => wp::Outcome::SystemUsers(p.to()),
            Outcome::RegisteredSystem(s) => wp::Outcome::RegisteredSystem(s.to()),
            Outcome::Token(t) => {
                wp::Outcome::Token(w::AccessToken { token: t.token.expose().to_string(), scope: t.scope, expires_at: t.expires_at.to() })
            }
            Outcome::ChangeRequestCreated { change_request, is_new, reconciled } => {
                wp::Outcome::ChangeRequestCreated(wp::CreatedChangeRequest { change_request: change_request.to(), is_new, reconciled })
            }
            Outcome::NoChangeNeeded => wp::Outcome::NoChangeNeeded,
            Outcome::ChangeRequest(c) => wp::Outcome::ChangeRequest(c.to()),
            Outcome::ChangeRequests(list) => wp::Outcome::ChangeRequests(list.to()),
            Outcome::Systems(list) => wp::Outcome::Systems(list.to()),
            Outcome::SystemRegistered { internal_id, reconciled } => {
                wp::Outcome::SystemRegistered(wp::RegisteredSystemId { internal_id, reconciled })
            }
            Outcome::SystemChanged => wp::Outcome::SystemChanged,
            Outcome::SystemChangelog(list) => wp::Outcome::SystemChangelog(list.to()),
            Outcome::Agents(list) => wp::Outcome::Agents(list.to()),
            Outcome::Clients(list) => wp::Outcome::Clients(list.to()),
            Outcome::ClientAdded(link) => wp::Outcome::ClientAdded(link.to()),
            Outcome::ClientRemoved(link) => wp::Outcome::ClientRemoved(link.to()),
        }
    }
}

fn out<T: To<U>, U, E: To<F>, F>(result: Result<T, E>) -> Result<U, F> {
    result.map(To::to).map_err(To::to)
}

/// The one conversion of an operation's or a parse's result: kept out of line, as `parse` and
/// `finish` would otherwise each carry a copy of every outcome and error case.
#[inline(never)]
fn outcome(result: Result<Outcome, core_::Error>) -> Result<wp::Outcome, w::Error> {
    out(result)
}

/// Validation fails only with violations; the core says so with `Error::Validation`.
fn violations<T: To<U>, U>(result: Result<T, core_::Error>) -> Result<U, Vec<w::Violation>> {
    match result {
        Ok(value) => Ok(value.to()),
        Err(core_::Error::Validation(list)) => Err(list.to()),
        Err(other) => Err(vec![w::Violation { code: "internal".into(), field: String::new(), message: other.to_string() }]),
    }
}

impl wv::Guest for Component {
    fn validate_standard_request(
        input: w::StandardRequestInput,
        system: Option<w::RegisteredSystem>,
    ) -> Result<w::StandardRequestInput, Vec<w::Violation>> {
        violations(core_::validation::validate_standard(input.to(), system.to().as_ref()))
    }

    fn validate_agent_request(
        input: w::AgentRequestInput,
        system: Option<w::RegisteredSystem>,
    ) -> Result<w::AgentRequestInput, Vec<w::Violation>> {
        violations(core_::validation::validate_agent(input.to(), system.to().as_ref()))
    }

    fn validate_json(kind: w::RequestKind, body: Vec<u8>, system: Option<Vec<u8>>) -> Result<Vec<u8>, Vec<w::Violation>> {
        violations(core_::validation::validate_json(kind.to(), &body, system.as_deref()))
    }

    fn check_org_no(org_no: String) -> Result<String, w::Violation> {
        trap_if_asked(&org_no);
        out(core_::identifiers::check_org_no(&org_no, "orgNo"))
    }

    fn check_system_id(system_id: String) -> Result<String, w::Violation> {
        out(core_::identifiers::check_system_id(&system_id, "systemId"))
    }

    fn check_external_ref(external_ref: String) -> Result<String, w::Violation> {
        out(core_::identifiers::check_external_ref(&external_ref, "externalRef"))
    }

    fn check_request_id(id: String) -> Result<String, w::Violation> {
        out(core_::identifiers::check_request_id(&id, "id"))
    }
}

impl To<core_::lifecycle::Event> for wl::Event {
    fn to(self) -> core_::lifecycle::Event {
        use core_::lifecycle::Event as E;
        match self {
            wl::Event::Approve => E::Approve,
            wl::Event::Reject => E::Reject,
            wl::Event::TimeOut => E::TimeOut,
            wl::Event::Escalate => E::Escalate,
        }
    }
}

impl wl::Guest for Component {
    fn transition(status: w::RequestStatus, event: wl::Event) -> Option<w::RequestStatus> {
        core_::lifecycle::transition(&status.to(), event.to()).to()
    }

    fn is_terminal(status: w::RequestStatus) -> bool {
        core_::lifecycle::is_terminal(&status.to())
    }

    fn is_timed_out(request: w::SystemUserRequest, now: Option<w::Datetime>, window_seconds: u64) -> bool {
        core_::lifecycle::is_timed_out(&request.to(), now.to(), window_seconds)
    }

    fn effective_status(request: w::SystemUserRequest, now: Option<w::Datetime>, window_seconds: u64) -> w::RequestStatus {
        core_::lifecycle::effective_status(&request.to(), now.to(), window_seconds).to()
    }
}

impl wp::Guest for Component {
    fn build(config: w::Config, call: wp::Call) -> Result<wp::Outgoing, Vec<w::Violation>> {
        violations(core_::protocol::build(&config.to(), &call.to()).map(|o| wp::Outgoing { request: o.request.to(), scopes: o.scopes }))
    }

    fn parse(config: w::Config, call: wp::Call, response: wh::HttpResponse) -> Result<wp::Outcome, w::Error> {
        outcome(core_::protocol::parse(&config.to(), &call.to(), &response.to()))
    }
}

use core_::operation::{self as op, Step, Task};

impl To<Task> for wo::Task {
    fn to(self) -> Task {
        use wo::Task as W;
        let read = |call: wp::Call| Task::Read(call.to());
        match self {
            W::CreateStandardRequest(i) => Task::CreateStandardRequest(i.to()),
            W::CreateAgentRequest(i) => Task::CreateAgentRequest(i.to()),
            W::GetRequest(r) => read(wp::Call::GetRequest(r)),
            W::GetRequestByExternalRef(k) => read(wp::Call::GetRequestByExternalRef(k)),
            W::ListRequests(q) => read(wp::Call::ListRequests(q)),
            W::ListAllRequests(q) => Task::ListAllRequests { kind: q.kind.to(), system_id: q.system_id },
            W::WithdrawRequest(id) => Task::WithdrawRequest(id),
            W::VerifySystemUser(q) => read(wp::Call::VerifySystemUser(q)),
            W::ListSystemUsers(q) => read(wp::Call::ListSystemUsers(q)),
            W::ListAllSystemUsers(system_id) => Task::ListAllSystemUsers { system_id },
            W::GetRegisteredSystem(id) => read(wp::Call::GetRegisteredSystem(id)),
            W::SystemUserToken(q) => {
                Task::SystemUserToken { customer_org_no: q.customer_org_no, external_ref: q.external_ref, scopes: q.scopes }
            }
            W::CreateChangeRequest(input) => Task::CreateChangeRequest(input.to()),
            W::GetChangeRequest(id) => read(wp::Call::GetChangeRequest(id)),
            W::GetChangeRequestByExternalRef(k) => read(wp::Call::GetChangeRequestByExternalRef(k)),
            W::ListChangeRequests(system_id) => read(wp::Call::ListChangeRequests(system_id)),
            W::WithdrawChangeRequest(id) => Task::WithdrawChangeRequest(id),
            W::ListSystems => read(wp::Call::ListSystems),
            W::RegisterSystem(system) => Task::RegisterSystem(system.to()),
            W::UpdateSystem(update) => Task::UpdateSystem(update.to()),
            W::SetSystemRights(r) => Task::SetSystemRights { system_id: r.system_id, rights: r.rights.to() },
            W::SetSystemAccessPackages(p) => {
                Task::SetSystemAccessPackages { system_id: p.system_id, access_packages: p.access_packages.to() }
            }
            W::DeleteSystem(id) => Task::DeleteSystem(id),
            W::SystemChangelog(id) => read(wp::Call::SystemChangelog(id)),
            W::ClientDelegation(d) => {
                let call = match d.delegation {
                    wo::Delegation::ListAgents => wp::Call::ListAgents(d.bureau.org_no.clone()),
                    wo::Delegation::ListAvailableClients(agent) => wp::Call::ListAvailableClients(agent),
                    wo::Delegation::ListClients(agent) => wp::Call::ListClients(agent),
                    wo::Delegation::AddClient(link) => wp::Call::AddClient(link),
                    wo::Delegation::RemoveClient(link) => wp::Call::RemoveClient(link),
                };
                Task::ClientDelegation { bureau: d.bureau.to(), call: call.to() }
            }
        }
    }
}

impl To<wo::Step> for Step {
    fn to(self) -> wo::Step {
        match self {
            Step::NeedToken(scopes) => wo::Step::NeedToken(scopes),
            Step::Send(request) => wo::Step::Send(request.to()),
            Step::Sign(data) => wo::Step::Sign(data),
            Step::Wait(ms) => wo::Step::Wait(ms),
            Step::Done(_) => wo::Step::Done,
        }
    }
}

impl To<op::Input> for wo::Input {
    fn to(self) -> op::Input {
        match self {
            wo::Input::Token(t) => op::Input::Token(core_::secret::Secret::new(t)),
            wo::Input::TokenFailed(m) => op::Input::TokenFailed(m),
            wo::Input::Response(r) => op::Input::Response(r.to()),
            wo::Input::TransportFailed(f) => op::Input::TransportFailed(f.to()),
            wo::Input::Signature(s) => op::Input::Signature(s),
            wo::Input::SignFailed(m) => op::Input::SignFailed(m),
            wo::Input::Waited => op::Input::Waited,
        }
    }
}

thread_local! {
    /// One token cache per instance, shared by its operations.
    static CACHE: core_::maskinporten::SharedCache = core_::maskinporten::SharedCache::default();
}

fn operation(config: w::Config, task: wo::Task, now: w::Datetime, seed: &[u8]) -> op::Operation {
    CACHE.with(|cache| op::Operation::with_cache(config.to(), task.to(), now.to(), seed, cache.clone()))
}

/// The exported resource: the core machine behind a `RefCell` (WIT methods take `&self`).
struct OperationResource(std::cell::RefCell<op::Operation>);

impl wo::Guest for Component {
    type Operation = OperationResource;
}

impl wo::GuestOperation for OperationResource {
    fn new(config: w::Config, task: wo::Task, now: w::Datetime, seed: Vec<u8>) -> Self {
        OperationResource(std::cell::RefCell::new(operation(config, task, now, &seed)))
    }

    fn start(&self) -> wo::Step {
        if let Task::CreateStandardRequest(input) = &self.0.borrow().task() {
            trap_if_asked(input.external_ref.as_deref().unwrap_or_default());
        }
        self.0.borrow_mut().start().to()
    }

    fn advance(&self, input: wo::Input, now: w::Datetime) -> wo::Step {
        self.0.borrow_mut().advance(input.to(), now.to()).to()
    }

    fn finish(&self) -> Result<wp::Outcome, w::Error> {
        outcome(self.0.borrow().finish())
    }
}

/// `client.run`'s capabilities: the imports.
struct Imports;

impl op::Io for Imports {
    fn token(&mut self, scopes: &[String]) -> Result<String, String> {
        altinn::systemuser::token::access_token(scopes)
    }

    fn send(&mut self, request: &core_::http::HttpRequest) -> Result<core_::http::HttpResponse, core_::TransportFailure> {
        out(wh::send(&request.clone().to()))
    }

    fn sign(&mut self, data: &[u8]) -> Result<Vec<u8>, String> {
        altinn::systemuser::signer::sign(data)
    }

    fn sleep(&mut self, ms: u32) {
        altinn::systemuser::timer::sleep(ms)
    }

    fn now(&mut self) -> m::DateTime {
        altinn::systemuser::clock::now().to()
    }
}

impl wc::Guest for Component {
    fn run(config: w::Config, task: wo::Task) -> wo::Operation {
        let seed = altinn::systemuser::random::random_bytes(16);
        let mut operation = operation(config, task, altinn::systemuser::clock::now(), &seed);
        op::drive(&mut operation, &mut Imports);
        wo::Operation::new(OperationResource(std::cell::RefCell::new(operation)))
    }
}
