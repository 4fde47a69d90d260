//! blindspot for Python: the native detection engine (`blindspot_plugin::Engine`) over Arrow record
//! batches, with the harness's input framing and output encoders, so that a batch enriched here is
//! row for row what `blindspot replay` writes for the same input. The Python package `blindspot`
//! wraps this module; `blindspot.spark` runs it inside Spark.

mod columns;
mod engine;
mod error;
mod framing;
mod host;
mod keys;
mod output;
mod stream;

use std::path::PathBuf;

use arrow::pyarrow::PyArrowType;
use arrow::record_batch::RecordBatch;
use pyo3::prelude::*;

use crate::columns::{ColumnNames, InputColumns};

/// The units of the event files under `paths`, framed as `blindspot replay` frames them.
#[pyfunction]
fn read_events(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<PyArrowType<RecordBatch>> {
    Ok(PyArrowType(py.detach(|| framing::read_paths(&paths))?))
}

/// The units of whole-file contents (Spark's `binaryFile` rows).
#[pyfunction]
#[pyo3(signature = (batch, path_column="path", content_column="content", only_event_files=true))]
fn frame(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    path_column: &str,
    content_column: &str,
    only_event_files: bool,
) -> PyResult<PyArrowType<RecordBatch>> {
    let framed = py.detach(|| {
        framing::frame_contents(&batch.0, path_column, content_column, only_event_files)
    })?;
    Ok(PyArrowType(framed))
}

/// One row per event with its correlation keys (see `keys.rs`).
#[pyfunction]
#[pyo3(name = "keys", signature = (batch, column="value", file_column="file", line_column="line", error_column="error"))]
fn split_keys(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    column: &str,
    file_column: &str,
    line_column: &str,
    error_column: &str,
) -> PyResult<PyArrowType<RecordBatch>> {
    let names = ColumnNames {
        value: column.to_owned(),
        file: Some(file_column.to_owned()),
        line: Some(line_column.to_owned()),
        error: Some(error_column.to_owned()),
        ..ColumnNames::default()
    };
    let split = py.detach(|| {
        let input = InputColumns::read(&batch.0, &names)?;
        keys::split(&input)
    })?;
    Ok(PyArrowType(split))
}

/// The schema of `keys` batches.
#[pyfunction]
fn keys_schema() -> PyArrowType<arrow::datatypes::Schema> {
    PyArrowType(keys::schema().as_ref().clone())
}

/// The schema of `read_events` and `frame` batches.
#[pyfunction]
fn events_schema() -> PyArrowType<arrow::datatypes::Schema> {
    PyArrowType(framing::schema().as_ref().clone())
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::PyEngine>()?;
    m.add_function(wrap_pyfunction!(engine::table_schema, m)?)?;
    m.add_function(wrap_pyfunction!(engine::ocsf_schema, m)?)?;
    m.add_function(wrap_pyfunction!(read_events, m)?)?;
    m.add_function(wrap_pyfunction!(frame, m)?)?;
    m.add_function(wrap_pyfunction!(split_keys, m)?)?;
    m.add_function(wrap_pyfunction!(keys_schema, m)?)?;
    m.add_function(wrap_pyfunction!(events_schema, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
