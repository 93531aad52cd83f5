//! Finding optical drives: pairs each /dev/sgN with its /dev/srN through sysfs.
//!
//! Pure over a sysfs root so it can be tested on a fake tree. Peripheral device type 5
//! (SPC-4 §6.4.2: CD/DVD device) is the filter; vendor/model/revision are the kernel's copy
//! of the INQUIRY strings.

use std::fs;
use std::path::{Path, PathBuf};

/// One drive as the kernel sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DriveNodes {
    /// /dev/sgN, when the sg module is loaded.
    pub sg: Option<PathBuf>,
    /// /dev/srN, when the sr module has claimed the drive.
    pub sr: Option<PathBuf>,
    /// SCSI address host:channel:target:lun.
    pub address: String,
    pub vendor: String,
    pub model: String,
    pub revision: String,
}

impl DriveNodes {
    /// The node to open for commands: sg is preferred (no block-layer side effects).
    pub fn node(&self) -> Option<&Path> {
        self.sg.as_deref().or(self.sr.as_deref())
    }
}

fn read_trimmed(p: &Path) -> String {
    fs::read_to_string(p)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn first_entry(dir: &Path) -> Option<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.into_iter().next()
}

/// The SCSI address of a device directory: the name of the directory `device` resolves to.
fn address_of(device_dir: &Path) -> String {
    fs::canonicalize(device_dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default()
}

/// Every optical drive (peripheral type 5) under `sysfs` (normally `/sys`), with device
/// nodes under `dev` (normally `/dev`). Sorted by sg/sr name.
pub fn find_optical_drives(sysfs: &Path, dev: &Path) -> Vec<DriveNodes> {
    let mut found: Vec<DriveNodes> = Vec::new();
    let sg_class = sysfs.join("class/scsi_generic");
    if let Ok(entries) = fs::read_dir(&sg_class) {
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let device = e.path().join("device");
            if read_trimmed(&device.join("type")) != "5" {
                continue;
            }
            let sr = first_entry(&device.join("block")).map(|b| dev.join(b));
            found.push(DriveNodes {
                sg: Some(dev.join(&name)),
                sr,
                address: address_of(&device),
                vendor: read_trimmed(&device.join("vendor")),
                model: read_trimmed(&device.join("model")),
                revision: read_trimmed(&device.join("rev")),
            });
        }
    }
    // Drives the sr driver has but sg does not (sg module not loaded).
    if let Ok(entries) = fs::read_dir(sysfs.join("class/block")) {
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with("sr") {
                continue;
            }
            let node = dev.join(&name);
            if found
                .iter()
                .any(|d| d.sr.as_deref() == Some(node.as_path()))
            {
                continue;
            }
            let device = e.path().join("device");
            if read_trimmed(&device.join("type")) != "5" {
                continue;
            }
            found.push(DriveNodes {
                sg: None,
                sr: Some(node),
                address: address_of(&device),
                vendor: read_trimmed(&device.join("vendor")),
                model: read_trimmed(&device.join("model")),
                revision: read_trimmed(&device.join("rev")),
            });
        }
    }
    found.sort_by(|a, b| (&a.sg, &a.sr).cmp(&(&b.sg, &b.sr)));
    found
}

/// The sibling node of `node` (sr for an sg, sg for an sr), so both can be locked.
pub fn sibling_of(sysfs: &Path, dev: &Path, node: &Path) -> Option<PathBuf> {
    find_optical_drives(sysfs, dev)
        .into_iter()
        .find_map(|d| match (&d.sg, &d.sr) {
            (Some(sg), Some(sr)) if sg == node => Some(sr.clone()),
            (Some(sg), Some(sr)) if sr == node => Some(sg.clone()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, s: &str) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, s).unwrap();
    }

    /// A fake sysfs laid out like Linux 6.1: class/scsi_generic/sgN/device/{type,vendor,
    /// model,rev,block/srM}, class/block/srM/device/type.
    fn fake_sysfs() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        // sg0: a disk (type 0) — must be ignored.
        write(&r.join("class/scsi_generic/sg0/device/type"), "0\n");
        write(
            &r.join("class/scsi_generic/sg0/device/vendor"),
            "ATA     \n",
        );
        // sg1: a DVD writer with sr0.
        write(&r.join("class/scsi_generic/sg1/device/type"), "5\n");
        write(
            &r.join("class/scsi_generic/sg1/device/vendor"),
            "HL-DT-ST\n",
        );
        write(
            &r.join("class/scsi_generic/sg1/device/model"),
            "DVDRAM GH24NSD1 \n",
        );
        write(&r.join("class/scsi_generic/sg1/device/rev"), "LG00\n");
        fs::create_dir_all(r.join("class/scsi_generic/sg1/device/block/sr0")).unwrap();
        write(&r.join("class/block/sr0/device/type"), "5\n");
        // sr1 without sg (sg not loaded for it).
        write(&r.join("class/block/sr1/device/type"), "5\n");
        write(&r.join("class/block/sr1/device/vendor"), "QEMU    \n");
        write(&r.join("class/block/sr1/device/model"), "QEMU DVD-ROM\n");
        // sda: a disk block device.
        write(&r.join("class/block/sda/device/type"), "0\n");
        t
    }

    #[test]
    fn pairs_sg_with_sr_and_skips_disks() {
        let t = fake_sysfs();
        let d = find_optical_drives(t.path(), Path::new("/dev"));
        assert_eq!(d.len(), 2, "{d:?}");
        let w = d.iter().find(|x| x.sg.is_some()).unwrap();
        assert_eq!(w.sg.as_deref(), Some(Path::new("/dev/sg1")));
        assert_eq!(w.sr.as_deref(), Some(Path::new("/dev/sr0")));
        assert_eq!(w.vendor, "HL-DT-ST");
        assert_eq!(w.model, "DVDRAM GH24NSD1");
        assert_eq!(w.revision, "LG00");
        assert_eq!(w.node(), Some(Path::new("/dev/sg1")));
        let r = d.iter().find(|x| x.sg.is_none()).unwrap();
        assert_eq!(r.sr.as_deref(), Some(Path::new("/dev/sr1")));
        assert_eq!(r.model, "QEMU DVD-ROM");
        assert_eq!(
            sibling_of(t.path(), Path::new("/dev"), Path::new("/dev/sr0")).as_deref(),
            Some(Path::new("/dev/sg1"))
        );
    }

    #[test]
    fn empty_sysfs_finds_nothing() {
        let t = tempfile::tempdir().unwrap();
        assert!(find_optical_drives(t.path(), Path::new("/dev")).is_empty());
    }
}
