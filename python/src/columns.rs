//! Reading a caller's record batch: the event column (any string or binary type Arrow and Spark
//! produce) and the optional position, error and stream-key columns, each checked for its type so a
//! wrong column is named in the error instead of misread.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BinaryArray, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;

use crate::error::Error;

/// Where the optional columns are, by name; a name that is absent from the batch is not used.
#[derive(Debug, Clone, Default)]
pub struct ColumnNames {
    pub value: String,
    pub file: Option<String>,
    pub line: Option<String>,
    pub record: Option<String>,
    pub error: Option<String>,
    pub stream: Option<String>,
}

/// A batch's columns, cast to one representation each.
pub struct InputColumns {
    pub value: BinaryArray,
    pub file: Option<StringArray>,
    pub line: Option<Int64Array>,
    pub record: Option<Int64Array>,
    pub error: Option<StringArray>,
    pub stream: Option<StringArray>,
}

impl InputColumns {
    pub fn read(batch: &RecordBatch, names: &ColumnNames) -> Result<InputColumns, Error> {
        let value = batch
            .column_by_name(&names.value)
            .ok_or_else(|| Error::MissingColumn {
                name: names.value.clone(),
                found: column_names(batch),
            })?;
        let value = as_binary(&names.value, value)?;
        fn optional<'a>(
            batch: &'a RecordBatch,
            name: &'a Option<String>,
        ) -> Option<(&'a str, &'a ArrayRef)> {
            name.as_deref()
                .and_then(|n| batch.column_by_name(n).map(|c| (n, c)))
        }
        let text = |name: &Option<String>| -> Result<Option<StringArray>, Error> {
            optional(batch, name)
                .map(|(n, c)| as_string(n, c))
                .transpose()
        };
        let int = |name: &Option<String>| -> Result<Option<Int64Array>, Error> {
            optional(batch, name)
                .map(|(n, c)| as_int64(n, c))
                .transpose()
        };
        Ok(InputColumns {
            value,
            file: text(&names.file)?,
            line: int(&names.line)?,
            record: int(&names.record)?,
            error: text(&names.error)?,
            stream: text(&names.stream)?,
        })
    }

    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn value(&self, row: usize) -> Option<&[u8]> {
        self.value.is_valid(row).then(|| self.value.value(row))
    }

    pub fn file(&self, row: usize) -> Option<&str> {
        string_at(self.file.as_ref(), row)
    }

    pub fn line(&self, row: usize) -> Option<i64> {
        int_at(self.line.as_ref(), row)
    }

    pub fn record(&self, row: usize) -> Option<i64> {
        int_at(self.record.as_ref(), row)
    }

    pub fn error(&self, row: usize) -> Option<&str> {
        string_at(self.error.as_ref(), row)
    }

    pub fn stream(&self, row: usize) -> Option<&str> {
        string_at(self.stream.as_ref(), row)
    }
}

fn string_at(array: Option<&StringArray>, row: usize) -> Option<&str> {
    array.filter(|a| a.is_valid(row)).map(|a| a.value(row))
}

fn int_at(array: Option<&Int64Array>, row: usize) -> Option<i64> {
    array.filter(|a| a.is_valid(row)).map(|a| a.value(row))
}

fn column_names(batch: &RecordBatch) -> Vec<String> {
    batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

fn cast_to(name: &str, column: &ArrayRef, to: &DataType) -> Result<ArrayRef, Error> {
    cast(column, to).map_err(|e| Error::ColumnType {
        name: name.to_owned(),
        found: column.data_type().to_string(),
        expected: to.to_string(),
        reason: e.to_string(),
    })
}

fn wrong_type(name: &str, column: &ArrayRef, expected: &str) -> Error {
    Error::ColumnType {
        name: name.to_owned(),
        found: column.data_type().to_string(),
        expected: expected.to_owned(),
        reason: "unsupported column type".to_owned(),
    }
}

/// Events as bytes: string columns are taken as their UTF-8 bytes, binary ones as they are.
fn as_binary(name: &str, column: &ArrayRef) -> Result<BinaryArray, Error> {
    let column: ArrayRef = match column.data_type() {
        DataType::Binary => Arc::clone(column),
        DataType::Utf8 => Arc::new(BinaryArray::from(column.as_string::<i32>().clone())),
        DataType::LargeUtf8 | DataType::Utf8View | DataType::LargeBinary | DataType::BinaryView => {
            cast_to(name, column, &DataType::Binary)?
        }
        _ => return Err(wrong_type(name, column, "string or binary")),
    };
    Ok(column.as_binary::<i32>().clone())
}

fn as_string(name: &str, column: &ArrayRef) -> Result<StringArray, Error> {
    let column = match column.data_type() {
        DataType::Utf8 => Arc::clone(column),
        DataType::LargeUtf8 | DataType::Utf8View => cast_to(name, column, &DataType::Utf8)?,
        _ => return Err(wrong_type(name, column, "string")),
    };
    Ok(column.as_string::<i32>().clone())
}

fn as_int64(name: &str, column: &ArrayRef) -> Result<Int64Array, Error> {
    let column = match column.data_type() {
        DataType::Int64 => Arc::clone(column),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => cast_to(name, column, &DataType::Int64)?,
        _ => return Err(wrong_type(name, column, "integer")),
    };
    Ok(column.as_primitive::<arrow::datatypes::Int64Type>().clone())
}
