//! The data-lake outputs on the whole testdata: the Hive-partitioned table (limits, layout, same rows
//! as the single file), OCSF Detection Findings (one per finding, mapped from the event, identical in
//! Parquet and NDJSON, deterministic) and what is left behind when a run does not finish.

use crate::common;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::TimestampMicrosecondType;
use blindspot_host::output::Row;
use blindspot_host::output::RowSink;
use blindspot_host::output::fanout::FanOut;
use blindspot_host::output::lake::{LakeOptions, LakeSink, PartitionKey, SUCCESS_MARKER};
use blindspot_host::output::ocsf::{OCSF_VERSION, OcsfFormat, OcsfSink};
use blindspot_host::output::table::ParquetSink;
use blindspot_host::replay::{ReplayOptions, Summary, replay};
use blindspot_host::runtime::detector::{Detector, NativeDetector};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::{FileReader, SerializedFileReader};
use serde_json::Value;

const MAX_ROWS_PER_FILE: usize = 9;
const ROW_GROUP_ROWS: usize = 4;

struct Outputs {
    _dir: tempfile::TempDir,
    lake: PathBuf,
    table: PathBuf,
    ocsf_parquet: PathBuf,
    ocsf_ndjson: PathBuf,
    summary: Summary,
}

fn options() -> ReplayOptions {
    ReplayOptions {
        inputs: vec![common::testdata("")],
        alerts_only: false,
        batch_size: 16,
        // Each recording its own stream, as `replay --expect` runs the testdata.
        per_file_streams: true,
        ..ReplayOptions::default()
    }
}

/// Replays the testdata once into every output, checked against the expected findings.
fn replay_all(config: Option<&str>) -> Outputs {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let table = dir.path().join("table.parquet");
    let ocsf_parquet = dir.path().join("findings.ocsf.parquet");
    let ocsf_ndjson = dir.path().join("findings.ocsf.ndjson");
    let mut detector = NativeDetector::default();
    if let Some(config) = config {
        detector
            .configure(config)
            .expect("configure")
            .expect("config accepted");
    }
    let lake_sink = LakeSink::create(
        &lake,
        LakeOptions {
            partition_by: vec![PartitionKey::Source, PartitionKey::Date],
            max_rows_per_file: MAX_ROWS_PER_FILE,
            max_file_bytes: 64 << 20,
            row_group_rows: ROW_GROUP_ROWS,
        },
    )
    .expect("lake");
    let side: Vec<Box<dyn RowSink>> = vec![
        Box::new(ParquetSink::create(&table).expect("table")),
        Box::new(OcsfSink::create(&ocsf_parquet, OcsfFormat::Parquet).expect("ocsf parquet")),
        Box::new(OcsfSink::create(&ocsf_ndjson, OcsfFormat::Ndjson).expect("ocsf ndjson")),
    ];
    let sink = Box::new(FanOut::new(Box::new(lake_sink), side));
    // Whether the findings match `*.expected.json` is replay_testdata's concern; here the outputs are
    // compared with each other and with the events.
    let summary = replay(&mut detector, sink, &options(), None).expect("replay");
    Outputs {
        _dir: dir,
        lake,
        table,
        ocsf_parquet,
        ocsf_ndjson,
        summary,
    }
}

fn parquet_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            parquet_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "parquet") {
            out.push(path);
        }
    }
}

/// (input_file, input_line, input_record, source, event day) of every row of a table file.
type RowKey = (String, i64, i32, String, Option<String>);

fn table_rows(path: &Path) -> Vec<RowKey> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).expect("open"))
        .expect("parquet")
        .build()
        .expect("reader");
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.expect("batch");
        let file = batch
            .column_by_name("input_file")
            .expect("col")
            .as_string::<i32>();
        let line = batch
            .column_by_name("input_line")
            .expect("col")
            .as_primitive::<arrow::datatypes::Int64Type>();
        let record = batch
            .column_by_name("input_record")
            .expect("col")
            .as_primitive::<arrow::datatypes::Int32Type>();
        let source = batch
            .column_by_name("source")
            .expect("col")
            .as_string::<i32>();
        let time = batch
            .column_by_name("event_time")
            .expect("col")
            .as_primitive::<TimestampMicrosecondType>();
        for i in 0..batch.num_rows() {
            let day = (!time.is_null(i)).then(|| {
                chrono::DateTime::from_timestamp_micros(time.value(i))
                    .expect("time")
                    .format("%Y-%m-%d")
                    .to_string()
            });
            rows.push((
                file.value(i).to_string(),
                line.value(i),
                record.value(i),
                source.value(i).to_string(),
                day,
            ));
        }
    }
    rows
}

