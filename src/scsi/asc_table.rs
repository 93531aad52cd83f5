//! Additional sense code texts (SPC-4 Annex D, Table D.1; MMC-6 Annex F) for the pairs an
//! optical drive returns. Data only: `sense` looks codes up here.
//!
//! Texts are the spec's wording in lower case, so a line reads
//! `NOT READY, medium not present (02/3A/00)`.

/// (ASC, ASCQ, text). Ordered by ASC then ASCQ.
pub static ASC_TEXTS: &[(u8, u8, &str)] = &[
    (0x00, 0x00, "no additional sense information"),
    (0x00, 0x06, "i/o process terminated"),
    (0x00, 0x11, "audio play operation in progress"),
    (0x00, 0x16, "operation in progress"),
    (0x00, 0x17, "cleaning requested"),
    (0x02, 0x00, "no seek complete"),
    (0x02, 0x04, "logical unit not ready, cause not reportable"),
    (0x03, 0x00, "peripheral device write fault"),
    (0x04, 0x00, "logical unit not ready, cause not reportable"),
    (0x04, 0x01, "logical unit is in process of becoming ready"),
    (
        0x04,
        0x02,
        "logical unit not ready, initializing command required",
    ),
    (
        0x04,
        0x03,
        "logical unit not ready, manual intervention required",
    ),
    (0x04, 0x04, "logical unit not ready, format in progress"),
    (0x04, 0x05, "logical unit not ready, rebuild in progress"),
    (
        0x04,
        0x06,
        "logical unit not ready, recalculation in progress",
    ),
    (0x04, 0x07, "logical unit not ready, operation in progress"),
    (0x04, 0x08, "logical unit not ready, long write in progress"),
    (0x04, 0x09, "logical unit not ready, self-test in progress"),
    (0x05, 0x00, "logical unit does not respond to selection"),
    (0x06, 0x00, "no reference position found"),
    (0x07, 0x00, "multiple peripheral devices selected"),
    (0x08, 0x00, "logical unit communication failure"),
    (0x08, 0x01, "logical unit communication time-out"),
    (0x08, 0x02, "logical unit communication parity error"),
    (
        0x08,
        0x03,
        "logical unit communication crc error (ultra-dma/32)",
    ),
    (0x09, 0x00, "track following error"),
    (0x09, 0x01, "tracking servo failure"),
    (0x09, 0x02, "focus servo failure"),
    (0x09, 0x03, "spindle servo failure"),
    (0x09, 0x04, "head select fault"),
    (0x0A, 0x00, "error log overflow"),
    (0x0B, 0x00, "warning"),
    (0x0B, 0x01, "warning - specified temperature exceeded"),
    (0x0C, 0x00, "write error"),
    (0x0C, 0x02, "write error - auto reallocation failed"),
    (0x0C, 0x03, "write error - recommend reassignment"),
    (0x0C, 0x07, "write error - recovery needed"),
    (0x0C, 0x08, "write error - recovery failed"),
    (0x0C, 0x09, "write error - loss of streaming"),
    (0x0C, 0x0A, "write error - padding blocks added"),
    (0x0C, 0x0F, "defects in error window"),
    (0x11, 0x00, "unrecovered read error"),
    (0x11, 0x01, "read retries exhausted"),
    (0x11, 0x02, "error too long to correct"),
    (0x11, 0x03, "multiple read errors"),
    (
        0x11,
        0x04,
        "unrecovered read error - auto reallocate failed",
    ),
    (0x11, 0x05, "l-ec uncorrectable error"),
    (0x11, 0x06, "circ unrecovered error"),
    (0x11, 0x0F, "error reading upc/ean number"),
    (0x11, 0x10, "error reading isrc number"),
    (0x11, 0x11, "read error - loss of streaming"),
    (0x14, 0x00, "recorded entity not found"),
    (0x14, 0x01, "record not found"),
    (0x15, 0x00, "random positioning error"),
    (0x15, 0x01, "mechanical positioning error"),
    (0x15, 0x02, "positioning error detected by read of medium"),
    (0x16, 0x00, "data synchronization mark error"),
    (
        0x17,
        0x00,
        "recovered data with no error correction applied",
    ),
    (0x17, 0x01, "recovered data with retries"),
    (0x17, 0x02, "recovered data with positive head offset"),
    (0x17, 0x03, "recovered data with negative head offset"),
    (
        0x17,
        0x04,
        "recovered data with retries and/or circ applied",
    ),
    (0x17, 0x05, "recovered data using previous sector id"),
    (
        0x17,
        0x07,
        "recovered data without ecc - recommend reassignment",
    ),
    (0x17, 0x08, "recovered data without ecc - recommend rewrite"),
    (0x17, 0x09, "recovered data without ecc - data rewritten"),
    (0x18, 0x00, "recovered data with error correction applied"),
    (
        0x18,
        0x01,
        "recovered data with error corr. & retries applied",
    ),
    (0x18, 0x02, "recovered data - data auto-reallocated"),
    (0x18, 0x03, "recovered data with circ"),
    (0x18, 0x04, "recovered data with l-ec"),
    (0x18, 0x05, "recovered data - recommend reassignment"),
    (0x18, 0x06, "recovered data - recommend rewrite"),
    (0x18, 0x08, "recovered data with linking"),
    (0x1A, 0x00, "parameter list length error"),
    (0x1B, 0x00, "synchronous data transfer error"),
    (0x1D, 0x00, "miscompare during verify operation"),
    (0x20, 0x00, "invalid command operation code"),
    (0x21, 0x00, "logical block address out of range"),
    (0x21, 0x01, "invalid element address"),
    (0x21, 0x02, "invalid address for write"),
    (0x21, 0x03, "invalid write crossing layer jump"),
    (0x24, 0x00, "invalid field in cdb"),
    (0x25, 0x00, "logical unit not supported"),
    (0x26, 0x00, "invalid field in parameter list"),
    (0x26, 0x01, "parameter not supported"),
    (0x26, 0x02, "parameter value invalid"),
    (0x26, 0x03, "threshold parameters not supported"),
    (0x27, 0x00, "write protected"),
    (0x27, 0x01, "hardware write protected"),
    (0x27, 0x02, "logical unit software write protected"),
    (0x27, 0x03, "associated write protect"),
    (0x27, 0x04, "persistent write protect"),
    (0x27, 0x05, "permanent write protect"),
    (
        0x28,
        0x00,
        "not ready to ready change, medium may have changed",
    ),
    (0x28, 0x01, "import or export element accessed"),
    (0x29, 0x00, "power on, reset, or bus device reset occurred"),
    (0x29, 0x01, "power on occurred"),
    (0x29, 0x02, "scsi bus reset occurred"),
    (0x29, 0x03, "bus device reset function occurred"),
    (0x29, 0x04, "device internal reset"),
    (0x2A, 0x00, "parameters changed"),
    (0x2A, 0x01, "mode parameters changed"),
    (0x2A, 0x02, "log parameters changed"),
    (
        0x2B,
        0x00,
        "copy cannot execute since host cannot disconnect",
    ),
    (0x2C, 0x00, "command sequence error"),
    (0x2C, 0x03, "current program area is not empty"),
    (0x2C, 0x04, "current program area is empty"),
    (0x2E, 0x00, "insufficient time for operation"),
    (0x2F, 0x00, "commands cleared by another initiator"),
    (0x30, 0x00, "incompatible medium installed"),
    (0x30, 0x01, "cannot read medium - unknown format"),
    (0x30, 0x02, "cannot read medium - incompatible format"),
    (0x30, 0x03, "cleaning cartridge installed"),
    (0x30, 0x04, "cannot write medium - unknown format"),
    (0x30, 0x05, "cannot write medium - incompatible format"),
    (0x30, 0x06, "cannot format medium - incompatible medium"),
    (0x30, 0x07, "cleaning failure"),
    (0x30, 0x08, "cannot write - application code mismatch"),
    (0x30, 0x09, "current session not fixated for append"),
    (0x30, 0x10, "medium not formatted"),
    (0x31, 0x00, "medium format corrupted"),
    (0x31, 0x01, "format command failed"),
    (0x31, 0x02, "zoned formatting failed due to spare linking"),
    (0x34, 0x00, "enclosure failure"),
    (0x35, 0x00, "enclosure services failure"),
    (0x37, 0x00, "rounded parameter"),
    (0x39, 0x00, "saving parameters not supported"),
    (0x3A, 0x00, "medium not present"),
    (0x3A, 0x01, "medium not present - tray closed"),
    (0x3A, 0x02, "medium not present - tray open"),
    (0x3A, 0x03, "medium not present - loadable"),
    (0x3B, 0x0D, "medium destination element full"),
    (0x3B, 0x0E, "medium source element empty"),
    (0x3B, 0x0F, "end of medium reached"),
    (0x3B, 0x11, "medium magazine not accessible"),
    (0x3B, 0x12, "medium magazine removed"),
    (0x3B, 0x13, "medium magazine inserted"),
    (0x3B, 0x14, "medium magazine locked"),
    (0x3B, 0x15, "medium magazine unlocked"),
    (0x3B, 0x16, "mechanical positioning or changer error"),
    (0x3D, 0x00, "invalid bits in identify message"),
    (0x3E, 0x00, "logical unit has not self-configured yet"),
    (0x3E, 0x01, "logical unit failure"),
    (0x3E, 0x02, "timeout on logical unit"),
    (0x3F, 0x00, "target operating conditions have changed"),
    (0x3F, 0x01, "microcode has been changed"),
    (0x3F, 0x02, "changed operating definition"),
    (0x3F, 0x03, "inquiry data has changed"),
    (0x3F, 0x0E, "reported luns data has changed"),
    (0x43, 0x00, "message error"),
    (0x44, 0x00, "internal target failure"),
    (0x45, 0x00, "select or reselect failure"),
    (0x46, 0x00, "unsuccessful soft reset"),
    (0x47, 0x00, "scsi parity error"),
    (0x48, 0x00, "initiator detected error message received"),
    (0x49, 0x00, "invalid message error"),
    (0x4A, 0x00, "command phase error"),
    (0x4B, 0x00, "data phase error"),
    (0x4E, 0x00, "overlapped commands attempted"),
    (0x51, 0x00, "erase failure"),
    (
        0x51,
        0x01,
        "erase failure - incomplete erase operation detected",
    ),
    (0x53, 0x00, "media load or eject failed"),
    (0x53, 0x02, "medium removal prevented"),
    (0x55, 0x00, "system resource failure"),
    (0x57, 0x00, "unable to recover table-of-contents"),
    (0x5A, 0x00, "operator request or state change input"),
    (0x5A, 0x01, "operator medium removal request"),
    (0x5A, 0x02, "operator selected write protect"),
    (0x5A, 0x03, "operator selected write permit"),
    (0x5B, 0x00, "log exception"),
    (0x5D, 0x00, "failure prediction threshold exceeded"),
    (0x5D, 0x01, "media failure prediction threshold exceeded"),
    (
        0x5D,
        0x02,
        "logical unit failure prediction threshold exceeded",
    ),
    (
        0x5D,
        0x03,
        "spare area exhaustion prediction threshold exceeded",
    ),
    (0x5D, 0xFF, "failure prediction threshold exceeded (false)"),
    (0x5E, 0x00, "low power condition on"),
    (0x63, 0x00, "end of user area encountered on this track"),
    (0x63, 0x01, "packet does not fit in available space"),
    (0x64, 0x00, "illegal mode for this track"),
    (0x64, 0x01, "invalid packet size"),
    (0x65, 0x00, "voltage fault"),
    (
        0x6F,
        0x00,
        "copy protection key exchange failure - authentication failure",
    ),
    (
        0x6F,
        0x01,
        "copy protection key exchange failure - key not present",
    ),
    (
        0x6F,
        0x02,
        "copy protection key exchange failure - key not established",
    ),
    (
        0x6F,
        0x03,
        "read of scrambled sector without authentication",
    ),
    (
        0x6F,
        0x04,
        "media region code is mismatched to logical unit region",
    ),
    (
        0x6F,
        0x05,
        "drive region must be permanent/region reset count error",
    ),
    (0x72, 0x00, "session fixation error"),
    (0x72, 0x01, "session fixation error writing lead-in"),
    (0x72, 0x02, "session fixation error writing lead-out"),
    (
        0x72,
        0x03,
        "session fixation error - incomplete track in session",
    ),
    (0x72, 0x04, "empty or partially written reserved track"),
    (0x72, 0x05, "no more track reservations allowed"),
    (0x72, 0x06, "rmz extension is not allowed"),
    (0x72, 0x07, "no more test zone extensions are allowed"),
    (0x73, 0x00, "cd control error"),
    (0x73, 0x01, "power calibration area almost full"),
    (0x73, 0x02, "power calibration area is full"),
    (0x73, 0x03, "power calibration area error"),
    (0x73, 0x04, "program memory area update failure"),
    (0x73, 0x05, "program memory area is full"),
    (0x73, 0x06, "rma/pma is almost full"),
    (0x73, 0x10, "current power calibration area almost full"),
    (0x73, 0x11, "current power calibration area is full"),
    (0x73, 0x17, "rdz is full"),
];

