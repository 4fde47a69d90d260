//! Family 1 on AWS, CloudTrail trails and CloudTrail Lake stopped, deleted or narrowed, and trails'
//! integrity and delivery weakened (log file validation off, prefix moved, encryption or notification
//! changed, Insights removed). Request fields as the CloudTrail API names them
//! (docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_UpdateTrail.html).

use crate::sources::json::Raw;

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

use super::{or_placeholder, param, region};

declare! {
    STOP_LOGGING = {
        id: "aws.cloudtrail.stop_logging",
        title: "CloudTrail logging stopped",
        description: "StopLogging on a trail: API activity stops being recorded. StartLogging is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 90,
        trigger: Trigger::CloudTrail {
            calls: &[("cloudtrail", "StopLogging")],
            check: stop_logging,
        },
    };
    DELETE_TRAIL = {
        id: "aws.cloudtrail.delete_trail",
        title: "CloudTrail trail deleted",
        description: "DeleteTrail: the trail and its delivery are gone. CreateTrail is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 90,
        trigger: Trigger::CloudTrail {
            calls: &[("cloudtrail", "DeleteTrail")],
            check: delete_trail,
        },
    };
    TRAIL_NARROWED = {
        id: "aws.cloudtrail.trail_narrowed",
        title: "CloudTrail trail coverage narrowed",
        description: "UpdateTrail that makes a trail single-region, drops global service events, stops being an organization \
                     trail, removes CloudWatch Logs delivery or sends logs to a new bucket. Updates that only widen coverage \
                     (multi-region on, global events on, a log group added, a KMS key) are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[("cloudtrail", "UpdateTrail")],
            check: update_trail,
        },
    };
    SELECTORS_NARROWED = {
        id: "aws.cloudtrail.event_selectors_narrowed",
        title: "CloudTrail event selectors drop management events",
        description: "PutEventSelectors whose basic or advanced selectors no longer record management events, record only \
                     reads, or exclude event sources. Selectors recording all management events are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("cloudtrail", "PutEventSelectors")],
            check: put_event_selectors,
        },
    };
    LAKE_STOPPED = {
        id: "aws.cloudtrail.lake_ingestion_stopped",
        title: "CloudTrail Lake ingestion stopped or event data store deleted",
        description: "StopEventDataStoreIngestion or DeleteEventDataStore: CloudTrail Lake stops recording or loses its store.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("cloudtrail", "StopEventDataStoreIngestion"), ("cloudtrail", "DeleteEventDataStore")],
            check: lake,
        },
    };
    TRAIL_WEAKENED = {
        id: "aws.cloudtrail.trail_integrity_weakened",
        title: "CloudTrail log integrity or delivery weakened",
        description: "UpdateTrail that turns log file validation off (enableLogFileValidation=false: forged or deleted \
                      log files go unnoticed; medium), removes KMS encryption (kmsKeyId empty; medium), or sets the S3 key \
                      prefix, a KMS key of another account or an SNS topic (low: the SIEM reading the old prefix sees nothing, a key the \
                      attacker controls locks readers out, a new topic moves delivery notices; IaC sends them on every \
                      update, so alone they do not alert), and PutInsightSelectors removing every Insights selector (low). \
                      Validation on and updates that change nothing of these are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("cloudtrail", "UpdateTrail"), ("cloudtrail", "PutInsightSelectors")],
            check: trail_weakened,
        },
    };
}

/// Trail names arrive as a name or an ARN; commands take either.
fn trail_name(record: &Record<'_>, key: &str) -> Option<String> {
    param(record, key)
}

