//! The test helpers themselves (tests/common): the runner's timeout really kills and names
//! the command, also when set through `DISCRW_TEST_TIMEOUT_SECS`; output is collected in
//! full; SHA-256 agrees with coreutils; the PRNGs give their fixed sequences, so the data
//! every other test makes stays what it was.

mod common;

use common::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The message of the panic `f` ends in (fails the test if it returns).
fn panic_message(f: impl FnOnce()) -> String {
    let p = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn the_timeout_kills_a_hanging_child_and_names_it() {
    let mut c = spawn_with_timeout(Command::new("sleep").arg("30"), Duration::from_secs(1))
        .expect("sleep(1) from coreutils");
    let pid = c.id();
    let t = Instant::now();
    let msg = panic_message(|| {
        c.wait();
    });
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
    assert!(
        msg.contains("\"sleep\" \"30\"") && msg.contains("1 s") && msg.contains(TIMEOUT_ENV),
        "{msg}"
    );
    // Killed and reaped, not left running.
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "{pid} is still there"
    );
}

#[test]
fn run_with_a_timeout_fails_the_same_way() {
    let t = Instant::now();
    let msg = panic_message(|| {
        let _ = run_with_timeout(Command::new("sleep").arg("30"), Duration::from_secs(1));
    });
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(msg.contains("sleep") && msg.contains("killed"), "{msg}");
}

/// Not a test of its own: run by `the_timeout_comes_from_the_environment` with a 1 s
/// timeout in the environment, where it must fail.
#[test]
#[ignore = "run by the_timeout_comes_from_the_environment"]
fn sleeps_past_the_timeout() {
    run(Command::new("sleep").arg("30"));
}

#[test]
fn the_timeout_comes_from_the_environment() {
    let t = Instant::now();
    let o = run(Command::new(std::env::current_exe().unwrap())
        .env(TIMEOUT_ENV, "1")
        .args(["--exact", "sleeps_past_the_timeout", "--ignored"]));
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert!(!o.status.success(), "{}", text(&o));
    let all = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(
        all.contains("\"sleep\" \"30\" did not finish within the test timeout of 1 s"),
        "{all}"
    );
}

#[test]
fn the_timeout_setting() {
    assert_eq!(timeout_from(None), Duration::from_secs(300));
    assert_eq!(timeout_from(Some("7")), Duration::from_secs(7));
    assert_eq!(timeout_from(Some(" 7\n")), Duration::from_secs(7));
    for bad in ["0", "", "1.5", "-1", "five"] {
        let msg = panic_message(|| {
            timeout_from(Some(bad));
        });
        assert!(msg.contains(TIMEOUT_ENV), "{bad:?}: {msg}");
    }
}

#[test]
fn run_collects_more_than_a_pipe_holds_and_the_exit_status() {
    // 1 MiB on stdout and on stderr at once: neither pipe may block the other.
    let o = run(Command::new("sh").args([
        "-c",
        "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; exit 3",
    ]));
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(o.stdout.len(), 1 << 20);
    assert_eq!(o.stderr.len(), 1 << 20);
    // A stream the test set itself is left as it is.
    let o = spawn(
        Command::new("sh")
            .args(["-c", "echo out; echo err >&2"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    )
    .wait_with_output();
    assert_eq!(
        (o.stdout.as_slice(), o.stderr.as_slice()),
        (&b""[..], &b"err\n"[..])
    );
}

#[test]
fn run_ok_names_a_failing_command_and_a_missing_one_is_an_error() {
    let msg = panic_message(|| {
        run_ok(Command::new("sh").args(["-c", "echo why >&2; exit 1"]));
    });
    assert!(msg.contains("\"sh\"") && msg.contains("why"), "{msg}");
    assert!(try_run(&mut Command::new("/nonexistent/discrw-test-tool")).is_err());
}

#[test]
fn sha256_matches_coreutils_and_the_fips_vector() {
    // FIPS 180-2 appendix B.1.
    assert_eq!(
        sha256_bytes(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("data");
    std::fs::write(&f, pseudo_random(100_000, 5)).unwrap();
    assert_eq!(sha256_file(&f), sha256sum(&f));
}

#[test]
fn the_prngs_are_fixed_for_a_seed() {
    // SplitMix64's published first outputs for seed 0.
    let mut r = Rng::new(0);
    assert_eq!(
        [r.next(), r.next(), r.next()],
        [
            0xE220_A839_7B1D_CDAF,
            0x6E78_9E6A_A1B9_65F4,
            0x06C4_5D18_8009_454F
        ]
    );
    let draws = |seed| {
        let mut r = Rng::new(seed);
        (0..64).map(|_| r.below(1000)).collect::<Vec<_>>()
    };
    assert_eq!(draws(42), draws(42));
    assert_ne!(draws(42), draws(43));
    // Drawing from nothing takes no number from the sequence.
    let (mut a, mut b) = (Rng::new(9), Rng::new(9));
    assert_eq!((a.below(0), a.pick::<u8>(&[])), (0, None));
    assert_eq!(a.next(), b.next());
    // Xorshift64 noise: eight bytes a step, or the low byte of each step.
    assert_eq!(hex(&noise_bytes(16, 7)), "c7e18ec301000000c46d012412c70170");
    assert_eq!(hex(&pseudo_random(8, 1)), "414129256501710d");
    assert_eq!(noise(3, 7), noise_bytes(3 * 2048, 7));
    assert_ne!(noise(1, 7), noise(1, 8));
}
