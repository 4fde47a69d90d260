//! Family 1 on Azure: diagnostic settings, Log Analytics workspaces, activity-log alerting, Network
//! Watcher flow logs and Defender for Cloud switched off or narrowed, from the Activity Log. Writes are
//! judged by the request body the Activity Log records (`properties.requestbody`); a write whose body
//! is absent or only widens coverage is not a finding.

use crate::model::{Severity, SourceKind};
use crate::rules::{Detection, Rule, rule, sh};
use crate::sources::azure_activity::Record;
use crate::sources::json::{self, Object};

const CLOUD_LOGS: (&str, &str) = ("T1562.008", "Impair Defenses: Disable or Modify Cloud Logs");
const TOOLS: (&str, &str) = ("T1562.001", "Impair Defenses: Disable or Modify Tools");
const AZURE: &[SourceKind] = &[SourceKind::AzureActivity];

/// What re-enables every log category of a resource.
const ALL_LOGS: &str = r#"'[{"categoryGroup":"allLogs","enabled":true}]'"#;

rule!(
    DIAGNOSTIC_SETTING_DELETED,
    "azure.monitor.diagnostic_setting_deleted",
    "Azure diagnostic setting deleted",
    CLOUD_LOGS,
    High,
    85,
    AZURE,
    "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE on a subscription or resource: its logs stop flowing to \
     the workspace, storage account or Event Hub (and the SIEM behind them)."
);
rule!(
    DIAGNOSTIC_SETTING_NARROWED,
    "azure.monitor.diagnostic_setting_narrowed",
    "Azure diagnostic setting written with log categories disabled",
    CLOUD_LOGS,
    High,
    75,
    AZURE,
    "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE whose request body disables log categories (enabled: \
     false) or sends no logs at all. Writes that enable every listed category are not findings."
);
rule!(
    WORKSPACE_DELETED,
    "azure.loganalytics.workspace_deleted",
    "Log Analytics workspace deleted",
    CLOUD_LOGS,
    High,
    85,
    AZURE,
    "MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/DELETE: the workspace's stored logs and every diagnostic \
     setting and agent sending to it lose their destination."
);
rule!(
    ALERTING_DELETED,
    "azure.monitor.alerting_deleted",
    "Activity-log alert or action group deleted or disabled",
    CLOUD_LOGS,
    High,
    70,
    AZURE,
    "MICROSOFT.INSIGHTS/ACTIVITYLOGALERTS/DELETE, MICROSOFT.INSIGHTS/ACTIONGROUPS/DELETE, or an \
     ACTIVITYLOGALERTS/WRITE whose body sets enabled: false: changes that used to page someone no longer do."
);
rule!(
    FLOW_LOGS_DELETED,
    "azure.network.flow_logs_deleted",
    "Network Watcher flow logs deleted or disabled",
    CLOUD_LOGS,
    High,
    85,
    AZURE,
    "MICROSOFT.NETWORK/NETWORKWATCHERS/FLOWLOGS/DELETE, or a FLOWLOGS/WRITE whose body sets enabled: false: \
     the NSG's or virtual network's traffic stops being recorded."
);
rule!(
    DEFENDER_PLAN_LOWERED,
    "azure.defender.plan_lowered",
    "Microsoft Defender for Cloud plan lowered to Free",
    TOOLS,
    High,
    85,
    AZURE,
    "MICROSOFT.SECURITY/PRICINGS/WRITE with pricingTier Free: the plan's threat detection (servers, \
     storage, Kubernetes, …) stops. Setting Standard is not a finding."
);
rule!(
    ALERT_SUPPRESSION_CREATED,
    "azure.defender.alert_suppression_rule_created",
    "Defender for Cloud alert suppression rule created",
    TOOLS,
    Medium,
    70,
    AZURE,
    "MICROSOFT.SECURITY/ALERTSSUPPRESSIONRULES/WRITE with an enabled rule: matching alerts are dismissed \
     before anyone sees them; high when it suppresses every alert type. Disabled rules are not findings."
);

