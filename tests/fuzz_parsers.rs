//! Fuzz targets for every parser of device answers and of the mapfile: no input may panic.
//! Seeds are valid answers written byte by byte from the spec tables cited beside each one
//! (never produced by our own builders). The harness is in `common::fuzz` (deterministic,
//! fixed seed; `DISCRW_FUZZ_ITERS`, `DISCRW_FUZZ_SECS`, `DISCRW_FUZZ_SEED`). Run with
//! `--nocapture` to see the executions per target.

mod common;

use common::fuzz::{Seed, fuzz};
use discrw::mapfile::{BlockStatus, Mapfile};
use discrw::scsi::config::parse_configuration;
use discrw::scsi::mmc;
use discrw::scsi::mode::{
    BURN_FREE_PAGE, BurnFreePage, CapabilitiesPage, ReadWriteErrorRecoveryPage,
    WriteParametersPage, find_page, mode_select_parameter_list,
};
use discrw::scsi::retry::{Context, RetryPolicy, classify};
use discrw::scsi::sbc::parse_read_capacity_10;
use discrw::scsi::spc::parse_inquiry;
use discrw::scsi::{Sense, describe};
use discrw::transport::Outcome;

// ---------------------------------------------------------------------------------------
// Sense data (SPC-4 §4.5)

