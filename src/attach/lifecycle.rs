//! One attached drive from start to end: load the modules, mount configfs, make the
//! backstore, serve its ring on a thread, export the LUN, find /dev/srN and /dev/sgN, record
//! it in the registry (/run/discrw/attach/NAME.json) — and the reverse, for a live attach
//! (on SIGINT/SIGTERM or `virtual detach`) or a dead one (after SIGKILL: its ring is served
//! by [`Unplugged`] while the LUN goes).

use super::configfs::{self, ConfigError, Objects};
use super::kmod::{self, KmodError};
use super::server::{Control, ServeError, Server, TraceSink, Unplugged};
use crate::emu::EmuDrive;
use crate::transport::Transport;
use serde::{Deserialize, Serialize};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

pub const REGISTRY: &str = "/run/discrw/attach";
const MODULES: [&str; 3] = ["target_core_mod", "target_core_user", "tcm_loop"];

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("needs root (loading kernel modules and writing configfs): run it with sudo")]
    NotRoot,
    #[error(transparent)]
    Modules(#[from] KmodError),
    #[error("mounting configfs at {CONFIGFS}: {0}", CONFIGFS = configfs::CONFIGFS)]
    Mount(std::io::Error),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error("drive {0} is already attached (pid {1}); detach it first or pick another --name")]
    InUse(String, i32),
    #[error("the kernel made no {0} for the backstore within 10 s")]
    NoUio(String),
    #[error("the kernel attached no sr/sg device to SCSI address {0} within 20 s")]
    NoNodes(String),
    #[error("no attached drive {0} (see `discrw virtual list`)")]
    NotAttached(String),
    #[error("registry {path}: {source}")]
    Registry {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Control(String),
    #[error("making the serving thread's wake-up pipe: {0}")]
    Pipe(std::io::Error),
}

impl AttachError {
    /// Missing privilege or kernel support: the device class of exit codes (3).
    pub fn is_environment(&self) -> bool {
        matches!(
            self,
            AttachError::NotRoot
                | AttachError::Mount(_)
                | AttachError::InUse(..)
                | AttachError::Modules(_)
                | AttachError::NotAttached(_)
        )
    }
}

/// What the registry keeps of an attached drive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub pid: i32,
    pub source: PathBuf,
    pub media: String,
    pub read_only: bool,
    pub uio: String,
    pub sr: String,
    pub sg: String,
    pub scsi_address: String,
}

impl Entry {
    pub fn alive(&self) -> bool {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid), None).is_ok()
    }
}

fn registry_path(name: &str) -> PathBuf {
    Path::new(REGISTRY).join(format!("{name}.json"))
}

pub fn socket_path(name: &str) -> PathBuf {
    Path::new(REGISTRY).join(format!("{name}.sock"))
}

fn reg_err(path: &Path) -> impl FnOnce(std::io::Error) -> AttachError + '_ {
    move |source| AttachError::Registry {
        path: path.to_path_buf(),
        source,
    }
}

fn save_entry(e: &Entry) -> Result<(), AttachError> {
    let p = registry_path(&e.name);
    std::fs::create_dir_all(REGISTRY).map_err(reg_err(Path::new(REGISTRY)))?;
    let json = serde_json::to_vec_pretty(e).unwrap_or_default();
    crate::files::write_atomic(&p, &json).map_err(reg_err(&p))
}

/// Every drive in the registry, alive or left by a crash.
pub fn list() -> Vec<Entry> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(REGISTRY) {
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "json")
                && let Ok(b) = std::fs::read(&p)
                && let Ok(entry) = serde_json::from_slice::<Entry>(&b)
            {
                v.push(entry);
            }
        }
    }
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// The entry named `what` (a NAME, or its /dev/srN or /dev/sgN).
pub fn find(what: &str) -> Option<Entry> {
    list()
        .into_iter()
        .find(|e| e.name == what || e.sr == what || e.sg == what)
}

