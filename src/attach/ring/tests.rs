//! The ring as the kernel lays it out (target_core_user.h, mailbox version 2), built here
//! byte by byte at the header's offsets, not with the parser's constants.

use super::*;

const MAP: usize = 1 << 16;
const CMDR_OFF: u32 = 128;
const CMDR_SIZE: u32 = 4096;
const DATA: u64 = (CMDR_OFF + CMDR_SIZE) as u64;

fn put(s: &Shared, off: u64, b: &[u8]) {
    s.write("test", off, b).unwrap();
}

fn get(s: &Shared, off: u64, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    s.read("test", off, &mut v).unwrap();
    v
}

/// A mailbox as tcmu_configure_device sets it up: version 2, the given flags.
fn mailbox(flags: u16) -> Shared {
    let s = Shared::heap(MAP);
    put(&s, 0, &2u16.to_le_bytes());
    put(&s, 2, &flags.to_le_bytes());
    put(&s, 4, &CMDR_OFF.to_le_bytes());
    put(&s, 8, &CMDR_SIZE.to_le_bytes());
    s
}

fn set_head(s: &Shared, head: u32) {
    put(s, 12, &head.to_le_bytes());
}

fn tail(s: &Shared) -> u32 {
    u32::from_le_bytes(get(s, 64, 4).try_into().unwrap())
}

/// A CMD entry at ring offset `at`: header, iov_cnt @8, cdb_off @24, iovecs from @48 (the
/// request struct in the entry's union is not packed: cdb_off is 8-aligned; checked by
/// compiling the 6.1 uapi header), the CDB right after them, at least 112 bytes in all.
fn cmd_entry(s: &Shared, at: u32, id: u16, cdb: &[u8], iovs: &[(u64, u64)]) -> u32 {
    let base = (CMDR_OFF + at) as u64;
    let cdb_at = base + 48 + 16 * iovs.len() as u64;
    let len = ((cdb_at + cdb.len() as u64 - base).div_ceil(8) * 8) as u32;
    let len = len.max(112);
    put(s, base, &(len | 1).to_le_bytes());
    put(s, base + 4, &id.to_le_bytes());
    put(s, base + 8, &(iovs.len() as u32).to_le_bytes());
    put(s, base + 24, &cdb_at.to_le_bytes());
    for (k, (b, l)) in iovs.iter().enumerate() {
        put(s, base + 48 + 16 * k as u64, &b.to_le_bytes());
        put(s, base + 56 + 16 * k as u64, &l.to_le_bytes());
    }
    put(s, cdb_at, cdb);
    len
}

const INQUIRY: [u8; 6] = [0x12, 0, 0, 0, 96, 0];

#[test]
fn a_command_is_read_answered_and_passed() {
    let s = mailbox(CAP_READ_LEN);
    let len = cmd_entry(&s, 0, 7, &INQUIRY, &[(DATA, 64), (DATA + 4096, 32)]);
    set_head(&s, len);
    put(&s, DATA, &[0xAA; 64]); // stale bytes from an earlier command
    let mut ring = Ring::new(s).unwrap();
    let e = ring.next().unwrap().expect("one entry");
    let Request::Command(c) = &e.request else {
        panic!("{e:?}")
    };
    assert_eq!(c.cmd_id, 7);
    assert_eq!(c.cdb, INQUIRY);
    assert_eq!(c.data_len(), 96);
    assert!(!c.extra_iovs);
    ring.scatter(c, &[1u8; 70]).unwrap();
    let rsp = Response {
        status: 2,
        sense: vec![0x70, 0, 5],
        read_len: Some(70),
    };
    ring.complete(&e, Some(&rsp)).unwrap();
    let s = ring.shared();
    assert_eq!(get(s, DATA, 64), vec![1u8; 64]);
    let second = get(s, DATA + 4096, 32);
    assert_eq!(
        &second[..6],
        &[1u8; 6],
        "the answer continues in the second buffer"
    );
    assert_eq!(&second[6..], &[0u8; 26], "the rest is zeroed, not stale");
    let base = CMDR_OFF as u64;
    assert_eq!(get(s, base + 8, 1), [2], "scsi_status");
    assert_eq!(get(s, base + 12, 4), 70u32.to_le_bytes(), "read_len");
    assert_eq!(get(s, base + 16, 4), [0x70, 0, 5, 0], "sense");
    assert_eq!(get(s, base + 7, 1), [0x2], "TCMU_UFLAG_READ_LEN");
    assert_eq!(tail(s), len);
    assert!(ring.next().unwrap().is_none(), "tail reached head");
}

#[test]
fn without_the_read_len_capability_no_read_len_is_claimed() {
    let s = mailbox(0);
    let len = cmd_entry(&s, 0, 1, &INQUIRY, &[(DATA, 96)]);
    set_head(&s, len);
    let mut ring = Ring::new(s).unwrap();
    let e = ring.next().unwrap().unwrap();
    let rsp = Response {
        status: 0,
        sense: vec![],
        read_len: Some(36),
    };
    ring.complete(&e, Some(&rsp)).unwrap();
    assert_eq!(get(ring.shared(), CMDR_OFF as u64 + 7, 1), [0]);
    assert_eq!(get(ring.shared(), CMDR_OFF as u64 + 12, 4), [0; 4]);
}

