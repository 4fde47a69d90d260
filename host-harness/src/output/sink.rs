use anyhow::Result;

use super::Row;

/// A destination for rows. The replay loop only knows this trait, so outputs and how they are driven
/// (inline, on a writer thread, several at once) combine without touching the loop. Implementations
/// write to temporary files and move them into place only in `finish`; dropping a sink without
/// `finish` must leave no half-written output behind.
pub trait RowSink: Send {
    fn push(&mut self, row: Row) -> Result<()>;
    /// Complete every output. Returns the number of rows of the enriched table written (the figure the
    /// run's accounting checks).
    fn finish(self: Box<Self>) -> Result<u64>;
}
