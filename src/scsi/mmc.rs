//! MMC-6 commands for media and recording: event status, disc/track information, TOC/PMA/
//! ATIP, disc structures, format capacities, FORMAT UNIT, BLANK, RESERVE TRACK, CLOSE
//! TRACK/SESSION, SEND CUE SHEET, READ BUFFER CAPACITY, speeds and performance, READ CD.

use super::{ParseError, ascii, be16, be32, need};
use serde::Serialize;

// ---------------------------------------------------------------------------------------
// GET EVENT STATUS NOTIFICATION

/// GET EVENT STATUS NOTIFICATION (MMC-6 §6.8, Table 117): opcode 4Ah, POLLED byte 1 bit 0,
/// NOTIFICATION CLASS REQUEST byte 4, ALLOCATION LENGTH bytes 7..=8. Only polled operation
/// is meaningful through SG_IO. `class_request` 10h = media class.
pub fn get_event_status_notification(class_request: u8, allocation_length: u16) -> [u8; 10] {
    let [a0, a1] = allocation_length.to_be_bytes();
    [0x4A, 0x01, 0, 0, class_request, 0, 0, a0, a1, 0]
}

/// Notification class request bit for media events (MMC-6 Table 118, bit 4).
pub const NOTIFICATION_CLASS_MEDIA: u8 = 0x10;

/// MEDIA EVENT CODE (MMC-6 Table 127).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MediaEvent {
    NoChange,
    EjectRequest,
    NewMedia,
    MediaRemoval,
    MediaChanged,
    BgFormatCompleted,
    BgFormatRestarted,
    Reserved(u8),
}

/// The media class event status (MMC-6 Tables 119, 126).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaEventStatus {
    /// Header byte 2 bit 7: NEA (no event available: the class asked for is not supported).
    pub nea: bool,
    /// Header byte 2 bits 2..0: NOTIFICATION CLASS of the returned event.
    pub notification_class: u8,
    /// Header byte 3: SUPPORTED EVENT CLASSES bitmap.
    pub supported_event_classes: u8,
    /// Descriptor byte 0 bits 3..0 (absent when NEA or no descriptor).
    pub event: Option<MediaEvent>,
    /// Descriptor byte 1 bit 1: MEDIA PRESENT.
    pub media_present: bool,
    /// Descriptor byte 1 bit 0: DOOR OR TRAY OPEN.
    pub tray_open: bool,
}

pub fn parse_media_event_status(d: &[u8]) -> Result<MediaEventStatus, ParseError> {
    need("GET EVENT STATUS NOTIFICATION header", d, 4)?;
    let nea = d[2] & 0x80 != 0;
    let class = d[2] & 0x07;
    // Header bytes 0..=1: EVENT DESCRIPTOR LENGTH (bytes after them).
    let have_descriptor = !nea && class == 4 && d.len() >= 8 && be16(d, 0) >= 6;
    let (event, media_present, tray_open) = if have_descriptor {
        let code = d[4] & 0x0F;
        let e = match code {
            0 => MediaEvent::NoChange,
            1 => MediaEvent::EjectRequest,
            2 => MediaEvent::NewMedia,
            3 => MediaEvent::MediaRemoval,
            4 => MediaEvent::MediaChanged,
            5 => MediaEvent::BgFormatCompleted,
            6 => MediaEvent::BgFormatRestarted,
            n => MediaEvent::Reserved(n),
        };
        (Some(e), d[5] & 0x02 != 0, d[5] & 0x01 != 0)
    } else {
        (None, false, false)
    };
    Ok(MediaEventStatus {
        nea,
        notification_class: class,
        supported_event_classes: d[3],
        event,
        media_present,
        tray_open,
    })
}

// ---------------------------------------------------------------------------------------
// READ DISC INFORMATION

/// READ DISC INFORMATION (MMC-6 §6.22, Table 520): opcode 51h, DATA TYPE byte 1 bits 2..0
/// (000b standard disc information), ALLOCATION LENGTH bytes 7..=8.
pub fn read_disc_information(allocation_length: u16) -> [u8; 10] {
    let [a0, a1] = allocation_length.to_be_bytes();
    [0x51, 0, 0, 0, 0, 0, 0, a0, a1, 0]
}

/// DISC STATUS (MMC-6 Table 523).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscStatus {
    Empty,
    Incomplete,
    Complete,
    /// Random-access media without sessions (DVD-RAM, BD-RE, formatted +RW ...).
    Other,
}

/// STATE OF LAST SESSION (MMC-6 Table 522).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Empty,
    Incomplete,
    ReservedDamaged,
    Complete,
}

/// Standard disc information (MMC-6 §6.22.3.1, Table 521).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscInformation {
    /// Byte 2 bit 4: ERASABLE.
    pub erasable: bool,
    /// Byte 2 bits 3..2.
    pub state_of_last_session: SessionState,
    /// Byte 2 bits 1..0.
    pub disc_status: DiscStatus,
    /// Byte 3: NUMBER OF FIRST TRACK ON DISC.
    pub first_track: u8,
    /// Bytes 9 (MSB) and 4 (LSB): NUMBER OF SESSIONS.
    pub sessions: u16,
    /// Bytes 10 (MSB) and 5 (LSB): FIRST TRACK NUMBER IN LAST SESSION.
    pub first_track_in_last_session: u16,
    /// Bytes 11 (MSB) and 6 (LSB): LAST TRACK NUMBER IN LAST SESSION.
    pub last_track_in_last_session: u16,
    /// Byte 7 bit 5: URU (unrestricted use).
    pub unrestricted_use: bool,
    /// Byte 7 bits 1..0: BG FORMAT STATUS.
    pub bg_format_status: u8,
    /// Byte 8: DISC TYPE (00h CD-DA/CD-ROM, 10h CD-I, 20h CD-ROM XA, FFh undefined).
    pub disc_type: u8,
    /// Bytes 16..=19: LAST SESSION LEAD-IN START ADDRESS (MSF as 00 M S F on CD, LBA else).
    pub last_session_lead_in_start: u32,
    /// Bytes 20..=23: LAST POSSIBLE LEAD-OUT START ADDRESS (MSF on CD, LBA else).
    pub last_possible_lead_out_start: u32,
}

pub fn parse_disc_information(d: &[u8]) -> Result<DiscInformation, ParseError> {
    // Everything up to the lead-out address: 24 bytes. Older drives stop at 32 (0x20).
    need("disc information", d, 24)?;
    if d[2] >> 5 != 0 {
        return Err(ParseError::Invalid {
            what: "disc information",
            detail: format!("data type {}b, expected 000b", d[2] >> 5),
        });
    }
    Ok(DiscInformation {
        erasable: d[2] & 0x10 != 0,
        state_of_last_session: match (d[2] >> 2) & 3 {
            0 => SessionState::Empty,
            1 => SessionState::Incomplete,
            2 => SessionState::ReservedDamaged,
            _ => SessionState::Complete,
        },
        disc_status: match d[2] & 3 {
            0 => DiscStatus::Empty,
            1 => DiscStatus::Incomplete,
            2 => DiscStatus::Complete,
            _ => DiscStatus::Other,
        },
        first_track: d[3],
        sessions: u16::from_be_bytes([d[9], d[4]]),
        first_track_in_last_session: u16::from_be_bytes([d[10], d[5]]),
        last_track_in_last_session: u16::from_be_bytes([d[11], d[6]]),
        unrestricted_use: d[7] & 0x20 != 0,
        bg_format_status: d[7] & 3,
        disc_type: d[8],
        last_session_lead_in_start: be32(d, 16),
        last_possible_lead_out_start: be32(d, 20),
    })
}

// ---------------------------------------------------------------------------------------
// READ TRACK INFORMATION

/// ADDRESS/NUMBER TYPE of READ TRACK INFORMATION (MMC-6 Table 551).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackAddress {
    /// 00b: the track containing this LBA.
    Lba(u32),
    /// 01b: logical track number (FFh = the invisible/incomplete track on CD).
    Track(u32),
    /// 10b: first track of this session number.
    Session(u32),
}

