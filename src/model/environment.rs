//! Where a vendor talks to (API.md §2) and the client's limits.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEnvironment {
    pub platform_url: String,
    pub confirm_url: String,
    pub maskinporten_issuer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    Production,
    Tt02,
    At22,
    At23,
    At24,
    Yt01,
    Custom(CustomEnvironment),
}

impl Environment {
    /// Platform base URL without a trailing slash.
    pub fn platform_url(&self) -> String {
        match self {
            Self::Production => "https://platform.altinn.no".into(),
            Self::Tt02 => "https://platform.tt02.altinn.no".into(),
            Self::Custom(c) => c.platform_url.trim_end_matches('/').to_string(),
            other => format!("https://platform.{}.altinn.cloud", other.test_name()),
        }
    }

    /// Origin of the customer's confirm page, without a trailing slash.
    pub fn confirm_url(&self) -> String {
        match self {
            Self::Production => "https://am.ui.altinn.no".into(),
            Self::Tt02 => "https://am.ui.tt02.altinn.no".into(),
            Self::Custom(c) => c.confirm_url.trim_end_matches('/').to_string(),
            other => format!("https://am.ui.{}.altinn.cloud", other.test_name()),
        }
    }

    /// Maskinporten issuer, with its trailing slash.
    pub fn maskinporten_issuer(&self) -> String {
        match self {
            Self::Production => "https://maskinporten.no/".into(),
            Self::Tt02 => "https://test.maskinporten.no/".into(),
            Self::Custom(c) => format!("{}/", c.maskinporten_issuer.trim_end_matches('/')),
            _ => "https://maskinporten.dev/".into(),
        }
    }

    fn test_name(&self) -> &'static str {
        match self {
            Self::At22 => "at22",
            Self::At23 => "at23",
            Self::At24 => "at24",
            Self::Yt01 => "yt01",
            _ => "",
        }
    }
}

/// How Maskinporten finds the public key: the header's `kid`, or an `x5c` certificate chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyIdentity {
    KeyId(String),
    CertificateChain(Vec<String>),
}

/// The vendor's Maskinporten client, when the component gets its tokens itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskinportenClient {
    pub client_id: String,
    pub resource: Option<String>,
    pub key: KeyIdentity,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub environment: Environment,
    /// Per HTTP exchange: connect, headers and body together.
    pub timeout_ms: u32,
    /// Per operation (per page of a list of all pages); 0: none.
    pub deadline_ms: u32,
    pub retry_budget: u32,
    pub backoff_ms: u32,
    pub maskinporten: Option<MaskinportenClient>,
}

impl Config {
    /// The defaults every host starts from: 30 s an exchange, 60 s an operation (so a dead
    /// server costs a minute, not four timeouts), 3 retries, back-off from 200 ms.
    pub fn new(environment: Environment) -> Self {
        Config { environment, timeout_ms: 30_000, deadline_ms: 60_000, retry_budget: 3, backoff_ms: 200, maskinporten: None }
    }
}
