//! The subcommands, one module each, and what they share: global options, exit codes,
//! failures, and the client every talking command uses.

pub mod change;
pub mod clients;
pub mod demo;
pub mod output;
pub mod request;
pub mod status;
pub mod system;
pub mod token;
pub mod users;
pub mod validate;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Value};
use systemuser_host::convert::{describe_error, field_or_body};
use systemuser_host::wit::{self, Environment};
use systemuser_host::{
    custom_environment, default_cache_dir, locate_component, Capabilities, Client, ClientError, HostError, NoToken, RsaSigner, Runtime,
    RuntimeConfig, StaticToken, UreqTransport,
};

/// The exit statuses every subcommand uses (documented in `systemuser --help` and the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done, and the answer is yes (valid, created, found, approved).
    Ok = 0,
    /// Done, and the answer is no: invalid input, Altinn refused, not found, the customer
    /// rejected, a request that must be withdrawn first.
    No = 1,
    /// Bad usage: an argument, or a file that cannot be read or decoded.
    Usage = 2,
    /// The component or the host failed (a trap, an instance that cannot start).
    Internal = 3,
    /// Could not tell: Altinn could not be reached or would not answer (connection, timeout,
    /// the deadline, rate-limited 429, failing 5xx), no token or a refused token (401/403), an
    /// answer that cannot be understood. Trying again later may give the answer.
    Transport = 4,
    /// `status --watch` gave up: no final status before `--timeout`.
    WatchTimeout = 5,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Why a command could not give its answer: printed on stderr (and, with `--json`, as
/// `{"ok": false, "error": …}` on stdout), then the process exits with `code`.
#[derive(Debug)]
pub struct Failure {
    pub code: Exit,
    pub message: String,
    /// What to do about it, when there is something to say.
    pub hint: Option<String>,
    /// The error as JSON (`kind`, `status`, `code`, `message`, `violations`), for `--json`.
    pub json: Option<Value>,
}

impl Failure {
    pub fn new(code: Exit, message: impl Into<String>) -> Self {
        Failure { code, message: message.into(), hint: None, json: None }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(Exit::Usage, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The Altinn problem code, when the failure carries one (e.g. `AUTH-00004`).
    pub fn altinn_code(&self) -> Option<&str> {
        self.json.as_ref()?.get("code")?.as_str()
    }

    /// Prints the failure: stderr for people; with `--json` also `{"ok": false, …}` on stdout,
    /// except for usage errors (exit 2), which leave stdout empty.
    /// The component's and the library's words become the CLI's ([`cli_words`]) here, for
    /// stderr and for the JSON `message` alike.
    pub fn report(&self, json: bool) {
        let message = cli_words(&self.message);
        let hint = self.hint.as_deref().map(cli_words);
        if json && self.code != Exit::Usage {
            let mut error = self.json.clone().unwrap_or_else(|| json!({"kind": kind_of_exit(self.code), "message": message}));
            if let Some(obj) = error.as_object_mut() {
                if let Some(Value::String(m)) = obj.get_mut("message") {
                    *m = cli_words(m);
                }
                if let Some(hint) = &hint {
                    obj.insert("hint".into(), Value::String(hint.clone()));
                }
            }
            println!("{}", json!({"ok": false, "exitCode": self.code as u8, "error": error}));
        }
        eprintln!("error: {message}");
        if let Some(hint) = &hint {
            eprintln!("hint: {hint}");
        }
    }
}

/// The component speaks of its configuration in WIT's names (`config.maskinporten.client-id`),
/// which a CLI user never sees: each becomes the flag that sets it.
const CLI_WORDS: [(&str, &str); 5] = [
    ("config.maskinporten.client-id", "--client-id"),
    ("config.maskinporten.key-id", "--kid"),
    ("config deadline-ms", "--deadline"),
    ("config.deadline-ms", "--deadline"),
    ("config.maskinporten", "--key and --client-id"),
];

/// `text` with the component's configuration names replaced by the CLI's flags.
pub fn cli_words(text: &str) -> String {
    let mut text = text.to_string();
    for (wit, flag) in CLI_WORDS {
        text = text.replace(wit, flag);
    }
    text
}

fn kind_of_exit(code: Exit) -> &'static str {
    match code {
        Exit::Ok => "ok",
        Exit::No => "refused",
        Exit::Usage => "usage",
        Exit::Internal => "component",
        Exit::Transport => "transport",
        Exit::WatchTimeout => "watch-timeout",
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
                    let field = field_or_body(&v.field);
                    message.push_str(&format!("\n  ✗ {field}: {} [{}]", v.message, v.code));
                }
                message
            }
            other => other.to_string(),
        };
        Failure::new(code, message)
    }
}