#[test]
fn partitioned_dataset_holds_the_table_in_hive_layout_within_limits() {
    let out = replay_all(None);
    assert!(out.lake.join(SUCCESS_MARKER).is_file());
    let parent = out.lake.parent().expect("parent");
    let leftovers: Vec<_> = std::fs::read_dir(parent)
        .expect("read_dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");

    let mut files = Vec::new();
    parquet_files(&out.lake, &mut files);
    let mut lake_rows = Vec::new();
    let mut partitions = BTreeMap::<PathBuf, usize>::new();
    for file in &files {
        let relative = file.strip_prefix(&out.lake).expect("inside");
        let parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        assert_eq!(parts.len(), 3, "{relative:?}");
        let source = parts[0].strip_prefix("source=").expect("source= dir");
        let day = parts[1]
            .strip_prefix("event_date=")
            .expect("event_date= dir");
        assert!(parts[2].starts_with("part-") && parts[2].ends_with(".parquet"));

        let reader = SerializedFileReader::new(File::open(file).expect("open")).expect("parquet");
        let meta = reader.metadata();
        let rows_in_file = meta.file_metadata().num_rows() as usize;
        assert!(
            (1..=MAX_ROWS_PER_FILE).contains(&rows_in_file),
            "{relative:?}: {rows_in_file} rows"
        );
        for group in meta.row_groups() {
            assert!(group.num_rows() as usize <= ROW_GROUP_ROWS, "{relative:?}");
        }
        *partitions
            .entry(relative.parent().expect("dir").to_path_buf())
            .or_default() += 1;

        for row in table_rows(file) {
            assert_eq!(row.3, source, "{relative:?} holds a row of another source");
            match &row.4 {
                Some(d) => assert_eq!(d, day, "{relative:?} holds a row of another day"),
                None => assert_eq!(day, "__HIVE_DEFAULT_PARTITION__"),
            }
            lake_rows.push(row);
        }
    }
    assert_eq!(lake_rows.len() as u64, out.summary.rows_written);
    // Several days and sources, and at least one partition split over several files by the limit.
    assert!(partitions.len() >= 5, "{partitions:?}");
    assert!(partitions.values().any(|&n| n > 1), "{partitions:?}");

    let mut single = table_rows(&out.table);
    single.sort();
    lake_rows.sort();
    assert_eq!(lake_rows, single, "the dataset and the single file differ");
}

fn ndjson_records(path: &Path) -> Vec<Value> {
    std::io::BufReader::new(File::open(path).expect("open"))
        .lines()
        .map(|l| serde_json::from_str(&l.expect("line")).expect("json"))
        .collect()
}

/// Parquet has nulls where NDJSON omits keys, and a timestamp type where NDJSON has RFC 3339 text.
fn normalise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            if let Some(Value::String(t)) = map.get_mut("time_dt") {
                let ms = chrono::DateTime::parse_from_rfc3339(t)
                    .map(|d| d.timestamp_millis())
                    .or_else(|_| {
                        chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
                            .map(|d| d.and_utc().timestamp_millis())
                    })
                    .expect("time_dt parses");
                *t = ms.to_string();
            }
            map.values_mut().for_each(normalise);
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}

fn raw_field<'a>(raw: &'a Value, pointers: &[&str]) -> Option<&'a str> {
    pointers
        .iter()
        .find_map(|p| raw.pointer(p).and_then(Value::as_str))
}