/// READ TRACK INFORMATION (MMC-6 §6.27, Table 550): opcode 52h, OPEN byte 1 bit 2 is left
/// 0, ADDRESS/NUMBER TYPE byte 1 bits 1..0, bytes 2..=5 the address or number, ALLOCATION
/// LENGTH bytes 7..=8.
pub fn read_track_information(address: TrackAddress, allocation_length: u16) -> [u8; 10] {
    let (t, v) = match address {
        TrackAddress::Lba(v) => (0, v),
        TrackAddress::Track(v) => (1, v),
        TrackAddress::Session(v) => (2, v),
    };
    let b = v.to_be_bytes();
    let [a0, a1] = allocation_length.to_be_bytes();
    [0x52, t, b[0], b[1], b[2], b[3], 0, a0, a1, 0]
}

/// Track information (MMC-6 §6.27.3, Table 552).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackInformation {
    /// Bytes 32 (MSB) and 2 (LSB): LOGICAL TRACK NUMBER.
    pub track_number: u16,
    /// Bytes 33 (MSB) and 3 (LSB): SESSION NUMBER.
    pub session_number: u16,
    /// Byte 5 bit 5: DAMAGE; bit 4: COPY; bits 3..0: TRACK MODE (control nibble).
    pub damage: bool,
    pub copy: bool,
    pub track_mode: u8,
    /// Byte 6 bit 7: RT (reserved track); bit 6 BLANK; bit 5 PACKET/INC; bit 4 FP; bits
    /// 3..0 DATA MODE.
    pub rt: bool,
    pub blank: bool,
    pub packet_inc: bool,
    pub fp: bool,
    pub data_mode: u8,
    /// Bytes 8..=11: LOGICAL TRACK START ADDRESS.
    pub track_start_address: u32,
    /// Bytes 12..=15: NEXT WRITABLE ADDRESS, present only when byte 7 bit 0 NWA_V is set.
    pub next_writable_address: Option<u32>,
    /// Bytes 16..=19: FREE BLOCKS.
    pub free_blocks: u32,
    /// Bytes 20..=23: FIXED PACKET SIZE / BLOCKING FACTOR.
    pub fixed_packet_size: u32,
    /// Bytes 24..=27: LOGICAL TRACK SIZE.
    pub track_size: u32,
    /// Bytes 28..=31: LAST RECORDED ADDRESS, present only when byte 7 bit 1 LRA_V is set.
    pub last_recorded_address: Option<u32>,
    /// Bytes 36..=39: READ COMPATIBILITY LBA (DVD), when returned.
    pub read_compatibility_lba: Option<u32>,
}

pub fn parse_track_information(d: &[u8]) -> Result<TrackInformation, ParseError> {
    // Through LOGICAL TRACK SIZE; MMC-2 era drives return only 28 bytes.
    need("track information", d, 28)?;
    let lra_v = d[7] & 0x02 != 0;
    let nwa_v = d[7] & 0x01 != 0;
    let msb = |i: usize| d.get(i).copied().unwrap_or(0);
    Ok(TrackInformation {
        track_number: u16::from_be_bytes([msb(32), d[2]]),
        session_number: u16::from_be_bytes([msb(33), d[3]]),
        damage: d[5] & 0x20 != 0,
        copy: d[5] & 0x10 != 0,
        track_mode: d[5] & 0x0F,
        rt: d[6] & 0x80 != 0,
        blank: d[6] & 0x40 != 0,
        packet_inc: d[6] & 0x20 != 0,
        fp: d[6] & 0x10 != 0,
        data_mode: d[6] & 0x0F,
        track_start_address: be32(d, 8),
        next_writable_address: nwa_v.then(|| be32(d, 12)),
        free_blocks: be32(d, 16),
        fixed_packet_size: be32(d, 20),
        track_size: be32(d, 24),
        last_recorded_address: (lra_v && d.len() >= 32).then(|| be32(d, 28)),
        read_compatibility_lba: (d.len() >= 40).then(|| be32(d, 36)),
    })
}

// ---------------------------------------------------------------------------------------
// READ TOC/PMA/ATIP

/// FORMAT field of READ TOC/PMA/ATIP (MMC-6 Table 469).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TocFormat {
    Toc = 0,
    SessionInfo = 1,
    FullToc = 2,
    Pma = 3,
    Atip = 4,
    CdText = 5,
}

/// READ TOC/PMA/ATIP (MMC-6 §6.26, Table 468): opcode 43h, MSF byte 1 bit 1, FORMAT byte 2
/// bits 3..0, TRACK/SESSION NUMBER byte 6, ALLOCATION LENGTH bytes 7..=8.
pub fn read_toc_pma_atip(
    format: TocFormat,
    msf: bool,
    track_session: u8,
    allocation_length: u16,
) -> [u8; 10] {
    let [a0, a1] = allocation_length.to_be_bytes();
    [
        0x43,
        if msf { 0x02 } else { 0 },
        format as u8,
        0,
        0,
        0,
        track_session,
        a0,
        a1,
        0,
    ]
}

/// One track descriptor of TOC format 0000b (MMC-6 Table 471), or the session descriptor of
/// format 0001b (Table 473).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    /// Byte 1 bits 7..4: ADR.
    pub adr: u8,
    /// Byte 1 bits 3..0: CONTROL (bit 2 set = data track).
    pub control: u8,
    /// Byte 2: TRACK NUMBER (AAh = lead-out).
    pub track_number: u8,
    /// Bytes 4..=7: TRACK START ADDRESS (LBA, or 00 M S F when MSF was asked).
    pub start_address: u32,
}

impl TocEntry {
    /// CONTROL bit 2: data track (as opposed to audio).
    pub fn is_data(&self) -> bool {
        self.control & 0x04 != 0
    }
}

/// TOC (format 0000b) or session information (0001b): header bytes 2, 3 are first/last
/// track (or first/last complete session), descriptors of 8 bytes from byte 4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Toc {
    pub first: u8,
    pub last: u8,
    pub entries: Vec<TocEntry>,
}

/// Lead-out track number in TOC descriptors.
pub const LEAD_OUT_TRACK: u8 = 0xAA;

pub fn parse_toc(d: &[u8]) -> Result<Toc, ParseError> {
    need("TOC header", d, 4)?;
    // Bytes 0..=1: TOC DATA LENGTH (excluding themselves).
    let end = (usize::from(be16(d, 0)) + 2).min(d.len());
    let entries = d[4..end.max(4)]
        .chunks_exact(8)
        .map(|e| TocEntry {
            adr: e[1] >> 4,
            control: e[1] & 0x0F,
            track_number: e[2],
            start_address: be32(e, 4),
        })
        .collect();
    Ok(Toc {
        first: d[2],
        last: d[3],
        entries,
    })
}

/// One raw Q descriptor of the full TOC (format 0010b, MMC-6 Table 475).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FullTocEntry {
    pub session_number: u8,
    pub adr: u8,
    pub control: u8,
    pub tno: u8,
    /// POINT: track number, or A0h/A1h/A2h (first track, last track, lead-out), B0h ...
    pub point: u8,
    pub min: u8,
    pub sec: u8,
    pub frame: u8,
    pub zero: u8,
    pub pmin: u8,
    pub psec: u8,
    pub pframe: u8,
}

/// Full TOC: header bytes 2, 3 FIRST/LAST COMPLETE SESSION NUMBER, 11-byte descriptors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FullToc {
    pub first_session: u8,
    pub last_session: u8,
    pub entries: Vec<FullTocEntry>,
}

pub fn parse_full_toc(d: &[u8]) -> Result<FullToc, ParseError> {
    need("full TOC header", d, 4)?;
    let end = (usize::from(be16(d, 0)) + 2).min(d.len());
    let entries = d[4..end.max(4)]
        .chunks_exact(11)
        .map(|e| FullTocEntry {
            session_number: e[0],
            adr: e[1] >> 4,
            control: e[1] & 0x0F,
            tno: e[2],
            point: e[3],
            min: e[4],
            sec: e[5],
            frame: e[6],
            zero: e[7],
            pmin: e[8],
            psec: e[9],
            pframe: e[10],
        })
        .collect();
    Ok(FullToc {
        first_session: d[2],
        last_session: d[3],
        entries,
    })
}

/// A CD time in minutes, seconds, frames (75 frames a second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Msf {
    pub m: u8,
    pub s: u8,
    pub f: u8,
}

