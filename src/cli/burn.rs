//! `discrw burn`: options, device opening, the summary (FIFO and drive buffer statistics
//! like cdrskin's), and exit codes. The work is in `jobs::burn`.

use super::args::{BurnArgs, Cli};
use super::device;
use super::error::{CliError, ExitCode};
use super::input::{is_cue, load_cue};
use super::out::print_json;
use super::progress::{Mode as ProgressMode, Progress};
use super::report::{pct, verify_code, verify_line, verify_problems};
use crate::jobs::Cancel;
use crate::jobs::burn::plan::Choices;
use crate::jobs::burn::source::{self, Image, StreamSource};
use crate::jobs::burn::{
    self as job, BurnError, BurnOptions, BurnReport, FailureKind, Input, Outcome, Speed, Target,
};
use crate::outln;
use crate::transport::sg_io::Access;
use serde_json::json;
use std::os::fd::AsFd;
use std::sync::Arc;

/// Parse a size such as `32M`, `256m`, `64K`, `1G` or plain bytes.
pub fn parse_size(s: &str) -> Result<u64, CliError> {
    let t = s.trim();
    let (num, mul) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => {
                    return Err(CliError::usage(format!(
                        "bad size {s:?} (use e.g. 32M, 256M, 64K)"
                    )));
                }
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mul))
        .ok_or_else(|| CliError::usage(format!("bad size {s:?} (use e.g. 32M, 256M, 64K)")))
}

/// Smallest FIFO: two 32 KiB chunks.
const MIN_FIFO: u64 = 64 * 1024;

fn options(a: &BurnArgs) -> Result<BurnOptions, CliError> {
    if a.copies == 0 {
        return Err(CliError::usage("--copies must be at least 1"));
    }
    let fifo_bytes = match &a.fifo {
        Some(s) => parse_size(s).map_err(|e| CliError::usage(format!("--fifo {}", e.message)))?,
        None => 32 << 20,
    };
    if fifo_bytes < MIN_FIFO {
        return Err(CliError::usage(format!(
            "--fifo {} is too small (at least 64K)",
            a.fifo.as_deref().unwrap_or("")
        )));
    }
    if a.sao && a.multi {
        return Err(CliError::usage(
            "--sao writes the session at once and closes the disc; it cannot be combined with --multi",
        ));
    }
    Ok(BurnOptions {
        choices: Choices {
            sao: a.sao,
            multi: a.multi,
            simulate: a.simulate,
            burnfree: !a.no_burnfree,
        },
        speed: a
            .speed
            .as_deref()
            .map(super::args::parse_speed)
            .transpose()?
            .unwrap_or(Speed::Max),
        blank: a.blank,
        format: a.format,
        force: a.force,
        fifo_bytes,
        eject: a.eject,
        verify: !a.no_verify,
        ..BurnOptions::default()
    })
}

fn exit_of(kind: FailureKind) -> ExitCode {
    match kind {
        FailureKind::Failure => ExitCode::Failure,
        FailureKind::Media => ExitCode::Media,
        FailureKind::Interrupted => ExitCode::Interrupted,
    }
}

/// The end-of-burn lines for one drive.
fn summary(r: &BurnReport) -> Vec<String> {
    let mut v = Vec::new();
    let x = if r.write_seconds > 0.0 {
        let one_x = r
            .family
            .unwrap_or(crate::scsi::Family::Cd)
            .one_x_bytes_per_sec();
        format!(
            ", {:.1}x",
            r.written_sectors as f64 * 2048.0 / r.write_seconds / one_x as f64
        )
    } else {
        String::new()
    };
    let what = match r.cue_tracks {
        Some(n) => format!(
            "{n} track{} of a cue image, {} sectors at LBA {} ({} written from LBA -150)",
            if n == 1 { "" } else { "s" },
            r.image_sectors,
            r.start_lba,
            r.written_sectors
        ),
        None => format!(
            "{} sectors at LBA {} ({} written with padding)",
            r.image_sectors, r.start_lba, r.written_sectors
        ),
    };
    v.push(format!(
        "{}: {} {:?}{}: {what}{}{}",
        r.device,
        r.profile,
        r.mode,
        if r.simulate { " (simulated)" } else { "" },
        x,
        if r.multi { ", left appendable" } else { "" },
    ));
    v.push(format!(
        "  fifo: {} MiB, empty {} times, full {} times, minimum fill {}",
        r.fifo.capacity_bytes >> 20,
        r.fifo.times_empty,
        r.fifo.times_full,
        pct(r.fifo.min_fill_fraction())
    ));
    let b = &r.drive_buffer;
    v.push(format!(
        "  drive buffer: {}, minimum fill {}, waited for room {} times, long write in progress {} times, {}",
        b.size_bytes
            .map(|s| format!("{} KiB", s / 1024))
            .unwrap_or_else(|| "size unknown".into()),
        b.min_fill
            .map(|f| pct(f64::from(f)))
            .unwrap_or_else(|| "not measured".into()),
        b.full_waits,
        b.long_write_waits,
        match b.burn_free_links {
            Some(0) => "BURN-Free never needed".to_string(),
            Some(n) => format!("BURN-Free used {n} times"),
            None => "BURN-Free use not reported by the drive".to_string(),
        }
    ));
    v.push(match &r.verify {
        Some(vr) => verify_line(vr),
        None if r.simulate => "  verify: not done (simulated burn: nothing was recorded)".into(),
        None => "  verify: SKIPPED (--no-verify): the burn is unverified".into(),
    });
    v
}

