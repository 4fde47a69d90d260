//! Family 1 on AWS, one module per service: CloudTrail, S3, CloudWatch Logs, EC2 flow logs, Route 53
//! Resolver query logs, Config, GuardDuty, Security Hub, EKS control-plane logs and Organizations
//! membership. Each rule fires only on the request conditions that remove or narrow visibility; the
//! widening variants of the same calls are left alone. The helpers here are shared by every AWS rule
//! (family 2's too).

use crate::rules::{Rule, sh};
use crate::sources::aws_cloudtrail::Record;

pub mod cloudtrail;
pub mod config;
pub mod ec2;
pub mod eks;
pub mod guardduty;
pub mod logs;
pub mod organizations;
pub mod route53resolver;
pub mod s3;
pub mod securityhub;

/// Expiry or retention at or under this many days leaves logs too short-lived to investigate from.
pub const SHORT_RETENTION_DAYS: i64 = 7;

/// Every AWS audit-logging rule, in catalogue order.
pub fn rules() -> impl Iterator<Item = &'static &'static Rule> {
    cloudtrail::RULES
        .iter()
        .chain(s3::RULES)
        .chain(logs::RULES)
        .chain(ec2::RULES)
        .chain(route53resolver::RULES)
        .chain(config::RULES)
        .chain(guardduty::RULES)
        .chain(securityhub::RULES)
        .chain(eks::RULES)
        .chain(organizations::RULES)
}

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
