//! A plain image in the emulated drive, as the pressed disc it was made from (`virtual
//! attach disc.iso`): an .iso (or any file of 2048-byte sectors) as a CD-ROM, DVD-ROM or
//! BD-ROM, a .cue with its one .bin as a CD-ROM with the sheet's tracks. The image is opened
//! read-only and the disc's state lives in memory: nothing is ever written to it.

use super::medium::{Family, MediaKind, MediumFile, State, Track, WriteMethod};
use super::{EmuError, image_length, record_image};
use crate::cuefile::{self, FileType, Source, TrackMode};
use std::path::Path;

/// The largest image a CD-ROM holds: 99 minutes of 2048-byte sectors (longer than any
/// pressed CD; an image over it is a DVD).
const CD_ROM_MAX: u64 = 99 * 60 * 75;
/// A dual-layer DVD-ROM's user data area (ECMA-267 DVD-9: 4 173 824 sectors of 2048 bytes).
const DVD_ROM_MAX: u64 = 4_173_824;

/// The pressed disc a plain image of `blocks` 2048-byte sectors is: the smallest family it
/// fits.
pub fn rom_kind_for(blocks: u64) -> MediaKind {
    if blocks <= CD_ROM_MAX {
        MediaKind::CdRom
    } else if blocks <= DVD_ROM_MAX {
        MediaKind::DvdRom
    } else {
        MediaKind::BdRom
    }
}

/// Open `path` as a pressed disc: a cue sheet (by its `.cue` name) or an image of 2048-byte
/// sectors; `kind` (a ROM kind) overrides the choice by size.
pub fn open(path: &Path, kind: Option<MediaKind>) -> Result<(MediumFile, State), EmuError> {
    if let Some(k) = kind
        && !k.is_rom()
    {
        return Err(EmuError::Usage(format!(
            "a plain image is served read-only, as a pressed disc: --media cd-rom, dvd-rom or \
             bd-rom, not {k} (for a writable {k}, make a medium file: virtual create --media {k} \
             --from IMAGE)"
        )));
    }
    let is_cue = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("cue"));
    if is_cue {
        return open_cue(path, kind);
    }
    let blocks = image_length(path)?.div_ceil(2048);
    let kind = kind.unwrap_or_else(|| rom_kind_for(blocks));
    let fits = match kind.family() {
        Family::Cd => blocks <= CD_ROM_MAX,
        Family::Dvd => blocks <= DVD_ROM_MAX,
        Family::Bd => blocks <= u64::from(u32::MAX / 2),
    };
    if !fits {
        return Err(EmuError::Usage(format!(
            "{}: {blocks} sectors do not fit a {kind}",
            path.display()
        )));
    }
    let mut state = State::new_blank(kind, blocks as u32);
    record_image(&mut state, blocks as u32);
    let medium = MediumFile::image(path, kind, 2048)?;
    Ok((medium, state))
}

/// A cue sheet with one BINARY file whose sectors all have one size and lie in the file at
/// their LBA (what `rip --raw`, cdrdao and most rippers write): a CD-ROM with its tracks.
fn open_cue(path: &Path, kind: Option<MediaKind>) -> Result<(MediumFile, State), EmuError> {
    let bad = |why: String| EmuError::Image {
        path: path.to_path_buf(),
        why,
    };
    if kind.is_some_and(|k| k != MediaKind::CdRom) {
        return Err(EmuError::Usage(format!(
            "{}: a cue sheet describes a CD: --media cd-rom",
            path.display()
        )));
    }
    let len = std::fs::metadata(path)
        .map_err(|e| bad(e.to_string()))?
        .len();
    if len > 1 << 20 {
        return Err(bad(format!("{len} bytes is too large for a cue sheet")));
    }
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let sheet = cuefile::parse(&String::from_utf8_lossy(&bytes))
        .map_err(|e| bad(format!("line {}: {}", e.line, e.message)))?;
    let [file] = sheet.files.as_slice() else {
        return Err(bad(format!(
            "{} FILE entries: an attached cue sheet must have exactly one",
            sheet.files.len()
        )));
    };
    if file.file_type != FileType::Binary {
        return Err(bad(format!(
            "line {}: MOTOROLA (big-endian) files are not served; convert to BINARY",
            file.line
        )));
    }
    let bin = path.parent().unwrap_or(Path::new(".")).join(&file.name);
    let size = std::fs::metadata(&bin)
        .map_err(|e| bad(format!("{}: {e}", bin.display())))?
        .len();
    let layout = cuefile::layout(&sheet, &[size])
        .map_err(|e| bad(format!("line {}: {}", e.line, e.message)))?;
    let stride = layout.tracks[0].mode.sector_bytes();
    for t in &layout.tracks {
        if t.mode == TrackMode::Mode2Raw {
            return Err(bad(format!(
                "track {}: MODE2/2352 (CD-ROM XA) is not served",
                t.number
            )));
        }
        if t.mode.sector_bytes() != stride {
            return Err(bad(format!(
                "track {} is {} but track 1 is {}: one sector size per file",
                t.number,
                t.mode.name(),
                layout.tracks[0].mode.name()
            )));
        }
    }
    for e in layout
        .extents
        .iter()
        .filter(|e| e.lba + e.sectors as i64 > 0)
    {
        let in_place = match e.source {
            Source::File { offset, .. } => {
                i128::from(offset) == i128::from(e.lba) * i128::from(stride)
            }
            Source::Gap => false,
        };
        if !in_place {
            return Err(bad(format!(
                "the sectors from LBA {} are not in the file at their place (PREGAP/POSTGAP \
                 or an offset FILE); only sheets whose file holds the disc from LBA 0 are served",
                e.lba
            )));
        }
    }
    let leadout = layout.leadout.max(1) as u32;
    let mut state = State::new_blank(MediaKind::CdRom, leadout);
    for (k, t) in layout.tracks.iter().enumerate() {
        let start = t.start.max(0) as u32;
        let end = layout
            .tracks
            .get(k + 1)
            .map_or(leadout, |n| n.start.max(0) as u32);
        let f = t.flags;
        let control = (u8::from(t.mode != TrackMode::Audio) << 2)
            | (u8::from(f.four_channel) << 3)
            | (u8::from(f.dcp) << 1)
            | u8::from(f.pre_emphasis);
        state.tracks.push(Track {
            number: u16::from(t.number),
            session: 1,
            start,
            recorded: end.saturating_sub(start),
            reserved: None,
            runout: 0,
            closed: true,
            audio: t.mode.is_audio(),
            method: WriteMethod::Pressed,
            damaged: false,
            control: Some(control),
        });
    }
    state.closed_sessions = 1;
    state.finalized = true;
    let medium = MediumFile::image(&bin, MediaKind::CdRom, stride)?;
    Ok((medium, state))
}
