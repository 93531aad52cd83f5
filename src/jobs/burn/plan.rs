//! Which MMC sequence a medium needs: a pure function from the current profile and the
//! user's choices to a [`Plan`]. The sequences follow MMC-6 §4.3–§4.5 (CD), §4.9–§4.12
//! (DVD±R/RW), §4.16 (BD) and what libburn's cookbook and growisofs send per family.

use crate::scsi::Profile;
use crate::scsi::mmc::CloseFunction;
use crate::scsi::mode::WriteType;

/// How a medium is written: the media that share an MMC write sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// CD-R, CD-RW: mode page 05h, TAO or SAO.
    Cd,
    /// DVD-R, DVD-RW sequential, DVD-R DL sequential: mode page 05h, DAO or incremental.
    DvdMinusSequential,
    /// DVD+R, DVD+R DL: no page 05h, sequential, close track + close/finalize session.
    DvdPlusR,
    /// BD-R: sequential, close track + close/finalize session.
    BdR,
    /// DVD+RW, DVD-RW restricted overwrite, BD-RE: format if needed, overwrite from LBA 0.
    Overwrite,
}

/// How the track is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// CD track at once (page 05h write type 01h).
    Tao,
    /// CD session at once (write type 02h, SEND CUE SHEET, pregap from LBA −150).
    Sao,
    /// DVD-R/-RW disc at once (write type 02h, RESERVE TRACK of the exact size).
    Dao,
    /// DVD-R/-RW incremental streaming (write type 00h, link size 16).
    Incremental,
    /// DVD+R, BD-R: plain sequential writing at the NWA.
    Sequential,
    /// DVD+RW, BD-RE, DVD-RW restricted overwrite: random access from LBA 0.
    Overwrite,
}

/// Mode page 05h settings for families that use it (MMC-6 §7.5, Table 654).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page05 {
    pub write_type: WriteType,
    /// BUFE: buffer underrun free recording.
    pub bufe: bool,
    /// TEST WRITE: laser off.
    pub test_write: bool,
    /// MULTI-SESSION: 00b close the disc, 11b allow a next session.
    pub multi_session: u8,
    /// TRACK MODE: 4 = data, recorded uninterrupted; 5 = data, recorded incrementally.
    pub track_mode: u8,
    /// DATA BLOCK TYPE 8: mode 1, 2048 bytes of user data.
    pub data_block_type: u8,
    /// LINK SIZE (with LS_V): 16 blocks for DVD-R incremental.
    pub link_size: Option<u8>,
}

/// What to send after the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// CLOSE TRACK/SESSION function 001b on the track written.
    Track,
    /// CLOSE TRACK/SESSION with this session function (010b, 101b, 110b).
    Session(CloseFunction),
}

/// The sequence for one burn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub profile: Profile,
    pub strategy: Strategy,
    pub mode: Mode,
    pub page05: Option<Page05>,
    /// Sectors per write unit: 1 on CD, 16 (32 KiB) on DVD and BD; the last is padded.
    pub unit_sectors: u32,
    /// RESERVE TRACK of the written size before writing (DVD-R DAO).
    pub reserve_track: bool,
    /// SEND CUE SHEET and write the 150-sector pregap from LBA −150 (CD SAO).
    pub cue_sheet: bool,
    /// Random-access medium: write from LBA 0, format first when unformatted.
    pub overwrite: bool,
    /// Commands after SYNCHRONIZE CACHE, in order.
    pub close: Vec<Close>,
    /// Bytes per second of 1x, for progress and pacing.
    pub one_x_bytes_per_sec: u64,
    /// The disc is left appendable.
    pub multi: bool,
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Choices {
    /// `--sao`: CD SAO, DVD-R/-RW DAO.
    pub sao: bool,
    /// `--multi`: leave the disc appendable.
    pub multi: bool,
    /// `--simulate`: TEST WRITE.
    pub simulate: bool,
    /// BURN-Free on (not `--no-burnfree`).
    pub burnfree: bool,
}

