//! A CD drive's read/write sample offset, found while verifying burned audio.
//!
//! Audio read back with READ CD comes shifted by a constant number of 4-byte stereo samples
//! (the drive's read offset plus the writer's write offset): byte `p` of the audio as read
//! is byte `p + 4N` of the audio as burned, across sector and track boundaries. A perfect
//! burn then differs in every sector that is not silence. When audio sectors differ, verify
//! looks for one `N` for the whole disc ([`find_offset`]: windows of non-silent image audio
//! searched for in the read-back around the same place, 4 bytes at a time), compares the
//! whole audio with it ([`compare_shifted`]) and keeps it only when it explains more than
//! comparing without a shift does. Positions are stream bytes from LBA 0 (LBA × 2352).

use crate::cuefile::{Source, TrackMode};
use crate::jobs::Cancel;
use crate::jobs::image::{CueImage, Ranges};
use crate::media::{Lba, MediaError, ReadMode, SectorSource};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

/// Bytes of one CD-DA sector.
const CD: usize = 2352;
/// Bytes of one stereo sample (16-bit left, 16-bit right).
const SAMPLE: usize = 4;

/// How far, in samples either way, an offset is looked for. The read offsets in
/// AccurateRip's drive list span about −1164 to +1776 samples; a writer's write offset
/// (usually tens of samples) adds to the read offset. ±3000 covers the widest listed read
/// offset with more than a thousand samples to spare, and 3000 × 4 = 12 000 bytes stay
/// within [`SEARCH_SECTORS`] sectors either side of a window, so a search reads 14 sectors.
pub const MAX_OFFSET_SAMPLES: i64 = 3000;
/// Sectors read either side of a window: 6 × 2352 = 14 112 ≥ 4 × [`MAX_OFFSET_SAMPLES`].
const SEARCH_SECTORS: i64 = 6;
/// Sectors of image audio in one window (1176 samples, 27 ms).
const WINDOW_SECTORS: i64 = 2;
/// Windows that must agree before the search stops early.
const AGREEING: usize = 3;
/// Differing LBAs looked at, at most (windows of silence are skipped cheaply).
const MAX_TRIES: usize = 4096;
/// Windows searched without any match before giving up: with a real offset nearly every
/// window of non-silent audio matches, so this many misses mean damage, not a shift (and
/// bound the reading a badly damaged disc costs to 32 × 14 sectors).
const MAX_MISSES: usize = 32;
/// Candidates confirmed on the whole audio, at most.
pub const MAX_CANDIDATES: usize = 4;

/// Every shift `n` in `-max..=max` (samples) under which the read-back `disc` (stream bytes
/// from `disc_at`) holds the image's `window` (stream bytes from `window_at`) the way a
/// drive `n` samples off returns it: image byte `q` read back as byte `q − 4n`. Shifts that
/// would need bytes outside `disc` are not candidates. Pure; increasing order.
pub fn matching_offsets(
    window: &[u8],
    window_at: i64,
    disc: &[u8],
    disc_at: i64,
    max: i64,
) -> Vec<i64> {
    let mut out = Vec::new();
    for n in -max..=max {
        let at = window_at - SAMPLE as i64 * n - disc_at;
        if at < 0 || at as usize + window.len() > disc.len() {
            continue;
        }
        if disc[at as usize..at as usize + window.len()] == *window {
            out.push(n);
        }
    }
    out
}

/// Whether a window can tell shifts apart: not one sample repeated (digital silence, or a
/// constant level, matches at every shift).
pub fn informative(window: &[u8]) -> bool {
    let mut s = window.chunks_exact(SAMPLE);
    match s.next() {
        Some(first) => s.any(|x| x != first),
        None => false,
    }
}

/// The image's audio as burned, by LBA: file sectors of audio tracks and the generated
/// silence of their gaps, from LBA 0 on. Anything else (data tracks, LBAs before 0, the
/// lead-out and beyond) is not audio the disc recorded here: unknown.
pub struct AudioImage<'a> {
    image: &'a CueImage,
    files: Vec<Option<std::fs::File>>,
}

impl<'a> AudioImage<'a> {
    pub fn new(image: &'a CueImage) -> Self {
        AudioImage {
            image,
            files: image.files.iter().map(|_| None).collect(),
        }
    }

    fn extent(&self, lba: i64) -> Option<&crate::cuefile::Extent> {
        if lba < 0 {
            return None;
        }
        self.image
            .layout
            .extents
            .iter()
            .find(|e| lba >= e.lba && lba < e.lba + e.sectors as i64)
            .filter(|e| self.image.layout.tracks[e.track].mode == TrackMode::Audio)
    }

    /// Whether LBA holds recorded audio (READ CD of CD-DA reads it).
    pub fn is_audio(&self, lba: i64) -> bool {
        self.extent(lba).is_some()
    }

