//! Reading the enriched table back with the arrow Parquet reader, for the replay-runtime tests.

#![allow(dead_code)]

use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Int32Type, Int64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// One row, reduced to what identifies it and what the plugin decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowKey {
    pub file: String,
    pub line: i64,
    pub record: i32,
    pub error: Option<String>,
    pub rules: Vec<String>,
}

impl RowKey {
    /// Rows of correlation findings carry no input position.
    pub fn is_input(&self) -> bool {
        !self.file.is_empty()
    }
}

/// Every row of a Parquet file written by the harness, in file order. Panics on an unreadable file.
pub fn read(path: &Path) -> Vec<RowKey> {
    let file = std::fs::File::open(path).expect("open output");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a valid Parquet file")
        .build()
        .expect("reader");
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.expect("batch");
        let col = |name: &str| batch.column_by_name(name).expect(name).clone();
        let file = col("input_file");
        let file = file.as_string::<i32>();
        let line = col("input_line");
        let line = line.as_primitive::<Int64Type>();
        let record = col("input_record");
        let record = record.as_primitive::<Int32Type>();
        let error = col("error");
        let error = error.as_string::<i32>();
        let findings = col("findings");
        let findings = findings.as_list::<i32>();
        for i in 0..batch.num_rows() {
            let rules = if findings.is_valid(i) {
                let list = findings.value(i);
                let items = list.as_struct();
                let ids = items.column_by_name("rule_id").expect("rule_id");
                let ids = ids.as_string::<i32>();
                (0..ids.len()).map(|j| ids.value(j).to_owned()).collect()
            } else {
                Vec::new()
            };
            rows.push(RowKey {
                file: file.value(i).to_owned(),
                line: line.value(i),
                record: record.value(i),
                error: error.is_valid(i).then(|| error.value(i).to_owned()),
                rules,
            });
        }
    }
    rows
}

/// The rows that come from input units, in order.
pub fn input_rows(path: &Path) -> Vec<RowKey> {
    read(path).into_iter().filter(RowKey::is_input).collect()
}
