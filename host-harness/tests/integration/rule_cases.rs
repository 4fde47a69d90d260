//! Every case file under `testdata/rules/` through the wasm component, as `plugin/tests/rule_cases.rs`
//! runs them through the native engine: the same expectations must hold in both builds.

use blindspot_host::runtime::detector::{Detector, Input};
use blindspot_plugin::cases::{self, Observed};

use crate::common;

fn run_wasm(case: &cases::Case) -> Result<Observed, String> {
    let mut detector = common::plugin()
        .instantiate()
        .map_err(|e| format!("{e:#}"))?;
    detector
        .configure(case.config_text())
        .map_err(|e| format!("{e:#}"))?
        .map_err(|e| format!("configuration rejected: {}: {}", e.path, e.message))?;
    let mut observed = Observed::default();
    for input in case.inputs() {
        let outcomes = detector
            .process(vec![Input {
                data: input.as_bytes().to_vec(),
                source_hint: None,
                tag: None,
            }])
            .map_err(|e| format!("{e:#}"))?;
        for outcome in outcomes {
            match outcome {
                Ok(events) => events.iter().for_each(|e| observed.add(e)),
                Err(e) => observed.errors.push(e.message),
            }
        }
        for event in detector.drain().map_err(|e| format!("{e:#}"))? {
            observed.add(&event);
        }
    }
    for event in detector.flush().map_err(|e| format!("{e:#}"))? {
        observed.add(&event);
    }
    Ok(observed)
}

#[test]
fn every_case_holds_in_the_wasm_component() {
    let dir = common::testdata("rules");
    let mut failures = Vec::new();
    let mut count = 0;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/rules")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("ndjson"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable");
        let parsed = cases::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for case in &parsed {
            count += 1;
            if let Err(why) = run_wasm(case).and_then(|observed| observed.check(case)) {
                failures.push(format!("{}: {:?}: {why}", path.display(), case.name));
            }
        }
    }
    assert!(count > 500, "only {count} cases found");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
