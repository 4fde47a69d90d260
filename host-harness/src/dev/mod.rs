//! Tools for measuring the harness rather than running it: synthetic streams of any size and the
//! performance benchmark.

#[cfg(feature = "runtime")]
pub mod bench;
pub mod synth;
