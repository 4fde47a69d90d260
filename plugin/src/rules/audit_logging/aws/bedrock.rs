//! Family 1 on AWS, Bedrock model invocation logging removed or emptied: prompts and responses of
//! foundation-model calls stop being recorded. Request fields as the Bedrock API names them
//! (docs.aws.amazon.com/bedrock/latest/APIReference/API_PutModelInvocationLoggingConfiguration.html).

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;

use super::region;

declare! {
    INVOCATION_LOGGING_DISABLED = {
        id: "aws.bedrock.invocation_logging_disabled",
        title: "Bedrock model invocation logging removed",
        description: "DeleteModelInvocationLoggingConfiguration, or PutModelInvocationLoggingConfiguration with neither a \
                      CloudWatch nor an S3 destination or with every data delivery (text, image, embedding, video) \
                      off. A configuration that delivers somewhere is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 75,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("bedrock", "DeleteModelInvocationLoggingConfiguration"),
                ("bedrock", "PutModelInvocationLoggingConfiguration"),
            ],
            check: invocation_logging,
        },
    };
}

fn invocation_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let r = region(record);
    let reason = if record.event_name == "DeleteModelInvocationLoggingConfiguration" {
        "Bedrock model invocation logging was deleted: prompts and responses are no longer recorded"
            .to_owned()
    } else {
        let config = record.params()?.object("loggingConfig")?;
        let nowhere = !config.has("cloudWatchConfig") && !config.has("s3Config");
        let flags = [
            "textDataDeliveryEnabled",
            "imageDataDeliveryEnabled",
            "embeddingDataDeliveryEnabled",
            "videoDataDeliveryEnabled",
        ];
        let nothing = flags.iter().all(|f| config.bool(f) != Some(true));
        if !nowhere && !nothing {
            return None;
        }
        format!(
            "Bedrock model invocation logging now {}: prompts and responses are no longer recorded",
            if nowhere {
                "has no destination"
            } else {
                "delivers no data type"
            }
        )
    };
    Some(
        Detection::new(&INVOCATION_LOGGING_DISABLED)
            .reason(reason)
            .scope(format!("`aws bedrock get-model-invocation-logging-configuration --region {r}`"))
            .restore(format!(
                "aws bedrock put-model-invocation-logging-configuration --logging-config \
                 'cloudWatchConfig={{logGroupName=<group>,roleArn=<role-arn>}},textDataDeliveryEnabled=true' --region {r}"
            )),
    )
}
