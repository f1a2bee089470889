//! Operations that take more than one HTTP exchange, as sans-IO state machines: the host feeds
//! in what happened (a token, a response, a transport failure, a finished wait) and gets the
//! next step. Written once; the synchronous `client` loop and asynchronous hosts pump the same.
//!
//! Rules (API.md §3, §5): reads are retried after transport failures and 5xx, bounded, with
//! back-off; a create is never sent twice blindly: when its answer is lost (or is a 5xx) the
//! request is looked up by its external ref first, so a lost answer neither duplicates nor
//! loses it. Before a create, the registered system is read for a pre-flight check when the
//! host grants `systemregister.write`; the server's answer still wins.
//!
//! Tokens come from the host (`NeedToken`) or, when `config.maskinporten` is set, from a grant
//! the machine sends itself (`maskinporten`), retried like a read: each retry is a new grant.

use crate::error::{Error, TransportErrorKind, TransportFailure};
use crate::http::{HttpRequest, HttpResponse};
use crate::maskinporten::{self, AccessToken, Grants, SystemUserOf, Want};
use crate::model::{AgentRequestInput, Config, Page, RegisteredSystem, RequestKind, StandardRequestInput, SystemUser, SystemUserRequest};
pub use crate::protocol::Outcome;
use crate::protocol::{self, Call};
use crate::secret::Secret;
use crate::validation;

/// Longest single back-off, whatever the configured start and the attempt.
const MAX_BACKOFF_MS: u32 = 30_000;
/// A listing longer than this is a server that never ends its pages.
const MAX_PAGES: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    CreateStandardRequest(StandardRequestInput),
    CreateAgentRequest(AgentRequestInput),
    /// Any single read of `protocol::Call` (get, by external ref, one page, verify, system).
    Read(Call),
    ListAllRequests {
        kind: RequestKind,
        system_id: String,
    },
    WithdrawRequest(String),
    ListAllSystemUsers {
        system_id: String,
    },
    /// A Maskinporten token to act as a customer's system user (needs `config.maskinporten`).
    SystemUserToken {
        customer_org_no: String,
        external_ref: Option<String>,
        scopes: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    NeedToken(Vec<String>),
    Send(HttpRequest),
    Wait(u32),
    Done(Result<Outcome, Error>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Token(Secret),
    TokenFailed(String),
    Response(HttpResponse),
    TransportFailed(TransportFailure),
    Waited,
}

/// Why the current exchange is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// Reading the registered system before a create (optional: failures skip it).
    Preflight,
    Create,
    /// Looking the request up by its external ref after a create's answer was lost.
    Reconcile,
    Read,
    Page,
    Withdraw,
}

/// What the machine waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    Nothing,
    Token,
    /// The answer to a Maskinporten grant.
    Grant,
    Response,
    Wait,
    Finished,
}

/// One task in progress.
#[derive(Debug)]
pub struct Operation {
    config: Config,
    task: Task,
    /// The host's signer, clock and randomness and the shared token cache, for grants.
    grants: Option<Grants>,
    /// The grant in flight.
    pending_grant: Option<maskinporten::Pending>,
    /// The exchange in progress and why.
    call: Option<(Call, Purpose)>,
    /// The built request waiting for its token.
    unsigned: Option<HttpRequest>,
    awaiting: Awaiting,
    /// Tokens by scope set, so retries and pages don't ask again.
    tokens: Vec<(Vec<String>, Secret)>,
    retries_left: u32,
    attempts: u32,
    /// Accumulated pages of a list-all task, and the page tokens seen (to stop a loop).
    requests: Vec<SystemUserRequest>,
    users: Vec<SystemUser>,
    page_tokens: Vec<String>,
    /// The error that started a reconciliation, reported if it cannot be resolved.
    create_failure: Option<Error>,
    result: Option<Result<Outcome, Error>>,
}

impl Operation {
    /// An operation whose tokens come from the host (`NeedToken`); with `config.maskinporten`
    /// set it fails, as it has no signer: use `with_grants`.
    pub fn new(config: Config, task: Task) -> Self {
        Self::build(config, task, None)
    }

