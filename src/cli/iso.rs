//! `discrw iso ...`: info, ls, extract, lba over image files or a drive's medium
//! (`/dev/srN`, `/dev/sgN`, `virtual:PATH` in place of IMAGE, as `isoinfo -i /dev/sr0` and
//! `xorriso -indev /dev/sr0` take them); create writes image files.

use crate::cli::device::DeviceSpec;
use crate::cli::drive::{drive_error, open_identified};
use crate::cli::error::{CliError, ExitCode};
use crate::drive::MediaStatus;
use crate::iso::{self, EntryKind, ImageFile, IsoError, IsoImage, SectorSource};
use crate::media::{DriveMedium, MediaError};
use crate::outln;
use crate::transport::sg_io::Access;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum IsoCommand {
    /// Volume descriptors, Joliet/Rock Ridge/El Torito, UDF anchor, partition table, sizes.
    Info {
        /// Image file, or a drive: /dev/srN, /dev/sgN, virtual:PATH.
        image: PathBuf,
    },
    /// List a directory (Rock Ridge names, else Joliet, else ISO 9660).
    Ls {
        /// Image file, or a drive: /dev/srN, /dev/sgN, virtual:PATH.
        image: PathBuf,
        /// Directory or file in the image.
        #[arg(default_value = "/")]
        path: String,
        /// Long listing: mode, size, date and the LBA range(s) of each file.
        #[arg(short = 'l')]
        long: bool,
        /// Recurse into subdirectories.
        #[arg(short = 'R')]
        recursive: bool,
    },
    /// Extract files or trees (default: everything) into DIR.
    Extract {
        /// Image file, or a drive: /dev/srN, /dev/sgN, virtual:PATH.
        image: PathBuf,
        /// Paths in the image.
        paths: Vec<String>,
        /// Target directory (created if missing).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Name the files (and directories, shown with a trailing '/') that hold sectors.
    Lba {
        /// Image file, or a drive: /dev/srN, /dev/sgN, virtual:PATH.
        image: PathBuf,
        /// Sectors (2048 bytes) as N or FIRST-LAST.
        #[arg(required = true)]
        sectors: Vec<String>,
    },
    /// Make an ISO 9660 image (Joliet and Rock Ridge by default) and OUT.sha256 beside it.
    Create {
        /// Directory whose contents become the image's root.
        dir: PathBuf,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Volume identifier (≤ 32 characters; default: the directory's name).
        #[arg(short = 'V', long = "volume-id")]
        volume_id: Option<String>,
        /// Add a Joliet tree (default).
        #[arg(long, overrides_with = "no_joliet")]
        joliet: bool,
        #[arg(long)]
        no_joliet: bool,
        /// Add Rock Ridge (default).
        #[arg(long, overrides_with = "no_rock_ridge")]
        rock_ridge: bool,
        #[arg(long)]
        no_rock_ridge: bool,
        /// Replace an existing OUT.
        #[arg(long)]
        force: bool,
    },
}

fn err(context: &Path, e: IsoError) -> CliError {
    let code = match &e {
        IsoError::File { .. } | IsoError::Io(_) | IsoError::Create(_) => ExitCode::Failure,
        IsoError::Exists(_) | IsoError::BadArgument(_) => ExitCode::Usage,
        IsoError::NotFound(_) | IsoError::NotADirectory(_) => ExitCode::Usage,
        IsoError::Media(MediaError::Image { .. }) => ExitCode::Failure,
        IsoError::Media(_) => ExitCode::Unreadable,
        _ => ExitCode::Media,
    };
    let hint = match &e {
        IsoError::Exists(_) => Some("use --force to replace it"),
        IsoError::UnsafeName { .. } => {
            Some("the image is hostile or damaged; nothing was written outside the target")
        }
        IsoError::NotIso => Some("not an ISO 9660 image; `discrw iso info` also reports UDF"),
        IsoError::Media(MediaError::Drive(_)) => {
            Some("`discrw rip` rescues what reads, with retries and a map")
        }
        _ => None,
    };
    // A bad argument names what is wrong itself.
    let message = match &e {
        IsoError::BadArgument(m) => m.clone(),
        _ => format!("{}: {e}", context.display()),
    };
    let c = CliError::new(code, message);
    match hint {
        Some(h) => c.with_hint(h),
        None => c,
    }
}

/// Sectors of an image file or of a drive's medium.
type Source = Box<dyn SectorSource>;

/// The drive IMAGE names, if it names one: `virtual:PATH`, a character device (/dev/sgN) or
/// a SCSI CD-ROM block device (/dev/srN, major 11). Other block devices (a loop device, a
/// disk partition holding an ISO) are read as files.
fn drive_spec(image: &Path) -> Result<Option<DeviceSpec>, CliError> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    if let Some(s) = image.to_str()
        && s.starts_with("virtual:")
    {
        return DeviceSpec::parse(s).map(Some);
    }
    let Ok(md) = std::fs::metadata(image) else {
        return Ok(None);
    };
    let ft = md.file_type();
    let scsi_cdrom = ft.is_block_device() && nix::sys::stat::major(md.rdev()) == 11;
    Ok((ft.is_char_device() || scsi_cdrom).then(|| DeviceSpec::Node(image.to_path_buf())))
}

/// The medium in a drive, bounded by its readable size (READ CAPACITY). No medium or a blank
/// one is a media error (exit 4), like `verify`.
fn drive_source(spec: &DeviceSpec) -> Result<Source, CliError> {
    // Shared: looking only, like `discrw info`; a mounted /dev/srN still reads.
    let mut drive = open_identified(spec, Access::Shared, 0)?;
    let media = drive.media_info().map_err(|e| drive_error(spec, &e))?;
    let media_err = |m: &str| CliError::new(ExitCode::Media, format!("{spec}: {m}"));
    match media.status {
        MediaStatus::None => return Err(media_err("no medium in the drive")),
        MediaStatus::Blank => return Err(media_err("the disc is blank")),
        _ => {}
    }
    let sectors = match media.capacity_blocks {
        Some(n) if n > 0 => u64::from(n),
        _ => return Err(media_err("the drive reports no readable sectors")),
    };
    Ok(Box::new(DriveMedium::new(drive).bounded(sectors)))
}

/// An input image must be an existing file or a drive: anything else is a usage error.
fn image_file(image: &Path) -> Result<Source, CliError> {
    if let Some(spec) = drive_spec(image)? {
        return drive_source(&spec);
    }
    match std::fs::metadata(image) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CliError::usage(format!(
                "{}: no such file",
                image.display()
            )));
        }
        Ok(m) if m.is_dir() => {
            return Err(CliError::usage(format!(
                "{}: is a directory, not an image file",
                image.display()
            )));
        }
        _ => {}
    }
    Ok(Box::new(
        ImageFile::open(image).map_err(|e| err(image, e.into()))?,
    ))
}

