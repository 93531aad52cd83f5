//! A `.cue`/`.bin` image to burn in session-at-once: the sheet read and laid out against its
//! files, the MMC cue sheet for it, the runs of block sizes the writer follows, and the one
//! byte stream the FIFO carries (files in order, generated gaps, MOTOROLA audio swapped to
//! the little-endian order CD-DA is sent in).

use crate::cuefile::{self, TrackMode};
pub use crate::jobs::image::CueImage;
use crate::jobs::image::{Digests, Source, SourceError, hash_all};
use crate::jobs::{Cancel, ProgressSink};
use crate::scsi::cue::{self as mmc_cue, TrackSpec, ctl, data_form};
use std::io::{BufReader, Read, Seek, SeekFrom};

use std::sync::Arc;

/// Burning a cue image: its MMC cue sheet and its byte stream.
impl CueImage {
    /// The SEND CUE SHEET parameter data for this session.
    pub fn cue_sheet(&self) -> Vec<u8> {
        let tracks: Vec<TrackSpec> = self
            .layout
            .tracks
            .iter()
            .map(|t| {
                let mut control = 0;
                if !t.mode.is_audio() {
                    control |= ctl::DATA;
                }
                if t.flags.dcp {
                    control |= ctl::COPY;
                }
                if t.flags.pre_emphasis {
                    control |= ctl::PRE_EMPHASIS;
                }
                if t.flags.four_channel {
                    control |= ctl::FOUR_CHANNEL;
                }
                TrackSpec {
                    number: t.number,
                    control,
                    data_form: match t.mode {
                        TrackMode::Audio => data_form::CD_DA,
                        TrackMode::Mode1Cooked => data_form::MODE1_2048,
                        TrackMode::Mode1Raw => data_form::MODE1_RAW,
                        TrackMode::Mode2Raw => data_form::XA_RAW,
                    },
                    scms: t.flags.scms,
                    isrc: t.isrc,
                    indexes: t.indexes.clone(),
                }
            })
            .collect();
        mmc_cue::session(self.layout.catalog.as_ref(), &tracks, self.layout.leadout)
    }

    /// The byte stream for one burn.
    pub fn source(self: &Arc<Self>) -> CueSource {
        CueSource {
            img: Arc::clone(self),
            extent: 0,
            done: 0,
            buf: Vec::new(),
            pos: 0,
            file: None,
        }
    }

    /// Read the whole stream once before anything is written: proves every file readable
    /// and gives the digests the burn checks the stream against.
    pub fn precheck(
        self: &Arc<Self>,
        sink: &dyn ProgressSink,
        cancel: &Cancel,
    ) -> Result<Digests, SourceError> {
        let total = self.stream_bytes();
        hash_all(&mut self.source(), &self.path, total, sink, cancel)
    }
}

/// The burn's byte stream of a cue image, sector runs in disc order.
pub struct CueSource {
    img: Arc<CueImage>,
    extent: usize,
    /// Sectors of the current extent already produced.
    done: u64,
    buf: Vec<u8>,
    pos: usize,
    file: Option<(usize, BufReader<std::fs::File>)>,
}

impl CueSource {
    /// Produce the next sectors into `buf`; false at the end.
    fn fill(&mut self) -> std::io::Result<bool> {
        let img = Arc::clone(&self.img);
        let Some(e) = img.layout.extents.get(self.extent) else {
            return Ok(false);
        };
        let mode = img.mode(e.track);
        let ss = mode.sector_bytes() as usize;
        let n = (e.sectors - self.done).min(256) as usize;
        self.buf.clear();
        self.pos = 0;
        match e.source {
            cuefile::Source::Gap => {
                for k in 0..n {
                    let lba = e.lba + (self.done + k as u64) as i64;
                    let frames = (lba + 150).max(0) as u64;
                    if mode == TrackMode::Mode1Raw {
                        // Zero user data in a whole mode 1 sector at its own address.
                        let s = crate::ecma130::encode_mode1_at(frames, &[]);
                        self.buf.extend_from_slice(&s);
                    } else if mode == TrackMode::Mode2Raw {
                        // A form 2 sector of zeros (the usual XA gap); its EDC does not
                        // cover the header, so the address is set afterwards.
                        let mut s = crate::ecma130::encode_mode2_form2(0, [0; 4], &[0; 2324]);
                        s[12..15].copy_from_slice(&crate::ecma130::frames_to_msf_bcd(frames));
                        self.buf.extend_from_slice(&s);
                    } else {
                        self.buf.resize(self.buf.len() + ss, 0);
                    }
                }
            }
            cuefile::Source::File { file, offset } => {
                let want = offset + self.done * ss as u64;
                let reopen = !matches!(&self.file, Some((f, _)) if *f == file) || self.done == 0;
                if reopen {
                    let mut r =
                        BufReader::with_capacity(1 << 20, std::fs::File::open(&img.files[file])?);
                    r.seek(SeekFrom::Start(want))?;
                    self.file = Some((file, r));
                }
                let Some((_, r)) = self.file.as_mut() else {
                    return Ok(false);
                };
                self.buf.resize(n * ss, 0);
                r.read_exact(&mut self.buf).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("{}: {e}", img.files[file].display()))
                })?;
                if img.swapped(e.track) {
                    for p in self.buf.chunks_exact_mut(2) {
                        p.swap(0, 1);
                    }
                }
            }
        }
        self.done += n as u64;
        if self.done == e.sectors {
            self.extent += 1;
            self.done = 0;
        }
        Ok(true)
    }
}

impl Source for CueSource {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = (self.buf.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
