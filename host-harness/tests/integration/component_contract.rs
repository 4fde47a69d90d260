//! The component as a host sees it: what it imports, and that the contract's calls behave.

use crate::common;

use blindspot_host::runtime::detector::{Detector, Input};
use blindspot_plugin::model::{Outcome, ParseErrorKind, Severity, SourceKind};

const STOP_LOGGING: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA4EXAMPLE:mallory","arn":"arn:aws:sts::111122223333:assumed-role/platform-admin/mallory","accountId":"111122223333","accessKeyId":"ASIA4EXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA4EXAMPLE","arn":"arn:aws:iam::111122223333:role/platform-admin","accountId":"111122223333","userName":"platform-admin"},"attributes":{"creationDate":"2026-11-27T08:40:11Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-27T08:41:02Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.44","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/cloudtrail.stop-logging","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"},"responseElements":null,"requestID":"6f1c2e1a-0d2b-4c55-9d7e-1b2c3d4e5f60","eventID":"3d9f0c7e-6a1b-4f4e-8f5e-2a1b3c4d5e6f","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

fn input(data: &str) -> Input {
    Input {
        data: data.as_bytes().to_vec(),
        source_hint: None,
        tag: None,
    }
}

#[test]
fn component_imports_only_what_std_links() {
    let allowed = [
        "blindspot:detect/types@0.3.0",
        "wasi:io/poll@0.2.6",
        "wasi:io/error@0.2.6",
        "wasi:io/streams@0.2.6",
        "wasi:cli/environment@0.2.6",
        "wasi:cli/exit@0.2.6",
        "wasi:cli/stdin@0.2.6",
        "wasi:cli/stdout@0.2.6",
        "wasi:cli/stderr@0.2.6",
        "wasi:cli/terminal-input@0.2.6",
        "wasi:cli/terminal-output@0.2.6",
        "wasi:cli/terminal-stdin@0.2.6",
        "wasi:cli/terminal-stdout@0.2.6",
        "wasi:cli/terminal-stderr@0.2.6",
    ];
    let imports = common::plugin().imports();
    for import in &imports {
        assert!(
            allowed.contains(&import.as_str()),
            "unexpected import {import}: the plugin must not gain capabilities (all: {imports:?})"
        );
    }
}

#[test]
fn process_returns_one_outcome_per_input_in_order() {
    let mut detector = common::plugin().instantiate().expect("instance");
    let outcomes = detector
        .process(vec![
            input(STOP_LOGGING),
            input("{\"eventName\":"),
            input(r#"{"hello":"world"}"#),
            Input {
                data: vec![b'{', 0xff, b'}'],
                source_hint: None,
                tag: None,
            },
        ])
        .expect("call");
    assert_eq!(outcomes.len(), 4);

    let events = outcomes[0].as_ref().expect("stop logging parses");
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.source, SourceKind::AwsCloudtrail);
    assert_eq!(
        event.fields.action.as_deref(),
        Some("cloudtrail:StopLogging")
    );
    assert_eq!(event.fields.outcome, Outcome::Success);
    let finding = &event.findings[0];
    assert_eq!(finding.rule_id, "aws.cloudtrail.stop_logging");
    assert_eq!(finding.technique_id, "T1562.008");
    assert_eq!(finding.severity, Severity::High);
    assert!(finding.suppression.is_none());
    assert!(
        finding
            .response
            .iter()
            .any(|s| s.contains("aws cloudtrail start-logging --name arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail --region us-east-1")),
        "{:?}",
        finding.response
    );
    assert!(event.is_alert());

    let truncated = outcomes[1].as_ref().expect_err("truncated");
    assert_eq!(truncated.kind, ParseErrorKind::InvalidJson);
    let unknown = outcomes[2].as_ref().expect("unknown shapes pass through");
    assert_eq!(unknown[0].source, SourceKind::Unknown);
    assert!(unknown[0].findings.is_empty());
    let bad_utf8 = outcomes[3].as_ref().expect_err("invalid utf-8");
    assert_eq!(bad_utf8.kind, ParseErrorKind::InvalidUtf8);
}

#[test]
fn configure_rejects_bad_documents_with_a_path_and_keeps_the_old_config() {
    let mut detector = common::plugin().instantiate().expect("instance");
    let err = detector
        .configure(r#"{"rules":{"aws.cloudtrail.stop_logging":{"severity":"urgent"}}}"#)
        .expect("call")
        .expect_err("bad severity");
    assert_eq!(err.path, "rules.aws.cloudtrail.stop_logging.severity");
    assert!(err.message.contains("urgent"), "{}", err.message);

    detector
        .configure(r#"{"rules":{"aws.cloudtrail.stop_logging":{"enabled":false}}}"#)
        .expect("call")
        .expect("valid");
    let rules = detector.rules().expect("rules");
    let stop = rules
        .iter()
        .find(|r| r.id == "aws.cloudtrail.stop_logging")
        .expect("listed");
    assert!(!stop.enabled);
    let outcomes = detector.process(vec![input(STOP_LOGGING)]).expect("call");
    assert!(outcomes[0].as_ref().expect("ok")[0].findings.is_empty());
}

#[test]
fn suppressed_findings_are_kept_with_their_reason_and_severity() {
    let mut detector = common::plugin().instantiate().expect("instance");
    detector
        .configure(
            r#"{"suppressions":[{"name":"platform-break-glass","reason":"platform team drill CHG-1042",
                "rules":["aws.cloudtrail.*"],"principals":["arn:aws:sts::111122223333:assumed-role/platform-admin/*"]}]}"#,
        )
        .expect("call")
        .expect("valid");
    let outcomes = detector.process(vec![input(STOP_LOGGING)]).expect("call");
    let event = &outcomes[0].as_ref().expect("ok")[0];
    let finding = &event.findings[0];
    assert_eq!(
        finding.severity,
        Severity::High,
        "severity it would have had"
    );
    assert_eq!(
        finding.suppression.as_deref(),
        Some("suppression \"platform-break-glass\": platform team drill CHG-1042")
    );
    assert!(!event.is_alert());
}

#[test]
fn rules_describe_every_rule() {
    let mut detector = common::plugin().instantiate().expect("instance");
    let rules = detector.rules().expect("rules");
    assert!(rules.len() >= 18, "{}", rules.len());
    for rule in &rules {
        assert!(rule.technique_id.starts_with("T1"), "{}", rule.id);
        assert!(!rule.description.is_empty(), "{}", rule.id);
        assert!(!rule.sources.is_empty(), "{}", rule.id);
        assert!(rule.enabled, "{}", rule.id);
    }
}

#[test]
fn docs_rule_catalogue_is_generated_from_the_plugin() {
    let mut detector = common::plugin().instantiate().expect("instance");
    let rules = detector.rules().expect("rules");
    let generated = blindspot_host::runtime::catalogue::markdown(&rules);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: regenerate it with `cargo run -- rules --markdown > docs/rules.md`"
    );
}
