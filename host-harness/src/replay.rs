//! `blindspot replay`: inputs → batches → plugin → rows → Parquet, with the run's accounting.
//! Every unit read becomes at least one row or one error row; the summary checks that the counts add up.
//!
//! The work is split in two: a *reader* cuts one file into units, hands them to a detector in batches and
//! produces the file's output items in order; the *writer* turns items into rows, keeps the counts and
//! the expectations, and records how far each file got (for `--resume`). With one job both run on the
//! calling thread over one detector; with `--jobs N` (see [`replay_parallel`]) N readers each own a
//! detector and take whole files, and the writer takes their output file by file, in input order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use blindspot_plugin::model::{EnrichedEvent, StateStats};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::checkpoint::{Checkpoint, FileProgress};
use crate::detector::{Detector, Incidents, Input, POISONOUS_EVENT};
use crate::expect::{EventFindings, Expectations};
use crate::input::{self, Unit};
use crate::parquet_out::Row;
use crate::sink::RowSink;

pub struct ReplayOptions {
    pub inputs: Vec<PathBuf>,
    pub alerts_only: bool,
    pub batch_size: usize,
    pub progress: bool,
    /// Each input file is a stream of its own: the detector is flushed at the end of every file, so
    /// correlation never joins events of different files (independent recordings that reuse
    /// principals and times). `replay_parallel` always works this way.
    pub per_file_streams: bool,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            inputs: Vec::new(),
            alerts_only: false,
            batch_size: 256,
            progress: false,
            per_file_streams: false,
        }
    }
}

/// How a run may be stopped and where it starts (see `interrupt` and `checkpoint`).
#[derive(Default)]
pub struct RunControl {
    /// Turns true to ask the run to stop (a signal handler sets it).
    pub stop: Option<Arc<AtomicBool>>,
    /// Stop once this many units have been read in this run (tests; see `interrupt`).
    pub stop_after_units: Option<u64>,
    /// Continue from this checkpoint: consumed units are skipped.
    pub resume: Option<Checkpoint>,
}

/// How many poisonous events the summary lists by position (all of them are error rows).
const LISTED_POISONOUS: usize = 20;

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
    /// The plugin's correlation-state counters at the end of the run (summed over jobs).
    pub state: StateStats,
    /// Traps, timeouts, memory-limit hits and restarts the host contained.
    pub incidents: Incidents,
    /// The first poisonous events, as `file:line: reason`.
    pub poisonous: Vec<String>,
    /// The run stopped early on request; `progress` says where.
    pub interrupted: bool,
    /// Units skipped because a checkpoint said they were done.
    pub units_skipped: u64,
    /// Rows of the interrupted run put in front of this run's (set by the caller after `--resume`).
    pub rows_carried: u64,
    /// How far each input file got, in input order.
    pub progress: Vec<FileProgress>,
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
            "correlation state: {} key(s) held, {} evicted at the cap, {} late event(s), {} correlation finding(s)\n",
            self.state.tracked, self.state.evicted, self.state.late_events, self.state.emitted
        ));
        let i = &self.incidents;
        if i.any() {
            text.push_str(&format!(
                "plugin incidents: {} trap(s), {} timeout(s), {} memory-limit hit(s), {} restart(s); \
                 {} poisonous event(s) written as error rows\n",
                i.traps, i.timeouts, i.memory_limit_hits, i.restarts, i.poisonous_events
            ));
            for event in &self.poisonous {
                text.push_str(&format!("  {event}\n"));
            }
            if i.poisonous_events > self.poisonous.len() as u64 {
                text.push_str(&format!(
                    "  ... and {} more (rows whose error starts with \"{POISONOUS_EVENT}\")\n",
                    i.poisonous_events - self.poisonous.len() as u64
                ));
            }
        }
        if self.units_skipped > 0 || self.rows_carried > 0 {
            text.push_str(&format!(
                "resumed: skipped {} unit(s) done before, carried {} row(s) forward; {} now holds {} row(s)\n",
                self.units_skipped,
                self.rows_carried,
                out.display(),
                self.rows_carried + self.rows_written
            ));
        }
        if self.interrupted {
            let done = self.progress.iter().filter(|f| f.complete).count();
            let at = self.progress.iter().find(|f| !f.complete);
            text.push_str(&format!(
                "interrupted: {done} of {} file(s) complete{}; rerun with --resume to continue\n",
                self.progress.len(),
                at.map(|f| format!(", stopped in {} after {} unit(s)", f.path, f.units_done))
                    .unwrap_or_default()
            ));
        }
        text.push_str(&format!(
            "accounting: {} unit(s) read, {} row(s) written = {} event(s) + {} error row(s) + {} correlation - {} filtered: ok\n",
            self.units,
            self.rows_written,
            self.events,
            self.error_rows,
            self.correlation_events,
            self.rows_filtered
        ));
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