fn open(image: &Path) -> Result<IsoImage<Source>, CliError> {
    let src = image_file(image)?;
    IsoImage::open(src).map_err(|e| err(image, e))
}

fn json_line<T: serde::Serialize>(v: &T) -> Result<(), CliError> {
    let s = serde_json::to_string(v).map_err(|e| CliError::failure(format!("JSON: {e}")))?;
    outln!("{s}")?;
    Ok(())
}

pub fn run(cmd: &IsoCommand, json: bool) -> Result<(), CliError> {
    match cmd {
        IsoCommand::Info { image } => info(image, json),
        IsoCommand::Ls {
            image,
            path,
            long,
            recursive,
        } => ls(image, path, *long, *recursive, json),
        IsoCommand::Extract {
            image,
            paths,
            output,
        } => {
            let mut img = open(image)?;
            let rep = iso::extract(&mut img, paths, output).map_err(|e| err(image, e))?;
            if json {
                json_line(&rep)
            } else {
                outln!(
                    "extracted {} files, {} directories, {} symlinks ({} bytes) to {}",
                    rep.files,
                    rep.directories,
                    rep.symlinks,
                    rep.bytes,
                    output.display()
                )?;
                Ok(())
            }
        }
        IsoCommand::Lba { image, sectors } => lba(image, sectors, json),
        IsoCommand::Create {
            dir,
            output,
            volume_id,
            no_joliet,
            no_rock_ridge,
            force,
            ..
        } => {
            let opts = iso::CreateOptions {
                volume_id: volume_id.clone(),
                joliet: !no_joliet,
                rock_ridge: !no_rock_ridge,
                force: *force,
                now: std::env::var("SOURCE_DATE_EPOCH")
                    .ok()
                    .and_then(|s| s.parse().ok()),
            };
            let rep = iso::create_image(dir, output, &opts, &mut |_, _| {})
                .map_err(|e| err(output, e))?;
            if json {
                return json_line(&rep);
            }
            for s in &rep.skipped {
                eprintln!("discrw: iso create: skipped {s}");
            }
            outln!(
                "{}: {} sectors, {} files, {} directories, {} symlinks\n{}: sha256 {}",
                rep.image.display(),
                rep.sectors,
                rep.files,
                rep.directories,
                rep.symlinks,
                rep.sha256_file.display(),
                rep.sha256
            )?;
            Ok(())
        }
    }
}

