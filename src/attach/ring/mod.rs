//! The TCMU command ring (include/uapi/linux/target_core_user.h, mailbox version 2), read and
//! answered through [`Shared`]'s checked accessors. Layout (all little-endian on x86, native
//! order in general):
//!
//! - mailbox at 0: version u16 @0, flags u16 @2, cmdr_off u32 @4, cmdr_size u32 @8,
//!   cmd_head u32 @12 (the kernel's), cmd_tail u32 @64 (ours, on its own cache line);
//! - the ring at cmdr_off, cmdr_size bytes; each entry starts with a header: len_op u32 @0
//!   (length, a multiple of 8, with the opcode in the low 3 bits), cmd_id u16 @4, kflags u8
//!   @6, uflags u8 @7;
//! - a CMD entry's request: iov_cnt u32 @8, iov_bidi_cnt @12, iov_dif_cnt @16, cdb_off u64 @24,
//!   iov[] @48 (16 bytes each: base u64, len u64; base is an offset into the shared area) —
//!   the entry is packed but the request struct inside its union is not, so cdb_off is
//!   8-aligned; the CDB itself follows the iovecs inside the entry;
//!   its response overlays the request: scsi_status u8 @8, read_len u32 @12, sense @16 (96
//!   bytes) — so the request is copied out before the response is written;
//! - a TMR entry: tmr_type u8 @8, cmd_cnt u32 @12, cmd_ids u16[] @32 (information only:
//!   the commands it names are still completed normally);
//! - PAD entries fill the ring's end so that no entry wraps.

use super::shm::{OutOfMap, Shared};

const MB_VERSION: u64 = 0;
const MB_FLAGS: u64 = 2;
const MB_CMDR_OFF: u64 = 4;
const MB_CMDR_SIZE: u64 = 8;
const MB_CMD_HEAD: u64 = 12;
const MB_CMD_TAIL: u64 = 64;
/// The mailbox's size: the tail word ends at 68 (the struct is padded to 128).
const MAILBOX_END: u64 = 68;

/// Mailbox flags (what this kernel can do).
pub const CAP_OOOC: u16 = 1 << 0;
pub const CAP_READ_LEN: u16 = 1 << 1;
pub const CAP_TMR: u16 = 1 << 2;

const OP_PAD: u32 = 0;
const OP_CMD: u32 = 1;
const OP_TMR: u32 = 2;
const OP_MASK: u32 = 0x7;

const UFLAG_UNKNOWN_OP: u8 = 0x1;
const UFLAG_READ_LEN: u8 = 0x2;

const HDR_UFLAGS: u64 = 7;
const REQ_IOV_CNT: u64 = 8;
const REQ_CDB_OFF: u64 = 24;
const REQ_IOV: u64 = 48;
const IOVEC: u64 = 16;
const RSP_STATUS: u64 = 8;
const RSP_READ_LEN: u64 = 12;
const RSP_SENSE: u64 = 16;
/// TCMU_SENSE_BUFFERSIZE.
pub const SENSE_MAX: usize = 96;
const TMR_TYPE: u64 = 8;
const TMR_CMD_CNT: u64 = 12;
const TMR_IDS: u64 = 32;

/// The longest CDB the drive answers; longer variable-length CDBs are cut here (the emulated
/// drive rejects them by opcode anyway).
pub const CDB_MAX: usize = 16;

/// The ring said something impossible: serving stops, since nothing after it can be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RingError {
    #[error(transparent)]
    OutOfMap(#[from] OutOfMap),
    #[error("mailbox version {0} (this handler speaks version 2)")]
    Version(u16),
    #[error("command ring at {off}, {size} bytes, does not fit the {map}-byte shared area")]
    Geometry { off: u32, size: u32, map: usize },
    #[error("ring position {pos} is outside the {size}-byte ring")]
    Position { pos: u32, size: u32 },
    #[error("entry at {at}: length {len} is not a multiple of 8 of at least 8 inside the ring")]
    EntryLength { at: u32, len: u32 },
    #[error("entry at {at}: {count} iovecs do not fit its {len} bytes")]
    IovCount { at: u32, count: u64, len: u32 },
    #[error("entry at {at}: data buffer {base}+{len} is not in the data area")]
    Iov { at: u32, base: u64, len: u64 },
}

