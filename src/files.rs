//! Writing the small files a job leaves beside its image (`.sha256`, maps) so that a crash
//! at any point leaves either the old file or the new one, complete.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically: to a unique temporary name beside it (created
/// exclusively, never through a planted link), synced, renamed over `path`, and the
/// directory synced so the rename itself survives a crash.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other(format!("{} has no file name", path.display())))?
        .to_string_lossy()
        .into_owned();
    let tmp_name = format!(".{file_name}.{}.tmp", std::process::id());
    let tmp = dir.map_or_else(|| PathBuf::from(&tmp_name), |d| d.join(&tmp_name));
    let create = || OpenOptions::new().write(true).create_new(true).open(&tmp);
    let mut f: File = create().or_else(|e| {
        // A temporary left by an earlier process with our pid: ours to replace.
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            fs::remove_file(&tmp)?;
            create()
        } else {
            Err(e)
        }
    })?;
    let written = f.write_all(bytes).and_then(|_| f.sync_all());
    drop(f);
    if let Err(e) = written.and_then(|_| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    if let Some(d) = dir
        && let Ok(df) = File::open(d)
    {
        let _ = df.sync_all();
    }
    Ok(())
}

/// `IMAGE.sha256` beside `image`.
pub fn sha256_path(image: &Path) -> PathBuf {
    let mut s = image.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

/// Write `IMAGE.sha256` in `sha256sum -c` format (`HEX  NAME`, the image's file name, so
/// the check works from the image's directory), atomically. Returns its path.
pub fn write_sha256_file(image: &Path, sha256_hex: &str) -> std::io::Result<PathBuf> {
    let path = sha256_path(image);
    let name = image
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    write_atomic(&path, format!("{sha256_hex}  {name}\n").as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_leaves_no_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.iso");
        std::fs::write(&p, b"image").unwrap();
        let s = write_sha256_file(&p, "ab").unwrap();
        assert_eq!(s, d.path().join("x.iso.sha256"));
        assert_eq!(std::fs::read_to_string(&s).unwrap(), "ab  x.iso\n");
        write_sha256_file(&p, "cd").unwrap();
        assert_eq!(std::fs::read_to_string(&s).unwrap(), "cd  x.iso\n");
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
