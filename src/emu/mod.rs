//! The emulated MMC-6 drive: a [`Transport`] that answers CDBs as a real writer does, with its
//! disc in a virtual medium file (`--device virtual:PATH`). See docs/virtual-drive.md.
//!
//! It knows CDB and answer byte layouts itself (it does not use `crate::scsi`'s builders or
//! parsers), so tests of the command layer against it check two independent readings of the
//! spec. Time (drive buffer drain, long operations) runs on the shared [`Clock`], so a virtual
//! clock makes underruns deterministic.
//!
//! The parts: `commands` (the table of implemented opcodes, the checks every command passes,
//! the commands that only answer or set up), `read` and `write` (sector transfers and
//! recording), `disc` (the medium file and its state), `answers` (data-in byte layouts),
//! `layout` (where tracks, sessions and the next writable address are), `faults`, `medium`
//! (the file format).

pub mod answers;
mod commands;
mod disc;
pub mod faults;
pub mod image;
pub mod layout;
pub mod medium;
mod read;
mod write;

#[cfg(test)]
mod tests;

use crate::clock::SharedClock;
use crate::transport::{DataDirection, Outcome, Transport};
use answers::fixed_sense;
use commands::{Busy, ScsiState};
use disc::Disc;
use faults::{Action, FaultKind};
use medium::MediumFile;
pub use medium::{Family, MediaKind, MediumError, State, Track, WriteMethod};
use std::path::{Path, PathBuf};
use std::time::Duration;
use write::WriteEngine;

/// Largest transfer the emulated drive takes in one command (as a kernel's max_sectors would cap).
pub const MAX_TRANSFER: usize = 4 << 20;

/// Whether a command's data phase goes to the drive (WRITE, MODE SELECT, SEND CUE SHEET, ...)
/// rather than from it, for a front end that is not told the direction (TCMU gives only the
/// buffers). Commands the drive does not implement never touch their data.
pub fn data_goes_to_drive(opcode: u8) -> bool {
    commands::find(opcode).is_some_and(|c| c.data_out)
}

/// Errors of `virtual create` and of opening a medium file.
#[derive(Debug, thiserror::Error)]
pub enum EmuError {
    #[error(transparent)]
    Medium(#[from] MediumError),
    #[error(transparent)]
    Faults(#[from] faults::SpecError),
    #[error("--from {path}: {why}")]
    Image { path: PathBuf, why: String },
    #[error("{0}")]
    Usage(String),
}

impl EmuError {
    /// Whether the user asked for something impossible (exit 2) rather than an I/O failure.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            EmuError::Faults(_) | EmuError::Usage(_) | EmuError::Image { .. }
        )
    }
}

/// What `discrw virtual create` makes.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    pub kind: MediaKind,
    /// An image the disc holds: pressed (ROM kinds) or already burned and closed (writable).
    pub from: Option<PathBuf>,
    /// Capacity in 2048-byte blocks (default: the real disc's).
    pub capacity: Option<u64>,
    pub faults: Option<String>,
}

/// Make a new medium file (never overwrites PATH).
pub fn create(path: &Path, o: &CreateOptions) -> Result<(), EmuError> {
    let faults = match &o.faults {
        Some(spec) => faults::parse_spec(spec)?,
        None => Vec::new(),
    };
    let image_len = o.from.as_deref().map(image_length).transpose()?;
    if o.kind.is_rom() && image_len.is_none() {
        return Err(EmuError::Usage(format!(
            "a {} is pressed, not blank: give --from IMAGE",
            o.kind
        )));
    }
    let blocks = image_len.map(|l| l.div_ceil(2048));
    let default_cap = if o.kind.is_rom() {
        blocks.unwrap_or(0)
    } else {
        o.kind.default_capacity() as u64
    };
    let capacity = o.capacity.unwrap_or(default_cap);
    if capacity > u32::MAX as u64 / 2 {
        return Err(EmuError::Usage(format!(
            "--capacity {capacity} is too large"
        )));
    }
    let mut extra = 0u64;
    if o.kind.family() == Family::Cd && !o.kind.is_rom() {
        extra = layout::CD_TAO_RUNOUT as u64;
    }
    if let Some(b) = blocks
        && b + extra > capacity
    {
        return Err(EmuError::Usage(format!(
            "the image ({b} blocks) does not fit a {} of {capacity} blocks",
            o.kind
        )));
    }
    let mut state = State::new_blank(o.kind, capacity as u32);
    state.faults = faults;
    for f in &state.faults {
        match f.kind {
            FaultKind::NoMedium => state.no_disc = true,
            FaultKind::TrayOpen => state.tray_open = true,
            _ => {}
        }
    }
    if let Some(b) = blocks {
        record_image(&mut state, b as u32);
    }
    let m = MediumFile::create(path, &state)?;
    if let Some(src) = &o.from {
        let fail = |e: std::io::Error| EmuError::Image {
            path: src.clone(),
            why: e.to_string(),
        };
        copy_image(&m, src, o.kind.stride()).map_err(fail)?;
        m.sync().map_err(fail)?;
    }
    Ok(())
}

