//! `su_client_t`: a configuration and a pool of sessions (one store and instance each), shared
//! by any number of threads. Operations take a session from the pool and give it back when
//! they are done, so a busy service instantiates the component a few times, not per call.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use systemuser_host::json::{config_from_json, violation_json};
use systemuser_host::wit::Config;
use systemuser_host::{Runtime, Session, Validated};

use crate::buffer::su_buffer_t;
use crate::documents::{self, altinn_system, open, seal, Kind};
use crate::error::su_error_t;
use crate::ffi::{bytes, give, guard, guard_value, handle, out_param};
use crate::runtime::su_runtime_t;

/// Idle sessions kept for reuse (as `systemuser_host::Client` does); more concurrent
/// operations simply make more.
const IDLE_SESSIONS: usize = 16;

/// What a client and its operations share.
pub(crate) struct Shared {
    runtime: Runtime,
    pub(crate) config: Config,
    idle: Mutex<Vec<Session>>,
}

impl Shared {
    /// An idle session, or a new one (instantiated on its first call).
    pub(crate) fn take_session(&self) -> Session {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        pooled.unwrap_or_else(|| self.runtime.session())
    }

    /// Back to the pool: only sessions that did not trap come here.
    pub(crate) fn give_back(&self, session: Session) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < IDLE_SESSIONS {
                idle.push(session);
            }
        }
    }
}

/// A client: the configuration and a pool of sessions. Owned by the caller, freed with
/// `su_client_delete`; operations made from it keep what they need. Shared by any number of
/// threads at once.
pub struct su_client_t {
    pub(crate) shared: Arc<Shared>,
}

/// A new client of `runtime` with the `config` document (`config_json`, `len` bytes, borrowed
/// for the call). The runtime is not consumed. On success writes the client to `*client`; the
/// caller frees it with `su_client_delete`. Errors: `invalid-argument`. Any thread.
#[no_mangle]
pub unsafe extern "C" fn su_client_new(
    runtime: *const su_runtime_t,
    config_json: *const u8,
    len: usize,
    client: *mut *mut su_client_t,
) -> *mut su_error_t {
    guard("su_client_new", || {
        out_param(client, "client")?;
        let runtime = unsafe { handle(runtime, "runtime") }?;
        let members = open(unsafe { bytes(config_json, len, "config_json") }?, "config")?;
        let config = config_from_json(Value::Object(members)).map_err(documents::invalid)?;
        let shared = Shared { runtime: runtime.runtime.clone(), config, idle: Mutex::new(Vec::new()) };
        unsafe { give(client, su_client_t { shared: Arc::new(shared) }) };
        Ok(())
    })
}

/// Frees a client. NULL is allowed. Operations made from it keep working; it must not be
/// freed while another thread is inside a call on it.
#[no_mangle]
pub unsafe extern "C" fn su_client_delete(client: *mut su_client_t) {
    guard_value((), || {
        if !client.is_null() {
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

/// Validates a create body without any I/O: the `validate` document in (`request_json`, `len`
/// bytes, borrowed for the call), a `validated` document out through `*buffer`, which the
/// caller frees with `su_buffer_delete`. Invalid requests are a successful call with
/// `"valid": false` and the violations. Errors: `invalid-argument`, `component`. Any thread.
#[no_mangle]
pub unsafe extern "C" fn su_client_validate(
    client: *const su_client_t,
    request_json: *const u8,
    len: usize,
    buffer: *mut *mut su_buffer_t,
) -> *mut su_error_t {
    guard("su_client_validate", || {
        out_param(buffer, "buffer")?;
        let client = unsafe { handle(client, "client") }?;
        let doc = documents::validate(unsafe { bytes(request_json, len, "request_json") }?)?;
        let request = serde_json::to_vec(&doc.request).unwrap_or_default();
        let system = doc.system.map(|s| serde_json::to_vec(&altinn_system(s)).unwrap_or_default());
        let mut session = client.shared.take_session();
        let verdict = match doc.kind {
            Kind::Standard => session.validate_standard(&request, system.as_deref()),
            Kind::Agent => session.validate_agent(&request, system.as_deref()),
        };
        let validated = match verdict {
            Ok(verdict) => {
                client.shared.give_back(session);
                verdict
            }
            // The component could not read a document: the session is fine.
            Err(decode @ systemuser_host::HostError::Decode { .. }) => {
                client.shared.give_back(session);
                return Err(su_error_t::invalid(decode.to_string()));
            }
            // A trap: the session is dropped, the next call gets a fresh one.
            Err(other) => return Err(other.into()),
        };
        let document = match validated {
            Validated::Valid(body) => {
                let body: Value = serde_json::from_slice(&body)
                    .map_err(|_| su_error_t::new(crate::error::Kind::Component, "the component's normalised body is not JSON"))?;
                json!({"valid": true, "request": body, "violations": []})
            }
            Validated::Invalid(violations) => {
                json!({"valid": false, "violations": violations.iter().map(violation_json).collect::<Vec<_>>()})
            }
        };
        unsafe { give(buffer, su_buffer_t::new(seal(document))) };
        Ok(())
    })
}
