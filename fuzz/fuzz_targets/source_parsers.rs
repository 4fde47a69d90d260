//! Every source parser on every object, whatever detection would pick: each parser reads the input as
//! its own source (fields of the wrong type, missing or duplicated must lose detail, never crash), then
//! the engine runs with the source the first byte names as a hint, so rules and enrichment see shapes
//! detection would never hand them. Findings' text must stay free of control characters.
#![no_main]

use blindspot_plugin::Engine;
use blindspot_plugin::model::{RawEvent, SourceKind};
use blindspot_plugin::sanitize;
use blindspot_plugin::sources::json::Object;
use blindspot_plugin::sources::{
    self, aws_cloudtrail, azure_activity, docker_events, docker_inspect, gcp_audit, k8s_audit,
    k8s_gke,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let hint = SourceKind::ALL[usize::from(*selector) % SourceKind::ALL.len()];
    if let Ok(text) = std::str::from_utf8(rest)
        && let Ok(object) = Object::parse(text)
    {
        for kind in SourceKind::ALL {
            let decoded = sources::decode(&object, Some(kind));
            let _ = decoded.event.failure();
            let _ = decoded.event.is_root();
        }
        let record = aws_cloudtrail::Record::from_object(&object);
        let _ = (record.normalize(), record.target(), record.is_read_only());
        let record = azure_activity::Record::from_object(&object);
        let _ = (record.normalize(), record.failure(), record.request_body());
        let entry = gcp_audit::Entry::from_object(&object);
        let _ = (entry.normalize(), entry.failure());
        let event = k8s_audit::Event::from_object(&object);
        let _ = (event.normalize(), event.failure());
        let event = k8s_gke::from_object(&object);
        let _ = (event.normalize(), event.failure());
        let event = docker_events::EngineEvent::from_object(&object);
        let _ = (event.normalize(), event.attributes().count());
        let container = docker_inspect::Container::from_object(&object);
        let _ = (container.normalize(), container.host_list("Binds"));
    }
    let mut engine = Engine::new();
    if let Ok(events) = engine.process_one(&RawEvent {
        data: rest,
        source_hint: Some(hint),
        tag: Some("fuzz"),
    }) {
        for event in events {
            for finding in &event.findings {
                assert!(finding.confidence <= 100);
                let texts = std::iter::once(&finding.title)
                    .chain(&finding.reasons)
                    .chain(&finding.response)
                    .chain(finding.suppression.as_ref());
                for text in texts {
                    assert!(!text.chars().any(sanitize::is_unsafe), "{text:?}");
                }
            }
        }
    }
});
