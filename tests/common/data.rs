//! Data the tests make and check: SHA-256 (in process, beside `sha256sum` in mod.rs, which is
//! the independent one), hex, numeric knobs from the environment, and the two seeded PRNGs.
//! Every generator here is fixed: the same seed gives the same bytes on every run and
//! machine, so a failure seen once is seen again (tests/helpers.rs pins their first outputs).

use sha2::{Digest, Sha256};
use std::path::Path;

/// Lower-case hex of `d`.
pub fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_bytes(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

pub fn sha256_file(p: &Path) -> String {
    sha256_bytes(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// A numeric knob from the environment; a value that is not a number is a loud failure, not
/// a silent default.
pub fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// SplitMix64: small, fast, good enough to drive mutations (the fuzzer, the hostile images),
/// and fully deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`; 0 when `n` is 0, without drawing.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    pub fn byte(&mut self) -> u8 {
        self.next() as u8
    }
    /// One element of `v` (None, without drawing, when it is empty).
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        if v.is_empty() {
            None
        } else {
            Some(&v[self.below(v.len())])
        }
    }
}

/// Xorshift64 (shifts 13, 7, 17) from `seed | 1`: the noise of images and source trees.
pub struct XorShift64(u64);

impl XorShift64 {
    pub fn new(seed: u64) -> XorShift64 {
        XorShift64(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `n` bytes of [`XorShift64`] noise, eight little-endian bytes a step.
pub fn noise_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = XorShift64::new(seed);
    let mut v = Vec::with_capacity(n + 8);
    while v.len() < n {
        v.extend_from_slice(&x.next().to_le_bytes());
    }
    v.truncate(n);
    v
}

/// `sectors` 2048-byte sectors of [`noise_bytes`] (every sector differs).
pub fn noise(sectors: u64, seed: u64) -> Vec<u8> {
    noise_bytes((sectors * 2048) as usize, seed)
}

/// `len` bytes of [`XorShift64`], the low byte of each step (the iso tests' file contents).
pub fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = XorShift64::new(seed);
    (0..len).map(|_| x.next() as u8).collect()
}
