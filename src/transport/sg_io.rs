//! Linux SG_IO pass-through on /dev/sg* and /dev/sr* (and any block device that accepts
//! SG_IO). This file holds the project's only `unsafe`: the ioctl calls.
//!
//! Layout of `struct sg_io_hdr` and the constants follow <scsi/sg.h> of the Linux kernel.

use super::{DataDirection, Outcome, Transport};
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SG_INTERFACE_ID_ORIG: i32 = b'S' as i32;
const SG_DXFER_NONE: i32 = -1;
const SG_DXFER_TO_DEV: i32 = -2;
const SG_DXFER_FROM_DEV: i32 = -3;
/// Bit in `driver_status` that only says "sense data is present", not an error.
const DRIVER_SENSE: u16 = 0x08;
/// Sense buffer size: 64 bytes is more than fixed (18+) or descriptor sense needs here.
const SENSE_LEN: usize = 96;

/// `struct sg_io_hdr` from <scsi/sg.h>.
#[repr(C)]
#[derive(Debug)]
pub struct SgIoHdr {
    interface_id: libc::c_int,
    dxfer_direction: libc::c_int,
    cmd_len: libc::c_uchar,
    mx_sb_len: libc::c_uchar,
    iovec_count: libc::c_ushort,
    dxfer_len: libc::c_uint,
    dxferp: *mut libc::c_void,
    cmdp: *const libc::c_uchar,
    sbp: *mut libc::c_uchar,
    timeout: libc::c_uint,
    flags: libc::c_uint,
    pack_id: libc::c_int,
    usr_ptr: *mut libc::c_void,
    status: libc::c_uchar,
    masked_status: libc::c_uchar,
    msg_status: libc::c_uchar,
    sb_len_wr: libc::c_uchar,
    host_status: libc::c_ushort,
    driver_status: libc::c_ushort,
    resid: libc::c_int,
    duration: libc::c_uint,
    info: libc::c_uint,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<SgIoHdr>() == 88);
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<SgIoHdr>() == 64);

nix::ioctl_readwrite_bad!(sg_io_ioctl, 0x2285, SgIoHdr);
nix::ioctl_read_bad!(sg_get_version_num, 0x2282, libc::c_int);
nix::ioctl_read_bad!(sg_get_reserved_size, 0x2272, libc::c_int);
nix::ioctl_write_ptr_bad!(sg_set_reserved_size, 0x2275, libc::c_int);
nix::ioctl_read_bad!(blk_sect_get, 0x1267, libc::c_ushort);

/// Why a device could not be opened. The CLI maps all of these to exit code 3.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{path}: no such device")]
    NotFound { path: PathBuf },
    #[error(
        "{path}: permission denied (hint: add yourself to the 'cdrom' group, or check the permissions of /dev/sg*)"
    )]
    PermissionDenied { path: PathBuf },
    #[error("{path}: device is busy (mounted, or opened exclusively or locked by another program)")]
    Busy { path: PathBuf },
    #[error("{path}: is a directory, not a device")]
    Directory { path: PathBuf },
    #[error("{path}: is a regular file, not a device (for an emulated drive use virtual:{path})")]
    RegularFile { path: PathBuf },
    #[error("{path}: not a device that accepts SCSI commands (SG_IO refused: {reason})")]
    NoSgIo { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// An open SCSI generic device.
pub struct SgDevice {
    file: File,
    /// The sibling node (sr for sg, sg for sr), held open and locked for the job so no
    /// other program (or a mount) can use the drive through the other name meanwhile.
    _sibling: Option<File>,
    name: String,
    max_transfer: usize,
}

/// How to open a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// For jobs: O_EXCL plus flock on the node and its sibling.
    Exclusive,
    /// For looking only (scan): no exclusivity, so a busy drive can still be listed.
    Shared,
}

