//! One operation of the component, pumped: the `operations` resource in a session of its own,
//! the step it waits on, and its result once done. The library checks each answer against the
//! step it answers before the component sees it, so a binding's mistake is a `misuse` error
//! it can correct, not the end of the operation.

use std::sync::Arc;

use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;
use systemuser_host::json::{done_step_json, input_name, pending_step_json};
use systemuser_host::wit::{Error, Input, Outcome, Step, Task};
use systemuser_host::{Clock, HostError, Session, SystemClock};
use wasmtime::component::ResourceAny;

use crate::client::Shared;
use crate::documents::seal;
use crate::error::{su_error_t, Kind};

/// What the operation waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    /// `start` has not been called.
    Start,
    /// The answer to a `send`: `response` or `transport-failed`.
    Send,
    /// The answer to a `sign`: `signature` or `sign-failed`.
    Sign,
    /// The answer to a `token`: `token` or `token-failed`.
    Token,
    /// The answer to a `wait`: `waited`.
    Wait,
}

impl Awaiting {
    fn after(step: &Step) -> Self {
        match step {
            Step::Send(_) => Awaiting::Send,
            Step::Sign(_) => Awaiting::Sign,
            Step::NeedToken(_) => Awaiting::Token,
            Step::Wait(_) => Awaiting::Wait,
            Step::Done => Awaiting::Start, // not reached: a done step finishes the operation
        }
    }

    fn fits(self, input: &Input) -> bool {
        matches!(
            (self, input),
            (Awaiting::Send, Input::Response(_) | Input::TransportFailed(_))
                | (Awaiting::Sign, Input::Signature(_) | Input::SignFailed(_))
                | (Awaiting::Token, Input::Token(_) | Input::TokenFailed(_))
                | (Awaiting::Wait, Input::Waited)
        )
    }

    fn answers(self) -> &'static str {
        match self {
            Awaiting::Start => "nothing yet: call su_operation_start first",
            Awaiting::Send => "the answer to a send step: response or transport-failed",
            Awaiting::Sign => "the answer to a sign step: signature or sign-failed",
            Awaiting::Token => "the answer to a token step: token or token-failed",
            Awaiting::Wait => "the answer to a wait step: waited",
        }
    }
}

/// The component's operation, in the session that holds it.
struct Live {
    session: Session,
    resource: ResourceAny,
    awaiting: Awaiting,
}

enum State {
    /// Boxed: a session is large, and a finished operation should not keep its room.
    Running(Box<Live>),
    /// Finished: the `done` step document, handed out again on every later call.
    Done(Vec<u8>),
    /// Lost to a trap or a panic: why, for every later call.
    Lost(su_error_t),
}

/// An operation being pumped.
pub(crate) struct Pump {
    client: Arc<Shared>,
    state: State,
}

fn now() -> systemuser_host::wit::Datetime {
    SystemClock::default().now()
}

fn lost_again(error: &su_error_t) -> su_error_t {
    su_error_t::new(error.kind(), format!("this operation was lost earlier ({}); start a new one", error.message()))
}

impl Pump {
    /// Constructs the component's operation for `task` in a session from the client's pool,
    /// with the system clock and a 16-byte seed from the operating system's generator.
    pub(crate) fn new(client: Arc<Shared>, task: Task) -> Result<Self, su_error_t> {
        let mut seed = [0u8; 16];
        SystemRandom::new()
            .fill(&mut seed)
            .map_err(|_| su_error_t::new(Kind::Component, "the operating system gave no secure random bytes for the operation's seed"))?;
        let mut session = client.take_session();
        let config = client.config.clone();
        // A trap drops the session (it is not given back).
        let resource =
            session.call(|c, store| c.altinn_systemuser_operations().operation().call_constructor(store, &config, &task, now(), &seed))?;
        Ok(Pump { client, state: State::Running(Box::new(Live { session, resource, awaiting: Awaiting::Start })) })
    }

