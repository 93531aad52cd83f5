//! A scripted transport for drive-layer tests: answers by CDB prefix. Shared by the
//! integration tests (`common::script`) and the drive unit tests (src/drive/tests.rs includes
//! this file by path); the including module has `DataDirection`, `Outcome`, `Transport` and
//! `Duration` in scope.

use super::{DataDirection, Duration, Outcome, Transport};

#[derive(Clone)]
pub enum Reply {
    /// GOOD; for data-in, these bytes (transferred = their length, capped by the buffer: a
    /// shorter answer is a residual count).
    Data(Vec<u8>),
    /// GOOD, the whole buffer transferred (or no data phase).
    Good,
    /// CHECK CONDITION with fixed-format sense key/ASC/ASCQ.
    Sense(u8, u8, u8),
    /// Host adapter error, no data (e.g. DID_TIME_OUT = 03h after the SG_IO timeout).
    Host(u16),
    /// DID_ERROR (07h), leaving these stale bytes in the data-in buffer.
    Stale(Vec<u8>),
}

struct Rule {
    prefix: Vec<u8>,
    reply: Reply,
    once: bool,
}

/// A scripted drive. Rules are tried in order; a `once` rule is used up by its first match.
/// Unknown commands get ILLEGAL REQUEST, invalid command operation code (05/20/00).
#[derive(Default)]
pub struct Script {
    rules: Vec<Rule>,
    /// Every CDB received, in order.
    pub log: Vec<Vec<u8>>,
    /// The data-out buffer of every command that had one.
    pub written: Vec<Vec<u8>>,
}

impl Script {
    pub fn on(self, prefix: &[u8], reply: Reply) -> Self {
        self.rule(prefix, reply, false)
    }
    pub fn once(self, prefix: &[u8], reply: Reply) -> Self {
        self.rule(prefix, reply, true)
    }
    fn rule(mut self, prefix: &[u8], reply: Reply, once: bool) -> Self {
        self.rules.push(Rule {
            prefix: prefix.to_vec(),
            reply,
            once,
        });
        self
    }
    /// How many commands with this operation code were received.
    pub fn count(&self, opcode: u8) -> usize {
        self.log.iter().filter(|c| c[0] == opcode).count()
    }
}

/// SPC-4 Table 48 fixed-format sense data, ADDITIONAL SENSE LENGTH 0Ah.
pub fn fixed_sense(key: u8, asc: u8, ascq: u8) -> Vec<u8> {
    vec![
        0x70, 0, key, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0,
    ]
}

impl Transport for Script {
    fn execute(&mut self, cdb: &[u8], data: DataDirection<'_>, _: Duration) -> Outcome {
        self.log.push(cdb.to_vec());
        let Some(i) = self.rules.iter().position(|r| cdb.starts_with(&r.prefix)) else {
            return Outcome::CheckCondition {
                sense: fixed_sense(0x05, 0x20, 0x00),
                transferred: 0,
            };
        };
        let reply = if self.rules[i].once {
            self.rules.remove(i).reply
        } else {
            self.rules[i].reply.clone()
        };
        if let DataDirection::ToDevice(b) = &data {
            self.written.push(b.to_vec());
        }
        match reply {
            Reply::Good => Outcome::Good {
                transferred: data.len(),
            },
            Reply::Data(d) => match data {
                DataDirection::FromDevice(buf) => {
                    let n = d.len().min(buf.len());
                    buf[..n].copy_from_slice(&d[..n]);
                    Outcome::Good { transferred: n }
                }
                other => Outcome::Good {
                    transferred: other.len(),
                },
            },
            Reply::Sense(k, a, q) => Outcome::CheckCondition {
                sense: fixed_sense(k, a, q),
                transferred: 0,
            },
            Reply::Host(h) => Outcome::TransportError {
                host_status: h,
                driver_status: 0,
            },
            Reply::Stale(stale) => {
                if let DataDirection::FromDevice(buf) = data {
                    let n = stale.len().min(buf.len());
                    buf[..n].copy_from_slice(&stale[..n]);
                }
                Outcome::TransportError {
                    host_status: 0x07,
                    driver_status: 0,
                }
            }
        }
    }
    fn name(&self) -> &str {
        "script"
    }
    fn max_transfer_bytes(&self) -> usize {
        65536
    }
}

/// Answers of a DVD writer holding a blank DVD+R, each from its MMC-6 table.
pub mod blank_dvd_plus_r {
    /// GET CONFIGURATION: Table 86 header, CURRENT PROFILE DVD+R (001Bh); Profile List
    /// (DVD+R current); DVD+R feature (002Bh, Write bit set).
    #[rustfmt::skip]
    pub const CONFIGURATION: [u8; 28] = [
        0x00, 0x00, 0x00, 0x1C, 0x00, 0x00, 0x00, 0x1B,
        0x00, 0x00, 0x03, 0x08, 0x00, 0x1B, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00,
        0x00, 0x2B, 0x01, 0x04, 0x01, 0x00, 0x00, 0x00,
    ];
    /// READ DISC INFORMATION, Table 522: empty disc, 1 session, tracks 1..1, last possible
    /// lead-out start 230540h.
    #[rustfmt::skip]
    pub const DISC_INFORMATION: [u8; 34] = [
        0x00, 0x20, 0x00, 0x01, 0x01, 0x01, 0x01, 0x20, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x05, 0x40,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    /// READ TRACK INFORMATION, Table 540: track 1, blank, NWA_V, NWA 0, free 230540h.
    #[rustfmt::skip]
    pub const TRACK_INFORMATION: [u8; 48] = [
        0x00, 0x2E, 0x01, 0x01, 0x00, 0x05, 0x41, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x05, 0x40,
        0x00, 0x00, 0x00, 0x10, 0x00, 0x23, 0x05, 0x40, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
    ];
}
