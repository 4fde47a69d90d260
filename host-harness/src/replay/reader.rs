//! The reading half of a replay: one file cut into units, handed to a detector in batches, its output
//! items produced in order. Runs on the calling thread (one job) or on a worker (`--jobs N`).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use anyhow::{Result, bail};
use blindspot_plugin::model::EnrichedEvent;

use super::RunControl;
use super::input::{self, Unit};
use crate::runtime::detector::{Detector, Input};

/// What a reader hands the writer, in order.
pub(super) enum Item {
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
pub(super) enum FileEnd {
    Complete,
    Interrupted,
}

/// Stop requests, shared by the readers.
pub(super) struct Stopper {
    external: Option<Arc<AtomicBool>>,
    internal: AtomicBool,
    after: Option<u64>,
    read: AtomicU64,
}

impl Stopper {
    pub(super) fn new(control: &RunControl) -> Stopper {
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
pub(super) struct StopReading;

struct PendingUnit {
    index: u64,
    line: u64,
    raw: Vec<u8>,
}

/// Read one file from unit `skip` on, through `detector`, handing items to `emit` in order.
pub(super) fn read_file(
    detector: &mut dyn Detector,
    path: &Path,
    column: Option<&str>,
    skip: u64,
    batch_size: usize,
    stopper: &Stopper,
    emit: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<FileEnd> {
    let mut pending: Vec<PendingUnit> = Vec::with_capacity(batch_size);
    let mut bytes = 0u64;
    let mut index = 0u64;
    let mut interrupted = false;
    let result = input::read_units_from(path, column, &mut |unit: Unit| {
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
