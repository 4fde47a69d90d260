//! Object storage end to end against a real S3-compatible server (moto, see `s3_server`): the bundled
//! CloudTrail testdata uploaded in CloudTrail's own layout and replayed from `s3://` into a lake on
//! `s3://`, compared with the local replay of the same files; `--since`/`--until` day selection and
//! the listings it makes; failures that must leave nothing behind; `--input-column` Parquet; `report`
//! of a remote lake.
//!
//! Layout and names as CloudTrail delivers them (CloudTrail User Guide, "Finding your CloudTrail log
//! files": `AWSLogs/[O-ID/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_
//! <YYYYMMDDTHHmmZ>_<unique>.json.gz`, each a gzipped `{"Records":[...]}` document; digests under
//! `CloudTrail-Digest/`).

use crate::common;
use crate::s3_server::{self, S3Server};

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const BUCKET: &str = "org-trail";

/// (key under the bucket, testdata file, whether to wrap NDJSON lines into a `Records` document)
const TRAIL_FILES: [(&str, &str, bool); 5] = [
    (
        "AWSLogs/444455556666/CloudTrail/us-west-2/2026/11/27/444455556666_CloudTrail_us-west-2_20261127T0840Z_Qp2sVn8cLd.json.gz",
        "aws/cloudtrail_s3_delivery.json",
        false,
    ),
    (
        "AWSLogs/444455556666/CloudTrail/eu-central-1/2026/11/28/444455556666_CloudTrail_eu-central-1_20261128T0905Z_Hx7tBw2mRa.json.gz",
        "aws/cloudtrail_s3_delivery_gz.json.gz",
        false,
    ),
    (
        "AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/2026/11/28/111122223333_CloudTrail_us-east-1_20261128T0805Z_Kd3fGh6jLm.json.gz",
        "aws/cloudtrail_audit_logging.ndjson",
        true,
    ),
    (
        // A damaged delivery: records mixed with bad lines must come out as the same error rows.
        "AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/2026/11/29/111122223333_CloudTrail_us-east-1_20261129T1010Z_Zz9yXw8vUt.json.gz",
        "aws/malformed_mixed.ndjson",
        false,
    ),
    (
        "AWSLogs/444455556666/CloudTrail/us-west-2/2026/11/30/444455556666_CloudTrail_us-west-2_20261130T2355Z_Ab1cDe2fGh.json.gz",
        "aws_compute/compute_tampering.ndjson",
        true,
    ),
];

/// Not management events: a run over `AWSLogs/` must not read it.
const DIGEST_KEY: &str = "AWSLogs/444455556666/CloudTrail-Digest/us-west-2/2026/11/27/444455556666_CloudTrail-Digest_us-west-2_org-trail_us-east-1_20261127T084000Z.json.gz";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

/// A testdata file as the object CloudTrail would deliver (gzipped; NDJSON of plain records wrapped
/// in `Records` when asked).
fn trail_object(relative: &str, wrap: bool) -> Vec<u8> {
    let bytes = std::fs::read(common::testdata(relative)).expect("testdata");
    if relative.ends_with(".gz") {
        return bytes;
    }
    if !wrap {
        return gzip(&bytes);
    }
    let records: Vec<serde_json::Value> = String::from_utf8(bytes)
        .expect("utf-8")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a CloudTrail record"))
        .collect();
    gzip(&serde_json::to_vec(&serde_json::json!({ "Records": records })).expect("json"))
}

/// The bucket with the trail files (and a digest), and the same trail files in a local folder.
struct Trail {
    server: S3Server,
    local: tempfile::TempDir,
}

fn trail() -> Option<Trail> {
    let server = s3_server::start()?;
    server.create_bucket(BUCKET);
    let local = tempfile::tempdir().expect("tempdir");
    for (key, relative, wrap) in TRAIL_FILES {
        let object = trail_object(relative, wrap);
        let path = local.path().join(key);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &object).expect("write");
        server.put(BUCKET, key, object);
    }
    let digest = br#"{"awsAccountId":"444455556666","digestStartTime":"2026-11-27T07:40:00Z","digestEndTime":"2026-11-27T08:40:00Z","digestS3Bucket":"org-trail","logFiles":[]}"#;
    server.put(BUCKET, DIGEST_KEY, gzip(digest));
    Some(Trail { server, local })
}

