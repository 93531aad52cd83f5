//! `discrw virtual attach | detach | list | load`: the emulated drive as a /dev/srN of this
//! machine (src/attach/). The attach process serves until SIGINT/SIGTERM or a detach; `load`
//! talks to it over a Unix socket beside its registry entry.

use super::args::VirtualAttachArgs;
use super::error::{CliError, ExitCode};
use crate::attach::configfs::{self, Objects};
use crate::attach::lifecycle::{self, AttachError, AttachOptions, Entry};
use crate::attach::server::{TraceLine, TraceSink};
use crate::clock::RealClock;
use crate::emu::{EmuDrive, MediaKind};
use crate::jobs::Cancel;
use crate::outln;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::{Duration, Instant};

fn attach_error(e: AttachError) -> CliError {
    let code = if e.is_environment() {
        ExitCode::Device
    } else {
        ExitCode::Failure
    };
    CliError::new(code, e.to_string())
}

/// Whether PATH is a virtual medium file (its magic), else a plain image.
fn is_medium_file(p: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| &head == crate::emu::medium::MAGIC)
}

/// The emulated drive for SOURCE on the real clock, recording as fast as the host sends.
fn open_drive(source: &Path, media: Option<&str>) -> Result<EmuDrive, CliError> {
    let clock = RealClock::shared();
    let bad = |e| CliError::emu(source, e);
    let mut d = if is_medium_file(source) {
        if media.is_some() {
            return Err(CliError::usage(format!(
                "{} is a medium file: its kind is its own, --media is for plain images",
                source.display()
            )));
        }
        EmuDrive::open(source, clock).map_err(bad)?
    } else {
        let kind = media
            .map(|m| {
                m.parse::<MediaKind>()
                    .map_err(|e| CliError::usage(format!("--media {m}: {e}")))
            })
            .transpose()?;
        EmuDrive::open_image(source, kind, clock).map_err(bad)?
    };
    d.set_free_running(true);
    Ok(d)
}

/// `--trace FILE`: one JSON line per command.
fn trace_sink(path: &Path) -> Result<TraceSink, CliError> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| {
            CliError::new(
                ExitCode::Failure,
                format!("--trace {}: {e}", path.display()),
            )
        })?;
    let mut w = std::io::BufWriter::new(f);
    Ok(Box::new(move |t: &TraceLine<'_>| {
        let r = t.response;
        let line = serde_json::json!({
            "t": t.at.as_secs_f64(),
            "cdb": crate::text::hex(t.cdb),
            "name": crate::scsi::opcodes::name(t.cdb[0]),
            "dir": t.dir,
            "len": t.len,
            "status": r.status,
            "sense": if r.sense.is_empty() { None } else { Some(crate::text::hex(&r.sense[..r.sense.len().min(18)])) },
            "read_len": r.read_len,
            "us": t.took.as_micros() as u64,
        });
        let _ = writeln!(w, "{line}");
        let _ = w.flush();
    }))
}

fn print_entry(e: &Entry, json: bool, verb: &str) -> Result<(), CliError> {
    if json {
        let mut v = serde_json::to_value(e).unwrap_or_default();
        v["type"] = serde_json::json!(verb);
        super::out::print_json_line(&v)?;
    } else {
        outln!(
            "{verb} {}: {} {} ({}{}, {})",
            e.name,
            e.sr,
            e.sg,
            e.media,
            if e.read_only { ", read-only" } else { "" },
            e.source.display()
        )?;
    }
    Ok(())
}

