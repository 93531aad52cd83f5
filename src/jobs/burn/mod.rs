//! Burn: write an image to blank (or erasable) media with the MMC sequence its family
//! needs (see [`plan`]), streaming through a FIFO so the drive never runs dry, then verify.
//!
//! One reader thread fills the FIFO from the image; one writer thread per drive takes every
//! chunk from it, so several drives burn the same image at once and a failing drive only
//! detaches itself. Every wait sleeps on the job's clock, so the emulated drive's virtual
//! clock makes underrun and back-off behaviour deterministic in tests.

pub mod cue;
pub mod fifo;
pub mod plan;
pub mod source;
pub mod writer;

use self::cue::CueImage;
use self::fifo::{Chunk, Fifo, FifoStats};
use self::plan::{Choices, Close, Mode, Plan, PlanError};
use self::source::{Image, SECTOR, Source, read_full, written_sectors};
use self::writer::{DriveBufferStats, WriteError, WriteParams};
use crate::clock::SharedClock;
use crate::drive::{Drive, DriveError};
use crate::jobs::blank::{self, BlankError};
use crate::jobs::image::{Digester, Digests};
use crate::jobs::longop::{self, LongOp, WaitError};
use crate::jobs::verify::{self, Reference, VerifyReport};
use crate::jobs::{Cancel, Event, JobContext, Phase, ProgressSink};
use crate::media::DriveMedium;
use crate::scsi::Profile;
use crate::scsi::mmc::{
    BlankingType, CapacityDescriptorType, CloseFunction, DiscInformation, DiscStatus, TrackAddress,
};
use crate::scsi::mode::WriteParametersPage;
use crate::transport::Transport;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

pub use crate::scsi::Speed;

/// Everything the user chose.
#[derive(Debug, Clone, Copy)]
pub struct BurnOptions {
    pub choices: Choices,
    pub speed: Speed,
    /// Blank an erasable non-blank disc first.
    pub blank: bool,
    /// Format an overwritable disc first (it is formatted anyway when unformatted).
    pub format: bool,
    /// Write although the medium is not blank (overwritable media, appendable discs).
    pub force: bool,
    pub fifo_bytes: u64,
    pub eject: bool,
    pub verify: bool,
    /// How long the drive may refuse data or stay busy before the burn fails as stuck.
    pub stuck_after: Duration,
    /// Longest wait for a long operation (close, format, blank).
    pub long_op_max: Duration,
    /// How long to wait for the next blank disc between copies.
    pub next_disc_max: Duration,
}

impl Default for BurnOptions {
    fn default() -> Self {
        BurnOptions {
            choices: Choices {
                burnfree: true,
                ..Choices::default()
            },
            speed: Speed::Max,
            blank: false,
            format: false,
            force: false,
            fifo_bytes: 32 << 20,
            eject: false,
            verify: true,
            stuck_after: Duration::from_secs(120),
            long_op_max: Duration::from_secs(3 * 3600),
            next_disc_max: Duration::from_secs(3600),
        }
    }
}

/// What happened on one drive.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BurnReport {
    pub device: String,
    pub copy: u32,
    pub profile: String,
    /// The medium's family (its 1x rate): `cd`, `dvd`, `bd`; null when the drive names none.
    pub family: Option<crate::scsi::Family>,
    pub mode: Mode,
    pub simulate: bool,
    pub multi: bool,
    /// First LBA of the image on the disc.
    pub start_lba: u32,
    pub image_bytes: u64,
    pub image_sectors: u64,
    /// Sectors written, padding included (a cue image: from LBA −150, its pregap).
    pub written_sectors: u64,
    /// Tracks of a cue image (`None` for a data image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cue_tracks: Option<usize>,
    pub fifo: FifoStats,
    pub drive_buffer: DriveBufferStats,
    /// Seconds on the job's clock from the first WRITE to the last (flush and close not
    /// included).
    pub write_seconds: f64,
    /// The verify pass, unless skipped or simulated.
    pub verify: Option<VerifyReport>,
}

/// How the CLI should treat a failure (it picks the exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Failure of the job (exit 1).
    Failure,
    /// Media problem: none, wrong kind, not blank, too small (exit 4).
    Media,
    /// Stopped by the user (exit 130).
    Interrupted,
}

/// Why a burn failed on one drive.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BurnError {
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error("no medium in the drive")]
    NoMedium,
    #[error("{what}")]
    Media { what: String, hint: Option<String> },
    #[error("{}", too_small_text(*image, *need, *free))]
    TooSmall { image: u64, need: u64, free: u64 },
    #[error("{step}: {error}")]
    Drive {
        step: &'static str,
        error: DriveError,
    },
    #[error("{0}")]
    Write(WriteError),
    #[error("{step}: {error}")]
    Wait {
        step: &'static str,
        error: WaitError,
    },
    #[error("verify: {0}")]
    Verify(String),
    #[error("interrupted; {0}")]
    Interrupted(String),
    /// The drive's answers contradict each other (nothing was written).
    #[error("{0}")]
    Inconsistent(String),
    #[error("another drive's failure stopped the image reader")]
    Aborted,
}

impl BurnError {
    pub fn kind(&self) -> FailureKind {
        match self {
            BurnError::Plan(_)
            | BurnError::NoMedium
            | BurnError::Media { .. }
            | BurnError::TooSmall { .. } => FailureKind::Media,
            BurnError::Write(WriteError::MediumRemoved(_)) => FailureKind::Media,
            BurnError::Drive { error, .. } if error.is_media_absent() => FailureKind::Media,
            BurnError::Write(WriteError::Interrupted) | BurnError::Interrupted(_) => {
                FailureKind::Interrupted
            }
            _ => FailureKind::Failure,
        }
    }

