//! The system area's partition table (LBA 0 of the image, 512-byte sectors): MBR and GPT.
//! Bootable hybrid ISOs keep partitions (e.g. an EFI system partition) after the ISO 9660
//! volume; a rip must copy up to the end of the last one.

use super::bytes::{field, le32, le64};
use super::{Result, SectorSource};
use serde::Serialize;

/// Most GPT entries read.
const MAX_GPT_ENTRIES: u32 = 1024;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PartitionEntry {
    pub index: u32,
    /// MBR type byte as hex ("ef"), or the GPT type GUID.
    pub kind: String,
    pub first_sector: u64,
    pub sectors: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PartitionTable {
    /// "mbr" or "gpt".
    pub scheme: String,
    pub partitions: Vec<PartitionEntry>,
    /// End of the last partition in bytes (512-byte sectors × 512).
    pub end_bytes: u64,
}

fn guid(b: &[u8]) -> String {
    // UEFI 2.x §5.3.1: first three fields little-endian.
    format!(
        "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{}",
        le32(b, 0).unwrap_or(0),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        b[8],
        b[9],
        b[10..16]
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    )
}

/// Reads the MBR (and a GPT behind a protective MBR). `None` if there is no 0x55AA signature
/// or no partition.
pub fn read_partition_table<S: SectorSource + ?Sized>(
    src: &mut S,
) -> Result<Option<PartitionTable>> {
    let lba0 = src.read_bytes(0, 512)?;
    if lba0[510] != 0x55 || lba0[511] != 0xAA {
        return Ok(None);
    }
    let mut parts = Vec::new();
    let mut protective = false;
    for i in 0..4 {
        // MBR entry at 446 + 16 i: type at 4, first LBA at 8, sector count at 12.
        let e = &lba0[446 + 16 * i..462 + 16 * i];
        let kind = e[4];
        let first = le32(e, 8).unwrap_or(0) as u64;
        let n = le32(e, 12).unwrap_or(0) as u64;
        if kind == 0 || n == 0 {
            continue;
        }
        protective |= kind == 0xEE;
        parts.push(PartitionEntry {
            index: i as u32 + 1,
            kind: format!("{kind:02x}"),
            first_sector: first,
            sectors: n,
        });
    }
    if protective && let Some(gpt) = read_gpt(src)? {
        return Ok(Some(gpt));
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let end = parts
        .iter()
        .map(|p| p.first_sector + p.sectors)
        .max()
        .unwrap_or(0)
        * 512;
    Ok(Some(PartitionTable {
        scheme: "mbr".into(),
        partitions: parts,
        end_bytes: end,
    }))
}

/// UEFI GPT header at 512-byte LBA 1: "EFI PART"; entries LBA at 72, count at 80, size at 84.
fn read_gpt<S: SectorSource + ?Sized>(src: &mut S) -> Result<Option<PartitionTable>> {
    let h = src.read_bytes(512, 512)?;
    if field(&h, 0, 8) != Some(b"EFI PART") {
        return Ok(None);
    }
    let entries_lba = le64(&h, 72).unwrap_or(0);
    let count = le32(&h, 80).unwrap_or(0).min(MAX_GPT_ENTRIES);
    let size = le32(&h, 84).unwrap_or(0);
    if !(128..=4096).contains(&size) || entries_lba == 0 || entries_lba > u32::MAX as u64 {
        return Ok(None);
    }
    let bytes = src.read_bytes(entries_lba * 512, (count * size) as usize)?;
    let mut parts = Vec::new();
    for (i, e) in bytes.chunks_exact(size as usize).enumerate() {
        if e[..16].iter().all(|&b| b == 0) {
            continue;
        }
        let first = le64(e, 32).unwrap_or(0);
        let last = le64(e, 40).unwrap_or(0);
        if last < first {
            continue;
        }
        parts.push(PartitionEntry {
            index: i as u32 + 1,
            kind: guid(&e[..16]),
            first_sector: first,
            sectors: last - first + 1,
        });
    }
    let end = parts
        .iter()
        .map(|p| p.first_sector.saturating_add(p.sectors))
        .max()
        .unwrap_or(0)
        .saturating_mul(512);
    Ok(Some(PartitionTable {
        scheme: "gpt".into(),
        partitions: parts,
        end_bytes: end,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso::ImageFile;
    use std::io::Cursor;

    #[test]
    fn mbr_end_of_last_partition() {
        let mut img = vec![0u8; 4096];
        // Entry 1: type 0x17 at 0, 100 sectors; entry 2: type 0xEF at 100, 28 sectors.
        img[446 + 4] = 0x17;
        img[446 + 12..446 + 16].copy_from_slice(&100u32.to_le_bytes());
        img[462 + 4] = 0xEF;
        img[462 + 8..462 + 12].copy_from_slice(&100u32.to_le_bytes());
        img[462 + 12..462 + 16].copy_from_slice(&28u32.to_le_bytes());
        img[510] = 0x55;
        img[511] = 0xAA;
        let mut src = ImageFile::new(Cursor::new(img)).unwrap();
        let t = read_partition_table(&mut src).unwrap().unwrap();
        assert_eq!(t.scheme, "mbr");
        assert_eq!(t.end_bytes, 128 * 512);
    }
}
