//! `discrw virtual attach`: the emulated drive as a real SCSI device of the running kernel.
//! The target subsystem's TCMU backstore hands every CDB of a LUN to this process through a
//! shared command ring; the loopback fabric (tcm_loop) exports the LUN to this machine, so
//! the kernel's sr and sg drivers give it a /dev/srN and /dev/sgN. See docs/virtual-drive.md.
//!
//! This is the second OS adapter (beside `transport`): `shm` maps the ring and is the only
//! place with `unsafe`, besides `kmod` (loading kernel modules).

pub mod configfs;
pub mod kmod;
pub mod lifecycle;
pub mod ring;
pub mod server;
pub mod shm;
