//! The NDJSON / Fluent Bit output path: whatever the input line, the rendered output is valid JSON.
#![no_main]

use blindspot_plugin::Engine;
use blindspot_plugin::enrichment_json::{Enrich, render};
use blindspot_plugin::model::RawEvent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut engine = Engine::new();
    let outcome = engine.process_one(&RawEvent {
        data,
        source_hint: None,
        tag: None,
    });
    let out = render(Enrich::All, data, &outcome, None);
    assert!(
        serde_json::from_slice::<serde::de::IgnoredAny>(&out).is_ok(),
        "invalid output for {:?}",
        String::from_utf8_lossy(data)
    );
    // Unchanged records are the input itself, which the engine read as JSON.
    let out = render(Enrich::Findings, data, &outcome, None);
    assert!(
        serde_json::from_slice::<serde::de::IgnoredAny>(&out).is_ok(),
        "invalid output for {:?}",
        String::from_utf8_lossy(data)
    );
});
