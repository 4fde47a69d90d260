//! Where diagnostic settings send logs: Event Hub namespaces and hubs, storage accounts and their
//! `insights-*` containers deleted, and storage lifecycle policies that delete exported logs early.
//! A destination is recognised by what the stream showed (a diagnostic setting naming it, see
//! `rules::memory`), by the containers and hubs Azure Monitor creates (`insights-logs-*`,
//! `insights-activity-logs`), else by a name that says it holds logs.

use super::{
    id_through, known_destination, known_why, log_like_name, resource_group, shown, subscription,
    with_properties,
};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;
use crate::sources::json::{self, Object};

declare! {
    DESTINATION_DELETED = {
        id: "azure.monitor.destination_deleted",
        title: "Diagnostic log destination deleted",
        description: "MICROSOFT.EVENTHUB/NAMESPACES/DELETE, …/EVENTHUBS/DELETE, MICROSOFT.STORAGE/STORAGEACCOUNTS/DELETE \
                      or …/BLOBSERVICES/CONTAINERS/DELETE of a resource a diagnostic setting in the stream sends to \
                      (high), of the insights-logs-* / insights-activity-logs containers and hubs Azure Monitor writes \
                      (high), or of one whose name says it holds logs (medium). Other namespaces, accounts and \
                      containers are not findings; Log Analytics workspaces are azure.loganalytics.workspace_deleted.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.EVENTHUB/NAMESPACES/DELETE",
                "MICROSOFT.EVENTHUB/NAMESPACES/EVENTHUBS/DELETE",
                "MICROSOFT.STORAGE/STORAGEACCOUNTS/DELETE",
                "MICROSOFT.STORAGE/STORAGEACCOUNTS/BLOBSERVICES/CONTAINERS/DELETE",
            ],
            check: destination_deleted,
        },
    };
    LOG_LIFECYCLE_SHORTENED = {
        id: "azure.storage.log_lifecycle_shortened",
        title: "Storage lifecycle policy deletes exported logs early",
        description: "MICROSOFT.STORAGE/STORAGEACCOUNTS/MANAGEMENTPOLICIES/WRITE with an enabled rule deleting base blobs \
                      after 30 days or less, on an account a diagnostic setting in the stream sends to, on a rule \
                      filtered to insights-* containers, or on an account whose name says it holds logs: high at 7 days \
                      or less, medium otherwise. Rules that only tier blobs, or that delete later, are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.STORAGE/STORAGEACCOUNTS/MANAGEMENTPOLICIES/WRITE"],
            check: lifecycle,
        },
    };
}

/// Whether a hub or container name is one Azure Monitor creates for diagnostic exports.
fn monitor_owned(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("insights-logs-")
        || lower.starts_with("insights-activity-logs")
        || lower.starts_with("insights-metrics-")
}

fn destination_deleted(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let id = record.resource_id.as_deref()?;
    let op = record.operation.as_str();
    let name = record.resource_name()?;
    let sub = subscription(record);
    let rg = resource_group(record);
    let (kind, parent) = if op.starts_with("MICROSOFT.EVENTHUB/") {
        let namespace = id_through(id, "namespaces");
        (
            if op.contains("/EVENTHUBS/") {
                "event hub"
            } else {
                "Event Hubs namespace"
            },
            namespace,
        )
    } else {
        let account = id_through(id, "storageAccounts");
        (
            if op.contains("/CONTAINERS/") {
                "blob container"
            } else {
                "storage account"
            },
            account,
        )
    };
    let known =
        known_destination(env, id).or_else(|| parent.and_then(|p| known_destination(env, p)));
    let (severity, confidence, why) = if let Some(known) = known {
        (Severity::High, 85, known_why(known))
    } else if monitor_owned(name) {
        (
            Severity::High,
            80,
            "Azure Monitor writes diagnostic exports there",
        )
    } else if log_like_name(name)
        || parent
            .and_then(|p| p.rsplit('/').next())
            .is_some_and(log_like_name)
    {
        (Severity::Medium, 60, "its name says it holds logs")
    } else {
        return None;
    };
    let n = sh(name);
    let (scope, restore) = match kind {
        "Event Hubs namespace" => (
            format!(
                "`az monitor diagnostic-settings subscription list --subscription {sub}` and the resources' \
                     diagnostic settings show what streamed through it"
            ),
            format!(
                "az eventhubs namespace create --name {n} --resource-group {rg} --location <location> --subscription {sub}, \
                     then recreate the hubs and the SIEM's consumer group"
            ),
        ),
        "event hub" => (
            "the diagnostic settings that name this hub now fail to deliver".to_owned(),
            format!(
                "az eventhubs eventhub create --name {n} --namespace-name {} --resource-group {rg} --subscription {sub}",
                sh(record
                    .resource_segment("namespaces")
                    .unwrap_or("<namespace>"))
            ),
        ),
        "storage account" => (
            format!(
                "`az monitor diagnostic-settings list` per resource shows settings that pointed at {name}"
            ),
            format!(
                "az storage account restore --name {n} --resource-group {rg} --subscription {sub} \
                     (deleted accounts can be recovered for 14 days), else recreate it and re-point the diagnostic settings"
            ),
        ),
        _ => (
            format!(
                "`az storage container list --account-name {} --auth-mode login` shows the containers left",
                sh(record
                    .resource_segment("storageAccounts")
                    .unwrap_or("<account>"))
            ),
            format!(
                "az storage container restore --name {n} --deleted-version <version> --account-name {} --auth-mode login \
                     (when container soft delete is on)",
                sh(record
                    .resource_segment("storageAccounts")
                    .unwrap_or("<account>"))
            ),
        ),
    };
    Some(
        Detection::new(&DESTINATION_DELETED)
            .severity(severity)
            .confidence(confidence)
            .reason(format!(
                "{kind} {name} was deleted: {why}, so those logs are gone or stop arriving"
            ))
            .scope(scope)
            .restore(restore),
    )
}

