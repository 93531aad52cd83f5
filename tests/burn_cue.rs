//! `discrw burn X.cue` (session-at-once of .bin/.cue images with audio and raw or cooked
//! mode 1 tracks) and `discrw verify -d DEV X.cue`, through the real binary against the
//! emulated drive.
//!
//! The images are written here by hand: data sectors encoded with ECMA-130 (sync, header,
//! EDC, ECC), audio as noise. What the burn put on the disc is checked through READ TOC
//! (`info --json`), `rip --raw` (READ CD) compared with the source sector runs by SHA-256,
//! the ripped cue's INDEX 01 positions against the layout the sheet describes, cdrdao
//! (`show-toc`) reading the source sheet, and bchunk reading the ripped image.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{
    dev, discrw, fails, info_json as info, medium, noise_bytes, ok, p, sha256_bytes as sha, text,
    tool,
};

const RAW: usize = 2352;

/// `sectors` mode 1 sectors for LBAs from `lba`, user data noise (ECMA-130 §14).
fn data_sectors(lba: u64, sectors: usize, seed: u64) -> Vec<u8> {
    let user = noise_bytes(sectors * 2048, seed);
    let mut v = Vec::with_capacity(sectors * RAW);
    for i in 0..sectors {
        v.extend_from_slice(&discrw::ecma130::encode_mode1(
            lba + i as u64,
            &user[i * 2048..(i + 1) * 2048],
        ));
    }
    v
}

/// The mixed-mode disc of the tests, as the sheet lays it out:
/// track 1 MODE1/2352 at LBA 0, 300 sectors + POSTGAP 2 s (150 generated) → 450;
/// track 2 AUDIO, FLAGS PRE, ISRC, 200 sectors at 450;
/// track 3 AUDIO, INDEX 00 in the file (75 sectors) at 650, INDEX 01 at 725, 200 sectors;
/// track 4 AUDIO in a second file, PREGAP 1 s (75 generated) at 925, INDEX 01 at 1000,
/// FLAGS DCP, 150 sectors; lead-out at 1150.
struct Mixed {
    cue: PathBuf,
    bin1: Vec<u8>,
    bin2: Vec<u8>,
}

fn mixed(dir: &Path) -> Mixed {
    let mut bin1 = data_sectors(0, 300, 11);
    bin1.extend(noise_bytes(200 * RAW, 12));
    bin1.extend(noise_bytes(275 * RAW, 13));
    let bin2 = noise_bytes(150 * RAW, 14);
    std::fs::write(dir.join("mixed disc.bin"), &bin1).unwrap();
    std::fs::write(dir.join("track4.bin"), &bin2).unwrap();
    // File 1 frames: track 2 at 300, track 3 index 0 at 500, index 1 at 575.
    let cue = dir.join("mixed.cue");
    std::fs::write(
        &cue,
        "REM made by hand for discrw's tests\r\n\
         CATALOG 0123456789012\r\n\
         PERFORMER \"Nobody\"\r\n\
         FILE \"mixed disc.bin\" BINARY\r\n\
         \x20 TRACK 01 MODE1/2352\r\n\
         \x20   INDEX 01 00:00:00\r\n\
         \x20   POSTGAP 00:02:00\r\n\
         \x20 TRACK 02 AUDIO\r\n\
         \x20   FLAGS PRE\r\n\
         \x20   ISRC USABC2600001\r\n\
         \x20   INDEX 01 00:04:00\r\n\
         \x20 TRACK 03 AUDIO\r\n\
         \x20   INDEX 00 00:06:50\r\n\
         \x20   INDEX 01 00:07:50\r\n\
         FILE track4.bin BINARY\r\n\
         \x20 TRACK 04 AUDIO\r\n\
         \x20   FLAGS DCP\r\n\
         \x20   PREGAP 00:01:00\r\n\
         \x20   INDEX 01 00:00:00\r\n",
    )
    .unwrap();
    Mixed { cue, bin1, bin2 }
}

