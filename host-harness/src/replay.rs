//! `blindspot replay`: inputs → batches → plugin → rows → Parquet, with the run's accounting.
//! Every unit read becomes at least one row or one error row; the summary checks that the counts add up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use blindspot_plugin::model::EnrichedEvent;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::detector::{Detector, Input};
use crate::expect::{EventFindings, Expectations};
use crate::input::{self, Unit};
use crate::parquet_out::Row;
use crate::sink::RowSink;

pub struct ReplayOptions {
    pub inputs: Vec<PathBuf>,
    pub alerts_only: bool,
    pub batch_size: usize,
    pub progress: bool,
}

/// What a run did. `rows_written = events + error_rows + correlation_events - rows_filtered`.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: u64,
    pub units: u64,
    pub bytes: u64,
    pub events: u64,
    pub error_rows: u64,
    pub correlation_events: u64,
    pub rows_filtered: u64,
    pub rows_written: u64,
    pub alerts: u64,
    pub suppressed: u64,
    pub alerts_by_rule: BTreeMap<String, u64>,
    pub suppressed_by_rule: BTreeMap<String, u64>,
    pub elapsed: Duration,
}

impl Summary {
    pub fn render(&self, out: &Path) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let mut text = format!(
            "replayed {} file(s): {} input unit(s), {} event(s), {} error row(s), {} correlation event(s)\n\
             wrote {} row(s) to {}{}\n\
             alerts: {} (suppressed findings: {})\n",
            self.files,
            self.units,
            self.events,
            self.error_rows,
            self.correlation_events,
            self.rows_written,
            out.display(),
            if self.rows_filtered > 0 {
                format!(
                    " ({} non-alert row(s) left out by --alerts-only)",
                    self.rows_filtered
                )
            } else {
                String::new()
            },
            self.alerts,
            self.suppressed,
        );
        for (rule, count) in &self.alerts_by_rule {
            text.push_str(&format!("  {count:>6}  {rule}\n"));
        }
        for (rule, count) in &self.suppressed_by_rule {
            text.push_str(&format!("  {count:>6}  {rule} (suppressed)\n"));
        }
        text.push_str(&format!(
            "throughput: {:.0} events/s, {:.1} MB/s ({} bytes in {:.3} s)\n",
            (self.events + self.error_rows) as f64 / secs,
            self.bytes as f64 / secs / 1e6,
            self.bytes,
            secs
        ));
        text
    }
}

struct Pending {
    file: Arc<str>,
    expect_key: Option<PathBuf>,
    line: u64,
    raw: Vec<u8>,
}

struct Replayer<'a> {
    detector: &'a mut dyn Detector,
    sink: Box<dyn RowSink>,
    expectations: Option<&'a mut Expectations>,
    options: &'a ReplayOptions,
    pending: Vec<Pending>,
    summary: Summary,
    progress: ProgressBar,
}

pub fn replay(
    detector: &mut dyn Detector,
    sink: Box<dyn RowSink>,
    options: &ReplayOptions,
    expectations: Option<&mut Expectations>,
) -> Result<Summary> {
    let started = Instant::now();
    let files = input::discover(&options.inputs)?;
    let progress = if options.progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed_precise} {human_pos} events ({per_sec}) {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut replayer = Replayer {
        detector,
        sink,
        expectations,
        options,
        pending: Vec::with_capacity(options.batch_size),
        summary: Summary::default(),
        progress,
    };
    for file in &files {
        replayer.read_file(file)?;
    }
    replayer.run_batch()?;
    let flushed = replayer.detector.flush()?;
    replayer.write_correlation_events(flushed)?;
    replayer.progress.finish_and_clear();
    let Replayer {
        sink, mut summary, ..
    } = replayer;
    summary.rows_written = sink.finish()?;
    summary.files = files.len() as u64;
    summary.elapsed = started.elapsed();
    let expected_rows =
        summary.events + summary.error_rows + summary.correlation_events - summary.rows_filtered;
    if summary.rows_written != expected_rows {
        bail!(
            "row accounting failed: wrote {} rows, expected {} (events {} + errors {} + correlation {} - filtered {})",
            summary.rows_written,
            expected_rows,
            summary.events,
            summary.error_rows,
            summary.correlation_events,
            summary.rows_filtered
        );
    }
    Ok(summary)
}

