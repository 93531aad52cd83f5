//! `rip`: disc → image, bit-exact, with the right size, surviving read errors.
//!
//! - size by consensus of the disc's sources (`size`), stated in the report;
//! - ddrescue's phases over a GNU ddrescue mapfile (`engine`), `--resume` from it;
//! - a pipeline so the drive never waits for hashing or writing;
//! - the image is written as `OUT.part` and renamed to `OUT` only when every sector was
//!   read; `OUT.sha256` (sha256sum -c format) is written then.
//!
//! The job never prints: it reports events to a `ProgressSink` and returns a `RipReport`.
//! See docs/rip.md.

pub mod engine;
pub mod raw;
pub mod size;

use crate::jobs::{Cancel, Event, JobContext, ProgressSink};
use crate::mapfile::{MapError, Mapfile};
use crate::media::{Disc, Lba, MediaError, MediumInfo, ReadFault, ReadMode, SectorSource, Track};
use crate::scsi::{Family, Speed};
use crate::text::hex;
use engine::{Checker, Engine, EngineError, Output, Plan, Segment};
use sha2::{Digest, Sha256};
use size::{Decision, Sources};
use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct RipOptions {
    pub out: PathBuf,
    pub raw: bool,
    pub subchannel: bool,
    pub size: Option<u64>,
    pub retries: u32,
    pub resume: bool,
    pub speed: Option<Speed>,
    pub force: bool,
}

/// The files a rip makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub image: PathBuf,
    pub partial: PathBuf,
    pub map: PathBuf,
    pub sha256: PathBuf,
    pub cue: Option<PathBuf>,
    pub sub: Option<PathBuf>,
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The name a file of the rip has until the rip is complete: `NAME.part`.
fn part_name(p: &Path) -> PathBuf {
    with_suffix(p, ".part")
}

/// Open a partial file (`part_name`). A new rip creates it exclusively (O_EXCL), never
/// writing through an existing file or a planted symlink; the caller has already decided
/// that an old one may go (`--force`). `--resume` opens the existing one, not through a
/// symlink.
fn open_partial(path: &Path, resume: bool) -> Result<fs::File, RipError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = OpenOptions::new();
    o.read(true).write(true);
    if resume {
        o.custom_flags(libc::O_NOFOLLOW);
    } else {
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(path)(e)),
        }
        o.create_new(true);
    }
    o.open(path).map_err(io(path))
}

impl Paths {
    /// OUT.iso → OUT.iso.part, OUT.map, OUT.iso.sha256 (raw: OUT.bin, OUT.cue, OUT.sub).
    pub fn for_out(out: &Path, raw: bool, subchannel: bool) -> Paths {
        let stem = out.with_extension("");
        let stem = if stem.as_os_str().is_empty() {
            out.to_path_buf()
        } else {
            stem
        };
        Paths {
            image: out.to_path_buf(),
            partial: part_name(out),
            map: stem.with_extension("map"),
            sha256: crate::files::sha256_path(out),
            cue: raw.then(|| stem.with_extension("cue")),
            sub: (raw && subchannel).then(|| stem.with_extension("sub")),
        }
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub struct RipReport {
    pub device: String,
    pub profile_name: String,
    pub one_x: u64,
    /// The file holding the image: OUT when complete, OUT.part otherwise.
    pub image: PathBuf,
    pub paths: Paths,
    pub complete: bool,
    pub sectors: u64,
    pub sector_bytes: usize,
    pub size: Decision,
    /// Tracks/sessions not in the image, one line each.
    pub left_out: Vec<String>,
    pub sha256: Option<String>,
    /// Unreadable disc LBA ranges (first, count).
    pub unreadable: Vec<(u64, u64)>,
    pub elapsed: Duration,
    pub bytes_read: u64,
    pub notes: Vec<String>,
    /// The files of the partial image's ISO 9660 tree that hold unreadable sectors (cooked
    /// rips that end with some; `None` when the tree does not read, with a note why).
    pub damaged_files: Option<crate::iso::Damage>,
}

/// Why a rip failed. The variants are what the CLI maps to exit codes; each holds the
/// typed cause.
#[derive(Debug, thiserror::Error)]
pub enum RipError {
    #[error("{0} already exists")]
    Exists(PathBuf),
    #[error("{0}")]
    Usage(UsageError),
    #[error("{0}")]
    Media(MediumError),
    #[error("{0}")]
    Identity(MapMismatch),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Drive(DriveFailure),
    #[error("interrupted; the map {0} is saved: run again with --resume to finish")]
    Interrupted(PathBuf),
    #[error("{0}")]
    Write(WriteFailure),
}

/// The outputs and `--resume` do not fit together.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error(
        "a partial rip is there ({} with {}): add --resume to continue it, or --force to \
         start over",
        partial.display(),
        map.display()
    )]
    PartialWithMap { partial: PathBuf, map: PathBuf },
    #[error(
        "{} exists (without a map {}, so it cannot be resumed): add --force to replace it",
        partial.display(),
        map.display()
    )]
    PartialWithoutMap { partial: PathBuf, map: PathBuf },
    #[error("--resume: no map {} to continue from", .0.display())]
    NoMap(PathBuf),
    #[error("--resume: {}: {error}", map.display())]
    BadMap { map: PathBuf, error: MapError },
    #[error("--resume: the partial image {} is gone", .0.display())]
    PartialGone(PathBuf),
}

