//! Shared by the integration tests: one compiled plugin for the test binary, paths into the repo, and
//! Parquet files read back as JSON rows.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use blindspot_host::runtime::wasm_host::LoadedPlugin;

pub fn plugin() -> &'static LoadedPlugin {
    static PLUGIN: OnceLock<LoadedPlugin> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        LoadedPlugin::bundled(blindspot_host::runtime::wasm_host::default_cache_dir().as_deref())
            .expect("the bundled plugin compiles")
    })
}

pub fn testdata(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(relative)
}

/// Run `blindspot filter ARGS` with `input` on stdin; panics unless it exits successfully. Stdin is fed
/// from another thread: the filter writes while it reads, and a full stdout pipe would otherwise block
/// both sides.
pub fn run_filter(args: &[&str], input: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_blindspot"))
        .arg("filter")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("run");
    feeder.join().expect("feeder").expect("write");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every row of a Parquet file as JSON objects (arrow's JSON writer: one key per column).
pub fn parquet_rows(path: &Path) -> Vec<serde_json::Value> {
    let file = std::fs::File::open(path).expect("open");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("reader");
    let mut rows = Vec::new();
    for batch in reader {
        let mut writer = arrow::json::ArrayWriter::new(Vec::new());
        writer.write(&batch.expect("batch")).expect("json");
        writer.finish().expect("finish");
        let batch: Vec<serde_json::Value> =
            serde_json::from_slice(&writer.into_inner()).expect("rows");
        rows.extend(batch);
    }
    rows
}
