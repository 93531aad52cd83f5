//! Every child process a test starts, discrw or a peer tool, runs through here under a
//! watchdog: past the test timeout (`DISCRW_TEST_TIMEOUT_SECS`, default 300 s) the child is
//! killed and the test fails naming the command, instead of hanging the suite (genisoimage,
//! for one, has inputs on which it loops forever; a discrw bug can do the same).
//!
//! - [`run`]: to its end, output collected (what `Command::output` does);
//! - [`run_ok`]: the same, and it must succeed;
//! - [`spawn`]: a [`Spawned`] child for tests that talk to it while it runs (signals, stdin,
//!   reading progress lines); its standard streams are as the `Command` sets them;
//! - [`run_streaming`]: stdout handed to a reader, for outputs too big to hold in memory.
//!
//! The watchdog never signals a process id that may have been reused: the child is reaped
//! only after the watchdog has been told it exited (`waitid` with `WNOWAIT` first).

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The environment variable that sets the timeout of every child, in seconds.
pub const TIMEOUT_ENV: &str = "DISCRW_TEST_TIMEOUT_SECS";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The timeout `DISCRW_TEST_TIMEOUT_SECS` sets (a positive whole number of seconds; anything
/// else is a loud failure).
pub fn timeout() -> Duration {
    timeout_from(std::env::var(TIMEOUT_ENV).ok().as_deref())
}

/// The timeout for a value of `DISCRW_TEST_TIMEOUT_SECS` (None: unset).
pub fn timeout_from(value: Option<&str>) -> Duration {
    let Some(v) = value else {
        return DEFAULT_TIMEOUT;
    };
    match v.trim().parse::<u64>() {
        Ok(n) if n > 0 => Duration::from_secs(n),
        _ => panic!("{TIMEOUT_ENV}={v:?} is not a positive number of seconds"),
    }
}

/// How a child ended, shared by its waiter thread, its watchdog and the test.
#[derive(Default)]
struct State {
    /// The child has exited (it may not be reaped yet): the watchdog must not signal it.
    exited: bool,
    /// Set once the child is reaped.
    status: Option<io::Result<ExitStatus>>,
    /// The watchdog killed it.
    timed_out: bool,
}

#[derive(Default)]
struct Watch {
    state: Mutex<State>,
    changed: Condvar,
}

impl Watch {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running child under the watchdog. Its standard streams are taken like those of
/// `std::process::Child`; it is waited for through [`Spawned::wait`] and friends, which fail
/// the test if the watchdog had to kill it.
pub struct Spawned {
    pub stdin: Option<ChildStdin>,
    pub stdout: Option<ChildStdout>,
    pub stderr: Option<ChildStderr>,
    pid: u32,
    what: String,
    limit: Duration,
    watch: Arc<Watch>,
}

/// [`spawn`] with the test timeout.
pub fn spawn(cmd: &mut Command) -> Spawned {
    try_spawn(cmd).unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

/// [`spawn`], handing a failure to start (a missing program) to the caller.
pub fn try_spawn(cmd: &mut Command) -> io::Result<Spawned> {
    spawn_with_timeout(cmd, timeout())
}

/// Start `cmd` under a watchdog that kills it after `limit`.
pub fn spawn_with_timeout(cmd: &mut Command, limit: Duration) -> io::Result<Spawned> {
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let watch = Arc::new(Watch::default());
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let w = watch.clone();
    small_thread(move || {
        // Wait for the exit without reaping, so the pid stays ours until `exited` is set.
        let exited = || {
            let id = Id::Pid(Pid::from_raw(pid as i32));
            waitid(id, WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)
        };
        while exited() == Err(Errno::EINTR) {}
        w.lock().exited = true;
        let status = child.wait();
        w.lock().status = Some(status);
        w.changed.notify_all();
    });
    let w = watch.clone();
    let what = format!("{cmd:?}");
    let shown = what.clone();
    small_thread(move || {
        let s = w.lock();
        let (mut s, _) = w
            .changed
            .wait_timeout_while(s, limit, |s| s.status.is_none())
            .unwrap_or_else(|e| e.into_inner());
        if !s.exited {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            s.timed_out = true;
            // Seen at once, even while the test is still blocked reading from the child.
            eprintln!("{}", timeout_message(&shown, limit));
        }
    });
    Ok(Spawned {
        stdin,
        stdout,
        stderr,
        pid,
        what,
        limit,
        watch,
    })
}

fn timeout_message(what: &str, limit: Duration) -> String {
    format!(
        "{what} did not finish within the test timeout of {} s and was killed ({TIMEOUT_ENV})",
        limit.as_secs()
    )
}

/// A helper thread with a small stack (the hostile-image test runs under an address-space
/// limit).
fn small_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(f)
        .unwrap_or_else(|e| panic!("spawn a test helper thread: {e}"))
}

fn drain(r: Option<impl Read + Send + 'static>) -> Option<JoinHandle<Vec<u8>>> {
    r.map(|mut r| {
        small_thread(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    })
}

impl Spawned {
    pub fn id(&self) -> u32 {
        self.pid
    }

    /// The exit status once the child has ended; fails the test if it was killed for taking
    /// too long.
    fn ended(&self, s: &State) -> Option<ExitStatus> {
        if s.timed_out && s.status.is_some() {
            panic!("{}", timeout_message(&self.what, self.limit));
        }
        match s.status.as_ref()? {
            Ok(st) => Some(*st),
            Err(e) => panic!("wait for {}: {e}", self.what),
        }
    }

    /// Wait for the child to end (the watchdog ends it after the timeout).
    pub fn wait(&mut self) -> ExitStatus {
        let mut s = self.watch.lock();
        loop {
            if let Some(st) = self.ended(&s) {
                return st;
            }
            s = self
                .watch
                .changed
                .wait(s)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The exit status if the child has ended, without waiting.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        let s = self.watch.lock();
        self.ended(&s)
    }

    /// Close stdin, collect stdout and stderr (those not taken) and wait, as
    /// `std::process::Child::wait_with_output` does.
    pub fn wait_with_output(mut self) -> Output {
        drop(self.stdin.take());
        let out = drain(self.stdout.take());
        let err = drain(self.stderr.take());
        // On a timeout this fails before joining the readers: a grandchild may still hold
        // the pipes open.
        let status = self.wait();
        let join = |h: Option<JoinHandle<Vec<u8>>>| {
            h.map(|h| h.join().unwrap_or_default()).unwrap_or_default()
        };
        Output {
            status,
            stdout: join(out),
            stderr: join(err),
        }
    }
}

/// Run `cmd` to its end with stdin empty and stdout and stderr collected (the defaults of
/// `Command::output`: a test that sets a stream itself uses [`spawn`]), whatever its exit
/// status.
pub fn run(cmd: &mut Command) -> Output {
    try_run(cmd).unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

/// [`run`], handing a failure to start (a missing program) to the caller.
pub fn try_run(cmd: &mut Command) -> io::Result<Output> {
    run_with_timeout(cmd, timeout())
}

/// [`run`] with an explicit timeout.
pub fn run_with_timeout(cmd: &mut Command, limit: Duration) -> io::Result<Output> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Ok(spawn_with_timeout(cmd, limit)?.wait_with_output())
}

/// [`run`], failing the test with the output unless the command succeeds.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cmd` with its stdout handed to `f` (for outputs too big to hold in memory); stderr
/// is kept for the failure message; the command must succeed.
pub fn run_streaming(cmd: &mut Command, f: impl FnOnce(&mut ChildStdout)) {
    let mut child = spawn(cmd.stdout(Stdio::piped()).stderr(Stdio::piped()));
    let err = drain(child.stderr.take());
    let mut so = child.stdout.take().expect("piped stdout");
    f(&mut so);
    drop(so);
    let status = child.wait();
    let err = err
        .map(|h| h.join().unwrap_or_default())
        .unwrap_or_default();
    assert!(
        status.success(),
        "{cmd:?} failed ({status}): {}",
        String::from_utf8_lossy(&err)
    );
}

/// A peer tool the test needs: missing is a loud failure, never a skip.
pub fn need(tool: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in
        std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
    {
        let p = dir.join(tool);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "required test tool `{tool}` is not installed: see tests/packages.txt (tests/run-all.sh installs them)"
    );
}

/// A peer tool run in `dir`, required to be installed ([`need`]) and to succeed.
pub fn tool(name: &str, args: &[&str], dir: &Path) -> Output {
    run_ok(Command::new(need(name)).args(args).current_dir(dir))
}
