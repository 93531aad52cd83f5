//! Faults met by the real binary while a job runs on the emulated drive (docs/reliability.md):
//! SIGINT/SIGTERM during burn, verify and blank; the image truncated or rewritten during a
//! burn; a disc swapped mid-burn; write faults 05/64/00 and 05/21/02; a drive lying about
//! its NWA; an output directory that is read-only. Each test checks the exit code, that
//! nothing false is reported (no "match"/success line) and the state the medium is left in.
//!
//! The timed tests run the emulated drive on the real clock at a low write speed, and
//! synchronize on the JSON progress events (`--json`), never on a guessed delay alone.

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// No user-data byte of the (DVD/BD, 2048-byte stride) medium is set: sectors live from
/// byte 65536 of the file.
fn medium_data_is_blank(m: &Path) -> bool {
    let b = std::fs::read(m).expect("read medium");
    b.get(65536..).unwrap_or(&[]).iter().all(|&x| x == 0)
}

/// Spawn discrw with `--json` on the real clock, read its JSON lines until one satisfies
/// `when`, call `then`, and return the whole output.
fn run_until(args: &[&str], when: impl Fn(&Value) -> bool, then: impl FnOnce(&Spawned)) -> Output {
    let mut child = spawn(
        bin()
            .env("DISCRW_EMU_CLOCK", "real")
            .arg("--json")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut err = child.stderr.take().expect("stderr");
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = Vec::new();
    let mut fired = false;
    let t = Instant::now();
    let mut line = String::new();
    loop {
        line.clear();
        match out.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        seen.extend_from_slice(line.as_bytes());
        if !fired
            && let Ok(v) = serde_json::from_str::<Value>(&line)
            && when(&v)
        {
            fired = true;
            std::thread::sleep(Duration::from_millis(200));
            then(&child);
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "no event in 60 s");
    }
    let _ = out.read_to_end(&mut seen);
    let status = child.wait();
    let stderr = err_t.join().expect("stderr thread");
    let o = Output {
        status,
        stdout: seen,
        stderr,
    };
    assert!(fired, "the awaited event never came: {}", text(&o));
    o
}

fn phase(name: &'static str) -> impl Fn(&Value) -> bool {
    move |v| v["event"] == "phase" && v["name"].as_str().is_some_and(|n| n.starts_with(name))
}

fn signal(sig: nix::sys::signal::Signal) -> impl FnOnce(&Spawned) {
    move |c| nix::sys::signal::kill(nix::unistd::Pid::from_raw(c.id() as i32), sig).expect("kill")
}

/// Nothing in the output claims a finished, checked job.
fn assert_no_success(o: &Output) {
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(!s.contains("match"), "{}", text(o));
    for l in s.lines() {
        if let Ok(v) = serde_json::from_str::<Value>(l) {
            assert_ne!(v["event"], "done", "{}", text(o));
            assert!(v.get("verify").is_none_or(|x| x.is_null()), "{}", text(o));
        }
    }
}

// ---------------------------------------------------------------------------------------
// SIGINT / SIGTERM

/// A slow burn (4x, 64 KiB FIFO, real clock) of an 8192-sector image of noise `seed` to a
/// fresh medium of `kind`; `then` gets the child and the image once writing has begun.
fn burn_disturbed_mid_write(
    kind: &str,
    seed: u64,
    then: impl FnOnce(&Spawned, &Path),
) -> (Output, PathBuf, PathBuf, tempfile::TempDir) {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "b.vd", kind, &[]);
    let img = image(d.path(), "a.iso", 8192, seed);
    let args = [
        "burn",
        "-d",
        &dev(&m),
        "--speed",
        "4",
        "--fifo",
        "64K",
        p(&img),
    ];
    let o = run_until(&args, phase("writing"), |c| then(c, &img));
    (o, m, img, d)
}

