//! `discrw verify IMAGE`: compare the disc with the image, sector by sector and by SHA-256.

use super::args::{Cli, VerifyArgs};
use super::device;
use super::drive::{drive_error, open_identified};
use super::error::{CliError, ExitCode};
use super::input::{is_cue, load_cue};
use super::out::print_json;
use super::progress::{Mode as ProgressMode, Progress};
use super::report::{verify_code, verify_line, verify_problems};
use crate::drive::MediaStatus;
use crate::jobs::Cancel;
use crate::jobs::verify::{self, Reference, VerifyError};
use crate::media::DriveMedium;
use crate::outln;
use crate::transport::sg_io::Access;
use serde_json::json;

pub fn run(cli: &Cli, a: &VerifyArgs) -> Result<(), CliError> {
    let spec = device::resolve_one(&cli.device)?;
    let size = std::fs::metadata(&a.image)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                CliError::usage(format!("{}: no such file", a.image.display()))
            } else {
                CliError::failure(format!("cannot read image {}: {e}", a.image.display()))
            }
        })?
        .len();
    if size == 0 {
        return Err(CliError::usage(format!("{} is empty", a.image.display())));
    }
    // A cue sheet is compared track by track at the LBAs its layout gives.
    let cue = if is_cue(&a.image) {
        Some(load_cue(&a.image)?)
    } else {
        None
    };
    let cancel = Cancel::new();
    super::signals::install(&cancel)
        .map_err(|e| CliError::failure(format!("cannot install signal handlers: {e}")))?;
    let mut drive = open_identified(&spec, Access::Exclusive, cli.verbose)?;
    let media = drive.media_info().map_err(|e| drive_error(&spec, &e))?;
    if matches!(media.status, MediaStatus::None) {
        return Err(CliError::new(
            ExitCode::Media,
            format!("{spec}: no medium in the drive"),
        ));
    }
    if media.status == MediaStatus::Blank {
        return Err(CliError::new(
            ExitCode::Media,
            format!("{spec}: the disc is blank"),
        ));
    }
    let start = verify::image_start(&media, size);
    let one_x = media.profile.one_x_bytes_per_sec();
    let sink = Progress::new(ProgressMode::pick(cli.json));
    let rep = match &cue {
        Some(img) => verify::verify_cue(
            &mut DriveMedium::borrowed(&mut drive),
            img,
            one_x,
            &sink,
            &cancel,
        ),
        None => verify::verify(
            &mut DriveMedium::borrowed(&mut drive),
            Reference::File(&a.image),
            size,
            start,
            one_x,
            &sink,
            &cancel,
        ),
    }
    .map_err(|e| match e {
        VerifyError::Interrupted => {
            CliError::new(ExitCode::Interrupted, format!("{spec}: interrupted"))
        }
        e => CliError::failure(format!("{spec}: {e}")),
    })?;
    sink.finish();
    let code = verify_code(&rep);
    // A mismatch's exit code wins over a closed standard output.
    let printed = if cli.json {
        print_json(&json!({"device": spec.to_string(), "ok": code == ExitCode::Ok, "verify": rep}))
    } else {
        outln!("{spec}: {}", verify_line(&rep).trim_start())
    };
    if code == ExitCode::Ok {
        printed
    } else {
        Err(CliError::new(
            code,
            format!("{spec}: verify FAILED: {}", verify_problems(&rep)),
        ))
    }
}
