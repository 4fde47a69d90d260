//! The engine's entry point over raw bytes: every source parser, envelope and rule sees the input.
//! The first byte picks a source hint (or none) so hinted parsing of mismatched shapes is covered too.
#![no_main]

use blindspot_plugin::Engine;
use blindspot_plugin::model::{RawEvent, SourceKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (hint, data) = match data.split_first() {
        Some((selector, rest)) => (SourceKind::ALL.get(usize::from(*selector) % 9).copied(), rest),
        None => (None, data),
    };
    let mut engine = Engine::new();
    let outcome = engine.process_one(&RawEvent {
        data,
        source_hint: hint,
        tag: None,
    });
    if let Ok(events) = outcome {
        for event in events {
            for finding in &event.findings {
                assert!(finding.confidence <= 100);
                assert!(!finding.response.is_empty());
            }
        }
    }
});
