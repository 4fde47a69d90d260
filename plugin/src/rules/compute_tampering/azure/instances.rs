//! Virtual machines deleted (T1578.003): low, never an alert alone; sequences use it.

use super::{resource_group, subscription};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;

declare! {
    VM_DELETED = {
        id: "azure.compute.vm_deleted",
        title: "Virtual machine deleted",
        description: "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE: low, never an alert alone, since machines are deleted \
                      routinely; sequences use it to tie the removal to monitoring switched off by the same principal.",
        attack: &attack::DELETE_INSTANCE,
        severity: Severity::Low,
        confidence: 40,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE"],
            check: vm_deleted,
        },
    };
}

fn vm_deleted(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let name = record.resource_name()?.to_owned();
    let rg = resource_group(record);
    let sub = subscription(record);
    Some(
        Detection::new(&VM_DELETED)
            .reason(format!("virtual machine {name} was deleted, and its local logs and agent state with it"))
            .scope(format!(
                "the workspace's Heartbeat table shows the machine's last report; `az vm list --resource-group {rg} \
                 --subscription {sub} -o table` shows what is left"
            ))
            .restore(format!(
                "confirm the deletion was intended: az resource list --name {} --subscription {sub}",
                sh(&name)
            )),
    )
}
