//! Blank (CD-RW, DVD-RW) and format (DVD+RW, DVD-RW restricted overwrite, BD-RE): the
//! command is sent with Immed and the drive is polled to the end, with progress from the
//! sense-key-specific bytes (MMC-6 §4.1.4).

use crate::clock::SharedClock;
use crate::drive::{Drive, DriveError};
use crate::jobs::longop::{self, LongOp, WaitError};
use crate::jobs::{Cancel, Event, JobContext, Phase, ProgressSink};
use crate::scsi::Profile;
use crate::scsi::mmc::{BlankingType, CapacityDescriptorType, FormatCapacities};
use crate::transport::Transport;
use std::time::Duration;

/// FORMAT TYPE values (MMC-6 §6.5.4, Table 61) discrw sends.
pub mod format_type {
    /// 00h: full format (DVD-RW to restricted overwrite, DVD-RAM).
    pub const FULL: u8 = 0x00;
    /// 10h: DVD-RW full format to restricted overwrite.
    pub const DVD_RW_FULL: u8 = 0x10;
    /// 15h: DVD-RW quick format to restricted overwrite.
    pub const DVD_RW_QUICK: u8 = 0x15;
    /// 26h: DVD+RW basic format.
    pub const DVD_PLUS_RW: u8 = 0x26;
    /// 30h: BD-RE format with spare areas.
    pub const BD_RE_SPARES: u8 = 0x30;
}

/// BD-RE FORMAT SUB-TYPE of type 30h (MMC-6 Table 67): 10b full certification, 11b quick
/// certification.
const BD_FULL_CERT: u8 = 0b10;
const BD_QUICK_CERT: u8 = 0b11;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BlankError {
    #[error("no medium in the drive")]
    NoMedium,
    #[error("{0}")]
    WrongMedium(String),
    #[error("{step}: {error}")]
    Drive {
        step: &'static str,
        error: DriveError,
    },
    #[error("{step}: {error}")]
    Wait {
        step: &'static str,
        error: WaitError,
    },
    #[error("interrupted")]
    Interrupted,
    /// Interrupted after the command went to the drive: it finishes on its own.
    #[error(
        "interrupted; the drive goes on with {0} on its own (it cannot be stopped): leave the disc in until the drive is idle"
    )]
    LeftToDrive(&'static str),
}

fn wait_error(step: &'static str, error: WaitError) -> BlankError {
    match error {
        WaitError::Interrupted { .. } => BlankError::LeftToDrive(step),
        error => BlankError::Wait { step, error },
    }
}

impl BlankError {
    /// Media problem (exit 4) rather than a failure of the job (exit 1).
    pub fn is_media(&self) -> bool {
        match self {
            BlankError::NoMedium | BlankError::WrongMedium(_) => true,
            BlankError::Drive { error, .. } => error.is_media_absent(),
            _ => false,
        }
    }
}

fn de(step: &'static str) -> impl Fn(DriveError) -> BlankError {
    move |error| BlankError::Drive { step, error }
}

/// Poll interval while blanking or formatting (progress updates once a second).
const POLL: Duration = Duration::from_secs(1);

/// BLANK and FORMAT UNIT as waited for: a progress bar of 100, stopped waiting for (the
/// drive goes on) when the user interrupts.
fn immed_op(what: &'static str, max: Duration) -> LongOp {
    LongOp {
        what,
        max,
        interval: POLL,
        phase_total: Some(100),
        interruptible: true,
    }
}

/// The current profile, refusing an empty drive.
pub fn current_profile<T: Transport>(drive: &mut Drive<T>) -> Result<Profile, BlankError> {
    if drive.media_status().map_err(de("TEST UNIT READY"))? == crate::drive::MediaStatus::None {
        return Err(BlankError::NoMedium);
    }
    Ok(drive.profiles().map_err(de("GET CONFIGURATION"))?.0)
}

