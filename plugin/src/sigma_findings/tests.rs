//! Sigma rules through the engine: configuration, findings beside the built-in ones, suppression,
//! rule listing. Events are recorded CloudTrail records (testdata/sigma/events, copied from
//! testdata/aws/cloudtrail_audit_logging.ndjson) and the rule is testdata/sigma's.

use crate::engine::Engine;
use crate::model::{RawEvent, Severity};

const RULE: &str = include_str!("../../../testdata/sigma/cloudtrail_logging_stopped.yml");
const EVENTS: &str = include_str!("../../../testdata/sigma/events/aws_cloudtrail.ndjson");

/// The successful StopLogging on org-trail by platform-admin (line 30 of the events file).
fn stop_logging() -> &'static str {
    EVENTS
        .lines()
        .find(|l| l.contains("\"StopLogging\"") && !l.contains("errorCode"))
        .expect("a successful StopLogging record")
}

fn config(extra: &str) -> String {
    let rules = serde_json::to_string(&[RULE]).expect("json");
    format!(r#"{{"sigma":{{"rules":{rules}}}{extra}}}"#)
}

fn findings(engine: &mut Engine, line: &str) -> Vec<crate::model::Finding> {
    let outcome = engine
        .process_one(&RawEvent {
            data: line.as_bytes(),
            source_hint: None,
            tag: None,
        })
        .expect("readable");
    outcome.into_iter().flat_map(|e| e.findings).collect()
}

#[test]
fn a_sigma_rule_fires_beside_the_built_in_rule() {
    let mut engine = Engine::new();
    engine.configure(&config("")).expect("valid rule");
    let found = findings(&mut engine, stop_logging());
    let ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "aws.cloudtrail.stop_logging",
            "sigma:6f1d2a4c-8b3e-4f5a-9c7d-0e1f2a3b4c5d"
        ]
    );
    let sigma = &found[1];
    assert_eq!(sigma.title, "CloudTrail trail stopped or deleted");
    assert_eq!(sigma.severity, Severity::High);
    assert_eq!(sigma.technique_id, "T1562.008");
    assert_eq!(
        sigma.technique_name,
        "Impair Defenses: Disable or Modify Cloud Logs"
    );
    assert_eq!(sigma.tactic, "Defense Evasion (TA0005)");
    let newer = sigma.technique_newer.as_ref().expect("known newer id");
    assert_eq!(newer.id, "T1685.002");
    assert_eq!(newer.tactic, "Defense Impairment");
    assert!(
        sigma
            .reasons
            .iter()
            .any(|r| r == "selection selection: eventName matched \"StopLogging\""),
        "{:?}",
        sigma.reasons
    );
    assert!(
        sigma
            .reasons
            .iter()
            .any(|r| r.starts_with("by arn:aws:sts::111122223333:assumed-role/platform-admin"))
    );
    assert!(sigma.response[0].starts_with("Verify:"));
    assert!(sigma.response.iter().any(
        |s| s == "Known false positives (from the rule): Trail migrations by the platform team"
    ));
    assert!(
        sigma
            .response
            .last()
            .is_some_and(|s| s.starts_with("Investigate:"))
    );
    // The built-in finding is what it was without Sigma rules.
    let mut plain = Engine::new();
    assert_eq!(findings(&mut plain, stop_logging())[0], found[0]);
}

#[test]
fn failed_attempts_are_low_for_sigma_findings_too() {
    let mut engine = Engine::new();
    engine.configure(&config("")).expect("valid rule");
    let denied = EVENTS
        .lines()
        .find(|l| l.contains("\"StopLogging\"") && l.contains("AccessDenied"))
        .expect("a denied StopLogging record");
    let found = findings(&mut engine, denied);
    let sigma = found
        .iter()
        .find(|f| f.rule_id.starts_with("sigma:"))
        .expect("sigma finding");
    assert_eq!(sigma.severity, Severity::Low);
    assert!(
        sigma
            .reasons
            .iter()
            .any(|r| r.starts_with("the call failed (AccessDenied"))
    );
}

