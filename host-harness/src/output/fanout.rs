//! One replay feeding several outputs: the enriched table (whose row count the run's accounting
//! checks) and any number of side outputs (OCSF findings, ...).

use anyhow::{Context, Result};

use super::{Row, RowSink};

pub struct FanOut {
    table: Box<dyn RowSink>,
    side: Vec<Box<dyn RowSink>>,
}

impl FanOut {
    /// `table` is the enriched table; `side` outputs see every row too.
    pub fn new(table: Box<dyn RowSink>, side: Vec<Box<dyn RowSink>>) -> FanOut {
        FanOut { table, side }
    }
}

impl RowSink for FanOut {
    fn push(&mut self, row: Row) -> Result<()> {
        for sink in &mut self.side {
            // `Row` carries owned data for one consumer; side outputs get a copy.
            sink.push(row.clone())?;
        }
        self.table.push(row)
    }

    /// Side outputs are completed first: if one fails, the enriched table is dropped unfinished too,
    /// so a run never leaves a table in place whose findings file is missing.
    fn finish(self: Box<Self>) -> Result<u64> {
        let FanOut { table, side } = *self;
        for sink in side {
            sink.finish().context("finishing a side output")?;
        }
        table.finish()
    }
}

/// Builds a fan-out only when there is something to fan out to.
pub fn combine(table: Box<dyn RowSink>, side: Vec<Box<dyn RowSink>>) -> Box<dyn RowSink> {
    if side.is_empty() {
        table
    } else {
        Box::new(FanOut::new(table, side))
    }
}
