//! Data-in answers of the emulated drive, laid out byte by byte as MMC-6 / SPC-4 define them.
//! Each function returns the full answer; the caller truncates it to the allocation length.

use super::layout;
use super::medium::{Family, MediaKind, State, Track, WriteMethod};
use crate::ecma130;

fn put16(v: &mut [u8], at: usize, x: u16) {
    v[at..at + 2].copy_from_slice(&x.to_be_bytes());
}
fn put32(v: &mut [u8], at: usize, x: u32) {
    v[at..at + 4].copy_from_slice(&x.to_be_bytes());
}

/// Standard INQUIRY data (SPC-4 §6.6.2, Table 142): 36 bytes, MMC device (05h), removable.
pub fn inquiry() -> Vec<u8> {
    let mut d = vec![0u8; 36];
    d[0] = 0x05; // PERIPHERAL DEVICE TYPE: CD/DVD device
    d[1] = 0x80; // RMB
    d[2] = 0x05; // VERSION: SPC-3
    d[3] = 0x02; // RESPONSE DATA FORMAT
    d[4] = 31; // ADDITIONAL LENGTH
    d[8..16].copy_from_slice(b"DISCRW  ");
    d[16..32].copy_from_slice(b"Virtual Writer  ");
    d[32..36].copy_from_slice(b"1.0 ");
    d
}

/// Fixed-format sense data (SPC-4 §4.5.3, Table 48), 18 bytes.
pub fn fixed_sense(
    key: u8,
    asc: u8,
    ascq: u8,
    info: Option<u32>,
    progress: Option<u16>,
) -> Vec<u8> {
    let mut s = vec![0u8; 18];
    s[0] = 0x70 | if info.is_some() { 0x80 } else { 0 };
    s[2] = key & 0x0F;
    if let Some(i) = info {
        put32(&mut s, 3, i);
    }
    s[7] = 10; // ADDITIONAL SENSE LENGTH
    s[12] = asc;
    s[13] = ascq;
    if let Some(p) = progress {
        s[15] = 0x80; // SKSV: progress indication (SPC-4 §4.5.2.4.4)
        put16(&mut s, 16, p);
    }
    s
}

/// The profiles this drive supports, highest first as real drives list them.
pub const PROFILES: [u16; 14] = [
    0x0043, 0x0041, 0x0040, 0x002B, 0x001B, 0x001A, 0x0014, 0x0013, 0x0011, 0x0010, 0x000A, 0x0009,
    0x0008, 0x0000,
];

fn feature(code: u16, version: u8, current: bool, data: &[u8]) -> Vec<u8> {
    let mut f = vec![0u8; 4];
    put16(&mut f, 0, code);
    // Byte 2: VERSION bits 5..2, PERSISTENT bit 1, CURRENT bit 0.
    f[2] = (version << 2) | u8::from(current);
    f[3] = data.len() as u8;
    f.extend_from_slice(data);
    f
}

/// GET CONFIGURATION answer (MMC-6 §6.6): 8-byte feature header, then feature descriptors
/// (§5.3) with code ≥ `start`, filtered by RT (0 all, 1 current, 2 the one named).
pub fn configuration(s: Option<&State>, rt: u8, start: u16) -> Vec<u8> {
    let m = InDrive::new(s);
    let mut feats = drive_features(&m);
    feats.extend(read_features(&m));
    feats.extend(write_features(&m));
    feats.extend(bd_features(&m));
    // GET CONFIGURATION returns the descriptors in ascending feature code.
    feats.sort_by_key(|f| u16::from_be_bytes([f[0], f[1]]));

    let mut out = vec![0u8; 8];
    put16(&mut out, 6, m.profile);
    for f in feats {
        let code = u16::from_be_bytes([f[0], f[1]]);
        let current = f[2] & 1 != 0;
        let take = match rt {
            0 => code >= start,
            1 => code >= start && current,
            _ => code == start,
        };
        if take {
            out.extend_from_slice(&f);
        }
    }
    let len = out.len() as u32 - 4;
    put32(&mut out, 0, len);
    out
}

/// What the features' CURRENT bits depend on: the medium in the drive, if any.
struct InDrive<'a> {
    s: Option<&'a State>,
    /// Current profile (0 without a medium).
    profile: u16,
    family: Option<Family>,
    /// Random-access writable (DVD+RW, BD-RE, restricted overwrite DVD-RW).
    random: bool,
    /// Appendable in tracks and not finalized.
    sequential: bool,
    /// BLOCKING of the random features: 16 (CD, DVD) or 32 (BD) sectors.
    blocking: u16,
}

