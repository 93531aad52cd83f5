//! UDF detection: the Anchor Volume Descriptor Pointer at sector 256 (ECMA-167 3/10.2) and the
//! Partition and Logical Volume descriptors of the main volume descriptor sequence.

use super::bytes::{field, le16, le32};
use super::{Result, SECTOR, SectorSource};
use serde::Serialize;

/// ECMA-167 3/8.4.2.1: the first anchor point.
const ANCHOR: u64 = 256;
/// Most descriptors read from the main volume descriptor sequence.
const MAX_VDS_BLOCKS: u64 = 64;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UdfInfo {
    /// Logical block size the anchor was found with.
    pub block_size: u32,
    /// Descriptor version of the anchor's tag (2: ECMA-167 2nd ed. / NSR02, 3: NSR03).
    pub descriptor_version: u16,
    /// UDF revision from the LVD domain identifier suffix (UDF 2.1.5.3), e.g. "2.01".
    pub udf_revision: Option<String>,
    pub logical_volume_id: Option<String>,
    /// Partition descriptor (ECMA-167 3/10.5): start and length in blocks.
    pub partition_start: Option<u32>,
    pub partition_length: Option<u32>,
    /// End of the UDF volume in 2048-byte sectors: last anchor + 1 if found, else partition end.
    pub volume_end_sectors: u64,
}

/// ECMA-167 3/7.2: descriptor tag; checksum is the byte sum of 0-3 and 5-15.
fn tag_ok(b: &[u8], want_id: Option<u16>, want_loc: u64) -> Option<u16> {
    let t = field(b, 0, 16)?;
    let sum = t
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .fold(0u8, |a, (_, &x)| a.wrapping_add(x));
    let id = le16(t, 0)?;
    let ok = sum == t[4]
        && want_id.is_none_or(|w| w == id)
        && le32(t, 12).map(u64::from) == Some(want_loc);
    ok.then_some(id)
}

fn read_block<S: SectorSource + ?Sized>(src: &mut S, bs: u64, block: u64) -> Result<Vec<u8>> {
    Ok(src.read_bytes(block * bs, bs as usize)?)
}

/// ECMA-167 1/7.2.12 dstring: compression id 8 (8-bit) or 16 (UCS-2 BE); last byte = length.
fn dstring(b: &[u8]) -> Option<String> {
    let used = *b.last()? as usize;
    let body = b.get(1..used.min(b.len().saturating_sub(1)))?;
    match b.first()? {
        8 => Some(body.iter().map(|&c| c as char).collect()),
        16 => Some(super::bytes::ucs2_field(body)),
        _ => None,
    }
}

/// Looks for a UDF anchor with each common block size; `None` if there is none.
pub fn detect_udf<S: SectorSource + ?Sized>(src: &mut S) -> Result<Option<UdfInfo>> {
    for bs in [2048u64, 512, 4096, 1024] {
        if let Some(total) = src.sector_count()
            && (ANCHOR + 1) * bs > total * SECTOR as u64
        {
            continue;
        }
        let avdp = match read_block(src, bs, ANCHOR) {
            Ok(b) => b,
            Err(_) => continue,
        };
        let Some(version) = tag_ok(&avdp, Some(2), ANCHOR).and_then(|_| le16(&avdp, 2)) else {
            continue;
        };
        let mut info = UdfInfo {
            block_size: bs as u32,
            descriptor_version: version,
            udf_revision: None,
            logical_volume_id: None,
            partition_start: None,
            partition_length: None,
            volume_end_sectors: 0,
        };
        // ECMA-167 3/10.2: main VDS extent_ad at BP 16 (length, then location).
        let len = le32(&avdp, 16).unwrap_or(0) as u64;
        let loc = le32(&avdp, 20).unwrap_or(0) as u64;
        let blocks = len.div_ceil(bs).min(MAX_VDS_BLOCKS);
        for i in 0..blocks {
            let Ok(d) = read_block(src, bs, loc + i) else {
                break;
            };
            match tag_ok(&d, None, loc + i) {
                Some(5) => {
                    // ECMA-167 3/10.5: starting location BP 188, length BP 192.
                    info.partition_start = le32(&d, 188);
                    info.partition_length = le32(&d, 192);
                }
                Some(6) => {
                    // ECMA-167 3/10.6: LV identifier BP 84 (dstring 128); domain id BP 216,
                    // suffix BP 240 holds the UDF revision (UDF 2.1.5.3).
                    info.logical_volume_id = field(&d, 84, 128).and_then(dstring);
                    if field(&d, 217, 19) == Some(b"*OSTA UDF Compliant") {
                        info.udf_revision =
                            le16(&d, 240).map(|r| format!("{:x}.{:02x}", r >> 8, r & 0xff));
                    }
                }
                Some(8) => break, // terminating descriptor
                Some(_) => {}
                None => break,
            }
        }
        let part_end = match (info.partition_start, info.partition_length) {
            (Some(s), Some(l)) => (s as u64 + l as u64) * bs,
            _ => (ANCHOR + 1) * bs,
        };
        let mut end = part_end;
        if let Some(total) = src.sector_count() {
            let nblocks = total * SECTOR as u64 / bs;
            for cand in [nblocks.saturating_sub(1), nblocks.saturating_sub(257)] {
                if cand > ANCHOR
                    && let Ok(b) = read_block(src, bs, cand)
                    && tag_ok(&b, Some(2), cand).is_some()
                {
                    end = end.max((cand + 1) * bs);
                    break;
                }
            }
        }
        info.volume_end_sectors = end.div_ceil(SECTOR as u64);
        return Ok(Some(info));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_checksum() {
        // ECMA-167 3/7.2: tag id 2, version 2, checksum over bytes 0-3 and 5-15, location 256.
        let mut t = [0u8; 16];
        t[0] = 2;
        t[2] = 2;
        t[12..16].copy_from_slice(&256u32.to_le_bytes());
        t[4] = 2 + 2 + 1; // 0x02 + 0x02 + 0x01 (256 = 00 01 00 00)
        assert_eq!(tag_ok(&t, Some(2), 256), Some(2));
        t[4] ^= 1;
        assert_eq!(tag_ok(&t, Some(2), 256), None);
    }

    #[test]
    fn dstrings() {
        let mut b = [0u8; 8];
        b[0] = 8;
        b[1..4].copy_from_slice(b"LV1");
        b[7] = 4;
        assert_eq!(dstring(&b).as_deref(), Some("LV1"));
        b[7] = 200;
        assert_eq!(dstring(&b).as_deref(), Some("LV1\0\0\0"));
    }
}
