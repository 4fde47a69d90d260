//! `blindspot bench`'s stand-in for Fluent Bit, which is not installed here: the Fluent Bit module
//! (wasm32-wasip1, `blindspot_filter`) driven through Fluent Bit's six-i32 calling convention
//! (`fluent_bit_host`) in wasmtime's Pulley interpreter, next to a module that returns each record
//! unchanged (`tests/fixtures/passthrough-filter`, built by build.rs). Fluent Bit's WAMR also
//! interprets: what the ratio measures is blindspot's own interpreted work per record against the
//! calling convention's, the quantity the issue bounds (at most 2× a passthrough module).
//!
//! The passthrough is a Rust crate rather than hand-written WAT so that it shares the module's
//! toolchain, allocator (wasi-libc's `malloc`, which the host calls twice per record) and profile: the
//! two differ only in what their filter function does, as in the Fluent Bit measurement it mirrors.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use wasmtime::{Config, Engine};

use super::bench::{BenchReport, Rate, Ratio};
use crate::runtime::fluent_bit::{BUNDLED_MODULE, FluentBitModule};

/// The passthrough filter module (see build.rs).
pub const PASSTHROUGH_MODULE: &[u8] = include_bytes!(env!("BLINDSPOT_PASSTHROUGH_WASM"));

/// Records per run: the size of the Fluent Bit measurement this stands in for (interpreting is slow;
/// the ratio does not depend on the count).
pub const RECORDS: usize = 20_000;

pub const MODULE: &str = "Fluent Bit module (Pulley), default";
pub const MODULE_ALL: &str = "Fluent Bit module (Pulley), enrich all";
pub const PASSTHROUGH: &str = "passthrough module (Pulley)";

/// The Fluent Bit tag the records arrive under.
const TAG: &str = "cloudtrail.bench";

/// An engine that interprets: wasmtime compiles to Pulley bytecode instead of native code.
pub fn pulley_engine() -> Result<Engine> {
    let mut config = Config::new();
    config.target("pulley64").map_err(anyhow::Error::from)?;
    Engine::new(&config).map_err(anyhow::Error::from)
}

/// One run of a module over the records.
pub struct Run {
    pub elapsed: Duration,
    /// Each record's output; `None` when the module dropped it.
    pub outputs: Vec<Option<Vec<u8>>>,
}

/// Filter every record through a fresh instance of `module`, as Fluent Bit does: the timed part is
/// the calls (copy in through `malloc`, the filter, copy out, `free`), not the instantiation.
pub fn run(module: &FluentBitModule, config_dir: Option<&Path>, records: &[&[u8]]) -> Result<Run> {
    let mut host = module.instantiate("blindspot_filter", config_dir)?;
    let mut outputs = Vec::with_capacity(records.len());
    let started = Instant::now();
    for (i, record) in records.iter().enumerate() {
        let time = (1_764_230_104 + i as u32, 0);
        outputs.push(host.call(TAG, time, record)?);
    }
    Ok(Run {
        elapsed: started.elapsed(),
        outputs,
    })
}

/// The records Fluent Bit could hand the filter: JSON objects (it re-encodes every record as one;
/// text lines such as flow logs would arrive wrapped in a `log` key, not as they are).
pub fn records(lines: &[Vec<u8>]) -> Vec<&[u8]> {
    lines
        .iter()
        .map(Vec::as_slice)
        .filter(|l| l.trim_ascii_start().starts_with(b"{"))
        .take(RECORDS)
        .collect()
}

/// Whether an output record carries a finding.
fn has_findings(output: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<Value>(output) else {
        return false;
    };
    value[blindspot_plugin::enrichment_json::KEY]["events"]
        .as_array()
        .is_some_and(|events| {
            events
                .iter()
                .any(|e| e["findings"].as_array().is_some_and(|f| !f.is_empty()))
        })
}

/// Bytes in and out: over every record, and over the records that came out without a finding.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sizes {
    pub all_in: u64,
    pub all_out: u64,
    pub benign_in: u64,
    pub benign_out: u64,
    pub with_findings: u64,
}

