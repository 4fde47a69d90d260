//! Family 2 on AWS, the instance metadata service switched off or downgraded.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;

use super::{either, quoted, request};
use crate::rules::audit_logging::aws::region;

declare! {
    IMDS_DISABLED = {
        id: "aws.ec2.imds_disabled",
        title: "Instance metadata service disabled",
        description: "ModifyInstanceMetadataOptions with HttpEndpoint disabled: agents on the instance lose their identity, \
                     credentials and region, and stop reporting.",
        attack: &attack::MODIFY_COMPUTE,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "ModifyInstanceMetadataOptions")],
            check: imds_disabled,
        },
    };
    IMDSV2_DOWNGRADED = {
        id: "aws.ec2.imdsv2_downgraded",
        title: "Instance metadata service downgraded to IMDSv1",
        description: "ModifyInstanceMetadataOptions with HttpTokens optional: session tokens are no longer required, so SSRF \
                     can read the instance's credentials. HttpTokens required is not a finding.",
        attack: &attack::MODIFY_COMPUTE,
        severity: Severity::Medium,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "ModifyInstanceMetadataOptions")],
            check: imdsv2_downgraded,
        },
    };
}

/// The request's instance, and the scope and restore commands both metadata rules give.
struct Options {
    shown: String,
    scope: String,
    restore: String,
    endpoint: Option<String>,
    tokens: Option<String>,
}

fn options(record: &Record<'_>) -> Option<Options> {
    let request = request(record, "ModifyInstanceMetadataOptionsRequest")?;
    let instance = either(&request, &["InstanceId", "instanceId"]);
    let i = quoted(&instance, "<instance-id>");
    let r = region(record);
    Some(Options {
        shown: instance.unwrap_or_else(|| "(unknown instance)".to_owned()),
        scope: format!(
            "`aws ec2 describe-instances --instance-ids {i} --region {r} --query 'Reservations[].Instances[].MetadataOptions'`"
        ),
        restore: format!(
            "aws ec2 modify-instance-metadata-options --instance-id {i} --http-endpoint enabled --http-tokens required --region {r}"
        ),
        endpoint: either(&request, &["HttpEndpoint", "httpEndpoint"]),
        tokens: either(&request, &["HttpTokens", "httpTokens"]),
    })
}

fn imds_disabled(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let o = options(record)?;
    if !o
        .endpoint
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("disabled"))
    {
        return None;
    }
    Some(
        Detection::new(&IMDS_DISABLED)
            .reason(format!(
                "the instance metadata service of {} was disabled: agents that read their role \
                 credentials and identity from it stop working",
                o.shown
            ))
            .scope(o.scope)
            .restore(o.restore),
    )
}

fn imdsv2_downgraded(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let o = options(record)?;
    if !o
        .tokens
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("optional"))
    {
        return None;
    }
    Some(
        Detection::new(&IMDSV2_DOWNGRADED)
            .reason(format!(
                "instance {} no longer requires IMDSv2 session tokens (HttpTokens=optional): its \
                 role credentials are readable through SSRF",
                o.shown
            ))
            .scope(o.scope)
            .restore(o.restore),
    )
}
