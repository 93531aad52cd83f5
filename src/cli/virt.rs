//! `discrw virtual create`: make a virtual medium file for `--device virtual:PATH`; the
//! attach family (attach, detach, list, load) is in `attach.rs`.

use super::args::{VirtualCommand, VirtualCreateArgs, VirtualLoadArgs};
use super::error::CliError;
use crate::emu::{CreateOptions, MediaKind};
use crate::outln;

pub fn run(cmd: &VirtualCommand, json: bool) -> Result<(), CliError> {
    match cmd {
        VirtualCommand::Create(a) => create(a, json),
        VirtualCommand::Attach(a) => super::attach::attach(a, json),
        VirtualCommand::Detach(a) => super::attach::detach(&a.drive, json),
        VirtualCommand::List => super::attach::list(json),
        VirtualCommand::Load(a) => load(a, json),
    }
}

fn load(a: &VirtualLoadArgs, json: bool) -> Result<(), CliError> {
    super::attach::load(&a.drive, &a.source, a.media.as_deref(), json)
}

fn create(a: &VirtualCreateArgs, json: bool) -> Result<(), CliError> {
    let kind: MediaKind = a.media.parse().map_err(|e| {
        CliError::usage(format!("--media {}: {e}", a.media)).with_hint(
            "one of cd-rom, cd-r, cd-rw, dvd-rom, dvd-r, dvd-rw, dvd+r, dvd+r-dl, dvd+rw, \
             bd-rom, bd-r, bd-re",
        )
    })?;
    if a.path.exists() {
        return Err(CliError::usage(format!(
            "{} already exists; not overwriting it",
            a.path.display()
        )));
    }
    if a.capacity == Some(0) {
        return Err(CliError::usage("--capacity must be at least 1 sector"));
    }
    let opts = CreateOptions {
        kind,
        from: a.from.clone(),
        capacity: a.capacity,
        faults: a.faults.clone(),
    };
    crate::emu::create(&a.path, &opts).map_err(|e| CliError::emu(&a.path, e))?;
    if json {
        super::out::print_json(&serde_json::json!({
            "path": a.path,
            "media": kind.to_string(),
            "from": a.from,
            "capacity": a.capacity,
            "faults": a.faults,
        }))?;
    } else {
        outln!(
            "created {} ({}{}) — use it with --device virtual:{}",
            a.path.display(),
            kind,
            if a.from.is_some() {
                ", with image"
            } else {
                ", blank"
            },
            a.path.display()
        )?;
    }
    Ok(())
}
