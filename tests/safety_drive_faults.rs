//! Drive faults from docs/reliability.md, at the drive layer (through `Drive`'s public API
//! over a scripted transport): each test pins the defined outcome of one fault that the
//! unit tests in src/drive/tests.rs and src/scsi/retry.rs do not already pin end to end.
//! Job-level rows (rip, burn, verify over the emulated drive) live with those commands.

mod common;

use common::script::{Reply, Script, blank_dvd_plus_r};
use discrw::clock::{Clock, SharedClock, VirtualClock};
use discrw::drive::{Drive, DriveErrorKind, MediaStatus};
use discrw::scsi::Profile;
use discrw::scsi::retry::FailureClass;
use std::sync::Arc;
use std::time::Duration;

fn drive(s: Script) -> (Drive<Script>, Arc<VirtualClock>) {
    let clock = VirtualClock::shared();
    let shared: SharedClock = clock.clone();
    (Drive::with_clock(s, shared), clock)
}

const READ10: u8 = 0x28;
const WRITE10: u8 = 0x2A;

#[test]
fn flaky_sector_read_succeeds_on_retry() {
    // 03/11/00 twice, then the sector reads: the data are returned, three READs sent.
    let (mut d, _) = drive(
        Script::default()
            .once(&[READ10], Reply::Sense(0x03, 0x11, 0x00))
            .once(&[READ10], Reply::Sense(0x03, 0x11, 0x00))
            .on(&[READ10], Reply::Data(vec![0x5A; 2048])),
    );
    let mut buf = vec![0u8; 2048];
    d.read_10(5000, 1, &mut buf, false)
        .expect("third read succeeds");
    assert_eq!(buf, vec![0x5A; 2048]);
    assert_eq!(d.transport().count(READ10), 3);
}

#[test]
fn reset_attention_mid_job_is_retried_bounded() {
    // 06/29/00 is reported instead of executing the command: sending it again is safe,
    // also for a write.
    let (mut d, _) = drive(
        Script::default()
            .once(&[WRITE10], Reply::Sense(0x06, 0x29, 0x00))
            .on(&[WRITE10], Reply::Good),
    );
    d.write_10(100, 1, &[1u8; 2048], false)
        .expect("write after the reset");
    assert_eq!(d.transport().count(WRITE10), 2);
    // A drive that keeps resetting: bounded, then a one-line unit attention error.
    let (mut d, _) = drive(Script::default().on(&[READ10], Reply::Sense(0x06, 0x29, 0x00)));
    let mut buf = vec![0u8; 2048];
    let e = d.read_10(7, 1, &mut buf, false).unwrap_err();
    assert_eq!(e.class(), FailureClass::UnitAttention);
    assert_eq!(d.transport().count(READ10), 4);
    assert!(
        e.to_string().contains("(06/29/00)") && !e.to_string().contains('\n'),
        "{e}"
    );
}

#[test]
fn becoming_ready_during_a_read_is_polled() {
    // 02/04/01 on the command itself: polled at the policy's interval, then read.
    let (mut d, clock) = drive(
        Script::default()
            .once(&[READ10], Reply::Sense(0x02, 0x04, 0x01))
            .once(&[READ10], Reply::Sense(0x02, 0x04, 0x01))
            .on(&[READ10], Reply::Data(vec![1; 2048])),
    );
    let mut buf = vec![0u8; 2048];
    d.read_10(0, 1, &mut buf, false)
        .expect("ready after two polls");
    assert_eq!(d.transport().count(READ10), 3);
    assert_eq!(clock.now(), Duration::from_secs(1));
}

#[test]
fn tray_opened_mid_write_fails_as_no_medium_without_retry() {
    // The tray was opened: the next command meets 02/3A/02 (medium not present, tray open).
    let (mut d, _) = drive(Script::default().on(&[WRITE10], Reply::Sense(0x02, 0x3A, 0x02)));
    let e = d.write_10(4096, 1, &[0u8; 2048], false).unwrap_err();
    assert!(e.is_media_absent(), "{e}");
    assert_eq!(d.transport().count(WRITE10), 1);
    assert_eq!(
        e.to_string(),
        "WRITE(10) at LBA 4096: NOT READY, medium not present - tray open (02/3A/02)"
    );
}

#[test]
fn media_changed_under_a_write_is_never_resent() {
    // A new disc must never receive the rest of an old burn: the write that met 06/28/00
    // fails at once (even though a second attempt would succeed) and the change is
    // flagged for the job.
    let (mut d, _) = drive(
        Script::default()
            .once(&[WRITE10], Reply::Sense(0x06, 0x28, 0x00))
            .on(&[WRITE10], Reply::Good),
    );
    let e = d.write_10(300, 1, &[9u8; 2048], false).unwrap_err();
    assert!(matches!(e.kind, DriveErrorKind::MediumChanged(_)), "{e}");
    assert_eq!(d.transport().count(WRITE10), 1);
    assert!(d.take_media_changed());
}

