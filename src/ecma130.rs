//! ECMA-130 CD sector arithmetic shared by the emulated drive (which encodes raw sectors for
//! READ CD) and the raw rip (which checks them): sync pattern, header address, EDC
//! (CRC-32/CD-ROM-EDC, Annex B), the P/Q Reed-Solomon product code (Annex A) and the Q
//! sub-channel CRC. Kept apart from both users, as libburn keeps it in `ecma130ab.c`.

use crc::{CRC_16_GSM, CRC_32_CD_ROM_EDC, Crc, Table};

/// Bytes of a raw CD sector (ECMA-130 §14).
pub const RAW: usize = 2352;
/// The 12-byte sync field that starts every data sector (ECMA-130 §14.1).
pub const SYNC: [u8; 12] = [
    0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0,
];
static EDC: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC_32_CD_ROM_EDC);
/// Q sub-channel CRC (ECMA-130 §22.3.6: x^16+x^12+x^5+1, inverted parity) is CRC-16/GSM.
static SUBQ: Crc<u16> = Crc::<u16>::new(&CRC_16_GSM);

/// Multiply by α (x) in GF(2^8) mod x^8+x^4+x^3+x^2+1, branch-free so the column loops
/// below vectorize.
#[inline(always)]
fn mul2(a: u8) -> u8 {
    (a << 1) ^ (((a as i8) >> 7) as u8 & 0x1D)
}

/// Inverse of (α + 1) applied as a table: `DIV3[x ^ mul2(x)] = x`.
static DIV3: [u8; 256] = {
    let mut b = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let a = i as u8;
        let j = (a << 1) ^ if a & 0x80 != 0 { 0x1D } else { 0 };
        b[(a ^ j) as usize] = a;
        i += 1;
    }
    b
};

/// Parity of `N` interleaved code words laid out as `minor` rows of `N` bytes (word `m` is
/// column `m`). Every column is independent, so the inner loop runs across columns (SIMD).
fn parity_cols<const N: usize>(rows: &[u8], minor: usize, dest: &mut [u8]) {
    let mut a = [0u8; N];
    let mut b = [0u8; N];
    for row in rows.chunks_exact(N).take(minor) {
        for m in 0..N {
            let t = row[m];
            b[m] ^= t;
            a[m] = mul2(a[m] ^ t);
        }
    }
    for m in 0..N {
        let x = DIV3[(mul2(a[m]) ^ b[m]) as usize];
        dest[m] = x;
        dest[m + N] = x ^ b[m];
    }
}

/// Q code words run diagonally (ECMA-130 Annex A): word `m` takes byte
/// `((m/2)·86 + m%2 + 88·r) mod 2236` as its row `r`.
static Q_INDEX: [u16; 2236] = {
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

/// P and Q parity of a sector (bytes 12..2076 from the header on; the caller zeroes the
/// header for mode 2 form 1): 172 P bytes then 104 Q bytes, as stored at 2076..2352.
pub fn ecc(sector: &[u8; RAW]) -> [u8; 276] {
    let mut out = [0u8; 276];
    let (p, q) = out.split_at_mut(172);
    parity_cols::<86>(&sector[12..2076], 24, p);
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

/// EDC of `data` (CRC-32/CD-ROM-EDC); stored little-endian after the data it covers.
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

/// A mode 1 raw sector holding `user` (2048 bytes) at `lba`: sync, header, user data, EDC,
/// 8 zero bytes, P and Q parity (ECMA-130 §14.3).
pub fn encode_mode1(lba: u64, user: &[u8]) -> [u8; RAW] {
    let mut s = [0u8; RAW];
    s[..12].copy_from_slice(&SYNC);
    s[12..15].copy_from_slice(&msf_bcd(lba));
    s[15] = 1;
    let n = user.len().min(2048);
    s[16..16 + n].copy_from_slice(&user[..n]);
    let e = edc(&s[..2064]);
    s[2064..2068].copy_from_slice(&e.to_le_bytes());
    let p = ecc(&s);
    s[2076..].copy_from_slice(&p);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn edc_of_spec_check_string() {
        // CRC-32/CD-ROM-EDC catalogue check value for "123456789".
        assert_eq!(edc(b"123456789"), 0x6EC2_EDC4);
    }

    #[test]
    fn subq_crc_catalogue_check() {
        // CRC-16/GSM catalogue check value for "123456789".
        assert_eq!(subq_crc(b"123456789"), 0xCE3C);
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
}
