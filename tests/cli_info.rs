//! `discrw virtual create`, `info`, `eject` through the real binary on the emulated drive.

mod common;

use common::*;

#[test]
fn blank_dvd_plus_r_info() {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "blank.vdisc", "dvd+r", &["--capacity", "100000"]);
    let v = info_json(&m);
    assert_eq!(v["drive"]["peripheral_device_type"], 5, "{v}");
    assert_eq!(v["media"]["profile_code"], 0x1B, "{v}");
    assert_eq!(v["media"]["profile"], "DVD+R", "{v}");
    assert_eq!(v["media"]["status"], "blank", "{v}");
    assert_eq!(v["media"]["free_blocks"], 100000, "{v}");
    assert_eq!(v["media"]["next_writable_address"], 0, "{v}");
    assert_eq!(v["drive"]["writer"], true, "{v}");
    // Plain output names the same things.
    let text = stdout(&ok(&["info", "-d", &dev(&m)]));
    assert!(text.contains("DVD+R, blank"), "{text}");
}

#[test]
fn pressed_dvd_rom_info_shows_image_size() {
    let d = tempfile::tempdir().unwrap();
    let img = d.path().join("img.iso");
    let sectors = 3000u64;
    let data: Vec<u8> = (0..sectors * 2048).map(|i| (i % 251) as u8).collect();
    std::fs::write(&img, &data).unwrap();
    let m = medium(d.path(), "rom.vdisc", "dvd-rom", &["--from", p(&img)]);
    let v = info_json(&m);
    assert_eq!(v["media"]["profile_code"], 0x10, "{v}");
    assert_eq!(v["media"]["status"], "complete", "{v}");
    assert_eq!(v["media"]["capacity_blocks"], sectors, "{v}");
    assert_eq!(v["drive"]["writer"], true, "{v}");
}

#[test]
fn eject_and_load() {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "e.vdisc", "cd-r", &["--capacity", "5000"]);
    ok(&["eject", "-d", &dev(&m)]);
    assert_eq!(info_json(&m)["media"]["status"], "none");
    ok(&["eject", "--load", "-d", &dev(&m)]);
    let v = info_json(&m);
    assert_eq!(v["media"]["status"], "blank", "{v}");
    assert_eq!(v["media"]["profile_code"], 0x09, "{v}");
}
