//! What the Python functions refuse, each turned into the Python exception that fits it.

use pyo3::PyErr;
use pyo3::exceptions::{PyKeyError, PyOSError, PyRuntimeError, PyTypeError, PyValueError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the batch has no column {name:?} (its columns: {found:?})")]
    MissingColumn { name: String, found: Vec<String> },
    #[error("column {name:?} is {found}, expected {expected}: {reason}")]
    ColumnType {
        name: String,
        found: String,
        expected: String,
        reason: String,
    },
    #[error("{0}")]
    Config(#[from] crate::host::ConfigRejected),
    #[error("reading {path}: {reason}")]
    Input { path: String, reason: String },
    #[error("building the output batch: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("building the output batch: {0}")]
    Encode(String),
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        let message = e.to_string();
        match e {
            Error::MissingColumn { .. } => PyKeyError::new_err(message),
            Error::ColumnType { .. } => PyTypeError::new_err(message),
            Error::Config(_) => PyValueError::new_err(message),
            Error::Input { .. } => PyOSError::new_err(message),
            Error::Arrow(_) | Error::Encode(_) => PyRuntimeError::new_err(message),
        }
    }
}
