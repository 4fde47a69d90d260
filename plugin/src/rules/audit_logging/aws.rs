//! Family 1 on AWS: CloudTrail, CloudWatch Logs, flow logs, resolver query logs, Config, GuardDuty,
//! Security Hub, S3 access logs, EKS control-plane logs and Organizations membership switched off.
//! Each rule fires only on the request conditions that remove or narrow visibility; the widening
//! variants of the same calls are left alone.

use serde_json::value::RawValue;

use crate::model::{Severity, SourceKind};
use crate::rules::{Detection, Rule, rule, sh};
use crate::sources::aws_cloudtrail::{Record, flow_log_ids};
use crate::sources::json::{self, Object};

const CLOUD_LOGS: (&str, &str) = ("T1562.008", "Impair Defenses: Disable or Modify Cloud Logs");
const TOOLS: (&str, &str) = ("T1562.001", "Impair Defenses: Disable or Modify Tools");
const AWS: &[SourceKind] = &[SourceKind::AwsCloudtrail];

/// Expiry or retention at or under this many days leaves logs too short-lived to investigate from.
pub const SHORT_RETENTION_DAYS: i64 = 7;

rule!(
    STOP_LOGGING,
    "aws.cloudtrail.stop_logging",
    "CloudTrail logging stopped",
    CLOUD_LOGS,
    High,
    90,
    AWS,
    "StopLogging on a trail: API activity stops being recorded. StartLogging is not a finding."
);
rule!(
    DELETE_TRAIL,
    "aws.cloudtrail.delete_trail",
    "CloudTrail trail deleted",
    CLOUD_LOGS,
    High,
    90,
    AWS,
    "DeleteTrail: the trail and its delivery are gone. CreateTrail is not a finding."
);
rule!(
    TRAIL_NARROWED,
    "aws.cloudtrail.trail_narrowed",
    "CloudTrail trail coverage narrowed",
    CLOUD_LOGS,
    High,
    80,
    AWS,
    "UpdateTrail that makes a trail single-region, drops global service events, stops being an organization \
     trail, removes CloudWatch Logs delivery or sends logs to a new bucket. Updates that only widen coverage \
     (multi-region on, global events on, a log group added, a KMS key) are not findings."
);
rule!(
    SELECTORS_NARROWED,
    "aws.cloudtrail.event_selectors_narrowed",
    "CloudTrail event selectors drop management events",
    CLOUD_LOGS,
    High,
    85,
    AWS,
    "PutEventSelectors whose basic or advanced selectors no longer record management events, record only \
     reads, or exclude event sources. Selectors recording all management events are not findings."
);
rule!(
    LAKE_STOPPED,
    "aws.cloudtrail.lake_ingestion_stopped",
    "CloudTrail Lake ingestion stopped or event data store deleted",
    CLOUD_LOGS,
    High,
    85,
    AWS,
    "StopEventDataStoreIngestion or DeleteEventDataStore: CloudTrail Lake stops recording or loses its store."
);
rule!(
    BUCKET_SHORT_EXPIRY,
    "aws.s3.log_bucket_short_expiry",
    "Log bucket lifecycle expires logs within days",
    CLOUD_LOGS,
    High,
    75,
    AWS,
    "PutBucketLifecycle with an expiration of at most 7 days on a bucket whose name marks it as a log, \
     trail or audit bucket. Longer expirations and other buckets are not findings."
);
rule!(
    ACCESS_LOGGING_OFF,
    "aws.s3.access_logging_disabled",
    "S3 server access logging switched off",
    CLOUD_LOGS,
    High,
    70,
    AWS,
    "PutBucketLogging with an empty BucketLoggingStatus (no LoggingEnabled). Enabling access logging is not \
     a finding."
);
rule!(
    LOG_GROUP_DELETED,
    "aws.logs.log_group_deleted",
    "CloudWatch Logs group or stream deleted",
    CLOUD_LOGS,
    High,
    70,
    AWS,
    "DeleteLogGroup or DeleteLogStream: stored logs and the destination of their producers are gone."
);
rule!(
    RETENTION_CUT,
    "aws.logs.retention_cut",
    "CloudWatch Logs retention cut to days",
    CLOUD_LOGS,
    Medium,
    70,
    AWS,
    "PutRetentionPolicy with retentionInDays of at most 7. Longer retention and DeleteRetentionPolicy \
     (keep forever) are not findings."
);
rule!(
    SUBSCRIPTION_DELETED,
    "aws.logs.subscription_filter_deleted",
    "CloudWatch Logs subscription to a SIEM removed",
    CLOUD_LOGS,
    High,
    70,
    AWS,
    "DeleteSubscriptionFilter: a log group stops streaming to its downstream consumer (SIEM, Firehose, Lambda)."
);
rule!(
    FLOW_LOGS_DELETED,
    "aws.ec2.flow_logs_deleted",
    "VPC flow logs deleted",
    CLOUD_LOGS,
    High,
    90,
    AWS,
    "DeleteFlowLogs: network traffic of the VPC, subnet or interface stops being recorded."
);
rule!(
    QUERY_LOGGING_DELETED,
    "aws.route53resolver.query_logging_deleted",
    "Route 53 Resolver query logging removed",
    CLOUD_LOGS,
    High,
    85,
    AWS,
    "DeleteResolverQueryLogConfig or DisassociateResolverQueryLogConfig: DNS queries of the VPC stop being logged."
);
rule!(
    CONFIG_STOPPED,
    "aws.config.recorder_stopped",
    "AWS Config recording stopped or removed",
    CLOUD_LOGS,
    High,
    85,
    AWS,
    "StopConfigurationRecorder, DeleteConfigurationRecorder or DeleteDeliveryChannel: resource configuration \
     history stops being recorded."
);
rule!(
    GUARDDUTY_DISABLED,
    "aws.guardduty.detector_disabled",
    "GuardDuty detector deleted or disabled",
    TOOLS,
    High,
    90,
    AWS,
    "DeleteDetector, UpdateDetector with enable=false or with protection features turned off, or a member \
     account leaving its GuardDuty administrator. Enabling is not a finding."
);
rule!(
    GUARDDUTY_SUPPRESSED,
    "aws.guardduty.findings_suppressed",
    "GuardDuty findings auto-archived by a filter",
    TOOLS,
    Medium,
    70,
    AWS,
    "CreateFilter or UpdateFilter with action ARCHIVE: matching findings are archived before anyone sees them. \
     NOOP filters (saved views) are not findings."
);
rule!(
    SECURITYHUB_DISABLED,
    "aws.securityhub.disabled",
    "Security Hub or its standards disabled",
    TOOLS,
    High,
    85,
    AWS,
    "DisableSecurityHub or BatchDisableStandards: security findings and compliance checks stop."
);
rule!(
    EKS_LOGGING_DISABLED,
    "aws.eks.audit_logging_disabled",
    "EKS control-plane logging disabled",
    CLOUD_LOGS,
    High,
    85,
    AWS,
    "UpdateClusterConfig that disables control-plane log types; audit or authenticator logs off is high, \
     other types medium. Enabling log types is not a finding."
);
rule!(
    LEAVE_ORGANIZATION,
    "aws.organizations.leave_organization",
    "Account left its AWS Organization",
    CLOUD_LOGS,
    High,
    85,
    AWS,
    "LeaveOrganization: the organization trail, SCP guardrails and delegated security services stop covering \
     the account."
);

