//! SPC-4 primary commands an MMC drive answers: TEST UNIT READY, REQUEST SENSE, INQUIRY,
//! MODE SENSE(10), MODE SELECT(10), PREVENT ALLOW MEDIUM REMOVAL.

use super::{ParseError, ascii, need};
use serde::Serialize;

/// TEST UNIT READY (SPC-4 §6.37): 6-byte CDB, opcode 00h.
pub fn test_unit_ready() -> [u8; 6] {
    [0x00, 0, 0, 0, 0, 0]
}

/// REQUEST SENSE (SPC-4 §6.29): opcode 03h, DESC bit (byte 1 bit 0), ALLOCATION LENGTH byte 4.
pub fn request_sense(allocation_length: u8, desc: bool) -> [u8; 6] {
    [0x03, u8::from(desc), 0, 0, allocation_length, 0]
}

/// INQUIRY (SPC-4 §6.4): opcode 12h, EVPD byte 1 bit 0, PAGE CODE byte 2, ALLOCATION LENGTH
/// bytes 3..=4.
pub fn inquiry(allocation_length: u16, evpd_page: Option<u8>) -> [u8; 6] {
    let [hi, lo] = allocation_length.to_be_bytes();
    match evpd_page {
        Some(p) => [0x12, 0x01, p, hi, lo, 0],
        None => [0x12, 0x00, 0, hi, lo, 0],
    }
}

/// PERIPHERAL DEVICE TYPE 05h: CD/DVD device (SPC-4 Table 141).
pub const PERIPHERAL_DEVICE_TYPE_CD_DVD: u8 = 0x05;

/// Standard INQUIRY data (SPC-4 §6.4.2, Table 140), the fields discrw uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InquiryData {
    /// Byte 0 bits 7..5.
    pub peripheral_qualifier: u8,
    /// Byte 0 bits 4..0 (05h for CD/DVD devices).
    pub peripheral_device_type: u8,
    /// Byte 1 bit 7: RMB.
    pub removable: bool,
    /// Byte 2: VERSION.
    pub version: u8,
    /// Bytes 8..=15: T10 VENDOR IDENTIFICATION.
    pub vendor: String,
    /// Bytes 16..=31: PRODUCT IDENTIFICATION.
    pub product: String,
    /// Bytes 32..=35: PRODUCT REVISION LEVEL.
    pub revision: String,
}

/// Parse standard INQUIRY data; needs the 36 bytes that carry the identification strings.
pub fn parse_inquiry(d: &[u8]) -> Result<InquiryData, ParseError> {
    need("INQUIRY data", d, 36)?;
    Ok(InquiryData {
        peripheral_qualifier: d[0] >> 5,
        peripheral_device_type: d[0] & 0x1F,
        removable: d[1] & 0x80 != 0,
        version: d[2],
        vendor: ascii(&d[8..16]),
        product: ascii(&d[16..32]),
        revision: ascii(&d[32..36]),
    })
}

/// PAGE CONTROL field of MODE SENSE (SPC-4 §6.11, Table 97).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageControl {
    Current = 0,
    Changeable = 1,
    Default = 2,
    Saved = 3,
}

/// MODE SENSE(10) (SPC-4 §6.12): opcode 5Ah, DBD byte 1 bit 3, PC byte 2 bits 7..6, PAGE
/// CODE byte 2 bits 5..0, ALLOCATION LENGTH bytes 7..=8.
pub fn mode_sense_10(
    page_code: u8,
    pc: PageControl,
    dbd: bool,
    allocation_length: u16,
) -> [u8; 10] {
    let [hi, lo] = allocation_length.to_be_bytes();
    [
        0x5A,
        if dbd { 0x08 } else { 0 },
        ((pc as u8) << 6) | (page_code & 0x3F),
        0,
        0,
        0,
        0,
        hi,
        lo,
        0,
    ]
}

/// MODE SELECT(10) (SPC-4 §6.10): opcode 55h, PF byte 1 bit 4, SP bit 0, PARAMETER LIST
/// LENGTH bytes 7..=8. MMC drives want PF set.
pub fn mode_select_10(parameter_list_length: u16, save_pages: bool) -> [u8; 10] {
    let [hi, lo] = parameter_list_length.to_be_bytes();
    [0x55, 0x10 | u8::from(save_pages), 0, 0, 0, 0, 0, hi, lo, 0]
}

/// PREVENT ALLOW MEDIUM REMOVAL (SPC-4 §6.13, MMC-6 §6.25): opcode 1Eh, PREVENT byte 4 bits
/// 1..0 (01b = prevent removal of the medium).
pub fn prevent_allow_medium_removal(prevent: bool) -> [u8; 6] {
    [0x1E, 0, 0, 0, u8::from(prevent), 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdbs_match_spc4_tables() {
        assert_eq!(test_unit_ready(), [0, 0, 0, 0, 0, 0]);
        assert_eq!(request_sense(252, false), [0x03, 0, 0, 0, 0xFC, 0]);
        assert_eq!(inquiry(96, None), [0x12, 0, 0, 0, 0x60, 0]);
        assert_eq!(inquiry(0x100, Some(0x80)), [0x12, 1, 0x80, 0x01, 0x00, 0]);
        assert_eq!(
            mode_sense_10(0x2A, PageControl::Current, true, 0x0100),
            [0x5A, 0x08, 0x2A, 0, 0, 0, 0, 0x01, 0x00, 0]
        );
        assert_eq!(
            mode_sense_10(0x05, PageControl::Changeable, false, 60),
            [0x5A, 0, 0x45, 0, 0, 0, 0, 0, 60, 0]
        );
        assert_eq!(
            mode_select_10(60, false),
            [0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0]
        );
        assert_eq!(prevent_allow_medium_removal(true), [0x1E, 0, 0, 0, 1, 0]);
        assert_eq!(prevent_allow_medium_removal(false), [0x1E, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn inquiry_data_of_a_dvd_writer() {
        // Layout per SPC-4 Table 140: type 05h, RMB, version 0, ATAPI response format 2.
        let mut d = vec![0x05, 0x80, 0x00, 0x32, 0x1F, 0, 0, 0];
        d.extend_from_slice(b"HL-DT-STDVDRAM GH24NSD1 LG00");
        assert_eq!(d.len(), 36);
        let q = parse_inquiry(&d).unwrap();
        assert_eq!(q.peripheral_device_type, 5);
        assert!(q.removable);
        assert_eq!(q.vendor, "HL-DT-ST");
        assert_eq!(q.product, "DVDRAM GH24NSD1");
        assert_eq!(q.revision, "LG00");
        assert!(matches!(
            parse_inquiry(&d[..20]),
            Err(ParseError::Short { .. })
        ));
    }
}
