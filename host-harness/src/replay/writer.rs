//! The writing half of a replay: items in input order become rows, counts, expectation records and
//! per-file progress (for `--resume`), and the run's accounting is checked at the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Result, bail};
use blindspot_plugin::model::EnrichedEvent;

use super::checkpoint::FileProgress;
use super::expect::{EventFindings, Expectations};
use super::progress::Progress;
use super::reader::{FileEnd, Item};
use super::summary::{LISTED_POISONOUS, Summary};
use super::{ReplayOptions, RunControl, input};
use crate::output::{Row, RowSink};
use crate::runtime::detector::POISONOUS_EVENT;

/// One input file as the writer sees it.
pub(super) struct FileCtx {
    index: usize,
    pub(super) name: Arc<str>,
    expect_key: Option<PathBuf>,
}

pub(super) struct Writer<'a> {
    sink: Box<dyn RowSink>,
    expectations: Option<&'a mut Expectations>,
    alerts_only: bool,
    pub(super) summary: Summary,
    progress: Progress,
}

impl Writer<'_> {
    pub(super) fn begin_file(&mut self, index: usize, path: &Path) -> FileCtx {
        let expect_key = self.expectations.as_ref().and_then(|e| e.covers(path));
        if let (Some(key), Some(expectations)) = (&expect_key, self.expectations.as_deref_mut()) {
            expectations.record_stream(key);
        }
        let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        self.progress.begin_file(index, &name);
        FileCtx {
            index,
            name,
            expect_key,
        }
    }

    pub(super) fn accept(&mut self, file: &FileCtx, item: Item) -> Result<()> {
        match item {
            Item::Event { line, raw, event } => {
                self.summary.events += 1;
                if let Some(expectations) = self.expectations.as_deref_mut() {
                    match &file.expect_key {
                        Some(key) => expectations.record_event(
                            key,
                            line,
                            event.envelope_index,
                            findings_of(&event),
                        ),
                        None => expectations.unexpected_stream(),
                    }
                }
                self.write_row(Row::event(file.name.clone(), line, raw, event))
            }
            Item::Error { line, reason, raw } => {
                self.summary.error_rows += 1;
                if let (Some(key), Some(expectations)) =
                    (&file.expect_key, self.expectations.as_deref_mut())
                {
                    expectations.record_error(key, line);
                }
                if reason.starts_with(POISONOUS_EVENT)
                    && self.summary.poisonous.len() < LISTED_POISONOUS
                {
                    self.summary
                        .poisonous
                        .push(format!("{}:{line}: {reason}", file.name));
                }
                self.sink
                    .push(Row::error(file.name.clone(), line, reason, raw))
            }
            Item::Correlation(event) => self.write_correlation(event),
            Item::Progress {
                units_done,
                units,
                bytes,
            } => {
                self.summary.units += units;
                self.summary.bytes += bytes;
                if let Some(p) = self.summary.progress.get_mut(file.index) {
                    p.units_done = units_done;
                }
                self.progress.advance(self.summary.events, bytes);
                Ok(())
            }
        }
    }

    /// Synthetic events from correlation (drained mid-stream or flushed at the end): rows of their own,
    /// with no input position.
    pub(super) fn write_correlation(&mut self, event: EnrichedEvent) -> Result<()> {
        self.summary.correlation_events += 1;
        if let Some(expectations) = self.expectations.as_deref_mut() {
            expectations.record_correlation(&event);
        }
        self.write_row(Row::correlation(event))
    }

    /// Counts the findings of an event's row and writes it, unless `--alerts-only` leaves it out.
    fn write_row(&mut self, row: Row) -> Result<()> {
        let Some(event) = &row.event else {
            return self.sink.push(row);
        };
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
        if self.alerts_only && !alert {
            self.summary.rows_filtered += 1;
            return Ok(());
        }
        self.sink.push(row)
    }

    pub(super) fn end_file(&mut self, file: &FileCtx, end: FileEnd) {
        if let Some(p) = self.summary.progress.get_mut(file.index) {
            p.complete = end == FileEnd::Complete;
        }
        if end == FileEnd::Interrupted {
            self.summary.interrupted = true;
        }
        self.progress.end_file();
    }

    pub(super) fn finish(self, started: Instant) -> Result<Summary> {
        self.progress.finish();
        let Writer {
            sink, mut summary, ..
        } = self;
        summary.rows_written = sink.finish()?;
        summary.elapsed = started.elapsed();
        let expected_rows = summary.events + summary.error_rows + summary.correlation_events
            - summary.rows_filtered;
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
}

/// Discover the inputs, check them against a checkpoint, and set up the writer.
pub(super) fn start<'a>(
    sink: Box<dyn RowSink>,
    options: &ReplayOptions,
    control: &RunControl,
    expectations: Option<&'a mut Expectations>,
) -> Result<(Vec<PathBuf>, Writer<'a>)> {
    let files = input::discover(&options.inputs)?;
    let progress_state = match &control.resume {
        Some(checkpoint) => checkpoint.skips(&files)?,
        None => files.iter().map(|f| FileProgress::new(f)).collect(),
    };
    let complete: Vec<bool> = progress_state.iter().map(|p| p.complete).collect();
    let progress = Progress::new(options.progress, &files, &complete);
    let summary = Summary {
        files: files.len() as u64,
        units_skipped: progress_state.iter().map(|p| p.units_done).sum(),
        progress: progress_state,
        ..Summary::default()
    };
    let writer = Writer {
        sink,
        expectations,
        alerts_only: options.alerts_only,
        summary,
        progress,
    };
    Ok((files, writer))
}

fn findings_of(event: &EnrichedEvent) -> EventFindings {
    let mut findings = EventFindings {
        event_id: event.fields.event_id.clone(),
        ..EventFindings::default()
    };
    for finding in &event.findings {
        if finding.suppression.is_some() {
            findings.suppressed.insert(finding.rule_id.clone());
        } else {
            findings.rules.insert(finding.rule_id.clone());
        }
    }
    findings
}
