//! The boundary: panics caught, pointers checked, results written to out-parameters only on
//! success.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::error::{su_error_t, Kind};

/// Runs an export's body: `NULL` on success, else the error (a panic becomes kind `panic`).
pub(crate) fn guard(function: &str, body: impl FnOnce() -> Result<(), su_error_t>) -> *mut su_error_t {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ptr::null_mut(),
        Ok(Err(error)) => error.into_raw(),
        Err(payload) => panicked(function, payload.as_ref()).into_raw(),
    }
}

/// For the exports that cannot report an error (accessors, deletes): a panic gives `fallback`.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A panic's payload is our own text (no secret is ever formatted into a panic here).
pub(crate) fn panicked(function: &str, payload: &(dyn Any + Send)) -> su_error_t {
    let what =
        payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str)).unwrap_or("no message");
    su_error_t::new(Kind::Panic, format!("libsystemuser panicked in {function} (a bug; please report it): {what}"))
}

/// `len` bytes at `ptr`, borrowed for the call. NULL is accepted only with `len` 0 (empty).
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], su_error_t> {
    if len > isize::MAX as usize {
        return Err(su_error_t::invalid(format!("{what}: the length {len} is not a length")));
    }
    if ptr.is_null() {
        return match len {
            0 => Ok(&[]),
            _ => Err(su_error_t::invalid(format!("{what} is NULL with a length of {len}"))),
        };
    }
    // SAFETY: the caller promises `len` readable bytes at `ptr` for the call (ABI.md).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The handle behind `ptr`, borrowed for the call.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, su_error_t> {
    // SAFETY: a non-NULL handle is one this library handed out and the caller has not freed.
    unsafe { ptr.as_ref() }.ok_or_else(|| su_error_t::invalid(format!("{what} is NULL")))
}

/// Checks an out-parameter before any work, so that a NULL one costs nothing.
pub(crate) fn out_param<T>(out: *mut *mut T, what: &str) -> Result<(), su_error_t> {
    match out.is_null() {
        true => Err(su_error_t::invalid(format!("{what} (the out-parameter) is NULL"))),
        false => Ok(()),
    }
}

/// Hands `value` to the caller through `out` (checked by `out_param` first).
pub(crate) unsafe fn give<T>(out: *mut *mut T, value: T) {
    // SAFETY: `out` was checked non-NULL and points to writable storage for one pointer.
    unsafe { *out = Box::into_raw(Box::new(value)) };
}

pub(crate) unsafe fn write_len(len: *mut usize, n: usize) {
    if !len.is_null() {
        // SAFETY: a non-NULL `len` points to writable storage (ABI.md).
        unsafe { *len = n };
    }
}
