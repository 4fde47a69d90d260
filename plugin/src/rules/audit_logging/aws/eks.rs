//! Family 1 on AWS, EKS: control-plane log types switched off.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

use super::{or_placeholder, region};

declare! {
    EKS_LOGGING_DISABLED = {
        id: "aws.eks.audit_logging_disabled",
        title: "EKS control-plane logging disabled",
        description: "UpdateClusterConfig that disables control-plane log types; audit or authenticator logs off is high, \
                     other types medium. Enabling log types is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("eks", "UpdateClusterConfig")],
            check: eks_logging,
        },
    };
}

fn eks_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let cluster = params.str("name").map(|v| v.into_owned());
    let entries = params
        .path(&["logging", "clusterLogging"])
        .and_then(json::raw_array)?;
    let mut disabled = Vec::new();
    for entry in entries.into_iter().filter_map(|e| Object::from_raw(e).ok()) {
        if entry.bool("enabled") != Some(false) {
            continue;
        }
        for kind in entry.array("types").unwrap_or_default() {
            if let Some(kind) = json::raw_str(kind) {
                disabled.push(kind.into_owned());
            }
        }
    }
    if disabled.is_empty() {
        return None;
    }
    let critical_types = disabled
        .iter()
        .any(|t| t == "audit" || t == "authenticator");
    let c = or_placeholder(&cluster, "<cluster>");
    let r = region(record);
    Some(
        Detection::new(&EKS_LOGGING_DISABLED)
            .severity(if critical_types {
                Severity::High
            } else {
                Severity::Medium
            })
            .reason(format!(
                "EKS cluster {} stopped sending control-plane logs: {}{}",
                cluster.as_deref().unwrap_or("(unnamed)"),
                disabled.join(", "),
                if critical_types {
                    " (Kubernetes audit trail lost)"
                } else {
                    ""
                }
            ))
            .scope(format!(
                "`aws eks describe-cluster --name {c} --region {r} --query cluster.logging`"
            ))
            .restore(format!(
                "aws eks update-cluster-config --name {c} --region {r} --logging \
                 '{{\"clusterLogging\":[{{\"types\":[\"api\",\"audit\",\"authenticator\",\"controllerManager\",\"scheduler\"],\"enabled\":true}}]}}'"
            )),
    )
}
