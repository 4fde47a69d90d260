//! `blindspot._native.Engine`: one stream through the native engine. The Python wrapper
//! (`blindspot.Engine`) takes the configuration as text, a dict or a file, and tables as well as
//! batches; this class takes a configuration document and a list of record batches.

use std::sync::Arc;

use crate::host::{self, ConfigRejected, Row};
use arrow::pyarrow::PyArrowType;
use arrow::record_batch::RecordBatch;
use blindspot_plugin::model::StateStats;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::columns::{ColumnNames, InputColumns};
use crate::error::Error;
use crate::output;
use crate::stream::{REPLAY_BATCH_SIZE, Stream};

/// What a call returns: the enriched table or the OCSF findings of the same rows.
#[derive(Clone, Copy)]
enum Form {
    Table,
    Ocsf,
}

impl Form {
    fn of(ocsf: bool) -> Form {
        if ocsf { Form::Ocsf } else { Form::Table }
    }

    fn encode(self, rows: &[Row]) -> Result<RecordBatch, Error> {
        match self {
            Form::Table => output::table(rows),
            Form::Ocsf => output::ocsf_records(rows),
        }
    }
}

#[pyclass(module = "blindspot._native", name = "Engine")]
pub struct PyEngine {
    stream: Stream,
}

#[pymethods]
impl PyEngine {
    #[new]
    #[pyo3(signature = (config=None, batch_size=REPLAY_BATCH_SIZE))]
    fn new(config: Option<&str>, batch_size: usize) -> PyResult<PyEngine> {
        let mut engine = blindspot_plugin::Engine::new();
        if let Some(document) = config {
            engine.configure(document).map_err(|e| {
                Error::Config(ConfigRejected {
                    path: e.path,
                    message: e.message,
                })
            })?;
        }
        Ok(PyEngine {
            stream: Stream::new(engine, batch_size),
        })
    }

    /// Enrich the rows of `batches` (in order) and return the enriched rows followed by the
    /// correlations they completed; with `ocsf`, the OCSF records of those rows' findings instead.
    #[pyo3(signature = (
        batches, column="value", file=None, file_column=None, line_column=None,
        record_column=None, error_column=None, stream_column=None, ocsf=false
    ))]
    #[allow(clippy::too_many_arguments)]
    fn process(
        &mut self,
        py: Python<'_>,
        batches: Vec<PyArrowType<RecordBatch>>,
        column: &str,
        file: Option<&str>,
        file_column: Option<String>,
        line_column: Option<String>,
        record_column: Option<String>,
        error_column: Option<String>,
        stream_column: Option<String>,
        ocsf: bool,
    ) -> PyResult<PyArrowType<RecordBatch>> {
        let names = ColumnNames {
            value: column.to_owned(),
            file: file_column,
            line: line_column,
            record: record_column,
            error: error_column,
            stream: stream_column,
        };
        let inputs = batches
            .iter()
            .map(|b| InputColumns::read(&b.0, &names))
            .collect::<Result<Vec<_>, Error>>()?;
        let default_file: Arc<str> = Arc::from(file.unwrap_or(""));
        let stream = &mut self.stream;
        let form = Form::of(ocsf);
        // The engine runs without the GIL so other Python threads go on meanwhile.
        let batch = py.detach(|| {
            let mut rows = Vec::new();
            for input in &inputs {
                stream.batch(input, &default_file, &mut rows);
            }
            form.encode(&rows)
        })?;
        Ok(PyArrowType(batch))
    }

    /// End of stream: pending correlations and what closing every window completes. The engine
    /// then starts a new stream with the same configuration.
    #[pyo3(signature = (ocsf=false))]
    fn flush(&mut self, py: Python<'_>, ocsf: bool) -> PyResult<PyArrowType<RecordBatch>> {
        let stream = &mut self.stream;
        let form = Form::of(ocsf);
        let batch = py.detach(|| {
            let mut rows = Vec::new();
            stream.flush(&mut rows);
            form.encode(&rows)
        })?;
        Ok(PyArrowType(batch))
    }

    /// Every rule, with whether the configuration enables it.
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for rule in self.stream.engine().rules() {
            let entry = PyDict::new(py);
            entry.set_item("id", rule.id)?;
            entry.set_item("title", rule.title)?;
            entry.set_item("description", rule.description)?;
            entry.set_item("technique_id", rule.technique_id)?;
            entry.set_item("technique_name", rule.technique_name)?;
            entry.set_item("tactic", rule.tactic)?;
            entry.set_item("default_severity", rule.default_severity.as_str())?;
            let sources: Vec<&str> = rule.sources.iter().map(|s| s.as_str()).collect();
            entry.set_item("sources", sources)?;
            entry.set_item("enabled", rule.enabled)?;
            list.append(entry)?;
        }
        Ok(list)
    }

    /// Counters of the bounded correlation state since the engine was made.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let StateStats {
            tracked,
            evicted,
            late_events,
            emitted,
        } = self.stream.engine().stats();
        let stats = PyDict::new(py);
        stats.set_item("tracked", tracked)?;
        stats.set_item("evicted", evicted)?;
        stats.set_item("late_events", late_events)?;
        stats.set_item("emitted", emitted)?;
        Ok(stats)
    }
}

/// The enriched table's schema (`blindspot replay`'s Parquet schema).
#[pyfunction]
pub fn table_schema() -> PyArrowType<arrow::datatypes::Schema> {
    PyArrowType(host::table_schema().as_ref().clone())
}

/// The OCSF records' schema.
#[pyfunction]
pub fn ocsf_schema() -> PyArrowType<arrow::datatypes::Schema> {
    PyArrowType(host::ocsf::schema().as_ref().clone())
}
