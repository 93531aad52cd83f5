//! A drive's medium as a [`SectorSource`] and a [`Disc`]: READ(10)/READ(12) for user data,
//! READ CD for whole CD sectors, each command within the transfer limit.

use super::{Disc, Lba, MediaError, MediumInfo, ReadMode, SectorSource, Track, check_buffer};
use crate::drive::{Drive, MediaInfo};
use crate::scsi::config::{FeatureDetail, RequestType};
use crate::scsi::mmc::{C2ErrorInfo, ExpectedSectorType, ReadCdFields, SubChannel};
use crate::scsi::retry::RetryPolicy;
use crate::scsi::{Family, Profile, Speed};
use crate::transport::Transport;
use std::time::Duration;

/// How long a drive may take to become ready before reading starts (a freshly inserted
/// disc spins up and is identified in 10-30 s on real drives).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The drive, owned (a command that reads a disc as a file system) or borrowed (a burn
/// that verifies what it wrote with the drive it keeps).
enum Held<'a, T: Transport> {
    Owned(Box<Drive<T>>),
    Borrowed(&'a mut Drive<T>),
}

/// The medium of a drive.
pub struct DriveMedium<'a, T: Transport> {
    drive: Held<'a, T>,
    /// Readable sectors when known: reads past it fail without asking the drive.
    sectors: Option<u64>,
    /// What `describe` found (profile, capacity, sessions, tracks, media id): after a
    /// 06/28/00 attention mid-read the disc is asked again and must be the same one.
    ident: Option<String>,
}

impl<T: Transport> DriveMedium<'static, T> {
    /// The medium of `drive`, which this reader keeps.
    pub fn new(drive: Drive<T>) -> Self {
        Self::with(Held::Owned(Box::new(drive)))
    }

    /// For a rescue (rip): medium errors are not retried by the drive layer, since the
    /// reader's own phases (trimming, scraping, retrying) decide when a sector is read
    /// again, as ddrescue does; becoming-ready and unit attentions keep the bounded policy.
    pub fn for_rescue(mut drive: Drive<T>) -> Self {
        drive.set_retry_policy(RetryPolicy {
            read_retries: 0,
            ..RetryPolicy::default()
        });
        Self::new(drive)
    }

    /// The drive back.
    pub fn into_drive(self) -> Option<Drive<T>> {
        match self.drive {
            Held::Owned(d) => Some(*d),
            Held::Borrowed(_) => None,
        }
    }
}

impl<'a, T: Transport> DriveMedium<'a, T> {
    /// The medium of a drive the caller keeps.
    pub fn borrowed(drive: &'a mut Drive<T>) -> Self {
        Self::with(Held::Borrowed(drive))
    }

    fn with(drive: Held<'a, T>) -> Self {
        DriveMedium {
            drive,
            sectors: None,
            ident: None,
        }
    }

    /// Bound reads to `0..sectors` (READ CAPACITY's last LBA + 1, or a track's end).
    pub fn bounded(mut self, sectors: u64) -> Self {
        self.sectors = Some(sectors);
        self
    }

    pub fn drive(&mut self) -> &mut Drive<T> {
        match &mut self.drive {
            Held::Owned(d) => d,
            Held::Borrowed(d) => d,
        }
    }

    fn drive_ref(&self) -> &Drive<T> {
        match &self.drive {
            Held::Owned(d) => d,
            Held::Borrowed(d) => d,
        }
    }

    /// One command of `count` sectors (within the limit).
    fn command(
        &mut self,
        mode: ReadMode,
        lba: u32,
        count: u32,
        buf: &mut [u8],
    ) -> Result<(), MediaError> {
        let d = self.drive();
        let r = match mode {
            ReadMode::Cooked => match u16::try_from(count) {
                Ok(c) => d.read_10(lba, c, buf, false),
                Err(_) => d.read_12(lba, count, buf, false),
            },
            ReadMode::CdUserData => d.read_cd(lba, count, ReadCdFields::USER_DATA, buf),
            ReadMode::CdAudio => {
                let f = ReadCdFields {
                    sector_type: ExpectedSectorType::CdDa,
                    ..ReadCdFields::RAW
                };
                d.read_cd(lba, count, f, buf)
            }
            ReadMode::Raw { c2, subchannel } => {
                let mut f = ReadCdFields::RAW;
                if c2 {
                    f.c2 = C2ErrorInfo::C2ErrorBits;
                }
                if subchannel {
                    f.subchannel = SubChannel::RawPw;
                }
                d.read_cd(lba, count, f, buf)
            }
        };
        self.check_same_disc(Lba::from(lba))?;
        r.map_err(MediaError::from)
    }

    /// 06/28/00 also follows a mere spin-down and up: only a different disc ends the read
    /// (its sectors must never be mixed into this one's).
    fn check_same_disc(&mut self, lba: Lba) -> Result<(), MediaError> {
        if !self.drive().take_media_changed() {
            return Ok(());
        }
        let Some(was) = self.ident.clone() else {
            return Ok(());
        };
        let now = self.drive().media_info().map(|m| identity(&m));
        let _ = self.drive().take_media_changed();
        if now.as_ref() != Ok(&was) {
            return Err(MediaError::OtherDisc { lba });
        }
        Ok(())
    }
}

