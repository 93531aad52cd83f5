//! A deterministic, fixed-seed mutation fuzzer for the test suite (no nightly toolchain, no
//! cargo-fuzz): every run feeds the same inputs in the same order, so a failure seen once is
//! seen again, and CI time is bounded by an execution count and a time cap.
//!
//! Each target gets a corpus of valid answers written as literal bytes from the spec's
//! layouts, with the positions of their length fields. Inputs come from two stages:
//! 1. deterministic: every truncation, every bit flip, every byte set to 00/FF/7F/80/01,
//!    each length field inflated or deflated, each seed extended with zeros and FFs;
//! 2. havoc: a seed (or the previous input) with a random stack of mutations: bit flips,
//!    interesting and random bytes, small arithmetic, truncation, extension, length-field
//!    inflation, splicing with another seed, chunk deletion and duplication, dictionary
//!    tokens.
//!
//! A panic in the target (or a failed invariant, which is a panic) fails the test with the
//! input as hex, a shrunk input as hex, the target name, the execution number and the seed.
//!
//! Environment: `DISCRW_FUZZ_ITERS` executions per target (default 200000),
//! `DISCRW_FUZZ_SECS` time cap per target in seconds (default 20), `DISCRW_FUZZ_SEED` to mix
//! into every target's seed (default 0, the CI sequence).

use super::{Rng, env_u64, hex};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// A big-endian length (or count) field of a seed: `width` bytes at `at`.
#[derive(Debug, Clone, Copy)]
pub struct LenField {
    pub at: usize,
    pub width: usize,
}

/// One valid input with the places where it says how long it is.
#[derive(Debug, Clone)]
pub struct Seed {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub len_fields: Vec<LenField>,
}

impl Seed {
    pub fn new(name: &'static str, bytes: &[u8]) -> Seed {
        Seed {
            name,
            bytes: bytes.to_vec(),
            len_fields: Vec::new(),
        }
    }
    /// Add a big-endian length field of `width` bytes at `at`.
    pub fn len_at(mut self, at: usize, width: usize) -> Seed {
        assert!(
            at + width <= self.bytes.len(),
            "{}: length field past end",
            self.name
        );
        self.len_fields.push(LenField { at, width });
        self
    }
}

/// What a fuzz run did, for the closing note.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub executions: u64,
    pub deterministic: u64,
    pub elapsed: Duration,
    pub capped_by_time: bool,
}

/// Executions per target (`DISCRW_FUZZ_ITERS`, default 200000).
pub fn iterations() -> u64 {
    env_u64("DISCRW_FUZZ_ITERS", 200_000)
}

/// FNV-1a of the target name, so each target has its own fixed sequence.
fn name_seed(name: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h ^ env_u64("DISCRW_FUZZ_SEED", 0)
}

const INTERESTING: [u8; 6] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE];

fn write_be(buf: &mut [u8], at: usize, width: usize, v: u64) {
    for i in 0..width {
        if let Some(b) = buf.get_mut(at + i) {
            *b = (v >> (8 * (width - 1 - i))) as u8;
        }
    }
}

fn read_be(buf: &[u8], at: usize, width: usize) -> u64 {
    (0..width).fold(0u64, |v, i| {
        (v << 8) | u64::from(buf.get(at + i).copied().unwrap_or(0))
    })
}

fn max_of(width: usize) -> u64 {
    if width >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * width)) - 1
    }
}

/// The values a length field is set to: too big, one too big, slightly and far off, zero,
/// one too small, the input length.
fn inflations(v: u64, width: usize, input_len: usize, rng: Option<&mut Rng>) -> Vec<u64> {
    let m = max_of(width);
    let mut out = vec![
        m,
        v.wrapping_add(1) & m,
        v.wrapping_add(2) & m,
        v.wrapping_add(8) & m,
        v.wrapping_add(255) & m,
        v.wrapping_mul(2) & m,
        0,
        v.wrapping_sub(1) & m,
        (input_len as u64) & m,
        m / 2 + 1,
    ];
    if let Some(r) = rng {
        out.push(r.next() & m);
    }
    out
}

