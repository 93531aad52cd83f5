//! CDRWIN cue sheets (the `.cue` text beside a `.bin`): parsed into files, tracks, indexes,
//! gaps and flags, and laid out on the disc (every index's LBA, every track's bytes in its
//! file). Pure: the caller reads the text and gives the file sizes.
//!
//! What is supported is what discrw can burn in session-at-once and read back: FILE BINARY
//! (little-endian audio) and MOTOROLA (big-endian audio), TRACK AUDIO, MODE1/2048,
//! MODE1/2352 and MODE2/2352, INDEX, PREGAP, POSTGAP, FLAGS, CATALOG, ISRC, REM. CD-Text
//! lines are noted (not written); everything else is refused with the line it is on.

/// How a FILE's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum FileType {
    /// Raw sectors; audio samples little-endian (as CD-DA carries them).
    Binary,
    /// Raw sectors; audio samples big-endian (swapped on the way to the drive).
    Motorola,
}

/// A track's mode and the bytes of one sector in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TrackMode {
    /// CD-DA, 2352 bytes of samples per sector.
    Audio,
    /// CD-ROM mode 1, 2048 bytes of user data per sector (the drive adds the rest).
    Mode1Cooked,
    /// CD-ROM mode 1, the whole 2352-byte sector (sync, header, data, EDC/ECC).
    Mode1Raw,
    /// CD-ROM XA (mode 2, form 1 or 2 sectors with subheaders), the whole 2352-byte sector.
    Mode2Raw,
}

impl TrackMode {
    pub fn sector_bytes(self) -> u64 {
        match self {
            TrackMode::Mode1Cooked => 2048,
            TrackMode::Audio | TrackMode::Mode1Raw | TrackMode::Mode2Raw => 2352,
        }
    }
    pub fn is_audio(self) -> bool {
        self == TrackMode::Audio
    }
    pub fn name(self) -> &'static str {
        match self {
            TrackMode::Audio => "AUDIO",
            TrackMode::Mode1Cooked => "MODE1/2048",
            TrackMode::Mode1Raw => "MODE1/2352",
            TrackMode::Mode2Raw => "MODE2/2352",
        }
    }
}

