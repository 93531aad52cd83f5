//! `discrw rip` end to end: the real binary against the emulated drive (`virtual:PATH`).
//! Source images are made by genisoimage; checksums come from sha256sum and maps are read
//! by ddrescuelog, so nothing here trusts discrw's own view of what it did.

mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A small ISO 9660 image made by genisoimage: a few files of pseudo-random bytes
/// (`kib` KiB in all), so every sector differs.
fn make_iso(dir: &Path, name: &str, kib: usize) -> PathBuf {
    let src = dir.join(format!("{name}.d"));
    fs::create_dir_all(&src).unwrap();
    let mut x = 0x9E37_79B9u32 ^ name.len() as u32;
    for f in 0..4 {
        let mut v = vec![0u8; kib * 1024 / 4];
        for b in v.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        fs::write(src.join(format!("file{f}.bin")), v).unwrap();
    }
    let iso = dir.join(format!("{name}.iso"));
    tool(
        "genisoimage",
        &[
            "-quiet",
            "-R",
            "-J",
            "-V",
            "RIPTEST",
            "-o",
            iso.to_str().unwrap(),
            src.to_str().unwrap(),
        ],
        dir,
    );
    iso
}

/// A virtual disc of `media` holding `from` (made through the CLI), as a `--device`.
fn create(dir: &Path, name: &str, media: &str, from: &Path, faults: Option<&str>) -> String {
    let mut extra = vec!["--from", p(from)];
    extra.extend(faults.map(|f| ["--faults", f]).into_iter().flatten());
    dev(&medium(dir, &format!("{name}.vdisc"), media, &extra))
}

/// A working directory holding a `kib`-KiB genisoimage image and a virtual disc of `media`
/// made from it (`disc.vdisc`, with `faults`).
struct Disc {
    d: tempfile::TempDir,
    iso: PathBuf,
    dev: String,
}

fn disc(media: &str, kib: usize, faults: Option<&str>) -> Disc {
    let d = tempfile::tempdir().unwrap();
    let iso = make_iso(d.path(), "src", kib);
    let dev = create(d.path(), "disc", media, &iso, faults);
    Disc { d, iso, dev }
}

fn rip(dev: &str, out: &Path, extra: &[&str]) -> Output {
    let mut c = bin();
    c.args(["--json", "-d", dev, "rip"]).arg(out).args(extra);
    run(&mut c)
}

/// The `summary` JSON document on stdout.
fn summary(o: &Output) -> serde_json::Value {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "summary")
        .unwrap_or_else(|| panic!("no summary: {}", text(o)))
}

fn assert_exact(o: &Output, out: &Path, source: &Path) {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
    let want = sha256sum(source);
    assert_eq!(sha256sum(out), want, "image differs from the source");
    let s = summary(o);
    assert_eq!(s["sha256"], want.as_str(), "{s}");
    // The .sha256 file checks with sha256sum -c.
    let dir = out.parent().unwrap();
    let name = format!("{}.sha256", out.file_name().unwrap().to_string_lossy());
    tool("sha256sum", &["-c", &name], dir);
}

fn rips_exactly(media: &str) {
    let Disc { d, iso, dev } = disc(media, 3000, None);
    let out = d.path().join("out.iso");
    let o = rip(&dev, &out, &[]);
    assert_exact(&o, &out, &iso);
    let s = summary(&o);
    assert_eq!(
        s["bytes"].as_u64(),
        Some(fs::metadata(&iso).unwrap().len()),
        "{s}"
    );
    assert!(
        s["unreadable"].as_array().is_some_and(|a| a.is_empty()),
        "{s}"
    );
}

#[test]
fn cd_rom_rips_exactly() {
    rips_exactly("cd-rom");
}

#[test]
fn dvd_rom_rips_exactly() {
    rips_exactly("dvd-rom");
}

#[test]
fn bd_rom_rips_exactly() {
    rips_exactly("bd-rom");
}

