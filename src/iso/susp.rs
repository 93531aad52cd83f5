//! System Use Sharing Protocol 1.12 and Rock Ridge (RRIP 1.10/1.12) entries of a directory
//! record's system use field, with continuation areas (CE) followed under a budget.

use super::bytes::{both32, dir_record_time, field, u8_at};
use super::{IsoError, Result, SECTOR, SectorSource};

/// Most continuation areas followed for one directory record (SUSP §5.1 chains).
const MAX_CE_HOPS: usize = 16;
/// Largest continuation area read (bytes).
const MAX_CE_LEN: u32 = 64 * 1024;

/// What the Rock Ridge entries of one directory record say.
#[derive(Debug, Default, Clone)]
pub struct RockRidge {
    /// SUSP "SP" seen (SUSP §5.3): its LEN_SKP.
    pub sp_skip: Option<u8>,
    /// Extension ids from "ER" entries (SUSP §5.5), e.g. "RRIP_1991A", "IEEE_P1282".
    pub extensions: Vec<String>,
    /// "NM" alternate name (RRIP §4.1.4), joined over continuation; raw bytes.
    pub name: Option<Vec<u8>>,
    /// "PX" (RRIP §4.1.1): mode, links, uid, gid.
    pub mode: Option<u32>,
    pub nlink: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// "SL" symlink target (RRIP §4.1.3).
    pub symlink: Option<String>,
    /// "TF" modify time (RRIP §4.1.6).
    pub mtime: Option<i64>,
    /// "CL" child link (RRIP §4.1.5.1): the relocated directory's LBA.
    pub child_link: Option<u32>,
    /// "RE" (RRIP §4.1.5.3): this is the relocated directory itself; hide it here.
    pub relocated: bool,
    /// Any RRIP entry at all.
    pub any: bool,
}

/// Parses the system use area `su` (after LEN_SKP) and the continuation areas it points at.
pub fn parse<S: SectorSource + ?Sized>(src: &mut S, su: &[u8], lba: u64) -> Result<RockRidge> {
    let mut rr = RockRidge::default();
    let mut sl = SlState::default();
    let mut nm_open = true;
    let mut area = su.to_vec();
    for _hop in 0..=MAX_CE_HOPS {
        let mut next: Option<(u32, u32, u32)> = None;
        let mut pos = 0usize;
        while pos + 4 <= area.len() {
            let sig = [area[pos], area[pos + 1]];
            let len = area[pos + 2] as usize;
            if len < 4 || pos + len > area.len() {
                // A bad length ends the area (padding bytes look like this too).
                break;
            }
            let e = &area[pos..pos + len];
            match &sig {
                b"SP" if len >= 7 && e[4] == 0xBE && e[5] == 0xEF => rr.sp_skip = Some(e[6]),
                b"ST" => break,
                b"CE" if len >= 28 => {
                    let loc = both32(e, 4).unwrap_or(0);
                    let off = both32(e, 12).unwrap_or(0);
                    let l = both32(e, 20).unwrap_or(0);
                    next = Some((loc, off, l));
                }
                b"ER" if len >= 8 => {
                    let id_len = e[4] as usize;
                    if let Some(id) = field(e, 8, id_len) {
                        rr.extensions.push(String::from_utf8_lossy(id).into_owned());
                    }
                }
                b"PX" if len >= 36 => {
                    rr.any = true;
                    rr.mode = both32(e, 4);
                    rr.nlink = both32(e, 12);
                    rr.uid = both32(e, 20);
                    rr.gid = both32(e, 28);
                }
                b"NM" if len >= 5 => {
                    rr.any = true;
                    let flags = e[4];
                    // CURRENT / PARENT flags name "." / ".."; they never name a real entry.
                    if flags & 0x06 == 0 && nm_open {
                        rr.name
                            .get_or_insert_with(Vec::new)
                            .extend_from_slice(&e[5..]);
                        nm_open = flags & 0x01 != 0;
                    } else if flags & 0x06 != 0 {
                        rr.name = Some(if flags & 0x02 != 0 {
                            b".".to_vec()
                        } else {
                            b"..".to_vec()
                        });
                        nm_open = false;
                    }
                }
                b"SL" if len >= 5 => {
                    rr.any = true;
                    sl.add(&e[5..]);
                }
                b"TF" if len >= 5 => {
                    rr.any = true;
                    rr.mtime = tf_modify(e);
                }
                b"CL" if len >= 12 => {
                    rr.any = true;
                    rr.child_link = both32(e, 4);
                }
                b"RE" => {
                    rr.any = true;
                    rr.relocated = true;
                }
                b"RR" | b"PN" | b"PL" | b"SF" | b"ZF" => rr.any = true,
                _ => {}
            }
            pos += len;
        }
        let Some((loc, off, l)) = next else { break };
        if l == 0 || l > MAX_CE_LEN || off as usize >= SECTOR {
            return Err(IsoError::corrupt(
                "SUSP continuation entry (CE)",
                lba,
                format!("block {loc} offset {off} length {l}"),
            ));
        }
        area = src.read_bytes(loc as u64 * SECTOR as u64 + off as u64, l as usize)?;
        if _hop == MAX_CE_HOPS {
            return Err(IsoError::corrupt(
                "SUSP continuation chain",
                lba,
                format!("more than {MAX_CE_HOPS} continuation areas"),
            ));
        }
    }
    if !sl.parts.is_empty() || sl.root {
        rr.symlink = Some(sl.target());
    }
    Ok(rr)
}

