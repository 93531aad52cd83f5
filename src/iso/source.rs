//! Where sectors come from: an image file now, an optical drive later (same trait).

use super::{IsoError, Result};
use std::io::{Read, Seek, SeekFrom};

/// ISO 9660 logical sector size (ECMA-119 §6.1.2; MMC data sector).
pub const SECTOR: usize = 2048;

/// A random-access source of 2048-byte sectors.
pub trait SectorSource {
    /// Reads `count` sectors from `lba` into `buf` (`buf.len() == count * 2048`). Reading past
    /// [`SectorSource::sector_count`] is [`IsoError::Truncated`].
    fn read_sectors(&mut self, lba: u64, count: u32, buf: &mut [u8]) -> Result<()>;
    /// Readable sectors, if known (image length, or a drive's READ CAPACITY).
    fn sector_count(&self) -> Option<u64>;

    /// Reads `len` bytes at byte `offset` (any alignment); bounded by the caller.
    fn read_bytes(&mut self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let first = offset / SECTOR as u64;
        let skip = (offset % SECTOR as u64) as usize;
        let count = (skip + len).div_ceil(SECTOR);
        let count32 = u32::try_from(count)
            .map_err(|_| IsoError::Limit(format!("read of {len} bytes is too large")))?;
        let mut buf = vec![0u8; count * SECTOR];
        self.read_sectors(first, count32, &mut buf)?;
        buf.drain(..skip);
        buf.truncate(len);
        Ok(buf)
    }

    /// Checks that `count` sectors at `lba` lie within the source, without reading them.
    fn check_range(&self, lba: u64, count: u64) -> Result<()> {
        let end = lba.checked_add(count).ok_or(IsoError::Truncated {
            lba,
            end: u64::MAX,
            total: self.sector_count().unwrap_or(0),
        })?;
        match self.sector_count() {
            Some(total) if end > total => Err(IsoError::Truncated { lba, end, total }),
            _ => Ok(()),
        }
    }
}

impl<T: SectorSource + ?Sized> SectorSource for &mut T {
    fn read_sectors(&mut self, lba: u64, count: u32, buf: &mut [u8]) -> Result<()> {
        (**self).read_sectors(lba, count, buf)
    }
    fn sector_count(&self) -> Option<u64> {
        (**self).sector_count()
    }
}

/// An image in anything `Read + Seek` (a file, a `Cursor<Vec<u8>>`). A last partial sector
/// reads as if padded with zeros.
pub struct ImageFile<R> {
    inner: R,
    len: u64,
}

impl<R: Read + Seek> ImageFile<R> {
    pub fn new(mut inner: R) -> Result<Self> {
        let len = inner.seek(SeekFrom::End(0))?;
        Ok(ImageFile { inner, len })
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl ImageFile<std::fs::File> {
    pub fn open(path: &std::path::Path) -> Result<Self> {
        let f = std::fs::File::open(path).map_err(|source| IsoError::File {
            path: path.to_path_buf(),
            source,
        })?;
        Self::new(f)
    }
}

impl<R: Read + Seek> SectorSource for ImageFile<R> {
    fn read_sectors(&mut self, lba: u64, count: u32, buf: &mut [u8]) -> Result<()> {
        let want = count as usize * SECTOR;
        if buf.len() != want {
            return Err(IsoError::Limit(format!(
                "read_sectors: buffer of {} bytes for {count} sectors",
                buf.len()
            )));
        }
        self.check_range(lba, count as u64)?;
        let start = lba * SECTOR as u64;
        self.inner.seek(SeekFrom::Start(start))?;
        let avail = self.len.saturating_sub(start).min(want as u64) as usize;
        self.inner.read_exact(&mut buf[..avail])?;
        buf[avail..].fill(0);
        Ok(())
    }

    fn sector_count(&self) -> Option<u64> {
        Some(self.len.div_ceil(SECTOR as u64))
    }
}
