//! The virtual medium file: what a disc in the emulated drive holds, persisted between runs.
//!
//! Layout (all integers little-endian):
//! - bytes 0..16: magic `DISCRW-VMEDIUM\0\0`;
//! - bytes 16..20: format version ([`FORMAT_VERSION`]);
//! - bytes 20..24: length of the JSON metadata that follows at byte 24 (the [`State`]);
//! - bytes [`DATA_OFFSET`]..: sectors, sector `lba` at `DATA_OFFSET + lba * stride`, where the
//!   stride is 2352 on CD media and 2048 otherwise. On CD, audio sectors hold their 2352 bytes;
//!   data sectors hold the whole encoded mode 1 sector (sync, header, user data at 16..2064,
//!   EDC, ECC; built once when the sector is written, so READ CD is a plain read) in version 2,
//!   and only their 2048 user bytes at the start of the slot in version 1 (still read: READ CD
//!   then builds the rest on every read). A hole in a recorded data area is a sector of zero
//!   user data in both versions.
//!
//! The file is sparse: a blank 25 GB BD-R takes a few kilobytes on disk.

use super::faults::Fault;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub const MAGIC: &[u8; 16] = b"DISCRW-VMEDIUM\0\0";
pub const FORMAT_VERSION: u32 = 2;
/// Where sector data starts; the metadata must fit before it.
pub const DATA_OFFSET: u64 = 1 << 16;

/// The kinds of media the emulated drive accepts (`--media`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaKind {
    #[serde(rename = "cd-rom")]
    CdRom,
    #[serde(rename = "cd-r")]
    CdR,
    #[serde(rename = "cd-rw")]
    CdRw,
    #[serde(rename = "dvd-rom")]
    DvdRom,
    #[serde(rename = "dvd-r")]
    DvdR,
    #[serde(rename = "dvd-rw")]
    DvdRw,
    #[serde(rename = "dvd+r")]
    DvdPlusR,
    #[serde(rename = "dvd+r-dl")]
    DvdPlusRDl,
    #[serde(rename = "dvd+rw")]
    DvdPlusRw,
    #[serde(rename = "bd-rom")]
    BdRom,
    #[serde(rename = "bd-r")]
    BdR,
    #[serde(rename = "bd-re")]
    BdRe,
}

impl MediaKind {
    pub const ALL: [MediaKind; 12] = [
        MediaKind::CdRom,
        MediaKind::CdR,
        MediaKind::CdRw,
        MediaKind::DvdRom,
        MediaKind::DvdR,
        MediaKind::DvdRw,
        MediaKind::DvdPlusR,
        MediaKind::DvdPlusRDl,
        MediaKind::DvdPlusRw,
        MediaKind::BdRom,
        MediaKind::BdR,
        MediaKind::BdRe,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MediaKind::CdRom => "cd-rom",
            MediaKind::CdR => "cd-r",
            MediaKind::CdRw => "cd-rw",
            MediaKind::DvdRom => "dvd-rom",
            MediaKind::DvdR => "dvd-r",
            MediaKind::DvdRw => "dvd-rw",
            MediaKind::DvdPlusR => "dvd+r",
            MediaKind::DvdPlusRDl => "dvd+r-dl",
            MediaKind::DvdPlusRw => "dvd+rw",
            MediaKind::BdRom => "bd-rom",
            MediaKind::BdR => "bd-r",
            MediaKind::BdRe => "bd-re",
        }
    }

    pub fn family(self) -> Family {
        match self {
            MediaKind::CdRom | MediaKind::CdR | MediaKind::CdRw => Family::Cd,
            MediaKind::BdRom | MediaKind::BdR | MediaKind::BdRe => Family::Bd,
            _ => Family::Dvd,
        }
    }

    pub fn is_rom(self) -> bool {
        matches!(
            self,
            MediaKind::CdRom | MediaKind::DvdRom | MediaKind::BdRom
        )
    }

    /// Media written once, in order, at the next writable address.
    pub fn is_write_once(self) -> bool {
        matches!(
            self,
            MediaKind::CdR
                | MediaKind::DvdR
                | MediaKind::DvdPlusR
                | MediaKind::DvdPlusRDl
                | MediaKind::BdR
        )
    }

    pub fn is_erasable(self) -> bool {
        matches!(
            self,
            MediaKind::CdRw | MediaKind::DvdRw | MediaKind::DvdPlusRw | MediaKind::BdRe
        )
    }

    /// Blank capacity in 2048-byte blocks of a real disc of this kind: an 80-minute CD-R
    /// (last possible lead-out 79:59:74), single-layer DVD±R 4.7 GB, DVD+R DL 8.5 GB, 25 GB BD.
    pub fn default_capacity(self) -> u32 {
        match self {
            MediaKind::CdR | MediaKind::CdRw => 359_849,
            MediaKind::DvdR | MediaKind::DvdRw => 2_298_496,
            MediaKind::DvdPlusR | MediaKind::DvdPlusRw => 2_295_104,
            MediaKind::DvdPlusRDl => 4_173_824,
            MediaKind::BdR | MediaKind::BdRe => 12_219_392,
            MediaKind::CdRom | MediaKind::DvdRom | MediaKind::BdRom => 0,
        }
    }

    /// Bytes per sector slot in the medium file.
    pub fn stride(self) -> u64 {
        if self.family() == Family::Cd {
            2352
        } else {
            2048
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MediaKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let l = s.to_ascii_lowercase();
        MediaKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == l)
            .ok_or_else(|| format!("unknown media kind '{s}'"))
    }
}

