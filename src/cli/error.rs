//! The CLI's one-line errors and the documented exit codes (docs/exit-codes.md).

use std::fmt;

/// Process exit codes. Every later command uses these; docs/exit-codes.md lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything asked for was done and checked.
    Ok = 0,
    /// Any other failure (I/O error, drive error during a job, underrun, ...).
    Failure = 1,
    /// Bad command line: unknown flag, conflicting flags, bad value.
    Usage = 2,
    /// Device not found, no permission, busy, or not an MMC device.
    Device = 3,
    /// Media problem: no medium, wrong kind, not blank, too small.
    Media = 4,
    /// Finished, but some sectors could not be read.
    Unreadable = 5,
    /// Verify found sectors that differ from the image.
    Mismatch = 6,
    /// Stopped by SIGINT/SIGTERM.
    Interrupted = 130,
    /// Standard output was closed (a pipe whose reader ended, `| head`): 128 + SIGPIPE, what a
    /// shell reports for a program that SIGPIPE killed. Printed without a message.
    StdoutClosed = 141,
}

/// An error the CLI prints as one line: `discrw: CONTEXT: MESSAGE` (+ `hint: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub code: ExitCode,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An emulated-drive error as one line about PATH: a request no drive could take is a
    /// usage error (exit 2), anything else a failure.
    pub fn emu(path: &std::path::Path, e: crate::emu::EmuError) -> Self {
        let code = if e.is_usage() {
            ExitCode::Usage
        } else {
            ExitCode::Failure
        };
        CliError::new(code, format!("{}: {e}", path.display()))
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Usage, message)
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Failure, message)
    }

    /// Standard output is a pipe with no reader left; see `cli::out`.
    pub fn stdout_closed() -> Self {
        Self::new(ExitCode::StdoutClosed, "standard output closed")
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}
