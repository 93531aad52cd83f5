//! Reading in the emulated drive: READ(10), READ(12) and READ CD, up to the first sector the
//! drive cannot deliver, with the scripted read faults.

use super::faults::{self, Action, FaultKind};
use super::layout::{self, BlockState};
use super::medium::Family;
use super::{
    EmuDrive, ILLEGAL_MODE, INCOMPATIBLE_MEDIUM, INVALID_FIELD, LBA_OUT_OF_RANGE, Reply, answers,
    be32, sense_of,
};
use crate::ecma130;
use crate::transport::DataDirection;
use std::io;
use std::ops::Range;

impl EmuDrive {
    pub(super) fn read10(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let n = u16::from_be_bytes([cdb[7], cdb[8]]) as u32;
        self.read(be32(cdb, 2), n, data)
    }

    pub(super) fn read12(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        self.read(be32(cdb, 2), be32(cdb, 6), data)
    }

    /// READ(10) / READ(12) of `blocks` blocks of user data from `lba`.
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

    /// READ CD (MMC-6 §6.19): whole or partial CD sectors, C2 pointers, sub-channel.
    pub(super) fn read_cd(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if self.disc.state.kind.family() != Family::Cd {
            return sense_of(INCOMPATIBLE_MEDIUM);
        }
        let rq = match ReadCd::parse(cdb) {
            Ok(rq) => rq,
            Err(r) => return r,
        };
        let DataDirection::FromDevice(buf) = data else {
            return sense_of(INVALID_FIELD);
        };
        let mut t = CdTransfer {
            buf,
            out: 0,
            slots: std::mem::take(&mut self.disc.scratch),
            window: 0..0,
            shift: faults::value_of(&self.disc.state.faults, FaultKind::AudioOffset),
        };
        let reply = self.read_cd_sectors(&rq, &mut t);
        self.disc.scratch = t.slots;
        reply
    }

    /// The sectors of READ CD: the stored slots are read a window of sectors at a time (one
    /// pread each), and each sector's fields the flags select are copied out of its slot (or,
    /// when the whole slot is asked for, read straight into the host's buffer).
    fn read_cd_sectors(&mut self, rq: &ReadCd, t: &mut CdTransfer<'_>) -> Reply {
        for i in 0..rq.blocks {
            let st = match self.read_cd_sector_check(rq, rq.lba + i, t.out) {
                Ok(st) => st,
                Err(r) => return r,
            };
            let copied = if rq.whole_slots() {
                self.read_cd_whole_slot(rq, i, st, t)
            } else {
                self.read_cd_fields(rq, i, st, t)
            };
            match copied {
                Ok(true) => {}
                // No room for the sector: the host gets the ones before it.
                Ok(false) => return Reply::Good(t.out),
                Err(e) => return self.io_failure(e),
            }
        }
        Reply::Good(t.out)
    }

    /// What sector `at` is, if READ CD can deliver it: recorded, of the type the host
    /// expects, no scripted fault on it. Else the reply that ends the transfer after `out`
    /// bytes.
    fn read_cd_sector_check(
        &mut self,
        rq: &ReadCd,
        at: u32,
        out: usize,
    ) -> Result<BlockState, Reply> {
        let st = layout::block_state(&self.disc.state, at);
        match st {
            BlockState::Unrecorded => return Err(self.partial(LBA_OUT_OF_RANGE, at, out)),
            BlockState::RunOut => return Err(self.partial(ILLEGAL_MODE, at, out)),
            _ if rq.wrong_type(st) => return Err(self.partial(ILLEGAL_MODE, at, out)),
            _ => {}
        }
        if let Some(a) = faults::on_read(&mut self.disc.state.faults, at, 1) {
            self.disc.dirty = true;
            match a {
                Action::Host { host_status, .. } => return Err(Reply::Host { host_status }),
                Action::Short { .. } => return Err(Reply::Good(out)),
                other => {
                    if let Some(Reply::Check {
                        key,
                        asc,
                        ascq,
                        info,
                        ..
                    }) = self.apply_action(other, at, 1)
                    {
                        return Err(Reply::Check {
                            key,
                            asc,
                            ascq,
                            info,
                            transferred: out,
                        });
                    }
                }
            }
        }
        Ok(st)
    }