impl From<ClientError> for Failure {
    fn from(err: ClientError) -> Self {
        match err {
            ClientError::Host(e) => e.into(),
            ClientError::Altinn(e) => from_altinn(&e),
        }
    }
}

/// The component's typed error as a failure: exit code, a sentence, a hint, and JSON.
pub fn from_altinn(e: &wit::Error) -> Failure {
    use wit::Error as E;
    let (code, kind, hint) = match e {
        E::Validation(_) => (Exit::No, "validation", Some("nothing was sent; fix the input and try again".to_string())),
        E::Altinn(_) => (Exit::No, "altinn", None),
        E::NotFound(_) => (Exit::No, "not-found", None),
        E::Conflict(_) => (Exit::No, "conflict", None),
        E::Unauthorized(_) => (
            Exit::Transport,
            "unauthorized",
            Some("Altinn did not accept the token: it may have expired or be for another environment".to_string()),
        ),
        E::Forbidden(_) => (Exit::Transport, "forbidden", Some("the token lacks the scope this operation needs".to_string())),
        E::Transport(_) => (Exit::Transport, "transport", Some("check --env / --base-url and your network".to_string())),
        E::Unavailable(o) => (
            Exit::Transport,
            "unavailable",
            Some(match o.retry_after_seconds {
                Some(s) => format!("Altinn could not answer now (this is not a \"no\"); try again in {s} s or later"),
                None => "Altinn could not answer now (this is not a \"no\"); try again later".to_string(),
            }),
        ),
        E::Misuse(_) => (Exit::Internal, "misuse", None),
        E::Token(_) => (
            Exit::Transport,
            "token",
            Some(
                "pass --key FILE --client-id ID (the component then gets its own tokens), or a token in SYSTEMUSER_TOKEN / --token-file"
                    .to_string(),
            ),
        ),
        E::InvalidResponse(_) => (Exit::Transport, "invalid-response", None),
        // The component's message already says what to fix for each MP code. MP-303 is an
        // answer (no system user for that customer and external ref); the rest is set-up.
        E::Maskinporten(p) if p.code.as_deref() == Some("MP-303") => (Exit::No, "maskinporten", None),
        E::Maskinporten(_) => (Exit::Transport, "maskinporten", None),
    };
    let message = match e {
        E::Validation(violations) => {
            let mut message = format!("validation failed ({} violation{}):", violations.len(), plural(violations.len()));
            for v in violations {
                message.push_str(&format!("\n  ✗ {}: {} [{}]", field_or_body(&v.field), v.message, v.code));
            }
            message
        }
        other => describe_error(other),
    };
    let mut failure = Failure::new(code, message);
    failure.hint = hint;
    // `kind` is the error's WIT case name, the one `error_json` writes.
    debug_assert_eq!(kind, systemuser_host::json::error_kind(e));
    failure.json = Some(output::error_json(e));
    failure
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Which Altinn environment (`--env`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvName {
    Production,
    Tt02,
    At22,
    At23,
    At24,
    Yt01,
}

/// The options every command takes (before or after the subcommand).
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The component file [default: $SYSTEMUSER_COMPONENT, else
    /// target/wasm/altinn_systemuser.wasm here or beside the executable's target/]
    #[arg(long, global = true, value_name = "PATH")]
    pub component: Option<PathBuf>,

    /// The Altinn environment [default: $SYSTEMUSER_ENV, else tt02]
    #[arg(long, global = true, value_enum, value_name = "ENV", conflicts_with = "base_url")]
    pub env: Option<EnvName>,

    /// A custom environment (e.g. the simulator, `http://127.0.0.1:5101`): platform, confirm
    /// page and Maskinporten all on this origin [default: $SYSTEMUSER_BASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,

    /// A file holding the Maskinporten access token [default: $SYSTEMUSER_TOKEN]
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "key")]
    pub token_file: Option<PathBuf>,

    /// The vendor's Maskinporten key (PEM or JWK): the component then gets every token itself
    /// with signed grants [default: $SYSTEMUSER_KEY_FILE]
    #[arg(long, global = true, value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// The key's id as registered on the Maskinporten client [default: $SYSTEMUSER_KID, else a
    /// JWK's own kid]
    #[arg(long, global = true, value_name = "KID")]
    pub kid: Option<String>,

    /// The Maskinporten client id the grants are for [default: $SYSTEMUSER_CLIENT_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,

    /// The most one Altinn operation may take, retries and waits included; a dead or
    /// trickling server costs no more than this [default: 60]
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub deadline: Option<u32>,

    /// Machine-readable output: one JSON document on stdout (errors as {"ok": false, "error": …})
    #[arg(long, global = true)]
    pub json: bool,
}

