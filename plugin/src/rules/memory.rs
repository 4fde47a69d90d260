//! What the stream has shown the rules so far: where logs are delivered. A `CreateTrail` names the
//! trail's bucket, a `PutSubscriptionFilter` its destination, a GCP `CreateSink` its bucket or topic,
//! an Azure diagnostic setting its workspace, storage account or event hub; deleting one of those later
//! is deleting where monitoring lands, whatever its name. Bounded: the oldest entries go first.

use std::collections::{BTreeSet, VecDeque};

use crate::model::Outcome;
use crate::sources::aws_cloudtrail::Record as CloudTrailRecord;
use crate::sources::azure_activity::Record as AzureRecord;
use crate::sources::gcp_audit::Entry as GcpEntry;
use crate::sources::json::Object;
use crate::sources::{Decoded, SourceEvent};

/// Log destinations learned from the stream, by kind.
#[derive(Debug)]
pub struct Destinations {
    known: BTreeSet<(Kind, String)>,
    order: VecDeque<(Kind, String)>,
    cap: usize,
    evicted: u64,
}

/// What kind of destination a name is (names of different kinds never collide).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// An S3 bucket receiving CloudTrail, flow-log, Config or access-log deliveries.
    AwsBucket,
    /// A CloudWatch Logs group receiving a trail or flow logs.
    AwsLogGroup,
    /// An SNS topic, Firehose stream or Kinesis stream logs are forwarded through.
    AwsStream,
    /// An EventBridge rule whose event pattern routes security findings (GuardDuty, Security Hub,
    /// Config, CloudTrail...) to responders.
    AwsAlertRule,
    /// A GCP storage bucket, BigQuery dataset, Pub/Sub topic or log bucket a sink writes to, as the
    /// sink's destination names it (`storage.googleapis.com/BUCKET`, …).
    GcpSinkDestination,
    /// An Azure resource id (workspace, storage account, event hub namespace) diagnostics go to.
    AzureDiagnosticsDestination,
}

impl Default for Destinations {
    fn default() -> Destinations {
        Destinations::with_cap(10_000)
    }
}

impl Destinations {
    pub fn with_cap(cap: usize) -> Destinations {
        Destinations {
            known: BTreeSet::new(),
            order: VecDeque::new(),
            cap: cap.max(1),
            evicted: 0,
        }
    }

    pub fn learn(&mut self, kind: Kind, name: &str) {
        let key = (kind, normalise(kind, name));
        if key.1.is_empty() || self.known.contains(&key) {
            return;
        }
        if self.known.len() >= self.cap
            && let Some(oldest) = self.order.pop_front()
        {
            self.known.remove(&oldest);
            self.evicted += 1;
        }
        self.known.insert(key.clone());
        self.order.push_back(key);
    }

