//! Fuzz targets for the emulated drive's own inputs: the `--faults` SPEC grammar and the
//! virtual medium file (a file the user may hand us corrupt, truncated, from a future
//! version, or hostile). A medium file that opens must then survive a round of drive
//! commands through `Drive` without a panic: `validate` is what stands between a hostile
//! file and the answer builders.
//!
//! Seeds for the medium file are files `virtual create` makes (the format is ours; there is
//! no spec table to copy); the mutator works on their header and JSON metadata, with a
//! dictionary of the metadata's field names and edge numbers.

mod common;

use common::fuzz::{Seed, fuzz, fuzz_n};
use discrw::clock::{SharedClock, VirtualClock};
use discrw::drive::Drive;
use discrw::emu::faults::parse_spec;
use discrw::emu::{CreateOptions, EmuDrive, MediaKind};
use std::path::Path;

const NUMBERS: &[&[u8]] = &[
    b"0",
    b"1",
    b"-1",
    b"255",
    b"65535",
    b"65536",
    b"4294967295",
    b"4294967296",
    b"2147483648",
    b"9223372036854775807",
    b"9223372036854775808",
    b"18446744073709551615",
    b"18446744073709551616",
    b"1e400",
    b"0x",
    b"0xFFFFFFFF",
];

#[test]
fn fuzz_fault_spec() {
    let seeds: Vec<Seed> = [
        "medium-error@100",
        "flaky@100-120x3",
        "over-report=5",
        "nwa-lie=-16",
        "unit-attention@cmd5,reset@cmd9",
        "timeout@0x10x2, host-error@7, short-read@20-30",
        "power-calibration,not-ready x4",
        "media-change@cmd12,tray-opened@cmd3,no-medium,tray-open",
        "write-error@0-4294967295,loss-of-streaming@77,invalid-address@0,long-write@5x9",
    ]
    .iter()
    .map(|s| Seed::new("spec", s.as_bytes()))
    .collect();
    let mut dict: Vec<&[u8]> = vec![
        b"@",
        b"@cmd",
        b"cmd",
        b"x",
        b"=",
        b"-",
        b",",
        b" ",
        b"=-",
        b"medium-error",
        b"flaky",
        b"over-report",
        b"nwa-lie",
        b"unit-attention",
        b"reset",
        b"timeout",
    ];
    dict.extend_from_slice(NUMBERS);
    fuzz("fault_spec", &seeds, &dict, |d| {
        let _ = parse_spec(&String::from_utf8_lossy(d));
    });
}

/// The header and metadata of a medium file `virtual create` makes (the data area after
/// them is sparse and reads as zeros, so the seed need not carry it).
fn created(
    dir: &Path,
    name: &str,
    kind: &str,
    from: Option<&Path>,
    faults: Option<&str>,
) -> Vec<u8> {
    let path = dir.join(name);
    let o = CreateOptions {
        kind: kind.parse::<MediaKind>().expect("kind"),
        from: from.map(Path::to_path_buf),
        capacity: None,
        faults: faults.map(str::to_string),
    };
    discrw::emu::create(&path, &o).expect("create");
    let bytes = std::fs::read(&path).expect("read medium");
    // Bytes 20..24: metadata length, little-endian; metadata from byte 24.
    let len = u32::from_le_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]) as usize;
    bytes[..24 + len].to_vec()
}

fn medium_seeds() -> Vec<Seed> {
    let dir = tempfile::tempdir().expect("tempdir");
    let img = dir.path().join("img.iso");
    std::fs::write(&img, vec![0x5Au8; 2048 * 40]).expect("image");
    let mk = |name: &'static str, kind: &str, from: Option<&Path>, faults: Option<&str>| {
        Seed::new(name, &created(dir.path(), name, kind, from, faults))
            .len_at(16, 4)
            .len_at(20, 4)
    };
    vec![
        mk("blank cd-r", "cd-r", None, None),
        mk("pressed cd-rom", "cd-rom", Some(&img), None),
        mk("closed dvd+r", "dvd+r", Some(&img), None),
        mk("blank dvd-rw", "dvd-rw", None, None),
        mk("bd-re", "bd-re", None, None),
        mk(
            "dvd-rom with faults",
            "dvd-rom",
            Some(&img),
            Some("flaky@3x2,over-report=5,unit-attention@cmd4"),
        ),
        mk(
            "blank dvd+r lying",
            "dvd+r",
            None,
            Some("nwa-lie=-16,long-write@0x2"),
        ),
    ]
}

/// A scratch directory in RAM where there is one: the emulated drive fsyncs on SYNCHRONIZE
/// CACHE, and a disk would make each execution wait for it.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(d) = tempfile::Builder::new()
            .prefix("discrw-fuzz")
            .tempdir_in(shm)
    {
        return d;
    }
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn fuzz_virtual_medium_file() {
    let dir = scratch();
    let path = dir.path().join("fuzz.vd");
    let mut dict: Vec<&[u8]> = vec![
        b"\"kind\":",
        b"\"capacity\":",
        b"\"tracks\":[",
        b"{\"number\":1,\"session\":1,\"start\":0,\"recorded\":4294967295,\"reserved\":null,\"runout\":2,\"closed\":true,\"audio\":false,\"method\":\"tao\",\"damaged\":false}",
        b"\"start\":",
        b"\"recorded\":",
        b"\"reserved\":",
        b"\"runout\":",
        b"\"closed_sessions\":",
        b"\"written_extent\":",
        b"\"faults\":[",
        b"\"fired\":{\"0\":4294967295}",
        b"\"media_id\":\"\"",
        b"\"cd-r\"",
        b"\"bd-re\"",
        b"\"dvd+r-dl\"",
        b"true",
        b"false",
        b"null",
        b"[]",
        b"{}",
        b"DISCRW-VMEDIUM\0\0",
    ];
    dict.extend_from_slice(NUMBERS);
    // Each execution writes a file and runs a dozen commands: a tenth of the parser count.
    let iters = std::env::var("DISCRW_FUZZ_EMU_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(common::fuzz::iterations() / 10);
    fuzz_n("virtual_medium_file", iters, &medium_seeds(), &dict, |d| {
        std::fs::write(&path, d).expect("write medium");
        let clock: SharedClock = VirtualClock::shared();
        let Ok(emu) = EmuDrive::open(&path, clock.clone()) else {
            return;
        };
        let mut drive = Drive::with_clock(emu, clock);
        let _ = drive.identify();
        let info = drive.media_info();
        let _ = drive.media_status();
        let _ = drive.read_capacity_10();
        let _ = drive.read_full_toc();
        let _ = drive.read_format_capacities();
        let _ = drive.get_write_speeds();
        let mut buf = vec![0u8; 2 * 2048];
        let _ = drive.read_10(0, 2, &mut buf, false);
        if let Ok(i) = &info
            && let Some(c) = i.capacity_blocks
        {
            let _ = drive.read_10(c.saturating_sub(1), 2, &mut buf, false);
        }
        // One block at the next writable address, when that is near (the file is sparse,
        // but a lie could point terabytes in).
        if let Ok(i) = &info
            && let Some(nwa) = i.next_writable_address
            && nwa < 1 << 20
        {
            let _ = drive.write_10(nwa, 1, &[0xA5; 2048], false);
            let _ = drive.synchronize_cache_10(false);
        }
    });
}