/// A burn interrupted while writing: exit 130, one line saying so and in what state the
/// disc was left; never finalized, never "verified".
fn interrupted_burn(
    kind: &str,
    sig: nix::sys::signal::Signal,
) -> (Output, PathBuf, tempfile::TempDir) {
    let (o, m, img, d) = burn_disturbed_mid_write(kind, 41, |c, _| signal(sig)(c));
    assert_eq!(o.status.code(), Some(130), "{kind} {sig}: {}", text(&o));
    let l = error_line(&o);
    assert!(l.contains("interrupted"), "{l}");
    assert_no_success(&o);
    // The image was not touched.
    assert_eq!(std::fs::read(&img).unwrap(), noise(8192, 41));
    (o, m, d)
}

#[test]
fn sigint_during_a_burn_stops_it_and_says_how_the_disc_was_left() {
    // DVD+R: the track is closed, the disc stays appendable and readable.
    let (o, m, _d) = interrupted_burn("dvd+r", nix::sys::signal::Signal::SIGINT);
    let l = error_line(&o);
    assert!(
        l.contains("the track was closed; the disc holds a partial image"),
        "{l}"
    );
    let md = meta(&m);
    assert_eq!(md["finalized"], false, "{md}");
    assert!(!md["tracks"].as_array().unwrap().is_empty(), "{md}");
}

#[test]
fn sigterm_during_a_burn_is_handled_like_sigint() {
    // DVD-R (incremental, single session): closing the session closes the disc, which then
    // holds the part written so far; said so, exit 130.
    let (o, m, _d) = interrupted_burn("dvd-r", nix::sys::signal::Signal::SIGTERM);
    let l = error_line(&o);
    assert!(
        l.contains("partial image"),
        "the state of the disc is named: {l}"
    );
    // What was written is the image's beginning, readable.
    let md = meta(&m);
    let rec = md["tracks"][0]["recorded"].as_u64().expect("recorded") as usize;
    assert!(rec > 0 && rec < 8192, "{md}");
    let b = std::fs::read(&m).unwrap();
    let want = noise(8192, 41);
    assert!(
        b[65536..65536 + rec * 2048] == want[..rec * 2048],
        "partial image differs"
    );
}

#[test]
fn sigint_and_sigterm_during_verify_exit_130_without_a_verdict() {
    for sig in [
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGTERM,
    ] {
        let d = tempfile::tempdir().unwrap();
        // The drive spins back up at LBA 3000 (2 s on the real clock): the signal lands
        // mid-verify.
        let m = medium(d.path(), "v.vd", "dvd+r", &["--faults", "not-ready@3000x4"]);
        let img = image(d.path(), "a.iso", 8192, 42);
        ok(&["burn", "-d", &dev(&m), "--no-verify", p(&img)]);
        let before = meta(&m);
        let o = run_until(
            &["verify", "-d", &dev(&m), p(&img)],
            |v| v["event"] == "progress",
            signal(sig),
        );
        assert_eq!(o.status.code(), Some(130), "{sig}: {}", text(&o));
        assert!(error_line(&o).contains("interrupted"), "{}", text(&o));
        assert_no_success(&o);
        assert!(
            !String::from_utf8_lossy(&o.stdout).contains("differ"),
            "no mismatch is invented: {}",
            text(&o)
        );
        // Verify only reads: the disc (but for the fault counter) and the image are unchanged.
        let mut after = meta(&m);
        after["faults"] = before["faults"].clone();
        assert_eq!(after, before);
        assert_eq!(std::fs::read(&img).unwrap(), noise(8192, 42));
    }
}

#[test]
fn sigint_and_sigterm_during_blank_and_format_leave_the_operation_to_the_drive() {
    // The drive has the BLANK/FORMAT UNIT (sent with Immed) and cannot be told to stop:
    // discrw stops polling at once, exits 130 and says the drive goes on.
    let d = tempfile::tempdir().unwrap();
    for (i, (cmd, kind, sig)) in [
        ("blank", "dvd-rw", nix::sys::signal::Signal::SIGINT),
        ("blank", "cd-rw", nix::sys::signal::Signal::SIGTERM),
        ("format", "bd-re", nix::sys::signal::Signal::SIGINT),
    ]
    .into_iter()
    .enumerate()
    {
        let m = medium(d.path(), &format!("{i}.vd"), kind, &[]);
        let t = Instant::now();
        let o = run_until(
            &[cmd, "-d", &dev(&m), "--full"],
            phase(if cmd == "blank" {
                "blanking"
            } else {
                "formatting"
            }),
            signal(sig),
        );
        assert_eq!(o.status.code(), Some(130), "{cmd} {kind}: {}", text(&o));
        let l = error_line(&o);
        assert!(
            l.contains("interrupted") && l.contains("on its own"),
            "{cmd} {kind}: {l}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{cmd} {kind}: stopped at once, not after the operation: {:?}",
            t.elapsed()
        );
        assert!(
            !String::from_utf8_lossy(&o.stdout).contains("\"action\""),
            "no success summary: {}",
            text(&o)
        );
    }
}

