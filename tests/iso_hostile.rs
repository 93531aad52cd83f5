//! Hostile images: a fixed-seed mutation harness over small images made by genisoimage,
//! xorriso (with El Torito), mkudffs and discrw. Every mutant is inspected, listed in every
//! namespace, indexed by LBA, read and extracted; each must give Ok or a one-line error,
//! never a panic, never a slow run, never a write outside the extract target, and (the run
//! is under `prlimit --as`) never unbounded memory.
//!
//! Mutations know the layout (ECMA-119 §9.1 directory records, SUSP/RRIP entries, El Torito
//! catalog), found by a small independent scanner here: truncation, directory loops,
//! out-of-range extents, huge sizes, bad record and identifier lengths, "..", "/" and
//! absolute names (Rock Ridge NM, ISO and Joliet identifiers), symlinks out of the target
//! and name collisions with them, Rock Ridge CE loops and bad continuation areas, bad
//! SUSP lengths, multi-extent flags, PVD fields, catalog damage, and random byte havoc.
//!
//! Knobs: `DISCRW_HOSTILE_MUTANTS` (default 10000), `DISCRW_HOSTILE_SECS` (default 40),
//! `DISCRW_FUZZ_SEED` (mixed into the fixed seed), `DISCRW_HOSTILE_DUMP=DIR` (keep the first
//! 1000 mutants there, to try other readers on them).

mod common;

use common::*;
use discrw::iso::{self, ImageFile, IsoImage, Namespace};
use std::collections::HashSet;
use std::fs;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SECTOR: usize = 2048;

// ---------------------------------------------------------------------------------------
// An independent scanner of the seed's layout (ECMA-119 §8.4, §9.1; SUSP 1.12 §4, §5).

#[derive(Debug, Clone)]
struct Rec {
    /// Byte offset of the record in the image.
    off: usize,
    len: usize,
    id_len: usize,
    is_dir: bool,
    dot: bool,
    /// Byte offset of the directory sector that holds the record.
    dir_lba: u64,
    /// Byte offset of the system use area and its end.
    su: (usize, usize),
}

#[derive(Debug, Clone)]
struct Susp {
    off: usize,
    sig: [u8; 2],
    len: usize,
    /// The sector the entry is in.
    lba: u64,
}

#[derive(Debug, Default)]
struct Layout {
    recs: Vec<Rec>,
    susp: Vec<Susp>,
    /// Sectors holding metadata (descriptors, path tables, directories, CE areas).
    meta_end: u64,
    root_lba: u64,
    catalog_lba: Option<u64>,
    vds: Vec<usize>,
}

fn le32(b: &[u8], o: usize) -> u64 {
    b.get(o..o + 4)
        .map_or(0, |x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as u64)
}

fn put_both32(b: &mut [u8], o: usize, v: u32) {
    if o + 8 <= b.len() {
        b[o..o + 4].copy_from_slice(&v.to_le_bytes());
        b[o + 4..o + 8].copy_from_slice(&v.to_be_bytes());
    }
}

fn scan_susp(img: &[u8], start: usize, end: usize, lba: u64, out: &mut Vec<Susp>, depth: u32) {
    let mut p = start;
    while p + 4 <= end {
        let sig = [img[p], img[p + 1]];
        let len = img[p + 2] as usize;
        if len < 4 || p + len > end || !sig.iter().all(u8::is_ascii_uppercase) {
            break;
        }
        out.push(Susp {
            off: p,
            sig,
            len,
            lba,
        });
        if &sig == b"CE" && depth < 4 && len >= 28 {
            let (cl, co, cn) = (
                le32(img, p + 4) as usize,
                le32(img, p + 12) as usize,
                le32(img, p + 20) as usize,
            );
            let s = cl * SECTOR + co;
            if s + cn <= img.len() && co < SECTOR {
                scan_susp(img, s, s + cn, cl as u64, out, depth + 1);
            }
        }
        if &sig == b"ST" {
            break;
        }
        p += len;
    }
}

fn scan(img: &[u8]) -> Layout {
    let mut l = Layout::default();
    let mut roots = Vec::new();
    for lba in 16..40 {
        let o = lba * SECTOR;
        if o + SECTOR > img.len() || &img[o + 1..o + 6] != b"CD001" {
            break;
        }
        l.vds.push(o);
        match img[o] {
            0 => l.catalog_lba = Some(le32(img, o + 71)),
            1 | 2 => {
                let r = o + 156;
                roots.push((le32(img, r + 2), le32(img, r + 10)));
                if img[o] == 1 {
                    l.root_lba = le32(img, r + 2);
                }
            }
            255 => break,
            _ => {}
        }
        l.meta_end = l.meta_end.max(lba as u64 + 1);
    }
    let mut seen = HashSet::new();
    let mut queue: Vec<(u64, u64)> = roots;
    while let Some((lba, size)) = queue.pop() {
        if !seen.insert(lba) || size > 1 << 20 || lba == 0 {
            continue;
        }
        let start = lba as usize * SECTOR;
        let end = start + size as usize;
        if end > img.len() {
            continue;
        }
        l.meta_end = l.meta_end.max(end.div_ceil(SECTOR) as u64);
        let mut p = start;
        while p < end {
            let len = img[p] as usize;
            if len == 0 {
                p = (p / SECTOR + 1) * SECTOR;
                continue;
            }
            if len < 34 || p + len > end {
                break;
            }
            let id_len = img[p + 32] as usize;
            let flags = img[p + 25];
            let dot = id_len == 1 && (img[p + 33] == 0 || img[p + 33] == 1);
            let su_start = p + 33 + id_len + (1 - id_len % 2);
            let rec = Rec {
                off: p,
                len,
                id_len,
                is_dir: flags & 2 != 0,
                dot,
                dir_lba: lba,
                su: (su_start.min(p + len), p + len),
            };
            scan_susp(img, rec.su.0, rec.su.1, lba, &mut l.susp, 0);
            if rec.is_dir && !dot {
                queue.push((le32(img, p + 2), le32(img, p + 10)));
            }
            l.recs.push(rec);
            p += len;
        }
    }
    for s in &l.susp {
        l.meta_end = l.meta_end.max(s.lba + 1);
    }
    if l.recs.is_empty() {
        // No ISO 9660 tree (UDF): the descriptors lie in the first 300 sectors.
        l.meta_end = (img.len() / SECTOR).min(300) as u64;
    }
    l
}