/// What a reader hands the writer, in order.
enum Item {
    Event {
        line: u64,
        raw: Option<String>,
        event: EnrichedEvent,
    },
    Error {
        line: u64,
        reason: String,
        raw: Option<String>,
    },
    Correlation(EnrichedEvent),
    /// The rows of every unit before `units_done` have been handed over; `units` and `bytes` were read
    /// since the last progress item.
    Progress {
        units_done: u64,
        units: u64,
        bytes: u64,
    },
}

/// How a file's reading ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileEnd {
    Complete,
    Interrupted,
}

/// Stop requests, shared by the readers.
struct Stopper {
    external: Option<Arc<AtomicBool>>,
    internal: AtomicBool,
    after: Option<u64>,
    read: AtomicU64,
}

impl Stopper {
    fn new(control: &RunControl) -> Stopper {
        Stopper {
            external: control.stop.clone(),
            internal: AtomicBool::new(false),
            after: control.stop_after_units,
            read: AtomicU64::new(0),
        }
    }

    fn stopping(&self) -> bool {
        self.internal.load(Ordering::Relaxed)
            || self
                .external
                .as_ref()
                .is_some_and(|f| f.load(Ordering::Relaxed))
    }

    fn unit_read(&self) {
        let read = self.read.fetch_add(1, Ordering::Relaxed) + 1;
        if self.after == Some(read) {
            self.internal.store(true, Ordering::Relaxed);
        }
    }
}

/// Raised inside the unit callback to stop reading a file; never leaves this module.
#[derive(Debug, thiserror::Error)]
#[error("stop requested")]
struct StopReading;

struct PendingUnit {
    index: u64,
    line: u64,
    raw: Vec<u8>,
}