/// `--speed`: SET CD SPEED (BBh) on a CD, SET STREAMING (B6h) on DVD and BD (seen in the
/// `-v` command trace); `--json` makes every stdout line a JSON document, progress events
/// carrying the medium's 1x in bytes/s (CD 153,600, DVD 1,385,000, BD 4,495,625).
#[test]
fn speed_is_set_with_the_media_family_command_and_json_lines_carry_the_1x() {
    let d = tempfile::tempdir().unwrap();
    let iso = make_iso(d.path(), "src", 1000);
    for (media, opcode, one_x) in [
        ("cd-rom", "cdb: bb ", 153_600u64),
        ("dvd-rom", "cdb: b6 ", 1_385_000),
        ("bd-rom", "cdb: b6 ", 4_495_625),
    ] {
        let dev = create(d.path(), media, media, &iso, None);
        let out = d.path().join(format!("{media}.iso"));
        let mut c = bin();
        c.args(["--json", "-v", "-d", &dev, "rip", "--speed", "4"])
            .arg(&out);
        let o = run(&mut c);
        assert_exact(&o, &out, &iso);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(opcode),
            "{media}: no {opcode}in the trace: {err}"
        );
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{media}: {e}: {l}")))
            .collect();
        assert!(
            lines
                .iter()
                .any(|v| v["event"] == "progress" && v["one_x_bytes_per_sec"] == one_x),
            "{media}: no progress event with 1x = {one_x}: {lines:?}"
        );
    }
}

/// A burned and closed CD-R is a TAO track: its last 2 blocks are run-out that never read;
/// they are left out, not reported as errors.
#[test]
fn cd_r_rips_exactly_and_tao_run_out_is_no_error() {
    let Disc { d, iso, dev } = disc("cd-r", 2000, None);
    let out = d.path().join("out.iso");
    let o = rip(&dev, &out, &[]);
    assert_exact(&o, &out, &iso);
    let s = summary(&o);
    let all = s.to_string();
    assert!(
        s["size_source"] == "track_less_run_out" || all.contains("run-out"),
        "{s}"
    );
}

#[test]
fn dvd_plus_r_rips_exactly() {
    rips_exactly("dvd+r");
}

#[test]
fn bd_r_rips_exactly() {
    rips_exactly("bd-r");
}

/// READ CAPACITY over-reports by 150 blocks: the image is still the ISO's size.
#[test]
fn over_reporting_capacity_rips_to_the_iso_size() {
    for media in ["dvd-rom", "cd-rom"] {
        let Disc { d, iso, dev } = disc(media, 1000, Some("over-report=150"));
        let out = d.path().join("out.iso");
        let o = rip(&dev, &out, &[]);
        assert_exact(&o, &out, &iso);
        let s = summary(&o);
        assert!(s.to_string().contains("READ CAPACITY says"), "{s}");
    }
}

fn lba_list(map: &Path, bytes: &str) -> Vec<u64> {
    lba_list_of(map, bytes, "-l-")
}

