//! The engine's fast path (`Engine::set_enrich(Enrich::Findings)`, gate in `interest`) must change
//! nothing a compact filter writes: on every recorded stream under `testdata/`, with the stream's
//! configuration when its directory has one, the Fluent Bit module's output for each record (the
//! record, its drained correlation events, `enrichment_json::render_into`), the flushed events and the
//! state counters are the same as with the engine reading every event in full.

use std::path::{Path, PathBuf};

use blindspot_plugin::engine::Engine;
use blindspot_plugin::enrichment_json::{self, Enrich};
use blindspot_plugin::model::RawEvent;

fn streams(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("testdata")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            streams(&path, out);
        } else if name.ends_with(".ndjson")
            || name.ends_with(".log")
            || (name.ends_with(".json")
                && !name.ends_with(".expected.json")
                && name != "blindspot.config.json")
        {
            out.push(path);
        }
    }
}

/// The inputs of a stream as the harness feeds them: a `.json` file is one document, anything else
/// one input per non-empty line.
fn inputs(path: &Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(path).expect("stream");
    if path.extension().is_some_and(|e| e == "json") {
        return vec![data];
    }
    data.split(|b| *b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Everything a compact filter writes for the stream, plus the engine's counters.
fn filtered(path: &Path, config: Option<&str>, enrich: Enrich) -> (Vec<Vec<u8>>, String) {
    let tag = path.to_string_lossy().into_owned();
    let (lines, end, _) = filter(&inputs(path), config, enrich, &tag);
    (lines, end)
}

/// What a compact filter writes for each input, the flushed events and counters, and for each input
/// whether its first event came back normalised (an event on the fast path does not).
fn filter(
    inputs: &[Vec<u8>],
    config: Option<&str>,
    enrich: Enrich,
    tag: &str,
) -> (Vec<Vec<u8>>, String, Vec<bool>) {
    let mut engine = Engine::new();
    if let Some(config) = config {
        engine
            .configure(config)
            .expect("the stream's configuration");
    }
    engine.set_enrich(enrich);
    let mut lines = Vec::new();
    let mut normalised = Vec::new();
    for input in inputs {
        let mut outcome = engine.process_one(&RawEvent {
            data: input,
            source_hint: None,
            tag: Some(tag),
        });
        if let Ok(events) = &mut outcome {
            normalised.push(events.first().is_some_and(|e| e.fields.action.is_some()));
            events.extend(engine.drain());
        }
        let mut line = Vec::new();
        enrichment_json::render_into(&mut line, Enrich::Findings, input, &outcome, None);
        lines.push(line);
    }
    let flushed = engine.flush();
    let end = format!(
        "{}\n{:?}",
        serde_json::to_string(&flushed).expect("flushed events"),
        engine.stats()
    );
    (lines, end, normalised)
}

/// Compares both modes on every stream, with each stream's configuration passed through `configure`
/// first; returns how many records were compared and how many findings they carried.
fn compare_every_stream(configure: &dyn Fn(Option<String>) -> Option<String>) -> (usize, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    let mut paths = Vec::new();
    streams(&root, &mut paths);
    assert!(paths.len() > 100, "{} streams", paths.len());
    let (mut records, mut findings) = (0, 0);
    for path in &paths {
        let config = configure(
            path.parent()
                .map(|d| d.join("blindspot.config.json"))
                .filter(|c| c.exists())
                .map(|c| std::fs::read_to_string(c).expect("config")),
        );
        let (full, full_end) = filtered(path, config.as_deref(), Enrich::All);
        let (fast, fast_end) = filtered(path, config.as_deref(), Enrich::Findings);
        assert_eq!(full.len(), fast.len(), "{}", path.display());
        for (i, (a, b)) in full.iter().zip(&fast).enumerate() {
            assert_eq!(
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b),
                "{} input {i}",
                path.display()
            );
            findings += String::from_utf8_lossy(a).matches("\"rule_id\"").count();
        }
        assert_eq!(full_end, fast_end, "{}", path.display());
        records += full.len();
    }
    (records, findings)
}

#[test]
fn the_fast_path_changes_no_compact_output_on_any_recorded_stream() {
    let (records, _) = compare_every_stream(&|config| config);
    assert!(records > 1000, "{records} records");
}

/// Rules a team might add that fire on events no built-in rule wants, so that only the Sigma index
/// can send them to the full path: one filed under an exact `eventName`, one under no exact value.
const TEAM_RULES: [&str; 2] = [
    "title: Trail configuration enumerated\nid: 3d0c4e1a-0000-4000-8000-00000000a001\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    selection:\n        eventName: DescribeTrails\n    condition: selection\nlevel: low\n",
    "title: Boto3 caller\nid: 3d0c4e1a-0000-4000-8000-00000000a002\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    selection:\n        userAgent|contains: Boto3\n    condition: selection\nlevel: low\n",
];

#[test]
fn with_sigma_rules_loaded_the_fast_path_still_changes_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/sigma");
    let mut rules: Vec<String> = TEAM_RULES.iter().map(|r| r.to_string()).collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/sigma")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{} rule files", files.len());
    rules.extend(
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("rule")),
    );
    let with_rules = |config: Option<String>| {
        let mut document: serde_json::Value =
            serde_json::from_str(config.as_deref().unwrap_or("{}")).expect("configuration");
        document["sigma"] = serde_json::json!({ "rules": rules });
        Some(document.to_string())
    };
    let (records, with) = compare_every_stream(&with_rules);
    let (_, without) = compare_every_stream(&|config| config);
    assert!(records > 1000, "{records} records");
    // The team's rules fire on records the built-in gate alone would have passed quietly.
    assert!(
        with > without + 50,
        "{with} findings with the rules, {without} without"
    );
}