/// Physical memory in bytes, from /proc/meminfo (None where it cannot be read).
fn physical_memory() -> Option<u64> {
    let m = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Checks on IMAGE that need no drive: it exists, is not empty, is whole sectors (or
/// `--pad`). Usage errors (exit 2), before any device is opened.
fn check_image_file(a: &BurnArgs) -> Result<u64, CliError> {
    let path = &a.image;
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CliError::usage(format!("{}: no such file", path.display()))
        } else {
            CliError::usage(format!("{}: {e}", path.display()))
        }
    })?;
    if meta.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a directory, not an image",
            path.display()
        )));
    }
    let size = meta.len();
    if size == 0 {
        return Err(CliError::usage(format!("{} is empty", path.display())));
    }
    if !size.is_multiple_of(2048) && !a.pad {
        return Err(CliError::usage(format!(
            "{} is {size} bytes, not a multiple of 2048",
            path.display()
        ))
        .with_hint("--pad pads the last sector with zeros"));
    }
    Ok(size)
}

/// `discrw burn [-d DEV ...] IMAGE`.
pub fn run(cli: &Cli, a: &BurnArgs) -> Result<(), CliError> {
    let cue = a.image.as_os_str() != "-" && is_cue(&a.image);
    if cue && a.multi {
        return Err(CliError::usage(
            "a .cue image is written session-at-once, which closes the disc; it cannot be combined with --multi",
        ));
    }
    let mut opts = options(a)?;
    if let Some(mem) = physical_memory()
        && opts.fifo_bytes > mem / 2
    {
        return Err(CliError::usage(format!(
            "--fifo {} is more than half of the {} MiB of memory",
            a.fifo.as_deref().unwrap_or(""),
            mem >> 20
        )));
    }
    let stdin = a.image.as_os_str() == "-";
    if stdin && a.size.is_none() {
        return Err(CliError::usage(
            "burning standard input (-) needs --size BYTES",
        ));
    }
    if stdin && a.copies > 1 {
        return Err(CliError::usage(
            "--copies needs an image file: standard input can be read only once",
        ));
    }
    let cue_image = if cue {
        if a.pad {
            eprintln!(
                "discrw: warning: --pad is ignored for a .cue image (its files must be whole sectors)"
            );
        }
        // A cue sheet is burned session-at-once (SEND CUE SHEET), --sao or not.
        opts.choices.sao = true;
        Some(Arc::new(load_cue(&a.image)?))
    } else {
        None
    };
    let size = if stdin {
        let size = a.size.unwrap_or(0);
        source::image_sectors(size, a.pad).map_err(|e| CliError::usage(e.to_string()))?;
        size
    } else if let Some(c) = &cue_image {
        c.stream_bytes()
    } else {
        check_image_file(a)?
    };
    let specs = device::resolve(&cli.device)?;
    let cancel = Cancel::new();
    let sink = Arc::new(Progress::new(ProgressMode::pick(cli.json)));
    let installed = if stdin || cli.json {
        super::signals::install(&cancel).map(|()| false)
    } else {
        let say = sink.clone();
        super::signals::install_confirmed(
            &cancel,
            Arc::new(move |t: &str| say.say(t)),
            if opts.choices.sao {
                "stop the burn? A session-at-once disc cannot be closed and is lost"
            } else {
                "stop the burn? The track is closed and the disc keeps a partial image"
            },
        )
    };
    installed.map_err(|e| CliError::failure(format!("cannot install signal handlers: {e}")))?;
    let mut targets = Vec::new();
    for spec in &specs {
        let drive = super::drive::open_identified(spec, Access::Exclusive, cli.verbose)?;
        let clock = drive.clock().clone();
        targets.push(Target {
            drive,
            clock,
            name: spec.to_string(),
        });
    }
    // The medium is checked (present, blank, large enough) before the image is read.
    for t in targets.iter_mut() {
        job::preflight(t, size, cue_image.as_deref(), &opts).map_err(|e| {
            let mut ce = CliError::new(exit_of(e.kind()), format!("{}: {e}", t.name));
            if let Some(h) = e.hint() {
                ce = ce.with_hint(h);
            }
            ce
        })?;
    }
    let interrupted_or = |e: source::SourceError| match e {
        source::SourceError::Interrupted => {
            CliError::new(ExitCode::Interrupted, "interrupted before writing")
        }
        e => CliError::failure(e.to_string()),
    };
    let input: Input =
        if let Some(image) = cue_image {
            let digests = image.precheck(&*sink, &cancel).map_err(interrupted_or)?;
            Input::Cue { image, digests }
        } else if stdin {
            Image::Stream {
                source: Box::new(StreamSource::new(std::io::stdin().as_fd()).map_err(|e| {
                    CliError::new(ExitCode::Failure, format!("standard input: {e}"))
                })?),
                size,
            }
            .into()
        } else {
            let img = Image::precheck_file(&a.image, &*sink, &cancel).map_err(interrupted_or)?;
            img.into()
        };
    let results = job::burn(&mut targets, input, a.copies, &opts, &*sink, &cancel);
    sink.finish();
    report(cli, specs.len(), &results)
}