#[test]
fn ocsf_findings_are_one_per_finding_mapped_from_the_event_and_identical_in_both_formats() {
    let out = replay_all(None);
    let table = common::parquet_rows(&out.table);
    let total_findings: usize = table
        .iter()
        .map(|r| r["findings"].as_array().map_or(0, Vec::len))
        .sum();
    let mut ndjson = ndjson_records(&out.ocsf_ndjson);
    let mut parquet = common::parquet_rows(&out.ocsf_parquet);
    assert_eq!(ndjson.len(), total_findings);
    assert_eq!(parquet.len(), total_findings);
    assert!(total_findings > 40, "{total_findings}");
    ndjson.iter_mut().for_each(normalise);
    parquet.iter_mut().for_each(normalise);
    assert_eq!(ndjson, parquet, "NDJSON and Parquet records differ");

    // Every finding of the table appears once, under its event's position and rule.
    let mut want = BTreeMap::<(String, i64, i64, String), usize>::new();
    for row in &table {
        for f in row["findings"].as_array().into_iter().flatten() {
            *want
                .entry((
                    row["input_file"].as_str().unwrap_or("").to_string(),
                    row["input_line"].as_i64().expect("line"),
                    row["input_record"].as_i64().expect("record"),
                    f["rule_id"].as_str().expect("rule").to_string(),
                ))
                .or_default() += 1;
        }
    }
    let mut got = BTreeMap::<(String, i64, i64, String), usize>::new();
    for r in &ndjson {
        *got.entry((
            r["unmapped"]["input_file"]
                .as_str()
                .expect("file")
                .to_string(),
            r["unmapped"]["input_line"].as_i64().expect("line"),
            r["unmapped"]["input_record"].as_i64().expect("record"),
            r["finding_info"]["analytic"]["uid"]
                .as_str()
                .expect("uid")
                .to_string(),
        ))
        .or_default() += 1;
    }
    assert_eq!(got, want);

    let mut checked_cloudtrail = 0;
    for r in &ndjson {
        assert_eq!(r["class_uid"], 2004);
        assert_eq!(r["category_uid"], 2);
        assert_eq!(r["type_uid"], 200401);
        assert_eq!(r["metadata"]["version"], OCSF_VERSION);
        assert_eq!(r["metadata"]["product"]["name"], "blindspot");
        assert_eq!(r["status"], "New");
        let severity = r["severity_id"].as_i64().expect("severity_id");
        assert!((1..=5).contains(&severity));
        assert_eq!(r["is_alert"], severity >= 3);
        let uid = r["finding_info"]["uid"].as_str().expect("uid");
        assert!(uid.starts_with("blindspot-") && uid.len() == 26, "{uid}");
        let attack = &r["finding_info"]["attacks"][0];
        assert!(
            attack["tactic"]["uid"]
                .as_str()
                .expect("tactic")
                .starts_with("TA")
        );
        let technique = attack["technique"]["uid"].as_str().expect("technique");
        if let Some(sub) = attack["sub_technique"]["uid"].as_str() {
            assert!(
                sub.starts_with(&format!("{technique}.")),
                "{sub} under {technique}"
            );
            assert!(
                !attack["technique"]["name"]
                    .as_str()
                    .expect("name")
                    .is_empty()
            );
        }
        assert!(
            !r["remediation"]["desc"]
                .as_str()
                .expect("remediation")
                .is_empty()
        );

        // The mapped fields come from the event itself: check them against the raw CloudTrail record.
        // Correlation findings (no input position) carry no event text of their own.
        if r["unmapped"]["source"] == "aws_cloudtrail" && r["unmapped"]["input_line"] != 0 {
            // Adversarial recordings hold events the engine reads although a field it skips is
            // malformed JSON; only well-formed ones can be compared field by field.
            let Ok(raw) = serde_json::from_str::<Value>(
                r["raw_data"].as_str().expect("raw_data on an input event"),
            ) else {
                continue;
            };
            assert_eq!(r["cloud"]["provider"], "AWS");
            // Adversarial recordings also hold records missing these; the rest must map exactly.
            let (Some(source), Some(name), Some(time)) = (
                raw_field(&raw, &["/eventSource", "/detail/eventSource"]),
                raw_field(&raw, &["/eventName", "/detail/eventName"]),
                raw_field(&raw, &["/eventTime", "/detail/eventTime"])
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
            ) else {
                continue;
            };
            // CloudTrail names the call `<service>.amazonaws.com` + `eventName`.
            let service = source.split('.').next().unwrap_or(source);
            assert_eq!(
                r["evidences"][0]["api"]["operation"].as_str(),
                Some(format!("{service}:{name}").as_str())
            );
            assert_eq!(
                r["evidences"][0]["api"]["service"]["name"].as_str(),
                Some(service)
            );
            let ip = raw_field(&raw, &["/sourceIPAddress", "/detail/sourceIPAddress"]);
            let endpoint = &r["evidences"][0]["src_endpoint"];
            assert_eq!(endpoint["ip"].as_str().or(endpoint["domain"].as_str()), ip);
            assert_eq!(
                r["metadata"]["original_event_uid"].as_str(),
                raw_field(&raw, &["/eventID", "/detail/eventID"])
            );
            assert_eq!(
                r["cloud"]["region"].as_str(),
                raw_field(&raw, &["/awsRegion", "/detail/awsRegion"])
            );
            assert_eq!(r["time"].as_i64(), Some(time.timestamp_millis()));
            checked_cloudtrail += 1;
        }
    }
    assert!(checked_cloudtrail > 10, "{checked_cloudtrail}");

    // Deterministic: a second run writes the same bytes.
    let again = replay_all(None);
    assert_eq!(
        std::fs::read(&out.ocsf_ndjson).expect("first"),
        std::fs::read(&again.ocsf_ndjson).expect("second")
    );
}

