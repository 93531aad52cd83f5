//! `discrw virtual create`, `info`, `eject` through the real binary on the emulated drive.

use std::path::Path;
use std::process::{Command, Output};

fn discrw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_discrw"))
        .args(args)
        .env_remove("DISCRW_DEVICE")
        .output()
        .expect("run discrw")
}

fn ok(args: &[&str]) -> String {
    let out = discrw(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn info_json(medium: &Path) -> serde_json::Value {
    let dev = format!("virtual:{}", medium.display());
    serde_json::from_str(&ok(&["info", "--json", "-d", &dev])).expect("info --json is JSON")
}

#[test]
fn blank_dvd_plus_r_info() {
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("blank.vdisc");
    ok(&[
        "virtual",
        "create",
        m.to_str().unwrap(),
        "--media",
        "dvd+r",
        "--capacity",
        "100000",
    ]);
    let v = info_json(&m);
    assert_eq!(v["drive"]["peripheral_device_type"], 5, "{v}");
    assert_eq!(v["media"]["profile_code"], 0x1B, "{v}");
    assert_eq!(v["media"]["profile"], "DVD+R", "{v}");
    assert_eq!(v["media"]["status"], "blank", "{v}");
    assert_eq!(v["media"]["free_blocks"], 100000, "{v}");
    assert_eq!(v["media"]["next_writable_address"], 0, "{v}");
    assert_eq!(v["drive"]["writer"], true, "{v}");
    // Plain output names the same things.
    let text = ok(&["info", "-d", &format!("virtual:{}", m.display())]);
    assert!(text.contains("DVD+R, blank"), "{text}");
}

#[test]
fn pressed_dvd_rom_info_shows_image_size() {
    let d = tempfile::tempdir().unwrap();
    let img = d.path().join("img.iso");
    let sectors = 3000u64;
    let data: Vec<u8> = (0..sectors * 2048).map(|i| (i % 251) as u8).collect();
    std::fs::write(&img, &data).unwrap();
    let m = d.path().join("rom.vdisc");
    ok(&[
        "virtual",
        "create",
        m.to_str().unwrap(),
        "--media",
        "dvd-rom",
        "--from",
        img.to_str().unwrap(),
    ]);
    let v = info_json(&m);
    assert_eq!(v["media"]["profile_code"], 0x10, "{v}");
    assert_eq!(v["media"]["status"], "complete", "{v}");
    assert_eq!(v["media"]["capacity_blocks"], sectors, "{v}");
    assert_eq!(v["drive"]["writer"], true, "{v}");
}

#[test]
fn eject_and_load() {
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("e.vdisc");
    ok(&[
        "virtual",
        "create",
        m.to_str().unwrap(),
        "--media",
        "cd-r",
        "--capacity",
        "5000",
    ]);
    let dev = format!("virtual:{}", m.display());
    ok(&["eject", "-d", &dev]);
    assert_eq!(info_json(&m)["media"]["status"], "none");
    ok(&["eject", "--load", "-d", &dev]);
    let v = info_json(&m);
    assert_eq!(v["media"]["status"], "blank", "{v}");
    assert_eq!(v["media"]["profile_code"], 0x09, "{v}");
}
