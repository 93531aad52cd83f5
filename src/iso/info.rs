//! Volume descriptors (ECMA-119 §8), the volume recognition sequence (ECMA-167 2/9.1), and the
//! summary `discrw iso info` prints; plus the cheap size probe the rip uses.

use super::bytes::{ascii_field, both16, both32, field, le32, rfc3339, ucs2_field, vd_time};
use super::eltorito::{BootCatalog, read_boot_catalog};
use super::partition::{PartitionTable, read_partition_table};
use super::udf::{UdfInfo, detect_udf};
use super::{IsoError, IsoImage, Namespace, Result, SECTOR, SectorSource};
use serde::Serialize;

/// First volume descriptor (ECMA-119 §6.2.1: after the 16-sector system area).
const FIRST_VD: u64 = 16;
/// Most descriptors scanned before giving up on a terminator.
const MAX_VDS: u64 = 64;

#[derive(Debug, Clone)]
pub(crate) enum Descriptor {
    Boot {
        lba: u64,
        data: Vec<u8>,
    },
    Primary {
        lba: u64,
        data: Vec<u8>,
    },
    Supplementary {
        lba: u64,
        data: Vec<u8>,
        joliet: Option<u8>,
    },
    Partition {
        lba: u64,
    },
    Terminator {
        lba: u64,
    },
    /// ECMA-167 volume structure descriptors: BEA01, NSR02, NSR03, TEA01, BOOT2, CDW02.
    Other {
        lba: u64,
        id: String,
        kind: u8,
    },
}

/// Reads the descriptor set from LBA 16 up to its terminator (bounded).
pub(crate) fn read_descriptors<S: SectorSource + ?Sized>(src: &mut S) -> Result<Vec<Descriptor>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; SECTOR];
    for lba in FIRST_VD..FIRST_VD + MAX_VDS {
        match src.read_sectors(lba, 1, &mut buf) {
            Ok(()) => {}
            Err(crate::media::MediaError::OutOfRange { .. })
                if !out.is_empty() || lba == FIRST_VD =>
            {
                break;
            }
            Err(e) => return Err(e.into()),
        }
        // ECMA-119 §8.1: type (BP 1), standard identifier (BP 2-6), version (BP 7).
        let kind = buf[0];
        let id = &buf[1..6];
        if id != b"CD001" {
            let text = String::from_utf8_lossy(id).into_owned();
            if id.iter().all(|c| c.is_ascii_alphanumeric()) {
                out.push(Descriptor::Other {
                    lba,
                    id: text.clone(),
                    kind,
                });
                if text == "TEA01" {
                    break;
                }
                continue;
            }
            break;
        }
        let data = buf.clone();
        match kind {
            0 => out.push(Descriptor::Boot { lba, data }),
            1 => out.push(Descriptor::Primary { lba, data }),
            2 => {
                // Joliet: escape sequences (BP 89-120) %/@, %/C, %/E = UCS-2 level 1, 2, 3.
                let esc = &data[88..120];
                let joliet = match esc {
                    [b'%', b'/', b'@', ..] => Some(1),
                    [b'%', b'/', b'C', ..] => Some(2),
                    [b'%', b'/', b'E', ..] => Some(3),
                    _ => None,
                };
                out.push(Descriptor::Supplementary { lba, data, joliet });
            }
            3 => out.push(Descriptor::Partition { lba }),
            255 => {
                out.push(Descriptor::Terminator { lba });
                break;
            }
            _ => out.push(Descriptor::Other {
                lba,
                id: "CD001".into(),
                kind,
            }),
        }
    }
    Ok(out)
}

/// One line of the descriptor list.
#[derive(Debug, Clone, Serialize)]
pub struct DescriptorSummary {
    pub lba: u64,
    pub kind: String,
}

