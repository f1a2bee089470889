//! `su_operation_t`: one task pumped by the binding, one call at a time.

use std::sync::{Mutex, MutexGuard, TryLockError};

use serde_json::Value;
use systemuser_host::json::task_from_json;

use crate::buffer::su_buffer_t;
use crate::client::su_client_t;
use crate::documents::{self, open};
use crate::error::su_error_t;
use crate::ffi::{bytes, give, guard, guard_value, handle, out_param};
use crate::pump::{self, Pump};

/// An operation in progress. Owned by the caller, freed with `su_operation_delete`. It may move
/// between threads, but takes one call at a time: a call while another runs is refused with
/// `misuse`.
pub struct su_operation_t {
    pump: Mutex<Pump>,
}

impl su_operation_t {
    /// The operation for this call, or `misuse` when another call holds it.
    fn lock(&self) -> Result<MutexGuard<'_, Pump>, su_error_t> {
        match self.pump.try_lock() {
            Ok(pump) => Ok(pump),
            Err(TryLockError::WouldBlock) => {
                Err(su_error_t::misuse("another call on this operation is running: an operation takes one call at a time"))
            }
            Err(TryLockError::Poisoned(poisoned)) => {
                let mut pump = poisoned.into_inner();
                let error = pump.poisoned();
                self.pump.clear_poison();
                Err(error)
            }
        }
    }
}

/// A new operation for the `task` document (`task_json`, `len` bytes, borrowed for the call):
/// takes a session from the client's pool and constructs the component's operation with the
/// system clock and a seed from the OS generator. Nothing is sent yet: call
/// `su_operation_start`. On success writes it to `*operation`; the caller frees it with
/// `su_operation_delete`. Errors: `invalid-argument`, `component`. Any thread.
#[no_mangle]
pub unsafe extern "C" fn su_operation_new(
    client: *const su_client_t,
    task_json: *const u8,
    len: usize,
    operation: *mut *mut su_operation_t,
) -> *mut su_error_t {
    guard("su_operation_new", || {
        out_param(operation, "operation")?;
        let client = unsafe { handle(client, "client") }?;
        let members = open(unsafe { bytes(task_json, len, "task_json") }?, "task")?;
        let task = task_from_json(Value::Object(members)).map_err(documents::invalid)?;
        let pump = Pump::new(client.shared.clone(), task)?;
        unsafe { give(operation, su_operation_t { pump: Mutex::new(pump) }) };
        Ok(())
    })
}

/// The first `step` document, written to `*step` (the caller frees it with
/// `su_buffer_delete`). Once the operation is done, the same `done` step again. Errors:
/// `invalid-argument`, `misuse` (called twice before done, or while another call runs),
/// `component` (a trap: the operation is lost, every later call says so). One call at a time
/// per operation.
#[no_mangle]
pub unsafe extern "C" fn su_operation_start(operation: *mut su_operation_t, step: *mut *mut su_buffer_t) -> *mut su_error_t {
    guard("su_operation_start", || {
        out_param(step, "step")?;
        let operation = unsafe { handle(operation.cast_const(), "operation") }?;
        let document = operation.lock()?.start()?;
        unsafe { give(step, su_buffer_t::new(document)) };
        Ok(())
    })
}

/// The next `step` document given what happened with the previous one: the `input` document
/// (`input_json`, `len` bytes, borrowed for the call). Written to `*step` (the caller frees it
/// with `su_buffer_delete`). Once the operation is done, the same `done` step again and the
/// input is not read. Errors: `invalid-argument` (the input is not an input document; nothing
/// changed), `misuse` (an input that does not answer the current step, or no start yet: nothing
/// changed; or another call is running), `component` (a trap: the operation is lost). One call
/// at a time per operation.
#[no_mangle]
pub unsafe extern "C" fn su_operation_advance(
    operation: *mut su_operation_t,
    input_json: *const u8,
    len: usize,
    step: *mut *mut su_buffer_t,
) -> *mut su_error_t {
    guard("su_operation_advance", || {
        out_param(step, "step")?;
        let operation = unsafe { handle(operation.cast_const(), "operation") }?;
        let input = unsafe { bytes(input_json, len, "input_json") }?;
        if input_json.is_null() {
            return Err(su_error_t::invalid("input_json is NULL"));
        }
        let document = operation.lock()?.advance(|| pump::input(open(input, "input")?))?;
        unsafe { give(step, su_buffer_t::new(document)) };
        Ok(())
    })
}

/// Frees an operation and gives its session back to the client's pool (unless it trapped).
/// NULL is allowed. Must not be called while another call on it runs.
#[no_mangle]
pub unsafe extern "C" fn su_operation_delete(operation: *mut su_operation_t) {
    guard_value((), || {
        if !operation.is_null() {
            drop(unsafe { Box::from_raw(operation) });
        }
    })
}
