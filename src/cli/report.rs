//! How reports read on a terminal: the verify result (burn and verify print the same lines)
//! and the small number forms they share.

use super::error::ExitCode;
use crate::jobs::verify::VerifyReport;

/// A fraction as a whole percentage: `75%`.
pub fn pct(f: f64) -> String {
    format!("{:.0}%", f * 100.0)
}

/// `1 sector differs` / `3 sectors differ`.
pub fn sectors(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 sector {one}")
    } else {
        format!("{n} sectors {many}")
    }
}

/// What a failed verify found, as one clause list: differing and unreadable ranges (with
/// the ISO files they hit), a stale `IMAGE.sha256`, or a digest-only mismatch.
pub fn verify_problems(vr: &VerifyReport) -> String {
    let mut v = Vec::new();
    if let Some(n) = vr.audio_offset_samples {
        v.push(format!(
            "audio compared with a read offset of {n:+} samples (the drive's read/write offset)"
        ));
    }
    if !vr.mismatched.is_empty() {
        v.push(format!(
            "{} at LBA {}",
            sectors(vr.mismatched.sectors(), "differs", "differ"),
            vr.mismatched.display()
        ));
    }
    if !vr.unreadable.is_empty() {
        v.push(format!(
            "{} at LBA {}",
            sectors(vr.unreadable.sectors(), "is unreadable", "are unreadable"),
            vr.unreadable.display()
        ));
    }
    if let Some(d) = &vr.damaged_files {
        v.push(d.summary());
    }
    match vr.damaged_tracks.as_slice() {
        [] => {}
        [t] => v.push(format!("in track {t}")),
        ts => v.push(format!(
            "in tracks {}",
            ts.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    if let Some(why) = vr.audio_offset_unknown.and_then(|w| w.clause()) {
        v.push(why);
    }
    if let Some((p, false)) = &vr.sha256_file {
        v.push(format!("the image does not match {}", p.display()));
    }
    if vr.mismatched.is_empty() && vr.unreadable.is_empty() && vr.sha256_file.is_none() {
        v.push(format!(
            "SHA-256 of the disc {} differs from the image's {}",
            vr.disc_sha256.as_deref().unwrap_or("-"),
            vr.image_sha256
        ));
    }
    v.join("; ")
}

/// One line for a verify result.
pub fn verify_line(vr: &VerifyReport) -> String {
    if let (true, Some(n)) = (vr.is_match(), vr.audio_offset_samples) {
        format!(
            "  verify: {} sectors match; audio matches with a read offset of {n:+} samples \
             (the drive's read/write offset; {} samples at the disc's edges not compared)",
            vr.sectors,
            vr.audio_samples_not_compared.unwrap_or(0)
        )
    } else if vr.is_match() {
        format!(
            "  verify: {} sectors match, SHA-256 {}",
            vr.sectors, vr.image_sha256
        )
    } else {
        format!("  verify: FAILED: {}", verify_problems(vr))
    }
}

/// The exit code a verify result means: 0 match, 6 mismatch, 5 unreadable only.
pub fn verify_code(vr: &VerifyReport) -> ExitCode {
    if vr.is_match() {
        ExitCode::Ok
    } else if !vr.mismatched.is_empty() || vr.unreadable.is_empty() {
        ExitCode::Mismatch
    } else {
        ExitCode::Unreadable
    }
}
