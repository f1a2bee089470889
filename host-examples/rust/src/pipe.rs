//! Writing to stdout and stderr without panicking when the reader has gone away.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with `BrokenPipe`, and std's
//! `println!` turns that into a panic with a backtrace. The CLI's own `println!` (in `main.rs`)
//! comes here instead: a closed pipe ends the process at once, silently, with [`CLOSED_PIPE`];
//! any other write error is reported once on stderr (exit 3).

use std::fmt::Arguments;
use std::io::{self, Write};

/// The exit status when stdout (or stderr) was closed by its reader: 128 + SIGPIPE (13), what a
/// shell shows for a program a closed pipe stopped (`set -o pipefail` sees it as with `cat`).
pub const CLOSED_PIPE: i32 = 141;

pub fn out(args: Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args) {
        fail(&e, "stdout");
    }
}

pub fn err(args: Arguments<'_>) {
    let mut stderr = io::stderr().lock();
    if let Err(e) = stderr.write_fmt(args) {
        fail(&e, "stderr");
    }
}

fn fail(e: &io::Error, stream: &str) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(CLOSED_PIPE);
    }
    // Nothing more can be said on a stream that fails; try the other one once.
    let _ = writeln!(io::stderr(), "error: cannot write to {stream}: {}", e.kind());
    std::process::exit(3)
}
