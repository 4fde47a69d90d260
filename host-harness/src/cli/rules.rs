//! `blindspot rules`: the rules the loaded plugin implements, as a table, JSON or the Markdown catalogue.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use blindspot_host::runtime::catalogue;

use crate::plugin::PluginArgs;

#[derive(clap::Args)]
pub struct RulesArgs {
    /// Print JSON instead of a table.
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// Print the Markdown rule catalogue (docs/rules.md is generated with this).
    #[arg(long)]
    markdown: bool,
    #[command(flatten)]
    plugin: PluginArgs,
}

pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let rules = args.plugin.detector()?.rules()?;
    let mut stdout = std::io::stdout().lock();
    if args.markdown {
        stdout.write_all(catalogue::markdown(&rules).as_bytes())?;
    } else if args.json {
        serde_json::to_writer_pretty(&mut stdout, &rules)?;
        writeln!(stdout)?;
    } else {
        writeln!(
            stdout,
            "{:<44} {:<10} {:<9} {:<16} title",
            "id", "technique", "severity", "sources"
        )?;
        for rule in rules {
            let sources: Vec<&str> = rule.sources.iter().map(|s| s.as_str()).collect();
            writeln!(
                stdout,
                "{:<44} {:<10} {:<9} {:<16} {}{}",
                rule.id,
                rule.technique_id,
                rule.default_severity.as_str(),
                sources.join(","),
                rule.title,
                if rule.enabled { "" } else { " (disabled)" }
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
