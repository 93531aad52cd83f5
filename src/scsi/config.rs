//! GET CONFIGURATION (MMC-6 §6.6) and the feature descriptors it returns (MMC-6 §5.3).

use super::{ParseError, Profile, be16, be32, need};
use serde::Serialize;

/// RT field of GET CONFIGURATION (MMC-6 Table 85).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestType {
    /// 00b: every feature the drive supports, current or not.
    All = 0,
    /// 01b: only features whose Current bit is set.
    Current = 1,
    /// 10b: exactly the one feature named by STARTING FEATURE NUMBER.
    One = 2,
}

/// GET CONFIGURATION (MMC-6 §6.6, Table 84): opcode 46h, RT byte 1 bits 1..0, STARTING
/// FEATURE NUMBER bytes 2..=3, ALLOCATION LENGTH bytes 7..=8.
pub fn get_configuration(
    rt: RequestType,
    starting_feature: u16,
    allocation_length: u16,
) -> [u8; 10] {
    let [f0, f1] = starting_feature.to_be_bytes();
    let [a0, a1] = allocation_length.to_be_bytes();
    [0x46, rt as u8, f0, f1, 0, 0, 0, a0, a1, 0]
}

/// Feature codes discrw looks at (MMC-6 Table 92).
pub mod feature {
    pub const PROFILE_LIST: u16 = 0x0000;
    pub const CORE: u16 = 0x0001;
    pub const MORPHING: u16 = 0x0002;
    pub const REMOVABLE_MEDIUM: u16 = 0x0003;
    pub const RANDOM_READABLE: u16 = 0x0010;
    pub const MULTI_READ: u16 = 0x001D;
    pub const CD_READ: u16 = 0x001E;
    pub const DVD_READ: u16 = 0x001F;
    pub const RANDOM_WRITABLE: u16 = 0x0020;
    pub const INCREMENTAL_STREAMING_WRITABLE: u16 = 0x0021;
    pub const FORMATTABLE: u16 = 0x0023;
    pub const HARDWARE_DEFECT_MANAGEMENT: u16 = 0x0024;
    pub const RESTRICTED_OVERWRITE: u16 = 0x0026;
    pub const DVD_PLUS_RW: u16 = 0x002A;
    pub const DVD_PLUS_R: u16 = 0x002B;
    pub const RIGID_RESTRICTED_OVERWRITE: u16 = 0x002C;
    pub const CD_TRACK_AT_ONCE: u16 = 0x002D;
    pub const CD_MASTERING: u16 = 0x002E;
    pub const DVD_R_RW_WRITE: u16 = 0x002F;
    pub const LAYER_JUMP_RECORDING: u16 = 0x0033;
    pub const BD_READ: u16 = 0x0040;
    pub const BD_WRITE: u16 = 0x0041;
    pub const POWER_MANAGEMENT: u16 = 0x0100;
    pub const REAL_TIME_STREAMING: u16 = 0x0107;
}

/// One feature descriptor (MMC-6 Table 91), generic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feature {
    /// Bytes 0..=1: FEATURE CODE.
    pub code: u16,
    /// Byte 2 bits 5..2: VERSION.
    pub version: u8,
    /// Byte 2 bit 1: PERSISTENT.
    pub persistent: bool,
    /// Byte 2 bit 0: CURRENT.
    pub current: bool,
    /// The feature dependent data after the 4-byte header (ADDITIONAL LENGTH bytes, cut to
    /// what was returned).
    pub data: Vec<u8>,
}

