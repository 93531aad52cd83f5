//! The rescue engine: ddrescue's phases over a mapfile, with a pipeline that keeps the drive
//! busy while other threads check, write and hash.
//!
//! ```text
//!  reader (this thread, owns the drive) ──► checkers (raw only) ──► writer ──► hasher ─┐
//!        ▲                                                                            │
//!        └──────────────────────── free buffers (a fixed pool) ◄──────────────────────┘
//! ```
//! The checkers are one worker per CPU (up to 4), dealt chunks in turn and collected in the
//! same turn, so chunks reach the writer in read order.
//! Buffers are allocated once (the pool), so memory does not grow with the image. The map
//! is shared: the reader marks failures, the writer marks `+` only after the bytes are in
//! the image file, so a saved map never claims more than the image holds.
//!
//! Phases (GNU ddrescue's): copying (large reads; after a failure skip ahead, doubling the
//! skip, then a second copying pass without skipping), trimming (sector by sector from both
//! edges of each failed block), scraping (every sector left inside), retrying (`retries`
//! passes over the bad sectors).

use crate::clock::SharedClock;
use crate::jobs::{Cancel, Event, JobContext, ProgressSink};
use crate::mapfile::{BlockStatus, Mapfile, Phase};
use crate::media::{Disc, Lba, MediaError, ReadFault, ReadMode};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A run of image sectors that lies on the disc at `disc_lba` (raw rips of several tracks
/// have one per track; cooked rips have one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub image_start: u64,
    pub disc_lba: u64,
    pub count: u64,
}

/// What a checker found wrong with one sector of a chunk (raw mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSector {
    /// Image sector.
    pub sector: u64,
    pub reason: String,
}