impl Msf {
    /// The LBA this time addresses in the program area (MMC-6 §4.2.3.4: LBA = frames −
    /// 150; lead-in times from 90:00:00 map to negative LBAs).
    pub fn to_lba(self) -> i64 {
        let frames = (i64::from(self.m) * 60 + i64::from(self.s)) * 75 + i64::from(self.f);
        if self.m >= 90 {
            frames - 450_150
        } else {
            frames - 150
        }
    }
}

impl std::fmt::Display for Msf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.m, self.s, self.f)
    }
}

/// ATIP (READ TOC format 0100b, MMC-6 Table 477).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Atip {
    /// Byte 4 bits 6..4: INDICATIVE TARGET WRITING POWER; bits 2..0 REFERENCE SPEED.
    pub indicative_target_writing_power: u8,
    pub reference_speed: u8,
    /// Byte 5 bit 6: URU.
    pub unrestricted_use: bool,
    /// Byte 6 bit 6: DISC TYPE (0 = CD-R, 1 = CD-RW); bits 5..3 DISC SUB-TYPE.
    pub disc_type_rw: bool,
    pub disc_sub_type: u8,
    /// Bytes 8..=10: ATIP START TIME OF LEAD-IN; identifies the disc manufacturer.
    pub lead_in_start: Msf,
    /// Bytes 12..=14: ATIP LAST POSSIBLE START TIME OF LEAD-OUT.
    pub last_possible_lead_out_start: Msf,
}

pub fn parse_atip(d: &[u8]) -> Result<Atip, ParseError> {
    need("ATIP", d, 15)?;
    Ok(Atip {
        indicative_target_writing_power: (d[4] >> 4) & 0x07,
        reference_speed: d[4] & 0x07,
        unrestricted_use: d[5] & 0x40 != 0,
        disc_type_rw: d[6] & 0x40 != 0,
        disc_sub_type: (d[6] >> 3) & 0x07,
        lead_in_start: Msf {
            m: d[8],
            s: d[9],
            f: d[10],
        },
        last_possible_lead_out_start: Msf {
            m: d[12],
            s: d[13],
            f: d[14],
        },
    })
}

/// Disc manufacturers registered by ATIP start time of lead-in (Orange Book part II
/// registration list): minute 97, (second, frame rounded down to tens). Well-known
/// entries only; `atip_manufacturer` returns `None` for the rest.
static ATIP_MANUFACTURERS: &[(u8, u8, &str)] = &[
    (15, 0, "TDK"),
    (15, 10, "Ritek"),
    (15, 20, "Mitsubishi Chemical"),
    (15, 30, "Nan-Ya Plastics"),
    (17, 0, "Moser Baer India"),
    (22, 0, "Woongjin Media"),
    (22, 60, "Acer Media Technology"),
    (23, 0, "Matsushita"),
    (23, 40, "Victor Company of Japan"),
    (24, 0, "Taiyo Yuden"),
    (24, 10, "Sony"),
    (24, 40, "kdg mediatech"),
    (25, 20, "Hitachi Maxell"),
    (25, 30, "Infodisc Technology"),
    (26, 20, "SKC"),
    (26, 40, "Fuji Photo Film"),
    (26, 60, "CMC Magnetics"),
    (27, 20, "Princo"),
    (27, 30, "Pioneer Video"),
    (27, 40, "Kodak Japan"),
    (27, 50, "Mitsui Chemicals"),
    (27, 60, "Ricoh"),
    (31, 0, "Ritek"),
    (32, 0, "TDK"),
    (32, 10, "Prodisc Technology"),
    (34, 20, "Mitsubishi Chemical"),
    (46, 0, "Taiyo Yuden"),
    (46, 40, "Fuji Photo Film"),
    (46, 60, "CMC Magnetics"),
    (47, 50, "Ritek"),
    (48, 0, "Ricoh"),
    (49, 0, "TDK"),
];

/// The disc manufacturer an ATIP start time of lead-in is registered to, if known. The
/// frame's units digit codes the dye type, so only its tens count.
pub fn atip_manufacturer(lead_in: Msf) -> Option<&'static str> {
    if lead_in.m != 97 {
        return None;
    }
    let frame = lead_in.f - lead_in.f % 10;
    ATIP_MANUFACTURERS
        .iter()
        .find(|&&(s, f, _)| s == lead_in.s && f == frame)
        .map(|&(_, _, n)| n)
}

// ---------------------------------------------------------------------------------------
// READ DISC STRUCTURE

/// MEDIA TYPE of READ DISC STRUCTURE (MMC-6 Table 498): 0000b DVD/HD DVD, 0001b BD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructureMedia {
    Dvd = 0,
    Bd = 1,
}

/// READ DISC STRUCTURE (MMC-6 §6.23, Table 497): opcode ADh, MEDIA TYPE byte 1 bits 3..0,
/// ADDRESS bytes 2..=5, LAYER NUMBER byte 6, FORMAT CODE byte 7, ALLOCATION LENGTH bytes
/// 8..=9, AGID byte 10 bits 7..6.
pub fn read_disc_structure(
    media: StructureMedia,
    address: u32,
    layer: u8,
    format: u8,
    allocation_length: u16,
) -> [u8; 12] {
    let a = address.to_be_bytes();
    let [l0, l1] = allocation_length.to_be_bytes();
    [
        0xAD,
        media as u8,
        a[0],
        a[1],
        a[2],
        a[3],
        layer,
        format,
        l0,
        l1,
        0,
        0,
    ]
}

/// Format codes used by discrw.
pub mod structure_format {
    /// DVD: physical format information (lead-in).
    pub const PHYSICAL: u8 = 0x00;
    /// DVD-R/-RW: pre-recorded information in lead-in.
    pub const PRE_RECORDED: u8 = 0x0E;
    /// DVD+R/+RW: ADIP information.
    pub const ADIP: u8 = 0x11;
    /// BD (media type 1): disc information.
    pub const BD_DISC_INFORMATION: u8 = 0x00;
}

/// DVD physical format information (MMC-6 Table 501; ECMA-267 §3.3.2 lead-in layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DvdPhysicalFormat {
    /// Byte 0 bits 7..4: BOOK TYPE (0 DVD-ROM, 1 DVD-RAM, 2 DVD-R, 3 DVD-RW, 9 DVD+RW,
    /// Ah DVD+R, Dh DVD+RW DL, Eh DVD+R DL); bits 3..0 PART VERSION.
    pub book_type: u8,
    pub part_version: u8,
    /// Byte 1 bits 7..4: DISC SIZE (0 = 120 mm, 1 = 80 mm); bits 3..0 MAXIMUM RATE.
    pub disc_size: u8,
    pub maximum_rate: u8,
    /// Byte 2 bits 6..5: NUMBER OF LAYERS − 1; bit 4 TRACK PATH; bits 3..0 LAYER TYPE.
    pub layers: u8,
    pub track_path: bool,
    pub layer_type: u8,
    /// Bytes 5..=7: STARTING PHYSICAL SECTOR NUMBER OF DATA AREA.
    pub data_area_start: u32,
    /// Bytes 9..=11: END PHYSICAL SECTOR NUMBER OF DATA AREA.
    pub data_area_end: u32,
    /// Bytes 13..=15: END PHYSICAL SECTOR NUMBER IN LAYER 0.
    pub layer0_end: u32,
}

impl DvdPhysicalFormat {
    /// Human name of the book type, as dvd+rw-mediainfo prints it.
    pub fn book_name(&self) -> &'static str {
        match self.book_type {
            0x0 => "DVD-ROM",
            0x1 => "DVD-RAM",
            0x2 => "DVD-R",
            0x3 => "DVD-RW",
            0x9 => "DVD+RW",
            0xA => "DVD+R",
            0xD => "DVD+RW DL",
            0xE => "DVD+R DL",
            _ => "unknown",
        }
    }
}

/// Strip the 4-byte READ DISC STRUCTURE header (bytes 0..=1 DATA LENGTH) and return the
/// structure bytes that both the length and the transfer cover.
fn structure_payload<'a>(
    what: &'static str,
    d: &'a [u8],
    min: usize,
) -> Result<&'a [u8], ParseError> {
    need(what, d, 4)?;
    let end = (usize::from(be16(d, 0)) + 2).min(d.len());
    let p = &d[4..end.max(4)];
    need(what, p, min)?;
    Ok(p)
}