pub static RULES: &[&Rule] = &[
    &STOP_LOGGING,
    &DELETE_TRAIL,
    &TRAIL_NARROWED,
    &SELECTORS_NARROWED,
    &LAKE_STOPPED,
    &BUCKET_SHORT_EXPIRY,
    &ACCESS_LOGGING_OFF,
    &LOG_GROUP_DELETED,
    &RETENTION_CUT,
    &SUBSCRIPTION_DELETED,
    &FLOW_LOGS_DELETED,
    &QUERY_LOGGING_DELETED,
    &CONFIG_STOPPED,
    &GUARDDUTY_DISABLED,
    &GUARDDUTY_SUPPRESSED,
    &SECURITYHUB_DISABLED,
    &EKS_LOGGING_DISABLED,
    &LEAVE_ORGANIZATION,
];

/// Evaluate a write call. The match on (service, name) is the pre-classification: most calls fall
/// through to `_` without touching their request parameters.
pub fn evaluate(record: &Record<'_>, out: &mut Vec<Detection>) {
    let name = &*record.event_name;
    let detection = match (record.service(), name) {
        ("cloudtrail", "StopLogging") => stop_logging(record),
        ("cloudtrail", "DeleteTrail") => delete_trail(record),
        ("cloudtrail", "UpdateTrail") => update_trail(record),
        ("cloudtrail", "PutEventSelectors") => put_event_selectors(record),
        ("cloudtrail", "StopEventDataStoreIngestion" | "DeleteEventDataStore") => lake(record),
        ("s3", "PutBucketLifecycle" | "PutBucketLifecycleConfiguration") => {
            bucket_lifecycle(record)
        }
        ("s3", "PutBucketLogging") => bucket_logging(record),
        ("logs", "DeleteLogGroup" | "DeleteLogStream") => delete_log_group(record),
        ("logs", "PutRetentionPolicy") => retention(record),
        ("logs", "DeleteSubscriptionFilter") => subscription(record),
        ("ec2", "DeleteFlowLogs") => flow_logs(record),
        (
            "route53resolver",
            "DeleteResolverQueryLogConfig" | "DisassociateResolverQueryLogConfig",
        ) => query_logging(record),
        (
            "config",
            "StopConfigurationRecorder" | "DeleteConfigurationRecorder" | "DeleteDeliveryChannel",
        ) => config_recorder(record),
        (
            "guardduty",
            "DeleteDetector"
            | "UpdateDetector"
            | "DisassociateFromMasterAccount"
            | "DisassociateFromAdministratorAccount",
        ) => guardduty(record),
        ("guardduty", "CreateFilter" | "UpdateFilter") => guardduty_filter(record),
        ("securityhub", "DisableSecurityHub" | "BatchDisableStandards") => security_hub(record),
        ("eks", "UpdateClusterConfig") => eks_logging(record),
        ("organizations", "LeaveOrganization") => leave_organization(record),
        _ => None,
    };
    out.extend(detection);
}

