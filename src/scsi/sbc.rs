//! Block commands MMC drives take from SBC-3 (as MMC-6 §6 restates them): START STOP UNIT,
//! READ CAPACITY(10), READ(10)/(12), WRITE(10)/(12), SYNCHRONIZE CACHE(10).

use super::{ParseError, be32, need};
use serde::Serialize;

/// What START STOP UNIT should do with the medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartStop {
    /// Spin down (START 0, LOEJ 0).
    Stop,
    /// Spin up (START 1, LOEJ 0).
    Start,
    /// Open the tray / eject (START 0, LOEJ 1).
    Eject,
    /// Close the tray / load (START 1, LOEJ 1).
    Load,
}

/// START STOP UNIT (MMC-6 §6.42, SBC-3 §5.25): opcode 1Bh, IMMED byte 1 bit 0, LOEJ byte 4
/// bit 1, START byte 4 bit 0.
pub fn start_stop_unit(action: StartStop, immed: bool) -> [u8; 6] {
    let b4 = match action {
        StartStop::Stop => 0x00,
        StartStop::Start => 0x01,
        StartStop::Eject => 0x02,
        StartStop::Load => 0x03,
    };
    [0x1B, u8::from(immed), 0, 0, b4, 0]
}

/// READ CAPACITY(10) (MMC-6 §6.23, SBC-3 §5.16): opcode 25h, no parameters for MMC.
pub fn read_capacity_10() -> [u8; 10] {
    [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]
}

/// READ CAPACITY(10) data (MMC-6 Table 503).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capacity {
    /// Bytes 0..=3: LOGICAL BLOCK ADDRESS of the last readable block.
    pub last_lba: u32,
    /// Bytes 4..=7: BLOCK LENGTH IN BYTES (2048 for data discs).
    pub block_length: u32,
}

pub fn parse_read_capacity_10(d: &[u8]) -> Result<Capacity, ParseError> {
    need("READ CAPACITY(10) data", d, 8)?;
    Ok(Capacity {
        last_lba: be32(d, 0),
        block_length: be32(d, 4),
    })
}

/// The 10-byte READ/WRITE layout shared by READ(10) and WRITE(10) (SBC-3 §5.11, §5.35): opcode,
/// FUA byte 1 bit 3, LBA bytes 2..=5, TRANSFER LENGTH bytes 7..=8.
fn cdb_10(opcode: u8, lba: u32, blocks: u16, fua: bool) -> [u8; 10] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    let flags = if fua { 0x08 } else { 0 };
    [opcode, flags, l[0], l[1], l[2], l[3], 0, n[0], n[1], 0]
}

/// The 12-byte layout shared by READ(12) and WRITE(12): opcode, FUA byte 1 bit 3, LBA bytes
/// 2..=5, TRANSFER LENGTH bytes 6..=9, STREAMING byte 10 bit 7.
fn cdb_12(opcode: u8, lba: u32, blocks: u32, fua: bool, streaming: bool) -> [u8; 12] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    let flags = if fua { 0x08 } else { 0 };
    let stream = if streaming { 0x80 } else { 0 };
    [
        opcode, flags, l[0], l[1], l[2], l[3], n[0], n[1], n[2], n[3], stream, 0,
    ]
}

/// READ(10) (MMC-6 §6.16): opcode 28h, FUA byte 1 bit 3, LBA bytes 2..=5, TRANSFER LENGTH
/// bytes 7..=8.
pub fn read_10(lba: u32, blocks: u16, fua: bool) -> [u8; 10] {
    cdb_10(0x28, lba, blocks, fua)
}

/// READ(12) (MMC-6 §6.17): opcode A8h, FUA byte 1 bit 3, LBA bytes 2..=5, TRANSFER LENGTH
/// bytes 6..=9, STREAMING byte 10 bit 7.
pub fn read_12(lba: u32, blocks: u32, fua: bool, streaming: bool) -> [u8; 12] {
    cdb_12(0xA8, lba, blocks, fua, streaming)
}

/// WRITE(10) (MMC-6 §6.45): opcode 2Ah, FUA byte 1 bit 3, LBA bytes 2..=5, TRANSFER LENGTH
/// bytes 7..=8.
pub fn write_10(lba: u32, blocks: u16, fua: bool) -> [u8; 10] {
    cdb_10(0x2A, lba, blocks, fua)
}

/// WRITE(12) (MMC-6 §6.46): opcode AAh, FUA byte 1 bit 3, LBA bytes 2..=5, TRANSFER LENGTH
/// bytes 6..=9, STREAMING byte 10 bit 7.
pub fn write_12(lba: u32, blocks: u32, fua: bool, streaming: bool) -> [u8; 12] {
    cdb_12(0xAA, lba, blocks, fua, streaming)
}

/// SYNCHRONIZE CACHE(10) (MMC-6 §6.44): opcode 35h, IMMED byte 1 bit 1; LBA and NUMBER OF
/// BLOCKS zero = the whole cache, which is what a burner wants.
pub fn synchronize_cache_10(immed: bool) -> [u8; 10] {
    [0x35, if immed { 0x02 } else { 0 }, 0, 0, 0, 0, 0, 0, 0, 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdbs_match_mmc6_tables() {
        assert_eq!(
            start_stop_unit(StartStop::Eject, false),
            [0x1B, 0, 0, 0, 0x02, 0]
        );
        assert_eq!(
            start_stop_unit(StartStop::Load, true),
            [0x1B, 1, 0, 0, 0x03, 0]
        );
        assert_eq!(
            start_stop_unit(StartStop::Stop, false),
            [0x1B, 0, 0, 0, 0, 0]
        );
        assert_eq!(read_capacity_10(), [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            read_10(0x1234, 16, false),
            [0x28, 0, 0, 0, 0x12, 0x34, 0, 0, 0x10, 0]
        );
        assert_eq!(
            read_10(0x0102_0304, 0x0506, true),
            [0x28, 0x08, 1, 2, 3, 4, 0, 5, 6, 0]
        );
        assert_eq!(
            read_12(0x0102_0304, 0x0506_0708, true, true),
            [0xA8, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x80, 0]
        );
        assert_eq!(
            write_10(1234, 32, false),
            [0x2A, 0, 0, 0, 0x04, 0xD2, 0, 0, 0x20, 0]
        );
        assert_eq!(
            write_12(0x10, 0x20, false, true),
            [0xAA, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0x80, 0]
        );
        assert_eq!(
            synchronize_cache_10(true),
            [0x35, 0x02, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            synchronize_cache_10(false),
            [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn read_capacity_data() {
        // 4.7 GB DVD+R: last LBA 2295231 (0x0023_05BF), block length 2048.
        let c = parse_read_capacity_10(&[0x00, 0x23, 0x05, 0xBF, 0, 0, 0x08, 0]).unwrap();
        assert_eq!(c.last_lba, 2_295_231);
        assert_eq!(c.block_length, 2048);
        assert!(parse_read_capacity_10(&[0; 7]).is_err());
    }
}
