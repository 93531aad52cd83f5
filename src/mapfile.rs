//! GNU ddrescue mapfile: read, update, write atomically.
//!
//! The format is GNU ddrescue's (manual, "Mapfile structure"), kept exactly so that
//! ddrescuelog and ddrescueview read our maps:
//! ```text
//! # comment lines
//! 0x00120000     ?               1        <- current_pos  current_status  current_pass
//! 0x00000000  0x00117000  +               <- pos  size  status, one line per block
//! 0x00117000  0x00000200  -
//! ```
//! Block status: `?` non-tried, `*` non-trimmed, `/` non-scraped, `-` bad sector,
//! `+` finished. Current status: `?` copying, `*` trimming, `/` scraping, `-` retrying,
//! `F` filling, `G` generating, `+` finished. Positions and sizes are bytes.
//!
//! discrw adds comment lines of its own (`# discrw-...: value`), which ddrescue ignores, to
//! record the identity of the disc a map belongs to.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// State of a block of the input (ddrescue's block status characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockStatus {
    NonTried,
    NonTrimmed,
    NonScraped,
    BadSector,
    Finished,
}

impl BlockStatus {
    pub fn as_char(self) -> char {
        match self {
            BlockStatus::NonTried => '?',
            BlockStatus::NonTrimmed => '*',
            BlockStatus::NonScraped => '/',
            BlockStatus::BadSector => '-',
            BlockStatus::Finished => '+',
        }
    }

    pub fn from_char(c: char) -> Option<BlockStatus> {
        Some(match c {
            '?' => BlockStatus::NonTried,
            '*' => BlockStatus::NonTrimmed,
            '/' => BlockStatus::NonScraped,
            '-' => BlockStatus::BadSector,
            '+' => BlockStatus::Finished,
            _ => return None,
        })
    }
}

/// The phase a rescue is in (ddrescue's current status characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Copying,
    Trimming,
    Scraping,
    Retrying,
    Filling,
    Generating,
    Finished,
}

impl Phase {
    pub fn as_char(self) -> char {
        match self {
            Phase::Copying => '?',
            Phase::Trimming => '*',
            Phase::Scraping => '/',
            Phase::Retrying => '-',
            Phase::Filling => 'F',
            Phase::Generating => 'G',
            Phase::Finished => '+',
        }
    }

    pub fn from_char(c: char) -> Option<Phase> {
        Some(match c {
            '?' => Phase::Copying,
            '*' => Phase::Trimming,
            '/' => Phase::Scraping,
            '-' => Phase::Retrying,
            'F' => Phase::Filling,
            'G' => Phase::Generating,
            '+' => Phase::Finished,
            _ => return None,
        })
    }

    /// ddrescue's own words for the phase, used in the comment line it writes.
    pub fn description(self) -> &'static str {
        match self {
            Phase::Copying => "Copying non-tried blocks",
            Phase::Trimming => "Trimming non-trimmed blocks",
            Phase::Scraping => "Scraping non-scraped blocks",
            Phase::Retrying => "Retrying bad sectors",
            Phase::Filling => "Filling specified blocks",
            Phase::Generating => "Generating approximate mapfile",
            Phase::Finished => "Finished",
        }
    }
}

/// One line of the block list: `size` bytes from `pos` with one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub pos: u64,
    pub size: u64,
    pub status: BlockStatus,
}

impl Block {
    pub fn end(&self) -> u64 {
        self.pos + self.size
    }
}

/// Why a mapfile could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("mapfile line {line}: {what}")]
    Syntax { line: usize, what: String },
}

/// A whole mapfile: the current position/phase/pass and a sorted, gap-free block list
/// covering `[0, size)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapfile {
    pub current_pos: u64,
    pub phase: Phase,
    pub pass: u32,
    blocks: Vec<Block>,
    /// discrw's own `# discrw-KEY: VALUE` comment lines, in order.
    pub tags: Vec<(String, String)>,
}

