use super::*;
use crate::config::network::{DEFAULT_COLLECTORS, NetworkDocument, validate};
use crate::sources::flow_log::{Formats, decode_text};
use crate::sources::{self, json::Object};

// 2026-11-27T10:00:00Z
const T0: i64 = 1_795_773_600;

const REVOKE_EGRESS: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA4EXAMPLEID7QX3Y:mallory","arn":"arn:aws:sts::111122223333:assumed-role/platform-admin/mallory","accountId":"111122223333","accessKeyId":"ASIA4EXAMPLEKEY2ZQ7","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA4EXAMPLEID7QX3Y","arn":"arn:aws:iam::111122223333:role/platform-admin","accountId":"111122223333","userName":"platform-admin"},"attributes":{"creationDate":"2026-11-27T09:41:07Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-27T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"RevokeSecurityGroupEgress","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.24","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1020-aws exe/x86_64.ubuntu.22 prompt/off command/ec2.revoke-security-group-egress","requestParameters":{"groupId":"sg-0a1b2c3d4e5f60718","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":9997,"toPort":9997,"groups":{},"ipRanges":{"items":[{"cidrIp":"10.0.9.0/24"}]},"ipv6Ranges":{},"prefixListIds":{}}]}},"responseElements":{"requestId":"5c1e2f7a-8b9c-4d0e-a1f2-3b4c5d6e7f80","_return":true},"requestID":"5c1e2f7a-8b9c-4d0e-a1f2-3b4c5d6e7f80","eventID":"d3f1a2b4-5c6d-4e7f-8091-a2b3c4d5e6f7","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

fn line(offset_min: i64, src: &str, dst: &str, port: u16, action: &str) -> String {
    let start = T0 + offset_min * 60;
    format!(
        "2 111122223333 eni-0f1e2d3c4b5a69788 {src} {dst} 41822 {port} 6 12 5120 {start} {} {action} OK",
        start + 60
    )
}

struct Run {
    watch: NetworkWatch,
    config: Config,
    formats: Formats,
}

impl Run {
    fn new(settings: NetworkSettings) -> Run {
        Run {
            watch: NetworkWatch::new(&settings),
            config: Config::default(),
            formats: Formats::default(),
        }
    }

    fn feed(&mut self, mut decoded: Decoded<'_>) -> EnrichedEvent {
        // As the engine does: the fields move to the event before correlation sees it.
        let mut event = EnrichedEvent {
            source: decoded.source,
            envelope_index: 0,
            raw: None,
            fields: std::mem::take(&mut decoded.fields),
            findings: Vec::new(),
            shape_note: None,
        };
        self.watch.observe(&decoded, &mut event, &self.config);
        event
    }

    fn text(&mut self, text: &str) -> EnrichedEvent {
        let decoded = decode_text(text, &mut self.formats, None);
        self.feed(decoded)
    }

    fn json(&mut self, text: &str) -> EnrichedEvent {
        let object = Object::parse(text).expect("json");
        let decoded = sources::decode(&object, None);
        self.feed(decoded)
    }

    fn advance(&mut self, minutes: i64) -> Vec<EnrichedEvent> {
        let mut out = Vec::new();
        self.watch
            .advance((T0 + minutes * 60) * 1_000_000, &self.config, &mut out);
        out
    }
}