/// A primary or supplementary volume descriptor (ECMA-119 §8.4, §8.5).
#[derive(Debug, Clone, Serialize)]
pub struct VolumeDescriptorInfo {
    pub lba: u64,
    /// Joliet UCS-2 level (1..3) for a Joliet SVD.
    pub joliet_level: Option<u8>,
    pub system_id: String,
    pub volume_id: String,
    pub volume_set_id: String,
    pub publisher_id: String,
    pub data_preparer_id: String,
    pub application_id: String,
    pub copyright_file_id: String,
    pub abstract_file_id: String,
    pub bibliographic_file_id: String,
    pub creation_date: Option<String>,
    pub modification_date: Option<String>,
    pub expiration_date: Option<String>,
    pub effective_date: Option<String>,
    pub volume_space_size: u64,
    pub volume_set_size: u16,
    pub volume_sequence_number: u16,
    pub logical_block_size: u16,
    pub path_table_size: u32,
    pub type_l_path_table: u32,
    pub type_m_path_table: u32,
    /// Directories listed in the type L path table (ECMA-119 §9.4), if it could be read.
    pub path_table_directories: Option<u64>,
    pub root_directory_lba: u32,
    pub root_directory_size: u32,
}

/// El Torito boot record (El Torito 1.0 §2.0).
#[derive(Debug, Clone, Serialize)]
pub struct BootRecordInfo {
    pub lba: u64,
    pub boot_system_id: String,
    pub boot_catalog_lba: Option<u32>,
    /// The catalog's entries, if it could be read.
    pub catalog: Option<BootCatalog>,
    /// The file of the ISO 9660 tree that holds the catalog (e.g. /boot.catalog), if any.
    pub catalog_file: Option<String>,
}

/// Everything `discrw iso info` shows.
#[derive(Debug, Clone, Serialize)]
pub struct ImageInfo {
    pub image_sectors: Option<u64>,
    pub descriptors: Vec<DescriptorSummary>,
    pub primary: Option<VolumeDescriptorInfo>,
    pub joliet: Option<VolumeDescriptorInfo>,
    pub boot_record: Option<BootRecordInfo>,
    pub rock_ridge: bool,
    pub udf: Option<UdfInfo>,
    pub partition_table: Option<PartitionTable>,
    pub sizes: VolumeSizes,
    /// Problems found while probing (each part is probed independently).
    pub warnings: Vec<String>,
}

fn volume_info<S: SectorSource + ?Sized>(
    src: &mut S,
    lba: u64,
    d: &[u8],
    joliet: Option<u8>,
) -> VolumeDescriptorInfo {
    let text = |off: usize, len: usize| {
        let f = field(d, off, len).unwrap_or(&[]);
        if joliet.is_some() {
            ucs2_field(f)
        } else {
            ascii_field(f)
        }
    };
    let date = |off: usize| field(d, off, 17).and_then(vd_time).map(rfc3339);
    let path_table_size = both32(d, 132).unwrap_or(0);
    let type_l = le32(d, 140).unwrap_or(0);
    // ECMA-119 §8.4 byte positions (BP) minus one.
    VolumeDescriptorInfo {
        lba,
        joliet_level: joliet,
        system_id: text(8, 32),
        volume_id: text(40, 32),
        volume_set_id: text(190, 128),
        publisher_id: text(318, 128),
        data_preparer_id: text(446, 128),
        application_id: text(574, 128),
        copyright_file_id: text(702, 37),
        abstract_file_id: text(739, 37),
        bibliographic_file_id: text(776, 37),
        creation_date: date(813),
        modification_date: date(830),
        expiration_date: date(847),
        effective_date: date(864),
        volume_space_size: both32(d, 80).unwrap_or(0) as u64,
        volume_set_size: both16(d, 120).unwrap_or(0),
        volume_sequence_number: both16(d, 124).unwrap_or(0),
        logical_block_size: both16(d, 128).unwrap_or(0),
        path_table_size,
        type_l_path_table: type_l,
        type_m_path_table: super::bytes::be32(d, 148).unwrap_or(0),
        path_table_directories: count_path_table(src, type_l, path_table_size),
        root_directory_lba: both32(d, 158).unwrap_or(0),
        root_directory_size: both32(d, 166).unwrap_or(0),
    }
}

