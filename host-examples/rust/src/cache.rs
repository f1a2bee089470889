//! The compiled component kept on disk, so that a process starts in milliseconds instead of
//! compiling (cranelift takes most of a second for this component).
//!
//! The file is `<dir>/<sha256 of the component>-<engine compatibility hash>.cwasm`: a new
//! component or another engine configuration (or wasmtime version) gets a new file, never a
//! stale one. Loading one is `Component::deserialize_file`, which maps machine code into the
//! process: **the directory must be trusted** (writable only by the service's own user), as a
//! file planted there runs with the process's rights.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use ring::digest::{Context, SHA256};
use wasmtime::component::Component;
use wasmtime::Engine;

/// Feeds `Hash` output into SHA-256: a stable name for the engine's compatibility hash (std's
/// `DefaultHasher` promises no stability across releases).
struct Sha256Hasher(Context);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        0 // unused: the digest is read with `Context::finish`
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where `component` compiled by `engine` is kept in `dir`.
pub(crate) fn cache_file(engine: &Engine, component: &[u8], dir: &Path) -> PathBuf {
    let component_hash = hex(ring::digest::digest(&SHA256, component).as_ref());
    let mut hasher = Sha256Hasher(Context::new(&SHA256));
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let engine_hash = hex(&hasher.0.finish().as_ref()[..16]);
    dir.join(format!("{component_hash}-{engine_hash}.cwasm"))
}

/// The component from the cache when it holds a usable file; else compiled, written to the
/// cache (temp file, then rename: a reader never sees half a file) and used. A cache that
/// cannot be written costs a compilation on every start, never a failure.
pub(crate) fn load_or_compile(engine: &Engine, bytes: &[u8], dir: &Path) -> wasmtime::Result<Component> {
    let file = cache_file(engine, bytes, dir);
    if file.is_file() {
        // SAFETY: the file was written by `precompile_component` of an engine with the same
        // compatibility hash, in a directory the caller trusts (see the module's docs).
        // wasmtime checks the header and refuses an artifact of another engine or version.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &file) } {
            return Ok(component);
        }
    }
    let compiled = engine.precompile_component(bytes)?;
    let _ = write_atomically(dir, &file, &compiled);
    // SAFETY: `compiled` was produced by this engine a moment ago, in memory.
    unsafe { Component::deserialize(engine, &compiled) }
}

fn write_atomically(dir: &Path, file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let temp =
        dir.join(format!(".{}.{}-{nanos}.tmp", file.file_name().and_then(|n| n.to_str()).unwrap_or("component"), std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, file).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}
