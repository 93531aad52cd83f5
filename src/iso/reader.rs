//! Directory trees of an ISO 9660 image: Rock Ridge names preferred, then Joliet, then plain
//! ISO 9660; multi-extent files; an LBA → file index for naming damaged sectors.

use super::bytes::{both32, dir_record_time, field, u8_at};
use super::info::{Descriptor, read_descriptors};
use super::susp;
use super::{IsoError, Result, SECTOR, SectorSource};
use serde::Serialize;
use std::collections::HashSet;

/// Largest directory read (bytes); real ones are far smaller.
const MAX_DIR_BYTES: u64 = 64 * 1024 * 1024;
/// Most entries in one walk of the tree.
const MAX_ENTRIES: usize = 10_000_000;
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 1000;

/// Which directory tree and names are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Namespace {
    RockRidge,
    Joliet,
    Iso9660,
}

/// One contiguous run of a file's data: `bytes` from sector `lba`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Extent {
    pub lba: u64,
    pub bytes: u64,
}

impl Extent {
    pub fn sectors(&self) -> u64 {
        self.bytes.div_ceil(SECTOR as u64)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum EntryKind {
    File,
    Directory,
    Symlink { target: String },
}

/// A file, directory or symlink as the chosen namespace shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub name: String,
    #[serde(flatten)]
    pub kind: EntryKind,
    pub size: u64,
    /// POSIX mode from Rock Ridge PX (file type bits included).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub nlink: Option<u32>,
    /// Modification time (Unix seconds): RR TF if present, else the record's date.
    pub mtime: Option<i64>,
    pub extents: Vec<Extent>,
    /// Raw identifier (for multi-extent matching).
    #[serde(skip)]
    raw_id: Vec<u8>,
    #[serde(skip)]
    hidden: bool,
}

impl Entry {
    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Directory
    }
}

/// An opened image: volume descriptors read, namespace chosen.
pub struct IsoImage<S: SectorSource> {
    src: S,
    namespace: Namespace,
    root: Entry,
    /// SUSP LEN_SKP from the root's SP entry.
    su_skip: usize,
    /// Volume space size from the PVD (sectors).
    pub volume_space_size: u64,
}

impl<S: SectorSource> IsoImage<S> {
    /// Opens with the best namespace: Rock Ridge, then Joliet, then ISO 9660.
    pub fn open(src: S) -> Result<Self> {
        Self::open_with(src, None)
    }

    /// Opens with a given namespace (`None`: best available). Asking for one the image does
    /// not have is an error.
    pub fn open_with(mut src: S, want: Option<Namespace>) -> Result<Self> {
        let descs = read_descriptors(&mut src)?;
        let pvd = descs
            .iter()
            .find_map(|d| match d {
                Descriptor::Primary { lba, data } => Some((*lba, data.clone())),
                _ => None,
            })
            .ok_or(IsoError::NotIso)?;
        let joliet = descs.iter().find_map(|d| match d {
            Descriptor::Supplementary {
                lba,
                data,
                joliet: Some(_),
            } => Some((*lba, data.clone())),
            _ => None,
        });
        let volume_space_size = both32(&pvd.1, 80).unwrap_or(0) as u64;
        let block = super::bytes::both16(&pvd.1, 128).unwrap_or(0);
        if block != SECTOR as u16 {
            return Err(IsoError::corrupt(
                "primary volume descriptor",
                pvd.0,
                format!("logical block size {block}, only 2048 is supported"),
            ));
        }
        let root_rec = field(&pvd.1, 156, 34).unwrap_or(&[]).to_vec();
        let mut img = IsoImage {
            src,
            namespace: Namespace::Iso9660,
            root: root_entry(&root_rec, pvd.0)?,
            su_skip: 0,
            volume_space_size,
        };
        let rr = img.detect_rock_ridge()?;
        let ns = match want {
            Some(Namespace::RockRidge) if !rr => {
                return Err(IsoError::NotFound("Rock Ridge extensions".into()));
            }
            Some(Namespace::Joliet) if joliet.is_none() => {
                return Err(IsoError::NotFound("Joliet volume descriptor".into()));
            }
            Some(ns) => ns,
            None if rr => Namespace::RockRidge,
            None if joliet.is_some() => Namespace::Joliet,
            None => Namespace::Iso9660,
        };
        if ns == Namespace::Joliet
            && let Some((lba, data)) = joliet
        {
            let rec = field(&data, 156, 34).unwrap_or(&[]).to_vec();
            img.root = root_entry(&rec, lba)?;
        }
        img.namespace = ns;
        Ok(img)
    }