pub fn parse_dvd_physical_format(d: &[u8]) -> Result<DvdPhysicalFormat, ParseError> {
    let p = structure_payload("DVD physical format information", d, 16)?;
    let be24 = |i: usize| u32::from_be_bytes([0, p[i], p[i + 1], p[i + 2]]);
    Ok(DvdPhysicalFormat {
        book_type: p[0] >> 4,
        part_version: p[0] & 0x0F,
        disc_size: p[1] >> 4,
        maximum_rate: p[1] & 0x0F,
        layers: ((p[2] >> 5) & 0x03) + 1,
        track_path: p[2] & 0x10 != 0,
        layer_type: p[2] & 0x0F,
        data_area_start: be24(5),
        data_area_end: be24(9),
        layer0_end: be24(13),
    })
}

/// DVD+R/+RW media id from ADIP (format 11h): DISC MANUFACTURER ID at ADIP bytes 19..=26,
/// MEDIA TYPE ID at 27..=29 (DVD+R spec, ECMA-349 ADIP layout), as "MANUF/TYP".
pub fn parse_adip_media_id(d: &[u8]) -> Result<String, ParseError> {
    let p = structure_payload("ADIP information", d, 30)?;
    Ok(format!("{}/{}", ascii(&p[19..27]), ascii(&p[27..30])))
}

/// DVD-R/-RW manufacturer id from pre-recorded information (format 0Eh): field ID 3 at
/// byte 16 carries MANUFACTURER ID part 1 in bytes 17..=22, field ID 4 at byte 24 part 2
/// in bytes 25..=30 (ECMA-359 pre-pit data layout). `None` when the fields are not there.
pub fn parse_pre_recorded_media_id(d: &[u8]) -> Result<Option<String>, ParseError> {
    let p = structure_payload("pre-recorded information", d, 31)?;
    if p[16] != 3 || p[24] != 4 {
        return Ok(None);
    }
    let mut id = p[17..23].to_vec();
    id.extend_from_slice(&p[25..31]);
    Ok(Some(ascii(&id)))
}

/// BD disc information (media type 1, format 00h): the first DI unit; DISC TYPE
/// IDENTIFIER at unit bytes 8..=10 ("BDO", "BDW", "BDR"), DISC MANUFACTURER ID at 100..=105,
/// MEDIA TYPE ID at 106..=108 (BD-R/RE physical format, DI unit layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BdDiscInformation {
    pub disc_type_identifier: String,
    pub media_id: String,
}

pub fn parse_bd_disc_information(d: &[u8]) -> Result<BdDiscInformation, ParseError> {
    let p = structure_payload("BD disc information", d, 109)?;
    if &p[0..2] != b"DI" {
        return Err(ParseError::Invalid {
            what: "BD disc information",
            detail: "no DI unit signature".into(),
        });
    }
    Ok(BdDiscInformation {
        disc_type_identifier: ascii(&p[8..11]),
        media_id: format!("{}/{}", ascii(&p[100..106]), ascii(&p[106..109])),
    })
}

// ---------------------------------------------------------------------------------------
// READ FORMAT CAPACITIES, FORMAT UNIT

/// READ FORMAT CAPACITIES (MMC-6 §6.24, Table 526): opcode 23h, ALLOCATION LENGTH 7..=8.
pub fn read_format_capacities(allocation_length: u16) -> [u8; 10] {
    let [a0, a1] = allocation_length.to_be_bytes();
    [0x23, 0, 0, 0, 0, 0, 0, a0, a1, 0]
}

/// DESCRIPTOR TYPE of the current/maximum capacity descriptor (MMC-6 Table 529).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityDescriptorType {
    Reserved,
    Unformatted,
    Formatted,
    NoMedia,
}

/// One formattable capacity descriptor (MMC-6 Table 530).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FormattableCapacity {
    /// Bytes 0..=3: NUMBER OF BLOCKS.
    pub number_of_blocks: u32,
    /// Byte 4 bits 7..2: FORMAT TYPE (00h full, 10h DVD-RW full, 26h DVD+RW basic, 30h BD-RE ...).
    pub format_type: u8,
    /// Bytes 5..=7: TYPE DEPENDENT PARAMETER.
    pub type_dependent_parameter: u32,
}

/// READ FORMAT CAPACITIES data (MMC-6 §6.24.3): header byte 3 CAPACITY LIST LENGTH, then the
/// current/maximum capacity descriptor and formattable descriptors, 8 bytes each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormatCapacities {
    /// Current/maximum descriptor bytes 0..=3.
    pub current_blocks: u32,
    /// Current/maximum descriptor byte 4 bits 1..0.
    pub descriptor_type: CapacityDescriptorType,
    /// Current/maximum descriptor bytes 5..=7: BLOCK LENGTH.
    pub block_length: u32,
    pub formattable: Vec<FormattableCapacity>,
}

pub fn parse_format_capacities(d: &[u8]) -> Result<FormatCapacities, ParseError> {
    need("format capacities", d, 12)?;
    let end = (4 + usize::from(d[3])).min(d.len());
    let be24 = |e: &[u8], i: usize| u32::from_be_bytes([0, e[i], e[i + 1], e[i + 2]]);
    let formattable = d[12..end.max(12)]
        .chunks_exact(8)
        .map(|e| FormattableCapacity {
            number_of_blocks: be32(e, 0),
            format_type: e[4] >> 2,
            type_dependent_parameter: be24(e, 5),
        })
        .collect();
    Ok(FormatCapacities {
        current_blocks: be32(d, 4),
        descriptor_type: match d[8] & 3 {
            1 => CapacityDescriptorType::Unformatted,
            2 => CapacityDescriptorType::Formatted,
            3 => CapacityDescriptorType::NoMedia,
            _ => CapacityDescriptorType::Reserved,
        },
        block_length: be24(d, 9),
        formattable,
    })
}

/// FORMAT UNIT (MMC-6 §6.5, Table 56): opcode 04h, FMTDATA byte 1 bit 4 set, FORMAT CODE
/// 001b. The parameter list comes from `format_unit_parameter_list`.
pub fn format_unit() -> [u8; 6] {
    [0x04, 0x11, 0, 0, 0, 0]
}

/// FORMAT UNIT parameter list: format list header (MMC-6 Table 58: byte 1 bit 1 IMMED,
/// bytes 2..=3 FORMAT DESCRIPTOR LENGTH = 8) and one format descriptor (Table 60: bytes
/// 0..=3 NUMBER OF BLOCKS, byte 4 FORMAT TYPE bits 7..2 and FORMAT SUB-TYPE bits 1..0,
/// bytes 5..=7 TYPE DEPENDENT PARAMETER).
pub fn format_unit_parameter_list(
    number_of_blocks: u32,
    format_type: u8,
    format_sub_type: u8,
    type_dependent_parameter: u32,
    immed: bool,
) -> [u8; 12] {
    let n = number_of_blocks.to_be_bytes();
    let t = type_dependent_parameter.to_be_bytes();
    [
        0,
        if immed { 0x02 } else { 0 },
        0,
        8,
        n[0],
        n[1],
        n[2],
        n[3],
        (format_type << 2) | (format_sub_type & 3),
        t[1],
        t[2],
        t[3],
    ]
}

// ---------------------------------------------------------------------------------------
// BLANK, RESERVE TRACK, CLOSE TRACK/SESSION, SEND CUE SHEET

/// BLANKING TYPE (MMC-6 Table 33).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlankingType {
    /// 000b: blank the disc (full).
    Full = 0,
    /// 001b: minimally blank the disc (fast).
    Minimal = 1,
    /// 010b: blank a track.
    Track = 2,
    /// 011b: un-reserve a track.
    UnreserveTrack = 3,
    /// 100b: blank a track tail.
    TrackTail = 4,
    /// 101b: unclose the last complete session.
    UncloseLastSession = 5,
    /// 110b: blank the last session.
    Session = 6,
}

/// BLANK (MMC-6 §6.2, Table 32): opcode A1h, IMMED byte 1 bit 4, BLANKING TYPE byte 1 bits
/// 2..0, START ADDRESS/TRACK NUMBER bytes 2..=5.
pub fn blank(kind: BlankingType, immed: bool, start: u32) -> [u8; 12] {
    let s = start.to_be_bytes();
    [
        0xA1,
        (if immed { 0x10 } else { 0 }) | kind as u8,
        s[0],
        s[1],
        s[2],
        s[3],
        0,
        0,
        0,
        0,
        0,
        0,
    ]
}

