//! Family 1 on AWS, GuardDuty: detectors deleted or disabled, findings auto-archived, trusted IP lists
//! that silence findings, threat intelligence removed, and member accounts or the organization's
//! coverage dropped by the administrator. Request fields as the GuardDuty API names them
//! (docs.aws.amazon.com/guardduty/latest/APIReference: CreateIPSet, UpdateOrganizationConfiguration...).

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

use super::{listed, or_placeholder, pick, quoted_list, region, strings};

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
    TRUSTED_IP_LIST = {
        id: "aws.guardduty.trusted_ip_list",
        title: "GuardDuty trusted IP list activated",
        description: "CreateIPSet or UpdateIPSet that activates a trusted IP list (activate true, or an update that \
                      points the list at a new file): GuardDuty raises no findings for traffic from those addresses. \
                      Deactivating a list (activate=false) and DeleteIPSet are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[("guardduty", "CreateIPSet"), ("guardduty", "UpdateIPSet")],
            check: trusted_ip_list,
        },
    };
    THREAT_INTEL_REMOVED = {
        id: "aws.guardduty.threat_intel_removed",
        title: "GuardDuty threat intelligence list removed or deactivated",
        description: "DeleteThreatIntelSet, or UpdateThreatIntelSet with activate=false (medium) or pointing the list at \
                      a new file (low): findings for known-bad addresses stop. Creating or activating a threat list is \
                      not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("guardduty", "DeleteThreatIntelSet"), ("guardduty", "UpdateThreatIntelSet")],
            check: threat_intel,
        },
    };
    COVERAGE_REDUCED = {
        id: "aws.guardduty.coverage_reduced",
        title: "GuardDuty member accounts or organization coverage dropped",
        description: "From the administrator: DeleteMembers, DisassociateMembers or StopMonitoringMembers (member accounts \
                      leave the security team's view; high), DisableOrganizationAdminAccount (high), \
                      UpdateOrganizationConfiguration turning auto-enable off (autoEnable false, \
                      autoEnableOrganizationMembers NONE, a feature's autoEnable NONE; medium) and \
                      DeletePublishingDestination (findings export stops; medium). Adding members, auto-enable NEW or \
                      ALL and creating destinations are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("guardduty", "DeleteMembers"),
                ("guardduty", "DisassociateMembers"),
                ("guardduty", "StopMonitoringMembers"),
                ("guardduty", "DisableOrganizationAdminAccount"),
                ("guardduty", "UpdateOrganizationConfiguration"),
                ("guardduty", "DeletePublishingDestination"),
            ],
            check: coverage_reduced,
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

fn trusted_ip_list(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let activate = params.bool("activate");
    let update = record.event_name == "UpdateIPSet";
    // An update that neither activates nor replaces the list's file only renames it.
    if activate == Some(false) || (update && activate.is_none() && !params.has("location")) {
        return None;
    }
    let detector = pick(&params, &["detectorId"]);
    let name = pick(&params, &["name", "ipSetId"]);
    let location = pick(&params, &["location"]);
    let d = or_placeholder(&detector, "<detector-id>");
    let r = region(record);
    let set = pick(&params, &["ipSetId"]);
    let restore = match &set {
        Some(id) => format!(
            "aws guardduty update-ip-set --detector-id {d} --ip-set-id {} --no-activate --region {r}",
            sh(id)
        ),
        None => format!(
            "aws guardduty list-ip-sets --detector-id {d} --region {r}, then aws guardduty delete-ip-set \
             --detector-id {d} --ip-set-id <ip-set-id> --region {r} for the new list"
        ),
    };
    Some(
        Detection::new(&TRUSTED_IP_LIST)
            .reason(format!(
                "GuardDuty trusted IP list {} is active{}: GuardDuty raises no findings for traffic from \
                 the addresses it lists",
                name.as_deref().unwrap_or("(unnamed)"),
                location
                    .as_deref()
                    .map(|l| format!(" (list file {l})"))
                    .unwrap_or_default()
            ))
            .scope(format!(
                "`aws guardduty list-ip-sets --detector-id {d} --region {r}` and the list file's contents: \
                 every address in it is unwatched from this event on"
            ))
            .restore(restore),
    )
}

