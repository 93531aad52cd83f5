//! The command side of the emulated drive: what it keeps between commands apart from the disc
//! and the write engine.

use std::time::Duration;

/// SCSI state carried from one command to the next.
#[derive(Debug, Default)]
pub(super) struct ScsiState {
    /// Sense data REQUEST SENSE returns: of the last CHECK CONDITION, or a progress report.
    pub last_sense: Option<Vec<u8>>,
    /// Commands received since the drive was opened (what `@cmdN` faults count).
    pub commands: u64,
    /// PREVENT ALLOW MEDIUM REMOVAL: while set, an eject is refused.
    pub prevent: bool,
    /// Media event code pending for GET EVENT STATUS NOTIFICATION (2 new media, 3 removal).
    pub media_event: u8,
    /// A long operation the drive is busy with.
    pub busy: Option<Busy>,
    /// Read speed the host asked for (SET CD SPEED, SET STREAMING). Kept but not obeyed:
    /// reading takes no time on the drive's clock.
    pub read_kbps: u32,
}

/// A long operation (format, blank, flush, close) the drive is busy with.
#[derive(Debug, Clone, Copy)]
pub(super) struct Busy {
    pub started: Duration,
    pub until: Duration,
    pub asc: u8,
    pub ascq: u8,
}

impl Busy {
    /// The sense-key specific PROGRESS INDICATION at `now`: the fraction done, of 65536
    /// (SPC-4 §4.5.2.4.4).
    pub fn progress(&self, now: Duration) -> u16 {
        let span = (self.until - self.started).as_secs_f64().max(1e-9);
        let done = ((now - self.started).as_secs_f64() / span * 65536.0) as u32;
        done.min(65535) as u16
    }
}
