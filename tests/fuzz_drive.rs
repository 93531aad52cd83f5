//! Fuzz target for the drive layer as a whole: `Drive` over a transport whose every answer
//! comes from the fuzz input, so parsers, the retry loop, fallbacks and `media_info` meet
//! hostile drives together: garbage data, lying lengths, short transfers (resid), stale
//! buffers after transport errors, endless NOT READY / unit attentions / BUSY, odd errnos.
//!
//! Input layout (the "tape"): records `[opcode][sub][kind][len_hi][len_lo][payload...]`.
//! A command takes the next unused record for its opcode and sub-key (page code, TOC
//! format, structure format, performance type); when they are used up the last one repeats
//! (a drive stuck in one state), and an opcode with no record gets ILLEGAL REQUEST 05/20/00.
//!
//! Beyond "no panic", the transport and the driver check:
//! - every operation ends within a bounded number of commands (no endless retry loop);
//! - `wait_ready(max)` never waits past `max` on the clock;
//! - a WRITE answered with a transport error or a medium-change unit attention is never
//!   sent again (it may have landed; a new disc must not get the rest of an old burn);
//! - a READ that returns Ok had GOOD (or RECOVERED ERROR) with every byte transferred;
//! - every `DriveError` prints as one line.

mod common;

use common::script::{blank_dvd_plus_r, fixed_sense};

use common::fuzz::Seed;
use discrw::clock::{Clock, SharedClock, VirtualClock};
use discrw::drive::Drive;
use discrw::transport::{DataDirection, Outcome, Transport};
use std::sync::Arc;
use std::time::Duration;

/// Commands one input may cause before we call it an endless loop. The default policy
/// allows 7200 long-operation polls per command; a dozen operations stay well below this.
const MAX_COMMANDS: usize = 400_000;

struct Record {
    opcode: u8,
    sub: u8,
    kind: u8,
    payload: Vec<u8>,
    used: bool,
}

fn parse_tape(d: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 5 <= d.len() {
        let len = usize::from(u16::from_be_bytes([d[at + 3], d[at + 4]]));
        let end = (at + 5 + len).min(d.len());
        out.push(Record {
            opcode: d[at],
            sub: d[at + 1],
            kind: d[at + 2],
            payload: d[at + 5..end].to_vec(),
            used: false,
        });
        at = end;
    }
    out
}

/// The part of a CDB that selects which answer format the drive gives.
fn sub_key(cdb: &[u8]) -> u8 {
    let b = |i: usize| cdb.get(i).copied().unwrap_or(0);
    match b(0) {
        0x5A => b(2) & 0x3F, // MODE SENSE(10) page code
        0x43 => b(2) & 0x0F, // READ TOC/PMA/ATIP format
        0xAD => b(7),        // READ DISC STRUCTURE format
        0xAC => b(10),       // GET PERFORMANCE type
        _ => 0,
    }
}

fn is_write(opcode: u8) -> bool {
    matches!(opcode, 0x2A | 0xAA)
}

fn is_read(opcode: u8) -> bool {
    matches!(opcode, 0x28 | 0xA8 | 0xBE)
}

struct TapeDrive {
    records: Vec<Record>,
    commands: usize,
    /// WRITE CDBs that may have reached the medium without a clean answer.
    poisoned_writes: Vec<Vec<u8>>,
    /// The outcome of the last READ: (GOOD or RECOVERED with every byte).
    last_read_complete: bool,
}

const ILLEGAL_OPCODE: [u8; 18] = [
    0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20, 0x00, 0, 0, 0, 0,
];

