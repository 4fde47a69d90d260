//! The whole path on the recorded testdata: files → wasm component → Parquet, checked against the
//! expected findings, read back with an independent Parquet reader, and compared with the native build.

use crate::common;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use blindspot_host::output::table::ParquetSink;
use blindspot_host::replay::expect::Expectations;
use blindspot_host::replay::input;
use blindspot_host::replay::{ReplayOptions, replay};
use blindspot_host::runtime::detector::{Detector, Input, NativeDetector};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const COLUMNS: [&str; 22] = [
    "input_file",
    "input_line",
    "input_record",
    "event_time",
    "source",
    "provider",
    "account",
    "region",
    "principal",
    "principal_type",
    "source_ip",
    "user_agent",
    "action",
    "target",
    "outcome",
    "event_id",
    "raw",
    "error",
    "findings",
    "max_severity",
    "alert",
    "shape_note",
];

#[test]
fn testdata_through_the_component_matches_expectations_and_reads_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("enriched.parquet");
    let mut detector = common::plugin().instantiate().expect("instance");
    let mut expectations = Expectations::load(&common::testdata(""), None).expect("expectations");
    let options = ReplayOptions {
        inputs: vec![common::testdata("")],
        alerts_only: false,
        batch_size: 7,
        progress: false,
        per_file_streams: true,
        input_column: None,
    };
    let sink = Box::new(ParquetSink::create(&out).expect("sink"));
    let summary = replay(&mut detector, sink, &options, Some(&mut expectations)).expect("replay");
    let report = expectations.compare();
    assert_eq!(report.mismatches, 0, "{}", report.text);
    assert!(summary.events > 100, "{summary:?}");
    assert!(summary.alerts > 40, "{summary:?}");
    assert_eq!(
        summary.rows_written,
        summary.events + summary.error_rows + summary.correlation_events
    );

    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&out).expect("output"))
        .expect("parquet")
        .build()
        .expect("reader");
    let schema = arrow::record_batch::RecordBatchReader::schema(&reader);
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, COLUMNS);
    assert!(matches!(
        schema.field_with_name("event_time").expect("field").data_type(),
        DataType::Timestamp(_, Some(tz)) if tz.as_ref() == "UTC"
    ));
    let mut rows = 0;
    let mut stop_logging_rows = 0;
    let mut noted_by_shape: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for batch in reader {
        let batch = batch.expect("batch");
        rows += batch.num_rows();
        let findings = batch
            .column_by_name("findings")
            .expect("findings")
            .as_list::<i32>();
        let error = batch
            .column_by_name("error")
            .expect("error")
            .as_string::<i32>();
        let source = batch
            .column_by_name("source")
            .expect("source")
            .as_string::<i32>();
        let input_file = batch
            .column_by_name("input_file")
            .expect("input_file")
            .as_string::<i32>();
        let shape_note = batch
            .column_by_name("shape_note")
            .expect("shape_note")
            .as_string::<i32>();
        for row in 0..batch.num_rows() {
            // testdata/shapes/<source>.<shape>.ndjson: rows counted per shape, and those with a note.
            if let Some(name) = input_file.value(row).split("/shapes/").nth(1)
                && let Some(shape) = name.split('.').nth(1)
                && error.is_null(row)
            {
                let count = noted_by_shape.entry(shape.to_owned()).or_default();
                count.0 += 1;
                count.1 += usize::from(!shape_note.is_null(row));
            }
            if !error.is_null(row) {
                assert_eq!(source.value(row), "unknown");
                assert!(findings.value(row).is_empty());
            }
            let list = findings.value(row);
            let structs = list.as_struct();
            let rule_ids = structs
                .column_by_name("rule_id")
                .expect("rule_id")
                .as_string::<i32>();
            for i in 0..structs.len() {
                if rule_ids.value(i) == "aws.cloudtrail.stop_logging" {
                    stop_logging_rows += 1;
                    let response = structs
                        .column_by_name("response")
                        .expect("response")
                        .as_list::<i32>();
                    assert!(response.value(i).len() >= 3);
                }
            }
        }
    }
    assert_eq!(rows as u64, summary.rows_written);
    assert!(stop_logging_rows >= 4, "{stop_logging_rows}");
    // Canonical events carry no shape note; every event of a fallback shape names it.
    assert_eq!(noted_by_shape.len(), 5, "{noted_by_shape:?}");
    for (shape, (events, noted)) in &noted_by_shape {
        assert!(*events > 0, "{shape}");
        let expected = if shape == "canonical" { 0 } else { *events };
        assert_eq!(
            *noted, expected,
            "{shape}: {noted} of {events} events noted"
        );
    }
}

