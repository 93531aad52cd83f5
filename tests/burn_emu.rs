//! `discrw burn`, `verify`, `blank` and `format` through the real binary against the
//! emulated drive (issue 4, "Done means").
//!
//! What a burn put on the disc is read back independently of discrw's read path: straight
//! out of the virtual medium file at the documented offsets (docs/virtual-drive.md, "The
//! medium file": 65536 + LBA × 2352 on CD, × 2048 otherwise), hashed with the external
//! `sha256sum` and compared byte for byte with the image. The disc state is checked twice:
//! `discrw info --json` (READ DISC INFORMATION) and the medium file's own metadata. And
//! `discrw rip` of each burned kind gives back the image's SHA-256.

mod common;

use common::*;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `count` user-data sectors from LBA `start`, straight from the medium file (docs/
/// virtual-drive.md: on CD a version 2 file stores the encoded sector, user data at 16).
fn medium_sectors(m: &Path, start: u64, count: u64) -> Vec<u8> {
    let kind = meta(m)["kind"].as_str().expect("kind").to_string();
    let b = std::fs::read(m).expect("read medium");
    let version = u32::from_le_bytes([b[16], b[17], b[18], b[19]]);
    let (stride, user): (u64, u64) = match (kind.starts_with("cd"), version) {
        (true, 1) => (2352, 0),
        (true, _) => (2352, 16),
        (false, _) => (2048, 0),
    };
    let mut out = Vec::with_capacity((count * 2048) as usize);
    for lba in start..start + count {
        let off = (65536 + lba * stride + user) as usize;
        // Never-written blocks are holes past the end of the file: zeros.
        let mut s = vec![0u8; 2048];
        if off < b.len() {
            let end = (off + 2048).min(b.len());
            s[..end - off].copy_from_slice(&b[off..end]);
        }
        out.extend_from_slice(&s);
    }
    out
}

/// `discrw info --json`'s media object (READ DISC INFORMATION / TRACK INFORMATION).
fn info(m: &Path) -> Value {
    info_json(m)["media"].clone()
}

/// The image is on the disc at `start`: same bytes, same SHA-256 (external tool), and
/// `discrw verify` (reading through the drive) agrees.
fn assert_on_disc(dir: &Path, m: &Path, img: &Path, start: u64) {
    let want = std::fs::read(img).expect("read image");
    let sectors = (want.len() as u64).div_ceil(2048);
    let mut got = medium_sectors(m, start, sectors);
    got.truncate(want.len());
    let back = dir.join(format!(
        "{}.readback",
        m.file_name().and_then(|n| n.to_str()).unwrap_or("m")
    ));
    std::fs::write(&back, &got).expect("write readback");
    assert_eq!(
        sha256sum(&back),
        sha256sum(img),
        "SHA-256 of the disc's sectors {start}.. differs from the image's"
    );
    if let Some(i) = got.iter().zip(&want).position(|(a, b)| a != b) {
        panic!("byte {i} (LBA {}) differs", start + i as u64 / 2048);
    }
    let o = ok(&["verify", "-d", &dev(m), p(img)]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains(&format!("{sectors} sectors match")), "{s}");
}

/// Burn `img` (extra options first), check exit 0, the summary and a verified copy.
fn burn_ok(m: &Path, img: &Path, extra: &[&str]) -> String {
    let d = dev(m);
    let mut a = vec!["burn", "-d", d.as_str()];
    a.extend_from_slice(extra);
    a.push(p(img));
    let o = ok(&a);
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(s.contains("sectors match, SHA-256"), "{s}");
    s
}

/// The disc is finalized: READ DISC INFORMATION says complete and so does the medium.
fn assert_finalized(m: &Path) {
    assert_eq!(info(m)["status"], "complete", "{}", info(m));
    assert_eq!(meta(m)["finalized"], true, "{}", meta(m));
}

/// The disc is left appendable.
fn assert_appendable(m: &Path) {
    assert_eq!(info(m)["status"], "appendable", "{}", info(m));
    assert_eq!(meta(m)["finalized"], false, "{}", meta(m));
}

/// A working directory with a blank medium of `kind` and an image of `sectors` sectors of
/// noise `seed`.
fn blank_and_image(kind: &str, sectors: u64, seed: u64) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "m.vd", kind, &[]);
    let img = image(d.path(), "a.iso", sectors, seed);
    (d, m, img)
}

fn tracks(m: &Path) -> Vec<Value> {
    meta(m)["tracks"].as_array().cloned().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Every writable family

/// Burn 1000 sectors to a fresh medium of `kind`; check the copy and that the summary names
/// the write mode `mode`.
fn family(kind: &str, extra: &[&str], mode: &str) -> (tempfile::TempDir, PathBuf) {
    let (d, m, img) = blank_and_image(kind, 1000, 0x5eed ^ 1000);
    let out = burn_ok(&m, &img, extra);
    assert!(out.contains(mode), "{kind} {extra:?}: {out}");
    assert_on_disc(d.path(), &m, &img, 0);
    (d, m)
}

/// A formatted medium after the burn (overwritable kinds format the blank disc first).
fn assert_formatted(m: &Path) {
    assert_eq!(meta(m)["formatted"], true, "{}", meta(m));
}

#[test]
fn cd_r_tao() {
    let (_d, m) = family("cd-r", &[], "CD-R Tao");
    assert_finalized(&m);
    let t = tracks(&m);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0]["method"], "tao", "{t:?}");
    // TAO: the drive adds 2 run-out blocks; the image is 1000 sectors, nothing padded.
    assert_eq!(t[0]["recorded"], 1000, "{t:?}");
}

