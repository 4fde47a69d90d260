//! Family 1 on AWS, one module per service: CloudTrail, S3, CloudWatch Logs, EC2 flow logs, Route 53
//! Resolver query logs, Config, GuardDuty, Security Hub, EKS control-plane logs and Organizations
//! membership. Each rule fires only on the request conditions that remove or narrow visibility; the
//! widening variants of the same calls are left alone. The helpers here are shared by every AWS rule
//! (family 2's too).

use crate::rules::{Rule, sh};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

pub mod access_logs;
pub mod alerting;
pub mod bedrock;
pub mod cloudtrail;
pub mod config;
pub mod detectors;
pub mod ec2;
pub mod eks;
pub mod guardduty;
pub mod logs;
pub mod organizations;
pub mod rds;
pub mod route53resolver;
pub mod s3;
pub mod securityhub;
pub mod streams;

/// Expiry or retention at or under this many days leaves logs too short-lived to investigate from.
pub const SHORT_RETENTION_DAYS: i64 = 7;

/// Every AWS audit-logging rule, in catalogue order.
pub static MODULES: &[&[&Rule]] = &[
    cloudtrail::RULES,
    s3::RULES,
    logs::RULES,
    ec2::RULES,
    route53resolver::RULES,
    config::RULES,
    guardduty::RULES,
    securityhub::RULES,
    detectors::RULES,
    alerting::RULES,
    streams::RULES,
    access_logs::RULES,
    rds::RULES,
    bedrock::RULES,
    eks::RULES,
    organizations::RULES,
];

/// The record's region, quoted for response commands.
pub fn region(record: &Record<'_>) -> String {
    sh(record.aws_region.as_deref().unwrap_or("us-east-1"))
}

/// A top-level request parameter as a string.
pub fn param(record: &Record<'_>, key: &str) -> Option<String> {
    record.params()?.str(key).map(|v| v.into_owned())
}

/// A name quoted for the shell, or the placeholder an analyst fills in.
pub fn or_placeholder(value: &Option<String>, placeholder: &str) -> String {
    value.as_deref().map_or_else(|| placeholder.to_owned(), sh)
}

/// Names that mark a bucket or log group as holding audit logs.
pub fn looks_like_log_store(name: &str) -> bool {
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

/// A string parameter under any of its spellings (services differ in key case: `detectorId`, `Name`).
pub fn pick(object: &Object<'_>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| object.str(k))
        .map(|v| v.into_owned())
}

/// The strings of an array parameter (a single string counts as one), under any of its spellings.
pub fn strings(object: &Object<'_>, keys: &[&str]) -> Vec<String> {
    for key in keys {
        let Some(raw) = object.raw(key) else {
            continue;
        };
        if let Some(one) = json::raw_str(raw) {
            return vec![one.into_owned()];
        }
        return json::raw_array(raw)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| json::raw_str(v).map(|s| s.into_owned()))
            .collect();
    }
    Vec::new()
}

/// Names for reasons: joined, or `(unnamed)`.
pub fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "(unnamed)".to_owned()
    } else {
        names.join(", ")
    }
}

/// Names quoted for a command line, space separated, or the placeholder.
pub fn quoted_list(names: &[String], placeholder: &str) -> String {
    if names.is_empty() {
        placeholder.to_owned()
    } else {
        names.iter().map(|n| sh(n)).collect::<Vec<_>>().join(" ")
    }
}

/// Names that mark an alarm, event rule or stream as part of security monitoring: the services that
/// produce findings, the words teams use for alerting, and the SIEMs findings are routed to. A bare
/// `config` is left out: application config-refresh rules would match it.
pub fn security_named(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "guardduty",
        "securityhub",
        "security-hub",
        "security_hub",
        "security",
        "alert",
        "siem",
        "finding",
        "cloudtrail",
        "inspector",
        "macie",
        "detective",
        "access-analyzer",
        "accessanalyzer",
        "aws-config",
        "awsconfig",
        "config-rule",
        "configrule",
        "compliance",
        "incident",
        "threat",
        "audit",
        "unauthorized",
        "root",
        "soc-",
        "splunk",
        "datadog",
        "sumo",
        "panther",
        "sentinel",
        "cis-",
        "cis_",
    ]
    .iter()
    .any(|marker| lower.contains(marker))
}

/// Whether an AWS service made the call on the account's behalf (`invokedBy`, `AWSService`): the
/// service's own housekeeping, not a person or a pipeline.
pub fn by_service(record: &Record<'_>) -> bool {
    record.identity.kind.as_deref() == Some("AWSService")
        || record
            .identity
            .invoked_by
            .as_deref()
            .is_some_and(|s| s.ends_with(".amazonaws.com"))
}
