//! Microsoft Sentinel: analytics rules and data connectors deleted or disabled, the workspace offboarded,
//! and automation rules that close incidents as they open.

use super::{resource_group, shown, subscription, with_properties};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;
use crate::sources::json::{self, Object};

declare! {
    DETECTION_REMOVED = {
        id: "azure.sentinel.detection_removed",
        title: "Sentinel analytics rule or data connector removed",
        description: "MICROSOFT.SECURITYINSIGHTS/ALERTRULES/DELETE or ALERTRULES/WRITE with enabled false (the rule no \
                      longer raises incidents), DATACONNECTORS/DELETE (a source stops flowing into Sentinel) or \
                      ONBOARDINGSTATES/DELETE (Sentinel removed from the workspace). Rules written enabled are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.SECURITYINSIGHTS/ALERTRULES/DELETE",
                "MICROSOFT.SECURITYINSIGHTS/ALERTRULES/WRITE",
                "MICROSOFT.SECURITYINSIGHTS/DATACONNECTORS/DELETE",
                "MICROSOFT.SECURITYINSIGHTS/ONBOARDINGSTATES/DELETE",
            ],
            check: detection_removed,
        },
    };
    INCIDENTS_AUTO_CLOSED = {
        id: "azure.sentinel.incidents_auto_closed",
        title: "Sentinel automation rule closes incidents",
        description: "MICROSOFT.SECURITYINSIGHTS/AUTOMATIONRULES/WRITE of an enabled rule whose actions set incident status \
                      Closed: matching incidents close as they open (high when the rule has no conditions). Rules that \
                      assign, tag or run playbooks are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.SECURITYINSIGHTS/AUTOMATIONRULES/WRITE"],
            check: auto_closed,
        },
    };
}

fn workspace_args(record: &Record<'_>) -> (String, String, String) {
    (
        resource_group(record),
        record
            .resource_segment("workspaces")
            .map_or_else(|| "<workspace>".to_owned(), sh),
        subscription(record),
    )
}

fn detection_removed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let op = record.operation.as_str();
    let (rg, ws, sub) = workspace_args(record);
    let name = shown(record.resource_name()).to_owned();
    let n = sh(&name);
    let workspace = shown(record.resource_segment("workspaces")).to_owned();
    let detection = if op.contains("/ALERTRULES/") {
        let deleted = op.ends_with("/DELETE");
        if !deleted && with_properties(record, |p| p.bool("enabled")) != Some(false) {
            return None;
        }
        Detection::new(&DETECTION_REMOVED)
            .reason(format!(
                "Sentinel analytics rule {name} in workspace {workspace} was {}: what it detected no longer raises incidents",
                if deleted { "deleted" } else { "disabled (enabled: false)" }
            ))
            .scope(format!(
                "`az sentinel alert-rule list --resource-group {rg} --workspace-name {ws} --subscription {sub}`"
            ))
            .restore(if deleted {
                format!("recreate analytics rule {n} from its template or export (az sentinel alert-rule create …)")
            } else {
                format!(
                    "az sentinel alert-rule update --resource-group {rg} --workspace-name {ws} --rule-name {n} \
                     --enabled true --subscription {sub}"
                )
            })
    } else if op.contains("/DATACONNECTORS/") {
        Detection::new(&DETECTION_REMOVED)
            .severity(Severity::High)
            .confidence(80)
            .reason(format!(
                "Sentinel data connector {name} in workspace {workspace} was deleted: its source stops flowing into Sentinel"
            ))
            .scope(format!(
                "`az sentinel data-connector list --resource-group {rg} --workspace-name {ws} --subscription {sub}`"
            ))
            .restore(format!("reconnect the source in Sentinel's Data connectors page (connector {n})"))
    } else {
        Detection::new(&DETECTION_REMOVED)
            .confidence(85)
            .reason(format!(
                "Microsoft Sentinel was removed from workspace {workspace}: its analytics, incidents and automation stop"
            ))
            .scope(format!(
                "`az sentinel onboarding-state list --resource-group {rg} --workspace-name {ws} --subscription {sub}`"
            ))
            .restore(format!(
                "az sentinel onboarding-state create --resource-group {rg} --workspace-name {ws} --name default \
                 --subscription {sub}"
            ))
    };
    Some(detection)
}

/// Whether an automation rule's actions close incidents; and whether it has no conditions.
fn closes_incidents(properties: &Object<'_>) -> Option<bool> {
    if properties
        .object("triggeringLogic")
        .and_then(|t| t.bool("isEnabled"))
        == Some(false)
    {
        return None;
    }
    let closes = properties.array("actions")?.into_iter().any(|action| {
        Object::from_raw(action)
            .ok()
            .and_then(|a| a.object("actionConfiguration"))
            .and_then(|c| c.str("status"))
            .is_some_and(|s| s.eq_ignore_ascii_case("closed"))
    });
    if !closes {
        return None;
    }
    let unconditional = properties
        .object("triggeringLogic")
        .and_then(|t| t.raw("conditions"))
        .and_then(json::raw_array)
        .is_none_or(|c| c.is_empty());
    Some(unconditional)
}

fn auto_closed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let unconditional = with_properties(record, closes_incidents)?;
    let (rg, ws, sub) = workspace_args(record);
    let name = shown(record.resource_name()).to_owned();
    Some(
        Detection::new(&INCIDENTS_AUTO_CLOSED)
            .severity(if unconditional { Severity::High } else { Severity::Medium })
            .reason(format!(
                "Sentinel automation rule {name} closes {} as soon as they are created",
                if unconditional { "every incident" } else { "matching incidents" }
            ))
            .scope(format!(
                "`az sentinel automation-rule list --resource-group {rg} --workspace-name {ws} --subscription {sub}`; \
                 closed incidents stay listed with the rule as closer"
            ))
            .restore(format!(
                "az sentinel automation-rule delete --resource-group {rg} --workspace-name {ws} --automation-rule-name {} \
                 --subscription {sub}",
                sh(&name)
            )),
    )
}
