//! Family 1 on AWS, AWS Config: recording stopped or its delivery removed.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;

use super::{or_placeholder, param, region};

declare! {
    CONFIG_STOPPED = {
        id: "aws.config.recorder_stopped",
        title: "AWS Config recording stopped or removed",
        description: "StopConfigurationRecorder, DeleteConfigurationRecorder or DeleteDeliveryChannel: resource configuration \
                     history stops being recorded.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("config", "StopConfigurationRecorder"), ("config", "DeleteConfigurationRecorder"), ("config", "DeleteDeliveryChannel")],
            check: config_recorder,
        },
    };
}

fn config_recorder(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let recorder = param(record, "configurationRecorderName");
    let channel = param(record, "deliveryChannelName");
    let r = region(record);
    let (reason, restore) = match &*record.event_name {
        "DeleteDeliveryChannel" => (
            format!(
                "AWS Config delivery channel {} was deleted: configuration snapshots and history \
                 are no longer delivered",
                channel.as_deref().unwrap_or("(unnamed)")
            ),
            format!(
                "aws configservice put-delivery-channel --delivery-channel \
                 name={},s3BucketName=<config-bucket> --region {r}",
                or_placeholder(&channel, "default")
            ),
        ),
        name => (
            format!(
                "AWS Config recorder {} was {}: resource configuration changes are no longer recorded",
                recorder.as_deref().unwrap_or("(unnamed)"),
                if name == "StopConfigurationRecorder" {
                    "stopped"
                } else {
                    "deleted"
                }
            ),
            format!(
                "aws configservice start-configuration-recorder --configuration-recorder-name {} --region {r}",
                or_placeholder(&recorder, "default")
            ),
        ),
    };
    Some(
        Detection::new(&CONFIG_STOPPED)
            .reason(reason)
            .scope(format!(
                "`aws configservice describe-configuration-recorder-status --region {r}`"
            ))
            .restore(restore),
    )
}