/// RESERVE TRACK (MMC-6 §6.35, Table 564): opcode 53h, ARSV byte 1 bit 0 = 0, RESERVATION
/// SIZE in blocks bytes 5..=8.
pub fn reserve_track(blocks: u32) -> [u8; 10] {
    let b = blocks.to_be_bytes();
    [0x53, 0, 0, 0, 0, b[0], b[1], b[2], b[3], 0]
}

/// CLOSE FUNCTION (MMC-6 §6.3.2, Table 36 and the per-medium tables after it). Only the
/// values discrw sends are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseFunction {
    /// 001b: close the logical track.
    Track = 1,
    /// 010b: close the session (CD, DVD-R/-RW, DVD+R: further sessions allowed where the
    /// medium has room; stop background format on +RW / BD-RE).
    Session = 2,
    /// 101b: DVD+R: close the session and finalize the disc (compatible lead-out).
    FinalizeDvdPlusR = 5,
    /// 110b: DVD+R DL and BD-R: close the session and finalize the disc.
    FinalizeDisc = 6,
}

/// CLOSE TRACK/SESSION (MMC-6 §6.3, Table 35): opcode 5Bh, IMMED byte 1 bit 0, CLOSE
/// FUNCTION byte 2 bits 2..0, LOGICAL TRACK NUMBER bytes 4..=5.
pub fn close_track_session(function: CloseFunction, track: u16, immed: bool) -> [u8; 10] {
    let [t0, t1] = track.to_be_bytes();
    [0x5B, u8::from(immed), function as u8, 0, t0, t1, 0, 0, 0, 0]
}

/// SEND CUE SHEET (MMC-6 §6.38, Table 590): opcode 5Dh, CUE SHEET SIZE bytes 6..=8.
pub fn send_cue_sheet(size: u32) -> [u8; 10] {
    let s = size.to_be_bytes();
    [0x5D, 0, 0, 0, 0, 0, s[1], s[2], s[3], 0]
}

// ---------------------------------------------------------------------------------------
// READ BUFFER CAPACITY, SET CD SPEED, SET STREAMING, GET PERFORMANCE

/// READ BUFFER CAPACITY (MMC-6 §6.21, Table 515): opcode 5Ch, BLOCK byte 1 bit 0 = 0
/// (answer in bytes), ALLOCATION LENGTH bytes 7..=8.
pub fn read_buffer_capacity(allocation_length: u16) -> [u8; 10] {
    let [a0, a1] = allocation_length.to_be_bytes();
    [0x5C, 0, 0, 0, 0, 0, 0, a0, a1, 0]
}

/// READ BUFFER CAPACITY data, bytes form (MMC-6 Table 516).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BufferCapacity {
    /// Bytes 4..=7: LENGTH OF BUFFER.
    pub length_of_buffer: u32,
    /// Bytes 8..=11: BLANK LENGTH OF BUFFER (free bytes).
    pub blank_length_of_buffer: u32,
}

pub fn parse_buffer_capacity(d: &[u8]) -> Result<BufferCapacity, ParseError> {
    need("buffer capacity", d, 12)?;
    Ok(BufferCapacity {
        length_of_buffer: be32(d, 4),
        blank_length_of_buffer: be32(d, 8),
    })
}

/// SET CD SPEED (MMC-6 §6.37, Table 586): opcode BBh, ROTATIONAL CONTROL byte 1 bits 1..0
/// (00b CLV), LOGICAL UNIT READ SPEED bytes 2..=3, WRITE SPEED bytes 4..=5, in kB/s;
/// FFFFh = as fast as possible.
pub fn set_cd_speed(read_kbps: u16, write_kbps: u16) -> [u8; 12] {
    let r = read_kbps.to_be_bytes();
    let w = write_kbps.to_be_bytes();
    [0xBB, 0, r[0], r[1], w[0], w[1], 0, 0, 0, 0, 0, 0]
}

/// SET STREAMING (MMC-6 §6.39, Table 592): opcode B6h, TYPE byte 8 (00h performance
/// descriptor), PARAMETER LIST LENGTH bytes 9..=10 (28).
pub fn set_streaming() -> [u8; 12] {
    [0xB6, 0, 0, 0, 0, 0, 0, 0, 0x00, 0, 28, 0]
}

/// Performance descriptor for SET STREAMING (MMC-6 Table 594): byte 0 RDD bit 2, EXACT
/// bit 1, RA bit 0; START LBA 4..=7; END LBA 8..=11; READ SIZE 12..=15 (kB); READ TIME
/// 16..=19 (ms); WRITE SIZE 20..=23; WRITE TIME 24..=27.
pub fn set_streaming_performance_descriptor(
    start_lba: u32,
    end_lba: u32,
    read_kbps: u32,
    write_kbps: u32,
) -> [u8; 28] {
    let mut d = [0u8; 28];
    d[4..8].copy_from_slice(&start_lba.to_be_bytes());
    d[8..12].copy_from_slice(&end_lba.to_be_bytes());
    // Sizes in kB per 1000 ms give kB/s.
    d[12..16].copy_from_slice(&read_kbps.to_be_bytes());
    d[16..20].copy_from_slice(&1000u32.to_be_bytes());
    d[20..24].copy_from_slice(&write_kbps.to_be_bytes());
    d[24..28].copy_from_slice(&1000u32.to_be_bytes());
    d
}

/// TYPE field of GET PERFORMANCE (MMC-6 Table 120).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerformanceType {
    /// 00h: performance data; `write` selects write (vs read) performance, EXCEPT = 00b.
    Performance { write: bool },
    /// 03h: write speed descriptors.
    WriteSpeed,
}

/// GET PERFORMANCE (MMC-6 §6.7, Table 119): opcode ACh, DATA TYPE byte 1 bits 4..0 (for
/// type 00h: WRITE bit 2, EXCEPT bits 1..0), STARTING LBA bytes 2..=5, MAXIMUM NUMBER OF
/// DESCRIPTORS bytes 8..=9, TYPE byte 10.
pub fn get_performance(kind: PerformanceType, max_descriptors: u16) -> [u8; 12] {
    let [m0, m1] = max_descriptors.to_be_bytes();
    let (data_type, t) = match kind {
        PerformanceType::Performance { write } => (if write { 0x04 } else { 0 }, 0x00),
        PerformanceType::WriteSpeed => (0, 0x03),
    };
    [0xAC, data_type, 0, 0, 0, 0, 0, 0, m0, m1, t, 0]
}

/// Nominal performance descriptor (type 00h, MMC-6 Table 123).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PerformanceDescriptor {
    pub start_lba: u32,
    pub start_performance_kbps: u32,
    pub end_lba: u32,
    pub end_performance_kbps: u32,
}

/// Write speed descriptor (type 03h, MMC-6 Table 128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WriteSpeedDescriptor {
    /// Byte 0 bits 4..3: WRC; bit 2 RDD; bit 1 EXACT; bit 0 MRW.
    pub wrc: u8,
    pub rdd: bool,
    pub exact: bool,
    pub mrw: bool,
    /// Bytes 4..=7: END LBA.
    pub end_lba: u32,
    /// Bytes 8..=11: READ SPEED (kB/s).
    pub read_speed_kbps: u32,
    /// Bytes 12..=15: WRITE SPEED (kB/s).
    pub write_speed_kbps: u32,
}

/// The descriptors after the 8-byte performance header (MMC-6 Table 121: bytes 0..=3
/// PERFORMANCE DATA LENGTH, excluding themselves), 16 bytes each.
fn performance_descriptors(d: &[u8]) -> Result<Vec<&[u8]>, ParseError> {
    need("performance header", d, 8)?;
    let end = (be32(d, 0) as usize).saturating_add(4).min(d.len());
    Ok(d[8..end.max(8)].chunks_exact(16).collect())
}

pub fn parse_performance(d: &[u8]) -> Result<Vec<PerformanceDescriptor>, ParseError> {
    Ok(performance_descriptors(d)?
        .into_iter()
        .map(|e| PerformanceDescriptor {
            start_lba: be32(e, 0),
            start_performance_kbps: be32(e, 4),
            end_lba: be32(e, 8),
            end_performance_kbps: be32(e, 12),
        })
        .collect())
}

