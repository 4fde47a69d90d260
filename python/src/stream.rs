//! One engine fed unit by unit, making the rows `blindspot replay` makes for the same units in the same
//! order: events with their position, error rows for input that could not be read, and correlation
//! rows (no position) drained every `batch_size` units and before an error row, as replay drains after
//! each batch it hands the plugin. A change of stream key ends one stream and starts the next, as
//! `replay --correlate per-file` does at the end of each file: pending correlations are drained and the
//! engine is flushed, so no state crosses streams.

use std::sync::Arc;

use crate::host::Row;
use blindspot_plugin::Engine;
use blindspot_plugin::model::{EnrichedEvent, RawEvent};

use crate::columns::InputColumns;

/// `blindspot replay`'s default `--batch-size`: correlation rows are drained at the same points.
pub const REPLAY_BATCH_SIZE: usize = 256;

pub struct Stream {
    engine: Engine,
    batch_size: usize,
    /// Units handed to the engine since the last drain.
    pending: usize,
    /// Input rows seen in this stream: the 1-based line of a row without a line column.
    position: u64,
    /// The stream key of the last row, once a row with a stream column was seen.
    key: Option<Option<String>>,
}

impl Stream {
    pub fn new(engine: Engine, batch_size: usize) -> Stream {
        Stream {
            engine,
            batch_size: batch_size.max(1),
            pending: 0,
            position: 0,
            key: None,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Every row of a batch, then the correlations completed so far (a caller's batch ends like one of
    /// replay's batches, so a file handed over whole gives replay's rows in replay's order).
    pub fn batch(&mut self, input: &InputColumns, default_file: &Arc<str>, out: &mut Vec<Row>) {
        let mut file_cache: Option<(String, Arc<str>)> = None;
        for row in 0..input.len() {
            if input.stream.is_some() {
                let key = input.stream(row);
                match &self.key {
                    Some(previous) if previous.as_deref() == key => {}
                    Some(_) => {
                        self.end_stream(out);
                        self.key = Some(key.map(str::to_owned));
                    }
                    None => self.key = Some(key.map(str::to_owned)),
                }
            }
            self.position += 1;
            let file = match input.file(row) {
                None => Arc::clone(default_file),
                Some(name) => match &file_cache {
                    Some((cached, arc)) if cached == name => Arc::clone(arc),
                    _ => {
                        let arc: Arc<str> = Arc::from(name);
                        file_cache = Some((name.to_owned(), Arc::clone(&arc)));
                        arc
                    }
                },
            };
            let line = input
                .line(row)
                .map_or(self.position, |l| u64::try_from(l).unwrap_or(0));
            let record = input.record(row).and_then(|r| u32::try_from(r).ok());
            let position = Position { file, line, record };
            if let Some(reason) = input.error(row) {
                self.error_row(position, reason.to_owned(), input.value(row), out);
                continue;
            }
            match input.value(row) {
                Some(data) => self.unit(position, data, out),
                None => self.error_row(position, "no event: the value is null".into(), None, out),
            }
        }
        if self.pending > 0 {
            self.drain(out);
        }
    }

    /// End of the stream: what is still pending, then what closing every window completes. The
    /// engine starts a new stream afterwards.
    pub fn flush(&mut self, out: &mut Vec<Row>) {
        self.end_stream(out);
        self.key = None;
    }

    fn end_stream(&mut self, out: &mut Vec<Row>) {
        if self.pending > 0 {
            self.drain(out);
        }
        for event in self.engine.flush() {
            out.push(correlation_row(event));
        }
        self.position = 0;
    }

    fn drain(&mut self, out: &mut Vec<Row>) {
        self.pending = 0;
        for event in self.engine.drain() {
            out.push(correlation_row(event));
        }
    }

    fn unit(&mut self, at: Position, data: &[u8], out: &mut Vec<Row>) {
        let outcome = self.engine.process_one(&RawEvent {
            data,
            source_hint: None,
            tag: None,
        });
        match outcome {
            Ok(events) => {
                for mut event in events {
                    let raw = event
                        .raw
                        .take()
                        .unwrap_or_else(|| String::from_utf8_lossy(data).into_owned());
                    // A record split from its envelope before partitioning is its own unit here;
                    // its index in the envelope travels in the record column, and the finding ids
                    // hash it as replay's do.
                    if let Some(r) = at.record {
                        event.envelope_index = r.saturating_add(event.envelope_index);
                    }
                    let input_record = event.envelope_index;
                    out.push(Row {
                        input_file: Arc::clone(&at.file),
                        input_line: at.line,
                        input_record,
                        raw: Some(raw),
                        error: None,
                        event: Some(event),
                    });
                }
            }
            Err(e) => out.push(Row {
                input_file: Arc::clone(&at.file),
                input_line: at.line,
                input_record: 0,
                raw: Some(String::from_utf8_lossy(data).into_owned()),
                error: Some(e.message),
                event: None,
            }),
        }
        self.pending += 1;
        if self.pending >= self.batch_size {
            self.drain(out);
        }
    }

    /// An input that could not be read: replay writes what was read before it first.
    fn error_row(&mut self, at: Position, reason: String, raw: Option<&[u8]>, out: &mut Vec<Row>) {
        if self.pending > 0 {
            self.drain(out);
        }
        out.push(Row {
            input_file: at.file,
            input_line: at.line,
            input_record: 0,
            raw: raw.map(|r| String::from_utf8_lossy(r).into_owned()),
            error: Some(reason),
            event: None,
        });
    }
}

struct Position {
    file: Arc<str>,
    line: u64,
    record: Option<u32>,
}

/// Correlation findings are rows of their own, with no input position (as replay writes them).
fn correlation_row(mut event: EnrichedEvent) -> Row {
    Row {
        input_file: Arc::from(""),
        input_line: 0,
        input_record: event.envelope_index,
        raw: event.raw.take(),
        error: None,
        event: Some(event),
    }
}