/// The deterministic stage for one seed, most telling first: length-field lies,
/// extensions, truncations, interesting bytes, bit flips. Lazy, so big seeds cost no
/// memory.
fn deterministic_inputs(seed: &Seed) -> impl Iterator<Item = Vec<u8>> + '_ {
    let b = &seed.bytes;
    let lies = seed.len_fields.iter().flat_map(move |f| {
        let v = read_be(b, f.at, f.width);
        inflations(v, f.width, b.len(), None)
            .into_iter()
            .flat_map(move |x| {
                let mut m = b.clone();
                write_be(&mut m, f.at, f.width, x);
                // The lie alone, with the data cut at the field, and with more data after.
                let cut = m[..(f.at + f.width).min(m.len())].to_vec();
                let mut longer = m.clone();
                longer.extend(std::iter::repeat_n(0xA5, 64));
                [m, cut, longer]
            })
    });
    let extensions = [1usize, 2, 3, 4, 7, 8, 11, 16, 255, 256, 4096]
        .into_iter()
        .flat_map(move |n| {
            [0x00u8, 0xFF].into_iter().map(move |fill| {
                let mut m = b.clone();
                m.extend(std::iter::repeat_n(fill, n));
                m
            })
        });
    let truncations = (0..b.len()).map(move |n| b[..n].to_vec());
    let interesting = (0..b.len()).flat_map(move |i| {
        INTERESTING
            .into_iter()
            .filter(move |&v| b[i] != v)
            .map(move |v| {
                let mut m = b.clone();
                m[i] = v;
                m
            })
    });
    let flips = (0..b.len()).flat_map(move |i| {
        (0..8).map(move |bit| {
            let mut m = b.clone();
            m[i] ^= 1 << bit;
            m
        })
    });
    lies.chain(extensions)
        .chain(truncations)
        .chain(interesting)
        .chain(flips)
}

/// Inputs are capped so havoc stacking cannot grow them without bound.
const MAX_LEN: usize = 8192;

