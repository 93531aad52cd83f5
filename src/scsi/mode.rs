//! Mode pages MMC drives use (MMC-6 §7): 01h read/write error recovery, 05h write
//! parameters, 2Ah CD/DVD capabilities and mechanical status; the vendor page 30h where
//! drives report BURN-Free use; and the MODE SENSE(10)/MODE SELECT(10) parameter header
//! (SPC-4 §7.5.5) around them.

use super::{ParseError, be16, be32, need};
use serde::Serialize;

/// Find the mode page in MODE SENSE(10) data: skip the 8-byte mode parameter header
/// (SPC-4 Table 360: bytes 0..=1 MODE DATA LENGTH, bytes 6..=7 BLOCK DESCRIPTOR LENGTH) and
/// the block descriptors, check the page code and return the page (page code byte first),
/// cut to what both the page length and the data say.
pub fn find_page(d: &[u8], page_code: u8) -> Result<&[u8], ParseError> {
    need("MODE SENSE(10) header", d, 8)?;
    let data_len = (usize::from(be16(d, 0)) + 2).min(d.len());
    let start = 8 + usize::from(be16(d, 6));
    need("mode page header", &d[..data_len], start + 2)?;
    let page = &d[start..data_len];
    if page[0] & 0x3F != page_code {
        return Err(ParseError::Invalid {
            what: "mode page",
            detail: format!(
                "asked for page {page_code:02X}h, got {:02X}h",
                page[0] & 0x3F
            ),
        });
    }
    // Byte 1: PAGE LENGTH (bytes after it).
    let len = (2 + usize::from(page[1])).min(page.len());
    Ok(&page[..len])
}

/// Wrap a mode page into MODE SELECT(10) parameter data: an 8-byte header with MODE DATA
/// LENGTH zero (reserved for MODE SELECT) and no block descriptors, then the page with its
/// PS bit cleared.
pub fn mode_select_parameter_list(page: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; 8];
    v.extend_from_slice(page);
    if let Some(b) = v.get_mut(8) {
        *b &= 0x3F;
    }
    v
}

/// Page code of the vendor-specific "JustLink" page (Ricoh's layout, also answered by the
/// firmware of other makers' writers; not part of MMC, which has no standard way to report
/// BURN-Free use).
pub const BURN_FREE_PAGE: u8 = 0x30;

/// The BURN-Free part of vendor mode page 30h: page length 0Eh; byte 2 bit 0 BURN-Free
/// supported (BUEFS); byte 3 bit 0 BURN-Free enabled (BUEFE); bytes 4..=5 the link counter
/// (how many times the drive had to stop and re-link the recording because its buffer ran
/// dry). `None` when the page is not this layout or the drive says BURN-Free is not
/// supported: another vendor's page 30h must not be read as a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BurnFreePage {
    pub enabled: bool,
    pub link_counter: u16,
}

impl BurnFreePage {
    pub fn parse(p: &[u8]) -> Option<Self> {
        if p.len() < 6 || p[0] & 0x3F != BURN_FREE_PAGE || p[1] != 0x0E || p[2] & 0x01 == 0 {
            return None;
        }
        Some(Self {
            enabled: p[3] & 0x01 != 0,
            link_counter: be16(p, 4),
        })
    }
}

/// Read/Write Error Recovery mode page 01h (MMC-6 §7.3, Table 651).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReadWriteErrorRecoveryPage {
    /// Byte 2 bits: AWRE 7, ARRE 6, TB 5, RC 4, PER 2, DTE 1, DCR 0 (the error recovery
    /// parameter).
    pub error_recovery_parameter: u8,
    /// Byte 3: READ RETRY COUNT.
    pub read_retry_count: u8,
    /// Byte 8: WRITE RETRY COUNT.
    pub write_retry_count: u8,
    /// Bytes 10..=11: RECOVERY TIME LIMIT.
    pub recovery_time_limit: u16,
}

impl ReadWriteErrorRecoveryPage {
    pub fn parse(p: &[u8]) -> Result<Self, ParseError> {
        need("mode page 01h", p, 12)?;
        Ok(Self {
            error_recovery_parameter: p[2],
            read_retry_count: p[3],
            write_retry_count: p[8],
            recovery_time_limit: be16(p, 10),
        })
    }