/// FLAGS of a track (sub-channel Q control bits, and the SCMS copy bit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Flags {
    /// DCP: digital copy permitted.
    pub dcp: bool,
    /// 4CH: four-channel audio.
    pub four_channel: bool,
    /// PRE: pre-emphasis.
    pub pre_emphasis: bool,
    /// SCMS: serial copy management system.
    pub scms: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueFile {
    /// The name as written (relative names are relative to the .cue).
    pub name: String,
    pub file_type: FileType,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueTrack {
    pub number: u8,
    pub mode: TrackMode,
    /// Index into [`CueSheet::files`].
    pub file: usize,
    pub flags: Flags,
    /// 12 characters: country (2), owner (3), year (2), serial (5).
    pub isrc: Option<[u8; 12]>,
    /// PREGAP: sectors of silence (or zero data) generated before the track's data.
    pub pregap: u32,
    /// POSTGAP: sectors generated after the track's data.
    pub postgap: u32,
    /// INDEX number and its position in the file, in sectors (frames).
    pub indexes: Vec<(u8, u64)>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CueSheet {
    /// CATALOG: the 13-digit media catalog number, as ASCII digits.
    pub catalog: Option<[u8; 13]>,
    pub files: Vec<CueFile>,
    pub tracks: Vec<CueTrack>,
    /// Things parsed but not written (CD-Text), one line each.
    pub warnings: Vec<String>,
}

/// Why a cue sheet cannot be burned: the line (1-based; 0 for the whole sheet) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if *line > 0 { format!("line {line}: ") } else { String::new() })]
pub struct CueError {
    pub line: usize,
    pub message: String,
}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, CueError> {
    Err(CueError {
        line,
        message: message.into(),
    })
}

/// The next word of `s` (quoted with "..." or bare) and the rest after it.
fn word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    if s.is_empty() {
        return None;
    }
    if let Some(r) = s.strip_prefix('"') {
        let end = r.find('"')?;
        return Some((&r[..end], &r[end + 1..]));
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    Some((&s[..end], &s[end..]))
}

/// `mm:ss:ff` (75 frames a second) as frames.
fn msf(s: &str, line: usize) -> Result<u64, CueError> {
    let p: Vec<&str> = s.split(':').collect();
    let bad = || {
        err(
            line,
            format!("bad time {s:?} (mm:ss:ff, seconds < 60, frames < 75)"),
        )
    };
    if p.len() != 3 || p.iter().any(|x| x.is_empty() || x.len() > 3) {
        return bad();
    }
    let mut v = [0u64; 3];
    for (i, x) in p.iter().enumerate() {
        match x.parse::<u64>() {
            Ok(n) if x.bytes().all(|b| b.is_ascii_digit()) => v[i] = n,
            _ => return bad(),
        }
    }
    if v[1] >= 60 || v[2] >= 75 {
        return bad();
    }
    Ok((v[0] * 60 + v[1]) * 75 + v[2])
}

fn number(s: &str, line: usize, what: &str, max: u64) -> Result<u64, CueError> {
    match s.parse::<u64>() {
        Ok(n) if n <= max && s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => err(line, format!("bad {what} {s:?}")),
    }
}

/// The file names of a cue sheet's FILE lines (quoted or bare), in order, whatever else the
/// sheet holds. Lines end with LF, CRLF or a lone CR, so a name never spans lines.
pub fn file_names(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for l in text.split(['\n', '\r']) {
        let l = l.trim_start_matches('\u{feff}').trim();
        let Some(rest) = l.strip_prefix("FILE ") else {
            continue;
        };
        let name = match rest.strip_prefix('"') {
            Some(r) => r.split('"').next().unwrap_or(""),
            None => rest.split_whitespace().next().unwrap_or(""),
        };
        out.push(name);
    }
    out
}

/// Parse a cue sheet. Errors name the line.
pub fn parse(text: &str) -> Result<CueSheet, CueError> {
    let mut p = Parser::default();
    // LF, CRLF and a lone CR (old Mac sheets) all end a line.
    let normal = text.replace("\r\n", "\n").replace('\r', "\n");
    for (i, raw) in normal.split('\n').enumerate() {
        let l = raw.trim_start_matches('\u{feff}').trim();
        if l.is_empty() {
            continue;
        }
        let Some((kw, rest)) = word(l) else { continue };
        p.command(&Line {
            line: i + 1,
            kw: kw.to_ascii_uppercase(),
            rest,
            args: rest.split_whitespace().collect(),
        })?;
    }
    match p.sheet.tracks.last() {
        Some(t) => finish_track(t)?,
        None => return err(0, "no TRACK in the cue sheet"),
    }
    Ok(p.sheet)
}

/// One command line of a sheet: its number, keyword (upper case), and what follows it.
struct Line<'a> {
    line: usize,
    kw: String,
    rest: &'a str,
    args: Vec<&'a str>,
}

impl Line<'_> {
    /// Argument `i`, or "" where the line has fewer (each command says what is missing).
    fn arg(&self, i: usize) -> &str {
        self.args.get(i).copied().unwrap_or("")
    }
}

/// The sheet read so far: commands apply to the last FILE and TRACK.
#[derive(Default)]
struct Parser {
    sheet: CueSheet,
    /// CD-Text is noted once, not once a line.
    cdtext_noted: bool,
}

impl Parser {
    fn command(&mut self, l: &Line) -> Result<(), CueError> {
        match l.kw.as_str() {
            "REM" => rem(l),
            "TITLE" | "PERFORMER" | "SONGWRITER" | "CDTEXTFILE" => {
                if !self.cdtext_noted {
                    self.cdtext_noted = true;
                    self.sheet.warnings.push(format!(
                        "line {}: {} and other CD-Text lines are not written to the disc",
                        l.line, l.kw
                    ));
                }
                Ok(())
            }
            "CATALOG" => self.catalog(l),
            "FILE" => self.file(l),
            "TRACK" => self.track(l),
            "INDEX" => self.index(l),
            "PREGAP" | "POSTGAP" => self.gap(l),
            "FLAGS" => self.flags(l),
            "ISRC" => self.isrc(l),
            _ => err(l.line, format!("unknown command {:?}", l.kw)),
        }
    }

    /// The track the line belongs to: the last one.
    fn last_track(&mut self, l: &Line) -> Result<&mut CueTrack, CueError> {
        match self.sheet.tracks.last_mut() {
            Some(t) => Ok(t),
            None => err(l.line, format!("{} before any TRACK", l.kw)),
        }
    }

