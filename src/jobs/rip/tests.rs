//! The rip job over a scripted source: an in-memory disc with faults at chosen LBAs.

use super::*;
use crate::drive::{DriveError, DriveErrorKind};
use crate::jobs::NoProgress;
use crate::media::{Lba, MediumInfo};
use crate::scsi::retry::FailureClass;
use std::collections::HashMap;
use std::time::Instant;

/// A failed read of class `class` (as the drive layer would have classified its sense).
fn failure(class: FailureClass, what: impl Into<String>) -> MediaError {
    MediaError::Drive(DriveError::new(
        "READ(10)",
        None,
        DriveErrorKind::BadRequest(what.into()),
        class,
    ))
}

thread_local! {
    /// Skip the image reservation (to test a disk that fills up during the rip).
    pub static NO_RESERVE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A disc in memory. `bad` LBAs always fail; `flaky` LBAs fail that many times first;
/// reads at or past `readable_end` fail as ILLEGAL REQUEST.
pub struct Scripted {
    pub data: Vec<u8>,
    pub info: MediumInfo,
    pub bad: Vec<u64>,
    pub flaky: HashMap<u64, u32>,
    pub readable_end: u64,
    pub reads: u64,
    /// After this many reads, cancel (interruption test).
    pub cancel_after: Option<(u64, Cancel)>,
    pub max_transfer: usize,
    /// Raw reads: return EDC/ECC zeroed (as QEMU's ide-cd does).
    pub zero_edc: bool,
    /// Raw reads: LBAs whose data come back with one flipped bit (EDC must catch it).
    pub corrupt: Vec<u64>,
    /// Raw reads with C2 pointers: LBAs whose C2 bits come back set (data intact).
    pub c2_set: Vec<u64>,
    /// Reads covering the LBA fail this many times with this (busy drive) failure.
    pub transient: HashMap<u64, (u32, MediaError)>,
    /// Times `wait` was called.
    pub waits: u32,
}

/// The raw sector the scripted disc holds at `lba` (mode 1, or audio = the bytes as they are).
pub fn raw_sector(data: &[u8], lba: u64, audio: bool) -> [u8; 2352] {
    use crate::ecma130::*;
    let mut s = [0u8; 2352];
    if audio {
        let a = lba as usize * 2352;
        for (i, b) in s.iter_mut().enumerate() {
            *b = (a + i) as u8 ^ 0x55;
        }
        return s;
    }
    let a = lba as usize * 2048;
    let mut user = [0u8; 2048];
    user.copy_from_slice(&data[a..a + 2048]);
    encode_mode1(lba, &user)
}

impl Scripted {
    pub fn disc(sectors: u64, seed: u8) -> Scripted {
        let data: Vec<u8> = (0..sectors * 2048)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 11) as u8)
            .collect();
        Scripted {
            data,
            info: MediumInfo {
                profile: 0x10,
                profile_name: "DVD-ROM".into(),
                family: Some(Family::Dvd),
                capacity: Some(sectors),
                tracks: vec![Track {
                    number: 1,
                    session: 1,
                    start: Lba::new(0),
                    size: sectors,
                    data: true,
                    incremental: false,
                }],
                has_boundaries: true,
                toc_raw: vec![],
                c2: false,
            },
            bad: vec![],
            flaky: HashMap::new(),
            readable_end: sectors,
            reads: 0,
            cancel_after: None,
            max_transfer: 64 * 1024,
            zero_edc: false,
            corrupt: vec![],
            c2_set: vec![],
            transient: HashMap::new(),
            waits: 0,
        }
    }
}