fn region(record: &Record<'_>) -> String {
    sh(record.aws_region.as_deref().unwrap_or("us-east-1"))
}

fn param(record: &Record<'_>, key: &str) -> Option<String> {
    record.params()?.str(key).map(|v| v.into_owned())
}

fn or_placeholder(value: &Option<String>, placeholder: &str) -> String {
    value.as_deref().map_or_else(|| placeholder.to_owned(), sh)
}

/// Trail names arrive as a name or an ARN; commands take either.
fn trail_name(record: &Record<'_>, key: &str) -> Option<String> {
    param(record, key)
}

fn stop_logging(record: &Record<'_>) -> Option<Detection> {
    let trail = trail_name(record, "name");
    let t = or_placeholder(&trail, "<trail>");
    let r = region(record);
    Some(
        Detection::new(&STOP_LOGGING)
            .reason(format!(
                "CloudTrail logging was stopped on trail {}: API calls in its scope are no longer recorded",
                trail.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws cloudtrail get-trail-status --name {t} --region {r}` gives StopLoggingTime; \
                 `aws cloudtrail describe-trails --trail-name-list {t} --region {r}` shows which regions and \
                 accounts the trail covered"
            ))
            .restore(format!("aws cloudtrail start-logging --name {t} --region {r}")),
    )
}

fn delete_trail(record: &Record<'_>) -> Option<Detection> {
    let trail = trail_name(record, "name");
    let t = or_placeholder(&trail, "<trail>");
    let r = region(record);
    Some(
        Detection::new(&DELETE_TRAIL)
            .reason(format!(
                "CloudTrail trail {} was deleted: its recording and delivery ended",
                trail.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws cloudtrail describe-trails --region {r}` lists the trails left; the deleted trail's \
                 last delivered files are still in its S3 bucket"
            ))
            .restore(format!(
                "aws cloudtrail create-trail --name {t} --s3-bucket-name <log-bucket> --is-multi-region-trail \
                 --include-global-service-events --region {r}"
            ))
            .restore(format!("aws cloudtrail start-logging --name {t} --region {r}")),
    )
}

fn update_trail(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    let trail = params.str("name").map(|v| v.into_owned());
    let t = or_placeholder(&trail, "<trail>");
    let r = region(record);
    let mut severity = None;
    let mut reasons = Vec::new();
    let mut flags = Vec::new();
    if params.bool("isMultiRegionTrail") == Some(false) {
        severity = severity.max(Some(Severity::High));
        reasons.push(
            "the trail was made single-region (isMultiRegionTrail=false): calls in every other region \
             are no longer recorded"
                .to_owned(),
        );
        flags.push("--is-multi-region-trail");
    }
    if params.bool("includeGlobalServiceEvents") == Some(false) {
        severity = severity.max(Some(Severity::High));
        reasons.push(
            "global service events were excluded (includeGlobalServiceEvents=false): IAM, STS and \
             CloudFront calls are no longer recorded"
                .to_owned(),
        );
        flags.push("--include-global-service-events");
    }
    if params.bool("isOrganizationTrail") == Some(false) {
        severity = severity.max(Some(Severity::High));
        reasons.push(
            "the trail stopped being an organization trail (isOrganizationTrail=false): member accounts \
             are no longer recorded"
                .to_owned(),
        );
        flags.push("--is-organization-trail");
    }
    if params.str("cloudWatchLogsLogGroupArn").as_deref() == Some("") {
        severity = severity.max(Some(Severity::Medium));
        reasons.push(
            "CloudWatch Logs delivery was removed (cloudWatchLogsLogGroupArn set empty): real-time \
             metric filters and alarms on the trail stop"
                .to_owned(),
        );
        flags.push(
            "--cloud-watch-logs-log-group-arn <log-group-arn> --cloud-watch-logs-role-arn <role-arn>",
        );
    }
    if let Some(bucket) = params.str("s3BucketName").filter(|b| !b.is_empty()) {
        severity = severity.max(Some(Severity::Medium));
        reasons.push(format!(
            "log delivery was redirected to bucket {bucket}: verify that this bucket is the approved, \
             access-controlled log archive"
        ));
        flags.push("--s3-bucket-name <approved-log-bucket>");
    }
    let severity = severity?;
    let mut detection = Detection::new(&TRAIL_NARROWED)
        .severity(severity)
        .reason(format!(
            "UpdateTrail narrowed trail {}",
            trail.as_deref().unwrap_or("(unnamed)")
        ))
        .scope(format!(
            "`aws cloudtrail describe-trails --trail-name-list {t} --region {r}` shows the trail's coverage now"
        ))
        .restore(format!(
            "aws cloudtrail update-trail --name {t} --region {r} {}",
            flags.join(" ")
        ));
    detection.reasons.extend(reasons);
    Some(detection)
}

