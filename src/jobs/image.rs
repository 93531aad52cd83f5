//! The job types several jobs share: an image to burn or compare (a file or a stream, a
//! cue sheet and its files), what is known of its bytes after one read ([`Digests`]), its
//! published checksum file, and LBA ranges as reports name them.

use crate::cuefile::{self, CueSheet, FileType, Layout, TrackMode};
use crate::jobs::burn::fifo::Fifo;
use crate::jobs::{Cancel, Event, ProgressSink};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bytes per sector.
pub const SECTOR: usize = 2048;
/// Bytes covered by one block digest.
pub const BLOCK: usize = 64 * 1024;
pub const BLOCK_SECTORS: u64 = (BLOCK / SECTOR) as u64;

pub const CRC64: crc::Crc<u64, crc::Table<16>> =
    crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_XZ);

/// What is known about an image's bytes after reading it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// Size in bytes.
    pub size: u64,
    pub sha256: [u8; 32],
    /// CRC-64/XZ of each 64 KiB block (the last one may be shorter).
    pub block_crc: Vec<u64>,
}

impl Digests {
    pub fn sha256_hex(&self) -> String {
        crate::text::hex(&self.sha256)
    }
}

/// Computes [`Digests`] over bytes fed in order, in any slicing.
pub struct Digester {
    sha: Sha256,
    crc: crc::Digest<'static, u64, crc::Table<16>>,
    in_block: usize,
    blocks: Vec<u64>,
    size: u64,
}

impl Default for Digester {
    fn default() -> Self {
        Self::new()
    }
}

impl Digester {
    pub fn new() -> Self {
        Digester {
            sha: Sha256::new(),
            crc: CRC64.digest(),
            in_block: 0,
            blocks: Vec::new(),
            size: 0,
        }
    }

    pub fn update(&mut self, mut d: &[u8]) {
        self.sha.update(d);
        self.size += d.len() as u64;
        while !d.is_empty() {
            let take = (BLOCK - self.in_block).min(d.len());
            self.crc.update(&d[..take]);
            self.in_block += take;
            d = &d[take..];
            if self.in_block == BLOCK {
                let done = std::mem::replace(&mut self.crc, CRC64.digest());
                self.blocks.push(done.finalize());
                self.in_block = 0;
            }
        }
    }

    pub fn finish(mut self) -> Digests {
        if self.in_block > 0 {
            self.blocks.push(self.crc.finalize());
        }
        Digests {
            size: self.size,
            sha256: self.sha.finalize().into(),
            block_crc: self.blocks,
        }
    }
}

/// Sorted, merged LBA ranges `[start, start+count)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ranges(pub Vec<(u64, u64)>);

impl Ranges {
    /// Add one LBA (callers add in increasing order; out-of-order LBAs still merge if
    /// adjacent to the last range).
    pub fn add(&mut self, lba: u64, count: u64) {
        if count == 0 {
            return;
        }
        if let Some(last) = self.0.last_mut()
            && last.0 + last.1 == lba
        {
            last.1 += count;
            return;
        }
        self.0.push((lba, count));
    }

    pub fn sectors(&self) -> u64 {
        self.0.iter().map(|r| r.1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `16-31, 40, 100-103` (inclusive ends, as people read them).
    pub fn display(&self) -> String {
        crate::text::ranges(&self.0)
    }
}

/// The checksum in `IMAGE.sha256` (sha256sum format: 64 hex digits, then the name).
pub fn read_sha256_file(image: &Path) -> Option<(PathBuf, Option<String>)> {
    let p = crate::files::sha256_path(image);
    let text = std::fs::read_to_string(&p).ok()?;
    let word = text
        .split_whitespace()
        .next()
        .map(|w| w.to_ascii_lowercase());
    let ok = word.filter(|w| w.len() == 64 && w.bytes().all(|b| b.is_ascii_hexdigit()));
    Some((p, ok))
}

/// Why the image cannot be burned.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot open {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not readable to the end: {source} (at byte {at})")]
    Unreadable {
        path: PathBuf,
        at: u64,
        source: std::io::Error,
    },
    #[error(
        "image size {size} bytes is not a multiple of 2048 (use --pad to pad the last sector with zeros)"
    )]
    NotSectorMultiple { size: u64 },
    #[error("image is empty")]
    Empty,
    #[error("{path} changed size while being read ({expected} bytes expected, {got} read)")]
    SizeChanged {
        path: PathBuf,
        expected: u64,
        got: u64,
    },
    #[error("interrupted")]
    Interrupted,
}

