//! VPC networks: subnet flow logs disabled.

use super::{project, raw_segment, segment};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::gcp_audit::Entry;

declare! {
    SUBNET_FLOW_LOGS_DISABLED = {
        id: "gcp.compute.subnet_flow_logs_disabled",
        title: "VPC subnet flow logs disabled",
        description: "compute.subnetworks.patch with logConfig.enable = false (or enableFlowLogs = false): the subnet's \
                      traffic stops being recorded. Enabling flow logs is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Gcp {
            methods: &["*.compute.subnetworks.patch"],
            check: subnet_flow_logs,
        },
    };
}

fn subnet_flow_logs(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let request = entry.request()?;
    let disabled = request.object("logConfig").and_then(|c| c.bool("enable")) == Some(false)
        || request.bool("enableFlowLogs") == Some(false);
    if !disabled {
        return None;
    }
    let path = entry.resource_name.as_deref();
    let subnet = segment(path, "subnetworks", "<subnet>");
    let region = segment(path, "regions", "<region>");
    let p = project(entry);
    Some(
        Detection::new(&SUBNET_FLOW_LOGS_DISABLED)
            .reason(format!(
                "flow logs of subnet {} were disabled: its traffic is no longer recorded",
                raw_segment(path, "subnetworks").unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`gcloud compute networks subnets list --project {p} --format='table(name,region,logConfig.enable)'` \
                 shows which subnets still log"
            ))
            .restore(format!(
                "gcloud compute networks subnets update {subnet} --region={region} --enable-flow-logs --project {p}"
            )),
    )
}