fn report(cli: &Cli, ndev: usize, results: &[Outcome]) -> Result<(), CliError> {
    let mut worst: Option<CliError> = None;
    let mut failed = 0usize;
    // Every burn has ended: a closed standard output loses only this summary, and a failed
    // burn's own error and exit code still win over it.
    let mut printed = Ok(());
    let mut json_items = Vec::new();
    for o in results {
        let dev = &o.device;
        match &o.result {
            Ok(rep) => {
                let code = rep.verify.as_ref().map(verify_code).unwrap_or(ExitCode::Ok);
                if cli.json {
                    json_items.push(json!({"device": dev, "copy": o.copy, "ok": code == ExitCode::Ok, "report": rep}));
                } else {
                    for l in summary(rep) {
                        printed = printed.and_then(|()| outln!("{l}"));
                    }
                }
                if code != ExitCode::Ok {
                    failed += 1;
                    let vr = rep.verify.as_ref().map(verify_problems).unwrap_or_default();
                    worst.get_or_insert(CliError::new(
                        code,
                        format!("{dev}: verify after burn failed: {vr}"),
                    ));
                }
            }
            Err(e) => {
                failed += 1;
                let mut msg = format!("{dev}: {e}");
                if matches!(
                    e,
                    BurnError::Write(_) | BurnError::Drive { .. } | BurnError::Wait { .. }
                ) {
                    msg.push_str(" (the disc is not verified)");
                }
                if cli.json {
                    json_items
                        .push(json!({"device": dev, "copy": o.copy, "ok": false, "error": msg}));
                } else if ndev > 1 || results.len() > 1 {
                    printed = printed.and_then(|()| outln!("{msg}"));
                }
                let mut ce = CliError::new(exit_of(e.kind()), msg);
                if let Some(h) = e.hint() {
                    ce = ce.with_hint(h);
                }
                worst.get_or_insert(ce);
            }
        }
    }
    if cli.json {
        printed = printed.and_then(|()| print_json(&json!({"burns": json_items})));
    }
    match worst {
        None => printed,
        Some(mut e) if results.len() > 1 => {
            e.message = format!(
                "{failed} of {} burns failed; first: {}",
                results.len(),
                e.message
            );
            Err(e)
        }
        Some(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_speeds() {
        assert_eq!(parse_size("32M").unwrap(), 32 << 20);
        assert_eq!(parse_size("64k").unwrap(), 65536);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("M").is_err());
    }
}
