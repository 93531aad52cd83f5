//! What a drive is and has: `Drive<T: Transport>` sends the `scsi` layer's commands through
//! a transport, applies the retry policy, checks lengths, and turns every failure into a
//! `DriveError` that names the command, the LBA and the decoded sense.
//!
//! Higher level: `identify`, `profiles`, `media_info` (what `discrw info` prints),
//! `wait_ready`.

mod error;
mod media;
#[cfg(test)]
mod tests;

pub use error::{DriveError, DriveErrorKind};
pub use media::{MediaInfo, MediaStatus, TrackSummary};

use crate::clock::{RealClock, SharedClock};
use crate::scsi::config::{self, Configuration, RequestType};
use crate::scsi::mmc::{
    self, Atip, BdDiscInformation, BlankingType, BufferCapacity, CloseFunction, DiscInformation,
    FormatCapacities, FullToc, MediaEventStatus, PerformanceDescriptor, PerformanceType,
    ReadCdFields, StructureMedia, Toc, TocFormat, TrackAddress, TrackInformation,
    WriteSpeedDescriptor,
};
use crate::scsi::mode::{
    self, BurnFreePage, CapabilitiesPage, ReadWriteErrorRecoveryPage, WriteParametersPage,
};
use crate::scsi::retry::{Action, Context, FailureClass, RetryPolicy};
use crate::scsi::sbc::{self, Capacity, StartStop};
use crate::scsi::sense::Sense;
use crate::scsi::spc::{self, InquiryData, PageControl};
use crate::scsi::{ParseError, Profile};
use crate::transport::{DataDirection, Outcome, Transport};
use serde::Serialize;
use std::time::Duration;

/// Timeout for queries and short commands.
const SHORT: Duration = Duration::from_secs(30);
/// Timeout for READ/WRITE transfers (slow spin-up, retries inside the drive).
const TRANSFER: Duration = Duration::from_secs(120);
/// Timeout for SYNCHRONIZE CACHE and CLOSE TRACK/SESSION without Immed: a DVD±R
/// finalization writes a lead-out that can take minutes.
const FLUSH: Duration = Duration::from_secs(60 * 60);
/// Timeout for BLANK and FORMAT UNIT without Immed: a full blank of a 1x CD-RW or a full
/// DVD-RW format takes over an hour.
const LONG: Duration = Duration::from_secs(3 * 60 * 60);

/// Pick the long timeout unless the command returns at once (Immed).
fn long_unless(immed: bool, long: Duration) -> Duration {
    if immed { SHORT } else { long }
}

/// Data phase as the drive layer sees it (re-borrowed for every retry).
enum Data<'a> {
    None,
    In(&'a mut [u8]),
    Out(&'a [u8]),
}

/// One command to run.
struct Cmd<'c> {
    name: &'static str,
    cdb: &'c [u8],
    lba: Option<u64>,
    timeout: Duration,
    ctx: Context,
}

/// What INQUIRY says about the drive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub vendor: String,
    pub model: String,
    pub revision: String,
    pub peripheral_device_type: u8,
    pub removable: bool,
}

/// An MMC drive behind a transport.
pub struct Drive<T: Transport> {
    transport: T,
    clock: SharedClock,
    policy: RetryPolicy,
    media_changed: bool,
}

impl<T: Transport> Drive<T> {
    /// A drive on the wall clock with the default retry policy.
    pub fn new(transport: T) -> Self {
        Self::with_clock(transport, RealClock::shared())
    }

    /// A drive whose retry delays sleep on `clock` (tests pass a virtual clock).
    pub fn with_clock(transport: T, clock: SharedClock) -> Self {
        Drive {
            transport,
            clock,
            policy: RetryPolicy::default(),
            media_changed: false,
        }
    }

    /// Replace the retry policy.
    pub fn set_retry_policy(&mut self, policy: RetryPolicy) {
        self.policy = policy;
    }

    /// The clock retry delays sleep on (shared with the job).
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The transport, e.g. for its name in messages.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// True once after the drive reported "medium may have changed" (06/28/00): cached
    /// media state is stale. Reading the flag clears it.
    pub fn take_media_changed(&mut self) -> bool {
        std::mem::take(&mut self.media_changed)
    }

