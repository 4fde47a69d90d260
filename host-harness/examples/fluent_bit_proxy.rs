//! The Fluent Bit proxy of `blindspot bench` on its own, for comparing module builds and for running
//! under callgrind:
//!
//!     cargo run --release -p blindspot-host --example fluent_bit_proxy -- INPUT.ndjson \
//!         [--module M.wasm] [--passthrough P.wasm] [--records N] [--only module|passthrough]
//!
//! Without `--module`/`--passthrough` the modules built with the harness are used.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use blindspot_host::dev::fluent_bit_proxy::{self, PASSTHROUGH_MODULE};
use blindspot_host::runtime::fluent_bit::{BUNDLED_MODULE, FluentBitModule};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut input = None;
    let mut module = None;
    let mut passthrough = None;
    let mut records = fluent_bit_proxy::RECORDS;
    let mut only = None;
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--module" => module = Some(PathBuf::from(value()?)),
            "--passthrough" => passthrough = Some(PathBuf::from(value()?)),
            "--records" => records = value()?.parse()?,
            "--only" => only = Some(value()?),
            _ if input.is_none() => input = Some(PathBuf::from(arg)),
            _ => bail!("unexpected argument {arg}"),
        }
    }
    let input = input.context("usage: fluent_bit_proxy INPUT.ndjson [options]")?;
    let text = std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
    let lines: Vec<Vec<u8>> = text.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    let all = fluent_bit_proxy::records(&lines);
    let records = &all[..records.min(all.len())];

    let read = |path: &Option<PathBuf>, bundled: &[u8]| -> Result<Vec<u8>> {
        match path {
            Some(path) => {
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))
            }
            None => Ok(bundled.to_vec()),
        }
    };
    let engine = fluent_bit_proxy::pulley_engine()?;
    let mut times = Vec::new();
    for (name, bytes) in [
        ("passthrough", read(&passthrough, PASSTHROUGH_MODULE)?),
        ("module", read(&module, BUNDLED_MODULE)?),
    ] {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let compiled = FluentBitModule::compile(engine.clone(), &bytes)?;
        let run = fluent_bit_proxy::run(&compiled, None, records)?;
        let sizes = fluent_bit_proxy::sizes(records, &run.outputs);
        println!(
            "{name:<12} {:>7} bytes  {:>8.3} s  {:>7.1} µs/record  out/in {:.3}  benign out/in {:.3}  {} with findings",
            bytes.len(),
            run.elapsed.as_secs_f64(),
            run.elapsed.as_secs_f64() * 1e6 / records.len().max(1) as f64,
            sizes.all_out as f64 / sizes.all_in.max(1) as f64,
            sizes.benign_out as f64 / sizes.benign_in.max(1) as f64,
            sizes.with_findings,
        );
        times.push(run.elapsed.as_secs_f64());
    }
    if let [base, blindspot] = times[..] {
        println!("module / passthrough: {:.2}", blindspot / base);
    }
    Ok(())
}