impl Global {
    /// Fills `--base-url` / `--env` from `$SYSTEMUSER_BASE_URL` / `$SYSTEMUSER_ENV` when neither
    /// flag was given (a flag always wins over both variables), so that everything after this,
    /// the hints included, sees the environment in force. Both variables set (and no flag) is
    /// bad usage, as both flags are.
    pub fn resolve_environment(&mut self) -> Result<(), Failure> {
        if self.base_url.is_some() || self.env.is_some() {
            return Ok(());
        }
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        match (var(BASE_URL_ENV), var(ENV_ENV)) {
            (Some(_), Some(_)) => Err(Failure::usage(format!(
                "{BASE_URL_ENV} and {ENV_ENV} are both set: unset one, or pass --base-url or --env (a flag wins over both)"
            ))),
            (Some(url), None) => {
                self.base_url = Some(url);
                Ok(())
            }
            (None, Some(name)) => {
                let env = <EnvName as clap::ValueEnum>::from_str(&name, true).map_err(|_| {
                    Failure::usage(format!("{ENV_ENV}={name:?} names no environment: one of production, tt02, at22, at23, at24, yt01"))
                })?;
                self.env = Some(env);
                Ok(())
            }
            (None, None) => Ok(()),
        }
    }

    /// The environment named by `--base-url` or `--env` (tt02 when neither is given).
    pub fn environment(&self) -> Result<Environment, Failure> {
        if let Some(url) = &self.base_url {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.len() < 10 {
                return Err(Failure::usage(format!(
                    "--base-url (or {BASE_URL_ENV}) must be an absolute http(s) URL, e.g. http://127.0.0.1:5101 (got {url:?})"
                )));
            }
            return Ok(custom_environment(url));
        }
        Ok(match self.env.unwrap_or(EnvName::Tt02) {
            EnvName::Production => Environment::Production,
            EnvName::Tt02 => Environment::Tt02,
            EnvName::At22 => Environment::At22,
            EnvName::At23 => Environment::At23,
            EnvName::At24 => Environment::At24,
            EnvName::Yt01 => Environment::Yt01,
        })
    }

    /// `systemuser` followed by the global options given on this command line that say where and
    /// as whom it runs (component, environment or base URL, token file, key, kid, client id,
    /// deadline; `--env` / `--base-url` also when they came from `$SYSTEMUSER_ENV` /
    /// `$SYSTEMUSER_BASE_URL`, see `resolve_environment`), shell-quoted: the start of a command a hint tells the user to run next, so
    /// that pasting it talks to the same Altinn the same way. Never a token: a token file is
    /// named, a token in `$SYSTEMUSER_TOKEN` stays there.
    pub fn invocation(&self) -> String {
        let mut words = vec!["systemuser".to_string()];
        let mut add = |flag: &str, value: &str| {
            words.push(flag.to_string());
            words.push(shell_word(value));
        };
        if let Some(path) = &self.component {
            add("--component", &path.to_string_lossy());
        }
        if let Some(env) = self.env {
            add("--env", clap::ValueEnum::to_possible_value(&env).map(|v| v.get_name().to_string()).unwrap_or_default().as_str());
        }
        if let Some(url) = &self.base_url {
            add("--base-url", url);
        }
        if let Some(file) = &self.token_file {
            add("--token-file", &file.to_string_lossy());
        }
        if let Some(key) = &self.key {
            add("--key", &key.to_string_lossy());
        }
        if let Some(kid) = &self.kid {
            add("--kid", kid);
        }
        if let Some(client_id) = &self.client_id {
            add("--client-id", client_id);
        }
        if let Some(seconds) = self.deadline {
            add("--deadline", &seconds.to_string());
        }
        words.join(" ")
    }

