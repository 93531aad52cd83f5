//! The kernel objects of an attached drive, made and removed through configfs files (never
//! by running targetcli): a TCMU backstore `core/user_0/NAME`, a tcm_loop WWN with target
//! port group 1, its I_T nexus and LUN 0 linked to the backstore. Linking the LUN makes the
//! kernel scan it (synchronously, inside symlink(2)), so the ring must already be served.
//! Removal runs in the reverse order; each step tolerates an object that is already gone, so
//! a crashed attach is cleaned up by running it again.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const CONFIGFS: &str = "/sys/kernel/config";
/// The TCMU HBA our backstores live under (`core/user_0`, what targetcli uses too).
const HBA: &str = "user_0";
/// The TCMU handler subtype in the uio name: how our devices are told from others'.
pub const SUBTYPE: &str = "discrw";
/// Seconds the kernel waits for a command before failing it: longer than the emulated
/// drive's longest command (a full blank without IMMED, 60 s), so only a dead handler hits it.
const CMD_TIME_OUT: u32 = 120;
/// The data area for command buffers (tcm_loop sends at most about 1 MiB per command).
const DATA_AREA_MB: u32 = 64;

/// Where one step of making or removing the objects failed.
#[derive(Debug, thiserror::Error)]
#[error("{action} {path}: {source}")]
pub struct ConfigError {
    pub action: &'static str,
    pub path: PathBuf,
    pub source: io::Error,
}

fn err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> ConfigError + 'a {
    move |source| ConfigError {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The configfs paths and names of one attached drive, all derived from its NAME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objects {
    pub name: String,
    pub backstore: PathBuf,
    pub wwn: PathBuf,
    pub tpg: PathBuf,
    pub lun: PathBuf,
    pub link: PathBuf,
    pub initiator: String,
}

/// A name that configfs, the uio name and our registry all take: 1 to 32 of `A-Za-z0-9_-`.
pub fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A stable 36-bit number for NAME (FNV-1a), for the WWNs: the same name always gets the
/// same SCSI host names, so a crashed attach's objects are found again by name.
fn name_hash(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h & 0xF_FFFF_FFFF
}

impl Objects {
    pub fn new(root: &Path, name: &str) -> Objects {
        let t = root.join("target");
        let backstore = t.join("core").join(HBA).join(name);
        let h = name_hash(name);
        // NAA 5 (IEEE registered) with the OUI 00-14-05 LIO uses, then our number: the
        // target port and the initiator differ in one nibble.
        let wwn = t.join("loopback").join(format!("naa.5001405{h:09x}"));
        let tpg = wwn.join("tpgt_1");
        let lun = tpg.join("lun").join("lun_0");
        let link = lun.join(name);
        Objects {
            name: name.to_string(),
            backstore,
            wwn,
            tpg,
            lun,
            link,
            initiator: format!("naa.5001405{:09x}", h ^ 0x8_0000_0000),
        }
    }

    /// The uio device name the kernel gives the backstore (tcmu-design.rst, "Device
    /// Discovery"): `tcm-user/HBA/NAME/SUBTYPE/CFG`.
    pub fn uio_name(&self) -> String {
        let hba = HBA.trim_start_matches("user_");
        format!("tcm-user/{hba}/{}/{SUBTYPE}/{}", self.name, self.name)
    }

    /// Make the backstore and enable it (its /dev/uioN appears). `size` is what the LUN
    /// reports to the core; commands are served by us, so it only has to be sane.
    pub fn create_backstore(&self, size: u64) -> Result<(), ConfigError> {
        let hba = self.backstore.parent().unwrap_or(Path::new("/"));
        mkdir(hba)?;
        mkdir(&self.backstore)?;
        let control = self.backstore.join("control");
        let cfg = format!(
            "dev_config={SUBTYPE}/{},dev_size={size},hw_block_size=2048,\
             max_data_area_mb={DATA_AREA_MB},nl_reply_supported=-1",
            self.name
        );
        write(&control, &cfg)?;
        write(
            &self.backstore.join("attrib/cmd_time_out"),
            &CMD_TIME_OUT.to_string(),
        )?;
        write(&self.backstore.join("enable"), "1")
    }

    /// Export the backstore as LUN 0 of a new loopback SCSI host: the kernel scans it now.
    pub fn link_lun(&self) -> Result<(), ConfigError> {
        mkdir(self.wwn.parent().unwrap_or(Path::new("/")))?;
        mkdir(&self.wwn)?;
        mkdir(&self.tpg)?;
        write(&self.tpg.join("nexus"), &self.initiator)?;
        mkdir(&self.lun)?;
        match std::os::unix::fs::symlink(&self.backstore, &self.link) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(err("link", &self.link)(e)),
            _ => Ok(()),
        }
    }

    /// "H:C:T" of the loopback SCSI host, as tcm_loop shows it.
    pub fn scsi_address(&self) -> Option<String> {
        let a = fs::read_to_string(self.tpg.join("address")).ok()?;
        Some(a.trim().to_string())
    }

    /// Remove the LUN (the kernel removes its sr/sg devices; the ring must still be served,
    /// since the removal waits for commands in flight).
    pub fn unlink_lun(&self) -> Result<(), ConfigError> {
        if self.link.symlink_metadata().is_ok() {
            fs::remove_file(&self.link).map_err(err("unlink", &self.link))?;
        }
        Ok(())
    }

    /// Remove what is left: LUN directory, port group (its nexus goes with it), WWN, the
    /// backstore, and the HBA if nothing else uses it.
    pub fn remove_rest(&self) -> Result<(), ConfigError> {
        self.unlink_lun()?;
        for d in [&self.lun, &self.tpg, &self.wwn, &self.backstore] {
            rmdir(d)?;
        }
        if let Some(hba) = self.backstore.parent() {
            let _ = fs::remove_dir(hba); // in use by other backstores: left
        }
        Ok(())
    }

    pub fn exists(&self) -> bool {
        self.backstore.exists() || self.wwn.exists()
    }
}

