//! blindspot's detection engine. Its layers import one way, each only from those before it:
//! - `model` and `sources::json`: the engine's own types and borrowed JSON access;
//! - `sources`: recognise and parse each log source (one module per source) and its envelopes;
//! - `config`: the configuration document, validated;
//! - `rules`: detections, one `declare!` entry each, grouped by family, cloud and service;
//! - `enrich`: detections → findings with context, suppression and response;
//! - `correlation`: findings that several events together prove, on event time;
//! - `interest`: which events any of them could want read in full (the engine's fast path);
//! - `engine`: drives them per input; `component`, `fluent_bit` and `enrichment_json` export it.
//!
//! `sigma` (user rules in Sigma) reads only `model` and `sources`.

#[cfg(not(target_arch = "wasm32"))]
pub mod cases;
pub mod config;
pub mod correlation;
pub mod engine;
pub mod enrich;
pub mod enrichment_json;
pub mod interest;
pub mod model;
mod quiet;
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
