//! Serving a TCMU ring: wait for the kernel's interrupt on /dev/uioN, take every queued
//! entry, run its CDB on a [`Transport`] (the emulated drive), write the answer back, move
//! the tail and tell the kernel (a 4-byte write). One command at a time, in ring order.

use super::ring::{Command, Request, Response, Ring, RingError, SENSE_MAX};
use super::shm::Shared;
use crate::transport::{DataDirection, Outcome, Transport};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("/dev/{uio}: {source}")]
    Uio { uio: String, source: io::Error },
    #[error("/dev/{uio}: the kernel's command ring: {source}")]
    Ring { uio: String, source: RingError },
}

/// Work for the serving thread, run between two commands (`virtual load`).
pub type Control<T> = Box<dyn FnOnce(&mut T) + Send>;

/// Fixed-format sense (SPC-4 §4.5.3) for answers the adapter makes itself: the emulated
/// drive's own builder.
fn sense(key: u8, asc: u8, ascq: u8) -> Vec<u8> {
    crate::emu::answers::fixed_sense(key, asc, ascq, None, None)
}

/// One line of `--trace`: what the drive received and answered.
pub struct TraceLine<'a> {
    pub at: Duration,
    pub cdb: &'a [u8],
    pub dir: &'static str,
    pub len: u64,
    pub response: &'a Response,
    pub took: Duration,
}