fn sense_seeds() -> Vec<Seed> {
    // Fixed format (Table 48): ADDITIONAL SENSE LENGTH at byte 7.
    #[rustfmt::skip]
    let fixed: [(&'static str, &[u8]); 5] = [
        // NOT READY / medium not present 02/3A/00, ADDITIONAL SENSE LENGTH 0Ah.
        ("fixed 02/3A/00", &[
            0x70, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ]),
        // VALID, MEDIUM ERROR 03/11/05 with INFORMATION (bytes 3..=6) = LBA 1234h.
        ("fixed 03/11/05 valid", &[
            0xF0, 0x00, 0x03, 0x00, 0x00, 0x12, 0x34, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x11, 0x05,
            0x00, 0x00, 0x00, 0x00,
        ]),
        // NOT READY 02/04/04 format in progress, SKSV (byte 15 bit 7) with PROGRESS
        // INDICATION 8000h (bytes 16..=17, Table 56).
        ("fixed 02/04/04 progress", &[
            0x70, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x04, 0x04,
            0x00, 0x80, 0x80, 0x00,
        ]),
        // Deferred (71h) MEDIUM ERROR write error 03/0C/00.
        ("fixed deferred 03/0C/00", &[
            0x71, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ]),
        // UNIT ATTENTION 06/28/00, short (the 14 bytes some drives send).
        ("fixed 06/28/00 short", &[
            0x70, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00,
        ]),
    ];
    let mut seeds: Vec<Seed> = fixed
        .into_iter()
        .map(|(name, d)| Seed::new(name, d).len_at(7, 1))
        .collect();
    seeds.extend([
        // Descriptor format (Table 23), MEDIUM ERROR 03/11/00 with an information
        // descriptor (§4.5.2.2: type 00h, length 0Ah, VALID, 8-byte INFORMATION = 1234h).
        Seed::new(
            "descriptor 03/11/00 information",
            &[
                0x72, 0x03, 0x11, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x00, 0x0A, 0x80, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, 0x12, 0x34,
            ],
        )
        .len_at(7, 1)
        .len_at(9, 1),
        // Descriptor, NOT READY 02/04/07 operation in progress: sense key specific
        // descriptor (§4.5.2.4, type 02h, SKSV, progress 4000h) and progress indication
        // descriptor (§4.5.2.6, type 0Ah, progress C000h).
        Seed::new(
            "descriptor 02/04/07 progress",
            &[
                0x72, 0x02, 0x04, 0x07, 0x00, 0x00, 0x00, 0x10, 0x02, 0x06, 0x00, 0x00, 0x80, 0x40,
                0x00, 0x00, 0x0A, 0x06, 0x02, 0x04, 0x07, 0x00, 0xC0, 0x00,
            ],
        )
        .len_at(7, 1)
        .len_at(9, 1)
        .len_at(17, 1),
        // Descriptor, deferred (73h) loss of streaming 03/0C/09, no descriptors.
        Seed::new(
            "descriptor deferred 03/0C/09",
            &[0x73, 0x03, 0x0C, 0x09, 0x00, 0x00, 0x00, 0x00],
        )
        .len_at(7, 1),
    ]);
    seeds
}

#[test]
fn fuzz_sense() {
    let policy = RetryPolicy::default();
    fuzz("sense", &sense_seeds(), &[], |d| {
        let line = describe(d);
        assert!(!line.contains('\n'), "{line}");
        if let Some(s) = Sense::parse(d) {
            let text = s.to_string();
            let code = format!("({:02X}/{:02X}/{:02X})", s.sense_key.0, s.asc, s.ascq);
            assert!(text.ends_with(&code), "{text}");
            if let Some(p) = s.progress_fraction() {
                assert!((0.0..1.0).contains(&p), "{p}");
            }
            let _ = classify(&s);
            for ctx in [Context::Reading, Context::Writing, Context::Other] {
                for attempt in [0, 1, 2, 4, 61, 7201, u32::MAX] {
                    let _ = policy.decide_sense(&s, attempt, ctx);
                }
            }
        }
        let outcome = Outcome::CheckCondition {
            sense: d.to_vec(),
            transferred: 0,
        };
        let _ = policy.decide(&outcome, 1, Context::Reading);
    });
}

// ---------------------------------------------------------------------------------------
// GET CONFIGURATION (MMC-6 §6.6: feature header Table 86, descriptors Table 91)

/// Mark DATA LENGTH and every descriptor's ADDITIONAL LENGTH of a literal answer.
fn config_seed(name: &'static str, d: &[u8]) -> Seed {
    let mut s = Seed::new(name, d).len_at(0, 4);
    let mut at = 8;
    while at + 4 <= d.len() {
        s = s.len_at(at + 3, 1);
        at += 4 + usize::from(d[at + 3]);
    }
    assert_eq!(at, d.len(), "{name}: descriptors do not add up");
    assert_eq!(
        u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize,
        d.len() - 4,
        "{name}: DATA LENGTH"
    );
    s
}

fn config_seeds() -> Vec<Seed> {
    #[rustfmt::skip]
    let dvd_writer: &[u8] = &[
        // Header: DATA LENGTH 0000_00A0h, CURRENT PROFILE 001Ah (DVD+RW).
        0x00, 0x00, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x1A,
        // 0000h Profile List, persistent+current, 6 profile descriptors (Table 94).
        0x00, 0x00, 0x03, 0x18,
        0x00, 0x1A, 0x01, 0x00, 0x00, 0x1B, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00,
        0x00, 0x14, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00,
        // 0001h Core, version 2: PHYSICAL INTERFACE STANDARD 2 (ATAPI), DBE.
        0x00, 0x01, 0x0B, 0x08, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00,
        // 0002h Morphing: ASYNC.
        0x00, 0x02, 0x07, 0x04, 0x02, 0x00, 0x00, 0x00,
        // 0003h Removable Medium: tray, eject, lock.
        0x00, 0x03, 0x0B, 0x04, 0x29, 0x00, 0x00, 0x00,
        // 0010h Random Readable: block size 2048, blocking 16, PP.
        0x00, 0x10, 0x01, 0x08, 0x00, 0x00, 0x08, 0x00, 0x00, 0x10, 0x01, 0x00,
        // 0021h Incremental Streaming Writable: data block types 0007h, BUF, 2 link sizes.
        0x00, 0x21, 0x08, 0x08, 0x00, 0x07, 0x01, 0x02, 0x01, 0x07, 0x00, 0x00,
        // 001Eh CD Read: C2 flags, CD-Text.
        0x00, 0x1E, 0x09, 0x04, 0x03, 0x00, 0x00, 0x00,
        // 001Fh DVD Read: MULTI110, DUAL-R.
        0x00, 0x1F, 0x09, 0x04, 0x01, 0x00, 0x01, 0x00,
        // 002Ah DVD+RW: WRITE.
        0x00, 0x2A, 0x05, 0x04, 0x01, 0x00, 0x00, 0x00,
        // 002Bh DVD+R: WRITE.
        0x00, 0x2B, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00,
        // 002Dh CD Track at Once: BUF, TEST WRITE, CD-RW; DATA TYPE SUPPORTED 3FFFh.
        0x00, 0x2D, 0x08, 0x04, 0x46, 0x00, 0x3F, 0xFF,
        // 002Eh CD Mastering: BUF SAO RAW MS RAW TEST CD-RW; MAX CUE SHEET 00FFFFh.
        0x00, 0x2E, 0x08, 0x04, 0x7E, 0x00, 0xFF, 0xFF,
        // 002Fh DVD-R/-RW Write: BUF, TEST WRITE, DVD-RW SL.
        0x00, 0x2F, 0x08, 0x04, 0x46, 0x00, 0x00, 0x00,
        // 0033h Layer Jump Recording: 1 link size (16).
        0x00, 0x33, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x10, 0x00, 0x00, 0x00,
        // 0107h Real Time Streaming: RBCB SCS MP2A WSPD SW.
        0x01, 0x07, 0x05, 0x04, 0x1F, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let bd_writer: &[u8] = &[
        // Header: DATA LENGTH 0000_004Ch, CURRENT PROFILE 0041h (BD-R SRM).
        0x00, 0x00, 0x00, 0x4C, 0x00, 0x00, 0x00, 0x41,
        // Profile List: BD-RE, BD-R SRM (current), BD-ROM.
        0x00, 0x00, 0x03, 0x0C,
        0x00, 0x43, 0x00, 0x00, 0x00, 0x41, 0x01, 0x00, 0x00, 0x40, 0x00, 0x00,
        // 0040h BD Read (§5.3.31): 4 reserved, then class 0..3 bitmaps for BD-RE, BD-R,
        // BD-ROM.
        0x00, 0x40, 0x04, 0x1C,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x3E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x3E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // 0041h BD Write (§5.3.32): SVNR, BD-RE and BD-R class bitmaps.
        0x00, 0x41, 0x05, 0x14,
        0x01, 0x00, 0x00, 0x00,
        0x00, 0x3E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let no_medium: &[u8] = &[
        // Header only plus Profile List, CURRENT PROFILE 0000h (no medium): CD-ROM only.
        0x00, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x03, 0x04, 0x00, 0x08, 0x00, 0x00,
    ];
    vec![
        config_seed("DVD writer with DVD+RW", dvd_writer),
        config_seed("BD writer with BD-R", bd_writer),
        config_seed("CD-ROM, no medium", no_medium),
    ]
}

#[test]
fn fuzz_get_configuration() {
    fuzz("get_configuration", &config_seeds(), &[], |d| {
        if let Ok(c) = parse_configuration(d) {
            assert!(c.profiles.len() <= d.len() / 4);
            assert!(c.features.len() <= d.len() / 4);
            for f in &c.features {
                let _ = f.detail();
                let _ = c.is_current(f.code);
            }
            let _ = c.feature(0x002D);
            let _ = c.current_profile.name();
        }
    });
}

// ---------------------------------------------------------------------------------------
// READ DISC INFORMATION (MMC-6 Table 522), READ TRACK INFORMATION (Table 540)

fn disc_information_seeds() -> Vec<Seed> {
    #[rustfmt::skip]
    let blank_cd_r: &[u8] = &[
        // DISC INFORMATION LENGTH 0020h; byte 2 empty session, empty disc; first track 1;
        // sessions 1; first/last track in last session 1; URU; disc type 00h.
        0x00, 0x20, 0x00, 0x01, 0x01, 0x01, 0x01, 0x20, 0x00, 0x00, 0x00, 0x00,
        // DISC IDENTIFICATION, LEAD-IN START 97:26:66 (MSF), LAST POSSIBLE LEAD-OUT 79:59:74.
        0x00, 0x00, 0x00, 0x00, 0x00, 0x61, 0x1A, 0x42, 0x00, 0x4F, 0x3B, 0x4A,
        // DISC BAR CODE, DISC APPLICATION CODE, NUMBER OF OPC TABLES 0.
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let complete_dvd: &[u8] = &[
        // Complete session, complete disc, 1 session, tracks 1..1; lead-in/out FFFFFFFFh.
        0x00, 0x20, 0x0E, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let appendable_rw_opc: &[u8] = &[
        // Erasable, incomplete session, incomplete disc, 3 sessions, tracks 4..5, 1 OPC
        // table (8 bytes: speed 1B90h kB/s, 6 OPC value bytes).
        0x00, 0x28, 0x15, 0x01, 0x03, 0x04, 0x05, 0x20, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x30, 0x00, 0x00, 0x23, 0x05, 0x40,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x1B, 0x90, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    ];
    vec![
        Seed::new("blank CD-R", blank_cd_r).len_at(0, 2),
        Seed::new("complete DVD-ROM", complete_dvd).len_at(0, 2),
        Seed::new("appendable RW with OPC", appendable_rw_opc)
            .len_at(0, 2)
            .len_at(33, 1),
    ]
}

#[test]
fn fuzz_disc_information() {
    fuzz(
        "read_disc_information",
        &disc_information_seeds(),
        &[],
        |d| {
            let _ = mmc::parse_disc_information(d);
        },
    );
}

fn track_information_seeds() -> Vec<Seed> {
    #[rustfmt::skip]
    let blank_dvd_plus_r: &[u8] = &[
        // DATA LENGTH 002Eh, track 1, session 1, track mode 5, blank + data mode 1, NWA_V.
        0x00, 0x2E, 0x01, 0x01, 0x00, 0x05, 0x41, 0x01,
        // TRACK START 0, NWA 0, FREE BLOCKS 230540h, FIXED PACKET SIZE 16, TRACK SIZE.
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x05, 0x40,
        0x00, 0x00, 0x00, 0x10, 0x00, 0x23, 0x05, 0x40,
        // LAST RECORDED ADDRESS, track/session MSBs, reserved, READ COMPATIBILITY LBA,
        // NEXT LAYER JUMP, LAST LAYER JUMP.
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let closed_cd_track: &[u8] = &[
        // 36-byte MMC-3 answer: track 1 of session 1, data track mode 4, data mode 1,
        // LRA_V; size 45A6Bh, LRA 45A6Ah.
        0x00, 0x22, 0x01, 0x01, 0x00, 0x04, 0x01, 0x02,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x5A, 0x6B, 0x00, 0x04, 0x5A, 0x6A,
        0x00, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let mmc2_28_bytes: &[u8] = &[
        // MMC-2 drives stop after TRACK SIZE: 28 bytes; invisible track 2 with NWA 1000h.
        0x00, 0x1A, 0x02, 0x01, 0x00, 0x04, 0x41, 0x01,
        0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x04, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
    ];
    vec![
        Seed::new("blank DVD+R track", blank_dvd_plus_r).len_at(0, 2),
        Seed::new("closed CD data track", closed_cd_track).len_at(0, 2),
        Seed::new("MMC-2 28 bytes", mmc2_28_bytes).len_at(0, 2),
    ]
}

#[test]
fn fuzz_track_information() {
    fuzz(
        "read_track_information",
        &track_information_seeds(),
        &[],
        |d| {
            let _ = mmc::parse_track_information(d);
        },
    );
}

// ---------------------------------------------------------------------------------------
// READ TOC/PMA/ATIP: TOC (Table 472), session info, full TOC (Table 475), ATIP (Table 477)

fn toc_seeds() -> Vec<Seed> {
    #[rustfmt::skip]
    let one_data_track: &[u8] = &[
        0x00, 0x12, 0x01, 0x01,
        0x00, 0x14, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x14, 0xAA, 0x00, 0x00, 0x04, 0x5A, 0x6B,
    ];
    #[rustfmt::skip]
    let three_audio_tracks: &[u8] = &[
        0x00, 0x22, 0x01, 0x03,
        0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x10, 0x02, 0x00, 0x00, 0x00, 0x3A, 0x98,
        0x00, 0x10, 0x03, 0x00, 0x00, 0x00, 0x80, 0xE8,
        0x00, 0x10, 0xAA, 0x00, 0x00, 0x01, 0x11, 0x70,
    ];
    // Session information (format 0001b): sessions 1..2, first track of the last
    // session is 3 at LBA 9C40h.
    let session_info: &[u8] = &[
        0x00, 0x0A, 0x01, 0x02, 0x00, 0x14, 0x03, 0x00, 0x00, 0x00, 0x9C, 0x40,
    ];
    vec![
        Seed::new("one data track", one_data_track).len_at(0, 2),
        Seed::new("three audio tracks", three_audio_tracks).len_at(0, 2),
        Seed::new("session info", session_info).len_at(0, 2),
    ]
}

#[test]
fn fuzz_toc() {
    fuzz("read_toc", &toc_seeds(), &[], |d| {
        if let Ok(t) = mmc::parse_toc(d) {
            assert!(t.entries.len() <= d.len() / 8);
            for e in &t.entries {
                let _ = e.is_data();
            }
        }
    });
}

fn full_toc_seeds() -> Vec<Seed> {
    #[rustfmt::skip]
    let one_session: &[u8] = &[
        0x00, 0x2E, 0x01, 0x01,
        // SESSION, ADR/CONTROL, TNO, POINT, MIN, SEC, FRAME, ZERO, PMIN, PSEC, PFRAME
        0x01, 0x14, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x01, 0x14, 0x00, 0xA1, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x01, 0x14, 0x00, 0xA2, 0x00, 0x00, 0x00, 0x00, 0x3F, 0x02, 0x11,
        0x01, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
    ];
    #[rustfmt::skip]
    let cd_r_b0: &[u8] = &[
        // A recordable CD-R with a B0h pointer (next possible program area 79:59:74).
        0x00, 0x2E, 0x01, 0x01,
        0x01, 0x14, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x00,
        0x01, 0x14, 0x00, 0xA2, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
        0x01, 0x54, 0x00, 0xB0, 0x12, 0x1E, 0x00, 0x02, 0x4F, 0x3B, 0x4A,
        0x01, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
    ];
    vec![
        Seed::new("one session", one_session).len_at(0, 2),
        Seed::new("CD-R with B0", cd_r_b0).len_at(0, 2),
    ]
}

#[test]
fn fuzz_full_toc() {
    fuzz("read_full_toc", &full_toc_seeds(), &[], |d| {
        if let Ok(t) = mmc::parse_full_toc(d) {
            assert!(t.entries.len() <= d.len() / 11);
        }
    });
}

fn atip_seeds() -> Vec<Seed> {
    #[rustfmt::skip]
    let cd_r: &[u8] = &[
        0x00, 0x1A, 0x00, 0x00,
        // Byte 4: ITWP 5, reference speed 2; byte 5 URU; byte 6 CD-R (bit 7 always 1).
        0xD2, 0x40, 0x80, 0x00,
        // START TIME OF LEAD-IN 97:26:66, LAST POSSIBLE START OF LEAD-OUT 79:59:74.
        0x61, 0x1A, 0x42, 0x00, 0x4F, 0x3B, 0x4A, 0x00,
        // A1, A2, A3 values.
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let cd_rw: &[u8] = &[
        0x00, 0x1A, 0x00, 0x00,
        // CD-RW (disc type bit 6), sub-type 2, A1 valid.
        0xA4, 0x00, 0xD1, 0x00,
        0x61, 0x0F, 0x0A, 0x00, 0x4A, 0x3B, 0x4A, 0x00,
        0x2B, 0x2C, 0x2D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    vec![
        Seed::new("CD-R", cd_r).len_at(0, 2),
        Seed::new("CD-RW", cd_rw).len_at(0, 2),
    ]
}

#[test]
fn fuzz_atip() {
    fuzz("read_atip", &atip_seeds(), &[], |d| {
        if let Ok(a) = mmc::parse_atip(d) {
            let _ = mmc::atip_manufacturer(a.lead_in_start);
            let _ = a.lead_in_start.to_lba();
            let _ = a.last_possible_lead_out_start.to_lba();
            let _ = a.lead_in_start.to_string();
        }
    });
}

// ---------------------------------------------------------------------------------------
// Mode pages (SPC-4 Table 360 header; MMC-6 §7.3 page 01h, §7.5 page 05h, MMC-3 page 2Ah)

fn mode_seeds() -> Vec<Seed> {
    #[rustfmt::skip]
    let page_01: &[u8] = &[
        // MODE DATA LENGTH 0012h, no block descriptors.
        0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // Page 01h (PS), length 0Ah: PER, read retry 16, write retry 5, time limit 100.
        0x81, 0x0A, 0x04, 0x10, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x64,
    ];
    #[rustfmt::skip]
    let page_01_with_block_descriptor: &[u8] = &[
        // MODE DATA LENGTH 001Ah, BLOCK DESCRIPTOR LENGTH 8.
        0x00, 0x1A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
        0x01, 0x0A, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let page_05: &[u8] = &[
        0x00, 0x3A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // Page 05h, length 32h: BUFE, TAO; track mode 4; data block type 8 (mode 1);
        // packet size 16; audio pause 150; MCN, ISRC, sub-header.
        0x05, 0x32, 0x41, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x10, 0x00, 0x96,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let page_2a: &[u8] = &[
        0x00, 0x2E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // Page 2Ah, length 26h: reads/writes CD-R/RW, DVD-ROM/R; BUF; C2; tray, eject,
        // lock; max read 4233 kB/s; buffer 2048 KiB; max/current write 7056 kB/s;
        // 2 write speed descriptors (7056, 3528 kB/s).
        0x2A, 0x26, 0x3B, 0x37, 0xF1, 0x77, 0x29, 0x23,
        0x10, 0x89, 0x01, 0x00, 0x08, 0x00, 0x10, 0x89,
        0x00, 0x00, 0x1B, 0x90, 0x1B, 0x90, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x1B, 0x90, 0x00, 0x02,
        0x00, 0x00, 0x1B, 0x90, 0x00, 0x00, 0x0D, 0xC8,
    ];
    #[rustfmt::skip]
    let page_30: &[u8] = &[
        0x00, 0x16, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // Vendor page 30h (Ricoh layout), length 0Eh: BURN-Free supported and enabled,
        // link counter 3.
        0x30, 0x0E, 0x01, 0x01, 0x00, 0x03, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    vec![
        Seed::new("page 01h", page_01)
            .len_at(0, 2)
            .len_at(6, 2)
            .len_at(9, 1),
        Seed::new(
            "page 01h after block descriptor",
            page_01_with_block_descriptor,
        )
        .len_at(0, 2)
        .len_at(6, 2)
        .len_at(17, 1),
        Seed::new("page 05h", page_05)
            .len_at(0, 2)
            .len_at(6, 2)
            .len_at(9, 1),
        Seed::new("page 2Ah", page_2a)
            .len_at(0, 2)
            .len_at(6, 2)
            .len_at(9, 1)
            .len_at(38, 2),
        Seed::new("vendor page 30h", page_30)
            .len_at(0, 2)
            .len_at(6, 2)
            .len_at(9, 1),
    ]
}

fn check_pages(p: &[u8]) {
    let _ = ReadWriteErrorRecoveryPage::parse(p).map(|r| (r.per(), r.to_bytes()));
    if let Ok(w) = WriteParametersPage::parse(p) {
        // A read-modify-write gives back a page of the same size that parses the same.
        let b = w.to_bytes();
        assert_eq!(b.len(), p.len());
        let again = WriteParametersPage::parse(&b).expect("own page parses");
        assert_eq!(again.to_bytes(), b);
        let _ = mode_select_parameter_list(&b);
    }
    if let Ok(c) = CapabilitiesPage::parse(p) {
        assert!(c.write_speed_descriptors.len() <= p.len() / 4);
    }
    // A BURN-Free count only from a page that says it is one.
    if BurnFreePage::parse(p).is_some() {
        assert!(p.len() >= 6 && p[0] & 0x3F == BURN_FREE_PAGE && p[2] & 0x01 == 1);
    }
}

#[test]
fn fuzz_mode_pages() {
    fuzz("mode_pages", &mode_seeds(), &[], |d| {
        for code in [
            0x01,
            0x05,
            0x2A,
            BURN_FREE_PAGE,
            d.get(8).map_or(0, |b| b & 0x3F),
        ] {
            if let Ok(p) = find_page(d, code) {
                assert!(p.len() <= d.len());
                check_pages(p);
            }
        }
        // The page parsers also see raw pages (after a header strip gone wrong).
        check_pages(d);
        let _ = mode_select_parameter_list(d);
    });
}

// ---------------------------------------------------------------------------------------
// READ FORMAT CAPACITIES (MMC-6 Table 528), READ BUFFER CAPACITY (Table 516),
// GET PERFORMANCE (Tables 121, 123, 128)

fn format_capacities_seeds() -> Vec<Seed> {
    #[rustfmt::skip]
    let blank_dvd_plus_rw: &[u8] = &[
        // CAPACITY LIST LENGTH 10h; current: unformatted, 2048-byte blocks; format 26h.
        0x00, 0x00, 0x00, 0x10,
        0x00, 0x23, 0x05, 0x40, 0x01, 0x00, 0x08, 0x00,
        0x00, 0x23, 0x05, 0x40, 0x98, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    let bd_re: &[u8] = &[
        // Formatted BD-RE; formats 30h (with spare sizes) and 31h.
        0x00, 0x00, 0x00, 0x20,
        0x00, 0xB8, 0x66, 0x00, 0x02, 0x00, 0x08, 0x00,
        0x00, 0xB8, 0x66, 0x00, 0xC0, 0x00, 0x30, 0x00,
        0x00, 0xC3, 0xB2, 0x00, 0xC0, 0x00, 0x10, 0x00,
        0x00, 0xB3, 0x92, 0x00, 0xC4, 0x00, 0x10, 0x00,
    ];
    #[rustfmt::skip]
    let no_media: &[u8] = &[
        0x00, 0x00, 0x00, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0x00, 0x08, 0x00,
    ];
    vec![
        Seed::new("blank DVD+RW", blank_dvd_plus_rw).len_at(3, 1),
        Seed::new("BD-RE", bd_re).len_at(3, 1),
        Seed::new("no media", no_media).len_at(3, 1),
    ]
}

#[test]
fn fuzz_format_capacities() {
    fuzz(
        "read_format_capacities",
        &format_capacities_seeds(),
        &[],
        |d| {
            if let Ok(f) = mmc::parse_format_capacities(d) {
                assert!(f.formattable.len() <= d.len() / 8);
            }
        },
    );
}

#[test]
fn fuzz_buffer_capacity() {
    let seeds = vec![
        Seed::new(
            "2 MiB buffer",
            &[
                0x00, 0x0A, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x1F, 0xF8, 0x00,
            ],
        )
        .len_at(0, 2),
    ];
    fuzz("read_buffer_capacity", &seeds, &[], |d| {
        let _ = mmc::parse_buffer_capacity(d);
    });
}

fn performance_seeds() -> Vec<Seed> {
    #[rustfmt::skip]
    let nominal: &[u8] = &[
        // PERFORMANCE DATA LENGTH 24h; two nominal descriptors (CAV ramp 5544..11088 kB/s).
        0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0xA8, 0x00, 0x11, 0x82, 0x9F, 0x00, 0x00, 0x21, 0x3C,
        0x00, 0x11, 0x82, 0xA0, 0x00, 0x00, 0x21, 0x3C, 0x00, 0x23, 0x05, 0x3F, 0x00, 0x00, 0x2B, 0x50,
    ];
    #[rustfmt::skip]
    let write_speeds: &[u8] = &[
        // Type 03h: two write speed descriptors (WRC 0, EXACT), 22176 and 11088 kB/s.
        0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x23, 0x05, 0x3F, 0x00, 0x00, 0x56, 0xA0, 0x00, 0x00, 0x56, 0xA0,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x23, 0x05, 0x3F, 0x00, 0x00, 0x56, 0xA0, 0x00, 0x00, 0x2B, 0x50,
    ];
    vec![
        Seed::new("nominal performance", nominal).len_at(0, 4),
        Seed::new("write speeds", write_speeds).len_at(0, 4),
    ]
}

#[test]
fn fuzz_performance() {
    fuzz("get_performance", &performance_seeds(), &[], |d| {
        if let Ok(v) = mmc::parse_performance(d) {
            assert!(v.len() <= d.len() / 16);
        }
        if let Ok(v) = mmc::parse_write_speed_descriptors(d) {
            assert!(v.len() <= d.len() / 16);
        }
    });
}

// ---------------------------------------------------------------------------------------
// INQUIRY (SPC-4 Table 140), READ CAPACITY(10) (MMC-6 Table 503), GET EVENT STATUS
// NOTIFICATION (MMC-6 Tables 144, 157), READ DISC STRUCTURE (Tables 501 ff.)

fn inquiry_seeds() -> Vec<Seed> {
    let mut writer = vec![0x05, 0x80, 0x05, 0x32, 0x1F, 0x00, 0x00, 0x00];
    writer.extend_from_slice(b"HL-DT-STDVDRAM GH24NSD1 RD01");
    let mut qemu = vec![0x05, 0x80, 0x05, 0x32, 0x5B, 0x00, 0x00, 0x00];
    qemu.extend_from_slice(b"QEMU    QEMU DVD-ROM    2.5+");
    qemu.resize(96, 0x00);
    vec![
        Seed::new("LG writer", &writer).len_at(4, 1),
        Seed::new("QEMU 96 bytes", &qemu).len_at(4, 1),
    ]
}

#[test]
fn fuzz_inquiry() {
    fuzz(
        "inquiry",
        &inquiry_seeds(),
        &[b"\xff\xfe", b"\x00", b"   "],
        |d| {
            if let Ok(i) = parse_inquiry(d) {
                for s in [&i.vendor, &i.product, &i.revision] {
                    assert!(s.chars().all(|c| (' '..='~').contains(&c)), "{s:?}");
                }
            }
        },
    );
}

#[test]
fn fuzz_read_capacity() {
    let seeds = vec![
        Seed::new("DVD", &[0x00, 0x23, 0x05, 0x3F, 0x00, 0x00, 0x08, 0x00]),
        Seed::new(
            "blank (tgt)",
            &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00],
        ),
    ];
    fuzz("read_capacity", &seeds, &[], |d| {
        let _ = parse_read_capacity_10(d);
    });
}

#[test]
fn fuzz_event_status() {
    let seeds = vec![
        // EVENT DESCRIPTOR LENGTH 6, media class 4, supported 5Eh; NewMedia, present.
        Seed::new(
            "new media",
            &[0x00, 0x06, 0x04, 0x5E, 0x02, 0x02, 0x00, 0x00],
        )
        .len_at(0, 2),
        // NEA set: no event available, header only.
        Seed::new("no event", &[0x00, 0x02, 0x84, 0x5E]).len_at(0, 2),
        // Tray open, no medium.
        Seed::new(
            "tray open",
            &[0x00, 0x06, 0x04, 0x5E, 0x03, 0x01, 0x00, 0x00],
        )
        .len_at(0, 2),
    ];
    fuzz("get_event_status_notification", &seeds, &[], |d| {
        let _ = mmc::parse_media_event_status(d);
    });
}

fn structure_seeds() -> Vec<Seed> {
    // DVD physical format information (format 00h): DVD+R version 1, 120 mm, one layer,
    // data area 30000h..26053Fh.
    let mut physical = vec![0x08, 0x02, 0x00, 0x00];
    physical.extend_from_slice(&[
        0xA1, 0x0F, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x26, 0x05, 0x3F, 0x00, 0x00, 0x00,
        0x00, 0x00,
    ]);
    physical.resize(4 + 64, 0);
    // ADIP (format 11h): manufacturer "RICOHJPN" at 19..=26, media type "R02" at 27..=29.
    let mut adip = vec![0x00, 0x22, 0x00, 0x00];
    let mut p = vec![0u8; 32];
    p[19..27].copy_from_slice(b"RICOHJPN");
    p[27..30].copy_from_slice(b"R02");
    adip.extend_from_slice(&p);
    // Pre-recorded information (format 0Eh): field 3 "CMC MA" at 17, field 4 "G. AE1" at 25.
    let mut pre = vec![0x00, 0x22, 0x00, 0x00];
    let mut p = vec![0u8; 32];
    p[16] = 3;
    p[17..23].copy_from_slice(b"CMC MA");
    p[24] = 4;
    p[25..31].copy_from_slice(b"G. AE1");
    pre.extend_from_slice(&p);
    // BD disc information (media type 1, format 00h): DI unit "DI", "BDR", "VERBAT"/"IMe".
    let mut bd = vec![0x00, 0x72, 0x00, 0x00];
    let mut p = vec![0u8; 112];
    p[0..2].copy_from_slice(b"DI");
    p[8..11].copy_from_slice(b"BDR");
    p[100..106].copy_from_slice(b"VERBAT");
    p[106..109].copy_from_slice(b"IMe");
    bd.extend_from_slice(&p);
    vec![
        Seed::new("DVD physical format", &physical).len_at(0, 2),
        Seed::new("ADIP", &adip).len_at(0, 2),
        Seed::new("pre-recorded", &pre).len_at(0, 2),
        Seed::new("BD DI", &bd).len_at(0, 2),
    ]
}

#[test]
fn fuzz_disc_structures() {
    fuzz(
        "read_disc_structure",
        &structure_seeds(),
        &[b"DI", b"\x03", b"\x04"],
        |d| {
            if let Ok(p) = mmc::parse_dvd_physical_format(d) {
                let _ = p.book_name();
            }
            let _ = mmc::parse_adip_media_id(d);
            let _ = mmc::parse_pre_recorded_media_id(d);
            let _ = mmc::parse_bd_disc_information(d);
        },
    );
}

// ---------------------------------------------------------------------------------------
// GNU ddrescue mapfile (ddrescue manual, "Mapfile structure")

fn mapfile_seeds() -> Vec<Seed> {
    let ddrescue = "\
# Mapfile. Created by GNU ddrescue version 1.27
# Command line: ddrescue -b2048 /dev/sr0 disc.iso disc.map
# Start time:   2024-01-01 10:00:00
# Current time: 2024-01-01 10:05:00
# Copying non-tried blocks... Pass 1 (forwards)
# current_pos  current_status  current_pass
0x00120000     ?               1
#      pos        size  status
0x00000000  0x00117000  +
0x00117000  0x00000800  -
0x00117800  0x00000800  /
0x00118000  0x00008000  *
0x00120000  0x00100000  ?
";
    // The older two-field status line, decimal and octal numbers.
    let old = "\
# Rescue Logfile. Created by GNU ddrescue version 1.16
# current_pos  current_status
0x00000000     +
#      pos        size  status
0  2048  +
2048  04000  -
4096  0x800  +
";
    let discrw = "\
# discrw-disc-id: sha256:0123456789abcdef
# discrw-sector-size: 2048
# Retrying bad sectors... Pass 2
# current_pos  current_status  current_pass
0x00000800     -               2
#      pos        size  status
0x00000000  0x00000800  +
0x00000800  0x00000800  -
0x00001000  0xFFFFFFFFFFFFE000  ?
";
    let finished = "0x00000000 + 1\n0x0 0x4000 +\n";
    vec![
        Seed::new("ddrescue 1.27", ddrescue.as_bytes()),
        Seed::new("ddrescue 1.16 logfile", old.as_bytes()),
        Seed::new("discrw tags, huge tail", discrw.as_bytes()),
        Seed::new("finished", finished.as_bytes()),
    ]
}

fn check_map(m: &Mapfile) {
    let mut expected = 0u64;
    let mut sum = 0u64;
    for (i, b) in m.blocks().iter().enumerate() {
        assert_eq!(b.pos, expected, "gap or overlap at block {i}");
        assert!(b.size > 0, "empty block {i}");
        if i > 0 {
            assert_ne!(m.blocks()[i - 1].status, b.status, "unmerged blocks at {i}");
        }
        expected = b.pos.checked_add(b.size).expect("block past 2^64");
        sum += b.size;
        assert_eq!(m.status_at(b.pos), Some(b.status));
    }
    assert_eq!(m.size(), sum);
}

#[test]
fn fuzz_mapfile() {
    let dict: &[&[u8]] = &[
        b"0x",
        b"0X",
        b"0xFFFFFFFFFFFFFFFF",
        b"0x10000000000000000",
        b"18446744073709551615",
        b"18446744073709551616",
        b"01777777777777777777777",
        b"\n",
        b"\r\n",
        b"#",
        b"# discrw-disc-id: ",
        b" ",
        b"\t",
        b"+",
        b"-",
        b"?",
        b"*",
        b"/",
        b"F",
        b"G",
        b"0",
        b"\xef\xbb\xbf",
        b"\xc3\xa9",
        b"\xff",
    ];
    fuzz("mapfile", &mapfile_seeds(), dict, |d| {
        let text = String::from_utf8_lossy(d);
        let Ok(mut m) = Mapfile::parse(&text) else {
            return;
        };
        check_map(&m);
        // What we write, we read back the same.
        let again = Mapfile::parse(&m.to_text(&["fuzz".to_string()])).expect("own text parses");
        assert_eq!(again, m);
        // Updates keep the map sorted, gap-free and merged, including at the 2^64 edge.
        let size = m.size();
        let h = d
            .iter()
            .fold(0u64, |h, &b| h.wrapping_mul(31).wrapping_add(b.into()));
        let edits = [
            (
                h % (size / 2 + 1),
                (h >> 7) % 4096 + 1,
                BlockStatus::BadSector,
            ),
            (size.saturating_sub(1), 2048, BlockStatus::Finished),
            (u64::MAX - 10, 100, BlockStatus::NonScraped),
            (0, 1, BlockStatus::Finished),
        ];
        for (pos, len, st) in edits {
            m.set(pos, len, st);
            check_map(&m);
            assert_eq!(m.status_at(pos), Some(st));
        }
        let _ = m.is_complete();
        let _ = m.total(BlockStatus::BadSector);
    });
}

// ---------------------------------------------------------------------------------------
// Cue sheets (`burn X.cue`: the CDRWIN parser, the layout against file sizes, the MMC cue
// sheet built from it)

fn cue_seeds() -> Vec<Seed> {
    vec![
        // As discrw rip --raw writes it (CDRWIN form, docs/rip.md).
        Seed::new(
            "cue rip",
            b"FILE \"disc.bin\" BINARY\r\n  TRACK 01 MODE1/2352\r\n    INDEX 01 00:00:00\r\n",
        ),
        Seed::new(
            "cue mixed",
            b"REM GENRE Rock\nCATALOG 0000000000000\nPERFORMER \"A\"\nFILE \"a b.bin\" BINARY\n  TRACK 01 MODE1/2048\n    PREGAP 00:02:00\n    INDEX 01 00:00:00\nFILE track2.bin MOTOROLA\n  TRACK 02 AUDIO\n    FLAGS PRE DCP SCMS 4CH\n    ISRC USABC2600001\n    INDEX 00 00:00:00\n    INDEX 01 00:02:00\n    INDEX 02 00:03:00\n    POSTGAP 00:01:00\n  TRACK 03 AUDIO\n    INDEX 01 00:09:00\n",
        ),
        Seed::new("cue empty name", b"FILE \"\" BINARY\nFILE \nFILE \"unterminated\n"),
        Seed::new("cue utf8", b"\xef\xbb\xbfFILE \"caf\xc3\xa9.bin\" BINARY\n"),
    ]
}

#[test]
fn fuzz_cue_sheet() {
    let dict: &[&[u8]] = &[
        b"FILE ",
        b"\"",
        b" BINARY",
        b" MOTOROLA",
        b" WAVE",
        b"TRACK 01 MODE1/2352",
        b"TRACK 02 AUDIO",
        b"TRACK 99 MODE1/2048",
        b"TRACK 03 MODE2/2352",
        b"INDEX 01 00:00:00",
        b"INDEX 00 99:59:74",
        b"INDEX 02 ",
        b"PREGAP 00:02:00",
        b"POSTGAP 99:00:00",
        b"FLAGS PRE DCP",
        b"ISRC ",
        b"CATALOG ",
        b"REM SESSION 01",
        b"\n",
        b"\r\n",
        b"\r",
        b"\t",
        b" ",
        b":",
        b"../",
        b"\0",
        b"\xef\xbb\xbf",
        b"\xff",
    ];
    let r = fuzz("cue sheet", &cue_seeds(), dict, |d| {
        // Read as burn reads it: lossy UTF-8.
        let text = String::from_utf8_lossy(d);
        let names = discrw::cuefile::file_names(&text);
        for n in &names {
            assert!(
                !n.contains('\n') && !n.contains('\r'),
                "name spans lines: {n:?}"
            );
            assert!(text.contains(n), "{n:?}");
        }
        let sheet = match discrw::cuefile::parse(&text) {
            Ok(s) => s,
            Err(e) => {
                // Errors name a line of the text (or 0 for the whole sheet).
                assert!(e.line <= text.len() + 1, "{e}");
                return;
            }
        };
        assert!(!sheet.tracks.is_empty());
        // Lay it out against small, odd and huge file sizes: never a panic, and a layout
        // that is accepted is consistent.
        for size in [0u64, 2352 * 10, 2048 * 7 + 1, u64::MAX / 4] {
            let sizes = vec![size; sheet.files.len()];
            if let Ok(l) = discrw::cuefile::layout(&sheet, &sizes) {
                assert_eq!(l.tracks.len(), sheet.tracks.len());
                let mut at = -150i64;
                for e in &l.extents {
                    assert_eq!(e.lba, at, "extents are contiguous");
                    at += e.sectors as i64;
                }
                assert_eq!(at, l.leadout);
                for t in &l.tracks {
                    assert!(t.start < t.end, "{t:?}");
                    let specs = discrw::scsi::cue::TrackSpec {
                        number: t.number,
                        control: 0,
                        data_form: 0,
                        scms: t.flags.scms,
                        isrc: t.isrc,
                        indexes: t.indexes.clone(),
                    };
                    let c = discrw::scsi::cue::session(l.catalog.as_ref(), &[specs], l.leadout);
                    assert_eq!(c.len() % 8, 0);
                }
            }
        }
    });
    assert!(r.executions > 0);
}

// ---------------------------------------------------------------------------------------
// The harness itself: it must find the classic parser bug, trusting a length field.

#[test]
#[should_panic(expected = "fuzz planted_length_trust: panic at execution")]
fn harness_finds_a_planted_length_bug() {
    // A toy answer: byte 1 says how many bytes follow; the planted bug believes it.
    let seeds = vec![Seed::new("toy", &[0x00, 0x02, 0xAA, 0xBB]).len_at(1, 1)];
    fuzz("planted_length_trust", &seeds, &[], |d| {
        if d.len() >= 2 {
            let n = usize::from(d[1]);
            let _ = d[2..2 + n].len();
        }
    });
}

#[test]
#[should_panic(expected = "fuzz planted_deep: panic at execution")]
fn harness_finds_a_planted_deep_bug() {
    // Only an input of at least 40 bytes with 42h at byte 37 panics: havoc has to grow
    // the seed and hit one byte value.
    let seeds = vec![Seed::new("toy", &[0u8; 16])];
    fuzz("planted_deep", &seeds, &[], |d| {
        assert!(!(d.len() >= 40 && d[37] == 0x42), "planted");
    });
}