fn identity(m: &MediaInfo) -> String {
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

impl<T: Transport> SectorSource for DriveMedium<'_, T> {
    fn read(
        &mut self,
        mode: ReadMode,
        lba: Lba,
        count: u32,
        buf: &mut [u8],
    ) -> Result<(), MediaError> {
        check_buffer(mode, count, buf.len())?;
        self.check_range(lba.get(), count.into())?;
        let per = mode.bytes_per_sector();
        let step = self.sectors_per_read(mode) as usize;
        for (i, chunk) in buf.chunks_mut(step * per).enumerate() {
            let at32 = lba
                .checked_add((i * step) as u64)
                .and_then(Lba::to_u32)
                .ok_or_else(|| MediaError::BadRequest {
                    what: format!(
                        "LBA {lba} + {} does not fit the 32 bits of a READ command",
                        i * step
                    ),
                })?;
            self.command(mode, at32, (chunk.len() / per) as u32, chunk)?;
        }
        Ok(())
    }

    fn sector_count(&self) -> Option<u64> {
        self.sectors
    }

    fn max_transfer_bytes(&self) -> usize {
        self.drive_ref().max_transfer_bytes()
    }
}

impl<T: Transport> Disc for DriveMedium<'_, T> {
    fn describe(&mut self) -> Result<MediumInfo, MediaError> {
        // A disc just inserted (or a drive just reset) is becoming ready: wait for it
        // (bounded) before asking about the medium.
        let clock = self.drive().clock().clone();
        self.drive().wait_ready(&clock, READY_TIMEOUT)?;
        let m = self.drive().media_info()?;
        // Attentions so far were about the disc described here.
        let _ = self.drive().take_media_changed();
        self.ident = Some(identity(&m));
        if m.profile == Profile::NoProfile && m.tracks.is_empty() && m.capacity_blocks.is_none() {
            return Err(MediaError::NoMedium);
        }
        let c2 = m.profile.is_cd()
            && self
                .drive()
                .get_configuration(RequestType::One, 0x001E)
                .ok()
                .and_then(|c| c.feature(0x001E).map(|f| f.detail()))
                .is_some_and(|d| matches!(d, FeatureDetail::CdRead { c2_flags: true, .. }));
        Ok(medium_info(&m, c2))
    }

    fn set_speed(&mut self, family: Family, speed: Speed) -> Result<bool, MediaError> {
        let kbps = match speed {
            Speed::Max => None,
            Speed::Times(x) => Some(family.speed_kbps(x)),
        };
        let d = self.drive();
        let r = match family {
            // 0xFFFF: "the drive's maximum" (MMC-6 §6.37); the write speed is left alone.
            Family::Cd => {
                d.set_cd_speed(kbps.map(|k| k.min(0xFFFE) as u16).unwrap_or(0xFFFF), 0xFFFF)
            }
            _ => d.set_streaming(0, u32::MAX, kbps.unwrap_or(u32::MAX), u32::MAX),
        };
        match r {
            Ok(()) => Ok(true),
            Err(e) if e.is_media_absent() => Err(e.into()),
            Err(_) => Ok(false),
        }
    }

    fn wait(&mut self, d: Duration) {
        self.drive().clock().sleep(d)
    }

    fn clock(&self) -> crate::clock::SharedClock {
        self.drive_ref().clock().clone()
    }

    fn name(&self) -> String {
        self.drive_ref().transport().name().to_string()
    }
}

/// The drive layer's description in the readers' terms: recorded tracks only, each with its
/// size (the last TOC track ends at READ CAPACITY).
fn medium_info(m: &MediaInfo, c2: bool) -> MediumInfo {
    let incremental = matches!(m.profile, Profile::CdR | Profile::CdRw);
    let tracks = m
        .tracks
        .iter()
        .filter(|t| t.blank != Some(true))
        .map(|t| Track {
            number: u32::from(t.number),
            session: u32::from(t.session),
            start: Lba::from(t.start),
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
    MediumInfo {
        profile: m.profile.number(),
        profile_name: m.profile.name(),
        family: m.profile.family(),
        capacity: m.capacity_blocks.map(u64::from),
        tracks,
        has_boundaries,
        toc_raw: Vec::new(),
        c2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::VirtualClock;
    use crate::emu::{EmuDrive, MediaKind};
    use crate::media::SECTOR;
    use std::sync::Arc;

    #[test]
    fn reads_the_medium_within_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.vdisc");
        // 40 sectors, each filled with its own LBA's low byte.
        let img: Vec<u8> = (0..40u8).flat_map(|i| vec![i; SECTOR]).collect();
        let imgp = dir.path().join("i.iso");
        std::fs::write(&imgp, &img).unwrap();
        crate::emu::create(
            &p,
            &crate::emu::CreateOptions {
                kind: MediaKind::DvdRom,
                from: Some(imgp),
                capacity: None,
                faults: None,
            },
        )
        .unwrap();
        let clock: crate::clock::SharedClock = Arc::new(VirtualClock::new());
        let emu = EmuDrive::open(&p, clock.clone()).unwrap();
        let mut src = DriveMedium::new(Drive::with_clock(emu, clock)).bounded(40);
        let mut buf = vec![0u8; 35 * SECTOR];
        src.read_sectors(3, 35, &mut buf).unwrap();
        assert_eq!(&buf[..], &img[3 * SECTOR..38 * SECTOR]);
        let mut one = vec![0u8; SECTOR];
        assert!(matches!(
            src.read_sectors(40, 1, &mut one),
            Err(MediaError::OutOfRange { total: 40, .. })
        ));
    }
}
