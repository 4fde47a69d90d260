//! Azure Policy: assignments that deploy diagnostics, agents or Defender removed.

use super::{shown, subscription};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;

declare! {
    ASSIGNMENT_DELETED = {
        id: "azure.policy.assignment_deleted",
        title: "Azure Policy assignment deleted",
        description: "MICROSOFT.AUTHORIZATION/POLICYASSIGNMENTS/DELETE. Medium when the assignment's name says it deploys \
                      or audits monitoring (diagnostic settings, Azure Monitor Agent, data collection rules, Log \
                      Analytics, Defender for Cloud's SecurityCenterBuiltIn / ASC defaults): resources created from now \
                      on are no longer brought under monitoring. Other assignments (names are often GUIDs) are low: \
                      sequences use them, they never alert alone.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Low,
        confidence: 50,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.AUTHORIZATION/POLICYASSIGNMENTS/DELETE"],
            check: assignment_deleted,
        },
    };
}

fn monitoring_assignment(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "securitycenter",
        "asc",
        "defender",
        "diagnostic",
        "diag",
        "monitor",
        "ama",
        "dcr",
        "loganalytics",
        "log-analytics",
        "logging",
        "audit",
        "sentinel",
        "mde",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

fn assignment_deleted(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let name = record.resource_name()?;
    let monitoring = monitoring_assignment(name);
    let scope = record
        .resource_id
        .as_deref()
        .and_then(|id| {
            let upper = id.to_ascii_uppercase();
            let at = upper.find("/PROVIDERS/MICROSOFT.AUTHORIZATION/POLICYASSIGNMENTS")?;
            id.get(..at)
        })
        .filter(|s| !s.is_empty())
        .unwrap_or("/");
    let sub = subscription(record);
    let mut detection = Detection::new(&ASSIGNMENT_DELETED).reason(format!(
        "policy assignment {} was deleted at scope {scope}{}",
        shown(Some(name)),
        if monitoring {
            ": it deployed or audited monitoring, so new resources are no longer brought under it"
        } else {
            ""
        }
    ));
    if monitoring {
        detection = detection.severity(Severity::Medium).confidence(65);
    }
    Some(
        detection
            .scope(format!(
                "`az policy assignment list --scope {} --subscription {sub}` shows the assignments left",
                sh(scope)
            ))
            .restore(format!(
                "az policy assignment create --name {} --scope {} --policy-set-definition <initiative-id> \
                 --mi-system-assigned --location <location>",
                sh(name),
                sh(scope)
            )),
    )
}
