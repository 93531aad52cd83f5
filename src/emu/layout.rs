//! Where things are on the emulated disc: the open session, the next writable address, the
//! invisible track, the lead-out — derived from the recorded tracks (MMC-6 §4.5.3 for CD
//! sessions and TAO pre-gaps, §4.6 for DVD, §4.10 for BD).

use super::medium::{Family, MediaKind, State, Track, WriteMethod};

/// Pre-gap before every track after the first on a TAO CD (2 seconds).
pub const CD_PREGAP: u32 = 150;
/// Run-out blocks after a CD TAO track: written by the drive, unreadable.
pub const CD_TAO_RUNOUT: u32 = 2;
/// Lead-out + next lead-in + pre-gap of a CD session: first session 6750 + 4500 + 150.
const CD_FIRST_SESSION_GAP: u32 = 6750 + 4500 + CD_PREGAP;
/// Later sessions: 2250 + 4500 + 150.
const CD_NEXT_SESSION_GAP: u32 = 2250 + 4500 + CD_PREGAP;
/// Border-out and border-in between DVD sessions (a simplification of ECMA-338/349 sizes).
const DVD_SESSION_GAP: u32 = 4096;

/// Blocks a write unit spans: DVD ECC blocks (16 sectors), BD clusters (32 sectors).
pub fn alignment(kind: MediaKind) -> u32 {
    match kind.family() {
        Family::Cd => 1,
        Family::Dvd => 16,
        Family::Bd => 32,
    }
}

fn align_up(v: u32, a: u32) -> u32 {
    v.div_ceil(a) * a
}

/// MMC profile number of the current medium (MMC-6 Table 89).
pub fn profile(s: &State) -> u16 {
    match s.kind {
        MediaKind::CdRom => 0x0008,
        MediaKind::CdR => 0x0009,
        MediaKind::CdRw => 0x000A,
        MediaKind::DvdRom => 0x0010,
        MediaKind::DvdR => 0x0011,
        MediaKind::DvdRw if s.formatted => 0x0013,
        MediaKind::DvdRw => 0x0014,
        MediaKind::DvdPlusRw => 0x001A,
        MediaKind::DvdPlusR => 0x001B,
        MediaKind::DvdPlusRDl => 0x002B,
        MediaKind::BdRom => 0x0040,
        MediaKind::BdR => 0x0041,
        MediaKind::BdRe => 0x0043,
    }
}

/// Random-access writable media: no tracks to append, any block may be overwritten.
pub fn is_random(s: &State) -> bool {
    matches!(s.kind, MediaKind::DvdPlusRw | MediaKind::BdRe)
        || (s.kind == MediaKind::DvdRw && s.formatted)
}

/// Appendable in tracks (CD-R/RW, DVD-R, sequential DVD-RW, DVD+R, BD-R).
pub fn is_sequential(s: &State) -> bool {
    !s.kind.is_rom() && !is_random(s)
}

/// The track being written without a reservation (MMC's "incomplete" track), if any.
pub fn incomplete_track(s: &State) -> Option<&Track> {
    s.tracks
        .last()
        .filter(|t| !t.closed && t.reserved.is_none())
}

/// Session of tracks not yet closed into a session (1-based).
pub fn open_session(s: &State) -> u16 {
    s.closed_sessions + 1
}

/// Where the next track would start, after the last one (with pre-gap / alignment) or at the
/// start of a new session.
pub fn next_track_start(s: &State) -> u32 {
    let Some(last) = s.tracks.last() else {
        return 0;
    };
    let end = last.end();
    let new_session = last.session <= s.closed_sessions;
    match s.kind.family() {
        Family::Cd => {
            if new_session {
                let gap = if s.closed_sessions <= 1 {
                    CD_FIRST_SESSION_GAP
                } else {
                    CD_NEXT_SESSION_GAP
                };
                end + gap
            } else {
                end + CD_PREGAP
            }
        }
        Family::Dvd => {
            let a = align_up(end, 16);
            if new_session { a + DVD_SESSION_GAP } else { a }
        }
        Family::Bd => align_up(end, 32),
    }
}

/// Whether an invisible (blank, unreserved) track follows the recorded ones.
pub fn has_invisible_track(s: &State) -> bool {
    is_sequential(s)
        && !s.finalized
        && incomplete_track(s).is_none()
        && next_track_start(s) < s.capacity
}

/// Addresses a sequential WRITE may start at: the NWA of each open track (index into
/// `tracks`) with room left, then the start of the invisible track (`None`).
pub fn writable_addresses(s: &State) -> Vec<(Option<usize>, u32)> {
    let mut v = Vec::new();
    if !is_sequential(s) || s.finalized {
        return v;
    }
    for (i, t) in s.tracks.iter().enumerate() {
        if t.closed || t.damaged {
            continue;
        }
        if t.reserved.is_none_or(|r| t.recorded < r) {
            v.push((Some(i), t.start + t.recorded));
        }
    }
    if has_invisible_track(s) {
        v.push((None, next_track_start(s)));
    }
    v
}

/// Next writable address: of the open track, or of the invisible one.
pub fn next_writable_address(s: &State) -> Option<u32> {
    writable_addresses(s).first().map(|e| e.1)
}