/// The medium family: the same enum the host side uses (a family is a fact about media,
/// not an MMC byte layout the two sides could misread together).
pub use crate::scsi::Family;

/// How a track was recorded; decides its layout (run-out, pre-gap) and what TRACK MODE says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteMethod {
    Pressed,
    Tao,
    Sao,
    Dao,
    Incremental,
    /// Random-access media (DVD+RW, BD-RE, DVD-RW restricted overwrite).
    Overwrite,
}

/// One track on the medium (MMC-6 §4.5 for CD, §4.6 for DVD, §4.10 for BD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub number: u16,
    pub session: u16,
    /// First LBA of user data (index 1).
    pub start: u32,
    /// Blocks of user data recorded.
    pub recorded: u32,
    /// Fixed size from RESERVE TRACK or a cue sheet.
    pub reserved: Option<u32>,
    /// Unreadable blocks after the data (the 2 run-out blocks of a CD TAO track).
    pub runout: u32,
    pub closed: bool,
    pub audio: bool,
    pub method: WriteMethod,
    /// Recording stopped by an underrun without BURN-Free, or a write error.
    pub damaged: bool,
    /// CONTROL nibble from a session-at-once cue sheet (copy permitted, pre-emphasis,
    /// four channels, data); `None`: from the write method.
    #[serde(default)]
    pub control: Option<u8>,
}

impl Track {
    /// Blocks the track occupies (what READ TRACK INFORMATION calls TRACK SIZE).
    pub fn size(&self) -> u32 {
        self.reserved.unwrap_or(self.recorded + self.runout)
    }
    pub fn end(&self) -> u32 {
        self.start + self.size()
    }
}

/// Everything about the disc that survives between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub kind: MediaKind,
    /// Blocks available for user data on the blank (or formatted) medium.
    pub capacity: u32,
    pub tray_open: bool,
    /// No disc in the tray (the `no-medium` fault, or after `virtual create --empty`).
    #[serde(default)]
    pub no_disc: bool,
    pub tracks: Vec<Track>,
    /// Sessions closed so far.
    pub closed_sessions: u16,
    /// Disc closed: nothing more can be appended.
    pub finalized: bool,
    /// DVD+RW / BD-RE / DVD-RW restricted overwrite formatted.
    pub formatted: bool,
    /// Highest block written + 1 on random-access media (what the disc "holds").
    pub written_extent: u32,
    pub faults: Vec<Fault>,
    /// Disc identity (DVD ADIP / BD DI manufacturer and media type).
    pub media_id: String,
    /// DVD+R DL: layer 0's data zone capacity set by SEND DISC STRUCTURE format 20h
    /// (MMC-6 §6.47.3.3); `None` is the default, half the disc.
    #[serde(default)]
    pub l0_capacity: Option<u32>,
}

