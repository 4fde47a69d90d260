//! `blindspot replay`: inputs → batches → plugin → rows → Parquet, with the run's accounting.
//! Every unit read becomes at least one row or one error row; the summary checks that the counts add up.
//!
//! The work is split in two: a *reader* cuts one file into units, hands them to a detector in batches and
//! produces the file's output items in order; the *writer* turns items into rows, keeps the counts and
//! the expectations, and records how far each file got (for `--resume`). With one job both run on the
//! calling thread over one detector; with `--jobs N` (see [`replay_parallel`]) N readers each own a
//! detector and take whole files, and the writer takes their output file by file, in input order.

pub mod checkpoint;
pub mod column_input;
pub mod expect;
pub mod input;
pub mod interrupt;
mod parallel;
mod progress;
mod reader;
pub mod select;
mod summary;
mod writer;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Result;

use crate::output::RowSink;
use crate::runtime::detector::Detector;
use checkpoint::Checkpoint;
use expect::Expectations;
use reader::{FileEnd, Stopper, read_file};
use writer::start;

pub use parallel::{DetectorFactory, replay_parallel};
pub use summary::Summary;

#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub inputs: Vec<PathBuf>,
    pub alerts_only: bool,
    pub batch_size: usize,
    pub progress: bool,
    /// Each input file is a stream of its own: the detector is flushed at the end of every file, so
    /// correlation never joins events of different files (independent recordings that reuse
    /// principals and times). `replay_parallel` always works this way.
    pub per_file_streams: bool,
    /// Parquet inputs hold one raw event per row in this string column (`--input-column`).
    pub input_column: Option<String>,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            inputs: Vec::new(),
            alerts_only: false,
            batch_size: 256,
            progress: false,
            per_file_streams: false,
            input_column: None,
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
        let column = options.input_column.as_deref();
        let end = read_file(
            detector,
            path,
            column,
            skip,
            batch_size,
            &stopper,
            &mut |item| writer.accept(&file, item),
        )?;
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