fn parse_num(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

impl Mapfile {
    /// A new map of `size` bytes, all non-tried.
    pub fn new(size: u64) -> Mapfile {
        let blocks = if size > 0 {
            vec![Block {
                pos: 0,
                size,
                status: BlockStatus::NonTried,
            }]
        } else {
            Vec::new()
        };
        Mapfile {
            current_pos: 0,
            phase: Phase::Copying,
            pass: 1,
            blocks,
            tags: Vec::new(),
        }
    }

    /// The blocks, sorted and contiguous from 0.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Total bytes covered.
    pub fn size(&self) -> u64 {
        self.blocks.last().map(|b| b.end()).unwrap_or(0)
    }

    /// Value of a `# discrw-KEY: VALUE` tag.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Set or replace a tag.
    pub fn set_tag(&mut self, key: &str, value: &str) {
        if let Some(t) = self.tags.iter_mut().find(|(k, _)| k == key) {
            t.1 = value.to_string();
        } else {
            self.tags.push((key.to_string(), value.to_string()));
        }
    }

    /// Parse mapfile text. Accepts what GNU ddrescue writes (and its older two-field status
    /// line), rejects overlapping or out-of-order blocks.
    pub fn parse(text: &str) -> Result<Mapfile, MapError> {
        let mut status_line: Option<(u64, Phase, u32)> = None;
        let mut blocks: Vec<Block> = Vec::new();
        let mut tags = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() {
                continue;
            }
            if let Some(c) = l.strip_prefix('#') {
                if let Some(rest) = c.trim().strip_prefix("discrw-")
                    && let Some((k, v)) = rest.split_once(':')
                {
                    tags.push((k.trim().to_string(), v.trim().to_string()));
                }
                continue;
            }
            let f: Vec<&str> = l.split_whitespace().collect();
            let err = |what: &str| MapError::Syntax {
                line,
                what: what.to_string(),
            };
            if status_line.is_none() {
                if f.len() < 2 || f.len() > 3 {
                    return Err(err("expected `current_pos current_status [current_pass]`"));
                }
                let pos = parse_num(f[0]).ok_or_else(|| err("bad current_pos"))?;
                let mut chars = f[1].chars();
                let phase = match (chars.next(), chars.next()) {
                    (Some(c), None) => Phase::from_char(c),
                    _ => None,
                }
                .ok_or_else(|| err("bad current_status"))?;
                let pass = match f.get(2) {
                    Some(p) => p
                        .parse::<u32>()
                        .ok()
                        .filter(|&p| p >= 1)
                        .ok_or_else(|| err("bad current_pass"))?,
                    None => 1,
                };
                status_line = Some((pos, phase, pass));
                continue;
            }
            if f.len() != 3 {
                return Err(err("expected `pos size status`"));
            }
            let pos = parse_num(f[0]).ok_or_else(|| err("bad pos"))?;
            let size = parse_num(f[1]).ok_or_else(|| err("bad size"))?;
            let mut chars = f[2].chars();
            let status = match (chars.next(), chars.next()) {
                (Some(c), None) => BlockStatus::from_char(c),
                _ => None,
            }
            .ok_or_else(|| err("bad block status"))?;
            let expected = blocks.last().map(|b: &Block| b.end()).unwrap_or(0);
            if pos != expected {
                return Err(err(&format!(
                    "block at 0x{pos:X} does not follow the previous one (expected 0x{expected:X})"
                )));
            }
            if size == 0 {
                return Err(err("block of size 0"));
            }
            pos.checked_add(size)
                .ok_or_else(|| err("block runs past 2^64"))?;
            blocks.push(Block { pos, size, status });
        }
        let (current_pos, phase, pass) = status_line.ok_or(MapError::Syntax {
            line: 0,
            what: "no status line".into(),
        })?;
        let mut m = Mapfile {
            current_pos,
            phase,
            pass,
            blocks: Vec::new(),
            tags,
        };
        for b in blocks {
            m.push_merged(b);
        }
        Ok(m)
    }

    fn push_merged(&mut self, b: Block) {
        if let Some(last) = self.blocks.last_mut()
            && last.status == b.status
            && last.end() == b.pos
        {
            last.size += b.size;
            return;
        }
        self.blocks.push(b);
    }

    /// Mark `[pos, pos+size)` with `status`, splitting and merging blocks as needed. The
    /// range is clipped to the map; a map that is too small is first extended with
    /// non-tried space.
    pub fn set(&mut self, pos: u64, size: u64, status: BlockStatus) {
        if size == 0 {
            return;
        }
        let end = pos.saturating_add(size);
        if end > self.size() {
            let from = self.size();
            self.push_merged(Block {
                pos: from,
                size: end - from,
                status: BlockStatus::NonTried,
            });
        }
        let old = std::mem::take(&mut self.blocks);
        for b in old {
            if b.end() <= pos || b.pos >= end {
                self.push_merged(b);
                continue;
            }
            if b.pos < pos {
                self.push_merged(Block {
                    pos: b.pos,
                    size: pos - b.pos,
                    status: b.status,
                });
            }
            let s = b.pos.max(pos);
            let e = b.end().min(end);
            self.push_merged(Block {
                pos: s,
                size: e - s,
                status,
            });
            if b.end() > end {
                self.push_merged(Block {
                    pos: end,
                    size: b.end() - end,
                    status: b.status,
                });
            }
        }
    }

    /// Status of the byte at `pos`, if covered.
    pub fn status_at(&self, pos: u64) -> Option<BlockStatus> {
        let i = self.blocks.partition_point(|b| b.end() <= pos);
        self.blocks
            .get(i)
            .filter(|b| b.pos <= pos)
            .map(|b| b.status)
    }

    /// All blocks with the given status.
    pub fn ranges(&self, status: BlockStatus) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(move |b| b.status == status)
    }

    /// Bytes with the given status.
    pub fn total(&self, status: BlockStatus) -> u64 {
        self.ranges(status).map(|b| b.size).sum()
    }

    /// True when every byte is finished.
    pub fn is_complete(&self) -> bool {
        self.blocks
            .iter()
            .all(|b| b.status == BlockStatus::Finished)
    }

    /// The text ddrescue would write. `header` lines are written as comments first.
    pub fn to_text(&self, header: &[String]) -> String {
        let mut s = String::new();
        for h in header {
            let _ = writeln!(s, "# {h}");
        }
        for (k, v) in &self.tags {
            let _ = writeln!(s, "# discrw-{k}: {v}");
        }
        let _ = writeln!(s, "# {}... Pass {}", self.phase.description(), self.pass);
        let _ = writeln!(s, "# current_pos  current_status  current_pass");
        let _ = writeln!(
            s,
            "0x{:08X}     {}               {}",
            self.current_pos,
            self.phase.as_char(),
            self.pass
        );
        let _ = writeln!(s, "#      pos        size  status");
        for b in &self.blocks {
            let _ = writeln!(
                s,
                "0x{:08X}  0x{:08X}  {}",
                b.pos,
                b.size,
                b.status.as_char()
            );
        }
        s
    }

    /// Read a mapfile from disk.
    pub fn load(path: &Path) -> Result<Mapfile, MapError> {
        let text = fs::read_to_string(path).map_err(|source| MapError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Mapfile::parse(&text)
    }

    /// Write atomically: the previous map is kept as `PATH.bak`, the new one is written to a
    /// unique temporary name beside it, synced, and renamed over PATH, so a crash at any
    /// point leaves a complete map (the new one or the old one) on disk.
    pub fn save(&self, path: &Path, header: &[String]) -> std::io::Result<()> {
        if path.exists() {
            let bak = PathBuf::from(format!("{}.bak", path.display()));
            fs::copy(path, &bak)?;
        }
        crate::files::write_atomic(path, self.to_text(header).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map as GNU ddrescue 1.27 writes it (the example of its manual's "Mapfile
    /// structure" section, with the current_pass field).
    const DDRESCUE_MAP: &str = "\
# Mapfile. Created by GNU ddrescue version 1.27
# Command line: ddrescue -d -c18 /dev/fd0 fdimage mapfile
# Start time:   2015-07-21 09:37:44
# Current time: 2015-07-21 09:38:19
# Copying non-tried blocks... Pass 1 (forwards)
# current_pos  current_status  current_pass
0x00120000     ?               1
#      pos        size  status
0x00000000  0x00117000  +
0x00117000  0x00000200  -
0x00117200  0x00001000  /
0x00118200  0x00007E00  *
0x00120000  0x00048000  ?
";

    #[test]
    fn parses_ddrescue_output() {
        let m = Mapfile::parse(DDRESCUE_MAP).unwrap();
        assert_eq!(m.current_pos, 0x120000);
        assert_eq!(m.phase, Phase::Copying);
        assert_eq!(m.pass, 1);
        assert_eq!(m.blocks().len(), 5);
        assert_eq!(
            m.blocks()[1],
            Block {
                pos: 0x117000,
                size: 0x200,
                status: BlockStatus::BadSector
            }
        );
        assert_eq!(m.size(), 0x168000);
        assert_eq!(m.total(BlockStatus::Finished), 0x117000);
        assert_eq!(m.status_at(0x117100), Some(BlockStatus::BadSector));
        assert_eq!(m.status_at(0x168000), None);
    }

    #[test]
    fn old_two_field_status_line_is_accepted() {
        let m = Mapfile::parse("0x00000000 +\n0x0 0x800 +\n").unwrap();
        assert_eq!(m.pass, 1);
        assert!(m.is_complete());
    }

    #[test]
    fn writes_the_ddrescue_layout() {
        let mut m = Mapfile::new(0x8000);
        m.set(0, 0x4000, BlockStatus::Finished);
        m.set(0x4000, 0x800, BlockStatus::BadSector);
        m.current_pos = 0x4800;
        let text = m.to_text(&[]);
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            vec![
                "0x00004800     ?               1",
                "0x00000000  0x00004000  +",
                "0x00004000  0x00000800  -",
                "0x00004800  0x00003800  ?",
            ]
        );
        assert_eq!(Mapfile::parse(&text).unwrap(), m);
    }

    #[test]
    fn set_splits_and_merges() {
        let mut m = Mapfile::new(10 * 2048);
        m.set(2048, 2048, BlockStatus::BadSector);
        m.set(4096, 2048, BlockStatus::BadSector);
        assert_eq!(m.blocks().len(), 3);
        m.set(0, 10 * 2048, BlockStatus::Finished);
        assert_eq!(m.blocks().len(), 1);
        assert!(m.is_complete());
        // Extending past the end adds non-tried space first.
        m.set(12 * 2048, 2048, BlockStatus::BadSector);
        assert_eq!(m.size(), 13 * 2048);
        assert_eq!(m.status_at(10 * 2048), Some(BlockStatus::NonTried));
    }

    #[test]
    fn rejects_gaps_overlaps_and_garbage() {
        assert!(Mapfile::parse("0x0 ? 1\n0x0 0x800 +\n0x1000 0x800 +\n").is_err());
        assert!(Mapfile::parse("0x0 ? 1\n0x0 0x800 +\n0x400 0x800 +\n").is_err());
        assert!(Mapfile::parse("0x0 ? 1\n0x0 0x800 x\n").is_err());
        assert!(Mapfile::parse("0x0 Z 1\n").is_err());
        assert!(Mapfile::parse("# only a comment\n").is_err());
        assert!(Mapfile::parse("0x0 ? 0\n").is_err());
        assert!(Mapfile::parse("0x0 ? 1\n0xFFFFFFFFFFFFFFFF 0x2 +\n").is_err());
    }

    #[test]
    fn tags_round_trip() {
        let mut m = Mapfile::new(2048);
        m.set_tag("disc-id", "DVD+R 2295104 abc");
        let back = Mapfile::parse(&m.to_text(&["Mapfile. Created by discrw".into()])).unwrap();
        assert_eq!(back.tag("disc-id"), Some("DVD+R 2295104 abc"));
    }

    #[test]
    fn save_is_atomic_and_keeps_a_backup() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.map");
        let mut m = Mapfile::new(4096);
        m.save(&p, &[]).unwrap();
        m.set(0, 2048, BlockStatus::Finished);
        m.save(&p, &[]).unwrap();
        assert_eq!(Mapfile::load(&p).unwrap(), m);
        let bak = Mapfile::load(&d.path().join("out.map.bak")).unwrap();
        assert_eq!(bak.total(BlockStatus::Finished), 0);
        // No temporary files left behind.
        let names: Vec<String> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
