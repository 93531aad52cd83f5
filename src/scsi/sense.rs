//! Sense data (SPC-4 §4.5): fixed (70h/71h) and descriptor (72h/73h) formats decoded into
//! one shape, and one-line text like `NOT READY, medium not present (02/3A/00)`.

use super::{asc_table, be16, be32, be64};
use serde::Serialize;
use std::fmt;

/// SENSE KEY (SPC-4 §4.5.6, Table 52).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SenseKey(pub u8);

impl SenseKey {
    pub const NO_SENSE: SenseKey = SenseKey(0x0);
    pub const RECOVERED_ERROR: SenseKey = SenseKey(0x1);
    pub const NOT_READY: SenseKey = SenseKey(0x2);
    pub const MEDIUM_ERROR: SenseKey = SenseKey(0x3);
    pub const HARDWARE_ERROR: SenseKey = SenseKey(0x4);
    pub const ILLEGAL_REQUEST: SenseKey = SenseKey(0x5);
    pub const UNIT_ATTENTION: SenseKey = SenseKey(0x6);
    pub const DATA_PROTECT: SenseKey = SenseKey(0x7);
    pub const BLANK_CHECK: SenseKey = SenseKey(0x8);
    pub const VENDOR_SPECIFIC: SenseKey = SenseKey(0x9);
    pub const COPY_ABORTED: SenseKey = SenseKey(0xA);
    pub const ABORTED_COMMAND: SenseKey = SenseKey(0xB);
    pub const VOLUME_OVERFLOW: SenseKey = SenseKey(0xD);
    pub const MISCOMPARE: SenseKey = SenseKey(0xE);
    pub const COMPLETED: SenseKey = SenseKey(0xF);

    /// The spec's name, upper case as SPC-4 prints it.
    pub fn name(self) -> &'static str {
        match self.0 {
            0x0 => "NO SENSE",
            0x1 => "RECOVERED ERROR",
            0x2 => "NOT READY",
            0x3 => "MEDIUM ERROR",
            0x4 => "HARDWARE ERROR",
            0x5 => "ILLEGAL REQUEST",
            0x6 => "UNIT ATTENTION",
            0x7 => "DATA PROTECT",
            0x8 => "BLANK CHECK",
            0x9 => "VENDOR SPECIFIC",
            0xA => "COPY ABORTED",
            0xB => "ABORTED COMMAND",
            0xD => "VOLUME OVERFLOW",
            0xE => "MISCOMPARE",
            0xF => "COMPLETED",
            _ => "RESERVED SENSE KEY",
        }
    }
}

/// Decoded sense data, whichever format the device used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sense {
    /// RESPONSE CODE: 70h/72h current, 71h/73h deferred.
    pub response_code: u8,
    /// True for deferred errors (71h/73h): the error belongs to an earlier command.
    pub deferred: bool,
    pub sense_key: SenseKey,
    /// ADDITIONAL SENSE CODE.
    pub asc: u8,
    /// ADDITIONAL SENSE CODE QUALIFIER.
    pub ascq: u8,
    /// INFORMATION field, only when the device marked it VALID (fixed format VALID bit,
    /// descriptor format information descriptor 00h with its VALID bit).
    pub information: Option<u64>,
    /// PROGRESS INDICATION (sense-key specific, SKSV set) for NOT READY and NO SENSE:
    /// numerator of a fraction of 65536.
    pub progress: Option<u16>,
}

impl Sense {
    /// Decode sense bytes (SPC-4 §4.5.2 descriptor format, §4.5.3 fixed format).
    /// `None` when there are no bytes or the response code is not 70h–73h.
    pub fn parse(d: &[u8]) -> Option<Sense> {
        let code = d.first()? & 0x7F;
        match code {
            0x70 | 0x71 => Some(Self::parse_fixed(d, code)),
            0x72 | 0x73 => Some(Self::parse_descriptor(d, code)),
            _ => None,
        }
    }