pub fn parse_write_speed_descriptors(d: &[u8]) -> Result<Vec<WriteSpeedDescriptor>, ParseError> {
    Ok(performance_descriptors(d)?
        .into_iter()
        .map(|e| WriteSpeedDescriptor {
            wrc: (e[0] >> 3) & 3,
            rdd: e[0] & 0x04 != 0,
            exact: e[0] & 0x02 != 0,
            mrw: e[0] & 0x01 != 0,
            end_lba: be32(e, 4),
            read_speed_kbps: be32(e, 8),
            write_speed_kbps: be32(e, 12),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// READ CD

/// EXPECTED SECTOR TYPE (MMC-6 Table 444).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedSectorType {
    Any = 0,
    CdDa = 1,
    Mode1 = 2,
    Mode2Formless = 3,
    Mode2Form1 = 4,
    Mode2Form2 = 5,
}

/// HEADER CODES (MMC-6 Table 446).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderCodes {
    None = 0,
    HeaderOnly = 1,
    SubheaderOnly = 2,
    All = 3,
}

/// C2 ERROR INFORMATION (MMC-6 Table 447).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum C2ErrorInfo {
    None = 0,
    /// 01b: 294 bytes of C2 error pointer bits.
    C2ErrorBits = 1,
    /// 10b: 294 bytes plus block error byte and pad (296 bytes).
    C2AndBlockErrorBits = 2,
}

/// SUB-CHANNEL DATA SELECTION (MMC-6 Table 448).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubChannel {
    None = 0,
    /// 001b: raw P–W, 96 bytes.
    RawPw = 1,
    /// 010b: formatted Q, 16 bytes.
    Q = 2,
    /// 100b: corrected and de-interleaved R–W, 96 bytes.
    Rw = 4,
}

/// What READ CD should return for each sector (byte 9 and 10 of the CDB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCdFields {
    pub sector_type: ExpectedSectorType,
    pub sync: bool,
    pub header_codes: HeaderCodes,
    pub user_data: bool,
    pub edc_ecc: bool,
    pub c2: C2ErrorInfo,
    pub subchannel: SubChannel,
}

impl ReadCdFields {
    /// 2048-byte user data of mode 1 sectors.
    pub const USER_DATA: ReadCdFields = ReadCdFields {
        sector_type: ExpectedSectorType::Any,
        sync: false,
        header_codes: HeaderCodes::None,
        user_data: true,
        edc_ecc: false,
        c2: C2ErrorInfo::None,
        subchannel: SubChannel::None,
    };
    /// The whole 2352-byte raw sector (audio or data).
    pub const RAW: ReadCdFields = ReadCdFields {
        sector_type: ExpectedSectorType::Any,
        sync: true,
        header_codes: HeaderCodes::All,
        user_data: true,
        edc_ecc: true,
        c2: C2ErrorInfo::None,
        subchannel: SubChannel::None,
    };

    /// Bytes per sector the drive returns for these fields on a mode 1 / CD-DA sector.
    pub fn bytes_per_sector(&self) -> usize {
        let main = if self.sector_type == ExpectedSectorType::CdDa {
            2352
        } else {
            (if self.sync { 12 } else { 0 })
                + match self.header_codes {
                    // Mode 1 sectors have a 4-byte header and no subheader.
                    HeaderCodes::None | HeaderCodes::SubheaderOnly => 0,
                    HeaderCodes::HeaderOnly | HeaderCodes::All => 4,
                }
                + if self.user_data { 2048 } else { 0 }
                + if self.edc_ecc { 288 } else { 0 }
        };
        let c2 = match self.c2 {
            C2ErrorInfo::None => 0,
            C2ErrorInfo::C2ErrorBits => 294,
            C2ErrorInfo::C2AndBlockErrorBits => 296,
        };
        let sub = match self.subchannel {
            SubChannel::None => 0,
            SubChannel::Q => 16,
            SubChannel::RawPw | SubChannel::Rw => 96,
        };
        main + c2 + sub
    }
}

