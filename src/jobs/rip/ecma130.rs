//! ECMA-130 sector checks for raw (2352-byte) CD reads: sync pattern, header address, EDC
//! (CRC-32/CD-ROM-EDC, Annex B) and the P/Q Reed-Solomon product code (Annex A), computed
//! and compared.
//!
//! This module holds the CD error-correction arithmetic on its own (as libburn keeps it in
//! `ecma130ab.c`). The emulated drive needs the same arithmetic to encode sectors for
//! READ CD; the two should share one module (see the rip report to the lead).

use super::engine::{BadSector, Checker, Segment};
use super::source::Track;
use crc::{CRC_32_CD_ROM_EDC, Crc, Table};
use std::path::Path;

/// Bytes of a raw CD sector.
pub const RAW: usize = 2352;
const SYNC: [u8; 12] = [
    0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0,
];
static EDC: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC_32_CD_ROM_EDC);

/// GF(2^8) tables for the P/Q parity (ECMA-130 Annex A, field polynomial x^8+x^4+x^3+x^2+1).
struct Gf {
    f: [u8; 256],
    b: [u8; 256],
}

const fn gf_tables() -> Gf {
    let mut f = [0u8; 256];
    let mut b = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let j = ((i << 1) ^ if i & 0x80 != 0 { 0x11D } else { 0 }) as u8;
        f[i] = j;
        b[i ^ j as usize] = i as u8;
        i += 1;
    }
    Gf { f, b }
}

static GF: Gf = gf_tables();

/// Multiply by α (x) in GF(2^8) mod x^8+x^4+x^3+x^2+1, branch-free so the column loops
/// below vectorize.
#[inline(always)]
fn mul2(a: u8) -> u8 {
    (a << 1) ^ (((a as i8) >> 7) as u8 & 0x1D)
}

/// Parity of `N` interleaved code words laid out as `minor` rows of `N` bytes (word `m` is
/// column `m`). Every column is independent, so the inner loop runs across columns (SIMD);
/// the serial form (one word at a time) is `parity_reference` in the tests.
fn parity_cols<const N: usize>(rows: &[u8], minor: usize, dest: &mut [u8]) {
    let mut a = [0u8; N];
    let mut b = [0u8; N];
    for row in rows.chunks_exact(N).take(minor) {
        let Ok(row) = <&[u8; N]>::try_from(row) else {
            break;
        };
        for m in 0..N {
            let t = row[m];
            b[m] ^= t;
            a[m] = mul2(a[m] ^ t);
        }
    }
    for m in 0..N {
        let x = GF.b[(mul2(a[m]) ^ b[m]) as usize];
        dest[m] = x;
        dest[m + N] = x ^ b[m];
    }
}

/// Q code words run diagonally (ECMA-130 Annex A): word `m` takes byte
/// `((m/2)·86 + m%2 + 88·r) mod 2236` as its row `r`. Gathering them into rows once per
/// sector lets `parity_cols` treat Q like P.
const Q_INDEX: [u16; 2236] = {
    let mut t = [0u16; 2236];
    let mut m = 0;
    while m < 52 {
        let mut idx = (m >> 1) * 86 + (m & 1);
        let mut r = 0;
        while r < 43 {
            t[r * 52 + m] = idx as u16;
            idx += 88;
            if idx >= 2236 {
                idx -= 2236;
            }
            r += 1;
        }
        m += 1;
    }
    t
};

/// P and Q parity for a sector (header zeroed for mode 2 by the caller): 172 + 104 bytes.
pub fn ecc(sector: &[u8; RAW]) -> [u8; 276] {
    let mut out = [0u8; 276];
    let (p, q) = out.split_at_mut(172);
    // P: 86 words, 24 rows of the 2064 bytes from the header on.
    parity_cols::<86>(&sector[12..2076], 24, p);
    // Q: 52 words over those bytes and the P parity.
    let mut rows = [0u8; 2236];
    for (dst, &i) in rows.iter_mut().zip(Q_INDEX.iter()) {
        let i = i as usize;
        *dst = if i < 2064 {
            sector[12 + i]
        } else {
            p[i - 2064]
        };
    }
    parity_cols::<52>(&rows, 43, q);
    out
}

/// EDC of `data` as ECMA-130 stores it (little-endian CRC-32/CD-ROM-EDC).
pub fn edc(data: &[u8]) -> u32 {
    EDC.checksum(data)
}

