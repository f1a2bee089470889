//! Safe wrappers over the exported functions, called exactly as a C binding calls them.

use std::path::Path;
use std::ptr;

use serde_json::Value;
use systemuser::*;

use super::schema;

/// A library error, read through `su_error_kind` / `su_error_message` and freed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbiError {
    pub kind: String,
    pub message: String,
}

fn text(ptr: *const u8, len: usize) -> String {
    assert!(!ptr.is_null(), "an accessor returned NULL for a live error");
    // SAFETY: the library returned `len` bytes at `ptr`, followed by a NUL.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len + 1) };
    assert_eq!(bytes[len], 0, "the text is not NUL-terminated");
    String::from_utf8(bytes[..len].to_vec()).expect("UTF-8")
}

/// `Ok(())` for NULL, else the error's kind and message (the error is freed).
pub fn take(error: *mut su_error_t) -> Result<(), AbiError> {
    if error.is_null() {
        return Ok(());
    }
    let (mut kind_len, mut message_len) = (0usize, 0usize);
    let kind = text(unsafe { su_error_kind(error, &mut kind_len) }, kind_len);
    let message = text(unsafe { su_error_message(error, &mut message_len) }, message_len);
    unsafe { su_error_delete(error) };
    assert!(["invalid-argument", "load", "component", "misuse", "panic"].contains(&kind.as_str()), "unknown kind {kind}");
    Err(AbiError { kind, message })
}

/// The document in a buffer, freed; checked against `def`.
pub fn read_buffer(buffer: *mut su_buffer_t, def: &str) -> Value {
    let mut len = 0usize;
    let data = unsafe { su_buffer_data(buffer, &mut len) };
    let text = text(data, len);
    unsafe { su_buffer_delete(buffer) };
    let doc: Value = serde_json::from_str(&text).expect("the library returns JSON");
    schema::check(def, &doc);
    doc
}

#[derive(Debug)]
pub struct Runtime(pub *mut su_runtime_t);

// SAFETY: ABI.md: a runtime may be used from any thread.
unsafe impl Send for Runtime {}
unsafe impl Sync for Runtime {}

impl Runtime {
    pub fn load(path: &Path, options: &str) -> Result<Runtime, AbiError> {
        if !options.is_empty() {
            schema::check("runtimeOptions", &serde_json::from_str(options).unwrap());
        }
        Self::load_raw(path, options)
    }

    /// Without the schema check: for options the library must refuse.
    pub fn load_raw(path: &Path, options: &str) -> Result<Runtime, AbiError> {
        let path = path.as_os_str().as_encoded_bytes();
        let mut out = ptr::null_mut();
        take(unsafe { su_runtime_load(path.as_ptr(), path.len(), options.as_ptr(), options.len(), &mut out) })?;
        assert!(!out.is_null());
        Ok(Runtime(out))
    }

    pub fn from_bytes(wasm: &[u8], options: &str) -> Result<Runtime, AbiError> {
        let mut out = ptr::null_mut();
        take(unsafe { su_runtime_from_bytes(wasm.as_ptr(), wasm.len(), options.as_ptr(), options.len(), &mut out) })?;
        Ok(Runtime(out))
    }

    pub fn client(&self, config: &Value) -> Result<Client, AbiError> {
        schema::check("config", config);
        Client::new_raw(self, &config.to_string())
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        unsafe { su_runtime_delete(self.0) }
    }
}

#[derive(Debug)]
pub struct Client(pub *mut su_client_t);

// SAFETY: ABI.md: a client is shared by any number of threads.
unsafe impl Send for Client {}
unsafe impl Sync for Client {}

impl Client {
    /// Without the schema check: for documents the library must refuse.
    pub fn new_raw(runtime: &Runtime, config: &str) -> Result<Client, AbiError> {
        let mut out = ptr::null_mut();
        take(unsafe { su_client_new(runtime.0, config.as_ptr(), config.len(), &mut out) })?;
        Ok(Client(out))
    }

    pub fn validate(&self, doc: &Value) -> Result<Value, AbiError> {
        schema::check("validate", doc);
        self.validate_raw(&doc.to_string())
    }

    pub fn validate_raw(&self, doc: &str) -> Result<Value, AbiError> {
        let mut out = ptr::null_mut();
        take(unsafe { su_client_validate(self.0, doc.as_ptr(), doc.len(), &mut out) })?;
        Ok(read_buffer(out, "validated"))
    }

    pub fn operation(&self, task: &Value) -> Result<Operation, AbiError> {
        schema::check("task", task);
        self.operation_raw(task.to_string())
    }

    pub fn operation_raw(&self, task: impl AsRef<[u8]>) -> Result<Operation, AbiError> {
        let task = task.as_ref();
        let mut out = ptr::null_mut();
        take(unsafe { su_operation_new(self.0, task.as_ptr(), task.len(), &mut out) })?;
        Ok(Operation(out))
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        unsafe { su_client_delete(self.0) }
    }
}

#[derive(Debug)]
pub struct Operation(pub *mut su_operation_t);

// SAFETY: ABI.md: an operation may move between threads; concurrent calls are refused.
unsafe impl Send for Operation {}
unsafe impl Sync for Operation {}

impl Operation {
    pub fn start(&self) -> Result<Value, AbiError> {
        let mut out = ptr::null_mut();
        take(unsafe { su_operation_start(self.0, &mut out) })?;
        Ok(read_buffer(out, "step"))
    }

    pub fn advance(&self, input: &Value) -> Result<Value, AbiError> {
        schema::check("input", input);
        self.advance_raw(input.to_string().as_bytes())
    }

    pub fn advance_raw(&self, input: &[u8]) -> Result<Value, AbiError> {
        let mut out = ptr::null_mut();
        take(unsafe { su_operation_advance(self.0, input.as_ptr(), input.len(), &mut out) })?;
        Ok(read_buffer(out, "step"))
    }
}

impl Drop for Operation {
    fn drop(&mut self) {
        unsafe { su_operation_delete(self.0) }
    }
}