// CloudTrail records as the service writes them (AWS CloudTrail User Guide, "CloudTrail record
// contents"): a read that takes the fast path, then a monitoring change by the same principal from
// another network.
const READ: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:mallory","arn":"arn:aws:sts::111122223333:assumed-role/OpsAdmin/mallory","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/OpsAdmin","accountId":"111122223333","userName":"OpsAdmin"},"attributes":{"creationDate":"2026-11-27T08:01:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-27T08:10:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DescribeTrails","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.20","userAgent":"aws-cli/2.15.30","requestParameters":null,"responseElements":null,"requestID":"r1","eventID":"e1","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;
const STOP_LOGGING: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:mallory","arn":"arn:aws:sts::111122223333:assumed-role/OpsAdmin/mallory","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/OpsAdmin","accountId":"111122223333","userName":"OpsAdmin"},"attributes":{"creationDate":"2026-11-27T08:01:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-27T08:15:04Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.30","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"},"responseElements":null,"requestID":"r2","eventID":"e2","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

#[test]
fn events_on_the_fast_path_still_teach_the_history_their_network() {
    let mut engine = Engine::new();
    engine.set_enrich(Enrich::Findings);
    for record in [READ, STOP_LOGGING] {
        let outcome = engine.process_one(&RawEvent {
            data: record.as_bytes(),
            source_hint: None,
            tag: None,
        });
        let events = outcome.expect("reads");
        if record == READ {
            assert!(events[0].findings.is_empty());
            // The read took the fast path: nothing normalised came back.
            assert_eq!(events[0].fields.principal, None);
            continue;
        }
        let reasons = &events[0].findings[0].reasons;
        assert!(
            reasons.iter().any(|r| r
                .contains("is seen from 203.0.113.0/24 in the stream (before: 198.51.100.0/24)")),
            "{reasons:?}"
        );
    }
}

/// A source's events for `every_source_feeds_correlation_the_facts_a_full_read_gives`: a read no
/// consumer wants (`@TIME@`/`@SECS@`/`@NANOS@` and `@IP@` filled in) and a change a rule judges, by
/// the same principal.
struct Case {
    name: &'static str,
    read: &'static str,
    change: &'static str,
    /// Whether the source names a principal and an address (Docker engine events do not).
    principal: bool,
}

