//! Drive tests against a scripted transport: CDB prefix → canned answer.

use super::*;
use crate::clock::{Clock, VirtualClock};
use crate::scsi::mmc::MediaEvent;
use std::sync::Arc;

// The scripted transport the integration tests use too.
#[path = "../../tests/common/script.rs"]
#[allow(dead_code)]
mod script;
use script::{Reply, Script};

fn drive(m: Script) -> (Drive<Script>, Arc<VirtualClock>) {
    let clock = VirtualClock::shared();
    (Drive::with_clock(m, clock.clone()), clock)
}

fn inquiry_bytes(pdt: u8, vendor: &[u8; 8], product: &[u8; 16], rev: &[u8; 4]) -> Vec<u8> {
    let mut d = vec![pdt, 0x80, 0x05, 0x32, 0x5B, 0, 0, 0];
    d.extend_from_slice(vendor);
    d.extend_from_slice(product);
    d.extend_from_slice(rev);
    d
}

#[test]
fn identify_and_not_mmc() {
    let (mut d, _) = drive(Script::default().on(
        &[0x12],
        Reply::Data(inquiry_bytes(5, b"QEMU    ", b"QEMU DVD-ROM    ", b"2.5+")),
    ));
    let id = d.identify().unwrap();
    assert_eq!(
        (id.vendor.as_str(), id.model.as_str(), id.revision.as_str()),
        ("QEMU", "QEMU DVD-ROM", "2.5+")
    );
    assert_eq!(d.transport().log[0], vec![0x12, 0, 0, 0, 96, 0]);

    let (mut d, _) = drive(Script::default().on(
        &[0x12],
        Reply::Data(inquiry_bytes(0, b"ATA     ", b"SAMSUNG SSD     ", b"1B6Q")),
    ));
    let e = d.identify().unwrap_err();
    assert_eq!(
        e.to_string(),
        "INQUIRY: not an MMC device (peripheral device type 00h, expected 05h)"
    );
}

#[test]
fn error_line_names_command_lba_and_sense() {
    let (mut d, _) = drive(Script::default().on(&[0x2A], Reply::Sense(3, 0x0C, 0)));
    let e = d.write_10(1234, 1, &[0u8; 2048], false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "WRITE(10) at LBA 1234: MEDIUM ERROR, write error (03/0C/00)"
    );
    assert_eq!(e.class(), FailureClass::WriteError);
    assert_eq!(e.sense().map(|s| (s.asc, s.ascq)), Some((0x0C, 0)));
    assert!(!e.is_unsupported() && !e.is_media_absent());
    // Never retried.
    assert_eq!(d.transport().count(0x2A), 1);
    assert_eq!(
        d.transport().log[0],
        vec![0x2A, 0, 0, 0, 0x04, 0xD2, 0, 0, 1, 0]
    );
}

#[test]
fn read_short_transfer_is_an_error_not_a_panic() {
    // Drive returns 2048 of 4096 bytes with GOOD (residual 2048).
    let (mut d, _) = drive(Script::default().on(&[0x28], Reply::Data(vec![0xAB; 2048])));
    let mut buf = vec![0u8; 4096];
    let e = d.read_10(16, 2, &mut buf, false).unwrap_err();
    assert!(matches!(
        e.kind,
        DriveErrorKind::Data(ParseError::Short {
            got: 2048,
            need: 4096,
            ..
        })
    ));
    assert_eq!(e.lba, Some(16));
    // Whole answer: fine.
    let (mut d, _) = drive(Script::default().on(&[0x28], Reply::Data(vec![0xCD; 4096])));
    d.read_10(16, 2, &mut buf, false).unwrap();
    assert_eq!(buf[4095], 0xCD);
    // Buffer not a whole number of blocks: refused before sending.
    let e = d.read_10(16, 3, &mut buf, false).unwrap_err();
    assert!(matches!(e.kind, DriveErrorKind::BadRequest(_)));
}

