//! The image being burned: a file (checked readable to the end and hashed before the laser
//! starts) or a stream such as standard input (size given, hashed while it is burned), and
//! the size rules: whole 2048-byte sectors (or `--pad`), DVD/BD written in 32 KiB units
//! with the last one padded.

use super::fifo::Fifo;
pub use crate::jobs::image::{Image, ReadSource, Source, SourceError, hash_all, read_full};
use std::io::Read;
use std::sync::Arc;

/// Bytes in a data sector (mode 1 / DVD / BD user data).
pub const SECTOR: u64 = 2048;

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
}
