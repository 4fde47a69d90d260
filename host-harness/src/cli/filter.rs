//! `blindspot filter`: NDJSON on stdin → enriched NDJSON on stdout, for `exec`-style pipeline stages
//! (Fluentd `exec_filter`, Vector `exec`, shell pipelines). Each input line comes out as one line: the
//! record with the `blindspot` key spliced in (the same bytes the Fluent Bit module returns), or, for
//! a line that is not a JSON object, `{"blindspot": {... "error": ...}, "raw": "<line>"}`. By default
//! only lines with findings gain the key; the others are written unchanged (`--enrich`,
//! `output.enrich`).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Result;
use blindspot_host::runtime::detector::{Detector, Input};
use blindspot_plugin::enrichment_json::{self, Enrich};
use blindspot_plugin::model::EventOutcome;

use crate::plugin::PluginArgs;

#[derive(clap::Args)]
pub struct FilterArgs {
    /// Process and flush each line as it arrives (interactive pipes, exec stages).
    #[arg(long)]
    line_buffered: bool,
    /// Drop lines that carry no alert.
    #[arg(long)]
    alerts_only: bool,
    /// Lines handed to the plugin per call when not line-buffered.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65536))]
    batch_size: u32,
    /// Which lines gain the `blindspot` key: those with findings (the rest are written unchanged)
    /// or all, with their normalised fields. Default: the configuration's `output.enrich`, else
    /// `findings`.
    #[arg(long, value_enum)]
    enrich: Option<EnrichArg>,
    #[command(flatten)]
    plugin: PluginArgs,
}

pub fn run(args: FilterArgs) -> Result<ExitCode> {
    let mut detector = args.plugin.detector()?;
    let options = FilterOptions {
        line_buffered: args.line_buffered,
        batch_size: args.batch_size as usize,
        alerts_only: args.alerts_only,
        enrich: enrich_mode(args.enrich, args.plugin.read_config()?.as_deref())?,
    };
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let counts = filter(
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

struct FilterOptions {
    /// Process and flush every line as it arrives instead of in batches.
    line_buffered: bool,
    batch_size: usize,
    /// Drop lines without an alert.
    alerts_only: bool,
    enrich: Enrich,
}

/// `--enrich`: which lines gain the `blindspot` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EnrichArg {
    /// Lines with findings (or that could not be read); the rest are written unchanged.
    Findings,
    /// Every line, with its normalised fields.
    All,
}

impl From<EnrichArg> for Enrich {
    fn from(arg: EnrichArg) -> Enrich {
        match arg {
            EnrichArg::Findings => Enrich::Findings,
            EnrichArg::All => Enrich::All,
        }
    }
}

/// The mode in force: `--enrich` when given, else the configuration document's `output.enrich`.
fn enrich_mode(flag: Option<EnrichArg>, config: Option<&str>) -> Result<Enrich> {
    if let Some(flag) = flag {
        return Ok(flag.into());
    }
    let Some(config) = config else {
        return Ok(Enrich::default());
    };
    Ok(blindspot_plugin::config::Config::parse(config)?
        .output
        .enrich)
}

/// What a filter run saw.
#[derive(Debug, Default)]
struct FilterCounts {
    lines: u64,
    errors: u64,
    dropped: u64,
}

fn filter(
    detector: &mut dyn Detector,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    options: &FilterOptions,
) -> Result<FilterCounts> {
    let mut counts = FilterCounts::default();
    let mut batch: Vec<Vec<u8>> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = input.read_until(b'\n', &mut line)?;
        if read > 0 {
            while matches!(line.last(), Some(b'\n' | b'\r')) {
                line.pop();
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                counts.lines += 1;
                batch.push(std::mem::take(&mut line));
            }
        }
        let full = batch.len() >= options.batch_size;
        if !batch.is_empty() && (read == 0 || full || options.line_buffered) {
            write_batch(
                detector,
                std::mem::take(&mut batch),
                output,
                options,
                &mut counts,
            )?;
            if options.line_buffered {
                output.flush()?;
            }
        }
        if read == 0 {
            break;
        }
    }
    let flushed = detector.flush()?;
    write_correlation_events(flushed, output, options, &mut counts)?;
    output.flush()?;
    Ok(counts)
}

fn write_batch(
    detector: &mut dyn Detector,
    lines: Vec<Vec<u8>>,
    output: &mut dyn Write,
    options: &FilterOptions,
    counts: &mut FilterCounts,
) -> Result<()> {
    let inputs = lines
        .iter()
        .map(|l| Input {
            data: l.clone(),
            source_hint: None,
            tag: None,
        })
        .collect();
    let outcomes = detector.process(inputs)?;
    for (line, outcome) in lines.iter().zip(&outcomes) {
        if outcome.is_err() {
            counts.errors += 1;
        }
        if options.alerts_only && !enrichment_json::is_alert(outcome) {
            counts.dropped += 1;
            continue;
        }
        output.write_all(&enrichment_json::render(
            options.enrich,
            line,
            outcome,
            None,
        ))?;
        output.write_all(b"\n")?;
    }
    let drained = detector.drain()?;
    write_correlation_events(drained, output, options, counts)
}

/// Correlation findings are lines of their own: `{"blindspot": ...}` with no original record.
fn write_correlation_events(
    events: Vec<blindspot_plugin::model::EnrichedEvent>,
    output: &mut dyn Write,
    options: &FilterOptions,
    counts: &mut FilterCounts,
) -> Result<()> {
    for event in events {
        let outcome: EventOutcome = Ok(vec![event]);
        if options.alerts_only && !enrichment_json::is_alert(&outcome) {
            counts.dropped += 1;
            continue;
        }
        output.write_all(&enrichment_json::render(
            options.enrich,
            b"{}",
            &outcome,
            None,
        ))?;
        output.write_all(b"\n")?;
    }
    Ok(())
}