fn put_event_selectors(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    let trail = params.str("trailName").map(|v| v.into_owned());
    let t = or_placeholder(&trail, "<trail>");
    let r = region(record);
    let (severity, reasons) = if let Some(selectors) = params.array("advancedEventSelectors") {
        advanced_selectors(&selectors)
    } else if let Some(selectors) = params.array("eventSelectors") {
        basic_selectors(&selectors)
    } else {
        (None, Vec::new())
    };
    let severity = severity?;
    let mut detection = Detection::new(&SELECTORS_NARROWED)
        .severity(severity)
        .reason(format!(
            "PutEventSelectors changed what trail {} records",
            trail.as_deref().unwrap_or("(unnamed)")
        ))
        .scope(format!(
            "`aws cloudtrail get-event-selectors --trail-name {t} --region {r}` shows what is recorded now"
        ))
        .restore(format!(
            "aws cloudtrail put-event-selectors --trail-name {t} --region {r} --event-selectors \
             '[{{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}}]'"
        ));
    detection.reasons.extend(reasons);
    Some(detection)
}

fn basic_selectors(selectors: &[&RawValue]) -> (Option<Severity>, Vec<String>) {
    if selectors.is_empty() {
        return (
            Some(Severity::High),
            vec!["every event selector was removed: no management events are recorded".to_owned()],
        );
    }
    let mut records_writes = false;
    let mut excluded = Vec::new();
    for selector in selectors.iter().filter_map(|s| Object::from_raw(s).ok()) {
        let management = selector.bool("includeManagementEvents").unwrap_or(true);
        let read_write = selector.str("readWriteType");
        if management && read_write.as_deref() != Some("ReadOnly") {
            records_writes = true;
        }
        for source in selector
            .array("excludeManagementEventSources")
            .unwrap_or_default()
        {
            if let Some(source) = json::raw_str(source) {
                excluded.push(source.into_owned());
            }
        }
    }
    let mut severity = None;
    let mut reasons = Vec::new();
    if !records_writes {
        severity = Some(Severity::High);
        reasons.push(
            "no selector records management write events (includeManagementEvents=false or \
             readWriteType=ReadOnly): configuration changes are no longer recorded"
                .to_owned(),
        );
    }
    if !excluded.is_empty() {
        severity = severity.max(Some(Severity::Medium));
        reasons.push(format!(
            "management events from {} are excluded",
            excluded.join(", ")
        ));
    }
    (severity, reasons)
}

fn advanced_selectors(selectors: &[&RawValue]) -> (Option<Severity>, Vec<String>) {
    let mut management = 0;
    let mut read_only_management = 0;
    let mut excluded = Vec::new();
    for selector in selectors.iter().filter_map(|s| Object::from_raw(s).ok()) {
        let fields: Vec<Object<'_>> = selector
            .array("fieldSelectors")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|f| Object::from_raw(f).ok())
            .collect();
        let values = |field: &Object<'_>, key: &str| -> Vec<String> {
            field
                .array(key)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|v| json::raw_str(v).map(|s| s.into_owned()))
                .collect()
        };
        let is_management = fields.iter().any(|f| {
            f.str("field").as_deref() == Some("eventCategory")
                && values(f, "equals").iter().any(|v| v == "Management")
        });
        if !is_management {
            continue;
        }
        management += 1;
        let only_reads = fields.iter().any(|f| {
            f.str("field").as_deref() == Some("readOnly")
                && values(f, "equals").iter().all(|v| v == "true")
                && !values(f, "equals").is_empty()
        });
        if only_reads {
            read_only_management += 1;
        }
        for f in &fields {
            if f.str("field").as_deref() == Some("eventSource") {
                excluded.extend(values(f, "notEquals"));
                excluded.extend(values(f, "notStartsWith"));
            }
        }
    }
    let mut severity = None;
    let mut reasons = Vec::new();
    if management == 0 {
        severity = Some(Severity::High);
        reasons.push("no advanced selector records management events".to_owned());
    } else if read_only_management == management {
        severity = Some(Severity::High);
        reasons.push(
            "management selectors keep only read-only events (readOnly=true): configuration changes \
             are no longer recorded"
                .to_owned(),
        );
    }
    if !excluded.is_empty() {
        severity = severity.max(Some(Severity::Medium));
        reasons.push(format!(
            "management events from {} are excluded",
            excluded.join(", ")
        ));
    }
    (severity, reasons)
}

