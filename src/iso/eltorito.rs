//! El Torito boot catalog (El Torito 1.0, Phoenix/IBM 1995): the validation entry, the
//! initial/default entry and the section headers and entries that follow (UEFI adds platform
//! 0xEF, UEFI 2.x §13.3.2.1). Each entry says where a boot image lies on the disc.

use super::bytes::{ascii_field, le16, le32};
use super::{IsoError, Result, SECTOR, SectorSource};
use serde::Serialize;

/// El Torito §2.0: catalog entries are 32 bytes.
const ENTRY: usize = 32;
/// Longest catalog followed (sectors); real ones are one sector (64 entries).
const MAX_CATALOG_SECTORS: u64 = 8;

/// The boot catalog as read from `lba`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BootCatalog {
    pub lba: u64,
    /// Validation entry (§2.1): platform and ID string of the manufacturer/developer.
    pub platform_id: u8,
    pub platform: &'static str,
    pub id_string: String,
    /// The initial/default entry first, then section entries in catalog order.
    pub entries: Vec<BootEntry>,
}

/// An initial/default entry (§2.2) or a section entry (§2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BootEntry {
    /// Platform of the validation entry (default entry) or of the section header.
    pub platform_id: u8,
    pub platform: &'static str,
    /// Boot indicator 0x88.
    pub bootable: bool,
    /// Boot media type, bits 0-3 (§2.2 offset 1).
    pub media_type: u8,
    pub emulation: &'static str,
    /// Load segment (0 means the BIOS default 0x7C0).
    pub load_segment: u16,
    /// System type (the boot image's partition type byte).
    pub system_type: u8,
    /// Virtual (512-byte) sectors loaded at boot.
    pub sector_count: u16,
    /// Load RBA: the 2048-byte sector where the boot image starts.
    pub load_lba: u32,
    /// ID string of the section header (section entries only).
    pub section_id: Option<String>,
    /// The file of the ISO 9660 tree that holds `load_lba`, if any (filled in by `inspect`).
    pub file: Option<String>,
}

/// §2.1 platform id; 0xEF is UEFI's.
pub fn platform_name(id: u8) -> &'static str {
    match id {
        0 => "x86",
        1 => "PowerPC",
        2 => "Mac",
        0xEF => "EFI",
        _ => "unknown",
    }
}

/// §2.2 boot media type (low nibble).
pub fn emulation_name(media: u8) -> &'static str {
    match media & 0x0F {
        0 => "none",
        1 => "1.2M floppy",
        2 => "1.44M floppy",
        3 => "2.88M floppy",
        4 => "hard disk",
        _ => "unknown",
    }
}

fn entry_of(e: &[u8], platform_id: u8, section_id: Option<String>) -> BootEntry {
    BootEntry {
        platform_id,
        platform: platform_name(platform_id),
        bootable: e[0] == 0x88,
        media_type: e[1] & 0x0F,
        emulation: emulation_name(e[1]),
        load_segment: le16(e, 2).unwrap_or(0),
        system_type: e[4],
        sector_count: le16(e, 6).unwrap_or(0),
        load_lba: le32(e, 8).unwrap_or(0),
        section_id,
        file: None,
    }
}

