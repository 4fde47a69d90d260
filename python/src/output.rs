//! Rows to Arrow, with the harness's own encoders: the enriched table in exactly the schema of
//! `blindspot replay`'s Parquet output, and the OCSF Detection Finding records in the schema of its
//! `--ocsf` output.

use crate::host::{self, Row, ocsf};
use arrow::json::ReaderBuilder;
use arrow::record_batch::RecordBatch;

use crate::error::Error;

pub fn table(rows: &[Row]) -> Result<RecordBatch, Error> {
    host::table_batch(rows).map_err(|e| Error::Encode(format!("{e:#}")))
}

/// One record per finding of the rows (suppressed findings too), encoded as the harness's OCSF
/// writer encodes them: serde records through Arrow's JSON decoder in strict mode against
/// [`ocsf::schema`], so a field the records carry and the schema lacks fails instead of vanishing.
pub fn ocsf_records(rows: &[Row]) -> Result<RecordBatch, Error> {
    let records: Vec<ocsf::DetectionFinding> = rows.iter().flat_map(ocsf::records).collect();
    let mut decoder = ReaderBuilder::new(ocsf::schema())
        .with_strict_mode(true)
        .with_batch_size(records.len().max(1))
        .build_decoder()?;
    decoder.serialize(&records)?;
    Ok(decoder
        .flush()?
        .unwrap_or_else(|| RecordBatch::new_empty(ocsf::schema())))
}
