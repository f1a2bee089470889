//! `su_error_t`: what went wrong in a call of the library itself (the component's own typed
//! errors come inside a `done` step). A kind from a fixed list and a message; neither ever
//! holds a token, an assertion, a signature or key material.

use std::ptr;

use systemuser_host::HostError;

use crate::ffi::{self, guard_value};

/// The kinds of error of the library's own functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A NULL pointer, bytes that are not UTF-8 JSON, a document that does not match the
    /// schema or has another `v`.
    InvalidArgument,
    /// The component cannot be read or compiled.
    Load,
    /// A trap, or an instance that cannot start: the session is dropped.
    Component,
    /// An answer that does not fit the step, a call out of order, a concurrent call.
    Misuse,
    /// A panic inside the library (a bug).
    Panic,
}

impl Kind {
    /// The kind's name, NUL-terminated (the NUL is not part of the name).
    fn name(self) -> &'static [u8] {
        match self {
            Kind::InvalidArgument => b"invalid-argument\0",
            Kind::Load => b"load\0",
            Kind::Component => b"component\0",
            Kind::Misuse => b"misuse\0",
            Kind::Panic => b"panic\0",
        }
    }
}

/// An error of the library. Owned by the caller, freed with `su_error_delete`.
pub struct su_error_t {
    kind: Kind,
    /// UTF-8 text followed by one NUL that is not part of it.
    message: Vec<u8>,
}

impl su_error_t {
    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Self {
        let mut message = message.into().into_bytes();
        // Our messages never hold a NUL; if one ever did, C would see a shorter string only.
        message.push(0);
        su_error_t { kind, message }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(Kind::InvalidArgument, message)
    }

    pub(crate) fn misuse(message: impl Into<String>) -> Self {
        Self::new(Kind::Misuse, message)
    }

    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    pub(crate) fn message(&self) -> &str {
        std::str::from_utf8(&self.message[..self.message.len() - 1]).unwrap_or("")
    }

    pub(crate) fn into_raw(self) -> *mut su_error_t {
        Box::into_raw(Box::new(self))
    }
}

impl std::fmt::Debug for su_error_t {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message())
    }
}

impl From<HostError> for su_error_t {
    fn from(err: HostError) -> Self {
        let kind = match err {
            HostError::ComponentMissing { .. } | HostError::Load(_) => Kind::Load,
            HostError::Decode { .. } | HostError::Token(_) => Kind::InvalidArgument,
            HostError::Instantiate(_) | HostError::Trap { .. } => Kind::Component,
        };
        su_error_t::new(kind, err.to_string())
    }
}

/// The kind of `error`: one of `invalid-argument`, `load`, `component`, `misuse`, `panic`.
/// Writes its length in bytes to `*len` (when `len` is not NULL) and returns a pointer to it,
/// followed by a NUL that is not counted. The text is static: it outlives `error`. With a
/// NULL `error`: returns NULL and writes 0.
#[no_mangle]
pub unsafe extern "C" fn su_error_kind(error: *const su_error_t, len: *mut usize) -> *const u8 {
    guard_value(ptr::null(), || {
        let (ptr, n) = match unsafe { error.as_ref() } {
            Some(e) => {
                let name = e.kind.name();
                (name.as_ptr(), name.len() - 1)
            }
            None => (ptr::null(), 0),
        };
        unsafe { ffi::write_len(len, n) };
        ptr
    })
}

/// What went wrong, as a sentence for people that says what to do (UTF-8). Writes its length
/// to `*len` (when `len` is not NULL) and returns a pointer to it, followed by a NUL that is
/// not counted. Borrowed from `error`: valid until `su_error_delete(error)`. With a NULL
/// `error`: returns NULL and writes 0.
#[no_mangle]
pub unsafe extern "C" fn su_error_message(error: *const su_error_t, len: *mut usize) -> *const u8 {
    guard_value(ptr::null(), || {
        let (ptr, n) = match unsafe { error.as_ref() } {
            Some(e) => (e.message.as_ptr(), e.message.len() - 1),
            None => (ptr::null(), 0),
        };
        unsafe { ffi::write_len(len, n) };
        ptr
    })
}

/// Frees an error returned by any function of this library. NULL is allowed (nothing
/// happens). The error's kind and message pointers are invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn su_error_delete(error: *mut su_error_t) {
    guard_value((), || {
        if !error.is_null() {
            drop(unsafe { Box::from_raw(error) });
        }
    })
}

/// Panics inside the library and returns the error that panic becomes (kind `panic`), so a
/// binding's tests can check it survives one. The caller frees it with `su_error_delete`.
/// Any thread. The panic's message may be printed on stderr by Rust's panic hook.
#[no_mangle]
pub extern "C" fn su_test_panic() -> *mut su_error_t {
    ffi::guard("su_test_panic", || -> Result<(), su_error_t> { panic!("su_test_panic: a deliberate panic for bindings' tests") })
}