    fn catalog(&mut self, l: &Line) -> Result<(), CueError> {
        if !self.sheet.tracks.is_empty() {
            return err(l.line, "CATALOG must come before the first TRACK");
        }
        let c = l.arg(0);
        if c.len() != 13 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return err(l.line, format!("CATALOG {c:?} is not 13 digits"));
        }
        let mut a = [0u8; 13];
        a.copy_from_slice(c.as_bytes());
        self.sheet.catalog = Some(a);
        Ok(())
    }

    fn file(&mut self, l: &Line) -> Result<(), CueError> {
        let Some((name, after)) = word(l.rest) else {
            return err(l.line, "FILE without a name");
        };
        if name.is_empty() {
            return err(l.line, "FILE with an empty name");
        }
        let ty = after.split_whitespace().next().unwrap_or("");
        self.sheet.files.push(CueFile {
            name: name.to_string(),
            file_type: file_type(ty, l.line)?,
            line: l.line,
        });
        Ok(())
    }

    fn track(&mut self, l: &Line) -> Result<(), CueError> {
        let line = l.line;
        if self.sheet.files.is_empty() {
            return err(line, "TRACK before any FILE");
        }
        if let Some(t) = self.sheet.tracks.last() {
            finish_track(t)?;
        }
        let n = number(l.arg(0), line, "track number", 99)?;
        let want = self.sheet.tracks.len() as u64 + 1;
        if n != want {
            return err(line, format!("TRACK {n:02} where track {want:02} is due"));
        }
        let mode = track_mode(l.arg(1), n, line)?;
        self.sheet.tracks.push(CueTrack {
            number: n as u8,
            mode,
            file: self.sheet.files.len() - 1,
            flags: Flags::default(),
            isrc: None,
            pregap: 0,
            postgap: 0,
            indexes: Vec::new(),
            line,
        });
        Ok(())
    }

    fn index(&mut self, l: &Line) -> Result<(), CueError> {
        let line = l.line;
        let nfiles = self.sheet.files.len();
        let t = self.last_track(l)?;
        let n = number(l.arg(0), line, "index number", 99)?;
        let at = msf(l.arg(1), line)?;
        if t.postgap > 0 {
            return err(line, "INDEX after POSTGAP");
        }
        match t.indexes.last() {
            None if n > 1 => {
                return err(
                    line,
                    format!("INDEX {n:02} is the track's first (00 or 01)"),
                );
            }
            Some(&(p, _)) if u64::from(p) + 1 != n => {
                return err(line, format!("INDEX {n:02} after INDEX {p:02}"));
            }
            _ => {}
        }
        if t.indexes.is_empty() && t.file != nfiles - 1 {
            // A FILE line between TRACK and its first INDEX: the track is in that file.
            t.file = nfiles - 1;
        } else if t.file != nfiles - 1 {
            return err(
                line,
                format!(
                    "TRACK {:02} has indexes in two FILEs (a pregap at the end of the \
                     previous file): not supported; give each track's indexes one FILE",
                    t.number
                ),
            );
        }
        t.indexes.push((n as u8, at));
        Ok(())
    }

    /// PREGAP or POSTGAP: sectors generated before or after the track's data.
    fn gap(&mut self, l: &Line) -> Result<(), CueError> {
        let line = l.line;
        let t = self.last_track(l)?;
        let f = msf(l.arg(0), line)?;
        let f = u32::try_from(f).map_err(|_| CueError {
            line,
            message: format!("{} too long", l.kw),
        })?;
        if l.kw == "PREGAP" {
            if !t.indexes.is_empty() {
                return err(line, "PREGAP must come before the track's first INDEX");
            }
            t.pregap = f;
        } else {
            if t.indexes.is_empty() {
                return err(line, "POSTGAP must come after the track's INDEX lines");
            }
            t.postgap = f;
        }
        Ok(())
    }

    fn flags(&mut self, l: &Line) -> Result<(), CueError> {
        let t = self.last_track(l)?;
        for a in &l.args {
            match a.to_ascii_uppercase().as_str() {
                "DCP" => t.flags.dcp = true,
                "4CH" => t.flags.four_channel = true,
                "PRE" => t.flags.pre_emphasis = true,
                "SCMS" => t.flags.scms = true,
                // cdrdao writes this for data tracks; it is what the mode says.
                "DATA" => {}
                _ => return err(l.line, format!("unknown flag {a:?}")),
            }
        }
        if !t.mode.is_audio() && (t.flags.four_channel || t.flags.pre_emphasis) {
            return err(l.line, "FLAGS 4CH and PRE apply to audio tracks only");
        }
        Ok(())
    }

    fn isrc(&mut self, l: &Line) -> Result<(), CueError> {
        let t = self.last_track(l)?;
        let c = l.arg(0).as_bytes();
        let ok = c.len() == 12
            && c[..5]
                .iter()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            && c[5..].iter().all(|b| b.is_ascii_digit());
        if !ok {
            return err(
                l.line,
                "ISRC must be 12 characters: 5 letters or digits, then 7 digits",
            );
        }
        if !t.mode.is_audio() {
            return err(l.line, "ISRC applies to audio tracks only");
        }
        let mut a = [0u8; 12];
        a.copy_from_slice(c);
        t.isrc = Some(a);
        Ok(())
    }
}

