//! Scripted faults of the emulated drive: the `--faults SPEC` grammar (docs/virtual-drive.md)
//! and the decisions it drives at run time.
//!
//! ```text
//! SPEC  := FAULT (',' FAULT)*
//! FAULT := NAME ['@' WHERE] ['x' COUNT] | NAME '=' NUMBER
//! WHERE := LBA | LBA '-' LBA | 'cmd' N
//! ```
//! Per-sector counts ("fails 3 times, then reads") are kept in the medium file, so a fault
//! behaves the same across runs (a rip interrupted and resumed sees the same disc).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// READ at the LBAs: MEDIUM ERROR, unrecovered read error (03/11/00).
    MediumError,
    /// As medium-error, but only COUNT times per sector (default 2), then the sector reads.
    Flaky,
    /// WRITE covering the LBA: MEDIUM ERROR, write error (03/0C/00).
    WriteError,
    /// WRITE covering the LBA: MEDIUM ERROR, write error - loss of streaming (03/0C/09).
    LossOfStreaming,
    /// WRITE covering the LBA: ILLEGAL REQUEST, invalid address for write (05/21/02).
    InvalidAddress,
    /// WRITE covering the LBA: ILLEGAL REQUEST, illegal mode for this track (05/64/00).
    IllegalMode,
    /// First WRITE: MEDIUM ERROR, power calibration area error (03/73/03).
    PowerCalibration,
    /// WRITE covering the LBA: NOT READY, long write in progress (02/04/08), COUNT times.
    LongWrite,
    /// UNIT ATTENTION, not ready to ready change, medium may have changed (06/28/00), once.
    UnitAttention,
    /// UNIT ATTENTION, power on / reset (06/29/00), once.
    Reset,
    /// NOT READY, becoming ready (02/04/01) COUNT times: on the first commands, from
    /// command N on (`@cmdN`), or on READs covering the LBA (`@LBA`), as a drive that
    /// spins down and back up mid-job.
    NotReady,
    /// READ/WRITE covering the LBA: the host adapter times out (DID_TIME_OUT), COUNT times.
    Timeout,
    /// READ covering the LBA: host_status DID_ERROR with garbage in the buffer, COUNT times.
    HostError,
    /// READ covering the LBA: GOOD, but only the blocks before it transferred (residual count;
    /// half of them when it is the first block), COUNT times.
    ShortRead,
    /// READ CAPACITY reports NUMBER blocks more than the disc holds.
    OverReport,
    /// READ TRACK INFORMATION reports the next writable address NUMBER blocks off.
    NwaLie,
    /// No disc in the drive (02/3A/01).
    NoMedium,
    /// Tray open (02/3A/02).
    TrayOpen,
    /// At the command: the disc is swapped for a blank one of the same kind (06/28/00).
    MediaChange,
    /// At the command: the tray opens (then 02/3A/02).
    TrayOpened,
    /// READ CD of audio sectors returns the disc's continuous audio shifted by NUMBER
    /// 4-byte stereo samples (a drive's combined read and write offset): sample k of the
    /// data returned is sample k + NUMBER of the disc; samples outside the recorded audio
    /// read as zeros (silence from lead-in, lead-out or a data track).
    AudioOffset,
}