/// The feature-specific fields discrw uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum FeatureDetail {
    /// 001Eh CD Read (MMC-6 §5.3.17): byte 4 bit 7 DAP, bit 1 C2 FLAGS, bit 0 CD-TEXT.
    CdRead {
        dap: bool,
        c2_flags: bool,
        cd_text: bool,
    },
    /// 002Dh CD Track at Once (§5.3.25): byte 4 bit 6 BUF, bit 2 TEST WRITE, bit 1 CD-RW,
    /// bit 0 R-W SUBCODE; bytes 6..=7 DATA TYPE SUPPORTED.
    CdTrackAtOnce {
        buf: bool,
        test_write: bool,
        cd_rw: bool,
        rw_subcode: bool,
        data_type_supported: u16,
    },
    /// 002Eh CD Mastering (§5.3.26): byte 4 bit 6 BUF, bit 5 SAO, bit 4 RAW MS, bit 3 RAW,
    /// bit 2 TEST WRITE, bit 1 CD-RW, bit 0 R-W; bytes 5..=7 MAXIMUM CUE SHEET LENGTH.
    CdMastering {
        buf: bool,
        sao: bool,
        raw_ms: bool,
        raw: bool,
        test_write: bool,
        cd_rw: bool,
        maximum_cue_sheet_length: u32,
    },
    /// 002Fh DVD-R/-RW Write (§5.3.27): byte 4 bit 6 BUF, bit 3 RDL, bit 2 TEST WRITE, bit 1
    /// DVD-RW SL.
    DvdRRwWrite {
        buf: bool,
        rdl: bool,
        test_write: bool,
        dvd_rw: bool,
    },
    /// 002Bh DVD+R (§5.3.23): byte 4 bit 0 WRITE.
    DvdPlusR { write: bool },
    /// 002Ah DVD+RW (§5.3.22): byte 4 bit 0 WRITE; byte 5 bit 1 QUICK START, bit 0 CLOSE ONLY.
    DvdPlusRw {
        write: bool,
        quick_start: bool,
        close_only: bool,
    },
    /// 0021h Incremental Streaming Writable (§5.3.19): bytes 4..=5 DATA BLOCK TYPES
    /// SUPPORTED, byte 6 bit 0 BUF, byte 7 NUMBER OF LINK SIZES, link sizes from byte 8.
    IncrementalStreamingWritable {
        data_block_types_supported: u16,
        buf: bool,
        link_sizes: Vec<u8>,
    },
    /// 0033h Layer Jump Recording (§5.3.29): byte 7 NUMBER OF LINK SIZES, then link sizes.
    LayerJumpRecording { link_sizes: Vec<u8> },
    /// 0040h BD Read (§5.3.31): class 0 read support bitmaps for BD-RE, BD-R, BD-ROM
    /// (bytes 8..=9, 16..=17, 24..=25 of the descriptor: class 0 of each medium's four
    /// 2-byte class bitmaps).
    BdRead {
        bd_re_class0: u16,
        bd_r_class0: u16,
        bd_rom_class0: u16,
    },
    /// 0041h BD Write (§5.3.32): byte 4 bit 0 SVNR; class 0 write bitmaps for BD-RE
    /// (bytes 8..=9) and BD-R (bytes 16..=17), same layout as BD Read.
    BdWrite {
        svnr: bool,
        bd_re_class0: u16,
        bd_r_class0: u16,
    },
    /// 0107h Real Time Streaming (§5.3.37): byte 4 bit 4 RBCB, bit 3 SCS, bit 2 MP2A, bit 1
    /// WSPD (write speed via GET PERFORMANCE 03h), bit 0 SW (stream writing).
    RealTimeStreaming {
        rbcb: bool,
        scs: bool,
        mp2a: bool,
        wspd: bool,
        sw: bool,
    },
    /// Anything else: see `Feature::data`.
    Other,
}

