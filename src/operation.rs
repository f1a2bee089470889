//! Operations that take more than one HTTP exchange, as sans-IO state machines: the host feeds
//! in what happened (a token, a response, a transport failure, a signature, a finished wait)
//! with its clock, and gets the next step. The machine calls nothing: time comes with every
//! input, randomness once at construction (the seed of its grants' `jti`), and signing is a
//! step. Written once; the synchronous `client` loop (`drive`), asynchronous hosts and the C ABI
//! pump the same.
//!
//! Rules (API.md §3, §5, SECURITY.md's limits policy): reads are retried after transient
//! transport failures, 429 and 5xx, bounded by the retry budget and the deadline, with back-off
//! and the server's `Retry-After`; a create is never sent twice blindly: when its answer is lost
//! (or is a 5xx) the request is looked up by its external ref first, so a lost answer neither
//! duplicates nor loses it. Before a create, the registered system is read for a pre-flight
//! check when the host grants `systemregister.write`; the server's answer still wins. Every
//! answer is bound to its question (`protocol::parse`), and a bearer token a server quotes back
//! is redacted from every error.
//!
//! Tokens come from the host (`NeedToken`) or, when `config.maskinporten` is set, from a grant
//! the machine builds, has signed (`Sign`) and sends itself, retried like a read: each retry is
//! a new grant.

use std::collections::BTreeSet;

use crate::error::{Error, TransportErrorKind, TransportFailure};
use crate::http::{HttpRequest, HttpResponse};
use crate::maskinporten::{self, AccessToken, JtiSource, SharedCache, SystemUserOf, Unsigned, Want};
use crate::model::{
    AccessPackage, AgentRequestInput, Bureau, ChangeRequestInput, Config, DateTime, NewChangeRequest, Page, RegisteredSystem, RequestKind,
    Right, StandardRequestInput, SystemUpdate, SystemUser, SystemUserRequest, UserType,
};
pub use crate::protocol::Outcome;
use crate::protocol::{self, Call};
use crate::secret::Secret;
use crate::text::clip;
use crate::validation;

/// Longest single back-off, whatever the configured start and the attempt.
const MAX_BACKOFF_MS: u32 = 30_000;
/// Longest `Retry-After` the machine waits for; a server asking for more gets `unavailable`
/// with its figure, for the caller to schedule.
pub const MAX_RETRY_AFTER_SECS: u32 = 30;
/// An exchange is not started with less of the deadline left than this.
const MIN_EXCHANGE_MS: u64 = 250;
/// Pages one list of all pages may take: at 50 items a page, 250,000 items, more than any
/// system holds. A server whose pages never end is stopped here.
pub const MAX_PAGES: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    /// A change request, made exactly once (API.md §11): the system user looked up by the
    /// vendor's key, the change checked against the registered system, the correlation id
    /// derived from the change unless given.
    CreateChangeRequest(ChangeRequestInput),
    WithdrawChangeRequest(String),
    /// A system registered in the System Register exactly once (API.md §13): its id is the
    /// key (ids are never reused), so a lost answer is settled by reading the system.
    RegisterSystem(RegisteredSystem),
    /// The members the update names replaced, the rest kept: the stored system is read,
    /// merged, checked and sent whole (the server's PUT resets what a body leaves out).
    UpdateSystem(SystemUpdate),
    /// A system's rights or access packages replaced, after the stored system is read (an
    /// unknown one is a 404 here, not the server's 500; a deleted one is refused).
    SetSystemRights {
        system_id: String,
        rights: Vec<Right>,
    },
    SetSystemAccessPackages {
        system_id: String,
        access_packages: Vec<AccessPackage>,
    },
    /// A system deleted; deleting a deleted system succeeds (the server's ambiguous empty 400
    /// is settled by reading the system again).
    DeleteSystem(String),
    /// A client-delegation call (`ListAgents`, `ListAvailableClients`, `ListClients`,
    /// `AddClient`, `RemoveClient`; API.md §12) made with the bureau's Altinn token: its
    /// Maskinporten system-user token (granted here, or the host's for the client-delegation
    /// scopes) exchanged at Altinn, and the Altinn token kept for the instance's next calls.
    ClientDelegation {
        bureau: Bureau,
        call: Call,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub enum Step {
    NeedToken(Vec<String>),
    Send(HttpRequest),
    /// Sign these bytes (RS256) with the key of `config.maskinporten.key`.
    Sign(Vec<u8>),
    Wait(u32),
    Done(Result<Outcome, Error>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    Token(Secret),
    TokenFailed(String),
    Response(HttpResponse),
    TransportFailed(TransportFailure),
    Signature(Vec<u8>),
    SignFailed(String),
    Waited,
}

/// Why the current exchange is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// Finding the system user a change request is for (its id and kind).
    Lookup,
    /// Reading the registered system before a create (optional: failures skip it).
    Preflight,
    Create,
    /// Looking the request up by its external ref after a create's answer was lost.
    Reconcile,
    Read,
    Page,
    Withdraw,
    /// Reading the stored system before changing it.
    Current,
    /// A System Register PUT or DELETE: idempotent, retried like a read.
    Replace,
    /// Reading the system after the server's ambiguous answer to a DELETE.
    Confirm,
    /// Exchanging the bureau's Maskinporten token for an Altinn token.
    Exchange,
}

/// What the machine waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    Nothing,
    Token,
    /// The host's signature over a grant.
    Signature,
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
    /// The instance's token cache, shared by its operations.
    cache: SharedCache,
    jti: JtiSource,
    /// The host's clock at the last input, and when the deadline started counting (at
    /// construction, and again at each page of a list of all pages).
    now: DateTime,
    started: DateTime,
    /// The grant waiting for its signature, then for its answer.
    unsigned_grant: Option<Unsigned>,
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
    /// Accumulated pages of a list-all task, the ids in them (lower case: no item twice), and
    /// the page tokens seen (to stop a loop).
    requests: Vec<SystemUserRequest>,
    users: Vec<SystemUser>,
    ids: BTreeSet<String>,
    page_tokens: Vec<String>,
    /// The error that started a reconciliation, reported if it cannot be resolved.
    create_failure: Option<Error>,
    /// A change request's body, once its system user is known (its correlation id fixed).
    change: Option<NewChangeRequest>,
    /// Times a change request's POST answered 500 with nothing stored (see `correlation_id_refused`).
    clashes: u32,
    /// The pre-flight ran on a system the instance kept, not on a fresh read.
    preflight_on_kept: bool,
    /// The bureau's Maskinporten token (to exchange) and the Altinn token it was exchanged for.
    bureau_token: Option<Secret>,
    altinn_token: Option<Secret>,
    result: Option<Result<Outcome, Error>>,
}

