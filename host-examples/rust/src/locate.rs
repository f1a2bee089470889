//! Where the built component is, when nobody says.

use std::path::{Path, PathBuf};

use crate::error::HostError;

/// The environment variable naming the component file.
pub const COMPONENT_ENV: &str = "SYSTEMUSER_COMPONENT";

/// Where `cargo run -p xtask -- component` writes the component, relative to the workspace.
pub const COMPONENT_RELATIVE: &str = "target/wasm/altinn_systemuser.wasm";

/// The component file to load: `explicit`, else `$SYSTEMUSER_COMPONENT`, else
/// `target/wasm/altinn_systemuser.wasm` under the current directory, else the same file in the
/// `target/` the running executable lives in (`target/release/systemuser` → `target/wasm/…`).
pub fn locate_component(explicit: Option<&Path>) -> Result<PathBuf, HostError> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    if let Some(path) = std::env::var_os(COMPONENT_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let mut tried = vec![PathBuf::from(COMPONENT_RELATIVE)];
    if let Some(target) = std::env::current_exe().ok().and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf)) {
        tried.push(target.join("wasm/altinn_systemuser.wasm"));
    }
    if let Some(found) = tried.iter().find(|p| p.is_file()) {
        return Ok(found.clone());
    }
    let looked: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    Err(HostError::ComponentMissing { path: tried.swap_remove(0), reason: format!("not found (looked at {})", looked.join(", ")) })
}