    /// The 2352 bytes of audio burned at `lba` (in the disc's byte order), or `None`.
    pub fn sector(&mut self, lba: i64) -> Result<Option<Vec<u8>>, SearchError> {
        let Some(&e) = self.extent(lba) else {
            return Ok(None);
        };
        let mut out = vec![0u8; CD];
        let Source::File { file, offset } = e.source else {
            return Ok(Some(out)); // generated silence
        };
        let path = &self.image.files[file];
        let err = |source| SearchError::Image {
            path: path.clone(),
            source,
        };
        if self.files[file].is_none() {
            self.files[file] = Some(std::fs::File::open(path).map_err(err)?);
        }
        if let Some(f) = self.files[file].as_mut() {
            f.seek(SeekFrom::Start(offset + (lba - e.lba) as u64 * CD as u64))
                .map_err(err)?;
            f.read_exact(&mut out).map_err(err)?;
        }
        if self.image.swapped(e.track) {
            for pair in out.chunks_exact_mut(2) {
                pair.swap(0, 1);
            }
        }
        Ok(Some(out))
    }

    /// `count` sectors from `lba`, or `None` if any is not audio.
    fn sectors(&mut self, lba: i64, count: i64) -> Result<Option<Vec<u8>>, SearchError> {
        let mut out = Vec::with_capacity(count as usize * CD);
        for l in lba..lba + count {
            match self.sector(l)? {
                Some(s) => out.extend_from_slice(&s),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// LBAs from LBA 0 on whose audio comes from the image's files (what verify compares).
    fn compared_runs(&self) -> Vec<(i64, i64)> {
        let l = &self.image.layout;
        l.extents
            .iter()
            .filter(|e| l.tracks[e.track].mode == TrackMode::Audio)
            .filter(|e| matches!(e.source, Source::File { .. }))
            .map(|e| (e.lba.max(0), e.lba + e.sectors as i64))
            .filter(|r| r.0 < r.1)
            .collect()
    }
}

/// What the search for an offset found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// Shifts (at most [`MAX_CANDIDATES`], never 0) every agreeing window matched.
    Candidates(Vec<i64>),
    /// Every differing audio sector is silence or one level repeated: nothing to align.
    NothingToAlign,
    /// Windows were searched and none was found in the read-back within the bound.
    NoMatch,
    /// The windows match at more shifts than can be told apart.
    Ambiguous,
}

/// Why audio that differed is not explained by a read offset (`audio_offset_unknown` in
/// `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoOffset {
    /// No window was found in the read-back within ±[`MAX_OFFSET_SAMPLES`], or no shift
    /// made fewer sectors differ: what a real difference (or a larger shift) looks like.
    NoMatch,
    /// The differing audio is silence or one level repeated: nothing to align.
    NothingToAlign,
    /// More than [`MAX_CANDIDATES`] shifts match.
    Ambiguous,
}

impl NoOffset {
    /// The clause for the verify summary, where the search could not work at all; `None`
    /// for [`NoOffset::NoMatch`], whose summary stays the plain list of differing sectors
    /// (as it is when no drive offset is involved).
    pub fn clause(self) -> Option<String> {
        match self {
            NoOffset::NoMatch => None,
            NoOffset::NothingToAlign => Some(format!(
                "the differing audio is digital silence or one level repeated, so no read \
                 offset within ±{MAX_OFFSET_SAMPLES} samples could be looked for"
            )),
            NoOffset::Ambiguous => Some(format!(
                "the differing audio repeats: more than {MAX_CANDIDATES} read offsets within \
                 ±{MAX_OFFSET_SAMPLES} samples match it, none was used"
            )),
        }
    }
}

/// Why the search stopped.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("cannot read image {}: {source}", path.display())]
    Image {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("interrupted")]
    Interrupted,
}

/// A cue layout's signed LBA as a disc address (the pregap before LBA 0 does not read).
fn disc_lba(lba: i64) -> Result<Lba, MediaError> {
    Lba::from_signed(lba).ok_or(MediaError::BadRequest {
        what: format!("LBA {lba} lies before the start of the disc"),
    })
}

/// Read `count` sectors from `lba` in reads the reader allows.
fn read_run(
    disc: &mut dyn SectorSource,
    lba: i64,
    count: i64,
    buf: &mut Vec<u8>,
) -> Result<(), MediaError> {
    let ss = ReadMode::CdAudio.bytes_per_sector();
    buf.resize(count as usize * ss, 0);
    let max = i64::from(disc.sectors_per_read(ReadMode::CdAudio));
    let mut done = 0;
    while done < count {
        let n = max.min(count - done);
        let at = done as usize * ss;
        let bytes = &mut buf[at..at + n as usize * ss];
        disc.read(ReadMode::CdAudio, disc_lba(lba + done)?, n as u32, bytes)?;
        done += n;
    }
    Ok(())
}

