//! `blindspot bench`: the performance targets of the README, measured in one run on one input so that
//! the ratios hold however busy the machine is. Every rate is bytes of event text per second; the
//! reference is serde_json merely validating the same lines natively.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::output::table::ParquetSink;
use crate::output::threaded::ThreadedSink;
use crate::replay::{self, ReplayOptions};
use crate::runtime::detector::{Detector, Input, NativeDetector};
use crate::runtime::wasm_host::LoadedPlugin;

pub struct BenchOptions {
    pub input: PathBuf,
    pub batch_size: usize,
    /// Each measurement is repeated this many times and the fastest kept.
    pub rounds: u32,
    pub python: bool,
    pub cache_dir: Option<PathBuf>,
    /// A configuration with Sigma rules (`--sigma`): the wasm plugin is measured again with them.
    pub sigma_config: Option<String>,
}

/// One measured rate.
#[derive(Debug, Clone)]
pub struct Rate {
    pub name: &'static str,
    pub bytes: u64,
    pub events: u64,
    pub elapsed: Duration,
}

impl Rate {
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / self.elapsed.as_secs_f64().max(1e-9) / 1e6
    }

    pub fn events_per_s(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// A target of the issue: `value` must be at least (or at most) `bound`.
#[derive(Debug, Clone)]
pub struct Ratio {
    pub name: &'static str,
    pub value: f64,
    pub bound: f64,
    pub at_least: bool,
}

impl Ratio {
    pub fn pass(&self) -> bool {
        if self.at_least {
            self.value >= self.bound
        } else {
            self.value <= self.bound
        }
    }
}

#[derive(Debug, Default)]
pub struct BenchReport {
    pub input: PathBuf,
    pub lines: u64,
    pub bytes: u64,
    pub rates: Vec<Rate>,
    pub ratios: Vec<Ratio>,
    pub notes: Vec<String>,
}

impl BenchReport {
    pub fn rate(&self, name: &str) -> Option<&Rate> {
        self.rates.iter().find(|r| r.name == name)
    }

    pub fn render(&self) -> String {
        let mut text = format!(
            "input: {} ({} lines, {} bytes, {:.0} bytes/line)\n",
            self.input.display(),
            self.lines,
            self.bytes,
            self.bytes as f64 / self.lines.max(1) as f64
        );
        for rate in &self.rates {
            text.push_str(&format!(
                "  {:<44} {:>8.1} MB/s {:>10.0} events/s {:>8.3} s\n",
                rate.name,
                rate.mb_per_s(),
                rate.events_per_s(),
                rate.elapsed.as_secs_f64()
            ));
        }
        for ratio in &self.ratios {
            text.push_str(&format!(
                "  {:<58} {:>6.2}  ({} {:.2})  {}\n",
                ratio.name,
                ratio.value,
                if ratio.at_least { ">=" } else { "<=" },
                ratio.bound,
                if ratio.pass() { "PASS" } else { "FAIL" }
            ));
        }
        for note in &self.notes {
            text.push_str(&format!("  note: {note}\n"));
        }
        text
    }
}

pub const VALIDATE: &str = "serde_json validate (IgnoredAny), native";
pub const VALUE: &str = "serde_json::Value parse, native";
pub const WASM: &str = "plugin in wasmtime, batch API";
pub const NATIVE: &str = "engine built natively, same batches";
pub const WASM_SIGMA: &str = "plugin in wasmtime, Sigma rules loaded";
pub const REPLAY: &str = "replay end to end (wasm, Parquet zstd)";
pub const PYTHON: &str = "python3 json.loads loop";

pub fn run(options: &BenchOptions) -> Result<BenchReport> {
    let lines = read_lines(&options.input)?;
    let bytes: u64 = lines.iter().map(|l| l.len() as u64).sum();
    let events = lines.len() as u64;
    let mut report = BenchReport {
        input: options.input.clone(),
        lines: events,
        bytes,
        ..BenchReport::default()
    };
    let rounds = options.rounds.max(1);
    let best = |name: &'static str, f: &mut dyn FnMut() -> Result<Duration>| -> Result<Rate> {
        let mut fastest = Duration::MAX;
        for _ in 0..rounds {
            fastest = fastest.min(f()?);
        }
        Ok(Rate {
            name,
            bytes,
            events,
            elapsed: fastest,
        })
    };

    report.rates.push(best(VALIDATE, &mut || {
        let started = Instant::now();
        for line in &lines {
            // Invalid lines cost the same to reject; the generator writes none.
            let _ = std::hint::black_box(serde_json::from_slice::<serde::de::IgnoredAny>(line));
        }
        Ok(started.elapsed())
    })?);
    report.rates.push(best(VALUE, &mut || {
        let started = Instant::now();
        for line in &lines {
            let _ = std::hint::black_box(serde_json::from_slice::<serde_json::Value>(line));
        }
        Ok(started.elapsed())
    })?);

    let plugin = LoadedPlugin::bundled(options.cache_dir.as_deref())?;
    report.rates.push(best(WASM, &mut || {
        let mut detector = plugin.instantiate()?;
        through_detector(&mut detector, &lines, options.batch_size)
    })?);
    if let Some(config) = &options.sigma_config {
        let configured = || -> Result<_> {
            let mut detector = plugin.instantiate()?;
            if let Err(rejected) = detector.configure(config)? {
                bail!("the plugin refused the Sigma rules: {rejected}");
            }
            Ok(detector)
        };
        let loaded = configured()?
            .rules()?
            .iter()
            .filter(|r| r.origin != blindspot_plugin::model::BUILT_IN)
            .count();
        report.rates.push(best(WASM_SIGMA, &mut || {
            let mut detector = configured()?;
            through_detector(&mut detector, &lines, options.batch_size)
        })?);
        report.notes.push(format!(
            "{WASM_SIGMA}: {loaded} Sigma rules beside the built-in ones"
        ));
    }
    report.rates.push(best(NATIVE, &mut || {
        let mut detector = NativeDetector::default();
        through_detector(&mut detector, &lines, options.batch_size)
    })?);

    let out_dir = std::env::temp_dir().join(format!("blindspot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir)?;
    let out = out_dir.join("bench.parquet");
    let replayed = best(REPLAY, &mut || {
        let mut detector = plugin.instantiate()?;
        let sink = Box::new(ThreadedSink::new(Box::new(ParquetSink::create(&out)?))?);
        let replay_options = ReplayOptions {
            inputs: vec![options.input.clone()],
            alerts_only: false,
            batch_size: options.batch_size,
            progress: false,
            per_file_streams: false,
            input_column: None,
        };
        let started = Instant::now();
        let summary = replay::replay(&mut detector, sink, &replay_options, None)?;
        let elapsed = started.elapsed();
        if summary.events + summary.error_rows != events {
            bail!(
                "replay read {} events and {} errors from {} lines",
                summary.events,
                summary.error_rows,
                events
            );
        }
        Ok(elapsed)
    });
    let _ = std::fs::remove_dir_all(&out_dir);
    report.rates.push(replayed?);

    if options.python {
        match python_rate(&options.input) {
            Ok(Some(elapsed)) => report.rates.push(Rate {
                name: PYTHON,
                bytes,
                events,
                elapsed,
            }),
            Ok(None) => report
                .notes
                .push("python3 not found: the Python ratio is not measured".into()),
            Err(e) => report.notes.push(format!("python3 failed: {e:#}")),
        }
    }

    let mb = |name: &str| report.rate(name).map(Rate::mb_per_s);
    let mut ratios = Vec::new();
    if let (Some(validate), Some(wasm), Some(native), Some(replay)) =
        (mb(VALIDATE), mb(WASM), mb(NATIVE), mb(REPLAY))
    {
        ratios.push(Ratio {
            name: "wasm plugin / native validation",
            value: wasm / validate,
            bound: 0.6,
            at_least: true,
        });
        ratios.push(Ratio {
            name: "native engine / wasm plugin (wasm slowdown)",
            value: native / wasm,
            bound: 1.3,
            at_least: false,
        });
        ratios.push(Ratio {
            name: "replay end to end / native validation",
            value: replay / validate,
            bound: 0.3,
            at_least: true,
        });
        if let Some(python) = mb(PYTHON) {
            ratios.push(Ratio {
                name: "replay end to end / python json.loads",
                value: replay / python,
                bound: 4.0,
                at_least: true,
            });
        }
    }
    report.ratios = ratios;
    super::fluent_bit_proxy::measure(&lines, rounds, &mut report)?;
    Ok(report)
}

/// The input's lines (gzip decompressed), without their newlines. Blank lines are skipped, as replay
/// skips them.
fn read_lines(path: &Path) -> Result<Vec<Vec<u8>>> {
    let mut reader = crate::replay::input::open(path)?;
    let mut lines = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            lines.push(line.clone());
        }
    }
    if lines.is_empty() {
        bail!("{} holds no lines to measure", path.display());
    }
    Ok(lines)
}

