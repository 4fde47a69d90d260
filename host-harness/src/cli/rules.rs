//! `blindspot rules`: the rules the loaded plugin implements, as a table, JSON or the Markdown catalogue.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use blindspot_host::runtime::catalogue;
use blindspot_plugin::rules::attack::VERSIONS as ATTACK_VERSIONS;

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
    let mut detector = args.plugin.detector()?;
    let rules = detector.rules()?;
    let skipped = detector.skipped_rules()?;
    let mut stdout = std::io::stdout().lock();
    if args.markdown {
        stdout.write_all(catalogue::markdown(&rules).as_bytes())?;
        stdout.write_all(catalogue::skipped_markdown(&skipped).as_bytes())?;
    } else if args.json {
        if skipped.is_empty() {
            serde_json::to_writer_pretty(&mut stdout, &rules)?;
        } else {
            // Rules stay a plain list (what scripts read); skipped Sigma rules need a key of their own.
            serde_json::to_writer_pretty(
                &mut stdout,
                &serde_json::json!({ "rules": rules, "skipped_sigma_rules": skipped }),
            )?;
        }
        writeln!(stdout)?;
    } else {
        writeln!(stdout, "# techniques: {ATTACK_VERSIONS}")?;
        writeln!(
            stdout,
            "{:<44} {:<10} {:<10} {:<9} {:<16} title",
            "id", "technique", "newer", "severity", "sources"
        )?;
        for rule in rules {
            let sources: Vec<&str> = rule.sources.iter().map(|s| s.as_str()).collect();
            writeln!(
                stdout,
                "{:<44} {:<10} {:<10} {:<9} {:<16} {}{}",
                rule.id,
                rule.technique_id,
                rule.technique_newer.as_ref().map_or("", |t| t.id.as_str()),
                rule.default_severity.as_str(),
                sources.join(","),
                rule.title,
                if rule.enabled { "" } else { " (disabled)" }
            )?;
            if rule.origin != blindspot_plugin::model::BUILT_IN {
                writeln!(stdout, "{:<44} from {}", "", rule.origin)?;
            }
        }
        for s in &skipped {
            writeln!(
                stdout,
                "skipped Sigma rule {} ({}){}: {}",
                s.rule,
                s.origin,
                if s.path.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", s.path)
                },
                s.reason
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