impl SectorSource for Scripted {
    fn sector_count(&self) -> Option<u64> {
        None
    }
    fn read(
        &mut self,
        mode: ReadMode,
        lba: Lba,
        count: u32,
        buf: &mut [u8],
    ) -> Result<(), MediaError> {
        let lba = lba.get();
        self.reads += 1;
        if let Some((n, c)) = &self.cancel_after
            && self.reads >= *n
        {
            c.cancel();
        }
        let end = lba + u64::from(count);
        if end > self.readable_end {
            return Err(failure(FailureClass::InvalidAddress, "LBA out of range"));
        }
        for l in lba..end {
            if let Some((n, f)) = self.transient.get_mut(&l)
                && *n > 0
            {
                *n -= 1;
                return Err(f.clone());
            }
            if self.bad.contains(&l) {
                return Err(failure(
                    FailureClass::MediumError,
                    format!("unrecovered read error at {l}"),
                ));
            }
            if let Some(n) = self.flaky.get_mut(&l)
                && *n > 0
            {
                *n -= 1;
                return Err(failure(FailureClass::MediumError, format!("flaky {l}")));
            }
        }
        if let ReadMode::Raw { c2, subchannel } = mode {
            let stride = mode.bytes_per_sector();
            for (i, l) in (lba..end).enumerate() {
                let audio = self
                    .info
                    .tracks
                    .iter()
                    .any(|t| !t.data && l >= t.start.get() && l < t.end().get());
                let mut s = raw_sector(&self.data, l, audio);
                if self.zero_edc && !audio {
                    s[2064..].fill(0);
                }
                if self.corrupt.contains(&l) {
                    s[100] ^= 4;
                }
                let o = &mut buf[i * stride..(i + 1) * stride];
                o[..2352].copy_from_slice(&s);
                let mut at = 2352;
                if c2 {
                    o[at..at + 294].fill(0);
                    if self.c2_set.contains(&l) {
                        o[at + 17] = 0x40;
                    }
                    at += 294;
                }
                if subchannel {
                    o[at..at + 96].fill(l as u8);
                }
            }
            return Ok(());
        }
        let a = lba as usize * 2048;
        let len = count as usize * 2048;
        let src = self.data.get(a..a + len).unwrap_or(&[]);
        buf[..src.len()].copy_from_slice(src);
        buf[src.len()..len].fill(0);
        Ok(())
    }
    fn max_transfer_bytes(&self) -> usize {
        self.max_transfer
    }
}

impl Disc for Scripted {
    fn describe(&mut self) -> Result<MediumInfo, MediaError> {
        Ok(self.info.clone())
    }
    fn set_speed(&mut self, _: Family, _: Speed) -> Result<bool, MediaError> {
        Ok(false)
    }
    fn wait(&mut self, _: Duration) {
        self.waits += 1;
    }
    fn clock(&self) -> crate::clock::SharedClock {
        crate::clock::RealClock::shared()
    }
    fn name(&self) -> String {
        "scripted".into()
    }
}

fn opts(out: &Path) -> RipOptions {
    RipOptions {
        out: out.to_path_buf(),
        raw: false,
        subchannel: false,
        size: None,
        retries: 1,
        resume: false,
        speed: None,
        force: false,
    }
}

fn sha(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

/// A working directory, OUT in it (`disc.iso`), and a scripted disc of `sectors` sectors
/// of pattern `seed` to rip there.
fn disc_to_rip(sectors: u64, seed: u8) -> (tempfile::TempDir, PathBuf, Scripted) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("disc.iso");
    (d, out, Scripted::disc(sectors, seed))
}

/// A rip with no progress shown and no interruption.
fn rip_quiet(src: &mut impl Disc, o: &RipOptions) -> Result<RipReport, RipError> {
    rip(src, o, &NoProgress, &Cancel::new())
}

/// A complete rip: OUT holds `data`, and the report its SHA-256.
fn assert_exact(r: &RipReport, out: &Path, data: &[u8]) {
    assert!(r.complete, "{:?}", r.unreadable);
    assert_eq!(fs::read(out).unwrap(), data);
    assert_eq!(r.sha256.as_deref(), Some(sha(data).as_str()));
}