fn stop_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn delete_trail(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn update_trail(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn put_event_selectors(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn basic_selectors(selectors: &[Raw<'_>]) -> (Option<Severity>, Vec<String>) {
    if selectors.is_empty() {
        return (
            Some(Severity::High),
            vec!["every event selector was removed: no management events are recorded".to_owned()],
        );
    }
    let mut records_writes = false;
    let mut excluded = Vec::new();
    for selector in selectors.iter().filter_map(|s| Object::from_raw(*s).ok()) {
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

fn advanced_selectors(selectors: &[Raw<'_>]) -> (Option<Severity>, Vec<String>) {
    let mut management = 0;
    let mut read_only_management = 0;
    let mut excluded = Vec::new();
    for selector in selectors.iter().filter_map(|s| Object::from_raw(*s).ok()) {
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

fn lake(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn trail_weakened(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let trail = params
        .str("name")
        .or_else(|| params.str("trailName"))
        .map(|v| v.into_owned());
    let t = or_placeholder(&trail, "<trail>");
    let shown = trail.as_deref().unwrap_or("(unnamed)");
    let r = region(record);
    let mut severity = None;
    let mut reasons = Vec::new();
    let mut restore = Vec::new();
    if record.event_name == "PutInsightSelectors" {
        let selectors = params.array("insightSelectors").unwrap_or_default();
        if !selectors.is_empty() {
            return None;
        }
        severity = Some(Severity::Low);
        reasons.push(format!(
            "every CloudTrail Insights selector was removed from trail {shown}: unusual API call rates and error \
             rates are no longer flagged"
        ));
        restore.push(format!(
            "aws cloudtrail put-insight-selectors --trail-name {t} --insight-selectors \
             '[{{\"InsightType\":\"ApiCallRateInsight\"}},{{\"InsightType\":\"ApiErrorRateInsight\"}}]' --region {r}"
        ));
    } else {
        if params.bool("enableLogFileValidation") == Some(false) {
            severity = severity.max(Some(Severity::Medium));
            reasons.push(format!(
                "log file validation was turned off on trail {shown}: deleted or altered log files no longer \
                 break the digest chain"
            ));
            restore.push(format!(
                "aws cloudtrail update-trail --name {t} --enable-log-file-validation --region {r}"
            ));
        }
        // Infrastructure-as-code sends the prefix on every update, changed or not: low, for sequences.
        if let Some(prefix) = params.str("s3KeyPrefix") {
            severity = severity.max(Some(Severity::Low));
            reasons.push(format!(
                "trail {shown} now delivers under S3 key prefix {prefix:?}: readers of the previous prefix (the \
                 SIEM's S3 input) stop seeing new files"
            ));
            restore.push(format!(
                "aws cloudtrail update-trail --name {t} --s3-key-prefix <approved-prefix> --region {r}"
            ));
        }
        match params.str("kmsKeyId").as_deref() {
            Some("") => {
                severity = severity.max(Some(Severity::Medium));
                reasons.push(format!("KMS encryption was removed from trail {shown}"));
                restore.push(format!(
                    "aws cloudtrail update-trail --name {t} --kms-key-id <approved-key-arn> --region {r}"
                ));
            }
            // Encrypting with the account's own key is hardening; a key in another account is one its
            // owner controls, and can lock every reader out.
            Some(key) if foreign_key(key, record.account()) => {
                severity = severity.max(Some(Severity::Low));
                reasons.push(format!(
                    "trail {shown} now encrypts with KMS key {key} of another account: its owner decides who can \
                     read new log files"
                ));
                restore.push(format!(
                    "aws cloudtrail update-trail --name {t} --kms-key-id <approved-key-arn> --region {r}"
                ));
            }
            _ => {}
        }
        if let Some(topic) = params.str("snsTopicName") {
            severity = severity.max(Some(Severity::Low));
            reasons.push(if topic.is_empty() {
                format!("SNS delivery notifications of trail {shown} were removed")
            } else {
                format!("trail {shown} now notifies SNS topic {topic} of deliveries")
            });
            restore.push(format!(
                "aws cloudtrail update-trail --name {t} --sns-topic-name <approved-topic> --region {r}"
            ));
        }
    }
    let mut detection = Detection::new(&TRAIL_WEAKENED)
        .severity(severity?)
        .scope(format!(
            "`aws cloudtrail describe-trails --trail-name-list {t} --region {r}`; \
             `aws cloudtrail validate-logs --trail-arn <trail-arn> --start-time <time>` checks what was delivered"
        ));
    detection.reasons.extend(reasons);
    for command in restore {
        detection = detection.restore(command);
    }
    Some(detection)
}

/// Whether a KMS key ARN names an account other than the trail's (`arn:aws:kms:region:ACCOUNT:key/...`).
fn foreign_key(key: &str, own: Option<&str>) -> bool {
    match (
        key.strip_prefix("arn:").and_then(|k| k.split(':').nth(3)),
        own,
    ) {
        (Some(account), Some(own)) => !account.is_empty() && account != own,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::foreign_key;

    #[test]
    fn only_keys_of_another_account_count_as_foreign() {
        let own = Some("111122223333");
        assert!(foreign_key(
            "arn:aws:kms:us-east-1:444455556666:key/1a2b",
            own
        ));
        assert!(!foreign_key(
            "arn:aws:kms:us-east-1:111122223333:key/1a2b",
            own
        ));
        // Aliases and bare key ids live in the trail's own account.
        assert!(!foreign_key("alias/cloudtrail", own));
        assert!(!foreign_key("1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", own));
        assert!(!foreign_key(
            "arn:aws:kms:us-east-1:444455556666:key/1a2b",
            None
        ));
    }
}
