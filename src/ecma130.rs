//! ECMA-130 CD-ROM sector arithmetic: sync pattern, header address, EDC (CRC-32/CD-ROM-EDC,
//! ECMA-130 Annex B / §14.3) and the P/Q Reed-Solomon product code (Annex A), to encode raw
//! 2352-byte sectors and to check them.
//!
//! Pure functions over bytes, like libburn's `ecma130ab.c`: the rip job checks what READ CD
//! returns with [`check_data_sector`]; the emulated drive can build what READ CD returns
//! with [`encode_mode1`] / [`encode_mode2_form1`] / [`encode_mode2_form2`].
//!
//! Layout (ECMA-130 §14): 12 sync bytes, 4 header bytes (minute, second, frame in BCD, then
//! the mode), then per mode:
//! - mode 1: 2048 user bytes, EDC over bytes 0..2064, 8 zero bytes, P (172) and Q (104)
//!   parity over bytes 12..2248;
//! - mode 2 form 1: 8 subheader bytes, 2048 user bytes, EDC over 16..2072, P/Q computed
//!   with the header taken as zero;
//! - mode 2 form 2: 8 subheader bytes, 2324 user bytes, EDC over 16..2348 (0 = not
//!   computed).

use crc::{CRC_16_GSM, CRC_32_CD_ROM_EDC, Crc, Table};

/// Bytes of a raw CD sector.
pub const RAW: usize = 2352;
/// The sync pattern that opens every data sector (§14.1).
pub const SYNC: [u8; 12] = [
    0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0,
];
static EDC: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC_32_CD_ROM_EDC);
/// Q sub-channel CRC (ECMA-130 §22.3.6: x^16+x^12+x^5+1, inverted parity) is CRC-16/GSM.
static SUBQ: Crc<u16> = Crc::<u16>::new(&CRC_16_GSM);

/// `B[x ^ 2x] = x` in GF(2^8) (Annex A field, x^8+x^4+x^3+x^2+1): dividing by α+1 is
/// the last step of the two-parity-symbol encoder below.
static DIV_A_PLUS_1: [u8; 256] = {
    let mut b = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let j = ((i << 1) ^ if i & 0x80 != 0 { 0x11D } else { 0 }) as u8;
        b[i ^ j as usize] = i as u8;
        i += 1;
    }
    b
};

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
        let x = DIV_A_PLUS_1[(mul2(a[m]) ^ b[m]) as usize];
        dest[m] = x;
        dest[m + N] = x ^ b[m];
    }
}

/// Q code words run diagonally (ECMA-130 Annex A): seen as 26 rows of 86 bytes (43 words
/// of 2 planes), Q word `k` of plane `p` takes its element `r` from row `(k + r) mod 26`,
/// column `2r + p`. `q_rows` gathers them into 43 rows of 52 bytes (column `2k + p`), two
/// bytes at a time, so `parity_cols` treats Q like P.
fn q_rows(body: &[u8; 2236], rows: &mut [u8; 2236]) {
    // Word-wise (both planes at once) through a table; the source is padded to a power of
    // two so the masked index needs no bounds check.
    let mut w = [0u16; 2048];
    for (d, s) in w.iter_mut().zip(body.chunks_exact(2)) {
        *d = u16::from_ne_bytes([s[0], s[1]]);
    }
    for (d, &i) in rows.chunks_exact_mut(2).zip(Q_WORD.iter()) {
        d.copy_from_slice(&w[i as usize & 2047].to_ne_bytes());
    }
}

/// `Q_WORD[26·r + k]` = the word index `(k + r) mod 26 · 43 + r` that `q_rows` puts at row
/// `r`, pair `k`.
static Q_WORD: [u16; 1118] = {
    let mut t = [0u16; 1118];
    let mut r = 0;
    while r < 43 {
        let mut k = 0;
        while k < 26 {
            t[26 * r + k] = (((k + r) % 26) * 43 + r) as u16;
            k += 1;
        }
        r += 1;
    }
    t
};

/// P and Q parity of a sector's bytes 12..2076 (header zeroed for mode 2 by the caller):
/// 172 + 104 bytes, to be stored at 2076..2352.
pub fn ecc(sector: &[u8; RAW]) -> [u8; 276] {
    let mut out = [0u8; 276];
    let (p, q) = out.split_at_mut(172);
    // P: 86 words, 24 rows of the 2064 bytes from the header on.
    parity_cols::<86>(&sector[12..2076], 24, p);
    // Q: 52 words over those bytes and the P parity.
    let mut body = [0u8; 2236];
    body[..2064].copy_from_slice(&sector[12..2076]);
    body[2064..].copy_from_slice(p);
    let mut rows = [0u8; 2236];
    q_rows(&body, &mut rows);
    parity_cols::<52>(&rows, 43, q);
    out
}

