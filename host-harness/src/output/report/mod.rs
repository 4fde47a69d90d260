//! `blindspot report`: a look at an output without a notebook. Reads the enriched table (one file or
//! a partitioned dataset directory) or the OCSF findings (Parquet or NDJSON), prints summary tables
//! and writes a self-contained HTML page (inline CSS, JS and SVG; nothing fetched) with a timeline of
//! findings, the top principals and every alert.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use arrow::json::ArrayWriter;
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;
use serde_json::Value;

const TEMPLATE: &str = include_str!("template.html");
const DATA_PLACEHOLDER: &str = "__REPORT_DATA__";
/// Alerts listed one by one in the page; past this the page says how many it left out.
pub const MAX_LISTED_ALERTS: usize = 20_000;

/// One finding, whichever output it was read from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReportFinding {
    /// Milliseconds since the epoch.
    pub time: Option<i64>,
    pub rule_id: String,
    pub title: String,
    pub technique_id: String,
    pub technique_name: String,
    pub source: String,
    pub principal: Option<String>,
    pub account: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub severity: String,
    pub suppressed: bool,
    pub suppression_reason: Option<String>,
    /// Unsuppressed and at least `medium`: what the table's `alert` column means, per finding.
    pub alert: bool,
    pub input_file: String,
    pub input_line: i64,
    pub input_record: i64,
}

impl ReportFinding {
    /// `file:line:record:rule`, the key the page puts on each alert row.
    pub fn key(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.input_file, self.input_line, self.input_record, self.rule_id
        )
    }
}

const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

fn is_alert(severity: &str, suppressed: bool) -> bool {
    !suppressed && matches!(severity, "medium" | "high" | "critical")
}

/// Every data file under `path` (itself when it is a file). Hidden and `_` files are not data.
fn data_files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        bail!("{} does not exist", path.display());
    }
    let mut files = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if name.ends_with(".parquet") {
                files.push(p);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("no .parquet files under {}", path.display());
    }
    Ok(files)
}

fn batch_rows(batch: &RecordBatch) -> Result<Vec<Value>> {
    let mut writer = ArrayWriter::new(Vec::new());
    writer.write(batch)?;
    writer.finish()?;
    let bytes = writer.into_inner();
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(serde_json::from_slice(&bytes)?)
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn int(value: &Value, pointer: &str) -> i64 {
    value.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// Timestamps come out of arrow's JSON writer as `2026-11-27T10:00:00Z`-style text.
fn parse_time(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp_millis())
            .or_else(|| {
                chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|t| t.and_utc().timestamp_millis())
            }),
        _ => None,
    }
}

fn from_table_row(row: &Value, out: &mut Vec<ReportFinding>) {
    let Some(findings) = row.get("findings").and_then(Value::as_array) else {
        return;
    };
    for f in findings {
        let severity = text(f, "/severity").unwrap_or_default();
        let suppressed = f
            .get("suppressed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        out.push(ReportFinding {
            time: parse_time(row.get("event_time")),
            rule_id: text(f, "/rule_id").unwrap_or_default(),
            title: text(f, "/title").unwrap_or_default(),
            technique_id: text(f, "/technique_id").unwrap_or_default(),
            technique_name: text(f, "/technique_name").unwrap_or_default(),
            source: text(row, "/source").unwrap_or_default(),
            principal: text(row, "/principal"),
            account: text(row, "/account"),
            action: text(row, "/action"),
            target: text(row, "/target"),
            alert: is_alert(&severity, suppressed),
            severity,
            suppressed,
            suppression_reason: text(f, "/suppression_reason"),
            input_file: text(row, "/input_file").unwrap_or_default(),
            input_line: int(row, "/input_line"),
            input_record: int(row, "/input_record"),
        });
    }
}

fn from_ocsf_record(record: &Value) -> ReportFinding {
    let severity = text(record, "/severity")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace("informational", "info");
    let suppressed = record.get("status_id").and_then(Value::as_i64) == Some(3);
    let attack = record.pointer("/finding_info/attacks/0");
    let (technique_id, technique_name) = match attack {
        Some(a) if a.pointer("/sub_technique/uid").is_some() => (
            text(a, "/sub_technique/uid").unwrap_or_default(),
            format!(
                "{}: {}",
                text(a, "/technique/name").unwrap_or_default(),
                text(a, "/sub_technique/name").unwrap_or_default()
            ),
        ),
        Some(a) => (
            text(a, "/technique/uid").unwrap_or_default(),
            text(a, "/technique/name").unwrap_or_default(),
        ),
        None => (String::new(), String::new()),
    };
    ReportFinding {
        time: record.get("time").and_then(Value::as_i64),
        rule_id: text(record, "/finding_info/analytic/uid").unwrap_or_default(),
        title: text(record, "/finding_info/title").unwrap_or_default(),
        technique_id,
        technique_name,
        source: text(record, "/unmapped/source")
            .or_else(|| text(record, "/metadata/log_name"))
            .unwrap_or_default(),
        principal: text(record, "/evidences/0/actor/user/name"),
        account: text(record, "/cloud/account/uid"),
        action: text(record, "/evidences/0/api/operation"),
        target: text(record, "/unmapped/target"),
        alert: is_alert(&severity, suppressed),
        severity,
        suppressed,
        suppression_reason: text(record, "/status_detail"),
        input_file: text(record, "/unmapped/input_file").unwrap_or_default(),
        input_line: int(record, "/unmapped/input_line"),
        input_record: int(record, "/unmapped/input_record"),
    }
}

