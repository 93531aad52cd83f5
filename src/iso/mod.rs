//! ISO 9660 / Joliet / Rock Ridge images and UDF detection: pure parsers and writers over a
//! the media layer's [`SectorSource`] (an image file, or a drive's medium) and plain files.
//!
//! Specs: ECMA-119 (ISO 9660), Joliet (Microsoft, 1995), SUSP 1.12 / RRIP 1.12 (IEEE P1281,
//! P1282), El Torito 1.0, ECMA-167 3rd ed. / OSTA UDF 2.60 for the anchor and the main volume
//! descriptor sequence. See docs/iso.md.
//!
//! Everything that reads image data returns [`IsoError`] for bad input: no panic, no unbounded
//! loop (directory loops, continuation-area chains and descriptor scans are all bounded).

pub mod bytes;
pub mod damage;
pub mod eltorito;
pub mod extract;
pub mod info;
pub mod partition;
pub mod reader;
pub mod susp;
pub mod udf;
pub mod writer;

pub use crate::media::{ImageFile, SECTOR, SectorSource};
pub use damage::Damage;
pub use eltorito::{BootCatalog, BootEntry, read_boot_catalog};
pub use extract::{ExtractReport, extract};
pub use info::{ImageInfo, VolumeDescriptorInfo, VolumeSizes, inspect, volume_sizes};
pub use partition::{PartitionEntry, PartitionTable, read_partition_table};
pub use reader::{Chunk, Entry, EntryKind, Extent, IsoImage, LbaIndex, Namespace};
pub use udf::{UdfInfo, detect_udf};
pub use writer::{CreateOptions, CreateReport, create_image};

use std::path::PathBuf;

/// Past the end is the image's truncation; every other failed read keeps its cause.
impl From<crate::media::MediaError> for IsoError {
    fn from(e: crate::media::MediaError) -> Self {
        match e {
            crate::media::MediaError::OutOfRange { lba, end, total } => {
                IsoError::Truncated { lba, end, total }
            }
            other => IsoError::Media(other),
        }
    }
}

/// Errors of the iso layer. The CLI turns one into one line.
#[derive(Debug, thiserror::Error)]
pub enum IsoError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("image is truncated: sectors {lba}..{end} are past its end ({total} sectors)")]
    Truncated { lba: u64, end: u64, total: u64 },
    /// The sectors could not be read (a drive's failed command, an image file's I/O error).
    #[error("{0}")]
    Media(crate::media::MediaError),
    #[error("no ISO 9660 primary volume descriptor at LBA 16..")]
    NotIso,
    #[error("bad {what} at LBA {lba}: {detail}")]
    Corrupt {
        what: &'static str,
        lba: u64,
        detail: String,
    },
    #[error("directory loop: the directory at LBA {0} is reached twice")]
    Loop(u64),
    #[error("limit exceeded: {0}")]
    Limit(String),
    #[error("no such file or directory in the image: {0}")]
    NotFound(String),
    #[error("not a directory in the image: {0}")]
    NotADirectory(String),
    #[error("refusing unsafe name {name:?} in {dir} (it would write outside the target)")]
    UnsafeName { dir: String, name: String },
    #[error("{0} already exists")]
    Exists(PathBuf),
    #[error("{0}")]
    Create(String),
    /// A bad argument from the caller (not a directory, no such file, bad volume id).
    #[error("{0}")]
    BadArgument(String),
}

impl IsoError {
    pub(crate) fn corrupt(what: &'static str, lba: u64, detail: impl Into<String>) -> Self {
        IsoError::Corrupt {
            what,
            lba,
            detail: detail.into(),
        }
    }
}

pub type Result<T, E = IsoError> = std::result::Result<T, E>;