/// MSF address (BCD) of an LBA, as in the sector header.
pub fn msf_bcd(lba: u64) -> [u8; 3] {
    let a = lba + 150;
    let bcd = |v: u64| (((v / 10) << 4) | (v % 10)) as u8;
    [bcd(a / 75 / 60), bcd(a / 75 % 60), bcd(a % 75)]
}

/// Result of checking one raw sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Good,
    /// Sync and header fine, EDC and ECC fields all zero: the drive does not return them.
    ZeroedEdcEcc,
    /// Mode 2 form 2 with EDC 0 ("not computed" is allowed) or mode 0.
    NoEdc,
    BadSync,
    BadHeader,
    BadEdc,
    BadEcc,
}

impl Verdict {
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            Verdict::BadSync | Verdict::BadHeader | Verdict::BadEdc | Verdict::BadEcc
        )
    }
}

/// Check a data sector read at `lba`.
pub fn check_data_sector(s: &[u8; RAW], lba: u64) -> Verdict {
    if s[..12] != SYNC {
        return Verdict::BadSync;
    }
    if s[12..15] != msf_bcd(lba) {
        return Verdict::BadHeader;
    }
    let le = |at: usize| u32::from_le_bytes([s[at], s[at + 1], s[at + 2], s[at + 3]]);
    match s[15] {
        0 => Verdict::NoEdc,
        1 => {
            let stored = le(2064);
            let ecc_zero = s[2076..].iter().all(|&b| b == 0);
            if stored == 0 && ecc_zero {
                return Verdict::ZeroedEdcEcc;
            }
            if edc(&s[..2064]) != stored {
                return Verdict::BadEdc;
            }
            if ecc(s)[..] != s[2076..] {
                return Verdict::BadEcc;
            }
            Verdict::Good
        }
        2 => {
            // Subheader byte 2 (at 18) bit 5: form 2.
            if s[18] & 0x20 != 0 {
                let stored = le(2348);
                if stored == 0 {
                    return Verdict::NoEdc;
                }
                return if edc(&s[16..2348]) == stored {
                    Verdict::Good
                } else {
                    Verdict::BadEdc
                };
            }
            let stored = le(2072);
            let ecc_zero = s[2076..].iter().all(|&b| b == 0);
            if stored == 0 && ecc_zero {
                return Verdict::ZeroedEdcEcc;
            }
            if edc(&s[16..2072]) != stored {
                return Verdict::BadEdc;
            }
            let mut z = *s;
            z[12..16].fill(0);
            if ecc(&z)[..] != s[2076..] {
                return Verdict::BadEcc;
            }
            Verdict::Good
        }
        _ => Verdict::BadHeader,
    }
}

