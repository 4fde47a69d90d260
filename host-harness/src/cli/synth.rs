//! `blindspot synth`: write a synthetic stream.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use blindspot_host::dev::synth::{self, Limit, SynthOptions, SynthSource};

use crate::exit::usage;

#[derive(clap::Args)]
pub struct SynthArgs {
    /// Which source; `mixed` draws from all of them.
    #[arg(long, value_enum, default_value = "cloudtrail")]
    source: SynthSource,
    /// Number of events.
    #[arg(long, conflicts_with = "bytes", default_value_t = 200_000)]
    events: u64,
    /// Size instead of a count: bytes of event text, with an optional K, M or G suffix (powers of 1000).
    #[arg(long, value_parser = parse_size)]
    bytes: Option<u64>,
    /// Share of events that are attacks (sources without attack events ignore it).
    #[arg(long, default_value_t = 0.01)]
    attack_ratio: f64,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file; gzip-compressed when it ends in `.gz`.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: SynthArgs) -> Result<ExitCode> {
    let options = SynthOptions {
        source: args.source,
        attack_ratio: args.attack_ratio,
        seed: args.seed,
    };
    let limit = match args.bytes {
        Some(bytes) => Limit::Bytes(bytes),
        None => Limit::Events(args.events),
    };
    synth::Generator::new(options).map_err(|e| usage(format!("{e:#}")))?;
    let stats = synth::write_file(options, limit, &args.out)?;
    println!(
        "wrote {} event(s) ({} attack(s)), {} bytes of event text, to {}",
        stats.events,
        stats.attacks,
        stats.bytes,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `200M`, `2G`, `1500000`: decimal multiples, as sizes of data sets are usually quoted.
fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let (digits, scale) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 1_000),
        Some((i, 'm' | 'M')) => (&text[..i], 1_000_000),
        Some((i, 'g' | 'G')) => (&text[..i], 1_000_000_000),
        _ => (text, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("{text:?} is not a size (a number with an optional K, M or G)"))
}