fn threat_intel(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let deleted = record.event_name == "DeleteThreatIntelSet";
    let deactivated = params.bool("activate") == Some(false);
    let relocated = params.has("location");
    if !deleted && !deactivated && !relocated {
        return None;
    }
    let detector = pick(&params, &["detectorId"]);
    let set = pick(&params, &["threatIntelSetId"]);
    let d = or_placeholder(&detector, "<detector-id>");
    let s = or_placeholder(&set, "<threat-intel-set-id>");
    let r = region(record);
    let shown = pick(&params, &["name"]).or(set.clone());
    let (what, severity) = if deleted {
        ("was deleted", Severity::Medium)
    } else if deactivated {
        ("was deactivated (activate=false)", Severity::Medium)
    } else {
        ("now reads a different list file", Severity::Low)
    };
    Some(
        Detection::new(&THREAT_INTEL_REMOVED)
            .severity(severity)
            .reason(format!(
                "GuardDuty threat intelligence set {} {what}: traffic to the addresses it listed no longer \
                 raises findings",
                shown.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws guardduty list-threat-intel-sets --detector-id {d} --region {r}`"
            ))
            .restore(if deleted {
                format!(
                    "aws guardduty create-threat-intel-set --detector-id {d} --name <name> --format TXT \
                     --location <approved-list-url> --activate --region {r}"
                )
            } else {
                format!(
                    "aws guardduty update-threat-intel-set --detector-id {d} --threat-intel-set-id {s} \
                     --location <approved-list-url> --activate --region {r}"
                )
            }),
    )
}

fn coverage_reduced(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params();
    let detector = params.as_ref().and_then(|p| pick(p, &["detectorId"]));
    let d = or_placeholder(&detector, "<detector-id>");
    let r = region(record);
    let accounts = params
        .as_ref()
        .map(|p| strings(p, &["accountIds"]))
        .unwrap_or_default();
    let a = quoted_list(&accounts, "<account-id>");
    let detection = Detection::new(&COVERAGE_REDUCED).scope(format!(
        "`aws guardduty list-members --detector-id {d} --region {r}` and \
         `aws guardduty describe-organization-configuration --detector-id {d} --region {r}`"
    ));
    let detection = match &*record.event_name {
        name @ ("DeleteMembers" | "DisassociateMembers" | "StopMonitoringMembers") => detection
            .reason(format!(
                "{name} on detector {}: GuardDuty findings of member account(s) {} no longer reach the \
                 administrator",
                detector.as_deref().unwrap_or("(unnamed)"),
                listed(&accounts)
            ))
            .restore(if name == "StopMonitoringMembers" {
                format!(
                    "aws guardduty start-monitoring-members --detector-id {d} --account-ids {a} --region {r}"
                )
            } else {
                format!(
                    "aws guardduty create-members --detector-id {d} --account-details AccountId=<account-id>,Email=<email> \
                     --region {r}   # for {a}; members of an organization are re-added by the delegated administrator"
                )
            }),
        "DisableOrganizationAdminAccount" => {
            let admin = params
                .as_ref()
                .and_then(|p| pick(p, &["adminAccountId"]));
            detection
                .reason(format!(
                    "GuardDuty delegated administrator {} was removed: the organization's accounts lose their \
                     central GuardDuty view and auto-enable",
                    admin.as_deref().unwrap_or("(unnamed)")
                ))
                .restore(format!(
                    "aws guardduty enable-organization-admin-account --admin-account-id {} --region {r}",
                    or_placeholder(&admin, "<admin-account-id>")
                ))
        }
        "DeletePublishingDestination" => {
            let destination = params
                .as_ref()
                .and_then(|p| pick(p, &["destinationId"]));
            detection
                .severity(Severity::Medium)
                .reason(format!(
                    "GuardDuty publishing destination {} of detector {} was deleted: findings stop being \
                     exported to the S3 archive the SIEM reads",
                    destination.as_deref().unwrap_or("(unnamed)"),
                    detector.as_deref().unwrap_or("(unnamed)")
                ))
                .restore(format!(
                    "aws guardduty create-publishing-destination --detector-id {d} --destination-type S3 \
                     --destination-properties DestinationArn=<bucket-arn>,KmsKeyArn=<key-arn> --region {r}"
                ))
        }
        _ => {
            let off = auto_enable_off(params.as_ref()?);
            if off.is_empty() {
                return None;
            }
            detection
                .severity(Severity::Medium)
                .reason(format!(
                    "GuardDuty organization auto-enable was turned off ({}): new member accounts, or \
                     protections in existing ones, are no longer switched on",
                    off.join(", ")
                ))
                .restore(format!(
                    "aws guardduty update-organization-configuration --detector-id {d} \
                     --auto-enable-organization-members ALL --region {r}"
                ))
        }
    };
    Some(detection)
}

/// The auto-enable settings an UpdateOrganizationConfiguration turns off.
fn auto_enable_off(params: &Object<'_>) -> Vec<String> {
    let mut off = Vec::new();
    if params.bool("autoEnable") == Some(false) {
        off.push("autoEnable=false".to_owned());
    }
    if params.str("autoEnableOrganizationMembers").as_deref() == Some("NONE") {
        off.push("autoEnableOrganizationMembers=NONE".to_owned());
    }
    for feature in params
        .array("features")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| Object::from_raw(f).ok())
    {
        if feature.str("autoEnable").as_deref() == Some("NONE") {
            off.push(format!(
                "{} autoEnable=NONE",
                feature
                    .str("name")
                    .as_deref()
                    .unwrap_or("(unnamed feature)")
            ));
        }
    }
    off
}
