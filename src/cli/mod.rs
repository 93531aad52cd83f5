//! Command line (being wired up: see args.rs, device.rs, virt.rs).
pub mod error;
pub mod iso;
pub mod progress;
pub mod signals;
pub use error::{CliError, ExitCode};
/// Entry point used by `main.rs`; returns the process exit code.
pub fn main() -> i32 {
    // TEMPORARY (branch iso): minimal wiring so tests can run `discrw iso ...` until the
    // lead's dispatcher (args.rs) lands; the lead keeps main's version of this function.
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