fn lake(record: &Record<'_>) -> Option<Detection> {
    let store = param(record, "eventDataStore");
    let s = or_placeholder(&store, "<event-data-store>");
    let r = region(record);
    let deleted = record.event_name == "DeleteEventDataStore";
    let (what, restore) = if deleted {
        (
            "was deleted (recoverable for 7 days)",
            format!("aws cloudtrail restore-event-data-store --event-data-store {s} --region {r}"),
        )
    } else {
        (
            "stopped ingesting events",
            format!(
                "aws cloudtrail start-event-data-store-ingestion --event-data-store {s} --region {r}"
            ),
        )
    };
    Some(
        Detection::new(&LAKE_STOPPED)
            .reason(format!(
                "CloudTrail Lake event data store {} {what}",
                store.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws cloudtrail get-event-data-store --event-data-store {s} --region {r}` shows its status"
            ))
            .restore(restore),
    )
}

/// Names that mark a bucket or log group as holding audit logs.
fn looks_like_log_store(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "trail",
        "log",
        "audit",
        "flow",
        "guardduty",
        "security",
        "siem",
        "/aws/eks/",
    ]
    .iter()
    .any(|marker| lower.contains(marker))
}

fn bucket_lifecycle(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    let bucket = params.str("bucketName")?.into_owned();
    if !looks_like_log_store(&bucket) {
        return None;
    }
    let config = params.object("LifecycleConfiguration")?;
    let rules = config.raw("Rule")?;
    let rules: Vec<&RawValue> = json::raw_array(rules).unwrap_or_else(|| vec![rules]);
    let shortest = rules
        .iter()
        .filter_map(|r| Object::from_raw(r).ok())
        .filter(|r| r.str("Status").is_none_or(|s| s == "Enabled"))
        .filter_map(|r| r.object("Expiration")?.i64("Days"))
        .min()?;
    if shortest > SHORT_RETENTION_DAYS {
        return None;
    }
    let b = sh(&bucket);
    Some(
        Detection::new(&BUCKET_SHORT_EXPIRY)
            .reason(format!(
                "a lifecycle rule on log bucket {bucket} expires objects after {shortest} day(s): \
                 delivered logs disappear before anyone can investigate"
            ))
            .scope(format!(
                "`aws s3api get-bucket-lifecycle-configuration --bucket {b}`; check which trails or \
                 services deliver into the bucket"
            ))
            .restore(format!(
                "aws s3api delete-bucket-lifecycle --bucket {b}   # then re-apply the approved retention rule"
            )),
    )
}

fn bucket_logging(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    let status = params.object("BucketLoggingStatus");
    if status.as_ref().is_some_and(|s| s.has("LoggingEnabled")) {
        return None;
    }
    let bucket = params.str("bucketName").map(|v| v.into_owned());
    let b = or_placeholder(&bucket, "<bucket>");
    Some(
        Detection::new(&ACCESS_LOGGING_OFF)
            .reason(format!(
                "server access logging was switched off on bucket {}: requests to its objects are no \
                 longer logged",
                bucket.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!("`aws s3api get-bucket-logging --bucket {b}`"))
            .restore(format!(
                "aws s3api put-bucket-logging --bucket {b} --bucket-logging-status \
                 '{{\"LoggingEnabled\":{{\"TargetBucket\":\"<access-log-bucket>\",\"TargetPrefix\":\"{}/\"}}}}'",
                bucket.as_deref().unwrap_or("<bucket>").replace(['\'', '"', '\\'], "")
            )),
    )
}

fn delete_log_group(record: &Record<'_>) -> Option<Detection> {
    let group = param(record, "logGroupName");
    let g = or_placeholder(&group, "<log-group>");
    let r = region(record);
    let stream = param(record, "logStreamName");
    let known = group.as_deref().is_some_and(looks_like_log_store);
    let mut detection = Detection::new(&LOG_GROUP_DELETED);
    if let Some(stream) = &stream {
        detection = detection.severity(Severity::Medium).reason(format!(
            "log stream {stream} of log group {} was deleted with the events it held",
            group.as_deref().unwrap_or("(unnamed)")
        ));
    } else {
        detection = detection.reason(format!(
            "log group {} was deleted with every event it held; its producers now write nowhere",
            group.as_deref().unwrap_or("(unnamed)")
        ));
    }
    if known {
        detection = detection
            .confidence(85)
            .reason("its name marks it as an audit, security or flow-log group");
    }
    Some(
        detection
            .scope(format!(
                "find the producers that delivered to {g} (trails, flow logs, EKS, agents) and the \
                 subscriptions that read it; deleted events cannot be recovered from CloudWatch"
            ))
            .restore(format!(
                "aws logs create-log-group --log-group-name {g} --region {r}"
            )),
    )
}

fn retention(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    let days = params.i64("retentionInDays")?;
    if days > SHORT_RETENTION_DAYS {
        return None;
    }
    let group = params.str("logGroupName").map(|v| v.into_owned());
    let g = or_placeholder(&group, "<log-group>");
    let r = region(record);
    let mut detection = Detection::new(&RETENTION_CUT).reason(format!(
        "retention of log group {} was cut to {days} day(s): older events are deleted",
        group.as_deref().unwrap_or("(unnamed)")
    ));
    if group.as_deref().is_some_and(looks_like_log_store) {
        detection = detection
            .severity(Severity::High)
            .confidence(80)
            .reason("its name marks it as an audit, security or flow-log group");
    }
    Some(
        detection
            .scope(format!(
                "`aws logs describe-log-groups --log-group-name-prefix {g} --region {r}`"
            ))
            .restore(format!(
                "aws logs put-retention-policy --log-group-name {g} --retention-in-days 365 --region {r}"
            )),
    )
}

fn subscription(record: &Record<'_>) -> Option<Detection> {
    let group = param(record, "logGroupName");
    let filter = param(record, "filterName");
    let g = or_placeholder(&group, "<log-group>");
    let f = or_placeholder(&filter, "<filter>");
    let r = region(record);
    Some(
        Detection::new(&SUBSCRIPTION_DELETED)
            .reason(format!(
                "subscription filter {} was removed from log group {}: its events stop flowing to the \
                 downstream consumer (SIEM, Firehose, Lambda)",
                filter.as_deref().unwrap_or("(unnamed)"),
                group.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws logs describe-subscription-filters --log-group-name {g} --region {r}`"
            ))
            .restore(format!(
                "aws logs put-subscription-filter --log-group-name {g} --filter-name {f} \
                 --filter-pattern '' --destination-arn <destination-arn> --region {r}"
            )),
    )
}

