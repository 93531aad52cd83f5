//! Recording in the emulated drive: write parameters (mode page 05h), the drive buffer that
//! drains at the write speed, WRITE on sequential and random-access media, RESERVE TRACK,
//! SEND CUE SHEET, CLOSE TRACK/SESSION, SYNCHRONIZE CACHE, FORMAT UNIT and BLANK.

use super::Busy;
use super::answers;
use super::faults;
use super::layout;
use super::medium::{Family, MediaKind, State, Track, WriteMethod};
use super::{EmuDrive, INVALID_FIELD, Reply, be32, check, sense_of};
use crate::transport::DataDirection;
use std::time::Duration;

/// Drive buffer: 4 MiB, as common DVD/BD writers have.
pub const DRIVE_BUFFER: u64 = 4 << 20;

const SEQUENCE_ERROR: (u8, u8, u8) = (5, 0x2C, 0x00);
const INVALID_WRITE_ADDRESS: (u8, u8, u8) = (5, 0x21, 0x02);
const INVALID_PARAMETER: (u8, u8, u8) = (5, 0x26, 0x00);
const CANNOT_FORMAT: (u8, u8, u8) = (5, 0x30, 0x06);
const INCOMPATIBLE: (u8, u8, u8) = (5, 0x30, 0x05);

/// Mode page 05h, Write Parameters (MMC-6 §7.5.4, Table 669), as the host last set it.
#[derive(Debug, Clone)]
pub struct WriteParams {
    page: [u8; 52],
}

impl WriteParams {
    pub fn default_for(kind: MediaKind) -> WriteParams {
        let mut page = [0u8; 52];
        page[0] = 0x05;
        page[1] = 0x32;
        // Byte 2: BUFE 0, LS_V 0, TEST WRITE 0, WRITE TYPE: TAO on CD, incremental otherwise.
        page[2] = if kind.family() == Family::Cd {
            0x01
        } else {
            0x00
        };
        page[3] = 0x04; // MULTI-SESSION 00b, TRACK MODE 4 (data)
        page[4] = 0x08; // DATA BLOCK TYPE 8: mode 1, 2048 bytes
        page[5] = if kind.family() == Family::Cd { 0 } else { 16 }; // LINK SIZE
        page[15] = 150; // AUDIO PAUSE LENGTH (bytes 14..=15)
        WriteParams { page }
    }

    pub fn write_type(&self) -> u8 {
        self.page[2] & 0x0F
    }
    pub fn test_write(&self) -> bool {
        self.page[2] & 0x10 != 0
    }
    pub fn bufe(&self) -> bool {
        self.page[2] & 0x40 != 0
    }
    /// MODE SELECT of vendor page 30h (cdrecord/wodim send it back with BUEFE as they want
    /// it): byte 3 bit 0 switches BURN-Free, the same switch as page 05h's BUFE.
    pub fn select_page30(&mut self, p: &[u8]) -> Result<(), ()> {
        if p.len() < 4 || p[1] < 2 {
            return Err(());
        }
        if p[3] & 0x01 != 0 {
            self.page[2] |= 0x40;
        } else {
            self.page[2] &= !0x40;
        }
        Ok(())
    }
    /// MULTI-SESSION field: 11b leaves the disc appendable after the session is closed.
    pub fn multi_session(&self) -> bool {
        self.page[3] >> 6 == 0b11
    }
    pub fn data_block_type(&self) -> u8 {
        self.page[4] & 0x0F
    }

    /// The page for MODE SENSE: current values, changeable mask, or defaults.
    pub fn page(&self, changeable: bool, default: bool) -> Vec<u8> {
        if changeable {
            let mut m = [0u8; 52];
            m[0] = 0x05;
            m[1] = 0x32;
            m[2] = 0x5F;
            m[3] = 0xCF;
            m[4] = 0x0F;
            m[5] = 0xFF;
            m[7] = 0x3F;
            m[8] = 0xFF;
            m[10..16].fill(0xFF);
            return m.to_vec();
        }
        if default {
            return WriteParams::default_for(MediaKind::CdR).page.to_vec();
        }
        self.page.to_vec()
    }

    /// MODE SELECT of page 05h: accept what the medium can do, refuse the rest.
    pub fn select(&mut self, p: &[u8], s: &State) -> Result<(), ()> {
        if p.len() < 6 {
            return Err(());
        }
        let write_type = p[2] & 0x0F;
        let test = p[2] & 0x10 != 0;
        let block_type = p[4] & 0x0F;
        let ok_type = match s.kind {
            MediaKind::CdR | MediaKind::CdRw => matches!(write_type, 0..=2),
            MediaKind::DvdR | MediaKind::DvdRw => matches!(write_type, 0 | 2),
            _ => true,
        };
        // Test write exists on CD-R/RW and DVD-R/RW only (features 002Dh, 002Eh, 002Fh).
        let ok_test = !test
            || matches!(
                s.kind,
                MediaKind::CdR | MediaKind::CdRw | MediaKind::DvdR | MediaKind::DvdRw
            );
        let ok_block = match s.kind.family() {
            Family::Cd => matches!(block_type, 0 | 8),
            _ => block_type == 8 || block_type == 0,
        };
        if !(ok_type && ok_test && ok_block) {
            return Err(());
        }
        let n = p.len().min(52);
        self.page[2..n].copy_from_slice(&p[2..n]);
        Ok(())
    }
}

/// Mode page 01h, Read/Write Error Recovery (MMC-6 §7.3): AWRE, ARRE, 5 retries.
pub fn page01(changeable: bool) -> Vec<u8> {
    let mut p = vec![0u8; 12];
    p[0] = 0x01;
    p[1] = 0x0A;
    if changeable {
        p[2] = 0xFF;
        p[3] = 0xFF;
        p[8] = 0xFF;
    } else {
        p[2] = 0xC0;
        p[3] = 5;
        p[8] = 5;
    }
    p
}

