//! The writer: takes the image from the FIFO and sends WRITE(10) commands of whole write
//! units at consecutive LBAs, watching the drive buffer with READ BUFFER CAPACITY (pacing on
//! the job's clock when the drive is full, as growisofs and cdrskin do), answering "long
//! write in progress" (02/04/08) with a back-off sized from the drive buffer, and giving up
//! with "drive stuck" after a bounded wait.

use super::fifo::{Fifo, Pop};
use super::source::SECTOR;
use crate::drive::{Drive, DriveError};
use crate::jobs::{Event, JobContext};
use crate::scsi::retry::{FailureClass, RetryPolicy};
use crate::transport::Transport;
use std::sync::Arc;
use std::time::Duration;

/// How the writer paces itself and when it gives up.
#[derive(Debug, Clone, Copy)]
pub struct WriteParams {
    /// First LBA (as sent in the CDB; the CD SAO pregap starts at −150, i.e. wrapping).
    pub start_lba: u32,
    /// Image bytes the FIFO delivers.
    pub image_bytes: u64,
    /// Sectors to write in all (image rounded up to whole write units; zeros after it).
    pub written_sectors: u64,
    /// Sectors per WRITE command (a multiple of the medium's write unit).
    pub write_sectors: u32,
    /// Nominal write rate, bytes per second, for pacing and back-off sizes.
    pub rate_bytes_per_sec: u64,
    pub one_x_bytes_per_sec: u64,
    /// Longest time the drive may keep refusing data before the burn fails as stuck.
    pub stuck_after: Duration,
    /// Total bytes of the progress bar and bytes already counted before this stream
    /// (the pregap, for instance).
    pub progress_total: u64,
}

/// What the writer saw of the drive.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct DriveBufferStats {
    /// Drive buffer size in bytes, when the drive reports it.
    pub size_bytes: Option<u32>,
    /// Lowest fill seen after the buffer had filled once (0.0..=1.0).
    pub min_fill: Option<f32>,
    /// Times the writer waited because the drive buffer was full.
    pub full_waits: u64,
    /// Times the drive answered "long write in progress".
    pub long_write_waits: u64,
    /// BURN-Free links the drive made during this burn (its buffer ran dry and it resumed
    /// recording seamlessly), from the vendor page 30h counter read before and after; `None`
    /// where the drive does not report it.
    pub burn_free_links: Option<u32>,
}

/// Why writing stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriteError {
    #[error("{0}")]
    Drive(DriveError),
    /// The drive ran dry and could not resume (loss of streaming, 03/0C/09 and kin).
    #[error("buffer underrun at LBA {lba}: {error}")]
    Underrun { lba: u64, error: DriveError },
    #[error("drive stuck: it refused data for {} s at LBA {lba} (long write in progress)", waited.as_secs())]
    Stuck { lba: u64, waited: Duration },
    /// The medium went away (or was changed) during the write.
    #[error("medium removed during the burn ({0})")]
    MediumRemoved(DriveError),
    /// The image reader failed.
    #[error("{0}")]
    Source(String),
    #[error("interrupted")]
    Interrupted,
}

/// True for the sense codes a drive uses when its buffer ran dry (MMC-6 Annex F):
/// 03/0C/09 LOSS OF STREAMING, 03/0C/0A PADDING BLOCKS ADDED, and 05/21/02 INVALID ADDRESS
/// FOR WRITE after a stall broke the track.
pub fn is_underrun(e: &DriveError) -> bool {
    e.sense().is_some_and(|s| {
        s.is_loss_of_streaming() || s.is_padding_blocks_added() || s.is_invalid_address_for_write()
    })
}

struct Writer<'a, T: Transport> {
    drive: &'a mut Drive<T>,
    ctx: &'a JobContext<'a>,
    fifo: Option<&'a Arc<Fifo>>,
    p: WriteParams,
    lba: u32,
    done_sectors: u64,
    progress_done: u64,
    stats: DriveBufferStats,
    /// READ BUFFER CAPACITY answered so far (stop asking once it does not).
    rbc: bool,
    filled_once: bool,
    bytes_since_check: u64,
    bytes_since_progress: u64,
    last_fill: Option<f32>,
    /// Runs of (sectors, bytes per sector) from `start_lba` on; a WRITE never spans two.
    regions: Vec<(u64, usize)>,
    /// The run being written and the sectors left in it.
    region: usize,
    region_left: u64,
}