/// EDC of `data` as ECMA-130 stores it (little-endian CRC-32/CD-ROM-EDC).
pub fn edc(data: &[u8]) -> u32 {
    EDC.checksum(data)
}

/// CRC of the first 10 bytes of a Q sub-channel frame, stored big-endian in bytes 10..12.
pub fn subq_crc(q: &[u8]) -> u16 {
    SUBQ.checksum(q)
}

fn bcd(v: u64) -> u8 {
    (((v / 10) << 4) | (v % 10)) as u8
}

/// MSF (BCD) of an absolute frame count (LBA + 150 for the program area).
pub fn frames_to_msf_bcd(frames: u64) -> [u8; 3] {
    [
        bcd(frames / 75 / 60),
        bcd(frames / 75 % 60),
        bcd(frames % 75),
    ]
}

/// MSF address (BCD) of an LBA, as in the sector header (ECMA-130 §14.2).
pub fn msf_bcd(lba: u64) -> [u8; 3] {
    frames_to_msf_bcd(lba + 150)
}

/// Mode 1 sector at `lba` holding `user` (up to 2048 bytes, the rest zero): sync, header,
/// user data, EDC, 8 zero bytes, P and Q parity (§14.3).
pub fn encode_mode1(lba: u64, user: &[u8]) -> [u8; RAW] {
    encode_mode1_at(lba + 150, user)
}

/// [`encode_mode1`] at an absolute frame count (LBA + 150), so the sectors of the first
/// pregap (LBA −150..−1) can be built too.
pub fn encode_mode1_at(frames: u64, user: &[u8]) -> [u8; RAW] {
    let mut s = [0u8; RAW];
    s[..12].copy_from_slice(&SYNC);
    s[12..15].copy_from_slice(&frames_to_msf_bcd(frames));
    s[15] = 1;
    let n = user.len().min(2048);
    s[16..16 + n].copy_from_slice(&user[..n]);
    let e = edc(&s[..2064]);
    s[2064..2068].copy_from_slice(&e.to_le_bytes());
    let p = ecc(&s);
    s[2076..].copy_from_slice(&p);
    s
}

/// Mode 2 form 1 sector: `subheader` is the 4 bytes repeated twice at 16..24 (file, channel,
/// submode, coding; the form 2 bit 0x20 of submode is cleared here).
pub fn encode_mode2_form1(lba: u64, subheader: [u8; 4], user: &[u8; 2048]) -> [u8; RAW] {
    let mut s = [0u8; RAW];
    s[..12].copy_from_slice(&SYNC);
    let mut sh = subheader;
    sh[2] &= !0x20;
    s[16..20].copy_from_slice(&sh);
    s[20..24].copy_from_slice(&sh);
    s[24..2072].copy_from_slice(user);
    let e = edc(&s[16..2072]);
    s[2072..2076].copy_from_slice(&e.to_le_bytes());
    // P/Q of a mode 2 form 1 sector are computed with the 4 header bytes as zero.
    let p = ecc(&s);
    s[2076..].copy_from_slice(&p);
    s[12..15].copy_from_slice(&msf_bcd(lba));
    s[15] = 2;
    s
}

/// Mode 2 form 2 sector (no P/Q): `subheader` as for form 1, with the form 2 bit set here.
pub fn encode_mode2_form2(lba: u64, subheader: [u8; 4], user: &[u8; 2324]) -> [u8; RAW] {
    let mut s = [0u8; RAW];
    s[..12].copy_from_slice(&SYNC);
    s[12..15].copy_from_slice(&msf_bcd(lba));
    s[15] = 2;
    let mut sh = subheader;
    sh[2] |= 0x20;
    s[16..20].copy_from_slice(&sh);
    s[20..24].copy_from_slice(&sh);
    s[24..2348].copy_from_slice(user);
    let e = edc(&s[16..2348]);
    s[2348..].copy_from_slice(&e.to_le_bytes());
    s
}