#[test]
fn short_parser_input_is_an_error() {
    // READ DISC INFORMATION answered with only 10 bytes.
    let (mut d, _) =
        drive(Script::default().on(&[0x51], Reply::Data(vec![0, 8, 0x0E, 1, 1, 1, 1, 0, 0, 0])));
    let e = d.read_disc_information().unwrap_err();
    assert!(
        matches!(
            e.kind,
            DriveErrorKind::Data(ParseError::Short { got: 10, .. })
        ),
        "{e}"
    );
    assert!(e.is_optional_miss());
}

#[test]
fn read_medium_error_retried_then_reported_with_lba() {
    let (mut d, clock) = drive(Script::default().on(&[0x28], Reply::Sense(3, 0x11, 0x05)));
    let mut buf = vec![0u8; 2048];
    let e = d.read_10(777, 1, &mut buf, false).unwrap_err();
    assert_eq!(d.transport().count(0x28), 4);
    assert_eq!(
        e.to_string(),
        "READ(10) at LBA 777: MEDIUM ERROR, l-ec uncorrectable error (03/11/05)"
    );
    assert_eq!(clock.now(), Duration::from_millis(300));
}

#[test]
fn transport_error_stale_bytes_are_discarded() {
    // GET PERFORMANCE fails with DID_ERROR and leaves bytes that would parse as a speed.
    let mut stale = vec![0, 0, 0, 0x14, 0, 0, 0, 0];
    stale.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2B, 0x48, 0, 0, 0x2B, 0x48]);
    let (mut d, _) = drive(Script::default().on(&[0xAC], Reply::Stale(stale)));
    let e = d.get_write_speeds().unwrap_err();
    assert_eq!(e.class(), FailureClass::Transport);
    assert!(
        e.to_string()
            .starts_with("GET PERFORMANCE: transport error (host_status 0x07"),
        "{e}"
    );
    assert!(e.is_optional_miss());
    // Retried a bounded number of times.
    assert_eq!(d.transport().count(0xAC), 3);
}

#[test]
fn long_write_in_progress_backs_off_then_succeeds() {
    let (mut d, clock) = drive(
        Script::default()
            .once(&[0x2A], Reply::Sense(2, 0x04, 0x08))
            .once(&[0x2A], Reply::Sense(2, 0x04, 0x08))
            .on(&[0x2A], Reply::Good),
    );
    d.write_10(0, 16, &[7u8; 32768], false).unwrap();
    assert_eq!(d.transport().count(0x2A), 3);
    assert_eq!(clock.now(), Duration::from_millis(300));
    assert_eq!(d.transport().written.len(), 3);
}

#[test]
fn media_change_during_write_fails_and_flags() {
    let (mut d, _) = drive(Script::default().on(&[0x2A], Reply::Sense(6, 0x28, 0)));
    let e = d.write_10(0, 1, &[0u8; 2048], false).unwrap_err();
    assert!(matches!(e.kind, DriveErrorKind::MediumChanged(_)));
    assert_eq!(d.transport().count(0x2A), 1);
    assert!(d.take_media_changed());
    assert!(!d.take_media_changed());
    // A read is retried once after the change.
    let (mut d, _) = drive(
        Script::default()
            .once(&[0x25], Reply::Sense(6, 0x28, 0))
            .on(&[0x25], Reply::Data(vec![0, 0, 0x10, 0, 0, 0, 8, 0])),
    );
    assert_eq!(d.read_capacity_10().unwrap().last_lba, 0x1000);
    assert!(d.take_media_changed());
}

