//! `discrw iso extract`: copies files out of an image without ever writing outside the target
//! directory, whatever the image says.
//!
//! - Every name is one path component: "", ".", "..", and names with '/' or NUL are refused.
//! - Directories are created one level at a time and must be real directories (not symlinks).
//! - Files are created with O_EXCL | O_NOFOLLOW, so an existing file or symlink is never
//!   written through.
//! - Symlinks are made last, after all files, so none of them can redirect a later write;
//!   their targets are stored as they are (a link is not a write).
//! - Modes from Rock Ridge are applied without set-uid/set-gid/sticky bits.

use super::reader::Chunk;
use super::{Entry, EntryKind, IsoError, IsoImage, Result, SectorSource};
use nix::sys::stat::{UtimensatFlags, utimensat};
use nix::sys::time::TimeSpec;
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ExtractReport {
    pub files: u64,
    pub directories: u64,
    pub symlinks: u64,
    pub bytes: u64,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IsoError + '_ {
    move |source| IsoError::File {
        path: path.to_path_buf(),
        source,
    }
}

/// A name from the image that is safe as one path component.
fn safe_component(dir: &str, name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(IsoError::UnsafeName {
            dir: if dir.is_empty() {
                "/".into()
            } else {
                dir.into()
            },
            name: name.into(),
        });
    }
    Ok(())
}

/// Creates `p` as a directory, or accepts an existing real directory.
fn make_dir(p: &Path) -> Result<()> {
    match fs::create_dir(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let md = fs::symlink_metadata(p).map_err(io_err(p))?;
            if md.is_dir() {
                Ok(())
            } else {
                Err(IsoError::Exists(p.to_path_buf()))
            }
        }
        Err(e) => Err(IsoError::File {
            path: p.to_path_buf(),
            source: e,
        }),
    }
}

fn set_mtime(p: &Path, t: Option<i64>) -> Result<()> {
    if let Some(t) = t {
        let ts = TimeSpec::new(t, 0);
        utimensat(
            nix::fcntl::AT_FDCWD,
            p,
            &ts,
            &ts,
            UtimensatFlags::NoFollowSymlink,
        )
        .map_err(|e| IsoError::File {
            path: p.to_path_buf(),
            source: e.into(),
        })?;
    }
    Ok(())
}

/// Extracts `paths` (absolute paths in the image; empty = everything) below `dest`, keeping
/// each entry's path from the image root.
pub fn extract<S: SectorSource>(
    img: &mut IsoImage<S>,
    paths: &[String],
    dest: &Path,
) -> Result<ExtractReport> {
    fs::create_dir_all(dest).map_err(io_err(dest))?;
    let mut rep = ExtractReport::default();
    let mut symlinks: Vec<(PathBuf, String, Option<i64>)> = Vec::new();
    let mut dirs: Vec<(PathBuf, Entry)> = Vec::new();
    let wanted: Vec<String> = if paths.is_empty() {
        vec!["/".into()]
    } else {
        paths.to_vec()
    };
    for want in &wanted {
        let entry = img.lookup(want)?;
        // The chain of directories from the root to the entry, each checked.
        let comps: Vec<&str> = want
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        let mut target = dest.to_path_buf();
        let mut shown = String::new();
        for (i, c) in comps.iter().enumerate() {
            safe_component(&shown, c)?;
            target.push(c);
            shown.push('/');
            shown.push_str(c);
            if i + 1 < comps.len() {
                make_dir(&target)?;
            }
        }
        let start = shown.clone();
        let mut todo = vec![(target, start.clone(), entry.clone())];
        if entry.is_dir() {
            // Collect the whole tree first (bounded and loop-checked by walk).
            let base = target_base(&todo[0].0);
            todo.clear();
            todo.push((base.clone(), start.clone(), entry.clone()));
            let mut all: Vec<(String, Entry)> = Vec::new();
            img.walk(&start, &entry, &mut |p, e| {
                all.push((p.to_string(), e.clone()));
                Ok(())
            })?;
            for (p, e) in all {
                let rel = p.strip_prefix(start.trim_end_matches('/')).unwrap_or(&p);
                let mut t = base.clone();
                let mut parent = start.clone();
                for c in rel.split('/').filter(|c| !c.is_empty()) {
                    t.push(c);
                    parent.push('/');
                    parent.push_str(c);
                }
                safe_component(&p[..p.len() - e.name.len()], &e.name)?;
                todo.push((t, p, e));
            }
        }
        for (t, _shown, e) in todo {
            match &e.kind {
                EntryKind::Directory => {
                    make_dir(&t)?;
                    rep.directories += 1;
                    dirs.push((t, e));
                }
                EntryKind::Symlink { target } => {
                    symlinks.push((t, target.clone(), e.mtime));
                }
                EntryKind::File => {
                    // Check the data lies in the image before creating anything.
                    for x in &e.extents {
                        img.source().check_range(x.lba, x.sectors())?;
                    }
                    let mut f = fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .custom_flags(libc::O_NOFOLLOW)
                        .open(&t)
                        .map_err(|err| match err.kind() {
                            std::io::ErrorKind::AlreadyExists => IsoError::Exists(t.clone()),
                            _ => IsoError::File {
                                path: t.clone(),
                                source: err,
                            },
                        })?;
                    let mut len = 0u64;
                    let mut pending_hole = false;
                    img.read_file_chunks(&e, &mut |c| {
                        // Zero runs become holes: big sparse files stay sparse.
                        let (data, n) = match c {
                            Chunk::Data(b) if b.iter().any(|&x| x != 0) => (Some(b), b.len()),
                            Chunk::Data(b) => (None, b.len()),
                            Chunk::Zeros(n) => (None, n as usize),
                        };
                        match data {
                            Some(b) => f.write_all(b).map_err(io_err(&t))?,
                            None => {
                                f.seek(SeekFrom::Current(n as i64)).map_err(io_err(&t))?;
                            }
                        }
                        pending_hole = data.is_none();
                        len += n as u64;
                        Ok(())
                    })?;
                    if pending_hole {
                        f.set_len(len).map_err(io_err(&t))?;
                    }
                    if let Some(m) = e.mode {
                        f.set_permissions(fs::Permissions::from_mode(m & 0o777))
                            .map_err(io_err(&t))?;
                    }
                    drop(f);
                    set_mtime(&t, e.mtime)?;
                    rep.files += 1;
                    rep.bytes += len;
                }
            }
        }
    }
    for (p, target, mtime) in &symlinks {
        std::os::unix::fs::symlink(target, p).map_err(|err| match err.kind() {
            std::io::ErrorKind::AlreadyExists => IsoError::Exists(p.clone()),
            _ => IsoError::File {
                path: p.clone(),
                source: err,
            },
        })?;
        set_mtime(p, *mtime)?;
        rep.symlinks += 1;
    }
    // Deepest first, so a read-only parent does not block its children.
    dirs.sort_by_key(|(p, _)| std::cmp::Reverse(p.components().count()));
    for (p, e) in &dirs {
        if fs::symlink_metadata(p).map_err(io_err(p))?.is_dir() {
            if let Some(m) = e.mode {
                fs::set_permissions(p, fs::Permissions::from_mode(m & 0o777)).map_err(io_err(p))?;
            }
            set_mtime(p, e.mtime)?;
        }
    }
    Ok(rep)
}

fn target_base(p: &Path) -> PathBuf {
    p.to_path_buf()
}
