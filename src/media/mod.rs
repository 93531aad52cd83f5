//! One way to read sectors, from a drive's medium or from an image file.
//!
//! Every job and the file-system readers (`iso`) read through [`SectorSource`]: one trait,
//! four read modes (2048-byte user data; whole 2352-byte CD sectors, with C2 error pointers
//! and/or raw P-W sub-channel), one typed error ([`MediaError`], classified once by the
//! `scsi` layer's retry policy), and one rule for how many sectors one command may carry
//! ([`sectors_per_read`]). The drive side is [`DriveMedium`], the file side [`ImageFile`].

mod disc;
mod drive;
mod error;
mod image;

pub use disc::{Disc, MediumInfo, Track};
pub use drive::DriveMedium;
pub use error::{MediaError, ReadFault};
pub use image::ImageFile;

pub use crate::units::Lba;

/// Bytes of user data in a data sector (ECMA-119 §6.1.2 logical sector; MMC-6 Mode 1).
pub const SECTOR: usize = 2048;
/// Bytes of a whole CD sector as READ CD returns it (ECMA-130 §14: 98 frames × 24 bytes).
pub const CD_SECTOR: usize = 2352;
/// C2 error pointers READ CD adds per sector (MMC-6 Table 381: 2352 bits = 294 bytes).
pub const C2_BYTES: usize = 294;
/// Raw P-W sub-channel READ CD adds per sector (MMC-6 Table 383: 96 bytes).
pub const SUBCHANNEL_BYTES: usize = 96;

/// Largest transfer one read carries, whatever the transport allows: big enough that
/// command overhead vanishes, small enough that a failed read skips little.
pub const MAX_READ_BYTES: usize = 1 << 20;

/// How sectors are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// 2048-byte user data: READ(10)/READ(12) (MMC-6 §6.16, §6.17).
    Cooked,
    /// READ CD (MMC-6 §6.18) of user data only (2048 bytes of a Mode 1 sector), any track.
    CdUserData,
    /// READ CD of CD-DA sectors only (expected sector type 001b): 2352 bytes of audio.
    CdAudio,
    /// READ CD of whole sectors of any type: 2352 bytes of main channel, plus 294 bytes of
    /// C2 pointers and/or 96 bytes of raw P-W sub-channel when asked.
    Raw { c2: bool, subchannel: bool },
}

impl ReadMode {
    /// Bytes the source returns per sector in this mode.
    pub fn bytes_per_sector(self) -> usize {
        match self {
            ReadMode::Cooked | ReadMode::CdUserData => SECTOR,
            ReadMode::CdAudio => CD_SECTOR,
            ReadMode::Raw { c2, subchannel } => {
                CD_SECTOR
                    + if c2 { C2_BYTES } else { 0 }
                    + if subchannel { SUBCHANNEL_BYTES } else { 0 }
            }
        }
    }
}

/// Sectors one command may carry in `mode` through a transport that takes
/// `max_transfer_bytes` per command (at most [`MAX_READ_BYTES`]); at least 1.
pub fn sectors_per_read(max_transfer_bytes: usize, mode: ReadMode) -> u32 {
    let bytes = max_transfer_bytes.min(MAX_READ_BYTES);
    (bytes / mode.bytes_per_sector()).max(1) as u32
}

/// A random-access source of sectors: a drive's medium or an image file.
pub trait SectorSource {
    /// Reads `count` sectors from `lba` in `mode` into `buf` (`count ×
    /// mode.bytes_per_sector()` bytes), in as many commands as the transfer limit needs,
    /// stopping at the first failure. Medium errors are not retried here beyond the drive
    /// layer's policy: the caller owns the rescue strategy.
    fn read(
        &mut self,
        mode: ReadMode,
        lba: Lba,
        count: u32,
        buf: &mut [u8],
    ) -> Result<(), MediaError>;

    /// Readable sectors, if known (an image's length, a drive's READ CAPACITY or a track's
    /// end when the source was bounded to it).
    fn sector_count(&self) -> Option<u64>;

    /// Largest transfer in bytes one command may carry.
    fn max_transfer_bytes(&self) -> usize {
        MAX_READ_BYTES
    }

    /// How many sectors from `lba` (at most `max`) are known to read as zeros without reading
    /// them: the holes of a sparse image file. 0 where unknown (a drive, a cursor).
    fn zero_sectors(&mut self, _lba: u64, _max: u64) -> u64 {
        0
    }

    /// Sectors one command carries in `mode` (see [`sectors_per_read`]).
    fn sectors_per_read(&self, mode: ReadMode) -> u32 {
        sectors_per_read(self.max_transfer_bytes(), mode)
    }

    /// Reads `count` 2048-byte sectors at sector `lba` (the file-system readers' 64-bit
    /// sector numbers); on a failure of several sectors, reads
    /// them again one at a time so the error names the exact sector (a transient error
    /// may read now; the first that fails again is the error).
    fn read_sectors(&mut self, lba: u64, count: u32, buf: &mut [u8]) -> Result<(), MediaError> {
        check_buffer(ReadMode::Cooked, count, buf.len())?;
        self.check_range(lba, count.into())?;
        let lba = Lba::new(lba);
        if let Err(e) = self.read(ReadMode::Cooked, lba, count, buf) {
            if count <= 1 || matches!(e.fault(), ReadFault::Gone) {
                return Err(e);
            }
            for (i, one) in buf.chunks_mut(SECTOR).enumerate() {
                let at = lba
                    .checked_add(i as u64)
                    .ok_or_else(|| out_of_range(lba, count))?;
                self.read(ReadMode::Cooked, at, 1, one)?;
            }
        }
        Ok(())
    }

