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
pub mod mmc;
pub mod raw;
pub mod size;
pub mod source;

use crate::jobs::{Cancel, Event, ProgressSink};
use crate::mapfile::Mapfile;
use engine::{Checker, Engine, EngineError, Output, Plan, Segment};
use sha2::{Digest, Sha256};
use size::{Decision, Sources};
use source::{Family, MediumInfo, ReadFailure, ReadMode, RipSource, Speed, Track};
use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Largest transfer one READ carries, whatever the kernel allows: big enough that command
/// overhead vanishes, small enough that a failed read skips little.
pub const MAX_CHUNK_BYTES: usize = 1 << 20;

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
            sha256: with_suffix(out, ".sha256"),
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
}

/// Why a rip failed.
#[derive(Debug, thiserror::Error)]
pub enum RipError {
    #[error("{0} already exists")]
    Exists(PathBuf),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Media(String),
    #[error("{0}")]
    Identity(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Drive(String),
    #[error("interrupted; the map {0} is saved: run again with --resume to finish")]
    Interrupted(PathBuf),
    #[error("{0}")]
    Write(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RipError + '_ {
    move |source| RipError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Cooked 2048-byte reads of a `RipSource`, starting at `base`, for the iso probes.
struct IsoProbe<'a> {
    src: &'a mut dyn RipSource,
    base: u64,
}

impl crate::iso::SectorSource for IsoProbe<'_> {
    fn read_sectors(&mut self, lba: u64, count: u32, buf: &mut [u8]) -> crate::iso::Result<()> {
        self.src
            .read(ReadMode::Cooked, self.base + lba, count, buf)
            .map_err(|e| crate::iso::IsoError::Io(std::io::Error::other(e.to_string())))
    }
    fn sector_count(&self) -> Option<u64> {
        None
    }
}

fn readable(src: &mut dyn RipSource, mode: ReadMode, lba: u64) -> Result<bool, RipError> {
    let mut buf = vec![0u8; mode.bytes_per_sector()];
    match src.read(mode, lba, 1, &mut buf) {
        Ok(()) => Ok(true),
        Err(ReadFailure::NoMedium(d)) | Err(ReadFailure::MediaChanged(d)) => {
            Err(RipError::Media(d))
        }
        Err(_) => Ok(false),
    }
}

/// Disc identity recorded in the map (`# discrw-disc: ...`), so `--resume` refuses another
/// disc: profile, capacity, the track layout and a hash of the first sectors.
fn identity(src: &mut dyn RipSource, info: &MediumInfo, mode: &str, start: u64) -> String {
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
        if src.read(ReadMode::Cooked, lba, 1, &mut buf).is_ok() {
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

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
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
    src: &mut dyn RipSource,
    info: &MediumInfo,
    user: Option<u64>,
) -> Result<Layout, RipError> {
    let (start, used, left) = size::cooked_tracks(info);
    if !info.tracks.is_empty() && used.is_empty() {
        return Err(RipError::Media(
            "the disc has no data track (an audio CD?): use --raw for a .bin/.cue".into(),
        ));
    }
    let mut left_out: Vec<String> = left
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
        left_out.push(
            "the .iso holds the first session's data track(s); --raw takes all tracks".into(),
        );
    }
    let vs = if user.is_none() {
        crate::iso::volume_sizes(&mut IsoProbe { src, base: start }).unwrap_or_default()
    } else {
        Default::default()
    };
    let sources = Sources {
        user,
        read_capacity: info.capacity.map(|c| c.saturating_sub(start)),
        track_end: used.last().map(|t| t.end() - start),
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
    let decision = size::decide(&sources, &probes).ok_or_else(|| {
        RipError::Media(
            "the drive reports no size and the disc has no file system: use --size".into(),
        )
    })?;
    if decision.sectors == 0 {
        return Err(RipError::Media("the disc holds no data (size 0)".into()));
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

fn raw_layout(
    src: &mut dyn RipSource,
    info: &MediumInfo,
    subchannel: bool,
) -> Result<Layout, RipError> {
    if info.family != Family::Cd {
        return Err(RipError::Media(format!(
            "--raw reads CD sectors; this is a {} (rip it without --raw)",
            info.profile_name
        )));
    }
    if info.tracks.is_empty() {
        return Err(RipError::Media(
            "the drive reports no tracks for --raw".into(),
        ));
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
            let end = t.start + size;
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
            disc_lba: t.start,
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
    Err(RipError::Write(format!(
        "{}: not enough space for the image: it needs {need} bytes, the file system has \
         {free} bytes free; free some space or rip to another file system",
        path.display()
    )))
}

/// Rip the medium in `src` to `opts.out`.
pub fn rip(
    src: &mut dyn RipSource,
    opts: &RipOptions,
    sink: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<RipReport, RipError> {
    let started = Instant::now();
    let paths = Paths::for_out(&opts.out, opts.raw, opts.subchannel);
    // With --resume, the map is checked first (syntax now, disc identity once the disc is
    // known), so a wrong or broken map is named as such rather than as "OUT exists".
    if paths.image.exists() && !opts.force && !opts.resume {
        return Err(RipError::Exists(paths.image.clone()));
    }
    if !opts.resume && !opts.force && paths.partial.symlink_metadata().is_ok() {
        return Err(RipError::Usage(if paths.map.exists() {
            format!(
                "a partial rip is there ({} with {}): add --resume to continue it, or --force \
                 to start over",
                paths.partial.display(),
                paths.map.display()
            )
        } else {
            format!(
                "{} exists (without a map {}, so it cannot be resumed): add --force to \
                 replace it",
                paths.partial.display(),
                paths.map.display()
            )
        }));
    }
    let resumed = if opts.resume {
        if !paths.map.exists() {
            return Err(RipError::Usage(format!(
                "--resume: no map {} to continue from",
                paths.map.display()
            )));
        }
        Some(
            Mapfile::load(&paths.map)
                .map_err(|e| RipError::Usage(format!("--resume: {}: {e}", paths.map.display())))?,
        )
    } else {
        None
    };

    let info = src.medium_info().map_err(|e| match e {
        ReadFailure::NoMedium(d) => RipError::Media(format!("no medium: {d}")),
        other => RipError::Drive(format!("identifying the medium: {other}")),
    })?;
    if let Some(sp) = opts.speed {
        match src.set_speed(info.family, sp) {
            Ok(true) => {}
            Ok(false) => sink.event(&Event::Notice {
                message: "the drive did not accept the read speed; reading at its own speed".into(),
            }),
            Err(e) => return Err(RipError::Media(e.to_string())),
        }
    }
    let layout = if opts.raw {
        raw_layout(src, &info, opts.subchannel)?
    } else {
        cooked_layout(src, &info, opts.size)?
    };
    let mut notes = Vec::new();
    let out_bytes = if opts.raw { 2352 } else { 2048 };
    let sectors = layout.decision.sectors;
    let mode_name = if opts.raw { "raw" } else { "cooked" };
    let id = identity(src, &info, mode_name, layout.start);

    // The map: a fresh one, or the one to continue.
    let map = if let Some(m) = resumed {
        if m.tag("disc") != Some(id.as_str()) {
            return Err(RipError::Identity(format!(
                "the mapfile {} belongs to another disc or rip (map: {}; this disc: {id})",
                paths.map.display(),
                m.tag("disc").unwrap_or("no identity")
            )));
        }
        if m.size() != sectors * out_bytes as u64 {
            return Err(RipError::Identity(format!(
                "{} covers {} bytes but this rip is {} bytes (was --size different?)",
                paths.map.display(),
                m.size(),
                sectors * out_bytes as u64
            )));
        }
        if paths.image.exists() && !opts.force {
            return Err(RipError::Exists(paths.image.clone()));
        }
        if !paths.partial.exists() {
            return Err(RipError::Usage(format!(
                "--resume: the partial image {} is gone",
                paths.partial.display()
            )));
        }
        m
    } else {
        let mut m = Mapfile::new(sectors * out_bytes as u64);
        m.set_tag("disc", &id);
        m
    };

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
    let image = open_partial(&paths.partial, opts.resume)?;
    let want = sectors * out_bytes as u64;
    if image.metadata().map_err(io(&paths.partial))?.len() != want {
        image.set_len(want).map_err(io(&paths.partial))?;
    }
    if let Err(e) = reserve(&image, want, &paths.partial) {
        if !opts.resume {
            let _ = fs::remove_file(&paths.partial);
        }
        return Err(e);
    }
    let sub_partial = paths.sub.as_deref().map(part_name);
    let sub = sub_partial
        .as_deref()
        .map(|p| open_partial(p, opts.resume))
        .transpose()?;
    let per = layout.mode.bytes_per_sector();
    let chunk_sectors = (src.max_transfer_bytes().min(MAX_CHUNK_BYTES) / per).max(1) as u32;
    let plan = Plan {
        mode: layout.mode,
        segments: layout.segments.clone(),
        out_bytes,
        chunk_sectors,
        retries: opts.retries,
        one_x: info.family.one_x(),
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
        ReadMode::Cooked => None,
    };
    let engine = Engine::new(
        plan,
        map,
        Output {
            image,
            sub,
            map_path: paths.map.clone(),
            map_header: header,
        },
        checker,
        sink,
        cancel,
    )
    .map_err(io(&paths.partial))?;
    let er = engine.run(src).map_err(|e| match e {
        EngineError::Interrupted => RipError::Interrupted(paths.map.clone()),
        EngineError::Write(e) => RipError::Write(format!(
            "writing {}: {e}; the map {} is consistent: free space and run again with --resume",
            paths.partial.display(),
            paths.map.display()
        )),
        EngineError::Map { path, source } => RipError::Io { path, source },
        EngineError::MediumGone(d) => RipError::Media(format!(
            "the medium was removed or changed during the rip ({d}); the map {} is saved",
            paths.map.display()
        )),
        EngineError::Drive(d) => RipError::Drive(d),
    })?;
    notes.extend(er.checker_notes);

    // Image sector ranges → disc LBA ranges.
    let mut unreadable = Vec::new();
    for (first, count) in &er.bad_ranges {
        let mut s = *first;
        let end = first + count;
        while s < end {
            let Some(seg) = layout
                .segments
                .iter()
                .find(|g| s >= g.image_start && s < g.image_start + g.count)
            else {
                break;
            };
            let n = (seg.image_start + seg.count).min(end) - s;
            unreadable.push((seg.disc_lba + (s - seg.image_start), n));
            s += n;
        }
    }
    let complete = unreadable.is_empty() && er.sha256.is_some();
    let mut sha = None;
    let mut image_path = paths.partial.clone();
    if complete {
        fs::rename(&paths.partial, &paths.image).map_err(io(&paths.image))?;
        image_path = paths.image.clone();
        if let (Some(p), Some(s)) = (&sub_partial, &paths.sub) {
            fs::rename(p, s).map_err(io(s))?;
        }
        if let Some(d) = er.sha256 {
            let h = hex(&d);
            let name = paths
                .image
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            fs::write(&paths.sha256, format!("{h}  {name}\n")).map_err(io(&paths.sha256))?;
            sha = Some(h);
        }
        if let Some(cue) = &paths.cue {
            let text = raw::cue_sheet(&paths.image, &layout.tracks, &layout.segments);
            fs::write(cue, text).map_err(io(cue))?;
        }
    }
    Ok(RipReport {
        device: src.name(),
        profile_name: info.profile_name.clone(),
        one_x: info.family.one_x(),
        image: image_path,
        paths,
        complete,
        sectors,
        sector_bytes: out_bytes,
        size: layout.decision,
        left_out: layout.left_out,
        sha256: sha,
        unreadable,
        elapsed: started.elapsed(),
        bytes_read: er.bytes_read,
        notes,
    })
}

#[cfg(test)]
mod tests;