/// Vendor mode page 30h as Ricoh-style writers answer it (no MMC page reports BURN-Free
/// use): length 0Eh, byte 2 bit 0 BURN-Free supported, byte 3 bit 0 BURN-Free enabled (page
/// 05h BUFE), bytes 4..=5 the link counter: how often the drive ran dry and re-linked.
pub fn page30(enabled: bool, links: u32, changeable: bool) -> Vec<u8> {
    let mut p = vec![0u8; 16];
    p[0] = 0x30;
    p[1] = 0x0E;
    if !changeable {
        p[2] = 0x01;
        p[3] = u8::from(enabled);
        p[4..6].copy_from_slice(&(links.min(u32::from(u16::MAX)) as u16).to_be_bytes());
    }
    p
}

/// Mode page 2Ah, MM Capabilities and Mechanical Status (MMC-3 §6.3.11, kept by MMC-6 as
/// legacy): read/write abilities, buffer size, current write speed, write speed descriptors.
pub fn page2a(s: &State, write_kbps: u32, changeable: bool) -> Vec<u8> {
    let speeds = super::answers::write_speeds(s.kind);
    let n = speeds.len();
    let mut p = vec![0u8; 32 + 4 * n];
    p[0] = 0x2A;
    p[1] = (p.len() - 2) as u8;
    if changeable {
        return p;
    }
    p[2] = 0x1F; // CD-R, CD-RW read, method 2, DVD-ROM, DVD-R read
    p[3] = 0x17; // CD-R, CD-RW write, test write, DVD-R write
    p[4] = 0xC0; // BUF, multi-session
    p[5] = 0x13; // CD-DA commands, accurate, C2 pointers
    p[6] = 0x29; // tray, eject, lock
    p[12..14].copy_from_slice(&((DRIVE_BUFFER / 1024) as u16).to_be_bytes());
    let cur = write_kbps.min(u16::MAX as u32) as u16;
    let max = speeds.first().copied().unwrap_or(0).min(u16::MAX as u32) as u16;
    p[18..20].copy_from_slice(&max.to_be_bytes());
    p[20..22].copy_from_slice(&cur.to_be_bytes());
    p[28..30].copy_from_slice(&cur.to_be_bytes());
    p[30..32].copy_from_slice(&(n as u16).to_be_bytes());
    for (i, w) in speeds.iter().enumerate() {
        p[34 + 4 * i..36 + 4 * i].copy_from_slice(&(*w as u16).to_be_bytes());
    }
    p
}

/// The drive buffer: filled by WRITE, drained onto the disc at the write speed once it has
/// filled (or a flush asks for it). Running dry while recording is an underrun.
#[derive(Debug, Clone)]
pub struct Buffer {
    pub size: u64,
    pub fill: f64,
    last: Duration,
    pub draining: bool,
}

impl Buffer {
    pub fn new(size: u64, now: Duration) -> Buffer {
        Buffer {
            size,
            fill: 0.0,
            last: now,
            draining: false,
        }
    }

    /// Drain up to `now` at `rate` bytes/s; true if the buffer ran dry while recording.
    pub fn advance(&mut self, now: Duration, rate: f64) -> bool {
        let dt = now.saturating_sub(self.last).as_secs_f64();
        self.last = now;
        if !self.draining {
            return false;
        }
        let drained = dt * rate;
        if drained > self.fill + 0.5 {
            self.fill = 0.0;
            self.draining = false;
            return true;
        }
        self.fill = (self.fill - drained).max(0.0);
        false
    }
}

/// A cue sheet sent for session-at-once (MMC-6 §6.40): regions of the session with their
/// block size, in LBA order, and where the host must write next.
#[derive(Debug, Clone)]
pub struct CueSheet {
    /// (first LBA, block size in bytes, audio, how stored: 0 user 2048, 1 raw mode 1 2352,
    /// 2 audio 2352, 3 raw mode 2 (XA) 2352).
    regions: Vec<(i64, usize, bool, u8)>,
    next: i64,
    leadout: i64,
    first_track: usize,
}

impl CueSheet {
    /// Has the host written any sector of the session yet?
    fn started(&self) -> bool {
        self.regions.first().is_some_and(|r| self.next > r.0)
    }

    fn region(&self, lba: i64) -> Option<(usize, bool, u8)> {
        self.regions
            .iter()
            .rev()
            .find(|r| r.0 <= lba)
            .map(|r| (r.1, r.2, r.3))
    }
}

/// The write engine: how the host set up recording (page 05h, write speed), the drive buffer
/// between the host and the laser, and the cue sheet of a session-at-once being written. It
/// lives as long as the drive, not the disc: a new disc keeps the settings.
#[derive(Debug)]
pub(super) struct WriteEngine {
    pub wp: WriteParams,
    pub write_kbps: u32,
    /// Bytes per sector of the last CD WRITE: a CD records 75 sectors a second per 1x
    /// whatever their size, so the buffer drains 2352-byte sectors faster in bytes.
    pub cd_block_bytes: u32,
    pub buffer: Buffer,
    pub cue: Option<CueSheet>,
    /// Record as fast as the host sends (the buffer never fills) until the host asks for a
    /// speed below the fastest: an attached drive on the real clock is not slower than the
    /// burner unless the burner wants it slow.
    pub free_running: bool,
    /// The host asked for a write speed below the fastest the medium offers.
    slowed: bool,
}

