//! The iso tests' helpers: source trees, snapshots of them, listings by discrw and by peer
//! tools, and comparisons of sparse files and streams range by range.

use super::{need, ok, p, pseudo_random, run_ok, sha256_file};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;
use std::process::Command;

/// What a path is: ("f", size, sha256) / ("d", 0, "") / ("l", 0, target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: char,
    pub size: u64,
    pub detail: String,
}

/// Every path below `root` ("/a/b") → Item; symlinks not followed.
pub fn snapshot(root: &Path) -> BTreeMap<String, Item> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let p = e.path();
            let r = format!("{rel}/{name}");
            let md = fs::symlink_metadata(&p).unwrap();
            let item = if md.is_dir() {
                stack.push((p.clone(), r.clone()));
                Item {
                    kind: 'd',
                    size: 0,
                    detail: String::new(),
                }
            } else if md.file_type().is_symlink() {
                let t = fs::read_link(&p).unwrap().to_string_lossy().into_owned();
                Item {
                    kind: 'l',
                    size: 0,
                    detail: t,
                }
            } else {
                Item {
                    kind: 'f',
                    size: md.len(),
                    detail: sha256_file(&p),
                }
            };
            out.insert(r, item);
        }
    }
    out
}

/// mtimes of regular files and directories below `root`.
pub fn mtimes(root: &Path) -> BTreeMap<String, (i64, u32)> {
    let mut out = BTreeMap::new();
    for (p, it) in snapshot(root) {
        if it.kind != 'l' {
            let md = fs::symlink_metadata(root.join(p.trim_start_matches('/'))).unwrap();
            out.insert(p, (md.mtime(), md.mode() & 0o777));
        }
    }
    out
}

pub const DEEP: usize = 12;

/// A tree for the round trips. `wild` adds what only Rock Ridge can carry: symlinks, names
/// beyond 64 UTF-16 units (up to 255 bytes), non-BMP characters, directories deeper than 8.
pub fn build_tree(root: &Path, wild: bool) {
    let w = |rel: &str, data: &[u8]| {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, data).unwrap();
    };
    w("hello.txt", b"hello\n");
    w("empty", b"");
    w("sub/empty2", b"");
    w("sizes/s1", b"x");
    w("sizes/s2048", &pseudo_random(2048, 1));
    w("sizes/s2049", &pseudo_random(2049, 2));
    w("sizes/s100k", &pseudo_random(100_000, 3));
    w("sub/Ünïcödé ñame.txt", b"unicode\n");
    w("sub/日本語のファイル名.txt", b"nihongo\n");
    w("a b.txt", b"1");
    w("a_b.txt", b"2");
    w("A B.TXT", b"3");
    w("a.b.c.d.txt", b"4");
    w(".hidden", b"5");
    w("noext", b"6");
    for i in 0..300 {
        w(
            &format!("many/file number {i:03}.dat"),
            format!("{i}").as_bytes(),
        );
    }
    let deep = if wild { DEEP } else { 6 };
    let d: Vec<String> = (0..deep).map(|i| format!("d{i:02}")).collect();
    w(&format!("{}/leaf.txt", d.join("/")), b"deep leaf\n");
    if wild {
        w("sub/emoji 😀 file.txt", b"emoji\n");
        w(&format!("{}.txt", "L".repeat(200)), b"long\n");
        w(&format!("{}.dat", "n".repeat(251)), b"max name\n");
        symlink("hello.txt", root.join("link_rel")).unwrap();
        symlink("/etc/passwd", root.join("link_abs")).unwrap();
        symlink("../hello.txt", root.join("sub/link_up")).unwrap();
        symlink("sub", root.join("link_dir")).unwrap();
        let long: Vec<String> = (0..30).map(|i| format!("component{i:02}")).collect();
        symlink(format!("../{}", long.join("/")), root.join("link_long")).unwrap();
    }
    // Fixed mtimes so preservation is visible.
    set_mtimes(root, 1_000_000_000);
}

pub fn set_mtimes(root: &Path, t: i64) {
    let ts = nix::sys::time::TimeSpec::new(t, 0);
    let mut all: Vec<String> = snapshot(root).keys().cloned().collect();
    all.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in all
        .iter()
        .map(|p| root.join(p.trim_start_matches('/')))
        .chain([root.to_path_buf()])
    {
        nix::sys::stat::utimensat(
            nix::fcntl::AT_FDCWD,
            &p,
            &ts,
            &ts,
            nix::sys::stat::UtimensatFlags::NoFollowSymlink,
        )
        .unwrap();
    }
}