    /// The first step (or the `done` step again).
    pub(crate) fn start(&mut self) -> Result<Vec<u8>, su_error_t> {
        match &mut self.state {
            State::Done(step) => Ok(step.clone()),
            State::Lost(error) => Err(lost_again(error)),
            State::Running(live) if live.awaiting != Awaiting::Start => Err(su_error_t::misuse(format!(
                "su_operation_start was called already; the operation waits for {}",
                live.awaiting.answers()
            ))),
            State::Running(live) => {
                let resource = live.resource;
                let step = live.session.call(|c, store| c.altinn_systemuser_operations().operation().call_start(store, resource));
                self.next(step)
            }
        }
    }

    /// The next step given `input` (the `done` step again once finished; `input` is then not
    /// looked at: pass `None`).
    pub(crate) fn advance(&mut self, input: impl FnOnce() -> Result<Input, su_error_t>) -> Result<Vec<u8>, su_error_t> {
        match &mut self.state {
            State::Done(step) => Ok(step.clone()),
            State::Lost(error) => Err(lost_again(error)),
            State::Running(live) => {
                let input = input()?;
                if !live.awaiting.fits(&input) {
                    return Err(su_error_t::misuse(format!(
                        "the answer is {}, but the operation waits for {}; nothing changed",
                        input_name(&input),
                        live.awaiting.answers()
                    )));
                }
                let resource = live.resource;
                let step =
                    live.session.call(|c, store| c.altinn_systemuser_operations().operation().call_advance(store, resource, &input, now()));
                self.next(step)
            }
        }
    }

    /// Records what the component answered and returns its document.
    fn next(&mut self, step: Result<Step, HostError>) -> Result<Vec<u8>, su_error_t> {
        let step = match step {
            Ok(step) => step,
            Err(trap) => return Err(self.lose(trap.into())),
        };
        let State::Running(live) = &mut self.state else { return Err(su_error_t::misuse("the operation is not running")) };
        if let Some(document) = pending_step_json(&step) {
            live.awaiting = Awaiting::after(&step);
            return Ok(seal(document));
        }
        let resource = live.resource;
        let result = live.session.call(|c, store| c.altinn_systemuser_operations().operation().call_finish(store, resource));
        match result {
            Ok(result) => Ok(self.finish(&result)),
            Err(trap) => Err(self.lose(trap.into())),
        }
    }

    /// Done: keeps the step document, frees the guest's operation and gives the session back.
    fn finish(&mut self, result: &Result<Outcome, Error>) -> Vec<u8> {
        let document = seal(done_step_json(result));
        if let State::Running(live) = std::mem::replace(&mut self.state, State::Done(document.clone())) {
            self.release(live);
        }
        document
    }

    fn lose(&mut self, error: su_error_t) -> su_error_t {
        let kept = su_error_t::new(error.kind(), error.message());
        // The session goes with the state: a trapped session is never given back.
        self.state = State::Lost(kept);
        error
    }

    /// Frees the guest's operation; the session goes back to the pool unless that trapped.
    fn release(&self, mut live: Box<Live>) {
        let resource = live.resource;
        if live.session.call(|_, store| resource.resource_drop(store)).is_ok() {
            self.client.give_back(live.session);
        }
    }

    /// After a panic inside a call: nothing of this operation can be trusted any more.
    pub(crate) fn poisoned(&mut self) -> su_error_t {
        let error = su_error_t::new(Kind::Panic, "an earlier call on this operation panicked; the operation is lost: start a new one");
        self.state = State::Lost(su_error_t::new(Kind::Panic, "an earlier call on this operation panicked"));
        error
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        if let State::Running(live) = std::mem::replace(&mut self.state, State::Lost(su_error_t::misuse("deleted"))) {
            self.release(live);
        }
    }
}

/// The input document's members (without `"v"`) as the WIT input.
pub(crate) fn input(members: serde_json::Map<String, Value>) -> Result<Input, su_error_t> {
    systemuser_host::json::input_from_json(Value::Object(members)).map_err(su_error_t::invalid)
}