    /// Sector `i` of a READ CD of whole slots: the slots go straight into the host's buffer
    /// (a window at a time); only a data sector not stored encoded, or shifted audio, is
    /// built in place. False if the buffer has no room for it.
    fn read_cd_whole_slot(
        &self,
        rq: &ReadCd,
        i: u32,
        st: BlockState,
        t: &mut CdTransfer<'_>,
    ) -> io::Result<bool> {
        let at = rq.lba + i;
        if i >= t.window.end {
            let n = WINDOW
                .min(rq.blocks - i)
                .min(((t.buf.len() - t.out) / 2352) as u32);
            if n == 0 {
                return Ok(false);
            }
            let dst = &mut t.buf[t.out..t.out + n as usize * 2352];
            self.disc.medium.read_data(at as u64 * 2352, dst)?;
            t.window = i..i + n;
        }
        let encoded = self.disc.medium.cd_data_encoded();
        let slot = &mut t.buf[t.out..t.out + 2352];
        if st == BlockState::Audio && t.shift != 0 {
            self.disc.shifted_audio(at, t.shift, slot)?;
        } else if st != BlockState::Audio && !(encoded && slot[..12] == ecma130::SYNC) {
            let user = if encoded { 16 } else { 0 };
            let built = ecma130::encode_mode1(at as u64, &slot[user..user + 2048]);
            slot.copy_from_slice(&built);
        }
        t.out += 2352;
        Ok(true)
    }