/// One data buffer of a command: `len` bytes at `base` of the shared area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Iov {
    pub base: u64,
    pub len: u64,
}

/// A SCSI command taken from the ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub cmd_id: u16,
    pub cdb: Vec<u8>,
    /// The data-out or data-in buffers, in order (bidirectional and DIF buffers are not
    /// used by MMC and are not served).
    pub iovs: Vec<Iov>,
    /// Bidirectional or protection buffers were attached.
    pub extra_iovs: bool,
}

impl Command {
    pub fn data_len(&self) -> u64 {
        self.iovs.iter().map(|v| v.len).sum()
    }
}

/// What an entry of the ring asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Filler to the ring's end: nothing to do.
    Pad,
    Command(Command),
    /// A task management notice (abort, reset) naming commands by id.
    TaskManagement {
        tmr_type: u8,
        cmd_ids: Vec<u16>,
    },
    /// An entry opcode this handler does not know: marked UNKNOWN_OP and passed over.
    Unknown(u32),
}

/// An entry at the ring's tail, to be answered with [`Ring::complete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    at: u32,
    len: u32,
    pub request: Request,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u8,
    pub sense: Vec<u8>,
    /// Bytes of data-in actually produced (the rest of the buffer is not data).
    pub read_len: Option<u32>,
}

/// The command ring of one TCMU device.
pub struct Ring {
    shm: Shared,
    cmdr_off: u64,
    cmdr_size: u32,
    flags: u16,
    /// Our tail: kept here, not re-read from the shared area (only we move it).
    tail: u32,
    data_start: u64,
}

impl Ring {
    /// Check the mailbox and take over the ring where its tail stands (a handler that died
    /// may have left commands between tail and head: they are served now).
    pub fn new(shm: Shared) -> Result<Ring, RingError> {
        let mut v = [0u8; 2];
        shm.read("mailbox version", MB_VERSION, &mut v)?;
        let version = u16::from_ne_bytes(v);
        if version != 2 {
            return Err(RingError::Version(version));
        }
        shm.read("mailbox flags", MB_FLAGS, &mut v)?;
        let flags = u16::from_ne_bytes(v);
        let off = shm.read_u32("cmdr_off", MB_CMDR_OFF)?;
        let size = shm.read_u32("cmdr_size", MB_CMDR_SIZE)?;
        let end = u64::from(off) + u64::from(size);
        if u64::from(off) < MAILBOX_END || size < 8 || size % 8 != 0 || end > shm.len() as u64 {
            return Err(RingError::Geometry {
                off,
                size,
                map: shm.len(),
            });
        }
        let tail = shm.load_acquire("cmd_tail", MB_CMD_TAIL)?;
        if tail >= size || tail % 8 != 0 {
            return Err(RingError::Position { pos: tail, size });
        }
        Ok(Ring {
            shm,
            cmdr_off: u64::from(off),
            cmdr_size: size,
            flags,
            tail,
            data_start: end,
        })
    }

    pub fn flags(&self) -> u16 {
        self.flags
    }

    pub fn shared(&self) -> &Shared {
        &self.shm
    }

    fn head(&self) -> Result<u32, RingError> {
        let head = self.shm.load_acquire("cmd_head", MB_CMD_HEAD)?;
        if head >= self.cmdr_size || head % 8 != 0 {
            return Err(RingError::Position {
                pos: head,
                size: self.cmdr_size,
            });
        }
        Ok(head)
    }