    /// PER: report recovered errors (as RECOVERED ERROR sense).
    pub fn per(&self) -> bool {
        self.error_recovery_parameter & 0x04 != 0
    }

    /// The 12-byte page for MODE SELECT.
    pub fn to_bytes(&self) -> [u8; 12] {
        let t = self.recovery_time_limit.to_be_bytes();
        [
            0x01,
            0x0A,
            self.error_recovery_parameter,
            self.read_retry_count,
            0,
            0,
            0,
            0,
            self.write_retry_count,
            0,
            t[0],
            t[1],
        ]
    }
}

/// WRITE TYPE of mode page 05h (MMC-6 Table 655).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WriteType {
    /// 00h: packet / incremental.
    PacketIncremental,
    /// 01h: track at once.
    TrackAtOnce,
    /// 02h: session at once (DAO).
    SessionAtOnce,
    /// 03h: raw.
    Raw,
    /// 04h: layer jump recording.
    LayerJump,
    Reserved(u8),
}

impl WriteType {
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::PacketIncremental,
            1 => Self::TrackAtOnce,
            2 => Self::SessionAtOnce,
            3 => Self::Raw,
            4 => Self::LayerJump,
            n => Self::Reserved(n),
        }
    }
    pub fn to_u8(self) -> u8 {
        match self {
            Self::PacketIncremental => 0,
            Self::TrackAtOnce => 1,
            Self::SessionAtOnce => 2,
            Self::Raw => 3,
            Self::LayerJump => 4,
            Self::Reserved(n) => n & 0x0F,
        }
    }
}

/// Write Parameters mode page 05h (MMC-6 §7.5, Table 654). `to_bytes` gives back every
/// byte it read, so a read-modify-write keeps fields discrw does not model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteParametersPage {
    /// Byte 2 bit 6: BUFE (buffer underrun free recording).
    pub bufe: bool,
    /// Byte 2 bit 5: LS_V (link size valid).
    pub ls_v: bool,
    /// Byte 2 bit 4: TEST WRITE (simulation).
    pub test_write: bool,
    /// Byte 2 bits 3..0: WRITE TYPE.
    pub write_type: WriteType,
    /// Byte 3 bits 7..6: MULTI-SESSION (00b close disc, 11b next session allowed).
    pub multi_session: u8,
    /// Byte 3 bit 5: FP (fixed packet).
    pub fp: bool,
    /// Byte 3 bit 4: COPY.
    pub copy: bool,
    /// Byte 3 bits 3..0: TRACK MODE (control nibble: 4 = data uninterrupted, 5 = incremental).
    pub track_mode: u8,
    /// Byte 4 bits 3..0: DATA BLOCK TYPE (8 = mode 1 2048 bytes, 10 = mode 2 form 1 ...).
    pub data_block_type: u8,
    /// Byte 5: LINK SIZE.
    pub link_size: u8,
    /// Byte 7 bits 5..0: INITIATOR APPLICATION CODE.
    pub initiator_application_code: u8,
    /// Byte 8: SESSION FORMAT (00h CD-DA/CD-ROM, 10h CD-I, 20h CD-ROM XA).
    pub session_format: u8,
    /// Bytes 10..=13: PACKET SIZE.
    pub packet_size: u32,
    /// Bytes 14..=15: AUDIO PAUSE LENGTH.
    pub audio_pause_length: u16,
    raw: Vec<u8>,
}

impl WriteParametersPage {
    pub fn parse(p: &[u8]) -> Result<Self, ParseError> {
        need("mode page 05h", p, 16)?;
        Ok(Self {
            bufe: p[2] & 0x40 != 0,
            ls_v: p[2] & 0x20 != 0,
            test_write: p[2] & 0x10 != 0,
            write_type: WriteType::from_u8(p[2] & 0x0F),
            multi_session: p[3] >> 6,
            fp: p[3] & 0x20 != 0,
            copy: p[3] & 0x10 != 0,
            track_mode: p[3] & 0x0F,
            data_block_type: p[4] & 0x0F,
            link_size: p[5],
            initiator_application_code: p[7] & 0x3F,
            session_format: p[8],
            packet_size: be32(p, 10),
            audio_pause_length: be16(p, 14),
            raw: p.to_vec(),
        })
    }

