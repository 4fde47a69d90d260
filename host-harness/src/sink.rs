//! Where replayed rows go. The replay loop only knows this trait, so the outputs (the enriched table,
//! partitioned lake files, OCSF findings) and how they are driven (inline, on a writer thread) can be
//! combined without touching the loop.

use anyhow::Result;

pub use crate::parquet_out::Row;

/// A destination for rows. Implementations write to temporary files and move them into place only in
/// `finish`; dropping a sink without `finish` must leave no half-written output behind.
pub trait RowSink: Send {
    fn push(&mut self, row: Row) -> Result<()>;
    /// Complete every output. Returns the number of rows of the enriched table written (the figure the
    /// run's accounting checks).
    fn finish(self: Box<Self>) -> Result<u64>;
}

impl RowSink for crate::parquet_out::ParquetSink {
    fn push(&mut self, row: Row) -> Result<()> {
        crate::parquet_out::ParquetSink::push(self, row)
    }

    fn finish(self: Box<Self>) -> Result<u64> {
        crate::parquet_out::ParquetSink::finish(*self)
    }
}