/// The INDEX 01 lines of a cue sheet, as frames.
fn index01(cue: &Path) -> Vec<u64> {
    std::fs::read_to_string(cue)
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("INDEX 01 "))
        .map(|t| {
            let v: Vec<u64> = t.split(':').map(|x| x.parse().unwrap()).collect();
            (v[0] * 60 + v[1]) * 75 + v[2]
        })
        .collect()
}

/// A .bin of `bytes` and a cue sheet `text` beside it in `dir`; returns the sheet's path.
fn bin_and_cue(dir: &Path, bin: &str, bytes: &[u8], cue: &str, text: &str) -> PathBuf {
    std::fs::write(dir.join(bin), bytes).unwrap();
    let c = dir.join(cue);
    std::fs::write(&c, text).unwrap();
    c
}

fn sectors(b: &[u8], from: usize, to: usize) -> &[u8] {
    &b[from * RAW..to * RAW]
}

/// `cdrdao show-toc X.cue`: an independent reading of a cue sheet, as
/// (track, START LBA, END LBA, flags lines).
fn cdrdao_layout(cue: &Path) -> Vec<(u32, u64, u64, Vec<String>)> {
    // cdrdao opens the FILEs relative to its working directory.
    let o = tool("cdrdao", &["show-toc", p(cue)], cue.parent().unwrap());
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let lba = |l: &str| -> u64 {
        l.split('(')
            .nth(1)
            .unwrap()
            .trim_end_matches(')')
            .trim()
            .parse()
            .unwrap()
    };
    let mut v: Vec<(u32, u64, u64, Vec<String>)> = Vec::new();
    for l in out.lines() {
        let t = l.trim();
        if let Some(r) = t.strip_prefix("TRACK ") {
            let n = r.split_whitespace().next().unwrap().parse().unwrap();
            v.push((n, 0, 0, Vec::new()));
        } else if let Some(last) = v.last_mut() {
            if t.starts_with("START ") {
                last.1 = lba(t);
            } else if t.starts_with("END ") {
                last.2 = lba(t);
            } else if !t.is_empty() {
                last.3.push(t.to_string());
            }
        }
    }
    v
}

#[test]
fn mixed_mode_cue_is_burned_and_ripped_back_track_by_track() {
    let d = tempfile::tempdir().unwrap();
    let x = mixed(d.path());
    // cdrdao reads the sheet as this test's layout says (starts, ends, flags, ISRC).
    let c = cdrdao_layout(&x.cue);
    let starts: Vec<(u32, u64, u64)> = c.iter().map(|t| (t.0, t.1, t.2)).collect();
    assert_eq!(
        starts,
        vec![(1, 0, 450), (2, 450, 650), (3, 725, 925), (4, 1000, 1150)]
    );
    assert!(c[1].3.iter().any(|f| f == "PRE-EMPHASIS"), "{c:?}");
    assert!(c[1].3.iter().any(|f| f == "ISRC US ABC 26 00001"), "{c:?}");
    assert!(c[3].3.iter().any(|f| f == "COPY PERMITTED"), "{c:?}");
    let m = medium(d.path(), "cd.vd", "cd-r", &[]);
    // No --sao: a .cue is session-at-once anyway.
    let o = ok(&["-d", &dev(&m), "burn", p(&x.cue)]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("CD-R Sao"), "{}", text(&o));
    assert!(out.contains("verify: 925 sectors match"), "{}", text(&o));
    // CD-Text is not written: one warning, no failure.
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("CD-Text").count(), 1, "{err}");

    // READ DISC INFORMATION: complete. READ TOC: starts and CONTROL as the sheet says.
    let i = info(&m);
    assert_eq!(i["media"]["status"], "complete", "{i}");
    let toc = i["toc"].as_array().unwrap();
    let row = |n: u64| toc.iter().find(|t| t["track"] == n).cloned().unwrap();
    assert_eq!(row(1)["start"], 0);
    assert_eq!(row(1)["data"], true);
    assert_eq!(row(2)["start"], 450);
    assert_eq!(row(2)["data"], false);
    assert_eq!(row(2)["pre_emphasis"], true);
    assert_eq!(row(3)["start"], 725);
    assert_eq!(row(3)["pre_emphasis"], false);
    assert_eq!(row(3)["copy_permitted"], false);
    assert_eq!(row(4)["start"], 1000);
    assert_eq!(row(4)["copy_permitted"], true);
    assert_eq!(row(170)["start"], 1150, "lead-out: {toc:?}");

    // rip --raw reads it back with READ CD.
    let rip = d.path().join("rip.bin");
    ok(&["-d", &dev(&m), "rip", "--raw", p(&rip)]);
    let r = std::fs::read(&rip).unwrap();
    assert_eq!(r.len(), 1150 * RAW);
    assert_eq!(index01(&d.path().join("rip.cue")), vec![0, 450, 725, 1000]);
    // Track 1: the source's sectors, then the postgap: mode 1 sectors of zeros.
    assert_eq!(sha(sectors(&r, 0, 300)), sha(sectors(&x.bin1, 0, 300)));
    let postgap: Vec<u8> = (300..450)
        .flat_map(|l| discrw::ecma130::encode_mode1(l, &[]))
        .collect();
    assert_eq!(sha(sectors(&r, 300, 450)), sha(&postgap));
    // Track 2, track 3 with its pregap from the file, track 4's generated pregap (silence)
    // and its data.
    assert_eq!(sha(sectors(&r, 450, 650)), sha(sectors(&x.bin1, 300, 500)));
    assert_eq!(sha(sectors(&r, 650, 925)), sha(sectors(&x.bin1, 500, 775)));
    assert!(sectors(&r, 925, 1000).iter().all(|&b| b == 0));
    assert_eq!(sha(sectors(&r, 1000, 1150)), sha(&x.bin2));

    // bchunk, an independent reader of the ripped cue: track 1's user data.
    tool("bchunk", &["rip.bin", "rip.cue", "bc"], d.path());
    let iso = std::fs::read(d.path().join("bc01.iso")).unwrap();
    let mut want: Vec<u8> = (0..300)
        .flat_map(|i| x.bin1[i * RAW + 16..i * RAW + 16 + 2048].to_vec())
        .collect();
    want.resize(450 * 2048, 0);
    assert_eq!(sha(&iso), sha(&want));
}

