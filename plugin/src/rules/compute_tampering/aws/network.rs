//! Family 2 on AWS, egress cut by security groups and network ACLs.

use ipnet::IpNet;

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;

use super::{ANYWHERE, items, quoted};
use crate::rules::audit_logging::aws::region;

declare! {
    EGRESS_RESTRICTED = {
        id: "aws.ec2.egress_restricted",
        title: "Egress cut by a security group or network ACL change",
        description: "RevokeSecurityGroupEgress of all traffic, of 0.0.0.0/0 / ::/0, or of a rule toward a telemetry \
                     collector (its configured CIDRs in network.collectors, or a collector port: the configured ones, \
                     else the well-known Splunk, syslog, Beats, OTLP... ports; destinations as CIDRs, prefix lists or \
                     security-group pairs), or a network ACL egress deny entry: agents can no longer reach their \
                     collectors. High for an ACL deny of everything. DeleteNetworkAclEntry of an egress entry is \
                     medium at lower confidence (the request does not say whether the entry allowed or denied; \
                     removing an allow leaves the traffic to later rules and the final deny). Revoking a narrow rule \
                     to another service and deleting ingress entries are not findings.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("ec2", "RevokeSecurityGroupEgress"),
                ("ec2", "CreateNetworkAclEntry"),
                ("ec2", "ReplaceNetworkAclEntry"),
                ("ec2", "DeleteNetworkAclEntry"),
            ],
            check: egress,
        },
    };
}

fn revoke_egress(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let group = params.str("groupId").map(|g| g.into_owned());
    let permissions = params.raw("ipPermissions").map(items).unwrap_or_default();
    let mut cut = Vec::new();
    for permission in &permissions {
        let protocol = permission.str("ipProtocol").unwrap_or_default();
        let all_ports = protocol == "-1"
            || (permission.i64("fromPort") == Some(0) && permission.i64("toPort") == Some(65535));
        let mut ranges: Vec<String> = Vec::new();
        for (list, key) in [("ipRanges", "cidrIp"), ("ipv6Ranges", "cidrIpv6")] {
            for range in permission.raw(list).map(items).unwrap_or_default() {
                if let Some(cidr) = range.str(key) {
                    ranges.push(cidr.into_owned());
                }
            }
        }
        for (list, key) in [("prefixListIds", "prefixListId"), ("groups", "groupId")] {
            for peer in permission.raw(list).map(items).unwrap_or_default() {
                if let Some(id) = peer.str(key) {
                    ranges.push(id.into_owned());
                }
            }
        }
        let anywhere = ranges.iter().any(|c| ANYWHERE.contains(&c.as_str()));
        let collector = toward_collector(
            env,
            &ranges,
            &protocol,
            permission.i64("fromPort"),
            permission.i64("toPort"),
        );
        if let Some(collector) = &collector
            && !all_ports
            && !anywhere
        {
            cut.push(format!(
                "protocol {protocol} to {} ({collector})",
                if ranges.is_empty() {
                    "its destinations".to_owned()
                } else {
                    ranges.join(", ")
                }
            ));
        }
        if all_ports || anywhere {
            cut.push(format!(
                "{} to {}",
                if protocol == "-1" {
                    "all traffic".to_owned()
                } else {
                    format!("protocol {protocol}")
                },
                if ranges.is_empty() {
                    "its destinations".to_owned()
                } else {
                    ranges.join(", ")
                }
            ));
        }
    }
    if cut.is_empty() {
        return None;
    }
    let g = quoted(&group, "<group-id>");
    let r = region(record);
    Some(
        Detection::new(&EGRESS_RESTRICTED)
            .reason(format!(
                "egress of security group {} was revoked ({}): instances in it can no longer reach their \
                 log and agent collectors",
                group.as_deref().unwrap_or("(unknown group)"),
                cut.join("; ")
            ))
            .scope(format!(
                "`aws ec2 describe-instances --filters Name=instance.group-id,Values={g} --region {r}` lists the \
                 instances cut off"
            ))
            .restore(format!(
                "aws ec2 authorize-security-group-egress --group-id {g} --ip-permissions \
                 'IpProtocol=-1,IpRanges=[{{CidrIp=0.0.0.0/0}}]' --region {r}"
            )),
    )
}