#[test]
fn cd_r_sao() {
    let (_d, m) = family("cd-r", &["--sao"], "CD-R Sao");
    assert_finalized(&m);
    let t = tracks(&m);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_ne!(t[0]["method"], "tao", "{t:?}");
}

#[test]
fn dvd_r_dao() {
    let (_d, m) = family("dvd-r", &["--sao"], "Dao");
    assert_finalized(&m);
    let t = tracks(&m);
    assert_eq!(t.len(), 1, "{t:?}");
    // RESERVE TRACK of the exact written size: 1000 sectors in 16-sector units.
    assert_eq!(t[0]["reserved"], 1008, "{t:?}");
    assert_eq!(t[0]["recorded"], 1008, "{t:?}");
}

#[test]
fn dvd_r_incremental() {
    let (_d, m) = family("dvd-r", &[], "Incremental");
    assert_finalized(&m);
    assert_eq!(tracks(&m)[0]["method"], "incremental");
}

/// Burns whose summary names the write mode and that leave the disc finalized (write-once
/// kinds) or formatted (overwritable kinds format the blank disc first).
macro_rules! family_tests {
    ($($name:ident: $kind:literal, $mode:literal, $check:ident;)*) => {$(
        #[test]
        fn $name() {
            let (_d, m) = family($kind, &[], $mode);
            $check(&m);
        }
    )*};
}

family_tests! {
    dvd_rw_sequential: "dvd-rw", "DVD-RW", assert_finalized;
    dvd_plus_r: "dvd+r", "DVD+R Sequential", assert_finalized;
    dvd_plus_r_dl: "dvd+r-dl", "DVD+R DL", assert_finalized;
    dvd_plus_rw_formats_and_overwrites_from_lba_0: "dvd+rw", "DVD+RW Overwrite", assert_formatted;
    bd_r: "bd-r", "BD-R", assert_finalized;
    bd_re_is_formatted_first: "bd-re", "BD-RE Overwrite", assert_formatted;
}

/// `discrw rip` of the burned disc gives back the image: same SHA-256 (by `sha256sum`).
/// Overwritable media have no track boundary (the rip would read the whole formatted
/// area), so their rip is told the size; on the others the rip finds the end itself, which
/// shows the burn wrote exactly the image (1024 sectors: whole 32 KiB units, no padding).
#[test]
fn rip_back_equals_the_image_on_every_writable_kind() {
    let d = tempfile::tempdir().unwrap();
    let img = image(d.path(), "a.iso", 1024, 31);
    let want = sha256sum(&img);
    for (kind, extra) in [
        ("cd-r", &[][..]),
        ("cd-r", &["--sao"][..]),
        ("cd-rw", &[][..]),
        ("dvd-r", &[][..]),
        ("dvd-r", &["--sao"][..]),
        ("dvd-rw", &[][..]),
        ("dvd+r", &[][..]),
        ("dvd+r-dl", &[][..]),
        ("dvd+rw", &[][..]),
        ("bd-r", &[][..]),
        ("bd-re", &[][..]),
    ] {
        let name = format!("{kind}{}", extra.join(""));
        let m = medium(d.path(), &format!("{name}.vd"), kind, &[]);
        burn_ok(&m, &img, extra);
        let out = d.path().join(format!("{name}.rip.iso"));
        let dv = dev(&m);
        let mut a = vec!["rip", "-d", dv.as_str(), p(&out)];
        if kind == "dvd+rw" || kind == "bd-re" {
            a.extend_from_slice(&["--size", "1024"]);
        }
        ok(&a);
        assert_eq!(sha256sum(&out), want, "{name}: rip differs from the image");
        std::fs::remove_file(&out).unwrap();
    }
}

#[test]
fn multi_leaves_the_disc_appendable_and_a_second_session_goes_after_it() {
    for kind in ["cd-r", "dvd-r", "dvd+r", "bd-r"] {
        let d = tempfile::tempdir().unwrap();
        let m = medium(d.path(), "m.vd", kind, &[]);
        let a = image(d.path(), "a.iso", 300, 1);
        let b = image(d.path(), "b.iso", 200, 2);
        burn_ok(&m, &a, &["--multi"]);
        assert_appendable(&m);
        assert_on_disc(d.path(), &m, &a, 0);
        // An appendable disc is not blank: refused without --force.
        let (_, l) = fails(&["burn", "-d", &dev(&m), p(&b)], 4);
        assert!(
            l.contains("not blank") && l.contains("--force"),
            "{kind}: {l}"
        );
        let out = burn_ok(&m, &b, &["--force"]);
        assert_finalized(&m);
        let t = tracks(&m);
        assert_eq!(t.len(), 2, "{kind}: {t:?}");
        let start = t[1]["start"].as_u64().expect("start");
        assert!(start > 300, "{kind}: {t:?}");
        assert!(out.contains(&format!("at LBA {start}")), "{kind}: {out}");
        assert_on_disc(d.path(), &m, &b, start);
        assert_on_disc(d.path(), &m, &a, 0);
    }
}

