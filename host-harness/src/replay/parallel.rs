//! `--jobs N`: N workers, each with its own detector, take whole files; the writer takes their output
//! file by file, in input order, so the rows are the same whatever the scheduling.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Result, bail};
use blindspot_plugin::model::StateStats;

use super::expect::Expectations;
use super::reader::{FileEnd, Item, StopReading, Stopper, read_file};
use super::summary::Summary;
use super::writer::{Writer, start};
use super::{ReplayOptions, RunControl};
use crate::output::RowSink;
use crate::runtime::detector::{Detector, Incidents};

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
                    options,
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
    options: &ReplayOptions,
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
        options.input_column.as_deref(),
        skip,
        options.batch_size.max(1),
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