/// Parses a catalog held in `data` (a whole number of sectors read from `lba`). `more` is
/// called when the entries run past `data` and must append the next sector, or fail.
pub fn parse_catalog(
    lba: u64,
    data: &mut Vec<u8>,
    more: &mut dyn FnMut(&mut Vec<u8>) -> Result<()>,
) -> Result<BootCatalog> {
    let bad = |detail: String| IsoError::corrupt("El Torito boot catalog", lba, detail);
    let mut need = |data: &mut Vec<u8>, i: usize| -> Result<()> {
        while data.len() < (i + 1) * ENTRY {
            more(data)?;
        }
        Ok(())
    };
    need(data, 1)?;
    // §2.1 validation entry: header id 1, key 55 AA at 30-31, words sum to zero.
    let v = &data[..ENTRY];
    if v[0] != 1 || v[30] != 0x55 || v[31] != 0xAA {
        return Err(bad(format!(
            "no validation entry (header {:#04x}, key {:02X} {:02X})",
            v[0], v[30], v[31]
        )));
    }
    let sum = v.chunks_exact(2).fold(0u16, |s, w| {
        s.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
    });
    if sum != 0 {
        return Err(bad(format!(
            "validation entry checksum is off by {sum:#06x}"
        )));
    }
    let platform_id = v[1];
    let mut cat = BootCatalog {
        lba,
        platform_id,
        platform: platform_name(platform_id),
        id_string: ascii_field(&v[4..28]),
        entries: Vec::new(),
    };
    // §2.2 initial/default entry.
    let d = &data[ENTRY..2 * ENTRY];
    if d[0] != 0x88 && d[0] != 0 {
        return Err(bad(format!("default entry boot indicator {:#04x}", d[0])));
    }
    cat.entries.push(entry_of(d, platform_id, None));
    // §2.3/§2.4: section headers (0x90 more follow, 0x91 final), each with its entries; an
    // entry whose media byte has bit 5 set is followed by extensions (0x44, §2.5).
    let mut i = 2usize;
    loop {
        if data.len() < (i + 1) * ENTRY && data.len() as u64 >= MAX_CATALOG_SECTORS * SECTOR as u64
        {
            return Err(bad(format!("longer than {MAX_CATALOG_SECTORS} sectors")));
        }
        match need(data, i) {
            Ok(()) => {}
            // A catalog ending with its sector and the image is complete.
            Err(IsoError::Truncated { .. }) => break,
            Err(e) => return Err(e),
        }
        let h = &data[i * ENTRY..(i + 1) * ENTRY];
        let (kind, section_platform) = (h[0], h[1]);
        if kind != 0x90 && kind != 0x91 {
            break; // unused entries are zero
        }
        let count = le16(h, 2).unwrap_or(0) as usize;
        let id = ascii_field(&h[4..32]);
        i += 1;
        for _ in 0..count {
            if i as u64 >= MAX_CATALOG_SECTORS * (SECTOR / ENTRY) as u64 {
                return Err(bad(format!("longer than {MAX_CATALOG_SECTORS} sectors")));
            }
            need(data, i)?;
            let e = &data[i * ENTRY..(i + 1) * ENTRY];
            if e[0] != 0x88 && e[0] != 0 {
                return Err(bad(format!(
                    "section entry {} has boot indicator {:#04x}",
                    cat.entries.len(),
                    e[0]
                )));
            }
            let mut continued = e[1] & 0x20 != 0;
            cat.entries
                .push(entry_of(e, section_platform, Some(id.clone())));
            i += 1;
            while continued {
                if i as u64 >= MAX_CATALOG_SECTORS * (SECTOR / ENTRY) as u64 {
                    return Err(bad(format!("longer than {MAX_CATALOG_SECTORS} sectors")));
                }
                need(data, i)?;
                let x = &data[i * ENTRY..(i + 1) * ENTRY];
                if x[0] != 0x44 {
                    return Err(bad(format!(
                        "entry {i}: extension expected, found {:#04x}",
                        x[0]
                    )));
                }
                continued = x[1] & 0x20 != 0;
                i += 1;
            }
        }
        if kind == 0x91 {
            break;
        }
    }
    Ok(cat)
}