    /// Largest transfer in bytes one command may carry.
    pub fn max_transfer_bytes(&self) -> usize {
        self.transport.max_transfer_bytes()
    }

    fn exec_once(&mut self, c: &Cmd<'_>, data: &mut Data<'_>) -> Outcome {
        let dd = match data {
            Data::None => DataDirection::None,
            Data::In(b) => DataDirection::FromDevice(b),
            Data::Out(b) => DataDirection::ToDevice(b),
        };
        self.transport.execute(c.cdb, dd, c.timeout)
    }

    /// Run a command under the retry policy; returns the bytes transferred.
    fn run(&mut self, c: Cmd<'_>, mut data: Data<'_>) -> Result<usize, DriveError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let outcome = self.exec_once(&c, &mut data);
            match self.policy.decide(&outcome, attempt, c.ctx) {
                Action::Success => {
                    return Ok(match outcome {
                        Outcome::Good { transferred }
                        | Outcome::CheckCondition { transferred, .. } => transferred,
                        _ => 0,
                    });
                }
                Action::Retry { after }
                | Action::PollReady { after }
                | Action::BackOff { after, .. } => self.clock.sleep(after),
                Action::MediumChanged { retry } => {
                    self.media_changed = true;
                    // A write after a media change could land on another disc.
                    if !retry || c.ctx == Context::Writing {
                        let s = match &outcome {
                            Outcome::CheckCondition { sense, .. } => Sense::parse(sense),
                            _ => None,
                        };
                        let kind = match s {
                            Some(s) => DriveErrorKind::MediumChanged(s),
                            None => DriveErrorKind::NoSense,
                        };
                        return Err(DriveError::new(
                            c.name,
                            c.lba,
                            kind,
                            FailureClass::UnitAttention,
                        ));
                    }
                }
                Action::Fail(class) => return Err(Self::error(&c, outcome, class)),
            }
        }
    }

    fn error(c: &Cmd<'_>, outcome: Outcome, class: FailureClass) -> DriveError {
        let kind = match outcome {
            Outcome::CheckCondition { sense, .. } => match Sense::parse(&sense) {
                Some(s) => DriveErrorKind::Sense(s),
                None => DriveErrorKind::NoSense,
            },
            Outcome::Status { status } => DriveErrorKind::Status(status),
            Outcome::TransportError {
                host_status,
                driver_status,
            } => DriveErrorKind::Transport {
                host_status,
                driver_status,
            },
            Outcome::OsError { errno } => DriveErrorKind::Os(errno),
            // Policy never fails GOOD; keep a sane answer if it ever does.
            Outcome::Good { .. } => DriveErrorKind::NoSense,
        };
        DriveError::new(c.name, c.lba, kind, class)
    }

    /// Run a data-in query and parse the bytes that actually arrived.
    fn query<R>(
        &mut self,
        name: &'static str,
        cdb: &[u8],
        alloc: usize,
        parse: impl FnOnce(&[u8]) -> Result<R, ParseError>,
    ) -> Result<R, DriveError> {
        let mut buf = vec![0u8; alloc];
        let n = self.run(
            Cmd {
                name,
                cdb,
                lba: None,
                timeout: SHORT,
                ctx: Context::Other,
            },
            Data::In(&mut buf),
        )?;
        let got = &buf[..n.min(buf.len())];
        parse(got)
            .map_err(|e| DriveError::new(name, None, DriveErrorKind::Data(e), FailureClass::Other))
    }

    fn no_data(
        &mut self,
        name: &'static str,
        cdb: &[u8],
        timeout: Duration,
        ctx: Context,
    ) -> Result<(), DriveError> {
        self.send(name, cdb, Data::None, timeout, ctx)
    }

    /// A command that is not about an LBA and reads nothing back: no data, or a parameter
    /// list out (MODE SELECT, FORMAT UNIT, SEND CUE SHEET, SET STREAMING).
    fn send(
        &mut self,
        name: &'static str,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
        ctx: Context,
    ) -> Result<(), DriveError> {
        self.run(
            Cmd {
                name,
                cdb,
                lba: None,
                timeout,
                ctx,
            },
            data,
        )
        .map(|_| ())
    }

    fn bad_request(name: &'static str, lba: Option<u64>, msg: String) -> DriveError {
        DriveError::new(
            name,
            lba,
            DriveErrorKind::BadRequest(msg),
            FailureClass::Other,
        )
    }

    // ---- SPC ------------------------------------------------------------------------

    /// TEST UNIT READY (SPC-4 §6.37), sent once without retries: the answer is the point.
    pub fn test_unit_ready(&mut self) -> Result<(), DriveError> {
        let cdb = spc::test_unit_ready();
        let c = Cmd {
            name: "TEST UNIT READY",
            cdb: &cdb,
            lba: None,
            timeout: SHORT,
            ctx: Context::Other,
        };
        let outcome = self.exec_once(&c, &mut Data::None);
        // Asked once: every "wait and ask again" verdict becomes the failure it stands for.
        match self.policy.decide(&outcome, u32::MAX, c.ctx) {
            Action::Success => Ok(()),
            Action::Fail(class) => Err(Self::error(&c, outcome, class)),
            Action::MediumChanged { .. } => {
                self.media_changed = true;
                Err(Self::error(&c, outcome, FailureClass::UnitAttention))
            }
            _ => {
                let class = match &outcome {
                    Outcome::CheckCondition { sense, .. } => Sense::parse(sense)
                        .map(|s| crate::scsi::retry::classify(&s))
                        .unwrap_or(FailureClass::Other),
                    _ => FailureClass::Other,
                };
                Err(Self::error(&c, outcome, class))
            }
        }
    }

    /// REQUEST SENSE (SPC-4 §6.29): the pending sense, e.g. the progress of a background
    /// format. `None` when the drive has nothing to say.
    pub fn request_sense(&mut self) -> Result<Option<Sense>, DriveError> {
        self.query("REQUEST SENSE", &spc::request_sense(252, false), 252, |d| {
            Ok(Sense::parse(d))
        })
    }

    /// INQUIRY (SPC-4 §6.4), standard data.
    pub fn inquiry(&mut self) -> Result<InquiryData, DriveError> {
        self.query("INQUIRY", &spc::inquiry(96, None), 96, spc::parse_inquiry)
    }

    /// INQUIRY, and refuse anything that is not a CD/DVD device.
    pub fn identify(&mut self) -> Result<Identity, DriveError> {
        let q = self.inquiry()?;
        if q.peripheral_device_type != spc::PERIPHERAL_DEVICE_TYPE_CD_DVD {
            return Err(DriveError::new(
                "INQUIRY",
                None,
                DriveErrorKind::NotMmc {
                    peripheral_device_type: q.peripheral_device_type,
                },
                FailureClass::Unsupported,
            ));
        }
        Ok(Identity {
            vendor: q.vendor,
            model: q.product,
            revision: q.revision,
            peripheral_device_type: q.peripheral_device_type,
            removable: q.removable,
        })
    }

    /// MODE SENSE(10) (SPC-4 §6.12) of one page, without block descriptors; returns the
    /// page bytes (page code first).
    pub fn mode_sense_10(&mut self, page: u8, pc: PageControl) -> Result<Vec<u8>, DriveError> {
        self.query(
            "MODE SENSE(10)",
            &spc::mode_sense_10(page, pc, true, 0xFFF8),
            0xFFF8,
            |d| mode::find_page(d, page).map(|p| p.to_vec()),
        )
    }

    /// MODE SELECT(10) (SPC-4 §6.10) of one page (page code first, PS cleared for you).
    pub fn mode_select_10(&mut self, page: &[u8]) -> Result<(), DriveError> {
        let list = mode::mode_select_parameter_list(page);
        let len = u16::try_from(list.len())
            .map_err(|_| Self::bad_request("MODE SELECT(10)", None, "mode page too long".into()))?;
        let cdb = spc::mode_select_10(len, false);
        self.send(
            "MODE SELECT(10)",
            &cdb,
            Data::Out(&list),
            SHORT,
            Context::Other,
        )
    }

    /// Mode page 01h (MMC-6 §7.3).
    pub fn read_write_error_recovery_page(
        &mut self,
    ) -> Result<ReadWriteErrorRecoveryPage, DriveError> {
        let p = self.mode_sense_10(0x01, PageControl::Current)?;
        ReadWriteErrorRecoveryPage::parse(&p).map_err(|e| data_error("MODE SENSE(10)", e))
    }

    /// Mode page 05h (MMC-6 §7.5).
    pub fn write_parameters_page(&mut self) -> Result<WriteParametersPage, DriveError> {
        let p = self.mode_sense_10(0x05, PageControl::Current)?;
        WriteParametersPage::parse(&p).map_err(|e| data_error("MODE SENSE(10)", e))
    }

    /// Mode page 2Ah (MMC-3 §5.5.10).
    pub fn capabilities_page(&mut self) -> Result<CapabilitiesPage, DriveError> {
        let p = self.mode_sense_10(0x2A, PageControl::Current)?;
        CapabilitiesPage::parse(&p).map_err(|e| data_error("MODE SENSE(10)", e))
    }

    /// The BURN-Free link counter of vendor mode page 30h ([`BurnFreePage`]), where the
    /// drive has that page and supports BURN-Free; `None` otherwise (MMC itself reports
    /// nothing). Never an error: a drive that rejects the page just does not report.
    pub fn burn_free_links(&mut self) -> Option<u16> {
        let p = self
            .mode_sense_10(mode::BURN_FREE_PAGE, PageControl::Current)
            .ok()?;
        BurnFreePage::parse(&p).map(|b| b.link_counter)
    }

    /// PREVENT ALLOW MEDIUM REMOVAL (MMC-6 §6.25).
    pub fn prevent_allow_medium_removal(&mut self, prevent: bool) -> Result<(), DriveError> {
        self.no_data(
            "PREVENT ALLOW MEDIUM REMOVAL",
            &spc::prevent_allow_medium_removal(prevent),
            SHORT,
            Context::Other,
        )
    }

    // ---- SBC ------------------------------------------------------------------------

    /// START STOP UNIT (MMC-6 §6.42): eject, load, spin up or down.
    pub fn start_stop_unit(&mut self, action: StartStop, immed: bool) -> Result<(), DriveError> {
        self.no_data(
            "START STOP UNIT",
            &sbc::start_stop_unit(action, immed),
            long_unless(immed, Duration::from_secs(120)),
            Context::Other,
        )
    }

    /// Open the tray.
    pub fn eject(&mut self) -> Result<(), DriveError> {
        self.start_stop_unit(StartStop::Eject, false)
    }

    /// Close the tray.
    pub fn load(&mut self) -> Result<(), DriveError> {
        self.start_stop_unit(StartStop::Load, false)
    }

    /// READ CAPACITY(10) (MMC-6 §6.23).
    pub fn read_capacity_10(&mut self) -> Result<Capacity, DriveError> {
        self.query(
            "READ CAPACITY(10)",
            &sbc::read_capacity_10(),
            8,
            sbc::parse_read_capacity_10,
        )
    }

    /// Check that `len` bytes hold exactly `blocks` whole blocks.
    fn check_blocks(
        name: &'static str,
        lba: u32,
        blocks: u32,
        len: usize,
    ) -> Result<(), DriveError> {
        if blocks == 0 || !len.is_multiple_of(blocks as usize) {
            return Err(Self::bad_request(
                name,
                Some(lba.into()),
                format!("buffer of {len} bytes does not hold {blocks} whole blocks"),
            ));
        }
        Ok(())
    }

    /// Run a data-in transfer and demand every byte.
    fn read_into(
        &mut self,
        name: &'static str,
        cdb: &[u8],
        lba: u32,
        buf: &mut [u8],
    ) -> Result<(), DriveError> {
        let want = buf.len();
        let n = self.run(
            Cmd {
                name,
                cdb,
                lba: Some(lba.into()),
                timeout: TRANSFER,
                ctx: Context::Reading,
            },
            Data::In(buf),
        )?;
        if n < want {
            return Err(DriveError::new(
                name,
                Some(lba.into()),
                DriveErrorKind::Data(ParseError::Short {
                    what: "read data",
                    got: n,
                    need: want,
                }),
                FailureClass::Other,
            ));
        }
        Ok(())
    }

    fn write_from(
        &mut self,
        name: &'static str,
        cdb: &[u8],
        lba: u32,
        data: &[u8],
    ) -> Result<(), DriveError> {
        self.run(
            Cmd {
                name,
                cdb,
                lba: Some(lba.into()),
                timeout: TRANSFER,
                ctx: Context::Writing,
            },
            Data::Out(data),
        )
        .map(|_| ())
    }

    /// READ(10) (MMC-6 §6.16) of `blocks` blocks into `buf` (its length / blocks = block
    /// size). A short transfer is an error.
    pub fn read_10(
        &mut self,
        lba: u32,
        blocks: u16,
        buf: &mut [u8],
        fua: bool,
    ) -> Result<(), DriveError> {
        Self::check_blocks("READ(10)", lba, blocks.into(), buf.len())?;
        self.read_into("READ(10)", &sbc::read_10(lba, blocks, fua), lba, buf)
    }

    /// READ(12) (MMC-6 §6.17).
    pub fn read_12(
        &mut self,
        lba: u32,
        blocks: u32,
        buf: &mut [u8],
        fua: bool,
    ) -> Result<(), DriveError> {
        Self::check_blocks("READ(12)", lba, blocks, buf.len())?;
        self.read_into("READ(12)", &sbc::read_12(lba, blocks, fua, false), lba, buf)
    }

    /// READ CD (MMC-6 §6.18); `buf` must hold `blocks × fields.bytes_per_sector()`.
    pub fn read_cd(
        &mut self,
        lba: u32,
        blocks: u32,
        fields: ReadCdFields,
        buf: &mut [u8],
    ) -> Result<(), DriveError> {
        let want = fields.bytes_per_sector() * blocks as usize;
        if buf.len() != want || blocks > 0x00FF_FFFF {
            return Err(Self::bad_request(
                "READ CD",
                Some(lba.into()),
                format!("buffer of {} bytes, READ CD returns {want}", buf.len()),
            ));
        }
        self.read_into("READ CD", &mmc::read_cd(lba, blocks, fields), lba, buf)
    }

    /// WRITE(10) (MMC-6 §6.45).
    pub fn write_10(
        &mut self,
        lba: u32,
        blocks: u16,
        data: &[u8],
        fua: bool,
    ) -> Result<(), DriveError> {
        Self::check_blocks("WRITE(10)", lba, blocks.into(), data.len())?;
        self.write_from("WRITE(10)", &sbc::write_10(lba, blocks, fua), lba, data)
    }

    /// WRITE(12) (MMC-6 §6.46), STREAMING set as real-time writers want.
    pub fn write_12(
        &mut self,
        lba: u32,
        blocks: u32,
        data: &[u8],
        streaming: bool,
    ) -> Result<(), DriveError> {
        Self::check_blocks("WRITE(12)", lba, blocks, data.len())?;
        self.write_from(
            "WRITE(12)",
            &sbc::write_12(lba, blocks, false, streaming),
            lba,
            data,
        )
    }

    /// SYNCHRONIZE CACHE(10) (MMC-6 §6.44): flush the drive buffer to the medium.
    pub fn synchronize_cache_10(&mut self, immed: bool) -> Result<(), DriveError> {
        self.no_data(
            "SYNCHRONIZE CACHE(10)",
            &sbc::synchronize_cache_10(immed),
            long_unless(immed, FLUSH),
            Context::Other,
        )
    }

    // ---- MMC ------------------------------------------------------------------------

    /// GET CONFIGURATION (MMC-6 §6.6).
    pub fn get_configuration(
        &mut self,
        rt: RequestType,
        starting_feature: u16,
    ) -> Result<Configuration, DriveError> {
        let alloc = 0x2000;
        self.query(
            "GET CONFIGURATION",
            &config::get_configuration(rt, starting_feature, alloc as u16),
            alloc,
            config::parse_configuration,
        )
    }

    /// Current profile and every profile the drive knows, with its CurrentP bit.
    pub fn profiles(&mut self) -> Result<(Profile, Vec<(Profile, bool)>), DriveError> {
        let c = self.get_configuration(RequestType::One, config::feature::PROFILE_LIST)?;
        Ok((c.current_profile, c.profiles))
    }

    /// GET EVENT STATUS NOTIFICATION (MMC-6 §6.8), polled, media class.
    pub fn get_event_status_notification(&mut self) -> Result<MediaEventStatus, DriveError> {
        self.query(
            "GET EVENT STATUS NOTIFICATION",
            &mmc::get_event_status_notification(mmc::NOTIFICATION_CLASS_MEDIA, 8),
            8,
            mmc::parse_media_event_status,
        )
    }

    /// READ DISC INFORMATION (MMC-6 §6.22), standard disc information.
    pub fn read_disc_information(&mut self) -> Result<DiscInformation, DriveError> {
        self.query(
            "READ DISC INFORMATION",
            &mmc::read_disc_information(34),
            34,
            mmc::parse_disc_information,
        )
    }

    /// READ TRACK INFORMATION (MMC-6 §6.27).
    pub fn read_track_information(
        &mut self,
        address: TrackAddress,
    ) -> Result<TrackInformation, DriveError> {
        self.query(
            "READ TRACK INFORMATION",
            &mmc::read_track_information(address, 48),
            48,
            mmc::parse_track_information,
        )
    }

    fn toc_query<R>(
        &mut self,
        format: TocFormat,
        msf: bool,
        parse: impl FnOnce(&[u8]) -> Result<R, ParseError>,
    ) -> Result<R, DriveError> {
        let alloc = 0x1000;
        self.query(
            "READ TOC/PMA/ATIP",
            &mmc::read_toc_pma_atip(format, msf, 0, alloc as u16),
            alloc,
            parse,
        )
    }

    /// READ TOC/PMA/ATIP format 0000b (MMC-6 §6.26.2.3), LBA addresses.
    pub fn read_toc(&mut self) -> Result<Toc, DriveError> {
        self.toc_query(TocFormat::Toc, false, mmc::parse_toc)
    }

    /// READ TOC/PMA/ATIP format 0001b: session information.
    pub fn read_session_info(&mut self) -> Result<Toc, DriveError> {
        self.toc_query(TocFormat::SessionInfo, false, mmc::parse_toc)
    }

    /// READ TOC/PMA/ATIP format 0010b: full TOC (raw Q).
    pub fn read_full_toc(&mut self) -> Result<FullToc, DriveError> {
        self.toc_query(TocFormat::FullToc, true, mmc::parse_full_toc)
    }

    /// READ TOC/PMA/ATIP format 0100b: ATIP of a CD-R/RW.
    pub fn read_atip(&mut self) -> Result<Atip, DriveError> {
        self.toc_query(TocFormat::Atip, true, mmc::parse_atip)
    }

    /// READ DISC STRUCTURE (MMC-6 §6.23) raw bytes (header included).
    pub fn read_disc_structure(
        &mut self,
        media: StructureMedia,
        format: u8,
    ) -> Result<Vec<u8>, DriveError> {
        let alloc = 0x1000;
        self.query(
            "READ DISC STRUCTURE",
            &mmc::read_disc_structure(media, 0, 0, format, alloc as u16),
            alloc,
            |d| Ok(d.to_vec()),
        )
    }

    fn structure<R>(
        &mut self,
        media: StructureMedia,
        format: u8,
        parse: impl FnOnce(&[u8]) -> Result<R, ParseError>,
    ) -> Result<R, DriveError> {
        let d = self.read_disc_structure(media, format)?;
        parse(&d).map_err(|e| data_error("READ DISC STRUCTURE", e))
    }

    /// DVD+R/+RW media id from ADIP (format 11h).
    pub fn adip_media_id(&mut self) -> Result<String, DriveError> {
        self.structure(
            StructureMedia::Dvd,
            mmc::structure_format::ADIP,
            mmc::parse_adip_media_id,
        )
    }

    /// DVD-R/-RW manufacturer id from pre-recorded information (format 0Eh).
    pub fn pre_recorded_media_id(&mut self) -> Result<Option<String>, DriveError> {
        self.structure(
            StructureMedia::Dvd,
            mmc::structure_format::PRE_RECORDED,
            mmc::parse_pre_recorded_media_id,
        )
    }

    /// BD disc information (media type 1, format 00h).
    pub fn bd_disc_information(&mut self) -> Result<BdDiscInformation, DriveError> {
        self.structure(
            StructureMedia::Bd,
            mmc::structure_format::BD_DISC_INFORMATION,
            mmc::parse_bd_disc_information,
        )
    }

    /// READ FORMAT CAPACITIES (MMC-6 §6.24).
    pub fn read_format_capacities(&mut self) -> Result<FormatCapacities, DriveError> {
        self.query(
            "READ FORMAT CAPACITIES",
            &mmc::read_format_capacities(0xFC),
            0xFC,
            mmc::parse_format_capacities,
        )
    }

    /// FORMAT UNIT (MMC-6 §6.5) with one format descriptor.
    pub fn format_unit(
        &mut self,
        number_of_blocks: u32,
        format_type: u8,
        format_sub_type: u8,
        type_dependent_parameter: u32,
        immed: bool,
    ) -> Result<(), DriveError> {
        let list = mmc::format_unit_parameter_list(
            number_of_blocks,
            format_type,
            format_sub_type,
            type_dependent_parameter,
            immed,
        );
        self.send(
            "FORMAT UNIT",
            &mmc::format_unit(),
            Data::Out(&list),
            long_unless(immed, LONG),
            Context::Other,
        )
    }

    /// BLANK (MMC-6 §6.2).
    pub fn blank(&mut self, kind: BlankingType, immed: bool, start: u32) -> Result<(), DriveError> {
        self.no_data(
            "BLANK",
            &mmc::blank(kind, immed, start),
            long_unless(immed, LONG),
            Context::Other,
        )
    }

    /// RESERVE TRACK (MMC-6 §6.35) of `blocks` blocks.
    pub fn reserve_track(&mut self, blocks: u32) -> Result<(), DriveError> {
        self.no_data(
            "RESERVE TRACK",
            &mmc::reserve_track(blocks),
            SHORT,
            Context::Other,
        )
    }

    /// CLOSE TRACK/SESSION (MMC-6 §6.3).
    pub fn close_track_session(
        &mut self,
        function: CloseFunction,
        track: u16,
        immed: bool,
    ) -> Result<(), DriveError> {
        self.no_data(
            "CLOSE TRACK/SESSION",
            &mmc::close_track_session(function, track, immed),
            long_unless(immed, FLUSH),
            Context::Other,
        )
    }

    /// SEND CUE SHEET (MMC-6 §6.38).
    pub fn send_cue_sheet(&mut self, cue_sheet: &[u8]) -> Result<(), DriveError> {
        let size = u32::try_from(cue_sheet.len())
            .ok()
            .filter(|&s| s <= 0x00FF_FFFF)
            .ok_or_else(|| {
                Self::bad_request("SEND CUE SHEET", None, "cue sheet too long".into())
            })?;
        self.send(
            "SEND CUE SHEET",
            &mmc::send_cue_sheet(size),
            Data::Out(cue_sheet),
            SHORT,
            Context::Writing,
        )
    }

    /// READ BUFFER CAPACITY (MMC-6 §6.21), in bytes.
    pub fn read_buffer_capacity(&mut self) -> Result<BufferCapacity, DriveError> {
        self.query(
            "READ BUFFER CAPACITY",
            &mmc::read_buffer_capacity(12),
            12,
            mmc::parse_buffer_capacity,
        )
    }

    /// SET CD SPEED (MMC-6 §6.37), kB/s; FFFFh = maximum.
    pub fn set_cd_speed(&mut self, read_kbps: u16, write_kbps: u16) -> Result<(), DriveError> {
        self.no_data(
            "SET CD SPEED",
            &mmc::set_cd_speed(read_kbps, write_kbps),
            SHORT,
            Context::Other,
        )
    }

    /// SET STREAMING (MMC-6 §6.39) with one performance descriptor.
    pub fn set_streaming(
        &mut self,
        start_lba: u32,
        end_lba: u32,
        read_kbps: u32,
        write_kbps: u32,
    ) -> Result<(), DriveError> {
        let d =
            mmc::set_streaming_performance_descriptor(start_lba, end_lba, read_kbps, write_kbps);
        self.send(
            "SET STREAMING",
            &mmc::set_streaming(),
            Data::Out(&d),
            SHORT,
            Context::Other,
        )
    }

    /// GET PERFORMANCE (MMC-6 §6.7) type 00h, nominal read or write performance.
    pub fn get_performance(
        &mut self,
        write: bool,
    ) -> Result<Vec<PerformanceDescriptor>, DriveError> {
        let n = 32u16;
        self.query(
            "GET PERFORMANCE",
            &mmc::get_performance(PerformanceType::Performance { write }, n),
            8 + 16 * usize::from(n),
            mmc::parse_performance,
        )
    }

    /// GET PERFORMANCE type 03h: the write speeds the drive offers for this medium.
    pub fn get_write_speeds(&mut self) -> Result<Vec<WriteSpeedDescriptor>, DriveError> {
        let n = 32u16;
        self.query(
            "GET PERFORMANCE",
            &mmc::get_performance(PerformanceType::WriteSpeed, n),
            8 + 16 * usize::from(n),
            mmc::parse_write_speed_descriptors,
        )
    }

    // ---- higher level -----------------------------------------------------------------

    /// Poll TEST UNIT READY through the retry policy until the unit is ready, sleeping on
    /// `clock`, for at most `max`. No medium fails at once (there is nothing to wait for);
    /// becoming ready, long operations (format, blank, close with Immed) and unit attentions
    /// are waited out.
    pub fn wait_ready(&mut self, clock: &SharedClock, max: Duration) -> Result<(), DriveError> {
        let start = clock.now();
        let cdb = spc::test_unit_ready();
        let c = Cmd {
            name: "TEST UNIT READY",
            cdb: &cdb,
            lba: None,
            timeout: SHORT,
            ctx: Context::Other,
        };
        // Waiting is bounded by `max`, not by the policy's poll counts.
        let policy = RetryPolicy {
            ready_polls: u32::MAX,
            long_operation_polls: u32::MAX,
            ..self.policy
        };
        let mut attempt = 0u32;
        let mut changes = 0u32;
        loop {
            attempt = attempt.saturating_add(1);
            let outcome = self.exec_once(&c, &mut Data::None);
            let action = policy.decide(&outcome, attempt, c.ctx);
            let after = match action {
                Action::Success => return Ok(()),
                Action::Fail(class) => return Err(Self::error(&c, outcome, class)),
                Action::MediumChanged { .. } => {
                    self.media_changed = true;
                    changes += 1;
                    attempt = 0;
                    // The attention is consumed by this very command: ask again at once,
                    // unless the drive keeps saying it, then pace the polls so `max` bounds
                    // the wait.
                    if changes > 2 {
                        policy.ready_poll_interval
                    } else {
                        Duration::ZERO
                    }
                }
                Action::Retry { after }
                | Action::PollReady { after }
                | Action::BackOff { after, .. } => after,
            };
            let elapsed = clock.now().saturating_sub(start);
            if elapsed + after > max {
                let class = match &outcome {
                    Outcome::CheckCondition { sense, .. } => Sense::parse(sense)
                        .map(|s| crate::scsi::retry::classify(&s))
                        .unwrap_or(FailureClass::NotReady),
                    _ => FailureClass::NotReady,
                };
                return Err(Self::error(&c, outcome, class));
            }
            clock.sleep(after);
        }
    }
}

/// A parse failure on answer bytes, as a drive error.
fn data_error(command: &'static str, e: ParseError) -> DriveError {
    DriveError::new(command, None, DriveErrorKind::Data(e), FailureClass::Other)
}

/// Turn an optional query's "cannot answer" into `None`; keep real failures.
pub(crate) fn optional<R>(r: Result<R, DriveError>) -> Result<Option<R>, DriveError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_optional_miss() => Ok(None),
        Err(e) => Err(e),
    }
}