/// Turns what the drive returned into what the image holds (raw: checks EDC/ECC/C2, splits
/// off subchannel data). Runs on its own thread.
pub trait Checker: Send {
    /// `data` holds `count` sectors as read; on return the first `count × out_bytes` bytes
    /// are the image's and `sub` the subchannel file's. Returns the sectors that failed.
    fn check(
        &mut self,
        first: u64,
        count: u32,
        data: &mut [u8],
        sub: &mut Vec<u8>,
    ) -> Vec<BadSector>;
    /// Another checker for a parallel worker; what it sees counts in this one's `finish`.
    fn fork(&self) -> Box<dyn Checker>;
    /// Called once at the end, after every fork is done: a summary of what it and its forks
    /// saw (e.g. "drive returns zeroed EDC").
    fn finish(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// Checker workers: chunks are dealt to them in turn and collected in the same turn, so the
/// writer sees them in read order.
fn checker_workers() -> usize {
    thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
}

/// Where the image goes.
pub struct Output {
    pub image: File,
    /// Subchannel file (raw with `--subchannel`), 96 bytes per sector.
    pub sub: Option<File>,
    pub map_path: PathBuf,
    pub map_header: Vec<String>,
}

/// How to run.
pub struct Plan {
    pub mode: ReadMode,
    pub segments: Vec<Segment>,
    /// Bytes per sector in the image file.
    pub out_bytes: usize,
    pub chunk_sectors: u32,
    pub retries: u32,
    pub one_x: u64,
    /// How often the map is saved while running.
    pub save_every: Duration,
}

impl Plan {
    pub fn sectors(&self) -> u64 {
        self.segments.iter().map(|s| s.count).sum()
    }
}

/// Why the engine stopped early.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("interrupted")]
    Interrupted,
    #[error("writing the image: {0}")]
    Write(std::io::Error),
    #[error("saving the map {path}: {source}")]
    Map {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the medium was changed or removed during the rip ({0})")]
    MediumGone(MediaError),
    #[error("the drive stays not ready ({0})")]
    NotReady(MediaError),
    /// Failures other than sector errors, too many in a row.
    #[error("{0}")]
    Drive(MediaError),
    /// A pipeline thread stopped (its own error, if any, comes through `Write`).
    #[error("{0}")]
    Pipeline(&'static str),
    #[error("sector {0} is outside the image")]
    OutsideImage(u64),
}

/// What the engine did.
#[derive(Debug)]
pub struct EngineReport {
    /// SHA-256 of the image when every sector is finished.
    pub sha256: Option<[u8; 32]>,
    /// Unreadable image-sector ranges (start, count).
    pub bad_ranges: Vec<(u64, u64)>,
    pub bytes_read: u64,
    pub checker_notes: Vec<String>,
}

struct Chunk {
    first: u64,
    count: u32,
    data: Vec<u8>,
    sub: Vec<u8>,
    bad: Vec<BadSector>,
}

struct Shared {
    map: Mutex<Mapfile>,
    write_error: Mutex<Option<std::io::Error>>,
    failed: AtomicBool,
}

/// Consecutive "other" failures (transport, hardware) after which the drive is given up.
const MAX_OTHER_IN_A_ROW: u32 = 16;
/// Waits for a drive that still answers NOT READY / UNIT ATTENTION after the drive layer's
/// own polling, and how long each is: 30 × 2 s on top of the drive layer's polls.
const MAX_WAITS: u32 = 30;
const READY_WAIT: Duration = Duration::from_secs(2);
/// Buffers in flight.
const POOL: usize = 8;

pub struct Engine<'a> {
    plan: Plan,
    shared: Arc<Shared>,
    sink: &'a dyn ProgressSink,
    cancel: &'a Cancel,
    /// The job's clock: when the map was last saved and progress last told.
    clock: SharedClock,
    out_map: PathBuf,
    map_header: Vec<String>,
    free_rx: Receiver<Chunk>,
    work_tx: Option<SyncSender<Chunk>>,
    threads: Vec<thread::JoinHandle<()>>,
    hasher: Option<thread::JoinHandle<(Sha256, u64)>>,
    checker_notes: Arc<Mutex<Vec<String>>>,
    last_save: Duration,
    last_progress: Option<Duration>,
    others_in_a_row: u32,
    bytes_read: u64,
    image: File,
    spare: Vec<Chunk>,
}

fn ss(plan: &Plan) -> u64 {
    plan.out_bytes as u64
}

/// Free the blocks of `len` bytes at `pos` (a hole reads as zeros; the size stays). Best
/// effort: a file system without hole punching keeps them.
fn give_back(image: &File, pos: u64, len: u64) {
    use nix::fcntl::{FallocateFlags, fallocate};
    if let (Ok(pos), Ok(len)) = (i64::try_from(pos), i64::try_from(len)) {
        let _ = fallocate(
            image,
            FallocateFlags::FALLOC_FL_PUNCH_HOLE | FallocateFlags::FALLOC_FL_KEEP_SIZE,
            pos,
            len,
        );
    }
}

/// The checker stage: one fork of `checker` per worker, chunks dealt to them in turn and
/// collected in the same turn, so they reach the writer (`tx`) in read order. The
/// checker's summary goes to `notes` once every fork is done.
fn check_stage(
    mut checker: Box<dyn Checker>,
    work_rx: Receiver<Chunk>,
    tx: SyncSender<Chunk>,
    notes: Arc<Mutex<Vec<String>>>,
) {
    let forks: Vec<Box<dyn Checker>> = (0..checker_workers()).map(|_| checker.fork()).collect();
    thread::scope(|sc| {
        let mut ins = Vec::new();
        let mut outs = Vec::new();
        for f in forks {
            let (in_tx, in_rx) = sync_channel::<Chunk>(1);
            let (out_tx, out_rx) = sync_channel::<Chunk>(1);
            sc.spawn(move || check_worker(f, in_rx, out_tx));
            ins.push(in_tx);
            outs.push(out_rx);
        }
        sc.spawn(move || collect_in_turn(outs, tx));
        deal_in_turn(work_rx, ins);
    });
    if let Ok(mut v) = notes.lock() {
        v.extend(checker.finish());
    }
}

/// One checker worker: checks each chunk it is dealt and hands it on.
fn check_worker(mut f: Box<dyn Checker>, in_rx: Receiver<Chunk>, out_tx: SyncSender<Chunk>) {
    for mut ch in in_rx {
        ch.bad = f.check(ch.first, ch.count, &mut ch.data[..], &mut ch.sub);
        if out_tx.send(ch).is_err() {
            break;
        }
    }
}

/// The collector: worker i's results, then worker i + 1's, ...; ends when the next worker
/// in turn has stopped (its input closed and drained).
fn collect_in_turn(outs: Vec<Receiver<Chunk>>, tx: SyncSender<Chunk>) {
    let mut i = 0;
    while let Ok(ch) = outs[i].recv() {
        if tx.send(ch).is_err() {
            break;
        }
        i = (i + 1) % outs.len();
    }
}

/// The dealer: chunks from the reader to the workers in turn.
fn deal_in_turn(work_rx: Receiver<Chunk>, ins: Vec<SyncSender<Chunk>>) {
    let mut i = 0;
    for ch in work_rx {
        if ins[i].send(ch).is_err() {
            break;
        }
        i = (i + 1) % ins.len();
    }
}

/// The writer thread's state: the image (and subchannel) file, the shared map it marks,
/// and where chunks go next (the hasher) or back (the pool, after a failed write).
struct WriteStage {
    image: File,
    sub: Option<File>,
    shared: Arc<Shared>,
    out_bytes: u64,
    hash_tx: SyncSender<Chunk>,
    free_tx: SyncSender<Chunk>,
}

impl WriteStage {
    /// Write each chunk at its place, then mark it finished (and its bad sectors) in the
    /// map; after a failed write, only give buffers back.
    fn run(self, write_rx: Receiver<Chunk>) {
        let (sh, ob) = (&self.shared, self.out_bytes);
        for ch in write_rx {
            if sh.failed.load(Ordering::SeqCst) {
                let _ = self.free_tx.send(ch);
                continue;
            }
            let len = ch.count as usize * ob as usize;
            let mut r = self.image.write_all_at(&ch.data[..len], ch.first * ob);
            if r.is_ok()
                && let Some(s) = &self.sub
            {
                r = s.write_all_at(&ch.sub, ch.first * 96);
            }
            match r {
                Ok(()) => {
                    if let Ok(mut m) = sh.map.lock() {
                        m.set(
                            ch.first * ob,
                            u64::from(ch.count) * ob,
                            BlockStatus::Finished,
                        );
                        for b in &ch.bad {
                            m.set(b.sector * ob, ob, BlockStatus::BadSector);
                        }
                    }
                    if self.hash_tx.send(ch).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    // What this chunk's write did put in the file is not claimed by the
                    // map; on a full disk give the space back, so the final map
                    // (everything written before) can still be saved.
                    if matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT)) {
                        give_back(&self.image, ch.first * ob, len as u64);
                    }
                    if let Ok(mut w) = sh.write_error.lock() {
                        *w = Some(e);
                    }
                    sh.failed.store(true, Ordering::SeqCst);
                    let _ = self.free_tx.send(ch);
                }
            }
        }
    }
}

