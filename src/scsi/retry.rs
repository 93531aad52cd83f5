//! What to do after a command fails: a pure function of the outcome, how many attempts were
//! made and what the command was doing. `drive` executes the decision; tests check it case
//! by case without a device or a clock.
//!
//! Sources for the cases: SPC-4 Annex D and MMC-6 Annex F (meaning of each sense code),
//! MMC-6 §4.1.4 (long operations with Immed report NOT READY / operation in progress with
//! a progress indication until done), and what libburn and growisofs do with them.

use super::sense::{Sense, SenseKey};
use crate::transport::{Outcome, status};
use serde::Serialize;
use std::time::Duration;

/// What the failed command was doing; reads may be retried, writes are not retried blindly
/// because a repeated write on sequential media lands at a different place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Reading,
    Writing,
    Other,
}

/// Why a command finally failed; callers choose fallbacks and exit codes from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// No medium in the drive (xx/3A/xx).
    MediaAbsent,
    /// The drive does not implement the command or a field of it (05/20/00, 05/24/00,
    /// 05/26/xx, and 02/24/00 from tgt): callers fall back instead of failing.
    Unsupported,
    /// The medium kind is wrong for the command (xx/30/xx).
    IncompatibleMedium,
    /// Unrecovered read error and friends (03/11/xx, 03/15/xx, 03/57/00 ...).
    MediumError,
    /// Write failed on the medium (03/0C/xx, power calibration, session fixation errors).
    WriteError,
    /// The address is not valid for the command (05/21/xx), e.g. not the NWA.
    InvalidAddress,
    /// The medium is full (05/63/xx).
    NoSpace,
    /// Other ILLEGAL REQUEST (sequence error, illegal mode for track ...).
    IllegalRequest,
    /// Writing a read-only or write-protected medium (07/xx/xx).
    DataProtect,
    /// Reading an unwritten area (08/xx/xx).
    BlankCheck,
    /// HARDWARE ERROR (04/xx/xx).
    HardwareError,
    /// Still not ready after all polls, or needs manual intervention.
    NotReady,
    /// Copy protection key exchange and region errors (05/6F/xx).
    CopyProtection,
    /// Unit attentions that kept coming.
    UnitAttention,
    /// Aborted commands, busy status that kept coming.
    Aborted,
    /// The host adapter or driver failed the command (SG_IO host/driver status, timeout).
    Transport,
    /// The OS refused the request.
    Os,
    /// Anything else (no sense data, miscompare, vendor specific ...).
    Other,
}

/// The decision for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The command did its work (GOOD, or RECOVERED ERROR: data are valid).
    Success,
    /// Send the same command again after the delay.
    Retry { after: Duration },
    /// The unit is becoming ready: poll (TEST UNIT READY or the command itself) after the
    /// delay.
    PollReady { after: Duration },
    /// A long operation (write flush, format, blank, close) is in progress: wait longer
    /// before the next poll. `progress` is the drive's fraction of 65536, if given.
    BackOff {
        after: Duration,
        progress: Option<u16>,
    },
    /// The medium may have changed (06/28/00): cached media state is stale. `retry` says
    /// whether the command may be sent once more after the caller refreshed its state.
    MediumChanged { retry: bool },
    /// Give up.
    Fail(FailureClass),
}

/// Bounds and delays. `attempt` passed to `decide` counts the attempts already made,
/// the failed one included (1 after the first failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Extra attempts for a read that hit a medium error.
    pub read_retries: u32,
    /// Extra attempts after transport errors, aborted commands, empty sense.
    pub transport_retries: u32,
    /// Extra attempts after power-on/reset or parameter-changed unit attentions.
    pub unit_attention_retries: u32,
    /// Repeat a command (not a write) once after "medium may have changed" (06/28/00). A
    /// burn turns this off while it writes: any command seeing a media change then fails,
    /// since the rest of the image could land on another disc.
    pub retry_after_medium_change: bool,
    /// Polls while the unit becomes ready.
    pub ready_polls: u32,
    pub ready_poll_interval: Duration,
    /// Polls while a long operation runs (bounded by time in `Drive::wait_ready`).
    pub long_operation_polls: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Delay before retrying after a transport error or BUSY.
    pub retry_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            read_retries: 3,
            transport_retries: 2,
            unit_attention_retries: 3,
            retry_after_medium_change: true,
            ready_polls: 60,
            ready_poll_interval: Duration::from_millis(500),
            long_operation_polls: 7200,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(2),
            retry_delay: Duration::from_millis(100),
        }
    }
}

