//! Time as the jobs and the emulated drive see it.
//!
//! On hardware this is the wall clock. In tests the emulated drive and the jobs share a
//! `VirtualClock`, so buffer drain, underruns, retries and back-offs are deterministic and
//! take no real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A source of monotonic time that can also be slept on.
pub trait Clock: Send + Sync {
    /// Time elapsed since the clock's origin.
    fn now(&self) -> Duration;
    /// Let `d` pass.
    fn sleep(&self, d: Duration);
    /// True when time only moves when someone sleeps (tests).
    fn is_virtual(&self) -> bool {
        false
    }
}

/// Shared handle to a clock.
pub type SharedClock = Arc<dyn Clock>;

/// The wall clock.
#[derive(Debug)]
pub struct RealClock {
    origin: Instant,
}

impl RealClock {
    pub fn new() -> Self {
        RealClock {
            origin: Instant::now(),
        }
    }

    /// A shared wall clock.
    pub fn shared() -> SharedClock {
        Arc::new(RealClock::new())
    }
}

impl Default for RealClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for RealClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
}

/// A clock that moves only when slept on: `sleep(d)` advances it by `d` at once.
#[derive(Debug, Default)]
pub struct VirtualClock {
    nanos: AtomicU64,
}

impl VirtualClock {
    pub fn new() -> Self {
        VirtualClock {
            nanos: AtomicU64::new(0),
        }
    }

    /// A shared virtual clock.
    pub fn shared() -> Arc<VirtualClock> {
        Arc::new(VirtualClock::new())
    }

    /// Move time forward without anyone sleeping (a test stepping the world).
    pub fn advance(&self, d: Duration) {
        self.nanos
            .fetch_add(d.as_nanos().min(u64::MAX as u128) as u64, Ordering::SeqCst);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
    fn sleep(&self, d: Duration) {
        self.advance(d)
    }
    fn is_virtual(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_moves_only_on_sleep() {
        let c = VirtualClock::new();
        assert_eq!(c.now(), Duration::ZERO);
        c.sleep(Duration::from_millis(250));
        assert_eq!(c.now(), Duration::from_millis(250));
        c.advance(Duration::from_secs(1));
        assert_eq!(c.now(), Duration::from_millis(1250));
    }

    #[test]
    fn real_clock_is_monotonic() {
        let c = RealClock::new();
        let a = c.now();
        c.sleep(Duration::from_millis(2));
        assert!(c.now() >= a + Duration::from_millis(2));
    }
}
