//! An image file (or any `Read + Seek`) as a [`SectorSource`] of 2048-byte sectors.

use super::{Lba, MediaError, ReadMode, SECTOR, SectorSource, check_buffer};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// An image in anything `Read + Seek` (a file, a `Cursor<Vec<u8>>`). A last partial sector
/// reads as if padded with zeros.
pub struct ImageFile<R> {
    inner: R,
    len: u64,
    /// The path, for messages.
    path: PathBuf,
    /// The same open file, for lseek(2) SEEK_DATA (holes); `None` for other readers.
    probe: Option<std::fs::File>,
}

impl<R: Read + Seek> ImageFile<R> {
    pub fn new(mut inner: R) -> Result<Self, MediaError> {
        let path = PathBuf::from("image");
        let len = inner
            .seek(SeekFrom::End(0))
            .map_err(|e| MediaError::image(&path, e))?;
        Ok(ImageFile {
            inner,
            len,
            path,
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
    pub fn open(path: &Path) -> Result<Self, MediaError> {
        let f = std::fs::File::open(path).map_err(|e| MediaError::image(path, e))?;
        let probe = f.try_clone().ok();
        let mut img = Self::new(f).map_err(|e| match e {
            MediaError::Image { source, .. } => MediaError::Image {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        })?;
        img.path = path.to_path_buf();
        img.probe = probe;
        Ok(img)
    }
}

impl<R: Read + Seek> SectorSource for ImageFile<R> {
    fn read(
        &mut self,
        mode: ReadMode,
        lba: Lba,
        count: u32,
        buf: &mut [u8],
    ) -> Result<(), MediaError> {
        if mode != ReadMode::Cooked {
            return Err(MediaError::BadRequest {
                what: format!(
                    "{}: an image file holds 2048-byte sectors; {mode:?} reads need a drive",
                    self.path.display()
                ),
            });
        }
        check_buffer(mode, count, buf.len())?;
        self.check_range(lba.get(), count.into())?;
        let start = lba.get() * SECTOR as u64;
        let path = &self.path;
        self.inner
            .seek(SeekFrom::Start(start))
            .map_err(|e| MediaError::image(path, e))?;
        let avail = self.len.saturating_sub(start).min(buf.len() as u64) as usize;
        self.inner
            .read_exact(&mut buf[..avail])
            .map_err(|e| MediaError::image(path, e))?;
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

    #[test]
    fn past_the_end_and_raw_modes_are_refused() {
        let mut c = ImageFile::new(std::io::Cursor::new(vec![7u8; 3 * SECTOR + 5])).unwrap();
        assert_eq!(c.sector_count(), Some(4));
        let mut buf = vec![0u8; SECTOR];
        c.read_sectors(3, 1, &mut buf).unwrap();
        assert_eq!(&buf[..6], &[7, 7, 7, 7, 7, 0]);
        assert!(matches!(
            c.read_sectors(4, 1, &mut buf),
            Err(MediaError::OutOfRange { total: 4, .. })
        ));
        let mut raw = vec![0u8; 2352];
        assert!(matches!(
            c.read(ReadMode::CdAudio, Lba::ZERO, 1, &mut raw),
            Err(MediaError::BadRequest { .. })
        ));
    }
}