    /// SUSP §5.3: an "SP" entry at the start of the root's "." record marks SUSP; Rock Ridge
    /// if RRIP entries or an RRIP "ER" follow.
    fn detect_rock_ridge(&mut self) -> Result<bool> {
        let ext = self.root.extents.first().copied().ok_or(IsoError::NotIso)?;
        let mut buf = vec![0u8; SECTOR];
        self.src.read_sectors(ext.lba, 1, &mut buf)?;
        let Some(len) = u8_at(&buf, 0).map(usize::from) else {
            return Ok(false);
        };
        let id_len = u8_at(&buf, 32).unwrap_or(0) as usize;
        let su_start = 33 + id_len + (1 - id_len % 2);
        let Some(su) = buf.get(su_start..len) else {
            return Ok(false);
        };
        if su.len() < 7 || &su[..2] != b"SP" || su[4] != 0xBE || su[5] != 0xEF {
            return Ok(false);
        }
        self.su_skip = su[6] as usize;
        let rr = susp::parse(&mut self.src, su, ext.lba)?;
        Ok(rr.any
            || rr
                .extensions
                .iter()
                .any(|e| e.starts_with("RRIP") || e.contains("P1282")))
    }

    pub fn namespace(&self) -> Namespace {
        self.namespace
    }

    pub fn root(&self) -> &Entry {
        &self.root
    }

    pub fn source(&mut self) -> &mut S {
        &mut self.src
    }

    /// The entries of a directory (without "." and ".."), multi-extent files joined.
    pub fn read_dir(&mut self, dir: &Entry) -> Result<Vec<Entry>> {
        let ext = match (dir.is_dir(), dir.extents.first()) {
            (true, Some(e)) => *e,
            _ => return Err(IsoError::NotADirectory(dir.name.clone())),
        };
        let bytes = if ext.bytes == 0 {
            self.dot_size(ext.lba)?
        } else {
            ext.bytes
        };
        if bytes > MAX_DIR_BYTES {
            return Err(IsoError::Limit(format!(
                "directory at LBA {} claims {bytes} bytes",
                ext.lba
            )));
        }
        let sectors = bytes.div_ceil(SECTOR as u64);
        self.src.check_range(ext.lba, sectors)?;
        let mut data = vec![0u8; sectors as usize * SECTOR];
        self.src.read_sectors(ext.lba, sectors as u32, &mut data)?;
        data.truncate(bytes as usize);
        self.parse_dir(&data, ext.lba)
    }

    /// Size of a directory from its own "." record (for RRIP CL links, which carry no size).
    fn dot_size(&mut self, lba: u64) -> Result<u64> {
        let mut buf = vec![0u8; SECTOR];
        self.src.read_sectors(lba, 1, &mut buf)?;
        both32(&buf, 10)
            .map(u64::from)
            .filter(|&s| s > 0)
            .ok_or_else(|| IsoError::corrupt("directory", lba, "no \".\" record"))
    }