fn mkdir(p: &Path) -> Result<(), ConfigError> {
    match fs::create_dir(p) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(err("mkdir", p)(e)),
        _ => Ok(()),
    }
}

fn rmdir(p: &Path) -> Result<(), ConfigError> {
    match fs::remove_dir(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(err("rmdir", p)(e)),
        _ => Ok(()),
    }
}

fn write(p: &Path, v: &str) -> Result<(), ConfigError> {
    fs::write(p, v).map_err(err("write", p))
}

/// The uio device whose name is `uio_name` (sysfs class/uio/uioN/name), with the size of its
/// map0, waiting up to `wait` for it to appear.
pub fn find_uio(sys: &Path, uio_name: &str, wait: Duration) -> Option<(String, usize)> {
    let until = Instant::now() + wait;
    loop {
        if let Ok(rd) = fs::read_dir(sys.join("class/uio")) {
            for e in rd.flatten() {
                let dir = e.path();
                let name = fs::read_to_string(dir.join("name")).unwrap_or_default();
                if name.trim_end() != uio_name {
                    continue;
                }
                let size = fs::read_to_string(dir.join("maps/map0/size")).unwrap_or_default();
                let size = parse_size(size.trim())?;
                return Some((e.file_name().to_string_lossy().into_owned(), size));
            }
        }
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A sysfs size: `0x40800000` (uio maps) or decimal.
fn parse_size(s: &str) -> Option<usize> {
    match s.strip_prefix("0x") {
        Some(h) => usize::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The sr and sg nodes of SCSI device `H:C:T:0` (sysfs bus/scsi/devices/…/block, …/scsi_generic),
/// waiting up to `wait` for both and for their /dev nodes.
pub fn find_nodes(sys: &Path, address: &str, wait: Duration) -> Option<(String, String)> {
    let dev = sys.join("bus/scsi/devices").join(format!("{address}:0"));
    let until = Instant::now() + wait;
    loop {
        let first = |sub: &str| {
            fs::read_dir(dev.join(sub))
                .ok()?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .next()
        };
        if let (Some(sr), Some(sg)) = (first("block"), first("scsi_generic")) {
            let (sr, sg) = (format!("/dev/{sr}"), format!("/dev/{sg}"));
            if Path::new(&sr).exists() && Path::new(&sg).exists() {
                return Some((sr, sg));
            }
        }
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether configfs is mounted at /sys/kernel/config (from /proc/self/mounts).
pub fn configfs_mounted() -> bool {
    fs::read_to_string("/proc/self/mounts")
        .map(|m| {
            m.lines()
                .any(|l| l.split_whitespace().nth(1) == Some(CONFIGFS) && l.contains("configfs"))
        })
        .unwrap_or(false)
}

/// Mount configfs at /sys/kernel/config (as `mount -t configfs none /sys/kernel/config`).
pub fn mount_configfs() -> io::Result<()> {
    nix::mount::mount(
        Some("none"),
        CONFIGFS,
        Some("configfs"),
        nix::mount::MsFlags::empty(),
        None::<&str>,
    )
    .map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_named_from_the_drive_name_and_live_where_lio_keeps_them() {
        let o = Objects::new(Path::new("/sys/kernel/config"), "discrw0");
        assert_eq!(
            o.backstore,
            Path::new("/sys/kernel/config/target/core/user_0/discrw0")
        );
        let wwn = o.wwn.file_name().unwrap().to_str().unwrap();
        assert!(
            wwn.starts_with("naa.5001405") && wwn.len() == 4 + 16,
            "{wwn}"
        );
        assert!(o.initiator.starts_with("naa.") && o.initiator.len() == 20);
        assert_ne!(&o.initiator, wwn);
        assert_eq!(o.lun, o.wwn.join("tpgt_1/lun/lun_0"));
        assert_eq!(o.link, o.lun.join("discrw0"));
        assert_eq!(o.uio_name(), "tcm-user/0/discrw0/discrw/discrw0");
        assert_eq!(
            Objects::new(Path::new("/x"), "discrw0").wwn.file_name(),
            o.wwn.file_name()
        );
        assert_ne!(
            Objects::new(Path::new("/x"), "discrw1").wwn.file_name(),
            o.wwn.file_name()
        );
    }

    #[test]
    fn names_configfs_and_uio_can_take() {
        assert!(valid_name("discrw0") && valid_name("my-drive_2"));
        for bad in ["", "a:b", "a/b", "a b", "é", &"x".repeat(33)] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn uio_and_scsi_nodes_are_found_in_sysfs() {
        let sys = tempfile::tempdir().unwrap();
        let u = sys.path().join("class/uio/uio3");
        fs::create_dir_all(u.join("maps/map0")).unwrap();
        fs::write(u.join("name"), "tcm-user/0/d/discrw/d\n").unwrap();
        fs::write(u.join("maps/map0/size"), "0x40800000\n").unwrap();
        let o = find_uio(sys.path(), "tcm-user/0/d/discrw/d", Duration::ZERO);
        assert_eq!(o, Some(("uio3".to_string(), 0x4080_0000)));
        assert_eq!(
            find_uio(sys.path(), "tcm-user/0/e/discrw/e", Duration::ZERO),
            None
        );
        assert_eq!(parse_size("4096"), Some(4096));
    }
}
