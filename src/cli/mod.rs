//! Command line: argument parsing, device selection, progress output, exit codes.

pub mod error;

pub use error::{CliError, ExitCode};

/// Entry point used by `main.rs`; returns the process exit code.
pub fn main() -> i32 {
    0
}
