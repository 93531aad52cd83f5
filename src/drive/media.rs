//! What is in the drive: `Drive::media_info` gathers profile, disc status, tracks,
//! capacity, write speeds, buffer size and media id from whichever commands the drive
//! answers. An optional command the drive rejects leaves its field empty; QEMU's drives,
//! for one, lack READ TRACK INFORMATION, GET PERFORMANCE and mode page 05h.

use super::{Drive, DriveError, optional};
use crate::scsi::Profile;
use crate::scsi::mmc::{self, DiscStatus, LEAD_OUT_TRACK, TrackAddress};
use crate::scsi::retry::FailureClass;
use crate::transport::Transport;
use serde::Serialize;

/// Recording state of the medium, from READ DISC INFORMATION's DISC STATUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaStatus {
    /// No medium in the drive.
    None,
    /// Nothing recorded.
    Blank,
    /// Recorded, and more sessions or tracks can be added.
    Appendable,
    /// Closed, or pressed.
    Complete,
    /// Random-access rewritable without sessions (DVD-RAM, BD-RE, formatted DVD+RW).
    Other,
    /// The drive would not say (no READ DISC INFORMATION and no TOC).
    Unknown,
}

/// One track, from READ TRACK INFORMATION or, failing that, from the TOC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackSummary {
    pub number: u16,
    pub session: u16,
    /// First LBA of the track.
    pub start: u32,
    /// Track size in blocks (TOC: distance to the next track or lead-out).
    pub size: Option<u32>,
    /// True for an empty (blank) track; `None` when the TOC was the source.
    pub blank: Option<bool>,
    /// Data (as opposed to audio) track, when known.
    pub data: Option<bool>,
    pub next_writable_address: Option<u32>,
    pub free_blocks: Option<u32>,
    pub last_recorded_address: Option<u32>,
}

/// Everything `discrw info` prints about the medium; serialised for `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaInfo {
    /// GET CONFIGURATION's current profile (`NoProfile` without medium or answer).
    pub profile: Profile,
    pub status: MediaStatus,
    pub erasable: bool,
    /// Readable blocks (READ CAPACITY last LBA + 1); `None` on blank media, whose
    /// READ CAPACITY is meaningless (tgt says last LBA 0).
    pub capacity_blocks: Option<u32>,
    pub block_length: Option<u32>,
    /// Blocks still writable, from the incomplete or invisible track.
    pub free_blocks: Option<u32>,
    /// Where the next write goes, from the same track.
    pub next_writable_address: Option<u32>,
    pub sessions: u16,
    pub tracks: Vec<TrackSummary>,
    /// Which command the track list came from: "READ TRACK INFORMATION" or
    /// "READ TOC/PMA/ATIP".
    pub tracks_from: Option<&'static str>,
    /// Write speeds offered for this medium, kB/s, fastest first.
    pub write_speeds_kbps: Vec<u32>,
    /// Drive buffer size in bytes.
    pub buffer_size_bytes: Option<u32>,
    /// Manufacturer / media id: ATIP lead-in start for CD-R/RW, ADIP or pre-recorded id for
    /// DVD±R/RW, disc information for BD.
    pub media_id: Option<String>,
}

impl MediaInfo {
    fn no_medium() -> Self {
        MediaInfo {
            profile: Profile::NoProfile,
            status: MediaStatus::None,
            erasable: false,
            capacity_blocks: None,
            block_length: None,
            free_blocks: None,
            next_writable_address: None,
            sessions: 0,
            tracks: Vec::new(),
            tracks_from: None,
            write_speeds_kbps: Vec::new(),
            buffer_size_bytes: None,
            media_id: None,
        }
    }
}

/// Tracks beyond this are not asked for: a sane disc has at most 99 on CD, a few hundred
/// on DVD±R multisession; a drive claiming more is answering garbage.
const MAX_TRACKS: u16 = 1024;