    /// The entry at the tail, if the kernel has queued one.
    pub fn next(&self) -> Result<Option<Entry>, RingError> {
        let head = self.head()?;
        let at = self.tail;
        if head == at {
            return Ok(None);
        }
        // Bytes the kernel has queued from the tail on (the ring wraps).
        let queued = (head + self.cmdr_size - at) % self.cmdr_size;
        let base = self.cmdr_off + u64::from(at);
        let len_op = self.shm.read_u32("entry header", base)?;
        let len = len_op & !OP_MASK;
        if len < 8 || len > queued || at + len > self.cmdr_size {
            return Err(RingError::EntryLength { at, len });
        }
        let request = match len_op & OP_MASK {
            OP_PAD => Request::Pad,
            OP_CMD => Request::Command(self.command(at, base, len)?),
            OP_TMR => self.task_management(at, base, len)?,
            op => Request::Unknown(op),
        };
        Ok(Some(Entry { at, len, request }))
    }

    fn command(&self, at: u32, base: u64, len: u32) -> Result<Command, RingError> {
        if len < REQ_IOV as u32 {
            return Err(RingError::EntryLength { at, len });
        }
        let mut id = [0u8; 2];
        self.shm.read("cmd_id", base + 4, &mut id)?;
        let counts = [
            self.shm.read_u32("iov_cnt", base + REQ_IOV_CNT)?,
            self.shm.read_u32("iov_bidi_cnt", base + REQ_IOV_CNT + 4)?,
            self.shm.read_u32("iov_dif_cnt", base + REQ_IOV_CNT + 8)?,
        ];
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        if REQ_IOV + total * IOVEC > u64::from(len) {
            return Err(RingError::IovCount {
                at,
                count: total,
                len,
            });
        }
        let mut iovs = Vec::with_capacity(counts[0] as usize);
        for k in 0..u64::from(counts[0]) {
            let b = self.shm.read_u64("iov_base", base + REQ_IOV + k * IOVEC)?;
            let l = self
                .shm
                .read_u64("iov_len", base + REQ_IOV + k * IOVEC + 8)?;
            let inside = b >= self.data_start
                && b.checked_add(l).is_some_and(|e| e <= self.shm.len() as u64);
            if !inside {
                return Err(RingError::Iov {
                    at,
                    base: b,
                    len: l,
                });
            }
            iovs.push(Iov { base: b, len: l });
        }
        let cdb_off = self.shm.read_u64("cdb_off", base + REQ_CDB_OFF)?;
        let mut op = [0u8; 1];
        self.shm.read("cdb", cdb_off, &mut op)?;
        let n = cdb_length(op[0]);
        let mut cdb = vec![0u8; n];
        self.shm.read("cdb", cdb_off, &mut cdb)?;
        if op[0] == 0x7F && cdb.len() > 7 {
            // Variable-length CDB: its additional length is byte 7; we keep the first 16.
            cdb.truncate(CDB_MAX);
        }
        Ok(Command {
            cmd_id: u16::from_ne_bytes(id),
            cdb,
            iovs,
            extra_iovs: counts[1] != 0 || counts[2] != 0,
        })
    }