/// A source of image bytes for the reader thread.
pub trait Source: Send {
    /// Like `Read::read`.
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize>;
    /// Told which FIFO it feeds (test sources pace themselves on its state).
    fn bind(&mut self, _fifo: &Arc<Fifo>) {}
}

/// Any `Read` as a source.
pub struct ReadSource<R: Read + Send>(pub R);

impl<R: Read + Send> Source for ReadSource<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

/// Fill `buf` completely unless the source ends; returns the bytes read.
pub fn read_full(src: &mut dyn Source, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match src.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The image: where its bytes come from and what is known about them.
pub enum Image {
    /// A file, pre-checked: every byte was read once and hashed.
    File { path: PathBuf, digests: Digests },
    /// A stream of `size` bytes, readable once (standard input, test sources).
    Stream { source: Box<dyn Source>, size: u64 },
}

impl Image {
    pub fn size(&self) -> u64 {
        match self {
            Image::File { digests, .. } => digests.size,
            Image::Stream { size, .. } => *size,
        }
    }

    /// The file path, when there is one (for `IMAGE.sha256` and file names in reports).
    pub fn path(&self) -> Option<&Path> {
        match self {
            Image::File { path, .. } => Some(path),
            Image::Stream { .. } => None,
        }
    }

    /// Read a file image once to the end before anything is written: proves it readable
    /// and computes its SHA-256 and block digests (so verify never re-reads it).
    pub fn precheck_file(
        path: &Path,
        sink: &dyn ProgressSink,
        cancel: &Cancel,
    ) -> Result<Image, SourceError> {
        let f = std::fs::File::open(path).map_err(|source| SourceError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let expected = f
            .metadata()
            .map_err(|source| SourceError::Open {
                path: path.to_path_buf(),
                source,
            })?
            .len();
        let digests = hash_all(&mut ReadSource(f), path, expected, sink, cancel)?;
        Ok(Image::File {
            path: path.to_path_buf(),
            digests,
        })
    }
}

/// Read a source once to the end before anything is written ("checking image"): proves it
/// readable, gives its digests, and checks it held `expected` bytes. `path` names it in
/// errors.
pub fn hash_all(
    src: &mut dyn Source,
    path: &Path,
    expected: u64,
    sink: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<Digests, SourceError> {
    sink.event(&Event::Phase {
        name: crate::jobs::Phase::CheckingImage,
    });
    let mut d = Digester::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0u64;
    loop {
        if cancel.is_cancelled() {
            return Err(SourceError::Interrupted);
        }
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(SourceError::Unreadable {
                    path: path.to_path_buf(),
                    at,
                    source,
                });
            }
        };
        d.update(&buf[..n]);
        at += n as u64;
        if at % (64 << 20) < n as u64 {
            sink.event(&Event::Progress {
                done_bytes: at,
                total_bytes: expected,
                lba: at / SECTOR as u64,
                one_x_bytes_per_sec: 0,
                errors: 0,
                fifo_fill: None,
                drive_buffer_fill: None,
            });
        }
    }
    if at != expected {
        return Err(SourceError::SizeChanged {
            path: path.to_path_buf(),
            expected,
            got: at,
        });
    }
    Ok(d.finish())
}

/// Why a cue sheet cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CueLoadError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {len} bytes is too large for a cue sheet (at most 1 MiB)", path.display())]
    TooLarge { path: PathBuf, len: u64 },
    /// The sheet's text or layout, at `line` (0: the sheet as a whole).
    #[error("{}{}: {message}", path.display(), if *line > 0 { format!(" line {line}") } else { String::new() })]
    Sheet {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{} (named in {} line {line}): {why}", file.display(), cue.display())]
    File {
        file: PathBuf,
        cue: PathBuf,
        line: usize,
        why: String,
    },
}

/// A cue sheet ready to burn.
#[derive(Debug, Clone)]
pub struct CueImage {
    pub path: PathBuf,
    pub sheet: CueSheet,
    pub layout: Layout,
    /// Each FILE's path (relative names resolved against the .cue's directory).
    pub files: Vec<PathBuf>,
}

impl CueImage {
    /// Read, parse and lay out a cue sheet. The error names the .cue (and its line) or the
    /// missing file.
    pub fn load(path: &Path) -> Result<CueImage, CueLoadError> {
        let at = |e: cuefile::CueError| CueLoadError::Sheet {
            path: path.to_path_buf(),
            line: e.line,
            message: e.message,
        };
        let io = |e: std::io::Error| CueLoadError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        // Cue sheets are a few kilobytes; a large file is something else (a .bin named .cue).
        const MAX: u64 = 1 << 20;
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX {
            return Err(CueLoadError::TooLarge {
                path: path.to_path_buf(),
                len,
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let text = String::from_utf8_lossy(&bytes);
        let sheet = cuefile::parse(&text).map_err(at)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut files = Vec::new();
        let mut sizes = Vec::new();
        for f in &sheet.files {
            let p = dir.join(&f.name);
            let named = |why: String| CueLoadError::File {
                file: p.clone(),
                cue: path.to_path_buf(),
                line: f.line,
                why,
            };
            let meta = std::fs::metadata(&p).map_err(|e| {
                named(if e.kind() == std::io::ErrorKind::NotFound {
                    "no such file".to_string()
                } else {
                    e.to_string()
                })
            })?;
            if !meta.is_file() {
                return Err(named("not a regular file".into()));
            }
            sizes.push(meta.len());
            files.push(p);
        }
        let layout = cuefile::layout(&sheet, &sizes).map_err(at)?;
        Ok(CueImage {
            path: path.to_path_buf(),
            sheet,
            layout,
            files,
        })
    }

    pub fn mode(&self, track: usize) -> TrackMode {
        self.layout.tracks[track].mode
    }

    /// True where a track's samples are stored big-endian and are swapped when sent.
    pub fn swapped(&self, track: usize) -> bool {
        let t = &self.layout.tracks[track];
        t.mode.is_audio() && self.sheet.files[t.file].file_type == FileType::Motorola
    }

    /// Bytes the FIFO carries: every sector from LBA −150 to the lead-out.
    pub fn stream_bytes(&self) -> u64 {
        self.layout
            .extents
            .iter()
            .map(|e| e.sectors * self.mode(e.track).sector_bytes())
            .sum()
    }

    /// Runs of one block size in write order (sectors, bytes per sector).
    pub fn regions(&self) -> Vec<(u64, usize)> {
        let mut v: Vec<(u64, usize)> = Vec::new();
        for e in &self.layout.extents {
            let bs = self.mode(e.track).sector_bytes() as usize;
            match v.last_mut() {
                Some(last) if last.1 == bs => last.0 += e.sectors,
                _ => v.push((e.sectors, bs)),
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precheck_hashes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.iso");
        std::fs::write(&p, b"abc").unwrap();
        let img = Image::precheck_file(&p, &crate::jobs::NoProgress, &Cancel::new()).unwrap();
        assert_eq!(img.size(), 3);
        let Image::File { digests, .. } = img else {
            panic!()
        };
        // FIPS 180-2 example "abc".
        assert_eq!(
            digests.sha256_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(matches!(
            Image::precheck_file(
                &dir.path().join("none"),
                &crate::jobs::NoProgress,
                &Cancel::new()
            ),
            Err(SourceError::Open { .. })
        ));
    }
}
