//! Command line: argument parsing, device selection, progress output, exit codes.
//! The only layer that knows clap, indicatif, JSON and exit codes.

pub mod args;
pub mod attach;
pub mod blank;
pub mod burn;
pub mod device;
pub mod drive;
pub mod error;
pub mod info;
pub mod input;
pub mod iso;
pub mod out;
pub mod progress;
pub mod report;
pub mod rip;
pub mod signals;
pub mod verify;
pub mod virt;

pub use error::{CliError, ExitCode};

use args::{Cli, Command};
use clap::Parser;

/// Entry point used by `main.rs`; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() {
                ExitCode::Usage as i32
            } else {
                0
            };
            let _ = e.print();
            return code;
        }
    };
    let name = command_name(&cli.command);
    match run(&cli) {
        Ok(()) => 0,
        // Quiet, like a program killed by SIGPIPE: the reader went away on purpose.
        Err(e) if e.code == ExitCode::StdoutClosed => e.code as i32,
        Err(e) => {
            eprintln!("discrw: {name}: {e}");
            e.code as i32
        }
    }
}

fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Scan => "scan",
        Command::Info => "info",
        Command::Rip(_) => "rip",
        Command::Burn(_) => "burn",
        Command::Verify(_) => "verify",
        Command::Blank(_) => "blank",
        Command::Format(_) => "format",
        Command::Eject(_) => "eject",
        Command::Iso { .. } => "iso",
        Command::Virtual { .. } => "virtual",
    }
}

fn run(cli: &Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Scan => info::scan(cli),
        Command::Info => info::info(cli),
        Command::Eject(a) => info::eject(cli, a),
        Command::Iso { cmd } => iso::run(cmd, cli.json),
        Command::Virtual { cmd } => virt::run(cmd, cli.json),
        Command::Rip(a) => rip::run(cli, a),
        Command::Burn(a) => burn::run(cli, a),
        Command::Verify(a) => verify::run(cli, a),
        Command::Blank(a) => blank::blank(cli, a),
        Command::Format(a) => blank::format(cli, a),
    }
}