/// Runs of sectors of one block size, in write order: (sectors, bytes per sector).
pub type Regions = [(u64, usize)];

const CHECK_EVERY: u64 = 256 * 1024;
const PROGRESS_EVERY: u64 = 2 << 20;

impl<'a, T: Transport> Writer<'a, T> {
    fn new(
        drive: &'a mut Drive<T>,
        ctx: &'a JobContext<'a>,
        fifo: Option<&'a Arc<Fifo>>,
        p: WriteParams,
        regions: &Regions,
        stats: DriveBufferStats,
    ) -> Self {
        let mut regions: Vec<(u64, usize)> = regions.iter().copied().filter(|r| r.0 > 0).collect();
        if regions.is_empty() {
            regions.push((p.written_sectors, SECTOR as usize));
        }
        let region_left = regions[0].0;
        Writer {
            drive,
            ctx,
            fifo,
            p,
            lba: p.start_lba,
            done_sectors: 0,
            progress_done: 0,
            stats,
            rbc: true,
            filled_once: false,
            bytes_since_check: 0,
            bytes_since_progress: 0,
            last_fill: None,
            regions,
            region: 0,
            region_left,
        }
    }

    /// Bytes per sector where the next WRITE goes.
    fn block_bytes(&self) -> usize {
        self.regions
            .get(self.region)
            .map(|r| r.1)
            .unwrap_or(SECTOR as usize)
    }

    /// Bytes of the next WRITE: up to `write_sectors` sectors, never past the end of the
    /// current run of one block size; 0 when every planned sector is written.
    fn next_write_bytes(&self) -> usize {
        if self.region >= self.regions.len() {
            return 0;
        }
        self.region_left.min(u64::from(self.p.write_sectors)) as usize * self.block_bytes()
    }

    fn transfer_time(&self, bytes: u64) -> Duration {
        let rate = self.p.rate_bytes_per_sec.max(1);
        Duration::from_nanos((bytes as u128 * 1_000_000_000 / rate as u128) as u64)
    }

    /// Back-off for 02/04/08: the time the drive needs to drain a quarter of its buffer,
    /// between 5 ms and 1 s (a 2 MB DVD buffer at 16x: ~23 ms).
    fn backoff(&self) -> Duration {
        let buf = u64::from(self.stats.size_bytes.unwrap_or(2 << 20));
        self.transfer_time(buf / 4)
            .clamp(Duration::from_millis(5), Duration::from_secs(1))
    }

    /// Ask the drive how full it is; wait (on the clock) while the next WRITE would not fit.
    fn watch_buffer(&mut self, next_bytes: u64) -> Result<(), WriteError> {
        if !self.rbc {
            return Ok(());
        }
        let start = self.ctx.clock.now();
        loop {
            let b = match self.drive.read_buffer_capacity() {
                Ok(b) if b.length_of_buffer > 0 => b,
                Ok(_) => {
                    self.rbc = false;
                    return Ok(());
                }
                Err(e) if e.is_optional_miss() || e.class() == FailureClass::NotReady => {
                    self.rbc = false;
                    return Ok(());
                }
                Err(e) => return Err(self.classify(e)),
            };
            let len = b.length_of_buffer;
            let free = b.blank_length_of_buffer.min(len);
            self.stats.size_bytes = Some(len);
            let fill = 1.0 - free as f32 / len as f32;
            self.last_fill = Some(fill);
            // The buffer starts empty: only once it has filled is a low fill a warning.
            if !self.filled_once && (fill >= 0.9 || u64::from(free) < next_bytes) {
                self.filled_once = true;
            }
            if self.filled_once {
                let m = self.stats.min_fill.get_or_insert(fill);
                if fill < *m {
                    *m = fill;
                }
            }
            if u64::from(free) >= next_bytes {
                return Ok(());
            }
            let waited = self.ctx.clock.now().saturating_sub(start);
            if waited >= self.p.stuck_after {
                return Err(WriteError::Stuck {
                    lba: u64::from(self.lba),
                    waited,
                });
            }
            self.stats.full_waits += 1;
            let need = next_bytes - u64::from(free);
            self.ctx
                .clock
                .sleep(self.transfer_time(need).max(Duration::from_millis(1)));
        }
    }

