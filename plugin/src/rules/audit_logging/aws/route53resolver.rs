//! Family 1 on AWS, DNS query logging removed: Route 53 Resolver query log configurations (VPC
//! queries) and Route 53 hosted-zone query logging (public zones).

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;

use super::{or_placeholder, param, region};

declare! {
    QUERY_LOGGING_DELETED = {
        id: "aws.route53resolver.query_logging_deleted",
        title: "Route 53 Resolver query logging removed",
        description: "DeleteResolverQueryLogConfig or DisassociateResolverQueryLogConfig: DNS queries of the VPC stop being logged.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("route53resolver", "DeleteResolverQueryLogConfig"), ("route53resolver", "DisassociateResolverQueryLogConfig")],
            check: query_logging,
        },
    };

    HOSTED_ZONE_QUERY_LOGGING_DELETED = {
        id: "aws.route53.query_logging_deleted",
        title: "Route 53 hosted zone query logging removed",
        description: "DeleteQueryLoggingConfig: DNS queries to a public hosted zone stop being logged. \
                      CreateQueryLoggingConfig is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[("route53", "DeleteQueryLoggingConfig")],
            check: hosted_zone_query_logging,
        },
    };
}

fn query_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn hosted_zone_query_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let id = param(record, "id").or_else(|| param(record, "Id"));
    Some(
        Detection::new(&HOSTED_ZONE_QUERY_LOGGING_DELETED)
            .reason(format!(
                "Route 53 query logging configuration {} was deleted: queries to its hosted zone are no longer logged",
                id.as_deref().unwrap_or("(unnamed)")
            ))
            .scope("`aws route53 list-query-logging-configs` shows the zones still logging")
            .restore(
                "aws route53 create-query-logging-config --hosted-zone-id <zone-id> \
                 --cloud-watch-logs-log-group-arn arn:aws:logs:us-east-1:<account>:log-group:/aws/route53/<zone>",
            ),
    )
}
