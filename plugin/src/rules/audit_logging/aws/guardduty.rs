//! Family 1 on AWS, GuardDuty: detectors deleted or disabled, findings auto-archived.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

use super::{or_placeholder, region};

declare! {
    GUARDDUTY_DISABLED = {
        id: "aws.guardduty.detector_disabled",
        title: "GuardDuty detector deleted or disabled",
        description: "DeleteDetector, UpdateDetector with enable=false or with protection features turned off, or a member \
                     account leaving its GuardDuty administrator. Enabling is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 90,
        trigger: Trigger::CloudTrail {
            calls: &[("guardduty", "DeleteDetector"), ("guardduty", "UpdateDetector"), ("guardduty", "DisassociateFromMasterAccount"), ("guardduty", "DisassociateFromAdministratorAccount")],
            check: guardduty,
        },
    };
    GUARDDUTY_SUPPRESSED = {
        id: "aws.guardduty.findings_suppressed",
        title: "GuardDuty findings auto-archived by a filter",
        description: "CreateFilter or UpdateFilter with action ARCHIVE: matching findings are archived before anyone sees them. \
                     NOOP filters (saved views) are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("guardduty", "CreateFilter"), ("guardduty", "UpdateFilter")],
            check: guardduty_filter,
        },
    };
}

fn guardduty(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params();
    let detector = params
        .as_ref()
        .and_then(|p| p.str("detectorId"))
        .map(|v| v.into_owned());
    let d = or_placeholder(&detector, "<detector-id>");
    let r = region(record);
    let shown = detector.as_deref().unwrap_or("(unnamed)");
    let enable = format!("aws guardduty update-detector --detector-id {d} --enable --region {r}");
    let detection = Detection::new(&GUARDDUTY_DISABLED).scope(format!(
        "`aws guardduty get-detector --detector-id {d} --region {r}` shows its status and features"
    ));
    let detection = match &*record.event_name {
        "DeleteDetector" => detection
            .reason(format!(
                "GuardDuty detector {shown} was deleted: threat detection in {r} stopped and its \
                 findings are gone"
            ))
            .restore(format!(
                "aws guardduty create-detector --enable --region {r}"
            )),
        "UpdateDetector" => {
            let params = params?;
            if params.bool("enable") == Some(false) {
                detection
                    .reason(format!(
                        "GuardDuty detector {shown} was disabled (enable=false): no new findings"
                    ))
                    .restore(enable)
            } else {
                let off = disabled_features(&params);
                if off.is_empty() {
                    return None;
                }
                detection
                    .severity(Severity::Medium)
                    .reason(format!(
                        "GuardDuty protections turned off on detector {shown}: {}",
                        off.join(", ")
                    ))
                    .restore(format!(
                        "aws guardduty update-detector --detector-id {d} --region {r} --features \
                         '[{{\"Name\":\"<feature>\",\"Status\":\"ENABLED\"}}]'"
                    ))
            }
        }
        _ => detection
            .severity(Severity::Medium)
            .reason(format!(
                "this account left its GuardDuty administrator ({}): the organization's security \
                 team no longer sees its findings",
                record.event_name
            ))
            .restore(
                "from the administrator account: aws guardduty create-members, then \
                 aws guardduty invite-members for this account",
            ),
    };
    Some(detection)
}

fn disabled_features(params: &Object<'_>) -> Vec<String> {
    let mut off = Vec::new();
    for feature in params
        .array("features")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| Object::from_raw(f).ok())
    {
        if feature.str("status").as_deref() == Some("DISABLED") {
            off.push(
                feature
                    .str("name")
                    .map_or_else(|| "(unnamed feature)".to_owned(), |n| n.into_owned()),
            );
        }
    }
    if let Some(sources) = params.object("dataSources") {
        for (path, name) in [
            (&["s3Logs", "enable"][..], "S3 protection"),
            (
                &["kubernetes", "auditLogs", "enable"][..],
                "EKS audit log monitoring",
            ),
            (
                &[
                    "malwareProtection",
                    "scanEc2InstanceWithFindings",
                    "ebsVolumes",
                ][..],
                "EBS malware protection",
            ),
        ] {
            if sources.path(path).and_then(json::raw_bool) == Some(false) {
                off.push(name.to_owned());
            }
        }
    }
    off
}

fn guardduty_filter(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    if params.str("action").as_deref() != Some("ARCHIVE") {
        return None;
    }
    let detector = params.str("detectorId").map(|v| v.into_owned());
    let filter = params
        .str("name")
        .or_else(|| params.str("filterName"))
        .map(|v| v.into_owned());
    let d = or_placeholder(&detector, "<detector-id>");
    let f = or_placeholder(&filter, "<filter>");
    let r = region(record);
    Some(
        Detection::new(&GUARDDUTY_SUPPRESSED)
            .reason(format!(
                "GuardDuty filter {} auto-archives matching findings (action=ARCHIVE): they never reach \
                 the analysts",
                filter.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws guardduty get-filter --detector-id {d} --filter-name {f} --region {r}` shows the \
                 criteria; list archived findings matching them"
            ))
            .restore(format!(
                "aws guardduty delete-filter --detector-id {d} --filter-name {f} --region {r}"
            )),
    )
}