/// Look for one sample offset that explains the differing audio sectors `differing`
/// (LBAs, increasing): for each, a window of [`WINDOW_SECTORS`] sectors of image audio
/// there, unless silent, is searched for in [`SEARCH_SECTORS`] sectors of read-back audio
/// either side, 4 bytes at a time; the shifts of the windows that match are intersected.
pub fn find_offset(
    disc: &mut dyn SectorSource,
    img: &mut AudioImage<'_>,
    differing: &[u64],
    cancel: &Cancel,
) -> Result<Search, SearchError> {
    let mut cand: Option<Vec<i64>> = None;
    let mut agreeing = 0usize;
    let mut searched = 0usize;
    let mut buf = Vec::new();
    let mut last_window = i64::MIN;
    for &l in differing.iter().take(MAX_TRIES) {
        if cancel.is_cancelled() {
            return Err(SearchError::Interrupted);
        }
        let mut l = l as i64;
        // Differing sectors come in runs: one window per WINDOW_SECTORS of them.
        if l < last_window + WINDOW_SECTORS {
            continue;
        }
        last_window = l;
        // A window at the end of the audio reaches back instead.
        if !img.is_audio(l + WINDOW_SECTORS - 1) {
            l -= WINDOW_SECTORS - 1;
        }
        let Some(window) = img.sectors(l, WINDOW_SECTORS)? else {
            continue;
        };
        if !informative(&window) {
            continue;
        }
        // The read-back around it: the audio LBAs next to the window, within the bound.
        let mut lo = l;
        while lo > l - SEARCH_SECTORS && img.is_audio(lo - 1) {
            lo -= 1;
        }
        let mut hi = l + WINDOW_SECTORS;
        while hi < l + WINDOW_SECTORS + SEARCH_SECTORS && img.is_audio(hi) {
            hi += 1;
        }
        if read_run(disc, lo, hi - lo, &mut buf).is_err() {
            continue; // unreadable sectors are reported by the comparison itself
        }
        searched += 1;
        let mut set = matching_offsets(
            &window,
            l * CD as i64,
            &buf,
            lo * CD as i64,
            MAX_OFFSET_SAMPLES,
        );
        set.retain(|&n| n != 0);
        if set.is_empty() {
            // A window holding a real difference matches nowhere.
            if cand.is_none() && searched >= MAX_MISSES {
                break;
            }
            continue;
        }
        cand = Some(match cand {
            None => set,
            Some(c) => {
                let both: Vec<i64> = c.iter().copied().filter(|n| set.contains(n)).collect();
                if both.is_empty() {
                    c // windows that disagree: keep what the earlier ones found
                } else {
                    both
                }
            }
        });
        agreeing += 1;
        if agreeing >= AGREEING && cand.as_ref().is_some_and(|c| c.len() == 1) {
            break;
        }
    }
    Ok(match cand {
        Some(c) if c.len() <= MAX_CANDIDATES => Search::Candidates(c),
        Some(_) => Search::Ambiguous,
        None if searched == 0 => Search::NothingToAlign,
        None => Search::NoMatch,
    })
}

/// The audio compared with a shift of `n` samples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shifted {
    /// Burned audio sectors (image LBAs) that differ even with the shift.
    pub mismatched: Ranges,
    /// Samples read back whose counterpart the shift puts outside the recorded audio.
    pub not_compared_samples: u64,
}