impl Replayer<'_> {
    fn read_file(&mut self, path: &Path) -> Result<()> {
        let file: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        let expect_key = self.expectations.as_ref().and_then(|e| e.covers(path));
        if let (Some(key), Some(expectations)) = (&expect_key, self.expectations.as_deref_mut()) {
            expectations.record_stream(key);
        }
        self.progress.set_message(file.to_string());
        input::read_units(path, &mut |unit: Unit| {
            self.summary.units += 1;
            match unit.data {
                Ok(raw) => {
                    self.summary.bytes += raw.len() as u64;
                    self.pending.push(Pending {
                        file: file.clone(),
                        expect_key: expect_key.clone(),
                        line: unit.line,
                        raw,
                    });
                    if self.pending.len() >= self.options.batch_size {
                        self.run_batch()?;
                    }
                    Ok(())
                }
                Err(e) => {
                    // Keep order: what was read before the error is written first.
                    self.run_batch()?;
                    self.write_error(&file, expect_key.as_deref(), unit.line, e.reason, e.raw)
                }
            }
        })?;
        Ok(())
    }

    fn run_batch(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let batch: Vec<Input> = pending
            .iter()
            .map(|p| Input {
                data: p.raw.clone(),
                source_hint: None,
                tag: None,
            })
            .collect();
        let outcomes = self.detector.process(batch)?;
        if outcomes.len() != pending.len() {
            bail!(
                "the plugin returned {} outcomes for {} inputs",
                outcomes.len(),
                pending.len()
            );
        }
        for (unit, outcome) in pending.into_iter().zip(outcomes) {
            match outcome {
                Ok(events) => {
                    for event in events {
                        self.summary.events += 1;
                        if let (Some(key), Some(expectations)) =
                            (&unit.expect_key, self.expectations.as_deref_mut())
                        {
                            expectations.record_event(
                                key,
                                unit.line,
                                event.envelope_index,
                                findings_of(&event),
                            );
                        }
                        let raw = match &event.raw {
                            Some(_) => None,
                            None => Some(String::from_utf8_lossy(&unit.raw).into_owned()),
                        };
                        self.write_event(unit.file.clone(), unit.line, raw, event)?;
                    }
                }
                Err(e) => {
                    let raw = String::from_utf8_lossy(&unit.raw).into_owned();
                    self.write_error(
                        &unit.file,
                        unit.expect_key.as_deref(),
                        unit.line,
                        e.message,
                        Some(raw),
                    )?;
                }
            }
        }
        self.progress.set_position(self.summary.events);
        let drained = self.detector.drain()?;
        self.write_correlation_events(drained)
    }

    /// Synthetic events from correlation (drained mid-stream or flushed at the end): rows of their own,
    /// with no input position.
    fn write_correlation_events(&mut self, events: Vec<EnrichedEvent>) -> Result<()> {
        for event in events {
            self.summary.correlation_events += 1;
            self.write_event(Arc::from(""), 0, None, event)?;
        }
        Ok(())
    }

    fn write_event(
        &mut self,
        file: Arc<str>,
        line: u64,
        raw: Option<String>,
        mut event: EnrichedEvent,
    ) -> Result<()> {
        for finding in &event.findings {
            if finding.suppression.is_some() {
                self.summary.suppressed += 1;
                *self
                    .summary
                    .suppressed_by_rule
                    .entry(finding.rule_id.clone())
                    .or_default() += 1;
            } else if finding.severity >= blindspot_plugin::model::Severity::Medium {
                *self
                    .summary
                    .alerts_by_rule
                    .entry(finding.rule_id.clone())
                    .or_default() += 1;
            }
        }
        let alert = event.is_alert();
        if alert {
            self.summary.alerts += 1;
        }
        if self.options.alerts_only && !alert {
            self.summary.rows_filtered += 1;
            return Ok(());
        }
        let raw = event.raw.take().or(raw);
        let input_record = event.envelope_index;
        self.sink.push(Row {
            input_file: file,
            input_line: line,
            input_record,
            raw,
            error: None,
            event: Some(event),
        })
    }

    fn write_error(
        &mut self,
        file: &Arc<str>,
        expect_key: Option<&Path>,
        line: u64,
        reason: String,
        raw: Option<String>,
    ) -> Result<()> {
        self.summary.error_rows += 1;
        if let (Some(key), Some(expectations)) = (expect_key, self.expectations.as_deref_mut()) {
            expectations.record_error(key, line);
        }
        self.sink.push(Row {
            input_file: file.clone(),
            input_line: line,
            input_record: 0,
            raw,
            error: Some(reason),
            event: None,
        })
    }
}

fn findings_of(event: &EnrichedEvent) -> EventFindings {
    let mut findings = EventFindings::default();
    for finding in &event.findings {
        if finding.suppression.is_some() {
            findings.suppressed.insert(finding.rule_id.clone());
        } else {
            findings.rules.insert(finding.rule_id.clone());
        }
    }
    findings
}