// ---------------------------------------------------------------------------------------
// The image truncated or rewritten during a burn

fn burn_with_image_tampered(tamper: impl FnOnce(&Path)) -> (Output, PathBuf, tempfile::TempDir) {
    let (o, m, _, d) = burn_disturbed_mid_write("dvd+r", 43, |_, img| tamper(img));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_no_success(&o);
    // A bad copy is never closed as good.
    assert_eq!(meta(&m)["finalized"], false, "{}", meta(&m));
    (o, m, d)
}

#[test]
fn image_truncated_during_a_burn_is_detected() {
    let (o, _m, _d) = burn_with_image_tampered(|img| {
        let f = std::fs::OpenOptions::new().write(true).open(img).unwrap();
        f.set_len(12 << 20).unwrap();
    });
    let l = error_line(&o);
    assert!(l.contains("image ended after"), "{l}");
}

#[test]
fn image_changed_during_a_burn_is_detected_by_its_hash() {
    // Same size, last MiB rewritten: only the SHA-256 taken while reading can tell.
    let (o, _m, _d) = burn_with_image_tampered(|img| {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(img).unwrap();
        f.seek(SeekFrom::Start(15 << 20)).unwrap();
        f.write_all(&vec![0xA5; 1 << 20]).unwrap();
    });
    let l = error_line(&o);
    assert!(l.contains("image changed while it was burned"), "{l}");
}

// ---------------------------------------------------------------------------------------
// Media changed mid-burn, write faults, a lying drive

/// The disc is swapped for a blank one at command N (somewhere in the WRITEs): the burn
/// stops (exit 4) and the new disc receives nothing of the old burn.
#[test]
fn a_new_disc_never_receives_the_rest_of_an_old_burn() {
    for (kind, n) in [("dvd-r", 40), ("dvd+r", 90), ("bd-r", 60)] {
        let d = tempfile::tempdir().unwrap();
        let fault = format!("media-change@cmd{n}");
        let m = medium(d.path(), "c.vd", kind, &["--faults", &fault]);
        let img = image(d.path(), "a.iso", 2000, 44);
        let o = run(bin().args(["burn", "-d", &dev(&m), p(&img)]));
        assert_eq!(o.status.code(), Some(4), "{kind} {fault}: {}", text(&o));
        assert!(error_line(&o).contains("medium removed"), "{}", text(&o));
        assert_no_success(&o);
        let md = meta(&m);
        assert_eq!(
            md["tracks"].as_array().map(|t| t.len()),
            Some(0),
            "{kind}: {md}"
        );
        assert_eq!(md["finalized"], false, "{kind}: {md}");
        assert!(medium_data_is_blank(&m), "{kind}: the new disc holds data");
        // The swap happened (the fault fired).
        assert!(
            md.to_string().contains("media-change") || md.to_string().contains("media_change"),
            "{md}"
        );
    }
}