/// Text for ASCs whose ASCQ is a parameter or where only the ASC is known: used when the
/// exact pair is not in `ASC_TEXTS`.
pub static ASC_ONLY_TEXTS: &[(u8, &str)] = &[
    (0x04, "logical unit not ready"),
    (0x0C, "write error"),
    (0x11, "unrecovered read error"),
    (0x21, "logical block address out of range"),
    (0x24, "invalid field in cdb"),
    (0x27, "write protected"),
    (0x29, "reset occurred"),
    (0x30, "incompatible medium installed"),
    (0x3A, "medium not present"),
    (0x3F, "target operating conditions have changed"),
    (0x40, "diagnostic failure on component"),
    (0x5D, "failure prediction threshold exceeded"),
    (0x72, "session fixation error"),
    (0x73, "cd control error"),
];

/// Text for an ASC/ASCQ pair: the exact entry, else the ASC's family text, else `None`.
pub fn lookup(asc: u8, ascq: u8) -> Option<&'static str> {
    ASC_TEXTS
        .binary_search_by(|&(a, q, _)| (a, q).cmp(&(asc, ascq)))
        .ok()
        .map(|i| ASC_TEXTS[i].2)
        .or_else(|| {
            ASC_ONLY_TEXTS
                .iter()
                .find(|&&(a, _)| a == asc)
                .map(|&(_, t)| t)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_so_binary_search_works() {
        for w in ASC_TEXTS.windows(2) {
            assert!((w[0].0, w[0].1) < (w[1].0, w[1].1), "{:?} {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn exact_family_and_unknown() {
        assert_eq!(lookup(0x3A, 0x00), Some("medium not present"));
        assert_eq!(
            lookup(0x04, 0x08),
            Some("logical unit not ready, long write in progress")
        );
        assert_eq!(lookup(0x0C, 0x55), Some("write error"));
        assert_eq!(lookup(0x99, 0x00), None);
    }

    #[test]
    fn covers_the_pairs_optical_drives_return() {
        let pairs = [
            (0x04, 0x00),
            (0x04, 0x01),
            (0x04, 0x02),
            (0x04, 0x03),
            (0x04, 0x04),
            (0x04, 0x07),
            (0x04, 0x08),
            (0x04, 0x09),
            (0x3A, 0x00),
            (0x3A, 0x01),
            (0x3A, 0x02),
            (0x28, 0x00),
            (0x29, 0x00),
            (0x29, 0x04),
            (0x11, 0x00),
            (0x11, 0x05),
            (0x11, 0x06),
            (0x0C, 0x00),
            (0x0C, 0x07),
            (0x0C, 0x09),
            (0x21, 0x00),
            (0x21, 0x02),
            (0x24, 0x00),
            (0x20, 0x00),
            (0x30, 0x00),
            (0x30, 0x05),
            (0x64, 0x00),
            (0x73, 0x00),
            (0x73, 0x06),
            (0x72, 0x00),
            (0x2C, 0x00),
            (0x57, 0x00),
            (0x63, 0x00),
            (0x5D, 0x00),
            (0x3F, 0x03),
            (0x02, 0x00),
            (0x06, 0x00),
            (0x15, 0x00),
        ];
        for (a, q) in pairs {
            assert!(
                ASC_TEXTS.iter().any(|e| e.0 == a && e.1 == q),
                "{a:02X}/{q:02X}"
            );
        }
    }
}
