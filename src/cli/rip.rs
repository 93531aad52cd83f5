//! `discrw rip`: options → `jobs::rip`, progress on the terminal, a summary, exit codes
//! (0 complete, 2 usage/another disc's map, 4 media, 5 unreadable sectors, 130 interrupted).

use super::args::{Cli, RipArgs};
use super::device;
use super::error::{CliError, ExitCode};
use super::progress::{Mode, Progress};
use crate::drive::Drive;
use crate::jobs::Cancel;
use crate::jobs::rip::{RipError, RipOptions, RipReport, rip};
use crate::media::DriveMedium;
use crate::outln;
use crate::text::ranges as ranges_text;
use crate::transport::sg_io::Access;

fn error(dev: &str, e: RipError) -> CliError {
    let code = match &e {
        // A map of another disc is a wrong argument (docs/exit-codes.md), not a bad medium.
        RipError::Exists(_) | RipError::Usage(_) | RipError::Identity(_) => ExitCode::Usage,
        RipError::Media(_) => ExitCode::Media,
        RipError::Interrupted(_) => ExitCode::Interrupted,
        RipError::Io { .. } | RipError::Drive(_) | RipError::Write(_) => ExitCode::Failure,
    };
    let err = CliError::new(code, format!("{dev}: {e}"));
    match e {
        RipError::Exists(_) => err.with_hint("add --force to overwrite it"),
        _ => err,
    }
}

fn summary_text(r: &RipReport) -> String {
    let bytes = r.sectors * r.sector_bytes as u64;
    let secs = r.elapsed.as_secs_f64().max(1e-6);
    let rate = r.bytes_read as f64 / secs;
    let mut s = String::new();
    s.push_str(&format!(
        "rip {}: {}\n",
        r.device,
        if r.complete {
            "complete"
        } else {
            "finished with unreadable sectors"
        }
    ));
    s.push_str(&format!("  medium:     {}\n", r.profile_name));
    s.push_str(&format!(
        "  image:      {} ({} sectors x {} = {} bytes)\n",
        r.image.display(),
        r.sectors,
        r.sector_bytes,
        bytes
    ));
    s.push_str(&format!(
        "  size:       {} ({})\n",
        r.size.reason, r.size.source
    ));
    for n in r.size.notes.iter().chain(&r.left_out).chain(&r.notes) {
        s.push_str(&format!("  note:       {n}\n"));
    }
    // The emulated drive's virtual clock does not move while it reads: no rate to show.
    if r.elapsed.is_zero() {
        s.push_str("  time:       0.0 s on the drive's clock\n");
    } else {
        s.push_str(&format!(
            "  time:       {:.1} s, {:.1} MB/s read ({:.1}x)\n",
            secs,
            rate / 1e6,
            rate / r.one_x as f64
        ));
    }
    match &r.sha256 {
        Some(h) => s.push_str(&format!(
            "  sha256:     {h} ({})\n",
            r.paths.sha256.display()
        )),
        None => s.push_str("  sha256:     none (the image is not complete)\n"),
    }
    if !r.unreadable.is_empty() {
        let n: u64 = r.unreadable.iter().map(|x| x.1).sum();
        s.push_str(&format!(
            "  unreadable: LBA {} ({n} sectors, marked in {}; the partial image is {}; \
             `--resume --retries N` tries them again)\n",
            ranges_text(&r.unreadable),
            r.paths.map.display(),
            r.image.display()
        ));
        if let Some(d) = &r.damaged_files {
            s.push_str(&format!("  files:      {}\n", d.summary()));
        }
    } else {
        s.push_str(&format!("  map:        {}\n", r.paths.map.display()));
    }
    s
}

fn summary_json(r: &RipReport) -> serde_json::Value {
    serde_json::json!({
        "event": "summary",
        "device": r.device,
        "medium": r.profile_name,
        "complete": r.complete,
        "image": r.image,
        "map": r.paths.map,
        "sectors": r.sectors,
        "sector_bytes": r.sector_bytes,
        "bytes": r.sectors * r.sector_bytes as u64,
        "size_source": r.size.source,
        "size_reason": r.size.reason,
        "notes": r.size.notes.iter().chain(&r.left_out).chain(&r.notes).collect::<Vec<_>>(),
        "seconds": r.elapsed.as_secs_f64(),
        "bytes_read": r.bytes_read,
        "sha256": r.sha256,
        "damaged_files": r.damaged_files,
        "unreadable": r.unreadable.iter().map(|&(lba, count)| serde_json::json!({"lba": lba, "count": count})).collect::<Vec<_>>(),
    })
}

/// `discrw rip`.
pub fn run(cli: &Cli, a: &RipArgs) -> Result<(), CliError> {
    let speed = a
        .speed
        .as_deref()
        .map(super::args::parse_speed)
        .transpose()?;
    if a.size == Some(0) {
        return Err(CliError::usage(
            "--size 0: the image needs at least one sector",
        ));
    }
    if a.raw && a.size.is_some() {
        return Err(CliError::usage(
            "--size applies to .iso rips; --raw takes every track's recorded size",
        ));
    }
    let spec = device::resolve_one(&cli.device)?;
    let dev = spec.to_string();
    let clock = device::clock_for(&spec);
    let transport = device::open(&spec, Access::Exclusive, &clock, cli.verbose)?;
    let mut src = DriveMedium::for_rescue(Drive::with_clock(transport, clock));
    let cancel = Cancel::new();
    signals::install(&cancel)
        .map_err(|e| CliError::failure(format!("cannot handle SIGINT/SIGTERM: {e}")))?;
    let progress = Progress::new(Mode::pick(cli.json));
    let opts = RipOptions {
        out: a.out.clone(),
        raw: a.raw,
        subchannel: a.subchannel,
        size: a.size,
        retries: a.retries,
        resume: a.resume,
        speed,
        force: a.force,
    };
    let r = rip(&mut src, &opts, &progress, &cancel);
    progress.finish();
    let r = r.map_err(|e| error(&dev, e))?;
    // The rip has ended and its map is written: a closed standard output loses only this
    // summary, and unreadable sectors still give exit 5.
    let printed = if cli.json {
        outln!("{}", summary_json(&r))
    } else {
        super::out::print(format_args!("{}", summary_text(&r)))
    };
    if r.complete {
        printed
    } else {
        let n: u64 = r.unreadable.iter().map(|x| x.1).sum();
        let files = r
            .damaged_files
            .as_ref()
            .map_or(String::new(), |d| format!("; {}", d.summary()));
        Err(CliError::new(
            ExitCode::Unreadable,
            format!(
                "{dev}: {n} sectors unreadable (LBA {}){files}; see {}",
                ranges_text(&r.unreadable),
                r.paths.map.display()
            ),
        ))
    }
}

use super::signals;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_ranges() {
        assert_eq!(ranges_text(&[(100, 3), (1500, 1)]), "100-102, 1500");
    }
}
