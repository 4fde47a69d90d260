//! The blindspot host harness as a library: loading the plugin (wasm or native), reading inputs,
//! writing Parquet and checking expectations. The `blindspot` binary is a thin CLI over it.

pub mod bench;
pub mod catalogue;
pub mod checkpoint;
pub mod detector;
pub mod expect;
pub mod fanout;
pub mod filter;
pub mod fluent_bit_host;
pub mod input;
pub mod interrupt;
pub mod lake;
pub mod limits;
pub mod ocsf;
pub mod parquet_out;
pub mod replay;
pub mod report;
pub mod sigma_files;
pub mod sink;
pub mod synth;
pub mod threaded_sink;
pub mod wasm_host;