impl FaultKind {
    const NAMES: [(&'static str, FaultKind); 21] = [
        ("medium-error", FaultKind::MediumError),
        ("flaky", FaultKind::Flaky),
        ("write-error", FaultKind::WriteError),
        ("loss-of-streaming", FaultKind::LossOfStreaming),
        ("invalid-address", FaultKind::InvalidAddress),
        ("illegal-mode", FaultKind::IllegalMode),
        ("power-calibration", FaultKind::PowerCalibration),
        ("long-write", FaultKind::LongWrite),
        ("unit-attention", FaultKind::UnitAttention),
        ("reset", FaultKind::Reset),
        ("not-ready", FaultKind::NotReady),
        ("timeout", FaultKind::Timeout),
        ("host-error", FaultKind::HostError),
        ("short-read", FaultKind::ShortRead),
        ("over-report", FaultKind::OverReport),
        ("nwa-lie", FaultKind::NwaLie),
        ("no-medium", FaultKind::NoMedium),
        ("tray-open", FaultKind::TrayOpen),
        ("media-change", FaultKind::MediaChange),
        ("tray-opened", FaultKind::TrayOpened),
        ("audio-offset", FaultKind::AudioOffset),
    ];

    fn parse(s: &str) -> Option<FaultKind> {
        Self::NAMES.iter().find(|e| e.0 == s).map(|e| e.1)
    }

    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|e| e.1 == self)
            .map(|e| e.0)
            .unwrap_or("?")
    }

    fn takes_value(self) -> bool {
        matches!(
            self,
            FaultKind::OverReport | FaultKind::NwaLie | FaultKind::AudioOffset
        )
    }

    fn takes_lba(self) -> bool {
        matches!(
            self,
            FaultKind::MediumError
                | FaultKind::Flaky
                | FaultKind::WriteError
                | FaultKind::LossOfStreaming
                | FaultKind::InvalidAddress
                | FaultKind::IllegalMode
                | FaultKind::LongWrite
                | FaultKind::Timeout
                | FaultKind::HostError
                | FaultKind::ShortRead
                | FaultKind::UnitAttention
                | FaultKind::Reset
                | FaultKind::NotReady
        )
    }

    fn takes_cmd(self) -> bool {
        matches!(
            self,
            FaultKind::UnitAttention
                | FaultKind::Reset
                | FaultKind::NotReady
                | FaultKind::MediaChange
                | FaultKind::TrayOpened
        )
    }

    fn default_count(self) -> Option<u32> {
        match self {
            FaultKind::MediumError | FaultKind::WriteError => None,
            FaultKind::Flaky => Some(2),
            FaultKind::LongWrite => Some(3),
            FaultKind::NotReady => Some(3),
            _ => Some(1),
        }
    }
}

/// One scripted fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub kind: FaultKind,
    /// LBA range it applies to (inclusive), when it is tied to sectors.
    pub lbas: Option<(u32, u32)>,
    /// Command number (1 = first command after the drive is opened) it fires at.
    pub command: Option<u64>,
    /// How many times it fires per sector (or in all, when not tied to sectors); None = always.
    pub count: Option<u32>,
    /// NUMBER of `over-report=N`, `nwa-lie=N`.
    pub value: i64,
    /// Times fired, per LBA (or under key 0).
    #[serde(default)]
    pub fired: BTreeMap<u32, u32>,
}

impl Fault {
    /// Whether the fault still fires at `key` (an LBA, or 0), and count it if so.
    fn fire(&mut self, key: u32) -> bool {
        let n = self.fired.entry(key).or_insert(0);
        match self.count {
            Some(c) if *n >= c => false,
            _ => {
                *n = n.saturating_add(1);
                true
            }
        }
    }

    fn covers(&self, lba: u32, blocks: u32) -> Option<u32> {
        let (a, b) = self.lbas?;
        let end = lba.checked_add(blocks)?;
        if b < lba || a >= end {
            return None;
        }
        Some(a.max(lba))
    }
}

/// A SPEC that does not parse: names the offending part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--faults: {0}")]
pub struct SpecError(pub String);

fn num(s: &str, what: &str) -> Result<u64, SpecError> {
    let s = s.trim();
    let v = if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16)
    } else {
        s.parse()
    };
    v.map_err(|_| SpecError(format!("'{s}' is not a number ({what})")))
}

