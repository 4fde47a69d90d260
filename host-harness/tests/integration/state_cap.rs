//! Issue #5: a stream far larger than the correlation caps keeps the plugin's state bounded, and the
//! findings of the recent window stay correct.
//!
//! The stream is generated (never committed): realistic CloudTrail `StopLogging` and `DeleteFlowLogs`
//! calls, one per second of event time, from 50,000 distinct assumed-role sessions that each repeat
//! one change (one move each, so none of them may escalate), and near the end a real three-move
//! sequence by one session. The caps are tiny (50 principals, 200 history keys, 50 instances, 50
//! hosts), so every table fills and evicts thousands of times before the sequence starts.

use crate::common;

use std::collections::BTreeSet;

use blindspot_host::runtime::detector::{Detector, Input, NativeDetector};
use blindspot_plugin::model::{EnrichedEvent, SourceKind, StateStats};

const ACCOUNT: &str = "111122223333";
const CONFIG: &str = r#"{"correlation":{"max_principals":50,"max_history":200,"max_instances":50},
                         "network":{"max_hosts":50}}"#;
/// Every table the correlator keeps, at its cap: sequences (`max_principals`), history rules and
/// networks (`max_history` each), instance cycles (`max_instances`), network hosts (`max_hosts`).
const STATE_BOUND: u64 = 50 + 2 * 200 + 50 + 50;
const BATCH: usize = 1_000;
const CHECKPOINT: usize = 10_000;
const ATTACKER: &str = "arn:aws:sts::111122223333:assumed-role/platform-admin/incident-7f3a";

/// Seconds after 2026-11-27T00:00:00Z as CloudTrail writes `eventTime`.
fn event_time(offset: usize) -> String {
    let (days, rest) = (offset / 86_400, offset % 86_400);
    assert!(days < 4, "the generated stream stays inside November");
    format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}Z",
        27 + days,
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// A fresh, well-formed event id (CloudTrail's are UUIDs) for the n-th event.
fn event_id(n: usize) -> String {
    format!(
        "5e1b7c2d-{:04x}-4a{:02x}-9b3c-{:012x}",
        n >> 16 & 0xffff,
        n & 0xff,
        n
    )
}

/// One move: the two calls alternate by session so both rule paths stay exercised.
#[derive(Clone, Copy)]
enum Call {
    StopLogging,
    DeleteFlowLogs,
}

impl Call {
    fn rule(self) -> &'static str {
        match self {
            Call::StopLogging => "aws.cloudtrail.stop_logging",
            Call::DeleteFlowLogs => "aws.ec2.flow_logs_deleted",
        }
    }
}

fn cloudtrail(
    call: Call,
    role: &str,
    session: &str,
    target: &str,
    n: usize,
    time: &str,
) -> Vec<u8> {
    let arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}");
    let (source, name, request, host, cli) = match call {
        Call::StopLogging => (
            "cloudtrail.amazonaws.com",
            "StopLogging",
            format!(r#"{{"name":"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{target}"}}"#),
            "cloudtrail",
            "cloudtrail.stop-logging",
        ),
        Call::DeleteFlowLogs => (
            "ec2.amazonaws.com",
            "DeleteFlowLogs",
            format!(
                r#"{{"DeleteFlowLogsRequest":{{"FlowLogId":{{"tag":1,"content":"{target}"}}}}}}"#
            ),
            "ec2",
            "ec2.delete-flow-logs",
        ),
    };
    let id = event_id(n);
    format!(
        r#"{{"eventVersion":"1.11","userIdentity":{{"type":"AssumedRole","principalId":"AROAQ3EGXWZ7MT9RB6N4A:{session}","arn":"{arn}","accountId":"{ACCOUNT}","accessKeyId":"ASIAQ3EGXWZ7CV8LN2YE","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAQ3EGXWZ7MT9RB6N4A","arn":"arn:aws:iam::{ACCOUNT}:role/{role}","accountId":"{ACCOUNT}","userName":"{role}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":"{time}","mfaAuthenticated":"false"}}}}}},"eventTime":"{time}","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.{octet}","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/{cli}","requestParameters":{request},"responseElements":null,"requestID":"{id}","eventID":"{id}","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{ACCOUNT}","eventCategory":"Management","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{host}.us-east-1.amazonaws.com"}}}}"#,
        octet = n % 250 + 1,
    )
    .into_bytes()
}

/// The n-th event of a stream of `total`, its rule, and whether it is one of the attacker's moves.
/// The attacker's moves sit 10 events apart near the end: fewer than `max_principals` other sessions
/// act in between, so the open sequence is never the least recently active one.
fn nth(n: usize, total: usize, principals: usize) -> (Vec<u8>, Call, bool) {
    let time = event_time(n);
    let attacker = [
        (total - 30, Call::StopLogging, "org-trail"),
        (total - 20, Call::DeleteFlowLogs, "fl-0a1b2c3d4e5f67890"),
        (total - 10, Call::StopLogging, "security-audit-trail"),
    ];
    if let Some((_, call, target)) = attacker.iter().find(|(at, _, _)| *at == n) {
        let session = ATTACKER.rsplit('/').next().unwrap_or_default();
        return (
            cloudtrail(*call, "platform-admin", session, target, n, &time),
            *call,
            true,
        );
    }
    // Session s repeats every `principals` seconds (far beyond the 30-minute window) with the same
    // change on the same target: one distinct move per window, never a sequence.
    let s = n % principals;
    let session = format!("build-{s:05}");
    let (call, target) = if s.is_multiple_of(2) {
        (Call::StopLogging, format!("app-trail-{s:05}"))
    } else {
        (Call::DeleteFlowLogs, format!("fl-{s:017x}"))
    };
    (
        cloudtrail(call, "ci-runner", &session, &target, n, &time),
        call,
        false,
    )
}