#[test]
fn rip_burn_rip_gives_the_same_bin() {
    let d = tempfile::tempdir().unwrap();
    let x = mixed(d.path());
    let m1 = medium(d.path(), "a.vd", "cd-r", &[]);
    ok(&["-d", &dev(&m1), "burn", "--no-verify", p(&x.cue)]);
    let rip1 = d.path().join("one.bin");
    ok(&["-d", &dev(&m1), "rip", "--raw", p(&rip1)]);
    // The rip's own cue sheet, burned again and ripped again.
    let m2 = medium(d.path(), "b.vd", "cd-r", &[]);
    ok(&["-d", &dev(&m2), "burn", p(&d.path().join("one.cue"))]);
    let rip2 = d.path().join("two.bin");
    ok(&["-d", &dev(&m2), "rip", "--raw", p(&rip2)]);
    let (a, b) = (std::fs::read(&rip1).unwrap(), std::fs::read(&rip2).unwrap());
    assert_eq!(a.len(), b.len());
    assert_eq!(sha(&a), sha(&b));
    assert_eq!(
        index01(&d.path().join("one.cue")),
        index01(&d.path().join("two.cue"))
    );
    let t = info(&m2)["toc"].clone();
    assert_eq!(t[0]["data"], true, "{t}");
    assert_eq!(t[1]["data"], false, "{t}");
}