/// Number of tracks including an invisible one.
pub fn last_track_number(s: &State) -> u16 {
    s.tracks.len() as u16 + u16::from(has_invisible_track(s))
}

/// Disc status (MMC-6 Table 573): 0 empty, 1 incomplete, 2 complete, 3 others (random).
pub fn disc_status(s: &State) -> u8 {
    if s.kind.is_rom() {
        return 2;
    }
    if is_random(s) {
        return if s.formatted { 3 } else { 0 };
    }
    if s.finalized {
        2
    } else if s.tracks.is_empty() {
        0
    } else {
        1
    }
}

/// State of the last session (MMC-6 Table 573): 0 empty, 1 incomplete, 3 complete.
pub fn last_session_state(s: &State) -> u8 {
    if s.kind.is_rom() || s.finalized || is_random(s) && s.formatted {
        return 3;
    }
    if s.tracks.iter().any(|t| t.session == open_session(s)) {
        1
    } else {
        0
    }
}

/// Sessions on the disc, counting an open (possibly empty) one.
pub fn session_count(s: &State) -> u16 {
    if s.kind.is_rom() || is_random(s) {
        return 1;
    }
    if s.finalized {
        s.closed_sessions.max(1)
    } else {
        s.closed_sessions + 1
    }
}

/// First and last track numbers of the last session.
pub fn last_session_tracks(s: &State) -> (u16, u16) {
    let sess = session_count(s);
    let in_last: Vec<u16> = s
        .tracks
        .iter()
        .filter(|t| t.session == sess)
        .map(|t| t.number)
        .collect();
    let last = last_track_number(s).max(1);
    match in_last.first() {
        Some(&f) => (f, last),
        None => (last, last),
    }
}

/// Tracks that are readable (recorded and, on CD, in a closed session or a closed track).
pub fn readable_tracks(s: &State) -> impl Iterator<Item = &Track> {
    s.tracks.iter().filter(|t| t.recorded > 0)
}

/// What the drive knows about one LBA when reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockState {
    /// Recorded user data of a data track.
    Data,
    /// Recorded audio (READ(10) gives ILLEGAL MODE FOR THIS TRACK).
    Audio,
    /// CD TAO run-out: unreadable.
    RunOut,
    /// Nothing recorded there.
    Unrecorded,
}

pub fn block_state(s: &State, lba: u32) -> BlockState {
    if is_random(s) {
        return if lba < s.capacity && s.formatted {
            BlockState::Data
        } else {
            BlockState::Unrecorded
        };
    }
    for t in &s.tracks {
        if lba >= t.start && lba < t.start + t.recorded {
            return if t.audio {
                BlockState::Audio
            } else {
                BlockState::Data
            };
        }
        if lba >= t.start + t.recorded && lba < t.end() && t.closed && t.runout > 0 {
            return BlockState::RunOut;
        }
    }
    BlockState::Unrecorded
}

/// Last LBA READ CAPACITY reports: end of the recorded area (on CD TAO including the run-out,
/// as real drives do), the formatted size on random-access media.
pub fn recorded_end(s: &State) -> u32 {
    if is_random(s) {
        return if s.formatted { s.capacity } else { 0 };
    }
    s.tracks
        .iter()
        .filter(|t| t.recorded > 0)
        .map(|t| {
            if t.closed {
                t.end()
            } else {
                t.start + t.recorded
            }
        })
        .max()
        .unwrap_or(0)
}

/// A new track at the next start in the open session.
pub fn new_track(s: &State, method: WriteMethod, audio: bool) -> Track {
    Track {
        number: s.tracks.len() as u16 + 1,
        session: open_session(s),
        start: next_track_start(s),
        recorded: 0,
        reserved: None,
        runout: 0,
        closed: false,
        audio,
        method,
        damaged: false,
        control: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tao_track(n: u16, start: u32, recorded: u32) -> Track {
        Track {
            number: n,
            session: 1,
            start,
            recorded,
            reserved: None,
            runout: CD_TAO_RUNOUT,
            closed: true,
            audio: false,
            method: WriteMethod::Tao,
            damaged: false,
            control: None,
        }
    }

    #[test]
    fn cd_tao_second_track_follows_runout_and_pregap() {
        let mut s = State::new_blank(MediaKind::CdR, 359_849);
        s.tracks.push(tao_track(1, 0, 1000));
        // 1000 data + 2 run-out, then a 150-block pre-gap.
        assert_eq!(next_track_start(&s), 1152);
        assert_eq!(next_writable_address(&s), Some(1152));
        assert_eq!(block_state(&s, 999), BlockState::Data);
        assert_eq!(block_state(&s, 1000), BlockState::RunOut);
        assert_eq!(block_state(&s, 1002), BlockState::Unrecorded);
        assert_eq!(recorded_end(&s), 1002);
    }

    #[test]
    fn cd_new_session_after_first_skips_leadout_and_leadin() {
        let mut s = State::new_blank(MediaKind::CdR, 359_849);
        s.tracks.push(tao_track(1, 0, 1000));
        s.closed_sessions = 1;
        assert_eq!(next_track_start(&s), 1002 + 6750 + 4500 + 150);
        assert_eq!(session_count(&s), 2);
        assert_eq!(disc_status(&s), 1);
        assert_eq!(last_session_state(&s), 0);
    }
}
