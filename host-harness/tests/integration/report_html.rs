//! `blindspot report` on the whole testdata: the summary counts what the replay counted, the OCSF
//! output reads back as the same findings, and the HTML page renders in headless Chromium without a
//! script error, listing every alert, with a screenshot that is a real picture.
//!
//! Without Chromium the browser part is skipped loudly, unless `BLINDSPOT_REQUIRE_BROWSER=1` (CI).

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use blindspot_host::output::Row;
use blindspot_host::output::RowSink;
use blindspot_host::output::fanout::FanOut;
use blindspot_host::output::ocsf::{OcsfFormat, OcsfSink};
use blindspot_host::output::report::{self, ReportOptions};
use blindspot_host::output::table::ParquetSink;
use blindspot_host::replay::{ReplayOptions, Summary, replay};
use blindspot_host::runtime::detector::NativeDetector;
use blindspot_plugin::model::Severity;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Records the key of every alert finding the replay wrote (independently of any output file).
/// Correlation findings have no input position, so keys repeat: a multiset, kept as a sorted list.
struct AlertRecorder(Arc<Mutex<Vec<String>>>);

impl RowSink for AlertRecorder {
    fn push(&mut self, row: Row) -> anyhow::Result<()> {
        if let Some(event) = &row.event {
            let mut keys = self.0.lock().expect("lock");
            for f in &event.findings {
                if f.suppression.is_none() && f.severity >= Severity::Medium {
                    keys.push(format!(
                        "{}:{}:{}:{}",
                        row.input_file, row.input_line, row.input_record, f.rule_id
                    ));
                }
            }
        }
        Ok(())
    }
    fn finish(self: Box<Self>) -> anyhow::Result<u64> {
        Ok(0)
    }
}

struct Replayed {
    dir: tempfile::TempDir,
    table: PathBuf,
    ocsf: PathBuf,
    alerts: Vec<String>,
    summary: Summary,
}

fn replay_testdata() -> Replayed {
    let dir = tempfile::tempdir().expect("tempdir");
    let table = dir.path().join("enriched.parquet");
    let ocsf = dir.path().join("findings.ocsf.ndjson");
    let alerts = Arc::new(Mutex::new(Vec::new()));
    let side: Vec<Box<dyn RowSink>> = vec![
        Box::new(OcsfSink::create(&ocsf, OcsfFormat::Ndjson).expect("ocsf")),
        Box::new(AlertRecorder(alerts.clone())),
    ];
    let sink = Box::new(FanOut::new(
        Box::new(ParquetSink::create(&table).expect("table")),
        side,
    ));
    let options = ReplayOptions {
        inputs: vec![common::testdata("")],
        alerts_only: false,
        batch_size: 64,
        // Each recording its own stream, as `replay --expect` runs the testdata.
        per_file_streams: true,
        input_column: None,
        ..ReplayOptions::default()
    };
    let mut detector = NativeDetector::default();
    let summary = replay(&mut detector, sink, &options, None).expect("replay");
    let mut alerts = alerts.lock().expect("lock").clone();
    alerts.sort();
    Replayed {
        dir,
        table,
        ocsf,
        alerts,
        summary,
    }
}

#[test]
fn report_counts_what_the_replay_counted_from_either_output() {
    let r = replay_testdata();
    let mut text = Vec::new();
    let findings = report::run(
        &ReportOptions {
            path: r.table.clone(),
            html: None,
            top: 10,
        },
        &mut text,
    )
    .expect("report");
    let text = String::from_utf8(text).expect("utf8");
    let alert_findings: u64 = r.summary.alerts_by_rule.values().sum();
    assert!(
        text.contains(&format!(
            "alerts (unsuppressed, medium or higher): {alert_findings}, suppressed: {}",
            r.summary.suppressed
        )),
        "{text}"
    );
    for (rule, count) in &r.summary.alerts_by_rule {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(rule))
            .unwrap_or_else(|| panic!("no line for {rule}:\n{text}"));
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(count.to_string().as_str()),
            "{line}"
        );
    }
    let mut keys: Vec<String> = findings
        .iter()
        .filter(|f| f.alert)
        .map(|f| f.key())
        .collect();
    keys.sort();
    assert_eq!(keys, r.alerts);

    // The OCSF findings read back as the same findings.
    let from_ocsf = report::load(&r.ocsf).expect("ocsf");
    let mut a: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f.key(),
                f.severity,
                f.suppressed,
                f.time.unwrap_or(0)
            )
        })
        .collect();
    let mut b: Vec<String> = from_ocsf
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f.key(),
                f.severity,
                f.suppressed,
                f.time.unwrap_or(0)
            )
        })
        .collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