/// The failure class a sense code belongs to, whatever the attempt count: what a caller
/// needs to pick a fallback (SPC-4 Annex D, MMC-6 Annex F).
pub fn classify(s: &Sense) -> FailureClass {
    let (asc, ascq) = (s.asc, s.ascq);
    if asc == 0x3A {
        return FailureClass::MediaAbsent;
    }
    if asc == 0x30 {
        return FailureClass::IncompatibleMedium;
    }
    match s.sense_key {
        SenseKey::NOT_READY if asc == 0x24 || asc == 0x20 => FailureClass::Unsupported,
        SenseKey::NOT_READY => FailureClass::NotReady,
        SenseKey::MEDIUM_ERROR if matches!(asc, 0x0C | 0x72 | 0x73) => FailureClass::WriteError,
        SenseKey::MEDIUM_ERROR => FailureClass::MediumError,
        SenseKey::HARDWARE_ERROR => FailureClass::HardwareError,
        SenseKey::ILLEGAL_REQUEST => match (asc, ascq) {
            (0x20, _) | (0x24, 0x00) | (0x26, _) => FailureClass::Unsupported,
            (0x21, _) => FailureClass::InvalidAddress,
            (0x63, _) => FailureClass::NoSpace,
            (0x6F, _) => FailureClass::CopyProtection,
            _ => FailureClass::IllegalRequest,
        },
        SenseKey::UNIT_ATTENTION => FailureClass::UnitAttention,
        SenseKey::DATA_PROTECT => FailureClass::DataProtect,
        SenseKey::BLANK_CHECK => FailureClass::BlankCheck,
        SenseKey::ABORTED_COMMAND => FailureClass::Aborted,
        _ => FailureClass::Other,
    }
}