/// `discrw iso ls -R --json`: path → Item (content hash left empty).
pub fn discrw_listing(image: &Path) -> BTreeMap<String, Item> {
    let out = ok(&["iso", "ls", p(image), "/", "-R", "--json"]);
    let mut m = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = v["path"].as_str().unwrap().to_string();
        let kind = match v["type"].as_str().unwrap() {
            "directory" => 'd',
            "symlink" => 'l',
            _ => 'f',
        };
        let detail = v["target"].as_str().unwrap_or("").to_string();
        let size = if kind == 'f' {
            v["size"].as_u64().unwrap()
        } else {
            0
        };
        m.insert(path, Item { kind, size, detail });
    }
    m
}

/// The snapshot without content hashes (for listings).
pub fn shape(s: &BTreeMap<String, Item>) -> BTreeMap<String, Item> {
    s.iter()
        .map(|(k, v)| {
            let mut v = v.clone();
            if v.kind == 'f' {
                v.detail.clear();
            }
            (k.clone(), v)
        })
        .collect()
}

/// Number of UTF-16 units of the longest component.
pub fn longest_component(p: &str) -> usize {
    p.split('/')
        .map(|c| c.encode_utf16().count())
        .max()
        .unwrap_or(0)
}

/// xorriso's `-find / -exec lsdl`: path → Item (no content).
pub fn xorriso_listing(image: &Path) -> BTreeMap<String, Item> {
    xorriso_listing_of(image, "any")
}

/// The same with a chosen tree: `read_fs` is "any" (Rock Ridge, else Joliet), "norock"
/// (Joliet) or "ecma119" (plain names, ";1" stripped).
pub fn xorriso_listing_of(image: &Path, read_fs: &str) -> BTreeMap<String, Item> {
    // A UTF-8 locale: xorriso converts names to the locale's charset on output.
    let out = run_ok(
        Command::new(need("xorriso"))
            .env("LC_ALL", "C.UTF-8")
            .args([
                "-read_fs",
                read_fs,
                "-indev",
                image.to_str().unwrap(),
                "-find",
                "/",
                "-exec",
                "lsdl",
            ]),
    );
    let mut m = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "-rw-r--r--    1 0        0               6 Nov 25 06:44 '/a.txt' -> 'target'"
        let Some(q) = line.find('\'') else { continue };
        let fields: Vec<&str> = line[..q].split_whitespace().collect();
        let rest = &line[q..];
        let (path, target) = match rest.find("' -> '") {
            Some(i) => (&rest[1..i], Some(rest[i + 6..].trim_end_matches('\''))),
            None => (rest.trim_matches('\''), None),
        };
        if path == "/" {
            continue;
        }
        let kind = match fields[0].chars().next() {
            Some('d') => 'd',
            Some('l') => 'l',
            _ => 'f',
        };
        let size = if kind == 'f' {
            fields[4].parse().unwrap()
        } else {
            0
        };
        m.insert(
            path.to_string(),
            Item {
                kind,
                size,
                detail: target.unwrap_or("").to_string(),
            },
        );
    }
    m
}

/// Data ranges of `f` within `[start, end)` from lseek(2) SEEK_DATA/SEEK_HOLE (whole range
/// where the filesystem cannot tell), offsets relative to `start`.
pub fn data_ranges(f: &fs::File, start: u64, end: u64) -> Vec<(u64, u64)> {
    use nix::unistd::{Whence, lseek};
    let mut out = Vec::new();
    let mut off = start;
    while off < end {
        let d = match lseek(f, off as i64, Whence::SeekData) {
            Ok(d) => d as u64,
            Err(nix::errno::Errno::ENXIO) => break,
            Err(_) => return vec![(0, end - start)],
        };
        if d >= end {
            break;
        }
        let h = lseek(f, d as i64, Whence::SeekHole).map_or(end, |h| h as u64);
        out.push((d - start, h.min(end) - start));
        off = h;
    }
    out
}