/// The first free name `discrwN`.
pub fn free_name() -> String {
    let taken = list();
    (0..)
        .map(|i| format!("discrw{i}"))
        .find(|n| {
            !taken.iter().any(|e| &e.name == n)
                && !Objects::new(Path::new(configfs::CONFIGFS), n).exists()
        })
        .unwrap_or_else(|| "discrw".into())
}

/// Options of one attach.
pub struct AttachOptions {
    pub name: String,
    pub source: PathBuf,
    pub drive: EmuDrive,
    pub trace: Option<TraceSink>,
}

/// A drive attached and being served.
pub struct Attached {
    pub entry: Entry,
    objects: Objects,
    stop: Arc<AtomicBool>,
    controls: Sender<Control<Persisting>>,
    wake: OwnedFd,
    thread: Option<JoinHandle<Result<(), ServeError>>>,
}

/// The emulated drive as the ring serves it: the disc state saved after every command, so
/// a SIGKILL never leaves sectors a WRITE completed undescribed in the medium file.
pub struct Persisting(pub EmuDrive);

impl Transport for Persisting {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: crate::transport::DataDirection<'_>,
        timeout: Duration,
    ) -> crate::transport::Outcome {
        let o = self.0.execute(cdb, data, timeout);
        let _ = self.0.save_if_changed();
        o
    }
    fn name(&self) -> &str {
        self.0.name()
    }
    fn max_transfer_bytes(&self) -> usize {
        self.0.max_transfer_bytes()
    }
}

fn prepare_kernel() -> Result<(), AttachError> {
    if !nix::unistd::geteuid().is_root() {
        return Err(AttachError::NotRoot);
    }
    kmod::ensure(&MODULES)?;
    if !configfs::configfs_mounted() {
        configfs::mount_configfs().map_err(AttachError::Mount)?;
    }
    Ok(())
}

fn spawn<T: Transport + 'static>(
    mut server: Server<T>,
    stop: Arc<AtomicBool>,
    controls: std::sync::mpsc::Receiver<Control<T>>,
    wake: OwnedFd,
) -> JoinHandle<Result<(), ServeError>> {
    std::thread::spawn(move || server.run(&stop, &controls, &wake))
}

