//! Findings as OCSF 1.4.0 Detection Finding (class 2004) records, one per finding, written as Parquet
//! (nested structs and lists, so engines can query `finding_info.analytic.uid`) or as NDJSON for
//! shippers. Both forms serialise the same `DetectionFinding` values; the Parquet schema is spelled
//! out below and the decoder runs in strict mode, so a field added to the records but not to the
//! schema fails loudly instead of vanishing. `docs/data-lake.md` documents the mapping field by field.

mod mapping;
mod record;
mod schema;
mod sink;

use anyhow::{Context, Result};
use arrow::json::ReaderBuilder;
use arrow::record_batch::RecordBatch;

pub use mapping::records;
pub use record::*;
pub use schema::schema;
pub use sink::OcsfSink;

/// The OCSF schema version the records follow.
pub const OCSF_VERSION: &str = "1.4.0";
const CLASS_UID: u32 = 2004;
const ACTIVITY_CREATE: u32 = 1;

/// How the OCSF records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcsfFormat {
    Parquet,
    Ndjson,
}

/// Encodes records in [`schema`] (what the Parquet output writes; an empty batch for no records). The
/// decoder is strict: a field a record has and the schema lacks is an error, never a silently dropped
/// column.
pub fn to_record_batch(records: &[DetectionFinding]) -> Result<RecordBatch> {
    let mut decoder = ReaderBuilder::new(schema())
        .with_strict_mode(true)
        .build_decoder()?;
    decoder
        .serialize(records)
        .context("encoding OCSF records for Parquet")?;
    Ok(decoder
        .flush()?
        .unwrap_or_else(|| RecordBatch::new_empty(schema())))
}
