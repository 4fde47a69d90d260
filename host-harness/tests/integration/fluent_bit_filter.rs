//! The Fluent Bit filter module, driven the way Fluent Bit drives it, must give the same enrichment as
//! the component on every recorded event, drop what it is told to drop, and not grow its memory.

use crate::common;

use blindspot_host::replay::input;
use blindspot_host::runtime::detector::{Detector, Input};
use blindspot_host::runtime::fluent_bit::FluentBitModule;
use blindspot_plugin::enrichment_json::{self, Enrich};
use serde_json::Value;

fn module() -> FluentBitModule {
    FluentBitModule::bundled().expect("module compiles")
}

/// Every NDJSON line of the testdata (Fluent Bit hands the filter one JSON record at a time).
/// Every testdata line Fluent Bit could hand the filter. Fluent Bit converts its msgpack records to JSON
/// itself, so a record is always strictly valid JSON: lines that are not (the adversarial streams'
/// lone surrogate escapes, raw control characters, broken syntax) cannot reach the module and are left
/// to `blindspot filter`'s tests. Flow-log text lines stay out too: Fluent Bit would carry them as a
/// `log` field of a JSON record, not as the record.
fn testdata_lines() -> Vec<Vec<u8>> {
    let files = input::discover(&[common::testdata("")]).expect("files");
    let mut lines = Vec::new();
    for file in files {
        if input::Framing::for_path(&file) != input::Framing::Lines {
            continue;
        }
        input::read_units(&file, &mut |unit| {
            if let Ok(data) = unit.data
                && serde_json::from_slice::<Value>(&data).is_ok()
            {
                lines.push(data);
            }
            Ok(())
        })
        .expect("read");
    }
    lines
}

#[test]
fn exports_the_filter_calling_convention() {
    let exports = module().exports();
    for name in [
        "memory",
        "malloc",
        "free",
        "blindspot_filter",
        "blindspot_filter_alerts",
    ] {
        assert!(
            exports.iter().any(|e| e == name),
            "missing export {name}: {exports:?}"
        );
    }
}

/// The testdata through the module and through the component: the module's output must be what the
/// component's outcome renders to in `enrich` mode, byte for byte. Returns (records passed unchanged,
/// records enriched).
fn compare_with_component(config_dir: Option<&std::path::Path>, enrich: Enrich) -> (usize, usize) {
    let mut host = module()
        .instantiate("blindspot_filter", config_dir)
        .expect("instance");
    let mut component = common::plugin().instantiate().expect("component");
    let lines = testdata_lines();
    assert!(lines.len() > 50, "{}", lines.len());
    let (mut unchanged, mut enriched) = (0, 0);
    for line in &lines {
        let out = host
            .call("cloudtrail.audit", (1_764_230_104, 0), line)
            .expect("call")
            .expect("pass-through mode never drops");
        let mut outcome = component
            .process(vec![Input {
                data: line.clone(),
                source_hint: None,
                tag: None,
            }])
            .expect("component")
            .remove(0);
        if let Ok(events) = &mut outcome {
            events.extend(component.drain().expect("drain"));
        }
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&enrichment_json::render(enrich, line, &outcome, None)),
        );
        if &out == line {
            unchanged += 1;
        } else {
            enriched += 1;
        }
    }
    (unchanged, enriched)
}

#[test]
fn by_default_records_without_findings_pass_byte_for_byte() {
    let (unchanged, enriched) = compare_with_component(None, Enrich::Findings);
    assert!(unchanged > 100 && enriched > 50, "{unchanged} / {enriched}");

    // A benign CloudTrail record (a read-only call, as CloudTrail records it: AWS CloudTrail User
    // Guide, "CloudTrail record contents") and an attack one (the trail deleted).
    let lines = std::fs::read_to_string(common::testdata("aws/cloudtrail_audit_logging.ndjson"))
        .expect("testdata");
    let benign = lines
        .lines()
        .find(|l| l.contains("\"eventName\":\"DescribeTrails\""))
        .expect("a DescribeTrails record");
    let attack = lines
        .lines()
        .find(|l| l.contains("\"eventName\":\"DeleteTrail\"") && !l.contains("errorCode"))
        .expect("a DeleteTrail record");
    let mut host = module()
        .instantiate("blindspot_filter", None)
        .expect("instance");
    let out = host
        .call("cloudtrail", (0, 0), benign.as_bytes())
        .expect("call")
        .expect("kept");
    assert_eq!(String::from_utf8_lossy(&out), benign);
    let out = host
        .call("cloudtrail", (0, 0), attack.as_bytes())
        .expect("call")
        .expect("kept");
    let out: Value = serde_json::from_slice(&out).expect("json");
    let event = &out["blindspot"]["events"][0];
    assert_eq!(out["blindspot"]["alert"], true);
    assert_eq!(
        event["findings"][0]["rule_id"],
        "aws.cloudtrail.delete_trail"
    );
    assert_eq!(event["fields"]["action"], "cloudtrail:DeleteTrail");
    assert_eq!(out["eventName"], "DeleteTrail", "the record is kept");
}