#[test]
fn cd_rw_after_blank() {
    let d = tempfile::tempdir().unwrap();
    let old = image(d.path(), "old.iso", 500, 7);
    let m = medium(d.path(), "rw.vd", "cd-rw", &["--from", p(&old)]);
    let img = image(d.path(), "new.iso", 800, 8);
    // Written and closed: refused without --blank, nothing changed.
    let before = std::fs::read(&m).unwrap();
    let (_, l) = fails(&["burn", "-d", &dev(&m), p(&img)], 4);
    assert!(l.contains("not blank") && l.contains("--blank"), "{l}");
    assert_eq!(
        std::fs::read(&m).unwrap(),
        before,
        "a refused burn changed the disc"
    );
    // `discrw blank` with progress, then burn.
    let o = ok(&["blank", "-d", &dev(&m)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("blanking"), "{}", text(&o));
    assert_eq!(info(&m)["status"], "blank");
    burn_ok(&m, &img, &[]);
    assert_on_disc(d.path(), &m, &img, 0);
    assert_finalized(&m);
    let out = d.path().join("rip.iso");
    ok(&["rip", "-d", &dev(&m), p(&out)]);
    assert_eq!(sha256sum(&out), sha256sum(&img), "rip after blank + burn");
    // And `burn --blank` in one go.
    let img2 = image(d.path(), "new2.iso", 600, 9);
    burn_ok(&m, &img2, &["--blank"]);
    assert_on_disc(d.path(), &m, &img2, 0);
    assert_finalized(&m);
}

#[test]
fn dvd_rw_blank_full_then_burn() {
    let d = tempfile::tempdir().unwrap();
    let old = image(d.path(), "old.iso", 300, 3);
    let m = medium(d.path(), "rw.vd", "dvd-rw", &["--from", p(&old)]);
    ok(&["blank", "--full", "-d", &dev(&m)]);
    assert_eq!(info(&m)["status"], "blank");
    let img = image(d.path(), "a.iso", 400, 4);
    burn_ok(&m, &img, &[]);
    assert_on_disc(d.path(), &m, &img, 0);
}

#[test]
fn format_with_progress_and_json() {
    let d = tempfile::tempdir().unwrap();
    for kind in ["bd-re", "dvd+rw", "dvd-rw"] {
        let m = medium(d.path(), &format!("{kind}.vd"), kind, &[]);
        let o = ok(&["format", "-d", &dev(&m)]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("formatting"), "{kind}: {}", text(&o));
        assert_eq!(meta(&m)["formatted"], true, "{kind}: {}", meta(&m));
        let img = image(d.path(), "a.iso", 100, 5);
        // A formatted medium holds data now: overwriting it needs --force.
        let (_, l) = fails(&["burn", "-d", &dev(&m), p(&img)], 4);
        assert!(l.contains("--force"), "{kind}: {l}");
        burn_ok(&m, &img, &["--force"]);
        assert_on_disc(d.path(), &m, &img, 0);
    }
    // --json: progress as JSON lines, then one result document.
    let m = medium(d.path(), "j.vd", "bd-re", &[]);
    let o = ok(&["format", "--json", "-d", &dev(&m)]);
    let s = String::from_utf8_lossy(&o.stdout);
    let first: Value = serde_json::from_str(s.lines().next().unwrap_or("")).expect("JSON line");
    assert!(first.is_object(), "{s}");
}

#[test]
fn blank_refuses_media_that_cannot_be_blanked() {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "r.vd", "dvd+r", &[]);
    let (_, l) = fails(&["blank", "-d", &dev(&m)], 4);
    assert!(l.contains("DVD+R"), "{l}");
    let m = medium(d.path(), "cd.vd", "cd-r", &[]);
    let (_, l) = fails(&["format", "-d", &dev(&m)], 4);
    assert!(l.contains("CD-R"), "{l}");
}

/// `discrw burn --size N EXTRA... -` of `img` fed on standard input by a thread. With
/// `stall_after`, on the real clock: that many bytes at once, a 1.5 s stall, then the rest.
fn stdin_burn(m: &Path, img: &Path, extra: &[&str], stall_after: Option<usize>) -> Output {
    let bytes = std::fs::read(img).unwrap();
    let size = bytes.len().to_string();
    let dv = dev(m);
    let mut args = vec!["burn", "-d", dv.as_str(), "--size", size.as_str()];
    args.extend_from_slice(extra);
    args.push("-");
    let mut c = bin();
    if stall_after.is_some() {
        c.env("DISCRW_EMU_CLOCK", "real");
    }
    let mut c = spawn(
        c.args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut stdin = c.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let first = stall_after.unwrap_or(bytes.len());
        let _ = stdin.write_all(&bytes[..first]);
        if first < bytes.len() {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            let _ = stdin.write_all(&bytes[first..]);
        }
    });
    let o = c.wait_with_output();
    feeder.join().unwrap();
    o
}

#[test]
fn standard_input_with_size() {
    let (d, m, img) = blank_and_image("dvd+r", 700, 11);
    let o = stdin_burn(&m, &img, &[], None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("700 sectors match"));
    assert_on_disc(d.path(), &m, &img, 0);
    assert_finalized(&m);
}

#[test]
fn burn_json_reports_fifo_and_drive_buffer_statistics() {
    let (_d, m, img) = blank_and_image("dvd-r", 4000, 12);
    let o = ok(&["burn", "--json", "-d", &dev(&m), p(&img)]);
    let s = String::from_utf8_lossy(&o.stdout);
    // Progress lines first (one JSON object each), then the pretty-printed result.
    let start = s.find("{\n").expect("result document");
    let v: Value = serde_json::from_str(&s[start..]).expect("result JSON");
    let r = &v["burns"][0]["report"];
    assert_eq!(v["burns"][0]["ok"], true, "{v}");
    assert_eq!(r["image_sectors"], 4000, "{r}");
    assert!(
        r["fifo"]["capacity_bytes"].as_u64().unwrap_or(0) >= 32 << 20,
        "{r}"
    );
    assert_eq!(r["drive_buffer"]["size_bytes"], 4 << 20, "{r}");
    // 8 MB through a 4 MiB drive buffer: it filled, so a minimum fill was measured.
    assert!(r["drive_buffer"]["min_fill"].is_number(), "{r}");
    // The drive's BURN-Free link counter (vendor page 30h): a steady burn never needs it.
    assert_eq!(r["drive_buffer"]["burn_free_links"], 0, "{r}");
    assert!(r["verify"]["sectors"] == 4000, "{r}");
    for l in s[..start].lines() {
        let e: Value = serde_json::from_str(l).expect("progress JSON line");
        assert!(e.is_object(), "{l}");
    }
}

