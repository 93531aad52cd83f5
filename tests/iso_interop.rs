//! Round trips against independent tools: images made by discrw read by isoinfo, xorriso,
//! 7z (and the kernel where it can mount); images made by genisoimage, xorriso and mkudffs
//! read by discrw. A missing tool fails the test (tests/packages.txt lists the packages).

mod common;

use common::iso::*;
use common::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

fn try_mount_and_compare(image: &Path, want: &BTreeMap<String, Item>, tmp: &Path) {
    let mnt = tmp.join("mnt");
    fs::create_dir_all(&mnt).unwrap();
    let out = try_run(Command::new("mount").args(["-o", "loop,ro", p(image), p(&mnt)]));
    match out {
        Ok(o) if o.status.success() => {
            let got = snapshot(&mnt);
            let _ = try_run(Command::new("umount").arg(&mnt));
            assert_eq!(&got, want, "kernel mount differs");
            eprintln!("mount -o loop: identical");
        }
        Ok(o) => eprintln!(
            "NOTE: mount -o loop is not available here ({}); the kernel check ran nowhere",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => eprintln!("NOTE: mount not available here: {e}"),
    }
}

#[test]
fn discrw_image_reads_identically_in_isoinfo_xorriso_7z() {
    let (isoinfo, xorriso, sevenz, sha256sum) = (
        need("isoinfo"),
        need("xorriso"),
        need("7z"),
        need("sha256sum"),
    );
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    build_tree(&src, true);
    let want = snapshot(&src);
    let image = tmp.path().join("out.iso");
    ok(&["iso", "create", p(&src), "-o", p(&image), "-V", "ROUNDTRIP"]);

    // The .sha256 beside the image checks with coreutils.
    run_ok(
        Command::new(&sha256sum)
            .arg("-c")
            .arg("out.iso.sha256")
            .current_dir(tmp.path()),
    );

    // isoinfo -d: the descriptors say what we wrote (ECMA-119 PVD, Joliet SVD, RRIP ER).
    let d = String::from_utf8_lossy(
        &run_ok(Command::new(&isoinfo).args(["-d", "-i", p(&image)])).stdout,
    )
    .into_owned();
    assert!(d.contains("Volume id: ROUNDTRIP"), "{d}");
    assert!(d.contains("Joliet with UCS level 3 found"), "{d}");
    assert!(d.contains("Rock Ridge signatures version 1 found"), "{d}");
    assert!(d.contains("Logical block size is: 2048"), "{d}");

    // isoinfo -R -f: every path; isoinfo -R -x: every file's bytes.
    let f = String::from_utf8_lossy(
        &run_ok(Command::new(&isoinfo).args(["-R", "-f", "-i", p(&image)])).stdout,
    )
    .into_owned();
    let isoinfo_paths: std::collections::BTreeSet<String> = f.lines().map(str::to_string).collect();
    let want_paths: std::collections::BTreeSet<String> = want.keys().cloned().collect();
    assert_eq!(isoinfo_paths, want_paths, "isoinfo -R -f paths differ");
    for (p, it) in want.iter().filter(|(_, it)| it.kind == 'f') {
        let out = run_ok(Command::new(&isoinfo).args(["-R", "-x", p, "-i", common::p(&image)]));
        assert_eq!(sha256_bytes(&out.stdout), it.detail, "isoinfo -R -x {p}");
    }

    // xorriso: listing (names, sizes, symlink targets) and a full extraction.
    assert_eq!(
        xorriso_listing(&image),
        shape(&want),
        "xorriso -find listing differs"
    );
    let xdir = tmp.path().join("xorriso-out");
    run_ok(Command::new(&xorriso).args([
        "-osirrox",
        "on",
        "-indev",
        p(&image),
        "-extract",
        "/",
        p(&xdir),
    ]));
    assert_eq!(snapshot(&xdir), want, "xorriso extraction differs");

    // 7z reads the Joliet tree: no symlinks, names cut at 64 UTF-16 units.
    let zdir = tmp.path().join("7z-out");
    run_ok(
        Command::new(&sevenz)
            .arg("x")
            .arg(format!("-o{}", p(&zdir)))
            .arg(&image),
    );
    let got7 = snapshot(&zdir);
    let short: BTreeMap<String, Item> = want
        .iter()
        .filter(|(p, it)| it.kind != 'l' && longest_component(p) <= 64)
        .map(|(p, it)| (p.clone(), it.clone()))
        .collect();
    for (p, it) in &short {
        assert_eq!(got7.get(p), Some(it), "7z: {p}");
    }
    let count = |m: &BTreeMap<String, Item>, k| m.values().filter(|i| i.kind == k).count();
    assert_eq!(count(&got7, 'f'), count(&want, 'f'), "7z file count");
    assert_eq!(count(&got7, 'd'), count(&want, 'd'), "7z directory count");

    // discrw's own reader and extractor: names, content, symlinks, mtimes, modes.
    assert_eq!(discrw_listing(&image), shape(&want), "discrw ls differs");
    let ddir = tmp.path().join("discrw-out");
    ok(&["iso", "extract", p(&image), "-o", p(&ddir)]);
    assert_eq!(snapshot(&ddir), want, "discrw extraction differs");
    let mut src_times = mtimes(&src);
    let mut got_times = mtimes(&ddir);
    src_times.retain(|k, _| !k.is_empty());
    got_times.retain(|k, _| !k.is_empty());
    assert_eq!(got_times, src_times, "mtimes/modes not kept");

    // A subtree extracts under its own path.
    let sdir = tmp.path().join("sub-out");
    ok(&["iso", "extract", p(&image), "/sub", "-o", p(&sdir)]);
    assert_eq!(
        sha256_file(&sdir.join("sub/日本語のファイル名.txt")),
        sha256_bytes(b"nihongo\n")
    );

    try_mount_and_compare(&image, &want, tmp.path());
}

#[test]
fn create_options_and_refusals() {
    need("isoinfo");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    build_tree(&src, false);
    let image = tmp.path().join("plain.iso");
    ok(&[
        "iso",
        "create",
        p(&src),
        "-o",
        p(&image),
        "--no-joliet",
        "--no-rock-ridge",
    ]);
    let d = String::from_utf8_lossy(
        &run_ok(Command::new(need("isoinfo")).args(["-d", "-i", p(&image)])).stdout,
    )
    .into_owned();
    assert!(d.contains("NO Joliet present"), "{d}");
    assert!(d.contains("NO Rock Ridge present"), "{d}");
    // Plain ISO 9660 names: d-characters, versions stripped by discrw.
    let l = discrw_listing(&image);
    assert!(l.contains_key("/HELLO.TXT"), "{l:?}");

    // Never overwrite without --force; the old image stays intact.
    let before = sha256_file(&image);
    let out = run(bin().args(["iso", "create", p(&src), "-o", p(&image)]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(sha256_file(&image), before);
    ok(&["iso", "create", p(&src), "-o", p(&image), "--force"]);
    assert_ne!(sha256_file(&image), before);
    // No temporary files are left beside the output.
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("discrw-tmp")), "{names:?}");

    // Bad input: not a directory, missing image, bad volume id.
    let out = run(bin().args([
        "iso",
        "create",
        p(&image),
        "-o",
        p(&tmp.path().join("x.iso")),
    ]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(bin().args(["iso", "info", "/nonexistent.iso"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("discrw: iso: /nonexistent.iso"));
    let out = run(bin().args([
        "iso",
        "create",
        p(&src),
        "-o",
        p(&tmp.path().join("y.iso")),
        "-V",
        &"V".repeat(33),
    ]));
    assert_eq!(out.status.code(), Some(2));
}

/// genisoimage / xorriso images read by discrw list exactly like the peer tool lists them.
#[test]
fn peer_made_images_read_by_discrw() {
    let (genisoimage, xorriso, isoinfo) = (need("genisoimage"), need("xorriso"), need("isoinfo"));
    let tmp = tempfile::tempdir().unwrap();
    let wild = tmp.path().join("wild");
    build_tree(&wild, true);
    let wild_g = tmp.path().join("wild-g");
    build_tree(&wild_g, true);
    fs::remove_file(wild_g.join("link_long")).unwrap();
    let tame = tmp.path().join("tame");
    build_tree(&tame, false);

    // The peer a case's label names: genisoimage, or xorriso as mkisofs.
    let mkisofs = |label: &str| {
        if label.starts_with("xorriso") {
            let mut c = Command::new(&xorriso);
            c.args(["-as", "mkisofs"]);
            c
        } else {
            Command::new(&genisoimage)
        }
    };
    // Rock Ridge images: the listing and the extracted tree equal the source.
    let rr_cases: Vec<(&str, Vec<&str>)> = vec![
        ("genisoimage -R -J", vec!["-R", "-J", "-joliet-long"]),
        ("genisoimage -R", vec!["-R"]),
        ("xorriso -as mkisofs -R -J", vec!["-R", "-J"]),
    ];
    for (i, (label, args)) in rr_cases.iter().enumerate() {
        let img = tmp.path().join(format!("rr{i}.iso"));
        let mut c = mkisofs(label);
        // genisoimage 1.1.11 loops forever writing the RRIP SL entries of some long
        // multi-component symlink targets (link_long); it gets the tree without that link.
        let src = if label.starts_with("genisoimage") {
            &wild_g
        } else {
            &wild
        };
        run_ok(c.args(args).args(["-quiet", "-o", p(&img), p(src)]));
        let want = snapshot(src);
        let mut got = discrw_listing(&img);
        // genisoimage relocates directories deeper than 8 into /rr_moved (RRIP CL/RE);
        // discrw follows CL and hides RE, but the (empty) rr_moved itself stays visible,
        // as it does in isoinfo -R and the kernel.
        got.remove("/rr_moved");
        assert_eq!(got, shape(&want), "{label}: discrw ls");
        let out = tmp.path().join(format!("rr{i}-out"));
        ok(&["iso", "extract", p(&img), "-o", p(&out)]);
        let _ = fs::remove_dir(out.join("rr_moved"));
        assert_eq!(snapshot(&out), want, "{label}: discrw extract");
    }

    // Joliet-only and plain images: discrw's listing equals xorriso's (which prefers the
    // same trees: Rock Ridge, then Joliet, then plain ISO 9660 with ";1" stripped), and on the
    // plain image its names equal isoinfo's (isoinfo cannot print non-Latin-1 Joliet names).
    // xorriso always writes Rock Ridge, so its images are read through RR.
    let plain_cases: Vec<(&str, Vec<&str>, &str)> = vec![
        ("genisoimage -J", vec!["-J"], "joliet"),
        ("genisoimage", vec![], "plain"),
        ("xorriso -as mkisofs -J", vec!["-J"], "rr"),
        ("xorriso -as mkisofs", vec![], "rr"),
    ];
    for (i, (label, args, tree)) in plain_cases.iter().enumerate() {
        let img = tmp.path().join(format!("plain{i}.iso"));
        let mut c = mkisofs(label);
        run_ok(c.args(args).args(["-quiet", "-o", p(&img), p(&tame)]));
        let ours = discrw_listing(&img);
        assert_eq!(ours, xorriso_listing(&img), "{label}: discrw ls vs xorriso");
        if *tree == "plain" {
            let f = run_ok(Command::new(&isoinfo).args(["-f", "-i", p(&img)]));
            let strip = |p: &str| {
                let p = match p.rfind(';') {
                    Some(i) => &p[..i],
                    None => p,
                };
                p.strip_suffix('.').unwrap_or(p).to_string()
            };
            let theirs: std::collections::BTreeSet<String> = String::from_utf8_lossy(&f.stdout)
                .lines()
                .map(strip)
                .collect();
            let names: std::collections::BTreeSet<String> = ours.keys().cloned().collect();
            assert_eq!(names, theirs, "{label}: names vs isoinfo -f");
        }
        // Content through discrw: a Joliet tree extracts as the source itself; a plain one
        // holds the same files (as a multiset of contents) under 8.3-style names.
        let out = tmp.path().join(format!("plain{i}-out"));
        ok(&["iso", "extract", p(&img), "-o", p(&out)]);
        let got = snapshot(&out);
        let want = snapshot(&tame);
        if *tree != "plain" {
            assert_eq!(got, want, "{label}: discrw extract");
        } else {
            let hashes = |m: &BTreeMap<String, Item>| {
                let mut v: Vec<String> = m
                    .values()
                    .filter(|i| i.kind == 'f')
                    .map(|i| i.detail.clone())
                    .collect();
                v.sort();
                v
            };
            assert_eq!(hashes(&got), hashes(&want), "{label}: extracted contents");
        }
    }
}

#[test]
fn udf_detected_like_udfinfo_says() {
    let (mkudffs, udfinfo) = (need("mkudffs"), need("udfinfo"));
    let tmp = tempfile::tempdir().unwrap();
    // mkudffs writes revisions above 2.01 only for optical media types.
    for (rev, media, want_rev) in [
        ("0x0201", "hd", "2.01"),
        ("0x0250", "bdr", "2.50"),
        ("0x0260", "bdr", "2.60"),
    ] {
        let img = tmp.path().join(format!("udf{rev}.img"));
        fs::File::create(&img).unwrap().set_len(40 << 20).unwrap();
        run_ok(Command::new(&mkudffs).args([
            &format!("--media-type={media}"),
            "--blocksize=2048",
            &format!("--udfrev={rev}"),
            "--lvid=DISCRW LV",
            p(&img),
        ]));
        let info =
            String::from_utf8_lossy(&run_ok(Command::new(&udfinfo).arg(&img)).stdout).into_owned();
        let field = |k: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap_or_else(|| panic!("udfinfo has no {k}: {info}"))
                .to_string()
        };
        let out = ok(&["iso", "info", p(&img), "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let u = &v["udf"];
        assert_eq!(u["udf_revision"], want_rev, "{v}");
        assert_eq!(u["logical_volume_id"], field("lvid"), "{v}");
        assert_eq!(
            u["block_size"].as_u64().unwrap().to_string(),
            field("blocksize")
        );
        // udfinfo: "start=257, blocks=19960, type=PSPACE" is the partition space.
        let pspace = info
            .lines()
            .find(|l| l.ends_with("type=PSPACE"))
            .unwrap_or_else(|| panic!("udfinfo shows no PSPACE: {info}"));
        let num = |k: &str| -> u64 {
            pspace
                .split(", ")
                .find_map(|f| f.strip_prefix(k))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{pspace}"))
        };
        assert_eq!(u["partition_start"].as_u64(), Some(num("start=")), "{info}");
        assert_eq!(
            u["partition_length"].as_u64(),
            Some(num("blocks=")),
            "{info}"
        );
        assert!(
            info.lines()
                .any(|l| l == "start=256, blocks=1, type=ANCHOR"),
            "{info}"
        );
        assert_eq!(
            v["sizes"]["udf_blocks"].as_u64(),
            Some((40u64 << 20) / 2048)
        );
        assert!(v["primary"].is_null());
    }
}

#[test]
fn hybrid_image_partition_end_is_reported() {
    let (xorriso, sfdisk) = (need("xorriso"), need("sfdisk"));
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    build_tree(&src, false);
    let efi = tmp.path().join("efi.img");
    fs::write(&efi, vec![0u8; 3 << 20]).unwrap();
    let img = tmp.path().join("hybrid.iso");
    run_ok(Command::new(&xorriso).args([
        "-as",
        "mkisofs",
        "-quiet",
        "-o",
        p(&img),
        "-append_partition",
        "2",
        "0xef",
        p(&efi),
        p(&src),
    ]));
    let j = run_ok(Command::new(&sfdisk).args(["--json", p(&img)]));
    let t: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    let end = t["partitiontable"]["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["start"].as_u64().unwrap() + p["size"].as_u64().unwrap())
        .max()
        .unwrap();
    let out = ok(&["iso", "info", p(&img), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["partition_table"]["end_bytes"].as_u64(),
        Some(end * 512),
        "{v}"
    );
    let iso = v["sizes"]["iso9660_blocks"].as_u64().unwrap();
    let part = v["sizes"]["partition_end_blocks"].as_u64().unwrap();
    assert!(
        part > iso,
        "the appended partition lies after the ISO volume: {v}"
    );
    assert_eq!(part, (end * 512).div_ceil(2048));
}
