//! Azure Monitor: diagnostic settings (where a resource's, subscription's or the tenant's logs are
//! exported), data collection rules (what the Azure Monitor Agent collects) and alert rules and action
//! groups (who is told about changes).

use super::{name_or, resource_group, shown, subscription, with_properties};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;
use crate::sources::json::Object;

/// What re-enables every log category of a resource.
const ALL_LOGS: &str = r#"'[{"categoryGroup":"allLogs","enabled":true}]'"#;

declare! {
    DIAGNOSTIC_SETTING_DELETED = {
        id: "azure.monitor.diagnostic_setting_deleted",
        title: "Azure diagnostic setting deleted",
        description: "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE on a subscription or resource, or \
                      MICROSOFT.AADIAM/DIAGNOSTICSETTINGS/DELETE for the Entra ID (Azure AD) sign-in and audit logs: \
                      the logs stop flowing to the workspace, storage account or Event Hub (and the SIEM behind them).",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Azure {
            operations: &[
                "*MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE",
                "MICROSOFT.AADIAM/DIAGNOSTICSETTINGS/DELETE",
            ],
            check: diagnostic_setting_deleted,
        },
    };
    DIAGNOSTIC_SETTING_NARROWED = {
        id: "azure.monitor.diagnostic_setting_narrowed",
        title: "Azure diagnostic setting written with log categories disabled",
        description: "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE whose request body disables log categories (enabled: \
                      false) or sends no logs at all. Writes that enable every listed category are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::Azure {
            operations: &["*MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE"],
            check: diagnostic_setting_written,
        },
    };
    ALERTING_DELETED = {
        id: "azure.monitor.alerting_deleted",
        title: "Activity-log alert or action group deleted or disabled",
        description: "MICROSOFT.INSIGHTS/ACTIVITYLOGALERTS/DELETE, MICROSOFT.INSIGHTS/ACTIONGROUPS/DELETE, or an \
                      ACTIVITYLOGALERTS/WRITE whose body sets enabled: false: changes that used to page someone no longer do.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.INSIGHTS/ACTIVITYLOGALERTS/DELETE",
                "MICROSOFT.INSIGHTS/ACTIONGROUPS/DELETE",
                "MICROSOFT.INSIGHTS/ACTIVITYLOGALERTS/WRITE",
            ],
            check: alerting,
        },
    };
    ALERT_RULE_DELETED = {
        id: "azure.monitor.alert_rule_deleted",
        title: "Metric or log alert rule deleted or disabled",
        description: "MICROSOFT.INSIGHTS/METRICALERTS/DELETE or MICROSOFT.INSIGHTS/SCHEDULEDQUERYRULES/DELETE (log search \
                      alerts), or their WRITE with properties.enabled false: the condition no longer raises an alert. \
                      Writes that keep the rule enabled are not findings (activity-log alerts and action groups are \
                      azure.monitor.alerting_deleted).",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.INSIGHTS/METRICALERTS/DELETE",
                "MICROSOFT.INSIGHTS/METRICALERTS/WRITE",
                "MICROSOFT.INSIGHTS/SCHEDULEDQUERYRULES/DELETE",
                "MICROSOFT.INSIGHTS/SCHEDULEDQUERYRULES/WRITE",
            ],
            check: alert_rule,
        },
    };
    DATA_COLLECTION_DELETED = {
        id: "azure.monitor.data_collection_deleted",
        title: "Azure Monitor data collection rule, association or endpoint deleted",
        description: "MICROSOFT.INSIGHTS/DATACOLLECTIONRULES/DELETE (high: every machine the rule collected from stops \
                      sending those logs through the Azure Monitor Agent), DATACOLLECTIONRULEASSOCIATIONS/DELETE on a \
                      machine (high: that machine stops) or DATACOLLECTIONENDPOINTS/DELETE (medium). Creating or \
                      updating them is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.INSIGHTS/DATACOLLECTIONRULES/DELETE",
                "*MICROSOFT.INSIGHTS/DATACOLLECTIONRULEASSOCIATIONS/DELETE",
                "MICROSOFT.INSIGHTS/DATACOLLECTIONENDPOINTS/DELETE",
            ],
            check: data_collection_deleted,
        },
    };
}

/// The resource a diagnostic setting belongs to: its id up to `/providers/microsoft.insights/…`.
/// `None` for a subscription-level setting.
fn monitored_resource(resource_id: &str) -> Option<&str> {
    let upper = resource_id.to_ascii_uppercase();
    let at = upper.find("/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS")?;
    let resource = resource_id.get(..at)?;
    let segments = resource.split('/').filter(|s| !s.is_empty()).count();
    // `/subscriptions/<id>` alone is the subscription's own Activity Log export.
    (segments > 2).then_some(resource)
}

