//! SCSI command sets as pure functions over bytes: CDB builders, response parsers, sense
//! decoding with the ASC/ASCQ table, and the retry policy.
//!
//! Nothing here knows a file descriptor or a `Transport`; `drive` sends what these build.
//! Names follow the specs (SPC-4, SBC-3, MMC-6) in snake_case, and every builder and parser
//! cites its section. Builders return fixed-size arrays so a test can compare them against
//! the bytes written from the spec's CDB table.

pub mod asc_table;
pub mod config;
pub mod cue;
pub mod mmc;
pub mod mode;
pub mod opcodes;
pub mod profile;
pub mod retry;
pub mod sbc;
pub mod sense;
pub mod spc;

pub use profile::{Family, Profile, Speed};
pub use sense::{Sense, SenseKey, describe};

/// A response was too short, or inconsistent, for the parser that reads it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The data holds fewer bytes than the structure needs.
    #[error("{what}: short data ({got} bytes, need {need})")]
    Short {
        what: &'static str,
        got: usize,
        need: usize,
    },
    /// A field holds a value the parser cannot accept.
    #[error("{what}: {detail}")]
    Invalid { what: &'static str, detail: String },
}

/// Fail with `ParseError::Short` unless `data` holds at least `need` bytes.
pub(crate) fn need(what: &'static str, data: &[u8], need: usize) -> Result<(), ParseError> {
    if data.len() < need {
        Err(ParseError::Short {
            what,
            got: data.len(),
            need,
        })
    } else {
        Ok(())
    }
}

/// Big-endian 16-bit field at `at` (callers checked the length first).
pub(crate) fn be16(d: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([d[at], d[at + 1]])
}

/// Big-endian 32-bit field at `at`.
pub(crate) fn be32(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}

/// Big-endian 64-bit field at `at`.
pub(crate) fn be64(d: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[at..at + 8]);
    u64::from_be_bytes(b)
}

/// ASCII field with trailing spaces and NULs trimmed (INQUIRY strings, manufacturer ids).
pub(crate) fn ascii(d: &[u8]) -> String {
    d.iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                ' '
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}
