//! A disc as a reader sees it before reading: profile, capacity, tracks, whether its
//! boundaries are recorded, and whether C2 pointers come with raw reads.

use super::{Lba, MediaError, SectorSource};
use crate::scsi::{Family, Speed};

/// One track as READ TRACK INFORMATION or the TOC describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    pub number: u32,
    pub session: u32,
    /// First LBA of the track (INDEX 01 on CD).
    pub start: Lba,
    /// Track size in sectors, as recorded (on a CD TAO track it includes the 2 run-out
    /// blocks, which do not read).
    pub size: u64,
    /// Data track (CONTROL bit 2 / track mode); false for CD audio.
    pub data: bool,
    /// Recorded incrementally (TAO / packet): the last 2 blocks may be run-out.
    pub incremental: bool,
}

impl Track {
    /// The LBA after the track's last sector. Sizes come from 32-bit fields, so this cannot
    /// leave the 64-bit range; it saturates rather than wraps if a caller made one up.
    pub fn end(&self) -> Lba {
        self.start
            .checked_add(self.size)
            .unwrap_or(Lba::new(u64::MAX))
    }
}

/// What the drive says about the medium before reading starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediumInfo {
    /// Current profile number (MMC-6 Table 89) and its name.
    pub profile: u16,
    pub profile_name: String,
    /// `None` when the drive names no profile of a known family.
    pub family: Option<Family>,
    /// READ CAPACITY: last LBA + 1.
    pub capacity: Option<u64>,
    /// Tracks in disc order (READ TRACK INFORMATION, else READ TOC).
    pub tracks: Vec<Track>,
    /// False for media with no recorded boundary (DVD+RW, BD-RE, DVD-RW restricted
    /// overwrite, DVD-RAM): there only the file system says where the data ends.
    pub has_boundaries: bool,
    /// The raw READ TOC answer (disc identity for `--resume`).
    pub toc_raw: Vec<u8>,
    /// The drive reports C2 error pointers (GET CONFIGURATION feature 001Eh, C2 flag).
    pub c2: bool,
}

/// A medium in a drive: its sectors, and what the drive says about it.
pub trait Disc: SectorSource {
    /// Identify the medium (waiting, bounded, for a drive that is becoming ready). After
    /// this, a medium change reported mid-read is checked against this description.
    fn describe(&mut self) -> Result<MediumInfo, MediaError>;
    /// Ask for a read speed. `Ok(false)` when the drive rejected it (not an error).
    fn set_speed(&mut self, family: Family, speed: Speed) -> Result<bool, MediaError>;
    /// Wait (on the job's clock) before reading again from a drive that is busy.
    fn wait(&mut self, d: std::time::Duration);
    /// The clock the drive and the job share (virtual for the emulated drive in tests).
    fn clock(&self) -> crate::clock::SharedClock;
    /// Device name for messages.
    fn name(&self) -> String;
}
