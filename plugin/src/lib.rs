//! blindspot's detection engine. Three layers, kept apart:
//! - `sources`: recognise and parse each log source (one module per source) and its envelopes;
//! - `rules`: detections, one module per family of monitoring-evasion behaviour;
//! - `enrich` (with `config`): turn detections into findings with context, suppression and response.
//!
//! `engine::Engine` drives them. Built for wasm32-wasip2, the `component` module exports the engine
//! through the WIT contract in `wit/blindspot.wit`; built for wasm32-wasip1, `fluent_bit` exports
//! Fluent Bit's filter calling convention; natively the library serves tests, benchmarks and the
//! harness's native engine.

#[cfg(not(target_arch = "wasm32"))]
pub mod cases;
pub mod config;
pub mod correlation;
pub mod engine;
pub mod enrich;
pub mod enrichment_json;
pub mod model;
pub mod rules;
pub mod sanitize;
pub mod sigma;
pub mod sigma_findings;
pub mod sources;

#[cfg(all(target_arch = "wasm32", target_env = "p2"))]
mod component;

#[cfg(all(target_arch = "wasm32", target_env = "p1"))]
pub mod fluent_bit;
#[cfg(any(test, all(target_arch = "wasm32", target_env = "p1")))]
pub mod fluent_bit_sigma;

pub use engine::Engine;
