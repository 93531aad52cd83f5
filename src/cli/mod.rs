//! Command line (being wired up: see args.rs, device.rs, virt.rs).
pub mod error;
pub mod progress;
pub mod signals;
pub use error::{CliError, ExitCode};
/// Entry point used by `main.rs`; returns the process exit code.
pub fn main() -> i32 {
    0
}
