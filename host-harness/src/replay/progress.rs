//! What an interactive replay shows on stderr: a bar over the input's bytes with an ETA when every input
//! has a known size (regular files), a spinner with the event count when one does not (a pipe, a FIFO).
//! Rates are whole numbers: a fraction of an event per second says nothing.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

const BAR: &str = "{bar:30} {percent:>3}% {bytes}/{total_bytes} ({byte_rate}, ETA {eta}) \
                   {events} events ({event_rate}/s) {wide_msg}";
const SPINNER: &str = "{spinner} {elapsed_precise} {events} events ({event_rate}/s) {wide_msg}";

pub(super) struct Progress {
    bar: ProgressBar,
    /// Events written so far; shared with the style's formatters, which only see the bar's state.
    events: Arc<AtomicU64>,
    /// Each input's size on disk; `None` for the bar as a whole when any size is unknown.
    sizes: Option<Vec<u64>>,
    /// Bytes of the files already finished (or finished by an earlier run).
    done: u64,
    /// Unit bytes read from the current file. For a compressed file these outrun its size on disk,
    /// so the bar's position within a file is capped at the file's size.
    in_file: u64,
    current: Option<usize>,
}

impl Progress {
    /// `complete` says which files an earlier run finished (`--resume`); they count as done.
    pub(super) fn new(enabled: bool, files: &[PathBuf], complete: &[bool]) -> Progress {
        let events = Arc::new(AtomicU64::new(0));
        if !enabled {
            return Progress {
                bar: ProgressBar::hidden(),
                events,
                sizes: None,
                done: 0,
                in_file: 0,
                current: None,
            };
        }
        let sizes: Option<Vec<u64>> = files
            .iter()
            .map(|f| {
                std::fs::metadata(f)
                    .ok()
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
            })
            .collect();
        let (bar, template) = match &sizes {
            Some(sizes) => (ProgressBar::new(sizes.iter().sum()), BAR),
            None => (ProgressBar::no_length(), SPINNER),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(with_rates(style, events.clone()));
        let done = sizes.as_ref().map_or(0, |sizes| {
            sizes
                .iter()
                .zip(complete)
                .filter(|(_, complete)| **complete)
                .map(|(size, _)| size)
                .sum()
        });
        bar.set_position(done);
        Progress {
            bar,
            events,
            sizes,
            done,
            in_file: 0,
            current: None,
        }
    }

    pub(super) fn begin_file(&mut self, index: usize, name: &str) {
        self.current = Some(index);
        self.in_file = 0;
        self.bar.set_message(name.to_owned());
    }

    /// `bytes` more of the current file were read; `events` is the run's total so far.
    pub(super) fn advance(&mut self, events: u64, bytes: u64) {
        self.events.store(events, Ordering::Relaxed);
        self.in_file += bytes;
        match self.current_size() {
            Some(size) => self.bar.set_position(self.done + self.in_file.min(size)),
            // The spinner moves with the events.
            None => self.bar.set_position(events),
        }
    }

    pub(super) fn end_file(&mut self) {
        if let Some(size) = self.current_size() {
            self.done += size;
            self.bar.set_position(self.done);
        }
        self.current = None;
    }

    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn current_size(&self) -> Option<u64> {
        let sizes = self.sizes.as_ref()?;
        sizes.get(self.current?).copied()
    }
}

/// The style's own keys: event count and rate (whole events per second) and the byte rate (whole
/// units). indicatif's `{per_sec}` prints fractions, and its position is bytes here, not events.
fn with_rates(style: ProgressStyle, events: Arc<AtomicU64>) -> ProgressStyle {
    let count = events.clone();
    style
        .with_key(
            "events",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", HumanCount(count.load(Ordering::Relaxed)));
            },
        )
        .with_key(
            "event_rate",
            move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let secs = state.elapsed().as_secs_f64();
                let rate = match secs > 0.0 {
                    true => events.load(Ordering::Relaxed) as f64 / secs,
                    false => 0.0,
                };
                let _ = write!(w, "{}", HumanCount(rate as u64));
            },
        )
        .with_key(
            "byte_rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&byte_rate(state.per_sec()));
            },
        )
}

/// `12 MB/s`, `640 kB/s`, `80 B/s`: decimal units, no fraction.
fn byte_rate(per_sec: f64) -> String {
    let per_sec = if per_sec.is_finite() { per_sec } else { 0.0 };
    if per_sec >= 1e6 {
        format!("{:.0} MB/s", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.0} kB/s", per_sec / 1e3)
    } else {
        format!("{per_sec:.0} B/s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_rates_are_whole_numbers_in_decimal_units() {
        assert_eq!(byte_rate(26_026.372_4), "26 kB/s");
        assert_eq!(byte_rate(12_600_000.0), "13 MB/s");
        assert_eq!(byte_rate(80.4), "80 B/s");
        assert_eq!(byte_rate(f64::NAN), "0 B/s");
    }

    #[test]
    fn the_bar_counts_finished_files_and_caps_a_file_at_its_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files: Vec<PathBuf> = [("a.ndjson", 100usize), ("b.ndjson.gz", 50)]
            .iter()
            .map(|(name, size)| {
                let path = dir.path().join(name);
                std::fs::write(&path, vec![b'x'; *size]).expect("write");
                path
            })
            .collect();
        let mut progress = Progress::new(true, &files, &[true, false]);
        progress.bar.set_draw_target(ProgressDrawTarget::hidden());
        assert_eq!(progress.bar.length(), Some(150));
        assert_eq!(progress.bar.position(), 100);
        progress.begin_file(1, "b.ndjson.gz");
        // Decompressed bytes outrun the compressed file's size.
        progress.advance(10, 400);
        assert_eq!(progress.bar.position(), 150);
        progress.end_file();
        assert_eq!(progress.bar.position(), 150);
    }

    #[test]
    fn an_input_of_unknown_size_gets_a_spinner_over_events() {
        let progress = Progress::new(true, &[PathBuf::from("/dev/stdin")], &[false]);
        progress.bar.set_draw_target(ProgressDrawTarget::hidden());
        assert_eq!(progress.bar.length(), None);
    }
}
