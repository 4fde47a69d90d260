//! The two ways the harness runs the engine: the wasm component inside wasmtime (the product) and the
//! same engine linked natively (for comparison, debugging and benchmarks). Both return the plugin's
//! own model types, so everything downstream is identical.

use anyhow::Result;
use blindspot_plugin::Engine;
use blindspot_plugin::model::{EnrichedEvent, EventOutcome, RawEvent, SourceKind, StateStats};

/// One input handed to the detector.
#[derive(Debug, Clone)]
pub struct Input {
    pub data: Vec<u8>,
    pub source_hint: Option<SourceKind>,
    pub tag: Option<String>,
}

/// A rule as the loaded plugin describes it (built-in or a loaded Sigma rule).
pub use blindspot_plugin::model::RuleInfo as RuleEntry;

/// A configured Sigma rule the plugin left out (`sigma.on_unsupported: skip-and-report`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SkippedRule {
    pub origin: String,
    pub rule: String,
    pub path: String,
    pub reason: String,
}

/// A configuration the plugin refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration{}: {message}", if path.is_empty() { String::new() } else { format!(" at {path}") })]
pub struct ConfigRejected {
    pub path: String,
    pub message: String,
}

/// What went wrong inside the plugin and how the host recovered (wasm only; the native engine runs
/// in-process and has no sandbox to recover).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Incidents {
    /// Calls that ended in a trap (a panic, `unreachable`, an out-of-bounds access).
    pub traps: u64,
    /// Calls stopped by the per-call deadline.
    pub timeouts: u64,
    /// Calls stopped by the memory limit.
    pub memory_limit_hits: u64,
    /// Fresh instances made to continue after any of the above.
    pub restarts: u64,
    /// Inputs that failed again on their own and were written as error rows.
    pub poisonous_events: u64,
}

impl Incidents {
    pub fn any(&self) -> bool {
        *self != Incidents::default()
    }

    pub fn add(&mut self, other: &Incidents) {
        self.traps += other.traps;
        self.timeouts += other.timeouts;
        self.memory_limit_hits += other.memory_limit_hits;
        self.restarts += other.restarts;
        self.poisonous_events += other.poisonous_events;
    }
}

/// How the error message of a poisonous input starts: the host's own reason, not the plugin's.
pub const POISONOUS_EVENT: &str = "plugin failed on this event";

pub trait Detector {
    /// Apply a configuration document; `Ok(Err(..))` when the plugin rejected it.
    fn configure(&mut self, config: &str) -> Result<std::result::Result<(), ConfigRejected>>;
    /// One outcome per input, in order.
    fn process(&mut self, batch: Vec<Input>) -> Result<Vec<EventOutcome>>;
    /// Correlation findings completed by event time since the last call; hosts call it after `process`.
    fn drain(&mut self) -> Result<Vec<EnrichedEvent>>;
    fn flush(&mut self) -> Result<Vec<EnrichedEvent>>;
    fn rules(&mut self) -> Result<Vec<RuleEntry>>;
    /// Configured Sigma rules left out as unsupported.
    fn skipped_rules(&mut self) -> Result<Vec<SkippedRule>> {
        Ok(Vec::new())
    }
    /// Counters of the plugin's bounded correlation state.
    fn stats(&mut self) -> Result<StateStats>;
    /// Failures contained so far.
    fn incidents(&self) -> Incidents {
        Incidents::default()
    }
}

/// The engine linked into the harness.
#[derive(Default)]
pub struct NativeDetector {
    engine: Engine,
}

impl Detector for NativeDetector {
    fn configure(&mut self, config: &str) -> Result<std::result::Result<(), ConfigRejected>> {
        Ok(self.engine.configure(config).map_err(|e| ConfigRejected {
            path: e.path,
            message: e.message,
        }))
    }

    fn process(&mut self, batch: Vec<Input>) -> Result<Vec<EventOutcome>> {
        Ok(batch
            .iter()
            .map(|input| {
                self.engine.process_one(&RawEvent {
                    data: &input.data,
                    source_hint: input.source_hint,
                    tag: input.tag.as_deref(),
                })
            })
            .collect())
    }

    fn drain(&mut self) -> Result<Vec<EnrichedEvent>> {
        Ok(self.engine.drain())
    }

    fn flush(&mut self) -> Result<Vec<EnrichedEvent>> {
        Ok(self.engine.flush())
    }

    fn stats(&mut self) -> Result<StateStats> {
        Ok(self.engine.stats())
    }

    fn rules(&mut self) -> Result<Vec<RuleEntry>> {
        Ok(self.engine.rules())
    }

    fn skipped_rules(&mut self) -> Result<Vec<SkippedRule>> {
        Ok(self
            .engine
            .skipped_sigma()
            .iter()
            .map(|s| SkippedRule {
                origin: s.error.origin.clone(),
                rule: s.error.rule.clone(),
                path: s.error.path.clone(),
                reason: s.error.reason.clone(),
            })
            .collect())
    }
}
