//! Errors to exit statuses (see `main.rs`).

use std::process::ExitCode;

use anyhow::Result;
use blindspot_host::runtime::detector::ConfigRejected;

/// Bad usage: a missing input, an unreadable configuration, a checkpoint that does not fit. Exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// `Err(Usage(..))` from anything printable.
pub fn usage(message: impl std::fmt::Display) -> anyhow::Error {
    Usage(message.to_string()).into()
}

/// Prints an error; usage errors and rejected configurations exit 2, any other failure 3.
pub fn status(result: Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("blindspot: error: {e:#}");
            if e.downcast_ref::<Usage>().is_some() || e.downcast_ref::<ConfigRejected>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(3)
            }
        }
    }
}
