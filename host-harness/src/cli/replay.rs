//! `blindspot replay`: its flags, the sink they describe, the settings a `--resume` must match, and the
//! run from flags to exit status.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use blindspot_host::output::lake::{LakeOptions, LakeSink, PartitionKey};
use blindspot_host::output::ocsf::{OcsfFormat, OcsfSink};
use blindspot_host::output::table::ParquetSink;
use blindspot_host::output::threaded::ThreadedSink;
use blindspot_host::output::{RowSink, fanout};
use blindspot_host::replay::checkpoint::{self, RunSettings};
use blindspot_host::replay::expect::Expectations;
use blindspot_host::replay::{self, interrupt};
use clap::ValueEnum;

use blindspot_host::replay::select::Selection;
use blindspot_host::storage::location::{DayRange, is_remote};

use crate::exit::usage;
use crate::plugin::PluginArgs;
use crate::remote;

#[derive(clap::Args)]
pub struct ReplayArgs {
    /// Files or directories; directories are searched for *.json, *.ndjson, *.jsonl, *.log (and .gz).
    /// Also s3://, gs://, az://, https:// URLs of objects or prefixes (listed recursively, in key
    /// order; see docs/object-storage.md).
    input: Vec<PathBuf>,
    /// Output Parquet file (or directory with --partition-by); a local path or an object-store URL.
    #[arg(long, default_value = "out/blindspot.parquet")]
    out: PathBuf,
    /// Only CloudTrail files of this day (YYYY-MM-DD, UTC) and later, by their key
    /// (`AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/`).
    #[arg(long, value_name = "DATE")]
    since: Option<chrono::NaiveDate>,
    /// Only CloudTrail files of this day (YYYY-MM-DD, UTC) and earlier, by their key.
    #[arg(long, value_name = "DATE")]
    until: Option<chrono::NaiveDate>,
    /// Read Parquet inputs (*.parquet) whose string column NAME holds one raw JSON event per row; the
    /// row number stands for the line number.
    #[arg(long, value_name = "NAME")]
    input_column: Option<String>,
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
    lake: LakeArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Correlate {
    /// The input files are parts of one stream (e.g. a data lake's hourly objects).
    AcrossFiles,
    /// Every file is a stream of its own: the plugin is flushed at each file's end.
    PerFile,
}

pub fn run(args: ReplayArgs) -> Result<ExitCode> {
    let inputs = if args.input.is_empty() {
        vec![bundled_testdata()]
    } else {
        args.input.clone()
    };
    let selection = Selection {
        days: DayRange {
            since: args.since,
            until: args.until,
        },
        input_column: args.input_column.clone(),
    };
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        return Err(usage(format!("--since {since} is after --until {until}")));
    }
    if args.resume && (is_remote(&args.out) || !selection.is_plain()) {
        return Err(usage(
            "--resume needs a local --out and the same plain inputs; object-store outputs, \
             --since/--until and --input-column runs are not resumable",
        ));
    }
    let inputs = remote::inputs(&inputs, &selection)?;
    let mut expectations = match &args.expect {
        Some(path) => Some(
            Expectations::load(path, args.plugin.config.as_deref())
                .map_err(|e| usage(format!("{e:#}")))?,
        ),
        None => None,
    };
    let lake = &args.lake;
    if args.resume && (lake.partition_by.is_some() || lake.ocsf.is_some()) {
        return Err(usage(
            "--resume completes the single-file enriched table; drop --partition-by/--ocsf",
        ));
    }
    let factory = args.plugin.detector_factory()?;
    let settings = settings(&args)?;
    // Remote outputs are written here first and uploaded when the run has succeeded.
    let mut remote_outputs = remote::RemoteOutputs::default();
    let shape = match lake.partition_by {
        Some(_) => remote::Shape::Dataset,
        None => remote::Shape::File,
    };
    let out = &remote_outputs.local_for(&args.out, shape)?;
    let mut lake = lake.clone();
    if let Some(ocsf) = &lake.ocsf {
        lake.ocsf = Some(remote_outputs.local_for(ocsf, remote::Shape::File)?);
    }
    let resumed = match args.resume {
        true => Some(
            checkpoint::Resume::prepare(out, &settings, &inputs)
                .map_err(|e| usage(format!("{e:#}")))?,
        ),
        false => None,
    };
    let control = replay::RunControl {
        stop: Some(interrupt::install()?),
        stop_after_units: interrupt::test_interrupt_after_units(),
        resume: resumed.as_ref().map(|r| r.checkpoint.clone()),
    };
    let options = replay::ReplayOptions {
        inputs,
        alerts_only: args.alerts_only,
        batch_size: args.batch_size as usize,
        progress: !args.quiet && std::io::stderr().is_terminal(),
        per_file_streams: args.correlate == Correlate::PerFile,
        input_column: args.input_column.clone(),
    };
    // Parquet encoding and zstd run on a writer thread, off the plugin's (see output::threaded).
    let sink = Box::new(ThreadedSink::new(lake.sink(out)?)?);
    let mut summary = if args.jobs > 1 {
        let (exp, jobs) = (expectations.as_mut(), args.jobs as usize);
        replay::replay_parallel(&*factory, jobs, sink, &options, &control, exp)?
    } else {
        let mut detector = factory()?;
        let exp = expectations.as_mut();
        replay::replay_with(detector.as_mut(), sink, &options, &control, exp)?
    };
    if let Some(resumed) = resumed {
        summary.rows_carried = resumed.carry_forward(out)?;
    }
    if !remote_outputs.any() {
        checkpoint::record(out, &settings, summary.interrupted, &summary.progress)?;
    }
    if !args.quiet || summary.interrupted {
        print!("{}", summary.render(&args.out));
    }
    if summary.interrupted {
        if remote_outputs.any() {
            eprintln!("blindspot: interrupted: nothing was uploaded to object storage");
        }
        return Ok(ExitCode::from(interrupt::EXIT_INTERRUPTED));
    }
    remote_outputs.commit(args.quiet)?;
    if let Some(expectations) = &expectations {
        let report = expectations.compare();
        print!("{}", report.text);
        if report.mismatches > 0 {
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a checkpoint must match for `--resume`: every flag that shapes the rows. Left out: what only
/// changes where rows go or what is printed (`--out`, `--expect`, `--quiet`, the cache).
fn settings(args: &ReplayArgs) -> Result<RunSettings> {
    let config = args.plugin.read_config()?.unwrap_or_default();
    let plugin = args.plugin.plugin_identity()?;
    let correlate = match args.correlate {
        Correlate::AcrossFiles => "across-files",
        Correlate::PerFile => "per-file",
    };
    Ok(RunSettings::new()
        .with(
            "configuration",
            checkpoint::fingerprint(&[config.as_bytes()]),
        )
        .with("plugin", checkpoint::fingerprint(&[&plugin]))
        .with("--alerts-only", args.alerts_only)
        // One job and several differ in where correlation windows close.
        .with("--jobs", if args.jobs > 1 { "several" } else { "1" })
        .with("--correlate", correlate)
        // Correlation findings are drained after each batch: the batch size places their rows.
        .with("--batch-size", args.batch_size)
        // The limits decide which events become error rows.
        .with("--plugin-memory-mb", args.plugin.plugin_memory_mb)
        .with("--batch-deadline-ms", args.plugin.batch_deadline_ms))
}

/// `testdata/` in the working directory, else the one this binary was built from.
fn bundled_testdata() -> PathBuf {
    let local = PathBuf::from("testdata");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// The `replay` flags of the data-lake outputs, and the sink they describe.
#[derive(clap::Args, Debug, Clone)]
struct LakeArgs {
    /// Also write every finding (suppressed ones included) as an OCSF 1.4.0 Detection Finding
    /// (class 2004) record to PATH.
    #[arg(long, value_name = "PATH")]
    ocsf: Option<PathBuf>,
    /// Format of the --ocsf output: Parquet (nested structs) or newline-delimited JSON for shippers.
    #[arg(long, value_enum, default_value = "parquet", value_name = "FORMAT")]
    format: OcsfFormatArg,
    /// Write the enriched table as a Hive-partitioned dataset in the --out directory
    /// (`source=.../event_date=YYYY-MM-DD/part-00000.parquet`). KEYS: `date`, `source` or both.
    #[arg(long, value_name = "KEYS")]
    partition_by: Option<String>,
    /// With --partition-by: rows per part file at most.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_rows_per_file: u64,
    /// With --partition-by: a part file is closed once it reaches this many MiB.
    #[arg(long, default_value_t = 256, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..))]
    max_file_mib: u64,
    /// With --partition-by: rows per Parquet row group.
    #[arg(long, default_value_t = 65_536, value_parser = clap::value_parser!(u64).range(1..))]
    row_group_rows: u64,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum OcsfFormatArg {
    Parquet,
    Ndjson,
}

impl LakeArgs {
    /// The enriched table at `out` (one file, or a partitioned dataset) plus the OCSF output, if any.
    /// The returned sink's count is the enriched table's.
    fn sink(&self, out: &Path) -> Result<Box<dyn RowSink>> {
        let table: Box<dyn RowSink> = match &self.partition_by {
            Some(keys) => {
                let options = LakeOptions {
                    partition_by: PartitionKey::parse_list(keys)?,
                    max_rows_per_file: usize::try_from(self.max_rows_per_file)
                        .unwrap_or(usize::MAX),
                    max_file_bytes: self.max_file_mib.saturating_mul(1 << 20),
                    row_group_rows: usize::try_from(self.row_group_rows).unwrap_or(usize::MAX),
                };
                Box::new(LakeSink::create(out, options)?)
            }
            None => Box::new(ParquetSink::create(out)?),
        };
        let mut side: Vec<Box<dyn RowSink>> = Vec::new();
        if let Some(path) = &self.ocsf {
            let format = match self.format {
                OcsfFormatArg::Parquet => OcsfFormat::Parquet,
                OcsfFormatArg::Ndjson => OcsfFormat::Ndjson,
            };
            side.push(Box::new(OcsfSink::create(path, format)?));
        }
        Ok(fanout::combine(table, side))
    }
}
