//! `discrw iso create`: ISO 9660 (Level 3: files of 4 GiB and more in several extents) with
//! Rock Ridge (RRIP 1.10 entries, SUSP 1.12) and Joliet (UCS-2 level 3), streamed in one pass.
//!
//! Layout (all computed before the first byte is written):
//! system area (16 zero sectors) · PVD · Joliet SVD · terminator · path tables (L, M per
//! tree) · SUSP continuation areas · ISO 9660 directories · Joliet directories · file data.
//! Both trees share the file data. All-zero chunks are skipped with a seek, so a sparse
//! input gives a sparse image; the SHA-256 of the whole image is computed on the way.

use super::bytes::{put_both16, put_both32, put_dir_record_time, put_vd_time};
use super::{IsoError, Result, SECTOR};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// ECMA-119 §9.1.4 data length is 32-bit: the largest extent that is a whole number of
/// sectors (Level 3 files larger than this get several records, §6.6 / §9.1.6 bit 7).
pub const MAX_EXTENT_BYTES: u64 = 0xFFFF_F800;
const S: u64 = SECTOR as u64;
const CE_LEN: usize = 28;
const APPLICATION_ID: &str = concat!("DISCRW ", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// Volume identifier (≤ 32 characters); default from the directory's name.
    pub volume_id: Option<String>,
    pub joliet: bool,
    pub rock_ridge: bool,
    /// Replace an existing output (and its .sha256).
    pub force: bool,
    /// Time for the volume descriptors (Unix seconds); default: now.
    pub now: Option<i64>,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions {
            volume_id: None,
            joliet: true,
            rock_ridge: true,
            force: false,
            now: None,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CreateReport {
    pub image: PathBuf,
    pub sha256_file: PathBuf,
    pub sha256: String,
    pub sectors: u64,
    pub files: u64,
    pub directories: u64,
    pub symlinks: u64,
    /// Inputs not in the image (special files; symlinks without Rock Ridge), with why.
    pub skipped: Vec<String>,
}

#[derive(Clone, Copy)]
struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: i64,
    atime: i64,
    ctime: i64,
}

enum Kind {
    Dir(Vec<usize>),
    File { path: PathBuf, size: u64 },
    Symlink(Vec<u8>),
}

struct Node {
    name: Vec<u8>,
    meta: Meta,
    kind: Kind,
    parent: usize,
    /// Identifier in tree 0 (ISO 9660) and tree 1 (Joliet, UCS-2 BE; empty = absent).
    id: [Vec<u8>; 2],
    dir_lba: [u64; 2],
    dir_bytes: [u64; 2],
    data_lba: u64,
}

impl Node {
    fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }
    fn children(&self) -> &[usize] {
        match &self.kind {
            Kind::Dir(c) => c,
            _ => &[],
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IsoError + '_ {
    move |source| IsoError::File {
        path: path.to_path_buf(),
        source,
    }
}

fn meta_of(md: &fs::Metadata) -> Meta {
    Meta {
        mode: md.mode(),
        uid: md.uid(),
        gid: md.gid(),
        mtime: md.mtime(),
        atime: md.atime(),
        ctime: md.ctime(),
    }
}

/// Reads the input tree without following symlinks; children sorted by name.
fn scan(root: &Path, rock_ridge: bool, skipped: &mut Vec<String>) -> Result<Vec<Node>> {
    let md = fs::metadata(root).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            IsoError::BadArgument(format!("{}: no such directory", root.display()))
        }
        _ => io_err(root)(e),
    })?;
    if !md.is_dir() {
        return Err(IsoError::BadArgument(format!(
            "{} is not a directory",
            root.display()
        )));
    }
    let mut nodes = vec![Node {
        name: Vec::new(),
        meta: meta_of(&md),
        kind: Kind::Dir(Vec::new()),
        parent: 0,
        id: [vec![0], vec![0]],
        dir_lba: [0; 2],
        dir_bytes: [0; 2],
        data_lba: 0,
    }];
    let mut stack = vec![(0usize, root.to_path_buf())];
    while let Some((idx, path)) = stack.pop() {
        let mut names: Vec<_> = fs::read_dir(&path)
            .map_err(io_err(&path))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()
            .map_err(io_err(&path))?;
        names.sort();
        let mut kids = Vec::new();
        for name in names {
            let p = path.join(&name);
            let md = fs::symlink_metadata(&p).map_err(io_err(&p))?;
            let ft = md.file_type();
            let kind = if ft.is_dir() {
                Kind::Dir(Vec::new())
            } else if ft.is_file() {
                Kind::File {
                    path: p.clone(),
                    size: md.len(),
                }
            } else if ft.is_symlink() {
                if !rock_ridge {
                    skipped.push(format!("{}: symlink (needs Rock Ridge)", p.display()));
                    continue;
                }
                let t = fs::read_link(&p).map_err(io_err(&p))?;
                Kind::Symlink(t.as_os_str().as_bytes().to_vec())
            } else {
                skipped.push(format!("{}: special file", p.display()));
                continue;
            };
            if name.as_bytes().len() > 255 {
                return Err(IsoError::Create(format!(
                    "{}: name longer than 255 bytes",
                    p.display()
                )));
            }
            let is_dir = matches!(kind, Kind::Dir(_));
            nodes.push(Node {
                name: name.as_bytes().to_vec(),
                meta: meta_of(&md),
                kind,
                parent: idx,
                id: [Vec::new(), Vec::new()],
                dir_lba: [0; 2],
                dir_bytes: [0; 2],
                data_lba: 0,
            });
            let n = nodes.len() - 1;
            kids.push(n);
            if is_dir {
                stack.push((n, p));
            }
        }
        if let Kind::Dir(c) = &mut nodes[idx].kind {
            *c = kids;
        }
    }
    Ok(nodes)
}

