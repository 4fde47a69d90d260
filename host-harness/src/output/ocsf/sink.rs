//! The OCSF output of a replay: Parquet or NDJSON, one record per finding.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Result;
use parquet::arrow::ArrowWriter;

use super::{DetectionFinding, OcsfFormat, records, schema, to_record_batch};
use crate::output::atomic::Staged;
use crate::output::{Row, RowSink, table};

/// Records buffered before they are encoded as one Parquet record batch.
const BATCH_RECORDS: usize = 4096;
const ROW_GROUP_ROWS: usize = 65_536;

enum Output {
    Parquet {
        // Boxed: the writer's buffers dwarf the NDJSON variant.
        writer: Box<ArrowWriter<File>>,
        pending: Vec<DetectionFinding>,
    },
    Ndjson(BufWriter<File>),
}

/// Writes the OCSF records of every row to `path` (a temporary file moved into place in `finish`).
pub struct OcsfSink {
    /// `None` once finished.
    output: Option<Output>,
    staged: Staged,
    records: u64,
}

impl OcsfSink {
    pub fn create(path: &Path, format: OcsfFormat) -> Result<OcsfSink> {
        let (staged, file) = Staged::file(path)?;
        let output = match format {
            OcsfFormat::Parquet => {
                let props = table::writer_properties(ROW_GROUP_ROWS)?;
                Output::Parquet {
                    writer: Box::new(ArrowWriter::try_new(file, schema(), Some(props))?),
                    pending: Vec::with_capacity(BATCH_RECORDS),
                }
            }
            OcsfFormat::Ndjson => Output::Ndjson(BufWriter::new(file)),
        };
        Ok(OcsfSink {
            output: Some(output),
            staged,
            records: 0,
        })
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    fn write_pending(
        writer: &mut ArrowWriter<File>,
        pending: &mut Vec<DetectionFinding>,
    ) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let batch = to_record_batch(pending)?;
        pending.clear();
        writer.write(&batch)?;
        Ok(())
    }
}

impl RowSink for OcsfSink {
    fn push(&mut self, row: Row) -> Result<()> {
        let records = records(&row);
        self.records += records.len() as u64;
        match self.output.as_mut() {
            Some(Output::Parquet { writer, pending }) => {
                pending.extend(records);
                if pending.len() >= BATCH_RECORDS {
                    OcsfSink::write_pending(writer, pending)?;
                }
            }
            Some(Output::Ndjson(out)) => {
                for record in &records {
                    serde_json::to_writer(&mut *out, record)?;
                    out.write_all(b"\n")?;
                }
            }
            None => {}
        }
        Ok(())
    }

    /// Returns the number of OCSF records written (not enriched-table rows: a fan-out reports the
    /// enriched table's count).
    fn finish(mut self: Box<Self>) -> Result<u64> {
        match self.output.take() {
            Some(Output::Parquet {
                mut writer,
                mut pending,
            }) => {
                OcsfSink::write_pending(&mut writer, &mut pending)?;
                writer.close()?;
            }
            Some(Output::Ndjson(mut out)) => {
                out.flush()?;
                out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            }
            None => {}
        }
        self.staged.commit()?;
        Ok(self.records)
    }
}
