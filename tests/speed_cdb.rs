//! `--speed` reaches the drive in MMC-6's units, for rip and burn alike: the bytes of the
//! speed commands the emulated drive received, read from `-vv`'s trace of every CDB and
//! its parameter data.
//!
//! - SET CD SPEED (MMC-6 §6.37, Table 559): opcode BBh, LOGICAL UNIT READ SPEED bytes 2..=3,
//!   LOGICAL UNIT WRITE SPEED bytes 4..=5, in kB/s (1000 bytes) of whole 2352-byte CD
//!   sectors: 1x = 75 × 2352 = 176.4 kB/s, so 8x = 1411 (0583h); FFFFh = the drive's maximum.
//! - SET STREAMING (MMC-6 §6.39, Table 594 performance descriptor): READ SIZE bytes 12..=15
//!   per READ TIME bytes 16..=19 ms, WRITE SIZE 20..=23 per WRITE TIME 24..=27, in kB of
//!   user data: DVD 1x = 1385 kB/s (8x = 11080 = 2B48h), BD 1x = 4495.625 kB/s (2x = 8991 =
//!   231Fh).

mod common;

use common::*;
use std::path::Path;

/// The trace blocks (`[dev] cdb: ...` and the lines under it) of every command whose CDB
/// starts with `opcode`: (CDB bytes, data bytes shown).
fn commands(stderr: &str, opcode: u8) -> Vec<(Vec<u8>, Vec<u8>)> {
    let bytes = |s: &str| -> Vec<u8> {
        s.split_whitespace()
            .map_while(|w| u8::from_str_radix(w, 16).ok())
            .collect()
    };
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut current: Option<usize> = None;
    for l in stderr.lines() {
        if let Some(i) = l.find("] cdb: ") {
            let cdb = bytes(&l[i + 7..]);
            current = None;
            if cdb.first() == Some(&opcode) {
                out.push((cdb, Vec::new()));
                current = Some(out.len() - 1);
            }
        } else if let (Some(c), Some(d)) = (current, l.trim_start().strip_prefix("data: ")) {
            out[c].1 = bytes(d);
        }
    }
    out
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// `discrw -vv rip --speed SPEED` of a pressed disc of `kind`; returns stderr.
fn rip_trace(dir: &Path, kind: &str, speed: &str) -> String {
    let img = image(dir, &format!("{kind}.iso"), 64, 7);
    let m = medium(dir, &format!("{kind}.vdisc"), kind, &["--from", p(&img)]);
    let out = dir.join(format!("{kind}-rip.iso"));
    let o = discrw(&["-vv", "rip", "--speed", speed, "-d", &dev(&m), p(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `discrw -vv burn --speed SPEED` of an image to a blank `kind`; returns stderr.
fn burn_trace(dir: &Path, kind: &str, speed: &str) -> String {
    let img = image(dir, &format!("{kind}-b.iso"), 64, 9);
    let m = medium(dir, &format!("{kind}-b.vdisc"), kind, &[]);
    let o = discrw(&["-vv", "burn", "--speed", speed, "-d", &dev(&m), p(&img)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn rip_speed_on_cd_is_176_4_kb_per_x() {
    let d = tempfile::tempdir().unwrap();
    let t = rip_trace(d.path(), "cd-rom", "8");
    let c = commands(&t, 0xBB);
    assert_eq!(c.len(), 1, "one SET CD SPEED: {c:?}");
    assert_eq!(be16(&c[0].0[2..4]), 1411, "read speed 8x: {:02x?}", c[0].0);
    assert_eq!(be16(&c[0].0[4..6]), 0xFFFF, "write speed left at maximum");
}

#[test]
fn burn_speed_on_cd_is_176_4_kb_per_x() {
    let d = tempfile::tempdir().unwrap();
    let t = burn_trace(d.path(), "cd-r", "8");
    let c = commands(&t, 0xBB);
    assert!(!c.is_empty(), "a SET CD SPEED");
    assert_eq!(be16(&c[0].0[4..6]), 1411, "write speed 8x: {:02x?}", c[0].0);
    assert_eq!(be16(&c[0].0[2..4]), 0xFFFF, "read speed left at maximum");
}

#[test]
fn rip_speed_on_dvd_and_bd_is_user_data_per_x() {
    let d = tempfile::tempdir().unwrap();
    for (kind, speed, kbps) in [("dvd-rom", "8", 11080), ("bd-rom", "2", 8991)] {
        let t = rip_trace(d.path(), kind, speed);
        let c = commands(&t, 0xB6);
        assert_eq!(c.len(), 1, "{kind}: one SET STREAMING: {c:?}");
        let desc = &c[0].1;
        assert!(desc.len() >= 28, "{kind}: descriptor shown: {desc:02x?}");
        assert_eq!(be32(&desc[12..16]), kbps, "{kind}: READ SIZE");
        assert_eq!(be32(&desc[16..20]), 1000, "{kind}: READ TIME");
    }
}

#[test]
fn burn_speed_on_dvd_and_bd_is_user_data_per_x() {
    let d = tempfile::tempdir().unwrap();
    for (kind, speed, kbps) in [("dvd+r", "8", 11080), ("bd-r", "2", 8991)] {
        let t = burn_trace(d.path(), kind, speed);
        let c = commands(&t, 0xB6);
        assert!(!c.is_empty(), "{kind}: a SET STREAMING");
        let desc = &c[0].1;
        assert!(desc.len() >= 28, "{kind}: descriptor shown: {desc:02x?}");
        assert_eq!(be32(&desc[20..24]), kbps, "{kind}: WRITE SIZE");
        assert_eq!(be32(&desc[24..28]), 1000, "{kind}: WRITE TIME");
    }
}
