//! Tools for measuring the harness rather than running it: synthetic streams of any size and the
//! performance benchmark.

#[cfg(feature = "runtime")]
pub mod bench;
#[cfg(feature = "runtime")]
pub mod fluent_bit_proxy;
pub mod sigma_rules;
pub mod synth;
