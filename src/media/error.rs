//! The one error of a sector read, and what it means for whoever reads.

use crate::drive::{DriveError, DriveErrorKind};
use crate::scsi::retry::FailureClass;
use std::path::PathBuf;
use std::sync::Arc;

/// A read that failed, with its cause kept typed (never flattened into text).
#[derive(Debug, Clone, thiserror::Error)]
pub enum MediaError {
    /// A command to the drive failed; the drive layer classified it (`DriveError::class`).
    #[error(transparent)]
    Drive(#[from] DriveError),
    /// The sectors lie past the readable end; nothing was asked of the drive or file.
    #[error("sectors {lba}..{end} are past the end ({total} sectors)")]
    OutOfRange { lba: u64, end: u64, total: u64 },
    /// The drive reported a medium change (06/28/00) and now describes another disc: its
    /// sectors must never be mixed with the one read so far.
    #[error("UNIT ATTENTION 06/28/00 at LBA {lba} and the drive now describes another disc")]
    OtherDisc { lba: crate::units::Lba },
    /// The drive answers but holds no medium.
    #[error("no medium in the drive")]
    NoMedium,
    /// An image file could not be read.
    #[error("{}: {source}", path.display())]
    Image {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The source cannot read that way (a READ CD mode from an image file, an LBA beyond
    /// the command's 32 bits, a buffer of the wrong size).
    #[error("{what}")]
    BadRequest { what: String },
}

/// What a failed read means for a reader deciding what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFault {
    /// These sectors do not read (medium error, unwritten, past the end, TAO run-out):
    /// mark them and go on.
    Sector,
    /// The drive is busy (becoming ready, a unit attention other than a medium change):
    /// wait and read the same sectors again.
    Busy,
    /// The medium is gone or is another one: stop.
    Gone,
    /// Anything else (hardware, transport, a bad request).
    Other,
}

impl MediaError {
    /// The retry policy's class of the failure (`scsi::retry`), for exit codes.
    pub fn class(&self) -> FailureClass {
        match self {
            MediaError::Drive(e) => e.class(),
            MediaError::OutOfRange { .. } => FailureClass::InvalidAddress,
            MediaError::OtherDisc { .. } => FailureClass::UnitAttention,
            MediaError::NoMedium => FailureClass::MediaAbsent,
            MediaError::Image { .. } => FailureClass::Os,
            MediaError::BadRequest { .. } => FailureClass::Other,
        }
    }

    /// What the failure means for the reader.
    pub fn fault(&self) -> ReadFault {
        match self {
            MediaError::Drive(e) if matches!(e.kind, DriveErrorKind::MediumChanged(_)) => {
                ReadFault::Gone
            }
            MediaError::OtherDisc { .. } | MediaError::NoMedium => ReadFault::Gone,
            MediaError::OutOfRange { .. } => ReadFault::Sector,
            MediaError::Image { .. } | MediaError::BadRequest { .. } => ReadFault::Other,
            MediaError::Drive(e) => match e.class() {
                FailureClass::MediumError
                | FailureClass::BlankCheck
                | FailureClass::InvalidAddress
                | FailureClass::IllegalRequest => ReadFault::Sector,
                FailureClass::MediaAbsent => ReadFault::Gone,
                FailureClass::NotReady | FailureClass::UnitAttention => ReadFault::Busy,
                _ => ReadFault::Other,
            },
        }
    }

    /// An image file's read error.
    pub fn image(path: &std::path::Path, source: std::io::Error) -> MediaError {
        MediaError::Image {
            path: path.to_path_buf(),
            source: Arc::new(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scsi::Sense;

    fn drive_error(sense: &[u8]) -> MediaError {
        let s = Sense::parse(sense).expect("sense");
        let class = crate::scsi::retry::classify(&s);
        MediaError::Drive(DriveError::new(
            "READ(10)",
            Some(16),
            DriveErrorKind::Sense(s),
            class,
        ))
    }

    /// Fixed-format sense (SPC-4 §4.5.3): key byte 2, ASC byte 12, ASCQ byte 13.
    fn fixed(key: u8, asc: u8, ascq: u8) -> Vec<u8> {
        let mut s = vec![0u8; 18];
        s[0] = 0x70;
        s[2] = key;
        s[7] = 10;
        s[12] = asc;
        s[13] = ascq;
        s
    }

    #[test]
    fn faults_from_sense() {
        // 03/11/00 unrecovered read error; 05/21/00 LBA out of range; 02/3A/00 no medium;
        // 02/04/01 becoming ready; 04/44/00 internal target failure.
        assert_eq!(drive_error(&fixed(3, 0x11, 0)).fault(), ReadFault::Sector);
        assert_eq!(drive_error(&fixed(5, 0x21, 0)).fault(), ReadFault::Sector);
        assert_eq!(drive_error(&fixed(2, 0x3A, 0)).fault(), ReadFault::Gone);
        assert_eq!(drive_error(&fixed(2, 0x04, 1)).fault(), ReadFault::Busy);
        assert_eq!(drive_error(&fixed(4, 0x44, 0)).fault(), ReadFault::Other);
        assert_eq!(
            MediaError::OutOfRange {
                lba: 9,
                end: 10,
                total: 9
            }
            .fault(),
            ReadFault::Sector
        );
        assert_eq!(
            MediaError::OtherDisc {
                lba: crate::units::Lba::new(3)
            }
            .fault(),
            ReadFault::Gone
        );
    }
}