/// ECMA-119 §9.4: counts path table records (len_di at 0, then 8 + len_di + pad bytes).
fn count_path_table<S: SectorSource + ?Sized>(src: &mut S, lba: u32, size: u32) -> Option<u64> {
    if size == 0 || size > 16 * 1024 * 1024 {
        return None;
    }
    let data = src
        .read_bytes(lba as u64 * SECTOR as u64, size as usize)
        .ok()?;
    let mut pos = 0usize;
    let mut n = 0u64;
    while pos < data.len() {
        let l = data[pos] as usize;
        if l == 0 {
            return None;
        }
        pos += 8 + l + l % 2;
        n += 1;
    }
    (pos == data.len()).then_some(n)
}

/// Probes everything: descriptors, Rock Ridge, UDF, partition table. Fails only when the
/// source cannot be read at all or holds none of them.
pub fn inspect<S: SectorSource>(src: &mut S) -> Result<ImageInfo> {
    let mut warnings = Vec::new();
    let descs = match read_descriptors(src) {
        Ok(d) => d,
        Err(e) => {
            warnings.push(format!("volume descriptors: {e}"));
            Vec::new()
        }
    };
    let mut info = ImageInfo {
        image_sectors: src.sector_count(),
        descriptors: Vec::new(),
        primary: None,
        joliet: None,
        boot_record: None,
        rock_ridge: false,
        udf: None,
        partition_table: None,
        sizes: VolumeSizes::default(),
        warnings: Vec::new(),
    };
    for d in &descs {
        let (lba, kind) = match d {
            Descriptor::Boot { lba, data } => {
                let sys = ascii_field(&data[7..39]);
                let catalog =
                    (sys == "EL TORITO SPECIFICATION").then(|| le32(data, 71).unwrap_or(0));
                let cat = match catalog {
                    Some(c) => match read_boot_catalog(src, c as u64) {
                        Ok(cat) => Some(cat),
                        Err(e) => {
                            warnings.push(format!("El Torito: {e}"));
                            None
                        }
                    },
                    None => None,
                };
                info.boot_record = Some(BootRecordInfo {
                    lba: *lba,
                    boot_system_id: sys,
                    boot_catalog_lba: catalog,
                    catalog: cat,
                    catalog_file: None,
                });
                (*lba, "boot record".to_string())
            }
            Descriptor::Primary { lba, data } => {
                if info.primary.is_none() {
                    info.primary = Some(volume_info(src, *lba, data, None));
                }
                (*lba, "primary".to_string())
            }
            Descriptor::Supplementary { lba, data, joliet } => {
                if joliet.is_some() && info.joliet.is_none() {
                    info.joliet = Some(volume_info(src, *lba, data, *joliet));
                }
                let k = match joliet {
                    Some(l) => format!("supplementary (Joliet level {l})"),
                    None => "supplementary".to_string(),
                };
                (*lba, k)
            }
            Descriptor::Partition { lba } => (*lba, "partition".to_string()),
            Descriptor::Terminator { lba } => (*lba, "terminator".to_string()),
            Descriptor::Other { lba, id, kind } => (*lba, format!("{id} (type {kind})")),
        };
        info.descriptors.push(DescriptorSummary { lba, kind });
    }
    if info.primary.is_some() {
        match IsoImage::open_with(&mut *src, None) {
            Ok(mut img) => {
                info.rock_ridge = img.namespace() == Namespace::RockRidge;
                if let Some(b) = &mut info.boot_record {
                    name_boot_files(&mut img, b, &mut warnings);
                }
            }
            Err(e) => warnings.push(format!("ISO 9660 root directory: {e}")),
        }
    }
    match detect_udf(src) {
        Ok(u) => info.udf = u,
        Err(e) => warnings.push(format!("UDF: {e}")),
    }
    match read_partition_table(src) {
        Ok(p) => info.partition_table = p,
        Err(e) => warnings.push(format!("partition table: {e}")),
    }
    info.sizes = sizes_of(&info);
    if info.primary.is_none() && info.udf.is_none() && info.partition_table.is_none() {
        if let Some(w) = warnings.first() {
            return Err(IsoError::Create(format!(
                "no ISO 9660 or UDF volume found ({w})"
            )));
        }
        return Err(IsoError::NotIso);
    }
    info.warnings = warnings;
    Ok(info)
}