impl Feature {
    /// The feature-specific fields, when the descriptor is long enough for them.
    pub fn detail(&self) -> FeatureDetail {
        // `d` indexes the descriptor as MMC tables do (header = bytes 0..=3).
        let mut d = vec![0u8; 4];
        d.extend_from_slice(&self.data);
        let b = |i: usize| d.get(i).copied().unwrap_or(0);
        let bit = |i: usize, n: u8| b(i) & (1 << n) != 0;
        let w = |i: usize| u16::from_be_bytes([b(i), b(i + 1)]);
        let links = |count_at: usize| {
            let n = usize::from(b(count_at));
            d.iter()
                .skip(count_at + 1)
                .take(n)
                .copied()
                .collect::<Vec<u8>>()
        };
        match self.code {
            feature::CD_READ => FeatureDetail::CdRead {
                dap: bit(4, 7),
                c2_flags: bit(4, 1),
                cd_text: bit(4, 0),
            },
            feature::CD_TRACK_AT_ONCE => FeatureDetail::CdTrackAtOnce {
                buf: bit(4, 6),
                test_write: bit(4, 2),
                cd_rw: bit(4, 1),
                rw_subcode: bit(4, 0),
                data_type_supported: w(6),
            },
            feature::CD_MASTERING => FeatureDetail::CdMastering {
                buf: bit(4, 6),
                sao: bit(4, 5),
                raw_ms: bit(4, 4),
                raw: bit(4, 3),
                test_write: bit(4, 2),
                cd_rw: bit(4, 1),
                maximum_cue_sheet_length: u32::from_be_bytes([0, b(5), b(6), b(7)]),
            },
            feature::DVD_R_RW_WRITE => FeatureDetail::DvdRRwWrite {
                buf: bit(4, 6),
                rdl: bit(4, 3),
                test_write: bit(4, 2),
                dvd_rw: bit(4, 1),
            },
            feature::DVD_PLUS_R => FeatureDetail::DvdPlusR { write: bit(4, 0) },
            feature::DVD_PLUS_RW => FeatureDetail::DvdPlusRw {
                write: bit(4, 0),
                quick_start: bit(5, 1),
                close_only: bit(5, 0),
            },
            feature::INCREMENTAL_STREAMING_WRITABLE => {
                FeatureDetail::IncrementalStreamingWritable {
                    data_block_types_supported: w(4),
                    buf: bit(6, 0),
                    link_sizes: links(7),
                }
            }
            feature::LAYER_JUMP_RECORDING => FeatureDetail::LayerJumpRecording {
                link_sizes: links(7),
            },
            feature::BD_READ => FeatureDetail::BdRead {
                bd_re_class0: w(8),
                bd_r_class0: w(16),
                bd_rom_class0: w(24),
            },
            feature::BD_WRITE => FeatureDetail::BdWrite {
                svnr: bit(4, 0),
                bd_re_class0: w(8),
                bd_r_class0: w(16),
            },
            feature::REAL_TIME_STREAMING => FeatureDetail::RealTimeStreaming {
                rbcb: bit(4, 4),
                scs: bit(4, 3),
                mp2a: bit(4, 2),
                wspd: bit(4, 1),
                sw: bit(4, 0),
            },
            _ => FeatureDetail::Other,
        }
    }
}

/// GET CONFIGURATION response: feature header (MMC-6 Table 86) and descriptors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Configuration {
    /// Header bytes 6..=7: CURRENT PROFILE.
    pub current_profile: Profile,
    /// From the Profile List feature (0000h): (profile, CurrentP), in the drive's order.
    pub profiles: Vec<(Profile, bool)>,
    pub features: Vec<Feature>,
}

impl Configuration {
    /// The descriptor for a feature code, if the drive returned it.
    pub fn feature(&self, code: u16) -> Option<&Feature> {
        self.features.iter().find(|f| f.code == code)
    }

    /// True when the drive reported the feature with its Current bit set.
    pub fn is_current(&self, code: u16) -> bool {
        self.feature(code).is_some_and(|f| f.current)
    }
}

