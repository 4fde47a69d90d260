//! The blindspot host harness as a library. The `blindspot` binary (`src/cli/`) is a thin layer over it.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`runtime`] | running the engine: the [`Detector`](runtime::detector::Detector) trait, the native engine, and (feature `runtime`) the wasmtime host with its limits and the Fluent Bit module host |
//! | [`replay`] | input framing, the replay loop (one thread or `--jobs N`), checkpoints and interruption, the run's summary, expectations |
//! | [`output`] | the row model, the sink trait and its implementations: the enriched Parquet table, the partitioned lake, OCSF findings, writer thread, fan-out; reading outputs back for `report` |
//! | [`storage`] | object-store URLs (`s3://`, `gs://`, `az://`, `https://`) as inputs and outputs: listing (CloudTrail's day layout), streaming reads, staged uploads (feature `object-store`, on by default) |
//! | [`dev`] | tools for measuring: the synthetic stream generator and (feature `runtime`) the benchmark |
//!
//! Without the default `runtime` feature nothing links wasmtime: the row model, the Arrow/Parquet and
//! OCSF schemas and record batches, the lake and the expectations are usable on their own, with events
//! from the natively linked `blindspot_plugin::Engine`.

pub mod dev;
pub mod output;
pub mod replay;
pub mod runtime;
pub mod storage;