    /// Fixed format, SPC-4 Table 48. Devices may return fewer than 18 bytes; fields past
    /// the end read as absent.
    fn parse_fixed(d: &[u8], code: u8) -> Sense {
        let byte = |i: usize| d.get(i).copied().unwrap_or(0);
        // Byte 0 bit 7: VALID (information field is meaningful).
        let valid = d[0] & 0x80 != 0;
        // Bytes 3..=6: INFORMATION.
        let information = (valid && d.len() >= 7).then(|| u64::from(be32(d, 3)));
        // Byte 2 bits 3..0: SENSE KEY. Bytes 12, 13: ASC, ASCQ.
        let sense_key = SenseKey(byte(2) & 0x0F);
        // Bytes 15..=17: SKSV (byte 15 bit 7) and the sense-key specific field; for
        // NOT READY / NO SENSE bytes 16..=17 are the PROGRESS INDICATION (Table 56).
        let progress = (d.len() >= 18
            && d[15] & 0x80 != 0
            && matches!(sense_key, SenseKey::NOT_READY | SenseKey::NO_SENSE))
        .then(|| be16(d, 16));
        Sense {
            response_code: code,
            deferred: code == 0x71,
            sense_key,
            asc: byte(12),
            ascq: byte(13),
            information,
            progress,
        }
    }

    /// Descriptor format, SPC-4 Table 23, with descriptors from byte 8.
    fn parse_descriptor(d: &[u8], code: u8) -> Sense {
        let byte = |i: usize| d.get(i).copied().unwrap_or(0);
        // Byte 1 bits 3..0: SENSE KEY; byte 2 ASC; byte 3 ASCQ; byte 7 ADDITIONAL SENSE LENGTH.
        let sense_key = SenseKey(byte(1) & 0x0F);
        let end = (8 + usize::from(byte(7))).min(d.len());
        let mut information = None;
        let mut progress = None;
        let mut at = 8;
        while at + 2 <= end {
            // Each descriptor: byte 0 DESCRIPTOR TYPE, byte 1 ADDITIONAL LENGTH.
            let kind = d[at];
            let len = 2 + usize::from(d[at + 1]);
            let desc = &d[at..(at + len).min(end)];
            match kind {
                // Information descriptor (SPC-4 §4.5.2.2): byte 2 bit 7 VALID, 4..=11 INFORMATION.
                0x00 if desc.len() >= 12 && desc[2] & 0x80 != 0 => {
                    information = Some(be64(desc, 4));
                }
                // Sense key specific descriptor (§4.5.2.4): byte 4 bit 7 SKSV, 5..=6 field.
                0x02 if desc.len() >= 7
                    && desc[4] & 0x80 != 0
                    && matches!(sense_key, SenseKey::NOT_READY | SenseKey::NO_SENSE) =>
                {
                    progress = Some(be16(desc, 5));
                }
                // Progress indication descriptor (§4.5.2.6): bytes 6..=7 PROGRESS INDICATION.
                0x0A if desc.len() >= 8 && progress.is_none() => {
                    progress = Some(be16(desc, 6));
                }
                _ => {}
            }
            at += len;
        }
        Sense {
            response_code: code,
            deferred: code == 0x73,
            sense_key,
            asc: byte(2),
            ascq: byte(3),
            information,
            progress,
        }
    }

    /// Progress as a fraction 0.0..=1.0, when the device reported one.
    pub fn progress_fraction(&self) -> Option<f64> {
        self.progress.map(|p| f64::from(p) / 65536.0)
    }

