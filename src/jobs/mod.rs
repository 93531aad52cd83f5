//! Jobs: the workflows (rip, burn, verify, blank, format). They never print and never exit:
//! they report [`Event`]s to a [`ProgressSink`] and return typed errors; the CLI decides how
//! to show them and which exit code they mean.

pub mod audio_offset;
pub mod blank;
pub mod burn;
pub mod image;
pub mod longop;
pub mod rip;
pub mod verify;

use crate::clock::SharedClock;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a job tells whoever watches it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A phase begins; `name` is one of [`Phase`]'s stable snake_case names.
    Phase { name: Phase },
    /// Progress within the current phase.
    Progress {
        /// Bytes done in this phase and the phase's total.
        done_bytes: u64,
        total_bytes: u64,
        /// The LBA being worked on.
        lba: u64,
        /// Bytes per second of medium a "1x" is for this medium (CD 153,600; DVD 1,385,000;
        /// BD 4,495,625), so the viewer can show an x-factor.
        one_x_bytes_per_sec: u64,
        /// Unreadable or failed sectors so far.
        errors: u64,
        /// Host FIFO fill, 0.0..=1.0, when there is one.
        fifo_fill: Option<f32>,
        /// Drive buffer fill, 0.0..=1.0, when the drive reports it.
        drive_buffer_fill: Option<f32>,
    },
    /// Something the user should know (a size decision, a fallback, a recovered error).
    Notice { message: String },
    /// A sector range could not be read (it stays marked in the map).
    ReadError {
        lba: u64,
        count: u64,
        reason: String,
    },
}

/// The phases of the jobs, by the names scripts see in `--json` progress lines
/// (docs/json.md). The names are an API: new phases may be added, these never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Burn: the image read once to the end and hashed before anything is written.
    CheckingImage,
    /// Rip: large reads, skipping ahead after a failure (GNU ddrescue's phases).
    Copying,
    /// Rip: sector by sector from both edges of each failed block.
    Trimming,
    /// Rip: every sector left inside the failed blocks.
    Scraping,
    /// Rip: further passes over the bad sectors (`--retries`).
    Retrying,
    /// Burn: writing the image.
    Writing,
    /// Burn `--simulate`: a test write (nothing is recorded).
    WritingSimulated,
    /// Burn: flushing the drive's cache and closing the track and session.
    Closing,
    /// Burn and verify: reading the disc back and comparing it with the image.
    Verifying,
    /// Verify of a cue image: searching for the drive's audio read/write sample offset.
    FindingAudioOffset,
    /// Blanking (minimal) an erasable disc.
    Blanking,
    /// Blanking the whole disc.
    BlankingFull,
    /// Formatting an overwritable disc.
    Formatting,
}

impl Phase {
    /// How a person reads it on a terminal.
    pub fn label(self) -> &'static str {
        match self {
            Phase::CheckingImage => "checking image",
            Phase::Copying => "copying",
            Phase::Trimming => "trimming",
            Phase::Scraping => "scraping",
            Phase::Retrying => "retrying",
            Phase::Writing => "writing",
            Phase::WritingSimulated => "writing (simulated)",
            Phase::Closing => "closing",
            Phase::Verifying => "verifying",
            Phase::FindingAudioOffset => "finding the audio read offset",
            Phase::Blanking => "blanking",
            Phase::BlankingFull => "blanking (full)",
            Phase::Formatting => "formatting",
        }
    }
}

/// Receives job events. Implementations must be cheap: jobs call this on the hot path.
pub trait ProgressSink: Send + Sync {
    fn event(&self, e: &Event);
}

/// A sink that drops everything (library use, tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn event(&self, _e: &Event) {}
}

/// A sink that keeps every event (tests).
#[derive(Debug, Default)]
pub struct CollectProgress(pub std::sync::Mutex<Vec<Event>>);

impl ProgressSink for CollectProgress {
    fn event(&self, e: &Event) {
        if let Ok(mut v) = self.0.lock() {
            v.push(e.clone());
        }
    }
}

/// Set when the user asked to stop (SIGINT/SIGTERM). Jobs poll it between commands and
/// stop cleanly: flush maps, close what the medium needs closed, return `Interrupted`.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Self {
        Cancel(Arc::new(AtomicBool::new(false)))
    }

    /// The flag, for a signal handler to set.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst)
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What every step of a job needs besides its own inputs: the clock it waits on (the
/// drive's, so waits are virtual against the emulated drive), where its events go, and the
/// flag that asks it to stop. Handed down as one value, so a step's signature shows only
/// its own inputs.
#[derive(Clone)]
pub struct JobContext<'a> {
    pub clock: SharedClock,
    pub sink: &'a dyn ProgressSink,
    pub cancel: &'a Cancel,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_as_tagged_json_lines() {
        let e = Event::ReadError {
            lba: 16,
            count: 2,
            reason: "MEDIUM ERROR".into(),
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"event":"read_error","lba":16,"count":2,"reason":"MEDIUM ERROR"}"#
        );
    }

    #[test]
    fn phases_have_stable_json_names() {
        let e = Event::Phase {
            name: Phase::WritingSimulated,
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"event":"phase","name":"writing_simulated"}"#
        );
    }

    #[test]
    fn cancel_is_shared() {
        let c = Cancel::new();
        let f = c.flag();
        assert!(!c.is_cancelled());
        f.store(true, Ordering::SeqCst);
        assert!(c.clone().is_cancelled());
    }
}
