//! The host's capabilities reach the component: `client.run` asks the token source, sends
//! through the transport with the bearer token, waits through the timer, and a transport
//! failure comes back typed.

mod common;

use std::sync::{Arc, Mutex};

use systemuser_host::wit::{
    Config, CustomEnvironment, Environment, Error, Header, HttpRequest, HttpResponse, Task, TransportErrorKind, TransportFailure,
};
use systemuser_host::{Capabilities, HttpTransport, Runtime, StaticToken, Timer};

const SYSTEM: &str = "314248295_smartregnskap";

/// Answers every request with `answer` and keeps what it was asked.
#[derive(Clone)]
struct Recorder {
    seen: Arc<Mutex<Vec<HttpRequest>>>,
    answer: Result<HttpResponse, TransportFailure>,
}

impl HttpTransport for Recorder {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportFailure> {
        self.seen.lock().unwrap().push(request);
        self.answer.clone()
    }
}

/// Records waits instead of sleeping.
#[derive(Clone, Default)]
struct Waits(Arc<Mutex<Vec<u32>>>);

impl Timer for Waits {
    fn sleep(&self, ms: u32) {
        self.0.lock().unwrap().push(ms);
    }
}

fn config() -> Config {
    Config {
        environment: Environment::Custom(CustomEnvironment {
            platform_url: "http://127.0.0.1:5101".into(),
            confirm_url: "http://127.0.0.1:5101".into(),
            maskinporten_issuer: "http://127.0.0.1:5101/".into(),
        }),
        timeout_ms: 5_000,
        deadline_ms: 60_000,
        retry_budget: 2,
        backoff_ms: 10,
        maskinporten: None,
    }
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers.iter().find(|Header { name: n, .. }| n.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

#[test]
fn token_and_http_reach_the_component() {
    let runtime = Runtime::load(common::component_path()).expect("loads");
    let recorder = Recorder { seen: Arc::default(), answer: Ok(HttpResponse { status: 404, headers: vec![], body: vec![] }) };
    let caps = Capabilities::new(recorder.clone(), StaticToken::new("test-token-123").unwrap());
    let mut session = runtime.session_with(caps);

    let outcome = session.run(&config(), &Task::GetRegisteredSystem(SYSTEM.into())).expect("no trap");
    assert!(matches!(outcome, Err(Error::NotFound(_))), "{outcome:?}");

    let seen = recorder.seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "a 404 is an answer, not a reason to retry");
    assert!(seen[0].url.starts_with("http://127.0.0.1:5101/authentication/api/v1/"), "{}", seen[0].url);
    assert!(seen[0].url.ends_with(SYSTEM), "{}", seen[0].url);
    assert_eq!(header(&seen[0], "authorization"), Some("Bearer test-token-123"));
}

#[test]
fn transport_failures_are_retried_through_the_timer_then_typed() {
    let runtime = Runtime::load(common::component_path()).expect("loads");
    let recorder =
        Recorder { seen: Arc::default(), answer: Err(TransportFailure { kind: TransportErrorKind::Connect, message: "refused".into() }) };
    let waits = Waits::default();
    let caps = Capabilities::new(recorder.clone(), StaticToken::new("test-token-123").unwrap()).with_timer(waits.clone());
    let mut session = runtime.session_with(caps);

    let outcome = session.run(&config(), &Task::GetRegisteredSystem(SYSTEM.into())).expect("no trap");
    match outcome {
        Err(Error::Transport(failure)) => assert_eq!(failure.kind, TransportErrorKind::Connect),
        other => panic!("expected a transport error, got {other:?}"),
    }
    // A read is retried within the budget, with a wait before each retry.
    let sends = recorder.seen.lock().unwrap().len();
    assert!(sends >= 2, "{sends} sends");
    assert_eq!(waits.0.lock().unwrap().len(), sends - 1);
}

#[test]
fn no_token_is_a_typed_error_without_any_request() {
    let runtime = Runtime::load(common::component_path()).expect("loads");
    let recorder = Recorder { seen: Arc::default(), answer: Ok(HttpResponse { status: 200, headers: vec![], body: vec![] }) };
    let mut session = runtime.session_with(Capabilities::new(recorder.clone(), systemuser_host::NoToken));

    let outcome = session.run(&config(), &Task::GetRegisteredSystem(SYSTEM.into())).expect("no trap");
    match outcome {
        Err(Error::Token(message)) => assert!(message.contains("SYSTEMUSER_TOKEN"), "{message}"),
        other => panic!("expected a token error, got {other:?}"),
    }
    assert!(recorder.seen.lock().unwrap().is_empty());
}
