//! More bad inputs from docs/exit-codes.md (the table's second half; tests/cli_errors.rs has
//! the first): each gives the documented exit code and, where discrw (not clap) answers,
//! one line on stderr; and nothing the user had is overwritten or lost — every test
//! snapshots the files it hands over and compares them afterwards.
//!
//! Tests of commands that have not landed yet are `#[ignore = "needs CMD (issue N)"]`;
//! enable them when the command does (the reason names the issue).

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A usage error caught by the argument parser: exit 2, stderr names the argument.
fn usage_error(args: &[&str], mentions: &str) {
    let out = discrw(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "args {args:?}: {err}");
    assert!(err.contains(mentions), "args {args:?}: {err}");
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read");
                out.insert(p, bytes);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Device errors on `eject` (the other commands: below, ignored until they land)

#[test]
fn eject_nonexistent_device() {
    let l = fails_with(&["eject", "-d", "/dev/does-not-exist-discrw"], 3);
    assert!(l.contains("/dev/does-not-exist-discrw"), "{l}");
}

#[test]
fn eject_directory_device() {
    let d = tempfile::tempdir().unwrap();
    let l = fails_with(&["eject", "-d", p(d.path())], 3);
    assert!(l.contains("directory"), "{l}");
}

#[test]
fn eject_regular_file_device() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("disc.iso");
    std::fs::write(&f, vec![7u8; 4096]).unwrap();
    let before = snapshot(d.path());
    let l = fails_with(&["eject", "-d", p(&f)], 3);
    assert!(l.contains("regular file"), "{l}");
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn eject_dev_null() {
    let l = fails_with(&["eject", "-d", "/dev/null"], 3);
    assert!(l.contains("/dev/null"), "{l}");
}

// ---------------------------------------------------------------------------------------
// Usage errors the argument parser catches

#[test]
fn blank_fast_and_full_conflict() {
    usage_error(&["blank", "--fast", "--full"], "--full");
}

#[test]
fn rip_subchannel_needs_raw() {
    usage_error(&["rip", "--subchannel", "out.bin"], "--raw");
}

#[test]
fn burn_copies_negative() {
    usage_error(&["burn", "--copies", "-1", "x.iso"], "-1");
}

#[test]
fn burn_copies_not_a_number() {
    usage_error(&["burn", "--copies", "two", "x.iso"], "--copies");
}

#[test]
fn rip_retries_not_a_number() {
    usage_error(&["rip", "--retries", "many", "out.iso"], "--retries");
}

#[test]
fn rip_without_out() {
    usage_error(&["rip"], "OUT");
}

#[test]
fn unknown_subcommand() {
    usage_error(&["frobnicate"], "frobnicate");
}

#[test]
fn virtual_create_without_media() {
    let d = tempfile::tempdir().unwrap();
    usage_error(&["virtual", "create", p(&d.path().join("x.vd"))], "--media");
    assert!(snapshot(d.path()).is_empty());
}

// ---------------------------------------------------------------------------------------
// `virtual create` values discrw checks

/// `virtual create x.vd --media MEDIA EXTRA...` refused: exit 2, one line that mentions
/// `mentions`, and no medium file made.
fn virtual_create_refused(dir: &Path, media: &str, extra: &[&str], mentions: &str) {
    let f = dir.join("x.vd");
    let mut args = vec!["virtual", "create", p(&f), "--media", media];
    args.extend_from_slice(extra);
    let l = fails_with(&args, 2);
    assert!(l.contains(mentions), "{l}");
    assert!(!f.exists());
}

#[test]
fn virtual_create_capacity_zero() {
    let d = tempfile::tempdir().unwrap();
    virtual_create_refused(d.path(), "cd-r", &["--capacity", "0"], "--capacity");
}

#[test]
fn virtual_create_bad_fault_spec() {
    let d = tempfile::tempdir().unwrap();
    virtual_create_refused(d.path(), "cd-r", &["--faults", "bogus@12"], "bogus");
}

#[test]
fn virtual_create_from_missing_image() {
    let d = tempfile::tempdir().unwrap();
    let img = d.path().join("nope.iso");
    virtual_create_refused(d.path(), "dvd-rom", &["--from", p(&img)], "nope.iso");
    assert!(!img.exists());
}

// ---------------------------------------------------------------------------------------
// Virtual medium files that are not right

#[test]
fn virtual_medium_of_a_future_version() {
    let d = tempfile::tempdir().unwrap();
    let f = medium(d.path(), "m.vd", "dvd+r", &[]);
    let mut bytes = std::fs::read(&f).unwrap();
    // Header bytes 16..20: format version, little-endian (src/emu/medium.rs layout).
    bytes[16..20].copy_from_slice(&99u32.to_le_bytes());
    std::fs::write(&f, &bytes).unwrap();
    let before = snapshot(d.path());
    let l = fails_with(&["info", "-d", &dev(&f)], 3);
    assert!(l.contains("version 99") && l.contains("newer"), "{l}");
    assert_eq!(snapshot(d.path()), before, "the medium file was changed");
}

#[test]
fn virtual_medium_with_corrupt_metadata() {
    let d = tempfile::tempdir().unwrap();
    let f = medium(d.path(), "m.vd", "cd-rw", &[]);
    let mut bytes = std::fs::read(&f).unwrap();
    // Metadata (JSON from byte 24) with its first bytes overwritten.
    bytes[24..32].copy_from_slice(b"\xff\xfe garbl");
    std::fs::write(&f, &bytes).unwrap();
    let before = snapshot(d.path());
    let l = fails_with(&["info", "-d", &dev(&f)], 3);
    assert!(l.contains("corrupt"), "{l}");
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn virtual_medium_truncated() {
    let d = tempfile::tempdir().unwrap();
    let f = medium(d.path(), "m.vd", "bd-r", &[]);
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..20]).unwrap();
    let before = snapshot(d.path());
    fails_with(&["info", "-d", &dev(&f)], 3);
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn virtual_medium_is_a_directory() {
    let d = tempfile::tempdir().unwrap();
    fails_with(&["info", "-d", &dev(d.path())], 3);
}

#[test]
fn virtual_medium_in_use_by_another_process() {
    // Another discrw (here: this test) holds the medium's lock, as a job would.
    use std::os::fd::AsRawFd;
    let d = tempfile::tempdir().unwrap();
    let f = medium(d.path(), "m.vd", "dvd-rw", &[]);
    let held = std::fs::File::open(&f).unwrap();
    discrw::transport::sg_io::lock_exclusive(held.as_raw_fd()).expect("lock");
    let before = snapshot(d.path());
    let l = fails_with(&["info", "-d", &dev(&f)], 3);
    assert!(l.contains("in use") || l.contains("busy"), "{l}");
    assert_eq!(snapshot(d.path()), before);
    drop(held);
}

// ---------------------------------------------------------------------------------------
// Device errors on the job commands

#[test]
fn rip_nonexistent_device() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("disc.iso");
    let l = fails_with(&["rip", "-d", "/dev/does-not-exist-discrw", p(&out)], 3);
    assert!(l.contains("/dev/does-not-exist-discrw"), "{l}");
    assert!(snapshot(d.path()).is_empty(), "rip created files");
}