fn info(image: &Path, json: bool) -> Result<(), CliError> {
    let mut src = image_file(image)?;
    let info = iso::inspect(&mut src).map_err(|e| err(image, e))?;
    if json {
        return json_line(&info);
    }
    outln!(
        "image: {} ({} sectors)",
        image.display(),
        info.image_sectors.unwrap_or(0)
    )?;
    outln!("volume descriptors:")?;
    for d in &info.descriptors {
        outln!("  LBA {:>3}  {}", d.lba, d.kind)?;
    }
    print_volumes(&info)?;
    print_boot(&info)?;
    print_extensions(&info)?;
    let s = &info.sizes;
    let f = |x: Option<u64>| x.map_or("-".into(), |n| n.to_string());
    outln!(
        "sizes (2048-byte sectors): iso9660 {}, udf {}, partitions end {}",
        f(s.iso9660_blocks),
        f(s.udf_blocks),
        f(s.partition_end_blocks)
    )?;
    for w in &info.warnings {
        outln!("warning: {w}")?;
    }
    Ok(())
}

/// The primary and Joliet volume descriptors, field by field (ECMA-119 §8.4).
fn print_volumes(info: &iso::ImageInfo) -> Result<(), CliError> {
    for (label, v) in [
        ("primary volume", &info.primary),
        ("Joliet volume", &info.joliet),
    ] {
        let Some(v) = v else { continue };
        outln!("{label} (LBA {}):", v.lba)?;
        let rows = [
            ("volume id", v.volume_id.clone()),
            ("system id", v.system_id.clone()),
            ("volume set id", v.volume_set_id.clone()),
            ("publisher id", v.publisher_id.clone()),
            ("data preparer id", v.data_preparer_id.clone()),
            ("application id", v.application_id.clone()),
            ("creation date", v.creation_date.clone().unwrap_or_default()),
            (
                "modification date",
                v.modification_date.clone().unwrap_or_default(),
            ),
            (
                "expiration date",
                v.expiration_date.clone().unwrap_or_default(),
            ),
            (
                "effective date",
                v.effective_date.clone().unwrap_or_default(),
            ),
            ("volume space size", v.volume_space_size.to_string()),
            ("logical block size", v.logical_block_size.to_string()),
            (
                "volume set size/seq",
                format!("{}/{}", v.volume_set_size, v.volume_sequence_number),
            ),
            (
                "path table",
                format!(
                    "{} bytes, L at {}, M at {}, {} directories",
                    v.path_table_size,
                    v.type_l_path_table,
                    v.type_m_path_table,
                    v.path_table_directories
                        .map_or("?".into(), |n| n.to_string())
                ),
            ),
            (
                "root directory",
                format!(
                    "LBA {}, {} bytes",
                    v.root_directory_lba, v.root_directory_size
                ),
            ),
        ];
        for (k, val) in rows {
            outln!("  {k:<20} {val}")?;
        }
    }
    Ok(())
}

/// The El Torito boot record and its catalog entries.
fn print_boot(info: &iso::ImageInfo) -> Result<(), CliError> {
    if let Some(b) = &info.boot_record {
        outln!(
            "boot record: {} (catalog at LBA {}{})",
            b.boot_system_id,
            b.boot_catalog_lba.map_or("?".into(), |n| n.to_string()),
            b.catalog_file
                .as_ref()
                .map_or(String::new(), |f| format!(", {f}"))
        )?;
        if let Some(c) = &b.catalog {
            outln!(
                "  validation entry: platform {} id {:?}",
                c.platform,
                c.id_string
            )?;
            for (i, e) in c.entries.iter().enumerate() {
                outln!(
                    "  {:>2} {:<7} {:<12} emulation {:<12} segment {:#06x} type {:#04x} \
                     {:>5} sectors at LBA {}{}",
                    i + 1,
                    e.platform,
                    if e.bootable {
                        "bootable"
                    } else {
                        "not bootable"
                    },
                    e.emulation,
                    e.load_segment,
                    e.system_type,
                    e.sector_count,
                    e.load_lba,
                    e.file.as_ref().map_or(String::new(), |f| format!(" ({f})"))
                )?;
            }
        }
    }
    Ok(())
}