impl<T: Transport> Drive<T> {
    /// Whether there is a medium, asking TEST UNIT READY once more after a unit attention.
    fn medium_present(&mut self) -> Result<bool, DriveError> {
        for _ in 0..3 {
            match self.test_unit_ready() {
                Ok(()) => return Ok(true),
                Err(e) if e.is_media_absent() => return Ok(false),
                Err(e) if e.class() == FailureClass::UnitAttention => self.media_changed = true,
                Err(e) => return Err(e),
            }
        }
        self.test_unit_ready().map(|_| true)
    }

    /// Just the recording state: no medium, blank, appendable, complete (TEST UNIT READY,
    /// READ DISC INFORMATION).
    pub fn media_status(&mut self) -> Result<MediaStatus, DriveError> {
        if !self.medium_present()? {
            return Ok(MediaStatus::None);
        }
        Ok(match optional(self.read_disc_information())? {
            Some(d) => status_of(d.disc_status),
            None => MediaStatus::Unknown,
        })
    }

    /// Gather what the drive will tell about the medium (see `MediaInfo`).
    pub fn media_info(&mut self) -> Result<MediaInfo, DriveError> {
        let mut info = MediaInfo::no_medium();
        if !self.medium_present()? {
            return Ok(info);
        }
        info.profile = optional(self.profiles())?
            .map(|(p, _)| p)
            .unwrap_or(Profile::NoProfile);
        info.status = MediaStatus::Unknown;

        let disc = optional(self.read_disc_information())?;
        if let Some(d) = &disc {
            info.status = status_of(d.disc_status);
            info.erasable = d.erasable;
            info.sessions = d.sessions;
            self.tracks_from_track_information(
                &mut info,
                u16::from(d.first_track),
                d.last_track_in_last_session,
            )?;
        }
        if info.tracks_from.is_none() {
            self.tracks_from_toc(&mut info)?;
        }
        if let Some(t) = info
            .tracks
            .iter()
            .rev()
            .find(|t| t.next_writable_address.is_some())
        {
            info.next_writable_address = t.next_writable_address;
            info.free_blocks = t.free_blocks;
        }

        if info.status != MediaStatus::Blank
            && let Some(c) = optional(self.read_capacity_10())?
        {
            info.capacity_blocks = Some(c.last_lba.saturating_add(1));
            info.block_length = Some(c.block_length);
        }

        let caps = optional(self.capabilities_page())?;
        if info.profile.is_writable() {
            let mut speeds: Vec<u32> = optional(self.get_write_speeds())?
                .unwrap_or_default()
                .iter()
                .map(|d| d.write_speed_kbps)
                .filter(|&s| s > 0)
                .collect();
            if speeds.is_empty()
                && let Some(c) = &caps
            {
                speeds = c
                    .write_speed_descriptors
                    .iter()
                    .map(|d| u32::from(d.write_speed_kbps))
                    .filter(|&s| s > 0)
                    .collect();
                if speeds.is_empty() && c.max_write_speed_kbps > 0 {
                    speeds.push(c.max_write_speed_kbps.into());
                }
            }
            speeds.sort_unstable_by(|a, b| b.cmp(a));
            speeds.dedup();
            info.write_speeds_kbps = speeds;
        }
        info.buffer_size_bytes = match caps.as_ref().map(|c| c.buffer_size_kib) {
            Some(k) if k > 0 => Some(u32::from(k) * 1024),
            _ => optional(self.read_buffer_capacity())?
                .map(|b| b.length_of_buffer)
                .filter(|&b| b > 0),
        };

        info.media_id = self.media_id(info.profile)?;
        Ok(info)
    }

