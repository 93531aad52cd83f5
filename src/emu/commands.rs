//! The command set of the emulated drive: one table of the opcodes it implements (the same
//! table dispatches a CDB and decides INVALID COMMAND OPERATION CODE), the checks every
//! command passes first, what the drive keeps between commands, and the commands that answer
//! or set the drive up without moving sectors (reading is in `read`, recording in `write`).

use super::answers::{self, fixed_sense};
use super::faults::{self, Action, FaultKind};
use super::layout;
use super::medium::Family;
use super::{EmuDrive, INVALID_FIELD, INVALID_OPCODE, Reply, be32, check, sense_of, write};
use crate::transport::DataDirection;
use std::time::Duration;

/// SCSI state carried from one command to the next.
#[derive(Debug, Default)]
pub(super) struct ScsiState {
    /// Sense data REQUEST SENSE returns: of the last CHECK CONDITION, or a progress report.
    pub last_sense: Option<Vec<u8>>,
    /// Commands received since the drive was opened (what `@cmdN` faults count).
    pub commands: u64,
    /// PREVENT ALLOW MEDIUM REMOVAL: while set, an eject is refused.
    pub prevent: bool,
    /// Media event code pending for GET EVENT STATUS NOTIFICATION (2 new media, 3 removal).
    pub media_event: u8,
    /// A long operation the drive is busy with.
    pub busy: Option<Busy>,
    /// Read speed the host asked for (SET CD SPEED, SET STREAMING). Kept but not obeyed:
    /// reading takes no time on the drive's clock.
    pub read_kbps: u32,
}

/// A long operation (format, blank, flush, close) the drive is busy with.
#[derive(Debug, Clone, Copy)]
pub(super) struct Busy {
    pub started: Duration,
    pub until: Duration,
    pub asc: u8,
    pub ascq: u8,
}

impl Busy {
    /// The sense-key specific PROGRESS INDICATION at `now`: the fraction done, of 65536
    /// (SPC-4 §4.5.2.4.4).
    pub fn progress(&self, now: Duration) -> u16 {
        let span = (self.until - self.started).as_secs_f64().max(1e-9);
        let done = ((now - self.started).as_secs_f64() / span * 65536.0) as u32;
        done.min(65535) as u16
    }
}