#[test]
fn suppressions_and_switches_name_sigma_rules() {
    let mut engine = Engine::new();
    engine
        .configure(&config(
            r#","suppressions":[{"name":"trail migration","reason":"platform team migrates trails","rules":["sigma:*"],"principals":["arn:aws:sts::111122223333:assumed-role/platform-admin/*"]}]"#,
        ))
        .expect("pattern matches the loaded rule");
    let found = findings(&mut engine, stop_logging());
    let sigma = found
        .iter()
        .find(|f| f.rule_id.starts_with("sigma:"))
        .expect("kept");
    assert!(
        sigma
            .suppression
            .as_deref()
            .is_some_and(|s| s.contains("platform team migrates trails")),
        "{:?}",
        sigma.suppression
    );
    assert!(found[0].suppression.is_none(), "built-in rule not covered");

    engine
        .configure(&config(
            r#","rules":{"sigma:6f1d2a4c-8b3e-4f5a-9c7d-0e1f2a3b4c5d":{"enabled":false}}"#,
        ))
        .expect("sigma id accepted");
    assert_eq!(findings(&mut engine, stop_logging()).len(), 1);
    let err = engine
        .configure(r#"{"rules":{"sigma:6f1d2a4c-8b3e-4f5a-9c7d-0e1f2a3b4c5d":{"enabled":false}}}"#)
        .expect_err("no such rule without the sigma section");
    assert_eq!(err.path, "rules.sigma:6f1d2a4c-8b3e-4f5a-9c7d-0e1f2a3b4c5d");
}

#[test]
fn rules_lists_sigma_rules_with_their_origin() {
    let mut engine = Engine::new();
    let builtin = engine.rules().len();
    engine
        .configure(&format!(
            r#"{{"sigma":{{"rules":[{{"origin":"rules/trail.yml","text":{}}}]}}}}"#,
            serde_json::to_string(RULE).expect("json")
        ))
        .expect("valid");
    let rules = engine.rules();
    assert_eq!(rules.len(), builtin + 1);
    let sigma = rules.last().expect("sigma rule");
    assert_eq!(sigma.id, "sigma:6f1d2a4c-8b3e-4f5a-9c7d-0e1f2a3b4c5d");
    assert_eq!(sigma.origin, "rules/trail.yml");
    assert_eq!(sigma.default_severity, Severity::High);
    assert_eq!(rules[0].origin, "built-in");
}

#[test]
fn a_broken_rule_refuses_the_configuration_and_keeps_the_old_one() {
    let mut engine = Engine::new();
    engine.configure(&config("")).expect("valid");
    let broken = RULE.replace("eventName:", "eventName|foo:");
    let err = engine
        .configure(&format!(
            r#"{{"sigma":{{"rules":[{}]}}}}"#,
            serde_json::to_string(&broken).expect("json")
        ))
        .expect_err("unknown modifier");
    assert_eq!(err.path, "sigma.rules[0]");
    assert!(
        err.message.contains("detection.selection.eventName|foo"),
        "{}",
        err.message
    );
    assert!(err.message.contains("unknown modifier"), "{}", err.message);
    assert_eq!(
        findings(&mut engine, stop_logging()).len(),
        2,
        "previous rules stay"
    );

    let other = RULE.replace("6f1d2a4c", "00000000");
    engine
        .configure(&format!(
            r#"{{"sigma":{{"rules":[{},{}],"on_unsupported":"skip-and-report"}}}}"#,
            serde_json::to_string(&broken).expect("json"),
            serde_json::to_string(&other).expect("json")
        ))
        .expect("skipped");
    assert_eq!(engine.skipped_sigma().len(), 1);
    assert_eq!(
        engine.skipped_sigma()[0].error.origin,
        "config.sigma.rules[0]"
    );
    assert_eq!(findings(&mut engine, stop_logging()).len(), 2);
}

#[test]
fn a_change_both_kinds_of_rule_detect_is_one_move_of_a_sequence() {
    let mut engine = Engine::new();
    engine.configure(&config("")).expect("valid rule");
    assert_eq!(findings(&mut engine, stop_logging()).len(), 2);
    let mut later = engine.drain();
    later.extend(engine.flush());
    let sequences: Vec<&str> = later
        .iter()
        .flat_map(|e| &e.findings)
        .map(|f| f.rule_id.as_str())
        .collect();
    assert!(sequences.is_empty(), "{sequences:?}");
}
