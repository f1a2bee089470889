//! The `token` import: where Maskinporten access tokens come from.

use std::fmt;
use std::path::Path;

use crate::error::HostError;

/// The environment variable `StaticToken::from_env` reads.
pub const TOKEN_ENV: &str = "SYSTEMUSER_TOKEN";

/// Supplies access tokens to the component. Implementations must never put the token in an
/// error message, a log line or a `Debug` output.
pub trait TokenSource: Send + Sync {
    /// A token carrying at least `scopes`, or a sentence saying why there is none.
    fn access_token(&self, scopes: &[String]) -> Result<String, String>;
}

/// A string that is never printed: `Debug` and `Display` show only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself; call only where it is sent, never where it is shown.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What may be shown of a token (API.md §10): its first 12 characters and its length,
    /// never its signature.
    pub fn masked(&self) -> String {
        format!("{}… ({} characters, the rest hidden)", self.0.chars().take(12).collect::<String>(), self.0.chars().count())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.0.len())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One token for every scope: from the environment, a file, or a string. It is up to whoever
/// obtained it that it carries the scopes the operations need (Altinn answers 403 otherwise).
#[derive(Debug, Clone)]
pub struct StaticToken(Secret);

impl StaticToken {
    /// Refuses an empty token and one with characters that cannot be in a header.
    pub fn new(token: impl Into<String>) -> Result<Self, HostError> {
        Self::checked(token.into()).map_err(HostError::Token)
    }

    /// The token trimmed, or why it cannot be one (without its value).
    fn checked(token: String) -> Result<Self, String> {
        let token = token.trim();
        if token.is_empty() {
            return Err("the token is empty".into());
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("the token holds whitespace or control characters; it must be one line with no spaces".into());
        }
        Ok(StaticToken(Secret::new(token)))
    }

    /// Reads `SYSTEMUSER_TOKEN`; `Ok(None)` when it is not set.
    pub fn from_env() -> Result<Option<Self>, HostError> {
        Self::from_env_var(TOKEN_ENV)
    }

    /// Reads the named environment variable; `Ok(None)` when it is not set.
    pub fn from_env_var(name: &str) -> Result<Option<Self>, HostError> {
        match std::env::var(name) {
            Ok(value) => Self::checked(value).map(Some).map_err(|why| HostError::Token(format!("{name}: {why}"))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(HostError::Token(format!("{name} is not valid UTF-8"))),
        }
    }

    /// Reads a file holding the token (surrounding whitespace, e.g. a final newline, is dropped).
    pub fn from_file(path: &Path) -> Result<Self, HostError> {
        // The io error names the cause ("No such file or directory"), never the contents.
        let text =
            std::fs::read_to_string(path).map_err(|e| HostError::Token(format!("cannot read the token file {}: {e}", path.display())))?;
        Self::checked(text).map_err(|why| HostError::Token(format!("{}: {why}", path.display())))
    }
}

impl TokenSource for StaticToken {
    fn access_token(&self, _scopes: &[String]) -> Result<String, String> {
        Ok(self.0.expose().to_owned())
    }
}

/// No token at all: every request for one fails with a message that says how to supply one.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoToken;

impl TokenSource for NoToken {
    fn access_token(&self, scopes: &[String]) -> Result<String, String> {
        Err(format!("no access token is configured (needed scopes: {}); set {TOKEN_ENV} or give a token file", scopes.join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_errors_never_show_the_token() {
        let token = StaticToken::new("eyJhbGciOi.secret.part\n").unwrap();
        assert!(!format!("{token:?}").contains("secret"));
        assert_eq!(token.access_token(&[]).unwrap(), "eyJhbGciOi.secret.part");

        let err = StaticToken::new("abc secret").unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn masked_shows_only_the_start() {
        assert_eq!(Secret::new("aGVhZA.Ym9keQ.c2lnbmF0dXJl").masked(), "aGVhZA.Ym9ke… (26 characters, the rest hidden)");
    }

    #[test]
    fn empty_token_is_refused() {
        assert!(StaticToken::new("  \n").is_err());
    }
}