fn errno_of(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

impl SgDevice {
    /// Open a device exclusively: O_RDWR|O_NONBLOCK|O_EXCL (the sr driver refuses O_EXCL
    /// while mounted or opened exclusively elsewhere), then clear O_NONBLOCK so commands block,
    /// then take an advisory flock so cooperating tools (and our own sibling node) see it held.
    pub fn open(path: &Path) -> Result<SgDevice, OpenError> {
        Self::open_with(path, Access::Exclusive)
    }

    /// Open with the given access; see [`SgDevice::open`].
    pub fn open_with(path: &Path, access: Access) -> Result<SgDevice, OpenError> {
        let p = path.to_path_buf();
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => OpenError::NotFound { path: p.clone() },
            std::io::ErrorKind::PermissionDenied => OpenError::PermissionDenied { path: p.clone() },
            _ => OpenError::Io {
                path: p.clone(),
                source: e,
            },
        })?;
        let ft = meta.file_type();
        if ft.is_dir() {
            return Err(OpenError::Directory { path: p });
        }
        if ft.is_file() {
            return Err(OpenError::RegularFile { path: p });
        }
        if !ft.is_char_device() && !ft.is_block_device() {
            return Err(OpenError::NoSgIo {
                path: p,
                reason: "not a character or block device".into(),
            });
        }
        let excl = if access == Access::Exclusive {
            libc::O_EXCL
        } else {
            0
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | excl)
            .open(path)
            .map_err(|e| match errno_of(&e) {
                libc::EACCES | libc::EPERM | libc::EROFS => {
                    OpenError::PermissionDenied { path: p.clone() }
                }
                libc::EBUSY => OpenError::Busy { path: p.clone() },
                libc::ENOENT | libc::ENXIO | libc::ENODEV => {
                    OpenError::NotFound { path: p.clone() }
                }
                _ => OpenError::Io {
                    path: p.clone(),
                    source: e,
                },
            })?;
        let fd = file.as_raw_fd();
        let max_transfer =
            query_max_transfer(fd, ft.is_char_device()).map_err(|reason| OpenError::NoSgIo {
                path: p.clone(),
                reason,
            })?;
        let max_transfer = if ft.is_block_device() {
            block_queue_max_segments(meta.rdev())
                .map(|segs| max_transfer.min(segment_bound(segs)))
                .unwrap_or(max_transfer)
        } else {
            max_transfer
        };
        if access == Access::Shared {
            return Ok(SgDevice {
                file,
                _sibling: None,
                name: path.display().to_string(),
                max_transfer,
            });
        }
        let flags =
            nix::fcntl::fcntl(&file, nix::fcntl::FcntlArg::F_GETFL).map_err(|e| OpenError::Io {
                path: p.clone(),
                source: e.into(),
            })?;
        let mut oflags = nix::fcntl::OFlag::from_bits_truncate(flags);
        oflags.remove(nix::fcntl::OFlag::O_NONBLOCK);
        nix::fcntl::fcntl(&file, nix::fcntl::FcntlArg::F_SETFL(oflags)).map_err(|e| {
            OpenError::Io {
                path: p.clone(),
                source: e.into(),
            }
        })?;
        lock_exclusive(fd).map_err(|e| {
            if e == libc::EWOULDBLOCK {
                OpenError::Busy { path: p.clone() }
            } else {
                OpenError::Io {
                    path: p.clone(),
                    source: std::io::Error::from_raw_os_error(e),
                }
            }
        })?;
        let sibling = match super::discover::sibling_of(Path::new("/sys"), Path::new("/dev"), path)
        {
            Some(sib) => Some(open_sibling(&sib)?),
            None => None,
        };
        Ok(SgDevice {
            file,
            _sibling: sibling,
            name: path.display().to_string(),
            max_transfer,
        })
    }
}

/// Open and lock the other node of the same drive. O_EXCL on an sr block device fails with
/// EBUSY while it is mounted, which is how a mounted drive is refused. Read-write like the
/// node itself: the sg driver answers O_EXCL on a read-only open with EPERM ("can't lock it
/// with read only access", drivers/scsi/sg.c), which would turn every job on /dev/srN into
/// "permission denied" (found by hw-tests discrw-eject). O_NONBLOCK keeps the sr driver
/// from refusing the write open of a non-writable medium (EROFS).
fn open_sibling(path: &Path) -> Result<File, OpenError> {
    let busy = || OpenError::Busy {
        path: path.to_path_buf(),
    };
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_EXCL)
        .open(path)
        .map_err(|e| match errno_of(&e) {
            libc::EBUSY => busy(),
            libc::EACCES | libc::EPERM => OpenError::PermissionDenied {
                path: path.to_path_buf(),
            },
            _ => OpenError::Io {
                path: path.to_path_buf(),
                source: e,
            },
        })?;
    lock_exclusive(f.as_raw_fd()).map_err(|_| busy())?;
    Ok(f)
}