struct Run {
    events: usize,
    attacker_ids: Vec<String>,
    correlations: Vec<EnrichedEvent>,
    checkpoints: Vec<StateStats>,
    end: StateStats,
}

fn replay(detector: &mut dyn Detector, total: usize, principals: usize) -> Run {
    detector
        .configure(CONFIG)
        .expect("configure call")
        .expect("the configuration is valid");
    let mut run = Run {
        events: 0,
        attacker_ids: Vec::new(),
        correlations: Vec::new(),
        checkpoints: Vec::new(),
        end: StateStats::default(),
    };
    let mut n = 0;
    while n < total {
        let upto = (n + BATCH).min(total);
        let mut expected = Vec::with_capacity(upto - n);
        let batch: Vec<Input> = (n..upto)
            .map(|i| {
                let (data, call, attacker) = nth(i, total, principals);
                expected.push((i, call, attacker));
                Input {
                    data,
                    source_hint: Some(SourceKind::AwsCloudtrail),
                    tag: None,
                }
            })
            .collect();
        let outcomes = detector.process(batch).expect("process");
        assert_eq!(outcomes.len(), upto - n, "one outcome per input");
        for (outcome, (i, call, attacker)) in outcomes.iter().zip(expected) {
            let events = outcome
                .as_ref()
                .unwrap_or_else(|e| panic!("event {i} failed: {}", e.message));
            assert_eq!(events.len(), 1, "event {i}: one event per input");
            let event = &events[0];
            let rules: Vec<&str> = event.findings.iter().map(|f| f.rule_id.as_str()).collect();
            assert_eq!(
                rules,
                [call.rule()],
                "event {i}: its own finding, and only that"
            );
            assert!(event.is_alert(), "event {i} alerts on its own");
            assert_eq!(event.fields.event_id.as_deref(), Some(event_id(i).as_str()));
            if attacker {
                run.attacker_ids.push(event_id(i));
            }
            run.events += 1;
        }
        run.correlations.extend(detector.drain().expect("drain"));
        n = upto;
        if n.is_multiple_of(CHECKPOINT) || n == total {
            let stats = detector.stats().expect("stats");
            assert!(
                stats.tracked <= STATE_BOUND,
                "after {n} events: {} state entries tracked, the caps allow {STATE_BOUND}",
                stats.tracked
            );
            run.checkpoints.push(stats);
        }
    }
    run.correlations.extend(detector.flush().expect("flush"));
    // After the flush, so the counters include what closing the last windows emitted.
    run.end = detector.stats().expect("stats");
    run
}

fn check(run: &Run, total: usize, principals: usize) {
    let peak = run.checkpoints.iter().map(|s| s.tracked).max().unwrap_or(0);
    eprintln!(
        "{total} events, {principals} principals: peak tracked {peak} (bound {STATE_BOUND}), end {:?}",
        run.end
    );
    assert_eq!(run.events, total, "every input became exactly one event");
    assert_eq!(run.checkpoints.len(), total.div_ceil(CHECKPOINT));
    assert!(
        run.end.evicted >= (principals - 50) as u64,
        "{principals} sessions through tables of 50 to 200 entries must evict: {:?}",
        run.end
    );
    let evicted: Vec<u64> = run.checkpoints.iter().map(|s| s.evicted).collect();
    assert!(
        evicted.windows(2).all(|w| w[0] <= w[1]),
        "eviction counter is monotonic: {evicted:?}"
    );

    // Exactly one escalation: the attacker's, with its three moves, emitted because its window
    // ended (stream end), not early because of the caps.
    assert_eq!(run.attacker_ids.len(), 3);
    let sequences: Vec<&EnrichedEvent> = run
        .correlations
        .iter()
        .filter(|e| {
            e.findings
                .iter()
                .any(|f| f.rule_id == "sequence.monitoring_evasion")
        })
        .collect();
    assert_eq!(
        run.correlations.len(),
        1,
        "one correlation in the whole stream; got principals {:?}",
        run.correlations
            .iter()
            .map(|e| e.fields.principal.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(sequences.len(), 1, "the one correlation is the sequence");
    let sequence = sequences[0];
    assert_eq!(sequence.fields.principal.as_deref(), Some(ATTACKER));
    let finding = &sequence.findings[0];
    let related: BTreeSet<&str> = finding.related_events.iter().map(String::as_str).collect();
    let moves: BTreeSet<&str> = run.attacker_ids.iter().map(String::as_str).collect();
    assert_eq!(
        related, moves,
        "the sequence lists exactly the attacker's three moves"
    );
    assert!(
        finding
            .reasons
            .iter()
            .any(|r| r.contains("made 3 distinct")),
        "{:?}",
        finding.reasons
    );
    assert!(
        !finding
            .reasons
            .iter()
            .any(|r| r.contains("emitted before its window closed")),
        "the recent sequence was not cut short by the caps: {:?}",
        finding.reasons
    );
    assert_eq!(run.end.emitted, 1, "stats count the one correlation");
    assert_eq!(
        run.end.late_events, 0,
        "the generated stream is in time order"
    );
}

#[test]
fn native_engine_stays_bounded_over_200k_events_from_50k_principals() {
    let (total, principals) = (200_000, 50_000);
    let run = replay(&mut NativeDetector::default(), total, principals);
    check(&run, total, principals);
}

#[test]
fn wasm_component_stays_bounded_over_a_stream_far_beyond_its_caps() {
    // Smaller than the native run to keep the test quick, still 100x the principal cap.
    let (total, principals) = (20_000, 5_000);
    let mut detector = common::plugin().instantiate().expect("instance");
    let run = replay(&mut detector, total, principals);
    check(&run, total, principals);
}
