//! Blank (CD-RW, DVD-RW) and format (DVD+RW, DVD-RW restricted overwrite, BD-RE).