/// Parse a fault SPEC (see the module doc and docs/virtual-drive.md).
pub fn parse_spec(spec: &str) -> Result<Vec<Fault>, SpecError> {
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if let Some((name, value)) = item.split_once('=') {
            let kind = FaultKind::parse(name.trim())
                .ok_or_else(|| SpecError(format!("unknown fault '{}'", name.trim())))?;
            if !kind.takes_value() {
                return Err(SpecError(format!("{} takes no '=NUMBER'", kind.name())));
            }
            let v = value.trim();
            let (neg, digits) = match v.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, v),
            };
            let n = num(digits, kind.name())? as i64;
            out.push(Fault {
                kind,
                lbas: None,
                command: None,
                count: None,
                value: if neg { -n } else { n },
                fired: BTreeMap::new(),
            });
            continue;
        }
        let (head, count) = match item.rsplit_once('x') {
            Some((h, c)) if !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()) => {
                (h, Some(num(c, "count")? as u32))
            }
            _ => (item, None),
        };
        let (name, place) = match head.split_once('@') {
            Some((n, p)) => (n.trim(), Some(p.trim())),
            None => (head.trim(), None),
        };
        let kind =
            FaultKind::parse(name).ok_or_else(|| SpecError(format!("unknown fault '{name}'")))?;
        if kind.takes_value() {
            return Err(SpecError(format!("{} needs '=NUMBER'", kind.name())));
        }
        let mut f = Fault {
            kind,
            lbas: None,
            command: None,
            count: count.or(kind.default_count()),
            value: 0,
            fired: BTreeMap::new(),
        };
        match place {
            Some(p) if p.starts_with("cmd") => {
                if !kind.takes_cmd() {
                    return Err(SpecError(format!("{} cannot be tied to a command", name)));
                }
                let n = num(
                    p.trim_start_matches("cmd").trim_start_matches(':'),
                    "command",
                )?;
                if n == 0 {
                    return Err(SpecError("commands are numbered from 1".into()));
                }
                f.command = Some(n);
            }
            Some(p) => {
                if !kind.takes_lba() {
                    return Err(SpecError(format!("{} cannot be tied to an LBA", name)));
                }
                let (a, b) = match p.split_once('-') {
                    Some((a, b)) => (num(a, "LBA")?, num(b, "LBA")?),
                    None => {
                        let a = num(p, "LBA")?;
                        (a, a)
                    }
                };
                if a > b || b > u32::MAX as u64 {
                    return Err(SpecError(format!("bad LBA range '{p}'")));
                }
                f.lbas = Some((a as u32, b as u32));
            }
            // Without a place: the first commands.
            None if kind == FaultKind::NotReady => {}
            None => {
                if kind.takes_lba() && !kind.takes_cmd() && kind != FaultKind::PowerCalibration {
                    return Err(SpecError(format!("{} needs '@LBA'", name)));
                }
                if kind.takes_cmd() && !kind.takes_lba() {
                    return Err(SpecError(format!("{} needs '@cmdN'", name)));
                }
                if kind.takes_cmd() {
                    return Err(SpecError(format!("{} needs '@LBA' or '@cmdN'", name)));
                }
            }
        }
        out.push(f);
    }
    Ok(out)
}

/// What a fault makes the drive do with a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// CHECK CONDITION with this sense key / ASC / ASCQ; `lba` goes in the INFORMATION field.
    Sense {
        key: u8,
        asc: u8,
        ascq: u8,
        lba: Option<u32>,
    },
    /// SG_IO host_status non-zero (no SCSI status); `garbage` = stale bytes in the buffer.
    Host { host_status: u16, garbage: bool },
    /// GOOD, but only the blocks before `lba` were transferred.
    Short { lba: u32 },
    /// The disc is swapped for a blank one, then 06/28/00.
    MediaChange,
    /// The tray opens, then 02/3A/02.
    TrayOpened,
}

const DID_TIME_OUT: u16 = 0x03;
const DID_ERROR: u16 = 0x07;

impl FaultKind {
    /// The CHECK CONDITION this fault answers with (the codes in its doc comment): sense key,
    /// ASC, ASCQ, and whether the failing LBA goes in the INFORMATION field (an error of
    /// one sector). `None` for faults that are not a CHECK CONDITION.
    fn sense(self) -> Option<(u8, u8, u8, bool)> {
        Some(match self {
            FaultKind::MediumError | FaultKind::Flaky => (3, 0x11, 0x00, true),
            FaultKind::WriteError => (3, 0x0C, 0x00, true),
            FaultKind::LossOfStreaming => (3, 0x0C, 0x09, true),
            FaultKind::PowerCalibration => (3, 0x73, 0x03, false),
            FaultKind::InvalidAddress => (5, 0x21, 0x02, false),
            FaultKind::IllegalMode => (5, 0x64, 0x00, false),
            FaultKind::LongWrite => (2, 0x04, 0x08, false),
            FaultKind::NotReady => (2, 0x04, 0x01, false),
            FaultKind::UnitAttention => (6, 0x28, 0x00, false),
            FaultKind::Reset => (6, 0x29, 0x00, false),
            _ => return None,
        })
    }
}