/// What answers a command: the drive, the CDB (at least as long as its opcode's group makes
/// it), and the data phase.
type Handler = fn(&mut EmuDrive, &[u8], &mut DataDirection<'_>) -> Reply;

/// A command the drive implements, and how it stands with the drive's condition.
pub(super) struct Command {
    pub opcode: u8,
    pub handler: Handler,
    /// Answered with no disc in the drive; otherwise NOT READY, MEDIUM NOT PRESENT.
    pub without_medium: bool,
    /// Answered while a long operation runs; otherwise NOT READY with the progress.
    pub while_busy: bool,
    /// Moves sectors: the transfer may exceed 64 KiB, and the disc state it changes is saved
    /// by a later command (see `Disc::dirty`).
    pub sectors: bool,
    /// The data phase goes to the drive (WRITE, MODE SELECT, ...); otherwise it comes from it.
    pub data_out: bool,
}

impl Command {
    const fn new(opcode: u8, handler: Handler) -> Command {
        Command {
            opcode,
            handler,
            without_medium: false,
            while_busy: false,
            sectors: false,
            data_out: false,
        }
    }
    const fn without_medium(self) -> Command {
        Command {
            without_medium: true,
            ..self
        }
    }
    const fn while_busy(self) -> Command {
        Command {
            while_busy: true,
            ..self
        }
    }
    /// Answered whatever the drive's condition: what a host polls to learn that condition.
    const fn always(self) -> Command {
        self.without_medium().while_busy()
    }
    const fn sectors(self) -> Command {
        Command {
            sectors: true,
            ..self
        }
    }
    const fn data_out(self) -> Command {
        Command {
            data_out: true,
            ..self
        }
    }
}

/// Every command the drive implements, by opcode; each handler is named after its command.
/// Dispatch goes through this table alone, so an opcode is INVALID COMMAND OPERATION CODE
/// exactly when it is missing here.
pub(super) const COMMANDS: &[Command] = &[
    Command::new(0x00, EmuDrive::test_unit_ready),
    Command::new(0x03, EmuDrive::request_sense).always(),
    Command::new(0x04, EmuDrive::format_unit).data_out(),
    Command::new(0x12, EmuDrive::inquiry).always(),
    Command::new(0x1A, EmuDrive::mode_sense6).always(),
    Command::new(0x1B, EmuDrive::start_stop_unit).without_medium(),
    Command::new(0x1E, EmuDrive::prevent_allow_medium_removal).without_medium(),
    Command::new(0x23, EmuDrive::read_format_capacities).without_medium(),
    Command::new(0x25, EmuDrive::read_capacity),
    Command::new(0x28, EmuDrive::read10).sectors(),
    Command::new(0x2A, EmuDrive::write10).sectors().data_out(),
    Command::new(0x35, EmuDrive::synchronize_cache),
    Command::new(0x43, EmuDrive::read_toc_pma_atip),
    Command::new(0x46, EmuDrive::get_configuration).always(),
    Command::new(0x4A, EmuDrive::get_event_status_notification).always(),
    Command::new(0x51, EmuDrive::read_disc_information).while_busy(),
    Command::new(0x52, EmuDrive::read_track_information).while_busy(),
    Command::new(0x53, EmuDrive::reserve_track),
    Command::new(0x54, EmuDrive::send_opc_information),
    Command::new(0x55, EmuDrive::mode_select)
        .data_out()
        .without_medium(),
    Command::new(0x5A, EmuDrive::mode_sense).always(),
    Command::new(0x5B, EmuDrive::close_track_session),
    Command::new(0x5C, EmuDrive::read_buffer_capacity).always(),
    Command::new(0x5D, EmuDrive::send_cue_sheet).data_out(),
    Command::new(0xA1, EmuDrive::blank),
    Command::new(0xA8, EmuDrive::read12).sectors(),
    Command::new(0xAA, EmuDrive::write12).sectors().data_out(),
    Command::new(0xAC, EmuDrive::get_performance),
    Command::new(0xAD, EmuDrive::read_disc_structure),
    Command::new(0xB6, EmuDrive::set_streaming)
        .data_out()
        .always(),
    Command::new(0xBB, EmuDrive::set_cd_speed).always(),
    Command::new(0xBF, EmuDrive::send_disc_structure).data_out(),
    Command::new(0xBE, EmuDrive::read_cd).sectors(),
];

/// The command with this opcode, if the drive implements it.
pub(super) fn find(opcode: u8) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.opcode == opcode)
}

/// CDB length of an opcode's group (bits 7..5, SPC-4 §4.2.5.1); `None` for the reserved and
/// vendor-specific groups 3, 6 and 7.
fn cdb_length(opcode: u8) -> Option<usize> {
    match opcode >> 5 {
        0 => Some(6),
        1 | 2 => Some(10),
        4 => Some(16),
        5 => Some(12),
        _ => None,
    }
}

impl EmuDrive {
    /// One command: the checks every command passes (a CDB the drive knows, scripted faults,
    /// a long operation in progress, a disc in the drive), then its handler.
    pub(super) fn run(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let op = cdb[0];
        let Some(cmd) = find(op).filter(|_| cdb_length(op).is_some_and(|n| cdb.len() >= n)) else {
            return sense_of(INVALID_OPCODE);
        };
        if let Some(r) = self.command_fault(op) {
            return r;
        }
        if let Some(r) = self.still_busy(cmd) {
            return r;
        }
        if !cmd.without_medium && !self.medium_present() {
            return if self.disc.state.tray_open {
                check(2, 0x3A, 0x02)
            } else {
                check(2, 0x3A, 0x01)
            };
        }
        (cmd.handler)(self, cdb, data)
    }

    /// A scripted fault on this command (by its number, or on every command).
    fn command_fault(&mut self, op: u8) -> Option<Reply> {
        let a = faults::on_command(&mut self.disc.state.faults, self.scsi.commands, op)?;
        self.disc.dirty = true;
        match a {
            Action::MediaChange => {
                self.swap_disc();
                Some(check(6, 0x28, 0x00))
            }
            Action::TrayOpened => {
                self.disc.state.tray_open = true;
                self.scsi.media_event = 3;
                Some(check(2, 0x3A, 0x02))
            }
            other => self.apply_action(other, 0, 0),
        }
    }