/// Length of the image `--from` names: a regular file, not empty.
pub(super) fn image_length(p: &Path) -> Result<u64, EmuError> {
    let bad = |why: String| EmuError::Image {
        path: p.to_path_buf(),
        why,
    };
    let md = std::fs::metadata(p).map_err(|e| bad(e.to_string()))?;
    if !md.is_file() {
        return Err(bad("not a regular file".into()));
    }
    if md.len() == 0 {
        return Err(bad("empty".into()));
    }
    Ok(md.len())
}

/// The disc holds an image of `blocks` blocks from LBA 0: formatted random-access media,
/// otherwise one closed track in a closed session of a finalized disc (pressed, CD TAO with
/// its run-out, or DVD/BD DAO), as docs/virtual-drive.md describes `--from`.
pub(super) fn record_image(state: &mut State, blocks: u32) {
    let kind = state.kind;
    if layout::is_random(state) || matches!(kind, MediaKind::DvdPlusRw | MediaKind::BdRe) {
        state.formatted = true;
        state.written_extent = blocks;
        return;
    }
    let method = match kind {
        k if k.is_rom() => WriteMethod::Pressed,
        k if k.family() == Family::Cd => WriteMethod::Tao,
        _ => WriteMethod::Dao,
    };
    state.tracks.push(Track {
        number: 1,
        session: 1,
        start: 0,
        recorded: blocks,
        reserved: None,
        runout: if method == WriteMethod::Tao {
            layout::CD_TAO_RUNOUT
        } else {
            0
        },
        closed: true,
        audio: false,
        method,
        damaged: false,
        control: None,
    });
    state.closed_sessions = 1;
    state.finalized = true;
}

/// Copy an image into the sector slots (sparse-aware: all-zero blocks are left as holes).
fn copy_image(m: &MediumFile, src: &Path, stride: u64) -> std::io::Result<()> {
    use std::io::Read;
    let mut f = std::fs::File::open(src)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut lba = 0u64;
    loop {
        let mut n = 0;
        while n < buf.len() {
            match f.read(&mut buf[n..])? {
                0 => break,
                k => n += k,
            }
        }
        if n == 0 {
            break;
        }
        let blocks = n.div_ceil(2048);
        buf[n..blocks * 2048].fill(0);
        // Write runs of non-zero blocks, skipping zero ones (keeps the file sparse; a hole
        // reads as zero user data).
        let mut i = 0;
        while i < blocks {
            if buf[i * 2048..(i + 1) * 2048].iter().all(|&b| b == 0) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < blocks && !buf[j * 2048..(j + 1) * 2048].iter().all(|&b| b == 0) {
                j += 1;
            }
            let at = lba + i as u64;
            if stride == 2048 {
                m.write_data(at * 2048, &buf[i * 2048..j * 2048])?;
            } else {
                m.write_cd_data(at, &buf[i * 2048..j * 2048])?;
            }
            i = j;
        }
        lba += blocks as u64;
        if n < buf.len() {
            break;
        }
    }
    Ok(())
}

/// What one command came to, before it becomes an [`Outcome`].
enum Reply {
    Good(usize),
    Check {
        key: u8,
        asc: u8,
        ascq: u8,
        info: Option<u32>,
        transferred: usize,
    },
    Host {
        host_status: u16,
    },
}

fn check(key: u8, asc: u8, ascq: u8) -> Reply {
    Reply::Check {
        key,
        asc,
        ascq,
        info: None,
        transferred: 0,
    }
}