/// Compare every audio sector verify compares (those from the image's files) with the image
/// shifted by `n` samples: read-back byte `p` against image byte `p + 4n`, whichever sector
/// and track that falls in. Unreadable sectors are skipped (the unshifted pass named them).
/// A difference is named by the image sector holding the differing byte.
pub fn compare_shifted(
    disc: &mut dyn SectorSource,
    img: &mut AudioImage<'_>,
    n: i64,
    cancel: &Cancel,
) -> Result<Shifted, SearchError> {
    let mut out = Shifted::default();
    // Differences are named by the burned sector they are in (the image's LBA), which a
    // shifted read-back sector shares with its neighbour: collected, then merged in order.
    let mut differing = std::collections::BTreeSet::new();
    let mut cache: BTreeMap<i64, Option<Vec<u8>>> = BTreeMap::new();
    let mut buf = Vec::new();
    let max = i64::from(disc.sectors_per_read(ReadMode::CdAudio));
    for (start, end) in img.compared_runs() {
        let mut l = start;
        while l < end {
            if cancel.is_cancelled() {
                return Err(SearchError::Interrupted);
            }
            let count = max.min(end - l);
            let mut readable = vec![true; count as usize];
            if read_run(disc, l, count, &mut buf).is_err() {
                for i in 0..count {
                    let at = i as usize * CD;
                    let one = &mut buf[at..at + CD];
                    if disc_lba(l + i)
                        .and_then(|x| disc.read(ReadMode::CdAudio, x, 1, one))
                        .is_err()
                    {
                        readable[i as usize] = false;
                    }
                }
            }
            for i in 0..count {
                if !readable[i as usize] {
                    continue;
                }
                let lba = l + i;
                let got = &buf[i as usize * CD..(i as usize + 1) * CD];
                let from = lba * CD as i64 + SAMPLE as i64 * n;
                let first = from.div_euclid(CD as i64);
                let skip = from.rem_euclid(CD as i64) as usize;
                cache.retain(|&k, _| k >= first);
                // The read-back sector is the tail of image sector `first` and the head of
                // the next.
                for (s, range, at) in [(first, skip..CD, 0), (first + 1, 0..skip, CD - skip)] {
                    if range.is_empty() {
                        continue;
                    }
                    let want = match cache.entry(s) {
                        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::btree_map::Entry::Vacant(e) => e.insert(img.sector(s)?),
                    };
                    match want.as_ref() {
                        Some(want) => {
                            if want[range.clone()] != got[at..at + range.len()] {
                                differing.insert(s as u64);
                            }
                        }
                        None => out.not_compared_samples += (range.len() / SAMPLE) as u64,
                    }
                }
            }
            l += count;
        }
    }
    for l in differing {
        out.mismatched.add(l, 1);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes 0..len of a noise-like signal (a linear congruential sequence).
    fn noise(len: usize, seed: u32) -> Vec<u8> {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect()
    }

    /// The read-back of `disc` by a drive `n` samples off: byte p is disc byte p + 4n,
    /// zero outside.
    fn read_back(disc: &[u8], n: i64) -> Vec<u8> {
        (0..disc.len() as i64)
            .map(|p| {
                let q = p + 4 * n;
                if (0..disc.len() as i64).contains(&q) {
                    disc[q as usize]
                } else {
                    0
                }
            })
            .collect()
    }

    #[test]
    fn finds_the_shift_of_a_window_either_way_and_at_the_bound() {
        let disc = noise(20 * 2352, 7);
        for n in [6i64, 667, -472, 3000, -3000, 1] {
            let rb = read_back(&disc, n);
            let at = 9 * 2352;
            let w = &disc[at..at + 2 * 2352];
            assert_eq!(
                matching_offsets(w, at as i64, &rb, 0, MAX_OFFSET_SAMPLES),
                vec![n],
                "{n}"
            );
        }
        // Beyond the bound: not found.
        let rb = read_back(&disc, 3001);
        let w = &disc[9 * 2352..11 * 2352];
        assert!(matching_offsets(w, 9 * 2352, &rb, 0, MAX_OFFSET_SAMPLES).is_empty());
    }

    #[test]
    fn read_back_that_starts_elsewhere_in_the_stream() {
        // The read-back buffer holds stream bytes from sector 3 on.
        let disc = noise(20 * 2352, 3);
        let rb = read_back(&disc, -100);
        let w = &disc[10 * 2352..12 * 2352];
        let got = matching_offsets(w, 10 * 2352, &rb[3 * 2352..], 3 * 2352, 3000);
        assert_eq!(got, vec![-100]);
    }

    #[test]
    fn silence_matches_everywhere_and_is_not_informative() {
        let silent = vec![0u8; 2 * 2352];
        assert!(!informative(&silent));
        assert!(!informative(&[1, 2, 3, 4].repeat(588)));
        let mut burst = silent.clone();
        burst[1000..1040].copy_from_slice(&noise(40, 9));
        assert!(informative(&burst));
        // A short burst in silence is found at exactly one shift.
        let mut disc = vec![0u8; 20 * 2352];
        disc[9 * 2352 + 1000..9 * 2352 + 1040].copy_from_slice(&noise(40, 9));
        let rb = read_back(&disc, 48);
        let w = &disc[9 * 2352..11 * 2352];
        assert_eq!(matching_offsets(w, 9 * 2352, &rb, 0, 3000), vec![48]);
        // A silent window matches at every shift the buffer allows.
        let s = &disc[0..2 * 2352];
        assert!(matching_offsets(s, 0, &vec![0u8; 20 * 2352], 0, 3000).len() > 1000);
    }

    #[test]
    fn a_changed_byte_in_the_window_matches_nowhere() {
        let disc = noise(20 * 2352, 5);
        let rb = read_back(&disc, 6);
        let mut w = disc[9 * 2352..11 * 2352].to_vec();
        w[100] ^= 1;
        assert!(matching_offsets(&w, 9 * 2352, &rb, 0, 3000).is_empty());
    }
}