/// Result of checking one raw sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Good,
    /// Sync and header fine, EDC and ECC fields all zero: the drive does not return them.
    ZeroedEdcEcc,
    /// Mode 2 form 2 with EDC 0 ("not computed" is allowed) or mode 0.
    NoEdc,
    /// The header's address is the sector's, but in binary, not BCD (QEMU's ide-cd builds raw
    /// sectors this way); the rest of the sector was fine (good, or EDC/ECC not passed).
    BinaryHeader,
    /// As `BinaryHeader`, with EDC and ECC fields all zero (QEMU's ide-cd: both quirks at once).
    BinaryHeaderZeroedEdcEcc,
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

/// Check a data sector read at `lba`. A header holding the right address in binary instead of
/// BCD is told apart (`BinaryHeader*`): a drive quirk to report once, not a bad sector.
pub fn check_data_sector(s: &[u8; RAW], lba: u64) -> Verdict {
    if s[..12] != SYNC {
        return Verdict::BadSync;
    }
    if s[12..15] != msf_bcd(lba) {
        let f = lba + 150;
        let binary = [(f / 75 / 60) as u8, (f / 75 % 60) as u8, (f % 75) as u8];
        if f / 75 / 60 > 255 || s[12..15] != binary {
            return Verdict::BadHeader;
        }
        return match check_body(s) {
            Verdict::Good | Verdict::NoEdc => Verdict::BinaryHeader,
            Verdict::ZeroedEdcEcc => Verdict::BinaryHeaderZeroedEdcEcc,
            bad => bad,
        };
    }
    check_body(s)
}