    fn classify(&self, e: DriveError) -> WriteError {
        // 05/21/02 is an underrun only after a stall broke a track already being written;
        // on the first WRITE it is a wrong address, not an empty buffer.
        let first_write = self.done_sectors == 0 && self.lba == self.p.start_lba;
        let bad_address = e.sense().is_some_and(|s| s.is_invalid_address_for_write());
        if is_underrun(&e) && !(first_write && bad_address) {
            return WriteError::Underrun {
                lba: e.lba.unwrap_or(u64::from(self.lba)),
                error: e,
            };
        }
        match e.class() {
            FailureClass::MediaAbsent | FailureClass::UnitAttention => WriteError::MediumRemoved(e),
            _ => WriteError::Drive(e),
        }
    }

    /// One WRITE(10), repeated while the drive says "long write in progress".
    fn write(&mut self, data: &[u8]) -> Result<(), WriteError> {
        if self.ctx.cancel.is_cancelled() {
            return Err(WriteError::Interrupted);
        }
        let bs = self.block_bytes();
        let blocks = (data.len() / bs) as u16;
        if self.bytes_since_check >= CHECK_EVERY || !self.filled_once {
            self.bytes_since_check = 0;
            self.watch_buffer(data.len() as u64)?;
        }
        let mut waited = Duration::ZERO;
        let mut delay = self.backoff();
        loop {
            match self.drive.write_10(self.lba, blocks, data, false) {
                Ok(()) => break,
                Err(e) if e.sense().is_some_and(|s| s.is_long_write_in_progress()) => {
                    self.stats.long_write_waits += 1;
                    if waited >= self.p.stuck_after {
                        return Err(WriteError::Stuck {
                            lba: u64::from(self.lba),
                            waited,
                        });
                    }
                    self.ctx.clock.sleep(delay);
                    waited += delay;
                    delay = (delay * 2).min(self.backoff() * 4);
                    if self.ctx.cancel.is_cancelled() {
                        return Err(WriteError::Interrupted);
                    }
                }
                Err(e) => return Err(self.classify(e)),
            }
        }
        // The LBA field is 32-bit two's complement (MMC-6 §4.2.3.3): a session-at-once CD
        // starts writing at −150 (0xFFFFFF6A) and counts up through 0, so the step from
        // 0xFFFFFFFF to 0 is the pregap ending, not an overflow.
        self.lba = self.lba.wrapping_add(u32::from(blocks));
        self.done_sectors += u64::from(blocks);
        self.region_left = self.region_left.saturating_sub(u64::from(blocks));
        while self.region_left == 0 && self.region < self.regions.len() {
            self.region += 1;
            self.region_left = self.regions.get(self.region).map(|r| r.0).unwrap_or(0);
        }
        self.bytes_since_check += data.len() as u64;
        self.progress_done += data.len() as u64;
        self.bytes_since_progress += data.len() as u64;
        if self.bytes_since_progress >= PROGRESS_EVERY {
            self.bytes_since_progress = 0;
            self.progress();
        }
        Ok(())
    }

    fn progress(&self) {
        self.ctx.sink.event(&Event::Progress {
            done_bytes: self.progress_done.min(self.p.progress_total),
            total_bytes: self.p.progress_total,
            lba: u64::from(self.lba),
            one_x_bytes_per_sec: self.p.one_x_bytes_per_sec,
            errors: 0,
            fifo_fill: self.fifo.map(|f| f.fill()),
            drive_buffer_fill: self.last_fill,
        });
    }