fn ok(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every row of a Parquet file as JSON text, every column, in file order.
fn json_rows(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).expect("open");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("reader");
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.expect("batch");
        let mut writer = arrow::json::LineDelimitedWriter::new(Vec::new());
        writer.write(&batch).expect("json");
        writer.finish().expect("json");
        let text = String::from_utf8(writer.into_inner()).expect("utf-8");
        rows.extend(text.lines().map(str::to_owned));
    }
    rows
}

/// Every file under `dir`, relative, sorted.
fn local_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("prefix");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn s3_trail_replayed_into_an_s3_lake_equals_the_local_replay() {
    let Some(t) = trail() else { return };
    let s = &t.server;
    let out = tempfile::tempdir().expect("tempdir");
    let remote = s.blindspot(&[
        "replay",
        &format!("s3://{BUCKET}/AWSLogs/"),
        "--out",
        &format!("s3://{BUCKET}/lake/blindspot/"),
        "--partition-by",
        "date,source",
        "--max-rows-per-file",
        "20",
        "--ocsf",
        &format!("s3://{BUCKET}/lake/findings.ocsf.ndjson"),
        "--format",
        "ndjson",
    ]);
    ok(&remote);
    let local_lake = out.path().join("blindspot");
    let local_ocsf = out.path().join("findings.ocsf.ndjson");
    let local = s.blindspot(&[
        "replay",
        &t.local.path().join("AWSLogs").to_string_lossy(),
        "--out",
        &local_lake.to_string_lossy(),
        "--partition-by",
        "date,source",
        "--max-rows-per-file",
        "20",
        "--ocsf",
        &local_ocsf.to_string_lossy(),
        "--format",
        "ndjson",
    ]);
    ok(&local);

    // The same part files, _SUCCESS included, under the same relative keys.
    let prefix = "lake/blindspot/";
    let keys: Vec<String> = s
        .keys(BUCKET, "lake/blindspot")
        .into_iter()
        .map(|k| k.strip_prefix(prefix).expect("under the lake").to_owned())
        .collect();
    assert_eq!(keys, local_files(&local_lake));
    assert!(keys.iter().any(|k| k == "_SUCCESS"));
    assert!(
        keys.len() > 4,
        "several partitions and part files: {keys:?}"
    );

    // Every column of every row equal, file by file. The input_file column differs by its prefix
    // only: `s3://org-trail/AWSLogs/...` remotely, `<local folder>/AWSLogs/...` locally; the remote
    // rows' prefix is replaced by the local one before comparing whole rows.
    let remote_prefix = format!("s3://{BUCKET}/");
    let local_prefix = format!("{}/", t.local.path().display());
    let fetched = tempfile::tempdir().expect("tempdir");
    let mut rows = 0;
    for key in keys.iter().filter(|k| k.ends_with(".parquet")) {
        let path = fetched.path().join(key.replace('/', "_"));
        std::fs::write(&path, s.get(BUCKET, &format!("{prefix}{key}"))).expect("write");
        let remote_rows: Vec<String> = json_rows(&path)
            .into_iter()
            .map(|r| r.replace(&remote_prefix, &local_prefix))
            .collect();
        let local_rows = json_rows(&local_lake.join(key));
        assert_eq!(remote_rows, local_rows, "{key}");
        rows += local_rows.len();
    }
    // 12 + 5 + 74 + 20 records, 5 + 4 error/unknown lines of the damaged delivery, plus correlations.
    assert!(rows > 110, "{rows} rows");
    let all = String::from_utf8_lossy(&remote.stdout);
    assert!(
        all.contains("replayed 5 file(s)"),
        "the digest is not read:\n{all}"
    );

    // The OCSF findings: the same records, prefix aside.
    let remote_ocsf = String::from_utf8(s.get(BUCKET, "lake/findings.ocsf.ndjson"))
        .expect("utf-8")
        .replace(&remote_prefix, &local_prefix);
    let local_ocsf = std::fs::read_to_string(&local_ocsf).expect("ocsf");
    assert!(local_ocsf.lines().count() > 30);
    assert_eq!(remote_ocsf, local_ocsf);

    // `report` reads the remote lake as it reads the local one.
    let report_remote = s.blindspot(&["report", &format!("s3://{BUCKET}/lake/blindspot/")]);
    ok(&report_remote);
    let report_local = s.blindspot(&["report", &local_lake.to_string_lossy()]);
    ok(&report_local);
    assert_eq!(report_remote.stdout, report_local.stdout);
    assert!(String::from_utf8_lossy(&report_remote.stdout).contains("aws.cloudtrail.stop_logging"));

    // No upload left open, no probe or staging name left in the bucket.
    assert_eq!(s.open_multipart_uploads(BUCKET), 0);
    assert!(
        s.keys(BUCKET, "lake")
            .iter()
            .all(|k| !k.contains("probe") && !k.contains(".tmp")),
        "{:?}",
        s.keys(BUCKET, "lake")
    );
}