/// flock(LOCK_EX|LOCK_NB) on a descriptor; returns errno on failure.
pub fn lock_exclusive(fd: i32) -> Result<(), i32> {
    // SAFETY: flock on a descriptor we own; no memory is passed.
    let r = unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO))
    }
}

/// Ask the kernel how large one transfer may be. For sg nodes this is the reserved buffer
/// (raised towards 1 MiB and read back, since the kernel may grant less); for block nodes
/// it is BLKSECTGET (in 512-byte sectors). Also proves the node speaks SG_IO at all.
fn query_max_transfer(fd: i32, is_char: bool) -> Result<usize, String> {
    const WANT: libc::c_int = 1 << 20;
    if is_char {
        let mut version: libc::c_int = 0;
        // SAFETY: the ioctl writes one int into `version`.
        unsafe { sg_get_version_num(fd, &mut version) }
            .map_err(|e| format!("SG_GET_VERSION_NUM: {e}"))?;
        let mut size: libc::c_int = 0;
        // SAFETY: the ioctl reads one int from `want`.
        let _ = unsafe { sg_set_reserved_size(fd, &WANT) };
        // SAFETY: the ioctl writes one int into `size`.
        unsafe { sg_get_reserved_size(fd, &mut size) }
            .map_err(|e| format!("SG_GET_RESERVED_SIZE: {e}"))?;
        // The reserved buffer is not a hard limit for SG_IO (the kernel allocates more when
        // needed, up to the queue's max_hw_sectors), so never go below 64 KiB.
        Ok((size.max(65536) as usize).min(WANT as usize))
    } else {
        // A block node speaks SG_IO only through the SCSI layer (sr, sd), which also answers
        // SG_GET_VERSION_NUM; a loop, md or NVMe node does not, and its first SG_IO would
        // fail with EINVAL or ENOTTY as if the drive had refused the command.
        let mut version: libc::c_int = 0;
        // SAFETY: the ioctl writes one int into `version`.
        unsafe { sg_get_version_num(fd, &mut version) }
            .map_err(|e| format!("SG_GET_VERSION_NUM: {e}"))?;
        let mut sectors: libc::c_ushort = 0;
        // SAFETY: BLKSECTGET writes one unsigned short.
        match unsafe { blk_sect_get(fd, &mut sectors) } {
            Ok(_) if sectors > 0 => Ok((sectors as usize * 512).min(WANT as usize)),
            Ok(_) => Ok(65536),
            Err(e) => Err(format!("BLKSECTGET: {e}")),
        }
    }
}