// ---------------------------------------------------------------------------------------
// Mutations.

/// Names that must never become paths outside the target.
const EVIL_NAMES: [&[u8]; 9] = [
    b"..",
    b".",
    b"/",
    b"../x",
    b"/etc",
    b"a/b",
    b"../../victim/pwned",
    b"x\0y",
    b"",
];

/// Writes SUSP entry `new` (complete, with its header) over the entry at `e`, filling the
/// rest of the old entry with a PD padding entry (SUSP §5.2) when there is room.
fn replace_entry(img: &mut [u8], e: &Susp, new: &[u8]) -> bool {
    if new.len() > e.len || (e.len - new.len() > 0 && e.len - new.len() < 4) {
        return false;
    }
    img[e.off..e.off + new.len()].copy_from_slice(new);
    let gap = e.len - new.len();
    if gap >= 4 {
        let p = e.off + new.len();
        img[p..p + 4].copy_from_slice(&[b'P', b'D', gap as u8, 1]);
        img[p + 4..p + gap].fill(0);
    }
    true
}

fn nm(name: &[u8]) -> Vec<u8> {
    let mut v = vec![b'N', b'M', (5 + name.len()) as u8, 1, 0];
    v.extend_from_slice(name);
    v
}

/// An SL entry (RRIP §4.1.3) from components: (flags, content).
fn sl(comps: &[(u8, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (f, c) in comps {
        body.push(*f);
        body.push(c.len() as u8);
        body.extend_from_slice(c);
    }
    let mut v = vec![b'S', b'L', (5 + body.len()) as u8, 1, 0];
    v.extend(body);
    v
}

/// The mutations, each aimed at one structure the scanner found. `ALL` is in the order of
/// the numbers they had before they had names (0 to 16), which `draw` relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutation {
    Truncation,
    DirectoryLoop,
    ExtentPastTheEnd,
    HugeSize,
    BadRecordLength,
    EvilRockRidgeName,
    EvilIdentifier,
    SymlinkEscape,
    NameCollision,
    BadContinuation,
    BadSuspLength,
    MultiExtentFlag,
    VolumeDescriptorField,
    ElToritoCatalog,
    RockRidgeFields,
    DescriptorFieldExtremes,
    Havoc,
}

impl Mutation {
    const ALL: [Mutation; 17] = [
        Mutation::Truncation,
        Mutation::DirectoryLoop,
        Mutation::ExtentPastTheEnd,
        Mutation::HugeSize,
        Mutation::BadRecordLength,
        Mutation::EvilRockRidgeName,
        Mutation::EvilIdentifier,
        Mutation::SymlinkEscape,
        Mutation::NameCollision,
        Mutation::BadContinuation,
        Mutation::BadSuspLength,
        Mutation::MultiExtentFlag,
        Mutation::VolumeDescriptorField,
        Mutation::ElToritoCatalog,
        Mutation::RockRidgeFields,
        Mutation::DescriptorFieldExtremes,
        Mutation::Havoc,
    ];

    /// One mutation from the seeded PRNG: each of `ALL` by its place, and one place more for
    /// havoc (twice as likely as any other). That is the draw of 0..18 the numbered kinds
    /// made, 16 and 17 both havoc, so a seed gives the same mutants as before.
    fn draw(rng: &mut Rng) -> Mutation {
        let i = rng.below(Self::ALL.len() + 1);
        Self::ALL.get(i).copied().unwrap_or(Mutation::Havoc)
    }

    /// The name in the report and in failure messages.
    fn name(self) -> &'static str {
        match self {
            Mutation::Truncation => "truncation",
            Mutation::DirectoryLoop => "directory loop",
            Mutation::ExtentPastTheEnd => "extent past the end",
            Mutation::HugeSize => "huge size",
            Mutation::BadRecordLength => "bad record length",
            Mutation::EvilRockRidgeName => "evil Rock Ridge name",
            Mutation::EvilIdentifier => "evil identifier",
            Mutation::SymlinkEscape => "symlink escape",
            Mutation::NameCollision => "name collision",
            Mutation::BadContinuation => "CE loop or bad continuation",
            Mutation::BadSuspLength => "bad SUSP length",
            Mutation::MultiExtentFlag => "multi-extent flag",
            Mutation::VolumeDescriptorField => "volume descriptor field",
            Mutation::ElToritoCatalog => "El Torito catalog",
            Mutation::RockRidgeFields => "Rock Ridge fields",
            Mutation::DescriptorFieldExtremes => "descriptor field extremes",
            Mutation::Havoc => "havoc",
        }
    }

    /// Whether the mutation has something to work on in a seed of layout `l`.
    fn applies(self, l: &Layout) -> bool {
        let has = |sig: &[u8; 2]| l.susp.iter().any(|s| &s.sig == sig);
        match self {
            Mutation::DirectoryLoop
            | Mutation::ExtentPastTheEnd
            | Mutation::HugeSize
            | Mutation::BadRecordLength
            | Mutation::EvilIdentifier
            | Mutation::MultiExtentFlag => !l.recs.is_empty(),
            Mutation::EvilRockRidgeName | Mutation::NameCollision => has(b"NM"),
            Mutation::SymlinkEscape => has(b"SL"),
            Mutation::BadContinuation => has(b"CE"),
            Mutation::BadSuspLength | Mutation::RockRidgeFields => !l.susp.is_empty(),
            Mutation::VolumeDescriptorField => !l.vds.is_empty(),
            Mutation::ElToritoCatalog => l.catalog_lba.is_some(),
            Mutation::Truncation | Mutation::DescriptorFieldExtremes | Mutation::Havoc => true,
        }
    }
}