pub static RULES: &[&Rule] = &[
    &DIAGNOSTIC_SETTING_DELETED,
    &DIAGNOSTIC_SETTING_NARROWED,
    &WORKSPACE_DELETED,
    &ALERTING_DELETED,
    &FLOW_LOGS_DELETED,
    &DEFENDER_PLAN_LOWERED,
    &ALERT_SUPPRESSION_CREATED,
];

/// Evaluate a completed or failed operation; the match on the operation name is the pre-classification.
pub fn evaluate(record: &Record<'_>, out: &mut Vec<Detection>) {
    let op = record.operation.as_str();
    let detection = match op {
        // Resource-scoped settings are written under the resource's own provider path.
        _ if op.ends_with("MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE") => {
            diagnostic_setting_deleted(record)
        }
        _ if op.ends_with("MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE") => {
            diagnostic_setting_written(record)
        }
        "MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/DELETE" => workspace_deleted(record),
        "MICROSOFT.INSIGHTS/ACTIVITYLOGALERTS/DELETE"
        | "MICROSOFT.INSIGHTS/ACTIONGROUPS/DELETE" => alerting_deleted(record),
        "MICROSOFT.INSIGHTS/ACTIVITYLOGALERTS/WRITE" => alert_disabled(record),
        "MICROSOFT.NETWORK/NETWORKWATCHERS/FLOWLOGS/DELETE" => flow_logs(record, None),
        "MICROSOFT.NETWORK/NETWORKWATCHERS/FLOWLOGS/WRITE" => flow_logs_written(record),
        "MICROSOFT.SECURITY/PRICINGS/WRITE" => pricing(record),
        "MICROSOFT.SECURITY/ALERTSSUPPRESSIONRULES/WRITE" => suppression_rule(record),
        _ => None,
    };
    out.extend(detection);
}

fn subscription(record: &Record<'_>) -> String {
    record
        .subscription()
        .map_or_else(|| "<subscription-id>".to_owned(), |s| sh(&s))
}

fn name_or(record: &Record<'_>, placeholder: &str) -> String {
    record
        .resource_name()
        .map_or_else(|| placeholder.to_owned(), sh)
}

fn resource_group(record: &Record<'_>) -> String {
    record
        .resource_segment("resourceGroups")
        .map_or_else(|| "<resource-group>".to_owned(), sh)
}

