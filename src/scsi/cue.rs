//! SEND CUE SHEET parameter data (MMC-6 §6.38.3, Tables 593–597): one 8-byte descriptor per
//! lead-in, index point and lead-out, addressed in absolute MSF (00:00:00 = LBA −150).

/// DATA FORM values (MMC-6 Table 596) discrw uses.
pub mod data_form {
    /// CD-DA, 2352 bytes of audio from the host.
    pub const CD_DA: u8 = 0x00;
    /// CD-ROM mode 1, 2048 bytes of user data from the host; the drive adds sync, header,
    /// EDC and ECC.
    pub const MODE1_2048: u8 = 0x10;
    /// CD-ROM mode 1, 2352 bytes from the host: sync, header, user data, EDC and ECC as
    /// they are to be recorded.
    pub const MODE1_RAW: u8 = 0x11;
    /// CD-ROM XA (mode 2 form 1/2), 2352 bytes from the host as they are to be recorded.
    pub const XA_RAW: u8 = 0x21;
    /// CD-ROM XA, no data from the host (lead-in, lead-out of an XA session).
    pub const XA_GENERATED: u8 = 0x24;
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

/// DATA FORM of the lead-in and lead-out generated for a session whose first (last) track
/// has DATA FORM `form` (Table 596: 01h CD-DA, 14h CD-ROM mode 1, 24h CD-ROM XA: main data
/// from the drive).
fn generated_form(form: u8) -> u8 {
    match form & 0x30 {
        0x00 => data_form::CD_DA_GENERATED,
        0x10 => data_form::MODE1_GENERATED,
        _ => data_form::XA_GENERATED,
    }
}

/// CONTROL bits of the CTL/ADR byte (upper nibble; MMC-6 Table 594, the sub-channel Q
/// control field of ECMA-130 §22.3.2.2).
pub mod ctl {
    /// Four-channel audio.
    pub const FOUR_CHANNEL: u8 = 0x80;
    /// Data track (clear: audio).
    pub const DATA: u8 = 0x40;
    /// Digital copy permitted.
    pub const COPY: u8 = 0x20;
    /// Audio with pre-emphasis.
    pub const PRE_EMPHASIS: u8 = 0x10;
}

/// One track of a session-at-once cue sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSpec {
    /// Track number, 1..=99.
    pub number: u8,
    /// CONTROL bits ([`ctl`]); [`ctl::DATA`] decides audio or data.
    pub control: u8,
    /// DATA FORM of the sectors the host sends ([`data_form`]).
    pub data_form: u8,
    /// SCMS: the alternate copy bit (bit 7 of byte 4) is set on every descriptor.
    pub scms: bool,
    /// ISRC, 12 ASCII characters (country 2, owner 3, year 2, serial 5).
    pub isrc: Option<[u8; 12]>,
    /// Index points (number, LBA): index 0 where there is a pregap, index 1 always.
    pub indexes: Vec<(u8, i64)>,
}

/// The cue sheet of a session (MMC-6 §6.38.3): the media catalog number (two ADR 2
/// descriptors of 7 and 6 ASCII digits, Table 597), the lead-in, for each track its ISRC
/// (two ADR 3 descriptors of 6 characters each after TNO) and one descriptor per index
/// point, and the lead-out at `leadout`. TNO and INDEX are binary, MSF is absolute time.
pub fn session(catalog: Option<&[u8; 13]>, tracks: &[TrackSpec], leadout: i64) -> Vec<u8> {
    let first_audio = tracks.first().is_none_or(|t| t.control & ctl::DATA == 0);
    let last_audio = tracks.last().is_none_or(|t| t.control & ctl::DATA == 0);
    let first_form = tracks.first().map(|t| t.data_form).unwrap_or(0);
    let last_form = tracks.last().map(|t| t.data_form).unwrap_or(0);
    let lead_ctl = |audio: bool| if audio { 0 } else { ctl::DATA };
    let mut v = Vec::with_capacity(8 * (4 + tracks.len() * 4));
    if let Some(c) = catalog {
        let mut a = [0u8; 8];
        a[0] = lead_ctl(first_audio) | 0x02;
        a[1..8].copy_from_slice(&c[..7]);
        let mut b = [0u8; 8];
        b[0] = a[0];
        b[1..7].copy_from_slice(&c[7..]);
        v.extend_from_slice(&a);
        v.extend_from_slice(&b);
    }
    v.extend_from_slice(&descriptor(
        lead_ctl(first_audio) | 0x01,
        0,
        0,
        generated_form(first_form),
        -150,
    ));
    for t in tracks {
        let scms = if t.scms { 0x80 } else { 0 };
        if let Some(i) = &t.isrc {
            for half in [&i[..6], &i[6..]] {
                let mut d = [t.control | 0x03, t.number, 0, 0, 0, 0, 0, 0];
                d[2..8].copy_from_slice(half);
                v.extend_from_slice(&d);
            }
        }
        for &(index, lba) in &t.indexes {
            let mut d = descriptor(t.control | 0x01, t.number, index, t.data_form, lba);
            d[4] = scms;
            v.extend_from_slice(&d);
        }
    }
    v.extend_from_slice(&descriptor(
        lead_ctl(last_audio) | 0x01,
        LEAD_OUT,
        1,
        generated_form(last_form),
        leadout,
    ));
    v
}

