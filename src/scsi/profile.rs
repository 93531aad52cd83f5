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

/// The medium family of a profile: what sets its 1x rate and which speed command it takes
/// (SET CD SPEED for CD, SET STREAMING otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Cd,
    Dvd,
    Bd,
}

/// Kilobytes (1000 bytes) per second of a CD at 1x as the drive counts it for SET CD SPEED
/// and the capabilities page: 75 whole 2352-byte sectors (MMC-6 §6.37, 176.4 kB/s).
const CD_RECORDED_KBPS_1X: f64 = 176.4;

impl Family {
    /// User-data bytes per second at 1x: CD 75 × 2048 = 153,600; DVD 11.08 Mbit/s =
    /// 1,385,000 (ECMA-267); BD 36 Mbit/s = 4,495,625 (user data rate of BD 1x).
    pub fn one_x_bytes_per_sec(self) -> u64 {
        match self {
            Family::Cd => 153_600,
            Family::Dvd => 1_385_000,
            Family::Bd => 4_495_625,
        }
    }

    /// The speed field (kB/s, 1 kB = 1000 bytes) for `x` times 1x, as SET CD SPEED (CD:
    /// recorded 2352-byte sectors, 176.4 kB/s per 1x) and SET STREAMING (DVD, BD: user data)
    /// count it. At least 1.
    pub fn speed_kbps(self, x: f64) -> u32 {
        let per_x = match self {
            Family::Cd => CD_RECORDED_KBPS_1X,
            f => f.one_x_bytes_per_sec() as f64 / 1000.0,
        };
        (x * per_x).round().clamp(1.0, u32::MAX as f64) as u32
    }

    /// User-data bytes per second of a drive speed field in kB/s (the inverse of
    /// [`Family::speed_kbps`]: CD fields count 2352-byte sectors).
    pub fn user_bytes_per_sec(self, kbps: u64) -> u64 {
        match self {
            Family::Cd => kbps * 1000 * 2048 / 2352,
            _ => kbps * 1000,
        }
    }
}

impl Profile {
    /// The family this profile's medium belongs to; `None` for no profile or one outside
    /// MMC-6's CD/DVD/BD ranges.
    pub fn family(self) -> Option<Family> {
        if self.is_cd() {
            Some(Family::Cd)
        } else if self.is_dvd() {
            Some(Family::Dvd)
        } else if self.is_bd() {
            Some(Family::Bd)
        } else {
            None
        }
    }

    /// User-data bytes per second at 1x of this profile's medium. A drive that names no
    /// family (no profile: old CD-ROM drives without GET CONFIGURATION) counts as CD.
    pub fn one_x_bytes_per_sec(self) -> u64 {
        self.family().unwrap_or(Family::Cd).one_x_bytes_per_sec()
    }
}

/// A read or write speed as the user asks for it: the drive's top speed, or an x-factor of
/// the medium's 1x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    Max,
    Times(f64),
}

impl Speed {
    /// `max`, or a positive x-factor: `8`, `8x`, `2.4`.
    pub fn parse(s: &str) -> Option<Speed> {
        let t = s.trim().to_ascii_lowercase();
        if t == "max" {
            return Some(Speed::Max);
        }
        let num = t.strip_suffix('x').unwrap_or(&t);
        match num.parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 => Some(Speed::Times(x)),
            _ => None,
        }
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

    #[test]
    fn speed_fields_follow_mmc6_units() {
        // MMC-6 §6.37: CD speeds in kB/s of 2352-byte sectors, 1x = 176.4 kB/s; 8x = 1411.
        assert_eq!(Family::Cd.speed_kbps(8.0), 1411);
        assert_eq!(Family::Cd.speed_kbps(1.0), 176);
        // DVD 1x = 1385 kB/s of user data, BD 1x = 4495.625 kB/s.
        assert_eq!(Family::Dvd.speed_kbps(8.0), 11080);
        assert_eq!(Family::Bd.speed_kbps(2.0), 8991);
        assert_eq!(Family::Dvd.speed_kbps(1e-9), 1);
        assert_eq!(Family::Cd.user_bytes_per_sec(1764), 1_536_000);
        assert_eq!(Profile::CdRw.family(), Some(Family::Cd));
        assert_eq!(Profile::DvdPlusR.family(), Some(Family::Dvd));
        assert_eq!(Profile::BdRe.family(), Some(Family::Bd));
        assert_eq!(Profile::NoProfile.family(), None);
        assert_eq!(Profile::NoProfile.one_x_bytes_per_sec(), 153_600);
    }

    #[test]
    fn speeds_parse() {
        assert_eq!(Speed::parse("max"), Some(Speed::Max));
        assert_eq!(Speed::parse("8"), Some(Speed::Times(8.0)));
        assert_eq!(Speed::parse("2.4x"), Some(Speed::Times(2.4)));
        for bad in ["0", "-1", "fast", "", "nanx", "inf"] {
            assert_eq!(Speed::parse(bad), None, "{bad}");
        }
    }
}
