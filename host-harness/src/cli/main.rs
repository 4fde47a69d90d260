//! `blindspot`: replay recorded audit streams through the detection plugin and write enriched Parquet.
//!
//! Exit status: 0 success, 1 `--expect` mismatch, 2 bad usage, configuration or input path,
//! 3 a failure during the run (output not writable, plugin could not be restarted), 130 a replay
//! stopped by SIGINT/SIGTERM (its output is complete up to the stop; `--resume` continues it).
//!
//! This file parses the command line and dispatches; each subcommand's flags and what it does are in
//! the module of the same name.

mod bench;
mod config_schema;
mod exit;
mod filter;
mod plugin;
mod remote;
mod replay;
mod report;
mod rules;
mod synth;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "blindspot",
    version,
    about = "Detect monitoring-evasion changes in cloud and container audit streams"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay files or directories (NDJSON, JSON arrays, CloudTrail Records files, .gz) and write
    /// every event, enriched, to Parquet. With no INPUT, replays the bundled testdata.
    Replay(replay::ReplayArgs),
    /// Summarise an output (enriched table, partitioned dataset or OCSF findings) and optionally
    /// write a self-contained HTML report.
    Report(report::ReportArgs),
    /// Read NDJSON events on stdin and write each line enriched (a `blindspot` key added) on stdout.
    Filter(filter::FilterArgs),
    /// Write a deterministic synthetic stream (NDJSON; flow logs as text lines) for benchmarks and
    /// memory tests: recorded events with fresh ids and an advancing clock, a seedable benign/attack mix.
    Synth(synth::SynthArgs),
    /// Measure the performance targets in one run on one NDJSON file (generated when none is given):
    /// serde_json validation and Value parsing, the plugin in wasmtime and natively, replay end to end to
    /// Parquet, and a Python json.loads loop; prints every rate and the targets' ratios.
    Bench(bench::BenchArgs),
    /// Print the JSON Schema of the configuration document (docs/config.schema.json is generated with
    /// this; editors use it to complete and check `--config` files).
    ConfigSchema,
    /// List every rule the plugin implements.
    Rules(rules::RulesArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Replay(args) => replay::run(args),
        Command::Report(args) => report::run(args),
        Command::Filter(args) => filter::run(args),
        Command::Synth(args) => synth::run(args),
        Command::Bench(args) => bench::run(args),
        Command::ConfigSchema => config_schema::run(),
        Command::Rules(args) => rules::run(args),
    };
    exit::status(result)
}
