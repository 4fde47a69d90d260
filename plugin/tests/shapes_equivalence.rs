//! Every shape in `testdata/shapes/` (written by `testdata/shapes/make_shapes.py` from recorded
//! canonical events) must give the canonical stream's rule ids event by event, and say which fallback
//! recognised it (`Decoded::shape_note`), while the canonical events carry no note.

use std::path::{Path, PathBuf};

use blindspot_plugin::engine::Engine;
use blindspot_plugin::model::{RawEvent, SourceKind};
use blindspot_plugin::sources::{self, envelope};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("stream")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// Rule ids of each event, in order; correlation findings are left to the recorded expectations.
fn rules(path: &Path) -> Vec<Vec<String>> {
    let mut engine = Engine::new();
    lines(path)
        .iter()
        .flat_map(|line| {
            let raw = RawEvent {
                data: line.as_bytes(),
                source_hint: None,
                tag: None,
            };
            engine.process_one(&raw).expect("every line reads")
        })
        .map(|event| {
            let mut ids: Vec<String> = event.findings.into_iter().map(|f| f.rule_id).collect();
            ids.sort_unstable();
            ids
        })
        .collect()
}

/// The source and shape note of each event, as source detection decides them.
fn notes(path: &Path) -> Vec<(SourceKind, Option<&'static str>)> {
    let mut out = Vec::new();
    for line in lines(path) {
        envelope::for_each_event(&line, &mut |_, inner| {
            if let envelope::Inner::Object(object) = inner {
                let decoded = sources::decode(object, None);
                out.push((decoded.source, decoded.shape_note));
            }
        })
        .expect("every line reads");
    }
    out
}

#[test]
fn every_shape_finds_what_the_canonical_events_find() {
    let mut shapes = 0;
    for entry in std::fs::read_dir(dir("shapes")).expect("testdata/shapes") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(stem) = name.strip_suffix(".canonical.ndjson") else {
            continue;
        };
        let canonical = rules(&path);
        assert!(canonical.iter().any(|r| !r.is_empty()), "{stem}: attacks");
        assert!(canonical.iter().any(Vec::is_empty), "{stem}: look-alikes");
        let canonical_notes = notes(&path);
        assert!(
            canonical_notes
                .iter()
                .all(|(source, note)| *source != SourceKind::Unknown && note.is_none())
        );
        for other in std::fs::read_dir(dir("shapes")).expect("testdata/shapes") {
            let other = other.expect("entry").path();
            let other_name = other.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if other_name == name
                || !other_name.starts_with(&format!("{stem}."))
                || !other_name.ends_with(".ndjson")
            {
                continue;
            }
            assert_eq!(canonical, rules(&other), "{other_name}");
            for (i, ((source, note), (canonical_source, _))) in
                notes(&other).iter().zip(&canonical_notes).enumerate()
            {
                assert_eq!(source, canonical_source, "{other_name}: event {i}");
                assert!(note.is_some(), "{other_name}: event {i} has no shape note");
            }
            shapes += 1;
        }
    }
    assert_eq!(shapes, 4, "athena, filtered, lowercase and minimal shapes");
}

#[test]
fn security_lake_records_say_so() {
    let path = dir("ocsf").join("cloudtrail_management.ocsf.ndjson");
    let found = notes(&path);
    assert_eq!(found.len(), 74);
    assert!(
        found
            .iter()
            .all(|(source, note)| *source == SourceKind::AwsCloudtrail
                && *note == Some(sources::shape_note::OCSF_API_ACTIVITY))
    );
    let path = dir("ocsf").join("eks_audit.ocsf.ndjson");
    assert!(
        notes(&path)
            .iter()
            .all(|(source, note)| *source == SourceKind::K8sAudit
                && *note == Some(sources::shape_note::OCSF_API_ACTIVITY))
    );
}

/// The note leaves the engine with the event (the WIT `shape-note`, the Parquet `shape_note` column).
#[test]
fn the_engine_reports_the_shape_note_of_each_event() {
    let mut checked = 0;
    for entry in std::fs::read_dir(dir("shapes")).expect("testdata/shapes") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("ndjson") {
            continue;
        }
        let mut engine = Engine::new();
        let reported: Vec<Option<String>> = lines(&path)
            .iter()
            .flat_map(|line| {
                let raw = RawEvent {
                    data: line.as_bytes(),
                    source_hint: None,
                    tag: None,
                };
                engine.process_one(&raw).expect("every line reads")
            })
            .map(|event| event.shape_note)
            .collect();
        let decided: Vec<Option<String>> = notes(&path)
            .into_iter()
            .map(|(_, note)| note.map(str::to_owned))
            .collect();
        assert_eq!(reported, decided, "{}", path.display());
        checked += reported.iter().filter(|n| n.is_some()).count();
    }
    assert!(checked > 0, "the fallback shapes carry notes");
}