/// Read one file from unit `skip` on, through `detector`, handing items to `emit` in order.
fn read_file(
    detector: &mut dyn Detector,
    path: &Path,
    skip: u64,
    batch_size: usize,
    stopper: &Stopper,
    emit: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<FileEnd> {
    let mut pending: Vec<PendingUnit> = Vec::with_capacity(batch_size);
    let mut bytes = 0u64;
    let mut index = 0u64;
    let mut interrupted = false;
    let result = input::read_units(path, &mut |unit: Unit| {
        if index < skip {
            index += 1;
            return Ok(());
        }
        if stopper.stopping() {
            interrupted = true;
            return Err(StopReading.into());
        }
        stopper.unit_read();
        let this = index;
        index += 1;
        match unit.data {
            Ok(raw) => {
                bytes += raw.len() as u64;
                pending.push(PendingUnit {
                    index: this,
                    line: unit.line,
                    raw,
                });
                if pending.len() >= batch_size {
                    run_batch(detector, &mut pending, std::mem::take(&mut bytes), emit)?;
                }
                Ok(())
            }
            Err(e) => {
                // Keep order: what was read before the error is written first.
                run_batch(detector, &mut pending, std::mem::take(&mut bytes), emit)?;
                emit(Item::Error {
                    line: unit.line,
                    reason: e.reason,
                    raw: e.raw,
                })?;
                emit(Item::Progress {
                    units_done: this + 1,
                    units: 1,
                    bytes: 0,
                })
            }
        }
    });
    match result {
        Err(e) if e.is::<StopReading>() => interrupted = true,
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    run_batch(detector, &mut pending, bytes, emit)?;
    Ok(if interrupted {
        FileEnd::Interrupted
    } else {
        FileEnd::Complete
    })
}

fn run_batch(
    detector: &mut dyn Detector,
    pending: &mut Vec<PendingUnit>,
    bytes: u64,
    emit: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    let Some(last) = pending.last() else {
        return Ok(());
    };
    let units_done = last.index + 1;
    let batch = std::mem::take(pending);
    let inputs: Vec<Input> = batch
        .iter()
        .map(|p| Input {
            data: p.raw.clone(),
            source_hint: None,
            tag: None,
        })
        .collect();
    let outcomes = detector.process(inputs)?;
    if outcomes.len() != batch.len() {
        bail!(
            "the plugin returned {} outcomes for {} inputs",
            outcomes.len(),
            batch.len()
        );
    }
    let units = batch.len() as u64;
    for (unit, outcome) in batch.into_iter().zip(outcomes) {
        match outcome {
            Ok(events) => {
                for event in events {
                    let raw = match &event.raw {
                        Some(_) => None,
                        None => Some(String::from_utf8_lossy(&unit.raw).into_owned()),
                    };
                    emit(Item::Event {
                        line: unit.line,
                        raw,
                        event,
                    })?;
                }
            }
            Err(e) => emit(Item::Error {
                line: unit.line,
                reason: e.message,
                raw: Some(String::from_utf8_lossy(&unit.raw).into_owned()),
            })?,
        }
    }
    for event in detector.drain()? {
        emit(Item::Correlation(event))?;
    }
    emit(Item::Progress {
        units_done,
        units,
        bytes,
    })
}

/// One input file as the writer sees it.
struct FileCtx {
    index: usize,
    name: Arc<str>,
    expect_key: Option<PathBuf>,
}

struct Writer<'a> {
    sink: Box<dyn RowSink>,
    expectations: Option<&'a mut Expectations>,
    alerts_only: bool,
    summary: Summary,
    progress: ProgressBar,
}

impl Writer<'_> {
    fn begin_file(&mut self, index: usize, path: &Path) -> FileCtx {
        let expect_key = self.expectations.as_ref().and_then(|e| e.covers(path));
        if let (Some(key), Some(expectations)) = (&expect_key, self.expectations.as_deref_mut()) {
            expectations.record_stream(key);
        }
        let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        self.progress.set_message(name.to_string());
        FileCtx {
            index,
            name,
            expect_key,
        }
    }

    fn accept(&mut self, file: &FileCtx, item: Item) -> Result<()> {
        match item {
            Item::Event { line, raw, event } => {
                self.summary.events += 1;
                if let (Some(key), Some(expectations)) =
                    (&file.expect_key, self.expectations.as_deref_mut())
                {
                    expectations.record_event(key, line, event.envelope_index, findings_of(&event));
                }
                self.write_event(file.name.clone(), line, raw, event)
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
                self.sink.push(Row {
                    input_file: file.name.clone(),
                    input_line: line,
                    input_record: 0,
                    raw,
                    error: Some(reason),
                    event: None,
                })
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
                self.progress.set_position(self.summary.events);
                Ok(())
            }
        }
    }

    /// Synthetic events from correlation (drained mid-stream or flushed at the end): rows of their own,
    /// with no input position.
    fn write_correlation(&mut self, event: EnrichedEvent) -> Result<()> {
        self.summary.correlation_events += 1;
        if let Some(expectations) = self.expectations.as_deref_mut() {
            expectations.record_correlation(&event);
        }
        self.write_event(Arc::from(""), 0, None, event)
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
        if self.alerts_only && !alert {
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

    fn end_file(&mut self, file: &FileCtx, end: FileEnd) {
        if let Some(p) = self.summary.progress.get_mut(file.index) {
            p.complete = end == FileEnd::Complete;
        }
        if end == FileEnd::Interrupted {
            self.summary.interrupted = true;
        }
    }

    fn finish(self, started: Instant) -> Result<Summary> {
        self.progress.finish_and_clear();
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
fn start<'a>(
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

/// Replay every input through one detector, on this thread. Correlation spans the whole run.
pub fn replay(
    detector: &mut dyn Detector,
    sink: Box<dyn RowSink>,
    options: &ReplayOptions,
    expectations: Option<&mut Expectations>,
) -> Result<Summary> {
    replay_with(
        detector,
        sink,
        options,
        &RunControl::default(),
        expectations,
    )
}

/// [`replay`] that can be stopped and resumed.
pub fn replay_with(
    detector: &mut dyn Detector,
    sink: Box<dyn RowSink>,
    options: &ReplayOptions,
    control: &RunControl,
    expectations: Option<&mut Expectations>,
) -> Result<Summary> {
    let started = Instant::now();
    let (files, mut writer) = start(sink, options, control, expectations)?;
    let stopper = Stopper::new(control);
    let batch_size = options.batch_size.max(1);
    for (index, path) in files.iter().enumerate() {
        let (skip, done) = {
            let p = &writer.summary.progress[index];
            (p.units_done, p.complete)
        };
        if done {
            continue;
        }
        let file = writer.begin_file(index, path);
        let end = read_file(detector, path, skip, batch_size, &stopper, &mut |item| {
            writer.accept(&file, item)
        })?;
        writer.end_file(&file, end);
        if end == FileEnd::Interrupted {
            break;
        }
        if options.per_file_streams {
            for event in detector.flush()? {
                writer.write_correlation(event)?;
            }
        }
    }
    // Interrupted or not, what the open windows hold is reported: a resumed run starts a new stream.
    for event in detector.flush()? {
        writer.write_correlation(event)?;
    }
    writer.summary.state = detector.stats()?;
    writer.summary.incidents = detector.incidents();
    writer.finish(started)
}

/// Makes one detector per worker.
pub type DetectorFactory = dyn Fn() -> Result<Box<dyn Detector + Send>> + Sync;

/// Items travel between threads in chunks of this many.
const CHUNK_ITEMS: usize = 512;
/// Chunks a worker may have in flight per file before it waits for the writer: bounds the memory a
/// worker ahead of the writer can hold.
const CHUNKS_IN_FLIGHT: usize = 16;

enum Message {
    Items(Vec<Item>),
    End(FileEnd),
    Failed(anyhow::Error),
}

/// Replay the input files on `jobs` threads, each with its own detector from `factory`. Each file is a
/// stream of its own (correlation windows close at its end), so the rows are the same whatever the
/// scheduling, and they are written in input-file order.
pub fn replay_parallel(
    factory: &DetectorFactory,
    jobs: usize,
    sink: Box<dyn RowSink>,
    options: &ReplayOptions,
    control: &RunControl,
    expectations: Option<&mut Expectations>,
) -> Result<Summary> {
    let started = Instant::now();
    let (files, mut writer) = start(sink, options, control, expectations)?;
    let stopper = Stopper::new(control);
    let batch_size = options.batch_size.max(1);
    let skips: Vec<(u64, bool)> = writer
        .summary
        .progress
        .iter()
        .map(|p| (p.units_done, p.complete))
        .collect();
    // A worker takes the sender of the file it reads: if it dies, the writer sees the channel close.
    let (senders, mut receivers): (Vec<_>, Vec<_>) = files
        .iter()
        .map(|_| {
            let (tx, rx) = mpsc::sync_channel::<Message>(CHUNKS_IN_FLIGHT);
            (Mutex::new(Some(tx)), rx)
        })
        .unzip();
    let next = AtomicUsize::new(0);
    let jobs = jobs.clamp(1, files.len().max(1));
    let worker = || -> (StateStats, Incidents) {
        let mut detector: Option<Box<dyn Detector + Send>> = None;
        let mut stats = StateStats::default();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = senders.get(index) else {
                break;
            };
            let Some(sender) = slot.lock().ok().and_then(|mut s| s.take()) else {
                break;
            };
            let (skip, done) = skips[index];
            let result = if done {
                Ok(FileEnd::Complete)
            } else {
                replay_one(
                    factory,
                    &mut detector,
                    &files[index],
                    skip,
                    batch_size,
                    &stopper,
                    &sender,
                    &mut stats,
                )
            };
            let message = match result {
                Ok(end) => Message::End(end),
                Err(e) => Message::Failed(e),
            };
            let failed = matches!(message, Message::Failed(_));
            if sender.send(message).is_err() || failed {
                break;
            }
        }
        let incidents = detector.map(|d| d.incidents()).unwrap_or_default();
        (stats, incidents)
    };
    let outcome = std::thread::scope(|scope| -> Result<Vec<(StateStats, Incidents)>> {
        let handles: Vec<_> = (0..jobs).map(|_| scope.spawn(worker)).collect();
        let written = write_in_order(&mut writer, &files, &skips, &mut receivers);
        // Workers still busy with files the writer will not take see their channel closed and stop.
        receivers.clear();
        let per_worker = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect();
        written?;
        Ok(per_worker)
    })?;
    for (stats, incidents) in outcome {
        writer.summary.state.tracked += stats.tracked;
        writer.summary.state.evicted += stats.evicted;
        writer.summary.state.late_events += stats.late_events;
        writer.summary.state.emitted += stats.emitted;
        writer.summary.incidents.add(&incidents);
    }
    writer.finish(started)
}

fn write_in_order(
    writer: &mut Writer<'_>,
    files: &[PathBuf],
    skips: &[(u64, bool)],
    receivers: &mut [mpsc::Receiver<Message>],
) -> Result<()> {
    for (index, path) in files.iter().enumerate() {
        if skips[index].1 {
            continue;
        }
        let file = writer.begin_file(index, path);
        loop {
            match receivers[index].recv() {
                Ok(Message::Items(items)) => {
                    for item in items {
                        writer.accept(&file, item)?;
                    }
                }
                Ok(Message::End(end)) => {
                    writer.end_file(&file, end);
                    if end == FileEnd::Interrupted {
                        // Later files may be half done by other workers; their rows are dropped and
                        // the checkpoint keeps them where they were, so a resumed run keeps file order.
                        return Ok(());
                    }
                    break;
                }
                Ok(Message::Failed(e)) => return Err(e.context(format!("replaying {}", file.name))),
                Err(_) => bail!("a replay worker stopped without finishing {}", file.name),
            }
        }
    }
    Ok(())
}

/// One file on a worker: its items in chunks, then the end-of-file flush.
#[allow(clippy::too_many_arguments)]
fn replay_one(
    factory: &DetectorFactory,
    detector: &mut Option<Box<dyn Detector + Send>>,
    path: &Path,
    skip: u64,
    batch_size: usize,
    stopper: &Stopper,
    sender: &mpsc::SyncSender<Message>,
    stats: &mut StateStats,
) -> Result<FileEnd> {
    if detector.is_none() {
        *detector = Some(factory()?);
    }
    let Some(detector) = detector.as_mut() else {
        bail!("no detector");
    };
    let mut chunk = Vec::with_capacity(CHUNK_ITEMS);
    let send = |chunk: &mut Vec<Item>| -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let items = std::mem::replace(chunk, Vec::with_capacity(CHUNK_ITEMS));
        if sender.send(Message::Items(items)).is_err() {
            // The writer stopped taking this file (an interruption earlier in the order).
            return Err(StopReading.into());
        }
        Ok(())
    };
    let read = read_file(
        detector.as_mut(),
        path,
        skip,
        batch_size,
        stopper,
        &mut |item| {
            chunk.push(item);
            if chunk.len() >= CHUNK_ITEMS {
                send(&mut chunk)?;
            }
            Ok(())
        },
    );
    let end = match read {
        Ok(end) => end,
        Err(e) if e.is::<StopReading>() => FileEnd::Interrupted,
        Err(e) => return Err(e),
    };
    // Each file is a stream of its own: its windows close here, whichever worker read it.
    for event in detector.flush()? {
        chunk.push(Item::Correlation(event));
    }
    let now = detector.stats()?;
    stats.tracked = now.tracked;
    stats.evicted = now.evicted;
    stats.late_events = now.late_events;
    stats.emitted = now.emitted;
    send(&mut chunk)?;
    Ok(end)
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
