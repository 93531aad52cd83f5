//! Shared helpers of the iso integration tests: peer tools, source trees, snapshots.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_discrw");

/// A peer tool the test needs: missing is a loud failure, never a skip.
pub fn need(tool: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in
        std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
    {
        let p = dir.join(tool);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "required test tool `{tool}` is not installed: see tests/packages.txt (tests/run-all.sh installs them)"
    );
}

/// Longest a peer tool may run before the test fails (genisoimage, for one, has inputs on
/// which it loops forever).
const TOOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs a command, failing the test with its stderr unless it succeeds within TOOL_TIMEOUT.
pub fn run(cmd: &mut Command) -> Output {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    // Drain both pipes on threads so a chatty tool cannot block on a full pipe.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > TOOL_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {TOOL_TIMEOUT:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    };
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn discrw(args: &[&str]) -> Output {
    run(Command::new(BIN).args(args))
}

pub fn sha256_bytes(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

pub fn sha256_file(p: &Path) -> String {
    sha256_bytes(&fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

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

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

pub fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    (0..len).map(|_| xorshift(&mut s) as u8).collect()
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
    let out = discrw(&["iso", "ls", image.to_str().unwrap(), "/", "-R", "--json"]);
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