fn shown(value: Option<&str>) -> &str {
    value.unwrap_or("(unknown)")
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

fn diagnostic_setting_deleted(record: &Record<'_>) -> Option<Detection> {
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

fn diagnostic_setting_written(record: &Record<'_>) -> Option<Detection> {
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

fn workspace_deleted(record: &Record<'_>) -> Option<Detection> {
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

fn flow_logs_written(record: &Record<'_>) -> Option<Detection> {
    let body = record.request_body()?;
    let body = Object::parse(&body).ok()?;
    let properties = body.object("properties")?;
    if properties.bool("enabled") != Some(false) {
        return None;
    }
    flow_logs(record, properties.str("targetResourceId").as_deref())
}

fn flow_logs(record: &Record<'_>, target: Option<&str>) -> Option<Detection> {
    let name = name_or(record, "<flow-log>");
    let watcher = record.resource_segment("networkWatchers");
    // Network Watchers are named `NetworkWatcher_<region>` by default.
    let location = watcher
        .and_then(|w| w.rsplit_once('_'))
        .map(|(_, region)| region.to_ascii_lowercase())
        .or_else(|| {
            record
                .location
                .as_deref()
                .filter(|l| !l.eq_ignore_ascii_case("global"))
                .map(str::to_owned)
        })
        .map_or_else(|| "<location>".to_owned(), |l| sh(&l));
    let target_arg = target.map_or_else(|| "<nsg-or-vnet-id>".to_owned(), sh);
    let verb = if record.operation.ends_with("DELETE") {
        "deleted"
    } else {
        "disabled"
    };
    Some(
        Detection::new(&FLOW_LOGS_DELETED)
            .reason(format!(
                "Network Watcher flow log {} was {verb}: traffic of {} is no longer recorded",
                shown(record.resource_name()),
                target.unwrap_or("its NSG or virtual network")
            ))
            .scope(format!(
                "`az network watcher flow-log list --location {location}` shows the flow logs left in the region"
            ))
            .restore(format!(
                "az network watcher flow-log create --location {location} --name {name} \
                 --resource-group {} --nsg {target_arg} --storage-account <storage-account-id> --enabled true",
                resource_group(record)
            )),
    )
}

fn pricing(record: &Record<'_>) -> Option<Detection> {
    let body = record.request_body()?;
    let body = Object::parse(&body).ok()?;
    let tier = body.object("properties")?.str("pricingTier")?;
    if !tier.eq_ignore_ascii_case("free") {
        return None;
    }
    let plan = name_or(record, "<plan>");
    let sub = subscription(record);
    Some(
        Detection::new(&DEFENDER_PLAN_LOWERED)
            .reason(format!(
                "Defender for Cloud plan {} was set to the Free tier: its threat detection stopped for the \
                 whole subscription",
                shown(record.resource_name())
            ))
            .scope(format!(
                "`az security pricing list --subscription {sub}` shows every plan's tier now; Defender alerts \
                 for this plan stop at this event's time"
            ))
            .restore(format!(
                "az security pricing create --name {plan} --tier standard --subscription {sub}"
            )),
    )
}

fn suppression_rule(record: &Record<'_>) -> Option<Detection> {
    let body = record.request_body();
    let body = body.as_deref().and_then(|b| Object::parse(b).ok());
    let properties = body.as_ref().and_then(|b| b.object("properties"));
    let state = properties.as_ref().and_then(|p| p.str("state"));
    if state
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("disabled"))
    {
        return None;
    }
    let alert_type = properties.as_ref().and_then(|p| p.str("alertType"));
    let every_alert = alert_type.as_deref() == Some("*");
    let scoped = properties
        .as_ref()
        .and_then(|p| p.raw("suppressionAlertsScope"))
        .is_some_and(|s| !json::is_null(s));
    let raw_sub = record
        .subscription()
        .unwrap_or_else(|| "<subscription-id>".to_owned());
    let rules_url = format!(
        "https://management.azure.com/subscriptions/{raw_sub}/providers/Microsoft.Security/alertsSuppressionRules"
    );
    let api = "api-version=2019-01-01-preview";
    let list_url = sh(&format!("{rules_url}?{api}"));
    let rule_url = sh(&format!(
        "{rules_url}/{}?{api}",
        record.resource_name().unwrap_or("<rule>")
    ));
    let sub = subscription(record);
    Some(
        Detection::new(&ALERT_SUPPRESSION_CREATED)
            .severity(if every_alert && !scoped {
                Severity::High
            } else {
                Severity::Medium
            })
            .reason(format!(
                "alert suppression rule {} dismisses {}{} as soon as they are raised",
                shown(record.resource_name()),
                match alert_type.as_deref() {
                    Some("*") => "every Defender for Cloud alert type".to_owned(),
                    Some(t) => format!("Defender for Cloud alerts of type {t}"),
                    None => "Defender for Cloud alerts".to_owned(),
                },
                if scoped { " (within its scope)" } else { "" }
            ))
            .scope(format!(
                "`az rest --method get --url {list_url}` lists the rules; dismissed alerts stay listed in \
                 `az security alert list --subscription {sub}`"
            ))
            .restore(format!("az rest --method delete --url {rule_url}")),
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::fire;

    fn ids(text: &str) -> Vec<&'static str> {
        fire(text).iter().map(|d| d.rule.id).collect()
    }

    fn export(operation: &str, result: &str, resource_id: &str, body: Option<&str>) -> String {
        let properties = match body {
            Some(body) => format!(
                r#"{{"statusCode":"OK","requestbody":{}}}"#,
                serde_json::to_string(body).expect("string")
            ),
            None => r#"{"statusCode":"OK"}"#.to_owned(),
        };
        format!(
            r#"{{"time":"2026-11-27T09:12:44.1234567Z","resourceId":"{resource_id}","operationName":"{operation}","category":"Administrative","resultType":"{result}","callerIpAddress":"203.0.113.24","correlationId":"3c7d2a11-5b8e-4f0a-9d6c-1e2f3a4b5c6d","identity":{{"claims":{{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"mallory@contoso.onmicrosoft.com"}}}},"level":"Information","properties":{properties}}}"#
        )
    }

    const SUB: &str = "/SUBSCRIPTIONS/6F1C2B3A-4D5E-4F60-8A7B-9C0D1E2F3A4B";

    #[test]
    fn diagnostic_setting_delete_fires_once_on_success_only() {
        let id = format!(
            "{SUB}/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/TO-SENTINEL"
        );
        let op = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE";
        assert!(ids(&export(op, "Start", &id, None)).is_empty());
        let detections = fire(&export(op, "Success", &id, None));
        assert_eq!(detections.len(), 1);
        assert_eq!(
            detections[0].rule.id,
            "azure.monitor.diagnostic_setting_deleted"
        );
        assert!(
            detections[0].restore[0].starts_with(
                "az monitor diagnostic-settings create --resource /SUBSCRIPTIONS/6F1C2B3A-4D5E-4F60-8A7B-9C0D1E2F3A4B/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS --name TO-SENTINEL"
            ),
            "{}",
            detections[0].restore[0]
        );
        let sub_level = format!("{SUB}/providers/microsoft.insights/diagnosticSettings/export-all");
        let detections = fire(&export(op, "Failure", &sub_level, None));
        assert!(
            detections[0].restore[0].contains(
                "subscription create --subscription 6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
            )
        );
    }

    #[test]
    fn diagnostic_setting_write_fires_only_when_categories_are_disabled() {
        let id = format!(
            "{SUB}/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/TO-SENTINEL"
        );
        let op = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE";
        let narrowed = r#"{"properties":{"workspaceId":"/subscriptions/6f1c/resourceGroups/rg-secops/providers/Microsoft.OperationalInsights/workspaces/law-prod","logs":[{"category":"AuditEvent","enabled":false},{"category":"AzurePolicyEvaluationDetails","enabled":true}]}}"#;
        let detections = fire(&export(op, "Success", &id, Some(narrowed)));
        assert_eq!(detections.len(), 1);
        assert!(detections[0].reasons[0].contains("AuditEvent"));
        let widened = r#"{"properties":{"workspaceId":"/x","logs":[{"categoryGroup":"allLogs","enabled":true}]}}"#;
        assert!(ids(&export(op, "Success", &id, Some(widened))).is_empty());
        assert!(ids(&export(op, "Success", &id, None)).is_empty());
    }

    #[test]
    fn defender_and_suppression_conditions() {
        let pricing = format!("{SUB}/providers/Microsoft.Security/pricings/VirtualMachines");
        let op = "MICROSOFT.SECURITY/PRICINGS/WRITE";
        let detections = fire(&export(
            op,
            "Success",
            &pricing,
            Some(r#"{"properties":{"pricingTier":"Free"}}"#),
        ));
        assert_eq!(detections.len(), 1);
        assert_eq!(
            detections[0].restore[0],
            "az security pricing create --name VirtualMachines --tier standard --subscription 6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
        );
        assert!(
            ids(&export(
                op,
                "Success",
                &pricing,
                Some(r#"{"properties":{"pricingTier":"Standard"}}"#)
            ))
            .is_empty()
        );
        let rule =
            format!("{SUB}/providers/Microsoft.Security/alertsSuppressionRules/quiet; rm -rf");
        let op = "MICROSOFT.SECURITY/ALERTSSUPPRESSIONRULES/WRITE";
        let detections = fire(&export(
            op,
            "Success",
            &rule,
            Some(r#"{"properties":{"alertType":"*","reason":"Other","state":"Enabled"}}"#),
        ));
        assert_eq!(detections[0].severity, crate::model::Severity::High);
        assert!(
            detections[0].restore[0]
                .ends_with("alertsSuppressionRules/quiet; rm -rf?api-version=2019-01-01-preview'"),
            "{}",
            detections[0].restore[0]
        );
        assert!(
            ids(&export(
                op,
                "Success",
                &rule,
                Some(r#"{"properties":{"alertType":"*","state":"Disabled"}}"#)
            ))
            .is_empty()
        );
    }
}
