//! SEND CUE SHEET parameter data (MMC-6 §6.38.3, Tables 593–597): one 8-byte descriptor per
//! lead-in, index point and lead-out, addressed in absolute MSF (00:00:00 = LBA −150).

/// DATA FORM values (MMC-6 Table 596) discrw uses.
pub mod data_form {
    /// CD-DA, 2352 bytes of audio from the host.
    pub const CD_DA: u8 = 0x00;
    /// CD-ROM mode 1, 2048 bytes of user data from the host; the drive adds sync, header,
    /// EDC and ECC.
    pub const MODE1_2048: u8 = 0x10;
    /// CD-ROM mode 1, no data from the host: the drive generates the sectors (lead-in,
    /// lead-out).
    pub const MODE1_GENERATED: u8 = 0x14;
    /// CD-DA, no data from the host (lead-in, lead-out of an audio disc).
    pub const CD_DA_GENERATED: u8 = 0x01;
}

/// CTL/ADR byte of a data track with Q sub-channel mode 1 (CTL 4 = data, ADR 1).
pub const CTL_ADR_DATA: u8 = 0x41;
/// CTL/ADR byte of an audio track (CTL 0 = 2 channels, no pre-emphasis, ADR 1).
pub const CTL_ADR_AUDIO: u8 = 0x01;
/// Track number of the lead-out in a cue sheet.
pub const LEAD_OUT: u8 = 0xAA;

/// Absolute MSF of an LBA (LBA −150 = 00:00:00).
pub fn msf(lba: i64) -> [u8; 3] {
    let f = (lba + 150).max(0);
    [(f / (60 * 75)) as u8, ((f / 75) % 60) as u8, (f % 75) as u8]
}

/// One cue sheet descriptor (Table 594): CTL/ADR, TNO, INDEX, DATA FORM, SCMS, MIN, SEC,
/// FRAME.
pub fn descriptor(ctl_adr: u8, tno: u8, index: u8, data_form: u8, lba: i64) -> [u8; 8] {
    let [m, s, f] = msf(lba);
    [ctl_adr, tno, index, data_form, 0, m, s, f]
}

/// The cue sheet of a disc with one mode 1 data track of `sectors` sectors: lead-in,
/// index 0 (the 150-sector pregap the host sends from LBA −150), index 1 at LBA 0, lead-out.
pub fn single_data_track(sectors: u32) -> Vec<u8> {
    use data_form::*;
    let mut v = Vec::with_capacity(32);
    v.extend_from_slice(&descriptor(CTL_ADR_DATA, 0, 0, MODE1_GENERATED, -150));
    v.extend_from_slice(&descriptor(CTL_ADR_DATA, 1, 0, MODE1_2048, -150));
    v.extend_from_slice(&descriptor(CTL_ADR_DATA, 1, 1, MODE1_2048, 0));
    v.extend_from_slice(&descriptor(
        CTL_ADR_DATA,
        LEAD_OUT,
        1,
        MODE1_GENERATED,
        i64::from(sectors),
    ));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_data_track_cue_sheet() {
        // 1000 sectors: lead-out at LBA 1000 = 1150 frames = 00:15:25.
        let c = single_data_track(1000);
        assert_eq!(
            c,
            vec![
                0x41, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, // lead-in
                0x41, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, // track 1 index 0
                0x41, 0x01, 0x01, 0x10, 0x00, 0x00, 0x02, 0x00, // track 1 index 1
                0x41, 0xAA, 0x01, 0x14, 0x00, 0x00, 0x0F, 0x19, // lead-out
            ]
        );
        // 79:59:74 is the last frame of an 80-minute disc.
        assert_eq!(msf(359_999 - 150), [79, 59, 74]);
    }
}