/// BLANK with Immed, then poll. CD-RW and DVD-RW (sequential or restricted overwrite).
pub fn blank<T: Transport>(
    drive: &mut Drive<T>,
    clock: &SharedClock,
    profile: Profile,
    kind: BlankingType,
    max: Duration,
    sink: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<(), BlankError> {
    if !matches!(
        profile,
        Profile::CdRw | Profile::DvdRwSequential | Profile::DvdRwRestrictedOverwrite
    ) {
        return Err(BlankError::WrongMedium(format!(
            "{} cannot be blanked (BLANK is for CD-RW and DVD-RW{})",
            profile.name(),
            if profile.is_erasable() {
                "; use format"
            } else {
                ""
            }
        )));
    }
    if cancel.is_cancelled() {
        return Err(BlankError::Interrupted);
    }
    sink.event(&Event::Phase {
        name: if kind == BlankingType::Full {
            Phase::BlankingFull
        } else {
            Phase::Blanking
        },
    });
    drive.blank(kind, true, 0).map_err(de("BLANK"))?;
    let ctx = JobContext {
        clock: clock.clone(),
        sink,
        cancel,
    };
    longop::wait(drive, &ctx, immed_op("BLANK", max))
        .map_err(|error| wait_error("BLANK", error))?;
    let _ = drive.take_media_changed();
    Ok(())
}

/// The format descriptor to send for `profile` from READ FORMAT CAPACITIES: (number of
/// blocks, format type, sub-type).
pub fn choose_format(
    profile: Profile,
    caps: &FormatCapacities,
    full: bool,
) -> Result<(u32, u8, u8), String> {
    let find = |t: u8| caps.formattable.iter().find(|d| d.format_type == t);
    match profile {
        Profile::DvdPlusRw | Profile::DvdPlusRwDualLayer => find(format_type::DVD_PLUS_RW)
            .map(|d| (d.number_of_blocks, format_type::DVD_PLUS_RW, 0))
            .or(Some((caps.current_blocks, format_type::DVD_PLUS_RW, 0)))
            .ok_or_else(|| "no DVD+RW format offered".into()),
        Profile::BdRe => find(format_type::BD_RE_SPARES)
            .map(|d| {
                (
                    d.number_of_blocks,
                    format_type::BD_RE_SPARES,
                    if full { BD_FULL_CERT } else { BD_QUICK_CERT },
                )
            })
            .ok_or_else(|| "the drive offers no BD-RE format (type 30h)".into()),
        Profile::DvdRwSequential | Profile::DvdRwRestrictedOverwrite => {
            let t = if full {
                format_type::DVD_RW_FULL
            } else {
                format_type::DVD_RW_QUICK
            };
            find(t)
                .or_else(|| find(format_type::DVD_RW_FULL))
                .or_else(|| find(format_type::FULL))
                .map(|d| (d.number_of_blocks, d.format_type, 0))
                .ok_or_else(|| "the drive offers no DVD-RW format".into())
        }
        p => Err(format!(
            "{} cannot be formatted (format is for DVD+RW, DVD-RW and BD-RE)",
            p.name()
        )),
    }
}

/// FORMAT UNIT with Immed, then poll.
pub fn format<T: Transport>(
    drive: &mut Drive<T>,
    clock: &SharedClock,
    profile: Profile,
    full: bool,
    max: Duration,
    sink: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<(), BlankError> {
    let caps = drive
        .read_format_capacities()
        .map_err(de("READ FORMAT CAPACITIES"))?;
    if caps.descriptor_type == CapacityDescriptorType::NoMedia {
        return Err(BlankError::NoMedium);
    }
    let (blocks, ftype, sub) =
        choose_format(profile, &caps, full).map_err(BlankError::WrongMedium)?;
    if cancel.is_cancelled() {
        return Err(BlankError::Interrupted);
    }
    sink.event(&Event::Phase {
        name: Phase::Formatting,
    });
    // DVD+RW: the type-dependent parameter is 0 (MMC-6 §6.5.4.2.14); BD-RE: 0 = default
    // spare size.
    drive
        .format_unit(blocks, ftype, sub, 0, true)
        .map_err(de("FORMAT UNIT"))?;
    let ctx = JobContext {
        clock: clock.clone(),
        sink,
        cancel,
    };
    longop::wait(drive, &ctx, immed_op("FORMAT UNIT", max))
        .map_err(|error| wait_error("FORMAT UNIT", error))?;
    let _ = drive.take_media_changed();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scsi::mmc::parse_format_capacities;

    #[test]
    fn picks_the_format_type_per_medium() {
        // READ FORMAT CAPACITIES of an unformatted DVD+RW (MMC-6 Table 528/530):
        // header, current/maximum descriptor (2295104 blocks, unformatted, 2048), one 26h
        // descriptor.
        let d = [
            0,
            0,
            0,
            16, //
            0x00,
            0x23,
            0x05,
            0x40,
            0x01,
            0x00,
            0x08,
            0x00, //
            0x00,
            0x23,
            0x05,
            0x40,
            0x26 << 2,
            0x00,
            0x00,
            0x00,
        ];
        let c = parse_format_capacities(&d).unwrap();
        assert_eq!(
            choose_format(Profile::DvdPlusRw, &c, false).unwrap(),
            (0x0023_0540, 0x26, 0)
        );
        assert!(choose_format(Profile::BdRe, &c, false).is_err());
        assert!(choose_format(Profile::CdRw, &c, false).is_err());
        let bd = [
            0,
            0,
            0,
            16, //
            0x00,
            0xB1,
            0x9D,
            0x80,
            0x01,
            0x00,
            0x08,
            0x00, //
            0x00,
            0xAE,
            0x10,
            0x00,
            0x30 << 2,
            0x00,
            0x00,
            0x00,
        ];
        let c = parse_format_capacities(&bd).unwrap();
        assert_eq!(
            choose_format(Profile::BdRe, &c, true).unwrap(),
            (0x00AE_1000, 0x30, 0b10)
        );
    }
}