fn d_chars(s: &str) -> String {
    s.chars()
        .map(|c| {
            let u = c.to_ascii_uppercase();
            if u.is_ascii_uppercase() || u.is_ascii_digit() || u == '_' {
                u
            } else {
                '_'
            }
        })
        .collect()
}

fn truncate_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// ECMA-119 §7.5/§7.6 identifiers, Level 2 lengths: "BASE.EXT;1" (base + ext ≤ 30) and
/// directories ≤ 31 d-characters; made unique within the directory.
fn assign_iso_ids(nodes: &mut [Node], dir: usize) {
    let kids = nodes[dir].children().to_vec();
    let mut used: HashSet<String> = HashSet::new();
    for k in kids {
        let name = String::from_utf8_lossy(&nodes[k].name).into_owned();
        let (base, ext, max) = if nodes[k].is_dir() {
            (d_chars(&name), String::new(), 31)
        } else {
            let (b, e) = match name.rfind('.') {
                Some(i) if i > 0 => (&name[..i], &name[i + 1..]),
                _ => (name.as_str(), ""),
            };
            let ext = truncate_chars(&d_chars(e), 8);
            (d_chars(b), ext.clone(), 30 - ext.len())
        };
        let mut b = truncate_chars(&base, max);
        if b.is_empty() && ext.is_empty() {
            b = "_".into();
        }
        let mut n = 0u32;
        let mut cand = b.clone();
        while !used.insert(format!("{cand}.{ext}")) {
            n += 1;
            let suf = format!("_{n}");
            cand = format!("{}{suf}", truncate_chars(&b, max.saturating_sub(suf.len())));
        }
        nodes[k].id[0] = if nodes[k].is_dir() {
            cand.into_bytes()
        } else {
            format!("{cand}.{ext};1").into_bytes()
        };
    }
}

/// Joliet: UCS-2 BE (UTF-16 for characters beyond the BMP), ≤ 64 units, without the
/// characters Joliet forbids (* / : ; ? \ and controls); unique within the directory.
/// Symlinks have no Joliet form and are left out of that tree.
fn assign_joliet_ids(nodes: &mut [Node], dir: usize) {
    const MAX: usize = 64;
    let kids = nodes[dir].children().to_vec();
    let mut used: HashSet<Vec<u16>> = HashSet::new();
    for k in kids {
        if matches!(nodes[k].kind, Kind::Symlink(_)) {
            continue;
        }
        let name: String = String::from_utf8_lossy(&nodes[k].name)
            .chars()
            .map(|c| {
                if "*/:;?\\".contains(c) || (c as u32) < 0x20 {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let units: Vec<u16> = name.encode_utf16().collect();
        let fit = |u: &[u16], max: usize| -> Vec<u16> {
            let mut v: Vec<u16> = u.iter().take(max).copied().collect();
            if v.last().is_some_and(|&c| (0xD800..0xDC00).contains(&c)) {
                v.pop(); // don't split a surrogate pair
            }
            v
        };
        let (stem, ext): (Vec<u16>, Vec<u16>) = match name.rfind('.') {
            Some(i) if i > 0 && name.len() - i <= 16 && !nodes[k].is_dir() => (
                name[..i].encode_utf16().collect(),
                name[i..].encode_utf16().collect(),
            ),
            _ => (units.clone(), Vec::new()),
        };
        let mut cand = if units.len() <= MAX {
            units.clone()
        } else {
            let mut v = fit(&stem, MAX - ext.len());
            v.extend(&ext);
            v
        };
        let mut n = 0u32;
        while !used.insert(cand.clone()) {
            n += 1;
            let suf: Vec<u16> = format!("~{n}").encode_utf16().collect();
            cand = fit(&stem, MAX.saturating_sub(ext.len() + suf.len()));
            cand.extend(&suf);
            cand.extend(&ext);
        }
        nodes[k].id[1] = cand.iter().flat_map(|u| u.to_be_bytes()).collect();
    }
}

/// A SUSP entry, or a CE pointing into the continuation area (block relative to its start).
#[derive(Clone)]
enum Susp {
    Raw(Vec<u8>),
    Ce { block: usize, offset: u32, len: u32 },
}

impl Susp {
    fn len(&self) -> usize {
        match self {
            Susp::Raw(b) => b.len(),
            Susp::Ce { .. } => CE_LEN,
        }
    }
    fn encode(&self, ce_base: u64, out: &mut Vec<u8>) {
        match self {
            Susp::Raw(b) => out.extend_from_slice(b),
            Susp::Ce { block, offset, len } => {
                // SUSP §5.1: block location, offset, length (all 733).
                out.extend_from_slice(&[b'C', b'E', CE_LEN as u8, 1]);
                out.extend_from_slice(&put_both32((ce_base + *block as u64) as u32));
                out.extend_from_slice(&put_both32(*offset));
                out.extend_from_slice(&put_both32(*len));
            }
        }
    }
}

/// One continuation block: bytes used, and (offset, entries) areas in it.
type CeBlock = (usize, Vec<(usize, Vec<Susp>)>);

/// Continuation areas, allocated block by block.
#[derive(Default)]
struct Arena {
    blocks: Vec<CeBlock>,
}

impl Arena {
    fn alloc(&mut self, len: usize) -> (usize, usize) {
        match self.blocks.last_mut() {
            Some((used, _)) if *used + len <= SECTOR => {
                let off = *used;
                *used += len;
                (self.blocks.len() - 1, off)
            }
            _ => {
                self.blocks.push((len, Vec::new()));
                (self.blocks.len() - 1, 0)
            }
        }
    }

    /// Stores entries that did not fit in a record, chaining areas with CE; returns the CE.
    fn put(&mut self, items: Vec<Vec<u8>>) -> Susp {
        let mut chunks: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
        let mut used = 0;
        for it in items {
            if used + it.len() > SECTOR - CE_LEN {
                chunks.push(Vec::new());
                used = 0;
            }
            used += it.len();
            if let Some(c) = chunks.last_mut() {
                c.push(it);
            }
        }
        let n = chunks.len();
        let sizes: Vec<usize> = chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                c.iter().map(Vec::len).sum::<usize>() + if i + 1 < n { CE_LEN } else { 0 }
            })
            .collect();
        let pos: Vec<(usize, usize)> = sizes.iter().map(|&s| self.alloc(s)).collect();
        for (i, c) in chunks.into_iter().enumerate() {
            let mut entries: Vec<Susp> = c.into_iter().map(Susp::Raw).collect();
            if i + 1 < n {
                entries.push(Susp::Ce {
                    block: pos[i + 1].0,
                    offset: pos[i + 1].1 as u32,
                    len: sizes[i + 1] as u32,
                });
            }
            self.blocks[pos[i].0].1.push((pos[i].1, entries));
        }
        Susp::Ce {
            block: pos[0].0,
            offset: pos[0].1 as u32,
            len: sizes[0] as u32,
        }
    }
}

#[derive(Clone, Copy)]
enum Target {
    Dir(usize),
    Data(usize, u64),
    Nothing,
}

struct Rec {
    id: Vec<u8>,
    flags: u8,
    target: Target,
    time: i64,
    susp: Vec<Susp>,
}

impl Rec {
    fn base_len(&self) -> usize {
        33 + self.id.len() + (1 - self.id.len() % 2)
    }
    fn len(&self) -> usize {
        let l = self.base_len() + self.susp.iter().map(Susp::len).sum::<usize>();
        l + l % 2
    }
}

/// RRIP §4.1.1 PX (RRIP 1.10 form, 36 bytes).
fn px(m: &Meta, nlink: u32) -> Vec<u8> {
    let mut v = vec![b'P', b'X', 36, 1];
    for x in [m.mode, nlink, m.uid, m.gid] {
        v.extend_from_slice(&put_both32(x));
    }
    v
}

/// RRIP §4.1.6 TF: modify, access, attributes (short form).
fn tf(m: &Meta) -> Vec<u8> {
    let mut v = vec![b'T', b'F', 26, 1, 0x0E];
    for t in [m.mtime, m.atime, m.ctime] {
        v.extend_from_slice(&put_dir_record_time(t));
    }
    v
}

/// RRIP §4.1.4 NM, split with the CONTINUE flag.
fn nm(name: &[u8]) -> Vec<Vec<u8>> {
    let chunks: Vec<&[u8]> = name.chunks(250).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = vec![
                b'N',
                b'M',
                (5 + c.len()) as u8,
                1,
                if i + 1 < n { 1 } else { 0 },
            ];
            v.extend_from_slice(c);
            v
        })
        .collect()
}