    /// The ASC/ASCQ text from the table, if known.
    pub fn asc_text(&self) -> Option<&'static str> {
        asc_table::lookup(self.asc, self.ascq)
    }

    /// True when sense key, ASC and ASCQ match (`None` = any ASCQ).
    pub fn is(&self, key: SenseKey, asc: u8, ascq: Option<u8>) -> bool {
        self.sense_key == key && self.asc == asc && ascq.is_none_or(|q| q == self.ascq)
    }

    /// UNIT ATTENTION (06/xx/xx, SPC-4 §4.5.6): an event (reset, medium change, mode
    /// change) was reported instead of the command's result; the command was not run.
    pub fn is_unit_attention(&self) -> bool {
        self.sense_key == SenseKey::UNIT_ATTENTION
    }

    /// 02/04/01 LOGICAL UNIT IS IN PROCESS OF BECOMING READY (SPC-4 Annex D).
    pub fn is_becoming_ready(&self) -> bool {
        self.is(SenseKey::NOT_READY, 0x04, Some(0x01))
    }

    /// 02/04/04 LOGICAL UNIT NOT READY, FORMAT IN PROGRESS (SPC-4 Annex D).
    pub fn is_format_in_progress(&self) -> bool {
        self.is(SenseKey::NOT_READY, 0x04, Some(0x04))
    }

    /// OPERATION IN PROGRESS: 02/04/07 LOGICAL UNIT NOT READY, OPERATION IN PROGRESS, or
    /// 00/00/16 with NO SENSE, the form REQUEST SENSE gives while an Immed command runs
    /// (SPC-4 Annex D, MMC-6 §4.1.4).
    pub fn is_operation_in_progress(&self) -> bool {
        self.is(SenseKey::NOT_READY, 0x04, Some(0x07))
            || self.is(SenseKey::NO_SENSE, 0x00, Some(0x16))
    }

    /// 02/04/08 LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS (MMC-6 Annex F): the drive's
    /// buffer is full; the same WRITE is to be sent again once it has drained.
    pub fn is_long_write_in_progress(&self) -> bool {
        self.is(SenseKey::NOT_READY, 0x04, Some(0x08))
    }

    /// The unit is busy with something that ends on its own (becoming ready, format,
    /// operation or long write in progress): ask again later rather than fail.
    pub fn is_in_progress(&self) -> bool {
        self.is_becoming_ready()
            || self.is_format_in_progress()
            || self.is_operation_in_progress()
            || self.is_long_write_in_progress()
    }

    /// xx/0C/09 WRITE ERROR – LOSS OF STREAMING (MMC-6 Annex F): the drive ran out of data
    /// while recording and could not continue the track. Matched on ASC/ASCQ with any sense
    /// key: MMC-6 lists it under MEDIUM ERROR, and the codes alone name the condition.
    pub fn is_loss_of_streaming(&self) -> bool {
        self.asc == 0x0C && self.ascq == 0x09
    }

    /// xx/0C/0A WRITE ERROR – PADDING BLOCKS ADDED (MMC-6 Annex F): the drive ran out of
    /// data and padded the track to close it. Any sense key, as for
    /// [`Sense::is_loss_of_streaming`].
    pub fn is_padding_blocks_added(&self) -> bool {
        self.asc == 0x0C && self.ascq == 0x0A
    }

    /// 05/21/02 INVALID ADDRESS FOR WRITE (MMC-6 Annex F): the WRITE's LBA is not where the
    /// medium can be written next (not the next writable address).
    pub fn is_invalid_address_for_write(&self) -> bool {
        self.is(SenseKey::ILLEGAL_REQUEST, 0x21, Some(0x02))
    }
}

impl fmt::Display for Sense {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.deferred {
            write!(f, "deferred ")?;
        }
        write!(f, "{}", self.sense_key.name())?;
        match self.asc_text() {
            Some(t) => write!(f, ", {t}")?,
            None => write!(f, ", unknown additional sense code")?,
        }
        write!(
            f,
            " ({:02X}/{:02X}/{:02X})",
            self.sense_key.0, self.asc, self.ascq
        )
    }
}

