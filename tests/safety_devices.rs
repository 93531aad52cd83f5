//! Device safety through the real kernel, with a loop device (needs root, as the tmpfs tests
//! do: a loud failure otherwise, never a silent pass). A loop device is a block device
//! that is not a SCSI device: every command refuses it with exit 3 before sending anything,
//! and while it is mounted a job's exclusive open (O_EXCL) is refused as busy — the same
//! path that refuses a mounted optical drive (hw-tests scenario 46 does it on a real sr).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A loop device over a small ext2 file system image; detached (and unmounted) on drop.
struct Loop {
    dev: String,
    mnt: Option<PathBuf>,
}

impl Loop {
    fn new(dir: &Path) -> Loop {
        let img = dir.join("fs.img");
        std::fs::write(&img, vec![0u8; 4 << 20]).unwrap();
        let o = run(Command::new("mkfs.ext2").arg("-q").arg(&img));
        assert!(
            o.status.success(),
            "mkfs.ext2 (e2fsprogs) is needed: {}",
            text(&o)
        );
        let o = run(Command::new("losetup").args(["-f", "--show"]).arg(&img));
        assert!(
            o.status.success(),
            "attaching a loop device needs root: {}",
            text(&o)
        );
        Loop {
            dev: String::from_utf8_lossy(&o.stdout).trim().to_string(),
            mnt: None,
        }
    }

    fn mount(&mut self, at: PathBuf) {
        std::fs::create_dir(&at).unwrap();
        let o = run(Command::new("mount")
            .args(["-t", "ext2", &self.dev])
            .arg(&at));
        assert!(o.status.success(), "mount {}: {}", self.dev, text(&o));
        self.mnt = Some(at);
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        if let Some(m) = &self.mnt {
            let _ = try_run(Command::new("umount").arg(m));
        }
        let _ = try_run(Command::new("losetup").args(["-d", &self.dev]));
    }
}

#[test]
fn a_block_device_that_is_not_scsi_is_refused_with_exit_3_and_left_alone() {
    let d = tempfile::tempdir().unwrap();
    let l = Loop::new(d.path());
    let before = std::fs::read(d.path().join("fs.img")).unwrap();
    let img = d.path().join("a.iso");
    std::fs::write(&img, vec![7u8; 2048 * 16]).unwrap();
    let out = d.path().join("out.iso");
    for args in [
        vec!["info"],
        vec!["eject"],
        vec!["blank"],
        vec!["burn", img.to_str().unwrap()],
        vec!["rip", out.to_str().unwrap()],
    ] {
        let o = run(bin().args(["-d", &l.dev]).args(&args));
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", text(&o));
        let e = error_line(&o);
        assert!(
            e.contains(&l.dev) && e.contains("not a device that accepts SCSI commands"),
            "{args:?}: {e}"
        );
    }
    assert!(!out.exists(), "rip made an image");
    assert!(
        std::fs::read(d.path().join("fs.img")).unwrap() == before,
        "the disk was written"
    );
}

#[test]
fn a_mounted_device_is_refused_as_busy_by_every_job() {
    let d = tempfile::tempdir().unwrap();
    let mut l = Loop::new(d.path());
    l.mount(d.path().join("mnt"));
    let img = d.path().join("a.iso");
    std::fs::write(&img, vec![7u8; 2048 * 16]).unwrap();
    let out = d.path().join("out.iso");
    for args in [
        vec!["eject"],
        vec!["blank"],
        vec!["format"],
        vec!["burn", img.to_str().unwrap()],
        vec!["verify", img.to_str().unwrap()],
        vec!["rip", out.to_str().unwrap()],
    ] {
        let o = run(bin().args(["-d", &l.dev]).args(&args));
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", text(&o));
        let e = error_line(&o);
        assert!(e.contains("busy") && e.contains("mounted"), "{args:?}: {e}");
    }
    assert!(!out.exists(), "rip made an image");
    // Still mounted and usable: nothing was done to it.
    let o = run(Command::new("findmnt").args(["-n", &l.dev]));
    assert!(o.status.success(), "{}", text(&o));
}

/// A user who may not open the node (here: uid/gid 65534 against a root-only loop device):
/// exit 3, "permission denied" with the hint, before anything else.
#[test]
fn no_permission_is_exit_3_with_the_hint() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let l = Loop::new(d.path());
    // The unprivileged user needs to reach the binary: a copy in the (opened-up) temp dir.
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = d.path().join("discrw");
    std::fs::copy(env!("CARGO_BIN_EXE_discrw"), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&l.dev, std::fs::Permissions::from_mode(0o600)).unwrap();
    for cmd in ["info", "eject", "blank"] {
        let o = run(Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe)
            .args([cmd, "-d", &l.dev]));
        assert_eq!(o.status.code(), Some(3), "{cmd}: {}", text(&o));
        let e = error_line(&o);
        assert!(
            e.contains("permission denied") && e.contains("hint:") && e.contains("cdrom"),
            "{cmd}: {e}"
        );
    }
}
