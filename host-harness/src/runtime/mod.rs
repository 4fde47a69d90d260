//! Running the engine. [`detector`] is what the rest of the harness talks to; the native engine needs
//! nothing else, the wasm component needs the `runtime` feature (wasmtime).

pub mod catalogue;
pub mod detector;
#[cfg(feature = "runtime")]
pub mod fluent_bit;
#[cfg(feature = "runtime")]
pub mod limits;
pub mod sigma_files;
#[cfg(feature = "runtime")]
pub mod wasm_host;
