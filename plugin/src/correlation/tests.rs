//! The correlation engine end to end through `Engine`, on CloudTrail records shaped as AWS writes them.

use crate::Engine;
use crate::model::{EnrichedEvent, RawEvent};

const MINUTE: i64 = 60;

// Test-data builder: every argument is a field of the record.
#[allow(clippy::too_many_arguments)]
/// A CloudTrail management event by `session` (an assumed-role session of `role`), `minutes` after
/// 2026-11-27T10:00:00Z.
fn cloudtrail(
    id: &str,
    role: &str,
    session: &str,
    minutes: i64,
    source: &str,
    name: &str,
    params: &str,
    ip: &str,
) -> String {
    let seconds = 10 * 3600 + minutes * MINUTE;
    let time = format!(
        "2026-11-27T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    );
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","principalId":"AROAEXAMPLE:{session}","arn":"arn:aws:sts::111122223333:assumed-role/{role}/{session}","accountId":"111122223333","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111122223333:role/{role}","accountId":"111122223333","userName":"{role}"}}}}}},"eventTime":"{time}","eventSource":"{source}.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"{ip}","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0","requestParameters":{params},"responseElements":null,"eventID":"{id}","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333"}}"#
    )
}

fn stop_logging(id: &str, session: &str, minutes: i64, trail: &str) -> String {
    cloudtrail(
        id,
        "platform-admin",
        session,
        minutes,
        "cloudtrail",
        "StopLogging",
        &format!(r#"{{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/{trail}"}}"#),
        "203.0.113.7",
    )
}

fn delete_flow_logs(id: &str, session: &str, minutes: i64, flow_log: &str) -> String {
    cloudtrail(
        id,
        "platform-admin",
        session,
        minutes,
        "ec2",
        "DeleteFlowLogs",
        &format!(
            r#"{{"DeleteFlowLogsRequest":{{"FlowLogId":{{"tag":1,"content":"{flow_log}"}}}}}}"#
        ),
        "203.0.113.7",
    )
}

fn describe(id: &str, session: &str, minutes: i64) -> String {
    cloudtrail(
        id,
        "platform-admin",
        session,
        minutes,
        "ec2",
        "DescribeInstances",
        "{}",
        "10.0.0.5",
    )
}

fn run(engine: &mut Engine, lines: &[String]) -> Vec<EnrichedEvent> {
    let mut events = Vec::new();
    for line in lines {
        let outcome = engine.process_one(&RawEvent {
            data: line.as_bytes(),
            source_hint: None,
            tag: None,
        });
        events.extend(outcome.expect("a valid CloudTrail record"));
    }
    events
}

fn sequences(events: &[EnrichedEvent]) -> Vec<&EnrichedEvent> {
    events
        .iter()
        .filter(|e| {
            e.findings
                .iter()
                .any(|f| f.rule_id == "sequence.monitoring_evasion")
        })
        .collect()
}

#[test]
fn one_escalation_per_window_listing_every_move() {
    let mut engine = Engine::new();
    let lines = vec![
        stop_logging("e1", "mallory", 0, "org-trail"),
        delete_flow_logs("e2", "mallory", 4, "fl-0a1b2c3d4e5f67890"),
        // The same change delivered twice counts once.
        delete_flow_logs("e2b", "mallory", 5, "fl-0a1b2c3d4e5f67890"),
        stop_logging("e3", "mallory", 9, "security-trail"),
        // A second principal with a single move: no escalation.
        stop_logging("e4", "bob", 10, "dev-trail"),
        // Event time moves on past the window (30 min) plus the tolerance (5 min).
        describe("e5", "ops", 50),
    ];
    let events = run(&mut engine, &lines);
    assert!(
        events
            .iter()
            .all(|e| sequences(std::slice::from_ref(e)).is_empty())
    );
    let drained = engine.drain();
    let found = sequences(&drained);
    assert_eq!(found.len(), 1, "{drained:#?}");
    let finding = &found[0].findings[0];
    assert_eq!(
        found[0].fields.principal.as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/platform-admin/mallory")
    );
    assert_eq!(finding.severity, crate::model::Severity::Critical);
    assert_eq!(finding.related_events, vec!["e1", "e2", "e3"]);
    assert!(finding.reasons[0].contains("3 distinct monitoring-evasion changes"));
    assert!(engine.drain().is_empty());
    assert!(sequences(&engine.flush()).is_empty());
    assert_eq!(engine.stats().emitted, 1);
}

#[test]
fn open_windows_close_at_flush_and_state_restarts() {
    let mut engine = Engine::new();
    run(
        &mut engine,
        &[
            stop_logging("f1", "mallory", 0, "org-trail"),
            delete_flow_logs("f2", "mallory", 2, "fl-1"),
        ],
    );
    assert!(engine.drain().is_empty(), "the window is still open");
    let flushed = engine.flush();
    assert_eq!(sequences(&flushed).len(), 1);
    // A new stream: the same principal's single move does not join the flushed window.
    run(
        &mut engine,
        &[stop_logging("f3", "mallory", 3, "org-trail")],
    );
    assert!(sequences(&engine.flush()).is_empty());
}

#[test]
fn suppressed_moves_do_not_count() {
    let mut engine = Engine::new();
    engine
        .configure(
            r#"{"suppressions":[{"name":"break-glass drill","reason":"quarterly drill","principals":["*/mallory"],"rules":["aws.ec2.*"]}]}"#,
        )
        .expect("config");
    let events = run(
        &mut engine,
        &[
            stop_logging("g1", "mallory", 0, "org-trail"),
            delete_flow_logs("g2", "mallory", 2, "fl-1"),
            describe("g3", "ops", 60),
        ],
    );
    assert!(events[1].findings[0].suppression.is_some());
    assert!(sequences(&engine.drain()).is_empty());
}

#[test]
fn at_the_cap_the_least_recent_sequence_is_emitted_early_not_lost() {
    let mut engine = Engine::new();
    engine
        .configure(r#"{"correlation":{"max_principals":2}}"#)
        .expect("config");
    run(
        &mut engine,
        &[
            stop_logging("h1", "alice", 0, "t1"),
            delete_flow_logs("h2", "alice", 1, "fl-1"),
            stop_logging("h3", "bob", 2, "t2"),
            stop_logging("h4", "carol", 3, "t3"),
        ],
    );
    let drained = engine.drain();
    let found = sequences(&drained);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].findings[0]
            .reasons
            .iter()
            .any(|r| r.contains("emitted before its window closed"))
    );
    assert_eq!(engine.stats().evicted, 1);
}