#[test]
fn audio_only_cue_on_a_cd_rw_after_blank() {
    let d = tempfile::tempdir().unwrap();
    // A CD-RW holding a closed data disc.
    let iso = d.path().join("old.iso");
    std::fs::write(&iso, noise_bytes(100 * 2048, 3)).unwrap();
    let m = medium(d.path(), "rw.vd", "cd-rw", &["--from", p(&iso)]);
    let audio = noise_bytes(400 * RAW, 21);
    let cue = bin_and_cue(
        d.path(),
        "a.bin",
        &audio,
        "a.cue",
        "FILE a.bin BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n TRACK 02 AUDIO\n  INDEX 00 00:02:00\n  INDEX 01 00:03:00\n",
    );
    // Not blank: refused, nothing written.
    let (_, e) = fails(&["-d", &dev(&m), "burn", p(&cue)], 4);
    assert!(e.contains("not blank"), "{e}");
    let o = ok(&["-d", &dev(&m), "burn", "--blank", p(&cue)]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("verify: 400 sectors match"),
        "{}",
        text(&o)
    );
    let i = info(&m);
    assert_eq!(i["media"]["status"], "complete");
    let toc = i["toc"].as_array().unwrap();
    assert_eq!(toc[0]["data"], false);
    assert_eq!(toc[1]["start"], 225);
    let rip = d.path().join("r.bin");
    ok(&["-d", &dev(&m), "rip", "--raw", p(&rip)]);
    assert_eq!(sha(&std::fs::read(&rip).unwrap()), sha(&audio));
}

#[test]
fn motorola_audio_is_swapped_to_cd_da_byte_order() {
    let d = tempfile::tempdir().unwrap();
    let le = noise_bytes(200 * RAW, 31);
    // The same samples big-endian: each 16-bit sample's bytes swapped.
    let be: Vec<u8> = le.chunks(2).flat_map(|s| [s[1], s[0]]).collect();
    let cue = bin_and_cue(
        d.path(),
        "be.bin",
        &be,
        "be.cue",
        "FILE \"be.bin\" MOTOROLA\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n",
    );
    let m = medium(d.path(), "cd.vd", "cd-r", &[]);
    ok(&["-d", &dev(&m), "burn", p(&cue)]);
    let rip = d.path().join("r.bin");
    ok(&["-d", &dev(&m), "rip", "--raw", p(&rip)]);
    assert_eq!(sha(&std::fs::read(&rip).unwrap()), sha(&le));
    ok(&["-d", &dev(&m), "verify", p(&cue)]);
}

#[test]
fn bad_cue_sheets_are_refused_with_the_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let m = medium(d.path(), "cd.vd", "cd-r", &[]);
    std::fs::write(d.path().join("t.bin"), noise_bytes(100 * RAW, 41)).unwrap();
    std::fs::write(d.path().join("odd.bin"), noise_bytes(100 * RAW + 7, 42)).unwrap();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "missing",
            "FILE t.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nFILE gone.bin BINARY\nTRACK 02 AUDIO\nINDEX 01 00:00:00\n",
            &["gone.bin", "missing.cue line 4", "no such file"],
        ),
        (
            "wave",
            "FILE t.wav WAVE\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n",
            &["wave.cue line 1", "WAVE"],
        ),
        (
            "mode2",
            "FILE t.bin BINARY\nTRACK 01 MODE2/2336\nINDEX 01 00:00:00\n",
            &["mode2.cue line 2", "MODE2/2336"],
        ),
        (
            "order",
            "FILE t.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 00 00:00:50\nINDEX 01 00:00:40\n",
            &["order.cue line 4", "INDEX 01 is not after INDEX 00"],
        ),
        (
            "short",
            "FILE t.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 01 00:02:00\n",
            &["short.cue line 4", "too short"],
        ),
        (
            "partial",
            "FILE odd.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n",
            &[
                "partial.cue line 1",
                "not a whole number of 2352-byte sectors",
            ],
        ),
        (
            "session",
            "REM SESSION 01\nFILE t.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nREM SESSION 02\n",
            &["session.cue line 5", "multi-session"],
        ),
    ];
    for (name, sheet, want) in cases {
        let cue = d.path().join(format!("{name}.cue"));
        std::fs::write(&cue, sheet).unwrap();
        let (_, e) = fails(&["-d", &dev(&m), "burn", p(&cue)], 2);
        for w in *want {
            assert!(e.contains(w), "{name}: {w:?} not in {e:?}");
        }
    }
    // A .bin named .cue is no cue sheet.
    let big = d.path().join("big.cue");
    std::fs::write(&big, noise_bytes(2 << 20, 43)).unwrap();
    let (_, e) = fails(&["-d", &dev(&m), "burn", p(&big)], 2);
    assert!(e.contains("too large for a cue sheet"), "{e}");
    assert_eq!(info(&m)["media"]["status"], "blank");
}

