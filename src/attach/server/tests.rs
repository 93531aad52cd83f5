//! The ring served by the emulated drive, end to end: entries laid out at the uapi header's
//! offsets (as in ring/tests.rs), answers checked against MMC / SPC byte layouts.

use super::*;
use crate::clock::VirtualClock;
use crate::emu::EmuDrive;

const MAP: usize = 1 << 20;
const CMDR_OFF: u64 = 128;
const CMDR_SIZE: u32 = 64 << 10;
const DATA: u64 = CMDR_OFF + CMDR_SIZE as u64;

fn put(s: &Shared, off: u64, b: &[u8]) {
    s.write("test", off, b).unwrap();
}

fn get(s: &Shared, off: u64, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    s.read("test", off, &mut v).unwrap();
    v
}

/// The kernel's side: queue entries one after another, move the head.
struct Kernel {
    head: u32,
}

impl Kernel {
    fn queue(&mut self, s: &Shared, id: u16, cdb: &[u8], iov: Option<(u64, u64)>) -> u64 {
        let base = CMDR_OFF + u64::from(self.head);
        let iovs = u64::from(iov.is_some());
        let cdb_at = base + 48 + 16 * iovs;
        let len = ((cdb_at + 16 - base).div_ceil(8) * 8).max(112) as u32;
        put(s, base, &(len | 1).to_le_bytes());
        put(s, base + 4, &id.to_le_bytes());
        put(s, base + 8, &(iovs as u32).to_le_bytes());
        put(s, base + 24, &cdb_at.to_le_bytes());
        if let Some((b, l)) = iov {
            put(s, base + 48, &b.to_le_bytes());
            put(s, base + 56, &l.to_le_bytes());
        }
        put(s, cdb_at, cdb);
        self.head += len;
        put(s, 12, &self.head.to_le_bytes());
        base
    }
}

fn server_with(drive: EmuDrive) -> (Server<EmuDrive>, tempfile::TempDir) {
    let s = Shared::heap(MAP);
    put(&s, 0, &2u16.to_le_bytes());
    put(&s, 2, &super::super::ring::CAP_READ_LEN.to_le_bytes());
    put(&s, 4, &(CMDR_OFF as u32).to_le_bytes());
    put(&s, 8, &CMDR_SIZE.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let kick = File::create(dir.path().join("uio")).unwrap();
    (Server::with_shared("uio9", kick, s, drive).unwrap(), dir)
}

fn pressed(dir: &Path, blocks: usize) -> (EmuDrive, Vec<u8>) {
    let img: Vec<u8> = (0..blocks * 2048)
        .map(|i| (i / 2048 + i % 7) as u8)
        .collect();
    let p = dir.join("d.iso");
    std::fs::write(&p, &img).unwrap();
    let d = EmuDrive::open_image(&p, None, VirtualClock::shared()).unwrap();
    (d, img)
}

#[test]
fn inquiry_and_read10_reach_the_initiator_through_the_ring() {
    let tmp = tempfile::tempdir().unwrap();
    let (drive, img) = pressed(tmp.path(), 64);
    let (mut srv, _d) = server_with(drive);
    let mut k = Kernel { head: 0 };
    let s = srv.shared();
    put(s, DATA, &[0xEE; 96]);
    let inq = k.queue(s, 1, &[0x12, 0, 0, 0, 96, 0], Some((DATA, 96)));
    let rd = k.queue(
        s,
        2,
        &[0x28, 0, 0, 0, 0, 10, 0, 0, 4, 0],
        Some((DATA + 4096, 4 * 2048)),
    );
    let tur = k.queue(s, 3, &[0, 0, 0, 0, 0, 0], None);
    assert_eq!(srv.serve_pending().unwrap(), 3);
    let s = srv.shared();
    // Standard INQUIRY data (SPC-4 Table 148): peripheral device type 05h (MMC), RMB.
    let d = get(s, DATA, 96);
    assert_eq!(d[0] & 0x1F, 0x05);
    assert_eq!(d[1] & 0x80, 0x80);
    let n = u32::from_le_bytes(get(s, inq + 12, 4).try_into().unwrap()) as usize;
    assert!((36..96).contains(&n), "read_len {n}");
    assert!(
        d[n..].iter().all(|&b| b == 0),
        "no stale byte past the answer"
    );
    assert_eq!(get(s, inq + 8, 1), [0], "GOOD");
    assert_eq!(get(s, DATA + 4096, 4 * 2048), img[10 * 2048..14 * 2048]);
    assert_eq!(get(s, rd + 12, 4), (4u32 * 2048).to_le_bytes());
    assert_eq!(get(s, tur + 8, 1), [0]);
    assert_eq!(
        u32::from_le_bytes(get(s, 64, 4).try_into().unwrap()),
        k.head,
        "tail"
    );
}

#[test]
fn a_rejected_command_carries_its_sense_and_writes_reach_the_medium_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("m.vdisc");
    let opts = crate::emu::CreateOptions {
        kind: "dvd+r".parse().unwrap(),
        from: None,
        capacity: Some(10_000),
        faults: None,
    };
    crate::emu::create(&path, &opts).unwrap();
    let drive = EmuDrive::open(&path, VirtualClock::shared()).unwrap();
    let (mut srv, _d) = server_with(drive);
    let mut k = Kernel { head: 0 };
    let s = srv.shared();
    // REPORT KEY (A4h) is not implemented: ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE.
    let bad = k.queue(
        s,
        1,
        &[0xA4, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0],
        Some((DATA, 8)),
    );
    // WRITE(10) of 16 blocks at LBA 0 from the data area.
    let data: Vec<u8> = (0..16 * 2048).map(|i| (i % 253) as u8).collect();
    put(s, DATA + 8192, &data);
    let wr = k.queue(
        s,
        2,
        &[0x2A, 0, 0, 0, 0, 0, 0, 0, 16, 0],
        Some((DATA + 8192, data.len() as u64)),
    );
    srv.serve_pending().unwrap();
    let s = srv.shared();
    assert_eq!(get(s, bad + 8, 1), [2], "CHECK CONDITION");
    let sense = get(s, bad + 16, 14);
    assert_eq!((sense[2] & 0x0F, sense[12], sense[13]), (5, 0x20, 0));
    assert_eq!(get(s, wr + 8, 1), [0]);
    let mut drive = srv.into_drive();
    drive.save_if_changed().unwrap();
    drop(drive);
    let d = EmuDrive::open(&path, VirtualClock::shared()).unwrap();
    assert_eq!(
        d.state().tracks[0].recorded,
        16,
        "the write is on the medium"
    );
}
