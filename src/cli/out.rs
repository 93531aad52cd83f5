//! Standard output for every command.
//!
//! Rust ignores SIGPIPE, so a write to a pipe whose reader is gone (`discrw iso ls IMG | head`)
//! fails with EPIPE, and `println!` panics on it. Everything `cli` prints on standard output
//! goes through [`print`] (via [`outln!`](crate::outln)) instead: a closed pipe becomes
//! [`CliError::stdout_closed`], which [`super::main`] ends with exit status 141 (128 + SIGPIPE,
//! what a shell reports for a program killed by SIGPIPE) and no message; any other write error
//! becomes a one-line error.
//!
//! Jobs print progress on standard error, and the JSON progress lines they send to standard
//! output ignore write errors (see `progress.rs`): a closed standard output never stops a
//! burn or a rip. Only the summary printed after the job has ended can hit it.

use super::error::CliError;
use std::io::{self, Write};

/// Write formatted text to standard output and flush it, so that a closed pipe is seen here
/// and not at exit.
pub fn print(args: std::fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut o = io::stdout().lock();
    o.write_fmt(args).and_then(|()| o.flush()).map_err(|e| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::stdout_closed()
        } else {
            CliError::failure(format!("cannot write to standard output: {e}"))
        }
    })
}

/// `println!` that returns `Result<(), CliError>` instead of panicking; use it with `?`.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::out::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Print a serializable value as one JSON document.
pub fn print_json<T: serde::Serialize>(v: &T) -> Result<(), CliError> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| CliError::failure(format!("cannot encode JSON: {e}")))?;
    crate::outln!("{s}")
}

/// Print a serializable value as one JSON line (a JSON Lines stream: events of a service).
pub fn print_json_line<T: serde::Serialize>(v: &T) -> Result<(), CliError> {
    let s = serde_json::to_string(v)
        .map_err(|e| CliError::failure(format!("cannot encode JSON: {e}")))?;
    crate::outln!("{s}")
}