/// Attach: after this returns the drive is /dev/srN for the whole machine.
pub fn attach(o: AttachOptions) -> Result<Attached, AttachError> {
    prepare_kernel()?;
    if let Some(e) = find(&o.name) {
        if e.alive() {
            return Err(AttachError::InUse(e.name, e.pid));
        }
        cleanup_dead(&e.name)?;
    }
    let objects = Objects::new(Path::new(configfs::CONFIGFS), &o.name);
    if objects.exists() {
        cleanup_dead(&o.name)?;
    }
    let state = o.drive.state().clone();
    let size = (u64::from(state.capacity.max(1))) * 2048;
    objects.create_backstore(size)?;
    let sys = Path::new("/sys");
    let (uio, map) = configfs::find_uio(sys, &objects.uio_name(), Duration::from_secs(10))
        .ok_or_else(|| AttachError::NoUio(objects.uio_name()))?;
    let read_only = o.drive.is_image();
    let media = state.kind.to_string();
    let mut server = Server::open(Path::new("/dev"), &uio, map, Persisting(o.drive))?;
    if let Some(t) = o.trace {
        server.set_trace(t);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = channel();
    let (wake_r, wake_w) = nix::unistd::pipe().map_err(|e| AttachError::Pipe(e.into()))?;
    let thread = spawn(server, stop.clone(), rx, wake_r);
    let mut a = Attached {
        entry: Entry {
            name: o.name.clone(),
            pid: std::process::id() as i32,
            source: o.source.clone(),
            media,
            read_only,
            uio,
            sr: String::new(),
            sg: String::new(),
            scsi_address: String::new(),
        },
        objects,
        stop,
        controls: tx,
        wake: wake_w,
        thread: Some(thread),
    };
    // Registered before the LUN exists: a crash from here on is found by the next attach.
    save_entry(&a.entry)?;
    if let Err(e) = a.export() {
        let _ = a.detach();
        return Err(e);
    }
    save_entry(&a.entry)?;
    Ok(a)
}

impl Attached {
    fn export(&mut self) -> Result<(), AttachError> {
        self.objects.link_lun()?;
        let addr = self
            .objects
            .scsi_address()
            .ok_or_else(|| AttachError::NoNodes("?".into()))?;
        let (sr, sg) = configfs::find_nodes(Path::new("/sys"), &addr, Duration::from_secs(20))
            .ok_or_else(|| AttachError::NoNodes(addr.clone()))?;
        self.entry.scsi_address = addr;
        self.entry.sr = sr;
        self.entry.sg = sg;
        Ok(())
    }

    /// Whether the serving thread still runs (it stops on a ring error or device removal).
    pub fn serving(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Run `f` on the drive between two commands and wait for it.
    pub fn with_drive<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut EmuDrive) -> R + Send + 'static,
    ) -> Result<R, AttachError> {
        let (tx, rx) = channel();
        let job: Control<Persisting> = Box::new(move |p: &mut Persisting| {
            let _ = tx.send(f(&mut p.0));
        });
        self.controls
            .send(job)
            .map_err(|_| AttachError::Control("the drive is no longer served".into()))?;
        let _ = nix::unistd::write(&self.wake, &[1]);
        rx.recv_timeout(Duration::from_secs(30))
            .map_err(|_| AttachError::Control("the drive did not answer".into()))
    }

    /// Remove the LUN (while the ring is still served), stop serving, remove the rest and
    /// the registry entry.
    pub fn detach(&mut self) -> Result<(), AttachError> {
        let unlinked = self.objects.unlink_lun();
        self.stop.store(true, Ordering::SeqCst);
        let _ = nix::unistd::write(&self.wake, &[1]);
        let served = match self.thread.take() {
            Some(t) => t.join().unwrap_or(Ok(())),
            None => Ok(()),
        };
        unlinked?;
        self.objects.remove_rest()?;
        let _ = std::fs::remove_file(registry_path(&self.entry.name));
        let _ = std::fs::remove_file(socket_path(&self.entry.name));
        served.map_err(AttachError::from)
    }
}

/// Clean up after an attach whose process is gone: serve its ring with [`Unplugged`] while
/// the LUN is removed, then remove the rest and the registry entry.
pub fn cleanup_dead(name: &str) -> Result<(), AttachError> {
    prepare_kernel()?;
    let objects = Objects::new(Path::new(configfs::CONFIGFS), name);
    let serving = match configfs::find_uio(Path::new("/sys"), &objects.uio_name(), Duration::ZERO) {
        Some((uio, map)) => match Server::open(Path::new("/dev"), &uio, map, Unplugged) {
            Ok(s) => {
                let stop = Arc::new(AtomicBool::new(false));
                // No controls are sent; the sender lives as long as the thread serves.
                let (controls, rx) = channel::<Control<Unplugged>>();
                let (r, w) = nix::unistd::pipe().map_err(|e| AttachError::Pipe(e.into()))?;
                Some((spawn(s, stop.clone(), rx, r), stop, w, controls))
            }
            Err(_) => None,
        },
        None => None,
    };
    let unlinked = objects.unlink_lun();
    if let Some((t, stop, w, _controls)) = serving {
        stop.store(true, Ordering::SeqCst);
        let _ = nix::unistd::write(&w, &[1]);
        let _ = t.join();
    }
    unlinked?;
    objects.remove_rest()?;
    let _ = std::fs::remove_file(registry_path(name));
    let _ = std::fs::remove_file(socket_path(name));
    Ok(())
}
