//! `--jobs N`: several files replayed at once, each on its own plugin instance, the rows still in input
//! order and the same whatever the number of workers; interrupted and resumed in parallel too.

use crate::common;
use crate::rows;

use std::path::Path;

use blindspot_host::output::table::ParquetSink;
use blindspot_host::replay::checkpoint::{self, Resume, RunSettings};
use blindspot_host::replay::expect::Expectations;
use blindspot_host::replay::{
    DetectorFactory, ReplayOptions, RunControl, Summary, replay, replay_parallel,
};
use blindspot_host::runtime::detector::Detector;

fn factory() -> Box<DetectorFactory> {
    Box::new(|| {
        let detector: Box<dyn Detector + Send> = Box::new(common::plugin().instantiate()?);
        Ok(detector)
    })
}

fn options() -> ReplayOptions {
    ReplayOptions {
        inputs: vec![common::testdata("")],
        batch_size: 32,
        ..ReplayOptions::default()
    }
}

fn run_parallel(jobs: usize, out: &Path, control: &RunControl) -> Summary {
    let sink = Box::new(ParquetSink::create(out).expect("sink"));
    replay_parallel(&*factory(), jobs, sink, &options(), control, None).expect("replay")
}

#[test]
fn rows_are_the_same_and_in_file_order_whatever_the_number_of_jobs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = dir.path().join("one.parquet");
    let three = dir.path().join("three.parquet");
    let s1 = run_parallel(1, &one, &RunControl::default());
    let s3 = run_parallel(3, &three, &RunControl::default());
    assert_eq!(s1.rows_written, s3.rows_written);
    assert_eq!(s1.alerts, s3.alerts);
    assert_eq!(s1.correlation_events, s3.correlation_events);
    // Every row, correlation rows included, in the same place.
    assert_eq!(rows::read(&one), rows::read(&three));

    // Files come out whole and in the order they were discovered.
    let files: Vec<String> = rows::input_rows(&three)
        .into_iter()
        .map(|r| r.file)
        .collect();
    let mut order = files.clone();
    order.dedup();
    let mut sorted = order.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(order.len(), sorted.len(), "a file's rows were split");
    assert_eq!(order, sorted, "files out of order");
    assert!(order.len() > 20, "{order:?}");

    // The single-stream replay reads the same inputs; per input row, the same outcome.
    let single = dir.path().join("single.parquet");
    let mut detector = common::plugin().instantiate().expect("instance");
    let sink = Box::new(ParquetSink::create(&single).expect("sink"));
    let s = replay(&mut detector, sink, &options(), None).expect("replay");
    assert_eq!(s.events, s3.events);
    assert_eq!(s.error_rows, s3.error_rows);
    assert_eq!(rows::input_rows(&single).len(), files.len());
}

#[test]
fn expectations_hold_with_several_jobs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.parquet");
    let mut expectations = Expectations::load(&common::testdata(""), None).expect("expectations");
    let sink = Box::new(ParquetSink::create(&out).expect("sink"));
    let summary = replay_parallel(
        &*factory(),
        2,
        sink,
        &options(),
        &RunControl::default(),
        Some(&mut expectations),
    )
    .expect("replay");
    let report = expectations.compare();
    assert_eq!(report.mismatches, 0, "{}", report.text);
    assert!(summary.alerts > 40, "{summary:?}");
}

#[test]
fn a_parallel_run_interrupted_and_resumed_keeps_every_input_row_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = dir.path().join("clean.parquet");
    run_parallel(2, &clean, &RunControl::default());

    let out = dir.path().join("out.parquet");
    let settings = RunSettings::new().with("test", "parallel");
    let stopped = run_parallel(
        2,
        &out,
        &RunControl {
            stop_after_units: Some(250),
            ..RunControl::default()
        },
    );
    assert!(stopped.interrupted);
    // Both workers read at most a unit past the stop; only what the writer took is counted.
    assert!(stopped.units <= 252, "{stopped:?}");
    checkpoint::record(&out, &settings, true, &stopped.progress).expect("checkpoint");
    let done: Vec<_> = stopped.progress.iter().map(|p| p.complete).collect();
    // A prefix of the files is complete, the rest not (later files' partial work is not kept).
    let first_open = done.iter().position(|c| !c).expect("an open file");
    assert!(done[first_open..].iter().all(|c| !c));
    assert!(
        stopped.progress[first_open + 1..]
            .iter()
            .all(|p| p.units_done == 0)
    );

    let resume = Resume::prepare(&out, &settings, &options().inputs).expect("resume");
    let control = RunControl {
        resume: Some(resume.checkpoint.clone()),
        ..RunControl::default()
    };
    let rest = run_parallel(2, &out, &control);
    assert!(!rest.interrupted);
    assert_eq!(rest.units_skipped, stopped.units);
    let carried = resume.carry_forward(&out).expect("carry forward");
    assert_eq!(carried, stopped.rows_written);
    checkpoint::record(&out, &settings, false, &rest.progress).expect("clear checkpoint");
    assert!(!checkpoint::path_for(&out).exists());
    assert_eq!(rows::input_rows(&out), rows::input_rows(&clean));
}