    /// An operation that gets its own tokens from Maskinporten when `config.maskinporten` is set.
    pub fn with_grants(config: Config, task: Task, grants: Grants) -> Self {
        Self::build(config, task, Some(grants))
    }

    fn build(config: Config, task: Task, grants: Option<Grants>) -> Self {
        Operation {
            retries_left: config.retry_budget,
            config,
            task,
            grants,
            pending_grant: None,
            call: None,
            unsigned: None,
            awaiting: Awaiting::Nothing,
            tokens: Vec::new(),
            attempts: 0,
            requests: Vec::new(),
            users: Vec::new(),
            page_tokens: Vec::new(),
            create_failure: None,
            result: None,
        }
    }

    pub fn task(&self) -> &Task {
        &self.task
    }

    /// The first step. Validates the task locally before anything is sent.
    pub fn start(&mut self) -> Step {
        if self.awaiting != Awaiting::Nothing {
            return self.protocol_error("start was called twice");
        }
        match self.task.clone() {
            Task::CreateStandardRequest(input) => match validation::validate_standard(input, None) {
                Ok(input) => {
                    self.task = Task::CreateStandardRequest(input.clone());
                    self.begin(Call::GetRegisteredSystem(input.system_id), Purpose::Preflight)
                }
                Err(e) => self.finish(Err(e)),
            },
            Task::CreateAgentRequest(input) => match validation::validate_agent(input, None) {
                Ok(input) => {
                    self.task = Task::CreateAgentRequest(input.clone());
                    self.begin(Call::GetRegisteredSystem(input.system_id), Purpose::Preflight)
                }
                Err(e) => self.finish(Err(e)),
            },
            Task::Read(call) => self.begin(call, Purpose::Read),
            Task::ListAllRequests { kind, system_id } => self.begin(Call::ListRequests { kind, system_id, page: None }, Purpose::Page),
            Task::ListAllSystemUsers { system_id } => self.begin(Call::ListSystemUsers { system_id, page: None }, Purpose::Page),
            Task::WithdrawRequest(id) => self.begin(Call::WithdrawRequest(id), Purpose::Withdraw),
            Task::SystemUserToken { customer_org_no, external_ref, scopes } => {
                match check_system_user_token(&self.config, &customer_org_no, external_ref.as_deref(), &scopes) {
                    Ok((org_no, external_ref)) => {
                        self.task = Task::SystemUserToken { customer_org_no: org_no, external_ref, scopes };
                        self.system_user_grant()
                    }
                    Err(e) => self.finish(Err(e)),
                }
            }
        }
    }

    /// Asks for the system-user token of the task (again, after a back-off).
    fn system_user_grant(&mut self) -> Step {
        let Task::SystemUserToken { customer_org_no, external_ref, scopes } = &self.task else {
            return self.protocol_error("not a system-user-token task");
        };
        let want = Want {
            scopes: scopes.clone(),
            system_user: Some(SystemUserOf { org_no: customer_org_no.clone(), external_ref: external_ref.clone() }),
        };
        self.fetch_token(want)
    }

    /// The token for `want` from the cache, or the grant to send for it.
    fn fetch_token(&mut self, want: Want) -> Step {
        let next = match &self.grants {
            Some(grants) => grants.next(&self.config, &want),
            None => Err(Error::Token("Maskinporten is configured, but this host gives the operation no signer".into())),
        };
        match next {
            Ok(maskinporten::Next::Cached(token)) => self.have_token(token),
            Ok(maskinporten::Next::Send(request, pending)) => {
                self.pending_grant = Some(pending);
                self.awaiting = Awaiting::Grant;
                Step::Send(request)
            }
            Err(e) => self.grant_failed(e),
        }
    }

    fn have_token(&mut self, token: AccessToken) -> Step {
        if let Task::SystemUserToken { .. } = self.task {
            return self.finish(Ok(Outcome::Token(token)));
        }
        self.keep_token(token.token)
    }