/// Names the files that hold the boot catalog and the boot images (LBA → file).
fn name_boot_files<S: SectorSource>(
    img: &mut IsoImage<S>,
    b: &mut BootRecordInfo,
    warnings: &mut Vec<String>,
) {
    let Some(cat_lba) = b.boot_catalog_lba else {
        return;
    };
    let idx = match img.lba_index() {
        Ok(i) => i,
        Err(e) => {
            warnings.push(format!("El Torito: naming boot files: {e}"));
            return;
        }
    };
    let file_at = |lba: u64| {
        idx.files_at(lba)
            .into_iter()
            .find(|p| !p.ends_with('/'))
            .map(str::to_string)
    };
    b.catalog_file = file_at(cat_lba as u64);
    if let Some(c) = &mut b.catalog {
        for e in &mut c.entries {
            e.file = file_at(e.load_lba as u64);
        }
    }
}

/// Sizes a rip cross-checks against the medium's capacity, in 2048-byte sectors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VolumeSizes {
    /// ECMA-119 PVD volume space size (BP 81-88), in 2048-byte blocks.
    pub iso9660_blocks: Option<u64>,
    /// UDF: end of the volume (last AVDP + 1, or partition end), in 2048-byte sectors.
    pub udf_blocks: Option<u64>,
    /// End of the last MBR/GPT partition, in 2048-byte sectors (rounded up).
    pub partition_end_blocks: Option<u64>,
}

impl VolumeSizes {
    /// The largest of the sizes: what a rip must copy not to lose data.
    pub fn required_blocks(&self) -> Option<u64> {
        [
            self.iso9660_blocks,
            self.udf_blocks,
            self.partition_end_blocks,
        ]
        .into_iter()
        .flatten()
        .max()
    }
}

fn sizes_of(info: &ImageInfo) -> VolumeSizes {
    VolumeSizes {
        iso9660_blocks: info
            .primary
            .as_ref()
            .map(|p| p.volume_space_size * p.logical_block_size.max(1) as u64 / SECTOR as u64),
        udf_blocks: info.udf.as_ref().map(|u| u.volume_end_sectors),
        partition_end_blocks: info
            .partition_table
            .as_ref()
            .map(|p| p.end_bytes.div_ceil(SECTOR as u64)),
    }
}

/// Cheap size probe for the rip: PVD at LBA 16, UDF anchor, MBR/GPT at LBA 0. Parts that
/// are absent or unreadable are `None`; only a failing read of LBA 0/16 is an error.
pub fn volume_sizes<S: SectorSource + ?Sized>(src: &mut S) -> Result<VolumeSizes> {
    let mut buf = vec![0u8; SECTOR];
    src.read_sectors(FIRST_VD, 1, &mut buf)?;
    let iso9660_blocks = (buf[0] == 1 && &buf[1..6] == b"CD001").then(|| {
        let n = both32(&buf, 80).unwrap_or(0) as u64;
        let bs = both16(&buf, 128).unwrap_or(SECTOR as u16).max(1) as u64;
        n * bs / SECTOR as u64
    });
    let udf_blocks = detect_udf(src).ok().flatten().map(|u| u.volume_end_sectors);
    let partition_end_blocks =
        read_partition_table(src)?.map(|p| p.end_bytes.div_ceil(SECTOR as u64));
    Ok(VolumeSizes {
        iso9660_blocks,
        udf_blocks,
        partition_end_blocks,
    })
}
