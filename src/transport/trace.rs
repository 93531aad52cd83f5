//! Command tracing: every CDB, its outcome, sense bytes and duration, like sg3_utils `-vv`.
//!
//! The transport knows no command meaning, so the caller may hand in a decoder that turns
//! raw sense bytes into text (the CLI passes the `scsi` layer's decoder).

use super::{DataDirection, Outcome, Transport};
use crate::text::hex_spaced as hex;
use std::io::Write;
use std::time::{Duration, Instant};

/// Turns raw sense bytes into a human-readable line.
pub type SenseDecoder = fn(&[u8]) -> String;

/// A transport wrapper that writes one trace block per command to a sink.
pub struct Traced<T: Transport> {
    inner: T,
    level: u8,
    decode: Option<SenseDecoder>,
    sink: Box<dyn Write + Send>,
}

impl<T: Transport> Traced<T> {
    /// Trace to standard error. `level` 1 prints CDB and outcome, 2 and more also sense
    /// bytes and the first data bytes.
    pub fn new(inner: T, level: u8, decode: Option<SenseDecoder>) -> Self {
        Self::with_sink(inner, level, decode, Box::new(std::io::stderr()))
    }

    /// Trace to any sink (tests use a buffer).
    pub fn with_sink(
        inner: T,
        level: u8,
        decode: Option<SenseDecoder>,
        sink: Box<dyn Write + Send>,
    ) -> Self {
        Traced {
            inner,
            level,
            decode,
            sink,
        }
    }

    /// The wrapped transport.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: Transport> Transport for Traced<T> {
    fn execute(&mut self, cdb: &[u8], data: DataDirection<'_>, timeout: Duration) -> Outcome {
        if self.level == 0 {
            return self.inner.execute(cdb, data, timeout);
        }
        let (dir, len) = match &data {
            DataDirection::None => ("none", 0),
            DataDirection::FromDevice(b) => ("in", b.len()),
            DataDirection::ToDevice(b) => ("out", b.len()),
        };
        let started = Instant::now();
        // Keep a pointer-free way to peek at returned data afterwards.
        let mut peek: Vec<u8> = Vec::new();
        let outcome = match data {
            DataDirection::FromDevice(buf) => {
                let o = self
                    .inner
                    .execute(cdb, DataDirection::FromDevice(buf), timeout);
                if self.level >= 2
                    && let Outcome::Good { transferred } = o
                {
                    peek.extend_from_slice(&buf[..transferred.min(buf.len()).min(64)]);
                }
                o
            }
            DataDirection::ToDevice(buf) => {
                // The first bytes sent: parameter lists (MODE SELECT pages, SET STREAMING
                // descriptors, cue sheets) are what a -vv reader needs to see.
                if self.level >= 2 {
                    peek.extend_from_slice(&buf[..buf.len().min(64)]);
                }
                self.inner
                    .execute(cdb, DataDirection::ToDevice(buf), timeout)
            }
            DataDirection::None => self.inner.execute(cdb, DataDirection::None, timeout),
        };
        let took = started.elapsed();
        let mut line = format!(
            "[{}] cdb: {} (data {dir} {len} bytes, timeout {:?})\n",
            self.inner.name(),
            hex(cdb),
            timeout
        );
        match &outcome {
            Outcome::Good { transferred } => {
                line.push_str(&format!("  -> GOOD, {transferred} bytes, {took:?}\n"))
            }
            Outcome::CheckCondition { sense, transferred } => {
                let decoded = self.decode.map(|d| d(sense)).unwrap_or_default();
                line.push_str(&format!(
                    "  -> CHECK CONDITION {decoded}, {transferred} bytes, {took:?}\n"
                ));
                if self.level >= 2 {
                    line.push_str(&format!("     sense: {}\n", hex(sense)));
                }
            }
            Outcome::Status { status } => {
                line.push_str(&format!("  -> status 0x{status:02x}, {took:?}\n"))
            }
            Outcome::TransportError {
                host_status,
                driver_status,
            } => line.push_str(&format!(
                "  -> transport error host_status=0x{host_status:x} driver_status=0x{driver_status:x}, {took:?}\n"
            )),
            Outcome::OsError { errno } => line.push_str(&format!(
                "  -> OS error: {}, {took:?}\n",
                std::io::Error::from_raw_os_error(*errno)
            )),
        }
        if !peek.is_empty() {
            line.push_str(&format!("     data: {}\n", hex(&peek)));
        }
        // Tracing must never fail the command.
        let _ = self.sink.write_all(line.as_bytes());
        outcome
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn max_transfer_bytes(&self) -> usize {
        self.inner.max_transfer_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    struct Fixed(Outcome);
    impl Transport for Fixed {
        fn execute(&mut self, _: &[u8], _: DataDirection<'_>, _: Duration) -> Outcome {
            self.0.clone()
        }
        fn name(&self) -> &str {
            "fixed"
        }
        fn max_transfer_bytes(&self) -> usize {
            65536
        }
    }

    #[derive(Clone)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn trace_shows_cdb_and_sense() {
        let buf = Buf(Arc::new(Mutex::new(Vec::new())));
        let sense = vec![0x70, 0, 0x02, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x3a, 0x00];
        let mut t = Traced::with_sink(
            Fixed(Outcome::CheckCondition {
                sense,
                transferred: 0,
            }),
            2,
            Some(|_s: &[u8]| "NOT READY".to_string()),
            Box::new(buf.clone()),
        );
        let out = t.execute(
            &[0, 0, 0, 0, 0, 0],
            DataDirection::None,
            Duration::from_secs(1),
        );
        assert!(matches!(out, Outcome::CheckCondition { .. }));
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("cdb: 00 00 00 00 00 00"), "{text}");
        assert!(text.contains("CHECK CONDITION NOT READY"), "{text}");
        assert!(text.contains("sense: 70 00 02"), "{text}");
    }
}