#[test]
fn suppressed_findings_are_written_with_status_and_reason() {
    let first = replay_all(None);
    let records = ndjson_records(&first.ocsf_ndjson);
    let principal = records
        .iter()
        .find_map(|r| r["evidences"][0]["actor"]["user"]["name"].as_str())
        .expect("a finding with a principal")
        .to_string();
    let config = serde_json::json!({
        "suppressions": [{
            "name": "lake-test",
            "reason": "sanctioned change window",
            "principals": [principal],
        }]
    })
    .to_string();
    let out = replay_all(Some(&config));
    let after = ndjson_records(&out.ocsf_ndjson);
    let position = |r: &Value| {
        (
            r["unmapped"]["input_file"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            r["unmapped"]["input_line"].as_i64(),
            r["unmapped"]["input_record"].as_i64(),
            r["finding_info"]["analytic"]["uid"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    let principal_of = |r: &Value| {
        r["evidences"][0]["actor"]["user"]["name"]
            .as_str()
            .map(str::to_string)
    };
    let mut suppressed = 0;
    for r in &after {
        if principal_of(r).as_deref() == Some(principal.as_str()) {
            suppressed += 1;
            assert_eq!(r["status_id"], 3);
            assert_eq!(r["status"], "Suppressed");
            assert_eq!(r["is_alert"], false);
            let detail = r["status_detail"].as_str().expect("status_detail");
            assert!(detail.contains("sanctioned change window"), "{detail}");
        } else {
            assert_eq!(r["status_id"], 1, "{}", r["finding_info"]["uid"]);
            assert!(r.get("status_detail").is_none());
        }
    }
    // Every finding on an input event is still written (correlation findings built on the suppressed
    // ones may go away: that is the engine's choice, not the writer's).
    let after_positions: std::collections::BTreeSet<_> = after.iter().map(position).collect();
    let mut on_events = 0;
    for r in records
        .iter()
        .filter(|r| r["unmapped"]["input_line"].as_i64() != Some(0))
    {
        assert!(
            after_positions.contains(&position(r)),
            "{:?} missing",
            position(r)
        );
        if principal_of(r).as_deref() == Some(principal.as_str()) {
            on_events += 1;
        }
    }
    assert!(
        on_events > 0 && suppressed >= on_events,
        "{suppressed} {on_events}"
    );
}

/// A sink that fails on the n-th row, to stop a run midway.
struct FailAfter(usize);

impl RowSink for FailAfter {
    fn push(&mut self, _row: Row) -> anyhow::Result<()> {
        if self.0 == 0 {
            anyhow::bail!("disk full (simulated)");
        }
        self.0 -= 1;
        Ok(())
    }
    fn finish(self: Box<Self>) -> anyhow::Result<u64> {
        Ok(0)
    }
}

#[test]
fn an_unfinished_run_leaves_no_output_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let ocsf = dir.path().join("f.ocsf.parquet");
    let side: Vec<Box<dyn RowSink>> = vec![
        Box::new(OcsfSink::create(&ocsf, OcsfFormat::Parquet).expect("ocsf")),
        Box::new(FailAfter(40)),
    ];
    let table = LakeSink::create(&lake, LakeOptions::default()).expect("lake");
    let sink = Box::new(FanOut::new(Box::new(table), side));
    let mut detector = NativeDetector::default();
    let err = replay(&mut detector, sink, &options(), None).expect_err("the run fails");
    assert!(format!("{err:#}").contains("disk full"), "{err:#}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_directory_that_is_not_a_dataset_is_never_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let precious = dir.path().join("home");
    std::fs::create_dir(&precious).expect("mkdir");
    std::fs::write(precious.join("notes.txt"), "keep me").expect("write");
    let err = LakeSink::create(&precious, LakeOptions::default())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("not a blindspot dataset"), "{err}");
    assert!(precious.join("notes.txt").is_file());

    // A finished dataset of ours is replaced by the next run.
    let lake = dir.path().join("lake");
    for _ in 0..2 {
        let sink = Box::new(LakeSink::create(&lake, LakeOptions::default()).expect("lake"));
        let mut detector = NativeDetector::default();
        replay(&mut detector, sink, &options(), None).expect("replay");
    }
    assert!(lake.join(SUCCESS_MARKER).is_file());
}