/// REM is a comment, except REM SESSION: a second session cannot be written in one go.
fn rem(l: &Line) -> Result<(), CueError> {
    if l.args
        .first()
        .is_some_and(|a| a.eq_ignore_ascii_case("SESSION"))
    {
        let n = number(l.arg(1), l.line, "session", 99)?;
        if n > 1 {
            return err(
                l.line,
                format!(
                    "REM SESSION {n:02}: a multi-session cue sheet cannot be burned \
                     in one session-at-once write"
                ),
            );
        }
    }
    Ok(())
}

fn file_type(ty: &str, line: usize) -> Result<FileType, CueError> {
    match ty.to_ascii_uppercase().as_str() {
        "BINARY" => Ok(FileType::Binary),
        "MOTOROLA" => Ok(FileType::Motorola),
        "WAVE" | "MP3" | "AIFF" => err(
            line,
            format!(
                "FILE type {ty} is not supported: convert it to raw 44.1 kHz \
                 16-bit stereo samples and name it BINARY"
            ),
        ),
        "" => err(line, "FILE without a type (BINARY or MOTOROLA)"),
        _ => err(line, format!("unknown FILE type {ty:?}")),
    }
}

/// The mode word `m` of TRACK `n`.
fn track_mode(m: &str, n: u64, line: usize) -> Result<TrackMode, CueError> {
    match m.to_ascii_uppercase().as_str() {
        "AUDIO" => Ok(TrackMode::Audio),
        "MODE1/2048" => Ok(TrackMode::Mode1Cooked),
        "MODE1/2352" => Ok(TrackMode::Mode1Raw),
        "MODE2/2352" => Ok(TrackMode::Mode2Raw),
        "" => err(line, format!("TRACK {n:02} without a mode")),
        "MODE2/2336" | "CDG" | "CDI/2336" | "CDI/2352" => err(
            line,
            format!(
                "TRACK {n:02} {m}: 2336-byte mode 2, CD+G and CD-i tracks are not \
                 supported (AUDIO, MODE1/2048, MODE1/2352 and MODE2/2352 are)"
            ),
        ),
        _ => err(line, format!("TRACK {n:02}: unknown mode {m:?}")),
    }
}

fn finish_track(t: &CueTrack) -> Result<(), CueError> {
    if !t.indexes.iter().any(|i| i.0 == 1) {
        return err(t.line, format!("TRACK {:02} has no INDEX 01", t.number));
    }
    Ok(())
}

/// Where a run of sectors comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Generated: silence on audio tracks, zero user data on data tracks.
    Gap,
    /// `FILE` number `file` from byte `offset`.
    File { file: usize, offset: u64 },
}

/// A run of sectors on the disc of one track and one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub lba: i64,
    pub sectors: u64,
    /// Index into [`Layout::tracks`].
    pub track: usize,
    pub source: Source,
}

/// One track on the disc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackLayout {
    pub number: u8,
    pub mode: TrackMode,
    pub flags: Flags,
    pub isrc: Option<[u8; 12]>,
    /// Every index point on the disc (index 0 where there is a pregap), in order.
    pub indexes: Vec<(u8, i64)>,
    /// INDEX 01: where the track starts in the TOC.
    pub start: i64,
    /// First LBA after the track (its postgap included; the next track's pregap is not).
    pub end: i64,
    pub file: usize,
}

/// The whole session: tracks, and the extents to write from LBA −150 to the lead-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub catalog: Option<[u8; 13]>,
    pub tracks: Vec<TrackLayout>,
    pub extents: Vec<Extent>,
    /// LBA of the lead-out: the sectors the session takes from LBA 0.
    pub leadout: i64,
}