/// User-data bytes per second the emulated drive recorded at, from the JSON report.
fn recorded_rate(m: &Path, img: &Path, speed: &str) -> f64 {
    let o = ok(&["burn", "--json", "--speed", speed, "-d", &dev(m), p(img)]);
    let s = String::from_utf8_lossy(&o.stdout);
    let v: Value = serde_json::from_str(&s[s.find("{\n").expect("document")..]).expect("JSON");
    let r = &v["burns"][0]["report"];
    let sectors = r["written_sectors"].as_f64().expect("written_sectors");
    sectors * 2048.0 / r["write_seconds"].as_f64().expect("write_seconds")
}

#[test]
fn speed_selects_the_drive_speed() {
    let d = tempfile::tempdir().unwrap();
    let img = image(d.path(), "a.iso", 20000, 34);
    // CD: MMC counts speeds in kB/s of 2352-byte sectors, 1x = 176.4 kB/s; the emulated
    // CD-R offers 16x, 24x, 32x, 48x. The first 4 MiB go into the drive buffer at once, so
    // the rate over the burn is a little above the recording speed.
    for (x, sp) in [(16.0, "16"), (24.0, "24"), (32.0, "32x")] {
        let m = medium(d.path(), &format!("cd{x}.vd"), "cd-r", &[]);
        let user = x * 176_400.0 * 2048.0 / 2352.0;
        let r = recorded_rate(&m, &img, sp);
        assert!(
            r >= user * 0.99 && r <= user * 1.2,
            "--speed {sp}: {r} B/s for {user}"
        );
    }
    // DVD-R: 1x = 1385 kB/s of user data; 4x is offered.
    let m = medium(d.path(), "dvd.vd", "dvd-r", &[]);
    let user = 4.0 * 1_385_000.0;
    let r = recorded_rate(&m, &img, "4");
    assert!(
        r >= user * 0.99 && r <= user * 1.2,
        "--speed 4: {r} B/s for {user}"
    );
}

#[test]
fn simulate_where_allowed_and_refused_where_not() {
    let d = tempfile::tempdir().unwrap();
    // One WRITE's worth (16 sectors): the emulated drive does not advance its NWA during a
    // test write, so a second WRITE would be refused there (a real drive accepts it).
    let img = image(d.path(), "a.iso", 16, 13);
    for kind in ["cd-r", "dvd-r"] {
        let m = medium(d.path(), &format!("{kind}.vd"), kind, &[]);
        let o = ok(&["burn", "--simulate", "-d", &dev(&m), p(&img)]);
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            s.contains("(simulated)") && s.contains("verify: not done"),
            "{s}"
        );
        assert_eq!(
            info(&m)["status"],
            "blank",
            "{kind}: a test write recorded data"
        );
    }
    for kind in ["dvd+r", "bd-r", "bd-re", "dvd+rw"] {
        let m = medium(d.path(), &format!("{kind}.vd"), kind, &[]);
        let before = std::fs::read(&m).unwrap();
        let (_, l) = fails(&["burn", "--simulate", "-d", &dev(&m), p(&img)], 4);
        assert!(l.contains("--simulate"), "{kind}: {l}");
        assert_eq!(std::fs::read(&m).unwrap(), before, "{kind}");
    }
}

#[test]
fn no_verify_says_the_burn_is_unverified() {
    let (d, m, img) = blank_and_image("bd-r", 100, 14);
    let o = ok(&["burn", "--no-verify", "-d", &dev(&m), p(&img)]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("unverified"), "{s}");
    assert_on_disc(d.path(), &m, &img, 0);
}

#[test]
fn pad_writes_a_partial_last_sector_padded_with_zeros() {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "p.vd", "cd-r", &[]);
    let img = d.path().join("odd.iso");
    let mut v = std::fs::read(image(d.path(), "x.iso", 10, 15)).unwrap();
    v.truncate(2048 * 9 + 5);
    std::fs::write(&img, &v).unwrap();
    burn_ok(&m, &img, &["--pad"]);
    let got = medium_sectors(&m, 0, 10);
    assert_eq!(&got[..v.len()], &v[..]);
    assert!(got[v.len()..].iter().all(|&b| b == 0), "padding is zeros");
}

// ---------------------------------------------------------------------------------------
// Media refusals: before anything is read or written

#[test]
fn non_blank_media_is_refused_unchanged() {
    let d = tempfile::tempdir().unwrap();
    let old = image(d.path(), "old.iso", 64, 16);
    let img = image(d.path(), "a.iso", 64, 17);
    for kind in ["cd-r", "dvd-r", "dvd+r", "bd-r"] {
        let m = medium(d.path(), &format!("{kind}.vd"), kind, &["--from", p(&old)]);
        let before = std::fs::read(&m).unwrap();
        let (o, l) = fails(&["burn", "-d", &dev(&m), p(&img)], 4);
        assert!(l.contains("not blank"), "{kind}: {l}");
        // Refused before the image was read (no "checking image" phase).
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("checking image"),
            "{}",
            text(&o)
        );
        assert_eq!(std::fs::read(&m).unwrap(), before, "{kind}");
    }
    // No medium at all.
    let m = medium(d.path(), "none.vd", "dvd+r", &["--faults", "no-medium"]);
    let (_, l) = fails(&["burn", "-d", &dev(&m), p(&img)], 4);
    assert!(l.contains("no medium"), "{l}");
    // A pressed disc.
    let m = medium(d.path(), "rom.vd", "dvd-rom", &["--from", p(&old)]);
    let (_, l) = fails(&["burn", "-d", &dev(&m), p(&img)], 4);
    assert!(l.contains("not a writable medium"), "{l}");
}

