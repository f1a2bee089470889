//! A binding as a JVM or .NET one would be: it pumps an operation, doing HTTP (real HTTP over
//! loopback, through the host library's ureq transport), signing (ring, with the TEST-ONLY key)
//! and waiting itself, and answers every step with an input document.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::{json, Value};
use systemuser_host::wit::{Header, HttpRequest, Method};
use systemuser_host::{HttpTransport, UreqTransport};

use super::abi::{Client, Operation};

/// What the binding holds: a token for `token` steps, a key for `sign` steps.
pub struct Binding {
    pub token: Option<String>,
    key: Option<RsaKeyPair>,
    http: UreqTransport,
}

/// Every step of one operation, the last one `done`.
#[derive(Debug)]
pub struct Run {
    pub steps: Vec<Value>,
}

impl Run {
    pub fn done(&self) -> &Value {
        let last = self.steps.last().expect("a run has steps");
        assert_eq!(last["step"], "done");
        last
    }

    /// The outcome; panics with the error when there is none.
    #[track_caller]
    pub fn outcome(&self) -> &Value {
        let done = self.done();
        assert!(done.get("error").is_none(), "the operation failed: {}", done["error"]);
        &done["outcome"]
    }

    /// The error; panics when the operation succeeded.
    #[track_caller]
    pub fn error(&self) -> &Value {
        let done = self.done();
        assert!(done.get("outcome").is_none(), "the operation succeeded: {}", done["outcome"]["outcome"]);
        &done["error"]
    }

    pub fn count(&self, step: &str) -> usize {
        self.steps.iter().filter(|s| s["step"] == step).count()
    }
}

/// A PKCS#8 PEM key (the TEST-ONLY fixture key) for ring.
pub fn key_from_pem(pem: &str) -> RsaKeyPair {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    RsaKeyPair::from_pkcs8(&STANDARD.decode(body).expect("PEM base64")).expect("an RSA PKCS#8 key")
}

impl Binding {
    pub fn with_token(token: &str) -> Self {
        Binding { token: Some(token.to_string()), key: None, http: UreqTransport::new() }
    }

    /// Holds nothing: answers `token-failed` and `sign-failed`.
    pub fn empty() -> Self {
        Binding { token: None, key: None, http: UreqTransport::new() }
    }

    pub fn with_key(pem: &str) -> Self {
        Binding { token: None, key: Some(key_from_pem(pem)), http: UreqTransport::new() }
    }

    /// Runs `task` on `client` to its end.
    #[track_caller]
    pub fn run(&self, client: &Client, task: &Value) -> Run {
        let operation = client.operation(task).unwrap_or_else(|e| panic!("su_operation_new: {e:?}"));
        self.pump(&operation)
    }

    pub fn pump(&self, operation: &Operation) -> Run {
        let steps = vec![operation.start().unwrap_or_else(|e| panic!("su_operation_start: {e:?}"))];
        self.finish(operation, steps)
    }

    /// Goes on with an operation that was started: answers with `input` first.
    pub fn pump_from(&self, operation: &Operation, input: Value) -> Run {
        let steps = vec![operation.advance(&input).unwrap_or_else(|e| panic!("su_operation_advance: {e:?}"))];
        self.finish(operation, steps)
    }

    fn finish(&self, operation: &Operation, mut steps: Vec<Value>) -> Run {
        while steps.last().unwrap()["step"] != "done" {
            let input = self.answer(steps.last().unwrap());
            steps.push(operation.advance(&input).unwrap_or_else(|e| panic!("su_operation_advance: {e:?}")));
            assert!(steps.len() < 10_000, "an operation that never ends");
        }
        Run { steps }
    }

    /// The input document that answers `step`.
    pub fn answer(&self, step: &Value) -> Value {
        match step["step"].as_str().unwrap() {
            "send" => self.send(&step["request"]),
            "sign" => match &self.key {
                Some(key) => {
                    let data = STANDARD.decode(step["data"].as_str().unwrap()).unwrap();
                    let mut signature = vec![0; key.public().modulus_len()];
                    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), &data, &mut signature).unwrap();
                    json!({"v": 1, "input": "signature", "signature": STANDARD.encode(signature)})
                }
                None => json!({"v": 1, "input": "sign-failed", "message": "this binding holds no key"}),
            },
            "token" => match &self.token {
                Some(token) => json!({"v": 1, "input": "token", "token": token}),
                None => json!({"v": 1, "input": "token-failed", "message": "this binding holds no token"}),
            },
            "wait" => {
                std::thread::sleep(std::time::Duration::from_millis(step["ms"].as_u64().unwrap().min(2_000)));
                json!({"v": 1, "input": "waited"})
            }
            other => panic!("no answer to a {other} step"),
        }
    }

    /// Sends a `send` step's request over real HTTP.
    pub fn send(&self, request: &Value) -> Value {
        let request = HttpRequest {
            method: match request["method"].as_str().unwrap() {
                "GET" => Method::Get,
                "POST" => Method::Post,
                "PUT" => Method::Put,
                "DELETE" => Method::Delete,
                other => panic!("method {other}"),
            },
            url: request["url"].as_str().unwrap().to_string(),
            headers: request["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| Header { name: h[0].as_str().unwrap().into(), value: h[1].as_str().unwrap().into() })
                .collect(),
            body: request["body"].as_str().map(|b| STANDARD.decode(b).unwrap()),
            timeout_ms: request["timeoutMs"].as_u64().unwrap() as u32,
            max_response_bytes: request["maxResponseBytes"].as_u64().unwrap() as u32,
        };
        match self.http.send(request) {
            Ok(response) => json!({"v": 1, "input": "response", "response": {
                "status": response.status,
                "headers": response.headers.iter().map(|h| json!([h.name, h.value])).collect::<Vec<_>>(),
                "body": STANDARD.encode(&response.body),
            }}),
            Err(failure) => json!({"v": 1, "input": "transport-failed", "failure": {
                "kind": systemuser_host::json::transport_kind(failure.kind),
                "message": failure.message,
            }}),
        }
    }
}