impl Layout {
    /// Sectors written from LBA −150 to the lead-out.
    pub fn written_sectors(&self) -> u64 {
        (self.leadout + 150) as u64
    }

    /// The track an LBA belongs to (pregaps go with the track they lead into).
    pub fn track_at(&self, lba: i64) -> Option<&TrackLayout> {
        self.extents
            .iter()
            .find(|e| lba >= e.lba && lba < e.lba + e.sectors as i64)
            .map(|e| &self.tracks[e.track])
    }
}

/// Lay the sheet out on a blank disc, given each FILE's size in bytes: every track's and
/// index's LBA, each track's bytes in its file. Track 1's pregap is 150 sectors from
/// LBA −150 (generated where the file holds less). Every file must be whole sectors of its
/// tracks' size and hold every index.
pub fn layout(sheet: &CueSheet, sizes: &[u64]) -> Result<Layout, CueError> {
    let mut s = Session {
        sheet,
        sizes,
        tracks: Vec::new(),
        extents: Vec::new(),
        lba: -150,
    };
    for (k, t) in sheet.tracks.iter().enumerate() {
        let span = s.file_span(k)?;
        check_indexes(t, &sheet.files[t.file], span.sectors)?;
        let gap = generated_pregap(k, t)?;
        s.place(k, gap, span);
        if s.lba > 99 * 60 * 75 {
            return err(t.line, "the session is longer than 99 minutes");
        }
    }
    Ok(Layout {
        catalog: sheet.catalog,
        tracks: s.tracks,
        extents: s.extents,
        leadout: s.lba,
    })
}

/// A track's sectors in its file.
#[derive(Clone, Copy)]
struct FileSpan {
    /// Byte where the track's first index is.
    offset: u64,
    sectors: u64,
}

/// The session laid out so far: tracks placed, their extents, the next LBA.
struct Session<'a> {
    sheet: &'a CueSheet,
    sizes: &'a [u64],
    tracks: Vec<TrackLayout>,
    extents: Vec<Extent>,
    lba: i64,
}

impl Session<'_> {
    /// Where track `k`'s sectors are in its file; the file must hold all of them.
    fn file_span(&self, k: usize) -> Result<FileSpan, CueError> {
        let t = &self.sheet.tracks[k];
        let f = &self.sheet.files[t.file];
        let size = self.sizes.get(t.file).copied().unwrap_or(0);
        let ss = t.mode.sector_bytes();
        let start_byte = self.start_byte(k)?;
        let next_in_file = self.sheet.tracks.get(k + 1).filter(|n| n.file == t.file);
        // The track's sectors in the file: to the next track's first index in the same
        // file, or to the end of the file.
        let sectors = match next_in_file {
            Some(n) => {
                let nf = n.indexes[0].1;
                if nf < t.indexes[0].1 {
                    return err(n.line, "INDEX positions go back in the file");
                }
                nf - t.indexes[0].1
            }
            None => {
                let left = size.saturating_sub(start_byte);
                if size < start_byte || left % ss != 0 {
                    return err(
                        f.line,
                        format!(
                            "{:?} is {size} bytes: track {:02} from byte {start_byte} is not a whole number of {ss}-byte sectors",
                            f.name, t.number
                        ),
                    );
                }
                left / ss
            }
        };
        if start_byte + sectors * ss > size {
            // Where the next track's first index lies past the end of the file, that line
            // is the one to fix.
            let line = next_in_file.map_or(t.line, |n| n.line);
            return err(
                line,
                format!(
                    "{:?} is {size} bytes, too short for track {:02} ({sectors} sectors of {ss} from byte {start_byte})",
                    f.name, t.number
                ),
            );
        }
        Ok(FileSpan {
            offset: start_byte,
            sectors,
        })
    }

    /// Byte where track `k`'s first index is in its file: the previous track in the same
    /// file ends there (its own sector size counted).
    fn start_byte(&self, k: usize) -> Result<u64, CueError> {
        let t = &self.sheet.tracks[k];
        let first = t.indexes[0].1;
        match k.checked_sub(1).map(|p| &self.sheet.tracks[p]) {
            Some(p) if p.file == t.file => {
                let pf = p.indexes[0].1;
                if first < pf {
                    return err(t.line, "INDEX positions go back in the file");
                }
                let prev = tracks_start_byte(&self.extents, k - 1);
                Ok(prev + (first - pf) * p.mode.sector_bytes())
            }
            _ => {
                if first != 0 {
                    return err(
                        t.line,
                        format!(
                            "TRACK {:02} is the first in FILE {:?}: its first INDEX must be 00:00:00",
                            t.number, self.sheet.files[t.file].name
                        ),
                    );
                }
                Ok(0)
            }
        }
    }

    /// Places track `k` at the next LBA: `gap` generated sectors, its file data, its
    /// postgap; its index points on the disc.
    fn place(&mut self, k: usize, gap: u64, span: FileSpan) {
        let t = &self.sheet.tracks[k];
        let region_start = self.lba;
        if gap > 0 {
            self.extend(k, gap, Source::Gap);
        }
        let data_lba = self.lba;
        self.extend(
            k,
            span.sectors,
            Source::File {
                file: t.file,
                offset: span.offset,
            },
        );
        if t.postgap > 0 {
            self.extend(k, u64::from(t.postgap), Source::Gap);
        }
        let first = t.indexes[0].1;
        let mut indexes = Vec::new();
        if gap > 0 && !t.indexes.iter().any(|i| i.0 == 0) {
            indexes.push((0, region_start));
        }
        for &(n, at) in &t.indexes {
            let l = if n == 0 {
                region_start
            } else {
                data_lba + (at - first) as i64
            };
            indexes.push((n, l));
        }
        let start = indexes
            .iter()
            .find(|i| i.0 == 1)
            .map(|i| i.1)
            .unwrap_or(data_lba);
        self.tracks.push(TrackLayout {
            number: t.number,
            mode: t.mode,
            flags: t.flags,
            isrc: t.isrc,
            indexes,
            start,
            end: self.lba,
            file: t.file,
        });
    }

    /// `sectors` of track `k` from `source` at the next LBA.
    fn extend(&mut self, k: usize, sectors: u64, source: Source) {
        self.extents.push(Extent {
            lba: self.lba,
            sectors,
            track: k,
            source,
        });
        self.lba += sectors as i64;
    }
}

