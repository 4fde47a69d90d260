//! `--input-column NAME`: Parquet inputs whose string column NAME holds one raw JSON event per row
//! (a lake table of raw events, a SIEM export). Each row is one unit; its 1-based row number stands
//! for the line number in error rows and expectations. Only that column is read (a projection), a row
//! group at a time, local or remote.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use arrow::array::{Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::schema::types::SchemaDescriptor;

use super::input::{Unit, UnitError};

/// Rows decoded per batch.
const BATCH_ROWS: usize = 1024;

type Batches = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// Whether a file is read as Parquet under `--input-column`.
pub fn is_parquet(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|n| n.ends_with(".parquet"))
}

/// Calls `emit` for every row's event, in row order. A file that cannot be opened or has no such
/// string column is one error unit; a read error part-way is an error unit at the row reached.
pub fn read_rows(
    path: &Path,
    column: &str,
    emit: &mut dyn FnMut(Unit) -> Result<()>,
) -> Result<()> {
    let batches = match open(path, column) {
        Ok(batches) => batches,
        Err(e) => return emit(error_unit(0, format!("cannot read file: {e:#}"))),
    };
    let mut row = 0u64;
    for batch in batches {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => return emit(error_unit(row + 1, format!("read error: {e:#}"))),
        };
        let values = arrow::compute::cast(batch.column(0), &DataType::Utf8)?;
        let Some(values) = values.as_any().downcast_ref::<StringArray>() else {
            return emit(error_unit(
                row + 1,
                format!("column {column:?} is not text"),
            ));
        };
        for i in 0..values.len() {
            row += 1;
            let data = if values.is_null(i) {
                Err(UnitError {
                    reason: format!("column {column:?} is null in this row"),
                    raw: None,
                })
            } else {
                Ok(values.value(i).as_bytes().to_vec())
            };
            emit(Unit { line: row, data })?;
        }
    }
    Ok(())
}

fn error_unit(line: u64, reason: String) -> Unit {
    Unit {
        line,
        data: Err(UnitError { reason, raw: None }),
    }
}

/// The projection reading only `column`, which must be a top-level text column.
fn projection(schema: &Schema, parquet: &SchemaDescriptor, column: &str) -> Result<ProjectionMask> {
    let (index, field) = schema.column_with_name(column).ok_or_else(|| {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        anyhow!("no column {column:?} (columns: {})", names.join(", "))
    })?;
    if !matches!(
        field.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        return Err(anyhow!(
            "column {column:?} is {}, not a string column of raw JSON events",
            field.data_type()
        ));
    }
    Ok(ProjectionMask::roots(parquet, [index]))
}

fn open(path: &Path, column: &str) -> Result<Batches> {
    if crate::storage::location::is_remote(path) {
        return open_remote(path, column);
    }
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
    let mask = projection(builder.schema(), builder.parquet_schema(), column)?;
    let reader = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()?;
    Ok(Box::new(reader.map(|b| b.map_err(anyhow::Error::from))))
}

#[cfg(feature = "object-store")]
fn open_remote(path: &Path, column: &str) -> Result<Batches> {
    use futures::StreamExt;
    use parquet::arrow::ParquetRecordBatchStreamBuilder;

    use crate::storage::parquet::ObjectReader;
    use crate::storage::store::runtime;

    let url = path.to_string_lossy();
    let reader = ObjectReader::open(&url)?;
    let rt = runtime()?;
    let builder = rt
        .block_on(ParquetRecordBatchStreamBuilder::new(reader))
        .with_context(|| format!("{url} is not a readable Parquet object"))?;
    let mask = projection(builder.schema(), builder.parquet_schema(), column)?;
    let mut stream = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()?;
    let handle = rt.handle().clone();
    Ok(Box::new(std::iter::from_fn(move || {
        handle
            .block_on(stream.next())
            .map(|b| b.map_err(anyhow::Error::from))
    })))
}

#[cfg(not(feature = "object-store"))]
fn open_remote(path: &Path, _column: &str) -> Result<Batches> {
    Err(crate::storage::StorageError::NotBuilt(path.display().to_string()).into())
}
