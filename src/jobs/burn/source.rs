//! The image being burned: a file (checked readable to the end and hashed before the laser
//! starts) or a stream such as standard input (size given, hashed while it is burned), and
//! the size rules: whole 2048-byte sectors (or `--pad`), DVD/BD written in 32 KiB units
//! with the last one padded.

use super::fifo::Fifo;
use crate::jobs::verify::{Digester, Digests};
use crate::jobs::{Cancel, Event, ProgressSink};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bytes in a data sector (mode 1 / DVD / BD user data).
pub const SECTOR: u64 = 2048;

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

/// Sectors the image occupies: its size in whole 2048-byte sectors; a partial last sector
/// is allowed only with `pad` (it is then written padded with zeros).
pub fn image_sectors(size: u64, pad: bool) -> Result<u64, SourceError> {
    if size == 0 {
        return Err(SourceError::Empty);
    }
    if !size.is_multiple_of(SECTOR) && !pad {
        return Err(SourceError::NotSectorMultiple { size });
    }
    Ok(size.div_ceil(SECTOR))
}

/// Sectors actually written: the image sectors rounded up to the medium's write unit
/// (1 for CD, 16 = 32 KiB for DVD and BD). The padding is zeros and is never verified.
pub fn written_sectors(image_sectors: u64, unit_sectors: u64) -> u64 {
    image_sectors.div_ceil(unit_sectors.max(1)) * unit_sectors.max(1)
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

/// A pipe, terminal or file descriptor (standard input) as a source that notices a stopped
/// burn while the producer stalls: it waits for data with poll(2) in short slices and gives
/// up once the FIFO it feeds is closed. A plain blocking read would keep the reader thread,
/// and with it the end of the burn, waiting for the next byte after SIGINT. Reads go straight
/// to the descriptor (no user-space buffer that poll could not see).
pub struct StreamSource {
    file: std::fs::File,
    fifo: Option<Arc<Fifo>>,
}

impl StreamSource {
    /// Read from a duplicate of `fd` (standard input: `std::io::stdin().as_fd()`).
    pub fn new(fd: std::os::fd::BorrowedFd<'_>) -> std::io::Result<StreamSource> {
        Ok(StreamSource {
            file: std::fs::File::from(fd.try_clone_to_owned()?),
            fifo: None,
        })
    }
}

/// How long (ms) one poll(2) waits before the source looks at the FIFO again.
const STREAM_POLL_MS: u16 = 100;

impl Source for StreamSource {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use nix::poll::{PollFd, PollFlags, poll};
        use std::os::fd::AsFd;
        loop {
            if self.fifo.as_ref().is_some_and(|f| f.is_closed()) {
                return Err(std::io::Error::other("the burn was stopped"));
            }
            let mut fds = [PollFd::new(self.file.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, STREAM_POLL_MS) {
                Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                // Readable, hung up or in error: read says which.
                Ok(_) => return self.file.read(buf),
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn bind(&mut self, fifo: &Arc<Fifo>) {
        self.fifo = Some(fifo.clone());
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
        name: "checking image".into(),
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
                lba: at / SECTOR,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sector_rules() {
        assert_eq!(image_sectors(4096, false).unwrap(), 2);
        assert!(matches!(
            image_sectors(4097, false),
            Err(SourceError::NotSectorMultiple { size: 4097 })
        ));
        assert_eq!(image_sectors(4097, true).unwrap(), 3);
        assert!(matches!(image_sectors(0, true), Err(SourceError::Empty)));
        // DVD/BD: 16-sector (32 KiB) units, last one padded.
        assert_eq!(written_sectors(17, 16), 32);
        assert_eq!(written_sectors(32, 16), 32);
        assert_eq!(written_sectors(17, 1), 17);
    }

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