/// RRIP §4.1.3 SL: component records packed into as many SL entries as needed.
fn sl(target: &[u8]) -> Vec<Vec<u8>> {
    let mut comps: Vec<Vec<u8>> = Vec::new();
    if target.first() == Some(&b'/') {
        comps.push(vec![0x08, 0]);
    }
    for part in target.split(|&c| c == b'/').filter(|p| !p.is_empty()) {
        match part {
            b"." => comps.push(vec![0x02, 0]),
            b".." => comps.push(vec![0x04, 0]),
            _ => {
                let pieces: Vec<&[u8]> = part.chunks(248).collect();
                let n = pieces.len();
                for (i, p) in pieces.into_iter().enumerate() {
                    let mut c = vec![if i + 1 < n { 0x01 } else { 0 }, p.len() as u8];
                    c.extend_from_slice(p);
                    comps.push(c);
                }
            }
        }
    }
    let mut entries: Vec<Vec<u8>> = vec![vec![b'S', b'L', 5, 1, 0]];
    for c in comps {
        let full = entries.last().is_none_or(|e| e.len() + c.len() > 255);
        if full {
            if let Some(e) = entries.last_mut() {
                e[4] = 1; // CONTINUE: the link goes on in the next SL
            }
            entries.push(vec![b'S', b'L', 5, 1, 0]);
        }
        if let Some(e) = entries.last_mut() {
            e.extend_from_slice(&c);
            e[2] = e.len() as u8;
        }
    }
    entries
}

/// SUSP §5.5 ER for RRIP 1.10 (identifier as mkisofs and the Linux kernel expect).
fn er() -> Vec<u8> {
    let id = b"RRIP_1991A";
    let des =
        b"THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
    let src = b"PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";
    let mut v = vec![
        b'E',
        b'R',
        0,
        1,
        id.len() as u8,
        des.len() as u8,
        src.len() as u8,
        1,
    ];
    v.extend_from_slice(id);
    v.extend_from_slice(des);
    v.extend_from_slice(src);
    v[2] = v.len() as u8;
    v
}

/// Puts entries inline while they fit, the rest behind a CE.
fn place(items: Vec<Vec<u8>>, base: usize, arena: &mut Arena) -> Vec<Susp> {
    let avail = 254 - base;
    let total: usize = items.iter().map(Vec::len).sum();
    if total <= avail {
        return items.into_iter().map(Susp::Raw).collect();
    }
    let mut inline = Vec::new();
    let mut used = 0;
    let mut rest = Vec::new();
    for it in items {
        if rest.is_empty() && used + it.len() + CE_LEN <= avail {
            used += it.len();
            inline.push(Susp::Raw(it));
        } else {
            rest.push(it);
        }
    }
    inline.push(arena.put(rest));
    inline
}

fn nlink(nodes: &[Node], n: usize) -> u32 {
    match &nodes[n].kind {
        Kind::Dir(c) => 2 + c.iter().filter(|&&k| nodes[k].is_dir()).count() as u32,
        _ => 1,
    }
}

