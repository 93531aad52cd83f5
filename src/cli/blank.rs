//! `discrw blank` (CD-RW, DVD-RW) and `discrw format` (DVD+RW, DVD-RW, BD-RE).

use super::args::{BlankArgs, Cli, FormatArgs};
use super::device::{self, DeviceSpec};
use super::drive::open_identified;
use super::error::{CliError, ExitCode};
use super::out::print_json;
use super::progress::{Mode as ProgressMode, Progress};
use crate::jobs::Cancel;
use crate::jobs::blank::{self as job, BlankError};
use crate::outln;
use crate::scsi::mmc::BlankingType;
use crate::transport::sg_io::Access;
use serde_json::json;
use std::time::Duration;

/// Longest wait for a blank or format (a full 1x CD-RW blank takes over an hour).
const MAX: Duration = Duration::from_secs(3 * 3600);

fn error(spec: &DeviceSpec, e: BlankError) -> CliError {
    let code = if e.is_media() {
        ExitCode::Media
    } else if matches!(e, BlankError::Interrupted | BlankError::LeftToDrive(_)) {
        ExitCode::Interrupted
    } else {
        ExitCode::Failure
    };
    CliError::new(code, format!("{spec}: {e}"))
}

fn run(cli: &Cli, what: &str, full: bool) -> Result<(), CliError> {
    let spec = device::resolve_one(&cli.device)?;
    let cancel = Cancel::new();
    super::signals::install(&cancel)
        .map_err(|e| CliError::failure(format!("cannot install signal handlers: {e}")))?;
    let mut drive = open_identified(&spec, Access::Exclusive, cli.verbose)?;
    let clock = drive.clock().clone();
    let profile = job::current_profile(&mut drive).map_err(|e| error(&spec, e))?;
    let sink = Progress::new(ProgressMode::pick(cli.json));
    let r = if what == "blank" {
        let kind = if full {
            BlankingType::Full
        } else {
            BlankingType::Minimal
        };
        job::blank(&mut drive, &clock, profile, kind, MAX, &sink, &cancel)
    } else {
        job::format(&mut drive, &clock, profile, full, MAX, &sink, &cancel)
    };
    sink.finish();
    r.map_err(|e| error(&spec, e))?;
    if cli.json {
        print_json(
            &json!({"device": spec.to_string(), "action": what, "full": full, "profile": profile.name()}),
        )
    } else {
        outln!(
            "{spec}: {} {}",
            profile.name(),
            if what == "blank" {
                "blanked"
            } else {
                "formatted"
            }
        )?;
        Ok(())
    }
}

/// `discrw blank [--fast|--full]` (fast is the default).
pub fn blank(cli: &Cli, a: &BlankArgs) -> Result<(), CliError> {
    run(cli, "blank", a.full)
}

/// `discrw format [--full]`.
pub fn format(cli: &Cli, a: &FormatArgs) -> Result<(), CliError> {
    run(cli, "format", a.full)
}
