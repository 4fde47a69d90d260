//! Which audit events are network changes that can narrow what a host may send.

use super::*;
use crate::correlation::synthetic::rfc3339;
use crate::model::{Normalized, Outcome};
use crate::sources::SourceEvent;

/// A network change seen in an audit log.
#[derive(Debug)]
pub(super) struct Change {
    pub(super) time: i64,
    /// The change event's own fields: findings name its principal, tool and target, and suppressions
    /// for that principal or tool apply.
    pub(super) fields: Normalized,
}

impl Change {
    pub(super) fn reference(&self) -> String {
        self.fields.event_id.clone().unwrap_or_else(|| {
            format!(
                "{}@{}",
                self.fields.action.as_deref().unwrap_or("change"),
                self.time / 1_000_000
            )
        })
    }

    pub(super) fn describe(&self) -> String {
        let mut text = format!(
            "{} at {}",
            self.fields.action.as_deref().unwrap_or("a network change"),
            rfc3339(self.time)
        );
        if let Some(target) = &self.fields.target {
            text.push_str(&format!(" on {target}"));
        }
        if let Some(principal) = &self.fields.principal {
            text.push_str(&format!(" by {principal}"));
        }
        text
    }
}

/// EC2 calls that can narrow what a network interface may send. `AuthorizeSecurityGroup*` are left
/// out: security groups are allow lists, so adding a rule never blocks traffic, and counting every
/// widening as a change would arm hosts after routine port openings.
pub(crate) const AWS_CHANGES: &[&str] = &[
    "RevokeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "ModifySecurityGroupRules",
    "UpdateSecurityGroupRuleDescriptionsEgress",
    "DeleteSecurityGroup",
    "CreateNetworkAclEntry",
    "ReplaceNetworkAclEntry",
    "DeleteNetworkAclEntry",
    "ReplaceNetworkAclAssociation",
    "DeleteNetworkAcl",
];

/// Whether a successful audit event changed what traffic the network lets through; the account it
/// applies to when it did.
pub(super) fn network_change(event: &SourceEvent<'_>, fields: &Normalized) -> Option<String> {
    if matches!(fields.outcome, Outcome::Failure | Outcome::InProgress) {
        return None;
    }
    let action = fields.action.as_deref()?;
    let changed = match event {
        SourceEvent::CloudTrail(record) => {
            let name: &str = &record.event_name;
            record.event_source == "ec2.amazonaws.com"
                && (AWS_CHANGES.contains(&name)
                    // Security groups swapped on an instance or network interface.
                    || (matches!(
                        name,
                        "ModifyInstanceAttribute" | "ModifyNetworkInterfaceAttribute"
                    ) && record.params().is_some_and(|p| p.has("groupSet"))))
        }
        SourceEvent::GcpAudit(_) => {
            let method = action.rsplit_once("compute.").map(|(_, m)| m);
            method.is_some_and(|m| {
                let firewall = matches!(
                    m,
                    "firewalls.insert"
                        | "firewalls.patch"
                        | "firewalls.update"
                        | "firewalls.delete"
                );
                let policy = (m.starts_with("firewallPolicies.")
                    || m.starts_with("networkFirewallPolicies.")
                    || m.starts_with("regionNetworkFirewallPolicies."))
                    && (m.ends_with("Rule") || m.ends_with(".delete"));
                firewall || policy
            })
        }
        SourceEvent::AzureActivity(_) => {
            let lower = action.to_ascii_lowercase();
            lower.starts_with("microsoft.network/networksecuritygroups/")
                && (lower.ends_with("/write") || lower.ends_with("/delete"))
        }
        SourceEvent::K8sAudit(_) => {
            let (verb, resource) = action.split_once(' ')?;
            let resource = resource.rsplit('/').next().unwrap_or(resource);
            matches!(
                verb,
                "create" | "update" | "patch" | "delete" | "deletecollection"
            ) && matches!(
                resource,
                "networkpolicies"
                    | "ciliumnetworkpolicies"
                    | "ciliumclusterwidenetworkpolicies"
                    | "globalnetworkpolicies"
                    | "adminnetworkpolicies"
                    | "baselineadminnetworkpolicies"
            )
        }
        _ => false,
    };
    if !changed {
        return None;
    }
    match event {
        SourceEvent::K8sAudit(_) => Some(EVERY_ACCOUNT.to_owned()),
        _ => Some(
            fields
                .account
                .clone()
                .unwrap_or_else(|| EVERY_ACCOUNT.to_owned()),
        ),
    }
}