pub fn attach(a: &VirtualAttachArgs, json: bool) -> Result<(), CliError> {
    let name = match &a.name {
        Some(n) if !configfs::valid_name(n) => {
            return Err(CliError::usage(format!(
                "--name {n}: 1 to 32 of A-Z a-z 0-9 _ -"
            )));
        }
        Some(n) => n.clone(),
        None => lifecycle::free_name(),
    };
    let drive = open_drive(&a.source, a.media.as_deref())?;
    let trace = a.trace.as_deref().map(trace_sink).transpose()?;
    let cancel = Cancel::new();
    super::signals::install(&cancel)
        .map_err(|e| CliError::new(ExitCode::Failure, format!("signals: {e}")))?;
    let source = std::fs::canonicalize(&a.source).unwrap_or_else(|_| a.source.clone());
    let mut att = lifecycle::attach(AttachOptions {
        name: name.clone(),
        source,
        drive,
        trace,
    })
    .map_err(attach_error)?;
    let sock = lifecycle::socket_path(&name);
    let _ = std::fs::remove_file(&sock);
    let listener = UnixListener::bind(&sock).and_then(|l| {
        l.set_nonblocking(true)?;
        Ok(l)
    });
    print_entry(&att.entry, json, "attached")?;
    let mut failed = None;
    while !cancel.is_cancelled() {
        if !att.serving() {
            failed = Some("the kernel's command ring stopped being served".to_string());
            break;
        }
        match listener.as_ref().map(|l| l.accept()) {
            Ok(Ok((s, _))) => serve_request(&att, s),
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let r = att.detach();
    if let Some(why) = failed {
        return Err(CliError::new(
            ExitCode::Failure,
            format!("virtual attach {name}: {why}"),
        ));
    }
    r.map_err(attach_error)?;
    if json {
        super::out::print_json_line(&serde_json::json!({"type": "detached", "name": name}))?;
    } else {
        outln!("detached {name}")?;
    }
    Ok(())
}

/// One `load` request: a JSON line `{"op":"load","source":PATH,"media":KIND?}`, answered
/// with `{"ok":true}` or `{"error":MESSAGE}`.
fn serve_request(att: &lifecycle::Attached, s: UnixStream) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut line = String::new();
    let mut r = BufReader::new(&s);
    let answer = match r.read_line(&mut line) {
        Ok(_) => handle_load(att, &line),
        Err(e) => Err(e.to_string()),
    };
    let v = match answer {
        Ok(()) => serde_json::json!({"ok": true}),
        Err(e) => serde_json::json!({"error": e}),
    };
    let mut w = &s;
    let _ = writeln!(w, "{v}");
}

fn handle_load(att: &lifecycle::Attached, line: &str) -> Result<(), String> {
    let req: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let source = req["source"].as_str().ok_or("no source")?;
    let media = req["media"].as_str();
    let d = open_drive(Path::new(source), media).map_err(|e| e.message.clone())?;
    att.with_drive(move |cur| cur.load(d).map_err(|e| e.to_string()))
        .map_err(|e| e.to_string())?
}

pub fn load(drive: &str, source: &Path, media: Option<&str>, json: bool) -> Result<(), CliError> {
    let e = lifecycle::find(drive).ok_or_else(|| {
        CliError::new(
            ExitCode::Device,
            format!("virtual load: no attached drive {drive}"),
        )
    })?;
    let dev = |m: String| CliError::new(ExitCode::Device, format!("virtual load {}: {m}", e.name));
    if !e.alive() {
        return Err(dev(format!(
            "its attach (pid {}) is gone; run virtual detach {}",
            e.pid, e.name
        )));
    }
    let source = std::fs::canonicalize(source)
        .map_err(|x| CliError::new(ExitCode::Usage, format!("{}: {x}", source.display())))?;
    let mut s =
        UnixStream::connect(lifecycle::socket_path(&e.name)).map_err(|x| dev(x.to_string()))?;
    let req = serde_json::json!({"op": "load", "source": source, "media": media});
    writeln!(s, "{req}").map_err(|x| dev(x.to_string()))?;
    let mut line = String::new();
    BufReader::new(&s)
        .read_line(&mut line)
        .map_err(|x| dev(x.to_string()))?;
    let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
    if let Some(err) = v["error"].as_str() {
        return Err(CliError::new(
            ExitCode::Failure,
            format!("virtual load {}: {err}", e.name),
        ));
    }
    if json {
        super::out::print_json_line(
            &serde_json::json!({"type": "loaded", "name": e.name, "source": source}),
        )?;
    } else {
        outln!("loaded {} into {} ({})", source.display(), e.name, e.sr)?;
    }
    Ok(())
}

pub fn detach(what: &str, json: bool) -> Result<(), CliError> {
    let name = match lifecycle::find(what) {
        Some(e) if e.alive() => {
            let pid = nix::unistd::Pid::from_raw(e.pid);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let until = Instant::now() + Duration::from_secs(60);
            while lifecycle::find(&e.name).is_some() && e.alive() {
                if Instant::now() > until {
                    return Err(CliError::new(
                        ExitCode::Device,
                        format!(
                            "virtual detach {}: pid {} did not stop within 60 s",
                            e.name, e.pid
                        ),
                    ));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if lifecycle::find(&e.name).is_some() {
                lifecycle::cleanup_dead(&e.name).map_err(attach_error)?;
            }
            e.name
        }
        Some(e) => {
            lifecycle::cleanup_dead(&e.name).map_err(attach_error)?;
            e.name
        }
        None if configfs::valid_name(what)
            && Objects::new(Path::new(configfs::CONFIGFS), what).exists() =>
        {
            lifecycle::cleanup_dead(what).map_err(attach_error)?;
            what.to_string()
        }
        None => {
            return Err(attach_error(AttachError::NotAttached(what.to_string())));
        }
    };
    if json {
        super::out::print_json_line(&serde_json::json!({"type": "detached", "name": name}))?;
    } else {
        outln!("detached {name}")?;
    }
    Ok(())
}

pub fn list(json: bool) -> Result<(), CliError> {
    let all = lifecycle::list();
    if json {
        let v: Vec<serde_json::Value> = all
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or_default();
                v["alive"] = serde_json::json!(e.alive());
                v
            })
            .collect();
        return super::out::print_json(&serde_json::json!({ "drives": v }));
    }
    if all.is_empty() {
        outln!("no attached drives")?;
    }
    for e in all {
        let state = if e.alive() {
            format!("pid {}", e.pid)
        } else {
            "stale: its process is gone, `virtual detach` cleans up".to_string()
        };
        outln!(
            "{}  {} {}  {}{}  {}  ({state})",
            e.name,
            e.sr,
            e.sg,
            e.media,
            if e.read_only { " read-only" } else { "" },
            e.source.display()
        )?;
    }
    Ok(())
}
