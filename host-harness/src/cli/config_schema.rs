//! `blindspot config-schema`: the JSON Schema of the configuration document.

use std::process::ExitCode;

use anyhow::Result;

pub fn run() -> Result<ExitCode> {
    print!("{}", blindspot_plugin::config::json_schema());
    Ok(ExitCode::SUCCESS)
}
