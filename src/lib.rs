//! discrw: rip, burn and verify optical discs through SCSI MMC (SG_IO), and read and make
//! ISO 9660 images. See docs/architecture.md for the layers and what each may know.

pub mod attach;
pub mod cli;
pub mod clock;
pub mod cuefile;
pub mod drive;
pub mod ecma130;
pub mod emu;
pub mod files;
pub mod iso;
pub mod jobs;
pub mod mapfile;
pub mod media;
pub mod scsi;
pub mod text;
pub mod transport;
pub mod units;