    fn parse_dir(&mut self, data: &[u8], lba: u64) -> Result<Vec<Entry>> {
        let mut out: Vec<Entry> = Vec::new();
        let mut pending: Option<Entry> = None;
        let mut pos = 0usize;
        while pos < data.len() {
            let len = data[pos] as usize;
            let in_sector = pos % SECTOR;
            if len == 0 {
                pos += SECTOR - in_sector;
                continue;
            }
            let rec_lba = lba + (pos / SECTOR) as u64;
            if len < 34 || in_sector + len > SECTOR || pos + len > data.len() {
                return Err(IsoError::corrupt(
                    "directory record",
                    rec_lba,
                    format!("length {len} at byte {in_sector}"),
                ));
            }
            let rec = &data[pos..pos + len];
            pos += len;
            let id_len = rec[32] as usize;
            let Some(id) = field(rec, 33, id_len) else {
                return Err(IsoError::corrupt(
                    "directory record",
                    rec_lba,
                    format!("identifier length {id_len} exceeds record length {len}"),
                ));
            };
            if id_len == 0 {
                return Err(IsoError::corrupt(
                    "directory record",
                    rec_lba,
                    "empty identifier",
                ));
            }
            if id == [0] || id == [1] {
                continue; // "." and ".."
            }
            let e = self.parse_record(rec, id, rec_lba)?;
            let multi = rec[25] & 0x80 != 0;
            if let Some(mut p) = pending.take() {
                if p.raw_id == e.raw_id && p.kind == EntryKind::File {
                    p.size = p.size.saturating_add(e.size);
                    p.extents.extend(e.extents);
                    if multi {
                        pending = Some(p);
                    } else {
                        out.push(p);
                    }
                    continue;
                }
                out.push(p);
            }
            if multi {
                pending = Some(e);
            } else {
                out.push(e);
            }
            if out.len() > MAX_ENTRIES {
                return Err(IsoError::Limit(format!(
                    "directory at LBA {lba}: too many entries"
                )));
            }
        }
        if let Some(p) = pending {
            out.push(p);
        }
        out.retain(|e| !e.hidden);
        Ok(out)
    }

    /// ECMA-119 §9.1 directory record → entry.
    fn parse_record(&mut self, rec: &[u8], id: &[u8], rec_lba: u64) -> Result<Entry> {
        let xa = rec[1] as u64; // §9.1.2 extended attribute record length (sectors)
        let lba = both32(rec, 2).unwrap_or(0) as u64 + xa;
        let size = both32(rec, 10).unwrap_or(0) as u64;
        let flags = rec[25];
        let mut e = Entry {
            name: String::new(),
            kind: if flags & 0x02 != 0 {
                EntryKind::Directory
            } else {
                EntryKind::File
            },
            size,
            mode: None,
            uid: None,
            gid: None,
            nlink: None,
            mtime: dir_record_time(&rec[18..25]),
            extents: vec![Extent { lba, bytes: size }],
            raw_id: id.to_vec(),
            hidden: false,
        };
        match self.namespace {
            Namespace::Joliet => e.name = joliet_name(id),
            Namespace::Iso9660 => e.name = iso_name(id),
            Namespace::RockRidge => {
                e.name = iso_name(id);
                let su_start = 33 + id.len() + (1 - id.len() % 2) + self.su_skip;
                if let Some(su) = rec.get(su_start..) {
                    let rr = susp::parse(&mut self.src, su, rec_lba)?;
                    if let Some(n) = rr.name {
                        e.name = String::from_utf8_lossy(&n).into_owned();
                    }
                    e.mode = rr.mode;
                    e.uid = rr.uid;
                    e.gid = rr.gid;
                    e.nlink = rr.nlink;
                    if rr.mtime.is_some() {
                        e.mtime = rr.mtime;
                    }
                    if let Some(t) = rr.symlink {
                        e.kind = EntryKind::Symlink { target: t };
                        e.size = 0;
                        e.extents.clear();
                    } else if let Some(cl) = rr.child_link {
                        e.kind = EntryKind::Directory;
                        e.extents = vec![Extent {
                            lba: cl as u64,
                            bytes: 0,
                        }];
                        e.size = 0;
                    }
                    e.hidden = rr.relocated;
                }
            }
        }
        if e.is_dir() && e.extents.first().is_some_and(|x| x.bytes != 0) {
            e.size = e.extents.first().map_or(0, |x| x.bytes);
        }
        Ok(e)
    }

    /// Looks up an absolute path ("/", "/a/b").
    pub fn lookup(&mut self, path: &str) -> Result<Entry> {
        let mut cur = self.root.clone();
        let mut so_far = String::new();
        for comp in path.split('/').filter(|c| !c.is_empty() && *c != ".") {
            so_far.push('/');
            so_far.push_str(comp);
            if !cur.is_dir() {
                return Err(IsoError::NotADirectory(so_far));
            }
            let kids = self.read_dir(&cur)?;
            cur = kids
                .into_iter()
                .find(|k| k.name == comp)
                .ok_or_else(|| IsoError::NotFound(so_far.clone()))?;
        }
        Ok(cur)
    }