fn acl_entry(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    if params.bool("egress") != Some(true)
        || !params
            .str("ruleAction")
            .is_some_and(|a| a.eq_ignore_ascii_case("deny"))
    {
        return None;
    }
    let acl = params.str("networkAclId").map(|a| a.into_owned());
    let rule_number = params.i64("ruleNumber");
    let cidr = params
        .str("cidrBlock")
        .or_else(|| params.str("ipv6CidrBlock"))
        .map(|c| c.into_owned());
    let protocol = params
        .str("aclProtocol")
        .or_else(|| params.str("protocol"))
        .map(|p| p.into_owned());
    let everything = cidr.as_deref().is_some_and(|c| ANYWHERE.contains(&c))
        && protocol.as_deref().is_none_or(|p| p == "-1");
    let a = quoted(&acl, "<network-acl-id>");
    let n = rule_number.map_or_else(|| "<rule-number>".to_owned(), |n| n.to_string());
    let r = region(record);
    Some(
        Detection::new(&EGRESS_RESTRICTED)
            .severity(if everything {
                Severity::High
            } else {
                Severity::Medium
            })
            .reason(format!(
                "network ACL {} gained egress deny rule {n} for {} (protocol {}): agents in its subnets may no \
                 longer reach their collectors",
                acl.as_deref().unwrap_or("(unknown ACL)"),
                cidr.as_deref().unwrap_or("(no CIDR)"),
                protocol.as_deref().unwrap_or("any")
            ))
            .scope(format!(
                "`aws ec2 describe-network-acls --network-acl-ids {a} --region {r}` shows the subnets it covers"
            ))
            .restore(format!(
                "aws ec2 delete-network-acl-entry --network-acl-id {a} --rule-number {n} --egress --region {r}"
            )),
    )
}

/// DeleteNetworkAclEntry (API: NetworkAclId, RuleNumber, Egress): only egress entries matter here.
fn acl_entry_deleted(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    if params.bool("egress") != Some(true) {
        return None;
    }
    let acl = params.str("networkAclId").map(|a| a.into_owned());
    let n = params
        .i64("ruleNumber")
        .map_or_else(|| "<rule-number>".to_owned(), |n| n.to_string());
    let a = quoted(&acl, "<network-acl-id>");
    let r = region(record);
    Some(
        Detection::new(&EGRESS_RESTRICTED)
            .confidence(45)
            .reason(format!(
                "egress entry {n} of network ACL {} was deleted: if it allowed traffic, agents in its subnets now \
                 meet later entries and the final deny on their way to collectors",
                acl.as_deref().unwrap_or("(unknown ACL)")
            ))
            .scope(format!(
                "`aws ec2 describe-network-acls --network-acl-ids {a} --region {r}` shows the entries left and the \
                 subnets they cover"
            ))
            .restore(format!(
                "recreate the entry if it allowed egress: aws ec2 create-network-acl-entry --network-acl-id {a} \
                 --rule-number {n} --egress --protocol -1 --cidr-block 0.0.0.0/0 --rule-action allow --region {r}"
            )),
    )
}

fn egress(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    match &*record.event_name {
        "RevokeSecurityGroupEgress" => revoke_egress(record, env),
        "DeleteNetworkAclEntry" => acl_entry_deleted(record),
        _ => acl_entry(record, env),
    }
}

/// The collector a revoked egress rule led to, if any: a destination CIDR overlapping a configured
/// collector's CIDRs (on its ports, when it names any), or a port range that holds a collector port.
fn toward_collector(
    env: &Env<'_>,
    destinations: &[String],
    protocol: &str,
    from: Option<i64>,
    to: Option<i64>,
) -> Option<String> {
    if !matches!(protocol, "tcp" | "udp" | "6" | "17" | "-1") {
        return None;
    }
    let ports = |port: u16| match (from, to) {
        (Some(from), Some(to)) => (from..=to).contains(&i64::from(port)),
        _ => true,
    };
    let nets: Vec<IpNet> = destinations.iter().filter_map(|d| d.parse().ok()).collect();
    for collector in &env.config.network.collectors {
        let port_match = collector.ports.is_empty() || collector.ports.iter().any(|p| ports(*p));
        if !port_match {
            continue;
        }
        if collector.cidrs.is_empty() {
            // A port-only collector (the defaults): the port alone says where the traffic went.
            if !collector.ports.is_empty() && from.is_some() && from == to {
                return Some(format!("collector port of {}", collector.name));
            }
            continue;
        }
        let overlaps = nets.iter().any(|net| {
            collector
                .cidrs
                .iter()
                .any(|c| c.contains(&net.network()) || net.contains(&c.network()))
        });
        if overlaps {
            return Some(format!("collector {}", collector.name));
        }
    }
    None
}