/// One line for raw sense bytes; usable as `transport::trace::SenseDecoder`.
pub fn describe(sense: &[u8]) -> String {
    match Sense::parse(sense) {
        Some(s) => s.to_string(),
        None if sense.is_empty() => "no sense data".to_string(),
        None => format!(
            "unrecognised sense data (response code {:02X}h)",
            sense[0] & 0x7F
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::SenseDecoder;

    /// Fixed format, current error, NOT READY / medium not present (SPC-4 Table 48 layout).
    const FIXED_NO_MEDIUM: [u8; 18] = [
        0x70, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x00, 0x00,
        0x00, 0x00, 0x00,
    ];

    #[test]
    fn fixed_format_not_ready() {
        let s = Sense::parse(&FIXED_NO_MEDIUM).unwrap();
        assert_eq!(s.sense_key, SenseKey::NOT_READY);
        assert_eq!((s.asc, s.ascq), (0x3A, 0x00));
        assert!(!s.deferred);
        assert_eq!(s.information, None);
        assert_eq!(s.progress, None);
        assert_eq!(s.to_string(), "NOT READY, medium not present (02/3A/00)");
    }

    #[test]
    fn fixed_format_information_only_when_valid() {
        // MEDIUM ERROR unrecovered read error at LBA 0x1234, VALID set.
        let mut d = [
            0xF0, 0x00, 0x03, 0x00, 0x00, 0x12, 0x34, 0x0A, 0, 0, 0, 0, 0x11, 0x05, 0, 0, 0, 0,
        ];
        let s = Sense::parse(&d).unwrap();
        assert_eq!(s.information, Some(0x1234));
        assert_eq!(
            s.to_string(),
            "MEDIUM ERROR, l-ec uncorrectable error (03/11/05)"
        );
        d[0] = 0x70; // VALID clear: information must be ignored
        assert_eq!(Sense::parse(&d).unwrap().information, None);
    }

    #[test]
    fn fixed_format_progress_indication() {
        // NOT READY, long write in progress, SKSV set, progress 0x8000 (half).
        let d = [
            0x70, 0x00, 0x02, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x04, 0x08, 0x00, 0x80, 0x80, 0x00,
        ];
        let s = Sense::parse(&d).unwrap();
        assert_eq!(s.progress, Some(0x8000));
        assert_eq!(s.progress_fraction(), Some(0.5));
        // Same bytes without SKSV: no progress.
        let mut d2 = d;
        d2[15] = 0;
        assert_eq!(Sense::parse(&d2).unwrap().progress, None);
    }

    #[test]
    fn fixed_format_deferred_and_short() {
        // Deferred write error, only 14 bytes returned.
        let d = [0x71, 0, 0x03, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0x0C, 0x00];
        let s = Sense::parse(&d).unwrap();
        assert!(s.deferred);
        assert_eq!(
            s.to_string(),
            "deferred MEDIUM ERROR, write error (03/0C/00)"
        );
        // Truncated to 3 bytes: key known, ASC reads as 0.
        let s = Sense::parse(&[0x70, 0, 0x06]).unwrap();
        assert_eq!(s.sense_key, SenseKey::UNIT_ATTENTION);
    }

    #[test]
    fn descriptor_format_with_information_and_progress() {
        // SPC-4 Table 23 header + information descriptor (00h) + sense key specific (02h).
        let d = [
            0x72, 0x02, 0x04, 0x04, 0x00, 0x00, 0x00, 0x14, // header, additional length 20
            0x00, 0x0A, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0x56, 0x78, // information = 0x5678
            0x02, 0x06, 0x00, 0x00, 0x80, 0x40, 0x00, 0x00, // SKSV, progress 0x4000
        ];
        let s = Sense::parse(&d).unwrap();
        assert_eq!(s.sense_key, SenseKey::NOT_READY);
        assert_eq!((s.asc, s.ascq), (0x04, 0x04));
        assert_eq!(s.information, Some(0x5678));
        assert_eq!(s.progress, Some(0x4000));
        assert_eq!(
            s.to_string(),
            "NOT READY, logical unit not ready, format in progress (02/04/04)"
        );
    }

    #[test]
    fn descriptor_format_invalid_information_and_deferred() {
        let d = [
            0x73, 0x05, 0x24, 0x00, 0, 0, 0, 0x0C, // deferred, ILLEGAL REQUEST
            0x00, 0x0A, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x10, // VALID clear
        ];
        let s = Sense::parse(&d).unwrap();
        assert!(s.deferred);
        assert_eq!(s.information, None);
        assert_eq!(s.sense_key, SenseKey::ILLEGAL_REQUEST);
    }

    #[test]
    fn descriptor_length_past_end_does_not_panic() {
        let d = [0x72, 0x03, 0x11, 0x00, 0, 0, 0, 0xFF, 0x00, 0x0A, 0x80];
        let s = Sense::parse(&d).unwrap();
        assert_eq!(s.information, None);
    }

    /// Fixed-format sense (SPC-4 Table 48) with `key`, `asc`, `ascq` at bytes 2, 12, 13.
    fn fixed(key: u8, asc: u8, ascq: u8) -> Sense {
        Sense::parse(&[
            0x70, 0x00, key, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, asc, ascq, 0x00,
            0x00, 0x00, 0x00,
        ])
        .unwrap()
    }

    #[test]
    fn in_progress_predicates() {
        assert!(fixed(0x02, 0x04, 0x01).is_becoming_ready());
        assert!(fixed(0x02, 0x04, 0x04).is_format_in_progress());
        assert!(fixed(0x02, 0x04, 0x07).is_operation_in_progress());
        assert!(fixed(0x00, 0x00, 0x16).is_operation_in_progress());
        assert!(fixed(0x02, 0x04, 0x08).is_long_write_in_progress());
        for (k, a, q) in [
            (0x02, 0x04, 0x01),
            (0x02, 0x04, 0x04),
            (0x02, 0x04, 0x07),
            (0x02, 0x04, 0x08),
            (0x00, 0x00, 0x16),
        ] {
            assert!(fixed(k, a, q).is_in_progress(), "{k:02X}/{a:02X}/{q:02X}");
        }
        // Not ready for good (cause not reportable, medium not present, manual intervention).
        for (k, a, q) in [
            (0x02, 0x04, 0x00),
            (0x02, 0x3A, 0x00),
            (0x02, 0x04, 0x03),
            (0x00, 0x00, 0x00),
        ] {
            assert!(!fixed(k, a, q).is_in_progress(), "{k:02X}/{a:02X}/{q:02X}");
        }
        // The same ASC/ASCQ under another sense key is something else.
        assert!(!fixed(0x06, 0x04, 0x08).is_long_write_in_progress());
        assert!(!fixed(0x02, 0x00, 0x16).is_operation_in_progress());
        assert!(!fixed(0x02, 0x04, 0x07).is_long_write_in_progress());
    }

    #[test]
    fn write_error_predicates() {
        assert!(fixed(0x03, 0x0C, 0x09).is_loss_of_streaming());
        assert!(fixed(0x04, 0x0C, 0x09).is_loss_of_streaming());
        assert!(!fixed(0x03, 0x0C, 0x0A).is_loss_of_streaming());
        assert!(fixed(0x03, 0x0C, 0x0A).is_padding_blocks_added());
        assert!(!fixed(0x03, 0x0C, 0x00).is_padding_blocks_added());
        assert!(fixed(0x05, 0x21, 0x02).is_invalid_address_for_write());
        assert!(!fixed(0x05, 0x21, 0x00).is_invalid_address_for_write());
        assert!(!fixed(0x03, 0x21, 0x02).is_invalid_address_for_write());
    }

    #[test]
    fn unit_attention_is_the_key() {
        assert!(fixed(0x06, 0x28, 0x00).is_unit_attention());
        assert!(fixed(0x06, 0x29, 0x00).is_unit_attention());
        assert!(!fixed(0x02, 0x28, 0x00).is_unit_attention());
    }

    #[test]
    fn describe_is_a_sense_decoder() {
        let f: SenseDecoder = describe;
        assert_eq!(
            f(&FIXED_NO_MEDIUM),
            "NOT READY, medium not present (02/3A/00)"
        );
        assert_eq!(f(&[]), "no sense data");
        assert!(f(&[0x7F, 0]).contains("unrecognised"));
        assert_eq!(
            f(&[0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x99, 0x01]),
            "ILLEGAL REQUEST, unknown additional sense code (05/99/01)"
        );
    }
}