impl WriteEngine {
    /// The engine as the drive powers up with `kind` in it: default page 05h, top speed.
    pub fn new(kind: MediaKind, now: Duration) -> WriteEngine {
        WriteEngine {
            wp: WriteParams::default_for(kind),
            write_kbps: super::answers::write_speeds(kind)
                .first()
                .copied()
                .unwrap_or(0),
            cd_block_bytes: 2048,
            buffer: Buffer::new(DRIVE_BUFFER, now),
            cue: None,
            free_running: false,
            slowed: false,
        }
    }

    /// The buffer is not modelled: data reaches the disc as fast as it arrives.
    fn unpaced(&self) -> bool {
        self.free_running && !self.slowed
    }

    /// A new disc: nothing buffered for it, no cue sheet for it.
    pub fn new_disc(&mut self, now: Duration) {
        self.buffer = Buffer::new(DRIVE_BUFFER, now);
        self.cue = None;
    }

    /// Bytes per second of user data at the selected write speed.
    fn rate(&self, kind: MediaKind) -> f64 {
        let kbps = self.write_kbps.max(1) as f64 * 1000.0;
        if kind.family() == Family::Cd {
            kbps * f64::from(self.cd_block_bytes) / 2352.0
        } else {
            kbps
        }
    }

    /// Media that use page 05h get BURN-Free only with BUFE; DVD+R/+RW and BD link losslessly.
    fn burnfree(&self, s: &State) -> bool {
        match s.kind {
            MediaKind::CdR | MediaKind::CdRw | MediaKind::DvdR => self.wp.bufe(),
            MediaKind::DvdRw if !s.formatted => self.wp.bufe(),
            _ => true,
        }
    }

    /// The fastest speed offered for `kind` not above `kbps` (else the slowest; with none
    /// offered, the speed stays).
    pub fn set_write_speed(&mut self, kind: MediaKind, kbps: u32) {
        let speeds = super::answers::write_speeds(kind);
        self.slowed = speeds.first().is_some_and(|&top| kbps < top);
        self.write_kbps = speeds
            .iter()
            .copied()
            .find(|&w| w <= kbps)
            .or_else(|| speeds.last().copied())
            .unwrap_or(self.write_kbps);
    }
}

impl EmuDrive {
    /// Bytes per second the buffer drains at.
    fn rate(&self) -> f64 {
        self.writer.rate(self.disc.state.kind)
    }

    /// Bring the buffer up to now; an underrun damages the open track unless BURN-Free saves it.
    fn drain(&mut self) {
        let now = self.clock.now();
        if self.writer.unpaced() {
            self.writer.buffer = Buffer::new(DRIVE_BUFFER, now);
            return;
        }
        let rate = self.rate();
        if self.writer.buffer.advance(now, rate) {
            if self.writer.burnfree(&self.disc.state) {
                self.stats.burnfree_events += 1;
            } else {
                self.stats.underruns += 1;
                self.disc.damage_open_track();
                self.disc.dirty = true;
            }
        }
    }

    /// Take `bytes` into the buffer, waiting (on the clock) for room as a drive holds the
    /// command until it can accept the data.
    fn fill_buffer(&mut self, bytes: u64) {
        self.drain();
        if self.writer.unpaced() {
            return;
        }
        let rate = self.rate();
        let room_needed = self.writer.buffer.fill + bytes as f64 - self.writer.buffer.size as f64;
        if room_needed > 0.0 {
            self.writer.buffer.draining = true;
            self.clock
                .sleep(Duration::from_secs_f64(room_needed / rate));
            self.drain();
            self.writer.buffer.draining = true;
        }
        self.writer.buffer.fill += bytes as f64;
        if self.writer.buffer.fill >= self.writer.buffer.size as f64 {
            self.writer.buffer.draining = true;
        }
    }

    /// Time to write out what the buffer holds.
    fn flush_time(&mut self) -> Duration {
        self.drain();
        if self.writer.unpaced() {
            return Duration::ZERO;
        }
        let t = Duration::from_secs_f64(self.writer.buffer.fill / self.rate());
        self.writer.buffer.fill = 0.0;
        self.writer.buffer.draining = false;
        t
    }

    fn wait_or_busy(&mut self, t: Duration, immed: bool, asc: u8, ascq: u8) {
        if immed {
            let now = self.clock.now();
            self.scsi.busy = Some(Busy {
                started: now,
                until: now + t,
                asc,
                ascq,
            });
        } else {
            self.clock.sleep(t);
        }
    }

    /// SET STREAMING: the read and write speeds of a performance descriptor (size / time).
    pub(super) fn set_streaming(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if cdb[8] != 0 {
            return sense_of(INVALID_FIELD);
        }
        let len = u16::from_be_bytes([cdb[9], cdb[10]]);
        let buf = match parameter_list(data, len, 28) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let (rs, rt, ws, wt) = (be32(buf, 12), be32(buf, 16), be32(buf, 20), be32(buf, 24));
        if rt > 0 {
            self.scsi.read_kbps = (rs as u64 * 1000 / rt as u64) as u32;
        }
        if wt > 0 {
            self.writer.set_write_speed(
                self.disc.state.kind,
                (ws as u64 * 1000 / wt as u64).min(u32::MAX as u64) as u32,
            );
        }
        Reply::Good(len as usize)
    }

    /// READ BUFFER CAPACITY: buffer size and free bytes, or free blocks (BLOCK bit).
    pub(super) fn read_buffer_capacity(
        &mut self,
        cdb: &[u8],
        data: &mut DataDirection<'_>,
    ) -> Reply {
        self.drain();
        let alloc = u16::from_be_bytes([cdb[7], cdb[8]]) as usize;
        let mut d = vec![0u8; 12];
        d[1] = 10;
        let free = (self.writer.buffer.size as f64 - self.writer.buffer.fill).max(0.0) as u64;
        if cdb[1] & 0x01 != 0 {
            d[3] = 0x01;
            d[8..12].copy_from_slice(&((free / 2048) as u32).to_be_bytes());
        } else {
            d[4..8].copy_from_slice(&(self.writer.buffer.size as u32).to_be_bytes());
            d[8..12].copy_from_slice(&(free as u32).to_be_bytes());
        }
        self.data_in(data, alloc, &d)
    }