pub fn sizes(records: &[&[u8]], outputs: &[Option<Vec<u8>>]) -> Sizes {
    let mut sizes = Sizes::default();
    for (record, output) in records.iter().zip(outputs) {
        let out = output.as_deref().unwrap_or_default();
        sizes.all_in += record.len() as u64;
        sizes.all_out += out.len() as u64;
        if has_findings(out) {
            sizes.with_findings += 1;
        } else {
            sizes.benign_in += record.len() as u64;
            sizes.benign_out += out.len() as u64;
        }
    }
    sizes
}

/// Add the Fluent Bit lines to the bench report: three rates (passthrough, the module by default and
/// with `output.enrich = "all"`), the time ratio against 2.0 and the benign bytes ratio against 1.05.
pub fn measure(lines: &[Vec<u8>], rounds: u32, report: &mut BenchReport) -> Result<()> {
    let records = records(lines);
    if records.is_empty() {
        report
            .notes
            .push("Fluent Bit proxy: no JSON object records in the input".into());
        return Ok(());
    }
    let engine = pulley_engine()?;
    let passthrough = FluentBitModule::compile(engine.clone(), PASSTHROUGH_MODULE)
        .context("the passthrough module")?;
    let module = FluentBitModule::compile(engine, BUNDLED_MODULE)?;
    let all_dir = ConfigDir::create(r#"{"output":{"enrich":"all"}}"#)?;

    let bytes: u64 = records.iter().map(|r| r.len() as u64).sum();
    let events = records.len() as u64;
    let fastest = |module: &FluentBitModule, dir: Option<&Path>| -> Result<Run> {
        let mut best: Option<Run> = None;
        for _ in 0..rounds.max(1) {
            let run = run(module, dir, &records)?;
            if run.outputs.iter().any(Option::is_none) {
                bail!("the filter dropped a record in pass-through mode");
            }
            if best.as_ref().is_none_or(|b| run.elapsed < b.elapsed) {
                best = Some(run);
            }
        }
        best.context("no round ran")
    };
    let base = fastest(&passthrough, None)?;
    let default = fastest(&module, None)?;
    let all = fastest(&module, Some(all_dir.path()))?;
    let rate = |name, run: &Run| Rate {
        name,
        bytes,
        events,
        elapsed: run.elapsed,
    };
    report.rates.push(rate(PASSTHROUGH, &base));
    report.rates.push(rate(MODULE, &default));
    report.rates.push(rate(MODULE_ALL, &all));

    let default_sizes = sizes(&records, &default.outputs);
    let all_sizes = sizes(&records, &all.outputs);
    report.ratios.push(Ratio {
        name: "Fluent Bit module / passthrough module (Pulley, time)",
        value: default.elapsed.as_secs_f64() / base.elapsed.as_secs_f64().max(1e-9),
        bound: 2.0,
        at_least: false,
    });
    report.ratios.push(Ratio {
        name: "Fluent Bit module, benign records: bytes out / in",
        value: default_sizes.benign_out as f64 / default_sizes.benign_in.max(1) as f64,
        bound: 1.05,
        at_least: false,
    });
    report.notes.push(format!(
        "Fluent Bit proxy: {} records, {} with findings; bytes out / in over all records: {:.3} \
         by default ({} -> {}), {:.3} with enrich all ({} -> {}); enrich all takes {:.2}x the passthrough's time",
        records.len(),
        default_sizes.with_findings,
        default_sizes.all_out as f64 / default_sizes.all_in.max(1) as f64,
        default_sizes.all_in,
        default_sizes.all_out,
        all_sizes.all_out as f64 / all_sizes.all_in.max(1) as f64,
        all_sizes.all_in,
        all_sizes.all_out,
        all.elapsed.as_secs_f64() / base.elapsed.as_secs_f64().max(1e-9),
    ));
    Ok(())
}

/// A directory holding a `blindspot.json`, preopened as Fluent Bit's `accessible_paths` would be.
pub struct ConfigDir(PathBuf);

impl ConfigDir {
    pub fn create(config: &str) -> Result<ConfigDir> {
        let dir = std::env::temp_dir().join(format!(
            "blindspot-fluent-bit-proxy-{}-{}",
            std::process::id(),
            config.len()
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let dir = ConfigDir(dir);
        std::fs::write(dir.0.join(CONFIG_FILE), config.as_bytes())?;
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ConfigDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The file the module looks for (`fluent_bit::CONFIG_FILE`, compiled only into the wasm build).
const CONFIG_FILE: &str = "blindspot.json";