/// Reads and parses the boot catalog at `lba`.
pub fn read_boot_catalog<S: SectorSource + ?Sized>(src: &mut S, lba: u64) -> Result<BootCatalog> {
    let mut data = Vec::with_capacity(SECTOR);
    let mut next = lba;
    let mut more = |data: &mut Vec<u8>| -> Result<()> {
        if next >= lba + MAX_CATALOG_SECTORS {
            return Err(IsoError::corrupt(
                "El Torito boot catalog",
                lba,
                format!("longer than {MAX_CATALOG_SECTORS} sectors"),
            ));
        }
        let mut buf = vec![0u8; SECTOR];
        src.read_sectors(next, 1, &mut buf)?;
        data.extend_from_slice(&buf);
        next += 1;
        Ok(())
    };
    parse_catalog(lba, &mut data, &mut more)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A catalog laid out by hand from El Torito 1.0 figures 2-6: validation entry (x86, ID
    /// "TEST"), a bootable no-emulation default entry (4 sectors at RBA 0x22), a final section
    /// header for platform 0xEF with one entry (1.44M floppy emulation, 2880 sectors at RBA
    /// 0x24) followed by one extension.
    fn sample() -> Vec<u8> {
        let mut c = vec![0u8; SECTOR];
        // Validation entry: header 01, platform 00, ID "TEST", checksum, 55 AA.
        c[0] = 0x01;
        c[4..8].copy_from_slice(b"TEST");
        c[30] = 0x55;
        c[31] = 0xAA;
        // Words: 0x0001 + 0x4554 ("TE") + 0x5453 ("ST") + 0xAA55 + checksum == 0 (mod 2^16).
        let sum = 0x0001u32 + 0x4554 + 0x5453 + 0xAA55;
        let check = (0x1_0000 - (sum & 0xFFFF)) as u16;
        c[28..30].copy_from_slice(&check.to_le_bytes());
        // Default entry: 88, media 0, load segment 0, system type 0, 4 sectors, RBA 0x22.
        c[32] = 0x88;
        c[38] = 4;
        c[40] = 0x22;
        // Final section header: 91, platform EF, 1 entry, ID "UEFI".
        c[64] = 0x91;
        c[65] = 0xEF;
        c[66] = 1;
        c[68..72].copy_from_slice(b"UEFI");
        // Section entry: 88, media 2 with "extension follows" (bit 5), segment 0x07C0,
        // system type 6, 2880 sectors (0x0B40), RBA 0x24.
        c[96] = 0x88;
        c[97] = 0x22;
        c[98..100].copy_from_slice(&[0xC0, 0x07]);
        c[100] = 6;
        c[102..104].copy_from_slice(&[0x40, 0x0B]);
        c[104] = 0x24;
        // Extension: 44, no further extension.
        c[128] = 0x44;
        c
    }

    #[test]
    fn validation_default_section_and_extension() {
        let mut d = sample();
        let cat = parse_catalog(33, &mut d, &mut |_| panic!("one sector is enough")).unwrap();
        assert_eq!(cat.platform, "x86");
        assert_eq!(cat.id_string, "TEST");
        assert_eq!(cat.entries.len(), 2);
        let e0 = &cat.entries[0];
        assert!(e0.bootable);
        assert_eq!(
            (e0.emulation, e0.sector_count, e0.load_lba, e0.load_segment),
            ("none", 4, 0x22, 0)
        );
        let e1 = &cat.entries[1];
        assert_eq!((e1.platform_id, e1.platform), (0xEF, "EFI"));
        assert_eq!(e1.emulation, "1.44M floppy");
        assert_eq!(
            (
                e1.load_segment,
                e1.system_type,
                e1.sector_count,
                e1.load_lba
            ),
            (0x07C0, 6, 2880, 0x24)
        );
        assert_eq!(e1.section_id.as_deref(), Some("UEFI"));
    }

    #[test]
    fn bad_checksum_key_and_runaway_catalogs_are_errors() {
        let mut d = sample();
        d[29] ^= 1;
        let e = parse_catalog(33, &mut d, &mut |_| panic!()).unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
        let mut d = sample();
        d[31] = 0;
        assert!(parse_catalog(33, &mut d, &mut |_| panic!()).is_err());
        // A header claiming 65535 entries that keep going: bounded by MAX_CATALOG_SECTORS.
        let mut d = sample();
        d[66..68].copy_from_slice(&[0xFF, 0xFF]);
        let mut reads = 0;
        let e = parse_catalog(33, &mut d, &mut |v| {
            reads += 1;
            let mut s = vec![0u8; SECTOR];
            for e in s.chunks_exact_mut(ENTRY) {
                e[0] = 0x88;
            }
            v.extend_from_slice(&s);
            Ok(())
        })
        .unwrap_err();
        assert!(e.to_string().contains("longer than"), "{e}");
        assert!(reads < MAX_CATALOG_SECTORS as usize);
    }
}