/// RRIP §4.1.6: TF flags; bit 7 = 17-byte long form; stamps in bit order; bit 1 = modify.
fn tf_modify(e: &[u8]) -> Option<i64> {
    let flags = u8_at(e, 4)?;
    let size = if flags & 0x80 != 0 { 17 } else { 7 };
    if flags & 0x02 == 0 {
        return None;
    }
    let idx = (flags & 0x01) as usize; // creation precedes modify when present
    let stamp = field(e, 5 + idx * size, size)?;
    if size == 7 {
        dir_record_time(stamp)
    } else {
        super::bytes::vd_time(stamp)
    }
}

/// RRIP §4.1.3.1 symbolic link component records, across several SL entries.
#[derive(Default)]
struct SlState {
    parts: Vec<String>,
    root: bool,
    cont: bool,
}

impl SlState {
    fn add(&mut self, mut comps: &[u8]) {
        while comps.len() >= 2 {
            let flags = comps[0];
            let len = comps[1] as usize;
            let Some(content) = comps.get(2..2 + len) else {
                return;
            };
            let text: String = if flags & 0x02 != 0 {
                ".".into()
            } else if flags & 0x04 != 0 {
                "..".into()
            } else if flags & 0x08 != 0 {
                self.root = true;
                self.parts.clear();
                comps = &comps[2 + len..];
                self.cont = false;
                continue;
            } else {
                String::from_utf8_lossy(content).into_owned()
            };
            match (self.cont, self.parts.last_mut()) {
                (true, Some(last)) => last.push_str(&text),
                _ => self.parts.push(text),
            }
            self.cont = flags & 0x01 != 0;
            comps = &comps[2 + len..];
        }
    }

    fn target(&self) -> String {
        let joined = self.parts.join("/");
        if self.root {
            format!("/{joined}")
        } else {
            joined
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso::ImageFile;
    use std::io::Cursor;

    fn empty() -> ImageFile<Cursor<Vec<u8>>> {
        ImageFile::new(Cursor::new(vec![0u8; 4096])).unwrap()
    }

    #[test]
    fn nm_px_sl_tf() {
        // Entries laid out per RRIP 1.12 §4.1: NM "abc" (continued) + NM "d"; PX 36 bytes;
        // SL "/usr/../lib"; TF with modify only (flags 0x02), short form.
        let mut su = vec![];
        su.extend_from_slice(&[b'N', b'M', 8, 1, 1, b'a', b'b', b'c']);
        su.extend_from_slice(&[b'N', b'M', 6, 1, 0, b'd']);
        let mut px = vec![b'P', b'X', 36, 1];
        for v in [0o120777u32, 1, 1000, 100] {
            px.extend_from_slice(&v.to_le_bytes());
            px.extend_from_slice(&v.to_be_bytes());
        }
        su.extend_from_slice(&px);
        su.extend_from_slice(&[
            b'S', b'L', 19, 1, 0, 0x08, 0, 0, 3, b'u', b's', b'r', 0x04, 0, 0, 3, b'l', b'i', b'b',
        ]);
        su.extend_from_slice(&[b'T', b'F', 12, 1, 0x02, 100, 1, 1, 0, 0, 0, 0]);
        let rr = parse(&mut empty(), &su, 0).unwrap();
        assert_eq!(rr.name.as_deref(), Some(&b"abcd"[..]));
        assert_eq!(rr.mode, Some(0o120777));
        assert_eq!(rr.uid, Some(1000));
        assert_eq!(rr.symlink.as_deref(), Some("/usr/../lib"));
        assert_eq!(rr.mtime, Some(946_684_800));
    }

    #[test]
    fn bad_ce_is_an_error_not_a_panic() {
        let mut ce = vec![b'C', b'E', 28, 1];
        for v in [1000u32, 0, 100] {
            ce.extend_from_slice(&v.to_le_bytes());
            ce.extend_from_slice(&v.to_be_bytes());
        }
        assert!(parse(&mut empty(), &ce, 0).is_err());
    }
}
