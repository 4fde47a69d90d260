//! `blindspot report`: summarise an output, optionally as an HTML page.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use blindspot_host::output::report::{self, ReportOptions};

use crate::remote;

#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// An output of `blindspot replay`: the enriched table (file or --partition-by directory) or the
    /// --ocsf findings (Parquet, or NDJSON by extension); a local path or an object-store URL.
    pub path: PathBuf,
    /// Write the HTML page here (self-contained: open it in any browser, no network needed).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Principals shown in the summary and the chart.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    // A remote output is copied to a temporary directory first (kept until the report is written).
    let (path, _fetched) = remote::fetch_for_report(&args.path)?;
    let options = ReportOptions {
        path,
        html: args.html,
        top: args.top,
    };
    report::run(&options, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}
