//! The command-line grammar (clap derive), and the parsers of values clap leaves as text
//! so that a bad one gets discrw's own one-line error and exit code.

use super::error::CliError;
use crate::scsi::Speed;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "discrw",
    version,
    about = "Rip, burn and verify CD/DVD/BD through SCSI MMC, and read/make ISO 9660 images",
    long_about = None
)]
pub struct Cli {
    /// Drive: /dev/sgN, /dev/srN or virtual:PATH (an emulated drive holding the medium file
    /// PATH). Repeat for several drives where a command allows it. Default: the only drive.
    #[arg(
        short = 'd',
        long = "device",
        global = true,
        env = "DISCRW_DEVICE",
        value_delimiter = ','
    )]
    pub device: Vec<String>,

    /// Machine-readable output: one JSON document, or JSON lines for progress.
    #[arg(long, global = true)]
    pub json: bool,

    /// Show each SCSI command (-v), with sense and data bytes (-vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List optical drives: /dev/sgN with its /dev/srN, vendor/model, writer or not, media.
    Scan,
    /// Show the drive and the medium in it.
    Info,
    /// Copy a disc to an image file (disc → .iso, or .bin/.cue with --raw).
    Rip(RipArgs),
    /// Write an image to blank (or erasable) media, then verify it.
    Burn(BurnArgs),
    /// Compare a disc with an image, sector by sector.
    Verify(VerifyArgs),
    /// Blank a CD-RW or DVD-RW.
    Blank(BlankArgs),
    /// Format a DVD+RW, DVD-RW (restricted overwrite) or BD-RE.
    Format(FormatArgs),
    /// Open the tray (or close it with --load).
    Eject(EjectArgs),
    /// Look inside and build ISO 9660 / Joliet / Rock Ridge images.
    Iso {
        #[command(subcommand)]
        cmd: crate::cli::iso::IsoCommand,
    },
    /// Emulated drives: make virtual media files for `--device virtual:PATH`.
    Virtual {
        #[command(subcommand)]
        cmd: VirtualCommand,
    },
}

#[derive(Args, Debug)]
pub struct RipArgs {
    /// Output image (OUT.iso; with --raw OUT.bin plus OUT.cue).
    pub out: PathBuf,
    /// Raw CD: READ CD 2352-byte sectors of every track, EDC/ECC checked, .bin + .cue.
    #[arg(long)]
    pub raw: bool,
    /// With --raw: also write 96-byte P-W subchannel data to OUT.sub.
    #[arg(long, requires = "raw")]
    pub subchannel: bool,
    /// Image size in sectors, overriding the size consensus.
    #[arg(long)]
    pub size: Option<u64>,
    /// Extra passes over unreadable sectors after trimming and scraping.
    #[arg(long, default_value_t = 1)]
    pub retries: u32,
    /// Continue from OUT's mapfile.
    #[arg(long)]
    pub resume: bool,
    /// Read speed: an x-factor or `max`.
    #[arg(long)]
    pub speed: Option<String>,
    /// Overwrite an existing OUT.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct BurnArgs {
    /// Image file to write, or `-` for standard input (then --size is needed).
    pub image: PathBuf,
    /// Image size in bytes when reading standard input.
    #[arg(long)]
    pub size: Option<u64>,
    /// CD: session-at-once (SEND CUE SHEET); also for .cue images with audio.
    #[arg(long)]
    pub sao: bool,
    /// Blank an erasable disc first.
    #[arg(long)]
    pub blank: bool,
    /// Format an unformatted disc first.
    #[arg(long)]
    pub format: bool,
    /// Write even though the medium is not blank (overwritable media).
    #[arg(long)]
    pub force: bool,
    /// FIFO size (e.g. 32M, 256M).
    #[arg(long)]
    pub fifo: Option<String>,
    /// Turn BURN-Free (buffer underrun protection) off.
    #[arg(long)]
    pub no_burnfree: bool,
    /// Write speed: an x-factor or `max`.
    #[arg(long)]
    pub speed: Option<String>,
    /// Test write (laser off) where the medium allows it.
    #[arg(long)]
    pub simulate: bool,
    /// Leave the disc appendable instead of finalizing it.
    #[arg(long)]
    pub multi: bool,
    /// Eject when done.
    #[arg(long)]
    pub eject: bool,
    /// Burn this many copies, asking for the next blank disc after each.
    #[arg(long, default_value_t = 1)]
    pub copies: u32,
    /// Pad an image that is not a multiple of 2048 bytes.
    #[arg(long)]
    pub pad: bool,
    /// Skip the verify pass (the burn is then reported as unverified).
    #[arg(long)]
    pub no_verify: bool,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The image the disc should hold.
    pub image: PathBuf,
}

