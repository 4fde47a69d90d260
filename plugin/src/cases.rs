//! Per-rule case files: `testdata/rules/<rule_id>.ndjson`, one case per line, each event exactly as
//! the service emits it. The same cases run through the native engine (`plugin/tests/rule_cases.rs`)
//! and the wasm component (the harness's tests), and every rule of the catalogue must have a case
//! that fires it and a benign look-alike that does not.
//!
//! ```json
//! {"name": "why", "expect": ["rule ids"], "suppressed": ["rule ids"], "reason_contains": ["text"],
//!  "config": {...}, "event": {...}}
//! ```
//!
//! `events` (a list) replaces `event` for cases that need several events (correlation); the engine is
//! flushed after them and every output row counts.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::Engine;
use crate::model::{EnrichedEvent, RawEvent};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// Rule ids of the unsuppressed findings the case must produce, no more and no fewer.
    pub expect: Vec<String>,
    /// Rule ids that must come out suppressed.
    #[serde(default)]
    pub suppressed: Vec<String>,
    /// Texts some finding's reasons (or suppression reason) must contain.
    #[serde(default)]
    pub reason_contains: Vec<String>,
    #[serde(default)]
    pub config: Option<Box<RawValue>>,
    #[serde(default)]
    pub event: Option<Box<RawValue>>,
    #[serde(default)]
    pub events: Vec<Box<RawValue>>,
}

impl Case {
    /// The case's events as raw JSON texts, in order.
    pub fn inputs(&self) -> Vec<&str> {
        self.event
            .iter()
            .chain(self.events.iter())
            .map(|e| e.get())
            .collect()
    }

    /// The configuration document, empty for the default.
    pub fn config_text(&self) -> &str {
        self.config.as_deref().map_or("", RawValue::get)
    }
}

/// Read a case file; errors name the line.
pub fn parse(text: &str) -> Result<Vec<Case>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let case: Case =
                serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
            if case.inputs().is_empty() {
                return Err(format!("line {}: a case needs `event` or `events`", i + 1));
            }
            Ok(case)
        })
        .collect()
}

/// What a case's events produced.
#[derive(Debug, Default)]
pub struct Observed {
    pub fired: BTreeSet<String>,
    pub suppressed: BTreeSet<String>,
    pub reasons: Vec<String>,
    pub errors: Vec<String>,
}

impl Observed {
    pub fn add(&mut self, event: &EnrichedEvent) {
        for finding in &event.findings {
            match &finding.suppression {
                Some(why) => {
                    self.suppressed.insert(finding.rule_id.clone());
                    self.reasons.push(why.clone());
                }
                None => {
                    self.fired.insert(finding.rule_id.clone());
                }
            }
            self.reasons.extend(finding.reasons.iter().cloned());
        }
    }

    /// Whether the case's expectations hold; the error says what differs.
    pub fn check(&self, case: &Case) -> Result<(), String> {
        let mut problems = Vec::new();
        if !self.errors.is_empty() {
            problems.push(format!("events rejected: {}", self.errors.join("; ")));
        }
        let expect: BTreeSet<String> = case.expect.iter().cloned().collect();
        if expect != self.fired {
            problems.push(format!("fired {:?}, expected {:?}", self.fired, expect));
        }
        let suppressed: BTreeSet<String> = case.suppressed.iter().cloned().collect();
        if suppressed != self.suppressed {
            problems.push(format!(
                "suppressed {:?}, expected {:?}",
                self.suppressed, suppressed
            ));
        }
        for text in &case.reason_contains {
            if !self.reasons.iter().any(|r| r.contains(text.as_str())) {
                problems.push(format!("no reason contains {text:?}: {:?}", self.reasons));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

/// Run a case through the native engine.
pub fn run_native(case: &Case) -> Result<Observed, String> {
    let mut engine = Engine::new();
    engine
        .configure(case.config_text())
        .map_err(|e| format!("configuration rejected: {e}"))?;
    let mut observed = Observed::default();
    for input in case.inputs() {
        let raw = RawEvent {
            data: input.as_bytes(),
            source_hint: None,
            tag: None,
        };
        match engine.process_one(&raw) {
            Ok(events) => events.iter().for_each(|e| observed.add(e)),
            Err(e) => observed.errors.push(e.message),
        }
        engine.drain().iter().for_each(|e| observed.add(e));
    }
    engine.flush().iter().for_each(|e| observed.add(e));
    Ok(observed)
}
