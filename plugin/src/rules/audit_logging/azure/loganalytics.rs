//! Log Analytics: workspaces deleted, retention cut, ingestion capped.

use super::{
    known_destination, known_why, name_or, resource_group, shown, subscription, with_properties,
};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;

declare! {
    WORKSPACE_DELETED = {
        id: "azure.loganalytics.workspace_deleted",
        title: "Log Analytics workspace deleted",
        description: "MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/DELETE: the workspace's stored logs and every diagnostic \
                      setting and agent sending to it lose their destination.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/DELETE"],
            check: workspace_deleted,
        },
    };
    RETENTION_CUT = {
        id: "azure.loganalytics.retention_cut",
        title: "Log Analytics retention cut or ingestion capped",
        description: "MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/WRITE with retentionInDays under 30 (high at 7 or less) on a \
                      paid workspace, or a daily ingestion cap (workspaceCapping.dailyQuotaGb) under 1 GB (data past the \
                      cap is dropped for the rest of the day); WORKSPACES/TABLES/WRITE with a table's retentionInDays \
                      under 30. The free tier's fixed 7 days, 30 days or more, and no cap (-1) are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/WRITE",
                "MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/TABLES/WRITE",
            ],
            check: retention_cut,
        },
    };
}

fn workspace_deleted(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let name = name_or(record, "<workspace>");
    let rg = resource_group(record);
    let detection = Detection::new(&WORKSPACE_DELETED)
        .reason(format!(
            "Log Analytics workspace {} was deleted: its logs, and every agent and diagnostic setting \
             sending to it, lost their destination",
            shown(record.resource_name())
        ))
        .scope(format!(
            "`az monitor diagnostic-settings list` per resource and the Azure Monitor Agent data collection \
             rules that pointed at workspace {name}; the workspace stays recoverable for 14 days"
        ))
        .restore(format!(
            "az monitor log-analytics workspace recover --resource-group {rg} --workspace-name {name} \
             --subscription {}",
            subscription(record)
        ));
    let known = record
        .resource_id
        .as_deref()
        .and_then(|id| known_destination(env, id));
    Some(match known {
        Some(known) => detection.confidence(95).reason(format!(
            "it is a known log destination: {}",
            known_why(known)
        )),
        None => detection,
    })
}

/// Log Analytics keeps 30 days at no extra cost; less is a deliberate cut.
const MIN_RETENTION_DAYS: i64 = 30;

fn retention_cut(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let table = record.operation.contains("/TABLES/");
    let (retention, cap, free) = with_properties(record, |p| {
        let retention = p.i64("retentionInDays");
        let cap = p
            .object("workspaceCapping")
            .and_then(|c| c.raw("dailyQuotaGb"))
            .and_then(|raw| raw.get().parse::<f64>().ok());
        let free = p
            .object("sku")
            .and_then(|s| s.str("name"))
            .is_some_and(|n| n.eq_ignore_ascii_case("free"));
        Some((retention, cap, free))
    })?;
    let mut reasons = Vec::new();
    let mut severity = Severity::Medium;
    let rg = resource_group(record);
    let sub = subscription(record);
    let workspace = record
        .resource_segment("workspaces")
        .map_or_else(|| "<workspace>".to_owned(), sh);
    let mut restore = Vec::new();
    if let Some(days) = retention.filter(|d| *d > 0 && *d < MIN_RETENTION_DAYS && !free) {
        if days <= 7 {
            severity = Severity::High;
        }
        if table {
            let t = name_or(record, "<table>");
            reasons.push(format!(
                "table {} of workspace {} now keeps {days} day(s) of data",
                shown(record.resource_name()),
                shown(record.resource_segment("workspaces"))
            ));
            restore.push(format!(
                "az monitor log-analytics workspace table update --resource-group {rg} --workspace-name {workspace} \
                 --name {t} --retention-time {MIN_RETENTION_DAYS} --subscription {sub}"
            ));
        } else {
            reasons.push(format!(
                "workspace {} now keeps {days} day(s) of logs",
                shown(record.resource_name())
            ));
            restore.push(format!(
                "az monitor log-analytics workspace update --resource-group {rg} --workspace-name {workspace} \
                 --retention-time {MIN_RETENTION_DAYS} --subscription {sub}"
            ));
        }
    }
    if let Some(gb) = cap.filter(|gb| *gb >= 0.0 && *gb < 1.0) {
        reasons.push(format!(
            "workspace {} stops ingesting after {gb} GB a day (workspaceCapping.dailyQuotaGb): logs past the cap are \
             dropped until the next day",
            shown(record.resource_name())
        ));
        restore.push(format!(
            "az monitor log-analytics workspace update --resource-group {rg} --workspace-name {workspace} --quota -1 \
             --subscription {sub}"
        ));
    }
    if reasons.is_empty() {
        return None;
    }
    let mut detection = Detection::new(&RETENTION_CUT)
        .severity(severity)
        .scope(format!(
            "`az monitor log-analytics workspace show --resource-group {rg} --workspace-name {workspace} \
             --query '{{retention:retentionInDays,cap:workspaceCapping}}'`; older data is purged from this event's time"
        ));
    detection.reasons = reasons;
    detection.restore = restore;
    Some(detection)
}
