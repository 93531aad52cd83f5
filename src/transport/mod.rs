//! Transport: executes one SCSI command descriptor block and reports exactly one outcome.
//!
//! This layer knows bytes, directions, timeouts and file descriptors; it knows nothing of
//! what the commands mean (that is `scsi`) nor of drives and media (that is `drive`).
//! The shape of the outcome follows sg3_utils' pass-through layer: good, check condition
//! with sense, other status, transport error, OS error.

pub mod discover;
pub mod sg_io;
pub mod trace;

use std::time::Duration;

pub use trace::Traced;

/// Where the data phase of a command goes.
#[derive(Debug)]
pub enum DataDirection<'a> {
    /// No data phase (TEST UNIT READY, START STOP UNIT, ...).
    None,
    /// Device to host: the buffer is filled by the device (READ, INQUIRY, ...).
    FromDevice(&'a mut [u8]),
    /// Host to device: the buffer is sent to the device (WRITE, MODE SELECT, ...).
    ToDevice(&'a [u8]),
}

impl DataDirection<'_> {
    /// Number of bytes the host asked to move.
    pub fn len(&self) -> usize {
        match self {
            DataDirection::None => 0,
            DataDirection::FromDevice(b) => b.len(),
            DataDirection::ToDevice(b) => b.len(),
        }
    }

    /// True when there is no data phase or it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// SCSI status byte values (SAM-5 §5.3).
pub mod status {
    pub const GOOD: u8 = 0x00;
    pub const CHECK_CONDITION: u8 = 0x02;
    pub const CONDITION_MET: u8 = 0x04;
    pub const BUSY: u8 = 0x08;
    pub const RESERVATION_CONFLICT: u8 = 0x18;
    pub const TASK_SET_FULL: u8 = 0x28;
    pub const ACA_ACTIVE: u8 = 0x30;
    pub const TASK_ABORTED: u8 = 0x40;
}

/// The one result of executing a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Status GOOD. `transferred` = requested − residual count.
    Good { transferred: usize },
    /// Status CHECK CONDITION with the raw sense bytes the device returned (may be empty
    /// when the device returned none). `transferred` is what moved before the error.
    CheckCondition { sense: Vec<u8>, transferred: usize },
    /// Any other SCSI status (BUSY, RESERVATION CONFLICT, TASK SET FULL, ...).
    Status { status: u8 },
    /// The host adapter or driver failed the command (SG_IO host_status/driver_status
    /// non-zero, or a timeout). Any data in the buffer is garbage and must be discarded.
    TransportError {
        host_status: u16,
        driver_status: u16,
    },
    /// The operating system refused the request (errno).
    OsError { errno: i32 },
}

impl Outcome {
    /// True for status GOOD.
    pub fn is_good(&self) -> bool {
        matches!(self, Outcome::Good { .. })
    }
}

/// Something that can execute SCSI commands: the real SG_IO device or the emulated drive.
///
/// Implementations must be usable from a thread other than the one that created them.
pub trait Transport: Send {
    /// Execute one CDB (6, 10, 12 or 16 bytes) with the given data phase and timeout.
    fn execute(&mut self, cdb: &[u8], data: DataDirection<'_>, timeout: Duration) -> Outcome;

    /// What the user called the device (`/dev/sr0`, `virtual:disc.vdisc`), for messages.
    fn name(&self) -> &str;

    /// The largest data transfer, in bytes, one command may carry on this path
    /// (kernel limit for SG_IO; the emulated drive's own limit otherwise).
    fn max_transfer_bytes(&self) -> usize;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn execute(&mut self, cdb: &[u8], data: DataDirection<'_>, timeout: Duration) -> Outcome {
        (**self).execute(cdb, data, timeout)
    }
    fn name(&self) -> &str {
        (**self).name()
    }
    fn max_transfer_bytes(&self) -> usize {
        (**self).max_transfer_bytes()
    }
}