fn flow_logs(record: &Record<'_>) -> Option<Detection> {
    let ids = record
        .params()
        .and_then(|p| {
            p.path(&["DeleteFlowLogsRequest", "FlowLogId"])
                .map(flow_log_ids)
        })
        .unwrap_or_default();
    let r = region(record);
    let listed = if ids.is_empty() {
        "(unnamed)".to_owned()
    } else {
        ids.join(", ")
    };
    Some(
        Detection::new(&FLOW_LOGS_DELETED)
            .reason(format!(
                "flow log(s) {listed} were deleted: traffic of the VPCs, subnets or interfaces they \
                 covered is no longer recorded"
            ))
            .scope(
                "AWS Config history (`aws configservice get-resource-config-history --resource-type \
                 AWS::EC2::FlowLog --resource-id <id>`) shows which resource each flow log covered",
            )
            .restore(format!(
                "aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> --traffic-type ALL \
                 --log-destination-type s3 --log-destination <flow-log-bucket-arn> --region {r}"
            )),
    )
}

fn query_logging(record: &Record<'_>) -> Option<Detection> {
    let config = param(record, "resolverQueryLogConfigId");
    let vpc = param(record, "resourceId");
    let c = or_placeholder(&config, "<query-log-config-id>");
    let r = region(record);
    let (what, restore_vpc) = match &vpc {
        Some(vpc) => (
            format!(" was detached from {vpc}"),
            or_placeholder(&Some(vpc.clone()), "<vpc-id>"),
        ),
        None => (" was deleted".to_owned(), "<vpc-id>".to_owned()),
    };
    Some(
        Detection::new(&QUERY_LOGGING_DELETED)
            .reason(format!(
                "Route 53 Resolver query log config {}{what}: DNS queries are no longer logged \
                 (DNS exfiltration and C2 lookups go unseen)",
                config.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws route53resolver list-resolver-query-log-config-associations --region {r}`"
            ))
            .restore(format!(
                "aws route53resolver associate-resolver-query-log-config \
                 --resolver-query-log-config-id {c} --resource-id {restore_vpc} --region {r}"
            )),
    )
}

fn config_recorder(record: &Record<'_>) -> Option<Detection> {
    let recorder = param(record, "configurationRecorderName");
    let channel = param(record, "deliveryChannelName");
    let r = region(record);
    let (reason, restore) = match &*record.event_name {
        "DeleteDeliveryChannel" => (
            format!(
                "AWS Config delivery channel {} was deleted: configuration snapshots and history \
                 are no longer delivered",
                channel.as_deref().unwrap_or("(unnamed)")
            ),
            format!(
                "aws configservice put-delivery-channel --delivery-channel \
                 name={},s3BucketName=<config-bucket> --region {r}",
                or_placeholder(&channel, "default")
            ),
        ),
        name => (
            format!(
                "AWS Config recorder {} was {}: resource configuration changes are no longer recorded",
                recorder.as_deref().unwrap_or("(unnamed)"),
                if name == "StopConfigurationRecorder" {
                    "stopped"
                } else {
                    "deleted"
                }
            ),
            format!(
                "aws configservice start-configuration-recorder --configuration-recorder-name {} --region {r}",
                or_placeholder(&recorder, "default")
            ),
        ),
    };
    Some(
        Detection::new(&CONFIG_STOPPED)
            .reason(reason)
            .scope(format!(
                "`aws configservice describe-configuration-recorder-status --region {r}`"
            ))
            .restore(restore),
    )
}

fn guardduty(record: &Record<'_>) -> Option<Detection> {
    let params = record.params();
    let detector = params
        .as_ref()
        .and_then(|p| p.str("detectorId"))
        .map(|v| v.into_owned());
    let d = or_placeholder(&detector, "<detector-id>");
    let r = region(record);
    let shown = detector.as_deref().unwrap_or("(unnamed)");
    let enable = format!("aws guardduty update-detector --detector-id {d} --enable --region {r}");
    let detection = Detection::new(&GUARDDUTY_DISABLED).scope(format!(
        "`aws guardduty get-detector --detector-id {d} --region {r}` shows its status and features"
    ));
    let detection = match &*record.event_name {
        "DeleteDetector" => detection
            .reason(format!(
                "GuardDuty detector {shown} was deleted: threat detection in {r} stopped and its \
                 findings are gone"
            ))
            .restore(format!(
                "aws guardduty create-detector --enable --region {r}"
            )),
        "UpdateDetector" => {
            let params = params?;
            if params.bool("enable") == Some(false) {
                detection
                    .reason(format!(
                        "GuardDuty detector {shown} was disabled (enable=false): no new findings"
                    ))
                    .restore(enable)
            } else {
                let off = disabled_features(&params);
                if off.is_empty() {
                    return None;
                }
                detection
                    .severity(Severity::Medium)
                    .reason(format!(
                        "GuardDuty protections turned off on detector {shown}: {}",
                        off.join(", ")
                    ))
                    .restore(format!(
                        "aws guardduty update-detector --detector-id {d} --region {r} --features \
                         '[{{\"Name\":\"<feature>\",\"Status\":\"ENABLED\"}}]'"
                    ))
            }
        }
        _ => detection
            .severity(Severity::Medium)
            .reason(format!(
                "this account left its GuardDuty administrator ({}): the organization's security \
                 team no longer sees its findings",
                record.event_name
            ))
            .restore(
                "from the administrator account: aws guardduty create-members, then \
                 aws guardduty invite-members for this account",
            ),
    };
    Some(detection)
}

fn disabled_features(params: &Object<'_>) -> Vec<String> {
    let mut off = Vec::new();
    for feature in params
        .array("features")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| Object::from_raw(f).ok())
    {
        if feature.str("status").as_deref() == Some("DISABLED") {
            off.push(
                feature
                    .str("name")
                    .map_or_else(|| "(unnamed feature)".to_owned(), |n| n.into_owned()),
            );
        }
    }
    if let Some(sources) = params.object("dataSources") {
        for (path, name) in [
            (&["s3Logs", "enable"][..], "S3 protection"),
            (
                &["kubernetes", "auditLogs", "enable"][..],
                "EKS audit log monitoring",
            ),
            (
                &[
                    "malwareProtection",
                    "scanEc2InstanceWithFindings",
                    "ebsVolumes",
                ][..],
                "EBS malware protection",
            ),
        ] {
            if sources.path(path).and_then(json::raw_bool) == Some(false) {
                off.push(name.to_owned());
            }
        }
    }
    off
}

fn guardduty_filter(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    if params.str("action").as_deref() != Some("ARCHIVE") {
        return None;
    }
    let detector = params.str("detectorId").map(|v| v.into_owned());
    let filter = params
        .str("name")
        .or_else(|| params.str("filterName"))
        .map(|v| v.into_owned());
    let d = or_placeholder(&detector, "<detector-id>");
    let f = or_placeholder(&filter, "<filter>");
    let r = region(record);
    Some(
        Detection::new(&GUARDDUTY_SUPPRESSED)
            .reason(format!(
                "GuardDuty filter {} auto-archives matching findings (action=ARCHIVE): they never reach \
                 the analysts",
                filter.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws guardduty get-filter --detector-id {d} --filter-name {f} --region {r}` shows the \
                 criteria; list archived findings matching them"
            ))
            .restore(format!(
                "aws guardduty delete-filter --detector-id {d} --filter-name {f} --region {r}"
            )),
    )
}