fn havoc(
    rng: &mut Rng,
    base: &mut Vec<u8>,
    seeds: &[Seed],
    seed_idx: Option<usize>,
    dict: &[&[u8]],
) {
    let stack = 1 << rng.below(4);
    for _ in 0..stack {
        let len = base.len();
        match rng.below(13) {
            0 if len > 0 => {
                let i = rng.below(len);
                base[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                base[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 if len > 0 => {
                let i = rng.below(len);
                base[i] = rng.byte();
            }
            3 if len > 0 => {
                // Small arithmetic on a byte or a 16/32-bit big-endian field.
                let width = [1usize, 2, 4][rng.below(3)];
                if len >= width {
                    let at = rng.below(len - width + 1);
                    let v = read_be(base, at, width);
                    let d = rng.below(35) as u64 + 1;
                    let nv = if rng.chance(2) {
                        v.wrapping_add(d)
                    } else {
                        v.wrapping_sub(d)
                    };
                    write_be(base, at, width, nv & max_of(width));
                }
            }
            4 => {
                let n = rng.below(len + 1);
                base.truncate(n);
            }
            5 => {
                let most = if rng.chance(8) { 1024 } else { 32 };
                let n = 1 + rng.below(most);
                let fill = match rng.below(3) {
                    0 => Some(0x00),
                    1 => Some(0xFF),
                    _ => None,
                };
                for _ in 0..n {
                    let b = fill.unwrap_or_else(|| rng.byte());
                    base.push(b);
                }
            }
            6 => {
                // Length-field inflation: the seed's own fields while the layout still
                // matches, else a guess at a field in the header.
                let field = match seed_idx {
                    Some(s) if !seeds[s].len_fields.is_empty() => {
                        let f = &seeds[s].len_fields;
                        Some(f[rng.below(f.len())])
                    }
                    _ if len >= 2 => {
                        let width = [1usize, 2, 4][rng.below(3)].min(len);
                        let at = rng.below(len.min(16) - width + 1);
                        Some(LenField { at, width })
                    }
                    _ => None,
                };
                if let Some(f) = field
                    && f.at + f.width <= len
                {
                    let v = read_be(base, f.at, f.width);
                    let opts = inflations(v, f.width, len, Some(rng));
                    let x = opts[rng.below(opts.len())];
                    write_be(base, f.at, f.width, x);
                }
            }
            7 => {
                // Splice: our head, another seed's tail.
                let other = &seeds[rng.below(seeds.len())].bytes;
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                base.truncate(cut);
                base.extend_from_slice(&other[from..]);
            }
            8 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                base.drain(at..at + n);
            }
            9 if len > 0 => {
                // Duplicate a chunk (repeats descriptors in lists).
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                let chunk = base[at..at + n].to_vec();
                let to = rng.below(len + 1);
                base.splice(to..to, chunk);
            }
            10 if !dict.is_empty() => {
                let tok = dict[rng.below(dict.len())];
                let to = rng.below(len + 1);
                if rng.chance(2) {
                    base.splice(to..to, tok.iter().copied());
                } else {
                    let end = (to + tok.len()).min(len);
                    base.splice(to..end, tok.iter().copied());
                }
            }
            11 => {
                // Insert a few random bytes.
                let to = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
                base.splice(to..to, bytes);
            }
            12 if rng.chance(16) => {
                // Now and then, noise of a plausible size.
                let n = rng.below(256);
                *base = (0..n).map(|_| rng.byte()).collect();
            }
            _ => {}
        }
    }
    base.truncate(MAX_LEN);
}

fn panics(f: &dyn Fn(&[u8]), input: &[u8]) -> bool {
    catch_unwind(AssertUnwindSafe(|| f(input))).is_err()
}

/// Make a panicking input smaller (chunk removal, then zeroing) while it still panics.
fn shrink(f: &dyn Fn(&[u8]), input: &[u8]) -> Vec<u8> {
    let mut cur = input.to_vec();
    let mut budget = 4000;
    let mut chunk = cur.len().max(1).next_power_of_two();
    while chunk >= 1 && budget > 0 {
        let mut i = 0;
        while i < cur.len() && budget > 0 {
            let mut cand = cur.clone();
            cand.drain(i..(i + chunk).min(cur.len()));
            budget -= 1;
            if panics(f, &cand) {
                cur = cand;
            } else {
                i += chunk;
            }
        }
        chunk /= 2;
    }
    for i in 0..cur.len() {
        if budget == 0 || cur[i] == 0 {
            continue;
        }
        let mut cand = cur.clone();
        cand[i] = 0;
        budget -= 1;
        if panics(f, &cand) {
            cur = cand;
        }
    }
    cur
}

/// Run `target` over the deterministic stage and havoc of `seeds`, up to
/// `DISCRW_FUZZ_ITERS` executions or `DISCRW_FUZZ_SECS` seconds; fail on the first panic.
pub fn fuzz(name: &str, seeds: &[Seed], dict: &[&[u8]], target: impl Fn(&[u8])) -> Report {
    fuzz_n(name, iterations(), seeds, dict, target)
}

/// `fuzz` with an explicit execution count (for targets much slower than a parser).
pub fn fuzz_n(
    name: &str,
    iters: u64,
    seeds: &[Seed],
    dict: &[&[u8]],
    target: impl Fn(&[u8]),
) -> Report {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let cap = Duration::from_secs(env_u64("DISCRW_FUZZ_SECS", 20));
    let seed = name_seed(name);
    let start = Instant::now();
    let f: &dyn Fn(&[u8]) = &target;

    // Valid seeds must pass before anything is mutated: a failing seed is a test bug.
    for s in seeds {
        if panics(f, &s.bytes) {
            panic!(
                "fuzz {name}: seed {} itself fails; input: {}",
                s.name,
                hex(&s.bytes)
            );
        }
    }

    let mut n: u64 = 0;
    let mut capped = false;
    let fail = |n: u64, input: &[u8]| -> ! {
        // The default hook already printed the panic message; shrink quietly.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let small = shrink(f, input);
        std::panic::set_hook(hook);
        panic!(
            "fuzz {name}: panic at execution {n} (DISCRW_FUZZ_SEED={})\n  input ({} bytes): {}\n  shrunk ({} bytes): {}",
            env_u64("DISCRW_FUZZ_SEED", 0),
            input.len(),
            hex(input),
            small.len(),
            hex(&small)
        );
    };

    // The deterministic stage gets at most half the executions, shared among the seeds,
    // so big seeds cannot crowd out havoc.
    let per_seed = (iters / 2 / seeds.len() as u64).max(1);
    'det: for s in seeds {
        for input in deterministic_inputs(s).take(per_seed as usize) {
            if n >= iters {
                break 'det;
            }
            n += 1;
            if panics(f, &input) {
                fail(n, &input);
            }
            if n.is_multiple_of(1024) && start.elapsed() > cap {
                capped = true;
                break 'det;
            }
        }
    }
    let deterministic = n;

    let mut rng = Rng::new(seed);
    let mut prev: Vec<u8> = Vec::new();
    while n < iters && !capped {
        let (mut input, idx) = if !prev.is_empty() && rng.chance(5) {
            (prev.clone(), None)
        } else {
            let i = rng.below(seeds.len());
            (seeds[i].bytes.clone(), Some(i))
        };
        havoc(&mut rng, &mut input, seeds, idx, dict);
        n += 1;
        if panics(f, &input) {
            fail(n, &input);
        }
        prev = input;
        if n.is_multiple_of(1024) && start.elapsed() > cap {
            capped = true;
        }
    }

    let report = Report {
        executions: n,
        deterministic,
        elapsed: start.elapsed(),
        capped_by_time: capped,
    };
    println!(
        "fuzz {name}: {} executions ({} deterministic, {} havoc) in {:.1} s{}, {} seeds, 0 panics",
        report.executions,
        report.deterministic,
        report.executions - report.deterministic,
        report.elapsed.as_secs_f64(),
        if capped { " (time cap reached)" } else { "" },
        seeds.len()
    );
    report
}