    pub fn contains(&self, kind: Kind, name: &str) -> bool {
        self.known.contains(&(kind, normalise(kind, name)))
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

/// Azure resource ids are case-insensitive; ARNs and bucket names are not, but an ARN and a bare
/// name must meet (`arn:aws:s3:::trail-logs` is bucket `trail-logs`).
fn normalise(kind: Kind, name: &str) -> String {
    match kind {
        Kind::AzureDiagnosticsDestination => name.trim_end_matches('/').to_ascii_lowercase(),
        Kind::GcpSinkDestination => name.trim_end_matches('/').to_owned(),
        Kind::AwsBucket => name
            .strip_prefix("arn:aws:s3:::")
            .unwrap_or(name)
            .trim_end_matches('/')
            .to_owned(),
        _ => name.to_owned(),
    }
}

/// Learn the destinations a successful event names. Called by the engine after the rules ran, so an
/// event's own destination never makes that same event a finding.
pub fn learn(decoded: &Decoded<'_>, destinations: &mut Destinations) {
    if decoded.fields.outcome == Outcome::Failure {
        return;
    }
    match &decoded.event {
        SourceEvent::CloudTrail(record) => learn_cloudtrail(record, destinations),
        SourceEvent::GcpAudit(entry) => learn_gcp(entry, destinations),
        SourceEvent::AzureActivity(record) => learn_azure(record, destinations),
        _ => {}
    }
}

fn learn_cloudtrail(record: &CloudTrailRecord<'_>, d: &mut Destinations) {
    let Some(params) = record.params() else {
        return;
    };
    match (record.service(), &*record.event_name) {
        ("cloudtrail", "CreateTrail" | "UpdateTrail") => {
            if let Some(bucket) = params.str("s3BucketName") {
                d.learn(Kind::AwsBucket, &bucket);
            }
            if let Some(group) = params.str("cloudWatchLogsLogGroupArn") {
                d.learn(Kind::AwsLogGroup, log_group_name(&group));
            }
            if let Some(topic) = params.str("snsTopicName") {
                d.learn(Kind::AwsStream, &topic);
            }
        }
        // CreateFlowLogs: `LogDestination` is an S3 ARN (optionally with a folder) or a log group ARN.
        ("ec2", "CreateFlowLogs") => {
            let nested = params.object("CreateFlowLogsRequest");
            let request = nested.as_ref().unwrap_or(&params);
            if let Some(group) = request.str("LogGroupName") {
                d.learn(Kind::AwsLogGroup, &group);
            }
            if let Some(destination) = request.str("LogDestination") {
                learn_arn(d, &destination);
            }
        }
        ("logs", "PutSubscriptionFilter") => {
            if let Some(destination) = params.str("destinationArn") {
                learn_stream(d, &destination);
            }
        }
        // Server access logs land in the target bucket.
        ("s3", "PutBucketLogging") => {
            if let Some(bucket) = params
                .path(&["BucketLoggingStatus", "LoggingEnabled", "TargetBucket"])
                .and_then(crate::sources::json::raw_str)
            {
                d.learn(Kind::AwsBucket, &bucket);
            }
        }
        ("config", "PutDeliveryChannel") => {
            if let Some(bucket) = params
                .path(&["deliveryChannel", "s3BucketName"])
                .and_then(crate::sources::json::raw_str)
            {
                d.learn(Kind::AwsBucket, &bucket);
            }
        }
        ("guardduty", "CreatePublishingDestination" | "UpdatePublishingDestination") => {
            if let Some(arn) = params
                .path(&["destinationProperties", "destinationArn"])
                .and_then(crate::sources::json::raw_str)
            {
                d.learn(Kind::AwsBucket, arn.split('/').next().unwrap_or(&arn));
            }
        }
        ("route53resolver", "CreateResolverQueryLogConfig") => {
            if let Some(arn) = params.str("destinationArn") {
                learn_arn(d, &arn);
            }
        }
        ("wafv2" | "waf" | "waf-regional", "PutLoggingConfiguration") => {
            let config = params.object("loggingConfiguration");
            for arn in config
                .and_then(|c| c.array("logDestinationConfigs"))
                .unwrap_or_default()
                .into_iter()
                .filter_map(crate::sources::json::raw_str)
            {
                learn_arn(d, &arn);
            }
        }
        // ELBv2 access logs: attributes `[{key: "access_logs.s3.bucket", value: NAME}]`.
        ("elasticloadbalancing", "ModifyLoadBalancerAttributes") => {
            for attribute in params
                .array("attributes")
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| Object::from_raw(a).ok())
            {
                if attribute.str("key").as_deref() == Some("access_logs.s3.bucket")
                    && let Some(bucket) = attribute.str("value")
                {
                    d.learn(Kind::AwsBucket, &bucket);
                }
            }
        }
        ("events", "PutRule") => {
            if let (Some(name), Some(pattern)) = (params.str("name"), params.str("eventPattern"))
                && crate::rules::audit_logging::aws::alerting::routes_security(&pattern)
            {
                d.learn(Kind::AwsAlertRule, &name);
            }
        }
        _ => {}
    }
}

/// A delivery ARN of any kind: S3 buckets, log groups, Firehose and Kinesis streams.
fn learn_arn(d: &mut Destinations, arn: &str) {
    if let Some(path) = arn.strip_prefix("arn:aws:s3:::") {
        d.learn(Kind::AwsBucket, path.split('/').next().unwrap_or(path));
    } else if arn.contains(":log-group:") {
        d.learn(Kind::AwsLogGroup, log_group_name(arn));
    } else {
        learn_stream(d, arn);
    }
}

/// Streams are deleted by name (`DeleteDeliveryStream`, `DeleteStream`) but named by ARN where logs
/// are sent to them: learn both.
fn learn_stream(d: &mut Destinations, arn: &str) {
    d.learn(Kind::AwsStream, arn);
    if let Some((_, name)) = arn
        .split_once(":deliverystream/")
        .or_else(|| arn.split_once(":stream/"))
    {
        d.learn(Kind::AwsStream, name);
    }
}

/// `arn:aws:logs:region:account:log-group:NAME:*` → `NAME`.
pub fn log_group_name(arn: &str) -> &str {
    match arn.split_once(":log-group:") {
        Some((_, rest)) => rest.strip_suffix(":*").unwrap_or(rest),
        None => arn,
    }
}

/// A sink's destination as the sink names it (`storage.googleapis.com/BUCKET`,
/// `pubsub.googleapis.com/projects/P/topics/T`, `bigquery.googleapis.com/projects/P/datasets/D`,
/// `logging.googleapis.com/projects/P/locations/L/buckets/B`), learned from `CreateSink`/`UpdateSink`
/// requests and the sink the response echoes; and the Pub/Sub subscriptions created on such a topic.
fn learn_gcp(entry: &GcpEntry<'_>, d: &mut Destinations) {
    let method = &*entry.method_name;
    // A subscription to a sink's topic is how a SIEM pulls the exported logs.
    if method.ends_with("Subscriber.CreateSubscription") {
        let request = entry.request();
        let topic = request.as_ref().and_then(|r| r.str("topic"));
        let name = request.as_ref().and_then(|r| r.str("name"));
        if let (Some(topic), Some(name)) = (topic, name)
            && d.contains(
                Kind::GcpSinkDestination,
                &format!("pubsub.googleapis.com/{topic}"),
            )
        {
            d.learn(
                Kind::GcpSinkDestination,
                &format!("pubsub.googleapis.com/{name}"),
            );
        }
        return;
    }
    if !(method.ends_with("ConfigServiceV2.CreateSink")
        || method.ends_with("ConfigServiceV2.UpdateSink"))
    {
        return;
    }
    let from_request = entry
        .request()
        .and_then(|r| r.object("sink"))
        .and_then(|s| s.str("destination"));
    let from_response = entry.response().and_then(|r| r.str("destination"));
    for destination in [from_request, from_response].into_iter().flatten() {
        d.learn(Kind::GcpSinkDestination, &destination);
    }
}

/// The workspace, storage account and Event Hub namespace (and hub, when named) a diagnostic setting
/// sends to, from the setting written (`properties.workspaceId`, `storageAccountId`,
/// `eventHubAuthorizationRuleId` + `eventHubName`).
fn learn_azure(record: &AzureRecord<'_>, d: &mut Destinations) {
    if !record.operation.ends_with("/DIAGNOSTICSETTINGS/WRITE") {
        return;
    }
    let Some(body) = record.request_body() else {
        return;
    };
    let Ok(body) = Object::parse(&body) else {
        return;
    };
    let Some(properties) = body.object("properties") else {
        return;
    };
    for key in ["workspaceId", "storageAccountId"] {
        if let Some(id) = properties.str(key) {
            d.learn(Kind::AzureDiagnosticsDestination, &id);
        }
    }
    if let Some(rule) = properties.str("eventHubAuthorizationRuleId") {
        // `…/namespaces/NS/authorizationrules/RULE` → the namespace.
        let lower = rule.to_ascii_lowercase();
        let namespace = lower
            .find("/authorizationrules/")
            .and_then(|at| rule.get(..at))
            .unwrap_or(&rule);
        d.learn(Kind::AzureDiagnosticsDestination, namespace);
        if let Some(hub) = properties.str("eventHubName") {
            d.learn(
                Kind::AzureDiagnosticsDestination,
                &format!("{namespace}/eventhubs/{hub}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_names_across_forms_and_forgets_the_oldest_at_the_cap() {
        let mut d = Destinations::with_cap(2);
        d.learn(Kind::AwsBucket, "arn:aws:s3:::org-trail-logs");
        assert!(d.contains(Kind::AwsBucket, "org-trail-logs"));
        assert!(!d.contains(Kind::AwsLogGroup, "org-trail-logs"));
        d.learn(
            Kind::AzureDiagnosticsDestination,
            "/subscriptions/S/resourceGroups/RG/providers/Microsoft.OperationalInsights/workspaces/W",
        );
        assert!(d.contains(
            Kind::AzureDiagnosticsDestination,
            "/SUBSCRIPTIONS/s/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/w"
        ));
        d.learn(Kind::AwsStream, "arn:aws:sns:us-east-1:1:t");
        assert_eq!(d.len(), 2);
        assert_eq!(d.evicted(), 1);
        assert!(!d.contains(Kind::AwsBucket, "org-trail-logs"));
    }

    fn learned(text: &str) -> Destinations {
        let object = Object::parse(text).expect("object");
        let decoded = crate::sources::decode(&object, None);
        let mut d = Destinations::default();
        learn(&decoded, &mut d);
        d
    }

    #[test]
    fn learns_gcp_sink_destinations_from_create_and_update() {
        // CreateSink as Cloud Audit Logs records it: the LogSink in `request.sink`, echoed in `response`.
        let d = learned(
            r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},"serviceName":"logging.googleapis.com","methodName":"google.logging.v2.ConfigServiceV2.CreateSink","resourceName":"projects/acme-prod-4821/sinks/siem-export","request":{"@type":"type.googleapis.com/google.logging.v2.CreateSinkRequest","parent":"projects/acme-prod-4821","sink":{"name":"siem-export","destination":"pubsub.googleapis.com/projects/acme-prod-4821/topics/siem-export"}},"response":{"@type":"type.googleapis.com/google.logging.v2.LogSink","name":"siem-export","destination":"storage.googleapis.com/acme-audit-archive","writerIdentity":"serviceAccount:p1@gcp-sa-logging.iam.gserviceaccount.com"}},"insertId":"a","resource":{"type":"logging_sink","labels":{"project_id":"acme-prod-4821"}},"timestamp":"2026-11-27T10:00:00Z","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity"}"#,
        );
        assert!(d.contains(
            Kind::GcpSinkDestination,
            "pubsub.googleapis.com/projects/acme-prod-4821/topics/siem-export"
        ));
        assert!(d.contains(
            Kind::GcpSinkDestination,
            "storage.googleapis.com/acme-audit-archive"
        ));
        // A failed CreateSink teaches nothing.
        let failed = learned(
            r#"{"protoPayload":{"status":{"code":7,"message":"denied"},"methodName":"google.logging.v2.ConfigServiceV2.CreateSink","request":{"sink":{"destination":"storage.googleapis.com/x"}}},"insertId":"b","logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity"}"#,
        );
        assert!(failed.is_empty());
    }

    #[test]
    fn learns_azure_diagnostic_destinations_with_the_event_hub_namespace() {
        let body = r#"{"properties":{"workspaceId":"/subscriptions/6f1c/resourceGroups/rg-secops/providers/Microsoft.OperationalInsights/workspaces/law-prod","storageAccountId":"/subscriptions/6f1c/resourceGroups/rg-secops/providers/Microsoft.Storage/storageAccounts/stauditarchive","eventHubAuthorizationRuleId":"/subscriptions/6f1c/resourceGroups/rg-secops/providers/Microsoft.EventHub/namespaces/evh-siem/authorizationrules/RootManageSharedAccessKey","eventHubName":"activity","logs":[{"categoryGroup":"allLogs","enabled":true}]}}"#;
        let record = format!(
            r#"{{"time":"2026-11-27T09:00:00Z","resourceId":"/SUBSCRIPTIONS/6F1C/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/TO-SIEM","operationName":"MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE","category":"Administrative","resultType":"Start","properties":{{"requestbody":{}}}}}"#,
            serde_json::to_string(body).expect("string")
        );
        let d = learned(&record);
        for id in [
            "/SUBSCRIPTIONS/6F1C/RESOURCEGROUPS/RG-SECOPS/PROVIDERS/MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/LAW-PROD",
            "/subscriptions/6f1c/resourceGroups/rg-secops/providers/Microsoft.Storage/storageAccounts/stauditarchive",
            "/subscriptions/6f1c/resourceGroups/rg-secops/providers/Microsoft.EventHub/namespaces/evh-siem",
            "/subscriptions/6f1c/resourceGroups/rg-secops/providers/Microsoft.EventHub/namespaces/evh-siem/eventhubs/activity",
        ] {
            assert!(d.contains(Kind::AzureDiagnosticsDestination, id), "{id}");
        }
        assert_eq!(d.len(), 4);
    }
}
