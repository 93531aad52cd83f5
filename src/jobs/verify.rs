//! Verify: read back exactly the image's sectors (never the padding or run-out a burn adds
//! after them), compare sector by sector, and compare SHA-256s (also against `IMAGE.sha256`
//! when present). Every mismatching or unreadable LBA is named, as ranges.
//!
//! The comparison needs the image's bytes only where a block differs: a burn reads its
//! image once, computing the SHA-256 and a CRC-64 per 64 KiB block ([`Digests`]); verify
//! then checks the disc against those and re-reads just the differing blocks of the image
//! file to name the exact sectors. `discrw verify IMAGE` reads the image alongside the disc.

use crate::jobs::image::{
    BLOCK_SECTORS, CRC64, CueImage, Digests, Ranges, SECTOR, read_sha256_file,
};
use crate::jobs::{Cancel, Event, ProgressSink};
use crate::media::{Lba, ReadMode, SectorSource};
use crate::text::hex;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// What the disc is compared with.
pub enum Reference<'a> {
    /// The image file itself, read alongside the disc.
    File(&'a Path),
    /// Digests from the burn's single read of the image, and the file (when there is one)
    /// to re-read differing blocks from.
    Digests {
        digests: &'a Digests,
        file: Option<&'a Path>,
    },
    /// Part of a file (a track of a cue image) from byte `offset`, read alongside the disc;
    /// `swap16` swaps each byte pair (big-endian MOTOROLA audio) to the disc's order.
    Part {
        path: &'a Path,
        offset: u64,
        swap16: bool,
    },
}

/// The result of a verify pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// First LBA of the image on the disc.
    pub start_lba: u64,
    /// Image size in bytes and sectors.
    pub size: u64,
    pub sectors: u64,
    pub mismatched: Ranges,
    pub unreadable: Ranges,
    /// SHA-256 of what was read from the disc (absent when sectors were unreadable).
    pub disc_sha256: Option<String>,
    /// SHA-256 of the image.
    pub image_sha256: String,
    /// `IMAGE.sha256`'s checksum, when that file exists, and whether the image matched it.
    pub sha256_file: Option<(PathBuf, bool)>,
    /// Files (ISO 9660 / UDF) that hold mismatching or unreadable sectors.
    /// read from the image's tree (never the disc's): the first few, a count, and sectors in
    /// no file. `None` when all matched or the image is not ISO 9660.
    pub damaged_files: Option<crate::iso::Damage>,
    /// Cue images: the tracks holding mismatching or unreadable sectors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub damaged_tracks: Vec<u8>,
    /// Cue images: the sample offset audio was compared with, when audio differed as read
    /// and one offset for the whole disc explained more of it (the drive's read/write
    /// offset; [`crate::jobs::audio_offset`]). The SHA-256 of the disc is then of the
    /// audio as read, shifted, and is not expected to equal the image's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_offset_samples: Option<i64>,
    /// With an offset: samples read back whose counterpart lies outside the recorded audio
    /// (the first or last |offset| samples), not compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_samples_not_compared: Option<u64>,
    /// Audio differed and no offset explained it: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_offset_unknown: Option<crate::jobs::audio_offset::NoOffset>,
}

impl VerifyReport {
    /// Every sector read and equal, SHA-256 equal, and `IMAGE.sha256` (if any) agreeing.
    pub fn is_match(&self) -> bool {
        let sha_agrees = match self.audio_offset_samples {
            // Shifted audio hashes differently; every sector was compared with the shift.
            Some(_) => self.disc_sha256.is_some(),
            None => self.disc_sha256.as_deref() == Some(self.image_sha256.as_str()),
        };
        self.mismatched.is_empty()
            && self.unreadable.is_empty()
            && sha_agrees
            && self.sha256_file.as_ref().is_none_or(|s| s.1)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read image {path}: {source}")]
    Image {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("image {path} is {got} bytes, expected {expected}")]
    ImageSize {
        path: PathBuf,
        expected: u64,
        got: u64,
    },
    #[error("interrupted")]
    Interrupted,
}

/// The offset search's reasons to stop are verify's.
impl From<crate::jobs::audio_offset::SearchError> for VerifyError {
    fn from(e: crate::jobs::audio_offset::SearchError) -> Self {
        use crate::jobs::audio_offset::SearchError;
        match e {
            SearchError::Image { path, source } => VerifyError::Image { path, source },
            SearchError::Interrupted => VerifyError::Interrupted,
        }
    }
}

fn image_err(path: &Path) -> impl Fn(std::io::Error) -> VerifyError + '_ {
    move |source| VerifyError::Image {
        path: path.to_path_buf(),
        source,
    }
}

