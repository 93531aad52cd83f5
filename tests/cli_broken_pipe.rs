//! Standard output closed early (`discrw ... | head -1`): Rust ignores SIGPIPE, so a write to
//! the pipe fails with EPIPE. Every command must stop quietly with exit 141 (128 + SIGPIPE,
//! what a shell reports for `cmd | head`), never panic, and a job must not be cut short by it
//! (docs/exit-codes.md).

mod common;

use common::*;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

/// Run with standard output a pipe whose read end is closed before the program starts: its
/// first write to standard output fails with EPIPE, whatever the timing.
fn with_stdout_closed(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    spawn(
        bin()
            .args(args)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped()),
    )
    .wait_with_output()
}

/// Exit 141, no panic and no error line on standard error (progress lines may be there).
fn assert_quiet_141(args: &[&str], o: &Output) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{args:?}: {}", text(o));
    assert_eq!(o.status.code(), Some(141), "{args:?}: {}", text(o));
    assert!(
        !err.lines().any(|l| l.starts_with("discrw:")),
        "{args:?}: {}",
        text(o)
    );
}

/// An image with 3000 files under long names in 30 directories: `iso ls -l -R` prints far
/// more than a pipe holds (64 KiB by default on Linux).
fn big_listing_image(dir: &Path) -> PathBuf {
    let src = dir.join("src");
    for d in 0..30 {
        let sub = src.join(format!("directory-number-{d:03}"));
        fs::create_dir_all(&sub).unwrap();
        for f in 0..100 {
            fs::write(
                sub.join(format!("a-file-with-a-rather-long-name-{d:03}-{f:03}.txt")),
                b"x",
            )
            .unwrap();
        }
    }
    let img = dir.join("big.iso");
    ok(&["iso", "create", p(&src), "-o", p(&img)]);
    img
}

#[test]
fn iso_ls_into_a_pipe_read_one_line_then_closed_is_exit_141() {
    let t = tempfile::tempdir().unwrap();
    let img = big_listing_image(t.path());
    let args = ["iso", "ls", "-l", "-R", p(&img)];
    // The whole listing, so a pass below can't come from output that fit in the pipe.
    let full = ok(&args).stdout;
    assert!(
        full.len() > 256 << 10,
        "listing is only {} bytes",
        full.len()
    );
    let mut child = spawn(
        bin()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut first = String::new();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    r.read_line(&mut first).unwrap();
    assert_eq!(
        first.as_bytes(),
        full.split_inclusive(|&b| b == b'\n').next().unwrap(),
        "first line"
    );
    drop(r);
    let o = child.wait_with_output();
    assert_quiet_141(&args, &o);
}

/// A one-file tree `src` in `dir` and its image `a.iso`, made by `discrw iso create`.
fn small_iso(dir: &Path) -> (PathBuf, PathBuf) {
    let src = dir.join("src");
    fs::create_dir_all(src.join("d")).unwrap();
    fs::write(src.join("d/f.txt"), b"hello\n").unwrap();
    let img = dir.join("a.iso");
    ok(&["iso", "create", p(&src), "-o", p(&img)]);
    (src, img)
}

#[test]
fn every_printing_command_with_stdout_closed_is_exit_141() {
    let t = tempfile::tempdir().unwrap();
    let (src, img) = small_iso(t.path());
    let m = t.path().join("m");
    ok(&[
        "virtual",
        "create",
        p(&m),
        "--media",
        "dvd+r",
        "--from",
        p(&img),
    ]);
    let dev = format!("virtual:{}", m.display());
    let m2 = t.path().join("m2");
    let out = t.path().join("x");
    let iso2 = t.path().join("b.iso");
    let ripped = t.path().join("r.iso");
    let cases: Vec<Vec<&str>> = vec![
        vec!["iso", "info", "--json", p(&img)],
        vec!["iso", "info", p(&img)],
        vec!["iso", "ls", "--json", "-R", p(&img)],
        vec!["iso", "ls", p(&img)],
        vec!["iso", "lba", p(&img), "0-40"],
        vec!["iso", "extract", p(&img), "-o", p(&out)],
        vec!["iso", "create", p(&src), "-o", p(&iso2)],
        vec!["info", "-d", &dev],
        vec!["info", "--json", "-d", &dev],
        vec!["verify", "-d", &dev, p(&img)],
        vec!["rip", "-d", &dev, p(&ripped)],
        vec!["virtual", "create", p(&m2), "--media", "cd-r"],
    ];
    for args in &cases {
        let o = with_stdout_closed(args);
        assert_quiet_141(args, &o);
    }
    // The rip, whose summary was lost, is whole.
    assert!(
        fs::read(&ripped).unwrap() == fs::read(&img).unwrap(),
        "rip with standard output closed"
    );
    // Each one printed something when standard output was open.
    for args in &cases[..5] {
        assert!(!ok(args).stdout.is_empty(), "{args:?} prints nothing");
    }
}

/// A burn whose standard output (JSON progress lines, then the summary) is gone from the
/// start still burns and verifies the whole image; only the summary is lost.
#[test]
fn a_burn_with_stdout_closed_finishes_the_burn_then_exits_141() {
    let t = tempfile::tempdir().unwrap();
    let img = t.path().join("img");
    let data: Vec<u8> = (0..2048u32 * 700)
        .map(|i| (i * 7 + i / 2048) as u8)
        .collect();
    fs::write(&img, &data).unwrap();
    let m = t.path().join("m");
    ok(&["virtual", "create", p(&m), "--media", "dvd+r"]);
    let dev = format!("virtual:{}", m.display());
    let args = ["burn", "--json", "-d", &dev, p(&img)];
    let o = with_stdout_closed(&args);
    assert_quiet_141(&args, &o);
    // The data sits in the medium file at 65536 + LBA × 2048 (docs/virtual-drive.md).
    let medium = fs::read(&m).unwrap();
    assert!(
        medium.len() >= 65536 + data.len() && medium[65536..65536 + data.len()] == data[..],
        "the image is not on the medium"
    );
    ok(&["verify", "-d", &dev, p(&img)]);
    // A job's own failure wins over the closed output: a mismatch is still exit 6.
    let mut other = data;
    other[5 * 2048] ^= 1;
    fs::write(&img, &other).unwrap();
    let args = ["verify", "-d", &dev, p(&img)];
    let o = with_stdout_closed(&args);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.lines().any(|l| l.starts_with("discrw: verify")) && !err.contains("panicked"),
        "{}",
        text(&o)
    );
}

/// Any other write error on standard output is a one-line error and exit 1.
#[test]
fn stdout_on_a_full_device_is_a_one_line_error() {
    let t = tempfile::tempdir().unwrap();
    let (_, img) = small_iso(t.path());
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let o = spawn(
        bin()
            .args(["iso", "info", p(&img)])
            .stdin(Stdio::null())
            .stdout(full)
            .stderr(Stdio::piped()),
    )
    .wait_with_output();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "discrw: iso: cannot write to standard output: No space left on device (os error 28)\n"
    );
}
