//! Files of 4 GiB and more, which ISO 9660 stores in several extents (ECMA-119 §6.5.1: a file
//! section per directory record, all but the last flagged "multi-extent"), both ways: made by
//! discrw and read by xorriso, isoinfo and 7z; made by xorriso and read by discrw. The big
//! files are sparse and every comparison skips holes, so the tests stay quick.

mod common;

use common::iso::*;
use common::*;
use std::fs;
use std::path::Path;
use std::process::Command;

const GIB: u64 = 1 << 30;

/// 4 GiB + 3 MiB + 12345 bytes: more than one 32-bit extent can hold, with data at the start,
/// across both candidate extent boundaries (4 GiB - 2048 and 4 GiB) and at the end.
fn big_source(dir: &Path) -> (std::path::PathBuf, u64) {
    fs::create_dir_all(dir).unwrap();
    let size = 4 * GIB + (3 << 20) + 12345;
    let big = dir.join("big.bin");
    sparse_file(
        &big,
        size,
        &[
            0,
            GIB - 1000,
            4 * GIB - 2048 - 2000,
            4 * GIB - 2000,
            4 * GIB + 777,
            size - 3000,
        ],
    );
    fs::write(dir.join("after.txt"), b"after the big file\n").unwrap();
    (big, size)
}

/// Checks isoinfo's view of a multi-extent file: several records whose sizes add up, all but
/// the last a whole number of sectors, laid out back to back, each holding its part of `src`.
fn check_isoinfo_parts(image: &Path, extra: &[&str], name: &str, src: &Path, size: u64) {
    let parts = isoinfo_records(image, extra, name);
    assert!(parts.len() >= 2, "isoinfo -l shows {parts:?} for {name}");
    assert_eq!(
        parts.iter().map(|p| p.1).sum::<u64>(),
        size,
        "isoinfo part sizes {parts:?}"
    );
    let mut off = 0u64;
    for (i, &(lba, bytes)) in parts.iter().enumerate() {
        if i + 1 < parts.len() {
            assert_eq!(bytes % 2048, 0, "part {i} of {parts:?}");
            assert_eq!(parts[i + 1].0, lba + bytes / 2048, "parts not contiguous");
        }
        assert_ranges_equal(
            image,
            lba * 2048,
            src,
            off,
            bytes,
            &format!("image bytes at isoinfo's LBA {lba} (part {i})"),
        );
        off += bytes;
    }
}

#[test]
fn discrw_big_file_in_several_extents_reads_in_xorriso_isoinfo_7z() {
    let (xorriso, sevenz, isoinfo) = (need("xorriso"), need("7z"), need("isoinfo"));
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let (big, size) = big_source(&src);
    let image = tmp.path().join("big.iso");
    ok(&["iso", "create", p(&src), "-o", p(&image), "-V", "BIG"]);
    // The image is sparse too: the holes of the input were not written.
    let blocks = fs::metadata(&image).unwrap();
    assert!(
        std::os::unix::fs::MetadataExt::blocks(&blocks) * 512 < 64 << 20,
        "image is not sparse"
    );

    // xorriso: the listing joins the parts (one file of the full size) and a sparse
    // extraction equals the source.
    assert_eq!(
        xorriso_listing(&image),
        shape(&snapshot(&src)),
        "xorriso -find"
    );
    let xbig = tmp.path().join("xorriso-big.bin");
    run_ok(Command::new(&xorriso).args([
        "-osirrox",
        "on:sparse=1m",
        "-indev",
        p(&image),
        "-extract",
        "/big.bin",
        p(&xbig),
    ]));
    assert_eq!(fs::metadata(&xbig).unwrap().len(), size);
    assert_ranges_equal(&xbig, 0, &big, 0, size, "xorriso -extract /big.bin");
    fs::remove_file(&xbig).unwrap();

    // 7z: listed size and the streamed content.
    let l = String::from_utf8_lossy(&run_ok(Command::new(&sevenz).arg("l").arg(&image)).stdout)
        .into_owned();
    assert!(
        l.lines()
            .any(|x| x.ends_with(" big.bin") && x.contains(&format!(" {size} "))),
        "7z l:\n{l}"
    );
    run_streaming(
        Command::new(&sevenz).args(["x", "-so", p(&image), "big.bin"]),
        |out| assert_stream_equals_range(out, &big, 0, size, "7z x -so big.bin"),
    );

    // isoinfo (genisoimage 1.1.11) lists each part as its own record and extracts only the
    // last one with -x: the records and the image bytes at their LBAs must be the file.
    check_isoinfo_parts(&image, &["-R"], "big.bin", &big, size);
    let parts = isoinfo_records(&image, &["-R"], "big.bin");
    let (_, last) = *parts.last().unwrap();
    run_streaming(
        Command::new(&isoinfo).args(["-R", "-x", "/big.bin", "-i", p(&image)]),
        |out| assert_stream_equals_range(out, &big, size - last, last, "isoinfo -R -x (last part)"),
    );
    let after = run_ok(Command::new(&isoinfo).args(["-R", "-x", "/after.txt", "-i", p(&image)]));
    assert_eq!(after.stdout, b"after the big file\n");
}

#[test]
fn xorriso_big_file_image_read_by_discrw() {
    let xorriso = need("xorriso");
    need("isoinfo");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let (big, size) = big_source(&src);
    let image = tmp.path().join("xorriso-big.iso");
    // xorriso writes every zero; a sparse copy of its stdout keeps the disc image small.
    run_streaming(
        Command::new(&xorriso).args([
            "-as",
            "mkisofs",
            "-quiet",
            "-iso-level",
            "3",
            "-R",
            "-J",
            "-o",
            "-",
            p(&src),
        ]),
        |out| write_sparse(out, &image),
    );
    check_isoinfo_parts(&image, &[], "BIG.BIN;1", &big, size);

    // discrw's listing: the parts joined, at isoinfo's LBAs.
    let out = ok(&["iso", "ls", p(&image), "/", "-R", "--json"]);
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let row = rows.iter().find(|r| r["path"] == "/big.bin").unwrap();
    assert_eq!(row["size"].as_u64(), Some(size), "{row}");
    let ours: Vec<(u64, u64)> = row["extents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["lba"].as_u64().unwrap(), x["bytes"].as_u64().unwrap()))
        .collect();
    assert_eq!(ours, isoinfo_records(&image, &[], "BIG.BIN;1"));
    assert_eq!(discrw_listing(&image), shape(&snapshot(&src)));

    // discrw extract: the same bytes, and holes stay holes.
    let out_dir = tmp.path().join("out");
    ok(&["iso", "extract", p(&image), "-o", p(&out_dir)]);
    let got = out_dir.join("big.bin");
    assert_eq!(fs::metadata(&got).unwrap().len(), size);
    assert_ranges_equal(&got, 0, &big, 0, size, "discrw extract big.bin");
    let md = fs::metadata(&got).unwrap();
    assert!(
        std::os::unix::fs::MetadataExt::blocks(&md) * 512 < 64 << 20,
        "extracted file is not sparse"
    );
    assert_eq!(
        fs::read(out_dir.join("after.txt")).unwrap(),
        b"after the big file\n"
    );
}