#[test]
fn the_wasm_and_native_builds_agree_event_by_event() {
    let files = input::discover(&[common::testdata("")]).expect("files");
    let mut wasm = common::plugin().instantiate().expect("instance");
    let mut native = NativeDetector::default();
    let mut compared = 0;
    for file in files {
        let mut batch = Vec::new();
        input::read_units(&file, &mut |unit| {
            if let Ok(data) = unit.data {
                batch.push(Input {
                    data,
                    source_hint: None,
                    tag: None,
                });
            }
            Ok(())
        })
        .expect("read");
        let a = wasm.process(batch.clone()).expect("wasm");
        let b = native.process(batch).expect("native");
        assert_eq!(a, b, "{}", file.display());
        compared += a.len();
    }
    assert!(compared > 50, "{compared}");
}

fn blindspot() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_blindspot"))
}

#[test]
fn malformed_input_is_reported_and_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = std::fs::read_to_string(common::testdata("aws/cloudtrail_audit_logging.ndjson"))
        .expect("testdata");
    let good: Vec<&str> = good.lines().take(3).collect();
    let mut mixed = Vec::new();
    mixed.extend_from_slice(good[0].as_bytes());
    mixed.extend_from_slice(b"\n{\"eventVersion\":\"1.09\",\"eventName\":\"StopLo\n");
    mixed.extend_from_slice(good[1].as_bytes());
    mixed.extend_from_slice(b"\n42\n{\"eventName\":\"\xff\xfe\"}\n\n");
    mixed.extend_from_slice(good[2].as_bytes());
    mixed.push(b'\n');
    std::fs::write(dir.path().join("mixed.ndjson"), &mixed).expect("write");
    std::fs::write(dir.path().join("empty.ndjson"), b"").expect("write");
    let out = dir.path().join("out.parquet");

    let status = blindspot()
        .arg("replay")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .status()
        .expect("run");
    assert_eq!(status.code(), Some(0));

    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&out).expect("output"))
        .expect("parquet")
        .build()
        .expect("reader");
    let mut errors = Vec::new();
    let mut enriched = 0;
    for batch in reader {
        let batch = batch.expect("batch");
        let line = batch
            .column_by_name("input_line")
            .expect("line")
            .as_primitive::<arrow::datatypes::Int64Type>();
        let file = batch
            .column_by_name("input_file")
            .expect("file")
            .as_string::<i32>();
        let error = batch
            .column_by_name("error")
            .expect("error")
            .as_string::<i32>();
        for row in 0..batch.num_rows() {
            if error.is_null(row) {
                enriched += 1;
            } else {
                assert!(file.value(row).ends_with("mixed.ndjson"));
                errors.push((line.value(row), error.value(row).to_owned()));
            }
        }
    }
    assert_eq!(enriched, 3, "the three good events are enriched");
    let lines: Vec<i64> = errors.iter().map(|e| e.0).collect();
    assert_eq!(lines, vec![2, 4, 5], "{errors:?}");
    assert!(errors[0].1.contains("truncated"), "{errors:?}");
    assert!(errors[1].1.contains("not an event object"), "{errors:?}");
    assert!(errors[2].1.contains("UTF-8"), "{errors:?}");
}

#[test]
fn exit_status_follows_the_documented_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.parquet");
    let stream = common::testdata("aws/cloudtrail_eventbridge.ndjson");

    // A wrong expectation: exit 1 with a mismatch report.
    let expected = dir.path().join("wrong.expected.json");
    std::fs::copy(&stream, dir.path().join("cloudtrail_eventbridge.ndjson")).expect("copy");
    std::fs::write(
        &expected,
        r#"{"stream":"cloudtrail_eventbridge.ndjson","events":[{"line":1,"rules":["aws.organizations.leave_organization"]}]}"#,
    )
    .expect("write");
    let output = blindspot()
        .args(["replay", "--quiet", "--out"])
        .arg(&out)
        .arg(dir.path().join("cloudtrail_eventbridge.ndjson"))
        .arg("--expect")
        .arg(&expected)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("MISMATCH"));

    // Bad configuration: exit 2 before any input is read, naming the key.
    let config = dir.path().join("bad.config.json");
    std::fs::write(
        &config,
        r#"{"suppressions":[{"name":"x","reason":"y","source_ips":["nope"]}]}"#,
    )
    .expect("write");
    let output = blindspot()
        .args(["replay", "--quiet", "--out"])
        .arg(&out)
        .arg(&stream)
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("suppressions[0].source_ips[0]"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Bad usage: exit 2.
    let output = blindspot()
        .args(["replay", "--batch-size", "0"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let missing: PathBuf = dir.path().join("missing.ndjson");
    let output = blindspot()
        .arg("replay")
        .arg(&missing)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
}