    /// A scope the client is not granted skips the pre-flight (as when the host grants no
    /// `systemregister.write`); any other failure (client, key, clock, an outage) would fail
    /// the create's grant the same way, so it ends the operation.
    fn grant_failed(&mut self, error: Error) -> Step {
        let scope_refused = matches!(&error, Error::Maskinporten(p) if p.title.as_deref() == Some("invalid_scope"));
        if self.purpose() == Purpose::Preflight && scope_refused && !matches!(self.task, Task::SystemUserToken { .. }) {
            return self.begin_create();
        }
        self.finish(Err(error))
    }

    fn on_grant_answer(&mut self, response: HttpResponse) -> Step {
        let (Some(grants), Some(pending)) = (self.grants.clone(), self.pending_grant.take()) else {
            return self.protocol_error("no grant in flight");
        };
        match grants.accept(pending, &response) {
            Ok(token) => self.have_token(token),
            Err(e) if response.status >= 500 => self.retry().unwrap_or_else(|| self.grant_failed(e)),
            Err(e) => self.grant_failed(e),
        }
    }

    /// Runs the current exchange (or the token grant) again.
    fn resume(&mut self) -> Step {
        match self.call.clone() {
            Some((call, purpose)) => self.begin(call, purpose),
            None if matches!(self.task, Task::SystemUserToken { .. }) => self.system_user_grant(),
            None => self.protocol_error("nothing to resume"),
        }
    }

    /// The next step, given what happened with the previous one.
    pub fn advance(&mut self, input: Input) -> Step {
        match (self.awaiting, input) {
            (Awaiting::Finished, _) => Step::Done(self.result.clone().unwrap_or_else(|| Err(Error::InvalidResponse("finished".into())))),
            (Awaiting::Token, Input::Token(token)) => self.keep_token(token),
            (Awaiting::Token, Input::TokenFailed(message)) => self.on_token_failed(message),
            (Awaiting::Grant, Input::Response(response)) => self.on_grant_answer(response),
            (Awaiting::Grant, Input::TransportFailed(failure)) => {
                self.pending_grant = None;
                self.retry().unwrap_or_else(|| self.grant_failed(Error::Transport(failure)))
            }
            (Awaiting::Response, Input::Response(response)) => self.on_response(response),
            (Awaiting::Response, Input::TransportFailed(failure)) => self.on_transport_failure(failure),
            (Awaiting::Wait, Input::Waited) => self.resume(),
            (awaiting, input) => {
                self.protocol_error(&format!("the host answered {} while the operation waits for {awaiting:?}", input_name(&input)))
            }
        }
    }

    /// The result once finished; before that an error saying the operation is still running.
    pub fn result(&self) -> Result<Outcome, Error> {
        self.result.clone().unwrap_or_else(|| Err(Error::InvalidResponse("host protocol error: the operation has not finished".into())))
    }

    fn protocol_error(&mut self, what: &str) -> Step {
        self.finish(Err(Error::InvalidResponse(format!("host protocol error: {what}"))))
    }

    fn finish(&mut self, result: Result<Outcome, Error>) -> Step {
        self.awaiting = Awaiting::Finished;
        self.result = Some(result.clone());
        Step::Done(result)
    }

    /// Builds the request for `call` and asks for its token unless one is at hand.
    fn begin(&mut self, call: Call, purpose: Purpose) -> Step {
        let outgoing = match protocol::build(&self.config, &call) {
            Ok(o) => o,
            Err(e) => return self.finish(Err(e)),
        };
        self.call = Some((call, purpose));
        self.unsigned = Some(outgoing.request);
        if self.tokens.iter().any(|(s, _)| *s == outgoing.scopes) {
            self.send_signed()
        } else if self.config.maskinporten.is_some() {
            self.fetch_token(Want { scopes: outgoing.scopes, system_user: None })
        } else {
            self.awaiting = Awaiting::Token;
            Step::NeedToken(outgoing.scopes)
        }
    }

    /// Keeps the token for the current call's scopes and sends the call with it.
    fn keep_token(&mut self, token: Secret) -> Step {
        let scopes = self.call.as_ref().map(|(c, _)| protocol::scopes(c)).unwrap_or_default();
        self.tokens.retain(|(s, _)| *s != scopes);
        self.tokens.push((scopes, token));
        self.send_signed()
    }