    /// Visits every entry below `start` (depth first, children sorted as on disc) with its
    /// absolute path. Directory loops and over-deep trees are errors.
    pub fn walk(
        &mut self,
        start_path: &str,
        start: &Entry,
        f: &mut dyn FnMut(&str, &Entry) -> Result<()>,
    ) -> Result<()> {
        let mut seen: HashSet<u64> = HashSet::new();
        let mut count = 0usize;
        let base = start_path.trim_end_matches('/').to_string();
        let mut stack: Vec<(String, Entry, usize)> = vec![(base, start.clone(), 0)];
        while let Some((path, dir, depth)) = stack.pop() {
            if depth > MAX_DEPTH {
                return Err(IsoError::Limit(format!(
                    "directories nested deeper than {MAX_DEPTH}"
                )));
            }
            let lba = dir.extents.first().map_or(0, |e| e.lba);
            if !seen.insert(lba) {
                return Err(IsoError::Loop(lba));
            }
            let kids = self.read_dir(&dir)?;
            let mut subdirs = Vec::new();
            for k in kids {
                count += 1;
                if count > MAX_ENTRIES {
                    return Err(IsoError::Limit(format!("more than {MAX_ENTRIES} entries")));
                }
                let p = format!("{path}/{}", k.name);
                f(&p, &k)?;
                if k.is_dir() {
                    subdirs.push((p, k, depth + 1));
                }
            }
            stack.extend(subdirs.into_iter().rev());
        }
        Ok(())
    }

    /// Builds the LBA → file index over the whole tree (files and directories).
    pub fn lba_index(&mut self) -> Result<LbaIndex> {
        let mut idx = LbaIndex::default();
        let root = self.root.clone();
        for e in &root.extents {
            idx.push(e.lba, e.sectors().max(1), "/");
        }
        self.walk("/", &root, &mut |p, e| {
            let shown = if e.is_dir() {
                format!("{p}/")
            } else {
                p.to_string()
            };
            for x in &e.extents {
                if x.sectors() > 0 {
                    idx.push(x.lba, x.sectors(), &shown);
                }
            }
            Ok(())
        })?;
        idx.finish();
        Ok(idx)
    }