    /// The Maskinporten key file: `--key`, else `$SYSTEMUSER_KEY_FILE`.
    pub fn key_file(&self) -> Option<PathBuf> {
        self.key.clone().or_else(|| std::env::var_os(KEY_FILE_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
    }

    /// A client with real HTTP: with a key (`--key` or `$SYSTEMUSER_KEY_FILE`) it gets its own
    /// tokens from Maskinporten; else it uses the token from `--token-file` or
    /// `$SYSTEMUSER_TOKEN` (none at all: every call that needs one fails with exit 4 and says
    /// how to give one).
    pub fn client(&self) -> Result<(Runtime, Client), Failure> {
        let (runtime, client) = self.client_without_deadline()?;
        let mut config = client.config().clone();
        if let Some(seconds) = self.deadline {
            config.deadline_ms = seconds * 1000;
            // No single exchange may outlast the whole operation.
            config.timeout_ms = config.timeout_ms.min(config.deadline_ms);
        }
        Ok((runtime, client.with_config(config)))
    }

    fn client_without_deadline(&self) -> Result<(Runtime, Client), Failure> {
        let environment = self.environment()?;
        let http = UreqTransport::new();
        if let Some(key) = self.key_file() {
            if self.token_file.is_some() {
                return Err(Failure::usage("give either a key (--key / $SYSTEMUSER_KEY_FILE) or a token (--token-file), not both"));
            }
            let client_id = self.client_id.clone().or_else(|| std::env::var(CLIENT_ID_ENV).ok().filter(|v| !v.is_empty()));
            let client_id = client_id
                .ok_or_else(|| Failure::usage("a Maskinporten key needs the client id: pass --client-id or set SYSTEMUSER_CLIENT_ID"))?;
            let kid = self.kid.clone().or_else(|| std::env::var(KID_ENV).ok().filter(|v| !v.is_empty()));
            let signer = RsaSigner::from_file(&key, kid.as_deref())?;
            let runtime = load_runtime(self.component.as_deref())?;
            let config = systemuser_host::config_with_maskinporten(environment, &client_id, signer.key_identity());
            let client = Client::new(runtime.clone(), Capabilities::with_key(http, signer), config);
            return Ok((runtime, client));
        }
        let caps = match &self.token_file {
            // A file that cannot be read is unreadable input: exit 2.
            Some(file) => Capabilities::new(http, StaticToken::from_file(file)?),
            None => match StaticToken::from_env() {
                Ok(Some(token)) => Capabilities::new(http, token),
                Ok(None) => Capabilities::new(http, NoToken),
                Err(e) => {
                    // `e` reads "token: SYSTEMUSER_TOKEN: <why>".
                    return Err(Failure::new(Exit::Transport, format!("no usable {e}"))
                        .with_hint("put one Maskinporten access token in SYSTEMUSER_TOKEN, or pass --token-file FILE"));
                }
            },
        };
        let runtime = load_runtime(self.component.as_deref())?;
        let client = Client::new(runtime.clone(), caps, systemuser_host::config(environment));
        Ok((runtime, client))
    }
}

/// `text` as one shell word: as it is when it holds only characters no shell treats specially,
/// else in single quotes.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

const KEY_FILE_ENV: &str = "SYSTEMUSER_KEY_FILE";
const BASE_URL_ENV: &str = "SYSTEMUSER_BASE_URL";
const ENV_ENV: &str = "SYSTEMUSER_ENV";
const KID_ENV: &str = "SYSTEMUSER_KID";
const CLIENT_ID_ENV: &str = "SYSTEMUSER_CLIENT_ID";

/// Loads the component named on the command line or found by `locate_component`, compiled
/// once into the user's cache (`default_cache_dir`: `$SYSTEMUSER_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/altinn-systemuser` or `~/.cache/altinn-systemuser`) and loaded from there
/// on the next start: milliseconds instead of a compilation.
pub fn load_runtime(component: Option<&Path>) -> Result<Runtime, Failure> {
    let path = locate_component(component)?;
    let config = RuntimeConfig { cache_dir: default_cache_dir(), ..RuntimeConfig::default() };
    Ok(Runtime::load_with(path, config)?)
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
