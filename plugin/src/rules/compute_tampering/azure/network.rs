//! Network security groups, Azure Firewall and WAF policies: outbound denies that cut agents off from
//! Azure Monitor, Event Hubs or storage, firewalls and WAF policies deleted or switched off. Writes are
//! judged by the body the Activity Log records.

use super::{resource_group, subscription, with_properties};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;
use crate::sources::json::{self, Object};

declare! {
    NSG_EGRESS_DENIED = {
        id: "azure.network.nsg_egress_denied",
        title: "NSG rule denies outbound traffic to monitoring",
        description: "NETWORKSECURITYGROUPS/SECURITYRULES/WRITE (or an NSG write carrying its rules) with an Outbound Deny \
                      rule: to the AzureMonitor, EventHub, Storage, GuardianAndPolicy or AzureCloud service tags it is \
                      high (agents cannot deliver); to Internet, * or 0.0.0.0/0 it is medium, unless the same NSG \
                      allows AzureMonitor outbound at a higher precedence (the usual hardening). Inbound rules, allow \
                      rules and denies to specific addresses are not findings.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE",
                "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE",
            ],
            check: nsg_egress,
        },
    };
    NSG_DELETED = {
        id: "azure.network.nsg_deleted",
        title: "Network security group deleted",
        description: "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/DELETE: its rules and the NSG flow logs attached to it go. \
                      Low, never an alert alone (NSGs are deleted routinely); sequences use it.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::Low,
        confidence: 40,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/DELETE"],
            check: nsg_deleted,
        },
    };
    FIREWALL_CHANGED = {
        id: "azure.network.firewall_changed",
        title: "Azure Firewall or its policy deleted, or a deny rule for monitoring added",
        description: "MICROSOFT.NETWORK/AZUREFIREWALLS/DELETE or FIREWALLPOLICIES/DELETE (medium: the firewall's own \
                      logs stop and traffic routed through it is cut), or FIREWALLPOLICIES/RULECOLLECTIONGROUPS/WRITE \
                      with a Deny rule collection whose destinations include Azure Monitor service tags or FQDNs \
                      (*.ods.opinsights.azure.com, *.monitor.azure.com, *.servicebus.windows.net…: high). Allow \
                      collections and other denies are not findings.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.NETWORK/AZUREFIREWALLS/DELETE",
                "MICROSOFT.NETWORK/FIREWALLPOLICIES/DELETE",
                "MICROSOFT.NETWORK/FIREWALLPOLICIES/RULECOLLECTIONGROUPS/WRITE",
            ],
            check: firewall_changed,
        },
    };
    WAF_POLICY_REMOVED = {
        id: "azure.network.waf_policy_removed",
        title: "WAF policy deleted or switched off",
        description: "Front Door, Application Gateway or CDN web application firewall policy DELETE, or its WRITE with \
                      policySettings enabledState / state Disabled: requests are no longer inspected or logged by the \
                      WAF. Prevention/detection mode changes and enabled writes are not findings.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.NETWORK/FRONTDOORWEBAPPLICATIONFIREWALLPOLICIES/DELETE",
                "MICROSOFT.NETWORK/FRONTDOORWEBAPPLICATIONFIREWALLPOLICIES/WRITE",
                "MICROSOFT.NETWORK/APPLICATIONGATEWAYWEBAPPLICATIONFIREWALLPOLICIES/DELETE",
                "MICROSOFT.NETWORK/APPLICATIONGATEWAYWEBAPPLICATIONFIREWALLPOLICIES/WRITE",
                "MICROSOFT.CDN/CDNWEBAPPLICATIONFIREWALLPOLICIES/DELETE",
                "MICROSOFT.CDN/CDNWEBAPPLICATIONFIREWALLPOLICIES/WRITE",
            ],
            check: waf_removed,
        },
    };
}

/// Service tags whose loss stops agents from delivering (`AzureMonitor.WestEurope` counts too).
const MONITORING_TAGS: [&str; 5] = [
    "AzureMonitor",
    "EventHub",
    "Storage",
    "GuardianAndPolicy",
    "AzureCloud",
];
const EVERYWHERE: [&str; 5] = ["Internet", "*", "0.0.0.0/0", "Any", "::/0"];

fn monitoring_tag(prefix: &str) -> bool {
    let base = prefix.split('.').next().unwrap_or(prefix);
    MONITORING_TAGS.iter().any(|t| t.eq_ignore_ascii_case(base))
}

/// One NSG rule's properties, as far as this rule needs them.
struct NsgRule {
    name: String,
    outbound: bool,
    deny: bool,
    priority: i64,
    destinations: Vec<String>,
}