    /// Sector `i` of a READ CD that selects fields: from its slot (read ahead a window at a
    /// time into `t.slots`) or the sector built from it, the fields the flags select, then C2
    /// error bytes (all zero: nothing is ever wrong) and sub-channel. False if the buffer has
    /// no room for it.
    fn read_cd_fields(
        &mut self,
        rq: &ReadCd,
        i: u32,
        st: BlockState,
        t: &mut CdTransfer<'_>,
    ) -> io::Result<bool> {
        let at = rq.lba + i;
        if i >= t.window.end {
            let n = WINDOW.min(rq.blocks - i);
            t.slots.resize(n as usize * 2352, 0);
            self.disc.medium.read_data(at as u64 * 2352, &mut t.slots)?;
            t.window = i..i + n;
        }
        let k = (i - t.window.start) as usize;
        let slot = &t.slots[k * 2352..(k + 1) * 2352];
        let encoded = self.disc.medium.cd_data_encoded();
        let (shifted, built);
        let raw: &[u8] = match st {
            BlockState::Audio if t.shift != 0 => {
                let mut a = [0u8; 2352];
                self.disc.shifted_audio(at, t.shift, &mut a)?;
                shifted = a;
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
        let fields = rq.fields(st);
        let len: usize = fields.iter().filter(|f| f.0).map(|f| f.1.len()).sum();
        if t.out + len + rq.c2 + rq.subn > t.buf.len() {
            return Ok(false);
        }
        for (on, r) in fields {
            if on {
                t.buf[t.out..t.out + r.len()].copy_from_slice(&raw[r.clone()]);
                t.out += r.len();
            }
        }
        t.buf[t.out..t.out + rq.c2].fill(0);
        t.out += rq.c2;
        if rq.subn > 0 {
            let s = answers::subchannel(&self.disc.state, at);
            put_subchannel(&s, &mut t.buf[t.out..t.out + rq.subn]);
            t.out += rq.subn;
        }
        Ok(true)
    }

    /// CHECK CONDITION at sector `at` after `transferred` bytes went to the host.
    fn partial(&self, t: (u8, u8, u8), at: u32, transferred: usize) -> Reply {
        Reply::Check {
            key: t.0,
            asc: t.1,
            ascq: t.2,
            info: Some(at),
            transferred,
        }
    }
}

/// Sectors of slots read with one pread: about 1 MiB.
const WINDOW: u32 = 448;

/// A READ CD request as its CDB gives it (MMC-6 §6.19).
struct ReadCd {
    /// EXPECTED SECTOR TYPE: 0 any, 1 CD-DA, 2 mode 1, 3 to 5 mode 2.
    expected: u8,
    lba: u32,
    blocks: u32,
    /// Byte 9: SYNC 0x80, HEADER CODES 0x60, USER DATA 0x10, EDC/ECC 0x08, C2 0x06.
    flags: u8,
    /// C2 error bytes per sector: 294, or 296 with the block error bytes; 0 without.
    c2: usize,
    /// Sub-channel bytes per sector: 96 raw P-W, 16 formatted Q; 0 without.
    subn: usize,
}

impl ReadCd {
    fn parse(cdb: &[u8]) -> Result<ReadCd, Reply> {
        let flags = cdb[9];
        let c2 = match (flags >> 1) & 0x03 {
            0 => 0,
            1 => 294,
            2 => 296,
            _ => return Err(sense_of(INVALID_FIELD)),
        };
        let subn = match cdb[10] & 0x07 {
            0 => 0,
            1 | 4 => 96,
            2 => 16,
            _ => return Err(sense_of(INVALID_FIELD)),
        };
        Ok(ReadCd {
            expected: (cdb[1] >> 2) & 0x07,
            lba: be32(cdb, 2),
            blocks: u32::from_be_bytes([0, cdb[6], cdb[7], cdb[8]]),
            flags,
            c2,
            subn,
        })
    }

    /// Every field of every sector (sync 0x80, header 0x20, user data 0x10, EDC/ECC 0x08),
    /// nothing else: each sector is its whole 2352-byte slot, audio or data.
    fn whole_slots(&self) -> bool {
        self.flags & 0xB8 == 0xB8 && self.c2 == 0 && self.subn == 0
    }

    /// A sector of another type than the host expects (ILLEGAL MODE FOR THIS TRACK).
    fn wrong_type(&self, st: BlockState) -> bool {
        matches!(
            (self.expected, st),
            (1, BlockState::Data) | (2..=5, BlockState::Audio)
        )
    }

    /// The byte ranges of a 2352-byte sector the flags select, in order: audio is all or
    /// nothing; data is sync (0x80), header (header codes 01 or 11 in 0x60), user data
    /// (0x10), EDC/ECC (0x08).
    fn fields(&self, st: BlockState) -> [(bool, Range<usize>); 4] {
        let flags = self.flags;
        let none = (false, 0..0);
        if st == BlockState::Audio {
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
        }
    }
}

/// Where a READ CD transfer stands.
struct CdTransfer<'a> {
    /// The host's buffer, filled up to `out`.
    buf: &'a mut [u8],
    out: usize,
    /// Slots read ahead for copying fields out of.
    slots: Vec<u8>,
    /// Sectors (counted from the request's LBA) whose slots are in `slots`, or already in
    /// `buf` when whole slots are read.
    window: Range<u32>,
    /// The `audio-offset` fault: audio is read shifted by this many samples.
    shift: i64,
}

/// Sub-channel into `out`: 96 bytes raw (`raw` as is), or 16 formatted Q (bit 6 of each raw
/// byte, deinterleaved, then 4 zero bytes).
fn put_subchannel(raw: &[u8; 96], out: &mut [u8]) {
    if out.len() == 96 {
        out.copy_from_slice(raw);
        return;
    }
    for k in 0..12 {
        let mut b = 0u8;
        for j in 0..8 {
            b = (b << 1) | ((raw[k * 8 + j] >> 6) & 1);
        }
        out[k] = b;
    }
    out[12..16].fill(0);
}
