//! `blindspot`: replay recorded audit streams through the detection plugin and write enriched Parquet.
//!
//! Exit status: 0 success, 1 `--expect` mismatch, 2 bad usage, configuration or input path,
//! 3 a failure during the run (output not writable, plugin trapped).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use blindspot_host::detector::{self, Detector, NativeDetector};
use blindspot_host::parquet_out::ParquetSink;
use blindspot_host::wasm_host::{self, LoadedPlugin};
use blindspot_host::{expect, filter, replay};

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

#[derive(Clone, Copy, ValueEnum)]
enum EngineKind {
    /// The plugin component inside wasmtime (what pipelines run).
    Wasm,
    /// The same engine linked natively (for comparison and debugging).
    Native,
}

#[derive(clap::Args)]
struct PluginArgs {
    /// Configuration document (JSON) handed to the plugin's `configure`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Which build of the engine runs.
    #[arg(long, value_enum, default_value = "wasm")]
    engine: EngineKind,
    /// A plugin component to load instead of the one built with this binary.
    #[arg(long, value_name = "WASM")]
    plugin: Option<PathBuf>,
    /// Do not cache the compiled component on disk.
    #[arg(long)]
    no_cache: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Replay files or directories (NDJSON, JSON arrays, CloudTrail Records files, .gz) and write
    /// every event, enriched, to Parquet. With no INPUT, replays the bundled testdata.
    Replay {
        /// Files or directories; directories are searched for *.json, *.ndjson, *.jsonl, *.log (and .gz).
        input: Vec<PathBuf>,
        /// Output Parquet file.
        #[arg(long, default_value = "out/blindspot.parquet")]
        out: PathBuf,
        /// Expected findings: a *.expected.json file or a directory of them. Exit 1 on any mismatch.
        #[arg(long, value_name = "FILE")]
        expect: Option<PathBuf>,
        /// Write only alert rows (unsuppressed findings of at least medium severity).
        #[arg(long)]
        alerts_only: bool,
        /// Inputs handed to the plugin per call.
        #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65536))]
        batch_size: u32,
        /// Print nothing but errors and the expectation report.
        #[arg(long, short)]
        quiet: bool,
        #[command(flatten)]
        plugin: PluginArgs,
    },
    /// Read NDJSON events on stdin and write each line enriched (a `blindspot` key added) on stdout.
    Filter {
        /// Process and flush each line as it arrives (interactive pipes, exec stages).
        #[arg(long)]
        line_buffered: bool,
        /// Drop lines that carry no alert.
        #[arg(long)]
        alerts_only: bool,
        /// Lines handed to the plugin per call when not line-buffered.
        #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65536))]
        batch_size: u32,
        #[command(flatten)]
        plugin: PluginArgs,
    },
    /// List every rule the plugin implements.
    Rules {
        /// Print JSON instead of a table.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the Markdown rule catalogue (docs/rules.md is generated with this).
        #[arg(long)]
        markdown: bool,
        #[command(flatten)]
        plugin: PluginArgs,
    },
}

/// An error that maps to an exit status.
#[derive(Debug, thiserror::Error)]
enum Fatal {
    #[error("{0}")]
    Usage(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("blindspot: error: {e:#}");
            if e.downcast_ref::<Fatal>().is_some()
                || e.downcast_ref::<detector::ConfigRejected>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(3)
            }
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Replay {
            input,
            out,
            expect,
            alerts_only,
            batch_size,
            quiet,
            plugin,
        } => {
            let inputs = if input.is_empty() {
                vec![bundled_testdata()]
            } else {
                input
            };
            for path in &inputs {
                if !path.exists() {
                    return Err(
                        Fatal::Usage(format!("input {} does not exist", path.display())).into(),
                    );
                }
            }
            let mut expectations = match &expect {
                Some(path) => Some(
                    expect::Expectations::load(path).map_err(|e| Fatal::Usage(format!("{e:#}")))?,
                ),
                None => None,
            };
            let mut detector = load_detector(&plugin)?;
            let options = replay::ReplayOptions {
                inputs,
                alerts_only,
                batch_size: batch_size as usize,
                progress: !quiet && std::io::stderr().is_terminal(),
            };
            let sink = Box::new(ParquetSink::create(&out)?);
            let summary = replay::replay(detector.as_mut(), sink, &options, expectations.as_mut())?;
            if !quiet {
                print!("{}", summary.render(&out));
            }
            if let Some(expectations) = &expectations {
                let report = expectations.compare();
                print!("{}", report.text);
                if report.mismatches > 0 {
                    return Ok(ExitCode::from(1));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Filter {
            line_buffered,
            alerts_only,
            batch_size,
            plugin,
        } => {
            let mut detector = load_detector(&plugin)?;
            let options = filter::FilterOptions {
                line_buffered,
                batch_size: batch_size as usize,
                alerts_only,
            };
            let stdin = std::io::stdin();
            let stdout = std::io::stdout();
            let counts = filter::run(
                detector.as_mut(),
                &mut stdin.lock(),
                &mut std::io::BufWriter::new(stdout.lock()),
                &options,
            )?;
            if counts.errors > 0 {
                eprintln!(
                    "blindspot filter: {} line(s), {} unreadable (written with an error), {} dropped",
                    counts.lines, counts.errors, counts.dropped
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules {
            json,
            markdown,
            plugin,
        } => {
            let mut detector = load_detector(&plugin)?;
            let rules = detector.rules()?;
            let mut stdout = std::io::stdout().lock();
            if markdown {
                stdout.write_all(blindspot_host::catalogue::markdown(&rules).as_bytes())?;
            } else if json {
                serde_json::to_writer_pretty(&mut stdout, &rules)?;
                writeln!(stdout)?;
            } else {
                writeln!(
                    stdout,
                    "{:<44} {:<10} {:<9} {:<16} title",
                    "id", "technique", "severity", "sources"
                )?;
                for rule in rules {
                    let sources: Vec<&str> = rule.sources.iter().map(|s| s.as_str()).collect();
                    writeln!(
                        stdout,
                        "{:<44} {:<10} {:<9} {:<16} {}{}",
                        rule.id,
                        rule.technique_id,
                        rule.default_severity.as_str(),
                        sources.join(","),
                        rule.title,
                        if rule.enabled { "" } else { " (disabled)" }
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `testdata/` in the working directory, else the one this binary was built from.
fn bundled_testdata() -> PathBuf {
    let local = PathBuf::from("testdata");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn load_detector(args: &PluginArgs) -> Result<Box<dyn Detector>> {
    let config = match &args.config {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            Fatal::Usage(format!("cannot read configuration {}: {e}", path.display()))
        })?),
        None => None,
    };
    let mut detector: Box<dyn Detector> = match args.engine {
        EngineKind::Native => Box::new(NativeDetector::default()),
        EngineKind::Wasm => {
            let cache = if args.no_cache {
                None
            } else {
                wasm_host::default_cache_dir()
            };
            let plugin = match &args.plugin {
                Some(path) => LoadedPlugin::from_file(path, cache.as_deref())?,
                None => LoadedPlugin::bundled(cache.as_deref())?,
            };
            Box::new(plugin.instantiate()?)
        }
    };
    if let Some(config) = config {
        detector
            .configure(&config)
            .context("configuring the plugin")??;
    }
    Ok(detector)
}
