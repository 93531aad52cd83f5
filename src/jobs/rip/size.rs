//! Image size by consensus of the sources a disc offers.
//!
//! Principle: the image is what the disc holds. Where the medium records track boundaries
//! the recorded track decides (less the 2 run-out blocks of a CD TAO track, which never
//! read); the file system sizes (ISO 9660, UDF) and the system area's partition table are a
//! cross-check, not a limit, because hybrid ISOs carry partitions past the ISO 9660 volume.
//! Only where the medium has no boundary (DVD+RW, BD-RE, DVD-RW restricted overwrite) or
//! the drive over-reports (the end it claims does not read) do the file system sizes decide.
//!
//! `decide` is pure: the job probes the sectors `probe_points` names and passes the result.

use crate::media::{MediumInfo, Track};
use std::collections::BTreeMap;
use std::fmt;

/// What each source says, in 2048-byte sectors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// `--size`.
    pub user: Option<u64>,
    /// READ CAPACITY (last LBA + 1).
    pub read_capacity: Option<u64>,
    /// End of the image's data tracks (first session) and whether the last was recorded
    /// incrementally (TAO), from READ TRACK INFORMATION / TOC.
    pub track_end: Option<u64>,
    pub track_incremental: bool,
    /// False on media without recorded boundaries.
    pub has_boundaries: bool,
    /// ISO 9660 volume space size (PVD at LBA 16).
    pub iso9660: Option<u64>,
    /// UDF volume size.
    pub udf: Option<u64>,
    /// End of the last partition of the system area's MBR/GPT, rounded up to sectors.
    pub partition_end: Option<u64>,
}

/// The source that set the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeSource {
    User,
    Track,
    TrackLessRunOut,
    ReadCapacity,
    Iso9660,
    Udf,
    PartitionTable,
}

impl fmt::Display for SizeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SizeSource::User => "--size",
            SizeSource::Track => "track size",
            SizeSource::TrackLessRunOut => "track size less 2 TAO run-out blocks",
            SizeSource::ReadCapacity => "READ CAPACITY",
            SizeSource::Iso9660 => "ISO 9660 volume space size",
            SizeSource::Udf => "UDF volume size",
            SizeSource::PartitionTable => "system area partition table",
        })
    }
}

/// The decision and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub sectors: u64,
    pub source: SizeSource,
    /// One line saying which source was used and why (shown in the summary).
    pub reason: String,
    /// Cross-check remarks (disagreements that did not change the size).
    pub notes: Vec<String>,
    /// Sectors past `sectors` that the drive claims but that do not read (run-out or
    /// over-report): not read, not counted as errors.
    pub excluded_tail: u64,
}

impl Decision {
    /// `sectors` from `source`, no claimed tail left out.
    fn new(sectors: u64, source: SizeSource, reason: String, notes: Vec<String>) -> Self {
        Decision {
            sectors,
            source,
            reason,
            notes,
            excluded_tail: 0,
        }
    }
}

/// The file-system view: largest of ISO 9660, UDF and partition table end, with its name.
fn fs_size(s: &Sources) -> Option<(u64, SizeSource)> {
    [
        (s.iso9660, SizeSource::Iso9660),
        (s.udf, SizeSource::Udf),
        (s.partition_end, SizeSource::PartitionTable),
    ]
    .into_iter()
    .filter_map(|(v, src)| v.filter(|&v| v > 0).map(|v| (v, src)))
    .max_by_key(|(v, _)| *v)
}

/// The end the drive claims: the track on media with boundaries, else READ CAPACITY.
fn claimed(s: &Sources) -> Option<(u64, SizeSource)> {
    if s.has_boundaries
        && let Some(t) = s.track_end
    {
        return Some((t, SizeSource::Track));
    }
    s.read_capacity.map(|c| (c, SizeSource::ReadCapacity))
}