/// The medium cannot be ripped as asked.
#[derive(Debug, thiserror::Error)]
pub enum MediumError {
    #[error("no medium: {0}")]
    NoMedium(MediaError),
    /// The drive refused a read speed because the medium went away.
    #[error("{0}")]
    Speed(MediaError),
    /// A probe read found the medium gone or changed.
    #[error("{0}")]
    Gone(MediaError),
    #[error("the disc has no data track (an audio CD?): use --raw for a .bin/.cue")]
    NoDataTrack,
    #[error("the drive reports no size and the disc has no file system: use --size")]
    NoSize,
    #[error("the disc holds no data (size 0)")]
    Empty,
    #[error("--raw reads CD sectors; this is a {0} (rip it without --raw)")]
    RawNeedsCd(String),
    #[error("the drive reports no tracks for --raw")]
    NoTracks,
    #[error(
        "the medium was removed or changed during the rip ({cause}); the map {} is saved",
        map.display()
    )]
    Removed { cause: MediaError, map: PathBuf },
}

/// The map given to `--resume` is not this rip's.
#[derive(Debug, thiserror::Error)]
pub enum MapMismatch {
    #[error(
        "the mapfile {} belongs to another disc or rip (map: {}; this disc: {disc})",
        map.display(),
        recorded.as_deref().unwrap_or("no identity")
    )]
    OtherDisc {
        map: PathBuf,
        recorded: Option<String>,
        disc: String,
    },
    #[error(
        "{} covers {map_bytes} bytes but this rip is {rip_bytes} bytes (was --size different?)",
        map.display()
    )]
    Size {
        map: PathBuf,
        map_bytes: u64,
        rip_bytes: u64,
    },
}

/// The drive failed in a way that is not about particular sectors.
#[derive(Debug, thiserror::Error)]
pub enum DriveFailure {
    #[error("identifying the medium: {0}")]
    Identify(MediaError),
    #[error("{0}")]
    Engine(EngineError),
}