#[test]
fn write_faults_fail_once_with_their_class() {
    // (sense, expected class): loss of streaming, write error, invalid address for write,
    // illegal mode for this track, power calibration area error.
    let cases = [
        ((0x03, 0x0C, 0x09), FailureClass::WriteError),
        ((0x03, 0x0C, 0x00), FailureClass::WriteError),
        ((0x05, 0x21, 0x02), FailureClass::InvalidAddress),
        ((0x05, 0x64, 0x00), FailureClass::IllegalRequest),
        ((0x03, 0x73, 0x03), FailureClass::WriteError),
    ];
    for ((k, a, q), class) in cases {
        let (mut d, _) = drive(Script::default().on(&[WRITE10], Reply::Sense(k, a, q)));
        let e = d.write_10(64, 1, &[0u8; 2048], false).unwrap_err();
        assert_eq!(e.class(), class, "{k:02X}/{a:02X}/{q:02X}: {e}");
        assert_eq!(
            d.transport().count(WRITE10),
            1,
            "{k:02X}/{a:02X}/{q:02X} was retried"
        );
        let line = e.to_string();
        assert!(
            line.starts_with("WRITE(10) at LBA 64: ")
                && line.ends_with(&format!("({k:02X}/{a:02X}/{q:02X})")),
            "{line}"
        );
    }
}

#[test]
fn recovered_power_calibration_is_success() {
    // 01/73/01 power calibration area almost full: RECOVERED ERROR, the write happened.
    let (mut d, _) = drive(Script::default().on(&[WRITE10], Reply::Sense(0x01, 0x73, 0x01)));
    d.write_10(0, 1, &[0u8; 2048], false)
        .expect("recovered error is success");
    assert_eq!(d.transport().count(WRITE10), 1);
}

#[test]
fn command_timeout_on_write_is_not_repeated_on_read_is_bounded() {
    // SG_IO reports a timeout as host_status DID_TIME_OUT (03h). The write may have
    // reached the medium: never repeated blindly. A read is retried a bounded number.
    let (mut d, _) = drive(Script::default().on(&[WRITE10], Reply::Host(0x03)));
    let e = d.write_10(10, 1, &[0u8; 2048], false).unwrap_err();
    assert_eq!(e.class(), FailureClass::Transport);
    assert_eq!(d.transport().count(WRITE10), 1);

    let (mut d, _) = drive(Script::default().on(&[READ10], Reply::Host(0x03)));
    let mut buf = vec![0u8; 2048];
    let e = d.read_10(10, 1, &mut buf, false).unwrap_err();
    assert_eq!(e.class(), FailureClass::Transport);
    assert_eq!(d.transport().count(READ10), 3);
    assert!(e.to_string().contains("host_status 0x03"), "{e}");
}

/// A blank DVD+R on a writer whose GET PERFORMANCE answers 05/24/00 (invalid field in
/// CDB) but whose page 2Ah lists write speeds.
fn dvd_plus_r_without_get_performance() -> Script {
    // MODE SENSE(10) header + page 2Ah (MMC-3 layout): buffer 2048 KiB, two write speed
    // descriptors 11080 and 5540 kB/s.
    #[rustfmt::skip]
    let page_2a = vec![
        0x00, 0x2E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x2A, 0x26, 0x3B, 0x37, 0xF1, 0x77, 0x29, 0x23, 0x10, 0x89, 0x01, 0x00, 0x08, 0x00,
        0x10, 0x89, 0x00, 0x00, 0x2B, 0x48, 0x2B, 0x48, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x2B, 0x48, 0x00, 0x02, 0x00, 0x00, 0x2B, 0x48, 0x00, 0x00, 0x15, 0xA4,
    ];
    Script::default()
        .on(&[0x00], Reply::Good)
        .on(
            &[0x46],
            Reply::Data(blank_dvd_plus_r::CONFIGURATION.to_vec()),
        )
        .on(
            &[0x51],
            Reply::Data(blank_dvd_plus_r::DISC_INFORMATION.to_vec()),
        )
        .on(
            &[0x52],
            Reply::Data(blank_dvd_plus_r::TRACK_INFORMATION.to_vec()),
        )
        .on(&[0x5A], Reply::Data(page_2a))
        .on(&[0xAC], Reply::Sense(0x05, 0x24, 0x00))
}

#[test]
fn invalid_field_on_an_optional_command_falls_back() {
    let (mut d, _) = drive(dvd_plus_r_without_get_performance());
    let i = d
        .media_info()
        .expect("05/24/00 on GET PERFORMANCE is not a failure");
    assert_eq!(i.profile, Profile::DvdPlusR);
    assert_eq!(i.status, MediaStatus::Blank);
    assert_eq!(i.write_speeds_kbps, vec![0x2B48, 0x15A4]);
    assert_eq!(i.buffer_size_bytes, Some(2048 * 1024));
    assert_eq!(d.transport().count(0xAC), 1, "optional command retried");
}
