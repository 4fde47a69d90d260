//! Interruption and `--resume` through the `blindspot` binary: an interrupted run leaves a valid Parquet
//! file and a checkpoint, exits 130, and resuming produces the rows of an uninterrupted run.

#![cfg(unix)]

use crate::common;
use crate::rows;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use blindspot_host::replay::checkpoint::{self, Checkpoint};
use blindspot_host::replay::interrupt::{EXIT_INTERRUPTED, TEST_INTERRUPT_AFTER_UNITS};

fn blindspot(args: &[&str], interrupt_after: Option<u64>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_blindspot"));
    command.args(args).env_remove(TEST_INTERRUPT_AFTER_UNITS);
    if let Some(n) = interrupt_after {
        command.env(TEST_INTERRUPT_AFTER_UNITS, n.to_string());
    }
    command.output().expect("run blindspot")
}

fn path_arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Everything in `dir` but the named files: nothing half-written may be left behind.
fn leftovers(dir: &Path, expected: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| !expected.contains(&name.as_str()))
        .collect()
}

#[test]
fn an_interrupted_run_resumed_twice_equals_a_clean_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let testdata = common::testdata("");
    let clean = dir.path().join("clean.parquet");
    let out = dir.path().join("out.parquet");
    let checkpoint_path = checkpoint::path_for(&out);

    let run = blindspot(
        &[
            "replay",
            path_arg(&testdata),
            "--out",
            path_arg(&clean),
            "-q",
        ],
        None,
    );
    assert!(run.status.success(), "{run:?}");

    // Stop after 300 units: a valid file, a checkpoint, status 130, and a report of how far it got.
    let args = ["replay", path_arg(&testdata), "--out", path_arg(&out)];
    let first = blindspot(&args, Some(300));
    assert_eq!(
        first.status.code(),
        Some(i32::from(EXIT_INTERRUPTED)),
        "{first:?}"
    );
    let report = String::from_utf8_lossy(&first.stdout);
    assert!(report.contains("interrupted:"), "{report}");
    assert!(report.contains("300 input unit(s)"), "{report}");
    let saved = Checkpoint::load(&checkpoint_path).expect("a checkpoint");
    assert_eq!(
        saved.files.iter().map(|f| f.units_done).sum::<u64>(),
        300,
        "{saved:?}"
    );
    assert!(saved.files.iter().any(|f| !f.complete));
    let partial = rows::read(&out);
    assert_eq!(partial.len() as u64, saved.rows);
    assert_eq!(
        leftovers(
            dir.path(),
            &[
                "clean.parquet",
                "out.parquet",
                "out.parquet.checkpoint.json"
            ]
        ),
        Vec::<String>::new()
    );

    // Resume, and be interrupted again 200 units later: the checkpoint moves on, the rows accumulate.
    let mut resume_args = args.to_vec();
    resume_args.push("--resume");
    let second = blindspot(&resume_args, Some(200));
    assert_eq!(
        second.status.code(),
        Some(i32::from(EXIT_INTERRUPTED)),
        "{second:?}"
    );
    let saved = Checkpoint::load(&checkpoint_path).expect("a checkpoint");
    assert_eq!(saved.files.iter().map(|f| f.units_done).sum::<u64>(), 500);
    assert_eq!(rows::read(&out).len() as u64, saved.rows);
    assert!(saved.rows > partial.len() as u64);

    // Resume to the end: the checkpoint is gone, and the input rows are the clean run's, in order.
    let third = blindspot(&resume_args, None);
    assert!(third.status.success(), "{third:?}");
    let report = String::from_utf8_lossy(&third.stdout);
    assert!(report.contains("resumed: skipped 500 unit(s)"), "{report}");
    assert!(!checkpoint_path.exists());
    assert_eq!(
        leftovers(dir.path(), &["clean.parquet", "out.parquet"]),
        Vec::<String>::new()
    );
    let resumed = rows::input_rows(&out);
    let expected = rows::input_rows(&clean);
    assert_eq!(resumed.len(), expected.len());
    for (i, (got, want)) in resumed.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "row {i}");
    }
}

#[test]
fn resume_refuses_a_checkpoint_for_other_inputs_or_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.parquet");
    let cloudtrail = common::testdata("aws");
    let first = blindspot(
        &[
            "replay",
            path_arg(&cloudtrail),
            "--out",
            path_arg(&out),
            "-q",
        ],
        Some(10),
    );
    assert_eq!(
        first.status.code(),
        Some(i32::from(EXIT_INTERRUPTED)),
        "{first:?}"
    );
    let other = common::testdata("docker");
    let args = [
        "replay",
        path_arg(&other),
        "--out",
        path_arg(&out),
        "--resume",
    ];
    let wrong_inputs = blindspot(&args, None);
    assert_eq!(wrong_inputs.status.code(), Some(2), "{wrong_inputs:?}");
    assert!(String::from_utf8_lossy(&wrong_inputs.stderr).contains("cannot resume"));
    let args = [
        "replay",
        path_arg(&cloudtrail),
        "--out",
        path_arg(&out),
        "--resume",
        "--alerts-only",
    ];
    let wrong_settings = blindspot(&args, None);
    assert_eq!(wrong_settings.status.code(), Some(2), "{wrong_settings:?}");
    // Neither refusal touched the interrupted run's output.
    assert!(out.exists() && checkpoint::path_for(&out).exists());
}