/// The image could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteFailure {
    #[error(
        "{}: not enough space for the image: it needs {need} bytes, the file system has \
         {free} bytes free; free some space or rip to another file system",
        path.display()
    )]
    NoSpace { path: PathBuf, need: u64, free: u64 },
    #[error(
        "writing {}: {source}; the map {} is consistent: free space and run again with --resume",
        partial.display(),
        map.display()
    )]
    Failed {
        partial: PathBuf,
        map: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RipError + '_ {
    move |source| RipError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn readable(src: &mut dyn Disc, mode: ReadMode, lba: u64) -> Result<bool, RipError> {
    let mut buf = vec![0u8; mode.bytes_per_sector()];
    match src.read(mode, Lba::new(lba), 1, &mut buf) {
        Ok(()) => Ok(true),
        Err(e) if e.fault() == ReadFault::Gone => Err(RipError::Media(MediumError::Gone(e))),
        Err(_) => Ok(false),
    }
}

/// Disc identity recorded in the map (`# discrw-disc: ...`), so `--resume` refuses another
/// disc: profile, capacity, the track layout and a hash of the first sectors.
fn identity(src: &mut dyn Disc, info: &MediumInfo, mode: &str, start: u64) -> String {
    let mut h = Sha256::new();
    for t in &info.tracks {
        h.update(format!(
            "{}:{}:{}:{}:{};",
            t.number, t.session, t.start, t.size, t.data
        ));
    }
    let mut buf = vec![0u8; 2048];
    let mut first = String::from("unreadable");
    for lba in [start + 16, start] {
        if src
            .read(ReadMode::Cooked, Lba::new(lba), 1, &mut buf)
            .is_ok()
        {
            let d = Sha256::digest(&buf);
            first = format!("{lba}:{}", hex(&d[..8]));
            break;
        }
    }
    let t = h.finalize();
    format!(
        "profile=0x{:04X} capacity={} tracks={} first={first} mode={mode}",
        info.profile,
        info.capacity
            .map(|c| c.to_string())
            .unwrap_or_else(|| "?".into()),
        hex(&t[..8]),
    )
}

/// The layout of the image on the disc.
struct Layout {
    mode: ReadMode,
    segments: Vec<Segment>,
    decision: Decision,
    left_out: Vec<String>,
    tracks: Vec<Track>,
    start: u64,
}

fn cooked_layout(
    src: &mut dyn Disc,
    info: &MediumInfo,
    user: Option<u64>,
) -> Result<Layout, RipError> {
    let (start, used, left) = size::cooked_tracks(info);
    if !info.tracks.is_empty() && used.is_empty() {
        return Err(RipError::Media(MediumError::NoDataTrack));
    }
    let left_out = left_out_lines(&left);
    let vs = if user.is_none() {
        crate::iso::volume_sizes(&mut crate::media::Window::new(src, Lba::new(start)))
            .unwrap_or_default()
    } else {
        Default::default()
    };
    let sources = Sources {
        user,
        read_capacity: info.capacity.map(|c| c.saturating_sub(start)),
        track_end: used.last().and_then(|t| t.end().since(Lba::new(start))),
        track_incremental: used.last().is_some_and(|t| t.incremental),
        has_boundaries: info.has_boundaries,
        iso9660: vs.iso9660_blocks,
        udf: vs.udf_blocks,
        partition_end: vs.partition_end_blocks,
    };
    let mut probes = BTreeMap::new();
    for p in size::probe_points(&sources) {
        probes.insert(p, readable(src, ReadMode::Cooked, start + p)?);
    }
    let decision = size::decide(&sources, &probes).ok_or(RipError::Media(MediumError::NoSize))?;
    if decision.sectors == 0 {
        return Err(RipError::Media(MediumError::Empty));
    }
    Ok(Layout {
        mode: ReadMode::Cooked,
        segments: vec![Segment {
            image_start: 0,
            disc_lba: start,
            count: decision.sectors,
        }],
        decision,
        left_out,
        tracks: used,
        start,
    })
}

/// One line per track a cooked rip leaves out, and why.
fn left_out_lines(left: &[Track]) -> Vec<String> {
    let mut lines: Vec<String> = left
        .iter()
        .map(|t| {
            format!(
                "track {} (session {}, {}, LBA {}..{}) is not in the .iso{}",
                t.number,
                t.session,
                if t.data { "data" } else { "audio" },
                t.start,
                t.end(),
                if t.data {
                    ""
                } else {
                    "; --raw takes every track"
                }
            )
        })
        .collect();
    if !left.is_empty() {
        lines.push(
            "the .iso holds the first session's data track(s); --raw takes all tracks".into(),
        );
    }
    lines
}

fn raw_layout(src: &mut dyn Disc, info: &MediumInfo, subchannel: bool) -> Result<Layout, RipError> {
    if info.family != Some(Family::Cd) {
        return Err(RipError::Media(MediumError::RawNeedsCd(
            info.profile_name.clone(),
        )));
    }
    if info.tracks.is_empty() {
        return Err(RipError::Media(MediumError::NoTracks));
    }
    let mode = ReadMode::Raw {
        c2: info.c2,
        subchannel,
    };
    let mut segments = Vec::new();
    let mut tracks = Vec::new();
    let mut image_start = 0;
    let mut notes = Vec::new();
    let mut excluded = 0;
    for t in &info.tracks {
        let mut size = t.size;
        if t.incremental && t.data && size >= 3 {
            let end = t.end().get();
            let last2 = !readable(src, mode, end - 1)? && !readable(src, mode, end - 2)?;
            if last2 && readable(src, mode, end - 3)? {
                size -= 2;
                excluded += 2;
                notes.push(format!(
                    "track {}: its last 2 blocks are TAO run-out (never readable), left out",
                    t.number
                ));
            }
        }
        segments.push(Segment {
            image_start,
            disc_lba: t.start.get(),
            count: size,
        });
        let mut t2 = t.clone();
        t2.size = size;
        tracks.push(t2);
        image_start += size;
    }
    Ok(Layout {
        mode,
        segments,
        decision: Decision {
            sectors: image_start,
            source: size::SizeSource::Track,
            reason: format!("every track's recorded size ({} tracks)", tracks.len()),
            notes,
            excluded_tail: excluded,
        },
        left_out: Vec::new(),
        tracks,
        start: 0,
    })
}

/// Check that the image fits before reading, so a full disk shows up now with a clear
/// message rather than hours into the rip. Free space is checked (statvfs), not reserved:
/// fallocate would make tmpfs zero every page of the image before the first read, serial
/// time the pipeline cannot hide (0.5 s per 2 GiB here), and GNU ddrescue does not reserve
/// either. A disk that fills up anyway stops the rip with the map saved.
fn reserve(f: &fs::File, bytes: u64, path: &Path) -> Result<(), RipError> {
    use std::os::unix::fs::MetadataExt;
    #[cfg(test)]
    if tests::NO_RESERVE.with(|c| c.get()) {
        return Ok(());
    }
    // A resumed image already holds some of its blocks.
    let held = f
        .metadata()
        .map(|m| m.blocks().saturating_mul(512))
        .unwrap_or(0);
    let need = bytes.saturating_sub(held);
    let Ok(v) = nix::sys::statvfs::fstatvfs(f) else {
        return Ok(());
    };
    let free = v.blocks_available().saturating_mul(v.fragment_size());
    if need <= free {
        return Ok(());
    }
    Err(RipError::Write(WriteFailure::NoSpace {
        path: path.to_path_buf(),
        need,
        free,
    }))
}

/// Before touching the drive: OUT must not exist (unless `--force`), a partial rip is
/// resumed or replaced only when asked, and with `--resume` the map must load.
fn check_outputs(paths: &Paths, opts: &RipOptions) -> Result<Option<Mapfile>, RipError> {
    if paths.image.exists() && !opts.force && !opts.resume {
        return Err(RipError::Exists(paths.image.clone()));
    }
    if !opts.resume && !opts.force && paths.partial.symlink_metadata().is_ok() {
        let (partial, map) = (paths.partial.clone(), paths.map.clone());
        return Err(RipError::Usage(if paths.map.exists() {
            UsageError::PartialWithMap { partial, map }
        } else {
            UsageError::PartialWithoutMap { partial, map }
        }));
    }
    if !opts.resume {
        return Ok(None);
    }
    if !paths.map.exists() {
        return Err(RipError::Usage(UsageError::NoMap(paths.map.clone())));
    }
    Mapfile::load(&paths.map).map(Some).map_err(|error| {
        RipError::Usage(UsageError::BadMap {
            map: paths.map.clone(),
            error,
        })
    })
}

/// Identify the medium and ask for the read speed.
fn identify_medium(
    src: &mut dyn Disc,
    speed: Option<Speed>,
    sink: &dyn ProgressSink,
) -> Result<MediumInfo, RipError> {
    let info = src.describe().map_err(|e| match e {
        MediaError::NoMedium => RipError::Media(MediumError::NoMedium(e)),
        other if other.class() == crate::scsi::retry::FailureClass::MediaAbsent => {
            RipError::Media(MediumError::NoMedium(other))
        }
        other => RipError::Drive(DriveFailure::Identify(other)),
    })?;
    if let Some(sp) = speed {
        // A drive that names no family is asked as a CD drive (SET CD SPEED is what old
        // drives without profiles know).
        match src.set_speed(info.family.unwrap_or(Family::Cd), sp) {
            Ok(true) => {}
            Ok(false) => sink.event(&Event::Notice {
                message: "the drive did not accept the read speed; reading at its own speed".into(),
            }),
            Err(e) => return Err(RipError::Media(MediumError::Speed(e))),
        }
    }
    Ok(info)
}

/// The map: a fresh one for this disc, or the one to continue, checked to be this disc's
/// and this rip's size.
fn open_map(
    resumed: Option<Mapfile>,
    id: &str,
    bytes: u64,
    paths: &Paths,
    opts: &RipOptions,
) -> Result<Mapfile, RipError> {
    let Some(m) = resumed else {
        let mut m = Mapfile::new(bytes);
        m.set_tag("disc", id);
        return Ok(m);
    };
    if m.tag("disc") != Some(id) {
        return Err(RipError::Identity(MapMismatch::OtherDisc {
            map: paths.map.clone(),
            recorded: m.tag("disc").map(str::to_string),
            disc: id.to_string(),
        }));
    }
    if m.size() != bytes {
        return Err(RipError::Identity(MapMismatch::Size {
            map: paths.map.clone(),
            map_bytes: m.size(),
            rip_bytes: bytes,
        }));
    }
    if paths.image.exists() && !opts.force {
        return Err(RipError::Exists(paths.image.clone()));
    }
    if !paths.partial.exists() {
        return Err(RipError::Usage(UsageError::PartialGone(
            paths.partial.clone(),
        )));
    }
    Ok(m)
}

/// The partial image at its final size, checked to fit, and the partial sub-channel file.
fn open_outputs(
    paths: &Paths,
    want: u64,
    resume: bool,
) -> Result<(fs::File, Option<fs::File>), RipError> {
    let image = open_partial(&paths.partial, resume)?;
    if image.metadata().map_err(io(&paths.partial))?.len() != want {
        image.set_len(want).map_err(io(&paths.partial))?;
    }
    if let Err(e) = reserve(&image, want, &paths.partial) {
        if !resume {
            let _ = fs::remove_file(&paths.partial);
        }
        return Err(e);
    }
    let sub = paths
        .sub
        .as_deref()
        .map(|s| open_partial(&part_name(s), resume))
        .transpose()?;
    Ok((image, sub))
}

/// The engine's reasons to stop, as the rip's.
fn engine_error(e: EngineError, paths: &Paths) -> RipError {
    match e {
        EngineError::Interrupted => RipError::Interrupted(paths.map.clone()),
        EngineError::Write(source) => RipError::Write(WriteFailure::Failed {
            partial: paths.partial.clone(),
            map: paths.map.clone(),
            source,
        }),
        EngineError::Map { path, source } => RipError::Io { path, source },
        EngineError::MediumGone(cause) => RipError::Media(MediumError::Removed {
            cause,
            map: paths.map.clone(),
        }),
        other => RipError::Drive(DriveFailure::Engine(other)),
    }
}

/// Image sector ranges → disc LBA ranges.
fn disc_ranges(bad: &[(u64, u64)], segments: &[Segment]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(first, count) in bad {
        let mut s = first;
        let end = first + count;
        while s < end {
            let Some(seg) = segments
                .iter()
                .find(|g| s >= g.image_start && s < g.image_start + g.count)
            else {
                break;
            };
            let n = (seg.image_start + seg.count).min(end) - s;
            out.push((seg.disc_lba + (s - seg.image_start), n));
            s += n;
        }
    }
    out
}

/// A complete rip: OUT.part becomes OUT (and the sub-channel file its name), then
/// OUT.sha256 and the .cue are written. Returns the SHA-256 in hex.
fn complete(
    paths: &Paths,
    layout: &Layout,
    sha256: Option<[u8; 32]>,
) -> Result<Option<String>, RipError> {
    fs::rename(&paths.partial, &paths.image).map_err(io(&paths.image))?;
    if let Some(s) = &paths.sub {
        fs::rename(part_name(s), s).map_err(io(s))?;
    }
    let sha = sha256.map(|d| hex(&d));
    if let Some(h) = &sha {
        crate::files::write_sha256_file(&paths.image, h).map_err(io(&paths.sha256))?;
    }
    if let Some(cue) = &paths.cue {
        let text = raw::cue_sheet(&paths.image, &layout.tracks, &layout.segments);
        fs::write(cue, text).map_err(io(cue))?;
    }
    Ok(sha)
}

/// 1x of the medium for progress and the report (a drive naming no family counts as CD).
fn one_x(info: &MediumInfo) -> u64 {
    info.family.unwrap_or(Family::Cd).one_x_bytes_per_sec()
}

/// Rip the medium in `src` to `opts.out`.
pub fn rip(
    src: &mut dyn Disc,
    opts: &RipOptions,
    sink: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<RipReport, RipError> {
    let clock = src.clock();
    let started = clock.now();
    let paths = Paths::for_out(&opts.out, opts.raw, opts.subchannel);
    // With --resume, the map is checked first (syntax now, disc identity once the disc is
    // known), so a wrong or broken map is named as such rather than as "OUT exists".
    let resumed = check_outputs(&paths, opts)?;
    let info = identify_medium(src, opts.speed, sink)?;
    let layout = if opts.raw {
        raw_layout(src, &info, opts.subchannel)?
    } else {
        cooked_layout(src, &info, opts.size)?
    };
    let out_bytes = if opts.raw { 2352 } else { 2048 };
    let sectors = layout.decision.sectors;
    let mode_name = if opts.raw { "raw" } else { "cooked" };
    let id = identity(src, &info, mode_name, layout.start);
    let want = sectors * out_bytes as u64;
    let map = open_map(resumed, &id, want, &paths, opts)?;

    // Told once the map is known to fit, so a refused --resume prints only its error.
    sink.event(&Event::Notice {
        message: format!(
            "size: {} sectors, {}",
            layout.decision.sectors, layout.decision.reason
        ),
    });
    for n in layout.decision.notes.iter().chain(&layout.left_out) {
        sink.event(&Event::Notice { message: n.clone() });
    }
    let (image, sub) = open_outputs(&paths, want, opts.resume)?;
    let plan = Plan {
        mode: layout.mode,
        segments: layout.segments.clone(),
        out_bytes,
        chunk_sectors: src.sectors_per_read(layout.mode),
        retries: opts.retries,
        one_x: one_x(&info),
        save_every: Duration::from_secs(5),
    };
    let header = vec![
        "Mapfile. Created by discrw (GNU ddrescue mapfile format)".to_string(),
        format!("Command line: discrw rip {}", opts.out.display()),
    ];
    let checker: Option<Box<dyn Checker>> = match layout.mode {
        ReadMode::Raw { c2, subchannel } => Some(Box::new(raw::RawChecker::new(
            c2,
            subchannel,
            &layout.segments,
            &layout.tracks,
        ))),
        _ => None,
    };
    let output = Output {
        image,
        sub,
        map_path: paths.map.clone(),
        map_header: header,
    };
    let ctx = JobContext {
        clock: clock.clone(),
        sink,
        cancel,
    };
    let engine = Engine::new(plan, map, output, checker, &ctx).map_err(io(&paths.partial))?;
    let er = engine.run(src).map_err(|e| engine_error(e, &paths))?;
    let mut notes = er.checker_notes;
    let unreadable = disc_ranges(&er.bad_ranges, &layout.segments);
    let is_complete = unreadable.is_empty() && er.sha256.is_some();
    let damaged_files = (layout.mode == ReadMode::Cooked && !er.bad_ranges.is_empty())
        .then(|| crate::iso::damage::locate_in_file(&paths.partial, &er.bad_ranges))
        .and_then(|r| {
            r.map_err(|e| notes.push(format!("no files named: the image's ISO 9660 tree: {e}")))
                .ok()
        });
    let (sha, image_path) = if is_complete {
        (complete(&paths, &layout, er.sha256)?, paths.image.clone())
    } else {
        (None, paths.partial.clone())
    };
    Ok(RipReport {
        device: src.name(),
        profile_name: info.profile_name.clone(),
        one_x: one_x(&info),
        image: image_path,
        paths,
        complete: is_complete,
        sectors,
        sector_bytes: out_bytes,
        size: layout.decision,
        left_out: layout.left_out,
        sha256: sha,
        unreadable,
        elapsed: clock.now().saturating_sub(started),
        bytes_read: er.bytes_read,
        notes,
        damaged_files,
    })
}

#[cfg(test)]
mod tests;