#[test]
fn image_larger_than_the_medium_is_refused_before_writing() {
    let d = tempfile::tempdir().unwrap();
    // (kind, capacity, an image one sector too large, an image that fits: BD-RE loses
    // blocks to spare areas when formatted, so less than its capacity fits there).
    for (kind, cap, sectors, fits) in [
        ("cd-r", "100", 101, 100),
        ("dvd-r", "96", 97, 96),
        ("bd-r", "64", 65, 64),
        ("bd-re", "64", 65, 32),
    ] {
        let m = medium(d.path(), &format!("{kind}.vd"), kind, &["--capacity", cap]);
        let img = image(d.path(), &format!("{kind}.iso"), sectors, 18);
        let before = std::fs::read(&m).unwrap();
        let (_, l) = fails(&["burn", "-d", &dev(&m), p(&img)], 4);
        assert!(l.contains(&sectors.to_string()), "{kind}: {l}");
        assert!(l.contains("nothing was written"), "{kind}: {l}");
        assert_eq!(std::fs::read(&m).unwrap(), before, "{kind}");
        // The exact size fits.
        let img = image(d.path(), &format!("{kind}-fit.iso"), fits, 19);
        burn_ok(&m, &img, &[]);
    }
}

// ---------------------------------------------------------------------------------------
// Faults during the burn

#[test]
fn long_write_in_progress_is_waited_out() {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "l.vd", "dvd-r", &["--faults", "long-write@512x5"]);
    let img = image(d.path(), "a.iso", 1000, 20);
    let out = burn_ok(&m, &img, &[]);
    assert!(out.contains("long write in progress 5 times"), "{out}");
    assert_on_disc(d.path(), &m, &img, 0);
    assert_finalized(&m);
}

/// A failed write: exit 1, the WRITE and sense named, no verify claimed, no success line.
fn write_fault(kind: &str, fault: &str, sense: &str) {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "w.vd", kind, &["--faults", fault]);
    let img = image(d.path(), "a.iso", 1000, 21);
    let (o, l) = fails(&["burn", "-d", &dev(&m), p(&img)], 1);
    assert!(l.contains("WRITE") && l.contains(sense), "{fault}: {l}");
    assert!(l.contains("not verified"), "{fault}: {l}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("match"), "{fault}: {out}");
    // The disc was not finalized over a bad track.
    assert_eq!(meta(&m)["finalized"], false, "{fault}: {}", meta(&m));
}

#[test]
fn write_error_fails_clearly() {
    write_fault("dvd-r", "write-error@700", "03/0C/00");
    write_fault("cd-r", "write-error@10", "03/0C/00");
    write_fault("bd-r", "write-error@300", "03/0C/00");
}

#[test]
fn power_calibration_error_fails_clearly() {
    write_fault("dvd+r", "power-calibration", "03/73/03");
}

#[test]
fn medium_removed_mid_burn() {
    // Whichever command of the write phase sees it (a WRITE, or READ BUFFER CAPACITY
    // between writes: 40 and 41 are one of each here), the burn stops: a media change is
    // never retried while writing.
    let faults = (38..=45).flat_map(|n| {
        [
            format!("media-change@cmd{n}"),
            format!("tray-opened@cmd{n}"),
        ]
    });
    for fault in faults {
        let fault = fault.as_str();
        let d = tempfile::tempdir().unwrap();
        let m = medium(d.path(), "r.vd", "dvd-r", &["--faults", fault]);
        let img = image(d.path(), "a.iso", 2000, 22);
        let (o, l) = fails(&["burn", "-d", &dev(&m), p(&img)], 4);
        assert!(l.contains("medium removed"), "{fault}: {l}");
        assert!(l.contains("not verified"), "{fault}: {l}");
        assert!(!String::from_utf8_lossy(&o.stdout).contains("match"));
    }
}

#[test]
fn corrupted_sector_on_the_disc_is_named_by_verify() {
    let (_d, m, img) = blank_and_image("dvd+r", 500, 23);
    burn_ok(&m, &img, &[]);
    // Flip bytes of LBA 321 in the medium file (documented layout).
    let mut b = std::fs::read(&m).unwrap();
    let off = 65536 + 321 * 2048 + 100;
    b[off] ^= 0xFF;
    b[off + 1] ^= 0x55;
    std::fs::write(&m, &b).unwrap();
    let (o, l) = fails(&["verify", "-d", &dev(&m), p(&img)], 6);
    assert!(l.contains("321"), "{l}");
    assert!(l.contains("1 sector differs at LBA 321"), "{l}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("sectors match"));
    // Two separate ranges are both named.
    let mut b = std::fs::read(&m).unwrap();
    for lba in [10u64, 11, 12, 400] {
        b[(65536 + lba * 2048) as usize] ^= 1;
    }
    std::fs::write(&m, &b).unwrap();
    let (_, l) = fails(&["verify", "-d", &dev(&m), p(&img)], 6);
    assert!(
        l.contains("10-12") && l.contains("321") && l.contains("400"),
        "{l}"
    );
}

/// An ISO 9660 image made by genisoimage (Rock Ridge) with two files of known content.
fn iso_with_two_files(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("first.bin"), vec![0xA1u8; 40 * 2048]).unwrap();
    std::fs::write(root.join("second.bin"), vec![0xB2u8; 40 * 2048]).unwrap();
    let img = dir.join("files.iso");
    let o = try_run(
        Command::new("genisoimage")
            .args(["-quiet", "-R", "-o"])
            .arg(&img)
            .arg(&root),
    )
    .expect("genisoimage (package genisoimage) is needed by this test and was not found");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    img
}