/// Where `--trace` lines go (the CLI formats them: it knows command names).
pub type TraceSink = Box<dyn FnMut(&TraceLine<'_>) + Send>;

/// An open TCMU device: its uio descriptor and ring.
pub struct Server<T: Transport> {
    uio_name: String,
    uio: File,
    ring: Ring,
    drive: T,
    buf: Vec<u8>,
    trace: Option<TraceSink>,
    started: Instant,
}

impl<T: Transport> Server<T> {
    /// Open /dev/`uio` (the kernel allows one opener), map its `size`-byte map0 and take
    /// over the ring. Commands a dead handler left queued are served first.
    pub fn open(dev: &Path, uio: &str, size: usize, drive: T) -> Result<Self, ServeError> {
        let uio_err = |source| ServeError::Uio {
            uio: uio.to_string(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(dev.join(uio))
            .map_err(uio_err)?;
        let shm = Shared::map(&file, size).map_err(uio_err)?;
        Self::with_shared(uio, file, shm, drive)
    }

    /// Serve the ring in `shm`, kicking the kernel through `uio` (tests give a heap area and
    /// a plain file).
    pub fn with_shared(uio: &str, file: File, shm: Shared, drive: T) -> Result<Self, ServeError> {
        let ring = Ring::new(shm).map_err(|source| ServeError::Ring {
            uio: uio.to_string(),
            source,
        })?;
        Ok(Server {
            uio_name: uio.to_string(),
            uio: file,
            ring,
            drive,
            buf: Vec::new(),
            trace: None,
            started: Instant::now(),
        })
    }

    /// The shared area (tests look at what was answered).
    pub fn shared(&self) -> &Shared {
        self.ring.shared()
    }

    pub fn set_trace(&mut self, t: TraceSink) {
        self.trace = Some(t);
    }

    pub fn into_drive(self) -> T {
        self.drive
    }

    fn ring_err(&self, source: RingError) -> ServeError {
        ServeError::Ring {
            uio: self.uio_name.clone(),
            source,
        }
    }

    fn uio_err(&self, source: io::Error) -> ServeError {
        ServeError::Uio {
            uio: self.uio_name.clone(),
            source,
        }
    }

    /// Serve until `stop` is set, running `controls` between commands; `wake` (the read end
    /// of a pipe) interrupts the wait when a control or the stop arrives.
    pub fn run(
        &mut self,
        stop: &AtomicBool,
        controls: &Receiver<Control<T>>,
        wake: &OwnedFd,
    ) -> Result<(), ServeError> {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        loop {
            while let Ok(f) = controls.try_recv() {
                f(&mut self.drive);
            }
            let done = self.serve_pending().map_err(|e| self.ring_err(e))?;
            if done > 0 {
                self.uio
                    .write_all(&0u32.to_ne_bytes())
                    .map_err(|e| self.uio_err(e))?;
            }
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let (uio_ready, wake_ready) = {
                let mut fds = [
                    PollFd::new(self.uio.as_fd(), PollFlags::POLLIN),
                    PollFd::new(wake.as_fd(), PollFlags::POLLIN),
                ];
                match poll(&mut fds, PollTimeout::from(200u16)) {
                    Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                    Err(e) => return Err(self.uio_err(e.into())),
                }
                let ready = |f: &PollFd<'_>| f.revents().is_some_and(|r| !r.is_empty());
                (ready(&fds[0]), ready(&fds[1]))
            };
            if uio_ready {
                let mut n = [0u8; 4];
                // EIO: the device was removed under us.
                self.uio.read_exact(&mut n).map_err(|e| self.uio_err(e))?;
            }
            if wake_ready {
                let mut b = [0u8; 64];
                let _ = nix::unistd::read(wake, &mut b);
            }
        }
    }

    /// Answer every entry queued now; the number answered.
    pub fn serve_pending(&mut self) -> Result<usize, RingError> {
        let mut n = 0;
        while let Some(e) = self.ring.next()? {
            let rsp = match &e.request {
                Request::Command(c) => Some(self.execute(c)?),
                _ => None,
            };
            self.ring.complete(&e, rsp.as_ref())?;
            n += 1;
        }
        Ok(n)
    }

    /// A data-in command whose buffer is one piece: the drive writes into the ring itself.
    /// `None` when the buffer is in pieces.
    fn execute_in_place(&mut self, c: &Command) -> Result<Option<Response>, RingError> {
        let drive = &mut self.drive;
        let mut rsp = None;
        self.ring.fill_in_place(c, |b| {
            let o = drive.execute(
                &c.cdb,
                DataDirection::FromDevice(b),
                Duration::from_secs(120),
            );
            let r = response(o, true);
            let n = r.read_len.unwrap_or(0) as usize;
            rsp = Some(r);
            n
        })?;
        Ok(rsp)
    }

    fn execute(&mut self, c: &Command) -> Result<Response, RingError> {
        let t0 = Instant::now();
        let len = c.data_len();
        let out = crate::emu::data_goes_to_drive(c.cdb[0]);
        let (dir, rsp) = if c.extra_iovs || c.cdb.is_empty() {
            ("none", check(5, 0x24, 0))
        } else if len == 0 {
            let o = self
                .drive
                .execute(&c.cdb, DataDirection::None, Duration::from_secs(120));
            ("none", response(o, false))
        } else if out {
            self.ring.gather(c, &mut self.buf)?;
            let o = self.drive.execute(
                &c.cdb,
                DataDirection::ToDevice(&self.buf),
                Duration::from_secs(120),
            );
            ("out", response(o, false))
        } else if let Some(rsp) = self.execute_in_place(c)? {
            ("in", rsp)
        } else {
            // Not cleared: only the `read_len` bytes the drive produced leave this buffer.
            self.buf.resize(len as usize, 0);
            let o = self.drive.execute(
                &c.cdb,
                DataDirection::FromDevice(&mut self.buf),
                Duration::from_secs(120),
            );
            let rsp = response(o, true);
            let n = (rsp.read_len.unwrap_or(0) as usize).min(self.buf.len());
            self.ring.scatter(c, &self.buf[..n])?;
            ("in", rsp)
        };
        if let Some(t) = self.trace.as_mut() {
            t(&TraceLine {
                at: t0 - self.started,
                cdb: &c.cdb,
                dir,
                len,
                response: &rsp,
                took: t0.elapsed(),
            });
        }
        Ok(rsp)
    }
}

fn check(key: u8, asc: u8, ascq: u8) -> Response {
    Response {
        status: 2,
        sense: sense(key, asc, ascq),
        read_len: Some(0),
    }
}

/// The ring's answer for a drive's outcome. Data-in carries the bytes transferred (with a
/// CHECK CONDITION too: the initiator gets the good part and the sense). What the ring
/// cannot say as such becomes sense: a transport failure of the emulated drive's scripted
/// faults is ABORTED COMMAND, a transfer the drive refuses as too long is INVALID FIELD IN CDB.
fn response(o: Outcome, data_in: bool) -> Response {
    let read_len = |n: usize| data_in.then_some(n as u32);
    match o {
        Outcome::Good { transferred } => Response {
            status: 0,
            sense: Vec::new(),
            read_len: read_len(transferred),
        },
        Outcome::CheckCondition { sense, transferred } => Response {
            status: 2,
            sense: sense.into_iter().take(SENSE_MAX).collect(),
            read_len: read_len(transferred),
        },
        Outcome::Status { status } => Response {
            status,
            sense: Vec::new(),
            read_len: read_len(0),
        },
        Outcome::TransportError { .. } => check(0x0B, 0x00, 0x00),
        Outcome::OsError { errno } if errno == libc::EINVAL => check(5, 0x24, 0x00),
        Outcome::OsError { .. } => check(4, 0x44, 0x00),
    }
}

/// A drive with nothing to serve: every command but INQUIRY and REQUEST SENSE is answered
/// NOT READY, MEDIUM NOT PRESENT. Serves the ring of a crashed attach while its LUN is
/// removed (the removal waits for queued commands to complete).
pub struct Unplugged;

impl Transport for Unplugged {
    fn execute(&mut self, cdb: &[u8], data: DataDirection<'_>, _t: Duration) -> Outcome {
        let answer = |buf: &mut [u8], a: &[u8]| {
            let n = buf.len().min(a.len());
            buf[..n].copy_from_slice(&a[..n]);
            Outcome::Good { transferred: n }
        };
        match (cdb.first(), data) {
            // The emulated drive's own INQUIRY data: the same device, with nothing in it.
            (Some(0x12), DataDirection::FromDevice(buf)) => {
                answer(buf, &crate::emu::answers::inquiry())
            }
            (Some(0x03), DataDirection::FromDevice(buf)) => answer(buf, &sense(2, 0x3A, 0)),
            _ => Outcome::CheckCondition {
                sense: sense(2, 0x3A, 0),
                transferred: 0,
            },
        }
    }
    fn name(&self) -> &str {
        "detached"
    }
    fn max_transfer_bytes(&self) -> usize {
        1 << 20
    }
}

#[cfg(test)]
mod tests;
