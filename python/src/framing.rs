//! Cutting files into the units `blindspot replay` reads (the harness's `input` module: NDJSON line by
//! line, `.json` as whole documents or arrays, gzip by content), as a batch of `file`, `line`, `value`,
//! `error`. From paths on this machine, or from file contents an engine has already read (Spark's
//! `binaryFile` source on S3).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::host::input::{self, Unit};
use arrow::array::{ArrayRef, BinaryBuilder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use crate::columns::{ColumnNames, InputColumns};
use crate::error::Error;

/// The schema of a framed batch.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("value", DataType::Binary, true),
        Field::new("error", DataType::Utf8, true),
    ]))
}

#[derive(Default)]
struct Units {
    file: StringBuilder,
    line: Int64Builder,
    value: BinaryBuilder,
    error: StringBuilder,
}

impl Units {
    fn push(&mut self, file: &str, unit: Unit) {
        self.file.append_value(file);
        self.line
            .append_value(i64::try_from(unit.line).unwrap_or(i64::MAX));
        match unit.data {
            Ok(data) => {
                self.value.append_value(data);
                self.error.append_null();
            }
            Err(e) => {
                self.value.append_option(e.raw);
                self.error.append_value(e.reason);
            }
        }
    }

    fn finish(mut self) -> Result<RecordBatch, Error> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.file.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.error.finish()),
        ];
        Ok(RecordBatch::try_new(schema(), columns)?)
    }
}

fn input_error(path: &str, e: &anyhow::Error) -> Error {
    Error::Input {
        path: path.to_owned(),
        reason: format!("{e:#}"),
    }
}

/// Every unit of the event files under `paths` (directories walked in sorted order, skipping
/// `*.expected.json` and `*.config.json` as replay does), named as replay names them.
pub fn read_paths(paths: &[PathBuf]) -> Result<RecordBatch, Error> {
    let files = input::discover(paths).map_err(|e| {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        input_error(&shown.join(", "), &e)
    })?;
    let mut units = Units::default();
    for path in files {
        let name = path.to_string_lossy().into_owned();
        input::read_units(&path, &mut |unit| {
            units.push(&name, unit);
            Ok(())
        })
        .map_err(|e| input_error(&name, &e))?;
    }
    units.finish()
}

/// Every unit of the files in a batch of whole-file contents (`path` and `content` columns, as
/// Spark's `binaryFile` source gives them). With `only_event_files`, files replay would skip inside a
/// directory are left out.
pub fn frame_contents(
    batch: &RecordBatch,
    path_column: &str,
    content_column: &str,
    only_event_files: bool,
) -> Result<RecordBatch, Error> {
    let columns = InputColumns::read(
        batch,
        &ColumnNames {
            value: content_column.to_owned(),
            file: Some(path_column.to_owned()),
            ..ColumnNames::default()
        },
    )?;
    if columns.file.is_none() {
        return Err(Error::MissingColumn {
            name: path_column.to_owned(),
            found: batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect(),
        });
    }
    let mut units = Units::default();
    for row in 0..columns.len() {
        let name = columns.file(row).unwrap_or_default();
        let path = Path::new(name);
        if only_event_files && !input::is_event_file(path) {
            continue;
        }
        let Some(content) = columns.value(row) else {
            units.push(
                name,
                Unit {
                    line: 0,
                    data: Err(input::UnitError {
                        reason: "cannot read file: no content".to_owned(),
                        raw: None,
                    }),
                },
            );
            continue;
        };
        input::read_units_from_bytes(path, content.to_vec(), &mut |unit| {
            units.push(name, unit);
            Ok(())
        })
        .map_err(|e| input_error(name, &e))?;
    }
    units.finish()
}