/// The records of directory `d` in tree `t` (0: ISO 9660 + RR, 1: Joliet).
fn dir_records(nodes: &[Node], d: usize, t: usize, rr: bool, arena: &mut Arena) -> Vec<Rec> {
    let rr = rr && t == 0;
    let mut recs = Vec::new();
    let mut push =
        |recs: &mut Vec<Rec>, id: Vec<u8>, flags, target, node: usize, items: Vec<Vec<u8>>| {
            let mut r = Rec {
                id,
                flags,
                target,
                time: nodes[node].meta.mtime,
                susp: Vec::new(),
            };
            if rr {
                r.susp = place(items, r.base_len(), arena);
            }
            recs.push(r);
        };
    let node_items = |n: usize, name: bool| -> Vec<Vec<u8>> {
        if !rr {
            return Vec::new();
        }
        let nd = &nodes[n];
        let mut flags = 0x01 | 0x80; // PX, TF
        let mut v = vec![
            vec![b'R', b'R', 5, 1, 0],
            px(&nd.meta, nlink(nodes, n)),
            tf(&nd.meta),
        ];
        if name {
            flags |= 0x08;
            v.extend(nm(&nd.name));
        }
        if let Kind::Symlink(t) = &nd.kind {
            flags |= 0x04;
            v.extend(sl(t));
        }
        v[0][4] = flags;
        v
    };
    let mut dot = node_items(d, false);
    if d == 0 && rr {
        // SUSP §5.3: SP first in the root's "." record; ER names the extension (§5.5).
        dot.insert(0, vec![b'S', b'P', 7, 1, 0xBE, 0xEF, 0]);
        dot.push(er());
    }
    push(&mut recs, vec![0], 0x02, Target::Dir(d), d, dot);
    let parent = nodes[d].parent;
    push(
        &mut recs,
        vec![1],
        0x02,
        Target::Dir(parent),
        parent,
        node_items(parent, false),
    );
    let mut kids: Vec<usize> = nodes[d]
        .children()
        .iter()
        .copied()
        .filter(|&k| !nodes[k].id[t].is_empty())
        .collect();
    kids.sort_by(|&a, &b| sort_key(&nodes[a].id[t], t).cmp(&sort_key(&nodes[b].id[t], t)));
    for k in kids {
        let id = nodes[k].id[t].clone();
        match &nodes[k].kind {
            Kind::Dir(_) => push(&mut recs, id, 0x02, Target::Dir(k), k, node_items(k, true)),
            Kind::Symlink(_) => push(&mut recs, id, 0, Target::Nothing, k, node_items(k, true)),
            Kind::File { size, .. } => {
                let n = size.div_ceil(MAX_EXTENT_BYTES).max(1);
                for i in 0..n {
                    let flags = if i + 1 < n { 0x80 } else { 0 };
                    push(
                        &mut recs,
                        id.clone(),
                        flags,
                        Target::Data(k, i),
                        k,
                        node_items(k, true),
                    );
                }
            }
        }
    }
    recs
}

/// ECMA-119 §9.3: records ordered by name, then extension (padding with spaces, which sort
/// below every d-character, so a plain byte order of the two parts).
fn sort_key(id: &[u8], t: usize) -> (Vec<u8>, Vec<u8>) {
    if t == 1 {
        return (id.to_vec(), Vec::new());
    }
    let s = id.split(|&c| c == b';').next().unwrap_or(id);
    match s.iter().position(|&c| c == b'.') {
        Some(i) => (s[..i].to_vec(), s[i + 1..].to_vec()),
        None => (s.to_vec(), Vec::new()),
    }
}

/// Bytes of a directory: records never cross a sector boundary (ECMA-119 §6.8.1.1).
fn dir_size(recs: &[Rec]) -> u64 {
    let mut pos = 0usize;
    for r in recs {
        let l = r.len();
        if pos % SECTOR + l > SECTOR {
            pos += SECTOR - pos % SECTOR;
        }
        pos += l;
    }
    (pos.div_ceil(SECTOR) * SECTOR) as u64
}

/// Directories of tree `t` in path table order: by level, parent number, identifier.
fn bfs(nodes: &[Node], t: usize) -> Vec<usize> {
    let mut order = vec![0usize];
    let mut i = 0;
    while i < order.len() {
        let mut kids: Vec<usize> = nodes[order[i]]
            .children()
            .iter()
            .copied()
            .filter(|&k| nodes[k].is_dir())
            .collect();
        kids.sort_by(|&a, &b| nodes[a].id[t].cmp(&nodes[b].id[t]));
        order.extend(kids);
        i += 1;
    }
    order
}

/// ECMA-119 §9.4 path table (type L when `le`, else type M).
fn path_table(nodes: &[Node], order: &[usize], t: usize, le: bool) -> Result<Vec<u8>> {
    let mut num = vec![0u16; nodes.len()];
    let mut out = Vec::new();
    for (i, &d) in order.iter().enumerate() {
        num[d] = u16::try_from(i + 1).map_err(|_| {
            IsoError::Create(
                "more than 65535 directories: the path table cannot number them".into(),
            )
        })?;
        let id: &[u8] = if d == 0 { &[0] } else { &nodes[d].id[t] };
        let lba = nodes[d].dir_lba[t] as u32;
        let parent = num[nodes[d].parent];
        out.push(id.len() as u8);
        out.push(0);
        out.extend_from_slice(&if le {
            lba.to_le_bytes()
        } else {
            lba.to_be_bytes()
        });
        out.extend_from_slice(&if le {
            parent.to_le_bytes()
        } else {
            parent.to_be_bytes()
        });
        out.extend_from_slice(id);
        if id.len() % 2 == 1 {
            out.push(0);
        }
    }
    Ok(out)
}