/// Parse GET CONFIGURATION data. DATA LENGTH (bytes 0..=3) counts the bytes after itself;
/// a drive may promise more than the allocation length let through, so parsing stops at
/// whichever end comes first. A descriptor cut short keeps the bytes that arrived.
pub fn parse_configuration(d: &[u8]) -> Result<Configuration, ParseError> {
    need("GET CONFIGURATION header", d, 8)?;
    let end = (be32(d, 0) as usize).saturating_add(4).min(d.len());
    let current_profile = Profile::from_u16(be16(d, 6));
    let mut features = Vec::new();
    let mut profiles = Vec::new();
    let mut at = 8;
    while at + 4 <= end {
        let code = be16(d, at);
        let len = usize::from(d[at + 3]);
        let data_end = (at + 4 + len).min(end);
        let data = d[at + 4..data_end].to_vec();
        if code == feature::PROFILE_LIST {
            // Profile descriptors (MMC-6 Table 94): bytes 0..=1 PROFILE NUMBER, byte 2 bit 0
            // CURRENTP.
            for p in data.chunks_exact(4) {
                profiles.push((Profile::from_u16(be16(p, 0)), p[2] & 1 != 0));
            }
        }
        features.push(Feature {
            code,
            version: (d[at + 2] >> 2) & 0x0F,
            persistent: d[at + 2] & 0x02 != 0,
            current: d[at + 2] & 0x01 != 0,
            data,
        });
        at += 4 + len;
    }
    Ok(Configuration {
        current_profile,
        profiles,
        features,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdb_matches_table_84() {
        assert_eq!(
            get_configuration(RequestType::All, 0, 0x1000),
            [0x46, 0x00, 0, 0, 0, 0, 0, 0x10, 0x00, 0]
        );
        assert_eq!(
            get_configuration(RequestType::One, 0x001E, 16),
            [0x46, 0x02, 0x00, 0x1E, 0, 0, 0, 0, 16, 0]
        );
        assert_eq!(get_configuration(RequestType::Current, 0, 8)[1], 0x01);
    }

    /// A DVD writer with a blank DVD+R loaded, laid out per MMC-6 Tables 86, 91, 94.
    fn dvd_plus_r_config() -> Vec<u8> {
        let mut d = vec![0, 0, 0, 0, 0, 0, 0x00, 0x1B];
        // Profile List, version 0, persistent+current, 4 profiles.
        d.extend_from_slice(&[0x00, 0x00, 0x03, 0x10]);
        d.extend_from_slice(&[0x00, 0x1B, 0x01, 0x00]); // DVD+R, current
        d.extend_from_slice(&[0x00, 0x1A, 0x00, 0x00]); // DVD+RW
        d.extend_from_slice(&[0x00, 0x09, 0x00, 0x00]); // CD-R
        d.extend_from_slice(&[0x00, 0x08, 0x00, 0x00]); // CD-ROM
        // Core feature 0001h, version 2, persistent+current, 8 bytes.
        d.extend_from_slice(&[0x00, 0x01, 0x0B, 0x08, 0, 0, 0, 0x02, 0x01, 0, 0, 0]);
        // CD Read 001Eh, version 2, not current, C2 flags + CD-Text.
        d.extend_from_slice(&[0x00, 0x1E, 0x08, 0x04, 0x03, 0, 0, 0]);
        // DVD+R 002Bh, current, WRITE.
        d.extend_from_slice(&[0x00, 0x2B, 0x01, 0x04, 0x01, 0, 0, 0]);
        // CD Mastering 002Eh, BUF SAO RAW TEST CD-RW, max cue sheet 0x001FFF.
        d.extend_from_slice(&[0x00, 0x2E, 0x08, 0x04, 0x6E, 0x00, 0x1F, 0xFF]);
        // Real Time Streaming 0107h, WSPD + SW.
        d.extend_from_slice(&[0x01, 0x07, 0x0D, 0x04, 0x03, 0, 0, 0]);
        let len = (d.len() - 4) as u32;
        d[..4].copy_from_slice(&len.to_be_bytes());
        d
    }

    #[test]
    fn parses_profiles_and_features() {
        let c = parse_configuration(&dvd_plus_r_config()).unwrap();
        assert_eq!(c.current_profile, Profile::DvdPlusR);
        assert_eq!(
            c.profiles,
            vec![
                (Profile::DvdPlusR, true),
                (Profile::DvdPlusRw, false),
                (Profile::CdR, false),
                (Profile::CdRom, false)
            ]
        );
        assert_eq!(c.features.len(), 6);
        let core = c.feature(feature::CORE).unwrap();
        assert_eq!(
            (core.version, core.persistent, core.current),
            (2, true, true)
        );
        assert_eq!(
            c.feature(feature::CD_READ).unwrap().detail(),
            FeatureDetail::CdRead {
                dap: false,
                c2_flags: true,
                cd_text: true
            }
        );
        assert!(!c.is_current(feature::CD_READ));
        assert!(c.is_current(feature::DVD_PLUS_R));
        assert_eq!(
            c.feature(feature::DVD_PLUS_R).unwrap().detail(),
            FeatureDetail::DvdPlusR { write: true }
        );
        assert_eq!(
            c.feature(feature::CD_MASTERING).unwrap().detail(),
            FeatureDetail::CdMastering {
                buf: true,
                sao: true,
                raw_ms: false,
                raw: true,
                test_write: true,
                cd_rw: true,
                maximum_cue_sheet_length: 0x1FFF
            }
        );
        assert_eq!(
            c.feature(feature::REAL_TIME_STREAMING).unwrap().detail(),
            FeatureDetail::RealTimeStreaming {
                rbcb: false,
                scs: false,
                mp2a: false,
                wspd: true,
                sw: true
            }
        );
    }

    #[test]
    fn truncated_data_and_length_beyond_buffer() {
        let full = dvd_plus_r_config();
        // Allocation length cut the answer inside the Core descriptor.
        let c = parse_configuration(&full[..34]).unwrap();
        assert_eq!(c.profiles.len(), 4);
        assert_eq!(c.features.len(), 2);
        assert_eq!(c.features[1].data.len(), 2);
        assert!(parse_configuration(&full[..7]).is_err());
        // Header-only answer (no medium, some drives): no features, no panic.
        let c = parse_configuration(&[0, 0, 0, 4, 0, 0, 0, 0]).unwrap();
        assert_eq!(c.current_profile, Profile::NoProfile);
        assert!(c.features.is_empty());
    }

    #[test]
    fn bd_read_class_bitmaps() {
        // Descriptor bytes 4.. : reserved 4..=7, BD-RE class 0..3 8..=15, BD-R 16..=23,
        // BD-ROM 24..=31 (additional length 1Ch).
        let mut data = vec![0u8; 28];
        data[4..6].copy_from_slice(&[0x00, 0x02]); // BD-RE class 0, version 1
        data[12..14].copy_from_slice(&[0x00, 0x02]); // BD-R class 0, version 1
        data[20..22].copy_from_slice(&[0x00, 0x01]); // BD-ROM class 0, version 0
        let f = Feature {
            code: feature::BD_READ,
            version: 0,
            persistent: false,
            current: true,
            data,
        };
        assert_eq!(
            f.detail(),
            FeatureDetail::BdRead {
                bd_re_class0: 2,
                bd_r_class0: 2,
                bd_rom_class0: 1
            }
        );
    }

    #[test]
    fn incremental_streaming_and_layer_jump_link_sizes() {
        let f = Feature {
            code: feature::INCREMENTAL_STREAMING_WRITABLE,
            version: 1,
            persistent: false,
            current: true,
            data: vec![0x01, 0x01, 0x01, 0x02, 0x01, 0x07, 0, 0],
        };
        assert_eq!(
            f.detail(),
            FeatureDetail::IncrementalStreamingWritable {
                data_block_types_supported: 0x0101,
                buf: true,
                link_sizes: vec![1, 7]
            }
        );
        let f = Feature {
            code: feature::LAYER_JUMP_RECORDING,
            data: vec![0, 0, 0, 1, 0x10],
            ..f
        };
        assert_eq!(
            f.detail(),
            FeatureDetail::LayerJumpRecording {
                link_sizes: vec![16]
            }
        );
    }
}