#[test]
fn wait_ready_polls_on_virtual_clock() {
    let (mut d, clock) = drive(
        Script::default()
            .once(&[0x00], Reply::Sense(6, 0x28, 0))
            .once(&[0x00], Reply::Sense(2, 0x04, 0x01))
            .once(&[0x00], Reply::Sense(2, 0x04, 0x01))
            .on(&[0x00], Reply::Good),
    );
    let shared: SharedClock = clock.clone();
    d.wait_ready(&shared, Duration::from_secs(30)).unwrap();
    assert_eq!(clock.now(), Duration::from_secs(1));
    assert_eq!(d.transport().count(0x00), 4);
    assert!(d.take_media_changed());

    // No medium: nothing to wait for.
    let (mut d, clock) = drive(Script::default().on(&[0x00], Reply::Sense(2, 0x3A, 0x01)));
    let shared: SharedClock = clock.clone();
    let e = d.wait_ready(&shared, Duration::from_secs(30)).unwrap_err();
    assert!(e.is_media_absent());
    assert_eq!(
        e.to_string(),
        "TEST UNIT READY: NOT READY, medium not present - tray closed (02/3A/01)"
    );
    assert_eq!(clock.now(), Duration::ZERO);

    // Never ready: gives up within the bound.
    let (mut d, clock) = drive(Script::default().on(&[0x00], Reply::Sense(2, 0x04, 0x01)));
    let shared: SharedClock = clock.clone();
    let e = d.wait_ready(&shared, Duration::from_secs(2)).unwrap_err();
    assert_eq!(e.class(), FailureClass::NotReady);
    assert!(clock.now() <= Duration::from_secs(2));
    assert_eq!(d.transport().count(0x00), 5);

    // A drive that keeps reporting a media change still ends within the bound.
    let (mut d, clock) = drive(Script::default().on(&[0x00], Reply::Sense(6, 0x28, 0)));
    let shared: SharedClock = clock.clone();
    let e = d.wait_ready(&shared, Duration::from_secs(3)).unwrap_err();
    assert_eq!(e.class(), FailureClass::UnitAttention);
    assert!(clock.now() <= Duration::from_secs(3));

    // Blank with Immed: operation in progress for a while, then ready.
    let mut m = Script::default();
    for _ in 0..5 {
        m = m.once(&[0x00], Reply::Sense(2, 0x04, 0x07));
    }
    let (mut d, clock) = drive(m.on(&[0x00], Reply::Good));
    let shared: SharedClock = clock.clone();
    d.wait_ready(&shared, Duration::from_secs(600)).unwrap();
    assert_eq!(
        clock.now(),
        Duration::from_millis(100 + 200 + 400 + 800 + 1600)
    );
}

#[test]
fn long_operation_timeouts_depend_on_immed() {
    struct T(Vec<Duration>);
    impl Transport for T {
        fn execute(&mut self, _: &[u8], _: DataDirection<'_>, t: Duration) -> Outcome {
            self.0.push(t);
            Outcome::Good { transferred: 0 }
        }
        fn name(&self) -> &str {
            "t"
        }
        fn max_transfer_bytes(&self) -> usize {
            65536
        }
    }
    let mut d = Drive::with_clock(T(vec![]), VirtualClock::shared());
    d.blank(BlankingType::Full, false, 0).unwrap();
    d.blank(BlankingType::Minimal, true, 0).unwrap();
    d.synchronize_cache_10(false).unwrap();
    d.close_track_session(CloseFunction::Session, 0, false)
        .unwrap();
    d.format_unit(0, 0x26, 0, 0, true).unwrap();
    let t = &d.transport().0;
    assert!(t[0] >= Duration::from_secs(3600));
    assert_eq!(t[1], SHORT);
    assert!(t[2] >= Duration::from_secs(600));
    assert!(t[3] >= Duration::from_secs(600));
    assert_eq!(t[4], SHORT);
}

#[test]
fn cdbs_and_data_sent_by_drive_methods() {
    let (mut d, _) = drive(Script::default().on(&[], Reply::Good));
    d.eject().unwrap();
    d.format_unit(2_295_104, 0x26, 0, 0, true).unwrap();
    d.send_cue_sheet(&[0x41, 0, 0, 0x14, 0, 0, 0, 0]).unwrap();
    d.set_streaming(0, 0x0023_05BF, 0, 11080).unwrap();
    d.mode_select_10(&[0x85, 0x32, 0x41]).unwrap();
    let m = d.transport();
    assert_eq!(m.log[0], vec![0x1B, 0, 0, 0, 0x02, 0]);
    assert_eq!(m.log[1], vec![0x04, 0x11, 0, 0, 0, 0]);
    assert_eq!(
        m.written[0],
        vec![0, 0x02, 0, 8, 0x00, 0x23, 0x05, 0x40, 0x98, 0, 0, 0]
    );
    assert_eq!(m.log[2], vec![0x5D, 0, 0, 0, 0, 0, 0, 0, 8, 0]);
    assert_eq!(m.log[3][..11], [0xB6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28]);
    assert_eq!(m.written[2].len(), 28);
    // MODE SELECT: 8-byte header, page with PS cleared.
    assert_eq!(m.log[4], vec![0x55, 0x10, 0, 0, 0, 0, 0, 0, 11, 0]);
    assert_eq!(m.written[3], vec![0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x32, 0x41]);
}

