//! Family 1 on AWS, S3: log buckets emptied early, deleted, closed to the services that deliver into
//! them or stripped of versioning, and server access logging switched off. A bucket is a log bucket
//! when the stream showed logs delivered to it (a trail, flow logs, access logs, Config, GuardDuty
//! exports, WAF or ELB logs named it) or when its name says so. Request fields as CloudTrail records
//! S3 calls (docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html):
//! `bucketName`, `bucketPolicy` as a JSON object, `VersioningConfiguration`.

use crate::sources::json::Raw;

use crate::model::Severity;
use crate::rules::memory::Kind;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

use super::{SHORT_RETENTION_DAYS, looks_like_log_store, or_placeholder, param, region};

declare! {
    BUCKET_SHORT_EXPIRY = {
        id: "aws.s3.log_bucket_short_expiry",
        title: "Log bucket lifecycle expires logs within days",
        description: "PutBucketLifecycle with an expiration of at most 7 days on a log bucket: one the stream showed logs \
                     delivered to, or whose name marks it as a log, trail or audit bucket. Longer expirations and \
                     other buckets are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::CloudTrail {
            calls: &[("s3", "PutBucketLifecycle"), ("s3", "PutBucketLifecycleConfiguration")],
            check: bucket_lifecycle,
        },
    };
    ACCESS_LOGGING_OFF = {
        id: "aws.s3.access_logging_disabled",
        title: "S3 server access logging switched off",
        description: "PutBucketLogging with an empty BucketLoggingStatus (no LoggingEnabled). Enabling access logging is not \
                     a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("s3", "PutBucketLogging")],
            check: bucket_logging,
        },
    };
    LOG_BUCKET_DELETED = {
        id: "aws.s3.log_bucket_deleted",
        title: "Log bucket deleted",
        description: "DeleteBucket on a log bucket: critical when the stream showed logs delivered to it, high when only its \
                     name marks it. Delivery into it fails from then on, and a bucket name can be re-registered by \
                     anyone. Other buckets are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Critical,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("s3", "DeleteBucket")],
            check: log_bucket_deleted,
        },
    };
    LOG_BUCKET_POLICY = {
        id: "aws.s3.log_bucket_policy_changed",
        title: "Log delivery blocked by a bucket policy",
        description: "PutBucketPolicy that denies a log-delivery service principal (cloudtrail, delivery.logs, config, \
                      logging.s3, ELB log delivery) writing to any bucket (high); PutBucketPolicy on a bucket the stream \
                      showed logs delivered to that no longer grants any of them (medium); DeleteBucketPolicy on a log \
                      bucket (high: CloudTrail, Config and VPC flow-log delivery need the policy). Policies that keep \
                      the grants are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::CloudTrail {
            calls: &[("s3", "PutBucketPolicy"), ("s3", "DeleteBucketPolicy")],
            check: log_bucket_policy,
        },
    };
    LOG_BUCKET_VERSIONING = {
        id: "aws.s3.log_bucket_versioning_suspended",
        title: "Log bucket versioning suspended",
        description: "PutBucketVersioning with Status Suspended or MfaDelete Disabled on a log bucket: overwritten or \
                      deleted log files can no longer be recovered. Enabling versioning and other buckets are not \
                      findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("s3", "PutBucketVersioning")],
            check: log_bucket_versioning,
        },
    };
}

/// Service principals that write logs into buckets.
const LOG_WRITERS: &[&str] = &[
    "cloudtrail.amazonaws.com",
    "delivery.logs.amazonaws.com",
    "config.amazonaws.com",
    "logging.s3.amazonaws.com",
    "logdelivery.elasticloadbalancing.amazonaws.com",
    "logdelivery.elb.amazonaws.com",
    "guardduty.amazonaws.com",
];

