//! The helpers of every integration test, in one module (`mod common;` in each test file;
//! each uses part of it):
//! - [`run`]: every child process, discrw or a peer tool, under a watchdog that kills it past
//!   `DISCRW_TEST_TIMEOUT_SECS` (default 300 s) and fails the test naming the command;
//! - [`data`]: SHA-256, hex, environment knobs, the seeded PRNGs and the noise they make;
//! - this file: the discrw binary run as a user runs it, its output and errors, virtual media
//!   and images made through the CLI, and reading a medium file back at the documented
//!   offsets (docs/virtual-drive.md);
//! - [`iso`]: source trees, snapshots, peer-tool listings and sparse ranges (the iso tests);
//! - [`fuzz`]: the deterministic mutation fuzzer;
//! - [`script`]: a scripted transport for drive-layer tests.
//!
//! tests/helpers.rs tests the helpers themselves.
#![allow(dead_code)]

pub mod data;
pub mod fuzz;
pub mod iso;
pub mod run;
pub mod script;

pub use data::*;
pub use run::*;

use discrw::transport::{DataDirection, Outcome, Transport};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The discrw binary, with no default device and the emulated drive on its virtual clock.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_discrw"));
    c.env_remove("DISCRW_DEVICE").env_remove("DISCRW_EMU_CLOCK");
    c
}

/// discrw with `args`, to its end, whatever its exit status.
pub fn discrw(args: &[&str]) -> Output {
    run(bin().args(args))
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Run and require exit 0.
pub fn ok(args: &[&str]) -> Output {
    let o = discrw(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
    o
}

/// The last `discrw: ` line on stderr (the one-line error; progress lines may precede it).
pub fn error_line(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .rfind(|l| l.starts_with("discrw: "))
        .unwrap_or_else(|| panic!("no `discrw: ` error line: {}", text(o)))
        .to_string()
}

/// Run and require `code`; returns the output and its error line.
pub fn fails(args: &[&str], code: i32) -> (Output, String) {
    let o = discrw(args);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {}", text(&o));
    let l = error_line(&o);
    (o, l)
}

/// Run and require `code` and exactly one line on stderr, discrw's own error.
pub fn fails_with(args: &[&str], code: i32) -> String {
    let o = discrw(args);
    assert_eq!(o.status.code(), Some(code), "args {args:?}: {}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {err}");
    assert!(lines[0].starts_with("discrw: "), "{err}");
    lines[0].to_string()
}

/// A path as a command-line argument.
pub fn p(x: &Path) -> &str {
    x.to_str().expect("utf-8 temp path")
}

/// `--device` for a virtual medium file.
pub fn dev(m: &Path) -> String {
    format!("virtual:{}", m.display())
}

/// A virtual medium made with `discrw virtual create` (blank, or `--from` in `extra`).
pub fn medium(dir: &Path, name: &str, kind: &str, extra: &[&str]) -> PathBuf {
    let m = dir.join(name);
    let mut a = vec!["virtual", "create", p(&m), "--media", kind];
    a.extend_from_slice(extra);
    ok(&a);
    m
}

/// An image file of [`noise`].
pub fn image(dir: &Path, name: &str, sectors: u64, seed: u64) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(&f, noise(sectors, seed)).expect("write image");
    f
}

/// The medium file's JSON metadata (docs/virtual-drive.md: bytes 20..24 length, JSON at 24).
pub fn meta(m: &Path) -> Value {
    let b = std::fs::read(m).expect("read medium");
    assert_eq!(&b[..14], b"DISCRW-VMEDIUM", "magic");
    let n = u32::from_le_bytes([b[20], b[21], b[22], b[23]]) as usize;
    serde_json::from_slice(&b[24..24 + n]).expect("metadata JSON")
}

/// `discrw info --json` of a virtual medium: the drive and the media object (READ DISC
/// INFORMATION / TRACK INFORMATION).
pub fn info_json(m: &Path) -> Value {
    serde_json::from_slice(&ok(&["info", "--json", "-d", &dev(m)]).stdout).expect("info JSON")
}

/// SHA-256 by the external `sha256sum`, independent of discrw's own hashing.
pub fn sha256sum(f: &Path) -> String {
    let o = tool("sha256sum", &[p(f)], Path::new("."));
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .expect("sha256sum output")
        .to_string()
}