/// The distinct input files of a table, in row order.
fn input_files(path: &Path) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for row in crate::rows::read(path) {
        if row.is_input() && files.last() != Some(&row.file) {
            files.push(row.file);
        }
    }
    files
}

#[test]
fn since_and_until_select_days_by_key_and_list_only_those_days() {
    let Some(t) = trail() else { return };
    let s = &t.server;
    let out = tempfile::tempdir().expect("tempdir");
    let table = out.path().join("days.parquet");
    let before = s.mark();
    let run = s.blindspot(&[
        "replay",
        &format!("s3://{BUCKET}/AWSLogs/"),
        "--since",
        "2026-11-28",
        "--until",
        "2026-11-29",
        "--out",
        &table.to_string_lossy(),
        "--quiet",
    ]);
    ok(&run);
    // Inclusive at both ends, across accounts, an organisation trail and regions; in key order.
    let expected: Vec<String> = [TRAIL_FILES[1].0, TRAIL_FILES[2].0, TRAIL_FILES[3].0]
        .iter()
        .map(|k| format!("s3://{BUCKET}/{k}"))
        .collect();
    assert_eq!(input_files(&table), expected);

    // Listing went by delimiter down to the kept days: days 27 and 30 were never listed nor read, and
    // nothing under CloudTrail-Digest/ was touched.
    let requests = s.requests()[before..].to_vec();
    assert!(
        requests
            .iter()
            .any(|r| r.contains("delimiter=/") && r.contains("prefix=AWSLogs/o-aa111bb222/")),
        "{requests:#?}"
    );
    for never in ["/2026/11/27/", "/2026/11/30/", "CloudTrail-Digest"] {
        assert!(
            requests.iter().all(|r| !r.contains(never)),
            "{never} was requested: {requests:#?}"
        );
    }

    // The same selection twice gives the same table, and the same selection on the local copy of
    // the layout reads the same files.
    let again = out.path().join("again.parquet");
    ok(&s.blindspot(&[
        "replay",
        &format!("s3://{BUCKET}/AWSLogs/"),
        "--since",
        "2026-11-28",
        "--until",
        "2026-11-29",
        "--out",
        &again.to_string_lossy(),
        "--quiet",
    ]));
    assert_eq!(json_rows(&table), json_rows(&again));
    let local = out.path().join("local.parquet");
    ok(&s.blindspot(&[
        "replay",
        &t.local.path().join("AWSLogs").to_string_lossy(),
        "--since",
        "2026-11-28",
        "--until",
        "2026-11-29",
        "--out",
        &local.to_string_lossy(),
        "--quiet",
    ]));
    let local_prefix = format!("{}/", t.local.path().display());
    let local_files: Vec<String> = input_files(&local)
        .iter()
        .map(|f| f.replace(&local_prefix, &format!("s3://{BUCKET}/")))
        .collect();
    assert_eq!(local_files, expected);

    // A prefix outside the layout cannot be cut by day: usage error.
    s.put(BUCKET, "exports/events.ndjson", b"{}\n".to_vec());
    let outside = s.blindspot(&[
        "replay",
        &format!("s3://{BUCKET}/exports/"),
        "--since",
        "2026-11-28",
        "--out",
        &out.path().join("x.parquet").to_string_lossy(),
    ]);
    assert_eq!(outside.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&outside.stderr).contains("CloudTrail's layout"));
}

