//! Which files hold damaged sectors: what `verify` and `rip` say after the LBA ranges, read
//! from the image's own file tree (the image, never the disc: the disc's tree may be what is
//! damaged).

use super::{IsoImage, Result, SectorSource};

/// How many paths a report names before it only counts them.
pub const NAMED: usize = 10;

/// The files and directories holding some sectors of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Damage {
    /// The first [`NAMED`] paths holding at least one of the sectors, in disc order;
    /// directories end in '/'.
    pub files: Vec<String>,
    /// All paths holding some of the sectors (more than `files.len()` when cut).
    pub file_count: usize,
    /// Sectors in no file or directory: system area, volume descriptors, path tables, free
    /// space and padding after the volume.
    pub outside_sectors: u64,
}

impl Damage {
    /// `/a, /b/ and 3 more files` / `outside any file (system area, ...)`, for one line.
    pub fn summary(&self) -> String {
        let mut s = if self.files.is_empty() {
            String::new()
        } else {
            let more = self.file_count.saturating_sub(self.files.len());
            let mut s = format!("in {}", self.files.join(", "));
            if more > 0 {
                s.push_str(&format!(" and {more} more"));
            }
            s
        };
        if self.outside_sectors > 0 {
            if !s.is_empty() {
                s.push_str("; ");
            }
            let what = if self.file_count == 0 {
                "outside any file"
            } else {
                "outside files"
            };
            s.push_str(&format!(
                "{} {what} (system area, descriptors, path tables or padding)",
                plural(self.outside_sectors, "sector")
            ));
        }
        s
    }
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The files of the ISO 9660 tree in `src` that hold any of `ranges` (image sectors: first,
/// count). An image without a readable tree is an error; callers report it as "unknown".
pub fn locate<S: SectorSource>(src: S, ranges: &[(u64, u64)]) -> Result<Damage> {
    let mut img = IsoImage::open(src)?;
    let idx = img.lba_index()?;
    let mut d = Damage::default();
    let mut seen: Vec<String> = Vec::new();
    for &(lba, count) in ranges {
        for f in idx.files_in(lba, count) {
            if !seen.iter().any(|s| s == f) {
                seen.push(f.to_string());
            }
        }
        d.outside_sectors += count - idx.covered(lba, count);
    }
    d.file_count = seen.len();
    seen.truncate(NAMED);
    d.files = seen;
    Ok(d)
}

/// [`locate`] over an image file.
pub fn locate_in_file(image: &std::path::Path, ranges: &[(u64, u64)]) -> Result<Damage> {
    locate(super::ImageFile::open(image)?, ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        let d = Damage {
            files: vec!["/a".into(), "/d/".into()],
            file_count: 5,
            outside_sectors: 0,
        };
        assert_eq!(d.summary(), "in /a, /d/ and 3 more");
        let d = Damage {
            files: vec![],
            file_count: 0,
            outside_sectors: 1,
        };
        assert_eq!(
            d.summary(),
            "1 sector outside any file (system area, descriptors, path tables or padding)"
        );
        let d = Damage {
            files: vec!["/a".into()],
            file_count: 1,
            outside_sectors: 7,
        };
        assert_eq!(
            d.summary(),
            "in /a; 7 sectors outside files (system area, descriptors, path tables or padding)"
        );
    }
}