#[derive(Args, Debug)]
pub struct BlankArgs {
    /// Minimal blank (quick).
    #[arg(long, conflicts_with = "full")]
    pub fast: bool,
    /// Blank the whole disc.
    #[arg(long)]
    pub full: bool,
}

#[derive(Args, Debug)]
pub struct FormatArgs {
    /// Full format instead of a quick one where the medium offers both.
    #[arg(long)]
    pub full: bool,
}

#[derive(Args, Debug)]
pub struct EjectArgs {
    /// Close the tray and load the medium instead of ejecting.
    #[arg(long)]
    pub load: bool,
}

#[derive(Subcommand, Debug)]
pub enum VirtualCommand {
    /// Make a virtual medium file: blank, or a pressed/closed disc holding IMAGE.
    Create(VirtualCreateArgs),
    /// Attach a medium file or an image as a real /dev/srN of this machine (TCMU +
    /// tcm_loop; needs root). Serves until SIGINT/SIGTERM or `virtual detach`.
    Attach(VirtualAttachArgs),
    /// Detach an attached drive (by NAME, /dev/srN or /dev/sgN), or clean up after one
    /// whose process died.
    Detach(VirtualDetachArgs),
    /// List attached drives.
    List,
    /// Put another medium file or image into an attached drive.
    Load(VirtualLoadArgs),
}

#[derive(Args, Debug)]
pub struct VirtualAttachArgs {
    /// A virtual medium file (writes persist in it), or a plain image (.iso, .cue) served
    /// read-only as a pressed disc.
    pub source: PathBuf,
    /// For a plain image: cd-rom, dvd-rom or bd-rom (default: by size).
    #[arg(long)]
    pub media: Option<String>,
    /// Record every CDB the drive receives, one JSON line each (docs/virtual-drive.md).
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// The drive's name (default: the first free discrwN).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Args, Debug)]
pub struct VirtualDetachArgs {
    /// NAME, /dev/srN or /dev/sgN of the attached drive.
    pub drive: String,
}

#[derive(Args, Debug)]
pub struct VirtualLoadArgs {
    /// NAME, /dev/srN or /dev/sgN of the attached drive.
    pub drive: String,
    /// The medium file or image to load.
    pub source: PathBuf,
    /// For a plain image: cd-rom, dvd-rom or bd-rom (default: by size).
    #[arg(long)]
    pub media: Option<String>,
}

#[derive(Args, Debug)]
pub struct VirtualCreateArgs {
    /// The medium file to create.
    pub path: PathBuf,
    /// cd-rom, cd-r, cd-rw, dvd-rom, dvd-r, dvd-rw, dvd+r, dvd+r-dl, dvd+rw, bd-rom, bd-r, bd-re
    #[arg(long)]
    pub media: String,
    /// Image to put on the disc (pressed ROM, or a closed recordable).
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Capacity in 2048-byte sectors (default: the medium's nominal size).
    #[arg(long)]
    pub capacity: Option<u64>,
    /// Scripted faults (see docs/virtual-drive.md).
    #[arg(long)]
    pub faults: Option<String>,
}

/// `--speed` of rip and burn: `max`, or an x-factor above 0 such as `8`, `8x`, `2.4`.
pub fn parse_speed(s: &str) -> Result<Speed, CliError> {
    Speed::parse(s).ok_or_else(|| {
        CliError::usage(format!(
            "bad --speed {s:?} (an x-factor above 0 such as 8 or 2.4, or max)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_values() {
        assert_eq!(parse_speed("max").unwrap(), Speed::Max);
        assert_eq!(parse_speed("8").unwrap(), Speed::Times(8.0));
        assert_eq!(parse_speed("2.4x").unwrap(), Speed::Times(2.4));
        assert_eq!(parse_speed("4x").unwrap(), Speed::Times(4.0));
        for bad in ["0", "-2", "fast", "", "nan"] {
            assert_eq!(
                parse_speed(bad).unwrap_err().code,
                crate::cli::error::ExitCode::Usage,
                "{bad}"
            );
        }
    }
}