/// The shortest enabled base-blob delete age (days) in a management policy, with whether the rule is
/// filtered to Azure Monitor's containers.
fn shortest_delete(policy: &Object<'_>) -> Option<(i64, bool)> {
    let rules = policy.object("policy")?.array("rules")?;
    let mut shortest: Option<(i64, bool)> = None;
    for rule in rules {
        let Ok(rule) = Object::from_raw(rule) else {
            continue;
        };
        if rule.bool("enabled") == Some(false) {
            continue;
        }
        let Some(definition) = rule.object("definition") else {
            continue;
        };
        let delete = definition
            .object("actions")
            .and_then(|a| a.object("baseBlob"))
            .and_then(|b| b.object("delete"));
        let Some(delete) = delete else { continue };
        let days = [
            "daysAfterModificationGreaterThan",
            "daysAfterCreationGreaterThan",
            "daysAfterLastAccessTimeGreaterThan",
        ]
        .iter()
        .filter_map(|k| {
            delete.raw(k).and_then(|raw| {
                json::raw_i64(raw).or_else(|| raw.get().parse::<f64>().ok().map(|f| f as i64))
            })
        })
        .min();
        let Some(days) = days else { continue };
        let insights = definition
            .object("filters")
            .and_then(|f| f.array("prefixMatch"))
            .unwrap_or_default()
            .iter()
            .filter_map(|p| json::raw_str(*p))
            .any(|p| monitor_owned(&p));
        if shortest.is_none_or(|(d, _)| days < d) {
            shortest = Some((days, insights));
        }
    }
    shortest
}

fn lifecycle(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let (days, insights) = with_properties(record, shortest_delete)?;
    if days > 30 {
        return None;
    }
    let id = record.resource_id.as_deref()?;
    let account_id = id_through(id, "storageAccounts")?;
    let account = record.resource_segment("storageAccounts")?;
    let known = known_destination(env, account_id);
    if !(known.is_some() || insights || log_like_name(account)) {
        return None;
    }
    let why = if let Some(known) = known {
        known_why(known)
    } else if insights {
        "the rule targets Azure Monitor's insights-* containers"
    } else {
        "its name says it holds logs"
    };
    let a = sh(account);
    let rg = resource_group(record);
    Some(
        Detection::new(&LOG_LIFECYCLE_SHORTENED)
            .severity(if days <= 7 { Severity::High } else { Severity::Medium })
            .reason(format!(
                "storage account {} now deletes blobs after {days} day(s) ({why}): exported logs disappear before \
                 anyone investigates",
                shown(Some(account))
            ))
            .scope(format!(
                "`az storage account management-policy show --account-name {a} --resource-group {rg}` shows the rules now"
            ))
            .restore(format!(
                "az storage account management-policy create --account-name {a} --resource-group {rg} --policy \
                 @<previous-policy.json> (or delete the rule: az storage account management-policy delete \
                 --account-name {a} --resource-group {rg})"
            )),
    )
}
