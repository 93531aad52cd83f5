//! The emulated drive, driven with literal CDBs and checked against the byte layouts of
//! MMC-6 / SPC-4 (table numbers in the comments), one group per media kind.

use super::*;
use crate::clock::{Clock, VirtualClock};
use std::sync::Arc;

struct Rig {
    _dir: tempfile::TempDir,
    path: PathBuf,
    clock: Arc<VirtualClock>,
    dd: Option<EmuDrive>,
}

fn rig_with(kind: &str, from: Option<&[u8]>, capacity: Option<u64>, faults: Option<&str>) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.vdisc");
    let from_path = from.map(|bytes| {
        let p = dir.path().join("img.iso");
        std::fs::write(&p, bytes).unwrap();
        p
    });
    create(
        &path,
        &CreateOptions {
            kind: kind.parse().unwrap(),
            from: from_path,
            capacity,
            faults: faults.map(str::to_string),
        },
    )
    .unwrap();
    let clock = VirtualClock::shared();
    let d = EmuDrive::open(&path, clock.clone()).unwrap();
    Rig {
        _dir: dir,
        path,
        clock,
        dd: Some(d),
    }
}

fn rig(kind: &str) -> Rig {
    rig_with(kind, None, None, None)
}

/// Sense key / ASC / ASCQ of a failed command.
type Ksq = (u8, u8, u8);

fn ksq(sense: &[u8]) -> Ksq {
    (sense[2] & 0x0F, sense[12], sense[13])
}

impl Rig {
    fn data_in(&mut self, cdb: &[u8], len: usize) -> Result<Vec<u8>, Ksq> {
        let mut buf = vec![0u8; len];
        match self.d().execute(
            cdb,
            DataDirection::FromDevice(&mut buf),
            Duration::from_secs(30),
        ) {
            Outcome::Good { transferred } => {
                buf.truncate(transferred);
                Ok(buf)
            }
            Outcome::CheckCondition { sense, .. } => Err(ksq(&sense)),
            o => panic!("unexpected outcome {o:?}"),
        }
    }

    fn data_out(&mut self, cdb: &[u8], data: &[u8]) -> Result<(), Ksq> {
        match self
            .d()
            .execute(cdb, DataDirection::ToDevice(data), Duration::from_secs(30))
        {
            Outcome::Good { .. } => Ok(()),
            Outcome::CheckCondition { sense, .. } => Err(ksq(&sense)),
            o => panic!("unexpected outcome {o:?}"),
        }
    }

    fn none(&mut self, cdb: &[u8]) -> Result<(), Ksq> {
        match self
            .d()
            .execute(cdb, DataDirection::None, Duration::from_secs(30))
        {
            Outcome::Good { .. } => Ok(()),
            Outcome::CheckCondition { sense, .. } => Err(ksq(&sense)),
            o => panic!("unexpected outcome {o:?}"),
        }
    }

    /// Current profile from the GET CONFIGURATION feature header (MMC-6 Table 305, bytes 6..=7).
    fn profile(&mut self) -> u16 {
        let d = self
            .data_in(&[0x46, 0x01, 0, 0, 0, 0, 0, 0, 8, 0], 8)
            .unwrap();
        u16::from_be_bytes([d[6], d[7]])
    }

