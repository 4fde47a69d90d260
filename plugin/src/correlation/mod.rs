//! Correlation: findings that only several events together prove (families 4 and 5 of
//! docs/detections.md), and the per-principal history that scores single findings.
//!
//! Everything here advances on event time (`clock`), never on wall-clock, so a replay is fast and its
//! output deterministic; every table is a `BoundedMap`, so a month-long stream or an attacker spraying
//! names cannot grow the plugin's memory, and what a cap evicts is counted in `StateStats`.

pub mod bounded;
pub mod clock;
pub mod history;
pub mod instance_cycle;
pub mod network;
pub mod sequence;
pub mod synthetic;
#[cfg(test)]
mod tests;

use clock::{Arrival, EventClock};
use history::History;
use instance_cycle::InstanceCycles;
use network::NetworkWatch;
use sequence::{Pattern, Sequences};

use crate::config::Config;
use crate::model::{EnrichedEvent, StateStats};
use crate::sources::Decoded;

/// The engine's stateful half. Rebuilt whenever the configuration changes (its caps and windows come
/// from there).
#[derive(Debug)]
pub struct Correlator {
    clock: EventClock,
    history: History,
    sequences: Sequences,
    denied: Sequences,
    cycles: InstanceCycles,
    network: NetworkWatch,
    /// Synthetic events completed since the last `drain`.
    ready: Vec<EnrichedEvent>,
    emitted: u64,
}

impl Default for Correlator {
    fn default() -> Correlator {
        Correlator::new(&Config::default())
    }
}

impl Correlator {
    pub fn new(config: &Config) -> Correlator {
        let settings = &config.correlation;
        Correlator {
            clock: EventClock::new(
                settings.tolerance,
                settings
                    .window
                    .max(settings.instance_cycle)
                    .max(config.network.rejection_window)
                    .max(config.network.silence_gap),
            ),
            history: History::new(settings),
            sequences: Sequences::new(Pattern::Evasion, settings),
            denied: Sequences::new(Pattern::Denied, settings),
            cycles: InstanceCycles::new(settings),
            network: NetworkWatch::new(&config.network),
            ready: Vec::new(),
            emitted: 0,
        }
    }

    /// One enriched event, after its own rules: score its findings against the history, add
    /// sequence findings it completes, and remember what later events need.
    pub fn observe(&mut self, decoded: &Decoded<'_>, event: &mut EnrichedEvent, config: &Config) {
        let arrival = self.clock.observe(event.fields.event_time);
        self.history.observe(event);
        self.cycles.observe(decoded, event, config);
        self.network.observe(decoded, event, config);
        let before = self.ready.len();
        // A late event still alerts on its own; it only stays out of windows that already closed.
        if arrival != Arrival::Late {
            self.sequences.observe(event, config, &mut self.ready);
            self.denied.observe(event, config, &mut self.ready);
        }
        self.sequences.expire(&self.clock, config, &mut self.ready);
        self.denied.expire(&self.clock, config, &mut self.ready);
        if let Some(mark) = self.clock.watermark() {
            self.network.advance(
                mark.saturating_sub(self.clock.tolerance()),
                config,
                &mut self.ready,
            );
        }
        self.emitted += (self.ready.len() - before) as u64;
    }

    /// Synthetic events completed since the last call.
    pub fn drain(&mut self) -> Vec<EnrichedEvent> {
        std::mem::take(&mut self.ready)
    }

    /// End of stream: close every window; returns what was not drained plus what closing completes.
    pub fn flush(&mut self, config: &Config) -> Vec<EnrichedEvent> {
        let before = self.ready.len();
        self.sequences.close_all(config, &mut self.ready);
        self.denied.close_all(config, &mut self.ready);
        if let Some(mark) = self.clock.watermark() {
            self.network.close(mark, config, &mut self.ready);
        }
        self.emitted += (self.ready.len() - before) as u64;
        std::mem::take(&mut self.ready)
    }

    pub fn stats(&self) -> StateStats {
        StateStats {
            tracked: (self.history.tracked()
                + self.sequences.tracked()
                + self.denied.tracked()
                + self.cycles.tracked()
                + self.network.tracked()) as u64,
            evicted: self.history.evicted()
                + self.sequences.evicted()
                + self.denied.evicted()
                + self.cycles.evicted()
                + self.network.evictions(),
            late_events: self.clock.late(),
            emitted: self.emitted,
        }
    }
}