#[test]
fn verify_names_the_files_a_bad_sector_belongs_to() {
    let d = tempfile::tempdir().unwrap();
    let img = iso_with_two_files(d.path());
    let m = medium(d.path(), "f.vd", "dvd+r", &[]);
    burn_ok(&m, &img, &["--pad"]);
    // The sector of second.bin: found by its content, not by discrw's ISO reader.
    let bytes = std::fs::read(&img).unwrap();
    let lba = bytes
        .chunks(2048)
        .position(|c| c.iter().all(|&b| b == 0xB2))
        .expect("a sector of second.bin") as u64
        + 5;
    let mut b = std::fs::read(&m).unwrap();
    b[(65536 + lba * 2048) as usize] ^= 0xFF;
    std::fs::write(&m, &b).unwrap();
    let (_, l) = fails(&["verify", "-d", &dev(&m), p(&img)], 6);
    assert!(l.contains(&lba.to_string()), "{l}");
    assert!(l.contains("second.bin") && !l.contains("first.bin"), "{l}");
}

#[test]
fn unreadable_sector_after_the_burn_is_exit_5() {
    let d = tempfile::tempdir().unwrap();
    let m = medium(
        d.path(),
        "u.vd",
        "bd-r",
        &["--faults", "medium-error@200-201"],
    );
    let img = image(d.path(), "a.iso", 500, 24);
    let (_, l) = fails(&["burn", "-d", &dev(&m), p(&img)], 5);
    assert!(l.contains("2 sectors are unreadable at LBA 200-201"), "{l}");
    assert!(
        !l.contains("differ"),
        "only the unreadable sectors are named: {l}"
    );
    let (_, l) = fails(&["verify", "-d", &dev(&m), p(&img)], 5);
    assert!(l.contains("200-201"), "{l}");
}

#[test]
fn verify_uses_the_sha256_file_next_to_the_image() {
    let (d, m, img) = blank_and_image("dvd+r", 100, 25);
    burn_ok(&m, &img, &[]);
    let sum = sha256sum(&img);
    std::fs::write(d.path().join("a.iso.sha256"), format!("{sum}  a.iso\n")).unwrap();
    ok(&["verify", "-d", &dev(&m), p(&img)]);
    // A .sha256 that does not match the image: the image is not what was meant.
    let bad = "0".repeat(64);
    std::fs::write(d.path().join("a.iso.sha256"), format!("{bad}  a.iso\n")).unwrap();
    let (_, l) = fails(&["verify", "-d", &dev(&m), p(&img)], 6);
    assert!(l.contains(".sha256"), "{l}");
}

// ---------------------------------------------------------------------------------------
// Several drives from one reader