    /// Copies a file's data to `out`, checking every extent lies within the image.
    pub fn read_file(
        &mut self,
        e: &Entry,
        out: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<u64> {
        let zeros = vec![0u8; 64 * SECTOR];
        self.read_file_chunks(e, &mut |c| match c {
            Chunk::Data(b) => out(b),
            Chunk::Zeros(mut n) => {
                while n > 0 {
                    let k = n.min(zeros.len() as u64) as usize;
                    out(&zeros[..k])?;
                    n -= k as u64;
                }
                Ok(())
            }
        })
    }

    /// Like [`IsoImage::read_file`], but runs of sectors the source knows to be zeros (holes of
    /// a sparse image) come as [`Chunk::Zeros`] without being read.
    pub fn read_file_chunks(
        &mut self,
        e: &Entry,
        out: &mut dyn FnMut(Chunk<'_>) -> Result<()>,
    ) -> Result<u64> {
        const CHUNK: u64 = 128; // sectors
        let mut buf = vec![0u8; CHUNK as usize * SECTOR];
        let mut total = 0u64;
        for x in &e.extents {
            self.src.check_range(x.lba, x.sectors())?;
        }
        for x in &e.extents {
            let mut left = x.bytes;
            let mut lba = x.lba;
            while left > 0 {
                let sectors_left = left.div_ceil(SECTOR as u64);
                let z = self.src.zero_sectors(lba, sectors_left);
                if z > 0 {
                    let take = left.min(z * SECTOR as u64);
                    out(Chunk::Zeros(take))?;
                    left -= take;
                    total += take;
                    lba += z;
                    continue;
                }
                let n = sectors_left.min(CHUNK);
                let b = &mut buf[..n as usize * SECTOR];
                self.src.read_sectors(lba, n as u32, b)?;
                let take = left.min(n * SECTOR as u64) as usize;
                out(Chunk::Data(&b[..take]))?;
                left -= take as u64;
                total += take as u64;
                lba += n;
            }
        }
        Ok(total)
    }
}

/// A piece of a file's data from [`IsoImage::read_file_chunks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk<'a> {
    Data(&'a [u8]),
    /// This many zero bytes (a hole of the image), not read.
    Zeros(u64),
}

fn root_entry(rec: &[u8], vd_lba: u64) -> Result<Entry> {
    let lba = both32(rec, 2).map(u64::from);
    let size = both32(rec, 10).map(u64::from);
    match (lba, size) {
        (Some(lba), Some(size)) if lba > 0 && size > 0 => Ok(Entry {
            name: String::new(),
            kind: EntryKind::Directory,
            size,
            mode: None,
            uid: None,
            gid: None,
            nlink: None,
            mtime: field(rec, 18, 7).and_then(dir_record_time),
            extents: vec![Extent { lba, bytes: size }],
            raw_id: vec![0],
            hidden: false,
        }),
        _ => Err(IsoError::corrupt(
            "root directory record",
            vd_lba,
            "no extent",
        )),
    }
}

/// ECMA-119 §7.5: "NAME.EXT;1" → "NAME.EXT"; "NAME.;1" → "NAME".
pub fn iso_name(id: &[u8]) -> String {
    let s = String::from_utf8_lossy(id);
    strip_version(&s)
}

fn strip_version(s: &str) -> String {
    let base = match s.rfind(';') {
        Some(i) if s[i + 1..].bytes().all(|c| c.is_ascii_digit()) => &s[..i],
        _ => s,
    };
    base.strip_suffix('.').unwrap_or(base).to_string()
}

/// Joliet identifiers are UCS-2 big-endian (UTF-16 surrogates accepted).
pub fn joliet_name(id: &[u8]) -> String {
    strip_version(&super::bytes::ucs2_field(id))
}

/// Sorted LBA ranges → the paths that hold them.
#[derive(Debug, Default, Clone)]
pub struct LbaIndex {
    spans: Vec<(u64, u64, usize)>,
    paths: Vec<String>,
    longest: u64,
}

impl LbaIndex {
    fn push(&mut self, lba: u64, sectors: u64, path: &str) {
        if self.paths.last().map(String::as_str) != Some(path) {
            self.paths.push(path.to_string());
        }
        self.spans
            .push((lba, lba.saturating_add(sectors), self.paths.len() - 1));
        self.longest = self.longest.max(sectors);
    }

    fn finish(&mut self) {
        self.spans.sort_unstable();
    }

    /// Paths whose data (or, with a trailing '/', whose directory records) hold `lba`.
    pub fn files_at(&self, lba: u64) -> Vec<&str> {
        self.files_in(lba, 1)
    }

    /// Paths holding any sector of `lba..lba+count`, each once, in disc order.
    pub fn files_in(&self, lba: u64, count: u64) -> Vec<&str> {
        let end = lba.saturating_add(count.max(1));
        let hi = self.spans.partition_point(|s| s.0 < end);
        let lo_start = lba.saturating_sub(self.longest);
        let lo = self.spans.partition_point(|s| s.0 < lo_start);
        let mut out: Vec<&str> = Vec::new();
        for s in self.spans.get(lo..hi).unwrap_or(&[]) {
            if s.1 > lba {
                let p = self.paths[s.2].as_str();
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(iso_name(b"README.TXT;1"), "README.TXT");
        assert_eq!(iso_name(b"NOEXT.;1"), "NOEXT");
        assert_eq!(iso_name(b"DIR"), "DIR");
        // "ab;1" in UCS-2 BE.
        assert_eq!(joliet_name(&[0, b'a', 0, b'b', 0, b';', 0, b'1']), "ab");
        // U+1F600 as a surrogate pair.
        assert_eq!(joliet_name(&[0xD8, 0x3D, 0xDE, 0x00]), "\u{1F600}");
    }

    #[test]
    fn index_lookup() {
        let mut i = LbaIndex::default();
        i.push(100, 10, "/a");
        i.push(20, 2, "/d/");
        i.push(105, 1, "/b");
        i.finish();
        assert_eq!(i.files_at(104), vec!["/a"]);
        assert_eq!(i.files_at(105), vec!["/a", "/b"]);
        assert_eq!(i.files_at(110), Vec::<&str>::new());
        assert_eq!(i.files_in(0, 1000), vec!["/d/", "/a", "/b"]);
    }
}