    fn disc_info(&mut self) -> Vec<u8> {
        self.data_in(&[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34)
            .unwrap()
    }

    fn track_info(&mut self, number: u8) -> Vec<u8> {
        self.data_in(&[0x52, 0x01, 0, 0, 0, number, 0, 0, 48, 0], 48)
            .unwrap()
    }

    fn write10(&mut self, lba: u32, data: &[u8]) -> Result<(), Ksq> {
        let l = lba.to_be_bytes();
        let n = ((data.len() / 2048) as u16).to_be_bytes();
        self.data_out(&[0x2A, 0, l[0], l[1], l[2], l[3], 0, n[0], n[1], 0], data)
    }

    fn read10(&mut self, lba: u32, blocks: u16) -> Result<Vec<u8>, Ksq> {
        let l = lba.to_be_bytes();
        let n = blocks.to_be_bytes();
        self.data_in(
            &[0x28, 0, l[0], l[1], l[2], l[3], 0, n[0], n[1], 0],
            blocks as usize * 2048,
        )
    }

    fn reopen(&mut self) {
        // Dropping the old drive saves the state and releases the lock, as a process exit.
        self.dd = None;
        self.dd = Some(EmuDrive::open(&self.path, self.clock.clone()).unwrap());
    }

    fn d(&mut self) -> &mut EmuDrive {
        self.dd.as_mut().unwrap()
    }
}

fn pattern(blocks: usize, seed: u8) -> Vec<u8> {
    (0..blocks * 2048)
        .map(|i| ((i / 2048) as u8).wrapping_mul(7) ^ (i as u8) ^ seed)
        .collect()
}

// ---------------------------------------------------------------------------------------
// What a job asks first (GET CONFIGURATION, READ DISC / TRACK INFORMATION, READ CAPACITY,
// INQUIRY) of a blank DVD+R and a pressed DVD-ROM, byte for byte; which opcodes exist.

#[test]
fn blank_dvd_plus_r_get_configuration() {
    let mut r = rig("dvd+r");
    // GET CONFIGURATION, RT=10b (one feature), starting feature 0000h, allocation 64.
    let d = r
        .data_in(&[0x46, 0x02, 0x00, 0x00, 0, 0, 0, 0x00, 0x40, 0], 64)
        .unwrap();
    // Feature header (Table 305): DATA LENGTH, reserved, CURRENT PROFILE 001Bh.
    assert_eq!(&d[4..8], &[0x00, 0x00, 0x00, 0x1B]);
    assert_eq!(
        u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize,
        d.len() - 4
    );
    // Profile List descriptor (Table 310): code 0000h, version 0, persistent/current 1.
    assert_eq!(&d[8..12], &[0x00, 0x00, 0x01, (d.len() - 12) as u8]);
    // The DVD+R profile descriptor (Table 311) carries CURRENTP.
    let descs: Vec<&[u8]> = d[12..].chunks(4).collect();
    assert!(descs.contains(&&[0x00, 0x1B, 0x01, 0x00][..]), "{descs:?}");
    assert!(descs.contains(&&[0x00, 0x1A, 0x00, 0x00][..]));
    // Feature 002Bh DVD+R (§5.3.20) is current with WRITE set.
    let f = r
        .data_in(&[0x46, 0x02, 0x00, 0x2B, 0, 0, 0, 0x00, 0x40, 0], 64)
        .unwrap();
    assert_eq!(&f[8..16], &[0x00, 0x2B, 0x01, 0x04, 0x01, 0, 0, 0]);
}

#[test]
fn blank_dvd_plus_r_disc_information() {
    let mut r = rig("dvd+r");
    let d = r.disc_info();
    // Table 572: DISC INFORMATION LENGTH 32; byte 2: not erasable, last session empty
    // (00b), disc status empty (00b); first track 1; 1 session; first/last track in last
    // session 1; byte 7 URU; disc type FFh for DVD.
    assert_eq!(
        &d[..12],
        &[
            0x00, 0x20, 0x00, 0x01, 0x01, 0x01, 0x01, 0x20, 0xFF, 0x00, 0x00, 0x00
        ]
    );
    // LAST POSSIBLE LEAD-OUT START ADDRESS: the capacity.
    assert_eq!(&d[20..24], &2_295_104u32.to_be_bytes());
}

#[test]
fn blank_dvd_plus_r_track_information() {
    let mut r = rig("dvd+r");
    let t = r.track_info(1);
    // Table 597: DATA LENGTH 46, track 1, session 1; BLANK (byte 6 bit 6), DATA MODE Fh;
    // NWA_V; TRACK START 0; NEXT WRITABLE ADDRESS 0; FREE BLOCKS = capacity; TRACK SIZE.
    assert_eq!(&t[0..4], &[0x00, 0x2E, 0x01, 0x01]);
    assert_eq!(t[6] & 0x40, 0x40);
    assert_eq!(t[6] & 0x0F, 0x0F);
    assert_eq!(t[7] & 0x01, 0x01);
    assert_eq!(&t[8..12], &[0, 0, 0, 0]);
    assert_eq!(&t[12..16], &[0, 0, 0, 0]);
    assert_eq!(&t[16..20], &2_295_104u32.to_be_bytes());
    assert_eq!(&t[24..28], &2_295_104u32.to_be_bytes());
    // The invisible track is also reachable as track FFh.
    assert_eq!(r.track_info(0xFF)[..28], t[..28]);
}

#[test]
fn pressed_dvd_rom_read_capacity_and_read10() {
    let img = pattern(100, 3);
    let mut r = rig_with("dvd-rom", Some(&img), None, None);
    assert_eq!(r.profile(), 0x0010);
    // READ CAPACITY(10) (SBC-3 §5.10.2): RETURNED LBA = last block 99, block length 2048.
    let c = r.data_in(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8).unwrap();
    assert_eq!(c, vec![0, 0, 0, 99, 0, 0, 0x08, 0x00]);
    let all = r.read10(0, 100).unwrap();
    assert_eq!(all, img);
    // READ(12) of blocks 10..=19.
    let d = r
        .data_in(&[0xA8, 0, 0, 0, 0, 10, 0, 0, 0, 10, 0, 0], 10 * 2048)
        .unwrap();
    assert_eq!(d, img[10 * 2048..20 * 2048]);
    // Past the end: LOGICAL BLOCK ADDRESS OUT OF RANGE.
    assert_eq!(r.read10(100, 1), Err((5, 0x21, 0x00)));
    // Writing a pressed disc is refused.
    assert_eq!(r.write10(0, &[0u8; 2048]), Err((5, 0x30, 0x05)));
}

#[test]
fn an_image_not_a_block_multiple_reads_back_zero_padded() {
    let mut img = pattern(3, 9);
    img.truncate(2 * 2048 + 100);
    let mut r = rig_with("dvd-rom", Some(&img), None, None);
    let d = r.read10(0, 3).unwrap();
    assert_eq!(&d[..img.len()], &img[..]);
    assert!(d[img.len()..].iter().all(|&b| b == 0));
}

#[test]
fn unsupported_opcodes_are_invalid_command_operation_code() {
    let mut r = rig("dvd+r");
    // READ SUB-CHANNEL (42h), REPORT KEY (A4h), vendor C0h.
    for op in [0x42u8, 0xA4, 0xC0] {
        let len = if op >= 0xA0 { 12 } else { 10 };
        let mut cdb = vec![0u8; len];
        cdb[0] = op;
        assert_eq!(r.data_in(&cdb, 16), Err((5, 0x20, 0x00)), "{op:02x}");
    }
}

/// CDB length of an opcode's group (SPC-4 §4.2.5.1, bits 7..5): 6, 10, 10, reserved, 16, 12,
/// vendor specific, vendor specific.
fn group_length(op: u8) -> Option<usize> {
    [
        Some(6),
        Some(10),
        Some(10),
        None,
        Some(16),
        Some(12),
        None,
        None,
    ][(op >> 5) as usize]
}

#[test]
fn the_command_table_has_each_opcode_once_each_in_a_group_with_a_cdb_length() {
    let mut seen = std::collections::BTreeSet::new();
    for c in commands::COMMANDS {
        assert!(seen.insert(c.opcode), "{:02X}h twice", c.opcode);
        assert!(
            group_length(c.opcode).is_some(),
            "{:02X}h unreachable",
            c.opcode
        );
    }
}

#[test]
fn an_opcode_is_answered_exactly_when_the_command_table_has_it() {
    let mut r = rig("cd-rw");
    for op in 0..=255u8 {
        let mut cdb = vec![0u8; group_length(op).unwrap_or(16)];
        cdb[0] = op;
        let invalid = r.data_in(&cdb, 64) == Err((5, 0x20, 0x00));
        let listed = commands::find(op).is_some();
        assert_eq!(
            invalid, !listed,
            "{op:02X}h: in the table {listed}, invalid {invalid}"
        );
    }
}

#[test]
fn inquiry_is_an_mmc_device() {
    let mut r = rig("cd-r");
    let d = r.data_in(&[0x12, 0, 0, 0, 36, 0], 36).unwrap();
    assert_eq!(d[0] & 0x1F, 0x05);
    assert_eq!(d[1] & 0x80, 0x80);
    assert_eq!(&d[8..16], b"DISCRW  ");
    // VPD pages are not offered.
    assert_eq!(r.data_in(&[0x12, 1, 0x80, 0, 36, 0], 36), Err((5, 0x24, 0)));
}

#[test]
fn every_media_kind_reports_its_profile_and_state() {
    let img = pattern(40, 1);
    for (kind, profile, status) in [
        ("cd-rom", 0x0008, 2u8),
        ("cd-r", 0x0009, 0),
        ("cd-rw", 0x000A, 0),
        ("dvd-rom", 0x0010, 2),
        ("dvd-r", 0x0011, 0),
        ("dvd-rw", 0x0014, 0),
        ("dvd+r", 0x001B, 0),
        ("dvd+r-dl", 0x002B, 0),
        ("dvd+rw", 0x001A, 0),
        ("bd-rom", 0x0040, 2),
        ("bd-r", 0x0041, 0),
        ("bd-re", 0x0043, 0),
    ] {
        let from = kind.ends_with("rom").then_some(&img[..]);
        let mut r = rig_with(kind, from, None, None);
        assert_eq!(r.profile(), profile, "{kind}");
        let d = r.disc_info();
        assert_eq!(d[2] & 0x03, status, "{kind} disc status");
        let erasable = matches!(kind, "cd-rw" | "dvd-rw" | "dvd+rw" | "bd-re");
        assert_eq!(d[2] & 0x10 != 0, erasable, "{kind} erasable bit");
    }
}

// ---------------------------------------------------------------------------------------
// Recording: DVD+R, CD-R TAO, CD SAO, DVD-R DAO, BD-R, random access, blank/format.

fn close(r: &mut Rig, function: u8, track: u16) -> Result<(), Ksq> {
    let t = track.to_be_bytes();
    r.none(&[0x5B, 0x00, function, 0, t[0], t[1], 0, 0, 0, 0])
}

#[test]
fn dvd_plus_r_write_close_track_close_session_finalize() {
    let mut r = rig_with("dvd+r", None, Some(10_000), None);
    let img = pattern(64, 5);
    r.write10(0, &img[..32 * 2048]).unwrap();
    // Out-of-order write: INVALID ADDRESS FOR WRITE.
    assert_eq!(r.write10(100, &img[..2048]), Err((5, 0x21, 0x02)));
    r.write10(32, &img[32 * 2048..]).unwrap();
    let t = r.track_info(1);
    assert_eq!(&t[12..16], &64u32.to_be_bytes(), "NWA after 64 blocks");
    assert_eq!(&t[16..20], &(10_000u32 - 64).to_be_bytes());
    r.none(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    close(&mut r, 0b001, 1).unwrap();
    let d = r.disc_info();
    assert_eq!(d[2] & 0x03, 1, "appendable after closing the track");
    close(&mut r, 0b101, 0).unwrap();
    let d = r.disc_info();
    assert_eq!(d[2] & 0x0F, 0x0E, "last session complete, disc complete");
    assert_eq!(r.read10(0, 64).unwrap(), img);
    // TOC format 0 (Table 590): track 1 at 0, lead-out AAh at 64.
    let toc = r
        .data_in(&[0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0], 100)
        .unwrap();
    assert_eq!(
        toc,
        vec![
            0, 18, 1, 1, 0, 0x15, 1, 0, 0, 0, 0, 0, 0, 0x15, 0xAA, 0, 0, 0, 0, 64
        ]
    );
    // A finalized disc takes no more data.
    assert_eq!(r.write10(64, &img[..2048]), Err((5, 0x21, 0x02)));
    // The state survives a reopen (a new process).
    r.reopen();
    assert_eq!(r.disc_info()[2] & 0x03, 2);
    assert_eq!(r.read10(0, 64).unwrap(), img);
}

#[test]
fn dvd_plus_r_close_session_leaves_disc_appendable_for_a_second_session() {
    let mut r = rig_with("dvd+r", None, Some(100_000), None);
    r.write10(0, &pattern(16, 1)).unwrap();
    close(&mut r, 0b001, 1).unwrap();
    close(&mut r, 0b010, 0).unwrap();
    let d = r.disc_info();
    assert_eq!(d[2] & 0x03, 1);
    assert_eq!(
        d[4], 2,
        "two sessions: the closed one and the open empty one"
    );
    let t2 = r.track_info(2);
    assert_eq!(t2[6] & 0x40, 0x40, "track 2 is the blank invisible track");
    let nwa = u32::from_be_bytes([t2[12], t2[13], t2[14], t2[15]]);
    assert!(nwa >= 16, "{nwa}");
    r.write10(nwa, &pattern(16, 2)).unwrap();
}

#[test]
fn dvd_plus_r_finalizes_with_close_function_110b_as_growisofs_dvd_compat_sends_it() {
    for kind in ["dvd+r", "dvd+r-dl"] {
        let mut r = rig_with(kind, None, Some(100_000), None);
        r.write10(0, &pattern(16, 1)).unwrap();
        close(&mut r, 0b001, 1).unwrap();
        close(&mut r, 0b110, 0).unwrap();
        assert_eq!(
            r.disc_info()[2] & 0x0F,
            0x0E,
            "{kind}: disc and session complete"
        );
    }
}

#[test]
fn vendor_page_30h_reports_burn_free_as_ricoh_style_writers_do() {
    let mut r = rig("cd-r");
    // MODE SENSE(10) page 30h: header (8), then 30h, length 0Eh, BUEFS, BUEFE = page 05h's
    // BUFE (off by default), link counter 0.
    let d = r
        .data_in(&[0x5A, 0, 0x30, 0, 0, 0, 0, 0, 24, 0], 24)
        .unwrap();
    assert_eq!(u16::from_be_bytes([d[0], d[1]]), 22, "MODE DATA LENGTH");
    assert_eq!(&d[8..14], &[0x30, 0x0E, 0x01, 0x00, 0x00, 0x00]);
    // BUFE on in page 05h (byte 2 bit 6) shows as BUEFE.
    let p5 = r
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    let mut p = vec![0u8; 8];
    p.extend_from_slice(&p5[8..60]);
    p[8 + 2] |= 0x40;
    r.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &p)
        .unwrap();
    let d = r
        .data_in(&[0x5A, 0, 0x30, 0, 0, 0, 0, 0, 24, 0], 24)
        .unwrap();
    assert_eq!(d[11], 0x01);
    // MODE SELECT of page 30h as wodim sends it back (BUEFE off) switches page 05h's BUFE.
    let mut sel = vec![0u8; 8];
    sel.extend_from_slice(&d[8..24]);
    sel[11] = 0x00;
    r.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 24, 0], &sel)
        .unwrap();
    let p5 = r
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    assert_eq!(p5[10] & 0x40, 0, "BUFE off");
}