/// `seed` with mutation `kind` applied (unchanged when it found nothing to work on).
fn mutate(rng: &mut Rng, kind: Mutation, seed: &[u8], l: &Layout, victim: &Path) -> Vec<u8> {
    let mut m = seed.to_vec();
    let total = (m.len() / SECTOR) as u32;
    let recs: Vec<&Rec> = l.recs.iter().filter(|r| !r.dot).collect();
    let dirs: Vec<&Rec> = recs.iter().copied().filter(|r| r.is_dir).collect();
    let of = |sig: &[u8; 2]| -> Vec<&Susp> { l.susp.iter().filter(|s| &s.sig == sig).collect() };
    match kind {
        Mutation::Truncation => {
            // Truncation: inside the metadata or anywhere.
            let n = if rng.below(2) == 0 {
                rng.below(l.meta_end as usize * SECTOR + 1)
            } else {
                rng.below(m.len())
            };
            m.truncate(n);
        }
        Mutation::DirectoryLoop => {
            // Directory loop: a subdirectory pointing at the root, its parent or itself.
            if let Some(d) = rng.pick(&dirs) {
                let to = match rng.below(3) {
                    0 => l.root_lba,
                    1 => d.dir_lba,
                    _ => le32(&m, d.off + 2),
                };
                put_both32(&mut m, d.off + 2, to as u32);
                if rng.below(2) == 0 {
                    let size = le32(&m, d.off + 10) as u32;
                    put_both32(&mut m, d.off + 10, size.max(2048));
                }
            } else if let Some(c) = rng.pick(&of(b"CL")) {
                put_both32(&mut m, c.off + 4, l.root_lba as u32);
            }
        }
        Mutation::ExtentPastTheEnd => {
            // Out-of-range extent (sometimes only one half of the both-endian field).
            if let Some(r) = rng.pick(&recs) {
                let v = *rng
                    .pick(&[
                        total,
                        total + 1,
                        total.wrapping_sub(1),
                        u32::MAX,
                        u32::MAX - 1,
                    ])
                    .unwrap_or(&0);
                if rng.below(4) == 0 {
                    m[r.off + 2..r.off + 6].copy_from_slice(&v.to_le_bytes());
                } else {
                    put_both32(&mut m, r.off + 2, v);
                }
            }
        }
        Mutation::HugeSize => {
            // Huge sizes.
            if let Some(r) = rng.pick(&recs) {
                let v = *rng
                    .pick(&[
                        u32::MAX,
                        0x7FFF_FFFF,
                        total.saturating_mul(2048) + 1,
                        0xFFFF_F800,
                    ])
                    .unwrap_or(&0);
                put_both32(&mut m, r.off + 10, v);
            }
        }
        Mutation::BadRecordLength => {
            // Bad record length / identifier length.
            if let Some(r) = rng.pick(&l.recs) {
                if rng.below(2) == 0 {
                    m[r.off] = *rng.pick(&[1u8, 2, 33, 34, 35, 255, 0x80]).unwrap_or(&0);
                } else {
                    m[r.off + 32] = *rng
                        .pick(&[0u8, 255, r.len as u8, (r.len as u8).wrapping_sub(32)])
                        .unwrap_or(&0);
                }
            }
        }
        Mutation::EvilRockRidgeName => {
            // Rock Ridge NM: "..", "/", absolute and path-like names.
            let evil = EVIL_NAMES[rng.below(EVIL_NAMES.len())];
            if let Some(e) = rng.pick(&of(b"NM")) {
                replace_entry(&mut m, e, &nm(evil));
            }
        }
        Mutation::EvilIdentifier => {
            // ISO 9660 / Joliet identifiers: "..", "/", "a/b" (UCS-2 in a Joliet tree).
            if let Some(r) = rng.pick(&recs) {
                const IDS: [&[u8]; 7] = [
                    b"..",
                    b"/",
                    b"A/B;1",
                    b"..;1",
                    &[0, b'.', 0, b'.'],
                    &[0, b'/'],
                    &[0, b'.', 0, b'.', 0, b'/', 0, b'x'],
                ];
                let evil = IDS[rng.below(IDS.len())];
                if evil.len() <= r.id_len {
                    m[r.off + 32] = evil.len() as u8;
                    m[r.off + 33..r.off + 33 + evil.len()].copy_from_slice(evil);
                }
            }
        }
        Mutation::SymlinkEscape => {
            // Symlinks out of the target: relative, absolute, to the victim directory.
            let abs = victim.to_string_lossy().into_owned();
            let abs_comps: Vec<&[u8]> = abs
                .split('/')
                .filter(|c| !c.is_empty())
                .map(str::as_bytes)
                .collect();
            let mut comps: Vec<(u8, &[u8])> = Vec::new();
            match rng.below(3) {
                0 => comps.extend([(4u8, &b""[..]), (4, b""), (0, b"victim")]),
                1 => {
                    comps.push((8, b""));
                    comps.extend(abs_comps.iter().map(|c| (0u8, *c)));
                }
                _ => comps.extend([(8u8, &b""[..]), (0, b"etc")]),
            }
            let new = sl(&comps);
            if let Some(e) = rng.pick(&of(b"SL")) {
                replace_entry(&mut m, e, &new);
            }
        }
        Mutation::NameCollision => {
            // Name collisions: one entry takes a sibling's Rock Ridge name (a symlink named
            // like a directory that gets files, a file named like a directory, ...).
            let nms = of(b"NM");
            let a = rng.pick(&nms).copied();
            let same: Vec<&Susp> = nms
                .iter()
                .copied()
                .filter(|b| a.is_some_and(|a| a.len == b.len && a.off != b.off))
                .collect();
            if let (Some(a), Some(b)) = (a, rng.pick(&same)) {
                let src = m[b.off..b.off + b.len].to_vec();
                m[a.off..a.off + a.len].copy_from_slice(&src);
            }
        }
        Mutation::BadContinuation => {
            // CE loops and bad continuation areas.
            if let Some(c) = rng.pick(&of(b"CE")) {
                match rng.below(4) {
                    0 => {
                        // Points at itself.
                        put_both32(&mut m, c.off + 4, c.lba as u32);
                        put_both32(&mut m, c.off + 12, (c.off % SECTOR) as u32);
                        put_both32(&mut m, c.off + 20, c.len as u32);
                    }
                    1 => put_both32(&mut m, c.off + 20, u32::MAX),
                    2 => put_both32(&mut m, c.off + 12, 4096),
                    _ => put_both32(&mut m, c.off + 4, u32::MAX),
                }
            }
        }
        Mutation::BadSuspLength => {
            // Bad SUSP entry lengths.
            if let Some(e) = rng.pick(&l.susp) {
                m[e.off + 2] = *rng.pick(&[0u8, 1, 3, 4, 255]).unwrap_or(&0);
            }
        }
        Mutation::MultiExtentFlag => {
            // Multi-extent flags where they make no sense.
            for _ in 0..=rng.below(3) {
                if let Some(r) = rng.pick(&l.recs) {
                    m[r.off + 25] ^= 0x80;
                }
            }
        }
        Mutation::VolumeDescriptorField => {
            // Volume descriptor fields: root record, volume size, block size, path table.
            if let Some(&vd) = rng.pick(&l.vds) {
                match rng.below(5) {
                    0 => put_both32(
                        &mut m,
                        vd + 156 + 2,
                        *rng.pick(&[0, total, u32::MAX]).unwrap_or(&0),
                    ),
                    1 => put_both32(
                        &mut m,
                        vd + 156 + 10,
                        *rng.pick(&[0, u32::MAX, 1]).unwrap_or(&0),
                    ),
                    2 => put_both32(&mut m, vd + 80, *rng.pick(&[0, u32::MAX]).unwrap_or(&0)),
                    3 => {
                        let bs = *rng.pick(&[0u16, 512, 4096, 1]).unwrap_or(&0);
                        m[vd + 128..vd + 130].copy_from_slice(&bs.to_le_bytes());
                        m[vd + 130..vd + 132].copy_from_slice(&bs.to_be_bytes());
                    }
                    _ => put_both32(&mut m, vd + 132, u32::MAX),
                }
            }
        }
        Mutation::ElToritoCatalog => {
            // El Torito: catalog pointer and catalog bytes.
            if let Some(c) = l.catalog_lba {
                let vd = l
                    .vds
                    .iter()
                    .copied()
                    .find(|&o| seed[o] == 0)
                    .unwrap_or(17 * SECTOR);
                let o = c as usize * SECTOR;
                match rng.below(3) {
                    0 => m[vd + 71..vd + 75].copy_from_slice(
                        &rng.pick(&[total, u32::MAX, 0]).unwrap_or(&0).to_le_bytes(),
                    ),
                    1 if o + SECTOR <= m.len() => {
                        // A section header claiming many entries, entries continued forever.
                        m[o + 64] = 0x90;
                        m[o + 66] = 0xFF;
                        m[o + 67] = 0xFF;
                        for e in (96..SECTOR).step_by(32) {
                            m[o + e] = 0x88;
                            m[o + e + 1] = 0x20;
                        }
                    }
                    _ if o + SECTOR <= m.len() => {
                        for _ in 0..8 {
                            let i = rng.below(128);
                            m[o + i] = rng.next() as u8;
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::RockRidgeFields => {
            // Rock Ridge CL/PL/RE and PX/TF fields with random values.
            let all: Vec<&Susp> = l
                .susp
                .iter()
                .filter(|s| [b"CL", b"PL", b"RE", b"PX", b"TF", b"SL", b"NM"].contains(&&s.sig))
                .collect();
            if let Some(e) = rng.pick(&all) {
                for _ in 0..=rng.below(4) {
                    let i = 4 + rng.below(e.len.saturating_sub(4).max(1));
                    if e.off + i < m.len() {
                        m[e.off + i] = rng.next() as u8;
                    }
                }
            }
        }
        Mutation::DescriptorFieldExtremes => {
            // 32-bit fields set to extremes in a descriptor sector (UDF AVDP at 256 and its
            // volume descriptor sequence, ISO descriptors): locations and lengths.
            let lbas: Vec<usize> = (16..40)
                .chain([256])
                .filter(|&x| (x + 1) * SECTOR <= m.len())
                .collect();
            if let Some(&lba) = rng.pick(&lbas) {
                for _ in 0..1 + rng.below(4) {
                    let at = lba * SECTOR + 4 * rng.below(SECTOR / 4);
                    let v = *rng
                        .pick(&[u32::MAX, 0x8000_0000, total, total + 1, 0])
                        .unwrap_or(&0);
                    m[at..at + 4].copy_from_slice(&v.to_le_bytes());
                }
            }
        }
        Mutation::Havoc => {
            // Havoc over the metadata sectors.
            let end = (l.meta_end as usize * SECTOR).min(m.len()).max(17 * SECTOR);
            for _ in 0..1 + rng.below(32) {
                let i = 16 * SECTOR + rng.below(end - 16 * SECTOR);
                if i < m.len() {
                    m[i] = match rng.below(3) {
                        0 => 0,
                        1 => 0xFF,
                        _ => rng.next() as u8,
                    };
                }
            }
        }
    }
    m
}

// ---------------------------------------------------------------------------------------
// What every mutant goes through.

fn one_line(e: &dyn std::fmt::Display) -> Result<String, String> {
    let s = e.to_string();
    if s.is_empty() || s.contains('\n') {
        Err(format!("error is not one line: {s:?}"))
    } else {
        Ok(s)
    }
}

/// Inspect, list in every namespace, index, read every file, extract. Returns the first
/// error (one line) or Ok; an Err of the outer result is a broken invariant.
fn exercise(img: &[u8], out: &Path) -> Result<Result<(), String>, String> {
    let src = || ImageFile::new(Cursor::new(img.to_vec())).map_err(|e| e.to_string());
    let mut first_err: Option<String> = None;
    let mut note = |e: &dyn std::fmt::Display| -> Result<(), String> {
        let s = one_line(e)?;
        first_err.get_or_insert(s);
        Ok(())
    };
    let mut s = src()?;
    if let Err(e) = iso::inspect(&mut s) {
        note(&e)?;
    }
    for ns in [None, Some(Namespace::Joliet), Some(Namespace::Iso9660)] {
        let mut image = match IsoImage::open_with(src()?, ns) {
            Ok(i) => i,
            // An image without that tree: nothing to check there.
            Err(iso::IsoError::NotFound(_)) if ns.is_some() => continue,
            Err(e) => {
                note(&e)?;
                continue;
            }
        };
        let root = image.root().clone();
        let mut entries = Vec::new();
        if let Err(e) = image.walk("/", &root, &mut |_, e| {
            entries.push(e.clone());
            Ok(())
        }) {
            note(&e)?;
        }
        if let Err(e) = image.lba_index() {
            note(&e)?;
        }
        for e in entries.iter().filter(|e| !e.is_dir()).take(64) {
            let mut n = 0u64;
            if let Err(err) = image.read_file(e, &mut |b| {
                n += b.len() as u64;
                Ok(())
            }) {
                note(&err)?;
            } else if n != e.extents.iter().map(|x| x.bytes).sum::<u64>() {
                return Err(format!("read {n} bytes of a {} byte file", e.size));
            }
        }
        if ns.is_none()
            && let Err(e) = iso::extract(&mut image, &[], out)
        {
            note(&e)?;
        }
    }
    Ok(match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    })
}

/// Everything below `dir` (symlinks not followed), as relative paths.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            if fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
                stack.push(p);
            }
        }
    }
    out
}