    pub(super) fn write10(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let n = u16::from_be_bytes([cdb[7], cdb[8]]) as u32;
        self.write(be32(cdb, 2), n, cdb[1] & 0x08 != 0, data)
    }

    pub(super) fn write12(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        self.write(be32(cdb, 2), be32(cdb, 6), cdb[1] & 0x08 != 0, data)
    }

    /// WRITE(10) / WRITE(12) of `blocks` blocks at `lba`: into the cue sheet's session, a
    /// random-access medium, or in sequence.
    fn write(&mut self, lba: u32, blocks: u32, _fua: bool, data: &mut DataDirection<'_>) -> Reply {
        if self.disc.state.kind.is_rom() {
            return sense_of(INCOMPATIBLE);
        }
        let DataDirection::ToDevice(buf) = data else {
            return sense_of(INVALID_FIELD);
        };
        let buf: &[u8] = buf;
        if blocks == 0 {
            return Reply::Good(0);
        }
        if let Some(r) = self.write_fault(lba, blocks) {
            return r;
        }
        self.stats.writes += 1;
        if self.writer.cue.is_some() {
            return self.write_sao(lba as i32 as i64, blocks, buf);
        }
        if layout::is_random(&self.disc.state) {
            return self.write_random(lba, blocks, buf);
        }
        self.write_sequential(lba, blocks, buf)
    }

    /// A scripted fault on a WRITE: the command fails having transferred nothing, and a
    /// MEDIUM ERROR damages the track being written, as a real failed write leaves it.
    fn write_fault(&mut self, lba: u32, blocks: u32) -> Option<Reply> {
        let a = faults::on_write(&mut self.disc.state.faults, lba, blocks)?;
        self.disc.dirty = true;
        if let faults::Action::Sense { key: 3, .. } = a {
            self.disc.damage_open_track();
        }
        match self.apply_action(a, lba, blocks)? {
            Reply::Check {
                key,
                asc,
                ascq,
                info,
                ..
            } => Some(Reply::Check {
                key,
                asc,
                ascq,
                info,
                transferred: 0,
            }),
            r => Some(r),
        }
    }

    /// WRITE on sequential media: at the next writable address of an open track, or at the
    /// start of the invisible track, which the write opens.
    fn write_sequential(&mut self, lba: u32, blocks: u32, buf: &[u8]) -> Reply {
        if self.disc.state.finalized {
            return sense_of(INVALID_WRITE_ADDRESS);
        }
        let bs = if self.disc.state.kind.family() == Family::Cd
            && self.writer.wp.data_block_type() == 0
        {
            2352
        } else {
            2048
        };
        if buf.len() < blocks as usize * bs {
            return Reply::Host { host_status: 0x07 };
        }
        let idx = match self.sequential_target(lba, blocks) {
            Ok(idx) => idx,
            Err(r) => return r,
        };
        self.drain();
        if self.disc.state.kind.family() == Family::Cd {
            self.writer.cd_block_bytes = bs as u32;
        }
        self.fill_buffer(blocks as u64 * bs as u64);
        // An underrun while the host was away damages the track: this write fails.
        if idx.is_some_and(|i| self.disc.state.tracks[i].damaged) {
            return check(3, 0x0C, 0x09);
        }
        if self.writer.wp.test_write() {
            // Simulation: the laser stays cold; nothing is recorded.
            return Reply::Good(buf.len().min(blocks as usize * bs));
        }
        let i = match idx {
            Some(i) => i,
            None => self.open_track(bs == 2352),
        };
        if let Err(e) = self.disc.store(lba as u64, blocks, bs, buf) {
            return self.io_failure(e);
        }
        let t = &mut self.disc.state.tracks[i];
        t.recorded += blocks;
        self.disc.dirty = true;
        Reply::Good(blocks as usize * bs)
    }

    /// The track (index into `tracks`; `None`: the invisible one) a sequential WRITE of
    /// `blocks` at `lba` records into, or why it may not.
    fn sequential_target(&self, lba: u32, blocks: u32) -> Result<Option<usize>, Reply> {
        let s = &self.disc.state;
        let write_type = self.writer.wp.write_type();
        let targets = layout::writable_addresses(s);
        let Some(&(idx, _)) = targets.iter().find(|t| t.1 == lba) else {
            return Err(sense_of(INVALID_WRITE_ADDRESS));
        };
        if idx.is_none() && matches!(s.kind, MediaKind::DvdR | MediaKind::DvdRw) && write_type == 2
        {
            // Disc-at-once writes only into the reserved track.
            return Err(sense_of(INVALID_WRITE_ADDRESS));
        }
        if s.kind.family() == Family::Cd && write_type == 2 {
            // Session-at-once needs a cue sheet first.
            return Err(sense_of(SEQUENCE_ERROR));
        }
        let limit = match idx.map(|i| &s.tracks[i]) {
            Some(Track {
                start,
                reserved: Some(r),
                ..
            }) => start + r,
            _ => s.capacity,
        };
        if lba as u64 + blocks as u64 > limit as u64 {
            return Err(check(5, 0x21, 0x02));
        }
        if idx.is_some_and(|i| s.tracks[i].damaged) {
            return Err(check(3, 0x0C, 0x09));
        }
        Ok(idx)
    }