    /// A hint for the one-line error, where one helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            BurnError::Media { hint, .. } => hint.clone(),
            BurnError::TooSmall { .. } => Some("use a larger medium".into()),
            BurnError::Write(WriteError::Underrun { .. }) => {
                Some("keep BURN-Free on, give a larger --fifo, or lower --speed".into())
            }
            _ => None,
        }
    }
}

/// A blank or format before the burn failed: the same media and interruption outcomes as a
/// burn's own, so the CLI picks the same exit codes.
impl From<BlankError> for BurnError {
    fn from(e: BlankError) -> BurnError {
        match e {
            BlankError::NoMedium => BurnError::NoMedium,
            BlankError::WrongMedium(what) => BurnError::Media { what, hint: None },
            BlankError::Drive { step, error } => BurnError::Drive { step, error },
            BlankError::Wait { step, error } => BurnError::Wait { step, error },
            BlankError::Interrupted => BurnError::Interrupted("while blanking/formatting".into()),
            BlankError::LeftToDrive(step) => BurnError::Interrupted(format!(
                "the drive goes on with {step} on its own; no disc was written"
            )),
        }
    }
}

fn too_small_text(image: u64, need: u64, free: u64) -> String {
    if image == need {
        format!("image needs {need} sectors, the medium holds {free} (nothing was written)")
    } else {
        format!(
            "image needs {image} sectors ({need} in whole write units), the medium holds {free} (nothing was written)"
        )
    }
}

fn drive_err(step: &'static str) -> impl Fn(DriveError) -> BurnError {
    move |error| BurnError::Drive { step, error }
}

fn wait_err(step: &'static str) -> impl Fn(WaitError) -> BurnError {
    move |error| BurnError::Wait { step, error }
}

/// One drive taking part: the drive and the clock it runs on.
pub struct Target<T: Transport> {
    pub drive: Drive<T>,
    pub clock: SharedClock,
    pub name: String,
}

/// Where the image comes from for each copy.
pub enum Input {
    /// A file checked readable to the end and hashed by [`Image::precheck_file`].
    File {
        path: std::path::PathBuf,
        digests: Digests,
    },
    /// A one-shot source of `size` bytes (standard input, test sources).
    Stream { source: Box<dyn Source>, size: u64 },
    /// A cue sheet and its files, read once by [`CueImage::precheck`] (session-at-once on CD).
    Cue {
        image: Arc<CueImage>,
        digests: Digests,
    },
}

/// What is burned, where the steps differ: a data image (its file, when there is one) or a
/// cue image.
#[derive(Clone, Copy)]
enum Shape<'a> {
    Data(Option<&'a std::path::Path>),
    Cue(&'a Arc<CueImage>),
}

impl<'a> Shape<'a> {
    fn cue(self) -> Option<&'a Arc<CueImage>> {
        match self {
            Shape::Cue(c) => Some(c),
            Shape::Data(_) => None,
        }
    }
}

impl From<Image> for Input {
    fn from(i: Image) -> Input {
        match i {
            Image::File { path, digests } => Input::File { path, digests },
            Image::Stream { source, size } => Input::Stream { source, size },
        }
    }
}

impl Input {
    pub fn size(&self) -> u64 {
        match self {
            Input::File { digests, .. } | Input::Cue { digests, .. } => digests.size,
            Input::Stream { size, .. } => *size,
        }
    }
}

/// FIFO chunk size: at most 1 MiB, at least 32 KiB, and at most a quarter of the FIFO so a
/// small FIFO still holds several chunks; a multiple of 32 KiB so writes come straight
/// from chunks.
pub fn chunk_bytes(fifo_bytes: u64) -> usize {
    let unit = 32 * 1024u64;
    let c = (fifo_bytes / 4).clamp(unit, 1 << 20);
    (c / unit * unit) as usize
}

/// One drive's result for one copy.
#[derive(Debug)]
pub struct Outcome {
    pub device: String,
    pub copy: u32,
    pub result: Result<BurnReport, BurnError>,
}

/// Burn `copies` copies of the image on every target. Returns one outcome per target and
/// copy, in order (copy 1 of every drive, then copy 2, ...); a drive that failed takes no
/// further copies. Copies after the first wait for the drive to be given a new blank
/// medium.
pub fn burn<T: Transport>(
    targets: &mut [Target<T>],
    mut input: Input,
    copies: u32,
    opts: &BurnOptions,
    sink: &dyn ProgressSink,
    cancel: &Cancel,
) -> Vec<Outcome> {
    let mut out = Vec::new();
    let mut digests: Option<Digests> = match &input {
        Input::File { digests, .. } | Input::Cue { digests, .. } => Some(digests.clone()),
        Input::Stream { .. } => None,
    };
    let image_path: Option<std::path::PathBuf> = match &input {
        Input::File { path, .. } => Some(path.clone()),
        Input::Stream { .. } | Input::Cue { .. } => None,
    };
    let cue: Option<Arc<CueImage>> = match &input {
        Input::Cue { image, .. } => Some(Arc::clone(image)),
        _ => None,
    };
    let job = Job {
        size: input.size(),
        shape: match &cue {
            Some(c) => Shape::Cue(c),
            None => Shape::Data(image_path.as_deref()),
        },
        opts,
        sink,
        cancel,
    };
    let mut alive: Vec<bool> = vec![true; targets.len()];
    for copy in 1..=copies.max(1) {
        if cancel.is_cancelled() {
            break;
        }
        let source = match copy_source(&mut input, copy) {
            Ok(Some(s)) => s,
            Ok(None) => break,
            Err(err) => {
                for t in targets.iter() {
                    out.push(Outcome {
                        device: t.name.clone(),
                        copy,
                        result: Err(err.clone()),
                    });
                }
                break;
            }
        };
        let round = burn_round(targets, &alive, source, &mut digests, job, copy);
        for (i, r) in round.into_iter().enumerate() {
            if let Some(r) = r {
                if r.is_err() {
                    alive[i] = false;
                }
                out.push(Outcome {
                    device: targets[i].name.clone(),
                    copy,
                    result: r,
                });
            }
        }
        if !alive.iter().any(|&a| a) {
            break;
        }
    }
    out
}

