//! The compiled component kept on disk, so that a process starts in milliseconds instead of
//! compiling (cranelift takes most of a second for this component).
//!
//! The file is `<dir>/<sha256 of the component>-<engine compatibility hash>.cwasm`: a new
//! component or another engine configuration (or wasmtime version) gets a new file, never a
//! stale one. It holds the precompiled artifact followed by the artifact's SHA-256, checked
//! before loading: a damaged file is compiled again, never loaded. Loading one is
//! `Component::deserialize`, which maps machine code into the process: **the directory must be trusted** (writable only by the service's own user), as a
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

/// The environment variable naming the cache directory (`off` for none).
pub const CACHE_DIR_ENV: &str = "SYSTEMUSER_CACHE_DIR";

/// The user's cache directory for compiled components, as the other hosts (Java, .NET) name
/// it: `$SYSTEMUSER_CACHE_DIR` (`off` or empty: none), else `$XDG_CACHE_HOME/altinn-systemuser`,
/// else `~/.cache/altinn-systemuser` (`~/Library/Caches/altinn-systemuser` on macOS,
/// `%LOCALAPPDATA%\altinn-systemuser\cache` on Windows); `None` when there is no home.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV) {
        if dir.is_empty() || dir == "off" {
            return None;
        }
        return Some(PathBuf::from(dir));
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("altinn-systemuser").join("cache"));
    }
    let home = var("HOME");
    if cfg!(target_os = "macos") {
        return home.map(|h| h.join("Library/Caches/altinn-systemuser"));
    }
    var("XDG_CACHE_HOME").or_else(|| home.map(|h| h.join(".cache"))).map(|d| d.join("altinn-systemuser"))
}

/// The SHA-256 of the artifact ends the file: a file cut short, or changed by a disk, a copy or a
/// hand, fails this check and is compiled again and rewritten instead of being mapped in.
const DIGEST_LEN: usize = 32;

/// The artifact in a cache file's bytes, when its trailing digest matches; `None` for a
/// damaged file.
pub(crate) fn verified(file_bytes: &[u8]) -> Option<&[u8]> {
    let split = file_bytes.len().checked_sub(DIGEST_LEN).filter(|&n| n > 0)?;
    let (artifact, digest) = file_bytes.split_at(split);
    (ring::digest::digest(&SHA256, artifact).as_ref() == digest).then_some(artifact)
}

/// The component from the cache when it holds a sound file; else compiled, written to the
/// cache (temp file, then rename: a reader never sees half a file) and used. A damaged file
/// (its digest does not match, or wasmtime refuses its header) is never loaded: the component
/// is compiled again and the file replaced. A cache that cannot be written costs a compilation
/// on every start, never a failure.
pub(crate) fn load_or_compile(engine: &Engine, bytes: &[u8], dir: &Path) -> wasmtime::Result<Component> {
    let file = cache_file(engine, bytes, dir);
    if let Ok(file_bytes) = std::fs::read(&file) {
        if let Some(artifact) = verified(&file_bytes) {
            // SAFETY: the artifact was written by `precompile_component` of an engine with the
            // same compatibility hash (the file's name), is byte for byte what was written (its
            // digest), and lives in a directory the caller trusts (see the module's docs).
            // wasmtime checks the header and refuses an artifact of another engine or version.
            if let Ok(component) = unsafe { Component::deserialize(engine, artifact) } {
                return Ok(component);
            }
        }
    }
    let mut compiled = engine.precompile_component(bytes)?;
    // SAFETY: `compiled` was produced by this engine a moment ago, in memory.
    let component = unsafe { Component::deserialize(engine, &compiled) }?;
    let digest = ring::digest::digest(&SHA256, &compiled);
    compiled.extend_from_slice(digest.as_ref());
    let _ = write_atomically(dir, &file, &compiled);
    Ok(component)
}

fn write_atomically(dir: &Path, file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Only this user may write (or read) a directory this creates: what is in it is mapped in
    // as machine code.
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let temp =
        dir.join(format!(".{}.{}-{nanos}.tmp", file.file_name().and_then(|n| n.to_str()).unwrap_or("component"), std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, file).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

#[cfg(test)]
mod tests {
    use super::{verified, DIGEST_LEN};

    #[test]
    fn only_an_artifact_with_its_own_digest_is_verified() {
        let artifact = b"precompiled bytes".to_vec();
        let mut file = artifact.clone();
        file.extend_from_slice(ring::digest::digest(&ring::digest::SHA256, &artifact).as_ref());
        assert_eq!(verified(&file), Some(&artifact[..]));
        let mut flipped = file.clone();
        flipped[3] ^= 1;
        assert_eq!(verified(&flipped), None);
        assert_eq!(verified(&file[..file.len() - 1]), None);
        assert_eq!(verified(&file[artifact.len()..]), None, "a digest alone is no artifact");
        assert_eq!(verified(&[0; DIGEST_LEN - 1]), None);
        assert_eq!(verified(&[]), None);
    }
}