impl Operation {
    /// An operation with a token cache of its own. `now`: the host's clock; `seed`: 16 or more
    /// bytes from a secure generator (its grants' `jti`).
    pub fn new(config: Config, task: Task, now: DateTime, seed: &[u8]) -> Self {
        Self::with_cache(config, task, now, seed, SharedCache::default())
    }

    /// An operation sharing `cache` with the other operations of an instance.
    pub fn with_cache(config: Config, task: Task, now: DateTime, seed: &[u8], cache: SharedCache) -> Self {
        Operation {
            retries_left: config.retry_budget,
            config,
            task,
            cache,
            jti: JtiSource::new(seed),
            now,
            started: now,
            unsigned_grant: None,
            pending_grant: None,
            call: None,
            unsigned: None,
            awaiting: Awaiting::Nothing,
            tokens: Vec::new(),
            attempts: 0,
            requests: Vec::new(),
            users: Vec::new(),
            ids: BTreeSet::new(),
            page_tokens: Vec::new(),
            create_failure: None,
            change: None,
            clashes: 0,
            preflight_on_kept: false,
            bureau_token: None,
            altinn_token: None,
            result: None,
        }
    }

    pub fn task(&self) -> &Task {
        &self.task
    }

    /// The first step. Validates the task locally before anything is sent. Called again, a
    /// finished operation keeps its result and a running one ends with `Misuse`.
    pub fn start(&mut self) -> Step {
        match self.awaiting {
            Awaiting::Finished => return self.done(),
            Awaiting::Nothing => {}
            _ => return self.misuse("start was called twice"),
        }
        match self.task.clone() {
            Task::CreateStandardRequest(input) => match validation::validate_standard(input, None) {
                Ok(input) => {
                    self.task = Task::CreateStandardRequest(input.clone());
                    self.begin_preflight(input.system_id)
                }
                Err(e) => self.end(Err(e)),
            },
            Task::CreateAgentRequest(input) => match validation::validate_agent(input, None) {
                Ok(input) => {
                    self.task = Task::CreateAgentRequest(input.clone());
                    self.begin_preflight(input.system_id)
                }
                Err(e) => self.end(Err(e)),
            },
            Task::Read(call) => self.begin(call, Purpose::Read),
            Task::ListAllRequests { kind, system_id } => self.begin(Call::ListRequests { kind, system_id, page: None }, Purpose::Page),
            Task::ListAllSystemUsers { system_id } => self.begin(Call::ListSystemUsers { system_id, page: None }, Purpose::Page),
            Task::WithdrawRequest(id) => self.begin(Call::WithdrawRequest(id), Purpose::Withdraw),
            Task::CreateChangeRequest(input) => match validation::validate_change(input, None) {
                // The server answers NoChangeNeeded without storing anything: so does this.
                Ok(input) if input.is_empty() => self.end(Ok(Outcome::NoChangeNeeded)),
                Ok(input) => {
                    let lookup = Call::VerifySystemUser {
                        system_id: input.system_id.clone(),
                        org_no: input.party_org_no.clone(),
                        external_ref: input.external_ref.clone(),
                    };
                    self.task = Task::CreateChangeRequest(input);
                    self.begin(lookup, Purpose::Lookup)
                }
                Err(e) => self.end(Err(e)),
            },
            Task::WithdrawChangeRequest(id) => self.begin(Call::WithdrawChangeRequest(id), Purpose::Withdraw),
            Task::RegisterSystem(system) => match validation::validate_system(system) {
                Ok(system) => {
                    self.task = Task::RegisterSystem(system.clone());
                    self.begin(Call::RegisterSystem(system), Purpose::Create)
                }
                Err(e) => self.end(Err(e)),
            },
            Task::UpdateSystem(SystemUpdate { ref id, .. })
            | Task::SetSystemRights { system_id: ref id, .. }
            | Task::SetSystemAccessPackages { system_id: ref id, .. }
            | Task::DeleteSystem(ref id) => match crate::identifiers::check_system_id(id, "systemId") {
                Ok(id) => self.begin(Call::GetRegisteredSystem(id), Purpose::Current),
                Err(v) => self.end(Err(Error::Validation(vec![v]))),
            },
            Task::ClientDelegation { bureau, call } => match check_bureau(&bureau, &call) {
                Ok(bureau) => {
                    self.task = Task::ClientDelegation { bureau, call: call.clone() };
                    let purpose = delegation_purpose(&call);
                    self.begin(call, purpose)
                }
                Err(e) => self.end(Err(e)),
            },
            Task::SystemUserToken { customer_org_no, external_ref, scopes } => {
                match check_system_user_token(&self.config, &customer_org_no, external_ref.as_deref(), &scopes) {
                    Ok((org_no, external_ref)) => {
                        self.task = Task::SystemUserToken { customer_org_no: org_no, external_ref, scopes };
                        self.system_user_grant()
                    }
                    Err(e) => self.end(Err(e)),
                }
            }
        }
    }

    /// The next step, given what happened with the previous one and the host's clock now.
    pub fn advance(&mut self, input: Input, now: DateTime) -> Step {
        self.now = now;
        match (self.awaiting, input) {
            (Awaiting::Finished, _) => self.done(),
            (Awaiting::Token, Input::Token(token)) => self.keep_token(token),
            (Awaiting::Token, Input::TokenFailed(message)) => self.on_token_failed(message),
            (Awaiting::Signature, Input::Signature(signature)) => self.on_signature(&signature),
            (Awaiting::Signature, Input::SignFailed(message)) => {
                self.unsigned_grant = None;
                self.grant_failed(Error::Token(format!("the host could not sign the grant: {}", clip(&message, 300))))
            }
            (Awaiting::Grant, Input::Response(response)) => self.on_grant_answer(response),
            (Awaiting::Grant, Input::TransportFailed(failure)) => {
                self.pending_grant = None;
                let error = Error::Transport(failure.clone());
                match failure.kind.is_transient() {
                    true => self.retry(None).unwrap_or_else(|| self.grant_failed(error)),
                    false => self.grant_failed(error),
                }
            }
            (Awaiting::Response, Input::Response(response)) => self.on_response(response),
            (Awaiting::Response, Input::TransportFailed(failure)) => self.on_transport_failure(failure),
            (Awaiting::Wait, Input::Waited) => self.resume(),
            (awaiting, input) => self.misuse(&format!(
                "the host answered with {} while the operation waits for {}",
                input_name(&input),
                awaiting_name(awaiting)
            )),
        }
    }