impl State {
    pub fn new_blank(kind: MediaKind, capacity: u32) -> State {
        State {
            kind,
            capacity,
            tray_open: false,
            no_disc: false,
            tracks: Vec::new(),
            closed_sessions: 0,
            finalized: false,
            formatted: false,
            written_extent: 0,
            faults: Vec::new(),
            media_id: default_media_id(kind).to_string(),
            l0_capacity: None,
        }
    }
}

fn default_media_id(kind: MediaKind) -> &'static str {
    match kind.family() {
        Family::Cd => "97m26s66f",
        Family::Dvd => "DISCRWVM/001",
        Family::Bd => "DISCRW/R01",
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MediumError {
    #[error("no such virtual medium file (create one with `discrw virtual create`)")]
    NotFound,
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("not a discrw virtual medium file (bad magic)")]
    BadMagic,
    #[error(
        "virtual medium file format version {0} is newer than this discrw understands ({FORMAT_VERSION})"
    )]
    FutureVersion(u32),
    #[error("virtual medium file is corrupt: {0}")]
    Corrupt(String),
    #[error("virtual medium is in use by another process")]
    Busy,
}

/// Where a plain image keeps the drive's sector slots: sector `lba` at `lba × stride` from
/// byte 0; `slot` is the drive's slot size for the medium (2352 on CD, else 2048).
#[derive(Debug, Clone, Copy)]
struct ImageSlots {
    stride: u64,
    slot: u64,
}

/// An open medium file.
#[derive(Debug)]
pub struct MediumFile {
    pub path: PathBuf,
    file: File,
    /// The format version of this file (new files get [`FORMAT_VERSION`]; older files keep
    /// theirs, since their sector layout is that version's).
    version: u32,
    /// A plain image served read-only as a pressed disc (see [`MediumFile::image`]); `None`
    /// for a medium file.
    image: Option<ImageSlots>,
    /// The advisory lock, held (on a duplicate descriptor) while the medium is in a drive.
    _lock: Option<nix::fcntl::Flock<File>>,
}

