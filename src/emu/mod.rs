//! The emulated MMC-6 drive: a [`Transport`] that answers CDBs as a real writer does, with its
//! disc in a virtual medium file (`--device virtual:PATH`). See docs/virtual-drive.md.
//!
//! It knows CDB and answer byte layouts itself (it does not use `crate::scsi`'s builders or
//! parsers), so tests of the command layer against it check two independent readings of the
//! spec. Time (drive buffer drain, long operations) runs on the shared [`Clock`], so a virtual
//! clock makes underruns deterministic.

pub mod answers;
mod commands;
mod disc;
pub mod faults;
pub mod layout;
pub mod medium;
mod write;

#[cfg(test)]
mod tests;

use crate::clock::SharedClock;
use crate::ecma130;
use crate::transport::{DataDirection, Outcome, Transport};
use answers::fixed_sense;
use commands::ScsiState;
use disc::Disc;
use faults::{Action, FaultKind};
use layout::BlockState;
use medium::MediumFile;
pub use medium::{Family, MediaKind, MediumError, State, Track, WriteMethod};
use std::path::{Path, PathBuf};
use std::time::Duration;
use write::WriteEngine;

/// Largest transfer the emulated drive takes in one command (as a kernel's max_sectors would cap).
pub const MAX_TRANSFER: usize = 4 << 20;

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
    let image_len = match &o.from {
        Some(p) => {
            let md = std::fs::metadata(p).map_err(|e| EmuError::Image {
                path: p.clone(),
                why: e.to_string(),
            })?;
            if !md.is_file() {
                return Err(EmuError::Image {
                    path: p.clone(),
                    why: "not a regular file".into(),
                });
            }
            if md.len() == 0 {
                return Err(EmuError::Image {
                    path: p.clone(),
                    why: "empty".into(),
                });
            }
            Some(md.len())
        }
        None => None,
    };
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
        let b = b as u32;
        if layout::is_random(&state) || matches!(o.kind, MediaKind::DvdPlusRw | MediaKind::BdRe) {
            state.formatted = true;
            state.written_extent = b;
        } else {
            let method = match o.kind {
                k if k.is_rom() => WriteMethod::Pressed,
                k if k.family() == Family::Cd => WriteMethod::Tao,
                _ => WriteMethod::Dao,
            };
            state.tracks.push(Track {
                number: 1,
                session: 1,
                start: 0,
                recorded: b,
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
        Ok(EmuDrive {
            name: format!("virtual:{}", path.display()),
            writer: WriteEngine::new(state.kind, clock.now()),
            clock,
            disc: Disc::new(medium, state),
            scsi: ScsiState::default(),
            stats: Stats::default(),
        })
    }

    pub fn state(&self) -> &State {
        &self.disc.state
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Persist the disc state now (it is also saved at every state change and on drop).
    pub fn save(&mut self) -> Result<(), MediumError> {
        self.disc.save()
    }

    fn needs_medium(op: u8) -> bool {
        !matches!(
            op,
            0x12 | 0x03 | 0x46 | 0x4A | 0x5A | 0x55 | 0x1B | 0x1E | 0xBB | 0xB6 | 0x5C | 0x23
        )
    }

    fn medium_present(&self) -> bool {
        !self.disc.state.tray_open && !self.disc.state.no_disc
    }

    fn run(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let op = cdb[0];
        let expected_len = match op >> 5 {
            0 => 6,
            1 | 2 => 10,
            4 => 16,
            5 => 12,
            _ => 0,
        };
        if expected_len == 0 || cdb.len() < expected_len {
            return sense_of(INVALID_OPCODE);
        }
        if !KNOWN.contains(&op) {
            return sense_of(INVALID_OPCODE);
        }
        let now = self.clock.now();
        if let Some(a) = faults::on_command(&mut self.disc.state.faults, self.scsi.commands, op) {
            self.disc.dirty = true;
            match a {
                Action::MediaChange => {
                    self.swap_disc();
                    return check(6, 0x28, 0x00);
                }
                Action::TrayOpened => {
                    self.disc.state.tray_open = true;
                    self.scsi.media_event = 3;
                    self.disc.dirty = true;
                    return check(2, 0x3A, 0x02);
                }
                other => {
                    if let Some(r) = self.apply_action(other, 0, 0) {
                        return r;
                    }
                }
            }
        }
        if let Some(b) = self.scsi.busy {
            if now >= b.until {
                self.scsi.busy = None;
            } else if !matches!(
                op,
                0x12 | 0x03 | 0x46 | 0x4A | 0x5C | 0x5A | 0x51 | 0x52 | 0xBB | 0xB6
            ) {
                return Reply::Check {
                    key: 2,
                    asc: b.asc,
                    ascq: b.ascq,
                    info: None,
                    transferred: 0,
                }
                .with_progress(self, b.progress(now));
            }
        }
        if Self::needs_medium(op) && !self.medium_present() {
            return if self.disc.state.tray_open {
                check(2, 0x3A, 0x02)
            } else {
                check(2, 0x3A, 0x01)
            };
        }
        match op {
            0x00 => Reply::Good(0),
            0x03 => {
                let s = match self.scsi.busy {
                    Some(b) => fixed_sense(2, b.asc, b.ascq, None, Some(b.progress(now))),
                    None => self
                        .scsi
                        .last_sense
                        .take()
                        .unwrap_or_else(|| fixed_sense(0, 0, 0, None, None)),
                };
                self.data_in(data, cdb[4] as usize, &s)
            }
            0x12 => {
                if cdb[1] & 0x01 != 0 {
                    return sense_of(INVALID_FIELD); // no VPD pages
                }
                let alloc = u16::from_be_bytes([cdb[3], cdb[4]]) as usize;
                self.data_in(data, alloc, &answers::inquiry())
            }
            0x1B => self.start_stop(cdb),
            0x1E => {
                self.scsi.prevent = cdb[4] & 0x01 != 0;
                Reply::Good(0)
            }
            0x25 => self.read_capacity(data),
            0x28 => {
                let lba = be32(cdb, 2);
                let n = u16::from_be_bytes([cdb[7], cdb[8]]) as u32;
                self.read(lba, n, data)
            }
            0xA8 => self.read(be32(cdb, 2), be32(cdb, 6), data),
            0xBE => self.read_cd(cdb, data),
            0x2A => {
                let lba = be32(cdb, 2);
                let n = u16::from_be_bytes([cdb[7], cdb[8]]) as u32;
                self.write(lba, n, cdb[1] & 0x08 != 0, data)
            }
            0xAA => self.write(be32(cdb, 2), be32(cdb, 6), cdb[1] & 0x08 != 0, data),
            0x35 => self.synchronize_cache(cdb[1] & 0x02 != 0),
            0x46 => {
                let s = self.medium_present().then_some(&self.disc.state);
                let answer =
                    answers::configuration(s, cdb[1] & 0x03, u16::from_be_bytes([cdb[2], cdb[3]]));
                self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &answer)
            }
            0x4A => self.event_status(cdb, data),
            0x51 => {
                if cdb[1] & 0x07 != 0 {
                    return sense_of(INVALID_FIELD);
                }
                let d = answers::disc_information(&self.disc.state);
                self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d)
            }
            0x52 => {
                let ty = cdb[1] & 0x03;
                match answers::find_track(&self.disc.state, ty, be32(cdb, 2)) {
                    Some(t) => {
                        let lie = faults::value_of(&self.disc.state.faults, FaultKind::NwaLie);
                        let d = answers::track_information(&self.disc.state, &t, lie);
                        self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d)
                    }
                    None => sense_of(INVALID_FIELD),
                }
            }
            0x43 => self.read_toc(cdb, data),
            0xAD => {
                if cdb[7] == 0x30 || cdb[7] == 0x80 {
                    return sense_of(INVALID_FIELD);
                }
                match answers::disc_structure(&self.disc.state, cdb[1] & 0x0F, cdb[7]) {
                    Some(d) => {
                        self.data_in(data, u16::from_be_bytes([cdb[8], cdb[9]]) as usize, &d)
                    }
                    None => sense_of(INVALID_FIELD),
                }
            }
            0x23 => {
                let s = self.medium_present().then_some(&self.disc.state);
                let d = answers::format_capacities(s);
                self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d)
            }
            0x04 => self.format_unit(cdb, data),
            0xA1 => self.blank(cdb),
            0x53 => self.reserve_track(cdb),
            0x5B => self.close(cdb),
            0x5D => self.send_cue_sheet(cdb, data),
            0x5C => self.read_buffer_capacity(cdb, data),
            0xBB => {
                let r = u16::from_be_bytes([cdb[2], cdb[3]]);
                let w = u16::from_be_bytes([cdb[4], cdb[5]]);
                self.scsi.read_kbps = if r == 0xFFFF { 0 } else { r as u32 };
                self.writer.set_write_speed(
                    self.disc.state.kind,
                    if w == 0xFFFF { u32::MAX } else { w as u32 },
                );
                Reply::Good(0)
            }
            0xB6 => self.set_streaming(cdb, data),
            0xAC => self.get_performance(cdb, data),
            0x5A => self.mode_sense(cdb, data),
            0x55 => self.mode_select(cdb, data),
            _ => sense_of(INVALID_OPCODE),
        }
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

    fn start_stop(&mut self, cdb: &[u8]) -> Reply {
        let loej = cdb[4] & 0x02 != 0;
        let start = cdb[4] & 0x01 != 0;
        if !loej {
            return Reply::Good(0);
        }
        if start {
            if self.disc.state.tray_open {
                self.disc.state.tray_open = false;
                self.scsi.media_event = if self.disc.state.no_disc { 0 } else { 2 };
                self.disc.dirty = true;
            }
        } else {
            if self.scsi.prevent {
                // MEDIUM REMOVAL PREVENTED (SPC-4 / MMC-6 §6.39).
                return check(5, 0x53, 0x02);
            }
            if !self.disc.state.tray_open {
                self.disc.state.tray_open = true;
                self.scsi.media_event = 3;
                self.disc.dirty = true;
            }
        }
        Reply::Good(0)
    }

    fn read_capacity(&mut self, data: &mut DataDirection<'_>) -> Reply {
        let over = faults::value_of(&self.disc.state.faults, FaultKind::OverReport);
        let end = layout::recorded_end(&self.disc.state) as i64
            + if layout::recorded_end(&self.disc.state) > 0 {
                over
            } else {
                0
            };
        let last = (end - 1).max(0) as u32;
        let mut d = [0u8; 8];
        d[0..4].copy_from_slice(&last.to_be_bytes());
        d[4..8].copy_from_slice(&2048u32.to_be_bytes());
        self.data_in(data, 8, &d)
    }

    fn read(&mut self, lba: u32, blocks: u32, data: &mut DataDirection<'_>) -> Reply {
        if blocks == 0 {
            return Reply::Good(0);
        }
        let DataDirection::FromDevice(buf) = data else {
            return sense_of(INVALID_FIELD);
        };
        self.stats.reads += 1;
        // The drive reads up to the first sector it cannot deliver.
        let mut good = 0u32;
        let mut err: Option<((u8, u8, u8), u32)> = None;
        while good < blocks {
            match layout::block_state(&self.disc.state, lba.saturating_add(good)) {
                BlockState::Data => good += 1,
                BlockState::Audio | BlockState::RunOut => {
                    err = Some((ILLEGAL_MODE, lba + good));
                    break;
                }
                BlockState::Unrecorded => {
                    err = Some((LBA_OUT_OF_RANGE, lba.saturating_add(good)));
                    break;
                }
            }
        }
        if good > 0
            && let Some(a) = faults::on_read(&mut self.disc.state.faults, lba, good)
        {
            self.disc.dirty = true;
            match a {
                Action::Short { lba: at } => {
                    good = if at > lba { at - lba } else { good / 2 };
                    err = None;
                }
                Action::Sense {
                    key,
                    asc,
                    ascq,
                    lba: Some(at),
                } => {
                    good = at - lba;
                    err = Some(((key, asc, ascq), at));
                }
                Action::Host {
                    host_status,
                    garbage,
                } => {
                    if garbage {
                        for (i, b) in buf.iter_mut().enumerate() {
                            *b = (i as u8).wrapping_mul(31) ^ 0xA5;
                        }
                    }
                    return Reply::Host { host_status };
                }
                other => {
                    return self
                        .apply_action(other, lba, blocks)
                        .unwrap_or(Reply::Good(0));
                }
            }
        }
        let n = (good as usize * 2048).min(buf.len());
        if let Err(e) = self.disc.read_user(lba, &mut buf[..n]) {
            return self.io_failure(e);
        }
        match err {
            Some(((key, asc, ascq), at)) => Reply::Check {
                key,
                asc,
                ascq,
                info: Some(at),
                transferred: n,
            },
            None => Reply::Good(n),
        }
    }

    fn io_failure(&self, _e: std::io::Error) -> Reply {
        // The medium file failed under us: as a drive that cannot read its disc.
        check(4, 0x44, 0x00)
    }

    fn read_cd(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if self.disc.state.kind.family() != Family::Cd {
            return sense_of(INCOMPATIBLE_MEDIUM);
        }
        let expected = (cdb[1] >> 2) & 0x07;
        let lba = be32(cdb, 2);
        let blocks = u32::from_be_bytes([0, cdb[6], cdb[7], cdb[8]]);
        let flags = cdb[9];
        let sub = cdb[10] & 0x07;
        let c2 = match (flags >> 1) & 0x03 {
            0 => 0,
            1 => 294,
            2 => 296,
            _ => return sense_of(INVALID_FIELD),
        };
        let subn = match sub {
            0 => 0,
            1 | 4 => 96,
            2 => 16,
            _ => return sense_of(INVALID_FIELD),
        };
        let DataDirection::FromDevice(buf) = data else {
            return sense_of(INVALID_FIELD);
        };
        let mut slots = std::mem::take(&mut self.disc.scratch);
        let reply = self.read_cd_sectors(expected, lba, blocks, flags, c2, subn, buf, &mut slots);
        self.disc.scratch = slots;
        reply
    }

    /// The sectors of READ CD: the stored slots are read a window of sectors at a time (one
    /// pread each), and each sector's fields the flags select are copied out of its slot (or,
    /// when the whole slot is asked for, read straight into `buf`).
    #[allow(clippy::too_many_arguments)]
    fn read_cd_sectors(
        &mut self,
        expected: u8,
        lba: u32,
        blocks: u32,
        flags: u8,
        c2: usize,
        subn: usize,
        buf: &mut [u8],
        slots: &mut Vec<u8>,
    ) -> Reply {
        const WINDOW: u32 = 448; // about 1 MiB of slots
        let encoded = self.disc.medium.cd_data_encoded();
        let mut out_pos = 0usize;
        let mut window = (0u32, 0u32); // sectors lba+window.0 .. lba+window.1 are in `slots`
        // Every field of every sector (sync 0x80, header 0x20, user data 0x10, EDC/ECC 0x08),
        // nothing else: each sector is its whole 2352-byte slot, audio or data.
        let whole = flags & 0xB8 == 0xB8 && c2 == 0 && subn == 0;
        let shift = faults::value_of(&self.disc.state.faults, FaultKind::AudioOffset);
        let mut shifted = [0u8; 2352];
        for i in 0..blocks {
            let at = lba + i;
            let st = layout::block_state(&self.disc.state, at);
            let bad_mode = match (expected, st) {
                (_, BlockState::Unrecorded) => {
                    return self.partial(LBA_OUT_OF_RANGE, at, out_pos);
                }
                (_, BlockState::RunOut) => return self.partial(ILLEGAL_MODE, at, out_pos),
                (1, BlockState::Data) | (2..=5, BlockState::Audio) => true,
                _ => false,
            };
            if bad_mode {
                return self.partial(ILLEGAL_MODE, at, out_pos);
            }
            if let Some(a) = faults::on_read(&mut self.disc.state.faults, at, 1) {
                self.disc.dirty = true;
                match a {
                    Action::Host { host_status, .. } => return Reply::Host { host_status },
                    Action::Short { .. } => return Reply::Good(out_pos),
                    other => {
                        if let Some(Reply::Check {
                            key,
                            asc,
                            ascq,
                            info,
                            ..
                        }) = self.apply_action(other, at, 1)
                        {
                            return Reply::Check {
                                key,
                                asc,
                                ascq,
                                info,
                                transferred: out_pos,
                            };
                        }
                    }
                }
            }
            if whole {
                // The slots go straight into the host's buffer (a window at a time); only a
                // data sector not stored encoded is built in place.
                if i >= window.1 {
                    let n = WINDOW
                        .min(blocks - i)
                        .min(((buf.len() - out_pos) / 2352) as u32);
                    if n == 0 {
                        return Reply::Good(out_pos);
                    }
                    let dst = &mut buf[out_pos..out_pos + n as usize * 2352];
                    if let Err(e) = self.disc.medium.read_data(at as u64 * 2352, dst) {
                        return self.io_failure(e);
                    }
                    window = (i, i + n);
                }
                let slot = &mut buf[out_pos..out_pos + 2352];
                if st == BlockState::Audio && shift != 0 {
                    if let Err(e) = self.disc.shifted_audio(at, shift, slot) {
                        return self.io_failure(e);
                    }
                } else if st != BlockState::Audio && !(encoded && slot[..12] == ecma130::SYNC) {
                    let user = if encoded { 16 } else { 0 };
                    let built = ecma130::encode_mode1(at as u64, &slot[user..user + 2048]);
                    slot.copy_from_slice(&built);
                }
                out_pos += 2352;
                continue;
            }
            if i >= window.1 {
                let n = WINDOW.min(blocks - i);
                slots.resize(n as usize * 2352, 0);
                if let Err(e) = self.disc.medium.read_data(at as u64 * 2352, slots) {
                    return self.io_failure(e);
                }
                window = (i, i + n);
            }
            let k = (i - window.0) as usize;
            let slot = &slots[k * 2352..(k + 1) * 2352];
            let built;
            let raw: &[u8] = match st {
                BlockState::Audio if shift != 0 => {
                    if let Err(e) = self.disc.shifted_audio(at, shift, &mut shifted) {
                        return self.io_failure(e);
                    }
                    &shifted
                }
                BlockState::Audio => slot,
                // Stored encoded (a hole is a sector of zero user data, built here).
                _ if encoded && slot[..12] == ecma130::SYNC => slot,
                _ => {
                    let user = if encoded { 16 } else { 0 };
                    built = ecma130::encode_mode1(at as u64, &slot[user..user + 2048]);
                    &built
                }
            };
            // The fields the flags select: audio is all or nothing; data is sync (0x80),
            // header (header codes 01 or 11 in 0x60), user data (0x10), EDC/ECC (0x08).
            let none = (false, 0..0);
            let fields = if st == BlockState::Audio {
                [
                    (flags & 0xF8 != 0, 0..2352),
                    none.clone(),
                    none.clone(),
                    none,
                ]
            } else {
                [
                    (flags & 0x80 != 0, 0..12),
                    (flags & 0x20 != 0, 12..16),
                    (flags & 0x10 != 0, 16..2064),
                    (flags & 0x08 != 0, 2064..2352),
                ]
            };
            let len: usize = fields.iter().filter(|f| f.0).map(|f| f.1.len()).sum();
            if out_pos + len + c2 + subn > buf.len() {
                return Reply::Good(out_pos);
            }
            for (on, r) in fields {
                if on {
                    buf[out_pos..out_pos + r.len()].copy_from_slice(&raw[r.clone()]);
                    out_pos += r.len();
                }
            }
            buf[out_pos..out_pos + c2].fill(0);
            out_pos += c2;
            if subn > 0 {
                let s = answers::subchannel(&self.disc.state, at);
                if subn == 96 {
                    buf[out_pos..out_pos + 96].copy_from_slice(&s);
                } else {
                    // Formatted Q: deinterleave bit 6 of each byte.
                    for k in 0..12 {
                        let mut b = 0u8;
                        for j in 0..8 {
                            b = (b << 1) | ((s[k * 8 + j] >> 6) & 1);
                        }
                        buf[out_pos + k] = b;
                    }
                    buf[out_pos + 12..out_pos + 16].fill(0);
                }
                out_pos += subn;
            }
        }
        Reply::Good(out_pos)
    }

    fn partial(&self, t: (u8, u8, u8), at: u32, transferred: usize) -> Reply {
        Reply::Check {
            key: t.0,
            asc: t.1,
            ascq: t.2,
            info: Some(at),
            transferred,
        }
    }

    fn event_status(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if cdb[1] & 0x01 == 0 {
            return sense_of(INVALID_FIELD); // only polled operation
        }
        let alloc = u16::from_be_bytes([cdb[7], cdb[8]]) as usize;
        let mut d = vec![0u8; 4];
        d[3] = 0x10; // supported classes: media
        if cdb[4] & 0x10 == 0 {
            // No supported class requested: NEA.
            d[2] = 0x80;
            return self.data_in(data, alloc, &d);
        }
        d[1] = 6;
        d[2] = 0x04; // media class
        let present = self.medium_present();
        let code = std::mem::take(&mut self.scsi.media_event);
        d.extend_from_slice(&[
            code,
            (u8::from(present) << 1) | u8::from(self.disc.state.tray_open),
            0,
            0,
        ]);
        self.data_in(data, alloc, &d)
    }

    fn read_toc(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let msf = cdb[1] & 0x02 != 0;
        let mut format = cdb[2] & 0x0F;
        if format == 0 {
            // Older hosts put the format in byte 9 bits 7..6.
            format = cdb[9] >> 6;
        }
        let s = &self.disc.state;
        let d = match format {
            0 if layout::is_random(s) => answers::toc_random(s, msf),
            0 => answers::toc_format0(s, msf, cdb[6]),
            1 => answers::toc_format1(s, msf),
            2 => answers::toc_format2(s),
            4 => answers::atip(s),
            _ => None,
        };
        match d {
            Some(d) => self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d),
            None => sense_of(INVALID_FIELD),
        }
    }

    fn get_performance(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let max = u16::from_be_bytes([cdb[8], cdb[9]]) as usize;
        let alloc = 8 + max * 16;
        let d = match cdb[10] {
            0x03 => answers::write_speed_descriptors(&self.disc.state, max),
            0x00 => {
                let write = cdb[1] & 0x04 != 0;
                let speed = if write {
                    self.writer.write_kbps
                } else {
                    answers::write_speeds(self.disc.state.kind)
                        .first()
                        .copied()
                        .unwrap_or(match self.disc.state.kind.family() {
                            Family::Cd => 48 * 176,
                            Family::Dvd => 16 * 1385,
                            Family::Bd => 12 * 4496,
                        })
                };
                answers::performance(&self.disc.state, write, speed)
            }
            _ => return sense_of(INVALID_FIELD),
        };
        self.data_in(data, alloc, &d)
    }

    fn mode_sense(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let pc = cdb[2] >> 6;
        let page = cdb[2] & 0x3F;
        if pc == 3 {
            return check(5, 0x39, 0x00); // SAVING PARAMETERS NOT SUPPORTED
        }
        let changeable = pc == 1;
        let mut pages = Vec::new();
        let want = |p: u8| page == p || page == 0x3F;
        if want(0x01) {
            pages.extend_from_slice(&write::page01(changeable));
        }
        if want(0x05) {
            pages.extend_from_slice(&self.writer.wp.page(changeable, pc == 2));
        }
        if want(0x2A) {
            pages.extend_from_slice(&write::page2a(
                &self.disc.state,
                self.writer.write_kbps,
                changeable,
            ));
        }
        if want(0x30) {
            let links = self.stats.burnfree_events;
            pages.extend_from_slice(&write::page30(self.writer.wp.bufe(), links, changeable));
        }
        if pages.is_empty() {
            return sense_of(INVALID_FIELD);
        }
        // Mode parameter header(10) (SPC-4 §7.5.5): MODE DATA LENGTH, no block descriptors.
        let mut d = vec![0u8; 8];
        d.extend_from_slice(&pages);
        let len = d.len() as u16 - 2;
        d[0..2].copy_from_slice(&len.to_be_bytes());
        self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d)
    }

    fn mode_select(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let len = u16::from_be_bytes([cdb[7], cdb[8]]) as usize;
        let DataDirection::ToDevice(buf) = data else {
            return if len == 0 {
                Reply::Good(0)
            } else {
                sense_of(INVALID_FIELD)
            };
        };
        if cdb[1] & 0x01 != 0 {
            return check(5, 0x39, 0x00);
        }
        let buf = &buf[..len.min(buf.len())];
        if buf.len() < 8 {
            return check(5, 0x1A, 0x00); // PARAMETER LIST LENGTH ERROR
        }
        let bd_len = u16::from_be_bytes([buf[6], buf[7]]) as usize;
        let mut p = &buf[(8 + bd_len).min(buf.len())..];
        while p.len() >= 2 {
            let code = p[0] & 0x3F;
            let plen = p[1] as usize + 2;
            if plen > p.len() {
                return check(5, 0x1A, 0x00);
            }
            let r = match code {
                0x05 => self.writer.wp.select(&p[..plen], &self.disc.state),
                0x01 | 0x2A => Ok(()),
                _ => Err(()),
            };
            if r.is_err() {
                return check(5, 0x26, 0x00); // INVALID FIELD IN PARAMETER LIST
            }
            p = &p[plen..];
        }
        Reply::Good(len)
    }
}

/// Opcodes the drive implements; everything else is INVALID COMMAND OPERATION CODE.
const KNOWN: &[u8] = &[
    0x00, 0x03, 0x04, 0x12, 0x1B, 0x1E, 0x23, 0x25, 0x28, 0x2A, 0x35, 0x43, 0x46, 0x4A, 0x51, 0x52,
    0x53, 0x55, 0x5A, 0x5B, 0x5C, 0x5D, 0xA1, 0xA8, 0xAA, 0xAC, 0xAD, 0xB6, 0xBB, 0xBE,
];

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
        if data.len() > MAX_TRANSFER.max(1 << 16)
            && !matches!(cdb[0], 0x28 | 0xA8 | 0x2A | 0xAA | 0xBE)
        {
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
        if !matches!(cdb[0], 0x2A | 0xAA | 0x28 | 0xA8 | 0xBE) {
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