    /// The result once finished (WIT `finish`); before that `Misuse`.
    pub fn finish(&self) -> Result<Outcome, Error> {
        self.result.clone().unwrap_or_else(|| Err(Error::Misuse("the operation has not finished: pump it until a step is done".into())))
    }

    fn done(&self) -> Step {
        Step::Done(self.finish())
    }

    fn misuse(&mut self, what: &str) -> Step {
        self.end(Err(Error::Misuse(what.to_string())))
    }

    /// A reply of another kind than the call returns: `parse` never gives one.
    fn unexpected(&mut self) -> Step {
        self.end(Err(Error::InvalidResponse("the answer does not fit the call".into())))
    }

    /// Ends the operation; every error loses any bearer token a server quoted back, and every
    /// change request says whether it timed out by the clock (the server's single GET never does).
    fn end(&mut self, result: Result<Outcome, Error>) -> Step {
        let now = self.now;
        let timed_out = |c: &mut crate::model::ChangeRequest| {
            c.timed_out |= crate::lifecycle::change_request_timed_out(c, now, crate::lifecycle::DEFAULT_TIMEOUT_WINDOW_SECONDS)
        };
        let result = match result {
            Ok(Outcome::ChangeRequest(mut c)) => {
                timed_out(&mut c);
                Ok(Outcome::ChangeRequest(c))
            }
            Ok(Outcome::ChangeRequestCreated { mut change_request, is_new, reconciled }) => {
                timed_out(&mut change_request);
                Ok(Outcome::ChangeRequestCreated { change_request, is_new, reconciled })
            }
            Ok(Outcome::ChangeRequests(mut list)) => {
                list.items.iter_mut().for_each(timed_out);
                Ok(Outcome::ChangeRequests(list))
            }
            other => other,
        };
        let result = result.map_err(|e| {
            let mut secrets: Vec<&str> = self.tokens.iter().map(|(_, t)| t.expose()).collect();
            secrets.extend(self.bureau_token.iter().chain(&self.altinn_token).map(Secret::expose));
            e.redacted(&secrets)
        });
        self.awaiting = Awaiting::Finished;
        self.result = Some(result);
        self.done()
    }

    /// Milliseconds of the deadline left, if there is one.
    fn remaining_ms(&self) -> Option<u64> {
        if self.config.deadline_ms == 0 {
            return None;
        }
        let seconds = self.now.seconds.saturating_sub(self.started.seconds);
        let nanos = i64::from(self.now.nanoseconds) - i64::from(self.started.nanoseconds);
        let elapsed_ms = seconds.saturating_mul(1000).saturating_add(nanos / 1_000_000).max(0) as u64;
        Some(u64::from(self.config.deadline_ms).saturating_sub(elapsed_ms))
    }

    /// Sends `request` with no more time than the deadline leaves, or gives up.
    fn send(&mut self, mut request: HttpRequest, awaiting: Awaiting) -> Step {
        if let Some(left) = self.remaining_ms() {
            if left < MIN_EXCHANGE_MS {
                return self.deadline_passed();
            }
            let left = u32::try_from(left).unwrap_or(u32::MAX);
            request.timeout_ms = if request.timeout_ms == 0 { left } else { request.timeout_ms.min(left) };
        }
        self.awaiting = awaiting;
        Step::Send(request)
    }

    fn deadline_passed(&mut self) -> Step {
        let failure = TransportFailure {
            kind: TransportErrorKind::Timeout,
            message: format!("the operation's deadline ({} ms, config deadline-ms) passed before it could finish", self.config.deadline_ms),
        };
        self.give_up(Error::Transport(failure))
    }

    /// Ends with `error`, or for a create whose fate is unknown, says so.
    fn give_up(&mut self, error: Error) -> Step {
        match self.create_failure.clone() {
            Some(cause) if matches!(self.purpose(), Purpose::Create | Purpose::Reconcile) => self.unresolved(cause),
            _ => self.end(Err(error)),
        }
    }

    /// Asks for the system-user token of the task (again, after a back-off).
    fn system_user_grant(&mut self) -> Step {
        let Task::SystemUserToken { customer_org_no, external_ref, scopes } = &self.task else {
            return self.unexpected();
        };
        let want = Want {
            scopes: scopes.clone(),
            system_user: Some(SystemUserOf { org_no: customer_org_no.clone(), external_ref: external_ref.clone() }),
        };
        self.fetch_token(want)
    }

    /// The token for `want` from the cache, or the grant to sign for it.
    fn fetch_token(&mut self, want: Want) -> Step {
        let next = maskinporten::next(&mut self.cache.borrow_mut().tokens, &self.config, &want, self.now, &mut self.jti);
        match next {
            Ok(maskinporten::Next::Cached(token)) => self.have_token(token),
            Ok(maskinporten::Next::Sign(unsigned)) => {
                let data = unsigned.signing_input().to_vec();
                self.unsigned_grant = Some(unsigned);
                self.awaiting = Awaiting::Signature;
                Step::Sign(data)
            }
            Err(e) => self.grant_failed(e),
        }
    }

    fn on_signature(&mut self, signature: &[u8]) -> Step {
        let Some(unsigned) = self.unsigned_grant.take() else { return self.misuse("a signature arrived with no grant to sign") };
        match unsigned.signed(&self.config, signature) {
            Ok((request, pending)) => {
                self.pending_grant = Some(pending);
                self.send(request, Awaiting::Grant)
            }
            Err(e) => self.grant_failed(e),
        }
    }