/// Makes every directory below `dir` writable again (mutated modes) and removes it.
fn scrub(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for p in tree(dir) {
        let p = dir.join(p);
        if fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
            let _ = fs::set_permissions(&p, fs::Permissions::from_mode(0o755));
        }
    }
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
    let _ = fs::remove_dir_all(dir);
}

fn seeds(tmp: &Path) -> Vec<(String, Vec<u8>)> {
    let src = tmp.join("seed-src");
    let w = |rel: &str, data: &[u8]| {
        let p = src.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, data).unwrap();
    };
    w("hello.txt", b"hello\n");
    w("empty", b"");
    w("three-sectors.bin", &pseudo_random(5000, 1));
    w("dirA/inner.txt", b"inner\n");
    w("dirB/other.txt", b"other\n");
    // Deeper than 8: genisoimage relocates it (RRIP CL/PL/RE).
    w("d1/d2/d3/d4/d5/d6/d7/d8/d9/leaf", b"leaf\n");
    // Long enough for a CE continuation area.
    w(&format!("{}.txt", "L".repeat(240)), b"long\n");
    w("boot.img", &pseudo_random(2048, 2));
    std::os::unix::fs::symlink("hello.txt", src.join("linkA")).unwrap();
    std::os::unix::fs::symlink("../x/y/z/w/v/u/t/s", src.join("linkB")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", src.join("linkC")).unwrap();
    // Room for any escape target the mutations write over it.
    let long: Vec<String> = (0..12).map(|i| format!("component{i}")).collect();
    std::os::unix::fs::symlink(format!("/{}", long.join("/")), src.join("linkD")).unwrap();
    let mut out = Vec::new();
    let mut make = |label: &str, tool: &str, pre: &[&str], args: &[&str]| {
        let img = tmp.join(format!("seed-{}.iso", out.len()));
        run_ok(
            Command::new(need(tool))
                .args(pre)
                .args(args)
                .args(["-o", p(&img)])
                .arg(&src),
        );
        out.push((label.to_string(), fs::read(&img).unwrap()));
    };
    make(
        "genisoimage -R -J El Torito",
        "genisoimage",
        &[],
        &["-quiet", "-R", "-J", "-b", "boot.img", "-no-emul-boot"],
    );
    make("genisoimage -J", "genisoimage", &[], &["-quiet", "-J"]);
    make("genisoimage plain", "genisoimage", &[], &["-quiet"]);
    make(
        "xorriso El Torito",
        "xorriso",
        &["-as", "mkisofs"],
        &["-quiet", "-R", "-J", "-b", "boot.img", "-no-emul-boot"],
    );
    let ours = tmp.join("seed-discrw.iso");
    ok(&["iso", "create", p(&src), "-o", p(&ours)]);
    out.push(("discrw".into(), fs::read(&ours).unwrap()));
    let udf = tmp.join("seed-udf.img");
    fs::File::create(&udf).unwrap().set_len(2 << 20).unwrap();
    run_ok(Command::new(need("mkudffs")).args(["--media-type=hd", "--blocksize=2048", p(&udf)]));
    out.push(("mkudffs".into(), fs::read(&udf).unwrap()));
    out
}