/// LBAs whose readability `decide` needs: the last 3 sectors of the claimed end (TAO
/// run-out and over-report detection) and the last sector of the file-system size.
pub fn probe_points(s: &Sources) -> Vec<u64> {
    let mut v = Vec::new();
    if s.user.is_some() {
        return v;
    }
    if let Some((end, _)) = claimed(s) {
        for k in 1..=3 {
            if end >= k {
                v.push(end - k);
            }
        }
    }
    if let Some((fs, _)) = fs_size(s)
        && fs > 0
    {
        v.push(fs - 1);
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// Decide the image size. `readable[lba]` answers the probes of `probe_points` (a missing
/// entry counts as readable: the rip will find out).
pub fn decide(s: &Sources, readable: &BTreeMap<u64, bool>) -> Option<Decision> {
    if let Some(u) = s.user {
        return Some(user_size(s, u));
    }
    let mut notes = Vec::new();
    if let (Some(c), Some((t, SizeSource::Track))) = (s.read_capacity, claimed(s))
        && c != t
    {
        notes.push(format!(
            "READ CAPACITY says {c} sectors, the track {t}; the recorded track decides"
        ));
    }
    let Some(claim) = claimed(s) else {
        // No drive-reported end at all: the file system is all there is.
        let (v, src) = fs_size(s)?;
        return Some(Decision::new(
            v,
            src,
            format!("the drive reports no size; {src} used"),
            notes,
        ));
    };
    if !s.has_boundaries {
        return Some(unbounded_medium(s, claim, notes));
    }
    let ok = |lba: u64| readable.get(&lba).copied().unwrap_or(true);
    Some(recorded_end(s, claim, &ok, notes))
}

/// `--size` wins; the drive's claim is noted where it differs.
fn user_size(s: &Sources, u: u64) -> Decision {
    let mut notes = Vec::new();
    if let Some((c, src)) = claimed(s)
        && c != u
    {
        notes.push(format!("{src} says {c} sectors"));
    }
    Decision::new(u, SizeSource::User, format!("--size {u} given"), notes)
}

/// Notes where a file-system size disagrees with the size decided; the size stays.
fn cross_check(s: &Sources, size: u64, notes: &mut Vec<String>) {
    for (v, src) in [
        (s.iso9660, SizeSource::Iso9660),
        (s.udf, SizeSource::Udf),
        (s.partition_end, SizeSource::PartitionTable),
    ] {
        match v {
            Some(v) if v < size => notes.push(format!(
                "{src} is {v} sectors; the {} sectors after it are kept (padding, \
                 partitions or other data on the disc)",
                size - v
            )),
            Some(v) if v > size => notes.push(format!(
                "{src} claims {v} sectors, {} more than the disc holds (truncated \
                 image or bad metadata)",
                v - size
            )),
            _ => {}
        }
    }
}

/// DVD+RW, BD-RE, ...: READ CAPACITY is the formatted size, not the data's end, so a file
/// system that fits in it decides.
fn unbounded_medium(
    s: &Sources,
    (end, src): (u64, SizeSource),
    mut notes: Vec<String>,
) -> Decision {
    if let Some((v, fsrc)) = fs_size(s)
        && v <= end
    {
        cross_check(s, v, &mut notes);
        return Decision::new(
            v,
            fsrc,
            format!(
                "the medium records no boundary (READ CAPACITY {end} is the formatted \
                 size); {fsrc} used"
            ),
            notes,
        );
    }
    Decision::new(
        end,
        src,
        format!(
            "the medium records no boundary and holds no file system that says its \
             size; the whole formatted medium ({src}) used"
        ),
        notes,
    )
}

/// Media with boundaries: the claimed end decides where its last sector reads; where it
/// does not, a TAO run-out or a file system that reads to its end explains the tail.
fn recorded_end(
    s: &Sources,
    (end, src): (u64, SizeSource),
    ok: &dyn Fn(u64) -> bool,
    mut notes: Vec<String>,
) -> Decision {
    if end == 0 || ok(end - 1) {
        cross_check(s, end, &mut notes);
        return Decision::new(
            end,
            src,
            format!("{src} used (the recorded data's end)"),
            notes,
        );
    }
    // The claimed last sector does not read.
    if s.track_incremental && end >= 3 && !ok(end - 2) && ok(end - 3) {
        let size = end - 2;
        cross_check(s, size, &mut notes);
        return Decision {
            excluded_tail: 2,
            ..Decision::new(
                size,
                SizeSource::TrackLessRunOut,
                format!(
                    "the track was recorded incrementally (TAO) and its last 2 blocks are \
                     run-out, which never read; {size} sectors"
                ),
                notes,
            )
        };
    }
    if let Some((v, fsrc)) = fs_size(s)
        && v < end
        && ok(v - 1)
    {
        cross_check(s, v, &mut notes);
        return Decision {
            excluded_tail: end - v,
            ..Decision::new(
                v,
                fsrc,
                format!(
                    "{src} says {end} sectors but its last sector does not read (the drive \
                     over-reports); {fsrc} used"
                ),
                notes,
            )
        };
    }
    cross_check(s, end, &mut notes);
    Decision::new(
        end,
        src,
        format!("{src} used; its last sector does not read and no file system says otherwise"),
        notes,
    )
}

/// The tracks a cooked rip takes: the data tracks of the first session that holds data,
/// from the first data track to the last contiguous one. Returns (start LBA, tracks used,
/// tracks left out).
pub fn cooked_tracks(info: &MediumInfo) -> (u64, Vec<Track>, Vec<Track>) {
    let Some(first) = info.tracks.iter().find(|t| t.data) else {
        return (0, Vec::new(), info.tracks.clone());
    };
    let session = first.session;
    let mut used = Vec::new();
    let mut left = Vec::new();
    let mut open = true;
    for t in &info.tracks {
        if open && t.session == session && t.data && t.number >= first.number {
            used.push(t.clone());
        } else {
            if t.number > first.number && !used.is_empty() {
                open = false;
            }
            left.push(t.clone());
        }
    }
    (first.start.get(), used, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probes(pairs: &[(u64, bool)]) -> BTreeMap<u64, bool> {
        pairs.iter().copied().collect()
    }

    fn pressed(track: u64, cap: u64, iso: Option<u64>) -> Sources {
        Sources {
            read_capacity: Some(cap),
            track_end: Some(track),
            has_boundaries: true,
            iso9660: iso,
            ..Default::default()
        }
    }

    #[test]
    fn track_decides_and_keeps_padding_after_the_iso_volume() {
        // Hybrid ISO: the track holds 300 sectors of EFI partition after the ISO volume.
        let mut s = pressed(1300, 1300, Some(1000));
        s.partition_end = Some(1300);
        let d = decide(&s, &BTreeMap::new()).unwrap();
        assert_eq!(d.sectors, 1300);
        assert_eq!(d.source, SizeSource::Track);
        assert!(
            d.notes.iter().any(|n| n.contains("300 sectors after")),
            "{d:?}"
        );
    }

    #[test]
    fn tao_run_out_is_excluded_not_an_error() {
        let mut s = pressed(1002, 1002, Some(1000));
        s.track_incremental = true;
        assert_eq!(probe_points(&s), vec![999, 1000, 1001]);
        let d = decide(&s, &probes(&[(1001, false), (1000, false), (999, true)])).unwrap();
        assert_eq!(d.sectors, 1000);
        assert_eq!(d.source, SizeSource::TrackLessRunOut);
        assert_eq!(d.excluded_tail, 2);
    }

    #[test]
    fn tao_track_whose_end_reads_is_kept_whole() {
        let mut s = pressed(1002, 1002, Some(1000));
        s.track_incremental = true;
        let d = decide(&s, &probes(&[(1001, true), (1000, true), (999, true)])).unwrap();
        assert_eq!(d.sectors, 1002);
    }

    #[test]
    fn read_capacity_over_reporting_loses_to_the_track() {
        let s = pressed(1000, 1150, Some(1000));
        let d = decide(&s, &BTreeMap::new()).unwrap();
        assert_eq!(d.sectors, 1000);
        assert!(d.notes[0].contains("READ CAPACITY says 1150"), "{d:?}");
    }

    #[test]
    fn over_report_without_tracks_falls_back_to_iso9660() {
        let s = Sources {
            read_capacity: Some(1150),
            has_boundaries: true,
            iso9660: Some(1000),
            ..Default::default()
        };
        let d = decide(&s, &probes(&[(1149, false), (1148, false), (999, true)])).unwrap();
        assert_eq!(d.sectors, 1000);
        assert_eq!(d.source, SizeSource::Iso9660);
        assert_eq!(d.excluded_tail, 150);
        assert!(d.reason.contains("over-reports"), "{}", d.reason);
    }

    #[test]
    fn no_boundary_media_use_the_largest_file_system_size() {
        let s = Sources {
            read_capacity: Some(2_295_104),
            has_boundaries: false,
            iso9660: Some(1000),
            udf: Some(1200),
            ..Default::default()
        };
        let d = decide(&s, &BTreeMap::new()).unwrap();
        assert_eq!((d.sectors, d.source), (1200, SizeSource::Udf));
        let blank = Sources {
            read_capacity: Some(5000),
            ..Default::default()
        };
        let d = decide(&blank, &BTreeMap::new()).unwrap();
        assert_eq!((d.sectors, d.source), (5000, SizeSource::ReadCapacity));
    }

    #[test]
    fn user_size_overrides() {
        let mut s = pressed(1000, 1000, Some(1000));
        s.user = Some(10);
        let d = decide(&s, &BTreeMap::new()).unwrap();
        assert_eq!((d.sectors, d.source), (10, SizeSource::User));
        assert!(probe_points(&s).is_empty());
    }

    #[test]
    fn cooked_takes_first_session_data_tracks() {
        let t = |number, session, start, size, data| Track {
            number,
            session,
            start: crate::media::Lba::new(start),
            size,
            data,
            incremental: false,
        };
        let info = MediumInfo {
            profile: 8,
            profile_name: "CD-ROM".into(),
            family: Some(crate::scsi::Family::Cd),
            capacity: None,
            tracks: vec![
                t(1, 1, 0, 1000, true),
                t(2, 1, 1000, 500, false),
                t(3, 2, 12900, 300, true),
            ],
            has_boundaries: true,
            toc_raw: vec![],
            c2: false,
        };
        let (start, used, left) = cooked_tracks(&info);
        assert_eq!(start, 0);
        assert_eq!(used.len(), 1);
        assert_eq!(left.len(), 2);
    }
}