/// Reads every finding from an output: the enriched table (file or dataset directory) or OCSF
/// records (Parquet, or NDJSON by extension).
pub fn load(path: &Path) -> Result<Vec<ReportFinding>> {
    let mut findings = Vec::new();
    let name = path.to_string_lossy();
    if path.is_file()
        && (name.ends_with(".ndjson") || name.ends_with(".jsonl") || name.ends_with(".json"))
    {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        for (n, line) in BufReader::new(file).lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let record: Value = serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not JSON", path.display(), n + 1))?;
            findings.push(from_ocsf_record(&record));
        }
        return Ok(findings);
    }
    for file in data_files(path)? {
        let handle = File::open(&file).with_context(|| format!("opening {}", file.display()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(handle)
            .with_context(|| format!("{} is not Parquet", file.display()))?;
        let schema = builder.schema().clone();
        let ocsf = schema.field_with_name("finding_info").is_ok();
        if !ocsf && schema.field_with_name("findings").is_err() {
            bail!(
                "{} is neither a blindspot table nor OCSF findings",
                file.display()
            );
        }
        let projection = if ocsf {
            parquet::arrow::ProjectionMask::all()
        } else {
            // The raw event text is the bulk of the table and the report does not show it.
            let keep: Vec<usize> = schema
                .fields()
                .iter()
                .enumerate()
                .filter(|(_, f)| f.name() != "raw")
                .map(|(i, _)| i)
                .collect();
            parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), keep)
        };
        let reader = builder.with_projection(projection).build()?;
        for batch in reader {
            for row in batch_rows(&batch?)? {
                if ocsf {
                    findings.push(from_ocsf_record(&row));
                } else {
                    from_table_row(&row, &mut findings);
                }
            }
        }
    }
    Ok(findings)
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Counts {
    pub alerts: u64,
    pub suppressed: u64,
    /// Unsuppressed findings below `medium`.
    pub other: u64,
}

impl Counts {
    fn add(&mut self, f: &ReportFinding) {
        if f.suppressed {
            self.suppressed += 1;
        } else if f.alert {
            self.alerts += 1;
        } else {
            self.other += 1;
        }
    }