/// When the image is ISO 9660 (or Joliet / Rock Ridge), the files (and directories, with a
/// trailing '/') whose sectors differ or were unreadable. Image sector `i` is disc LBA
/// `start_lba + i`. Best effort: an image that is not ISO 9660 names none.
fn damaged_files(image: &Path, start_lba: u64, rep: &VerifyReport) -> Option<crate::iso::Damage> {
    if rep.mismatched.is_empty() && rep.unreadable.is_empty() {
        return None;
    }
    let ranges: Vec<(u64, u64)> = rep
        .mismatched
        .0
        .iter()
        .chain(&rep.unreadable.0)
        .map(|&(lba, count)| (lba.saturating_sub(start_lba), count))
        .collect();
    crate::iso::damage::locate_in_file(image, &ranges).ok()
}

/// Hashes and findings carried across the parts of one verify (the tracks of a cue image).
struct Pass<'a> {
    rep: VerifyReport,
    image_sha: Sha256,
    disc_sha: Sha256,
    /// 1x of the medium, bytes per second, for progress.
    one_x: u64,
    sink: &'a dyn ProgressSink,
    cancel: &'a Cancel,
}

impl<'a> Pass<'a> {
    /// A verify pass from `start_lba`, announced to the sink.
    fn start(
        start_lba: u64,
        one_x: u64,
        sink: &'a dyn ProgressSink,
        cancel: &'a Cancel,
    ) -> Pass<'a> {
        sink.event(&Event::Phase {
            name: crate::jobs::Phase::Verifying,
        });
        Pass {
            one_x,
            sink,
            cancel,
            rep: VerifyReport {
                start_lba,
                ..VerifyReport::default()
            },
            image_sha: Sha256::new(),
            disc_sha: Sha256::new(),
        }
    }

    /// The report with its SHA-256s: the image's from `digests` where the burn took them,
    /// else of what was compared; the disc's only when every sector was read.
    fn finish(self, digests: Option<&Digests>) -> VerifyReport {
        let mut rep = self.rep;
        rep.image_sha256 = match digests {
            Some(d) => d.sha256_hex(),
            None => hex(&self.image_sha.finalize()),
        };
        if rep.unreadable.is_empty() {
            rep.disc_sha256 = Some(hex(&self.disc_sha.finalize()));
        }
        rep
    }
}

/// Where a burn put an image of `size` bytes: the start of the last recorded track holding
/// enough sectors, else LBA 0 (random-access media, or no track list).
pub fn image_start(media: &crate::drive::MediaInfo, size: u64) -> u64 {
    let sectors = size.div_ceil(SECTOR as u64);
    media
        .tracks
        .iter()
        .rev()
        .filter(|t| t.blank != Some(true))
        .find(|t| t.size.is_none_or(|s| u64::from(s) >= sectors))
        .map(|t| u64::from(t.start))
        .unwrap_or(0)
}

