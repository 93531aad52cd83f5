//! The drive layer's error: which command, where, and what the device or transport said.

use crate::scsi::ParseError;
use crate::scsi::retry::FailureClass;
use crate::scsi::sense::Sense;
use std::fmt;

/// What went wrong with one command.
#[derive(Debug, Clone, PartialEq)]
pub enum DriveErrorKind {
    /// CHECK CONDITION with decoded sense.
    Sense(Sense),
    /// CHECK CONDITION without usable sense bytes.
    NoSense,
    /// Another SCSI status (BUSY, RESERVATION CONFLICT ...).
    Status(u8),
    /// The host adapter or driver failed the command; any data were discarded.
    Transport {
        host_status: u16,
        driver_status: u16,
    },
    /// The OS refused the request.
    Os(i32),
    /// The answer was shorter than the structure needs, or malformed.
    Data(ParseError),
    /// INQUIRY says this is not a CD/DVD device (peripheral device type ≠ 05h).
    NotMmc { peripheral_device_type: u8 },
    /// The caller's buffer does not fit the command (size, block count).
    BadRequest(String),
    /// The medium was changed (06/28/00) during a command that must not be repeated.
    MediumChanged(Sense),
}

impl fmt::Display for DriveErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriveErrorKind::Sense(s) | DriveErrorKind::MediumChanged(s) => write!(f, "{s}"),
            DriveErrorKind::NoSense => write!(f, "CHECK CONDITION without sense data"),
            DriveErrorKind::Status(s) => write!(f, "SCSI status {}", status_name(*s)),
            DriveErrorKind::Transport {
                host_status,
                driver_status,
            } => write!(
                f,
                "transport error (host_status 0x{host_status:02x}, driver_status 0x{driver_status:02x})"
            ),
            DriveErrorKind::Os(e) => write!(f, "{}", std::io::Error::from_raw_os_error(*e)),
            DriveErrorKind::Data(e) => write!(f, "bad answer: {e}"),
            DriveErrorKind::NotMmc {
                peripheral_device_type,
            } => write!(
                f,
                "not an MMC device (peripheral device type {peripheral_device_type:02X}h, expected 05h)"
            ),
            DriveErrorKind::BadRequest(m) => write!(f, "{m}"),
        }
    }
}

fn status_name(s: u8) -> String {
    use crate::transport::status::*;
    let n = match s {
        BUSY => "BUSY",
        RESERVATION_CONFLICT => "RESERVATION CONFLICT",
        TASK_SET_FULL => "TASK SET FULL",
        ACA_ACTIVE => "ACA ACTIVE",
        TASK_ABORTED => "TASK ABORTED",
        CONDITION_MET => "CONDITION MET",
        _ => "",
    };
    if n.is_empty() {
        format!("{s:02X}h")
    } else {
        format!("{n} ({s:02X}h)")
    }
}

/// One failed command: `WRITE(10) at LBA 1234: MEDIUM ERROR, write error (03/0C/00)`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct DriveError {
    /// The command as the spec spells it: "WRITE(10)", "READ TRACK INFORMATION".
    pub command: &'static str,
    /// The LBA the command addressed, where that matters.
    pub lba: Option<u64>,
    pub kind: DriveErrorKind,
    /// The retry policy's verdict, for fallbacks and exit codes.
    pub class: FailureClass,
}

impl fmt::Display for DriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.command)?;
        if let Some(l) = self.lba {
            write!(f, " at LBA {l}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl DriveError {
    pub(crate) fn new(
        command: &'static str,
        lba: Option<u64>,
        kind: DriveErrorKind,
        class: FailureClass,
    ) -> Self {
        DriveError {
            command,
            lba,
            kind,
            class,
        }
    }

    /// The decoded sense data, when the device returned some.
    pub fn sense(&self) -> Option<&Sense> {
        match &self.kind {
            DriveErrorKind::Sense(s) | DriveErrorKind::MediumChanged(s) => Some(s),
            _ => None,
        }
    }

    /// The failure class (see `scsi::retry::FailureClass`).
    pub fn class(&self) -> FailureClass {
        self.class
    }

    /// The drive does not implement the command or one of its fields: fall back.
    pub fn is_unsupported(&self) -> bool {
        self.class == FailureClass::Unsupported
    }

    /// There is no medium in the drive.
    pub fn is_media_absent(&self) -> bool {
        self.class == FailureClass::MediaAbsent
    }

    /// An optional query came back empty-handed in a way that says "this drive or medium
    /// cannot answer that" rather than "something is broken": unsupported command or field,
    /// transport error (QEMU answers some unknown commands with DID_ERROR), wrong medium
    /// kind for the structure, or an answer too short to parse.
    pub fn is_optional_miss(&self) -> bool {
        matches!(
            self.class,
            FailureClass::Unsupported
                | FailureClass::Transport
                | FailureClass::IllegalRequest
                | FailureClass::IncompatibleMedium
                | FailureClass::InvalidAddress
                | FailureClass::BlankCheck
                | FailureClass::CopyProtection
        ) || matches!(self.kind, DriveErrorKind::Data(_) | DriveErrorKind::NoSense)
    }
}
