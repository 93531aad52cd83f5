//! `RipSource` over a real or emulated drive: `drive::Drive` sends the commands and applies
//! the retry policy of `scsi::retry` (becoming-ready polls, unit attention retries); this
//! adapter turns its answers into the rip job's vocabulary.

use super::source::{Family, MediumInfo, ReadFailure, ReadMode, RipSource, Speed, Track};
use crate::clock::SharedClock;
use crate::drive::{Drive, DriveError};
use crate::scsi::Profile;
use crate::scsi::config::{FeatureDetail, RequestType};
use crate::scsi::mmc::{C2ErrorInfo, ReadCdFields, SubChannel};
use crate::scsi::retry::{FailureClass, RetryPolicy};
use crate::transport::Transport;
use std::time::Duration;

/// How long a drive may take to become ready before the rip starts (a freshly inserted
/// disc spins up and is identified in 10-30 s on real drives).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The rip job's view of a `Drive`.
pub struct MmcSource<T: Transport> {
    drive: Drive<T>,
    clock: SharedClock,
    /// What `medium_info` found (profile, capacity, sessions, tracks, media id): after a
    /// 06/28/00 attention mid-rip the disc is asked again and must be the same one.
    ident: Option<String>,
}

fn identity(m: &crate::drive::MediaInfo) -> String {
    format!(
        "{:?}",
        (
            m.profile,
            m.capacity_blocks,
            m.sessions,
            &m.tracks,
            &m.media_id
        )
    )
}

impl<T: Transport> MmcSource<T> {
    /// Wrap a transport. Medium errors are not retried here: the rip's own phases
    /// (trimming, scraping, retrying) decide when a sector is read again, as ddrescue does;
    /// becoming-ready and unit attentions keep the drive layer's bounded policy.
    pub fn new(transport: T, clock: SharedClock) -> Self {
        let mut drive = Drive::with_clock(transport, clock.clone());
        drive.set_retry_policy(RetryPolicy {
            read_retries: 0,
            ..RetryPolicy::default()
        });
        MmcSource {
            drive,
            clock,
            ident: None,
        }
    }
}

/// Map the drive layer's failure to the rip's classes.
pub fn classify(e: &DriveError) -> ReadFailure {
    let d = e.to_string();
    if matches!(e.kind, crate::drive::DriveErrorKind::MediumChanged(_)) {
        return ReadFailure::MediaChanged(d);
    }
    match e.class() {
        FailureClass::MediumError | FailureClass::BlankCheck => ReadFailure::Medium(d),
        FailureClass::InvalidAddress | FailureClass::IllegalRequest => ReadFailure::Illegal(d),
        FailureClass::MediaAbsent => ReadFailure::NoMedium(d),
        FailureClass::NotReady => ReadFailure::NotReady(d),
        FailureClass::UnitAttention => ReadFailure::UnitAttention(d),
        _ => ReadFailure::Other(d),
    }
}

fn family(p: Profile) -> Family {
    if p.is_cd() {
        Family::Cd
    } else if p.is_dvd() {
        Family::Dvd
    } else if p.is_bd() {
        Family::Bd
    } else {
        Family::Other
    }
}

