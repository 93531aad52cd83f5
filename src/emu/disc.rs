//! The disc in the emulated drive: its medium file and the [`State`] read from it, kept in
//! step, and the sector reads and writes that go through the file's slot layout.

use super::layout::{self, BlockState};
use super::medium::{MediumError, MediumFile, State};
use std::io;

/// The persisted medium: what survives the process is `state` saved into `medium`.
pub(super) struct Disc {
    pub medium: MediumFile,
    pub state: State,
    /// `state` changed since it was last saved. The drive saves after every command but sector
    /// transfers (a burn would otherwise rewrite the metadata at every WRITE): what those
    /// change is saved by the next other command or when the drive is dropped.
    pub dirty: bool,
    /// Sector slots read for one transfer, kept so a rip does not allocate per command.
    pub scratch: Vec<u8>,
}

impl Disc {
    pub fn new(medium: MediumFile, state: State) -> Disc {
        Disc {
            medium,
            state,
            dirty: false,
            scratch: Vec::new(),
        }
    }

    pub fn save(&mut self) -> Result<(), MediumError> {
        self.medium.save(&self.state)?;
        self.dirty = false;
        Ok(())
    }

    /// Save if anything changed; a failed save stays dirty and is tried again next time (a
    /// drive has nowhere to report it: the host learns of a bad disc from its reads).
    pub fn save_if_dirty(&mut self) {
        if self.dirty {
            let _ = self.save();
        }
    }

    /// A blank disc of the same kind and capacity takes this one's place. The scripted faults
    /// stay: they are the test's script for the drive, not part of the disc.
    pub fn replace_with_blank(&mut self) {
        let faults = std::mem::take(&mut self.state.faults);
        self.state = State::new_blank(self.state.kind, self.state.capacity);
        self.state.faults = faults;
        let _ = self.medium.discard_data();
        self.dirty = true;
    }

    /// An underrun without BURN-Free or a write error stopped the recording of the track
    /// being written (the last one not closed): it is damaged, and writes to it fail.
    pub fn damage_open_track(&mut self) {
        if let Some(t) = self.state.tracks.iter_mut().rev().find(|t| !t.closed) {
            t.damaged = true;
        }
    }

    /// User data (2048 bytes per block) of consecutive blocks from the medium file.
    pub fn read_user(&mut self, lba: u32, out: &mut [u8]) -> io::Result<()> {
        let stride = self.state.kind.stride();
        if stride == 2048 {
            return self.medium.read_data(lba as u64 * 2048, out);
        }
        if let Some(r) = self.medium.read_plain_user(lba as u64, out) {
            return r;
        }
        let blocks = out.len() / 2048;
        let user = self.medium.cd_user_offset();
        self.scratch.resize(blocks * stride as usize, 0);
        self.medium
            .read_data(lba as u64 * stride, &mut self.scratch)?;
        for (o, slot) in out
            .chunks_exact_mut(2048)
            .zip(self.scratch.chunks_exact(stride as usize))
        {
            o.copy_from_slice(&slot[user..user + 2048]);
        }
        Ok(())
    }

    /// Audio sector `at` as a drive with a read/write offset of `shift` samples returns it:
    /// the 2352 bytes of the disc's audio from byte `at × 2352 + 4 × shift`, taken from the
    /// (at most two) sectors that range touches; a sector that is not recorded audio (lead-in,
    /// lead-out, a data track) gives zeros.
    pub fn shifted_audio(&self, at: u32, shift: i64, out: &mut [u8]) -> io::Result<()> {
        let from = i64::from(at) * 2352 + 4 * shift;
        let first = from.div_euclid(2352);
        let skip = from.rem_euclid(2352) as usize;
        let mut two = [0u8; 2 * 2352];
        for (k, part) in two.chunks_exact_mut(2352).enumerate() {
            let lba = first + k as i64;
            let audio = u32::try_from(lba)
                .is_ok_and(|l| layout::block_state(&self.state, l) == BlockState::Audio);
            if audio {
                self.medium.read_data(lba as u64 * 2352, part)?;
            }
        }
        out.copy_from_slice(&two[skip..skip + 2352]);
        Ok(())
    }

    /// Put `blocks` sectors of `bs` bytes each into the medium file at their slots.
    pub fn store(&mut self, lba: u64, blocks: u32, bs: usize, buf: &[u8]) -> io::Result<()> {
        let stride = self.state.kind.stride();
        if stride == 2352 && bs == 2048 {
            return self.medium.write_cd_data(lba, &buf[..blocks as usize * bs]);
        }
        if stride as usize == bs {
            return self
                .medium
                .write_data(lba * stride, &buf[..blocks as usize * bs]);
        }
        for i in 0..blocks as usize {
            self.medium
                .write_data((lba + i as u64) * stride, &buf[i * bs..(i + 1) * bs])?;
        }
        Ok(())
    }
}