const INVALID_OPCODE: (u8, u8, u8) = (5, 0x20, 0x00);
const INVALID_FIELD: (u8, u8, u8) = (5, 0x24, 0x00);
const LBA_OUT_OF_RANGE: (u8, u8, u8) = (5, 0x21, 0x00);
const ILLEGAL_MODE: (u8, u8, u8) = (5, 0x64, 0x00);
const INCOMPATIBLE_MEDIUM: (u8, u8, u8) = (5, 0x30, 0x05);

fn sense_of(t: (u8, u8, u8)) -> Reply {
    check(t.0, t.1, t.2)
}

/// Counters a test (or `-vv`) can look at.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Buffer underruns that stopped recording (BURN-Free off): the track is damaged.
    pub underruns: u32,
    /// Underruns BURN-Free (or DVD+R/BD lossless linking) recovered from.
    pub burnfree_events: u32,
    pub writes: u64,
    pub reads: u64,
}

/// The emulated drive with its disc, in parts that change for different reasons: the disc
/// (what the medium file keeps), the SCSI state carried from one command to the next, the
/// write engine (recording set-up, drive buffer, cue sheet) and the counters tests look at.
pub struct EmuDrive {
    name: String,
    clock: SharedClock,
    disc: Disc,
    scsi: ScsiState,
    writer: WriteEngine,
    stats: Stats,
}

impl std::fmt::Debug for EmuDrive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmuDrive")
            .field("name", &self.name)
            .field("kind", &self.disc.state.kind)
            .finish()
    }
}

impl EmuDrive {
    /// Open the medium file at PATH in an emulated drive running on `clock`.
    pub fn open(path: &Path, clock: SharedClock) -> Result<EmuDrive, EmuError> {
        let (medium, state) = MediumFile::open(path)?;
        Ok(Self::with_disc(path, medium, state, clock))
    }

    /// A drive as it powers up with this disc in it.
    fn with_disc(path: &Path, medium: MediumFile, state: State, clock: SharedClock) -> EmuDrive {
        EmuDrive {
            name: format!("virtual:{}", path.display()),
            writer: WriteEngine::new(state.kind, clock.now()),
            clock,
            disc: Disc::new(medium, state),
            scsi: ScsiState::default(),
            stats: Stats::default(),
        }
    }

    /// A plain image (.iso, or .cue with its .bin) in an emulated drive as a pressed disc,
    /// read-only (see [`image`]); `kind` overrides the ROM kind chosen by size.
    pub fn open_image(
        path: &Path,
        kind: Option<MediaKind>,
        clock: SharedClock,
    ) -> Result<EmuDrive, EmuError> {
        let (medium, state) = image::open(path, kind)?;
        Ok(Self::with_disc(path, medium, state, clock))
    }

    /// Put another disc in the drive (`virtual load`): the old one is saved and released,
    /// the tray closes on the new one, and GET EVENT STATUS NOTIFICATION reports new media.
    /// Recording settings stay (they are the drive's), the drive buffer starts empty.
    pub fn load(&mut self, mut other: EmuDrive) -> Result<(), MediumError> {
        self.disc.save_if_dirty();
        std::mem::swap(&mut self.disc, &mut other.disc);
        std::mem::swap(&mut self.name, &mut other.name);
        // `other` now holds the old disc: dropping it saves and unlocks it.
        drop(other);
        self.disc.state.tray_open = false;
        self.scsi.media_event = if self.disc.state.no_disc { 0 } else { 2 };
        self.scsi.prevent = false;
        self.scsi.busy = None;
        self.writer.new_disc(self.clock.now());
        Ok(())
    }

    /// Record as fast as the host sends until the host asks for a slower write speed (an
    /// attached drive on the real clock); by default the drive buffer drains at the write
    /// speed, as on a real drive.
    pub fn set_free_running(&mut self, on: bool) {
        self.writer.free_running = on;
    }

    /// Save the disc state now if a command changed it (sector transfers leave it for the
    /// next other command); a front end that may be killed at any time calls this after
    /// every command, so the file always describes every sector a completed WRITE recorded.
    pub fn save_if_changed(&mut self) -> Result<(), MediumError> {
        if self.disc.dirty {
            self.disc.save()?;
        }
        Ok(())
    }