    /// NOT READY with the progress of a long operation still running, unless `cmd` is
    /// answered meanwhile; a finished one is forgotten.
    fn still_busy(&mut self, cmd: &Command) -> Option<Reply> {
        let b = self.scsi.busy?;
        let now = self.clock.now();
        if now >= b.until {
            self.scsi.busy = None;
            return None;
        }
        if cmd.while_busy {
            return None;
        }
        let r = Reply::Check {
            key: 2,
            asc: b.asc,
            ascq: b.ascq,
            info: None,
            transferred: 0,
        };
        Some(r.with_progress(self, b.progress(now)))
    }

    /// TEST UNIT READY: the checks every command passes are the whole answer.
    fn test_unit_ready(&mut self, _cdb: &[u8], _data: &mut DataDirection<'_>) -> Reply {
        Reply::Good(0)
    }

    /// REQUEST SENSE: the progress of a long operation, else the last sense (once).
    fn request_sense(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let s = match self.scsi.busy {
            Some(b) => fixed_sense(2, b.asc, b.ascq, None, Some(b.progress(self.clock.now()))),
            None => self
                .scsi
                .last_sense
                .take()
                .unwrap_or_else(|| fixed_sense(0, 0, 0, None, None)),
        };
        self.data_in(data, cdb[4] as usize, &s)
    }

    /// INQUIRY: standard data only.
    fn inquiry(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if cdb[1] & 0x01 != 0 {
            return sense_of(INVALID_FIELD); // no VPD pages
        }
        let alloc = u16::from_be_bytes([cdb[3], cdb[4]]) as usize;
        self.data_in(data, alloc, &answers::inquiry())
    }

    /// PREVENT ALLOW MEDIUM REMOVAL: PREVENT locks the tray against START STOP UNIT.
    fn prevent_allow_medium_removal(&mut self, cdb: &[u8], _data: &mut DataDirection<'_>) -> Reply {
        self.scsi.prevent = cdb[4] & 0x01 != 0;
        Reply::Good(0)
    }

    /// START STOP UNIT (MMC-6 §6.39): LOEJ with START loads the tray, without it ejects.
    fn start_stop_unit(&mut self, cdb: &[u8], _data: &mut DataDirection<'_>) -> Reply {
        let loej = cdb[4] & 0x02 != 0;
        let start = cdb[4] & 0x01 != 0;
        if !loej {
            return Reply::Good(0);
        }
        if start {
            if self.disc.state.tray_open {
                self.disc.state.tray_open = false;
                self.scsi.media_event = if self.disc.state.no_disc { 0 } else { 2 };
                self.disc.dirty = true;
            }
        } else {
            if self.scsi.prevent {
                // MEDIUM REMOVAL PREVENTED (SPC-4 / MMC-6 §6.39).
                return check(5, 0x53, 0x02);
            }
            if !self.disc.state.tray_open {
                self.disc.state.tray_open = true;
                self.scsi.media_event = 3;
                self.disc.dirty = true;
            }
        }
        Reply::Good(0)
    }

    /// READ CAPACITY: the last recorded LBA (plus an `over-report` fault's lie) and 2048.
    fn read_capacity(&mut self, _cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let over = faults::value_of(&self.disc.state.faults, FaultKind::OverReport);
        let end = layout::recorded_end(&self.disc.state) as i64
            + if layout::recorded_end(&self.disc.state) > 0 {
                over
            } else {
                0
            };
        let last = (end - 1).max(0) as u32;
        let mut d = [0u8; 8];
        d[0..4].copy_from_slice(&last.to_be_bytes());
        d[4..8].copy_from_slice(&2048u32.to_be_bytes());
        self.data_in(data, 8, &d)
    }

