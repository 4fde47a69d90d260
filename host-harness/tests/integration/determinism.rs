//! The same input and configuration give the same output: two replays of the whole testdata (the
//! adversarial streams included) through the wasm component write byte-identical Parquet files, the
//! native build writes the same enriched content, and `blindspot filter` writes identical bytes from
//! either build.

use crate::common;

use std::fs::File;
use std::path::Path;

use arrow::record_batch::RecordBatch;
use blindspot_host::output::table::ParquetSink;
use blindspot_host::replay::{ReplayOptions, Summary, replay};
use blindspot_host::runtime::detector::{Detector, NativeDetector};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn replay_testdata(detector: &mut dyn Detector, out: &Path) -> Summary {
    let options = ReplayOptions {
        inputs: vec![common::testdata("")],
        alerts_only: false,
        batch_size: 64,
        progress: false,
        per_file_streams: true,
        input_column: None,
    };
    let sink = Box::new(ParquetSink::create(out).expect("sink"));
    replay(detector, sink, &options, None).expect("replay")
}

fn batches(path: &Path) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(path).expect("output"))
        .expect("parquet")
        .build()
        .expect("reader")
        .map(|b| b.expect("batch"))
        .collect()
}

#[test]
fn replays_are_byte_identical_and_the_wasm_and_native_builds_write_the_same_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = ["wasm-1", "wasm-2", "native"].map(|n| dir.path().join(format!("{n}.parquet")));
    let mut summaries = Vec::new();
    for path in &paths[..2] {
        let mut wasm = common::plugin().instantiate().expect("instance");
        summaries.push(replay_testdata(&mut wasm, path));
    }
    summaries.push(replay_testdata(&mut NativeDetector::default(), &paths[2]));
    assert!(
        summaries[0].events > 10_000 && summaries[0].error_rows > 20,
        "the adversarial streams are part of the run: {:?}",
        summaries[0]
    );
    for summary in &summaries[1..] {
        assert_eq!(
            (
                summary.events,
                summary.error_rows,
                summary.alerts,
                summary.rows_written
            ),
            (
                summaries[0].events,
                summaries[0].error_rows,
                summaries[0].alerts,
                summaries[0].rows_written
            )
        );
    }

    let bytes = paths.each_ref().map(|p| std::fs::read(p).expect("read"));
    assert!(bytes[0] == bytes[1], "two wasm runs wrote different bytes");

    // Content, column by column: the two builds share the writer, so this is the check that
    // matters when the bytes differ; name the first column that differs.
    let (wasm, native) = (batches(&paths[0]), batches(&paths[2]));
    assert_eq!(wasm.len(), native.len(), "row groups");
    for (i, (a, b)) in wasm.iter().zip(&native).enumerate() {
        assert_eq!(a.schema(), b.schema());
        for (field, (x, y)) in a
            .schema()
            .fields()
            .iter()
            .zip(a.columns().iter().zip(b.columns()))
        {
            assert!(
                x == y,
                "batch {i}: column {} differs between wasm and native",
                field.name()
            );
        }
    }
    assert!(
        bytes[0] == bytes[2],
        "same content, but the files differ in bytes"
    );
}

fn filter(args: &[&str], input: &[u8]) -> Vec<u8> {
    common::run_filter(args, input).stdout
}

#[test]
fn filter_output_is_byte_identical_across_runs_and_builds() {
    let mut input = Vec::new();
    let files = blindspot_host::replay::input::discover(&[common::testdata("")]).expect("files");
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "ndjson"))
    {
        input.extend(std::fs::read(file).expect("read"));
        if !input.ends_with(b"\n") {
            input.push(b'\n');
        }
    }
    let first = filter(&[], &input);
    assert!(first.len() > input.len(), "every line is enriched");
    assert!(first == filter(&[], &input), "two wasm runs differ");
    assert!(
        first == filter(&["--engine", "native"], &input),
        "the wasm and native builds differ"
    );
}