fn encode_record(r: &Rec, nodes: &[Node], t: usize, ce_base: u64) -> Vec<u8> {
    let (lba, size) = match r.target {
        Target::Dir(d) => (nodes[d].dir_lba[t], nodes[d].dir_bytes[t]),
        Target::Data(f, i) => match &nodes[f].kind {
            Kind::File { size, .. } if *size > 0 => {
                let len = (size - i * MAX_EXTENT_BYTES).min(MAX_EXTENT_BYTES);
                (nodes[f].data_lba + i * (MAX_EXTENT_BYTES / S), len)
            }
            _ => (0, 0),
        },
        Target::Nothing => (0, 0),
    };
    let mut v = Vec::with_capacity(r.len());
    v.push(0);
    v.push(0);
    v.extend_from_slice(&put_both32(lba as u32));
    v.extend_from_slice(&put_both32(size as u32));
    v.extend_from_slice(&put_dir_record_time(r.time));
    v.push(r.flags);
    v.push(0);
    v.push(0);
    v.extend_from_slice(&put_both16(1));
    v.push(r.id.len() as u8);
    v.extend_from_slice(&r.id);
    if r.id.len().is_multiple_of(2) {
        v.push(0);
    }
    for s in &r.susp {
        s.encode(ce_base, &mut v);
    }
    if v.len() % 2 == 1 {
        v.push(0);
    }
    v[0] = v.len() as u8;
    v
}

fn text_field(s: &str, len: usize, ucs2: bool) -> Vec<u8> {
    let mut v: Vec<u8> = if ucs2 {
        s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
    } else {
        s.as_bytes().to_vec()
    };
    v.truncate(len - len % if ucs2 { 2 } else { 1 });
    while v.len() + if ucs2 { 2 } else { 1 } <= len {
        if ucs2 {
            v.extend_from_slice(&[0, b' ']);
        } else {
            v.push(b' ');
        }
    }
    v.resize(len, 0);
    v
}

struct VdParams<'a> {
    kind: u8,
    volume_id: &'a str,
    total: u64,
    pt_size: usize,
    l_lba: u64,
    m_lba: u64,
    root_rec: Vec<u8>,
    now: i64,
}

/// ECMA-119 §8.4 (PVD) / §8.5 (SVD, Joliet when kind = 2).
fn volume_descriptor(p: &VdParams) -> Vec<u8> {
    let j = p.kind == 2;
    let mut v = vec![0u8; SECTOR];
    v[0] = p.kind;
    v[1..6].copy_from_slice(b"CD001");
    v[6] = 1;
    v[8..40].copy_from_slice(&text_field("LINUX", 32, j));
    v[40..72].copy_from_slice(&text_field(p.volume_id, 32, j));
    v[80..88].copy_from_slice(&put_both32(p.total as u32));
    if j {
        v[88..91].copy_from_slice(b"%/E"); // Joliet UCS-2 level 3
    }
    v[120..124].copy_from_slice(&put_both16(1));
    v[124..128].copy_from_slice(&put_both16(1));
    v[128..132].copy_from_slice(&put_both16(SECTOR as u16));
    v[132..140].copy_from_slice(&put_both32(p.pt_size as u32));
    v[140..144].copy_from_slice(&(p.l_lba as u32).to_le_bytes());
    v[148..152].copy_from_slice(&(p.m_lba as u32).to_be_bytes());
    v[156..190].copy_from_slice(&p.root_rec[..34]);
    v[190..318].copy_from_slice(&text_field("", 128, j));
    v[318..446].copy_from_slice(&text_field("", 128, j));
    v[446..574].copy_from_slice(&text_field("", 128, j));
    v[574..702].copy_from_slice(&text_field(APPLICATION_ID, 128, j));
    v[702..739].copy_from_slice(&text_field("", 37, j));
    v[739..776].copy_from_slice(&text_field("", 37, j));
    v[776..813].copy_from_slice(&text_field("", 37, j));
    v[813..830].copy_from_slice(&put_vd_time(Some(p.now)));
    v[830..847].copy_from_slice(&put_vd_time(Some(p.now)));
    v[847..864].copy_from_slice(&put_vd_time(None));
    v[864..881].copy_from_slice(&put_vd_time(None));
    v[881] = 1;
    v
}

/// Writes the image, hashing every byte and seeking over all-zero chunks.
struct Sink {
    f: fs::File,
    path: PathBuf,
    hasher: Sha256,
    pos: u64,
    file_pos: u64,
}

impl Sink {
    fn write(&mut self, b: &[u8]) -> Result<()> {
        self.hasher.update(b);
        if !is_zero(b) {
            if self.file_pos != self.pos {
                self.f
                    .seek(SeekFrom::Start(self.pos))
                    .map_err(io_err(&self.path))?;
            }
            self.f.write_all(b).map_err(io_err(&self.path))?;
            self.file_pos = self.pos + b.len() as u64;
        }
        self.pos += b.len() as u64;
        Ok(())
    }

    /// `n` zero bytes: hashed, never written (the image file gets a hole).
    fn zeros(&mut self, mut n: u64) -> Result<()> {
        static ZERO: [u8; 64 * 1024] = [0; 64 * 1024];
        while n > 0 {
            let k = n.min(ZERO.len() as u64) as usize;
            self.hasher.update(&ZERO[..k]);
            self.pos += k as u64;
            n -= k as u64;
        }
        Ok(())
    }

    fn pad(&mut self) -> Result<()> {
        let r = (self.pos % S) as usize;
        if r != 0 {
            self.write(&vec![0u8; SECTOR - r])?;
        }
        Ok(())
    }