#[test]
fn event_status_and_profiles() {
    let mut cfg = vec![0, 0, 0, 0x10, 0, 0, 0x00, 0x09];
    cfg.extend_from_slice(&[
        0, 0, 0x03, 0x08, 0x00, 0x09, 0x01, 0x00, 0x00, 0x0A, 0x00, 0x00,
    ]);
    let (mut d, _) = drive(
        Script::default()
            .on(&[0x4A], Reply::Data(vec![0, 6, 4, 0x5E, 0x02, 0x02, 0, 0]))
            .on(&[0x46], Reply::Data(cfg)),
    );
    let e = d.get_event_status_notification().unwrap();
    assert_eq!(e.event, Some(MediaEvent::NewMedia));
    let (cur, all) = d.profiles().unwrap();
    assert_eq!(cur, Profile::CdR);
    assert_eq!(all, vec![(Profile::CdR, true), (Profile::CdRw, false)]);
    assert_eq!(
        d.transport().log[1],
        vec![0x46, 0x02, 0, 0, 0, 0, 0, 0x20, 0x00, 0]
    );
}

// ---- media_info ------------------------------------------------------------------------

fn config_with_profile(p: u16) -> Vec<u8> {
    let [a, b] = p.to_be_bytes();
    vec![
        0, 0, 0, 0x0C, 0, 0, a, b, 0, 0, 0x03, 0x04, a, b, 0x01, 0x00,
    ]
}

fn disc_info(status_byte: u8, sessions: u8, last_track: u8) -> Vec<u8> {
    let mut d = vec![0u8; 34];
    d[1] = 0x20;
    d[2] = status_byte;
    d[3] = 1;
    d[4] = sessions;
    d[5] = last_track;
    d[6] = last_track;
    d[8] = 0xFF;
    d
}

/// A DVD-ROM in a QEMU-like drive: no READ TRACK INFORMATION, GET PERFORMANCE, READ
/// BUFFER CAPACITY; MODE SENSE page 2A fails with DID_ERROR and stale bytes.
fn qemu_dvd_rom() -> Script {
    let toc = vec![
        0x00, 0x12, 0x01, 0x01, 0x00, 0x14, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x14, 0xAA, 0x00, 0x00,
        0x05, 0x00, 0x00,
    ];
    let mut stale_2a = vec![0x00, 0x1E, 0, 0, 0, 0, 0, 0, 0x2A, 0x14];
    stale_2a.extend_from_slice(&[0xFF; 20]);
    Script::default()
        .on(&[0x00], Reply::Good)
        .on(&[0x46], Reply::Data(config_with_profile(0x0010)))
        .on(&[0x51], Reply::Data(disc_info(0x0E, 1, 1)))
        .on(&[0x52], Reply::Sense(5, 0x20, 0))
        .on(&[0x43, 0x00, 0x00], Reply::Data(toc))
        .on(
            &[0x43, 0x00, 0x01],
            Reply::Data(vec![0, 0x0A, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0]),
        )
        .on(
            &[0x25],
            Reply::Data(vec![0x00, 0x04, 0xFF, 0xFF, 0, 0, 0x08, 0]),
        )
        .on(&[0x5A], Reply::Stale(stale_2a))
        .on(&[0x5C], Reply::Sense(5, 0x20, 0))
}