// Kubernetes audit events as the API server writes them (kubernetes.io, "Auditing", audit.k8s.io/v1
// Event), impersonating so that the principal is composed from two objects.
const K8S_LIST: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0b6f7c3e-1d2a-4e5f-8a9b-7c6d5e4f3a2b","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/datadog/pods?limit=500","verb":"list","user":{"username":"mallory@example.com","groups":["system:authenticated"]},"impersonatedUser":{"username":"system:serviceaccount:kube-system:admin"},"sourceIPs":["@IP@"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{"resource":"pods","namespace":"datadog","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"@TIME@","stageTimestamp":"@TIME@","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}"#;
const K8S_SCALE_AGENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"5b1e7f0e-2f4c-4b8e-9d0a-6c1f3e2a9b71","stage":"ResponseComplete","requestURI":"/apis/apps/v1/namespaces/datadog/deployments/datadog-cluster-agent/scale","verb":"patch","user":{"username":"mallory@example.com","groups":["system:authenticated"]},"impersonatedUser":{"username":"system:serviceaccount:kube-system:admin"},"sourceIPs":["@IP@","10.0.0.1"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{"resource":"deployments","namespace":"datadog","name":"datadog-cluster-agent","apiGroup":"apps","apiVersion":"v1","subresource":"scale"},"responseStatus":{"metadata":{},"code":200},"requestObject":{"spec":{"replicas":0}},"requestReceivedTimestamp":"@TIME@","stageTimestamp":"@TIME@"}"#;

// GKE's Kubernetes API requests as Cloud Audit LogEntries (cloud.google.com, "Cloud Audit Logs",
// LogEntry with an AuditLog protoPayload; GKE audit logging).
const GKE_LIST: &str = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"mallory@example.com"},"authorizationInfo":[{"granted":true,"permission":"io.k8s.core.v1.pods.list","resource":"core/v1/namespaces/kube-system/pods"}],"methodName":"io.k8s.core.v1.pods.list","requestMetadata":{"callerIp":"@IP@","callerSuppliedUserAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"},"resourceName":"core/v1/namespaces/kube-system/pods","serviceName":"k8s.io","status":{}},"insertId":"7d1c2b3a-0f9e-4d8c-b7a6-5e4d3c2b1a09","resource":{"type":"k8s_cluster","labels":{"project_id":"acme-prod","location":"us-central1","cluster_name":"prod-gke"}},"timestamp":"@TIME@","severity":"INFO","logName":"projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access","operation":{"id":"1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b","producer":"k8s.io","first":true,"last":true}}"#;
const GKE_DELETE_AGENT: &str = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"mallory@example.com"},"authorizationInfo":[{"granted":true,"permission":"io.k8s.apps.v1.daemonsets.delete","resource":"apps/v1/namespaces/kube-system/daemonsets/fluentbit-gke"}],"methodName":"io.k8s.apps.v1.daemonsets.delete","requestMetadata":{"callerIp":"@IP@","callerSuppliedUserAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"},"resourceName":"apps/v1/namespaces/kube-system/daemonsets/fluentbit-gke","serviceName":"k8s.io","status":{}},"insertId":"3cbb7daa-64c1-44fa-88a7-c8252abc5619","resource":{"type":"k8s_cluster","labels":{"project_id":"acme-prod","location":"us-central1","cluster_name":"prod-gke"}},"timestamp":"@TIME@","severity":"NOTICE","logName":"projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity","operation":{"id":"0c6b3f7e-8a1d-4c52-9e0b-2f7d6a1c4e93","producer":"k8s.io","first":true,"last":true}}"#;

// Cloud Audit Logs LogEntries (cloud.google.com, "Cloud Audit Logs", AuditLog): a Data Access read
// and an Admin Activity sink deletion.
const GCP_LIST_SINKS: &str = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},"authenticationInfo":{"principalEmail":"mallory@example.com"},"requestMetadata":{"callerIp":"@IP@","callerSuppliedUserAgent":"google-cloud-sdk gcloud/474.0.0 command/gcloud.logging.sinks.list"},"serviceName":"logging.googleapis.com","methodName":"google.logging.v2.ConfigServiceV2.ListSinks","authorizationInfo":[{"resource":"projects/acme-prod-4821","permission":"logging.sinks.list","granted":true}],"resourceName":"projects/acme-prod-4821","request":{"@type":"type.googleapis.com/google.logging.v2.ListSinksRequest","parent":"projects/acme-prod-4821"}},"insertId":"1x7k2pde3aqr","resource":{"type":"logging_sink","labels":{"project_id":"acme-prod-4821"}},"timestamp":"@TIME@","severity":"INFO","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Fdata_access"}"#;
const GCP_DELETE_SINK: &str = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},"authenticationInfo":{"principalEmail":"mallory@example.com"},"requestMetadata":{"callerIp":"@IP@","callerSuppliedUserAgent":"google-cloud-sdk gcloud/474.0.0 command/gcloud.logging.sinks.delete"},"serviceName":"logging.googleapis.com","methodName":"google.logging.v2.ConfigServiceV2.DeleteSink","authorizationInfo":[{"resource":"projects/acme-prod-4821/sinks/siem-export","permission":"logging.sinks.delete","granted":true}],"resourceName":"projects/acme-prod-4821/sinks/siem-export","request":{"@type":"type.googleapis.com/google.logging.v2.DeleteSinkRequest","sinkName":"projects/acme-prod-4821/sinks/siem-export"}},"insertId":"1x7k2pde3aqs","resource":{"type":"logging_sink","labels":{"destination":"","name":"siem-export","project_id":"acme-prod-4821"}},"timestamp":"@TIME@","severity":"NOTICE","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity"}"#;

