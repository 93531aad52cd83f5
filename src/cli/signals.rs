//! SIGINT/SIGTERM set the job's cancel flag; the job then stops cleanly and the CLI exits
//! with 130. signal-hook keeps the handler safe (it only stores to an atomic).

use crate::jobs::Cancel;

/// Route SIGINT and SIGTERM to `cancel`. A second signal while the first is being handled
/// terminates at once (the default action), so a stuck job can still be killed.
pub fn install(cancel: &Cancel) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for sig in [SIGINT, SIGTERM] {
        signal_hook::flag::register_conditional_default(sig, cancel.flag())?;
        signal_hook::flag::register(sig, cancel.flag())?;
    }
    Ok(())
}