    fn have_token(&mut self, token: AccessToken) -> Step {
        if let Task::SystemUserToken { .. } = self.task {
            return self.end(Ok(Outcome::Token(token)));
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
        self.end(Err(error))
    }

    fn on_grant_answer(&mut self, response: HttpResponse) -> Step {
        let Some(pending) = self.pending_grant.take() else { return self.misuse("a grant's answer arrived with no grant sent") };
        let accepted = maskinporten::accept(&mut self.cache.borrow_mut().tokens, pending, &response);
        match accepted {
            Ok(token) => self.have_token(token),
            Err(Error::Unavailable(p)) => {
                let hint = p.retry_after_seconds;
                self.retry(hint).unwrap_or_else(|| self.grant_failed(Error::Unavailable(p)))
            }
            Err(e) => self.grant_failed(e),
        }
    }

    /// Runs the current exchange (or the token grant) again.
    fn resume(&mut self) -> Step {
        match self.call.clone() {
            Some((_, Purpose::Exchange)) => self.exchange(),
            Some((call, purpose)) => self.begin(call, purpose),
            None if matches!(self.task, Task::SystemUserToken { .. }) => self.system_user_grant(),
            None => self.unexpected(),
        }
    }

    /// Builds the request for `call` and asks for its token unless one is at hand.
    fn begin(&mut self, call: Call, purpose: Purpose) -> Step {
        let outgoing = match protocol::build(&self.config, &call) {
            Ok(o) => o,
            Err(e) => return self.end(Err(e)),
        };
        let exchanged = protocol::needs_exchange(&call);
        self.call = Some((call, purpose));
        self.unsigned = Some(outgoing.request);
        if exchanged {
            return self.with_altinn_token(outgoing.scopes);
        }
        if self.tokens.iter().any(|(s, _)| *s == outgoing.scopes) {
            self.send_signed()
        } else if self.config.maskinporten.is_some() {
            self.fetch_token(Want { scopes: outgoing.scopes, system_user: None })
        } else {
            self.awaiting = Awaiting::Token;
            Step::NeedToken(outgoing.scopes)
        }
    }

    /// Sends the current client-delegation call with the bureau's Altinn token: the one at
    /// hand or in the instance's cache, else the bureau's Maskinporten token exchanged for one.
    fn with_altinn_token(&mut self, scopes: Vec<String>) -> Step {
        if self.altinn_token.is_none() {
            let cached = self.exchanged_key().and_then(|key| self.cache.borrow().tokens.get(&key, self.now));
            self.altinn_token = cached.map(|t| t.token);
        }
        if self.altinn_token.is_some() {
            return self.send_signed();
        }
        if self.bureau_token.is_some() {
            return self.exchange();
        }
        let Task::ClientDelegation { bureau, .. } = &self.task else { return self.unexpected() };
        if self.config.maskinporten.is_some() {
            let system_user = SystemUserOf { org_no: bureau.org_no.clone(), external_ref: bureau.external_ref.clone() };
            return self.fetch_token(Want { scopes, system_user: Some(system_user) });
        }
        self.awaiting = Awaiting::Token;
        Step::NeedToken(scopes)
    }

    /// Where the instance keeps the bureau's exchanged token: the key of its Maskinporten token
    /// (without `config.maskinporten`, the bureau's key: the host's token was checked to act for
    /// that bureau), marked as exchanged at this environment's Altinn.
    fn exchanged_key(&self) -> Option<maskinporten::TokenKey> {
        let Task::ClientDelegation { bureau, call } = &self.task else { return None };
        let system_user = SystemUserOf { org_no: bureau.org_no.clone(), external_ref: bureau.external_ref.clone() };
        let want = Want { scopes: protocol::scopes(call), system_user: Some(system_user) };
        let mut key = match self.config.maskinporten {
            Some(_) => maskinporten::token_key(&self.config, &want).ok()?,
            None => maskinporten::TokenKey {
                issuer: "the host's token".into(),
                client_id: String::new(),
                key: String::new(),
                scopes: want.scopes,
                resource: None,
                customer_org_no: Some(bureau.org_no.clone()),
                external_ref: bureau.external_ref.clone(),
            },
        };
        key.issuer = format!("{} exchanged at {}", key.issuer, self.config.environment.platform_url());
        Some(key)
    }

    /// `GET exchange/maskinporten` with the bureau's Maskinporten token.
    fn exchange(&mut self) -> Step {
        let Some(token) = self.bureau_token.clone() else { return self.unexpected() };
        let request = protocol::build(&self.config, &Call::ExchangeToken).and_then(|o| protocol::authorize(o.request, token.expose()));
        match request {
            Ok(request) => {
                self.call = Some((Call::ExchangeToken, Purpose::Exchange));
                self.send(request, Awaiting::Response)
            }
            Err(e) => self.end(Err(e)),
        }
    }

    fn on_exchange(&mut self, response: HttpResponse) -> Step {
        match protocol::parse_exchange(&response, self.now) {
            Ok(token) => {
                let Task::ClientDelegation { bureau, .. } = &self.task else { return self.unexpected() };
                // A token for another organisation would administer (or be cached as) the wrong
                // bureau's clients.
                if let Some(org) = maskinporten::jwt_system_user_org(token.token.expose()).filter(|o| *o != bureau.org_no) {
                    let message = format!(
                        "the exchanged token acts for organisation {org}, not the bureau {}: the token for the client-delegation scopes must be the bureau's own system-user token",
                        bureau.org_no
                    );
                    return self.end(Err(Error::Token(message)));
                }
                if let Some(key) = self.exchanged_key() {
                    self.cache.borrow_mut().tokens.put(key, token.clone(), self.now);
                }
                self.altinn_token = Some(token.token);
                let Task::ClientDelegation { call, .. } = self.task.clone() else { return self.unexpected() };
                let purpose = delegation_purpose(&call);
                self.begin(call, purpose)
            }
            Err(Error::Unavailable(mut p)) => {
                p.retry_after_seconds = protocol::retry_after(&response, Some(self.now));
                let hint = p.retry_after_seconds;
                self.retry(hint).unwrap_or_else(|| self.end(Err(Error::Unavailable(p))))
            }
            Err(e) => self.end(Err(e)),
        }
    }

    /// Keeps the token for the current call's scopes and sends the call with it (a bureau's
    /// token is exchanged first).
    fn keep_token(&mut self, token: Secret) -> Step {
        if self.call.as_ref().is_some_and(|(c, _)| protocol::needs_exchange(c)) {
            self.bureau_token = Some(token);
            return self.exchange();
        }
        let scopes = self.call.as_ref().map(|(c, _)| protocol::scopes(c)).unwrap_or_default();
        self.tokens.retain(|(s, _)| *s != scopes);
        self.tokens.push((scopes, token));
        self.send_signed()
    }

    fn send_signed(&mut self) -> Step {
        let token = match &self.call {
            Some((call, _)) if protocol::needs_exchange(call) => self.altinn_token.clone(),
            Some((call, _)) => {
                let scopes = protocol::scopes(call);
                self.tokens.iter().find(|(s, _)| *s == scopes).map(|(_, t)| t.clone())
            }
            None => None,
        };
        let (Some(request), Some(token)) = (self.unsigned.clone(), token) else {
            return self.unexpected();
        };
        match protocol::authorize(request, token.expose()) {
            Ok(signed) => self.send(signed, Awaiting::Response),
            Err(e) => self.end(Err(e)),
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
        self.end(Err(Error::Token(format!("no token for {scopes}: {}", clip(&message, 300)))))
    }

    /// Schedules the current exchange again after a back-off (at least what the server asked
    /// for with `Retry-After`), if the budget, the `Retry-After` cap and the deadline allow.
    fn retry(&mut self, retry_after_secs: Option<u32>) -> Option<Step> {
        if self.retries_left == 0 || retry_after_secs.is_some_and(|s| s > MAX_RETRY_AFTER_SECS) {
            return None;
        }
        let factor = 1u32.checked_shl(self.attempts).unwrap_or(u32::MAX);
        let backoff = self.config.backoff_ms.saturating_mul(factor).min(MAX_BACKOFF_MS);
        let wait = backoff.max(retry_after_secs.unwrap_or(0).saturating_mul(1000));
        if self.remaining_ms().is_some_and(|left| u64::from(wait) + MIN_EXCHANGE_MS > left) {
            return None;
        }
        self.retries_left -= 1;
        self.attempts += 1;
        if wait == 0 {
            return Some(self.resume());
        }
        self.awaiting = Awaiting::Wait;
        Some(Step::Wait(wait))
    }

    /// The create call of the task (for a change request, once its system user is known).
    fn create_call(&self) -> Option<Call> {
        match &self.task {
            Task::CreateStandardRequest(input) => Some(Call::CreateStandardRequest(input.clone())),
            Task::CreateAgentRequest(input) => Some(Call::CreateAgentRequest(input.clone())),
            Task::CreateChangeRequest(_) => self.change.clone().map(Call::CreateChangeRequest),
            Task::RegisterSystem(system) => Some(Call::RegisterSystem(system.clone())),
            _ => None,
        }
    }

    fn begin_create(&mut self) -> Step {
        match self.create_call() {
            Some(call) => self.begin(call, Purpose::Create),
            None => self.unexpected(),
        }
    }

    /// The found system user: a standard one gets the change (after the pre-flight), an agent
    /// one is refused as the server would (404 AUTH-00015), none is not found.
    fn on_system_user(&mut self, user: Option<SystemUser>) -> Step {
        let Task::CreateChangeRequest(input) = &self.task else { return self.unexpected() };
        let who = format!(
            "system {}, customer {}, external ref {}",
            crate::text::quote(&input.system_id),
            input.party_org_no,
            crate::text::quote(input.external_ref.as_deref().unwrap_or(&input.party_org_no))
        );
        let user = match user {
            None => {
                let message =
                    format!("no system user for {who}: the customer must approve a request before its system user can be changed");
                return self.end(Err(Error::NotFound(crate::Problem { status: 404, message, ..Default::default() })));
            }
            Some(u) if u.user_type == UserType::Agent => {
                return self.end(Err(Error::invalid(
                    "AUTH-00015",
                    "systemUser",
                    format!("the system user for {who} is an agent system user: change requests are for standard system users only"),
                )));
            }
            Some(u) => u,
        };
        let change = NewChangeRequest {
            correlation_id: input.correlation_id.clone().unwrap_or_else(|| crate::correlation::derive(&user.id, input)),
            system_user_id: user.id,
            required_rights: input.required_rights.clone(),
            unwanted_rights: input.unwanted_rights.clone(),
            required_access_packages: input.required_access_packages.clone(),
            unwanted_access_packages: input.unwanted_access_packages.clone(),
            redirect_url: input.redirect_url.clone(),
        };
        let system = input.system_id.clone();
        self.change = Some(change);
        self.begin_preflight(system)
    }

    /// The dedupe key of the create in progress, as a lookup.
    fn reconcile_call(&self) -> Option<Call> {
        if let Task::CreateChangeRequest(_) = &self.task {
            return self.change.as_ref().map(|c| Call::GetChangeRequest(c.correlation_id.clone()));
        }
        if let Task::RegisterSystem(system) = &self.task {
            return Some(Call::GetRegisteredSystem(system.id.clone()));
        }
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
            None => self.unexpected(),
        }
    }

    /// The create's fate is unknown and can't be learnt now: say so, and that retrying is safe.
    fn unresolved(&mut self, failure: Error) -> Step {
        let note = match self.task {
            Task::CreateChangeRequest(_) => {
                "the change request may or may not have been created. Asking again is safe: the same change gets the same correlation id, which returns the same change request"
            }
            Task::RegisterSystem(_) => "the system may or may not have been registered. Registering it again is safe: its id is looked up first",
            _ => "the request may or may not have been created. Creating it again is safe: the same external ref returns the same request",
        };
        let error = match failure {
            Error::Transport(t) => Error::Transport(TransportFailure { kind: t.kind, message: format!("{}; {note}", t.message) }),
            Error::Unavailable(mut p) => {
                p.message = format!("{}; {note}", p.message);
                Error::Unavailable(p)
            }
            other => other,
        };
        self.end(Err(error))
    }

    fn unresolved_create(&mut self) -> Step {
        let failure = self.create_failure.clone().unwrap_or_else(|| Error::InvalidResponse("the create failed".into()));
        self.unresolved(failure)
    }

    fn on_transport_failure(&mut self, failure: TransportFailure) -> Step {
        let transient = failure.kind.is_transient();
        let error = Error::Transport(failure.clone());
        match self.purpose() {
            // Not sent at all: the same POST (or DELETE) again is safe.
            Purpose::Create | Purpose::Withdraw if failure.kind == TransportErrorKind::Connect => {
                self.retry(None).unwrap_or_else(|| self.end(Err(error)))
            }
            Purpose::Create => self.reconcile(error),
            Purpose::Reconcile if transient => self.retry(None).unwrap_or_else(|| self.unresolved_create()),
            Purpose::Reconcile => self.unresolved_create(),
            Purpose::Preflight if transient => self.retry(None).unwrap_or_else(|| self.begin_create()),
            Purpose::Preflight => self.begin_create(),
            Purpose::Read
            | Purpose::Page
            | Purpose::Lookup
            | Purpose::Current
            | Purpose::Replace
            | Purpose::Confirm
            | Purpose::Exchange
                if transient =>
            {
                self.retry(None).unwrap_or_else(|| self.end(Err(error)))
            }
            _ => self.end(Err(error)),
        }
    }

    fn on_response(&mut self, response: HttpResponse) -> Step {
        let Some((call, purpose)) = self.call.clone() else { return self.unexpected() };
        if purpose == Purpose::Exchange {
            return self.on_exchange(response);
        }
        let status = response.status;
        let hint = protocol::retry_after(&response, Some(self.now));
        let parsed = match protocol::parse(&self.config, &call, &response) {
            // The date form of Retry-After needs the clock, which parse does not have.
            Err(Error::Unavailable(mut p)) => {
                p.retry_after_seconds = hint;
                Err(Error::Unavailable(p))
            }
            other => other,
        };
        let outage = matches!(parsed, Err(Error::Unavailable(_)));
        match purpose {
            Purpose::Lookup => match parsed {
                Ok(Outcome::SystemUser(user)) => self.on_system_user(user),
                Err(e) if outage => self.retry(hint).unwrap_or_else(|| self.end(Err(e))),
                Err(e) => self.end(Err(e)),
                Ok(_) => self.unexpected(),
            },
            Purpose::Preflight => match parsed {
                Ok(Outcome::RegisteredSystem(system)) => {
                    let key = self.system_key(&system.id);
                    self.cache.borrow_mut().systems.put(key, system.clone(), self.now);
                    self.preflight(&system)
                }
                Err(_) if outage => self.retry(hint).unwrap_or_else(|| self.begin_create()),
                // No access to the System Register with this token: the server decides.
                Err(Error::Forbidden(_) | Error::Unauthorized(_)) => self.begin_create(),
                Err(e) => self.end(Err(e)),
                Ok(_) => self.unexpected(),
            },
            Purpose::Create => match parsed {
                Ok(
                    created @ (Outcome::Created { .. }
                    | Outcome::ChangeRequestCreated { .. }
                    | Outcome::NoChangeNeeded
                    | Outcome::SystemRegistered { .. }),
                ) => self.end(Ok(created)),
                // 429: refused before any work; the same POST later is safe.
                Err(e) if status == 429 => self.retry(hint).unwrap_or_else(|| self.end(Err(e))),
                // A 5xx may come after the request was stored: look before trying again.
                Err(e) if outage => self.reconcile(e),
                Err(e) => {
                    if registration_rule(&e) {
                        self.forget_system();
                    }
                    self.end(Err(e))
                }
                Ok(_) => self.unexpected(),
            },
            Purpose::Reconcile => match parsed {
                Ok(Outcome::Request(request)) => self.end(Ok(Outcome::Created { request, is_new: false, reconciled: true })),
                Ok(Outcome::ChangeRequest(found)) => self.reconciled_change(found),
                Ok(Outcome::RegisteredSystem(found)) => self.reconciled_system(&found),
                // Not stored: the create can be sent again.
                Err(Error::NotFound(_)) if self.correlation_id_refused() => self.correlation_id_unusable(),
                Err(Error::NotFound(_)) => self.retry_create().unwrap_or_else(|| self.unresolved_create()),
                Err(_) if outage => self.retry(hint).unwrap_or_else(|| self.unresolved_create()),
                Err(e) => self.end(Err(e)),
                Ok(_) => self.unexpected(),
            },
            Purpose::Read => match parsed {
                Err(e) if outage => self.retry(hint).unwrap_or_else(|| self.end(Err(e))),
                other => self.end(other),
            },
            Purpose::Page => match parsed {
                Err(e) if outage => self.retry(hint).unwrap_or_else(|| self.end(Err(e))),
                Err(e) => self.end(Err(e)),
                Ok(reply) => self.next_page(call, reply),
            },
            Purpose::Withdraw => match parsed {
                Err(e) if status == 429 => self.retry(hint).unwrap_or_else(|| self.end(Err(e))),
                other => self.end(other),
            },
            Purpose::Current => match parsed {
                Ok(Outcome::RegisteredSystem(system)) => self.change_system(system),
                Err(e) if outage => self.retry(hint).unwrap_or_else(|| self.end(Err(e))),
                Err(e) => self.end(Err(e)),
                Ok(_) => self.unexpected(),
            },
            Purpose::Replace => match parsed {
                Err(e) if outage || status == 429 => self.retry(hint).unwrap_or_else(|| self.end(Err(e))),
                // The server flags the system deleted and still answers 400 when the system had
                // no Maskinporten client id (API.md §13): read it to know.
                Err(e) if status == 400 && matches!(call, Call::DeleteSystem(_)) => {
                    self.create_failure = Some(e);
                    self.begin(Call::GetRegisteredSystem(call_system_id(&call)), Purpose::Confirm)
                }
                other => self.end(other),
            },
            Purpose::Confirm => match parsed {
                Ok(Outcome::RegisteredSystem(system)) if system.is_deleted => self.end(Ok(Outcome::SystemChanged)),
                Err(e) if outage => self.retry(hint).unwrap_or_else(|| self.end(Err(e))),
                _ => {
                    let failure = self.create_failure.take().unwrap_or_else(|| Error::InvalidResponse("the delete failed".into()));
                    self.end(Err(failure))
                }
            },
            Purpose::Exchange => self.unexpected(),
        }
    }

    /// The stored system read: the task's change checked against it and sent, or refused here
    /// as the server would refuse it.
    fn change_system(&mut self, stored: RegisteredSystem) -> Step {
        if stored.is_deleted {
            if let Task::DeleteSystem(_) = self.task {
                return self.end(Ok(Outcome::SystemChanged));
            }
            let message = format!(
                "system {} is deleted: a deleted system cannot be changed (its id is never reused)",
                crate::text::quote(&stored.id)
            );
            return self.end(Err(Error::Conflict(crate::Problem {
                status: 400,
                code: Some("system-deleted".into()),
                message,
                ..Default::default()
            })));
        }
        // The pre-flights of this instance must not go on with the system as it was.
        let key = self.system_key(&stored.id);
        self.cache.borrow_mut().systems.forget(&key);
        let call = match self.task.clone() {
            Task::UpdateSystem(update) => {
                if update.id.trim() != stored.id {
                    return self.unexpected();
                }
                match validation::validate_system(update.apply(stored)) {
                    Ok(system) => Call::ReplaceSystem(system),
                    Err(e) => return self.end(Err(e)),
                }
            }
            Task::SetSystemRights { rights, .. } => match validation::validate_system_rights(rights) {
                Ok(rights) => Call::SetSystemRights { system_id: stored.id, rights },
                Err(e) => return self.end(Err(e)),
            },
            Task::SetSystemAccessPackages { access_packages, .. } => {
                match validation::validate_system_packages(access_packages, stored.is_visible) {
                    Ok(access_packages) => Call::SetSystemAccessPackages { system_id: stored.id, access_packages },
                    Err(e) => return self.end(Err(e)),
                }
            }
            Task::DeleteSystem(_) => Call::DeleteSystem(stored.id),
            _ => return self.unexpected(),
        };
        self.begin(call, Purpose::Replace)
    }

    /// A system found by its id after the POST's answer was lost: registered (by this POST, or
    /// before it: either way the id is the vendor's), or deleted, which no register can undo.
    fn reconciled_system(&mut self, found: &RegisteredSystem) -> Step {
        if found.is_deleted {
            let message = format!(
                "system id {} belongs to a deleted system: ids are never reused, register the system under a new id",
                crate::text::quote(&found.id)
            );
            return self.end(Err(Error::Conflict(crate::Problem {
                status: 400,
                code: Some("AUTH.VLD-00002".into()),
                message,
                ..Default::default()
            })));
        }
        self.end(Ok(Outcome::SystemRegistered { internal_id: None, reconciled: true }))
    }

    /// A change request found after its POST's answer was lost: the change asked for, or the
    /// correlation id names another one.
    fn reconciled_change(&mut self, found: crate::model::ChangeRequest) -> Step {
        let Some(asked) = &self.change else { return self.unexpected() };
        match protocol::change_differs(asked, &found) {
            None => self.end(Ok(Outcome::ChangeRequestCreated { change_request: found, is_new: false, reconciled: true })),
            Some(what) => {
                let message = format!(
                    "correlation id {} already names another change ({what} differ from what was asked): use a new correlation id for this change",
                    crate::text::quote(&asked.correlation_id)
                );
                self.end(Err(Error::Conflict(crate::Problem {
                    status: 200,
                    code: Some("correlation-id-reused".into()),
                    message,
                    ..Default::default()
                })))
            }
        }
    }

    /// A change request's POST answered 500 and nothing is stored under its correlation id, for
    /// the second time: the server's answer to the id of a withdrawn change request, which it
    /// refuses for ever (API.md §11 step 13). Retrying could never work.
    fn correlation_id_refused(&mut self) -> bool {
        let clash = matches!(self.task, Task::CreateChangeRequest(_))
            && matches!(&self.create_failure, Some(Error::Unavailable(p)) if p.status == 500);
        self.clashes += u32::from(clash);
        self.clashes >= 2
    }

    fn correlation_id_unusable(&mut self) -> Step {
        let id = self.change.as_ref().map(|c| c.correlation_id.clone()).unwrap_or_default();
        let message = format!(
            "Altinn answered 500 twice to correlation id {} and holds no change request under it: the id most likely names a withdrawn change request, which Altinn never reuses (or Altinn is failing). To ask for this change again, give a new correlation id (a fresh uuid)",
            crate::text::quote(&id)
        );
        self.end(Err(Error::Conflict(crate::Problem {
            status: 500,
            code: Some("correlation-id-unusable".into()),
            message,
            ..Default::default()
        })))
    }

    /// Sends the create again after a reconciliation found nothing, within the budget.
    fn retry_create(&mut self) -> Option<Step> {
        let call = self.create_call()?;
        self.call = Some((call, Purpose::Create));
        self.retry(None)
    }

    /// The pre-flight, on the system the instance read within `instance::SYSTEM_TTL_SECS`, or
    /// on a fresh read.
    fn begin_preflight(&mut self, system_id: String) -> Step {
        let kept = self.cache.borrow().systems.get(&self.system_key(&system_id), self.now);
        match kept {
            Some(system) => {
                self.preflight_on_kept = true;
                self.preflight(&system)
            }
            None => self.begin(Call::GetRegisteredSystem(system_id), Purpose::Preflight),
        }
    }

    /// Where the instance keeps a registered system: by environment and id.
    fn system_key(&self, system_id: &str) -> String {
        format!("{}|{}", self.config.environment.platform_url(), system_id.trim())
    }

    fn forget_system(&mut self) {
        let system_id = match &self.task {
            Task::CreateStandardRequest(i) => &i.system_id,
            Task::CreateAgentRequest(i) => &i.system_id,
            Task::CreateChangeRequest(i) => &i.system_id,
            _ => return,
        };
        let key = self.system_key(system_id);
        self.cache.borrow_mut().systems.forget(&key);
    }

    fn preflight(&mut self, system: &RegisteredSystem) -> Step {
        let checked = match self.task.clone() {
            Task::CreateStandardRequest(input) => validation::validate_standard(input, Some(system)).map(|_| ()),
            Task::CreateAgentRequest(input) => validation::validate_agent(input, Some(system)).map(|_| ()),
            Task::CreateChangeRequest(input) => validation::validate_change(input, Some(system)).map(|_| ()),
            _ => Ok(()),
        };
        match checked {
            Ok(()) => self.begin_create(),
            // The kept system may be older than a change the vendor just made: read it again
            // before refusing anything on its account.
            Err(_) if std::mem::take(&mut self.preflight_on_kept) => {
                self.forget_system();
                self.begin(Call::GetRegisteredSystem(system.id.clone()), Purpose::Preflight)
            }
            Err(e) => self.end(Err(e)),
        }
    }

    /// Keeps the page's items not seen before (API.md §14: pages may repeat items); a page
    /// that brings nothing new ends the list, as a server that keeps handing out next links
    /// over the same items would otherwise be followed to the page cap.
    fn next_page(&mut self, call: Call, reply: Outcome) -> Step {
        let seen = self.ids.len();
        let next = match reply {
            Outcome::Requests(page) => {
                for item in page.items {
                    if self.ids.insert(item.id.to_ascii_lowercase()) {
                        self.requests.push(item);
                    }
                }
                page.next_page
            }
            Outcome::SystemUsers(page) => {
                for item in page.items {
                    if self.ids.insert(item.id.to_ascii_lowercase()) {
                        self.users.push(item);
                    }
                }
                page.next_page
            }
            _ => return self.unexpected(),
        };
        let next = next.filter(|_| self.ids.len() > seen || self.page_tokens.is_empty());
        let Some(token) = next else {
            let outcome = match call {
                Call::ListRequests { .. } => Outcome::Requests(Page { items: std::mem::take(&mut self.requests), next_page: None }),
                _ => Outcome::SystemUsers(Page { items: std::mem::take(&mut self.users), next_page: None }),
            };
            return self.end(Ok(outcome));
        };
        if self.page_tokens.contains(&token) {
            return self.end(Err(Error::InvalidResponse(format!(
                "the server's pages loop: page {} links back to an earlier page (a next-page token repeats)",
                self.page_tokens.len() + 1
            ))));
        }
        if self.page_tokens.len() + 1 >= MAX_PAGES {
            return self.end(Err(Error::InvalidResponse(format!(
                "stopped after {MAX_PAGES} pages ({} items): more than any system holds at 50 a page; the server keeps handing out new page tokens",
                self.requests.len() + self.users.len()
            ))));
        }
        self.page_tokens.push(token.clone());
        // Each page is a call of its own: its own deadline and retry budget.
        self.started = self.now;
        self.retries_left = self.config.retry_budget;
        self.attempts = 0;
        let next_call = match call {
            Call::ListRequests { kind, system_id, .. } => Call::ListRequests { kind, system_id, page: Some(token) },
            Call::ListSystemUsers { system_id, .. } => Call::ListSystemUsers { system_id, page: Some(token) },
            _ => return self.unexpected(),
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

/// A client-delegation task's bureau (its org number and external ref, as for a request) and
/// call (one of the client-delegation calls).
fn check_bureau(bureau: &Bureau, call: &Call) -> Result<Bureau, Error> {
    let mut violations = Vec::new();
    if !protocol::needs_exchange(call) {
        violations.push(crate::Violation::new(
            "not-client-delegation",
            "call",
            "a client-delegation task takes list-agents, list-available-clients, list-clients, add-client or remove-client",
        ));
    }
    let org_no = crate::identifiers::check_org_no(&bureau.org_no, "bureau.orgNo").map_err(|v| violations.push(v)).ok();
    let external_ref = match &bureau.external_ref {
        Some(r) => crate::identifiers::check_external_ref(r, "bureau.externalRef").map_err(|v| violations.push(v)).ok(),
        None => None,
    };
    match (org_no, violations.is_empty()) {
        (Some(org_no), true) => Ok(Bureau { org_no, external_ref }),
        _ => Err(Error::Validation(violations)),
    }
}

/// Altinn refused a create for a rule that reads the registered system: the system the instance
/// keeps may be out of date.
fn registration_rule(error: &Error) -> bool {
    let code = match error {
        Error::Altinn(p) => p.code.as_deref(),
        Error::NotFound(p) => p.code.as_deref(),
        _ => None,
    };
    matches!(code, Some("AUTH-00001" | "AUTH-00011" | "AUTH-00021" | "AUTH-00026" | "AUTH-00063" | "AUTH-00064" | "AUTH-00065"))
}

/// Reads and lists are retried like reads; adding and removing a client are not sent twice
/// blindly (as a withdrawal).
fn delegation_purpose(call: &Call) -> Purpose {
    match call {
        Call::AddClient { .. } | Call::RemoveClient { .. } => Purpose::Withdraw,
        _ => Purpose::Read,
    }
}

fn call_system_id(call: &Call) -> String {
    match call {
        Call::DeleteSystem(id) | Call::GetRegisteredSystem(id) => id.clone(),
        _ => String::new(),
    }
}

fn input_name(input: &Input) -> &'static str {
    match input {
        Input::Token(_) => "a token",
        Input::TokenFailed(_) => "a token failure",
        Input::Response(_) => "a response",
        Input::TransportFailed(_) => "a transport failure",
        Input::Signature(_) => "a signature",
        Input::SignFailed(_) => "a signing failure",
        Input::Waited => "a finished wait",
    }
}

fn awaiting_name(awaiting: Awaiting) -> &'static str {
    match awaiting {
        Awaiting::Nothing => "start",
        Awaiting::Token => "a token",
        Awaiting::Signature => "a signature",
        Awaiting::Grant | Awaiting::Response => "a response or a transport failure",
        Awaiting::Wait => "a finished wait",
        Awaiting::Finished => "nothing (it is done)",
    }
}

/// The synchronous capabilities `drive` answers steps with (the `client` interface's imports).
pub trait Io {
    fn token(&mut self, scopes: &[String]) -> Result<String, String>;
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure>;
    fn sign(&mut self, data: &[u8]) -> Result<Vec<u8>, String>;
    fn sleep(&mut self, ms: u32);
    fn now(&mut self) -> DateTime;
}

/// Pumps `operation` until it is done, answering each step through `io`.
pub fn drive(operation: &mut Operation, io: &mut impl Io) {
    let mut step = operation.start();
    loop {
        let input = match step {
            Step::Done(_) => return,
            Step::NeedToken(scopes) => match io.token(&scopes) {
                Ok(t) => Input::Token(Secret::new(t)),
                Err(message) => Input::TokenFailed(message),
            },
            Step::Send(request) => match io.send(&request) {
                Ok(response) => Input::Response(response),
                Err(failure) => Input::TransportFailed(failure),
            },
            Step::Sign(data) => match io.sign(&data) {
                Ok(signature) => Input::Signature(signature),
                Err(message) => Input::SignFailed(message),
            },
            Step::Wait(ms) => {
                io.sleep(ms);
                Input::Waited
            }
        };
        step = operation.advance(input, io.now());
    }
}