// Azure Activity Log in the Azure Monitor export shape (learn.microsoft.com, "Azure Activity Log
// event schema", and its resource-log export: `operationName`, `resultType`, `identity.claims`).
const AZURE_TAGS: &str = r#"{"time":"@TIME@","resourceId":"/SUBSCRIPTIONS/6F1C2B3A-4D5E-4F60-8A7B-9C0D1E2F3A4B/RESOURCEGROUPS/RG-PAYMENTS/PROVIDERS/MICROSOFT.RESOURCES/TAGS/DEFAULT","operationName":"MICROSOFT.RESOURCES/TAGS/WRITE","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.OK","durationMs":"312","callerIpAddress":"@IP@","correlationId":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","identity":{"authorization":{"scope":"/subscriptions/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-payments","action":"Microsoft.Resources/tags/write"},"claims":{"appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"mallory@contoso.onmicrosoft.com","name":"Mallory","idtyp":"user"}},"level":"Information","location":"global","properties":{"statusCode":"OK","eventCategory":"Administrative"}}"#;
const AZURE_DELETE_DIAGNOSTICS: &str = r#"{"time":"@TIME@","resourceId":"/SUBSCRIPTIONS/6F1C2B3A-4D5E-4F60-8A7B-9C0D1E2F3A4B/RESOURCEGROUPS/RG-PAYMENTS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS-PROD/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/KV-TO-SENTINEL","operationName":"MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.OK","durationMs":"1841","callerIpAddress":"@IP@","correlationId":"3c7d2a11-5b8e-4f0a-9d6c-1e2f3a4b5c6d","identity":{"authorization":{"scope":"/subscriptions/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-payments/providers/Microsoft.KeyVault/vaults/kv-payments-prod/providers/microsoft.insights/diagnosticSettings/kv-to-sentinel","action":"Microsoft.Insights/Diagnosticsettings/Delete"},"claims":{"appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"mallory@contoso.onmicrosoft.com","name":"Mallory","idtyp":"user"}},"level":"Information","location":"global","properties":{"statusCode":"OK","eventCategory":"Administrative"}}"#;

// The REST / portal shape of the same log (`operationName.value`, `status.value`, `eventTimestamp`,
// top-level `claims`, `httpRequest.clientIpAddress`), by an application: the principal's fallbacks.
const AZURE_REST_TAGS: &str = r#"{"caller":"2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f","claims":{"appid":"8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","idtyp":"app"},"correlationId":"c0ffee00-1111-4222-8333-444455556660","eventDataId":"e1d2c3b4-a596-4788-99aa-bbccddeeff01","eventTimestamp":"@TIME@","httpRequest":{"clientRequestId":"x","clientIpAddress":"@IP@","method":"PUT"},"operationName":{"value":"Microsoft.Resources/tags/write","localizedValue":"Update tags"},"properties":{"statusCode":"OK"},"resourceId":"/subscriptions/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-payments/providers/Microsoft.Resources/tags/default","status":{"value":"Succeeded","localizedValue":"Succeeded"},"subStatus":{"value":"OK"},"subscriptionId":"6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"}"#;
const AZURE_REST_DELETE_DIAGNOSTICS: &str = r#"{"caller":"2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f","claims":{"appid":"8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","idtyp":"app"},"correlationId":"c0ffee00-1111-4222-8333-444455556666","eventDataId":"e1d2c3b4-a596-4788-99aa-bbccddeeff00","eventTimestamp":"@TIME@","httpRequest":{"clientRequestId":"x","clientIpAddress":"@IP@","method":"DELETE"},"operationName":{"value":"Microsoft.Insights/diagnosticSettings/delete","localizedValue":"Delete diagnostic setting"},"properties":{"statusCode":"OK"},"resourceId":"/subscriptions/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/providers/microsoft.insights/diagnosticSettings/sub-to-sentinel","status":{"value":"Succeeded","localizedValue":"Succeeded"},"subStatus":{"value":"OK"},"subscriptionId":"6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"}"#;

