//! Family 2 on AWS, compute launched where nobody watches.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;

declare! {
    UNUSED_REGION = {
        id: "aws.ec2.instance_in_unused_region",
        title: "Instances launched in a region the account does not use",
        description: "RunInstances in a region outside the configured aws_used_regions, where nobody watches. Does nothing \
                     while aws_used_regions is empty.",
        attack: &attack::CREATE_INSTANCE,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "RunInstances")],
            check: unused_region,
        },
    };
}

fn unused_region(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let config = env.config;
    if config.aws_used_regions.is_empty() {
        return None;
    }
    let used = record.aws_region.as_deref()?;
    if config.aws_used_regions.iter().any(|r| r == used) {
        return None;
    }
    let r = sh(used);
    Some(
        Detection::new(&UNUSED_REGION)
            .reason(format!(
                "instances were launched in {used}, which is not one of the account's regions ({}): nothing \
                 there is monitored or expected",
                config.aws_used_regions.join(", ")
            ))
            .scope(format!(
                "`aws ec2 describe-instances --region {r} --filters Name=instance-state-name,Values=pending,running`"
            ))
            .restore(format!(
                "after preserving evidence: aws ec2 terminate-instances --instance-ids <instance-ids> --region {r}"
            )),
    )
}