#[test]
fn cue_too_big_for_the_disc_is_refused_before_writing() {
    let d = tempfile::tempdir().unwrap();
    // 600 sectors of audio, a disc of 500.
    let cue = bin_and_cue(
        d.path(),
        "big.bin",
        &noise_bytes(600 * RAW, 51),
        "big.cue",
        "FILE big.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n",
    );
    let m = medium(d.path(), "cd.vd", "cd-r", &["--capacity", "500"]);
    let (_, e) = fails(&["-d", &dev(&m), "burn", p(&cue)], 4);
    assert!(e.contains("needs 600 sectors") && e.contains("500"), "{e}");
    assert_eq!(info(&m)["media"]["status"], "blank");
    // --multi cannot go with a session-at-once cue image.
    let (_, e) = fails(&["-d", &dev(&m), "burn", "--multi", p(&cue)], 2);
    assert!(e.contains("--multi"), "{e}");
    // A cue image on a DVD: refused before writing.
    let dvd = medium(d.path(), "dvd.vd", "dvd-r", &[]);
    let (_, e) = fails(&["-d", &dev(&dvd), "burn", p(&cue)], 4);
    assert!(e.contains("CD-R or CD-RW only"), "{e}");
    assert_eq!(info(&dvd)["media"]["status"], "blank");
}