#[test]
fn clean_rip_is_exact_and_hashed() {
    let (d, out, mut src) = disc_to_rip(1000, 1);
    let r = rip_quiet(&mut src, &opts(&out)).unwrap();
    assert_exact(&r, &out, &src.data);
    let line = fs::read_to_string(d.path().join("disc.iso.sha256")).unwrap();
    assert_eq!(line, format!("{}  disc.iso\n", sha(&src.data)));
    let m = Mapfile::load(&d.path().join("disc.map")).unwrap();
    assert!(m.is_complete());
    // An existing OUT is not overwritten.
    let e = rip_quiet(&mut src, &opts(&out)).unwrap_err();
    assert!(matches!(e, RipError::Exists(_)), "{e}");
}

/// A file already at OUT.part (no map: not ours to resume) is kept without --force; with
/// --force it is replaced, and a symlink planted there is replaced, not written through.
#[test]
fn stale_part_is_kept_without_force_and_never_written_through() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("disc.iso");
    let part = d.path().join("disc.iso.part");
    let victim = d.path().join("victim");
    fs::write(&victim, b"not yours").unwrap();
    std::os::unix::fs::symlink(&victim, &part).unwrap();
    let mut src = Scripted::disc(300, 4);
    let e = rip_quiet(&mut src, &opts(&out)).unwrap_err();
    assert!(matches!(e, RipError::Usage(_)), "{e}");
    assert!(e.to_string().contains("--force"), "{e}");
    let mut o = opts(&out);
    o.force = true;
    let r = rip_quiet(&mut src, &o).unwrap();
    assert_exact(&r, &out, &src.data);
    assert_eq!(fs::read(&victim).unwrap(), b"not yours");
}

/// A drive that rejects the speed request (the scripted disc answers "not accepted") is
/// told about in a notice, not an error: the rip completes.
#[test]
fn rejected_speed_is_a_notice_not_an_error() {
    let (_d, out, mut src) = disc_to_rip(200, 5);
    let mut o = opts(&out);
    o.speed = Some(Speed::Times(4.0));
    let sink = crate::jobs::CollectProgress::default();
    let r = rip(&mut src, &o, &sink, &Cancel::new()).unwrap();
    assert!(r.complete);
    let events = sink.0.lock().unwrap();
    assert!(
        events.iter().any(|e| matches!(e, Event::Notice { message }
            if message.contains("did not accept the read speed"))),
        "{events:?}"
    );
}

#[test]
fn bad_sectors_are_isolated_and_listed() {
    let (d, out, mut src) = disc_to_rip(2000, 2);
    src.bad = vec![100, 101, 102, 1500];
    let r = rip_quiet(&mut src, &opts(&out)).unwrap();
    assert!(!r.complete);
    assert_eq!(r.unreadable, vec![(100, 3), (1500, 1)]);
    assert!(!out.exists());
    let part = fs::read(d.path().join("disc.iso.part")).unwrap();
    for l in 0..2000u64 {
        if !src.bad.contains(&l) {
            let a = l as usize * 2048;
            assert_eq!(part[a..a + 2048], src.data[a..a + 2048], "LBA {l}");
        }
    }
    let m = Mapfile::load(&d.path().join("disc.map")).unwrap();
    assert_eq!(m.total(crate::mapfile::BlockStatus::BadSector), 4 * 2048);
}

#[test]
fn flaky_sectors_are_recovered_by_retries() {
    let (_d, out, mut src) = disc_to_rip(500, 3);
    src.flaky.insert(40, 2);
    src.flaky.insert(41, 1);
    let mut o = opts(&out);
    o.retries = 2;
    let r = rip_quiet(&mut src, &o).unwrap();
    assert_exact(&r, &out, &src.data);
}

#[test]
fn interrupted_rip_resumes_to_the_same_image() {
    let (d, out, mut src) = disc_to_rip(3000, 4);
    src.max_transfer = 32 * 2048;
    let cancel = Cancel::new();
    src.cancel_after = Some((20, cancel.clone()));
    let e = rip(&mut src, &opts(&out), &NoProgress, &cancel).unwrap_err();
    assert!(matches!(e, RipError::Interrupted(_)), "{e}");
    let m = Mapfile::load(&d.path().join("disc.map")).unwrap();
    assert!(!m.is_complete());
    assert!(m.total(crate::mapfile::BlockStatus::Finished) > 0);
    // Without --resume the partial rip is not clobbered.
    let e = rip_quiet(&mut src, &opts(&out)).unwrap_err();
    assert!(matches!(e, RipError::Usage(_)), "{e}");
    src.cancel_after = None;
    let mut o = opts(&out);
    o.resume = true;
    let r = rip_quiet(&mut src, &o).unwrap();
    assert_exact(&r, &out, &src.data);
}