impl MediumFile {
    /// Open an existing medium file, locked exclusively for this process (like O_EXCL on a drive).
    pub fn open(path: &Path) -> Result<(MediumFile, State), MediumError> {
        let file = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(MediumError::NotFound),
            Err(e) => return Err(MediumError::Io(e)),
        };
        if file.metadata()?.is_dir() {
            return Err(MediumError::Corrupt("it is a directory".into()));
        }
        let lock = match nix::fcntl::Flock::lock(
            file.try_clone()?,
            nix::fcntl::FlockArg::LockExclusiveNonblock,
        ) {
            Ok(lock) => lock,
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => return Err(MediumError::Busy),
            Err((_, e)) => return Err(MediumError::Io(io::Error::from(e))),
        };
        let mut m = MediumFile {
            path: path.to_path_buf(),
            file,
            version: FORMAT_VERSION,
            image: None,
            _lock: Some(lock),
        };
        let state = m.load()?;
        Ok((m, state))
    }

    /// Create a new medium file; fails if PATH exists (never overwrites).
    pub fn create(path: &Path, state: &State) -> Result<MediumFile, MediumError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        let mut m = MediumFile {
            path: path.to_path_buf(),
            file,
            version: FORMAT_VERSION,
            image: None,
            _lock: None,
        };
        m.file.set_len(DATA_OFFSET)?;
        m.save(state)?;
        Ok(m)
    }

    fn load(&mut self) -> Result<State, MediumError> {
        let mut head = [0u8; 24];
        self.file.seek(SeekFrom::Start(0))?;
        if let Err(e) = self.file.read_exact(&mut head) {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                return Err(MediumError::BadMagic);
            }
            return Err(e.into());
        }
        if &head[..16] != MAGIC {
            return Err(MediumError::BadMagic);
        }
        let version = u32::from_le_bytes([head[16], head[17], head[18], head[19]]);
        if version > FORMAT_VERSION {
            return Err(MediumError::FutureVersion(version));
        }
        if version == 0 {
            return Err(MediumError::Corrupt("format version 0".into()));
        }
        self.version = version;
        let len = u32::from_le_bytes([head[20], head[21], head[22], head[23]]) as u64;
        if len == 0 || len > DATA_OFFSET - 24 {
            return Err(MediumError::Corrupt(format!("metadata length {len}")));
        }
        let mut json = vec![0u8; len as usize];
        self.file
            .read_exact(&mut json)
            .map_err(|_| MediumError::Corrupt("metadata truncated".into()))?;
        let state: State = serde_json::from_slice(&json)
            .map_err(|e| MediumError::Corrupt(format!("metadata: {e}")))?;
        validate(&state)?;
        Ok(state)
    }

    pub fn save(&mut self, state: &State) -> Result<(), MediumError> {
        if self.image.is_some() {
            // A pressed disc from a plain image: its state lives in memory only.
            return Ok(());
        }
        let json = serde_json::to_vec(state).map_err(|e| MediumError::Corrupt(e.to_string()))?;
        if json.len() as u64 > DATA_OFFSET - 24 {
            return Err(MediumError::Corrupt("metadata too large".into()));
        }
        let mut head = Vec::with_capacity(24 + json.len());
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&self.version.to_le_bytes());
        head.extend_from_slice(&(json.len() as u32).to_le_bytes());
        head.extend_from_slice(&json);
        self.file.write_all_at(&head, 0)?;
        Ok(())
    }

    /// Read `buf.len()` bytes at byte `offset` of the data area; holes and bytes past the end
    /// of the file read as zeros (never-written sectors of a recorded area).
    pub fn read_data(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if let Some(im) = self.image {
            return self.read_image(im, offset, buf);
        }
        self.read_at_zero_filled(DATA_OFFSET + offset, buf)
    }

    /// Slots of a plain image: straight from the file where it stores whole slots, otherwise
    /// (2048-byte sectors in 2352-byte CD slots) each slot's user data at its start and zeros
    /// after it, as a version 1 medium file keeps them.
    fn read_image(&self, im: ImageSlots, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if im.stride == im.slot {
            return self.read_at_zero_filled(offset, buf);
        }
        if !offset.is_multiple_of(im.slot) || !(buf.len() as u64).is_multiple_of(im.slot) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "image read not on a sector slot boundary",
            ));
        }
        // One pread of the run's user data into the front of `buf`, then each sector moved
        // to its slot, last first (a slot never starts before its sector's bytes do).
        let (stride, slot) = (im.stride as usize, im.slot as usize);
        let n = buf.len() / slot;
        self.read_at_zero_filled(offset / im.slot * im.stride, &mut buf[..n * stride])?;
        for i in (0..n).rev() {
            buf.copy_within(i * stride..(i + 1) * stride, i * slot);
            buf[i * slot + stride..(i + 1) * slot].fill(0);
        }
        Ok(())
    }

    /// A plain image of 2048-byte sectors holds a run of sectors' user data contiguously:
    /// `out.len()` bytes of it from sector `lba` in one read, or `None` for other files.
    pub fn read_plain_user(&self, lba: u64, out: &mut [u8]) -> Option<io::Result<()>> {
        match self.image {
            Some(im) if im.stride == 2048 => Some(self.read_at_zero_filled(lba * 2048, out)),
            _ => None,
        }
    }

    fn read_at_zero_filled(&self, at: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            match self.file.read_at(&mut buf[done..], at + done as u64) {
                Ok(0) => {
                    buf[done..].fill(0);
                    break;
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Whether CD data sectors are stored encoded (version 2), else as 2048 user bytes.
    pub fn cd_data_encoded(&self) -> bool {
        match self.image {
            Some(im) => im.stride == 2352,
            None => self.version >= 2,
        }
    }

    /// Where a CD data sector's user bytes start in its 2352-byte slot.
    pub fn cd_user_offset(&self) -> usize {
        if self.cd_data_encoded() { 16 } else { 0 }
    }

    /// Store CD data sectors (`user` holds 2048 bytes per sector) starting at `lba`: encoded
    /// as mode 1 (version 2) or as user bytes (version 1).
    pub fn write_cd_data(&self, lba: u64, user: &[u8]) -> io::Result<()> {
        if !self.cd_data_encoded() {
            for (i, u) in user.chunks(2048).enumerate() {
                self.write_data((lba + i as u64) * 2352, u)?;
            }
            return Ok(());
        }
        let mut out = Vec::with_capacity(user.len().div_ceil(2048) * 2352);
        for (i, u) in user.chunks(2048).enumerate() {
            out.extend_from_slice(&crate::ecma130::encode_mode1(lba + i as u64, u));
        }
        self.write_data(lba * 2352, &out)
    }

    pub fn write_data(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.writable()?;
        self.file.write_all_at(buf, DATA_OFFSET + offset)
    }

    /// Forget all sector data (blanking): the file keeps only its header.
    pub fn discard_data(&self) -> io::Result<()> {
        self.writable()?;
        self.file.set_len(DATA_OFFSET)
    }

    pub fn sync(&self) -> io::Result<()> {
        if self.image.is_some() {
            return Ok(());
        }
        self.file.sync_data()
    }

    /// A plain image is never written (it is opened read-only, and pressed media take no
    /// writes before they get here; this is the last line).
    fn writable(&self) -> io::Result<()> {
        match self.image {
            Some(_) => Err(io::Error::from_raw_os_error(libc::EROFS)),
            None => Ok(()),
        }
    }

    /// Open a plain image (an .iso, or the .bin of a cue sheet) read-only, holding a sector
    /// every `stride` bytes (2048, or 2352 for raw CD sectors) from byte 0, as the slots of
    /// a disc of `kind`. The file is never opened for writing.
    pub fn image(path: &Path, kind: MediaKind, stride: u64) -> Result<MediumFile, MediumError> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(MediumError::NotFound),
            Err(e) => return Err(MediumError::Io(e)),
        };
        Ok(MediumFile {
            path: path.to_path_buf(),
            file,
            version: FORMAT_VERSION,
            image: Some(ImageSlots {
                stride,
                slot: kind.stride(),
            }),
            _lock: None,
        })
    }

    /// Whether this is a plain image (read-only, state in memory).
    pub fn is_image(&self) -> bool {
        self.image.is_some()
    }
}

/// Reject metadata no drive could hold (hostile or corrupt files): tracks overlapping or past
/// the capacity, absurd counts.
fn validate(s: &State) -> Result<(), MediumError> {
    let bad = |m: String| Err(MediumError::Corrupt(m));
    if s.tracks.len() > 99 && s.kind.family() == Family::Cd {
        return bad(format!("{} tracks on a CD", s.tracks.len()));
    }
    if s.tracks.len() > 10_000 {
        return bad(format!("{} tracks", s.tracks.len()));
    }
    let mut end = 0u64;
    for (i, t) in s.tracks.iter().enumerate() {
        if t.number as usize != i + 1 {
            return bad(format!("track {} numbered {}", i + 1, t.number));
        }
        if (t.start as u64) < end {
            return bad(format!("track {} overlaps the one before", t.number));
        }
        if let Some(r) = t.reserved
            && t.recorded > r
        {
            return bad(format!("track {} recorded past its reservation", t.number));
        }
        end = t.start as u64 + t.size() as u64;
        if end > s.capacity as u64 {
            return bad(format!("track {} ends past the disc", t.number));
        }
    }
    if s.kind.is_rom() && s.tracks.is_empty() {
        return bad("a pressed disc without tracks".into());
    }
    Ok(())
}
