//! blindspot's detection engine. Three layers, kept apart:
//! - `sources`: recognise and parse each log source (one module per source) and its envelopes;
//! - `rules`: detections, one module per family of monitoring-evasion behaviour;
//! - `enrich` (with `config`): turn detections into findings with context, suppression and response.
//!
//! `engine::Engine` drives them. On wasm32 the `component` module exports the engine through the WIT
//! contract in `wit/blindspot.wit`; natively the library is used directly by tests and benchmarks.

pub mod config;
pub mod engine;
pub mod enrich;
pub mod model;
pub mod rules;
pub mod sources;

#[cfg(target_arch = "wasm32")]
mod component;

pub use engine::Engine;