#[test]
fn resume_against_another_disc_is_refused() {
    let (_d, out, mut src) = disc_to_rip(1000, 5);
    src.bad = vec![10];
    rip_quiet(&mut src, &opts(&out)).unwrap();
    let mut other = Scripted::disc(1000, 6);
    let mut o = opts(&out);
    o.resume = true;
    let e = rip_quiet(&mut other, &o).unwrap_err();
    assert!(matches!(e, RipError::Identity(_)), "{e}");
    // The same disc, now readable, finishes.
    src.bad.clear();
    let r = rip_quiet(&mut src, &o).unwrap();
    assert_exact(&r, &out, &src.data);
}

#[test]
fn over_reporting_capacity_rips_to_the_track() {
    let (_d, out, mut src) = disc_to_rip(1000, 7);
    src.info.capacity = Some(1150);
    let r = rip_quiet(&mut src, &opts(&out)).unwrap();
    assert!(r.complete);
    assert_eq!(r.sectors, 1000);
}

#[test]
fn tao_run_out_is_not_an_error() {
    let (_d, out, mut src) = disc_to_rip(1002, 8);
    src.info.profile = 9;
    src.info.family = Some(Family::Cd);
    src.info.tracks[0].incremental = true;
    src.readable_end = 1000;
    let r = rip_quiet(&mut src, &opts(&out)).unwrap();
    assert!(r.complete, "{:?}", r.unreadable);
    assert_eq!(r.sectors, 1000);
    assert_eq!(r.size.source, size::SizeSource::TrackLessRunOut);
    assert_eq!(fs::read(&out).unwrap(), src.data[..1000 * 2048]);
}

