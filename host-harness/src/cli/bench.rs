//! `blindspot bench`: the performance targets measured in one run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use blindspot_host::dev::{bench, sigma_rules, synth};
use blindspot_host::runtime::{sigma_files, wasm_host};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Input file; without it a stream is generated into a temporary file.
    input: Option<PathBuf>,
    /// Source of the generated stream.
    #[arg(long, value_enum, default_value = "cloudtrail")]
    source: synth::SynthSource,
    /// Events in the generated stream.
    #[arg(long, default_value_t = 200_000)]
    events: u64,
    /// Attack share of the generated stream.
    #[arg(long, default_value_t = 0.01)]
    attack_ratio: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Inputs handed to the plugin per call.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65536))]
    batch_size: u32,
    /// Repeat each measurement and keep the fastest.
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// Skip the Python json.loads comparison.
    #[arg(long)]
    no_python: bool,
    /// Also measure the wasm plugin with these Sigma rules loaded (files or directories of *.yml).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    sigma: Vec<PathBuf>,
    /// Also measure the wasm plugin with N generated Sigma rules in the style of SigmaHQ's CloudTrail
    /// rules (beside any --sigma files).
    #[arg(long, value_name = "N")]
    sigma_rules: Option<usize>,
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let synth_options = synth::SynthOptions {
        source: args.source,
        attack_ratio: args.attack_ratio,
        seed: args.seed,
    };
    let (input, generated) = match args.input {
        Some(path) => (path, false),
        None => {
            let path = std::env::temp_dir().join(format!(
                "blindspot-bench-input-{}.ndjson",
                std::process::id()
            ));
            let stats = synth::write_file(synth_options, synth::Limit::Events(args.events), &path)?;
            println!(
                "generated {:?} stream: {} events ({} attacks), seed {}",
                synth_options.source, stats.events, stats.attacks, synth_options.seed
            );
            (path, true)
        }
    };
    let mut sigma = sigma_files::read(&args.sigma)?;
    if let Some(count) = args.sigma_rules {
        sigma.push((
            format!("{count} generated rules"),
            sigma_rules::generate(count),
        ));
    }
    let sigma_config = match sigma.is_empty() {
        true => None,
        false => Some(sigma_files::add_to_config(None, sigma)?),
    };
    let options = bench::BenchOptions {
        sigma_config,
        input: input.clone(),
        batch_size: args.batch_size as usize,
        rounds: args.rounds,
        python: !args.no_python,
        cache_dir: wasm_host::default_cache_dir(),
    };
    let report = bench::run(&options);
    if generated {
        let _ = std::fs::remove_file(&input);
    }
    bench::print(&report?, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}