/// The checks after sync and header address: mode byte, EDC, ECC.
fn check_body(s: &[u8; RAW]) -> Verdict {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// GF(2^8) product by shift-and-add over the Annex A field polynomial
    /// x^8 + x^4 + x^3 + x^2 + 1: slow, and independent of the encoder's tables.
    fn gf_mul(mut a: u8, mut b: u8) -> u8 {
        let mut p = 0u8;
        while b != 0 {
            if b & 1 != 0 {
                p ^= a;
            }
            let carry = a & 0x80 != 0;
            a <<= 1;
            if carry {
                a ^= 0x1D;
            }
            b >>= 1;
        }
        p
    }

    fn alpha_pow(k: usize) -> u8 {
        (0..k).fold(1u8, |x, _| gf_mul(x, 2))
    }

    /// Annex A: the 2340 bytes from the header on are 1170 16-bit words S(n), bytes 12+2n
    /// (MSB plane) and 13+2n (LSB plane). Returns the byte of word `n` in `plane`.
    fn word(s: &[u8; RAW], n: usize, plane: usize) -> u8 {
        s[12 + 2 * n + plane]
    }

    /// The parity checks of Annex A: for every P vector (Np = 0..42, the 26 words
    /// S(43·Mp + Np)) and every Q vector (Nq = 0..25, the 43 words S((44·Mq + 43·Nq) mod
    /// 1118) then S(1118 + Nq) and S(1144 + Nq)), Σ V_i = 0 and Σ α^(len-1-i) V_i = 0, in
    /// both planes.
    fn annex_a_syndromes_are_zero(s: &[u8; RAW]) -> bool {
        let check = |v: &[u8]| {
            let n = v.len();
            let s0 = v.iter().fold(0, |a, &x| a ^ x);
            let s1 = v
                .iter()
                .enumerate()
                .fold(0, |a, (i, &x)| a ^ gf_mul(alpha_pow(n - 1 - i), x));
            s0 == 0 && s1 == 0
        };
        for plane in 0..2 {
            for np in 0..43 {
                let v: Vec<u8> = (0..26).map(|mp| word(s, 43 * mp + np, plane)).collect();
                if !check(&v) {
                    return false;
                }
            }
            for nq in 0..26 {
                let mut v: Vec<u8> = (0..43)
                    .map(|mq| word(s, (44 * mq + 43 * nq) % 1118, plane))
                    .collect();
                v.push(word(s, 1118 + nq, plane));
                v.push(word(s, 1144 + nq, plane));
                if !check(&v) {
                    return false;
                }
            }
        }
        true
    }

    fn noise(seed: &mut u32, buf: &mut [u8]) {
        for b in buf.iter_mut() {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 17;
            *seed ^= *seed << 5;
            *b = *seed as u8;
        }
    }

    /// Serial reference for the P/Q parity, one code word at a time, written from the Annex A
    /// definition (generator roots α^0, α^1) rather than from the column loop above.
    fn parity_reference(words: &[Vec<u8>]) -> Vec<(u8, u8)> {
        let gf_mul = |mut a: u8, mut b: u8| {
            let mut r = 0u8;
            while b != 0 {
                if b & 1 != 0 {
                    r ^= a;
                }
                a = mul2(a);
                b >>= 1;
            }
            r
        };
        words
            .iter()
            .map(|w| {
                // Find p0, p1 with sum(w_i) + p0 + p1 = 0 and sum(w_i α^(n+1-i)) + p0 α + p1 = 0.
                let n = w.len();
                let mut s0 = 0u8;
                let mut s1 = 0u8;
                let mut pow = 1u8; // α^(n+1) .. built from the end
                let mut pows = vec![0u8; n + 2];
                for k in (0..n + 2).rev() {
                    pows[k] = pow;
                    pow = mul2(pow);
                }
                for (i, &x) in w.iter().enumerate() {
                    s0 ^= x;
                    s1 ^= gf_mul(x, pows[i]);
                }
                // p0·α + p1 = s1, p0 + p1 = s0  ⇒  p0·(α+1) = s1 ^ s0.
                let p0 = (0..=255u8).find(|&p| gf_mul(p, 3) == s1 ^ s0).unwrap_or(0);
                (p0, p0 ^ s0)
            })
            .collect()
    }

    #[test]
    fn p_parity_matches_the_serial_definition() {
        let mut s = [0u8; RAW];
        for (i, b) in s.iter_mut().enumerate() {
            *b = (i * 7 + 3) as u8;
        }
        let out = ecc(&s);
        let words: Vec<Vec<u8>> = (0..86)
            .map(|m| (0..24).map(|r| s[12 + r * 86 + m]).collect())
            .collect();
        for (m, (p0, p1)) in parity_reference(&words).into_iter().enumerate() {
            assert_eq!((out[m], out[m + 86]), (p0, p1), "P word {m}");
        }
    }

    /// A raw sector as QEMU's ide-cd builds it: sync, the address in binary (not BCD), mode 1,
    /// the user data, EDC and ECC left zero.
    fn qemu_style_sector(lba: u64, user: u8) -> [u8; RAW] {
        let mut s = [0u8; RAW];
        s[1..11].fill(0xFF); // ECMA-130 §14.1: 00, ten FFh, 00
        let f = lba + 150;
        s[12] = (f / 75 / 60) as u8;
        s[13] = (f / 75 % 60) as u8;
        s[14] = (f % 75) as u8;
        s[15] = 1;
        s[16..2064].fill(user);
        s
    }

    #[test]
    fn binary_header_is_a_quirk_not_a_bad_sector() {
        // LBA 1212 = frame 1362 = 00:18:12: BCD 00 18h 12h, binary 00 12h 0Ch.
        let s = qemu_style_sector(1212, 0x5A);
        assert_eq!(s[12..15], [0x00, 0x12, 0x0C]);
        assert_eq!(
            check_data_sector(&s, 1212),
            Verdict::BinaryHeaderZeroedEdcEcc
        );
        assert!(!check_data_sector(&s, 1212).is_bad());
        // The same bytes read at another LBA: the address is wrong either way.
        assert_eq!(check_data_sector(&s, 1213), Verdict::BadHeader);
        // Binary header, but a non-zero EDC that does not match: still a bad sector.
        let mut e = s;
        e[2064] = 1;
        assert_eq!(check_data_sector(&e, 1212), Verdict::BadEdc);
        // Below 10 frames, 10 seconds and 10 minutes binary and BCD agree: plain zeroed.
        let low = qemu_style_sector(5, 0);
        assert_eq!(check_data_sector(&low, 5), Verdict::ZeroedEdcEcc);
    }

    #[test]
    fn header_of_lba_zero_is_00_02_00_mode1() {
        let s = encode_mode1(0, &[0u8; 2048]);
        assert_eq!(
            &s[..16],
            &[
                0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 2, 0, 1
            ]
        );
        // An all-zero mode 1 sector at 00:02:00 has a nonzero EDC (the header is covered).
        assert_ne!(&s[2064..2068], &[0, 0, 0, 0]);
        assert_eq!(&s[2068..2076], &[0u8; 8]);
    }

    #[test]
    fn mode1_parity_satisfies_annex_a() {
        let mut x = 0x1234_5678u32;
        for lba in [0u64, 16, 4500, 333_999] {
            let mut user = [0u8; 2048];
            noise(&mut x, &mut user);
            let s = encode_mode1(lba, &user);
            assert!(annex_a_syndromes_are_zero(&s), "LBA {lba}");
            // Sanity of the check itself: one changed byte breaks it.
            let mut d = s;
            d[700] ^= 1;
            assert!(!annex_a_syndromes_are_zero(&d));
        }
    }

    #[test]
    fn mode2_form1_parity_is_over_a_zero_header() {
        let mut x = 99u32;
        let mut user = [0u8; 2048];
        noise(&mut x, &mut user);
        let s = encode_mode2_form1(1234, [1, 2, 0x08, 0], &user);
        assert_eq!(&s[12..16], &[0x00, 0x18, 0x34, 2]);
        let mut z = s;
        z[12..16].fill(0);
        assert!(annex_a_syndromes_are_zero(&z));
        assert!(!annex_a_syndromes_are_zero(&s));
        assert_eq!(check_data_sector(&s, 1234), Verdict::Good);
    }

    #[test]
    fn mode2_form2_has_edc_only() {
        let mut x = 7u32;
        let mut user = [0u8; 2324];
        noise(&mut x, &mut user);
        let s = encode_mode2_form2(77, [0, 0, 0, 0], &user);
        assert_eq!(s[18] & 0x20, 0x20);
        assert_eq!(check_data_sector(&s, 77), Verdict::Good);
        let mut d = s;
        d[1000] ^= 0x80;
        assert_eq!(check_data_sector(&d, 77), Verdict::BadEdc);
    }

    #[test]
    fn subq_crc_is_crc16_gsm() {
        // Check value of the catalogue's CRC-16/GSM ("123456789").
        assert_eq!(subq_crc(b"123456789"), 0xCE3C);
    }

    #[test]
    fn edc_is_crc32_cd_rom_edc() {
        // Check value of the catalogue's CRC-32/CD-ROM-EDC ("123456789").
        assert_eq!(edc(b"123456789"), 0x6EC2_EDC4);
    }

    #[test]
    fn msf_of_lba_0_is_00_02_00() {
        // §14.2: the header address counts from 00:02:00 at LBA 0, in BCD.
        assert_eq!(msf_bcd(0), [0x00, 0x02, 0x00]);
        assert_eq!(msf_bcd(16), [0x00, 0x02, 0x16]);
        assert_eq!(msf_bcd(75 * 60 - 150), [0x01, 0x00, 0x00]);
    }

    #[test]
    fn ecc_of_all_zero_body_is_zero() {
        // P/Q are linear: all-zero header+data+EDC gives zero parity.
        let s = [0u8; RAW];
        assert!(ecc(&s).iter().all(|&b| b == 0));
    }

    #[test]
    fn detects_good_bad_and_zeroed_sectors() {
        let s = encode_mode1(1000, &[7u8; 2048]);
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
        eprintln!(
            "P: {:.2} us {acc}",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
        let t = std::time::Instant::now();
        let mut body = [5u8; 2236];
        let mut rows = [0u8; 2236];
        for i in 0..n {
            body[9] = i as u8;
            q_rows(std::hint::black_box(&body), &mut rows);
            acc ^= rows[i % 2236];
        }
        eprintln!(
            "gather: {:.2} us {acc}",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
        let t = std::time::Instant::now();
        let mut q = [0u8; 104];
        for _ in 0..n {
            parity_cols::<52>(std::hint::black_box(&rows), 43, &mut q);
            acc ^= q[3];
        }
        eprintln!(
            "Q: {:.2} us {acc}",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
        let t = std::time::Instant::now();
        let mut x = 0;
        for i in 0..n {
            let mut s2 = s;
            s2[20] = i as u8;
            x ^= edc(std::hint::black_box(&s2[..2064]));
        }
        eprintln!(
            "EDC: {:.2} us {x}",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
        let t = std::time::Instant::now();
        for i in 0..n {
            let mut s2 = s;
            s2[20] = i as u8;
            acc ^= ecc(std::hint::black_box(&s2))[7];
        }
        eprintln!(
            "ecc(): {:.2} us {acc}",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
        let good = encode_mode1(5, &[3u8; 2048]);
        let t = std::time::Instant::now();
        for _ in 0..n {
            acc ^= check_data_sector(std::hint::black_box(&good), 5) as u8;
        }
        eprintln!(
            "check: {:.2} us {acc}",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    }
}
