//! Command line: argument parsing, device selection, progress output, exit codes.

pub mod error;
pub mod iso;

pub use error::{CliError, ExitCode};

/// Entry point used by `main.rs`; returns the process exit code.
pub fn main() -> i32 {
    // TEMPORARY (branch iso): minimal wiring so tests can run `discrw iso ...`.
    use clap::Parser;
    #[derive(clap::Parser)]
    struct Tmp {
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        cmd: TmpCmd,
    }
    #[derive(clap::Subcommand)]
    enum TmpCmd {
        Iso {
            #[command(subcommand)]
            cmd: iso::IsoCommand,
        },
    }
    let cli = Tmp::parse();
    let TmpCmd::Iso { cmd } = &cli.cmd;
    match iso::run(cmd, cli.json) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("discrw: iso {e}");
            e.code as i32
        }
    }
}