#[test]
fn verify_of_a_changed_bin_names_the_lba_and_track() {
    let d = tempfile::tempdir().unwrap();
    let x = mixed(d.path());
    let m = medium(d.path(), "cd.vd", "cd-r", &[]);
    ok(&["-d", &dev(&m), "burn", p(&x.cue)]);
    ok(&["-d", &dev(&m), "verify", p(&x.cue)]);
    // One byte of file sector 600 (track 3, LBA 650 + 100 = 750) changed.
    let mut b = x.bin1.clone();
    b[600 * RAW + 1000] ^= 0x40;
    std::fs::write(d.path().join("mixed disc.bin"), &b).unwrap();
    let (_, e) = fails(&["-d", &dev(&m), "verify", p(&x.cue)], 6);
    assert!(
        e.lines()
            .any(|l| l.ends_with("verify FAILED: 1 sector differs at LBA 750; in track 3")),
        "{e}"
    );
    // A data-track sector too (file sector 10 = LBA 10, track 1).
    b[10 * RAW + 500] ^= 1;
    std::fs::write(d.path().join("mixed disc.bin"), &b).unwrap();
    let o = discrw(&["-d", &dev(&m), "verify", "--json", p(&x.cue)]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    let v = verify_json(&o);
    assert_eq!(
        v["verify"]["mismatched"],
        serde_json::json!([[10, 1], [750, 1]])
    );
    assert_eq!(v["verify"]["damaged_tracks"], serde_json::json!([1, 3]));
}

#[test]
fn mode2_xa_track_is_burned_raw_and_ripped_back() {
    let d = tempfile::tempdir().unwrap();
    // Track 1: 200 CD-ROM XA form 1 sectors (subheader: data, submode 08h), POSTGAP 10
    // sectors; track 2: 100 sectors of audio.
    let mut bin: Vec<u8> = (0..200u64)
        .flat_map(|l| {
            let user: [u8; 2048] = noise_bytes(2048, 61 + l).try_into().unwrap();
            discrw::ecma130::encode_mode2_form1(l, [0, 0, 0x08, 0], &user)
        })
        .collect();
    bin.extend(noise_bytes(100 * RAW, 62));
    let cue = bin_and_cue(
        d.path(),
        "xa.bin",
        &bin,
        "xa.cue",
        "FILE xa.bin BINARY\nTRACK 01 MODE2/2352\nINDEX 01 00:00:00\nPOSTGAP 00:00:10\nTRACK 02 AUDIO\nINDEX 01 00:02:50\n",
    );
    let m = medium(d.path(), "cd.vd", "cd-r", &[]);
    let o = ok(&["-d", &dev(&m), "burn", p(&cue)]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("verify: 300 sectors match"),
        "{}",
        text(&o)
    );
    let rip = d.path().join("r.bin");
    ok(&["-d", &dev(&m), "rip", "--raw", p(&rip)]);
    let r = std::fs::read(&rip).unwrap();
    let rc = std::fs::read_to_string(d.path().join("r.cue")).unwrap();
    assert!(rc.contains("TRACK 01 MODE2/2352"), "{rc}");
    assert_eq!(index01(&d.path().join("r.cue")), vec![0, 210]);
    assert_eq!(sha(sectors(&r, 0, 200)), sha(sectors(&bin, 0, 200)));
    // The postgap: form 2 sectors at their own addresses, good by ECMA-130's checks.
    for l in 200..210u64 {
        let s: &[u8; RAW] = sectors(&r, l as usize, l as usize + 1).try_into().unwrap();
        assert_eq!(s[15], 2, "mode byte at {l}");
        assert!(
            !discrw::ecma130::check_data_sector(s, l).is_bad(),
            "LBA {l}"
        );
    }
    assert_eq!(sha(sectors(&r, 210, 310)), sha(sectors(&bin, 200, 300)));
}

#[test]
fn one_cue_to_two_drives_at_once() {
    let d = tempfile::tempdir().unwrap();
    let x = mixed(d.path());
    let a = medium(d.path(), "a.vd", "cd-r", &[]);
    let b = medium(d.path(), "b.vd", "cd-rw", &[]);
    let o = ok(&["-d", &dev(&a), "-d", &dev(&b), "burn", p(&x.cue)]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.matches("verify: 925 sectors match").count(),
        2,
        "{}",
        text(&o)
    );
    for m in [&a, &b] {
        let rip = d.path().join("r.bin");
        ok(&["-d", &dev(m), "rip", "--raw", "--force", p(&rip)]);
        let r = std::fs::read(&rip).unwrap();
        assert_eq!(sha(sectors(&r, 1000, 1150)), sha(&x.bin2));
        assert_eq!(sha(sectors(&r, 0, 300)), sha(sectors(&x.bin1, 0, 300)));
    }
}

#[test]
fn simulated_cue_burn_leaves_the_cd_blank() {
    let d = tempfile::tempdir().unwrap();
    let cue = bin_and_cue(
        d.path(),
        "a.bin",
        &noise_bytes(300 * RAW, 71),
        "a.cue",
        "FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n",
    );
    let m = medium(d.path(), "cd.vd", "cd-r", &[]);
    let o = ok(&["-d", &dev(&m), "burn", "--simulate", p(&cue)]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("(simulated)"),
        "{}",
        text(&o)
    );
    assert_eq!(info(&m)["media"]["status"], "blank");
    ok(&["-d", &dev(&m), "burn", p(&cue)]);
    assert_eq!(info(&m)["media"]["status"], "complete");
}

/// The result document of a `--json` run, the one holding `key` (progress lines come
/// first).
fn result_document(o: &Output, key: &str) -> Value {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    serde_json::Deserializer::from_str(&out)
        .into_iter::<Value>()
        .filter_map(Result::ok)
        .find(|v| v.get(key).is_some())
        .unwrap_or_else(|| panic!("no result document: {out}"))
}

/// The burn's result document (`--json`: progress lines first, the result last).
fn burn_report(o: &Output) -> Value {
    result_document(o, "burns")["burns"][0]["report"].clone()
}

#[test]
fn audio_sectors_are_recorded_at_75_per_second_per_x() {
    // A CD records 75 sectors a second per 1x whatever their size: 6000 audio sectors and
    // the 150 of the pregap at 16x (1200 sectors/s), less the 4 MiB drive buffer's first
    // fill (1783 sectors of 2352 bytes, taken at once), take 3.64 s on the emulated
    // drive's clock, not the 4.18 s of a rate reckoned in 2048-byte sectors.
    let d = tempfile::tempdir().unwrap();
    let cue = bin_and_cue(
        d.path(),
        "a.bin",
        &noise_bytes(6000 * RAW, 81),
        "a.cue",
        "FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n",
    );
    let m = medium(d.path(), "a.vd", "cd-r", &[]);
    let o = ok(&[
        "-d",
        &dev(&m),
        "burn",
        "--json",
        "--speed",
        "16",
        "--no-verify",
        p(&cue),
    ]);
    let secs = burn_report(&o)["write_seconds"].as_f64().unwrap();
    let want = (6150.0 - (4u64 << 20) as f64 / RAW as f64) / 1200.0;
    assert!(
        (secs / want - 1.0).abs() < 0.03,
        "{secs} s, {want} s expected"
    );
}

/// The JSON result document of `verify --json` (after the progress lines).
fn verify_json(o: &Output) -> Value {
    result_document(o, "verify")
}

/// Burn `cue` to a new cd-r whose drive reads audio `n` samples off (`audio-offset=n`
/// shifts READ CD only, so the burn itself is exact), without verifying.
fn burned_with_offset(dir: &Path, cue: &Path, n: i64) -> PathBuf {
    let m = medium(
        dir,
        &format!("off{n}.vd"),
        "cd-r",
        &["--faults", &format!("audio-offset={n}")],
    );
    ok(&["-d", &dev(&m), "burn", "--no-verify", p(cue)]);
    m
}

/// `NAME.bin` of `bytes` as one audio track, and `NAME.cue`.
fn one_audio_track(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    bin_and_cue(
        dir,
        &format!("{name}.bin"),
        bytes,
        &format!("{name}.cue"),
        &format!("FILE {name}.bin BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n"),
    )
}

const TWO_AUDIO_TRACKS: &str = "FILE a.bin BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n TRACK 02 AUDIO\n  INDEX 00 00:02:00\n  INDEX 01 00:03:00\n";

#[test]
fn verify_finds_the_drives_audio_read_offset_and_names_it() {
    let d = tempfile::tempdir().unwrap();
    let audio = noise_bytes(400 * RAW, 31);
    let cue = bin_and_cue(d.path(), "a.bin", &audio, "a.cue", TWO_AUDIO_TRACKS);
    for n in [6i64, 667, -472] {
        let m = burned_with_offset(d.path(), &cue, n);
        // Read back as the drive returns it, the audio is shifted: rip --raw differs.
        let rip = d.path().join(format!("r{n}.bin"));
        ok(&["-d", &dev(&m), "rip", "--raw", p(&rip)]);
        let r = std::fs::read(&rip).unwrap();
        assert_ne!(sha(&r), sha(&audio));
        let at = 100 * RAW;
        let shifted = (at as i64 + 4 * n) as usize;
        assert_eq!(r[at..at + RAW], audio[shifted..shifted + RAW]);
        let o = ok(&["-d", &dev(&m), "verify", p(&cue)]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains(&format!(
                "400 sectors match; audio matches with a read offset of {n:+} samples \
                 (the drive's read/write offset; {} samples at the disc's edges not compared)",
                n.abs()
            )),
            "{}",
            text(&o)
        );
        let o = ok(&["-d", &dev(&m), "verify", "--json", p(&cue)]);
        let v = verify_json(&o);
        assert_eq!(v["ok"], true);
        assert_eq!(v["verify"]["audio_offset_samples"], n);
        assert_eq!(v["verify"]["audio_samples_not_compared"], n.abs());
        assert_eq!(v["verify"]["mismatched"], serde_json::json!([]));
    }
    // The burn's own verify finds it too.
    let m = medium(
        d.path(),
        "burnverify.vd",
        "cd-r",
        &["--faults", "audio-offset=48"],
    );
    let o = ok(&["-d", &dev(&m), "burn", p(&cue)]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("audio matches with a read offset of +48"),
        "{}",
        text(&o)
    );
}

#[test]
fn with_an_offset_a_changed_audio_byte_is_named_by_its_lba() {
    let d = tempfile::tempdir().unwrap();
    let audio = noise_bytes(400 * RAW, 32);
    let cue = bin_and_cue(d.path(), "a.bin", &audio, "a.cue", TWO_AUDIO_TRACKS);
    for n in [667i64, -472] {
        let m = burned_with_offset(d.path(), &cue, n);
        let mut b = audio.clone();
        b[260 * RAW + 1000] ^= 0x10; // track 2 (INDEX 01 at 225)
        std::fs::write(d.path().join("a.bin"), &b).unwrap();
        let (_, e) = fails(&["-d", &dev(&m), "verify", p(&cue)], 6);
        assert!(
            e.contains(&format!(
                "audio compared with a read offset of {n:+} samples (the drive's read/write offset); \
                 1 sector differs at LBA 260; in track 2"
            )),
            "{e}"
        );
        std::fs::write(d.path().join("a.bin"), &audio).unwrap();
    }
}

#[test]
fn silence_with_one_burst_still_gives_the_offset_and_a_constant_level_says_it_cannot() {
    let d = tempfile::tempdir().unwrap();
    // Digital silence but for 100 samples of noise in the middle of sector 150.
    let mut audio = vec![0u8; 300 * RAW];
    audio[150 * RAW + 800..150 * RAW + 1200].copy_from_slice(&noise_bytes(400, 33));
    let cue = one_audio_track(d.path(), "s", &audio);
    let m = burned_with_offset(d.path(), &cue, 667);
    let o = ok(&["-d", &dev(&m), "verify", p(&cue)]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("audio matches with a read offset of +667"),
        "{}",
        text(&o)
    );
    // One level repeated (a DC offset): only the edges differ, and nothing can be aligned.
    let flat = vec![0x01u8; 300 * RAW];
    let cue = one_audio_track(d.path(), "f", &flat);
    let m = burned_with_offset(d.path(), &cue, 6);
    let (_, e) = fails(&["-d", &dev(&m), "verify", p(&cue)], 6);
    assert!(e.contains("1 sector differs at LBA 299"), "{e}");
    assert!(
        e.contains(
            "the differing audio is digital silence or one level repeated, so no read offset \
             within ±3000 samples could be looked for"
        ),
        "{e}"
    );
}

#[test]
fn mixed_disc_with_an_audio_offset_compares_its_data_track_exactly() {
    let d = tempfile::tempdir().unwrap();
    let x = mixed(d.path());
    let m = burned_with_offset(d.path(), &x.cue, -472);
    let o = ok(&["-d", &dev(&m), "verify", "--json", p(&x.cue)]);
    let v = verify_json(&o);
    assert_eq!(v["verify"]["audio_offset_samples"], -472);
    // Track 2 follows the data track's postgap: its first 472 samples have no counterpart.
    assert_eq!(v["verify"]["audio_samples_not_compared"], 472);
    // A changed byte in the data track: named as it is, never shifted.
    let mut b = x.bin1.clone();
    b[10 * RAW + 500] ^= 1;
    std::fs::write(d.path().join("mixed disc.bin"), &b).unwrap();
    let o = discrw(&["-d", &dev(&m), "verify", "--json", p(&x.cue)]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    let v = verify_json(&o);
    assert_eq!(v["verify"]["mismatched"], serde_json::json!([[10, 1]]));
    assert_eq!(v["verify"]["damaged_tracks"], serde_json::json!([1]));
    assert_eq!(v["verify"]["audio_offset_samples"], -472);
}

#[test]
fn an_offset_beyond_the_bound_is_not_guessed_and_every_sector_is_named() {
    let d = tempfile::tempdir().unwrap();
    let audio = noise_bytes(100 * RAW, 34);
    let cue = one_audio_track(d.path(), "a", &audio);
    let m = burned_with_offset(d.path(), &cue, 3001);
    // Reported as any difference is: every sector named, nothing said of offsets.
    let (_, e) = fails(&["-d", &dev(&m), "verify", p(&cue)], 6);
    assert!(
        e.lines()
            .any(|l| l.ends_with("verify FAILED: 100 sectors differ at LBA 0-99; in track 1")),
        "{e}"
    );
    let o = discrw(&["-d", &dev(&m), "verify", "--json", p(&cue)]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    let v = verify_json(&o);
    assert_eq!(v["verify"]["audio_offset_unknown"], "no_match");
    assert!(v["verify"].get("audio_offset_samples").is_none());
    // Within the bound, at its edge, the same disc is explained.
    let m = burned_with_offset(d.path(), &cue, -3000);
    let o = ok(&["-d", &dev(&m), "verify", p(&cue)]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("read offset of -3000 samples"),
        "{}",
        text(&o)
    );
}
