//! Host isolation against a deliberately broken plugin (tests/fixtures/broken-plugin): an event that
//! traps, one that never returns and one that allocates without bound each become one error row, the
//! events around them come out normally, and the run goes on with a fresh instance.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use arrow::array::{Array, AsArray};
use blindspot_host::output::table::ParquetSink;
use blindspot_host::replay::{ReplayOptions, replay};
use blindspot_host::runtime::detector::{Detector, Input, POISONOUS_EVENT};
use blindspot_host::runtime::limits::Limits;
use blindspot_host::runtime::wasm_host::LoadedPlugin;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Build the fixture once per test binary, the way build.rs builds the real plugin.
fn broken_plugin_wasm() -> &'static Path {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken-plugin");
        let target_dir = root.join("target/broken-plugin");
        let mut command = std::process::Command::new(env!("CARGO"));
        command
            .current_dir(&fixture)
            .args([
                "build",
                "--release",
                "--locked",
                "--target",
                "wasm32-wasip2",
            ])
            .arg("--target-dir")
            .arg(&target_dir);
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTC_WORKSPACE_WRAPPER",
            "RUSTC_WRAPPER",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "CARGO_PRIMARY_PACKAGE",
        ] {
            command.env_remove(var);
        }
        let status = command.status().expect("run cargo for the broken plugin");
        assert!(status.success(), "building the broken plugin failed");
        target_dir.join("wasm32-wasip2/release/blindspot_broken_plugin.wasm")
    })
}

/// Tight limits so that each misbehaviour is caught quickly.
const TEST_LIMITS: Limits = Limits {
    memory_bytes: 64 * 1024 * 1024,
    call_deadline: Some(Duration::from_millis(300)),
};

fn broken_plugin() -> LoadedPlugin {
    LoadedPlugin::from_file(broken_plugin_wasm(), None)
        .expect("the broken plugin compiles")
        .with_limits(TEST_LIMITS)
}

/// A CloudTrail event as the service writes it, with `marker` in its user agent.
fn cloudtrail(id: u32, marker: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/ops","accountId":"111122223333","userName":"ops"}},"eventTime":"2024-05-01T10:00:{:02}Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DescribeTrails","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0 {marker}","requestParameters":null,"responseElements":null,"eventID":"00000000-0000-0000-0000-{id:012}","readOnly":true,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}}"#,
        id % 60
    )
}

fn input(data: String) -> Input {
    Input {
        data: data.into_bytes(),
        source_hint: None,
        tag: None,
    }
}

#[test]
fn each_misbehaviour_costs_one_error_row_and_the_stream_goes_on() {
    let mut detector = broken_plugin().instantiate().expect("instance");
    detector
        .configure("{}")
        .expect("configure")
        .expect("accepted");
    let batch: Vec<Input> = [
        "",
        "BLINDSPOT_TEST_TRAP",
        "",
        "BLINDSPOT_TEST_LOOP",
        "",
        "BLINDSPOT_TEST_ALLOC",
        "",
    ]
    .iter()
    .enumerate()
    .map(|(i, marker)| input(cloudtrail(i as u32, marker)))
    .collect();
    let lengths: Vec<usize> = batch.iter().map(|i| i.data.len()).collect();
    let outcomes = detector.process(batch).expect("the host survives");
    assert_eq!(outcomes.len(), 7);
    for i in [0, 2, 4, 6] {
        let events = outcomes[i]
            .as_ref()
            .expect("a normal event comes out normally");
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].fields.action.as_deref(),
            Some(format!("len:{}", lengths[i]).as_str())
        );
    }
    let reason = |i: usize| {
        outcomes[i]
            .as_ref()
            .expect_err("a poisonous event is an error")
            .message
            .clone()
    };
    assert!(reason(1).starts_with(POISONOUS_EVENT), "{}", reason(1));
    assert!(reason(1).contains("trap"), "{}", reason(1));
    assert!(reason(3).contains("deadline of 300 ms"), "{}", reason(3));
    assert!(
        reason(5).contains("memory limit of 64 MiB"),
        "{}",
        reason(5)
    );

    let incidents = detector.incidents();
    assert_eq!(incidents.poisonous_events, 3, "{incidents:?}");
    // The batch failed once (on the trap), then each culprit failed again on its own.
    assert_eq!(incidents.traps, 2, "{incidents:?}");
    assert_eq!(incidents.timeouts, 1, "{incidents:?}");
    assert_eq!(incidents.memory_limit_hits, 1, "{incidents:?}");
    assert_eq!(incidents.restarts, 4, "{incidents:?}");

    // The instance in place after the failures is fresh and works; it saw only the retried events
    // after the last restart (the three normal ones are not lost).
    let after = detector
        .process(vec![input(cloudtrail(9, ""))])
        .expect("still up");
    assert!(after[0].is_ok());
    assert_eq!(detector.stats().expect("stats").tracked, 2);
}