/// The CHECK CONDITION of a fault of `kind` failing at `at`; `None` if `kind` answers
/// otherwise.
fn check_condition(kind: FaultKind, at: Option<u32>) -> Option<Action> {
    let (key, asc, ascq, info) = kind.sense()?;
    Some(Action::Sense {
        key,
        asc,
        ascq,
        lba: at.filter(|_| info),
    })
}

/// Faults that fire on a command number or on every command (not ready), checked before
/// the command is looked at. INQUIRY and REQUEST SENSE are exempt, as on real drives.
pub fn on_command(faults: &mut [Fault], number: u64, opcode: u8) -> Option<Action> {
    if opcode == 0x12 || opcode == 0x03 {
        return None;
    }
    for f in faults.iter_mut() {
        let kind = f.kind;
        match kind {
            FaultKind::NotReady
                if f.lbas.is_none() && f.command.is_none_or(|c| number >= c) && f.fire(0) =>
            {
                return check_condition(kind, None);
            }
            FaultKind::UnitAttention | FaultKind::Reset
                if f.command == Some(number) && f.fire(0) =>
            {
                return check_condition(kind, None);
            }
            FaultKind::MediaChange if f.command == Some(number) && f.fire(0) => {
                return Some(Action::MediaChange);
            }
            FaultKind::TrayOpened if f.command == Some(number) && f.fire(0) => {
                return Some(Action::TrayOpened);
            }
            _ => {}
        }
    }
    None
}

/// Faults on a READ of `blocks` blocks at `lba`.
pub fn on_read(faults: &mut [Fault], lba: u32, blocks: u32) -> Option<Action> {
    // The drive stops at the first failing sector: find the lowest one any fault claims.
    let mut best: Option<(u32, usize)> = None;
    for (i, f) in faults.iter().enumerate() {
        let reads = matches!(
            f.kind,
            FaultKind::MediumError
                | FaultKind::Flaky
                | FaultKind::Timeout
                | FaultKind::HostError
                | FaultKind::ShortRead
                | FaultKind::UnitAttention
                | FaultKind::Reset
                | FaultKind::NotReady
        );
        if !reads || f.command.is_some() {
            continue;
        }
        let Some(at) = f.covers(lba, blocks) else {
            continue;
        };
        // A range fault fires per sector: look for the first sector in range still failing.
        let (_, last) = f.lbas.unwrap_or((at, at));
        let end = last.min(lba + blocks - 1);
        let mut s = at;
        let per_sector = matches!(f.kind, FaultKind::MediumError | FaultKind::Flaky);
        loop {
            let key = if per_sector { s } else { 0 };
            let left = match f.count {
                None => true,
                Some(c) => f.fired.get(&key).copied().unwrap_or(0) < c,
            };
            if left {
                if best.is_none_or(|(b, _)| s < b) {
                    best = Some((s, i));
                }
                break;
            }
            if !per_sector || s >= end {
                break;
            }
            s += 1;
        }
    }
    let (at, i) = best?;
    let f = &mut faults[i];
    let key = if matches!(f.kind, FaultKind::MediumError | FaultKind::Flaky) {
        at
    } else {
        0
    };
    f.fire(key);
    Some(match f.kind {
        FaultKind::Timeout => Action::Host {
            host_status: DID_TIME_OUT,
            garbage: false,
        },
        FaultKind::HostError => Action::Host {
            host_status: DID_ERROR,
            garbage: true,
        },
        FaultKind::ShortRead => Action::Short {
            lba: at.max(lba + 1),
        },
        // Medium error, flaky, unit attention, reset, not ready.
        kind => return check_condition(kind, Some(at)),
    })
}

/// Faults on a WRITE of `blocks` blocks at `lba`.
pub fn on_write(faults: &mut [Fault], lba: u32, blocks: u32) -> Option<Action> {
    for f in faults.iter_mut() {
        let hit = match f.kind {
            FaultKind::PowerCalibration => f.lbas.is_none() || f.covers(lba, blocks).is_some(),
            FaultKind::WriteError
            | FaultKind::LossOfStreaming
            | FaultKind::InvalidAddress
            | FaultKind::IllegalMode
            | FaultKind::LongWrite
            | FaultKind::Timeout
            | FaultKind::UnitAttention => f.command.is_none() && f.covers(lba, blocks).is_some(),
            _ => false,
        };
        if !hit || !f.fire(0) {
            continue;
        }
        let at = f.covers(lba, blocks);
        // Timeout is the one write fault that is no CHECK CONDITION.
        return Some(check_condition(f.kind, at).unwrap_or(Action::Host {
            host_status: DID_TIME_OUT,
            garbage: false,
        }));
    }
    None
}