/// Every index of `t` after the one before it, and inside the track's `sectors`.
fn check_indexes(t: &CueTrack, f: &CueFile, sectors: u64) -> Result<(), CueError> {
    for w in t.indexes.windows(2) {
        if w[1].1 <= w[0].1 {
            return err(
                t.line,
                format!(
                    "TRACK {:02}: INDEX {:02} is not after INDEX {:02}",
                    t.number, w[1].0, w[0].0
                ),
            );
        }
    }
    let last = t.indexes[t.indexes.len() - 1];
    if last.1 - t.indexes[0].1 >= sectors {
        return err(
            t.line,
            format!(
                "TRACK {:02}: INDEX {:02} is past the track's end in {:?}",
                t.number, last.0, f.name
            ),
        );
    }
    Ok(())
}

/// Sectors generated before track `k`'s file data: its PREGAP, and for track 1 what its
/// file holds less than the 150 sectors from LBA −150 to 0.
fn generated_pregap(k: usize, t: &CueTrack) -> Result<u64, CueError> {
    let first = t.indexes[0].1;
    let file_pregap = t
        .indexes
        .iter()
        .find(|i| i.0 == 1)
        .map(|i| i.1 - first)
        .unwrap_or(0);
    // Track 1 starts at LBA −150 with at least 150 sectors of pregap.
    let mut gap = u64::from(t.pregap);
    if k == 0 && gap + file_pregap < 150 {
        gap = 150 - file_pregap;
    }
    if k == 0 && gap + file_pregap > 150 {
        // Track 1 would start after LBA 0, with audio hidden in its pregap.
        return err(
            t.line,
            "TRACK 01: a pregap over 2 seconds (a hidden track before INDEX 01) is not supported",
        );
    }
    Ok(gap)
}