fn nsg_rule(name: String, properties: &Object<'_>) -> NsgRule {
    let mut destinations: Vec<String> = properties
        .array("destinationAddressPrefixes")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| json::raw_str(p).map(|s| s.into_owned()))
        .collect();
    if let Some(single) = properties.str("destinationAddressPrefix") {
        destinations.push(single.into_owned());
    }
    NsgRule {
        name,
        outbound: properties
            .str("direction")
            .is_some_and(|d| d.eq_ignore_ascii_case("outbound")),
        deny: properties
            .str("access")
            .is_some_and(|a| a.eq_ignore_ascii_case("deny")),
        priority: properties.i64("priority").unwrap_or(i64::MAX),
        destinations,
    }
}

fn nsg_rules(record: &Record<'_>) -> Option<Vec<NsgRule>> {
    if record.operation.contains("/SECURITYRULES/") {
        let name = record.resource_name().unwrap_or("(unnamed)").to_owned();
        return with_properties(record, |p| Some(vec![nsg_rule(name, p)]));
    }
    with_properties(record, |p| {
        Some(
            p.array("securityRules")?
                .into_iter()
                .filter_map(|r| Object::from_raw(r).ok())
                .filter_map(|r| {
                    let name = r.str("name").map(|n| n.into_owned()).unwrap_or_default();
                    Some(nsg_rule(name, &r.object("properties")?))
                })
                .collect(),
        )
    })
}

fn nsg_egress(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let rules = nsg_rules(record)?;
    // The precedence of the first outbound allow to Azure Monitor, when the write shows one.
    let monitor_allowed_at = rules
        .iter()
        .filter(|r| r.outbound && !r.deny && r.destinations.iter().any(|d| monitoring_tag(d)))
        .map(|r| r.priority)
        .min();
    let mut worst: Option<(Severity, &NsgRule, String)> = None;
    for rule in rules.iter().filter(|r| r.outbound && r.deny) {
        let tagged = rule.destinations.iter().find(|d| monitoring_tag(d));
        let everywhere = rule
            .destinations
            .iter()
            .find(|d| EVERYWHERE.iter().any(|e| e.eq_ignore_ascii_case(d)));
        let found = match (tagged, everywhere) {
            (Some(tag), _) => Some((Severity::High, tag.clone())),
            (None, Some(all)) if monitor_allowed_at.is_none_or(|p| p > rule.priority) => {
                Some((Severity::Medium, all.clone()))
            }
            _ => None,
        };
        if let Some((severity, to)) = found
            && worst.as_ref().is_none_or(|(s, _, _)| severity > *s)
        {
            worst = Some((severity, rule, to));
        }
    }
    let (severity, rule, to) = worst?;
    let nsg = record
        .resource_segment("networkSecurityGroups")
        .unwrap_or("(unknown)")
        .to_owned();
    let rg = resource_group(record);
    let sub = subscription(record);
    Some(
        Detection::new(&NSG_EGRESS_DENIED)
            .severity(severity)
            .reason(format!(
                "NSG {nsg} rule {} (priority {}) denies outbound traffic to {to}: agents behind it can no longer \
                 deliver logs and telemetry",
                rule.name, rule.priority
            ))
            .scope(format!(
                "`az network nsg rule list --nsg-name {} --resource-group {rg} --subscription {sub} -o table`; the \
                 affected machines' heartbeats stop from this event's time",
                sh(&nsg)
            ))
            .restore(format!(
                "az network nsg rule delete --nsg-name {} --name {} --resource-group {rg} --subscription {sub}",
                sh(&nsg),
                sh(&rule.name)
            )),
    )
}

fn nsg_deleted(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let name = record.resource_name()?.to_owned();
    let rg = resource_group(record);
    let sub = subscription(record);
    Some(
        Detection::new(&NSG_DELETED)
            .reason(format!("network security group {name} was deleted, and the flow logs attached to it with it"))
            .scope(format!("`az network nsg list --resource-group {rg} --subscription {sub} -o table`"))
            .restore(format!(
                "az network nsg create --name {} --resource-group {rg} --subscription {sub}, then restore its rules \
                 and flow log",
                sh(&name)
            )),
    )
}

/// Azure Monitor ingestion and Event Hubs endpoints agents send to.
const MONITORING_FQDNS: [&str; 6] = [
    "opinsights.azure.com",
    "monitor.azure.com",
    "servicebus.windows.net",
    "azure-automation.net",
    "ods.opinsights",
    "handler.control.monitor",
];