    fn send_signed(&mut self) -> Step {
        let scopes = self.call.as_ref().map(|(c, _)| protocol::scopes(c)).unwrap_or_default();
        let (Some(request), Some(token)) = (self.unsigned.clone(), self.tokens.iter().find(|(s, _)| *s == scopes).map(|(_, t)| t.clone()))
        else {
            return self.protocol_error("no request or token at hand");
        };
        match protocol::authorize(request, token.expose()) {
            Ok(signed) => {
                self.awaiting = Awaiting::Response;
                Step::Send(signed)
            }
            Err(e) => self.finish(Err(e)),
        }
    }

    fn purpose(&self) -> Purpose {
        self.call.as_ref().map_or(Purpose::Read, |(_, p)| *p)
    }

    fn on_token_failed(&mut self, message: String) -> Step {
        if self.purpose() == Purpose::Preflight {
            // The host does not grant systemregister.write: no pre-flight, the server decides.
            return self.begin_create();
        }
        let scopes = self.call.as_ref().map(|(c, _)| protocol::scopes(c).join(" ")).unwrap_or_default();
        self.finish(Err(Error::Token(format!("no token for {scopes}: {}", crate::text::clip(&message, 300)))))
    }

    /// Schedules the current exchange again after a back-off, if the budget allows.
    fn retry(&mut self) -> Option<Step> {
        if self.retries_left == 0 {
            return None;
        }
        self.retries_left -= 1;
        self.attempts += 1;
        let factor = 1u32.checked_shl(self.attempts - 1).unwrap_or(u32::MAX);
        let wait = self.config.backoff_ms.saturating_mul(factor).min(MAX_BACKOFF_MS);
        if wait == 0 {
            return Some(self.resume());
        }
        self.awaiting = Awaiting::Wait;
        Some(Step::Wait(wait))
    }

    fn begin_create(&mut self) -> Step {
        let call = match &self.task {
            Task::CreateStandardRequest(input) => Call::CreateStandardRequest(input.clone()),
            Task::CreateAgentRequest(input) => Call::CreateAgentRequest(input.clone()),
            _ => return self.protocol_error("not a create"),
        };
        self.begin(call, Purpose::Create)
    }

    /// The dedupe key of the create in progress, as a lookup.
    fn reconcile_call(&self) -> Option<Call> {
        let (kind, system_id, org_no, external_ref) = match &self.task {
            Task::CreateStandardRequest(i) => (RequestKind::Standard, &i.system_id, &i.party_org_no, &i.external_ref),
            Task::CreateAgentRequest(i) => (RequestKind::Agent, &i.system_id, &i.party_org_no, &i.external_ref),
            _ => return None,
        };
        Some(Call::GetRequestByExternalRef {
            kind,
            system_id: system_id.clone(),
            org_no: org_no.clone(),
            external_ref: external_ref.clone().unwrap_or_else(|| org_no.clone()),
        })
    }

    fn reconcile(&mut self, cause: Error) -> Step {
        self.create_failure = Some(cause);
        match self.reconcile_call() {
            Some(call) => self.begin(call, Purpose::Reconcile),
            None => self.protocol_error("nothing to reconcile"),
        }
    }

    /// The create's fate is unknown and can't be learnt now: say so, and that retrying is safe.
    fn unresolved(&mut self, failure: Error) -> Step {
        let message = format!(
            "{failure}; the request may or may not have been created. Creating it again is safe: the same external ref returns the same request"
        );
        let error = match failure {
            Error::Transport(t) => Error::Transport(TransportFailure { kind: t.kind, message }),
            other => other,
        };
        self.finish(Err(error))
    }

    fn on_transport_failure(&mut self, failure: TransportFailure) -> Step {
        let error = Error::Transport(failure.clone());
        match self.purpose() {
            // Not sent at all: the same POST again is safe.
            Purpose::Create if failure.kind == TransportErrorKind::Connect => self.retry().unwrap_or_else(|| self.finish(Err(error))),
            Purpose::Create => self.reconcile(error),
            Purpose::Reconcile => match self.retry() {
                Some(step) => step,
                None => self.unresolved(self.create_failure.clone().unwrap_or(error)),
            },
            Purpose::Preflight => self.retry().unwrap_or_else(|| self.begin_create()),
            Purpose::Read | Purpose::Page => self.retry().unwrap_or_else(|| self.finish(Err(error))),
            Purpose::Withdraw => self.finish(Err(error)),
        }
    }

