//! Every case file under `testdata/rules/` through the native engine, and every rule of the catalogue
//! covered by a case that fires it and a benign look-alike that does not. The harness runs the same
//! files through the wasm component.

use std::collections::BTreeMap;
use std::path::Path;

use blindspot_plugin::cases;
use blindspot_plugin::rules;

fn case_files() -> BTreeMap<String, Vec<cases::Case>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/rules");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("testdata/rules exists") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("ndjson") {
            continue;
        }
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name")
            .to_owned();
        let text = std::fs::read_to_string(&path).expect("readable case file");
        let parsed = cases::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        files.insert(id, parsed);
    }
    files
}

#[test]
fn every_case_holds_natively() {
    let mut failures = Vec::new();
    let mut count = 0;
    for (id, cases) in case_files() {
        for case in &cases {
            count += 1;
            let outcome = cases::run_native(case).and_then(|observed| observed.check(case));
            if let Err(why) = outcome {
                failures.push(format!("{id}: {:?}: {why}", case.name));
            }
        }
    }
    assert!(count > 0, "no cases found");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_firing_and_a_benign_case() {
    let files = case_files();
    let mut missing = Vec::new();
    for rule in rules::catalogue() {
        let Some(cases) = files.get(rule.id) else {
            missing.push(format!("{}: no testdata/rules/{}.ndjson", rule.id, rule.id));
            continue;
        };
        let fires = |c: &cases::Case| c.expect.iter().chain(&c.suppressed).any(|r| r == rule.id);
        if !cases.iter().any(fires) {
            missing.push(format!("{}: no case fires it", rule.id));
        }
        if !cases.iter().any(|c| !fires(c)) {
            missing.push(format!("{}: no benign look-alike", rule.id));
        }
    }
    for id in files.keys() {
        if rules::find(id).is_none() {
            missing.push(format!("testdata/rules/{id}.ndjson names no rule"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