fn denies_monitoring(properties: &Object<'_>) -> Option<String> {
    for collection in properties.array("ruleCollections").unwrap_or_default() {
        let Ok(collection) = Object::from_raw(collection) else {
            continue;
        };
        let deny = collection
            .object("action")
            .and_then(|a| a.str("type"))
            .is_some_and(|t| t.eq_ignore_ascii_case("deny"));
        if !deny {
            continue;
        }
        for rule in collection.array("rules").unwrap_or_default() {
            let Ok(rule) = Object::from_raw(rule) else {
                continue;
            };
            for key in ["destinationAddresses", "destinationFqdns", "targetFqdns"] {
                for target in rule.array(key).unwrap_or_default() {
                    let Some(target) = json::raw_str(target) else {
                        continue;
                    };
                    let lower = target.to_ascii_lowercase();
                    if monitoring_tag(&target) || MONITORING_FQDNS.iter().any(|f| lower.contains(f))
                    {
                        return Some(format!(
                            "{} in collection {}",
                            target,
                            collection.str("name").as_deref().unwrap_or("(unnamed)")
                        ));
                    }
                }
            }
        }
    }
    None
}

fn firewall_changed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let op = record.operation.as_str();
    let rg = resource_group(record);
    let sub = subscription(record);
    let name = record.resource_name().unwrap_or("(unnamed)").to_owned();
    if op.ends_with("RULECOLLECTIONGROUPS/WRITE") {
        let target = with_properties(record, denies_monitoring)?;
        let policy = record
            .resource_segment("firewallPolicies")
            .unwrap_or("(unknown)")
            .to_owned();
        return Some(
            Detection::new(&FIREWALL_CHANGED)
                .severity(Severity::High)
                .confidence(75)
                .reason(format!(
                    "firewall policy {policy} rule collection group {name} denies {target}: agents behind the firewall \
                     can no longer reach Azure Monitor"
                ))
                .scope(format!(
                    "`az network firewall policy rule-collection-group show --policy-name {} --name {} \
                     --resource-group {rg} --subscription {sub}`",
                    sh(&policy),
                    sh(&name)
                ))
                .restore(format!(
                    "az network firewall policy rule-collection-group collection remove --policy-name {} \
                     --rule-collection-group-name {} --name <deny-collection> --resource-group {rg} --subscription {sub}",
                    sh(&policy),
                    sh(&name)
                )),
        );
    }
    let (kind, restore) = if op.contains("AZUREFIREWALLS") {
        (
            "Azure Firewall",
            format!(
                "az network firewall create --name {} --resource-group {rg} --firewall-policy <policy-id> \
                 --subscription {sub}, then its IP configuration and diagnostic settings",
                sh(&name)
            ),
        )
    } else {
        (
            "firewall policy",
            format!(
                "az network firewall policy create --name {} --resource-group {rg} --subscription {sub}, then \
                 restore its rule collection groups",
                sh(&name)
            ),
        )
    };
    Some(
        Detection::new(&FIREWALL_CHANGED)
            .reason(format!(
                "{kind} {name} was deleted: its flow and rule logs stop, and traffic routed through it is cut"
            ))
            .scope(format!("`az network firewall list --subscription {sub} -o table`"))
            .restore(restore),
    )
}

fn waf_removed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let deleted = record.operation.ends_with("/DELETE");
    if !deleted {
        let disabled = with_properties(record, |p| {
            let settings = p.object("policySettings")?;
            let state = settings
                .str("enabledState")
                .or_else(|| settings.str("state"))?;
            Some(state.eq_ignore_ascii_case("disabled"))
        });
        if disabled != Some(true) {
            return None;
        }
    }
    let name = record.resource_name().unwrap_or("(unnamed)").to_owned();
    let rg = resource_group(record);
    let sub = subscription(record);
    let front_door = record.operation.contains("FRONTDOOR");
    let restore = match (front_door, deleted) {
        (true, true) => format!(
            "az network front-door waf-policy create --name {} --resource-group {rg} --mode Prevention \
             --subscription {sub}, then re-link it to the endpoints",
            sh(&name)
        ),
        (true, false) => format!(
            "az network front-door waf-policy update --name {} --resource-group {rg} --disabled false --subscription {sub}",
            sh(&name)
        ),
        (false, true) => format!(
            "az network application-gateway waf-policy create --name {} --resource-group {rg} --subscription {sub}, \
             then re-associate it",
            sh(&name)
        ),
        (false, false) => format!(
            "az network application-gateway waf-policy update --name {} --resource-group {rg} \
             --set policySettings.state=Enabled --subscription {sub}",
            sh(&name)
        ),
    };
    Some(
        Detection::new(&WAF_POLICY_REMOVED)
            .reason(format!(
                "WAF policy {name} was {}: requests are no longer inspected or logged by it",
                if deleted { "deleted" } else { "switched off (Disabled)" }
            ))
            .scope(format!(
                "the endpoints or gateways that used {name} serve uninspected traffic from this event's time"
            ))
            .restore(restore),
    )
}