impl RetryPolicy {
    /// Exponential back-off for long operations: base × 2^(attempt−1), capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(16);
        self.backoff_base
            .saturating_mul(1u32 << shift)
            .min(self.backoff_max)
    }

    /// Decide after a transport outcome.
    pub fn decide(&self, outcome: &Outcome, attempt: u32, ctx: Context) -> Action {
        match outcome {
            Outcome::Good { .. } => Action::Success,
            Outcome::CheckCondition { sense, .. } => match Sense::parse(sense) {
                Some(s) => self.decide_sense(&s, attempt, ctx),
                // CHECK CONDITION without usable sense: nothing to go on but a retry.
                None => self.bounded(attempt, self.transport_retries, FailureClass::Other),
            },
            Outcome::Status { status } => match *status {
                status::BUSY | status::TASK_SET_FULL => {
                    self.bounded(attempt, self.transport_retries, FailureClass::Aborted)
                }
                // CONDITION MET only answers PRE-FETCH; treat as done.
                status::CONDITION_MET => Action::Success,
                _ => Action::Fail(FailureClass::Other),
            },
            // The command may have reached the medium: a write is never repeated blindly.
            Outcome::TransportError { .. } if ctx == Context::Writing => {
                Action::Fail(FailureClass::Transport)
            }
            Outcome::TransportError { .. } => {
                self.bounded(attempt, self.transport_retries, FailureClass::Transport)
            }
            Outcome::OsError { errno } => match *errno {
                libc::EINTR | libc::EAGAIN | libc::EBUSY => {
                    self.bounded(attempt, self.transport_retries, FailureClass::Os)
                }
                _ => Action::Fail(FailureClass::Os),
            },
        }
    }

    fn bounded(&self, attempt: u32, limit: u32, class: FailureClass) -> Action {
        if attempt <= limit {
            Action::Retry {
                after: self.retry_delay,
            }
        } else {
            Action::Fail(class)
        }
    }

    /// Decide after CHECK CONDITION with decoded sense.
    pub fn decide_sense(&self, s: &Sense, attempt: u32, ctx: Context) -> Action {
        let (key, asc, ascq) = (s.sense_key, s.asc, s.ascq);
        match key {
            // Data are good; the drive only says it had to work for them.
            SenseKey::RECOVERED_ERROR => Action::Success,
            SenseKey::NO_SENSE if asc == 0x00 && ascq == 0x16 => self.long_op(s, attempt),
            SenseKey::NO_SENSE => {
                self.bounded(attempt, self.transport_retries, FailureClass::Other)
            }
            SenseKey::NOT_READY => match (asc, ascq) {
                (0x04, 0x00) | (0x04, 0x01) => {
                    if attempt <= self.ready_polls {
                        Action::PollReady {
                            after: self.ready_poll_interval,
                        }
                    } else {
                        Action::Fail(FailureClass::NotReady)
                    }
                }
                (0x04, 0x04) | (0x04, 0x07) | (0x04, 0x08) => self.long_op(s, attempt),
                _ => Action::Fail(classify(s)),
            },
            SenseKey::MEDIUM_ERROR => match classify(s) {
                FailureClass::MediumError if ctx == Context::Reading => {
                    self.bounded(attempt, self.read_retries, FailureClass::MediumError)
                }
                class => Action::Fail(class),
            },
            SenseKey::UNIT_ATTENTION => match asc {
                0x28 => Action::MediumChanged {
                    retry: self.retry_after_medium_change && attempt <= 1,
                },
                // Medium removed while the command ran.
                0x3A => Action::Fail(FailureClass::MediaAbsent),
                _ => self.bounded(
                    attempt,
                    self.unit_attention_retries,
                    FailureClass::UnitAttention,
                ),
            },
            SenseKey::ABORTED_COMMAND => {
                self.bounded(attempt, self.transport_retries, FailureClass::Aborted)
            }
            _ => Action::Fail(classify(s)),
        }
    }

    fn long_op(&self, s: &Sense, attempt: u32) -> Action {
        if attempt <= self.long_operation_polls {
            Action::BackOff {
                after: self.backoff(attempt),
                progress: s.progress,
            }
        } else {
            Action::Fail(FailureClass::NotReady)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixed-format sense bytes for key/ASC/ASCQ (SPC-4 Table 48).
    fn sense(key: u8, asc: u8, ascq: u8) -> Vec<u8> {
        vec![
            0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0,
        ]
    }

    fn cc(key: u8, asc: u8, ascq: u8) -> Outcome {
        Outcome::CheckCondition {
            sense: sense(key, asc, ascq),
            transferred: 0,
        }
    }

    fn p() -> RetryPolicy {
        RetryPolicy::default()
    }

    #[test]
    fn good_and_recovered_are_success() {
        assert_eq!(
            p().decide(&Outcome::Good { transferred: 0 }, 1, Context::Reading),
            Action::Success
        );
        assert_eq!(
            p().decide(&cc(0x01, 0x17, 0x01), 1, Context::Reading),
            Action::Success
        );
        assert_eq!(
            p().decide(&cc(0x01, 0x18, 0x00), 1, Context::Writing),
            Action::Success
        );
    }

    #[test]
    fn becoming_ready_polls_then_fails() {
        let pol = p();
        assert_eq!(
            pol.decide(&cc(0x02, 0x04, 0x01), 1, Context::Other),
            Action::PollReady {
                after: Duration::from_millis(500)
            }
        );
        assert!(matches!(
            pol.decide(&cc(0x02, 0x04, 0x01), 60, Context::Other),
            Action::PollReady { .. }
        ));
        assert_eq!(
            pol.decide(&cc(0x02, 0x04, 0x01), 61, Context::Other),
            Action::Fail(FailureClass::NotReady)
        );
    }

    #[test]
    fn long_write_in_progress_backs_off_with_growing_delay() {
        let pol = p();
        let a1 = pol.decide(&cc(0x02, 0x04, 0x08), 1, Context::Other);
        let a3 = pol.decide(&cc(0x02, 0x04, 0x08), 3, Context::Other);
        let a20 = pol.decide(&cc(0x02, 0x04, 0x08), 20, Context::Other);
        assert_eq!(
            a1,
            Action::BackOff {
                after: Duration::from_millis(100),
                progress: None
            }
        );
        assert_eq!(
            a3,
            Action::BackOff {
                after: Duration::from_millis(400),
                progress: None
            }
        );
        assert_eq!(
            a20,
            Action::BackOff {
                after: Duration::from_secs(2),
                progress: None
            }
        );
        assert_eq!(
            pol.decide(&cc(0x02, 0x04, 0x08), 7201, Context::Other),
            Action::Fail(FailureClass::NotReady)
        );
    }

    #[test]
    fn operation_in_progress_carries_progress() {
        let mut s = sense(0x02, 0x04, 0x07);
        s[15] = 0x80;
        s[16] = 0x40;
        let o = Outcome::CheckCondition {
            sense: s,
            transferred: 0,
        };
        assert_eq!(
            p().decide(&o, 2, Context::Other),
            Action::BackOff {
                after: Duration::from_millis(200),
                progress: Some(0x4000)
            }
        );
        // Format in progress too.
        assert!(matches!(
            p().decide(&cc(0x02, 0x04, 0x04), 1, Context::Other),
            Action::BackOff { .. }
        ));
    }

    #[test]
    fn medium_may_have_changed_retries_once() {
        assert_eq!(
            p().decide(&cc(0x06, 0x28, 0x00), 1, Context::Reading),
            Action::MediumChanged { retry: true }
        );
        assert_eq!(
            p().decide(&cc(0x06, 0x28, 0x00), 2, Context::Reading),
            Action::MediumChanged { retry: false }
        );
        // While a burn writes, never: the next command could reach another disc.
        let burning = RetryPolicy {
            retry_after_medium_change: false,
            ..p()
        };
        assert_eq!(
            burning.decide(&cc(0x06, 0x28, 0x00), 1, Context::Other),
            Action::MediumChanged { retry: false }
        );
    }

    #[test]
    fn reset_retries_bounded() {
        for q in 0..=4 {
            assert!(matches!(
                p().decide(&cc(0x06, 0x29, q), 1, Context::Writing),
                Action::Retry { .. }
            ));
        }
        assert_eq!(
            p().decide(&cc(0x06, 0x29, 0x00), 4, Context::Other),
            Action::Fail(FailureClass::UnitAttention)
        );
    }

    #[test]
    fn no_medium_fails_as_media_absent() {
        for q in 0..=2 {
            assert_eq!(
                p().decide(&cc(0x02, 0x3A, q), 1, Context::Other),
                Action::Fail(FailureClass::MediaAbsent)
            );
        }
    }

    #[test]
    fn unrecovered_read_error_retries_reads_only() {
        let pol = p();
        for a in 1..=3 {
            assert!(matches!(
                pol.decide(&cc(0x03, 0x11, 0x05), a, Context::Reading),
                Action::Retry { .. }
            ));
        }
        assert_eq!(
            pol.decide(&cc(0x03, 0x11, 0x00), 4, Context::Reading),
            Action::Fail(FailureClass::MediumError)
        );
        assert_eq!(
            pol.decide(&cc(0x03, 0x11, 0x00), 1, Context::Other),
            Action::Fail(FailureClass::MediumError)
        );
    }

    #[test]
    fn write_errors_never_retry() {
        for q in [0x00, 0x07, 0x09] {
            assert_eq!(
                p().decide(&cc(0x03, 0x0C, q), 1, Context::Writing),
                Action::Fail(FailureClass::WriteError)
            );
        }
        assert_eq!(
            p().decide(&cc(0x03, 0x73, 0x03), 1, Context::Writing),
            Action::Fail(FailureClass::WriteError)
        );
        assert_eq!(
            p().decide(&cc(0x05, 0x21, 0x02), 1, Context::Writing),
            Action::Fail(FailureClass::InvalidAddress)
        );
        // A transport error during a write is not repeated either.
        let t = Outcome::TransportError {
            host_status: 7,
            driver_status: 0,
        };
        assert_eq!(
            p().decide(&t, 1, Context::Writing),
            Action::Fail(FailureClass::Transport)
        );
    }

    #[test]
    fn unsupported_fails_without_retry() {
        assert_eq!(
            p().decide(&cc(0x05, 0x20, 0x00), 1, Context::Other),
            Action::Fail(FailureClass::Unsupported)
        );
        assert_eq!(
            p().decide(&cc(0x05, 0x24, 0x00), 1, Context::Other),
            Action::Fail(FailureClass::Unsupported)
        );
        assert_eq!(
            p().decide(&cc(0x05, 0x26, 0x00), 1, Context::Other),
            Action::Fail(FailureClass::Unsupported)
        );
        // tgt rejects with NOT READY / invalid field in CDB (drive-quirks.md).
        assert_eq!(
            p().decide(&cc(0x02, 0x24, 0x00), 1, Context::Other),
            Action::Fail(FailureClass::Unsupported)
        );
        assert_eq!(
            p().decide(&cc(0x05, 0x64, 0x00), 1, Context::Writing),
            Action::Fail(FailureClass::IllegalRequest)
        );
        assert_eq!(
            p().decide(&cc(0x05, 0x2C, 0x00), 1, Context::Writing),
            Action::Fail(FailureClass::IllegalRequest)
        );
        assert_eq!(
            p().decide(&cc(0x05, 0x63, 0x00), 1, Context::Writing),
            Action::Fail(FailureClass::NoSpace)
        );
        assert_eq!(
            p().decide(&cc(0x05, 0x30, 0x05), 1, Context::Writing),
            Action::Fail(FailureClass::IncompatibleMedium)
        );
    }

    #[test]
    fn other_keys() {
        assert_eq!(
            p().decide(&cc(0x07, 0x27, 0x00), 1, Context::Writing),
            Action::Fail(FailureClass::DataProtect)
        );
        assert_eq!(
            p().decide(&cc(0x08, 0x00, 0x00), 1, Context::Reading),
            Action::Fail(FailureClass::BlankCheck)
        );
        assert_eq!(
            p().decide(&cc(0x04, 0x44, 0x00), 1, Context::Reading),
            Action::Fail(FailureClass::HardwareError)
        );
        assert!(matches!(
            p().decide(&cc(0x0B, 0x47, 0x00), 1, Context::Writing),
            Action::Retry { .. }
        ));
        assert_eq!(
            p().decide(&cc(0x0B, 0x00, 0x00), 3, Context::Other),
            Action::Fail(FailureClass::Aborted)
        );
        assert_eq!(
            p().decide(&cc(0x02, 0x04, 0x03), 1, Context::Other),
            Action::Fail(FailureClass::NotReady)
        );
    }

    #[test]
    fn transport_os_status_and_empty_sense() {
        let t = Outcome::TransportError {
            host_status: 7,
            driver_status: 0,
        };
        assert!(matches!(
            p().decide(&t, 1, Context::Reading),
            Action::Retry { .. }
        ));
        assert!(matches!(
            p().decide(&t, 2, Context::Other),
            Action::Retry { .. }
        ));
        assert_eq!(
            p().decide(&t, 3, Context::Reading),
            Action::Fail(FailureClass::Transport)
        );
        let busy = Outcome::Status {
            status: status::BUSY,
        };
        assert!(matches!(
            p().decide(&busy, 1, Context::Writing),
            Action::Retry { .. }
        ));
        assert_eq!(
            p().decide(&busy, 3, Context::Writing),
            Action::Fail(FailureClass::Aborted)
        );
        assert_eq!(
            p().decide(
                &Outcome::Status {
                    status: status::RESERVATION_CONFLICT
                },
                1,
                Context::Other
            ),
            Action::Fail(FailureClass::Other)
        );
        assert!(matches!(
            p().decide(&Outcome::OsError { errno: libc::EINTR }, 1, Context::Other),
            Action::Retry { .. }
        ));
        assert_eq!(
            p().decide(
                &Outcome::OsError {
                    errno: libc::EACCES
                },
                1,
                Context::Other
            ),
            Action::Fail(FailureClass::Os)
        );
        let empty = Outcome::CheckCondition {
            sense: vec![],
            transferred: 0,
        };
        assert!(matches!(
            p().decide(&empty, 1, Context::Other),
            Action::Retry { .. }
        ));
        assert_eq!(
            p().decide(&empty, 3, Context::Other),
            Action::Fail(FailureClass::Other)
        );
    }
}
