//! A drive's medium as an [`iso::SectorSource`]: READ(10) of 2048-byte sectors, bounded by the
//! medium's readable size, so `discrw iso info|ls|extract|lba` read a disc as they read an
//! image file.

use super::Drive;
use crate::iso::{self, IsoError, SECTOR, SectorSource};
use crate::transport::Transport;

/// Most sectors one READ(10) asks for (64 KiB, what every transport carries).
const MAX_SECTORS: u64 = 32;

/// Reads the medium of `drive` as 2048-byte sectors `0..sectors`.
pub struct DriveSectors<T: Transport> {
    drive: Drive<T>,
    sectors: u64,
    max: u64,
}

impl<T: Transport> DriveSectors<T> {
    /// `sectors`: the readable size (READ CAPACITY's last LBA + 1, or a track's end); reads
    /// past it are [`IsoError::Truncated`] without asking the drive.
    pub fn new(drive: Drive<T>, sectors: u64) -> Self {
        let max = (drive.max_transfer_bytes() / SECTOR).clamp(1, MAX_SECTORS as usize) as u64;
        DriveSectors {
            drive,
            sectors,
            max,
        }
    }

    pub fn into_drive(self) -> Drive<T> {
        self.drive
    }
}

impl<T: Transport> DriveSectors<T> {
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> iso::Result<()> {
        let blocks = (buf.len() / SECTOR) as u16;
        let lba32 = u32::try_from(lba).map_err(|_| IsoError::Read {
            lba,
            detail: format!("LBA {lba} is out of range for READ(10)"),
        })?;
        self.drive
            .read_10(lba32, blocks, buf, false)
            .map_err(|e| IsoError::Read {
                lba,
                detail: e.to_string(),
            })
    }
}

impl<T: Transport> SectorSource for DriveSectors<T> {
    fn read_sectors(&mut self, lba: u64, count: u32, buf: &mut [u8]) -> iso::Result<()> {
        if buf.len() != count as usize * SECTOR {
            return Err(IsoError::Limit(format!(
                "read_sectors: buffer of {} bytes for {count} sectors",
                buf.len()
            )));
        }
        self.check_range(lba, count.into())?;
        for (i, chunk) in buf.chunks_mut(self.max as usize * SECTOR).enumerate() {
            let at = lba + i as u64 * self.max;
            if self.read(at, chunk).is_err() {
                // Name the exact sector: read the chunk again one sector at a time (a
                // transient error may read now; the first that fails again is the error).
                for (j, one) in chunk.chunks_mut(SECTOR).enumerate() {
                    self.read(at + j as u64, one)?;
                }
            }
        }
        Ok(())
    }

    fn sector_count(&self) -> Option<u64> {
        Some(self.sectors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::VirtualClock;
    use crate::emu::{EmuDrive, MediaKind};
    use std::sync::Arc;

    #[test]
    fn reads_the_medium_within_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.vdisc");
        // 40 sectors, each filled with its own LBA's low byte.
        let img: Vec<u8> = (0..40u8).flat_map(|i| vec![i; SECTOR]).collect();
        let imgp = dir.path().join("i.iso");
        std::fs::write(&imgp, &img).unwrap();
        crate::emu::create(
            &p,
            &crate::emu::CreateOptions {
                kind: MediaKind::DvdRom,
                from: Some(imgp),
                capacity: None,
                faults: None,
            },
        )
        .unwrap();
        let clock: crate::clock::SharedClock = Arc::new(VirtualClock::new());
        let emu = EmuDrive::open(&p, clock.clone()).unwrap();
        let mut src = DriveSectors::new(Drive::with_clock(emu, clock), 40);
        let mut buf = vec![0u8; 35 * SECTOR];
        src.read_sectors(3, 35, &mut buf).unwrap();
        assert_eq!(&buf[..], &img[3 * SECTOR..38 * SECTOR]);
        let mut one = vec![0u8; SECTOR];
        assert!(matches!(
            src.read_sectors(40, 1, &mut one),
            Err(IsoError::Truncated { total: 40, .. })
        ));
    }
}