    /// Fill tracks from READ TRACK INFORMATION; leaves `tracks_from` empty when the drive
    /// does not have the command, so the caller falls back to the TOC.
    fn tracks_from_track_information(
        &mut self,
        info: &mut MediaInfo,
        first: u16,
        last: u16,
    ) -> Result<(), DriveError> {
        let last = last.min(first.saturating_add(MAX_TRACKS));
        for n in first..=last {
            let t = match optional(self.read_track_information(TrackAddress::Track(n.into())))? {
                Some(t) => t,
                None if n == first => return Ok(()),
                // A later track failing: keep what we have rather than mix sources.
                None => break,
            };
            info.tracks.push(TrackSummary {
                number: t.track_number,
                session: t.session_number,
                start: t.track_start_address,
                size: Some(t.track_size),
                blank: Some(t.blank),
                data: Some(t.track_mode & 0x04 != 0),
                next_writable_address: t.next_writable_address,
                free_blocks: Some(t.free_blocks),
                last_recorded_address: t.last_recorded_address,
            });
        }
        info.tracks_from = Some("READ TRACK INFORMATION");
        Ok(())
    }

    /// Fill tracks from the TOC (format 0000b) and, for session numbers, session
    /// information (0001b).
    fn tracks_from_toc(&mut self, info: &mut MediaInfo) -> Result<(), DriveError> {
        let Some(toc) = optional(self.read_toc())? else {
            return Ok(());
        };
        // Tracks at or after the first track of the last complete session belong to it;
        // earlier ones are put in session 1 (format 0 alone cannot say more).
        let last_session = optional(self.read_session_info())?
            .and_then(|s| s.entries.first().map(|e| (s.last, e.track_number)));
        let entries = &toc.entries;
        for (i, e) in entries.iter().enumerate() {
            if e.track_number == LEAD_OUT_TRACK {
                continue;
            }
            let size = entries
                .get(i + 1)
                .and_then(|next| next.start_address.checked_sub(e.start_address));
            let session = match last_session {
                Some((s, first)) if e.track_number >= first => u16::from(s),
                _ => 1,
            };
            info.tracks.push(TrackSummary {
                number: e.track_number.into(),
                session,
                start: e.start_address,
                size,
                blank: None,
                data: Some(e.is_data()),
                next_writable_address: None,
                free_blocks: None,
                last_recorded_address: None,
            });
        }
        info.tracks_from = Some("READ TOC/PMA/ATIP");
        if info.status == MediaStatus::Unknown && !info.tracks.is_empty() {
            info.status = MediaStatus::Complete;
        }
        if info.sessions == 0 {
            info.sessions = last_session.map(|(s, _)| u16::from(s)).unwrap_or(1);
        }
        Ok(())
    }

    /// The media id for this profile, if the drive answers the structure that holds it.
    fn media_id(&mut self, profile: Profile) -> Result<Option<String>, DriveError> {
        use Profile::*;
        Ok(match profile {
            CdR | CdRw => {
                optional(self.read_atip())?.map(|a| match mmc::atip_manufacturer(a.lead_in_start) {
                    Some(m) => format!("ATIP lead-in {} ({m})", a.lead_in_start),
                    None => format!("ATIP lead-in {}", a.lead_in_start),
                })
            }
            DvdRSequential
            | DvdRwRestrictedOverwrite
            | DvdRwSequential
            | DvdRDualLayerSequential
            | DvdRDualLayerJump => optional(self.pre_recorded_media_id())?.flatten(),
            DvdPlusR | DvdPlusRw | DvdPlusRDualLayer | DvdPlusRwDualLayer => {
                optional(self.adip_media_id())?
            }
            BdRSrm | BdRRrm | BdRe => optional(self.bd_disc_information())?.map(|b| b.media_id),
            _ => None,
        })
    }
}

fn status_of(s: DiscStatus) -> MediaStatus {
    match s {
        DiscStatus::Empty => MediaStatus::Blank,
        DiscStatus::Incomplete => MediaStatus::Appendable,
        DiscStatus::Complete => MediaStatus::Complete,
        DiscStatus::Other => MediaStatus::Other,
    }
}
