//! Family 1 on AWS, AWS Config: recording stopped, narrowed or its delivery removed, and the rules,
//! conformance packs and aggregators that turn its history into findings deleted. Request fields as the
//! Config API names them (docs.aws.amazon.com/config/latest/APIReference).

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

    COVERAGE_REDUCED = {
        id: "aws.config.coverage_reduced",
        title: "AWS Config rules, packs or recording scope removed",
        description: "DeleteConfigRule, DeleteOrganizationConfigRule, DeleteConformancePack, \
                      DeleteOrganizationConformancePack (compliance checks stop), DeleteConfigurationAggregator \
                      (the multi-account view goes), DeleteEvaluationResults, DeleteRemediationConfiguration \
                      (auto-fixes stop), and PutConfigurationRecorder recording only listed resource types or \
                      excluding types (allSupported=false), DeleteAggregationAuthorization (an account stops \
                      sharing with the aggregator), PutRetentionConfiguration keeping history under a year: medium. \
                      DeleteRetentionConfiguration is low (history falls back to the 7-year default; recorded for \
                      sequences). Creating or updating rules and recorders that record everything are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("config", "DeleteConfigRule"),
                ("config", "DeleteOrganizationConfigRule"),
                ("config", "DeleteConformancePack"),
                ("config", "DeleteOrganizationConformancePack"),
                ("config", "DeleteConfigurationAggregator"),
                ("config", "DeleteEvaluationResults"),
                ("config", "DeleteRemediationConfiguration"),
                ("config", "PutConfigurationRecorder"),
                ("config", "DeleteAggregationAuthorization"),
                ("config", "PutRetentionConfiguration"),
                ("config", "DeleteRetentionConfiguration"),
            ],
            check: coverage_reduced,
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

fn coverage_reduced(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let r = region(record);
    let name = &*record.event_name;
    if name == "PutConfigurationRecorder" {
        let recorder = params.object("configurationRecorder")?;
        let group = recorder.object("recordingGroup")?;
        if group.bool("allSupported") != Some(false) {
            return None;
        }
        let listed_types = super::strings(&group, &["resourceTypes"]);
        let recorder_name = recorder.str("name").map(|v| v.into_owned());
        return Some(
            Detection::new(&COVERAGE_REDUCED)
                .reason(format!(
                    "AWS Config recorder {} no longer records every resource type (allSupported=false{}): changes \
                     to the others leave no configuration history",
                    recorder_name.as_deref().unwrap_or("(unnamed)"),
                    if listed_types.is_empty() {
                        String::new()
                    } else {
                        format!("; only {}", listed_types.join(", "))
                    }
                ))
                .scope(format!("`aws configservice describe-configuration-recorders --region {r}`"))
                .restore(format!(
                    "aws configservice put-configuration-recorder --configuration-recorder name={},roleARN=<role-arn> \
                     --recording-group allSupported=true,includeGlobalResourceTypes=true --region {r}",
                    or_placeholder(&recorder_name, "default")
                )),
        );
    }
    if let Some(detection) = retention(record, &params, &r) {
        return detection;
    }
    let target = super::pick(
        &params,
        &[
            "authorizedAccountId",
            "configRuleName",
            "organizationConfigRuleName",
            "conformancePackName",
            "organizationConformancePackName",
            "configurationAggregatorName",
        ],
    );
    let what = match name {
        "DeleteConfigRule" | "DeleteOrganizationConfigRule" => "Config rule",
        "DeleteConformancePack" | "DeleteOrganizationConformancePack" => "conformance pack",
        "DeleteConfigurationAggregator" => "configuration aggregator",
        "DeleteEvaluationResults" => "evaluation results of Config rule",
        "DeleteAggregationAuthorization" => "aggregator authorization for account",
        _ => "remediation of Config rule",
    };
    Some(
        Detection::new(&COVERAGE_REDUCED)
            .reason(format!(
                "{name}: {what} {} is gone; the compliance checks or history it gave stop",
                target.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws configservice describe-config-rules --region {r}` and \
                 `aws configservice describe-conformance-packs --region {r}`"
            ))
            .restore("recreate it from the IaC or conformance-pack template it came from"),
    )
}

/// Config keeps 7 years of history by default; a year is what audits usually ask for.
const SHORT_HISTORY_DAYS: i64 = 365;

/// Retention of configuration history (API: PutRetentionConfiguration `RetentionPeriodInDays`, 30 to
/// 2557; DeleteRetentionConfiguration `RetentionConfigurationName`). `Some(None)`: a retention call
/// that is not a finding.
fn retention(
    record: &Record<'_>,
    params: &crate::sources::json::Object<'_>,
    r: &str,
) -> Option<Option<Detection>> {
    match &*record.event_name {
        "PutRetentionConfiguration" => {
            let days = params
                .i64("retentionPeriodInDays")
                .or_else(|| params.str("retentionPeriodInDays").and_then(|d| d.parse().ok()));
            Some(days.filter(|d| *d < SHORT_HISTORY_DAYS).map(|days| {
                Detection::new(&COVERAGE_REDUCED)
                    .reason(format!(
                        "AWS Config now keeps configuration history for {days} days only: older changes are erased"
                    ))
                    .scope(format!("`aws configservice describe-retention-configurations --region {r}`"))
                    .restore(format!(
                        "aws configservice put-retention-configuration --retention-period-in-days 2557 --region {r}"
                    ))
            }))
        }
        "DeleteRetentionConfiguration" => Some(Some(
            Detection::new(&COVERAGE_REDUCED)
                .severity(Severity::Low)
                .confidence(40)
                .reason(
                    "the AWS Config retention configuration was deleted: history falls back to the 7-year default",
                )
                .scope(format!("`aws configservice describe-retention-configurations --region {r}`"))
                .restore("confirm the deletion was intended; recreate the configured retention if it was longer"),
        )),
        _ => None,
    }
}