    /// The page bytes with the modelled fields written back (PS bit cleared).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = self.raw.clone();
        p[0] = 0x05;
        p[2] = (p[2] & 0x80)
            | (u8::from(self.bufe) << 6)
            | (u8::from(self.ls_v) << 5)
            | (u8::from(self.test_write) << 4)
            | self.write_type.to_u8();
        p[3] = ((self.multi_session & 3) << 6)
            | (u8::from(self.fp) << 5)
            | (u8::from(self.copy) << 4)
            | (self.track_mode & 0x0F);
        p[4] = (p[4] & 0xF0) | (self.data_block_type & 0x0F);
        p[5] = self.link_size;
        p[7] = (p[7] & 0xC0) | (self.initiator_application_code & 0x3F);
        p[8] = self.session_format;
        p[10..14].copy_from_slice(&self.packet_size.to_be_bytes());
        p[14..16].copy_from_slice(&self.audio_pause_length.to_be_bytes());
        p
    }
}

/// One write speed performance descriptor of page 2Ah (MMC-3 Table 366 layout:
/// byte 1 bits 2..0 ROTATION CONTROL, bytes 2..=3 WRITE SPEED SUPPORTED in kB/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WriteSpeedDescriptor {
    pub rotation_control: u8,
    pub write_speed_kbps: u16,
}

/// CD/DVD Capabilities and Mechanical Status mode page 2Ah (MMC-3 §5.5.10, kept in MMC-6
/// Annex as legacy; most drives still return it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapabilitiesPage {
    /// Byte 2 bits: 0 CD-R read, 1 CD-RW read, 3 DVD-ROM read, 4 DVD-R read, 5 DVD-RAM read.
    pub cd_r_read: bool,
    pub cd_rw_read: bool,
    pub dvd_rom_read: bool,
    pub dvd_r_read: bool,
    pub dvd_ram_read: bool,
    /// Byte 3 bits: 0 CD-R write, 1 CD-RW write, 2 test write, 4 DVD-R write, 5 DVD-RAM write.
    pub cd_r_write: bool,
    pub cd_rw_write: bool,
    pub test_write: bool,
    pub dvd_r_write: bool,
    pub dvd_ram_write: bool,
    /// Byte 4 bit 7: BUF (buffer underrun free recording supported); bit 6 multi-session.
    pub buf: bool,
    pub multi_session: bool,
    /// Byte 5 bit 4: C2 POINTERS supported; bit 0 CD-DA commands supported; bit 1 CD-DA
    /// stream is accurate.
    pub c2_pointers: bool,
    pub cd_da_supported: bool,
    pub cd_da_accurate: bool,
    /// Byte 6 bits 7..5: LOADING MECHANISM TYPE; bit 3 EJECT; bit 0 LOCK.
    pub loading_mechanism_type: u8,
    pub eject: bool,
    pub lock: bool,
    /// Bytes 8..=9: MAXIMUM READ SPEED (kB/s, obsolete but widely filled).
    pub max_read_speed_kbps: u16,
    /// Bytes 12..=13: BUFFER SIZE SUPPORTED (KiB).
    pub buffer_size_kib: u16,
    /// Bytes 14..=15: CURRENT READ SPEED (kB/s).
    pub current_read_speed_kbps: u16,
    /// Bytes 18..=19: MAXIMUM WRITE SPEED (kB/s).
    pub max_write_speed_kbps: u16,
    /// Bytes 20..=21 or, when present, 28..=29: CURRENT WRITE SPEED (SELECTED).
    pub current_write_speed_kbps: u16,
    /// Bytes 30..=31 count them; descriptors of 4 bytes from byte 32.
    pub write_speed_descriptors: Vec<WriteSpeedDescriptor>,
}