/// READ CD (MMC-6 §6.18, Table 443): opcode BEh, EXPECTED SECTOR TYPE byte 1 bits 4..2,
/// STARTING LBA bytes 2..=5, TRANSFER LENGTH bytes 6..=8, byte 9 SYNC bit 7, HEADER CODES
/// bits 6..5, USER DATA bit 4, EDC & ECC bit 3, C2 ERROR INFORMATION bits 2..1; byte 10
/// SUB-CHANNEL DATA SELECTION bits 2..0.
pub fn read_cd(lba: u32, blocks: u32, f: ReadCdFields) -> [u8; 12] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    let b9 = (u8::from(f.sync) << 7)
        | ((f.header_codes as u8) << 5)
        | (u8::from(f.user_data) << 4)
        | (u8::from(f.edc_ecc) << 3)
        | ((f.c2 as u8) << 1);
    [
        0xBE,
        (f.sector_type as u8) << 2,
        l[0],
        l[1],
        l[2],
        l[3],
        n[1],
        n[2],
        n[3],
        b9,
        f.subchannel as u8,
        0,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdbs_match_mmc6_tables() {
        assert_eq!(
            get_event_status_notification(0x10, 8),
            [0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]
        );
        assert_eq!(
            read_disc_information(34),
            [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]
        );
        assert_eq!(
            read_track_information(TrackAddress::Track(1), 48),
            [0x52, 1, 0, 0, 0, 1, 0, 0, 48, 0]
        );
        assert_eq!(
            read_track_information(TrackAddress::Lba(0x0001_0000), 48),
            [0x52, 0, 0, 1, 0, 0, 0, 0, 48, 0]
        );
        assert_eq!(
            read_track_information(TrackAddress::Session(2), 48),
            [0x52, 2, 0, 0, 0, 2, 0, 0, 48, 0]
        );
        assert_eq!(
            read_toc_pma_atip(TocFormat::Toc, false, 0, 0x0324),
            [0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0]
        );
        assert_eq!(
            read_toc_pma_atip(TocFormat::FullToc, true, 1, 4)[..3],
            [0x43, 2, 2]
        );
        assert_eq!(read_toc_pma_atip(TocFormat::Atip, false, 0, 28)[2], 4);
        assert_eq!(
            read_disc_structure(StructureMedia::Dvd, 0, 0, 0x11, 0x0100),
            [0xAD, 0, 0, 0, 0, 0, 0, 0x11, 0x01, 0x00, 0, 0]
        );
        assert_eq!(read_disc_structure(StructureMedia::Bd, 0, 0, 0, 4)[1], 1);
        assert_eq!(
            read_format_capacities(0xFC),
            [0x23, 0, 0, 0, 0, 0, 0, 0, 0xFC, 0]
        );
        assert_eq!(format_unit(), [0x04, 0x11, 0, 0, 0, 0]);
        assert_eq!(
            format_unit_parameter_list(0x0023_0540, 0x26, 0, 0, true),
            [0, 0x02, 0, 8, 0x00, 0x23, 0x05, 0x40, 0x98, 0, 0, 0]
        );
        assert_eq!(
            blank(BlankingType::Minimal, true, 0),
            [0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            blank(BlankingType::Full, false, 0),
            [0xA1, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            reserve_track(0x0001_2345),
            [0x53, 0, 0, 0, 0, 0x00, 0x01, 0x23, 0x45, 0]
        );
        assert_eq!(
            close_track_session(CloseFunction::Track, 1, true),
            [0x5B, 1, 1, 0, 0, 1, 0, 0, 0, 0]
        );
        assert_eq!(
            close_track_session(CloseFunction::Session, 0, false),
            [0x5B, 0, 2, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            close_track_session(CloseFunction::FinalizeDvdPlusR, 0, true)[2],
            5
        );
        assert_eq!(
            close_track_session(CloseFunction::FinalizeDisc, 0, true)[2],
            6
        );
        assert_eq!(send_cue_sheet(0x40), [0x5D, 0, 0, 0, 0, 0, 0, 0, 0x40, 0]);
        assert_eq!(read_buffer_capacity(12), [0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0]);
        assert_eq!(
            set_cd_speed(0xFFFF, 1385),
            [0xBB, 0, 0xFF, 0xFF, 0x05, 0x69, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(set_streaming(), [0xB6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1C, 0]);
        assert_eq!(
            get_performance(PerformanceType::WriteSpeed, 16),
            [0xAC, 0, 0, 0, 0, 0, 0, 0, 0, 16, 3, 0]
        );
        assert_eq!(
            get_performance(PerformanceType::Performance { write: true }, 1),
            [0xAC, 0x04, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]
        );
        // READ CD, raw 2352 bytes with C2 and block error bits, raw P-W subchannel.
        let f = ReadCdFields {
            c2: C2ErrorInfo::C2AndBlockErrorBits,
            subchannel: SubChannel::RawPw,
            ..ReadCdFields::RAW
        };
        assert_eq!(
            read_cd(0x10, 1, f),
            [0xBE, 0, 0, 0, 0, 0x10, 0, 0, 1, 0xFC, 0x01, 0]
        );
        assert_eq!(f.bytes_per_sector(), 2352 + 296 + 96);
        assert_eq!(
            read_cd(0, 27, ReadCdFields::USER_DATA),
            [0xBE, 0, 0, 0, 0, 0, 0, 0, 27, 0x10, 0, 0]
        );
        let audio = ReadCdFields {
            sector_type: ExpectedSectorType::CdDa,
            ..ReadCdFields::RAW
        };
        assert_eq!(read_cd(0, 1, audio)[1], 0x04);
        assert_eq!(ReadCdFields::USER_DATA.bytes_per_sector(), 2048);
        let pd = set_streaming_performance_descriptor(0, 0x0023_05BF, 0, 11080);
        assert_eq!(&pd[8..12], &[0x00, 0x23, 0x05, 0xBF]);
        assert_eq!(&pd[20..28], &[0, 0, 0x2B, 0x48, 0, 0, 0x03, 0xE8]);
    }

    #[test]
    fn media_event_status() {
        // Media class, new media, media present (MMC-6 Tables 119, 126).
        let d = [0x00, 0x06, 0x04, 0x5E, 0x02, 0x02, 0x00, 0x00];
        let e = parse_media_event_status(&d).unwrap();
        assert!(!e.nea);
        assert_eq!(e.event, Some(MediaEvent::NewMedia));
        assert!(e.media_present && !e.tray_open);
        // Tray open, no medium.
        let e = parse_media_event_status(&[0, 6, 4, 0x5E, 0x00, 0x01, 0, 0]).unwrap();
        assert_eq!(e.event, Some(MediaEvent::NoChange));
        assert!(!e.media_present && e.tray_open);
        // NEA: no descriptor.
        let e = parse_media_event_status(&[0, 2, 0x80, 0x00]).unwrap();
        assert!(e.nea && e.event.is_none());
        assert!(parse_media_event_status(&[0, 2]).is_err());
    }

    #[test]
    fn disc_information_blank_and_appendable() {
        // Blank CD-R (MMC-6 Table 521): disc status 00b, last session empty, 1 session,
        // first track 1, lead-in 97:26:66 as MSF, last possible lead-out 79:59:74.
        let d = [
            0x00, 0x20, 0x00, 0x01, 0x01, 0x01, 0x01, 0x20, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0,
            0x00, 0x61, 0x1A, 0x42, 0x00, 0x4F, 0x3B, 0x4A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let i = parse_disc_information(&d).unwrap();
        assert_eq!(i.disc_status, DiscStatus::Empty);
        assert_eq!(i.state_of_last_session, SessionState::Empty);
        assert!(!i.erasable && i.unrestricted_use);
        assert_eq!((i.first_track, i.sessions), (1, 1));
        assert_eq!(i.last_session_lead_in_start, 0x00_61_1A_42);
        assert_eq!(i.last_possible_lead_out_start, 0x00_4F_3B_4A);
        // Appendable DVD+RW-like: erasable, incomplete session, 300 sessions (MSB byte 9).
        let mut d2 = d;
        d2[2] = 0x15;
        d2[4] = 0x2C;
        d2[9] = 0x01;
        d2[6] = 0x2D;
        d2[11] = 0x01;
        let i = parse_disc_information(&d2).unwrap();
        assert!(i.erasable);
        assert_eq!(i.disc_status, DiscStatus::Incomplete);
        assert_eq!(i.state_of_last_session, SessionState::Incomplete);
        assert_eq!(i.sessions, 300);
        assert_eq!(i.last_track_in_last_session, 301);
        assert!(parse_disc_information(&d[..20]).is_err());
        let mut bad = d;
        bad[2] = 0x40; // data type 010b: track resources, not disc information
        assert!(matches!(
            parse_disc_information(&bad),
            Err(ParseError::Invalid { .. })
        ));
    }

    #[test]
    fn track_information_of_an_incomplete_track() {
        // DVD+R track 1, session 1, blank, NWA_V, start 0, NWA 0, free 2295104 blocks,
        // packet size 16, track size 2295104 (MMC-6 Table 552, 48 bytes).
        let mut d = vec![
            0x00, 0x2E, 0x01, 0x01, 0x00, 0x07, 0x60, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x23,
            0x05, 0x40, 0x00, 0x00, 0x00, 0x10, 0x00, 0x23, 0x05, 0x40, 0, 0, 0, 0,
        ];
        d.extend_from_slice(&[0x00, 0x00, 0, 0, 0x00, 0x00, 0x01, 0x00]);
        d.extend_from_slice(&[0; 8]);
        let t = parse_track_information(&d).unwrap();
        assert_eq!((t.track_number, t.session_number), (1, 1));
        assert_eq!(t.track_mode, 7);
        assert!(t.blank && t.packet_inc && !t.fp && !t.rt);
        assert_eq!(t.next_writable_address, Some(0));
        assert_eq!(t.last_recorded_address, None);
        assert_eq!(t.free_blocks, 2_295_104);
        assert_eq!(t.fixed_packet_size, 16);
        assert_eq!(t.track_size, 2_295_104);
        assert_eq!(t.read_compatibility_lba, Some(0x100));
        // Complete CD track: no NWA, LRA valid; 28-byte MMC-2 answer drops LRA silently.
        let mut c = d.clone();
        c[5] = 0x04;
        c[6] = 0x01;
        c[7] = 0x02;
        c[28..32].copy_from_slice(&[0, 0, 0x30, 0x39]);
        let t = parse_track_information(&c).unwrap();
        assert_eq!(t.next_writable_address, None);
        assert_eq!(t.last_recorded_address, Some(12345));
        assert!(!t.blank);
        let t = parse_track_information(&c[..28]).unwrap();
        assert_eq!(t.last_recorded_address, None);
        assert_eq!(t.read_compatibility_lba, None);
        assert!(parse_track_information(&c[..27]).is_err());
    }

    #[test]
    fn toc_session_info_full_toc() {
        // Format 0: one data track at LBA 0, lead-out at 0x0004_1A2B (MMC-6 Table 470/471).
        let d = [
            0x00, 0x12, 0x01, 0x01, 0x00, 0x14, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x14, 0xAA, 0x00,
            0x00, 0x04, 0x1A, 0x2B,
        ];
        let t = parse_toc(&d).unwrap();
        assert_eq!((t.first, t.last), (1, 1));
        assert_eq!(t.entries.len(), 2);
        assert!(t.entries[0].is_data());
        assert_eq!(t.entries[0].adr, 1);
        assert_eq!(t.entries[1].track_number, LEAD_OUT_TRACK);
        assert_eq!(t.entries[1].start_address, 0x0004_1A2B);
        // A length promising more than was transferred keeps whole entries only.
        assert_eq!(parse_toc(&d[..15]).unwrap().entries.len(), 1);
        // Format 1: sessions 1..2, first track of last session 3 at LBA 0x5000.
        let s = parse_toc(&[0, 0x0A, 1, 2, 0, 0x14, 3, 0, 0, 0, 0x50, 0]).unwrap();
        assert_eq!((s.first, s.last), (1, 2));
        assert_eq!(s.entries[0].track_number, 3);
        assert_eq!(s.entries[0].start_address, 0x5000);
        // Format 2: A0 point (first track 1) and A2 point (lead-out 18:06:19).
        let f = [
            0x00, 0x18, 0x01, 0x01, 0x01, 0x14, 0x00, 0xA0, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x01,
            0x14, 0x00, 0xA2, 0, 0, 0, 0, 0x12, 0x06, 0x13,
        ];
        let f = parse_full_toc(&f).unwrap();
        assert_eq!(f.entries.len(), 2);
        assert_eq!((f.entries[0].point, f.entries[0].pmin), (0xA0, 1));
        assert_eq!(f.entries[1].point, 0xA2);
        let lo = Msf {
            m: f.entries[1].pmin,
            s: f.entries[1].psec,
            f: f.entries[1].pframe,
        };
        assert_eq!(lo.to_string(), "18:06:19");
        assert_eq!(lo.to_lba(), (18 * 60 + 6) * 75 + 19 - 150);
    }

    #[test]
    fn atip_of_cd_rw() {
        // MMC-6 Table 477: CD-RW (disc type bit), sub-type 010b, lead-in 97:26:66,
        // last possible lead-out 79:59:74.
        let d = [
            0x00, 0x1A, 0, 0, 0xD5, 0x40, 0xD0, 0x00, 97, 26, 66, 0x00, 79, 59, 74, 0x00, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let a = parse_atip(&d).unwrap();
        assert!(a.disc_type_rw);
        assert_eq!(a.disc_sub_type, 2);
        assert_eq!(a.indicative_target_writing_power, 5);
        assert_eq!(a.reference_speed, 5);
        assert!(a.unrestricted_use);
        assert_eq!(a.lead_in_start.to_string(), "97:26:66");
        assert_eq!(a.lead_in_start.to_lba(), -11634);
        assert_eq!(a.last_possible_lead_out_start.to_lba(), 359_849);
        assert!(parse_atip(&d[..14]).is_err());
        assert_eq!(atip_manufacturer(a.lead_in_start), Some("CMC Magnetics"));
        assert_eq!(
            atip_manufacturer(Msf { m: 97, s: 24, f: 1 }),
            Some("Taiyo Yuden")
        );
        assert_eq!(atip_manufacturer(Msf { m: 97, s: 99, f: 0 }), None);
        assert_eq!(atip_manufacturer(Msf { m: 96, s: 24, f: 0 }), None);
    }

    #[test]
    fn dvd_structures() {
        // Physical format of a single-layer DVD+R: book Ah part 1, 120 mm, rate Fh,
        // data area 030000h..26053Fh.
        let mut d = vec![0x08, 0x02, 0, 0];
        d.extend_from_slice(&[0xA1, 0x0F, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00]);
        d.extend_from_slice(&[0x00, 0x26, 0x05, 0x3F, 0x00, 0x00, 0x00, 0x00]);
        d.extend_from_slice(&[0; 4]);
        let p = parse_dvd_physical_format(&d).unwrap();
        assert_eq!(p.book_name(), "DVD+R");
        assert_eq!(
            (p.book_type, p.part_version, p.disc_size, p.layers),
            (0xA, 1, 0, 1)
        );
        assert_eq!(p.layer_type, 1);
        assert_eq!(p.data_area_start, 0x030000);
        assert_eq!(p.data_area_end, 0x26053F);
        // ADIP with manufacturer "MCC 004" / "000" at ADIP bytes 19..=29.
        let mut a = vec![0x01, 0x02, 0, 0];
        let mut adip = vec![0u8; 256];
        adip[19..27].copy_from_slice(b"MCC 004\0");
        adip[27..30].copy_from_slice(b"000");
        a.extend_from_slice(&adip);
        assert_eq!(parse_adip_media_id(&a).unwrap(), "MCC 004/000");
        // DVD-R pre-recorded info: field 3 "MCC 03", field 4 "RG20  ".
        let mut r = vec![0x00, 0x22, 0, 0];
        let mut pre = vec![0u8; 32];
        pre[16] = 3;
        pre[17..23].copy_from_slice(b"MCC 03");
        pre[24] = 4;
        pre[25..31].copy_from_slice(b"RG20  ");
        r.extend_from_slice(&pre);
        assert_eq!(
            parse_pre_recorded_media_id(&r).unwrap().as_deref(),
            Some("MCC 03RG20")
        );
        r[4 + 16] = 1;
        assert_eq!(parse_pre_recorded_media_id(&r).unwrap(), None);
        assert!(parse_adip_media_id(&a[..20]).is_err());
    }

    #[test]
    fn bd_disc_information() {
        let mut d = vec![0x00, 0x72, 0, 0];
        let mut di = vec![0u8; 112];
        di[0..2].copy_from_slice(b"DI");
        di[8..11].copy_from_slice(b"BDR");
        di[100..106].copy_from_slice(b"VERBAT");
        di[106..109].copy_from_slice(b"IMe");
        d.extend_from_slice(&di);
        let b = parse_bd_disc_information(&d).unwrap();
        assert_eq!(b.disc_type_identifier, "BDR");
        assert_eq!(b.media_id, "VERBAT/IMe");
        d[4] = b'X';
        assert!(parse_bd_disc_information(&d).is_err());
    }

    #[test]
    fn format_capacities_of_blank_dvd_plus_rw() {
        // MMC-6 §6.24.3: list length 16; current: 2295104 blocks unformatted 2048;
        // formattable: type 26h (DVD+RW basic) 2295104 blocks.
        let d = [
            0, 0, 0, 0x10, 0x00, 0x23, 0x05, 0x40, 0x01, 0x00, 0x08, 0x00, 0x00, 0x23, 0x05, 0x40,
            0x98, 0x00, 0x00, 0x00,
        ];
        let f = parse_format_capacities(&d).unwrap();
        assert_eq!(f.current_blocks, 2_295_104);
        assert_eq!(f.descriptor_type, CapacityDescriptorType::Unformatted);
        assert_eq!(f.block_length, 2048);
        assert_eq!(
            f.formattable,
            vec![FormattableCapacity {
                number_of_blocks: 2_295_104,
                format_type: 0x26,
                type_dependent_parameter: 0
            }]
        );
        assert!(parse_format_capacities(&d[..11]).is_err());
    }

    #[test]
    fn buffer_capacity_and_performance() {
        let b = parse_buffer_capacity(&[0, 10, 0, 0, 0, 0x20, 0, 0, 0, 0x1F, 0, 0]).unwrap();
        assert_eq!(b.length_of_buffer, 2 * 1024 * 1024);
        assert_eq!(b.blank_length_of_buffer, 0x1F_0000);
        // Write speed descriptors (MMC-6 Table 128): 16x and 8x DVD.
        let mut d = vec![0, 0, 0, 0x24, 0, 0, 0, 0];
        d.extend_from_slice(&[0x02, 0, 0, 0, 0x00, 0x23, 0x05, 0x3F]);
        d.extend_from_slice(&[0, 0, 0x54, 0x90, 0, 0, 0x56, 0x80]);
        d.extend_from_slice(&[0x02, 0, 0, 0, 0x00, 0x23, 0x05, 0x3F]);
        d.extend_from_slice(&[0, 0, 0x2B, 0x48, 0, 0, 0x2B, 0x40]);
        let w = parse_write_speed_descriptors(&d).unwrap();
        assert_eq!(w.len(), 2);
        assert!(w[0].exact && !w[0].rdd);
        assert_eq!(w[0].write_speed_kbps, 22_144);
        assert_eq!(w[0].read_speed_kbps, 21_648);
        assert_eq!(w[1].write_speed_kbps, 11_072);
        assert_eq!(w[1].end_lba, 0x0023_053F);
        // Type 00h nominal performance, one descriptor.
        let mut p = vec![0, 0, 0, 0x14, 0x02, 0, 0, 0];
        p.extend_from_slice(&[
            0, 0, 0, 0, 0, 0, 0x15, 0xA4, 0, 0x23, 0x05, 0x3F, 0, 0, 0x56, 0x90,
        ]);
        let p = parse_performance(&p).unwrap();
        assert_eq!(p[0].start_performance_kbps, 5540);
        assert_eq!(p[0].end_performance_kbps, 22160);
        // Header only, or a length larger than the data: no panic.
        assert!(parse_write_speed_descriptors(&d[..8]).unwrap().is_empty());
        assert_eq!(parse_write_speed_descriptors(&d[..30]).unwrap().len(), 1);
    }
}