/// GNU ddrescue's own tool reads our map and finds exactly the bad sectors. A missing
/// ddrescuelog fails the test (tests/packages.txt installs gddrescue).
#[test]
fn ddrescuelog_reads_the_map() {
    let (d, out, mut src) = disc_to_rip(1200, 9);
    src.bad = vec![7, 600, 601];
    let r = rip_quiet(&mut src, &opts(&out)).unwrap();
    assert!(!r.complete);
    let map = d.path().join("disc.map");
    let run = |args: &[&str]| {
        let o = std::process::Command::new("ddrescuelog")
            .args(args)
            .arg(&map)
            .output()
            .unwrap_or_else(|e| panic!("ddrescuelog is needed (apt-get install gddrescue): {e}"));
        assert!(o.status.success(), "ddrescuelog {args:?}: {o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let status = run(&["-t"]);
    assert!(status.contains("bad-sector"), "{status}");
    let listed: Vec<u64> = run(&["-b", "2048", "-l-"])
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    assert_eq!(listed, vec![7, 600, 601]);
}

/// A disc that costs nothing to read (for measuring the pipeline, not the drive).
struct Pattern {
    inner: Scripted,
}

impl SectorSource for Pattern {
    fn sector_count(&self) -> Option<u64> {
        None
    }
    fn read(
        &mut self,
        _: ReadMode,
        lba: Lba,
        count: u32,
        buf: &mut [u8],
    ) -> Result<(), MediaError> {
        let lba = lba.get();
        for (i, s) in buf[..count as usize * 2048]
            .chunks_exact_mut(2048)
            .enumerate()
        {
            s[..8].copy_from_slice(&(lba + i as u64).to_le_bytes());
        }
        Ok(())
    }
    fn max_transfer_bytes(&self) -> usize {
        1 << 20
    }
}

impl Disc for Pattern {
    fn describe(&mut self) -> Result<MediumInfo, MediaError> {
        Ok(self.inner.info.clone())
    }
    fn set_speed(&mut self, _: Family, _: Speed) -> Result<bool, MediaError> {
        Ok(false)
    }
    fn wait(&mut self, _: Duration) {}
    fn clock(&self) -> crate::clock::SharedClock {
        crate::clock::RealClock::shared()
    }
    fn name(&self) -> String {
        "pattern".into()
    }
}

/// `cargo test --release --lib -- --ignored pipeline_throughput --nocapture`: the rip
/// pipeline alone (no drive), 2 GiB to a temporary file.
#[test]
#[ignore]
fn pipeline_throughput() {
    let sectors = 1 << 20;
    let mut inner = Scripted::disc(1, 0);
    inner.info.capacity = Some(sectors);
    inner.info.tracks[0].size = sectors;
    inner.readable_end = sectors;
    let mut src = Pattern { inner };
    let d = tempfile::tempdir_in(std::env::var("RIP_BENCH_DIR").unwrap_or("/tmp".into())).unwrap();
    let out = d.path().join("big.iso");
    let t = Instant::now();
    let r = rip_quiet(&mut src, &opts(&out)).unwrap();
    let s = t.elapsed().as_secs_f64();
    assert!(r.complete);
    eprintln!(
        "pipeline: {} MB in {s:.2} s = {:.0} MB/s",
        sectors * 2048 / 1_000_000,
        (sectors * 2048) as f64 / s / 1e6
    );
}

#[test]
#[ignore]
fn sha256_throughput() {
    let buf = vec![7u8; 1 << 20];
    let t = Instant::now();
    let mut h = Sha256::new();
    for _ in 0..1024 {
        h.update(&buf);
    }
    let _ = h.finalize();
    eprintln!(
        "sha256: {:.0} MB/s",
        (1u64 << 30) as f64 / t.elapsed().as_secs_f64() / 1e6
    );
    let t = Instant::now();
    let mut v = vec![0u8; 1 << 20];
    for i in 0..1024 {
        v.fill(i as u8);
    }
    eprintln!(
        "fill: {:.0} MB/s",
        (1u64 << 30) as f64 / t.elapsed().as_secs_f64() / 1e6
    );
}

fn cd_with_audio(data_sectors: u64, audio_sectors: u64) -> Scripted {
    let mut src = Scripted::disc(data_sectors + audio_sectors, 10);
    src.info.profile = 8;
    src.info.profile_name = "CD-ROM".into();
    src.info.family = Some(Family::Cd);
    src.info.tracks = vec![
        Track {
            number: 1,
            session: 1,
            start: Lba::new(0),
            size: data_sectors,
            data: true,
            incremental: false,
        },
        Track {
            number: 2,
            session: 1,
            start: Lba::new(data_sectors),
            size: audio_sectors,
            data: false,
            incremental: false,
        },
    ];
    src
}

fn expected_bin(src: &Scripted) -> Vec<u8> {
    let mut v = Vec::new();
    for t in &src.info.tracks {
        for l in t.start.get()..t.end().get() {
            v.extend_from_slice(&raw_sector(&src.data, l, !t.data));
        }
    }
    v
}

#[test]
fn raw_rip_takes_every_track_checks_edc_and_writes_a_cue() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("disc.bin");
    let mut src = cd_with_audio(300, 100);
    let mut o = opts(&out);
    o.raw = true;
    o.subchannel = true;
    let r = rip_quiet(&mut src, &o).unwrap();
    assert!(r.complete, "{:?}", r.unreadable);
    let bin = fs::read(&out).unwrap();
    assert_eq!(bin, expected_bin(&src));
    assert_eq!(r.sha256.unwrap(), sha(&bin));
    let cue = fs::read_to_string(d.path().join("disc.cue")).unwrap();
    assert_eq!(
        cue,
        "FILE \"disc.bin\" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n  \
         TRACK 02 AUDIO\n    INDEX 01 00:04:00\n"
    );
    let sub = fs::read(d.path().join("disc.sub")).unwrap();
    assert_eq!(sub.len(), 400 * 96);
    assert!(sub[96 * 7..96 * 8].iter().all(|&b| b == 7));
}

#[test]
fn raw_rip_flags_sectors_whose_edc_fails() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("disc.bin");
    let mut src = cd_with_audio(300, 0);
    src.info.tracks.pop();
    src.corrupt = vec![123];
    let mut o = opts(&out);
    o.raw = true;
    o.retries = 1;
    let r = rip_quiet(&mut src, &o).unwrap();
    assert!(!r.complete);
    assert_eq!(r.unreadable, vec![(123, 1)]);
}