fn diagnostic_restore(record: &Record<'_>, workspace: Option<&str>) -> String {
    let name = name_or(record, "<setting-name>");
    let workspace = workspace.map_or_else(|| "<workspace-resource-id>".to_owned(), sh);
    match record.resource_id.as_deref().and_then(monitored_resource) {
        Some(resource) => format!(
            "az monitor diagnostic-settings create --resource {} --name {name} --workspace {workspace} \
             --logs {ALL_LOGS}",
            sh(resource)
        ),
        None => format!(
            "az monitor diagnostic-settings subscription create --subscription {} --name {name} \
             --location global --workspace {workspace} --logs '[{{\"category\":\"Administrative\",\"enabled\":true}},\
             {{\"category\":\"Security\",\"enabled\":true}},{{\"category\":\"Policy\",\"enabled\":true}},\
             {{\"category\":\"Alert\",\"enabled\":true}}]'",
            subscription(record)
        ),
    }
}

fn diagnostic_scope(record: &Record<'_>) -> String {
    match record.resource_id.as_deref().and_then(monitored_resource) {
        Some(resource) => format!(
            "`az monitor diagnostic-settings list --resource {}` shows what still exports; the resource's \
             logs are missing downstream from this event's time",
            sh(resource)
        ),
        None => format!(
            "`az monitor diagnostic-settings subscription list --subscription {}`: the subscription's \
             Activity Log stopped reaching its export destination at this event's time",
            subscription(record)
        ),
    }
}

fn diagnostic_setting_deleted(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let setting = record.resource_name();
    if record.operation.starts_with("MICROSOFT.AADIAM/") {
        let url = sh(&format!(
            "https://management.azure.com/providers/microsoft.aadiam/diagnosticSettings/{}?api-version=2017-04-01",
            setting.unwrap_or("<setting-name>")
        ));
        return Some(
            Detection::new(&DIAGNOSTIC_SETTING_DELETED)
                .reason(format!(
                    "Entra ID diagnostic setting {} was deleted: the tenant's sign-in and audit logs no longer reach \
                     their destination",
                    shown(setting)
                ))
                .scope(
                    "`az rest --method get --url 'https://management.azure.com/providers/microsoft.aadiam/\
                     diagnosticSettings?api-version=2017-04-01'` shows what the tenant still exports",
                )
                .restore(format!(
                    "az rest --method put --url {url} --body '{{\"properties\":{{\"workspaceId\":\"<workspace-resource-id>\",\
                     \"logs\":[{{\"category\":\"AuditLogs\",\"enabled\":true}},{{\"category\":\"SignInLogs\",\"enabled\":true}}]}}}}'"
                )),
        );
    }
    let what = match record.resource_id.as_deref().and_then(monitored_resource) {
        Some(resource) => format!("resource {resource}"),
        None => format!(
            "subscription {}'s Activity Log",
            shown(record.subscription().as_deref())
        ),
    };
    Some(
        Detection::new(&DIAGNOSTIC_SETTING_DELETED)
            .reason(format!(
                "diagnostic setting {} was deleted: logs of {what} no longer reach their destination",
                shown(setting)
            ))
            .scope(diagnostic_scope(record))
            .restore(diagnostic_restore(record, None)),
    )
}

fn diagnostic_setting_written(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let body = record.request_body()?;
    let body = Object::parse(&body).ok()?;
    let properties = body.object("properties")?;
    let logs = properties.array("logs").unwrap_or_default();
    let mut disabled = Vec::new();
    for entry in &logs {
        let Ok(entry) = Object::from_raw(*entry) else {
            continue;
        };
        if entry.bool("enabled") == Some(false) {
            let category = entry
                .str("category")
                .or_else(|| entry.str("categoryGroup"))
                .map_or_else(|| "(unnamed category)".to_owned(), |c| c.into_owned());
            disabled.push(category);
        }
    }
    let no_logs = logs.is_empty();
    if disabled.is_empty() && !no_logs {
        return None;
    }
    let workspace = properties.str("workspaceId");
    let setting = record.resource_name();
    let mut detection = Detection::new(&DIAGNOSTIC_SETTING_NARROWED)
        .scope(diagnostic_scope(record))
        .restore(diagnostic_restore(record, workspace.as_deref()));
    detection = if no_logs {
        detection.reason(format!(
            "diagnostic setting {} was written with no log categories: only metrics (if any) are still exported",
            shown(setting)
        ))
    } else {
        detection.reason(format!(
            "diagnostic setting {} was written with log categories disabled: {}",
            shown(setting),
            disabled.join(", ")
        ))
    };
    Some(detection)
}

fn alerting(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    if record.operation.ends_with("/WRITE") {
        alert_disabled(record)
    } else {
        alerting_deleted(record)
    }
}

fn alerting_deleted(record: &Record<'_>) -> Option<Detection> {
    let name = name_or(record, "<name>");
    let rg = resource_group(record);
    let sub = subscription(record);
    let (what, restore) = if record.operation.contains("ACTIVITYLOGALERTS") {
        (
            "activity-log alert",
            format!(
                "az monitor activity-log alert create --name {name} --resource-group {rg} \
                 --scope /subscriptions/{sub} --condition <condition> --action-group <action-group-id>"
            ),
        )
    } else {
        (
            "action group",
            format!(
                "az monitor action-group create --name {name} --resource-group {rg} --subscription {sub} \
                 --action email <receiver> <address>"
            ),
        )
    };
    Some(
        Detection::new(&ALERTING_DELETED)
            .reason(format!(
                "{what} {} was deleted: the changes it watched no longer notify anyone",
                shown(record.resource_name())
            ))
            .scope(format!(
                "`az monitor activity-log alert list --subscription {sub}` and \
                 `az monitor action-group list --subscription {sub}` show what alerting is left"
            ))
            .restore(restore),
    )
}