/// Whether `len` bytes at `a_off` in `a` equal those at `b_off` in `b`, reading only where
/// either file has data (elsewhere both are holes, i.e. zeros). Panics with the first
/// differing offset.
pub fn assert_ranges_equal(a: &Path, a_off: u64, b: &Path, b_off: u64, len: u64, what: &str) {
    use std::os::unix::fs::FileExt;
    let fa = fs::File::open(a).unwrap_or_else(|e| panic!("{}: {e}", a.display()));
    let fb = fs::File::open(b).unwrap_or_else(|e| panic!("{}: {e}", b.display()));
    let mut spans = data_ranges(&fa, a_off, a_off + len);
    spans.extend(data_ranges(&fb, b_off, b_off + len));
    spans.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut ba = vec![0u8; 1 << 20];
    let mut bb = vec![0u8; 1 << 20];
    for (s, e) in merged {
        let mut off = s;
        while off < e {
            let n = ((e - off) as usize).min(ba.len());
            fa.read_exact_at(&mut ba[..n], a_off + off).unwrap();
            fb.read_exact_at(&mut bb[..n], b_off + off).unwrap();
            if ba[..n] != bb[..n] {
                let i = ba[..n]
                    .iter()
                    .zip(&bb[..n])
                    .position(|(x, y)| x != y)
                    .unwrap();
                panic!("{what}: differs at byte {}", off + i as u64);
            }
            off += n as u64;
        }
    }
}

/// Asserts that a stream (a peer tool's stdout) holds exactly the `len` bytes at `off` in
/// `file`; where `file` has holes the stream is checked for zeros without reading `file`.
pub fn assert_stream_equals_range(
    mut r: impl std::io::Read,
    file: &Path,
    off: u64,
    len: u64,
    what: &str,
) {
    use std::os::unix::fs::FileExt;
    let f = fs::File::open(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let data = data_ranges(&f, off, off + len);
    let mut buf = vec![0u8; 1 << 20];
    let mut want = vec![0u8; 1 << 20];
    let mut pos = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("{what}: {e}"),
        };
        let end = pos + n as u64;
        assert!(end <= len, "{what}: more than the expected {len} bytes");
        if data.iter().any(|&(s, e)| s < end && e > pos) {
            f.read_exact_at(&mut want[..n], off + pos).unwrap();
            if buf[..n] != want[..n] {
                let i = buf[..n]
                    .iter()
                    .zip(&want[..n])
                    .position(|(x, y)| x != y)
                    .unwrap();
                panic!("{what}: differs at byte {}", pos + i as u64);
            }
        } else if let Some(i) = buf[..n].iter().position(|&x| x != 0) {
            panic!("{what}: byte {} should be zero (a hole)", pos + i as u64);
        }
        pos = end;
    }
    assert_eq!(pos, len, "{what}: stream length");
}

/// Copies a stream to a new file, seeking over all-zero 64 KiB blocks (a sparse copy).
pub fn write_sparse(r: &mut impl std::io::Read, path: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = fs::File::create(path).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let mut n = 0;
        while n < buf.len() {
            match r.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
        if n == 0 {
            break;
        }
        if buf[..n].iter().all(|&b| b == 0) {
            f.seek(SeekFrom::Current(n as i64)).unwrap();
        } else {
            f.write_all(&buf[..n]).unwrap();
        }
        len += n as u64;
    }
    f.set_len(len).unwrap();
}

/// `isoinfo -l` rows for one name: (LBA, bytes) of each directory record, in order (isoinfo
/// shows each part of a multi-extent file as its own record).
pub fn isoinfo_records(image: &Path, extra: &[&str], name: &str) -> Vec<(u64, u64)> {
    let out = run_ok(
        Command::new(need("isoinfo"))
            .args(extra)
            .args(["-l", "-i", p(image)]),
    );
    let mut v = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "-rw-r--r--   1    0    0      4294965248 Nov 25 2026 [     26 80]  big.bin "
        let Some(b) = line.find('[') else { continue };
        let after: Vec<&str> = line[b + 1..].split_whitespace().collect();
        if after.last() != Some(&name) {
            continue;
        }
        let fields: Vec<&str> = line[..b].split_whitespace().collect();
        v.push((after[0].parse().unwrap(), fields[4].parse().unwrap()));
    }
    v
}

/// A sparse file of `size` bytes with pseudo-random data at `at` offsets (4 KiB each, cut at
/// the end), everything else a hole.
pub fn sparse_file(p: &Path, size: u64, at: &[u64]) {
    use std::os::unix::fs::FileExt;
    let f = fs::File::create(p).unwrap();
    f.set_len(size).unwrap();
    for (i, &o) in at.iter().enumerate() {
        let n = 4096.min(size.saturating_sub(o)) as usize;
        f.write_all_at(&pseudo_random(n, 100 + i as u64), o)
            .unwrap();
    }
}
