//! The subcommands, one module each, and what they share: exit codes and failures.

pub mod validate;

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use systemuser_host::{locate_component, HostError, Runtime};

/// The exit statuses every subcommand uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done, and the answer is yes (valid, found, approved).
    Ok = 0,
    /// Done, and the answer is no (invalid input, refused).
    No = 1,
    /// Bad usage: an argument, or a file that cannot be read or decoded.
    Usage = 2,
    /// The component or the host failed (a trap, an instance that cannot start).
    Internal = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Why a command could not give an answer: printed on stderr, then the process exits.
#[derive(Debug)]
pub struct Failure {
    pub code: Exit,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure { code: Exit::Usage, message: message.into() }
    }
}

impl From<HostError> for Failure {
    fn from(err: HostError) -> Self {
        let code = match err {
            HostError::ComponentMissing { .. } | HostError::Load(_) | HostError::Decode { .. } | HostError::Token(_) => Exit::Usage,
            HostError::Instantiate(_) | HostError::Trap { .. } => Exit::Internal,
        };
        let message = match &err {
            // One line per problem reads better than the joined summary.
            HostError::Decode { document, violations, .. } if !violations.is_empty() => {
                let mut message = format!("cannot decode the {document}:");
                for v in violations {
                    let field = systemuser_host::convert::field_or_body(&v.field);
                    message.push_str(&format!("\n  ✗ {field}: {} [{}]", v.message, v.code));
                }
                message
            }
            other => other.to_string(),
        };
        Failure { code, message }
    }
}

/// Loads the component named on the command line or found by `locate_component`.
pub fn load_runtime(component: Option<&Path>) -> Result<Runtime, Failure> {
    let path = locate_component(component)?;
    Ok(Runtime::load(path)?)
}

/// Reads a file named on the command line; `-` is standard input.
pub fn read_input(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| Failure::usage(format!("cannot read the {what} from standard input: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read the {what} file {}: {e}", path.display())))
}