/// The disc is swapped mid-rip (06/28/00 and the drive now describes another disc): the
/// rip stops with exit 4, no image is made of two discs; a mere 06/28/00 on the same disc
/// (spin-down and up) goes on (`rip_emu::unit_attention_and_becoming_ready_mid_rip_are_retried`).
#[test]
fn a_disc_swapped_mid_rip_ends_the_rip_without_mixing_discs() {
    let d = tempfile::tempdir().unwrap();
    let img = image(d.path(), "src.iso", 4000, 48);
    for n in [14, 20] {
        let fault = format!("media-change@cmd{n}");
        let m = medium(
            d.path(),
            &format!("{n}.vd"),
            "dvd-rom",
            &["--from", p(&img), "--faults", &fault],
        );
        let out = d.path().join(format!("{n}.iso"));
        let o = run(bin().args(["-d", &dev(&m), "rip", p(&out)]));
        assert_eq!(o.status.code(), Some(4), "{fault}: {}", text(&o));
        let l = error_line(&o);
        assert!(
            l.contains("06/28/00") && l.contains("another disc"),
            "{fault}: {l}"
        );
        assert!(!out.exists(), "{fault}: an image was made");
        // Whatever the map claims as rescued is the first disc's data.
        let part = d.path().join(format!("{n}.iso.part"));
        if let Ok(b) = std::fs::read(&part) {
            let map = std::fs::read_to_string(d.path().join(format!("{n}.map"))).unwrap();
            let src = std::fs::read(&img).unwrap();
            for line in map.lines().filter(|l| !l.starts_with('#')).skip(1) {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.len() >= 3 && f[2] == "+" {
                    let pos = usize::from_str_radix(f[0].trim_start_matches("0x"), 16).unwrap();
                    let len = usize::from_str_radix(f[1].trim_start_matches("0x"), 16).unwrap();
                    assert!(
                        b[pos..pos + len] == src[pos..pos + len],
                        "{fault}: rescued bytes at {pos} differ"
                    );
                }
            }
        }
    }
}

fn write_fault(kind: &str, fault: &str, sense: &str) -> String {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "w.vd", kind, &["--faults", fault]);
    let img = image(d.path(), "a.iso", 1000, 45);
    let o = run(bin().args(["burn", "-d", &dev(&m), p(&img)]));
    assert_eq!(o.status.code(), Some(1), "{fault}: {}", text(&o));
    let l = error_line(&o);
    assert!(l.contains("WRITE") && l.contains(sense), "{fault}: {l}");
    assert!(l.contains("not verified"), "{fault}: {l}");
    assert_no_success(&o);
    assert_eq!(meta(&m)["finalized"], false, "{fault}: {}", meta(&m));
    l
}

#[test]
fn illegal_mode_for_this_track_fails_the_burn_once() {
    write_fault("dvd-r", "illegal-mode@300", "05/64/00");
    write_fault("cd-r", "illegal-mode@10", "05/64/00");
    write_fault("dvd+r", "illegal-mode@0", "05/64/00");
}

#[test]
fn invalid_address_for_write_fails_the_burn_once() {
    write_fault("dvd+r", "invalid-address@500", "05/21/02");
    write_fault("bd-r", "invalid-address@100", "05/21/02");
    // On the very first WRITE no stall can have broken the track: a wrong address, not
    // a "buffer underrun" with a BURN-Free hint.
    let l = write_fault("dvd-r", "invalid-address@0", "05/21/02");
    assert!(!l.contains("underrun") && !l.contains("BURN-Free"), "{l}");
}

/// READ TRACK INFORMATION gives an NWA that is off: the burn checks it against the track's
/// start (a blank track is written from its start) and refuses before writing: exit 1, one
/// line naming both addresses, the disc untouched.
#[test]
fn a_drive_lying_about_its_nwa_is_refused_before_writing() {
    for kind in ["dvd-r", "dvd+r", "cd-r", "bd-r"] {
        let d = tempfile::tempdir().unwrap();
        let m = medium(d.path(), "n.vd", kind, &["--faults", "nwa-lie=32"]);
        let img = image(d.path(), "a.iso", 500, 46);
        let o = run(bin().args(["burn", "-d", &dev(&m), p(&img)]));
        assert_eq!(o.status.code(), Some(1), "{kind}: {}", text(&o));
        assert_no_success(&o);
        let l = error_line(&o);
        assert!(
            l.contains("next writable address 32") && l.contains("starting at 0"),
            "{kind}: {l}"
        );
        assert!(l.contains("nothing was written"), "{kind}: {l}");
        let md = meta(&m);
        assert_eq!(
            md["tracks"].as_array().map(|t| t.len()),
            Some(0),
            "{kind}: {md}"
        );
        if !kind.starts_with("cd") {
            assert!(medium_data_is_blank(&m), "{kind}: data was written");
        }
    }
    // An NWA before the start of the next session's track, on an appendable disc (the
    // first session's NWA 0 cannot lie lower).
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "a.vd", "dvd+r", &["--faults", "nwa-lie=-8"]);
    let img = image(d.path(), "a.iso", 500, 46);
    ok(&["burn", "-d", &dev(&m), "--multi", p(&img)]);
    let before = std::fs::read(&m).unwrap();
    let o = run(bin().args(["burn", "-d", &dev(&m), "--force", p(&img)]));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_no_success(&o);
    assert!(
        error_line(&o).contains("next writable address"),
        "{}",
        text(&o)
    );
    assert!(std::fs::read(&m).unwrap() == before, "the disc was changed");
}