    /// A new track at the invisible track's start, recorded as the write type and medium
    /// make it; its index into `tracks`.
    fn open_track(&mut self, audio: bool) -> usize {
        let kind = self.disc.state.kind;
        let method = match (kind.family(), self.writer.wp.write_type()) {
            (Family::Cd, _) => WriteMethod::Tao,
            (_, 2) if matches!(kind, MediaKind::DvdR | MediaKind::DvdRw) => WriteMethod::Dao,
            _ => WriteMethod::Incremental,
        };
        let t = layout::new_track(&self.disc.state, method, audio);
        self.disc.state.tracks.push(t);
        self.disc.state.tracks.len() - 1
    }

    fn write_random(&mut self, lba: u32, blocks: u32, buf: &[u8]) -> Reply {
        if !self.disc.state.formatted {
            if self.disc.state.kind == MediaKind::DvdPlusRw {
                // DVD+RW drives start a background format on the first write.
                self.disc.state.formatted = true;
            } else {
                return check(3, 0x31, 0x00); // MEDIUM FORMAT CORRUPTED / not formatted
            }
        }
        if lba as u64 + blocks as u64 > self.disc.state.capacity as u64 {
            return check(5, 0x21, 0x00);
        }
        if buf.len() < blocks as usize * 2048 {
            return Reply::Host { host_status: 0x07 };
        }
        self.fill_buffer(blocks as u64 * 2048);
        if let Err(e) = self.disc.store(lba as u64, blocks, 2048, buf) {
            return self.io_failure(e);
        }
        self.disc.state.written_extent = self.disc.state.written_extent.max(lba + blocks);
        self.disc.dirty = true;
        Reply::Good(blocks as usize * 2048)
    }

    fn write_sao(&mut self, lba: i64, blocks: u32, buf: &[u8]) -> Reply {
        let Some(cue) = self.writer.cue.clone() else {
            return sense_of(SEQUENCE_ERROR);
        };
        if lba != cue.next {
            return sense_of(INVALID_WRITE_ADDRESS);
        }
        if lba + blocks as i64 > cue.leadout {
            return sense_of(INVALID_WRITE_ADDRESS);
        }
        let mut pos = 0usize;
        // The transfer length counts blocks of one size: a WRITE may not cross into a
        // region of another block size (the drive could not tell where one ends).
        let Some((first_bs, _, _)) = cue.region(lba) else {
            return sense_of(INVALID_WRITE_ADDRESS);
        };
        for i in 0..blocks as i64 {
            match cue.region(lba + i) {
                Some((bs, _, _)) if bs == first_bs => {}
                Some(_) => return check(5, 0x64, 0x00), // ILLEGAL MODE FOR THIS TRACK
                None => return sense_of(INVALID_WRITE_ADDRESS),
            }
        }
        let total = first_bs as u64 * u64::from(blocks);
        if (buf.len() as u64) < total {
            return Reply::Host { host_status: 0x07 };
        }
        self.drain();
        self.writer.cd_block_bytes = first_bs as u32;
        self.fill_buffer(total);
        let test = self.writer.wp.test_write();
        for i in 0..blocks as i64 {
            let at = lba + i;
            let Some((bs, _audio, how)) = cue.region(at) else {
                break;
            };
            let sector = &buf[pos..pos + bs];
            pos += bs;
            if at < 0 || test {
                continue;
            }
            let stored = match how {
                // Raw mode 1 (DATA FORM 11h): recorded as the host sent it, where the
                // medium file keeps whole sectors.
                1 | 3 if self.disc.medium.cd_data_encoded() => {
                    self.disc.medium.write_data(at as u64 * 2352, sector)
                }
                1 => self.disc.medium.write_cd_data(at as u64, &sector[16..2064]),
                // A version 1 medium file keeps only mode 1 user data.
                3 => return check(5, 0x64, 0x00),
                0 => self.disc.medium.write_cd_data(at as u64, sector),
                _ => self.disc.medium.write_data(at as u64 * 2352, sector),
            };
            if let Err(e) = stored {
                return self.io_failure(e);
            }
            let at = at as u32;
            if let Some(t) = self.disc.state.tracks[cue.first_track..]
                .iter_mut()
                .find(|t| at >= t.start && at < t.start + t.reserved.unwrap_or(0))
            {
                t.recorded = t.recorded.max(at - t.start + 1);
            }
        }
        if let Some(c) = self.writer.cue.as_mut() {
            c.next = lba + blocks as i64;
        }
        self.disc.dirty = true;
        Reply::Good(pos)
    }

    /// SYNCHRONIZE CACHE: the buffer is written out; after the last sector of a cue sheet,
    /// the session is closed as well.
    pub(super) fn synchronize_cache(&mut self, cdb: &[u8], _data: &mut DataDirection<'_>) -> Reply {
        let immed = cdb[1] & 0x02 != 0;
        let t = self.flush_time();
        let damaged = self
            .disc
            .state
            .tracks
            .iter()
            .any(|t| !t.closed && t.damaged);
        self.wait_or_busy(t, immed, 0x04, 0x08);
        if let Some(cue) = self.writer.cue.clone()
            && cue.next >= cue.leadout
        {
            // The whole session is written: the drive writes lead-in and lead-out.
            self.writer.cue = None;
            if !self.writer.wp.test_write() {
                for t in &mut self.disc.state.tracks[cue.first_track..] {
                    t.closed = true;
                }
                self.close_session(!self.writer.wp.multi_session());
            }
        }
        if !damaged && !self.writer.wp.test_write() {
            self.close_full_dao_track();
        }
        if damaged {
            return check(3, 0x0C, 0x09);
        }
        let _ = self.disc.medium.sync();
        Reply::Good(0)
    }

