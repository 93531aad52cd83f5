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
