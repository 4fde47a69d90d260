//! VM, scale-set and Arc machine extensions: monitoring and Defender agents removed.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;

declare! {
    AGENT_EXTENSION_DELETED = {
        id: "azure.compute.agent_extension_deleted",
        title: "Monitoring or Defender agent extension removed",
        description: "VIRTUALMACHINES/EXTENSIONS/DELETE (also scale sets and Arc machines) of a monitoring or security \
                      agent (Azure Monitor Agent, Log Analytics agent, Defender for Endpoint, Azure Security agent, \
                      Dependency agent, diagnostics, antimalware). Other extensions are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/DELETE",
                "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/DELETE",
                "MICROSOFT.HYBRIDCOMPUTE/MACHINES/EXTENSIONS/DELETE",
            ],
            check: extension_deleted,
        },
    };
}

/// Agent extensions by the name Azure gives them, with their publisher (for the reinstall command).
const AGENTS: &[(&str, &str)] = &[
    ("AzureMonitorLinuxAgent", "Microsoft.Azure.Monitor"),
    ("AzureMonitorWindowsAgent", "Microsoft.Azure.Monitor"),
    (
        "MicrosoftMonitoringAgent",
        "Microsoft.EnterpriseCloud.Monitoring",
    ),
    ("OmsAgentForLinux", "Microsoft.EnterpriseCloud.Monitoring"),
    ("MDE.Linux", "Microsoft.Azure.AzureDefenderForServers"),
    ("MDE.Windows", "Microsoft.Azure.AzureDefenderForServers"),
    (
        "AzureSecurityLinuxAgent",
        "Microsoft.Azure.Security.Monitoring",
    ),
    (
        "AzureSecurityWindowsAgent",
        "Microsoft.Azure.Security.Monitoring",
    ),
    (
        "DependencyAgentLinux",
        "Microsoft.Azure.Monitoring.DependencyAgent",
    ),
    (
        "DependencyAgentWindows",
        "Microsoft.Azure.Monitoring.DependencyAgent",
    ),
    ("LinuxDiagnostic", "Microsoft.Azure.Diagnostics"),
    ("IaaSDiagnostics", "Microsoft.Azure.Diagnostics"),
    ("IaaSAntimalware", "Microsoft.Azure.Security"),
    (
        "ChangeTracking-Linux",
        "Microsoft.Azure.ChangeTrackingAndInventory",
    ),
    (
        "ChangeTracking-Windows",
        "Microsoft.Azure.ChangeTrackingAndInventory",
    ),
];

fn agent(extension: &str) -> Option<(&'static str, &'static str)> {
    AGENTS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(extension))
        .copied()
}

fn extension_deleted(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let extension = record.resource_name()?;
    let (name, publisher) = agent(extension)?;
    let rg = record
        .resource_segment("resourceGroups")
        .map_or_else(|| "<resource-group>".to_owned(), sh);
    let sub = record
        .subscription()
        .map_or_else(|| "<subscription-id>".to_owned(), |s| sh(&s));
    let (kind, host, restore) = if let Some(vm) = record.resource_segment("virtualMachines") {
        (
            "virtual machine",
            vm,
            format!(
                "az vm extension set --resource-group {rg} --vm-name {} --name {name} --publisher {publisher} \
                 --subscription {sub}",
                sh(vm)
            ),
        )
    } else if let Some(vmss) = record.resource_segment("virtualMachineScaleSets") {
        (
            "scale set",
            vmss,
            format!(
                "az vmss extension set --resource-group {rg} --vmss-name {v} --name {name} --publisher \
                 {publisher} --subscription {sub} && az vmss update-instances --resource-group {rg} --name {v} \
                 --instance-ids '*' --subscription {sub}",
                v = sh(vmss)
            ),
        )
    } else {
        let machine = record.resource_segment("machines").unwrap_or("<machine>");
        (
            "Arc-connected machine",
            machine,
            format!(
                "az connectedmachine extension create --resource-group {rg} --machine-name {} --name {name} \
                 --type {name} --publisher {publisher} --location <location> --subscription {sub}",
                sh(machine)
            ),
        )
    };
    Some(
        Detection::new(&AGENT_EXTENSION_DELETED)
            .reason(format!(
                "agent extension {extension} was removed from {kind} {host}: its telemetry or threat \
                 detection stops"
            ))
            .scope(format!(
                "`az vm extension list --resource-group {rg} --vm-name {} --subscription {sub}` (or the scale \
                 set's / machine's) shows the extensions left; the agent's heartbeat stops at this event's time",
                sh(host)
            ))
            .restore(restore),
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::fire;

    fn rest(operation: &str, status: &str, resource_id: &str) -> String {
        format!(
            r#"{{"caller":"mallory@contoso.onmicrosoft.com","correlationId":"c","eventDataId":"e","eventTimestamp":"2026-11-27T09:30:00Z","operationName":{{"value":"{operation}"}},"resourceId":"{resource_id}","status":{{"value":"{status}"}},"subscriptionId":"6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b","properties":{{}}}}"#
        )
    }

    #[test]
    fn only_agent_extensions_fire() {
        let base = "/subscriptions/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-01/extensions";
        let op = "Microsoft.Compute/virtualMachines/extensions/delete";
        let found = fire(&rest(op, "Succeeded", &format!("{base}/MDE.Linux")));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].restore[0],
            "az vm extension set --resource-group rg-web --vm-name web-01 --name MDE.Linux --publisher Microsoft.Azure.AzureDefenderForServers --subscription 6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
        );
        assert!(fire(&rest(op, "Succeeded", &format!("{base}/CustomScript"))).is_empty());
        assert!(fire(&rest(op, "Started", &format!("{base}/MDE.Linux"))).is_empty());
        let vmss = "/subscriptions/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachineScaleSets/web-ss/extensions/AzureMonitorLinuxAgent";
        let found = fire(&rest(
            "Microsoft.Compute/virtualMachineScaleSets/extensions/delete",
            "Failed",
            vmss,
        ));
        assert!(found[0].restore[0].starts_with("az vmss extension set"));
    }
}
