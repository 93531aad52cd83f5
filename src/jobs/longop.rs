//! Waiting out a long operation started with Immed (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION,
//! BLANK, FORMAT UNIT): poll TEST UNIT READY on the job's clock, report the progress the
//! drive gives in the sense-key-specific bytes (MMC-6 §4.1.4; REQUEST SENSE when TEST UNIT
//! READY's sense carries none), and give up after a bounded time.

use crate::clock::SharedClock;
use crate::drive::{Drive, DriveError};
use crate::jobs::{Cancel, Event, ProgressSink};
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
    /// The user asked to stop (only with a `cancel` to [`wait`]); the drive goes on with the
    /// operation on its own.
    #[error("interrupted while the drive was busy with {what}")]
    Interrupted { what: &'static str },
}

/// Poll until ready. `phase_total`, when given, turns the drive's progress fraction into
/// `Progress` events with that many "bytes" as the total (blank/format show a bar). With
/// `cancel`, stop polling (with [`WaitError::Interrupted`]) once it is set: for BLANK and
/// FORMAT UNIT, which the drive cannot be told to stop, so the user need not wait them out.
#[allow(clippy::too_many_arguments)]
pub fn wait<T: Transport>(
    drive: &mut Drive<T>,
    clock: &SharedClock,
    what: &'static str,
    max: Duration,
    interval: Duration,
    sink: &dyn ProgressSink,
    phase_total: Option<u64>,
    cancel: Option<&Cancel>,
) -> Result<(), WaitError> {
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
        if cancel.is_some_and(|c| c.is_cancelled()) {
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
