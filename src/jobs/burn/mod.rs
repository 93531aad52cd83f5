//! Burn: write an image to blank (or erasable) media with the MMC sequence its family
//! needs, streaming through a FIFO so the drive never runs dry, then verify it.
//! See docs/burn.md.

pub mod fifo;
pub mod source;
