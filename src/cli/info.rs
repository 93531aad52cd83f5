//! `discrw scan`, `discrw info`, `discrw eject`.

use super::args::{Cli, EjectArgs};
use super::device::{self, DeviceSpec};
use super::drive::{drive_error, identify, open_identified};
use super::error::CliError;
use super::out::print_json;
use crate::drive::{Drive, MediaInfo, MediaStatus};
use crate::outln;
use crate::transport::sg_io::Access;
use serde_json::{Value, json};

/// The JSON shape of a medium: MediaInfo with the profile flattened to its name and number.
pub fn media_json(m: &MediaInfo) -> Value {
    let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("profile".into(), json!(m.profile.name()));
        map.insert("profile_code".into(), json!(m.profile.number()));
    }
    v
}

fn status_word(s: MediaStatus) -> &'static str {
    match s {
        MediaStatus::None => "no medium",
        MediaStatus::Blank => "blank",
        MediaStatus::Appendable => "appendable",
        MediaStatus::Complete => "complete",
        MediaStatus::Other => "random-access",
        MediaStatus::Unknown => "unknown",
    }
}

/// One line about the medium, for `scan` and the head of `info`.
fn media_line(m: &MediaInfo) -> String {
    if m.status == MediaStatus::None {
        return "no medium".into();
    }
    let mut s = format!("{}, {}", m.profile.name(), status_word(m.status));
    if m.erasable {
        s.push_str(", erasable");
    }
    if let Some(c) = m.capacity_blocks {
        s.push_str(&format!(", {} blocks", c));
    }
    if let Some(f) = m.free_blocks.filter(|&f| f > 0) {
        s.push_str(&format!(", {} free", f));
    }
    s
}

pub fn scan(cli: &Cli) -> Result<(), CliError> {
    let drives = device::system_drives();
    let mut rows = Vec::new();
    for d in &drives {
        let Some(node) = d.node() else { continue };
        let spec = DeviceSpec::Node(node.to_path_buf());
        let clock = device::clock_for(&spec);
        let mut row = json!({
            "sg": d.sg, "sr": d.sr, "address": d.address,
            "vendor": d.vendor, "model": d.model, "revision": d.revision,
        });
        match device::open(&spec, Access::Shared, &clock, cli.verbose) {
            Ok(t) => {
                let mut drive = Drive::with_clock(t, clock);
                let writer = drive
                    .profiles()
                    .ok()
                    .map(|(_, list)| list.iter().any(|(p, _)| p.is_writable()));
                row["writer"] = json!(writer);
                match drive.media_info() {
                    Ok(m) => row["media"] = media_json(&m),
                    Err(e) => row["error"] = json!(e.to_string()),
                }
            }
            Err(e) => row["error"] = json!(e.message),
        }
        rows.push(row);
    }
    if cli.json {
        return print_json(&json!({ "drives": rows }));
    }
    if rows.is_empty() {
        outln!("no optical drives found")?;
        return Ok(());
    }
    for r in &rows {
        let node = |k: &str| r[k].as_str().unwrap_or("-").to_string();
        let what = match r["writer"].as_bool() {
            Some(true) => "writer",
            Some(false) => "reader",
            None => "?",
        };
        let media = if let Some(e) = r["error"].as_str() {
            format!("({e})")
        } else {
            r["media"]["profile"]
                .as_str()
                .map(|p| format!("{p}, {}", r["media"]["status"].as_str().unwrap_or("?")))
                .unwrap_or_else(|| "no medium".into())
        };
        outln!(
            "{}  {}  {} {} {}  {what}  {media}",
            node("sg"),
            node("sr"),
            r["vendor"].as_str().unwrap_or(""),
            r["model"].as_str().unwrap_or(""),
            r["revision"].as_str().unwrap_or(""),
        )?;
    }
    Ok(())
}

