//! `su_runtime_t`: the component compiled once (or loaded from the cache), shared by clients.

use std::path::PathBuf;

use systemuser_host::{Runtime, RuntimeConfig};

use crate::documents::runtime_options;
use crate::error::su_error_t;
use crate::ffi::{bytes, give, guard, guard_value, out_param};

/// The compiled component. Owned by the caller, freed with `su_runtime_delete`; clients made
/// from it keep what they need, so it may be freed before them. Any thread may use it.
pub struct su_runtime_t {
    pub(crate) runtime: Runtime,
}

fn config(options: &[u8]) -> Result<RuntimeConfig, su_error_t> {
    let options = runtime_options(options)?;
    Ok(RuntimeConfig {
        pooling: options.pooling.unwrap_or(false),
        cache_dir: options.cache_dir.map(PathBuf::from),
        ..RuntimeConfig::default()
    })
}

#[cfg(unix)]
fn path_from(bytes: &[u8]) -> Result<PathBuf, su_error_t> {
    use std::os::unix::ffi::OsStrExt;
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn path_from(bytes: &[u8]) -> Result<PathBuf, su_error_t> {
    std::str::from_utf8(bytes).map(PathBuf::from).map_err(|_| su_error_t::invalid("the path is not UTF-8"))
}

/// Reads and compiles the component file at `path` (`path_len` bytes, not NUL-terminated;
/// the operating system's bytes on Unix, UTF-8 elsewhere). `options` is a `runtimeOptions`
/// document (`options_len` bytes), or empty (NULL and 0) for the defaults. With `cacheDir` the
/// compiled component is kept in that directory (which must be trusted: it holds machine code)
/// and loaded from it next time. On success writes a new runtime to `*runtime`, which the
/// caller frees with `su_runtime_delete`. Errors: `invalid-argument`, `load`. Any thread.
#[no_mangle]
pub unsafe extern "C" fn su_runtime_load(
    path: *const u8,
    path_len: usize,
    options: *const u8,
    options_len: usize,
    runtime: *mut *mut su_runtime_t,
) -> *mut su_error_t {
    guard("su_runtime_load", || {
        out_param(runtime, "runtime")?;
        let path = unsafe { bytes(path, path_len, "path") }?;
        if path.is_empty() {
            return Err(su_error_t::invalid("path is empty"));
        }
        let config = config(unsafe { bytes(options, options_len, "options") }?)?;
        let loaded = Runtime::load_with(path_from(path)?, config)?;
        unsafe { give(runtime, su_runtime_t { runtime: loaded }) };
        Ok(())
    })
}

/// The same as `su_runtime_load` from the component's bytes in memory (`wasm`, `wasm_len`;
/// e.g. read from a jar), borrowed for the call only.
#[no_mangle]
pub unsafe extern "C" fn su_runtime_from_bytes(
    wasm: *const u8,
    wasm_len: usize,
    options: *const u8,
    options_len: usize,
    runtime: *mut *mut su_runtime_t,
) -> *mut su_error_t {
    guard("su_runtime_from_bytes", || {
        out_param(runtime, "runtime")?;
        let wasm = unsafe { bytes(wasm, wasm_len, "wasm") }?;
        if wasm.is_empty() {
            return Err(su_error_t::invalid("wasm is empty"));
        }
        let config = config(unsafe { bytes(options, options_len, "options") }?)?;
        let loaded = Runtime::from_bytes_with(wasm, config)?;
        unsafe { give(runtime, su_runtime_t { runtime: loaded }) };
        Ok(())
    })
}

/// Frees a runtime. NULL is allowed. Clients made from it keep working.
#[no_mangle]
pub unsafe extern "C" fn su_runtime_delete(runtime: *mut su_runtime_t) {
    guard_value((), || {
        if !runtime.is_null() {
            drop(unsafe { Box::from_raw(runtime) });
        }
    })
}