#[test]
fn raw_rip_reports_zeroed_edc_not_bad_sectors() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("disc.bin");
    let mut src = cd_with_audio(200, 0);
    src.info.tracks.pop();
    src.zero_edc = true;
    let mut o = opts(&out);
    o.raw = true;
    let r = rip_quiet(&mut src, &o).unwrap();
    assert!(r.complete, "{:?}", r.unreadable);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("zeroed EDC/ECC fields for 200 of 200")),
        "{:?}",
        r.notes
    );
}

#[test]
fn raw_refuses_dvd() {
    let d = tempfile::tempdir().unwrap();
    let mut src = Scripted::disc(100, 1);
    let mut o = opts(&d.path().join("x.bin"));
    o.raw = true;
    let e = rip_quiet(&mut src, &o).unwrap_err();
    assert!(matches!(e, RipError::Media(_)), "{e}");
}

#[test]
#[ignore]
fn ecma130_check_throughput() {
    let src = Scripted::disc(64, 1);
    let sectors: Vec<[u8; 2352]> = (0..64).map(|l| raw_sector(&src.data, l, false)).collect();
    let t = Instant::now();
    let n = 200_000u64;
    for i in 0..n {
        let l = i % 64;
        assert_eq!(
            crate::ecma130::check_data_sector(&sectors[l as usize], l),
            crate::ecma130::Verdict::Good
        );
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!("ecma130 check: {:.0} MB/s", (n * 2352) as f64 / s / 1e6);
}

#[test]
#[ignore]
fn ecma130_parts_throughput() {
    let src = Scripted::disc(64, 1);
    let sectors: Vec<[u8; 2352]> = (0..64).map(|l| raw_sector(&src.data, l, false)).collect();
    let n = 200_000usize;
    let t = Instant::now();
    let mut x = 0u32;
    for i in 0..n {
        x ^= crate::ecma130::edc(&sectors[i % 64][..2064]);
    }
    eprintln!(
        "edc: {:.0} MB/s {x}",
        (n * 2352) as f64 / t.elapsed().as_secs_f64() / 1e6
    );
    let t = Instant::now();
    let mut y = 0u8;
    for i in 0..n {
        y ^= crate::ecma130::ecc(&sectors[i % 64])[5];
    }
    eprintln!(
        "ecc: {:.0} MB/s {y}",
        (n * 2352) as f64 / t.elapsed().as_secs_f64() / 1e6
    );
}

#[test]
fn busy_drive_mid_rip_is_waited_for_not_an_error() {
    let (d, out, mut src) = disc_to_rip(800, 11);
    src.transient.insert(
        300,
        (
            3,
            failure(FailureClass::NotReady, "02/04/01 becoming ready"),
        ),
    );
    src.transient.insert(
        600,
        (
            1,
            failure(FailureClass::UnitAttention, "06/29/00 power on or reset"),
        ),
    );
    let r = rip_quiet(&mut src, &opts(&out)).unwrap();
    assert_exact(&r, &out, &src.data);
    assert_eq!(src.waits, 4);
    let m = Mapfile::load(&d.path().join("disc.map")).unwrap();
    assert_eq!(m.total(crate::mapfile::BlockStatus::BadSector), 0);
}

#[test]
fn drive_that_never_becomes_ready_stops_the_rip_with_the_map_saved() {
    let (d, out, mut src) = disc_to_rip(800, 12);
    src.transient.insert(
        400,
        (
            u32::MAX,
            failure(FailureClass::NotReady, "02/04/01 becoming ready"),
        ),
    );
    let e = rip_quiet(&mut src, &opts(&out)).unwrap_err();
    assert!(matches!(e, RipError::Drive(_)), "{e}");
    let m = Mapfile::load(&d.path().join("disc.map")).unwrap();
    assert!(m.total(crate::mapfile::BlockStatus::Finished) >= 300 * 2048);
    assert_eq!(m.total(crate::mapfile::BlockStatus::BadSector), 0);
}

#[test]
fn c2_pointers_flag_sectors_when_the_drive_offers_them() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("disc.bin");
    let mut src = cd_with_audio(200, 50);
    src.info.c2 = true;
    src.c2_set = vec![17, 210];
    let mut o = opts(&out);
    o.raw = true;
    o.retries = 0;
    let r = rip_quiet(&mut src, &o).unwrap();
    assert_eq!(r.unreadable, vec![(17, 1), (210, 1)]);
    // The main channel of the other sectors is stored without the C2 bytes.
    let part = fs::read(d.path().join("disc.bin.part")).unwrap();
    let want = expected_bin(&src);
    assert_eq!(part.len(), want.len());
    assert!(part[..17 * 2352] == want[..17 * 2352]);
    assert!(part[18 * 2352..210 * 2352] == want[18 * 2352..210 * 2352]);
}