// Docker engine events as `docker events --format '{{json .}}'` writes them (Docker Engine API,
// "Monitor events"): an image pull, then the Falco container killed.
const DOCKER_PULL: &str = r#"{"status":"pull","id":"nginx:1.27","Type":"image","Action":"pull","Actor":{"ID":"nginx:1.27","Attributes":{"name":"nginx"}},"scope":"local","time":@SECS@,"timeNano":@NANOS@}"#;
const DOCKER_KILL_FALCO: &str = r#"{"status":"kill","id":"f5bed22b9f4bed888f77f06c03a5d6aaef691682aa2820f6158919427f905194","from":"falcosecurity/falco:0.38.1","Type":"container","Action":"kill","Actor":{"ID":"f5bed22b9f4bed888f77f06c03a5d6aaef691682aa2820f6158919427f905194","Attributes":{"image":"falcosecurity/falco:0.38.1","name":"falco","signal":"9"}},"scope":"local","time":@SECS@,"timeNano":@NANOS@}"#;

const CASES: &[Case] = &[
    Case {
        name: "kubernetes",
        read: K8S_LIST,
        change: K8S_SCALE_AGENT,
        principal: true,
    },
    Case {
        name: "gke",
        read: GKE_LIST,
        change: GKE_DELETE_AGENT,
        principal: true,
    },
    Case {
        name: "gcp",
        read: GCP_LIST_SINKS,
        change: GCP_DELETE_SINK,
        principal: true,
    },
    Case {
        name: "azure export",
        read: AZURE_TAGS,
        change: AZURE_DELETE_DIAGNOSTICS,
        principal: true,
    },
    Case {
        name: "azure rest",
        read: AZURE_REST_TAGS,
        change: AZURE_REST_DELETE_DIAGNOSTICS,
        principal: true,
    },
    Case {
        name: "docker",
        read: DOCKER_PULL,
        change: DOCKER_KILL_FALCO,
        principal: false,
    },
];

/// `template` at `minutes` past 2026-11-27T10:00:00Z, from `ip`.
fn at(template: &str, minutes: i64, ip: &str) -> Vec<u8> {
    let secs = 1_795_773_600 + minutes * 60;
    template
        .replace(
            "@TIME@",
            &format!(
                "2026-11-27T{:02}:{:02}:00.000000Z",
                10 + minutes / 60,
                minutes % 60
            ),
        )
        .replace("@SECS@", &secs.to_string())
        .replace("@NANOS@", &format!("{secs}000000000"))
        .replace("@IP@", ip)
        .into_bytes()
}

/// Per source: two reads on the fast path (the second 20 minutes on), then a change dated between
/// them from another network. Correlation must see the reads' times (the change arrives late), and
/// their principal and address (the change's finding says the network is new): if the fast path
/// handed correlation anything else than a full read does, the compact output or counters differ.
#[test]
fn every_source_feeds_correlation_the_facts_a_full_read_gives() {
    for case in CASES {
        let inputs = [
            at(case.read, 0, "198.51.100.20"),
            at(case.read, 20, "198.51.100.21"),
            at(case.change, 1, "203.0.113.7"),
        ];
        let (full, full_end, _) = filter(&inputs, None, Enrich::All, "cases");
        let (fast, fast_end, normalised) = filter(&inputs, None, Enrich::Findings, "cases");
        assert_eq!(
            normalised,
            [false, false, true],
            "{}: fast path taken",
            case.name
        );
        for (a, b) in full.iter().zip(&fast) {
            assert_eq!(
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b),
                "{}",
                case.name
            );
        }
        assert_eq!(full_end, fast_end, "{}", case.name);
        // The case proves something only if the facts mattered: the change was late for the reads'
        // clock, and (with a principal) its finding compares networks with the reads'.
        assert!(
            fast_end.contains("late_events: 1"),
            "{}: {fast_end}",
            case.name
        );
        let change = String::from_utf8_lossy(&fast[2]);
        assert!(change.contains("rule_id"), "{}: {change}", case.name);
        assert_eq!(
            change.contains("in the stream (before: 198.51.100.0/24)"),
            case.principal,
            "{}: {change}",
            case.name
        );
    }
}