/// The harness itself; run by `hostile_images_...` under prlimit (ignored on its own so that
/// a plain `cargo test` never runs it without the memory limit).
#[test]
#[ignore = "run under prlimit by hostile_images_give_ok_or_one_line_errors"]
fn hostile_inner() {
    let mutants = env_u64("DISCRW_HOSTILE_MUTANTS", 10_000);
    let cap = Duration::from_secs(env_u64("DISCRW_HOSTILE_SECS", 40));
    let base = if Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm").unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let sandbox = base.path().join("sandbox");
    let victim = sandbox.join("victim");
    fs::create_dir_all(&victim).unwrap();
    let seeds = seeds(base.path());
    let layouts: Vec<Layout> = seeds.iter().map(|(_, b)| scan(b)).collect();
    for ((label, img), l) in seeds.iter().zip(&layouts) {
        // Each seed itself reads cleanly (the UDF one has no ISO 9660 tree to walk).
        let out = sandbox.join("out");
        let r = exercise(img, &out).unwrap();
        if label != "mkudffs" {
            r.unwrap_or_else(|e| panic!("seed {label}: {e}"));
        }
        scrub(&out);
        eprintln!(
            "seed {label}: {} sectors, {} records, {} SUSP entries, catalog {:?}",
            img.len() / SECTOR,
            l.recs.len(),
            l.susp.len(),
            l.catalog_lba
        );
    }
    let mut rng = Rng::new(0x150_1509_6D15_C0DE ^ env_u64("DISCRW_FUZZ_SEED", 0));
    let start = Instant::now();
    let (mut tried, mut ok, mut errs, mut panics) = (0u64, 0u64, 0u64, 0u64);
    let mut slowest = (Duration::ZERO, "");
    // Per kind: mutants tried, and how many of them changed the seed.
    let mut kinds: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    let mut messages: std::collections::BTreeMap<String, u64> = Default::default();
    let mut failures: Vec<String> = Vec::new();
    let bin_every = 97;
    // DISCRW_HOSTILE_DUMP=DIR keeps the first 1000 mutants (to try other readers on them).
    let dump = std::env::var_os("DISCRW_HOSTILE_DUMP");
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while tried < mutants && start.elapsed() < cap {
        let mutation = Mutation::draw(&mut rng);
        let fit: Vec<usize> = (0..seeds.len())
            .filter(|&i| mutation.applies(&layouts[i]))
            .collect();
        let i = rng.pick(&fit).copied().unwrap_or(0);
        let (label, seed) = &seeds[i];
        let img = mutate(&mut rng, mutation, seed, &layouts[i], &victim);
        let kind = mutation.name();
        tried += 1;
        let k = kinds.entry(kind).or_default();
        k.0 += 1;
        if img != *seed {
            k.1 += 1;
        }
        if let Some(d) = &dump
            && tried <= 1000
        {
            let _ = fs::write(Path::new(d).join(format!("{tried:05}-{i}.iso")), &img);
        }
        let out = sandbox.join("out");
        let t = Instant::now();
        let r = catch_unwind(AssertUnwindSafe(|| exercise(&img, &out)));
        let dt = t.elapsed();
        if dt > slowest.0 {
            slowest = (dt, kind);
        }
        let mut fail = |why: String| {
            let keep = base.path().join(format!("failing-{tried}.iso"));
            let kept = std::env::temp_dir().join(format!("discrw-hostile-{tried}.iso"));
            let _ = fs::write(&keep, &img);
            let _ = fs::copy(&keep, &kept);
            failures.push(format!(
                "mutant {tried} ({kind} of {label}): {why}; image kept as {}",
                kept.display()
            ));
        };
        match r {
            Err(p) => {
                panics += 1;
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                fail(format!("PANIC {msg}"));
            }
            Ok(Err(broken)) => fail(broken),
            Ok(Ok(Ok(()))) => ok += 1,
            Ok(Ok(Err(e))) => {
                errs += 1;
                // Group messages by their words (numbers vary).
                let shape: String = e
                    .split(|c: char| c.is_ascii_digit())
                    .collect::<Vec<_>>()
                    .join("#");
                *messages
                    .entry(shape.chars().take(70).collect())
                    .or_default() += 1;
            }
        }
        if dt > Duration::from_secs(5) {
            fail(format!("took {dt:?}"));
        }
        // Nothing outside the extract target: the sandbox holds only out/ and an empty
        // victim/.
        let outside: Vec<PathBuf> = tree(&sandbox)
            .into_iter()
            .filter(|p| !p.starts_with("out") && p != Path::new("victim"))
            .collect();
        if !outside.is_empty() {
            fail(format!("wrote outside the target: {outside:?}"));
        }
        // Now and then the real binary: exit code and one line on stderr.
        if tried % bin_every == 0 {
            let f = base.path().join("mutant.iso");
            fs::write(&f, &img).unwrap();
            let bout = sandbox.join("out-bin");
            for args in [
                vec!["iso", "info", p(&f)],
                vec!["iso", "ls", "-R", "-l", p(&f)],
                vec!["iso", "extract", p(&f), "-o", p(&bout)],
            ] {
                let o = run(bin().args(&args));
                let code = o.status.code();
                let err = String::from_utf8_lossy(&o.stderr);
                let lines = err.lines().count();
                if !matches!(code, Some(0) | Some(1) | Some(2) | Some(4))
                    || (code != Some(0) && (lines != 1 || !err.starts_with("discrw: ")))
                {
                    fail(format!("discrw {args:?}: exit {code:?}, stderr {err:?}"));
                }
            }
            scrub(&bout);
        }
        scrub(&out);
        if failures.len() >= 5 {
            break;
        }
    }
    std::panic::set_hook(hook);
    let peak = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        })
        .unwrap_or_default();
    println!(
        "HOSTILE: {tried} mutants in {:.1}s: {ok} ok, {errs} one-line errors, {panics} panics, \
         {} broken invariants; slowest {:?} ({}); peak RSS {peak} kB",
        start.elapsed().as_secs_f64(),
        failures.len() as u64 - panics.min(failures.len() as u64),
        slowest.0,
        slowest.1
    );
    for (k, (n, changed)) in &kinds {
        println!("HOSTILE kind {k:<28} {n:>5} tried, {changed:>5} changed the seed");
    }
    let unsafe_names: u64 = messages
        .iter()
        .filter(|(m, _)| m.contains("unsafe name"))
        .map(|(_, n)| n)
        .sum();
    println!("HOSTILE refused unsafe names: {unsafe_names}");
    let mut common: Vec<(&String, &u64)> = messages.iter().collect();
    common.sort_by_key(|(_, n)| std::cmp::Reverse(**n));
    for (m, n) in common.iter().take(12) {
        println!("HOSTILE error {n:>5}  {m}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(tried >= 100, "only {tried} mutants ran");
}

/// Runs `hostile_inner` in a child process limited to 3 GiB of address space (so an
/// unbounded allocation aborts instead of passing) and reports its counts.
#[test]
fn hostile_images_give_ok_or_one_line_errors() {
    let prlimit = need("prlimit");
    need("genisoimage");
    need("xorriso");
    need("mkudffs");
    let exe = std::env::current_exe().unwrap();
    let out = run(Command::new(prlimit)
        .arg(format!("--as={}", 3u64 << 30))
        .arg("--")
        .arg(&exe)
        .args([
            "--exact",
            "hostile_inner",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for l in stdout.lines().filter(|l| l.starts_with("HOSTILE")) {
        println!("{l}");
    }
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "hostile_inner failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

// ---------------------------------------------------------------------------------------
// Byte-level fuzz targets for the two parsers that read variable-length lists (common::fuzz:
// deterministic stage + havoc, fixed seed, DISCRW_FUZZ_ITERS / DISCRW_FUZZ_SECS).

use common::fuzz::{Seed, fuzz};

/// El Torito 1.0 catalog written entry by entry (figures 2-6): validation entry (header 01,
/// platform 00, ID "FUZZ", checksum, key 55 AA), default entry (88, no emulation, 4 sectors
/// at RBA 0x22), final section header (91, platform EF, 1 entry, ID "UEFI"), section entry
/// (88, media 0x20 = no emulation + extension follows, 0x0B40 sectors at RBA 0x24), and an
/// extension entry (44).
fn catalog_seed() -> Vec<u8> {
    let mut c = vec![0u8; 160];
    c[0] = 0x01;
    c[4..8].copy_from_slice(b"FUZZ");
    // 0x0001 + "FU" 0x5546 + "ZZ" 0x5A5A + 0xAA55 + checksum = 0 (mod 2^16).
    let sum = (0x0001u32 + 0x5546 + 0x5A5A + 0xAA55) & 0xFFFF;
    c[28..30].copy_from_slice(&((0x1_0000 - sum) as u16).to_le_bytes());
    c[30] = 0x55;
    c[31] = 0xAA;
    c[32] = 0x88;
    c[38] = 4;
    c[40] = 0x22;
    c[64] = 0x91;
    c[65] = 0xEF;
    c[66] = 1;
    c[68..72].copy_from_slice(b"UEFI");
    c[96] = 0x88;
    c[97] = 0x20;
    c[102..104].copy_from_slice(&[0x40, 0x0B]);
    c[104] = 0x24;
    c[128] = 0x44;
    c
}

#[test]
fn fuzz_el_torito_catalog() {
    let seeds = vec![
        Seed::new(
            "validation, default, EFI section + extension",
            &catalog_seed(),
        )
        .len_at(66, 1)
        .len_at(67, 1),
    ];
    let dict: &[&[u8]] = &[b"\x90", b"\x91\xef", b"\x88\x20", b"\x44\x20", b"\x55\xaa"];
    let rep = fuzz("el_torito_catalog", &seeds, dict, |d| {
        // The first 2048 bytes are the catalog's sector, later ones the next sectors.
        let first = d.len().min(2048);
        let mut data = d[..first].to_vec();
        let mut next = first;
        let mut more = |v: &mut Vec<u8>| -> discrw::iso::Result<()> {
            if next >= d.len() {
                return Err(iso::IsoError::Truncated {
                    lba: 0,
                    end: 1,
                    total: 0,
                });
            }
            let end = (next + 2048).min(d.len());
            v.extend_from_slice(&d[next..end]);
            next = end;
            Ok(())
        };
        match iso::eltorito::parse_catalog(33, &mut data, &mut more) {
            Ok(cat) => assert!(!cat.entries.is_empty()),
            Err(e) => assert!(!e.to_string().contains('\n')),
        }
    });
    assert!(rep.executions > 0);
}

/// SUSP/RRIP entries written field by field (IEEE P1281 SUSP 1.12 §5, P1282 RRIP 1.12 §4):
/// PX (mode 0100644, 1 link, uid/gid 0; 1.10 length 36), NM "hello", SL "hello" (one
/// component), TF (modify time, 7-byte form), and a CE pointing at sector 20 offset 0.
fn susp_seeds() -> Vec<Seed> {
    let both = |v: u32| -> Vec<u8> { [v.to_le_bytes(), v.to_be_bytes()].concat() };
    let mut px = vec![b'P', b'X', 36, 1];
    for v in [0o100644, 1, 0, 0] {
        px.extend(both(v));
    }
    let nm = [b"NM\x0a\x01\x00".as_slice(), b"hello"].concat();
    let sl = [b"SL\x0c\x01\x00\x00\x05".as_slice(), b"hello"].concat();
    let tf = b"TF\x0c\x01\x02\x7c\x0b\x19\x0a\x00\x00\x00".to_vec();
    let mut ce = vec![b'C', b'E', 28, 1];
    ce.extend(both(20));
    ce.extend(both(0));
    ce.extend(both(40));
    let rr = [px.clone(), nm.clone(), sl, tf].concat();
    vec![
        Seed::new("PX NM SL TF", &rr).len_at(2, 1).len_at(38, 1),
        Seed::new(
            "NM then CE (to sector 20, where this input also lies)",
            &[nm, ce].concat(),
        )
        .len_at(2, 1)
        .len_at(12, 1),
    ]
}

#[test]
fn fuzz_susp_entries() {
    let dict: &[&[u8]] = &[
        b"CE\x1c\x01",
        b"ST\x04\x01",
        b"NM",
        b"SL",
        b"PX",
        b"RE\x04\x01",
        b"CL",
    ];
    let rep = fuzz("susp_entries", &susp_seeds(), dict, |d| {
        // A 64-sector image holding the input at sector 20, so a CE can lead back into it.
        let mut img = vec![0u8; 64 * 2048];
        let n = d.len().min(2048);
        img[20 * 2048..20 * 2048 + n].copy_from_slice(&d[..n]);
        let mut src = ImageFile::new(Cursor::new(img)).unwrap();
        match iso::susp::parse(&mut src, d, 20) {
            Ok(rr) => {
                if let Some(t) = rr.symlink {
                    assert!(t.len() <= 64 * 1024 * 17, "{}", t.len());
                }
            }
            Err(e) => assert!(!e.to_string().contains('\n')),
        }
    });
    assert!(rep.executions > 0);
}
