//! Rows to Arrow, with the harness's own encoders: the enriched table in exactly the schema of
//! `blindspot replay`'s Parquet output, and the OCSF Detection Finding records in the schema of its
//! `--ocsf` output.

use arrow::record_batch::RecordBatch;

use crate::error::Error;
use crate::host::{self, Row, ocsf};

pub fn table(rows: &[Row]) -> Result<RecordBatch, Error> {
    host::table_batch(rows).map_err(|e| Error::Encode(format!("{e:#}")))
}

/// One record per finding of the rows (suppressed findings too), encoded by the harness's OCSF
/// encoder (strict against [`ocsf::schema`], an empty batch when there are no findings).
pub fn ocsf_records(rows: &[Row]) -> Result<RecordBatch, Error> {
    let records: Vec<ocsf::DetectionFinding> = rows.iter().flat_map(ocsf::records).collect();
    ocsf::to_record_batch(&records).map_err(|e| Error::Encode(format!("{e:#}")))
}
