//! Instances deleted (T1578.003): low, never an alert alone; sequences use it to tie an instance's
//! removal to monitoring switched off by the same principal.

use super::project;
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;

declare! {
    INSTANCE_DELETED = {
        id: "gcp.compute.instance_deleted",
        title: "Compute Engine instance deleted",
        description: "compute.instances.delete (the entry carrying the request; the operation's last entry is not \
                      reported again): low, never an alert alone, since instances are deleted routinely; sequences use \
                      it.",
        attack: &attack::DELETE_INSTANCE,
        severity: Severity::Low,
        confidence: 40,
        trigger: Trigger::Gcp {
            methods: &["*.compute.instances.delete"],
            check: instance_deleted,
        },
    };
}

fn instance_deleted(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    entry.request()?;
    let name = entry
        .resource_segment("instances")
        .unwrap_or("(unnamed)")
        .to_owned();
    let zone = entry
        .resource_segment("zones")
        .map_or_else(|| "<zone>".to_owned(), sh);
    let p = project(entry);
    Some(
        Detection::new(&INSTANCE_DELETED)
            .reason(format!("instance {name} was deleted, and its local logs and agent state with it"))
            .scope(format!(
                "`gcloud logging read 'resource.type=\"gce_instance\" AND resource.labels.instance_id=<id>' --project {p}` \
                 holds what it shipped before deletion"
            ))
            .restore(format!(
                "confirm the deletion was intended: gcloud compute instances list --filter=name={} --zones={zone} --project {p}",
                sh(&name)
            )),
    )
}