    /// GET CONFIGURATION: the features, CURRENT as the medium in the drive makes them.
    fn get_configuration(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let s = self.medium_present().then_some(&self.disc.state);
        let answer = answers::configuration(s, cdb[1] & 0x03, u16::from_be_bytes([cdb[2], cdb[3]]));
        self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &answer)
    }

    /// READ DISC INFORMATION: standard disc information only.
    fn read_disc_information(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if cdb[1] & 0x07 != 0 {
            return sense_of(INVALID_FIELD);
        }
        let d = answers::disc_information(&self.reported_state());
        self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d)
    }

    /// READ TRACK INFORMATION by LBA, track or session number (an `nwa-lie` fault lies).
    fn read_track_information(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let ty = cdb[1] & 0x03;
        let s = self.reported_state();
        match answers::find_track(&s, ty, be32(cdb, 2)) {
            Some(t) => {
                let lie = faults::value_of(&s.faults, FaultKind::NwaLie);
                let d = answers::track_information(&s, &t, lie);
                self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d)
            }
            None => sense_of(INVALID_FIELD),
        }
    }

    /// READ DISC STRUCTURE of DVD and BD media (formats 30h and 80h are not offered).
    fn read_disc_structure(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if cdb[7] == 0x30 || cdb[7] == 0x80 {
            return sense_of(INVALID_FIELD);
        }
        match answers::disc_structure(&self.disc.state, cdb[1] & 0x0F, cdb[7]) {
            Some(d) => self.data_in(data, u16::from_be_bytes([cdb[8], cdb[9]]) as usize, &d),
            None => sense_of(INVALID_FIELD),
        }
    }

    /// READ FORMAT CAPACITIES: answered without a disc too (as "no medium").
    fn read_format_capacities(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let s = self.medium_present().then_some(&self.disc.state);
        let d = answers::format_capacities(s);
        self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d)
    }

    /// SET CD SPEED: FFFFh asks for the fastest.
    fn set_cd_speed(&mut self, cdb: &[u8], _data: &mut DataDirection<'_>) -> Reply {
        let r = u16::from_be_bytes([cdb[2], cdb[3]]);
        let w = u16::from_be_bytes([cdb[4], cdb[5]]);
        self.scsi.read_kbps = if r == 0xFFFF { 0 } else { r as u32 };
        let kind = self.disc.state.kind;
        self.writer
            .set_write_speed(kind, if w == 0xFFFF { u32::MAX } else { w as u32 });
        Reply::Good(0)
    }

    /// GET EVENT STATUS NOTIFICATION: the media class only, polled only.
    fn get_event_status_notification(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        if cdb[1] & 0x01 == 0 {
            return sense_of(INVALID_FIELD); // only polled operation
        }
        let alloc = u16::from_be_bytes([cdb[7], cdb[8]]) as usize;
        let mut d = vec![0u8; 4];
        d[3] = 0x10; // supported classes: media
        if cdb[4] & 0x10 == 0 {
            // No supported class requested: NEA.
            d[2] = 0x80;
            return self.data_in(data, alloc, &d);
        }
        d[1] = 6;
        d[2] = 0x04; // media class
        let present = self.medium_present();
        let code = std::mem::take(&mut self.scsi.media_event);
        d.extend_from_slice(&[
            code,
            (u8::from(present) << 1) | u8::from(self.disc.state.tray_open),
            0,
            0,
        ]);
        self.data_in(data, alloc, &d)
    }

    /// READ TOC/PMA/ATIP: formats 0 (TOC), 1 (session info), 2 (full TOC), 4 (ATIP).
    fn read_toc_pma_atip(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let msf = cdb[1] & 0x02 != 0;
        let mut format = cdb[2] & 0x0F;
        if format == 0 {
            // Older hosts put the format in byte 9 bits 7..6.
            format = cdb[9] >> 6;
        }
        let s = &self.disc.state;
        let d = match format {
            0 if layout::is_random(s) => answers::toc_random(s, msf),
            0 => answers::toc_format0(s, msf, cdb[6]),
            1 => answers::toc_format1(s, msf),
            2 => answers::toc_format2(s),
            4 => answers::atip(s),
            _ => None,
        };
        match d {
            Some(d) => self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d),
            None => sense_of(INVALID_FIELD),
        }
    }

    /// GET PERFORMANCE: type 00h (nominal performance) and 03h (write speeds).
    fn get_performance(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let max = u16::from_be_bytes([cdb[8], cdb[9]]) as usize;
        let alloc = 8 + max * 16;
        let d = match cdb[10] {
            0x03 => answers::write_speed_descriptors(&self.disc.state, max),
            0x00 => {
                let write = cdb[1] & 0x04 != 0;
                let speed = if write {
                    self.writer.write_kbps
                } else {
                    answers::write_speeds(self.disc.state.kind)
                        .first()
                        .copied()
                        .unwrap_or(match self.disc.state.kind.family() {
                            Family::Cd => 48 * 176,
                            Family::Dvd => 16 * 1385,
                            Family::Bd => 12 * 4496,
                        })
                };
                answers::performance(&self.disc.state, write, speed)
            }
            _ => return sense_of(INVALID_FIELD),
        };
        self.data_in(data, alloc, &d)
    }

    /// MODE SENSE(10): pages 01h, 05h, 2Ah, vendor 30h, or all (3Fh).
    /// The mode pages MODE SENSE asks for with its byte 2 (PC, PAGE CODE): 01h, 05h, 2Ah,
    /// 30h, or all of them (3Fh).
    fn mode_pages(&self, pc_page: u8) -> Result<Vec<u8>, Reply> {
        let pc = pc_page >> 6;
        let page = pc_page & 0x3F;
        if pc == 3 {
            return Err(check(5, 0x39, 0x00)); // SAVING PARAMETERS NOT SUPPORTED
        }
        let changeable = pc == 1;
        let mut pages = Vec::new();
        let want = |p: u8| page == p || page == 0x3F;
        if want(0x01) {
            pages.extend_from_slice(&write::page01(changeable));
        }
        if want(0x05) {
            pages.extend_from_slice(&self.writer.wp.page(changeable, pc == 2));
        }
        if want(0x2A) {
            pages.extend_from_slice(&write::page2a(
                &self.disc.state,
                self.writer.write_kbps,
                changeable,
            ));
        }
        if want(0x30) {
            let links = self.stats.burnfree_events;
            pages.extend_from_slice(&write::page30(self.writer.wp.bufe(), links, changeable));
        }
        if pages.is_empty() {
            return Err(sense_of(INVALID_FIELD));
        }
        Ok(pages)
    }

    /// MODE SENSE(10) (SPC-4 §6.14): mode parameter header(10), no block descriptors.
    fn mode_sense(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let pages = match self.mode_pages(cdb[2]) {
            Ok(p) => p,
            Err(r) => return r,
        };
        // Mode parameter header(10) (SPC-4 §7.5.5): MODE DATA LENGTH, no block descriptors.
        let mut d = vec![0u8; 8];
        d.extend_from_slice(&pages);
        let len = d.len() as u16 - 2;
        d[0..2].copy_from_slice(&len.to_be_bytes());
        self.data_in(data, u16::from_be_bytes([cdb[7], cdb[8]]) as usize, &d)
    }

    /// MODE SENSE(6) (SPC-4 §6.13): what the Linux sr driver asks for page 2Ah with when it
    /// probes a SCSI-attached drive; mode parameter header(6), no block descriptors.
    fn mode_sense6(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let pages = match self.mode_pages(cdb[2]) {
            Ok(p) => p,
            Err(r) => return r,
        };
        // Mode parameter header(6) (SPC-4 §7.5.5, Table 446): MODE DATA LENGTH in byte 0.
        let mut d = vec![0u8; 4];
        d.extend_from_slice(&pages);
        if d.len() > 256 {
            d.truncate(256);
        }
        d[0] = (d.len() - 1) as u8;
        self.data_in(data, cdb[4] as usize, &d)
    }

    /// MODE SELECT(10): page 05h is taken if the medium can do it, vendor page 30h's BURN-Free
    /// switch too; 01h and 2Ah are ignored.
    fn mode_select(&mut self, cdb: &[u8], data: &mut DataDirection<'_>) -> Reply {
        let len = u16::from_be_bytes([cdb[7], cdb[8]]) as usize;
        let DataDirection::ToDevice(buf) = data else {
            return if len == 0 {
                Reply::Good(0)
            } else {
                sense_of(INVALID_FIELD)
            };
        };
        if cdb[1] & 0x01 != 0 {
            return check(5, 0x39, 0x00);
        }
        let buf = &buf[..len.min(buf.len())];
        if buf.len() < 8 {
            return check(5, 0x1A, 0x00); // PARAMETER LIST LENGTH ERROR
        }
        let bd_len = u16::from_be_bytes([buf[6], buf[7]]) as usize;
        let mut p = &buf[(8 + bd_len).min(buf.len())..];
        while p.len() >= 2 {
            let code = p[0] & 0x3F;
            let plen = p[1] as usize + 2;
            if plen > p.len() {
                return check(5, 0x1A, 0x00);
            }
            let r = match code {
                0x05 => self.writer.wp.select(&p[..plen], &self.disc.state),
                0x30 => self.writer.wp.select_page30(&p[..plen]),
                0x01 | 0x2A => Ok(()),
                _ => Err(()),
            };
            if r.is_err() {
                return check(5, 0x26, 0x00); // INVALID FIELD IN PARAMETER LIST
            }
            p = &p[plen..];
        }
        Reply::Good(len)
    }
}
