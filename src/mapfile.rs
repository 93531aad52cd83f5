//! GNU ddrescue mapfile: read, write, atomically replace.