    /// Whether this drive holds a plain image (read-only, its state in memory).
    pub fn is_image(&self) -> bool {
        self.disc.medium.is_image()
    }

    /// The file the disc is kept in (the medium file, or the image's data file).
    pub fn medium_path(&self) -> &Path {
        &self.disc.medium.path
    }

    pub fn state(&self) -> &State {
        &self.disc.state
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Persist the disc state now (the drive also saves it after every command but sector
    /// transfers, and on drop).
    pub fn save(&mut self) -> Result<(), MediumError> {
        self.disc.save()
    }

    fn medium_present(&self) -> bool {
        !self.disc.state.tray_open && !self.disc.state.no_disc
    }

    /// Copy an answer to the host: at most the allocation length and the buffer.
    fn data_in(&self, data: &mut DataDirection<'_>, alloc: usize, answer: &[u8]) -> Reply {
        match data {
            DataDirection::FromDevice(buf) => {
                let n = answer.len().min(alloc).min(buf.len());
                buf[..n].copy_from_slice(&answer[..n]);
                Reply::Good(n)
            }
            _ => Reply::Good(0),
        }
    }

    fn apply_action(&mut self, a: Action, lba: u32, _blocks: u32) -> Option<Reply> {
        match a {
            Action::Sense {
                key,
                asc,
                ascq,
                lba: at,
            } => Some(Reply::Check {
                key,
                asc,
                ascq,
                info: at,
                transferred: at
                    .map(|x| (x.saturating_sub(lba)) as usize * 2048)
                    .unwrap_or(0),
            }),
            Action::Host { host_status, .. } => Some(Reply::Host { host_status }),
            _ => None,
        }
    }

    /// A new blank disc of the same kind replaces the old one (media-change fault).
    fn swap_disc(&mut self) {
        self.disc.replace_with_blank();
        self.scsi.media_event = 2;
        self.writer.new_disc(self.clock.now());
    }

    fn io_failure(&self, _e: std::io::Error) -> Reply {
        // The medium file failed under us: as a drive that cannot read its disc.
        check(4, 0x44, 0x00)
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl Reply {
    fn with_progress(self, drive: &mut EmuDrive, progress: u16) -> Reply {
        if let Reply::Check { key, asc, ascq, .. } = self {
            drive.scsi.last_sense = Some(fixed_sense(key, asc, ascq, None, Some(progress)));
        }
        self
    }
}

impl Transport for EmuDrive {
    fn execute(&mut self, cdb: &[u8], mut data: DataDirection<'_>, _timeout: Duration) -> Outcome {
        if cdb.is_empty() || cdb.len() > 16 {
            return Outcome::OsError {
                errno: libc::EINVAL,
            };
        }
        let sectors = commands::find(cdb[0]).is_some_and(|c| c.sectors);
        if data.len() > MAX_TRANSFER.max(1 << 16) && !sectors {
            return Outcome::OsError {
                errno: libc::EINVAL,
            };
        }
        if data.len() > MAX_TRANSFER {
            // As SG_IO refuses a transfer over the queue's max_sectors.
            return Outcome::OsError {
                errno: libc::EINVAL,
            };
        }
        self.scsi.commands += 1;
        let keep_progress_sense = cdb[0] == 0x03;
        let prior = if keep_progress_sense {
            None
        } else {
            self.scsi.last_sense.take()
        };
        drop(prior);
        let reply = self.run(cdb, &mut data);
        if !sectors {
            self.disc.save_if_dirty();
        }
        match reply {
            Reply::Good(n) => Outcome::Good { transferred: n },
            Reply::Check {
                key,
                asc,
                ascq,
                info,
                transferred,
            } => {
                let sense = match self.scsi.last_sense.clone() {
                    Some(s) if s[2] & 0x0F == key && s[12] == asc && s[13] == ascq => s,
                    _ => fixed_sense(key, asc, ascq, info, None),
                };
                self.scsi.last_sense = Some(sense.clone());
                Outcome::CheckCondition { sense, transferred }
            }
            Reply::Host { host_status } => Outcome::TransportError {
                host_status,
                driver_status: 0,
            },
        }
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn max_transfer_bytes(&self) -> usize {
        MAX_TRANSFER
    }
}

impl Drop for EmuDrive {
    fn drop(&mut self) {
        self.disc.save_if_dirty();
    }
}