/// The sectors of a map in the given state, as `ddrescuelog -l` lists them (`-l-` bad, `-l+`
/// finished).
fn lba_list_of(map: &Path, bytes: &str, which: &str) -> Vec<u64> {
    let o = tool(
        "ddrescuelog",
        &["-b", bytes, which, map.to_str().unwrap()],
        Path::new("."),
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Medium errors at fixed LBAs: exit 5; the map (read by ddrescuelog), the JSON summary and
/// the error line name exactly those LBAs; every other sector is exact.
#[test]
fn medium_errors_are_listed_exactly_and_exit_5() {
    let Disc { d, iso, dev } = disc(
        "dvd-rom",
        3000,
        Some("medium-error@100-102,medium-error@1200"),
    );
    let out = d.path().join("out.iso");
    let o = rip(&dev, &out, &["--retries", "2"]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("LBA 100-102, 1200"), "{err}");
    let s = summary(&o);
    assert_eq!(
        s["unreadable"],
        serde_json::json!([{"lba": 100, "count": 3}, {"lba": 1200, "count": 1}]),
        "{s}"
    );
    assert!(!out.exists(), "an incomplete image keeps its .part name");
    let map = d.path().join("out.map");
    tool(
        "ddrescuelog",
        &["-t", map.to_str().unwrap()],
        Path::new("."),
    );
    assert_eq!(lba_list(&map, "2048"), vec![100, 101, 102, 1200]);
    // Every other sector is the source's; the bad ones are not claimed.
    let part = fs::read(d.path().join("out.iso.part")).unwrap();
    let src = fs::read(&iso).unwrap();
    for (i, (a, b)) in part.chunks(2048).zip(src.chunks(2048)).enumerate() {
        if ![100, 101, 102, 1200].contains(&i) {
            assert!(a == b, "sector {i} differs");
        }
    }
}

/// Flaky sectors (fail twice, then read) are recovered by the later phases: exit 0, exact.
#[test]
fn flaky_sectors_are_recovered() {
    let Disc { d, iso, dev } = disc("dvd-rom", 2000, Some("flaky@300x2,flaky@301-305x1"));
    let out = d.path().join("out.iso");
    let o = rip(&dev, &out, &[]);
    assert_exact(&o, &out, &iso);
}

/// How many times each scripted fault of a virtual medium has fired, in SPEC order, from the
/// medium file's metadata (docs/virtual-drive.md: JSON at byte 24, its length at 20..24).
fn fired(medium: &Path) -> Vec<u64> {
    meta(medium)["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["fired"]
                .as_object()
                .map(|m| m.values().filter_map(|v| v.as_u64()).sum())
                .unwrap_or(0)
        })
        .collect()
}

/// A unit attention (medium may have changed / reset) and a drive becoming ready, at the
/// start and mid-rip (4 times on the READ covering LBA 900, in the copying phase), are
/// retried, not fatal and not read errors.
#[test]
fn unit_attention_and_becoming_ready_mid_rip_are_retried() {
    let Disc { d, iso, dev } = disc(
        "dvd-rom",
        2000,
        Some("unit-attention@400,reset@700,not-ready,not-ready@900x4"),
    );
    let out = d.path().join("out.iso");
    let o = rip(&dev, &out, &[]);
    assert_exact(&o, &out, &iso);
    let s = summary(&o);
    assert!(
        s["unreadable"].as_array().is_some_and(|a| a.is_empty()),
        "{s}"
    );
    // Every fault really happened.
    assert_eq!(fired(&d.path().join("disc.vdisc")), vec![1, 1, 3, 4]);
}

/// SIGINT mid-rip: exit 130 with the map saved; `--resume` finishes to the same image as an
/// uninterrupted rip (the source). The emulated drive runs on the real clock here and turns
/// "becoming ready" for 4 polls (2 s) at LBA 1000, so the signal surely lands mid-copy.
#[test]
fn interrupted_rip_resumes_bit_identical() {
    interrupt_then_resume(nix::sys::signal::Signal::SIGINT);
}

/// SIGTERM is handled like SIGINT.
#[test]
fn terminated_rip_resumes_bit_identical() {
    interrupt_then_resume(nix::sys::signal::Signal::SIGTERM);
}

/// A rip to `out` on the real clock, returned 300 ms after it started copying (its map and
/// `.part` image exist).
fn rip_copying(dev: &str, out: &Path, map: &Path) -> Spawned {
    let part = out.with_extension("iso.part");
    let child = spawn(
        bin()
            .env("DISCRW_EMU_CLOCK", "real")
            .args(["-d", dev, "rip"])
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let t = Instant::now();
    while !(map.exists() && part.exists()) && t.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    child
}

fn interrupt_then_resume(signal: nix::sys::signal::Signal) {
    let Disc { d, iso, dev } = disc("dvd-rom", 3000, Some("not-ready@1000x4"));
    let out = d.path().join("out.iso");
    let map = d.path().join("out.map");
    // Interrupt it once it has been copying for a while.
    let child = rip_copying(&dev, &out, &map);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, signal).unwrap();
    let o = child.wait_with_output();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    assert!(!out.exists());
    // ddrescuelog reads the map of the interrupted rip: some rescued, some not tried.
    let status = tool(
        "ddrescuelog",
        &["-t", map.to_str().unwrap()],
        Path::new("."),
    );
    let st = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(st.contains("rescued"), "{st}");
    let done = lba_list_of(&map, "2048", "-l+");
    let blocks = fs::metadata(&iso).unwrap().len() / 2048;
    assert!(
        !done.is_empty() && (done.len() as u64) < blocks,
        "interrupted mid-copy: {} of {blocks} sectors finished",
        done.len()
    );
    // Without --resume it refuses to clobber the partial rip.
    let o = rip(&dev, &out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = rip(&dev, &out, &["--resume"]);
    assert_exact(&o, &out, &iso);
}

/// An existing image is not overwritten without --force.
#[test]
fn existing_image_needs_force() {
    let Disc { d, iso, dev } = disc("cd-rom", 500, None);
    let out = d.path().join("out.iso");
    fs::write(&out, b"precious").unwrap();
    let o = rip(&dev, &out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(fs::read(&out).unwrap(), b"precious");
    let o = rip(&dev, &out, &["--force"]);
    assert_exact(&o, &out, &iso);
}

/// Raw CD: .bin of 2352-byte sectors whose user data is the ISO, a .cue that bchunk reads
/// back to the ISO, EDC/ECC checked (or the zeroed fields reported), subchannel file.
#[test]
fn raw_cd_rip_makes_a_bin_and_cue_that_bchunk_reads() {
    let Disc { d, iso, dev } = disc("cd-rom", 1500, None);
    let out = d.path().join("out.bin");
    let o = rip(&dev, &out, &["--raw", "--subchannel"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let blocks = fs::metadata(&iso).unwrap().len() / 2048;
    assert_eq!(fs::metadata(&out).unwrap().len(), blocks * 2352);
    assert_eq!(
        fs::metadata(d.path().join("out.sub")).unwrap().len(),
        blocks * 96
    );
    tool("bchunk", &["out.bin", "out.cue", "t"], d.path());
    assert_eq!(sha256sum(&d.path().join("t01.iso")), sha256sum(&iso));
    let s = summary(&o);
    assert!(
        s["unreadable"].as_array().is_some_and(|a| a.is_empty()),
        "{s}"
    );
}

/// A small tmpfs mounted for one test, unmounted when dropped (mounting needs root: a loud
/// failure otherwise, never a silent pass).
struct SmallFs {
    dir: PathBuf,
}

impl SmallFs {
    fn mount(dir: PathBuf, size: &str) -> SmallFs {
        fs::create_dir(&dir).unwrap();
        let m = try_run(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
                .arg(&dir),
        )
        .expect("mount");
        assert!(
            m.status.success(),
            "mounting a small tmpfs needs root: {}",
            text(&m)
        );
        SmallFs { dir }
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = try_run(Command::new("umount").arg(&self.dir));
    }
}

/// Output disk full: a clear one-line error (exit 1) before reading, nothing left behind.
#[test]
fn disk_full_is_a_clear_error() {
    let Disc { d, dev, .. } = disc("dvd-rom", 3000, None);
    let small = SmallFs::mount(d.path().join("small"), "1m");
    let out = small.dir.join("out.iso");
    let o = rip(&dev, &out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not enough space"), "{err}");
    let left: Vec<_> = fs::read_dir(&small.dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The output disk fills up mid-rip (another writer takes the space while the drive is
/// becoming ready at LBA 1000, on the real clock): exit 1 with the write error, and the map
/// (read by ddrescuelog) claims only sectors that the partial image holds.
#[test]
fn disk_full_mid_rip_leaves_a_consistent_map() {
    let Disc { d, iso, dev } = disc("dvd-rom", 3000, Some("not-ready@1000x4"));
    let small = SmallFs::mount(d.path().join("small"), "8m");
    let out = small.dir.join("out.iso");
    let map = small.dir.join("out.map");
    let child = rip_copying(&dev, &out, &map);
    // Take all but 64 KiB (room for the map, not for the next 1 MiB of image).
    let v = nix::sys::statvfs::statvfs(&small.dir).unwrap();
    let free = v.blocks_available() * v.fragment_size();
    fs::write(
        small.dir.join("filler"),
        vec![0u8; (free - 64 * 1024) as usize],
    )
    .unwrap();
    let o = child.wait_with_output();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("No space left on device") && err.contains("--resume"),
        "{err}"
    );
    assert!(!out.exists());
    tool(
        "ddrescuelog",
        &["-t", map.to_str().unwrap()],
        Path::new("."),
    );
    let done = lba_list_of(&map, "2048", "-l+");
    assert!(!done.is_empty(), "nothing finished before the disk filled");
    let part = fs::read(small.dir.join("out.iso.part")).unwrap();
    let src = fs::read(&iso).unwrap();
    for s in done {
        let a = s as usize * 2048;
        assert!(
            part.get(a..a + 2048) == src.get(a..a + 2048),
            "the map claims sector {s}, the image does not hold it"
        );
    }
}
