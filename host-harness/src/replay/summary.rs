//! What a run did, and the text `blindspot replay` prints about it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use blindspot_plugin::model::StateStats;

use super::checkpoint::FileProgress;
use crate::runtime::detector::{Incidents, POISONOUS_EVENT};

/// How many poisonous events the summary lists by position (all of them are error rows).
pub(super) const LISTED_POISONOUS: usize = 20;

/// What a run did. `rows_written = events + error_rows + correlation_events - rows_filtered`.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: u64,
    pub units: u64,
    pub bytes: u64,
    pub events: u64,
    pub error_rows: u64,
    pub correlation_events: u64,
    pub rows_filtered: u64,
    pub rows_written: u64,
    pub alerts: u64,
    pub suppressed: u64,
    pub alerts_by_rule: BTreeMap<String, u64>,
    pub suppressed_by_rule: BTreeMap<String, u64>,
    pub elapsed: Duration,
    /// The plugin's correlation-state counters at the end of the run (summed over jobs).
    pub state: StateStats,
    /// Traps, timeouts, memory-limit hits and restarts the host contained.
    pub incidents: Incidents,
    /// The first poisonous events, as `file:line: reason`.
    pub poisonous: Vec<String>,
    /// The run stopped early on request; `progress` says where.
    pub interrupted: bool,
    /// Units skipped because a checkpoint said they were done.
    pub units_skipped: u64,
    /// Rows of the interrupted run put in front of this run's (set by the caller after `--resume`).
    pub rows_carried: u64,
    /// How far each input file got, in input order.
    pub progress: Vec<FileProgress>,
}

impl Summary {
    pub fn render(&self, out: &Path) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let mut text = format!(
            "replayed {} file(s): {} input unit(s), {} event(s), {} error row(s), {} correlation event(s)\n\
             wrote {} row(s) to {}{}\n\
             alerts: {} (suppressed findings: {})\n",
            self.files,
            self.units,
            self.events,
            self.error_rows,
            self.correlation_events,
            self.rows_written,
            out.display(),
            if self.rows_filtered > 0 {
                format!(
                    " ({} non-alert row(s) left out by --alerts-only)",
                    self.rows_filtered
                )
            } else {
                String::new()
            },
            self.alerts,
            self.suppressed,
        );
        for (rule, count) in &self.alerts_by_rule {
            text.push_str(&format!("  {count:>6}  {rule}\n"));
        }
        for (rule, count) in &self.suppressed_by_rule {
            text.push_str(&format!("  {count:>6}  {rule} (suppressed)\n"));
        }
        text.push_str(&format!(
            "correlation state: {} key(s) held, {} evicted at the cap, {} late event(s), {} correlation finding(s)\n",
            self.state.tracked, self.state.evicted, self.state.late_events, self.state.emitted
        ));
        let i = &self.incidents;
        if i.any() {
            text.push_str(&format!(
                "plugin incidents: {} trap(s), {} timeout(s), {} memory-limit hit(s), {} restart(s); \
                 {} poisonous event(s) written as error rows\n",
                i.traps, i.timeouts, i.memory_limit_hits, i.restarts, i.poisonous_events
            ));
            for event in &self.poisonous {
                text.push_str(&format!("  {event}\n"));
            }
            if i.poisonous_events > self.poisonous.len() as u64 {
                text.push_str(&format!(
                    "  ... and {} more (rows whose error starts with \"{POISONOUS_EVENT}\")\n",
                    i.poisonous_events - self.poisonous.len() as u64
                ));
            }
        }
        if self.units_skipped > 0 || self.rows_carried > 0 {
            text.push_str(&format!(
                "resumed: skipped {} unit(s) done before, carried {} row(s) forward; {} now holds {} row(s)\n",
                self.units_skipped,
                self.rows_carried,
                out.display(),
                self.rows_carried + self.rows_written
            ));
        }
        if self.interrupted {
            let done = self.progress.iter().filter(|f| f.complete).count();
            let at = self.progress.iter().find(|f| !f.complete);
            text.push_str(&format!(
                "interrupted: {done} of {} file(s) complete{}; rerun with --resume to continue\n",
                self.progress.len(),
                at.map(|f| format!(", stopped in {} after {} unit(s)", f.path, f.units_done))
                    .unwrap_or_default()
            ));
        }
        text.push_str(&format!(
            "accounting: {} unit(s) read, {} row(s) written = {} event(s) + {} error row(s) + {} correlation - {} filtered: ok\n",
            self.units,
            self.rows_written,
            self.events,
            self.error_rows,
            self.correlation_events,
            self.rows_filtered
        ));
        text.push_str(&format!(
            "throughput: {:.0} events/s, {:.1} MB/s ({} bytes in {:.3} s)\n",
            (self.events + self.error_rows) as f64 / secs,
            self.bytes as f64 / secs / 1e6,
            self.bytes,
            secs
        ));
        text
    }
}