/// `--correlate`, `--plugin-memory-mb`, `--batch-deadline-ms` and `--batch-size` change the rows (where
/// correlation windows close, which events become error rows, where drained findings land): a resume
/// with another value would join two different runs, so it is refused and the message names the flag.
#[test]
fn resume_refuses_a_changed_correlation_limit_or_batch_size_and_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.parquet");
    let aws = common::testdata("aws");
    let base = ["replay", path_arg(&aws), "--out", path_arg(&out), "-q"];
    let first = blindspot(&base, Some(10));
    assert_eq!(
        first.status.code(),
        Some(i32::from(EXIT_INTERRUPTED)),
        "{first:?}"
    );
    let checkpoint_before = std::fs::read(checkpoint::path_for(&out)).expect("checkpoint");
    let output_before = std::fs::read(&out).expect("output");
    for (flag, value, message) in [
        (
            "--correlate",
            "per-file",
            "--correlate: was across-files, now per-file",
        ),
        (
            "--plugin-memory-mb",
            "512",
            "--plugin-memory-mb: was 1024, now 512",
        ),
        (
            "--batch-deadline-ms",
            "0",
            "--batch-deadline-ms: was 30000, now 0",
        ),
        ("--batch-size", "64", "--batch-size: was 256, now 64"),
    ] {
        let mut args = base.to_vec();
        args.extend(["--resume", flag, value]);
        let refused = blindspot(&args, None);
        assert_eq!(refused.status.code(), Some(2), "{flag}: {refused:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("cannot resume"), "{flag}: {stderr}");
        assert!(stderr.contains(message), "{flag}: {stderr}");
        // Refused before anything was touched.
        assert_eq!(
            std::fs::read(checkpoint::path_for(&out)).expect("checkpoint"),
            checkpoint_before
        );
        assert_eq!(std::fs::read(&out).expect("output"), output_before);
    }
    // The same settings, spelled out or left at their defaults, resume.
    let mut args = base.to_vec();
    args.extend([
        "--resume",
        "--correlate",
        "across-files",
        "--batch-size",
        "256",
    ]);
    let resumed = blindspot(&args, None);
    assert!(resumed.status.success(), "{resumed:?}");
    assert!(!checkpoint::path_for(&out).exists());
}

fn describe_trails(i: u32) -> String {
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","principalId":"AROAEXAMPLE:auditor","arn":"arn:aws:sts::111122223333:assumed-role/Auditor/auditor","accountId":"111122223333"}},"eventTime":"2024-05-01T10:{:02}:{:02}Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DescribeTrails","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2.15.0","requestParameters":{{"trailNameList":[],"includeShadowTrails":true}},"responseElements":null,"requestID":"req-{i}","eventID":"evt-{i:08}","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333"}}"#,
        (i / 60) % 60,
        i % 60
    )
}

/// A real SIGTERM, sent while the run is blocked on its input (a FIFO the test feeds), so no timing
/// decides the outcome: the run must stop at the next unit, finish its file and exit 130.
#[test]
fn sigterm_finishes_the_output_and_writes_a_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("live.ndjson");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let out = dir.path().join("out.parquet");
    let mut child = Command::new(env!("CARGO_BIN_EXE_blindspot"))
        .args(["replay", path_arg(&fifo), "--out", path_arg(&out)])
        .args(["--batch-size", "1", "-q"])
        .env_remove(TEST_INTERRUPT_AFTER_UNITS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn blindspot");
    // Opening the FIFO for writing waits until the replay opens it, which is after it installed its
    // signal handlers.
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open fifo");
    let mut sent = 0u32;
    for _ in 0..50 {
        writeln!(writer, "{}", describe_trails(sent)).expect("write event");
        sent += 1;
    }
    writer.flush().expect("flush");
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    // Keep feeding until the replay stops reading: it must stop, not wait for the end of its input.
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() {
        assert!(
            Instant::now() < deadline,
            "the replay did not stop on SIGTERM"
        );
        if writeln!(writer, "{}", describe_trails(sent)).is_ok() && writer.flush().is_ok() {
            sent += 1;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(writer);
    let output = child.wait_with_output().expect("output");
    assert_eq!(
        output.status.code(),
        Some(i32::from(EXIT_INTERRUPTED)),
        "{output:?}"
    );
    let saved = Checkpoint::load(&checkpoint::path_for(&out)).expect("a checkpoint");
    let done = saved.files[0].units_done;
    assert!(!saved.files[0].complete);
    // It stopped at a unit boundary somewhere in what was sent, however the signal and reads interleaved.
    assert!(done <= u64::from(sent), "{done} of {sent}");
    // One row per event consumed, each an event read normally, in order.
    let rows = rows::input_rows(&out);
    assert_eq!(rows.len() as u64, done);
    assert!(rows.iter().all(|r| r.error.is_none()));
    let lines: Vec<i64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, (1..=done as i64).collect::<Vec<_>>());
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("interrupted:"), "{report}");
}