fn tool(name: &str, args: &[&std::ffi::OsStr], dir: &Path) -> std::process::Output {
    let o = std::process::Command::new(name)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed (tests/packages.txt): {e}"));
    assert!(o.status.success(), "{name} {args:?}: {o:?}");
    o
}

/// bchunk (an independent .bin/.cue reader) splits our .bin by our .cue into the data
/// track's 2048-byte user data and the audio track's samples; cdrdao reads the .cue too.
#[test]
fn cue_sheet_is_read_by_bchunk_and_cdrdao() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("disc.bin");
    let mut src = cd_with_audio(300, 100);
    let mut o = opts(&out);
    o.raw = true;
    let r = rip_quiet(&mut src, &o).unwrap();
    assert!(r.complete);
    tool(
        "bchunk",
        &["disc.bin".as_ref(), "disc.cue".as_ref(), "t".as_ref()],
        d.path(),
    );
    let iso = fs::read(d.path().join("t01.iso")).unwrap();
    assert!(iso == src.data[..300 * 2048], "bchunk's track 1 differs");
    // Without -s, bchunk copies the audio track's 2352-byte frames as they are.
    let cdr = fs::read(d.path().join("t02.cdr")).unwrap();
    let bin = fs::read(&out).unwrap();
    assert!(cdr == bin[300 * 2352..], "bchunk's track 2 differs");
    let o = tool(
        "cdrdao",
        &["show-toc".as_ref(), "disc.cue".as_ref()],
        d.path(),
    );
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "TRACK 1 Mode MODE1_RAW:",
        "START 00:00:00( 0) END 00:04:00( 300)",
        "TRACK 2 Mode AUDIO:",
        "START 00:04:00( 300) END 00:05:25( 400)",
    ] {
        assert!(squashed.contains(want), "{want}: {text}");
    }
}

/// A tmpfs of `kib` KiB, unmounted on drop. Needs root (CI runs as root); failing to mount
/// fails the test loudly.
struct TinyFs {
    dir: tempfile::TempDir,
}

