//! The raw CD rip's pieces: the checker stage of the pipeline (ECMA-130 checks of every
//! data sector, C2 pointers, subchannel split) and the .cue sheet.

use super::engine::{BadSector, Checker, Segment};
use super::source::Track;
use crate::ecma130::{RAW, Verdict, check_data_sector};
use std::path::Path;

/// The raw rip's checker stage: checks each data sector, honours C2 pointers, splits off
/// subchannel data and packs the 2352-byte main channel for the image.
pub struct RawChecker {
    c2: bool,
    subchannel: bool,
    /// Image segments with "is data" for each.
    segments: Vec<(Segment, bool)>,
    zeroed: u64,
    /// Data sectors whose header address was binary, not BCD (a drive quirk).
    binary_header: u64,
    checked: u64,
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
            zeroed: 0,
            binary_header: 0,
            checked: 0,
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
                self.checked += 1;
                if matches!(v, Verdict::BinaryHeader | Verdict::BinaryHeaderZeroedEdcEcc) {
                    self.binary_header += 1;
                }
                if matches!(v, Verdict::ZeroedEdcEcc | Verdict::BinaryHeaderZeroedEdcEcc) {
                    self.zeroed += 1;
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
        bad
    }

    fn finish(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.zeroed > 0 {
            notes.push(format!(
                "the drive returned zeroed EDC/ECC fields for {} of {} data sectors (it does \
                 not pass them through, as some emulated drives do): those sectors were checked \
                 for sync and header only",
                self.zeroed, self.checked
            ));
        }
        if self.binary_header > 0 {
            notes.push(format!(
                "the drive wrote the header address in binary instead of BCD (ECMA-130 §14.2) \
                 in {} of {} data sectors (QEMU's ide-cd does): the address was right, so they \
                 are not counted as errors; the image holds the sectors as the drive returned them",
                self.binary_header, self.checked
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
