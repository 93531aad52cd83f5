//! `discrw iso info|ls|lba|extract` on a drive (`virtual:PATH`): the emulated disc made from a
//! genisoimage image reads exactly like the image file; no medium, a blank disc and an
//! unreadable sector are one-line errors with the codes of docs/exit-codes.md.

mod common;

use common::iso::*;
use common::*;
use std::fs;
use std::path::Path;
use std::process::Command;

/// A small Rock Ridge + Joliet tree made into an image by genisoimage (not by discrw).
fn genisoimage_image(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    fs::create_dir_all(src.join("sub/deeper")).unwrap();
    fs::write(src.join("hello.txt"), b"hello\n").unwrap();
    fs::write(src.join("sub/data.bin"), pseudo_random(300_000, 7)).unwrap();
    fs::write(src.join("sub/deeper/empty"), b"").unwrap();
    std::os::unix::fs::symlink("../hello.txt", src.join("sub/link")).unwrap();
    let img = dir.join("g.iso");
    run_ok(
        Command::new(need("genisoimage"))
            .args(["-quiet", "-R", "-J", "-V", "DEVTEST", "-o"])
            .arg(&img)
            .arg(&src),
    );
    img
}

fn virtual_disc(
    dir: &Path,
    name: &str,
    media: &str,
    from: Option<&Path>,
    faults: Option<&str>,
) -> String {
    let m = dir.join(name);
    let mut args = vec!["virtual", "create", p(&m), "--media", media];
    if let Some(f) = from {
        args.extend(["--from", p(f)]);
    }
    if let Some(f) = faults {
        args.extend(["--faults", f]);
    }
    ok(&args);
    format!("virtual:{}", m.display())
}

fn stdout(args: &[&str]) -> String {
    String::from_utf8(ok(args).stdout).unwrap()
}

#[test]
fn iso_on_a_virtual_drive_reads_like_the_image_file() {
    let tmp = tempfile::tempdir().unwrap();
    let img = genisoimage_image(tmp.path());
    let file = p(&img).to_string();
    let data_lba = isoinfo_records(&img, &["-R"], "data.bin")[0].0.to_string();
    for media in ["dvd-rom", "cd-rom", "dvd-r", "bd-rom"] {
        let dev = virtual_disc(tmp.path(), &format!("{media}.vd"), media, Some(&img), None);
        for args in [
            vec!["iso", "info", "--json"],
            vec!["iso", "ls", "-R", "-l"],
            vec!["iso", "ls", "--json", "-R", "-l"],
            vec!["iso", "ls", "-l", "/sub"],
            vec!["iso", "lba", "0-20", &data_lba],
        ] {
            let of = |x: &str| {
                let mut a = args.clone();
                a.insert(2, x);
                stdout(&a)
            };
            assert_eq!(of(&dev), of(&file), "{media}: {args:?}");
        }
        let (a, b) = (
            tmp.path().join(format!("{media}-d")),
            tmp.path().join(format!("{media}-f")),
        );
        ok(&["iso", "extract", &dev, "-o", p(&a)]);
        ok(&["iso", "extract", &file, "-o", p(&b)]);
        assert_eq!(snapshot(&a), snapshot(&b), "{media}: extract");
        assert_eq!(
            snapshot(&a),
            snapshot(&tmp.path().join("src")),
            "{media}: extract vs source"
        );
    }
}

fn fails(args: &[&str]) -> (i32, String) {
    let o = run(bin().args(args));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(err.starts_with("discrw: iso: "), "{err}");
    (o.status.code().unwrap_or(-1), err)
}

#[test]
fn iso_on_a_blank_disc_or_no_medium_is_a_media_error() {
    let tmp = tempfile::tempdir().unwrap();
    let img = genisoimage_image(tmp.path());
    let blank = virtual_disc(tmp.path(), "blank.vd", "dvd-r", None, None);
    let none = virtual_disc(
        tmp.path(),
        "none.vd",
        "dvd-rom",
        Some(&img),
        Some("no-medium"),
    );
    let out = tmp.path().join("out");
    for (dev, want) in [
        (&blank, "the disc is blank"),
        (&none, "no medium in the drive"),
    ] {
        for args in [
            vec!["iso", "info", dev],
            vec!["iso", "ls", dev],
            vec!["iso", "lba", dev, "16"],
            vec!["iso", "extract", dev, "-o", p(&out)],
        ] {
            let (code, err) = fails(&args);
            assert_eq!(code, 4, "{args:?}: {err}");
            assert!(err.contains(&format!("{dev}: {want}")), "{err}");
        }
        assert!(!out.exists(), "extract created its target");
    }
}

#[test]
fn iso_extract_from_a_drive_with_an_unreadable_sector_is_exit_5() {
    let tmp = tempfile::tempdir().unwrap();
    let img = genisoimage_image(tmp.path());
    let (lba, _) = isoinfo_records(&img, &["-R"], "data.bin")[0];
    let bad = format!("medium-error@{}", lba + 3);
    let dev = virtual_disc(tmp.path(), "bad.vd", "dvd-rom", Some(&img), Some(&bad));
    // The tree itself reads: listing works.
    let listing = stdout(&["iso", "ls", "-R", &dev]);
    assert!(listing.contains("/sub/data.bin"), "{listing}");
    let (code, err) = fails(&[
        "iso",
        "extract",
        &dev,
        "/sub/data.bin",
        "-o",
        p(&tmp.path().join("o")),
    ]);
    assert_eq!(code, 5, "{err}");
    // The exact sector, with the decoded sense.
    assert!(
        err.contains(&format!("READ(10) at LBA {}: MEDIUM ERROR", lba + 3)),
        "{err}"
    );
    assert!(err.contains("(03/11/00)"), "{err}");
}