/// The hasher thread: hashes chunks that continue the hashed prefix (the rest is hashed
/// from the file at the end) and gives every buffer back to the pool. Returns the hash so
/// far and the sector it reached.
fn hash_stage(hash_rx: Receiver<Chunk>, free_tx: SyncSender<Chunk>, ob: u64) -> (Sha256, u64) {
    let mut h = Sha256::new();
    let mut next = 0u64;
    for ch in hash_rx {
        if ch.first == next && ch.bad.is_empty() {
            h.update(&ch.data[..ch.count as usize * ob as usize]);
            next += u64::from(ch.count);
        }
        if free_tx.send(ch).is_err() {
            break;
        }
    }
    (h, next)
}

impl<'a> Engine<'a> {
    /// Start the pipeline threads. `map` is the map to continue (a fresh one or a loaded
    /// one), sized to the image.
    pub fn new(
        plan: Plan,
        map: Mapfile,
        out: Output,
        checker: Option<Box<dyn Checker>>,
        ctx: &JobContext<'a>,
    ) -> std::io::Result<Engine<'a>> {
        let shared = Arc::new(Shared {
            map: Mutex::new(map),
            write_error: Mutex::new(None),
            failed: AtomicBool::new(false),
        });
        let in_bytes = plan.mode.bytes_per_sector() * plan.chunk_sectors as usize;
        let (free_tx, free_rx) = sync_channel::<Chunk>(POOL);
        for _ in 0..POOL {
            let _ = free_tx.send(Chunk {
                first: 0,
                count: 0,
                data: vec![0u8; in_bytes],
                sub: Vec::new(),
                bad: Vec::new(),
            });
        }
        let mut threads = Vec::new();
        let (work_tx, work_rx) = sync_channel::<Chunk>(POOL);
        let checker_notes = Arc::new(Mutex::new(Vec::new()));
        // Optional checker stage.
        let write_rx = match checker {
            Some(c) => {
                let (tx, rx) = sync_channel::<Chunk>(POOL);
                let notes = checker_notes.clone();
                threads.push(thread::spawn(move || check_stage(c, work_rx, tx, notes)));
                rx
            }
            None => work_rx,
        };
        let (hash_tx, hash_rx) = sync_channel::<Chunk>(POOL);
        let ob = plan.out_bytes as u64;
        let writer = WriteStage {
            image: out.image.try_clone()?,
            sub: out.sub,
            shared: shared.clone(),
            out_bytes: ob,
            hash_tx,
            free_tx: free_tx.clone(),
        };
        threads.push(thread::spawn(move || writer.run(write_rx)));
        let hasher = thread::spawn(move || hash_stage(hash_rx, free_tx, ob));
        Ok(Engine {
            plan,
            shared,
            sink: ctx.sink,
            cancel: ctx.cancel,
            clock: ctx.clock.clone(),
            out_map: out.map_path,
            map_header: out.map_header,
            free_rx,
            work_tx: Some(work_tx),
            threads,
            hasher: Some(hasher),
            checker_notes,
            last_save: ctx.clock.now(),
            last_progress: None,
            others_in_a_row: 0,
            bytes_read: 0,
            image: out.image,
            spare: Vec::new(),
        })
    }

    fn disc_lba(&self, sector: u64) -> Option<(u64, u64)> {
        // (disc lba, sectors left in the segment)
        self.plan
            .segments
            .iter()
            .find(|s| sector >= s.image_start && sector < s.image_start + s.count)
            .map(|s| {
                (
                    s.disc_lba + (sector - s.image_start),
                    s.image_start + s.count - sector,
                )
            })
    }

    fn map_lock(&self) -> std::sync::MutexGuard<'_, Mapfile> {
        match self.shared.map.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn save_map(&mut self) -> Result<(), EngineError> {
        let m = self.map_lock().clone();
        self.last_save = self.clock.now();
        m.save(&self.out_map, &self.map_header)
            .map_err(|source| EngineError::Map {
                path: self.out_map.clone(),
                source,
            })
    }

    fn check_write(&self) -> Result<(), EngineError> {
        if self.shared.failed.load(Ordering::SeqCst) {
            let e = self
                .shared
                .write_error
                .lock()
                .ok()
                .and_then(|mut w| w.take())
                .unwrap_or_else(|| std::io::Error::other("write failed"));
            return Err(EngineError::Write(e));
        }
        Ok(())
    }

    fn set_phase(
        &mut self,
        phase: Phase,
        pass: u32,
        name: crate::jobs::Phase,
    ) -> Result<(), EngineError> {
        {
            let mut m = self.map_lock();
            m.phase = phase;
            m.pass = pass;
        }
        self.sink.event(&Event::Phase { name });
        self.save_map()
    }

    fn errors_now(&self) -> u64 {
        let m = self.map_lock();
        let ob = ss(&self.plan);
        (m.total(BlockStatus::BadSector)
            + m.total(BlockStatus::NonTrimmed)
            + m.total(BlockStatus::NonScraped))
            / ob
    }

    fn progress(
        &mut self,
        done: u64,
        total: u64,
        sector: u64,
        force: bool,
    ) -> Result<(), EngineError> {
        let now = self.clock.now();
        if !force
            && self
                .last_progress
                .is_some_and(|t| now.saturating_sub(t) < Duration::from_millis(200))
        {
            return Ok(());
        }
        self.last_progress = Some(now);
        let ob = ss(&self.plan);
        let errors = self.errors_now();
        let lba = self.disc_lba(sector).map(|x| x.0).unwrap_or(sector);
        self.sink.event(&Event::Progress {
            done_bytes: done * ob,
            total_bytes: total * ob,
            lba,
            one_x_bytes_per_sec: self.plan.one_x,
            errors,
            fifo_fill: None,
            drive_buffer_fill: None,
        });
        self.map_lock().current_pos = sector * ob;
        if now.saturating_sub(self.last_save) >= self.plan.save_every {
            self.save_map()?;
        }
        Ok(())
    }

    /// Wait until every buffer is back here (all reads written and hashed), so the map
    /// shows everything read so far.
    fn drain(&mut self) {
        while self.spare.len() < POOL {
            match self.free_rx.recv() {
                Ok(c) => self.spare.push(c),
                Err(_) => break,
            }
        }
    }

    fn take_buf(&mut self) -> Result<Chunk, EngineError> {
        if let Some(c) = self.spare.pop() {
            return Ok(c);
        }
        self.free_rx
            .recv()
            .map_err(|_| EngineError::Pipeline("the writer stopped"))
    }

    /// One READ of up to `count` image sectors at `first` (clipped to its segment).
    /// Returns the sectors covered and the failure, if any.
    fn read_one(
        &mut self,
        src: &mut dyn Disc,
        first: u64,
        count: u64,
    ) -> Result<(u64, Option<MediaError>), EngineError> {
        if self.cancel.is_cancelled() {
            return Err(EngineError::Interrupted);
        }
        self.check_write()?;
        let Some((lba, left)) = self.disc_lba(first) else {
            return Err(EngineError::OutsideImage(first));
        };
        let n = count
            .min(left)
            .min(u64::from(self.plan.chunk_sectors))
            .max(1);
        let mut ch = self.take_buf()?;
        let bytes = n as usize * self.plan.mode.bytes_per_sector();
        let mut waits = 0u32;
        let result = loop {
            match src.read(
                self.plan.mode,
                Lba::new(lba),
                n as u32,
                &mut ch.data[..bytes],
            ) {
                // The drive layer already polled a becoming-ready unit and retried unit
                // attentions; if one still gets here, wait and read the same sectors again
                // (bounded): a drive that is busy says nothing about the sectors.
                Err(d) if d.fault() == ReadFault::Busy && waits < MAX_WAITS => {
                    waits += 1;
                    self.sink.event(&Event::Notice {
                        message: format!("LBA {lba}: {d}; waiting for the drive"),
                    });
                    src.wait(READY_WAIT);
                    if self.cancel.is_cancelled() {
                        self.spare.push(ch);
                        return Err(EngineError::Interrupted);
                    }
                }
                other => break other,
            }
        };
        match result {
            Ok(()) => {
                ch.first = first;
                ch.count = n as u32;
                ch.bad.clear();
                self.others_in_a_row = 0;
                self.bytes_read += n * ss(&self.plan);
                let Some(tx) = &self.work_tx else {
                    return Err(EngineError::Pipeline("pipeline closed"));
                };
                if tx.send(ch).is_err() {
                    self.check_write()?;
                    return Err(EngineError::Pipeline("the writer stopped"));
                }
                Ok((n, None))
            }
            Err(f) => {
                self.spare.push(ch);
                match f.fault() {
                    ReadFault::Gone => Err(EngineError::MediumGone(f)),
                    ReadFault::Busy => Err(EngineError::NotReady(f)),
                    ReadFault::Sector => {
                        self.others_in_a_row = 0;
                        Ok((n, Some(f)))
                    }
                    ReadFault::Other => {
                        self.others_in_a_row += 1;
                        if self.others_in_a_row >= MAX_OTHER_IN_A_ROW {
                            return Err(EngineError::Drive(f));
                        }
                        Ok((n, Some(f)))
                    }
                }
            }
        }
    }

    fn mark(&self, first: u64, count: u64, status: BlockStatus) {
        let ob = ss(&self.plan);
        self.map_lock().set(first * ob, count * ob, status);
    }

    /// Sector ranges (start, end) of the map with `status`.
    fn work(&self, status: BlockStatus) -> Vec<(u64, u64)> {
        let ob = ss(&self.plan);
        self.map_lock()
            .ranges(status)
            .map(|b| (b.pos / ob, b.end().div_ceil(ob)))
            .collect()
    }

    fn copy(&mut self, src: &mut dyn Disc, pass: u32, skipping: bool) -> Result<(), EngineError> {
        let work = self.work(BlockStatus::NonTried);
        if work.is_empty() {
            return Ok(());
        }
        self.set_phase(Phase::Copying, pass, crate::jobs::Phase::Copying)?;
        let total: u64 = work.iter().map(|(a, b)| b - a).sum();
        let chunk = u64::from(self.plan.chunk_sectors);
        let max_skip = (self.plan.sectors() / 100).max(chunk);
        let mut done = 0u64;
        for (start, end) in work {
            let mut s = start;
            let mut skip = 0u64;
            while s < end {
                let (n, failed) = self.read_one(src, s, end - s)?;
                if let Some(f) = failed {
                    self.mark(s, n, BlockStatus::NonTrimmed);
                    self.sink.event(&Event::ReadError {
                        lba: self.disc_lba(s).map(|x| x.0).unwrap_or(s),
                        count: n,
                        reason: f.to_string(),
                    });
                    s += n;
                    done += n;
                    if skipping {
                        skip = if skip == 0 { chunk } else { skip * 2 }.min(max_skip);
                        let k = skip.min(end - s);
                        s += k;
                        done += k;
                    }
                } else {
                    s += n;
                    done += n;
                    skip = 0;
                }
                self.progress(done, total, s, false)?;
            }
        }
        self.progress(done, total, done, true)?;
        self.drain();
        Ok(())
    }

    fn read_sector(&mut self, src: &mut dyn Disc, s: u64) -> Result<bool, EngineError> {
        let (_, failed) = self.read_one(src, s, 1)?;
        if failed.is_some() {
            self.mark(s, 1, BlockStatus::BadSector);
        }
        Ok(failed.is_none())
    }

    fn trim(&mut self, src: &mut dyn Disc) -> Result<(), EngineError> {
        let work = self.work(BlockStatus::NonTrimmed);
        if work.is_empty() {
            return Ok(());
        }
        self.set_phase(Phase::Trimming, 1, crate::jobs::Phase::Trimming)?;
        let total: u64 = work.iter().map(|(a, b)| b - a).sum();
        let mut done = 0;
        for (a, b) in work {
            let mut lo = a;
            while lo < b {
                let ok = self.read_sector(src, lo)?;
                lo += 1;
                if !ok {
                    break;
                }
            }
            let mut hi = b;
            while hi > lo {
                let ok = self.read_sector(src, hi - 1)?;
                hi -= 1;
                if !ok {
                    break;
                }
            }
            if hi > lo {
                self.mark(lo, hi - lo, BlockStatus::NonScraped);
            }
            done += b - a;
            self.progress(done, total, b, false)?;
        }
        self.drain();
        Ok(())
    }

    fn sector_pass(
        &mut self,
        src: &mut dyn Disc,
        status: BlockStatus,
        phase: Phase,
        pass: u32,
        name: crate::jobs::Phase,
    ) -> Result<(), EngineError> {
        let work = self.work(status);
        if work.is_empty() {
            return Ok(());
        }
        self.set_phase(phase, pass, name)?;
        let total: u64 = work.iter().map(|(a, b)| b - a).sum();
        let mut done = 0;
        for (a, b) in work {
            for s in a..b {
                self.read_sector(src, s)?;
                done += 1;
                self.progress(done, total, s, false)?;
            }
        }
        self.drain();
        Ok(())
    }

    fn phases(&mut self, src: &mut dyn Disc) -> Result<(), EngineError> {
        self.copy(src, 1, true)?;
        self.copy(src, 2, false)?;
        self.trim(src)?;
        self.sector_pass(
            src,
            BlockStatus::NonScraped,
            Phase::Scraping,
            1,
            crate::jobs::Phase::Scraping,
        )?;
        for pass in 1..=self.plan.retries {
            self.sector_pass(
                src,
                BlockStatus::BadSector,
                Phase::Retrying,
                pass,
                crate::jobs::Phase::Retrying,
            )?;
        }
        Ok(())
    }

    /// Run every phase, then stop the pipeline, save the map and finish the hash.
    pub fn run(mut self, src: &mut dyn Disc) -> Result<EngineReport, EngineError> {
        let r = self.phases(src);
        // Stop the pipeline: whatever was read gets written and recorded first.
        self.work_tx = None;
        for t in std::mem::take(&mut self.threads) {
            let _ = t.join();
        }
        let hashed = self.hasher.take().and_then(|h| h.join().ok());
        let w = self.check_write();
        let complete = {
            let mut m = self.map_lock();
            if m.is_complete() {
                m.phase = Phase::Finished;
                m.current_pos = m.size();
            }
            m.is_complete()
        };
        // Like GNU ddrescue, a finished rip is not forced to the platter (that would double
        // the time on a slow disk); an unfinished one is, so its map never claims more than
        // the image holds after a crash.
        let synced = if complete {
            Ok(())
        } else {
            self.image.sync_data()
        };
        let saved = self.save_map();
        r?;
        w?;
        saved?;
        synced.map_err(EngineError::Write)?;
        let ob = ss(&self.plan);
        let total = self.plan.sectors();
        let sha256 = match (complete, hashed) {
            (true, Some((mut h, next))) => {
                let mut buf = vec![0u8; 4 << 20];
                let mut pos = next * ob;
                let end = total * ob;
                while pos < end {
                    let n = (end - pos).min(buf.len() as u64) as usize;
                    self.image
                        .read_exact_at(&mut buf[..n], pos)
                        .map_err(EngineError::Write)?;
                    h.update(&buf[..n]);
                    pos += n as u64;
                }
                Some(h.finalize().into())
            }
            _ => None,
        };
        let bad_ranges = {
            let m = self.map_lock();
            m.ranges(BlockStatus::BadSector)
                .chain(m.ranges(BlockStatus::NonScraped))
                .chain(m.ranges(BlockStatus::NonTrimmed))
                .chain(m.ranges(BlockStatus::NonTried))
                .map(|b| (b.pos / ob, b.size.div_ceil(ob)))
                .collect::<Vec<_>>()
        };
        let mut bad_ranges = bad_ranges;
        bad_ranges.sort_unstable();
        let checker_notes = self
            .checker_notes
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default();
        Ok(EngineReport {
            sha256,
            bad_ranges,
            bytes_read: self.bytes_read,
            checker_notes,
        })
    }
}