impl Transport for TapeDrive {
    fn execute(&mut self, cdb: &[u8], mut data: DataDirection<'_>, _: Duration) -> Outcome {
        self.commands += 1;
        assert!(
            self.commands <= MAX_COMMANDS,
            "more than {MAX_COMMANDS} commands: endless loop on {cdb:02x?}"
        );
        let op = cdb[0];
        if is_write(op) {
            assert!(
                !self.poisoned_writes.iter().any(|w| w == cdb),
                "WRITE {cdb:02x?} sent again after a transport error or medium change"
            );
        }
        let sub = sub_key(cdb);
        let pick = self
            .records
            .iter()
            .position(|r| !r.used && r.opcode == op && r.sub == sub)
            .or_else(|| {
                self.records
                    .iter()
                    .rposition(|r| r.opcode == op && r.sub == sub)
            });
        let Some(i) = pick else {
            if is_read(op) {
                self.last_read_complete = false;
            }
            return Outcome::CheckCondition {
                sense: ILLEGAL_OPCODE.to_vec(),
                transferred: 0,
            };
        };
        self.records[i].used = true;
        let r = &self.records[i];
        let want = data.len();
        let fill = |data: &mut DataDirection<'_>| -> usize {
            match data {
                DataDirection::FromDevice(buf) => {
                    let n = r.payload.len().min(buf.len());
                    buf[..n].copy_from_slice(&r.payload[..n]);
                    n
                }
                _ => 0,
            }
        };
        let p0 = r.payload.first().copied();
        let outcome = match r.kind % 7 {
            0 => {
                let n = fill(&mut data);
                let transferred = if matches!(data, DataDirection::FromDevice(_)) {
                    n
                } else {
                    want
                };
                Outcome::Good { transferred }
            }
            1 => Outcome::CheckCondition {
                sense: r.payload.clone(),
                transferred: 0,
            },
            2 => {
                // Host adapter error: whatever is in the buffer is stale garbage.
                fill(&mut data);
                Outcome::TransportError {
                    host_status: u16::from(p0.unwrap_or(0x07)),
                    driver_status: 0,
                }
            }
            3 => Outcome::Status {
                status: p0.unwrap_or(0x08),
            },
            4 => Outcome::OsError {
                errno: i32::from(p0.unwrap_or(libc::EIO as u8)),
            },
            5 => {
                // GOOD with residual 0 but only the payload actually written.
                fill(&mut data);
                Outcome::Good { transferred: want }
            }
            _ => Outcome::CheckCondition {
                sense: r.payload.clone(),
                transferred: want,
            },
        };
        if is_write(op) {
            let medium_changed = match &outcome {
                Outcome::CheckCondition { sense, .. } => discrw::scsi::Sense::parse(sense)
                    .is_some_and(|s| s.sense_key.0 == 0x06 && s.asc == 0x28),
                _ => false,
            };
            if medium_changed || matches!(outcome, Outcome::TransportError { .. }) {
                self.poisoned_writes.push(cdb.to_vec());
            }
        }
        if is_read(op) {
            let recovered = match &outcome {
                Outcome::CheckCondition { sense, .. } => {
                    discrw::scsi::Sense::parse(sense).is_some_and(|s| s.sense_key.0 == 0x01)
                }
                _ => false,
            };
            self.last_read_complete = match outcome {
                Outcome::Good { transferred } => transferred == want,
                Outcome::CheckCondition { transferred, .. } => recovered && transferred == want,
                _ => false,
            };
        }
        outcome
    }
    fn name(&self) -> &str {
        "tape"
    }
    fn max_transfer_bytes(&self) -> usize {
        65536
    }
}

fn one_line(r: Result<impl Sized, discrw::drive::DriveError>) {
    if let Err(e) = r {
        let s = e.to_string();
        assert!(!s.contains('\n') && !s.is_empty(), "{s:?}");
    }
}

fn run_drive(d: &[u8]) {
    let clock = VirtualClock::shared();
    let shared: SharedClock = clock.clone();
    let t = TapeDrive {
        records: parse_tape(d),
        commands: 0,
        poisoned_writes: Vec::new(),
        last_read_complete: false,
    };
    let mut drive = Drive::with_clock(t, shared.clone());

    one_line(drive.identify());
    one_line(drive.media_info());
    one_line(drive.media_status());

    let mut buf = vec![0u8; 4 * 2048];
    let r = drive.read_10(100, 4, &mut buf, false);
    if r.is_ok() {
        assert!(
            drive.transport().last_read_complete,
            "READ(10) Ok without all data"
        );
    }
    one_line(r);

    let w = drive.write_10(200, 2, &[0x5A; 4096], false);
    one_line(w);
    one_line(drive.synchronize_cache_10(true));
    if let Ok(p) = drive.write_parameters_page() {
        one_line(drive.mode_select_10(&p.to_bytes()));
    }
    one_line(drive.read_format_capacities());
    one_line(drive.read_buffer_capacity());
    one_line(drive.read_full_toc());
    one_line(drive.get_event_status_notification());
    let _ = drive.take_media_changed();

    let max = Duration::from_secs(30);
    let t0 = clock.now();
    one_line(drive.wait_ready(&shared, max));
    let waited = clock.now() - t0;
    assert!(waited <= max, "wait_ready({max:?}) waited {waited:?}");
}

