//! `discrw iso` (placeholder until the ISO issue lands).

#[derive(clap::Subcommand, Debug)]
pub enum IsoCommand {}

pub fn run(cmd: &IsoCommand, _json: bool) -> Result<(), crate::cli::CliError> {
    match *cmd {}
}
