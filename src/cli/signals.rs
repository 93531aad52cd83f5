//! SIGINT/SIGTERM set the job's cancel flag; the job then stops cleanly and the CLI exits
//! with 130. signal-hook keeps the handler safe (it only stores to an atomic).
//! A burn run from a terminal asks before it stops (`install_confirmed`).

use crate::jobs::Cancel;
use std::io::{IsTerminal, Read};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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

/// Like [`install`], but where the user sits at a terminal (standard input and standard
/// error are terminals and /dev/tty opens) the first SIGINT asks `question` through `say`
/// instead of stopping: a line starting with `y` on the terminal stops, any other line goes
/// on, a second SIGINT while asking stops at once, and one more after that ends the process.
/// The job keeps running while the question is open (a burn must not starve the drive while
/// a user reads). SIGTERM stops at once.
/// Returns whether questions will be asked.
pub fn install_confirmed(
    cancel: &Cancel,
    say: Arc<dyn Fn(&str) + Send + Sync>,
    question: &'static str,
) -> std::io::Result<bool> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let tty = if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        std::fs::File::open("/dev/tty").ok()
    } else {
        None
    };
    let Some(tty) = tty else {
        install(cancel)?;
        return Ok(false);
    };
    let asked = Arc::new(AtomicBool::new(false));
    // Once the job is stopping, a further SIGINT ends the process (a stuck job can still be
    // killed), as with `install`.
    signal_hook::flag::register_conditional_default(SIGINT, cancel.flag())?;
    signal_hook::flag::register(SIGINT, asked.clone())?;
    signal_hook::flag::register_conditional_default(SIGTERM, cancel.flag())?;
    signal_hook::flag::register(SIGTERM, cancel.flag())?;
    let cancel = cancel.clone();
    std::thread::Builder::new()
        .name("sigint-question".into())
        .spawn(move || confirm_loop(tty, &asked, &cancel, &*say, question))?;
    Ok(true)
}

/// How often the question thread looks at the flags while nothing happens.
const CONFIRM_POLL_MS: u16 = 100;

fn confirm_loop(
    mut tty: std::fs::File,
    asked: &AtomicBool,
    cancel: &Cancel,
    say: &(dyn Fn(&str) + Send + Sync),
    question: &str,
) {
    while !cancel.is_cancelled() {
        if !asked.swap(false, Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(u64::from(CONFIRM_POLL_MS)));
            continue;
        }
        if !in_foreground(&tty) {
            // A background job reading the terminal would be stopped by SIGTTIN, and the
            // drive starved with it: no question, stop as without a terminal.
            cancel.cancel();
            return;
        }
        say(&format!(
            "discrw: {question} [y/N] (Ctrl-C again stops at once)"
        ));
        match answer(&mut tty, asked, cancel) {
            Some(true) | None => {
                say("discrw: stopping");
                cancel.cancel();
                return;
            }
            Some(false) => say("discrw: going on"),
        }
    }
}

/// The user's answer: Some(true) stop, Some(false) go on; None when a second SIGINT (or a
/// SIGTERM) came while asking.
fn answer(tty: &mut std::fs::File, asked: &AtomicBool, cancel: &Cancel) -> Option<bool> {
    use nix::poll::{PollFd, PollFlags, poll};
    loop {
        if asked.swap(false, Ordering::SeqCst) || cancel.is_cancelled() {
            return None;
        }
        let mut fds = [PollFd::new(tty.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, CONFIRM_POLL_MS) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            Ok(_) => {}
            Err(_) => return Some(false),
        }
        // The terminal is in canonical mode: one read is one line.
        let mut line = [0u8; 256];
        return match tty.read(&mut line) {
            Ok(n) => Some(is_yes(&line[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => Some(false),
        };
    }
}

/// True when this process's group is the terminal's foreground group (it may read it).
fn in_foreground(tty: &std::fs::File) -> bool {
    nix::unistd::tcgetpgrp(tty.as_fd()).is_ok_and(|p| p == nix::unistd::getpgrp())
}

/// A "yes" answer: the line's first non-blank character is y or Y.
fn is_yes(line: &[u8]) -> bool {
    line.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| b.eq_ignore_ascii_case(&b'y'))
}

#[cfg(test)]
mod tests {
    use super::is_yes;

    #[test]
    fn only_a_line_starting_with_y_is_yes() {
        for y in [&b"y\n"[..], b"Y\n", b"  yes\n", b"yep"] {
            assert!(is_yes(y), "{y:?}");
        }
        for n in [&b"\n"[..], b"n\n", b"no", b"", b"  \n", b"x y"] {
            assert!(!is_yes(n), "{n:?}");
        }
    }
}
