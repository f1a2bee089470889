//! `systemuser`: the command-line face of the component. Every check runs inside the
//! component (the same code every other host runs), never in native Rust.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Altinn system user requests, checked and (later) sent through the altinn-systemuser
/// WebAssembly component.
#[derive(Debug, Parser)]
#[command(name = "systemuser", version)]
struct Cli {
    /// The component file [default: $SYSTEMUSER_COMPONENT, else
    /// target/wasm/altinn_systemuser.wasm here or beside the executable's target/]
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a create-request body locally, with Altinn's rules; nothing is sent.
    ///
    /// Exit status: 0 valid, 1 invalid, 2 bad usage or a file that cannot be read or decoded,
    /// 3 the component failed.
    Validate(cli::validate::Args),
}

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2.
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Validate(args) => cli::validate::run(cli.component.as_deref(), &args),
    };
    match outcome {
        Ok(code) => code.into(),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            failure.code.into()
        }
    }
}
