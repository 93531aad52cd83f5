//! Bad inputs from docs/exit-codes.md: each gives one line on stderr naming what and why,
//! and the documented exit code; nothing the user had is touched.

mod common;

use common::*;

#[test]
fn nonexistent_device() {
    let l = fails_with(&["info", "-d", "/dev/does-not-exist-discrw"], 3);
    assert!(
        l.contains("/dev/does-not-exist-discrw") && l.contains("no such device"),
        "{l}"
    );
}

#[test]
fn directory_device() {
    let d = tempfile::tempdir().unwrap();
    let l = fails_with(&["info", "-d", d.path().to_str().unwrap()], 3);
    assert!(l.contains("is a directory"), "{l}");
}

#[test]
fn regular_file_device() {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), b"precious").unwrap();
    let l = fails_with(&["info", "-d", f.path().to_str().unwrap()], 3);
    assert!(l.contains("regular file") && l.contains("virtual:"), "{l}");
    assert_eq!(std::fs::read(f.path()).unwrap(), b"precious");
}

#[test]
fn dev_null_device() {
    let l = fails_with(&["info", "-d", "/dev/null"], 3);
    assert!(l.contains("/dev/null") && l.contains("SG_IO"), "{l}");
}

#[test]
fn empty_virtual_path() {
    let l = fails_with(&["info", "-d", "virtual:"], 2);
    assert!(l.contains("virtual:"), "{l}");
}

#[test]
fn missing_virtual_medium() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("nope.vdisc");
    let l = fails_with(&["info", "-d", &format!("virtual:{}", p.display())], 3);
    assert!(l.contains("nope.vdisc"), "{l}");
    assert!(!p.exists(), "opening a missing medium must not create it");
}

#[test]
fn not_a_virtual_medium() {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), vec![0x55u8; 8192]).unwrap();
    let l = fails_with(
        &["info", "-d", &format!("virtual:{}", f.path().display())],
        3,
    );
    assert!(l.contains(&f.path().display().to_string()), "{l}");
    assert_eq!(std::fs::read(f.path()).unwrap(), vec![0x55u8; 8192]);
}

#[test]
fn virtual_create_exists() {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), b"keep me").unwrap();
    let l = fails_with(
        &[
            "virtual",
            "create",
            f.path().to_str().unwrap(),
            "--media",
            "dvd+r",
        ],
        2,
    );
    assert!(l.contains("already exists"), "{l}");
    assert_eq!(std::fs::read(f.path()).unwrap(), b"keep me");
}

#[test]
fn virtual_create_bad_kind() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("x.vdisc");
    let l = fails_with(
        &[
            "virtual",
            "create",
            p.to_str().unwrap(),
            "--media",
            "floppy",
        ],
        2,
    );
    assert!(l.contains("floppy"), "{l}");
    assert!(!p.exists());
}

#[test]
fn unknown_flag() {
    let out = discrw(&["info", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn no_drive_found() {
    // Only meaningful where the machine has no optical drive (CI, these machines).
    if !discrw::transport::discover::find_optical_drives(
        std::path::Path::new("/sys"),
        std::path::Path::new("/dev"),
    )
    .is_empty()
    {
        panic!("this test assumes a machine without optical drives; run it in CI");
    }
    let l = fails_with(&["info"], 3);
    assert!(l.contains("no optical drive found"), "{l}");
}

#[test]
fn scan_without_drives_says_so_and_succeeds() {
    let out = discrw(&["scan"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no optical drives found"), "{text}");
    let out = discrw(&["scan", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["drives"].as_array().map(|a| a.len()), Some(0), "{v}");
}