    /// Write zero sectors to the end of the planned regions (the CD SAO pregap).
    fn zeros(&mut self) -> Result<(), WriteError> {
        let mut buf = Vec::new();
        loop {
            let n = self.next_write_bytes();
            if n == 0 {
                return Ok(());
            }
            buf.resize(n, 0);
            self.write(&buf)?;
        }
    }
}

/// Write `sectors` zero sectors from `lba` (CD SAO pregap at −150). Returns the next LBA.
pub fn write_zeros<T: Transport>(
    drive: &mut Drive<T>,
    ctx: &JobContext<'_>,
    p: WriteParams,
    sectors: u64,
    stats: &mut DriveBufferStats,
) -> Result<u32, WriteError> {
    let p = WriteParams {
        written_sectors: sectors,
        ..p
    };
    let mut w = Writer::new(drive, ctx, None, p, &[], *stats);
    let r = w.zeros();
    *stats = w.stats;
    r.map(|_| w.lba)
}

/// Stream the image from the FIFO (consumer `id`) to the drive, padding the last write
/// unit with zeros up to `written_sectors`. `regions` gives the block size of each run of
/// sectors (CD session-at-once with audio or raw tracks); empty means 2048 throughout.
pub fn write_stream<T: Transport>(
    drive: &mut Drive<T>,
    ctx: &JobContext<'_>,
    fifo: &Arc<Fifo>,
    id: usize,
    p: WriteParams,
    regions: &Regions,
) -> Result<DriveBufferStats, WriteError> {
    // 02/04/08 is answered here (counted, sized from the buffer, bounded), not by the
    // drive layer's generic back-off; a media change seen by any command ends the burn.
    let saved = RetryPolicy::default();
    drive.set_retry_policy(RetryPolicy {
        long_operation_polls: 0,
        retry_after_medium_change: false,
        ..saved
    });
    let mut w = Writer::new(
        drive,
        ctx,
        Some(fifo),
        p,
        regions,
        DriveBufferStats::default(),
    );
    let r = stream(&mut w, fifo, id);
    let stats = w.stats;
    w.drive.set_retry_policy(saved);
    r.map(|()| stats)
}

fn stream<T: Transport>(
    w: &mut Writer<'_, T>,
    fifo: &Arc<Fifo>,
    id: usize,
) -> Result<(), WriteError> {
    let too_large = |w: &Writer<'_, T>| {
        WriteError::Source(format!(
            "image is larger than the {} sectors planned",
            w.p.written_sectors
        ))
    };
    let mut carry: Vec<u8> = Vec::new();
    fifo.wait_primed();
    let mut got = 0u64;
    loop {
        if w.ctx.cancel.is_cancelled() {
            return Err(WriteError::Interrupted);
        }
        let c = match fifo.pop(id) {
            Pop::Chunk(c) => c,
            Pop::End => break,
            Pop::Failed(m) => return Err(WriteError::Source(m)),
            Pop::Closed => return Err(WriteError::Interrupted),
        };
        got += c.data.len() as u64;
        let mut d = &c.data[..];
        while !d.is_empty() {
            let want = w.next_write_bytes();
            if want == 0 {
                return Err(too_large(w));
            }
            // Whole WRITEs straight from the chunk; pieces across chunks gathered first.
            if carry.is_empty() && d.len() >= want {
                w.write(&d[..want])?;
                d = &d[want..];
                continue;
            }
            let take = (want - carry.len()).min(d.len());
            carry.extend_from_slice(&d[..take]);
            d = &d[take..];
            if carry.len() == want {
                w.write(&carry)?;
                carry.clear();
            }
        }
        fifo.give_back(c);
    }
    if got != w.p.image_bytes {
        return Err(WriteError::Source(format!(
            "image ended after {got} bytes, {} expected",
            w.p.image_bytes
        )));
    }
    // The rest: the last partial write, padded with zeros to whole write units.
    loop {
        let want = w.next_write_bytes();
        if want == 0 {
            break;
        }
        carry.resize(want, 0);
        w.write(&carry)?;
        carry.clear();
    }
    if !carry.is_empty() {
        return Err(too_large(w));
    }
    w.progress();
    Ok(())
}
