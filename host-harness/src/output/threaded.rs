//! A `RowSink` that runs another sink on a thread of its own. The replay loop hands over chunks of rows
//! through a bounded channel and goes back to the plugin while the writer encodes and compresses
//! Parquet on the second core. The channel's bound caps the rows in flight, so memory stays flat
//! whatever the input's size; a writer that fails stops the run with its error at the next hand-over.

use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use anyhow::{Result, anyhow};

use super::{Row, RowSink};

/// Rows handed over at a time: large enough that the channel costs nothing per row.
pub const CHUNK_ROWS: usize = 1024;
/// Chunks queued ahead of the writer; with `CHUNK_ROWS` about 4 × 1024 rows (a few MB) in flight.
pub const QUEUE_CHUNKS: usize = 4;

enum Message {
    Rows(Vec<Row>),
    /// The run failed: drop the inner sink without finishing it, so it leaves no output behind.
    Abort,
}

pub struct ThreadedSink {
    sender: Option<SyncSender<Message>>,
    chunk: Vec<Row>,
    chunk_rows: usize,
    writer: Option<JoinHandle<Result<u64>>>,
}

impl ThreadedSink {
    pub fn new(inner: Box<dyn RowSink>) -> Result<ThreadedSink> {
        ThreadedSink::with_bounds(inner, CHUNK_ROWS, QUEUE_CHUNKS)
    }

    pub fn with_bounds(
        mut inner: Box<dyn RowSink>,
        chunk_rows: usize,
        queue_chunks: usize,
    ) -> Result<ThreadedSink> {
        let (sender, receiver) = sync_channel::<Message>(queue_chunks.max(1));
        let writer = std::thread::Builder::new()
            .name("blindspot-writer".into())
            .spawn(move || -> Result<u64> {
                for message in receiver {
                    match message {
                        Message::Rows(chunk) => {
                            for row in chunk {
                                inner.push(row)?;
                            }
                        }
                        Message::Abort => return Ok(0),
                    }
                }
                inner.finish()
            })?;
        Ok(ThreadedSink {
            sender: Some(sender),
            chunk: Vec::with_capacity(chunk_rows.max(1)),
            chunk_rows: chunk_rows.max(1),
            writer: Some(writer),
        })
    }

    fn hand_over(&mut self) -> Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(self.chunk_rows));
        let sent = match &self.sender {
            Some(sender) => sender.send(Message::Rows(chunk)).is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The writer has stopped: its result says why.
        self.sender = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => Err(e),
            Some(Err(_)) => Err(anyhow!("the output writer thread panicked")),
            Some(Ok(Ok(_))) | None => Err(anyhow!("the output writer stopped early")),
        }
    }
}

impl RowSink for ThreadedSink {
    fn push(&mut self, row: Row) -> Result<()> {
        self.chunk.push(row);
        if self.chunk.len() >= self.chunk_rows {
            self.hand_over()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<u64> {
        self.hand_over()?;
        self.sender = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(anyhow!("the output writer thread panicked")),
            None => Err(anyhow!("the output writer stopped early")),
        }
    }
}

impl Drop for ThreadedSink {
    fn drop(&mut self) {
        // Dropped without `finish` (the run failed). Closing the channel alone would make the writer
        // finish the file, so it is told to abort.
        if let Some(writer) = self.writer.take() {
            if let Some(sender) = self.sender.take() {
                let _ = sender.send(Message::Abort);
            }
            let _ = writer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Records what reaches it; fails at a given row when asked to.
    struct Recorder {
        seen: Arc<Mutex<Vec<u64>>>,
        finished: Arc<Mutex<bool>>,
        fail_at: Option<u64>,
    }

    impl RowSink for Recorder {
        fn push(&mut self, row: Row) -> Result<()> {
            if Some(row.input_line) == self.fail_at {
                anyhow::bail!("disk full at row {}", row.input_line);
            }
            self.seen.lock().expect("lock").push(row.input_line);
            Ok(())
        }

        fn finish(self: Box<Self>) -> Result<u64> {
            *self.finished.lock().expect("lock") = true;
            Ok(self.seen.lock().expect("lock").len() as u64)
        }
    }

    fn row(line: u64) -> Row {
        Row {
            input_file: Arc::from("f.ndjson"),
            input_line: line,
            input_record: 0,
            raw: Some("{}".into()),
            error: None,
            event: None,
        }
    }

    type Seen = Arc<Mutex<Vec<u64>>>;
    type Finished = Arc<Mutex<bool>>;

    fn recorder(fail_at: Option<u64>) -> (Recorder, Seen, Finished) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let finished = Arc::new(Mutex::new(false));
        (
            Recorder {
                seen: seen.clone(),
                finished: finished.clone(),
                fail_at,
            },
            seen,
            finished,
        )
    }

    #[test]
    fn rows_arrive_in_order_and_finish_counts_them() {
        let (inner, seen, finished) = recorder(None);
        let mut sink = Box::new(ThreadedSink::with_bounds(Box::new(inner), 7, 2).expect("sink"));
        for line in 1..=100 {
            sink.push(row(line)).expect("push");
        }
        assert_eq!(sink.finish().expect("finish"), 100);
        assert_eq!(*seen.lock().expect("lock"), (1..=100).collect::<Vec<_>>());
        assert!(*finished.lock().expect("lock"));
    }

    #[test]
    fn a_writer_error_stops_the_run_with_its_reason() {
        let (inner, _, finished) = recorder(Some(10));
        let mut sink = Box::new(ThreadedSink::with_bounds(Box::new(inner), 4, 1).expect("sink"));
        let mut error = None;
        for line in 1..=1000 {
            if let Err(e) = sink.push(row(line)) {
                error = Some(e);
                break;
            }
        }
        let error = match error {
            Some(e) => e,
            None => sink.finish().expect_err("finish reports the failure"),
        };
        assert!(error.to_string().contains("disk full at row 10"), "{error}");
        assert!(!*finished.lock().expect("lock"));
    }

    #[test]
    fn dropping_without_finish_does_not_finish_the_output() {
        let (inner, _, finished) = recorder(None);
        let mut sink = ThreadedSink::with_bounds(Box::new(inner), 4, 1).expect("sink");
        for line in 1..=10 {
            sink.push(row(line)).expect("push");
        }
        drop(sink);
        assert!(!*finished.lock().expect("lock"));
    }
}