impl TinyFs {
    fn new(kib: u32) -> TinyFs {
        let dir = tempfile::tempdir().unwrap();
        let o = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap_or_else(|e| panic!("mount is needed for the disk-full test: {e}"));
        assert!(
            o.status.success(),
            "mounting a small tmpfs for the disk-full test needs root: {o:?}"
        );
        TinyFs { dir }
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn disk_full_is_found_before_reading_with_a_clear_error() {
    let fs_ = TinyFs::new(1024);
    let out = fs_.dir.path().join("disc.iso");
    let mut src = Scripted::disc(2000, 13);
    let e = rip_quiet(&mut src, &opts(&out)).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, RipError::Write(_)), "{msg}");
    assert!(msg.contains("not enough space"), "{msg}");
    assert!(
        msg.contains(&format!("needs {} bytes", 2000 * 2048)),
        "{msg}"
    );
    assert!(
        src.reads < 16,
        "only the size probes and identity were read"
    );
    let left: Vec<_> = fs::read_dir(fs_.dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The disk fills up during the rip (another writer took the space after the image was
/// checked): the rip stops with the write error, and the
/// map never claims more than the image holds.
#[test]
fn disk_full_mid_rip_stops_with_a_consistent_map() {
    let fs_ = TinyFs::new(1024);
    let out = fs_.dir.path().join("disc.iso");
    let mut src = Scripted::disc(2000, 14);
    let sink = FillAfter {
        path: fs_.dir.path().join("filler"),
        done: std::sync::atomic::AtomicBool::new(false),
    };
    // Reserve nothing: the test sink fills the disk when the copying phase starts, so
    // the (sparse) image's writes hit ENOSPC.
    let e = rip_sparse(&mut src, &opts(&out), &sink).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, RipError::Write(_)), "{msg}");
    assert!(msg.contains("No space left on device"), "{msg}");
    assert!(msg.contains("--resume"), "{msg}");
    assert!(!out.exists());
    let m = Mapfile::load(&fs_.dir.path().join("disc.map")).unwrap();
    let part = fs::read(fs_.dir.path().join("disc.iso.part")).unwrap();
    for b in m.ranges(crate::mapfile::BlockStatus::Finished) {
        let (a, z) = (b.pos as usize, b.end() as usize);
        assert!(part[a..z] == src.data[a..z], "map claims {a}..{z}");
    }
    assert!(!m.is_complete());
}

struct FillAfter {
    path: PathBuf,
    done: std::sync::atomic::AtomicBool,
}

impl ProgressSink for FillAfter {
    fn event(&self, e: &Event) {
        if matches!(e, Event::Phase { .. })
            && !self.done.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            // Leave 64 KiB: some chunks land, then the disk is full.
            if let Ok(mut f) = fs::File::create(&self.path) {
                use std::io::Write;
                let _ = f.write_all(&vec![1u8; 1024 * 1024 - 64 * 1024 - 8192]);
            }
        }
    }
}

fn rip_sparse(
    src: &mut Scripted,
    o: &RipOptions,
    sink: &dyn ProgressSink,
) -> Result<RipReport, RipError> {
    NO_RESERVE.with(|c| c.set(true));
    let r = rip(src, o, sink, &Cancel::new());
    NO_RESERVE.with(|c| c.set(false));
    r
}

/// A multi-session CD-R: the .iso holds the first session's data track, and the summary says
/// what it left out; --raw takes every track.
#[test]
fn multi_session_rips_the_first_session_and_says_what_was_left_out() {
    let (d, out, mut src) = disc_to_rip(1000, 15);
    src.info.profile = 9;
    src.info.profile_name = "CD-R".into();
    src.info.family = Some(Family::Cd);
    src.info.tracks = vec![
        Track {
            number: 1,
            session: 1,
            start: Lba::new(0),
            size: 600,
            data: true,
            incremental: false,
        },
        Track {
            number: 2,
            session: 2,
            start: Lba::new(700),
            size: 300,
            data: true,
            incremental: false,
        },
    ];
    let r = rip_quiet(&mut src, &opts(&out)).unwrap();
    assert!(r.complete);
    assert_eq!(r.sectors, 600);
    assert!(fs::read(&out).unwrap() == src.data[..600 * 2048]);
    let left = r.left_out.join("\n");
    assert!(
        left.contains("track 2 (session 2, data, LBA 700..1000) is not in the .iso"),
        "{left}"
    );
    assert!(left.contains("--raw takes all tracks"), "{left}");
    let mut o = opts(&d.path().join("disc.bin"));
    o.raw = true;
    let r = rip_quiet(&mut src, &o).unwrap();
    assert!(r.complete);
    assert_eq!(r.sectors, 900);
    let cue = fs::read_to_string(d.path().join("disc.cue")).unwrap();
    assert!(cue.contains("REM SESSION 02"), "{cue}");
}
