//! Family 1 on AWS, S3: log buckets emptied early and server access logging switched off.

use serde_json::value::RawValue;

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

use super::{SHORT_RETENTION_DAYS, looks_like_log_store, or_placeholder};

declare! {
    BUCKET_SHORT_EXPIRY = {
        id: "aws.s3.log_bucket_short_expiry",
        title: "Log bucket lifecycle expires logs within days",
        description: "PutBucketLifecycle with an expiration of at most 7 days on a bucket whose name marks it as a log, \
                     trail or audit bucket. Longer expirations and other buckets are not findings.",
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
}

fn bucket_lifecycle(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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