/// The cue sheet of a disc with one mode 1 data track of `sectors` sectors: lead-in,
/// index 0 (the 150-sector pregap the host sends from LBA −150), index 1 at LBA 0, lead-out.
pub fn single_data_track(sectors: u32) -> Vec<u8> {
    let t = TrackSpec {
        number: 1,
        control: ctl::DATA,
        data_form: data_form::MODE1_2048,
        scms: false,
        isrc: None,
        indexes: vec![(0, -150), (1, 0)],
    };
    session(None, &[t], i64::from(sectors))
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

    #[test]
    fn mixed_session_with_catalog_isrc_flags_and_pregaps() {
        // Track 1 raw mode 1 at 0..1000, track 2 audio with pre-emphasis, copy permitted and
        // SCMS, an ISRC, pregap at 1000 and index 1 at 1150; lead-out at 5000.
        let tracks = [
            TrackSpec {
                number: 1,
                control: ctl::DATA,
                data_form: data_form::MODE1_RAW,
                scms: false,
                isrc: None,
                indexes: vec![(0, -150), (1, 0)],
            },
            TrackSpec {
                number: 2,
                control: ctl::PRE_EMPHASIS | ctl::COPY,
                data_form: data_form::CD_DA,
                scms: true,
                isrc: Some(*b"USABC2600001"),
                indexes: vec![(0, 1000), (1, 1150)],
            },
            TrackSpec {
                number: 12,
                control: 0,
                data_form: data_form::CD_DA,
                scms: false,
                isrc: None,
                indexes: vec![(1, 2000)],
            },
        ];
        let c = session(Some(b"0123456789012"), &tracks, 5000);
        // Hand-computed per MMC-6 Tables 594-597: CTL/ADR, TNO, INDEX, DATA FORM, SCMS, MIN,
        // SEC, FRAME; absolute MSF = LBA + 150 frames; 1150 -> 1300 = 00:17:25,
        // 2000 -> 2150 = 00:28:50, 5000 -> 5150 = 01:08:50, 1000 -> 1150 = 00:15:25.
        let want: Vec<[u8; 8]> = vec![
            [0x42, b'0', b'1', b'2', b'3', b'4', b'5', b'6'], // MCN digits 1-7
            [0x42, b'7', b'8', b'9', b'0', b'1', b'2', 0x00], // MCN digits 8-13
            [0x41, 0x00, 0x00, 0x14, 0x00, 0, 0, 0],          // lead-in, data
            [0x41, 0x01, 0x00, 0x11, 0x00, 0, 0, 0],          // 1.0 at 00:00:00
            [0x41, 0x01, 0x01, 0x11, 0x00, 0, 2, 0],          // 1.1 at 00:02:00
            [0x33, 0x02, b'U', b'S', b'A', b'B', b'C', b'2'], // ISRC chars 1-6
            [0x33, 0x02, b'6', b'0', b'0', b'0', b'0', b'1'], // ISRC chars 7-12
            [0x31, 0x02, 0x00, 0x00, 0x80, 0, 15, 25],        // 2.0, SCMS
            [0x31, 0x02, 0x01, 0x00, 0x80, 0, 17, 25],        // 2.1
            [0x01, 0x0C, 0x01, 0x00, 0x00, 0, 28, 50],        // 12.1 (binary TNO)
            [0x01, 0xAA, 0x01, 0x01, 0x00, 1, 8, 50],         // lead-out, audio
        ];
        assert_eq!(c, want.concat());
    }

    #[test]
    fn xa_session_has_xa_lead_in_and_lead_out() {
        let t = TrackSpec {
            number: 1,
            control: ctl::DATA,
            data_form: data_form::XA_RAW,
            scms: false,
            isrc: None,
            indexes: vec![(0, -150), (1, 0)],
        };
        // Table 596: 21h CD-ROM XA 2352 bytes from the host; 24h XA generated by the drive.
        // 300 -> 450 frames = 00:06:00.
        let c = session(None, &[t], 300);
        assert_eq!(&c[..8], &[0x41, 0, 0, 0x24, 0, 0, 0, 0]);
        assert_eq!(&c[8..16], &[0x41, 1, 0, 0x21, 0, 0, 0, 0]);
        assert_eq!(&c[24..], &[0x41, 0xAA, 1, 0x24, 0, 0, 6, 0]);
    }
}
