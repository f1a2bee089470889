//! `su_buffer_t`: a JSON document the library returns. The caller owns it.

use std::ptr;

use crate::ffi::{self, guard_value};

/// A document returned by the library (UTF-8 JSON). Owned by the caller, freed with
/// `su_buffer_delete`.
pub struct su_buffer_t {
    /// The document followed by one NUL that is not part of it (JSON text never holds a raw
    /// NUL: serde writes `\u0000`), so C may read it as a string.
    bytes: Vec<u8>,
}

impl su_buffer_t {
    pub(crate) fn new(mut bytes: Vec<u8>) -> Self {
        bytes.push(0);
        su_buffer_t { bytes }
    }
}

impl std::fmt::Debug for su_buffer_t {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A step may hold a bearer token: never its contents.
        write!(f, "su_buffer_t({} bytes)", self.bytes.len() - 1)
    }
}

/// The bytes of `buffer`: writes their number to `*len` (when `len` is not NULL) and returns a
/// pointer to them, followed by a NUL that is not counted. Borrowed from `buffer`: valid until
/// `su_buffer_delete(buffer)`. With a NULL `buffer`: returns NULL and writes 0. Any thread.
#[no_mangle]
pub unsafe extern "C" fn su_buffer_data(buffer: *const su_buffer_t, len: *mut usize) -> *const u8 {
    guard_value(ptr::null(), || {
        let (ptr, n) = match unsafe { buffer.as_ref() } {
            Some(b) => (b.bytes.as_ptr(), b.bytes.len() - 1),
            None => (ptr::null(), 0),
        };
        unsafe { ffi::write_len(len, n) };
        ptr
    })
}

/// Frees a buffer returned by this library. NULL is allowed (nothing happens). Pointers from
/// `su_buffer_data` are invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn su_buffer_delete(buffer: *mut su_buffer_t) {
    guard_value((), || {
        if !buffer.is_null() {
            drop(unsafe { Box::from_raw(buffer) });
        }
    })
}