/// `rip` of a disc with an unreadable sector: exit 5, and the line names the file of the
/// image's ISO 9660 tree that holds it (the file's LBA from isoinfo, not from discrw).
#[test]
fn rip_names_the_file_holding_an_unreadable_sector() {
    let tmp = tempfile::tempdir().unwrap();
    let img = genisoimage_image(tmp.path());
    let (lba, _) = isoinfo_records(&img, &["-R"], "data.bin")[0];
    let bad = format!("medium-error@{}-{}", lba + 3, lba + 4);
    for json in [false, true] {
        let dev = virtual_disc(
            tmp.path(),
            &format!("r{json}.vd"),
            "dvd-rom",
            Some(&img),
            Some(&bad),
        );
        let out = tmp.path().join(format!("r{json}.iso"));
        let mut args = vec!["rip", "-d", &dev, p(&out), "--retries", "0"];
        if json {
            args.push("--json");
        }
        let o = run(bin().args(&args));
        assert_eq!(o.status.code(), Some(5));
        let err = String::from_utf8_lossy(&o.stderr);
        let line = err.lines().last().unwrap();
        assert!(
            line.contains(&format!(
                "(LBA {}-{}); in /sub/data.bin; see ",
                lba + 3,
                lba + 4
            )),
            "{line}"
        );
        let so = String::from_utf8_lossy(&o.stdout);
        if json {
            let summary: serde_json::Value =
                serde_json::from_str(so.lines().last().unwrap()).unwrap();
            assert_eq!(
                summary["damaged_files"],
                serde_json::json!({"files": ["/sub/data.bin"], "file_count": 1, "outside_sectors": 0}),
                "{so}"
            );
        } else {
            assert!(so.contains("  files:      in /sub/data.bin\n"), "{so}");
        }
    }
}

/// An unreadable sector in the system area (LBA 0..16 of an ISO 9660 volume, ECMA-119 §6.2.1)
/// is in no file, and the report says so.
#[test]
fn rip_says_when_unreadable_sectors_are_outside_any_file() {
    let tmp = tempfile::tempdir().unwrap();
    let img = genisoimage_image(tmp.path());
    let dev = virtual_disc(
        tmp.path(),
        "sys.vd",
        "dvd-rom",
        Some(&img),
        Some("medium-error@5"),
    );
    let out = tmp.path().join("sys.iso");
    let o = run(bin().args(["rip", "-d", &dev, p(&out), "--retries", "0", "--json"]));
    assert_eq!(o.status.code(), Some(5));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("(LBA 5); 1 sector outside any file (system area"),
        "{err}"
    );
    let so = String::from_utf8_lossy(&o.stdout);
    let summary: serde_json::Value = serde_json::from_str(so.lines().last().unwrap()).unwrap();
    assert_eq!(summary["damaged_files"]["file_count"], 0);
    assert_eq!(summary["damaged_files"]["outside_sectors"], 1);
}

/// `verify` names the file of the IMAGE's tree that holds an unreadable sector (exit 5) or a
/// differing one (exit 6); the file's LBA comes from isoinfo.
#[test]
fn verify_names_the_file_holding_a_bad_sector() {
    let tmp = tempfile::tempdir().unwrap();
    let img = genisoimage_image(tmp.path());
    let (lba, _) = isoinfo_records(&img, &["-R"], "data.bin")[0];
    let (hello, _) = isoinfo_records(&img, &["-R"], "hello.txt")[0];
    // Unreadable: a medium error inside data.bin.
    let bad = format!("medium-error@{}", lba + 3);
    let dev = virtual_disc(tmp.path(), "v5.vd", "dvd-rom", Some(&img), Some(&bad));
    let (code, line) = verify_fails(&dev, &img, false);
    assert_eq!(code, 5, "{line}");
    assert!(
        line.contains(&format!("at LBA {}; in /sub/data.bin", lba + 3)),
        "{line}"
    );
    let (code, json) = verify_fails(&dev, &img, true);
    assert_eq!(code, 5);
    // Event lines, then the result (one JSON value, possibly over several lines).
    let v = serde_json::Deserializer::from_str(&json)
        .into_iter::<serde_json::Value>()
        .last()
        .unwrap()
        .unwrap();
    assert_eq!(
        v["verify"]["damaged_files"],
        serde_json::json!({"files": ["/sub/data.bin"], "file_count": 1, "outside_sectors": 0}),
        "{json}"
    );
    // Differing: the image has a changed byte in hello.txt and one in the system area.
    let mut b = fs::read(&img).unwrap();
    b[hello as usize * 2048] ^= 0xFF;
    b[3 * 2048] ^= 0xFF;
    let changed = tmp.path().join("changed.iso");
    fs::write(&changed, &b).unwrap();
    let dev = virtual_disc(tmp.path(), "v6.vd", "dvd-rom", Some(&img), None);
    let (code, line) = verify_fails(&dev, &changed, false);
    assert_eq!(code, 6, "{line}");
    assert!(
        line.contains("in /hello.txt; 1 sector outside files (system area"),
        "{line}"
    );
    assert!(!line.contains("data.bin"), "{line}");
}

/// (exit code, stderr's last line or, with --json, stdout).
fn verify_fails(dev: &str, image: &Path, json: bool) -> (i32, String) {
    let mut args = vec!["verify", "-d", dev, p(image)];
    if json {
        args.push("--json");
    }
    let o = run(bin().args(&args));
    let text = if json {
        String::from_utf8_lossy(&o.stdout).into_owned()
    } else {
        let e = String::from_utf8_lossy(&o.stderr);
        e.lines().last().unwrap_or_default().to_string()
    };
    (o.status.code().unwrap_or(-1), text)
}
