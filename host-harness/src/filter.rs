//! `blindspot filter`: NDJSON on stdin → enriched NDJSON on stdout, for `exec`-style pipeline stages
//! (Fluentd `exec_filter`, Vector `exec`, shell pipelines). Each input line comes out as one line: the
//! record with the `blindspot` key spliced in (the same bytes the Fluent Bit module returns), or, for
//! a line that is not a JSON object, `{"blindspot": {... "error": ...}, "raw": "<line>"}`. By default
//! only lines with findings gain the key; the others are written unchanged (`--enrich`,
//! `output.enrich`).

use std::io::{BufRead, Write};

use anyhow::Result;
use blindspot_plugin::enrichment_json::{self, Enrich};
use blindspot_plugin::model::EventOutcome;

use crate::detector::{Detector, Input};

pub struct FilterOptions {
    /// Process and flush every line as it arrives instead of in batches.
    pub line_buffered: bool,
    pub batch_size: usize,
    /// Drop lines without an alert.
    pub alerts_only: bool,
    pub enrich: Enrich,
}

/// `--enrich`: which lines gain the `blindspot` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnrichArg {
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
pub fn enrich_mode(flag: Option<EnrichArg>, config: Option<&str>) -> Result<Enrich> {
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
pub struct FilterCounts {
    pub lines: u64,
    pub written: u64,
    pub errors: u64,
    pub dropped: u64,
}

pub fn run(
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
        counts.written += 1;
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
        counts.written += 1;
    }
    Ok(())
}
