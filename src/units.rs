//! Units that get confused: a logical block address is not a count of sectors, and an LBA
//! the file system computes in 64 bits must be checked before it goes into a 32-bit READ
//! or WRITE field.

use std::fmt;

/// A logical block address: a sector's number on the medium (MMC-6 §4.1.2; ECMA-119 logical
/// sector number). 64 bits so file-system arithmetic cannot overflow; [`Lba::to_u32`] checks
/// it into a command's 32-bit field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct Lba(u64);

impl Lba {
    pub const ZERO: Lba = Lba(0);

    pub const fn new(n: u64) -> Lba {
        Lba(n)
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    /// `count` sectors further on, or `None` past the 64-bit range (never wraps).
    pub fn checked_add(self, count: u64) -> Option<Lba> {
        self.0.checked_add(count).map(Lba)
    }

    /// Sectors from `base` to this LBA, or `None` when `base` lies after it.
    pub fn since(self, base: Lba) -> Option<u64> {
        self.0.checked_sub(base.0)
    }

    /// A signed address (a cue sheet's, where the first track's pregap lies before 0) as an
    /// LBA, or `None` when it is negative.
    pub fn from_signed(n: i64) -> Option<Lba> {
        u64::try_from(n).ok().map(Lba)
    }

    /// The LBA in a command's 32-bit field (READ(10)/(12), READ CD, WRITE(10)), or `None`
    /// when it does not fit.
    pub fn to_u32(self) -> Option<u32> {
        u32::try_from(self.0).ok()
    }
}

impl From<u32> for Lba {
    fn from(n: u32) -> Lba {
        Lba(u64::from(n))
    }
}

impl fmt::Display for Lba {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_checked() {
        let l = Lba::new(u64::from(u32::MAX));
        assert_eq!(l.to_u32(), Some(u32::MAX));
        assert_eq!(l.checked_add(1).and_then(Lba::to_u32), None);
        assert_eq!(Lba::new(u64::MAX).checked_add(1), None);
        assert_eq!(Lba::new(40).since(Lba::new(16)), Some(24));
        assert_eq!(Lba::new(16).since(Lba::new(40)), None);
        assert_eq!(Lba::from(7u32).to_string(), "7");
        assert_eq!(Lba::from_signed(-150), None);
        assert_eq!(Lba::from_signed(150), Some(Lba::new(150)));
        assert_eq!(serde_json::to_string(&Lba::new(9)).unwrap(), "9");
    }
}
