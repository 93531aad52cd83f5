//! El Torito boot catalogs of images discrw did not make (xorriso, genisoimage; BIOS, EFI,
//! floppy emulation, hybrid MBR/GPT, an EFI image in an appended partition) read like
//! xorriso -report_el_torito and isoinfo -d read them; and the LBA → file lookup against
//! xorriso's -find -exec report_lba.

mod common;

use common::iso::*;
use common::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

/// xorriso -report_el_torito plain: per image N, the row
/// (platform, bootable, emulation, load segment, system type, load size, LBA) and the path.
/// (platform, bootable, emulation, load segment, system type, load size, LBA).
type BootRow = (String, bool, String, u16, u8, u16, u64);

#[derive(Debug, Default)]
struct XorrisoBoot {
    catalog_lba: u64,
    catalog_path: Option<String>,
    images: BTreeMap<u32, BootRow>,
    paths: BTreeMap<u32, String>,
}

fn xorriso_boot(image: &Path) -> XorrisoBoot {
    let out = run_ok(Command::new(need("xorriso")).args([
        "-indev",
        p(image),
        "-report_el_torito",
        "plain",
    ]));
    let mut r = XorrisoBoot::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((k, v)) = line.split_once(" : ") else {
            continue;
        };
        let f: Vec<&str> = v.split_whitespace().collect();
        match k.trim() {
            // "El Torito catalog  : 33  1"
            "El Torito catalog" => r.catalog_lba = f[0].parse().unwrap(),
            "El Torito cat path" => r.catalog_path = Some(v.trim().to_string()),
            // "El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4          34"
            "El Torito boot img" => {
                let hex = |x: &str| u16::from_str_radix(x.trim_start_matches("0x"), 16).unwrap();
                r.images.insert(
                    f[0].parse().unwrap(),
                    (
                        f[1].to_string(),
                        f[2] == "y",
                        f[3].to_string(),
                        hex(f[4]),
                        hex(f[5]) as u8,
                        f[6].parse().unwrap(),
                        f[7].parse().unwrap(),
                    ),
                );
            }
            // "El Torito img path :   1  /boot/bios.img"
            "El Torito img path" => {
                r.paths.insert(f[0].parse().unwrap(), f[1..].join(" "));
            }
            _ => {}
        }
    }
    r
}