impl<'a> InDrive<'a> {
    fn new(s: Option<&'a State>) -> InDrive<'a> {
        let family = s.map(|s| s.kind.family());
        InDrive {
            s,
            profile: s.map(layout::profile).unwrap_or(0),
            family,
            random: s.is_some_and(layout::is_random),
            sequential: s.is_some_and(|s| layout::is_sequential(s) && !s.finalized),
            blocking: if family == Some(Family::Bd) { 32 } else { 16 },
        }
    }

    /// The medium is one of `kinds`.
    fn is(&self, kinds: &[MediaKind]) -> bool {
        self.s.is_some_and(|s| kinds.contains(&s.kind))
    }
}

/// Features of the drive itself, current whatever the medium: profile list, core, morphing,
/// removable medium, power management, timeout, real-time streaming.
fn drive_features(m: &InDrive) -> Vec<Vec<u8>> {
    // 0000h Profile List (§5.3.1): 4 bytes per profile, CURRENTP in byte 2 bit 0.
    let mut pl = Vec::new();
    for p in PROFILES.iter().filter(|&&p| p != 0) {
        let mut d = [0u8; 4];
        put16(&mut d, 0, *p);
        d[2] = u8::from(*p == m.profile);
        pl.extend_from_slice(&d);
    }
    vec![
        feature(0x0000, 0, true, &pl),
        // 0001h Core (§5.3.2): PHYSICAL INTERFACE STANDARD 1 (SCSI family), DBE.
        feature(0x0001, 2, true, &[0, 0, 0, 1, 0x01, 0, 0, 0]),
        // 0002h Morphing (§5.3.3): ASYNC 0, OCEvent 1.
        feature(0x0002, 1, true, &[0x02, 0, 0, 0]),
        // 0003h Removable Medium (§5.3.4): tray (001b), Eject, Lock.
        feature(0x0003, 2, true, &[0x29, 0, 0, 0]),
        // 0100h Power Management, 0105h Timeout, 0107h Real Time Streaming (§5.3.37: RBCB,
        // SCS, MP2A, WSPD, SW).
        feature(0x0100, 0, true, &[]),
        feature(0x0105, 1, true, &[0x01, 0, 0x10, 0x00]),
        feature(0x0107, 3, m.s.is_some(), &[0x1F, 0, 0, 0]),
    ]
}

/// Features of reading: random reading (any medium), Multi-Read, CD Read, DVD Read.
fn read_features(m: &InDrive) -> Vec<Vec<u8>> {
    let cd = m.family == Some(Family::Cd);
    // 0010h Random Readable (§5.3.5): block 2048, BLOCKING 16 (DVD/CD) or 32 (BD), PP.
    let mut rr = [0u8; 8];
    put32(&mut rr, 0, 2048);
    put16(&mut rr, 4, m.blocking);
    rr[6] = 0x01;
    let readable =
        m.s.is_some_and(|s| layout::readable_tracks(s).next().is_some() || m.random);
    vec![
        feature(0x0010, 0, readable, &rr),
        // 001Dh Multi-Read, 001Eh CD Read (C2 flag, no CD-Text), 001Fh DVD Read (MULTI110, DL).
        feature(0x001D, 0, cd, &[]),
        feature(0x001E, 2, cd, &[0x02, 0, 0, 0]),
        feature(
            0x001F,
            1,
            m.family == Some(Family::Dvd),
            &[0x01, 0, 0x01, 0],
        ),
    ]
}

/// Features of writing: random (DVD+RW, BD-RE, restricted overwrite), formatting, and the
/// write modes of CD and DVD media.
fn write_features(m: &InDrive) -> Vec<Vec<u8>> {
    // 0020h Random Writable (§5.3.10): LAST LBA, block size, BLOCKING, PP.
    let mut rw = [0u8; 12];
    put32(
        &mut rw,
        0,
        m.s.map(|s| s.capacity.saturating_sub(1)).unwrap_or(0),
    );
    put32(&mut rw, 4, 2048);
    put16(&mut rw, 8, m.blocking);
    rw[10] = 0x01;
    let formatted = m.random && m.s.is_some_and(|s| s.formatted);
    // 0021h Incremental Streaming Writable (§5.3.11): DATA BLOCK TYPES SUPPORTED (mode 1,
    // raw), BUF, 1 link size of 7 (CD) / 16 (DVD).
    let inc = m.sequential
        && m.is(&[
            MediaKind::CdR,
            MediaKind::CdRw,
            MediaKind::DvdR,
            MediaKind::DvdRw,
        ]);
    let link = if m.family == Some(Family::Cd) { 7 } else { 16 };
    let fmt = m.is(&[MediaKind::DvdPlusRw, MediaKind::BdRe, MediaKind::DvdRw]);
    let cdw = m.sequential && m.is(&[MediaKind::CdR, MediaKind::CdRw]);
    let dvdw = m.sequential && m.is(&[MediaKind::DvdR, MediaKind::DvdRw]);
    vec![
        feature(0x0020, 1, formatted, &rw),
        feature(0x0021, 1, inc, &[0x01, 0x01, 0x01, 1, link, 0, 0, 0]),
        // 0023h Formattable (§5.3.13).
        feature(0x0023, 0, fmt, &[0x00, 0, 0, 0, 0x01, 0, 0, 0]),
        // 0024h Hardware Defect Management (BD-RE).
        feature(0x0024, 1, m.is(&[MediaKind::BdRe]), &[0x80, 0, 0, 0]),
        // 0026h Restricted Overwrite (DVD-RW restricted overwrite).
        feature(0x0026, 0, m.profile == 0x0013, &[]),
        // 002Ah DVD+RW (§5.3.19): Write; 002Bh DVD+R (§5.3.20): Write.
        feature(0x002A, 1, m.is(&[MediaKind::DvdPlusRw]), &[0x01, 0, 0, 0]),
        feature(0x002B, 0, m.is(&[MediaKind::DvdPlusR]), &[0x01, 0, 0, 0]),
        // 002Dh CD Track at Once (§5.3.22): BUF, TestWrite, CD-RW; data types mode 1 + raw
        // audio.
        feature(0x002D, 2, cdw, &[0x46, 0, 0x01, 0x01]),
        // 002Eh CD Mastering (§5.3.23): BUF, SAO, TestWrite, CD-RW; max cue sheet 2048 bytes.
        feature(0x002E, 1, cdw, &[0x66, 0x00, 0x08, 0x00]),
        // 002Fh DVD-R/-RW Write (§5.3.24): BUF, TestWrite, DVD-RW SL.
        feature(0x002F, 2, dvdw, &[0x46, 0, 0, 0]),
        // 003Bh DVD+R Dual Layer (§5.3.28): Write.
        feature(0x003B, 0, m.is(&[MediaKind::DvdPlusRDl]), &[0x01, 0, 0, 0]),
    ]
}

/// BD Read and BD Write, with their disc class bitmaps.
fn bd_features(m: &InDrive) -> Vec<Vec<u8>> {
    // 0040h BD Read (§5.3.29): class bitmaps, BD-RE class 0 bits 1..2 (versions 1, 2),
    // BD-R class 0 bit 1, BD-ROM class 0 bit 1.
    let mut bdr = [0u8; 28];
    bdr[5] = 0x06; // BD-RE class 0 bitmap (bytes 4..=5 of the data)
    bdr[13] = 0x02; // BD-R class 0 (bytes 12..=13)
    bdr[21] = 0x02; // BD-ROM class 0 (bytes 20..=21)
    // 0041h BD Write (§5.3.30): SVNR, BD-RE class 0, BD-R class 0.
    let mut bdw = [0u8; 20];
    bdw[5] = 0x06;
    bdw[13] = 0x02;
    vec![
        feature(0x0040, 0, m.family == Some(Family::Bd), &bdr),
        feature(0x0041, 1, m.is(&[MediaKind::BdR, MediaKind::BdRe]), &bdw),
    ]
}

/// LBA to (M, S, F) of the absolute time (LBA + 150), binary.
pub fn msf(lba: u32) -> [u8; 3] {
    let f = lba as u64 + 150;
    [(f / 4500) as u8, (f / 75 % 60) as u8, (f % 75) as u8]
}

fn msf_field(lba: u32) -> u32 {
    let m = msf(lba);
    u32::from_be_bytes([0, m[0], m[1], m[2]])
}

/// READ DISC INFORMATION, standard disc information (MMC-6 §6.22.3.1, Table 572).
pub fn disc_information(s: &State) -> Vec<u8> {
    let mut d = vec![0u8; 34];
    put16(&mut d, 0, 32);
    let erasable = s.kind.is_erasable();
    d[2] =
        (u8::from(erasable) << 4) | (layout::last_session_state(s) << 2) | layout::disc_status(s);
    d[3] = 1; // NUMBER OF FIRST TRACK ON DISC
    let sessions = layout::session_count(s);
    let (first, last) = layout::last_session_tracks(s);
    d[4] = sessions as u8;
    d[5] = first as u8;
    d[6] = last as u8;
    d[9] = (sessions >> 8) as u8;
    d[10] = (first >> 8) as u8;
    d[11] = (last >> 8) as u8;
    // Byte 7: DID_V 0, DBC_V 0, URU 1 (unrestricted use), BG FORMAT STATUS for DVD+RW/BD-RE.
    d[7] = 0x20
        | if layout::is_random(s) && s.formatted && s.kind != MediaKind::DvdRw {
            0x03
        } else {
            0
        };
    d[8] = if s.kind.family() == Family::Cd {
        0x00
    } else {
        0xFF
    }; // DISC TYPE
    if s.kind.family() == Family::Cd && !s.kind.is_rom() && !s.finalized {
        // LAST SESSION LEAD-IN START and LAST POSSIBLE LEAD-OUT START, as MSF.
        let next = layout::next_track_start(s);
        let leadin = if s.tracks.is_empty() {
            0
        } else {
            next.saturating_sub(150 + 4500)
        };
        put32(
            &mut d,
            16,
            if s.tracks.is_empty() {
                0x0061_1A42
            } else {
                msf_field(leadin)
            },
        );
        put32(&mut d, 20, msf_field(s.capacity));
    } else if !s.kind.is_rom() && !s.finalized {
        put32(&mut d, 20, s.capacity);
    } else {
        put32(&mut d, 16, 0xFFFF_FFFF);
        put32(&mut d, 20, 0xFFFF_FFFF);
    }
    d
}

/// The invisible track (blank, after the recorded ones) as a pseudo `Track`.
fn invisible(s: &State) -> Track {
    let mut t = layout::new_track(s, WriteMethod::Incremental, false);
    t.reserved = Some(s.capacity.saturating_sub(t.start));
    t
}

/// Which track READ TRACK INFORMATION means (MMC-6 §6.27.2.2, Table 595).
pub fn find_track(s: &State, address_type: u8, address: u32) -> Option<Track> {
    let inv = layout::has_invisible_track(s).then(|| invisible(s));
    if layout::is_random(s) {
        // One track covering the whole formatted (or unformatted) area.
        let t = Track {
            number: 1,
            session: 1,
            start: 0,
            recorded: if s.formatted { s.capacity } else { 0 },
            reserved: Some(s.capacity),
            runout: 0,
            closed: s.formatted,
            audio: false,
            method: WriteMethod::Overwrite,
            damaged: false,
            control: None,
        };
        return match address_type {
            0 => (address < s.capacity).then_some(t),
            1 | 2 => (address == 1 || address == 0xFF).then_some(t),
            _ => None,
        };
    }
    match address_type {
        0 => s
            .tracks
            .iter()
            .find(|t| address >= t.start && address < t.end().max(t.start + 1))
            .cloned()
            .or_else(|| inv.filter(|t| address >= t.start && address < s.capacity)),
        1 => {
            if address == 0xFF {
                return inv.or_else(|| layout::incomplete_track(s).cloned());
            }
            s.tracks
                .iter()
                .find(|t| t.number as u32 == address)
                .cloned()
                .or_else(|| inv.filter(|t| t.number as u32 == address))
        }
        2 => s
            .tracks
            .iter()
            .find(|t| t.session as u32 == address)
            .cloned()
            .or_else(|| inv.filter(|t| t.session as u32 == address)),
        _ => None,
    }
}

/// READ TRACK INFORMATION data (MMC-6 §6.27.3, Table 597), 48 bytes.
pub fn track_information(s: &State, t: &Track, nwa_lie: i64) -> Vec<u8> {
    let mut d = vec![0u8; 48];
    put16(&mut d, 0, 46);
    d[2] = t.number as u8;
    d[3] = t.session as u8;
    d[32] = (t.number >> 8) as u8;
    d[33] = (t.session >> 8) as u8;
    let blank = t.recorded == 0 && !layout::is_random(s);
    let incremental = matches!(t.method, WriteMethod::Incremental | WriteMethod::Tao);
    // Byte 5: DAMAGE bit 5, COPY bit 4, TRACK MODE (4 data uninterrupted, 5 data incremental,
    // 0 audio).
    d[5] = (u8::from(t.damaged) << 5)
        | if t.audio {
            0
        } else if incremental && s.kind.family() != Family::Cd {
            5
        } else {
            4
        };
    // Byte 6: RT bit 7, BLANK bit 6, PACKET/INC bit 5, FP bit 4, DATA MODE (1 mode 1, Fh blank).
    let rt = layout::is_random(s);
    d[6] = (u8::from(rt) << 7)
        | (u8::from(blank) << 6)
        | (u8::from(incremental && s.kind.family() != Family::Cd) << 5)
        | if blank || t.audio { 0x0F } else { 0x01 };
    let open = !t.closed && !t.damaged && !s.finalized && layout::is_sequential(s);
    let room = t.reserved.is_none_or(|r| t.recorded < r) || t.reserved.is_none();
    let nwa_v = open && room;
    let lra_v = t.recorded > 0 && s.kind.family() != Family::Cd;
    d[7] = (u8::from(lra_v) << 1) | u8::from(nwa_v);
    put32(&mut d, 8, t.start);
    let size = match t.reserved {
        Some(r) => r,
        None if open => s.capacity.saturating_sub(t.start),
        None => t.size(),
    };
    if nwa_v {
        let nwa = (t.start + t.recorded) as i64 + nwa_lie;
        put32(&mut d, 12, nwa.clamp(0, u32::MAX as i64) as u32);
        put32(&mut d, 16, size.saturating_sub(t.recorded));
    }
    put32(
        &mut d,
        20,
        if s.kind.family() == Family::Cd {
            0
        } else {
            layout::alignment(s.kind)
        },
    );
    put32(&mut d, 24, size);
    if lra_v {
        put32(&mut d, 28, t.start + t.recorded - 1);
    }
    d
}

/// READ TOC/PMA/ATIP format 0000b (MMC-6 §6.26.2.3, Table 590): tracks from `from`, lead-out.
pub fn toc_format0(s: &State, msf_form: bool, from: u8) -> Option<Vec<u8>> {
    let tracks: Vec<&Track> = toc_tracks(s);
    let last = tracks.last()?;
    let leadout = if layout::is_random(s) {
        s.capacity
    } else {
        last.end()
    };
    let addr = |lba: u32| if msf_form { msf_field(lba) } else { lba };
    let mut d = vec![0u8; 4];
    d[2] = tracks[0].number as u8;
    d[3] = last.number as u8;
    for t in tracks
        .iter()
        .filter(|t| from == 0 || t.number as u32 >= from as u32)
    {
        if from == 0xAA {
            break;
        }
        let mut e = [0u8; 8];
        e[1] = 0x10 | control(t);
        e[2] = t.number as u8;
        put32(&mut e, 4, addr(t.start));
        d.extend_from_slice(&e);
    }
    if from != 0 && from != 0xAA && from as u16 > last.number {
        return None;
    }
    let mut e = [0u8; 8];
    e[1] = 0x10 | control(last);
    e[2] = 0xAA;
    put32(&mut e, 4, addr(leadout));
    d.extend_from_slice(&e);
    let len = d.len() as u16 - 2;
    put16(&mut d, 0, len);
    Some(d)
}

/// CONTROL nibble: 4 data uninterrupted, 5 data incremental, 0 audio (MMC-6 Table 591), or
/// what the cue sheet gave (bit 3 four channels, bit 2 data, bit 1 copy, bit 0 pre-emphasis).
fn control(t: &Track) -> u8 {
    if let Some(c) = t.control {
        c & 0x0F
    } else if t.audio {
        0
    } else if t.method == WriteMethod::Incremental {
        5
    } else {
        4
    }
}

/// Tracks the TOC lists: those of closed sessions on CD (the TOC is written at session close),
/// every recorded track on DVD/BD (drives fabricate a TOC there), one track on random media.
fn toc_tracks(s: &State) -> Vec<&Track> {
    if layout::is_random(s) {
        return Vec::new();
    }
    s.tracks
        .iter()
        .filter(|t| {
            t.recorded > 0
                && if s.kind.family() == Family::Cd && !s.kind.is_rom() {
                    t.session <= s.closed_sessions
                } else {
                    true
                }
        })
        .collect()
}

/// Format 0000b for random-access media: one track of the formatted size.
pub fn toc_random(s: &State, msf_form: bool) -> Option<Vec<u8>> {
    if !s.formatted {
        return None;
    }
    let addr = |lba: u32| if msf_form { msf_field(lba) } else { lba };
    let mut d = vec![0, 18, 1, 1];
    d.extend_from_slice(&[0, 0x14, 1, 0]);
    d.extend_from_slice(&addr(0).to_be_bytes());
    d.extend_from_slice(&[0, 0x14, 0xAA, 0]);
    d.extend_from_slice(&addr(s.capacity).to_be_bytes());
    Some(d)
}

/// Format 0001b session information (MMC-6 Table 592): first track of the last complete
/// session.
pub fn toc_format1(s: &State, msf_form: bool) -> Option<Vec<u8>> {
    let tracks = toc_tracks(s);
    let last_sess = tracks.last().map(|t| t.session).unwrap_or(1);
    let first = if layout::is_random(s) {
        if !s.formatted {
            return None;
        }
        None
    } else {
        Some(*tracks.iter().find(|t| t.session == last_sess)?)
    };
    let mut d = vec![0, 10, 1, last_sess as u8];
    let (ctl, num, start) = match first {
        Some(t) => (control(t), t.number as u8, t.start),
        None => (4, 1, 0),
    };
    d.extend_from_slice(&[0, 0x10 | ctl, num, 0]);
    let a = if msf_form { msf_field(start) } else { start };
    d.extend_from_slice(&a.to_be_bytes());
    Some(d)
}

/// Format 0010b full TOC (MMC-6 Table 593), CD only: per complete session the A0/A1/A2
/// points, the tracks, and B0 (plus C0 in session 1) while the disc is appendable.
pub fn toc_format2(s: &State) -> Option<Vec<u8>> {
    if s.kind.family() != Family::Cd {
        return None;
    }
    let tracks = toc_tracks(s);
    let last_sess = tracks.last()?.session;
    let mut d = vec![0u8; 4];
    d[2] = 1;
    d[3] = last_sess as u8;
    let entry = |d: &mut Vec<u8>, sess: u16, ctl: u8, point: u8, m: [u8; 3], z: u8, p: [u8; 3]| {
        d.extend_from_slice(&[
            sess as u8,
            0x10 | ctl,
            0,
            point,
            m[0],
            m[1],
            m[2],
            z,
            p[0],
            p[1],
            p[2],
        ]);
    };
    for sess in 1..=last_sess {
        let in_s: Vec<&&Track> = tracks.iter().filter(|t| t.session == sess).collect();
        let (Some(f), Some(l)) = (in_s.first(), in_s.last()) else {
            continue;
        };
        entry(
            &mut d,
            sess,
            control(f),
            0xA0,
            [0; 3],
            0,
            [f.number as u8, 0x00, 0],
        );
        entry(
            &mut d,
            sess,
            control(l),
            0xA1,
            [0; 3],
            0,
            [l.number as u8, 0, 0],
        );
        entry(&mut d, sess, control(l), 0xA2, [0; 3], 0, msf(l.end()));
        for t in &in_s {
            entry(
                &mut d,
                sess,
                control(t),
                t.number as u8,
                [0; 3],
                0,
                msf(t.start),
            );
        }
        let appendable = !s.finalized && sess == last_sess && s.kind != MediaKind::CdRom;
        if appendable {
            let next = layout::next_track_start(s);
            entry(
                &mut d,
                sess,
                5,
                0xB0,
                msf(next.saturating_sub(150)),
                0,
                msf(s.capacity),
            );
            if sess == 1 {
                entry(&mut d, sess, 4, 0xC0, [0xA0, 0, 0], 0, [97, 26, 66]);
            }
        }
    }
    let len = d.len() as u16 - 2;
    put16(&mut d, 0, len);
    Some(d)
}

/// Format 0100b ATIP (MMC-6 Table 594), CD-R/RW only: lead-in start 97:26:66 (the frame
/// encodes the manufacturer), last possible lead-out start from the capacity.
pub fn atip(s: &State) -> Option<Vec<u8>> {
    if !matches!(s.kind, MediaKind::CdR | MediaKind::CdRw) {
        return None;
    }
    let mut d = vec![0u8; 28];
    put16(&mut d, 0, 26);
    d[4] = 0x80 | (5 << 4) | 0x01; // indicative writing power 5, reference speed 1
    d[5] = 0x40; // URU
    d[6] = 0x80 | if s.kind == MediaKind::CdRw { 0x40 } else { 0 }; // DISC TYPE
    d[8..11].copy_from_slice(&[97, 26, 66]);
    d[12..15].copy_from_slice(&msf(s.capacity));
    Some(d)
}

/// READ DISC STRUCTURE answers for DVD (media type 0) and BD (media type 1), MMC-6 §6.23.
pub fn disc_structure(s: &State, media_type: u8, format: u8) -> Option<Vec<u8>> {
    let fam = s.kind.family();
    let body: Vec<u8> = match (media_type, format, fam) {
        (0, 0x00, Family::Dvd) => {
            // Physical format information (Table 555 / ECMA-267 §3.3.2).
            let mut p = vec![0u8; 2048];
            let (book, layer_type) = match s.kind {
                MediaKind::DvdRom => (0x0, 0x1),
                MediaKind::DvdR => (0x2, 0x2),
                MediaKind::DvdRw => (0x3, 0x4),
                MediaKind::DvdPlusRw => (0x9, 0x4),
                MediaKind::DvdPlusR => (0xA, 0x2),
                _ => (0xE, 0x2),
            };
            p[0] = book << 4 | 0x01;
            p[1] = 0x0F; // 120 mm, maximum rate not specified
            let dl = s.kind == MediaKind::DvdPlusRDl;
            p[2] = (u8::from(dl) << 5) | layer_type;
            p[3] = 0x10;
            let size = if s.kind.is_rom() {
                layout::recorded_end(s)
            } else {
                s.capacity
            };
            put32(&mut p, 4, 0x0003_0000);
            put32(&mut p, 8, 0x0003_0000 + size.saturating_sub(1));
            put32(
                &mut p,
                12,
                if dl {
                    0x0003_0000 + layer0_blocks(s) - 1
                } else {
                    0
                },
            );
            p
        }
        (0, 0x20, Family::Dvd) if s.kind == MediaKind::DvdPlusRDl => layer_boundary(s),
        (0, 0x01, Family::Dvd) => vec![0, 0, 0, 0], // copyright: no CSS, all regions
        (0, 0x0E, Family::Dvd) if s.kind == MediaKind::DvdR || s.kind == MediaKind::DvdRw => {
            // Pre-recorded information: field 3 and 4 carry the manufacturer ID.
            let mut p = vec![0u8; 64];
            let id = s.media_id.as_bytes();
            p[16] = 3;
            for (i, b) in id.iter().take(6).enumerate() {
                p[17 + i] = *b;
            }
            p[24] = 4;
            for (i, b) in id.iter().skip(6).take(6).enumerate() {
                p[25 + i] = *b;
            }
            p
        }
        (0, 0x11, Family::Dvd)
            if matches!(
                s.kind,
                MediaKind::DvdPlusR | MediaKind::DvdPlusRw | MediaKind::DvdPlusRDl
            ) =>
        {
            // ADIP: DISC MANUFACTURER ID 19..=26, MEDIA TYPE ID 27..=29.
            let mut p = vec![0u8; 256];
            let (m, t) = s.media_id.split_once('/').unwrap_or((&s.media_id, ""));
            for (i, b) in m.bytes().take(8).enumerate() {
                p[19 + i] = b;
            }
            for (i, b) in t.bytes().take(3).enumerate() {
                p[27 + i] = b;
            }
            p
        }
        (1, 0x00, Family::Bd) => {
            // Disc information: DI unit, "DI" signature, DISC TYPE IDENTIFIER at 8..=10,
            // manufacturer 100..=105, media type 106..=108.
            let mut p = vec![0u8; 112];
            p[0..2].copy_from_slice(b"DI");
            p[2] = 1;
            let t: &[u8; 3] = match s.kind {
                MediaKind::BdRom => b"BDO",
                MediaKind::BdRe => b"BDW",
                _ => b"BDR",
            };
            p[8..11].copy_from_slice(t);
            let (m, ty) = s.media_id.split_once('/').unwrap_or((&s.media_id, ""));
            for (i, b) in m.bytes().take(6).enumerate() {
                p[100 + i] = b;
            }
            for (i, b) in ty.bytes().take(3).enumerate() {
                p[106 + i] = b;
            }
            p
        }
        (_, 0xFF, _) => {
            // Disc structure list: one 4-byte entry per format (code, SDS/RDS, length).
            let formats: &[(u8, u16)] = match fam {
                Family::Dvd if s.kind == MediaKind::DvdPlusRDl => &[
                    (0x00, 2052),
                    (0x01, 8),
                    (0x11, 260),
                    (0x20, 12),
                    (0xFF, 0xFFFF),
                ],
                Family::Dvd => &[(0x00, 2052), (0x01, 8), (0x11, 260), (0xFF, 0xFFFF)],
                Family::Bd => &[(0x00, 116), (0xFF, 0xFFFF)],
                Family::Cd => return None,
            };
            let mut p = Vec::new();
            for (f, l) in formats {
                p.extend_from_slice(&[*f, 0x40]);
                p.extend_from_slice(&l.to_be_bytes());
            }
            p
        }
        _ => return None,
    };
    let mut d = vec![0u8; 4];
    put16(&mut d, 0, body.len() as u16 + 2);
    d.extend_from_slice(&body);
    Some(d)
}

/// Layer boundary information (MMC-6 Table 407): INIT STATUS (bit 7 of byte 4) says the L0
/// data zone capacity is fixed (set by the host, or recording began).
fn layer_boundary(s: &State) -> Vec<u8> {
    let mut p = vec![0u8; 8];
    let fixed = s.l0_capacity.is_some() || layout::recorded_end(s) > 0;
    p[0] = u8::from(fixed) << 7;
    put32(&mut p, 4, layer0_blocks(s));
    p
}

/// Blocks in layer 0 of a DVD+R DL: what the host set, else half the disc rounded down to
/// whole 16-block ECC blocks.
pub fn layer0_blocks(s: &State) -> u32 {
    s.l0_capacity.unwrap_or(s.capacity / 2 / 16 * 16)
}

/// READ FORMAT CAPACITIES (MMC-6 §6.24.3): current/maximum descriptor, then formattable ones.
pub fn format_capacities(s: Option<&State>) -> Vec<u8> {
    let mut descs: Vec<[u8; 8]> = Vec::new();
    let desc = |blocks: u32, b4: u8, param: u32| {
        let mut e = [0u8; 8];
        put32(&mut e, 0, blocks);
        e[4] = b4;
        e[5..8].copy_from_slice(&param.to_be_bytes()[1..]);
        e
    };
    match s {
        None => descs.push(desc(0xFFFF_FFFF, 0x03, 2048)),
        Some(s) => {
            let formatted = if s.kind.is_rom() || s.formatted || layout::recorded_end(s) > 0 {
                0x02
            } else {
                0x01
            };
            descs.push(desc(s.capacity, formatted, 2048));
            match s.kind {
                MediaKind::DvdPlusRw => descs.push(desc(s.capacity, 0x26 << 2, 0)),
                MediaKind::BdRe => {
                    descs.push(desc(s.capacity, 0x00, 0x3000));
                    descs.push(desc(s.capacity - s.capacity / 16, 0x30 << 2, 0x3000));
                    descs.push(desc(s.capacity, 0x31 << 2, 0));
                }
                MediaKind::BdR if s.formatted => {}
                MediaKind::BdR if layout::recorded_end(s) == 0 => {
                    // Spare areas (MMC-6 §6.24.3.2.12): full format 00h and SRM+POW 32h with
                    // the default, a small and a large spare (whole 32-block clusters).
                    let less = |div: u32| s.capacity - s.capacity / div / 32 * 32;
                    descs.push(desc(less(32), 0x00, 0x3000));
                    descs.push(desc(less(32), 0x32 << 2, 0));
                    descs.push(desc(less(256), 0x32 << 2, 0));
                    descs.push(desc(less(8), 0x32 << 2, 0));
                }
                MediaKind::DvdRw => {
                    descs.push(desc(s.capacity, 0x00, 16));
                    descs.push(desc(s.capacity, 0x15 << 2, 16));
                    descs.push(desc(s.capacity, 0x10 << 2, 16));
                }
                _ => {}
            }
        }
    }
    let mut d = vec![0, 0, 0, (descs.len() * 8) as u8];
    for e in descs {
        d.extend_from_slice(&e);
    }
    d
}

/// Write speeds offered per medium (kB/s, 1 kB = 1000 bytes as MMC counts).
pub fn write_speeds(kind: MediaKind) -> Vec<u32> {
    let (one_x, xs): (u32, &[u32]) = match kind {
        k if k.is_rom() => return Vec::new(),
        MediaKind::CdR => (176, &[48, 32, 24, 16]),
        MediaKind::CdRw => (176, &[24, 16, 10, 4]),
        MediaKind::DvdPlusRDl => (1385, &[8, 4, 2]),
        MediaKind::DvdRw | MediaKind::DvdPlusRw => (1385, &[8, 6, 4]),
        MediaKind::BdRe => (4496, &[2, 1]),
        MediaKind::BdR => (4496, &[12, 8, 6, 4, 2]),
        _ => (1385, &[16, 12, 8, 4]),
    };
    xs.iter().map(|x| x * one_x).collect()
}

/// GET PERFORMANCE type 03h write speed descriptors (MMC-6 §6.8.2.3, Table 349).
pub fn write_speed_descriptors(s: &State, max: usize) -> Vec<u8> {
    let speeds = write_speeds(s.kind);
    let mut d = vec![0u8; 8];
    let end = s.capacity.saturating_sub(1);
    for w in speeds.iter().take(max) {
        let mut e = [0u8; 16];
        put32(&mut e, 4, end);
        put32(&mut e, 8, *w);
        put32(&mut e, 12, *w);
        d.extend_from_slice(&e);
    }
    let len = d.len() as u32 - 4;
    put32(&mut d, 0, len);
    d
}

/// GET PERFORMANCE type 00h nominal performance (Table 346), read (write = false) or write.
pub fn performance(s: &State, write: bool, speed_kbps: u32) -> Vec<u8> {
    let mut d = vec![0u8; 8];
    d[4] = u8::from(write) << 1;
    let end = if write {
        s.capacity
    } else {
        layout::recorded_end(s)
    }
    .saturating_sub(1);
    let mut e = [0u8; 16];
    put32(&mut e, 4, speed_kbps);
    put32(&mut e, 8, end);
    put32(&mut e, 12, speed_kbps);
    d.extend_from_slice(&e);
    let len = d.len() as u32 - 4;
    put32(&mut d, 0, len);
    d
}

/// 96 bytes of raw interleaved P-W sub-channel for one sector (MMC-6 §6.19.2.5): P set in
/// pre-gaps, Q mode 1 position (track, index, relative and absolute time, CRC).
pub fn subchannel(s: &State, lba: u32) -> [u8; 96] {
    let t = s.tracks.iter().find(|t| lba >= t.start && lba < t.end());
    let mut q = [0u8; 12];
    let bcd = |v: u32| (((v / 10) << 4) | (v % 10)) as u8;
    let (num, ctl, rel) = match t {
        Some(t) => (t.number as u32, control(t), lba - t.start),
        None => (0xAA, 4, 0),
    };
    q[0] = (ctl << 4) | 1;
    q[1] = if num == 0xAA { 0xAA } else { bcd(num) };
    q[2] = 1;
    let r = ecma130::frames_to_msf_bcd(rel as u64);
    q[3..6].copy_from_slice(&r);
    let a = ecma130::msf_bcd(lba as u64);
    q[7..10].copy_from_slice(&a);
    let crc = ecma130::subq_crc(&q[..10]);
    q[10..12].copy_from_slice(&crc.to_be_bytes());
    let mut out = [0u8; 96];
    for (i, o) in out.iter_mut().enumerate() {
        let qbit = (q[i / 8] >> (7 - (i % 8))) & 1;
        *o = qbit << 6;
    }
    out
}