    fn on_response(&mut self, response: HttpResponse) -> Step {
        let Some((call, purpose)) = self.call.clone() else { return self.protocol_error("no exchange in progress") };
        let server_error = (500..=599).contains(&response.status);
        let parsed = protocol::parse(&self.config, &call, &response);
        match purpose {
            Purpose::Preflight => match parsed {
                Ok(Outcome::RegisteredSystem(system)) => self.preflight(&system),
                Err(_) if server_error => self.retry().unwrap_or_else(|| self.begin_create()),
                // No access to the System Register with this token: the server decides.
                Err(Error::Forbidden(_) | Error::Unauthorized(_)) => self.begin_create(),
                Err(e) => self.finish(Err(e)),
                Ok(_) => self.protocol_error("unexpected reply"),
            },
            Purpose::Create => match parsed {
                Ok(created @ Outcome::Created { .. }) => self.finish(Ok(created)),
                // A 5xx may come after the request was stored: look before trying again.
                Err(e) if server_error => self.reconcile(e),
                Err(e) => self.finish(Err(e)),
                Ok(_) => self.protocol_error("unexpected reply"),
            },
            Purpose::Reconcile => match parsed {
                Ok(Outcome::Request(request)) => self.finish(Ok(Outcome::Created { request, is_new: false, reconciled: true })),
                // Not stored: the create can be sent again.
                Err(Error::NotFound(_)) => match self.retry_create() {
                    Some(step) => step,
                    None => self.unresolved(self.create_failure.clone().unwrap_or_else(|| Error::InvalidResponse("create failed".into()))),
                },
                Err(_) if server_error => match self.retry() {
                    Some(step) => step,
                    None => self.unresolved(self.create_failure.clone().unwrap_or_else(|| Error::InvalidResponse("create failed".into()))),
                },
                Err(e) => self.finish(Err(e)),
                Ok(_) => self.protocol_error("unexpected reply"),
            },
            Purpose::Read => match parsed {
                Err(_) if server_error && self.retries_left > 0 => self.retry().unwrap_or_else(|| self.protocol_error("retry")),
                other => self.finish(other),
            },
            Purpose::Page => match parsed {
                Err(_) if server_error && self.retries_left > 0 => self.retry().unwrap_or_else(|| self.protocol_error("retry")),
                Err(e) => self.finish(Err(e)),
                Ok(reply) => self.next_page(call, reply),
            },
            Purpose::Withdraw => self.finish(parsed),
        }
    }

    /// Sends the create again after a reconciliation found nothing, within the budget.
    fn retry_create(&mut self) -> Option<Step> {
        let call = match &self.task {
            Task::CreateStandardRequest(input) => Call::CreateStandardRequest(input.clone()),
            Task::CreateAgentRequest(input) => Call::CreateAgentRequest(input.clone()),
            _ => return None,
        };
        self.call = Some((call, Purpose::Create));
        self.retry()
    }

    fn preflight(&mut self, system: &RegisteredSystem) -> Step {
        let checked = match self.task.clone() {
            Task::CreateStandardRequest(input) => validation::validate_standard(input, Some(system)).map(|_| ()),
            Task::CreateAgentRequest(input) => validation::validate_agent(input, Some(system)).map(|_| ()),
            _ => Ok(()),
        };
        match checked {
            Ok(()) => self.begin_create(),
            Err(e) => self.finish(Err(e)),
        }
    }