    /// Checks the image ends at `total` sectors, gives the file its length (a trailing hole
    /// included) and makes it durable; returns the SHA-256 in hex.
    fn finish(self, total: u64) -> Result<String> {
        self.expect_lba(total, "end of image")?;
        self.f.set_len(self.pos).map_err(io_err(&self.path))?;
        self.f.sync_all().map_err(io_err(&self.path))?;
        Ok(self
            .hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }

    fn expect_lba(&self, lba: u64, what: &str) -> Result<()> {
        if self.pos != lba * S {
            return Err(IsoError::Create(format!(
                "internal layout error: {what} at byte {} instead of LBA {lba}",
                self.pos
            )));
        }
        Ok(())
    }
}

fn is_zero(b: &[u8]) -> bool {
    let mut it = b.chunks_exact(16);
    let wide = it
        .by_ref()
        .all(|c| u128::from_ne_bytes(c.try_into().unwrap_or([1; 16])) == 0);
    wide && it.remainder().iter().all(|&x| x == 0)
}

/// Removes the temporary image unless committed.
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

fn default_volume_id(src: &Path) -> String {
    let name = src
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let id = truncate_chars(&d_chars(&name), 32);
    if id.is_empty() { "CDROM".into() } else { id }
}

/// Makes `out` from the tree at `src_dir` (see the module comment), plus `out.sha256`.
/// `progress(done, total)` is called with file-data bytes.
pub fn create_image(
    src_dir: &Path,
    out: &Path,
    opts: &CreateOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<CreateReport> {
    // Check the arguments before scanning a (possibly large) tree.
    let dest = Output::check(src_dir, out, opts.force)?;
    let volume_id = match &opts.volume_id {
        Some(v) if v.chars().count() > 32 || v.chars().any(|c| !(' '..='~').contains(&c)) => {
            return Err(IsoError::BadArgument(format!(
                "volume id {v:?}: at most 32 printable ASCII characters"
            )));
        }
        Some(v) => v.clone(),
        None => default_volume_id(src_dir),
    };
    let now = opts.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });

    let mut skipped = Vec::new();
    let mut nodes = scan(src_dir, opts.rock_ridge, &mut skipped)?;
    for d in 0..nodes.len() {
        if nodes[d].is_dir() {
            assign_iso_ids(&mut nodes, d);
            if opts.joliet {
                assign_joliet_ids(&mut nodes, d);
            }
        }
    }
    let plan = Plan::new(&mut nodes, opts)?;

    // Write to a temporary name beside the output, so a failed run leaves no partial image.
    let tmp = dest.temp_path(".discrw-tmp");
    let f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(io_err(&tmp))?;
    let mut guard = TempGuard(Some(tmp.clone()));
    let mut w = ImageWriter {
        sink: Sink {
            f,
            path: tmp.clone(),
            hasher: Sha256::new(),
            pos: 0,
            file_pos: 0,
        },
        nodes: &nodes,
        plan: &plan,
    };
    w.descriptors(&volume_id, now)?;
    w.path_tables()?;
    w.continuation_areas()?;
    w.directories()?;
    w.file_data(progress)?;
    let sha256 = w.sink.finish(plan.total)?;
    dest.commit(&tmp, opts.force)?;
    guard.0 = None;
    dest.write_sha256(&sha256)?;

    let count = |f: fn(&Kind) -> bool| nodes.iter().filter(|n| f(&n.kind)).count() as u64;
    Ok(CreateReport {
        image: out.to_path_buf(),
        sha256_file: dest.sha_path,
        sha256,
        sectors: plan.total,
        files: count(|k| matches!(k, Kind::File { .. })),
        directories: count(|k| matches!(k, Kind::Dir(_))),
        symlinks: count(|k| matches!(k, Kind::Symlink(_))),
        skipped,
    })
}

/// Where the image goes: its path and name, the directory that holds it and its temporary
/// files, and its .sha256.
struct Output<'a> {
    path: &'a Path,
    name: std::ffi::OsString,
    dir: &'a Path,
    sha_path: PathBuf,
}

impl<'a> Output<'a> {
    /// The output's directory and the source tree exist, and (without `force`) neither the
    /// image nor its .sha256 does.
    fn check(src_dir: &Path, out: &'a Path, force: bool) -> Result<Self> {
        let name = out
            .file_name()
            .ok_or_else(|| IsoError::BadArgument(format!("{}: not a file name", out.display())))?
            .to_os_string();
        let dir = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
            return Err(IsoError::BadArgument(format!(
                "{}: no such directory for the output",
                dir.display()
            )));
        }
        if !fs::metadata(src_dir).is_ok_and(|m| m.is_dir()) {
            return Err(IsoError::BadArgument(
                if fs::symlink_metadata(src_dir).is_ok() {
                    format!("{} is not a directory", src_dir.display())
                } else {
                    format!("{}: no such directory", src_dir.display())
                },
            ));
        }
        let sha_path = crate::files::sha256_path(out);
        if !force {
            for p in [out, sha_path.as_path()] {
                if fs::symlink_metadata(p).is_ok() {
                    return Err(IsoError::Exists(p.to_path_buf()));
                }
            }
        }
        Ok(Output {
            path: out,
            name,
            dir,
            sha_path,
        })
    }

    /// ".NAME{suffix}-PID" beside the output: hidden, and one per process.
    fn temp_path(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!(
            ".{}{suffix}-{}",
            self.name.to_string_lossy(),
            std::process::id()
        ))
    }

    /// Gives the finished temporary image the output's name. Without `force`, hard_link
    /// fails if the output appeared meanwhile (no clobbering).
    fn commit(&self, tmp: &Path, force: bool) -> Result<()> {
        let out = self.path;
        if force {
            fs::rename(tmp, out).map_err(io_err(out))?;
        } else {
            fs::hard_link(tmp, out).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => IsoError::Exists(out.to_path_buf()),
                _ => IsoError::File {
                    path: out.to_path_buf(),
                    source: e,
                },
            })?;
            fs::remove_file(tmp).map_err(io_err(tmp))?;
        }
        Ok(())
    }

    /// The .sha256 in `sha256sum -c` form, written whole or not at all (the one atomic
    /// writer rip uses too).
    fn write_sha256(&self, sha256: &str) -> Result<()> {
        crate::files::write_sha256_file(self.path, sha256).map_err(io_err(&self.sha_path))?;
        Ok(())
    }
}

