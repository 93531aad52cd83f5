//! What the rip job needs from a drive, as a small trait: the medium's description and
//! sector reads whose failures are already classified. The MMC adapter (`mmc.rs`) implements
//! it over a `Transport`; tests implement it over a byte vector with scripted faults, so the
//! rescue logic is tested without any drive.

use std::fmt;

/// Medium family, for the x-factor and the speed command (SET CD SPEED vs SET STREAMING).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Cd,
    Dvd,
    Bd,
    Other,
}

impl Family {
    /// Bytes per second of 1x for this family.
    pub fn one_x(self) -> u64 {
        match self {
            Family::Cd | Family::Other => crate::jobs::one_x::CD,
            Family::Dvd => crate::jobs::one_x::DVD,
            Family::Bd => crate::jobs::one_x::BD,
        }
    }
}

/// One track as READ TRACK INFORMATION or the TOC describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    pub number: u32,
    pub session: u32,
    /// First LBA of the track (INDEX 01 on CD).
    pub start: u64,
    /// Track size in sectors, as recorded (on a CD TAO track it includes the 2 run-out
    /// blocks, which do not read).
    pub size: u64,
    /// Data track (CONTROL bit 2 / track mode); false for CD audio.
    pub data: bool,
    /// Recorded incrementally (TAO / packet): the last 2 blocks may be run-out.
    pub incremental: bool,
}

impl Track {
    pub fn end(&self) -> u64 {
        self.start + self.size
    }
}

/// What the drive says about the medium before the rip starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediumInfo {
    /// Current profile number (MMC-6 Table 89) and its name.
    pub profile: u16,
    pub profile_name: String,
    pub family: Family,
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

/// A failed read, classified (the MMC adapter decodes the sense data into one of these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadFailure {
    /// MEDIUM ERROR (03/xx) and friends: the sector did not read.
    Medium(String),
    /// ILLEGAL REQUEST, LBA out of range or illegal mode for this track (05/21, 05/64):
    /// past the end, TAO run-out, a lead-out.
    Illegal(String),
    /// NOT READY (02/04/xx becoming ready, operation in progress): wait and retry.
    NotReady(String),
    /// NOT READY, medium not present (02/3A): the disc is gone.
    NoMedium(String),
    /// UNIT ATTENTION other than a medium change (reset, power on): retry.
    UnitAttention(String),
    /// UNIT ATTENTION, not ready to ready change / medium may have changed (06/28).
    MediaChanged(String),
    /// Anything else (hardware error, transport error, aborted command).
    Other(String),
}

impl ReadFailure {
    pub fn detail(&self) -> &str {
        match self {
            ReadFailure::Medium(s)
            | ReadFailure::Illegal(s)
            | ReadFailure::NotReady(s)
            | ReadFailure::NoMedium(s)
            | ReadFailure::UnitAttention(s)
            | ReadFailure::MediaChanged(s)
            | ReadFailure::Other(s) => s,
        }
    }

    /// True for failures that mean "this sector cannot be read" (as opposed to "the drive
    /// was busy" or "the disc went away").
    pub fn is_sector_error(&self) -> bool {
        matches!(
            self,
            ReadFailure::Medium(_) | ReadFailure::Illegal(_) | ReadFailure::Other(_)
        )
    }
}

impl fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.detail())
    }
}

/// How sectors are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// 2048-byte user data, READ(10)/READ(12).
    Cooked,
    /// READ CD: 2352 bytes of main channel, plus 294 bytes of C2 pointers and/or 96 bytes
    /// of raw P-W subchannel when asked.
    Raw { c2: bool, subchannel: bool },
}

impl ReadMode {
    /// Bytes the drive returns per sector.
    pub fn bytes_per_sector(self) -> usize {
        match self {
            ReadMode::Cooked => 2048,
            ReadMode::Raw { c2, subchannel } => {
                2352 + if c2 { 294 } else { 0 } + if subchannel { 96 } else { 0 }
            }
        }
    }
}

/// Requested read speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    Max,
    /// An x-factor of the medium's 1x.
    Times(f64),
}

/// A drive with a medium in it, as the rip job sees it.
pub trait RipSource {
    /// Identify the medium (profile, capacity, tracks).
    fn medium_info(&mut self) -> Result<MediumInfo, ReadFailure>;
    /// Read `count` sectors from `lba` into `buf` (`count × mode.bytes_per_sector()` bytes).
    /// One command; no retries (the job owns the retry policy).
    fn read(
        &mut self,
        mode: ReadMode,
        lba: u64,
        count: u32,
        buf: &mut [u8],
    ) -> Result<(), ReadFailure>;
    /// Ask for a read speed. `Ok(false)` when the drive rejected it (not an error).
    fn set_speed(&mut self, family: Family, speed: Speed) -> Result<bool, ReadFailure>;
    /// The largest transfer in bytes one command may carry.
    fn max_transfer_bytes(&self) -> usize;
    /// Wait (on the job's clock) before retrying a drive that is becoming ready.
    fn wait(&mut self, d: std::time::Duration);
    /// Device name for messages.
    fn name(&self) -> String;
}