    /// DVD-R/-RW disc-at-once: once the reserved track is fully written, SYNCHRONIZE CACHE
    /// makes the drive write the lead-out and close the disc (MMC-6 §4.10.5); no CLOSE
    /// TRACK/SESSION is needed (cdrskin sends none).
    fn close_full_dao_track(&mut self) {
        let s = &mut self.disc.state;
        let Some(t) = s.tracks.iter_mut().find(|t| {
            !t.closed && t.method == WriteMethod::Dao && t.reserved.is_some_and(|r| t.recorded >= r)
        }) else {
            return;
        };
        t.closed = true;
        self.close_session(true);
    }

    /// The disc as READ TRACK/DISC INFORMATION show it: the tracks a cue sheet reserved stay
    /// invisible until the host starts writing the session, so the invisible track still
    /// starts where the session will (wodim -dao asks for track FFh after SEND CUE SHEET and
    /// writes the pregap at its NWA − 150).
    pub(super) fn reported_state(&self) -> std::borrow::Cow<'_, State> {
        match &self.writer.cue {
            Some(cue) if !cue.started() => {
                let mut s = self.disc.state.clone();
                s.tracks.truncate(cue.first_track);
                std::borrow::Cow::Owned(s)
            }
            _ => std::borrow::Cow::Borrowed(&self.disc.state),
        }
    }

    /// SEND OPC INFORMATION: the drive "calibrates" its laser (nothing to do for a file).
    pub(super) fn send_opc_information(
        &mut self,
        _cdb: &[u8],
        _data: &mut DataDirection<'_>,
    ) -> Reply {
        if !layout::is_sequential(&self.disc.state) && !layout::is_random(&self.disc.state) {
            return sense_of(INCOMPATIBLE);
        }
        self.wait_or_busy(Duration::from_millis(300), false, 0x04, 0x07);
        Reply::Good(0)
    }

    fn close_session(&mut self, finalize: bool) {
        let sess = layout::open_session(&self.disc.state);
        if self.disc.state.tracks.iter().any(|t| t.session == sess) {
            self.disc.state.closed_sessions = sess;
        }
        let room = layout::next_track_start(&self.disc.state) < self.disc.state.capacity;
        if finalize || !room {
            self.disc.state.finalized = true;
        }
        self.disc.dirty = true;
    }

    /// RESERVE TRACK: a track of a fixed size (rounded up to the write unit) at the next start.
    pub(super) fn reserve_track(&mut self, cdb: &[u8], _data: &mut DataDirection<'_>) -> Reply {
        if !layout::is_sequential(&self.disc.state) || self.disc.state.finalized {
            return sense_of(SEQUENCE_ERROR);
        }
        if cdb[1] & 0x01 != 0 {
            return sense_of(INVALID_FIELD); // ARSV (reservation by LBA) not supported
        }
        if layout::incomplete_track(&self.disc.state).is_some() {
            return sense_of(SEQUENCE_ERROR);
        }
        let size = be32(cdb, 5);
        let start = layout::next_track_start(&self.disc.state);
        let a = layout::alignment(self.disc.state.kind);
        let size_aligned = size.div_ceil(a) * a;
        if size == 0 || start as u64 + size_aligned as u64 > self.disc.state.capacity as u64 {
            return sense_of(INVALID_FIELD);
        }
        let method = match (self.disc.state.kind, self.writer.wp.write_type()) {
            (MediaKind::DvdR | MediaKind::DvdRw, 2) => WriteMethod::Dao,
            (k, _) if k.family() == Family::Cd => WriteMethod::Tao,
            _ => WriteMethod::Incremental,
        };
        let mut t = layout::new_track(&self.disc.state, method, false);
        t.reserved = Some(size_aligned);
        self.disc.state.tracks.push(t);
        self.disc.dirty = true;
        Reply::Good(0)
    }

    /// CLOSE TRACK/SESSION: close a track, a session, or finalize the disc.
    pub(super) fn close_track_session(
        &mut self,
        cdb: &[u8],
        _data: &mut DataDirection<'_>,
    ) -> Reply {
        let immed = cdb[1] & 0x01 != 0;
        let function = cdb[2] & 0x07;
        let number = u16::from_be_bytes([cdb[4], cdb[5]]);
        let flush = self.flush_time();
        if layout::is_random(&self.disc.state) {
            // DVD+RW / BD-RE: 001b-011b stop or complete background formatting.
            return if function <= 3 {
                self.wait_or_busy(flush, immed, 0x04, 0x07);
                Reply::Good(0)
            } else {
                sense_of(INVALID_FIELD)
            };
        }
        if self.disc.state.kind.is_rom() || self.disc.state.finalized {
            return sense_of(SEQUENCE_ERROR);
        }
        if self.writer.wp.test_write() {
            self.wait_or_busy(flush, immed, 0x04, 0x07);
            return Reply::Good(0);
        }
        let kind = self.disc.state.kind;
        match function {
            0b001 => {
                let idx = self.disc.state.tracks.iter().position(|t| {
                    !t.closed && (t.number == number || (number == 0xFF && t.reserved.is_none()))
                });
                let Some(i) = idx else {
                    return sense_of(INVALID_FIELD);
                };
                let t = &mut self.disc.state.tracks[i];
                if t.recorded == 0 && t.reserved.is_none() {
                    return sense_of(SEQUENCE_ERROR);
                }
                close_track(t, kind);
            }
            0b010 | 0b101 | 0b110 => {
                // MMC-6 §6.3.3: DVD+R and DVD+R DL finalize with 101b (at minimal radius)
                // or 110b (growisofs -dvd-compat sends 110b); BD-R finalizes with 110b.
                let allowed = match function {
                    0b010 => true,
                    0b101 => matches!(kind, MediaKind::DvdPlusR | MediaKind::DvdPlusRDl),
                    _ => matches!(
                        kind,
                        MediaKind::BdR | MediaKind::DvdPlusR | MediaKind::DvdPlusRDl
                    ),
                };
                if !allowed {
                    return sense_of(INVALID_FIELD);
                }
                for t in self.disc.state.tracks.iter_mut().filter(|t| !t.closed) {
                    if t.recorded == 0 && t.reserved.is_none() {
                        continue;
                    }
                    close_track(t, kind);
                }
                self.disc.state.tracks.retain(|t| t.closed);
                let finalize = match (kind, function) {
                    (MediaKind::CdR | MediaKind::CdRw | MediaKind::DvdR | MediaKind::DvdRw, _) => {
                        !self.writer.wp.multi_session()
                    }
                    (_, 0b010) => false,
                    _ => true,
                };
                if self
                    .disc
                    .state
                    .tracks
                    .iter()
                    .any(|t| t.session == layout::open_session(&self.disc.state))
                {
                    self.close_session(finalize);
                } else if finalize && !self.disc.state.tracks.is_empty() {
                    self.disc.state.finalized = true;
                }
            }
            _ => return sense_of(INVALID_FIELD),
        }
        self.disc.dirty = true;
        let t = flush + Duration::from_millis(if function == 1 { 200 } else { 2000 });
        self.wait_or_busy(t, immed, 0x04, 0x07);
        Reply::Good(0)
    }

    /// SEND DISC STRUCTURE format 20h (MMC-6 §6.47.3.3): the host sets layer 0's data zone
    /// capacity of a blank DVD+R DL (growisofs splits a recording between the layers); the
    /// disc then holds twice that. Other formats are not offered.
    pub(super) fn send_disc_structure(
        &mut self,
        cdb: &[u8],
        data: &mut DataDirection<'_>,
    ) -> Reply {
        if cdb[7] != 0x20 || self.disc.state.kind != MediaKind::DvdPlusRDl {
            return sense_of(INVALID_FIELD);
        }
        let buf = match parameter_list(data, u16::from_be_bytes([cdb[8], cdb[9]]), 12) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if layout::recorded_end(&self.disc.state) > 0 || self.disc.state.l0_capacity.is_some() {
            return sense_of(SEQUENCE_ERROR);
        }
        let l0 = be32(buf, 8);
        if l0 == 0 || !l0.is_multiple_of(16) || l0 > answers::layer0_blocks(&self.disc.state) {
            return sense_of(INVALID_PARAMETER);
        }
        self.disc.state.l0_capacity = Some(l0);
        self.disc.state.capacity = l0 * 2;
        self.disc.dirty = true;
        Reply::Good(12)
    }

    /// SEND CUE SHEET: the tracks of a session-at-once are reserved before writing starts
    /// (none in a test write, which records nothing).
    pub(super) fn send_cue_sheet(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if self.disc.state.kind.family() != Family::Cd
            || self.disc.state.kind.is_rom()
            || self.disc.state.finalized
        {
            return sense_of(INCOMPATIBLE);
        }
        if self.writer.wp.write_type() != 2 {
            return sense_of(SEQUENCE_ERROR);
        }
        let len = u32::from_be_bytes([0, cdb[6], cdb[7], cdb[8]]) as usize;
        let DataDirection::ToDevice(buf) = data else {
            return sense_of(INVALID_FIELD);
        };
        if len == 0 || !len.is_multiple_of(8) || buf.len() < len {
            return sense_of(INVALID_PARAMETER);
        }
        match parse_cue(&buf[..len]) {
            Some((regions, starts, leadout)) => {
                let expect = layout::next_track_start(&self.disc.state) as i64;
                let Some(&(first_start, _, _)) = starts.first() else {
                    return sense_of(INVALID_PARAMETER);
                };
                if first_start != expect || leadout > self.disc.state.capacity as i64 {
                    return sense_of(INVALID_PARAMETER);
                }
                let first_track = self.disc.state.tracks.len();
                // A test write records nothing: the disc stays blank (no tracks).
                let starts = if self.writer.wp.test_write() {
                    &[][..]
                } else {
                    &starts[..]
                };
                for (k, &(start, audio, ctl)) in starts.iter().enumerate() {
                    let end = starts.get(k + 1).map(|s| s.0).unwrap_or(leadout);
                    if end <= start {
                        return sense_of(INVALID_PARAMETER);
                    }
                    let mut t = layout::new_track(&self.disc.state, WriteMethod::Sao, audio);
                    t.start = start as u32;
                    t.control = Some(ctl);
                    t.reserved = Some((end - start) as u32);
                    self.disc.state.tracks.push(t);
                }
                let next = regions.first().map(|r| r.0).unwrap_or(first_start);
                self.writer.cue = Some(CueSheet {
                    regions,
                    next,
                    leadout,
                    first_track,
                });
                self.disc.dirty = true;
                Reply::Good(len)
            }
            None => sense_of(INVALID_PARAMETER),
        }
    }

    /// FORMAT UNIT (DVD+RW, BD-RE, DVD-RW): the disc becomes formatted and empty.
    pub(super) fn format_unit(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if cdb[1] & 0x10 == 0 || cdb[1] & 0x07 != 1 {
            return sense_of(INVALID_FIELD);
        }
        let DataDirection::ToDevice(buf) = data else {
            return sense_of(INVALID_FIELD);
        };
        if buf.len() < 12 {
            return check(5, 0x1A, 0x00);
        }
        let immed = buf[1] & 0x02 != 0;
        let blocks = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
        let ty = buf[8] >> 2;
        let kind = self.disc.state.kind;
        let ok = match kind {
            MediaKind::DvdPlusRw => ty == 0x26,
            MediaKind::BdRe => matches!(ty, 0x00 | 0x30 | 0x31),
            MediaKind::DvdRw => matches!(ty, 0x00 | 0x15),
            // A blank BD-R takes spare areas once (types 00h / 32h: SRM+POW, MMC-6
            // §6.5.4.2.15); recording stays sequential.
            MediaKind::BdR
                if !self.disc.state.formatted && layout::recorded_end(&self.disc.state) == 0 =>
            {
                matches!(ty, 0x00 | 0x32)
            }
            _ => return sense_of(CANNOT_FORMAT),
        };
        if !ok {
            return sense_of(INVALID_PARAMETER);
        }
        if matches!(kind, MediaKind::BdRe | MediaKind::BdR)
            && blocks > 0
            && blocks <= kind.default_capacity().max(self.disc.state.capacity)
        {
            self.disc.state.capacity = blocks.min(self.disc.state.capacity);
        }
        self.disc.state.formatted = true;
        self.disc.state.tracks.clear();
        self.disc.state.closed_sessions = 0;
        self.disc.state.finalized = false;
        self.disc.state.written_extent = 0;
        let _ = self.disc.medium.discard_data();
        self.disc.dirty = true;
        let t = if ty == 0x15 || ty == 0x26 { 1 } else { 5 };
        self.wait_or_busy(Duration::from_secs(t), immed, 0x04, 0x04);
        Reply::Good(buf.len().min(12))
    }

    /// BLANK (CD-RW, DVD-RW): full (type 0) or minimal (type 1).
    pub(super) fn blank(&mut self, cdb: &[u8], _data: &mut DataDirection<'_>) -> Reply {
        if !matches!(self.disc.state.kind, MediaKind::CdRw | MediaKind::DvdRw) {
            return sense_of(CANNOT_FORMAT);
        }
        let immed = cdb[1] & 0x10 != 0;
        let ty = cdb[1] & 0x07;
        if ty > 1 {
            return sense_of(INVALID_FIELD);
        }
        self.disc.state.tracks.clear();
        self.disc.state.closed_sessions = 0;
        self.disc.state.finalized = false;
        self.disc.state.formatted = false;
        self.disc.state.written_extent = 0;
        let _ = self.disc.medium.discard_data();
        self.disc.dirty = true;
        let secs = if ty == 0 { 60 } else { 2 };
        self.wait_or_busy(Duration::from_secs(secs), immed, 0x04, 0x07);
        Reply::Good(0)
    }
}