#[test]
fn stop_change_start_on_one_instance_is_one_finding_on_the_start() {
    let instance =
        r#"{"instancesSet":{"items":[{"instanceId":"i-0abc1234def567890"}]},"force":false}"#;
    let user_data = r#"{"instanceId":"i-0abc1234def567890","userData":"<sensitiveDataRemoved>"}"#;
    let event = |id: &str, minutes: i64, name: &str, params: &str| {
        cloudtrail(
            id,
            "OpsAdmin",
            "mallory",
            minutes,
            "ec2",
            name,
            params,
            "203.0.113.7",
        )
    };
    let mut engine = Engine::new();
    let events = run(
        &mut engine,
        &[
            event("i1", 0, "StopInstances", instance),
            event("i2", 1, "ModifyInstanceAttribute", user_data),
            event("i3", 2, "StartInstances", instance),
            // A second start of the same instance completes nothing new.
            event("i4", 3, "StartInstances", instance),
        ],
    );
    let tamper: Vec<String> = events
        .iter()
        .flat_map(|e| &e.findings)
        .filter(|f| f.rule_id == "sequence.instance_boot_tamper")
        .map(|f| f.related_events.join(","))
        .collect();
    assert_eq!(tamper, vec!["i1,i2,i3"]);

    // Stop and start without a change in between: nothing.
    let mut engine = Engine::new();
    let events = run(
        &mut engine,
        &[
            event("j1", 0, "StopInstances", instance),
            event("j2", 5, "StartInstances", instance),
        ],
    );
    assert!(events.iter().all(|e| e.findings.is_empty()));
}

#[test]
fn history_says_first_time_and_new_network() {
    let mut engine = Engine::new();
    let mut lines = vec![describe("k0", "mallory", 0)];
    for i in 1..=5 {
        lines.push(stop_logging(&format!("k{i}"), "mallory", i, "org-trail"));
    }
    let events = run(&mut engine, &lines);
    let reasons = |i: usize| events[i].findings[0].reasons.join(" | ");
    assert!(reasons(1).contains("first time"), "{}", reasons(1));
    // Earlier seen only from 10.0.0.0/24; the change comes from 203.0.113.0/24.
    assert!(reasons(1).contains("first time") && reasons(1).contains("203.0.113.0/24"));
    assert!(!reasons(2).contains("first time"));
    assert!(
        reasons(5).contains("possibly a routine job"),
        "{}",
        reasons(5)
    );
}