/// Compare `size` bytes of image against the disc from `start_lba`.
pub fn verify(
    disc: &mut dyn SectorSource,
    reference: Reference<'_>,
    size: u64,
    start_lba: u64,
    one_x: u64,
    sink: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<VerifyReport, VerifyError> {
    let mut pass = Pass::start(start_lba, one_x, sink, cancel);
    let file: Option<&Path> = match &reference {
        Reference::File(p) => Some(p),
        Reference::Digests { file, .. } => *file,
        Reference::Part { path, .. } => Some(path),
    };
    let digests = match &reference {
        Reference::Digests { digests, .. } => Some(*digests),
        _ => None,
    };
    compare(
        disc,
        ReadMode::Cooked,
        reference,
        size,
        start_lba,
        &mut pass,
    )?;
    let mut rep = pass.finish(digests);
    if let Some(p) = file {
        rep.damaged_files = damaged_files(p, start_lba, &rep);
        if let Some((sp, sum)) = read_sha256_file(p) {
            let ok = sum.as_deref() == Some(rep.image_sha256.as_str());
            rep.sha256_file = Some((sp, ok));
        }
    }
    Ok(rep)
}

/// Verify a burned cue image: each track's sectors that come from its file, read with
/// READ CD (whole 2352-byte sectors for audio and raw mode 1 tracks, user data for
/// MODE1/2048 tracks), compared sector by sector and by one SHA-256 over them all.
/// Generated gaps are not compared, nor track 1's pregap before LBA 0.
pub fn verify_cue(
    disc: &mut dyn SectorSource,
    image: &CueImage,
    one_x: u64,
    sink: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<VerifyReport, VerifyError> {
    use crate::cuefile::{Source, TrackMode};
    let mut pass = Pass::start(0, one_x, sink, cancel);
    for e in &image.layout.extents {
        let Source::File { file, offset } = e.source else {
            continue;
        };
        let mode = image.layout.tracks[e.track].mode;
        let ss = mode.sector_bytes();
        let skip = (-e.lba).max(0) as u64;
        if skip >= e.sectors {
            continue;
        }
        let read_mode = match mode {
            TrackMode::Audio => ReadMode::CdAudio,
            TrackMode::Mode1Raw | TrackMode::Mode2Raw => ReadMode::Raw {
                c2: false,
                subchannel: false,
            },
            TrackMode::Mode1Cooked => ReadMode::CdUserData,
        };
        compare(
            disc,
            read_mode,
            Reference::Part {
                path: &image.files[file],
                offset: offset + skip * ss,
                swap16: image.swapped(e.track),
            },
            (e.sectors - skip) * ss,
            (e.lba + skip as i64) as u64,
            &mut pass,
        )?;
    }
    let mut rep = pass.finish(None);
    realign_audio(disc, image, &mut rep, sink, cancel)?;
    for &(lba, n) in rep.mismatched.0.iter().chain(&rep.unreadable.0) {
        for l in [lba, lba + n - 1] {
            if let Some(t) = image.layout.track_at(l as i64)
                && !rep.damaged_tracks.contains(&t.number)
            {
                rep.damaged_tracks.push(t.number);
            }
        }
    }
    rep.damaged_tracks.sort_unstable();
    Ok(rep)
}

/// When audio sectors of a cue image differ, look for the drive's read/write sample offset
/// ([`crate::jobs::audio_offset`]) and, if one offset makes fewer audio sectors differ,
/// replace the audio's findings with those of the shifted comparison. Data sectors are
/// never shifted: their findings stay as they are.
fn realign_audio(
    disc: &mut dyn SectorSource,
    image: &CueImage,
    rep: &mut VerifyReport,
    sink: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<(), VerifyError> {
    use crate::jobs::audio_offset::{self as ao, AudioImage, NoOffset, Search};
    let mut img = AudioImage::new(image);
    let (mut audio, mut other) = (Vec::new(), Vec::new());
    for &(lba, n) in &rep.mismatched.0 {
        for l in lba..lba + n {
            if img.is_audio(l as i64) {
                audio.push(l);
            } else {
                other.push(l);
            }
        }
    }
    if audio.is_empty() {
        return Ok(());
    }
    sink.event(&Event::Phase {
        name: crate::jobs::Phase::FindingAudioOffset,
    });
    let candidates = match ao::find_offset(disc, &mut img, &audio, cancel)? {
        Search::Candidates(c) => c,
        Search::NothingToAlign => {
            rep.audio_offset_unknown = Some(NoOffset::NothingToAlign);
            return Ok(());
        }
        Search::NoMatch => {
            rep.audio_offset_unknown = Some(NoOffset::NoMatch);
            return Ok(());
        }
        Search::Ambiguous => {
            rep.audio_offset_unknown = Some(NoOffset::Ambiguous);
            return Ok(());
        }
    };
    let mut best: Option<(i64, ao::Shifted)> = None;
    for n in candidates {
        let s = ao::compare_shifted(disc, &mut img, n, cancel)?;
        if best
            .as_ref()
            .is_none_or(|b| s.mismatched.sectors() < b.1.mismatched.sectors())
        {
            best = Some((n, s));
        }
    }
    match best {
        Some((n, s)) if s.mismatched.sectors() < audio.len() as u64 => {
            let mut all: Vec<(u64, u64)> = other.iter().map(|&l| (l, 1)).collect();
            all.extend_from_slice(&s.mismatched.0);
            all.sort_unstable();
            let mut merged = Ranges::default();
            for (l, c) in all {
                merged.add(l, c);
            }
            rep.mismatched = merged;
            rep.audio_offset_samples = Some(n);
            rep.audio_samples_not_compared = Some(s.not_compared_samples);
        }
        _ => rep.audio_offset_unknown = Some(NoOffset::NoMatch),
    }
    Ok(())
}

/// The image side of a comparison: the file (when there is one) positioned at the part
/// compared, the burn's digests (when it took them), and whether audio byte pairs swap.
struct ImageSide<'a> {
    file: Option<(&'a Path, std::fs::File)>,
    digests: Option<&'a Digests>,
    swap16: bool,
}

impl<'a> ImageSide<'a> {
    fn open(reference: Reference<'a>, size: u64) -> Result<ImageSide<'a>, VerifyError> {
        Ok(match reference {
            Reference::File(p) => {
                let f = std::fs::File::open(p).map_err(image_err(p))?;
                let got = f.metadata().map_err(image_err(p))?.len();
                if got != size {
                    return Err(VerifyError::ImageSize {
                        path: p.to_path_buf(),
                        expected: size,
                        got,
                    });
                }
                ImageSide {
                    file: Some((p, f)),
                    digests: None,
                    swap16: false,
                }
            }
            Reference::Part {
                path,
                offset,
                swap16,
            } => {
                let mut f = std::fs::File::open(path).map_err(image_err(path))?;
                f.seek(SeekFrom::Start(offset)).map_err(image_err(path))?;
                ImageSide {
                    file: Some((path, f)),
                    digests: None,
                    swap16,
                }
            }
            Reference::Digests { digests, file } => ImageSide {
                file: match file {
                    Some(p) => Some((p, std::fs::File::open(p).map_err(image_err(p))?)),
                    None => None,
                },
                digests: Some(digests),
                swap16: false,
            },
        })
    }

    /// Read `buf.len()` image bytes at `off` (sequentially when `sequential`, the file
    /// being read alongside the disc). False when there is no file to read.
    fn read(&mut self, off: u64, buf: &mut [u8], sequential: bool) -> Result<bool, VerifyError> {
        let Some((p, f)) = self.file.as_mut() else {
            return Ok(false);
        };
        if !sequential {
            f.seek(SeekFrom::Start(off)).map_err(image_err(p))?;
        }
        f.read_exact(buf).map_err(image_err(p))?;
        if self.swap16 {
            for pair in buf.chunks_exact_mut(2) {
                pair.swap(0, 1);
            }
        }
        Ok(true)
    }
}

/// Read `n` sectors at `lba` into `bytes`; where the read fails, read each sector alone and
/// return which ones fail (zero-filled, each told to the sink).
fn read_disc(
    disc: &mut dyn SectorSource,
    mode: ReadMode,
    lba: u64,
    bytes: &mut [u8],
    sink: &dyn ProgressSink,
) -> Vec<bool> {
    let ss = mode.bytes_per_sector();
    let n = bytes.len() / ss;
    let mut bad = vec![false; n];
    if disc.read(mode, Lba::new(lba), n as u32, bytes).is_ok() {
        return bad;
    }
    for (i, s) in bytes.chunks_mut(ss).enumerate() {
        if let Err(e) = disc.read(mode, Lba::new(lba + i as u64), 1, s) {
            bad[i] = true;
            s.fill(0);
            sink.event(&Event::ReadError {
                lba: lba + i as u64,
                count: 1,
                reason: e.to_string(),
            });
        }
    }
    bad
}

/// Compare `size` bytes of the reference with the disc from `start_lba` into `pass`.
fn compare(
    disc: &mut dyn SectorSource,
    mode: ReadMode,
    reference: Reference<'_>,
    size: u64,
    start_lba: u64,
    pass: &mut Pass<'_>,
) -> Result<(), VerifyError> {
    let ss = mode.bytes_per_sector();
    let sectors = size.div_ceil(ss as u64);
    let base_size = pass.rep.size;
    pass.rep.sectors += sectors;
    pass.rep.size += size;
    let mut image = ImageSide::open(reference, size)?;
    // Block digests cover 64 KiB of 2048-byte sectors; other sector sizes are compared
    // against the file itself.
    let sequential = image.digests.is_none() || ss != SECTOR;
    let per_read = (u64::from(disc.sectors_per_read(mode)) / BLOCK_SECTORS).max(1) * BLOCK_SECTORS;
    let mut buf = vec![0u8; per_read as usize * ss];
    let mut img = vec![0u8; BLOCK_SECTORS as usize * ss];
    let mut done = 0u64; // sectors
    while done < sectors {
        if pass.cancel.is_cancelled() {
            return Err(VerifyError::Interrupted);
        }
        let n = per_read.min(sectors - done);
        let bytes = &mut buf[..n as usize * ss];
        let bad = read_disc(disc, mode, start_lba + done, bytes, pass.sink);
        // Block by block (32 sectors, aligned to the image start).
        let mut b = 0u64;
        while b < n {
            let bn = BLOCK_SECTORS.min(n - b);
            let first = done + b; // image sector index
            let off = first * ss as u64;
            let len = (bn * ss as u64).min(size - off) as usize;
            let block = Block {
                lba: start_lba + first,
                disc: &bytes[(b as usize) * ss..(b as usize) * ss + len],
                bad: &bad[b as usize..(b + bn) as usize],
                index: first / BLOCK_SECTORS,
                offset: off,
            };
            compare_block(&block, ss, &mut image, &mut img[..len], sequential, pass)?;
            b += bn;
        }
        done += n;
        pass.sink.event(&Event::Progress {
            done_bytes: base_size + (done * ss as u64).min(size),
            total_bytes: base_size + size,
            lba: start_lba + done,
            one_x_bytes_per_sec: pass.one_x,
            errors: pass.rep.unreadable.sectors() + pass.rep.mismatched.sectors(),
            fifo_fill: None,
            drive_buffer_fill: None,
        });
    }
    Ok(())
}

/// One block (up to 32 sectors) of what the disc returned.
struct Block<'b> {
    /// Disc LBA of its first sector.
    lba: u64,
    disc: &'b [u8],
    /// Sectors that did not read.
    bad: &'b [bool],
    /// Block number in the image (for its digest) and byte offset.
    index: u64,
    offset: u64,
}

/// Compare one block: hash what the disc returned, read the image's block only where the
/// digests say it differs (or always, without digests), name each differing or unreadable
/// sector.
fn compare_block(
    block: &Block<'_>,
    ss: usize,
    image: &mut ImageSide<'_>,
    img: &mut [u8],
    sequential: bool,
    pass: &mut Pass<'_>,
) -> Result<(), VerifyError> {
    pass.disc_sha.update(block.disc);
    let need_image = match image.digests {
        Some(d) if !sequential => {
            block.bad.iter().any(|&x| x)
                || d.block_crc.get(block.index as usize) != Some(&CRC64.checksum(block.disc))
        }
        _ => true,
    };
    let have_image = need_image && image.read(block.offset, img, sequential)?;
    if have_image && sequential {
        pass.image_sha.update(&*img);
    }
    for (i, &unread) in block.bad.iter().enumerate() {
        let lba = block.lba + i as u64;
        if unread {
            pass.rep.unreadable.add(lba, 1);
            continue;
        }
        if !need_image {
            continue;
        }
        let s = i * ss;
        let e = (s + ss).min(block.disc.len());
        if !have_image || block.disc[s..e] != img[s..e] {
            pass.rep.mismatched.add(lba, 1);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::NoProgress;
    use crate::jobs::image::{BLOCK, Digester};
    use crate::media::MediaError;

    struct Mem {
        data: Vec<u8>,
        bad: Vec<u64>,
    }

    impl SectorSource for Mem {
        fn read(
            &mut self,
            _mode: ReadMode,
            lba: Lba,
            count: u32,
            buf: &mut [u8],
        ) -> Result<(), MediaError> {
            let lba = lba.get();
            let n = u64::from(count);
            if self.bad.iter().any(|&b| b >= lba && b < lba + n) {
                return Err(MediaError::BadRequest {
                    what: "MEDIUM ERROR".into(),
                });
            }
            let s = lba as usize * SECTOR;
            buf.copy_from_slice(&self.data[s..s + buf.len()]);
            Ok(())
        }
        fn sector_count(&self) -> Option<u64> {
            None
        }
        fn max_transfer_bytes(&self) -> usize {
            64 * SECTOR
        }
    }

    fn image(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 4096) as u8).collect()
    }

    #[test]
    fn digests_do_not_depend_on_slicing() {
        let img = image(BLOCK * 2 + 100);
        let mut a = Digester::new();
        a.update(&img);
        let mut b = Digester::new();
        for c in img.chunks(777) {
            b.update(c);
        }
        let (a, b) = (a.finish(), b.finish());
        assert_eq!(a, b);
        assert_eq!(a.block_crc.len(), 3);
        // CRC-64/XZ check value for "123456789".
        assert_eq!(CRC64.checksum(b"123456789"), 0x995dc9bbdf1939fa);
    }

    #[test]
    fn ranges_merge_and_print() {
        let mut r = Ranges::default();
        for l in [16, 17, 18, 40, 100, 101] {
            r.add(l, 1);
        }
        assert_eq!(r.display(), "16-18, 40, 100-101");
        assert_eq!(r.sectors(), 6);
    }

    /// Verify the whole of `mem` against `reference` of `bytes` bytes (LBA 0, no progress).
    fn verify_all(mem: &mut Mem, reference: Reference, bytes: usize) -> VerifyReport {
        verify(
            mem,
            reference,
            bytes as u64,
            0,
            0,
            &NoProgress,
            &Cancel::new(),
        )
        .unwrap()
    }

    fn setup(img: &[u8], disc: Vec<u8>, bad: Vec<u64>) -> (tempfile::TempDir, PathBuf, Mem) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("img.iso");
        std::fs::write(&p, img).unwrap();
        (dir, p, Mem { data: disc, bad })
    }

    #[test]
    fn names_mismatching_and_unreadable_sectors_and_ignores_padding() {
        let img = image(SECTOR * 100 + 1000); // partial last sector (--pad)
        let mut disc = img.clone();
        disc.resize(SECTOR * 160, 0xAA); // padding + run-out differ: never compared
        disc[SECTOR * 40 + 5] ^= 1;
        disc[SECTOR * 41] ^= 1;
        disc[SECTOR * 97] ^= 1;
        let mut d = Digester::new();
        d.update(&img);
        let digests = d.finish();
        for with_digests in [false, true] {
            let (_dir, p, mut mem) = setup(&img, disc.clone(), vec![70]);
            let reference = if with_digests {
                Reference::Digests {
                    digests: &digests,
                    file: Some(&p),
                }
            } else {
                Reference::File(&p)
            };
            let rep = verify_all(&mut mem, reference, img.len());
            assert_eq!(rep.sectors, 101);
            assert_eq!(rep.mismatched.display(), "40-41, 97");
            assert_eq!(rep.unreadable.display(), "70");
            assert!(rep.disc_sha256.is_none());
            assert_eq!(rep.image_sha256, digests.sha256_hex());
            assert!(!rep.is_match());
        }
    }

    #[test]
    fn match_and_sha256_file() {
        let img = image(SECTOR * 50);
        let mut disc = img.clone();
        disc.resize(SECTOR * 64, 0);
        let (_dir, p, mut mem) = setup(&img, disc, vec![]);
        let mut d = Digester::new();
        d.update(&img);
        let sum = d.finish().sha256_hex();
        let mut sp = p.as_os_str().to_owned();
        sp.push(".sha256");
        std::fs::write(&sp, format!("{sum}  img.iso\n")).unwrap();
        let rep = verify_all(&mut mem, Reference::File(&p), img.len());
        assert!(rep.is_match(), "{rep:?}");
        assert_eq!(rep.sha256_file.as_ref().map(|s| s.1), Some(true));
        std::fs::write(&sp, format!("{}  img.iso\n", "0".repeat(64))).unwrap();
        let rep = verify_all(&mut mem, Reference::File(&p), img.len());
        assert!(!rep.is_match());
    }
}
