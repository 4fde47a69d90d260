//! The engine's fast path (`Engine::set_enrich(Enrich::Findings)`, gate in `interest`) must change
//! nothing a compact filter writes: on every recorded stream under `testdata/`, with the stream's
//! configuration when its directory has one, the Fluent Bit module's output for each record (the
//! record, its drained correlation events, `enrichment_json::render_into`), the flushed events and the
//! state counters are the same as with the engine reading every event in full.

use std::path::{Path, PathBuf};

use blindspot_plugin::engine::Engine;
use blindspot_plugin::enrichment_json::{self, Enrich};
use blindspot_plugin::model::RawEvent;

fn streams(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("testdata")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            streams(&path, out);
        } else if name.ends_with(".ndjson")
            || name.ends_with(".log")
            || (name.ends_with(".json")
                && !name.ends_with(".expected.json")
                && name != "blindspot.config.json")
        {
            out.push(path);
        }
    }
}

/// The inputs of a stream as the harness feeds them: a `.json` file is one document, anything else
/// one input per non-empty line.
fn inputs(path: &Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(path).expect("stream");
    if path.extension().is_some_and(|e| e == "json") {
        return vec![data];
    }
    data.split(|b| *b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Everything a compact filter writes for the stream, plus the engine's counters.
fn filtered(path: &Path, config: Option<&str>, enrich: Enrich) -> (Vec<Vec<u8>>, String) {
    let mut engine = Engine::new();
    if let Some(config) = config {
        engine
            .configure(config)
            .expect("the stream's configuration");
    }
    engine.set_enrich(enrich);
    let tag = path.to_string_lossy().into_owned();
    let mut lines = Vec::new();
    for input in inputs(path) {
        let mut outcome = engine.process_one(&RawEvent {
            data: &input,
            source_hint: None,
            tag: Some(&tag),
        });
        if let Ok(events) = &mut outcome {
            events.extend(engine.drain());
        }
        let mut line = Vec::new();
        enrichment_json::render_into(&mut line, Enrich::Findings, &input, &outcome, None);
        lines.push(line);
    }
    let flushed = engine.flush();
    let end = format!(
        "{}\n{:?}",
        serde_json::to_string(&flushed).expect("flushed events"),
        engine.stats()
    );
    (lines, end)
}

/// Compares both modes on every stream, with each stream's configuration passed through `configure`
/// first; returns how many records were compared and how many findings they carried.
fn compare_every_stream(configure: &dyn Fn(Option<String>) -> Option<String>) -> (usize, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    let mut paths = Vec::new();
    streams(&root, &mut paths);
    assert!(paths.len() > 100, "{} streams", paths.len());
    let (mut records, mut findings) = (0, 0);
    for path in &paths {
        let config = configure(
            path.parent()
                .map(|d| d.join("blindspot.config.json"))
                .filter(|c| c.exists())
                .map(|c| std::fs::read_to_string(c).expect("config")),
        );
        let (full, full_end) = filtered(path, config.as_deref(), Enrich::All);
        let (fast, fast_end) = filtered(path, config.as_deref(), Enrich::Findings);
        assert_eq!(full.len(), fast.len(), "{}", path.display());
        for (i, (a, b)) in full.iter().zip(&fast).enumerate() {
            assert_eq!(
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b),
                "{} input {i}",
                path.display()
            );
            findings += String::from_utf8_lossy(a).matches("\"rule_id\"").count();
        }
        assert_eq!(full_end, fast_end, "{}", path.display());
        records += full.len();
    }
    (records, findings)
}

#[test]
fn the_fast_path_changes_no_compact_output_on_any_recorded_stream() {
    let (records, _) = compare_every_stream(&|config| config);
    assert!(records > 1000, "{records} records");
}

/// Rules a team might add that fire on events no built-in rule wants, so that only the Sigma index
/// can send them to the full path: one filed under an exact `eventName`, one under no exact value.
const TEAM_RULES: [&str; 2] = [
    "title: Trail configuration enumerated\nid: 3d0c4e1a-0000-4000-8000-00000000a001\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    selection:\n        eventName: DescribeTrails\n    condition: selection\nlevel: low\n",
    "title: Boto3 caller\nid: 3d0c4e1a-0000-4000-8000-00000000a002\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    selection:\n        userAgent|contains: Boto3\n    condition: selection\nlevel: low\n",
];

#[test]
fn with_sigma_rules_loaded_the_fast_path_still_changes_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/sigma");
    let mut rules: Vec<String> = TEAM_RULES.iter().map(|r| r.to_string()).collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/sigma")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{} rule files", files.len());
    rules.extend(
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("rule")),
    );
    let with_rules = |config: Option<String>| {
        let mut document: serde_json::Value =
            serde_json::from_str(config.as_deref().unwrap_or("{}")).expect("configuration");
        document["sigma"] = serde_json::json!({ "rules": rules });
        Some(document.to_string())
    };
    let (records, with) = compare_every_stream(&with_rules);
    let (_, without) = compare_every_stream(&|config| config);
    assert!(records > 1000, "{records} records");
    // The team's rules fire on records the built-in gate alone would have passed quietly.
    assert!(
        with > without + 50,
        "{with} findings with the rules, {without} without"
    );
}

// CloudTrail records as the service writes them (AWS CloudTrail User Guide, "CloudTrail record
// contents"): a read that takes the fast path, then a monitoring change by the same principal from
// another network.
const READ: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:mallory","arn":"arn:aws:sts::111122223333:assumed-role/OpsAdmin/mallory","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/OpsAdmin","accountId":"111122223333","userName":"OpsAdmin"},"attributes":{"creationDate":"2026-11-27T08:01:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-27T08:10:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DescribeTrails","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.20","userAgent":"aws-cli/2.15.30","requestParameters":null,"responseElements":null,"requestID":"r1","eventID":"e1","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;
const STOP_LOGGING: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:mallory","arn":"arn:aws:sts::111122223333:assumed-role/OpsAdmin/mallory","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/OpsAdmin","accountId":"111122223333","userName":"OpsAdmin"},"attributes":{"creationDate":"2026-11-27T08:01:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-27T08:15:04Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.30","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"},"responseElements":null,"requestID":"r2","eventID":"e2","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

#[test]
fn events_on_the_fast_path_still_teach_the_history_their_network() {
    let mut engine = Engine::new();
    engine.set_enrich(Enrich::Findings);
    for record in [READ, STOP_LOGGING] {
        let outcome = engine.process_one(&RawEvent {
            data: record.as_bytes(),
            source_hint: None,
            tag: None,
        });
        let events = outcome.expect("reads");
        if record == READ {
            assert!(events[0].findings.is_empty());
            // The read took the fast path: nothing normalised came back.
            assert_eq!(events[0].fields.principal, None);
            continue;
        }
        let reasons = &events[0].findings[0].reasons;
        assert!(
            reasons.iter().any(|r| r
                .contains("is seen from 203.0.113.0/24 in the stream (before: 198.51.100.0/24)")),
            "{reasons:?}"
        );
    }
}
