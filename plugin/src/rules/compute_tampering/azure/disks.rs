//! Managed disks and snapshots exported through a SAS URL, and compute galleries shared outside
//! (T1537): the data leaves through a link no audit trail follows.

use super::{resource_group, subscription};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;

declare! {
    DISK_EXPORTED = {
        id: "azure.compute.disk_exported",
        title: "Disk or snapshot exported through a SAS URL, or gallery shared",
        description: "MICROSOFT.COMPUTE/DISKS/BEGINGETACCESS/ACTION or SNAPSHOTS/BEGINGETACCESS/ACTION (a SAS URL that \
                      lets anyone holding it download the whole disk), or GALLERIES/SHARE/ACTION (a compute gallery \
                      shared with other subscriptions, tenants or the community). Revoking access (ENDGETACCESS) is not \
                      a finding.",
        attack: &attack::TRANSFER_TO_CLOUD_ACCOUNT,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.COMPUTE/DISKS/BEGINGETACCESS/ACTION",
                "MICROSOFT.COMPUTE/SNAPSHOTS/BEGINGETACCESS/ACTION",
                "MICROSOFT.COMPUTE/GALLERIES/SHARE/ACTION",
            ],
            check: exported,
        },
    };
}

fn exported(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let op = record.operation.as_str();
    let rg = resource_group(record);
    let sub = subscription(record);
    if op.contains("GALLERIES") {
        let gallery = record
            .resource_segment("galleries")
            .unwrap_or("(unnamed)")
            .to_owned();
        return Some(
            Detection::new(&DISK_EXPORTED)
                .reason(format!(
                    "compute gallery {gallery} was shared: its images can be copied from outside this subscription"
                ))
                .scope(format!(
                    "`az sig show --gallery-name {} --resource-group {rg} --subscription {sub} --query sharingProfile`",
                    sh(&gallery)
                ))
                .restore(format!(
                    "az sig share reset --gallery-name {} --resource-group {rg} --subscription {sub}",
                    sh(&gallery)
                )),
        );
    }
    let (kind, collection, group) = if op.contains("/SNAPSHOTS/") {
        ("snapshot", "snapshots", "snapshot")
    } else {
        ("managed disk", "disks", "disk")
    };
    let name = record
        .resource_segment(collection)
        .unwrap_or("(unnamed)")
        .to_owned();
    let n = sh(&name);
    Some(
        Detection::new(&DISK_EXPORTED)
            .reason(format!(
                "{kind} {name} was opened for export (SAS URL): whoever holds the URL can download it until access is \
                 revoked"
            ))
            .scope(format!(
                "`az {group} show --name {n} --resource-group {rg} --subscription {sub} --query diskState` shows \
                 ActiveSAS while the URL works; storage logs do not record the download"
            ))
            .restore(format!(
                "az {group} revoke-access --name {n} --resource-group {rg} --subscription {sub}"
            )),
    )
}
