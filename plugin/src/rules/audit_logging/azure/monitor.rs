//! Azure Monitor: diagnostic settings (where a resource's or subscription's logs are exported) and
//! activity-log alerts and action groups (who is told about changes).

use super::{name_or, resource_group, shown, subscription};
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
        description: "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE on a subscription or resource: its logs stop flowing to \
                      the workspace, storage account or Event Hub (and the SIEM behind them).",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Azure {
            operations: &["*MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE"],
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
        let Ok(entry) = Object::from_raw(entry) else {
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
