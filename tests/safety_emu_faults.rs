//! Faults of docs/reliability.md on the emulated drive (`virtual create --faults`), seen
//! through `Drive`: the same drive layer the jobs use, against a drive model we did not
//! script command by command. Job-level outcomes (exit codes, mapfiles, a burn that stops)
//! are the rip and burn tests' part; these pin what the drive layer hands the jobs.

use discrw::clock::{Clock, SharedClock, VirtualClock};
use discrw::drive::{Drive, DriveErrorKind, MediaStatus};
use discrw::emu::{CreateOptions, EmuDrive};
use discrw::scsi::retry::{FailureClass, RetryPolicy};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

struct Disc {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// A medium file of `kind`, holding `image_blocks` blocks of a known pattern when given.
fn disc(kind: &str, image_blocks: Option<u32>, faults: Option<&str>) -> Disc {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("disc.vd");
    let from = image_blocks.map(|n| {
        let img = dir.path().join("img.iso");
        std::fs::write(&img, pattern(0, n)).expect("image");
        img
    });
    let o = CreateOptions {
        kind: kind.parse().expect("kind"),
        from,
        capacity: None,
        faults: faults.map(str::to_string),
    };
    discrw::emu::create(&path, &o).expect("virtual create");
    Disc { _dir: dir, path }
}

/// Block `lba` of the image holds its LBA in every byte pair.
fn pattern(first: u32, blocks: u32) -> Vec<u8> {
    (first..first + blocks)
        .flat_map(|lba| std::iter::repeat_n((lba as u16).to_be_bytes(), 1024).flatten())
        .collect()
}

fn open(path: &Path) -> (Drive<EmuDrive>, Arc<VirtualClock>) {
    let clock = VirtualClock::shared();
    let shared: SharedClock = clock.clone();
    let emu = EmuDrive::open(path, shared.clone()).expect("open medium");
    (Drive::with_clock(emu, shared), clock)
}

fn read(
    d: &mut Drive<EmuDrive>,
    lba: u32,
    blocks: u16,
) -> Result<Vec<u8>, discrw::drive::DriveError> {
    let mut buf = vec![0u8; 2048 * usize::from(blocks)];
    d.read_10(lba, blocks, &mut buf, false).map(|_| buf)
}

#[test]
fn medium_error_at_given_lbas_is_reported_with_the_lba() {
    let disc = disc("dvd-rom", Some(64), Some("medium-error@20-21"));
    let (mut d, _) = open(&disc.path);
    assert_eq!(read(&mut d, 19, 1).unwrap(), pattern(19, 1));
    let e = read(&mut d, 20, 1).unwrap_err();
    assert_eq!(e.class(), FailureClass::MediumError);
    assert_eq!(e.lba, Some(20));
    assert!(e.to_string().ends_with("(03/11/00)"), "{e}");
    assert_eq!(read(&mut d, 22, 1).unwrap(), pattern(22, 1));
}

#[test]
fn flaky_sector_reads_after_retries() {
    // Fails twice, then reads: within the policy's three read retries.
    let disc = disc("dvd-rom", Some(64), Some("flaky@30x2"));
    let (mut d, _) = open(&disc.path);
    assert_eq!(read(&mut d, 30, 1).unwrap(), pattern(30, 1));
    assert_eq!(
        d.transport().stats().reads,
        3,
        "the fault did not fire twice"
    );
}

/// The same fault with retries off must fail: proof that the fault fires and that the
/// success above came from the retry, not from a fault that never happened.
fn fails_without_retries(spec: &str, lba: u32) -> discrw::drive::DriveError {
    let disc = disc("dvd-rom", Some(64), Some(spec));
    let (mut d, _) = open(&disc.path);
    d.set_retry_policy(RetryPolicy {
        read_retries: 0,
        transport_retries: 0,
        unit_attention_retries: 0,
        ..RetryPolicy::default()
    });
    read(&mut d, lba, 1).unwrap_err()
}

#[test]
fn the_retried_faults_are_live() {
    assert_eq!(
        fails_without_retries("flaky@30x2", 30).class(),
        FailureClass::MediumError
    );
    assert_eq!(
        fails_without_retries("host-error@5", 5).class(),
        FailureClass::Transport
    );
    assert_eq!(
        fails_without_retries("timeout@6", 6).class(),
        FailureClass::Transport
    );
}

#[test]
fn unit_attentions_mid_job_do_not_end_a_read() {
    // 06/28/00 at command 3 and 06/29/00 at command 5: both retried, data intact.
    let disc = disc("dvd-rom", Some(64), Some("unit-attention@cmd3,reset@cmd5"));
    let (mut d, _) = open(&disc.path);
    for lba in 0..8 {
        assert_eq!(read(&mut d, lba, 1).unwrap(), pattern(lba, 1), "LBA {lba}");
    }
    assert!(d.take_media_changed(), "06/28/00 not flagged to the job");
}

#[test]
fn not_ready_then_ready() {
    let disc = disc("dvd-rom", Some(16), Some("not-ready x4"));
    let (mut d, clock) = open(&disc.path);
    let shared: SharedClock = clock.clone();
    d.wait_ready(&shared, Duration::from_secs(30))
        .expect("becomes ready");
    assert!(clock.now() > Duration::ZERO && clock.now() <= Duration::from_secs(30));
    assert_eq!(read(&mut d, 0, 1).unwrap(), pattern(0, 1));
}

#[test]
fn no_medium_is_reported_not_waited_for() {
    let disc = disc("dvd-rom", Some(16), Some("no-medium"));
    let (mut d, clock) = open(&disc.path);
    assert_eq!(d.media_status().unwrap(), MediaStatus::None);
    let shared: SharedClock = clock.clone();
    let e = d.wait_ready(&shared, Duration::from_secs(30)).unwrap_err();
    assert!(e.is_media_absent(), "{e}");
    assert_eq!(clock.now(), Duration::ZERO);
}

#[test]
fn tray_opened_mid_job_fails_the_next_read() {
    let disc = disc("dvd-rom", Some(16), Some("tray-opened@cmd3"));
    let (mut d, _) = open(&disc.path);
    let mut failed = None;
    for lba in 0..6 {
        if let Err(e) = read(&mut d, lba, 1) {
            failed = Some(e);
            break;
        }
    }
    let e = failed.expect("the tray opened, yet every read succeeded");
    assert!(e.is_media_absent(), "{e}");
    assert!(e.to_string().ends_with("(02/3A/02)"), "{e}");
}

#[test]
fn host_error_stale_data_is_never_returned() {
    // DID_ERROR with garbage in the buffer, once: the read is retried and returns the
    // disc's data, not the garbage.
    let disc = disc("dvd-rom", Some(16), Some("host-error@5"));
    let (mut d, _) = open(&disc.path);
    assert_eq!(read(&mut d, 5, 1).unwrap(), pattern(5, 1));
}

#[test]
fn timeout_on_read_is_retried() {
    let disc = disc("dvd-rom", Some(16), Some("timeout@6"));
    let (mut d, _) = open(&disc.path);
    assert_eq!(read(&mut d, 6, 1).unwrap(), pattern(6, 1));
}

#[test]
fn short_transfer_is_an_error_with_the_lba_never_padding() {
    let disc = disc("dvd-rom", Some(16), Some("short-read@9"));
    let (mut d, _) = open(&disc.path);
    let e = read(&mut d, 8, 4).unwrap_err();
    assert!(
        matches!(e.kind, DriveErrorKind::Data(_)),
        "a short transfer must not pass as data: {e}"
    );
    assert_eq!(e.lba, Some(8));
}

/// Blank DVD+R: write `blocks` at the NWA the drive reports.
fn write_at_nwa(d: &mut Drive<EmuDrive>, blocks: u16) -> Result<u32, discrw::drive::DriveError> {
    let info = d.media_info().expect("media_info");
    let nwa = info.next_writable_address.expect("blank disc has an NWA");
    d.write_10(nwa, blocks, &pattern(nwa, blocks.into()), false)
        .map(|_| nwa)
}

#[test]
fn write_faults_fail_the_write_once() {
    for (spec, class, code) in [
        ("write-error@0", FailureClass::WriteError, "(03/0C/00)"),
        (
            "loss-of-streaming@0",
            FailureClass::WriteError,
            "(03/0C/09)",
        ),
        (
            "invalid-address@0",
            FailureClass::InvalidAddress,
            "(05/21/02)",
        ),
        ("power-calibration", FailureClass::WriteError, "(03/73/03)"),
    ] {
        let disc = disc("dvd+r", None, Some(spec));
        let (mut d, _) = open(&disc.path);
        let e = write_at_nwa(&mut d, 16).unwrap_err();
        assert_eq!(e.class(), class, "{spec}: {e}");
        assert!(e.to_string().ends_with(code), "{spec}: {e}");
    }
}

#[test]
fn long_write_in_progress_is_waited_out() {
    let disc = disc("dvd+r", None, Some("long-write@0x3"));
    let (mut d, clock) = open(&disc.path);
    write_at_nwa(&mut d, 16).expect("write after the drive caught up");
    assert!(clock.now() > Duration::ZERO, "no back-off on the clock");
}

#[test]
fn media_change_under_a_burn_stops_the_writes() {
    // The disc is swapped for a blank one mid-write: the write that meets 06/28/00 fails,
    // the change is flagged, and nothing is resent to the new disc.
    let disc = disc("dvd+r", None, Some("media-change@cmd12"));
    let (mut d, _) = open(&disc.path);
    let info = d.media_info().expect("media_info");
    let mut lba = info.next_writable_address.expect("NWA");
    let mut failed = None;
    for _ in 0..64 {
        match d.write_10(lba, 16, &pattern(lba, 16), false) {
            Ok(()) => lba += 16,
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let e = failed.expect("every write succeeded across a media change");
    assert!(matches!(e.kind, DriveErrorKind::MediumChanged(_)), "{e}");
    assert!(d.take_media_changed());
    // The new disc got none of the old burn.
    let info = d.media_info().expect("media_info on the new disc");
    assert_eq!(info.status, MediaStatus::Blank, "{info:?}");
}

/// Burn a blank DVD-R (BURN-Free follows page 05h BUFE there), stall the host for a minute
/// once the drive buffer is draining, and write again. `bufe`: set BUFE first.
fn stall_mid_burn(bufe: bool) -> (Result<(), discrw::drive::DriveError>, discrw::emu::Stats) {
    let disc = disc("dvd-r", None, None);
    let (mut d, clock) = open(&disc.path);
    let mut page = d.write_parameters_page().expect("page 05h");
    page.bufe = bufe;
    d.mode_select_10(&page.to_bytes()).expect("MODE SELECT");
    let info = d.media_info().expect("media_info");
    let mut lba = info.next_writable_address.expect("NWA");
    // Twice the 4 MiB drive buffer: it is full and draining onto the disc.
    for _ in 0..(8 << 20) / (16 * 2048) {
        d.write_10(lba, 16, &pattern(lba, 16), false)
            .expect("write before the stall");
        lba += 16;
    }
    clock.advance(Duration::from_secs(60));
    let r = d.write_10(lba, 16, &pattern(lba, 16), false);
    let stats = d.transport().stats();
    (r, stats)
}

#[test]
fn buffer_underrun_with_burn_free_is_survived() {
    let (r, stats) = stall_mid_burn(true);
    r.expect("BURN-Free on: the write after the stall succeeds");
    assert_eq!((stats.burnfree_events, stats.underruns), (1, 0));
}

#[test]
fn buffer_underrun_without_burn_free_fails_the_write() {
    let (r, stats) = stall_mid_burn(false);
    let e = r.unwrap_err();
    assert_eq!(e.class(), FailureClass::WriteError, "{e}");
    assert!(e.to_string().ends_with("(03/0C/09)"), "{e}");
    assert_eq!((stats.burnfree_events, stats.underruns), (0, 1));
}
