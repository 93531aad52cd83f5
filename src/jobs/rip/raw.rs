//! The raw CD rip's pieces: the checker stage of the pipeline (ECMA-130 checks of every
//! data sector, C2 pointers, subchannel split) and the .cue sheet.

use super::engine::{BadSector, Checker, Segment};
use crate::ecma130::{RAW, Verdict, check_data_sector};
use crate::media::Track;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The raw rip's checker stage: checks each data sector, honours C2 pointers, splits off
/// subchannel data and packs the 2352-byte main channel for the image. Forks (parallel
/// workers) share the counters.
#[derive(Clone)]
pub struct RawChecker {
    c2: bool,
    subchannel: bool,
    /// Image segments with "is data" for each.
    segments: Vec<(Segment, bool)>,
    zeroed: Arc<AtomicU64>,
    /// Data sectors whose header address was binary, not BCD (a drive quirk).
    binary_header: Arc<AtomicU64>,
    checked: Arc<AtomicU64>,
}

impl RawChecker {
    pub fn new(c2: bool, subchannel: bool, segments: &[Segment], tracks: &[Track]) -> Self {
        let segments = segments
            .iter()
            .zip(tracks.iter().map(|t| t.data).chain(std::iter::repeat(true)))
            .map(|(s, d)| (*s, d))
            .collect();
        RawChecker {
            c2,
            subchannel,
            segments,
            zeroed: Arc::default(),
            binary_header: Arc::default(),
            checked: Arc::default(),
        }
    }

    fn locate(&self, sector: u64) -> (u64, bool) {
        self.segments
            .iter()
            .find(|(s, _)| sector >= s.image_start && sector < s.image_start + s.count)
            .map(|(s, d)| (s.disc_lba + sector - s.image_start, *d))
            .unwrap_or((sector, true))
    }
}

impl Checker for RawChecker {
    fn check(
        &mut self,
        first: u64,
        count: u32,
        data: &mut [u8],
        sub: &mut Vec<u8>,
    ) -> Vec<BadSector> {
        let stride = RAW + if self.c2 { 294 } else { 0 } + if self.subchannel { 96 } else { 0 };
        let mut bad = Vec::new();
        let (mut checked, mut zeroed, mut binary) = (0, 0, 0);
        sub.clear();
        for k in 0..count as usize {
            let at = k * stride;
            let sector = first + k as u64;
            if self.c2 && data[at + RAW..at + RAW + 294].iter().any(|&b| b != 0) {
                bad.push(BadSector {
                    sector,
                    reason: "C2 error pointers set".into(),
                });
            }
            if self.subchannel {
                let s = at + stride - 96;
                sub.extend_from_slice(&data[s..s + 96]);
            }
            let (lba, is_data) = self.locate(sector);
            if is_data && let Ok(s) = <&[u8; RAW]>::try_from(&data[at..at + RAW]) {
                let v = check_data_sector(s, lba);
                checked += 1;
                if matches!(v, Verdict::BinaryHeader | Verdict::BinaryHeaderZeroedEdcEcc) {
                    binary += 1;
                }
                if matches!(v, Verdict::ZeroedEdcEcc | Verdict::BinaryHeaderZeroedEdcEcc) {
                    zeroed += 1;
                } else if v.is_bad() {
                    bad.push(BadSector {
                        sector,
                        reason: format!("{v:?}"),
                    });
                }
            }
            if stride != RAW && k > 0 {
                data.copy_within(at..at + RAW, k * RAW);
            }
        }
        self.checked.fetch_add(checked, Ordering::Relaxed);
        self.zeroed.fetch_add(zeroed, Ordering::Relaxed);
        self.binary_header.fetch_add(binary, Ordering::Relaxed);
        bad
    }

    fn fork(&self) -> Box<dyn Checker> {
        Box::new(self.clone())
    }

    fn finish(&mut self) -> Vec<String> {
        let (zeroed, binary, checked) = (
            self.zeroed.load(Ordering::Relaxed),
            self.binary_header.load(Ordering::Relaxed),
            self.checked.load(Ordering::Relaxed),
        );
        let mut notes = Vec::new();
        if zeroed > 0 {
            notes.push(format!(
                "the drive returned zeroed EDC/ECC fields for {zeroed} of {checked} data sectors \
                 (it does not pass them through, as some emulated drives do): those sectors were \
                 checked for sync and header only"
            ));
        }
        if binary > 0 {
            notes.push(format!(
                "the drive wrote the header address in binary instead of BCD (ECMA-130 §14.2) \
                 in {binary} of {checked} data sectors (QEMU's ide-cd does): the address was \
                 right, so they are not counted as errors; the image holds the sectors as the \
                 drive returned them"
            ));
        }
        notes
    }
}

fn msf_text(frames: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        frames / 75 / 60,
        frames / 75 % 60,
        frames % 75
    )
}

/// A CDRWIN cue sheet for the .bin (cdrdao, bchunk and most burners read it). Data track
/// modes come from the first sector's header byte in the image.
pub fn cue_sheet(bin: &Path, tracks: &[Track], segments: &[Segment]) -> String {
    use std::os::unix::fs::FileExt;
    let name = bin
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let f = std::fs::File::open(bin).ok();
    let mut s = format!("FILE \"{name}\" BINARY\n");
    let mut session = 0;
    for (t, seg) in tracks.iter().zip(segments) {
        if t.session != session && tracks.iter().any(|x| x.session > 1) {
            session = t.session;
            s.push_str(&format!("  REM SESSION {session:02}\n"));
        }
        let kind = if t.data {
            let mut b = [0u8; 1];
            let mode = f
                .as_ref()
                .and_then(|f| {
                    f.read_exact_at(&mut b, seg.image_start * RAW as u64 + 15)
                        .ok()
                })
                .map(|_| b[0])
                .unwrap_or(1);
            if mode == 2 {
                "MODE2/2352"
            } else {
                "MODE1/2352"
            }
        } else {
            "AUDIO"
        };
        s.push_str(&format!("  TRACK {:02} {kind}\n", t.number));
        s.push_str(&format!("    INDEX 01 {}\n", msf_text(seg.image_start)));
    }
    s
}
