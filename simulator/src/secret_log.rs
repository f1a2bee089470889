//! The secret log: when `ALTINN_SIM_SECRET_LOG` names a file, every secret this simulator
//! hands out or receives is appended to it, one per line: access tokens it mints (Maskinporten
//! grant, `POST /_sim/token`, `SimHandle::mint_token`), assertions it receives on `/token`, the
//! token or assertion an `echo_token` fault quotes back, and its own token key (hex). `scripts/secret-scan.sh` then checks that none of them shows up in
//! any test output. Nothing is written when the variable is unset or empty.

use std::io::Write;
use std::sync::Mutex;

/// The environment variable naming the secret log.
pub const SECRET_LOG_ENV: &str = "ALTINN_SIM_SECRET_LOG";

static WRITE: Mutex<()> = Mutex::new(());

/// Appends `secret` (one line; line breaks in it are dropped) when the log is configured.
/// Failing to write is ignored: the scan fails on an empty log, so a broken log is noticed.
pub fn record(secret: &str) {
    let Some(path) = std::env::var_os(SECRET_LOG_ENV).filter(|p| !p.is_empty()) else { return };
    let line: String = secret.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    if line.is_empty() {
        return;
    }
    let _guard = WRITE.lock().unwrap_or_else(|p| p.into_inner());
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        // One write call per line: O_APPEND keeps lines from several processes whole.
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}
