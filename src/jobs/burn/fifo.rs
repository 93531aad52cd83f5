//! The FIFO between the image reader thread and the writer thread(s): a bounded queue of
//! reusable chunk buffers, like cdrskin's and growisofs' ring buffer, with the statistics
//! they print (times empty, times full, minimum fill).
//!
//! One producer, one or more consumers (one per drive when burning several at once). Each
//! chunk stays in the queue until every consumer still attached has taken it; a consumer
//! whose drive failed detaches and no longer holds the others back. Waits are condition
//! variables, never clock sleeps: the FIFO itself takes no (virtual) time.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// One piece of the image: `data` holds the bytes, `offset` where they start in the image.
#[derive(Debug, PartialEq, Eq)]
pub struct Chunk {
    pub offset: u64,
    pub data: Vec<u8>,
}

/// What the FIFO saw, for the end-of-burn report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FifoStats {
    /// Capacity in bytes.
    pub capacity_bytes: u64,
    /// How often a consumer found the FIFO empty and had to wait (after the initial fill).
    pub times_empty: u64,
    /// How often the producer found it full and had to wait.
    pub times_full: u64,
    /// Lowest fill seen by a consumer taking a chunk, in bytes (after the initial fill).
    pub min_fill_bytes: u64,
}

impl FifoStats {
    /// Minimum fill as a fraction of the capacity.
    pub fn min_fill_fraction(&self) -> f64 {
        if self.capacity_bytes == 0 {
            0.0
        } else {
            self.min_fill_bytes as f64 / self.capacity_bytes as f64
        }
    }
}

struct State {
    /// Chunks in image order; `queue[0]` has sequence number `base`.
    queue: VecDeque<Arc<Chunk>>,
    base: u64,
    /// Bytes held in `queue`.
    bytes: u64,
    /// Next sequence number each consumer takes; `None` once it detached.
    cursors: Vec<Option<u64>>,
    /// Buffers to reuse.
    free: Vec<Vec<u8>>,
    /// The producer finished (`Ok`) or failed (`Err(message)`).
    end: Option<Result<(), String>>,
    /// Consumers start counting "empty" once the FIFO was full (or ended) once.
    primed: bool,
    /// Consumers currently blocked on an empty FIFO.
    starved: usize,
    stats: FifoStats,
}

/// Why a consumer gets no more chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pop {
    Chunk(Arc<Chunk>),
    /// The whole image was delivered.
    End,
    /// The reader failed (message says why).
    Failed(String),
    /// The FIFO was shut down (cancel).
    Closed,
}

/// The shared FIFO. Clone the `Arc` for each thread.
pub struct Fifo {
    state: Mutex<State>,
    /// Signalled when chunks arrive or the producer ends.
    data: Condvar,
    /// Signalled when room appears.
    room: Condvar,
    capacity: u64,
    chunk_bytes: usize,
    closed: AtomicBool,
}

