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
    let mut x = Extraction {
        img,
        rep: ExtractReport::default(),
        symlinks: Vec::new(),
        dirs: Vec::new(),
    };
    let wanted: Vec<String> = if paths.is_empty() {
        vec!["/".into()]
    } else {
        paths.to_vec()
    };
    for want in &wanted {
        for (t, e) in x.plan(want, dest)? {
            x.place(t, e)?;
        }
    }
    x.make_symlinks()?;
    x.settle_dirs()?;
    Ok(x.rep)
}

/// One extraction: the image, what has been made, and what is deferred to the end
/// (symlinks, so none can redirect a write; directory modes and times, so a read-only or
/// re-timed directory is not written into afterwards).
struct Extraction<'a, S: SectorSource> {
    img: &'a mut IsoImage<S>,
    rep: ExtractReport,
    /// Where, the link's target, its mtime.
    symlinks: Vec<(PathBuf, String, Option<i64>)>,
    dirs: Vec<(PathBuf, Entry)>,
}

impl<S: SectorSource> Extraction<'_, S> {
    /// The entries `want` names (itself, and everything below it if a directory) with
    /// where each goes, every name checked before anything of them is made.
    fn plan(&mut self, want: &str, dest: &Path) -> Result<Vec<(PathBuf, Entry)>> {
        let entry = self.img.lookup(want)?;
        let (target, start) = make_parents(dest, want)?;
        if !entry.is_dir() {
            return Ok(vec![(target, entry)]);
        }
        // Collect the whole tree first (bounded and loop-checked by walk).
        let mut all: Vec<(String, Entry)> = Vec::new();
        self.img.walk(&start, &entry, &mut |p, e| {
            all.push((p.to_string(), e.clone()));
            Ok(())
        })?;
        let mut todo = vec![(target.clone(), entry)];
        for (p, e) in all {
            let rel = p.strip_prefix(start.trim_end_matches('/')).unwrap_or(&p);
            let mut t = target.clone();
            for c in rel.split('/').filter(|c| !c.is_empty()) {
                t.push(c);
            }
            safe_component(&p[..p.len() - e.name.len()], &e.name)?;
            todo.push((t, e));
        }
        Ok(todo)
    }

    /// Makes one entry at `t` (a symlink only later, see [`Extraction`]).
    fn place(&mut self, t: PathBuf, e: Entry) -> Result<()> {
        match &e.kind {
            EntryKind::Directory => {
                make_dir(&t)?;
                self.rep.directories += 1;
                self.dirs.push((t, e));
            }
            EntryKind::Symlink { target } => {
                self.symlinks.push((t, target.clone(), e.mtime));
            }
            EntryKind::File => {
                let len = write_file(self.img, &t, &e)?;
                self.rep.files += 1;
                self.rep.bytes += len;
            }
        }
        Ok(())
    }

    fn make_symlinks(&mut self) -> Result<()> {
        for (p, target, mtime) in &self.symlinks {
            std::os::unix::fs::symlink(target, p).map_err(|err| match err.kind() {
                std::io::ErrorKind::AlreadyExists => IsoError::Exists(p.clone()),
                _ => IsoError::File {
                    path: p.clone(),
                    source: err,
                },
            })?;
            set_mtime(p, *mtime)?;
            self.rep.symlinks += 1;
        }
        Ok(())
    }

    /// Directory modes and times, once everything inside is made.
    fn settle_dirs(&mut self) -> Result<()> {
        // Deepest first, so a read-only parent does not block its children.
        self.dirs
            .sort_by_key(|(p, _)| std::cmp::Reverse(p.components().count()));
        for (p, e) in &self.dirs {
            if fs::symlink_metadata(p).map_err(io_err(p))?.is_dir() {
                if let Some(m) = e.mode {
                    fs::set_permissions(p, fs::Permissions::from_mode(m & 0o777))
                        .map_err(io_err(p))?;
                }
                set_mtime(p, e.mtime)?;
            }
        }
        Ok(())
    }
}

/// The chain of directories from the root to `want`, each name checked and each directory
/// above the entry made. Returns where the entry goes and its path as shown in errors.
fn make_parents(dest: &Path, want: &str) -> Result<(PathBuf, String)> {
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
    Ok((target, shown))
}

/// Writes file `e` to `t` (never through an existing file or symlink); returns its length.
fn write_file<S: SectorSource>(img: &mut IsoImage<S>, t: &Path, e: &Entry) -> Result<u64> {
    // Check the data lies in the image before creating anything.
    for x in &e.extents {
        img.source().check_range(x.lba, x.sectors())?;
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(t)
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::AlreadyExists => IsoError::Exists(t.to_path_buf()),
            _ => IsoError::File {
                path: t.to_path_buf(),
                source: err,
            },
        })?;
    let mut len = 0u64;
    let mut pending_hole = false;
    img.read_file_chunks(e, &mut |c| {
        // Zero runs become holes: big sparse files stay sparse.
        let (data, n) = match c {
            Chunk::Data(b) if b.iter().any(|&x| x != 0) => (Some(b), b.len()),
            Chunk::Data(b) => (None, b.len()),
            Chunk::Zeros(n) => (None, n as usize),
        };
        match data {
            Some(b) => f.write_all(b).map_err(io_err(t))?,
            None => {
                f.seek(SeekFrom::Current(n as i64)).map_err(io_err(t))?;
            }
        }
        pending_hole = data.is_none();
        len += n as u64;
        Ok(())
    })?;
    if pending_hole {
        f.set_len(len).map_err(io_err(t))?;
    }
    if let Some(m) = e.mode {
        f.set_permissions(fs::Permissions::from_mode(m & 0o777))
            .map_err(io_err(t))?;
    }
    drop(f);
    set_mtime(t, e.mtime)?;
    Ok(len)
}