/// Why no plan fits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{0} is not a writable medium")]
    NotWritable(String),
    #[error("--simulate is not possible on {0}: the medium has no test write mode")]
    NoSimulate(String),
    #[error("--sao (disc at once) closes the disc; it cannot be combined with --multi on {0}")]
    DaoMulti(String),
    #[error("--multi is meaningless on {0}: the medium is overwritten in place")]
    MultiOnOverwrite(String),
}

/// The write strategy of a profile, or `None` when discrw cannot write it.
pub fn strategy(p: Profile) -> Option<Strategy> {
    use Profile::*;
    Some(match p {
        CdR | CdRw => Strategy::Cd,
        DvdRSequential | DvdRwSequential | DvdRDualLayerSequential => Strategy::DvdMinusSequential,
        DvdPlusR | DvdPlusRDualLayer => Strategy::DvdPlusR,
        BdRSrm => Strategy::BdR,
        DvdPlusRw | DvdRwRestrictedOverwrite | BdRe => Strategy::Overwrite,
        _ => return None,
    })
}

/// The plan for burning one data track on a medium of profile `p`.
pub fn plan(p: Profile, c: Choices) -> Result<Plan, PlanError> {
    let name = p.name();
    let fam = strategy(p).ok_or_else(|| PlanError::NotWritable(name.clone()))?;
    let one_x_bytes_per_sec = p.one_x_bytes_per_sec();
    let base = Plan {
        profile: p,
        strategy: fam,
        mode: Mode::Sequential,
        page05: None,
        unit_sectors: 16,
        reserve_track: false,
        cue_sheet: false,
        overwrite: false,
        close: Vec::new(),
        one_x_bytes_per_sec,
        multi: c.multi,
    };
    let page = |write_type, track_mode, link_size| Page05 {
        write_type,
        bufe: c.burnfree,
        test_write: c.simulate,
        multi_session: if c.multi { 0b11 } else { 0b00 },
        track_mode,
        data_block_type: 8,
        link_size,
    };
    Ok(match fam {
        Strategy::Cd if c.sao => Plan {
            mode: Mode::Sao,
            page05: Some(page(WriteType::SessionAtOnce, 4, None)),
            unit_sectors: 1,
            cue_sheet: true,
            // The drive writes lead-in and lead-out itself after SYNCHRONIZE CACHE.
            ..base
        },
        Strategy::Cd => Plan {
            mode: Mode::Tao,
            page05: Some(page(WriteType::TrackAtOnce, 4, None)),
            unit_sectors: 1,
            close: vec![Close::Track, Close::Session(CloseFunction::Session)],
            ..base
        },
        Strategy::DvdMinusSequential if c.sao => {
            if c.multi {
                return Err(PlanError::DaoMulti(name));
            }
            Plan {
                mode: Mode::Dao,
                page05: Some(page(WriteType::SessionAtOnce, 5, None)),
                reserve_track: true,
                // DAO: the drive closes the disc after SYNCHRONIZE CACHE (MMC-6 §4.10.5).
                ..base
            }
        }
        Strategy::DvdMinusSequential => Plan {
            mode: Mode::Incremental,
            page05: Some(page(WriteType::PacketIncremental, 5, Some(16))),
            close: vec![Close::Track, Close::Session(CloseFunction::Session)],
            ..base
        },
        Strategy::DvdPlusR | Strategy::BdR => {
            if c.simulate {
                return Err(PlanError::NoSimulate(name));
            }
            let finalize = if c.multi {
                CloseFunction::Session
            } else if fam == Strategy::BdR {
                // BD-R: 110b closes the session and finalizes the disc (MMC-6 Table 40).
                CloseFunction::FinalizeDisc
            } else {
                // DVD+R and DVD+R DL: 101b closes the session and finalizes (Table 38/39).
                CloseFunction::FinalizeDvdPlusR
            };
            Plan {
                mode: Mode::Sequential,
                close: vec![Close::Track, Close::Session(finalize)],
                ..base
            }
        }
        Strategy::Overwrite => {
            if c.simulate {
                return Err(PlanError::NoSimulate(name));
            }
            if c.multi {
                return Err(PlanError::MultiOnOverwrite(name));
            }
            Plan {
                mode: Mode::Overwrite,
                overwrite: true,
                ..base
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(sao: bool, multi: bool, simulate: bool) -> Choices {
        Choices {
            sao,
            multi,
            simulate,
            burnfree: true,
        }
    }

    #[test]
    fn cd_tao_and_sao() {
        let t = plan(Profile::CdR, ch(false, false, false)).unwrap();
        assert_eq!(t.mode, Mode::Tao);
        let p = t.page05.unwrap();
        assert_eq!(p.write_type, WriteType::TrackAtOnce);
        assert!(p.bufe);
        assert_eq!(p.multi_session, 0);
        assert_eq!(t.unit_sectors, 1);
        assert_eq!(
            t.close,
            vec![Close::Track, Close::Session(CloseFunction::Session)]
        );
        let s = plan(Profile::CdRw, ch(true, true, true)).unwrap();
        assert_eq!(s.mode, Mode::Sao);
        assert!(s.cue_sheet && s.close.is_empty());
        let p = s.page05.unwrap();
        assert_eq!(p.write_type, WriteType::SessionAtOnce);
        assert_eq!(p.multi_session, 0b11);
        assert!(p.test_write);
    }

    #[test]
    fn dvd_minus_dao_and_incremental() {
        let d = plan(Profile::DvdRSequential, ch(true, false, true)).unwrap();
        assert_eq!(d.mode, Mode::Dao);
        assert!(d.reserve_track && d.close.is_empty());
        assert_eq!(d.unit_sectors, 16);
        assert_eq!(
            plan(Profile::DvdRwSequential, ch(true, true, false)),
            Err(PlanError::DaoMulti("DVD-RW sequential".into()))
        );
        let i = plan(Profile::DvdRwSequential, ch(false, true, false)).unwrap();
        assert_eq!(i.mode, Mode::Incremental);
        assert_eq!(i.page05.unwrap().link_size, Some(16));
        assert_eq!(i.page05.unwrap().multi_session, 0b11);
    }

    #[test]
    fn plus_r_and_bd_r_finalize_functions() {
        let p = plan(Profile::DvdPlusR, ch(false, false, false)).unwrap();
        assert!(p.page05.is_none());
        // MMC-6 Table 36: CLOSE FUNCTION 101b for DVD+R finalization.
        assert_eq!(CloseFunction::FinalizeDvdPlusR as u8, 0b101);
        assert_eq!(
            p.close,
            vec![
                Close::Track,
                Close::Session(CloseFunction::FinalizeDvdPlusR)
            ]
        );
        let dl = plan(Profile::DvdPlusRDualLayer, ch(false, false, false)).unwrap();
        assert_eq!(dl.close, p.close);
        let b = plan(Profile::BdRSrm, ch(false, false, false)).unwrap();
        assert_eq!(CloseFunction::FinalizeDisc as u8, 0b110);
        assert_eq!(
            b.close,
            vec![Close::Track, Close::Session(CloseFunction::FinalizeDisc)]
        );
        let m = plan(Profile::BdRSrm, ch(false, true, false)).unwrap();
        assert_eq!(
            m.close,
            vec![Close::Track, Close::Session(CloseFunction::Session)]
        );
        assert!(matches!(
            plan(Profile::DvdPlusR, ch(false, false, true)),
            Err(PlanError::NoSimulate(_))
        ));
        assert!(matches!(
            plan(Profile::BdRSrm, ch(false, false, true)),
            Err(PlanError::NoSimulate(_))
        ));
    }

    #[test]
    fn overwritable_and_unwritable() {
        for p in [
            Profile::DvdPlusRw,
            Profile::BdRe,
            Profile::DvdRwRestrictedOverwrite,
        ] {
            let o = plan(p, ch(false, false, false)).unwrap();
            assert!(o.overwrite && o.close.is_empty() && o.page05.is_none());
        }
        assert!(matches!(
            plan(Profile::DvdRom, Choices::default()),
            Err(PlanError::NotWritable(_))
        ));
        assert!(matches!(
            plan(Profile::NoProfile, Choices::default()),
            Err(PlanError::NotWritable(_))
        ));
    }
}
