//! IAM policies: Data Access audit logging removed through `auditConfigs`.

use super::project;
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;
use crate::sources::json::{self, Object};

declare! {
    AUDIT_CONFIG_REMOVED = {
        id: "gcp.iam.audit_config_removed",
        title: "Data Access audit logging removed from an IAM policy",
        description: "SetIamPolicy whose policy delta removes audit log configs (auditConfigDeltas action REMOVE) or adds \
                      an exempted member. Added log types are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Gcp {
            methods: &["SetIamPolicy", "*.SetIamPolicy"],
            check: audit_config,
        },
    };
}

fn audit_config(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let service_data = entry.service_data()?;
    let deltas = service_data
        .path(&["policyDelta", "auditConfigDeltas"])
        .and_then(json::raw_array)?;
    let mut removed = Vec::new();
    for delta in deltas {
        let Ok(delta) = Object::from_raw(delta) else {
            continue;
        };
        let action = delta.str("action");
        let service = delta.str("service").unwrap_or_default();
        let log_type = delta.str("logType").unwrap_or_default();
        let member = delta.str("exemptedMember").filter(|m| !m.is_empty());
        match (action.as_deref(), member) {
            (Some("REMOVE"), None) => {
                removed.push(format!("{log_type} logging of {service} removed"));
            }
            // Exempting a member narrows logging as surely as removing the log type.
            (Some("ADD"), Some(member)) => {
                removed.push(format!(
                    "{member} exempted from {log_type} logging of {service}"
                ));
            }
            _ => {}
        }
    }
    if removed.is_empty() {
        return None;
    }
    let resource = entry.resource_name.as_deref().unwrap_or_default();
    let (command, id) = match resource.split_once('/') {
        Some(("organizations", id)) => ("gcloud organizations", id),
        Some(("folders", id)) => ("gcloud resource-manager folders", id),
        Some(("projects", id)) => ("gcloud projects", id),
        _ => ("gcloud projects", ""),
    };
    let id = if id.is_empty() {
        project(entry)
    } else {
        sh(id.split('/').next().unwrap_or(id))
    };
    Some(
        Detection::new(&AUDIT_CONFIG_REMOVED)
            .reason(format!(
                "the IAM policy of {} lost audit logging: {}",
                if resource.is_empty() { "(unknown resource)" } else { resource },
                removed.join("; ")
            ))
            .scope(format!(
                "`{command} get-iam-policy {id} --format=json` shows the auditConfigs left; Data Access logs of \
                 the affected services stop from this event's time"
            ))
            .restore(format!(
                "{command} get-iam-policy {id} --format=json > policy.json, restore the removed auditConfigs \
                 (e.g. {{\"service\":\"allServices\",\"auditLogConfigs\":[{{\"logType\":\"ADMIN_READ\"}},\
                 {{\"logType\":\"DATA_READ\"}},{{\"logType\":\"DATA_WRITE\"}}]}}), then {command} set-iam-policy \
                 {id} policy.json"
            )),
    )
}