// ---------------------------------------------------------------------------------------
// Output directory read-only

/// A read-only tmpfs mounted for one test (needs root: a loud failure otherwise).
struct RoFs {
    dir: PathBuf,
}

impl RoFs {
    fn mount(dir: PathBuf) -> RoFs {
        std::fs::create_dir(&dir).unwrap();
        let m = try_run(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs"])
                .arg(&dir),
        )
        .expect("mount");
        assert!(
            m.status.success(),
            "mounting a read-only tmpfs needs root: {}",
            text(&m)
        );
        RoFs { dir }
    }
}

impl Drop for RoFs {
    fn drop(&mut self) {
        let _ = try_run(Command::new("umount").arg(&self.dir));
    }
}

#[test]
fn rip_to_a_read_only_directory_is_refused_before_reading() {
    let d = tempfile::tempdir().unwrap();
    let img = image(d.path(), "src.iso", 300, 47);
    let m = medium(d.path(), "r.vd", "dvd-rom", &["--from", p(&img)]);
    let before = std::fs::read(&m).unwrap();
    let ro = RoFs::mount(d.path().join("ro"));
    let out = ro.dir.join("out.iso");
    let o = run(bin().args(["-d", &dev(&m), "-v", "rip", p(&out)]));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let l = error_line(&o);
    assert!(
        l.contains(p(&ro.dir)) || l.contains("out.iso"),
        "names OUT: {l}"
    );
    assert!(l.to_lowercase().contains("read-only"), "{l}");
    // Refused before reading the disc: no READ reached the drive.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("READ(10)") && !err.contains("READ(12)"),
        "{err}"
    );
    assert_eq!(std::fs::read(&m).unwrap().len(), before.len());
    assert!(std::fs::read_dir(&ro.dir).unwrap().next().is_none());
}

/// No disc (02/3A/01) or the tray opened mid-job (02/3A/02): every job exits 4 with one
/// line, writes nothing and makes no image.
#[test]
fn no_medium_and_tray_opened_mid_job_are_exit_4() {
    let d = tempfile::tempdir().unwrap();
    let img = image(d.path(), "a.iso", 4000, 49);
    let out = d.path().join("out.iso");
    let none = medium(d.path(), "none.vd", "dvd-rw", &["--faults", "no-medium"]);
    for args in [
        vec!["rip", p(&out)],
        vec!["verify", p(&img)],
        vec!["burn", p(&img)],
        vec!["blank"],
        vec!["format"],
    ] {
        let o = run(bin().args(["-d", &dev(&none)]).args(&args));
        assert_eq!(o.status.code(), Some(4), "{args:?}: {}", text(&o));
        assert!(error_line(&o).contains("medium"), "{}", text(&o));
        assert!(!out.exists());
    }
    let m = medium(
        d.path(),
        "t.vd",
        "dvd-rom",
        &["--from", p(&img), "--faults", "tray-opened@cmd12"],
    );
    let o = run(bin().args(["-d", &dev(&m), "rip", p(&out)]));
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(error_line(&o).contains("02/3A/02"), "{}", text(&o));
    assert!(!out.exists());
}