impl CapabilitiesPage {
    pub fn parse(p: &[u8]) -> Result<Self, ParseError> {
        need("mode page 2Ah", p, 22)?;
        let bit = |byte: usize, b: u8| p[byte] & (1 << b) != 0;
        let mut current_write = be16(p, 20);
        let mut descriptors = Vec::new();
        if p.len() >= 32 {
            let selected = be16(p, 28);
            if selected != 0 {
                current_write = selected;
            }
            let n = usize::from(be16(p, 30));
            for i in 0..n {
                let at = 32 + 4 * i;
                if at + 4 > p.len() {
                    break; // page length shorter than the count: keep what is there
                }
                descriptors.push(WriteSpeedDescriptor {
                    rotation_control: p[at + 1] & 0x07,
                    write_speed_kbps: be16(p, at + 2),
                });
            }
        }
        Ok(Self {
            cd_r_read: bit(2, 0),
            cd_rw_read: bit(2, 1),
            dvd_rom_read: bit(2, 3),
            dvd_r_read: bit(2, 4),
            dvd_ram_read: bit(2, 5),
            cd_r_write: bit(3, 0),
            cd_rw_write: bit(3, 1),
            test_write: bit(3, 2),
            dvd_r_write: bit(3, 4),
            dvd_ram_write: bit(3, 5),
            buf: bit(4, 7),
            multi_session: bit(4, 6),
            c2_pointers: bit(5, 4),
            cd_da_supported: bit(5, 0),
            cd_da_accurate: bit(5, 1),
            loading_mechanism_type: p[6] >> 5,
            eject: bit(6, 3),
            lock: bit(6, 0),
            max_read_speed_kbps: be16(p, 8),
            buffer_size_kib: be16(p, 12),
            current_read_speed_kbps: be16(p, 14),
            max_write_speed_kbps: be16(p, 18),
            current_write_speed_kbps: current_write,
            write_speed_descriptors: descriptors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(page_len: usize) -> Vec<u8> {
        // SPC-4 Table 360: MODE DATA LENGTH excludes its own two bytes; no block descriptors.
        let l = (6 + page_len) as u16;
        vec![(l >> 8) as u8, l as u8, 0, 0, 0, 0, 0, 0]
    }

    #[test]
    fn finds_page_and_rejects_wrong_one() {
        let mut d = header(12);
        d.extend_from_slice(&[0x81, 0x0A, 0x04, 0x10, 0, 0, 0, 0, 0x05, 0, 0x00, 0x64]);
        let p = find_page(&d, 0x01).unwrap();
        let r = ReadWriteErrorRecoveryPage::parse(p).unwrap();
        assert!(r.per());
        assert_eq!(r.read_retry_count, 0x10);
        assert_eq!(r.write_retry_count, 5);
        assert_eq!(r.recovery_time_limit, 100);
        assert_eq!(
            r.to_bytes(),
            [0x01, 0x0A, 0x04, 0x10, 0, 0, 0, 0, 0x05, 0, 0x00, 0x64]
        );
        assert!(matches!(
            find_page(&d, 0x05),
            Err(ParseError::Invalid { .. })
        ));
        assert!(find_page(&d[..9], 0x01).is_err());
    }

    #[test]
    fn write_parameters_page_round_trip() {
        // MMC-6 Table 654 layout: BUFE, TAO; multi-session 11b, track mode 4; data block
        // type 8 (mode 1); link size 7; session format 00h; packet size 16; pause 150.
        let mut page = vec![0u8; 0x34];
        page[0] = 0x05;
        page[1] = 0x32;
        page[2] = 0x41;
        page[3] = 0xC4;
        page[4] = 0x08;
        page[5] = 0x07;
        page[13] = 0x10;
        page[15] = 0x96;
        let mut d = header(page.len());
        d.extend_from_slice(&page);
        let w = WriteParametersPage::parse(find_page(&d, 5).unwrap()).unwrap();
        assert!(w.bufe && !w.test_write && !w.ls_v);
        assert_eq!(w.write_type, WriteType::TrackAtOnce);
        assert_eq!(w.multi_session, 3);
        assert_eq!(w.track_mode, 4);
        assert_eq!(w.data_block_type, 8);
        assert_eq!(w.link_size, 7);
        assert_eq!(w.packet_size, 16);
        assert_eq!(w.audio_pause_length, 150);
        assert_eq!(w.to_bytes(), page);
        let mut w2 = w.clone();
        w2.write_type = WriteType::SessionAtOnce;
        w2.test_write = true;
        let b = w2.to_bytes();
        assert_eq!(b[2], 0x52);
        let list = mode_select_parameter_list(&b);
        assert_eq!(&list[..8], &[0; 8]);
        assert_eq!(list[8], 0x05);
    }

    #[test]
    fn capabilities_page_with_speed_descriptors() {
        let mut p = vec![0u8; 32 + 8];
        p[0] = 0x2A;
        p[1] = (p.len() - 2) as u8;
        p[2] = 0x3B; // CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM read
        p[3] = 0x37; // CD-R, CD-RW, test, DVD-R, DVD-RAM write
        p[4] = 0xC0; // BUF, multi-session
        p[5] = 0x13; // C2, accurate, CD-DA
        p[6] = 0x29; // tray (001b), eject, lock
        p[8..10].copy_from_slice(&[0x21, 0x60]); // 8544 kB/s max read (48x CD)
        p[12..14].copy_from_slice(&[0x08, 0x00]); // 2048 KiB buffer
        p[18..20].copy_from_slice(&[0x1B, 0x90]); // 7056 kB/s
        p[28..30].copy_from_slice(&[0x0D, 0xC8]); // 3528 selected
        p[30..32].copy_from_slice(&[0, 2]);
        p[32..36].copy_from_slice(&[0, 0, 0x1B, 0x90]);
        p[36..40].copy_from_slice(&[0, 1, 0x0D, 0xC8]);
        let c = CapabilitiesPage::parse(&p).unwrap();
        assert!(c.cd_r_read && c.cd_rw_read && c.dvd_rom_read && c.dvd_r_read && c.dvd_ram_read);
        assert!(c.cd_r_write && c.cd_rw_write && c.test_write && c.dvd_r_write);
        assert!(c.buf && c.multi_session && c.c2_pointers && c.cd_da_accurate);
        assert_eq!(c.loading_mechanism_type, 1);
        assert!(c.eject && c.lock);
        assert_eq!(c.buffer_size_kib, 2048);
        assert_eq!(c.max_read_speed_kbps, 8544);
        assert_eq!(c.max_write_speed_kbps, 7056);
        assert_eq!(c.current_write_speed_kbps, 3528);
        assert_eq!(
            c.write_speed_descriptors,
            vec![
                WriteSpeedDescriptor {
                    rotation_control: 0,
                    write_speed_kbps: 7056
                },
                WriteSpeedDescriptor {
                    rotation_control: 1,
                    write_speed_kbps: 3528
                },
            ]
        );
        // A count larger than the page does not panic.
        let mut short = p[..36].to_vec();
        short[31] = 9;
        assert_eq!(
            CapabilitiesPage::parse(&short)
                .unwrap()
                .write_speed_descriptors
                .len(),
            1
        );
    }

    #[test]
    fn burn_free_page_30h_counter_only_when_the_layout_and_support_bit_say_so() {
        // Page 30h, length 0Eh, BUEFS, BUEFE, link counter 0x0102 = 258, 10 reserved bytes.
        let mut p = vec![0x30, 0x0E, 0x01, 0x01, 0x01, 0x02];
        p.extend_from_slice(&[0; 10]);
        assert_eq!(
            BurnFreePage::parse(&p),
            Some(BurnFreePage {
                enabled: true,
                link_counter: 258
            })
        );
        // PS bit set in byte 0 is still page 30h.
        p[0] = 0xB0;
        assert_eq!(BurnFreePage::parse(&p).map(|b| b.link_counter), Some(258));
        // Not supported (BUEFS clear), another length, another page, short: no count.
        for (at, v) in [(2usize, 0x00u8), (1, 0x06), (0, 0x2A)] {
            let mut q = p.clone();
            q[at] = v;
            assert_eq!(BurnFreePage::parse(&q), None, "byte {at} = {v:#x}");
        }
        assert_eq!(BurnFreePage::parse(&p[..5]), None);
    }
}