#[test]
fn burn_directory_device() {
    let d = tempfile::tempdir().unwrap();
    let img = d.path().join("x.iso");
    std::fs::write(&img, vec![1u8; 2048 * 4]).unwrap();
    let before = snapshot(d.path());
    let l = fails_with(&["burn", "-d", p(d.path()), p(&img)], 3);
    assert!(l.contains("directory"), "{l}");
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn verify_regular_file_device() {
    let d = tempfile::tempdir().unwrap();
    let img = d.path().join("x.iso");
    std::fs::write(&img, vec![1u8; 2048 * 4]).unwrap();
    let before = snapshot(d.path());
    let l = fails_with(&["verify", "-d", p(&img), p(&img)], 3);
    assert!(l.contains("regular file"), "{l}");
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn blank_dev_null() {
    let l = fails_with(&["blank", "-d", "/dev/null"], 3);
    assert!(l.contains("/dev/null"), "{l}");
}

#[test]
fn format_nonexistent_device() {
    let l = fails_with(&["format", "-d", "/dev/does-not-exist-discrw"], 3);
    assert!(l.contains("/dev/does-not-exist-discrw"), "{l}");
}

// ---------------------------------------------------------------------------------------
// Images and values for burn, verify, rip

/// A blank DVD+R medium and a directory to work in.
fn blank_dvd(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "blank.vd", "dvd+r", extra);
    (d, m)
}

/// Burn `args` against a blank DVD+R: `code`, one line, nothing in the directory changed
/// (the medium file included: a refused burn writes nothing).
fn burn_refused(d: &Path, m: &Path, args: &[&str], code: i32) -> String {
    let before = snapshot(d);
    let dev = dev(m);
    let mut all = vec!["burn", "-d", dev.as_str()];
    all.extend_from_slice(args);
    let l = fails_with(&all, code);
    assert_eq!(snapshot(d), before, "burn {args:?} changed files");
    l
}

#[test]
fn burn_missing_image() {
    let (d, m) = blank_dvd(&[]);
    let img = d.path().join("nope.iso");
    let l = burn_refused(d.path(), &m, &[p(&img)], 2);
    assert!(l.contains("nope.iso"), "{l}");
}

#[test]
fn burn_empty_image() {
    let (d, m) = blank_dvd(&[]);
    let img = d.path().join("empty.iso");
    std::fs::write(&img, b"").unwrap();
    let l = burn_refused(d.path(), &m, &[p(&img)], 2);
    assert!(l.contains("empty"), "{l}");
}

#[test]
fn burn_image_not_a_multiple_of_2048_offers_pad() {
    let (d, m) = blank_dvd(&[]);
    let img = d.path().join("odd.iso");
    std::fs::write(&img, vec![0u8; 2048 * 3 + 100]).unwrap();
    let l = burn_refused(d.path(), &m, &[p(&img)], 2);
    assert!(l.contains("2048") && l.contains("--pad"), "{l}");
}

#[test]
fn burn_image_larger_than_the_medium() {
    let (d, m) = blank_dvd(&["--capacity", "16"]);
    let img = d.path().join("big.iso");
    std::fs::write(&img, vec![0u8; 2048 * 17]).unwrap();
    let l = burn_refused(d.path(), &m, &[p(&img)], 4);
    assert!(l.contains("17") && l.contains("16"), "{l}");
}

#[test]
fn burn_cue_with_missing_bin() {
    let (d, m) = blank_dvd(&[]);
    let cue = d.path().join("disc.cue");
    std::fs::write(
        &cue,
        "FILE \"missing.bin\" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n",
    )
    .unwrap();
    let l = burn_refused(d.path(), &m, &[p(&cue)], 2);
    assert!(l.contains("missing.bin"), "{l}");
}

fn small_image(d: &Path) -> PathBuf {
    let img = d.join("x.iso");
    std::fs::write(&img, vec![0x42u8; 2048 * 8]).unwrap();
    img
}

#[test]
fn burn_speed_zero() {
    let (d, m) = blank_dvd(&[]);
    let img = small_image(d.path());
    let l = burn_refused(d.path(), &m, &["--speed", "0", p(&img)], 2);
    assert!(l.contains("--speed"), "{l}");
}

#[test]
fn burn_speed_nonsense() {
    let (d, m) = blank_dvd(&[]);
    let img = small_image(d.path());
    let l = burn_refused(d.path(), &m, &["--speed", "warp9", p(&img)], 2);
    assert!(l.contains("--speed") && l.contains("warp9"), "{l}");
}

#[test]
fn burn_fifo_too_small() {
    let (d, m) = blank_dvd(&[]);
    let img = small_image(d.path());
    let l = burn_refused(d.path(), &m, &["--fifo", "1", p(&img)], 2);
    assert!(l.contains("--fifo"), "{l}");
}

#[test]
fn burn_fifo_larger_than_memory() {
    let (d, m) = blank_dvd(&[]);
    let img = small_image(d.path());
    let l = burn_refused(d.path(), &m, &["--fifo", "900T", p(&img)], 2);
    assert!(l.contains("--fifo"), "{l}");
}

#[test]
fn burn_copies_zero() {
    let (d, m) = blank_dvd(&[]);
    let img = small_image(d.path());
    let l = burn_refused(d.path(), &m, &["--copies", "0", p(&img)], 2);
    assert!(l.contains("--copies"), "{l}");
}

#[test]
fn burn_stdin_without_size() {
    let (d, m) = blank_dvd(&[]);
    let l = burn_refused(d.path(), &m, &["-"], 2);
    assert!(l.contains("--size"), "{l}");
}

#[test]
fn verify_missing_image() {
    let d = tempfile::tempdir().unwrap();
    let img = small_image(d.path());
    let m = medium(d.path(), "rom.vd", "dvd-rom", &["--from", p(&img)]);
    let before = snapshot(d.path());
    let l = fails_with(
        &["verify", "-d", &dev(&m), p(&d.path().join("nope.iso"))],
        2,
    );
    assert!(l.contains("nope.iso"), "{l}");
    assert_eq!(snapshot(d.path()), before);
}

/// A pressed DVD-ROM holding 8 sectors of `fill`.
fn rom(d: &Path, name: &str, fill: u8) -> PathBuf {
    let img = d.join(format!("{name}.src"));
    std::fs::write(&img, vec![fill; 2048 * 8]).unwrap();
    let m = medium(d, &format!("{name}.vd"), "dvd-rom", &["--from", p(&img)]);
    std::fs::remove_file(&img).unwrap();
    m
}

#[test]
fn rip_speed_nonsense() {
    let d = tempfile::tempdir().unwrap();
    let m = rom(d.path(), "a", 0x11);
    let out = d.path().join("a.iso");
    let before = snapshot(d.path());
    let l = fails_with(&["rip", "-d", &dev(&m), "--speed", "fast", p(&out)], 2);
    assert!(l.contains("--speed"), "{l}");
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn rip_size_zero() {
    let d = tempfile::tempdir().unwrap();
    let m = rom(d.path(), "a", 0x11);
    let out = d.path().join("a.iso");
    let before = snapshot(d.path());
    let l = fails_with(&["rip", "-d", &dev(&m), "--size", "0", p(&out)], 2);
    assert!(l.contains("--size"), "{l}");
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn rip_out_exists_without_force() {
    let d = tempfile::tempdir().unwrap();
    let m = rom(d.path(), "a", 0x11);
    let out = d.path().join("precious.iso");
    std::fs::write(&out, b"the only copy").unwrap();
    let before = snapshot(d.path());
    let l = fails_with(&["rip", "-d", &dev(&m), p(&out)], 2);
    assert!(l.contains("precious.iso") && l.contains("--force"), "{l}");
    assert_eq!(snapshot(d.path()), before);
}

/// Rip disc `a` completely; returns the output path and the files rip wrote besides it
/// (the mapfile, whatever its name).
fn ripped(d: &Path, m: &Path) -> (PathBuf, Vec<PathBuf>) {
    let out = d.join("a.iso");
    let before = snapshot(d);
    let o = discrw(&["rip", "-d", &dev(m), p(&out)]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let extra = snapshot(d)
        .into_keys()
        .filter(|k| !before.contains_key(k) && *k != out)
        .collect();
    (out, extra)
}

#[test]
fn rip_resume_with_the_mapfile_of_another_disc() {
    let d = tempfile::tempdir().unwrap();
    let a = rom(d.path(), "a", 0x11);
    let b = rom(d.path(), "b", 0x22);
    let (out, maps) = ripped(d.path(), &a);
    assert!(!maps.is_empty(), "rip wrote no mapfile");
    let before = snapshot(d.path());
    let l = fails_with(&["rip", "-d", &dev(&b), "--resume", p(&out)], 2);
    assert!(
        l.contains("another disc") || l.contains("different disc"),
        "{l}"
    );
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn rip_resume_with_a_corrupt_mapfile() {
    let d = tempfile::tempdir().unwrap();
    let a = rom(d.path(), "a", 0x11);
    let (out, maps) = ripped(d.path(), &a);
    assert!(!maps.is_empty(), "rip wrote no mapfile");
    for m in &maps {
        std::fs::write(m, b"0x00000000 ? 1\nthis is not a block line\n").unwrap();
    }
    let before = snapshot(d.path());
    let l = fails_with(&["rip", "-d", &dev(&a), "--resume", p(&out)], 2);
    assert!(l.contains("mapfile"), "{l}");
    assert_eq!(snapshot(d.path()), before);
}
