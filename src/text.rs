//! Small text forms every layer shows the same way: hex bytes and LBA ranges.

/// Lower-case hex, no separators: `3fa0`.
pub fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Lower-case hex bytes separated by spaces, as sg3_utils shows CDBs: `28 00 00 10`.
pub fn hex_spaced(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&hex(std::slice::from_ref(x)));
    }
    s
}

/// LBA ranges `(first, count)` as people read them, with inclusive ends:
/// `16-31, 40, 100-103`.
pub fn ranges(r: &[(u64, u64)]) -> String {
    r.iter()
        .map(|&(s, n)| {
            if n == 1 {
                s.to_string()
            } else {
                format!("{s}-{}", s + n - 1)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(hex(&[0x00, 0x3f, 0xa0, 0xff]), "003fa0ff");
        assert_eq!(hex_spaced(&[0x28, 0, 0x10]), "28 00 10");
        assert_eq!(hex_spaced(&[]), "");
        assert_eq!(ranges(&[(16, 16), (40, 1), (100, 4)]), "16-31, 40, 100-103");
        assert_eq!(ranges(&[]), "");
    }
}
