//! Opening a drive for a command: the node, INQUIRY (refusing what is not an MMC drive),
//! and a drive error as the CLI's one line with its exit code.

use super::device::{self, DeviceSpec};
use super::error::{CliError, ExitCode};
use crate::drive::{Drive, DriveError, DriveErrorKind, Identity};
use crate::transport::Transport;
use crate::transport::sg_io::Access;

/// Turn a drive error into the CLI's one line, naming the device. No medium and wrong
/// media are media problems (exit 4); everything else is a failure (exit 1).
pub fn drive_error(dev: &DeviceSpec, e: &DriveError) -> CliError {
    let code = if e.is_media_absent() {
        ExitCode::Media
    } else {
        ExitCode::Failure
    };
    CliError::new(code, format!("{dev}: {e}"))
}

/// INQUIRY, refusing devices that are not CD/DVD/BD drives (exit 3).
pub fn identify<T: Transport>(
    dev: &DeviceSpec,
    drive: &mut Drive<T>,
) -> Result<Identity, CliError> {
    let id = drive.identify().map_err(|e| {
        if matches!(e.kind, DriveErrorKind::NotMmc { .. }) {
            CliError::new(ExitCode::Device, format!("{dev}: {e}"))
        } else {
            drive_error(dev, &e)
        }
    })?;
    Ok(id)
}

/// Open the drive `spec` names with `access`, on its clock, traced at `verbose`, and check
/// it is an MMC drive.
pub fn open_identified(
    spec: &DeviceSpec,
    access: Access,
    verbose: u8,
) -> Result<Drive<Box<dyn Transport>>, CliError> {
    let clock = device::clock_for(spec);
    let t = device::open(spec, access, &clock, verbose)?;
    let mut drive = Drive::with_clock(t, clock);
    identify(spec, &mut drive)?;
    Ok(drive)
}
