//! Family 1 on AWS, where findings and alarms are routed: EventBridge rules that carry security
//! findings to responders deleted, disabled or stripped of their targets, and CloudWatch alarms
//! deleted or silenced. Request fields as the EventBridge and CloudWatch APIs name them
//! (docs.aws.amazon.com/eventbridge/latest/APIReference/API_DeleteRule.html,
//! AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html).

use crate::model::Severity;
use crate::rules::memory::Kind;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;

use super::{by_service, listed, pick, region, security_named, strings};

declare! {
    SECURITY_RULE_REMOVED = {
        id: "aws.events.security_rule_removed",
        title: "EventBridge rule routing security findings removed or disabled",
        description: "DeleteRule, DisableRule, RemoveTargets or PutRule with state DISABLED on an EventBridge rule that \
                      routes security findings: one the stream showed created with an event pattern naming \
                      aws.guardduty, aws.securityhub, aws.config, aws.cloudtrail, aws.inspector2, aws.macie, \
                      aws.access-analyzer or aws.detective (high confidence), or one whose name marks it as security \
                      alerting (guardduty, securityhub, security, alert, siem, finding, cloudtrail, audit, incident...). \
                      Application rules (schedules, deployments) and rules managed by AWS services are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("events", "DeleteRule"),
                ("events", "DisableRule"),
                ("events", "RemoveTargets"),
                ("events", "PutRule"),
            ],
            check: security_rule_removed,
        },
    };
    ALARMS_REMOVED = {
        id: "aws.cloudwatch.alarms_removed",
        title: "CloudWatch alarms deleted or their actions disabled",
        description: "DeleteAlarms or DisableAlarmActions: the alarms stop notifying anyone. Medium for any alarm (higher \
                      confidence when the name marks it as security monitoring: unauthorized calls, root use, \
                      CloudTrail or Config changes, GuardDuty...). Target-tracking alarms that Application Auto \
                      Scaling manages (TargetTracking-*) and calls made by AWS services are not findings; \
                      EnableAlarmActions is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 50,
        trigger: Trigger::CloudTrail {
            calls: &[("monitoring", "DeleteAlarms"), ("monitoring", "DisableAlarmActions")],
            check: alarms_removed,
        },
    };
}

/// Event sources whose events are security findings or audit records.
pub const SECURITY_SOURCES: &[&str] = &[
    "aws.guardduty",
    "aws.securityhub",
    "aws.config",
    "aws.cloudtrail",
    "aws.inspector2",
    "aws.inspector",
    "aws.macie",
    "aws.access-analyzer",
    "aws.detective",
    "aws.health",
];

/// Whether an EventBridge event pattern (a JSON text) matches events of a security source. Read as
/// text: a pattern is a string inside the request, and a source name cannot appear in it by chance.
pub fn routes_security(pattern: &str) -> bool {
    SECURITY_SOURCES.iter().any(|source| {
        pattern.match_indices(source).any(|(at, _)| {
            pattern[at + source.len()..].starts_with('"')
                || pattern[at + source.len()..].starts_with("\\\"")
        })
    }) || pattern.contains("AWS API Call via CloudTrail")
}

