//! The integration tests, one module per area, linked into one test binary (each binary links wasmtime
//! and arrow; one link instead of thirteen). `common` and `rows` are shared helpers; fixtures live in
//! `tests/fixtures/`.

mod common;
mod rows;
#[cfg(feature = "object-store")]
mod s3_server;

mod adversarial;
mod component_contract;
mod config_files;
mod determinism;
mod filter_cli;
mod fluent_bit_filter;
mod isolation;
mod lake_outputs;
#[cfg(feature = "object-store")]
mod object_store_s3;
mod parallel_replay;
mod replay_testdata;
mod report_html;
mod resume;
mod rule_cases;
mod sigma_hosts;
mod state_cap;