    fn task_management(&self, at: u32, base: u64, len: u32) -> Result<Request, RingError> {
        if len < TMR_IDS as u32 {
            return Err(RingError::EntryLength { at, len });
        }
        let mut t = [0u8; 1];
        self.shm.read("tmr_type", base + TMR_TYPE, &mut t)?;
        let count = self.shm.read_u32("tmr cmd_cnt", base + TMR_CMD_CNT)?;
        if TMR_IDS + u64::from(count) * 2 > u64::from(len) {
            return Err(RingError::IovCount {
                at,
                count: u64::from(count),
                len,
            });
        }
        let mut raw = vec![0u8; count as usize * 2];
        self.shm.read("tmr cmd_ids", base + TMR_IDS, &mut raw)?;
        let cmd_ids = raw
            .chunks_exact(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]))
            .collect();
        Ok(Request::TaskManagement {
            tmr_type: t[0],
            cmd_ids,
        })
    }

    /// Copy a command's data-out buffers into `out` (resized to the data length).
    pub fn gather(&self, c: &Command, out: &mut Vec<u8>) -> Result<(), RingError> {
        out.resize(c.data_len() as usize, 0);
        let mut pos = 0usize;
        for v in &c.iovs {
            let n = v.len as usize;
            self.shm.read("data-out", v.base, &mut out[pos..pos + n])?;
            pos += n;
        }
        Ok(())
    }

    /// A command with one data-in buffer: `f` fills it in place and says how many bytes it
    /// produced; the rest of the buffer is zeroed (as `scatter` does). `None`: the command's
    /// buffer is in several pieces (use `scatter`).
    pub fn fill_in_place(
        &self,
        c: &Command,
        f: impl FnOnce(&mut [u8]) -> usize,
    ) -> Result<Option<usize>, RingError> {
        let [v] = c.iovs.as_slice() else {
            return Ok(None);
        };
        let n = self.shm.with_slice_mut("data-in", v.base, v.len, |b| {
            let n = f(b).min(b.len());
            b[n..].fill(0);
            n
        })?;
        Ok(Some(n))
    }

    /// Copy `data` into a command's data-in buffers and zero the rest of them: bytes the
    /// drive did not produce never reach the initiator as stale memory.
    pub fn scatter(&self, c: &Command, data: &[u8]) -> Result<(), RingError> {
        let mut pos = 0usize;
        for v in &c.iovs {
            let n = v.len as usize;
            let take = data.len().saturating_sub(pos).min(n);
            self.shm.write("data-in", v.base, &data[pos..pos + take])?;
            if take < n {
                self.shm
                    .zero("data-in", v.base + take as u64, (n - take) as u64)?;
            }
            pos += take;
        }
        Ok(())
    }

    /// Answer the entry at the tail and move the tail past it. A command gets its status,
    /// sense and (where the kernel takes it) read length; an unknown entry is marked so.
    pub fn complete(&mut self, e: &Entry, rsp: Option<&Response>) -> Result<(), RingError> {
        let base = self.cmdr_off + u64::from(e.at);
        match (&e.request, rsp) {
            (Request::Command(_), Some(r)) => {
                let mut uflags = 0u8;
                if let Some(n) = r.read_len
                    && self.flags & CAP_READ_LEN != 0
                {
                    self.shm
                        .write("read_len", base + RSP_READ_LEN, &n.to_ne_bytes())?;
                    uflags |= UFLAG_READ_LEN;
                }
                let mut sense = [0u8; SENSE_MAX];
                let n = r.sense.len().min(SENSE_MAX);
                sense[..n].copy_from_slice(&r.sense[..n]);
                self.shm.write("sense", base + RSP_SENSE, &sense)?;
                self.shm
                    .write("scsi_status", base + RSP_STATUS, &[r.status])?;
                self.shm.write("uflags", base + HDR_UFLAGS, &[uflags])?;
            }
            (Request::Unknown(_), _) => {
                self.shm
                    .write("uflags", base + HDR_UFLAGS, &[UFLAG_UNKNOWN_OP])?;
            }
            _ => {}
        }
        self.tail = (e.at + e.len) % self.cmdr_size;
        self.shm.store_release("cmd_tail", MB_CMD_TAIL, self.tail)?;
        Ok(())
    }
}

/// A CDB's length from its group code (SAM-5 §5.2; the kernel's COMMAND_SIZE table), up to
/// [`CDB_MAX`].
pub fn cdb_length(opcode: u8) -> usize {
    match opcode >> 5 {
        0 => 6,
        1 | 2 => 10,
        4 => 16,
        5 => 12,
        3 => CDB_MAX,
        _ => 10,
    }
}

#[cfg(test)]
mod tests;