#[test]
fn parallel_burn_to_three_drives_verifies_each() {
    let d = tempfile::tempdir().unwrap();
    let img = image(d.path(), "a.iso", 3000, 26);
    let ms = [
        medium(d.path(), "a.vd", "dvd+r", &[]),
        medium(d.path(), "b.vd", "bd-r", &[]),
        medium(d.path(), "c.vd", "cd-r", &[]),
    ];
    let devs = ms.iter().map(|m| dev(m)).collect::<Vec<_>>().join(",");
    let o = ok(&["burn", "-d", &devs, p(&img)]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(s.matches("3000 sectors match").count(), 3, "{s}");
    for m in &ms {
        assert_on_disc(d.path(), m, &img, 0);
        assert_finalized(m);
    }
}

#[test]
fn parallel_burn_with_one_drive_failing_finishes_the_others() {
    let d = tempfile::tempdir().unwrap();
    let img = image(d.path(), "a.iso", 3000, 27);
    let good1 = medium(d.path(), "g1.vd", "dvd-r", &[]);
    let bad = medium(
        d.path(),
        "bad.vd",
        "dvd-r",
        &["--faults", "write-error@1000"],
    );
    let good2 = medium(d.path(), "g2.vd", "dvd+r", &[]);
    let devs = format!("{},{},{}", dev(&good1), dev(&bad), dev(&good2));
    let (o, l) = fails(&["burn", "-d", &devs, p(&img)], 1);
    assert!(
        l.contains("1 of 3 burns failed") && l.contains("bad.vd"),
        "{l}"
    );
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(s.matches("3000 sectors match").count(), 2, "{s}");
    assert!(s.contains("bad.vd") && s.contains("03/0C/00"), "{s}");
    for m in [&good1, &good2] {
        assert_on_disc(d.path(), m, &img, 0);
        assert_finalized(m);
    }
    assert_eq!(meta(&bad)["finalized"], false);
}

// ---------------------------------------------------------------------------------------
// Buffer underrun (wall clock: the drive drains in real time while the source stalls)

/// A burn of standard input to a blank DVD-R on the real clock: an 8192-sector image of
/// noise `seed`, its first 8 MiB at once, then the stall. 8 MiB fills the 4 MiB drive
/// buffer; at 16x it drains in ~0.2 s, so the 1.5 s stall runs it dry.
fn stalled_stdin_burn(seed: u64, extra: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf, Output) {
    let (d, m, img) = blank_and_image("dvd-r", 8192, seed);
    let o = stdin_burn(&m, &img, extra, Some(8 << 20));
    (d, m, img, o)
}

#[test]
fn underrun_without_burnfree_and_a_tiny_fifo_fails_the_burn() {
    let (_d, m, _, o) = stalled_stdin_burn(28, &["--fifo", "64K", "--no-burnfree"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let l = error_line(&o);
    assert!(l.contains("buffer underrun at LBA"), "{l}");
    assert!(l.contains("03/0C/09") || l.contains("05/21/02"), "{l}");
    assert!(l.contains("BURN-Free"), "hint: {l}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("match"));
    assert_eq!(meta(&m)["tracks"][0]["damaged"], true, "{}", meta(&m));
}

#[test]
fn underrun_with_burnfree_is_survived() {
    let (d, m, img, o) = stalled_stdin_burn(29, &["--fifo", "64K"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("8192 sectors match"));
    assert_on_disc(d.path(), &m, &img, 0);
    assert_eq!(meta(&m)["tracks"][0]["damaged"], false);
}

// ---------------------------------------------------------------------------------------
// Copies

#[test]
fn copies_wait_for_the_next_blank_disc() {
    let d = tempfile::tempdir().unwrap();
    let img = image(d.path(), "a.iso", 64, 32);
    // The emulated drive swaps in a new blank disc (and closes the tray) at command 1000:
    // after copy 1 is burned, verified and ejected, while discrw polls for the next disc.
    let m = medium(
        d.path(),
        "c.vd",
        "dvd+r",
        &["--faults", "media-change@cmd1000"],
    );
    let o = ok(&["burn", "--copies", "2", "-d", &dev(&m), p(&img)]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(s.matches("64 sectors match").count(), 2, "{s}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("insert the next blank disc"), "{err}");
    assert_on_disc(d.path(), &m, &img, 0);
    assert_finalized(&m);
    // --json lists each copy.
    let m = medium(
        d.path(),
        "j.vd",
        "dvd+r",
        &["--faults", "media-change@cmd1000"],
    );
    let o = ok(&["burn", "--json", "--copies", "2", "-d", &dev(&m), p(&img)]);
    let s = String::from_utf8_lossy(&o.stdout);
    let v: Value = serde_json::from_str(&s[s.find("{\n").expect("document")..]).expect("JSON");
    let copies: Vec<u64> = v["burns"]
        .as_array()
        .expect("burns")
        .iter()
        .map(|b| b["copy"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(copies, [1, 2], "{v}");
}

#[test]
fn copies_without_a_new_disc_fail_after_the_first_clearly() {
    let d = tempfile::tempdir().unwrap();
    let img = image(d.path(), "a.iso", 64, 33);
    let m = medium(d.path(), "c.vd", "dvd+r", &[]);
    let (o, l) = fails(&["burn", "--copies", "2", "-d", &dev(&m), p(&img)], 4);
    assert!(l.contains("1 of 2 burns failed"), "{l}");
    assert!(l.contains("no new disc was inserted"), "{l}");
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(s.matches("64 sectors match").count(), 1, "{s}");
    // Copy 1 is intact (in the tray discrw opened for the next disc).
    assert_eq!(meta(&m)["tray_open"], true);
    ok(&["eject", "--load", "-d", &dev(&m)]);
    assert_on_disc(d.path(), &m, &img, 0);
}

// ---------------------------------------------------------------------------------------
// Interruption

#[test]
fn sigint_during_a_burn_closes_the_track_and_exits_130() {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "i.vd", "dvd+r", &[]);
    // 64 MiB at the slowest speed on the wall clock: several seconds of writing.
    let img = image(d.path(), "a.iso", 32768, 30);
    let c = spawn(
        bin()
            .args(["burn", "--speed", "1", "-d", &dev(&m), p(&img)])
            .env("DISCRW_EMU_CLOCK", "real")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let k = try_run(Command::new("kill").args(["-INT", &c.id().to_string()]))
        .expect("kill(1) is needed by this test")
        .status;
    assert!(k.success());
    let started = std::time::Instant::now();
    let o = c.wait_with_output();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "burn took {:?} to stop after SIGINT",
        started.elapsed()
    );
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    let l = error_line(&o);
    assert!(l.contains("interrupted"), "{l}");
    assert!(l.contains("track was closed"), "{l}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("match"));
    // What was written is a closed track on a disc left appendable (not finalized).
    let t = tracks(&m);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0]["closed"], true, "{t:?}");
    let recorded = t[0]["recorded"].as_u64().unwrap_or(0);
    assert!(recorded > 0 && recorded < 32768, "{t:?}");
    assert_eq!(meta(&m)["finalized"], false);
    assert_eq!(info(&m)["status"], "appendable");
}

#[test]
fn sigint_while_standard_input_stalls_closes_the_track_and_exits_130() {
    // The producer sends 8 MiB and then goes quiet with the pipe still open: the writer has
    // emptied the FIFO and waits for data, the reader waits in read(2). SIGINT must still
    // close the track and end the burn at once, not after the next byte arrives.
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "s.vd", "dvd+r", &[]);
    let mut c = spawn(
        bin()
            .args([
                "burn",
                "--size",
                "67108864",
                "--fifo",
                "4M",
                "-d",
                &dev(&m),
                "-",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut stdin = c.stdin.take().unwrap();
    stdin.write_all(&vec![0x5Au8; 8 << 20]).unwrap();
    stdin.flush().unwrap();
    // Let the writer drain what was sent (the emulated drive's clock is virtual).
    std::thread::sleep(std::time::Duration::from_millis(1500));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(c.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(c.wait_with_output()));
    let o = match rx.recv_timeout(std::time::Duration::from_secs(20)) {
        Ok(o) => o,
        Err(_) => panic!("burn still running 20 s after SIGINT while standard input stalled"),
    };
    drop(stdin);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    let l = error_line(&o);
    assert!(l.contains("interrupted"), "{l}");
    // The 8 MiB that arrived are on the disc in a closed track; the disc stays appendable.
    let t = tracks(&m);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0]["closed"], true, "{t:?}");
    assert_eq!(t[0]["recorded"].as_u64(), Some(4096), "{t:?}");
    assert_eq!(info(&m)["status"], "appendable");
}

/// Burn `img` to `m` at 1x on the wall clock with the terminal a pseudo-terminal made by
/// script(1) (util-linux): `keys` are typed in order, each once `after` has shown up in
/// what the terminal displays. Returns the exit code and the terminal's text.
fn burn_on_a_terminal(m: &Path, img: &Path, keys: &[(&str, &[u8])]) -> (Option<i32>, String) {
    on_a_terminal(&format!("exec {}", burn_at_1x(m, img)), keys)
}

/// The shell words of `discrw burn --speed 1` of `img` to `m`.
fn burn_at_1x(m: &Path, img: &Path) -> String {
    format!(
        "'{}' -d '{}' burn --speed 1 '{}'",
        env!("CARGO_BIN_EXE_discrw"),
        dev(m),
        img.display()
    )
}

/// Run the shell command `cmd` on a pseudo-terminal made by script(1), typing `keys` as
/// `burn_on_a_terminal` does. Returns script's exit code and the terminal's text.
fn on_a_terminal(cmd: &str, keys: &[(&str, &[u8])]) -> (Option<i32>, String) {
    use std::io::Read;
    use std::sync::{Arc, Mutex};
    let mut c = try_spawn(
        Command::new("script")
            .args(["-qec", cmd, "/dev/null"])
            .env("DISCRW_EMU_CLOCK", "real")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .expect("script(1) from util-linux is needed by this test");
    let shown = Arc::new(Mutex::new(Vec::new()));
    let mut out = c.stdout.take().unwrap();
    let sink = shown.clone();
    let reader = std::thread::spawn(move || {
        let mut b = [0u8; 4096];
        while let Ok(n) = out.read(&mut b) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&b[..n]);
        }
    });
    let mut stdin = c.stdin.take().unwrap();
    let text = |s: &Arc<Mutex<Vec<u8>>>| String::from_utf8_lossy(&s.lock().unwrap()).into_owned();
    for (after, key) in keys {
        let started = std::time::Instant::now();
        while !text(&shown).contains(after) {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "the terminal never showed {after:?}:\n{}",
                text(&shown)
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        stdin.write_all(key).unwrap();
        stdin.flush().unwrap();
    }
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = c.try_wait() {
            break s;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "burn still running:\n{}",
            text(&shown)
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    drop(stdin);
    reader.join().unwrap();
    (status.code(), text(&shown))
}

const QUESTION: &str = "stop the burn?";

#[test]
fn sigint_on_a_terminal_asks_and_no_goes_on_to_a_verified_disc() {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "t.vd", "dvd+r", &[]);
    let img = image(d.path(), "a.iso", 16384, 31);
    // Ctrl-C typed on the terminal is SIGINT from the line discipline, as for a user.
    let (code, shown) = burn_on_a_terminal(&m, &img, &[("writing", b"\x03"), (QUESTION, b"n\n")]);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("going on"), "{shown}");
    assert!(shown.contains("16384 sectors match"), "{shown}");
    assert_on_disc(d.path(), &m, &img, 0);
    assert_eq!(info(&m)["status"], "complete");
}

/// Ctrl-C on the terminal, then `answer` to the question: the burn stops with the track
/// closed and the disc appendable.
fn stopped_on_a_terminal(answer: &[u8], seed: u64) {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "t.vd", "dvd+r", &[]);
    let img = image(d.path(), "a.iso", 32768, seed);
    let (code, shown) = burn_on_a_terminal(&m, &img, &[("writing", b"\x03"), (QUESTION, answer)]);
    assert_eq!(code, Some(130), "{shown}");
    assert!(shown.contains("track was closed"), "{shown}");
    let t = tracks(&m);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0]["closed"], true, "{t:?}");
    assert_eq!(info(&m)["status"], "appendable");
}

#[test]
fn sigint_on_a_terminal_asks_and_yes_stops_with_the_track_closed() {
    stopped_on_a_terminal(b"y\n", 32);
}

#[test]
fn a_second_sigint_while_asking_stops_at_once() {
    stopped_on_a_terminal(b"\x03", 33);
}

#[test]
fn sigint_to_a_background_burn_stops_it_without_asking() {
    // An interactive shell with job control: the burn runs in the background, in its own
    // process group, with the terminal as standard input. It must not ask (it could never
    // read the answer: a background read of the terminal stops the process) but stop as
    // without a terminal.
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "t.vd", "dvd+r", &[]);
    let img = image(d.path(), "a.iso", 32768, 34);
    let cmd = format!(
        "bash --norc --noprofile -ic '{} & sleep 2; kill -INT %1; wait %1; echo job-exit=$?'",
        burn_at_1x(&m, &img).replace('\'', "")
    );
    let (code, shown) = on_a_terminal(&cmd, &[]);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("job-exit=130"), "{shown}");
    assert!(!shown.contains(QUESTION), "{shown}");
    assert!(shown.contains("track was closed"), "{shown}");
    assert_eq!(tracks(&m)[0]["closed"], true);
}