/// The raw rip's checker stage: checks each data sector, honours C2 pointers, splits off
/// subchannel data and packs the 2352-byte main channel for the image.
pub struct RawChecker {
    c2: bool,
    subchannel: bool,
    /// Image segments with "is data" for each.
    segments: Vec<(Segment, bool)>,
    zeroed: u64,
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
                if v == Verdict::ZeroedEdcEcc {
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
        if self.zeroed > 0 {
            vec![format!(
                "the drive returned zeroed EDC/ECC fields for {} of {} data sectors (it does \
                 not pass them through, as some emulated drives do): those sectors were checked \
                 for sync and header only",
                self.zeroed, self.checked
            )]
        } else {
            Vec::new()
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A mode 1 sector built by hand the way ECMA-130 §14 lays it out.
    fn mode1(lba: u64, fill: u8) -> [u8; RAW] {
        let mut s = [0u8; RAW];
        s[..12].copy_from_slice(&SYNC);
        s[12..15].copy_from_slice(&msf_bcd(lba));
        s[15] = 1;
        for (i, b) in s[16..2064].iter_mut().enumerate() {
            *b = fill.wrapping_add(i as u8);
        }
        let e = edc(&s[..2064]);
        s[2064..2068].copy_from_slice(&e.to_le_bytes());
        let p = ecc(&s);
        s[2076..].copy_from_slice(&p);
        s
    }

    /// The serial form of the P/Q computation (as in the ECM tools and libedc): one code
    /// word at a time, table-driven.
    fn parity_reference(
        src: &[u8],
        major: usize,
        minor: usize,
        mult: usize,
        inc: usize,
        dest: &mut [u8],
    ) {
        let size = major * minor;
        for m in 0..major {
            let mut index = (m >> 1) * mult + (m & 1);
            let mut a = 0u8;
            let mut b = 0u8;
            for _ in 0..minor {
                let t = src[index];
                index += inc;
                if index >= size {
                    index -= size;
                }
                a ^= t;
                b ^= t;
                a = GF.f[a as usize];
            }
            a = GF.b[(GF.f[a as usize] ^ b) as usize];
            dest[m] = a;
            dest[m + major] = a ^ b;
        }
    }

    #[test]
    fn vectorized_parity_equals_the_serial_form() {
        let mut x = 0x1234_5678u32;
        for _ in 0..20 {
            let mut s = [0u8; RAW];
            for b in s.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = x as u8;
            }
            let mut want = [0u8; 276];
            parity_reference(&s[12..], 86, 24, 2, 86, &mut want[..172]);
            let mut buf = [0u8; 2236];
            buf[..2064].copy_from_slice(&s[12..2076]);
            buf[2064..].copy_from_slice(&want[..172]);
            parity_reference(&buf, 52, 43, 86, 88, &mut want[172..]);
            assert_eq!(ecc(&s), want);
        }
    }

    #[test]
    fn edc_is_crc32_cd_rom_edc() {
        // Check value of the catalogue's CRC-32/CD-ROM-EDC ("123456789").
        assert_eq!(edc(b"123456789"), 0x6EC2_EDC4);
    }

    #[test]
    fn msf_of_lba_0_is_00_02_00() {
        assert_eq!(msf_bcd(0), [0x00, 0x02, 0x00]);
        assert_eq!(msf_bcd(16), [0x00, 0x02, 0x16]);
    }

    #[test]
    fn ecc_of_all_zero_mode1_body_is_zero() {
        // P/Q are linear: all-zero header+data+EDC gives zero parity.
        let s = [0u8; RAW];
        assert!(ecc(&s).iter().all(|&b| b == 0));
    }

    #[test]
    fn detects_good_bad_and_zeroed_sectors() {
        let s = mode1(1000, 7);
        assert_eq!(check_data_sector(&s, 1000), Verdict::Good);
        assert_eq!(check_data_sector(&s, 1001), Verdict::BadHeader);
        let mut d = s;
        d[500] ^= 1;
        assert_eq!(check_data_sector(&d, 1000), Verdict::BadEdc);
        let mut d = s;
        d[2100] ^= 1;
        assert_eq!(check_data_sector(&d, 1000), Verdict::BadEcc);
        let mut d = s;
        d[2064..].fill(0);
        assert_eq!(check_data_sector(&d, 1000), Verdict::ZeroedEdcEcc);
        let mut d = s;
        d[3] = 0;
        assert_eq!(check_data_sector(&d, 1000), Verdict::BadSync);
    }

    #[test]
    fn single_byte_errors_change_both_parities() {
        // A product code detects any single error in P and in Q.
        let s = mode1(0, 0);
        for at in [12, 16, 1000, 2063] {
            let mut d = s;
            d[at] ^= 0x5A;
            let p = ecc(&d);
            assert_ne!(p[..172], s[2076..2248], "P at {at}");
            assert_ne!(p[172..], s[2248..], "Q at {at}");
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    #[test]
    #[ignore]
    fn ecc_parts() {
        let s = [7u8; RAW];
        let n = 200_000;
        let t = std::time::Instant::now();
        let mut p = [0u8; 172];
        let mut acc = 0u8;
        for i in 0..n {
            let mut s2 = s;
            s2[20] = i as u8;
            parity_cols::<86>(std::hint::black_box(&s2[12..2076]), 24, &mut p);
            acc ^= p[3];
        }
        eprintln!("P: {:.2} us {acc}", t.elapsed().as_secs_f64() * 1e6 / n as f64);
        let t = std::time::Instant::now();
        let body = [5u8; 2236];
        let mut rows = [0u8; 2236];
        for i in 0..n {
            for (dst, &k) in rows.iter_mut().zip(Q_INDEX.iter()) {
                *dst = std::hint::black_box(&body)[k as usize % 2236];
            }
            acc ^= rows[i % 2236];
        }
        eprintln!("gather: {:.2} us {acc}", t.elapsed().as_secs_f64() * 1e6 / n as f64);
        let t = std::time::Instant::now();
        let mut q = [0u8; 104];
        for _ in 0..n {
            parity_cols::<52>(std::hint::black_box(&rows), 43, &mut q);
            acc ^= q[3];
        }
        eprintln!("Q: {:.2} us {acc}", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
}
