//! Network Watcher: NSG and virtual-network flow logs deleted or disabled, or the watcher itself deleted.

use super::{name_or, resource_group, shown};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;
use crate::sources::json::Object;

declare! {
    FLOW_LOGS_DELETED = {
        id: "azure.network.flow_logs_deleted",
        title: "Network Watcher flow logs deleted or disabled",
        description: "MICROSOFT.NETWORK/NETWORKWATCHERS/FLOWLOGS/DELETE, or a FLOWLOGS/WRITE whose body sets enabled: false: \
                      the NSG's or virtual network's traffic stops being recorded.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.NETWORK/NETWORKWATCHERS/FLOWLOGS/DELETE",
                "MICROSOFT.NETWORK/NETWORKWATCHERS/FLOWLOGS/WRITE",
            ],
            check: flow_log_change,
        },
    };
    WATCHER_DELETED = {
        id: "azure.network.watcher_deleted",
        title: "Network Watcher deleted",
        description: "MICROSOFT.NETWORK/NETWORKWATCHERS/DELETE: the region's Network Watcher goes and every flow log, \
                      connection monitor and packet capture under it with it. Creating one is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.NETWORK/NETWORKWATCHERS/DELETE"],
            check: watcher_deleted,
        },
    };
}

fn flow_log_change(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    if record.operation.ends_with("/WRITE") {
        flow_logs_written(record)
    } else {
        flow_logs(record, None)
    }
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

fn watcher_deleted(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let name = shown(record.resource_name()).to_owned();
    let location = record
        .resource_name()
        .and_then(|w| w.rsplit_once('_'))
        .map(|(_, region)| region.to_ascii_lowercase())
        .map_or_else(|| "<location>".to_owned(), |l| sh(&l));
    let rg = resource_group(record);
    Some(
        Detection::new(&WATCHER_DELETED)
            .reason(format!(
                "Network Watcher {name} was deleted: the flow logs and connection monitors of its region went with it"
            ))
            .scope(format!(
                "`az network watcher list` shows the regions still watched; `az network watcher flow-log list \
                 --location {location}` is empty from this event's time"
            ))
            .restore(format!(
                "az network watcher configure --locations {location} --enabled true --resource-group {rg}, then \
                 recreate the flow logs (az network watcher flow-log create --location {location} …)"
            )),
    )
}
