//! `systemuser`: the command-line face of the component. Every check and every exchange with
//! Altinn runs inside the component (the same code every other host runs); this binary only
//! parses arguments, supplies HTTP and the token, and prints.

/// `println!` and friends for the CLI: a reader that went away (`systemuser … | head`) ends the
/// process quietly with exit status 141 (128 + SIGPIPE, what a shell reports for a program the
/// closed pipe stopped) instead of std's panic and backtrace. Declared before `mod cli` so that
/// they replace std's macros in every subcommand.
macro_rules! println {
    () => { $crate::pipe::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::pipe::out(format_args!("{}\n", format_args!($($arg)*))) };
}
#[allow(unused_macros)] // none today; one added later must not panic on a closed pipe either
macro_rules! print {
    ($($arg:tt)*) => { $crate::pipe::out(format_args!($($arg)*)) };
}
macro_rules! eprintln {
    () => { $crate::pipe::err(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::pipe::err(format_args!("{}\n", format_args!($($arg)*))) };
}
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::pipe::err(format_args!($($arg)*)) };
}

mod cli;
mod pipe;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit status:
  0  done, and the answer is yes (valid, created, found, approved)
  1  done, and the answer is no: invalid input (nothing sent), Altinn refused (e.g. AUTH-00004),
     not found, the customer rejected, a request that must be withdrawn first, a demo step failed
  2  bad usage, or a file (request, system, token, component) that cannot be read or decoded
  3  the component failed (a trap, an instance that cannot start)
  4  Altinn could not be reached or would not talk: connection, timeout, no token,
     a token refused (401/403), an answer that cannot be understood
  5  status --watch gave up: no final status before --timeout
141  stdout was closed by its reader (`systemuser … | head`): stopped quietly, as for SIGPIPE

Token: --token-file FILE, else $SYSTEMUSER_TOKEN (a Maskinporten access token with the scopes
the command needs). It is never printed.
Environment: --base-url URL or --env ENV, else $SYSTEMUSER_BASE_URL or $SYSTEMUSER_ENV (a flag
wins over both variables), else tt02. Suggested commands carry the options in force.
Compiled component cache: $SYSTEMUSER_CACHE_DIR, else $XDG_CACHE_HOME/altinn-systemuser, else
~/.cache/altinn-systemuser; SYSTEMUSER_CACHE_DIR=off compiles at every start.
With --json, stdout holds one JSON document; a failure (other than exit 2) is
{\"ok\": false, \"exitCode\": N, \"error\": {\"kind\", \"message\", …}}.";

/// Altinn system user requests for vendors: create, follow and verify them through the
/// altinn-systemuser WebAssembly component.
#[derive(Debug, Parser)]
#[command(name = "systemuser", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(flatten)]
    global: cli::Global,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create, read, list and withdraw system user requests.
    #[command(subcommand)]
    Request(cli::request::Command),

    /// Ask an approved customer to change its system user's rights and access packages (change
    /// requests): create, read, list and withdraw them.
    ///
    /// Exit status of create: 0 a change request the customer can decide (or approved), or no
    /// change needed; 1 refused (nothing sent, or Altinn said no), a correlation id used for
    /// another change, or an existing change the customer rejected (ask again with a new
    /// --correlation-id); 4 could not tell.
    #[command(subcommand)]
    Change(cli::change::Command),

    /// Where a request or change request stands; with --watch, wait (spinner) until the
    /// customer decides. Without --kind the id is looked for on the request routes, then on
    /// the change-request route.
    ///
    /// Exit status, with or without --watch: 0 Accepted (without --watch also New: the customer
    /// can still decide), 1 Rejected/Denied/timed out, 5 --watch gave up at --timeout.
    Status(cli::status::Args),

    /// Does a system user exist for this customer? Exit 0 yes, 1 no.
    Verify(cli::users::VerifyArgs),

    /// System users of a system.
    #[command(subcommand)]
    Users(cli::users::UsersCommand),

    /// The vendor's systems in Altinn's System Register: list, show, register, update, set
    /// rights or access packages, delete, changelog (needs altinn:authentication/systemregister.write).
    ///
    /// Exit status: 0 done; 1 refused (nothing sent when the component finds a rule broken, or
    /// Altinn said no: an id taken, a deleted system, not found, another vendor's system); 4
    /// could not tell (a token without the scope).
    #[command(subcommand)]
    System(cli::system::Command),

    /// An accounting bureau's clients on its agent system user, by API: list the agent system
    /// users, the clients that could be added and those delegated; add or remove clients. The
    /// token is the bureau's own klientadministrator system user's (--key and --client-id of
    /// that system's Maskinporten client, --bureau and --bureau-ref name it), exchanged for an
    /// Altinn token inside the component.
    ///
    /// Exit status: 0 done; 1 Altinn said no (not the bureau's client AUTH-00079, a client
    /// lacking a package AUTH-00080, an unknown agent system user, a client not among the
    /// bureau's), or no such system user for the bureau (MP-303); 4 could not tell (403: the
    /// bureau has not approved its klientadministrator system user, or the token is not its).
    #[command(subcommand)]
    Clients(cli::clients::Command),

    /// A Maskinporten token to act as a customer's system user (needs --key and --client-id).
    ///
    /// Exit status: 0 a token, 1 no system user for that customer and external ref (MP-303),
    /// 4 any other refusal (client, key, clock, scope: the message says what to fix).
    Token(cli::token::Args),

    /// Check a create-request body locally, with Altinn's rules; nothing is sent.
    ///
    /// Exit status: 0 valid, 1 invalid, 2 bad usage or a file that cannot be read or decoded,
    /// 3 the component failed.
    Validate(cli::validate::Args),

    /// Walk the vendor's story against a local Altinn (the simulator, in-process), from zero:
    /// register the system by API, approve, agent + clients delegated by API, reject + withdraw,
    /// refused inputs, a change request for one more access package. Exit 0 when every step
    /// behaved.
    /// No --json (a story is for people).
    Demo,
}

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2.
    let mut cli = Cli::parse();
    if let Err(failure) = cli.global.resolve_environment() {
        failure.report(cli.global.json);
        return failure.code.into();
    }
    let global = &cli.global;
    let outcome = match &cli.command {
        Command::Request(command) => cli::request::run(global, command),
        Command::Change(command) => cli::change::run(global, command),
        Command::Status(args) => cli::status::run(global, args),
        Command::Token(args) => cli::token::run(global, args),
        Command::Verify(args) => cli::users::verify(global, args),
        Command::Users(command) => cli::users::users(global, command),
        Command::System(command) => cli::system::run(global, command),
        Command::Clients(command) => cli::clients::run(global, command),
        Command::Validate(args) => cli::validate::run(global.component.as_deref(), global.json, args),
        Command::Demo => cli::demo::run(global),
    };
    match outcome {
        Ok(code) => code.into(),
        Err(failure) => {
            failure.report(global.json);
            failure.code.into()
        }
    }
}
