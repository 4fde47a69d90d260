//! Expected findings beside recorded streams (`<stream>.expected.json`) and the comparison that
//! `replay --expect` prints: per-event mismatches and precision/recall per rule.
//!
//! Format:
//! ```json
//! { "stream": "cloudtrail_audit_logging.ndjson",
//!   "events": [ {"line": 3, "index": 0, "rules": ["aws.cloudtrail.stop_logging"], "suppressed": [], "note": "…"} ],
//!   "errors": [ {"line": 5, "note": "truncated JSON"} ] }
//! ```
//! `rules` are the unsuppressed findings the event must carry and `suppressed` the suppressed ones;
//! an event not listed must carry no finding; `errors` are the lines that must become error rows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFile {
    stream: String,
    #[serde(default)]
    events: Vec<ExpectedEvent>,
    #[serde(default)]
    errors: Vec<ExpectedError>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedEvent {
    line: u64,
    #[serde(default)]
    index: u32,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    suppressed: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedError {
    line: u64,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

/// The findings of one event, split by suppression.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EventFindings {
    pub rules: BTreeSet<String>,
    pub suppressed: BTreeSet<String>,
}

type Position = (u64, u32);

#[derive(Debug, Default)]
struct StreamExpectation {
    /// The expected file, for messages.
    source: PathBuf,
    events: BTreeMap<Position, EventFindings>,
    errors: BTreeSet<u64>,
}

#[derive(Debug, Default)]
struct StreamActual {
    events: BTreeMap<Position, EventFindings>,
    errors: BTreeSet<u64>,
}

/// Expectations for a set of streams, and what the run produced for them.
#[derive(Debug, Default)]
pub struct Expectations {
    streams: BTreeMap<PathBuf, StreamExpectation>,
    actual: BTreeMap<PathBuf, StreamActual>,
}

/// The outcome of the comparison.
pub struct Report {
    pub text: String,
    pub mismatches: usize,
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

impl Expectations {
    /// Load one expected file, or every `*.expected.json` below a directory.
    pub fn load(path: &Path) -> Result<Expectations> {
        let mut files = Vec::new();
        if path.is_dir() {
            collect(path, &mut files)?;
        } else {
            files.push(path.to_path_buf());
        }
        if files.is_empty() {
            bail!("no *.expected.json files under {}", path.display());
        }
        let mut expectations = Expectations::default();
        for file in files {
            expectations.add_file(&file)?;
        }
        Ok(expectations)
    }

    fn add_file(&mut self, file: &Path) -> Result<()> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading expectations {}", file.display()))?;
        let parsed: ExpectedFile = serde_json::from_str(&text)
            .with_context(|| format!("parsing expectations {}", file.display()))?;
        let stream = file.parent().unwrap_or(Path::new(".")).join(&parsed.stream);
        if !stream.exists() {
            bail!(
                "{}: stream {} does not exist",
                file.display(),
                stream.display()
            );
        }
        let mut expectation = StreamExpectation {
            source: file.to_path_buf(),
            ..StreamExpectation::default()
        };
        for event in parsed.events {
            let entry = expectation
                .events
                .entry((event.line, event.index))
                .or_default();
            entry.rules.extend(event.rules);
            entry.suppressed.extend(event.suppressed);
        }
        expectation.errors = parsed.errors.into_iter().map(|e| e.line).collect();
        if self
            .streams
            .insert(canonical(&stream), expectation)
            .is_some()
        {
            bail!(
                "{}: stream {} has expectations twice",
                file.display(),
                stream.display()
            );
        }
        Ok(())
    }

    /// Whether a file's results need to be kept for the comparison.
    pub fn covers(&self, file: &Path) -> Option<PathBuf> {
        let key = canonical(file);
        self.streams.contains_key(&key).then_some(key)
    }

    pub fn record_event(&mut self, stream: &Path, line: u64, index: u32, findings: EventFindings) {
        let actual = self.actual.entry(stream.to_path_buf()).or_default();
        let entry = actual.events.entry((line, index)).or_default();
        entry.rules.extend(findings.rules);
        entry.suppressed.extend(findings.suppressed);
    }

    pub fn record_error(&mut self, stream: &Path, line: u64) {
        self.actual
            .entry(stream.to_path_buf())
            .or_default()
            .errors
            .insert(line);
    }

    /// Mark a stream as replayed even when it produced nothing (an empty file).
    pub fn record_stream(&mut self, stream: &Path) {
        self.actual.entry(stream.to_path_buf()).or_default();
    }

    /// Compare and describe.
    pub fn compare(&self) -> Report {
        let mut lines = Vec::new();
        let mut mismatches = 0;
        // Per rule: true positives, false positives, false negatives.
        let mut per_rule: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
        for (stream, expected) in &self.streams {
            let Some(actual) = self.actual.get(stream) else {
                mismatches += 1;
                lines.push(format!(
                    "MISSING  {}: expected by {} but not replayed",
                    stream.display(),
                    expected.source.display()
                ));
                continue;
            };
            let positions: BTreeSet<&Position> =
                expected.events.keys().chain(actual.events.keys()).collect();
            let none = EventFindings::default();
            for position in positions {
                let want = expected.events.get(position).unwrap_or(&none);
                let got = actual.events.get(position).unwrap_or(&none);
                for (want_set, got_set) in [
                    (&want.rules, &got.rules),
                    (&want.suppressed, &got.suppressed),
                ] {
                    for rule in want_set.union(got_set) {
                        let counts = per_rule.entry(rule.clone()).or_default();
                        match (want_set.contains(rule), got_set.contains(rule)) {
                            (true, true) => counts.0 += 1,
                            (false, true) => counts.1 += 1,
                            (true, false) => counts.2 += 1,
                            (false, false) => {}
                        }
                    }
                }
                if want != got {
                    mismatches += 1;
                    lines.push(format!(
                        "MISMATCH {}:{} #{}: expected {} got {}",
                        stream.display(),
                        position.0,
                        position.1,
                        describe(want),
                        describe(got)
                    ));
                }
            }
            for line in expected.errors.symmetric_difference(&actual.errors) {
                mismatches += 1;
                let what = if expected.errors.contains(line) {
                    "expected an error row, got none"
                } else {
                    "unexpected error row"
                };
                lines.push(format!("MISMATCH {}:{line}: {what}", stream.display()));
            }
        }
        let mut text = String::new();
        text.push_str(&format!(
            "{:<45} {:>4} {:>4} {:>4} {:>9} {:>7}\n",
            "rule", "tp", "fp", "fn", "precision", "recall"
        ));
        for (rule, (tp, fp, fn_)) in &per_rule {
            let ratio = |num: u64, den: u64| {
                if den == 0 {
                    "-".to_owned()
                } else {
                    format!("{:.3}", num as f64 / den as f64)
                }
            };
            text.push_str(&format!(
                "{rule:<45} {tp:>4} {fp:>4} {fn_:>4} {:>9} {:>7}\n",
                ratio(*tp, tp + fp),
                ratio(*tp, tp + fn_)
            ));
        }
        for line in &lines {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(&format!(
            "expectations: {} stream(s), {} mismatch(es)\n",
            self.streams.len(),
            mismatches
        ));
        Report { text, mismatches }
    }
}

fn describe(findings: &EventFindings) -> String {
    if findings.rules.is_empty() && findings.suppressed.is_empty() {
        return "no findings".to_owned();
    }
    let mut parts: Vec<String> = findings.rules.iter().cloned().collect();
    parts.extend(
        findings
            .suppressed
            .iter()
            .map(|r| format!("{r} (suppressed)")),
    );
    format!("[{}]", parts.join(", "))
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, files)?;
        } else if entry
            .file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with(".expected.json"))
        {
            files.push(entry);
        }
    }
    Ok(())
}