/// One tape record; returns (record bytes, offset of its length field within them).
fn rec(opcode: u8, sub: u8, kind: u8, payload: &[u8]) -> Vec<u8> {
    let n = payload.len() as u16;
    let mut v = vec![opcode, sub, kind];
    v.extend_from_slice(&n.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// A tape as a seed, with each record's length field marked for the mutator.
fn tape(name: &'static str, records: &[Vec<u8>]) -> Seed {
    let mut bytes = Vec::new();
    let mut fields = Vec::new();
    for r in records {
        fields.push(bytes.len() + 3);
        bytes.extend_from_slice(r);
    }
    let mut s = Seed::new(name, &bytes);
    for f in fields {
        s = s.len_at(f, 2);
    }
    s
}

const GOOD: u8 = 0;
const SENSE: u8 = 1;
const TRANSPORT: u8 = 2;
const STATUS: u8 = 3;
/// GOOD, residual 0, the payload at the start of the buffer (reads of whole sectors).
const FULL: u8 = 5;

/// Answers of a DVD writer holding a blank DVD+R, each from its spec table.
fn healthy_dvd_plus_r() -> Vec<Vec<u8>> {
    let mut inquiry = vec![0x05, 0x80, 0x05, 0x32, 0x1F, 0x00, 0x00, 0x00];
    inquiry.extend_from_slice(b"HL-DT-STDVDRAM GH24NSD1 RD01");
    let config = blank_dvd_plus_r::CONFIGURATION;
    let disc_info = blank_dvd_plus_r::DISC_INFORMATION;
    let track_info = blank_dvd_plus_r::TRACK_INFORMATION;
    #[rustfmt::skip]
    let page_2a = [
        0x00, 0x2E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x2A, 0x26, 0x3B, 0x37, 0xF1, 0x77, 0x29, 0x23, 0x10, 0x89, 0x01, 0x00, 0x08, 0x00,
        0x10, 0x89, 0x00, 0x00, 0x1B, 0x90, 0x1B, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x1B, 0x90, 0x00, 0x02, 0x00, 0x00, 0x1B, 0x90, 0x00, 0x00, 0x0D, 0xC8,
    ];
    let mut page_05 = vec![0x00, 0x3A, 0, 0, 0, 0, 0, 0, 0x05, 0x32, 0x41, 0x04, 0x08];
    page_05.resize(8 + 52, 0);
    #[rustfmt::skip]
    let write_speeds = [
        0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x23, 0x05, 0x3F, 0x00, 0x00, 0x56, 0xA0, 0x00, 0x00, 0x56, 0xA0,
    ];
    let buffer = [
        0x00, 0x0A, 0, 0, 0x00, 0x20, 0x00, 0x00, 0x00, 0x1F, 0xF8, 0x00,
    ];
    let mut adip = vec![0x00, 0x22, 0x00, 0x00];
    let mut p = vec![0u8; 32];
    p[19..27].copy_from_slice(b"RICOHJPN");
    p[27..30].copy_from_slice(b"R02");
    adip.extend_from_slice(&p);
    #[rustfmt::skip]
    let format_caps = [
        0x00, 0x00, 0x00, 0x08, 0x00, 0x23, 0x05, 0x40, 0x02, 0x00, 0x08, 0x00,
    ];
    #[rustfmt::skip]
    let full_toc = [
        0x00, 0x0D, 0x01, 0x01,
        0x01, 0x14, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    ];
    let event = [0x00, 0x06, 0x04, 0x5E, 0x02, 0x02, 0x00, 0x00];
    vec![
        rec(0x12, 0, GOOD, &inquiry),
        rec(0x00, 0, GOOD, &[]),
        rec(0x46, 0, GOOD, &config),
        rec(0x51, 0, GOOD, &disc_info),
        rec(0x52, 0, GOOD, &track_info),
        rec(0x5A, 0x2A, GOOD, &page_2a),
        rec(0x5A, 0x05, GOOD, &page_05),
        rec(0xAC, 0x03, GOOD, &write_speeds),
        rec(0x5C, 0, GOOD, &buffer),
        rec(0xAD, 0x11, GOOD, &adip),
        rec(0x28, 0, FULL, &[0xC3; 16]),
        rec(0x2A, 0, GOOD, &[]),
        rec(0x35, 0, GOOD, &[]),
        rec(0x55, 0, GOOD, &[]),
        rec(0x23, 0, GOOD, &format_caps),
        rec(0x43, 0x02, GOOD, &full_toc),
        rec(0x4A, 0, GOOD, &event),
    ]
}

fn seeds() -> Vec<Seed> {
    let healthy = healthy_dvd_plus_r();

    // A pressed CD-ROM on a drive without READ TRACK INFORMATION (QEMU-like): the TOC is
    // the fallback; no write commands.
    let mut inquiry = vec![0x05, 0x80, 0x05, 0x32, 0x1F, 0x00, 0x00, 0x00];
    inquiry.extend_from_slice(b"QEMU    QEMU DVD-ROM    2.5+");
    #[rustfmt::skip]
    let toc = [
        0x00, 0x12, 0x01, 0x01,
        0x00, 0x14, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x14, 0xAA, 0x00, 0x00, 0x04, 0x5A, 0x6B,
    ];
    let session = [
        0x00, 0x0A, 0x01, 0x01, 0x00, 0x14, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let capacity = [0x00, 0x04, 0x5A, 0x6A, 0x00, 0x00, 0x08, 0x00];
    let config = [0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x08];
    let cd_rom = vec![
        rec(0x12, 0, GOOD, &inquiry),
        rec(0x00, 0, GOOD, &[]),
        rec(0x46, 0, GOOD, &config),
        rec(0x51, 0, SENSE, &fixed_sense(0x05, 0x20, 0x00)),
        rec(0x43, 0x00, GOOD, &toc),
        rec(0x43, 0x01, GOOD, &session),
        rec(0x25, 0, GOOD, &capacity),
        rec(0x28, 0, FULL, &[0x11; 16]),
    ];

    // Faults from docs/reliability.md: power-on attention then becoming ready; a medium
    // error, then a transport error with stale data, then good data; a long write in
    // progress; BUSY.
    let mut faults = vec![
        rec(0x00, 0, SENSE, &fixed_sense(0x06, 0x29, 0x00)),
        rec(0x00, 0, SENSE, &fixed_sense(0x02, 0x04, 0x01)),
        rec(0x00, 0, GOOD, &[]),
        rec(0x28, 0, SENSE, &fixed_sense(0x03, 0x11, 0x00)),
        rec(0x28, 0, TRANSPORT, &[0xEE; 16]),
        rec(0x28, 0, FULL, &[0xC3; 16]),
        rec(0x2A, 0, SENSE, &fixed_sense(0x02, 0x04, 0x08)),
        rec(0x2A, 0, GOOD, &[]),
        rec(0x35, 0, STATUS, &[0x08]),
    ];
    faults.extend(healthy.iter().skip(2).cloned());

    // No medium at all, for ever.
    let no_medium = vec![rec(0x00, 0, SENSE, &fixed_sense(0x02, 0x3A, 0x00))];

    // The disc changes under a write: the write must not be sent again.
    let mut changed = vec![
        rec(0x2A, 0, SENSE, &fixed_sense(0x06, 0x28, 0x00)),
        rec(0x2A, 0, GOOD, &[]),
    ];
    changed.extend(healthy.iter().cloned());

    // Stuck: format in progress with a progress indication, for ever.
    let mut progress = fixed_sense(0x02, 0x04, 0x04);
    progress[15] = 0x80;
    progress[16] = 0x40;
    let stuck = vec![rec(0x00, 0, SENSE, &progress)];

    vec![
        tape("healthy DVD+R writer", &healthy),
        tape("QEMU-like CD-ROM", &cd_rom),
        tape("fault sequence", &faults),
        tape("no medium", &no_medium),
        tape("medium changed during write", &changed),
        tape("format in progress for ever", &stuck),
    ]
}

#[test]
fn fuzz_drive_layer() {
    // Each execution runs a dozen drive operations; half the parser count keeps the
    // time comparable (override with DISCRW_FUZZ_DRIVE_ITERS).
    let iters = std::env::var("DISCRW_FUZZ_DRIVE_ITERS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(common::fuzz::iterations() / 2);
    let dict: &[&[u8]] = &[
        &[0x70, 0, 0x06, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x28, 0x00],
        &[0x70, 0, 0x02, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x04, 0x08],
        &[0x70, 0, 0x03, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x0C, 0x09],
        &[0x72, 0x02, 0x04, 0x07, 0, 0, 0, 0],
        &[0x00, 0x00, 0x01],
        &[0x2A, 0x00, 0x02],
        &[0x28, 0x00, 0x02],
    ];
    common::fuzz::fuzz_n("drive_layer", iters, &seeds(), dict, run_drive);
}

#[test]
fn healthy_seed_gives_a_blank_dvd_plus_r() {
    // The seed tape is what a good drive says; media_info must read it as such, or the
    // fuzzing above starts from nonsense.
    let s = &seeds()[0];
    let t = TapeDrive {
        records: parse_tape(&s.bytes),
        commands: 0,
        poisoned_writes: Vec::new(),
        last_read_complete: false,
    };
    let clock: SharedClock = Arc::new(VirtualClock::new());
    let mut d = Drive::with_clock(t, clock);
    let m = d.media_info().expect("media_info");
    assert_eq!(m.profile, discrw::scsi::Profile::DvdPlusR);
    assert_eq!(m.status, discrw::drive::MediaStatus::Blank);
    assert_eq!(m.next_writable_address, Some(0));
    assert_eq!(m.free_blocks, Some(0x0023_0540));
    assert_eq!(m.media_id.as_deref(), Some("RICOHJPN/R02"));
}