    pub fn total(&self) -> u64 {
        self.alerts + self.suppressed + self.other
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub total: Counts,
    pub by_rule: BTreeMap<String, Counts>,
    pub by_technique: BTreeMap<String, Counts>,
    pub by_source: BTreeMap<String, Counts>,
    pub by_principal: BTreeMap<String, Counts>,
    pub by_severity: BTreeMap<String, Counts>,
}

pub fn summarise(findings: &[ReportFinding]) -> Summary {
    let mut s = Summary::default();
    for f in findings {
        s.total.add(f);
        s.by_rule.entry(f.rule_id.clone()).or_default().add(f);
        s.by_technique
            .entry(format!("{} {}", f.technique_id, f.technique_name))
            .or_default()
            .add(f);
        s.by_source.entry(f.source.clone()).or_default().add(f);
        s.by_principal
            .entry(f.principal.clone().unwrap_or_else(|| "(none)".into()))
            .or_default()
            .add(f);
        s.by_severity.entry(f.severity.clone()).or_default().add(f);
    }
    s
}

fn table(out: &mut String, heading: &str, rows: &BTreeMap<String, Counts>, top: Option<usize>) {
    let mut rows: Vec<(&String, &Counts)> = rows.iter().collect();
    // Most alerts first, then most findings, then by name: stable for identical input.
    rows.sort_by(|a, b| {
        (b.1.alerts, b.1.total())
            .cmp(&(a.1.alerts, a.1.total()))
            .then(a.0.cmp(b.0))
    });
    let shown = top.unwrap_or(rows.len()).min(rows.len());
    let width = rows
        .iter()
        .take(shown)
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(heading.len(), 72);
    out.push_str(&format!(
        "\n{heading:<width$}  {:>7}  {:>10}  {:>6}  {:>6}\n",
        "alerts", "suppressed", "other", "total"
    ));
    out.push_str(&format!("{}\n", "-".repeat(width + 37)));
    for (name, c) in rows.iter().take(shown) {
        out.push_str(&format!(
            "{name:<width$}  {:>7}  {:>10}  {:>6}  {:>6}\n",
            c.alerts,
            c.suppressed,
            c.other,
            c.total()
        ));
    }
    if shown < rows.len() {
        out.push_str(&format!("({} more)\n", rows.len() - shown));
    }
}

/// The text summary printed by `blindspot report`.
pub fn render_text(summary: &Summary, top: usize) -> String {
    let t = &summary.total;
    let mut out = format!(
        "findings: {} — alerts (unsuppressed, medium or higher): {}, suppressed: {}, other: {}\n",
        t.total(),
        t.alerts,
        t.suppressed,
        t.other
    );
    table(&mut out, "rule", &summary.by_rule, None);
    table(&mut out, "technique", &summary.by_technique, None);
    table(&mut out, "source", &summary.by_source, None);
    table(&mut out, "principal", &summary.by_principal, Some(top));
    out
}

#[derive(Serialize)]
struct PageData<'a> {
    title: String,
    generated_from: String,
    severities: [&'static str; 5],
    summary: &'a Summary,
    /// Every finding's time, severity and state, for the timeline.
    timeline: Vec<(Option<i64>, &'a str, u8)>,
    alerts: Vec<&'a ReportFinding>,
    alerts_left_out: usize,
    top: usize,
}

/// The self-contained HTML page.
pub fn render_html(
    findings: &[ReportFinding],
    summary: &Summary,
    from: &Path,
    top: usize,
) -> Result<String> {
    let mut alerts: Vec<&ReportFinding> = findings.iter().filter(|f| f.alert).collect();
    alerts.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.input_file.cmp(&b.input_file))
            .then(a.input_line.cmp(&b.input_line))
            .then(a.input_record.cmp(&b.input_record))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    let left_out = alerts.len().saturating_sub(MAX_LISTED_ALERTS);
    alerts.truncate(MAX_LISTED_ALERTS);
    let data = PageData {
        title: format!("blindspot report — {}", from.display()),
        generated_from: from.display().to_string(),
        severities: SEVERITIES,
        summary,
        timeline: findings
            .iter()
            .map(|f| {
                let state = if f.suppressed {
                    2
                } else if f.alert {
                    0
                } else {
                    1
                };
                (f.time, f.severity.as_str(), state)
            })
            .collect(),
        alerts,
        alerts_left_out: left_out,
        top,
    };
    // Inside <script>, `<` is escaped so no value (attacker-controlled log text) can close the tag.
    let json = serde_json::to_string(&data)?
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    Ok(TEMPLATE.replacen(DATA_PLACEHOLDER, &json, 1))
}

/// What `blindspot report` reads and writes.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// An output of `blindspot replay`: the enriched table (file or partitioned directory) or the OCSF
    /// findings (Parquet, or NDJSON by extension).
    pub path: PathBuf,
    /// Where to write the self-contained HTML page, if anywhere.
    pub html: Option<PathBuf>,
    /// Principals shown in the summary and the chart.
    pub top: usize,
}

/// Prints the summary; writes the page when asked. Returns the findings read.
pub fn run(args: &ReportOptions, out: &mut dyn std::io::Write) -> Result<Vec<ReportFinding>> {
    let findings = load(&args.path)?;
    let summary = summarise(&findings);
    out.write_all(render_text(&summary, args.top).as_bytes())?;
    if let Some(html_path) = &args.html {
        let html = render_html(&findings, &summary, &args.path, args.top)?;
        crate::output::atomic::write(html_path, html.as_bytes())?;
        writeln!(out, "\nwrote {}", html_path.display())?;
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_data_cannot_close_the_script_element() {
        let finding = ReportFinding {
            time: Some(0),
            rule_id: "r".into(),
            title: "</script><script>alert(1)</script>".into(),
            technique_id: "T1562".into(),
            technique_name: "Impair Defenses".into(),
            source: "aws_cloudtrail".into(),
            principal: Some("<img src=x onerror=alert(1)>".into()),
            account: None,
            action: None,
            target: None,
            severity: "high".into(),
            suppressed: false,
            suppression_reason: None,
            alert: true,
            input_file: "f".into(),
            input_line: 1,
            input_record: 0,
        };
        let findings = vec![finding];
        let html = render_html(&findings, &summarise(&findings), Path::new("x"), 10).expect("html");
        assert_eq!(
            html.matches("</script>").count(),
            TEMPLATE.matches("</script>").count()
        );
        assert!(!html.contains("<img src=x"));
    }

    #[test]
    fn text_summary_counts_alerts_suppressed_and_other() {
        let base = ReportFinding {
            time: None,
            rule_id: "a".into(),
            title: String::new(),
            technique_id: "T1".into(),
            technique_name: String::new(),
            source: "docker".into(),
            principal: None,
            account: None,
            action: None,
            target: None,
            severity: "high".into(),
            suppressed: false,
            suppression_reason: None,
            alert: true,
            input_file: String::new(),
            input_line: 0,
            input_record: 0,
        };
        let low = ReportFinding {
            severity: "low".into(),
            alert: false,
            ..base.clone()
        };
        let quiet = ReportFinding {
            suppressed: true,
            alert: false,
            ..base.clone()
        };
        let s = summarise(&[base, low, quiet]);
        assert_eq!(
            (s.total.alerts, s.total.other, s.total.suppressed),
            (1, 1, 1)
        );
        assert!(render_text(&s, 5).contains("alerts (unsuppressed, medium or higher): 1"));
    }
}