/// The image's bytes for copy number `copy`: the file opened again, the cue image's files,
/// or the stream (`None` after the first copy: a stream is read once).
fn copy_source(input: &mut Input, copy: u32) -> Result<Option<Box<dyn Source>>, BurnError> {
    Ok(Some(match input {
        Input::File { path, .. } => match std::fs::File::open(&*path) {
            Ok(f) => Box::new(source::ReadSource(std::io::BufReader::with_capacity(
                1 << 20,
                f,
            ))),
            Err(e) => {
                return Err(BurnError::Media {
                    what: format!("cannot open {}: {e}", path.display()),
                    hint: None,
                });
            }
        },
        Input::Stream { source, .. } => {
            if copy > 1 {
                return Ok(None);
            }
            std::mem::replace(source, Box::new(source::ReadSource(std::io::empty())))
        }
        Input::Cue { image, .. } => Box::new(image.source()),
    }))
}

/// One burn, the same for every copy and every drive: what is burned, the user's options,
/// where events go and the flag that stops it.
#[derive(Clone, Copy)]
struct Job<'a> {
    size: u64,
    shape: Shape<'a>,
    opts: &'a BurnOptions,
    sink: &'a dyn ProgressSink,
    cancel: &'a Cancel,
}

impl<'a> Job<'a> {
    /// The context of one drive's steps: this job on the drive's clock.
    fn on(&self, clock: &SharedClock) -> JobContext<'a> {
        JobContext {
            clock: clock.clone(),
            sink: self.sink,
            cancel: self.cancel,
        }
    }
}

/// One copy on every live drive: what the reader and the drives' threads share.
struct Round<'a> {
    job: Job<'a>,
    copy: u32,
    fifo: Arc<Fifo>,
    /// Every drive prepares (blank, format, size checks) before the reader starts, so a
    /// slow preparation does not hold the FIFO against the others.
    barrier: Barrier,
    /// The image's digests when known before the burn (a checked file or cue image).
    known: Option<Digests>,
    /// Otherwise the stream's, taken by the reader while it reads.
    stream_digests: Mutex<Option<Digests>>,
}

/// One copy on every live target, in parallel from one reader.
fn burn_round<T: Transport>(
    targets: &mut [Target<T>],
    alive: &[bool],
    mut source: Box<dyn Source>,
    digests: &mut Option<Digests>,
    job: Job<'_>,
    copy: u32,
) -> Vec<Option<Result<BurnReport, BurnError>>> {
    let n = alive.iter().filter(|&&a| a).count();
    let fifo_bytes = job.opts.fifo_bytes;
    let round = Round {
        job,
        copy,
        fifo: Fifo::new(fifo_bytes, chunk_bytes(fifo_bytes), n.max(1)),
        barrier: Barrier::new(n + 1),
        known: digests.clone(),
        stream_digests: Mutex::new(None),
    };
    source.bind(&round.fifo);
    let mut results: Vec<Option<Result<BurnReport, BurnError>>> = Vec::new();
    let round_done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (round, done) = (&round, &round_done);
        let reader = s.spawn(move || feed(round, source));
        s.spawn(move || close_on_cancel(&round.fifo, round.job.cancel, done));
        let mut handles = Vec::new();
        let mut id = 0usize;
        for (t, &a) in targets.iter_mut().zip(alive) {
            if !a {
                handles.push(None);
                continue;
            }
            let my = id;
            id += 1;
            handles.push(Some(s.spawn(move || burn_one(t, my, round))));
        }
        for h in handles {
            results.push(h.map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(BurnError::Verify("writer thread panicked".into())))
            }));
        }
        round_done.store(true, Ordering::SeqCst);
        let _ = reader.join();
    });
    if digests.is_none()
        && let Ok(mut g) = round.stream_digests.lock()
    {
        *digests = g.take();
    }
    results
}

/// The reader thread: once every drive is prepared, the image into the FIFO, hashed while
/// read, always: a file pre-checked before the burn must still be the same file now (a
/// truncated or rewritten image must not be closed as good); a stream's digests are kept
/// for verify.
fn feed(round: &Round<'_>, mut source: Box<dyn Source>) {
    round.barrier.wait();
    let mut d = Digester::new();
    let (size, cancel) = (round.job.size, round.job.cancel);
    let mut r = read_image(&mut *source, &round.fifo, size, Some(&mut d), cancel);
    if r.is_ok() {
        let got = d.finish();
        match &round.known {
            Some(k) if k.sha256 != got.sha256 || k.size != got.size => {
                r = Err("the image changed while it was burned (its SHA-256 is not \
                         the one taken by the check before writing)"
                    .into());
            }
            Some(_) => {}
            None => {
                if let Ok(mut g) = round.stream_digests.lock() {
                    *g = Some(got);
                }
            }
        }
    }
    round.fifo.finish(r);
}

