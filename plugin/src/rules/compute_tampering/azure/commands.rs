//! Commands run on machines through the control plane (T1651): Run Command and script extensions.
//! The Activity Log records that a script ran, rarely what it was; a script run as root can stop or
//! reconfigure any agent.

use super::{resource_group, subscription, with_properties};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;

declare! {
    RUN_COMMAND = {
        id: "azure.compute.run_command",
        title: "Command run on a machine through Run Command",
        description: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION (action Run Command), VIRTUALMACHINES/RUNCOMMANDS/WRITE \
                      (managed Run Command), the scale-set instance and Arc machine equivalents: a script ran as root / \
                      SYSTEM, able to stop or reconfigure agents. Deleting a Run Command resource is not a finding.",
        attack: &attack::CLOUD_ADMIN_COMMAND,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION",
                "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMANDS/WRITE",
                "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/RUNCOMMAND/ACTION",
                "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/RUNCOMMANDS/WRITE",
                "MICROSOFT.HYBRIDCOMPUTE/MACHINES/RUNCOMMANDS/WRITE",
            ],
            check: run_command,
        },
    };
    SCRIPT_EXTENSION = {
        id: "azure.compute.script_extension_written",
        title: "Script extension written to a machine",
        description: "VIRTUALMACHINES/EXTENSIONS/WRITE (also scale sets and Arc machines) of CustomScript, \
                      CustomScriptExtension, CustomScriptForLinux or RunCommandLinux/Windows: a script runs as root / \
                      SYSTEM at the next extension apply. Medium with lower confidence (provisioning uses it too; the \
                      request rarely carries the script). Agent and other extensions are not findings.",
        attack: &attack::CLOUD_ADMIN_COMMAND,
        severity: Severity::Medium,
        confidence: 55,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE",
                "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/WRITE",
                "MICROSOFT.HYBRIDCOMPUTE/MACHINES/EXTENSIONS/WRITE",
            ],
            check: script_extension,
        },
    };
}

/// The machine the operation targets: (kind, name, `az` group and name flag).
fn machine(record: &Record<'_>) -> (&'static str, String, &'static str, &'static str) {
    if let Some(vmss) = record.resource_segment("virtualMachineScaleSets") {
        let instance = record
            .resource_segment("virtualMachines")
            .map(|i| format!("/{i}"))
            .unwrap_or_default();
        (
            "scale set instance",
            format!("{vmss}{instance}"),
            "vmss",
            "--vmss-name",
        )
    } else if let Some(vm) = record.resource_segment("virtualMachines") {
        ("virtual machine", vm.to_owned(), "vm", "--vm-name")
    } else {
        (
            "Arc-connected machine",
            record
                .resource_segment("machines")
                .unwrap_or("(unknown)")
                .to_owned(),
            "connectedmachine",
            "--machine-name",
        )
    }
}

fn run_command(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let (kind, name, _, _) = machine(record);
    let rg = resource_group(record);
    let sub = subscription(record);
    let script = with_properties(record, |p| {
        p.object("source")
            .and_then(|s| {
                s.str("script")
                    .or_else(|| s.str("commandId"))
                    .or_else(|| s.str("scriptUri"))
            })
            .map(|s| s.into_owned())
    })
    .or_else(|| {
        let body = record.request_body()?;
        let body = crate::sources::json::Object::parse(&body).ok()?;
        body.str("commandId").map(|c| c.into_owned())
    });
    let vm = sh(name.split('/').next().unwrap_or(&name));
    Some(
        Detection::new(&RUN_COMMAND)
            .reason(format!(
                "a command was run on {kind} {name} through Run Command{}: it executes as root / SYSTEM and can stop \
                 or reconfigure the agents there",
                script.map(|s| format!(" ({s})")).unwrap_or_default()
            ))
            .scope(format!(
                "`az vm run-command list --vm-name {vm} --resource-group {rg} --subscription {sub}` and the machine's \
                 agent heartbeat from this event's time"
            ))
            .restore(format!(
                "check the agents on {vm}: az vm extension list --vm-name {vm} --resource-group {rg} --subscription {sub} \
                 --query '[].{{name:name,state:provisioningState}}'"
            )),
    )
}

const SCRIPT_EXTENSIONS: [&str; 5] = [
    "customscript",
    "customscriptextension",
    "customscriptforlinux",
    "runcommandlinux",
    "runcommandwindows",
];

fn script_extension(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let extension = record.resource_name()?;
    let declared = with_properties(record, |p| p.str("type").map(|t| t.into_owned()));
    let is_script = |name: &str| {
        SCRIPT_EXTENSIONS
            .iter()
            .any(|s| name.eq_ignore_ascii_case(s))
    };
    if !(is_script(extension) || declared.as_deref().is_some_and(is_script)) {
        return None;
    }
    let (kind, name, group, flag) = machine(record);
    let rg = resource_group(record);
    let sub = subscription(record);
    let host = sh(name.split('/').next().unwrap_or(&name));
    Some(
        Detection::new(&SCRIPT_EXTENSION)
            .reason(format!(
                "script extension {extension} was written to {kind} {name}: its script runs as root / SYSTEM and can \
                 stop or reconfigure the agents there"
            ))
            .scope(format!(
                "`az {group} extension show {flag} {host} --name {} --resource-group {rg} --subscription {sub}` shows \
                 the script settings that are not protected",
                sh(extension)
            ))
            .restore(format!(
                "az {group} extension delete {flag} {host} --name {} --resource-group {rg} --subscription {sub}, then \
                 verify the agents are running",
                sh(extension)
            )),
    )
}