#[test]
fn a_poisonous_event_alone_in_its_batch_fails_once() {
    let mut detector = broken_plugin().instantiate().expect("instance");
    let outcomes = detector
        .process(vec![input(cloudtrail(1, "BLINDSPOT_TEST_LOOP"))])
        .expect("the host survives");
    assert!(outcomes[0].is_err());
    assert_eq!(detector.incidents().timeouts, 1);
    assert_eq!(detector.incidents().restarts, 1);
}

#[test]
fn replay_writes_poisonous_events_as_error_rows_and_loses_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stream = dir.path().join("trail.ndjson");
    let markers: Vec<&str> = (0..40)
        .map(|i| match i {
            5 => "BLINDSPOT_TEST_TRAP",
            17 => "BLINDSPOT_TEST_LOOP",
            18 => "BLINDSPOT_TEST_TRAP",
            31 => "BLINDSPOT_TEST_ALLOC",
            _ => "",
        })
        .collect();
    let text: String = markers
        .iter()
        .enumerate()
        .map(|(i, m)| cloudtrail(i as u32, m) + "\n")
        .collect();
    std::fs::write(&stream, text).expect("write stream");
    let out = dir.path().join("out.parquet");
    let mut detector = broken_plugin().instantiate().expect("instance");
    let options = ReplayOptions {
        inputs: vec![stream.clone()],
        batch_size: 8,
        ..ReplayOptions::default()
    };
    let sink = Box::new(ParquetSink::create(&out).expect("sink"));
    let summary = replay(&mut detector, sink, &options, None).expect("the run completes");
    assert_eq!(summary.units, 40);
    assert_eq!(summary.rows_written, 40, "{summary:?}");
    assert_eq!(summary.error_rows, 4);
    assert_eq!(summary.events, 36);
    // Batches of 8: [0..8) traps on line 6; [16..24) overruns on line 18, then line 19 traps alone;
    // [24..32) hits the memory limit on line 32. Each batch failure is followed by the culprit's own.
    let i = summary.incidents;
    assert_eq!(i.poisonous_events, 4, "{i:?}");
    assert_eq!(i.traps, 3, "{i:?}");
    assert_eq!(i.timeouts, 2, "{i:?}");
    assert_eq!(i.memory_limit_hits, 2, "{i:?}");
    assert_eq!(i.restarts, 7, "{i:?}");
    let rendered = summary.render(&out);
    assert!(rendered.contains("4 poisonous event(s)"), "{rendered}");
    assert!(rendered.contains("trail.ndjson:18"), "{rendered}");

    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&out).expect("out"))
        .expect("parquet")
        .build()
        .expect("reader");
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for batch in reader {
        let batch = batch.expect("batch");
        let line = batch
            .column_by_name("input_line")
            .expect("input_line")
            .as_primitive::<arrow::datatypes::Int64Type>()
            .clone();
        let error = batch
            .column_by_name("error")
            .expect("error")
            .as_string::<i32>()
            .clone();
        for i in 0..batch.num_rows() {
            lines.push(line.value(i));
            if error.is_valid(i) {
                errors.push((line.value(i), error.value(i).to_owned()));
            }
        }
    }
    // Every input line once, in order.
    assert_eq!(lines, (1..=40).collect::<Vec<i64>>());
    let error_lines: Vec<i64> = errors.iter().map(|(l, _)| *l).collect();
    assert_eq!(error_lines, vec![6, 18, 19, 32]);
    assert!(errors.iter().all(|(_, e)| e.starts_with(POISONOUS_EVENT)));
}

#[test]
fn the_real_plugin_reads_a_50_mb_event_under_the_default_limits() {
    let mut detector = common::plugin().instantiate().expect("instance");
    let big = cloudtrail(1, &"x".repeat(50 * 1024 * 1024));
    let outcomes = detector.process(vec![input(big)]).expect("processed");
    let events = outcomes[0].as_ref().expect("read normally");
    assert_eq!(events[0].source.as_str(), "aws_cloudtrail");
    assert!(!detector.incidents().any());
}

#[test]
fn the_real_plugin_under_a_small_memory_limit_loses_only_the_big_event() {
    let mut detector = common::plugin()
        .instantiate_with(Limits {
            memory_bytes: 16 * 1024 * 1024,
            ..Limits::default()
        })
        .expect("instance");
    let outcomes = detector
        .process(vec![
            input(cloudtrail(1, "")),
            input(cloudtrail(2, &"y".repeat(32 * 1024 * 1024))),
            input(cloudtrail(3, "")),
        ])
        .expect("the host survives");
    assert!(outcomes[0].is_ok());
    let reason = &outcomes[1]
        .as_ref()
        .expect_err("too big for 16 MiB")
        .message;
    assert!(reason.contains("memory limit of 16 MiB"), "{reason}");
    assert!(outcomes[2].is_ok());
    assert!(detector.incidents().memory_limit_hits >= 1);
}
