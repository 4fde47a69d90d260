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
        &["--enrich", "all"][..],
        &["--enrich", "all", "--line-buffered"][..],
        &["--enrich", "all", "--engine", "native"][..],
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
        // One principal's run of monitoring-evasion changes escalates; another principal's run of
        // denied attempts escalates on its own.
        let mut escalations: Vec<(&str, &str)> = correlations
            .iter()
            .map(|c| {
                let event = &c["blindspot"]["events"][0];
                (
                    event["findings"][0]["rule_id"].as_str().unwrap_or(""),
                    event["fields"]["principal"].as_str().unwrap_or(""),
                )
            })
            .collect();
        escalations.sort_unstable();
        assert_eq!(
            escalations,
            [
                (
                    "sequence.denied_evasion_attempts",
                    "arn:aws:sts::111122223333:assumed-role/ci-deployer/dev-sync-4821"
                ),
                (
                    "sequence.monitoring_evasion",
                    "arn:aws:sts::111122223333:assumed-role/platform-admin/dev-sync-4821-b"
                ),
            ],
            "{args:?}"
        );
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

/// The input's non-blank lines, as bytes.
fn lines_of(stream: &[u8]) -> Vec<&[u8]> {
    stream
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .collect()
}

fn has_findings(line: &Value) -> bool {
    line["blindspot"]["events"]
        .as_array()
        .is_some_and(|events| {
            events
                .iter()
                .any(|e| e["findings"] != serde_json::json!([]))
        })
}

#[test]
fn by_default_only_lines_with_findings_gain_the_enrichment() {
    let stream =
        std::fs::read(common::testdata("aws/cloudtrail_audit_logging.ndjson")).expect("testdata");
    let inputs = lines_of(&stream);
    for args in [&[][..], &["--engine", "native"][..]] {
        let output = common::run_filter(args, &stream).stdout;
        let outputs = lines_of(&output);
        let (mut unchanged, mut enriched) = (0, 0);
        // Records first, in input order; correlation lines follow the batch that completed them.
        for (out, input) in outputs.iter().zip(&inputs) {
            let value: Value = serde_json::from_slice(out).expect("JSON");
            if out == input {
                unchanged += 1;
                assert!(value.get("blindspot").is_none());
            } else {
                enriched += 1;
                assert!(has_findings(&value), "{value}");
                assert!(out.starts_with(&input[..input.len() - 1]), "record kept");
                let event = &value["blindspot"]["events"][0];
                assert_eq!(event["source"], "aws_cloudtrail");
                assert!(event["fields"]["principal"].is_string(), "{event}");
            }
        }
        assert!(unchanged > 10 && enriched > 20, "{unchanged} / {enriched}");
        assert_eq!(unchanged + enriched, inputs.len());
    }
}

#[test]
fn the_configuration_chooses_the_mode_and_the_flag_overrides_it() {
    let stream =
        std::fs::read(common::testdata("aws/cloudtrail_audit_logging.ndjson")).expect("testdata");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("blindspot.toml");
    std::fs::write(&config, "[output]\nenrich = \"all\"\n").expect("write");
    let config = config.to_str().expect("utf-8 path");
    let run = |args: &[&str]| common::run_filter(args, &stream).stdout;

    let all = run(&["--enrich", "all"]);
    assert_eq!(run(&["--config", config]), all);
    let findings = run(&[]);
    assert_ne!(findings, all);
    assert_eq!(run(&["--config", config, "--enrich", "findings"]), findings);
    // `all` restores the enrichment of every record.
    let every: Vec<Value> = lines_of(&all)
        .iter()
        .map(|l| serde_json::from_slice(l).expect("JSON"))
        .collect();
    assert!(every.iter().all(|l| l["blindspot"]["events"].is_array()));
    assert!(findings.len() < all.len());

    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"output":{"enrich":"some"}}"#,
    )
    .expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_blindspot"))
        .arg("filter")
        .arg("--config")
        .arg(dir.path().join("bad.json"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("output.enrich"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
