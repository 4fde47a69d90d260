//! The blindspot host harness as a library: loading the plugin (wasm or native), reading inputs,
//! writing Parquet and checking expectations. The `blindspot` binary is a thin CLI over it.

pub mod catalogue;
pub mod detector;
pub mod expect;
pub mod filter;
pub mod fluent_bit_host;
pub mod input;
pub mod parquet_out;
pub mod replay;
pub mod sink;
pub mod wasm_host;
