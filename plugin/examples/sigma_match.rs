//! Evaluate Sigma rules over NDJSON events and print the matches as JSON, for the pySigma differential
//! check (`.ci/sigma_differential.py`).
//!
//! `cargo run -p blindspot-plugin --example sigma_match -- <rules dir or file>... -- <source>=<events.ndjson>...`
//! where `<source>` is a source name (`aws_cloudtrail`, `azure_activity`, `gcp_audit`, `k8s_audit`).
//! Output: `{"matches": [{"file": …, "line": n, "rule": id}…], "skipped": [{"rule": …, "reason": …}]}`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use blindspot_plugin::model::SourceKind;
use blindspot_plugin::sigma::{self, OnUnsupported, SigmaDocument, SigmaOptions};
use blindspot_plugin::sources::json::Object;

fn rule_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            if entry.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(entry);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

fn run() -> Result<serde_json::Value, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args
        .iter()
        .position(|a| a == "--")
        .ok_or("usage: <rules>... -- <source>=<events.ndjson>...")?;
    let mut files = Vec::new();
    for path in &args[..split] {
        rule_files(Path::new(path), &mut files).map_err(|e| format!("{path}: {e}"))?;
    }
    let mut documents = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        documents.push(SigmaDocument {
            origin: file.display().to_string(),
            text,
        });
    }
    let options = SigmaOptions {
        on_unsupported: OnUnsupported::SkipAndReport,
    };
    let (set, skipped) = sigma::load(&documents, options).map_err(|e| e.to_string())?;
    let mut matches = Vec::new();
    for spec in &args[split + 1..] {
        let (source, path) = spec
            .split_once('=')
            .ok_or_else(|| format!("`{spec}` is not <source>=<file>"))?;
        let source =
            SourceKind::parse(source).ok_or_else(|| format!("unknown source `{source}`"))?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let object = Object::parse(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
            let mut out = Vec::new();
            set.evaluate(source, &object, &mut out);
            for m in out {
                matches.push(serde_json::json!({"file": path, "line": n + 1, "rule": m.rule.id}));
            }
        }
    }
    let skipped: Vec<serde_json::Value> = skipped
        .iter()
        .map(|s| serde_json::json!({"rule": s.error.rule, "reason": s.error.to_string()}))
        .collect();
    Ok(serde_json::json!({"rules": set.len(), "matches": matches, "skipped": skipped}))
}

fn main() -> ExitCode {
    match run() {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sigma_match: {e}");
            ExitCode::FAILURE
        }
    }
}
