//! Family 1 on AWS, CloudWatch Logs: groups deleted, retention cut, subscriptions, cross-account and
//! vended-log deliveries removed, and the metric filters alarms depend on deleted. Request fields as
//! the CloudWatch Logs API names them (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference).

use crate::model::Severity;
use crate::rules::memory::Kind;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;

use super::{SHORT_RETENTION_DAYS, looks_like_log_store, or_placeholder, param, region};

declare! {
    LOG_GROUP_DELETED = {
        id: "aws.logs.log_group_deleted",
        title: "CloudWatch Logs group or stream deleted",
        description: "DeleteLogGroup or DeleteLogStream: stored logs and the destination of their producers are gone.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("logs", "DeleteLogGroup"), ("logs", "DeleteLogStream")],
            check: delete_log_group,
        },
    };
    RETENTION_CUT = {
        id: "aws.logs.retention_cut",
        title: "CloudWatch Logs retention cut to days",
        description: "PutRetentionPolicy with retentionInDays of at most 7. Longer retention and DeleteRetentionPolicy \
                     (keep forever) are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("logs", "PutRetentionPolicy")],
            check: retention,
        },
    };
    SUBSCRIPTION_DELETED = {
        id: "aws.logs.subscription_filter_deleted",
        title: "CloudWatch Logs subscription to a SIEM removed",
        description: "DeleteSubscriptionFilter: a log group stops streaming to its downstream consumer (SIEM, Firehose, Lambda).",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("logs", "DeleteSubscriptionFilter")],
            check: subscription,
        },
    };

    METRIC_FILTER_DELETED = {
        id: "aws.logs.metric_filter_deleted",
        title: "CloudWatch Logs metric filter deleted",
        description: "DeleteMetricFilter: the alarms built on the filter (CIS unauthorized calls, root use, trail changes) \
                      no longer see their events; medium, higher confidence on an audit or trail log group or a \
                      security-named filter. PutMetricFilter is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::CloudTrail {
            calls: &[("logs", "DeleteMetricFilter")],
            check: metric_filter_deleted,
        },
    };
    DELIVERY_REMOVED = {
        id: "aws.logs.delivery_removed",
        title: "CloudWatch Logs cross-account or vended-log delivery removed",
        description: "DeleteDestination (cross-account subscription target), DeleteDelivery, DeleteDeliverySource, \
                      DeleteDeliveryDestination (vended logs from services) and DeleteAccountPolicy of a subscription \
                      filter or data protection policy: logs stop reaching where they were sent. Creating them is not \
                      a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("logs", "DeleteDestination"),
                ("logs", "DeleteDelivery"),
                ("logs", "DeleteDeliverySource"),
                ("logs", "DeleteDeliveryDestination"),
                ("logs", "DeleteAccountPolicy"),
            ],
            check: delivery_removed,
        },
    };
}

fn delete_log_group(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
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
    if let Some(destination) = group
        .as_deref()
        .and_then(|g| env.destination(Kind::AwsLogGroup, g))
    {
        detection = detection.confidence(90).reason(format!(
            "it is a known log destination: {}",
            destination.why()
        ));
    } else if known {
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

fn retention(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn subscription(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn metric_filter_deleted(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let group = param(record, "logGroupName");
    let filter = param(record, "filterName");
    let g = or_placeholder(&group, "<log-group>");
    let r = region(record);
    let mut detection = Detection::new(&METRIC_FILTER_DELETED)
        .reason(format!(
            "metric filter {} on log group {} was deleted: the metric it fed and the alarms on that metric stop \
             seeing its events",
            filter.as_deref().unwrap_or("(unnamed)"),
            group.as_deref().unwrap_or("(unnamed)")
        ))
        .scope(format!(
            "`aws logs describe-metric-filters --log-group-name {g} --region {r}` and \
             `aws cloudwatch describe-alarms --region {r}` for alarms on its metric"
        ))
        .restore(format!(
            "aws logs put-metric-filter --log-group-name {g} --filter-name {} --filter-pattern <pattern> \
             --metric-transformations metricName=<name>,metricNamespace=<namespace>,metricValue=1 --region {r}",
            or_placeholder(&filter, "<filter>")
        ));
    if group.as_deref().is_some_and(looks_like_log_store)
        || filter.as_deref().is_some_and(super::security_named)
    {
        detection = detection
            .confidence(80)
            .reason("the filter or its log group is named for audit or security monitoring");
    }
    Some(detection)
}

fn delivery_removed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let r = region(record);
    if record.event_name == "DeleteAccountPolicy" {
        let kind = params.str("policyType").map(|v| v.into_owned());
        if !matches!(
            kind.as_deref(),
            Some("SUBSCRIPTION_FILTER_POLICY" | "DATA_PROTECTION_POLICY")
        ) {
            return None;
        }
    }
    let name = super::pick(&params, &["destinationName", "id", "name", "policyName"]);
    Some(
        Detection::new(&DELIVERY_REMOVED)
            .reason(format!(
                "{} {}: logs sent through it no longer arrive",
                record.event_name,
                name.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws logs describe-destinations --region {r}`, `aws logs describe-deliveries --region {r}` and \
                 `aws logs describe-account-policies --policy-type SUBSCRIPTION_FILTER_POLICY --region {r}`"
            ))
            .restore("recreate it from the IaC that defined it, then confirm the consumer receives events again"),
    )
}
