//! Family 2 on Azure, machines created where nobody watches (T1535). The Activity Log's own `location`
//! is where the event was processed (`global` for Resource Manager operations), not where the resource
//! lives; the machine's location is the `location` of the resource body the event carries
//! (`properties.requestbody` on the operation's start, `properties.responseBody` on its end). Without
//! a body the record does not say where the machine is, and the rule stays silent.

use super::{resource_group, subscription};
use crate::config::regions::azure_location;
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;
use crate::sources::json::Object;

declare! {
    UNUSED_LOCATION = {
        id: "azure.compute.vm_in_unused_location",
        title: "Virtual machine written in an Azure location the subscriptions do not use",
        description: "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE or VIRTUALMACHINESCALESETS/WRITE whose resource body \
                      places it in a location outside the configured azure_used_locations. Does nothing while \
                      azure_used_locations is empty, or when the record carries no body with a location.",
        attack: &attack::UNUSED_REGIONS,
        severity: Severity::High,
        confidence: 65,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE",
                "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE",
            ],
            check: unused_location,
        },
    };
}

fn unused_location(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let used = &env.config.azure_used_locations;
    if used.is_empty() {
        return None;
    }
    let body = record.request_body()?;
    let location = Object::parse(&body).ok()?.str("location")?.into_owned();
    let normal = azure_location(&location);
    if normal.is_empty() || used.contains(&normal) {
        return None;
    }
    let name = record.resource_name().unwrap_or("(unnamed)").to_owned();
    let rg = resource_group(record);
    let sub = subscription(record);
    Some(
        Detection::new(&UNUSED_LOCATION)
            .reason(format!(
                "virtual machine {name} was written in {location}, outside the locations the subscriptions use \
                 ({}): nothing there is monitored or expected",
                used.join(", ")
            ))
            .scope(format!(
                "`az vm list --subscription {sub} --query \"[?location=='{}']\" -o table` and every write by the \
                 same caller in {location}",
                normal
            ))
            .restore(format!(
                "after preserving evidence: az vm delete --name {} --resource-group {rg} --subscription {sub}; \
                 restrict locations with the built-in policy \"Allowed locations\"",
                sh(&name)
            )),
    )
}
