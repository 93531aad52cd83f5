//! Which drive a command talks to: `-d/--device`, `DISCRW_DEVICE`, or the only drive found.

use super::error::{CliError, ExitCode};
use crate::clock::{RealClock, SharedClock, VirtualClock};
use crate::transport::discover::{DriveNodes, find_optical_drives};
use crate::transport::sg_io::{Access, OpenError, SgDevice};
use crate::transport::{Traced, Transport};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A device as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSpec {
    /// `virtual:PATH`: the emulated drive holding the medium file PATH.
    Virtual(PathBuf),
    /// A kernel node: /dev/sgN, /dev/srN (or anything else the user names; opening decides).
    Node(PathBuf),
}

impl DeviceSpec {
    pub fn parse(s: &str) -> Result<DeviceSpec, CliError> {
        if let Some(rest) = s.strip_prefix("virtual:") {
            if rest.is_empty() {
                return Err(CliError::usage(
                    "--device virtual: needs a medium file path (virtual:PATH)",
                ));
            }
            return Ok(DeviceSpec::Virtual(PathBuf::from(rest)));
        }
        if s.is_empty() {
            return Err(CliError::usage("--device needs a value"));
        }
        Ok(DeviceSpec::Node(PathBuf::from(s)))
    }
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSpec::Virtual(p) => write!(f, "virtual:{}", p.display()),
            DeviceSpec::Node(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Drives the system has (sysfs).
pub fn system_drives() -> Vec<DriveNodes> {
    find_optical_drives(Path::new("/sys"), Path::new("/dev"))
}

/// The devices a command works on: the ones named, or else the only drive there is.
pub fn resolve(named: &[String]) -> Result<Vec<DeviceSpec>, CliError> {
    if !named.is_empty() {
        return named.iter().map(|s| DeviceSpec::parse(s)).collect();
    }
    let drives = system_drives();
    match drives.as_slice() {
        [] => Err(
            CliError::new(ExitCode::Device, "no optical drive found").with_hint(
                "name one with --device /dev/sgN, or use an emulated drive: --device virtual:PATH \
             (see `discrw virtual create`); if a drive is attached, try `modprobe sg`",
            ),
        ),
        [one] => match one.node() {
            Some(n) => Ok(vec![DeviceSpec::Node(n.to_path_buf())]),
            None => Err(CliError::new(ExitCode::Device, "drive has no device node")),
        },
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|d| {
                    format!(
                        "{} ({} {})",
                        d.node()
                            .map(|n| n.display().to_string())
                            .unwrap_or_default(),
                        d.vendor,
                        d.model
                    )
                })
                .collect();
            Err(CliError::new(
                ExitCode::Device,
                format!("several drives found: {}", list.join(", ")),
            )
            .with_hint("choose one with --device"))
        }
    }
}

/// The exactly-one device a command needs.
pub fn resolve_one(named: &[String]) -> Result<DeviceSpec, CliError> {
    let mut v = resolve(named)?;
    if v.len() > 1 {
        return Err(CliError::usage("this command takes one --device"));
    }
    v.pop()
        .ok_or_else(|| CliError::new(ExitCode::Device, "no device"))
}

/// The clock a device runs on. The emulated drive runs on a virtual clock so that speeds,
/// drains and waits cost no wall time, unless DISCRW_EMU_CLOCK=real asks for real time.
pub fn clock_for(spec: &DeviceSpec) -> SharedClock {
    match spec {
        DeviceSpec::Virtual(_) if std::env::var("DISCRW_EMU_CLOCK").as_deref() != Ok("real") => {
            Arc::new(VirtualClock::new())
        }
        _ => RealClock::shared(),
    }
}

fn open_error(e: OpenError) -> CliError {
    match &e {
        OpenError::PermissionDenied { .. } => {
            let msg = e.to_string();
            // The hint is part of the error text already.
            CliError::new(ExitCode::Device, msg)
        }
        _ => CliError::new(ExitCode::Device, e.to_string()),
    }
}

/// Open a device for a job (exclusive) or for a look (shared), with `-v` tracing.
pub fn open(
    spec: &DeviceSpec,
    access: Access,
    clock: &SharedClock,
    verbose: u8,
) -> Result<Box<dyn Transport>, CliError> {
    let inner: Box<dyn Transport> = match spec {
        DeviceSpec::Virtual(path) => Box::new(
            crate::emu::EmuDrive::open(path, clock.clone())
                .map_err(|e| CliError::new(ExitCode::Device, format!("{spec}: {e}")))?,
        ),
        DeviceSpec::Node(path) => Box::new(SgDevice::open_with(path, access).map_err(open_error)?),
    };
    if verbose > 0 {
        Ok(Box::new(Traced::new(
            inner,
            verbose,
            Some(crate::scsi::sense::describe),
        )))
    } else {
        Ok(inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_virtual_and_nodes() {
        assert_eq!(
            DeviceSpec::parse("virtual:/tmp/a.vdisc").unwrap(),
            DeviceSpec::Virtual("/tmp/a.vdisc".into())
        );
        assert_eq!(
            DeviceSpec::parse("/dev/sg1").unwrap(),
            DeviceSpec::Node("/dev/sg1".into())
        );
        assert_eq!(
            DeviceSpec::parse("virtual:").unwrap_err().code,
            ExitCode::Usage
        );
    }
}