#[test]
fn gzip_objects_larger_than_the_read_buffer_stream_through() {
    let Some(server) = s3_server::start() else {
        return;
    };
    server.create_bucket("big");
    // ~12 MB of CloudTrail records (the audit stream repeated), gzipped: many reads of the 256 KiB
    // buffer, the gzip stream decoded as it arrives.
    let stream = std::fs::read_to_string(common::testdata("aws/cloudtrail_audit_logging.ndjson"))
        .expect("testdata");
    let mut text = String::new();
    while text.len() < 12 << 20 {
        text.push_str(&stream);
    }
    let lines = text.lines().count();
    server.put("big", "day/events.ndjson.gz", gzip(text.as_bytes()));
    let out = tempfile::tempdir().expect("tempdir");
    let table = out.path().join("big.parquet");
    ok(&server.blindspot(&[
        "replay",
        "s3://big/day/events.ndjson.gz",
        "--out",
        &table.to_string_lossy(),
        "--quiet",
    ]));
    let rows = crate::rows::input_rows(&table);
    assert_eq!(rows.len(), lines, "one row per line");
    assert_eq!(
        rows.last().map(|r| r.line),
        Some(lines as i64),
        "the last line was read"
    );
    assert!(rows.iter().all(|r| r.error.is_none()));

    // The same object from a plain web server by its http:// URL reads the same (Python's
    // http.server on 127.0.0.1 serving the gzipped file).
    let site = tempfile::tempdir().expect("tempdir");
    std::fs::write(site.path().join("events.ndjson.gz"), gzip(text.as_bytes())).expect("write");
    // moto runs on python3, so its http.server is there too.
    let web = WebServer::start(site.path()).expect("python3 -m http.server starts");
    let over_http = out.path().join("http.parquet");
    ok(&server.blindspot(&[
        "replay",
        &format!("http://127.0.0.1:{}/events.ndjson.gz", web.port),
        "--out",
        &over_http.to_string_lossy(),
        "--quiet",
    ]));
    let http_rows = crate::rows::input_rows(&over_http);
    assert_eq!(http_rows.len(), lines);
    let rules = |rows: &[crate::rows::RowKey]| -> Vec<Vec<String>> {
        rows.iter().map(|r| r.rules.clone()).collect()
    };
    assert_eq!(rules(&http_rows), rules(&rows));
}

#[test]
fn missing_bucket_is_exit_2_with_one_line_and_nothing_written() {
    let Some(server) = s3_server::start() else {
        return;
    };
    server.create_bucket("out");
    let missing_input = server.blindspot(&[
        "replay",
        "s3://no-such-bucket/AWSLogs/",
        "--out",
        "s3://out/table.parquet",
    ]);
    assert_eq!(missing_input.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing_input.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("s3://no-such-bucket/AWSLogs/"), "{stderr}");
    assert!(stderr.contains("NoSuchBucket"), "{stderr}");

    let testdata = common::testdata("aws");
    let missing_output = server.blindspot(&[
        "replay",
        &testdata.to_string_lossy(),
        "--out",
        "s3://no-such-bucket/lake/",
        "--partition-by",
        "date",
    ]);
    assert_eq!(missing_output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing_output.stderr);
    assert!(
        stderr.contains("s3://no-such-bucket/lake/") && stderr.contains("NoSuchBucket"),
        "{stderr}"
    );
    assert!(server.keys("out", "").is_empty());

    // A prefix holding someone else's objects is not replaced.
    server.put("out", "theirs/data.csv", b"a,b\n".to_vec());
    let foreign = server.blindspot(&[
        "replay",
        &testdata.to_string_lossy(),
        "--out",
        "s3://out/theirs/",
        "--partition-by",
        "date",
    ]);
    assert_eq!(foreign.status.code(), Some(2));
    assert_eq!(server.keys("out", ""), vec!["theirs/data.csv".to_owned()]);
}