/// discrw's catalog in xorriso's terms.
fn discrw_boot(image: &Path) -> (serde_json::Value, XorrisoBoot) {
    let out = ok(&["iso", "info", p(image), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &v["boot_record"];
    let mut r = XorrisoBoot {
        catalog_lba: b["boot_catalog_lba"].as_u64().unwrap(),
        catalog_path: b["catalog_file"].as_str().map(str::to_string),
        ..Default::default()
    };
    let entries = b["catalog"]["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("no catalog: {v}"));
    for (i, e) in entries.iter().enumerate() {
        let n = i as u32 + 1;
        let platform = match e["platform"].as_str().unwrap() {
            "x86" => "BIOS",
            "EFI" => "UEFI",
            "PowerPC" => "PPC",
            other => other,
        };
        let emul = match e["emulation"].as_str().unwrap() {
            "none" => "none",
            "1.2M floppy" => "fd1.2",
            "1.44M floppy" => "fd1.4",
            "2.88M floppy" => "fd2.8",
            "hard disk" => "hd",
            other => other,
        };
        r.images.insert(
            n,
            (
                platform.to_string(),
                e["bootable"].as_bool().unwrap(),
                emul.to_string(),
                e["load_segment"].as_u64().unwrap() as u16,
                e["system_type"].as_u64().unwrap() as u8,
                e["sector_count"].as_u64().unwrap() as u16,
                e["load_lba"].as_u64().unwrap(),
            ),
        );
        if let Some(p) = e["file"].as_str() {
            r.paths.insert(n, p.to_string());
        }
    }
    (v, r)
}

/// isoinfo -d's view of the validation and default entries:
/// (Arch, Bootid, Boot media, Nsect, Bootoff).
fn isoinfo_default_entry(image: &Path) -> (u8, u8, u8, u16, u64) {
    let out = run_ok(Command::new(need("isoinfo")).args(["-d", "-i", p(image)]));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let val = |key: &str| -> String {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .unwrap_or_else(|| panic!("isoinfo -d has no {key}:\n{text}"))
            .trim()
            .to_string()
    };
    let first = |s: String| s.split_whitespace().next().unwrap().to_string();
    // "Bootoff 22 34": the load RBA in hex, then in decimal.
    let off = val("Bootoff");
    let (hex, dec) = off.split_once(' ').unwrap();
    let lba = u64::from_str_radix(hex, 16).unwrap();
    assert_eq!(lba, dec.trim().parse::<u64>().unwrap(), "{off}");
    (
        first(val("Arch")).parse().unwrap(),
        u8::from_str_radix(&first(val("Bootid")), 16).unwrap(),
        first(val("Boot media")).parse().unwrap(),
        // Single-digit counts here, the same in hex and decimal.
        first(val("Nsect")).parse().unwrap(),
        lba,
    )
}

fn boot_tree(root: &Path) {
    build_tree(root, false);
    let w = |rel: &str, data: &[u8]| {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, data).unwrap();
    };
    w("boot/bios.img", &pseudo_random(4096, 7));
    w("boot/efi.img", &pseudo_random(1_474_560, 8));
    w("boot/floppy.img", &pseudo_random(1_474_560, 9));
    w("boot/seg.img", &pseudo_random(8192, 10));
}

#[test]
fn el_torito_of_peer_images_reads_like_xorriso_and_isoinfo() {
    let (xorriso, genisoimage, sfdisk) = (need("xorriso"), need("genisoimage"), need("sfdisk"));
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    boot_tree(&src);
    // A zeroed 432-byte isohybrid MBR template: xorriso takes its boot code as is.
    let mbr = tmp.path().join("mbr.bin");
    fs::write(&mbr, [0u8; 432]).unwrap();
    let efi_part = tmp.path().join("efi-part.img");
    fs::write(&efi_part, pseudo_random(2880 * 512, 11)).unwrap();

    let bios_efi = [
        "-b",
        "boot/bios.img",
        "-no-emul-boot",
        "-boot-load-size",
        "4",
        "-boot-info-table",
        "-eltorito-alt-boot",
        "-e",
        "boot/efi.img",
        "-no-emul-boot",
    ];
    let mut hybrid: Vec<&str> = bios_efi.to_vec();
    hybrid.extend(["-isohybrid-mbr", p(&mbr), "-isohybrid-gpt-basdat"]);
    let floppy_seg = [
        "-b",
        "boot/floppy.img",
        "-eltorito-alt-boot",
        "-b",
        "boot/seg.img",
        "-no-emul-boot",
        "-boot-load-seg",
        "0x1000",
        "-boot-load-size",
        "12",
    ];
    let appended = [
        "-b",
        "boot/bios.img",
        "-no-emul-boot",
        "-boot-load-size",
        "4",
        "-append_partition",
        "2",
        "0xef",
        p(&efi_part),
        "-appended_part_as_gpt",
        "-eltorito-alt-boot",
        "-e",
        "--interval:appended_partition_2:all::",
        "-no-emul-boot",
    ];
    let cases: Vec<(&str, &Path, &[&str])> = vec![
        ("xorriso BIOS+EFI", &xorriso, &bios_efi),
        ("xorriso isohybrid MBR+GPT", &xorriso, &hybrid),
        ("genisoimage BIOS+EFI", &genisoimage, &bios_efi),
        (
            "genisoimage floppy + load segment",
            &genisoimage,
            &floppy_seg,
        ),
        ("xorriso EFI in appended GPT partition", &xorriso, &appended),
    ];
    for (i, (label, tool, args)) in cases.iter().enumerate() {
        let img = tmp.path().join(format!("boot{i}.iso"));
        let mut c = Command::new(tool);
        if label.starts_with("xorriso") {
            c.args(["-as", "mkisofs"]);
        }
        run_ok(
            c.args(["-quiet", "-R", "-J", "-o", p(&img)])
                .args(*args)
                .arg(&src),
        );
        let theirs = xorriso_boot(&img);
        let (v, ours) = discrw_boot(&img);
        assert!(theirs.images.len() >= 2, "{label}: {theirs:?}");
        assert_eq!(ours.catalog_lba, theirs.catalog_lba, "{label}: catalog LBA");
        assert_eq!(
            ours.catalog_path, theirs.catalog_path,
            "{label}: catalog file"
        );
        assert_eq!(ours.images, theirs.images, "{label}: boot images");
        assert_eq!(ours.paths, theirs.paths, "{label}: boot image files");
        assert!(v["warnings"].as_array().unwrap().is_empty(), "{label}: {v}");

        let (arch, bootid, media, nsect, lba) = isoinfo_default_entry(&img);
        let e0 = &v["boot_record"]["catalog"]["entries"][0];
        assert_eq!(v["boot_record"]["catalog"]["platform_id"], arch, "{label}");
        assert_eq!(bootid == 0x88, e0["bootable"].as_bool().unwrap(), "{label}");
        assert_eq!(e0["media_type"], media, "{label}");
        assert_eq!(e0["sector_count"], nsect, "{label}");
        assert_eq!(e0["load_lba"], lba, "{label}");

        // The hybrid images: the EFI image is where the partition tables say.
        if label.contains("isohybrid") || label.contains("appended") {
            let j = run_ok(Command::new(&sfdisk).args(["--json", p(&img)]));
            let t: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
            let efi = ours.images.values().find(|x| x.0 == "UEFI").unwrap().6;
            let starts: Vec<u64> = t["partitiontable"]["partitions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["start"].as_u64().unwrap())
                .collect();
            assert!(
                starts.contains(&(efi * 4)),
                "{label}: EFI image at LBA {efi}, partitions start at {starts:?} (512-byte)"
            );
        }
    }
}

/// xorriso's report_lba (start, blocks, path) for every data file.
fn xorriso_report_lba(image: &Path) -> Vec<(u64, u64, String)> {
    let out = run_ok(
        Command::new(need("xorriso"))
            .env("LC_ALL", "C.UTF-8")
            .args(["-indev", p(image), "-find", "/", "-exec", "report_lba"]),
    );
    let mut v = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "File data lba:  0 ,       34 ,        2 ,     4096 , '/boot/bios.img'"
        let Some(rest) = line.strip_prefix("File data lba:") else {
            continue;
        };
        let q = rest.find('\'').unwrap();
        let nums: Vec<u64> = rest[..q]
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|x| x.parse().unwrap())
            .collect();
        let path = rest[q + 1..].trim_end().trim_end_matches('\'').to_string();
        // Empty files take no blocks (xorriso shows them at a shared placeholder LBA).
        if nums[2] > 0 {
            v.push((nums[1], nums[2], path));
        }
    }
    v
}

#[test]
fn lba_lookup_names_the_files_xorriso_reports() {
    let xorriso = need("xorriso");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    boot_tree(&src);
    let img = tmp.path().join("lba.iso");
    run_ok(
        Command::new(&xorriso)
            .args(["-as", "mkisofs", "-quiet", "-R", "-J", "-o", p(&img)])
            .args([
                "-b",
                "boot/bios.img",
                "-no-emul-boot",
                "-boot-load-size",
                "4",
            ])
            .arg(&src),
    );
    let report = xorriso_report_lba(&img);
    assert!(report.len() > 300, "{}", report.len());
    // Ask for the first and the last sector of every file, and the sector after it.
    let mut queries: Vec<String> = Vec::new();
    for (start, blocks, _) in &report {
        queries.push(start.to_string());
        queries.push((start + blocks - 1).to_string());
        queries.push(format!("{start}-{}", start + blocks - 1));
    }
    // The system area and the volume descriptors hold no file.
    queries.push("0-15".into());
    queries.push("16".into());
    let mut args = vec!["iso", "lba", p(&img), "--json"];
    args.extend(queries.iter().map(String::as_str));
    let out = ok(&args);
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), queries.len());
    let files = |r: &serde_json::Value| -> Vec<String> {
        r["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    for (i, (start, blocks, path)) in report.iter().enumerate() {
        for k in 0..3 {
            let r = &rows[3 * i + k];
            assert_eq!(
                files(r),
                vec![path.clone()],
                "sectors {} of {path} (xorriso: {start}+{blocks})",
                queries[3 * i + k]
            );
        }
    }
    let n = rows.len();
    assert_eq!(files(&rows[n - 2]), Vec::<String>::new(), "system area");
    assert_eq!(files(&rows[n - 1]), Vec::<String>::new(), "PVD");

    // Plain output and a bad range.
    let out = ok(&["iso", "lba", p(&img), &report[0].0.to_string()]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}: {}\n", report[0].0, report[0].2)
    );
    let bad = run(bin().args(["iso", "lba", p(&img), "9-3"]));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("9-3"));
}
