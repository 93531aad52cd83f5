//! Shared helpers of the integration tests that run the real binary against the emulated
//! drive: running discrw, its output as text, virtual media.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The discrw binary, without the environment that would pick a device or clock for it.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_discrw"));
    c.env_remove("DISCRW_DEVICE").env_remove("DISCRW_EMU_CLOCK");
    c
}

pub fn discrw(args: &[&str]) -> Output {
    bin().args(args).output().expect("run discrw")
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Run and require exit 0.
pub fn ok(args: &[&str]) -> Output {
    let o = discrw(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
    o
}

/// Run and require `code`; returns the last stderr line (the one-line error).
pub fn fails(args: &[&str], code: i32) -> (Output, String) {
    let o = discrw(args);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let last = err
        .lines()
        .rfind(|l| l.starts_with("discrw: "))
        .unwrap_or_else(|| panic!("no `discrw: ` error line: {}", text(&o)))
        .to_string();
    (o, last)
}

pub fn p(x: &Path) -> &str {
    x.to_str().expect("utf-8 temp path")
}

pub fn dev(m: &Path) -> String {
    format!("virtual:{}", m.display())
}

/// A blank (or `--from`) virtual medium.
pub fn medium(dir: &Path, name: &str, kind: &str, extra: &[&str]) -> PathBuf {
    let m = dir.join(name);
    let mut a = vec!["virtual", "create", p(&m), "--media", kind];
    a.extend_from_slice(extra);
    ok(&a);
    m
}