impl Fifo {
    /// A FIFO of `capacity_bytes` (rounded up to whole chunks, at least two) handing out
    /// chunks of `chunk_bytes`, for `consumers` writers.
    pub fn new(capacity_bytes: u64, chunk_bytes: usize, consumers: usize) -> Arc<Fifo> {
        let chunk_bytes = chunk_bytes.max(1);
        let chunks = capacity_bytes.div_ceil(chunk_bytes as u64).max(2);
        let capacity = chunks * chunk_bytes as u64;
        Arc::new(Fifo {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                base: 0,
                bytes: 0,
                cursors: vec![Some(0); consumers.max(1)],
                free: Vec::new(),
                end: None,
                primed: false,
                starved: 0,
                stats: FifoStats {
                    capacity_bytes: capacity,
                    min_fill_bytes: capacity,
                    ..FifoStats::default()
                },
            }),
            data: Condvar::new(),
            room: Condvar::new(),
            capacity,
            chunk_bytes,
            closed: AtomicBool::new(false),
        })
    }

    pub fn capacity_bytes(&self) -> u64 {
        self.capacity
    }

    pub fn chunk_bytes(&self) -> usize {
        self.chunk_bytes
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking thread cannot leave the queue half-updated in a way that matters
        // more than stopping: keep going with the data as it is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A buffer of `chunk_bytes` capacity (reused when one is free), empty.
    pub fn buffer(&self) -> Vec<u8> {
        let mut s = self.lock();
        match s.free.pop() {
            Some(mut b) => {
                b.clear();
                b
            }
            None => Vec::with_capacity(self.chunk_bytes),
        }
    }

    /// Current fill, 0.0..=1.0 (bytes not yet taken by the slowest consumer).
    pub fn fill(&self) -> f32 {
        let s = self.lock();
        (s.bytes as f64 / self.capacity as f64) as f32
    }

    /// True while every attached consumer is blocked on an empty FIFO (or none is left):
    /// the writers have nothing to do. A test source uses this to let virtual time pass
    /// only then.
    pub fn consumers_starved(&self) -> bool {
        let s = self.lock();
        let active = s.cursors.iter().filter(|c| c.is_some()).count();
        s.starved >= active
    }

    /// Add a chunk; waits while the FIFO is full. Returns false when every consumer has
    /// detached or the FIFO was closed (the producer should stop).
    pub fn push(&self, chunk: Chunk) -> bool {
        let len = chunk.data.len() as u64;
        let mut s = self.lock();
        let mut counted = false;
        loop {
            if self.closed.load(Ordering::SeqCst) || s.cursors.iter().all(|c| c.is_none()) {
                return false;
            }
            if s.bytes + len <= self.capacity || s.queue.is_empty() {
                break;
            }
            if !s.primed {
                // Writers blocked in `wait_primed` start now.
                s.primed = true;
                self.data.notify_all();
            }
            if !counted {
                s.stats.times_full += 1;
                counted = true;
            }
            s = self.room.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.bytes += len;
        s.queue.push_back(Arc::new(chunk));
        drop(s);
        self.data.notify_all();
        true
    }

    /// The producer delivered everything (`Ok`) or failed.
    pub fn finish(&self, result: Result<(), String>) {
        let mut s = self.lock();
        s.end = Some(result);
        s.primed = true;
        drop(s);
        self.data.notify_all();
    }

    /// Stop everything: producer and consumers return at once.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _g = self.lock();
        self.data.notify_all();
        self.room.notify_all();
    }

    /// True once `close` was called (the burn is being stopped).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Wait until the FIFO is full or the producer ended (writers start on a full FIFO,
    /// as cdrskin does, so the drive starts with the most reserve there can be).
    pub fn wait_primed(&self) {
        let mut s = self.lock();
        while !s.primed && !self.closed.load(Ordering::SeqCst) {
            // Waiting for the first fill is waiting for data too (see `consumers_starved`).
            s.starved += 1;
            s = self.data.wait(s).unwrap_or_else(|e| e.into_inner());
            s.starved -= 1;
        }
    }

    /// Consumer `id` takes its next chunk, waiting while there is none.
    pub fn pop(&self, id: usize) -> Pop {
        let mut s = self.lock();
        let mut counted = false;
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return Pop::Closed;
            }
            let Some(Some(cur)) = s.cursors.get(id).copied() else {
                return Pop::Closed;
            };
            let idx = (cur - s.base) as usize;
            if let Some(c) = s.queue.get(idx).cloned() {
                // Fill as this consumer sees it, before taking the chunk.
                let ahead: u64 = s.queue.iter().skip(idx).map(|c| c.data.len() as u64).sum();
                if s.primed && s.end.is_none() && ahead < s.stats.min_fill_bytes {
                    s.stats.min_fill_bytes = ahead;
                }
                s.cursors[id] = Some(cur + 1);
                self.trim(&mut s);
                drop(s);
                self.room.notify_all();
                return Pop::Chunk(c);
            }
            match &s.end {
                Some(Ok(())) => return Pop::End,
                Some(Err(m)) => return Pop::Failed(m.clone()),
                None => {}
            }
            if s.primed && !counted {
                s.stats.times_empty += 1;
                s.stats.min_fill_bytes = 0;
                counted = true;
            }
            s.starved += 1;
            s = self.data.wait(s).unwrap_or_else(|e| e.into_inner());
            s.starved -= 1;
        }
    }

    /// Consumer `id` stops taking chunks (its drive failed); the others go on.
    pub fn detach(&self, id: usize) {
        let mut s = self.lock();
        if let Some(c) = s.cursors.get_mut(id) {
            *c = None;
        }
        self.trim(&mut s);
        drop(s);
        self.room.notify_all();
        self.data.notify_all();
    }

    /// Drop chunks every attached consumer has taken; keep their buffers for reuse.
    fn trim(&self, s: &mut State) {
        let min = s.cursors.iter().flatten().min().copied();
        let upto = min.unwrap_or(s.base + s.queue.len() as u64);
        while s.base < upto {
            let Some(c) = s.queue.pop_front() else { break };
            s.base += 1;
            s.bytes -= c.data.len() as u64;
            if let Ok(chunk) = Arc::try_unwrap(c) {
                s.free.push(chunk.data);
            }
        }
    }

    /// Recycle a chunk a consumer is done with (its buffer is reused if nobody else
    /// holds it).
    pub fn give_back(&self, c: Arc<Chunk>) {
        if let Ok(chunk) = Arc::try_unwrap(c) {
            let mut s = self.lock();
            if s.free.len() < 4 {
                s.free.push(chunk.data);
            }
        }
    }

    pub fn stats(&self) -> FifoStats {
        let s = self.lock();
        let mut st = s.stats;
        if !s.primed {
            st.min_fill_bytes = 0;
        }
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(off: u64, n: usize, v: u8) -> Chunk {
        Chunk {
            offset: off,
            data: vec![v; n],
        }
    }

    #[test]
    fn delivers_in_order_to_every_consumer() {
        let f = Fifo::new(4096, 1024, 2);
        let p = f.clone();
        let t = std::thread::spawn(move || {
            for i in 0..20u64 {
                assert!(p.push(chunk(i * 1024, 1024, i as u8)));
            }
            p.finish(Ok(()));
        });
        let mut handles = Vec::new();
        for id in 0..2 {
            let f = f.clone();
            handles.push(std::thread::spawn(move || {
                let mut seen = Vec::new();
                loop {
                    match f.pop(id) {
                        Pop::Chunk(c) => {
                            seen.push(c.data[0]);
                            f.give_back(c);
                        }
                        Pop::End => break,
                        other => panic!("{other:?}"),
                    }
                }
                seen
            }));
        }
        t.join().unwrap();
        for h in handles {
            assert_eq!(h.join().unwrap(), (0..20).collect::<Vec<u8>>());
        }
        let st = f.stats();
        assert_eq!(st.capacity_bytes, 4096);
        assert!(st.times_full > 0);
    }

    #[test]
    fn detached_consumer_does_not_block_the_others() {
        let f = Fifo::new(2048, 1024, 2);
        f.detach(1);
        let p = f.clone();
        let t = std::thread::spawn(move || {
            for i in 0..10u64 {
                assert!(p.push(chunk(i * 1024, 1024, 0)));
            }
            p.finish(Ok(()));
        });
        let mut n = 0;
        while let Pop::Chunk(_) = f.pop(0) {
            n += 1;
        }
        t.join().unwrap();
        assert_eq!(n, 10);
        assert_eq!(f.pop(1), Pop::Closed);
    }

    #[test]
    fn counts_empty_after_priming_and_reports_failure() {
        let f = Fifo::new(2048, 1024, 1);
        assert!(f.push(chunk(0, 1024, 1)));
        assert!(f.push(chunk(1024, 1024, 2)));
        let p = f.clone();
        let t = std::thread::spawn(move || {
            // Third push finds it full.
            assert!(p.push(chunk(2048, 1024, 3)));
            while !p.consumers_starved() {
                std::thread::yield_now();
            }
            p.finish(Err("read error".into()));
        });
        f.wait_primed();
        assert!(matches!(f.pop(0), Pop::Chunk(_)));
        // Let the blocked third push land, so the only empty wait is the final one.
        while f.fill() < 1.0 {
            std::thread::yield_now();
        }
        for _ in 0..2 {
            assert!(matches!(f.pop(0), Pop::Chunk(_)));
        }
        assert_eq!(f.pop(0), Pop::Failed("read error".into()));
        t.join().unwrap();
        let st = f.stats();
        assert_eq!(st.times_full, 1);
        assert_eq!(st.times_empty, 1);
        assert_eq!(st.min_fill_bytes, 0);
    }

    #[test]
    fn all_detached_stops_the_producer() {
        let f = Fifo::new(1024, 1024, 1);
        f.detach(0);
        assert!(!f.push(chunk(0, 10, 0)));
    }
}