/// Byte offset in its file where track `k`'s file data begins (from the extents laid out).
fn tracks_start_byte(extents: &[Extent], k: usize) -> u64 {
    extents
        .iter()
        .find_map(|e| match e.source {
            Source::File { offset, .. } if e.track == k => Some(offset),
            _ => None,
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &str = "REM COMMENT \"made by hand\"\r\n\
CATALOG 0123456789012\r\n\
TITLE \"Mixed\"\r\n\
FILE \"mixed disc.bin\" BINARY\r\n\
  TRACK 01 MODE1/2352\r\n\
    INDEX 01 00:00:00\r\n\
  TRACK 02 AUDIO\r\n\
    FLAGS PRE DCP\r\n\
    ISRC USABC2600001\r\n\
    INDEX 01 00:00:40\r\n\
  TRACK 03 AUDIO\r\n\
    INDEX 00 00:01:00\r\n\
    INDEX 01 00:01:10\r\n\
    INDEX 02 00:01:20\r\n\
FILE track4.bin MOTOROLA\r\n\
  TRACK 04 AUDIO\r\n\
    PREGAP 00:00:30\r\n\
    INDEX 01 00:00:00\r\n\
    POSTGAP 00:00:05\r\n";

    #[test]
    fn parses_a_mixed_sheet() {
        let s = parse(MIXED).unwrap();
        assert_eq!(s.catalog.as_ref().unwrap(), b"0123456789012");
        assert_eq!(s.files.len(), 2);
        assert_eq!(s.files[0].name, "mixed disc.bin");
        assert_eq!(s.files[1].file_type, FileType::Motorola);
        assert_eq!(s.tracks.len(), 4);
        assert_eq!(s.tracks[0].mode, TrackMode::Mode1Raw);
        assert!(s.tracks[1].flags.pre_emphasis && s.tracks[1].flags.dcp);
        assert_eq!(s.tracks[1].isrc.as_ref().unwrap(), b"USABC2600001");
        // 00:01:10 = 75 + 10 frames.
        assert_eq!(s.tracks[2].indexes, vec![(0, 75), (1, 85), (2, 95)]);
        assert_eq!(s.tracks[3].file, 1);
        assert_eq!((s.tracks[3].pregap, s.tracks[3].postgap), (30, 5));
        assert_eq!(s.warnings.len(), 1);
        assert!(s.warnings[0].starts_with("line 3: TITLE"));
    }

    #[test]
    fn lays_out_a_mixed_sheet() {
        let s = parse(MIXED).unwrap();
        // File 1: track 1 40 sectors, track 2 35 (40..75), track 3 from 75 (pregap 10) to
        // the end, 30 sectors. File 2: 20 sectors.
        let sizes = [105 * 2352, 20 * 2352];
        let l = layout(&s, &sizes).unwrap();
        // Track 1: generated 150-sector pregap from −150, data at 0..40.
        assert_eq!(l.tracks[0].indexes, vec![(0, -150), (1, 0)]);
        assert_eq!((l.tracks[0].start, l.tracks[0].end), (0, 40));
        assert_eq!(l.tracks[1].indexes, vec![(1, 40)]);
        assert_eq!(l.tracks[2].indexes, vec![(0, 75), (1, 85), (2, 95)]);
        assert_eq!(l.tracks[2].end, 105);
        // Track 4: 30 generated, 20 from the file, 5 generated.
        assert_eq!(l.tracks[3].indexes, vec![(0, 105), (1, 135)]);
        assert_eq!(l.tracks[3].end, 160);
        assert_eq!(l.leadout, 160);
        assert_eq!(l.written_sectors(), 310);
        assert_eq!(
            l.extents
                .iter()
                .map(|e| (e.lba, e.sectors, e.source))
                .collect::<Vec<_>>(),
            vec![
                (-150, 150, Source::Gap),
                (0, 40, Source::File { file: 0, offset: 0 }),
                (
                    40,
                    35,
                    Source::File {
                        file: 0,
                        offset: 40 * 2352
                    }
                ),
                (
                    75,
                    30,
                    Source::File {
                        file: 0,
                        offset: 75 * 2352
                    }
                ),
                (105, 30, Source::Gap),
                (135, 20, Source::File { file: 1, offset: 0 }),
                (155, 5, Source::Gap),
            ]
        );
        assert_eq!(l.track_at(80).map(|t| t.number), Some(3));
        assert_eq!(l.track_at(-1).map(|t| t.number), Some(1));
        assert!(l.track_at(160).is_none());
    }

    #[test]
    fn cooked_and_raw_tracks_in_one_file_use_their_own_sector_size() {
        let s = parse(
            "FILE a.bin BINARY\nTRACK 01 MODE1/2048\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 01 00:00:10\n",
        )
        .unwrap();
        let l = layout(&s, &[10 * 2048 + 5 * 2352]).unwrap();
        assert_eq!(
            l.extents[2].source,
            Source::File {
                file: 0,
                offset: 10 * 2048
            }
        );
        assert_eq!(l.leadout, 15);
        // One byte short of whole sectors.
        let e = layout(&s, &[10 * 2048 + 5 * 2352 - 1]).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(
            e.message
                .contains("not a whole number of 2352-byte sectors"),
            "{e}"
        );
        // Track 2's index is past the end of a short file.
        let e = layout(&s, &[5 * 2048]).unwrap_err();
        assert!(
            e.message.contains("too short") || e.message.contains("whole"),
            "{e}"
        );
    }

    #[test]
    fn track_one_pregap_held_in_the_file() {
        // All 150 pregap sectors in the file: nothing generated, the file from LBA −150.
        let s = parse("FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 00 00:00:00\nINDEX 01 00:02:00\n")
            .unwrap();
        let l = layout(&s, &[250 * 2352]).unwrap();
        assert_eq!(l.tracks[0].indexes, vec![(0, -150), (1, 0)]);
        assert_eq!(l.extents[0].source, Source::File { file: 0, offset: 0 });
        assert_eq!((l.extents.len(), l.leadout), (1, 100));
        // 100 of them in the file: 50 generated first.
        let s = parse("FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 00 00:00:00\nINDEX 01 00:01:25\n")
            .unwrap();
        let l = layout(&s, &[200 * 2352]).unwrap();
        assert_eq!(l.tracks[0].indexes, vec![(0, -150), (1, 0)]);
        assert_eq!((l.extents[0].lba, l.extents[0].sectors), (-150, 50));
        assert_eq!(l.extents[1].lba, -100);
        assert_eq!(l.leadout, 100);
        // A pregap at the end of the previous file (EAC's non-compliant sheets): refused.
        let e = parse(
            "FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 00 00:01:00\nFILE b.bin BINARY\nINDEX 01 00:00:00\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 7);
        assert!(e.message.contains("two FILEs"), "{e}");
        // More than 150 sectors before track 1's INDEX 01: refused.
        let s = parse("FILE a.bin BINARY\nTRACK 01 AUDIO\nPREGAP 00:01:00\nINDEX 00 00:00:00\nINDEX 01 00:01:01\n")
            .unwrap();
        let e = layout(&s, &[200 * 2352]).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("hidden track"), "{e}");
    }

    #[test]
    fn line_ends_and_names() {
        let s = parse("FILE \"a b.bin\" BINARY\rTRACK 01 AUDIO\rINDEX 01 00:00:00\r").unwrap();
        assert_eq!(s.files[0].name, "a b.bin");
        let e = parse("FILE a.bin BINARY\r\nTRACK 01 AUDIO\r\nINDEX 02 00:00:00\r\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(
            file_names("FILE \"x y\" BINARY\nFILE z.bin MOTOROLA\n"),
            ["x y", "z.bin"]
        );
    }

    #[test]
    fn refusals_name_the_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("FILE a.wav WAVE\n", 1, "WAVE"),
            ("FILE a.bin BINARY\nTRACK 01 MODE2/2336\n", 2, "MODE2/2336"),
            ("FILE a.bin BINARY\nTRACK 01 CDG\n", 2, "CD+G"),
            (
                "FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nINDEX 03 00:01:00\n",
                4,
                "INDEX 03",
            ),
            ("REM SESSION 02\n", 1, "multi-session"),
            ("FILE a.bin BINARY\nTRACK 02 AUDIO\n", 2, "track 01 is due"),
            ("FILE a.bin BINARY\nTRACK 01 AUDIO\n", 2, "no INDEX 01"),
            (
                "FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:60:00\n",
                3,
                "bad time",
            ),
            ("CATALOG 12345\n", 1, "13 digits"),
            (
                "FILE a.bin BINARY\nTRACK 01 MODE1/2048\nFLAGS PRE\n",
                3,
                "audio tracks only",
            ),
            (
                "FILE a.bin BINARY\nTRACK 01 AUDIO\nISRC US-ABC\n",
                3,
                "ISRC",
            ),
            ("BOGUS\n", 1, "unknown command"),
            ("", 0, "no TRACK"),
        ];
        for (text, line, what) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, *line, "{text:?}: {e}");
            assert!(e.to_string().contains(what), "{text:?}: {e}");
        }
        // Indexes out of order inside a track are found when laid out.
        let s = parse("FILE a.bin BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:10\nINDEX 02 00:00:05\n");
        let s = s.unwrap();
        let e = layout(&s, &[100 * 2352]).unwrap_err();
        assert!(
            e.message.contains("first INDEX must be 00:00:00") || e.message.contains("not after"),
            "{e}"
        );
    }
}
