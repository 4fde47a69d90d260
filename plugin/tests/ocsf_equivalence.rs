//! Security Lake OCSF records must give the same findings as the raw events they were made from:
//! every pair `testdata/ocsf/<name>.raw.ndjson` / `<name>.ocsf.ndjson` (written by
//! `testdata/ocsf/make_ocsf.py`) is run through the engine, and each event's source, normalised fields
//! and rule ids, and the correlation findings, are compared event by event.

use std::path::{Path, PathBuf};

use blindspot_plugin::engine::Engine;
use blindspot_plugin::model::{EnrichedEvent, RawEvent};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/ocsf")
}

/// What must not change between the two shapes, one entry per event, then the correlation findings;
/// beside it the region, which a flow-log line may lack and Security Lake always records.
fn run(path: &Path) -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(path).expect("stream");
    let mut engine = Engine::new();
    let mut seen = Vec::new();
    let describe = |event: &EnrichedEvent| {
        let mut rules: Vec<&str> = event.findings.iter().map(|f| f.rule_id.as_str()).collect();
        rules.sort_unstable();
        let f = &event.fields;
        let text = format!(
            "{:?} time={:?} id={:?} account={:?} principal={:?} type={:?} ip={:?} \
             ua={:?} action={:?} target={:?} outcome={:?} rules={rules:?}",
            event.source,
            f.event_time,
            f.event_id,
            f.account,
            f.principal,
            f.principal_type,
            f.source_ip,
            f.user_agent,
            f.action,
            f.target,
            f.outcome,
        );
        (text, f.region.clone())
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let raw = RawEvent {
            data: line.as_bytes(),
            source_hint: None,
            tag: None,
        };
        let events = engine.process_one(&raw).expect("every line reads");
        seen.extend(events.iter().map(describe));
        seen.extend(engine.drain().iter().map(describe));
    }
    seen.extend(engine.flush().iter().map(describe));
    seen
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
        let ocsf = run(&path.with_file_name(format!("{stem}.ocsf.ndjson")));
        assert_eq!(
            raw.len(),
            ocsf.len(),
            "{stem}: number of events and findings"
        );
        for (i, ((r, r_region), (o, o_region))) in raw.iter().zip(&ocsf).enumerate() {
            assert_eq!(r, o, "{stem}: event {i}");
            if r_region.is_some() {
                assert_eq!(r_region, o_region, "{stem}: region of event {i}");
            }
        }
        with_findings += raw.iter().filter(|(e, _)| !e.ends_with("rules=[]")).count();
        pairs += 1;
    }
    assert_eq!(pairs, 3, "CloudTrail, EKS and VPC flow pairs");
    assert!(
        with_findings > 40,
        "the pairs carry attacks: {with_findings}"
    );
}
