//! MMC profiles (MMC-6 §5.3.1, Table 89): what kind of medium the drive sees.

use serde::{Serialize, Serializer};
use std::fmt;

/// A profile number, named after MMC-6 Table 89.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// 0000h: no current profile (no medium, or the drive will not say).
    NoProfile,
    CdRom,
    CdR,
    CdRw,
    DvdRom,
    DvdRSequential,
    DvdRam,
    DvdRwRestrictedOverwrite,
    DvdRwSequential,
    DvdRDualLayerSequential,
    DvdRDualLayerJump,
    DvdPlusRw,
    DvdPlusR,
    DvdPlusRwDualLayer,
    DvdPlusRDualLayer,
    BdRom,
    BdRSrm,
    BdRRrm,
    BdRe,
    /// Any other number (removable disk, HD DVD, vendor profiles ...).
    Other(u16),
}

impl Profile {
    const TABLE: [(Profile, u16, &'static str); 19] = [
        (Profile::NoProfile, 0x0000, "no profile"),
        (Profile::CdRom, 0x0008, "CD-ROM"),
        (Profile::CdR, 0x0009, "CD-R"),
        (Profile::CdRw, 0x000A, "CD-RW"),
        (Profile::DvdRom, 0x0010, "DVD-ROM"),
        (Profile::DvdRSequential, 0x0011, "DVD-R sequential"),
        (Profile::DvdRam, 0x0012, "DVD-RAM"),
        (
            Profile::DvdRwRestrictedOverwrite,
            0x0013,
            "DVD-RW restricted overwrite",
        ),
        (Profile::DvdRwSequential, 0x0014, "DVD-RW sequential"),
        (
            Profile::DvdRDualLayerSequential,
            0x0015,
            "DVD-R DL sequential",
        ),
        (Profile::DvdRDualLayerJump, 0x0016, "DVD-R DL layer jump"),
        (Profile::DvdPlusRw, 0x001A, "DVD+RW"),
        (Profile::DvdPlusR, 0x001B, "DVD+R"),
        (Profile::DvdPlusRwDualLayer, 0x002A, "DVD+RW DL"),
        (Profile::DvdPlusRDualLayer, 0x002B, "DVD+R DL"),
        (Profile::BdRom, 0x0040, "BD-ROM"),
        (Profile::BdRSrm, 0x0041, "BD-R SRM"),
        (Profile::BdRRrm, 0x0042, "BD-R RRM"),
        (Profile::BdRe, 0x0043, "BD-RE"),
    ];

    /// The profile for a PROFILE NUMBER field.
    pub fn from_u16(n: u16) -> Profile {
        Self::TABLE
            .iter()
            .find(|e| e.1 == n)
            .map(|e| e.0)
            .unwrap_or(Profile::Other(n))
    }

    /// The PROFILE NUMBER.
    pub fn number(self) -> u16 {
        match self {
            Profile::Other(n) => n,
            p => Self::TABLE
                .iter()
                .find(|e| e.0 == p)
                .map(|e| e.1)
                .unwrap_or(0),
        }
    }

    /// Human name, as burning tools print it ("DVD+R", "CD-RW").
    pub fn name(self) -> String {
        match self {
            Profile::Other(n) => format!("profile {n:04X}h"),
            p => Self::TABLE
                .iter()
                .find(|e| e.0 == p)
                .map(|e| e.2.to_string())
                .unwrap_or_default(),
        }
    }

    pub fn is_cd(self) -> bool {
        matches!(self, Profile::CdRom | Profile::CdR | Profile::CdRw)
    }

    pub fn is_dvd(self) -> bool {
        (0x0010..=0x002B).contains(&self.number())
    }

    pub fn is_bd(self) -> bool {
        (0x0040..=0x0043).contains(&self.number())
    }

    /// The drive can record on this medium kind (write-once or rewritable).
    pub fn is_writable(self) -> bool {
        !matches!(
            self,
            Profile::NoProfile
                | Profile::CdRom
                | Profile::DvdRom
                | Profile::BdRom
                | Profile::Other(_)
        )
    }

    /// The medium can be blanked or overwritten (RW, RAM, RE).
    pub fn is_erasable(self) -> bool {
        matches!(
            self,
            Profile::CdRw
                | Profile::DvdRam
                | Profile::DvdRwRestrictedOverwrite
                | Profile::DvdRwSequential
                | Profile::DvdPlusRw
                | Profile::DvdPlusRwDualLayer
                | Profile::BdRe
        )
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Serialized as `{"number": 27, "name": "DVD+R"}` so JSON readers need no table.
impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Profile", 2)?;
        st.serialize_field("number", &self.number())?;
        st.serialize_field("name", &self.name())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_mmc6_table_89() {
        assert_eq!(Profile::from_u16(0x0008), Profile::CdRom);
        assert_eq!(Profile::from_u16(0x0009), Profile::CdR);
        assert_eq!(Profile::from_u16(0x000A), Profile::CdRw);
        assert_eq!(Profile::from_u16(0x0011), Profile::DvdRSequential);
        assert_eq!(Profile::from_u16(0x0013), Profile::DvdRwRestrictedOverwrite);
        assert_eq!(Profile::from_u16(0x0016), Profile::DvdRDualLayerJump);
        assert_eq!(Profile::from_u16(0x001A), Profile::DvdPlusRw);
        assert_eq!(Profile::from_u16(0x001B), Profile::DvdPlusR);
        assert_eq!(Profile::from_u16(0x002B), Profile::DvdPlusRDualLayer);
        assert_eq!(Profile::from_u16(0x0041), Profile::BdRSrm);
        assert_eq!(Profile::from_u16(0x0043), Profile::BdRe);
        assert_eq!(Profile::from_u16(0x0000), Profile::NoProfile);
        assert_eq!(Profile::from_u16(0x0050), Profile::Other(0x0050));
        assert_eq!(Profile::DvdPlusR.number(), 0x001B);
        assert_eq!(Profile::Other(0x0050).number(), 0x0050);
    }

    #[test]
    fn helpers() {
        assert_eq!(Profile::DvdPlusR.to_string(), "DVD+R");
        assert!(Profile::CdRw.is_cd() && Profile::CdRw.is_erasable());
        assert!(Profile::DvdPlusR.is_dvd() && Profile::DvdPlusR.is_writable());
        assert!(!Profile::DvdPlusR.is_erasable());
        assert!(Profile::BdRe.is_bd() && !Profile::BdRe.is_dvd());
        assert!(!Profile::DvdRom.is_writable() && !Profile::NoProfile.is_writable());
        assert_eq!(
            serde_json::to_string(&Profile::CdR).unwrap(),
            r#"{"number":9,"name":"CD-R"}"#
        );
    }
}