fn alert_disabled(record: &Record<'_>) -> Option<Detection> {
    let body = record.request_body()?;
    let body = Object::parse(&body).ok()?;
    if body.object("properties")?.bool("enabled") != Some(false) {
        return None;
    }
    let name = name_or(record, "<name>");
    let rg = resource_group(record);
    let sub = subscription(record);
    Some(
        Detection::new(&ALERTING_DELETED)
            .reason(format!(
                "activity-log alert {} was disabled (enabled: false): the changes it watched no longer \
                 notify anyone",
                shown(record.resource_name())
            ))
            .scope(format!(
                "`az monitor activity-log alert list --subscription {sub} --query '[].{{name:name,enabled:enabled}}'`"
            ))
            .restore(format!(
                "az monitor activity-log alert update --name {name} --resource-group {rg} --enabled true \
                 --subscription {sub}"
            )),
    )
}

fn alert_rule(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let deleted = record.operation.ends_with("/DELETE");
    if !deleted && with_properties(record, |p| p.bool("enabled")) != Some(false) {
        return None;
    }
    let (kind, list) = if record.operation.contains("SCHEDULEDQUERYRULES") {
        ("log search alert rule", "az monitor scheduled-query list")
    } else {
        ("metric alert rule", "az monitor metrics alert list")
    };
    let name = name_or(record, "<rule>");
    let rg = resource_group(record);
    let sub = subscription(record);
    let restore = match (kind, deleted) {
        ("metric alert rule", false) => format!(
            "az monitor metrics alert update --name {name} --resource-group {rg} --enabled true --subscription {sub}"
        ),
        (_, false) => format!(
            "az monitor scheduled-query update --name {name} --resource-group {rg} --disabled false --subscription {sub}"
        ),
        _ => format!(
            "recreate {kind} {name} in resource group {rg} from its template (az deployment group create \
             --resource-group {rg} --template-file <alert-rules.json>)"
        ),
    };
    Some(
        Detection::new(&ALERT_RULE_DELETED)
            .reason(format!(
                "{kind} {} was {}: its condition no longer raises an alert",
                shown(record.resource_name()),
                if deleted {
                    "deleted"
                } else {
                    "disabled (enabled: false)"
                }
            ))
            .scope(format!(
                "`{list} --subscription {sub}` shows the rules left and their state"
            ))
            .restore(restore),
    )
}

fn data_collection_deleted(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let op = record.operation.as_str();
    let name = shown(record.resource_name()).to_owned();
    let rg = resource_group(record);
    let sub = subscription(record);
    let detection = if op.ends_with("DATACOLLECTIONRULEASSOCIATIONS/DELETE") {
        let machine = record
            .resource_id
            .as_deref()
            .and_then(|id| {
                let upper = id.to_ascii_uppercase();
                let at =
                    upper.find("/PROVIDERS/MICROSOFT.INSIGHTS/DATACOLLECTIONRULEASSOCIATIONS")?;
                id.get(..at)
            })
            .unwrap_or("(unknown machine)")
            .to_owned();
        Detection::new(&DATA_COLLECTION_DELETED)
            .reason(format!(
                "data collection rule association {name} was removed from {machine}: the Azure Monitor Agent there \
                 stops sending what the rule collected"
            ))
            .scope(format!(
                "`az monitor data-collection rule association list --resource {}` shows the rules still associated",
                sh(&machine)
            ))
            .restore(format!(
                "az monitor data-collection rule association create --name {} --resource {} --rule-id <data-collection-rule-id>",
                sh(&name),
                sh(&machine)
            ))
    } else if op.contains("DATACOLLECTIONENDPOINTS") {
        Detection::new(&DATA_COLLECTION_DELETED)
            .severity(Severity::Medium)
            .reason(format!(
                "data collection endpoint {name} was deleted: agents and rules that send through it lose their ingestion \
                 endpoint"
            ))
            .scope(format!("`az monitor data-collection endpoint list --subscription {sub}`"))
            .restore(format!(
                "az monitor data-collection endpoint create --name {} --resource-group {rg} --location <location> \
                 --public-network-access Enabled --subscription {sub}",
                sh(&name)
            ))
    } else {
        Detection::new(&DATA_COLLECTION_DELETED)
            .reason(format!(
                "data collection rule {name} was deleted: every machine associated with it stops sending the logs it \
                 collected"
            ))
            .scope(format!(
                "`az monitor data-collection rule list --subscription {sub}`; the rule's associations are gone with it"
            ))
            .restore(format!(
                "az monitor data-collection rule create --name {} --resource-group {rg} --location <location> \
                 --rule-file <rule.json> --subscription {sub}, then re-associate the machines",
                sh(&name)
            ))
    };
    Some(detection)
}
