//! What the user names as the image to burn or compare: a cue sheet with its files, or a
//! data image.

use super::error::CliError;
use crate::jobs::image::CueImage;

/// True when IMAGE is a cue sheet (burned session-at-once with its .bin files).
pub fn is_cue(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("cue"))
}

/// Read and lay out a cue sheet; a bad sheet or a missing file is a usage error (exit 2)
/// naming the .cue line. CD-Text lines are warned about, once.
pub fn load_cue(path: &std::path::Path) -> Result<CueImage, CliError> {
    let img = CueImage::load(path).map_err(|e| CliError::usage(e.to_string()))?;
    for w in &img.sheet.warnings {
        eprintln!("discrw: warning: {}: {w}", path.display());
    }
    Ok(img)
}
