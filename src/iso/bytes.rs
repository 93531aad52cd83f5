//! Field decoders for ECMA-119 §7 numeric and date formats, all bounds-checked.

/// Bytes `off..off+len` of `b`, or `None` when out of range.
pub fn field(b: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    b.get(off..off.checked_add(len)?)
}

pub fn u8_at(b: &[u8], off: usize) -> Option<u8> {
    b.get(off).copied()
}

/// ECMA-119 §7.2.1 (721): 16-bit little-endian.
pub fn le16(b: &[u8], off: usize) -> Option<u16> {
    field(b, off, 2).map(|x| u16::from_le_bytes([x[0], x[1]]))
}

/// ECMA-119 §7.2.2 (722): 16-bit big-endian.
pub fn be16(b: &[u8], off: usize) -> Option<u16> {
    field(b, off, 2).map(|x| u16::from_be_bytes([x[0], x[1]]))
}

/// ECMA-119 §7.3.1 (731): 32-bit little-endian.
pub fn le32(b: &[u8], off: usize) -> Option<u32> {
    field(b, off, 4).map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

/// ECMA-119 §7.3.2 (732): 32-bit big-endian.
pub fn be32(b: &[u8], off: usize) -> Option<u32> {
    field(b, off, 4).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
}

pub fn le64(b: &[u8], off: usize) -> Option<u64> {
    let x = field(b, off, 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(x);
    Some(u64::from_le_bytes(a))
}

/// ECMA-119 §7.2.3 (723): both-byte-order 16-bit; the little-endian half is used (some
/// writers get the big-endian half wrong, as Linux and libisofs also tolerate).
pub fn both16(b: &[u8], off: usize) -> Option<u16> {
    le16(b, off)
}

/// ECMA-119 §7.3.3 (733): both-byte-order 32-bit; little-endian half used.
pub fn both32(b: &[u8], off: usize) -> Option<u32> {
    le32(b, off)
}

pub fn put_both16(v: u16) -> [u8; 4] {
    let l = v.to_le_bytes();
    let b = v.to_be_bytes();
    [l[0], l[1], b[0], b[1]]
}

pub fn put_both32(v: u32) -> [u8; 8] {
    let l = v.to_le_bytes();
    let b = v.to_be_bytes();
    [l[0], l[1], l[2], l[3], b[0], b[1], b[2], b[3]]
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// (year, month, day) of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Broken-down UTC time of a Unix time.
pub fn utc_parts(t: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
    )
}

fn unix_of(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, gmt_off_15min: i8) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let t = days_from_civil(y, mo, d) * 86400 + (h * 3600 + mi * 60 + s) as i64;
    Some(t - gmt_off_15min as i64 * 900)
}

/// ECMA-119 §9.1.5: 7-byte recording date and time of a directory record, as Unix time.
pub fn dir_record_time(b: &[u8]) -> Option<i64> {
    let b = field(b, 0, 7)?;
    if b[..6].iter().all(|&x| x == 0) {
        return None;
    }
    unix_of(
        1900 + b[0] as i64,
        b[1] as u32,
        b[2] as u32,
        b[3] as u32,
        b[4] as u32,
        b[5] as u32,
        b[6] as i8,
    )
}

/// ECMA-119 §9.1.5 encoder (UTC, offset 0); years outside 1900..=2155 are clamped.
pub fn put_dir_record_time(t: i64) -> [u8; 7] {
    let (y, m, d, h, mi, s) = utc_parts(t);
    let y = (y - 1900).clamp(0, 255) as u8;
    [y, m as u8, d as u8, h as u8, mi as u8, s as u8, 0]
}

/// ECMA-119 §8.4.26.1: 17-byte volume descriptor date "YYYYMMDDHHMMSScc" + offset, as Unix
/// time and hundredths. All-zero digits mean "not specified".
pub fn vd_time(b: &[u8]) -> Option<i64> {
    let b = field(b, 0, 17)?;
    let digits = std::str::from_utf8(&b[..16]).ok()?;
    if !digits.bytes().all(|c| c.is_ascii_digit()) || digits.bytes().all(|c| c == b'0') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits.get(r).and_then(|s| s.parse::<u32>().ok());
    unix_of(
        n(0..4)? as i64,
        n(4..6)?,
        n(6..8)?,
        n(8..10)?,
        n(10..12)?,
        n(12..14)?,
        b[16] as i8,
    )
}

/// ECMA-119 §8.4.26.1 encoder (UTC); `None` writes "not specified".
pub fn put_vd_time(t: Option<i64>) -> [u8; 17] {
    let mut out = [b'0'; 17];
    out[16] = 0;
    if let Some(t) = t {
        let (y, m, d, h, mi, s) = utc_parts(t);
        let txt = format!("{:04}{m:02}{d:02}{h:02}{mi:02}{s:02}00", y.clamp(0, 9999));
        out[..16].copy_from_slice(txt.as_bytes());
    }
    out
}

/// RFC 3339 UTC text of a Unix time.
pub fn rfc3339(t: i64) -> String {
    let (y, m, d, h, mi, s) = utc_parts(t);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// A d-/a-character text field: trailing spaces (and NULs) removed.
pub fn ascii_field(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_end_matches([' ', '\0'])
        .to_string()
}

/// A Joliet (UCS-2 big-endian) text field, trailing spaces/NULs removed.
pub fn ucs2_field(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_end_matches([' ', '\0'])
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_byte_order_fields() {
        // ECMA-119 §7.3.3 example: 0x01020304 as 04 03 02 01 01 02 03 04.
        let b = [0x04, 0x03, 0x02, 0x01, 0x01, 0x02, 0x03, 0x04];
        assert_eq!(both32(&b, 0), Some(0x0102_0304));
        assert_eq!(be32(&b, 4), Some(0x0102_0304));
        assert_eq!(both32(&b, 5), None);
    }

    #[test]
    fn record_date_with_offset() {
        // 2000-02-29 12:00:00 at GMT+1 (offset 4 * 15 min) is 11:00:00 UTC = 951825600.
        let b = [100, 2, 29, 12, 0, 0, 4];
        assert_eq!(dir_record_time(&b), Some(951_822_000));
        assert_eq!(dir_record_time(&[0; 7]), None);
        assert_eq!(dir_record_time(&[100, 13, 1, 0, 0, 0, 0]), None);
    }

    #[test]
    fn vd_date() {
        let mut b = *b"1970010100000100\0";
        assert_eq!(vd_time(&b), Some(1));
        b = *b"0000000000000000\0";
        assert_eq!(vd_time(&b), None);
        assert_eq!(vd_time(b"19x0010100000100\0"), None);
    }

    #[test]
    fn civil_round_trip() {
        for t in [0i64, 951_825_600, 4_102_444_800, -86_400] {
            let (y, m, d, h, mi, s) = utc_parts(t);
            assert_eq!(unix_of(y, m, d, h, mi, s, 0), Some(t));
        }
    }
}
