//! Bad inputs of `discrw iso`: each row of docs/exit-codes.md for the iso commands, with its
//! exit code and one-line message, and that nothing is created or changed.

mod common;

use common::*;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn discrw_fails(args: &[&str]) -> Output {
    let out = run(bin().args(args));
    assert!(!out.status.success(), "{args:?} succeeded");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(err.starts_with("discrw: iso: "), "{args:?}: {err:?}");
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn small_tree(root: &Path) {
    fs::create_dir_all(root.join("d")).unwrap();
    fs::write(root.join("abcdef"), b"hello\n").unwrap();
    fs::write(root.join("d/x"), b"x\n").unwrap();
}

#[test]
fn iso_info_missing_image() {
    for cmd in [
        vec!["iso", "info", "/nonexistent.iso"],
        vec!["iso", "ls", "/nonexistent.iso"],
        vec!["iso", "lba", "/nonexistent.iso", "16"],
    ] {
        let o = discrw_fails(&cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}");
        assert!(
            stderr(&o).contains("/nonexistent.iso: no such file"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn iso_extract_missing_image_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = discrw_fails(&["iso", "extract", "/nonexistent.iso", "-o", p(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists(), "the target was created");
}

#[test]
fn iso_ls_image_is_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let o = discrw_fails(&["iso", "ls", p(tmp.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory, not an image file"));
}

#[test]
fn iso_info_not_an_iso_image() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("zeros.img");
    fs::write(&f, vec![0u8; 64 * 2048]).unwrap();
    let o = discrw_fails(&["iso", "ls", p(&f)]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("no ISO 9660 primary volume descriptor"));
    assert!(stderr(&o).contains("(hint: "));
}

#[test]
fn iso_create_of_a_regular_file() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("file");
    fs::write(&f, b"x").unwrap();
    let out = tmp.path().join("x.iso");
    let o = discrw_fails(&["iso", "create", p(&f), "-o", p(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a directory"), "{}", stderr(&o));
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "something was created"
    );
}

#[test]
fn iso_create_of_a_missing_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.iso");
    let o = discrw_fails(&["iso", "create", "/nonexistent-dir", "-o", p(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent-dir: no such directory"));
    assert!(!out.exists());
}

#[test]
fn iso_create_into_a_missing_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    small_tree(&src);
    let out = tmp.path().join("nope/x.iso");
    let o = discrw_fails(&["iso", "create", p(&src), "-o", p(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such directory for the output"));
}

#[test]
fn iso_create_bad_volume_id() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    small_tree(&src);
    let out = tmp.path().join("x.iso");
    for v in ["V".repeat(33), "tab\there".to_string(), "é".to_string()] {
        let o = discrw_fails(&["iso", "create", p(&src), "-o", p(&out), "-V", &v]);
        assert_eq!(o.status.code(), Some(2), "{v:?}");
        assert!(stderr(&o).contains("at most 32 printable ASCII characters"));
        assert!(!out.exists());
    }
}

#[test]
fn iso_create_existing_output_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    small_tree(&src);
    let out = tmp.path().join("x.iso");
    fs::write(&out, b"keep me").unwrap();
    let o = discrw_fails(&["iso", "create", p(&src), "-o", p(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists (hint: use --force to replace it)"));
    assert_eq!(fs::read(&out).unwrap(), b"keep me");
}

#[test]
fn iso_ls_path_not_in_image() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    small_tree(&src);
    let img = tmp.path().join("x.iso");
    ok(&["iso", "create", p(&src), "-o", p(&img)]);
    let o = discrw_fails(&["iso", "ls", p(&img), "/nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file or directory in the image: /nope"));
    let o = discrw_fails(&["iso", "ls", p(&img), "/abcdef/x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a directory in the image: /abcdef/x"));
}

#[test]
fn iso_lba_bad_sector_range() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    small_tree(&src);
    let img = tmp.path().join("x.iso");
    ok(&["iso", "create", p(&src), "-o", p(&img)]);
    for bad in ["9-3", "x", "-5", "1-2-3"] {
        let o = discrw_fails(&["iso", "lba", p(&img), "--", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(stderr(&o).contains("bad sector"), "{}", stderr(&o));
    }
}

/// A Rock Ridge name ".." (written over "abcdef" in an image genisoimage made): extract
/// refuses it with exit 4, and nothing appears outside the target.
#[test]
fn iso_extract_hostile_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    small_tree(&src);
    let img = tmp.path().join("x.iso");
    run_ok(Command::new(need("genisoimage")).args(["-quiet", "-R", "-o", p(&img), p(&src)]));
    let mut b = fs::read(&img).unwrap();
    // RRIP NM (IEEE P1282 §4.1.4): "NM", LEN 11, version 1, flags 0, "abcdef"; becomes
    // NM ".." (LEN 7) and a 4-byte SUSP PD padding entry (P1281 §5.2).
    let old = b"NM\x0b\x01\x00abcdef";
    let at = b
        .windows(old.len())
        .position(|w| w == old)
        .expect("NM abcdef in the image");
    b[at..at + 11].copy_from_slice(b"NM\x07\x01\x00..PD\x04\x01");
    fs::write(&img, &b).unwrap();
    let box_ = tmp.path().join("box");
    let out = box_.join("out");
    fs::create_dir_all(&out).unwrap();
    let o = discrw_fails(&["iso", "extract", p(&img), "-o", p(&out)]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("refusing unsafe name \"..\""),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing was written outside the target"));
    let outside: Vec<_> = fs::read_dir(&box_)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(outside, vec![std::ffi::OsString::from("out")]);
}
