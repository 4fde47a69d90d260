//! `blindspot synth`: deterministic, realistic event streams of any size for benchmarks and memory
//! tests, so that no large input is ever committed. Every event is a recorded `testdata/` event (see
//! `sources`) with fresh ids, addresses and an advancing clock; a seed names the stream exactly.

mod rng;
mod sources;
mod template;

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Result, bail};

pub use rng::SplitMix64;

use crate::output::atomic::Staged;
use sources::SourceTemplates;
use template::{Fill, READ_CALLS};

/// Which source a stream holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum SynthSource {
    Cloudtrail,
    Azure,
    Gcp,
    K8s,
    Docker,
    /// AWS VPC flow log version-2 text lines (never attacks).
    FlowLog,
    /// All of the above, weighted like a typical shipper's mix (CloudTrail heaviest).
    Mixed,
}

/// The share of each source in a mixed stream, in `SINGLE` order.
const MIXED_WEIGHTS: [u32; 6] = [50, 7, 8, 20, 5, 10];
const SINGLE: [SynthSource; 6] = [
    SynthSource::Cloudtrail,
    SynthSource::Azure,
    SynthSource::Gcp,
    SynthSource::K8s,
    SynthSource::Docker,
    SynthSource::FlowLog,
];

/// 2026-11-27T00:00:00Z: the day the recorded streams were taken.
const START_MS: i64 = 1_795_737_600_000;

#[derive(Debug, Clone, Copy)]
pub struct SynthOptions {
    pub source: SynthSource,
    /// Probability that an event of a source with attack templates is an attack.
    pub attack_ratio: f64,
    pub seed: u64,
}

/// One generated event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub source: SynthSource,
    pub attack: bool,
}

pub struct Generator {
    options: SynthOptions,
    rng: SplitMix64,
    seq: u64,
    time_ms: i64,
    templates: Vec<(SynthSource, SourceTemplates)>,
}

impl Generator {
    pub fn new(options: SynthOptions) -> Result<Generator> {
        if !(0.0..=1.0).contains(&options.attack_ratio) {
            bail!(
                "attack ratio {} is not between 0 and 1",
                options.attack_ratio
            );
        }
        let wanted: Vec<SynthSource> = match options.source {
            SynthSource::Mixed => SINGLE.to_vec(),
            one => vec![one],
        };
        let mut templates = Vec::new();
        for source in wanted {
            let loaded = match source {
                SynthSource::Cloudtrail => sources::cloudtrail()?,
                SynthSource::Azure => sources::azure()?,
                SynthSource::Gcp => sources::gcp()?,
                SynthSource::K8s => sources::k8s()?,
                SynthSource::Docker => sources::docker()?,
                SynthSource::FlowLog | SynthSource::Mixed => SourceTemplates {
                    benign: Vec::new(),
                    benign_weights: Vec::new(),
                    attack: Vec::new(),
                },
            };
            templates.push((source, loaded));
        }
        Ok(Generator {
            options,
            rng: SplitMix64::new(options.seed),
            seq: 0,
            time_ms: START_MS,
            templates,
        })
    }

    /// Append the next event (one line, no newline) to `out`.
    pub fn next_event(&mut self, out: &mut String) -> Generated {
        self.seq += 1;
        // Strictly advancing (Docker's timeNano doubles as the event's identity), ~5 events a second.
        self.time_ms += 1 + self.rng.below(400) as i64;
        let which = if self.templates.len() == 1 {
            0
        } else {
            self.rng.weighted(&MIXED_WEIGHTS)
        };
        let (source, templates) = &self.templates[which];
        let source = *source;
        if source == SynthSource::FlowLog {
            sources::flow_log_line(&mut self.rng, self.seq, self.time_ms, out);
            return Generated {
                source,
                attack: false,
            };
        }
        let attack = !templates.attack.is_empty() && self.rng.unit() < self.options.attack_ratio;
        let template = if attack {
            self.rng.pick(&templates.attack)
        } else {
            &templates.benign[self.rng.weighted(&templates.benign_weights)]
        };
        let read_call = *self.rng.pick(&READ_CALLS);
        template.render(
            &mut Fill {
                seq: self.seq,
                time_ms: self.time_ms,
                rng: &mut self.rng,
                read_call,
            },
            out,
        );
        Generated { source, attack }
    }
}

/// How much to write.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    Events(u64),
    /// Stop at the first event that reaches this many bytes (uncompressed, newlines included).
    Bytes(u64),
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SynthStats {
    pub events: u64,
    pub attacks: u64,
    pub bytes: u64,
}

/// Write NDJSON (or flow log lines) to `writer`.
pub fn generate(options: SynthOptions, limit: Limit, writer: &mut dyn Write) -> Result<SynthStats> {
    let mut generator = Generator::new(options)?;
    let mut stats = SynthStats::default();
    let mut line = String::with_capacity(4096);
    loop {
        let done = match limit {
            Limit::Events(n) => stats.events >= n,
            Limit::Bytes(n) => stats.bytes >= n,
        };
        if done {
            return Ok(stats);
        }
        line.clear();
        let generated = generator.next_event(&mut line);
        line.push('\n');
        writer.write_all(line.as_bytes())?;
        stats.events += 1;
        stats.attacks += u64::from(generated.attack);
        stats.bytes += line.len() as u64;
    }
}

/// Write a stream to `path`, gzip-compressed when the name ends in `.gz`. The file appears only when
/// complete.
pub fn write_file(options: SynthOptions, limit: Limit, path: &Path) -> Result<SynthStats> {
    let (mut staged, file) = Staged::file(path)?;
    let gzip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let stats = if gzip {
        let mut encoder = flate2::write::GzEncoder::new(
            BufWriter::with_capacity(1 << 20, file),
            flate2::Compression::default(),
        );
        let stats = generate(options, limit, &mut encoder)?;
        encoder.finish()?.flush()?;
        stats
    } else {
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        let stats = generate(options, limit, &mut writer)?;
        writer.flush()?;
        stats
    };
    staged.commit()?;
    Ok(stats)
}

#[cfg(test)]
mod tests;