/// SIGINT must reach threads blocked on the FIFO (a writer waiting for data, the reader
/// waiting for room): on cancel, close it so they return at once. Ends with the round.
fn close_on_cancel(fifo: &Fifo, cancel: &Cancel, round_done: &AtomicBool) {
    while !round_done.load(Ordering::SeqCst) {
        if cancel.is_cancelled() {
            fifo.close();
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The reader thread: `size` bytes from `src` into the FIFO in chunks.
fn read_image(
    src: &mut dyn Source,
    fifo: &Arc<Fifo>,
    size: u64,
    mut digest: Option<&mut Digester>,
    cancel: &Cancel,
) -> Result<(), String> {
    let mut off = 0u64;
    while off < size {
        if cancel.is_cancelled() {
            return Err("interrupted".into());
        }
        let want = (fifo.chunk_bytes() as u64).min(size - off) as usize;
        let mut buf = fifo.buffer();
        buf.resize(want, 0);
        let got = read_full(src, &mut buf).map_err(|e| format!("image read at byte {off}: {e}"))?;
        if got < want {
            return Err(format!(
                "image ended after {} bytes, {size} expected",
                off + got as u64
            ));
        }
        if let Some(d) = digest.as_deref_mut() {
            d.update(&buf);
        }
        if !fifo.push(Chunk {
            offset: off,
            data: buf,
        }) {
            // Every writer has gone.
            return Ok(());
        }
        off += want as u64;
    }
    Ok(())
}

/// State found on the medium before writing.
struct Prepared {
    plan: Plan,
    start_lba: u32,
    track: u16,
    written: u64,
    rate: u64,
}

/// One drive's part of a round: prepare the medium (after the next disc for later copies),
/// write, close, verify and eject.
fn burn_one<T: Transport>(
    t: &mut Target<T>,
    id: usize,
    round: &Round<'_>,
) -> Result<BurnReport, BurnError> {
    let job = &round.job;
    let (opts, size, shape) = (job.opts, job.size, job.shape);
    let ctx = job.on(&t.clock);
    let prep = if round.copy > 1 {
        next_medium(t, &ctx, opts).and_then(|_| prepare(t, &ctx, size, shape.cue(), opts))
    } else {
        prepare(t, &ctx, size, shape.cue(), opts)
    };
    round.barrier.wait();
    let prep = match prep {
        Ok(p) => p,
        Err(e) => {
            round.fifo.detach(id);
            return Err(e);
        }
    };
    let r = write_and_close(t, &ctx, round, id, &prep);
    round.fifo.detach(id);
    let (drive_buffer, write_seconds) = r?;
    let image_sectors = match shape.cue() {
        Some(c) => c.layout.leadout as u64,
        None => size.div_ceil(SECTOR),
    };
    let mut report = BurnReport {
        device: t.name.clone(),
        copy: round.copy,
        profile: prep.plan.profile.name(),
        family: prep.plan.profile.family(),
        mode: prep.plan.mode,
        simulate: opts.choices.simulate,
        multi: prep.plan.multi,
        start_lba: prep.start_lba,
        image_bytes: size,
        image_sectors,
        written_sectors: prep.written,
        cue_tracks: shape.cue().map(|c| c.layout.tracks.len()),
        fifo: round.fifo.stats(),
        drive_buffer,
        write_seconds,
        verify: None,
    };
    if opts.verify && !opts.choices.simulate {
        let digests = match &round.known {
            Some(d) => Some(d.clone()),
            None => round.stream_digests.lock().ok().and_then(|g| g.clone()),
        };
        let Some(digests) = digests else {
            return Err(BurnError::Verify("the image's digests are missing".into()));
        };
        report.verify = Some(verify_burned(t, &ctx, &prep, &digests, shape)?);
    }
    if opts.eject {
        t.drive.eject().map_err(drive_err("eject"))?;
    }
    Ok(report)
}

/// Eject the last disc and wait for a new medium (GET EVENT STATUS NOTIFICATION where the
/// drive has it, TEST UNIT READY always).
fn next_medium<T: Transport>(
    t: &mut Target<T>,
    ctx: &JobContext<'_>,
    opts: &BurnOptions,
) -> Result<(), BurnError> {
    if !opts.eject {
        let _ = t.drive.eject();
    }
    ctx.sink.event(&Event::Notice {
        message: format!("{}: insert the next blank disc", t.name),
    });
    let start = ctx.clock.now();
    // A tray that was opened must first report no medium, then a medium.
    let mut saw_empty = false;
    loop {
        if ctx.cancel.is_cancelled() {
            return Err(BurnError::Interrupted("no disc was written".into()));
        }
        let _ = t.drive.get_event_status_notification();
        match t.drive.test_unit_ready() {
            Ok(()) if saw_empty || t.drive.take_media_changed() => return Ok(()),
            Ok(()) => {}
            Err(e) if e.is_media_absent() => saw_empty = true,
            Err(_) => {}
        }
        if ctx.clock.now().saturating_sub(start) >= opts.next_disc_max {
            return Err(BurnError::Media {
                what: format!(
                    "no new disc was inserted within {} s for the next copy",
                    opts.next_disc_max.as_secs()
                ),
                hint: Some("the copies listed above are done; run again for more".into()),
            });
        }
        ctx.clock.sleep(Duration::from_millis(500));
    }
}

/// The refusal of a medium that holds data, with what the user can do about it.
fn not_blank(profile: Profile, status: DiscStatus, erasable: bool) -> BurnError {
    let hint = if erasable {
        "use --blank to erase it first"
    } else if status == DiscStatus::Incomplete {
        "use --force to append a session (not with --sao), or use a blank disc"
    } else {
        "use a blank disc"
    };
    BurnError::Media {
        what: format!(
            "medium is not blank: {} is {}",
            profile.name(),
            status_name(status)
        ),
        hint: Some(hint.into()),
    }
}

fn status_name(s: DiscStatus) -> &'static str {
    match s {
        DiscStatus::Empty => "blank",
        DiscStatus::Incomplete => "appendable",
        DiscStatus::Complete => "complete (closed)",
        DiscStatus::Other => "formatted/in use",
    }
}

/// Read-only checks before the image is read or anything is written: a medium is there,
/// the plan for it exists (e.g. `--simulate` on DVD+R is refused), it is blank (or the
/// options allow what it holds), and the image fits. Refusals here cost the user nothing:
/// no image pass, no blanking, no write. [`burn`] checks again after blanking/formatting.
pub fn preflight<T: Transport>(
    t: &mut Target<T>,
    size: u64,
    cue: Option<&CueImage>,
    opts: &BurnOptions,
) -> Result<(), BurnError> {
    let d = &mut t.drive;
    if d.media_status().map_err(drive_err("TEST UNIT READY"))? == crate::drive::MediaStatus::None {
        return Err(BurnError::NoMedium);
    }
    let profile = d.profiles().map_err(drive_err("GET CONFIGURATION"))?.0;
    let plan = plan::plan(profile, opts.choices)?;
    cue_needs_cd(&plan, cue)?;
    let disc = d
        .read_disc_information()
        .map_err(drive_err("READ DISC INFORMATION"))?;
    let (image_sectors, need) = sectors_needed(size, cue, &plan);
    let free = if plan.overwrite {
        let caps = d.read_format_capacities().ok();
        let unformatted = caps
            .as_ref()
            .map(|c| c.descriptor_type == CapacityDescriptorType::Unformatted)
            .unwrap_or(disc.disc_status == DiscStatus::Empty);
        let will_format = unformatted || opts.format;
        let allowed = opts.force || opts.blank || disc.disc_status == DiscStatus::Empty;
        if !will_format && !allowed {
            return Err(BurnError::Media {
                what: format!("{} is formatted and may hold data", profile.name()),
                hint: Some("use --force to overwrite it, or --format to format it first".into()),
            });
        }
        if unformatted {
            // The formatted size is not known before formatting; the maximum capacity
            // descriptor is the best bound there is.
            caps.and_then(|c| blank::choose_format(profile, &c, false).ok())
                .map(|(blocks, _, _)| u64::from(blocks))
        } else {
            d.read_capacity_10().ok().map(|c| u64::from(c.last_lba) + 1)
        }
    } else {
        if disc.disc_status != DiscStatus::Empty {
            let erasable = profile.is_erasable();
            let append = disc.disc_status == DiscStatus::Incomplete
                && opts.force
                && !plan.reserve_track
                && !plan.cue_sheet;
            if opts.blank && erasable {
                // The room after blanking is checked after blanking.
                return Ok(());
            }
            if !append {
                return Err(not_blank(profile, disc.disc_status, erasable));
            }
        }
        let n = disc.last_track_in_last_session.max(1);
        d.read_track_information(TrackAddress::Track(u32::from(n)))
            .ok()
            .map(|ti| u64::from(ti.free_blocks))
    };
    match free {
        Some(free) if need > free => Err(BurnError::TooSmall {
            image: image_sectors,
            need,
            free,
        }),
        _ => Ok(()),
    }
}

/// A cue image is burned in session-at-once with a cue sheet, which only CD media take.
fn cue_needs_cd(plan: &Plan, cue: Option<&CueImage>) -> Result<(), BurnError> {
    if cue.is_some() && !plan.cue_sheet {
        return Err(BurnError::Media {
            what: format!(
                "a .cue image is burned on CD-R or CD-RW only, not on {}",
                plan.profile.name()
            ),
            hint: Some("use a blank CD-R or CD-RW".into()),
        });
    }
    Ok(())
}

/// Sectors of the image, and sectors it needs on the medium: whole write units of a data
/// image; for a cue image every sector from LBA 0 to the lead-out (track 1's pregap before
/// LBA 0 is not counted in a blank disc's free blocks).
fn sectors_needed(size: u64, cue: Option<&CueImage>, plan: &Plan) -> (u64, u64) {
    match cue {
        Some(c) => {
            let n = c.layout.leadout.max(0) as u64;
            (n, n)
        }
        None => {
            let image = size.div_ceil(SECTOR);
            (image, written_sectors(image, u64::from(plan.unit_sectors)))
        }
    }
}

/// Check the medium, blank or format it if asked or needed, set up page 05h, speed, and
/// the track, and check the size. Nothing is written to the user area here.
fn prepare<T: Transport>(
    t: &mut Target<T>,
    ctx: &JobContext<'_>,
    size: u64,
    cue: Option<&Arc<CueImage>>,
    opts: &BurnOptions,
) -> Result<Prepared, BurnError> {
    let (plan, disc) = make_writable(t, ctx, cue, opts)?;
    cue_needs_cd(&plan, cue.map(|c| &**c))?;
    let (image_sectors, need) = sectors_needed(size, cue.map(|c| &**c), &plan);
    let written = match cue {
        Some(c) => c.layout.written_sectors(),
        None => need,
    };
    let (start_lba, track, free) = where_to_write(&mut t.drive, &plan, &disc)?;
    let too_small = BurnError::TooSmall {
        image: image_sectors,
        need,
        free,
    };
    if need > free {
        return Err(too_small);
    }

    let d = &mut t.drive;
    if let Some(p05) = plan.page05 {
        let mut page = d
            .write_parameters_page()
            .map_err(drive_err("MODE SENSE(10) page 05h"))?;
        apply_page05(&mut page, p05);
        d.mode_select_10(&page.to_bytes())
            .map_err(drive_err("MODE SELECT(10) page 05h"))?;
    }
    let rate = set_speed(t, &plan, opts.speed, ctx.sink);
    let d = &mut t.drive;
    if plan.reserve_track {
        let blocks = u32::try_from(written).map_err(|_| too_small.clone())?;
        d.reserve_track(blocks)
            .map_err(drive_err("RESERVE TRACK"))?;
    }
    if plan.cue_sheet {
        let blocks = u32::try_from(written).map_err(|_| too_small.clone())?;
        let sheet = match cue {
            Some(c) => c.cue_sheet(),
            None => crate::scsi::cue::single_data_track(blocks),
        };
        d.send_cue_sheet(&sheet)
            .map_err(drive_err("SEND CUE SHEET"))?;
    }
    Ok(Prepared {
        plan,
        start_lba,
        track,
        written,
        rate,
    })
}

/// A medium the plan can write: refuse an empty drive or a medium that holds data unless
/// the options allow it, format an unformatted (or `--format`) overwritable disc, blank an
/// erasable one with `--blank`. Returns the plan and the disc as they are now.
fn make_writable<T: Transport>(
    t: &mut Target<T>,
    ctx: &JobContext<'_>,
    cue: Option<&Arc<CueImage>>,
    opts: &BurnOptions,
) -> Result<(Plan, DiscInformation), BurnError> {
    let d = &mut t.drive;
    if d.media_status().map_err(drive_err("TEST UNIT READY"))? == crate::drive::MediaStatus::None {
        return Err(BurnError::NoMedium);
    }
    let mut profile = d.profiles().map_err(drive_err("GET CONFIGURATION"))?.0;
    let mut plan = plan::plan(profile, opts.choices)?;
    cue_needs_cd(&plan, cue.map(|c| &**c))?;
    let mut disc = d
        .read_disc_information()
        .map_err(drive_err("READ DISC INFORMATION"))?;

    if plan.overwrite {
        let caps = d.read_format_capacities().ok();
        let unformatted = caps
            .as_ref()
            .map(|c| c.descriptor_type == CapacityDescriptorType::Unformatted)
            .unwrap_or(disc.disc_status == DiscStatus::Empty);
        if unformatted || opts.format {
            format_medium(t, ctx, profile, false, opts.long_op_max)?;
        } else if disc.disc_status != DiscStatus::Empty && !(opts.force || opts.blank) {
            return Err(BurnError::Media {
                what: format!("{} is formatted and may hold data", profile.name()),
                hint: Some("use --force to overwrite it, or --format to format it first".into()),
            });
        }
    } else if disc.disc_status != DiscStatus::Empty {
        let erasable = profile.is_erasable();
        if opts.blank && erasable {
            blank_medium(t, ctx, profile, BlankingType::Minimal, opts.long_op_max)?;
            let d = &mut t.drive;
            profile = d.profiles().map_err(drive_err("GET CONFIGURATION"))?.0;
            plan = plan::plan(profile, opts.choices)?;
            disc = d
                .read_disc_information()
                .map_err(drive_err("READ DISC INFORMATION"))?;
        } else if disc.disc_status == DiscStatus::Incomplete
            && opts.force
            && !plan.reserve_track
            && !plan.cue_sheet
        {
            ctx.sink.event(&Event::Notice {
                message: format!("{}: appending a session to the appendable disc", t.name),
            });
        } else {
            return Err(not_blank(profile, disc.disc_status, erasable));
        }
        if disc.disc_status != DiscStatus::Empty && disc.disc_status != DiscStatus::Incomplete {
            return Err(BurnError::Media {
                what: format!(
                    "{} is still {} after blanking",
                    profile.name(),
                    status_name(disc.disc_status)
                ),
                hint: None,
            });
        }
    }
    Ok((plan, disc))
}

/// Where the track goes and how much room there is: (first LBA, track number, free
/// blocks). An overwritable disc is written from LBA 0 over its whole capacity; otherwise
/// at the next writable address of the last track, which must agree with the track.
fn where_to_write<T: Transport>(
    d: &mut Drive<T>,
    plan: &Plan,
    disc: &DiscInformation,
) -> Result<(u32, u16, u64), BurnError> {
    if plan.overwrite {
        let cap = d.read_capacity_10().map_err(drive_err("READ CAPACITY"))?;
        return Ok((0u32, 1u16, u64::from(cap.last_lba) + 1));
    }
    let n = disc.last_track_in_last_session.max(1);
    let ti = d
        .read_track_information(TrackAddress::Track(u32::from(n)))
        .map_err(drive_err("READ TRACK INFORMATION"))?;
    let Some(nwa) = ti.next_writable_address else {
        return Err(BurnError::Media {
            what: format!(
                "{}: the drive reports no writable address",
                plan.profile.name()
            ),
            hint: None,
        });
    };
    // A drive that lies about its NWA would have the image written where the disc's
    // state says it must not go: a blank (invisible or reserved) track is written from
    // its start, and never before the start or past the end of its track.
    let start = ti.track_start_address;
    let end = u64::from(start) + u64::from(ti.track_size);
    if (ti.blank && nwa != start) || nwa < start || (ti.track_size > 0 && u64::from(nwa) > end) {
        return Err(BurnError::Inconsistent(format!(
            "READ TRACK INFORMATION: the drive gives next writable address {nwa} for {} \
             track {} starting at {start}{}; nothing was written",
            if ti.blank { "blank" } else { "incomplete" },
            ti.track_number,
            if ti.track_size > 0 {
                format!(" ({} blocks)", ti.track_size)
            } else {
                String::new()
            }
        )));
    }
    Ok((nwa, ti.track_number, u64::from(ti.free_blocks)))
}

fn apply_page05(page: &mut WriteParametersPage, p: plan::Page05) {
    page.write_type = p.write_type;
    page.bufe = p.bufe;
    page.test_write = p.test_write;
    page.multi_session = p.multi_session;
    page.track_mode = p.track_mode;
    page.data_block_type = p.data_block_type;
    page.fp = false;
    page.session_format = 0;
    match p.link_size {
        Some(l) => {
            page.ls_v = true;
            page.link_size = l;
        }
        None => {
            page.ls_v = false;
            page.link_size = 0;
        }
    }
}

/// Set the write speed; returns the rate to pace on, bytes per second. A drive that will
/// not take the speed is told so in a notice; the burn goes on at its own speed.
fn set_speed<T: Transport>(
    t: &mut Target<T>,
    plan: &Plan,
    speed: Speed,
    sink: &dyn ProgressSink,
) -> u64 {
    let one_x = plan.one_x_bytes_per_sec;
    // Writable profiles all have a family; CD units are the cautious default.
    let family = plan.profile.family().unwrap_or(crate::scsi::Family::Cd);
    let cd = family == crate::scsi::Family::Cd;
    let to_user = |kbps: u64| family.user_bytes_per_sec(kbps);
    let d = &mut t.drive;
    let wanted_kbps: Option<u32> = match speed {
        Speed::Times(x) => Some(family.speed_kbps(x)),
        Speed::Max => None,
    };
    let result = if cd {
        let w = wanted_kbps.map(|k| k.min(0xFFFE) as u16).unwrap_or(0xFFFF);
        d.set_cd_speed(0xFFFF, w)
    } else {
        let w = match wanted_kbps {
            Some(k) => Some(k),
            None => d
                .get_write_speeds()
                .ok()
                .and_then(|v| v.iter().map(|s| s.write_speed_kbps).max()),
        };
        match w {
            Some(w) => d.set_streaming(0, u32::MAX, w, w),
            None => Ok(()),
        }
    };
    if let Err(e) = result
        && !e.is_optional_miss()
    {
        sink.event(&Event::Notice {
            message: format!("{}: could not set the write speed: {e}", t.name),
        });
    }
    // Pace on what the drive says it does now, else on what was asked, else 4x.
    let current = d
        .capabilities_page()
        .ok()
        .map(|c| to_user(u64::from(c.current_write_speed_kbps)))
        .filter(|&r| r > 0);
    current
        .or(wanted_kbps.map(|k| to_user(u64::from(k))))
        .unwrap_or(4 * one_x)
}

/// Write the stream (and the SAO pregap), flush, close as the plan says.
fn write_and_close<T: Transport>(
    t: &mut Target<T>,
    ctx: &JobContext<'_>,
    round: &Round<'_>,
    id: usize,
    prep: &Prepared,
) -> Result<(DriveBufferStats, f64), BurnError> {
    let plan = &prep.plan;
    let (opts, size, cue) = (round.job.opts, round.job.size, round.job.shape.cue());
    ctx.sink.event(&Event::Phase {
        name: if opts.choices.simulate {
            Phase::WritingSimulated
        } else {
            Phase::Writing
        },
    });
    let started = ctx.clock.now();
    let links_before = t.drive.burn_free_links();
    // A data image's SAO pregap is written here; a cue image's is in its stream, which
    // starts at LBA −150 and changes block size where its tracks do.
    let pregap: u64 = if plan.cue_sheet && cue.is_none() {
        150
    } else {
        0
    };
    let regions = cue.map(|c| c.regions()).unwrap_or_default();
    let write_sectors = 16u32;
    let mut params = WriteParams {
        start_lba: prep.start_lba,
        image_bytes: size,
        written_sectors: prep.written,
        write_sectors,
        rate_bytes_per_sec: prep.rate,
        one_x_bytes_per_sec: plan.one_x_bytes_per_sec,
        stuck_after: opts.stuck_after,
        progress_total: size,
    };
    if cue.is_some() {
        params.start_lba = (-150i32) as u32;
        // A CD records 75 sectors a second per 1x whatever their size: audio and raw
        // sectors carry 2352 bytes where the rate was reckoned in 2048.
        params.rate_bytes_per_sec = (u128::from(prep.rate) * u128::from(size)
            / (u128::from(prep.written.max(1)) * u128::from(SECTOR)))
            as u64;
    }
    let mut stats = DriveBufferStats::default();
    if pregap > 0 {
        // SAO: the host sends the pregap of track 1 from LBA −150 (MMC-6 §4.3.6.3).
        let p = WriteParams {
            start_lba: (-150i32) as u32,
            ..params
        };
        if let Err(e) = writer::write_zeros(&mut t.drive, ctx, p, pregap, &mut stats) {
            return Err(stop(t, ctx, prep, opts, BurnError::Write(e)));
        }
        params.start_lba = 0;
    }
    match writer::write_stream(&mut t.drive, ctx, &round.fifo, id, params, &regions) {
        Ok(s) => {
            stats.size_bytes = s.size_bytes.or(stats.size_bytes);
            stats.min_fill = s.min_fill;
            stats.full_waits += s.full_waits;
            stats.long_write_waits += s.long_write_waits;
        }
        Err(e) => return Err(stop(t, ctx, prep, opts, BurnError::Write(e))),
    }
    let secs = ctx.clock.now().saturating_sub(started).as_secs_f64();
    finish(t, ctx, prep, opts)?;
    // A counter lower than before was reset by the drive when this burn began.
    stats.burn_free_links = links_before
        .zip(t.drive.burn_free_links())
        .map(|(b, a)| u32::from(if a >= b { a - b } else { a }));
    Ok((stats, secs))
}

/// Flush the drive buffer and close what the plan closes.
fn finish<T: Transport>(
    t: &mut Target<T>,
    ctx: &JobContext<'_>,
    prep: &Prepared,
    opts: &BurnOptions,
) -> Result<(), BurnError> {
    ctx.sink.event(&Event::Phase {
        name: Phase::Closing,
    });
    let d = &mut t.drive;
    // Waited out even when the user interrupts: the disc needs its flush and close.
    let op = |what| LongOp {
        what,
        max: opts.long_op_max,
        interval: Duration::from_millis(200),
        phase_total: None,
        interruptible: false,
    };
    d.synchronize_cache_10(true)
        .map_err(drive_err("SYNCHRONIZE CACHE"))?;
    longop::wait(d, ctx, op("SYNCHRONIZE CACHE")).map_err(wait_err("SYNCHRONIZE CACHE"))?;
    let mut close = prep.plan.close.clone();
    if prep.plan.mode == Mode::Dao
        && d.read_disc_information()
            .is_ok_and(|i| i.disc_status != DiscStatus::Complete)
    {
        // DAO discs close themselves once the reserved track is full (MMC-6 §4.10.5); a
        // drive that left the session open gets the CLOSE SESSION an incremental burn sends.
        close.push(Close::Session(CloseFunction::Session));
    }
    for c in &close {
        let (f, track, step) = match c {
            Close::Track => (CloseFunction::Track, prep.track, "CLOSE TRACK"),
            Close::Session(f) => (*f, 0, "CLOSE SESSION"),
        };
        d.close_track_session(f, track, true)
            .map_err(drive_err(step))?;
        longop::wait(d, ctx, op(step)).map_err(wait_err(step))?;
    }
    Ok(())
}

/// After a failed or interrupted write: flush and close as far as the medium allows, then
/// give back the error (an interruption says what state the disc was left in).
fn stop<T: Transport>(
    t: &mut Target<T>,
    ctx: &JobContext<'_>,
    prep: &Prepared,
    opts: &BurnOptions,
    e: BurnError,
) -> BurnError {
    let interrupted = matches!(e, BurnError::Write(WriteError::Interrupted));
    if !interrupted {
        // After a write error only a flush is tried: closing could finalize a bad disc.
        let _ = t.drive.synchronize_cache_10(false);
        return e;
    }
    let closable = matches!(
        prep.plan.mode,
        Mode::Tao | Mode::Incremental | Mode::Sequential | Mode::Overwrite
    );
    let short = BurnOptions {
        long_op_max: opts.long_op_max.min(Duration::from_secs(600)),
        ..*opts
    };
    // Close the track and the session but leave the disc appendable where possible, so
    // what was written stays readable.
    let mut p = Prepared {
        plan: prep.plan.clone(),
        ..*prep
    };
    for c in p.plan.close.iter_mut() {
        if let Close::Session(f) = c {
            *f = CloseFunction::Session;
        }
    }
    let quiet = JobContext {
        sink: &crate::jobs::NoProgress,
        ..ctx.clone()
    };
    if closable && finish(t, &quiet, &p, &short).is_ok() {
        BurnError::Interrupted("the track was closed; the disc holds a partial image".into())
    } else {
        BurnError::Interrupted(
            "the disc could not be closed cleanly (disc-at-once media are lost)".into(),
        )
    }
}

/// Read back the image's sectors (never the padding) and compare with the digests.
fn verify_burned<T: Transport>(
    t: &mut Target<T>,
    ctx: &JobContext<'_>,
    prep: &Prepared,
    digests: &Digests,
    shape: Shape<'_>,
) -> Result<VerifyReport, BurnError> {
    // The drive may need a moment after closing (and a media-change attention).
    let _ = t.drive.take_media_changed();
    let image_path = match shape {
        Shape::Cue(c) => {
            return verify::verify_cue(
                &mut DriveMedium::borrowed(&mut t.drive),
                c,
                prep.plan.one_x_bytes_per_sec,
                ctx.sink,
                ctx.cancel,
            )
            .map_err(verify_err);
        }
        Shape::Data(p) => p,
    };
    verify::verify(
        &mut DriveMedium::borrowed(&mut t.drive),
        // The file, where there is one, is re-read only for blocks that differ or hold
        // unreadable sectors, to name exactly the sectors that differ.
        Reference::Digests {
            digests,
            file: image_path,
        },
        digests.size,
        u64::from(prep.start_lba),
        prep.plan.one_x_bytes_per_sec,
        ctx.sink,
        ctx.cancel,
    )
    .map_err(verify_err)
}

fn verify_err(e: verify::VerifyError) -> BurnError {
    match e {
        verify::VerifyError::Interrupted => {
            BurnError::Interrupted("the burn finished; verify was interrupted".into())
        }
        e => BurnError::Verify(e.to_string()),
    }
}

/// Blank an erasable medium with Immed and poll it to the end (progress from the drive).
/// `ctx` is the job on this target's clock.
pub fn blank_medium<T: Transport>(
    t: &mut Target<T>,
    ctx: &JobContext<'_>,
    profile: Profile,
    kind: BlankingType,
    max: Duration,
) -> Result<(), BurnError> {
    blank::blank(
        &mut t.drive,
        &ctx.clock,
        profile,
        kind,
        max,
        ctx.sink,
        ctx.cancel,
    )
    .map_err(BurnError::from)
}

/// Format an overwritable medium with Immed and poll it to the end. `ctx` is the job on
/// this target's clock.
pub fn format_medium<T: Transport>(
    t: &mut Target<T>,
    ctx: &JobContext<'_>,
    profile: Profile,
    full: bool,
    max: Duration,
) -> Result<(), BurnError> {
    blank::format(
        &mut t.drive,
        &ctx.clock,
        profile,
        full,
        max,
        ctx.sink,
        ctx.cancel,
    )
    .map_err(BurnError::from)
}