fn chromium(args: &[&str], profile: &Path) -> std::process::Output {
    Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

/// Attribute values in Chromium's serialised DOM are HTML-escaped.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn html_report_renders_every_alert_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var("BLINDSPOT_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("{CHROMIUM} is missing and BLINDSPOT_REQUIRE_BROWSER=1");
        }
        eprintln!(
            "\n!!!!!!!! SKIPPED: {CHROMIUM} not installed; the HTML report was not rendered !!!!!!!!\n"
        );
        return;
    }
    let r = replay_testdata();
    let html = r.dir.path().join("report.html");
    report::run(
        &ReportOptions {
            path: r.table.clone(),
            html: Some(html.clone()),
            top: 15,
        },
        &mut std::io::sink(),
    )
    .expect("report");
    let page = std::fs::read_to_string(&html).expect("page");
    // Nothing outside the embedded data (log text, which may hold URLs) may point anywhere.
    let data_start = page.find("id=\"report-data\">").expect("data element");
    let data_end = data_start + page[data_start..].find("</script>").expect("data end");
    let code = format!("{}{}", &page[..data_start], &page[data_end..]);
    let svg_namespace = code.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(
        code.matches("http://").count(),
        svg_namespace,
        "the page fetches"
    );
    for forbidden in [
        "https://", "<link", "<img", "<iframe", "src=", "url(", "@import",
    ] {
        assert!(
            !code.contains(forbidden),
            "the page is not self-contained: {forbidden}"
        );
    }
    let url = format!("file://{}", html.display());

    let profile = tempfile::tempdir().expect("profile");
    let dom = chromium(
        &["--virtual-time-budget=5000", "--dump-dom", &url],
        profile.path(),
    );
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    assert!(
        dom.contains("data-ready=\"ok\""),
        "the page's script did not finish: {}",
        dom.lines()
            .find(|l| l.contains("id=\"error\""))
            .unwrap_or("")
    );
    let mut listed: Vec<String> = dom
        .split("data-key=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(unescape)
        .collect();
    listed.sort();
    assert!(!r.alerts.is_empty());
    assert_eq!(
        listed, r.alerts,
        "the page lists other alerts than the replay wrote"
    );
    assert_eq!(dom.matches("class=\"alert-row\"").count(), r.alerts.len());
    assert!(dom.contains("<svg"), "no chart");
    assert!(
        dom.matches("class=\"bar ").count() >= 2,
        "the timeline has no bars"
    );
    assert!(dom.contains("Top principals"));

    let png = r.dir.path().join("report.png");
    let shot = chromium(
        &[
            "--virtual-time-budget=5000",
            &format!("--screenshot={}", png.display()),
            "--window-size=1400,2000",
            &url,
        ],
        profile.path(),
    );
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png).expect("screenshot written"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let frame = reader.next_frame(&mut buf).expect("frame");
    assert_eq!((frame.width, frame.height), (1400, 2000));
    let pixels = &buf[..frame.buffer_size()];
    let channels = frame.color_type.samples();
    let colours: BTreeSet<&[u8]> = pixels.chunks(channels).collect();
    assert!(
        colours.len() > 50,
        "the screenshot is nearly blank ({} colours)",
        colours.len()
    );
    if let Ok(keep) = std::env::var("BLINDSPOT_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).expect("keep screenshot");
    }
}
