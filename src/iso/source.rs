//! Where sectors come from: an image file here, an optical drive's medium in
//! `drive::DriveSectors` (same trait).

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

    /// How many sectors from `lba` (at most `max`) are known to read as zeros without reading
    /// them: the holes of a sparse image file. 0 where unknown (a drive, a cursor).
    fn zero_sectors(&mut self, _lba: u64, _max: u64) -> u64 {
        0
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

/// A source behind `&mut` or in a `Box` is a source: the methods forward, `zero_sectors` too
/// so that `T`'s own answer is kept rather than the default.
macro_rules! forward_sector_source {
    ($($ty:ty),*) => {$(
        impl<T: SectorSource + ?Sized> SectorSource for $ty {
            fn read_sectors(&mut self, lba: u64, count: u32, buf: &mut [u8]) -> Result<()> {
                (**self).read_sectors(lba, count, buf)
            }
            fn sector_count(&self) -> Option<u64> {
                (**self).sector_count()
            }
            fn zero_sectors(&mut self, lba: u64, max: u64) -> u64 {
                (**self).zero_sectors(lba, max)
            }
        }
    )*};
}

forward_sector_source!(&mut T, Box<T>);

/// An image in anything `Read + Seek` (a file, a `Cursor<Vec<u8>>`). A last partial sector
/// reads as if padded with zeros.
pub struct ImageFile<R> {
    inner: R,
    len: u64,
    /// The same open file, for lseek(2) SEEK_DATA (holes); `None` for other readers.
    probe: Option<std::fs::File>,
}

impl<R: Read + Seek> ImageFile<R> {
    pub fn new(mut inner: R) -> Result<Self> {
        let len = inner.seek(SeekFrom::End(0))?;
        Ok(ImageFile {
            inner,
            len,
            probe: None,
        })
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
        let probe = f.try_clone().ok();
        let mut img = Self::new(f)?;
        img.probe = probe;
        Ok(img)
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

    /// SEEK_DATA moves the shared file offset, which is harmless: every read seeks first.
    fn zero_sectors(&mut self, lba: u64, max: u64) -> u64 {
        use nix::unistd::{Whence, lseek};
        let Some(f) = &self.probe else { return 0 };
        let Some(off) = lba.checked_mul(SECTOR as u64).filter(|&o| o < self.len) else {
            return 0;
        };
        let Ok(pos) = i64::try_from(off) else {
            return 0;
        };
        let zero_bytes = match lseek(f, pos, Whence::SeekData) {
            Ok(d) => (d as u64).saturating_sub(off),
            // No data after `off`: the rest of the file is a hole.
            Err(nix::errno::Errno::ENXIO) => (self.len - off).next_multiple_of(SECTOR as u64),
            Err(_) => 0,
        };
        (zero_bytes / SECTOR as u64).min(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    #[test]
    fn holes_are_zero_sectors_and_never_data() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sparse.img");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(64 * SECTOR as u64).unwrap();
        f.write_all_at(b"data", 40 * SECTOR as u64 + 7).unwrap();
        drop(f);
        let mut img = ImageFile::open(&p).unwrap();
        let z = img.zero_sectors(0, 64);
        // At most up to the data (a filesystem may not know of holes at all: 0).
        assert!(z <= 40, "{z}");
        let mut buf = vec![0u8; SECTOR];
        for lba in 0..z {
            img.read_sectors(lba, 1, &mut buf).unwrap();
            assert!(buf.iter().all(|&b| b == 0));
        }
        assert_eq!(img.zero_sectors(40, 64), 0);
        assert!(img.zero_sectors(41, 5) <= 5);
        assert_eq!(img.zero_sectors(64, 5), 0, "past the end");
        // After a hole probe, reads still come from the right place.
        img.read_sectors(40, 1, &mut buf).unwrap();
        assert_eq!(&buf[7..11], b"data");
        // A reader without a file behind it knows no holes.
        let mut c = ImageFile::new(std::io::Cursor::new(vec![0u8; 4 * SECTOR])).unwrap();
        assert_eq!(c.zero_sectors(0, 4), 0);
    }
}
