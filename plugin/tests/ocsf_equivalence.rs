//! Security Lake OCSF records must give the same findings as the raw events they were made from:
//! every pair `testdata/ocsf/<name>.raw.ndjson` / `<name>.ocsf.ndjson` (written by
//! `testdata/ocsf/make_ocsf.py`) is run through the engine, and each event's source, normalised fields
//! and rule ids, and the correlation findings, are compared event by event. The two copies carry
//! different event ids (the expectation check traces correlations by id); each OCSF event's id must be
//! its record's `metadata.uid`.

use std::path::{Path, PathBuf};

use blindspot_plugin::engine::Engine;
use blindspot_plugin::model::{EnrichedEvent, RawEvent};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/ocsf")
}

/// One event or correlation finding: what must not change between the two shapes; the region, which a
/// flow-log line may lack and Security Lake always records; the event id; whether it is a correlation
/// finding (drained or flushed) rather than an input event.
struct Seen {
    text: String,
    region: Option<String>,
    id: Option<String>,
    correlation: bool,
}

/// Every event, then the correlation findings drained after it, and the correlation findings at the end.
fn run(path: &Path) -> Vec<Seen> {
    let text = std::fs::read_to_string(path).expect("stream");
    let mut engine = Engine::new();
    let mut seen = Vec::new();
    let describe = |event: &EnrichedEvent, correlation: bool| {
        let mut rules: Vec<&str> = event.findings.iter().map(|f| f.rule_id.as_str()).collect();
        rules.sort_unstable();
        let f = &event.fields;
        let text = format!(
            "{:?} time={:?} account={:?} principal={:?} type={:?} ip={:?} ua={:?} action={:?} \
             target={:?} outcome={:?} rules={rules:?}",
            event.source,
            f.event_time,
            f.account,
            f.principal,
            f.principal_type,
            f.source_ip,
            f.user_agent,
            f.action,
            f.target,
            f.outcome,
        );
        Seen {
            text,
            region: f.region.clone(),
            id: f.event_id.clone(),
            correlation,
        }
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let raw = RawEvent {
            data: line.as_bytes(),
            source_hint: None,
            tag: None,
        };
        let events = engine.process_one(&raw).expect("every line reads");
        seen.extend(events.iter().map(|e| describe(e, false)));
        seen.extend(engine.drain().iter().map(|e| describe(e, true)));
    }
    seen.extend(engine.flush().iter().map(|e| describe(e, true)));
    seen
}

/// `metadata.uid` of every record, in order.
fn uids(path: &Path) -> Vec<Option<String>> {
    std::fs::read_to_string(path)
        .expect("stream")
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("record");
            record["metadata"]["uid"].as_str().map(str::to_owned)
        })
        .collect()
}

#[test]
fn ocsf_records_find_what_the_raw_events_find() {
    let mut pairs = 0;
    let mut with_findings = 0;
    for entry in std::fs::read_dir(testdata()).expect("testdata/ocsf") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(stem) = name.strip_suffix(".raw.ndjson") else {
            continue;
        };
        let raw = run(&path);
        let ocsf_path = path.with_file_name(format!("{stem}.ocsf.ndjson"));
        let ocsf = run(&ocsf_path);
        assert_eq!(raw.len(), ocsf.len(), "{stem}: events and findings");
        for (i, (r, o)) in raw.iter().zip(&ocsf).enumerate() {
            assert_eq!(r.text, o.text, "{stem}: event {i}");
            assert_eq!(r.correlation, o.correlation, "{stem}: event {i}");
            if r.region.is_some() {
                assert_eq!(r.region, o.region, "{stem}: region of event {i}");
            }
        }
        let ids: Vec<Option<String>> = ocsf
            .iter()
            .filter(|e| !e.correlation)
            .map(|e| e.id.clone())
            .collect();
        assert_eq!(ids, uids(&ocsf_path), "{stem}: event ids are metadata.uid");
        with_findings += raw.iter().filter(|e| !e.text.ends_with("rules=[]")).count();
        pairs += 1;
    }
    assert_eq!(pairs, 3, "CloudTrail, EKS and VPC flow pairs");
    assert!(
        with_findings > 40,
        "the pairs carry attacks: {with_findings}"
    );
}