/// Time the plugin alone: batches are built before the clock starts (a shipper has its records in
/// memory already); what is timed is the call, the crossing both ways and the drain after each batch.
fn through_detector(
    detector: &mut dyn Detector,
    lines: &[Vec<u8>],
    batch_size: usize,
) -> Result<Duration> {
    let batches: Vec<Vec<Input>> = lines
        .chunks(batch_size.max(1))
        .map(|chunk| {
            chunk
                .iter()
                .map(|line| Input {
                    data: line.clone(),
                    source_hint: None,
                    tag: None,
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    let mut outcomes = 0usize;
    for batch in batches {
        outcomes += detector.process(batch)?.len();
        std::hint::black_box(detector.drain()?);
    }
    std::hint::black_box(detector.flush()?);
    let elapsed = started.elapsed();
    if outcomes != lines.len() {
        bail!("{} outcomes for {} lines", outcomes, lines.len());
    }
    Ok(elapsed)
}

const PYTHON_LOOP: &str = r#"
import gzip, json, sys, time
path = sys.argv[1]
with open(path, "rb") as f:
    magic = f.read(2)
opener = gzip.open if magic == b"\x1f\x8b" else open
with opener(path, "rb") as f:
    lines = [l for l in f.read().split(b"\n") if l.strip()]
start = time.perf_counter()
for line in lines:
    try:
        json.loads(line)
    except ValueError:
        pass
print(time.perf_counter() - start)
"#;

/// Seconds for `json.loads` over every line (the file is read before the clock starts; lines that
/// are not JSON, such as flow log records, are rejected as Python rejects them); `None` when there is
/// no `python3`.
fn python_rate(path: &Path) -> Result<Option<Duration>> {
    let child = Command::new("python3")
        .arg("-c")
        .arg(PYTHON_LOOP)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).context("starting python3"),
    };
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
    }
    let secs: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .context("reading python3's timing")?;
    Ok(Some(Duration::from_secs_f64(secs)))
}

/// Print the report, flushing so that progress shows when the output is piped.
pub fn print(report: &BenchReport, out: &mut dyn Write) -> Result<()> {
    out.write_all(report.render().as_bytes())?;
    out.flush()?;
    Ok(())
}