#[test]
fn near_misses_and_windows_and_tickets_decide_suppression() {
    let mut engine = Engine::new();
    engine
        .configure(
            r#"{
              "maintenance_windows":[{"name":"rebuild","start":"2026-11-27T10:00:00Z","end":"2026-11-27T10:30:00Z"}],
              "change_tickets":[{"name":"servicenow","pattern":"CHG[0-9]{7}","fields":["principal"]}],
              "trusted_networks":["10.0.0.0/8"],
              "suppressions":[
                {"name":"terraform","reason":"IaC pipeline","principals":["*/terraform-apply/*"],"source_ips":["10.20.0.0/16"]},
                {"name":"rebuild","reason":"VPC rebuild","rules":["aws.ec2.flow_logs_deleted"],"windows":["rebuild"],"principals":["*/platform-admin/*"]},
                {"name":"rollout","reason":"approved rollout","tickets":["servicenow"],"principals":["*/release/*"]}
              ]}"#,
        )
        .expect("config");
    let terraform = |id: &str, minutes: i64, ip: &str| {
        cloudtrail(
            id,
            "terraform-apply",
            "ci-8812",
            minutes,
            "cloudtrail",
            "StopLogging",
            r#"{"name":"org-trail"}"#,
            ip,
        )
    };
    let release = |id: &str, session: &str| {
        cloudtrail(
            id,
            "release",
            session,
            20,
            "cloudtrail",
            "StopLogging",
            r#"{"name":"org-trail"}"#,
            "10.1.2.3",
        )
    };
    let events = run(
        &mut engine,
        &[
            terraform("n1", 0, "10.20.4.5"),
            terraform("n2", 1, "198.51.100.23"),
            delete_flow_logs("n3", "ops", 10, "fl-1"),
            delete_flow_logs("n4", "ops", 45, "fl-2"),
            release("n5", "CHG0012345-rollout"),
            release("n6", "approved-rollout"),
        ],
    );
    let finding = |i: usize| &events[i].findings[0];
    assert!(
        finding(0)
            .suppression
            .as_deref()
            .is_some_and(|s| s.contains("IaC pipeline"))
    );
    assert!(finding(1).suppression.is_none());
    assert!(
        finding(1)
            .reasons
            .iter()
            .any(|r| r.contains("\"terraform\" nearly matched") && r.contains("198.51.100.23")),
        "{:?}",
        finding(1).reasons
    );
    assert!(
        finding(1)
            .reasons
            .iter()
            .any(|r| r.contains("outside the configured trusted networks"))
    );
    assert!(
        finding(2)
            .suppression
            .as_deref()
            .is_some_and(|s| s.contains("maintenance window"))
    );
    assert!(finding(3).suppression.is_none());
    assert!(
        finding(3)
            .reasons
            .iter()
            .any(|r| r.contains("outside its maintenance windows"))
    );
    assert!(
        finding(4)
            .suppression
            .as_deref()
            .is_some_and(|s| s.contains("CHG0012345"))
    );
    assert!(finding(5).suppression.is_none());
    assert!(
        finding(5)
            .reasons
            .iter()
            .any(|r| r.contains("no valid change-ticket id"))
    );
}

#[test]
fn break_glass_identities_raise_the_finding() {
    let mut engine = Engine::new();
    engine
        .configure(r#"{"break_glass_principals":["arn:aws:sts::*:assumed-role/break-glass/*"]}"#)
        .expect("config");
    let line = cloudtrail(
        "bg1",
        "break-glass",
        "oncall",
        0,
        "cloudtrail",
        "StopLogging",
        r#"{"name":"org-trail"}"#,
        "203.0.113.9",
    );
    let events = run(&mut engine, &[line, stop_logging("bg2", "mallory", 1, "t")]);
    assert_eq!(
        events[0].findings[0].severity,
        crate::model::Severity::Critical
    );
    assert!(
        events[0].findings[0]
            .reasons
            .iter()
            .any(|r| r.contains("break-glass"))
    );
    assert_eq!(events[1].findings[0].severity, crate::model::Severity::High);
    let err = Engine::new()
        .configure(r#"{"break_glass_principals":["*"]}"#)
        .expect_err("everyone");
    assert_eq!(err.path, "break_glass_principals[0]");
}
