//! The memory a TCMU device shares with its handler: the mapping of /dev/uioN's map0, read
//! and written only through bounds-checked accessors. The kernel writes the mailbox head,
//! the command entries and data-out buffers; we write the tail, the responses and data-in
//! buffers. Nothing read from here is trusted: every offset is checked against the mapped
//! length before use (Documentation/target/tcmu-design.rst asks handlers to treat the ring
//! as hostile, and the kernel treats ours the same way).
//!
//! The `unsafe` of the attach adapter is here and in `kmod.rs`, nowhere else.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU32, Ordering, fence};

/// An offset or length from the ring that falls outside the mapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {len} bytes at offset {off} are outside the {size}-byte shared area")]
pub struct OutOfMap {
    pub what: &'static str,
    pub off: u64,
    pub len: u64,
    pub size: usize,
}

enum Backing {
    /// A MAP_SHARED mapping of a uio device, unmapped on drop.
    Mapped,
    /// Heap memory laid out as the kernel lays out the ring (unit tests of the ring code).
    /// Kept as u64 so 4-byte fields are aligned, as they are in the real mapping.
    Heap(#[allow(dead_code)] Box<[u64]>),
}

/// The shared area: a pointer and a length, with accessors that check both.
pub struct Shared {
    ptr: *mut u8,
    len: usize,
    backing: Backing,
}

// SAFETY: the area is plain memory (a shared mapping or our own heap block); we hand out no
// references into it, only copies, so moving the handle to another thread is sound.
unsafe impl Send for Shared {}

impl Shared {
    /// Map `len` bytes of map0 of the uio device open as `file` (read-write, shared).
    pub fn map(file: &File, len: usize) -> std::io::Result<Shared> {
        if len == 0 {
            return Err(std::io::Error::other("map0 has size 0"));
        }
        // SAFETY: a fresh mapping chosen by the kernel (addr NULL) of a descriptor we hold;
        // the result is checked against MAP_FAILED before use and unmapped only in Drop.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Shared {
            ptr: p.cast(),
            len,
            backing: Backing::Mapped,
        })
    }

    /// A zeroed heap area of `len` bytes (rounded up to 8) standing in for the mapping.
    pub fn heap(len: usize) -> Shared {
        let mut b = vec![0u64; len.div_ceil(8)].into_boxed_slice();
        let ptr = b.as_mut_ptr().cast::<u8>();
        Shared {
            ptr,
            len,
            backing: Backing::Heap(b),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn check(&self, what: &'static str, off: u64, len: u64) -> Result<usize, OutOfMap> {
        let end = off.checked_add(len);
        match end {
            Some(e) if e <= self.len as u64 => Ok(off as usize),
            _ => Err(OutOfMap {
                what,
                off,
                len,
                size: self.len,
            }),
        }
    }

    fn atomic_u32(&self, what: &'static str, off: u64) -> Result<&AtomicU32, OutOfMap> {
        let at = self.check(what, off, 4)?;
        if at % 4 != 0 {
            return Err(OutOfMap {
                what,
                off,
                len: 4,
                size: self.len,
            });
        }
        // SAFETY: `at..at + 4` is inside the area (checked) and 4-aligned (the area starts
        // page- or 8-aligned); AtomicU32 has u32's layout, and the kernel accesses the word
        // with 32-bit loads and stores too. The reference lives no longer than `self`.
        Ok(unsafe { &*self.ptr.add(at).cast::<AtomicU32>() })
    }

    /// Load a 32-bit field the kernel updates (the mailbox's cmd_head), with acquire order:
    /// entries the kernel wrote before moving the head are visible after this load.
    pub fn load_acquire(&self, what: &'static str, off: u64) -> Result<u32, OutOfMap> {
        Ok(self.atomic_u32(what, off)?.load(Ordering::Acquire))
    }

    /// Store a 32-bit field the kernel reads (the mailbox's cmd_tail), with release order:
    /// the responses written before are visible to the kernel once it sees the new value.
    pub fn store_release(&self, what: &'static str, off: u64, v: u32) -> Result<(), OutOfMap> {
        self.atomic_u32(what, off)?.store(v, Ordering::Release);
        fence(Ordering::SeqCst);
        Ok(())
    }

    /// Copy bytes out of the area.
    pub fn read(&self, what: &'static str, off: u64, out: &mut [u8]) -> Result<(), OutOfMap> {
        let at = self.check(what, off, out.len() as u64)?;
        // SAFETY: the source range is inside the area (checked); `out` is our own buffer and
        // cannot overlap the shared area (it is never handed out).
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.add(at), out.as_mut_ptr(), out.len()) };
        Ok(())
    }

    /// Copy bytes into the area.
    pub fn write(&self, what: &'static str, off: u64, data: &[u8]) -> Result<(), OutOfMap> {
        let at = self.check(what, off, data.len() as u64)?;
        // SAFETY: the destination range is inside the area (checked); `data` is our own
        // buffer, disjoint from the shared area.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.add(at), data.len()) };
        Ok(())
    }

    /// Run `f` on `len` bytes of the area as a byte slice of its own: a command's data-in
    /// buffer the drive writes in place (one copy fewer per command than `write`).
    pub fn with_slice_mut<R>(
        &self,
        what: &'static str,
        off: u64,
        len: u64,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> Result<R, OutOfMap> {
        let at = self.check(what, off, len)?;
        // The only ranges handed out are the data-in buffers of the command being served,
        // which the kernel leaves alone until that command is completed (TCMU design: an
        // entry's data area belongs to user space until its response is posted).
        // SAFETY: the range is inside the area (checked); nothing else touches these bytes
        // while `f` runs (see above), and the slice does not outlive `f`.
        let slice = unsafe { std::slice::from_raw_parts_mut(self.ptr.add(at), len as usize) };
        Ok(f(slice))
    }

    /// Zero `len` bytes of the area.
    pub fn zero(&self, what: &'static str, off: u64, len: u64) -> Result<(), OutOfMap> {
        let at = self.check(what, off, len)?;
        // SAFETY: the range is inside the area (checked).
        unsafe { std::ptr::write_bytes(self.ptr.add(at), 0, len as usize) };
        Ok(())
    }

    pub fn read_u32(&self, what: &'static str, off: u64) -> Result<u32, OutOfMap> {
        let mut b = [0u8; 4];
        self.read(what, off, &mut b)?;
        Ok(u32::from_ne_bytes(b))
    }

    pub fn read_u64(&self, what: &'static str, off: u64) -> Result<u64, OutOfMap> {
        let mut b = [0u8; 8];
        self.read(what, off, &mut b)?;
        Ok(u64::from_ne_bytes(b))
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Backing::Mapped = self.backing {
            // SAFETY: `ptr`/`len` are exactly the mapping made in `map`, unmapped once, here;
            // no reference into it outlives `self`.
            unsafe { libc::munmap(self.ptr.cast(), self.len) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_access_is_bounds_checked() {
        let s = Shared::heap(64);
        let mut b = [0u8; 8];
        assert!(s.read("x", 56, &mut b).is_ok());
        let e = s.read("cdb", 57, &mut b).unwrap_err();
        assert_eq!((e.what, e.off, e.len, e.size), ("cdb", 57, 8, 64));
        assert!(
            s.read("x", u64::MAX - 2, &mut b).is_err(),
            "offset + len wraps"
        );
        assert!(s.write("x", 64, &[1]).is_err());
        assert!(s.zero("x", 60, 5).is_err());
        assert!(s.load_acquire("head", 62).is_err(), "unaligned");
        assert!(s.load_acquire("head", 64).is_err());
    }

    #[test]
    fn writes_read_back() {
        let s = Shared::heap(128);
        s.write("x", 10, &[1, 2, 3]).unwrap();
        s.store_release("tail", 64, 0xDEAD_BEEF).unwrap();
        let mut b = [0u8; 3];
        s.read("x", 10, &mut b).unwrap();
        assert_eq!(b, [1, 2, 3]);
        assert_eq!(s.load_acquire("tail", 64).unwrap(), 0xDEAD_BEEF);
        assert_eq!(s.read_u32("tail", 64).unwrap(), 0xDEAD_BEEF);
        s.zero("x", 10, 3).unwrap();
        s.read("x", 10, &mut b).unwrap();
        assert_eq!(b, [0, 0, 0]);
    }
}