    /// Reads `len` bytes at byte `offset` (any alignment) of the 2048-byte sectors;
    /// bounded by the caller.
    fn read_bytes(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, MediaError> {
        let first = offset / SECTOR as u64;
        let skip = (offset % SECTOR as u64) as usize;
        let count = (skip + len).div_ceil(SECTOR);
        let count32 = u32::try_from(count).map_err(|_| MediaError::BadRequest {
            what: format!("a read of {len} bytes is too large"),
        })?;
        let mut buf = vec![0u8; count * SECTOR];
        self.read_sectors(first, count32, &mut buf)?;
        buf.drain(..skip);
        buf.truncate(len);
        Ok(buf)
    }

    /// Checks that `count` sectors at `lba` lie within the source, without reading them.
    fn check_range(&self, lba: u64, count: u64) -> Result<(), MediaError> {
        let total = self.sector_count();
        let end = lba.checked_add(count).ok_or(MediaError::OutOfRange {
            lba,
            end: u64::MAX,
            total: total.unwrap_or(0),
        })?;
        match total {
            Some(total) if end > total => Err(MediaError::OutOfRange { lba, end, total }),
            _ => Ok(()),
        }
    }
}

/// `count` sectors from `lba` run past the 64-bit LBA range.
fn out_of_range(lba: Lba, count: u32) -> MediaError {
    MediaError::OutOfRange {
        lba: lba.get(),
        end: u64::MAX,
        total: lba.get().saturating_add(u64::from(count)),
    }
}

/// The sectors of another source from `base` on, as a source of their own: a track or a
/// session read as if it began at LBA 0 (its file system addresses sectors that way).
pub struct Window<'a> {
    inner: &'a mut dyn SectorSource,
    base: Lba,
}

impl<'a> Window<'a> {
    pub fn new(inner: &'a mut dyn SectorSource, base: Lba) -> Self {
        Window { inner, base }
    }

    fn at(&self, lba: Lba) -> Result<Lba, MediaError> {
        self.base
            .checked_add(lba.get())
            .ok_or(MediaError::OutOfRange {
                lba: lba.get(),
                end: u64::MAX,
                total: self.sector_count().unwrap_or(0),
            })
    }
}

impl SectorSource for Window<'_> {
    fn read(
        &mut self,
        mode: ReadMode,
        lba: Lba,
        count: u32,
        buf: &mut [u8],
    ) -> Result<(), MediaError> {
        let at = self.at(lba)?;
        self.inner.read(mode, at, count, buf)
    }
    fn sector_count(&self) -> Option<u64> {
        self.inner
            .sector_count()
            .map(|n| n.saturating_sub(self.base.get()))
    }
    fn max_transfer_bytes(&self) -> usize {
        self.inner.max_transfer_bytes()
    }
    fn zero_sectors(&mut self, lba: u64, max: u64) -> u64 {
        match self.at(Lba::new(lba)) {
            Ok(at) => self.inner.zero_sectors(at.get(), max),
            Err(_) => 0,
        }
    }
}

/// The buffer must hold exactly `count` sectors of `mode`.
pub(crate) fn check_buffer(mode: ReadMode, count: u32, len: usize) -> Result<(), MediaError> {
    let want = count as usize * mode.bytes_per_sector();
    if len == want {
        Ok(())
    } else {
        Err(MediaError::BadRequest {
            what: format!("a buffer of {len} bytes for {count} sectors of {want} bytes in all"),
        })
    }
}

/// A source behind `&mut` or in a `Box` is a source: the methods forward, the provided ones
/// too where `T` may answer better than the default.
macro_rules! forward_sector_source {
    ($($ty:ty),*) => {$(
        impl<T: SectorSource + ?Sized> SectorSource for $ty {
            fn read(
                &mut self,
                mode: ReadMode,
                lba: Lba,
                count: u32,
                buf: &mut [u8],
            ) -> Result<(), MediaError> {
                (**self).read(mode, lba, count, buf)
            }
            fn sector_count(&self) -> Option<u64> {
                (**self).sector_count()
            }
            fn max_transfer_bytes(&self) -> usize {
                (**self).max_transfer_bytes()
            }
            fn zero_sectors(&mut self, lba: u64, max: u64) -> u64 {
                (**self).zero_sectors(lba, max)
            }
        }
    )*};
}

forward_sector_source!(&mut T, Box<T>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_per_sector_follow_mmc6_read_cd_fields() {
        // MMC-6 Table 379/381/383: 2352 main channel, +294 C2 pointers, +96 raw P-W.
        assert_eq!(ReadMode::Cooked.bytes_per_sector(), 2048);
        assert_eq!(ReadMode::CdUserData.bytes_per_sector(), 2048);
        assert_eq!(ReadMode::CdAudio.bytes_per_sector(), 2352);
        let raw = |c2, subchannel| ReadMode::Raw { c2, subchannel }.bytes_per_sector();
        assert_eq!(raw(false, false), 2352);
        assert_eq!(raw(true, false), 2646);
        assert_eq!(raw(false, true), 2448);
        assert_eq!(raw(true, true), 2742);
    }

    #[test]
    fn transfer_limits() {
        assert_eq!(sectors_per_read(64 * 1024, ReadMode::Cooked), 32);
        assert_eq!(sectors_per_read(usize::MAX, ReadMode::Cooked), 512);
        assert_eq!(sectors_per_read(1 << 20, ReadMode::CdAudio), 445);
        assert_eq!(sectors_per_read(100, ReadMode::Cooked), 1);
    }
}