#[test]
fn denied_access_is_exit_2_with_the_stores_reason() {
    // moto checking credentials: the test's keys belong to no IAM user.
    let Some(server) = s3_server::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("never.parquet");
    let denied = server.blindspot(&[
        "replay",
        "s3://org-trail/AWSLogs/",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(denied.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("s3://org-trail/AWSLogs/"), "{stderr}");
    assert!(stderr.contains("InvalidAccessKeyId"), "{stderr}");
    assert!(!out.exists());
    let denied_out = server.blindspot(&[
        "replay",
        &common::testdata("aws").to_string_lossy(),
        "--out",
        "s3://org-trail/lake/",
        "--partition-by",
        "date",
    ]);
    assert_eq!(denied_out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&denied_out.stderr).contains("s3://org-trail/lake/"));
}

#[test]
fn failures_mid_run_leave_no_success_marker_and_no_visible_objects() {
    let Some(server) = s3_server::start() else {
        return;
    };
    server.create_bucket("out");
    let testdata = common::testdata("aws").to_string_lossy().into_owned();
    let lake_args = [
        "replay",
        testdata.as_str(),
        "--out",
        "s3://out/lake/",
        "--partition-by",
        "date,source",
        "--max-rows-per-file",
        "10",
    ];

    // Interrupted (the test hook of SIGINT): exit 130, nothing uploaded.
    let interrupted = server.blindspot_env(
        &lake_args,
        &[("BLINDSPOT_TEST_INTERRUPT_AFTER_UNITS", "20")],
    );
    assert_eq!(interrupted.status.code(), Some(130));
    assert!(server.keys("out", "").is_empty());

    // The third object's upload fails: the two already uploaded are deleted, no _SUCCESS.
    let failed = server.blindspot_env(&lake_args, &[("BLINDSPOT_TEST_FAIL_UPLOAD_AFTER", "2")]);
    assert_eq!(failed.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("no _SUCCESS was written"), "{stderr}");
    assert!(
        server.keys("out", "").is_empty(),
        "{:?}",
        server.keys("out", "")
    );

    // A single file uploaded in parts (16 KiB here) fails after its first part: the multipart
    // upload is aborted, the object never appears.
    let table_args = [
        "replay",
        testdata.as_str(),
        "--out",
        "s3://out/table.parquet",
    ];
    let part = [("BLINDSPOT_UPLOAD_PART_BYTES", "16384")];
    let failed = server.blindspot_env(
        &table_args,
        &[part[0], ("BLINDSPOT_TEST_FAIL_UPLOAD_AFTER", "0")],
    );
    assert_eq!(failed.status.code(), Some(3));
    assert!(server.keys("out", "").is_empty());
    assert_eq!(server.open_multipart_uploads("out"), 0);

    // The same upload without the failure completes, in several parts, and reads back whole.
    ok(&server.blindspot_env(&table_args, &part));
    let bytes = server.get("out", "table.parquet");
    assert!(
        bytes.len() > 2 * 16384,
        "{} bytes: more than one part",
        bytes.len()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.parquet");
    std::fs::write(&path, bytes).expect("write");
    assert!(crate::rows::read(&path).len() > 100);

    // A finished lake is replaced whole by the next run: old parts that the new run has not are gone.
    ok(&server.blindspot(&lake_args));
    let first = server.keys("out", "lake");
    assert!(first.contains(&"lake/_SUCCESS".to_owned()));
    let aws_compute = common::testdata("aws_compute")
        .to_string_lossy()
        .into_owned();
    let mut replacing = lake_args;
    replacing[1] = aws_compute.as_str();
    ok(&server.blindspot(&replacing));
    let second = server.keys("out", "lake");
    assert!(second.contains(&"lake/_SUCCESS".to_owned()));
    assert!(
        second
            .iter()
            .all(|k| !k.contains("malformed") && !k.contains("source=unknown")),
        "{second:?}"
    );
    assert_ne!(first, second);
}

/// A Parquet file of raw events in a string column, as a lake table of raw CloudTrail would hold.
fn events_parquet(lines: &[Option<&str>]) -> Vec<u8> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("ingest_id", DataType::Int64, false),
        Field::new("raw_event", DataType::Utf8, true),
    ]));
    let ids = Int64Array::from_iter_values(0..lines.len() as i64);
    let raw = StringArray::from(lines.to_vec());
    let batch =
        RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(raw)]).expect("batch");
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, schema, None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    bytes
}