/// The value of a `NAME=N` fault, if present.
pub fn value_of(faults: &[Fault], kind: FaultKind) -> i64 {
    faults
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| f.value)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let v = parse_spec(
            "medium-error@100-103, flaky@200x3, unit-attention@cmd7, over-report=2, not-ready, \
             long-write@0x10x2",
        )
        .unwrap();
        assert_eq!(v.len(), 6);
        assert_eq!(v[0].kind, FaultKind::MediumError);
        assert_eq!(v[0].lbas, Some((100, 103)));
        assert_eq!(v[0].count, None);
        assert_eq!(v[1].lbas, Some((200, 200)));
        assert_eq!(v[1].count, Some(3));
        assert_eq!(v[2].command, Some(7));
        assert_eq!(v[3].value, 2);
        assert_eq!(v[4].count, Some(3));
        assert_eq!(v[5].lbas, Some((16, 16)));
        assert_eq!(v[5].count, Some(2));
        let v = parse_spec("audio-offset=-472").unwrap();
        assert_eq!(v[0].kind, FaultKind::AudioOffset);
        assert_eq!(value_of(&v, FaultKind::AudioOffset), -472);
    }

    /// `not-ready@LBA` answers READs covering the LBA, `not-ready@cmdN` commands from N on,
    /// COUNT times in all (02/04/01, as SPC-4 Table 49 / MMC-6 §4.1.6.2 "becoming ready").
    #[test]
    fn not_ready_mid_job_at_an_lba_or_from_a_command() {
        let becoming = Some(Action::Sense {
            key: 2,
            asc: 0x04,
            ascq: 0x01,
            lba: None,
        });
        let mut v = parse_spec("not-ready@500x2").unwrap();
        assert_eq!(on_command(&mut v, 1, 0x28), None);
        assert_eq!(on_read(&mut v, 0, 16), None);
        assert_eq!(on_read(&mut v, 490, 16), becoming);
        assert_eq!(on_read(&mut v, 490, 16), becoming);
        assert_eq!(on_read(&mut v, 490, 16), None);
        let mut v = parse_spec("not-ready@cmd5").unwrap();
        assert_eq!(v[0].count, Some(3));
        assert_eq!(on_command(&mut v, 4, 0x28), None);
        for n in 5..8 {
            assert_eq!(on_command(&mut v, n, 0x28), becoming, "command {n}");
        }
        assert_eq!(on_command(&mut v, 8, 0x28), None);
        assert_eq!(on_read(&mut v, 0, 16), None);
    }

    #[test]
    fn rejects_bad_specs_by_name() {
        for (spec, needle) in [
            ("gremlins@3", "unknown fault 'gremlins'"),
            ("medium-error", "needs '@LBA'"),
            ("medium-error@9-3", "bad LBA range"),
            ("over-report", "needs '=NUMBER'"),
            ("flaky@abc", "'abc' is not a number"),
            ("unit-attention@cmd0", "numbered from 1"),
            ("media-change@5", "cannot be tied to an LBA"),
        ] {
            let e = parse_spec(spec).unwrap_err().to_string();
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }

    #[test]
    fn flaky_sector_fails_count_times_then_reads() {
        let mut f = parse_spec("flaky@10x2").unwrap();
        for _ in 0..2 {
            assert_eq!(
                on_read(&mut f, 8, 4),
                Some(Action::Sense {
                    key: 3,
                    asc: 0x11,
                    ascq: 0,
                    lba: Some(10)
                })
            );
        }
        assert_eq!(on_read(&mut f, 8, 4), None);
    }

    #[test]
    fn medium_error_range_reports_first_bad_sector_of_the_read() {
        let mut f = parse_spec("medium-error@100-109").unwrap();
        let got = on_read(&mut f, 104, 16);
        assert!(
            matches!(got, Some(Action::Sense { lba: Some(104), .. })),
            "{got:?}"
        );
        assert_eq!(on_read(&mut f, 110, 16), None);
        assert_eq!(on_read(&mut f, 90, 10), None);
    }
}
