//! Waiting out a long operation started with Immed (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION,
//! BLANK, FORMAT UNIT): poll TEST UNIT READY on the job's clock, report the progress the
//! drive gives in the sense-key-specific bytes (MMC-6 §4.1.4; REQUEST SENSE when TEST UNIT
//! READY's sense carries none), and give up after a bounded time.

use crate::drive::{Drive, DriveError};
use crate::jobs::{Event, JobContext, ProgressSink};
use crate::transport::Transport;
use std::time::Duration;

/// Why the wait ended without the drive becoming ready.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WaitError {
    /// The drive reported a real error while polled.
    #[error("{0}")]
    Drive(DriveError),
    /// Still busy after `waited`.
    #[error("drive stuck: still busy with {what} after {} s", waited.as_secs())]
    Stuck {
        what: &'static str,
        waited: Duration,
    },
    /// The user asked to stop (only for an [`LongOp::interruptible`] operation); the drive
    /// goes on with the operation on its own.
    #[error("interrupted while the drive was busy with {what}")]
    Interrupted { what: &'static str },
}

/// A long operation to wait out, and how.
#[derive(Debug, Clone, Copy)]
pub struct LongOp {
    /// The command that started it, for errors ("CLOSE TRACK").
    pub what: &'static str,
    /// Longest wait before the drive counts as stuck.
    pub max: Duration,
    /// Time between polls.
    pub interval: Duration,
    /// When given, the drive's progress fraction becomes `Progress` events with that many
    /// "bytes" as the total (blank and format show a bar).
    pub phase_total: Option<u64>,
    /// Stop polling (with [`WaitError::Interrupted`]) once the job is cancelled: for BLANK
    /// and FORMAT UNIT, which the drive cannot be told to stop, so the user need not wait
    /// them out. A flush or close is waited out: the disc needs it finished.
    pub interruptible: bool,
}

/// Poll until ready.
pub fn wait<T: Transport>(
    drive: &mut Drive<T>,
    ctx: &JobContext<'_>,
    op: LongOp,
) -> Result<(), WaitError> {
    let LongOp {
        what,
        max,
        interval,
        phase_total,
        interruptible,
    } = op;
    let (clock, sink) = (&ctx.clock, ctx.sink);
    let start = clock.now();
    let mut attentions = 0u32;
    loop {
        let progress = match drive.test_unit_ready() {
            Ok(()) => {
                if let Some(t) = phase_total {
                    emit(sink, t, 1.0);
                }
                return Ok(());
            }
            Err(e) => match e.sense() {
                Some(s) if s.is_in_progress() => match s.progress_fraction() {
                    Some(p) => Some(p),
                    None => drive
                        .request_sense()
                        .ok()
                        .flatten()
                        .and_then(|r| r.progress_fraction()),
                },
                // A media-change or reset attention is consumed by the command: ask again.
                Some(s) if s.is_unit_attention() && attentions < 8 => {
                    attentions += 1;
                    continue;
                }
                _ => return Err(WaitError::Drive(e)),
            },
        };
        if let (Some(t), Some(p)) = (phase_total, progress) {
            emit(sink, t, p);
        }
        let waited = clock.now().saturating_sub(start);
        if waited >= max {
            return Err(WaitError::Stuck { what, waited });
        }
        if interruptible && ctx.cancel.is_cancelled() {
            return Err(WaitError::Interrupted { what });
        }
        clock.sleep(interval.min(max - waited));
    }
}

fn emit(sink: &dyn ProgressSink, total: u64, fraction: f64) {
    let done = (fraction.clamp(0.0, 1.0) * total as f64) as u64;
    sink.event(&Event::Progress {
        done_bytes: done,
        total_bytes: total,
        lba: 0,
        one_x_bytes_per_sec: 0,
        errors: 0,
        fifo_fill: None,
        drive_buffer_fill: None,
    });
}
