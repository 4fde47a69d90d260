//! `blindspot filter`: one enriched JSON object per input line, errors kept, in order.

use crate::common;

use serde_json::Value;

fn filter(args: &[&str], input: &[u8]) -> (Vec<Value>, String) {
    let output = common::run_filter(args, input);
    let lines = String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect();
    (lines, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn one_enriched_object_per_input_line() {
    let stream =
        std::fs::read(common::testdata("aws/cloudtrail_audit_logging.ndjson")).expect("testdata");
    let inputs: Vec<Value> = String::from_utf8_lossy(&stream)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    for args in [
        &[][..],
        &["--line-buffered"][..],
        &["--engine", "native"][..],
    ] {
        let (lines, _) = filter(args, &stream);
        // Correlation findings are lines of their own: only a `blindspot` key, one synthetic event.
        let (correlations, records): (Vec<&Value>, Vec<&Value>) = lines
            .iter()
            .partition(|l| l.as_object().is_some_and(|o| o.len() == 1));
        assert_eq!(records.len(), inputs.len(), "{args:?}");
        for (out, input) in records.iter().zip(&inputs) {
            assert_eq!(out["eventID"], input["eventID"], "order and record kept");
            assert!(out["blindspot"]["events"].is_array());
        }
        // The stream holds two principals' runs of monitoring-evasion moves: one escalation each.
        let principals: Vec<&str> = correlations
            .iter()
            .map(|c| {
                let event = &c["blindspot"]["events"][0];
                assert_eq!(
                    event["findings"][0]["rule_id"], "sequence.monitoring_evasion",
                    "{c}"
                );
                event["fields"]["principal"].as_str().unwrap_or("")
            })
            .collect();
        assert_eq!(principals.len(), 2, "{args:?}: {principals:?}");
        assert!(principals.iter().all(|p| p.contains(":assumed-role/")));
        let alerts = lines
            .iter()
            .filter(|l| l["blindspot"]["alert"] == true)
            .count();
        assert!(alerts > 20, "{alerts}");
    }
}

#[test]
fn bad_lines_come_out_as_error_objects_and_alerts_only_drops_the_rest() {
    let stream = std::fs::read(common::testdata("aws/malformed_mixed.ndjson")).expect("testdata");
    let (lines, stderr) = filter(&[], &stream);
    let errors: Vec<&Value> = lines
        .iter()
        .filter(|l| l["blindspot"].get("error").is_some())
        .collect();
    assert_eq!(errors.len(), 4, "{lines:?}");
    assert!(errors.iter().all(|e| e["raw"].is_string()));
    assert!(stderr.contains("4 unreadable"), "{stderr}");

    let (alerts, _) = filter(&["--alerts-only"], &stream);
    assert!(!alerts.is_empty());
    assert!(alerts.iter().all(|l| l["blindspot"]["alert"] == true));
}