/// The parameter list of a data-out command whose CDB says `len` bytes follow: at least
/// `min` of them, else PARAMETER LIST LENGTH ERROR (no data phase at all: INVALID FIELD).
fn parameter_list<'a>(
    data: &'a DataDirection<'_>,
    len: u16,
    min: usize,
) -> Result<&'a [u8], Reply> {
    let DataDirection::ToDevice(buf) = data else {
        return Err(sense_of(INVALID_FIELD));
    };
    if (len as usize) < min || buf.len() < min {
        return Err(check(5, 0x1A, 0x00));
    }
    Ok(buf)
}

fn close_track(t: &mut Track, kind: MediaKind) {
    if let Some(r) = t.reserved {
        // A reserved track is padded to its size when closed.
        t.recorded = r;
    } else if kind.family() == Family::Cd && t.method == WriteMethod::Tao && !t.audio {
        t.runout = layout::CD_TAO_RUNOUT;
    }
    t.closed = true;
}

/// Parse a CD cue sheet (MMC-6 §6.40.3, Table 686: 8-byte entries CTL/ADR, TNO, INDEX, DATA
/// FORM, SCMS, MIN, SEC, FRAME; all binary): the write regions, each track's index-1 start
/// with its audio flag and CONTROL nibble, and the lead-out start. Media catalog number
/// (ADR 2) and ISRC (ADR 3) entries carry characters, not addresses, and are skipped.
#[allow(clippy::type_complexity)]
fn parse_cue(b: &[u8]) -> Option<(Vec<(i64, usize, bool, u8)>, Vec<(i64, bool, u8)>, i64)> {
    let mut regions = Vec::new();
    let mut starts: Vec<(i64, bool, u8)> = Vec::new();
    let mut leadout = None;
    let mut last_lba = i64::MIN;
    let mut last_tno = 0u8;
    for e in b.chunks_exact(8) {
        let ctl = e[0] >> 4;
        match e[0] & 0x0F {
            1 => {}
            2 | 3 => continue,
            _ => return None,
        }
        let tno = e[1];
        let index = e[2];
        let form = e[3];
        if e[5] > 99 || e[6] > 59 || e[7] > 74 {
            return None;
        }
        let lba = (e[5] as i64 * 60 + e[6] as i64) * 75 + e[7] as i64 - 150;
        match tno {
            0x00 => continue, // lead-in
            0xAA => {
                leadout = Some(lba);
                break;
            }
            _ => {}
        }
        if tno == 0 || tno > 99 || tno < last_tno || index > 99 || lba < last_lba {
            return None;
        }
        last_lba = lba;
        last_tno = tno;
        let audio = ctl & 0x04 == 0;
        let (bs, how) = match form & 0x3F {
            0x00 => (2352, 2),
            0x10 => (2048, 0),
            0x11 => (2352, 1),
            // Raw CD-ROM XA: whole mode 2 sectors as the host sends them.
            0x21 => (2352, 3),
            _ => return None,
        };
        if audio != (bs == 2352 && how == 2) {
            return None;
        }
        regions.push((lba, bs, audio, how));
        if index == 1 {
            starts.push((lba, audio, ctl));
        }
    }
    Some((regions, starts, leadout?))
}