#[test]
fn mode_page_05_round_trip_and_test_write_refused_on_dvd_plus_r() {
    let mut r = rig("cd-r");
    // MODE SENSE(10) page 05h current values.
    let d = r
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    assert_eq!(&d[8..10], &[0x05, 0x32]);
    assert_eq!(d[10] & 0x0F, 1, "TAO by default on CD");
    // MODE SELECT(10): SAO, BUFE, test write, multi-session 11b.
    let mut p = vec![0u8; 8];
    p.extend_from_slice(&d[8..60]);
    p[8 + 2] = 0x40 | 0x10 | 0x02;
    p[8 + 3] = 0xC4;
    r.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &p)
        .unwrap();
    let d2 = r
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    assert_eq!(d2[10], 0x52);
    assert_eq!(d2[11] >> 6, 3);

    let mut r = rig("dvd+r");
    let d = r
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    let mut p = vec![0u8; 8];
    p.extend_from_slice(&d[8..60]);
    p[8 + 2] |= 0x10;
    assert_eq!(
        r.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &p),
        Err((5, 0x26, 0x00)),
        "no test write on DVD+R"
    );
}

#[test]
fn cd_r_tao_track_has_two_unreadable_runout_blocks() {
    let mut r = rig_with("cd-r", None, Some(20_000), None);
    let img = pattern(300, 4);
    r.write10(0, &img).unwrap();
    r.none(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    close(&mut r, 0b001, 1).unwrap();
    close(&mut r, 0b010, 0).unwrap();
    let t = r.track_info(1);
    assert_eq!(
        &t[24..28],
        &302u32.to_be_bytes(),
        "track size includes the run-out"
    );
    assert_eq!(r.read10(0, 300).unwrap(), img);
    // The run-out: ILLEGAL MODE FOR THIS TRACK, with the LBA in the INFORMATION field.
    let mut buf = vec![0u8; 4 * 2048];
    match r.d().execute(
        &[0x28, 0, 0, 0, 0x01, 0x2A, 0, 0, 4, 0],
        DataDirection::FromDevice(&mut buf),
        Duration::from_secs(5),
    ) {
        Outcome::CheckCondition { sense, transferred } => {
            assert_eq!(ksq(&sense), (5, 0x64, 0x00));
            assert_eq!(sense[0], 0xF0, "VALID + current fixed format");
            assert_eq!(&sense[3..7], &300u32.to_be_bytes());
            assert_eq!(transferred, 2 * 2048, "blocks 298 and 299 were read");
        }
        o => panic!("{o:?}"),
    }
    // READ CAPACITY counts the run-out as a real drive does.
    let c = r.data_in(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8).unwrap();
    assert_eq!(&c[..4], &301u32.to_be_bytes());
    // Full TOC (Table 593): A0, A1, A2 (lead-out at 302 → 00:06:02 with 150 offset), track 1.
    let ft = r
        .data_in(&[0x43, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0, 0], 256)
        .unwrap();
    let e: Vec<&[u8]> = ft[4..].chunks(11).collect();
    assert_eq!(e[0], &[1, 0x14, 0, 0xA0, 0, 0, 0, 0, 1, 0, 0]);
    assert_eq!(e[1], &[1, 0x14, 0, 0xA1, 0, 0, 0, 0, 1, 0, 0]);
    assert_eq!(e[2], &[1, 0x14, 0, 0xA2, 0, 0, 0, 0, 0, 6, 2]);
    assert_eq!(e[3], &[1, 0x14, 0, 0x01, 0, 0, 0, 0, 0, 2, 0]);
}

#[test]
fn read_cd_builds_ecma130_sectors_the_crc_of_which_checks() {
    let img = pattern(20, 8);
    let mut r = rig_with("cd-rom", Some(&img), None, None);
    // READ CD, any sector type, LBA 5, 2 blocks, flags F8h (sync, headers, user, EDC/ECC),
    // raw P-W sub-channel.
    let d = r
        .data_in(
            &[0xBE, 0, 0, 0, 0, 5, 0, 0, 2, 0xF8, 0x01, 0],
            2 * (2352 + 96),
        )
        .unwrap();
    assert_eq!(d.len(), 2 * (2352 + 96));
    let s = &d[..2352];
    assert_eq!(&s[..12], &crate::ecma130::SYNC);
    assert_eq!(
        &s[12..16],
        &[0x00, 0x02, 0x05, 0x01],
        "MSF 00:02:05 BCD, mode 1"
    );
    assert_eq!(&s[16..2064], &img[5 * 2048..6 * 2048]);
    let edc = u32::from_le_bytes([s[2064], s[2065], s[2066], s[2067]]);
    assert_eq!(edc, crate::ecma130::edc(&s[..2064]));
    // The Q sub-channel (bit 6 of each byte): control/ADR 41h, track 01, index 01,
    // absolute 00:02:05, CRC over the first 10 bytes.
    let sub = &d[2352..2352 + 96];
    let mut q = [0u8; 12];
    for (k, b) in q.iter_mut().enumerate() {
        for j in 0..8 {
            *b = (*b << 1) | ((sub[k * 8 + j] >> 6) & 1);
        }
    }
    assert_eq!(&q[..3], &[0x41, 0x01, 0x01]);
    assert_eq!(&q[7..10], &[0x00, 0x02, 0x05]);
    assert_eq!(
        u16::from_be_bytes([q[10], q[11]]),
        crate::ecma130::subq_crc(&q[..10])
    );
    // User data only (flags 10h): 2048 bytes per sector.
    let u = r
        .data_in(&[0xBE, 0, 0, 0, 0, 5, 0, 0, 1, 0x10, 0, 0], 2048)
        .unwrap();
    assert_eq!(u, img[5 * 2048..6 * 2048]);
    // Expected sector type CD-DA (001b) on a data sector: ILLEGAL MODE FOR THIS TRACK.
    assert_eq!(
        r.data_in(&[0xBE, 0x04, 0, 0, 0, 5, 0, 0, 1, 0xF8, 0, 0], 2352),
        Err((5, 0x64, 0))
    );
    // DVD media have no READ CD.
    let mut r = rig_with("dvd-rom", Some(&img), None, None);
    assert_eq!(
        r.data_in(&[0xBE, 0, 0, 0, 0, 5, 0, 0, 1, 0xF8, 0, 0], 2352),
        Err((5, 0x30, 0x05))
    );
}

/// A cue sheet entry (Table 686): CTL/ADR, TNO (BCD), INDEX (BCD), DATA FORM, SCMS, MSF.
fn cue(ctl: u8, tno: u8, index: u8, form: u8, lba: i64) -> [u8; 8] {
    let f = lba + 150;
    [
        (ctl << 4) | 1,
        tno,
        index,
        form,
        0,
        (f / 4500) as u8,
        (f / 75 % 60) as u8,
        (f % 75) as u8,
    ]
}

/// A cd-r with `faults`, burned session-at-once by hand (page 05h write type SAO, the
/// cue sheet, the pre-gap from LBA −150, SYNCHRONIZE CACHE to finalize): track 1 data (100 blocks of
/// `pattern(100, 6)`), track 2 audio (50 blocks of `i % 251`) at LBA 100, lead-out at 150.
fn sao_data_then_audio(faults: Option<&str>) -> (Rig, Vec<u8>, Vec<u8>) {
    let mut r = rig_with("cd-r", None, Some(20_000), faults);
    let d = r
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    let mut p = vec![0u8; 8];
    p.extend_from_slice(&d[8..60]);
    p[8 + 2] = 0x02;
    r.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &p)
        .unwrap();
    let mut sheet = Vec::new();
    sheet.extend_from_slice(&cue(4, 0x00, 0x00, 0x10, -150));
    sheet.extend_from_slice(&cue(4, 0x01, 0x00, 0x10, -150));
    sheet.extend_from_slice(&cue(4, 0x01, 0x01, 0x10, 0));
    sheet.extend_from_slice(&cue(0, 0x02, 0x01, 0x00, 100));
    sheet.extend_from_slice(&cue(0, 0xAA, 0x01, 0x00, 150));
    let n = (sheet.len() as u32).to_be_bytes();
    r.data_out(&[0x5D, 0, 0, 0, 0, 0, n[1], n[2], n[3], 0], &sheet)
        .unwrap();
    // Until the session is written, the invisible track (FFh) still starts at LBA 0 with its
    // NWA there (Table 618 bytes 8..=11, 12..=15): wodim -dao writes its pregap at NWA − 150.
    let t = r
        .data_in(&[0x52, 0x01, 0, 0, 0, 0xFF, 0, 0, 28, 0], 28)
        .unwrap();
    assert_eq!((&t[8..12], &t[12..16]), (&[0u8; 4][..], &[0u8; 4][..]));
    let data = pattern(100, 6);
    let audio: Vec<u8> = (0..50 * 2352).map(|i| (i % 251) as u8).collect();
    // Writing must start at the pre-gap, LBA -150 (FFFFFF6Ah).
    assert_eq!(r.write10(0, &data[..2048]), Err((5, 0x21, 0x02)));
    r.data_out(
        &[0x2A, 0, 0xFF, 0xFF, 0xFF, 0x6A, 0, 0, 150, 0],
        &vec![0u8; 150 * 2048],
    )
    .unwrap();
    r.write10(0, &data).unwrap();
    r.data_out(&[0x2A, 0, 0, 0, 0, 100, 0, 0, 50, 0], &audio)
        .unwrap();
    r.none(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    (r, data, audio)
}

#[test]
fn audio_offset_shifts_read_cd_of_audio_by_whole_samples_and_leaves_data_alone() {
    for n in [6i64, -472, 667, 0] {
        let (mut r, data, audio) = sao_data_then_audio(Some(&format!("audio-offset={n}")));
        // What a drive N samples off returns: byte j of the track is the disc's byte
        // j + 4N; before the first and after the last audio sector, silence.
        let want: Vec<u8> = (0..audio.len() as i64)
            .map(|j| {
                let at = j + 4 * n;
                if (0..audio.len() as i64).contains(&at) {
                    audio[at as usize]
                } else {
                    0
                }
            })
            .collect();
        // Whole sectors (all fields, 0xF8) and user data only (0x10), all 50, and one.
        for flags in [0xF8u8, 0x10] {
            let a = r
                .data_in(
                    &[0xBE, 0x04, 0, 0, 0, 100, 0, 0, 50, flags, 0, 0],
                    50 * 2352,
                )
                .unwrap();
            assert!(a == want, "offset {n}, flags {flags:02x}");
        }
        let one = r
            .data_in(&[0xBE, 0x04, 0, 0, 0, 120, 0, 0, 1, 0x10, 0, 0], 2352)
            .unwrap();
        assert!(one == want[20 * 2352..21 * 2352], "offset {n}");
        if n == 6 {
            // Sector 120 starts 6 samples (24 bytes) into the disc's sector 120.
            assert_eq!(one[0], ((20 * 2352 + 24) % 251) as u8);
        }
        // Data sectors are not shifted: READ(10) and READ CD user data give the data.
        assert_eq!(r.read10(0, 100).unwrap(), data);
        let u = r
            .data_in(&[0xBE, 0, 0, 0, 0, 99, 0, 0, 1, 0x10, 0, 0], 2048)
            .unwrap();
        assert_eq!(u, data[99 * 2048..]);
    }
}

#[test]
fn cd_r_session_at_once_with_data_and_audio_tracks() {
    let (mut r, data, audio) = sao_data_then_audio(None);
    let di = r.disc_info();
    assert_eq!(di[2] & 0x03, 2, "SAO without multi-session finalizes");
    assert_eq!(r.read10(0, 100).unwrap(), data);
    // Audio: READ(10) refuses, READ CD gives the 2352-byte samples.
    assert_eq!(r.read10(100, 1), Err((5, 0x64, 0)));
    let a = r
        .data_in(&[0xBE, 0x04, 0, 0, 0, 100, 0, 0, 1, 0x10, 0, 0], 2352)
        .unwrap();
    assert_eq!(a, audio[..2352]);
    let toc = r
        .data_in(&[0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0], 100)
        .unwrap();
    assert_eq!(&toc[4..12], &[0, 0x14, 1, 0, 0, 0, 0, 0]);
    assert_eq!(&toc[12..20], &[0, 0x10, 2, 0, 0, 0, 0, 100]);
    assert_eq!(&toc[20..28], &[0, 0x10, 0xAA, 0, 0, 0, 0, 150]);
}

#[test]
fn dvd_r_dao_reserve_track_then_write_finalizes() {
    let mut r = rig_with("dvd-r", None, Some(50_000), None);
    let d = r
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    let mut p = vec![0u8; 8];
    p.extend_from_slice(&d[8..60]);
    p[8 + 2] = 0x02; // DAO
    r.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &p)
        .unwrap();
    // RESERVE TRACK (§6.36): size in bytes 5..=8.
    r.none(&[0x53, 0, 0, 0, 0, 0, 0, 0, 64, 0]).unwrap();
    let t = r.track_info(1);
    assert_eq!(&t[24..28], &64u32.to_be_bytes());
    assert_eq!(&t[16..20], &64u32.to_be_bytes());
    let img = pattern(64, 7);
    r.write10(0, &img).unwrap();
    assert_eq!(r.write10(64, &img[..2048]), Err((5, 0x21, 0x02)));
    assert_eq!(
        r.disc_info()[2] & 0x03,
        1,
        "open until the cache is flushed"
    );
    // SYNCHRONIZE CACHE after the last reserved sector closes the disc (§4.10.5): no CLOSE
    // TRACK/SESSION follows (cdrskin -sao sends none).
    r.none(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(r.disc_info()[2] & 0x0F, 0x0E, "disc and session complete");
    assert_eq!(r.read10(0, 64).unwrap(), img);
}

#[test]
fn bd_r_finalize_is_close_function_110b() {
    let mut r = rig_with("bd-r", None, Some(100_000), None);
    r.write10(0, &pattern(32, 1)).unwrap();
    close(&mut r, 0b001, 1).unwrap();
    assert_eq!(
        close(&mut r, 0b101, 0),
        Err((5, 0x24, 0)),
        "101b is DVD+R only"
    );
    close(&mut r, 0b110, 0).unwrap();
    assert_eq!(r.disc_info()[2] & 0x03, 2);
}

#[test]
fn a_blank_bd_r_offers_spare_area_formats_and_stays_sequential_after_formatting() {
    let mut r = rig_with("bd-r", None, Some(100_000), None);
    // READ FORMAT CAPACITIES (Table 528): a list of more than one descriptor (growisofs
    // refuses a BD-R whose list has only the current one), among them type 32h.
    let fc = r
        .data_in(&[0x23, 0, 0, 0, 0, 0, 0, 0, 252, 0], 252)
        .unwrap();
    assert!(
        fc[3] >= 16 && fc[3].is_multiple_of(8),
        "list length {}",
        fc[3]
    );
    let pow = fc[12..4 + fc[3] as usize]
        .chunks(8)
        .find(|e| e[4] >> 2 == 0x32)
        .expect("a 32h descriptor");
    let blocks = u32::from_be_bytes([pow[0], pow[1], pow[2], pow[3]]);
    assert!(blocks < 100_000 && blocks > 90_000, "{blocks}");
    let mut p = vec![0, 0, 0, 8];
    p.extend_from_slice(&pow[..8]);
    r.data_out(&[0x04, 0x11, 0, 0, 0, 0], &p).unwrap();
    r.clock.advance(Duration::from_secs(10));
    let t = r.track_info(1);
    assert_eq!(&t[12..16], &0u32.to_be_bytes(), "NWA 0");
    assert_eq!(
        &t[16..20],
        &blocks.to_be_bytes(),
        "free blocks: the formatted size"
    );
    r.write10(0, &pattern(32, 1)).unwrap();
    assert_eq!(
        r.write10(100, &pattern(1, 1)),
        Err((5, 0x21, 0x02)),
        "still sequential"
    );
    // Formatting happens once.
    assert!(r.data_out(&[0x04, 0x11, 0, 0, 0, 0], &p).is_err());
}

#[test]
fn dvd_plus_r_dl_layer_boundary_is_read_and_set_before_recording() {
    let mut r = rig_with("dvd+r-dl", None, Some(100_000), None);
    let rd = |r: &mut Rig| {
        r.data_in(&[0xAD, 0, 0, 0, 0, 0, 0, 0x20, 0, 12, 0, 0], 12)
            .unwrap()
    };
    // Table 407: length 10, INIT STATUS clear, L0 data zone capacity = half the disc.
    let b = rd(&mut r);
    assert_eq!(&b[0..2], &[0, 10]);
    assert_eq!(b[4] & 0x80, 0);
    assert_eq!(
        u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
        50_000 / 16 * 16
    );
    let send = |r: &mut Rig, l0: u32| {
        let mut p = vec![0, 10, 0, 0, 0, 0, 0, 0];
        p.extend_from_slice(&l0.to_be_bytes());
        r.data_out(&[0xBF, 0, 0, 0, 0, 0, 0, 0x20, 0, 12, 0, 0], &p)
    };
    assert_eq!(
        send(&mut r, 1001),
        Err((5, 0x26, 0)),
        "not whole ECC blocks"
    );
    assert_eq!(
        send(&mut r, 60_000),
        Err((5, 0x26, 0)),
        "more than layer 0 holds"
    );
    send(&mut r, 1520).unwrap();
    let b = rd(&mut r);
    assert_eq!(b[4] & 0x80, 0x80, "set");
    assert_eq!(u32::from_be_bytes([b[8], b[9], b[10], b[11]]), 1520);
    let t = r.track_info(1);
    assert_eq!(
        &t[16..20],
        &3040u32.to_be_bytes(),
        "the disc holds both layers' share"
    );
    // Physical format information: end sector of layer 0 (Table 555, bytes 12..=15).
    let pfi = r
        .data_in(&[0xAD, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x04, 0, 0], 2052)
        .unwrap();
    assert_eq!(&pfi[16..20], &(0x0003_0000u32 + 1519).to_be_bytes());
    assert_eq!(send(&mut r, 1520), Err((5, 0x2C, 0)), "set once");
}

#[test]
fn bd_re_needs_format_then_takes_random_writes() {
    let mut r = rig_with("bd-re", None, Some(100_000), None);
    assert_eq!(r.write10(0, &pattern(1, 0)), Err((3, 0x31, 0)));
    // READ FORMAT CAPACITIES (Table 528/530): current descriptor unformatted, type 00h offered.
    let fc = r
        .data_in(&[0x23, 0, 0, 0, 0, 0, 0, 0, 252, 0], 252)
        .unwrap();
    assert_eq!(fc[8] & 0x03, 0x01);
    assert!(fc[12..].chunks(8).any(|e| e[4] >> 2 == 0x00));
    // FORMAT UNIT, FmtData, format code 001b; header with Immed; descriptor type 00h.
    let mut p = vec![0, 0x02, 0, 8];
    p.extend_from_slice(&100_000u32.to_be_bytes());
    p.extend_from_slice(&[0x00, 0, 0x30, 0]);
    r.data_out(&[0x04, 0x11, 0, 0, 0, 0], &p).unwrap();
    // Immed: the drive is busy formatting — NOT READY, FORMAT IN PROGRESS, with progress.
    let mut sense_seen = false;
    if let Err(k) = r.none(&[0, 0, 0, 0, 0, 0]) {
        assert_eq!(k, (2, 0x04, 0x04));
        let s = r.data_in(&[0x03, 0, 0, 0, 18, 0], 18).unwrap();
        assert_eq!(s[15] & 0x80, 0x80, "SKSV: progress indication");
        sense_seen = true;
    }
    assert!(sense_seen);
    r.clock.advance(Duration::from_secs(10));
    r.none(&[0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(r.profile(), 0x0043);
    let a = pattern(8, 1);
    r.write10(500, &a).unwrap();
    r.write10(0, &a).unwrap();
    assert_eq!(r.read10(500, 8).unwrap(), a);
    assert_eq!(
        r.disc_info()[2] & 0x03,
        3,
        "random-access media report 'others'"
    );
}

#[test]
fn dvd_plus_rw_formats_with_type_26h() {
    let mut r = rig_with("dvd+rw", None, Some(100_000), None);
    let mut p = vec![0, 0, 0, 8];
    p.extend_from_slice(&100_000u32.to_be_bytes());
    p.extend_from_slice(&[0x26 << 2, 0, 0, 0]);
    r.data_out(&[0x04, 0x11, 0, 0, 0, 0], &p).unwrap();
    let t = r.track_info(1);
    assert_eq!(t[6] & 0x80, 0x80, "RT: random-writable track");
    let a = pattern(16, 2);
    r.write10(16, &a).unwrap();
    assert_eq!(r.read10(16, 16).unwrap(), a);
    // CLOSE 010b on DVD+RW only stops background formatting.
    close(&mut r, 0b010, 0).unwrap();
}

#[test]
fn cd_rw_blank_makes_it_writable_again_and_cd_r_cannot_blank() {
    let img = pattern(10, 3);
    let mut r = rig_with("cd-rw", Some(&img), None, None);
    assert_eq!(r.disc_info()[2] & 0x03, 2);
    assert_eq!(r.write10(0, &img), Err((5, 0x21, 0x02)));
    // BLANK (§6.2): Immed, minimal (fast) blank.
    r.none(&[0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(r.none(&[0, 0, 0, 0, 0, 0]), Err((2, 0x04, 0x07)));
    r.clock.advance(Duration::from_secs(5));
    assert_eq!(r.disc_info()[2] & 0x03, 0);
    r.write10(0, &img).unwrap();
    let mut r = rig("cd-r");
    assert_eq!(
        r.none(&[0xA1, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err((5, 0x30, 0x06))
    );
}

// ---------------------------------------------------------------------------------------
// The drive buffer on the virtual clock.

fn set_bufe(r: &mut Rig, on: bool) {
    let d = r
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    let mut p = vec![0u8; 8];
    p.extend_from_slice(&d[8..60]);
    p[8 + 2] = (p[8 + 2] & !0x40) | if on { 0x40 } else { 0 };
    r.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &p)
        .unwrap();
}

/// Write 32-block chunks, letting `gap` of virtual time pass between them.
fn stream(r: &mut Rig, chunks: u32, gap: Duration) -> Result<(), Ksq> {
    let c = pattern(32, 1);
    for i in 0..chunks {
        r.write10(i * 32, &c)?;
        r.clock.advance(gap);
    }
    Ok(())
}

#[test]
fn a_fed_buffer_does_not_underrun() {
    let mut r = rig_with("dvd-r", None, Some(200_000), None);
    set_bufe(&mut r, false);
    // 64 KiB every 1 ms = 65 MB/s, well above 16x (22 MB/s): never dry.
    stream(&mut r, 400, Duration::from_millis(1)).unwrap();
    r.none(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(r.d().stats().underruns, 0);
}

#[test]
fn a_starved_buffer_underruns_without_burnfree_and_the_track_is_damaged() {
    let mut r = rig_with("dvd-r", None, Some(200_000), None);
    set_bufe(&mut r, false);
    // Fill the 4 MiB buffer (recording starts), then stall 1 s: 22 MB/s drains it.
    stream(&mut r, 64, Duration::ZERO).unwrap();
    r.clock.advance(Duration::from_secs(1));
    assert_eq!(r.write10(64 * 32, &pattern(32, 1)), Err((3, 0x0C, 0x09)));
    assert_eq!(r.d().stats().underruns, 1);
    let t = r.track_info(1);
    assert_eq!(t[5] & 0x20, 0x20, "DAMAGE bit");
    assert_eq!(
        r.none(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err((3, 0x0C, 0x09))
    );
}

#[test]
fn burnfree_survives_the_same_stall() {
    let mut r = rig_with("dvd-r", None, Some(200_000), None);
    set_bufe(&mut r, true);
    stream(&mut r, 64, Duration::ZERO).unwrap();
    r.clock.advance(Duration::from_secs(1));
    r.write10(64 * 32, &pattern(32, 1)).unwrap();
    assert_eq!(r.d().stats().underruns, 0);
    assert_eq!(r.d().stats().burnfree_events, 1);
}

#[test]
fn write_waits_for_buffer_room_at_the_write_speed() {
    let mut r = rig_with("dvd+r", None, Some(200_000), None);
    // SET CD SPEED write 4x DVD (5540 kB/s).
    r.none(&[0xBB, 0, 0xFF, 0xFF, 0x15, 0xA4, 0, 0, 0, 0, 0, 0])
        .unwrap();
    let t0 = r.clock.now();
    stream(&mut r, 1000, Duration::ZERO).unwrap(); // 64 MB
    let t = (r.clock.now() - t0).as_secs_f64();
    // (64 MiB - 4 MiB buffer) at 5.54 MB/s ≈ 11.4 s of drive time.
    let expect = (1000.0 * 65536.0 - 4.0 * 1048576.0) / 5_540_000.0;
    assert!((t - expect).abs() < 0.01, "{t} vs {expect}");
    // READ BUFFER CAPACITY (Table 521): buffer length 4 MiB, blank length.
    let b = r.data_in(&[0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0], 12).unwrap();
    assert_eq!(&b[4..8], &(4u32 << 20).to_be_bytes());
    assert_eq!(&b[8..12], &0u32.to_be_bytes(), "full");
}

// ---------------------------------------------------------------------------------------
// Faults and tray.

#[test]
fn faults_medium_error_flaky_and_unit_attention() {
    let img = pattern(64, 2);
    let mut r = rig_with(
        "dvd-rom",
        Some(&img),
        None,
        Some("medium-error@40-41,flaky@10x2,unit-attention@cmd3"),
    );
    // Command 1, 2: fine; command 3: UNIT ATTENTION once.
    r.none(&[0, 0, 0, 0, 0, 0]).unwrap();
    r.none(&[0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(r.none(&[0, 0, 0, 0, 0, 0]), Err((6, 0x28, 0)));
    r.none(&[0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(r.read10(8, 4), Err((3, 0x11, 0)));
    assert_eq!(r.read10(8, 4), Err((3, 0x11, 0)));
    assert_eq!(r.read10(8, 4).unwrap(), img[8 * 2048..12 * 2048]);
    for _ in 0..3 {
        assert_eq!(r.read10(40, 1), Err((3, 0x11, 0)));
    }
    assert_eq!(r.read10(42, 1).unwrap(), img[42 * 2048..43 * 2048]);
    // Flaky counts persist: a new process sees the sector already recovered.
    r.reopen();
    assert_eq!(r.read10(10, 1).unwrap(), img[10 * 2048..11 * 2048]);
}

#[test]
fn faults_not_ready_becoming_ready_and_long_write() {
    let mut r = rig_with(
        "dvd+r",
        None,
        Some(10_000),
        Some("not-ready x2,long-write@0x1"),
    );
    assert_eq!(r.none(&[0, 0, 0, 0, 0, 0]), Err((2, 0x04, 0x01)));
    assert_eq!(r.none(&[0, 0, 0, 0, 0, 0]), Err((2, 0x04, 0x01)));
    r.none(&[0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(r.write10(0, &pattern(16, 0)), Err((2, 0x04, 0x08)));
    r.write10(0, &pattern(16, 0)).unwrap();
}

#[test]
fn faults_transport_errors_and_short_transfer() {
    let img = pattern(64, 2);
    let mut r = rig_with(
        "dvd-rom",
        Some(&img),
        None,
        Some("host-error@5,short-read@20"),
    );
    let mut buf = vec![0u8; 8 * 2048];
    let o = r.d().execute(
        &[0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0],
        DataDirection::FromDevice(&mut buf),
        Duration::from_secs(5),
    );
    assert!(
        matches!(
            o,
            Outcome::TransportError {
                host_status: 0x07,
                ..
            }
        ),
        "{o:?}"
    );
    assert_ne!(buf, img[..8 * 2048], "the buffer holds stale garbage");
    let o = r.d().execute(
        &[0x28, 0, 0, 0, 0, 16, 0, 0, 8, 0],
        DataDirection::FromDevice(&mut buf),
        Duration::from_secs(5),
    );
    assert_eq!(
        o,
        Outcome::Good {
            transferred: 4 * 2048
        },
        "blocks 16..=19 only"
    );
}

#[test]
fn tray_open_no_medium_and_prevent() {
    let mut r = rig("dvd+r");
    // PREVENT ALLOW MEDIUM REMOVAL prevent=1, then eject: MEDIUM REMOVAL PREVENTED.
    r.none(&[0x1E, 0, 0, 0, 1, 0]).unwrap();
    assert_eq!(r.none(&[0x1B, 0, 0, 0, 0x02, 0]), Err((5, 0x53, 0x02)));
    r.none(&[0x1E, 0, 0, 0, 0, 0]).unwrap();
    r.none(&[0x1B, 0, 0, 0, 0x02, 0]).unwrap();
    assert_eq!(r.none(&[0, 0, 0, 0, 0, 0]), Err((2, 0x3A, 0x02)));
    // GET EVENT STATUS NOTIFICATION (Table 327/335): media class, removal, tray open.
    let e = r
        .data_in(&[0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0], 8)
        .unwrap();
    assert_eq!(e, vec![0, 6, 0x04, 0x10, 3, 0x01, 0, 0]);
    // The tray state persists; loading brings a "new media" event.
    r.reopen();
    assert_eq!(r.none(&[0, 0, 0, 0, 0, 0]), Err((2, 0x3A, 0x02)));
    r.none(&[0x1B, 0, 0, 0, 0x03, 0]).unwrap();
    r.none(&[0, 0, 0, 0, 0, 0]).unwrap();
    let e = r
        .data_in(&[0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0], 8)
        .unwrap();
    assert_eq!(&e[4..6], &[2, 0x02]);
    let mut r = rig_with("dvd+r", None, None, Some("no-medium"));
    assert_eq!(r.none(&[0, 0, 0, 0, 0, 0]), Err((2, 0x3A, 0x01)));
    assert_eq!(r.profile(), 0);
}

#[test]
fn media_change_mid_burn_refuses_the_rest_of_the_old_burn() {
    let mut r = rig_with("dvd+r", None, Some(10_000), Some("media-change@cmd3"));
    r.write10(0, &pattern(16, 0)).unwrap();
    r.write10(16, &pattern(16, 0)).unwrap();
    assert_eq!(r.write10(32, &pattern(16, 0)), Err((6, 0x28, 0)));
    // The new disc is blank: the old NWA is not writable on it.
    assert_eq!(r.write10(32, &pattern(16, 0)), Err((5, 0x21, 0x02)));
    assert_eq!(r.disc_info()[2] & 0x03, 0);
}

#[test]
fn over_reporting_capacity_and_a_corrupt_or_future_medium_file() {
    let img = pattern(50, 0);
    let mut r = rig_with("dvd-rom", Some(&img), None, Some("over-report=7"));
    let c = r.data_in(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8).unwrap();
    assert_eq!(&c[..4], &56u32.to_be_bytes());
    assert_eq!(r.read10(50, 1), Err((5, 0x21, 0)));

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.vdisc");
    let mut bytes = medium::MAGIC.to_vec();
    bytes.extend_from_slice(&99u32.to_le_bytes());
    bytes.extend_from_slice(&[2, 0, 0, 0, b'{', b'}']);
    std::fs::write(&p, &bytes).unwrap();
    let e = EmuDrive::open(&p, VirtualClock::shared())
        .unwrap_err()
        .to_string();
    assert!(e.contains("version 99"), "{e}");
    bytes[16] = 1;
    std::fs::write(&p, &bytes).unwrap();
    let e = EmuDrive::open(&p, VirtualClock::shared())
        .unwrap_err()
        .to_string();
    assert!(e.contains("corrupt"), "{e}");
    assert_eq!(
        std::fs::read(&p).unwrap(),
        bytes,
        "a bad medium file is left as it was"
    );
}

#[test]
fn create_refuses_what_cannot_exist() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.vdisc");
    let o = |kind: &str, cap: Option<u64>, faults: Option<&str>| CreateOptions {
        kind: kind.parse().unwrap(),
        from: None,
        capacity: cap,
        faults: faults.map(str::to_string),
    };
    assert!(
        create(&p, &o("dvd-rom", None, None))
            .unwrap_err()
            .is_usage()
    );
    assert!(
        create(&p, &o("dvd+r", None, Some("bogus@1")))
            .unwrap_err()
            .is_usage()
    );
    let img = dir.path().join("big.iso");
    std::fs::write(&img, vec![1u8; 20 * 2048]).unwrap();
    let e = create(
        &p,
        &CreateOptions {
            kind: MediaKind::DvdPlusR,
            from: Some(img),
            capacity: Some(10),
            faults: None,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("does not fit"), "{e}");
    assert!(!p.exists());
    assert!("floppy".parse::<MediaKind>().is_err());
}

#[test]
fn a_medium_in_use_is_busy_for_a_second_drive() {
    let r = rig("dvd+r");
    match EmuDrive::open(&r.path, VirtualClock::shared()) {
        Err(EmuError::Medium(MediumError::Busy)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn cd_medium_v2_stores_encoded_sectors_and_a_v1_file_still_reads_the_same() {
    let mut img = pattern(20, 3);
    img[7 * 2048..8 * 2048].fill(0); // left as a hole in the medium file
    let mut r = rig_with("cd-rom", Some(&img), None, None);
    // Every field, read both straight into the buffer (no sub-channel) and field by field
    // (with raw P-W after each sector): the same 2352 bytes.
    let all = |r: &mut Rig| {
        let d = r
            .data_in(&[0xBE, 0, 0, 0, 0, 0, 0, 0, 20, 0xF8, 0, 0], 20 * 2352)
            .unwrap();
        let with_sub = r
            .data_in(
                &[0xBE, 0, 0, 0, 0, 0, 0, 0, 20, 0xF8, 1, 0],
                20 * (2352 + 96),
            )
            .unwrap();
        let main: Vec<u8> = with_sub
            .chunks(2352 + 96)
            .flat_map(|c| c[..2352].to_vec())
            .collect();
        assert_eq!(main, d);
        d
    };
    let d = all(&mut r);
    let edc = crc::Crc::<u32>::new(&crc::CRC_32_CD_ROM_EDC);
    for (lba, s) in d.chunks(2352).enumerate() {
        assert_eq!(&s[..12], &crate::ecma130::SYNC, "sync of {lba}");
        // ECMA-130 §14.2: MSF of LBA + 150 frames (BCD), mode 1.
        assert_eq!(
            &s[12..16],
            &[0x00, 0x02, lba as u8 / 10 * 16 + lba as u8 % 10, 1]
        );
        assert_eq!(&s[16..2064], &img[lba * 2048..(lba + 1) * 2048]);
        assert_eq!(&s[2064..2068], &edc.checksum(&s[..2064]).to_le_bytes());
    }
    r.dd = None;
    // Version 2 (docs/virtual-drive.md): a data sector's slot at 65536 + lba * 2352 holds the
    // whole encoded sector; the all-zero block stays a hole.
    let file = std::fs::read(&r.path).unwrap();
    assert_eq!(&file[16..20], &2u32.to_le_bytes());
    let slot = |f: &[u8], lba: usize| f[65536 + lba * 2352..65536 + (lba + 1) * 2352].to_vec();
    assert_eq!(slot(&file, 5), &d[5 * 2352..6 * 2352]);
    assert!(slot(&file, 7).iter().all(|&b| b == 0));
    // The same disc as a version 1 file: 2048 user bytes at the start of each slot.
    let mut v1 = file[..65536].to_vec();
    v1[16..20].copy_from_slice(&1u32.to_le_bytes());
    v1.resize(65536 + 20 * 2352, 0);
    for lba in 0..20 {
        let at = 65536 + lba * 2352;
        v1[at..at + 2048].copy_from_slice(&img[lba * 2048..(lba + 1) * 2048]);
    }
    std::fs::write(&r.path, &v1).unwrap();
    r.reopen();
    assert_eq!(all(&mut r), d);
    assert_eq!(r.read10(0, 20).unwrap(), img);
    r.dd = None;
    let file = std::fs::read(&r.path).unwrap();
    assert_eq!(
        &file[16..20],
        &1u32.to_le_bytes(),
        "saving keeps the file's version"
    );
}

// ---------------------------------------------------------------------------------------
// A plain image as a pressed disc (`virtual attach IMAGE`), the free-running recorder of an
// attached drive, loading another disc, and the data direction a TCMU front end asks for.

fn image_rig(name: &str, bytes: &[u8], kind: Option<&str>) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    image_rig_at(dir, path, kind)
}

fn image_rig_at(dir: tempfile::TempDir, path: PathBuf, kind: Option<&str>) -> Rig {
    let clock = VirtualClock::shared();
    let kind = kind.map(|k| k.parse().unwrap());
    let d = EmuDrive::open_image(&path, kind, clock.clone()).unwrap();
    Rig {
        _dir: dir,
        path,
        clock,
        dd: Some(d),
    }
}

fn current_profile(r: &mut Rig) -> u16 {
    let c = r.data_in(&[0x46, 0x02, 0, 0, 0, 0, 0, 0, 8, 0], 8).unwrap();
    u16::from_be_bytes([c[6], c[7]])
}

#[test]
fn a_plain_iso_is_a_pressed_cd_rom_read_like_one_and_never_written() {
    let img = pattern(20, 3);
    let mut r = image_rig("disc.iso", &img, None);
    let mut perms = std::fs::metadata(&r.path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o444);
    std::fs::set_permissions(&r.path, perms).unwrap();
    assert_eq!(current_profile(&mut r), 0x0008, "CD-ROM (MMC-6 Table 61)");
    assert_eq!(r.read10(5, 2).unwrap(), img[5 * 2048..7 * 2048]);
    // READ CAPACITY (Table 663): last LBA 19, block length 2048.
    let cap = r.data_in(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8).unwrap();
    assert_eq!(cap, [0, 0, 0, 19, 0, 0, 8, 0]);
    // READ CD of the whole sector: sync, header MSF 00:02:07 mode 1, the user data.
    let raw = r
        .data_in(&[0xBE, 0, 0, 0, 0, 7, 0, 0, 1, 0xF8, 0, 0], 2352)
        .unwrap();
    assert_eq!(&raw[..12], &crate::ecma130::SYNC);
    assert_eq!(&raw[12..16], &[0x00, 0x02, 0x07, 0x01]);
    assert_eq!(&raw[16..2064], &img[7 * 2048..8 * 2048]);
    assert!(
        r.write10(0, &pattern(1, 9)).is_err(),
        "a pressed disc takes no write"
    );
    assert_eq!(
        std::fs::read(&r.path).unwrap(),
        img,
        "the image is untouched"
    );
    r.d().save().unwrap();
    assert_eq!(
        std::fs::read(&r.path).unwrap(),
        img,
        "no state is saved into it"
    );
}

#[test]
fn a_plain_image_gets_the_smallest_pressed_family_it_fits() {
    // 99 minutes of sectors is the longest CD-ROM; a DVD-9 holds 4 173 824 sectors.
    assert_eq!(image::rom_kind_for(445_500), MediaKind::CdRom);
    assert_eq!(image::rom_kind_for(445_501), MediaKind::DvdRom);
    assert_eq!(image::rom_kind_for(4_173_824), MediaKind::DvdRom);
    assert_eq!(image::rom_kind_for(4_173_825), MediaKind::BdRom);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.iso");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(1 << 30).unwrap(); // sparse: 524 288 sectors
    let mut r = image_rig_at(dir, path, None);
    assert_eq!(current_profile(&mut r), 0x0010, "DVD-ROM");
    let mut r = image_rig("small.iso", &pattern(4, 1), Some("bd-rom"));
    assert_eq!(current_profile(&mut r), 0x0040, "BD-ROM as --media said");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.iso");
    std::fs::write(&p, pattern(4, 1)).unwrap();
    let clock = VirtualClock::shared();
    let e = EmuDrive::open_image(&p, Some(MediaKind::DvdPlusR), clock).unwrap_err();
    assert!(
        e.is_usage() && e.to_string().contains("virtual create"),
        "{e}"
    );
}

#[test]
fn a_cue_sheet_with_data_and_audio_is_a_cd_rom_with_its_tracks() {
    // Track 1 mode 1 raw, 10 sectors; track 2 audio with a 2-sector pregap (INDEX 00 at
    // LBA 10, INDEX 01 at 12) and 18 sectors: lead-out at 30.
    let mut bin = Vec::new();
    let user = pattern(10, 5);
    for (i, u) in user.chunks(2048).enumerate() {
        bin.extend_from_slice(&crate::ecma130::encode_mode1(i as u64, u));
    }
    let audio: Vec<u8> = (0..20 * 2352).map(|i| (i % 251) as u8).collect();
    bin.extend_from_slice(&audio);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.bin"), &bin).unwrap();
    let cue = "FILE \"d.bin\" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n  \
               TRACK 02 AUDIO\n    INDEX 00 00:00:10\n    INDEX 01 00:00:12\n";
    let path = dir.path().join("d.cue");
    std::fs::write(&path, cue).unwrap();
    let mut r = image_rig_at(dir, path, None);
    assert_eq!(current_profile(&mut r), 0x0008);
    // READ TOC format 0 (Table 478): first 1, last 2; descriptors: ADR/CONTROL, track, LBA.
    let toc = r
        .data_in(&[0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0], 0x324)
        .unwrap();
    assert_eq!(&toc[2..4], &[1, 2]);
    assert_eq!(&toc[4..12], &[0, 0x14, 1, 0, 0, 0, 0, 0]);
    assert_eq!(&toc[12..20], &[0, 0x10, 2, 0, 0, 0, 0, 12]);
    assert_eq!(&toc[20..28], &[0, 0x10, 0xAA, 0, 0, 0, 0, 30]);
    assert_eq!(r.read10(3, 1).unwrap(), user[3 * 2048..4 * 2048]);
    // READ CD, CD-DA, LBA 15: the file's 2352 bytes of that sector.
    let a = r
        .data_in(&[0xBE, 0x04, 0, 0, 0, 15, 0, 0, 1, 0x10, 0, 0], 2352)
        .unwrap();
    assert_eq!(a, audio[5 * 2352..6 * 2352]);
}

#[test]
fn a_free_running_drive_records_as_fast_as_the_host_sends_until_asked_to_slow_down() {
    let mut r = rig_with("dvd+r", None, Some(200_000), None);
    r.d().set_free_running(true);
    // 16 MiB, four times the drive buffer, sent at once: no wait on the drive's clock.
    stream(&mut r, 256, Duration::ZERO).unwrap();
    r.none(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(r.clock.now(), Duration::ZERO);
    // SET CD SPEED write 1385 kB/s (DVD 1x, MMC-6 §6.37): the slowest speed this DVD+R
    // offers is 4x (5540 kB/s), and now the buffer drains at that.
    r.none(&[0xBB, 0, 0xFF, 0xFF, 0x05, 0x69, 0, 0, 0, 0, 0, 0])
        .unwrap();
    let c = pattern(32, 2);
    for i in 256..512 {
        r.write10(i * 32, &c).unwrap();
    }
    let waited = r.clock.now().as_secs_f64();
    // 16 MiB less the 4 MiB buffer at 5.54 MB/s: about 2.3 s.
    assert!((2.0..2.6).contains(&waited), "waited {waited} s");
}

#[test]
fn load_puts_another_disc_in_and_the_host_hears_of_new_media() {
    let mut r = rig("cd-r");
    // Eject (START STOP UNIT, LOEJ): the host sees the tray open.
    r.none(&[0x1B, 0, 0, 0, 0x02, 0]).unwrap();
    let img = pattern(8, 4);
    let other = image_rig("other.iso", &img, None);
    let mut other = other;
    let d = other.dd.take().unwrap();
    r.d().load(d).unwrap();
    // GET EVENT STATUS NOTIFICATION, media class (Table 157): NEW MEDIA, present, closed.
    let ev = r
        .data_in(&[0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0], 8)
        .unwrap();
    assert_eq!(ev[4] & 0x0F, 2, "NewMedia");
    assert_eq!(ev[5] & 0x03, 0x02, "media present, tray closed");
    assert_eq!(current_profile(&mut r), 0x0008);
    assert_eq!(r.read10(2, 1).unwrap(), img[2 * 2048..3 * 2048]);
}

#[test]
fn the_data_direction_of_each_command_is_the_specs() {
    // Data-out per MMC-6 / SPC-4: FORMAT UNIT, WRITE(10), MODE SELECT(10), SEND CUE SHEET,
    // WRITE(12), SET STREAMING.
    for op in [0x04, 0x2A, 0x55, 0x5D, 0xAA, 0xB6] {
        assert!(data_goes_to_drive(op), "{op:#04x}");
    }
    for op in [
        0x00, 0x03, 0x12, 0x25, 0x28, 0x43, 0x46, 0x4A, 0x51, 0x52, 0x5A, 0xAD, 0xBE,
    ] {
        assert!(!data_goes_to_drive(op), "{op:#04x}");
    }
}

#[test]
fn mode_sense_6_answers_page_2a_as_the_sr_driver_asks_for_it() {
    let mut r = rig("cd-rw");
    // MODE SENSE(6), DBD 0, page 2Ah, allocation 128 (what sr's get_capabilities sends).
    let d = r.data_in(&[0x1A, 0, 0x2A, 0, 128, 0], 128).unwrap();
    // Header(6) (SPC-4 Table 446): MODE DATA LENGTH = bytes after byte 0; no descriptors.
    assert_eq!(d[0] as usize, d.len() - 1);
    assert_eq!(d[3], 0, "BLOCK DESCRIPTOR LENGTH");
    assert_eq!(d[4] & 0x3F, 0x2A, "page code");
    let ten = r
        .data_in(&[0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 128, 0], 128)
        .unwrap();
    assert_eq!(&d[4..], &ten[8..], "the same page as MODE SENSE(10) gives");
    // Saved values (PC 11b): SAVING PARAMETERS NOT SUPPORTED.
    assert_eq!(
        r.data_in(&[0x1A, 0, 0xEA, 0, 128, 0], 128),
        Err((5, 0x39, 0))
    );
}