/// Where everything goes, computed before the first byte is written (see the module
/// comment for the order).
#[derive(Default)]
struct Plan {
    /// The trees written: 0 (ISO 9660, with Rock Ridge if asked), and 1 (Joliet) if asked.
    trees: Vec<usize>,
    /// Per tree: its directories in path table order, and their records in that order.
    orders: Vec<Vec<usize>>,
    recs: Vec<Vec<Vec<Rec>>>,
    /// Per tree: the bytes of its path table, and the LBAs of its L and M copies.
    pt_size: Vec<usize>,
    pt_lba: Vec<(u64, u64)>,
    /// SUSP continuation areas, written from `ce_base`.
    arena: Arena,
    ce_base: u64,
    pvd_lba: u64,
    term_lba: u64,
    /// Files with data in the order their data is written, and all their bytes.
    files: Vec<usize>,
    total_data: u64,
    /// Sectors of the whole image.
    total: u64,
}

impl Plan {
    /// Records and sizes first, because they do not depend on LBAs; then the LBAs.
    fn new(nodes: &mut [Node], opts: &CreateOptions) -> Result<Plan> {
        let mut p = Plan {
            trees: if opts.joliet { vec![0, 1] } else { vec![0] },
            ..Plan::default()
        };
        p.orders = p.trees.iter().map(|&t| bfs(nodes, t)).collect();
        for (ti, &t) in p.trees.iter().enumerate() {
            let mut per = Vec::new();
            for &d in &p.orders[ti] {
                let r = dir_records(nodes, d, t, opts.rock_ridge, &mut p.arena);
                nodes[d].dir_bytes[t] = dir_size(&r);
                per.push(r);
            }
            p.recs.push(per);
        }
        p.pt_size = p
            .trees
            .iter()
            .enumerate()
            .map(|(ti, &t)| path_table(nodes, &p.orders[ti], t, true).map(|pt| pt.len()))
            .collect::<Result<_>>()?;
        p.place(nodes)?;
        Ok(p)
    }

    /// LBAs of the descriptors, path tables, continuation areas, directories and file data,
    /// in that order from LBA 16.
    fn place(&mut self, nodes: &mut [Node]) -> Result<()> {
        let mut lba = 16u64;
        self.pvd_lba = lba;
        lba += self.trees.len() as u64; // the PVD, and the Joliet SVD
        self.term_lba = lba;
        lba += 1;
        for size in &self.pt_size {
            let n = (*size as u64).div_ceil(S);
            self.pt_lba.push((lba, lba + n));
            lba += 2 * n;
        }
        self.ce_base = lba;
        lba += self.arena.blocks.len() as u64;
        for (ti, &t) in self.trees.iter().enumerate() {
            for &d in &self.orders[ti] {
                nodes[d].dir_lba[t] = lba;
                lba += nodes[d].dir_bytes[t] / S;
            }
        }
        for &d in &self.orders[0] {
            for &k in nodes[d].children().to_vec().iter() {
                if let Kind::File { size, .. } = nodes[k].kind
                    && size > 0
                {
                    nodes[k].data_lba = lba;
                    lba += size.div_ceil(S);
                    self.total_data += size;
                    self.files.push(k);
                }
            }
        }
        self.total = lba;
        if self.total > u32::MAX as u64 {
            return Err(IsoError::Create(format!(
                "image of {} sectors is larger than ISO 9660 can address",
                self.total
            )));
        }
        Ok(())
    }
}

/// Writes the image in LBA order, checking each part starts where the plan put it.
struct ImageWriter<'a> {
    sink: Sink,
    nodes: &'a [Node],
    plan: &'a Plan,
}