#[test]
fn pad_to_the_end_then_the_ring_wraps() {
    let s = mailbox(CAP_READ_LEN);
    // The previous handler left the tail 256 bytes before the end; a PAD fills them.
    let at = CMDR_SIZE - 256;
    put(&s, 64, &at.to_le_bytes());
    put(&s, (CMDR_OFF + at) as u64, &256u32.to_le_bytes());
    let len = cmd_entry(&s, 0, 2, &[0, 0, 0, 0, 0, 0], &[]);
    set_head(&s, len);
    let mut ring = Ring::new(s).unwrap();
    let pad = ring.next().unwrap().unwrap();
    assert_eq!(pad.request, Request::Pad);
    ring.complete(&pad, None).unwrap();
    assert_eq!(tail(ring.shared()), 0, "tail wrapped to the ring's start");
    let e = ring.next().unwrap().unwrap();
    assert!(matches!(&e.request, Request::Command(c) if c.cmd_id == 2 && c.iovs.is_empty()));
    ring.complete(
        &e,
        Some(&Response {
            status: 0,
            sense: vec![],
            read_len: None,
        }),
    )
    .unwrap();
    assert_eq!(tail(ring.shared()), len);
}

#[test]
fn task_management_and_unknown_entries() {
    let s = mailbox(CAP_TMR);
    let base = CMDR_OFF as u64;
    put(&s, base, &(40u32 | 2).to_le_bytes()); // TCMU_OP_TMR
    put(&s, base + 8, &[1]); // TCMU_TMR_ABORT_TASK
    put(&s, base + 12, &2u32.to_le_bytes());
    put(&s, base + 32, &[5, 0, 9, 0]);
    put(&s, base + 40, &(16u32 | 5).to_le_bytes()); // an opcode from the future
    set_head(&s, 56);
    let mut ring = Ring::new(s).unwrap();
    let t = ring.next().unwrap().unwrap();
    assert_eq!(
        t.request,
        Request::TaskManagement {
            tmr_type: 1,
            cmd_ids: vec![5, 9]
        }
    );
    ring.complete(&t, None).unwrap();
    let u = ring.next().unwrap().unwrap();
    assert_eq!(u.request, Request::Unknown(5));
    ring.complete(&u, None).unwrap();
    assert_eq!(
        get(ring.shared(), base + 40 + 7, 1),
        [1],
        "TCMU_UFLAG_UNKNOWN_OP"
    );
    assert_eq!(tail(ring.shared()), 56);
}

#[test]
fn hostile_rings_are_refused_not_followed() {
    let fresh = |f: &dyn Fn(&Shared)| {
        let s = mailbox(CAP_READ_LEN);
        f(&s);
        Ring::new(s).and_then(|r| r.next().map(|_| ()))
    };
    // Version 1 mailboxes have no cmd_id.
    assert_eq!(
        fresh(&|s| put(s, 0, &1u16.to_le_bytes())),
        Err(RingError::Version(1))
    );
    // A ring that runs past the mapping.
    assert!(matches!(
        fresh(&|s| put(s, 8, &(MAP as u32).to_le_bytes())),
        Err(RingError::Geometry { .. })
    ));
    // Head outside the ring.
    assert!(matches!(
        fresh(&|s| set_head(s, CMDR_SIZE)),
        Err(RingError::Position { .. })
    ));
    // An entry of length 0, and one longer than what the kernel queued.
    assert!(matches!(
        fresh(&|s| {
            put(s, CMDR_OFF as u64, &1u32.to_le_bytes());
            set_head(s, 8);
        }),
        Err(RingError::EntryLength { len: 0, .. })
    ));
    assert!(matches!(
        fresh(&|s| {
            cmd_entry(s, 0, 1, &INQUIRY, &[]);
            set_head(s, 8);
        }),
        Err(RingError::EntryLength { .. })
    ));
    // An iovec pointing into the ring itself, and one past the mapping.
    for iov in [
        (CMDR_OFF as u64, 16),
        (MAP as u64 - 8, 16),
        (DATA, u64::MAX),
    ] {
        let r = fresh(&|s| {
            let len = cmd_entry(s, 0, 1, &INQUIRY, &[iov]);
            set_head(s, len);
        });
        assert!(matches!(r, Err(RingError::Iov { .. })), "{iov:?}: {r:?}");
    }
    // More iovecs than the entry holds.
    let r = fresh(&|s| {
        let len = cmd_entry(s, 0, 1, &INQUIRY, &[]);
        put(s, CMDR_OFF as u64 + 8, &u32::MAX.to_le_bytes());
        set_head(s, len);
    });
    assert!(matches!(r, Err(RingError::IovCount { .. })), "{r:?}");
    // A CDB offset outside the mapping.
    let r = fresh(&|s| {
        let len = cmd_entry(s, 0, 1, &INQUIRY, &[]);
        put(s, CMDR_OFF as u64 + 24, &(MAP as u64).to_le_bytes());
        set_head(s, len);
    });
    assert!(matches!(r, Err(RingError::OutOfMap(_))), "{r:?}");
}

#[test]
fn cdb_lengths_follow_the_group_code() {
    assert_eq!(cdb_length(0x12), 6);
    assert_eq!(cdb_length(0x28), 10);
    assert_eq!(cdb_length(0x5A), 10);
    assert_eq!(cdb_length(0xBE), 12);
    assert_eq!(cdb_length(0xA8), 12);
    assert_eq!(cdb_length(0x88), 16);
}