#[test]
fn media_info_falls_back_to_toc_and_leaves_unsupported_fields_empty() {
    let (mut d, _) = drive(qemu_dvd_rom());
    let i = d.media_info().unwrap();
    assert_eq!(i.profile, Profile::DvdRom);
    assert_eq!(i.status, MediaStatus::Complete);
    assert_eq!(i.tracks_from, Some("READ TOC/PMA/ATIP"));
    assert_eq!(i.tracks.len(), 1);
    assert_eq!(
        (i.tracks[0].number, i.tracks[0].start, i.tracks[0].size),
        (1, 0, Some(0x50000))
    );
    assert_eq!(i.tracks[0].data, Some(true));
    assert_eq!(i.capacity_blocks, Some(0x50000));
    assert_eq!(i.block_length, Some(2048));
    // Page 2A's stale bytes after DID_ERROR were not parsed; READ BUFFER CAPACITY rejected.
    assert_eq!(i.buffer_size_bytes, None);
    assert!(i.write_speeds_kbps.is_empty());
    assert_eq!(i.media_id, None);
    assert_eq!(d.transport().count(0x52), 1);
    let json = serde_json::to_string(&i).unwrap();
    assert!(json.contains(r#""status":"complete""#), "{json}");
    assert!(json.contains(r#""name":"DVD-ROM""#), "{json}");
}

#[test]
fn media_info_without_medium() {
    let (mut d, _) = drive(Script::default().on(&[0x00], Reply::Sense(2, 0x3A, 0x00)));
    let i = d.media_info().unwrap();
    assert_eq!(i.status, MediaStatus::None);
    assert_eq!(i.profile, Profile::NoProfile);
    assert_eq!(d.media_status().unwrap(), MediaStatus::None);
}

#[test]
fn media_info_blank_dvd_plus_r() {
    // tgt-like blank DVD+R plus a drive that has GET PERFORMANCE and page 2A.
    let mut ti = vec![
        0x00, 0x2E, 0x01, 0x01, 0x00, 0x07, 0x60, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x23, 0x05,
        0x40, 0x00, 0x00, 0x00, 0x10, 0x00, 0x23, 0x05, 0x40, 0, 0, 0, 0,
    ];
    ti.extend_from_slice(&[0; 16]);
    let mut perf = vec![0, 0, 0, 0x24, 0, 0, 0, 0];
    perf.extend_from_slice(&[
        0x02, 0, 0, 0, 0, 0x23, 0x05, 0x3F, 0, 0, 0x2B, 0x48, 0, 0, 0x2B, 0x48,
    ]);
    perf.extend_from_slice(&[
        0x02, 0, 0, 0, 0, 0x23, 0x05, 0x3F, 0, 0, 0x56, 0x90, 0, 0, 0x56, 0x90,
    ]);
    let mut page = vec![0u8; 32];
    page[0] = 0x2A;
    page[1] = 30;
    page[12..14].copy_from_slice(&[0x08, 0x00]);
    let mut ms = vec![0x00, 38, 0, 0, 0, 0, 0, 0];
    ms.extend_from_slice(&page);
    let mut adip = vec![0x01, 0x02, 0, 0];
    let mut a = vec![0u8; 256];
    a[19..27].copy_from_slice(b"MCC     ");
    a[27..30].copy_from_slice(b"004");
    adip.extend_from_slice(&a);
    let m = Script::default()
        .on(&[0x00], Reply::Good)
        .on(&[0x46], Reply::Data(config_with_profile(0x001B)))
        .on(&[0x51], Reply::Data(disc_info(0x00, 1, 1)))
        .on(&[0x52, 0x01, 0, 0, 0, 1], Reply::Data(ti))
        .on(&[0x25], Reply::Data(vec![0; 8]))
        .on(&[0x5A], Reply::Data(ms))
        .on(&[0xAC], Reply::Data(perf))
        .on(&[0xAD, 0, 0, 0, 0, 0, 0, 0x11], Reply::Data(adip));
    let (mut d, _) = drive(m);
    let i = d.media_info().unwrap();
    assert_eq!(i.profile, Profile::DvdPlusR);
    assert_eq!(i.status, MediaStatus::Blank);
    assert_eq!(i.tracks_from, Some("READ TRACK INFORMATION"));
    assert_eq!(i.next_writable_address, Some(0));
    assert_eq!(i.free_blocks, Some(2_295_104));
    assert_eq!(i.capacity_blocks, None);
    assert_eq!(i.write_speeds_kbps, vec![22160, 11080]);
    assert_eq!(i.buffer_size_bytes, Some(2048 * 1024));
    assert_eq!(i.media_id.as_deref(), Some("MCC/004"));
    // READ CAPACITY is not asked on blank media.
    assert_eq!(d.transport().count(0x25), 0);
}

#[test]
fn media_info_cd_r_speeds_from_page_2a_and_atip() {
    let mut ti = vec![0u8; 36];
    ti[1] = 0x22;
    ti[2] = 1;
    ti[3] = 1;
    ti[5] = 0x04;
    ti[6] = 0x01;
    ti[7] = 0x02;
    ti[24..28].copy_from_slice(&[0, 0, 0x10, 0]);
    ti[28..32].copy_from_slice(&[0, 0, 0x0F, 0xFF]);
    let mut ti2 = vec![0u8; 36];
    ti2[1] = 0x22;
    ti2[2] = 2;
    ti2[3] = 2;
    ti2[6] = 0x40;
    ti2[7] = 0x01;
    ti2[8..12].copy_from_slice(&[0, 0, 0x1A, 0x9A]);
    ti2[12..16].copy_from_slice(&[0, 0, 0x1A, 0x9A]);
    ti2[16..20].copy_from_slice(&[0, 4, 0, 0]);
    let mut page = vec![0u8; 40];
    page[0] = 0x2A;
    page[1] = 38;
    page[18..20].copy_from_slice(&[0x1B, 0x90]);
    page[30..32].copy_from_slice(&[0, 2]);
    page[32..36].copy_from_slice(&[0, 0, 0x0D, 0xC8]);
    page[36..40].copy_from_slice(&[0, 0, 0x1B, 0x90]);
    let mut ms = vec![0x00, 46, 0, 0, 0, 0, 0, 0];
    ms.extend_from_slice(&page);
    let atip = vec![
        0, 0x1A, 0, 0, 0xD5, 0x40, 0x90, 0, 97, 26, 66, 0, 79, 59, 74, 0,
    ];
    let m = Script::default()
        .on(&[0x00], Reply::Good)
        .on(&[0x46], Reply::Data(config_with_profile(0x0009)))
        .on(&[0x51], Reply::Data(disc_info(0x05, 2, 2)))
        .on(&[0x52, 0x01, 0, 0, 0, 1], Reply::Data(ti))
        .on(&[0x52, 0x01, 0, 0, 0, 2], Reply::Data(ti2))
        .on(&[0x25], Reply::Data(vec![0, 0, 0x0F, 0xFF, 0, 0, 0x08, 0]))
        .on(&[0x5A], Reply::Data(ms))
        .on(&[0xAC], Reply::Sense(5, 0x24, 0))
        .on(
            &[0x5C],
            Reply::Data(vec![0, 10, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0]),
        )
        .on(&[0x43, 0x02, 0x04], Reply::Data(atip));
    let (mut d, _) = drive(m);
    let i = d.media_info().unwrap();
    assert_eq!(i.status, MediaStatus::Appendable);
    assert_eq!(i.sessions, 2);
    assert_eq!(i.tracks.len(), 2);
    assert_eq!(i.tracks[0].last_recorded_address, Some(0x0FFF));
    assert_eq!(i.tracks[1].blank, Some(true));
    assert_eq!(i.next_writable_address, Some(0x1A9A));
    assert_eq!(i.free_blocks, Some(0x40000));
    assert_eq!(i.capacity_blocks, Some(0x1000));
    assert_eq!(i.write_speeds_kbps, vec![7056, 3528]);
    // Page 2A says 0 KiB buffer: READ BUFFER CAPACITY answers instead.
    assert_eq!(i.buffer_size_bytes, Some(2 * 1024 * 1024));
    assert_eq!(
        i.media_id.as_deref(),
        Some("ATIP lead-in 97:26:66 (CMC Magnetics)")
    );
}

#[test]
fn media_info_propagates_real_failures() {
    // Hardware error on READ DISC INFORMATION is not an optional miss.
    let (mut d, _) = drive(
        Script::default()
            .on(&[0x00], Reply::Good)
            .on(&[0x46], Reply::Data(config_with_profile(0x0010)))
            .on(&[0x51], Reply::Sense(4, 0x44, 0)),
    );
    let e = d.media_info().unwrap_err();
    assert_eq!(
        e.to_string(),
        "READ DISC INFORMATION: HARDWARE ERROR, internal target failure (04/44/00)"
    );
}
