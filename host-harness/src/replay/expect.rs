//! Expected findings beside recorded streams (`<stream>.expected.json`) and the comparison that
//! `replay --expect` prints: per-event mismatches and precision/recall per rule.
//!
//! Format:
//! ```json
//! { "stream": "cloudtrail_audit_logging.ndjson",
//!   "events": [ {"line": 3, "index": 0, "rules": ["aws.cloudtrail.stop_logging"], "suppressed": [], "note": "…"} ],
//!   "errors": [ {"line": 5, "note": "truncated JSON"} ],
//!   "correlations": [ {"rule": "sequence.monitoring_evasion", "principal": "alice@example.com",
//!                      "events": ["id-1", "id-2"], "note": "…"} ],
//!   "config": "fp.config.json" }
//! ```
//! `rules` are the unsuppressed findings the event must carry and `suppressed` the suppressed ones;
//! an event not listed must carry no finding; `errors` are the lines that must become error rows.
//! `correlations` are the synthetic findings (drained or flushed) that join the stream's events: each
//! must be emitted exactly once with the given rule and principal and at least the listed related
//! event ids, and any other correlation finding joining the stream's events is a mismatch.
//! `config` (a path relative to the expected file) says the expectations hold under that
//! configuration: the file is used only by a run with that `--config`, and files without `config`
//! only by runs without one, so one stream can be expected both ways.

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
    #[serde(default)]
    correlations: Vec<ExpectedCorrelation>,
    #[serde(default)]
    config: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedCorrelation {
    rule: String,
    principal: String,
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

/// A correlation finding the run emitted.
#[derive(Debug, Clone)]
struct ActualCorrelation {
    /// The stream of the event read last before the finding came out.
    emitted_after: Option<PathBuf>,
    rules: BTreeSet<String>,
    principal: Option<String>,
    related: BTreeSet<String>,
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
    /// The event's id, so correlation findings can be traced back to their stream.
    pub event_id: Option<String>,
}

type Position = (u64, u32);

#[derive(Debug, Default)]
struct StreamExpectation {
    /// The expected file, for messages.
    source: PathBuf,
    events: BTreeMap<Position, EventFindings>,
    errors: BTreeSet<u64>,
    correlations: Vec<ExpectedCorrelation>,
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
    /// Event id → the streams under expectation it was read from (recordings may reuse ids).
    event_streams: BTreeMap<String, BTreeSet<PathBuf>>,
    correlations: Vec<ActualCorrelation>,
    last_stream: Option<PathBuf>,
    /// Expected files left out because they hold under another configuration.
    skipped: usize,
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
    /// Load one expected file, or every `*.expected.json` below a directory, keeping those that hold
    /// under `config` (the run's `--config`, if any).
    pub fn load(path: &Path, config: Option<&Path>) -> Result<Expectations> {
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
        let config = config.map(canonical);
        for file in files {
            expectations.add_file(&file, config.as_deref())?;
        }
        if expectations.streams.is_empty() {
            bail!(
                "none of the expected files under {} holds {}",
                path.display(),
                match &config {
                    Some(c) => format!("under the configuration {}", c.display()),
                    None => "without a configuration (each names one in \"config\")".to_owned(),
                }
            );
        }
        Ok(expectations)
    }

    fn add_file(&mut self, file: &Path, config: Option<&Path>) -> Result<()> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading expectations {}", file.display()))?;
        let parsed: ExpectedFile = serde_json::from_str(&text)
            .with_context(|| format!("parsing expectations {}", file.display()))?;
        let dir = file.parent().unwrap_or(Path::new("."));
        let wanted = parsed.config.as_ref().map(|c| canonical(&dir.join(c)));
        if let Some(wanted) = &wanted
            && !wanted.exists()
        {
            bail!(
                "{}: configuration {} does not exist",
                file.display(),
                wanted.display()
            );
        }
        if wanted.as_deref() != config {
            self.skipped += 1;
            return Ok(());
        }
        let stream = dir.join(&parsed.stream);
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
        expectation.correlations = parsed.correlations;
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
        if self.last_stream.as_deref() != Some(stream) {
            self.last_stream = Some(stream.to_path_buf());
        }
        if let Some(id) = &findings.event_id {
            self.event_streams
                .entry(id.clone())
                .or_default()
                .insert(stream.to_path_buf());
        }
        let actual = self.actual.entry(stream.to_path_buf()).or_default();
        let entry = actual.events.entry((line, index)).or_default();
        entry.rules.extend(findings.rules);
        entry.suppressed.extend(findings.suppressed);
    }

    /// An event of a stream without an expected file: correlations it completes belong to none.
    pub fn unexpected_stream(&mut self) {
        self.last_stream = None;
    }

    /// A correlation finding (a synthetic event from `drain` or `flush`).
    pub fn record_correlation(&mut self, event: &blindspot_plugin::model::EnrichedEvent) {
        self.correlations.push(ActualCorrelation {
            emitted_after: self.last_stream.clone(),
            rules: event.findings.iter().map(|f| f.rule_id.clone()).collect(),
            principal: event.fields.principal.clone(),
            related: event
                .findings
                .iter()
                .flat_map(|f| f.related_events.iter().cloned())
                .collect(),
        });
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
        mismatches += self.compare_correlations(&mut lines, &mut per_rule);
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
            "expectations: {} stream(s), {} mismatch(es){}\n",
            self.streams.len(),
            mismatches,
            if self.skipped > 0 {
                format!(
                    " ({} expected file(s) hold under another configuration and were not used)",
                    self.skipped
                )
            } else {
                String::new()
            }
        ));
        Report { text, mismatches }
    }

    /// The streams a correlation finding joins: those holding all of its related events, or, when no
    /// stream holds them all, every stream holding one.
    fn streams_of(&self, got: &ActualCorrelation) -> BTreeSet<PathBuf> {
        let sets: Vec<&BTreeSet<PathBuf>> = got
            .related
            .iter()
            .filter_map(|id| self.event_streams.get(id))
            .collect();
        let Some((first, rest)) = sets.split_first() else {
            return BTreeSet::new();
        };
        // Recorded copies of one stream (an S3 delivery file and its NDJSON twin, lake-shaped copies)
        // share event ids; the stream whose events the engine read just before emitting the finding
        // is the one that completed it.
        // A stream with no expected file (a copy kept for another test) completing it: no stream
        // under expectation owns it.
        match &got.emitted_after {
            Some(own) if first.contains(own) && rest.iter().all(|set| set.contains(own)) => {
                return BTreeSet::from([own.clone()]);
            }
            None => return BTreeSet::new(),
            Some(_) => {}
        }
        let common: BTreeSet<PathBuf> = first
            .iter()
            .filter(|s| rest.iter().all(|set| set.contains(*s)))
            .cloned()
            .collect();
        if common.is_empty() {
            sets.into_iter().flatten().cloned().collect()
        } else {
            common
        }
    }

    /// Each expected correlation emitted exactly once; no other correlation joins an expected stream.
    fn compare_correlations(
        &self,
        lines: &mut Vec<String>,
        per_rule: &mut BTreeMap<String, (u64, u64, u64)>,
    ) -> usize {
        let mut mismatches = 0;
        let mut matched = vec![false; self.correlations.len()];
        let attributed: Vec<BTreeSet<PathBuf>> = self
            .correlations
            .iter()
            .map(|c| self.streams_of(c))
            .collect();
        for (stream, expected) in &self.streams {
            for want in &expected.correlations {
                let hits: Vec<usize> = self
                    .correlations
                    .iter()
                    .enumerate()
                    .filter(|(i, got)| {
                        attributed[*i].contains(stream)
                            && got.rules.contains(&want.rule)
                            && got.principal.as_deref() == Some(want.principal.as_str())
                            && want.events.iter().all(|id| got.related.contains(id))
                    })
                    .map(|(i, _)| i)
                    .collect();
                let counts = per_rule.entry(want.rule.clone()).or_default();
                for &i in &hits {
                    matched[i] = true;
                }
                if hits.len() == 1 {
                    counts.0 += 1;
                } else {
                    if hits.is_empty() {
                        counts.2 += 1;
                    } else {
                        counts.1 += hits.len() as u64 - 1;
                    }
                    mismatches += 1;
                    lines.push(format!(
                        "MISMATCH {}: expected one {} by {} joining [{}], got {}",
                        stream.display(),
                        want.rule,
                        want.principal,
                        want.events.join(", "),
                        hits.len()
                    ));
                }
            }
        }
        for ((got, matched), streams) in self.correlations.iter().zip(matched).zip(&attributed) {
            if matched {
                continue;
            }
            if streams.is_empty() {
                continue;
            }
            mismatches += 1;
            for rule in &got.rules {
                per_rule.entry(rule.clone()).or_default().1 += 1;
            }
            lines.push(format!(
                "MISMATCH unexpected correlation {} by {} joining events of {} (related: {})",
                got.rules.iter().cloned().collect::<Vec<_>>().join(", "),
                got.principal.as_deref().unwrap_or("(no principal)"),
                streams
                    .iter()
                    .map(|s| s.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                got.related.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        mismatches
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