fn security_hub(record: &Record<'_>) -> Option<Detection> {
    let r = region(record);
    let scope = format!("`aws securityhub describe-hub --region {r}`");
    if record.event_name == "DisableSecurityHub" {
        return Some(
            Detection::new(&SECURITYHUB_DISABLED)
                .reason(format!(
                    "Security Hub was disabled in {r}: aggregated findings and compliance checks stop"
                ))
                .scope(scope)
                .restore(format!("aws securityhub enable-security-hub --region {r}")),
        );
    }
    let standards: Vec<String> = record
        .params()
        .and_then(|p| p.array("standardsSubscriptionArns"))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| json::raw_str(v).map(|s| s.into_owned()))
        .collect();
    Some(
        Detection::new(&SECURITYHUB_DISABLED)
            .severity(Severity::Medium)
            .reason(format!(
                "Security Hub standards disabled: {}",
                if standards.is_empty() {
                    "(unnamed)".to_owned()
                } else {
                    standards.join(", ")
                }
            ))
            .scope(format!(
                "`aws securityhub get-enabled-standards --region {r}`"
            ))
            .restore(format!(
                "aws securityhub batch-enable-standards --standards-subscription-requests \
                 StandardsArn=<standards-arn> --region {r}"
            )),
    )
}

fn eks_logging(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    let cluster = params.str("name").map(|v| v.into_owned());
    let entries = params
        .path(&["logging", "clusterLogging"])
        .and_then(json::raw_array)?;
    let mut disabled = Vec::new();
    for entry in entries.into_iter().filter_map(|e| Object::from_raw(e).ok()) {
        if entry.bool("enabled") != Some(false) {
            continue;
        }
        for kind in entry.array("types").unwrap_or_default() {
            if let Some(kind) = json::raw_str(kind) {
                disabled.push(kind.into_owned());
            }
        }
    }
    if disabled.is_empty() {
        return None;
    }
    let critical_types = disabled
        .iter()
        .any(|t| t == "audit" || t == "authenticator");
    let c = or_placeholder(&cluster, "<cluster>");
    let r = region(record);
    Some(
        Detection::new(&EKS_LOGGING_DISABLED)
            .severity(if critical_types {
                Severity::High
            } else {
                Severity::Medium
            })
            .reason(format!(
                "EKS cluster {} stopped sending control-plane logs: {}{}",
                cluster.as_deref().unwrap_or("(unnamed)"),
                disabled.join(", "),
                if critical_types {
                    " (Kubernetes audit trail lost)"
                } else {
                    ""
                }
            ))
            .scope(format!(
                "`aws eks describe-cluster --name {c} --region {r} --query cluster.logging`"
            ))
            .restore(format!(
                "aws eks update-cluster-config --name {c} --region {r} --logging \
                 '{{\"clusterLogging\":[{{\"types\":[\"api\",\"audit\",\"authenticator\",\"controllerManager\",\"scheduler\"],\"enabled\":true}}]}}'"
            )),
    )
}

fn leave_organization(record: &Record<'_>) -> Option<Detection> {
    let account = record.account().unwrap_or("(unknown account)").to_owned();
    Some(
        Detection::new(&LEAVE_ORGANIZATION)
            .reason(format!(
                "account {account} left its AWS Organization: the organization trail, service control \
                 policies and delegated GuardDuty/Security Hub no longer cover it"
            ))
            .scope("from the management account: `aws organizations list-accounts` and the organization trail's last events for this account")
            .restore(format!(
                "from the management account: aws organizations invite-account-to-organization --target Id={},Type=ACCOUNT",
                sh(&account)
            )),
    )
}
