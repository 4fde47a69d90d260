//! `blindspot`: replay recorded audit streams through the detection plugin and write enriched Parquet.
//!
//! Exit status: 0 success, 1 `--expect` mismatch, 2 bad usage, configuration or input path,
//! 3 a failure during the run (output not writable, plugin could not be restarted), 130 a replay
//! stopped by SIGINT/SIGTERM (its output is complete up to the stop; `--resume` continues it).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use blindspot_host::detector::{self, Detector, NativeDetector};
use blindspot_host::threaded_sink::ThreadedSink;
use blindspot_host::wasm_host::{self, LoadedPlugin};
use blindspot_host::{checkpoint, expect, filter, replay};

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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Correlate {
    /// The input files are parts of one stream (e.g. a data lake's hourly objects).
    AcrossFiles,
    /// Every file is a stream of its own: the plugin is flushed at each file's end.
    PerFile,
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
    /// Sigma rule files, or directories whose `*.yml` / `*.yaml` files are read (not recursively);
    /// added to the configuration's `sigma.rules` with their paths as origins.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    sigma: Vec<PathBuf>,
    /// Which build of the engine runs.
    #[arg(long, value_enum, default_value = "wasm")]
    engine: EngineKind,
    /// A plugin component to load instead of the one built with this binary.
    #[arg(long, value_name = "WASM")]
    plugin: Option<PathBuf>,
    /// Do not cache the compiled component on disk.
    #[arg(long)]
    no_cache: bool,
    /// Linear memory one plugin instance may use, in MiB; an event that needs more becomes an error row.
    #[arg(long, value_name = "MIB", default_value_t = blindspot_host::limits::DEFAULT_MEMORY_MB,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    plugin_memory_mb: u64,
    /// Time one plugin call (a batch) may take, in ms; 0 for none. A batch that overruns is retried
    /// event by event and the event that overruns alone becomes an error row.
    #[arg(long, value_name = "MS", default_value_t = blindspot_host::limits::DEFAULT_DEADLINE_MS)]
    batch_deadline_ms: u64,
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
        /// Continue an interrupted run from `<OUT>.checkpoint.json`; the finished file holds every row.
        #[arg(long)]
        resume: bool,
        /// Replay this many input files at once, each on its own plugin instance; rows stay in input
        /// order. With more than one job, correlation spans one file at a time.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=256))]
        jobs: u32,
        /// Whether correlation joins events of different input files (one stream split into files, the
        /// default) or treats each file as a stream of its own (independent recordings).
        #[arg(long, value_enum, default_value = "across-files")]
        correlate: Correlate,
        #[command(flatten)]
        plugin: PluginArgs,
        #[command(flatten)]
        lake: blindspot_host::lake::LakeArgs,
    },
    /// Summarise an output (enriched table, partitioned dataset or OCSF findings) and optionally
    /// write a self-contained HTML report.
    Report(blindspot_host::report::ReportArgs),
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
    /// Write a deterministic synthetic stream (NDJSON; flow logs as text lines) for benchmarks and
    /// memory tests: recorded events with fresh ids and an advancing clock, a seedable benign/attack mix.
    Synth {
        /// Which source; `mixed` draws from all of them.
        #[arg(long, value_enum, default_value = "cloudtrail")]
        source: blindspot_host::synth::SynthSource,
        /// Number of events.
        #[arg(long, conflicts_with = "bytes", default_value_t = 200_000)]
        events: u64,
        /// Size instead of a count: bytes of event text, with an optional K, M or G suffix (powers of 1000).
        #[arg(long, value_parser = parse_size)]
        bytes: Option<u64>,
        /// Share of events that are attacks (sources without attack events ignore it).
        #[arg(long, default_value_t = 0.01)]
        attack_ratio: f64,
        /// Seed: the same seed writes the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file; gzip-compressed when it ends in `.gz`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Measure the performance targets in one run on one NDJSON file (generated when none is given):
    /// serde_json validation and Value parsing, the plugin in wasmtime and natively, replay end to end to
    /// Parquet, and a Python json.loads loop; prints every rate and the targets' ratios.
    Bench {
        /// Input file; without it a stream is generated into a temporary file.
        input: Option<PathBuf>,
        /// Source of the generated stream.
        #[arg(long, value_enum, default_value = "cloudtrail")]
        source: blindspot_host::synth::SynthSource,
        /// Events in the generated stream.
        #[arg(long, default_value_t = 200_000)]
        events: u64,
        /// Attack share of the generated stream.
        #[arg(long, default_value_t = 0.01)]
        attack_ratio: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Inputs handed to the plugin per call.
        #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65536))]
        batch_size: u32,
        /// Repeat each measurement and keep the fastest.
        #[arg(long, default_value_t = 1)]
        rounds: u32,
        /// Skip the Python json.loads comparison.
        #[arg(long)]
        no_python: bool,
        /// Also measure the wasm plugin with these Sigma rules loaded (files or directories of *.yml).
        #[arg(long, value_name = "PATH", num_args = 1..)]
        sigma: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the configuration document (docs/config.schema.json is generated with
    /// this; editors use it to complete and check `--config` files).
    ConfigSchema,
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
            resume,
            jobs,
            correlate,
            plugin,
            lake,
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
                    expect::Expectations::load(path, plugin.config.as_deref())
                        .map_err(|e| Fatal::Usage(format!("{e:#}")))?,
                ),
                None => None,
            };
            if resume && (lake.partition_by.is_some() || lake.ocsf.is_some()) {
                let msg =
                    "--resume completes the single-file enriched table; drop --partition-by/--ocsf";
                return Err(Fatal::Usage(msg.into()).into());
            }
            let factory = detector_factory(&plugin)?;
            let fingerprint = replay_fingerprint(&plugin, alerts_only, jobs)?;
            let resumed = match resume {
                true => Some(
                    checkpoint::Resume::prepare(&out, &fingerprint, &inputs)
                        .map_err(|e| Fatal::Usage(format!("{e:#}")))?,
                ),
                false => None,
            };
            let control = replay::RunControl {
                stop: Some(blindspot_host::interrupt::install()?),
                stop_after_units: blindspot_host::interrupt::test_interrupt_after_units(),
                resume: resumed.as_ref().map(|r| r.checkpoint.clone()),
            };
            let options = replay::ReplayOptions {
                inputs,
                alerts_only,
                batch_size: batch_size as usize,
                progress: !quiet && std::io::stderr().is_terminal(),
                per_file_streams: correlate == Correlate::PerFile,
            };
            // Parquet encoding and zstd run on a writer thread, off the plugin's (see threaded_sink).
            let sink = Box::new(ThreadedSink::new(lake.sink(&out)?)?);
            let mut summary = if jobs > 1 {
                let (exp, jobs) = (expectations.as_mut(), jobs as usize);
                replay::replay_parallel(&*factory, jobs, sink, &options, &control, exp)?
            } else {
                let mut detector = factory()?;
                let exp = expectations.as_mut();
                replay::replay_with(detector.as_mut(), sink, &options, &control, exp)?
            };
            if let Some(resumed) = resumed {
                summary.rows_carried = resumed.carry_forward(&out)?;
            }
            checkpoint::record(&out, &fingerprint, summary.interrupted, &summary.progress)?;
            if !quiet || summary.interrupted {
                print!("{}", summary.render(&out));
            }
            if summary.interrupted {
                return Ok(ExitCode::from(blindspot_host::interrupt::EXIT_INTERRUPTED));
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
        Command::Report(args) => {
            if !args.path.exists() {
                let missing = format!("{} does not exist", args.path.display());
                return Err(Fatal::Usage(missing).into());
            }
            blindspot_host::report::run(&args, &mut std::io::stdout().lock())?;
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
        Command::Synth {
            source,
            events,
            bytes,
            attack_ratio,
            seed,
            out,
        } => run_synth(source, events, bytes, attack_ratio, seed, &out),
        Command::Bench {
            input,
            source,
            events,
            attack_ratio,
            seed,
            batch_size,
            rounds,
            no_python,
            sigma,
        } => run_bench(
            input,
            blindspot_host::synth::SynthOptions {
                source,
                attack_ratio,
                seed,
            },
            events,
            batch_size,
            rounds,
            !no_python,
            &sigma,
        ),
        Command::ConfigSchema => {
            print!("{}", blindspot_plugin::config::json_schema());
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules {
            json,
            markdown,
            plugin,
        } => {
            let mut detector = load_detector(&plugin)?;
            let rules = detector.rules()?;
            let skipped = detector.skipped_rules()?;
            let mut stdout = std::io::stdout().lock();
            if markdown {
                stdout.write_all(blindspot_host::catalogue::markdown(&rules).as_bytes())?;
                stdout
                    .write_all(blindspot_host::catalogue::skipped_markdown(&skipped).as_bytes())?;
            } else if json {
                if skipped.is_empty() {
                    serde_json::to_writer_pretty(&mut stdout, &rules)?;
                } else {
                    // Rules stay a plain list (what scripts read); skipped Sigma rules need a key.
                    serde_json::to_writer_pretty(
                        &mut stdout,
                        &serde_json::json!({ "rules": rules, "skipped_sigma_rules": skipped }),
                    )?;
                }
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
                    if rule.origin != blindspot_plugin::model::BUILT_IN {
                        writeln!(stdout, "{:<44} from {}", "", rule.origin)?;
                    }
                }
                for s in &skipped {
                    let at = match s.path.is_empty() {
                        true => String::new(),
                        false => format!(" at {}", s.path),
                    };
                    writeln!(
                        stdout,
                        "skipped Sigma rule {} ({}){at}: {}",
                        s.rule, s.origin, s.reason
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
    let detector = detector_factory(args)?()?;
    Ok(detector)
}

/// The configuration document for the plugin: JSON as written, or TOML converted to the same JSON,
/// with the `--sigma` rule files added.
fn read_config(args: &PluginArgs) -> Result<Option<String>> {
    let config = read_config_file(args)?;
    if args.sigma.is_empty() {
        return Ok(config);
    }
    let usage = |e: anyhow::Error| Fatal::Usage(format!("{e:#}"));
    let files = blindspot_host::sigma_files::read(&args.sigma).map_err(usage)?;
    let merged =
        blindspot_host::sigma_files::add_to_config(config.as_deref(), files).map_err(usage)?;
    Ok(Some(merged))
}

fn read_config_file(args: &PluginArgs) -> Result<Option<String>> {
    let Some(path) = &args.config else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Fatal::Usage(format!("cannot read configuration {}: {e}", path.display())))?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        let value: serde_json::Value = toml::from_str(&text).map_err(|e| {
            Fatal::Usage(format!(
                "configuration {} is not valid TOML: {e}",
                path.display()
            ))
        })?;
        return Ok(Some(value.to_string()));
    }
    Ok(Some(text))
}

/// Makes configured detectors: the plugin is compiled once, each call instantiates it (one per job).
fn detector_factory(args: &PluginArgs) -> Result<Box<replay::DetectorFactory>> {
    let config = read_config(args)?;
    let plugin = match args.engine {
        EngineKind::Native => None,
        EngineKind::Wasm => {
            let cache = if args.no_cache {
                None
            } else {
                wasm_host::default_cache_dir()
            };
            let limits = blindspot_host::limits::Limits::from_cli(
                args.plugin_memory_mb,
                args.batch_deadline_ms,
            );
            Some(match &args.plugin {
                Some(path) => LoadedPlugin::from_file_with(path, cache.as_deref(), limits)?,
                None => LoadedPlugin::bundled_with(cache.as_deref(), limits)?,
            })
        }
    };
    Ok(Box::new(move || {
        let mut detector: Box<dyn Detector + Send> = match &plugin {
            None => Box::new(NativeDetector::default()),
            Some(plugin) => Box::new(plugin.instantiate()?),
        };
        if let Some(config) = &config {
            detector
                .configure(config)
                .context("configuring the plugin")??;
        }
        Ok(detector)
    }))
}

/// What a checkpoint must match for `--resume`: everything that shapes the rows.
fn replay_fingerprint(args: &PluginArgs, alerts_only: bool, jobs: u32) -> Result<String> {
    let config = read_config(args)?.unwrap_or_default();
    let plugin = match (args.engine, &args.plugin) {
        (EngineKind::Native, _) => b"native".to_vec(),
        (EngineKind::Wasm, Some(path)) => std::fs::read(path)
            .with_context(|| format!("reading plugin component {}", path.display()))?,
        (EngineKind::Wasm, None) => wasm_host::BUNDLED_PLUGIN.to_vec(),
    };
    // One job and several differ in where correlation windows close.
    let mode = [u8::from(alerts_only), u8::from(jobs > 1)];
    Ok(checkpoint::fingerprint(&[
        config.as_bytes(),
        &plugin,
        &mode,
    ]))
}

fn run_synth(
    source: blindspot_host::synth::SynthSource,
    events: u64,
    bytes: Option<u64>,
    attack_ratio: f64,
    seed: u64,
    out: &Path,
) -> Result<ExitCode> {
    use blindspot_host::synth::{self, Limit, SynthOptions};
    let options = SynthOptions {
        source,
        attack_ratio,
        seed,
    };
    let limit = match bytes {
        Some(bytes) => Limit::Bytes(bytes),
        None => Limit::Events(events),
    };
    synth::Generator::new(options).map_err(|e| Fatal::Usage(format!("{e:#}")))?;
    let stats = synth::write_file(options, limit, out)?;
    println!(
        "wrote {} event(s) ({} attack(s)), {} bytes of event text, to {}",
        stats.events,
        stats.attacks,
        stats.bytes,
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn run_bench(
    input: Option<PathBuf>,
    synth_options: blindspot_host::synth::SynthOptions,
    events: u64,
    batch_size: u32,
    rounds: u32,
    python: bool,
    sigma: &[PathBuf],
) -> Result<ExitCode> {
    use blindspot_host::{bench, sigma_files, synth};
    let sigma_config = match sigma.is_empty() {
        true => None,
        false => Some(sigma_files::add_to_config(None, sigma_files::read(sigma)?)?),
    };
    let (input, generated) = match input {
        Some(path) => (path, false),
        None => {
            let path = std::env::temp_dir().join(format!(
                "blindspot-bench-input-{}.ndjson",
                std::process::id()
            ));
            let stats = synth::write_file(synth_options, synth::Limit::Events(events), &path)?;
            println!(
                "generated {:?} stream: {} events ({} attacks), seed {}",
                synth_options.source, stats.events, stats.attacks, synth_options.seed
            );
            (path, true)
        }
    };
    let options = bench::BenchOptions {
        sigma_config,
        input: input.clone(),
        batch_size: batch_size as usize,
        rounds,
        python,
        cache_dir: wasm_host::default_cache_dir(),
    };
    let report = bench::run(&options);
    if generated {
        let _ = std::fs::remove_file(&input);
    }
    bench::print(&report?, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

/// `200M`, `2G`, `1500000`: decimal multiples, as sizes of data sets are usually quoted.
fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let (digits, scale) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 1_000),
        Some((i, 'm' | 'M')) => (&text[..i], 1_000_000),
        Some((i, 'g' | 'G')) => (&text[..i], 1_000_000_000),
        _ => (text, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("{text:?} is not a size (a number with an optional K, M or G)"))
}