fn security_rule_removed(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    if by_service(record) {
        return None;
    }
    let params = record.params()?;
    let name = pick(&params, &["name", "rule", "Name", "Rule"])?;
    let pattern = params.str("eventPattern");
    let learned = env.destinations.contains(Kind::AwsAlertRule, &name);
    let routes = learned || pattern.as_deref().is_some_and(routes_security);
    if !routes && !security_named(&name) {
        return None;
    }
    let bus = pick(&params, &["eventBusName"]);
    let bus_arg = bus
        .as_deref()
        .map(|b| format!(" --event-bus-name {}", sh(b)))
        .unwrap_or_default();
    let n = sh(&name);
    let r = region(record);
    let what = match &*record.event_name {
        "DeleteRule" => "was deleted".to_owned(),
        "DisableRule" => "was disabled".to_owned(),
        "RemoveTargets" => format!("lost target(s) {}", listed(&strings(&params, &["ids"]))),
        _ => {
            if !params
                .str("state")
                .is_some_and(|s| s.eq_ignore_ascii_case("DISABLED"))
            {
                return None;
            }
            "was redefined as DISABLED".to_owned()
        }
    };
    let why = if routes {
        "the stream showed it routes security findings"
    } else {
        "its name marks it as security alerting"
    };
    let restore = match &*record.event_name {
        "DeleteRule" => format!(
            "aws events put-rule --name {n}{bus_arg} --event-pattern <approved-pattern> --region {r} && aws events \
             put-targets --rule {n}{bus_arg} --targets Id=<id>,Arn=<responder-arn> --region {r}"
        ),
        "RemoveTargets" => format!(
            "aws events put-targets --rule {n}{bus_arg} --targets Id=<id>,Arn=<responder-arn> --region {r}"
        ),
        _ => format!("aws events enable-rule --name {n}{bus_arg} --region {r}"),
    };
    let mut detection = Detection::new(&SECURITY_RULE_REMOVED)
        .reason(format!(
            "EventBridge rule {name} {what} ({why}): findings it carried to responders (ticketing, chat, SIEM, \
             auto-remediation) stop arriving"
        ))
        .scope(format!(
            "`aws events list-targets-by-rule --rule {n}{bus_arg} --region {r}` shows who was notified"
        ))
        .restore(restore);
    if routes {
        detection = detection.severity(Severity::High).confidence(80);
    }
    Some(detection)
}

fn alarms_removed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    if by_service(record) {
        return None;
    }
    let params = record.params()?;
    let alarms = strings(&params, &["alarmNames", "AlarmNames"]);
    let managed = |a: &String| a.starts_with("TargetTracking-");
    if !alarms.is_empty() && alarms.iter().all(managed) {
        return None;
    }
    let security: Vec<&String> = alarms.iter().filter(|a| security_named(a)).collect();
    let names = alarms.iter().map(|a| sh(a)).collect::<Vec<_>>().join(" ");
    let r = region(record);
    let deleted = record.event_name == "DeleteAlarms";
    let mut detection = Detection::new(&ALARMS_REMOVED)
        .reason(format!(
            "CloudWatch alarm(s) {} {}: the conditions they watched no longer notify anyone",
            listed(&alarms),
            if deleted { "were deleted" } else { "had their actions disabled" }
        ))
        .scope(format!(
            "`aws cloudwatch describe-alarm-history --alarm-name <alarm> --region {r}` and the metric filters \
             behind them (`aws logs describe-metric-filters --region {r}`)"
        ))
        .restore(if deleted {
            format!(
                "aws cloudwatch put-metric-alarm --alarm-name <alarm> ... --alarm-actions <sns-topic-arn> --region {r}   \
                 # recreate {names} from IaC"
            )
        } else {
            format!("aws cloudwatch enable-alarm-actions --alarm-names {names} --region {r}")
        });
    if !security.is_empty() {
        detection = detection.confidence(75).reason(format!(
            "the name of {} marks it as security monitoring",
            security
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Some(detection)
}

#[cfg(test)]
mod tests {
    use super::routes_security;

    #[test]
    fn event_patterns_route_security_sources_only_by_exact_name() {
        assert!(routes_security(
            r#"{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"]}"#
        ));
        assert!(routes_security(r#"{\"source\":[\"aws.securityhub\"]}"#));
        assert!(routes_security(
            r#"{"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventSource":["iam.amazonaws.com"]}}"#
        ));
        assert!(!routes_security(
            r#"{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}"#
        ));
        assert!(!routes_security(r#"{"source":["aws.configservice-app"]}"#));
        assert!(!routes_security(r#"{"source":["aws.guardduty-like.app"]}"#));
    }
}