#[test]
fn enrich_all_restores_every_records_enrichment() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("blindspot.json"),
        r#"{"output":{"enrich":"all"}}"#,
    )
    .expect("write");
    let (unchanged, _) = compare_with_component(Some(dir.path()), Enrich::All);
    assert_eq!(unchanged, 0, "every record gains the enrichment");
}

#[test]
fn same_findings_as_the_component_event_by_event() {
    let mut host = module()
        .instantiate("blindspot_filter", None)
        .expect("instance");
    let mut component = common::plugin().instantiate().expect("component");
    let lines = testdata_lines();
    assert!(lines.len() > 50, "{}", lines.len());
    for line in &lines {
        let out = host
            .call("cloudtrail.audit", (1_764_230_104, 0), line)
            .expect("call")
            .expect("pass-through mode never drops");
        let out: Value = serde_json::from_slice(&out).expect("the filter returns a JSON object");
        let mut outcome = component
            .process(vec![Input {
                data: line.clone(),
                source_hint: None,
                tag: None,
            }])
            .expect("component")
            .remove(0);
        // The module carries the correlation findings a record's event time completed on that record.
        if let Ok(events) = &mut outcome {
            events.extend(component.drain().expect("drain"));
        }
        if enrichment_json::passes_unchanged(Enrich::Findings, line, &outcome, None) {
            assert!(out.get(enrichment_json::KEY).is_none());
            continue;
        }
        let expected: Value = serde_json::from_str(&enrichment_json::enrichment(
            Enrich::Findings,
            &outcome,
            None,
        ))
        .expect("json");
        assert_eq!(
            out[enrichment_json::KEY],
            expected,
            "{}",
            String::from_utf8_lossy(line)
        );
        if outcome.is_ok() {
            // The record itself is kept: every original key is still there.
            let original: Value = serde_json::from_slice(line).expect("json");
            if let Some(map) = original.as_object() {
                for (k, v) in map {
                    assert_eq!(&out[k], v);
                }
            }
        }
    }
}

#[test]
fn alerts_mode_drops_records_without_an_alert() {
    let mut host = module()
        .instantiate("blindspot_filter_alerts", None)
        .expect("instance");
    let (mut kept, mut dropped) = (0, 0);
    for line in testdata_lines() {
        match host.call("cloudtrail.audit", (0, 0), &line).expect("call") {
            Some(out) => {
                let out: Value = serde_json::from_slice(&out).expect("json");
                assert_eq!(out[enrichment_json::KEY]["alert"], true);
                kept += 1;
            }
            None => dropped += 1,
        }
    }
    assert!(kept > 20 && dropped > 20, "kept {kept}, dropped {dropped}");
}

/// A fresh instance (the configuration is read on the first call) with `dir` preopened.
fn filter_with_config(dir: &std::path::Path, record: &str) -> Value {
    let mut host = module()
        .instantiate("blindspot_filter", Some(dir))
        .expect("instance");
    let out = host
        .call("cloudtrail", (0, 0), record.as_bytes())
        .expect("call")
        .expect("kept");
    serde_json::from_slice(&out).expect("json")
}

#[test]
fn configuration_comes_from_the_preopened_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let record = std::fs::read_to_string(common::testdata("aws/cloudtrail_audit_logging.ndjson"))
        .expect("testdata");
    let stop_logging = record
        .lines()
        .find(|l| l.contains("\"eventName\":\"StopLogging\"") && !l.contains("errorCode"))
        .expect("a StopLogging record");

    std::fs::write(
        dir.path().join("blindspot.json"),
        r#"{"rules":{"aws.cloudtrail.stop_logging":{"enabled":false}}}"#,
    )
    .expect("write");
    // The rule is off, so the record carries no finding and passes unchanged (compact output).
    let out = filter_with_config(dir.path(), stop_logging);
    assert!(out.get("blindspot").is_none(), "{out}");
    assert_eq!(out["eventName"], "StopLogging");

    std::fs::write(
        dir.path().join("blindspot.json"),
        r#"{"rules":{"nope":{}}}"#,
    )
    .expect("write");
    let out = filter_with_config(dir.path(), stop_logging);
    let error = out["blindspot"]["config_error"].as_str().expect("reported");
    assert!(error.contains("rules.nope"), "{error}");
    assert_eq!(out["blindspot"]["alert"], true, "defaults stay in force");
}

#[test]
fn memory_does_not_grow_over_100k_calls() {
    let mut host = module()
        .instantiate("blindspot_filter", None)
        .expect("instance");
    let lines = testdata_lines();
    for line in lines.iter().cycle().take(2_000) {
        host.call("t", (0, 0), line).expect("call");
    }
    let warm = host.memory_size();
    for line in lines.iter().cycle().take(100_000) {
        host.call("t", (0, 0), line).expect("call");
    }
    assert_eq!(host.memory_size(), warm, "linear memory grew after warm-up");
}