impl<T: Transport> RipSource for MmcSource<T> {
    fn medium_info(&mut self) -> Result<MediumInfo, ReadFailure> {
        // A disc just inserted (or a drive just reset) is becoming ready: wait for it
        // (bounded) before asking about the medium.
        let clock = self.clock.clone();
        self.drive
            .wait_ready(&clock, READY_TIMEOUT)
            .map_err(|e| classify(&e))?;
        let m = self.drive.media_info().map_err(|e| classify(&e))?;
        // Attentions so far were about the disc described here.
        let _ = self.drive.take_media_changed();
        self.ident = Some(identity(&m));
        if m.profile == Profile::NoProfile && m.tracks.is_empty() && m.capacity_blocks.is_none() {
            return Err(ReadFailure::NoMedium("no medium in the drive".into()));
        }
        let incremental = matches!(m.profile, Profile::CdR | Profile::CdRw);
        let tracks = m
            .tracks
            .iter()
            .filter(|t| t.blank != Some(true))
            .map(|t| Track {
                number: u32::from(t.number),
                session: u32::from(t.session),
                start: u64::from(t.start),
                // The last TOC track has no successor: it ends at READ CAPACITY.
                size: t.size.map(u64::from).unwrap_or_else(|| {
                    m.capacity_blocks
                        .map(|c| u64::from(c).saturating_sub(u64::from(t.start)))
                        .unwrap_or(0)
                }),
                data: t.data.unwrap_or(true),
                incremental,
            })
            .collect();
        let has_boundaries = !matches!(
            m.profile,
            Profile::DvdPlusRw
                | Profile::DvdPlusRwDualLayer
                | Profile::BdRe
                | Profile::DvdRwRestrictedOverwrite
                | Profile::DvdRam
        );
        let c2 = m.profile.is_cd()
            && self
                .drive
                .get_configuration(RequestType::One, 0x001E)
                .ok()
                .and_then(|c| c.feature(0x001E).map(|f| f.detail()))
                .is_some_and(|d| matches!(d, FeatureDetail::CdRead { c2_flags: true, .. }));
        Ok(MediumInfo {
            profile: m.profile.number(),
            profile_name: m.profile.name(),
            family: family(m.profile),
            capacity: m.capacity_blocks.map(u64::from),
            tracks,
            has_boundaries,
            toc_raw: Vec::new(),
            c2,
        })
    }

    fn read(
        &mut self,
        mode: ReadMode,
        lba: u64,
        count: u32,
        buf: &mut [u8],
    ) -> Result<(), ReadFailure> {
        let lba32 = u32::try_from(lba)
            .map_err(|_| ReadFailure::Illegal(format!("LBA {lba} does not fit 32 bits")))?;
        let r = match mode {
            ReadMode::Cooked => match u16::try_from(count) {
                Ok(c) => self.drive.read_10(lba32, c, buf, false),
                Err(_) => self.drive.read_12(lba32, count, buf, false),
            },
            ReadMode::Raw { c2, subchannel } => {
                let mut f = ReadCdFields::RAW;
                if c2 {
                    f.c2 = C2ErrorInfo::C2ErrorBits;
                }
                if subchannel {
                    f.subchannel = SubChannel::RawPw;
                }
                self.drive.read_cd(lba32, count, f, buf)
            }
        };
        // 06/28/00 also follows a mere spin-down and up: only a different disc ends the rip
        // (its sectors must never be mixed into this image).
        if self.drive.take_media_changed()
            && let Some(was) = self.ident.clone()
        {
            let now = self.drive.media_info().map(|m| identity(&m));
            let _ = self.drive.take_media_changed();
            if now.as_ref() != Ok(&was) {
                return Err(ReadFailure::MediaChanged(format!(
                    "UNIT ATTENTION 06/28/00 at LBA {lba} and the drive now describes \
                     another disc"
                )));
            }
        }
        r.map_err(|e| classify(&e))
    }

    fn set_speed(&mut self, fam: Family, speed: Speed) -> Result<bool, ReadFailure> {
        let kbps = match speed {
            Speed::Max => None,
            Speed::Times(x) => Some(((x * fam.one_x() as f64) / 1000.0).round().max(1.0)),
        };
        let r = match fam {
            Family::Cd => self.drive.set_cd_speed(
                kbps.map(|k| k.min(65534.0) as u16).unwrap_or(0xFFFF),
                0xFFFF,
            ),
            _ => self.drive.set_streaming(
                0,
                u32::MAX,
                kbps.map(|k| k as u32).unwrap_or(u32::MAX),
                u32::MAX,
            ),
        };
        match r {
            Ok(()) => Ok(true),
            Err(e) if e.is_media_absent() => Err(classify(&e)),
            Err(_) => Ok(false),
        }
    }

    fn max_transfer_bytes(&self) -> usize {
        self.drive.max_transfer_bytes()
    }

    fn wait(&mut self, d: Duration) {
        self.clock.sleep(d)
    }

    fn name(&self) -> String {
        self.drive.transport().name().to_string()
    }
}