pub fn info(cli: &Cli) -> Result<(), CliError> {
    let spec = device::resolve_one(&cli.device)?;
    let clock = device::clock_for(&spec);
    let t = device::open(&spec, Access::Shared, &clock, cli.verbose)?;
    let mut drive = Drive::with_clock(t, clock);
    let id = identify(&spec, &mut drive)?;
    let profiles = drive.profiles().ok();
    let media = drive.media_info().map_err(|e| drive_error(&spec, &e))?;
    // READ TOC (format 0000b) of a recorded CD: each track's CONTROL nibble (audio or data,
    // copy permitted, pre-emphasis, four channels; MMC-6 Table 591) and start.
    let toc: Vec<Value> = if media.profile.is_cd()
        && !matches!(media.status, MediaStatus::None | MediaStatus::Blank)
    {
        drive
            .read_toc()
            .map(|t| {
                t.entries
                    .iter()
                    .map(|e| {
                        json!({
                            "track": e.track_number,
                            "adr": e.adr,
                            "control": e.control,
                            "data": e.control & 0x04 != 0,
                            "copy_permitted": e.control & 0x02 != 0,
                            "pre_emphasis": e.control & 0x05 == 0x01,
                            "four_channel": e.control & 0x0C == 0x08,
                            "start": e.start_address,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    if cli.json {
        let plist: Vec<Value> = profiles
            .as_ref()
            .map(|(_, l)| {
                l.iter()
                    .map(|(p, cur)| json!({"name": p.name(), "number": p.number(), "current": cur}))
                    .collect()
            })
            .unwrap_or_default();
        return print_json(&json!({
            "device": spec.to_string(),
            "drive": {
                "vendor": id.vendor, "model": id.model, "revision": id.revision,
                "peripheral_device_type": id.peripheral_device_type,
                "profiles": plist,
                "writer": profiles.as_ref().map(|(_, l)| l.iter().any(|(p, _)| p.is_writable())),
            },
            "media": media_json(&media),
            "toc": toc,
        }));
    }
    outln!("device:    {spec}")?;
    outln!("drive:     {} {} {}", id.vendor, id.model, id.revision)?;
    if let Some((_, l)) = &profiles {
        let names: Vec<String> = l.iter().map(|(p, _)| p.name()).collect();
        outln!("profiles:  {}", names.join(" "))?;
    }
    outln!("media:     {}", media_line(&media))?;
    if media.status != MediaStatus::None {
        if let Some(id) = &media.media_id {
            outln!("media id:  {id}")?;
        }
        outln!("sessions:  {}", media.sessions)?;
        if let Some(nwa) = media.next_writable_address {
            outln!("next writable address: {nwa}")?;
        }
        for t in &media.tracks {
            outln!(
                "track {:>2}: session {}, start {}, size {}{}{}",
                t.number,
                t.session,
                t.start,
                t.size.map(|s| s.to_string()).unwrap_or_else(|| "?".into()),
                match t.data {
                    Some(true) => ", data",
                    Some(false) => ", audio",
                    None => "",
                },
                if t.blank == Some(true) { ", blank" } else { "" },
            )?;
        }
        if let Some(from) = media.tracks_from {
            outln!("           (tracks from {from})")?;
        }
        if !media.write_speeds_kbps.is_empty() {
            let v: Vec<String> = media
                .write_speeds_kbps
                .iter()
                .map(|s| format!("{s} kB/s"))
                .collect();
            outln!("write speeds: {}", v.join(", "))?;
        }
    }
    if let Some(b) = media.buffer_size_bytes {
        outln!("buffer:    {} KiB", b / 1024)?;
    }
    Ok(())
}

pub fn eject(cli: &Cli, a: &EjectArgs) -> Result<(), CliError> {
    let spec = device::resolve_one(&cli.device)?;
    let mut drive = open_identified(&spec, Access::Exclusive, cli.verbose)?;
    // A drive that refuses removal (PREVENT held by us earlier) would refuse the eject:
    // allow it first, ignoring drives that lack the command.
    let _ = drive.prevent_allow_medium_removal(false);
    let r = if a.load { drive.load() } else { drive.eject() };
    r.map_err(|e| drive_error(&spec, &e))?;
    if cli.json {
        print_json(
            &json!({"device": spec.to_string(), "action": if a.load {"load"} else {"eject"}}),
        )
    } else {
        Ok(())
    }
}