/// Rock Ridge, Joliet, UDF and a hybrid image's partition table.
fn print_extensions(info: &iso::ImageInfo) -> Result<(), CliError> {
    outln!("Rock Ridge: {}", if info.rock_ridge { "yes" } else { "no" })?;
    outln!(
        "Joliet: {}",
        info.joliet.as_ref().map_or("no".into(), |j| format!(
            "level {}",
            j.joliet_level.unwrap_or(0)
        ))
    )?;
    match &info.udf {
        Some(u) => outln!(
            "UDF: revision {}, block size {}, logical volume {:?}, partition {}+{} blocks",
            u.udf_revision.clone().unwrap_or_else(|| "?".into()),
            u.block_size,
            u.logical_volume_id.clone().unwrap_or_default(),
            u.partition_start.unwrap_or(0),
            u.partition_length.unwrap_or(0)
        )?,
        None => outln!("UDF: no")?,
    }
    if let Some(p) = &info.partition_table {
        outln!(
            "partition table: {}, ends at byte {}",
            p.scheme,
            p.end_bytes
        )?;
        for e in &p.partitions {
            outln!(
                "  {:>2}  type {}  start {}  sectors {}",
                e.index,
                e.kind,
                e.first_sector,
                e.sectors
            )?;
        }
    }
    Ok(())
}

/// "N" or "FIRST-LAST" → (first, count).
fn sector_range(s: &str) -> Result<(u64, u64), CliError> {
    let bad = || {
        CliError::new(
            ExitCode::Usage,
            format!("lba: bad sector {s:?} (N or FIRST-LAST)"),
        )
    };
    let num = |x: &str| x.trim().parse::<u64>().map_err(|_| bad());
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            if b < a {
                return Err(bad());
            }
            Ok((a, b - a + 1))
        }
        None => Ok((num(s)?, 1)),
    }
}

fn lba(image: &Path, sectors: &[String], json: bool) -> Result<(), CliError> {
    let ranges = sectors
        .iter()
        .map(|s| sector_range(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut img = open(image)?;
    let idx = img.lba_index().map_err(|e| err(image, e))?;
    for (s, (first, count)) in sectors.iter().zip(ranges) {
        let files = idx.files_in(first, count);
        if json {
            #[derive(serde::Serialize)]
            struct Row<'a> {
                first: u64,
                count: u64,
                files: &'a [&'a str],
            }
            json_line(&Row {
                first,
                count,
                files: &files,
            })?;
        } else if files.is_empty() {
            outln!("{s}: -")?;
        } else {
            outln!("{s}: {}", files.join(" "))?;
        }
    }
    Ok(())
}

fn mode_string(e: &iso::Entry) -> String {
    let t = match e.kind {
        EntryKind::Directory => 'd',
        EntryKind::Symlink { .. } => 'l',
        EntryKind::File => '-',
    };
    let Some(m) = e.mode else {
        return format!("{t}?????????");
    };
    let mut s = String::from(t);
    for (i, c) in "rwxrwxrwx".chars().enumerate() {
        s.push(if m & (0o400 >> i) != 0 { c } else { '-' });
    }
    s
}

fn ls(image: &Path, path: &str, long: bool, recursive: bool, json: bool) -> Result<(), CliError> {
    let mut img = open(image)?;
    let start = img.lookup(path).map_err(|e| err(image, e))?;
    let mut rows: Vec<(String, iso::Entry)> = Vec::new();
    let base = format!("/{}", path.trim_matches('/'));
    let base = if base == "/" { String::new() } else { base };
    if !start.is_dir() {
        rows.push((base.clone(), start));
    } else if recursive {
        img.walk(&base, &start, &mut |p, e| {
            rows.push((p.to_string(), e.clone()));
            Ok(())
        })
        .map_err(|e| err(image, e))?;
    } else {
        for e in img.read_dir(&start).map_err(|e| err(image, e))? {
            rows.push((format!("{base}/{}", e.name), e));
        }
    }
    for (p, e) in &rows {
        if json {
            #[derive(serde::Serialize)]
            struct Row<'a> {
                path: &'a str,
                #[serde(flatten)]
                entry: &'a iso::Entry,
            }
            json_line(&Row { path: p, entry: e })?;
            continue;
        }
        let shown = if recursive {
            p.as_str()
        } else {
            e.name.as_str()
        };
        let link = match &e.kind {
            EntryKind::Symlink { target } => format!(" -> {target}"),
            _ => String::new(),
        };
        if long {
            let when = e.mtime.map_or("-".into(), crate::iso::bytes::rfc3339);
            let lbas: Vec<String> = e
                .extents
                .iter()
                .filter(|x| x.bytes > 0)
                .map(|x| format!("{}-{}", x.lba, x.lba + x.sectors() - 1))
                .collect();
            let lbas = if lbas.is_empty() {
                "-".into()
            } else {
                lbas.join(",")
            };
            outln!(
                "{} {:>12} {when} [{lbas}] {shown}{link}",
                mode_string(e),
                e.size
            )?;
        } else {
            outln!("{shown}{link}")?;
        }
    }
    Ok(())
}