fn rules(event: &EnrichedEvent) -> Vec<&str> {
    event.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn rejection_right_after_a_change_is_a_finding_once() {
    let mut run = Run::new(NetworkSettings::default());
    assert!(rules(&run.text(&line(-5, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"))).is_empty());
    let change = run.json(REVOKE_EGRESS);
    assert!(change.findings.is_empty());
    let rejected = run.text(&line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT"));
    assert_eq!(
        rules(&rejected),
        vec!["network.collector_rejected_after_change"]
    );
    let finding = &rejected.findings[0];
    assert_eq!(
        finding.related_events[0],
        "d3f1a2b4-5c6d-4e7f-8091-a2b3c4d5e6f7"
    );
    assert!(finding.related_events[1].starts_with("flow:eni-0f1e2d3c4b5a69788:10.0.1.15"));
    assert!(finding.reasons.iter().any(|r| r.contains("splunk-s2s")));
    assert!(
        finding
            .response
            .iter()
            .any(|r| r.contains("authorize-security-group-egress --group-id sg-0a1b2c3d4e5f60718")),
        "{:?}",
        finding.response
    );
    assert!(finding.response[0].contains("platform-admin/mallory"));
    // The next minute's rejection of the same host is the same story: no second finding.
    assert!(rules(&run.text(&line(2, "10.0.1.15", "10.0.9.20", 9997, "REJECT"))).is_empty());
    // Another host blocked by the same change is its own finding.
    assert_eq!(
        rules(&run.text(&line(2, "10.0.1.16", "10.0.9.20", 9997, "REJECT"))).len(),
        1
    );
    // Past the window: nothing.
    assert!(rules(&run.text(&line(45, "10.0.1.17", "10.0.9.20", 9997, "REJECT"))).is_empty());
}

#[test]
fn rejections_without_a_change_or_to_other_ports_are_not_findings() {
    let mut run = Run::new(NetworkSettings::default());
    assert!(rules(&run.text(&line(1, "198.51.100.7", "10.0.9.20", 9997, "REJECT"))).is_empty());
    run.json(REVOKE_EGRESS);
    // Not a collector port (SSH).
    assert!(rules(&run.text(&line(1, "10.0.1.15", "10.0.9.20", 22, "REJECT"))).is_empty());
    // Another account's flow.
    let other =
        line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT").replace("111122223333", "444455556666");
    assert!(rules(&run.text(&other)).is_empty());
    // An internet scanner knocking on the collector port after the change is not an agent.
    assert!(rules(&run.text(&line(2, "198.51.100.23", "10.0.9.20", 9997, "REJECT"))).is_empty());
    // A rejection that ended before the change.
    assert!(rules(&run.text(&line(-3, "10.0.1.18", "10.0.9.20", 9997, "REJECT"))).is_empty());
}

#[test]
fn configured_collectors_replace_the_default_ports() {
    let doc: NetworkDocument = serde_json::from_str(
        r#"{"collectors":[{"name":"siem","cidrs":["10.0.9.0/24"],"ports":[6514]}]}"#,
    )
    .expect("doc");
    let mut run = Run::new(validate(doc).expect("valid"));
    run.json(REVOKE_EGRESS);
    assert!(rules(&run.text(&line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT"))).is_empty());
    assert!(rules(&run.text(&line(1, "10.0.1.15", "10.0.8.20", 6514, "REJECT"))).is_empty());
    let hit = run.text(&line(1, "10.0.1.15", "10.0.9.20", 6514, "REJECT"));
    assert!(hit.findings[0].reasons[0].contains("collector siem"));
}

#[test]
fn silence_after_a_change_is_emitted_once_the_gap_has_passed() {
    let mut run = Run::new(NetworkSettings::default());
    for minute in [-12, -8, -4, -1] {
        run.text(&line(minute, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
        run.text(&line(minute, "10.0.1.30", "10.0.9.20", 9997, "ACCEPT"));
    }
    run.json(REVOKE_EGRESS);
    // 10.0.1.30 keeps reporting; 10.0.1.15 does not. NODATA records are not traffic.
    for minute in [2, 6, 10] {
        run.text(&line(minute, "10.0.1.30", "10.0.9.20", 9997, "ACCEPT"));
        run.text(&format!(
            "2 111122223333 eni-0f1e2d3c4b5a69788 - - - - - - - {} {} - NODATA",
            T0 + minute * 60,
            T0 + minute * 60 + 60
        ));
    }
    assert!(run.advance(14).is_empty(), "the gap has not passed yet");
    let out = run.advance(16);
    assert_eq!(out.len(), 1, "{out:?}");
    let silence = &out[0];
    assert_eq!(
        rules(silence),
        vec!["network.collector_silence_after_change"]
    );
    assert_eq!(silence.source, SourceKind::FlowLog);
    assert_eq!(silence.fields.source_ip.as_deref(), Some("10.0.1.15"));
    assert_eq!(
        silence.fields.principal.as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/platform-admin/mallory")
    );
    assert_eq!(
        silence.fields.target.as_deref(),
        Some("10.0.1.15 (eni-0f1e2d3c4b5a69788) → splunk-s2s (10.0.9.20:9997/tcp)")
    );
    assert_eq!(silence.fields.account.as_deref(), Some("111122223333"));
    assert_eq!(
        silence.fields.action.as_deref(),
        Some("blindspot.network_silence")
    );
    assert_eq!(silence.fields.event_time, Some((T0 + 15 * 60) * 1_000_000));
    assert_eq!(
        silence.fields.event_id.as_deref(),
        Some("blindspot:network_silence:111122223333:10.0.1.15:1795773600")
    );
    assert_eq!(
        silence.findings[0].related_events,
        vec![
            "d3f1a2b4-5c6d-4e7f-8091-a2b3c4d5e6f7".to_owned(),
            format!(
                "flow:eni-0f1e2d3c4b5a69788:10.0.1.15:41822>10.0.9.20:9997/6@{}",
                T0 - 60
            )
        ]
    );
    // Judged once.
    assert!(run.advance(60).is_empty());
    assert_eq!(run.watch.emitted(), 1);
}

#[test]
fn no_silence_without_a_change_and_close_needs_the_gap_to_have_elapsed() {
    let mut run = Run::new(NetworkSettings::default());
    run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
    // Silent for an hour, but nothing changed.
    assert!(run.advance(60).is_empty());

    let mut run = Run::new(NetworkSettings::default());
    run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
    run.json(REVOKE_EGRESS);
    let mut out = Vec::new();
    // The stream ends 5 minutes after the change: not enough evidence.
    run.watch
        .close((T0 + 5 * 60) * 1_000_000, &run.config, &mut out);
    assert!(out.is_empty());

    let mut run = Run::new(NetworkSettings::default());
    run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
    run.json(REVOKE_EGRESS);
    let mut out = Vec::new();
    run.watch
        .close((T0 + 20 * 60) * 1_000_000, &run.config, &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn out_of_order_flows_within_the_tolerance_are_joined() {
    let mut run = Run::new(NetworkSettings::default());
    // The change arrives before the host's last pre-change flow (shippers batch per source).
    run.json(REVOKE_EGRESS);
    run.text(&line(-3, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
    // A host whose post-change flow arrives ahead of its pre-change one is reporting fine.
    run.text(&line(3, "10.0.1.30", "10.0.9.20", 9997, "ACCEPT"));
    run.text(&line(-3, "10.0.1.30", "10.0.9.20", 9997, "ACCEPT"));
    let out = run.advance(16);
    let hosts: Vec<_> = out
        .iter()
        .map(|e| e.fields.source_ip.clone().unwrap_or_default())
        .collect();
    assert_eq!(hosts, vec!["10.0.1.15".to_owned()]);
}

#[test]
fn a_second_change_rearms_a_host_that_answered_the_first() {
    let mut run = Run::new(NetworkSettings::default());
    run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
    run.json(REVOKE_EGRESS);
    run.text(&line(3, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
    // A second change before the first one's gap is judged; the host stops after it.
    let second = REVOKE_EGRESS
        .replace("2026-11-27T10:00:00Z", "2026-11-27T10:05:00Z")
        .replace("d3f1a2b4-5c6d", "e4f1a2b4-5c6d");
    run.json(&second);
    assert!(run.advance(16).is_empty(), "the first change was answered");
    let out = run.advance(21);
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].findings[0].related_events[0],
        "e4f1a2b4-5c6d-4e7f-8091-a2b3c4d5e6f7"
    );
}

#[test]
fn a_change_arriving_after_the_rejection_it_explains_is_joined() {
    let mut run = Run::new(NetworkSettings::default());
    // The flow-log shipper is ahead of the CloudTrail one.
    let rejected = run.text(&line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT"));
    assert!(rejected.findings.is_empty());
    assert!(run.advance(-3).is_empty());
    run.json(REVOKE_EGRESS);
    let out = run.advance(-2);
    assert_eq!(out.len(), 1);
    assert_eq!(
        rules(&out[0]),
        vec!["network.collector_rejected_after_change"]
    );
    assert_eq!(out[0].fields.source_ip.as_deref(), Some("10.0.1.15"));
    assert_eq!(out[0].fields.action.as_deref(), Some("flow.reject"));
    // Once event time has passed an unexplained rejection, a later change no longer claims it.
    let mut run = Run::new(NetworkSettings::default());
    run.text(&line(-20, "10.0.1.15", "10.0.9.20", 9997, "REJECT"));
    assert!(run.advance(-5).is_empty());
    run.json(REVOKE_EGRESS);
    assert!(run.advance(0).is_empty());
}

#[test]
fn extreme_times_do_not_overflow() {
    let mut run = Run::new(NetworkSettings::default());
    let ancient = REVOKE_EGRESS.replace("2026-11-27T10:00:00Z", "0001-01-01T00:00:00Z");
    run.json(&ancient);
    let far = "2 111122223333 eni-0f1e2d3c4b5a69788 10.0.1.15 10.0.9.20 41822 9997 6 2 120 9223372036000 9223372036000 REJECT OK";
    run.text(far);
    run.text(&far.replace("REJECT", "ACCEPT"));
    run.json(REVOKE_EGRESS);
    let mut out = Vec::new();
    run.watch.advance(i64::MAX, &run.config, &mut out);
    run.watch.close(i64::MAX, &run.config, &mut out);
    run.watch.advance(i64::MIN, &run.config, &mut out);
}

#[test]
fn traffic_resuming_within_the_gap_clears_the_host() {
    let mut run = Run::new(NetworkSettings::default());
    run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
    run.json(REVOKE_EGRESS);
    run.text(&line(9, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
    assert!(run.advance(30).is_empty());
}

#[test]
fn state_is_capped_and_evictions_are_counted() {
    let doc = NetworkDocument {
        max_hosts: 100,
        ..NetworkDocument::default()
    };
    let mut run = Run::new(validate(doc).expect("valid"));
    for i in 0..1000u32 {
        let src = format!("10.1.{}.{}", i / 250, i % 250);
        run.text(&line(-2, &src, "10.0.9.20", 9997, "ACCEPT"));
    }
    assert_eq!(run.watch.tracked(), 100);
    assert_eq!(run.watch.evictions(), 900);
    // The hosts still tracked are judged; the evicted ones are gone without a trace.
    run.json(REVOKE_EGRESS);
    assert_eq!(run.advance(16).len(), 100);
}

#[test]
fn other_clouds_changes_are_learned() {
    let gcp = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},"authenticationInfo":{"principalEmail":"mallory@acme.example"},"requestMetadata":{"callerIp":"203.0.113.24","callerSuppliedUserAgent":"google-cloud-sdk gcloud/474.0.0 command/gcloud.compute.firewall-rules.create"},"serviceName":"compute.googleapis.com","methodName":"v1.compute.firewalls.insert","resourceName":"projects/acme-prod-4821/global/firewalls/deny-siem-egress","request":{"@type":"type.googleapis.com/compute.firewalls.insert","name":"deny-siem-egress","direction":"EGRESS","priority":"100","denieds":[{"IPProtocol":"tcp","ports":["9997"]}],"destinationRanges":["10.128.0.40/32"]}},"insertId":"-x1y2z3a4b5c","resource":{"type":"gce_firewall_rule","labels":{"project_id":"acme-prod-4821","firewall_rule_id":"4821000000000000001"}},"timestamp":"2026-11-27T10:00:00Z","severity":"NOTICE","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity","operation":{"id":"operation-1795744800000-abc","producer":"compute.googleapis.com","last":true}}"#;
    let denied = r#"{"insertId":"fw1","jsonPayload":{"connection":{"dest_ip":"10.128.0.40","dest_port":9997,"protocol":6,"src_ip":"10.128.0.12","src_port":51560},"disposition":"DENIED","instance":{"project_id":"acme-prod-4821","region":"europe-west1","vm_name":"web-1","zone":"europe-west1-b"},"rule_details":{"action":"DENY","direction":"EGRESS","priority":100,"reference":"network:default/firewall:deny-siem-egress"},"vpc":{"project_id":"acme-prod-4821","subnetwork_name":"default","vpc_name":"default"}},"logName":"projects/acme-prod-4821/logs/compute.googleapis.com%2Ffirewall","resource":{"labels":{"project_id":"acme-prod-4821"},"type":"gce_subnetwork"},"timestamp":"2026-11-27T10:02:04Z"}"#;
    let mut run = Run::new(NetworkSettings::default());
    run.json(gcp);
    let hit = run.json(denied);
    assert_eq!(rules(&hit), vec!["network.collector_rejected_after_change"]);
    assert!(
        hit.findings[0].reasons[0]
            .contains("firewall rule network:default/firewall:deny-siem-egress")
    );
    assert!(hit.findings[0].response.iter().any(|r| r.contains(
        "gcloud compute firewall-rules describe deny-siem-egress --project acme-prod-4821"
    )));
}

#[test]
fn a_network_policy_change_applies_to_every_account_and_failed_or_widening_changes_to_none() {
    let policy = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"7c1f0e2d-3b4a-4c5d-8e6f-a0b1c2d3e4f5","stage":"ResponseComplete","requestURI":"/apis/networking.k8s.io/v1/namespaces/logging/networkpolicies","verb":"create","user":{"username":"mallory@example.com","groups":["system:authenticated"]},"sourceIPs":["203.0.113.7"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{"resource":"networkpolicies","namespace":"logging","name":"deny-egress","apiGroup":"networking.k8s.io","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"NetworkPolicy","apiVersion":"networking.k8s.io/v1","metadata":{"name":"deny-egress","namespace":"logging"},"spec":{"podSelector":{},"policyTypes":["Egress"]}},"requestReceivedTimestamp":"2026-11-27T10:00:00.000000Z","stageTimestamp":"2026-11-27T10:00:00.018000Z"}"#;
    let mut run = Run::new(NetworkSettings::default());
    run.json(policy);
    let other =
        line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT").replace("111122223333", "444455556666");
    let hit = run.text(&other);
    assert_eq!(rules(&hit), vec!["network.collector_rejected_after_change"]);
    assert!(hit.findings[0].response[0].contains("mallory@example.com"));

    let mut run = Run::new(NetworkSettings::default());
    let failed = REVOKE_EGRESS.replace(
        r#""responseElements":{"#,
        r#""errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized to perform this operation.","responseElements":{"#,
    );
    run.json(&failed);
    let widening =
        REVOKE_EGRESS.replace("RevokeSecurityGroupEgress", "AuthorizeSecurityGroupEgress");
    run.json(&widening);
    assert!(rules(&run.text(&line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT"))).is_empty());
}

#[test]
fn settings_are_validated_with_paths() {
    let parse = |text: &str| {
        serde_json::from_str::<NetworkDocument>(text)
            .map_err(|e| e.to_string())
            .and_then(|d| validate(d).map_err(|e| e.to_string()))
    };
    assert_eq!(
        parse(r#"{"collectors":[{"name":"a","cidrs":["10.0.0.0/8","10.0.0.300"]}]}"#).err(),
        Some(
            "network.collectors[0].cidrs[1]: \"10.0.0.300\" is not an IP address or CIDR range"
                .into()
        )
    );
    assert!(parse(r#"{"collectors":[{"name":"a"}]}"#).is_err());
    assert!(
        parse(r#"{"silence_gap_minutes":0}"#)
            .err()
            .is_some_and(|e| e.starts_with("network.silence_gap_minutes"))
    );
    assert!(
        parse(r#"{"colectors":[]}"#).is_err(),
        "unknown keys are refused"
    );
    let defaults = parse("{}").expect("defaults");
    assert_eq!(defaults.collectors.len(), DEFAULT_COLLECTORS.len());
    assert_eq!(defaults.silence_gap, 15 * MINUTE);
    assert_eq!(defaults, NetworkSettings::default());
}
