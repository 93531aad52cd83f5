//! Loading the kernel modules an attached drive needs (target_core_mod, target_core_user,
//! tcm_loop and what they depend on), the way modprobe does it but without running it: the
//! dependency list from /lib/modules/RELEASE/modules.dep, each .ko given to finit_module(2).
//! A module already loaded (or built in) is left alone.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Why the modules could not be loaded, with what would fix it.
#[derive(Debug, thiserror::Error)]
pub enum KmodError {
    #[error(
        "kernel module {module} is not installed for kernel {release} (Ubuntu: apt install \
         linux-modules-extra-{release}; Debian's kernels include it)"
    )]
    Missing { module: String, release: String },
    #[error("loading kernel module {module} ({path}): {source}")]
    Load {
        module: String,
        path: PathBuf,
        source: io::Error,
    },
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
}

impl KmodError {
    /// Loading needs CAP_SYS_MODULE: EPERM means "run as root".
    pub fn is_permission(&self) -> bool {
        matches!(self, KmodError::Load { source, .. } if source.raw_os_error() == Some(libc::EPERM))
    }
}

/// The name a module goes by in /sys/module: its file name without `.ko…`, `-` as `_`.
fn module_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split(".ko").next().unwrap_or(file).replace('-', "_")
}

/// What modules.dep says `module` needs, in load order (dependencies first, the module
/// last), as paths relative to the modules directory. modules.dep lists each module's whole
/// closure with the ones to load first at the end.
pub fn load_order(modules_dep: &str, module: &str) -> Option<Vec<String>> {
    for line in modules_dep.lines() {
        let Some((m, deps)) = line.split_once(':') else {
            continue;
        };
        if module_name(m) == module {
            let mut order: Vec<String> = deps.split_whitespace().rev().map(String::from).collect();
            order.push(m.trim().to_string());
            return Some(order);
        }
    }
    None
}

fn loaded(name: &str) -> bool {
    Path::new("/sys/module").join(name).exists()
}

/// The running kernel's release (uname -r).
pub fn release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Make sure every module in `modules` is loaded (with its dependencies).
pub fn ensure(modules: &[&str]) -> Result<(), KmodError> {
    if modules.iter().all(|m| loaded(m)) {
        return Ok(());
    }
    let release = release();
    let dir = Path::new("/lib/modules").join(&release);
    let dep_path = dir.join("modules.dep");
    let dep = std::fs::read_to_string(&dep_path).map_err(|source| KmodError::Read {
        path: dep_path.clone(),
        source,
    })?;
    for m in modules {
        if loaded(m) {
            continue;
        }
        let order = load_order(&dep, m).ok_or_else(|| KmodError::Missing {
            module: m.to_string(),
            release: release.clone(),
        })?;
        for rel in order {
            let name = module_name(&rel);
            if loaded(&name) {
                continue;
            }
            let path = dir.join(&rel);
            load(&path).map_err(|source| KmodError::Load {
                module: name.clone(),
                path: path.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

/// finit_module(2) of one .ko file. Compressed modules are handed over with
/// MODULE_INIT_COMPRESSED_FILE (kernels from 6.4 decompress them themselves).
fn load(path: &Path) -> io::Result<()> {
    const MODULE_INIT_COMPRESSED_FILE: libc::c_int = 4;
    let f = File::open(path)?;
    let compressed = path
        .extension()
        .is_some_and(|e| e == "xz" || e == "zst" || e == "gz");
    let flags = if compressed {
        MODULE_INIT_COMPRESSED_FILE
    } else {
        0
    };
    let params = c"";
    // SAFETY: finit_module reads the module from a descriptor we hold open for the call and
    // a NUL-terminated parameter string that outlives it; it writes no memory of ours.
    let r = unsafe {
        libc::syscall(
            libc::SYS_finit_module,
            f.as_raw_fd(),
            params.as_ptr(),
            flags,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EEXIST) {
        return Ok(()); // loaded meanwhile (udev, another attach)
    }
    Err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lines as Debian's 6.1 modules.dep has them (depmod's format: module: closure).
    const DEP: &str = "\
kernel/drivers/uio/uio.ko:
kernel/drivers/target/target_core_mod.ko: kernel/fs/configfs/configfs.ko
kernel/drivers/target/target_core_user.ko: kernel/drivers/uio/uio.ko kernel/drivers/target/target_core_mod.ko kernel/fs/configfs/configfs.ko
kernel/drivers/target/loopback/tcm_loop.ko.xz: kernel/drivers/target/target_core_mod.ko kernel/fs/configfs/configfs.ko
";

    #[test]
    fn dependencies_load_first_in_modprobe_order() {
        assert_eq!(
            load_order(DEP, "target_core_user").unwrap(),
            [
                "kernel/fs/configfs/configfs.ko",
                "kernel/drivers/target/target_core_mod.ko",
                "kernel/drivers/uio/uio.ko",
                "kernel/drivers/target/target_core_user.ko",
            ]
        );
        assert_eq!(
            load_order(DEP, "uio").unwrap(),
            ["kernel/drivers/uio/uio.ko"]
        );
        assert_eq!(
            load_order(DEP, "tcm_loop").unwrap().last().unwrap(),
            "kernel/drivers/target/loopback/tcm_loop.ko.xz"
        );
        assert!(
            load_order(DEP, "target_core").is_none(),
            "names match whole"
        );
    }

    #[test]
    fn module_names_drop_the_suffix_and_use_underscores() {
        assert_eq!(module_name("kernel/a/tcm_loop.ko.zst"), "tcm_loop");
        assert_eq!(
            module_name("kernel/a/target-core-user.ko"),
            "target_core_user"
        );
    }
}