impl ImageWriter<'_> {
    /// The system area, one volume descriptor per tree, and the terminator.
    fn descriptors(&mut self, volume_id: &str, now: i64) -> Result<()> {
        let p = self.plan;
        self.sink.write(&vec![0u8; 16 * SECTOR])?;
        for (ti, &t) in p.trees.iter().enumerate() {
            let root_rec = encode_record(&p.recs[ti][0][0], self.nodes, t, p.ce_base);
            self.sink
                .expect_lba(p.pvd_lba + ti as u64, "volume descriptor")?;
            self.sink.write(&volume_descriptor(&VdParams {
                kind: if t == 0 { 1 } else { 2 },
                volume_id: &if t == 0 {
                    volume_id.to_string()
                } else {
                    truncate_chars(volume_id, 16)
                },
                total: p.total,
                pt_size: p.pt_size[ti],
                l_lba: p.pt_lba[ti].0,
                m_lba: p.pt_lba[ti].1,
                root_rec,
                now,
            }))?;
        }
        self.sink.expect_lba(p.term_lba, "terminator")?;
        let mut term = vec![0u8; SECTOR];
        term[0] = 255;
        term[1..6].copy_from_slice(b"CD001");
        term[6] = 1;
        self.sink.write(&term)
    }

    fn path_tables(&mut self) -> Result<()> {
        for (ti, &t) in self.plan.trees.iter().enumerate() {
            for le in [true, false] {
                self.sink
                    .write(&path_table(self.nodes, &self.plan.orders[ti], t, le)?)?;
                self.sink.pad()?;
            }
        }
        Ok(())
    }

    fn continuation_areas(&mut self) -> Result<()> {
        let ce_base = self.plan.ce_base;
        self.sink.expect_lba(ce_base, "continuation areas")?;
        for (_, areas) in &self.plan.arena.blocks {
            let mut b = vec![0u8; SECTOR];
            for (off, entries) in areas {
                let mut v = Vec::new();
                for e in entries {
                    e.encode(ce_base, &mut v);
                }
                b[*off..*off + v.len()].copy_from_slice(&v);
            }
            self.sink.write(&b)?;
        }
        Ok(())
    }

    fn directories(&mut self) -> Result<()> {
        let (p, nodes) = (self.plan, self.nodes);
        for (ti, &t) in p.trees.iter().enumerate() {
            for (di, &d) in p.orders[ti].iter().enumerate() {
                self.sink.expect_lba(nodes[d].dir_lba[t], "directory")?;
                let mut buf = Vec::with_capacity(nodes[d].dir_bytes[t] as usize);
                for r in &p.recs[ti][di] {
                    let e = encode_record(r, nodes, t, p.ce_base);
                    if buf.len() % SECTOR + e.len() > SECTOR {
                        buf.resize(buf.len().div_ceil(SECTOR) * SECTOR, 0);
                    }
                    buf.extend_from_slice(&e);
                }
                buf.resize(nodes[d].dir_bytes[t] as usize, 0);
                self.sink.write(&buf)?;
            }
        }
        Ok(())
    }

    /// Every file's data, each padded to a whole sector.
    fn file_data(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<()> {
        let mut prog = Progress {
            done: 0,
            total: self.plan.total_data,
            report: progress,
        };
        let mut chunk = vec![0u8; 1 << 20];
        for &k in &self.plan.files {
            let Kind::File { path, size } = &self.nodes[k].kind else {
                continue;
            };
            self.sink.expect_lba(self.nodes[k].data_lba, "file data")?;
            self.copy_file(path, *size, &mut chunk, &mut prog)?;
            self.sink.pad()?;
        }
        Ok(())
    }

    /// Copies `size` bytes of `path`, which must neither shrink nor grow meanwhile.
    fn copy_file(
        &mut self,
        path: &Path,
        size: u64,
        chunk: &mut [u8],
        prog: &mut Progress,
    ) -> Result<()> {
        let mut f = fs::File::open(path).map_err(io_err(path))?;
        let mut off = 0u64;
        while off < size {
            // Holes of a sparse input are zeros we need neither read nor scan.
            let data = next_data(&f, off).unwrap_or(off).min(size);
            if data > off {
                self.sink.zeros(data - off)?;
                prog.add(data - off);
                off = data;
                continue;
            }
            let hole = next_hole(&f, off).unwrap_or(size).min(size).max(off + 1);
            let n = (hole - off).min(chunk.len() as u64) as usize;
            f.seek(SeekFrom::Start(off)).map_err(io_err(path))?;
            let got = read_full(&mut f, &mut chunk[..n]).map_err(io_err(path))?;
            if got < n {
                return Err(IsoError::Create(format!(
                    "{}: file shrank while the image was written",
                    path.display()
                )));
            }
            self.sink.write(&chunk[..n])?;
            off += n as u64;
            prog.add(n as u64);
        }
        f.seek(SeekFrom::Start(size)).map_err(io_err(path))?;
        if f.read(&mut [0u8; 1]).map_err(io_err(path))? != 0 {
            return Err(IsoError::Create(format!(
                "{}: file grew while the image was written",
                path.display()
            )));
        }
        Ok(())
    }
}

/// File-data bytes written so far, reported after each step.
struct Progress<'a> {
    done: u64,
    total: u64,
    report: &'a mut dyn FnMut(u64, u64),
}

impl Progress<'_> {
    fn add(&mut self, n: u64) {
        self.done += n;
        (self.report)(self.done, self.total);
    }
}

/// lseek(2) SEEK_DATA / SEEK_HOLE; `None` where unsupported or past the last data.
fn next_data(f: &fs::File, off: u64) -> Option<u64> {
    nix::unistd::lseek(f, off as i64, nix::unistd::Whence::SeekData)
        .ok()
        .map(|x| x as u64)
        .or(Some(u64::MAX))
        .filter(|_| supports_seek_data(f))
}

fn next_hole(f: &fs::File, off: u64) -> Option<u64> {
    nix::unistd::lseek(f, off as i64, nix::unistd::Whence::SeekHole)
        .ok()
        .map(|x| x as u64)
}

/// ENXIO from SEEK_DATA means "no data after here"; EINVAL means "not supported".
fn supports_seek_data(f: &fs::File) -> bool {
    !matches!(
        nix::unistd::lseek(f, 0, nix::unistd::Whence::SeekHole),
        Err(nix::errno::Errno::EINVAL)
    )
}

fn read_full(f: &mut fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_ids_are_unique_d_characters() {
        let mk = |name: &str, dir: bool| Node {
            name: name.as_bytes().to_vec(),
            meta: Meta {
                mode: 0,
                uid: 0,
                gid: 0,
                mtime: 0,
                atime: 0,
                ctime: 0,
            },
            kind: if dir {
                Kind::Dir(vec![])
            } else {
                Kind::Symlink(vec![])
            },
            parent: 0,
            id: [vec![], vec![]],
            dir_lba: [0; 2],
            dir_bytes: [0; 2],
            data_lba: 0,
        };
        let mut nodes = vec![
            mk("", true),
            mk("read me.txt", false),
            mk("READ_ME.TXT", false),
            mk("a.b.c", true),
        ];
        nodes[0].kind = Kind::Dir(vec![1, 2, 3]);
        assign_iso_ids(&mut nodes, 0);
        assert_eq!(nodes[1].id[0], b"READ_ME.TXT;1");
        assert_eq!(nodes[2].id[0], b"READ_ME_1.TXT;1");
        assert_eq!(nodes[3].id[0], b"A_B_C");
    }

    #[test]
    fn symlink_components() {
        let e = sl(b"/usr/../lib");
        assert_eq!(e.len(), 1);
        assert_eq!(
            &e[0][5..],
            &[
                0x08, 0, 0, 3, b'u', b's', b'r', 0x04, 0, 0, 3, b'l', b'i', b'b'
            ]
        );
        let long = vec![b'x'; 600];
        let e = sl(&long);
        assert!(e.len() >= 3 && e.iter().all(|x| x.len() <= 255));
    }
}