/// The block queue's max_segments of the device `rdev`, from sysfs; `None` when unknown.
fn block_queue_max_segments(rdev: u64) -> Option<usize> {
    let (major, minor) = (libc::major(rdev), libc::minor(rdev));
    std::fs::read_to_string(format!("/sys/dev/block/{major}:{minor}/queue/max_segments"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Largest SG_IO transfer a block node surely takes with `max_segments` segments. SG_IO on
/// a block node maps the caller's pages into the request directly, one segment per page
/// unless pages happen to be physically adjacent; more pages than segments fail with EINVAL
/// (bio_map_user_iov). BLKSECTGET alone does not say this: on QEMU's virtio-scsi it allows
/// 1 MiB (256 pages) while the queue has 254 segments, and a 1 MiB READ(10) through /dev/srN
/// then fails wherever the buffer's pages are not adjacent (found by hw-tests
/// discrw-rip-big-scsi-cd). The sg node copies through its own buffer and has no such bound.
fn segment_bound(max_segments: usize) -> usize {
    const PAGE: usize = 4096;
    // A buffer that does not start on a page boundary touches one page more.
    (max_segments.saturating_sub(1) * PAGE).max(PAGE)
}

impl Transport for SgDevice {
    fn execute(&mut self, cdb: &[u8], data: DataDirection<'_>, timeout: Duration) -> Outcome {
        let mut sense = [0u8; SENSE_LEN];
        let (dir, ptr, len): (i32, *mut libc::c_void, usize) = match data {
            DataDirection::None => (SG_DXFER_NONE, std::ptr::null_mut(), 0),
            DataDirection::FromDevice(b) => (
                SG_DXFER_FROM_DEV,
                b.as_mut_ptr() as *mut libc::c_void,
                b.len(),
            ),
            DataDirection::ToDevice(b) => {
                // The kernel only reads from the buffer for TO_DEV transfers.
                (SG_DXFER_TO_DEV, b.as_ptr() as *mut libc::c_void, b.len())
            }
        };
        if cdb.is_empty() || cdb.len() > 16 {
            return Outcome::OsError {
                errno: libc::EINVAL,
            };
        }
        let timeout_ms = timeout.as_millis().clamp(1, u32::MAX as u128 - 1) as u32;
        let mut hdr = SgIoHdr {
            interface_id: SG_INTERFACE_ID_ORIG,
            dxfer_direction: dir,
            cmd_len: cdb.len() as u8,
            mx_sb_len: SENSE_LEN as u8,
            iovec_count: 0,
            dxfer_len: len as u32,
            dxferp: ptr,
            cmdp: cdb.as_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: timeout_ms,
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        // SAFETY: hdr points at a CDB, a sense buffer and a data buffer that all outlive the
        // call, with lengths that match; SG_IO is synchronous, so nothing is kept afterwards.
        let r = unsafe { sg_io_ioctl(self.file.as_raw_fd(), &mut hdr) };
        if let Err(e) = r {
            return Outcome::OsError { errno: e as i32 };
        }
        let transferred = len.saturating_sub(hdr.resid.max(0) as usize);
        if hdr.host_status != 0 || (hdr.driver_status & !DRIVER_SENSE) != 0 {
            return Outcome::TransportError {
                host_status: hdr.host_status,
                driver_status: hdr.driver_status,
            };
        }
        match hdr.status {
            0x00 => Outcome::Good { transferred },
            0x02 => Outcome::CheckCondition {
                sense: sense[..(hdr.sb_len_wr as usize).min(SENSE_LEN)].to_vec(),
                transferred,
            },
            s => Outcome::Status { status: s },
        }
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn max_transfer_bytes(&self) -> usize {
        self.max_transfer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_bound_leaves_a_page_for_an_unaligned_buffer() {
        // QEMU virtio-scsi: 254 segments -> 253 pages, below BLKSECTGET's 1 MiB.
        assert_eq!(segment_bound(254), 253 * 4096);
        // libata ATAPI (167 segments) and a queue claiming nothing useful.
        assert_eq!(segment_bound(167), 166 * 4096);
        assert_eq!(segment_bound(0), 4096);
        assert_eq!(segment_bound(1), 4096);
    }

    #[test]
    fn regular_file_is_refused() {
        let f = tempfile::NamedTempFile::new().unwrap();
        assert!(matches!(
            SgDevice::open(f.path()),
            Err(OpenError::RegularFile { .. })
        ));
    }

    #[test]
    fn directory_is_refused() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(
            SgDevice::open(d.path()),
            Err(OpenError::Directory { .. })
        ));
    }

    #[test]
    fn missing_path_is_not_found() {
        assert!(matches!(
            SgDevice::open(Path::new("/dev/does-not-exist-discrw")),
            Err(OpenError::NotFound { .. })
        ));
    }

    #[test]
    fn dev_null_does_not_speak_sg_io() {
        match SgDevice::open(Path::new("/dev/null")) {
            Err(OpenError::NoSgIo { .. }) => {}
            other => panic!("expected NoSgIo, got {:?}", other.map(|_| ())),
        }
    }
}