    fn next_page(&mut self, call: Call, reply: Outcome) -> Step {
        let next = match reply {
            Outcome::Requests(page) => {
                self.requests.extend(page.items);
                page.next_page
            }
            Outcome::SystemUsers(page) => {
                self.users.extend(page.items);
                page.next_page
            }
            _ => return self.protocol_error("unexpected reply"),
        };
        let Some(token) = next else {
            let outcome = match call {
                Call::ListRequests { .. } => Outcome::Requests(Page { items: std::mem::take(&mut self.requests), next_page: None }),
                _ => Outcome::SystemUsers(Page { items: std::mem::take(&mut self.users), next_page: None }),
            };
            return self.finish(Ok(outcome));
        };
        if self.page_tokens.contains(&token) || self.page_tokens.len() >= MAX_PAGES {
            return self.finish(Err(Error::InvalidResponse("the server's pages do not end (a next-page token repeats)".into())));
        }
        self.page_tokens.push(token.clone());
        let next_call = match call {
            Call::ListRequests { kind, system_id, .. } => Call::ListRequests { kind, system_id, page: Some(token) },
            Call::ListSystemUsers { system_id, .. } => Call::ListSystemUsers { system_id, page: Some(token) },
            _ => return self.protocol_error("not a list"),
        };
        self.begin(next_call, Purpose::Page)
    }
}

/// The system-user-token task's inputs: org number and external ref as for a request, and
/// 1 or more printable scopes.
fn check_system_user_token(
    config: &Config,
    org_no: &str,
    external_ref: Option<&str>,
    scopes: &[String],
) -> Result<(String, Option<String>), Error> {
    let mut violations = Vec::new();
    if config.maskinporten.is_none() {
        violations.push(crate::Violation::new(
            "maskinporten-not-configured",
            "config.maskinporten",
            "a system-user token needs the vendor's Maskinporten client id in config.maskinporten",
        ));
    }
    let org_no = crate::identifiers::check_org_no(org_no, "customerOrgNo").map_err(|v| violations.push(v)).ok();
    let external_ref = match external_ref {
        Some(r) => crate::identifiers::check_external_ref(r, "externalRef").map_err(|v| violations.push(v)).ok(),
        None => None,
    };
    if scopes.is_empty() {
        violations.push(crate::Violation::new("required", "scopes", "name at least one scope for the system-user token"));
    }
    for (i, scope) in scopes.iter().enumerate() {
        if scope.is_empty() || scope.len() > 255 || !scope.bytes().all(|b| b.is_ascii_graphic()) {
            violations.push(crate::Violation::new(
                "scope-invalid",
                format!("scopes[{i}]"),
                format!("scope {} must be 1–255 printable ASCII characters without spaces", crate::text::quote(scope)),
            ));
        }
    }
    match (org_no, violations.is_empty()) {
        (Some(org_no), true) => Ok((org_no, external_ref)),
        _ => Err(Error::Validation(violations)),
    }
}

fn input_name(input: &Input) -> &'static str {
    match input {
        Input::Token(_) => "a token",
        Input::TokenFailed(_) => "a token failure",
        Input::Response(_) => "a response",
        Input::TransportFailed(_) => "a transport failure",
        Input::Waited => "a finished wait",
    }
}

/// Runs a task to its end with synchronous capabilities (the `client` interface's loop).
pub fn run(
    config: Config,
    task: Task,
    token: impl FnMut(&[String]) -> Result<String, String>,
    send: impl FnMut(&HttpRequest) -> Result<HttpResponse, TransportFailure>,
    sleep: impl FnMut(u32),
) -> Result<Outcome, Error> {
    let mut operation = Operation::new(config, task);
    drive(&mut operation, token, send, sleep);
    operation.result()
}

/// Pumps `operation` until it is done.
pub fn drive(
    operation: &mut Operation,
    mut token: impl FnMut(&[String]) -> Result<String, String>,
    mut send: impl FnMut(&HttpRequest) -> Result<HttpResponse, TransportFailure>,
    mut sleep: impl FnMut(u32),
) {
    let mut step = operation.start();
    loop {
        let input = match step {
            Step::Done(_) => return,
            Step::NeedToken(scopes) => match token(&scopes) {
                Ok(t) => Input::Token(Secret::new(t)),
                Err(message) => Input::TokenFailed(message),
            },
            Step::Send(request) => match send(&request) {
                Ok(response) => Input::Response(response),
                Err(failure) => Input::TransportFailed(failure),
            },
            Step::Wait(ms) => {
                sleep(ms);
                Input::Waited
            }
        };
        step = operation.advance(input);
    }
}