/// Why a bucket counts as a log bucket, if it does: what the stream showed first, then its name.
pub fn log_bucket(env: &Env<'_>, bucket: &str) -> Option<&'static str> {
    if let Some(known) = env.destination(Kind::AwsBucket, bucket) {
        Some(known.why())
    } else if looks_like_log_store(bucket) {
        Some("its name marks it as a log bucket")
    } else {
        None
    }
}

fn log_bucket_deleted(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let bucket = param(record, "bucketName")?;
    let why = log_bucket(env, &bucket)?;
    let learned = env.is_destination(Kind::AwsBucket, &bucket);
    let b = sh(&bucket);
    let r = region(record);
    Some(
        Detection::new(&LOG_BUCKET_DELETED)
            .severity(if learned { Severity::Critical } else { Severity::High })
            .confidence(if learned { 90 } else { 70 })
            .reason(format!(
                "log bucket {bucket} was deleted ({why}): the logs it held are gone and delivery into it fails"
            ))
            .scope(format!(
                "`aws cloudtrail describe-trails --region {r}`, `aws ec2 describe-flow-logs --region {r}` and \
                 `aws configservice describe-delivery-channels --region {r}` show what delivered to {b}"
            ))
            .restore(format!(
                "aws s3api create-bucket --bucket {b} --region {r}   # before anyone else registers the name; then \
                 restore its policy, versioning and object lock from IaC"
            )),
    )
}

/// A policy statement's principals as strings (`"*"`, `{"Service": [...]}`, `{"AWS": "..."}`).
fn principals(statement: &Object<'_>) -> Vec<String> {
    let Some(raw) = statement.raw("Principal") else {
        return Vec::new();
    };
    if let Some(one) = json::raw_str(raw) {
        return vec![one.into_owned()];
    }
    let Ok(object) = Object::from_raw(raw) else {
        return Vec::new();
    };
    ["Service", "AWS"]
        .iter()
        .flat_map(|k| super::strings(&object, &[k]))
        .collect()
}

/// What a new bucket policy does to log delivery: the log writers it denies, and whether it still
/// allows any log writer.
fn policy_effect(policy: &Object<'_>) -> (Vec<String>, bool) {
    let statements = match policy.raw("Statement") {
        Some(raw) => json::raw_array(raw).unwrap_or_else(|| vec![raw]),
        None => Vec::new(),
    };
    let mut denied = Vec::new();
    let mut allows = false;
    for statement in statements
        .into_iter()
        .filter_map(|s| Object::from_raw(s).ok())
    {
        let effect = statement.str("Effect").unwrap_or_default();
        let actions = super::strings(&statement, &["Action"]);
        let writes = actions.iter().any(|a| {
            a == "*" || a == "s3:*" || a.eq_ignore_ascii_case("s3:PutObject") || a == "s3:Put*"
        });
        for principal in principals(&statement) {
            let writer = LOG_WRITERS.contains(&principal.as_str());
            if effect == "Deny"
                && writes
                && (writer || (principal == "*" && !statement.has("Condition")))
            {
                denied.push(principal.clone());
            }
            if effect == "Allow" && writer {
                allows = true;
            }
        }
    }
    (denied, allows)
}

fn log_bucket_policy(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let bucket = params.str("bucketName")?.into_owned();
    let b = sh(&bucket);
    let scope = format!(
        "`aws s3api get-bucket-policy --bucket {b}` and the trails, flow logs and delivery channels writing to it"
    );
    let restore = format!(
        "aws s3api put-bucket-policy --bucket {b} --policy file://<approved-log-bucket-policy.json>"
    );
    if record.event_name == "DeleteBucketPolicy" {
        let why = log_bucket(env, &bucket)?;
        return Some(
            Detection::new(&LOG_BUCKET_POLICY)
                .reason(format!(
                    "the bucket policy of log bucket {bucket} was deleted ({why}): CloudTrail, Config and flow-log \
                     delivery, which need it, start failing"
                ))
                .scope(scope)
                .restore(restore),
        );
    }
    let policy = params.object("bucketPolicy")?;
    let (denied, allows) = policy_effect(&policy);
    let detection = if !denied.is_empty() {
        Detection::new(&LOG_BUCKET_POLICY)
            .confidence(85)
            .reason(format!(
                "the new policy of bucket {bucket} denies writes by {}: log delivery into it fails",
                denied.join(", ")
            ))
    } else if !allows && let Some(known) = env.destination(Kind::AwsBucket, &bucket) {
        Detection::new(&LOG_BUCKET_POLICY)
            .severity(Severity::Medium)
            .reason(format!(
                "the new policy of bucket {bucket}, a log destination ({}), no longer grants any log-delivery \
                 service: delivery into it fails",
                known.why()
            ))
    } else {
        return None;
    };
    Some(detection.scope(scope).restore(restore))
}

fn log_bucket_versioning(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let bucket = params.str("bucketName")?.into_owned();
    let config = params.object("VersioningConfiguration")?;
    let suspended = config.str("Status").as_deref() == Some("Suspended");
    let mfa_off = config.str("MfaDelete").as_deref() == Some("Disabled");
    if !suspended && !mfa_off {
        return None;
    }
    let why = log_bucket(env, &bucket)?;
    let b = sh(&bucket);
    Some(
        Detection::new(&LOG_BUCKET_VERSIONING)
            .reason(format!(
                "{} on log bucket {bucket} ({why}): overwritten or deleted log files can no longer be recovered",
                if suspended { "versioning was suspended" } else { "MFA delete was disabled" }
            ))
            .scope(format!("`aws s3api get-bucket-versioning --bucket {b}`"))
            .restore(format!(
                "aws s3api put-bucket-versioning --bucket {b} --versioning-configuration Status=Enabled"
            )),
    )
}

fn bucket_lifecycle(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let bucket = params.str("bucketName")?.into_owned();
    log_bucket(env, &bucket)?;
    let config = params.object("LifecycleConfiguration")?;
    let rules = config.raw("Rule")?;
    let rules: Vec<Raw<'_>> = json::raw_array(rules).unwrap_or_else(|| vec![rules]);
    let shortest = rules
        .iter()
        .filter_map(|r| Object::from_raw(*r).ok())
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

fn bucket_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

#[cfg(test)]
mod tests {
    use super::policy_effect;
    use crate::sources::json::Object;

    fn effect(policy: &str) -> (Vec<String>, bool) {
        policy_effect(&Object::parse(policy).expect("policy"))
    }

    #[test]
    fn bucket_policies_are_judged_by_what_they_do_to_log_writers() {
        // The CloudTrail bucket policy of the CloudTrail user guide: allows, denies nothing.
        let (denied, allows) = effect(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::b"},{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/AWSLogs/1/*"}]}"#,
        );
        assert!(denied.is_empty());
        assert!(allows);
        // A single statement (not a list) denying flow-log delivery.
        let (denied, _) = effect(
            r#"{"Statement":{"Effect":"Deny","Principal":{"Service":["delivery.logs.amazonaws.com"]},"Action":["s3:*"],"Resource":"*"}}"#,
        );
        assert_eq!(denied, vec!["delivery.logs.amazonaws.com"]);
        // Deny everyone without a condition blocks delivery too; with a TLS condition it does not.
        let (denied, _) = effect(
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*"}]}"#,
        );
        assert_eq!(denied, vec!["*"]);
        let (denied, allows) = effect(
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        );
        assert!(denied.is_empty());
        assert!(!allows);
        // Denying reads to a log writer does not stop delivery.
        let (denied, _) = effect(
            r#"{"Statement":[{"Effect":"Deny","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetObject","Resource":"*"}]}"#,
        );
        assert!(denied.is_empty());
    }
}
