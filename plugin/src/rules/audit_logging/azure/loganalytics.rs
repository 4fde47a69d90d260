//! Log Analytics: workspaces deleted.

use super::{name_or, resource_group, shown, subscription};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
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
}

fn workspace_deleted(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let name = name_or(record, "<workspace>");
    let rg = resource_group(record);
    Some(
        Detection::new(&WORKSPACE_DELETED)
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
            )),
    )
}
