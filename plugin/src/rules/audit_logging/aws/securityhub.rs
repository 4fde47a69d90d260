//! Family 1 on AWS, Security Hub: the hub or its standards disabled.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json;

use super::region;

declare! {
    SECURITYHUB_DISABLED = {
        id: "aws.securityhub.disabled",
        title: "Security Hub or its standards disabled",
        description: "DisableSecurityHub or BatchDisableStandards: security findings and compliance checks stop.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("securityhub", "DisableSecurityHub"), ("securityhub", "BatchDisableStandards")],
            check: security_hub,
        },
    };
}

fn security_hub(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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