#[test]
fn input_column_reads_raw_events_from_parquet_rows_locally_and_on_s3() {
    let Some(server) = s3_server::start() else {
        return;
    };
    server.create_bucket("tables");
    let ndjson = std::fs::read_to_string(common::testdata("aws/cloudtrail_audit_logging.ndjson"))
        .expect("testdata");
    let mut lines: Vec<Option<&str>> = ndjson.lines().map(Some).collect();
    let events = lines.len();
    lines.push(None);
    let parquet = events_parquet(&lines);
    let dir = tempfile::tempdir().expect("tempdir");
    let local_parquet = dir.path().join("events.parquet");
    std::fs::write(&local_parquet, &parquet).expect("write");
    server.put("tables", "raw/cloudtrail/part-0.parquet", parquet);

    let reference = dir.path().join("reference.parquet");
    ok(&server.blindspot(&[
        "replay",
        &common::testdata("aws/cloudtrail_audit_logging.ndjson").to_string_lossy(),
        "--out",
        &reference.to_string_lossy(),
        "--quiet",
    ]));
    let expected: Vec<(i64, Vec<String>)> = crate::rows::input_rows(&reference)
        .into_iter()
        .map(|r| (r.line, r.rules))
        .collect();

    for (input, name) in [
        (local_parquet.to_string_lossy().into_owned(), "local"),
        ("s3://tables/raw/".to_owned(), "remote"),
    ] {
        let table = dir.path().join(format!("{name}.parquet"));
        ok(&server.blindspot(&[
            "replay",
            &input,
            "--input-column",
            "raw_event",
            "--out",
            &table.to_string_lossy(),
            "--quiet",
        ]));
        let rows = crate::rows::input_rows(&table);
        // Row n is line n of the NDJSON: the same findings event by event.
        let got: Vec<(i64, Vec<String>)> = rows
            .iter()
            .filter(|r| r.error.is_none())
            .map(|r| (r.line, r.rules.clone()))
            .collect();
        assert_eq!(got, expected, "{name}");
        // The null row is an error row at its position, not lost.
        let errors: Vec<_> = rows.iter().filter(|r| r.error.is_some()).collect();
        assert_eq!(errors.len(), 1, "{name}");
        assert_eq!(errors[0].line, events as i64 + 1);
        assert!(errors[0].error.as_deref().unwrap_or("").contains("null"));
    }

    // A column that is not there: one error row naming the columns; the run goes on.
    let table = dir.path().join("wrong.parquet");
    ok(&server.blindspot(&[
        "replay",
        &local_parquet.to_string_lossy(),
        "--input-column",
        "event",
        "--out",
        &table.to_string_lossy(),
        "--quiet",
    ]));
    let rows = crate::rows::read(&table);
    assert_eq!(rows.len(), 1);
    let error = rows[0].error.clone().unwrap_or_default();
    assert!(
        error.contains("no column \"event\"") && error.contains("raw_event"),
        "{error}"
    );
}

/// `blindspot ARGS` without a server; panics unless it succeeds.
fn blindspot(args: &[&str]) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_blindspot"))
        .args(args)
        .output()
        .expect("run blindspot");
    ok(&output);
}

#[test]
fn security_lake_ocsf_records_in_a_parquet_column_give_the_same_findings_as_their_json() {
    // Security Lake's OCSF records (testdata/ocsf, written as its documented CloudTrail, EKS and VPC
    // flow mappings) held as JSON text in a table column: --input-column reads them with the same
    // OCSF reader as the NDJSON files.
    let dir = tempfile::tempdir().expect("tempdir");
    for stream in [
        "cloudtrail_management",
        "eks_audit",
        "vpc_flow_after_change",
    ] {
        let ndjson = common::testdata(&format!("ocsf/{stream}.ocsf.ndjson"));
        let text = std::fs::read_to_string(&ndjson).expect("testdata");
        let lines: Vec<Option<&str>> = text.lines().map(Some).collect();
        let parquet = dir.path().join(format!("{stream}.parquet"));
        std::fs::write(&parquet, events_parquet(&lines)).expect("write");
        let from_json = dir.path().join(format!("{stream}.json.parquet"));
        let from_column = dir.path().join(format!("{stream}.column.parquet"));
        blindspot(&[
            "replay",
            &ndjson.to_string_lossy(),
            "--out",
            &from_json.to_string_lossy(),
            "--quiet",
        ]);
        blindspot(&[
            "replay",
            &parquet.to_string_lossy(),
            "--input-column",
            "raw_event",
            "--out",
            &from_column.to_string_lossy(),
            "--quiet",
        ]);
        let findings = |path: &Path| -> Vec<(i64, i32, Vec<String>)> {
            crate::rows::read(path)
                .into_iter()
                .map(|r| (r.line, r.record, r.rules))
                .collect()
        };
        let expected = findings(&from_json);
        assert!(
            expected.iter().any(|(_, _, rules)| !rules.is_empty()),
            "{stream} has findings"
        );
        assert_eq!(findings(&from_column), expected, "{stream}");
    }
}

/// `python3 -m http.server` on 127.0.0.1 over a directory, stopped when dropped.
struct WebServer {
    child: std::process::Child,
    port: u16,
}

impl WebServer {
    fn start(dir: &Path) -> Option<WebServer> {
        use std::io::BufRead;
        let mut child = std::process::Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let stdout = child.stdout.take()?;
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let line = std::io::BufReader::new(stdout).lines().next()?.ok()?;
        let port = line
            .split(" port ")
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        Some(WebServer { child, port })
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
